"""Signing up without telling anyone who has an account.

Sign-up answers the same whether or not an account already has the address typed: the
visitor is not signed in and is asked to check their email. A new address gets its
account and the confirmation link (`aduan.accounts.confirmation`); an address that
already has an account gets no second one, and its owner is told by email that someone
tried to sign up with it, with the ways to sign in or choose a new password. As with a
forgotten password (`aduan.accounts.password_reset`), nothing is sent while the visitor
waits, only a task is queued, and the password typed is hashed either way, so neither
the answer nor its delay tells who has an account.
"""

from __future__ import annotations

from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.urls import reverse

from aduan.accounts.mail import email_account
from aduan.lib.tasks import enqueue_with_transaction

# One notice per account every few minutes, however often someone signs up with its
# address: anyone can type someone else's.
NOTICE_EVERY_SECONDS = 10 * 60


def sign_up(form, *, language: str = "") -> None:
    """Create the account `form` (a valid SignUpForm) describes and queue its
    confirmation link; or, when an account has the address, queue the notice to it."""
    from aduan.accounts.models import User
    from aduan.accounts.tasks import send_email_confirmation

    email = form.cleaned_data["email"]
    existing = User.objects.filter(email__iexact=email).first()
    if existing is None:
        try:
            with transaction.atomic():
                user = form.save(language=language)
        except IntegrityError:  # signed up at the same moment in another request
            existing = User.objects.filter(email__iexact=email).first()
        else:
            enqueue_with_transaction(lambda: send_email_confirmation.enqueue(user.pk))
            return
    # The work a new account's password costs, so that the answer takes as long.
    make_password(form.cleaned_data["password1"])
    if existing is not None:
        tell_owner(existing)


def tell_owner(user) -> None:
    """Queue the notice of a sign-up with the address of `user`, at most once every
    NOTICE_EVERY_SECONDS; a deactivated account is told nothing."""
    from aduan.accounts.tasks import send_sign_up_notice

    if not user.is_active:
        return
    if cache.add(f"aduan:sign-up-notice:{user.pk}", True, NOTICE_EVERY_SECONDS):
        enqueue_with_transaction(lambda: send_sign_up_notice.enqueue(user.pk))


def send_notice(user) -> None:
    """Email the account that someone tried to sign up with its address, in the
    account's language."""
    email_account(user, "sign_up_attempt", ways_back_in())


def ways_back_in() -> dict:
    """The links in a notice to an account whose address someone else typed: to sign in,
    or to choose a new password."""
    from aduan.notifications.outbox import absolute

    return {
        "sign_in": absolute(reverse("accounts:login")),
        "reset": absolute(reverse("accounts:password_reset")),
    }
