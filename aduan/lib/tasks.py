"""Enqueueing background tasks at the right moment relative to the transaction."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import connection, transaction

TRANSACTIONAL_BACKENDS = frozenset({"django_tasks_db.DatabaseBackend"})


def enqueue_with_transaction(enqueue: Callable[[], None]) -> None:
    """Run `enqueue` (which enqueues tasks about rows written in this transaction) so
    that no worker can start before those rows are committed.

    When tasks are stored in this same database, enqueueing inside the transaction does
    that by itself — the task commits or vanishes with the rows — and saves a second
    commit per request. Any other backend waits for the commit.
    """
    backend = settings.TASKS.get("default", {}).get("BACKEND", "")
    if backend in TRANSACTIONAL_BACKENDS and connection.in_atomic_block:
        enqueue()
    else:
        transaction.on_commit(enqueue)


def forget_arguments(task_result_id: str, args: list, kwargs: dict | None = None) -> None:
    """Overwrite the stored arguments of a queued task (database backend only): for a
    secret that a task needs once and the task table must not keep."""
    if settings.TASKS.get("default", {}).get("BACKEND", "") not in TRANSACTIONAL_BACKENDS:
        return
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(pk=task_result_id).update(
        args_kwargs={"args": args, "kwargs": kwargs or {}}
    )


# Finished task rows deleted per pass of the scan: a first pass on a large backlog stays
# short, the rest go in the next passes.
PRUNE_BATCH = 10_000


def forget_old_task_results(now) -> int:
    """Delete finished task rows (database backend) older than
    ADUAN_TASK_RESULTS_KEEP_DAYS; returns how many went. Each report leaves a few, each
    message and webhook call one more: kept for ever they would grow the table without
    bound. A task still queued, or running for less than that time, is never touched."""
    if settings.TASKS.get("default", {}).get("BACKEND", "") not in TRANSACTIONAL_BACKENDS:
        return 0
    import datetime

    from django_tasks_db.models import DBTaskResult

    cutoff = now - datetime.timedelta(days=settings.ADUAN_TASK_RESULTS_KEEP_DAYS)
    finished = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff)
    # A task "running" that long belonged to a worker killed mid-task; its work was
    # taken up again by the scan's sweeps (messages, calls, imports, recaps).
    abandoned = DBTaskResult.objects.running().filter(started_at__lt=cutoff)
    old = finished | abandoned
    ids = list(old.order_by("enqueued_at").values_list("pk", flat=True)[:PRUNE_BATCH])
    deleted, _by_model = DBTaskResult.objects.filter(pk__in=ids).delete()
    return deleted
