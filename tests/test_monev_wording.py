"""How the monitoring figures are rounded, named, defined and compared, the same on the
dashboard, in its exports and in the recap PDF: a regent reading a figure on screen and
on paper must read the same number under the same name."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from aduan.analytics import formatting, recap, views
from aduan.analytics.formatting import FIGURE_NAMES
from aduan.analytics.metrics import Period
from tests.test_dashboards import WIB, make_dated_reports, page
from tests.test_monev_exports import csv_sections, download

# The dated fixture's reports are in December 2025 and January 2026.
SEVENTH_OF_FEBRUARY = datetime.datetime(2026, 2, 7, 10, tzinfo=WIB)


@pytest.fixture
def dated(world):
    return make_dated_reports(world)


def in_english(client) -> None:
    """Pages in English, so that tests hold before and after the translations change."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


# --- Rounding ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "digits", "shown"),
    [
        (38.05, 1, "38.1"),  # number_format would cut it to 38.0
        (4.15, 1, "4.2"),
        (0.145 * 100, 0, "15"),  # 14.499999999999998 in floating point
        (-2.25, 1, "-2.3"),
        (-0.04, 1, "0.0"),  # never "-0.0"
        (1234.56, 1, "1,234.6"),
    ],
)
def test_figures_are_rounded_half_up(value, digits, shown):
    with translation.override("en"):
        assert formatting.number(value, digits) == shown


def test_the_dashboard_and_the_recap_write_a_figure_alike(db):
    with translation.override("id"):
        assert views.show(0.3805, "share") == "38,1%"
        assert recap.fmt_value(0.3805, recap.RATE) == "38,1%"
        assert views.show(4.15, "working_days").startswith("4,2 ")
        assert recap.fmt_value(4.15, recap.DAYS) == "4,2"


def test_a_change_that_rounds_to_nothing_has_no_sign(db):
    row = {"change": -0.0004, "unit": "share", "previous": 0.5}
    with translation.override("en"):
        assert views.show_change(row) == "0.0 pp"
        assert recap.fmt_change(0.5, 0.5004, recap.RATE) == "0.0 pp"  # as on the dashboard


# --- One name per figure ----------------------------------------------------------------


def test_the_settled_rate_and_the_completion_rate_have_distinct_names_everywhere(
    client, world, dated
):
    with translation.override("en"):
        settled, completion = (
            str(FIGURE_NAMES["settled_rate"]),
            str(FIGURE_NAMES["completion_rate"]),
        )
        assert settled != completion
        client.force_login(world.agency_admin)
        in_english(client)
        html = client.get(reverse("monev:dashboard"), {"month": "2026-01"}).content.decode()
        tiles = {
            row["key"]: row["label"]
            for row in client.get(reverse("monev:dashboard"), {"month": "2026-01"}).context[
                "key_figures"
            ]
        }
        assert (tiles["settled_rate"], tiles["completion_rate"]) == (settled, completion)
        assert settled in html and completion in html
        sections = csv_sections(
            download(client, world.agency_admin, "monev:export_csv", month="2026-01")
        )
        labels = {row[1]: row[0] for row in sections["Key figures"][1:]}
        assert (labels["settled_rate"], labels["completion_rate"]) == (settled, completion)
    pdf_text = _recap_text(world.agency, "en")
    assert settled in pdf_text and completion in pdf_text


def _recap_text(org, language: str) -> str:
    from tests.test_recap import BUILT_AT, page_text

    with time_machine.travel(BUILT_AT, tick=False), translation.override(language):
        return page_text(recap.build_recap(org, datetime.date(2026, 1, 1), compress=False))


def test_the_dashboard_says_what_each_rate_counts(client, world, dated):
    in_english(client)
    with translation.override("en"):
        response = page(client, world.agency_admin, month="2026-01")
        html = response.content.decode()
        definitions = re.search(
            r'<details class="card monev-definitions">(.*?)</details>', html, re.S
        )
        assert definitions, "a disclosure that needs no script and fits a narrow screen"
        terms = re.findall(r"<dt>(.*?)</dt>", definitions[1])
        for key in ("follow_up_rate", "completion_rate", "settled_rate"):
            assert str(FIGURE_NAMES[key]) in terms
        assert "declared completed" in definitions[1]


# --- A fair comparison ------------------------------------------------------------------


def test_without_a_period_the_dashboard_shows_the_last_whole_month_as_the_recap_does(
    client, world, dated
):
    in_english(client)
    with time_machine.travel(SEVENTH_OF_FEBRUARY, tick=False), translation.override("en"):
        response = page(client, world.agency_admin)
        assert response.context["period"] == Period.month(2026, 1)
        assert response.context["previous_period"] == Period.month(2025, 12)
        html = response.content.decode()
        assert 'data-period-kind="default"' in html
        assert "the month the monthly recap covers" in html
        assert f"org={world.agency.pk}&amp;month=2026-02" in html  # "this month so far"


def test_the_running_month_is_compared_with_the_same_days_of_the_month_before(client, world, dated):
    in_english(client)
    with time_machine.travel(SEVENTH_OF_FEBRUARY, tick=False), translation.override("en"):
        response = page(client, world.agency_admin, month="2026-02")
        assert response.context["period"] == Period(
            datetime.date(2026, 2, 1), datetime.date(2026, 2, 7)
        )
        assert response.context["previous_period"] == Period(
            datetime.date(2026, 1, 1), datetime.date(2026, 1, 7)
        )
        assert 'data-period-kind="so_far"' in response.content.decode()


def test_the_first_days_of_a_month_compare_with_as_many_days_of_a_shorter_month():
    march_so_far = Period(datetime.date(2026, 3, 1), datetime.date(2026, 3, 30))
    assert march_so_far.previous() == Period(datetime.date(2026, 2, 1), datetime.date(2026, 2, 28))
    assert Period.month(2026, 3).previous() == Period.month(2026, 2)


def test_the_page_says_when_reports_of_the_period_are_still_being_handled(client, world, dated):
    in_english(client)
    with translation.override("en"):
        html = page(client, world.agency_admin, month="2026-01").content.decode()
        # R2 of January is still waiting at unit B.
        assert 'data-still-open="1"' in html
        assert "1 report of this period is still being handled" in html
        moving = re.findall(
            r'data-key="([a-z_]+)"[^>]*>\s*<span class="monev-label">[^<]*</span>\s*'
            r"<span[^>]*data-still-moving",
            html,
        )
        assert "follow_up_rate" in moving and "received" not in moving
        # December's report is handled: nothing to warn about.
        html = page(client, world.agency_admin, month="2025-12").content.decode()
        assert "data-still-open" not in html and "data-still-moving" not in html


def test_the_recap_of_the_running_month_compares_the_same_days(world, dated):
    with time_machine.travel(SEVENTH_OF_FEBRUARY, tick=False), translation.override("en"):
        data = recap.collect(world.agency, datetime.date(2026, 2, 1))
    assert data.period == Period(datetime.date(2026, 2, 1), datetime.date(2026, 2, 7))
    # 1–7 January holds R1 only; the whole of January also R2 (the 9th).
    assert data.figures["previous"]["received"] == 1
