"""Django admin for reports: a superuser's window, never a way around the lifecycle.

Status, version, handling organization and privacy flags are read-only: they change only
through `aduan.reports.lifecycle`. Reports enter only through intake (no add) and are never
deleted. The timeline is append-only, so events are view-only. For anonymous reports the
reporter and the guest contact fields are not shown at all.
"""

from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from aduan.reports.lifecycle import reread_flags
from aduan.reports.models import (
    Attachment,
    Dispatch,
    Report,
    ReportAccess,
    ReportEvent,
    Support,
)
from aduan.reports.privacy import set_public_text

REPORTER_FIELDS = ("reporter", "guest_name", "guest_email", "guest_phone", "show_reporter_name")
EDITABLE_FIELDS = ("title", "body", "incident_date", "region", "address", "category")


class ReadOnlyAdminMixin:
    """No add, change or delete: the admin shows these rows, it never writes them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def actor_label(event: ReportEvent) -> str:
    """Who acted, with an anonymous reporter's identity withheld."""
    if event.by_reporter and event.report.is_anonymous:
        return str(_("Anonymous reporter"))
    if event.actor_id is None:
        return str(_("Reporter")) if event.by_reporter else str(_("System"))
    return str(event.actor)


class ReportEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ReportEvent
    fields = ("at", "action", "actor_name", "actor_organization", "to_status", "is_public")
    readonly_fields = fields
    extra = 0
    show_change_link = True

    @admin.display(description=_("actor"))
    def actor_name(self, obj):
        return actor_label(obj)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("report", "actor", "actor_organization")


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = (
        "tracking_code",
        "title",
        "status",
        "kind",
        "channel",
        "organization",
        "is_anonymous",
        "is_confidential",
        "submitted_at",
    )
    list_filter = ("status", "kind", "channel", "tier", "is_anonymous", "is_confidential")
    search_fields = ("=tracking_code", "title")
    list_select_related = ("organization",)
    raw_id_fields = ("region", "category")
    show_full_result_count = False  # millions of rows: avoid a second COUNT(*)
    inlines = [ReportEventInline]

    actions = ["erase_guest_reporters"]

    def has_add_permission(self, request):
        return False  # reports enter only through channels.intake

    @admin.action(description=_("Erase the guest reporter's personal data"))
    def erase_guest_reporters(self, request, queryset):
        """At a guest reporter's request (Law 27/2022): after a page that says what
        happens, as the delete action has one."""
        from aduan.accounts.erasure import erase_guest_reporter

        reports = list(queryset.filter(reporter=None).order_by("pk"))
        if request.POST.get("confirmed") != "yes":
            context = {
                **self.admin_site.each_context(request),
                "title": _("Erase the guest reporter's personal data"),
                "reports": reports,
                "skipped": queryset.exclude(reporter=None).count(),
                "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
                "opts": self.model._meta,
            }
            return TemplateResponse(request, "admin/reports/erase_guest_reporters.html", context)
        erased = 0
        for report in reports:
            if erase_guest_reporter(report):
                erased += 1
                self.log_change(
                    request, report, gettext("Erased the guest reporter's personal data.")
                )
        self.message_user(
            request,
            ngettext(
                "The guest reporter's personal data was erased from %(count)d report.",
                "The guest reporter's personal data was erased from %(count)d reports.",
                erased,
            )
            % {"count": erased},
        )
        return None

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fieldsets(self, request, obj=None):
        reporter = () if obj is not None and obj.is_anonymous else REPORTER_FIELDS
        if reporter and obj is not None and obj.reporter_id is None:
            # A guest's contact: since when it is proven theirs, and its number last in
            # use (after months unused it may be someone else's).
            reporter = (*reporter, "guest_contact_verified_at", "guest_phone_used_at")
        sections = [
            (None, {"fields": ("tracking_code", "kind", *EDITABLE_FIELDS[:3])}),
            (_("Place and topic"), {"fields": ("region", "address", "category")}),
            (
                _("Handling"),
                {
                    "fields": (
                        "status",
                        "version",
                        "organization",
                        "suggested_organization",
                        "auditor_organization",
                        "tier",
                        "duplicate_of",
                        "archive_reason",
                    )
                },
            ),
            (
                _("Channel and privacy"),
                {
                    "fields": (
                        "channel",
                        "channel_reference",
                        "is_anonymous",
                        "is_confidential",
                        *reporter,
                    )
                },
            ),  # fmt: skip
            (_("Milestones"), {"fields": self.milestones}),
            (
                _("Reporter's verdict"),
                {"fields": ("rating", "rating_comment", "reopen_count", "support_count")},
            ),  # fmt: skip
        ]
        return sections

    milestones = (
        "submitted_at",
        "verified_at",
        "dispatched_at",
        "first_response_at",
        "completed_at",
        "closed_at",
        "archived_at",
        "on_hold_since",
        "escalated_at",
        "updated_at",
    )

    def save_model(self, request, obj, form, change):
        """An operator edits the text to take out what the masking missed: the stored
        public copies (the public search, the Atom feed, followers' messages, the recap)
        must follow, or they keep publishing what was taken out."""
        set_public_text(obj)
        # The flags follow the words too: an edit may take out an insult or say more.
        flags = reread_flags(obj)
        for name, value in flags.items():
            setattr(obj, name, value)
        # Only the text and what follows from it: the rest of the row as read (status,
        # version, a guest's number last used) may have moved on since, by an officer's
        # action or a message from the number, and must not be written back.
        obj.save(update_fields=[*EDITABLE_FIELDS, "public_title", "public_body", *flags])

    def get_readonly_fields(self, request, obj=None):
        shown = [
            f for _name, section in self.get_fieldsets(request, obj) for f in section["fields"]
        ]
        return [f for f in shown if f not in EDITABLE_FIELDS]


@admin.register(ReportEvent)
class ReportEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("report", "action", "actor_name", "actor_organization", "at", "is_public")
    list_filter = ("action", "is_public", "by_reporter")
    search_fields = ("=report__tracking_code",)
    list_select_related = ("report", "actor", "actor_organization")
    show_full_result_count = False
    fields = (
        "report",
        "action",
        "actor_name",
        "actor_organization",
        "by_reporter",
        "at",
        "from_status",
        "to_status",
        "is_public",
        "message",
        "data",
    )
    readonly_fields = fields

    @admin.display(description=_("actor"))
    def actor_name(self, obj):
        return actor_label(obj)


@admin.register(Dispatch)
class DispatchAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("report", "from_organization", "to_organization", "at")
    search_fields = ("=report__tracking_code",)
    list_select_related = ("report", "from_organization", "to_organization")
    show_full_result_count = False


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("original_name", "report", "content_type", "size", "is_public", "uploaded_at")
    list_filter = ("content_type", "is_public")
    search_fields = ("=report__tracking_code", "original_name")
    list_select_related = ("report",)


@admin.register(Support)
class SupportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("report", "user", "at")
    search_fields = ("=report__tracking_code", "user__email")
    list_select_related = ("report", "user")


@admin.register(ReportAccess)
class ReportAccessAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who opened which report: by report (its code), by officer (their email) or by
    connected system (its key's prefix), for an inquiry into who read a report that
    leaked."""

    list_display = ("report", "user", "api_key", "via", "at")
    list_filter = ("via",)
    search_fields = ("=report__tracking_code", "=user__email", "=api_key__prefix")
    list_select_related = ("report", "user", "api_key")
    date_hierarchy = "at"
    show_full_result_count = False
