"""The working-day calendar: weekends, national holidays, cuti bersama, corrections, zones.

Most tests build a `WorkingCalendar` directly; the national days come from the pinned
`holidays` package, so each test that leans on a holiday first checks the package still
lists it (an upgrade that moves a day should fail here, loudly, not shift deadlines
silently).
"""

from __future__ import annotations

import datetime
import threading
import zoneinfo

import pytest
import time_machine
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from aduan.deadlines import calendar
from aduan.deadlines.calendar import DAY, WorkingCalendar
from aduan.deadlines.models import CalendarDay

UTC = datetime.UTC
WIB = zoneinfo.ZoneInfo("Asia/Jakarta")  # UTC+7
WITA = zoneinfo.ZoneInfo("Asia/Makassar")  # UTC+8
WIT = zoneinfo.ZoneInfo("Asia/Jayapura")  # UTC+9
HOUR = 3600


def wib(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=WIB)


def national(day: datetime.date) -> str:
    """The package's name for a national day off; fails if the package no longer has it."""
    names = WorkingCalendar().holidays(day.year)
    assert day in names, f"the holidays package no longer lists {day}"
    return names[day]


def walk(cal: WorkingCalendar, moment: datetime.datetime, seconds: float, tz) -> datetime.datetime:
    """The slow, obviously right answer: walk the local days one by one."""
    local = moment.astimezone(tz)
    while seconds > 0:
        midnight = datetime.datetime.combine(
            local.date() + datetime.timedelta(days=1), datetime.time(), tzinfo=tz
        )
        if cal.is_working_day(local.date()):
            left = (midnight - local).total_seconds()
            if seconds <= left:
                return (local + datetime.timedelta(seconds=seconds)).astimezone(UTC)
            seconds -= left
        local = midnight
    return local.astimezone(UTC)


@pytest.fixture
def cal():
    return WorkingCalendar()


# --- Weekends ------------------------------------------------------------------------


def test_friday_afternoon_plus_three_working_days_is_wednesday_afternoon(cal):
    friday = wib(2026, 7, 10, 15)
    assert cal.add_working_days(friday, 3, "Asia/Jakarta") == wib(2026, 7, 15, 15)


@pytest.mark.parametrize("weekend_day", [11, 12])
def test_a_weekend_submission_is_due_at_the_end_of_the_third_working_day(cal, weekend_day):
    moment = wib(2026, 7, weekend_day, 10, 30)
    # Monday, Tuesday, Wednesday in full: due as Thursday begins.
    assert cal.add_working_days(moment, 3, "Asia/Jakarta") == wib(2026, 7, 16)


def test_a_moment_on_a_day_off_starts_counting_at_the_next_working_midnight(cal):
    saturday = wib(2026, 7, 11, 23, 59)
    assert cal.add_working_seconds(saturday, 1, "Asia/Jakarta") == wib(2026, 7, 13, 0, 0) + (
        datetime.timedelta(seconds=1)
    )


def test_ending_exactly_at_midnight_stays_on_the_last_working_day_evening(cal):
    monday_noon = wib(2026, 7, 13, 12)
    assert cal.add_working_seconds(monday_noon, 12 * HOUR, "Asia/Jakarta") == wib(2026, 7, 14)
    # Friday noon + half a day ends at Saturday 00:00, not Monday 00:00.
    assert cal.add_working_seconds(wib(2026, 7, 10, 12), 12 * HOUR, "Asia/Jakarta") == wib(
        2026, 7, 11
    )


def test_results_are_aware_utc_datetimes(cal):
    due = cal.add_working_days(wib(2026, 7, 10, 15), 3, "Asia/Jayapura")
    assert due.tzinfo is UTC
    assert cal.add_working_days(wib(2026, 7, 10, 15), 0, "Asia/Jakarta").tzinfo is UTC


def test_zero_or_negative_working_time_leaves_the_moment_where_it_is(cal):
    moment = wib(2026, 7, 11, 10)  # Saturday
    assert cal.add_working_days(moment, 0, "Asia/Jakarta") == moment
    assert cal.add_working_seconds(moment, -5, "Asia/Jakarta") == moment


# --- National holidays and collective leave ------------------------------------------


def test_independence_day_on_a_monday_pushes_the_deadline_a_day(cal):
    assert national(datetime.date(2026, 8, 17)) == "Hari Kemerdekaan Republik Indonesia"
    friday = wib(2026, 8, 14, 10)
    # Friday's 14 hours, Tuesday, Wednesday, and 10 hours of Thursday.
    assert cal.add_working_days(friday, 3, "Asia/Jakarta") == wib(2026, 8, 20, 10)
    assert not cal.is_working_day(datetime.date(2026, 8, 17))


def test_idul_fitri_collective_leave_stops_the_clock_for_a_week(cal):
    for day in (18, 19, 20, 23, 24):  # Nyepi and Idul Fitri, with their cuti bersama
        national(datetime.date(2026, 3, day))
    assert "Cuti Bersama" in national(datetime.date(2026, 3, 23))
    tuesday = wib(2026, 3, 17, 10)
    assert cal.next_working_day(datetime.date(2026, 3, 17)) == datetime.date(2026, 3, 25)
    assert cal.add_working_days(tuesday, 3, "Asia/Jakarta") == wib(2026, 3, 27, 10)
    assert cal.working_days_in(datetime.date(2026, 3, 16), datetime.date(2026, 3, 30)) == 5


def test_a_deadline_runs_over_the_end_of_january_into_february(cal):
    thursday = wib(2026, 1, 29, 10)
    assert cal.add_working_days(thursday, 3, "Asia/Jakarta") == wib(2026, 2, 3, 10)
    assert cal.working_days_in(datetime.date(2026, 1, 31), datetime.date(2026, 2, 3)) == 1


def test_christmas_its_collective_leave_and_new_year_are_skipped_at_year_end(cal):
    assert "Cuti Bersama" in national(datetime.date(2026, 12, 24))
    national(datetime.date(2026, 12, 25))
    national(datetime.date(2027, 1, 1))
    wednesday = wib(2026, 12, 23, 10)
    assert cal.add_working_days(wednesday, 3, "Asia/Jakarta") == wib(2026, 12, 30, 10)
    tuesday = wib(2026, 12, 29, 10)
    assert cal.add_working_days(tuesday, 3, "Asia/Jakarta") == wib(2027, 1, 4, 10)


def test_the_leap_day_of_2028_is_a_working_day(cal):
    national(datetime.date(2028, 2, 28))  # the second day of Idul Fitri (estimated)
    assert cal.is_working_day(datetime.date(2028, 2, 29))
    friday = wib(2028, 2, 25, 10)
    # Friday's 14 hours, then the 29th and 1 March in full, then 10 hours of 2 March.
    assert cal.add_working_days(friday, 3, "Asia/Jakarta") == wib(2028, 3, 2, 10)
    assert cal.working_days_in(datetime.date(2028, 2, 26), datetime.date(2028, 3, 1)) == 1


def test_sixty_working_days_the_legal_maximum_land_at_the_end_of_january(cal):
    for day in (datetime.date(2026, 12, 24), datetime.date(2026, 12, 25)):
        national(day)
    national(datetime.date(2027, 1, 1))
    national(datetime.date(2027, 1, 5))
    monday = wib(2026, 11, 2, 9)
    # 20 more working days in November, 21 in December, 19 in January up to the 29th.
    due = cal.add_working_days(monday, 60, "Asia/Jakarta")
    assert due == wib(2027, 1, 29, 9)
    assert due == walk(cal, monday, 60 * DAY, WIB)
    assert cal.working_days_between(monday, due, "Asia/Jakarta") == 60


def test_holidays_are_named_in_indonesian(cal):
    names = cal.holidays(2026)
    assert names[datetime.date(2026, 8, 17)] == "Hari Kemerdekaan Republik Indonesia"
    assert names[datetime.date(2026, 12, 25)] == "Hari Raya Natal"
    assert names[datetime.date(2026, 1, 1)] == "Tahun Baru Masehi"
    assert all(day.year == 2026 for day in names)


def test_the_calendar_refuses_years_outside_its_range(cal):
    with pytest.raises(ValueError):
        cal.working_days_in(datetime.date(1999, 1, 1), datetime.date(1999, 2, 1))
    with pytest.raises(ValueError):
        cal.add_working_days(wib(2100, 12, 30, 10), 5, "Asia/Jakarta")


def test_deadlines_near_the_end_of_the_range_still_work(cal):
    moment = wib(2099, 12, 30, 10)
    assert cal.add_working_days(moment, 5, "Asia/Jakarta") == walk(cal, moment, 5 * DAY, WIB)


# --- Durations -----------------------------------------------------------------------


def test_working_time_between_counts_partial_days_and_skips_the_weekend(cal):
    friday, monday = wib(2026, 7, 10, 18), wib(2026, 7, 13, 6)
    assert cal.working_seconds_between(friday, monday, "Asia/Jakarta") == 12 * HOUR
    assert cal.working_days_between(friday, monday, "Asia/Jakarta") == 0.5


def test_working_time_between_is_negative_when_reversed(cal):
    start, end = wib(2026, 7, 10, 15), wib(2026, 7, 15, 15)
    assert cal.working_days_between(start, end, "Asia/Jakarta") == 3
    assert cal.working_days_between(end, start, "Asia/Jakarta") == -3


def test_no_working_time_passes_within_a_day_off(cal):
    morning, evening = wib(2026, 8, 17, 8), wib(2026, 8, 17, 20)
    assert cal.working_seconds_between(morning, evening, "Asia/Jakarta") == 0
    saturday, sunday = wib(2026, 7, 11, 1), wib(2026, 7, 12, 23)
    assert cal.working_seconds_between(saturday, sunday, "Asia/Jakarta") == 0


def test_working_time_within_one_working_day_is_the_plain_difference(cal):
    start, end = wib(2026, 7, 14, 8, 15), wib(2026, 7, 14, 16, 45)
    assert cal.working_seconds_between(start, end, "Asia/Jakarta") == 8.5 * HOUR


def test_working_days_in_a_year_match_a_day_by_day_count(cal):
    days = [datetime.date(2026, 1, 1) + datetime.timedelta(days=n) for n in range(365)]
    expected = sum(1 for day in days if cal.is_working_day(day))
    assert cal.working_days_in(datetime.date(2026, 1, 1), datetime.date(2027, 1, 1)) == expected
    assert 230 < expected < 250


# --- Time zones ----------------------------------------------------------------------


def test_the_same_instant_falls_on_different_local_days_across_the_three_zones(cal):
    instant = datetime.datetime(2026, 8, 14, 16, 30, tzinfo=UTC)
    assert instant.astimezone(WIB).date() == datetime.date(2026, 8, 14)  # Friday 23:30
    assert instant.astimezone(WITA).date() == datetime.date(2026, 8, 15)  # Saturday 00:30
    assert instant.astimezone(WIT).date() == datetime.date(2026, 8, 15)  # Saturday 01:30
    due = {tz: cal.add_working_days(instant, 3, tz) for tz in (WIB.key, WITA.key, WIT.key)}
    # Jakarta still has half an hour of Friday; the other two start on Tuesday (the 17th
    # is Independence Day) and run to the end of Thursday, local time.
    assert due[WIB.key] == datetime.datetime(2026, 8, 20, 23, 30, tzinfo=WIB)
    assert due[WITA.key] == datetime.datetime(2026, 8, 21, tzinfo=WITA)
    assert due[WIT.key] == datetime.datetime(2026, 8, 21, tzinfo=WIT)
    assert len(set(due.values())) == 3


def test_independence_day_in_papua_begins_while_jakarta_is_still_on_sunday(cal):
    instant = datetime.datetime(2026, 8, 16, 15, 30, tzinfo=UTC)
    assert instant.astimezone(WIB).date() == datetime.date(2026, 8, 16)  # Sunday 22:30
    assert instant.astimezone(WIT).date() == datetime.date(2026, 8, 17)  # Monday 00:30
    late_monday = datetime.datetime(2026, 8, 17, 16, 30, tzinfo=UTC)
    assert late_monday.astimezone(WIB).date() == datetime.date(2026, 8, 17)  # 23:30, holiday
    assert late_monday.astimezone(WIT).date() == datetime.date(2026, 8, 18)  # 01:30, working
    assert cal.working_seconds_between(instant, late_monday, WIB.key) == 0
    assert cal.working_seconds_between(instant, late_monday, WIT.key) == 1.5 * HOUR


def test_the_default_zone_is_the_installations(cal, settings):
    settings.TIME_ZONE = "Asia/Jakarta"
    friday = wib(2026, 7, 10, 15)
    assert cal.add_working_days(friday, 3) == cal.add_working_days(friday, 3, "Asia/Jakarta")


# --- Corrections ---------------------------------------------------------------------


def test_an_added_day_off_shifts_the_deadline_by_one_day():
    monday = wib(2026, 7, 13, 10)
    plain = WorkingCalendar()
    corrected = WorkingCalendar({datetime.date(2026, 7, 14): False})
    assert plain.add_working_days(monday, 3, "Asia/Jakarta") == wib(2026, 7, 16, 10)
    assert corrected.add_working_days(monday, 3, "Asia/Jakarta") == wib(2026, 7, 17, 10)


def test_a_cancelled_collective_leave_is_a_working_day_after_all():
    wednesday = wib(2026, 12, 23, 10)
    corrected = WorkingCalendar({datetime.date(2026, 12, 24): True})
    assert corrected.is_working_day(datetime.date(2026, 12, 24))
    # Thursday 24th, Monday 28th, and ten hours of Tuesday 29th; a day earlier than before.
    assert corrected.add_working_days(wednesday, 3, "Asia/Jakarta") == wib(2026, 12, 29, 10)


def test_a_saturday_can_be_made_a_working_day():
    corrected = WorkingCalendar({datetime.date(2026, 7, 11): True})
    friday = wib(2026, 7, 10, 15)
    assert corrected.add_working_days(friday, 3, "Asia/Jakarta") == wib(2026, 7, 14, 15)


def test_the_installation_calendar_follows_a_new_correction_at_once(db):
    day = datetime.date(2026, 7, 14)
    with time_machine.travel(wib(2026, 7, 13, 10), tick=False):
        now = timezone.now()
        before = calendar.current().add_working_days(now, 3, "Asia/Jakarta")
        CalendarDay.objects.create(date=day, is_working_day=False, name="Hari libur daerah")
        after = calendar.current().add_working_days(now, 3, "Asia/Jakarta")
    assert before == wib(2026, 7, 16, 10)
    assert after == wib(2026, 7, 17, 10)


def test_the_installation_calendar_forgets_a_removed_correction(db):
    row = CalendarDay.objects.create(
        date=datetime.date(2026, 12, 24), is_working_day=True, name="Cuti bersama dibatalkan"
    )
    with time_machine.travel(wib(2026, 12, 23, 10), tick=False):
        assert calendar.current().add_working_days(timezone.now(), 3, "Asia/Jakarta") == (
            wib(2026, 12, 29, 10)
        )
        row.delete()
        assert calendar.current().add_working_days(timezone.now(), 3, "Asia/Jakarta") == (
            wib(2026, 12, 30, 10)
        )


def test_the_installation_calendar_is_reused_while_nothing_changes(db, django_assert_num_queries):
    CalendarDay.objects.create(date=datetime.date(2026, 7, 14), is_working_day=False, name="X")
    first = calendar.current()
    with django_assert_num_queries(1):
        assert calendar.current() is first


# --- Concurrency ---------------------------------------------------------------------


def test_one_calendar_answers_the_same_whatever_order_years_are_asked_in():
    moments = [wib(year, 3, 2, 8) for year in (2050, 2010, 2090, 2001, 2075, 2030)]
    fresh = [WorkingCalendar().add_working_days(m, 60, "Asia/Jakarta") for m in moments]
    shared = WorkingCalendar()
    assert [shared.add_working_days(m, 60, "Asia/Jakarta") for m in moments] == fresh
    assert [shared.add_working_days(m, 60, "Asia/Jakarta") for m in moments] == fresh


def test_threads_sharing_a_calendar_while_it_grows_get_the_right_deadlines():
    years = range(2001, 2096, 3)
    expected = {y: walk(WorkingCalendar(), wib(y, 6, 10, 8), 60 * DAY, WIB) for y in years}
    shared = WorkingCalendar()
    wrong: list[int] = []

    def work(offset: int) -> None:
        for y in list(years)[offset::4] + list(years)[::-1]:
            if shared.add_working_days(wib(y, 6, 10, 8), 60, "Asia/Jakarta") != expected[y]:
                wrong.append(y)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wrong == []


# --- Properties ----------------------------------------------------------------------

ZONES = st.sampled_from(["Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura"])
MOMENTS = st.datetimes(
    min_value=datetime.datetime(2024, 1, 1),
    max_value=datetime.datetime(2030, 12, 31),
    timezones=st.just(UTC),
)
CALENDAR = WorkingCalendar({datetime.date(2026, 12, 24): True, datetime.date(2026, 7, 14): False})


@settings(max_examples=300, deadline=None)
@given(start=MOMENTS, days=st.integers(0, 80), tz=ZONES)
def test_adding_n_working_days_takes_exactly_n_days_of_working_time(start, days, tz):
    due = CALENDAR.add_working_days(start, days, tz)
    assert CALENDAR.working_seconds_between(start, due, tz) == pytest.approx(days * DAY, abs=1)
    assert due == walk(CALENDAR, start, days * DAY, zoneinfo.ZoneInfo(tz))


@settings(max_examples=200, deadline=None)
@given(start=MOMENTS, days=st.integers(0, 79), tz=ZONES)
def test_adding_working_days_is_monotonic(start, days, tz):
    earlier = CALENDAR.add_working_days(start, days, tz)
    later = CALENDAR.add_working_days(start, days + 1, tz)
    assert start <= earlier < later


@settings(max_examples=200, deadline=None)
@given(start=MOMENTS, end=MOMENTS, tz=ZONES)
def test_working_time_between_is_antisymmetric_and_never_more_than_elapsed(start, end, tz):
    forward = CALENDAR.working_seconds_between(start, end, tz)
    assert forward == -CALENDAR.working_seconds_between(end, start, tz)
    assert abs(forward) <= abs((end - start).total_seconds()) + 1e-6
