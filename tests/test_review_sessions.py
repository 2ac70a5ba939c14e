"""Review of the idle officers' sessions and "sign out every other device"
(aduan.accounts.middleware.IdleOfficerSessionMiddleware, views.sign_out_elsewhere)."""

from __future__ import annotations

import datetime

import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.personas import PASSWORD

SEEN_KEY = "aduan_seen_at"


def _later(minutes: int):
    return time_machine.travel(timezone.now() + datetime.timedelta(minutes=minutes), tick=False)


def _signed_out(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(
        reverse("accounts:login")
    )


# --- A late form is taken, but it does not bring a stale session back ----------------


def test_a_form_sent_after_the_pause_does_not_revive_the_session(world, client, settings):
    # The next person at a shared office computer finds the back office still open:
    # one form on the page (the language switch in every page's footer) must not give
    # them the officer's session for another hour.
    settings.ADUAN_STAFF_IDLE_MINUTES = 30
    client.force_login(world.liaison_a)
    assert client.get(reverse("workspace:inbox")).status_code == 200

    with _later(45):
        switched = client.post(reverse("set_language"), {"language": "en", "next": "/kantor/"})
        assert switched.status_code == 302  # the form itself is still taken
        after = client.get(reverse("workspace:inbox"))

    assert _signed_out(after)


def test_a_slow_response_is_kept_and_the_officer_brought_back_after_signing_in(
    world, client, settings
):
    settings.ADUAN_STAFF_IDLE_MINUTES = 30
    client.force_login(world.liaison_a)
    client.get(reverse("workspace:inbox"))

    with _later(45):
        sent = client.post(reverse("accounts:account"), {"full_name": "Penghubung DPU Baru"})
        followed = client.get(sent["Location"])

    world.liaison_a.refresh_from_db()
    assert world.liaison_a.full_name == "Penghubung DPU Baru"  # nothing typed is lost
    assert _signed_out(followed)
    assert followed["Location"].endswith("?next=%2Fakun%2F")


def test_a_refused_post_does_not_count_as_activity(world, settings):
    settings.ADUAN_STAFF_IDLE_MINUTES = 30
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.liaison_a)
    client.get(reverse("workspace:inbox"))

    with _later(20):
        # No CSRF token: refused (403), yet it was counted as a page read.
        assert client.post(reverse("accounts:account"), {"full_name": "X"}).status_code == 403
    with _later(20 + 15):
        assert _signed_out(client.get(reverse("workspace:inbox")))


# --- Every method that reads counts as reading ---------------------------------------


def test_options_after_the_pause_does_not_open_the_back_office(world, client, settings):
    # OPTIONS is as safe as GET for CSRF, and a function view renders its page for it.
    settings.ADUAN_STAFF_IDLE_MINUTES = 30
    client.force_login(world.liaison_a)
    client.get(reverse("workspace:inbox"))

    with _later(45):
        read = client.options(reverse("workspace:inbox"))
        after = client.get(reverse("workspace:inbox"))

    assert _signed_out(read) or _signed_out(after)
    assert b"Penghubung DPU" not in read.content


# --- Sessions without the timestamp ---------------------------------------------------


def test_a_session_from_before_the_timeout_existed_is_not_given_a_fresh_hour(
    world, client, settings
):
    # Deployed (or ADUAN_STAFF_IDLE_MINUTES turned on) while an officer's session sits
    # idle on a shared computer: it has no timestamp, and was treated as just used.
    settings.ADUAN_STAFF_IDLE_MINUTES = 30
    client.force_login(world.liaison_a)
    session = client.session
    session.pop(SEEN_KEY, None)
    session.save()

    with _later(3 * 60):
        assert _signed_out(client.get(reverse("workspace:inbox")))


def test_signing_in_starts_the_clock(world, client, settings):
    # ... and a session just signed in is not mistaken for one without a timestamp.
    settings.ADUAN_STAFF_IDLE_MINUTES = 30
    signed_in = client.post(
        reverse("accounts:login"), {"username": world.liaison_a.email, "password": PASSWORD}
    )
    assert signed_in.status_code == 302
    assert client.get(reverse("workspace:inbox")).status_code == 200
    with _later(10):
        assert client.get(reverse("workspace:inbox")).status_code == 200


# --- Citizens' sessions are left alone -------------------------------------------------


def test_a_citizens_session_is_not_written_for_the_timestamp(world, client, settings):
    settings.ADUAN_STAFF_IDLE_MINUTES = 30
    client.force_login(world.citizen)
    client.get(reverse("portal:my_reports"))

    with _later(5):
        response = client.get(reverse("portal:my_reports"))

    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies  # no write, no new expiry


# --- Checked, and holding: redirects and CSRF -----------------------------------------


def test_the_officer_comes_back_to_the_page_with_its_query_string(world, client, settings):
    settings.ADUAN_STAFF_IDLE_MINUTES = 30
    client.force_login(world.liaison_a)
    client.get(reverse("workspace:inbox"))
    page = reverse("workspace:inbox") + "?q=jalan&status=baru"

    with _later(45):
        asked = client.get(page)
        login = client.get(asked["Location"])
        back = client.post(
            asked["Location"], {"username": world.liaison_a.email, "password": PASSWORD}
        )

    assert _signed_out(asked)
    assert login.status_code == 200
    assert back.status_code == 302 and back["Location"] == page


def test_an_idle_sign_out_does_not_lead_off_site(world, client, settings):
    settings.ADUAN_STAFF_IDLE_MINUTES = 30
    client.force_login(world.liaison_a)
    client.get(reverse("workspace:inbox"))

    with _later(45):
        asked = client.get("//evil.example/")
        back = client.post(
            asked["Location"], {"username": world.liaison_a.email, "password": PASSWORD}
        )

    assert _signed_out(asked)
    assert "evil.example" not in back["Location"]


def test_signing_out_elsewhere_needs_the_csrf_token(world):
    elsewhere = Client()
    elsewhere.force_login(world.citizen)
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.citizen)

    refused = client.post(reverse("accounts:sign_out_elsewhere"), {"password": PASSWORD})

    assert refused.status_code == 403
    assert elsewhere.get(reverse("accounts:account")).status_code == 200


# --- Officers who are also citizens: a page's own background requests -----------------


def test_a_background_request_after_the_pause_does_not_end_the_session(world, client, settings):
    # An officer writing a complaint of their own on the submit page picks a region an
    # hour later: the picker's fetch is not a page read. Ending the session there sent
    # the report that followed in as a stranger's (or refused it), with its files.
    settings.ADUAN_STAFF_IDLE_MINUTES = 30
    client.force_login(world.liaison_a)
    client.get(reverse("portal:submit"))

    with _later(45):
        picked = client.get(reverse("portal:regions"), HTTP_SEC_FETCH_MODE="cors")
        assert picked.status_code == 200 and picked["Content-Type"] == "application/json"
        assert client.session.get("_auth_user_id") == str(world.liaison_a.pk)
        # ... nor does it count as activity: the next page read still asks to sign in.
        assert _signed_out(client.get(reverse("workspace:inbox")))


# --- Erasure: only the erased account's own emails are forgotten ----------------------


def test_erasing_an_account_keeps_the_other_accounts_queued_emails(world, client_for):
    from django_tasks_db.models import DBTaskResult

    from aduan.accounts.tasks import send_password_changed_notice

    send_password_changed_notice.enqueue(world.liaison_a.pk)
    send_password_changed_notice.enqueue(world.citizen.pk)
    client = client_for(world.citizen)

    client.post(reverse("accounts:delete"), {"password": PASSWORD, "understood": "on"})

    left = DBTaskResult.objects.filter(task_path__startswith="aduan.accounts.tasks.")
    assert [row.args_kwargs["args"][0] for row in left] == [world.liaison_a.pk]
