"""Countdowns in plain words wherever a report appears, and the inbox sorted by deadline."""

from __future__ import annotations

import datetime
import re
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from aduan.deadlines.calendar import WorkingCalendar
from aduan.deadlines.models import Clock
from aduan.deadlines.presenters import OK, OVERDUE, SOON, countdown
from aduan.reports import lifecycle
from aduan.reports.models import Report, Status
from tests.personas import advance, as_user, submit

WIB = zoneinfo.ZoneInfo("Asia/Jakarta")
MONDAY = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=WIB)


def at(day: int, hour: int = 9, minute: int = 0, tz=WIB) -> datetime.datetime:
    return datetime.datetime(2026, 11, day, hour, minute, tzinfo=tz)


@pytest.fixture
def cal():
    return WorkingCalendar()


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def english(client: Client, user=None) -> Client:
    client.cookies["django_language"] = "en"
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


def _codes(html: str) -> list[str]:
    return re.findall(r'<tr data-code="([A-Z0-9-]+)"', html)


# --- The words --------------------------------------------------------------------------


def test_whole_working_days_left_are_counted_down_and_rounded_down(cal):
    result = countdown(at(26), Clock.VERIFICATION, now=at(23), cal=cal)
    assert (result.text, result.state) == ("3 working days left", OK)
    assert result.working_days == pytest.approx(3)
    rounded = countdown(at(26), Clock.VERIFICATION, now=at(23, 15), cal=cal)
    assert rounded.text == "2 working days left"


def test_one_working_day_left_is_singular(cal):
    result = countdown(at(26, 21), Clock.COMPLETION, now=at(25, 9), cal=cal)
    assert (result.text, result.state) == ("1 working day left", OK)


def test_soon_means_within_the_reminder_lead_time(cal, settings):
    settings.ADUAN_REMIND_BEFORE_DAYS = 2
    result = countdown(at(26, 21), Clock.COMPLETION, now=at(25, 9), cal=cal)
    assert (result.text, result.state) == ("1 working day left", SOON)
    assert countdown(at(30), Clock.COMPLETION, now=at(25, 9), cal=cal).state == OK


def test_a_deadline_later_today_says_due_today(cal):
    result = countdown(at(25, 17), Clock.FIRST_RESPONSE, now=at(25, 9), cal=cal)
    assert (result.text, result.state) == ("due today", SOON)


def test_under_a_working_day_that_ends_tomorrow_is_less_than_a_day(cal):
    result = countdown(at(26, 8), Clock.FIRST_RESPONSE, now=at(25, 10), cal=cal)
    assert (result.text, result.state) == ("less than a working day left", SOON)


def test_weekends_do_not_count_as_time_left(cal):
    friday = at(27)
    result = countdown(at(30), Clock.COMPLETION, now=friday, cal=cal)
    assert result.text == "1 working day left"


def test_overdue_is_counted_in_whole_working_days(cal):
    # Due Thursday 09:00; the next Monday 10:00 is 15 + 24 + 10 working hours later.
    result = countdown(at(26), Clock.COMPLETION, now=at(30, 10), cal=cal)
    assert (result.text, result.state) == ("overdue by 2 working days", OVERDUE)
    assert result.working_days < -2
    one = countdown(at(26), Clock.COMPLETION, now=at(27, 10), cal=cal)
    assert one.text == "overdue by 1 working day"


def test_a_deadline_passed_earlier_today_is_overdue_since_today(cal):
    result = countdown(at(26, 9), Clock.VERIFICATION, now=at(26, 11), cal=cal)
    assert (result.text, result.state) == ("overdue since today", OVERDUE)


def test_a_deadline_passed_before_the_weekend_is_late_by_less_than_a_day(cal):
    result = countdown(at(27, 15), Clock.VERIFICATION, now=at(28, 12), cal=cal)
    assert (result.text, result.state) == ("overdue by less than a working day", OVERDUE)


def test_reporter_clocks_say_what_happens_automatically(cal):
    reply = countdown(at(30), Clock.REPORTER_REPLY, now=at(23), cal=cal)
    assert reply.text == "closes automatically in 5 working days"
    missing = countdown(at(24), Clock.MISSING_INFORMATION, now=at(23), cal=cal)
    assert missing.text == "archived automatically in 1 working day"
    soon = countdown(at(23, 18), Clock.REPORTER_REPLY, now=at(23, 9), cal=cal)
    assert soon.text == "closes automatically within a working day"


def test_in_indonesian_a_report_awaiting_the_reply_is_closed_automatically_not_selesai(cal):
    # "Selesai" is the status's name; the clock says what happens: it is closed (ditutup).
    with translation.override("id"):
        reply = countdown(at(30), Clock.REPORTER_REPLY, now=at(23), cal=cal)
        soon = countdown(at(23, 18), Clock.REPORTER_REPLY, now=at(23, 9), cal=cal)
    assert reply.text == "ditutup otomatis dalam 5 hari kerja"
    assert soon.text == "ditutup otomatis dalam waktu kurang dari satu hari kerja"


def test_the_organizations_time_zone_decides_what_counts_as_a_working_day(cal):
    # Friday 23:00 in Jakarta is already Saturday 01:00 in Jayapura.
    now = at(27, 23)
    due = datetime.datetime(2026, 11, 30, 2, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Jayapura"))
    papua = countdown(due, Clock.COMPLETION, now=now, tz="Asia/Jayapura", cal=cal)
    java = countdown(due, Clock.COMPLETION, now=now, tz="Asia/Jakarta", cal=cal)
    assert papua.working_days == pytest.approx(2 / 24)
    assert java.working_days == pytest.approx(1 / 24)


# --- Where reports appear -------------------------------------------------------------------


def test_inbox_rows_show_each_reports_countdown(world, clock):
    report, _ = submit(world, reporter=world.citizen)
    advance(world, report, Status.DISPATCHED)
    client = english(Client(), world.liaison_a)
    html = client.get(reverse("workspace:inbox")).content.decode()
    assert 'data-countdown="ok"' in html
    assert "5 working days left" in html  # first response, due next Monday
    clock.move_to(at(30, 11))
    late = client.get(reverse("workspace:inbox")).content.decode()
    assert 'data-countdown="overdue"' in late
    assert "overdue since today" in late


def test_inbox_and_overdue_rows_write_the_due_time_beside_the_countdown(world, clock):
    report, _ = submit(world, reporter=world.citizen)
    advance(world, report, Status.DISPATCHED)
    report.refresh_from_db()
    due = report.due_at.astimezone(WIB)
    client = english(Client(), world.liaison_a)
    html = client.get(reverse("workspace:inbox")).content.decode()
    # Visible text, not only a tooltip the keyboard cannot reach.
    assert f'<time class="hint countdown-due" datetime="{due.isoformat()}">' in html
    clock.move_to(at(30, 11))
    overdue = english(Client(), world.supervisor).get(reverse("workspace:overdue"))
    assert 'class="hint countdown-due"' in overdue.content.decode()


def test_report_page_lists_running_clocks_and_stopped_ones_with_their_outcome(world, clock):
    report, _ = submit(world, reporter=world.citizen)
    clock.move_to(at(24))
    advance(world, report, Status.DISPATCHED)
    client = english(Client(), world.liaison_a)
    html = client.get(reverse("workspace:report", args=[report.tracking_code])).content.decode()
    section = html.split('id="deadlines"')[1].split("</section>")[0]
    assert 'data-clock="first_response" data-running="yes"' in section
    assert 'data-clock="completion" data-running="yes"' in section
    assert 'data-clock="verification" data-running="no"' in section
    assert "Met" in section
    assert "5 working days left" in section and "14 working days left" in section


def test_my_reports_shows_the_reporter_when_the_organization_must_answer(world, clock):
    report, _ = submit(world, reporter=world.citizen)
    advance(world, report, Status.DISPATCHED)
    html = english(Client(), world.citizen).get(reverse("portal:my_reports")).content.decode()
    assert "Being handled: " in html
    assert "5 working days left" in html


def test_a_report_not_yet_verified_is_being_verified_not_handled(world, clock):
    report, _ = submit(world, reporter=world.citizen)
    client = english(Client(), world.citizen)

    listed = client.get(reverse("portal:my_reports")).content.decode()
    page = client.get(reverse("portal:report", args=[report.tracking_code])).content.decode()

    for html in (listed, page):
        assert "Being verified" in html and "Being handled" not in html


def test_my_reports_costs_the_same_queries_for_many_reports(world, clock):
    client = english(Client(), world.citizen)

    def make(count):
        for n in range(count):
            advance(
                world, submit(world, reporter=world.citizen, title=f"Lapor {n}")[0], "dispatched"
            )

    make(2)
    with CaptureQueriesContext(connection) as two:
        client.get(reverse("portal:my_reports"))
    make(10)
    with CaptureQueriesContext(connection) as twelve:
        html = client.get(reverse("portal:my_reports")).content.decode()
    assert html.count("data-countdown=") == 12
    assert len(twelve.captured_queries) == len(two.captured_queries)


def test_the_reporter_sees_a_plain_handling_clock_and_their_own_clocks(world, clock):
    report, _ = submit(world, reporter=world.citizen)
    advance(world, report, Status.DISPATCHED)
    url = reverse("portal:report", args=[report.tracking_code])
    html = english(Client(), world.citizen).get(url).content.decode()
    block = html.split("data-deadlines")[1].split("</div>")[0]
    assert "Being handled" in block
    assert block.count("<dt") == 1  # one plain clock, not first response and completion
    assert "5 working days left" in block
    lifecycle.complete(report, as_user(world.liaison_a), "Sudah ditambal.")
    html = english(Client(), world.citizen).get(url).content.decode()
    block = html.split("data-deadlines")[1].split("</div>")[0]
    assert "Your reply" in block
    assert "closes automatically in 10 working days" in block


def test_visitors_of_a_public_report_see_no_deadlines(world, clock):
    report, _ = submit(world, reporter=world.citizen)
    advance(world, report, Status.DISPATCHED)
    url = reverse("portal:report", args=[report.tracking_code])
    assert english(Client()).get(url).status_code == 200
    assert "data-deadlines" not in english(Client()).get(url).content.decode()
    assert "data-deadlines" not in english(Client(), world.outsider).get(url).content.decode()


# --- Sorting the inbox -------------------------------------------------------------------


def test_work_queues_are_sorted_urgent_first_then_by_deadline_by_default(world, clock):
    first, _ = submit(world, title="Pertama")
    second, _ = submit(world, title="Kedua")
    advance(world, first, Status.DISPATCHED)  # first response due next Monday
    clock.move_to(at(24))
    advance(world, second, Status.DISPATCHED)  # due next Tuesday
    client = english(Client(), world.liaison_a)
    response = client.get(reverse("workspace:inbox"), {"tab": "follow_up"})
    assert response.context["sort"] == "urgent"
    assert _codes(response.content.decode()) == [first.tracking_code, second.tracking_code]
    newest = client.get(reverse("workspace:inbox"), {"tab": "follow_up", "sort": "newest"})
    assert _codes(newest.content.decode()) == [second.tracking_code, first.tracking_code]
    assert 'value="urgent" selected' in response.content.decode()


def test_the_all_tab_stays_newest_first_and_puts_finished_reports_last_by_deadline(world, clock):
    done, _ = submit(world, title="Selesai")
    advance(world, done, Status.ARCHIVED)
    clock.move_to(at(24))
    waiting, _ = submit(world, title="Menunggu")
    client = english(Client(), world.national_admin)
    default = client.get(reverse("workspace:inbox"), {"tab": "all"})
    assert default.context["sort"] == "newest"
    assert _codes(default.content.decode()) == [waiting.tracking_code, done.tracking_code]
    by_deadline = client.get(reverse("workspace:inbox"), {"tab": "all", "sort": "deadline"})
    assert _codes(by_deadline.content.decode()) == [waiting.tracking_code, done.tracking_code]
    assert Report.objects.get(pk=done.pk).due_at is None


def test_paging_by_deadline_shows_every_report_once_in_deadline_order(world, clock):
    made = []
    for n in range(30):
        clock.move_to(MONDAY + datetime.timedelta(minutes=30 - n))  # newest submitted first
        made.append(submit(world, title=f"Laporan {n}")[0].tracking_code)
    client = english(Client(), world.national_admin)
    inbox = reverse("workspace:inbox")
    first = client.get(inbox, {"tab": "verify", "per_page": 25})
    assert first.context["page"].has_next
    assert "page=2" in first.context["next_query"] and "sort" not in first.context["next_query"]
    second = client.get(inbox, {"tab": "verify", "per_page": 25, "page": 2})
    seen = _codes(first.content.decode()) + _codes(second.content.decode())
    assert seen == list(reversed(made))  # submitted first, due first
    assert not second.context["page"].has_next


def test_a_deadline_ending_with_a_day_is_shown_as_that_days_last_minute(world):
    # Sent on a Saturday: verification counts from Monday and ends with Wednesday, stored
    # as the midnight after it (Thursday 00:00).
    with time_machine.travel(datetime.datetime(2026, 11, 21, 10, 0, tzinfo=WIB), tick=False):
        report, _ = submit(world, reporter=world.citizen, suggested_organization=world.agency)
    report.refresh_from_db()
    assert report.due_at == datetime.datetime(2026, 11, 26, 0, 0, tzinfo=WIB)
    staff = english(Client(), world.agency_admin)
    citizen = english(Client(), world.citizen)

    with time_machine.travel(datetime.datetime(2026, 11, 23, 10, 0, tzinfo=WIB), tick=False):
        pages = [
            staff.get(reverse("workspace:report", args=[report.tracking_code])),
            citizen.get(reverse("portal:report", args=[report.tracking_code])),
        ]

    for page in pages:
        html = page.content.decode()
        assert "25 Nov 2026 23:59" in html
        assert "26 Nov 2026 00:00" not in html  # not in the countdown's title either
