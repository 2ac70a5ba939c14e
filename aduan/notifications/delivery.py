"""Delivering the outbox: claim messages, send them, record what happened.

At least once, never twice on purpose. A worker claims the due messages of its task in
one short transaction (rows locked by another worker's claim are skipped), then sends
them one by one and records each outcome right after its send, on the condition that its
claim still stands. The claim is a lease: a worker that dies mid-batch leaves its
messages `sending` until the lease runs out, then the sweep hands them to another
worker, which sends the one that was in flight again with the same idempotency key. A
slow batch renews the lease of each message before sending it once half the lease has
passed, and skips any message whose lease another worker has taken over. No transaction
is held open across a provider call.
"""

from __future__ import annotations

import datetime
import logging
import random
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from aduan.notifications.adapters import DeliveryError, adapter_for
from aduan.notifications.models import Medium, Notification, State

log = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 30
LAST_RETRY_SECONDS = 6 * 60 * 60
CHUNK = 100
ERROR_LIMIT = 1000
# A message still not sent this long after it was written deserves an admin's look.
STUCK_AFTER = datetime.timedelta(minutes=15)


def deliver(ids: Iterable[int]) -> int:
    """Send the messages among `ids` that are due; returns how many went out.

    Call outside any transaction: the claim and each outcome commit on their own.
    """
    with _quick_commits():
        return _send_claimed(_claim(list(ids)))


def _lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.ADUAN_DELIVERY_LEASE_SECONDS)


def _claim(ids: list[int]) -> list[Notification]:
    """Claim the due messages among `ids`; returns those this worker now holds."""
    now = timezone.now()
    lease_until = now + _lease()
    with transaction.atomic():
        rows = list(
            Notification.objects.due(now)
            .filter(pk__in=ids)
            .exclude(medium=Medium.IN_APP)
            .select_for_update(skip_locked=True)
            .order_by("pk")
        )
        if rows:
            Notification.objects.filter(pk__in=[row.pk for row in rows]).update(
                state=State.SENDING, lease_until=lease_until, attempts=F("attempts") + 1
            )
    for row in rows:
        row.state, row.lease_until, row.attempts = State.SENDING, lease_until, row.attempts + 1
    return rows


def _send_claimed(rows: list[Notification]) -> int:
    sent = 0
    for row in rows:
        if timezone.now() > row.lease_until - _lease() / 2 and not _renew(row):
            continue
        changes = _send(row)
        _settle(row, changes)
        sent += changes["state"] == State.SENT
    return sent


def _held(row: Notification) -> QuerySet[Notification]:
    """The row, if this worker's claim on it still stands: a takeover raises `attempts`."""
    return Notification.objects.filter(pk=row.pk, state=State.SENDING, attempts=row.attempts)


def _renew(row: Notification) -> bool:
    lease_until = timezone.now() + _lease()
    if not _held(row).update(lease_until=lease_until):
        log.warning("Notification %s: its lease passed to another worker; not sent", row.pk)
        return False
    row.lease_until = lease_until
    return True


@contextmanager
def _quick_commits() -> Iterator[None]:
    """On PostgreSQL, commit claims and outcomes without waiting for the disk.

    The wait for the disk would otherwise bound a worker to a few hundred messages a
    second. Other sessions see each commit at once; only a crash of the database server
    itself can lose the last moment of commits, and a lost claim or outcome means the
    message is sent again with the same idempotency key, as after any crash.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        # Fails only on a broken connection or an aborted transaction, which end the
        # setting anyway; the original error matters more.
        with suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def _send(row: Notification) -> dict:
    """Send a claimed message; returns the changes that record the outcome."""
    try:
        reference = adapter_for(row.medium).send(row)
    except DeliveryError as exc:
        return _failure(row, str(exc), retryable=exc.retryable)
    except Exception as exc:
        # A bug or an unexpected library error must not take the rest of the batch down.
        log.exception("Delivering notification %s failed unexpectedly", row.pk)
        return _failure(row, f"{type(exc).__name__}: {exc}", retryable=True)
    return {
        "state": State.SENT,
        "sent_at": timezone.now(),
        "provider_reference": reference,
        "lease_until": None,
        "last_error": "",
    }


def _failure(row: Notification, error: str, *, retryable: bool) -> dict:
    now = timezone.now()
    if retryable and row.attempts < settings.ADUAN_DELIVERY_MAX_ATTEMPTS:
        state, next_attempt_at = State.PENDING, now + backoff(row.attempts)
    else:
        state, next_attempt_at = State.FAILED, row.next_attempt_at
        log.warning("Notification %s failed after %s attempts: %s", row.pk, row.attempts, error)
    return {
        "state": state,
        "next_attempt_at": next_attempt_at,
        "lease_until": None,
        "last_error": error[:ERROR_LIMIT],
    }


def _settle(row: Notification, changes: dict) -> None:
    """Record a message's outcome, if this worker's claim on it still stands."""
    if not _held(row).update(**changes):
        log.warning("Notification %s: its lease passed to another worker mid-send", row.pk)


def backoff(attempts: int, jitter: float | None = None) -> datetime.timedelta:
    """How long to wait after failed attempt number `attempts` (1-based): 30 s, doubling,
    at most 6 h, cut by up to a fifth at random so messages that failed together (a
    provider outage) do not all come back in the same second."""
    base = min(FIRST_RETRY_SECONDS * 2 ** max(0, attempts - 1), LAST_RETRY_SECONDS)
    fraction = random.random() if jitter is None else jitter  # noqa: S311 (not security)
    return datetime.timedelta(seconds=base * (1 - 0.2 * fraction))


def sweep_outbox(now: datetime.datetime | None = None, limit: int = 5000) -> int:
    """Enqueue delivery of every message that is due: retries whose time has come,
    enqueues lost with a crashed web process, messages whose worker died mid-send.

    Safe on several hosts at once: a message enqueued twice is still claimed once.
    Returns how many messages were enqueued.
    """
    ids = list(
        Notification.objects.due(now)
        .exclude(medium=Medium.IN_APP)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    _enqueue(ids)
    return len(ids)


def _enqueue(ids: list[int]) -> None:
    from aduan.notifications.tasks import deliver_notifications

    for start in range(0, len(ids), CHUNK):
        deliver_notifications.enqueue(ids[start : start + CHUNK])


def retry(notification: Notification) -> bool:
    """Send a failed (or long-waiting) message again now, with a fresh attempt count."""
    return retry_all([notification.pk]) == 1


def retry_all(ids: Iterable[int]) -> int:
    """`retry` for many messages at once; those being sent right now are left alone.

    Delivery is enqueued when the surrounding transaction commits.
    """
    retryable = Notification.objects.filter(
        pk__in=list(ids), state__in=[State.FAILED, State.PENDING]
    ).exclude(medium=Medium.IN_APP)
    chosen = list(retryable.values_list("pk", flat=True))
    count = retryable.filter(pk__in=chosen).update(
        state=State.PENDING, next_attempt_at=timezone.now(), attempts=0, lease_until=None
    )
    if chosen:
        transaction.on_commit(lambda: _enqueue(chosen))
    return count


def needing_attention(now: datetime.datetime | None = None) -> QuerySet[Notification]:
    """Messages an admin should look at: failed ones, and those still unsent long after
    they were written (a provider down, no worker running)."""
    now = now or timezone.now()
    return Notification.objects.exclude(medium=Medium.IN_APP).filter(
        Q(state=State.FAILED)
        | Q(state__in=[State.PENDING, State.SENDING], created_at__lte=now - STUCK_AFTER)
    )
