"""The account's own page: its name, email address and password, changed by its owner,
and the privacy notice that says what happens to their data."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from aduan.accounts.models import User
from aduan.accounts.tasks import (
    send_email_change,
    send_email_changed_notice,
    send_password_changed_notice,
)
from aduan.reports.models import Report
from tests.personas import PASSWORD, advance, submit

NEW_PASSWORD = "payung-biru-di-pasar-42"
ACCOUNT_PAGES = [
    "account",
    "email_change",
    "password_change",
    "my_data",
    "delete",
    "two_factor",
]


def _link_in(message) -> str:
    url = re.search(r"https?://\S+", message.body).group(0)
    return url[url.index("/akun/") :]


@pytest.mark.parametrize("name", ACCOUNT_PAGES)
def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(world, client, name):
    for method in (client.get, client.post):
        response = method(reverse(f"accounts:{name}"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_the_account_page_shows_the_accounts_own_address_only(world, client_for):
    page = client_for(world.citizen).get(reverse("accounts:account")).content.decode()

    assert world.citizen.email in page
    assert world.outsider.email not in page
    assert reverse("accounts:delete") in page
    assert reverse("portal:privacy") in page


def test_renaming_keeps_the_former_name_masked_on_public_pages(world, client_for):
    report, _ = submit(
        world, reporter=world.citizen, body="Saya Siti Warga, jalan di depan rumah berlubang."
    )
    advance(world, report, "dispatched")
    client = client_for(world.citizen)

    response = client.post(reverse("accounts:account"), {"full_name": "Ani Lestari"})

    assert response.status_code == 302
    world.citizen.refresh_from_db()
    assert world.citizen.full_name == "Ani Lestari"
    assert world.citizen.former_names == ["Siti Warga"]
    public = Client().get(reverse("portal:report", args=[report.tracking_code]))
    assert public.status_code == 200
    assert "Siti Warga" not in public.content.decode()
    assert "Warga" not in Report.objects.get(pk=report.pk).public_body


def test_a_rejected_name_says_why_and_keeps_the_account_as_it_was(world, client_for):
    response = client_for(world.citizen).post(reverse("accounts:account"), {"full_name": " x "})

    assert response.status_code == 400
    assert "Write your name." in response.content.decode()
    world.citizen.refresh_from_db()
    assert world.citizen.full_name == "Siti Warga"


def _ask_email_change(client, capture, email, password=PASSWORD):
    with capture(execute=True):
        return client.post(
            reverse("accounts:email_change"), {"new_email": email, "password": password}
        )


def test_the_account_moves_to_a_new_address_once_the_button_of_the_link_sent_there_is_pressed(
    world, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    client = client_for(world.citizen)

    response = _ask_email_change(client, django_capture_on_commit_callbacks, "Siti.Baru@Mail.id")

    assert response.status_code == 302
    world.citizen.refresh_from_db()
    assert world.citizen.email == "warga@example.id"  # not before the link is opened
    assert send_email_change.call(world.citizen.pk, "siti.baru@mail.id") == "sent"
    [message] = mailoutbox
    assert message.to == ["siti.baru@mail.id"]

    with django_capture_on_commit_callbacks(execute=True):
        opened = Client().get(_link_in(message))
    assert opened.status_code == 200
    assert User.objects.get(pk=world.citizen.pk).email == "warga@example.id"
    with django_capture_on_commit_callbacks(execute=True):
        pressed = Client().post(_link_in(message))

    assert pressed.status_code == 302
    world.citizen.refresh_from_db()
    assert world.citizen.email == "siti.baru@mail.id"
    assert world.citizen.email_confirmed_at is not None
    assert send_email_changed_notice.call(world.citizen.pk, "warga@example.id") == "sent"
    notice = mailoutbox[-1]
    assert notice.to == ["warga@example.id"]
    assert "s***@mail.id" in notice.body
    assert "siti.baru@mail.id" not in notice.body
    # The link worked once: opened or pressed again, it says so and moves nothing.
    for again in (Client().get(_link_in(message)), Client().post(_link_in(message))):
        assert again.status_code == 302 and again["Location"] == reverse("accounts:login")
    assert User.objects.filter(email="siti.baru@mail.id").count() == 1


def test_a_wrong_password_moves_nothing_and_keeps_the_address_typed(
    world, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    client = client_for(world.citizen)

    response = _ask_email_change(
        client, django_capture_on_commit_callbacks, "siti.baru@mail.id", password="salah-sandi"
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "This is not the account&#x27;s password." in page
    assert 'value="siti.baru@mail.id"' in page
    assert mailoutbox == []


def test_asking_for_another_accounts_address_answers_as_for_a_free_one(
    world, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    # Anyone can sign up and sign in at once: this page must not tell who has an account
    # any more than the sign-up form does (aduan.accounts.signup).
    taken = _ask_email_change(
        client_for(world.citizen), django_capture_on_commit_callbacks, world.outsider.email
    )
    said_taken = _said(taken)
    other = Client()
    other.force_login(world.liaison_a)
    other.cookies["django_language"] = "en"
    free = _ask_email_change(other, django_capture_on_commit_callbacks, "bebas@mail.id")

    assert taken.status_code == free.status_code == 302
    assert taken["Location"] == free["Location"]
    said_free = [text.replace("bebas@mail.id", world.outsider.email) for text in _said(free)]
    assert said_free and said_taken == said_free


def _said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_owner_of_an_address_asked_for_hears_of_it_and_gets_no_link(world, mailoutbox):
    assert send_email_change.call(world.citizen.pk, world.outsider.email.upper()) == "taken"

    [notice] = mailoutbox
    assert notice.to == [world.outsider.email]
    assert "sudah memiliki akun, jadi tidak ada yang diubah" in notice.body
    assert reverse("accounts:login") in notice.body
    assert "/akun/email/" not in notice.body  # no link that moves an account
    assert world.citizen.email not in notice.body  # nor who asked
    world.citizen.refresh_from_db()
    assert world.citizen.email == "warga@example.id"


def test_an_address_taken_before_the_link_is_opened_is_not_given_twice(
    world, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    client = client_for(world.citizen)
    _ask_email_change(client, django_capture_on_commit_callbacks, "rebutan@mail.id")
    send_email_change.call(world.citizen.pk, "rebutan@mail.id")
    User.objects.create_user(email="rebutan@mail.id", password=PASSWORD, full_name="Orang Lain")

    opened = client.get(_link_in(mailoutbox[-1]), follow=True)
    pressed = client.post(_link_in(mailoutbox[-1]), follow=True)

    for response in (opened, pressed):
        assert "Another account has this address now" in response.content.decode()
        assert "data-confirm-link" not in response.content.decode()  # no button that cannot work
    world.citizen.refresh_from_db()
    assert world.citizen.email == "warga@example.id"


def test_a_link_made_up_or_for_an_older_address_changes_nothing(world, client, mailoutbox):
    from aduan.accounts.email_change import change_path

    stale = change_path(world.citizen, "lama@mail.id")
    User.objects.filter(pk=world.citizen.pk).update(email="sekarang@mail.id")

    for method in (client.get, client.post):
        assert method(stale).status_code == 404
        assert method(stale[:-4] + "xxx/").status_code == 404
    assert User.objects.get(pk=world.citizen.pk).email == "sekarang@mail.id"


def test_a_new_password_ends_every_other_session_and_the_owner_is_told(
    world, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    elsewhere = Client()
    elsewhere.force_login(world.citizen)
    client = client_for(world.citizen)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:password_change"),
            {
                "old_password": PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )

    assert response.status_code == 302
    assert client.get(reverse("accounts:account")).status_code == 200  # still signed in
    assert elsewhere.get(reverse("accounts:account")).status_code == 302  # signed out
    world.citizen.refresh_from_db()
    assert world.citizen.check_password(NEW_PASSWORD)
    assert send_password_changed_notice.call(world.citizen.pk) == "sent"
    assert mailoutbox[-1].to == [world.citizen.email]
    assert "/akun/sandi/lupa/" in mailoutbox[-1].body


def test_a_wrong_present_password_changes_nothing(world, client_for):
    response = client_for(world.citizen).post(
        reverse("accounts:password_change"),
        {"old_password": "salah", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 400
    assert "This is not the account&#x27;s password." in response.content.decode()
    world.citizen.refresh_from_db()
    assert world.citizen.check_password(PASSWORD)


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_privacy_notice_names_who_runs_the_service_and_where_to_write(
    db, client, settings, language
):
    settings.ADUAN_OPERATOR_NAME = "Diskominfo Provinsi Contoh"
    settings.ADUAN_PRIVACY_CONTACT = "privasi@contoh.go.id"
    client.cookies["django_language"] = language

    page = client.get(reverse("portal:privacy")).content.decode()

    assert "Diskominfo Provinsi Contoh" in page
    assert "privasi@contoh.go.id" in page
    assert ("27 Tahun 2022" if language == "id" else "Law 27 of 2022") in page


def test_emails_not_sent_yet_go_to_the_new_address(world, client_for, mailoutbox):
    from aduan.accounts.email_change import change_path
    from aduan.notifications.models import Notification

    report, _ = submit(world, reporter=world.citizen)
    advance(world, report, "in_progress")  # dispatched, then answered: two emails
    waiting = Notification.objects.filter(user=world.citizen, medium="email", state="pending")
    assert waiting.filter(address="warga@example.id").exists()
    assert waiting.count() >= 2
    sent = waiting.first()
    Notification.objects.filter(pk=sent.pk).update(state="sent")

    Client().post(change_path(world.citizen, "siti.baru@mail.id"))

    assert not waiting.filter(address="warga@example.id").exists()
    assert waiting.filter(address="siti.baru@mail.id").exists()
    assert Notification.objects.get(pk=sent.pk).address == "warga@example.id"  # history
