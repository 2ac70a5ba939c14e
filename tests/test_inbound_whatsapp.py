import datetime
import hashlib
import hmac
import json
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone, translation
from django.utils.translation import gettext

from aduan.channels.models import WhatsAppConversation, WhatsAppMedia
from aduan.channels.whatsapp import end_idle_conversations
from aduan.notifications.models import Kind, Medium, Notification
from aduan.reports.models import Channel, Report
from tests.personas import run_announcements

URL = "/masuk/whatsapp/"
SECRET = "meta-app-secret"
PHONE = "+6281234567890"
WHAT = "Jembatan kayu di Desa Sukamaju retak dan hampir roboh"


@pytest.fixture(autouse=True)
def _whatsapp(settings):
    settings.ADUAN_WHATSAPP_APP_SECRET = SECRET
    settings.ADUAN_WHATSAPP_VERIFY_TOKEN = "verify-me"
    settings.ADUAN_WHATSAPP_PHONE_NUMBER_ID = "1234567890"
    settings.ADUAN_WHATSAPP_TOKEN = "graph-token"
    settings.ADUAN_SMS_GATEWAY_URL = "https://sms.example.id/send"


def message(mid, kind="text", sender="6281234567890", **part):
    content = part or {"body": "halo"}
    return {"from": sender, "id": mid, "timestamp": "1700000000", "type": kind, kind: content}


def text(mid, body, sender="6281234567890"):
    return message(mid, sender=sender, body=body)


def envelope(*messages, statuses=()):
    value = {"messaging_product": "whatsapp", "metadata": {"phone_number_id": "1234567890"}}
    if messages:
        value["messages"] = list(messages)
    if statuses:
        value["statuses"] = list(statuses)
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "waba", "changes": [{"field": "messages", "value": value}]}],
    }


def post(client, payload, *, secret=SECRET, signature=None):
    body = json.dumps(payload).encode() if not isinstance(payload, bytes) else payload
    if signature is None:
        signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    headers = {"X-Hub-Signature-256": signature} if signature else {}
    return client.post(URL, body, content_type="application/json", headers=headers)


def say(client, *messages):
    response = post(client, envelope(*messages))
    assert response.status_code == 200, response.content
    return response.json()["results"]


def answers(phone=PHONE):
    return Notification.objects.filter(address=phone, medium=Medium.WHATSAPP).exclude(
        kind=Kind.RECEIVED
    )


def test_the_verification_handshake_echoes_the_challenge(client, db):
    response = client.get(
        URL, {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "42"}
    )

    assert response.status_code == 200
    assert response.content == b"42"


def test_a_handshake_with_the_wrong_token_is_refused(client, db, settings):
    wrong = client.get(
        URL, {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "42"}
    )
    settings.ADUAN_WHATSAPP_VERIFY_TOKEN = ""
    unconfigured = client.get(
        URL, {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "42"}
    )

    assert wrong.status_code == 403
    assert unconfigured.status_code == 403
    assert b"42" not in wrong.content


def test_a_missing_or_wrong_signature_is_refused_and_nothing_happens(client, db):
    payload = envelope(text("wamid.1", WHAT))

    assert post(client, payload, signature="").status_code == 403
    assert post(client, payload, secret="someone-else").status_code == 403
    assert post(client, payload, signature="sha1=abc").status_code == 403
    assert not WhatsAppConversation.objects.exists()
    assert not Notification.objects.exists()


def test_the_conversation_asks_what_where_and_confirms_before_reporting(client, db):
    assert say(client, text("wamid.1", "halo")) == ["what"]
    with translation.override("id"):
        question = gettext("What happened? Describe the problem in one message.")
    assert answers().get().short.endswith(question)
    assert say(client, text("wamid.2", WHAT)) == ["where"]
    location = message(
        "wamid.3", "location", latitude=-6.2, longitude=106.8166667, name="Balai Desa"
    )
    assert say(client, location) == ["confirm"]
    assert not Report.objects.exists()
    assert say(client, text("wamid.4", "Ya")) == ["created"]

    report = Report.objects.get()
    assert report.channel == Channel.WHATSAPP
    assert report.channel_reference == "wamid.4"
    assert report.body == WHAT
    assert report.latitude == Decimal("-6.200000")
    assert report.longitude == Decimal("106.816667")
    assert report.guest_phone == PHONE
    assert report.guest_contact_verified_at is not None
    assert not WhatsAppConversation.objects.exists()
    assert answers().count() == 3
    assert run_announcements() == ["SUCCESSFUL"]  # the worker writes them
    received = Notification.objects.get(kind=Kind.RECEIVED)
    assert (received.medium, received.address) == (Medium.WHATSAPP, PHONE)
    assert report.tracking_code in received.short


def test_a_descriptive_first_message_and_a_written_address_are_enough(client, db):
    assert say(client, text("wamid.1", WHAT)) == ["where"]
    assert say(client, text("wamid.2", "Jl. Melati 5, Sukamaju")) == ["confirm"]
    assert "Jl. Melati 5" in answers().get(key__contains="wamid.2").short
    say(client, text("wamid.3", "kirim"))

    assert Report.objects.get().address == "Jl. Melati 5, Sukamaju"


def test_a_photo_is_queued_for_download_with_the_report(client, db):
    say(client, text("wamid.1", WHAT))
    say(client, message("wamid.2", "image", id="MEDIA-777", mime_type="image/jpeg"))
    say(client, text("wamid.3", "Depan balai desa"), text("wamid.4", "ya"))

    media = WhatsAppMedia.objects.get()
    assert (media.report, media.media_id) == (Report.objects.get(), "MEDIA-777")
    assert media.state == WhatsAppMedia.State.PENDING


def test_a_redelivered_message_does_not_advance_the_conversation_twice(client, db):
    say(client, text("wamid.1", "halo"))
    say(client, text("wamid.2", WHAT))
    assert say(client, text("wamid.2", WHAT)) == ["duplicate"]

    conversation = WhatsAppConversation.objects.get()
    assert conversation.step == "where"
    assert answers().count() == 2


def test_a_redelivered_confirmation_creates_one_report(client, db):
    say(client, text("wamid.1", WHAT), text("wamid.2", "Pasar Baru"))
    say(client, text("wamid.3", "ya"))
    assert say(client, text("wamid.3", "ya")) == ["duplicate"]

    assert Report.objects.count() == 1


def test_a_second_yes_after_the_report_went_says_it_was_received(client, db):
    say(client, text("wamid.1", WHAT), text("wamid.2", "Pasar Baru"))
    say(client, text("wamid.3", "ya"))

    assert say(client, text("wamid.4", "YA")) == ["already_sent"]

    report = Report.objects.get()
    assert report.tracking_code in answers().get(key__contains="wamid.4").short
    assert not WhatsAppConversation.objects.exists()  # no "what happened?" again


def test_a_short_answer_is_asked_to_say_more(client, db):
    say(client, text("wamid.1", "halo"))
    assert say(client, text("wamid.2", "rusak")) == ["what"]

    assert WhatsAppConversation.objects.get().collected.get("what") is None


def test_cancelling_forgets_the_conversation(client, db):
    say(client, text("wamid.1", WHAT))
    assert say(client, text("wamid.2", "BATAL")) == ["cancelled"]

    assert not WhatsAppConversation.objects.exists()
    assert not Report.objects.exists()


def test_an_expired_conversation_starts_again(client, db):
    say(client, text("wamid.1", WHAT))
    WhatsAppConversation.objects.update(
        updated_at=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
    )

    assert say(client, text("wamid.2", "ya")) == ["what"]
    assert not Report.objects.exists()


def test_status_answers_the_reporter_and_no_one_else(client, db):
    say(client, text("wamid.1", WHAT), text("wamid.2", "Pasar Baru"), text("wamid.3", "ya"))
    code = Report.objects.get().tracking_code

    assert say(client, text("wamid.4", f"STATUS {code}")) == ["status"]
    assert say(client, text("wamid.5", f"status {code}", sender="6281299998888")) == ["status"]

    assert code in answers().get(key__contains="wamid.4").short
    assert code not in answers("+6281299998888").get().short
    assert not WhatsAppConversation.objects.exists()


def test_status_callbacks_are_acknowledged_and_ignored(client, db):
    status = {"id": "wamid.out", "status": "delivered", "recipient_id": "6281234567890"}

    assert post(client, envelope(statuses=[status])).json() == {"results": []}
    assert not Notification.objects.exists()


def test_a_message_meta_fails_after_accepting_it_is_listed_as_failed(client, db):
    def sent(reference):
        now = timezone.now()
        return Notification.objects.create(
            key=f"k-{reference}",
            kind=Kind.RESPONSE,
            medium=Medium.WHATSAPP,
            address=PHONE,
            subject="s",
            body="b",
            short="s",
            state="sent",
            provider_reference=reference,
            created_at=now,
            next_attempt_at=now,
        )

    late, fine = sent("wamid.late"), sent("wamid.fine")
    failed = {
        "id": "wamid.late",
        "status": "failed",
        "recipient_id": "6281234567890",
        "errors": [{"code": 131047, "title": "Re-engagement message"}],
    }
    delivered = {"id": "wamid.fine", "status": "delivered", "recipient_id": "6281234567890"}

    assert post(client, envelope(statuses=[failed, delivered])).status_code == 200

    late.refresh_from_db()
    fine.refresh_from_db()
    assert (late.state, fine.state) == ("failed", "sent")
    assert "131047" in late.last_error
    with translation.override("en"):
        from aduan.lib.failures import explain

        assert "24 hours" in explain(late.last_error)


def test_an_unsupported_message_type_gets_a_polite_answer(client, db):
    sticker = message("wamid.1", "sticker", id="STICKER", mime_type="image/webp")

    assert say(client, sticker) == ["unsupported"]
    assert answers().count() == 1
    assert not WhatsAppConversation.objects.exists()


def test_malformed_payloads_get_a_json_error(client, db):
    broken = post(client, b"{not json")
    no_entry = post(client, {"object": "whatsapp_business_account"})
    no_sender = post(client, envelope({"id": "wamid.1", "type": "text", "text": {"body": "x"}}))
    bad_location = post(client, envelope(message("wamid.2", "location", latitude="north")))

    for response in (broken, no_entry, no_sender, bad_location):
        assert response.status_code == 400
        assert response.json()["error"]
    assert not WhatsAppConversation.objects.exists()


def test_an_oversized_body_is_refused(client, db):
    response = post(client, envelope(text("wamid.1", "x" * (1024 * 1024))))

    assert response.status_code == 413
    assert not WhatsAppConversation.objects.exists()


def test_a_message_from_a_foreign_number_is_acknowledged_and_ignored(client, db):
    assert say(client, text("wamid.1", WHAT, sender="12025550100")) == ["foreign_sender"]

    assert not WhatsAppConversation.objects.exists()
    assert not Notification.objects.exists()


def test_a_location_first_skips_the_question_where(client, db):
    say(client, text("wamid.1", "halo"))
    say(client, message("wamid.2", "location", latitude=-7.25, longitude=112.75))
    assert say(client, text("wamid.3", WHAT)) == ["confirm"]
    say(client, text("wamid.4", "ya"))

    assert Report.objects.get().latitude == Decimal("-7.250000")


# --- Ending idle conversations --------------------------------------------------------


def expiry_notices(phone=PHONE):
    return answers(phone).filter(key__contains=":expired:")


def test_a_conversation_idle_past_the_limit_is_ended_and_the_citizen_told(client, db):
    with time_machine.travel("2026-03-02 08:00 +0700", tick=False):
        say(client, text("wamid.1", WHAT))
    with time_machine.travel("2026-03-03 08:01 +0700", tick=False):
        ended = end_idle_conversations()

    assert ended == 1
    assert not WhatsAppConversation.objects.exists()
    with translation.override("id"):
        assert "24" in expiry_notices().get().short


def test_a_conversation_inside_the_limit_is_kept(client, db):
    with time_machine.travel("2026-03-02 08:00 +0700", tick=False):
        say(client, text("wamid.1", WHAT))
    with time_machine.travel("2026-03-03 07:59 +0700", tick=False):
        assert end_idle_conversations() == 0

    assert WhatsAppConversation.objects.exists()


def test_a_conversation_that_was_only_a_greeting_ends_silently(client, db):
    with time_machine.travel("2026-03-02 08:00 +0700", tick=False):
        say(client, text("wamid.1", "halo"))
    with time_machine.travel("2026-03-04 08:00 +0700", tick=False):
        assert end_idle_conversations() == 1

    assert not expiry_notices().exists()


def test_the_limit_is_a_setting(client, db, settings):
    settings.ADUAN_WHATSAPP_CONVERSATION_HOURS = 2
    with time_machine.travel("2026-03-02 08:00 +0700", tick=False):
        say(client, text("wamid.1", WHAT))
    with time_machine.travel("2026-03-02 10:01 +0700", tick=False):
        assert end_idle_conversations() == 1
        assert say(client, text("wamid.2", "ya")) == ["what"]

    assert not Report.objects.exists()


def test_running_the_sweep_twice_tells_the_citizen_once(client, db):
    with time_machine.travel("2026-03-02 08:00 +0700", tick=False):
        say(client, text("wamid.1", WHAT))
    with time_machine.travel("2026-03-05 08:00 +0700", tick=False):
        end_idle_conversations()
        assert end_idle_conversations() == 0

    assert expiry_notices().count() == 1


def test_a_conversation_answered_meanwhile_is_not_ended(client, db, monkeypatch):
    from django.db import transaction

    from aduan.channels import whatsapp

    class CitizenWritesFirst:
        """The sweep has read its idle rows; the citizen's message commits just before
        the sweep's delete."""

        @staticmethod
        def atomic():
            WhatsAppConversation.objects.update(updated_at=timezone.now())
            return transaction.atomic()

    with time_machine.travel("2026-03-02 08:00 +0700", tick=False):
        say(client, text("wamid.1", WHAT))
    monkeypatch.setattr(whatsapp, "transaction", CitizenWritesFirst)
    with time_machine.travel("2026-03-05 08:00 +0700", tick=False):
        assert end_idle_conversations() == 0

    assert WhatsAppConversation.objects.exists()
    assert not expiry_notices().exists()


# --- What a webhook might send wrong ---------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        b"[" * 100_000,
        {"entry": [{"changes": 5}]},
        {"entry": [{"changes": [{"value": {"messages": 5}}]}]},
    ],
)
def test_a_malformed_payload_is_refused_not_a_crash(client, db, payload):
    assert post(client, payload).status_code == 400


@pytest.mark.parametrize("kind", [[], {}, 5])
def test_a_message_of_an_odd_type_is_answered_as_unsupported(client, db, kind):
    odd = text("wamid.odd", WHAT)
    odd["type"] = kind
    assert say(client, odd) == ["unsupported"]


def test_a_signature_with_other_than_ascii_is_wrong_not_a_crash(client, db):
    assert post(client, envelope(text("wamid.x", WHAT)), signature="sha256=é").status_code == 403


def test_half_a_character_never_reaches_the_conversation(client, db):
    body = json.dumps(envelope(text("wamid.h1", "\ud800" + WHAT))).encode()
    assert post(client, body).status_code == 200
    say(client, text("wamid.h2", "Desa Sukamaju, dekat balai desa"))  # the next message works
    conversation = WhatsAppConversation.objects.get()
    assert "\ud800" not in json.dumps(conversation.__dict__, default=str, ensure_ascii=False)
