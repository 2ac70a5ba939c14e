"""Confirming that the person who signed up reads the account's email address.

Sign-up checks nothing about the address typed, so anyone could register an officer's
address before the officer does and then be given the officer's role. The link sent at
sign-up proves the address; an organization's admins can give a role only to a
confirmed account (`aduan.workspace.organization_forms`). Citizens need no confirmation
for anything else.

Opening the link confirms nothing by itself: the page it opens has a button, and only
that (a POST) confirms. Mail scanners (at government offices above all) open every link
in an email before its reader does, so a link that acted on a GET would confirm an
officer's address for whoever signed up with it.
"""

from __future__ import annotations

import hashlib

from django.core import signing
from django.urls import reverse
from django.utils import timezone

from aduan.accounts.mail import email_account

SALT = "aduan.account-email"
MAX_AGE = 60 * 60 * 24 * 14  # two weeks


def _value(user) -> str:
    # Bound to the address: a link sent before the address changed confirms nothing.
    return f"{user.pk}.{hashlib.sha256(user.email.lower().encode()).hexdigest()[:12]}"


def confirmation_path(user) -> str:
    token = signing.TimestampSigner(salt=SALT).sign(_value(user))
    return reverse("accounts:confirm_email", args=[token])


def account_to_confirm(token: str):
    """The account `token` was sent to, or None when the token is tampered with,
    expired, or for an address the account no longer has. Changes nothing."""
    from aduan.accounts.models import User

    try:
        value = signing.TimestampSigner(salt=SALT).unsign(token, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    user = User.objects.filter(pk=int(value.split(".", 1)[0]), is_active=True).first()
    if user is None or _value(user) != value:
        return None
    return user


def confirm(token: str):
    """The account `token` confirms (now marked confirmed), or None as
    `account_to_confirm` says."""
    from aduan.accounts.models import User

    user = account_to_confirm(token)
    if user is None:
        return None
    if user.email_confirmed_at is None:
        user.email_confirmed_at = timezone.now()
        User.objects.filter(pk=user.pk).update(email_confirmed_at=user.email_confirmed_at)
    return user


def send_confirmation(user) -> None:
    """Email the confirmation link, in the account's language."""
    from aduan.notifications.outbox import absolute

    context = {"link": absolute(confirmation_path(user)), "days": 14}
    email_account(user, "email_confirmation", context)
