"""Deadlines follow the lifecycle, and the scan reminds, escalates and closes on time."""

import datetime
import threading
import zoneinfo

import pytest
import time_machine
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext

from aduan.analytics import metrics
from aduan.deadlines.digests import send_digests
from aduan.deadlines.models import Clock, Deadline, DigestRun, Outcome
from aduan.deadlines.scan import scan
from aduan.notifications.models import Kind, Notification
from aduan.reports import lifecycle
from aduan.reports.models import Report, ReportEvent, Status, Tier
from tests.personas import advance, as_reporter, as_user, build_world, submit

WIB = zoneinfo.ZoneInfo("Asia/Jakarta")
WIT = zoneinfo.ZoneInfo("Asia/Jayapura")
MONDAY = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=WIB)


def at(day: int, hour: int = 9, month: int = 11, tz=WIB) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, 0, tzinfo=tz)


def running(report, clock):
    return Deadline.objects.running().get(report=report, clock=clock)


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def dispatched(world, clock):
    report, _ = submit(world, reporter=world.citizen)
    advance(world, report, Status.DISPATCHED)
    return report


def test_verification_is_due_three_working_days_after_submission(world, clock):
    report, _ = submit(world, reporter=world.citizen)
    deadline = running(report, Clock.VERIFICATION)
    assert deadline.due_at == at(26)  # Thursday 09:00
    assert deadline.remind_at == at(25)  # a working day before
    assert deadline.organization is None
    report.refresh_from_db()
    assert (report.due_at, report.due_clock) == (at(26), Clock.VERIFICATION)


def test_friday_afternoon_report_is_due_on_wednesday_afternoon(world, clock):
    clock.move_to(at(20, 15))
    report, _ = submit(world, reporter=world.citizen)
    assert running(report, Clock.VERIFICATION).due_at == at(25, 15)


def test_weekend_report_is_due_at_the_end_of_the_third_working_day(world, clock):
    clock.move_to(at(21, 10))  # Saturday
    report, _ = submit(world, reporter=world.citizen)
    assert running(report, Clock.VERIFICATION).due_at == at(26, 0)  # end of Wednesday


def test_hold_pauses_verification_and_the_answer_resumes_what_was_left(world, clock):
    report, _ = submit(world, reporter=world.citizen)
    clock.move_to(at(24))  # one working day used
    lifecycle.hold(report, as_user(world.national_admin), "Di mana tepatnya?")
    paused = Deadline.objects.get(report=report, clock=Clock.VERIFICATION)
    assert paused.outcome == Outcome.PAUSED
    assert paused.remaining_seconds == pytest.approx(2 * 86400)
    assert running(report, Clock.MISSING_INFORMATION).due_at == at(8, month=12)
    clock.move_to(at(27))  # Friday
    lifecycle.answer_hold(report, as_reporter(world.citizen), "Depan pasar Wage.")
    assert running(report, Clock.VERIFICATION).due_at == at(1, month=12)  # Tuesday
    answered = Deadline.objects.get(report=report, clock=Clock.MISSING_INFORMATION)
    assert answered.outcome == Outcome.MET


def test_dispatch_meets_verification_and_starts_response_and_completion(dispatched):
    verification = Deadline.objects.get(report=dispatched, clock=Clock.VERIFICATION)
    assert verification.outcome == Outcome.MET
    first = running(dispatched, Clock.FIRST_RESPONSE)
    assert first.due_at == at(30)  # 5 working days
    assert first.organization_id == dispatched.organization_id
    assert running(dispatched, Clock.COMPLETION).due_at == at(11, month=12)  # 14 working days
    dispatched.refresh_from_db()
    assert dispatched.due_clock == Clock.FIRST_RESPONSE


@pytest.mark.parametrize(("tier", "due"), [(Tier.SIMPLE, at(30)), (Tier.FIELD, None)])
def test_completion_deadline_follows_the_tier(world, clock, tier, due):
    report, _ = submit(world, reporter=world.citizen)
    lifecycle.dispatch(report, as_user(world.national_admin), world.agency, tier=tier)
    completion = running(report, Clock.COMPLETION)
    assert completion.working_days == {Tier.SIMPLE: 5, Tier.FIELD: 60}[tier]
    if due:
        assert completion.due_at == due


def test_redispatch_restarts_the_clocks_for_the_new_organization(world, clock):
    report, _ = submit(world, reporter=world.citizen)
    lifecycle.dispatch(report, as_user(world.national_admin), world.agency)
    clock.move_to(at(24))
    lifecycle.dispatch(report, as_user(world.agency_admin), world.unit_a)
    first = running(report, Clock.FIRST_RESPONSE)
    assert (first.organization, first.due_at) == (world.unit_a, at(1, month=12))
    cancelled = Deadline.objects.filter(report=report, outcome=Outcome.CANCELLED)
    assert {d.organization for d in cancelled} == {world.agency}


def test_not_our_remit_sends_the_verification_clock_back_to_the_dispatcher(world, clock):
    report, _ = submit(world, reporter=world.citizen)
    advance(world, report, Status.DISPATCHED)
    clock.move_to(at(25))
    lifecycle.not_our_remit(report, as_user(world.liaison_a), "Ini urusan Dishub.")
    verification = running(report, Clock.VERIFICATION)
    assert verification.organization == world.agency
    assert verification.due_at == at(30)
    assert not Deadline.objects.running().filter(report=report, clock=Clock.FIRST_RESPONSE)


def test_response_meets_first_response_and_completion_starts_the_reply_window(dispatched, world):
    lifecycle.respond(dispatched, as_user(world.liaison_a), "Sedang kami tinjau.")
    outcomes = Deadline.objects.filter(report=dispatched, clock=Clock.FIRST_RESPONSE)
    assert sorted(outcomes.values_list("outcome", flat=True)) == ["cancelled", "met"]
    lifecycle.complete(dispatched, as_user(world.liaison_a), "Sudah diperbaiki.")
    reply = running(dispatched, Clock.REPORTER_REPLY)
    assert reply.due_at == at(7, month=12)  # 10 working days
    lifecycle.reply(dispatched, as_reporter(world.citizen), satisfied=True)
    assert not Deadline.objects.running().filter(report=dispatched).exists()
    dispatched.refresh_from_db()
    assert dispatched.due_at is None


def test_reopened_report_gets_a_new_completion_deadline(dispatched, world, clock):
    lifecycle.complete(dispatched, as_user(world.liaison_a), "Sudah diperbaiki.")
    clock.move_to(at(25))
    lifecycle.reply(dispatched, as_reporter(world.citizen), satisfied=False, message="Belum.")
    assert running(dispatched, Clock.COMPLETION).due_at == at(15, month=12)


def test_archiving_stops_every_clock(world, clock):
    report, _ = submit(world, reporter=world.citizen)
    advance(world, report, Status.ARCHIVED)
    assert not Deadline.objects.running().filter(report=report).exists()


def test_deadlines_are_counted_in_the_handling_organizations_time_zone(world, clock):
    world.unit_a.time_zone = "Asia/Jayapura"
    world.unit_a.save()
    report, _ = submit(world, reporter=world.citizen)
    clock.move_to(datetime.datetime(2026, 11, 27, 22, 30, tzinfo=WIB))  # Sat 00:30 in WIT
    lifecycle.dispatch(report, as_user(world.national_admin), world.unit_a)
    first = running(report, Clock.FIRST_RESPONSE)
    assert first.due_at == datetime.datetime(2026, 12, 5, 0, 0, tzinfo=WIT)


# --- The scan ------------------------------------------------------------------------


def test_scan_reminds_handlers_once_before_the_deadline(dispatched, world, clock):
    clock.move_to(at(27, 10))  # a working day before the first response is due
    assert scan().reminded == 1
    assert scan().reminded == 0
    due_soon = Notification.objects.filter(kind=Kind.DUE_SOON, report=dispatched)
    assert {n.user for n in due_soon} == {world.liaison_a}


def test_overdue_report_is_escalated_to_the_parent_organizations_leaders(dispatched, world, clock):
    clock.move_to(at(30, 10))
    result = scan()
    assert (result.overdue, result.escalated) == (1, 1)
    dispatched.refresh_from_db()
    assert dispatched.escalated_at is not None
    assert dispatched.status == Status.DISPATCHED
    event = ReportEvent.objects.get(report=dispatched, action="escalate")
    assert event.actor is None and not event.is_public
    told = Notification.objects.filter(kind=Kind.ESCALATED, report=dispatched)
    assert {n.user for n in told} == {world.supervisor, world.agency_admin}
    overdue = Notification.objects.filter(kind=Kind.OVERDUE, report=dispatched)
    assert {n.user for n in overdue} == {world.liaison_a}
    assert scan().escalated == 0
    assert ReportEvent.objects.filter(report=dispatched, action="escalate").count() == 1


class _Deadlock(Exception):
    sqlstate = "40P01"


def _fail_first_load(monkeypatch, cause):
    """The scan's first batch fails after its claim, as PostgreSQL aborts one side of
    a deadlock between two scanners."""
    from aduan.deadlines import scan as scanning

    real_load, calls = scanning._load, []

    def load(ids):
        calls.append(ids)
        if len(calls) == 1:
            raise OperationalError("aborted") from cause
        return real_load(ids)

    monkeypatch.setattr(scanning, "_load", load)
    monkeypatch.setattr(scanning.time, "sleep", lambda seconds: None)
    return calls


def test_a_batch_aborted_by_a_deadlock_is_run_again_and_counted_once(
    dispatched, world, clock, monkeypatch
):
    calls = _fail_first_load(monkeypatch, _Deadlock())
    clock.move_to(at(30, 10))
    result = scan()
    assert (result.overdue, result.escalated) == (1, 1)
    assert calls[0] == calls[1]  # the rolled-back claim is claimed again
    assert ReportEvent.objects.filter(report=dispatched, action="escalate").count() == 1
    overdue = Notification.objects.filter(kind=Kind.OVERDUE, report=dispatched)
    assert {n.user for n in overdue} == {world.liaison_a}


def test_other_database_errors_in_a_batch_are_not_hidden(dispatched, clock, monkeypatch):
    _fail_first_load(monkeypatch, ValueError("disk full"))
    clock.move_to(at(30, 10))
    with pytest.raises(OperationalError):
        scan()
    assert not ReportEvent.objects.filter(report=dispatched, action="escalate").exists()


def test_unanswered_completed_report_closes_after_ten_working_days(dispatched, world, clock):
    lifecycle.complete(dispatched, as_user(world.liaison_a), "Sudah diperbaiki.")
    clock.move_to(at(4, month=12))
    assert scan().closed == 0
    clock.move_to(at(7, 9, month=12))
    assert scan().closed == 1
    dispatched.refresh_from_db()
    assert dispatched.status == Status.CLOSED
    assert dispatched.closed_at is not None
    assert Notification.objects.filter(kind=Kind.CLOSED, user=world.citizen).exists()


def test_unanswered_question_archives_the_report_as_incomplete(world, clock):
    report, _ = submit(world, reporter=world.citizen)
    lifecycle.hold(report, as_user(world.national_admin), "Di mana tepatnya?")
    clock.move_to(at(7, 10, month=12))
    assert scan().archived == 1
    report.refresh_from_db()
    assert (report.status, report.archive_reason) == (Status.ARCHIVED, "incomplete")
    assert not Deadline.objects.running().filter(report=report).exists()


def test_reporter_is_reminded_before_the_report_closes_by_itself(dispatched, world, clock):
    lifecycle.complete(dispatched, as_user(world.liaison_a), "Sudah diperbaiki.")
    clock.move_to(at(4, 10, month=12))
    assert scan().reminded == 1
    assert Notification.objects.filter(kind=Kind.REPLY_DUE, user=world.citizen).exists()


def test_scan_leaves_alone_a_report_a_person_changed_meanwhile(dispatched, world, clock):
    lifecycle.complete(dispatched, as_user(world.liaison_a), "Sudah diperbaiki.")
    clock.move_to(at(8, month=12))
    stale = Report.objects.get(pk=dispatched.pk)
    lifecycle.reply(stale, as_reporter(world.citizen), satisfied=False, message="Belum beres.")
    assert scan().closed == 0
    dispatched.refresh_from_db()
    assert dispatched.status == Status.IN_PROGRESS


def test_scan_work_does_not_grow_with_the_number_of_due_deadlines(world, clock):
    def queries_for(count: int) -> int:
        for _ in range(count):
            report, _ = submit(world, reporter=world.citizen)
            lifecycle.dispatch(report, as_user(world.national_admin), world.unit_a, tier="field")
        clock.shift(datetime.timedelta(days=10))  # their first responses are overdue
        with CaptureQueriesContext(connection) as captured:
            result = scan()
        assert result.escalated == count
        return len(captured)

    # Six reports' messages fit in one INSERT even with SQLite's variable limit.
    assert queries_for(2) == queries_for(6)


def test_daily_digest_goes_once_per_organization_and_day(dispatched, world, clock):
    clock.move_to(at(24, 6))
    assert send_digests() == 0  # before the digest hour
    clock.move_to(at(24, 7) + datetime.timedelta(minutes=30))
    assert send_digests() > 0
    assert send_digests() == 0
    digests = Notification.objects.filter(kind=Kind.DIGEST, organization=world.unit_a)
    assert {n.user for n in digests} == {world.liaison_a}
    assert DigestRun.objects.count() == 1


def test_the_digest_counts_late_reports_once_as_the_overdue_page_does(world, clock):
    # Its first response and its completion (a simple report) both run out on 30 November.
    report, _ = submit(world, reporter=world.citizen)
    lifecycle.dispatch(report, as_user(world.national_admin), world.unit_a, tier="simple")
    clock.move_to(at(2, 7, month=12) + datetime.timedelta(minutes=30))
    late = Deadline.objects.overdue().filter(report=report)
    assert late.count() == 2

    send_digests()

    digest = Notification.objects.get(kind=Kind.DIGEST, user=world.liaison_a, medium="email")
    assert "1 terlambat" in digest.short  # not 2: one report, two clocks
    assert digest.body.count(report.tracking_code) == 1
    assert metrics.overdue(world.unit_a).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_scanners_at_the_same_moment_act_once():
    world = build_world()
    with time_machine.travel(MONDAY, tick=False):
        reports = []
        for _ in range(20):
            report, _ = submit(world, reporter=world.citizen)
            reports.append(advance(world, report, Status.DISPATCHED))
    later = at(1, 10, month=12)
    results, errors = [], []
    barrier = threading.Barrier(2)

    def run():
        try:
            barrier.wait()
            results.append(scan(later, batch=7))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sum(r.escalated for r in results) == 20
    assert ReportEvent.objects.filter(action="escalate").count() == 20
    overdue = Notification.objects.filter(kind=Kind.OVERDUE)
    assert overdue.count() == overdue.values("report").distinct().count() * 2 == 20 * 2


def test_a_new_day_off_moves_running_deadlines_that_span_it_and_no_others(dispatched, world):
    from aduan.deadlines import calendar
    from aduan.deadlines.clocks import reschedule_around
    from aduan.deadlines.models import CalendarDay

    later, _ = submit(world, reporter=world.citizen)  # verification: due Thursday 26th
    first_before = running(dispatched, Clock.FIRST_RESPONSE).due_at
    completion_before = running(dispatched, Clock.COMPLETION).due_at
    before = calendar.current()
    CalendarDay.objects.create(date=datetime.date(2026, 12, 4), is_working_day=False, name="Libur")
    assert reschedule_around(datetime.date(2026, 12, 4), before, calendar.current()) == 1
    assert running(dispatched, Clock.FIRST_RESPONSE).due_at == first_before  # due 30 Nov
    assert completion_before == at(11, month=12)  # a Friday
    assert running(dispatched, Clock.COMPLETION).due_at == at(14, month=12)  # the Monday after
    assert running(later, Clock.VERIFICATION).due_at == at(26)
