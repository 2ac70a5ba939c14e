"""The one way a report enters: secrets, where it waits, who received it, attachments."""

from __future__ import annotations

import io

from PIL import Image

from aduan.channels.intake import Draft, submit_report
from aduan.reports.attachments import CleanFile
from aduan.reports.codes import hash_secret, normalize_tracking_code, secret_matches
from aduan.reports.models import Channel, Report, Status


def _draft(**fields) -> Draft:
    fields.setdefault("title", "  Sampah menumpuk di pasar  ")
    fields.setdefault("body", "Sampah di Pasar Baru tidak diangkut selama seminggu.")
    return Draft(**fields)


def test_a_guest_gets_a_secret_of_which_only_the_hash_is_stored(world):
    submission = submit_report(_draft(guest_name="Budi", guest_email=" Budi@Example.ID "))
    report = submission.report
    assert submission.created and submission.secret
    assert report.guest_secret_hash == hash_secret(submission.secret)
    assert submission.secret not in report.guest_secret_hash
    assert secret_matches(submission.secret, report.guest_secret_hash)
    assert report.guest_email == "budi@example.id"
    assert report.title == "Sampah menumpuk di pasar"


def test_a_signed_in_reporter_gets_no_secret_and_no_guest_fields(world):
    submission = submit_report(
        _draft(guest_name="Nama Lain", guest_email="lain@example.id"), reporter=world.citizen
    )
    report = submission.report
    assert submission.secret == "" and report.guest_secret_hash == ""
    assert (report.reporter, report.guest_name, report.guest_email) == (world.citizen, "", "")


def test_a_new_report_waits_in_the_national_queue_with_one_public_event(world):
    report = submit_report(_draft(), reporter=world.citizen).report
    assert (report.status, report.organization, report.version) == (Status.SUBMITTED, None, 1)
    assert normalize_tracking_code(report.tracking_code) == report.tracking_code
    event = report.events.get()
    assert (event.action, event.to_status, event.is_public) == ("submit", "submitted", True)
    assert event.actor == world.citizen and event.by_reporter


def test_a_suggested_unit_makes_the_report_wait_at_its_agency(world):
    report = submit_report(_draft(suggested_organization=world.unit_a)).report
    assert report.suggested_organization == world.unit_a
    assert report.organization == world.agency
    assert report.status == Status.SUBMITTED


def test_a_report_entered_by_staff_waits_at_the_receiving_organization(world):
    submission = submit_report(
        _draft(guest_name="Ibu Ani", guest_phone="081234567890"),
        channel=Channel.WALK_IN,
        channel_reference="BUKU-TAMU-17",
        entered_by=world.agency_admin,
        received_by=world.agency,
    )
    report = submission.report
    assert (report.organization, report.channel) == (world.agency, Channel.WALK_IN)
    event = report.events.get()
    assert event.actor == world.agency_admin and event.actor_organization == world.agency
    assert not event.by_reporter and event.data["entered_by_staff"] is True


def test_privacy_choices_are_kept_and_anonymity_hides_the_name(world):
    report = submit_report(
        _draft(is_anonymous=True, is_confidential=True, show_reporter_name=True),
        reporter=world.citizen,
    ).report
    assert report.is_anonymous and report.is_confidential
    assert not report.show_reporter_name
    for public in (True, False):
        assert world.citizen.full_name not in report.reporter_label(public=public)


def test_attachments_are_stored_with_the_submit_event(world):
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="PNG")
    files = [CleanFile("foto.png", "image/png", out.getvalue())]
    report = submit_report(_draft(attachments=files)).report
    attachment = report.attachments.get()
    assert attachment.event == report.events.get()
    assert (attachment.original_name, attachment.content_type) == ("foto.png", "image/png")
    assert attachment.size == len(out.getvalue())
    assert attachment.file.read() == out.getvalue()
    assert "foto" not in attachment.file.name and attachment.file.name.endswith(".png")


def test_a_retried_delivery_returns_the_same_report(world):
    first = submit_report(_draft(), channel=Channel.API, channel_reference="idem-1")
    again = submit_report(_draft(title="Beda"), channel=Channel.API, channel_reference="idem-1")
    assert first.created and not again.created
    assert again.report.pk == first.report.pk and again.secret == ""
    assert Report.objects.count() == 1
    assert first.report.events.count() == 1


def test_deliveries_without_a_reference_are_never_merged(world):
    submit_report(_draft())
    submit_report(_draft())
    assert Report.objects.count() == 2


def test_a_tracking_code_already_taken_is_drawn_again(world, monkeypatch):
    from aduan.channels import intake

    taken = submit_report(_draft()).report.tracking_code
    codes = iter([taken, "ABCD-EFGH"])
    monkeypatch.setattr(intake, "new_tracking_code", lambda: next(codes))
    again = submit_report(_draft(), channel=Channel.API, channel_reference="idem-2")
    assert again.created and again.report.tracking_code == "ABCD-EFGH"
    assert Report.objects.count() == 2


def test_a_new_report_is_written_with_the_due_time_of_its_first_clock(world):
    from aduan.deadlines.models import Clock, Deadline

    report = submit_report(_draft()).report
    report.refresh_from_db()
    deadline = Deadline.objects.get(report=report)
    assert deadline.clock == Clock.VERIFICATION and deadline.started_at == report.submitted_at
    assert (report.due_at, report.due_clock) == (deadline.due_at, Clock.VERIFICATION)
