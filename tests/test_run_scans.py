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
        call_command("run_scans", at="2026-12-02T09:00", stdout=io.StringIO())
    [summary] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Scan pass")]
    assert "escalated 1" in summary
    assert ReportEvent.objects.filter(report=report, action="escalate").count() == 1
    first = Deadline.objects.get(report=report, clock=Clock.FIRST_RESPONSE, outcome="")
    assert first.overdue_at is not None


def test_a_pass_with_nothing_to_do_is_quiet(world, caplog):
    out = io.StringIO()
    with caplog.at_level("INFO"):
        call_command("run_scans", stdout=out)
    assert out.getvalue() == ""
    assert not [r for r in caplog.records if r.getMessage().startswith("Scan pass")]


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
