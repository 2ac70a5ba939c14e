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
