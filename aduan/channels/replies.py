"""What the inbound channels share: making a guest's report, answering the sender, and
the "STATUS <code>" question.

Answers go through the outbox (a Notification row, delivered at least once by the
workers), never straight to a provider from the webhook: the provider waits for our
200, and a slow gateway must not make it deliver the message again.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aduan.channels.intake import Draft, Submission, account_of_phone, submit_report
from aduan.notifications.models import Kind, Medium, Notification, State
from aduan.notifications.outbox import (
    enqueue_delivery,
    reporter_access_link,
    sms_enabled,
    whatsapp_enabled,
)
from aduan.reports.codes import normalize_tracking_code
from aduan.reports.models import PHONE_CHANNELS, Report

logger = logging.getLogger("aduan.channels")

MIN_TEXT = 15  # shorter than this cannot describe a problem
TITLE_LENGTH = 60
REFERENCE_LENGTH = 120  # Report.channel_reference
# "STATUS K7QM-3XPA", "cek laporan k7qm 3xpa", "Status: K7QM3XPA", or the code alone.
STATUS_COMMAND = re.compile(
    r"^\s*(?:(?:status|cek|info)\b(?:\s+laporan\b)?[\s:.-]*)?"
    r"([A-Za-z0-9]{4}[\s-]?[A-Za-z0-9]{4})\s*[.?!]*\s*$",
    re.IGNORECASE,
)
STATUS_WORD = re.compile(r"^\s*(?:status|cek)\b", re.IGNORECASE)
CODE_IN_TEXT = re.compile(r"\b([A-HJKMNP-TV-Z2-9]{4}-[A-HJKMNP-TV-Z2-9]{4})\b")


class BytesUpload(io.BytesIO):
    """Bytes received on a channel (an email attachment, a WhatsApp photo) shaped like an
    uploaded file, so they are cleaned by `clean_upload` exactly like a web upload."""

    def __init__(self, name: str, data: bytes):
        super().__init__(data)
        self.name = name
        self.size = len(data)


class InboundError(ValueError):
    """The delivery cannot be used; the message says why (sent back as JSON, in English:
    it is read by the gateway's operator, not by the citizen)."""


def short_title(text: str, limit: int = TITLE_LENGTH) -> str:
    """The first line of `text`, cut at a word boundary to at most `limit` characters."""
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    cut = line[:limit].rsplit(" ", 1)[0]
    return (cut if len(cut) >= limit // 2 else line[: limit - 1]) + "…"


def substance(text: str) -> str:
    """What `text` says once greetings, courtesies and honorifics are dropped
    ("Assalamualaikum pak", "Selamat pagi bu, mohon maaf" say nothing), in the words
    triage reads; shorter than MIN_TEXT, it cannot describe a problem."""
    from aduan.triage.text import normalize

    return normalize(text)


# A reporter on SMS, WhatsApp or email has no "anonymous" box to tick: writing it is
# enough ("lapor ANONIM", "mohon identitas saya dirahasiakan"). Anonymity only hides more,
# so a false reading harms no one.
ASKS_ANONYMITY = re.compile(
    r"\b(?:anonim|anonym|anonymous|tanpa\s+nama|identitas\s+(?:saya\s+)?(?:di)?rahasiakan"
    r"|rahasiakan\s+identitas)\b",
    re.IGNORECASE,
)


def asks_anonymity(text: str) -> bool:
    return bool(ASKS_ANONYMITY.search(text or ""))


def reference(raw: str) -> str:
    """A provider's message id as a channel reference: long ids are replaced by a digest,
    which is just as unique and fits the column."""
    raw = raw.strip()
    if len(raw) <= REFERENCE_LENGTH:
        return raw
    return "sha256:" + hashlib.sha256(raw.encode()).hexdigest()


def submit_guest_report(draft: Draft, *, channel: str, channel_reference: str) -> Submission:
    """Submit a report from a channel that proves the sender's address (an SMS or
    WhatsApp message from the number, an email from the address): it counts as
    confirmed, so later updates reach the sender without a confirmation link.

    From a number an account verified, by SMS or WhatsApp, it is that account's report,
    as if sent signed in. An email's sender can be forged: it stays a guest's report."""
    owner = account_of_phone(draft.guest_phone) if channel in PHONE_CHANNELS else None
    if owner is not None:
        return submit_report(
            draft, reporter=owner, channel=channel, channel_reference=channel_reference
        )
    with transaction.atomic():
        submission = submit_report(draft, channel=channel, channel_reference=channel_reference)
        if submission.created:
            now = timezone.now()
            # The report is the number's first use for it (`guest_holds_phone`).
            used = now if channel in PHONE_CHANNELS and draft.guest_phone else None
            Report.objects.filter(pk=submission.report.pk).update(
                guest_contact_verified_at=now, guest_phone_used_at=used
            )
            submission.report.guest_contact_verified_at = now
            submission.report.guest_phone_used_at = used
    return submission


def status_command(text: str) -> str | None:
    """The tracking code asked about by "STATUS <code>" / "CEK <code>" or a code sent
    alone ("" when what follows STATUS is not a code), or None when `text` is not such
    a question."""
    text = text or ""
    match = STATUS_COMMAND.match(text)
    if match:
        code = match.group(1)
        # Alone, eight letters may be a word ("makasihh"); a code has a dash or a digit.
        if STATUS_WORD.match(text) or "-" in code or any(ch.isdigit() for ch in code):
            return normalize_tracking_code(code)
        return None
    word = STATUS_WORD.match(text)
    if word and len(text) - word.end() <= 30:
        return ""
    return None


def status_answer(code: str, *, phone: str = "", email: str = "") -> str:
    """The status of the report `code`, in the sender's words, when the sender is its
    reporter; otherwise the same neutral answer as for a code that does not exist, so
    codes cannot be probed from someone else's phone."""
    report = (
        Report.objects.select_related("reporter").filter(tracking_code=code).first()
        if code
        else None
    )
    if report is not None and not sender_is_reporter(report, phone=phone, email=email):
        report = None  # nothing of it, not even its language, goes to someone else
    with translation.override(answer_language(report)):
        if report is None:
            return _(
                "We found no report with that code for this number. Check the code, or "
                "follow your report on the website."
            )
        return _("Report %(code)s: %(status)s. Details: %(link)s") % {
            "code": report.tracking_code,
            "status": report.get_status_display(),
            "link": reporter_access_link(report),
        }


def answer_language(report: Report | None) -> str:
    # The message's language when it is plainly English (the active one, set by the
    # channel from the message), else the language the report was written in.
    active = translation.get_language() or settings.LANGUAGE_CODE
    if active != settings.LANGUAGE_CODE or report is None:
        return active
    return report.language or active


def sender_is_reporter(report: Report, *, phone: str = "", email: str = "") -> bool:
    if report.reporter_id:
        user = report.reporter
        return bool(
            (phone and user.verified_phone == phone and user.holds_verified_phone)
            or (email and user.email.lower() == email.lower())
        )
    # A guest's number is theirs only once confirmed (a message came from it, or its
    # holder followed the link sent there), as for answers (`ReportQuerySet
    # .reported_from`): a number typed into a web form, alone or beside an address,
    # proves nothing, and the status answer carries the reporter's link. Unused for
    # the report for months, it may be a stranger's now (`guest_holds_phone`).
    return bool(
        (phone and report.confirmed_guest_contact()[1] == phone and not report.guest_phone_lapsed)
        or (email and report.guest_email.lower() == email.lower())
    )


def answer(
    medium: str,
    address: str,
    text: str,
    *,
    key: str,
    report: Report | None = None,
    subject: str = "",
) -> bool:
    """Write a plain answer to the sender into the outbox; False when that medium is not
    configured (nobody could send it). `key` names the inbound message answered, so a
    redelivered message is answered once."""
    if medium == Medium.SMS and not sms_enabled():
        return False
    if medium == Medium.WHATSAPP and not whatsapp_enabled():
        return False
    now = timezone.now()
    key = f"inbound:{key}:{medium}"[:200]
    language = translation.get_language() or settings.LANGUAGE_CODE
    with translation.override(language):
        if not subject and report is not None:
            # The code in the subject threads the sender's reply to this answer.
            subject = _("Your message about report %(code)s") % {"code": report.tracking_code}
        subject = subject or _("Your message to %(site)s") % {"site": settings.SITE_NAME}
    _row, created = Notification.objects.get_or_create(
        key=key,
        defaults={
            # Answers are about a report when there is one; RESPONSE is the nearest kind
            # (the outbox has no separate kind for conversational answers).
            "kind": Kind.RESPONSE,
            "medium": medium,
            "address": address,
            "language": language,
            "report": report,
            "organization": report.organization if report else None,
            "subject": str(subject)[:200],
            "body": text,
            "short": text,
            "state": State.PENDING,
            "created_at": now,
            "next_attempt_at": now,
        },
    )
    if created:
        transaction.on_commit(lambda: enqueue_delivery([key]))
    return created
