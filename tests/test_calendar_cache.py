"""The intake's remembered calendar, and the catch-up of clocks started on an old one."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from aduan.deadlines import calendar, clocks
from aduan.deadlines.models import CalendarDay, Clock, Deadline
from aduan.deadlines.tasks import catch_up_correction
from tests.personas import submit

WIB = zoneinfo.ZoneInfo("Asia/Jakarta")
MONDAY = datetime.datetime(2026, 7, 13, 10, tzinfo=WIB)
TUESDAY = datetime.date(2026, 7, 14)


def _verification(report) -> Deadline:
    return Deadline.objects.running().get(report=report, clock=Clock.VERIFICATION)


def test_the_intake_reads_the_calendar_once_within_the_cache_age(world, settings):
    settings.ADUAN_CALENDAR_CACHE_SECONDS = 60
    submit(world, reporter=world.citizen)
    with CaptureQueriesContext(connection) as queries:
        submit(world, reporter=world.citizen)
    assert not [q for q in queries if "deadlines_calendarday" in q["sql"]]
    settings.ADUAN_CALENDAR_CACHE_SECONDS = 0
    with CaptureQueriesContext(connection) as queries:
        submit(world, reporter=world.citizen)
    assert [q for q in queries if "deadlines_calendarday" in q["sql"]]


def test_a_clock_started_on_an_out_of_date_calendar_is_caught_up(world, settings):
    settings.ADUAN_CALENDAR_CACHE_SECONDS = 60
    with time_machine.travel(MONDAY, tick=False):
        earlier, _ = submit(world, reporter=world.citizen)  # reads the calendar now
        # Another process makes Tuesday a day off; this one still holds the old calendar.
        CalendarDay.objects.create(date=TUESDAY, is_working_day=False, name="Libur daerah")
        stale, _ = submit(world, reporter=world.citizen)
        calendar.forget()
        fresh, _ = submit(world, reporter=world.citizen)
        assert _verification(stale).due_at == datetime.datetime(2026, 7, 16, 10, tzinfo=WIB)
        assert _verification(fresh).due_at == datetime.datetime(2026, 7, 17, 10, tzinfo=WIB)

        moved = clocks.catch_up_correction(TUESDAY, None, MONDAY - datetime.timedelta(seconds=6))

    # The clock started just before the correction, which the correction's own
    # rescheduling would have moved, is caught up too; the one on the new calendar is not.
    assert moved == 2
    assert _verification(earlier).due_at == datetime.datetime(2026, 7, 17, 10, tzinfo=WIB)
    caught_up = _verification(stale)
    assert caught_up.due_at == datetime.datetime(2026, 7, 17, 10, tzinfo=WIB)
    assert caught_up.remind_at == _verification(fresh).remind_at
    stale.refresh_from_db()
    assert stale.due_at == caught_up.due_at
    assert _verification(fresh).due_at == datetime.datetime(2026, 7, 17, 10, tzinfo=WIB)


def test_catching_up_leaves_clocks_started_before_the_window(world, settings):
    settings.ADUAN_CALENDAR_CACHE_SECONDS = 60
    with time_machine.travel(MONDAY, tick=False):
        early, _ = submit(world, reporter=world.citizen)
        CalendarDay.objects.create(date=TUESDAY, is_working_day=False, name="Libur daerah")
        moved = clocks.catch_up_correction(TUESDAY, None, MONDAY + datetime.timedelta(seconds=1))
    assert moved == 0
    assert _verification(early).due_at == datetime.datetime(2026, 7, 16, 10, tzinfo=WIB)


@pytest.mark.parametrize("remove", [False, True])
def test_a_correction_on_the_page_queues_the_catch_up_for_after_the_cache_age(
    world, client, settings, remove
):
    settings.ADUAN_CALENDAR_CACHE_SECONDS = 5
    client.force_login(world.national_admin)
    with time_machine.travel(MONDAY, tick=False):
        if remove:
            correction = CalendarDay.objects.create(
                date=TUESDAY, is_working_day=False, name="Libur daerah"
            )
            url = reverse("workspace:calendar_delete", kwargs={"pk": correction.pk})
            response = client.post(url)
        else:
            url = reverse("workspace:calendar_day_off")
            response = client.post(url, {"date": TUESDAY.isoformat(), "name": "Libur daerah"})
    assert response.status_code == 302
    queued = DBTaskResult.objects.get(task_path=catch_up_correction.module_path)
    assert queued.run_after == MONDAY + datetime.timedelta(seconds=6)
    day, was, since = queued.args_kwargs["args"]
    assert day == TUESDAY.isoformat()
    assert was is (False if remove else None)
    assert datetime.datetime.fromisoformat(since) == MONDAY - datetime.timedelta(seconds=6)
