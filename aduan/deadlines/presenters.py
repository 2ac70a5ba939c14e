"""Deadlines in plain words, as the people who must meet them see them.

Counts are whole working days, rounded down: "2 working days left" means at least two
full working days remain, so nobody is told they have more time than they do. Time is
counted in the handling organization's time zone, the same zone the clocks were set in.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from aduan.deadlines import calendar
from aduan.deadlines.clocks import time_zone_of
from aduan.deadlines.models import REPORTER_CLOCKS, STAFF_CLOCKS, Clock, Deadline, Outcome

OK, SOON, OVERDUE = "ok", "soon", "overdue"


@dataclass(frozen=True)
class Countdown:
    text: str
    state: str  # OK, SOON or OVERDUE
    working_days: float  # working days left; negative once overdue


def shown_due(due_at: datetime.datetime, tz: str) -> datetime.datetime:
    """`due_at` as people read it: a deadline that ends with a working day is stored as
    the midnight after it, and is shown as that day's last minute ("25 Jul 23.59"), not
    as the start of the next day, often a day off ("26 Jul 00.00")."""
    local = timezone.localtime(due_at, calendar.zone(tz))
    if (local.hour, local.minute, local.second, local.microsecond) == (0, 0, 0, 0):
        return local - datetime.timedelta(minutes=1)
    return local


def countdown(
    due_at: datetime.datetime,
    clock: str,
    now: datetime.datetime | None = None,
    tz: str | None = None,
    *,
    cal: calendar.WorkingCalendar | None = None,
) -> Countdown:
    """How long until `due_at` for `clock`, in working days of `tz`.

    Pass `cal` when presenting many deadlines: `calendar.current()` costs a query.
    """
    now = now or timezone.now()
    tz = tz or settings.TIME_ZONE
    cal = cal or calendar.current()
    left = cal.working_days_between(now, due_at, tz)
    if due_at <= now:
        state = OVERDUE
    elif left <= settings.ADUAN_REMIND_BEFORE_DAYS:
        state = SOON
    else:
        state = OK
    if clock in REPORTER_CLOCKS:
        text = _reporter_clock_text(clock, left)
    else:
        text = _staff_clock_text(left, due_at, now, tz, overdue=state == OVERDUE)
    return Countdown(text=text, state=state, working_days=left)


def _staff_clock_text(left: float, due_at, now, tz: str, *, overdue: bool) -> str:
    if overdue:
        late = math.floor(-left)
        if late >= 1:
            return ngettext(
                "overdue by %(count)s working day", "overdue by %(count)s working days", late
            ) % {"count": late}
        if _same_local_day(due_at, now, tz):
            return _("overdue since today")
        return _("overdue by less than a working day")
    whole = math.floor(left)
    if whole >= 1:
        return ngettext("%(count)s working day left", "%(count)s working days left", whole) % {
            "count": whole
        }
    if _due_by_end_of_today(due_at, now, tz):
        return _("due today")
    return _("less than a working day left")


def _reporter_clock_text(clock: str, left: float) -> str:
    whole = max(math.floor(left), 0)
    if clock == Clock.REPORTER_REPLY:
        if whole < 1:
            return _("closes automatically within a working day")
        return ngettext(
            "closes automatically in %(count)s working day",
            "closes automatically in %(count)s working days",
            whole,
        ) % {"count": whole}
    if whole < 1:
        return _("archived automatically within a working day")
    return ngettext(
        "archived automatically in %(count)s working day",
        "archived automatically in %(count)s working days",
        whole,
    ) % {"count": whole}


def _same_local_day(a, b, tz: str) -> bool:
    zone = calendar.zone(tz)
    return a.astimezone(zone).date() == b.astimezone(zone).date()


def _due_by_end_of_today(due_at, now, tz: str) -> bool:
    local_now = now.astimezone(calendar.zone(tz))
    midnight = datetime.datetime.combine(
        local_now.date() + datetime.timedelta(days=1), datetime.time(), tzinfo=local_now.tzinfo
    )
    return due_at <= midnight


# --- Rows for report pages -----------------------------------------------------------


@dataclass(frozen=True)
class DeadlineRow:
    """One clock of a report as a page lists it."""

    clock: str
    label: str
    due_at: datetime.datetime
    running: bool
    countdown: Countdown | None  # running clocks only
    outcome: str = ""  # stopped clocks only
    stopped_at: datetime.datetime | None = None
    time_zone: str = ""


def staff_rows(deadlines, *, now=None, cal=None) -> list[DeadlineRow]:
    """Every clock of a report for its handlers: the running ones soonest first, then the
    stopped ones newest first with how they ended, so the record stays visible."""
    now = now or timezone.now()
    cal = cal or calendar.current()
    labels = dict(Clock.choices)
    running = sorted((d for d in deadlines if d.is_running), key=lambda d: (d.due_at, d.pk))
    stopped = sorted(
        (d for d in deadlines if not d.is_running), key=lambda d: (d.stopped_at, d.pk), reverse=True
    )
    return [
        _row(deadline, str(labels.get(deadline.clock, deadline.clock)), now, cal)
        for deadline in running + stopped
    ]


def staff_clock_label(clock: str) -> str:
    """The organization's clock as a reporter reads it: a report nobody has verified yet
    is not "being handled"."""
    if clock == Clock.VERIFICATION:
        return _("Being verified")
    return _("Being handled")


def reporter_rows(deadlines, *, now=None, cal=None) -> list[DeadlineRow]:
    """What the reporter sees: one plain "being handled" clock for the organization (the
    earliest running staff deadline) and the clocks that wait on the reporter."""
    now = now or timezone.now()
    cal = cal or calendar.current()
    running = sorted((d for d in deadlines if d.is_running), key=lambda d: (d.due_at, d.pk))
    rows = []
    handling = next((d for d in running if d.clock in STAFF_CLOCKS), None)
    if handling is not None:
        rows.append(_row(handling, staff_clock_label(handling.clock), now, cal))
    labels = {
        Clock.REPORTER_REPLY: _("Your reply"),
        Clock.MISSING_INFORMATION: _("Your answer to our question"),
    }
    for deadline in running:
        if deadline.clock in REPORTER_CLOCKS:
            rows.append(_row(deadline, labels[deadline.clock], now, cal))
    return rows


def _outcome_text(deadline: Deadline, tz: str, cal) -> str:
    """How a stopped clock ended; a deadline met after it passed says by how much, as
    the monitoring figures count it late."""
    met_late = deadline.outcome == Outcome.MET and deadline.stopped_at > deadline.due_at
    if not met_late:
        return deadline.get_outcome_display()
    late = math.floor(cal.working_days_between(deadline.due_at, deadline.stopped_at, tz))
    if late < 1:
        return _("Met, less than a working day late")
    return ngettext("Met, %(count)s working day late", "Met, %(count)s working days late", late) % {
        "count": late
    }


def _row(deadline: Deadline, label: str, now, cal) -> DeadlineRow:
    tz = time_zone_of(deadline)
    if deadline.is_running:
        return DeadlineRow(
            clock=deadline.clock,
            label=label,
            due_at=deadline.due_at,
            running=True,
            countdown=countdown(deadline.due_at, deadline.clock, now, tz, cal=cal),
            time_zone=tz,
        )
    return DeadlineRow(
        clock=deadline.clock,
        label=label,
        due_at=deadline.due_at,
        running=False,
        countdown=None,
        outcome=_outcome_text(deadline, tz, cal),
        stopped_at=deadline.stopped_at,
        time_zone=tz,
    )
