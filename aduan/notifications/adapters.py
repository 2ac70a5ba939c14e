"""One adapter per channel: how a message from the outbox reaches a provider.

An adapter sends one Notification and returns the provider's reference for it, or raises
DeliveryError saying whether trying again could help. Every request carries the
notification's idempotency key, so a provider that honours it recognises a retry after a
crash as the message it already has. Settings are read at send time, never at import.
"""

from __future__ import annotations

import hashlib
import json
import re
import smtplib
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils.crypto import salted_hmac

from aduan.lib import http
from aduan.lib.leasing import DeliveryError
from aduan.lib.masking import mask_personal_data
from aduan.notifications.models import Medium, Notification

# Statuses that say "not now" rather than "never": timeouts and rate limits.
RETRYABLE_STATUSES = frozenset({408, 425, 429})
ERROR_TEXT_LIMIT = 300


class Adapter:
    medium: str = ""

    def send(self, notification: Notification) -> str:
        """Send `notification`; return the provider's reference (may be "")."""
        raise NotImplementedError


def idempotency_key(notification: Notification) -> str:
    key = notification.key
    # Header values must be ASCII; an address with non-ASCII characters in the key is
    # replaced by a digest that is just as stable.
    return key if key.isascii() else "sha256-" + hashlib.sha256(key.encode()).hexdigest()


def check(response: http.Response, notification: Notification, provider: str) -> None:
    """Raise DeliveryError for any answer other than 2xx, classified by its status."""
    if response.ok:
        return
    retryable = response.status >= 500 or response.status in RETRYABLE_STATUSES
    detail = _scrub(response.text, notification)[:ERROR_TEXT_LIMIT]
    raise DeliveryError(f"{provider} HTTP {response.status}: {detail}", retryable=retryable)


def _scrub(text: str, notification: Notification) -> str:
    """`text` on one line, without the message's texts or its full address.

    Providers echo parts of the request in their errors; the failed-deliveries page shows
    errors to admins who must not see message texts (they can hold a guest's secret
    link) nor the full address (the page masks it).
    """
    texts = [t for t in (notification.body, notification.short, notification.link) if t]
    variants = set()
    for secret in texts:
        variants |= {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    for variant in sorted(variants, key=len, reverse=True):
        text = text.replace(variant, "…")
    text = " ".join(text.split())
    for secret in texts:
        text = text.replace(" ".join(secret.split()), "…")
    if notification.address:
        for address in {notification.address, notification.address.lstrip("+")}:
            text = text.replace(address, "<recipient>")
    # Whatever else of the request came back, however escaped: no link (a guest's
    # secret or confirmation link), no number or address of a person.
    text = _ECHOED_LINK.sub("…", text)
    return mask_personal_data(text)


# A link as written, with JSON's escaped slashes (http:\/\/…) or percent-encoded.
_ECHOED_LINK = re.compile(r"https?(?::|%3A)(?:\\?/|%2F){2}[^\s\"'<>]*", re.IGNORECASE)


def _post(url: str, payload: dict, headers: dict, notification: Notification, provider: str):
    try:
        response = http.post_json(url, payload, headers=headers)
    except http.HttpError as exc:
        raise DeliveryError(f"{provider}: {exc}", retryable=True) from exc
    check(response, notification, provider)
    return response


def _json(response: http.Response) -> dict:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


class EmailAdapter(Adapter):
    """Plain-text email through Django's EMAIL_BACKEND (console by default, any
    django-anymail provider in production)."""

    medium = Medium.EMAIL

    def send(self, notification: Notification) -> str:
        message_id = message_id_for(notification)
        message = EmailMultiAlternatives(
            subject=notification.subject,
            body=notification.body,
            to=[notification.address],
            headers={"Message-ID": message_id},
        )
        # Read by django-anymail only (other backends ignore the attribute): lets a
        # provider's delivery webhook be matched to the outbox row.
        message.metadata = {"aduan_key": notification.key}
        try:
            message.send(fail_silently=False)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
            raise DeliveryError(
                f"email refused by the server ({type(exc).__name__})", retryable=False
            ) from exc
        except Exception as exc:
            raise _email_error(exc, notification) from exc
        status = getattr(message, "anymail_status", None)
        reference = getattr(status, "message_id", None) if status is not None else None
        if isinstance(reference, set):
            reference = ",".join(sorted(str(item) for item in reference))
        return str(reference or message_id)[:200]


def message_id_for(notification: Notification) -> str:
    """A Message-ID that is the same on every attempt, so a retry is recognisable."""
    return message_id_for_key(notification.key)


def message_id_for_key(key: str) -> str:
    """The Message-ID of the email written for the outbox row `key` (a reply names it
    in In-Reply-To, whatever reference the provider gave the message). Keyed with the
    server's secret: outbox keys are predictable, and a reply naming this id proves it
    came from the mailbox the email was sent to (aduan.channels.email)."""
    digest = salted_hmac("aduan.email.message-id", key, algorithm="sha256").hexdigest()[:32]
    domain = urlsplit(settings.ADUAN_SITE_URL).hostname or "aduan.invalid"
    return f"<{digest}@{domain}>"


def _email_error(exc: Exception, notification: Notification) -> DeliveryError:
    # django-anymail's errors carry the provider's HTTP status; recipients it refuses
    # (bounced, unsubscribed, invalid) will be refused again.
    name = type(exc).__name__
    detail = _scrub(str(exc), notification)[:ERROR_TEXT_LIMIT]
    if name == "AnymailRecipientsRefused":
        return DeliveryError(f"email refused by the provider: {detail}", retryable=False)
    status = getattr(exc, "status_code", None)
    if isinstance(status, int) and 400 <= status < 500 and status not in RETRYABLE_STATUSES:
        return DeliveryError(f"email provider HTTP {status}: {detail}", retryable=False)
    return DeliveryError(f"email: {name}: {detail}", retryable=True)


class WhatsAppCloudAdapter(Adapter):
    """Meta's WhatsApp Cloud API: a text message, or the approved template (required
    outside the 24-hour customer-service window) with the short text as its parameter."""

    medium = Medium.WHATSAPP

    def send(self, notification: Notification) -> str:
        phone_number_id = settings.ADUAN_WHATSAPP_PHONE_NUMBER_ID
        token = settings.ADUAN_WHATSAPP_TOKEN
        if not (phone_number_id and token):
            raise DeliveryError("WhatsApp is not configured", retryable=False)
        url = f"{settings.ADUAN_WHATSAPP_API_URL.rstrip('/')}/{phone_number_id}/messages"
        headers = {
            "Authorization": f"Bearer {token}",
            "Idempotency-Key": idempotency_key(notification),
        }
        response = _post(url, self.payload(notification), headers, notification, "WhatsApp")
        messages = _json(response).get("messages") or [{}]
        first = messages[0] if isinstance(messages[0], dict) else {}
        return str(first.get("id", ""))[:200]

    def payload(self, notification: Notification) -> dict:
        payload = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": notification.address.lstrip("+"),
        }
        template = settings.ADUAN_WHATSAPP_TEMPLATE
        if not template:
            payload["type"] = "text"
            payload["text"] = {"preview_url": False, "body": notification.short}
            return payload
        # Template parameters may not contain newlines, tabs or runs of spaces.
        parameter = " ".join(notification.short.split())
        payload["type"] = "template"
        payload["template"] = {
            "name": template,
            "language": {"code": settings.ADUAN_WHATSAPP_TEMPLATE_LANGUAGE},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": parameter}]}],
        }
        return payload


class SmsGatewayAdapter(Adapter):
    """A generic HTTP SMS gateway: JSON {to, message, sender, reference}; 2xx = accepted."""

    medium = Medium.SMS

    def send(self, notification: Notification) -> str:
        url = settings.ADUAN_SMS_GATEWAY_URL
        if not url:
            raise DeliveryError("The SMS gateway is not configured", retryable=False)
        headers = {"Idempotency-Key": idempotency_key(notification)}
        if settings.ADUAN_SMS_GATEWAY_TOKEN:
            headers["Authorization"] = f"Bearer {settings.ADUAN_SMS_GATEWAY_TOKEN}"
        payload = {
            "to": notification.address,
            "message": notification.short,
            "sender": settings.ADUAN_SMS_SENDER,
            "reference": notification.key,
        }
        data = _json(_post(url, payload, headers, notification, "SMS gateway"))
        return str(data.get("id") or data.get("message_id") or "")[:200]


ADAPTERS: dict[str, Adapter] = {
    Medium.EMAIL: EmailAdapter(),
    Medium.WHATSAPP: WhatsAppCloudAdapter(),
    Medium.SMS: SmsGatewayAdapter(),
}


def adapter_for(medium: str) -> Adapter:
    """The adapter sending `medium`; KeyError for in-app messages, which are not sent."""
    return ADAPTERS[medium]
