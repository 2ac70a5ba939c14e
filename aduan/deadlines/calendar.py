"""The Indonesian working-day calendar.

A working day is a whole local calendar day that is not a weekend, a national holiday
or collective leave (cuti bersama), after the installation's own corrections
(`CalendarDay`). Durations are counted in working seconds: only time that falls on a
working day, in the organization's time zone, counts. "N working days after a moment"
is the moment plus N × 24 working hours, so a report submitted on Friday at 15:00 with 3
working days is due on Wednesday at 15:00, and one submitted on Saturday is due at the
end of Wednesday (Thursday 00:00).

Lookups use a sorted array of working days and `bisect`, so adding 60 working days or
counting across years costs the same as one day.
"""

from __future__ import annotations

import bisect
import datetime
import threading
import time
import zoneinfo

import holidays
from django.conf import settings

from aduan.lib.dates import FIRST_YEAR, LAST_YEAR

DAY = 86_400


def zone(name: str | None) -> zoneinfo.ZoneInfo:
    """The named time zone; the installation's when none is named or it is unknown (an
    organization saved before its zone was checked must not stop every deadline)."""
    try:
        return zoneinfo.ZoneInfo(name or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


class WorkingCalendar:
    """Working days from the national calendar with per-installation corrections.

    `overrides` maps a date to True (a working day after all, e.g. a cancelled cuti
    bersama) or False (a day off added by the national admin).
    """

    def __init__(self, overrides: dict[datetime.date, bool] | None = None):
        self.overrides = dict(overrides or {})
        # ((first year, last year), sorted ordinals of the working days in them), replaced
        # whole and only ever widened, so a reader holding one snapshot can index it
        # while another thread (a threaded web server shares this calendar) extends it.
        self._snapshot: tuple[tuple[int, int] | None, list[int]] = (None, [])
        self._lock = threading.Lock()

    # --- Which days are working days ------------------------------------------------

    def holidays(self, year: int, language: str = "id") -> dict[datetime.date, str]:
        """National holidays and collective leave of `year`, named in `language` (a
        Django language code: Indonesian, or English for readers who chose it)."""
        language = "en_US" if language.startswith("en") else "id"
        return dict(
            holidays.Indonesia(
                years=year, categories=(holidays.PUBLIC, holidays.GOVERNMENT), language=language
            )
        )

    def is_working_day(self, day: datetime.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        return day.weekday() < 5 and day not in _national_days(day.year)

    def _ensure(self, year: int) -> list[int]:
        """A snapshot of the working days covering at least `year`."""
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise ValueError(f"The working-day calendar covers {FIRST_YEAR}–{LAST_YEAR}")
        years, ordinals = self._snapshot
        if years and years[0] <= year <= years[1]:
            return ordinals
        with self._lock:
            # Another thread may have widened the snapshot while this one waited.
            years, ordinals = self._snapshot
            if years and years[0] <= year <= years[1]:
                return ordinals
            low = max(min(year - 1, years[0] if years else year), FIRST_YEAR)
            high = min(max(year + 2, years[1] if years else year), LAST_YEAR)
            start, end = datetime.date(low, 1, 1), datetime.date(high, 12, 31)
            ordinals = [
                o
                for o in range(start.toordinal(), end.toordinal() + 1)
                if self.is_working_day(datetime.date.fromordinal(o))
            ]
            self._snapshot = ((low, high), ordinals)
            return ordinals

    def _working_day_after(self, day: datetime.date, skip: int = 0) -> datetime.date:
        """The first working day strictly after `day`, or `skip` working days later."""
        year = day.year
        while True:
            ordinals = self._ensure(year)
            index = bisect.bisect_right(ordinals, day.toordinal()) + skip
            if index < len(ordinals):
                return datetime.date.fromordinal(ordinals[index])
            covered = datetime.date.fromordinal(ordinals[-1]).year if ordinals else year
            if covered >= LAST_YEAR:
                raise ValueError("Deadline beyond the calendar's range")
            # Every year has well over 200 working days.
            year = min(covered + 1 + (index - len(ordinals)) // 200, LAST_YEAR)

    def next_working_day(self, day: datetime.date) -> datetime.date:
        """The first working day strictly after `day`."""
        return self._working_day_after(day)

    def working_days_in(self, start: datetime.date, end: datetime.date) -> int:
        """How many working days lie in [start, end)."""
        if end <= start:
            return 0
        self._ensure(start.year)
        # Snapshots only widen, so this one still covers `start`.
        ordinals = self._ensure((end - datetime.timedelta(days=1)).year)
        return bisect.bisect_left(ordinals, end.toordinal()) - bisect.bisect_left(
            ordinals, start.toordinal()
        )

    # --- Moments and durations ------------------------------------------------------

    def add_working_days(
        self, moment: datetime.datetime, days: int, tz: str | None = None
    ) -> datetime.datetime:
        return self.add_working_seconds(moment, days * DAY, tz)

    def add_working_seconds(
        self, moment: datetime.datetime, seconds: float, tz: str | None = None
    ) -> datetime.datetime:
        """The moment (aware, UTC) when `seconds` of working time have passed after
        `moment`. Time on a day off does not count, so a moment on a day off starts
        counting at the next working day's local midnight."""
        if seconds <= 0:
            return moment.astimezone(datetime.UTC)
        local = moment.astimezone(zone(tz))
        today = local.date()
        if self.is_working_day(today):
            left_today = (_midnight_after(local) - local).total_seconds()
            if seconds <= left_today:
                return (local + datetime.timedelta(seconds=seconds)).astimezone(datetime.UTC)
            seconds -= left_today
        whole, rest = divmod(seconds, DAY)
        whole = int(whole)
        if rest == 0:
            # Ends exactly at the end of a working day: midnight after it.
            last = self._working_day_after(today, whole - 1)
            day = last + datetime.timedelta(days=1)
            return _local_midnight(day, local.tzinfo).astimezone(datetime.UTC)
        start = _local_midnight(self._working_day_after(today, whole), local.tzinfo)
        return (start + datetime.timedelta(seconds=rest)).astimezone(datetime.UTC)

    def working_seconds_between(
        self, start: datetime.datetime, end: datetime.datetime, tz: str | None = None
    ) -> float:
        """Working time from `start` to `end`; negative when `end` comes first."""
        if end < start:
            return -self.working_seconds_between(end, start, tz)
        tzinfo = zone(tz)
        a, b = start.astimezone(tzinfo), end.astimezone(tzinfo)
        if a.date() == b.date():
            return (b - a).total_seconds() if self.is_working_day(a.date()) else 0.0
        total = 0.0
        if self.is_working_day(a.date()):
            total += (_midnight_after(a) - a).total_seconds()
        if self.is_working_day(b.date()):
            total += (b - _local_midnight(b.date(), tzinfo)).total_seconds()
        first_full = a.date() + datetime.timedelta(days=1)
        total += self.working_days_in(first_full, b.date()) * DAY
        return total

    def working_days_between(
        self, start: datetime.datetime, end: datetime.datetime, tz: str | None = None
    ) -> float:
        return self.working_seconds_between(start, end, tz) / DAY


def _local_midnight(day: datetime.date, tzinfo) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=tzinfo)


def _midnight_after(local: datetime.datetime) -> datetime.datetime:
    return _local_midnight(local.date() + datetime.timedelta(days=1), local.tzinfo)


_national_cache: dict[int, frozenset[datetime.date]] = {}


def _national_days(year: int) -> frozenset[datetime.date]:
    days = _national_cache.get(year)
    if days is None:
        days = frozenset(
            holidays.Indonesia(years=year, categories=(holidays.PUBLIC, holidays.GOVERNMENT))
        )
        _national_cache[year] = days
    return days


def collective_leave(year: int) -> frozenset[datetime.date]:
    """The days of `year` that are collective leave (cuti bersama) rather than holidays."""
    return frozenset(holidays.Indonesia(years=year, categories=(holidays.GOVERNMENT,)))


# --- The installation's calendar -----------------------------------------------------

_current: tuple[object, WorkingCalendar, float] | None = None  # (rows, calendar, read at)


def current(max_age: float | None = None) -> WorkingCalendar:
    """The installation's calendar: national days plus `CalendarDay` corrections.

    Rebuilt when the corrections change (one small query per call decides that), so
    every web process and worker follows the national admin's edits at once. With
    `max_age`, a calendar this process read less than `max_age` seconds ago is used
    without the query: for the intake, where a new report's first clock would otherwise
    cost a round trip; `catch_up_correction` then moves the clocks started in that
    window on a calendar that was already out of date.
    """
    global _current
    from aduan.deadlines.models import CalendarDay

    now = time.monotonic()
    if max_age and _current is not None and now - _current[2] < max_age:
        return _current[1]
    rows = list(CalendarDay.objects.values_list("date", "is_working_day"))
    stamp = tuple(sorted(rows))
    if _current is None or _current[0] != stamp:
        _current = (stamp, WorkingCalendar(dict(rows)), now)
    else:
        _current = (stamp, _current[1], now)
    return _current[1]


def forget() -> None:
    """Make this process read the corrections again at the next `current()`."""
    global _current
    _current = None
