"""Leased delivery of outbox rows: claim, send, record what happened.

At least once, never twice on purpose. Used for messages to people (notifications) and
for webhook calls to other systems alike; a row needs the fields `state`, `attempts`,
`next_attempt_at`, `lease_until`, `last_error` and `sent_at`.

A worker claims the due rows of its task in one short transaction (rows locked by another
worker's claim are skipped), then sends them one by one and records each outcome right
after its send, on the condition that its claim still stands. The claim is a lease: a
worker that dies mid-batch leaves its rows `sending` until the lease runs out, then a
sweep hands them to another worker, which sends the one that was in flight again with the
same idempotency key. A slow batch renews the lease of each row before sending it once
half the lease has passed, and skips any row whose lease another worker has taken over.
No transaction is held open across a call to another server.
"""

from __future__ import annotations

import datetime
import logging
import random
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

from django.db import DatabaseError, connection, models, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aduan.system.logformat import log_moment

log = logging.getLogger(__name__)

FIRST_RETRY_SECONDS = 30
LAST_RETRY_SECONDS = 6 * 60 * 60
ERROR_LIMIT = 1000


class State(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class DeliveryError(Exception):
    """The row did not go out. `retryable` is False when sending again cannot help (a
    refused address, a rejected payload, a missing configuration). `details` are extra
    field values to record with the failure (the HTTP status, the answer)."""

    def __init__(self, message: str, *, retryable: bool, details: dict | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.details = details or {}


def due_q(now: datetime.datetime) -> Q:
    """Rows a worker should (re)try now: waiting and due, or abandoned mid-send."""
    return Q(state=State.PENDING, next_attempt_at__lte=now) | Q(
        state=State.SENDING, lease_until__lt=now
    )


def backoff(attempts: int, jitter: float | None = None) -> datetime.timedelta:
    """How long to wait after failed attempt number `attempts` (1-based): 30 s, doubling,
    at most 6 h, cut by up to a fifth at random so rows that failed together (a provider
    outage) do not all come back in the same second."""
    base = min(FIRST_RETRY_SECONDS * 2 ** max(0, attempts - 1), LAST_RETRY_SECONDS)
    fraction = random.random() if jitter is None else jitter  # noqa: S311 (not security)
    return datetime.timedelta(seconds=base * (1 - 0.2 * fraction))


@contextmanager
def quick_commits() -> Iterator[None]:
    """On PostgreSQL, commit claims and outcomes without waiting for the disk.

    The wait for the disk would otherwise bound a worker to a few hundred rows a second.
    Other sessions see each commit at once; only a crash of the database server itself
    can lose the last moment of commits, and a lost claim or outcome means the row is
    sent again with the same idempotency key, as after any crash.
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


@dataclass(frozen=True)
class LeasedQueue:
    """How one kind of outbox row is delivered.

    `claimable(now)` gives the rows that may be claimed now; `send(row)` delivers one row
    and returns extra field values to record with its success, or raises DeliveryError;
    `enqueue(ids)` hands rows to the workers; `lease()` and `max_attempts()` read the
    settings at call time.
    """

    claimable: Callable[[datetime.datetime], QuerySet]
    send: Callable[[models.Model], dict]
    enqueue: Callable[[list[int]], None]
    lease: Callable[[], datetime.timedelta]
    max_attempts: Callable[[], int]
    label: str

    def deliver(self, ids: Iterable[int]) -> int:
        """Send the rows among `ids` that are due; returns how many went out.

        Call outside any transaction: the claim and each outcome commit on their own.
        """
        with quick_commits():
            return self.send_claimed(self.claim(list(ids)))

    def claim(self, ids: list[int]) -> list:
        """Claim the due rows among `ids`; returns those this worker now holds."""
        now = timezone.now()
        lease_until = now + self.lease()
        with transaction.atomic():
            rows = list(
                self.claimable(now)
                .filter(pk__in=ids)
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("pk")
            )
            if rows:
                self._model.objects.filter(pk__in=[row.pk for row in rows]).update(
                    state=State.SENDING, lease_until=lease_until, attempts=F("attempts") + 1
                )
        for row in rows:
            row.state, row.lease_until = State.SENDING, lease_until
            row.attempts += 1
        return rows

    @property
    def _model(self) -> type[models.Model]:
        return self.claimable(timezone.now()).model

    def send_claimed(self, rows: list) -> int:
        sent = 0
        for row in rows:
            if timezone.now() > row.lease_until - self.lease() / 2 and not self.renew(row):
                continue
            changes = self._attempt(row)
            self.settle(row, changes)
            sent += changes["state"] == State.SENT
        return sent

    def held(self, row) -> QuerySet:
        """The row, if this worker's claim on it still stands: a takeover raises
        `attempts`."""
        return type(row).objects.filter(pk=row.pk, state=State.SENDING, attempts=row.attempts)

    def renew(self, row) -> bool:
        lease_until = timezone.now() + self.lease()
        if not self.held(row).update(lease_until=lease_until):
            log.warning("%s %s: its lease passed to another worker; not sent", self.label, row.pk)
            return False
        row.lease_until = lease_until
        return True

    def _attempt(self, row) -> dict:
        """Send a claimed row; returns the changes that record the outcome."""
        try:
            extra = self.send(row)
        except DeliveryError as exc:
            return {**self.failure(row, str(exc), retryable=exc.retryable), **exc.details}
        except Exception as exc:
            # A bug or an unexpected library error must not take the rest of the batch.
            log.exception("Delivering %s %s failed unexpectedly", self.label, row.pk)
            return self.failure(row, f"{type(exc).__name__}: {exc}", retryable=True)
        return {
            "state": State.SENT,
            "sent_at": timezone.now(),
            "lease_until": None,
            "last_error": "",
            **extra,
        }

    def failure(self, row, error: str, *, retryable: bool) -> dict:
        now = timezone.now()
        if retryable and row.attempts < self.max_attempts():
            state, next_attempt_at = State.PENDING, now + backoff(row.attempts)
            # Every failed attempt is logged: an operator watching the log learns of a
            # broken gateway at the first message, not hours later at the last attempt.
            log.warning(
                "%s %s: attempt %s of %s failed, next at %s: %s",
                self.label,
                row.pk,
                row.attempts,
                self.max_attempts(),
                log_moment(next_attempt_at),
                error,
            )
        else:
            state, next_attempt_at = State.FAILED, row.next_attempt_at
            log.warning(
                "%s %s failed after %s attempts: %s", self.label, row.pk, row.attempts, error
            )
        return {
            "state": state,
            "next_attempt_at": next_attempt_at,
            "lease_until": None,
            "last_error": error[:ERROR_LIMIT],
        }

    def settle(self, row, changes: dict) -> None:
        """Record a row's outcome, if this worker's claim on it still stands."""
        if not self.held(row).update(**changes):
            log.warning("%s %s: its lease passed to another worker mid-send", self.label, row.pk)

    def retry_all(self, rows: QuerySet) -> int:
        """Make failed or waiting rows among `rows` due now with a fresh attempt count and
        enqueue them when the surrounding transaction commits; rows being sent right now
        are left alone. Returns how many rows were made due."""
        retryable = rows.filter(state__in=[State.FAILED, State.PENDING])
        chosen = list(retryable.values_list("pk", flat=True))
        count = retryable.filter(pk__in=chosen).update(
            state=State.PENDING, next_attempt_at=timezone.now(), attempts=0, lease_until=None
        )
        if chosen:
            transaction.on_commit(lambda: self.enqueue(chosen))
        return count

    def sweep(self, now: datetime.datetime | None = None, limit: int = 5000) -> int:
        """Enqueue every row that is due: retries whose time has come, enqueues lost with
        a crashed process, rows whose worker died mid-send. Safe on several hosts at once:
        a row enqueued twice is still claimed once. Returns how many were enqueued."""
        ids = list(
            self.claimable(now or timezone.now())
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            self.enqueue(ids)
        return len(ids)
