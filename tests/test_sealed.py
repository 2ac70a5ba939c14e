"""Webhook and uplink secrets are sealed in the database: a copy of it alone does not
sign webhook calls nor act at the uplink (`aduan.lib.sealed`)."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from aduan.lib.sealed import PREFIX, seal, unseal
from aduan.webhooks.models import Uplink, WebhookEndpoint, new_signing_secret

pytestmark = pytest.mark.django_db

KEY = "adn_kunci-rahasia-dari-nasional"


def stored(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()[0]


def make_uplink(world, secret: str) -> Uplink:
    return Uplink.objects.create(
        slug="nasional",
        name="Nasional",
        organization=world.agency,
        base_url="https://lapor.example.go.id/",
        api_key=KEY,
        webhook_secret=secret,
    )


def test_the_database_holds_no_secret_in_clear_and_the_code_reads_them(world):
    secret = new_signing_secret()
    uplink = make_uplink(world, secret)
    endpoint = WebhookEndpoint.objects.create(
        organization=world.agency, url="https://sistem.example.id/kait", description="SIMPEL"
    )

    raw_key = stored("webhooks_uplink", "api_key", uplink.pk)
    raw_secret = stored("webhooks_uplink", "webhook_secret", uplink.pk)
    raw_signing = stored("webhooks_webhookendpoint", "secret", endpoint.pk)
    assert all(value.startswith(PREFIX) for value in (raw_key, raw_secret, raw_signing))
    assert KEY not in raw_key and secret not in raw_secret
    assert endpoint.secret not in raw_signing
    again = Uplink.objects.get(pk=uplink.pk)
    assert (again.api_key, again.webhook_secret) == (KEY, secret)
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).secret == endpoint.secret


def test_sealing_twice_gives_two_ciphertexts_that_open_to_the_same_value():
    first, second = seal(KEY), seal(KEY)
    assert first != second
    assert unseal(first) == unseal(second) == KEY


def test_a_rotated_key_opens_with_the_fallback_and_reseal_drops_the_need(world, settings):
    uplink = make_uplink(world, "whsec_lama")
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "kunci-baru-" * 5, []
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY_FALLBACKS"):
        Uplink.objects.get(pk=uplink.pk)

    settings.SECRET_KEY_FALLBACKS = [old_key]
    assert Uplink.objects.get(pk=uplink.pk).api_key == KEY
    out = io.StringIO()
    call_command("reseal_secrets", stdout=out)
    assert "webhooks.Uplink: 1 row(s) sealed again" in out.getvalue()

    settings.SECRET_KEY_FALLBACKS = []
    assert Uplink.objects.get(pk=uplink.pk).webhook_secret == "whsec_lama"


def test_a_secret_stored_in_clear_is_read_as_it_is():
    assert unseal("whsec_ditulis-sebelum-disegel") == "whsec_ditulis-sebelum-disegel"


@pytest.mark.django_db(transaction=True)
def test_the_migration_seals_clear_secrets_and_going_back_opens_them(world):
    executor = MigrationExecutor(connection)
    before, after = [("webhooks", "0002_remote_files")], [("webhooks", "0003_sealed_secrets")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("webhooks", "Uplink")
    row = old.objects.create(
        slug="lama",
        name="Lama",
        organization_id=world.agency.pk,
        base_url="https://lapor.example.go.id/",
        api_key=KEY,
        webhook_secret="whsec_lama",
    )
    assert stored("webhooks_uplink", "api_key", row.pk) == KEY

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    assert stored("webhooks_uplink", "api_key", row.pk).startswith(PREFIX)
    assert Uplink.objects.get(pk=row.pk).api_key == KEY

    executor = MigrationExecutor(connection)
    executor.migrate(before)
    assert stored("webhooks_uplink", "api_key", row.pk) == KEY
    assert stored("webhooks_uplink", "webhook_secret", row.pk) == "whsec_lama"
    MigrationExecutor(connection).migrate(executor.loader.graph.leaf_nodes())
