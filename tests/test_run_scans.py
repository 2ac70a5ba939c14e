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


def test_a_pass_forgets_finished_task_rows_older_than_two_weeks_and_keeps_the_rest(db):
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from aduan.notifications.tasks import deliver_notifications

    old, recent, queued = (deliver_notifications.enqueue([n]) for n in (1, 2, 3))
    finished = timezone.now() - datetime.timedelta(days=15)
    DBTaskResult.objects.filter(pk=old.id).update(status="SUCCESSFUL", finished_at=finished)
    DBTaskResult.objects.filter(pk=recent.id).update(
        status="FAILED", finished_at=timezone.now() - datetime.timedelta(days=13)
    )

    call_command("run_scans", stdout=io.StringIO())

    left = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert {str(pk) for pk in left} == {str(recent.id), str(queued.id)}
