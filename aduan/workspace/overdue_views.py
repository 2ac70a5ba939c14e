"""Overdue below me: the late reports in a supervisor's part of the tree, by unit.

Supervisors, agency admins and national admins see their subtree and can remind each
unit below them with one click; liaisons see their own unit's late reports. Every list
starts from `Report.objects.visible_to(user)` like the inbox does.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Min, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from aduan.deadlines.models import Clock
from aduan.deadlines.reminders import (
    REMINDED_ROLES,
    WATCHER_ROLES,
    ReminderRefused,
    can_remind,
    late_deadlines,
    overdue_reports,
    remind_unit,
)
from aduan.lib import paging
from aduan.notifications.models import SupervisorReminder
from aduan.notifications.outbox import members
from aduan.organizations.access import Access, units_without_liaison
from aduan.organizations.models import Membership, Organization
from aduan.reports.models import Report
from aduan.workspace.queries import subtree_q
from aduan.workspace.views import staff_required

GROUPS_PER_PAGE = 20
REPORTS_PER_GROUP = 10
REPORTS_PER_PAGE = 50
RECENT_REMINDERS = 10


class ReminderForm(forms.Form):
    message = forms.CharField(
        label=gettext_lazy("Message (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def overdue_scope(access: Access) -> list[Organization] | None:
    """The organizations whose subtrees the user watches; None for everything (national
    admins). Raises PermissionDenied for anyone else."""
    if access.is_national_admin:
        return None
    orgs = access.orgs(*WATCHER_ROLES)
    if not orgs:
        raise PermissionDenied(_("Overdue reports are shown to supervisors, admins and liaisons."))
    return orgs


def _in_scope(queryset: QuerySet, scope, field: str = "organization__path") -> QuerySet:
    return queryset if scope is None else queryset.filter(subtree_q(scope, field))


def _chosen_unit(request, scope) -> Organization | None:
    """The organization in ?unit, if it lies in the user's scope; 404 otherwise."""
    raw = request.GET.get("unit")
    if not raw:
        return None
    try:
        unit = Organization.objects.get(pk=int(raw))
    except (ValueError, Organization.DoesNotExist) as exc:
        raise Http404("No such organization") from exc
    if scope is not None and not any(org.contains(unit) for org in scope):
        raise Http404("Not in your part of the tree")
    return unit


def _late_clocks(reports: list[Report], now) -> None:
    """Attach the labels of each report's late clocks, in one query."""
    labels = dict(Clock.choices)
    late: dict[int, list[str]] = {}
    rows = (
        late_deadlines(now)
        .filter(report__in=[r.pk for r in reports])
        .order_by("due_at", "id")
        .values_list("report_id", "clock")
    )
    for report_id, clock in rows:
        late.setdefault(report_id, []).append(str(labels.get(clock, clock)))
    for report in reports:
        report.late_clocks = late.get(report.pk, [])


def _groups(reports: QuerySet[Report], page_param, access: Access) -> tuple[paging.Page, list]:
    """A page of handling organizations with their overdue counts, oldest first."""
    summary = (
        reports.order_by()
        .values("organization")
        .annotate(count=Count("pk"), oldest=Min("due_at"))
        .order_by("oldest", "organization")
    )
    page = paging.paginate(summary, page_param, GROUPS_PER_PAGE)
    orgs = Organization.objects.in_bulk(
        [row["organization"] for row in page.rows if row["organization"]]
    )
    unstaffed = units_without_liaison(orgs.values())
    groups = []
    for row in page.rows:
        org = orgs.get(row["organization"])
        groups.append(
            {
                "organization": org,
                "count": row["count"],
                "oldest": row["oldest"],
                "can_remind": can_remind(access, org),
                "without_liaison": org is not None and org.pk in unstaffed,
                "reports": [],
            }
        )
    return page, groups


def _reaches_unit(unit: Organization) -> bool:
    """True when a reminder to `unit` reaches someone at the unit itself, not only the
    admins above it to whom `remind_unit` falls back."""
    return Membership.objects.filter(
        organization=unit, role__in=REMINDED_ROLES, is_active=True, user__is_active=True
    ).exists()


# Urgent first, as in the work queues: an emergency that is also late comes before a
# pothole that is later.
LATE_ORDER = ("-is_urgent", "due_at", "id")


def _oldest_per_group(reports: QuerySet[Report], groups: list) -> list[Report]:
    """The oldest few overdue reports of each group on the page, in one query."""
    ids = [g["organization"].pk for g in groups if g["organization"] is not None]
    within = Q(organization__in=ids)
    if any(g["organization"] is None for g in groups):
        within |= Q(organization__isnull=True)
    ranked = (
        reports.filter(within)
        .select_related("organization", "category", "assigned_to")
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("organization")],
                order_by=[F("is_urgent").desc(), F("due_at").asc(), F("id").asc()],
            )
        )
        .filter(rank__lte=REPORTS_PER_GROUP)
        .order_by(*LATE_ORDER)
    )
    rows = list(ranked)
    by_org: dict[int | None, list[Report]] = {}
    for report in rows:
        by_org.setdefault(report.organization_id, []).append(report)
    for group in groups:
        key = group["organization"].pk if group["organization"] else None
        group["reports"] = by_org.get(key, [])
    return rows


def _recent_reminders(scope, unit: Organization | None) -> list[SupervisorReminder]:
    reminders = SupervisorReminder.objects.select_related("organization", "sent_by")
    if unit is not None:
        reminders = reminders.filter(organization__path__startswith=unit.path)
    else:
        reminders = _in_scope(reminders, scope)
    return list(reminders.order_by("-sent_at", "-id")[:RECENT_REMINDERS])


@staff_required
def overdue(request):
    access = Access.of(request.user)
    scope = overdue_scope(access)
    return _overdue_page(request, access, scope, _chosen_unit(request, scope))


def _overdue_page(
    request, access: Access, scope, unit: Organization | None, *, refused=None, status=200
):
    """The list of every unit's late reports, or one unit's in full; `refused` is a
    reminder form sent back, shown with its errors and the text as typed."""
    now = timezone.now()
    reports = _in_scope(overdue_reports(Report.objects.visible_to(request.user), now), scope)
    if unit is not None:
        reports = reports.handled_by(unit)
    context = {"unit": unit, "remind_form": refused}
    if unit is None:
        page, groups = _groups(reports, request.GET.get("page"), access)
        shown = _oldest_per_group(reports, groups)
        context.update(groups=groups, page=page)
    else:
        listing = reports.select_related("organization", "category", "assigned_to").order_by(
            *LATE_ORDER
        )
        page = paging.paginate(listing, request.GET.get("page"), REPORTS_PER_PAGE)
        shown = page.rows
        context.update(
            page=page,
            total=reports.count(),
            can_remind_unit=can_remind(access, unit),
            unit_without_liaison=bool(units_without_liaison([unit])),
        )
    _late_clocks(shown, now)
    context["reminders"] = _recent_reminders(scope, unit)
    return render(request, "workspace/overdue.html", context, status=status)


@require_POST
@staff_required
def overdue_remind(request, pk: int):
    """Send one unit a reminder of its overdue reports and say so on the page sent back
    to. A refused reminder (too long a message, sent within the hour, nothing late) shows
    the unit's page again with the error beside the form and the message as typed."""
    unit = get_object_or_404(Organization, pk=pk)
    access = Access.of(request.user)
    if not can_remind(access, unit):
        raise PermissionDenied(_("You may only remind units below your own organization."))
    form = ReminderForm(request.POST)
    if form.is_valid():
        try:
            reminder = remind_unit(unit, request.user, form.cleaned_data["message"])
        except ReminderRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            _confirm_reminder(request, unit, reminder.report_count)
            target = reverse("workspace:overdue")
            if request.POST.get("back_to_unit"):
                target += f"?unit={unit.pk}"
            return redirect(target)
    scope = overdue_scope(access)
    return _overdue_page(request, access, scope, unit, refused=form, status=400)


def _confirm_reminder(request, unit: Organization, count: int) -> None:
    """Say where the reminder went: to the unit, or, when nobody there holds a role that
    receives it, to whom it fell back, so nobody believes the unit was told."""
    values = {"unit": unit.name, "count": count}
    if _reaches_unit(unit):
        text = ngettext(
            "Reminder sent to %(unit)s about %(count)s overdue report.",
            "Reminder sent to %(unit)s about %(count)s overdue reports.",
            count,
        )
        messages.success(request, text % values)
        return
    names = [
        _("you") if user.pk == request.user.pk else (user.full_name or user.email)
        for user in members(unit, *REMINDED_ROLES)
    ]
    values["recipients"] = ", ".join(names) or "—"
    text = ngettext(
        "%(unit)s has no active liaison officer: the reminder about %(count)s overdue "
        "report reached nobody at the unit. It went to %(recipients)s instead. Give the "
        "unit a liaison officer on its organization page.",
        "%(unit)s has no active liaison officer: the reminder about %(count)s overdue "
        "reports reached nobody at the unit. It went to %(recipients)s instead. Give the "
        "unit a liaison officer on its organization page.",
        count,
    )
    messages.warning(request, text % values)
