"""Files on timeline entries after the submission: a handler's photo of the repaired
road with the response, a document on an internal note, the reporter's photo with an
answer or a reply, and photos the reporter adds to an open report."""

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from aduan.channels.intake import add_to_submission
from aduan.notifications.models import Kind, Notification
from aduan.reports import lifecycle
from aduan.reports.attachments import clean_upload
from aduan.reports.lifecycle import Action
from aduan.reports.models import Attachment, Status
from tests.personas import advance, as_user, submit
from tests.test_portal import action_url, photo, report_url, signed_in


def workspace_post(user, report, action: str, data: dict) -> object:
    client = signed_in(user)
    url = reverse("workspace:action", kwargs={"code": report.tracking_code, "action": action})
    return client.post(url, {"version": report.version, **data})


def not_an_image(name="jalan.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"#!/bin/sh\necho hello\n", content_type="image/jpeg")


def stored_has_no_gps(item: Attachment) -> bool:
    with item.file.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        return not image.getexif().get_ifd(0x8825)


@pytest.fixture
def dispatched(world):
    report, _secret = submit(world, reporter=world.citizen)
    return advance(world, report, Status.DISPATCHED)


# --- Staff ----------------------------------------------------------------------------------


def test_a_response_with_a_photo_shows_it_on_the_public_page_without_its_location(
    world, dispatched
):
    response = workspace_post(
        world.liaison_a,
        dispatched,
        "respond",
        {"message": "Lubang sudah ditambal.", "attachments": [photo("sesudah.jpg")]},
    )

    assert response.status_code == 302
    item = Attachment.objects.get(event__action=Action.RESPOND)
    assert item.report == dispatched
    assert item.original_name == "sesudah.jpg"
    assert stored_has_no_gps(item)
    page = Client().get(report_url(dispatched)).content.decode()
    link = reverse("portal:attachment", args=[dispatched.tracking_code, item.pk])
    assert link in page
    assert Client().get(link).status_code == 200


def test_a_completion_with_a_photo_completes_and_keeps_the_file(world, dispatched):
    response = workspace_post(
        world.liaison_a,
        dispatched,
        "complete",
        {"message": "Sudah diperbaiki.", "attachments": [photo(), photo("dua.jpg")]},
    )

    assert response.status_code == 302
    dispatched.refresh_from_db()
    assert dispatched.status == Status.COMPLETED
    names = Attachment.objects.filter(event__action=Action.COMPLETE)
    assert sorted(names.values_list("original_name", flat=True)) == ["dua.jpg", "jalan.jpg"]


def test_a_note_file_stays_with_staff(world, dispatched):
    response = workspace_post(
        world.liaison_a,
        dispatched,
        "note",
        {"message": "Berita acara terlampir.", "attachments": [photo("berita-acara.jpg")]},
    )

    assert response.status_code == 302
    item = Attachment.objects.get(event__action=Action.NOTE)
    link = reverse("portal:attachment", args=[dispatched.tracking_code, item.pk])
    for visitor in (Client(), signed_in(world.citizen)):  # the public and the reporter
        assert visitor.get(link).status_code == 404
        assert "berita-acara" not in visitor.get(report_url(dispatched)).content.decode()
    staff_link = reverse("workspace:attachment", args=[dispatched.tracking_code, item.pk])
    assert signed_in(world.liaison_a).get(staff_link).status_code == 200


def test_a_file_that_is_not_what_it_claims_is_refused_and_the_typed_text_kept(world, dispatched):
    response = workspace_post(
        world.liaison_a,
        dispatched,
        "complete",
        {"message": "Sudah diperbaiki minggu ini.", "attachments": [not_an_image()]},
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "Sudah diperbaiki minggu ini." in html
    assert "jalan.jpg" in html
    assert "choose them again" in html
    dispatched.refresh_from_db()
    assert dispatched.status == Status.DISPATCHED
    assert not Attachment.objects.exclude(event__action=Action.SUBMIT).exists()


def test_too_many_files_are_refused_all_together(world, dispatched, settings):
    settings.ADUAN_MAX_ATTACHMENTS = 1
    response = workspace_post(
        world.liaison_a,
        dispatched,
        "respond",
        {"message": "Foto sebelum dan sesudah.", "attachments": [photo(), photo("b.jpg")]},
    )

    assert response.status_code == 400
    assert "at most 1 files" in response.content.decode()
    assert not Attachment.objects.exists()


@pytest.mark.parametrize("who", ["liaison_b", "outsider", "citizen"])
def test_someone_who_may_not_respond_stores_no_file(world, dispatched, who):
    response = workspace_post(
        getattr(world, who),
        dispatched,
        "respond",
        {"message": "Bukan saya.", "attachments": [photo()]},
    )

    assert response.status_code in (403, 404)
    assert not Attachment.objects.exists()


def test_the_action_forms_that_take_files_are_sent_as_multipart(world, dispatched):
    client = signed_in(world.liaison_a)
    html = client.get(reverse("workspace:report", args=[dispatched.tracking_code])).content
    html = html.decode()
    for action in ("respond", "complete", "note", "not_our_remit"):
        form = html[html.index(f'data-action="{action}"') :].split(">", 1)[0]
        assert 'enctype="multipart/form-data"' in form
    admin = signed_in(world.national_admin)
    html = admin.get(reverse("workspace:report", args=[dispatched.tracking_code])).content
    html = html.decode()
    form = html[html.index('data-action="dispatch"') :].split(">", 1)[0]
    assert "multipart" not in form


def test_a_question_comes_with_the_form_the_reporter_should_fill_in(world):
    report, _ = submit(world, reporter=world.citizen)
    response = workspace_post(
        world.national_admin,
        report,
        "hold",
        {"message": "Mohon isi formulir terlampir.", "attachments": [photo("formulir.jpg")]},
    )

    assert response.status_code == 302
    item = Attachment.objects.get(event__action=Action.HOLD)
    link = reverse("portal:attachment", args=[report.tracking_code, item.pk])
    assert signed_in(world.citizen).get(link).status_code == 200
    assert Client().get(link).status_code == 404  # an unverified report is not public


def test_the_files_of_a_not_our_remit_stay_with_staff(world, dispatched):
    response = workspace_post(
        world.liaison_a,
        dispatched,
        "not_our_remit",
        {"message": "Kewenangan provinsi.", "attachments": [photo("perda.jpg")]},
    )

    assert response.status_code == 302
    item = Attachment.objects.get(event__action=Action.NOT_OUR_REMIT)
    link = reverse("portal:attachment", args=[dispatched.tracking_code, item.pk])
    assert signed_in(world.citizen).get(link).status_code == 404
    staff_link = reverse("workspace:attachment", args=[dispatched.tracking_code, item.pk])
    assert signed_in(world.agency_admin).get(staff_link).status_code == 200


# --- The reporter ---------------------------------------------------------------------------


def test_the_reporter_answers_a_question_with_the_photo_asked_for(world):
    report, _ = submit(world, reporter=world.citizen)
    lifecycle.hold(report, as_user(world.national_admin), "Mohon foto lokasinya.")

    response = signed_in(world.citizen).post(
        action_url(report, "answer_hold"),
        {"version": report.version, "message": "Ini fotonya.", "attachments": [photo()]},
    )

    assert response.status_code == 302
    item = Attachment.objects.get(event__action=Action.ANSWER_HOLD)
    assert stored_has_no_gps(item)
    link = reverse("portal:attachment", args=[report.tracking_code, item.pk])
    assert signed_in(world.citizen).get(link).status_code == 200
    assert Client().get(link).status_code == 404  # the answer is not public
    staff_link = reverse("workspace:attachment", args=[report.tracking_code, item.pk])
    assert signed_in(world.national_admin).get(staff_link).status_code == 200


def test_a_reporter_not_satisfied_shows_what_is_still_wrong(world, dispatched):
    advance(world, dispatched, Status.COMPLETED)
    dispatched.refresh_from_db()

    response = signed_in(world.citizen).post(
        action_url(dispatched, "reply"),
        {
            "version": dispatched.version,
            "satisfied": "no",
            "message": "Masih berlubang di sisi kiri.",
            "attachments": [photo("masih.jpg")],
        },
    )

    assert response.status_code == 302
    dispatched.refresh_from_db()
    assert dispatched.status == Status.IN_PROGRESS
    item = Attachment.objects.get(event__action=Action.NOT_SATISFIED)
    assert item.original_name == "masih.jpg"


def test_the_reporter_adds_photos_to_an_open_report(world, dispatched):
    response = signed_in(world.citizen).post(
        action_url(dispatched, "add_files"),
        {"version": dispatched.version, "attachments": [photo(), photo("dua.jpg")]},
    )

    assert response.status_code == 302
    added = Attachment.objects.filter(report=dispatched, event__action=Action.SUBMIT)
    assert added.count() == 2
    public_page = Client().get(report_url(dispatched)).content.decode()
    assert all(f"lampiran-{item.pk}.jpg" in public_page for item in added)
    assert "dua.jpg" in signed_in(world.citizen).get(report_url(dispatched)).content.decode()


def test_adding_nothing_or_past_the_limit_is_refused_and_nothing_kept(world, dispatched, settings):
    client = signed_in(world.citizen)
    empty = client.post(action_url(dispatched, "add_files"), {"version": dispatched.version})
    assert empty.status_code == 400
    assert "Choose at least one file." in empty.content.decode()

    settings.ADUAN_MAX_ATTACHMENTS = 2
    first = client.post(
        action_url(dispatched, "add_files"),
        {"version": dispatched.version, "attachments": [photo()]},
    )
    assert first.status_code == 302
    dispatched.refresh_from_db()
    response = client.post(
        action_url(dispatched, "add_files"),
        {"version": dispatched.version, "attachments": [photo("b.jpg"), photo("c.jpg")]},
    )
    assert response.status_code == 400
    assert "at most 2 files" in response.content.decode()
    assert Attachment.objects.filter(report=dispatched).count() == 1


def test_a_closed_report_takes_no_more_files(world):
    report, _ = submit(world, reporter=world.citizen)
    advance(world, report, Status.CLOSED)
    client = signed_in(world.citizen)

    assert 'data-action="add_files"' not in client.get(report_url(report)).content.decode()
    response = client.post(
        action_url(report, "add_files"), {"version": report.version, "attachments": [photo()]}
    )
    assert response.status_code == 409
    assert not Attachment.objects.exists()


def test_files_added_later_are_a_public_entry_and_the_handlers_are_told(world, dispatched):
    response = signed_in(world.citizen).post(
        action_url(dispatched, "add_files"),
        {"version": dispatched.version, "attachments": [photo(), photo("dua.jpg")]},
    )

    assert response.status_code == 302
    event = dispatched.events.get(action=Action.ADD_FILES)
    assert (event.is_public, event.by_reporter) == (True, True)
    added = Attachment.objects.filter(report=dispatched, event__action=Action.SUBMIT)
    assert sorted(event.data["attachments"]) == sorted(added.values_list("pk", flat=True))
    page = Client().get(report_url(dispatched)).content.decode()
    assert '<li data-action="add_files">' in page
    assert "2 lampiran" in page
    told = Notification.objects.filter(kind=Kind.NEW_IN_INBOX, key__startswith=f"e{event.pk}:")
    assert world.liaison_a in {n.user for n in told}
    assert world.liaison_b not in {n.user for n in told}
    assert all("Pelapor menambahkan 2 lampiran" in n.body for n in told)


def test_photos_sent_one_by_one_make_one_message_per_half_hour(world, dispatched):
    def add(name):
        (added,) = add_to_submission(dispatched, [clean_upload(photo(name))])
        return dispatched.events.get(data__attachments=[added.pk])

    first, second = add("a.jpg"), add("b.jpg")
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=31)):
        third = add("c.jpg")

    told = Notification.objects.filter(kind=Kind.NEW_IN_INBOX, user=world.liaison_a)
    causes = {n.key.split(":")[0] for n in told} & {f"e{e.pk}" for e in (first, second, third)}
    assert causes == {f"e{first.pk}", f"e{third.pk}"}
    assert second.is_public


def test_files_added_to_a_report_in_the_national_queue_make_no_message(world):
    report, _secret = submit(world, reporter=world.citizen)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=11)):
        add_to_submission(report, [clean_upload(photo())])

    assert report.events.filter(action=Action.ADD_FILES).exists()
    assert not Notification.objects.filter(kind=Kind.NEW_IN_INBOX, report=report).exists()


def test_photos_sent_just_after_the_report_complete_its_submission_silently(world):
    # A WhatsApp message's photos, or a connected app's, arrive a moment after the report.
    report, _secret = submit(world, reporter=world.citizen, suggested_organization=world.agency)
    version = report.version
    told = Notification.objects.filter(kind=Kind.NEW_IN_INBOX, report=report).count()

    add_to_submission(report, [clean_upload(photo()), clean_upload(photo("dua.jpg"))])

    assert report.attachments.filter(event__action=Action.SUBMIT).count() == 2
    assert not report.events.filter(action=Action.ADD_FILES).exists()
    assert report.version == version
    assert Notification.objects.filter(kind=Kind.NEW_IN_INBOX, report=report).count() == told


def test_files_after_an_officer_acted_are_news_however_soon(world):
    report, _secret = submit(world, reporter=world.citizen)
    lifecycle.add_note(report, as_user(world.national_admin), "Sedang dicek.")

    add_to_submission(report, [clean_upload(photo())])

    assert report.events.filter(action=Action.ADD_FILES).count() == 1


@pytest.mark.parametrize("who", [None, "outsider", "liaison_a"])
def test_only_the_reporter_may_add_files(world, dispatched, who):
    client = Client() if who is None else signed_in(getattr(world, who))
    response = client.post(
        action_url(dispatched, "add_files"),
        {"version": dispatched.version, "attachments": [photo()]},
    )

    assert response.status_code in (403, 404)
    assert not Attachment.objects.exists()


# --- Hiding a file from the public ------------------------------------------------------


@pytest.fixture
def with_photo(world):
    """A public report whose reporter sent a photo of an ID card with it."""
    report, _secret = submit(world, reporter=world.citizen, attachments=[clean_photo("ktp.jpg")])
    return advance(world, report, Status.DISPATCHED)


def clean_photo(name):
    return clean_upload(photo(name))


def test_an_admin_hides_a_photo_from_the_public_and_the_reporter_still_sees_it(world, with_photo):
    item = with_photo.attachments.get()
    link = reverse("portal:attachment", args=[with_photo.tracking_code, item.pk])
    assert Client().get(link).status_code == 200

    response = workspace_post(world.agency_admin, with_photo, "hide_file", {"attachment": item.pk})

    assert response.status_code == 302
    assert Client().get(link).status_code == 404
    assert "ktp.jpg" not in Client().get(report_url(with_photo)).content.decode()
    assert signed_in(world.citizen).get(link).status_code == 200
    event = with_photo.events.get(action=Action.HIDE_FILE)
    assert (event.is_public, event.message, event.actor) == (False, "ktp.jpg", world.agency_admin)
    page = signed_in(world.agency_admin).get(
        reverse("workspace:report", args=[with_photo.tracking_code])
    )
    assert "hidden from the public" in page.content.decode()
    assert '<form method="post" class="ws-inline"' not in page.content.decode()


def test_the_handling_liaison_may_hide_a_photo_too(world, with_photo):
    item = with_photo.attachments.get()
    page = signed_in(world.liaison_a).get(
        reverse("workspace:report", args=[with_photo.tracking_code])
    )
    assert '<form method="post" class="ws-inline"' in page.content.decode()

    workspace_post(world.liaison_a, with_photo, "hide_file", {"attachment": item.pk})

    item.refresh_from_db()
    assert not item.is_public


@pytest.mark.parametrize("who", ["liaison_b", "outsider", "citizen", "supervisor"])
def test_someone_not_handling_the_report_may_not_hide_its_files(world, with_photo, who):
    item = with_photo.attachments.get()
    response = workspace_post(getattr(world, who), with_photo, "hide_file", {"attachment": item.pk})

    assert response.status_code in (403, 404)
    item.refresh_from_db()
    assert item.is_public


def test_a_file_of_another_report_or_one_already_hidden_is_refused(world, with_photo):
    other, _ = submit(world, attachments=[clean_photo("lain.jpg")])
    foreign = other.attachments.get()
    response = workspace_post(
        world.national_admin, with_photo, "hide_file", {"attachment": foreign.pk}
    )
    assert response.status_code == 400
    assert "This file is not shown to the public." in response.content.decode()
    foreign.refresh_from_db()
    assert foreign.is_public

    item = with_photo.attachments.get()
    lifecycle.hide_file(with_photo, as_user(world.national_admin), item.pk)
    again = workspace_post(world.national_admin, with_photo, "hide_file", {"attachment": item.pk})
    assert again.status_code == 400
    assert with_photo.events.filter(action=Action.HIDE_FILE).count() == 1


def test_hiding_on_a_page_seen_before_a_change_is_refused(world, with_photo):
    item = with_photo.attachments.get()
    seen = with_photo.version
    lifecycle.add_note(with_photo, as_user(world.liaison_a), "Dicek.")
    response = signed_in(world.agency_admin).post(
        reverse(
            "workspace:action", kwargs={"code": with_photo.tracking_code, "action": "hide_file"}
        ),
        {"version": seen, "attachment": item.pk},
    )

    assert response.status_code == 409
    item.refresh_from_db()
    assert item.is_public


# --- The reporter is told -------------------------------------------------------------


def test_the_reporter_is_told_a_response_came_with_photos(world, dispatched):
    liaison = as_user(world.liaison_a)
    lifecycle.respond(dispatched, liaison, "Dijadwalkan besok.")
    lifecycle.complete(
        dispatched, liaison, "Sudah ditambal.", files=[clean_photo("a.jpg"), clean_photo("b.jpg")]
    )

    told = {n.kind: n.body for n in Notification.objects.filter(user=world.citizen)}
    assert "Tanggapan ini disertai 2 lampiran" in told[Kind.COMPLETED]
    assert "lampiran" not in told[Kind.RESPONSE]
