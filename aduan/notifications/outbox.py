"""Writing messages to the outbox, and who hears about what happens to a report.

Call `notify` (or `announce`, for timeline events) inside the transaction that makes the
change: the messages commit or roll back with it, and their delivery is enqueued only
once it has committed. Idempotency keys name the cause (an event, a deadline, a digest
day), so processing a cause twice writes each message once.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac

from aduan.lib.sealed import seal
from aduan.lib.tasks import enqueue_with_transaction
from aduan.notifications import messages
from aduan.notifications.models import (
    Medium,
    MessageTemplate,
    Notification,
    SecretKind,
    State,
)
from aduan.organizations.models import PATH_STEP, Membership, Organization

Role = Membership.Role


@dataclass(frozen=True)
class Recipient:
    """Someone to tell: a user (in the app plus the channels they chose) or a guest
    reporter known only by an email address or phone number."""

    user: object | None = None
    email: str = ""
    phone: str = ""
    language: str = "id"
    name: str = ""
    # A reporter who wrote to us by WhatsApp or SMS is answered on that medium when it is
    # configured (Medium.WHATSAPP / Medium.SMS; "" keeps the default choice): a guest
    # only there, an account there too, besides the channels it chose.
    prefer: str = ""

    @classmethod
    def of_user(cls, user, *, prefer: str = "") -> Recipient:
        # Only a number the account proved to hold gets text messages: a typed one may
        # be a stranger's (`aduan.accounts.phone`).
        wants_phone = user.notify_by_whatsapp or user.notify_by_sms or prefer
        return cls(
            user=user,
            email=user.email if user.notify_by_email else "",
            phone=user.verified_phone if wants_phone else "",
            language=user.language or "id",
            name=user.full_name,
            prefer=prefer,
        )

    @property
    def ident(self) -> str:
        return f"u{self.user.pk}" if self.user is not None else self.email or self.phone

    def media(self) -> list[tuple[str, str]]:
        """(medium, address) pairs this recipient is reached on."""
        found: list[tuple[str, str]] = []
        if self.user is not None:
            found.append((Medium.IN_APP, ""))
        if self.email:
            found.append((Medium.EMAIL, self.email))
        if self.phone and self.user is None and self._preferred_enabled():
            return [*found, (self.prefer, self.phone)]
        if self.phone:
            wants_whatsapp = self.user.notify_by_whatsapp if self.user else True
            wants_sms = self.user.notify_by_sms if self.user else not whatsapp_enabled()
            if wants_whatsapp and whatsapp_enabled():
                found.append((Medium.WHATSAPP, self.phone))
            if wants_sms and sms_enabled():
                found.append((Medium.SMS, self.phone))
            preferred = (self.prefer, self.phone)
            if self.prefer and self._preferred_enabled() and preferred not in found:
                found.append(preferred)
        return found

    def _preferred_enabled(self) -> bool:
        enabled = _PHONE_MEDIA.get(self.prefer)
        return enabled is not None and enabled()


def whatsapp_enabled() -> bool:
    return bool(settings.ADUAN_WHATSAPP_PHONE_NUMBER_ID and settings.ADUAN_WHATSAPP_TOKEN)


def sms_enabled() -> bool:
    return bool(settings.ADUAN_SMS_GATEWAY_URL)


_PHONE_MEDIA = {Medium.WHATSAPP: whatsapp_enabled, Medium.SMS: sms_enabled}


def absolute(path: str) -> str:
    return settings.ADUAN_SITE_URL + path


def notify(
    kind: str,
    recipients: Iterable[Recipient],
    *,
    key: str,
    context: dict,
    report=None,
    organization: Organization | None = None,
    link: str = "",
    own_wording: bool = True,
) -> int:
    """Write `kind` for each recipient on each of their channels; returns rows written.

    Call inside the transaction that causes the message. `key` names the cause; with the
    recipient and channel it forms the idempotency key, so a repeat writes nothing.
    Inside `combining(kind)`, a staff member's email and text messages wait to be
    written as one at the end of the block. `own_wording=False`: the built-in text,
    not `organization`'s, for a message about what another did in its stead.
    """
    now = timezone.now()
    in_app_only = is_in_app_only()
    combined = getattr(_batch, "combined", None)
    cause = _Cause(kind, key, context, report, organization, link, own_wording)
    rows: list[Notification] = []
    rendered: dict[str, messages.Rendered] = {}
    for recipient in recipients:
        media = recipient.media()
        if not media:
            continue
        language = recipient.language if recipient.language in messages.LANGUAGES else "id"
        if language not in rendered:
            rendered[language] = cause.render(language)
        for medium, address in media:
            if in_app_only and medium != Medium.IN_APP:
                continue
            if combined is not None and combined.takes(kind, recipient, medium):
                combined.hold(cause, recipient, medium, address)
                continue
            rows.append(cause.row(recipient, medium, address, rendered[language], now))
    pending = getattr(_batch, "rows", None)
    if pending is not None:
        pending.extend(rows)
    else:
        _write(rows)
    return len(rows)


@dataclass
class _Cause:
    """One message's cause: what `notify` was asked to write."""

    kind: str
    key: str
    context: dict
    report: object | None
    organization: Organization | None
    link: str
    own_wording: bool = True

    def render(self, language: str, **extra) -> messages.Rendered:
        own = self.own_wording
        return messages.render_with(
            self.kind,
            language,
            {**self.context, "link": self.link, **extra},
            override=_override(self.kind, language, self.organization) if own else None,
            organization=self.organization,
        )

    def row(self, recipient, medium: str, address: str, text, now) -> Notification:
        in_app = medium == Medium.IN_APP
        return Notification(
            key=f"{self.key}:{recipient.ident}:{medium}"[:200],
            kind=self.kind,
            medium=medium,
            user=recipient.user,
            address=address,
            language=recipient.language if recipient.language in messages.LANGUAGES else "id",
            report=self.report,
            organization=self.organization,
            subject=text.subject,
            body=text.body,
            short=text.short,
            link=self.link,
            state=State.SENT if in_app else State.PENDING,
            sent_at=now if in_app else None,
            created_at=now,
            next_attempt_at=now,
        )


class _Combined:
    """The email and text messages of one kind held for staff inside `combining`, per
    person and channel, in the order their causes committed."""

    def __init__(self, kind: str):
        self.kind = kind
        self.groups: dict[tuple[str, str], list[tuple[_Cause, Recipient, str]]] = {}

    def takes(self, kind: str, recipient: Recipient, medium: str) -> bool:
        return kind == self.kind and recipient.user is not None and medium != Medium.IN_APP

    def hold(self, cause: _Cause, recipient: Recipient, medium: str, address: str) -> None:
        self.groups.setdefault((recipient.ident, medium), []).append((cause, recipient, address))

    def discard(self, report) -> None:
        """Leave out the messages about `report`: its action did not happen after all."""
        for key, held in self.groups.items():
            self.groups[key] = [entry for entry in held if entry[0].report != report]

    def rows(self) -> list[Notification]:
        """One message per person and channel: the first cause's, naming the others."""
        now, rows = timezone.now(), []
        for (_ident, medium), held in self.groups.items():
            if not held:
                continue
            (first, recipient, address), others = held[0], held[1:]
            more = [
                {"code": cause.context.get("code", ""), "title": cause.context.get("title", "")}
                for cause, _recipient, _address in others
            ]
            text = first.render(recipient.language, more=more)
            rows.append(first.row(recipient, medium, address, text, now))
        return rows


@contextmanager
def combining(kind: str) -> Iterator[_Combined]:
    """Inside the block, the `kind` messages to staff by email, WhatsApp or SMS become
    one per person and channel, naming every report (`more`): dispatching fifty reports
    at once sends a unit's officer one email, not fifty. Messages in the app stay one
    per report, each a link to its report. For actions taken one transaction at a time
    (the bulk page), which `discard` the reports whose action failed; the messages are
    written when the block ends."""
    combined = _Combined(kind)
    _batch.combined = combined
    try:
        yield combined
    finally:
        _batch.combined = None
        with transaction.atomic():
            _write(combined.rows())


_batch = threading.local()


@contextmanager
def in_app_only() -> Iterator[None]:
    """Keep the messages of a block inside the app: for building the demo's history,
    whose emails and text messages would have gone out long ago."""
    _batch.in_app_only = True
    try:
        yield
    finally:
        _batch.in_app_only = False


def is_in_app_only() -> bool:
    return getattr(_batch, "in_app_only", False)


@contextmanager
def collecting() -> Iterator[None]:
    """Write all messages of a block in one INSERT, and look up each organization's
    members once: for the deadline scan's batches. Nested use joins the outer block."""
    if getattr(_batch, "rows", None) is not None:
        yield
        return
    _batch.rows, _batch.members, _batch.memos = [], {}, {}
    try:
        yield
        rows = _batch.rows
    finally:
        _batch.rows = _batch.members = _batch.memos = None
    _write(rows)


def _override(kind: str, language: str, organization):
    """The organization's own wording; inside `collecting()` the overrides of every kind
    for the organization and its ancestors are read once per language for the block."""
    memo = getattr(_batch, "memos", None)
    if memo is None or organization is None:
        return messages.override_for(kind, language, organization)
    key = (language, organization.pk)
    if key not in memo:
        memo[key] = list(
            MessageTemplate.objects.filter(
                language=language, organization__path__in=list(_prefixes(organization))
            ).select_related("organization")
        )
    found = [t for t in memo[key] if t.kind == kind]
    return max(found, key=lambda t: len(t.organization.path), default=None)


def _write(rows: list[Notification]) -> None:
    if not rows:
        return
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    outgoing = [row.key for row in rows if row.medium != Medium.IN_APP]
    if outgoing:
        enqueue_with_transaction(lambda: enqueue_delivery(outgoing))


def send_secret(kind: str, user, *, medium: str, text: str, at: datetime.datetime) -> bool:
    """Write a message whose text is a secret for `user` alone (a `SecretKind`) to the
    account's number by `medium`, in the active language; False when the installation
    lacks that medium. `at` becomes its `created_at`, which ties the message to the
    secret it carries. Call inside the transaction that makes the secret.

    The text is stored sealed (`aduan.lib.sealed`) and opened only by the worker that
    sends it: a dump or backup taken while the message waits holds no live code."""
    enabled = _PHONE_MEDIA.get(medium)
    if enabled is None or not enabled():
        return False
    key = f"{kind}:u{user.pk}:{at.timestamp()}:{medium}"
    Notification.objects.create(
        key=key,
        kind=kind,
        medium=medium,
        user=user,
        address=user.phone,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        subject=str(SecretKind(kind).label),
        body=seal(text),
        short=seal(text),
        state=State.PENDING,
        created_at=at,
        next_attempt_at=at,
    )
    transaction.on_commit(lambda: enqueue_delivery([key]))
    return True


def enqueue_delivery(keys: list[str]) -> None:
    """Hand freshly committed messages to the workers (the sweep catches any we miss)."""
    from aduan.notifications.tasks import deliver_notifications

    ids: list[int] = []
    for start in range(0, len(keys), 500):
        ids += Notification.objects.filter(
            key__in=keys[start : start + 500], state=State.PENDING
        ).values_list("pk", flat=True)
    for start in range(0, len(ids), 100):
        deliver_notifications.enqueue(ids[start : start + 100])


# --- Who is told ---------------------------------------------------------------------


def members(org: Organization | None, *roles: str) -> list:
    """Active users holding `roles` directly on `org`, or on its nearest ancestor that has
    any; the national admins when `org` is None (the national queue) or nobody is found.

    Inside `collecting()` every membership is read once for the whole block, so a batch
    of a thousand deadlines costs one query here, not one per organization."""
    memo = getattr(_batch, "members", None)
    if memo is None:
        prefixes = _prefixes(org)
        rows = Membership.objects.filter(
            Q(organization__path__in=prefixes, role__in=roles) | Q(role=Role.NATIONAL_ADMIN),
            is_active=True,
            user__is_active=True,
        ).select_related("user", "organization")
        return _choose(list(rows), org, roles)
    if "all" not in memo:
        memo["all"] = list(
            Membership.objects.filter(is_active=True, user__is_active=True).select_related(
                "user", "organization"
            )
        )
    key = (org.pk if org else None, roles)
    if key not in memo:
        memo[key] = _choose(memo["all"], org, roles)
    return memo[key]


def _prefixes(org: Organization | None) -> list[str]:
    if org is None:
        return []
    return [org.path[:end] for end in range(PATH_STEP, len(org.path) + 1, PATH_STEP)]


def _choose(rows: list[Membership], org: Organization | None, roles) -> list:
    prefixes = set(_prefixes(org))
    mine = [m for m in rows if m.role in roles and m.organization.path in prefixes]
    if mine:
        deepest = max(len(m.organization.path) for m in mine)
        return unique(m.user for m in mine if len(m.organization.path) == deepest)
    return unique(m.user for m in rows if m.role == Role.NATIONAL_ADMIN)


def unique(users) -> list:
    seen: dict[int, object] = {}
    for user in users:
        seen.setdefault(user.pk, user)
    return list(seen.values())


def staff(users) -> list[Recipient]:
    return [Recipient.of_user(user) for user in users]


def reporter_of(report, *, confirmed_only: bool = True) -> list[Recipient]:
    """The reporter, however they reached us; anonymity hides them from people, not from
    the system that keeps them informed. A guest's address counts only once confirmed
    (`Report.confirmed_guest_contact`), except for the first message, which carries the
    confirmation link."""
    if report.reporter_id:
        # A deleted account is told nothing: nothing is left to reach it by.
        if report.reporter.is_erased:
            return []
        # Sent from the account's verified number: answered on that channel too.
        prefer = report.channel if report.channel in _PHONE_MEDIA else ""
        return [Recipient.of_user(report.reporter, prefer=prefer)]
    email, phone = report.guest_email, report.guest_phone
    if confirmed_only:
        email, phone = report.confirmed_guest_contact()
    if email or phone:
        return [
            Recipient(
                email=email,
                phone=phone,
                language=report.language or "id",
                name=report.guest_name,
                prefer=report.channel,
            )
        ]
    return []


CONFIRMATION_SALT = "aduan.guest-contact"
CONFIRMATION_MAX_AGE = 60 * 60 * 24 * 60  # the link works for 60 days


def _confirmation_value(report) -> str:
    address = report.guest_email or report.guest_phone
    digest = hashlib.sha256(address.encode()).hexdigest()[:10]
    return f"{report.pk}.{digest}"


def confirmation_link(report) -> str:
    """The link that confirms a guest reporter's email or phone number; short enough for
    a text message, and bound to the report and the address it was sent to."""
    signer = signing.TimestampSigner(salt=CONFIRMATION_SALT)
    token = signer.sign(_confirmation_value(report))
    return absolute(reverse("portal:confirm_contact", args=[report.tracking_code, token]))


def contact_token_matches(report, token: str) -> bool:
    """Whether `token` was made by `confirmation_link` for this report and the address
    it has now, and has not expired. Changes nothing: the link's page asks this before
    showing its button, and only the button confirms (`confirm_contact`)."""
    if not (report.guest_email or report.guest_phone):
        return False
    signer = signing.TimestampSigner(salt=CONFIRMATION_SALT)
    try:
        value = signer.unsign(token, max_age=CONFIRMATION_MAX_AGE)
    except signing.BadSignature:
        return False
    return value == _confirmation_value(report)


def confirm_contact(report, token: str) -> bool:
    """Mark the guest's address confirmed when `token` was made for this report and
    address; False when it is not (tampered, expired, or for another address)."""
    if not contact_token_matches(report, token):
        return False
    if report.guest_contact_verified_at is None:
        report.guest_contact_verified_at = timezone.now()
        # A number confirmed is a number in use for the report (`guest_holds_phone`).
        if not report.guest_email:
            report.guest_phone_used_at = report.guest_contact_verified_at
        type(report).objects.filter(pk=report.pk).update(
            guest_contact_verified_at=report.guest_contact_verified_at,
            guest_phone_used_at=report.guest_phone_used_at,
        )
    return True


def staff_link(report) -> str:
    return absolute(reverse("workspace:report", args=[report.tracking_code]))


def reporter_link(report) -> str:
    """The report's page, as anyone would open it (followers' messages)."""
    return absolute(reverse("portal:report", args=[report.tracking_code]))


ACCESS_SALT = "aduan.guest-access"
# Longer than any chain of deadlines (60 working days to complete, 10 to reply).
ACCESS_MAX_AGE = 60 * 60 * 24 * 150


def reporter_access_link(report) -> str:
    """The link in messages to the report's own reporter.

    A guest has no account to sign in with, and the report's page is not public while it
    waits, is on hold or was archived: the link carries a signed token, bound to the
    report and the guest's address like the confirmation link, that lets the browser act
    as the reporter (answer a question, say whether it is solved), as the secret link
    does. A report of an account links to its page, which asks to sign in."""
    if report.reporter_id:
        return reporter_link(report)
    issued = signing.b62_encode(int(time.time()))
    token = f"{issued}.{_access_mac(report, issued)}"
    return absolute(reverse("portal:guest_access", args=[report.tracking_code, token]))


def _access_mac(report, issued: str) -> str:
    # 96 bits of HMAC, not a full signature: the link must leave room in one SMS.
    value = f"{_confirmation_value(report)}.{issued}"
    mac = salted_hmac(ACCESS_SALT, value, algorithm="sha256").digest()[:12]
    return base64.urlsafe_b64encode(mac).decode()


def guest_access_allowed(report, token: str) -> bool:
    """Whether `token` came from `reporter_access_link(report)` and has not expired."""
    if report.reporter_id or not (report.guest_email or report.guest_phone):
        return False
    issued, _dot, mac = token.partition(".")
    try:
        age = time.time() - signing.b62_decode(issued)
    except ValueError:
        return False
    return 0 <= age <= ACCESS_MAX_AGE and constant_time_compare(mac, _access_mac(report, issued))
