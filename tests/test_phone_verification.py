"""An account's phone number, verified by a code sent to it: who gets text messages,
whose the SMS and WhatsApp reports from the number are, what officers see."""

from __future__ import annotations

import datetime
import json
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aduan.accounts.erasure import erase_account
from aduan.accounts.models import PhoneCode, User
from aduan.accounts.my_data import personal_data
from aduan.channels.intake import Draft, submit_report
from aduan.lib.sealed import unseal
from aduan.notifications.models import Kind, Medium, Notification, SecretKind
from aduan.notifications.outbox import Recipient
from aduan.reports.models import Channel, Report
from tests.personas import run_announcements

PHONE = "+6281234567890"  # the citizen's number (tests.personas)
ACCOUNT = reverse("accounts:account")
NUMBER = reverse("accounts:phone")
CODE = reverse("accounts:phone_code")
PREFERENCES = reverse("notifications:preferences")
MY_REPORTS = reverse("portal:my_reports")
LAMP = "Lampu jalan di Jalan Sudirman mati sejak seminggu, sangat gelap di malam hari"
SMS_TOKEN = "gateway-secret"
WHATSAPP_SECRET = "meta-app-secret"


@pytest.fixture(autouse=True)
def _texts(settings):
    settings.ADUAN_SMS_GATEWAY_URL = "https://sms.example.id/send"
    settings.ADUAN_SMS_INBOUND_TOKEN = SMS_TOKEN


@pytest.fixture
def whatsapp(settings):
    settings.ADUAN_WHATSAPP_APP_SECRET = WHATSAPP_SECRET
    settings.ADUAN_WHATSAPP_PHONE_NUMBER_ID = "1234567890"
    settings.ADUAN_WHATSAPP_TOKEN = "graph-token"


def english(user) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def codes_sent(phone: str = PHONE) -> list[str]:
    """The codes still in the text messages written to `phone`, oldest first: only the
    latest code, unless it was used or given up."""
    rows = Notification.objects.filter(address=phone).order_by("pk")
    # In the installation's language: "Your Aduan code" or "Kode Aduan Anda".
    texts = [unseal(row.body) for row in rows]
    texts = [text for text in texts if re.search(r"(?i)\b(kode|code)\b", text)]
    return [m.group(1) for m in (re.search(r"\b(\d{6})\b", text) for text in texts) if m]


def code_messages(phone: str = PHONE) -> int:
    """How many code messages were written to `phone` (a code replaced or used is no
    longer in its message's text)."""
    return Notification.objects.filter(address=phone, kind=SecretKind.PHONE_CODE).count()


def ask_code(client, phone: str = PHONE):
    return client.post(NUMBER, {"phone": phone})


def verify(user, phone: str = PHONE) -> Client:
    """Verify `phone` on `user` through the pages, as its holder would."""
    client = english(user)
    assert ask_code(client, phone).status_code == 302
    response = client.post(CODE, {"code": codes_sent(phone)[-1]})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.phone_verified_at is not None
    return client


def sms(client, text: str = LAMP, *, sender: str = "0812-3456-7890", mid: str = "gw-1"):
    body = json.dumps({"from": sender, "text": text, "id": mid})
    return client.post(
        "/masuk/sms/", body, content_type="application/json", headers={"X-Aduan-Token": SMS_TOKEN}
    )


def whatsapp_report(client, sender: str = "6281234567890"):
    """A WhatsApp conversation that ends in a report (what, where, yes)."""
    import hashlib
    import hmac

    for mid, body in (
        ("wa-1", "Jembatan kayu di Desa Sukamaju retak dan hampir roboh"),
        ("wa-2", "Di ujung Jalan Melati dekat masjid"),
        ("wa-3", "YA"),
    ):
        message = {
            "from": sender,
            "id": mid,
            "timestamp": "1700000000",
            "type": "text",
            "text": {"body": body},
        }
        value = {
            "messaging_product": "whatsapp",
            "metadata": {"phone_number_id": "1234567890"},
            "messages": [message],
        }
        payload = json.dumps(
            {
                "object": "whatsapp_business_account",
                "entry": [{"id": "waba", "changes": [{"field": "messages", "value": value}]}],
            }
        ).encode()
        signature = (
            "sha256=" + hmac.new(WHATSAPP_SECRET.encode(), payload, hashlib.sha256).hexdigest()
        )
        response = client.post(
            "/masuk/whatsapp/",
            payload,
            content_type="application/json",
            headers={"X-Hub-Signature-256": signature},
        )
        assert response.status_code == 200
    return Report.objects.get(channel=Channel.WHATSAPP)


# --- Who may use the pages ------------------------------------------------------------------


@pytest.mark.parametrize("url", [NUMBER, CODE])
def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(world, client, url):
    for method in (client.get, client.post):
        response = method(url, {"phone": PHONE, "code": "123456"})
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    assert not PhoneCode.objects.exists()
    assert not Notification.objects.exists()


def test_an_outsider_cannot_use_a_code_sent_for_another_account(world):
    ask_code(english(world.citizen))
    code = codes_sent()[-1]

    response = english(world.outsider).post(CODE, {"code": code})

    assert response.status_code == 302  # told the code no longer works: they have none
    world.citizen.refresh_from_db()
    world.outsider.refresh_from_db()
    assert world.citizen.phone_verified_at is None
    assert world.outsider.phone_verified_at is None
    assert PhoneCode.objects.filter(user=world.citizen).exists()


# --- The code ------------------------------------------------------------------------------


def test_the_right_code_verifies_the_number_and_is_used_up(world):
    client = english(world.citizen)
    response = ask_code(client, "0812 3456 7890")

    assert response.status_code == 302 and response["Location"] == CODE
    sent = Notification.objects.get(address=PHONE)
    assert sent.medium == Medium.SMS
    stored = PhoneCode.objects.get(user=world.citizen)
    code = codes_sent()[-1]
    assert code not in stored.code_hash  # kept as a keyed hash only
    response = client.post(CODE, {"code": code})

    assert response.status_code == 302 and response["Location"] == ACCOUNT
    world.citizen.refresh_from_db()
    assert world.citizen.phone == PHONE and world.citizen.phone_verified_at is not None
    assert not PhoneCode.objects.exists()
    page = client.get(ACCOUNT).content.decode()
    assert "Your phone number is verified." in page
    assert ">verified<" in page


def test_the_code_goes_by_whatsapp_when_the_installation_has_it(world, whatsapp):
    ask_code(english(world.citizen))

    assert Notification.objects.get(address=PHONE).medium == Medium.WHATSAPP


def test_a_wrong_code_is_refused_and_what_was_typed_is_kept(world):
    client = english(world.citizen)
    ask_code(client)
    wrong = f"{(int(codes_sent()[-1]) + 1) % 10**6:06d}"

    response = client.post(CODE, {"code": wrong})

    assert response.status_code == 400
    page = response.content.decode()
    assert "This code is not right" in page
    assert f'value="{wrong}"' in page
    world.citizen.refresh_from_db()
    assert world.citizen.phone_verified_at is None
    assert PhoneCode.objects.get().attempts == 1


def test_a_code_that_is_not_six_digits_is_refused_with_a_clear_error(world):
    client = english(world.citizen)
    ask_code(client)

    response = client.post(CODE, {"code": "12a4"})

    assert response.status_code == 400
    assert "The code has six digits." in response.content.decode()
    assert PhoneCode.objects.get().attempts == 0


def test_a_code_expires_after_ten_minutes(world):
    client = english(world.citizen)
    ask_code(client)
    code = codes_sent()[-1]

    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=11)):
        response = client.post(CODE, {"code": code})

    assert response.status_code == 302 and response["Location"] == ACCOUNT
    world.citizen.refresh_from_db()
    assert world.citizen.phone_verified_at is None
    assert "no longer works" in client.get(ACCOUNT).content.decode()


def test_after_five_wrong_codes_even_the_right_one_no_longer_works(world):
    client = english(world.citizen)
    ask_code(client)
    code = codes_sent()[-1]
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    for _attempt in range(5):
        assert client.post(CODE, {"code": wrong}).status_code == 400
    response = client.post(CODE, {"code": code})

    assert response.status_code == 302
    world.citizen.refresh_from_db()
    assert world.citizen.phone_verified_at is None


def test_codes_are_sent_at_most_five_times_an_hour_per_account(world):
    client = english(world.citizen)
    for _attempt in range(5):
        assert ask_code(client)["Location"] == CODE

    response = ask_code(client)

    assert response["Location"] == ACCOUNT
    assert code_messages() == 5
    assert "Too many codes" in client.get(ACCOUNT).content.decode()


def test_codes_to_one_number_are_limited_whichever_account_asks(world):
    for user in (world.citizen, world.outsider, world.supervisor):
        client = english(user)
        for _attempt in range(2):
            ask_code(client, "0813 9999 0000")

    assert code_messages("+6281399990000") == 5


def test_a_new_code_voids_the_one_before(world):
    client = english(world.citizen)
    ask_code(client)
    first = codes_sent()[-1]
    ask_code(client)

    if first != codes_sent()[-1]:
        assert client.post(CODE, {"code": first}).status_code == 400
    assert client.post(CODE, {"code": codes_sent()[-1]}).status_code == 302
    world.citizen.refresh_from_db()
    assert world.citizen.phone_verified_at is not None


def test_changing_the_number_clears_the_verification(world):
    client = verify(world.citizen)

    response = ask_code(client, "0813 1111 2222")

    assert response["Location"] == CODE
    world.citizen.refresh_from_db()
    assert world.citizen.phone == "+6281311112222"
    assert world.citizen.phone_verified_at is None
    assert world.citizen.verified_phone == ""


def test_changing_the_number_anywhere_clears_the_verification(world):
    verify(world.citizen)
    user = User.objects.get(pk=world.citizen.pk)
    user.phone = "+6281311112222"
    user.save(update_fields=["phone"])

    user.refresh_from_db()
    assert user.phone_verified_at is None


def test_a_bad_number_is_refused_with_an_example_and_kept(world):
    response = english(world.citizen).post(NUMBER, {"phone": "12345"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "e.g. 0812 3456 7890" in page
    assert 'value="12345"' in page
    assert not Notification.objects.exists()


def test_a_number_verified_again_elsewhere_leaves_the_first_account(world):
    verify(world.citizen)

    verify(world.outsider)

    world.citizen.refresh_from_db()
    assert world.citizen.phone == PHONE
    assert world.citizen.phone_verified_at is None
    assert world.outsider.verified_phone == PHONE


# --- Notifications -------------------------------------------------------------------------


def _sms_wanted(user) -> None:
    User.objects.filter(pk=user.pk).update(notify_by_sms=True)
    user.refresh_from_db()


def test_an_unverified_number_gets_no_text_message(world):
    _sms_wanted(world.citizen)  # chosen before numbers were verified: kept

    assert Recipient.of_user(world.citizen).media() == [
        (Medium.IN_APP, ""),
        (Medium.EMAIL, world.citizen.email),
    ]
    page = english(world.citizen).get(PREFERENCES).content.decode()
    assert "not sent to it until it is" in page


def test_a_verified_number_gets_the_text_messages_chosen(world):
    _sms_wanted(world.citizen)
    verify(world.citizen)

    assert (Medium.SMS, PHONE) in Recipient.of_user(world.citizen).media()


def test_the_outbox_writes_a_text_message_only_to_a_verified_number(world):
    _sms_wanted(world.citizen)
    report = submit_report(Draft(title="Jalan rusak", body=LAMP), reporter=world.citizen).report
    run_announcements()
    assert not Notification.objects.filter(report=report, medium=Medium.SMS).exists()

    verify(world.citizen)
    second = submit_report(Draft(title="Jalan rusak lagi", body=LAMP), reporter=world.citizen)
    run_announcements()

    sent = Notification.objects.get(report=second.report, medium=Medium.SMS, kind=Kind.RECEIVED)
    assert sent.address == PHONE


def test_the_settings_refuse_sms_without_a_verified_number_and_keep_what_was_typed(world):
    response = english(world.citizen).post(
        PREFERENCES, {"notify_by_sms": "on", "phone": "0813 1111 2222", "language": "en"}
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "WhatsApp and SMS go only to a verified number." in page
    assert f"{ACCOUNT}?telepon=%2B6281311112222" in page
    assert 'value="0813 1111 2222"' in page
    world.citizen.refresh_from_db()
    assert world.citizen.notify_by_sms is False
    assert world.citizen.phone == PHONE
    # The account page offers the number typed, to verify it.
    account_page = english(world.citizen).get(ACCOUNT, {"telepon": "+6281311112222"})
    assert 'value="+6281311112222"' in account_page.content.decode()


def test_the_settings_turn_sms_on_for_a_verified_number(world):
    client = verify(world.citizen)

    response = client.post(PREFERENCES, {"notify_by_sms": "on", "phone": PHONE})

    assert response.status_code == 302
    world.citizen.refresh_from_db()
    assert world.citizen.notify_by_sms is True


def test_the_settings_turn_sms_on_for_a_number_unused_for_months_only_once_confirmed_again(
    world, settings
):
    # Its holder may be someone else by now: a stranger's phone gets no new messages.
    settings.ADUAN_NUMBER_RECYCLE_DAYS = 90
    verify(world.citizen)

    with _months_later(100):
        client = english(world.citizen)  # signed in again
        response = client.post(PREFERENCES, {"notify_by_sms": "on", "phone": PHONE})
        assert response.status_code == 400
        assert f"{ACCOUNT}?telepon=%2B6281234567890" in response.content.decode()
        world.citizen.refresh_from_db()
        assert world.citizen.notify_by_sms is False

        verify(world.citizen)
        response = client.post(PREFERENCES, {"notify_by_sms": "on", "phone": PHONE})
        assert response.status_code == 302
        world.citizen.refresh_from_db()
        assert world.citizen.notify_by_sms is True


def test_the_settings_keep_sms_on_for_a_number_unused_for_months(world, settings):
    # Chosen while the number was the account's holder's: still sent (docs/accounts.md).
    settings.ADUAN_NUMBER_RECYCLE_DAYS = 90
    client = verify(world.citizen)
    assert client.post(PREFERENCES, {"notify_by_sms": "on", "phone": PHONE}).status_code == 302

    with _months_later(100):
        response = english(world.citizen).post(  # signed in again
            PREFERENCES, {"notify_by_sms": "on", "phone": PHONE, "language": "en"}
        )

    assert response.status_code == 302 and response.url == PREFERENCES
    world.citizen.refresh_from_db()
    assert world.citizen.notify_by_sms is True and world.citizen.language == "en"


# --- Reports sent from the number ----------------------------------------------------------


def test_an_sms_from_a_verified_number_is_the_accounts_report(world, client):
    reader = verify(world.citizen)

    sms(client)

    report = Report.objects.get(channel=Channel.SMS)
    assert report.reporter == world.citizen
    assert (report.guest_phone, report.guest_secret_hash) == ("", "")
    assert report.tracking_code in reader.get(MY_REPORTS).content.decode()
    run_announcements()
    received = Notification.objects.get(report=report, kind=Kind.RECEIVED, medium=Medium.SMS)
    assert received.address == PHONE  # answered where it was sent from
    assert report.tracking_code in received.short
    assert f"/laporan/{report.tracking_code}/" in received.short
    assert "/k/" not in received.short  # no secret link: the account signs in


def test_a_whatsapp_report_from_a_verified_number_is_the_accounts_report(world, client, whatsapp):
    reader = verify(world.citizen)

    report = whatsapp_report(client)

    assert report.reporter == world.citizen
    assert report.guest_phone == ""
    assert report.tracking_code in reader.get(MY_REPORTS).content.decode()
    run_announcements()
    assert Notification.objects.filter(
        report=report, kind=Kind.RECEIVED, medium=Medium.WHATSAPP, address=PHONE
    ).exists()


def _months_later(days: int):
    return time_machine.travel(timezone.now() + datetime.timedelta(days=days), tick=False)


def test_a_number_unused_for_months_no_longer_sends_reports_into_the_account(
    world, client, settings
):
    # The operator may have given it to someone else, whose report is not the account's
    # to read.
    settings.ADUAN_NUMBER_RECYCLE_DAYS = 90
    verify(world.citizen)

    with _months_later(91):
        sms(client)

    report = Report.objects.get(channel=Channel.SMS)
    assert report.reporter is None and report.guest_phone == PHONE
    user = User.objects.get(pk=world.citizen.pk)
    assert user.phone_used_at == user.phone_verified_at  # not refreshed by a stranger


def test_messages_from_the_number_keep_it_the_accounts(world, client, settings):
    settings.ADUAN_NUMBER_RECYCLE_DAYS = 90
    verify(world.citizen)

    with _months_later(60):
        sms(client, mid="gw-1")
    with _months_later(120):  # 60 days after the last message, 120 after verifying
        sms(client, "Sampah menumpuk di tepi Sungai Serayu dekat jembatan", mid="gw-2")

    reporters = set(Report.objects.filter(channel=Channel.SMS).values_list("reporter", flat=True))
    assert reporters == {world.citizen.pk}


def test_a_new_holder_of_the_number_hears_nothing_of_the_accounts_reports(world, client, settings):
    settings.ADUAN_NUMBER_RECYCLE_DAYS = 90
    verify(world.citizen)
    sms(client)
    report = Report.objects.get(channel=Channel.SMS)

    with _months_later(91):
        sms(client, f"STATUS {report.tracking_code}", mid="gw-2")

    answer = Notification.objects.filter(address=PHONE, medium=Medium.SMS).latest("pk")
    assert report.tracking_code not in answer.body
    assert "/laporan/" not in answer.body


def test_confirming_the_number_again_after_a_pause_makes_it_the_accounts_once_more(
    world, client, settings
):
    settings.ADUAN_NUMBER_RECYCLE_DAYS = 90
    verify(world.citizen)

    with _months_later(100):
        sms(client)
        page = english(world.citizen).get(ACCOUNT).content.decode()
        assert 'data-phone="unused"' in page
        assert "Send a code to confirm the number again" in page
        verify(world.citizen)  # the account's holder proves the number again
        assert 'data-phone="unused"' not in english(world.citizen).get(ACCOUNT).content.decode()
        sms(client, "Sampah menumpuk di tepi Sungai Serayu dekat jembatan", mid="gw-2")

    # The report sent during the pause was the holder's: confirming adopts it.
    reporters = set(Report.objects.filter(channel=Channel.SMS).values_list("reporter", flat=True))
    assert reporters == {world.citizen.pk}


def test_text_messages_to_a_number_unused_for_months_tell_only_that_there_is_news(
    world, client, settings, monkeypatch
):
    from aduan.lib import http
    from aduan.notifications import delivery
    from aduan.reports import lifecycle
    from tests.personas import advance, as_user
    from tests.test_webhooks import Receiver

    settings.ADUAN_NUMBER_RECYCLE_DAYS = 90
    _sms_wanted(world.citizen)
    verify(world.citizen)
    gateway = Receiver()
    monkeypatch.setattr(http, "transport", gateway)
    report = submit_report(
        Draft(title="Jalan rusak di Gang Kenanga", body=LAMP), reporter=world.citizen
    ).report
    report = advance(world, report, "dispatched")
    lifecycle.respond(report, as_user(world.liaison_a), "Laporan sedang kami tinjau.")
    run_announcements()
    delivery.deliver(
        [Notification.objects.filter(report=report, medium=Medium.SMS).latest("pk").pk]
    )
    assert report.tracking_code in json.loads(gateway.requests[-1].body)["message"]
    report.refresh_from_db()

    with _months_later(91):
        lifecycle.respond(report, as_user(world.liaison_a), "Ibu Siti, tim kami datang besok.")
        run_announcements()
        told = Notification.objects.filter(report=report, medium=Medium.SMS).latest("pk")
        delivery.deliver([told.pk])

    sent = json.loads(gateway.requests[-1].body)["message"]
    assert report.tracking_code not in sent and "Ibu Siti" not in sent
    assert "/akun/masuk/" in sent
    told.refresh_from_db()
    assert told.short == sent  # the record says what went


def test_an_sms_from_an_unverified_number_stays_a_guests_report(world, client):
    sms(client)  # the citizen typed this number but never proved it

    report = Report.objects.get(channel=Channel.SMS)
    assert report.reporter is None
    assert report.guest_phone == PHONE


def test_a_whatsapp_report_from_an_unverified_number_stays_a_guests_report(world, client, whatsapp):
    report = whatsapp_report(client)

    assert report.reporter is None
    assert report.guest_phone == PHONE


def test_a_redelivered_sms_of_an_account_makes_one_report(world, client):
    verify(world.citizen)

    first = sms(client).json()
    second = sms(client).json()

    assert second == {"result": "duplicate", "tracking_code": first["tracking_code"]}
    assert Report.objects.filter(reporter=world.citizen).count() == 1


def test_an_anonymous_sms_of_an_account_stays_anonymous_to_organizations(world, client):
    verify(world.citizen)

    sms(client, "Lapor ANONIM: pungutan liar di kantor kelurahan setiap mengurus KTP")

    report = Report.objects.get(channel=Channel.SMS)
    assert report.reporter == world.citizen and report.is_anonymous
    assert report.reporter_label(public=False) != world.citizen.full_name
    page = english(world.national_admin).get(
        reverse("workspace:report", args=[report.tracking_code])
    )
    assert page.status_code == 200
    assert world.citizen.full_name not in page.content.decode()
    assert PHONE not in page.content.decode()


def test_an_answer_by_sms_reaches_the_accounts_report_on_hold(world, client):
    from aduan.reports import lifecycle
    from tests.personas import as_user

    verify(world.citizen)
    sms(client)
    report = Report.objects.get(channel=Channel.SMS)
    lifecycle.hold(report, as_user(world.national_admin), "Di sebelah mana tepatnya?")

    response = sms(client, "Di depan SD Negeri 3, tiang nomor 12 dekat pos ronda", mid="gw-2")

    assert response.json()["result"] == "answered"
    report.refresh_from_db()
    assert report.status == "submitted"


def test_the_status_of_an_accounts_report_is_told_to_its_verified_number(world, client):
    verify(world.citizen)
    sms(client)
    report = Report.objects.get(channel=Channel.SMS)

    sms(client, f"STATUS {report.tracking_code}", mid="gw-3")

    answer = Notification.objects.filter(address=PHONE, key__startswith="inbound:sms:gw-3").get()
    assert report.tracking_code in answer.body


def test_an_erased_accounts_number_captures_no_report(world, client):
    verify(world.citizen)
    erase_account(User.objects.get(pk=world.citizen.pk))

    sms(client)

    report = Report.objects.get(channel=Channel.SMS)
    assert report.reporter is None
    assert report.guest_phone == PHONE
    erased = User.objects.get(pk=world.citizen.pk)
    assert (erased.phone, erased.phone_verified_at) == ("", None)


def test_a_deactivated_accounts_number_captures_no_report(world, client):
    verify(world.citizen)
    User.objects.filter(pk=world.citizen.pk).update(is_active=False)

    sms(client)

    assert Report.objects.get(channel=Channel.SMS).reporter is None


# --- Earlier reports from the number -------------------------------------------------------


def test_verifying_attaches_earlier_sms_and_whatsapp_reports_but_not_web_ones(
    world, client, whatsapp
):
    sms(client)
    by_whatsapp = whatsapp_report(client)
    by_web = submit_report(
        Draft(title="Sampah menumpuk", body=LAMP, guest_name="Siti", guest_phone=PHONE)
    ).report
    by_sms = Report.objects.get(channel=Channel.SMS)
    statuses = {report.pk: report.status for report in (by_sms, by_whatsapp)}

    reader = verify(world.citizen)

    mine = set(Report.objects.filter(reporter=world.citizen).values_list("pk", flat=True))
    assert mine == {by_sms.pk, by_whatsapp.pk}
    for report in Report.objects.filter(pk__in=mine):
        assert (report.guest_phone, report.guest_secret_hash) == ("", "")
        assert report.status == statuses[report.pk]
    by_web.refresh_from_db()
    assert by_web.reporter is None and by_web.guest_phone == PHONE
    page = reader.get(ACCOUNT).content.decode()
    assert "2 reports you sent from this number by SMS or WhatsApp" in page
    assert by_sms.tracking_code in reader.get(MY_REPORTS).content.decode()


def test_reports_sent_before_the_number_lay_unused_for_months_stay_a_former_holders(
    world, client, settings
):
    # The operator may have given the number to someone else after such a pause: the
    # reports before it hold a stranger's name and problem.
    settings.ADUAN_NUMBER_RECYCLE_DAYS = 90
    now = timezone.now()
    texts = [
        (300, "Jalan berlubang di depan Pasar Wage, motor sering jatuh di sana"),
        (150, "Sampah menumpuk di tepi Sungai Serayu dekat jembatan, berbau busuk"),
        (80, "Lampu jalan di Jalan Sudirman mati sejak seminggu, sangat gelap"),
    ]
    for number, (days, text) in enumerate(texts):
        with time_machine.travel(now - datetime.timedelta(days=days), tick=False):
            assert sms(client, text, mid=f"gw-{number}").status_code == 200
    by_age = {days: Report.objects.get(body__startswith=text[:20]).pk for days, text in texts}

    verify(world.citizen)

    mine = set(Report.objects.filter(reporter=world.citizen).values_list("pk", flat=True))
    # 80 days before, and 70 before that: one holder; then a pause of 150 days.
    assert mine == {by_age[80], by_age[150]}
    former = Report.objects.get(pk=by_age[300])
    assert former.reporter is None and former.guest_phone == PHONE


def test_a_single_report_sent_longer_ago_than_a_number_lies_unused_is_not_attached(
    world, client, settings
):
    settings.ADUAN_NUMBER_RECYCLE_DAYS = 90
    with time_machine.travel(timezone.now() - datetime.timedelta(days=91), tick=False):
        sms(client)

    verify(world.citizen)

    assert not Report.objects.filter(reporter=world.citizen).exists()
    assert Report.objects.get(channel=Channel.SMS).guest_phone == PHONE


def test_a_report_sent_long_ago_whose_number_was_used_for_it_lately_is_attached(
    world, client, settings
):
    # A message from the number since (here a status question) kept it the report's
    # (`guest_holds_phone`): it was in the same hands all along.
    settings.ADUAN_NUMBER_RECYCLE_DAYS = 90
    now = timezone.now()
    with time_machine.travel(now - datetime.timedelta(days=120), tick=False):
        sms(client)
    report = Report.objects.get(channel=Channel.SMS)
    with time_machine.travel(now - datetime.timedelta(days=40), tick=False):
        sms(client, f"STATUS {report.tracking_code}", mid="gw-2")

    verify(world.citizen)

    report.refresh_from_db()
    assert report.reporter == world.citizen and report.guest_phone == ""


def test_verifying_a_number_with_no_earlier_reports_says_nothing_of_them(world):
    reader = verify(world.citizen)

    assert "reports you sent" not in reader.get(ACCOUNT).content.decode()


# --- Officers and the copy of the data ------------------------------------------------------


def _reporter_card(user, report) -> str:
    page = english(user).get(reverse("workspace:report", args=[report.tracking_code]))
    return page.content.decode()


def test_officers_see_whether_the_reporters_number_is_verified(world):
    report = submit_report(Draft(title="Jalan rusak", body=LAMP), reporter=world.citizen).report

    assert 'data-phone-verified="0"' in _reporter_card(world.national_admin, report)
    verify(world.citizen)
    assert 'data-phone-verified="1"' in _reporter_card(world.national_admin, report)


def test_a_guests_number_carries_no_verification_marker(world):
    report = submit_report(
        Draft(title="Jalan rusak", body=LAMP, guest_name="Budi", guest_phone="+6281377778888")
    ).report

    page = _reporter_card(world.national_admin, report)
    assert "+6281377778888" in page
    assert "data-phone-verified" not in page


def test_the_copy_of_the_data_says_whether_the_number_is_verified(world):
    assert personal_data(world.citizen)["account"]["phone_verified"] is None
    verify(world.citizen)
    world.citizen.refresh_from_db()
    assert personal_data(world.citizen)["account"]["phone_verified"] is not None


def test_the_copy_of_the_data_says_when_the_number_was_last_used(world, client):
    verify(world.citizen)
    with _months_later(30):
        sms(client)

    world.citizen.refresh_from_db()
    used = personal_data(world.citizen)["account"]["phone_last_used"]
    assert used is not None and used > personal_data(world.citizen)["account"]["phone_verified"]


def test_the_code_page_without_a_code_sent_leads_to_the_account_page(world):
    response = english(world.citizen).get(CODE)

    assert response.status_code == 302 and response["Location"] == ACCOUNT


def test_a_new_number_on_the_settings_with_sms_kept_on_is_refused(world):
    _sms_wanted(world.citizen)
    client = verify(world.citizen)

    response = client.post(PREFERENCES, {"notify_by_sms": "on", "phone": "0813 1111 2222"})

    assert response.status_code == 400
    assert "WhatsApp and SMS go only to a verified number." in response.content.decode()
    world.citizen.refresh_from_db()
    assert world.citizen.verified_phone == PHONE


def test_other_settings_are_saved_while_old_sms_choices_wait_for_verification(world):
    _sms_wanted(world.citizen)

    response = english(world.citizen).post(
        PREFERENCES, {"notify_by_sms": "on", "phone": PHONE, "language": "en"}
    )

    assert response.status_code == 302
    world.citizen.refresh_from_db()
    assert (world.citizen.language, world.citizen.notify_by_sms) == ("en", True)
    assert (Medium.SMS, PHONE) not in Recipient.of_user(world.citizen).media()


def test_the_status_of_an_accounts_report_is_not_told_to_an_unverified_number(world, client):
    report = submit_report(Draft(title="Jalan rusak", body=LAMP), reporter=world.citizen).report

    sms(client, f"STATUS {report.tracking_code}", mid="gw-4")

    answer = Notification.objects.get(address=PHONE, key__startswith="inbound:sms:gw-4")
    assert report.tracking_code not in answer.body


# --- A number changed while its code is typed ------------------------------------------------


def test_a_code_typed_after_the_number_changed_meanwhile_verifies_nothing(world):
    from aduan.accounts import phone

    client = english(world.citizen)
    ask_code(client)
    code = codes_sent()[-1]
    # The request that types the code read the account before another tab saved a
    # stranger's number over it.
    read_before = User.objects.get(pk=world.citizen.pk)
    other_tab = User.objects.get(pk=world.citizen.pk)
    other_tab.phone = "+6281311112222"
    other_tab.save(update_fields=["phone"])

    checked, attached = phone.check_code(read_before, code)

    assert (checked, attached) == (phone.Checked.EXPIRED, 0)
    stored = User.objects.get(pk=world.citizen.pk)
    assert stored.phone == "+6281311112222"
    assert stored.phone_verified_at is None
    assert stored.verified_phone == ""


def test_an_anonymous_sms_attached_on_verification_hides_the_account_from_organizations(
    world, client
):
    from aduan.reports import lifecycle
    from tests.personas import as_user

    sms(
        client, "ANONIM. Saya Siti Warga, pungutan liar di kantor kelurahan, balas warga@example.id"
    )
    report = Report.objects.get(channel=Channel.SMS)
    lifecycle.hold(report, as_user(world.national_admin), "Kapan kejadiannya?")
    sms(client, "Hari Senin pagi, kata Siti Warga kepada petugas loket", mid="gw-2")

    verify(world.citizen)

    report.refresh_from_db()
    assert report.reporter == world.citizen and report.is_anonymous
    page = _reporter_card(world.national_admin, report)
    assert "pungutan liar" in page and "Hari Senin pagi" in page
    assert "Siti Warga" not in page
    assert "warga@example.id" not in page
    # The words as written stay sealed for the system alone.
    assert "Siti Warga" in report.withheld_text
    assert any("Siti Warga" in event.withheld_message for event in report.events.all())


def test_an_imported_sms_report_is_not_attached_to_the_number_typed_into_the_file(world):
    """A file's phone column was typed by someone: nobody proved holding the number, even
    when the report's guest confirmed their email address."""
    import io

    from aduan.channels.importing import read_table, run_import
    from aduan.notifications.outbox import confirmation_link

    data = (
        "reference,channel,received_at,title,body,name,email,phone\n"
        f'SMS-7,sms,2026-01-05 09:30,Lampu mati,"{LAMP}",Budi,budi@example.id,0812 3456 7890\n'
    ).encode()
    table = read_table(io.BytesIO(data), "rekap.csv")
    run_import(table, user=world.agency_admin, received_by=world.agency, dry_run=False)
    report = Report.objects.get(channel=Channel.SMS, channel_reference="SMS-7")
    assert Client().post(confirmation_link(report)).status_code == 302
    report.refresh_from_db()
    assert report.guest_contact_verified_at is not None  # Budi followed the link

    verify(world.citizen)

    report.refresh_from_db()
    assert report.reporter is None
    assert (report.guest_name, report.guest_email) == ("Budi", "budi@example.id")
    assert report.guest_secret_hash != ""


def test_an_sms_report_merged_as_a_duplicate_keeps_its_news_once_attached(world, client):
    from aduan.reports import lifecycle
    from aduan.reports.models import Status
    from tests.personas import advance, as_user, submit

    original = advance(world, submit(world, reporter=world.outsider)[0], Status.DISPATCHED)
    sms(client)
    duplicate = Report.objects.get(channel=Channel.SMS)
    lifecycle.mark_duplicate(duplicate, as_user(world.national_admin), original)

    verify(world.citizen)
    lifecycle.respond(original, as_user(world.liaison_a), "Tim dijadwalkan minggu depan.")

    # As a guest, the reporter heard of the report handling their problem: still so.
    heard = Notification.objects.filter(user=world.citizen, report=original)
    assert heard.filter(kind=Kind.FOLLOWED).exists()


def test_without_text_messages_the_settings_do_not_ask_to_verify_the_number(world, settings):
    settings.ADUAN_SMS_GATEWAY_URL = ""  # neither SMS nor WhatsApp: nothing to verify with
    _sms_wanted(world.citizen)
    client = english(world.citizen)

    page = client.get(PREFERENCES).content.decode()

    assert "Your phone number is not verified" not in page
    assert "Verify it on your account page." not in page
    account = client.get(ACCOUNT).content.decode()
    assert "Save the number" in account and "Send a code" not in account
    settings.ADUAN_SMS_GATEWAY_URL = "https://sms.example.id/send"
    assert "Your phone number is not verified" in client.get(PREFERENCES).content.decode()


def test_wrong_codes_for_one_number_are_limited_a_day_whatever_new_codes_are_asked(world):
    """Each code allows five tries and five codes go out an hour: without a cap on the
    number, a stranger's number could be guessed at 25 times an hour, every hour."""
    client = english(world.outsider)  # typed the citizen's number, never receives its codes
    for _code in range(2):
        ask_code(client)
        wrong = f"{(int(codes_sent()[-1]) + 1) % 10**6:06d}"
        for _attempt in range(5):
            assert client.post(CODE, {"code": wrong}).status_code == 400

    asked = ask_code(client)
    assert asked["Location"] == ACCOUNT  # no code sent: it could not be used
    assert code_messages() == 2
    assert "Too many wrong codes" in client.get(ACCOUNT).content.decode()
    # The code sent before is refused too, right or not.
    other = english(world.supervisor)
    ask_code(other)
    assert code_messages() == 2
    world.outsider.refresh_from_db()
    assert world.outsider.phone_verified_at is None

    with time_machine.travel(timezone.now() + datetime.timedelta(days=1, hours=1)):
        ask_code(client)
        assert client.post(CODE, {"code": codes_sent()[-1]}).status_code == 302
    world.outsider.refresh_from_db()
    assert world.outsider.verified_phone == PHONE


def test_a_number_without_whatsapp_can_have_its_code_sent_by_sms(world, whatsapp):
    """With both, codes go by WhatsApp; a feature phone, the kind many SMS reporters
    use, never receives them there: the code page offers SMS."""
    client = english(world.citizen)
    ask_code(client)
    assert Notification.objects.get(address=PHONE).medium == Medium.WHATSAPP
    page = client.get(CODE).content.decode()
    assert "Send the code by SMS instead" in page

    response = client.post(NUMBER, {"phone": PHONE, "by": "sms"})

    assert response["Location"] == CODE
    by_sms = Notification.objects.filter(address=PHONE).order_by("pk").last()
    assert by_sms.medium == Medium.SMS
    assert client.post(CODE, {"code": codes_sent()[-1]}).status_code == 302
    world.citizen.refresh_from_db()
    assert world.citizen.verified_phone == PHONE


def test_a_code_is_never_sent_on_a_medium_the_installation_lacks(world):
    client = english(world.citizen)  # SMS only here
    ask_code(client)
    assert "by SMS instead" not in client.get(CODE).content.decode()

    client.post(NUMBER, {"phone": PHONE, "by": "whatsapp"})

    assert set(Notification.objects.values_list("medium", flat=True)) == {Medium.SMS}


# --- Signing up with a number ----------------------------------------------------------------

SIGN_UP = {
    "full_name": "Dewi Lestari",
    "email": "dewi@example.id",
    "phone": "0813 9999 0000",
    "password1": "sapu-lidi-merah-77",
    "password2": "sapu-lidi-merah-77",
}
CONFIRM_LINK = f'<a href="{ACCOUNT}#phone-heading">'


def sign_up(language: str, **changes):
    client = Client()
    client.cookies["django_language"] = language
    response = client.post(reverse("accounts:signup"), {**SIGN_UP, **changes}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:signup_sent")
    return client, response.content.decode()


def test_signing_up_with_a_number_invites_to_confirm_it_on_the_account_page(db):
    client, page = sign_up("en")

    assert (
        "Your number +6281399990000 will receive WhatsApp and SMS updates only once you "
        "confirm it with a code we send to it."
    ) in page
    assert CONFIRM_LINK + "Confirm the number</a>" in page
    client.force_login(User.objects.get(email=SIGN_UP["email"]))
    account = client.get(ACCOUNT).content.decode()
    assert 'id="phone-heading"' in account
    assert "Send a code to verify the number" in account
    assert not Notification.objects.exists()  # no code until the person asks for one


def test_the_invitation_to_confirm_the_number_speaks_indonesian(db):
    _client, page = sign_up("id")

    assert (
        "Nomor Anda +6281399990000 baru menerima kabar lewat WhatsApp dan SMS setelah Anda "
        "mengonfirmasinya dengan kode yang kami kirim ke nomor itu."
    ) in page
    assert CONFIRM_LINK + "Konfirmasi nomor</a>" in page


def test_signing_up_without_a_number_invites_to_confirm_nothing(db):
    _client, page = sign_up("en", phone="")

    assert "#phone-heading" not in page
    assert "Check your email" in page


def test_without_text_messages_signing_up_does_not_invite_to_confirm_the_number(db, settings):
    settings.ADUAN_SMS_GATEWAY_URL = ""

    _client, page = sign_up("en")

    assert "#phone-heading" not in page
    assert "Check your email" in page


@pytest.mark.django_db(transaction=True)
def test_upgrading_counts_a_numbers_last_use_from_its_verification_and_its_reports(world, client):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    start = timezone.now() - datetime.timedelta(days=200)
    with time_machine.travel(start, tick=False):
        verify(world.citizen)
        verify(world.outsider, "+6281399990000")
    with time_machine.travel(start + datetime.timedelta(days=60), tick=False):
        sms(client)  # the citizen's report, from the number
    MigrationExecutor(connection).migrate([("accounts", "0005_phone_verification")])

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    citizen, outsider = (User.objects.get(pk=u.pk) for u in (world.citizen, world.outsider))
    assert citizen.phone_used_at == Report.objects.get(channel=Channel.SMS).submitted_at
    assert citizen.phone_used_at > citizen.phone_verified_at
    assert outsider.phone_used_at == outsider.phone_verified_at


def test_with_the_pause_set_to_zero_numbers_never_lapse(world, client, settings):
    settings.ADUAN_NUMBER_RECYCLE_DAYS = 0
    with _months_later(-400):
        sms(client, mid="gw-old")  # a year before the verification: still attached
    verify(world.citizen)

    with _months_later(400):
        sms(client, "Sampah menumpuk di tepi Sungai Serayu dekat jembatan", mid="gw-new")
        assert User.objects.get(pk=world.citizen.pk).holds_verified_phone

    reporters = set(Report.objects.filter(channel=Channel.SMS).values_list("reporter", flat=True))
    assert reporters == {world.citizen.pk}
