"""A task worker outlives a database restart: its loop and its heartbeat start again
instead of ending (a routine PostgreSQL restart used to stop every worker)."""

from __future__ import annotations

import threading

import pytest
from django.db.utils import OperationalError
from django_tasks_db.management.commands.db_worker import Command as DBWorkerCommand

from aduan.system.management.commands import run_worker
from aduan.system.models import WorkerHeartbeat

LOST = OperationalError("terminating connection due to administrator command")


def test_the_worker_waits_and_starts_again_when_the_database_goes(monkeypatch):
    runs = []

    def handle(self, *args, **options):
        runs.append(options)
        if len(runs) < 3:
            raise LOST
        return None  # stopped by a signal, as django-tasks' loop returns

    sleeps = []
    monkeypatch.setattr(DBWorkerCommand, "handle", handle)
    monkeypatch.setattr(run_worker.time, "sleep", sleeps.append)

    run_worker.Command()._work(batch=False, worker_id="w1")

    assert len(runs) == 3
    assert sleeps == [1, 2]  # doubling


def test_a_batch_run_still_ends_at_a_database_error(monkeypatch):
    def handle(self, *args, **options):
        raise LOST

    monkeypatch.setattr(DBWorkerCommand, "handle", handle)
    with pytest.raises(OperationalError):
        run_worker.Command()._work(batch=True, worker_id="w1")


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_goes_on_after_a_lost_connection(monkeypatch):
    stop = threading.Event()
    real = WorkerHeartbeat.objects.update_or_create
    attempts = []

    def flaky(**kwargs):
        attempts.append(kwargs["worker_id"])
        if len(attempts) == 1:
            raise LOST
        stop.set()  # the second beat is the last one this test needs
        return real(**kwargs)

    monkeypatch.setattr(WorkerHeartbeat.objects, "update_or_create", flaky)
    monkeypatch.setattr(run_worker, "HEARTBEAT_SECONDS", 0)

    run_worker.Command()._beat("w1", stop)

    assert attempts == ["w1", "w1"]
    assert WorkerHeartbeat.objects.filter(worker_id="w1").exists()
