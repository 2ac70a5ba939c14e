"""Keeping `ReportFact` rows current.

`refresh_facts` runs in every pass of `run_scans`: it rewrites the facts of the reports
changed since its last pass (by `Report.updated_at`, which every lifecycle event sets,
read with an overlap so a transaction that committed late is not missed) and of reports
newer than the last one it saw. `rebuild_facts` rewrites them all, for a new installation
or after loading data by other means.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from aduan.analytics.models import FactsRefresh, FigureSnapshot, ReportFact
from aduan.deadlines import calendar
from aduan.deadlines.clocks import time_zone_of
from aduan.reports.models import Report, ReportEvent

BATCH = 1000
PASS_LIMIT = 20_000
OVERLAP = datetime.timedelta(minutes=10)
HOUR = 3600.0
VERDICTS = ("satisfied", "not_satisfied")
RECORDED = "recorded_for_reporter"  # the event data key of `lifecycle.reply`
UPDATED_FIELDS = [f.name for f in ReportFact._meta.concrete_fields if f.name not in ("report",)]


def _durations(cal, start, end, tz) -> tuple[float | None, float | None]:
    if start is None or end is None:
        return None, None
    hours = max(0.0, (end - start).total_seconds() / HOUR)
    return hours, max(0.0, cal.working_days_between(start, end, tz))


def facts_of(reports: list[Report], now: datetime.datetime | None = None) -> list[ReportFact]:
    """Fact rows for `reports` (with `organization` and `category` loaded)."""
    now = now or timezone.now()
    cal = calendar.current()
    verdicts: dict[int, tuple[bool, bool]] = {}  # report id: (satisfied, recorded)
    for report_id, action, data in (
        ReportEvent.objects.filter(report__in=reports, action__in=VERDICTS)
        .order_by("report_id", "at", "id")
        .values_list("report_id", "action", "data")
    ):
        # The last verdict wins.
        verdicts[report_id] = (action == "satisfied", bool((data or {}).get(RECORDED)))
    rows = []
    for report in reports:
        tz = time_zone_of(report)
        verification = _durations(cal, report.submitted_at, report.verified_at, tz)
        first_response = _durations(cal, report.verified_at, report.first_response_at, tz)
        category = report.category
        rows.append(
            ReportFact(
                report=report,
                org_path=report.organization.path if report.organization_id else "",
                submitted_at=report.submitted_at,
                status=report.status,
                kind=report.kind,
                channel=report.channel,
                category_group_id=(category.parent_id or category.pk) if category else None,
                regency_code=(report.region_id or "")[:5],
                verified=report.verified_at is not None,
                responded=report.first_response_at is not None,
                ever_completed=bool(report.completed_at or report.closed_at or report.reopen_count),
                reopened=report.reopen_count > 0,
                verification_hours=verification[0],
                verification_working_days=verification[1],
                first_response_hours=first_response[0],
                first_response_working_days=first_response[1],
                rating=report.rating,
                satisfied=verdicts[report.pk][0] if report.pk in verdicts else None,
                verdict_recorded=verdicts.get(report.pk, (None, False))[1],
                refreshed_at=now,
            )
        )
    return rows


def write_facts(report_ids: Iterable[int], now: datetime.datetime | None = None) -> int:
    reports = list(
        Report.objects.filter(pk__in=list(report_ids)).select_related("organization", "category")
    )
    rows = facts_of(reports, now)
    ReportFact.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["report"], update_fields=UPDATED_FIELDS
    )
    return len(rows)


def refresh_facts(now: datetime.datetime | None = None, limit: int = PASS_LIMIT) -> int:
    """Rewrite the facts of reports changed since the last pass; returns how many.

    Safe on several hosts at once: a pass that finds another one running skips.
    """
    now = now or timezone.now()
    FactsRefresh.objects.get_or_create(name="reports")
    with transaction.atomic():
        state = (
            FactsRefresh.objects.select_for_update(skip_locked=True).filter(name="reports").first()
        )
        if state is None:
            return 0
        changed = Report.objects.all()
        if state.updated_until is not None:
            changed = changed.filter(updated_at__gte=state.updated_until) | changed.filter(
                pk__gt=state.last_report_id
            )
        picked = list(changed.order_by("updated_at", "pk").values_list("pk", "updated_at")[:limit])
        for start in range(0, len(picked), BATCH):
            write_facts([pk for pk, _at in picked[start : start + BATCH]], now)
        # A pass cut short resumes where it stopped; a full one reads again the last
        # minutes next time, for transactions that were still open during this pass.
        state.updated_until = picked[-1][1] if len(picked) == limit else now - OVERLAP
        state.last_report_id = max([state.last_report_id, *(pk for pk, _at in picked)])
        state.save()
    return len(picked)


def rebuild_facts(progress: Callable[[int], None] | None = None) -> int:
    """Rewrite every report's facts, in batches by id; returns how many."""
    started = timezone.now()
    done, last = 0, 0
    while True:
        ids = list(
            Report.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:BATCH]
        )
        if not ids:
            break
        done += write_facts(ids, started)
        last = ids[-1]
        if progress:
            progress(len(ids))
    state, _ = FactsRefresh.objects.get_or_create(name="reports")
    state.updated_until = started - OVERLAP
    state.last_report_id = max(state.last_report_id, last)
    state.save()
    return done


def spanning(days: Iterable[datetime.date]) -> Q:
    """Reports whose measured durations (submission → verification, verification →
    first response) may include one of `days`, in any organization's time zone."""
    query = Q()
    for day in days:
        # A day wide margin: a local day lies within the UTC day before, of, or after.
        start = datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC)
        start -= datetime.timedelta(days=1)
        end = start + datetime.timedelta(days=3)
        query |= Q(submitted_at__lt=end, verified_at__gte=start)
        query |= Q(verified_at__lt=end, first_response_at__gte=start)
    return query


def rebuild_facts_around(
    days: Iterable[datetime.date], progress: Callable[[int], None] | None = None
) -> int:
    """Rewrite the facts of the reports whose working-day durations a calendar
    correction of `days` changes, then mark every figures' snapshot stale so that no
    dashboard shows the old durations; returns how many facts were rewritten."""
    days = list(days)
    if not days:
        return 0
    now = timezone.now()
    ids = list(Report.objects.filter(spanning(days)).order_by("pk").values_list("pk", flat=True))
    done = 0
    for start in range(0, len(ids), BATCH):
        done += write_facts(ids[start : start + BATCH], now)
        if progress:
            progress(min(BATCH, len(ids) - start))
    # Stale, not deleted: the refresh recomputes in advance the ones people look at.
    FigureSnapshot.objects.update(computed_at=datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC))
    return done
