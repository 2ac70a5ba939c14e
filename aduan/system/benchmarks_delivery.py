"""How fast real workers drain the outbox: `manage.py benchmark --delivery 10000`.

Writes `count` pending SMS messages into the current database, starts `workers` real
worker processes against it with a fake SMS gateway (a real HTTP server in this
process), enqueues the messages as the outbox does, and times until every one is sent.
The messages and their task rows are deleted afterwards. Also home to the helpers that
start real workers against the current database, which the crash test uses.
"""

from __future__ import annotations

import datetime
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import IO
from urllib.parse import quote

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from aduan.notifications.delivery import CHUNK
from aduan.notifications.fake_gateway import FakeGateway
from aduan.notifications.models import Kind, Medium, Notification, State
from aduan.notifications.tasks import deliver_notifications
from aduan.system.heartbeats import worker_beats
from aduan.system.models import WorkerHeartbeat

WRITE_BATCH = 1000


class OtherWorkersRunning(RuntimeError):
    """The installation's own workers would take the benchmark's messages and send them
    through its real gateway."""


def refuse_beside_other_workers() -> None:
    """Raise OtherWorkersRunning when a worker not started here beat recently."""
    stale = datetime.timedelta(seconds=settings.ADUAN_WORKER_STALE_SECONDS)
    alive = worker_beats().filter(seen_at__gte=timezone.now() - stale)
    alive = alive.exclude(worker_id__startswith="bench-").count()
    if alive:
        raise OtherWorkersRunning(
            f"{alive} task worker(s) of this installation are running against this database: "
            "they would send the benchmark's messages through the real SMS gateway. Run the "
            "benchmark on a copy of the database, or with the workers stopped."
        )


def database_url() -> str:
    """A DATABASE_URL naming the database this process is connected to (in tests: the
    test database), so that child processes share it."""
    config = connection.settings_dict
    vendor = connection.vendor
    if vendor == "sqlite":
        return f"sqlite:///{Path(config['NAME']).resolve()}"
    if vendor == "postgresql":
        auth = ""
        if config.get("USER"):
            auth = quote(config["USER"], safe="")
            if config.get("PASSWORD"):
                auth += ":" + quote(config["PASSWORD"], safe="")
            auth += "@"
        port = f":{config['PORT']}" if config.get("PORT") else ""
        return f"postgres://{auth}{config.get('HOST') or ''}{port}/{quote(config['NAME'])}"
    raise RuntimeError(f"Starting workers against a {vendor} database is not supported")


def start_worker(
    env: dict[str, str], *, worker_id: str = "", log: IO | None = None
) -> subprocess.Popen:
    """A real `run_worker` process on this process's database, polling every 0.1 s.

    `env` adds to (and overrides) this process's environment.
    """
    command = [
        sys.executable,
        str(Path(settings.BASE_DIR) / "manage.py"),
        "run_worker",
        "--queue-name",
        "*",
        "--interval",
        "0.1",
        "--no-startup-delay",
        "--no-reload",
    ]
    if worker_id:
        command += ["--worker-id", worker_id]
    return subprocess.Popen(
        command,
        cwd=settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": database_url(), **env},
        stdout=log or subprocess.DEVNULL,
        stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
    )


def stop_worker(process: subprocess.Popen, timeout: float = 15) -> None:
    """Ask a worker to finish its task and stop; kill it if it does not."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_until(condition: Callable[[], bool], timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


def write_messages(count: int, prefix: str, address: str = "+628123456789") -> list[int]:
    """`count` pending SMS messages, as `outbox.notify` writes them; returns their ids."""
    now = timezone.now()
    for start in range(0, count, WRITE_BATCH):
        Notification.objects.bulk_create(
            Notification(
                key=f"{prefix}:{n}:sms",
                kind=Kind.REMINDER,
                medium=Medium.SMS,
                address=address,
                subject="Pengingat",
                body=f"Pesan uji pengiriman {n}.",
                short=f"Pesan uji pengiriman {n}.",
                state=State.PENDING,
                created_at=now,
                next_attempt_at=now,
            )
            for n in range(start, min(count, start + WRITE_BATCH))
        )
    return list(
        Notification.objects.filter(key__startswith=f"{prefix}:")
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def drain(
    count: int = 10000,
    workers: int = 2,
    stdout: IO | None = None,
    *,
    delay: float = 0.0,
    timeout: float | None = None,
    progress: IO | None = None,
) -> dict[str, float]:
    """Time `workers` real workers sending `count` messages; prints `name: value unit`
    lines to `stdout`, progress to `progress` (stderr), and returns the figures."""
    stdout = stdout or sys.stdout
    progress = progress or sys.stderr
    timeout = timeout or max(120.0, count / 20)
    refuse_beside_other_workers()
    run = uuid.uuid4().hex[:8]
    prefix = f"bench-{run}"
    ids = write_messages(count, prefix)
    # A range and the run's key prefix: a list of 10,000 ids would make slow queries.
    mine = Notification.objects.filter(
        pk__gte=ids[0], pk__lte=ids[-1], key__startswith=f"{prefix}:"
    )
    tasks: list[str] = []
    processes: list[subprocess.Popen] = []
    with FakeGateway(delay=delay) as gateway:
        env = {"ADUAN_SMS_GATEWAY_URL": gateway.sms_url, "ADUAN_SMS_GATEWAY_TOKEN": ""}
        worker_ids = [f"bench-{run}-{n}" for n in range(workers)]
        try:
            processes = [start_worker(env, worker_id=worker_id) for worker_id in worker_ids]
            heartbeats = WorkerHeartbeat.objects.filter(worker_id__in=worker_ids)
            if not wait_until(lambda: heartbeats.count() == workers, timeout=60, step=0.2):
                raise RuntimeError("The workers did not start within a minute")
            started = time.perf_counter()
            for start in range(0, len(ids), CHUNK):
                tasks.append(str(deliver_notifications.enqueue(ids[start : start + CHUNK]).id))
            done = _wait_for(mine, count, timeout, progress)
            elapsed = time.perf_counter() - started
        finally:
            for process in processes:
                stop_worker(process)
        requests = len(gateway.requests)
        repeated = sum(1 for seen in gateway.received.values() if seen > 1)
    failed = mine.filter(state=State.FAILED).count()
    figures = {
        "delivery_messages": (count, "messages"),
        "delivery_workers": (workers, "workers"),
        "delivery_seconds": (round(elapsed, 2), "s"),
        "delivery_sent_per_second": (round(done / elapsed, 1) if elapsed else 0, "messages/s"),
        "delivery_failed": (failed, "messages"),
        "delivery_unsent": (count - done, "messages"),
        "delivery_gateway_requests": (requests, "requests"),
        "delivery_sent_twice": (repeated, "messages"),
    }
    for name, (value, unit) in figures.items():
        stdout.write(f"{name}: {value} {unit}\n")
    mine.delete()
    DBTaskResult.objects.filter(id__in=tasks).delete()
    return {name: value for name, (value, _unit) in figures.items()}


def _wait_for(messages, count: int, timeout: float, progress: IO) -> int:
    """Wait until every message is sent or failed; returns how many were sent."""
    deadline = time.monotonic() + timeout
    reported = 0.0
    while True:
        settled = messages.filter(state__in=[State.SENT, State.FAILED]).count()
        if settled >= count or time.monotonic() > deadline:
            return messages.filter(state=State.SENT).count()
        if time.monotonic() - reported >= 5:
            progress.write(f"delivery: {settled}/{count} settled\n")
            reported = time.monotonic()
        time.sleep(0.1)
