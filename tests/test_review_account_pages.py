"""Review of the account pages as people meet them (a phone, a keyboard, a screen
reader, both languages): the defects found, each pinned by a test."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET

from django.urls import reverse

from tests.personas import PASSWORD


def _qr(client) -> ET.Element:
    page = client.get(reverse("accounts:two_factor")).content.decode()
    start = page.index("<svg")
    return ET.fromstring(page[start : page.index("</svg>", start) + len("</svg>")])


def test_the_qr_code_scales_to_the_width_the_page_gives_it_instead_of_being_cropped(world, client):
    # aduan.css draws it 12rem wide: an SVG with a fixed width and height and no
    # viewBox was cut at its right and bottom edges (finder patterns included) on
    # every screen, and the phone's camera could not read it.
    client.force_login(world.citizen)
    svg = _qr(client)
    assert svg.get("viewBox")
    assert svg.get("width") is None and svg.get("height") is None


def test_the_qr_code_keeps_the_quiet_zone_scanners_expect(world, client):
    client.force_login(world.citizen)
    svg = _qr(client)
    size = float(svg.get("viewBox").split()[2])
    path = next(node for node in svg.iter() if node.tag.rpartition("}")[2] == "path")
    scale = float(path.get("transform").removeprefix("scale(").removesuffix(")"))
    first_move = path.get("d").removeprefix("M").split("h")[0].split()[0]
    assert float(first_move) >= 4  # modules of white before the first dark one
    assert size / scale >= 21 + 8  # the smallest code and a border of four on each side


def test_a_new_password_refused_as_too_common_is_said_on_the_new_password_field(world, client):
    client.force_login(world.citizen)
    page = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "12345678"},
    )
    assert page.status_code == 400
    form = page.context["form"]
    assert form.errors["new_password1"]  # where it was typed, and where the focus goes
    assert "new_password2" not in form.errors


def test_two_new_passwords_that_differ_are_said_once_on_the_repeated_field(world, client):
    client.force_login(world.citizen)
    page = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "12345678", "new_password2": "87654321"},
    )
    form = page.context["form"]
    assert list(form.errors) == ["new_password2"]


def test_a_citizen_setting_up_on_the_phone_itself_can_open_the_key_in_the_app(world, client):
    # A phone cannot scan the QR code on its own screen; the key typed by hand is
    # 32 letters and digits. The code's own otpauth:// link opens the authenticator app.
    from aduan.accounts.models import AppDevice as TOTPDevice

    client.force_login(world.citizen)
    page = client.get(reverse("accounts:two_factor")).content.decode()
    device = TOTPDevice.objects.get(user=world.citizen, confirmed=False)
    links = [html.unescape(href) for href in re.findall(r'href="(otpauth://[^"]+)"', page)]
    assert links == [device.config_url]


def test_the_page_before_erasing_a_guest_reporter_leads_back_to_the_reports(world, client):
    from aduan.accounts.models import User
    from tests.personas import submit

    report, _secret = submit(world, body="Lampu jalan di depan SD Negeri 3 padam.")
    operator = User.objects.create_superuser("ops@example.id", PASSWORD, full_name="Operator")
    client.force_login(operator)
    page = client.post(
        reverse("admin:reports_report_changelist"),
        {"action": "erase_guest_reporters", "_selected_action": [report.pk]},
    ).content.decode()

    breadcrumbs = page[page.index('<div class="breadcrumbs">') :].split("</div>")[0]
    assert f'href="{reverse("admin:reports_report_changelist")}"' in breadcrumbs
    # Django's style for a page before deleting: "Yes" stands apart from "No, go back".
    assert "delete-confirmation" in page[page.index("<body") :].split(">")[0]
