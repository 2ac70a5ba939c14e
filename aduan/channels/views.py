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
from django.http.multipartparser import MultiPartParserError
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from aduan.channels import whatsapp
from aduan.channels.replies import InboundError, logger
from aduan.channels.sms import receive_sms
from aduan.lib.untrusted import MalformedJSON, json_from

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
            fields = json_from(request.body)
        except MalformedJSON as exc:
            return refuse(request, 400, str(exc))
        if not isinstance(fields, dict):
            return refuse(request, 400, "expected a JSON object {from, text, id}")
    else:
        try:
            fields = request.POST
        except MultiPartParserError:
            return refuse(request, 400, "malformed form body")
    values = {name: fields.get(name) for name in ("from", "text", "id")}
    # Gateways send their message ids as numbers or text; nothing else is an id.
    if isinstance(values["id"], int) and not isinstance(values["id"], bool):
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
        payload = json_from(request.body)
    except MalformedJSON as exc:
        return refuse(request, 400, str(exc))
    try:
        messages = whatsapp.messages_in(payload)
        results = [whatsapp.receive_message(message) for message in messages]
    except InboundError as exc:
        return refuse(request, 400, str(exc))
    whatsapp.record_failures(whatsapp.statuses_in(payload))
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
        payload = json_from(request.body)
    except MalformedJSON as exc:
        return refuse(request, 400, str(exc))
    problem = postmark_problem(payload)
    if problem:
        return refuse(request, 400, f"not a Postmark inbound message: {problem}")
    # anymail reads the body again: it gets the text as cleaned above.
    request._body = json.dumps(payload).encode()
    return _postmark_inbound(request)


POSTMARK_TEXTS = (
    "RecordType", "Subject", "TextBody", "HtmlBody", "StrippedTextReply", "MessageID", "Date",
    "ReplyTo", "OriginalRecipient",
)  # fmt: skip
POSTMARK_ADDRESS_LISTS = ("ToFull", "CcFull", "BccFull")


def postmark_problem(payload) -> str:
    """What makes `payload` no Postmark inbound message anymail can read, or "": the
    shape of every field it reads is checked first, so a malformed one is a 400, not a
    crash inside the parser."""
    if not isinstance(payload, dict):
        return "expected a JSON object"
    for name in POSTMARK_TEXTS:
        if payload.get(name) is not None and not isinstance(payload[name], str):
            return f"{name} must be text"
    headers = payload.get("Headers", [])
    if not isinstance(headers, list) or not all(
        isinstance(h, dict) and isinstance(h.get("Name"), str) and isinstance(h.get("Value"), str)
        for h in headers
    ):
        return "Headers must be a list of {Name, Value} texts"
    for name in POSTMARK_ADDRESS_LISTS:
        people = payload.get(name)
        if people is not None and not (
            isinstance(people, list) and all(_is_person(person) for person in people)
        ):
            return f"{name} must be a list of {{Email, Name}}"
    if "RawEmail" in payload:
        return "" if isinstance(payload["RawEmail"], str) else "RawEmail must be text"
    if not _is_person(payload.get("FromFull")) or "@" not in payload["FromFull"]["Email"]:
        return "FromFull.Email must be an email address"
    return _attachments_problem(payload.get("Attachments", []))


def _is_person(value) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("Email", ""), str)
        and isinstance(value.get("Name", ""), str)
    )


def _attachments_problem(attachments) -> str:
    if not isinstance(attachments, list):
        return "Attachments must be a list"
    for item in attachments:
        if not isinstance(item, dict) or not all(
            isinstance(item.get(key), str) for key in ("Name", "Content", "ContentType")
        ):
            return "each attachment needs Name, Content and ContentType as text"
        if not isinstance(item.get("ContentID", ""), str):
            return "an attachment's ContentID must be text"
        try:
            base64.b64decode(item["Content"], validate=True)
        except ValueError:
            return "attachment Content must be base64"
    return ""


def _basic_auth(request) -> str:
    kind, _space, data = request.headers.get("Authorization", "").partition(" ")
    if kind.lower() != "basic":
        return ""
    try:
        return base64.b64decode(data.strip()).decode()
    except (ValueError, UnicodeDecodeError):
        return ""
