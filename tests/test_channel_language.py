"""Citizens who write in English on SMS, WhatsApp or email are answered in English; the
rest, however informal their Indonesian, in Indonesian."""

from __future__ import annotations

import pytest

from aduan.channels.language import written_in
from aduan.notifications.models import Kind, Notification
from aduan.reports.models import Report, Status
from tests import test_inbound_email as email
from tests import test_inbound_sms as sms
from tests import test_inbound_whatsapp as whatsapp
from tests.personas import advance, run_announcements

ENGLISH = "The street light in front of the market has been broken for two weeks."


@pytest.fixture(autouse=True)
def _channels(settings):
    settings.ADUAN_SMS_INBOUND_TOKEN = sms.TOKEN
    settings.ADUAN_SMS_GATEWAY_URL = "https://sms.example.id/send"
    settings.ADUAN_WHATSAPP_APP_SECRET = whatsapp.SECRET
    settings.ADUAN_WHATSAPP_PHONE_NUMBER_ID = "1234567890"
    settings.ADUAN_WHATSAPP_TOKEN = "graph-token"
    settings.ANYMAIL = {"WEBHOOK_SECRET": email.AUTH}


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (ENGLISH, "en"),
        ("Hello, there is a big pothole on Jalan Sudirman near the market.", "en"),
        ("jln rusak parah mhn diperbaiki, tdk bisa dilewati", "id"),
        ("Lampu jalan di depan rumah saya mati sudah dua minggu", "id"),
        ("Assalamualaikum pak, sampah numpuk di pasar", "id"),
        ("Dalane rusak banget, mbok ndang didandani", "id"),  # Javanese
        ("ok thanks", "id"),  # too short to tell
        ("STATUS AB12CD", "id"),
    ],
)
def test_only_plain_english_is_taken_for_english(text, language):
    assert written_in(text) == language


def test_an_unsure_message_keeps_the_language_it_is_given(settings):
    assert written_in("ya", otherwise="en") == "en"
    settings.LANGUAGES = [("id", "Bahasa Indonesia")]
    assert written_in(ENGLISH) == "id"


def received_message() -> Notification:
    assert run_announcements() == ["SUCCESSFUL"]
    return Notification.objects.get(kind=Kind.RECEIVED)


def test_an_english_sms_makes_an_english_report_answered_in_english(client, db):
    sms.post(client, text=ENGLISH)

    assert Report.objects.get().language == "en"
    received = received_message()
    assert received.language == "en"
    assert received.short.startswith("Report received. Tracking code:")


def test_an_indonesian_sms_stays_indonesian(client, db):
    sms.post(client)

    assert Report.objects.get().language == "id"
    assert received_message().language == "id"


def test_a_too_short_english_sms_is_answered_in_english(client, db):
    sms.post(client, text="Please help me")

    prompt = sms.replies_to("+6281234567890").get()
    assert prompt.short.startswith("Your message is too short to be a report.")
    assert prompt.language == "en"


def test_a_whatsapp_conversation_goes_on_in_the_language_of_its_description(client, db):
    whatsapp.say(client, whatsapp.text("wamid.1", "halo"))
    whatsapp.say(client, whatsapp.text("wamid.2", ENGLISH))
    whatsapp.say(client, whatsapp.text("wamid.3", "Jl. Melati 5, Sukamaju"))

    said = {n.key.rsplit(":", 2)[1]: n for n in whatsapp.answers()}
    assert said["wamid.1"].short.startswith("Selamat datang")  # nothing to tell by
    assert said["wamid.2"].short.startswith("Where did it happen?")
    assert said["wamid.3"].short.startswith("Your report:")  # an address says nothing
    assert {said["wamid.2"].language, said["wamid.3"].language} == {"en"}

    assert whatsapp.say(client, whatsapp.text("wamid.4", "yes")) == ["created"]
    assert Report.objects.get().language == "en"


def test_an_english_email_makes_an_english_report(client, db):
    email.post(client, email.inbound(subject="Blocked drain", text=ENGLISH))

    assert Report.objects.get().language == "en"
    assert received_message().subject.startswith("Your report has been received")


def test_a_status_question_is_answered_in_the_report_language_to_its_reporter_only(client, db):
    sms.post(client, text=ENGLISH)
    code = Report.objects.get().tracking_code

    sms.post(client, text=f"STATUS {code}", id="gw-2")
    sms.post(client, text=f"STATUS {code}", id="gw-3", **{"from": "081299998888"})

    own = sms.replies_to("+6281234567890").get(key__contains="gw-2")
    stranger = sms.replies_to("+6281299998888").get()
    assert own.short.startswith(f"Report {code}:")
    assert stranger.language == "id"
    assert "tidak menemukan laporan" in stranger.short


@pytest.mark.parametrize(
    ("verdict", "status"),
    [("I am satisfied, thank you", Status.CLOSED), ("Not satisfied, still dark", "in_progress")],
)
def test_an_english_reporter_may_answer_the_completion_in_english(client, world, verdict, status):
    sms.post(client, text=ENGLISH)
    advance(world, Report.objects.get(), Status.COMPLETED)

    sms.post(client, text=verdict, id="gw-2")

    assert Report.objects.get().status == status


def test_an_english_reporters_one_word_verdict_is_answered_in_english(client, world):
    sms.post(client, text=ENGLISH)
    advance(world, Report.objects.get(), Status.COMPLETED)

    sms.post(client, text="SATISFIED", id="gw-2")

    reply = sms.replies_to("+6281234567890").get(key__contains="gw-2")
    assert Report.objects.get().status == Status.CLOSED
    assert "Thank you" in reply.short  # not Indonesian: the report's language decides
