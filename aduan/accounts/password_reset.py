"""Choosing a new password through a link sent to the account's address.

Django's auth views and token generator do the work (`aduan.accounts.views`); this module
sends the link the way the sign-up confirmation is sent: queued with the request, then
emailed by the worker in the account's language. A token is bound to the account's
password hash, last sign-in and address, so a link works once (setting the password, or
signing in, voids it) and expires after PASSWORD_RESET_TIMEOUT (three days by default).

The page after a request says the same whether or not an account has the address, and no
email is sent while the visitor waits (only a task is queued), so neither the answer nor
its delay tells anyone who has an account.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from aduan.accounts.mail import email_account
from aduan.lib.tasks import enqueue_with_transaction

# One email per account every few minutes, however often it is asked for: anyone can
# type someone else's address.
SEND_EVERY_SECONDS = 10 * 60
DAY = 24 * 60 * 60


def request_reset(email: str) -> None:
    """Queue a new-password link for the active account with `email`, if there is one."""
    from aduan.accounts.models import User
    from aduan.accounts.tasks import send_password_reset

    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    # An unusable password was disabled on purpose (or never existed): a link must not
    # bring it back.
    if user is None or not user.has_usable_password():
        return
    if cache.add(f"aduan:password-reset:{user.pk}", True, SEND_EVERY_SECONDS):
        enqueue_with_transaction(lambda: send_password_reset.enqueue(user.pk))


def reset_path(user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return reverse("accounts:password_reset_confirm", args=[uid, token])


def send_reset(user) -> None:
    """Email a new-password link, in the account's language."""
    from aduan.notifications.outbox import absolute

    context = {
        "link": absolute(reset_path(user)),
        "days": max(1, settings.PASSWORD_RESET_TIMEOUT // DAY),
    }
    email_account(user, "password_reset", context)


def after_reset(user) -> None:
    """The link reached the account's inbox and a new password is set: the address is
    thereby confirmed (`aduan.accounts.confirmation`), and the lock left by wrong
    passwords (django-axes) is lifted so that the new password works at once."""
    from axes.utils import reset as forget_failed_sign_ins

    from aduan.accounts.models import User

    if user.email_confirmed_at is None:
        user.email_confirmed_at = timezone.now()
        User.objects.filter(pk=user.pk, email_confirmed_at__isnull=True).update(
            email_confirmed_at=user.email_confirmed_at
        )
    forget_failed_sign_ins(username=user.email)


def send_password_changed(user) -> None:
    """Tell the account's address that its password was changed while signed in, with
    the way back should it not have been its owner."""
    from aduan.notifications.outbox import absolute

    email_account(user, "password_changed", {"link": absolute(reverse("accounts:password_reset"))})
