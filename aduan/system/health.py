"""Health checks: /healthz for the load balancer, /healthz?check=all for monitoring.

`/healthz` answers one question: can this web process serve pages? Pages need the
database and the cache (a shared Redis, when ADUAN_CACHE_URL is set); a read replica is
reported but does not fail the check, because pages fall back to the primary while it
is down (aduan/lib/replica.py). Background work is deliberately left out: pages work
with every worker stopped, and a load balancer that took the web processes out of
service for that would take the whole site offline.

`/healthz?check=all` adds the background work — task workers alive, the periodic scan
alive, the outbox drained — the replica, and the suggestion models (each live one loads
in this process; retraining keeps them current), and fails when any of them is not right.
That is for the monitoring that pages an operator, never for the load balancer.

Both answer JSON (docs/operations.md, "Health") and are never cached.
"""

from __future__ import annotations

import datetime
import secrets
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import FileSystemStorage
from django.db import connection, connections
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from aduan.lib import replica
from aduan.system.heartbeats import scan_beats, worker_beats

# Counting late messages stops here: the figure only has to say "a few" or "many".
OUTBOX_COUNT_LIMIT = 1000


def _select_one(conn) -> None:
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def database_state() -> dict:
    try:
        _select_one(connection)
    except Exception as exc:  # any failure to reach the database means "down"
        return {"status": "down", "vendor": connection.vendor, "error": type(exc).__name__}
    return {"status": "up", "vendor": connection.vendor}


def cache_state() -> dict:
    """Write and read back a value: a Redis that accepts connections but not writes
    (out of memory, a read-only replica) fails pages as surely as one that is gone."""
    backend = "redis" if "redis" in settings.CACHES["default"]["BACKEND"].lower() else "local"
    key, value = "aduan:healthz", secrets.token_hex(8)
    try:
        cache.set(key, value, 30)
        readable = cache.get(key) == value
    except Exception as exc:  # redis-py raises its own errors, not Django's
        return {"status": "down", "backend": backend, "error": type(exc).__name__}
    if not readable:
        return {"status": "down", "backend": backend, "error": "NotStored"}
    return {"status": "up", "backend": backend}


def replica_state() -> dict | None:
    """None without a replica. A replica that does not answer is "down" with the
    pages it would serve read from the primary meanwhile."""
    if not replica.has_replica():
        return None
    try:
        _select_one(connections[replica.REPLICA])
    except Exception as exc:
        return {"status": "down", "error": type(exc).__name__, "fallback": "primary"}
    return {"status": "up"}


# The storage check writes a file or asks the object store (a billed request): anyone may
# poll /healthz?check=all, so each process asks at most this often.
STORAGE_CHECK_SECONDS = 30
_storage_checked: dict = {}


def storage_state() -> dict:
    """Whether attachments can be stored and read: the file system under MEDIA_ROOT or
    the object store of ADUAN_S3_BUCKET; the answer is kept STORAGE_CHECK_SECONDS."""
    now = time.monotonic()
    kept = _storage_checked.get("state")
    if kept is not None and now - _storage_checked["at"] < STORAGE_CHECK_SECONDS:
        return kept
    state = _check_storage()
    _storage_checked.update(state=state, at=now)
    return state


def forget_storage_state() -> None:
    """Check the storage afresh at the next question (tests, a changed setting)."""
    _storage_checked.clear()


def _check_storage() -> dict:
    from django.core.files.storage import storages

    storage = storages["default"]
    try:
        storage.exists("healthz/probe")
        if isinstance(storage, FileSystemStorage):
            _write_probe(Path(storage.location))
        elif getattr(storage, "bucket_name", None) and hasattr(storage, "connection"):
            # An object store answers "no such name" for a bucket that does not exist as
            # well: ask about the bucket itself (a mistyped ADUAN_S3_BUCKET, lost access).
            storage.connection.meta.client.head_bucket(Bucket=storage.bucket_name)
    except Exception as exc:
        return {"status": "down", "error": type(exc).__name__}
    return {"status": "up", "backend": type(storage).__name__}


def _write_probe(location: Path) -> None:
    """Write and remove a small file under MEDIA_ROOT, as an upload would: asking whether
    a name exists says nothing there (a missing, read-only or unmounted directory simply
    holds no such name), and permission bits say nothing to root. The directory is never
    made here: a volume that is not mounted must show as missing (`manage.py start`
    makes it for the embedded installation; production makes it once)."""
    with tempfile.NamedTemporaryFile(dir=location, prefix=".healthz-") as probe:
        probe.write(b"ok")
        probe.flush()


def worker_state(now: datetime.datetime) -> dict:
    stale = datetime.timedelta(seconds=settings.ADUAN_WORKER_STALE_SECONDS)
    try:
        alive = worker_beats().filter(seen_at__gte=now - stale).count()
    except Exception as exc:
        return {"status": "unknown", "error": type(exc).__name__}
    return {"status": "up" if alive else "down", "alive": alive}


def scan_state(now: datetime.datetime) -> dict:
    """Up when some host finished a pass of run_scans within ADUAN_SCAN_STALE_SECONDS."""
    try:
        last = scan_beats().order_by("-seen_at").values_list("seen_at", flat=True).first()
    except Exception as exc:
        return {"status": "unknown", "error": type(exc).__name__}
    if last is None:
        return {"status": "down", "last_pass_seconds_ago": None}
    age = max(0, round((now - last).total_seconds()))
    fresh = age <= settings.ADUAN_SCAN_STALE_SECONDS
    return {"status": "up" if fresh else "down", "last_pass_seconds_ago": age}


def outbox_state(now: datetime.datetime) -> dict:
    """Messages due for sending for longer than the failed-deliveries page tolerates:
    workers too few, stopped, or stuck. Counted on the outbox's partial index."""
    from aduan.notifications.delivery import STUCK_AFTER
    from aduan.notifications.models import Medium, Notification

    try:
        late = Notification.objects.due(now - STUCK_AFTER).exclude(medium=Medium.IN_APP)
        count = late.order_by()[:OUTBOX_COUNT_LIMIT].count()
    except Exception as exc:
        return {"status": "unknown", "error": type(exc).__name__}
    return {"status": "late" if count else "ok", "late": count}


def triage_state(now: datetime.datetime | None = None) -> dict:
    """Whether each live suggestion model serves in this process, and whether retraining
    keeps the models current. A live model whose file is missing on this host (a state
    directory that is not shared), damaged, or written by another version of Aduan or
    scikit-learn leaves the routing rules suggesting, and nothing else says so. The model
    is loaded as the first suggestion would load it, and kept for the suggestions after;
    a file that failed is read again only once it changes. A retraining that fails or is
    never queued leaves the routing rules (or an ageing model) suggesting just as
    silently: such a kind is "stale" (`aduan.triage.training.stalled`)."""
    from aduan.triage.models import TriageModel
    from aduan.triage.suggest import live_model_problem
    from aduan.triage.training import stalled

    body = {"status": "up"}
    try:
        live = dict(TriageModel.objects.filter(is_live=True).values_list("kind", "version"))
        stale = stalled(now or timezone.now())
        for kind in TriageModel.Kind.values:
            problem = live_model_problem(kind) if kind in live else None
            body[kind] = {"status": "down" if problem else "up", "live": live.get(kind)}
            if problem:
                # Anyone may ask: the message names the file and quotes the library,
                # so it stays on the models page and in the log.
                body[kind] |= {"problem": problem.problem, "error": problem.error}
                body["status"] = "down"
            elif kind in stale:
                body[kind] |= _stale(stale[kind])
                body["status"] = "stale" if body["status"] == "up" else body["status"]
    except Exception as exc:
        return {"status": "unknown", "error": type(exc).__name__}
    return body


def _stale(found) -> dict:
    last = found.last.isoformat(timespec="seconds") if found.last else None
    return {"status": "stale", "stale": found.reason, "last_retrained": last}


def serving_state() -> tuple[bool, dict]:
    """Whether this process can serve pages, and the parts it depends on."""
    body = {"database": database_state(), "cache": cache_state()}
    if (state := replica_state()) is not None:
        body["replica"] = state
    healthy = body["database"]["status"] == "up" and body["cache"]["status"] == "up"
    return healthy, {"status": "ok" if healthy else "down", **body}


def everything_state() -> tuple[bool, dict]:
    """The serving parts, the replica and the background work; healthy only if all are."""
    serving, body = serving_state()
    now = timezone.now()
    body["storage"] = storage_state()
    if body["database"]["status"] == "up":
        body |= {"worker": worker_state(now), "scan": scan_state(now), "outbox": outbox_state(now)}
        body["triage"] = triage_state(now)
    else:
        body |= {part: {"status": "unknown"} for part in ("worker", "scan", "outbox", "triage")}
    healthy = (
        serving
        and body.get("replica", {"status": "up"})["status"] == "up"
        and body["storage"]["status"] == "up"
        and body["worker"]["status"] == "up"
        and body["scan"]["status"] == "up"
        and body["outbox"]["status"] == "ok"
        and body["triage"]["status"] == "up"
    )
    body["status"] = "ok" if healthy else ("degraded" if serving else "down")
    return healthy, body


@never_cache
def healthz(request):
    check = everything_state if request.GET.get("check") == "all" else serving_state
    healthy, body = check()
    return JsonResponse(body, status=200 if healthy else 503)
