"""Inbound SMS from a generic gateway: one message is one report, or a status question.

The gateway posts {from, text, id}; `id` is its message id, which makes a retried
delivery return the report the first delivery created.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from aduan.channels.intake import Draft
from aduan.channels.replies import (
    MIN_TEXT,
    InboundError,
    answer,
    logger,
    reference,
    short_title,
    status_answer,
    status_command,
    submit_guest_report,
)
from aduan.lib.phones import normalize_phone
from aduan.lib.untrusted import plain_text
from aduan.notifications.models import Medium
from aduan.reports.models import Channel

MAX_TEXT = 5000


def receive_sms(sender: str, text: str, message_id: str) -> dict:
    """Act on one inbound SMS; returns what happened, for the gateway's log."""
    phone = normalize_phone(sender)
    if not phone:
        raise InboundError("'from' is not an Indonesian phone number")
    message_id = reference(plain_text(message_id))
    if not message_id:
        raise InboundError("'id' (the gateway's message id) is required")
    text = plain_text(text or "").strip()
    if len(text) > MAX_TEXT:
        raise InboundError(f"'text' is longer than {MAX_TEXT} characters")
    key = f"sms:{message_id}"
    with transaction.atomic():
        code = status_command(text)
        if code is not None:
            answer(Medium.SMS, phone, status_answer(code, phone=phone), key=key)
            return {"result": "status"}
        if len(text) < MIN_TEXT:
            with translation.override("id"):
                prompt = _(
                    "Your message is too short to be a report. Describe what happened and "
                    "where, in one message. To check a report, send: STATUS <code>"
                )
            answer(Medium.SMS, phone, prompt, key=key)
            return {"result": "too_short"}
        draft = Draft(title=short_title(text), body=text, guest_phone=phone, language="id")
        submission = submit_guest_report(draft, channel=Channel.SMS, channel_reference=message_id)
    report = submission.report
    if submission.created:
        logger.info("SMS report %s created from message %s", report.tracking_code, message_id)
    # The RECEIVED message with the tracking code is written by the intake itself.
    return {
        "result": "created" if submission.created else "duplicate",
        "tracking_code": report.tracking_code,
    }
