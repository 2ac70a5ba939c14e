"""Inbound SMS from a generic gateway: a report, a status question, or the answer to a
report waiting for its reporter (aduan.channels.followups).

The gateway posts {from, text, id}; `id` is its message id, which makes a retried
delivery a no-op that returns the report the first delivery created.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from aduan.channels import followups
from aduan.channels.intake import Draft, number_used
from aduan.channels.language import written_in
from aduan.channels.models import ProcessedMessage
from aduan.channels.replies import (
    MIN_TEXT,
    InboundError,
    answer,
    asks_anonymity,
    logger,
    reference,
    short_title,
    status_answer,
    status_command,
    submit_guest_report,
    substance,
)
from aduan.lib.phones import normalize_phone
from aduan.lib.untrusted import plain_text
from aduan.notifications.models import Medium
from aduan.reports.models import Channel, Report

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
    with transaction.atomic(), translation.override(written_in(text)):
        _seen, new = ProcessedMessage.objects.get_or_create(
            channel=Channel.SMS, reference=message_id
        )
        if not new:
            known = _report_of(message_id)
            return {"result": "duplicate", **({"tracking_code": known} if known else {})}
        number_used(phone)
        code = status_command(text)
        if code is not None:
            answer(Medium.SMS, phone, status_answer(code, phone=phone), key=key)
            return {"result": "status"}
        fresh = followups.new_report_text(text)
        follow_up = followups.take(text, phone=phone) if fresh is None else None
        if follow_up:
            answer(Medium.SMS, phone, follow_up.reply, key=key, report=follow_up.report)
            return {"result": follow_up.result, "tracking_code": follow_up.report.tracking_code}
        text = text if fresh is None else fresh
        if len(substance(text)) < MIN_TEXT:
            prompt = _(
                "Your message is too short to be a report. Describe what happened and "
                "where, in one message. To check a report, send: STATUS <code>"
            )
            answer(Medium.SMS, phone, prompt, key=key)
            return {"result": "too_short"}
        draft = Draft(
            title=short_title(text),
            body=text,
            guest_phone=phone,
            language=translation.get_language(),
            is_anonymous=asks_anonymity(text),
        )
        submission = submit_guest_report(draft, channel=Channel.SMS, channel_reference=message_id)
    report = submission.report
    if submission.created:
        logger.info("SMS report %s created from message %s", report.tracking_code, message_id)
    # The RECEIVED message with the tracking code is written by the intake itself.
    return {
        "result": "created" if submission.created else "duplicate",
        "tracking_code": report.tracking_code,
    }


def _report_of(message_id: str) -> str | None:
    return (
        Report.objects.filter(channel=Channel.SMS, channel_reference=message_id)
        .values_list("tracking_code", flat=True)
        .first()
    )
