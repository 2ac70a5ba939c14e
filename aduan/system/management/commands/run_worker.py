"""Run a background task worker that also reports a heartbeat for /healthz."""

import datetime
import logging
import os
import socket
import threading
import time

from django.db import close_old_connections, connections
from django.db.utils import InterfaceError, OperationalError
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Command as DBWorkerCommand

from aduan.system.models import WorkerHeartbeat

HEARTBEAT_SECONDS = 15
# After losing the database (a restart, a failover), wait this long before trying again,
# doubling up to the maximum; a run that lasted longer than the maximum starts over.
RETRY_FIRST_SECONDS = 1
RETRY_MAX_SECONDS = 60
DATABASE_LOST = (OperationalError, InterfaceError)

logger = logging.getLogger("aduan.worker")


class Command(DBWorkerCommand):
    help = "Run the task worker (django-tasks database backend) with a heartbeat."

    def handle(self, *args, **options):
        options["worker_id"] = options["worker_id"][:64]
        stop = threading.Event()
        beat = threading.Thread(target=self._beat, args=(options["worker_id"], stop), daemon=True)
        beat.start()
        try:
            return self._work(*args, **options)
        finally:
            stop.set()
            # Wait for a beat in flight, or it could write the row again after the delete.
            beat.join(timeout=HEARTBEAT_SECONDS)
            WorkerHeartbeat.objects.filter(worker_id=options["worker_id"]).delete()

    def _work(self, *args, **options):
        """django-tasks' worker loop, which ends at the first database error: a database
        restarted for maintenance would stop every worker until someone restarts them.
        Here the loop waits and starts again instead; a task that was running when the
        connection went is taken up again as django-tasks decides."""
        pause = RETRY_FIRST_SECONDS
        while True:
            started = time.monotonic()
            try:
                return super().handle(*args, **options)
            except DATABASE_LOST as exc:
                if options.get("batch"):
                    raise
                if time.monotonic() - started > RETRY_MAX_SECONDS:
                    pause = RETRY_FIRST_SECONDS
                logger.warning("Database unavailable (%s); trying again in %s s", exc, pause)
                connections.close_all()
                time.sleep(pause)
                pause = min(pause * 2, RETRY_MAX_SECONDS)

    def _beat(self, worker_id: str, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                self._write_beat(worker_id)
            except Exception as exc:  # noqa: BLE001 - one lost beat must not end them all
                logger.warning("Worker heartbeat not written (%s); trying again", exc)
                connections.close_all()
            stop.wait(HEARTBEAT_SECONDS)

    def _write_beat(self, worker_id: str) -> None:
        close_old_connections()
        WorkerHeartbeat.objects.update_or_create(
            worker_id=worker_id,
            defaults={
                "hostname": socket.gethostname(),
                "pid": os.getpid(),
                "seen_at": timezone.now(),
            },
        )
        # Rows of workers killed without a goodbye are kept a day for diagnosis.
        WorkerHeartbeat.objects.filter(
            seen_at__lt=timezone.now() - datetime.timedelta(days=1)
        ).delete()
