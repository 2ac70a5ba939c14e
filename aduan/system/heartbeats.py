"""Signs of life of the background work, kept in the WorkerHeartbeat table.

Task workers beat every few seconds from a thread (run_worker). The periodic scan
(run_scans) records the end of each pass instead, so a scan stuck in a pass shows as
stopped too. A scan's row is keyed by host, not by process: run from cron, every pass
is a new process, and one row per host is enough to tell that the host still scans.
"""

from __future__ import annotations

import datetime
import os
import socket

from django.db.models import QuerySet
from django.utils import timezone

from aduan.system.models import WorkerHeartbeat

SCAN_PREFIX = "scan:"


def record_scan_pass(now: datetime.datetime | None = None) -> None:
    """Note that this host just finished a pass of the periodic scan."""
    hostname = socket.gethostname()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=f"{SCAN_PREFIX}{hostname}"[:64],
        defaults={"hostname": hostname, "pid": os.getpid(), "seen_at": now or timezone.now()},
    )


def worker_beats() -> QuerySet[WorkerHeartbeat]:
    return WorkerHeartbeat.objects.exclude(worker_id__startswith=SCAN_PREFIX)


def scan_beats() -> QuerySet[WorkerHeartbeat]:
    return WorkerHeartbeat.objects.filter(worker_id__startswith=SCAN_PREFIX)
