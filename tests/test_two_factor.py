"""Two-step sign-in: a password, then a code from an authenticator app or a backup code;
required of officers where the installation says so."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP

from aduan.accounts import two_factor
from aduan.accounts.models import AppDevice as TOTPDevice
from tests.personas import PASSWORD


def _code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def _turn_on(client) -> list[str]:
    page = client.get(reverse("accounts:two_factor"))
    assert page.status_code == 200
    assert "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=page.wsgi_request.user, confirmed=False)
    done = client.post(
        reverse("accounts:two_factor"),
        {"action": "turn_on", "code": _code(device), "password": PASSWORD},
    )
    assert done.status_code == 200
    return done.context["codes"]


def _password_step(client, user, next_url=""):
    url = reverse("accounts:login") + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"username": user.email, "password": PASSWORD})


def _signed_in(client) -> bool:
    return client.get(reverse("accounts:account")).status_code == 200


@pytest.fixture
def protected(world, client):
    """The citizen with two-step sign-in on, signed out again."""
    client.force_login(world.citizen)
    codes = _turn_on(client)
    client.logout()
    client.cookies["django_language"] = "en"
    return codes


def test_turning_it_on_needs_a_code_the_app_shows_and_gives_ten_backup_codes(world, client):
    client.force_login(world.citizen)
    page = client.get(reverse("accounts:two_factor"))
    device = TOTPDevice.objects.get(user=world.citizen, confirmed=False)
    wrong = client.post(
        reverse("accounts:two_factor"),
        {"action": "turn_on", "code": "000000", "password": PASSWORD},
    )

    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    assert wrong.status_code == 400
    assert not two_factor.is_on(world.citizen)
    # A reload keeps the secret already scanned.
    assert TOTPDevice.objects.get(user=world.citizen, confirmed=False).pk == device.pk

    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=40), tick=False):
        codes = _turn_on(client)

    assert len(set(codes)) == 10
    assert two_factor.is_on(world.citizen)


def test_the_password_alone_no_longer_signs_in(world, client, protected):
    response = _password_step(client, world.citizen, next_url="/akun/laporan-saya/")

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:sign_in_code")
    assert not _signed_in(client)


def test_the_apps_code_completes_the_sign_in_and_a_wrong_one_does_not(world, client, protected):
    _password_step(client, world.citizen, next_url="/akun/laporan-saya/")
    device = TOTPDevice.objects.get(user=world.citizen)
    later = timezone.now() + datetime.timedelta(seconds=60)

    wrong = client.post(reverse("accounts:sign_in_code"), {"code": "123456"})
    with time_machine.travel(later, tick=False):
        right = client.post(reverse("accounts:sign_in_code"), {"code": _code(device)})

    assert wrong.status_code == 400
    assert "This code is not right" in wrong.content.decode()
    assert right.status_code == 302
    assert right["Location"] == "/akun/laporan-saya/"
    assert _signed_in(client)


def test_wrong_codes_make_the_next_try_wait(world, client, protected):
    _password_step(client, world.citizen)
    device = TOTPDevice.objects.get(user=world.citizen)
    now = timezone.now() + datetime.timedelta(seconds=60)

    with time_machine.travel(now, tick=False):
        for _ in range(3):
            client.post(reverse("accounts:sign_in_code"), {"code": "123456"})
        too_soon = client.post(reverse("accounts:sign_in_code"), {"code": _code(device)})
    with time_machine.travel(now + datetime.timedelta(seconds=35), tick=False):
        after_waiting = client.post(reverse("accounts:sign_in_code"), {"code": _code(device)})

    assert too_soon.status_code == 400
    assert after_waiting.status_code == 302


def test_a_backup_code_signs_in_once(world, client, protected):
    _password_step(client, world.citizen)
    first = client.post(reverse("accounts:sign_in_code"), {"code": protected[0].upper()})
    assert first.status_code == 302
    client.logout()

    _password_step(client, world.citizen)
    again = client.post(reverse("accounts:sign_in_code"), {"code": protected[0]})

    assert again.status_code == 400
    assert two_factor.backup_codes_left(world.citizen) == 9


def test_a_half_done_sign_in_expires_and_a_new_password_voids_it(world, client, protected):
    _password_step(client, world.citizen)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=11), tick=False):
        late = client.post(reverse("accounts:sign_in_code"), {"code": protected[0]})
    assert late.status_code == 302 and late["Location"] == reverse("accounts:login")

    _password_step(client, world.citizen)
    world.citizen.set_password("kata-sandi-lain-99")
    world.citizen.save()
    voided = client.post(reverse("accounts:sign_in_code"), {"code": protected[1]})

    assert voided["Location"] == reverse("accounts:login")
    assert not _signed_in(client)
    assert two_factor.backup_codes_left(world.citizen) == 10


def test_turning_it_off_asks_for_a_code_and_the_password(world, client, protected):
    _password_step(client, world.citizen)
    client.post(reverse("accounts:sign_in_code"), {"code": protected[0]})

    refused = client.post(
        reverse("accounts:two_factor"), {"action": "turn_off", "code": "", "password": PASSWORD}
    )
    done = client.post(
        reverse("accounts:two_factor"),
        {"action": "turn_off", "code": protected[1], "password": PASSWORD},
    )

    assert refused.status_code == 400
    assert done.status_code == 302
    assert not two_factor.is_on(world.citizen)


def test_officers_reach_the_back_office_only_once_signed_in_with_a_code(world, client, settings):
    settings.ADUAN_STAFF_TWO_FACTOR = True
    client.force_login(world.agency_admin)

    without_app = client.get(reverse("workspace:inbox"))
    assert without_app.status_code == 302
    assert without_app["Location"] == reverse("accounts:two_factor")
    codes = _turn_on(client)
    assert client.get(reverse("workspace:inbox")).status_code == 200  # verified by turning on

    client.logout()
    client.force_login(world.agency_admin)  # a session that never typed a code
    unverified = client.get(reverse("workspace:inbox"))
    assert unverified.status_code == 302
    assert unverified["Location"].startswith(reverse("accounts:login") + "?next=")
    assert not _signed_in(client)

    _password_step(client, world.agency_admin, next_url=reverse("workspace:inbox"))
    signed_in = client.post(reverse("accounts:sign_in_code"), {"code": codes[0]})
    assert client.get(signed_in["Location"]).status_code == 200
    cannot_turn_off = client.post(
        reverse("accounts:two_factor"),
        {"action": "turn_off", "code": codes[1], "password": PASSWORD},
    )
    assert cannot_turn_off.status_code == 400
    assert two_factor.is_on(world.agency_admin)


def test_citizens_are_not_asked_for_it_where_officers_are(world, client_for, settings):
    settings.ADUAN_STAFF_TWO_FACTOR = True

    assert client_for(world.citizen).get(reverse("portal:my_reports")).status_code == 200


def test_the_administration_site_signs_in_through_the_sites_own_page(world, client):
    response = client.get("/admin/login/?next=/admin/")

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login") + "?next=/admin/"
    client.force_login(world.citizen)
    assert client.get("/admin/login/?next=/admin/").status_code == 403


def test_new_backup_codes_refused_for_a_wrong_password_ask_for_the_password_only(
    world, client, protected
):
    _password_step(client, world.citizen)
    client.post(reverse("accounts:sign_in_code"), {"code": protected[0]})

    refused = client.post(
        reverse("accounts:two_factor"), {"action": "new_codes", "password": "salah"}
    )

    assert refused.status_code == 400
    form = refused.context["form"]
    assert list(form.fields) == ["password"]
    assert two_factor.backup_codes_left(world.citizen) == 9


def test_an_officer_with_a_code_lands_in_the_back_office_too(world, client):
    client.force_login(world.liaison_a)
    _turn_on(client)
    client.logout()
    _password_step(client, world.liaison_a)
    device = TOTPDevice.objects.get(user=world.liaison_a)
    later = timezone.now() + datetime.timedelta(seconds=60)
    with time_machine.travel(later, tick=False):
        right = client.post(reverse("accounts:sign_in_code"), {"code": _code(device)})
    assert right["Location"] == reverse("workspace:inbox")
