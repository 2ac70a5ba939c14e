"""/healthz says whether this process can serve pages (database, cache; the replica is
reported); /healthz?check=all adds the workers, the scan and the outbox; both beat."""

from __future__ import annotations

import datetime
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection
from django.urls import reverse
from django.utils import timezone

from aduan.lib import replica
from aduan.lib.env import cache_config
from aduan.system import health
from aduan.system.heartbeats import record_scan_pass, scan_beats
from aduan.system.models import WorkerHeartbeat
from tests.test_delivery import write

ROOT = Path(__file__).resolve().parent.parent


def _beat(age_seconds: float) -> WorkerHeartbeat:
    return WorkerHeartbeat.objects.create(
        worker_id=f"w-{age_seconds}",
        hostname="host",
        pid=1,
        seen_at=timezone.now() - datetime.timedelta(seconds=age_seconds),
    )


class Unreachable:
    """A database connection whose server is gone."""

    vendor = connection.vendor

    def cursor(self):
        raise OperationalError("could not connect to server")


@pytest.fixture
def a_replica_that_is_down(monkeypatch):
    monkeypatch.setattr(replica, "has_replica", lambda: True)
    monkeypatch.setattr(health, "connections", {replica.REPLICA: Unreachable()})


@pytest.fixture
def a_cache_that_is_down(settings):
    # A real Redis client against a port where nothing listens: refused at once.
    settings.CACHES = {"default": cache_config("redis://127.0.0.1:9/0")}


def _all_well() -> None:
    _beat(5)
    record_scan_pass()


# --- /healthz: can this web process serve pages? -------------------------------------


@pytest.mark.django_db
def test_healthz_is_ok_with_the_database_and_cache_up(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": {"status": "up", "vendor": connection.vendor},
        "cache": {"status": "up", "backend": "local"},
    }
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_stays_ok_with_every_worker_stopped_as_pages_still_work(client):
    _beat(3600)  # the last worker stopped an hour ago
    assert client.get(reverse("portal:home")).status_code == 200
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert "worker" not in response.json()


@pytest.mark.django_db
def test_healthz_reports_the_database_down_when_it_cannot_be_reached(client, monkeypatch):
    monkeypatch.setattr(health, "connection", Unreachable())
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["database"] == {
        "status": "down",
        "vendor": connection.vendor,
        "error": "OperationalError",
    }
    assert "could not connect" not in response.content.decode()


@pytest.mark.django_db
def test_healthz_fails_when_the_shared_cache_is_down(client, a_cache_that_is_down):
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["cache"]["status"] == "down" and body["cache"]["backend"] == "redis"
    assert body["cache"]["error"] == "ConnectionError"


@pytest.mark.django_db
def test_a_replica_that_is_down_is_reported_without_failing_the_pages_check(
    client, a_replica_that_is_down
):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["replica"] == {
        "status": "down",
        "error": "OperationalError",
        "fallback": "primary",
    }


# --- /healthz?check=all: the background work too --------------------------------------


def _everything(client):
    return client.get(reverse("healthz"), {"check": "all"})


@pytest.mark.django_db
def test_everything_is_ok_with_a_worker_and_the_scan_alive_and_the_outbox_drained(client):
    _all_well()
    response = _everything(client)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["worker"] == {"status": "up", "alive": 1}
    assert body["scan"]["status"] == "up" and body["scan"]["last_pass_seconds_ago"] <= 5
    assert body["outbox"] == {"status": "ok", "late": 0}


@pytest.mark.django_db
def test_everything_reports_the_worker_down_without_any_heartbeat(client):
    record_scan_pass()
    response = _everything(client)
    assert response.status_code == 503
    assert response.json()["status"] == "degraded"
    assert response.json()["worker"] == {"status": "down", "alive": 0}


@pytest.mark.django_db
def test_everything_reports_the_worker_down_when_its_heartbeat_is_stale(client, settings):
    settings.ADUAN_WORKER_STALE_SECONDS = 90
    _beat(91)
    record_scan_pass()
    response = _everything(client)
    assert response.status_code == 503
    assert response.json()["worker"] == {"status": "down", "alive": 0}


@pytest.mark.django_db
def test_the_scans_heartbeat_is_not_counted_as_a_worker(client):
    record_scan_pass()
    assert _everything(client).json()["worker"]["alive"] == 0


@pytest.mark.django_db
def test_everything_reports_the_scan_down_when_it_never_ran_or_stopped(client, settings):
    _beat(5)
    assert _everything(client).json()["scan"] == {"status": "down", "last_pass_seconds_ago": None}
    settings.ADUAN_SCAN_STALE_SECONDS = 600
    record_scan_pass(timezone.now() - datetime.timedelta(seconds=700))
    response = _everything(client)
    assert response.status_code == 503
    assert response.json()["scan"]["status"] == "down"
    assert response.json()["scan"]["last_pass_seconds_ago"] >= 700


@pytest.mark.django_db
def test_a_pass_of_run_scans_records_the_scans_heartbeat(client):
    _beat(5)
    call_command("run_scans")
    assert scan_beats().count() == 1
    call_command("run_scans")
    assert scan_beats().count() == 1  # one row per host, however many passes
    assert _everything(client).json()["scan"]["status"] == "up"


@pytest.mark.django_db
def test_messages_due_for_a_quarter_of_an_hour_make_the_outbox_late(client):
    _all_well()
    write(2, prefix="fresh")
    assert _everything(client).json()["outbox"] == {"status": "ok", "late": 0}
    write(3, prefix="late", age=datetime.timedelta(minutes=16))
    response = _everything(client)
    assert response.status_code == 503
    assert response.json()["outbox"] == {"status": "late", "late": 3}


@pytest.mark.django_db
def test_everything_fails_on_a_replica_that_is_down(client, a_replica_that_is_down):
    _all_well()
    response = _everything(client)
    assert response.status_code == 503
    assert response.json()["status"] == "degraded"
    assert response.json()["replica"]["status"] == "down"


@pytest.mark.django_db
def test_everything_says_down_and_skips_the_background_without_the_database(client, monkeypatch):
    monkeypatch.setattr(health, "connection", Unreachable())
    monkeypatch.setattr(health, "worker_state", None)  # must not be asked
    body = _everything(client).json()
    assert body["status"] == "down"
    assert body["worker"] == body["scan"] == body["outbox"] == {"status": "unknown"}


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


@pytest.mark.django_db
def test_everything_fails_when_the_attachments_cannot_be_read(client, monkeypatch, caplog):
    from django.core.files.storage import default_storage

    _all_well()
    assert _everything(client).json()["storage"]["status"] == "up"

    def unreachable(name):
        raise ConnectionError("object store down")

    monkeypatch.setattr(default_storage, "exists", unreachable)
    health.forget_storage_state()  # a process checks at most twice a minute
    with caplog.at_level("WARNING", logger="django.request"):
        response = _everything(client)

    assert response.status_code == 503
    assert response.json()["storage"] == {"status": "down", "error": "ConnectionError"}
    # A monitor polling a down part must not fill the log with errors.
    assert not [r for r in caplog.records if r.name == "django.request"]


@pytest.mark.django_db
@pytest.mark.parametrize("broken", ["a file", "a directory under a file"])
def test_everything_fails_when_attachments_cannot_be_written(client, settings, tmp_path, broken):
    # MEDIA_ROOT on a mount that is missing: the name is taken by something else, or a
    # directory above it is not one. Asking whether a file exists there said "no" and
    # the check said "up", while every upload failed.
    blocker = tmp_path / "media-volume"
    blocker.write_text("not a directory")
    settings.MEDIA_ROOT = str(blocker if broken == "a file" else blocker / "deeper")
    _all_well()

    response = _everything(client)

    assert response.status_code == 503
    assert response.json()["storage"]["status"] == "down"


@pytest.mark.django_db
def test_the_storage_check_leaves_nothing_behind_and_makes_no_directory(client, settings, tmp_path):
    _all_well()

    assert _everything(client).json()["storage"] == {
        "status": "up",
        "backend": "FileSystemStorage",
    }
    assert list((tmp_path / "media").iterdir()) == []
    # A volume that is not mounted shows as missing: the check does not make it.
    settings.MEDIA_ROOT = str(tmp_path / "unmounted")
    health.forget_storage_state()
    assert _everything(client).json()["storage"]["status"] == "down"
    assert not (tmp_path / "unmounted").exists()


@pytest.mark.django_db
def test_the_storage_is_asked_at_most_twice_a_minute_however_often_anyone_polls(
    client, monkeypatch
):
    _all_well()
    writes = []
    real = health._write_probe
    monkeypatch.setattr(health, "_write_probe", lambda where: writes.append(real(where)))

    for _poll in range(5):
        assert _everything(client).json()["storage"]["status"] == "up"

    assert len(writes) == 1
