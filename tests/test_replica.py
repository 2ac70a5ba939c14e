"""A read replica for dashboards and public pages: which reads go there, which never do,
and a real process configured with DATABASE_REPLICA_URL reading a public list from it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import OperationalError, connection
from django.http import HttpResponse, StreamingHttpResponse

from aduan.accounts.models import User
from aduan.lib import replica
from aduan.lib.replica import ReplicaRouter, from_replica, reads_from_replica
from aduan.reports.models import Report

ROOT = Path(__file__).resolve().parent.parent
router = ReplicaRouter()


@pytest.fixture
def with_replica(monkeypatch):
    monkeypatch.setattr(replica, "has_replica", lambda: True)
    monkeypatch.setattr(replica, "replica_usable", lambda: True)


class UnreachableReplica:
    """The replica's connection while its server is gone; counts the attempts."""

    def __init__(self):
        self.attempts = 0

    def cursor(self):
        self.attempts += 1
        raise OperationalError("connection refused")


@pytest.fixture
def replica_down(monkeypatch):
    down = UnreachableReplica()
    monkeypatch.setattr(replica, "has_replica", lambda: True)
    monkeypatch.setattr(replica, "connections", {replica.REPLICA: down})
    monkeypatch.setattr(replica, "_replica_down_until", 0.0)
    return down


def test_reads_go_to_the_replica_only_inside_a_replica_view(with_replica):
    assert router.db_for_read(Report) is None
    with from_replica():
        assert router.db_for_read(Report) == "replica"
        assert router.db_for_read(User) is None  # accounts and sessions: the primary
        assert router.db_for_write(Report) == "default"
    assert router.db_for_read(Report) is None


def test_without_a_replica_nothing_changes():
    with from_replica():
        assert router.db_for_read(Report) is None


def test_the_replica_is_never_migrated():
    assert router.allow_migrate("replica", "reports") is False
    assert router.allow_migrate("default", "reports") is True


def test_the_decorator_covers_gets_and_streamed_bodies_but_not_posts(rf, with_replica):
    seen = []

    @reads_from_replica
    def view(request):
        seen.append(router.db_for_read(Report))

        def body():
            seen.append(router.db_for_read(Report))
            yield b"x"

        return StreamingHttpResponse(body()) if request.GET.get("stream") else HttpResponse()

    view(rf.get("/"))
    b"".join(view(rf.get("/", {"stream": 1})).streaming_content)
    view(rf.post("/"))
    assert seen == ["replica", "replica", "replica", None]


def test_pages_read_the_primary_while_the_replica_is_down(rf, replica_down):
    seen = []

    @reads_from_replica
    def view(request):
        seen.append(router.db_for_read(Report))
        return HttpResponse()

    assert view(rf.get("/")).status_code == 200
    assert view(rf.get("/")).status_code == 200
    assert seen == [None, None]  # None: the primary
    # Tried once, then left alone for a while rather than waited for on every request.
    assert replica_down.attempts == 1


def test_the_replica_is_tried_again_once_its_pause_is_over(replica_down):
    assert replica.replica_usable() is False
    assert replica.replica_usable() is False
    assert replica_down.attempts == 1
    replica._replica_down_until = 0.0  # as REPLICA_RETRY_SECONDS later
    assert replica.replica_usable() is False
    assert replica_down.attempts == 2


def _database_url() -> str | None:
    s = connection.settings_dict
    if connection.vendor == "postgresql":
        return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"
    name = str(s["NAME"])
    return f"sqlite:///{name}" if Path(name).is_file() else None


PROBE = """
import json
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
with CaptureQueriesContext(connections["default"]) as primary, \\
        CaptureQueriesContext(connections["replica"]) as copy:
    status = Client().get("/laporan/").status_code
print(json.dumps({"status": status, "primary": len(primary), "replica": len(copy)}))
"""


@pytest.mark.django_db(transaction=True)
def test_a_process_with_a_replica_reads_the_public_feed_from_it(tmp_path, world):
    url = _database_url()
    assert url, "the test database must be reachable from another process"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DATABASE_REPLICA_URL": url,  # the same database stands in for its replica
        "ADUAN_STATE_DIR": str(tmp_path),
        "ALLOWED_HOSTS": "testserver",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["status"] == 200
    assert figures["replica"] > 0
    assert figures["primary"] == 0


# Capturing the replica's queries would connect to it: count the primary's only.
PROBE_WITHOUT_REPLICA = """
import json
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
with CaptureQueriesContext(connections["default"]) as primary:
    response = Client().get("/laporan/")
feed = any("reports_report" in query["sql"] for query in primary.captured_queries)
print(json.dumps({"status": response.status_code, "feed": feed, "read_primary": bool(primary)}))
"""


@pytest.mark.django_db(transaction=True)
def test_a_process_whose_replica_is_down_serves_the_public_feed_from_the_primary(tmp_path, world):
    url = _database_url()
    assert url, "the test database must be reachable from another process"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        # Nothing listens on port 1: the connection is refused at once.
        "DATABASE_REPLICA_URL": "postgres://aduan@127.0.0.1:1/aduan?connect_timeout=2",
        "ADUAN_STATE_DIR": str(tmp_path),
        "ALLOWED_HOSTS": "testserver",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PROBE_WITHOUT_REPLICA],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures == {"status": 200, "feed": True, "read_primary": True}
    assert "reading from the primary" in result.stderr
