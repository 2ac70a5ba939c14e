"""Overdue below me: the supervisors' list of late reports and their one-click reminders."""

from __future__ import annotations

import datetime
import re
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from aduan.deadlines.reminders import ReminderRefused, can_remind, remind_unit
from aduan.deadlines.scan import scan
from aduan.notifications.models import Kind, Medium, Notification, SupervisorReminder
from aduan.organizations.access import Access
from aduan.organizations.models import Membership
from aduan.reports import lifecycle
from aduan.reports.models import Status
from tests.personas import advance, as_user, submit

WIB = zoneinfo.ZoneInfo("Asia/Jakarta")
MONDAY = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=WIB)
# A week and a day later: first responses due on Monday 30 November are a day late.
TUESDAY_AFTER = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=WIB)
OVERDUE_URL = "/kantor/terlambat/"


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


def english(user=None) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    if user is not None:
        client.force_login(user)
    return client


def at_unit_a(world, title="Jalan berlubang di depan pasar"):
    report, _ = submit(world, reporter=world.citizen, title=title)
    return advance(world, report, Status.DISPATCHED)


def at_unit_b(world, title="Lampu lalu lintas mati"):
    report, _ = submit(world, reporter=world.citizen, title=title)
    lifecycle.dispatch(report, as_user(world.national_admin), world.agency)
    lifecycle.dispatch(report, as_user(world.agency_admin), world.unit_b)
    return report


@pytest.fixture
def late(world, clock):
    """Two late reports at unit A, one at unit B, one on time at unit A."""
    reports = {
        "a_old": at_unit_a(world, "Jalan rusak lama"),
        "b": at_unit_b(world),
    }
    clock.move_to(MONDAY + datetime.timedelta(hours=2))
    reports["a_new"] = at_unit_a(world, "Jalan rusak baru")
    clock.move_to(TUESDAY_AFTER - datetime.timedelta(days=1))
    reports["on_time"] = at_unit_a(world, "Baru masuk")
    clock.move_to(TUESDAY_AFTER)
    return reports


def _codes(html: str) -> list[str]:
    return re.findall(r'<tr data-code="([A-Z0-9-]+)"', html)


def _group(html: str, unit) -> str:
    return html.split(f'data-unit="{unit.pk}"')[1].split("</section>")[0]


# --- Who may remind whom -------------------------------------------------------------------


def test_admins_remind_units_below_them_and_supervisors_their_own_desk_too(world):
    supervisor, admin = Access.of(world.supervisor), Access.of(world.agency_admin)
    assert can_remind(supervisor, world.unit_a) and can_remind(admin, world.unit_b)
    # A regent may press his own agency's complaint desk; its admin does not remind himself.
    assert can_remind(supervisor, world.agency) and not can_remind(admin, world.agency)
    assert not can_remind(supervisor, world.other_agency)
    assert not can_remind(admin, world.other_agency)
    assert not can_remind(Access.of(world.liaison_a), world.unit_a)
    assert not can_remind(Access.of(world.other_admin), world.unit_a)
    assert can_remind(Access.of(world.national_admin), world.agency)


def test_a_reminder_lists_the_units_overdue_reports_and_reaches_its_liaison(world, late):
    reminder = remind_unit(world.unit_a, world.supervisor, "Mohon segera ditangani.")
    assert reminder.report_count == 2
    assert reminder.sent_by == world.supervisor and reminder.organization == world.unit_a
    rows = Notification.objects.filter(kind=Kind.REMINDER)
    assert {row.user for row in rows} == {world.liaison_a}
    assert {row.medium for row in rows} == {Medium.IN_APP, Medium.EMAIL}
    message = rows.get(medium=Medium.IN_APP)
    assert message.key == f"reminder{reminder.pk}:u{world.liaison_a.pk}:in_app"
    assert late["a_old"].tracking_code in message.body
    assert late["a_new"].tracking_code in message.body
    assert late["b"].tracking_code not in message.body
    assert late["on_time"].tracking_code not in message.body
    assert "Mohon segera ditangani." in message.body
    assert message.link.endswith(f"{OVERDUE_URL}?unit={world.unit_a.pk}")
    assert message.organization == world.unit_a


def test_a_unit_with_nothing_overdue_is_not_reminded(world, late):
    lifecycle.respond(late["b"], as_user(world.liaison_b), "Sedang kami tangani.")
    with translation.override("en"), pytest.raises(ReminderRefused, match="no overdue reports"):
        remind_unit(world.unit_b, world.supervisor)
    assert not SupervisorReminder.objects.exists()
    assert not Notification.objects.filter(kind=Kind.REMINDER).exists()


def test_a_late_reporter_reply_is_not_the_units_fault(world, clock):
    report = at_unit_a(world)
    lifecycle.respond(report, as_user(world.liaison_a), "Dijadwalkan.")
    lifecycle.complete(report, as_user(world.liaison_a), "Sudah.")
    clock.move_to(datetime.datetime(2026, 12, 18, 10, 0, tzinfo=WIB))  # reply clock passed
    with pytest.raises(ReminderRefused):
        remind_unit(world.unit_a, world.supervisor)


def test_one_reminder_per_unit_per_sender_per_hour(world, late, clock):
    remind_unit(world.unit_a, world.supervisor)
    clock.move_to(TUESDAY_AFTER + datetime.timedelta(minutes=40))
    with translation.override("en"), pytest.raises(ReminderRefused, match="already sent at 10:00"):
        remind_unit(world.unit_a, world.supervisor)
    with translation.override("id"), pytest.raises(ReminderRefused, match="pukul 10[.]00"):
        remind_unit(world.unit_a, world.supervisor)  # the time as Indonesian writes it
    remind_unit(world.unit_a, world.agency_admin)  # another sender may
    remind_unit(world.unit_b, world.supervisor)  # another unit may be reminded
    clock.move_to(TUESDAY_AFTER + datetime.timedelta(minutes=61))
    remind_unit(world.unit_a, world.supervisor)
    assert SupervisorReminder.objects.filter(organization=world.unit_a).count() == 3


def test_someone_who_may_not_remind_the_unit_is_refused(world, late):
    for sender, unit in [
        (world.liaison_a, world.unit_a),
        (world.agency_admin, world.agency),
        (world.other_admin, world.unit_a),
        (world.outsider, world.unit_a),
    ]:
        with pytest.raises(PermissionDenied):
            remind_unit(unit, sender)
    assert not SupervisorReminder.objects.exists()


def test_the_national_admin_may_remind_an_agency_about_its_whole_subtree(world, late):
    reminder = remind_unit(world.agency, world.national_admin)
    assert reminder.report_count == 3
    reached = set(Notification.objects.filter(kind=Kind.REMINDER).values_list("user", flat=True))
    assert reached == {world.agency_admin.pk}


# --- The overdue list ---------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(world):
    response = Client().get(OVERDUE_URL)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("who", ["outsider", "citizen", "auditor"])
def test_outsider_is_refused(world, who):
    assert english(getattr(world, who)).get(OVERDUE_URL).status_code == 403


def test_outsider_is_refused_sending_a_reminder(world, late):
    url = reverse("workspace:overdue_remind", args=[world.unit_a.pk])
    assert english(world.outsider).post(url).status_code == 403
    assert english(world.liaison_a).post(url).status_code == 403
    anonymous = Client().post(url)
    assert anonymous.status_code == 302 and reverse("accounts:login") in anonymous["Location"]
    assert not SupervisorReminder.objects.exists()


def test_the_supervisor_sees_late_reports_grouped_by_unit_oldest_first(world, late):
    response = english(world.supervisor).get(OVERDUE_URL)
    assert response.status_code == 200
    html = response.content.decode()
    unit_a = _group(html, world.unit_a)
    assert _codes(unit_a) == [late["a_old"].tracking_code, late["a_new"].tracking_code]
    assert 'data-count="2"' in unit_a
    assert "First response" in unit_a
    assert "overdue by 1 working day" in unit_a
    assert f'data-remind="{world.unit_a.pk}"' in unit_a
    assert _codes(_group(html, world.unit_b)) == [late["b"].tracking_code]
    assert late["on_time"].tracking_code not in html
    groups = [g["organization"] for g in response.context["groups"]]
    assert groups == [world.unit_a, world.unit_b]  # unit A's oldest is older


def test_a_liaison_sees_only_their_units_late_reports_and_no_reminder_button(world, late):
    html = english(world.liaison_a).get(OVERDUE_URL).content.decode()
    assert set(_codes(html)) == {late["a_old"].tracking_code, late["a_new"].tracking_code}
    assert "data-remind=" not in html


def test_an_admin_of_another_agency_sees_nothing_of_ours(world, late):
    response = english(world.other_admin).get(OVERDUE_URL)
    assert response.status_code == 200
    assert _codes(response.content.decode()) == []
    url = f"{OVERDUE_URL}?unit={world.unit_a.pk}"
    assert english(world.other_admin).get(url).status_code == 404


def test_filtering_to_one_unit_lists_all_its_late_reports(world, late):
    response = english(world.supervisor).get(OVERDUE_URL, {"unit": world.unit_b.pk})
    html = response.content.decode()
    assert _codes(html) == [late["b"].tracking_code]
    assert response.context["total"] == 1
    assert f'data-remind="{world.unit_b.pk}"' in html
    assert english(world.supervisor).get(OVERDUE_URL, {"unit": "x"}).status_code == 404


def test_the_national_queue_shows_as_its_own_group_without_a_reminder(world, clock):
    waiting, _ = submit(world, reporter=world.citizen)
    clock.move_to(TUESDAY_AFTER)
    html = english(world.national_admin).get(OVERDUE_URL).content.decode()
    group = html.split('data-unit="national"')[1].split("</section>")[0]
    assert _codes(group) == [waiting.tracking_code]
    assert "Verification" in group and "overdue by 3 working days" in group
    assert "data-remind=" not in group


def test_an_escalated_report_is_marked(world, late):
    scan()
    html = english(world.supervisor).get(OVERDUE_URL).content.decode()
    assert html.count('data-flag="escalated"') == 3


def _escalated_mark(client, report) -> bool:
    page = client.get(reverse("workspace:report", args=[report.tracking_code]))
    return 'data-flag="escalated"' in page.content.decode()


def test_a_fresh_dispatch_clears_the_escalated_mark_until_the_new_unit_is_late_too(
    world, late, clock
):
    scan()
    moved = late["a_old"]
    moved.refresh_from_db()
    client = english(world.supervisor)
    assert moved.is_escalated and _escalated_mark(client, moved)

    clock.move_to(TUESDAY_AFTER + datetime.timedelta(hours=1))
    lifecycle.dispatch(moved, as_user(world.agency_admin), world.unit_b)

    moved.refresh_from_db()
    assert moved.escalated_at is not None  # the escalation is kept, only no longer current
    assert not moved.is_escalated and not _escalated_mark(client, moved)
    # A week later unit B is late with it too: listed, but not escalated until the scan says so.
    clock.move_to(TUESDAY_AFTER + datetime.timedelta(days=8))
    unit_b = client.get(OVERDUE_URL, {"unit": world.unit_b.pk}).content.decode()
    row = unit_b.split(f'data-code="{moved.tracking_code}"')[1].split("</tr>")[0]
    assert 'data-flag="escalated"' not in row
    scan()
    unit_b = client.get(OVERDUE_URL, {"unit": world.unit_b.pk}).content.decode()
    row = unit_b.split(f'data-code="{moved.tracking_code}"')[1].split("</tr>")[0]
    assert 'data-flag="escalated"' in row


def test_an_archived_or_completed_report_is_no_longer_marked_escalated(world, late):
    scan()
    archived, completed = late["b"], late["a_new"]
    archived.refresh_from_db()
    completed.refresh_from_db()
    lifecycle.archive(
        archived, as_user(world.agency_admin), "out_of_scope", "Bukan urusan pemerintah daerah."
    )
    lifecycle.complete(completed, as_user(world.liaison_a), "Jalan sudah ditambal.")

    client = english(world.agency_admin)
    for report in (archived, completed):
        report.refresh_from_db()
        assert report.escalated_at is not None
        assert not report.is_escalated and not _escalated_mark(client, report)


def test_sending_a_reminder_from_the_list_confirms_and_records_it(world, late):
    client = english(world.supervisor)
    url = reverse("workspace:overdue_remind", args=[world.unit_a.pk])
    response = client.post(url, {"message": "Tolong dipercepat."}, follow=True)
    html = response.content.decode()
    assert "Reminder sent to Dinas Pekerjaan Umum about 2 overdue reports." in html
    reminder = SupervisorReminder.objects.get()
    assert reminder.message == "Tolong dipercepat."
    assert f'data-reminder="{reminder.pk}"' in html
    back = client.post(url, {"back_to_unit": "1"})
    assert back.status_code == 400  # within the hour: refused (see below), not redirected
    assert SupervisorReminder.objects.count() == 1


def _remind_form(html: str, unit) -> str:
    return html.split(f'data-remind="{unit.pk}"')[1].split("</form>")[0]


def test_a_reminder_refused_within_the_hour_keeps_the_message_and_says_why_by_the_form(world, late):
    client = english(world.supervisor)
    url = reverse("workspace:overdue_remind", args=[world.unit_a.pk])
    client.post(url, {"message": "Tolong dipercepat."})
    typed = "Sudah seminggu, mohon kabari saya hari ini & jangan ditunda lagi."

    response = client.post(url, {"message": typed})

    assert response.status_code == 400
    form = _remind_form(response.content.decode(), world.unit_a)
    assert "A reminder was already sent at 10:00. You can send another an hour later." in form
    assert (
        "Sudah seminggu, mohon kabari saya hari ini &amp; jangan ditunda lagi.</textarea>" in form
    )
    assert f'aria-describedby="remind-error-{world.unit_a.pk}"' in form
    # The unit's own page, with its late reports, so the supervisor can wait or go on.
    assert response.context["unit"] == world.unit_a
    assert _codes(response.content.decode()) == [
        late["a_old"].tracking_code,
        late["a_new"].tracking_code,
    ]
    assert SupervisorReminder.objects.count() == 1


def test_a_message_over_1000_characters_is_sent_back_whole_with_the_error_by_the_field(world, late):
    client = english(world.supervisor)
    url = reverse("workspace:overdue_remind", args=[world.unit_b.pk])
    long = "Mohon segera. " * 80  # 1,120 characters

    response = client.post(url, {"message": long})

    assert response.status_code == 400
    form = _remind_form(response.content.decode(), world.unit_b)
    assert f">{long}</textarea>" in form
    assert 'aria-invalid="true"' in form
    error = form.split(f'id="remind-message-{world.unit_b.pk}-error"')[1]
    assert "at most 1000 characters" in error
    assert not SupervisorReminder.objects.exists()


def test_a_reminder_to_a_unit_with_nothing_late_is_refused_on_its_page(world, clock):
    at_unit_b(world)  # on time
    response = english(world.supervisor).post(
        reverse("workspace:overdue_remind", args=[world.unit_b.pk]), {"message": "Cek ya."}
    )
    assert response.status_code == 400
    form = _remind_form(response.content.decode(), world.unit_b)
    assert "has no overdue reports; no reminder was sent." in form
    assert "Cek ya.</textarea>" in form


def test_someone_who_may_not_remind_is_refused_whatever_the_message(world, late):
    url = reverse("workspace:overdue_remind", args=[world.unit_a.pk])
    for user in (world.liaison_a, world.other_admin):
        assert english(user).post(url, {"message": "x" * 1001}).status_code == 403


def test_the_list_costs_the_same_queries_for_more_late_reports_and_units(world, clock):
    at_unit_a(world)
    clock.move_to(TUESDAY_AFTER)
    remind_unit(world.unit_a, world.supervisor)
    client = english(world.supervisor)
    with CaptureQueriesContext(connection) as few:
        client.get(OVERDUE_URL)
    clock.move_to(MONDAY)
    for n in range(8):
        at_unit_a(world, f"Jalan {n}")
        at_unit_b(world, f"Lampu {n}")
    clock.move_to(TUESDAY_AFTER + datetime.timedelta(hours=2))
    remind_unit(world.unit_b, world.supervisor)
    with CaptureQueriesContext(connection) as many:
        html = client.get(OVERDUE_URL).content.decode()
    assert len(_codes(html)) == 17
    assert len(many.captured_queries) == len(few.captured_queries) <= 12


def test_a_group_shows_its_oldest_ten_and_links_to_the_rest(world, clock):
    made = []
    for n in range(11):
        clock.move_to(MONDAY + datetime.timedelta(minutes=n))
        made.append(at_unit_a(world, f"Jalan {n}").tracking_code)
    clock.move_to(TUESDAY_AFTER)
    client = english(world.supervisor)
    group = _group(client.get(OVERDUE_URL).content.decode(), world.unit_a)
    assert _codes(group) == made[:10]
    assert f'href="?unit={world.unit_a.pk}">Show all 11' in group
    unit = client.get(OVERDUE_URL, {"unit": world.unit_a.pk}).content.decode()
    assert _codes(unit) == made


def test_a_unit_without_a_liaison_is_marked_and_the_reminder_says_it_reached_nobody_there(
    world, late
):
    Membership.objects.filter(user=world.liaison_b).update(is_active=False)
    client = english(world.supervisor)
    html = client.get(OVERDUE_URL).content.decode()
    assert "data-no-liaison" in _group(html, world.unit_b)
    assert "data-no-liaison" not in _group(html, world.unit_a)
    url = reverse("workspace:overdue_remind", args=[world.unit_b.pk])
    html = client.post(url, {}, follow=True).content.decode()
    assert "Reminder sent to Dinas Perhubungan" not in html
    assert (
        "Dinas Perhubungan has no active liaison officer: the reminder about 1 overdue report "
        "reached nobody at the unit. It went to Admin Kabupaten instead."
    ) in html


def test_urgent_late_reports_come_first_with_their_badge(world, clock):
    pothole = at_unit_a(world, "Jalan rusak lama")
    clock.move_to(MONDAY + datetime.timedelta(hours=2))
    flood, _ = submit(
        world, reporter=world.citizen, title="Banjir", body="Rumah warga kebanjiran sekarang."
    )
    advance(world, flood, Status.DISPATCHED)
    clock.move_to(TUESDAY_AFTER)

    grouped = english(world.supervisor).get(OVERDUE_URL).content.decode()
    one_unit = english(world.supervisor).get(OVERDUE_URL, {"unit": world.unit_a.pk})

    expected = [flood.tracking_code, pothole.tracking_code]
    assert _codes(_group(grouped, world.unit_a)) == expected
    assert _codes(one_unit.content.decode()) == expected
    assert 'data-urgency="flood"' in _group(grouped, world.unit_a)
