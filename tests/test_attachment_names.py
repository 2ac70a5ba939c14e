"""File names carry their owner's name ("KTP_Budi_Santoso.jpg"): the public sees plain
names, organizations see the reporter's own names except on an anonymous report, and
the reporter sees what they uploaded."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from aduan.channels.intake import Draft, submit_report
from aduan.reports import lifecycle
from aduan.reports.attachments import CleanFile
from aduan.reports.models import Status
from tests.personas import advance, as_user
from tests.test_portal import report_url, signed_in

REPORTERS_FILE = "Foto_Siti_Rahmawati.jpg"
HANDLERS_FILE = "sesudah_perbaikan_DPU.png"


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (12, 12), (10, 120, 30)).save(out, format="PNG")
    return out.getvalue()


def _report(world, *, anonymous: bool):
    draft = Draft(
        title="Jalan berlubang di depan pasar",
        body="Lubang besar di Jalan Merdeka depan pasar, sudah dua minggu, motor sering jatuh.",
        category=world.potholes,
        is_anonymous=anonymous,
        attachments=[CleanFile(REPORTERS_FILE, "image/png", _png())],
    )
    report = submit_report(draft, reporter=world.citizen).report
    report = advance(world, report, Status.DISPATCHED)
    lifecycle.respond(
        report,
        as_user(world.liaison_a),
        "Lubang sudah ditambal.",
        files=[CleanFile(HANDLERS_FILE, "image/png", _png())],
    )
    report.refresh_from_db()
    return report


def _download_name(response) -> str:
    return response["Content-Disposition"]


@pytest.mark.parametrize("anonymous", [False, True])
def test_the_public_sees_plain_file_names_on_the_page_and_in_downloads(world, anonymous):
    report = _report(world, anonymous=anonymous)
    page = Client().get(report_url(report)).content.decode()
    assert "Siti" not in page and "DPU.png" not in page
    for item in report.attachments.all():
        assert f"lampiran-{item.pk}.png" in page
        url = reverse("portal:attachment", args=[report.tracking_code, item.pk])
        download = Client().get(url)
        assert f"lampiran-{item.pk}.png" in _download_name(download)
        assert "Siti" not in _download_name(download)


def test_the_reporter_sees_the_names_they_uploaded(world):
    report = _report(world, anonymous=True)
    page = signed_in(world.citizen).get(report_url(report)).content.decode()
    assert REPORTERS_FILE in page


@pytest.mark.parametrize("anonymous", [False, True])
def test_staff_see_the_reporters_file_names_unless_the_report_is_anonymous(world, anonymous):
    report = _report(world, anonymous=anonymous)
    client = signed_in(world.liaison_a)
    page = client.get(reverse("workspace:report", args=[report.tracking_code])).content.decode()
    reporters = report.attachments.get(original_name=REPORTERS_FILE)
    url = reverse("workspace:attachment", args=[report.tracking_code, reporters.pk])
    download = client.get(url)
    assert (REPORTERS_FILE in page) is not anonymous
    assert ("Siti" in _download_name(download)) is not anonymous
    assert (f"lampiran-{reporters.pk}.png" in page) is anonymous
    # The handler's own file keeps its name either way.
    assert HANDLERS_FILE in page


def test_hiding_an_anonymous_reporters_file_names_it_plainly_on_the_timeline(world):
    report = _report(world, anonymous=True)
    reporters = report.attachments.get(original_name=REPORTERS_FILE)
    event = lifecycle.hide_file(report, as_user(world.agency_admin), reporters.pk)
    assert event.message == f"lampiran-{reporters.pk}.png"
