"""The notification centre, the header bell and the choice of channels."""

from __future__ import annotations

import re

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from aduan.notifications.models import Kind, Medium, Notification
from aduan.notifications.outbox import Recipient, notify
from aduan.reports.models import Status
from tests.personas import advance, submit
from tests.test_messages import run_announcements

LIST = "/notifikasi/"


def english(user=None) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    if user is not None:
        client.force_login(user)
    return client


def tell(user, link: str, key: str) -> Notification:
    """One in-app message to `user` through the real outbox."""
    with transaction.atomic():
        notify(
            Kind.REMINDER,
            [Recipient.of_user(user)],
            key=key,
            context={"organization": "Dinas", "sender": "Bupati", "reports": [], "count": 1},
            link=link,
        )
    return Notification.objects.get(key=f"{key}:u{user.pk}:in_app")


def _open_url(notification) -> str:
    return reverse("notifications:open", args=[notification.pk])


@pytest.fixture
def received(world):
    """The citizen's "report received" message, written by the real lifecycle."""
    report, _ = submit(world, reporter=world.citizen)
    assert run_announcements() == ["SUCCESSFUL"]
    return report, Notification.objects.get(
        user=world.citizen, medium=Medium.IN_APP, kind=Kind.RECEIVED
    )


# --- Who may look --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [LIST, "/notifikasi/1/buka/", "/notifikasi/pengaturan/"],
)
def test_anonymous_visitors_are_sent_to_sign_in(db, url):
    response = Client().get(url)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_anonymous_cannot_mark_anything_read(db):
    response = Client().post(reverse("notifications:mark_all_read"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_outsider_is_refused_another_users_notification(world, received):
    _report, notification = received
    response = english(world.outsider).get(_open_url(notification))
    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None
    assert notification.pk not in [
        n.pk for n in english(world.outsider).get(LIST).context["page"].rows
    ]


# --- The list and opening a message ---------------------------------------------------------


def test_the_list_shows_only_my_in_app_messages_newest_first_unread_highlighted(world, received):
    report, first = received
    advance(world, report, Status.DISPATCHED)
    mine = Notification.objects.in_app_for(world.citizen).order_by("-created_at", "-id")
    assert mine.count() >= 2
    assert Notification.objects.filter(user=world.citizen, medium=Medium.EMAIL).exists()
    response = english(world.citizen).get(LIST)
    rows = response.context["page"].rows
    assert [n.pk for n in rows] == [n.pk for n in mine]
    assert {n.medium for n in rows} == {Medium.IN_APP}
    html = response.content.decode()
    assert html.count('data-state="unread"') == len(rows)
    assert f'href="{_open_url(first)}"' in html
    client = english(world.citizen)
    client.get(_open_url(first))
    html = client.get(LIST).content.decode()
    assert f'data-notification="{first.pk}" data-state="read"' in html
    assert html.count('data-state="unread"') == len(rows) - 1


def test_the_list_is_paginated(world):
    for n in range(30):
        tell(world.citizen, "/", key=f"t{n}")
    client = english(world.citizen)
    first = client.get(LIST)
    assert len(first.context["page"].rows) == 25 and first.context["page"].has_next
    second = client.get(LIST, {"page": 2})
    assert len(second.context["page"].rows) == 5
    assert not {n.pk for n in first.context["page"].rows} & {
        n.pk for n in second.context["page"].rows
    }


def test_opening_marks_read_and_follows_the_link_on_this_site(world, received):
    report, notification = received
    assert notification.link.startswith("http")  # written absolute, for email too
    response = english(world.citizen).get(_open_url(notification))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:report", args=[report.tracking_code])
    notification.refresh_from_db()
    assert notification.read_at is not None


@pytest.mark.parametrize(
    "link",
    [
        "https://evil.example/login",
        "//evil.example/login",
        "javascript:alert(1)",
        "http://127.0.0.1:8000@evil.example/",
        "",
    ],
)
def test_a_link_to_another_site_is_not_followed(world, link):
    notification = tell(world.citizen, link, key="phish")
    response = english(world.citizen).get(_open_url(notification))
    assert response.status_code == 302
    assert response["Location"] == reverse("notifications:list")
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_a_relative_link_keeps_its_query(world):
    notification = tell(world.citizen, "/kantor/terlambat/?unit=3", key="rel")
    response = english(world.citizen).get(_open_url(notification))
    assert response["Location"] == "/kantor/terlambat/?unit=3"


def test_mark_all_read_needs_a_post_and_clears_only_my_messages(world, received):
    tell(world.citizen, "/", key="a")
    other = tell(world.outsider, "/", key="b")
    client = english(world.citizen)
    assert client.get(reverse("notifications:mark_all_read")).status_code == 405
    response = client.post(reverse("notifications:mark_all_read"))
    assert response.status_code == 302
    assert not Notification.objects.unread_for(world.citizen).exists()
    other.refresh_from_db()
    assert other.read_at is None


# --- The bell ------------------------------------------------------------------------------


def _bell(html: str) -> str:
    return re.search(r'<a class="bell"[^>]*data-unread="(\d*)"', html).group(1)


def test_the_bell_counts_unread_messages_with_one_query(world, received):
    tell(world.citizen, "/", key="x")
    client = english(world.citizen)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(LIST).content.decode()  # the list page asks for the count too
    counts = [
        q["sql"]
        for q in queries.captured_queries
        if "COUNT" in q["sql"] and "notifications_notification" in q["sql"]
    ]
    assert len(counts) == 1
    assert _bell(html) == "2"
    client.get(_open_url(received[1]))
    assert _bell(client.get(reverse("portal:home")).content.decode()) == "1"


def test_anonymous_visitors_have_no_bell(db):
    assert 'class="bell"' not in Client().get(reverse("portal:home")).content.decode()


# --- Channel preferences --------------------------------------------------------------------


PREFERENCES = "/notifikasi/pengaturan/"


@pytest.fixture
def phones_enabled(settings):
    settings.ADUAN_WHATSAPP_PHONE_NUMBER_ID = "1234567890"
    settings.ADUAN_WHATSAPP_TOKEN = "token"
    settings.ADUAN_SMS_GATEWAY_URL = "https://sms.example.id/send"


def test_whatsapp_and_sms_are_not_offered_when_the_installation_has_none(world):
    form = english(world.citizen).get(PREFERENCES).context["form"]
    assert set(form.fields) == {"notify_by_email", "phone", "language"}


def test_preferences_are_saved_and_decide_the_channels(world, phones_enabled):
    from tests.test_phone_verification import verify

    verify(world.citizen)  # WhatsApp and SMS go only to a verified number
    client = english(world.citizen)
    assert set(client.get(PREFERENCES).context["form"].fields) >= {
        "notify_by_whatsapp",
        "notify_by_sms",
    }
    response = client.post(PREFERENCES, {"notify_by_whatsapp": "on", "phone": "0812 3456 7890"})
    assert response.status_code == 302
    world.citizen.refresh_from_db()
    assert (world.citizen.notify_by_email, world.citizen.notify_by_whatsapp) == (False, True)
    assert world.citizen.phone == "+6281234567890"
    assert Recipient.of_user(world.citizen).media() == [
        (Medium.IN_APP, ""),
        (Medium.WHATSAPP, "+6281234567890"),
    ]


def test_whatsapp_without_a_phone_number_is_refused_with_a_clear_error(world, phones_enabled):
    response = english(world.citizen).post(
        PREFERENCES, {"notify_by_email": "on", "notify_by_sms": "on", "phone": ""}
    )
    assert response.status_code == 400
    assert "need a phone number" in response.content.decode()
    world.citizen.refresh_from_db()
    assert world.citizen.notify_by_sms is False
    assert world.citizen.phone == "+6281234567890"


def test_turning_email_off_leaves_only_the_app(world):
    response = english(world.outsider).post(PREFERENCES, {"phone": ""})
    assert response.status_code == 302
    world.outsider.refresh_from_db()
    assert Recipient.of_user(world.outsider).media() == [(Medium.IN_APP, "")]
