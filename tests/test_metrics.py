"""Each monitoring figure computed by hand on a small, dated set of reports.

January 2026 in WIB; the working days used are 5–9 and 12–15 January (1 and 16 January
are holidays, 10–11 January a weekend). Reports are made through the real intake and
lifecycle with explicit times, then the facts are rebuilt as the worker would.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest

from aduan.analytics import metrics
from aduan.analytics.facts import rebuild_facts, refresh_facts
from aduan.analytics.metrics import Period
from aduan.analytics.models import ReportFact
from aduan.reports import lifecycle
from aduan.reports.models import Status
from tests.personas import as_reporter, as_user, report_at

WIB = ZoneInfo("Asia/Jakarta")
JANUARY = Period.month(2026, 1)


def at(day: int, hour: int, month: int = 1) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, tzinfo=WIB)


@pytest.fixture
def january(world):
    """Seven reports; see each comment for what it contributes."""
    admin, liaison_a = as_user(world.national_admin), as_user(world.liaison_a)
    reporter = as_reporter(world.citizen)
    r = {}
    # R1: verified in 2 working days (48 h), first response 2 working days later
    # (48 h), completed, reporter satisfied and rates 5 → closed.
    r[1] = report_at(world, at(5, 9))
    lifecycle.dispatch(r[1], admin, world.unit_a, at=at(7, 9))
    lifecycle.respond(r[1], liaison_a, "Petugas dijadwalkan.", at=at(9, 9))
    lifecycle.complete(r[1], liaison_a, "Lampu sudah diganti.", at=at(12, 9))
    lifecycle.reply(r[1], reporter, satisfied=True, at=at(12, 12))
    lifecycle.rate(r[1], reporter, 5, at=at(12, 13))
    # R2: Friday 09:00 → Monday 09:00 is 72 hours but 1 working day; response after
    # 1 working day; completed, then the reporter is not satisfied → reopened.
    r[2] = report_at(world, at(9, 9))
    lifecycle.dispatch(r[2], admin, world.unit_a, at=at(12, 9))
    lifecycle.respond(r[2], liaison_a, "Dicek besok.", at=at(13, 9))
    lifecycle.complete(r[2], liaison_a, "Selesai.", at=at(13, 10))
    lifecycle.reply(r[2], reporter, satisfied=False, message="Masih padam.", at=at(13, 12))
    # R3: verified in 12 hours (half a working day) to unit A, passed back, then sent
    # to unit B: it counts for unit B only.
    r[3] = report_at(world, at(6, 9))
    lifecycle.dispatch(r[3], admin, world.unit_a, at=at(6, 21))
    lifecycle.not_our_remit(r[3], liaison_a, "Urusan Dishub.", at=at(7, 9))
    lifecycle.dispatch(r[3], admin, world.unit_b, at=at(8, 9))
    # R4: archived without verification (national queue).
    r[4] = report_at(world, at(7, 9))
    lifecycle.archive(r[4], admin, "abusive", "Bahasa kasar.", at=at(8, 9))
    # R5: verified at once (0 h), then archived: verified, never settled.
    r[5] = report_at(world, at(8, 9))
    lifecycle.dispatch(r[5], admin, world.unit_a, at=at(8, 9))
    lifecycle.archive(r[5], admin, "out_of_scope", "Perkara pidana.", at=at(8, 10))
    # R6: submitted in February, outside the period.
    r[6] = report_at(world, at(2, 9, month=2))
    # R7: a Saturday report still waiting in the national queue.
    r[7] = report_at(world, at(10, 10))
    rebuild_facts()
    return r


def test_the_national_figures_for_january(world, january):
    f = metrics.summary(None, JANUARY)
    assert f["received"] == 6  # R1–R5, R7
    assert f["verified"] == 4  # R1, R2, R3, R5
    assert f["followed_up"] == 2  # R1, R2
    assert f["follow_up_rate"] == pytest.approx(0.5)
    assert (f["closed"], f["completion_rate"]) == (1, pytest.approx(0.25))
    assert (f["settled"], f["settled_rate"]) == (1, pytest.approx(0.25))
    assert f["archived"] == 2  # R4, R5: neither is settled
    assert f["open"] == 3  # R2 in progress, R3 dispatched, R7 waiting
    assert (f["ever_completed"], f["reopened"], f["reopen_rate"]) == (2, 1, pytest.approx(0.5))
    assert (f["rated"], f["mean_rating"]) == (1, pytest.approx(5))
    assert (f["verdicts"], f["satisfied"], f["satisfied_share"]) == (2, 1, pytest.approx(0.5))
    assert (f["verdicts_recorded"], f["recorded_verdict_share"]) == (0, 0)


def test_verdicts_an_officer_recorded_for_the_reporter_are_counted_apart(world, january):
    # R2's reporter rang after the work was done again: an admin records "satisfied".
    lifecycle.respond(january[2], as_user(world.liaison_a), "Dicek ulang.", at=at(14, 9))
    lifecycle.complete(january[2], as_user(world.liaison_a), "Sudah menyala.", at=at(14, 10))
    lifecycle.reply(
        january[2],
        as_user(world.national_admin),
        satisfied=True,
        received_via="phone",
        at=at(14, 11),
    )
    rebuild_facts()

    f = metrics.summary(None, JANUARY)

    assert (f["verdicts"], f["satisfied"]) == (2, 2)  # R2's last verdict counts
    assert f["verdicts_recorded"] == 1
    assert f["recorded_verdict_share"] == pytest.approx(0.5)
    assert ReportFact.objects.get(report=january[1]).verdict_recorded is False


def test_verification_and_first_response_times_in_working_days_and_hours(world, january):
    f = metrics.summary(None, JANUARY)
    # Verification: R1 2 wd / 48 h, R2 1 wd / 72 h, R3 0.5 wd / 12 h, R5 0 / 0.
    assert f["median_verification_working_days"] == pytest.approx(0.75)
    assert f["mean_verification_working_days"] == pytest.approx(0.875)
    assert f["median_verification_hours"] == pytest.approx(30)
    assert f["mean_verification_hours"] == pytest.approx(33)
    # First response: R1 2 wd / 48 h, R2 1 wd / 24 h.
    assert f["median_first_response_working_days"] == pytest.approx(1.5)
    assert f["median_first_response_hours"] == pytest.approx(36)


def test_a_report_counts_for_the_organization_handling_it_now(world, january):
    unit_a = metrics.summary(world.unit_a, JANUARY)
    unit_b = metrics.summary(world.unit_b, JANUARY)
    agency = metrics.summary(world.agency, JANUARY)
    assert (unit_a["received"], unit_a["verified"], unit_a["followed_up"]) == (3, 3, 2)
    assert unit_a["follow_up_rate"] == pytest.approx(2 / 3)
    assert (unit_b["received"], unit_b["followed_up"]) == (1, 0)  # R3 moved here
    assert unit_b["follow_up_rate"] == 0
    assert agency["received"] == 4  # units A and B; the national queue is not theirs
    assert metrics.summary(world.other_agency, JANUARY)["received"] == 0


def test_breakdowns_count_the_period_reports(world, january):
    assert dict(metrics.breakdown(None, JANUARY, "status")) == {
        Status.ARCHIVED: 2,
        Status.CLOSED: 1,
        Status.IN_PROGRESS: 1,
        Status.DISPATCHED: 1,
        Status.SUBMITTED: 1,
    }
    assert metrics.breakdown(None, JANUARY, "category_group") == [(world.roads.pk, 6)]
    assert metrics.breakdown(None, JANUARY, "channel") == [("web", 6)]


def test_the_previous_period_of_a_month_is_the_month_before(world, january):
    assert JANUARY.previous() == Period(datetime.date(2025, 12, 1), datetime.date(2025, 12, 31))
    assert Period(datetime.date(2026, 1, 5), datetime.date(2026, 1, 9)).previous() == Period(
        datetime.date(2025, 12, 31), datetime.date(2026, 1, 4)
    )
    change = metrics.with_change(None, Period.month(2026, 2))
    assert (change["current"]["received"], change["previous"]["received"]) == (1, 6)


def test_the_monthly_trend_has_every_month_even_empty_ones(world, january):
    trend = metrics.monthly_trend(None, 3, datetime.date(2026, 2, 15))
    assert [row["month"] for row in trend] == [
        datetime.date(2025, 12, 1),
        datetime.date(2026, 1, 1),
        datetime.date(2026, 2, 1),
    ]
    assert [row["received"] for row in trend] == [0, 6, 1]
    assert trend[1]["follow_up_rate"] == pytest.approx(0.5)
    assert trend[1]["median_verification_working_days"] == pytest.approx(0.75)
    assert trend[0]["follow_up_rate"] is None


def test_deadlines_met_in_time_missed_and_still_running(world):
    admin = as_user(world.national_admin)
    quick = report_at(world, at(5, 9))
    lifecycle.dispatch(quick, admin, world.unit_a, at=at(5, 10))  # in time
    slow = report_at(world, at(5, 9))
    lifecycle.dispatch(slow, admin, world.unit_a, at=at(9, 10))  # due 8 Jan 09:00
    report_at(world, at(5, 9))  # never verified: due 8 Jan 09:00, still running
    late = metrics.within_deadline(None, JANUARY, now=at(20, 9))
    assert late["verification"] == {"met": 1, "missed": 2, "share": pytest.approx(1 / 3)}
    # The two first-response clocks (5 working days) ran out by 20 January.
    assert late["first_response"] == {"met": 0, "missed": 2, "share": 0}
    early = metrics.within_deadline(None, JANUARY, now=at(6, 9))
    assert early["first_response"] == {"met": 0, "missed": 0, "share": None}


def test_a_deadline_passed_back_when_already_late_stays_missed(world):
    admin, liaison_a = as_user(world.national_admin), as_user(world.liaison_a)
    late = report_at(world, at(5, 9))
    lifecycle.dispatch(late, admin, world.unit_a, at=at(5, 10))  # response due 12 Jan 10:00
    lifecycle.not_our_remit(late, liaison_a, "Bukan urusan kami.", at=at(14, 9))
    in_time = report_at(world, at(5, 9))
    lifecycle.dispatch(in_time, admin, world.unit_a, at=at(5, 10))
    lifecycle.not_our_remit(in_time, liaison_a, "Urusan Dishub.", at=at(6, 9))

    figures = metrics.within_deadline(world.unit_a, JANUARY, now=at(20, 9))

    # The late pass-back was unit A's missed deadline; the prompt one owes nothing.
    assert figures["first_response"] == {"met": 0, "missed": 1, "share": 0}


def test_the_overdue_list_holds_open_reports_past_their_deadline(world):
    admin = as_user(world.national_admin)
    waiting = report_at(world, at(5, 9))
    lifecycle.dispatch(report_at(world, at(5, 9)), admin, world.unit_a, at=at(5, 10))
    assert list(metrics.overdue(None, now=at(9, 9))) == [waiting]
    assert list(metrics.overdue(world.unit_a, now=at(9, 9))) == []
    assert len(metrics.overdue(world.unit_a, now=at(26, 9))) == 1


def test_connected_and_active_agencies(world):
    report = report_at(world, datetime.datetime.now(WIB) - datetime.timedelta(days=1))
    overview = metrics.agencies_overview()
    # The personas' regency has a decree, an admin and liaisons; the city lacks a decree.
    assert (overview["connected"], overview["active"]) == (1, 0)
    lifecycle.dispatch(report, as_user(world.national_admin), world.unit_a)
    assert metrics.agencies_overview()["active"] == 0  # the national admin acted
    lifecycle.respond(report, as_user(world.liaison_a), "Ditangani.")
    assert metrics.agencies_overview()["active"] == 1
    assert metrics.agencies_overview(world.other_agency)["agencies"] == 1
    assert metrics.agencies_overview(world.other_agency)["connected"] == 0


def test_the_league_table_ranks_only_units_with_enough_recent_reports(world, settings):
    settings.ADUAN_LEAGUE_MIN_REPORTS = 2
    now = datetime.datetime.now(WIB)
    admin = as_user(world.national_admin)
    for _ in range(2):
        fresh = report_at(world, now - datetime.timedelta(hours=3))
        lifecycle.dispatch(fresh, admin, world.unit_a, at=now - datetime.timedelta(hours=2))
        lifecycle.respond(fresh, as_user(world.liaison_a), "Ditangani.")
    lonely = report_at(world, now - datetime.timedelta(hours=3))
    lifecycle.dispatch(lonely, admin, world.unit_b, at=now - datetime.timedelta(hours=2))
    rebuild_facts()
    table = metrics.league_table(world.agency, now=now)
    assert [row["organization"] for row in table["ranked"]] == [world.unit_a]
    assert table["ranked"][0]["place"] == 1
    assert table["ranked"][0]["first_response_in_time"] == 1
    assert [row["organization"] for row in table["unranked"]] == [world.unit_b]


def test_the_refresh_picks_up_changes_after_the_last_pass(world):
    report = report_at(world, datetime.datetime.now(WIB))
    assert refresh_facts() == 1
    assert not ReportFact.objects.get().verified
    assert refresh_facts() == 1  # the overlap reads the last minutes again
    lifecycle.dispatch(report, as_user(world.national_admin), world.unit_a)
    refresh_facts()
    fact = ReportFact.objects.get()
    assert fact.verified and fact.org_path == world.unit_a.path


def test_figures_cost_a_bounded_number_of_queries(world, january, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        metrics.summary(world.agency, JANUARY)
