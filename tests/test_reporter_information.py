"""A reporter adds information to their report after sending it ("the hole got deeper"):
on the report's page, public with it, the handlers told, anonymity kept, bounded."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from aduan.accounts.erasure import erase_account
from aduan.deadlines.models import Deadline
from aduan.notifications.models import Kind, Medium, Notification
from aduan.reports import lifecycle
from aduan.reports.lifecycle import Action, TransitionError
from aduan.reports.models import ReportEvent, Status
from tests.personas import advance, as_reporter, submit
from tests.test_portal import action_url, english, guest_client_for, report_url

NEWS = "Lubangnya makin dalam sejak hujan semalam, tadi pagi ada motor jatuh lagi."


def _dispatched(world, **fields):
    report, secret = submit(world, **fields)
    return advance(world, report, Status.DISPATCHED), secret


def _post(client, report, message=NEWS, version=None):
    report.refresh_from_db()
    return client.post(
        action_url(report, "add_info"),
        {"message": message, "version": version or report.version},
    )


def test_a_reporter_adds_information_that_the_public_and_the_handlers_read(world, client_for):
    report, _secret = _dispatched(world, reporter=world.citizen)
    client = client_for(world.citizen)
    page = client.get(report_url(report)).content.decode()
    assert 'data-action="add_info"' in page
    response = _post(client, report, NEWS + " Hubungi saya di 0812-3456-7890.")
    assert response.status_code == 302
    event = report.events.get(action=Action.ADD_INFO)
    assert (event.is_public, event.by_reporter) == (True, True)
    public = Client().get(report_url(report)).content.decode()
    assert "Lubangnya makin dalam sejak hujan semalam" in public
    assert "0812-3456-7890" not in public
    told = (
        Notification.objects.filter(
            user=world.liaison_a, kind=Kind.NEW_IN_INBOX, medium=Medium.EMAIL, report=report
        )
        .order_by("pk")
        .last()
    )
    assert "Lubangnya makin dalam" in told.body
    assert told.subject.startswith("Pelapor menambahkan keterangan")


def test_a_guest_adds_information_through_their_secret_link(world):
    report, secret = _dispatched(world)
    client = guest_client_for(report, secret)
    assert _post(client, report).status_code == 302
    assert report.events.filter(action=Action.ADD_INFO).count() == 1


def test_an_anonymous_reporters_own_name_is_withheld_from_the_handlers(world):
    report, _secret = _dispatched(world, reporter=world.citizen, is_anonymous=True)
    event = lifecycle.add_information(
        report, as_reporter(world.citizen), "Saya Siti Warga, rumah saya dekat lubang itu."
    )
    assert "Siti Warga" not in event.message
    assert "Siti Warga" in event.withheld_message  # sealed for the system alone


@pytest.mark.parametrize("status", [Status.ON_HOLD, Status.COMPLETED, Status.ARCHIVED])
def test_information_is_not_taken_when_the_report_does_not_wait_for_it(world, status):
    report = advance(world, submit(world, reporter=world.citizen)[0], status)
    assert Action.ADD_INFO not in lifecycle.allowed_actions(report, as_reporter(world.citizen))
    with pytest.raises(TransitionError):
        lifecycle.add_information(report, as_reporter(world.citizen), NEWS)


def test_a_refused_message_keeps_what_was_typed(world, client_for):
    report, _secret = _dispatched(world, reporter=world.citizen)
    client = client_for(world.citizen)
    response = _post(client, report, "   ")
    assert response.status_code == 400
    lifecycle.respond(report, lifecycle.Actor(world.liaison_a), "Sedang kami tinjau.")
    stale = _post(client, report, NEWS, version=1)
    assert stale.status_code == 409
    assert NEWS in stale.content.decode()
    assert not report.events.filter(action=Action.ADD_INFO).exists()


def test_a_day_holds_a_bounded_number_of_additions(world):
    report, _secret = _dispatched(world, reporter=world.citizen)
    for n in range(lifecycle.ADD_INFO_PER_DAY):
        lifecycle.add_information(report, as_reporter(world.citizen), f"Tambahan ke-{n}.")
    with translation.override("en"), pytest.raises(TransitionError, match="times today"):
        lifecycle.add_information(report, as_reporter(world.citizen), "Satu lagi.")


def test_the_next_morning_is_another_day_as_the_refusal_says(world):
    """Refused with "add more tomorrow": tomorrow morning it is taken, although fewer
    than 24 hours have passed since the evening's additions."""
    report, _secret = _dispatched(world, reporter=world.citizen)
    jakarta = zoneinfo.ZoneInfo("Asia/Jakarta")
    evening = timezone.localtime(timezone.now(), jakarta).replace(hour=20, minute=0)
    for n in range(lifecycle.ADD_INFO_PER_DAY):
        at = evening + datetime.timedelta(minutes=10 * n)
        lifecycle.add_information(report, as_reporter(world.citizen), f"Tambahan {n}.", at=at)
    with pytest.raises(TransitionError):
        lifecycle.add_information(
            report, as_reporter(world.citizen), "Masih malam.", at=evening.replace(hour=23)
        )
    morning = evening + datetime.timedelta(hours=12)  # 08:00 the next day
    event = lifecycle.add_information(report, as_reporter(world.citizen), "Pagi ini.", at=morning)
    assert event.action == Action.ADD_INFO


def test_nobody_else_may_add_information(world, client_for):
    report, _secret = _dispatched(world, reporter=world.citizen)
    before = ReportEvent.objects.filter(report=report).count()
    for user in (world.outsider, world.liaison_a, world.national_admin):
        response = _post(client_for(user), report)
        assert response.status_code in (403, 404)
    assert english(Client()).post(
        action_url(report, "add_info"), {"message": NEWS}
    ).status_code in (
        302,
        403,
        404,
    )
    assert ReportEvent.objects.filter(report=report).count() == before


def test_the_handlers_timeline_shows_the_reporters_words(world, client_for):
    report, _secret = _dispatched(world, reporter=world.citizen)
    lifecycle.add_information(report, as_reporter(world.citizen), NEWS)
    page = client_for(world.liaison_a).get(
        reverse("workspace:report", kwargs={"code": report.tracking_code})
    )
    assert NEWS in page.content.decode()
    assert "Reporter added information" in page.content.decode()


def test_markup_in_the_information_is_shown_as_text(world):
    report, _secret = _dispatched(world, reporter=world.citizen)
    lifecycle.add_information(
        report, as_reporter(world.citizen), '<script>alert("x")</script><b>Makin parah</b>'
    )
    page = Client().get(report_url(report)).content.decode()
    assert "<script>alert" not in page and "<b>Makin" not in page
    assert "&lt;b&gt;Makin parah&lt;/b&gt;" in page


def test_information_on_a_confidential_report_stays_off_every_public_surface(world):
    report, _secret = _dispatched(world, reporter=world.citizen, is_confidential=True)
    lifecycle.add_information(report, as_reporter(world.citizen), NEWS)
    assert Client().get(report_url(report)).status_code == 404
    updates = Client().get("/open311/v2/servicerequestupdates.json").content.decode()
    assert "Lubangnya" not in updates
    feed = Client().get(reverse("portal:feed")).content.decode()
    assert report.tracking_code not in feed


def test_adding_information_moves_no_deadline(world):
    report, _secret = _dispatched(world, reporter=world.citizen)
    before = list(Deadline.objects.filter(report=report).values_list("pk", "due_at", "stopped_at"))
    lifecycle.add_information(report, as_reporter(world.citizen), NEWS)
    after = list(Deadline.objects.filter(report=report).values_list("pk", "due_at", "stopped_at"))
    assert after == before and before


def test_deleting_the_account_masks_the_information_added(world, client_for):
    report, _secret = _dispatched(world, reporter=world.citizen)
    lifecycle.add_information(
        report, as_reporter(world.citizen), "Saya Siti Warga, hubungi 0812-3456-7890."
    )
    erase_account(world.citizen)
    event = report.events.get(action=Action.ADD_INFO)
    assert "Siti" not in event.message and "3456" not in event.message
    assert event.withheld_message == ""


def test_news_that_insults_is_read_by_the_handlers_but_not_published(world, client_for):
    report, _secret = _dispatched(world, reporter=world.citizen)
    insult = "Sudah sebulan tidak diperbaiki, dasar petugas goblok semua."
    event = lifecycle.add_information(report, as_reporter(world.citizen), insult)
    assert not event.is_public
    assert "petugas goblok" not in Client().get(report_url(report)).content.decode()
    updates = Client().get("/open311/v2/servicerequestupdates.json").content.decode()
    assert "goblok" not in updates
    own = client_for(world.citizen).get(report_url(report)).content.decode()
    assert "petugas goblok" in own  # theirs alone
    staff = client_for(world.liaison_a).get(
        reverse("workspace:report", kwargs={"code": report.tracking_code})
    )
    assert "petugas goblok" in staff.content.decode()
    report.refresh_from_db()
    assert report.is_abusive


def test_the_form_is_not_offered_once_the_days_share_is_used(world, client_for):
    report, _secret = _dispatched(world, reporter=world.citizen)
    client = client_for(world.citizen)
    for n in range(lifecycle.ADD_INFO_PER_DAY):
        lifecycle.add_information(report, as_reporter(world.citizen), f"Kabar ke-{n}.")
    page = client.get(report_url(report)).content.decode()
    assert 'id="action-add_info"' not in page
    assert 'id="action-add_files"' in page


def _hide_url(report) -> str:
    return reverse("workspace:action", kwargs={"code": report.tracking_code, "action": "hide_info"})


def test_a_handler_hides_information_that_names_a_neighbour(world, client_for):
    report, _secret = _dispatched(world, reporter=world.citizen)
    news = lifecycle.add_information(
        report, as_reporter(world.citizen), "Yang buang sampah di situ Pak Darmo tetangga sebelah."
    )
    assert "Pak Darmo" in Client().get(report_url(report)).content.decode()
    client = client_for(world.liaison_a)
    page = client.get(reverse("workspace:report", kwargs={"code": report.tracking_code}))
    assert 'data-action="hide_info"' in page.content.decode()
    report.refresh_from_db()
    response = client.post(_hide_url(report), {"version": report.version, "event": news.pk})
    assert response.status_code == 302
    news.refresh_from_db()
    assert not news.is_public
    hidden = report.events.get(action=Action.HIDE_INFO)
    assert (hidden.is_public, hidden.actor, hidden.data["event"]) == (
        False,
        world.liaison_a,
        news.pk,
    )
    assert "Pak Darmo" not in Client().get(report_url(report)).content.decode()
    # The handlers and the reporter still read it.
    staff_page = client.get(reverse("workspace:report", kwargs={"code": report.tracking_code}))
    assert "Pak Darmo" in staff_page.content.decode()
    assert "Pak Darmo" in client_for(world.citizen).get(report_url(report)).content.decode()


def test_only_the_reporters_words_shown_in_public_can_be_hidden(world, client_for):
    report, _secret = _dispatched(world, reporter=world.citizen)
    dispatch = report.events.filter(action=Action.DISPATCH).first()
    with pytest.raises(TransitionError):
        lifecycle.hide_information(report, lifecycle.Actor(world.liaison_a), dispatch.pk)
    news = lifecycle.add_information(report, as_reporter(world.citizen), NEWS)
    lifecycle.hide_information(report, lifecycle.Actor(world.liaison_a), news.pk)
    report.refresh_from_db()
    again = client_for(world.liaison_a).post(
        _hide_url(report), {"version": report.version, "event": news.pk}
    )
    assert again.status_code == 400
    assert "These words are not shown to the public." in again.content.decode()
    other, _ = _dispatched(world, reporter=world.citizen)
    other_news = lifecycle.add_information(other, as_reporter(world.citizen), NEWS)
    with pytest.raises(TransitionError):  # not this report's
        lifecycle.hide_information(report, lifecycle.Actor(world.liaison_a), other_news.pk)


@pytest.mark.parametrize("role", ["liaison_b", "supervisor", "auditor", "outsider", "citizen"])
def test_who_does_not_handle_the_report_cannot_hide_its_information(world, client_for, role):
    report, _secret = _dispatched(world, reporter=world.citizen)
    news = lifecycle.add_information(report, as_reporter(world.citizen), NEWS)
    report.refresh_from_db()
    response = client_for(getattr(world, role)).post(
        _hide_url(report), {"version": report.version, "event": news.pk}
    )
    assert response.status_code in (403, 404)
    news.refresh_from_db()
    assert news.is_public


# --- Hiding the reporter's other public words ----------------------------------------

SLANDER = "Belum beres, karena Pak Darmo tetangga saya menyuap petugas."


def _completed(world):
    report, _secret = _dispatched(world, reporter=world.citizen)
    return advance(world, report, Status.COMPLETED)


def test_a_not_satisfied_explanation_is_hidden_and_the_step_stays_public(world, client_for):
    report = _completed(world)
    verdict = lifecycle.reply(report, as_reporter(world.citizen), satisfied=False, message=SLANDER)
    report.refresh_from_db()
    client = client_for(world.agency_admin)
    page = client.get(reverse("workspace:report", kwargs={"code": report.tracking_code}))
    assert f'name="event" value="{verdict.pk}"' in page.content.decode()

    response = client.post(_hide_url(report), {"version": report.version, "event": verdict.pk})

    assert response.status_code == 302
    verdict.refresh_from_db()
    assert (verdict.is_public, verdict.data["words_hidden"]) == (True, True)
    public = Client().get(report_url(report)).content.decode()
    assert "Pak Darmo" not in public
    assert '<li data-action="not_satisfied"' in public
    # The reporter and the handlers still read them, marked as hidden for the staff.
    assert "Pak Darmo" in client_for(world.citizen).get(report_url(report)).content.decode()
    staff = client_for(world.agency_admin).get(
        reverse("workspace:report", kwargs={"code": report.tracking_code})
    )
    assert "Pak Darmo" in staff.content.decode()
    assert "data-words-hidden" in staff.content.decode()
    assert f'name="event" value="{verdict.pk}"' not in staff.content.decode()


def test_a_rating_comment_is_hidden_from_open311_too(world, client_for):
    report = _completed(world)
    lifecycle.reply(report, as_reporter(world.citizen), satisfied=True, message="")
    rating = lifecycle.rate(report, as_reporter(world.citizen), 2, SLANDER)
    lifecycle.hide_information(report, lifecycle.Actor(world.liaison_a), rating.pk)

    feed = Client().get(f"/open311/v2/requests/{report.tracking_code}.json").content.decode()
    assert "Pak Darmo" not in feed
    report.refresh_from_db()
    assert report.rating == 2  # the rating itself stays


def test_an_officers_own_words_cannot_be_hidden_this_way(world):
    report = _completed(world)
    completion = report.events.get(action=Action.COMPLETE)
    with pytest.raises(TransitionError):
        lifecycle.hide_information(report, lifecycle.Actor(world.agency_admin), completion.pk)


def test_an_outsider_cannot_hide_the_reporters_words(world, client_for):
    report = _completed(world)
    verdict = lifecycle.reply(report, as_reporter(world.citizen), satisfied=False, message=SLANDER)
    report.refresh_from_db()
    response = client_for(world.other_admin).post(
        _hide_url(report), {"version": report.version, "event": verdict.pk}
    )
    assert response.status_code == 404
    verdict.refresh_from_db()
    assert "words_hidden" not in verdict.data


def test_a_rating_comment_hidden_leaves_the_success_stories_too(world):
    report = _completed(world)
    lifecycle.reply(report, as_reporter(world.citizen), satisfied=True, message="")
    rating = lifecycle.rate(report, as_reporter(world.citizen), 5, "Bagus. " + SLANDER)
    stories_url = reverse("portal:stories")
    assert "Pak Darmo" in Client().get(stories_url).content.decode()

    lifecycle.hide_information(report, lifecycle.Actor(world.liaison_a), rating.pk)

    stories = Client().get(stories_url).content.decode()
    assert f'data-story="{report.tracking_code}"' in stories  # the story stays
    assert "Pak Darmo" not in stories
