"""Officers' sessions end after a long pause; citizens' do not; every other session of
an account ends on request."""

from __future__ import annotations

import datetime

import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.personas import PASSWORD


def _later(minutes: int):
    return time_machine.travel(timezone.now() + datetime.timedelta(minutes=minutes), tick=False)


def test_an_idle_officer_is_asked_to_sign_in_again_and_brought_back(world, client, settings):
    settings.ADUAN_STAFF_IDLE_MINUTES = 30
    client.force_login(world.liaison_a)
    assert client.get(reverse("workspace:inbox")).status_code == 200

    with _later(20):
        assert client.get(reverse("workspace:inbox")).status_code == 200  # still active
    with _later(20 + 31):
        response = client.get(reverse("workspace:inbox"))

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login") + "?next=%2Fkantor%2F"
    assert client.get(reverse("accounts:account")).status_code == 302  # signed out


def test_a_form_sent_after_a_long_pause_is_still_taken(world, client, settings):
    settings.ADUAN_STAFF_IDLE_MINUTES = 30
    client.force_login(world.liaison_a)
    client.get(reverse("workspace:inbox"))

    with _later(45):
        sent = client.post(reverse("accounts:account"), {"full_name": "Penghubung DPU Baru"})

    assert sent.status_code == 302
    world.liaison_a.refresh_from_db()
    assert world.liaison_a.full_name == "Penghubung DPU Baru"


def test_a_citizens_session_does_not_end_for_a_pause(world, client, settings):
    settings.ADUAN_STAFF_IDLE_MINUTES = 30
    client.force_login(world.citizen)
    client.get(reverse("portal:my_reports"))

    with _later(600):
        assert client.get(reverse("portal:my_reports")).status_code == 200


def test_every_other_session_ends_on_request_with_the_password(world, client_for):
    elsewhere = Client()
    elsewhere.force_login(world.citizen)
    client = client_for(world.citizen)

    refused = client.post(reverse("accounts:sign_out_elsewhere"), {"password": "salah"})
    assert elsewhere.get(reverse("accounts:account")).status_code == 200
    done = client.post(reverse("accounts:sign_out_elsewhere"), {"password": PASSWORD})

    assert refused.status_code == done.status_code == 302
    assert elsewhere.get(reverse("accounts:account")).status_code == 302
    assert client.get(reverse("accounts:account")).status_code == 200
    world.citizen.refresh_from_db()
    assert world.citizen.check_password(PASSWORD)


def test_signing_out_elsewhere_needs_a_signed_in_post(world, client):
    assert client.post(reverse("accounts:sign_out_elsewhere"), {"password": PASSWORD})[
        "Location"
    ].startswith(reverse("accounts:login"))
    client.force_login(world.citizen)
    assert client.get(reverse("accounts:sign_out_elsewhere")).status_code == 405


def test_a_form_sent_after_the_late_form_window_is_refused_and_shows_what_was_typed(
    world, client, settings
):
    settings.ADUAN_STAFF_IDLE_MINUTES = 30
    settings.ADUAN_STAFF_LATE_FORM_HOURS = 8
    client.force_login(world.liaison_a)
    client.get(reverse("workspace:inbox"))
    client.cookies["django_language"] = "id"
    typed = "Petugas sudah menambal lubang di depan pasar kemarin sore."

    with _later(30 + 8 * 60 + 1):
        refused = client.post(
            reverse("accounts:account"),
            {"full_name": typed, "version": "7", "password": "rahasia sekali"},
            HTTP_REFERER="http://testserver/akun/?tab=1",
        )

    assert refused.status_code == 403
    html = refused.content.decode()
    assert "Formulir ini tidak terkirim" in html
    assert typed in html
    assert "rahasia sekali" not in html
    assert "?next=/akun/%3Ftab%3D1" in html
    world.liaison_a.refresh_from_db()
    assert world.liaison_a.full_name == "Penghubung DPU"
    assert client.get(reverse("workspace:inbox")).status_code == 302  # signed out


def test_a_form_sent_within_the_late_form_window_is_taken(world, client, settings):
    settings.ADUAN_STAFF_IDLE_MINUTES = 30
    settings.ADUAN_STAFF_LATE_FORM_HOURS = 8
    client.force_login(world.liaison_a)
    client.get(reverse("workspace:inbox"))

    with _later(30 + 8 * 60 - 5):
        sent = client.post(reverse("accounts:account"), {"full_name": "Penghubung DPU Lama"})

    assert sent.status_code == 302
    world.liaison_a.refresh_from_db()
    assert world.liaison_a.full_name == "Penghubung DPU Lama"


def test_a_citizens_form_is_taken_however_late(world, client, settings):
    settings.ADUAN_STAFF_IDLE_MINUTES = 30
    client.force_login(world.citizen)
    client.get(reverse("portal:my_reports"))

    with _later(3 * 24 * 60):
        sent = client.post(reverse("accounts:account"), {"full_name": "Siti Warga Baru"})

    assert sent.status_code == 302
    world.citizen.refresh_from_db()
    assert world.citizen.full_name == "Siti Warga Baru"
