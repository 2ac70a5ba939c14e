"""Inbound email through django-anymail's normalised inbound signal.

A new email becomes a guest report (the subject its title, the text its body, photos and
PDFs its attachments). A reply about an existing report — found by In-Reply-To /
References or a tracking code in the subject, and only when it comes from that report's
reporter — answers the report's question when it is on hold; in any other state the
sender is pointed to the report's page, where the reporter's actions are.
"""

from __future__ import annotations

import hashlib
import re

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from aduan.channels import followups
from aduan.channels.intake import Draft
from aduan.channels.language import written_in
from aduan.channels.models import ProcessedMessage
from aduan.channels.replies import (
    CODE_IN_TEXT,
    MIN_TEXT,
    BytesUpload,
    answer,
    asks_anonymity,
    logger,
    reference,
    sender_is_reporter,
    short_title,
    submit_guest_report,
)
from aduan.notifications.models import Medium, Notification
from aduan.notifications.outbox import reporter_access_link
from aduan.reports import lifecycle
from aduan.reports.attachments import AttachmentError, CleanFile, clean_upload
from aduan.reports.models import Channel, Report, Status

MAX_TEXT = 20000
MESSAGE_IDS = re.compile(r"<[^<>\s]+>")
QUOTE_INTRO = re.compile(
    r"^(?:On|Pada|Le|Am)\b.{4,200}(?:wrote|menulis|a écrit|schrieb)\s*:$", re.I
)
# The line a mail app adds under every message ("Sent from my iPhone", "Dikirim dari
# Yahoo Mail di Android", "Get Outlook for Android").
MOBILE_FOOTER = re.compile(
    r"^(?:sent from|sent with|sent via|dikirim dari|dikirim melalui|get outlook for)\b.{0,80}$",
    re.I,
)
# A signature: after the line "-- " (RFC 3676), or from a line holding only the
# sender's name, with the closing before it ("Salam,", "Hormat saya,", "Regards,").
SIGNATURE_DELIMITER = re.compile(r"^--\s*$")
CLOSING = re.compile(
    r"^(?:salam|hormat\s+(?:saya|kami)|terima\s+kasih|wassalam\w*|regards|best\s+regards"
    r"|kind\s+regards|thanks|thank\s+you|sincerely)\b[\w\s'’]{0,30}[,.!]?$",
    re.I,
)
SIGNATURE_LINES = 10


def receive_email(sender=None, event=None, esp_name="", **kwargs) -> str:
    """The receiver of `anymail.signals.inbound`; returns what happened (for tests)."""
    message = event.message
    address = message.from_email.addr_spec.strip().lower() if message.from_email else ""
    if not address or "@" not in address:
        logger.warning("Inbound email without a usable sender ignored (%s)", esp_name)
        return "no_sender"
    if getattr(message, "spam_detected", None):
        # The provider's spam check failed (e.g. a forged sender): a reply must not
        # act on someone else's report, and spam is not a report.
        logger.warning("Inbound email flagged as spam by %s ignored", esp_name)
        return "spam"
    raw_id = (message.get("Message-ID") or "").strip() or _fallback_id(esp_name, event, address)
    message_id = reference(raw_id)
    text = _text_of(message)
    language = written_in(f"{message.subject or ''}\n{text}")
    with transaction.atomic(), translation.override(language):
        _seen, new = ProcessedMessage.objects.get_or_create(
            channel=Channel.EMAIL, reference=message_id
        )
        if not new:
            return "duplicate"
        report, proven = _thread(message, address)
        if report is not None:
            if not proven:
                return _point_to_page(report, address, message_id)
            return _follow_up(report, address, text, message, message_id)
        return _new_report(message, address, text, message_id)


def _fallback_id(esp_name: str, event, address: str) -> str:
    """An id for an email without a Message-ID: the provider's, else a digest of who
    sent what when (an empty id would make every such email a duplicate of the first)."""
    if event.event_id:
        return f"{esp_name}:{event.event_id}"
    message = event.message
    seen = "\n".join([address, message.get("Date") or "", message.subject or "", _text_of(message)])
    return f"{esp_name}:sha256:{hashlib.sha256(seen.encode()).hexdigest()}"


def _text_of(message) -> str:
    text = getattr(message, "stripped_text", None) or message.text or strip_tags(message.html or "")
    # Quoted earlier messages of the thread are not part of what the sender says now,
    # nor the line introducing them ("Pada Sen, 7 Des 2026 ... menulis:").
    lines = [line for line in text.splitlines() if not line.lstrip().startswith(">")]
    while lines and not lines[-1].strip():
        lines.pop()
    if lines and QUOTE_INTRO.match(lines[-1].strip()):
        lines.pop()
    while lines and (not lines[-1].strip() or MOBILE_FOOTER.match(lines[-1].strip())):
        lines.pop()
    return "\n".join(lines).strip()[:MAX_TEXT]


def without_signature(text: str, name: str) -> str:
    """`text` without the signature under it — the sender's name, job, employer, phone
    and address, which the mail app adds and an anonymous reporter never meant to send:
    from a "-- " line, or from a line holding only `name` (and the closing right before
    it), among the last SIGNATURE_LINES lines. Left whole when too little would remain."""
    lines = text.splitlines()
    name = " ".join(name.split()).casefold()
    for index in range(max(1, len(lines) - SIGNATURE_LINES), len(lines)):
        line = " ".join(lines[index].split())
        if SIGNATURE_DELIMITER.match(line) or (name and line.casefold().strip(",.") == name):
            cut = index - 1 if CLOSING.match(lines[index - 1].strip()) else index
            kept = "\n".join(lines[:cut]).strip()
            return kept if len(kept) >= MIN_TEXT else text
    return text


def _thread(message, address: str) -> tuple[Report | None, bool]:
    """The report this email is about, when its sender is that report's reporter, and
    whether the email proves it came from the reporter's mailbox.

    Anyone can write any sender address on an email. Only a reply naming the Message-ID
    of one of our own emails to this address about the report is proof: those ids are
    keyed with the server's secret and known only to the mailbox we sent them to. An
    email found by the tracking code in its subject, or by the Message-ID of the
    citizen's first email (which officers see), is about the report but proves nothing.
    """
    ids = MESSAGE_IDS.findall(" ".join(message.get(h) or "" for h in ("In-Reply-To", "References")))
    if ids:
        proven = Report.objects.filter(pk__in=_answered_by_our_ids(address, set(ids)))
        for report in proven:
            if sender_is_reporter(report, email=address):
                return report, True
    candidates: list[Report] = []
    if ids:
        refs = [reference(i) for i in ids]
        candidates += Report.objects.filter(channel=Channel.EMAIL, channel_reference__in=refs)
    codes = CODE_IN_TEXT.findall((message.subject or "").upper())
    if codes:
        candidates += Report.objects.filter(tracking_code__in=codes)
    for report in candidates:
        if sender_is_reporter(report, email=address):
            return report, False
    return None, False


# Replies name our Message-ID; an email provider may have given the message its own
# reference, so the ids of the messages last sent to this address are computed again.
RECENT_SENT = 200


def _answered_by_our_ids(address: str, ids: set[str]) -> list[int]:
    from aduan.notifications.adapters import message_id_for_key

    sent = (
        Notification.objects.filter(
            medium=Medium.EMAIL, address__iexact=address, report__isnull=False
        )
        .order_by("-pk")
        .values_list("key", "provider_reference", "report_id")[:RECENT_SENT]
    )
    return [
        report_id
        for key, provider_reference, report_id in sent
        if message_id_for_key(key) in ids or (provider_reference and provider_reference in ids)
    ]


def _follow_up(report: Report, address: str, text: str, message, message_id: str) -> str:
    received = text
    if report.is_anonymous:
        # The signature under an answer names the reporter as it would under the report.
        name = (message.from_email.display_name or "").strip() if message.from_email else ""
        text = without_signature(text, name)
    for _attempt in range(2):
        if report.status != Status.ON_HOLD or not text:
            break
        actor = lifecycle.Actor(user=report.reporter, is_reporter=True)
        files, refused = _attachments(message)
        try:
            lifecycle.answer_hold(report, actor, text, files=files, as_received=received)
        except lifecycle.StaleReport:
            # Changed a moment ago, by an officer or by another of the sender's emails
            # answering the question first: read it again and decide on what it is now.
            report = Report.objects.get(pk=report.pk)
            continue
        logger.info("Email answer added to on-hold report %s", report.tracking_code)
        if refused:
            _tell_refused(report, address, refused, key=f"email:{message_id}")
        return "answered"
    if text and (report.status == Status.COMPLETED or _completed_there(report)):
        verdict = followups.take(text, email=address, only=report)
        if verdict is not None:
            answer(Medium.EMAIL, address, verdict.reply, key=f"email:{message_id}", report=report)
            return verdict.result
    return _point_to_page(report, address, message_id)


def _completed_there(report: Report) -> bool:
    """Whether an uplink the report was forwarded to completed it and waits for the
    reporter's verdict, which an email answers as it would a completion here."""
    from aduan.webhooks.forwarding import awaiting_verdict

    return bool(awaiting_verdict(report))


def _point_to_page(report: Report, address: str, message_id: str) -> str:
    """Answer an email that acts on nothing with the reporter's own link, sent to the
    report's address: a forged sender learns nothing, the reporter gets the way in."""
    if report.status in (Status.ON_HOLD, Status.COMPLETED):
        notice = _(
            "We received your email about report %(code)s. To answer, reply to the email "
            "in which we asked you, or open the report's page: %(link)s"
        )
    else:
        notice = _(
            "We received your email about report %(code)s, but replies by email are "
            "taken only while we are waiting for your answer to a question. To follow or "
            "respond to your report, open its page: %(link)s"
        )
    link = reporter_access_link(report)
    answer(
        Medium.EMAIL,
        address,
        notice % {"code": report.tracking_code, "link": link},
        key=f"email:{message_id}",
        report=report,
    )
    return "pointed_to_page"


def _new_report(message, address: str, text: str, message_id: str) -> str:
    key = f"email:{message_id}"
    subject = " ".join((message.subject or "").split())
    text = text or subject
    if len(text) < MIN_TEXT:
        answer(
            Medium.EMAIL,
            address,
            _(
                "Your email is too short to be a report. Describe what happened, where and "
                "since when, and send it again."
            ),
            key=key,
        )
        return "too_short"
    files, refused = _attachments(message)
    name = (message.from_email.display_name or "").strip()[:150]
    anonymous = asks_anonymity(f"{subject}\n{text}")
    body = without_signature(text, name) if anonymous else text
    draft = Draft(
        title=short_title(subject, limit=150) if subject else short_title(text),
        body=body,
        received_body=text,
        guest_email=address,
        guest_name=name,
        is_anonymous=anonymous,
        language=translation.get_language(),
        attachments=files,
    )
    submission = submit_guest_report(draft, channel=Channel.EMAIL, channel_reference=message_id)
    report = submission.report
    if refused:
        _tell_refused(report, address, refused, key=key)
    logger.info("Email report %s created", report.tracking_code)
    return "created" if submission.created else "duplicate"


def _tell_refused(report: Report, address: str, refused: list[str], *, key: str) -> None:
    notice = _(
        "Your report %(code)s was received, but these attachments were not kept: "
        "%(reasons)s Photos (JPEG, PNG, WebP) and PDF documents can be added on the "
        "report's page."
    ) % {"code": report.tracking_code, "reasons": " ".join(refused)}
    answer(Medium.EMAIL, address, notice, key=key, report=report)


def _attachments(message) -> tuple[list[CleanFile], list[str]]:
    """The attachments we keep (photos and PDFs, cleaned) and why the others were not:
    one unusable file must not cost the citizen the whole report."""
    files: list[CleanFile] = []
    refused: list[str] = []
    for part in message.attachments:
        name = (part.get_filename() or "lampiran")[-200:]
        if len(files) >= settings.ADUAN_MAX_ATTACHMENTS:
            refused.append(
                _("“%(name)s”: at most %(count)d files are kept.")
                % {"name": name, "count": settings.ADUAN_MAX_ATTACHMENTS}
            )
            continue
        try:
            files.append(clean_upload(BytesUpload(name, part.get_content_bytes() or b"")))
        except AttachmentError as exc:
            refused.append(str(exc))
    return files, refused
