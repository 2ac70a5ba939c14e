"""A copy of one's own data: everything about the account, nothing of anyone else's and
none of the organizations' internal notes."""

from __future__ import annotations

import json

from django.test import Client
from django.urls import reverse

from aduan.reports import lifecycle
from aduan.reports.models import Subscription, Support
from tests.personas import PASSWORD, advance, as_reporter, as_user, submit

BODY = "Saya Siti Warga, telepon 0812-3456-7890. Lampu jalan di depan SD Negeri 3 padam."


def _download(client, password=PASSWORD):
    return client.post(reverse("accounts:my_data"), {"password": password})


def test_the_copy_holds_the_account_its_reports_and_what_it_follows(world, client_for):
    report, _ = submit(world, reporter=world.citizen, title="Lampu jalan padam", body=BODY)
    advance(world, report, "in_progress")
    lifecycle.add_note(report, as_user(world.liaison_a), "Catatan internal: anggaran habis.")
    other, _ = submit(world, reporter=world.outsider, title="Sampah menumpuk di pasar")
    advance(world, other, "dispatched")
    Support.objects.create(report=other, user=world.citizen)
    Subscription.objects.create(report=other, user=world.citizen)

    response = _download(client_for(world.citizen))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="aduan-data-saya-')
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["account"]["email"] == world.citizen.email
    assert data["account"]["phone"] == "+6281234567890"
    [mine] = data["reports"]
    assert mine["tracking_code"] == report.tracking_code
    assert mine["body"] == BODY  # their own words, unmasked: it is their data
    messages = [entry["message"] for entry in mine["timeline"]]
    assert "Tim sudah dijadwalkan." in messages
    assert not any("anggaran habis" in message for message in messages)
    assert data["supported"] == [{"report": other.tracking_code, "at": data["supported"][0]["at"]}]
    assert [row["report"] for row in data["following"]] == [other.tracking_code]
    assert "Sampah menumpuk" not in response.content.decode()  # another's report's text
    assert any(row["report"] == report.tracking_code for row in data["notifications"])


def test_an_anonymous_report_comes_with_the_words_as_written(world, client_for):
    submit(world, reporter=world.citizen, body=BODY, is_anonymous=True)

    data = json.loads(_download(client_for(world.citizen)).content)

    [mine] = data["reports"]
    assert "3456" not in mine["body"]  # as the organizations read it
    assert mine["as_written"]["body"] == BODY


def test_an_officer_finds_their_roles_and_not_the_reports_they_handle(world, client_for):
    report, _ = submit(world, reporter=world.citizen, body=BODY)
    advance(world, report, "in_progress")

    data = json.loads(_download(client_for(world.liaison_a)).content)

    assert data["roles"] == [
        {
            "organization": "Dinas Pekerjaan Umum",
            "role": "Liaison officer",
            "active": True,
            "since": data["roles"][0]["since"],
        }
    ]
    assert data["reports"] == []


def test_a_wrong_password_downloads_nothing(world, client_for):
    response = _download(client_for(world.citizen), password="salah-sandi")

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "This is not the account&#x27;s password." in response.content.decode()


def test_the_sign_ins_kept_for_the_account_are_in_the_copy(world, client):
    client.post(reverse("accounts:login"), {"username": world.citizen.email, "password": "x"})
    client.post(reverse("accounts:login"), {"username": world.citizen.email, "password": PASSWORD})
    client.cookies["django_language"] = "en"

    data = json.loads(_download(client).content)

    [sign_in] = data["sign_ins"]  # failures are kept only while they count towards a lock
    assert (sign_in["result"], sign_in["address"]) == ("signed in", "127.0.0.1")


def test_wrong_passwords_here_lock_the_account_from_this_address_as_at_sign_in(
    world, client_for, settings
):
    settings.AXES_FAILURE_LIMIT = 3
    client = client_for(world.citizen)
    for _ in range(3):
        _download(client, password="tebakan-salah")

    locked = _download(client)  # the right password, too late

    assert locked.status_code == 429
    assert locked["Content-Type"].startswith("text/html")
    sign_in = Client().post(
        reverse("accounts:login"), {"username": world.citizen.email, "password": PASSWORD}
    )
    assert sign_in.status_code == 429  # the same address, the same account


def test_an_anonymous_reporters_later_words_come_as_written_too(world, client_for):
    report, _ = submit(world, reporter=world.citizen, body=BODY, is_anonymous=True)
    advance(world, report, "dispatched")
    news = "Saya Siti Warga lagi, hubungi 0812-3456-7890: lampu kedua ikut padam."
    lifecycle.add_information(report, as_reporter(world.citizen), news)

    data = json.loads(_download(client_for(world.citizen)).content)

    [mine] = data["reports"]
    shown = [entry["message"] for entry in mine["timeline"]]
    assert not any("3456" in message for message in shown)  # as the organizations read it
    assert [row["message"] for row in mine["as_written"]["messages"]] == [news]


def test_an_anonymous_reporters_answer_an_officer_recorded_comes_as_said_too(world, client_for):
    report, _ = submit(world, reporter=world.citizen, body=BODY, is_anonymous=True)
    lifecycle.hold(report, as_user(world.national_admin), "Di RT berapa lokasinya?")
    said = "Saya Siti Warga, HP 0812-3456-7890: RT 03 RW 02."
    lifecycle.answer_hold(report, as_user(world.national_admin), said, received_via="phone")

    data = json.loads(_download(client_for(world.citizen)).content)

    [mine] = data["reports"]
    shown = [entry["message"] for entry in mine["timeline"]]
    assert not any("3456" in message for message in shown)  # as the organizations read it
    assert [row["message"] for row in mine["as_written"]["messages"]] == [said]
