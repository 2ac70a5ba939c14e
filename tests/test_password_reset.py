"""A forgotten password: a link by email, one new password per link, and nothing learned
about who has an account."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from aduan.accounts.models import User
from aduan.accounts.tasks import send_password_reset
from tests.personas import PASSWORD

NEW_PASSWORD = "payung-biru-di-pasar-42"


def _ask(client, email: str, capture):
    with capture(execute=True):
        return client.post(reverse("accounts:password_reset"), {"email": email}, follow=True)


def _queued() -> list[int]:
    rows = DBTaskResult.objects.filter(task_path__endswith="send_password_reset")
    return [row.args_kwargs["args"][0] for row in rows]


def _without_csrf(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def _link_in(message) -> str:
    url = re.search(r"https?://\S+", message.body).group(0)
    return url[url.index("/akun/") :]


def _mailed_link(user, mailoutbox) -> str:
    assert send_password_reset.call(user.pk) == "sent"  # what the worker runs
    return _link_in(mailoutbox[-1])


def _set_password(client, link: str, password: str = NEW_PASSWORD):
    form_page = client.get(link)
    assert form_page.status_code == 302  # the token moves from the address to the session
    return client.post(
        form_page["Location"], {"new_password1": password, "new_password2": password}
    )


def test_known_and_unknown_addresses_get_the_same_answer(
    world, client, django_capture_on_commit_callbacks
):
    known = _ask(client, world.citizen.email.upper(), django_capture_on_commit_callbacks)
    unknown = _ask(client, "tidak.ada@example.id", django_capture_on_commit_callbacks)

    assert known.status_code == unknown.status_code == 200
    assert known.redirect_chain == unknown.redirect_chain
    assert _without_csrf(known) == _without_csrf(unknown)
    assert _queued() == [world.citizen.pk]


def test_the_email_carries_a_link_in_the_accounts_language(world, client, mailoutbox):
    User.objects.filter(pk=world.citizen.pk).update(language="en")
    world.citizen.refresh_from_db()

    _mailed_link(world.citizen, mailoutbox)

    [message] = mailoutbox
    assert message.to == [world.citizen.email]
    assert message.subject == "Choose a new password for Aduan"
    assert "within 3 days" in message.body


def test_the_link_sets_a_new_password_once(world, client, mailoutbox):
    link = _mailed_link(world.citizen, mailoutbox)

    done = _set_password(client, link)

    assert done.status_code == 302
    assert done["Location"] == reverse("accounts:password_reset_complete")
    world.citizen.refresh_from_db()
    assert world.citizen.check_password(NEW_PASSWORD)
    again = client.get(link)
    assert again.status_code == 404
    assert reverse("accounts:password_reset") in again.content.decode()


def test_a_made_up_or_expired_link_is_refused_with_a_way_forward(
    world, client, mailoutbox, settings
):
    client.cookies["django_language"] = "en"
    link = _mailed_link(world.citizen, mailoutbox)
    broken = link[:-4] + "xxx/"

    refused = client.get(broken)
    assert refused.status_code == 404
    assert "This link does not work" in refused.content.decode()
    assert reverse("accounts:password_reset") in refused.content.decode()
    assert client.get("/akun/sandi/baru/zzz/set-password/").status_code == 404

    settings.PASSWORD_RESET_TIMEOUT = -1  # every link is now past its time
    assert client.get(link).status_code == 404


def test_signing_in_voids_a_link_sent_before(world, client, mailoutbox):
    link = _mailed_link(world.citizen, mailoutbox)
    sign_in = {"username": world.citizen.email, "password": PASSWORD}
    assert client.post(reverse("accounts:login"), sign_in).status_code == 302
    client.logout()

    assert client.get(link).status_code == 404


def test_a_signed_in_outsider_cannot_use_someone_elses_link(world, client, mailoutbox):
    link = _mailed_link(world.citizen, mailoutbox)
    client.force_login(world.outsider)
    client.cookies["django_language"] = "en"

    refused = client.get(link)

    assert refused.status_code == 403
    assert "This link is for another account" in refused.content.decode()
    world.citizen.refresh_from_db()
    assert world.citizen.check_password(PASSWORD)
    client.logout()
    assert client.get(link).status_code == 302  # the owner's link still works


def test_a_signed_in_owner_keeps_this_session_and_loses_the_others(
    world, client, mailoutbox, django_capture_on_commit_callbacks
):
    from django.test import Client

    elsewhere = Client()
    elsewhere.force_login(world.citizen)
    client.force_login(world.citizen)
    _ask(client, world.citizen.email, django_capture_on_commit_callbacks)
    link = _mailed_link(world.citizen, mailoutbox)

    _set_password(client, link)

    assert client.get(reverse("portal:my_reports")).status_code == 200
    assert elsewhere.get(reverse("portal:my_reports")).status_code == 302  # to sign in


def test_a_new_password_confirms_the_address_and_lifts_the_lockout(
    db, client, mailoutbox, settings
):
    settings.AXES_FAILURE_LIMIT = 2
    user = User.objects.create_user("siti@example.id", PASSWORD, full_name="Siti")
    sign_in = reverse("accounts:login")
    for _attempt in range(2):
        client.post(sign_in, {"username": user.email, "password": "salah"})
    locked = client.post(sign_in, {"username": user.email, "password": PASSWORD})
    assert locked.status_code == 429
    assert reverse("accounts:password_reset") in locked.content.decode()

    _set_password(client, _mailed_link(user, mailoutbox))

    user.refresh_from_db()
    assert user.email_confirmed_at is not None
    signed_in = client.post(sign_in, {"username": user.email, "password": NEW_PASSWORD})
    assert signed_in.status_code == 302


def test_the_new_password_must_pass_the_same_rules_as_at_sign_up(world, client, mailoutbox):
    client.cookies["django_language"] = "en"
    link = _mailed_link(world.citizen, mailoutbox)
    form_page = client.get(link)["Location"]

    weak = client.post(form_page, {"new_password1": "12345678", "new_password2": "12345678"})
    differ = client.post(form_page, {"new_password1": NEW_PASSWORD, "new_password2": "lain"})

    assert "entirely numeric" in weak.content.decode()
    assert "The two passwords differ." in differ.content.decode()
    world.citizen.refresh_from_db()
    assert world.citizen.check_password(PASSWORD)


def test_one_email_per_account_every_few_minutes(world, client, django_capture_on_commit_callbacks):
    for _attempt in range(3):
        _ask(client, world.citizen.email, django_capture_on_commit_callbacks)

    assert _queued() == [world.citizen.pk]


@pytest.mark.parametrize("inactive", [True, False])
def test_no_link_for_a_disabled_account_or_a_disabled_password(
    world, client, django_capture_on_commit_callbacks, inactive
):
    user = world.outsider
    if inactive:
        user.is_active = False
    else:
        user.set_unusable_password()
    user.save()

    _ask(client, user.email, django_capture_on_commit_callbacks)

    assert _queued() == []
    assert send_password_reset.call(user.pk) == "nothing to do"


def test_asking_is_limited_per_address(world, client, settings):
    settings.ADUAN_LOOKUP_RATE = "2/m"
    url = reverse("accounts:password_reset")
    for _attempt in range(2):
        client.post(url, {"email": "coba@example.id"})

    assert client.post(url, {"email": "coba@example.id"}).status_code == 429


def test_the_sign_in_page_links_to_the_reset(db, client):
    client.cookies["django_language"] = "en"
    page = client.get(reverse("accounts:login")).content.decode()

    assert reverse("accounts:password_reset") in page
    assert "Forgot your password?" in page
