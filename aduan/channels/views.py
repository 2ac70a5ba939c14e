"""Webhooks through which SMS, WhatsApp and email reach the intake.

Each checks its caller (a shared token, Meta's signature, HTTP basic auth), refuses bodies
over its limit, and answers bad input with a 4xx JSON {"error": ...} that is also logged.
The work itself happens in one transaction per message (sms/whatsapp/email modules), so a
refused or failed delivery leaves nothing half-created and can be retried.
"""

from __future__ import annotations

import base64
import hmac
import json

from anymail.webhooks.postmark import PostmarkInboundWebhookView
from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from aduan.channels import whatsapp
from aduan.channels.replies import InboundError, logger
from aduan.channels.sms import receive_sms

MAX_BODY = 1024 * 1024  # SMS and WhatsApp payloads are a few kilobytes


def refuse(request, status: int, message: str) -> JsonResponse:
    logger.warning("Inbound %s refused (%s): %s", request.path, status, message)
    return JsonResponse({"error": message}, status=status)


def _too_big(request, limit: int) -> bool:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    return declared > limit or len(request.body) > limit


def _secret_matches(given: str, expected: str) -> bool:
    return bool(expected and given) and hmac.compare_digest(given.encode(), expected.encode())


@csrf_exempt
@require_POST
def sms(request):
    if _too_big(request, MAX_BODY):
        return refuse(request, 413, "body larger than 1 MB")
    given = request.headers.get("X-Aduan-Token") or request.GET.get("token", "")
    if not given and request.headers.get("Authorization", "").startswith("Bearer "):
        given = request.headers["Authorization"].removeprefix("Bearer ").strip()
    if not _secret_matches(given, settings.ADUAN_SMS_INBOUND_TOKEN):
        return refuse(request, 403, "missing or wrong token")
    if request.content_type == "application/json":
        try:
            fields = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            return refuse(request, 400, "malformed JSON")
        if not isinstance(fields, dict):
            return refuse(request, 400, "expected a JSON object {from, text, id}")
    else:
        fields = request.POST
    values = {name: fields.get(name) for name in ("from", "text", "id")}
    if values["id"] is not None and not isinstance(values["id"], str):
        values["id"] = str(values["id"])
    if not all(isinstance(value, str) and value for value in values.values()):
        return refuse(request, 400, "'from', 'text' and 'id' are required strings")
    try:
        result = receive_sms(values["from"], values["text"], values["id"])
    except InboundError as exc:
        return refuse(request, 400, str(exc))
    return JsonResponse(result)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def whatsapp_webhook(request):
    if request.method == "GET":
        return _whatsapp_handshake(request)
    if _too_big(request, MAX_BODY):
        return refuse(request, 413, "body larger than 1 MB")
    if not whatsapp.signature_valid(request.body, request.headers.get("X-Hub-Signature-256", "")):
        return refuse(request, 403, "missing or wrong X-Hub-Signature-256")
    try:
        payload = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return refuse(request, 400, "malformed JSON")
    try:
        messages = whatsapp.messages_in(payload)
        results = [whatsapp.receive_message(message) for message in messages]
    except InboundError as exc:
        return refuse(request, 400, str(exc))
    return JsonResponse({"results": results})


def _whatsapp_handshake(request):
    """Meta's subscription check: echo hub.challenge when hub.verify_token is ours."""
    mode = request.GET.get("hub.mode", "")
    if mode != "subscribe" or not whatsapp.verify_token_valid(
        request.GET.get("hub.verify_token", "")
    ):
        return refuse(request, 403, "wrong verify token")
    return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")


_postmark_inbound = PostmarkInboundWebhookView.as_view()


@csrf_exempt
@require_POST
def email(request):
    """Postmark's inbound webhook (JSON), parsed by django-anymail, which sends the
    `inbound` signal that aduan.channels.email receives. Refused unless
    ANYMAIL_WEBHOOK_SECRET is set: anymail alone would accept anyone then."""
    secrets = settings.ANYMAIL.get("WEBHOOK_SECRET") or []
    if isinstance(secrets, str):
        secrets = [secrets]
    if not secrets:
        return refuse(request, 403, "inbound email is not configured")
    if _too_big(request, settings.DATA_UPLOAD_MAX_MEMORY_SIZE):
        return refuse(request, 413, "body too large")
    if not any(_secret_matches(_basic_auth(request), secret) for secret in secrets):
        return refuse(request, 403, "missing or wrong basic auth")
    try:
        payload = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return refuse(request, 400, "malformed JSON")
    usable = isinstance(payload, dict) and (
        isinstance(payload.get("FromFull"), dict) or payload.get("RawEmail")
    )
    if not usable:
        return refuse(request, 400, "not a Postmark inbound message")
    return _postmark_inbound(request)


def _basic_auth(request) -> str:
    kind, _space, data = request.headers.get("Authorization", "").partition(" ")
    if kind.lower() != "basic":
        return ""
    try:
        return base64.b64decode(data.strip()).decode()
    except (ValueError, UnicodeDecodeError):
        return ""
