"""The urgency and abusive-language flags follow what a report says as it changes."""

from __future__ import annotations

import io

from django.core.management import call_command
from django.urls import reverse

from aduan.reports import lifecycle
from aduan.reports.lifecycle import ReceivedVia
from aduan.reports.models import Status
from tests.personas import advance, as_reporter, as_user, submit

RIVER = "Air sungai di belakang kampung naik terus, mohon dicek oleh petugas dinas terkait."
FLOODING_NOW = "Sekarang banjir masuk rumah setinggi 1 meter, warga terjebak di atap rumah."


def _held(world, **fields):
    report, _secret = submit(world, title="Air sungai naik", body=RIVER, **fields)
    assert report.urgency_flags == []
    lifecycle.hold(report, as_user(world.national_admin), "Seberapa tinggi airnya sekarang?")
    return report


def test_a_reporters_answer_that_tells_of_a_flood_flags_the_report_urgent(world):
    report = _held(world, reporter=world.citizen)

    lifecycle.answer_hold(report, as_reporter(world.citizen), FLOODING_NOW)

    report.refresh_from_db()
    assert (report.is_urgent, report.urgency_flags) == (True, ["flood"])


def test_an_answer_an_officer_records_for_the_reporter_flags_the_report_too(world):
    report = _held(world)

    lifecycle.answer_hold(
        report, as_user(world.national_admin), FLOODING_NOW, received_via=ReceivedVia.PHONE
    )

    report.refresh_from_db()
    assert report.urgency_flags == ["flood"]


def test_reading_the_flags_again_keeps_what_the_reporters_answer_said(world):
    report = _held(world, reporter=world.citizen)
    lifecycle.answer_hold(report, as_reporter(world.citizen), FLOODING_NOW)

    call_command("reflag_reports", stdout=io.StringIO(), stderr=io.StringIO())

    report.refresh_from_db()
    assert report.urgency_flags == ["flood"]


def _edit_in_the_admin(admin_client, report, title, body):
    form = {"title": title, "body": body, "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0"}
    url = reverse("admin:reports_report_change", args=[report.pk])
    assert admin_client.post(url, form).status_code == 302
    report.refresh_from_db()


def test_text_edited_in_the_admin_has_its_flags_read_again(admin_client, world):
    report, _secret = submit(world, title="Dasar petugas goblok", body="Jalan rusak tidak diurus!")
    assert report.is_abusive

    _edit_in_the_admin(
        admin_client,
        report,
        "Kantor kelurahan terbakar",
        "Mohon bantuan, kantor kelurahan terbakar sekarang dan api menyala besar.",
    )

    assert (report.is_abusive, report.urgency_flags, report.is_urgent) == (False, ["fire"], True)


def test_information_the_reporter_adds_is_read_for_the_flags_and_keeps_them(world, client_for):
    report, _secret = submit(world, title="Air sungai naik", body=RIVER, reporter=world.citizen)
    report = advance(world, report, Status.DISPATCHED)
    assert not report.is_urgent

    lifecycle.add_information(report, as_reporter(world.citizen), FLOODING_NOW)
    report.refresh_from_db()
    assert (report.is_urgent, report.urgency_flags) == (True, ["flood"])

    # Later news that says nothing of the flood does not clear it, nor does reading
    # the flags again.
    lifecycle.add_information(report, as_reporter(world.citizen), "Petugas belum datang.")
    call_command("reflag_reports", stdout=io.StringIO(), stderr=io.StringIO())
    report.refresh_from_db()
    assert report.urgency_flags == ["flood"]
    page = client_for(world.liaison_a).get(
        reverse("workspace:report", kwargs={"code": report.tracking_code})
    )
    # The badge says which words raised it, although the report's text does not.
    assert 'data-flag-reason="flood"' in page.content.decode()
