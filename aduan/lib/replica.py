"""Reading dashboards and public pages from a PostgreSQL read replica.

With DATABASE_REPLICA_URL set, the views marked `@reads_from_replica` (public lists,
maps, open data, agency pages, monitoring dashboards: pages that many read and nobody
needs to the second) send their reads to the "replica" database. Everything else goes
to the primary: every write, every read outside those views, and — inside them too —
sessions, accounts and sign-in records, which must see what was written a moment ago.
A report's own page stays on the primary, so a citizen who just supported it sees their
support. Without a replica nothing changes.

A replica that cannot be reached does not take those pages down: they read from the
primary instead (fresh data is always correct, only slower for the primary), and this
process tries the replica again REPLICA_RETRY_SECONDS later rather than waiting for its
connection timeout on every request.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from django.conf import settings
from django.db import DatabaseError, connections

REPLICA = "replica"
# Read on the primary even inside a replica view: a replica may lag a second behind.
PRIMARY_ONLY_APPS = frozenset({"sessions", "auth", "accounts", "axes", "django_tasks_db"})
_reading = ContextVar("aduan_reads_from_replica", default=False)
REPLICA_RETRY_SECONDS = 30.0
# time.monotonic() before which this process does not try the replica again.
_replica_down_until = 0.0
log = logging.getLogger(__name__)


def has_replica() -> bool:
    return REPLICA in settings.DATABASES


def replica_usable() -> bool:
    """Whether reads may go to the replica now: its connection works (opened, or checked
    by Django's per-request health check), or it failed long enough ago to try again."""
    global _replica_down_until
    if time.monotonic() < _replica_down_until:
        return False
    try:
        connections[REPLICA].cursor().close()
    except DatabaseError as exc:
        _replica_down_until = time.monotonic() + REPLICA_RETRY_SECONDS
        log.warning(
            "The read replica cannot be reached (%s); reading from the primary for %d s.",
            type(exc).__name__,
            REPLICA_RETRY_SECONDS,
        )
        return False
    return True


class ReplicaRouter:
    """Reads inside `from_replica()` to the replica; all else to the primary."""

    def db_for_read(self, model, **hints):
        if _reading.get() and model._meta.app_label not in PRIMARY_ONLY_APPS and has_replica():
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica is a copy of the primary: the same rows

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA  # the replica follows the primary's schema by replication


@contextmanager
def from_replica():
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


def _streamed(content: Iterator) -> Iterator:
    with from_replica():
        yield from content


def reads_from_replica(view):
    """A view decorator: GET and HEAD requests read from the replica, when there is one
    and it answers (streamed bodies too, as they are produced)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or not has_replica() or not replica_usable():
            return view(request, *args, **kwargs)
        with from_replica():
            response = view(request, *args, **kwargs)
        if getattr(response, "streaming", False):
            response.streaming_content = _streamed(response.streaming_content)
        return response

    return wrapper
