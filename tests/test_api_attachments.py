"""Files sent after a report through /api/v1/reports/{code}/attachments/."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from aduan.api.models import Scope
from aduan.reports import lifecycle
from aduan.reports.attachments import clean_upload
from aduan.reports.lifecycle import Action
from aduan.reports.models import Attachment, Report, Status
from tests.personas import advance, as_user, submit
from tests.test_api import bearer, error_codes, error_fields, get, new_key, post, report_payload
from tests.test_attachments import GPS_IFD, PDF, _jpeg_with_gps, _pdf, _png


def received(client, world, secret, external_id="SIP-001") -> Report:
    response = post(client, "/api/v1/reports/", secret, report_payload(external_id=external_id))
    assert response.status_code == 201
    return Report.objects.get(tracking_code=response.json()["code"])


def upload(client, report, secret, name="foto.jpg", data=None, **headers):
    data = _jpeg_with_gps() if data is None else data
    return client.post(
        f"/api/v1/reports/{report.tracking_code}/attachments/",
        {"file": SimpleUploadedFile(name, data)},
        headers={**bearer(secret), **headers},
    )


def test_a_photo_joins_the_submission_without_its_gps_position(client, world):
    secret = new_key(world.agency)
    report = received(client, world, secret)
    response = upload(client, report, secret)
    assert response.status_code == 201
    body = response.json()
    assert body["report"] == report.tracking_code
    assert body["name"] == "foto.jpg" and body["content_type"] == "image/jpeg"
    attachment = Attachment.objects.get(pk=body["id"])
    assert attachment.event == report.events.get(action=Action.SUBMIT)
    assert body["size"] == attachment.size
    with attachment.file.open("rb") as stored, Image.open(stored) as image:
        assert not image.getexif().get_ifd(GPS_IFD)


def test_a_pdf_is_kept_without_its_metadata(client, world):
    secret = new_key(world.agency)
    report = received(client, world, secret)
    signed = _pdf(Author="Bambang Sutrisno")
    response = upload(client, report, secret, name="surat.pdf", data=signed)
    assert response.status_code == 201
    stored = Attachment.objects.get(pk=response.json()["id"]).file.read()
    assert stored.startswith(b"%PDF-") and b"Bambang" not in stored


@pytest.mark.parametrize(
    ("name", "data"),
    [("foto.jpg", b"bukan gambar"), ("foto.png", None), ("kosong.jpg", b"")],
)
def test_a_wrong_or_empty_file_is_a_400_naming_the_field(client, world, name, data):
    secret = new_key(world.agency)
    report = received(client, world, secret)
    response = upload(client, report, secret, name=name, data=data)
    assert response.status_code == 400
    assert error_fields(response) == ["file"]
    assert not Attachment.objects.exists()


def test_a_file_too_large_is_a_400(client, world, settings):
    settings.ADUAN_MAX_ATTACHMENT_BYTES = 100
    secret = new_key(world.agency)
    report = received(client, world, secret)
    response = upload(client, report, secret)  # a JPEG of several hundred bytes
    assert response.status_code == 400
    assert error_fields(response) == ["file"]


def test_no_more_files_than_the_limit(client, world, settings):
    settings.ADUAN_MAX_ATTACHMENTS = 2
    secret = new_key(world.agency)
    report = received(client, world, secret)
    assert upload(client, report, secret).status_code == 201
    assert upload(client, report, secret).status_code == 201
    response = upload(client, report, secret)
    assert response.status_code == 400
    assert error_fields(response) == ["file"]
    assert report.attachments.count() == 2


def test_json_instead_of_a_file_is_a_415(client, world):
    secret = new_key(world.agency)
    report = received(client, world, secret)
    response = post(client, f"/api/v1/reports/{report.tracking_code}/attachments/", secret, {})
    assert response.status_code == 415


def test_no_file_part_is_a_400(client, world):
    secret = new_key(world.agency)
    report = received(client, world, secret)
    response = client.post(
        f"/api/v1/reports/{report.tracking_code}/attachments/",
        {"other": "x"},
        headers=bearer(secret),
    )
    assert response.status_code == 400
    assert error_fields(response) == ["file"]


def test_a_closed_report_takes_no_more_files(client, world):
    secret = new_key(world.agency)
    report = advance(world, received(client, world, secret), Status.CLOSED)
    response = upload(client, report, secret)
    assert response.status_code == 409
    assert error_codes(response) == ["invalid_state"]
    assert not report.attachments.exists()


def test_only_the_system_that_sent_the_report_may_add_files(client, world):
    report = submit(world)[0]  # a citizen's web report, visible to the agency later on
    advance(world, report, Status.DISPATCHED)
    response = upload(client, report, new_key(world.agency))
    assert response.status_code == 404
    other = received(client, world, new_key(world.agency), external_id="SIP-9")
    response = upload(client, other, new_key(world.other_agency))
    assert response.status_code == 404
    assert not Attachment.objects.exists()


def test_reading_keys_may_not_add_files(client, world):
    secret = new_key(world.agency)
    report = received(client, world, secret)
    reader = new_key(world.agency, scopes=[Scope.REPORTS_READ])
    assert upload(client, report, reader).status_code == 403
    assert client.post(f"/api/v1/reports/{report.tracking_code}/attachments/").status_code == 401


def test_a_retried_upload_with_its_idempotency_key_adds_the_file_once(client, world):
    secret = new_key(world.agency)
    report = received(client, world, secret)
    first = upload(client, report, secret, **{"Idempotency-Key": "foto-1"})
    again = upload(client, report, secret, **{"Idempotency-Key": "foto-1"})
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert report.attachments.count() == 1
    other = upload(
        client, report, secret, name="lain.png", data=_png(), **{"Idempotency-Key": "foto-1"}
    )
    assert other.status_code == 409


def test_a_body_too_large_for_one_file_is_refused_before_it_is_read(client, world, settings):
    settings.ADUAN_MAX_ATTACHMENT_BYTES = 1000
    secret = new_key(world.agency)
    report = received(client, world, secret)
    response = upload(client, report, secret, name="besar.pdf", data=PDF + b"0" * 80_000)
    assert response.status_code == 413
    assert error_fields(response) == ["file"] and error_codes(response) == ["too_large"]
    assert not Attachment.objects.exists()


# --- Reading the files of a report's timeline ------------------------------------------


def _clean(name, data):
    return clean_upload(SimpleUploadedFile(name, data))


@pytest.fixture
def handled(world):
    """A web report with a photo, answered with a letter, and an internal note's scan."""
    report = submit(world, attachments=[_clean("foto.jpg", _jpeg_with_gps())])[0]
    advance(world, report, Status.DISPATCHED)
    liaison = as_user(world.liaison_a)
    lifecycle.respond(report, liaison, "Surat jawaban terlampir.", files=[_clean("surat.pdf", PDF)])
    lifecycle.add_note(report, liaison, "Hasil survei.", files=[_clean("survei.png", _png())])
    return report


def test_timeline_entries_list_their_files_and_the_key_downloads_them(client, world, handled):
    secret = new_key(world.agency)
    body = get(client, f"/api/v1/reports/{handled.tracking_code}/", secret).json()

    files = {e["action"]: e["attachments"] for e in body["timeline"] if e["attachments"]}
    assert [f["name"] for f in files["submit"]] == ["foto.jpg"]
    assert files["respond"][0]["name"] == "surat.pdf"
    assert files["respond"][0]["public"] is True
    assert set(files) == {"submit", "respond"}  # the note is internal
    response = client.get(files["respond"][0]["url"], headers=bearer(secret))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert (
        b"".join(response.streaming_content)
        == handled.attachments.get(original_name="surat.pdf").file.read()
    )
    # A client that says it wants a PDF (or an image) gets it, and errors stay JSON.
    asking = {**bearer(secret), "Accept": "application/pdf"}
    assert client.get(files["respond"][0]["url"], headers=asking).status_code == 200
    missing = client.get(
        f"/api/v1/reports/{handled.tracking_code}/attachments/999/", headers=asking
    )
    assert missing.status_code == 404 and missing["Content-Type"] == "application/json"


def test_an_internal_notes_file_another_agency_and_no_key_get_nothing(client, world, handled):
    note_file = Attachment.objects.get(event__action=Action.NOTE)
    reply_file = Attachment.objects.get(event__action=Action.RESPOND)
    url = f"/api/v1/reports/{handled.tracking_code}/attachments/{{}}/"
    secret = new_key(world.agency)

    assert client.get(url.format(note_file.pk), headers=bearer(secret)).status_code == 404
    other = new_key(world.other_agency)
    assert client.get(url.format(reply_file.pk), headers=bearer(other)).status_code == 404
    assert client.get(url.format(reply_file.pk)).status_code == 401


def test_a_file_hidden_from_the_public_is_marked_and_still_reaches_the_handlers(
    client, world, handled
):
    photo = Attachment.objects.get(event__action=Action.SUBMIT)
    lifecycle.hide_file(handled, as_user(world.agency_admin), photo.pk)
    secret = new_key(world.agency)

    body = get(client, f"/api/v1/reports/{handled.tracking_code}/", secret).json()
    (submitted,) = [e for e in body["timeline"] if e["action"] == "submit"]
    assert submitted["attachments"][0]["public"] is False
    assert client.get(submitted["attachments"][0]["url"], headers=bearer(secret)).status_code == 200


def test_the_changes_feed_lists_files_in_a_bounded_number_of_queries(
    client, world, handled, django_assert_max_num_queries
):
    secret = new_key(world.agency)
    with django_assert_max_num_queries(8):
        body = get(client, "/api/v1/changes/", secret).json()
    named = [f["name"] for e in body["results"] for f in e["attachments"]]
    assert named == ["foto.jpg", "surat.pdf"]


# --- An organization's response or completion with its photos -----------------------


def send(client, report, secret, endpoint="responses", files=(), **headers):
    """A response (or completion) with files, as multipart/form-data."""
    data = {"message": "Sudah ditambal, foto terlampir."}
    data["file"] = [SimpleUploadedFile(name, content) for name, content in files]
    return client.post(
        f"/api/v1/reports/{report.tracking_code}/{endpoint}/",
        data,
        headers={**bearer(secret), **headers},
    )


@pytest.fixture
def at_unit(world):
    return advance(world, submit(world)[0], Status.DISPATCHED)


def test_a_response_carries_its_photos_without_their_gps_position(client, world, at_unit):
    files = [("a.jpg", _jpeg_with_gps()), ("surat.pdf", PDF)]
    response = send(client, at_unit, new_key(world.unit_a), files=files)

    assert response.status_code == 201
    assert [f["name"] for f in response.json()["attachments"]] == ["a.jpg", "surat.pdf"]
    stored = Attachment.objects.get(event__action=Action.RESPOND, original_name="a.jpg")
    with stored.file.open("rb") as handle, Image.open(handle) as image:
        assert not image.getexif().get_ifd(GPS_IFD)
    at_unit.refresh_from_db()
    assert at_unit.status == Status.IN_PROGRESS


def test_a_completion_without_files_may_still_be_multipart(client, world, at_unit):
    response = send(client, at_unit, new_key(world.unit_a), endpoint="completion")
    assert response.status_code == 201
    at_unit.refresh_from_db()
    assert at_unit.status == Status.COMPLETED


def test_a_bad_file_or_too_many_name_the_file_field_and_change_nothing(
    client, world, at_unit, settings
):
    secret = new_key(world.unit_a)
    bad = send(client, at_unit, secret, files=[("a.jpg", b"not a picture at all")])
    assert bad.status_code == 400
    assert error_fields(bad) == ["file"]

    settings.ADUAN_MAX_ATTACHMENTS = 1
    many = send(client, at_unit, secret, files=[("a.jpg", _png()), ("b.png", _png())])
    assert many.status_code == 400
    assert error_fields(many) == ["file"]
    at_unit.refresh_from_db()
    assert at_unit.status == Status.DISPATCHED
    assert not Attachment.objects.exists()


def test_a_body_larger_than_all_files_may_be_is_refused_before_it_is_read(
    client, world, at_unit, settings
):
    settings.ADUAN_MAX_ATTACHMENT_BYTES = 1000
    settings.ADUAN_MAX_ATTACHMENTS = 2
    response = send(client, at_unit, new_key(world.unit_a), files=[("a.pdf", b"%PDF" * 40_000)])
    assert response.status_code == 413
    assert not Attachment.objects.exists()


def test_a_retried_response_with_files_is_published_once(client, world, at_unit):
    secret = new_key(world.unit_a)
    files = [("a.png", _png())]
    first = send(client, at_unit, secret, files=files, **{"Idempotency-Key": "resp-foto-1"})
    again = send(client, at_unit, secret, files=files, **{"Idempotency-Key": "resp-foto-1"})

    assert again.status_code == 201 and again.json() == first.json()
    assert Attachment.objects.filter(event__action=Action.RESPOND).count() == 1


# --- Hiding a file the reporter sent ----------------------------------------------------


def hide(client, report, pk, secret):
    url = f"/api/v1/reports/{report.tracking_code}/attachments/{pk}/"
    return client.delete(url, headers=bearer(secret) if secret else {})


def test_the_sending_system_hides_a_photo_from_the_public_and_again_changes_nothing(client, world):
    secret = new_key(world.agency)
    report = received(client, world, secret)
    photo = Attachment.objects.get(pk=upload(client, report, secret).json()["id"])

    response = hide(client, report, photo.pk, secret)

    assert response.status_code == 204
    photo.refresh_from_db()
    assert photo.is_public is False
    event = report.events.get(action=Action.HIDE_FILE)
    assert (event.is_public, event.data) == (False, {"attachment": photo.pk})
    # The timeline names the organization whose system hid it.
    assert (event.actor, event.actor_organization) == (None, world.agency)
    client.force_login(world.national_admin)
    client.cookies["django_language"] = "en"
    page = client.get(f"/kantor/laporan/{report.tracking_code}/").content.decode()
    assert f"System, for {world.agency.name}" in page
    client.logout()
    assert hide(client, report, photo.pk, secret).status_code == 204
    assert report.events.filter(action=Action.HIDE_FILE).count() == 1
    # The file is hidden, not gone: the handlers' key still downloads it.
    assert (
        client.get(
            f"/api/v1/reports/{report.tracking_code}/attachments/{photo.pk}/",
            headers=bearer(secret),
        ).status_code
        == 200
    )


def test_only_the_reporters_files_of_a_report_the_key_sent_may_be_hidden(client, world):
    secret = new_key(world.agency)
    report = received(client, world, secret)
    photo = Attachment.objects.get(pk=upload(client, report, secret).json()["id"])
    advance(world, report, Status.DISPATCHED)
    lifecycle.respond(report, as_user(world.liaison_a), "Terlampir.", files=[_clean("s.pdf", PDF)])
    reply_file = Attachment.objects.get(event__action=Action.RESPOND)

    assert hide(client, report, reply_file.pk, secret).status_code == 404  # not the reporter's
    assert hide(client, report, "abc", secret).status_code == 404
    assert hide(client, report, photo.pk, new_key(world.other_agency)).status_code == 404
    web = submit(world, attachments=[_clean("w.jpg", _jpeg_with_gps())])[0]
    web_photo = web.attachments.get()
    assert hide(client, web, web_photo.pk, secret).status_code == 404  # not received by key
    reader = new_key(world.agency, scopes=[Scope.REPORTS_READ])
    assert hide(client, report, photo.pk, reader).status_code == 403
    assert hide(client, report, photo.pk, None).status_code == 401
    assert not Attachment.objects.filter(is_public=False).exists()
