"""What each channel adapter puts on the wire, and how it reads the provider's answer."""

from __future__ import annotations

import json
import re

import pytest
from django.core import mail

from aduan.lib import http
from aduan.notifications.adapters import DeliveryError, adapter_for, message_id_for
from aduan.notifications.fake_gateway import FakeGateway
from aduan.notifications.models import Kind, Medium, Notification, State

pytestmark = pytest.mark.django_db


class Outbound:
    """Stands in for `aduan.lib.http.transport`: records requests, answers from a queue."""

    def __init__(self):
        self.requests: list[http.Request] = []
        self.answers: list[http.Response | Exception] = []

    def answer(self, status: int, payload=None, text: str = "") -> None:
        body = json.dumps(payload) if payload is not None else text
        self.answers.append(http.Response(status=status, text=body))

    def __call__(self, request: http.Request, timeout: float) -> http.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if self.answers else http.Response(200, "{}")
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def outbound(monkeypatch) -> Outbound:
    recorder = Outbound()
    monkeypatch.setattr(http, "transport", recorder)
    return recorder


@pytest.fixture
def whatsapp(settings):
    settings.ADUAN_WHATSAPP_API_URL = "https://graph.facebook.com/v21.0"
    settings.ADUAN_WHATSAPP_PHONE_NUMBER_ID = "106540352242922"
    settings.ADUAN_WHATSAPP_TOKEN = "EAAG-token"
    settings.ADUAN_WHATSAPP_TEMPLATE = ""
    return settings


@pytest.fixture
def sms(settings):
    settings.ADUAN_SMS_GATEWAY_URL = "https://sms.example.id/api/send"
    settings.ADUAN_SMS_GATEWAY_TOKEN = "sms-token"
    settings.ADUAN_SMS_SENDER = "LAPOR"
    return settings


def message(medium: str, address: str, **fields) -> Notification:
    values = {
        "key": f"e41:u7:{medium}",
        "kind": Kind.RESPONSE,
        "medium": medium,
        "address": address,
        "subject": "Tanggapan baru untuk laporan ABCD-2345",
        "body": "Dinas PU menanggapi laporan Anda.\n\nLihat: https://lapor.example.id/l/ABCD-2345/",
        "short": "Laporan ABCD-2345 ditanggapi.\nLihat https://lapor.example.id/l/ABCD-2345/",
        "link": "https://lapor.example.id/l/ABCD-2345/",
        "state": State.SENDING,
        "attempts": 1,
    }
    values.update(fields)
    return Notification.objects.create(**values)


# --- Email ------------------------------------------------------------------------------


def test_email_lands_in_the_outbox_with_subject_plain_body_and_a_stable_message_id(settings):
    settings.ADUAN_SITE_URL = "https://lapor.example.id"
    note = message(Medium.EMAIL, "budi@example.id")

    reference = adapter_for(Medium.EMAIL).send(note)

    [sent] = mail.outbox
    assert sent.to == ["budi@example.id"]
    assert sent.subject == "Tanggapan baru untuk laporan ABCD-2345"
    assert sent.body == note.body
    assert sent.alternatives == []
    assert re.fullmatch(r"<[0-9a-f]{32}@lapor\.example\.id>", sent.extra_headers["Message-ID"])
    assert sent.message()["Message-ID"] == sent.extra_headers["Message-ID"]
    assert reference == sent.extra_headers["Message-ID"]


def test_a_retried_email_carries_the_same_message_id_and_another_message_another_one():
    first = message(Medium.EMAIL, "budi@example.id")
    other = message(Medium.EMAIL, "budi@example.id", key="e42:u7:email")

    assert message_id_for(first) == message_id_for(Notification.objects.get(pk=first.pk))
    assert message_id_for(first) != message_id_for(other)


def test_an_email_backend_error_is_retryable(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2

    with pytest.raises(DeliveryError) as caught:
        adapter_for(Medium.EMAIL).send(message(Medium.EMAIL, "budi@example.id"))

    assert caught.value.retryable
    assert "budi@example.id" not in str(caught.value)


# --- WhatsApp Cloud API -----------------------------------------------------------------


def test_whatsapp_text_message_is_posted_in_the_cloud_api_format(whatsapp, outbound):
    outbound.answer(200, {"messaging_product": "whatsapp", "messages": [{"id": "wamid.HBgM"}]})
    note = message(Medium.WHATSAPP, "+628123456789")

    reference = adapter_for(Medium.WHATSAPP).send(note)

    [request] = outbound.requests
    assert request.method == "POST"
    assert request.url == "https://graph.facebook.com/v21.0/106540352242922/messages"
    assert request.headers["Authorization"] == "Bearer EAAG-token"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Idempotency-Key"] == "e41:u7:whatsapp"
    assert request.json() == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "628123456789",
        "type": "text",
        "text": {"preview_url": False, "body": note.short},
    }
    assert reference == "wamid.HBgM"


def test_whatsapp_uses_the_approved_template_with_the_short_text_on_one_line(whatsapp, outbound):
    whatsapp.ADUAN_WHATSAPP_TEMPLATE = "aduan_update"
    whatsapp.ADUAN_WHATSAPP_TEMPLATE_LANGUAGE = "id"
    outbound.answer(200, {"messages": [{"id": "wamid.T1"}]})

    adapter_for(Medium.WHATSAPP).send(message(Medium.WHATSAPP, "+628123456789"))

    assert outbound.requests[0].json() == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "628123456789",
        "type": "template",
        "template": {
            "name": "aduan_update",
            "language": {"code": "id"},
            "components": [
                {
                    "type": "body",
                    "parameters": [
                        {
                            "type": "text",
                            "text": "Laporan ABCD-2345 ditanggapi. "
                            "Lihat https://lapor.example.id/l/ABCD-2345/",
                        }
                    ],
                }
            ],
        },
    }


def test_whatsapp_without_credentials_fails_for_good_without_a_request(settings, outbound):
    settings.ADUAN_WHATSAPP_PHONE_NUMBER_ID = ""

    with pytest.raises(DeliveryError) as caught:
        adapter_for(Medium.WHATSAPP).send(message(Medium.WHATSAPP, "+628123456789"))

    assert not caught.value.retryable
    assert outbound.requests == []


# --- SMS gateway ------------------------------------------------------------------------


def test_sms_is_posted_to_the_gateway_with_token_sender_and_reference(sms, outbound):
    outbound.answer(202, {"id": "gw-981"})
    note = message(Medium.SMS, "+628123456789")

    reference = adapter_for(Medium.SMS).send(note)

    [request] = outbound.requests
    assert request.url == "https://sms.example.id/api/send"
    assert request.headers["Authorization"] == "Bearer sms-token"
    assert request.headers["Idempotency-Key"] == "e41:u7:sms"
    assert request.json() == {
        "to": "+628123456789",
        "message": note.short,
        "sender": "LAPOR",
        "reference": "e41:u7:sms",
    }
    assert reference == "gw-981"


def test_sms_without_a_token_sends_no_authorization_and_accepts_a_non_json_answer(sms, outbound):
    sms.ADUAN_SMS_GATEWAY_TOKEN = ""
    outbound.answer(200, text="OK")

    reference = adapter_for(Medium.SMS).send(message(Medium.SMS, "+628123456789"))

    assert "Authorization" not in outbound.requests[0].headers
    assert reference == ""


@pytest.mark.parametrize(
    ("status", "retryable"),
    [(400, False), (401, False), (404, False), (422, False), (408, True), (429, True)]
    + [(500, True), (502, True), (503, True)],
)
def test_gateway_answers_are_sorted_into_permanent_and_retryable(sms, outbound, status, retryable):
    outbound.answer(status, {"error": "nope"})

    with pytest.raises(DeliveryError) as caught:
        adapter_for(Medium.SMS).send(message(Medium.SMS, "+628123456789"))

    assert caught.value.retryable is retryable
    assert f"HTTP {status}" in str(caught.value)


def test_an_error_that_echoes_the_message_shows_neither_its_text_nor_the_number(sms, outbound):
    note = message(Medium.SMS, "+628123456789")
    outbound.answer(400, {"error": "rejected", "to": "628123456789", "message": note.short})

    with pytest.raises(DeliveryError) as caught:
        adapter_for(Medium.SMS).send(note)

    assert "ABCD-2345" not in str(caught.value)
    assert "8123456789" not in str(caught.value)


def test_an_error_that_echoes_the_request_another_way_still_shows_no_link_or_number(sms, outbound):
    secret = "https://lapor.example.id/laporan/ABCD-2345/konfirmasi/rahasia-42/"
    note = message(Medium.SMS, "+628123456789", short=f"Konfirmasi: {secret}", link=secret)
    # As a PHP gateway writes JSON (slashes escaped), with the number written its own way.
    echoed = secret.replace("/", "\\/")
    outbound.answer(
        422,
        text=f'{{"error":"invalid 0812-3456-789","text":"Konfirmasi: {echoed}",'
        f'"cc":"Warga.Rahasia@Mail.example.id","u":"https%3A%2F%2Flapor.example.id%2Fk%2Fx"}}',
    )

    with pytest.raises(DeliveryError) as caught:
        adapter_for(Medium.SMS).send(note)

    error = str(caught.value)
    assert "rahasia-42" not in error and "konfirmasi" not in error
    assert "3456-789" not in error and "Rahasia@" not in error and "%2Fk%2F" not in error
    assert "HTTP 422" in error


def test_a_network_error_is_retryable_and_names_the_host(sms, outbound):
    outbound.answers.append(http.HttpError("sms.example.id: ConnectTimeout: timed out"))

    with pytest.raises(DeliveryError) as caught:
        adapter_for(Medium.SMS).send(message(Medium.SMS, "+628123456789"))

    assert caught.value.retryable
    assert "sms.example.id" in str(caught.value)


# --- The real transport -----------------------------------------------------------------


def test_the_real_transport_posts_json_to_a_real_server_and_reads_the_answer(sms):
    with FakeGateway() as gateway:
        sms.ADUAN_SMS_GATEWAY_URL = gateway.sms_url
        reference = adapter_for(Medium.SMS).send(message(Medium.SMS, "+628123456789"))

    [received] = gateway.requests
    assert received.path == "/sms/send"
    assert received.key == "e41:u7:sms"
    assert received.headers["Authorization"] == "Bearer sms-token"
    assert received.payload["to"] == "+628123456789"
    assert reference == "sms-m1"


def test_a_refused_connection_raises_http_error_with_the_reason():
    with FakeGateway() as gateway:
        url = gateway.sms_url  # the port is free again once the server stops

    with pytest.raises(http.HttpError) as caught:
        http.post_json(url, {"to": "+628123456789"}, timeout=2)

    assert "127.0.0.1" in str(caught.value)
    assert "refused" in str(caught.value).lower()
