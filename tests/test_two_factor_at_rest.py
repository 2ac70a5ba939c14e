"""Two-step sign-in secrets at rest: the authenticator app's key is sealed and the
backup codes are stored as slow digests, so a copy of the database signs no one in."""

from __future__ import annotations

import datetime
import io
from binascii import hexlify

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from aduan.accounts import two_factor
from aduan.accounts.models import AppDevice
from aduan.lib.sealed import BYTES_PREFIX
from tests.personas import PASSWORD
from tests.test_two_factor import _code, _password_step, _signed_in, _turn_on

pytestmark = pytest.mark.django_db


def stored(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def _protected(client, user) -> tuple[AppDevice, list[str]]:
    client.force_login(user)
    codes = _turn_on(client)
    client.logout()
    client.cookies["django_language"] = "en"
    return AppDevice.objects.get(user=user), codes


def test_the_apps_key_is_sealed_and_django_otps_own_class_cannot_use_it(world, client):
    device, _codes = _protected(client, world.citizen)

    raw = stored("otp_totp_totpdevice", "key", device.pk)
    assert raw.startswith(BYTES_PREFIX) and len(raw) <= 80
    assert hexlify(device.bin_key).decode() not in raw
    # Any other way of verifying fails loudly rather than with a key of its own.
    with pytest.raises(ValueError):
        TOTPDevice.objects.get(pk=device.pk).verify_token(_code(device))

    _password_step(client, world.citizen)
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=60), tick=False):
        client.post(reverse("accounts:sign_in_code"), {"code": _code(device)})
    assert _signed_in(client)


def test_backup_codes_are_stored_as_digests_and_still_sign_in_once(world, client):
    _device, codes = _protected(client, world.citizen)

    kept = set(StaticToken.objects.values_list("token", flat=True))
    assert len(kept) == 10 and not kept & {code.lower() for code in codes}

    _password_step(client, world.citizen)
    client.post(reverse("accounts:sign_in_code"), {"code": codes[0].upper()})
    assert _signed_in(client)
    client.logout()
    _password_step(client, world.citizen)
    client.post(reverse("accounts:sign_in_code"), {"code": codes[0]})
    assert not _signed_in(client)
    assert two_factor.backup_codes_left(world.citizen) == 9


def test_a_rotated_secret_key_still_opens_the_apps_key_and_reseal_drops_the_need(
    world, client, settings
):
    device, codes = _protected(client, world.citizen)
    code_before = _code(device)
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "kunci-baru-" * 5, []
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY_FALLBACKS"):
        AppDevice.objects.get(pk=device.pk).bin_key  # noqa: B018

    settings.SECRET_KEY_FALLBACKS = [old_key]
    out = io.StringIO()
    call_command("reseal_secrets", stdout=out)
    assert "accounts.AppDevice: 1 row(s) sealed again" in out.getvalue()
    settings.SECRET_KEY_FALLBACKS = []

    assert _code(AppDevice.objects.get(pk=device.pk)) == code_before
    # The backup codes are not keyed with SECRET_KEY: they survive the rotation.
    assert two_factor.verify(world.citizen, codes[1]) is not None


@pytest.mark.django_db(transaction=True)
def test_upgrading_seals_clear_keys_and_digests_backup_codes_people_still_hold(world):
    before = [("accounts", "0006_phone_used")]
    MigrationExecutor(connection).migrate(before)
    with_devices = [
        *before,
        ("otp_totp", "0003_add_timestamps"),
        ("otp_static", "0003_add_timestamps"),
    ]
    old = MigrationExecutor(connection).loader.project_state(with_devices).apps
    key = "3132333435363738393031323334353637383930"
    app = old.get_model("otp_totp", "TOTPDevice").objects.create(
        user_id=world.citizen.pk, name="app", confirmed=True, key=key
    )
    static = old.get_model("otp_static", "StaticDevice").objects.create(
        user_id=world.citizen.pk, name="backup", confirmed=True
    )
    old.get_model("otp_static", "StaticToken").objects.create(device=static, token="abcd2345")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    device = AppDevice.objects.get(pk=app.pk)
    assert stored("otp_totp_totpdevice", "key", app.pk).startswith(BYTES_PREFIX)
    totp = TOTP(bytes.fromhex(key), device.step, device.t0, device.digits, device.drift)
    assert two_factor.verify(world.citizen, f"{totp.token():06d}") == device
    assert stored("otp_static_statictoken", "token", static.token_set.get().pk) != "abcd2345"
    assert two_factor.verify(world.citizen, "ABCD 2345") is not None
    assert two_factor.backup_codes_left(world.citizen) == 0


def test_a_device_an_operator_added_with_a_clear_key_still_works(world):
    key = "3132333435363738393031323334353637383930"
    device = AppDevice.objects.create(user=world.citizen, name="app", confirmed=True, key=key)

    totp = TOTP(bytes.fromhex(key), device.step, device.t0, device.digits, device.drift)

    assert two_factor.verify(world.citizen, f"{totp.token():06d}") == device


def test_turning_it_off_with_a_backup_code_and_the_password_still_works(world, client):
    _device, codes = _protected(client, world.citizen)
    _password_step(client, world.citizen)
    client.post(reverse("accounts:sign_in_code"), {"code": codes[0]})

    client.post(
        reverse("accounts:two_factor"),
        {"action": "turn_off", "code": codes[1], "password": PASSWORD},
    )

    assert not two_factor.is_on(world.citizen)
    assert not StaticToken.objects.exists() and not TOTPDevice.objects.exists()
