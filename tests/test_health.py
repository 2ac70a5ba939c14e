"""/healthz says whether the database answers and a worker is alive; the worker beats."""

from __future__ import annotations

import datetime
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import OperationalError, connection
from django.urls import reverse
from django.utils import timezone

from aduan.system import health
from aduan.system.models import WorkerHeartbeat

ROOT = Path(__file__).resolve().parent.parent


def _beat(age_seconds: float) -> WorkerHeartbeat:
    return WorkerHeartbeat.objects.create(
        worker_id=f"w-{age_seconds}",
        hostname="host",
        pid=1,
        seen_at=timezone.now() - datetime.timedelta(seconds=age_seconds),
    )


@pytest.mark.django_db
def test_healthz_is_ok_with_the_database_up_and_a_fresh_heartbeat(client):
    _beat(5)
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "up" and body["worker"]["status"] == "up"
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_reports_the_worker_down_without_any_heartbeat(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["worker"]["status"] == "down"
    assert response.json()["database"]["status"] == "up"


@pytest.mark.django_db
def test_healthz_reports_the_worker_down_when_its_heartbeat_is_stale(client, settings):
    settings.ADUAN_WORKER_STALE_SECONDS = 90
    _beat(91)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["worker"] == {"status": "down", "alive": 0}


@pytest.mark.django_db
def test_healthz_reports_the_database_down_when_it_cannot_be_reached(client, monkeypatch):
    _beat(1)

    def unreachable():
        raise OperationalError("could not connect to server")

    fake = SimpleNamespace(vendor=connection.vendor, cursor=unreachable)
    monkeypatch.setattr(health, "connection", fake)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"]["status"] == "down"
    assert body["database"]["error"] == "OperationalError"
    assert body["worker"]["status"] == "unknown"
    assert "could not connect" not in response.content.decode()


# --- The real worker process ----------------------------------------------------------


def _worker_env(tmp_path: Path, database_url: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "ADUAN_STATE_DIR": str(tmp_path),
        "PYTHONUNBUFFERED": "1",
    }


def _shared_database(tmp_path: Path):
    """A database URL the worker can open and a way to count its heartbeats from here."""
    if connection.vendor == "postgresql":
        s = connection.settings_dict
        url = f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"
        return url, lambda: WorkerHeartbeat.objects.count()
    # The SQLite test database lives in memory, out of reach of another process: give
    # the worker a migrated file of its own and read it directly.
    path = tmp_path / "worker.sqlite3"
    url = f"sqlite:///{path}"
    manage = [sys.executable, "manage.py", "migrate", "-v0"]
    subprocess.run(manage, cwd=ROOT, env=_worker_env(tmp_path, url), check=True, timeout=120)

    def count() -> int:
        with sqlite3.connect(path) as db:
            return db.execute("SELECT COUNT(*) FROM system_workerheartbeat").fetchone()[0]

    return url, count


def _wait_for(condition, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.django_db(transaction=True)
def test_a_running_worker_beats_and_removes_its_heartbeat_when_stopped(tmp_path):
    url, heartbeats = _shared_database(tmp_path)
    assert heartbeats() == 0
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--interval", "0.5"],
        cwd=ROOT,
        env=_worker_env(tmp_path, url),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert _wait_for(lambda: heartbeats() == 1), "no heartbeat appeared"
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    output = worker.stdout.read().decode()
    assert worker.returncode == 0, output
    assert heartbeats() == 0, output
