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
import zoneinfo

import holidays
from django.conf import settings

DAY = 86_400
FIRST_YEAR = 2000
LAST_YEAR = 2100


def zone(name: str | None) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name or settings.TIME_ZONE)


class WorkingCalendar:
    """Working days from the national calendar with per-installation corrections.

    `overrides` maps a date to True (a working day after all, e.g. a cancelled cuti
    bersama) or False (a day off added by the national admin).
    """

    def __init__(self, overrides: dict[datetime.date, bool] | None = None):
        self.overrides = dict(overrides or {})
        self._years: tuple[int, int] | None = None
        self._ordinals: list[int] = []
        self._lock = threading.Lock()

    # --- Which days are working days ------------------------------------------------

    def holidays(self, year: int) -> dict[datetime.date, str]:
        """National holidays and collective leave of `year`, named in Indonesian."""
        return dict(
            holidays.Indonesia(
                years=year, categories=(holidays.PUBLIC, holidays.GOVERNMENT), language="id"
            )
        )

    def is_working_day(self, day: datetime.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        return day.weekday() < 5 and day not in _national_days(day.year)

    def _ensure(self, year: int) -> list[int]:
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise ValueError(f"The working-day calendar covers {FIRST_YEAR}–{LAST_YEAR}")
        years = self._years
        if years and years[0] <= year <= years[1]:
            return self._ordinals
        with self._lock:
            low = min(year - 1, years[0] if years else year - 1)
            high = max(year + 2, years[1] if years else year + 2)
            low, high = max(low, FIRST_YEAR), min(high, LAST_YEAR)
            start, end = datetime.date(low, 1, 1), datetime.date(high, 12, 31)
            self._ordinals = [
                o
                for o in range(start.toordinal(), end.toordinal() + 1)
                if self.is_working_day(datetime.date.fromordinal(o))
            ]
            self._years = (low, high)
            return self._ordinals

    def _index_after(self, day: datetime.date) -> tuple[list[int], int]:
        """The array and the position of the first working day strictly after `day`."""
        ordinals = self._ensure(day.year)
        position = bisect.bisect_right(ordinals, day.toordinal())
        if position >= len(ordinals) - 400:
            ordinals = self._ensure(day.year + 2)
            position = bisect.bisect_right(ordinals, day.toordinal())
        return ordinals, position

    def next_working_day(self, day: datetime.date) -> datetime.date:
        """The first working day strictly after `day`."""
        ordinals, position = self._index_after(day)
        return datetime.date.fromordinal(ordinals[position])

    def working_days_in(self, start: datetime.date, end: datetime.date) -> int:
        """How many working days lie in [start, end)."""
        if end <= start:
            return 0
        self._ensure(start.year)
        ordinals = self._ensure(end.year)
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
        """The moment when `seconds` of working time have passed after `moment`."""
        if seconds <= 0:
            return moment
        local = moment.astimezone(zone(tz))
        today = local.date()
        if self.is_working_day(today):
            left_today = (_midnight_after(local) - local).total_seconds()
            if seconds <= left_today:
                return (local + datetime.timedelta(seconds=seconds)).astimezone(datetime.UTC)
            seconds -= left_today
        whole, rest = divmod(seconds, DAY)
        whole = int(whole)
        ordinals, position = self._index_after(today)
        if rest == 0:
            # Ends exactly at the end of a working day: midnight after it.
            target = position + whole - 1
            ordinals = self._reach(today, target)
            day = datetime.date.fromordinal(ordinals[target]) + datetime.timedelta(days=1)
            return _local_midnight(day, local.tzinfo).astimezone(datetime.UTC)
        target = position + whole
        ordinals = self._reach(today, target)
        start = _local_midnight(datetime.date.fromordinal(ordinals[target]), local.tzinfo)
        return (start + datetime.timedelta(seconds=rest)).astimezone(datetime.UTC)

    def _reach(self, day: datetime.date, index: int) -> list[int]:
        ordinals = self._ordinals
        while index >= len(ordinals):
            last = datetime.date.fromordinal(ordinals[-1])
            ordinals = self._ensure(min(last.year + 3, LAST_YEAR))
            if last.year + 3 > LAST_YEAR and index >= len(ordinals):
                raise ValueError("Deadline beyond the calendar's range")
        return ordinals

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


# --- The installation's calendar -----------------------------------------------------

_current: tuple[object, WorkingCalendar] | None = None


def current() -> WorkingCalendar:
    """The installation's calendar: national days plus `CalendarDay` corrections.

    Rebuilt when the corrections change (one small query per call decides that), so
    every web process and worker follows the national admin's edits at once.
    """
    global _current
    from aduan.deadlines.models import CalendarDay

    rows = list(CalendarDay.objects.values_list("date", "is_working_day"))
    stamp = tuple(sorted(rows))
    if _current is None or _current[0] != stamp:
        _current = (stamp, WorkingCalendar(dict(rows)))
    return _current[1]
