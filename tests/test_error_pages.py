"""What a person sees when a request goes wrong: pages in their language, with the
reason where there is one, never the server's bare English."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views import defaults

PAGED_LISTS = [
    ("portal:feed", None),
    ("portal:stories", None),
    ("portal:my_reports", "citizen"),
    ("notifications:list", "citizen"),
    ("workspace:inbox", "agency_admin"),
    ("workspace:overdue", "agency_admin"),
    ("workspace:deliveries", "agency_admin"),
]


def test_an_unknown_address_gets_a_page_in_indonesian_with_a_way_on(db):
    response = Client().get("/tidak-ada-di-sini/")

    assert response.status_code == 404
    page = response.content.decode()
    assert "Halaman tidak ditemukan" in page
    assert reverse("portal:track") in page


def test_an_unknown_address_is_in_english_for_who_chose_english(db):
    client = Client()
    client.cookies["django_language"] = "en"

    assert "Page not found" in client.get("/tidak-ada-di-sini/").content.decode()


def test_a_refusal_says_why_in_the_readers_language(client, world):
    client.force_login(world.citizen)

    response = client.get(reverse("workspace:overdue"))

    assert response.status_code == 403
    page = response.content.decode()
    assert "Tidak diizinkan" in page
    with translation.override("id"):
        reason = translation.gettext("The back office is for officers of connected agencies.")
    assert reason in page and "ruang kerja" in reason.lower()


def test_a_form_whose_token_expired_gets_a_page_that_says_what_to_do(world):
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("portal:submit"), {"title": "Lampu jalan mati"})

    assert response.status_code == 403
    page = response.content.decode()
    assert "Formulir sudah kedaluwarsa" in page
    assert "CSRF" not in page


def test_a_request_that_cannot_be_read_gets_a_page_in_indonesian(world, client):
    boundary = "batas"
    name = "a" * 1200 + ".jpg"  # a part's headers longer than a request may carry
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="attachments"; '
        f'filename="{name}"\r\nContent-Type: image/jpeg\r\n\r\nx\r\n--{boundary}--\r\n'
    )

    response = client.generic(
        "POST",
        reverse("portal:submit"),
        body.encode(),
        content_type=f"multipart/form-data; boundary={boundary}",
    )

    assert response.status_code == 400
    assert "Permintaan tidak dapat dibaca" in response.content.decode()


def test_a_server_error_page_needs_no_database_and_speaks_the_readers_language(db):
    request = RequestFactory().get("/")
    with translation.override("id"):
        response = defaults.server_error(request)

    assert response.status_code == 500
    assert "Terjadi kesalahan" in response.content.decode()


@pytest.mark.parametrize("name, persona", PAGED_LISTS)
def test_a_page_number_far_past_the_end_shows_an_empty_page(client, world, name, persona):
    if persona:
        client.force_login(getattr(world, persona))

    response = client.get(reverse(name), {"page": "99999999999999999999"})

    assert response.status_code == 200


def test_the_favicon_address_browsers_ask_for_leads_to_the_icon(client, db):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"].endswith(".svg")
