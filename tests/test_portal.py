"""The citizen portal: submitting, tracking, the report page, actions and public lists."""

from __future__ import annotations

import datetime
import io
import re
import uuid

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from PIL import ExifTags, Image

from aduan.notifications.models import Kind, MessageTemplate, Notification
from aduan.organizations.models import Region
from aduan.reports import lifecycle
from aduan.reports.models import Attachment, Report, Status, Subscription, Support
from tests.personas import advance, as_user, days_ago, submit

BODY = "Lubang besar di Jalan Merdeka depan pasar, sudah dua minggu, motor sering jatuh."


# --- Helpers ------------------------------------------------------------------------------


@pytest.fixture
def regions(db):
    province = Region.objects.create(code="32", name="Jawa Barat", level=1)
    regency = Region.objects.create(code="32.04", name="Kab. Bandung", level=2, parent=province)
    Region.objects.create(code="32.73", name="Kota Bandung", level=2, parent=province)
    Region.objects.create(code="31", name="DKI Jakarta", level=1)
    return {"province": province, "regency": regency}


def english(client: Client) -> Client:
    client.cookies["django_language"] = "en"
    return client


def signed_in(user) -> Client:
    client = english(Client())
    client.force_login(user)
    return client


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), (200, 30, 30))
    exif = Image.Exif()
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "S"
    gps[ExifTags.GPS.GPSLatitude] = (6.0, 54.0, 0.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (107.0, 36.0, 0.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def photo(name: str = "jalan.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_with_gps(), content_type="image/jpeg")


def form_data(**overrides) -> dict:
    data = {
        "form_token": uuid.uuid4().hex,
        "kind": "complaint",
        "title": "Jalan berlubang di depan pasar",
        "body": BODY,
        "incident_date": (timezone.localdate() - datetime.timedelta(days=3)).isoformat(),
        "region": "",
        "address": "Jl. Merdeka No. 10",
        "guest_name": "Budi Tamu",
        "guest_email": "budi@example.id",
        "guest_phone": "",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post_report(client: Client, **overrides):
    return client.post(reverse("portal:submit"), form_data(**overrides))


def report_url(report: Report) -> str:
    return reverse("portal:report", args=[report.tracking_code])


def action_url(report: Report, action: str) -> str:
    return reverse("portal:report_action", args=[report.tracking_code, action])


def guest_client_for(report: Report, secret: str) -> Client:
    """A browser that opened the guest's secret link."""
    client = english(Client())
    client.get(reverse("portal:secret", args=[report.tracking_code, secret]))
    return client


def public_report(world, **fields) -> Report:
    report, _secret = submit(world, **fields)
    return advance(world, report, Status.DISPATCHED)


# --- Home, regions ----------------------------------------------------------------------------


def test_home_shows_live_figures_and_only_public_reports(world, django_assert_max_num_queries):
    shown = public_report(world, title="Lampu jalan mati di alun-alun")
    hidden = public_report(world, title="Pungutan liar rahasia di kantor", is_confidential=True)
    closed, _ = submit(world, title="Sampah menumpuk di pasar baru")
    advance(world, closed, Status.CLOSED)
    client = english(Client())
    with django_assert_max_num_queries(6):
        response = client.get(reverse("portal:home"))
    html = response.content.decode()
    assert shown.tracking_code in html
    assert hidden.tracking_code not in html
    assert re.search(r'data-figure="received">\s*3<', html)
    assert re.search(r'data-figure="handling">\s*2<', html)
    assert re.search(r'data-figure="closed">\s*1<', html)


def home_figures(client: Client) -> dict[str, int]:
    html = client.get(reverse("portal:home")).content.decode()
    return {k: int(v) for k, v in re.findall(r'data-figure="(\w+)">\s*(\d+)<', html)}


def test_home_figures_are_a_breakdown_of_the_reports_received_each_status_counted_once(world):
    for status in Status:
        report, _ = submit(world, title=f"Laporan berstatus {status.label} di kota")
        advance(world, report, status)
    figures = home_figures(english(Client()))
    assert figures.pop("received") == len(Status) == 7
    assert figures == {"waiting": 2, "handling": 2, "responded": 1, "closed": 1, "archived": 1}
    assert sum(figures.values()) == 7


def test_home_figures_name_the_statuses_they_count_in_both_languages(world):
    english_page = english(Client()).get(reverse("portal:home")).content.decode()
    indonesian_page = Client().get(reverse("portal:home")).content.decode()
    assert "Responded, waiting for the reporter" in english_page
    assert "Being handled or done" not in english_page
    assert "Ditanggapi, menunggu tanggapan pelapor" in indonesian_page
    assert "<dt>Selesai</dt>" in indonesian_page
    assert "Sedang ditangani atau sudah ditanggapi" not in indonesian_page


def test_regions_lists_provinces_then_children_with_a_cache_header(regions):
    client = Client()
    provinces = client.get(reverse("portal:regions")).json()
    assert provinces == [
        {"code": "31", "name": "DKI Jakarta"},
        {"code": "32", "name": "Jawa Barat"},
    ]
    response = client.get(reverse("portal:regions"), {"parent": "32"})
    assert [r["code"] for r in response.json()] == ["32.04", "32.73"]
    assert "max-age" in response["Cache-Control"]
    assert client.get(reverse("portal:regions"), {"parent": "99"}).json() == []


# --- Submitting ---------------------------------------------------------------------------------


def test_guest_submits_with_a_photo_and_the_stored_copy_has_no_exif(world, regions):
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    client = english(Client())
    data = form_data(region="32.04", guest_phone="0812-3456-7890", category=world.potholes.pk)
    data["attachments"] = [photo()]
    response = client.post(reverse("portal:submit"), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:submitted")

    report = Report.objects.get()
    assert report.channel == "web"
    assert report.reporter is None
    assert report.guest_phone == "+6281234567890"
    assert report.region_id == "32.04"
    stored = Attachment.objects.get(report=report)
    with stored.file.open("rb") as handle:
        data = handle.read()
    assert b"Exif" not in data
    image = Image.open(io.BytesIO(data))
    assert not image.getexif()
    assert stored.content_type == "image/jpeg"


def test_confirmation_shows_the_code_and_the_secret_link_in_this_browser_for_minutes(world):
    client = english(Client())
    post_report(client)
    report = Report.objects.get()
    response = client.get(reverse("portal:submitted"))
    html = response.content.decode()
    assert f'<span class="code">{report.tracking_code}</span>' in html
    link = re.search(r'<a id="secret-link" href="([^"]+)"', html).group(1)
    assert link.startswith("http://testserver/laporan/")
    # A reload (the first answer lost on the way) shows it again, for a few minutes.
    assert link in client.get(reverse("portal:submitted")).content.decode()
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=16)):
        assert client.get(reverse("portal:submitted")).status_code == 302
    assert client.get(reverse("portal:submitted")).status_code == 302  # forgotten

    stranger = english(Client())
    assert stranger.get(report_url(report)).status_code == 404
    response = stranger.get(link, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == report_url(report)


def test_a_guest_is_told_to_confirm_their_address_to_hear_our_questions(world):
    client = english(Client())
    post_report(client)

    html = client.get(reverse("portal:submitted")).content.decode()

    assert "data-confirm-contact" in html and "budi@example.id" in html
    assert "archived after 10 working days" in html


def test_signed_in_citizen_submits_without_guest_fields(world):
    client = signed_in(world.citizen)
    form_page = client.get(reverse("portal:submit")).content.decode()
    assert 'name="guest_name"' not in form_page
    response = post_report(client, guest_name=None, guest_email=None, guest_phone=None)
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.reporter == world.citizen
    assert report.guest_secret_hash == ""
    html = client.get(reverse("portal:submitted")).content.decode()
    assert report.tracking_code in html
    assert 'id="secret-link"' not in html
    assert "data-confirm-contact" not in html  # an account's address is confirmed
    assert client.get(report_url(report)).status_code == 200


def test_double_submit_with_the_same_token_creates_one_report(world):
    client = english(Client())
    data = form_data()
    first = client.post(reverse("portal:submit"), data)
    second = client.post(reverse("portal:submit"), data)
    assert first.status_code == second.status_code == 302
    assert Report.objects.count() == 1
    reference = Report.objects.get().channel_reference
    assert reference.startswith("form:") and data["form_token"] not in reference


def test_a_retry_whose_first_response_was_lost_still_reaches_the_confirmation(world):
    data = form_data()
    english(Client()).post(reverse("portal:submit"), data)
    retry = english(Client())  # the first response (and its cookie) never arrived
    assert retry.post(reverse("portal:submit"), data).status_code == 302
    report = Report.objects.get()
    assert report.tracking_code in retry.get(reverse("portal:submitted")).content.decode()


def test_a_double_clicked_form_still_shows_the_guest_their_secret_link(world):
    data = form_data()
    english(Client()).post(reverse("portal:submit"), data)
    # The second request of a double click reads the session as it was before the first
    # one saved it, as a client without that session does, and is saved last.
    second = english(Client())
    assert second.post(reverse("portal:submit"), data).status_code == 302

    html = second.get(reverse("portal:submitted")).content.decode()

    link = re.search(r'id="secret-link" href="([^"]+)"', html)
    assert link, html
    opened = english(Client()).get(link.group(1), follow=True)
    assert opened.status_code == 200
    assert Report.objects.get().tracking_code in opened.content.decode()


def test_a_report_sent_again_from_a_form_fetched_again_is_received_once(world):
    # The connection dropped after the report arrived; "Back" fetched the form again
    # (a new one-time token, no session cookie yet) and the citizen sent it again.
    english(Client()).post(reverse("portal:submit"), form_data())
    again = english(Client())

    response = again.post(reverse("portal:submit"), form_data())

    assert response.status_code == 302
    report = Report.objects.get()
    html = again.get(reverse("portal:submitted")).content.decode()
    assert report.tracking_code in html and "data-again" in html
    # Knowing the address and the text proves nothing: no private link, no access.
    assert 'id="secret-link"' not in html
    assert again.get(report_url(report)).status_code == 404


def test_a_sign_in_at_a_shared_computer_forgets_the_guests_confirmation(world):
    client = english(Client())
    post_report(client)
    assert client.get(reverse("portal:submitted")).status_code == 200

    client.force_login(world.outsider)  # the next person signs in on the same browser

    assert client.get(reverse("portal:submitted")).status_code == 302


def test_a_browser_stops_being_a_guests_reporter_at_a_sign_in_or_after_hours(world):
    # A confidential report, from an internet café: the next person at the browser
    # must neither read it nor act as its reporter.
    client = english(Client())
    post_report(client, is_confidential="on")
    report = Report.objects.get()
    assert client.get(report_url(report)).status_code == 200

    client.force_login(world.outsider)
    assert client.get(report_url(report)).status_code == 404

    later = english(Client())
    post_report(later, is_confidential="on", title="Lampu jalan padam di gang")
    second = Report.objects.get(title="Lampu jalan padam di gang")
    assert later.get(report_url(second)).status_code == 200
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=13)):
        assert later.get(report_url(second)).status_code == 404


def test_a_resend_asking_for_more_privacy_or_from_one_matching_contact_is_a_new_report(world):
    english(Client()).post(reverse("portal:submit"), form_data(guest_phone="0812-1111-2222"))
    private = form_data(guest_phone="0812-1111-2222", is_anonymous="on", is_confidential="on")
    english(Client()).post(reverse("portal:submit"), private)
    # Someone who knows the text and one of the reporter's contacts learns nothing.
    stranger = english(Client())
    stranger.post(
        reverse("portal:submit"),
        form_data(guest_phone="0812-1111-2222", guest_email="orang.lain@example.id"),
    )
    html = stranger.get(reverse("portal:submitted")).content.decode()

    assert Report.objects.count() == 3
    assert "data-again" not in html


def test_a_resend_from_the_same_browser_keeps_the_private_link(world):
    client = english(Client())
    client.post(reverse("portal:submit"), form_data())
    client.post(reverse("portal:submit"), form_data())

    html = client.get(reverse("portal:submitted")).content.decode()

    assert Report.objects.count() == 1
    assert "data-again" in html and 'id="secret-link"' in html
    assert "data-confirm-contact" not in html  # no address shown on a resend


def test_a_signed_in_citizen_who_sends_the_same_report_twice_gets_one(world):
    client = signed_in(world.citizen)
    post_report(client, guest_name=None, guest_email=None, guest_phone=None)
    post_report(client, guest_name=None, guest_email=None, guest_phone=None)

    assert Report.objects.filter(reporter=world.citizen).count() == 1
    assert "data-again" in client.get(reverse("portal:submitted")).content.decode()


def test_another_text_or_half_an_hour_later_is_another_report(world):
    english(Client()).post(reverse("portal:submit"), form_data())
    english(Client()).post(reverse("portal:submit"), form_data(title="Lampu jalan padam di pasar"))
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=31)):
        english(Client()).post(reverse("portal:submit"), form_data())
    # Another person writing the same words is another reporter.
    english(Client()).post(reverse("portal:submit"), form_data(guest_email="ani@example.id"))
    # The same words about another street are another report.
    english(Client()).post(reverse("portal:submit"), form_data(address="Jl. Sudirman No. 3"))

    assert Report.objects.count() == 5


def test_an_officer_who_reads_the_reference_cannot_claim_a_guests_report(world):
    data = form_data()
    english(Client()).post(reverse("portal:submit"), data)
    report = Report.objects.get()
    stolen = form_data(form_token=report.channel_reference.removeprefix("form:"))
    stranger = english(Client())

    stranger.post(reverse("portal:submit"), stolen)

    assert stranger.get(report_url(report)).status_code == 404
    assert report.tracking_code not in stranger.get(reverse("portal:submitted")).content.decode()


def test_a_phone_number_alone_is_enough_only_where_text_messages_can_be_sent(world, settings):
    phone_only = {"guest_email": "", "guest_phone": "0812-3456-7891"}

    refused = english(Client()).post(reverse("portal:submit"), form_data(**phone_only))

    assert refused.status_code == 200 and not Report.objects.exists()
    assert "cannot send text messages" in refused.content.decode()
    assert 'value="0812-3456-7891"' in refused.content.decode()  # nothing typed is lost
    settings.ADUAN_SMS_GATEWAY_URL = "https://sms.example.id/send"
    accepted = english(Client()).post(reverse("portal:submit"), form_data(**phone_only))
    assert accepted.status_code == 302 and Report.objects.count() == 1


def test_a_refused_form_says_its_photo_must_be_chosen_again(world):
    data = form_data(body="jalan rusak parah")  # too short
    data["attachments"] = [photo()]

    response = english(Client()).post(reverse("portal:submit"), data)

    assert response.status_code == 200 and not Report.objects.exists()
    errors = response.context["form"].errors
    assert "body" in errors
    assert errors["attachments"] == [
        "Your photos and documents were not kept: choose them again before sending."
    ]


def test_another_users_form_token_does_not_reveal_their_report(world):
    data = form_data(guest_name=None, guest_email=None)
    signed_in(world.citizen).post(reverse("portal:submit"), data)
    response = signed_in(world.outsider).post(reverse("portal:submit"), data)
    assert response.status_code == 200
    assert Report.objects.get().tracking_code not in response.content.decode()


def test_submit_page_offers_provinces_and_categories(world, regions):
    html = english(Client()).get(reverse("portal:submit")).content.decode()
    assert '<option value="32">Jawa Barat</option>' in html
    assert "Jalan Rusak" in html
    assert 'name="form_token"' in html
    assert 'enctype="multipart/form-data"' in html


BAD_INPUTS = {
    "empty title": ({"title": ""}, "title"),
    "short title": ({"title": "Jalan"}, "title"),
    "empty body": ({"body": ""}, "body"),
    "short body": ({"body": "Jalan rusak parah."}, "body"),
    "repeated character": ({"body": "a" * 60}, "body"),
    "repeated word": ({"body": "tolong " * 12}, "body"),
    "future date": (
        {"incident_date": (timezone.localdate() + datetime.timedelta(days=2)).isoformat()},
        "incident_date",
    ),
    "old date": ({"incident_date": "2019-01-01"}, "incident_date"),
    "unknown region": ({"region": "99.99"}, "region"),
    "no guest name": ({"guest_name": ""}, "guest_name"),
    "no contact": ({"guest_email": "", "guest_phone": ""}, "guest_email"),
    "bad phone": ({"guest_email": "", "guest_phone": "12345"}, "guest_phone"),
}


@pytest.mark.parametrize("overrides, field", BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_is_refused_next_to_the_field_and_typed_values_are_kept(
    world, regions, overrides, field
):
    data = form_data(address="Jl. Asia Afrika No. 8", **overrides)
    response = english(Client()).post(reverse("portal:submit"), data)
    assert response.status_code == 200
    assert Report.objects.count() == 0
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert f'aria-describedby="id_{field}_error' in html
    assert 'value="Jl. Asia Afrika No. 8"' in html
    assert f'value="{data["form_token"]}"' in html
    if field != "title":
        assert 'value="Jalan berlubang di depan pasar"' in html


def test_a_file_whose_content_does_not_match_its_name_is_refused(world):
    data = form_data()
    data["attachments"] = [SimpleUploadedFile("laporan.pdf", jpeg_with_gps())]
    response = english(Client()).post(reverse("portal:submit"), data)
    html = response.content.decode()
    assert Report.objects.count() == 0
    assert 'id="id_attachments_error"' in html
    assert "does not match its file name" in html
    assert "choose them again" in html
    assert BODY in html


def test_an_oversized_file_is_refused_with_the_limit(world, settings):
    settings.ADUAN_MAX_ATTACHMENT_BYTES = 100
    data = form_data()
    data["attachments"] = [photo()]
    html = english(Client()).post(reverse("portal:submit"), data).content.decode()
    assert Report.objects.count() == 0
    assert "is too large" in html
    assert 'value="Jalan berlubang di depan pasar"' in html


def test_a_deeper_region_stays_selected_when_the_form_is_shown_again(world, regions):
    html = post_report(english(Client()), region="32.04", title="").content.decode()
    assert '<option value="32.04" selected>Kab. Bandung, Jawa Barat</option>' in html


# --- Tracking ---------------------------------------------------------------------------------


def test_track_accepts_a_code_however_it_is_typed(world):
    report = public_report(world)
    typed = report.tracking_code.lower().replace("-", " ")
    response = Client().get(reverse("portal:track"), {"code": typed})
    assert response.status_code == 302
    assert response["Location"] == report_url(report)


def test_track_with_an_unknown_code_keeps_it_and_explains(world):
    response = english(Client()).get(reverse("portal:track"), {"code": "ZZZZ-9999"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'value="ZZZZ-9999"' in html
    assert "We found no public report with this code" in html
    # The citizen who wrote down the code of a report still being verified learns why.
    assert "once an officer has verified it (within 3 working days)" in html


def test_track_does_not_tell_a_confidential_report_from_a_missing_one(world):
    report = public_report(world, is_confidential=True)
    response = english(Client()).get(reverse("portal:track"), {"code": report.tracking_code})
    assert response.status_code == 200
    assert "We found no public report with this code" in response.content.decode()


# --- The report page ---------------------------------------------------------------------------


def test_a_public_report_is_open_to_everyone_with_public_entries_only(world):
    report = public_report(world)
    lifecycle.add_note(report, as_user(world.liaison_a), "Catatan internal: anggaran habis.")
    html = english(Client()).get(report_url(report)).content.decode()
    assert report.title in html
    assert '<ol class="timeline">' in html
    assert 'data-action="dispatch"' in html
    assert "anggaran habis" not in html
    assert 'data-action="note"' not in html


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.ON_HOLD, Status.ARCHIVED])
def test_unverified_and_archived_reports_are_hidden_from_the_public(world, status):
    report, secret = submit(world)
    advance(world, report, status)
    assert english(Client()).get(report_url(report)).status_code == 404
    assert signed_in(world.outsider).get(report_url(report)).status_code == 404
    assert guest_client_for(report, secret).get(report_url(report)).status_code == 200


def test_a_confidential_report_is_seen_only_by_its_reporter(world):
    report, _ = submit(world, reporter=world.citizen, is_confidential=True)
    advance(world, report, Status.IN_PROGRESS)
    assert english(Client()).get(report_url(report)).status_code == 404
    assert signed_in(world.outsider).get(report_url(report)).status_code == 404
    assert signed_in(world.citizen).get(report_url(report)).status_code == 200
    feed = english(Client()).get(reverse("portal:feed")).content.decode()
    assert report.tracking_code not in feed


def test_a_wrong_secret_is_a_404_and_grants_nothing(world):
    report, secret = submit(world)
    client = english(Client())
    wrong = reverse("portal:secret", args=[report.tracking_code, secret[:-2] + "xx"])
    assert client.get(wrong).status_code == 404
    assert client.get(report_url(report)).status_code == 404


def test_an_anonymous_reports_name_never_appears(world):
    report, _ = submit(world, reporter=world.citizen, is_anonymous=True, show_reporter_name=True)
    advance(world, report, Status.IN_PROGRESS)
    for client in (english(Client()), signed_in(world.outsider)):
        html = client.get(report_url(report)).content.decode()
        assert "Siti Warga" not in html
        assert "Anonymous" in html
    feed = english(Client()).get(reverse("portal:feed")).content.decode()
    assert "Siti Warga" not in feed


def test_the_reporter_name_shows_publicly_only_when_chosen(world):
    hidden = public_report(world, reporter=world.citizen)
    shown = public_report(world, reporter=world.outsider, show_reporter_name=True)
    assert "Siti Warga" not in english(Client()).get(report_url(hidden)).content.decode()
    assert "Orang Lain" in english(Client()).get(report_url(shown)).content.decode()


def test_personal_data_is_masked_for_the_public_but_not_for_the_reporter(world):
    body = "Petugas minta uang, hubungi saya di 081234567890 atau budi@example.id. " + BODY
    report, secret = submit(world, body=body, title="Pungli oleh kendaraan B 1234 ABC")
    advance(world, report, Status.DISPATCHED)
    public_html = english(Client()).get(report_url(report)).content.decode()
    assert "081234567890" not in public_html
    assert "budi@example.id" not in public_html
    assert "B 1234 ABC" not in public_html
    assert "0812******90" in public_html
    feed = english(Client()).get(reverse("portal:feed")).content.decode()
    assert "B 1234 ABC" not in feed and "081234567890" not in feed
    own_html = guest_client_for(report, secret).get(report_url(report)).content.decode()
    assert "081234567890" in own_html


# --- Reporter actions -------------------------------------------------------------------------


def test_the_reporter_answers_the_hold_question(world):
    report, secret = submit(world)
    advance(world, report, Status.ON_HOLD)
    client = guest_client_for(report, secret)
    html = client.get(report_url(report)).content.decode()
    assert "Di mana lokasinya?" in html
    assert 'data-action="answer_hold"' in html
    response = client.post(
        action_url(report, "answer_hold"),
        {"version": report.version, "message": "Di depan pasar Kosambi, dekat tiang listrik."},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED
    own = client.get(report_url(report)).content.decode()
    assert "dekat tiang listrik" in own
    assert 'data-action="answer_hold"' in own  # the timeline entry, seen by the reporter


def test_an_empty_answer_is_refused_and_nothing_changes(world):
    report, secret = submit(world)
    advance(world, report, Status.ON_HOLD)
    response = guest_client_for(report, secret).post(
        action_url(report, "answer_hold"), {"version": report.version, "message": ""}
    )
    assert response.status_code == 400
    assert 'id="id_answer_hold_message_error"' in response.content.decode()
    report.refresh_from_db()
    assert report.status == Status.ON_HOLD


def test_the_reporter_reads_the_final_response_before_judging_it(world):
    report, secret = submit(world)
    advance(world, report, Status.IN_PROGRESS)
    lifecycle.complete(
        report, as_user(world.liaison_a), "Lubang sudah ditambal aspal pada hari Senin."
    )
    client = guest_client_for(report, secret)
    html = client.get(report_url(report)).content.decode()
    response_at = html.index("data-final-response")
    assert "sudah ditambal aspal" in html[response_at : html.index('data-action="reply"')]
    assert response_at < html.index('data-action="reply"')
    public = english(Client()).get(report_url(report)).content.decode()
    assert "data-final-response" not in public  # the public reads it in the timeline


def test_not_satisfied_without_a_reason_is_refused_with_the_choice_kept(world):
    report, _ = submit(world, reporter=world.citizen)
    advance(world, report, Status.COMPLETED)
    response = signed_in(world.citizen).post(
        action_url(report, "reply"), {"version": report.version, "satisfied": "no"}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'id="id_reply_message_error"' in html
    assert re.search(r'value="no"[^>]*checked', html)


def test_not_satisfied_reopens_the_report(world):
    report, _ = submit(world, reporter=world.citizen)
    advance(world, report, Status.COMPLETED)
    client = signed_in(world.citizen)
    assert 'data-action="reply"' in client.get(report_url(report)).content.decode()
    response = client.post(
        action_url(report, "reply"),
        {"version": report.version, "satisfied": "no", "message": "Lubangnya muncul lagi."},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.IN_PROGRESS
    assert report.reopen_count == 1


def test_satisfied_closes_the_report_and_then_the_reporter_rates_it(world):
    report, secret = submit(world)
    advance(world, report, Status.COMPLETED)
    client = guest_client_for(report, secret)
    client.post(action_url(report, "reply"), {"version": report.version, "satisfied": "yes"})
    report.refresh_from_db()
    assert report.status == Status.CLOSED
    assert 'data-action="rate"' in client.get(report_url(report)).content.decode()
    response = client.post(
        action_url(report, "rate"),
        {"version": report.version, "stars": "4", "message": "Cepat ditangani."},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.rating == 4
    assert report.rating_comment == "Cepat ditangani."
    assert 'data-action="rate"' in client.get(report_url(report)).content.decode()
    assert 'id="action-rate"' not in client.get(report_url(report)).content.decode()


def test_a_stale_action_shows_the_message_and_keeps_the_typed_text(world):
    report, _ = submit(world, reporter=world.citizen)
    advance(world, report, Status.COMPLETED)
    seen_version = report.version
    lifecycle.add_note(report, as_user(world.liaison_a), "Dicek ulang oleh tim.")
    response = signed_in(world.citizen).post(
        action_url(report, "reply"),
        {"version": seen_version, "satisfied": "no", "message": "Masih berlubang di sisi kiri."},
    )
    html = response.content.decode()
    assert response.status_code == 409
    assert "changed a moment ago. Check its latest state" in html  # still possible
    assert "Masih berlubang di sisi kiri." in html
    report.refresh_from_db()
    assert report.status == Status.COMPLETED


def test_a_second_click_on_a_rating_already_recorded_says_the_report_changed(world):
    report, _ = submit(world, reporter=world.citizen)
    advance(world, report, Status.COMPLETED)
    client, seen = signed_in(world.citizen), report.version
    rating = {"version": seen, "stars": "4", "message": "Cepat ditangani."}

    assert client.post(action_url(report, "rate"), rating).status_code == 302
    again = client.post(action_url(report, "rate"), rating)

    assert again.status_code == 409
    assert "can no longer be done" in again.content.decode()
    assert "Cepat ditangani." in again.content.decode()


def test_an_action_not_possible_now_is_refused_with_its_reason(world):
    report, _ = submit(world, reporter=world.citizen)
    advance(world, report, Status.DISPATCHED)
    response = signed_in(world.citizen).post(
        action_url(report, "rate"),
        {"version": report.version, "stars": "5", "message": "Terima kasih banyak."},
    )
    assert response.status_code in (403, 409)
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "Terima kasih banyak." in html
    report.refresh_from_db()
    assert report.rating is None


def test_the_reporter_hands_over_a_report_waiting_more_than_sixty_days(world):
    report, _ = submit(world, reporter=world.citizen)
    lifecycle.dispatch(report, as_user(world.national_admin), world.agency, at=days_ago(61))
    client = signed_in(world.citizen)
    assert 'data-action="hand_over"' in client.get(report_url(report)).content.decode()
    response = client.post(action_url(report, "hand_over"), {"version": report.version})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.auditor_organization == world.ombudsman


def test_hand_over_is_not_offered_before_sixty_days(world):
    report, _ = submit(world, reporter=world.citizen)
    advance(world, report, Status.DISPATCHED)
    client = signed_in(world.citizen)
    assert 'data-action="hand_over"' not in client.get(report_url(report)).content.decode()
    response = client.post(action_url(report, "hand_over"), {"version": report.version})
    assert response.status_code in (403, 409)
    report.refresh_from_db()
    assert report.auditor_organization is None


# --- Support --------------------------------------------------------------------------------


def test_a_citizen_supports_a_public_report_once(world):
    report = public_report(world, reporter=world.citizen)
    client = signed_in(world.outsider)
    assert 'data-action="support"' in client.get(report_url(report)).content.decode()
    client.post(action_url(report, "support"))
    client.post(action_url(report, "support"))
    report.refresh_from_db()
    assert report.support_count == 1
    assert Support.objects.filter(report=report, user=world.outsider).count() == 1


def test_support_needs_an_account_and_is_not_for_the_reporter(world):
    report = public_report(world, reporter=world.citizen)
    response = Client().post(action_url(report, "support"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
    assert signed_in(world.citizen).post(action_url(report, "support")).status_code == 403
    report.refresh_from_db()
    assert report.support_count == 0


# --- Outsiders ----------------------------------------------------------------------------------


def test_outsider_is_refused_the_reporters_actions(world):
    report, _ = submit(world, reporter=world.citizen)
    advance(world, report, Status.COMPLETED)
    client = signed_in(world.outsider)
    html = client.get(report_url(report)).content.decode()
    assert 'data-action="reply"' not in html
    response = client.post(action_url(report, "reply"), {"version": 1, "satisfied": "yes"})
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.status == Status.COMPLETED


def test_outsider_is_refused_actions_on_a_hidden_report(world):
    report, _ = submit(world, reporter=world.citizen)
    advance(world, report, Status.ON_HOLD)
    response = signed_in(world.outsider).post(
        action_url(report, "answer_hold"), {"version": report.version, "message": "Bukan saya."}
    )
    assert response.status_code == 404


def test_report_actions_are_post_only(world):
    report = public_report(world)
    assert Client().get(action_url(report, "support")).status_code == 405


def test_unknown_actions_are_not_found(world):
    report, secret = submit(world)
    advance(world, report, Status.COMPLETED)
    client = guest_client_for(report, secret)
    assert client.post(action_url(report, "complete"), {"message": "x"}).status_code == 404


def test_my_reports_needs_sign_in_and_lists_only_own_reports(world, django_assert_max_num_queries):
    own = public_report(world, reporter=world.citizen)
    other = public_report(world, reporter=world.outsider)
    response = Client().get(reverse("portal:my_reports"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
    client = signed_in(world.citizen)
    with django_assert_max_num_queries(8):
        html = client.get(reverse("portal:my_reports")).content.decode()
    assert own.tracking_code in html
    assert other.tracking_code not in html
    assert "status-dispatched" in html
    outsider_html = signed_in(world.outsider).get(reverse("portal:my_reports")).content.decode()
    assert own.tracking_code not in outsider_html


# --- Attachments ------------------------------------------------------------------------------


def submit_with_photo(world, **fields) -> tuple[Report, str, Attachment]:
    from aduan.reports.attachments import clean_upload

    report, secret = submit(world, attachments=[clean_upload(photo())], **fields)
    return report, secret, report.attachments.get()


def test_a_public_reports_photo_is_served_inline_with_safe_headers(world):
    report, _, item = submit_with_photo(world)
    advance(world, report, Status.DISPATCHED)
    html = english(Client()).get(report_url(report)).content.decode()
    url = reverse("portal:attachment", args=[report.tracking_code, item.pk])
    assert url in html
    response = Client().get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"


def test_a_pdf_is_served_as_a_download(world):
    from aduan.reports.attachments import clean_upload
    from tests.test_attachments import PDF

    pdf = SimpleUploadedFile("surat.pdf", PDF)
    report, _ = submit(world, attachments=[clean_upload(pdf)])
    advance(world, report, Status.DISPATCHED)
    item = report.attachments.get()
    response = Client().get(reverse("portal:attachment", args=[report.tracking_code, item.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")


def test_outsider_is_refused_the_attachment_of_a_hidden_report(world):
    report, secret, item = submit_with_photo(world, is_confidential=True)
    advance(world, report, Status.DISPATCHED)
    url = reverse("portal:attachment", args=[report.tracking_code, item.pk])
    assert signed_in(world.outsider).get(url).status_code == 404
    assert Client().get(url).status_code == 404
    assert guest_client_for(report, secret).get(url).status_code == 200


def test_an_attachment_of_another_report_is_not_served_under_this_code(world):
    report = public_report(world)
    other, _, item = submit_with_photo(world, is_confidential=True)
    url = reverse("portal:attachment", args=[report.tracking_code, item.pk])
    assert Client().get(url).status_code == 404


# --- Feed ------------------------------------------------------------------------------------


def test_the_feed_costs_the_same_few_queries_for_a_full_page(world, django_assert_max_num_queries):
    for n in range(22):
        public_report(world, title=f"Jalan rusak nomor {n} di desa")
    client = english(Client())
    with django_assert_max_num_queries(8):
        response = client.get(reverse("portal:feed"))
    html = response.content.decode()
    assert html.count('class="card report-item"') == 20
    assert 'rel="next"' in html and 'rel="prev"' not in html
    with django_assert_max_num_queries(8):
        second = client.get(reverse("portal:feed"), {"page": 2}).content.decode()
    assert second.count('class="card report-item"') == 2
    assert 'rel="prev"' in second and 'rel="next"' not in second


def test_the_feed_filters_by_search_kind_status_region_and_organization(world, regions):
    road = public_report(world, title="Jalan berlubang di Soreang", region=regions["regency"])
    info = public_report(world, title="Informasi jadwal vaksin", kind="information")
    advance(world, info, Status.IN_PROGRESS)
    other, _ = submit(world, title="Izin usaha lambat diproses")
    lifecycle.dispatch(other, as_user(world.national_admin), world.other_agency)
    client = english(Client())

    def codes(**params) -> set[str]:
        html = client.get(reverse("portal:feed"), params).content.decode()
        return set(re.findall(r'class="code">([A-Z0-9-]+)<', html))

    assert codes(q="Soreang") == {road.tracking_code}
    assert codes(kind="information") == {info.tracking_code}
    assert codes(status="in_progress") == {info.tracking_code}
    assert codes(region="32") == {road.tracking_code}
    assert codes(organization=world.other_agency.pk) == {other.tracking_code}
    assert codes(category=world.roads.pk) == {
        road.tracking_code,
        info.tracking_code,
        other.tracking_code,
    }
    assert codes(status="submitted") == {
        road.tracking_code,
        info.tracking_code,
        other.tracking_code,
    }


def test_outsider_opening_the_confirmation_page_learns_nothing(world):
    post_report(english(Client()))
    response = signed_in(world.outsider).get(reverse("portal:submitted"))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:track")


def test_home_figures_are_computed_once_a_minute_not_on_every_visit(world, client):
    submit(world)
    with CaptureQueriesContext(connection) as first:
        assert client.get(reverse("portal:home")).context["figures"]["received"] == 1
    submit(world, title="Laporan kedua tentang jalan")
    with CaptureQueriesContext(connection) as second:
        assert client.get(reverse("portal:home")).context["figures"]["received"] == 1
    assert len(second.captured_queries) == len(first.captured_queries) - 1


# --- Following a report -----------------------------------------------------------------


def _public_report(world):
    report, _secret = submit(world, reporter=world.citizen, title="Lampu taman mati")
    return advance(world, report, Status.DISPATCHED)


def test_a_citizen_follows_a_public_report_and_hears_of_its_response(client, world):
    report = _public_report(world)
    client.force_login(world.outsider)
    url = reverse("portal:report_action", args=[report.tracking_code, "follow"])
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302  # twice is still once
    assert Subscription.objects.filter(report=report, user=world.outsider).count() == 1
    page = client.get(reverse("portal:report", args=[report.tracking_code])).content.decode()
    assert 'data-action="unfollow"' in page
    lifecycle.respond(
        report, as_user(world.liaison_a), "Petugas datang besok, hubungi 081234567890."
    )
    told = Notification.objects.get(user=world.outsider, kind=Kind.FOLLOWED, medium="in_app")
    assert report.tracking_code in told.subject
    assert "Petugas datang besok" in told.body
    assert "081234567890" not in told.body  # followers read what the public page shows
    # The reporter hears as the reporter, not once more as a follower.
    assert not Notification.objects.filter(user=world.citizen, kind=Kind.FOLLOWED).exists()


def test_an_organizations_own_wording_shows_followers_only_the_public_text(client, world):
    report, _ = submit(world, title="Lampu mati depan rumah Siti Warga", address="Jl. Melati No. 7")
    advance(world, report, Status.DISPATCHED)
    MessageTemplate.objects.create(
        organization=world.agency,
        kind=Kind.FOLLOWED,
        language="id",
        body="{{ report.title }} | {{ report.address }} | {{ event.message }}",
    )
    client.force_login(world.outsider)
    client.post(reverse("portal:report_action", args=[report.tracking_code, "follow"]))

    lifecycle.respond(report, as_user(world.liaison_a), "Petugas datang, hubungi 081234567890.")

    told = Notification.objects.get(user=world.outsider, kind=Kind.FOLLOWED, medium="in_app")
    assert "081234567890" not in told.body
    assert "No. 7" not in told.body
    assert "Petugas datang" in told.body and "Lampu mati depan rumah" in told.body


def test_a_follower_reads_the_status_in_their_own_language(client, world):
    report = _public_report(world)
    world.outsider.language = "en"
    world.outsider.save(update_fields=["language"])
    client.force_login(world.outsider)
    client.post(reverse("portal:report_action", args=[report.tracking_code, "follow"]))

    with translation.override("id"):  # the officer works in Indonesian
        lifecycle.respond(report, as_user(world.liaison_a), "Sedang dikerjakan.")

    told = Notification.objects.get(user=world.outsider, kind=Kind.FOLLOWED, medium="in_app")
    assert "Its status now: In progress." in told.body


def test_unfollowing_stops_the_news(client, world):
    report = _public_report(world)
    client.force_login(world.outsider)
    client.post(reverse("portal:report_action", args=[report.tracking_code, "follow"]))
    client.post(reverse("portal:report_action", args=[report.tracking_code, "unfollow"]))
    lifecycle.respond(report, as_user(world.liaison_a), "Sedang dikerjakan.")
    assert not Notification.objects.filter(user=world.outsider, kind=Kind.FOLLOWED).exists()


def test_a_report_that_is_not_public_cannot_be_followed(client, world):
    unverified, _secret = submit(world, reporter=world.citizen)
    client.force_login(world.outsider)
    answer = client.post(reverse("portal:report_action", args=[unverified.tracking_code, "follow"]))
    assert answer.status_code == 404
    assert not Subscription.objects.exists()


def test_a_visitor_must_sign_in_to_follow(client, world):
    report = _public_report(world)
    answer = client.post(reverse("portal:report_action", args=[report.tracking_code, "follow"]))
    assert answer.status_code == 302 and reverse("accounts:login") in answer["Location"]


def test_the_position_from_the_phone_is_kept_with_the_report(world):
    response = post_report(english(Client()), latitude="-7.424512", longitude="109.239711")

    assert response.status_code == 302
    report = Report.objects.get()
    assert (float(report.latitude), float(report.longitude)) == (-7.424512, 109.239711)


@pytest.mark.parametrize(
    "position",
    [{"latitude": "-7.42"}, {"latitude": "95", "longitude": "109.2"}, {"longitude": "abc"}],
)
def test_half_a_position_or_a_wrong_one_is_dropped_not_refused(world, position):
    response = post_report(english(Client()), **position)

    assert response.status_code == 302
    report = Report.objects.get()
    assert report.latitude is None and report.longitude is None


def test_a_guest_who_wants_to_support_signs_up_and_lands_back_on_the_report(client, world):
    import re

    report = _public_report(world)
    page = client.get(reverse("portal:report", args=[report.tracking_code])).content.decode()
    sign_in = re.search(r'href="([^"]*/akun/masuk/\?next=[^"]*)"', page).group(1)
    login_page = client.get(sign_in.replace("&amp;", "&")).content.decode()
    sign_up = re.search(r'href="([^"]*/akun/daftar/[^"]*)"', login_page).group(1)
    assert 'href="/akun/daftar/?next=' in page  # offered on the report page itself

    response = client.post(
        sign_up.replace("&amp;", "&"),
        {
            "full_name": "Warga Baru",
            "email": "warga.baru@example.id",
            "password1": "kata-sandi-yang-panjang-9",
            "password2": "kata-sandi-yang-panjang-9",
        },
    )

    # Asked to check the email, then signing in takes them back to the report.
    report_path = reverse("portal:report", args=[report.tracking_code])
    sent = client.get(response["Location"]).content.decode()
    sign_in = re.search(r'href="(/akun/masuk/\?next=[^"]*)"', sent).group(1)
    signed_in = client.post(
        sign_in.replace("&amp;", "&"),
        {"username": "warga.baru@example.id", "password": "kata-sandi-yang-panjang-9"},
    )
    assert signed_in.status_code == 302
    assert signed_in["Location"] == report_path
