"""Staff record a reporter's answer given by phone, in person or by letter: the report
moves exactly as on the reporter's own answer, and the timeline says who recorded it."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from aduan.deadlines.models import Clock, Deadline, Outcome
from aduan.reports import lifecycle
from aduan.reports.lifecycle import Action, TransitionError
from aduan.reports.models import Status
from tests.personas import advance, as_reporter, as_user, days_ago, submit


def _post(client, report, action, **data):
    data.setdefault("version", report.version)
    url = reverse("workspace:action", kwargs={"code": report.tracking_code, "action": action})
    return client.post(url, data)


@pytest.fixture
def on_hold(world):
    """The citizen's report, waiting at the agency, on hold with a question."""
    report = submit(world, reporter=world.citizen, suggested_organization=world.agency)[0]
    lifecycle.hold(report, as_user(world.agency_admin), "Di RT berapa lokasinya?")
    return report


@pytest.fixture
def completed(world):
    return advance(world, submit(world, reporter=world.citizen)[0], Status.COMPLETED)


def test_an_admin_records_an_answer_given_by_phone_and_verification_resumes(
    world, on_hold, client_for
):
    response = _post(
        client_for(world.agency_admin),
        on_hold,
        "answer_hold",
        received_via="phone",
        message="RT 03 RW 02, depan masjid.",
    )
    assert response.status_code == 302
    on_hold.refresh_from_db()
    assert (on_hold.status, on_hold.on_hold_since) == (Status.SUBMITTED, None)
    event = on_hold.events.get(action=Action.ANSWER_HOLD)
    assert (event.actor, event.by_reporter, event.is_public) == (world.agency_admin, False, False)
    assert event.data == {"recorded_for_reporter": True, "received_via": "phone"}
    answered = Deadline.objects.get(report=on_hold, clock=Clock.MISSING_INFORMATION)
    assert answered.outcome == Outcome.MET
    verification = Deadline.objects.filter(report=on_hold, clock=Clock.VERIFICATION)
    assert any(deadline.is_running for deadline in verification)


def test_the_timeline_names_the_reporter_how_the_answer_came_and_who_recorded_it(
    world, on_hold, client_for
):
    lifecycle.answer_hold(
        on_hold, as_user(world.agency_admin), "Depan masjid.", received_via="letter"
    )
    page = client_for(world.agency_admin).get(
        reverse("workspace:report", kwargs={"code": on_hold.tracking_code})
    )
    assert "Siti Warga · Letter · recorded by Admin Kabupaten, Pemerintah Kabupaten Contoh" in (
        page.content.decode()
    )


def test_the_reporter_sees_the_answer_recorded_for_them_on_their_page(world, on_hold, client):
    lifecycle.answer_hold(
        on_hold, as_user(world.agency_admin), "Depan masjid Al-Ikhlas.", received_via="phone"
    )
    client.force_login(world.citizen)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("portal:report", args=[on_hold.tracking_code])).content.decode()
    assert "Depan masjid Al-Ikhlas." in html
    assert "You, recorded by Pemerintah Kabupaten Contoh" in html


def test_a_recorded_answer_must_say_how_it_reached_the_officer(world, on_hold, client_for):
    response = _post(client_for(world.agency_admin), on_hold, "answer_hold", message="Depan.")
    assert response.status_code == 400
    with pytest.raises(TransitionError):
        lifecycle.answer_hold(on_hold, as_user(world.agency_admin), "Depan.")
    on_hold.refresh_from_db()
    assert on_hold.status == Status.ON_HOLD


def test_only_the_admins_who_may_verify_it_record_an_answer(world, on_hold, client_for):
    assert Action.ANSWER_HOLD in lifecycle.allowed_actions(on_hold, as_user(world.agency_admin))
    for user in (world.liaison_a, world.supervisor, world.other_admin):
        with pytest.raises(PermissionDenied):
            lifecycle.answer_hold(on_hold, as_user(user), "Depan.", received_via="phone")
    response = _post(
        client_for(world.supervisor), on_hold, "answer_hold", received_via="phone", message="x"
    )
    assert response.status_code == 403
    on_hold.refresh_from_db()
    assert on_hold.status == Status.ON_HOLD


def test_an_outsider_is_refused_recording_an_answer(world, on_hold, client_for):
    response = _post(
        client_for(world.outsider), on_hold, "answer_hold", received_via="phone", message="x"
    )
    assert response.status_code in (403, 404)
    on_hold.refresh_from_db()
    assert on_hold.status == Status.ON_HOLD


def test_a_stale_recorded_answer_is_refused(world, on_hold, client_for):
    seen = on_hold.version
    lifecycle.add_note(on_hold, as_user(world.agency_admin), "Sudah ditelepon.")
    response = _post(
        client_for(world.agency_admin),
        on_hold,
        "answer_hold",
        version=seen,
        received_via="phone",
        message="RT 03.",
    )
    assert response.status_code == 409
    on_hold.refresh_from_db()
    assert on_hold.status == Status.ON_HOLD


def test_an_admin_records_that_the_reporter_is_not_satisfied_and_the_report_reopens(
    world, completed, client_for
):
    response = _post(
        client_for(world.agency_admin),
        completed,
        "satisfied",
        received_via="in_person",
        verdict="not_satisfied",
        message="Lubang masih ada di sisi utara.",
    )
    assert response.status_code == 302
    completed.refresh_from_db()
    assert (completed.status, completed.reopen_count) == (Status.IN_PROGRESS, 1)
    assert completed.completed_at is None
    event = completed.events.get(action=Action.NOT_SATISFIED)
    assert (event.actor, event.is_public) == (world.agency_admin, True)
    assert event.data["received_via"] == "in_person"


def test_an_admin_records_that_the_reporter_is_satisfied_and_the_report_closes(
    world, completed, client_for
):
    response = _post(
        client_for(world.agency_admin),
        completed,
        "satisfied",
        received_via="phone",
        verdict="satisfied",
    )
    assert response.status_code == 302
    completed.refresh_from_db()
    assert completed.status == Status.CLOSED and completed.closed_at is not None
    assert completed.events.get(action=Action.SATISFIED).actor == world.agency_admin


def test_not_satisfied_needs_what_is_still_not_resolved(world, completed, client_for):
    response = _post(
        client_for(world.agency_admin),
        completed,
        "satisfied",
        received_via="phone",
        verdict="not_satisfied",
    )
    assert response.status_code == 400
    completed.refresh_from_db()
    assert completed.status == Status.COMPLETED


def test_only_the_admins_record_a_reply_never_the_handling_unit(world, completed, client_for):
    # The unit that completed the report does not record the verdict on its own work.
    for user in (world.liaison_a, world.supervisor, world.liaison_b, world.other_admin):
        with pytest.raises(PermissionDenied):
            lifecycle.reply(completed, as_user(user), satisfied=True, received_via="phone")
    response = _post(
        client_for(world.outsider),
        completed,
        "satisfied",
        received_via="phone",
        verdict="satisfied",
    )
    assert response.status_code in (403, 404)
    response = _post(
        client_for(world.supervisor),
        completed,
        "satisfied",
        received_via="phone",
        verdict="satisfied",
    )
    assert response.status_code == 403
    completed.refresh_from_db()
    assert completed.status == Status.COMPLETED


def test_a_stale_recorded_reply_is_refused(world, completed, client_for):
    seen = completed.version
    lifecycle.add_note(completed, as_user(world.agency_admin), "Pelapor menelepon.")
    response = _post(
        client_for(world.agency_admin),
        completed,
        "satisfied",
        version=seen,
        received_via="phone",
        verdict="satisfied",
    )
    assert response.status_code == 409
    completed.refresh_from_db()
    assert completed.status == Status.COMPLETED


def test_the_page_warns_when_the_reporter_cannot_receive_messages(world, client_for):
    guest = submit(world, suggested_organization=world.agency)[0]  # email not confirmed
    client = client_for(world.agency_admin)
    page = client.get(reverse("workspace:report", kwargs={"code": guest.tracking_code}))
    html = page.content.decode()
    assert "data-unreachable" in html
    assert "The reporter will not receive this question" in html  # beside the hold form
    account = submit(world, reporter=world.citizen, suggested_organization=world.agency)[0]
    page = client.get(reverse("workspace:report", kwargs={"code": account.tracking_code}))
    html = page.content.decode()
    assert "data-unreachable" not in html
    assert "The reporter will not receive this question" not in html


def test_an_auditor_who_can_do_nothing_here_is_not_told_to_call_the_reporter(world, client_for):
    report = submit(world)[0]  # a guest whose address is not confirmed
    lifecycle.dispatch(report, as_user(world.national_admin), world.unit_a, at=days_ago(61))
    lifecycle.hand_over(report, as_reporter(None), world.ombudsman)
    url = reverse("workspace:report", kwargs={"code": report.tracking_code})

    html = client_for(world.auditor).get(url).content.decode()

    assert "data-unreachable" not in html
    assert "data-unreachable" in client_for(world.agency_admin).get(url).content.decode()


def test_an_anonymous_reporter_without_a_phone_is_not_to_be_called(world, client_for):
    report = submit(world, suggested_organization=world.agency, is_anonymous=True)[0]
    url = reverse("workspace:report", kwargs={"code": report.tracking_code})

    html = client_for(world.agency_admin).get(url).content.decode()

    assert "data-unreachable" in html
    assert "Call them" not in html  # no number to call, and no name to ask for


def test_an_anonymous_reporters_answer_recorded_by_phone_is_withheld_as_their_own_is(world):
    """Anonymity hides the reporter from every organization: who they said they were on
    the phone is masked as in the words they write themselves, kept as said, sealed."""
    report = submit(
        world, reporter=world.citizen, suggested_organization=world.agency, is_anonymous=True
    )[0]
    lifecycle.hold(report, as_user(world.agency_admin), "Di RT berapa lokasinya?")
    said = "Saya Siti Warga, HP 0812 3456 7890: RT 03 RW 02, depan masjid."

    event = lifecycle.answer_hold(report, as_user(world.agency_admin), said, received_via="phone")

    event.refresh_from_db()
    assert "RT 03 RW 02, depan masjid." in event.message
    assert "Siti" not in event.message and "3456" not in event.message
    assert event.withheld_message == said


def test_a_report_made_anonymous_while_verified_masks_the_answer_recorded_for_its_reporter(
    world, on_hold
):
    said = "Saya Siti Warga, HP 0812 3456 7890: RT 03 RW 02, depan masjid."
    lifecycle.answer_hold(on_hold, as_user(world.agency_admin), said, received_via="phone")
    on_hold.refresh_from_db()

    lifecycle.set_flags(on_hold, as_user(world.agency_admin), anonymous=True)

    event = on_hold.events.get(action=Action.ANSWER_HOLD)
    assert "RT 03 RW 02, depan masjid." in event.message
    assert "Siti" not in event.message and "3456" not in event.message
    assert event.withheld_message == said


# --- The reporter hears what an officer recorded for them -----------------------------------


def _told(report):
    from aduan.notifications.models import Kind, Notification

    return Notification.objects.filter(report=report, kind=Kind.ANSWER_RECORDED)


def test_the_reporter_is_told_that_an_officer_recorded_their_answer(world, on_hold, client_for):
    _post(
        client_for(world.agency_admin),
        on_hold,
        "answer_hold",
        received_via="phone",
        message="RT 03 RW 02, depan masjid.",
    )

    told = _told(on_hold)
    assert told.exists() and {row.user for row in told} == {world.citizen}
    message = told.first()
    assert on_hold.tracking_code in message.short and "Petugas mencatat" in message.short
    assert "(Telepon)" in message.body and "kembali diverifikasi" in message.body


def test_the_reporter_is_told_that_an_officer_recorded_them_not_satisfied(
    world, completed, client_for
):
    _post(
        client_for(world.agency_admin),
        completed,
        "satisfied",
        received_via="letter",
        verdict="not_satisfied",
        message="Lubang masih ada di sisi utara.",
    )

    message = _told(completed).first()
    assert message is not None and "belum puas, laporan dibuka kembali" in message.short
    assert "(Surat)" in message.body


def test_an_answer_the_reporter_gave_themselves_is_not_told_back_to_them(world, on_hold):
    lifecycle.answer_hold(on_hold, as_reporter(world.citizen), "Depan masjid.")

    assert not _told(on_hold).exists()


def test_a_guest_who_reported_by_sms_hears_of_the_answer_by_sms(world, client, settings):
    from aduan.notifications.models import Medium
    from aduan.reports.models import Report
    from tests.test_inbound_sms import post as sms

    settings.ADUAN_SMS_INBOUND_TOKEN = "gateway-secret"
    settings.ADUAN_SMS_GATEWAY_URL = "https://sms.example.id/send"
    sms(client, id="gw-report")
    report = advance(world, Report.objects.get(channel_reference="gw-report"), Status.ON_HOLD)

    lifecycle.answer_hold(report, as_user(world.national_admin), "RT 03.", received_via="phone")

    [message] = _told(report)
    assert (message.medium, message.address) == (Medium.SMS, "+6281234567890")
