"""The installation names itself by SITE_NAME wherever citizens see it: pages (the error
page too), account emails, text messages, the WhatsApp greeting, the feed and Open311."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views import defaults

from aduan.accounts import phone
from aduan.accounts.tasks import send_password_reset
from aduan.lib.sealed import unseal
from aduan.notifications.models import Notification
from tests import test_inbound_whatsapp as whatsapp

NAME = "LaporBup Banyumas"


@pytest.fixture
def named(settings):
    settings.SITE_NAME = NAME


def test_pages_carry_the_installations_name_in_title_header_and_footer(db, named):
    page = Client().get(reverse("portal:home")).content.decode()

    assert f"· {NAME}</title>" in page
    assert f'<a class="brand" href="{reverse("portal:home")}">{NAME}</a>' in page
    assert f"{NAME} — pengaduan pelayanan publik, ditangani secara terbuka." in page
    assert "Aduan" not in page


def test_an_installation_that_sets_no_name_is_called_aduan(db):
    page = Client().get(reverse("portal:home")).content.decode()

    assert "· Aduan</title>" in page
    assert "Aduan — pengaduan pelayanan publik" in page


def test_the_server_error_page_names_the_installation_without_any_context(db, settings):
    settings.SITE_NAME = "Lapor & Tanya <Kab>"
    request = RequestFactory().get("/")
    with translation.override("id"):
        page = defaults.server_error(request).content.decode()

    assert "· Lapor &amp; Tanya &lt;Kab&gt;</title>" in page
    assert "tim pengelola Lapor &amp; Tanya &lt;Kab&gt;." in page
    assert "Aduan" not in page and "<Kab>" not in page


def test_account_emails_name_the_installation_in_subject_and_text(world, mailoutbox, settings):
    settings.SITE_NAME = "Lapor & Tanya"

    assert send_password_reset.call(world.citizen.pk) == "sent"

    [message] = mailoutbox
    assert message.subject == "Buat kata sandi baru untuk Lapor & Tanya"  # text, not HTML
    assert "bagi akun Lapor & Tanya dengan alamat ini" in message.body
    assert "Aduan" not in message.subject + message.body


def test_the_phone_code_names_the_installation(world, named, settings):
    settings.ADUAN_SMS_GATEWAY_URL = "https://sms.example.id/send"

    phone.send_code(world.citizen)

    [row] = Notification.objects.filter(address=world.citizen.phone)
    assert unseal(row.body).startswith(f"Kode {NAME} Anda: ")


def test_the_whatsapp_greeting_names_the_installation(client, db, named, settings):
    settings.ADUAN_WHATSAPP_APP_SECRET = whatsapp.SECRET
    settings.ADUAN_WHATSAPP_PHONE_NUMBER_ID = "1234567890"
    settings.ADUAN_WHATSAPP_TOKEN = "graph-token"

    whatsapp.say(client, whatsapp.text("wamid.1", "halo"))

    [greeting] = whatsapp.answers()
    assert greeting.short.startswith(f"Selamat datang di {NAME}, layanan pengaduan")


def test_the_public_feed_and_open311_discovery_name_the_installation(client, world, named):
    feed = client.get(reverse("portal:atom")).content.decode()
    discovery = client.get(reverse("open311:discovery", args=["json"])).json()

    assert f"<title>Laporan publik · {NAME}</title>" in feed
    assert discovery["contact"].startswith(f"Petugas pengaduan {NAME}, ")
