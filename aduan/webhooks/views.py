"""The receiving end of an uplink's webhooks: `/masuk/uplink/<slug>/`.

Every refusal is a JSON error naming the header or field and the reason, and is logged;
nothing is written unless the call is signed, fresh, new and well formed.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from aduan.channels.models import ProcessedMessage
from aduan.lib.untrusted import MalformedJSON, json_from
from aduan.webhooks.forwarding import record_update
from aduan.webhooks.models import Uplink
from aduan.webhooks.signing import SignatureError, verify

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024


def _refuse(status: int, field: str, code: str, message: str) -> JsonResponse:
    return JsonResponse(
        {"errors": [{"field": field, "code": code, "message": message}]}, status=status
    )


@csrf_exempt
@require_POST
def receive(request, slug: str):
    uplink = Uplink.objects.filter(slug=slug, is_active=True).first()
    if uplink is None:
        return _refuse(404, "", "not_found", "No active uplink with this address.")
    declared = request.headers.get("Content-Length", "")
    if (declared.isascii() and declared.isdigit() and int(declared) > MAX_BODY_BYTES) or len(
        request.body
    ) > MAX_BODY_BYTES:
        log.warning("Uplink %s: call refused, body over %s bytes", slug, MAX_BODY_BYTES)
        return _refuse(413, "", "too_large", f"The body is larger than {MAX_BODY_BYTES} bytes.")
    body = request.body
    try:
        message_id = verify(uplink.webhook_secret, request.headers, body)
    except SignatureError as exc:
        log.warning("Uplink %s: call refused: %s", slug, exc)
        return _refuse(401, "webhook-signature", "invalid_signature", str(exc))
    try:
        call = json_from(body)
    except MalformedJSON:
        log.warning("Uplink %s: call %s refused: not JSON", slug, message_id)
        return _refuse(400, "", "invalid_json", "The body is not JSON.")
    return _apply(uplink, message_id, call)


def _apply(uplink: Uplink, message_id: str, call) -> JsonResponse:
    try:
        with transaction.atomic():
            _seen, first = ProcessedMessage.objects.get_or_create(
                channel=f"uplink:{uplink.pk}", reference=message_id[:120]
            )
            if not first:
                return JsonResponse({"status": "duplicate"})
            outcome = record_update(uplink, call if isinstance(call, dict) else {})
    except ValueError as exc:
        log.warning("Uplink %s: call %s refused: %s", uplink.slug, message_id, exc)
        return _refuse(400, "type", "invalid", str(exc))
    return JsonResponse({"status": outcome})
