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
    try:
        return events.announce_submission(
            event_id, secret, then=lambda: forget_arguments(result_id, blank)
        )
    except Exception:
        if attempt < ANNOUNCE_ATTEMPTS:
            later = announce_submission.using(run_after=timezone.now() + backoff(attempt))
            later.enqueue(event_id, secret, attempt + 1)
        forget_arguments(result_id, blank)
        raise


ANNOUNCE_TASK = "aduan.notifications.tasks.announce_submission"
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
            args = list(row.args_kwargs["args"])
            event_id, secret, attempt = args + [None, "", 1][len(args) :]
            forget_arguments(str(row.pk), [event_id, "", attempt])
            enqueue_with_transaction(
                lambda e=event_id, s=secret, a=attempt: announce_submission.enqueue(e, s, a + 1)
            )
        logger.warning("Announcement of event %s had stalled; queued again", event_id)
        requeued += 1
    return requeued
