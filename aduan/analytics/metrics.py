"""The monitoring figures (monev) for an organization subtree and a period.

Every figure is defined in docs/metrics.md; the names here are the names there. A
report belongs to the subtree of the organization handling it now (the national queue
counts only for the whole installation) and to the period in which it was submitted.
Figures about deadlines belong to the organization that had to meet each deadline.
"""

from __future__ import annotations

import datetime
import math
import statistics
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Aggregate, Avg, Count, F, FloatField, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from aduan.analytics.models import ReportFact
from aduan.deadlines.models import STAFF_CLOCKS, Deadline, Outcome
from aduan.organizations.models import Organization
from aduan.reports.models import OPEN_STATUSES, Report, Status

SETTLED = (Status.COMPLETED, Status.CLOSED)
DURATIONS = (
    "verification_hours",
    "verification_working_days",
    "first_response_hours",
    "first_response_working_days",
)


@dataclass(frozen=True)
class Period:
    """Days `start` to `end` inclusive, in the installation's time zone."""

    start: datetime.date
    end: datetime.date

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        first = datetime.date(year, month, 1)
        following = (first + datetime.timedelta(days=32)).replace(day=1)
        return cls(first, following - datetime.timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period to compare with: for a whole month, the month before; for the first
        days of a month (the month so far), the same days of the month before (fewer
        when that month is shorter); otherwise the same number of days just before."""
        whole = Period.month(self.start.year, self.start.month)
        if self.start.day == 1 and self.end <= whole.end:
            before = self.start - datetime.timedelta(days=1)
            month_before = Period.month(before.year, before.month)
            if self == whole:
                return month_before
            same_days = month_before.start + datetime.timedelta(days=self.days - 1)
            return Period(month_before.start, min(same_days, month_before.end))
        return Period(
            self.start - datetime.timedelta(days=self.days),
            self.start - datetime.timedelta(days=1),
        )

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        tz = timezone.get_default_timezone()
        start = datetime.datetime.combine(self.start, datetime.time(), tzinfo=tz)
        end = datetime.datetime.combine(
            self.end + datetime.timedelta(days=1), datetime.time(), tzinfo=tz
        )
        return start, end


class Median(Aggregate):
    """PostgreSQL's continuous median; other databases compute it in Python."""

    function = "PERCENTILE_CONT"
    name = "median"
    output_field = FloatField()
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"


def in_scope(facts: QuerySet, org: Organization | None) -> QuerySet:
    return facts if org is None else facts.filter(org_path__startswith=org.path)


def cohort(org: Organization | None, period: Period) -> QuerySet[ReportFact]:
    start, end = period.bounds()
    facts = ReportFact.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
    return in_scope(facts, org)


def _ratio(part, whole) -> float | None:
    return part / whole if whole else None


def _medians(facts: QuerySet) -> dict[str, float | None]:
    if connection.vendor == "postgresql":
        return facts.aggregate(**{f"median_{name}": Median(name) for name in DURATIONS})
    columns = list(zip(*facts.values_list(*DURATIONS), strict=True)) or [()] * len(DURATIONS)
    result = {}
    for name, column in zip(DURATIONS, columns, strict=True):
        values = [v for v in column if v is not None]
        result[f"median_{name}"] = statistics.median(values) if values else None
    return result


def summary(org: Organization | None, period: Period) -> dict:
    """The key figures of the reports submitted in `period` to `org`'s subtree."""
    facts = cohort(org, period)
    verified = Q(verified=True)
    counted = facts.aggregate(
        # Prefixed: an aggregate may not share its name with a field it filters on.
        c_received=Count("pk"),
        c_verified=Count("pk", filter=verified),
        c_followed_up=Count("pk", filter=verified & Q(responded=True)),
        c_settled=Count("pk", filter=verified & Q(status__in=SETTLED)),
        c_closed=Count("pk", filter=verified & Q(status=Status.CLOSED)),
        c_archived=Count("pk", filter=Q(status=Status.ARCHIVED)),
        c_open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        c_ever_completed=Count("pk", filter=Q(ever_completed=True)),
        c_reopened=Count("pk", filter=Q(reopened=True)),
        c_rated=Count("rating"),
        c_rating_sum=Sum("rating"),
        c_verdicts=Count("satisfied"),
        c_satisfied=Count("pk", filter=Q(satisfied=True)),
        c_verdicts_recorded=Count("pk", filter=Q(satisfied__isnull=False, verdict_recorded=True)),
        **{f"c_mean_{name}": Avg(name) for name in DURATIONS},
    )
    figures = {key.removeprefix("c_"): value for key, value in counted.items()}
    figures.update(_medians(facts))
    figures["follow_up_rate"] = _ratio(figures["followed_up"], figures["verified"])
    figures["completion_rate"] = _ratio(figures["closed"], figures["verified"])
    figures["settled_rate"] = _ratio(figures["settled"], figures["verified"])
    figures["reopen_rate"] = _ratio(figures["reopened"], figures["ever_completed"])
    figures["mean_rating"] = _ratio(figures.pop("rating_sum") or 0, figures["rated"])
    figures["satisfied_share"] = _ratio(figures["satisfied"], figures["verdicts"])
    figures["recorded_verdict_share"] = _ratio(figures["verdicts_recorded"], figures["verdicts"])
    figures["within_deadline"] = within_deadline(org, period)
    return figures


def with_change(org: Organization | None, period: Period) -> dict:
    """`summary` of `period` and of the period before, side by side."""
    return {"current": summary(org, period), "previous": summary(org, period.previous())}


def breakdown(org: Organization | None, period: Period, field: str) -> list[tuple]:
    """(value, count) of the period's reports by `field`: status, kind, channel,
    category_group or regency_code; largest first."""
    rows = cohort(org, period).values_list(field).annotate(n=Count("pk")).order_by("-n", field)
    return list(rows)


def _judged(deadlines: QuerySet[Deadline]) -> QuerySet[Deadline]:
    """The deadlines that count as met or missed. A paused one (on hold) is carried on by
    the one resumed after it. A cancelled one (the report was passed back, re-dispatched
    or archived) counts only when it was already past due: a unit cannot wipe a deadline
    it missed by passing the report back."""
    return deadlines.exclude(outcome=Outcome.PAUSED).exclude(
        outcome=Outcome.CANCELLED, stopped_at__lte=F("due_at")
    )


def _in_time_and_late(now: datetime.datetime) -> tuple[Q, Q]:
    in_time = Q(outcome=Outcome.MET, stopped_at__lte=F("due_at"))
    late = (
        Q(outcome__in=[Outcome.MET, Outcome.CANCELLED], stopped_at__gt=F("due_at"))
        | Q(outcome=Outcome.LAPSED)
        | Q(stopped_at__isnull=True, due_at__lt=now)
    )
    return in_time, late


def within_deadline(
    org: Organization | None, period: Period, now: datetime.datetime | None = None
) -> dict[str, dict]:
    """For each staff clock started in `period`: deadlines met in time, missed, share."""
    now = now or timezone.now()
    start, end = period.bounds()
    deadlines = _judged(
        Deadline.objects.filter(clock__in=STAFF_CLOCKS, started_at__gte=start, started_at__lt=end)
    )
    if org is not None:
        deadlines = deadlines.filter(organization__path__startswith=org.path)
    in_time, late = _in_time_and_late(now)
    rows = deadlines.values("clock").annotate(
        met=Count("pk", filter=in_time), missed=Count("pk", filter=late)
    )
    result = {clock: {"met": 0, "missed": 0, "share": None} for clock in STAFF_CLOCKS}
    for row in rows:
        result[row["clock"]] = {
            "met": row["met"],
            "missed": row["missed"],
            "share": _ratio(row["met"], row["met"] + row["missed"]),
        }
    return result


def monthly_trend(org: Organization | None, months: int, until: datetime.date) -> list[dict]:
    """Per month, the last `months` up to the month of `until`: received, verified,
    followed up, follow-up rate, median verification and first-response working days."""
    last = Period.month(until.year, until.month)
    first = last
    for _ in range(months - 1):
        first = first.previous()
    start, end = Period(first.start, last.end).bounds()
    tz = timezone.get_default_timezone()
    facts = in_scope(ReportFact.objects.filter(submitted_at__gte=start, submitted_at__lt=end), org)
    on_postgresql = connection.vendor == "postgresql"
    trend_medians = ("verification_working_days", "first_response_working_days")
    grouped = (
        facts.annotate(month=TruncMonth("submitted_at", tzinfo=tz))
        .values("month")
        .annotate(
            c_received=Count("pk"),
            c_verified=Count("pk", filter=Q(verified=True)),
            c_followed_up=Count("pk", filter=Q(verified=True, responded=True)),
            **(
                {f"c_median_{name}": Median(name) for name in trend_medians}
                if on_postgresql
                else {}
            ),
        )
        .order_by("month")
    )
    by_month = {
        _month_key(row["month"]): {k.removeprefix("c_"): v for k, v in row.items()}
        for row in grouped
    }
    trend = []
    period = first
    for _ in range(months):
        row = by_month.get((period.start.year, period.start.month), {})
        # Other databases have no median aggregate: one query per month with reports.
        medians = row if on_postgresql or not row else _medians(cohort(org, period))
        trend.append(
            {
                "month": period.start,
                "received": row.get("received", 0),
                "verified": row.get("verified", 0),
                "followed_up": row.get("followed_up", 0),
                "follow_up_rate": _ratio(row.get("followed_up", 0), row.get("verified", 0)),
                "median_verification_working_days": medians.get("median_verification_working_days"),
                "median_first_response_working_days": medians.get(
                    "median_first_response_working_days"
                ),
            }
        )
        period = Period.month(*(period.end + datetime.timedelta(days=1)).timetuple()[:2])
    return trend


def _month_key(value) -> tuple[int, int]:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return value.year, value.month


def overdue(org: Organization | None, now: datetime.datetime | None = None) -> QuerySet[Report]:
    """Open reports of the subtree whose running deadline has passed, oldest first."""
    now = now or timezone.now()
    reports = Report.objects.filter(status__in=OPEN_STATUSES, due_at__lt=now)
    if org is not None:
        reports = reports.handled_by(org)
    return reports.select_related("organization").order_by("due_at", "pk")


def _branch(field: str, parent: Organization | None):
    """The path of the child of `parent` (or of the top-level organization) above `field`."""
    from django.db.models.functions import Substr

    from aduan.organizations.models import PATH_STEP

    length = (len(parent.path) if parent is not None else 0) + PATH_STEP
    return Substr(field, 1, length)


def _members(parent: Organization | None) -> list[Organization]:
    if parent is None:
        # The agencies that receive reports: not the oversight bodies nor the operator.
        return list(Organization.objects.active().receiving().filter(parent__isnull=True))
    return list(parent.children.filter(is_active=True))


def _branch_medians(facts: QuerySet, field: str) -> dict[str, float | None]:
    if connection.vendor == "postgresql":
        rows = facts.values("branch").annotate(median=Median(field)).order_by()
        return {row["branch"]: row["median"] for row in rows}
    values: dict[str, list[float]] = {}
    for branch, value in facts.filter(**{f"{field}__isnull": False}).values_list("branch", field):
        values.setdefault(branch, []).append(value)
    return {branch: statistics.median(column) for branch, column in values.items()}


def _branch_first_responses(
    parent: Organization | None, window: Period, now: datetime.datetime
) -> dict[str, float | None]:
    """Per branch, the share of first-response deadlines started in `window` met in time,
    counted as `within_deadline` counts them."""
    from aduan.deadlines.models import Clock

    start, end = window.bounds()
    deadlines = _judged(
        Deadline.objects.filter(
            clock=Clock.FIRST_RESPONSE, started_at__gte=start, started_at__lt=end
        )
    )
    if parent is not None:
        deadlines = deadlines.filter(organization__path__startswith=parent.path)
    in_time, late = _in_time_and_late(now)
    rows = (
        deadlines.annotate(branch=_branch("organization__path", parent))
        .values("branch")
        .annotate(met=Count("pk", filter=in_time), missed=Count("pk", filter=late))
        .order_by()
    )
    return {row["branch"]: _ratio(row["met"], row["met"] + row["missed"]) for row in rows}


def is_rankable(entry: dict) -> bool:
    """Enough verified reports in the window, and first-response deadlines to judge: a
    unit whose deadlines all still run has no share in time, which is not 0 %."""
    enough = entry["verified"] >= settings.ADUAN_LEAGUE_MIN_REPORTS
    return enough and entry["first_response_in_time"] is not None


def league_order(entry: dict) -> tuple:
    """Most first responses in time first, then the shortest median first-response time
    (0.0, a response on a day off, is the shortest, not a missing value), then name."""
    median = entry["median_first_response_working_days"]
    return (
        -entry["first_response_in_time"],
        math.inf if median is None else median,
        entry["organization"].name,
    )


def league_table(
    parent: Organization | None, now: datetime.datetime | None = None
) -> dict[str, list[dict]]:
    """The organizations directly below `parent` (the top-level agencies when None),
    ranked fairly: only those with at least ADUAN_LEAGUE_MIN_REPORTS verified reports
    submitted in the last ADUAN_LEAGUE_WINDOW_DAYS days and a first-response deadline
    met or missed in that window (`is_rankable`), in `league_order`. Others are listed
    unranked. Four
    queries however many organizations there are."""
    now = now or timezone.now()
    members = _members(parent)
    if not members:
        return {"ranked": [], "unranked": []}
    today = timezone.localdate(now)
    window = Period(today - datetime.timedelta(days=settings.ADUAN_LEAGUE_WINDOW_DAYS - 1), today)
    facts = cohort(parent, window).annotate(branch=_branch("org_path", parent))
    counted = {
        row["branch"]: row
        for row in facts.values("branch")
        .annotate(
            c_verified=Count("pk", filter=Q(verified=True)),
            c_followed_up=Count("pk", filter=Q(verified=True, responded=True)),
        )
        .order_by()
    }
    medians = _branch_medians(facts, "first_response_working_days")
    in_time = _branch_first_responses(parent, window, now)
    ranked, unranked = [], []
    for member in members:
        row = counted.get(member.path, {})
        verified = row.get("c_verified", 0)
        entry = {
            "organization": member,
            "verified": verified,
            "follow_up_rate": _ratio(row.get("c_followed_up", 0), verified),
            "median_first_response_working_days": medians.get(member.path),
            "first_response_in_time": in_time.get(member.path),
        }
        (ranked if is_rankable(entry) else unranked).append(entry)
    ranked.sort(key=league_order)
    for place, entry in enumerate(ranked, start=1):
        entry["place"] = place
    unranked.sort(key=lambda r: r["organization"].name)
    return {"ranked": ranked, "unranked": unranked}


def overdue_by_branch(
    parent: Organization | None, now: datetime.datetime | None = None
) -> dict[str, int]:
    """How many reports `overdue` lists below each child of `parent`, by the child's path."""
    rows = (
        overdue(parent, now)
        .exclude(organization__isnull=True)
        .annotate(branch=_branch("organization__path", parent))
        .values("branch")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["branch"]: row["n"] for row in rows}


def _prefixes(path: str) -> list[str]:
    from aduan.organizations.models import PATH_STEP

    return [path[:n] for n in range(PATH_STEP, len(path) + 1, PATH_STEP)]


def _staffed(org: Organization | None) -> dict[str, set[str]]:
    """The admin and liaison roles held at or below each path (of the subtree of `org`)."""
    from aduan.organizations.models import Membership

    staffed = Membership.objects.filter(
        is_active=True,
        user__is_active=True,
        role__in=[Membership.Role.AGENCY_ADMIN, Membership.Role.LIAISON],
    )
    if org is not None:
        staffed = staffed.filter(organization__path__startswith=org.path)
    roles_below: dict[str, set[str]] = {}
    for path, role in staffed.values_list("organization__path", "role").distinct():
        for prefix in _prefixes(path):
            roles_below.setdefault(prefix, set()).add(role)
    return roles_below


def _acting_paths(since: datetime.datetime) -> set[str]:
    """Paths at or above every organization whose officer acted on a report since then."""
    from aduan.reports.models import ReportEvent

    acting: set[str] = set()
    events = ReportEvent.objects.filter(
        at__gte=since, actor_organization__isnull=False, by_reporter=False
    )
    # No ordering: the timeline's default ordering would join the DISTINCT.
    for path in events.order_by().values_list("actor_organization__path", flat=True).distinct():
        acting.update(_prefixes(path))
    return acting


def connected_agencies(
    agencies: list[Organization], org: Organization | None = None, today=None
) -> list[Organization]:
    """Those of `agencies` (all within `org`'s subtree, or anywhere when None) that are
    connected: a valid decree, an agency admin and a liaison at or below them. Two
    queries however many agencies (`Organization.is_connected` one agency at a time)."""
    from aduan.organizations.models import ConnectionDecree, Membership

    today = today or timezone.localdate()
    decreed = set(
        ConnectionDecree.objects.filter(organization__in=agencies, issued_on__lte=today)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .values_list("organization_id", flat=True)
    )
    roles_below = _staffed(org)
    needed = {Membership.Role.AGENCY_ADMIN, Membership.Role.LIAISON}
    return [a for a in agencies if a.pk in decreed and needed <= roles_below.get(a.path, set())]


def agencies_overview(
    org: Organization | None = None, now: datetime.datetime | None = None
) -> dict:
    """Agencies of the subtree (or all): how many, connected (a valid decree, an agency
    admin and a liaison), and active (connected, and an officer of theirs acted on a
    report in the last ADUAN_ACTIVE_AGENCY_DAYS days). Only agencies that receive reports
    count: oversight bodies and the national operator are never connected, by design
    (`OrganizationQuerySet.receiving`). Five queries however many."""
    now = now or timezone.now()
    agencies = Organization.objects.active().receiving()
    if org is not None:
        agencies = agencies.filter(path__startswith=org.path)
    agencies = list(agencies)
    connected = connected_agencies(agencies, org, timezone.localdate(now))
    acting = _acting_paths(now - datetime.timedelta(days=settings.ADUAN_ACTIVE_AGENCY_DAYS))
    active = [a for a in connected if a.path in acting]
    return {
        "agencies": len(agencies),
        "connected": len(connected),
        "active": len(active),
        "connected_share": _ratio(len(connected), len(agencies)),
        "active_share": _ratio(len(active), len(connected)),
    }
