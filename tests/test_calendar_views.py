"""The back office's working-day calendar page, and the Django admin for deadlines."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from aduan.accounts.models import User
from aduan.deadlines import calendar
from aduan.deadlines.models import CalendarDay, Clock, Deadline
from tests.personas import submit

WIB = zoneinfo.ZoneInfo("Asia/Jakarta")
PAGE = reverse("workspace:calendar")
DAY_OFF = reverse("workspace:calendar_day_off")
WORKING_DAY = reverse("workspace:calendar_working_day")


def delete_url(correction: CalendarDay) -> str:
    return reverse("workspace:calendar_delete", kwargs={"pk": correction.pk})


@pytest.fixture
def correction(world):
    return CalendarDay.objects.create(
        date=datetime.date(2026, 7, 14),
        is_working_day=False,
        name="Hari libur daerah",
        created_by=world.national_admin,
    )


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _errors(response, form: str) -> list[str]:
    return [str(e) for errors in response.context[form].errors.values() for e in errors]


# --- Who may look --------------------------------------------------------------------


def test_national_admin_sees_the_years_national_days_in_indonesian(world, client_for):
    client = client_for(world.national_admin)
    client.cookies["django_language"] = "id"
    response = client.get(PAGE, {"year": 2026})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Hari Kemerdekaan Republik Indonesia" in html
    assert "Cuti Bersama Hari Raya Idul Fitri" in html
    days = {d.date: d for d in response.context["national_days"]}
    assert days[datetime.date(2026, 3, 23)].is_collective_leave
    assert not days[datetime.date(2026, 8, 17)].is_collective_leave
    assert days[datetime.date(2026, 3, 21)].is_weekend  # Idul Fitri on a Saturday
    assert list(days) == sorted(calendar.WorkingCalendar().holidays(2026))


def test_the_page_counts_the_years_working_days_after_corrections(world, client_for, correction):
    response = client_for(world.national_admin).get(PAGE, {"year": 2026})
    plain = calendar.WorkingCalendar().working_days_in(
        datetime.date(2026, 1, 1), datetime.date(2027, 1, 1)
    )
    assert response.context["working_days"] == plain - 1
    assert f"2026 has {plain - 1} working days" in response.content.decode()


def test_the_page_lists_this_installations_corrections_of_the_chosen_year_only(
    world, client_for, correction
):
    CalendarDay.objects.create(date=datetime.date(2027, 2, 1), is_working_day=False, name="Lain")
    response = client_for(world.national_admin).get(PAGE, {"year": 2026})
    assert response.context["corrections"] == [correction]
    html = response.content.decode()
    assert f'data-correction="{correction.pk}"' in html and "Hari libur daerah" in html
    assert "Admin Nasional" in html


def test_a_cancelled_collective_leave_is_shown_as_a_working_day_after_all(world, client_for):
    CalendarDay.objects.create(date=datetime.date(2026, 12, 24), is_working_day=True, name="Batal")
    response = client_for(world.national_admin).get(PAGE, {"year": 2026})
    days = {d.date: d for d in response.context["national_days"]}
    assert days[datetime.date(2026, 12, 24)].correction.name == "Batal"
    assert 'data-state="working"' in response.content.decode()


def test_the_page_shows_the_current_year_by_default_with_links_either_side(world, client_for):
    with time_machine.travel(datetime.datetime(2027, 3, 1, 9, tzinfo=WIB), tick=False):
        response = client_for(world.liaison_a).get(PAGE)
    assert response.context["year"] == 2027
    html = response.content.decode()
    assert f'href="{PAGE}?year=2026"' in html and f'href="{PAGE}?year=2028"' in html
    assert "New Year" in html and "Tahun Baru" not in html  # the reader chose English


def test_national_days_are_named_in_english_for_who_chose_english(world, client_for):
    html = client_for(world.national_admin).get(PAGE, {"year": 2026}).content.decode()
    assert "Independence Day" in html
    assert "Hari Kemerdekaan" not in html


def test_the_first_and_last_years_have_no_link_beyond_them(world, client_for):
    client = client_for(world.national_admin)
    assert client.get(PAGE, {"year": 2000}).context["previous_year"] is None
    last = client.get(PAGE, {"year": 2100})
    assert last.context["next_year"] is None and last.context["previous_year"] == 2099


@pytest.mark.parametrize("year", ["1999", "2101", "dua ribu"])
def test_a_year_outside_the_calendar_is_not_found(world, client_for, year):
    assert client_for(world.national_admin).get(PAGE, {"year": year}).status_code == 404


@pytest.mark.parametrize("persona", ["agency_admin", "liaison_a", "supervisor", "auditor"])
def test_other_officers_see_the_calendar_read_only(world, client_for, correction, persona):
    response = client_for(getattr(world, persona)).get(PAGE, {"year": 2026})
    assert response.status_code == 200
    assert response.context["can_change"] is False
    assert response.context["day_off_form"] is None
    html = response.content.decode()
    assert "Hari libur daerah" in html
    assert DAY_OFF not in html and WORKING_DAY not in html and delete_url(correction) not in html


def test_national_admin_gets_both_forms_and_remove_buttons(world, client_for, correction):
    html = client_for(world.national_admin).get(PAGE, {"year": 2026}).content.decode()
    assert f'action="{DAY_OFF}?year=2026"' in html
    assert f'action="{WORKING_DAY}?year=2026"' in html
    assert f'action="{delete_url(correction)}"' in html


def test_only_national_admins_get_the_navigation_link(world, client_for):
    assert f'href="{PAGE}"' in client_for(world.national_admin).get(PAGE).content.decode()
    assert f'href="{PAGE}"' not in client_for(world.agency_admin).get(PAGE).content.decode()


@pytest.mark.parametrize("persona", ["citizen", "outsider"])
def test_outsider_is_refused(world, client_for, persona):
    assert client_for(getattr(world, persona)).get(PAGE).status_code == 403


def test_anonymous_visitor_is_sent_to_sign_in(world, client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_the_page_costs_a_handful_of_queries(
    world, client_for, correction, django_assert_max_num_queries
):
    client = client_for(world.national_admin)
    with django_assert_max_num_queries(8):
        client.get(PAGE, {"year": 2026})


# --- Who may change it ---------------------------------------------------------------


@pytest.mark.parametrize("persona", ["agency_admin", "liaison_a", "outsider", "citizen"])
def test_only_national_admins_may_add_a_day_off(world, client_for, persona):
    response = client_for(getattr(world, persona)).post(
        DAY_OFF, {"date": "2026-07-15", "name": "Hari libur daerah"}
    )
    assert response.status_code == 403
    assert not CalendarDay.objects.exists()


@pytest.mark.parametrize("persona", ["agency_admin", "outsider"])
def test_only_national_admins_may_add_a_working_day(world, client_for, persona):
    response = client_for(getattr(world, persona)).post(
        WORKING_DAY, {"date": "2026-12-24", "name": "Batal"}
    )
    assert response.status_code == 403
    assert not CalendarDay.objects.exists()


@pytest.mark.parametrize("persona", ["agency_admin", "liaison_a", "outsider"])
def test_only_national_admins_may_remove_a_correction(world, client_for, correction, persona):
    response = client_for(getattr(world, persona)).post(delete_url(correction))
    assert response.status_code == 403
    assert CalendarDay.objects.filter(pk=correction.pk).exists()


def test_anonymous_changes_are_sent_to_sign_in(world, client, correction):
    assert client.post(DAY_OFF, {"date": "2026-07-15", "name": "X"}).status_code == 302
    assert client.post(delete_url(correction)).status_code == 302
    assert CalendarDay.objects.count() == 1


def test_changes_need_post(world, client_for, correction):
    client = client_for(world.national_admin)
    assert client.get(DAY_OFF).status_code == 405
    assert client.get(delete_url(correction)).status_code == 405


# --- Changing it ---------------------------------------------------------------------


def test_national_admin_adds_a_day_off(world, client_for):
    client = client_for(world.national_admin)
    response = client.post(
        f"{DAY_OFF}?year=2026", {"date": "2026-07-15", "name": "Hari libur daerah"}, follow=True
    )
    assert response.redirect_chain == [(f"{PAGE}?year=2026", 302)]
    added = CalendarDay.objects.get()
    assert (added.date, added.is_working_day, added.name) == (
        datetime.date(2026, 7, 15),
        False,
        "Hari libur daerah",
    )
    assert added.created_by == world.national_admin
    assert _messages(response) == ["Wednesday, 15 July 2026 is now a day off (Hari libur daerah)."]
    assert not calendar.current().is_working_day(datetime.date(2026, 7, 15))


def test_national_admin_makes_a_cancelled_collective_leave_a_working_day(world, client_for):
    client = client_for(world.national_admin)
    response = client.post(WORKING_DAY, {"date": "2026-12-24", "name": "Cuti bersama batal"})
    assert response.status_code == 302
    assert response["Location"] == f"{PAGE}?year=2026"
    added = CalendarDay.objects.get()
    assert added.is_working_day and added.date == datetime.date(2026, 12, 24)
    assert calendar.current().is_working_day(datetime.date(2026, 12, 24))


def test_the_redirect_goes_to_the_year_of_the_added_day(world, client_for):
    client = client_for(world.national_admin)
    response = client.post(f"{DAY_OFF}?year=2026", {"date": "2027-03-16", "name": "Tambahan"})
    assert response["Location"] == f"{PAGE}?year=2027"


def test_national_admin_removes_a_correction(world, client_for, correction):
    response = client_for(world.national_admin).post(delete_url(correction), follow=True)
    assert response.redirect_chain == [(f"{PAGE}?year=2026", 302)]
    assert not CalendarDay.objects.exists()
    assert "national calendar applies again" in _messages(response)[0]
    assert calendar.current().is_working_day(datetime.date(2026, 7, 14))


def test_removing_a_correction_that_is_gone_is_not_found(world, client_for, correction):
    url = delete_url(correction)
    correction.delete()
    assert client_for(world.national_admin).post(url).status_code == 404


# --- Bad input -----------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["1999-12-31", "2101-01-01"])
def test_a_date_outside_the_calendar_is_refused_and_the_text_kept(world, client_for, typed):
    response = client_for(world.national_admin).post(
        f"{DAY_OFF}?year=2026", {"date": typed, "name": "Libur khusus"}
    )
    assert response.status_code == 400
    assert _errors(response, "day_off_form") == ["Choose a date between 2000 and 2100."]
    html = response.content.decode()
    assert f'value="{typed}"' in html and 'value="Libur khusus"' in html
    assert "<details open>" in html
    assert response.context["year"] == 2026
    assert not CalendarDay.objects.exists()


def test_a_date_that_already_has_a_correction_is_refused(world, client_for, correction):
    response = client_for(world.national_admin).post(
        f"{DAY_OFF}?year=2026", {"date": "2026-07-14", "name": "Libur lagi"}
    )
    assert response.status_code == 400
    assert _errors(response, "day_off_form") == [
        "Tuesday, 14 July 2026 already has a correction (“Hari libur daerah”). "
        "Remove it first to change it."
    ]
    assert 'value="Libur lagi"' in response.content.decode()
    assert CalendarDay.objects.get().name == "Hari libur daerah"


def test_an_empty_description_is_refused_and_the_date_kept(world, client_for):
    response = client_for(world.national_admin).post(
        WORKING_DAY, {"date": "2026-12-24", "name": "  "}
    )
    assert response.status_code == 400
    assert _errors(response, "working_day_form") == [
        "Describe the day, for example “Cuti bersama Idul Fitri”."
    ]
    assert 'value="2026-12-24"' in response.content.decode()
    assert not CalendarDay.objects.exists()


def test_a_date_that_does_not_exist_is_refused(world, client_for):
    response = client_for(world.national_admin).post(
        DAY_OFF, {"date": "2026-02-30", "name": "Libur"}
    )
    assert response.status_code == 400
    assert _errors(response, "day_off_form") == ["Enter a valid date."]
    assert 'value="2026-02-30"' in response.content.decode()


def test_a_day_off_on_a_day_that_is_already_off_is_refused(world, client_for):
    client = client_for(world.national_admin)
    holiday = client.post(DAY_OFF, {"date": "2026-08-17", "name": "Libur"})
    assert _errors(holiday, "day_off_form") == [
        "Monday, 17 August 2026 is already a day off: Independence Day."
    ]
    saturday = client.post(DAY_OFF, {"date": "2026-07-11", "name": "Libur"})
    assert _errors(saturday, "day_off_form") == [
        "Saturday, 11 July 2026 is already a day off: weekend."
    ]
    assert not CalendarDay.objects.exists()


def test_making_an_ordinary_working_day_a_working_day_is_refused(world, client_for):
    response = client_for(world.national_admin).post(
        WORKING_DAY, {"date": "2026-07-14", "name": "Masuk"}
    )
    assert response.status_code == 400
    assert _errors(response, "working_day_form") == [
        "Tuesday, 14 July 2026 is already a working day."
    ]
    assert response.context["day_off_form"].is_bound is False


# --- New deadlines follow the calendar -----------------------------------------------


def _verification_due(world) -> datetime.datetime:
    report, _ = submit(world, reporter=world.citizen)
    report.refresh_from_db()
    assert report.due_clock == Clock.VERIFICATION
    assert Deadline.objects.running().get(report=report).due_at == report.due_at
    return report.due_at


def test_a_day_off_added_on_the_page_moves_new_verification_deadlines(world, client_for):
    with time_machine.travel(datetime.datetime(2026, 7, 13, 10, tzinfo=WIB), tick=False):
        client = client_for(world.national_admin)  # signed in then, so the session is fresh
        assert _verification_due(world) == datetime.datetime(2026, 7, 16, 10, tzinfo=WIB)
        response = client.post(DAY_OFF, {"date": "2026-07-14", "name": "Hari libur daerah"})
        assert response.status_code == 302 and CalendarDay.objects.exists()
        assert _verification_due(world) == datetime.datetime(2026, 7, 17, 10, tzinfo=WIB)
    # The running deadline keeps its three working days, counted on the corrected calendar.
    first = Deadline.objects.order_by("started_at", "id").first()
    assert first.due_at == datetime.datetime(2026, 7, 17, 10, tzinfo=WIB)
    assert first.report.due_at == first.due_at


def test_a_cancelled_collective_leave_brings_new_deadlines_forward(world, client_for):
    with time_machine.travel(datetime.datetime(2026, 12, 23, 10, tzinfo=WIB), tick=False):
        client = client_for(world.national_admin)
        assert _verification_due(world) == datetime.datetime(2026, 12, 30, 10, tzinfo=WIB)
        response = client.post(WORKING_DAY, {"date": "2026-12-24", "name": "Cuti bersama batal"})
        assert response.status_code == 302 and CalendarDay.objects.exists()
        assert _verification_due(world) == datetime.datetime(2026, 12, 29, 10, tzinfo=WIB)
        assert client.post(delete_url(CalendarDay.objects.get())).status_code == 302
        assert _verification_due(world) == datetime.datetime(2026, 12, 30, 10, tzinfo=WIB)


# --- Django admin --------------------------------------------------------------------


@pytest.fixture
def admin_client(client, db):
    root = User.objects.create_superuser("root@example.id", "pw", full_name="Pengelola Sistem")
    client.force_login(root)
    client.root = root
    return client


def test_admin_lists_calendar_corrections_and_deadlines(admin_client, world, correction):
    with time_machine.travel(datetime.datetime(2026, 7, 13, 10, tzinfo=WIB), tick=False):
        submit(world, reporter=world.citizen)
    for model in ("calendarday", "deadline"):
        response = admin_client.get(reverse(f"admin:deadlines_{model}_changelist"))
        assert response.status_code == 200, model
    deadline = Deadline.objects.get()
    assert (
        admin_client.get(reverse("admin:deadlines_deadline_change", args=[deadline.pk])).status_code
        == 200
    )


def test_admin_records_who_added_a_calendar_correction(admin_client, world):
    response = admin_client.post(
        reverse("admin:deadlines_calendarday_add"),
        {"date": "2026-07-15", "is_working_day": "", "name": "Hari libur daerah"},
    )
    assert response.status_code == 302
    assert CalendarDay.objects.get().created_by == admin_client.root


def test_admin_never_writes_deadlines(admin_client, world):
    with time_machine.travel(datetime.datetime(2026, 7, 13, 10, tzinfo=WIB), tick=False):
        submit(world, reporter=world.citizen)
    deadline = Deadline.objects.get()
    due = deadline.due_at
    assert admin_client.get(reverse("admin:deadlines_deadline_add")).status_code == 403
    url = reverse("admin:deadlines_deadline_change", args=[deadline.pk])
    admin_client.post(url, {"due_at_0": "2030-01-01", "due_at_1": "00:00:00"})
    deadline.refresh_from_db()
    assert deadline.due_at == due
    assert (
        admin_client.get(reverse("admin:deadlines_deadline_delete", args=[deadline.pk])).status_code
        == 403
    )


def test_a_correction_in_the_admin_moves_running_deadlines_as_the_page_does(admin_client, world):
    with time_machine.travel(datetime.datetime(2026, 7, 13, 10, tzinfo=WIB), tick=False):
        submit(world, reporter=world.citizen)
        response = admin_client.post(
            reverse("admin:deadlines_calendarday_add"),
            {"date": "2026-07-14", "is_working_day": "", "name": "Hari libur daerah"},
        )
        assert response.status_code == 302
        assert Deadline.objects.get().due_at == datetime.datetime(2026, 7, 17, 10, tzinfo=WIB)
        correction = CalendarDay.objects.get()
        url = reverse("admin:deadlines_calendarday_change", args=[correction.pk])
        response = admin_client.post(
            url, {"date": "2026-07-20", "is_working_day": "", "name": "Hari libur daerah"}
        )
        assert response.status_code == 302
        # Moved off the deadline's span: back to Thursday.
        assert Deadline.objects.get().due_at == datetime.datetime(2026, 7, 16, 10, tzinfo=WIB)
        url = reverse("admin:deadlines_calendarday_delete", args=[correction.pk])
        assert admin_client.post(url, {"post": "yes"}).status_code == 302
        assert not CalendarDay.objects.exists()
    assert Deadline.objects.get().report.due_at == datetime.datetime(2026, 7, 16, 10, tzinfo=WIB)
