"""Back-office pages where admins create, rotate and revoke their organizations' API keys."""

from __future__ import annotations

import re

import pytest

from aduan.api.models import ApiKey, Scope, hash_key

LIST_URL = "/kantor/kunci-api/"
CREATE_URL = "/kantor/kunci-api/baru/"


def key_for(org, name="SIPADU") -> tuple[ApiKey, str]:
    return ApiKey.issue(organization=org, name=name, scopes=[Scope.REPORTS_READ])


def shown_secret(response) -> str:
    match = re.search(r"<code[^>]*data-secret>([^<]+)</code>", response.content.decode())
    assert match, "the page shows the new key"
    return match.group(1)


def api_status(client, secret: str) -> int:
    return client.get("/api/v1/reports/", headers={"Authorization": f"Bearer {secret}"}).status_code


def test_agency_admin_creates_a_key_and_sees_it_once(client, world):
    client.force_login(world.agency_admin)
    response = client.post(
        CREATE_URL,
        {"organization": world.unit_a.pk, "name": "SIPADU DPU", "scopes": [Scope.REPORTS_READ]},
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secret = shown_secret(response)
    key = ApiKey.objects.get()
    assert key.organization == world.unit_a
    assert key.created_by == world.agency_admin
    assert key.secret_hash == hash_key(secret)
    assert secret.startswith(key.prefix)
    assert secret not in str(ApiKey.objects.values())
    client.logout()
    assert api_status(client, secret) == 200
    # The list shows the prefix, never the secret again.
    client.force_login(world.agency_admin)
    listing = client.get(LIST_URL).content.decode()
    assert key.prefix in listing
    assert secret not in listing


def test_key_with_an_expiry_day_stops_working_after_it(client, world):
    client.force_login(world.agency_admin)
    client.post(
        CREATE_URL,
        {
            "organization": world.agency.pk,
            "name": "Aplikasi",
            "scopes": [Scope.META_READ],
            "expires_on": "2999-12-31",
        },
    )
    key = ApiKey.objects.get()
    assert key.expires_at.year == 2999
    assert not key.is_expired


def test_agency_admin_cannot_create_a_key_for_another_agency(client, world):
    client.force_login(world.agency_admin)
    response = client.post(
        CREATE_URL,
        {"organization": world.other_agency.pk, "name": "Bukan milik", "scopes": ["meta:read"]},
    )
    assert response.status_code == 400
    assert not ApiKey.objects.exists()


def test_rotating_a_key_gives_a_new_secret_and_revokes_the_old(client, world):
    old, old_secret = key_for(world.agency)
    assert api_status(client, old_secret) == 200  # this process now remembers the key
    client.force_login(world.agency_admin)
    response = client.post(f"/kantor/kunci-api/{old.pk}/putar/")
    new_secret = shown_secret(response)
    old.refresh_from_db()
    assert old.revoked_at is not None
    new = ApiKey.objects.get(secret_hash=hash_key(new_secret))
    assert old.replaced_by == new
    assert (new.organization, new.name, new.scopes) == (old.organization, old.name, old.scopes)
    client.logout()
    assert api_status(client, old_secret) == 401
    assert api_status(client, new_secret) == 200


def test_revoked_key_cannot_be_rotated(client, world):
    old, _secret = key_for(world.agency)
    client.force_login(world.agency_admin)
    client.post(f"/kantor/kunci-api/{old.pk}/cabut/")
    client.post(f"/kantor/kunci-api/{old.pk}/putar/")
    assert ApiKey.objects.count() == 1


def test_revoking_a_key_refuses_it_at_once(client, world):
    key, secret = key_for(world.agency)
    assert api_status(client, secret) == 200  # this process now remembers the key
    client.force_login(world.agency_admin)
    response = client.post(f"/kantor/kunci-api/{key.pk}/cabut/")
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.is_revoked
    client.logout()
    assert api_status(client, secret) == 401


def test_agency_admin_lists_only_keys_of_their_organizations(client, world):
    mine, _secret = key_for(world.unit_a, name="Kunci DPU")
    theirs, _secret = key_for(world.other_agency, name="Kunci Kota Lain")
    client.force_login(world.agency_admin)
    page = client.get(LIST_URL).content.decode()
    assert "Kunci DPU" in page
    assert "Kunci Kota Lain" not in page


def test_national_admin_manages_keys_of_every_organization(client, world):
    key, _secret = key_for(world.other_agency, name="Kunci Kota Lain")
    client.force_login(world.national_admin)
    assert "Kunci Kota Lain" in client.get(LIST_URL).content.decode()
    client.post(f"/kantor/kunci-api/{key.pk}/cabut/")
    key.refresh_from_db()
    assert key.is_revoked


def test_admin_of_another_agency_cannot_rotate_or_revoke_our_key(client, world):
    key, _secret = key_for(world.agency)
    client.force_login(world.other_admin)
    assert client.post(f"/kantor/kunci-api/{key.pk}/putar/").status_code == 404
    assert client.post(f"/kantor/kunci-api/{key.pk}/cabut/").status_code == 404
    key.refresh_from_db()
    assert not key.is_revoked
    assert ApiKey.objects.count() == 1


@pytest.mark.parametrize("persona", ["outsider", "liaison_a", "supervisor", "citizen", "auditor"])
def test_non_admins_are_refused_every_key_page(client, world, persona):
    key, _secret = key_for(world.agency)
    client.force_login(getattr(world, persona))
    assert client.get(LIST_URL).status_code == 403
    assert client.post(CREATE_URL, {"name": "x"}).status_code == 403
    assert client.post(f"/kantor/kunci-api/{key.pk}/putar/").status_code == 403
    assert client.post(f"/kantor/kunci-api/{key.pk}/cabut/").status_code == 403
    assert ApiKey.objects.count() == 1


def test_visitors_who_are_not_signed_in_are_sent_to_sign_in(client, world):
    response = client.get(LIST_URL)
    assert response.status_code == 302
    assert "/akun/" in response["Location"]


def test_admin_navigation_links_to_the_key_page(client, world):
    client.force_login(world.agency_admin)
    assert LIST_URL in client.get("/kantor/").content.decode()
    client.force_login(world.liaison_a)
    assert LIST_URL not in client.get("/kantor/").content.decode()
