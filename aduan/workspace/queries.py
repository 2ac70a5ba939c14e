"""Back-office questions about reports, organizations and templates.

Every list here starts from `Report.objects.visible_to(user)`; the tabs and filters only
narrow it. Pages are fetched without COUNT(*) so the inbox stays fast on large tables.
"""

from __future__ import annotations

from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from aduan.lib import paging
from aduan.lib.paging import Page
from aduan.organizations.access import STAFF_ROLES, Access, Role
from aduan.organizations.models import PATH_STEP, Organization, ResponseTemplate
from aduan.reports.codes import normalize_tracking_code
from aduan.reports.lifecycle import Action
from aduan.reports.models import Attachment, Report, ReportEvent, Status

PAGE_SIZE = 50
PAGE_SIZES = (25, 50, 100)

TABS = {
    "verify": _("To verify"),
    "follow_up": _("Follow-up"),
    "on_hold": _("On hold"),
    "awaiting_reporter": _("Awaiting reporter"),
    "all": _("All"),
}
ENTRY_ROLES = (Role.NATIONAL_ADMIN, Role.AGENCY_ADMIN, Role.LIAISON)
LARGEST_ID = 2**63 - 1  # what a database's bigint holds


def posted_ids(request, name: str = "ids") -> list[int]:
    """The row ids ticked in a list's checkboxes; what could not be an id is left out."""
    values = request.POST.getlist(name)
    return [int(v) for v in values if v.isascii() and v.isdigit() and int(v) <= LARGEST_ID]


def get_report_for_user(request, code: str) -> Report:
    """The report with this tracking code if the signed-in user may see it, else Http404.

    Hiding existence (404, not 403) keeps tracking codes of other agencies unguessable.
    """
    normalized = normalize_tracking_code(code)
    report = (
        Report.objects.visible_to(request.user)
        .select_related(
            "organization",
            "category__parent",
            "region",
            "reporter",
            "assigned_to",
            "suggested_organization",
            "duplicate_of",
            "auditor_organization",
        )
        .filter(tracking_code=normalized)
        .first()
        if normalized
        else None
    )
    if report is None:
        raise Http404("No such report")
    return report


def _reporters_files(reports) -> QuerySet[Attachment]:
    """The files the reporters of `reports` sent: with the report (also when an officer
    entered it for them) or added later, never those of staff entries."""
    return Attachment.objects.filter(report__in=reports).filter(
        Q(event__isnull=True) | Q(event__by_reporter=True) | Q(event__action=Action.SUBMIT)
    )


def merged_duplicates(report: Report, user) -> list[Report]:
    """The reports archived as duplicates of `report`, oldest merge first. Each carries
    `may_open` (whether `user` may open its own page) and `reporter_files`: what its
    reporter sent (a photo of the same pothole), shown to the original's handlers on the
    original's page even when the duplicate itself is not theirs to see."""
    duplicates = list(report.duplicates.select_related("reporter").order_by("archived_at", "id"))
    if not duplicates:
        return []
    visible = set(
        Report.objects.visible_to(user)
        .filter(pk__in=[d.pk for d in duplicates])
        .values_list("pk", flat=True)
    )
    files: dict[int, list[Attachment]] = {}
    for item in _reporters_files(duplicates).select_related("event").order_by("uploaded_at", "id"):
        files.setdefault(item.report_id, []).append(item)
    for duplicate in duplicates:
        duplicate.may_open = duplicate.pk in visible
        duplicate.staff_reporter_label = duplicate.reporter_label(public=False)
        duplicate.reporter_files = files.get(duplicate.pk, [])
        for item in duplicate.reporter_files:
            item.shown_name = item.name_for_staff(duplicate)
    return duplicates


def attachment_of(report: Report, pk: int) -> Attachment:
    """A file of `report`, or one the reporter of a duplicate merged into it sent, or
    Http404. Its `report` is loaded (the file's name depends on it)."""
    own = Q(report=report)
    merged = Q(pk__in=_reporters_files(report.duplicates.all()).values("pk"))
    item = Attachment.objects.filter(own | merged, pk=pk).select_related("report", "event").first()
    if item is None:
        raise Http404("No such file")
    return item


def subtree_q(orgs, field: str = "organization__path") -> Q:
    """Rows whose `field` path lies in the subtree of any of `orgs`; never-true if none."""
    query = Q(pk__in=[])
    for org in orgs:
        query |= Q(**{f"{field}__startswith": org.path})
    return query


def administered_by(rows: QuerySet, access: Access, field: str = "organization__path") -> QuerySet:
    """The rows belonging to organizations `access` administers: all of them for national
    admins, the subtrees of their organizations for agency admins, none for others."""
    if access.is_national_admin:
        return rows
    return rows.filter(subtree_q(access.orgs(Role.AGENCY_ADMIN), field))


def default_tab(access: Access) -> str:
    return "verify" if access.is_admin else "follow_up"


def tab_reports(user, tab: str) -> QuerySet[Report]:
    """The visible reports that belong in an inbox tab."""
    access = Access.of(user)
    reports = Report.objects.visible_to(user)
    if tab == "verify":
        reports = reports.filter(status=Status.SUBMITTED)
        reports = administered_by(reports, access)
    elif tab == "follow_up":
        reports = reports.filter(status__in=(Status.DISPATCHED, Status.IN_PROGRESS))
        if not access.is_national_admin:
            reports = reports.filter(
                subtree_q(access.orgs(*STAFF_ROLES))
                | subtree_q(access.orgs(Role.AUDITOR), "auditor_organization__path")
            )
    elif tab == "on_hold":
        reports = reports.filter(status=Status.ON_HOLD)
    elif tab == "awaiting_reporter":
        reports = reports.filter(status=Status.COMPLETED)
    return reports


def apply_filters(reports: QuerySet[Report], data: dict) -> QuerySet[Report]:
    """Narrow `reports` by the cleaned inbox filters (empty values are ignored)."""
    if data.get("q"):
        reports = reports.search(data["q"], reporters=True)
    for name in ("status", "kind", "channel"):
        if data.get(name):
            reports = reports.filter(**{name: data[name]})
    category = data.get("category")
    if category:
        reports = reports.filter(Q(category=category) | Q(category__parent=category))
    organization = data.get("organization")
    if organization:
        reports = reports.filter(organization__path__startswith=organization.path)
    if data.get("officer"):
        reports = reports.filter(assigned_to=data["officer"])
    if data.get("unassigned"):
        reports = reports.filter(assigned_to=None)
    return reports


SORTS = {
    "urgent": _("Urgent first, then deadline"),
    "deadline": _("Deadline soonest"),
    "newest": _("Newest first"),
}
# Work queues are worked urgent reports first (flood, fire, a medical emergency…), then
# in deadline order; "All" is browsed, so newest first there.
BROWSING_TABS = ("all",)


def default_sort(tab: str) -> str:
    return "newest" if tab in BROWSING_TABS else "urgent"


def _ordering(sort: str) -> tuple:
    # Reports with no running clock (closed, archived) go last; id keeps pages stable.
    by_deadline = (F("due_at").asc(nulls_last=True), "id")
    if sort == "urgent":
        return ("-is_urgent", *by_deadline)
    if sort == "deadline":
        return by_deadline
    return ("-submitted_at", "-id")


def for_listing(reports: QuerySet[Report], sort: str = "newest") -> QuerySet[Report]:
    """Everything a list row shows in one query, in `sort` order (see SORTS)."""
    return (
        reports.select_related(
            "organization", "category__parent", "region", "reporter", "assigned_to"
        )
        .defer("body", "rating_comment")
        .order_by(*_ordering(sort))
    )


def mark_returned(reports: list[Report]) -> None:
    """Set `returned` on each report of a listed page: the "not our remit" event that
    sent it back for verification, or None (never dispatched since or not returned).
    One query, none when no report on the page waits for verification."""
    waiting = {report.pk: report for report in reports if report.status == Status.SUBMITTED}
    for report in reports:
        report.returned = None
    if not waiting:
        return
    moves = (
        ReportEvent.objects.filter(
            report_id__in=list(waiting), action__in=(Action.DISPATCH, Action.NOT_OUR_REMIT)
        )
        .select_related("actor_organization")
        .only("report", "action", "message", "at", "actor_organization__name")
        .order_by("report_id", "at", "id")
    )
    latest = {event.report_id: event for event in moves}
    for pk, event in latest.items():
        if event.action == Action.NOT_OUR_REMIT:
            waiting[pk].returned = event


def page_size(param) -> int:
    """The page size asked for with ?per_page, if it is one we offer."""
    try:
        size = int(param)
    except (TypeError, ValueError):
        return PAGE_SIZE
    return size if size in PAGE_SIZES else PAGE_SIZE


def paginate(queryset: QuerySet, page_param, size: int | None = None) -> Page:
    return paging.paginate(queryset, page_param, size or PAGE_SIZE)


def visible_organizations(access: Access) -> QuerySet[Organization]:
    """Organizations a user may filter by: the subtrees they work in (all for national)."""
    orgs = Organization.objects.active()
    if access.is_national_admin:
        return orgs
    return orgs.filter(subtree_q(access.orgs(*STAFF_ROLES, Role.AUDITOR), "path"))


def administered_organizations(access: Access) -> QuerySet[Organization]:
    """Organizations whose response templates the user manages."""
    orgs = Organization.objects.active()
    if access.is_national_admin:
        return orgs
    return orgs.filter(subtree_q(access.orgs(Role.AGENCY_ADMIN), "path"))


def _ancestor_paths(orgs) -> set[str]:
    return {org.path[:n] for org in orgs for n in range(PATH_STEP, len(org.path) + 1, PATH_STEP)}


def usable_templates(access: Access) -> QuerySet[ResponseTemplate]:
    """Templates a user may read and use: those of the organizations above and at their
    own, plus everything in the subtrees they administer."""
    templates = ResponseTemplate.objects.select_related("organization")
    if access.is_national_admin:
        return templates
    paths = _ancestor_paths(access.orgs(*STAFF_ROLES))
    administered = subtree_q(access.orgs(Role.AGENCY_ADMIN))
    return templates.filter(Q(organization__path__in=paths) | administered)


def templates_for_report(report: Report) -> list[ResponseTemplate]:
    """Templates of the report's handling organization and the organizations above it."""
    if report.organization is None:
        return []
    prefixes = _ancestor_paths([report.organization])
    return list(
        ResponseTemplate.objects.filter(organization__path__in=prefixes).select_related(
            "organization"
        )
    )


def can_enter_reports(access: Access) -> bool:
    return access.has_role(*ENTRY_ROLES)


def receiving_organization(access: Access) -> Organization | None:
    """The organization a hand-entered report waits at.

    An agency admin's own agency; for a liaison, their unit, so the officer who took the
    report keeps seeing it while their agency's admins (who administer the unit) verify
    it. National admins work the national queue (None).
    """
    for role in (Role.AGENCY_ADMIN, Role.LIAISON):
        orgs = access.orgs(role)
        if orgs:
            return min(orgs, key=lambda org: org.depth)
    return None
