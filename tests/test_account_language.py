"""An account remembers its language: set at sign-up, changed by the language switch or
the notification settings, brought back at sign-in, and used for every email and
notification the account receives (citizens and officers alike)."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from aduan.accounts.models import User
from aduan.accounts.tasks import send_email_confirmation
from aduan.notifications.models import Kind, Medium, Notification
from aduan.reports import lifecycle
from tests.personas import PASSWORD, as_user, submit
from tests.test_messages import run_announcements

SWITCH = "/i18n/setlang/"
PREFERENCES = "/notifikasi/pengaturan/"


def _set_language(user, language: str) -> None:
    User.objects.filter(pk=user.pk).update(language=language)
    user.refresh_from_db()


def test_an_account_made_in_english_gets_its_emails_in_english(
    db, client, mailoutbox, django_capture_on_commit_callbacks
):
    client.cookies["django_language"] = "en"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("accounts:signup"),
            {
                "full_name": "John Expat",
                "email": "john.expat@example.com",
                "password1": "sapu-lidi-merah-77",
                "password2": "sapu-lidi-merah-77",
            },
        )
    user = User.objects.get(email="john.expat@example.com")
    send_email_confirmation.call(user.pk)

    assert user.language == "en"
    assert mailoutbox[0].subject == "Confirm your email address for Aduan"


def test_an_account_made_in_indonesian_stays_indonesian(db, client):
    client.post(
        reverse("accounts:signup"),
        {
            "full_name": "Dewi Lestari",
            "email": "dewi@example.id",
            "password1": "sapu-lidi-merah-77",
            "password2": "sapu-lidi-merah-77",
        },
    )

    assert User.objects.get(email="dewi@example.id").language == "id"


def test_the_switch_keeps_a_signed_in_users_choice_on_the_account(world, client):
    client.force_login(world.citizen)

    response = client.post(SWITCH, {"language": "en", "next": "/lapor/"})

    assert response.status_code == 302
    assert response.cookies["django_language"].value == "en"
    world.citizen.refresh_from_db()
    assert world.citizen.language == "en"
    client.post(SWITCH, {"language": "id", "next": "/"})
    world.citizen.refresh_from_db()
    assert world.citizen.language == "id"


def test_the_switch_ignores_a_language_the_site_does_not_offer(world, client):
    client.force_login(world.citizen)

    client.post(SWITCH, {"language": "fr", "next": "/"})

    world.citizen.refresh_from_db()
    assert world.citizen.language == "id"


def test_a_visitor_who_is_not_signed_in_switches_only_the_page(world, client):
    response = client.post(SWITCH, {"language": "en", "next": "/"})

    assert response.cookies["django_language"].value == "en"
    assert not User.objects.filter(language="en").exists()


def test_signing_in_brings_back_the_accounts_language(world):
    _set_language(world.liaison_a, "en")
    client = Client()  # a new browser: Indonesian until told otherwise

    response = client.post(
        reverse("accounts:login"), {"username": world.liaison_a.email, "password": PASSWORD}
    )

    assert response.cookies["django_language"].value == "en"
    assert '<html lang="en">' in client.get(reverse("workspace:inbox")).content.decode()


def test_the_notification_settings_change_the_language(world, client):
    client.force_login(world.citizen)
    page = client.get(PREFERENCES)
    assert page.context["form"]["language"].value() == "id"

    response = client.post(PREFERENCES, {"notify_by_email": "on", "language": "en"})

    assert response.status_code == 302
    assert response.cookies["django_language"].value == "en"
    world.citizen.refresh_from_db()
    assert world.citizen.language == "en"
    assert world.citizen.notify_by_email is True


def test_a_language_the_site_does_not_offer_is_refused_in_the_settings(world, client):
    client.force_login(world.citizen)

    response = client.post(PREFERENCES, {"notify_by_email": "on", "language": "fr"})

    assert response.status_code == 400
    world.citizen.refresh_from_db()
    assert world.citizen.language == "id"


def test_nobody_signed_out_can_change_an_accounts_language(world, client):
    response = client.post(PREFERENCES, {"language": "en"})

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
    assert not User.objects.filter(language="en").exists()


def test_a_reporters_messages_are_in_the_accounts_language(world):
    _set_language(world.citizen, "en")

    submit(world, reporter=world.citizen)
    assert run_announcements() == ["SUCCESSFUL"]

    in_app = Notification.objects.get(user=world.citizen, medium=Medium.IN_APP)
    assert in_app.kind == Kind.RECEIVED and in_app.language == "en"
    assert in_app.subject.startswith("Your report has been received")
    email = Notification.objects.get(user=world.citizen, medium=Medium.EMAIL)
    assert email.subject == in_app.subject


@pytest.mark.parametrize("language, words", [("en", "has arrived"), ("id", "Laporan")])
def test_an_officers_messages_are_in_the_officers_language(world, language, words):
    _set_language(world.liaison_a, language)
    report, _secret = submit(world)
    with transaction.atomic():
        lifecycle.dispatch(report, as_user(world.national_admin), world.agency)
        lifecycle.dispatch(report, as_user(world.agency_admin), world.unit_a)

    message = Notification.objects.get(
        user=world.liaison_a, medium=Medium.IN_APP, kind=Kind.NEW_IN_INBOX
    )
    assert message.language == language
    assert words in message.subject
