"""The run_scans command: one pass for cron, a loop for a long-running process."""

import datetime
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command

from aduan.deadlines.models import Clock, Deadline
from aduan.reports.models import ReportEvent, Status
from tests.personas import advance, submit

MONDAY = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)


def test_one_pass_escalates_what_is_overdue_and_says_so_in_the_log(world, caplog):
    with time_machine.travel(MONDAY, tick=False):
        report, _ = submit(world, reporter=world.citizen)
        advance(world, report, Status.DISPATCHED)
    with caplog.at_level("INFO", logger="aduan.deadlines.management.commands.run_scans"):
        call_command("run_scans", at="2026-12-02T09:00", verbosity=0, stdout=io.StringIO())
    [summary] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Scan pass")]
    assert "escalated 1" in summary
    assert ReportEvent.objects.filter(report=report, action="escalate").count() == 1
    first = Deadline.objects.get(report=report, clock=Clock.FIRST_RESPONSE, outcome="")
    assert first.overdue_at is not None


def test_one_pass_prints_one_line_of_what_it_did_for_the_cron_mail(world, caplog):
    with time_machine.travel(MONDAY, tick=False):
        report, _ = submit(world, reporter=world.citizen)
        advance(world, report, Status.DISPATCHED)
    out = io.StringIO()
    with caplog.at_level("INFO"):
        call_command("run_scans", at="2026-12-02T09:00", stdout=out)
    [line] = out.getvalue().splitlines()
    assert line.startswith("Scan pass: deadlines: ") and "escalated 1" in line
    # Printed, not logged as well: cron would mail it twice.
    assert not [r for r in caplog.records if r.getMessage().startswith("Scan pass")]


def test_a_pass_with_nothing_to_do_says_so_in_one_line(world):
    out = io.StringIO()
    call_command("run_scans", stdout=out)
    [line] = out.getvalue().splitlines()
    assert "reminded 0, overdue 0, escalated 0" in line and "messages re-queued: 0" in line


def test_a_pass_with_nothing_to_do_is_quiet_at_verbosity_zero(world, caplog):
    out = io.StringIO()
    with caplog.at_level("INFO"):
        call_command("run_scans", verbosity=0, stdout=out)
    assert out.getvalue() == ""
    assert not [r for r in caplog.records if r.getMessage().startswith("Scan pass")]


def test_run_scans_skips_the_system_checks_that_made_each_cron_run_slow(world):
    from django.core import checks
    from django.core.management.base import SystemCheckError

    from aduan.deadlines.management.commands.run_scans import Command

    checked = []

    def failing_check(app_configs, **kwargs):
        checked.append(True)
        return [checks.Error("always fails", id="tests.E001")]

    checks.register(failing_check)
    try:
        # As `manage.py run_scans` runs it (call_command skips the checks by default).
        Command().execute(
            skip_checks=False,
            force_color=False,
            no_color=False,
            verbosity=1,
            at=None,
            loop=0,
            stdout=io.StringIO(),
        )
        assert checked == []
        with pytest.raises(SystemCheckError):  # a command that does run them
            call_command("showmigrations", skip_checks=False, stdout=io.StringIO())
        assert checked == [True]
    finally:
        checks.registry.registry.registered_checks.discard(failing_check)


def test_a_moment_that_is_not_a_date_is_refused():
    with pytest.raises(CommandError, match="--at"):
        call_command("run_scans", at="next tuesday")


def test_a_pass_forgets_task_rows_finished_or_abandoned_two_weeks_ago(db):
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from aduan.notifications.tasks import deliver_notifications

    old, recent, queued, dead, busy = (deliver_notifications.enqueue([n]) for n in range(5))
    days_ago = [timezone.now() - datetime.timedelta(days=n) for n in range(16)]
    DBTaskResult.objects.filter(pk=old.id).update(status="SUCCESSFUL", finished_at=days_ago[15])
    DBTaskResult.objects.filter(pk=recent.id).update(status="FAILED", finished_at=days_ago[13])
    # A worker killed mid-task left its row "running"; another is running now.
    DBTaskResult.objects.filter(pk=dead.id).update(status="RUNNING", started_at=days_ago[15])
    DBTaskResult.objects.filter(pk=busy.id).update(status="RUNNING", started_at=days_ago[0])

    call_command("run_scans", stdout=io.StringIO())

    left = {str(pk) for pk in DBTaskResult.objects.values_list("pk", flat=True)}
    assert left == {str(recent.id), str(queued.id), str(busy.id)}
