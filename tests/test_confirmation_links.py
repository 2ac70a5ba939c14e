"""Links sent by email and text message act only when the button on their page is
pressed: mail scanners and messaging apps' link previews open every link before its
reader does, and their visit must change nothing."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from aduan.accounts.confirmation import confirmation_path
from aduan.accounts.email_change import change_path
from aduan.accounts.models import User
from aduan.notifications.models import Notification
from aduan.notifications.outbox import confirmation_link
from aduan.reports.models import Report
from tests.personas import _user, submit

NEW_ADDRESS = "siti.baru@mail.id"


def _newcomer():
    """Someone who signed up and has not confirmed the address yet."""
    return _user("baru@kab-contoh.example.id", "Petugas Baru", email_confirmed_at=None)


def _state(world, link: str):
    """What the link would change, read from the database."""
    if link == "sign_up":
        return User.objects.filter(email="baru@kab-contoh.example.id").values_list(
            "email_confirmed_at", flat=True
        )[0]
    if link == "email_change":
        return User.objects.filter(pk=world.citizen.pk).values_list("email", "email_confirmed_at")[
            0
        ]
    return Report.objects.filter(guest_email="budi@example.id").values_list(
        "guest_contact_verified_at", "guest_phone_used_at"
    )[0]


def _path(world, link: str) -> str:
    if link == "sign_up":
        return confirmation_path(_newcomer())
    if link == "email_change":
        return change_path(world.citizen, NEW_ADDRESS)
    report, _secret = submit(world)
    return confirmation_link(report).removeprefix("http://testserver")


LINKS = ["sign_up", "email_change", "guest_contact"]


@pytest.mark.parametrize("link", LINKS)
def test_opening_a_link_shows_one_button_and_changes_nothing(
    world, link, django_capture_on_commit_callbacks
):
    path = _path(world, link)
    before = _state(world, link)
    scanner = Client()

    with django_capture_on_commit_callbacks() as callbacks:
        opened = scanner.get(path)
        assert scanner.head(path).status_code == 200

    assert opened.status_code == 200
    assert "no-store" in opened["Cache-Control"]  # the link's page, kept by no cache
    page = opened.content.decode()
    form = page.split("data-confirm-link>")[1].split("</form>")[0]
    assert form.count("<button") == 1
    assert "csrfmiddlewaretoken" in form
    assert "Membuka tautan saja tidak mengubah apa pun" in page  # Indonesian first
    assert _state(world, link) == before
    assert callbacks == []  # nothing queued either (the former address's notice)


@pytest.mark.parametrize("link", LINKS)
def test_the_button_acts_and_needs_the_token_of_its_page(world, link):
    path = _path(world, link)
    before = _state(world, link)
    browser = Client(enforce_csrf_checks=True)

    assert browser.post(path).status_code == 403  # sent from elsewhere, or by a script
    assert _state(world, link) == before
    page = browser.get(path).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    pressed = browser.post(path, {"csrfmiddlewaretoken": token})

    assert pressed.status_code == 302
    assert _state(world, link) != before


def test_a_scanner_that_opens_a_guests_link_does_not_become_the_reporter(world):
    report, _secret = submit(world)
    path = confirmation_link(report)
    report_page = reverse("portal:report", args=[report.tracking_code])
    scanner, guest = Client(), Client()

    scanner.get(path)
    guest.post(path)

    # Waiting for verification, the report is not public: only its reporter opens it.
    assert scanner.get(report_page).status_code == 404
    assert guest.get(report_page).status_code == 200


def test_a_guests_number_is_confirmed_only_by_the_button(world):
    report, _secret = submit(world, guest_email="", guest_phone="+6281233334444")
    path = confirmation_link(report)

    page = Client().get(path).content.decode()

    assert "nomor telepon" in page and "alamat email" not in page
    report.refresh_from_db()
    assert report.guest_contact_verified_at is None and report.guest_phone_used_at is None
    assert Client().post(path).status_code == 302
    report.refresh_from_db()
    assert report.guest_contact_verified_at is not None
    assert report.guest_phone_used_at == report.guest_contact_verified_at


def test_a_link_already_used_says_so_without_a_button_to_confirm_again(world):
    newcomer = _newcomer()
    path = confirmation_path(newcomer)
    Client().post(path)

    page = Client().get(path).content.decode()

    assert "data-confirmed" in page and "data-confirm-link" not in page
    assert "sudah dikonfirmasi" in page


def test_a_guest_whose_address_is_confirmed_may_still_open_the_report_with_the_button(world):
    report, _secret = submit(world)
    path = confirmation_link(report)
    Client().post(path)
    other_device = Client()

    page = other_device.get(path).content.decode()
    pressed = other_device.post(path)

    assert "Buka laporan" in page
    assert pressed["Location"] == reverse("portal:report", args=[report.tracking_code])
    assert other_device.get(pressed["Location"]).status_code == 200


def test_opening_an_email_change_link_moves_no_waiting_message(world, client_for):
    from tests.personas import advance

    report, _secret = submit(world, reporter=world.citizen)
    advance(world, report, "dispatched")
    waiting = Notification.objects.filter(user=world.citizen, medium="email", state="pending")
    addresses = sorted(waiting.values_list("address", flat=True))
    assert addresses

    Client().get(change_path(world.citizen, NEW_ADDRESS))

    assert sorted(waiting.values_list("address", flat=True)) == addresses


@pytest.mark.parametrize("link", LINKS)
def test_a_link_made_up_is_refused_on_its_page_and_by_its_button(world, link):
    path = _path(world, link)
    before = _state(world, link)
    made_up = path[:-4] + "xyz/"

    assert Client().get(made_up).status_code == 404
    assert Client().post(made_up).status_code == 404
    assert _state(world, link) == before


@pytest.mark.parametrize("link", LINKS)
def test_pressing_the_button_counts_towards_the_rate_limit(world, link, settings):
    settings.ADUAN_LOOKUP_RATE = "2/m"
    settings.ADUAN_LINK_RATE = "2/m"
    path = _path(world, link)
    before = _state(world, link)
    browser = Client()
    for _attempt in range(2):
        assert browser.get(path).status_code == 200

    refused = browser.post(path)

    assert refused.status_code == 429
    assert _state(world, link) == before


def test_the_button_pressed_twice_says_the_second_time_too_that_the_account_moved(world):
    """A double click: the browser shows the second answer, which must not be "page not
    found" for a change that worked."""
    path = change_path(world.citizen, NEW_ADDRESS)
    browser = Client()
    browser.force_login(world.citizen)

    first = browser.post(path)
    second = browser.post(path)

    assert first.status_code == second.status_code == 302
    assert second["Location"] == reverse("accounts:account")
    assert User.objects.get(pk=world.citizen.pk).email == NEW_ADDRESS
    page = browser.get(second["Location"]).content.decode()
    assert NEW_ADDRESS in page and "Akun Anda sekarang memakai" in page


def test_an_email_change_link_opened_again_after_it_worked_says_so_and_changes_nothing(
    world, django_capture_on_commit_callbacks
):
    path = change_path(world.citizen, NEW_ADDRESS)
    Client().post(path)
    moved = User.objects.filter(pk=world.citizen.pk).values_list("email", "email_confirmed_at")[0]

    with django_capture_on_commit_callbacks() as callbacks:
        opened = Client().get(path)

    assert opened.status_code == 302 and opened["Location"] == reverse("accounts:login")
    assert callbacks == []  # no second notice to the former address
    assert (
        User.objects.filter(pk=world.citizen.pk).values_list("email", "email_confirmed_at")[0]
        == moved
    )


def test_a_link_to_an_address_the_account_moved_on_from_is_still_refused(world):
    path = change_path(world.citizen, NEW_ADDRESS)
    Client().post(path)
    User.objects.filter(pk=world.citizen.pk).update(email="siti.lagi@mail.id")

    for method in ("get", "post"):
        assert getattr(Client(), method)(path).status_code == 404
