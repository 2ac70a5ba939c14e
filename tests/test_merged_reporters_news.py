"""What the reporters of merged duplicates hear of the report handling their problem:
its outcome whatever its visibility and however deep the merges, once per person, and
plainly when it was archived without being handled."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.test import Client

from aduan.notifications.models import Kind, Notification
from aduan.notifications.outbox import confirmation_link
from aduan.reports import lifecycle
from aduan.reports.models import Status
from tests.personas import advance, as_user, run_announcements, submit


def _guest(world, title, email):
    """A guest's report whose email was confirmed through the link they were sent."""
    report = submit(world, title=title, guest_email=email)[0]
    Client().post(urlsplit(confirmation_link(report)).path)
    report.refresh_from_db()
    assert report.guest_contact_verified_at is not None
    return report


def _confidential(world, title):
    report = advance(world, submit(world, reporter=world.outsider, title=title)[0], "dispatched")
    lifecycle.set_flags(report, as_user(world.agency_admin), confidential=True)
    return report


def _sent_to(address, **filters):
    return Notification.objects.filter(address=address, medium="email", **filters).order_by("pk")


def test_a_guest_merged_into_an_unverified_report_hears_its_outcome_once_it_is_public(world):
    original = submit(world, reporter=world.citizen, title="Jalan berlubang")[0]
    duplicate = _guest(world, "Lubang di depan pasar", "tamu@example.id")
    run_announcements()
    lifecycle.mark_duplicate(duplicate, as_user(world.national_admin), original)

    advance(world, original, Status.DISPATCHED)
    lifecycle.respond(original, as_user(world.liaison_a), "Tim dijadwalkan minggu depan.")
    lifecycle.complete(original, as_user(world.liaison_a), "Lubang sudah ditambal.")

    news = _sent_to("tamu@example.id", kind=Kind.FOLLOWED)
    assert news.count() == 2
    assert all(duplicate.tracking_code in message.subject for message in news)
    assert "Lubang sudah ditambal." in news.last().body  # a public report's own words
    assert original.tracking_code in news.last().body
    assert "Berhenti mengikuti" not in news.last().body  # a reporter follows nothing


def test_the_first_reporter_of_a_merge_of_merges_hears_the_last_reports_outcome(world):
    last = _confidential(world, "Jalan berlubang parah")
    middle = _confidential(world, "Jalan berlubang di pasar")
    first = _guest(world, "Lubang di depan pasar", "a@example.id")
    run_announcements()
    lifecycle.mark_duplicate(first, as_user(world.national_admin), middle)
    told_of_merge = _sent_to("a@example.id").count()

    lifecycle.mark_duplicate(middle, as_user(world.national_admin), last)

    assert _sent_to("a@example.id").count() == told_of_merge  # not "Status: Archived"
    lifecycle.respond(last, as_user(world.liaison_a), "Tim sudah dijadwalkan.")
    lifecycle.complete(last, as_user(world.liaison_a), "Lubang sudah ditambal.")
    news = _sent_to("a@example.id", kind=Kind.FOLLOWED)
    assert news.count() == 2
    for message in news:
        assert first.tracking_code in message.subject
        assert last.tracking_code not in message.body + message.subject
        assert "ditambal" not in message.body  # a confidential report's words stay there


def test_a_citizen_who_sent_the_complaint_twice_hears_each_update_once(world):
    original = _confidential(world, "Pungli surat pengantar di kelurahan")
    first = submit(world, reporter=world.citizen, title="Pungutan liar di kelurahan")[0]
    again = submit(world, reporter=world.citizen, title="Pungutan liar di kelurahan (lagi)")[0]
    run_announcements()
    for duplicate in (first, again):
        lifecycle.mark_duplicate(duplicate, as_user(world.national_admin), original)
    before = Notification.objects.filter(user=world.citizen, medium="email").count()

    lifecycle.respond(original, as_user(world.liaison_a), "Petugas sudah diperiksa.")

    new = Notification.objects.filter(user=world.citizen, medium="email").order_by("pk")[before:]
    assert [message.kind for message in new] == [Kind.FOLLOWED]
    assert again.tracking_code in new[0].subject


def test_when_the_report_handling_their_problem_is_archived_merged_reporters_may_report_again(
    world,
):
    original = submit(world, title="Jalan berlubang", guest_email="o@example.id")[0]
    lifecycle.hold(original, as_user(world.national_admin), "Di mana lokasinya?")
    duplicate = _guest(world, "Lubang besar di Jl. Merdeka depan pasar", "d@example.id")
    run_announcements()
    lifecycle.mark_duplicate(duplicate, as_user(world.national_admin), original)

    lifecycle.archive_incomplete(original)

    told = _sent_to("d@example.id").last()
    assert told.kind == Kind.ARCHIVED and duplicate.tracking_code in told.subject
    assert "laporan baru" in told.body  # invited to report again
    assert "tidak ditangani" in told.body
    assert "Berhenti mengikuti" not in told.body
    assert original.tracking_code not in told.body


def test_a_reporter_following_a_public_original_hears_its_archiving_once_as_a_reporter(world):
    original = advance(world, submit(world, title="Jalan berlubang")[0], Status.DISPATCHED)
    duplicate = submit(world, reporter=world.citizen, title="Lubang di depan pasar")[0]
    run_announcements()
    lifecycle.mark_duplicate(duplicate, as_user(world.national_admin), original)
    before = Notification.objects.filter(user=world.citizen, medium="email").count()

    lifecycle.archive(
        original, as_user(world.agency_admin), "not_public_service", "Bukan urusan kami."
    )

    new = Notification.objects.filter(user=world.citizen, medium="email").order_by("pk")[before:]
    assert [message.kind for message in new] == [Kind.ARCHIVED]
    assert "laporan baru" in new[0].body
