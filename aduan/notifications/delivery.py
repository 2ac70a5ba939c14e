"""Delivering the outbox: claim messages, send them, record what happened.

At least once, never twice on purpose: the claim, lease, renewal and retry rules are
`aduan.lib.leasing`'s, shared with webhook calls. A message sent again after a worker
crash carries the same idempotency key, so providers that honour it drop the repeat.
"""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aduan.lib.leasing import (  # noqa: F401 (backoff: part of the API)
    DeliveryError,
    LeasedQueue,
    backoff,
)
from aduan.lib.sealed import unseal
from aduan.notifications.adapters import adapter_for
from aduan.notifications.models import Medium, Notification, SecretKind, State

log = logging.getLogger(__name__)

CHUNK = 100
# A message still not sent this long after it was written deserves an admin's look.
STUCK_AFTER = datetime.timedelta(minutes=15)
# Recorded as the error of a secret given up rather than sent late (read by admins).
SECRET_GIVEN_UP = "not sent: the code had expired, was used or was replaced by a new one"
SECRET_UNREADABLE = "not sent: the code was sealed under a SECRET_KEY this process lacks"
FORGOTTEN = {"body": "", "short": ""}
_DIGITS = re.compile(r"\d{4,}")


def _send_one(row: Notification) -> dict:
    if row.is_secret:
        return _send_secret(row)
    if _holder_unproven(row):
        # Only that there is news, and where to read it: the record says what was sent.
        row.short = news_without_details(row.user)
        return {"provider_reference": adapter_for(row.medium).send(row), "short": row.short}
    if _guest_number_lapsed(row):
        row.short = guest_news_without_details(row.language)
        return {"provider_reference": adapter_for(row.medium).send(row), "short": row.short}
    return {"provider_reference": adapter_for(row.medium).send(row)}


def _holder_unproven(row: Notification) -> bool:
    """Whether a text message to an account goes to a number the account may no longer
    hold: unused for months (`holds_phone`; the operator may have given it to someone
    else), or no longer the account's verified number."""
    if row.medium not in (Medium.SMS, Medium.WHATSAPP) or row.user is None:
        return False
    user = row.user
    return not (user.holds_verified_phone and user.verified_phone == row.address)


def _guest_number_lapsed(row: Notification) -> bool:
    """Whether a text message to a guest reporter goes to a number unused for their
    report for months (`Report.guest_phone_lapsed`): the operator may have given it to
    someone else, whom the report's words and its reporter's access link would expose."""
    if row.medium not in (Medium.SMS, Medium.WHATSAPP) or row.user_id or not row.report_id:
        return False
    report = row.report
    return report.guest_phone == row.address and report.guest_phone_lapsed


def guest_news_without_details(language: str) -> str:
    """A text message that names no report, quotes nobody and carries no link: that
    there is news, to be read through the link the guest received when reporting."""
    with translation.override(language or settings.LANGUAGE_CODE):
        return _(
            "%(site)s: there is news about a report sent from this number. Its reporter "
            "can read it through the link received when reporting."
        ) % {"site": settings.SITE_NAME}


def news_without_details(user) -> str:
    """A text message that names no report and quotes nobody: that the account has news,
    and where to sign in to read it."""
    link = settings.ADUAN_SITE_URL + reverse("accounts:login")
    with translation.override(user.language or settings.LANGUAGE_CODE):
        return _(
            "%(site)s: there is news about your report. Sign in to read it: %(link)s — to "
            "get the details here again, confirm this number on your account page."
        ) % {"site": settings.SITE_NAME, "link": link}


def _send_secret(row: Notification) -> dict:
    """Send a one-time code only while it can still be typed, and forget its text once it
    is sent or given up: the queue records FORGOTTEN with the outcome."""
    from aduan.accounts.phone import message_is_live

    if not row.short or not message_is_live(row):
        raise DeliveryError(SECRET_GIVEN_UP, retryable=False, details=FORGOTTEN)
    _open_secret(row)
    try:
        reference = adapter_for(row.medium).send(row)
    except DeliveryError as exc:
        error, retryable = str(exc), exc.retryable
    except Exception as exc:
        # Not logged with its text or traceback (the queue would): either may quote the
        # request, code included.
        log.error("Delivering notification %s failed unexpectedly: %s", row.pk, type(exc).__name__)
        error, retryable = f"{type(exc).__name__} (details not kept: the text is secret)", True
    else:
        return {"provider_reference": reference, **FORGOTTEN}
    # Any number a provider echoed back may be the code: none is kept in the error.
    final = not retryable or row.attempts >= QUEUE.max_attempts()
    raise DeliveryError(
        _DIGITS.sub("…", error), retryable=retryable, details=FORGOTTEN if final else {}
    )


def _open_secret(row: Notification) -> None:
    """Put the clear text on `row`, in memory only, for its adapter (which also scrubs
    it from a provider's error). The outcome is recorded by an UPDATE naming the changed
    columns, so the stored text stays sealed for a retry. A text no key opens (SECRET_KEY
    replaced with no fallback while the code waited) is given up: its reader asks for a
    new code."""
    try:
        row.body, row.short = unseal(row.body), unseal(row.short)
    except ImproperlyConfigured:
        log.error("Notification %s: its sealed text opens with no key; given up", row.pk)
        raise DeliveryError(SECRET_UNREADABLE, retryable=False, details=FORGOTTEN) from None


def forget_secrets(rows: QuerySet[Notification]) -> int:
    """Give up the secret messages among `rows` still waiting to be sent, and blank the
    text of those already done; for secrets of no more use (a code used, replaced or
    expired). A message being sent right now is left to its worker, which checks the
    secret first and forgets it when done. Returns how many were given up."""
    rows = rows.filter(kind__in=SecretKind.values)
    given_up = rows.filter(state=State.PENDING).update(
        state=State.FAILED, last_error=SECRET_GIVEN_UP, lease_until=None, **FORGOTTEN
    )
    rows.filter(state__in=[State.SENT, State.FAILED]).exclude(body="", short="").update(**FORGOTTEN)
    return given_up


QUEUE = LeasedQueue(
    claimable=lambda now: (
        Notification.objects.due(now).exclude(medium=Medium.IN_APP).select_related("user", "report")
    ),
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
    """Enqueue delivery of every message that is due (see LeasedQueue.sweep), after
    giving up the codes that expired unsent."""
    from aduan.accounts.phone import forget_expired_messages

    forget_expired_messages(now or timezone.now())
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
    # A one-time code is never sent again: it expired or its text is forgotten by the
    # time it could be listed; its reader asks for a new one.
    return QUEUE.retry_all(rows.exclude(kind__in=SecretKind.values))


def needing_attention(now: datetime.datetime | None = None) -> QuerySet[Notification]:
    """Messages an admin should look at: failed ones, and those still unsent long after
    they were written (a provider down, no worker running)."""
    now = now or timezone.now()
    return Notification.objects.exclude(medium=Medium.IN_APP).filter(
        Q(state=State.FAILED)
        | Q(state__in=[State.PENDING, State.SENDING], created_at__lte=now - STUCK_AFTER)
    )
