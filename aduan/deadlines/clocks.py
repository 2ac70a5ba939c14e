"""Which clocks each lifecycle action starts, stops, pauses and resumes.

`follow(events)` is called by the lifecycle inside the transaction of every event, and
keeps `Deadline` rows and each report's `due_at` in step with the report's status. It
works on a list so the scan's bulk actions cost a handful of queries per batch. A new
report's first clock is worked out by the intake before the report is written
(`first_clocks`), so the report row is inserted with its due time.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from aduan.deadlines import calendar
from aduan.deadlines.models import Clock, Deadline, Outcome
from aduan.reports.models import Report

C, O = Clock, Outcome  # noqa: E741 (short names keep the table readable)
DAY = calendar.DAY


@dataclass(frozen=True)
class Effect:
    stop: dict[str, str] = field(default_factory=dict)  # clock → outcome
    start: tuple[str, ...] = ()
    pause: tuple[str, ...] = ()
    resume: tuple[str, ...] = ()


_HANDLING = {C.FIRST_RESPONSE: O.CANCELLED, C.COMPLETION: O.CANCELLED}
_EVERYTHING = dict.fromkeys(Clock.values, O.CANCELLED)

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


def working_days_for(clock: str, tier: str) -> int:
    days = settings.ADUAN_DEADLINE_DAYS
    return days[f"completion_{tier}"] if clock == C.COMPLETION else days[clock]


def time_zone_of(obj: Report | Deadline) -> str:
    """The time zone a report's (or one deadline's) clocks run in: its organization's,
    else the installation's for the national queue."""
    return obj.organization.time_zone if obj.organization_id else settings.TIME_ZONE


def schedule(
    start: datetime.datetime, span: float, days: int, tz: str, cal: calendar.WorkingCalendar
) -> tuple[datetime.datetime, datetime.datetime]:
    """(due, remind) for `span` working seconds from `start`: handlers are reminded
    ADUAN_REMIND_BEFORE_DAYS working days before, at most halfway through the clock."""
    lead = min(settings.ADUAN_REMIND_BEFORE_DAYS * DAY, days * DAY / 2)
    due = cal.add_working_seconds(start, span, tz)
    return due, cal.add_working_seconds(start, max(span - lead, 0), tz)


def new_deadline(
    report: Report,
    clock: str,
    start: datetime.datetime,
    cal: calendar.WorkingCalendar,
    seconds: float | None = None,
) -> Deadline:
    """A running clock from `start`; `seconds` of working time, or the clock's full span."""
    days = working_days_for(clock, report.tier)
    span = days * DAY if seconds is None else seconds
    due, remind = schedule(start, span, days, time_zone_of(report), cal)
    return Deadline(
        report=report,
        clock=clock,
        organization_id=report.organization_id,
        started_at=start,
        due_at=due,
        remind_at=remind,
        working_days=days,
    )


def first_clocks(report: Report, at: datetime.datetime) -> list[Deadline]:
    """The clocks a submission starts, for a new report not yet written: puts the
    earliest due time on `report`, so that it is inserted with it and no UPDATE follows.
    Save the returned deadlines once the report has its id; `follow` must then not see
    the submission event again."""
    cal = calendar.current(max_age=settings.ADUAN_CALENDAR_CACHE_SECONDS)
    started = [new_deadline(report, clock, at, cal) for clock in EFFECTS["submit"].start]
    earliest = min(started, key=lambda d: d.due_at, default=None)
    report.due_at = earliest.due_at if earliest else None
    report.due_clock = earliest.clock if earliest else ""
    return started


def follow(events) -> None:
    """Apply the clock effects of `events` (ReportEvents with `report` loaded, the
    report already in its new state). Call inside the events' transaction. A batch of
    events costs the same few queries as one."""
    items = [(EFFECTS[e.action], e.report, e.at) for e in events if e.action in EFFECTS]
    if not items:
        return
    cal = calendar.current()
    report_ids = [report.pk for _effect, report, _at in items]
    running: dict[int, dict[str, Deadline]] = defaultdict(dict)
    # A submission is a report's first event: it has no clocks yet to look up.
    if any(effect is not EFFECTS["submit"] for effect, _report, _at in items):
        for deadline in Deadline.objects.filter(report_id__in=report_ids, stopped_at__isnull=True):
            running[deadline.report_id][deadline.clock] = deadline
    stops: dict[tuple, list[int]] = defaultdict(list)
    fresh: list[Deadline] = []
    for effect, report, at in items:
        mine = running[report.pk]
        for clock, outcome in effect.stop.items():
            if clock in mine:
                stops[(at, outcome)].append(mine.pop(clock).pk)
        for clock in effect.pause:
            if clock in mine:
                _pause(mine.pop(clock), report, at, cal)
        started = [new_deadline(report, clock, at, cal) for clock in effect.start]
        started += _resume(effect, report, at, cal)
        mine.update((deadline.clock, deadline) for deadline in started)
        fresh += started
    for (at, outcome), ids in stops.items():
        Deadline.objects.filter(pk__in=ids).update(stopped_at=at, outcome=outcome)
    Deadline.objects.bulk_create(fresh)
    if len(items) == 1:
        _set_due(items[0][1], running[items[0][1].pk].values())
    else:
        refresh_due(report_ids)


def _set_due(report: Report, deadlines) -> None:
    earliest = min(deadlines, key=lambda d: d.due_at, default=None)
    report.due_at = earliest.due_at if earliest else None
    report.due_clock = earliest.clock if earliest else ""
    Report.objects.filter(pk=report.pk).update(due_at=report.due_at, due_clock=report.due_clock)


def _pause(deadline: Deadline, report: Report, at, cal) -> None:
    left = max(cal.working_seconds_between(at, deadline.due_at, time_zone_of(report)), 0)
    Deadline.objects.filter(pk=deadline.pk).update(
        stopped_at=at, outcome=O.PAUSED, remaining_seconds=left
    )


def _resume(effect: Effect, report: Report, at, cal) -> list[Deadline]:
    resumed = []
    for clock in effect.resume:
        paused = (
            Deadline.objects.filter(report=report, clock=clock, outcome=O.PAUSED)
            .order_by("-stopped_at", "-id")
            .first()
        )
        if paused is not None:
            seconds = paused.remaining_seconds or 0
            resumed.append(new_deadline(report, clock, at, cal, seconds=seconds))
    return resumed


def refresh_due(report_ids: list[int]) -> None:
    """Copy each report's earliest running deadline onto it, for sorting inboxes."""
    earliest = Deadline.objects.filter(report=OuterRef("pk"), stopped_at__isnull=True).order_by(
        "due_at", "id"
    )
    Report.objects.filter(pk__in=report_ids).update(
        due_at=Subquery(earliest.values("due_at")[:1]),
        due_clock=Coalesce(Subquery(earliest.values("clock")[:1]), Value("")),
    )


def reschedule_around(
    day: datetime.date, old: calendar.WorkingCalendar, new: calendar.WorkingCalendar
) -> int:
    """Move the running deadlines whose span covers `day` after the national admin made
    it a day off or a working day: each keeps the working time it was given, counted on
    the corrected calendar. Returns how many moved. Call inside a transaction."""
    low = _margin_before(day)
    high = low + datetime.timedelta(days=3)

    def kept_working_time(deadline: Deadline, tz: str):
        span = old.working_seconds_between(deadline.started_at, deadline.due_at, tz)
        lead = span - old.working_seconds_between(deadline.started_at, deadline.remind_at, tz)
        due = new.add_working_seconds(deadline.started_at, span, tz)
        return due, new.add_working_seconds(deadline.started_at, max(span - lead, 0), tz)

    candidates = Deadline.objects.running().filter(started_at__lt=high, due_at__gt=low)
    return _move(candidates, kept_working_time)


def catch_up_correction(day: datetime.date, was: bool | None, since: datetime.datetime) -> int:
    """Move the clocks an intake started, after the national admin corrected `day`, on
    the calendar it had read before (`calendar.current(max_age=…)`): running clocks
    started since `since` whose due time is still what the calendar before the
    correction (`was`: the day's earlier correction, None for none) gives for their full
    span. Clocks already on the corrected calendar, or moved by `reschedule_around`, no
    longer match and are left alone. Returns how many moved."""
    new = calendar.current()
    overrides = dict(new.overrides)
    if was is None:
        overrides.pop(day, None)
    else:
        overrides[day] = was
    old = calendar.WorkingCalendar(overrides)

    def full_span_on_new(deadline: Deadline, tz: str):
        days = deadline.working_days
        current = (deadline.due_at, deadline.remind_at)
        if current != schedule(deadline.started_at, days * DAY, days, tz, old):
            return None
        return schedule(deadline.started_at, days * DAY, days, tz, new)

    candidates = Deadline.objects.running().filter(
        started_at__gte=since, due_at__gt=_margin_before(day)
    )
    return _move(candidates, full_span_on_new)


def _margin_before(day: datetime.date) -> datetime.datetime:
    # A day wide margin: the rows' own time zones decide where `day` falls.
    return datetime.datetime.combine(
        day - datetime.timedelta(days=1), datetime.time(), datetime.UTC
    )


def _move(candidates, new_times) -> int:
    """Give each deadline of `candidates` the (due, remind) that `new_times(deadline,
    time zone)` returns (None: leave it), write those that changed and refresh their
    reports' due times. Returns how many moved."""
    moved: list[Deadline] = []
    ordered = candidates.select_related("organization").order_by("id")
    for deadline in ordered.iterator(chunk_size=2000):
        times = new_times(deadline, time_zone_of(deadline))
        if times is not None and times != (deadline.due_at, deadline.remind_at):
            deadline.due_at, deadline.remind_at = times
            moved.append(deadline)
    Deadline.objects.bulk_update(moved, ["due_at", "remind_at"], batch_size=1000)
    report_ids = sorted({deadline.report_id for deadline in moved})
    for start in range(0, len(report_ids), 1000):
        refresh_due(report_ids[start : start + 1000])
    return len(moved)
