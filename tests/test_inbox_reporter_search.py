"""Officers answering "how is my report?" calls find the report by the caller's name,
phone number or email; an anonymous reporter's report is never found by its reporter."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from aduan.accounts.models import User
from tests.personas import PASSWORD, submit


def _found(client, q: str) -> set[str]:
    html = client.get(reverse("workspace:inbox"), {"tab": "all", "q": q}).content.decode()
    return set(re.findall(r'<tr data-code="([A-Z0-9-]+)"', html))


@pytest.fixture
def reports(world):
    guest = submit(
        world,
        title="Lampu padam",
        guest_name="Sugiarto Wibowo",
        guest_email="sugiarto@example.id",
        guest_phone="+6281261049520",
    )[0]
    account = submit(world, reporter=world.citizen, title="Sampah menumpuk")[0]
    hidden_user = User.objects.create_user(
        email="rahasia@example.id",
        password=PASSWORD,
        full_name="Ratna Rahasia",
        phone="+6285700001111",
    )
    anonymous_account = submit(world, reporter=hidden_user, is_anonymous=True, title="Pungli")[0]
    anonymous_guest = submit(
        world,
        is_anonymous=True,
        title="Pungli lagi",
        guest_name="Joko Tersembunyi",
        guest_email="joko@example.id",
        guest_phone="+6281299998888",
    )[0]
    return guest, account, anonymous_account, anonymous_guest


def test_staff_find_a_report_by_the_reporters_name_phone_or_email(world, reports, client_for):
    guest, account, _anonymous, _anonymous_guest = reports
    client = client_for(world.national_admin)
    assert _found(client, "sugiarto") == {guest.tracking_code}
    assert _found(client, "0812-6104-9520") == {guest.tracking_code}
    assert _found(client, "+6281261049520") == {guest.tracking_code}
    assert _found(client, "SUGIARTO@example.id") == {guest.tracking_code}
    assert _found(client, "Siti Warga") == {account.tracking_code}
    assert _found(client, "081234567890") == {account.tracking_code}
    assert _found(client, "warga@example.id") == {account.tracking_code}


def test_an_anonymous_reporter_is_never_found_by_name_phone_or_email(world, reports, client_for):
    client = client_for(world.national_admin)
    for q in (
        "Ratna Rahasia",
        "085700001111",
        "rahasia@example.id",
        "Joko Tersembunyi",
        "081299998888",
        "joko@example.id",
    ):
        assert _found(client, q) == set(), q


def test_reporter_search_stays_within_what_the_officer_may_see(world, reports, client_for):
    assert _found(client_for(world.other_admin), "Sugiarto") == set()
