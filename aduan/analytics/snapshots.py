"""Dashboard figures kept as snapshots, refreshed by the worker.

Aggregating a year of a million reports takes seconds; a dashboard must take a fraction
of one. `figures(org, period)` returns the figures of a scope and period from its
snapshot while that is younger than ADUAN_FIGURES_MAX_AGE_SECONDS, else computes them
(`compute`) and stores the snapshot. `refresh_snapshots`, called by every pass of
`run_scans`, recomputes in advance the snapshots viewed in the last day that are about
to grow old, within a time budget, so people seldom wait for a computation. The page
says when its figures were computed.
"""

from __future__ import annotations

import datetime
import time

from django.conf import settings
from django.utils import timezone

from aduan.analytics import metrics
from aduan.analytics.metrics import Period
from aduan.analytics.models import FigureSnapshot
from aduan.organizations.models import Organization
from aduan.reports.models import Report

BREAKDOWN_FIELDS = ("status", "kind", "category_group", "channel", "regency_code")
TREND_MONTHS = 12
OVERDUE_LISTED = 20
VIEWED_WITHIN = datetime.timedelta(days=1)


def max_age() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.ADUAN_FIGURES_MAX_AGE_SECONDS)


def key_of(org: Organization | None, period: Period) -> str:
    return f"{org.pk if org else 'all'}:{period.start:%Y%m%d}:{period.end:%Y%m%d}"


def league_moment(period: Period, now: datetime.datetime) -> datetime.datetime:
    return min(now, period.bounds()[1] - datetime.timedelta(seconds=1))


def compute(org: Organization | None, period: Period, now: datetime.datetime) -> dict:
    """Every figure of the scope and period, as JSON-ready data (ids, not objects)."""
    overdue = metrics.overdue(org, now)
    # Ranked as of the period's end (now, for the running one), as the monthly recap does:
    # the dashboard of January and January's recap rank the same way.
    table = metrics.league_table(org, league_moment(period, now))
    for row in table["ranked"] + table["unranked"]:
        row["organization"] = row["organization"].pk
    shows_agencies = org is None or org.is_agency
    return {
        "change": metrics.with_change(org, period),
        "trend": [
            {**row, "month": row["month"].isoformat()}
            for row in metrics.monthly_trend(org, TREND_MONTHS, period.end)
        ],
        "breakdowns": {
            field: [list(pair) for pair in metrics.breakdown(org, period, field)]
            for field in BREAKDOWN_FIELDS
        },
        "league": table,
        "overdue_by_branch": metrics.overdue_by_branch(org, now),
        "overdue_count": overdue.count(),
        "overdue_ids": list(overdue.values_list("pk", flat=True)[:OVERDUE_LISTED]),
        "agencies": metrics.agencies_overview(org, now) if shows_agencies else None,
    }


def _store(key: str, data: dict, now: datetime.datetime) -> None:
    FigureSnapshot.objects.update_or_create(
        key=key, defaults={"data": data, "computed_at": now, "viewed_at": now}
    )


def figures(org: Organization | None, period: Period, now: datetime.datetime | None = None) -> dict:
    """The figures from a fresh enough snapshot, or computed now; with `computed_at`,
    trend months as dates, league organizations and overdue reports as objects."""
    now = now or timezone.now()
    key = key_of(org, period)
    snapshot = FigureSnapshot.objects.filter(key=key).first()
    if snapshot is not None and now - snapshot.computed_at < max_age():
        data, computed_at = snapshot.data, snapshot.computed_at
        if now - snapshot.viewed_at > max_age() / 2:
            FigureSnapshot.objects.filter(key=key).update(viewed_at=now)
    else:
        data, computed_at = compute(org, period, now), now
        _store(key, data, now)
    return _rehydrate(data, computed_at)


def _rehydrate(data: dict, computed_at: datetime.datetime) -> dict:
    data = {**data, "computed_at": computed_at}
    data["trend"] = [
        {**row, "month": datetime.date.fromisoformat(row["month"])} for row in data["trend"]
    ]
    data["breakdowns"] = {
        field: [tuple(p) for p in rows] for field, rows in data["breakdowns"].items()
    }
    rows = data["league"]["ranked"] + data["league"]["unranked"]
    organizations = Organization.objects.in_bulk([row["organization"] for row in rows])
    data["league"] = {
        part: [
            {**row, "organization": organizations[row["organization"]]}
            for row in data["league"][part]
            if row["organization"] in organizations
        ]
        for part in ("ranked", "unranked")
    }
    by_id = Report.objects.select_related("organization", "category").in_bulk(data["overdue_ids"])
    data["overdue"] = [by_id[pk] for pk in data["overdue_ids"] if pk in by_id]
    return data


def refresh_snapshots(now: datetime.datetime | None = None, budget_seconds: float = 20) -> int:
    """Recompute the snapshots viewed in the last day whose age passed half the maximum,
    oldest first, until the time budget is spent; drop those nobody viewed for a day.
    Returns how many were recomputed."""
    now = now or timezone.now()
    FigureSnapshot.objects.filter(viewed_at__lt=now - VIEWED_WITHIN).delete()
    due = FigureSnapshot.objects.filter(computed_at__lt=now - max_age() / 2).order_by("computed_at")
    started, done = time.monotonic(), 0
    for snapshot in due.only("key", "viewed_at"):
        if time.monotonic() - started > budget_seconds:
            break
        scope, start, end = snapshot.key.split(":")
        org = None if scope == "all" else Organization.objects.filter(pk=scope).first()
        if scope != "all" and org is None:
            snapshot.delete()
            continue
        period = Period(
            datetime.datetime.strptime(start, "%Y%m%d").date(),
            datetime.datetime.strptime(end, "%Y%m%d").date(),
        )
        FigureSnapshot.objects.filter(key=snapshot.key).update(
            data=compute(org, period, now), computed_at=now
        )
        done += 1
    return done
