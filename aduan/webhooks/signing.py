"""Signing and checking webhook calls, as the Standard Webhooks specification defines.

Three headers travel with each call: `webhook-id` (the same on every retry of a message),
`webhook-timestamp` (Unix seconds when this attempt was signed) and `webhook-signature`
(`v1,` and the base64 HMAC-SHA256 of `id.timestamp.body` under the secret). Receivers
with any Standard Webhooks library can check our calls; we check an uplink's calls the
same way. A timestamp more than five minutes away from now is refused, so a captured call
cannot be replayed later; within those minutes the id catches it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping

from aduan.webhooks.models import SECRET_PREFIX

TOLERANCE_SECONDS = 5 * 60


class SignatureError(Exception):
    """The call is not signed by the holder of the secret, or not now."""


def _key(secret: str) -> bytes:
    if secret.startswith(SECRET_PREFIX):
        return base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    return secret.encode()


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(secret: str, message_id: str, body: bytes, now: float | None = None) -> dict:
    timestamp = int(time.time() if now is None else now)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, message_id, timestamp, body),
    }


def verify(secret: str, headers: Mapping[str, str], body: bytes, now: float | None = None) -> str:
    """Check a call's signature and age; returns its message id or raises SignatureError.

    `headers` must look up names case-insensitively (Django's `request.headers` does).
    """
    message_id = headers.get("webhook-id", "")
    stamp = headers.get("webhook-timestamp", "")
    offered = headers.get("webhook-signature", "")
    if not (message_id and stamp and offered):
        raise SignatureError("webhook-id, webhook-timestamp and webhook-signature are required")
    try:
        timestamp = int(stamp)
    except ValueError:
        raise SignatureError("webhook-timestamp is not a number of seconds") from None
    now = time.time() if now is None else now
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        raise SignatureError("webhook-timestamp is too far from now (a replay?)")
    expected = signature(secret, message_id, timestamp, body)
    # Several space-separated signatures may be sent while a secret is being rotated.
    offers = [candidate.encode() for candidate in offered.split()]
    if not any(hmac.compare_digest(expected.encode(), candidate) for candidate in offers):
        raise SignatureError("webhook-signature does not match")
    return message_id
