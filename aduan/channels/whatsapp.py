"""Inbound WhatsApp (Meta Cloud API webhook): a short guided conversation that ends in a
report, and "STATUS <code>".

The conversation asks what happened, then where (words or a shared location), then asks
to confirm. Meta delivers each message at least once; every message id is acted on once
(ProcessedMessage), so a redelivery neither advances the conversation nor answers twice.
Photos are fetched from the Graph API after the report exists, by a background task
(aduan.channels.media). A conversation left silent for ADUAN_WHATSAPP_CONVERSATION_HOURS
is ended by `end_idle_conversations`, run by the periodic scan.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aduan.channels import followups
from aduan.channels.intake import Draft, number_used
from aduan.channels.language import written_in
from aduan.channels.media import queue_downloads
from aduan.channels.models import ProcessedMessage, WhatsAppConversation, conversation_lifetime
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
from aduan.notifications.models import Medium, Notification, State
from aduan.reports.models import Channel, Report

Step = WhatsAppConversation.Step
YES = {
    "ya",
    "y",
    "iya",
    "iyaa",
    "yaa",
    "yes",
    "kirim",
    "ok",
    "oke",
    "okay",
    "setuju",
    "benar",
    "betul",
}
# An answer to "where?" that is only a yes, a thanks or a greeting names no place.
MIN_PLACE = 4
CANCEL = {"batal", "cancel", "stop", "ulang"}
SUPPORTED = {"text", "image", "location"}
MAX_TEXT = 4000
MAX_MEDIA = 20  # photos remembered per conversation; a report keeps fewer


def signature_valid(body: bytes, header: str) -> bool:
    """Meta signs the raw body with the app secret: "sha256=<hex HMAC-SHA256>"."""
    secret = settings.ADUAN_WHATSAPP_APP_SECRET
    if not secret or not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    offered = header.removeprefix("sha256=").strip().lower().encode()
    return hmac.compare_digest(expected.encode(), offered)


def verify_token_valid(token: str) -> bool:
    expected = settings.ADUAN_WHATSAPP_VERIFY_TOKEN
    return bool(expected and token) and hmac.compare_digest(expected.encode(), token.encode())


def messages_in(payload) -> list[dict]:
    """The messages of a webhook payload; status callbacks (sent/delivered/read) carry
    none and are acknowledged without action."""
    if not isinstance(payload, dict) or not isinstance(payload.get("entry"), list):
        raise InboundError("not a WhatsApp webhook payload: 'entry' is missing")
    found = []
    for entry in payload["entry"]:
        changes = entry.get("changes", []) if isinstance(entry, dict) else []
        if not isinstance(changes, list):
            raise InboundError("malformed 'changes' in the WhatsApp payload")
        for change in changes:
            value = change.get("value") if isinstance(change, dict) else None
            if not isinstance(value, dict) or not isinstance(value.get("messages") or [], list):
                raise InboundError("malformed 'changes' in the WhatsApp payload")
            for message in value.get("messages") or []:
                if not (
                    isinstance(message, dict)
                    and isinstance(message.get("id"), str)
                    and isinstance(message.get("from"), str)
                ):
                    raise InboundError("a WhatsApp message lacks 'id' or 'from'")
                found.append(message)
    return found


def statuses_in(payload: dict) -> list[dict]:
    """The delivery reports of a webhook payload ({"id", "status", "errors"}): Meta
    accepts a message at once and may fail it later (outside the 24-hour window, a
    number without WhatsApp)."""
    found = []
    for entry in payload.get("entry") or []:
        for change in (entry.get("changes") or []) if isinstance(entry, dict) else []:
            value = change.get("value") if isinstance(change, dict) else None
            statuses = value.get("statuses") if isinstance(value, dict) else None
            for status in statuses if isinstance(statuses, list) else []:
                if isinstance(status, dict) and isinstance(status.get("id"), str):
                    found.append(status)
    return found


def record_failures(statuses: list[dict]) -> int:
    """Mark the sent messages Meta reports as failed, with Meta's reason, so they are
    listed among the failed deliveries; returns how many."""
    failed = 0
    for status in statuses:
        if status.get("status") != "failed":
            continue
        errors = status.get("errors") if isinstance(status.get("errors"), list) else []
        first = errors[0] if errors and isinstance(errors[0], dict) else {}
        reason = f"{first.get('code', '')} {first.get('title', '')}".strip()[:200]
        failed += Notification.objects.filter(
            medium=Medium.WHATSAPP, provider_reference=status["id"][:200], state=State.SENT
        ).update(state=State.FAILED, last_error=f"WhatsApp failed after sending: {reason}")
    return failed


def receive_message(message: dict) -> str:
    """Act on one inbound message once; returns what happened."""
    phone = normalize_phone(message["from"])
    if not phone:
        # Acknowledged, not refused: Meta would redeliver a refused message for days.
        logger.warning("WhatsApp message from a non-Indonesian number ignored")
        return "foreign_sender"
    message_id = reference(message["id"])
    content = _content(message)
    language = written_in((content or {}).get("text", ""))
    with transaction.atomic(), translation.override(language):
        _seen, new = ProcessedMessage.objects.get_or_create(
            channel=Channel.WHATSAPP, reference=message_id
        )
        if not new:
            return "duplicate"
        number_used(phone)
        if content is None:
            _say(phone, message_id, _("I can read text, photos and shared locations only."))
            return "unsupported"
        code = status_command(content.get("text", ""))
        if code is not None:
            _say(phone, message_id, status_answer(code, phone=phone))
            return "status"
        return _follow_up(phone, message_id, content) or _converse(phone, message_id, content)


def _follow_up(phone: str, message_id: str, content: dict) -> str | None:
    """Take a message that answers one of the sender's reports (aduan.channels.followups)
    when no new report is being described; None to go on with the conversation."""
    lifetime_start = timezone.now() - conversation_lifetime()
    drafting = WhatsAppConversation.objects.filter(
        phone=phone, updated_at__gte=lifetime_start
    ).exclude(collected={})
    text = content.get("text", "")
    fresh = followups.new_report_text(text)
    if fresh is not None or "latitude" in content or drafting.exists():
        if fresh is not None:
            content["text"] = fresh
        return None
    if content.get("media"):
        return _photo_follow_up(phone, message_id, content)
    follow_up = followups.take(text, phone=phone)
    if follow_up is None:
        return None
    _say(phone, message_id, follow_up.reply)
    return follow_up.result


def _photo_follow_up(phone: str, message_id: str, content: dict) -> str | None:
    report = followups.photo_target(phone)
    if report is None:
        return None
    queue_downloads(report, [content["media"]])
    said = _("Photo received for report %(code)s.") % {"code": report.tracking_code}
    follow_up = followups.take(content.get("text", ""), phone=phone)
    if follow_up is not None and follow_up.report.pk == report.pk:
        said = f"{said} {follow_up.reply}"
    _say(phone, message_id, said)
    return "photo_added"


def _content(message: dict) -> dict | None:
    """What a message says, as {"text"}, {"media"} or {"latitude", "longitude", ...};
    None for types the conversation cannot use (stickers, audio, reactions...)."""
    kind = message.get("type")
    if not isinstance(kind, str) or kind not in SUPPORTED:
        return None
    part = message.get(kind)
    if not isinstance(part, dict):
        raise InboundError(f"a WhatsApp {kind} message lacks its '{kind}' object")
    if kind == "text":
        return {"text": str(part.get("body", ""))[:MAX_TEXT].strip()}
    if kind == "image":
        return {"media": str(part.get("id", ""))[:100], "text": str(part.get("caption", ""))}
    try:
        latitude, longitude = float(part["latitude"]), float(part["longitude"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InboundError("a WhatsApp location lacks latitude/longitude") from exc
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise InboundError("a WhatsApp location is out of range")
    place = " ".join(str(part.get(k, "")) for k in ("name", "address") if part.get(k))
    return {"latitude": latitude, "longitude": longitude, "place": place.strip()}


def _converse(phone: str, message_id: str, content: dict) -> str:
    conversation, starts = _locked_conversation(phone)
    text = content.get("text", "")
    if text.lower() in CANCEL:
        conversation.delete()
        _say(phone, message_id, _("Cancelled. Send a message any time to start a new report."))
        return "cancelled"
    if starts and _is_yes(text):
        sent = _sent_just_now(phone)
        if sent is not None:
            # A second tap on "YA" (or one that waited while the first was sent): the
            # report went, a new conversation would only ask "what happened?" again.
            conversation.delete()
            _say(
                phone,
                message_id,
                _(
                    "Your report %(code)s was received. To report something else, describe "
                    "it in a new message."
                )
                % {"code": sent.tracking_code},
            )
            return "already_sent"
    greeting = ""
    if starts:
        greeting = _("Welcome to %(site)s, the public-service complaint service.") % {
            "site": settings.SITE_NAME
        }
    result = _take(conversation, content)
    if greeting and result == "short":
        result = "ok"  # a first "halo" is a greeting, not a too-short description
    if result == "confirmed":
        return _submit(conversation, phone, message_id)
    conversation.updated_at = timezone.now()
    conversation.save()
    language = conversation.collected.get("language") or translation.get_language()
    with translation.override(language):
        _say(phone, message_id, " ".join(filter(None, [greeting, _prompt(conversation, result)])))
    return conversation.step


JUST_SENT = datetime.timedelta(minutes=2)


def _sent_just_now(phone: str) -> Report | None:
    """The report this number confirmed in the last JUST_SENT, if any."""
    recent = Report.objects.reported_from(phone=phone).filter(
        channel=Channel.WHATSAPP, submitted_at__gte=timezone.now() - JUST_SENT
    )
    return recent.order_by("-pk").first()


def _locked_conversation(phone: str) -> tuple[WhatsAppConversation, bool]:
    """The number's conversation, locked until the transaction ends, and whether it
    starts with this message (new, or the old one expired).

    Messages from one number arrive at the same moment (each photo of an album is a
    webhook of its own): the row is made first when missing, so a second message waits
    for the first one's transaction and then reads what it collected, instead of
    inserting the same number again.
    """
    for _attempt in range(3):
        _row, starts = WhatsAppConversation.objects.get_or_create(
            phone=phone, defaults={"collected": {}}
        )
        try:
            conversation = WhatsAppConversation.objects.select_for_update().get(phone=phone)
            break
        except WhatsAppConversation.DoesNotExist:
            # The message waited while the one before it confirmed the report, which
            # ended the conversation: this one starts the next (a 500 would make the
            # provider deliver it again, as a duplicate).
            starts = True
    else:
        raise RuntimeError(f"WhatsApp conversation of {phone} keeps vanishing")
    if not starts and conversation.is_expired():
        conversation.step, conversation.collected, starts = Step.WHAT, {}, True
    return conversation, starts


def _take(conversation: WhatsAppConversation, content: dict) -> str:
    """Store what the message adds and move to the next step; returns how it went."""
    collected = conversation.collected
    text = content.get("text", "")
    if content.get("media") and len(collected.get("media", [])) < MAX_MEDIA:
        collected.setdefault("media", []).append(content["media"])
    if "latitude" in content:
        collected.update(
            latitude=content["latitude"], longitude=content["longitude"], place=content["place"]
        )
    if conversation.step == Step.WHAT:
        # A greeting first ("Assalamualaikum pak") is not the description.
        if len(substance(text)) >= MIN_TEXT:
            collected["what"] = text
            # The conversation goes on in the description's language: a later "yes" or
            # an address says nothing of it.
            collected["language"] = translation.get_language()
            conversation.step = Step.CONFIRM if "latitude" in collected else Step.WHERE
            return "ok"
        return "short" if text else "ok"
    if conversation.step == Step.WHERE:
        if "latitude" in content or (_is_place(text)):
            if text:
                collected["where"] = text
            conversation.step = Step.CONFIRM
        return "ok"
    if _is_yes(text):
        return "confirmed"
    if text:
        # Whatever else is written before confirming adds to the description (a
        # corrected address, a detail): nothing the citizen writes is dropped.
        collected["what"] = f"{collected['what']}\n{text}"[:MAX_TEXT]
        return "added"
    return "ok"


def _is_yes(text: str) -> bool:
    return text.lower().strip(" .!,") in YES


def _is_place(text: str) -> bool:
    return len(text.strip()) >= MIN_PLACE and not _is_yes(text) and bool(substance(text))


def _prompt(conversation: WhatsAppConversation, result: str) -> str:
    if conversation.step == Step.WHAT:
        if result == "short":
            return _("Please tell us a little more: what happened, and since when?")
        return _("What happened? Describe the problem in one message.")
    if conversation.step == Step.WHERE:
        return _("Where did it happen? Write the address or share your location.")
    collected = conversation.collected
    where = collected.get("where") or collected.get("place") or _("the shared location")
    return _(
        "Your report: “%(what)s” at %(where)s. Reply YA to send it or BATAL to cancel; "
        "anything else you write is added to it."
    ) % {
        "what": short_title(collected.get("what", "")),
        "where": where,
    }


def _submit(conversation: WhatsAppConversation, phone: str, message_id: str) -> str:
    collected = conversation.collected
    draft = Draft(
        title=short_title(collected["what"]),
        body=collected["what"],
        address=(collected.get("where") or collected.get("place") or "")[:255],
        latitude=_coordinate(collected.get("latitude")),
        longitude=_coordinate(collected.get("longitude")),
        guest_phone=phone,
        language=collected.get("language") or settings.LANGUAGE_CODE,
        is_anonymous=asks_anonymity(collected["what"]),
    )
    submission = submit_guest_report(draft, channel=Channel.WHATSAPP, channel_reference=message_id)
    if submission.created and collected.get("media"):
        queue_downloads(submission.report, collected["media"])
    if conversation.pk:
        conversation.delete()
    logger.info("WhatsApp report %s created", submission.report.tracking_code)
    # The tracking code goes out in the intake's RECEIVED message, on WhatsApp.
    return "created"


def _coordinate(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)


def _say(phone: str, message_id: str, text) -> None:
    answer(Medium.WHATSAPP, phone, str(text), key=f"whatsapp:{message_id}")


def end_idle_conversations(now: datetime.datetime | None = None, limit: int = 1000) -> int:
    """End the conversations silent for longer than ADUAN_WHATSAPP_CONVERSATION_HOURS
    (default 24); a citizen who had already described a problem is told on WhatsApp that
    the unfinished report was discarded. Returns how many ended.

    For the periodic scan; safe on several hosts at once and against a message arriving
    meanwhile: each row is deleted only while its `updated_at` is still the one read.
    """
    now = now or timezone.now()
    idle = WhatsAppConversation.objects.filter(updated_at__lt=now - conversation_lifetime())
    ended = 0
    for conversation in idle.order_by("updated_at")[:limit]:
        language = conversation.collected.get("language") or settings.LANGUAGE_CODE
        with transaction.atomic(), translation.override(language):
            deleted, _rows = WhatsAppConversation.objects.filter(
                pk=conversation.pk, updated_at=conversation.updated_at
            ).delete()
            if not deleted:
                continue
            ended += 1
            if conversation.collected.get("what"):
                key = f"expired:{conversation.phone}:{conversation.updated_at.timestamp():.0f}"
                notice = _(
                    "Your unfinished report was discarded after %(hours)d hours without an "
                    "answer. Send a message any time to start again."
                ) % {"hours": conversation_lifetime() // datetime.timedelta(hours=1)}
                answer(Medium.WHATSAPP, conversation.phone, notice, key=key)
    return ended
