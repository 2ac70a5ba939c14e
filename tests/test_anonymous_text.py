"""An anonymous report hides its reporter from every organization, also where the
reporter wrote who they are into the text (`aduan.reports.privacy.withhold_reporter`)."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from aduan.lib.sealed import is_sealed
from aduan.reports import lifecycle
from aduan.reports.models import Report, Status
from tests.personas import advance, as_reporter, as_user, submit
from tests.test_inbound_email import _anymail, inbound, post  # noqa: F401 (its settings)

pytestmark = pytest.mark.django_db

SIGNED = (
    "Saya Siti Warga, warga RT 3. Petugas kelurahan meminta uang Rp 50.000 untuk surat "
    "pengantar. Hubungi saya di 0812-3456-7890 atau siti.warga@example.id, NIK "
    "3302011234567890, rumah saya Jl. Kenanga No. 12. Mobil dinas AD 1234 XY dipakai."
)


def stored(column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM reports_report WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def test_organizations_read_an_anonymous_report_without_who_wrote_it(world):
    report, _secret = submit(
        world, reporter=world.citizen, title="Pungli, lapor Siti Warga", body=SIGNED,
        is_anonymous=True,
    )  # fmt: skip

    for secret in ("Siti", "Warga", "3456", "siti.warga@", "1234567890", "No. 12"):
        assert secret not in report.body
    assert "Siti" not in report.title
    # What the handlers need stays: the street, the amount, the official's car.
    assert "Jl. Kenanga" in report.body
    assert "Rp 50.000" in report.body
    assert "AD 1234 XY" in report.body
    # The words as written are kept for the system alone, sealed in the database.
    assert json.loads(report.withheld_text) == {
        "title": "Pungli, lapor Siti Warga",
        "body": SIGNED,
    }
    assert is_sealed(stored("withheld_text", report.pk))
    assert "3456" not in report.public_body and "AD 1234 XY" not in report.public_body


def test_what_the_handlers_need_to_act_stays_in_an_anonymous_report(world):
    world.citizen.full_name = "Budi Sudirman"
    world.citizen.save()
    body = (
        "Pabrik tahu di Jl. Industri No. 5 membuang limbah ke sungai, titik buangnya "
        "-7.2581234, 112.7521234. Pemiliknya menipu warga lewat rekening BRI "
        "1234567890123 dan WA 0813-2222-3388. Lubang juga di Jl. Jend. Sudirman."
    )
    report, _secret = submit(world, reporter=world.citizen, body=body, is_anonymous=True)
    assert report.body == body  # nothing here is the reporter's own


def test_a_named_report_reaches_organizations_as_written(world):
    report, _secret = submit(world, reporter=world.citizen, body=SIGNED)
    assert report.body == SIGNED
    assert report.withheld_text == ""


def test_the_reporters_own_phone_is_masked_however_it_is_written(world):
    body = "Kalau perlu konfirmasi silakan WA ke 8 1234 567 890 saja, jalan rusak parah."
    report, _secret = submit(world, reporter=world.citizen, body=body, is_anonymous=True)
    assert "567" not in report.body
    assert "jalan rusak parah" in report.body


@pytest.mark.parametrize(
    "written",
    ["hp 081234567890", "WA ke 0812-3456-7890.", "wa 0812 3456 7890", "+62 812 3456 7890"],
)
def test_the_reporters_own_phone_with_its_trunk_zero_or_country_code_is_masked(world, written):
    world.citizen.phone = "081234567890"
    world.citizen.save()
    title = f"Pipa bocor, {written}"
    report, _secret = submit(world, reporter=world.citizen, title=title, is_anonymous=True)
    assert "3456" not in report.title
    assert report.title.startswith("Pipa bocor")


def test_an_anonymous_reporters_later_messages_are_masked_for_organizations(world):
    report, _secret = submit(world, reporter=world.citizen, is_anonymous=True)
    advance(world, report, Status.ON_HOLD)

    event = lifecycle.answer_hold(
        report, as_reporter(world.citizen), "Di depan rumah saya, telepon 0812-3456-7890."
    )

    assert "3456" not in event.message
    assert event.withheld_message == "Di depan rumah saya, telepon 0812-3456-7890."


def test_an_admin_making_a_report_anonymous_masks_its_text_and_earlier_answers(world):
    report, _secret = submit(world, reporter=world.citizen, body=SIGNED)
    advance(world, report, Status.ON_HOLD)
    answer = lifecycle.answer_hold(report, as_reporter(world.citizen), "Saya Siti, 0812-3456-7890.")
    report = Report.objects.get(pk=report.pk)

    lifecycle.set_flags(report, as_user(world.national_admin), anonymous=True)

    report = Report.objects.get(pk=report.pk)
    assert report.is_anonymous
    assert "3456" not in report.body and "Siti" not in report.body
    assert json.loads(report.withheld_text)["body"] == SIGNED
    assert "Siti" not in report.public_body
    answer.refresh_from_db()
    assert "3456" not in answer.message and "Siti" not in answer.message
    assert answer.withheld_message == "Saya Siti, 0812-3456-7890."


def test_the_handling_unit_does_not_see_an_anonymous_reporters_phone(world, client):
    report, _secret = submit(world, reporter=world.citizen, body=SIGNED, is_anonymous=True)
    advance(world, report, Status.DISPATCHED)
    client.force_login(world.liaison_a)

    page = client.get(f"/kantor/laporan/{report.tracking_code}/").content.decode()

    assert report.tracking_code in page
    assert "Jl. Kenanga" in page
    assert "3456" not in page and "Siti Warga" not in page


def test_an_anonymous_reporters_rating_comment_reaches_the_handlers_masked(world, client):
    report, _secret = submit(world, reporter=world.citizen, is_anonymous=True)
    report = advance(world, report, Status.COMPLETED)
    lifecycle.reply(report, as_reporter(world.citizen), satisfied=True, message="")

    lifecycle.rate(report, as_reporter(world.citizen), 5, "Cepat. Saya Siti, 0812-3456-7890.")

    report = Report.objects.get(pk=report.pk)
    assert "3456" not in report.rating_comment and "Siti" not in report.rating_comment
    assert report.rating_comment.startswith("Cepat.")
    client.force_login(world.agency_admin)
    page = client.get(f"/kantor/laporan/{report.tracking_code}/").content.decode()
    assert "3456" not in page and "Siti, " not in page


SIGNATURE_EMAIL = (
    "Mohon identitas saya dirahasiakan. Petugas kelurahan meminta uang untuk surat "
    "pengantar nikah, padahal gratis.\n\n"
    "Salam,\nSiti Warga\nStaf Administrasi CV Maju Jaya\nHP 0857-2233-4455\n\n"
    "Sent from my iPhone"
)


def test_an_anonymous_emails_signature_is_not_part_of_the_report(client):
    response = post(client, inbound(text=SIGNATURE_EMAIL, subject="Pungli surat pengantar"))

    assert response.status_code == 200
    report = Report.objects.get(title="Pungli surat pengantar")
    assert report.is_anonymous
    assert report.body == (
        "Mohon identitas saya dirahasiakan. Petugas kelurahan meminta uang untuk surat "
        "pengantar nikah, padahal gratis."
    )
    assert "Maju Jaya" in json.loads(report.withheld_text)["body"]


def test_a_named_emails_signature_stays_but_not_the_mail_apps_line(client):
    text = SIGNATURE_EMAIL.replace("Mohon identitas saya dirahasiakan. ", "")
    post(client, inbound(text=text, subject="Pungli surat pengantar"))

    report = Report.objects.get(title="Pungli surat pengantar")
    assert not report.is_anonymous
    assert report.body.endswith("HP 0857-2233-4455")


def test_an_anonymous_report_sent_again_from_a_fresh_form_is_received_once(world):
    from django.test import Client
    from django.urls import reverse

    from tests.test_portal import english, form_data

    english(Client()).post(reverse("portal:submit"), form_data(body=SIGNED, is_anonymous="on"))
    again = english(Client())  # a form fetched again: another one-time token

    resent = form_data(body=SIGNED, is_anonymous="on")
    assert again.post(reverse("portal:submit"), resent).status_code == 302

    assert Report.objects.count() == 1
    assert "data-again" in again.get(reverse("portal:submitted")).content.decode()


def test_an_anonymous_reporters_emailed_answer_loses_its_signature(client, world):
    from aduan.reports.lifecycle import Action
    from aduan.reports.models import ReportEvent
    from tests.test_inbound_email import our_message_id

    post(client, inbound(text=SIGNATURE_EMAIL, subject="Pungli surat pengantar"))
    report = advance(world, Report.objects.get(), Status.ON_HOLD)
    answer = (
        "Lokasinya di depan balai desa, sebelah warung.\n\n"
        "Salam,\nSiti Warga\nStaf Administrasi CV Maju Jaya"
    )
    reply = inbound(
        message_id="<m2@mail.example.id>",
        subject="Re: Pungli surat pengantar",
        text=answer,
        headers=[{"Name": "In-Reply-To", "Value": our_message_id(report)}],
    )

    post(client, reply)

    taken = ReportEvent.objects.get(report=report, action=Action.ANSWER_HOLD)
    assert taken.message == "Lokasinya di depan balai desa, sebelah warung."
    assert "Maju Jaya" in taken.withheld_message  # as written, for the system alone
