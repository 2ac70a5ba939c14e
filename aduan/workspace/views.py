"""The back office: inbox, export, report handling, manual entry and response templates.

Every view requires a signed-in user with an active membership, loads reports only
through `Report.objects.visible_to` and changes them only through the lifecycle.
"""

from __future__ import annotations

import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.forms import FileField
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aduan.channels.intake import Submission, submit_report
from aduan.lib.csvfiles import csv_lines, formula_safe
from aduan.lib.untrusted import plain_text
from aduan.notifications.outbox import reporter_of, sms_enabled, whatsapp_enabled
from aduan.organizations.access import Access
from aduan.organizations.models import ResponseTemplate
from aduan.portal.presenters import verdict_detail
from aduan.reports.access_log import (
    may_read_log,
    recent_accesses,
    record_access,
    recorded_while_read,
)
from aduan.reports.codes import secret_matches
from aduan.reports.lifecycle import (
    WORDS_READ_WITH_REPORT,
    Action,
    Actor,
    ReceivedVia,
    StaleReport,
    TransitionError,
    allowed_actions,
    recorded_for_reporter,
    reporter_erased,
    words_hideable,
)
from aduan.reports.models import (
    Attachment,
    Channel,
    Kind,
    Report,
    ReportAccess,
    ReportEvent,
    Status,
)
from aduan.reports.thumbnails import thumbnail_response
from aduan.triage.duplicates import likely_duplicates
from aduan.triage.hints import report_flags
from aduan.webhooks.models import Uplink
from aduan.workspace import queries
from aduan.workspace.forms import (
    ACTION_FORMS,
    InboxFilterForm,
    ManualEntryForm,
    ResponseTemplateForm,
)
from aduan.workspace.guards import requires
from aduan.workspace.queries import get_report_for_user

STALE_MESSAGE = gettext_lazy(
    "Someone else changed this report a moment ago. Its latest state is shown below and "
    "your text is kept: check it, then send again if it still applies."
)


staff_required = requires(
    lambda access: access.is_staff,
    gettext_lazy("The back office is for officers of connected agencies."),
)


# --- Inbox and export ---------------------------------------------------------------


def _filtered_reports(request):
    access = Access.of(request.user)
    tab = request.GET.get("tab")
    if tab not in queries.TABS:
        tab = queries.default_tab(access)
    form = InboxFilterForm(request.GET or None, access=access, user=request.user)
    reports = queries.tab_reports(request.user, tab)
    if form.is_bound:
        reports = queries.apply_filters(reports, form.filters())
    return tab, form, queries.for_listing(reports, _sort(request, tab))


def _sort(request, tab: str) -> str:
    sort = request.GET.get("sort")
    return sort if sort in queries.SORTS else queries.default_sort(tab)


def _query_string(request, **changes) -> str:
    params = request.GET.copy()
    for key, value in changes.items():
        params.pop(key, None)
        if value is not None:
            params[key] = value
    return params.urlencode()


@staff_required
def inbox(request):
    tab, form, reports = _filtered_reports(request)
    size = queries.page_size(request.GET.get("per_page"))
    page = queries.paginate(reports, request.GET.get("page"), size)
    for report in page.rows:
        report.staff_reporter_label = report.reporter_label(public=False)
    queries.mark_returned(page.rows)
    tabs = [
        (key, label, _query_string(request, tab=key, page=None))
        for key, label in queries.TABS.items()
    ]
    context = {
        "tab": tab,
        "tabs": tabs,
        "form": form,
        "page": page,
        "next_query": _query_string(request, tab=tab, page=str(page.number + 1)),
        "previous_query": _query_string(request, tab=tab, page=str(page.number - 1)),
        "export_query": _query_string(request, tab=tab, page=None),
        "can_enter": queries.can_enter_reports(Access.of(request.user)),
        "can_bulk": Access.of(request.user).is_admin,
        "back_query": _query_string(request, tab=tab),
        # The filters besides the search fold away on a phone unless in use: open, they
        # pushed the first report almost two screens down.
        "refined": any(request.GET.get(name) for name in [*form.fields, "sort"] if name != "q"),
        "sort": _sort(request, tab),
        "sorts": queries.SORTS.items(),
    }
    return render(request, "workspace/inbox.html", context)


def csv_safe(value) -> str:
    """A cell as text that spreadsheet programs will not run as a formula."""
    return formula_safe("" if value is None else str(value))


XLSX_ROW_LIMIT = 100_000


def _rows(reports, labels: dict, reader):
    """The export's header, then one list of cells per visible report, each recorded as
    read by `reader`, with its reporter's name, as its page is."""
    yield list(labels["header"])
    exported = reports.iterator(chunk_size=2000)
    for report in recorded_while_read(exported, user=reader, via=ReportAccess.Via.EXPORT):
        if report.is_anonymous:
            reporter = labels["anonymous"]
        elif report.reporter_id and report.reporter.is_erased:
            reporter = labels["deleted"]
        elif report.reporter_id:
            reporter = report.reporter.full_name
        else:
            reporter = report.guest_name or labels["guest"]
        yield [
            report.tracking_code,
            timezone.localtime(report.submitted_at).strftime("%Y-%m-%d %H:%M"),
            labels["status"].get(report.status, report.status),
            labels["kind"].get(report.kind, report.kind),
            labels["channel"].get(report.channel, report.channel),
            report.shown_reference,
            report.title,
            _category_name(report, labels["language"]),
            report.region.name if report.region_id else "",
            report.organization.name if report.organization_id else labels["national"],
            reporter,
            labels["yes"] if report.is_confidential else "",
            report.rating or "",
            # Last, so that spreadsheets built on the earlier columns keep working.
            report.assigned_to.full_name if report.assigned_to_id else "",
        ]


def _export_labels() -> dict:
    # Translated now: a streamed export produces its rows after the view has returned.
    return {
        "header": [
            _("Tracking code"),
            _("Submitted"),
            _("Status"),
            _("Kind"),
            _("Channel"),
            _("Original reference"),
            _("Title"),
            _("Category"),
            _("Region"),
            _("Handling organization"),
            _("Reporter"),
            _("Confidential"),
            _("Rating"),
            _("Officer in charge"),
        ],
        "status": {k: str(v) for k, v in Status.choices},
        "kind": {k: str(v) for k, v in Kind.choices},
        "channel": {k: str(v) for k, v in Channel.choices},
        "anonymous": _("Anonymous"),
        "guest": _("Guest"),
        "deleted": _("Deleted account"),
        "national": _("National queue"),
        "yes": _("yes"),
        "language": translation.get_language(),
    }


def _category_name(report, language: str) -> str:
    if not report.category_id:
        return ""
    with translation.override(language):  # the request's, long returned when streaming
        return str(report.category)


def _attachment(response, extension: str):
    filename = f"aduan-{timezone.localdate():%Y%m%d}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@staff_required
def export(request):
    """The inbox's filtered, visible reports as CSV, streamed row by row."""
    _tab, _form, reports = _filtered_reports(request)
    lines = csv_lines(_rows(reports, _export_labels(), request.user))
    return _attachment(StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8"), "csv")


@staff_required
def export_xlsx(request):
    """The same list as an Excel workbook, up to XLSX_ROW_LIMIT reports (CSV for more)."""
    from openpyxl import Workbook

    _tab, _form, reports = _filtered_reports(request)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Reports"))
    for row in _rows(reports[:XLSX_ROW_LIMIT], _export_labels(), request.user):
        # (texts stored before intake cleaned them may hold characters XLSX cannot)
        sheet.append(
            [plain_text(csv_safe(cell)) if isinstance(cell, str) else cell for cell in row]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    return _attachment(response, "xlsx")


# --- The report page ----------------------------------------------------------------


def _event_actor_label(event: ReportEvent, report: Report) -> str:
    """Who acted, as staff may see it: an anonymous reporter stays anonymous."""
    if event.by_reporter:
        return report.reporter_label(public=False)
    if event.actor_id:
        org = event.actor_organization
        # A comma, not parentheses: organization names often hold some already.
        officer = f"{event.actor.full_name}, {org.name}" if org else event.actor.full_name
        if recorded_for_reporter(event):
            return _("%(reporter)s · %(received)s · recorded by %(officer)s") % {
                "reporter": report.reporter_label(public=False),
                "received": _received_label(event),
                "officer": officer,
            }
        return officer
    if event.actor_organization_id:  # the system, at the request of an organization's key
        return _("System, for %(organization)s") % {"organization": event.actor_organization.name}
    return _("System")


def _received_label(event: ReportEvent) -> str:
    received = event.data.get("received_via", "")
    return str(ReceivedVia(received).label) if received in ReceivedVia.values else received


def _reporter_contact(report: Report) -> dict | None:
    """Name, email and phone for staff; None when the reporter chose anonymity."""
    if report.is_anonymous:
        return None
    if report.reporter_id:
        user = report.reporter
        if user.is_erased:
            return {"name": report.reporter_label(public=False), "email": "", "phone": ""}
        # Whether calling the number reaches the reporter (`aduan.accounts.phone`): not
        # once it lay unused for months (`holds_phone`).
        verified = user.holds_verified_phone
        return {
            "name": user.full_name,
            "email": user.email,
            "phone": user.phone,
            "phone_verified": verified,
        }
    return {
        "name": report.guest_name,
        "email": report.guest_email,
        "phone": report.guest_phone,
        "phone_verified": report.guest_phone_verified,
    }


def _action_forms(request, report: Report, bound=None) -> list:
    """One form per action the user may take now; `bound` replaces its unbound twin."""
    allowed = allowed_actions(report, Actor(user=request.user))
    chosen = request.GET.get("use_template")
    template_for = request.GET.get("for")
    templates = {str(t.pk): t for t in queries.templates_for_report(report)}
    forms = []
    for action, form_class in ACTION_FORMS.items():
        if action not in allowed:
            continue
        if bound is not None and bound.action == action:
            forms.append(bound)
            continue
        initial = {}
        if template_for == action and chosen in templates:
            initial["message"] = templates[chosen].body
        if action == Action.MARK_DUPLICATE and request.GET.get("duplicate_of"):
            # The duplicates panel's button: the form to confirm, with the original filled in.
            initial["original"] = request.GET["duplicate_of"][:20]
        form = form_class(report=report, user=request.user, initial=initial)
        if getattr(form, "has_choices", True):
            forms.append(form)
    return forms


def _explain_verdicts(events) -> None:
    """The reporter's verdicts for an uplink say which uplink, and what they said there
    (no words are needed to be satisfied)."""
    verdicts = [event for event in events if event.action == Action.REMOTE_VERDICT]
    if not verdicts:
        return
    names = dict(Uplink.objects.values_list("slug", "name"))
    for event in verdicts:
        event.uplink_name = names.get(event.data.get("uplink"), event.data.get("uplink"))
        event.verdict = verdict_detail(event)


def _render_report(request, report: Report, *, bound=None, unsent: str = "", status=200):
    events = report.events.select_related("actor", "actor_organization").prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("uploaded_at", "id"))
    )
    labels = dict(Action.choices)
    timeline = [
        (event, labels.get(event.action, event.action), _event_actor_label(event, report))
        for event in events
    ]
    _explain_verdicts([entry[0] for entry in timeline])
    forms = _action_forms(request, report, bound)
    if bound is not None and bound not in forms:
        unsent = unsent or bound.data.get("message", "")
    # Hiding a file is offered beside each public file, not among the actions.
    hide_file = next((f for f in forms if f.action == Action.HIDE_FILE), None)
    # So is hiding information the reporter added, beside each public entry of it.
    hide_info = next((f for f in forms if f.action == Action.HIDE_INFO), None)
    forms = [f for f in forms if f is not hide_file and f is not hide_info]
    attachments = list(report.attachments.select_related("event"))
    for item in attachments:
        item.shown_in_public = item.is_public and (item.event is None or item.event.is_public)
    for item in [*attachments, *(i for entry in timeline for i in entry[0].attachments.all())]:
        item.shown_name = item.name_for_staff(report)
    templates = queries.templates_for_report(report)
    context = {
        "report": report,
        "timeline": timeline,
        # Shown beside the dispatch form, so it does not go back where it came from.
        "returns": [entry[0] for entry in timeline if entry[0].action == Action.NOT_OUR_REMIT],
        "dispatches": report.dispatches.select_related(
            "from_organization", "to_organization"
        ).order_by("at", "id"),
        "attachments": attachments,
        "hide_file": hide_file,
        "hide_info": hide_info,
        "hideable_words": {e.pk for e, *_labels in timeline if words_hideable(e)}
        if hide_info and not report.is_confidential
        else set(),
        "forwardings": list(report.forwardings.select_related("uplink")),
        "contact": _reporter_contact(report),
        # Advice to call the reporter is for those who can act on the report here.
        "reporter_unreachable": bool(forms) and not reporter_of(report, confirmed_only=True),
        "reporter_erased": reporter_erased(report),
        "reporter_label": report.reporter_label(public=False),
        "action_forms": forms,
        "response_templates": templates,
        "template_bodies": {str(t.pk): t.body for t in templates},
        "unsent": unsent,
        "region_name": report.region.full_name() if report.region_id else "",
        "likely_duplicates": likely_duplicates(report, request.user),
        "merged_duplicates": queries.merged_duplicates(report, request.user),
        "can_mark_duplicate": any(f.action == Action.MARK_DUPLICATE for f in forms),
        "triage_flags": report_flags(report, _answers(timeline)),
        "flag_corrections": _flag_corrections(timeline),
        "accesses": (
            recent_accesses(report) if may_read_log(report, Access.of(request.user)) else None
        ),
    }
    return render(request, "workspace/report.html", context, status=status)


def _answers(timeline) -> list[str]:
    return [
        event.message
        for event, _label, _actor in timeline
        if event.action in WORDS_READ_WITH_REPORT
    ]


def _flag_corrections(timeline) -> dict:
    """The latest officer's correction of each flag: {"urgent"/"abusive": (event, who)}."""
    found = {}
    for event, _label, actor in timeline:
        if event.action == Action.CORRECT_FLAGS:
            for flag in ("urgent", "abusive"):
                if flag in event.data:
                    found[flag] = (event, actor)
    return found


@staff_required
def report_detail(request, code: str):
    report = get_report_for_user(request, code)
    record_access(report, request.user)
    return _render_report(request, report)


def _posted_version(request) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


def _refuse_stale(request, report: Report, form_class):
    """Re-render with the latest state; the typed text is kept, bound to the new version."""
    fresh = get_report_for_user(request, report.tracking_code)
    data = request.POST.copy()
    data["version"] = str(fresh.version)
    form = form_class(data, report=fresh, user=request.user)
    messages.error(request, STALE_MESSAGE)
    return _render_report(request, fresh, bound=form, status=409)


@require_POST
@staff_required
def report_action(request, code: str, action: str):
    """Take one lifecycle action; refuse stale, forbidden and invalid posts, keeping text."""
    report = get_report_for_user(request, code)
    form_class = ACTION_FORMS.get(action)
    if form_class is None:
        raise Http404("No such action")
    if request.POST.get("insert_template") and getattr(form_class, "uses_templates", False):
        if action not in allowed_actions(report, Actor(user=request.user)):
            raise PermissionDenied(_("You may not take this action on this report."))
        return _render_report(request, report, bound=_with_template(request, report, form_class))
    version = _posted_version(request)
    if version is not None and version != report.version:
        return _refuse_stale(request, report, form_class)
    form = form_class(request.POST, files=request.FILES, report=report, user=request.user)
    actor = Actor(user=request.user)
    if action not in allowed_actions(report, actor):
        messages.error(request, _("You may not take this action on this report."))
        return _render_report(request, report, bound=form, status=403)
    if not form.is_valid():
        return _render_report(request, report, bound=form, status=400)
    report.version = version  # a concurrent change also loses at the database
    try:
        event = form.perform(actor)
    except StaleReport:
        return _refuse_stale(request, report, form_class)
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("You may not take this action on this report."))
        return _render_report(request, report, bound=form, status=403)
    except TransitionError as exc:
        form.add_error(None, str(exc))
        report.refresh_from_db()
        return _render_report(request, report, bound=form, status=400)
    # (the reply form's verdict picks the action taken)
    return _after_action(request, report, getattr(event, "action", action))


def _with_template(request, report: Report, form_class):
    """The "Use template" button pressed without JavaScript, which cannot ask before
    replacing: the form comes back unsent with the chosen template after what was
    written (or in its place when nothing was), everything else as typed and the version
    first seen, so a colleague's change made meanwhile is still caught when it is sent."""
    template = {str(t.pk): t for t in queries.templates_for_report(report)}.get(
        request.POST.get("use_template", "")
    )
    blank = form_class(report=report, user=request.user)
    typed = {
        name: field.widget.value_from_datadict(request.POST, {}, blank.add_prefix(name))
        for name, field in blank.fields.items()
        if not isinstance(field, FileField)
    }
    typed = {name: value for name, value in typed.items() if value not in (None, "")}
    written = (typed.get("message") or "").strip()
    added = False
    if template is not None and template.body.strip() not in written:
        typed["message"] = f"{written}\n\n{template.body}" if written else template.body
        added = bool(written)
    form = form_class(report=report, user=request.user, initial=typed)
    form.template_added = added
    return form


def _after_action(request, report: Report, action: str):
    messages.success(request, _("“%(action)s” is recorded.") % {"action": Action(action).label})
    if Report.objects.visible_to(request.user).filter(pk=report.pk).exists():
        return redirect("workspace:report", code=report.tracking_code)
    messages.info(
        request,
        _("Report %(code)s has left your organization's queue.") % {"code": report.tracking_code},
    )
    return redirect("workspace:inbox")


@staff_required
def attachment(request, code: str, pk: int, small: bool = False):
    """Stream an attachment (or a photo's thumbnail) to staff who may see the report;
    never sniffed or framed."""
    report = get_report_for_user(request, code)
    item = queries.attachment_of(report, pk)
    if small:
        return thumbnail_response(item)
    record_access(report, request.user, ReportAccess.Via.FILE)
    inline = item.is_image
    try:
        handle = item.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The stored file is missing") from exc
    response = FileResponse(
        handle,
        content_type=item.content_type,
        as_attachment=not inline,
        filename=item.name_for_staff(item.report),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


# --- Manual entry -------------------------------------------------------------------


def _guest_link_message(request, submission) -> None:
    """Tell the officer the reporter's secret link once, to hand over with the code —
    only when nothing else can bring it to the reporter. Whoever holds the link speaks
    as the reporter (satisfied, a rating), and the officer's own unit may come to
    handle the report: an email address, or a number where texts can be sent, receives
    the link in the confirmation instead."""
    if not submission.secret:
        return
    report = submission.report
    if report.guest_email or (report.guest_phone and (sms_enabled() or whatsapp_enabled())):
        messages.info(
            request,
            _("The reporter's private link was sent to the contact they gave."),
        )
        return
    try:
        path = reverse(
            "portal:secret",
            kwargs={"code": submission.report.tracking_code, "secret": submission.secret},
        )
    except NoReverseMatch:
        return
    messages.info(
        request,
        _("Give the reporter this private link to follow the report: %(link)s")
        % {"link": request.build_absolute_uri(path)},
    )


def _taken_elsewhere(user, channel: str, reference: str) -> bool:
    """True when another organization's report already uses this channel reference."""
    existing = Report.objects.filter(channel=channel, channel_reference=reference)
    return (
        existing.exists()
        and not Report.objects.visible_to(user).filter(pk__in=existing.values("pk")).exists()
    )


@staff_required
def manual_entry(request):
    """Enter a report received by phone, in person, by letter, social media or box."""
    access = Access.of(request.user)
    if not queries.can_enter_reports(access):
        raise PermissionDenied(_("Only admins and liaison officers enter reports."))
    form = ManualEntryForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        channel = form.cleaned_data["channel"]
        reference = form.delivery_reference()
        if form.cleaned_data["channel_reference"] and _taken_elsewhere(
            request.user, channel, reference
        ):
            form.add_error(
                "channel_reference",
                _("Another organization already registered this reference; make it unique."),
            )
        else:
            submission = submit_report(
                form.draft(),
                channel=channel,
                channel_reference=reference,
                entered_by=request.user,
                received_by=queries.receiving_organization(access),
                at=form.received_at(),
                guest_secret=form.guest_secret(),
            )
            return _after_entry(request, submission, form.guest_secret())
    status = 400 if form.is_bound else 200
    return render(request, "workspace/manual_entry.html", {"form": form}, status=status)


def _after_entry(request, submission, guest_secret: str = ""):
    report = submission.report
    visible = Report.objects.visible_to(request.user).filter(pk=report.pk).exists()
    if submission.created:
        messages.success(
            request, _("Report %(code)s was entered.") % {"code": report.tracking_code}
        )
        _guest_link_message(request, submission)
    elif guest_secret and visible:
        # The same form sent twice (a double click): the first request's messages may
        # never be shown, so this one says everything again, the private link included.
        messages.info(
            request,
            _("This form was already sent: report %(code)s; nothing new was created.")
            % {"code": report.tracking_code},
        )
        if report.reporter_id is None and secret_matches(guest_secret, report.guest_secret_hash):
            _guest_link_message(request, Submission(report, created=False, secret=guest_secret))
    elif visible:
        messages.info(
            request,
            _("This reference was entered before as report %(code)s; nothing new was created.")
            % {"code": report.tracking_code},
        )
    else:
        messages.info(request, _("This reference was entered before; nothing new was created."))
    if visible:
        return redirect("workspace:report", code=report.tracking_code)
    return redirect("workspace:inbox")


# --- Response templates -------------------------------------------------------------


def _managed_template(request, pk: int) -> ResponseTemplate:
    """A template the user may edit: 404 if they cannot even read it, 403 if read-only."""
    access = Access.of(request.user)
    template = get_object_or_404(queries.usable_templates(access), pk=pk)
    if not access.can_administer(template.organization):
        raise PermissionDenied(_("Only the organization's admins change its templates."))
    return template


@staff_required
def templates(request):
    access = Access.of(request.user)
    items = queries.usable_templates(access).order_by("organization__path", "title")
    managed = {t.pk for t in items if access.can_administer(t.organization)}
    can_create = queries.administered_organizations(access).exists()
    context = {"items": items, "managed": managed, "can_create": can_create}
    return render(request, "workspace/templates.html", context)


@staff_required
def template_create(request):
    access = Access.of(request.user)
    if not queries.administered_organizations(access).exists():
        raise PermissionDenied(_("Only admins create response templates."))
    form = ResponseTemplateForm(request.POST or None, access=access)
    if request.method == "POST" and form.is_valid():
        template = form.save()
        messages.success(request, _("Template “%(title)s” saved.") % {"title": template.title})
        return redirect("workspace:templates")
    context = {"form": form, "template": None}
    status = 400 if form.is_bound else 200
    return render(request, "workspace/template_form.html", context, status=status)


@staff_required
def template_edit(request, pk: int):
    template = _managed_template(request, pk)
    access = Access.of(request.user)
    form = ResponseTemplateForm(request.POST or None, instance=template, access=access)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Template “%(title)s” saved.") % {"title": template.title})
        return redirect("workspace:templates")
    context = {"form": form, "template": template}
    status = 400 if form.is_bound else 200
    return render(request, "workspace/template_form.html", context, status=status)


@require_POST
@staff_required
def template_delete(request, pk: int):
    template = _managed_template(request, pk)
    title = template.title
    template.delete()
    messages.success(request, _("Template “%(title)s” deleted.") % {"title": title})
    return redirect("workspace:templates")
