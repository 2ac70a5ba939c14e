"""Background tasks of the notifications app (run by `manage.py run_worker`)."""

import datetime
import logging

from django.db import transaction
from django.utils import timezone
from django_tasks import TaskContext, TaskResultStatus, task

from aduan.lib.leasing import backoff
from aduan.lib.tasks import enqueue_with_transaction, forget_arguments
from aduan.notifications import delivery, events

logger = logging.getLogger(__name__)
# A submission's messages are retried for about four hours (30 s, doubling).
ANNOUNCE_ATTEMPTS = 10
# Submissions one task announces at most: its own, and others whose tasks are waiting.
ANNOUNCE_BATCH = 50


@task()
def deliver_notifications(ids: list[int]) -> int:
    """Send the outbox messages `ids` (up to about a hundred); returns how many went out."""
    return delivery.deliver(ids)


@task(takes_context=True)
def announce_submission(
    context: TaskContext, event_id: int, secret: str = "", attempt: int = 1
) -> bool:
    """Write the messages and webhook calls of a new report (queued by
    `events.announce_later`).

    The guest's secret link is needed only here: the stored arguments are blanked in the
    transaction that writes the messages, or when this attempt fails and hands the
    secret on to a later one.
    """
    result_id = context.task_result.id
    blank = [event_id, "", attempt]

    def then() -> None:
        forget_arguments(result_id, blank)
        announce_queued(result_id, ANNOUNCE_BATCH - 1)

    try:
        return events.announce_submission(event_id, secret, then=then)
    except Exception:
        if attempt < ANNOUNCE_ATTEMPTS:
            later = announce_submission.using(run_after=timezone.now() + backoff(attempt))
            later.enqueue(event_id, secret, attempt + 1)
        forget_arguments(result_id, blank)
        raise


ANNOUNCE_TASK = announce_submission.module_path


def announce_queued(own_id: str, limit: int) -> int:
    """Announce, in the current transaction, up to `limit` other submissions whose
    `announce_submission` tasks are waiting, and mark those tasks done with their
    secrets blanked: after a burst of new reports one task does the work of many, without
    a claim and a finish (two commits) for each. Rows another worker holds are skipped
    (`SKIP LOCKED`); a submission that fails is left waiting for its own task, which
    retries it. Returns how many were announced."""
    from django_tasks_db.models import DBTaskResult

    waiting = (
        DBTaskResult.objects.ready()
        .filter(task_path=ANNOUNCE_TASK)
        .exclude(pk=own_id)
        .select_for_update(skip_locked=True)
        .order_by("run_after", "enqueued_at")[:limit]
    )
    now = timezone.now()
    done = []
    rows = [(row, *_arguments(row.args_kwargs)) for row in waiting]
    preloaded = events.preload_submissions([event_id for _row, event_id, _s, _a in rows])
    for row, event_id, secret, attempt in rows:
        try:
            with transaction.atomic():  # a savepoint: a failure undoes this one only
                announced = events.announce_submission(event_id, secret, preloaded=preloaded)
        except Exception:
            logger.exception("Announcement of event %s failed; its own task retries it", event_id)
            continue
        row.status, row.started_at, row.finished_at = TaskResultStatus.SUCCESSFUL, now, now
        row.return_value = announced  # False: the report was deleted meanwhile
        row.args_kwargs = {"args": [event_id, "", attempt], "kwargs": {}}
        done.append(row)
    fields = ["status", "started_at", "finished_at", "return_value", "args_kwargs"]
    DBTaskResult.objects.bulk_update(done, fields)
    return len(done)


def _arguments(args_kwargs: dict) -> tuple[int, str, int]:
    """(event id, secret, attempt) of a queued announcement, however it was queued."""
    args = list(args_kwargs.get("args", []))
    kwargs = args_kwargs.get("kwargs", {})
    event_id, secret, attempt = args + [None, "", 1][len(args) :]
    return (
        kwargs.get("event_id", event_id),
        kwargs.get("secret", secret),
        kwargs.get("attempt", attempt),
    )


# An announcement takes milliseconds: one still running after this lost its worker.
ANNOUNCE_STALLED_AFTER = datetime.timedelta(minutes=10)


def requeue_stalled_announcements(now: datetime.datetime | None = None) -> int:
    """Queue again the announcements whose worker died mid-task (still "running" after
    ANNOUNCE_STALLED_AFTER), with the guest's secret they held, and blank it in the dead
    task's row. For the periodic scan; a second run of an announcement writes nothing
    twice. Returns how many."""
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    stalled = DBTaskResult.objects.filter(
        task_path=ANNOUNCE_TASK,
        status=TaskResultStatus.RUNNING,
        started_at__lt=now - ANNOUNCE_STALLED_AFTER,
    )
    requeued = 0
    for row in stalled.only("pk", "args_kwargs"):
        with transaction.atomic():
            # Conditional, like every claim: two scanning hosts requeue it once.
            if not stalled.filter(pk=row.pk).update(
                status=TaskResultStatus.FAILED, finished_at=now
            ):
                continue
            event_id, secret, attempt = _arguments(row.args_kwargs)
            forget_arguments(str(row.pk), [event_id, "", attempt])
            enqueue_with_transaction(
                lambda e=event_id, s=secret, a=attempt: announce_submission.enqueue(e, s, a + 1)
            )
        logger.warning("Announcement of event %s had stalled; queued again", event_id)
        requeued += 1
    return requeued
