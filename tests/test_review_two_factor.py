"""Review of two-step sign-in: the holes found, each pinned by a test."""

from __future__ import annotations

import datetime

import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aduan.accounts import two_factor
from aduan.accounts.models import AppDevice as TOTPDevice
from tests.personas import PASSWORD
from tests.test_two_factor import _code, _password_step, _turn_on


def _signed_in(client) -> bool:
    return client.get(reverse("accounts:account")).status_code == 200


def test_turning_two_step_sign_in_on_signs_out_the_accounts_other_sessions(world, client):
    elsewhere = Client()  # a phone or an office computer left signed in with the password
    elsewhere.force_login(world.citizen)
    client.force_login(world.citizen)

    _turn_on(client)

    assert _signed_in(client)  # the session that turned it on counts as signed in with a code
    assert not _signed_in(elsewhere)
    new_codes = elsewhere.post(
        reverse("accounts:two_factor"), {"action": "new_codes", "password": PASSWORD}
    )
    assert new_codes.status_code == 302 and "codes" not in (new_codes.context or {})


def test_an_officers_session_from_before_the_app_is_signed_out_when_it_is_turned_on(
    world, client, settings
):
    settings.ADUAN_STAFF_TWO_FACTOR = True
    elsewhere = Client()
    elsewhere.force_login(world.agency_admin)
    client.force_login(world.agency_admin)

    _turn_on(client)

    assert elsewhere.get(reverse("notifications:list")).status_code == 302
    assert not _signed_in(elsewhere)


def test_where_officers_need_a_code_their_notifications_and_data_copy_need_one_too(
    world, client, settings
):
    settings.ADUAN_STAFF_TWO_FACTOR = True
    client.force_login(world.agency_admin)  # the password only, no app yet

    response = client.get(reverse("notifications:list"))
    data_copy = client.post(reverse("accounts:my_data"), {"password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:two_factor")
    # The copy of one's data holds every message sent to the account, the same words.
    assert data_copy.status_code == 302
    assert data_copy["Location"] == reverse("accounts:two_factor")


def test_the_back_office_asks_for_the_code_also_under_a_path_prefix(world, client, settings):
    settings.ADUAN_STAFF_TWO_FACTOR = True
    client.force_login(world.agency_admin)

    response = client.get("/kantor/", SCRIPT_NAME="/aduan")

    assert response.status_code == 302
    assert response["Location"].endswith(reverse("accounts:two_factor"))
    settings.ADUAN_STAFF_TWO_FACTOR = False
    inbox = client.get("/kantor/", SCRIPT_NAME="/aduan")
    assert inbox.status_code == 200
    assert "no-store" in inbox["Cache-Control"]  # a back-office page, whatever the prefix


def test_a_backup_code_does_not_count_as_a_wrong_code_from_the_app(world, client):
    client.force_login(world.citizen)
    codes = _turn_on(client)
    client.logout()
    device = TOTPDevice.objects.get(user=world.citizen)
    now = timezone.now() + datetime.timedelta(seconds=60)

    with time_machine.travel(now, tick=False):
        for code in codes[:3]:
            _password_step(client, world.citizen)
            assert client.post(reverse("accounts:sign_in_code"), {"code": code}).status_code == 302
            client.logout()
        _password_step(client, world.citizen)
        app = client.post(reverse("accounts:sign_in_code"), {"code": _code(device)})

    assert app.status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_an_officer_who_may_not_turn_it_off_keeps_the_backup_code_typed_and_is_told_why(
    world, client, settings
):
    settings.ADUAN_STAFF_TWO_FACTOR = True
    client.force_login(world.agency_admin)
    client.cookies["django_language"] = "en"
    codes = _turn_on(client)

    refused = client.post(
        reverse("accounts:two_factor"),
        {"action": "turn_off", "code": codes[0], "password": PASSWORD},
    )

    assert refused.status_code == 400
    assert two_factor.backup_codes_left(world.agency_admin) == 10
    assert refused.context["form"].errors
    assert two_factor.is_on(world.agency_admin)


def test_an_account_locked_for_password_guessing_cannot_finish_the_second_step(world, client):
    client.force_login(world.citizen)
    codes = _turn_on(client)
    client.logout()
    _password_step(client, world.citizen)
    guesser = Client()  # the same address, guessing the password meanwhile
    for _ in range(11):
        guesser.post(reverse("accounts:login"), {"username": world.citizen.email, "password": "x"})

    response = client.post(reverse("accounts:sign_in_code"), {"code": codes[0]})

    assert response.status_code == 429
    assert not _signed_in(client)
    assert two_factor.backup_codes_left(world.citizen) == 10


def test_an_operator_signed_in_who_opens_the_admin_sign_in_page_reaches_the_admin(world, client):
    world.national_admin.is_staff = True
    world.national_admin.save()
    client.force_login(world.national_admin)

    response = client.get("/admin/login/?next=/admin/")

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    elsewhere = client.get("/admin/login/?next=https://example.com/")
    assert elsewhere["Location"] == reverse("admin:index")


def test_the_qr_code_is_named_for_screen_readers(world, client_for):
    page = client_for(world.citizen).get(reverse("accounts:two_factor"))

    assert 'role="img" aria-label="QR code for the authenticator app"' in page.content.decode()
