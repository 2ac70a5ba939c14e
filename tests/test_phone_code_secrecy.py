"""A phone confirmation code is its holder's secret: the outbox sends it while it works,
never late, and nobody else reads it, on a page, in a copy of the data or in a log."""

from __future__ import annotations

import datetime
import json
import logging
import re

import pytest
import time_machine
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from aduan.accounts import phone
from aduan.accounts.erasure import erase_account
from aduan.accounts.my_data import personal_data
from aduan.lib import http
from aduan.lib.sealed import is_sealed, unseal
from aduan.notifications import delivery
from aduan.notifications.models import Medium, Notification, SecretKind, State

PHONE = "+6281234567890"  # the citizen's number (tests.personas)
NUMBER = reverse("accounts:phone")
CODE = reverse("accounts:phone_code")
DELIVERIES = reverse("workspace:deliveries")
SIX_DIGITS = re.compile(r"\b(\d{6})\b")


class Gateway:
    """Stands in for `aduan.lib.http.transport`: records what went out, answers from a
    queue (200 when it is empty)."""

    def __init__(self):
        self.sent: list[str] = []
        self.answers: list[http.Response] = []

    def __call__(self, request: http.Request, timeout: float) -> http.Response:
        self.sent.append(json.loads(request.body)["message"])
        return self.answers.pop(0) if self.answers else http.Response(200, '{"id": "g1"}')


@pytest.fixture
def gateway(settings, monkeypatch) -> Gateway:
    settings.ADUAN_SMS_GATEWAY_URL = "https://sms.example.id/send"
    recorder = Gateway()
    monkeypatch.setattr(http, "transport", recorder)
    return recorder


def english(user) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def ask_code(user) -> Notification:
    """Ask a code for `user`'s number through the page; its message in the outbox."""
    response = english(user).post(NUMBER, {"phone": PHONE})
    assert response.status_code == 302 and response["Location"] == CODE
    return Notification.objects.filter(kind=SecretKind.PHONE_CODE).latest("pk")


def code_in(text: str) -> str:
    match = SIX_DIGITS.search(text)
    assert match, text
    return match.group(1)


def code_of(row: Notification) -> str:
    """The code a waiting message carries, as its worker opens it."""
    return code_in(unseal(row.short))


def deliver(row: Notification) -> Notification:
    delivery.deliver([row.pk])
    return Notification.objects.get(pk=row.pk)


def later(minutes: float):
    return time_machine.travel(timezone.now() + datetime.timedelta(minutes=minutes), tick=False)


# --- What the outbox keeps -----------------------------------------------------------------


def test_a_code_waits_in_its_own_kind_of_message_belonging_to_the_account(world, gateway):
    row = ask_code(world.citizen)

    assert row.kind == SecretKind.PHONE_CODE
    assert row.user == world.citizen and row.address == PHONE and row.medium == Medium.SMS
    assert row.state == State.PENDING
    assert code_of(row)  # the worker has what it must send
    assert row.get_kind_display() == "Phone number confirmation code"


def stored_columns(row: Notification) -> str:
    """Every column of `row` as the database holds it (a dump or a backup)."""
    names = [field.column for field in Notification._meta.concrete_fields]
    values = Notification.objects.filter(pk=row.pk).values_list(*names).get()
    return " ".join(str(value) for value in values)


def test_a_waiting_code_is_stored_sealed_in_no_column_in_clear(world, gateway):
    row = ask_code(world.citizen)
    code = code_of(row)

    assert is_sealed(row.body) and is_sealed(row.short)
    assert code not in stored_columns(row)
    assert unseal(row.body).split(code)[0] not in stored_columns(row)


def test_the_gateway_receives_the_code_in_clear_and_it_verifies_the_number(world, gateway):
    row = ask_code(world.citizen)
    code = code_of(row)

    deliver(row)

    assert len(gateway.sent) == 1
    assert gateway.sent[0] == unseal(row.short) and code in gateway.sent[0]
    assert english(world.citizen).post(CODE, {"code": code}).status_code == 302


def test_a_code_goes_out_by_whatsapp_in_clear(world, settings, monkeypatch):
    settings.ADUAN_WHATSAPP_PHONE_NUMBER_ID = "1234567890"
    settings.ADUAN_WHATSAPP_TOKEN = "graph-token"
    settings.ADUAN_WHATSAPP_TEMPLATE = ""
    bodies: list[str] = []

    def meta(request: http.Request, timeout: float) -> http.Response:
        bodies.append(json.loads(request.body)["text"]["body"])
        return http.Response(200, '{"messages": [{"id": "wamid.1"}]}')

    monkeypatch.setattr(http, "transport", meta)
    row = ask_code(world.citizen)
    assert row.medium == Medium.WHATSAPP and code_of(row) not in stored_columns(row)

    assert deliver(row).state == State.SENT
    assert bodies and code_of(row) in bodies[0]


def test_a_code_sealed_before_the_key_was_rotated_still_goes_out(world, gateway, settings):
    row = ask_code(world.citizen)
    code = code_of(row)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-key-" + "x" * 50

    row = deliver(row)

    assert row.state == State.SENT and row.short == ""
    assert code in gateway.sent[0]
    assert english(world.citizen).post(CODE, {"code": code}).status_code == 302  # still works
    world.citizen.refresh_from_db()
    assert world.citizen.verified_phone == PHONE


def test_a_code_written_in_clear_before_sealing_existed_is_still_sent(world, gateway):
    row = ask_code(world.citizen)
    text = unseal(row.short)
    Notification.objects.filter(pk=row.pk).update(body=text, short=text)  # as stored then

    assert deliver(row).state == State.SENT
    assert gateway.sent == [text]


def test_a_code_no_key_opens_is_given_up_not_sent_sealed(world, gateway, settings, caplog):
    row = ask_code(world.citizen)
    settings.SECRET_KEY = "a-new-key-" + "x" * 50
    settings.SECRET_KEY_FALLBACKS = []

    with caplog.at_level(logging.INFO):
        row = deliver(row)

    assert gateway.sent == []
    assert row.state == State.FAILED and row.body == "" and row.short == ""
    assert row.last_error == delivery.SECRET_UNREADABLE
    assert "sealed:" not in caplog.text


def test_a_delivered_code_leaves_no_trace_of_itself_in_the_outbox(world, gateway):
    row = deliver(ask_code(world.citizen))

    assert row.state == State.SENT
    assert len(gateway.sent) == 1
    code = code_in(gateway.sent[0])
    assert row.body == "" and row.short == ""
    assert code not in f"{row.subject} {row.last_error} {row.provider_reference}"


def test_the_delivered_code_still_verifies_the_number(world, gateway):
    deliver(ask_code(world.citizen))

    response = english(world.citizen).post(CODE, {"code": code_in(gateway.sent[0])})

    assert response.status_code == 302
    world.citizen.refresh_from_db()
    assert world.citizen.verified_phone == PHONE


def test_a_code_that_expired_before_a_worker_came_is_given_up_not_sent(world, gateway):
    row = ask_code(world.citizen)

    with later(11):
        row = deliver(row)

    assert gateway.sent == []
    assert row.state == State.FAILED
    assert row.body == "" and row.short == ""
    assert row.last_error == delivery.SECRET_GIVEN_UP


def test_a_code_replaced_by_a_new_one_is_never_sent(world, gateway):
    first = ask_code(world.citizen)
    with later(1):
        second = ask_code(world.citizen)
        first = Notification.objects.get(pk=first.pk)
        # Given up as soon as the new code is made, text and all.
        assert first.state == State.FAILED and first.short == ""

        assert deliver(first).state == State.FAILED
        assert deliver(second).state == State.SENT

    assert len(gateway.sent) == 1
    assert english(world.citizen).post(CODE, {"code": code_in(gateway.sent[0])}).status_code == 302


def test_a_code_for_a_number_changed_meanwhile_is_never_sent(world, gateway):
    row = ask_code(world.citizen)
    phone.change_number(world.citizen, "+6281399990000")

    assert deliver(row).state == State.FAILED
    assert gateway.sent == []


def test_a_code_still_waiting_when_it_expires_is_forgotten_by_the_sweep(world, gateway):
    row = ask_code(world.citizen)
    with later(9):
        delivery.sweep_outbox()
        assert Notification.objects.get(pk=row.pk).state == State.PENDING

    with later(11):
        delivery.sweep_outbox()

    row = Notification.objects.get(pk=row.pk)
    assert row.state == State.FAILED and row.body == "" and row.short == ""
    assert gateway.sent == []


def test_a_code_the_gateway_could_not_take_yet_is_kept_to_send_again(world, gateway):
    gateway.answers.append(http.Response(503, "busy"))
    row = deliver(ask_code(world.citizen))
    assert row.state == State.PENDING and code_of(row)
    assert code_of(row) not in stored_columns(row)  # still sealed for the next try

    with later(2):
        row = deliver(row)

    assert row.state == State.SENT and row.short == ""
    assert len(gateway.sent) == 2 and gateway.sent[0] == gateway.sent[1]


def test_a_refused_code_keeps_no_code_even_where_the_gateway_echoed_it(world, gateway, caplog):
    row = ask_code(world.citizen)
    code = code_of(row)
    gateway.answers.append(http.Response(400, f'{{"error": "bad message near {code}"}}'))

    with caplog.at_level(logging.INFO):
        row = deliver(row)

    assert row.state == State.FAILED
    assert row.body == "" and row.short == ""
    assert "HTTP 400" in row.last_error
    assert code not in row.last_error
    assert code not in caplog.text


def test_an_unexpected_error_while_sending_logs_no_text(world, gateway, monkeypatch, caplog):
    row = ask_code(world.citizen)
    code = code_of(row)

    def broken(request, timeout):
        raise RuntimeError(f"could not encode {json.loads(request.body)['message']}")

    monkeypatch.setattr(http, "transport", broken)
    with caplog.at_level(logging.INFO):
        row = deliver(row)

    assert row.state == State.PENDING  # tried again later, while the code works
    assert code not in caplog.text
    assert code not in row.last_error


# --- Who reads it --------------------------------------------------------------------------


def test_the_deliveries_list_shows_a_stuck_code_without_it_and_offers_no_retry(
    world, gateway, client
):
    row = ask_code(world.citizen)
    code = code_of(row)
    client.force_login(world.national_admin)
    client.cookies["django_language"] = "en"

    with later(16):  # listed: still unsent long after it was written
        html = client.get(DELIVERIES).content.decode()

    assert f'data-delivery="{row.pk}"' in html
    assert "Phone number confirmation code" in html
    assert code not in html
    assert reverse("workspace:delivery_retry", args=[row.pk]) not in html
    assert "a code works for minutes only" in html


def test_retrying_a_code_from_the_deliveries_page_does_not_send_it(world, gateway, client):
    gateway.answers.append(http.Response(400, "{}"))  # refused: failed for good
    row = deliver(ask_code(world.citizen))
    assert row.state == State.FAILED
    client.force_login(world.national_admin)
    client.cookies["django_language"] = "en"

    response = client.post(reverse("workspace:delivery_retry", args=[row.pk]), follow=True)
    client.post(reverse("workspace:delivery_retry_all"), {"ids": [row.pk]})

    assert "A confirmation code is not sent again" in response.content.decode()
    assert Notification.objects.get(pk=row.pk).state == State.FAILED


def test_an_outsider_is_refused_the_deliveries_list_and_its_retry(world, gateway, client):
    row = ask_code(world.citizen)
    client.force_login(world.outsider)

    with later(16):
        assert client.get(DELIVERIES).status_code == 403
        retried = client.post(reverse("workspace:delivery_retry", args=[row.pk]))

    assert retried.status_code == 403
    assert Notification.objects.get(pk=row.pk).state == State.PENDING


def test_the_django_admin_has_no_page_of_outbox_messages():
    # Were one added, it would have to hide the texts of secret kinds as the pages do.
    with pytest.raises(NoReverseMatch):
        reverse("admin:notifications_notification_changelist")


def test_the_copy_of_the_data_shows_a_placeholder_for_a_code_message(world, gateway):
    row = ask_code(world.citizen)  # still waiting: its text holds the code
    code = code_of(row)

    data = personal_data(world.citizen)

    [entry] = [n for n in data["notifications"] if n["kind"] == "Phone number confirmation code"]
    assert entry["message"] == "(confirmation code hidden)"
    assert code not in json.dumps(data, default=str)


def test_the_code_is_used_up_and_its_message_keeps_no_code(world, gateway):
    row = deliver(ask_code(world.citizen))
    english(world.citizen).post(CODE, {"code": code_in(gateway.sent[0])})

    assert not Notification.objects.filter(kind=SecretKind.PHONE_CODE).exclude(short="").exists()
    assert Notification.objects.get(pk=row.pk).state == State.SENT


def test_deleting_the_account_deletes_its_code_messages_and_the_number_in_them(world, gateway):
    deliver(ask_code(world.citizen))
    ask_code(world.citizen)

    erase_account(world.citizen)

    assert not Notification.objects.filter(address=PHONE).exists()


@pytest.mark.django_db(transaction=True)
def test_codes_written_before_upgrading_are_hidden_and_given_to_their_account(world):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    now = timezone.now()
    old = [
        Notification.objects.create(
            key=f"inbound:phone-code:{world.citizen.pk}:{now.timestamp() - minutes}:sms",
            kind="response",
            medium=Medium.SMS,
            address=PHONE,
            subject="Your message to Aduan",
            body="Your Aduan code is 483920. It confirms this number for your account.",
            short="Your Aduan code is 483920. It confirms this number for your account.",
            state=state,
        )
        for minutes, state in ((0, State.PENDING), (60, State.SENT))
    ]
    answer = Notification.objects.create(
        key="inbound:sms-9:sms", kind="response", medium=Medium.SMS, address=PHONE,
        subject="Your message to Aduan", body="Laporan 483920", short="Laporan 483920",
        state=State.PENDING,
    )  # fmt: skip
    MigrationExecutor(connection).migrate([("notifications", "0008_assigned")])

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    waiting, sent = (Notification.objects.get(pk=row.pk) for row in old)
    for row in (waiting, sent):
        assert row.kind == SecretKind.PHONE_CODE and row.user_id == world.citizen.pk
        assert row.body == "" and row.short == ""
    assert waiting.state == State.FAILED and sent.state == State.SENT
    answer.refresh_from_db()
    assert answer.kind == "response" and answer.short == "Laporan 483920"
