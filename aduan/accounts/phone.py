"""Proving that an account's phone number is its holder's: a six-digit code sent to it.

Only a verified number gets the account's WhatsApp and SMS notifications, is shown to
officers as one that reaches the reporter, and turns the SMS and WhatsApp reports sent
from it into the account's (`aduan.channels.intake.adopt_channel_reports`). A number
typed in proves nothing: anyone can type a stranger's.

A code lives CODE_LIFETIME, allows MAX_ATTEMPTS tries, and is kept as a keyed hash bound
to the account and the number. Sending is limited per account and per number
(ADUAN_PHONE_CODE_RATE, "5/h" by default, read at request time): each code is a text
message the installation pays for, and a stranger's phone must not be flooded.

A number is verified on one account at most. When another account proves it, the first
loses the verification (not the number it typed): whoever holds the phone now decides.
"""

from __future__ import annotations

import datetime
import enum
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage, is_ratelimited

from aduan.accounts.models import PhoneCode, User

CODE_LIFETIME = datetime.timedelta(minutes=10)
MAX_ATTEMPTS = 5
# Wrong codes typed for one number a day, whichever accounts type them. A new code brings
# MAX_ATTEMPTS new tries: without this, a stranger's number could be guessed at 25 times
# an hour (ADUAN_PHONE_CODE_RATE), every hour, until a guess is right.
WRONG_CODES_A_DAY = 10
HASH_SALT = "aduan.phone-code"


class Checked(enum.Enum):
    VERIFIED = "verified"
    WRONG = "wrong"
    EXPIRED = "expired"  # none sent, too old, too many tries, or for another number


def code_medium(asked: str = "") -> str:
    """The medium codes go by, as notifications choose it for a number: WhatsApp when
    the installation has it, else SMS; "" when it has neither. `asked` (SMS for a phone
    without WhatsApp) wins when the installation has it."""
    from aduan.notifications.models import Medium
    from aduan.notifications.outbox import sms_enabled, whatsapp_enabled

    enabled = {Medium.WHATSAPP: whatsapp_enabled(), Medium.SMS: sms_enabled()}
    if enabled.get(asked):
        return asked
    if enabled[Medium.WHATSAPP]:
        return Medium.WHATSAPP
    return Medium.SMS if enabled[Medium.SMS] else ""


def sms_offered() -> bool:
    """Whether codes going by WhatsApp may be asked by SMS instead."""
    from aduan.notifications.models import Medium
    from aduan.notifications.outbox import sms_enabled

    return code_medium() == Medium.WHATSAPP and sms_enabled()


def too_many_sends(request: HttpRequest, user: User, phone: str) -> bool:
    """Whether another code to `phone` for `user` would pass the hourly limits; counts
    this one when it does not."""
    rate = settings.ADUAN_PHONE_CODE_RATE
    for group, key in (("aduan.phone_code.account", f"u{user.pk}"), ("aduan.phone_code", phone)):
        if is_ratelimited(
            request, group=group, key=lambda _g, _r, key=key: key, rate=rate, increment=True
        ):
            return True
    return False


def too_many_wrong_codes(request: HttpRequest, phone: str, *, count: bool = False) -> bool:
    """Whether the number had its WRONG_CODES_A_DAY; `count` adds a wrong one first."""
    usage = get_usage(
        request,
        group="aduan.phone_code.wrong",
        key=lambda _g, _r: phone,
        rate=f"{WRONG_CODES_A_DAY}/d",
        increment=count,
    )
    return usage is not None and usage["count"] >= usage["limit"]


def change_number(user: User, phone: str) -> None:
    """Store the number the user typed; a new one is unverified (`User.save`)."""
    if user.phone != phone:
        user.phone = phone
        with transaction.atomic():
            user.save(update_fields=["phone"])
            _forget_messages(user)  # a code sent to the old number no longer works


def send_code(user: User, medium: str = "") -> None:
    """Send a new code to the account's number, voiding any earlier one, by `medium`
    when the installation has it (`code_medium`). The caller checks `code_medium()` and
    the send limits first."""
    from aduan.notifications.models import SecretKind
    from aduan.notifications.outbox import send_secret

    code = f"{secrets.randbelow(10**6):06d}"
    now = timezone.now()
    with transaction.atomic():
        PhoneCode.objects.update_or_create(
            user=user,
            defaults={
                "phone": user.phone,
                "code_hash": _hash(user, user.phone, code),
                "sent_at": now,
                "attempts": 0,
            },
        )
        _forget_messages(user)  # an earlier code no longer works
        with translation.override(user.language or settings.LANGUAGE_CODE):
            text = _(
                "Your %(site)s code is %(code)s. It confirms this number for your account and "
                "works for %(minutes)d minutes. Do not give it to anyone."
            ) % {"site": settings.SITE_NAME, "code": code, "minutes": CODE_LIFETIME.seconds // 60}
            # The outbox delivers it, with retries, like every text message, while the
            # code works (`message_is_live`); sent at `now`, as the code was made.
            send_secret(SecretKind.PHONE_CODE, user, medium=code_medium(medium), text=text, at=now)


def check_code(user: User, typed: str) -> tuple[Checked, int]:
    """Check `typed` against the account's code; a right one is used up and verifies
    the number: it takes the verification from any other account, and the SMS and
    WhatsApp reports sent from the number as a guest become the account's. Returns the
    outcome and how many reports were so attached."""
    from aduan.channels.intake import adopt_channel_reports

    with transaction.atomic():
        # The number as stored now, locked (`User.save` takes the same lock): the copy
        # read with the request may predate a number saved from another tab, which the
        # code was never sent to. The other accounts with the number are locked too, in
        # one order, so two proving it at once take turns (the last one has it) rather
        # than both passing the check and one failing on the constraint.
        rows = (
            User.objects.select_for_update()
            .filter(Q(pk=user.pk) | Q(phone=user.phone, phone__gt=""))
            .order_by("pk")
            .values("pk", "phone")
        )
        stored = next((row for row in rows if row["pk"] == user.pk), None)
        user.phone = stored["phone"] if stored else ""
        pending = PhoneCode.objects.select_for_update().filter(user=user).first()
        if stored is None or pending is None or not _usable(pending, user):
            _forget_messages(user)
            return Checked.EXPIRED, 0
        if not _matches(pending, user, typed.strip()):
            pending.attempts += 1
            pending.save(update_fields=["attempts"])
            if pending.attempts >= MAX_ATTEMPTS:
                _forget_messages(user)
            return Checked.WRONG, 0
        pending.delete()
        _forget_messages(user)
        _verify(user)
        return Checked.VERIFIED, adopt_channel_reports(user)


def code_pending(user: User) -> bool:
    """Whether a code sent to the account's number may still be typed."""
    pending = PhoneCode.objects.filter(user=user).first()
    return pending is not None and _usable(pending, user)


def message_is_live(notification) -> bool:
    """Whether the code in the outbox message `notification` may still be typed: the
    account's current code (sent when the message was written), for the number the
    account has now, neither expired nor tried too often. Only such a code is worth
    sending; a late one would only confuse."""
    pending = (
        PhoneCode.objects.select_related("user")
        .filter(user_id=notification.user_id, sent_at=notification.created_at)
        .first()
    )
    return (
        pending is not None
        and pending.phone == notification.address
        and _usable(pending, pending.user)
    )


def forget_expired_messages(now: datetime.datetime) -> int:
    """Give up the code messages still unsent when their code expired, and forget their
    text (a worker down, a gateway refusing for long); returns how many."""
    from aduan.notifications.delivery import forget_secrets
    from aduan.notifications.models import Notification, SecretKind, State

    late = Notification.objects.filter(
        kind=SecretKind.PHONE_CODE, state=State.PENDING, created_at__lt=now - CODE_LIFETIME
    )
    return forget_secrets(late)


def forget(user: User) -> None:
    """Drop the account's pending code (the account is deleted)."""
    PhoneCode.objects.filter(user=user).delete()


def _forget_messages(user: User) -> None:
    """The account's codes sent so far no longer work: the messages still carrying one
    are given up or forgotten. Call inside the transaction that voids them."""
    from aduan.notifications.delivery import forget_secrets

    forget_secrets(user.notifications.all())


def _usable(pending: PhoneCode, user: User) -> bool:
    return (
        pending.phone == user.phone
        and pending.attempts < MAX_ATTEMPTS
        and timezone.now() - pending.sent_at <= CODE_LIFETIME
    )


def _verify(user: User) -> None:
    """Call inside a transaction."""
    User.objects.filter(phone=user.phone, phone_verified_at__isnull=False).exclude(
        pk=user.pk
    ).update(phone_verified_at=None)
    user.phone_verified_at = user.phone_used_at = timezone.now()
    user.save(update_fields=["phone_verified_at", "phone_used_at"])


def _hash(user: User, phone: str, code: str, key: str | None = None) -> str:
    # Keyed with the secret key: a copy of the table alone does not give the codes away
    # by trying the million of them.
    message = f"{user.pk}:{phone}:{code}"
    return salted_hmac(HASH_SALT, message, secret=key, algorithm="sha256").hexdigest()


def _matches(pending: PhoneCode, user: User, typed: str) -> bool:
    """Whether `typed` is the pending code, hashed under SECRET_KEY or a fallback: a code
    made just before a key rotation still works (its message opens with the fallback)."""
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    found = [
        constant_time_compare(pending.code_hash, _hash(user, pending.phone, typed, key))
        for key in keys
    ]
    return any(found)
