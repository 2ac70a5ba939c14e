"""The emails about an account itself (confirming an address, a new password, a changed
address), written in the account's language and sent by the worker's task."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation


def email_account(user, template: str, context: dict, *, to: str = "") -> None:
    """Render `accounts/<template>_subject.txt` and `accounts/<template>.txt` with
    `context` (and `user`, `site_name`) in the account's language; send to `to`, or the
    account."""
    with translation.override(user.language or "id"):
        context = {"user": user, "site_name": settings.SITE_NAME, **context}
        subject = render_to_string(f"accounts/{template}_subject.txt", context).strip()
        body = render_to_string(f"accounts/{template}.txt", context)
    EmailMessage(subject=subject, body=body, to=[to or user.email]).send(fail_silently=False)
