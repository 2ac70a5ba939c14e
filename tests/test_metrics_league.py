"""The league table's order: a first response on a day off (0.0 working days) is the
fastest, not a missing value, and a unit with no first-response deadline to judge yet
is not ranked at 0 %."""

from __future__ import annotations

import pytest

from aduan.analytics import metrics
from aduan.analytics.facts import rebuild_facts
from aduan.reports import lifecycle
from tests.personas import as_user, report_at
from tests.test_metrics import at


@pytest.fixture
def wide_window(settings):
    settings.ADUAN_LEAGUE_WINDOW_DAYS = 3650  # the reports are of January 2026
    settings.ADUAN_LEAGUE_MIN_REPORTS = 1


def test_a_median_of_zero_working_days_ranks_first(world, wide_window):
    admin = as_user(world.national_admin)
    # Unit A answers on Saturday 10 January, an hour after dispatch: 0.0 working days.
    weekend = report_at(world, at(9, 9))
    lifecycle.dispatch(weekend, admin, world.unit_a, at=at(10, 10))
    lifecycle.respond(weekend, as_user(world.liaison_a), "Langsung dicek.", at=at(10, 11))
    # Unit B answers on Monday 12 January, twelve hours after: 0.5 working days.
    weekday = report_at(world, at(12, 9))
    lifecycle.dispatch(weekday, admin, world.unit_b, at=at(12, 10))
    lifecycle.respond(weekday, as_user(world.liaison_b), "Dicek.", at=at(12, 22))
    rebuild_facts()
    table = metrics.league_table(world.agency)
    medians = [row["median_first_response_working_days"] for row in table["ranked"]]
    assert [row["organization"] for row in table["ranked"]] == [world.unit_a, world.unit_b]
    assert medians == [pytest.approx(0.0), pytest.approx(0.5)]


def test_a_unit_whose_first_response_deadlines_all_still_run_is_not_ranked(
    world, wide_window, settings
):
    settings.ADUAN_LEAGUE_MIN_REPORTS = 2
    admin = as_user(world.national_admin)
    for _ in range(2):
        lifecycle.dispatch(report_at(world, metrics.timezone.now()), admin, world.unit_a)
    rebuild_facts()
    table = metrics.league_table(world.agency)
    assert table["ranked"] == []
    unit_a = next(row for row in table["unranked"] if row["organization"] == world.unit_a)
    assert unit_a["verified"] == 2 and unit_a["first_response_in_time"] is None
