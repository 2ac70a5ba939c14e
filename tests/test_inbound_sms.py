import json

import pytest

from aduan.channels.replies import short_title
from aduan.notifications.models import Kind, Medium, Notification
from aduan.notifications.outbox import Recipient, reporter_of
from aduan.reports.models import Channel, Report
from tests.personas import advance, run_announcements

URL = "/masuk/sms/"
TOKEN = "gateway-secret"
TEXT = "Lampu jalan di Jalan Sudirman mati sejak seminggu, sangat gelap di malam hari"


@pytest.fixture(autouse=True)
def _sms(settings):
    settings.ADUAN_SMS_INBOUND_TOKEN = TOKEN
    settings.ADUAN_SMS_GATEWAY_URL = "https://sms.example.id/send"


def post(client, *, token=TOKEN, **fields):
    data = {"from": "0812-3456-7890", "text": TEXT, "id": "gw-1", **fields}
    headers = {"X-Aduan-Token": token} if token else {}
    return client.post(URL, json.dumps(data), content_type="application/json", headers=headers)


def replies_to(phone):
    return Notification.objects.filter(address=phone, medium=Medium.SMS)


def test_an_sms_becomes_a_guest_report_with_a_confirmed_number(client, db):
    response = post(client)

    assert response.status_code == 200
    report = Report.objects.get()
    assert response.json() == {"result": "created", "tracking_code": report.tracking_code}
    assert report.channel == Channel.SMS
    assert report.channel_reference == "gw-1"
    assert report.guest_phone == "+6281234567890"
    assert report.guest_contact_verified_at is not None
    assert report.body == TEXT
    assert report.title == short_title(TEXT)
    assert len(report.title) <= 61 and TEXT.startswith(report.title.rstrip("…"))


def test_the_tracking_code_is_sent_back_by_sms_even_when_whatsapp_is_configured(
    client, db, settings
):
    settings.ADUAN_WHATSAPP_PHONE_NUMBER_ID = "123"
    settings.ADUAN_WHATSAPP_TOKEN = "wa-token"

    post(client)

    report = Report.objects.get()
    assert run_announcements() == ["SUCCESSFUL"]  # the worker writes them
    received = Notification.objects.get(kind=Kind.RECEIVED)
    assert received.medium == Medium.SMS
    assert received.address == "+6281234567890"
    assert report.tracking_code in received.short


def test_a_form_encoded_delivery_with_the_token_in_the_query_is_accepted(client, db):
    response = client.post(
        f"{URL}?token={TOKEN}", {"from": "6281234567890", "text": TEXT, "id": "gw-form"}
    )

    assert response.status_code == 200
    assert Report.objects.get().channel_reference == "gw-form"


def test_a_retried_delivery_returns_the_same_report(client, db):
    first = post(client).json()
    second = post(client).json()

    assert run_announcements() == ["SUCCESSFUL"]  # the worker writes them
    assert Report.objects.count() == 1
    assert second == {"result": "duplicate", "tracking_code": first["tracking_code"]}
    assert Notification.objects.filter(kind=Kind.RECEIVED).count() == 1


def test_status_tells_the_reporter_the_state_of_the_report(client, world):
    code = post(client).json()["tracking_code"]
    report = Report.objects.get()
    advance(world, report, "on_hold")

    response = post(client, text=f"status {code.lower().replace('-', '')}", id="gw-2")

    assert response.json() == {"result": "status"}
    assert Report.objects.count() == 1
    reply = replies_to("+6281234567890").get(key__startswith="inbound:sms:gw-2")
    assert code in reply.short
    report.refresh_from_db()
    assert str(report.get_status_display()) in reply.short


def test_status_for_another_number_reveals_nothing(client, db):
    code = post(client).json()["tracking_code"]

    post(client, **{"from": "081299998888", "text": f"CEK {code}", "id": "gw-3"})

    reply = replies_to("+6281299998888").get()
    assert code not in reply.short
    unknown = post(client, **{"from": "081299998888", "text": "CEK ABCD-EFGH", "id": "gw-4"})
    assert unknown.json() == {"result": "status"}
    assert replies_to("+6281299998888").get(key__contains="gw-4").short == reply.short


def test_a_too_short_message_creates_nothing_and_asks_for_more(client, db):
    response = post(client, text="jalan rusak")

    assert response.json() == {"result": "too_short"}
    assert not Report.objects.exists()
    assert replies_to("+6281234567890").count() == 1


def test_a_wrong_or_missing_token_is_refused(client, db):
    assert post(client, token="guess").status_code == 403
    assert post(client, token="").status_code == 403
    assert not Report.objects.exists()


def test_the_webhook_is_closed_while_no_token_is_configured(client, db, settings):
    settings.ADUAN_SMS_INBOUND_TOKEN = ""

    assert post(client, token="").status_code == 403
    assert not Report.objects.exists()


def test_malformed_input_gets_a_json_error_and_creates_nothing(client, db):
    headers = {"X-Aduan-Token": TOKEN}
    broken = client.post(URL, "{not json", content_type="application/json", headers=headers)
    missing = post(client, text="")
    foreign = post(client, **{"from": "+1 202 555 0100"})
    listed = client.post(URL, "[1]", content_type="application/json", headers=headers)

    for response in (broken, missing, foreign, listed):
        assert response.status_code == 400
        assert response.json()["error"]
    assert not Report.objects.exists()


def test_an_oversized_body_is_refused(client, db):
    response = post(client, text="x" * (1024 * 1024 + 1))

    assert response.status_code == 413
    assert not Report.objects.exists()


def test_only_post_is_accepted(client, db):
    assert client.get(URL, {"token": TOKEN}).status_code == 405


def test_a_guest_who_texted_hears_by_whatsapp_when_no_sms_gateway_is_set(client, db, settings):
    settings.ADUAN_WHATSAPP_PHONE_NUMBER_ID = "123"
    settings.ADUAN_WHATSAPP_TOKEN = "wa-token"
    post(client)
    report = Report.objects.get()
    settings.ADUAN_SMS_GATEWAY_URL = ""

    (guest,) = reporter_of(report)

    assert guest.media() == [(Medium.WHATSAPP, "+6281234567890")]


def test_a_web_guest_with_a_phone_keeps_the_usual_media(db, settings):
    settings.ADUAN_WHATSAPP_PHONE_NUMBER_ID = "123"
    settings.ADUAN_WHATSAPP_TOKEN = "wa-token"

    guest = Recipient(phone="+6281234567890", prefer=Channel.WEB)

    assert guest.media() == [(Medium.WHATSAPP, "+6281234567890")]


# --- What a gateway might send wrong -------------------------------------------------


def _raw(client, body: bytes, content_type="application/json"):
    return client.post(URL, body, content_type=content_type, headers={"X-Aduan-Token": TOKEN})


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000,  # nested beyond what a parser can follow
        b'{"from": "081234567890", "text": "Lampu jalan mati", "id": "\\ud800"}',
    ],
)
def test_a_body_no_database_could_store_is_refused_not_a_crash(client, db, body):
    response = _raw(client, body)
    assert response.status_code == 400
    assert not Report.objects.exists()


@pytest.mark.parametrize("message_id", [[1], {}, True, 1e400])
def test_an_id_that_is_neither_text_nor_a_whole_number_is_refused(client, db, message_id):
    response = _raw(
        client, json.dumps({"from": "0812-3456-7890", "text": TEXT, "id": message_id}).encode()
    )
    assert response.status_code == 400
    assert not Report.objects.exists()


def test_a_numeric_id_is_taken_as_text(client, db):
    assert post(client, id=12345).status_code == 200
    assert Report.objects.get().channel_reference == "12345"


def test_a_form_body_without_its_boundary_is_refused_in_json(client, db):
    response = _raw(client, b"from=1", content_type="multipart/form-data")
    assert response.status_code == 400
    assert "malformed" in response.json()["error"]


def test_control_characters_in_the_text_are_dropped(client, db):
    assert (
        post(client, text="Lampu\x0b jalan\x01 mati di Jalan Sudirman sejak seminggu").status_code
        == 200
    )
    assert Report.objects.get().body == "Lampu jalan mati di Jalan Sudirman sejak seminggu"


def test_a_number_typed_into_the_web_form_and_never_confirmed_learns_nothing(client, world):
    # Its holder may be anyone (a typo): the status answer carries the reporter's link.
    from tests.personas import submit

    report, _secret = submit(world, guest_email="", guest_phone="+6281277776666")
    assert report.guest_contact_verified_at is None

    post(client, **{"from": "081277776666", "text": f"STATUS {report.tracking_code}", "id": "s1"})

    reply = replies_to("+6281277776666").get()
    assert report.tracking_code not in reply.short and "/k/" not in reply.short
