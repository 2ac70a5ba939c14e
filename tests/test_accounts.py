"""Signing up and signing in, and the lock against password guessing."""

import re

import pytest
from django import forms
from django.test import Client
from django.urls import reverse
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult

from aduan.accounts.models import User
from aduan.lib.phones import PhoneField
from tests.personas import PASSWORD


def _sign_in(client, email, password):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def test_a_citizen_signs_up_is_asked_to_check_their_email_and_can_sign_in(db, client):
    response = client.post(
        reverse("accounts:signup"),
        {
            "full_name": "Dewi Lestari",
            "email": "Dewi@Example.id",
            "phone": "0812 3456 7890",
            "password1": "sapu-lidi-merah-77",
            "password2": "sapu-lidi-merah-77",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:signup_sent")
    user = User.objects.get(email="dewi@example.id")
    assert user.phone == "+6281234567890"
    assert user.email_confirmed_at is None
    assert "_auth_user_id" not in client.session  # not signed in: the answer is the same
    assert _sign_in(client, "dewi@example.id", "sapu-lidi-merah-77").status_code == 302
    assert client.get(reverse("portal:my_reports")).status_code == 200


def test_the_link_sent_at_sign_up_confirms_the_address_and_nothing_else_does(
    db, client, mailoutbox, django_capture_on_commit_callbacks
):
    from aduan.accounts.tasks import send_email_confirmation

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("accounts:signup"),
            {
                "full_name": "Dewi Lestari",
                "email": "dewi@example.id",
                "password1": "sapu-lidi-merah-77",
                "password2": "sapu-lidi-merah-77",
            },
        )
    user = User.objects.get(email="dewi@example.id")
    assert send_email_confirmation.call(user.pk) == "sent"  # what the worker runs
    [message] = mailoutbox
    assert message.to == ["dewi@example.id"]
    path = message.body.split("http://")[-1].split()[0]
    path = path[path.index("/") :]

    for method in (client.get, client.post):
        assert method(path[:-3] + "xx/").status_code == 404
    User.objects.filter(pk=user.pk).update(email="lain@example.id")
    for method in (client.get, client.post):
        assert method(path).status_code == 404  # sent to the old address
    User.objects.filter(pk=user.pk).update(email="dewi@example.id")
    assert client.get(path).status_code == 200  # the page with its button
    assert User.objects.get(pk=user.pk).email_confirmed_at is None
    assert client.post(path).status_code == 302
    user.refresh_from_db()
    assert user.email_confirmed_at is not None


def test_a_rejected_sign_up_keeps_what_was_typed(world, client):
    client.cookies["django_language"] = "en"
    response = client.post(
        reverse("accounts:signup"),
        {
            "full_name": "Siti Kedua",
            "email": "siti.kedua@example.id",
            "phone": "12",
            "password1": "sapu-lidi-merah-77",
            "password2": "lain-sekali",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="Siti Kedua"' in html
    assert "two passwords differ" in html
    assert "Indonesian phone number" in html


def test_a_citizen_signs_in_with_email_and_password(world, client):
    response = _sign_in(client, world.citizen.email, PASSWORD)
    assert response.status_code == 302
    assert client.get(reverse("portal:my_reports")).status_code == 200


def test_a_citizen_lands_on_the_home_page_and_an_officer_in_the_back_office(world, client):
    assert _sign_in(client, world.citizen.email, PASSWORD)["Location"] == reverse("portal:home")
    client.logout()
    for officer in (world.liaison_a, world.supervisor, world.national_admin):
        landed = _sign_in(client, officer.email, PASSWORD)
        assert landed["Location"] == reverse("workspace:inbox"), officer
        client.logout()
    asked = client.post(
        reverse("accounts:login") + "?next=/laporan/",
        {"username": world.liaison_a.email, "password": PASSWORD},
    )
    assert asked["Location"] == "/laporan/"  # where they asked to go comes first


def test_an_operator_without_a_role_lands_in_the_django_admin_and_finds_it_in_the_menu(
    world, client
):
    operator = User.objects.create_superuser(
        email="operator@example.id", password=PASSWORD, full_name="Operator"
    )

    landed = _sign_in(client, operator.email, PASSWORD)

    assert landed["Location"] == reverse("admin:index")
    assert client.get(landed["Location"]).status_code == 200
    menu = client.get(reverse("portal:home")).content.decode()
    assert f'href="{reverse("admin:index")}"' in menu
    assert reverse("workspace:inbox") not in menu  # no role: the back office would refuse
    client.logout()
    citizens = _sign_in(client, world.citizen.email, PASSWORD)
    assert citizens["Location"] == reverse("portal:home")
    assert reverse("admin:index") not in client.get(reverse("portal:home")).content.decode()


def test_the_back_office_is_the_first_link_of_an_officers_menu(world, client_for):
    menu = client_for(world.liaison_a).get(reverse("portal:home")).content.decode()
    nav = menu[menu.index('<ul class="nav">') :]
    assert nav.index(reverse("workspace:inbox")) < nav.index(reverse("portal:submit"))
    citizens = client_for(world.citizen).get(reverse("portal:home")).content.decode()
    assert reverse("workspace:inbox") not in citizens


def test_too_many_wrong_passwords_lock_that_account_from_that_address(world, client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _attempt in range(3):
        assert _sign_in(client, world.citizen.email, "salah").status_code in (200, 429)
    locked = _sign_in(client, world.citizen.email, PASSWORD)
    assert locked.status_code == 429
    assert "Terlalu banyak percobaan" in locked.content.decode()
    # Another account from the same address is not locked out by someone else's guesses.
    assert _sign_in(client, world.outsider.email, PASSWORD).status_code == 302


def test_phone_numbers_are_cleaned_to_one_form_and_nonsense_is_refused():
    field = PhoneField(required=False)
    assert field.clean("0812-3456-7890") == "+6281234567890"
    assert field.clean("+62 812 3456 7890") == "+6281234567890"
    assert field.clean("") == ""
    with pytest.raises(forms.ValidationError):
        field.clean("12345")


SIGN_UP = {
    "full_name": "Dewi Lestari",
    "email": "dewi@example.id",
    "phone": "0812 3456 7890",
    "password1": "sapu-lidi-merah-77",
    "password2": "sapu-lidi-merah-77",
}


@pytest.mark.parametrize(
    "target, lands_on",
    [
        ("/lapor/", "/lapor/"),
        ("foo", "/"),  # not a path: no view by that name either
        ("http://evil.example/", "/"),
        ("//evil.example/", "/"),
    ],
)
def test_sign_up_follows_next_only_to_a_page_of_this_site(db, client, target, lands_on):
    response = client.post(f"{reverse('accounts:signup')}?next={target}", SIGN_UP)

    assert response.status_code == 302
    sent = client.get(response["Location"]).content.decode()
    assert "evil.example" not in sent
    sign_in = re.search(r'class="btn" href="(/akun/masuk/[^"]*)"', sent).group(1)
    signed_in = client.post(
        sign_in, {"username": SIGN_UP["email"], "password": SIGN_UP["password1"]}
    )
    assert signed_in["Location"] == lands_on


# --- Sign-up does not tell who has an account (aduan.accounts.signup) ------------------


def _run_queued_mail() -> None:
    """What the worker would do with the accounts' queued emails."""
    for row in DBTaskResult.objects.filter(task_path__startswith="aduan.accounts.tasks."):
        import_string(row.task_path).call(*row.args_kwargs["args"])


def _sign_up_page(client, email: str, mailoutbox, capture) -> tuple[str, list]:
    """Sign up with `email`, run the queued task, and return the page shown after it
    and the emails sent."""
    client.cookies["django_language"] = "en"
    with capture(execute=True):
        response = client.post(reverse("accounts:signup"), {**SIGN_UP, "email": email})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    mailoutbox_now = list(mailoutbox)
    mailoutbox.clear()
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page), mailoutbox_now


def test_signing_up_with_a_taken_address_gives_the_same_page_as_with_a_new_one(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    taken, _ = _sign_up_page(
        Client(), world.citizen.email, mailoutbox, django_capture_on_commit_callbacks
    )
    new, _ = _sign_up_page(
        Client(), "belum.ada@example.id", mailoutbox, django_capture_on_commit_callbacks
    )
    assert taken == new
    assert "Check your email" in new and "already exists" not in new


def test_the_owner_of_a_taken_address_is_told_and_no_second_account_is_made(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    accounts = User.objects.count()
    _page, _mail = _sign_up_page(
        Client(), world.citizen.email.upper(), mailoutbox, django_capture_on_commit_callbacks
    )
    _run_queued_mail()
    assert User.objects.count() == accounts
    world.citizen.refresh_from_db()
    assert world.citizen.full_name != SIGN_UP["full_name"]
    assert not world.citizen.check_password(SIGN_UP["password1"])
    [notice] = mailoutbox
    assert notice.to == [world.citizen.email]
    # In the account's language (the citizen's is Indonesian), not the page's.
    assert notice.subject == "Seseorang mencoba membuat akun Aduan dengan alamat Anda"
    assert reverse("accounts:login") in notice.body
    assert reverse("accounts:password_reset") in notice.body


def test_a_new_address_gets_the_confirmation_link_not_the_notice(
    db, mailoutbox, django_capture_on_commit_callbacks
):
    _sign_up_page(Client(), "baru@example.id", mailoutbox, django_capture_on_commit_callbacks)
    _run_queued_mail()
    [message] = mailoutbox
    assert message.to == ["baru@example.id"]
    assert "/akun/konfirmasi/" in message.body
    assert "tried to create" not in message.subject


def test_repeated_sign_ups_with_a_taken_address_send_one_notice_every_few_minutes(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    for _ in range(3):
        _sign_up_page(Client(), world.citizen.email, mailoutbox, django_capture_on_commit_callbacks)
    _run_queued_mail()
    assert len(mailoutbox) == 1


def test_a_signed_in_visitor_is_not_signed_up_again(world, client):
    client.force_login(world.outsider)
    response = client.post(reverse("accounts:signup"), SIGN_UP)
    assert response["Location"] == reverse("portal:my_reports")
    assert not User.objects.filter(email=SIGN_UP["email"]).exists()


def test_an_unconfirmed_citizen_can_have_the_link_sent_again_to_their_own_address(
    db, client, mailoutbox, django_capture_on_commit_callbacks
):
    from aduan.accounts.tasks import send_email_confirmation

    user = User.objects.create_user("siti@example.id", PASSWORD, full_name="Siti")
    client.force_login(user)
    client.cookies["django_language"] = "en"
    assert "data-unconfirmed" in client.get(reverse("portal:my_reports")).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:resend_confirmation"))
    send_email_confirmation.call(user.pk)

    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [["siti@example.id"]]
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(reverse("accounts:resend_confirmation"), follow=True)
    from django_tasks_db.models import DBTaskResult

    queued = DBTaskResult.objects.filter(task_path__endswith="send_email_confirmation")
    assert queued.count() == 1  # one email per account every few minutes
    assert "a few minutes ago" in again.content.decode()
    assert client.get(reverse("accounts:resend_confirmation")).status_code == 405
    client.logout()
    assert client.post(reverse("accounts:resend_confirmation")).status_code == 302  # to sign in
    assert len(mailoutbox) == 1
