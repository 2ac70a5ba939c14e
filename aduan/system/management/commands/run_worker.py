"""Run a background task worker that also reports a heartbeat for /healthz."""

import datetime
import os
import socket
import threading

from django.db import close_old_connections
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Command as DBWorkerCommand

from aduan.system.models import WorkerHeartbeat

HEARTBEAT_SECONDS = 15


class Command(DBWorkerCommand):
    help = "Run the task worker (django-tasks database backend) with a heartbeat."

    def handle(self, *args, **options):
        options["worker_id"] = options["worker_id"][:64]
        stop = threading.Event()
        beat = threading.Thread(target=self._beat, args=(options["worker_id"], stop), daemon=True)
        beat.start()
        try:
            return super().handle(*args, **options)
        finally:
            stop.set()
            # Wait for a beat in flight, or it could write the row again after the delete.
            beat.join(timeout=HEARTBEAT_SECONDS)
            WorkerHeartbeat.objects.filter(worker_id=options["worker_id"]).delete()

    def _beat(self, worker_id: str, stop: threading.Event) -> None:
        while not stop.is_set():
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
            stop.wait(HEARTBEAT_SECONDS)
