"""A guest's address receives updates only after its owner confirms it."""

import re

from django.urls import reverse

from aduan.notifications.models import Kind, Notification
from aduan.reports.models import Status
from tests.personas import advance
from tests.personas import submit as submit_only
from tests.test_messages import run_announcements


def submit(world, **fields):
    """A submission whose messages the worker has written."""
    report, secret = submit_only(world, **fields)
    assert run_announcements() == ["SUCCESSFUL"]
    return report, secret


def _confirmation_path(report) -> str:
    received = Notification.objects.get(report=report, kind=Kind.RECEIVED, medium="email")
    match = re.search(r"https?://[^/\s]+(/laporan/[^\s]+/konfirmasi/[^\s]+/)", received.body)
    assert match, received.body
    return match.group(1)


def test_first_message_to_a_guest_carries_the_code_and_a_confirmation_link(world):
    report, secret = submit(world)
    received = Notification.objects.get(report=report, kind=Kind.RECEIVED)
    assert received.address == "budi@example.id"
    assert report.tracking_code in received.body
    assert secret in received.link
    assert _confirmation_path(report)


def test_unconfirmed_guest_hears_nothing_more(world):
    report, _ = submit(world)
    advance(world, report, Status.IN_PROGRESS)
    kinds = set(
        Notification.objects.filter(address="budi@example.id").values_list("kind", flat=True)
    )
    assert kinds == {Kind.RECEIVED}


def test_confirmed_guest_receives_the_updates(world, client):
    report, _ = submit(world)
    assert client.get(_confirmation_path(report)).status_code == 200  # the page, its button
    response = client.post(_confirmation_path(report))
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:report", args=[report.tracking_code])
    page = client.get(response["Location"])
    assert page.status_code == 200  # the browser now acts as the reporter
    report.refresh_from_db()
    assert report.guest_contact_verified_at is not None
    advance(world, report, Status.IN_PROGRESS)
    kinds = set(
        Notification.objects.filter(address="budi@example.id").values_list("kind", flat=True)
    )
    assert {Kind.DISPATCHED, Kind.RESPONSE} <= kinds


def test_tampered_or_foreign_confirmation_links_are_refused(world, client):
    report, _ = submit(world)
    other, _ = submit(world, title="Lampu jalan mati di gang Melati", guest_email="x@example.id")
    path = _confirmation_path(report)
    token = path.rstrip("/").rsplit("/", 1)[1]
    foreign = reverse("portal:confirm_contact", args=[other.tracking_code, token])
    for wrong in (path[:-2] + "x/", foreign):
        assert client.get(wrong).status_code == 404
        assert client.post(wrong).status_code == 404
    other.refresh_from_db()
    assert other.guest_contact_verified_at is None


def test_signed_in_reporters_need_no_confirmation(world):
    report, _ = submit(world, reporter=world.citizen)
    advance(world, report, Status.DISPATCHED)
    kinds = set(Notification.objects.filter(user=world.citizen).values_list("kind", flat=True))
    assert {Kind.RECEIVED, Kind.DISPATCHED} <= kinds


def _access_path(report, kind) -> str:
    message = Notification.objects.filter(report=report, kind=kind, medium="email").get()
    match = re.search(r"https?://[^/\s]+(/laporan/[^\s]+/a/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)


def test_a_guest_opens_the_question_from_its_message_and_can_answer_it(world, client):
    report, _ = submit(world)
    client.post(_confirmation_path(report))
    report.refresh_from_db()
    advance(world, report, Status.ON_HOLD)
    phone_browser = type(client)()  # another device: no session from the confirmation

    response = phone_browser.get(_access_path(report, Kind.HOLD_QUESTION), follow=True)

    assert response.status_code == 200
    assert 'data-action="answer_hold"' in response.content.decode()


def test_a_tampered_or_foreign_access_link_is_refused(world, client):
    report, _ = submit(world)
    client.post(_confirmation_path(report))
    other, _ = submit(world, title="Sampah menumpuk di pasar induk kota")
    report.refresh_from_db()
    advance(world, report, Status.ON_HOLD)
    path = _access_path(report, Kind.HOLD_QUESTION)
    token = path.rstrip("/").rsplit("/", 1)[1]

    assert client.get(path[:-3] + "xx/").status_code == 404
    assert client.get(f"/laporan/{other.tracking_code}/a/{token}/").status_code == 404
    assert type(client)().get(f"/laporan/{other.tracking_code}/").status_code == 404


def _imported_sms_row_with_its_email_confirmed(world):
    """A report imported from a file as an SMS, with an email address and a phone number
    typed in its row; its guest followed the confirmation link sent to the address."""
    import io

    from django.test import Client

    from aduan.channels.importing import read_table, run_import
    from aduan.notifications.outbox import confirmation_link
    from aduan.reports.models import Channel, Report

    data = (
        b"reference,channel,received_at,title,body,name,email,phone\n"
        b"SMS-9,sms,2026-01-05 09:30,Lampu mati,Lampu jalan di depan pasar mati sejak "
        b"seminggu,Budi,budi@example.id,0812 3456 7890\n"
    )
    run_import(
        read_table(io.BytesIO(data), "rekap.csv"),
        user=world.agency_admin,
        received_by=world.agency,
        dry_run=False,
    )
    report = Report.objects.get(channel=Channel.SMS, channel_reference="SMS-9")
    Client().post(confirmation_link(report))
    report.refresh_from_db()
    return report


def test_an_imported_sms_rows_typed_number_gains_nothing_when_its_email_is_confirmed(world):
    """A file's phone column was typed by someone; the guest confirmed the email address
    the link went to. Whoever holds the number may not act on the report by message."""
    from aduan.reports.models import Report

    report = _imported_sms_row_with_its_email_confirmed(world)
    assert report.guest_contact_verified_at is not None
    assert report.confirmed_guest_contact() == ("budi@example.id", "")
    assert not Report.objects.reported_from(phone="+6281234567890").filter(pk=report.pk).exists()
    assert Report.objects.reported_from(email="budi@example.id").filter(pk=report.pk).exists()


def test_status_from_a_number_typed_beside_a_confirmed_email_tells_nothing(world, client):
    """STATUS answers with a link that acts as the reporter: the number typed into an
    imported row (or a web form) beside the email address the guest confirmed gets the
    answer given for a code that does not exist. A guest who gave only a number gets
    their report's status once they followed the link sent to it (or sent the report
    from it): until then whoever holds the number typed may be anyone."""
    from aduan.channels.replies import status_answer

    imported = _imported_sms_row_with_its_email_confirmed(world)
    nothing = status_answer("ZZZZ-ZZZZ", phone="+6281234567890")

    assert status_answer(imported.tracking_code, phone="+6281234567890") == nothing
    assert imported.tracking_code in status_answer(imported.tracking_code, email="budi@example.id")
    both, _ = submit_only(world, guest_email="sari@example.id", guest_phone="+6281211112222")
    assert status_answer(both.tracking_code, phone="+6281211112222") == nothing
    only_phone, _ = submit_only(world, guest_email="", guest_phone="+6281233334444")
    assert status_answer(only_phone.tracking_code, phone="+6281233334444") == nothing
    from aduan.notifications.outbox import confirmation_link

    assert client.post(confirmation_link(only_phone)).status_code == 302
    assert only_phone.tracking_code in status_answer(
        only_phone.tracking_code, phone="+6281233334444"
    )
