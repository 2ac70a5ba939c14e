"""Dates, times and numbers read one way per language on every surface: day first with
the month as a word and a 24-hour clock ("6 Des 2026 14.48", "6 Dec 2026 14:48"), never
the US month/day order or a.m./p.m.; coordinates as a map takes them; months on charts
with their full year."""

from __future__ import annotations

import datetime

import pytest
from django import forms
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from aduan.analytics import formatting, recap, views
from aduan.channels.intake import Draft, submit_report
from aduan.reports.models import Status
from tests.personas import advance, report_at
from tests.test_dashboards import make_dated_reports
from tests.test_triage_duplicates import POTHOLE_BODY, POTHOLE_TITLE, places  # noqa: F401

WIB = datetime.timezone(datetime.timedelta(hours=7))
# A morning time, to see the leading zero of the hour.
SIXTH_OF_DECEMBER = datetime.datetime(2026, 12, 6, 7, 5, tzinfo=WIB)


def in_english(client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


# --- The format modules -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "name", "shown"),
    [
        ("id", "DATE_FORMAT", "6 Desember 2026"),
        ("id", "SHORT_DATE_FORMAT", "6 Des 2026"),
        ("id", "DATETIME_FORMAT", "6 Desember 2026 07.05"),
        ("id", "SHORT_DATETIME_FORMAT", "6 Des 2026 07.05"),
        ("id", "YEAR_MONTH_FORMAT", "Desember 2026"),
        ("en", "DATE_FORMAT", "6 December 2026"),
        ("en", "SHORT_DATE_FORMAT", "6 Dec 2026"),
        ("en", "DATETIME_FORMAT", "6 December 2026 07:05"),
        ("en", "SHORT_DATETIME_FORMAT", "6 Dec 2026 07:05"),
        ("en", "YEAR_MONTH_FORMAT", "December 2026"),
    ],
)
def test_each_language_writes_dates_day_first_on_a_24_hour_clock(language, name, shown):
    with translation.override(language):
        assert date_format(SIXTH_OF_DECEMBER.replace(tzinfo=None), name) == shown


@pytest.mark.parametrize("language", ["id", "en"])
def test_a_typed_date_is_read_day_first_and_a_date_field_shows_an_iso_date(language):
    with translation.override(language):
        assert forms.DateField().clean("06/12/2026") == datetime.date(2026, 12, 6)
        # <input type="date"> shows nothing unless its value is an ISO date.
        assert forms.DateInput().format_value(datetime.date(2026, 12, 6)) == "2026-12-06"


def test_the_inbox_shows_when_a_report_came_in_the_way_the_public_page_does(world, client):
    report = report_at(world, SIXTH_OF_DECEMBER)
    client.force_login(world.national_admin)

    indonesian = client.get(reverse("workspace:inbox")).content.decode()
    in_english(client)
    english = client.get(reverse("workspace:inbox")).content.decode()

    assert report.tracking_code in indonesian
    assert "6 Des 2026 07.05" in indonesian
    assert "6 Dec 2026 07:05" in english
    assert "12/06/2026" not in english and "a.m." not in english


def test_the_back_office_and_public_report_pages_write_dates_alike(world, client):
    report = advance(world, report_at(world, SIXTH_OF_DECEMBER), Status.DISPATCHED)
    in_english(client)
    public = client.get(reverse("portal:report", args=[report.tracking_code])).content.decode()
    client.force_login(world.national_admin)
    staff = client.get(reverse("workspace:report", args=[report.tracking_code])).content.decode()

    for page in (public, staff):
        assert "6 Dec 2026 07:05" in page
        assert "a.m." not in page and "p.m." not in page and "Dec." not in page


def test_coordinates_on_the_report_page_are_not_written_with_decimal_commas(world, client):
    draft = Draft(
        title=POTHOLE_TITLE,
        body=POTHOLE_BODY,
        category=world.potholes,
        latitude=-7.479748,
        longitude=109.238459,
    )
    report = submit_report(draft, reporter=world.citizen).report
    client.force_login(world.national_admin)

    page = client.get(reverse("workspace:report", args=[report.tracking_code])).content.decode()

    assert "-7.479748, 109.238459" in page  # Indonesian page; pasted as is into a map
    assert "-7,479748" not in page


def test_the_monitoring_page_says_when_its_figures_were_counted_without_a_double_stop(
    world, client
):
    make_dated_reports(world)
    in_english(client)
    client.force_login(world.national_admin)

    html = client.get(reverse("monev:dashboard"), {"month": "2026-01"}).content.decode()

    assert "Figures as of" in html
    assert ".." not in html.split("Figures as of", 1)[1].split("</span>", 1)[0]
    assert "Reports submitted from 1 Jan 2026" not in html  # the long form in sentences
    assert "Reports submitted from 1 January 2026 to 31 January 2026" in html


# --- Months on charts -------------------------------------------------------------------


@pytest.mark.parametrize(("language", "shown"), [("id", "Des 2025"), ("en", "Dec 2025")])
def test_a_month_on_a_chart_has_its_full_year(language, shown):
    with translation.override(language):
        assert formatting.chart_month(datetime.date(2025, 12, 1)) == shown


def test_the_dashboard_trend_names_months_with_their_year(world, client):
    make_dated_reports(world)  # December 2025 and January 2026
    in_english(client)
    client.force_login(world.national_admin)

    html = client.get(reverse("monev:dashboard"), {"month": "2026-01"}).content.decode()

    assert "Dec 2025" in html and "Jan 2026" in html
    assert "Dec 25" not in html and "Jan 26" not in html


def test_the_trend_charts_label_each_month_with_its_year(db):
    trend = [
        {
            "month": datetime.date(2025, 12, 1),
            "received": 9,
            "followed_up": 3,
            "follow_up_rate": 0.5,
            "median_verification_working_days": 1.0,
            "median_first_response_working_days": 2.0,
        }
    ]
    with translation.override("id"):
        summaries = " ".join(str(chart) for chart in views.trend_charts(trend))
    assert "Des 2025" in summaries
    assert "Des 25" not in summaries


# --- The recap PDF ----------------------------------------------------------------------


def test_a_recap_table_header_is_never_broken_inside_a_word():
    headers = ["Bulan", "Diterima", "Diverifikasi", "Ditindaklanjuti", "Tingkat tindak lanjut"]
    narrow = [100.0, 40.0, 40.0, 40.0, 40.0]

    widths = recap.header_widths(headers, narrow)

    word = recap.stringWidth("Ditindaklanjuti", "Helvetica-Bold", 8)
    assert widths[3] >= word + recap.CELL_PADDING
    assert sum(widths) == pytest.approx(sum(narrow))  # the table keeps its width
    assert widths[0] < narrow[0]  # the month column had room to spare


def test_a_recap_table_with_room_for_its_headers_keeps_its_widths():
    assert recap.header_widths(["Month", "Received"], [100.0, 80.0]) == [100.0, 80.0]


# --- Numbers ----------------------------------------------------------------------------


def test_a_share_has_no_space_before_the_percent_sign(db):
    with translation.override("en"):
        assert views.show(0.821, "share") == "82.1%"
        assert recap.fmt_value(0.821, recap.RATE) == "82.1%"
        assert recap.fmt_change(6, 4, recap.COUNT) == "+2 (+50.0%)"


def test_the_import_limit_is_written_with_thousands_grouped(world, client):
    in_english(client)
    client.force_login(world.national_admin)

    html = client.get(reverse("workspace:import")).content.decode()

    assert "up to 100,000 rows" in html


# --- Wording ----------------------------------------------------------------------------


def test_a_wrong_password_is_refused_in_plain_words(world, client):
    in_english(client)
    response = client.post(
        reverse("accounts:login"), {"username": world.citizen.email, "password": "wrong-one"}
    )
    html = response.content.decode()
    assert "Wrong email or password." in html
    assert "case-sensitive" not in html


def test_a_similar_report_with_one_supporter_says_supporter(client, world, places):  # noqa: F811
    draft = Draft(
        title=POTHOLE_TITLE,
        body=POTHOLE_BODY,
        region=places["village"],
        category=world.potholes,
    )
    shown = advance(world, submit_report(draft, reporter=world.citizen).report, Status.DISPATCHED)
    client.force_login(world.outsider)
    client.post(reverse("portal:report_action", args=[shown.tracking_code, "support"]))
    in_english(client)

    similar = client.post(
        reverse("portal:draft_checks"),
        {"title": POTHOLE_TITLE, "body": POTHOLE_BODY, "region": places["village"].code},
    ).json()["similar"]

    assert [item["supporters_text"] for item in similar] == ["1 supporter"]


def test_the_public_pages_name_the_completion_rate_as_the_dashboard_does(world, client):
    in_english(client)
    html = client.get(reverse("portal:organizations")).content.decode()
    with translation.override("en"):
        name = str(formatting.FIGURE_NAMES["completion_rate"])
    assert name == "Completion rate"
    assert f'<th scope="col">{name}</th>' in html
