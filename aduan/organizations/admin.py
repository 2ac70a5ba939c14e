"""Django admin for regions, the organization tree, memberships, categories and rules."""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext as _

from aduan.organizations.models import (
    Category,
    ConnectionDecree,
    Membership,
    Organization,
    Region,
    ResponseTemplate,
    RoutingRule,
)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)
    list_select_related = ("parent",)
    show_full_result_count = False  # ~91k rows: skip the second COUNT


class ConnectionDecreeInline(admin.StackedInline):
    model = ConnectionDecree
    extra = 0
    readonly_fields = ("entered_by", "entered_at")


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ("user",)
    fields = ("user", "role", "is_active")


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "short_name", "kind", "parent", "path", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "short_name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    raw_id_fields = ("parent",)
    autocomplete_fields = ("regions",)
    readonly_fields = ("path", "created_at")
    list_select_related = ("parent",)
    inlines = [ConnectionDecreeInline, MembershipInline]

    def save_formset(self, request, form, formset, change):
        if formset.model is ConnectionDecree:
            for decree_form in formset.forms:
                if not decree_form.instance.pk and decree_form.has_changed():
                    _entered(decree_form.instance, request)
        super().save_formset(request, form, formset, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Deactivated, moved, or its memberships edited inline; any other edit (a name)
        # takes nobody's access, and spares a look at every report of a big tree.
        access_changed = {"is_active", "parent"} & set(form.changed_data) or any(
            formset.model is Membership and formset.has_changed() for formset in formsets
        )
        if change and access_changed:
            release_stranded_reports(self, request, organization_path=form.instance.path)

    def save_model(self, request, obj, form, change):
        """Save (a new parent moves the whole subtree, `Organization.save`); after a move,
        point out the routing rules whose owner no longer administers their target."""
        super().save_model(request, obj, form, change)
        if change and "parent" in form.changed_data:
            stranded = [
                rule
                for rule in RoutingRule.objects.filter(organization__path__startswith=obj.path)
                .exclude(owner=None)
                .select_related("owner", "organization", "category__parent", "region")
                if not rule.owner.contains(rule.organization)
            ]
            if stranded:
                self.message_user(
                    request,
                    _(
                        "These routing rules of another agency still send reports into the "
                        "moved organization; review them: %(rules)s"
                    )
                    % {"rules": "; ".join(str(rule) for rule in stranded)},
                    messages.WARNING,
                )


def release_stranded_reports(modeladmin, request, **scope) -> None:
    """After an operator's change here took an officer's access (an account, a role or
    an organization deactivated, a role changed or deleted, an organization moved), the
    open reports in their charge they may no longer act on become nobody's, as when an
    admin ends a membership in the back office; the operator is told how many. `scope`
    is `lifecycle.release_stranded`'s."""
    from aduan.reports.lifecycle import Actor, release_stranded, released_message

    released = release_stranded(Actor.system(), **scope)
    if released:
        modeladmin.message_user(request, released_message(len(released)), messages.INFO)


def release_reports_of_deleted(modeladmin, request, users) -> None:
    """Before accounts are deleted, the open reports in their charge become nobody's with
    an entry on their timelines (the database would clear them silently)."""
    from aduan.reports.lifecycle import (
        TRANSITIONS,
        Action,
        Actor,
        assign,
        released_message,
    )
    from aduan.reports.models import Report

    held = Report.objects.filter(
        assigned_to__in=users, status__in=TRANSITIONS[Action.ASSIGN].sources
    ).order_by("pk")
    released = [assign(report, Actor.system(), None) for report in held]
    if released:
        modeladmin.message_user(request, released_message(len(released)), messages.INFO)


def _entered(decree: ConnectionDecree, request) -> None:
    decree.entered_by, decree.entered_at = request.user, timezone.now()


@admin.register(ConnectionDecree)
class ConnectionDecreeAdmin(admin.ModelAdmin):
    list_display = ("number", "organization", "issued_on", "valid_until", "entered_by")
    list_filter = ("valid_until",)
    search_fields = ("number", "organization__name")
    raw_id_fields = ("organization",)
    readonly_fields = ("entered_by", "entered_at")
    list_select_related = ("organization", "entered_by")

    def save_model(self, request, obj, form, change):
        if not change:
            _entered(obj, request)
        super().save_model(request, obj, form, change)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "organization", "is_active", "created_at")
    list_filter = ("role", "is_active", "organization__kind")
    search_fields = ("user__email", "user__full_name", "organization__name")
    raw_id_fields = ("user", "organization")
    list_select_related = ("user", "organization")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change:
            # The user may have been changed too: the former one lost the role.
            officers = {obj.user_id, form.initial.get("user") or obj.user_id}
            release_stranded_reports(self, request, officers=officers)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        release_stranded_reports(self, request, officers=[obj.user_id])

    def delete_queryset(self, request, queryset):
        officers = set(queryset.values_list("user_id", flat=True))
        super().delete_queryset(request, queryset)
        release_stranded_reports(self, request, officers=officers)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "parent", "slug", "is_active")
    list_filter = ("is_active", "parent")
    search_fields = ("name", "name_en", "slug")
    prepopulated_fields = {"slug": ("name",)}
    list_select_related = ("parent",)


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("category", "region", "organization", "owner")
    list_filter = ("category__parent",)
    search_fields = ("category__name", "region__name", "organization__name")
    autocomplete_fields = ("region",)
    raw_id_fields = ("category", "organization", "owner")
    list_select_related = ("category__parent", "region", "organization", "owner")


@admin.register(ResponseTemplate)
class ResponseTemplateAdmin(admin.ModelAdmin):
    list_display = ("title", "organization", "updated_at")
    search_fields = ("title", "body", "organization__name")
    raw_id_fields = ("organization",)
    list_select_related = ("organization",)
