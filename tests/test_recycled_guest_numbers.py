"""A guest's number acts as the reporter of their SMS or WhatsApp report only while it is
in use: after months unused the operator may have given it to someone else, who must
not answer, judge, rate or ask about a stranger's report, nor read its news."""

from __future__ import annotations

import datetime
import json

import pytest
import time_machine
from django.utils import timezone

from aduan.notifications.models import Medium, Notification
from aduan.reports.lifecycle import Action
from aduan.reports.models import Report, Status
from tests.personas import advance, submit
from tests.test_inbound_followups import _channels, wa  # noqa: F401 (its autouse fixture sets SMS and WhatsApp up)
from tests.test_inbound_sms import post as sms

PHONE = "+6281234567890"
STRANGER_NEWS = "Lampu jalan di depan rumah saya di Gang Mawar juga mati sejak kemarin"


@pytest.fixture(autouse=True)
def _recycle_pause(settings):
    settings.ADUAN_NUMBER_RECYCLE_DAYS = 90


def later(days: int):
    return time_machine.travel(timezone.now() + datetime.timedelta(days=days), tick=False)


def sms_report(client, world, status) -> Report:
    sms(client, id="gw-report")
    return advance(world, Report.objects.get(channel_reference="gw-report"), status)


def last_reply() -> str:
    return Notification.objects.filter(address=PHONE, medium=Medium.SMS).latest("pk").body


def test_a_reply_within_the_pause_answers_and_keeps_the_number_the_reports(client, world):
    report = sms_report(client, world, Status.ON_HOLD)

    with later(80):
        result = sms(client, id="gw-2", text="Tiang lampu nomor PJU-017 depan masjid Al Ikhlas")
        assert result.json()["result"] == "answered"
        report.refresh_from_db()
        assert report.guest_phone_used_at == timezone.now()
    advance(world, report, Status.COMPLETED)
    with later(160):  # 80 days after the answer, 160 after the report
        assert sms(client, id="gw-3", text="Puas pak").json()["result"] == "satisfied"

    report.refresh_from_db()
    assert report.status == Status.CLOSED


def test_after_the_pause_an_answer_is_a_new_report_not_the_old_ones(client, world):
    report = sms_report(client, world, Status.ON_HOLD)
    used = Report.objects.get(pk=report.pk).guest_phone_used_at

    with later(91):
        result = sms(client, id="gw-2", text=STRANGER_NEWS).json()

    assert result["result"] == "created"
    report.refresh_from_db()
    assert report.status == Status.ON_HOLD
    assert not report.events.filter(action=Action.ANSWER_HOLD).exists()
    assert report.guest_phone_used_at == used  # a stranger renews nothing
    assert Report.objects.count() == 2


def test_after_the_pause_status_gets_the_neutral_answer(client, world):
    report = sms_report(client, world, Status.DISPATCHED)

    with later(91):
        assert sms(client, id="gw-2", text=f"STATUS {report.tracking_code}").json() == {
            "result": "status"
        }

    reply = last_reply()
    assert report.tracking_code not in reply
    assert "/laporan/" not in reply


def test_after_the_pause_puas_does_not_close_the_report(client, world):
    report = sms_report(client, world, Status.COMPLETED)

    with later(91):
        result = sms(client, id="gw-2", text=f"PUAS {report.tracking_code}").json()
        assert sms(client, id="gw-3", text="nilai 1").json()["result"] == "too_short"

    assert result["result"] == "too_short"
    report.refresh_from_db()
    assert report.status == Status.COMPLETED and report.rating is None


def test_after_the_pause_news_naming_the_report_is_a_new_report(client, world):
    report = sms_report(client, world, Status.DISPATCHED)

    with later(91):
        result = sms(client, id="gw-2", text=f"{report.tracking_code} {STRANGER_NEWS}").json()

    assert result["result"] == "created"
    assert not report.events.filter(action=Action.ADD_INFO).exists()


def test_a_status_question_within_the_pause_renews_the_number(client, world):
    report = sms_report(client, world, Status.DISPATCHED)

    with later(60):
        sms(client, id="gw-2", text=f"STATUS {report.tracking_code}")
        assert report.tracking_code in last_reply()
    with later(140):
        sms(client, id="gw-3", text=f"STATUS {report.tracking_code}")
        assert report.tracking_code in last_reply()


def test_any_message_from_the_number_within_the_pause_keeps_its_older_reports(client, world):
    # The number was in use, so the operator gave it to nobody meanwhile.
    report = sms_report(client, world, Status.COMPLETED)

    with later(80):
        sms(client, id="gw-2", text="Sampah menumpuk di tepi Sungai Serayu dekat jembatan")
    with later(160):
        assert sms(client, id="gw-3", text=f"PUAS {report.tracking_code}").json() == {
            "result": "satisfied",
            "tracking_code": report.tracking_code,
        }


def test_setting_zero_keeps_the_number_the_reports_forever(client, world, settings):
    settings.ADUAN_NUMBER_RECYCLE_DAYS = 0
    report = sms_report(client, world, Status.COMPLETED)

    with later(400):
        assert sms(client, id="gw-2", text="Puas pak").json()["result"] == "satisfied"

    report.refresh_from_db()
    assert report.status == Status.CLOSED


def test_a_whatsapp_reply_after_the_pause_does_not_close_the_report(world):
    wa("w1", body="Jembatan kayu di Desa Sukamaju retak dan hampir roboh")
    wa("w2", body="Desa Sukamaju dekat balai desa")
    wa("w3", body="ya")
    report = advance(world, Report.objects.get(), Status.COMPLETED)

    with later(91):
        assert wa("w4", body="puas") != "satisfied"

    report.refresh_from_db()
    assert report.status == Status.COMPLETED


def test_an_email_guest_is_unaffected_by_the_pause(world):
    from aduan.channels.followups import take
    from aduan.channels.intake import Draft
    from aduan.channels.replies import submit_guest_report

    draft = Draft(title="Lampu mati", body=STRANGER_NEWS, guest_email="siti@example.id")
    report = submit_guest_report(draft, channel="email", channel_reference="<m1@example.id>")
    report = advance(world, report.report, Status.COMPLETED)

    with later(400):
        done = take("PUAS", email="siti@example.id")

    assert done is not None and done.result == "satisfied"
    assert Report.objects.get(pk=report.pk).guest_phone_used_at is None


def test_text_messages_to_a_lapsed_guest_number_carry_no_link_or_details(
    client, world, monkeypatch
):
    from aduan.lib import http
    from aduan.notifications import delivery
    from aduan.reports import lifecycle
    from tests.personas import as_user, run_announcements
    from tests.test_webhooks import Receiver

    gateway = Receiver()
    monkeypatch.setattr(http, "transport", gateway)
    report = sms_report(client, world, Status.DISPATCHED)
    lifecycle.respond(report, as_user(world.liaison_a), "Laporan sedang kami tinjau.")
    run_announcements()
    delivery.deliver(
        [Notification.objects.filter(report=report, medium=Medium.SMS).latest("pk").pk]
    )
    assert "/laporan/" in json.loads(gateway.requests[-1].body)["message"]
    report.refresh_from_db()

    with later(91):
        lifecycle.respond(report, as_user(world.liaison_a), "Ibu Siti, tim kami datang besok.")
        run_announcements()
        told = Notification.objects.filter(report=report, medium=Medium.SMS).latest("pk")
        delivery.deliver([told.pk])

    sent = json.loads(gateway.requests[-1].body)["message"]
    assert report.tracking_code not in sent and "Ibu Siti" not in sent
    assert "http" not in sent
    told.refresh_from_db()
    assert told.short == sent  # the record says what went


def test_a_confirmed_web_guest_number_lapses_too(world):
    from aduan.notifications.outbox import confirm_contact, confirmation_link
    from aduan.reports.models import guest_holds_phone

    report, _ = submit(world, guest_email="", guest_phone=PHONE)
    token = confirmation_link(report).rstrip("/").rsplit("/", 1)[1]
    assert confirm_contact(report, token)
    assert Report.objects.filter(guest_holds_phone(PHONE)).get() == report

    with later(91):
        assert not Report.objects.filter(guest_holds_phone(PHONE)).exists()
        assert Report.objects.get(pk=report.pk).guest_phone_lapsed


def test_the_migration_starts_from_the_last_answered_message(client, world):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("aduan.reports.migrations.0022_guest_phone_used_at")
    report = sms_report(client, world, Status.ON_HOLD)
    with later(30):
        sms(client, id="gw-2", text="Tiang lampu nomor PJU-017 depan masjid Al Ikhlas")
    answered = Notification.objects.get(key__startswith="inbound:sms:gw-2").created_at
    web, _ = submit(world)
    Report.objects.update(guest_phone_used_at=None)

    migration.start_from_last_use(apps, None)

    assert Report.objects.get(pk=report.pk).guest_phone_used_at == answered
    assert Report.objects.get(pk=web.pk).guest_phone_used_at is None  # an email guest


def test_officers_see_a_guests_number_verified_while_in_use_and_not_once_it_lapsed(client, world):
    from django.urls import reverse

    from aduan.workspace.views import _reporter_contact

    report = sms_report(client, world, Status.DISPATCHED)
    typed, _secret = submit(world, guest_email="", guest_phone="+6281277776666")
    assert _reporter_contact(report)["phone_verified"] is True
    assert _reporter_contact(typed)["phone_verified"] is None
    client.force_login(world.agency_admin)
    page = client.get(reverse("workspace:report", args=[report.tracking_code]))
    assert b'data-phone-verified="1"' in page.content

    with later(91):
        report.refresh_from_db()
        assert _reporter_contact(report)["phone_verified"] is False
        client.force_login(world.agency_admin)  # the earlier session has expired
        page = client.get(reverse("workspace:report", args=[report.tracking_code]))
        assert b'data-phone-verified="0"' in page.content


def test_the_reports_a_message_renews_are_found_by_an_index_on_the_number(db):
    # Run for every inbound message: a whole scan of the reports would not do.
    from django.db import connection

    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, Report._meta.db_table)
    assert any(index["columns"] == ["guest_phone"] and index["index"] for index in found.values())
