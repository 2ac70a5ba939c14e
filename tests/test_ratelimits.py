"""Public lookups are limited per address: tracking codes, private links, contact
confirmations and the draft check answer 429 past their rate, and only for that address."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aduan.lib.ratelimits import client_ip
from tests.personas import submit


@pytest.fixture(autouse=True)
def _low_rates(settings):
    settings.ADUAN_LOOKUP_RATE = "3/m"
    settings.ADUAN_LINK_RATE = "3/m"
    settings.ADUAN_DRAFT_CHECK_RATE = "2/m"


def test_tracking_codes_are_refused_past_the_rate_with_a_clear_page(client, db):
    url = reverse("portal:track")
    for _attempt in range(3):
        assert client.get(url, {"code": "ABCD-EFGH"}).status_code == 200
    response = client.get(url, {"code": "ABCD-EFGH"})
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert "Terlalu banyak percobaan" in response.content.decode()


def test_another_address_is_not_held_back(client, db):
    url = reverse("portal:track")
    for _attempt in range(4):
        client.get(url, {"code": "ABCD-EFGH"}, REMOTE_ADDR="10.0.0.1")
    assert client.get(url, {"code": "ABCD-EFGH"}, REMOTE_ADDR="10.0.0.1").status_code == 429
    assert client.get(url, {"code": "ABCD-EFGH"}, REMOTE_ADDR="10.0.0.2").status_code == 200


def test_guessing_private_links_is_limited_too(client, world):
    report, secret = submit(world)
    wrong = reverse("portal:secret", args=[report.tracking_code, "x" * 32])
    for _attempt in range(3):
        assert client.get(wrong).status_code in (403, 404)
    right = reverse("portal:secret", args=[report.tracking_code, secret])
    assert client.get(right).status_code == 429  # even the right one, until the minute ends


def test_tracking_lookups_on_a_shared_address_do_not_lock_a_citizen_out_of_their_link(
    client, world
):
    # Behind a mobile carrier, many phones share one address.
    report, secret = submit(world)
    for _attempt in range(4):
        client.get(reverse("portal:track"), {"code": "ABCD-EFGH"})
    assert client.get(reverse("portal:track"), {"code": "ABCD-EFGH"}).status_code == 429

    own = client.get(reverse("portal:secret", args=[report.tracking_code, secret]))

    assert own.status_code == 302


def test_the_draft_check_answers_json_past_its_rate(client, db):
    url = reverse("portal:draft_checks")
    for _attempt in range(2):
        assert client.post(url, {"title": "Jalan rusak"}).status_code == 200
    response = client.post(url, {"title": "Jalan rusak"})
    assert response.status_code == 429
    assert response.json()["error"].startswith("Terlalu banyak percobaan")


def test_behind_trusted_proxies_the_forwarded_address_counts(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5")
    assert client_ip(request) == "10.0.0.9"  # no proxy trusted: a header is just text
    settings.ADUAN_TRUSTED_PROXIES = 1
    assert client_ip(request) == "203.0.113.5"  # what our one proxy saw, not the forgery


def test_sign_in_lockouts_use_the_same_address(settings):
    assert settings.AXES_CLIENT_IP_CALLABLE == "aduan.lib.ratelimits.client_ip"
