"""Delivering the outbox: claim messages, send them, record what happened.

At least once, never twice on purpose: the claim, lease, renewal and retry rules are
`aduan.lib.leasing`'s, shared with webhook calls. A message sent again after a worker
crash carries the same idempotency key, so providers that honour it drop the repeat.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from aduan.lib.leasing import LeasedQueue, backoff  # noqa: F401 (backoff: part of the API)
from aduan.notifications.adapters import adapter_for
from aduan.notifications.models import Medium, Notification, State

CHUNK = 100
# A message still not sent this long after it was written deserves an admin's look.
STUCK_AFTER = datetime.timedelta(minutes=15)


def _send_one(row: Notification) -> dict:
    return {"provider_reference": adapter_for(row.medium).send(row)}


QUEUE = LeasedQueue(
    claimable=lambda now: Notification.objects.due(now).exclude(medium=Medium.IN_APP),
    send=_send_one,
    enqueue=lambda ids: _enqueue(ids),
    lease=lambda: datetime.timedelta(seconds=settings.ADUAN_DELIVERY_LEASE_SECONDS),
    max_attempts=lambda: settings.ADUAN_DELIVERY_MAX_ATTEMPTS,
    label="Notification",
)


def deliver(ids: Iterable[int]) -> int:
    """Send the messages among `ids` that are due; returns how many went out.

    Call outside any transaction: the claim and each outcome commit on their own.
    """
    return QUEUE.deliver(ids)


def sweep_outbox(now: datetime.datetime | None = None, limit: int = 5000) -> int:
    """Enqueue delivery of every message that is due (see LeasedQueue.sweep)."""
    return QUEUE.sweep(now, limit)


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
    rows = Notification.objects.filter(pk__in=list(ids)).exclude(medium=Medium.IN_APP)
    return QUEUE.retry_all(rows)


def needing_attention(now: datetime.datetime | None = None) -> QuerySet[Notification]:
    """Messages an admin should look at: failed ones, and those still unsent long after
    they were written (a provider down, no worker running)."""
    now = now or timezone.now()
    return Notification.objects.exclude(medium=Medium.IN_APP).filter(
        Q(state=State.FAILED)
        | Q(state__in=[State.PENDING, State.SENDING], created_at__lte=now - STUCK_AFTER)
    )
