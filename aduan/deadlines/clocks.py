"""Which clocks each lifecycle action starts, stops, pauses and resumes.

`follow(events)` is called by the lifecycle inside the transaction of every event, and
keeps `Deadline` rows and each report's `due_at` in step with the report's status. It
works on a list so the scan's bulk actions cost a handful of queries per batch.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from aduan.deadlines import calendar
from aduan.deadlines.models import Clock, Deadline, Outcome
from aduan.reports.models import Report

C, O = Clock, Outcome
DAY = calendar.DAY


@dataclass(frozen=True)
class Effect:
    stop: dict[str, str] = field(default_factory=dict)  # clock → outcome
    start: tuple[str, ...] = ()
    pause: tuple[str, ...] = ()
    resume: tuple[str, ...] = ()


_HANDLING = {C.FIRST_RESPONSE: O.CANCELLED, C.COMPLETION: O.CANCELLED}
_EVERYTHING = {clock: O.CANCELLED for clock in Clock.values}

EFFECTS: dict[str, Effect] = {
    "submit": Effect(start=(C.VERIFICATION,)),
    "dispatch": Effect(
        stop={C.VERIFICATION: O.MET, **_HANDLING}, start=(C.FIRST_RESPONSE, C.COMPLETION)
    ),
    "hold": Effect(pause=(C.VERIFICATION,), start=(C.MISSING_INFORMATION,)),
    "answer_hold": Effect(stop={C.MISSING_INFORMATION: O.MET}, resume=(C.VERIFICATION,)),
    "archive_incomplete": Effect(stop={**_EVERYTHING, C.MISSING_INFORMATION: O.LAPSED}),
    "not_our_remit": Effect(
        stop={C.VERIFICATION: O.CANCELLED, **_HANDLING}, start=(C.VERIFICATION,)
    ),
    "archive": Effect(stop={**_EVERYTHING, C.VERIFICATION: O.MET}),
    "mark_duplicate": Effect(stop={**_EVERYTHING, C.VERIFICATION: O.MET}),
    "respond": Effect(stop={C.FIRST_RESPONSE: O.MET}),
    "complete": Effect(
        stop={C.FIRST_RESPONSE: O.MET, C.COMPLETION: O.MET}, start=(C.REPORTER_REPLY,)
    ),
    "satisfied": Effect(stop={C.REPORTER_REPLY: O.MET}),
    "not_satisfied": Effect(stop={C.REPORTER_REPLY: O.MET}, start=(C.COMPLETION,)),
    "close_unanswered": Effect(stop={C.REPORTER_REPLY: O.LAPSED}),
}


def working_days_for(clock: str, report: Report) -> int:
    days = settings.ADUAN_DEADLINE_DAYS
    if clock == C.COMPLETION:
        return days[f"completion_{report.tier}"]
    return days[clock]


def time_zone_of(report: Report) -> str:
    return report.organization.time_zone if report.organization_id else settings.TIME_ZONE


def new_deadline(
    report: Report,
    clock: str,
    start: datetime.datetime,
    cal: calendar.WorkingCalendar,
    seconds: float | None = None,
) -> Deadline:
    """A running clock from `start`; `seconds` of working time, or the clock's full span."""
    days = working_days_for(clock, report)
    span = days * DAY if seconds is None else seconds
    tz = time_zone_of(report)
    lead = min(settings.ADUAN_REMIND_BEFORE_DAYS * DAY, days * DAY / 2)
    return Deadline(
        report=report,
        clock=clock,
        organization_id=report.organization_id,
        started_at=start,
        due_at=cal.add_working_seconds(start, span, tz),
        remind_at=cal.add_working_seconds(start, max(span - lead, 0), tz),
        working_days=days,
    )


def follow(events) -> None:
    """Apply the clock effects of `events` (ReportEvents with `report` loaded, the
    report already in its new state). Call inside the events' transaction."""
    touched: list[Report] = []
    cal = None
    for event in events:
        effect = EFFECTS.get(event.action)
        if effect is None:
            continue
        cal = cal or calendar.current()
        _apply(effect, event.report, event.at, cal)
        touched.append(event.report)
    if touched:
        refresh_due([report.pk for report in touched])
        if len(touched) == 1:
            touched[0].refresh_from_db(fields=["due_at", "due_clock"])


def _apply(effect: Effect, report: Report, at, cal) -> None:
    running = {d.clock: d for d in Deadline.objects.filter(report=report, stopped_at__isnull=True)}
    paused_seconds: dict[str, float] = {}
    for clock, outcome in effect.stop.items():
        if clock in running:
            Deadline.objects.filter(pk=running[clock].pk).update(stopped_at=at, outcome=outcome)
    for clock in effect.pause:
        if clock in running:
            deadline = running[clock]
            left = max(cal.working_seconds_between(at, deadline.due_at, time_zone_of(report)), 0)
            Deadline.objects.filter(pk=deadline.pk).update(
                stopped_at=at, outcome=O.PAUSED, remaining_seconds=left
            )
    for clock in effect.resume:
        paused = (
            Deadline.objects.filter(report=report, clock=clock, outcome=O.PAUSED)
            .order_by("-stopped_at", "-id")
            .first()
        )
        if paused is not None:
            paused_seconds[clock] = paused.remaining_seconds or 0
    fresh = [new_deadline(report, clock, at, cal) for clock in effect.start]
    fresh += [
        new_deadline(report, clock, at, cal, seconds=seconds)
        for clock, seconds in paused_seconds.items()
    ]
    Deadline.objects.bulk_create(fresh)


def refresh_due(report_ids: list[int]) -> None:
    """Copy each report's earliest running deadline onto it, for sorting inboxes."""
    earliest = Deadline.objects.filter(report=OuterRef("pk"), stopped_at__isnull=True).order_by(
        "due_at", "id"
    )
    Report.objects.filter(pk__in=report_ids).update(
        due_at=Subquery(earliest.values("due_at")[:1]),
        due_clock=Coalesce(Subquery(earliest.values("clock")[:1]), Value("")),
    )
