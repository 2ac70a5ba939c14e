"""Changing an account's email address: the new address must prove it reads its mail.

The account keeps its address until the link sent to the new one is opened, so a typo
never locks anyone out and nobody can move an account onto an address they do not read
(and an officer's account, whose roles need a confirmed address, stays confirmed). The
old address is then told of the change, in case it was not its owner who asked.

A link is bound to the address the account had when it was asked for: once the address
changes (by another link, or by an operator), older links change nothing.

Opening the link moves nothing by itself: its page says what will change and has a
button, and only that (a POST) moves the account. Mail scanners open every link in an
email before its reader does; a link that acted on a GET would move an account onto an
address nobody read, or onto a mistyped one whose server scans its mail.
"""

from __future__ import annotations

import hashlib

from django.core import signing
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from aduan.accounts.mail import email_account
from aduan.lib.tasks import enqueue_with_transaction

SALT = "aduan.account-email-change"
MAX_AGE = 60 * 60 * 24 * 3  # three days
SEND_EVERY_SECONDS = 10 * 60


class AddressTaken(Exception):
    """Another account has the new address (it signed up meanwhile)."""


def _fingerprint(email: str) -> str:
    return hashlib.sha256(email.lower().encode()).hexdigest()[:12]


def change_token(user, new_email: str) -> str:
    return signing.dumps(
        {"u": user.pk, "to": new_email, "from": _fingerprint(user.email)}, salt=SALT
    )


def partly_hidden(email: str) -> str:
    """ "s***@example.id": enough for the owner to recognise, little for anyone else."""
    local, _at, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"


def change_path(user, new_email: str) -> str:
    return reverse("accounts:email_change_confirm", args=[change_token(user, new_email)])


def request_change(user, new_email: str) -> bool:
    """Queue the link for `new_email`; False when one was sent for the account a few
    minutes ago (anyone signed in could otherwise mail any address in a loop)."""
    from aduan.accounts.tasks import send_email_change

    if not cache.add(f"aduan:email-change:{user.pk}", True, SEND_EVERY_SECONDS):
        return False
    enqueue_with_transaction(lambda: send_email_change.enqueue(user.pk, new_email))
    return True


def _read(token: str) -> dict | None:
    try:
        return signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None


def _checked(user, value: dict):
    """(user, new address) when the link still applies to `user`; raises AddressTaken."""
    from aduan.accounts.models import User

    if user is None or _fingerprint(user.email) != value["from"]:
        return None
    if User.objects.filter(email__iexact=value["to"]).exclude(pk=user.pk).exists():
        raise AddressTaken
    return user, value["to"]


def change_to_confirm(token: str):
    """The account `token` was sent for and its new address, as (user, new address), or
    None when the token is tampered with, expired, or older than the account's current
    address. Raises AddressTaken when another account has the address. Changes nothing:
    the link's page reads it, and only its button (`confirm_change`) moves the account."""
    from aduan.accounts.models import User

    value = _read(token)
    if value is None:
        return None
    return _checked(User.objects.filter(pk=value["u"], is_active=True).first(), value)


def moved_already(token: str):
    """The account `token` was sent for, when it uses the token's new address already:
    its button was pressed before (a double click, a form sent again), or the link is
    opened again after it worked. None otherwise, as for any link that cannot work."""
    from aduan.accounts.models import User

    value = _read(token)
    if value is None:
        return None
    user = User.objects.filter(pk=value["u"], is_active=True).first()
    if user is None or user.email.casefold() != value["to"].casefold():
        return None
    return user


def confirm_change(token: str):
    """Give the account `token` names its new address, confirmed; returns (user, old
    address), or None when the token is tampered with, expired, or older than the
    account's current address. Raises AddressTaken when another account has it."""
    from aduan.accounts.models import User
    from aduan.accounts.tasks import send_email_changed_notice

    value = _read(token)
    if value is None:
        return None
    with transaction.atomic():
        user = User.objects.select_for_update().filter(pk=value["u"], is_active=True).first()
        checked = _checked(user, value)
        if checked is None:
            return None
        old_email, new_email = user.email, checked[1]
        user.email = new_email
        user.email_confirmed_at = timezone.now()
        user.save(update_fields=["email", "email_confirmed_at"])
        _move_sign_ins(old_email, new_email)
        _move_waiting_messages(user, old_email, new_email)
        enqueue_with_transaction(lambda: send_email_changed_notice.enqueue(user.pk, old_email))
    return user, old_email


def _move_waiting_messages(user, old_email: str, new_email: str) -> None:
    """Emails to the account not sent yet go to the address it now uses: the former one
    may belong to someone else by now."""
    from aduan.lib.leasing import State
    from aduan.notifications.models import Medium, Notification

    Notification.objects.filter(
        user=user, medium=Medium.EMAIL, state=State.PENDING, address__iexact=old_email
    ).update(address=new_email)


def _move_sign_ins(old_email: str, new_email: str) -> None:
    """django-axes keeps sign-ins by the address typed: the account's history moves with
    it, so that the copy of its data and its deletion find it (`my_data`, `erasure`).
    Failed attempts counting towards a lock of the former address lock no account now."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    for model in (AccessLog, AccessFailureLog):
        model.objects.filter(username__iexact=old_email).update(username=new_email)
    AccessAttempt.objects.filter(username__iexact=old_email).delete()


def send_change_link(user, new_email: str) -> None:
    """Email the confirmation link to the new address, in the account's language."""
    from aduan.notifications.outbox import absolute

    context = {
        "new_email": new_email,
        "link": absolute(change_path(user, new_email)),
        "days": MAX_AGE // (24 * 60 * 60),
    }
    email_account(user, "email_change", context, to=new_email)


def tell_taken_address(owner) -> None:
    """Tell the account `owner` that another account asked for its address (the page
    did not say the address is taken, as sign-up does not: `aduan.accounts.signup`), at
    most once every SEND_EVERY_SECONDS; a deactivated account is told nothing. It is
    not told which account asked."""
    from aduan.accounts.signup import ways_back_in

    if not owner.is_active:
        return
    if cache.add(f"aduan:email-change-taken:{owner.pk}", True, SEND_EVERY_SECONDS):
        email_account(owner, "email_change_taken", ways_back_in())


def send_changed_notice(user, old_email: str) -> None:
    """Tell the old address that the account now uses another one (partly hidden: if
    someone else took the account, its owner learns that, not where to write to them)."""
    email_account(user, "email_changed", {"new_email": partly_hidden(user.email)}, to=old_email)
