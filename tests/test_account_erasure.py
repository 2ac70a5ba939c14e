"""A citizen deletes their account: their personal data goes, their reports stay as
public-service records without it; officers cannot erase what they did in office."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse

from aduan.accounts.erasure import ErasureRefused, erase_account
from aduan.accounts.models import User
from aduan.notifications.models import Notification
from aduan.reports import lifecycle
from aduan.reports.attachments import CleanFile
from aduan.reports.models import Attachment, Report, ReportEvent, Subscription, Support
from tests.personas import PASSWORD, advance, as_reporter, as_user, run_announcements, submit

BODY = (
    "Saya Siti Warga, rumah saya di Jl. Melati No. 12. Hubungi 0812-3456-7890 atau "
    "warga@example.id. Lampu jalan di depan SD Negeri 3 padam sejak seminggu."
)


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (12, 12), (10, 120, 30)).save(out, format="PNG")
    return out.getvalue()


def _delete(client, password=PASSWORD, understood=True):
    data = {"password": password}
    if understood:
        data["understood"] = "on"
    return client.post(reverse("accounts:delete"), data)


@pytest.fixture
def reported(world):
    """The citizen's public report, with an answer to a question, a photo named after
    them, another citizen's report they follow and support."""
    photo = CleanFile("Foto_Siti_Warga.png", "image/png", _png())
    report, _ = submit(world, reporter=world.citizen, body=BODY, attachments=[photo])
    lifecycle.hold(report, as_user(world.national_admin), "Di RT berapa?")
    lifecycle.answer_hold(report, as_reporter(world.citizen), "RT 3, telepon saya 0812-3456-7890")
    advance(world, report, "dispatched")
    other, _ = submit(world, reporter=world.outsider, title="Sampah menumpuk di pasar")
    advance(world, other, "dispatched")
    Support.objects.create(report=other, user=world.citizen)
    Subscription.objects.create(report=other, user=world.citizen)
    return report, other


def test_deleting_the_account_empties_it_and_signs_it_out_everywhere(world, client_for, reported):
    elsewhere = Client()
    elsewhere.force_login(world.citizen)
    client = client_for(world.citizen)

    response = _delete(client)

    assert response.status_code == 302
    user = User.objects.get(pk=world.citizen.pk)
    assert (user.full_name, user.phone, user.former_names) == ("", "", [])
    assert user.email.endswith("@akun-dihapus.invalid")
    assert not user.is_active and not user.has_usable_password()
    assert user.erased_at is not None
    for signed_in in (client, elsewhere):
        assert signed_in.get(reverse("accounts:account")).status_code == 302
    sign_in = Client().post(
        reverse("accounts:login"), {"username": "warga@example.id", "password": PASSWORD}
    )
    assert sign_in.status_code == 200  # the form again: no such account


def test_the_reports_stay_without_the_reporters_name_and_contacts(world, client_for, reported):
    report, _ = reported

    _delete(client_for(world.citizen))

    report = Report.objects.get(pk=report.pk)
    assert report.status == "dispatched"
    for secret in ("Siti", "Warga", "3456", "warga@example.id"):
        assert secret not in report.body
        assert secret not in report.public_body
    assert "Lampu jalan di depan SD Negeri 3 padam" in report.body
    answer = report.events.get(action="answer_hold")
    assert "3456" not in answer.message and answer.withheld_message == ""
    [photo] = Attachment.objects.filter(report=report)
    assert photo.original_name == photo.plain_name
    page = Client().get(reverse("portal:report", args=[report.tracking_code])).content.decode()
    assert "Siti" not in page and "Foto_Siti" not in page


def test_the_handlers_see_a_deleted_account_with_no_way_to_reach_it(world, client_for, reported):
    report, _ = reported
    _delete(client_for(world.citizen))

    page = client_for(world.agency_admin).get(
        reverse("workspace:report", args=[report.tracking_code])
    )

    assert page.status_code == 200
    text = page.content.decode()
    assert "Deleted account" in text
    assert "akun-dihapus.invalid" not in text
    Subscription.objects.create(report=report, user=world.outsider)
    report = Report.objects.get(pk=report.pk)  # the erasure changed its text and version
    lifecycle.respond(report, as_user(world.liaison_a), "Petugas akan datang besok.")
    assert Notification.objects.filter(user=world.outsider, report=report).exists()
    assert not Notification.objects.filter(user=world.citizen).exists()
    assert not Notification.objects.filter(address__icontains="warga@example.id").exists()


def test_what_was_kept_for_the_person_goes_and_their_support_still_counts(
    world, client_for, reported
):
    _report, other = reported
    assert Notification.objects.filter(user=world.citizen).exists()

    _delete(client_for(world.citizen))

    assert not Notification.objects.filter(user=world.citizen).exists()
    assert not Subscription.objects.filter(user=world.citizen).exists()
    assert Support.objects.filter(report=other, user=world.citizen).exists()


def test_an_anonymous_reports_sealed_words_are_dropped(world, client_for):
    report, _ = submit(world, reporter=world.citizen, body=BODY, is_anonymous=True)
    assert Report.objects.get(pk=report.pk).withheld_text != ""

    _delete(client_for(world.citizen))

    assert Report.objects.get(pk=report.pk).withheld_text == ""


def test_the_address_is_free_for_a_new_account_afterwards(world, client_for, client):
    _delete(client_for(world.citizen))
    client.logout()

    response = client.post(
        reverse("accounts:signup"),
        {
            "full_name": "Siti Warga",
            "email": "warga@example.id",
            "password1": "sapu-lidi-merah-77",
            "password2": "sapu-lidi-merah-77",
        },
    )

    assert response.status_code == 302
    assert User.objects.filter(email="warga@example.id", is_active=True).count() == 1


@pytest.mark.parametrize(
    "password, understood, error",
    [
        ("salah-sandi", True, "This is not the account&#x27;s password."),
        (PASSWORD, False, "Tick this box to delete the account."),
    ],
)
def test_without_the_password_and_the_tick_nothing_is_deleted(
    world, client_for, reported, password, understood, error
):
    response = _delete(client_for(world.citizen), password=password, understood=understood)

    assert response.status_code == 400
    assert error in response.content.decode()
    user = User.objects.get(pk=world.citizen.pk)
    assert user.is_active and user.full_name == "Siti Warga"


@pytest.mark.parametrize("persona", ["liaison_a", "agency_admin", "national_admin", "auditor"])
def test_an_officer_cannot_erase_what_they_did_in_office(world, client_for, persona):
    officer = getattr(world, persona)
    client = client_for(officer)

    page = client.get(reverse("accounts:delete"))
    response = _delete(client)

    assert "is part of that organization" in page.content.decode()
    assert response.status_code == 403
    user = User.objects.get(pk=officer.pk)
    assert user.is_active and user.full_name == officer.full_name
    with pytest.raises(ErasureRefused):
        erase_account(officer)


def test_the_operators_account_is_refused_too(world, client_for):
    operator = User.objects.create_superuser(
        email="ops@example.id", password=PASSWORD, full_name="Operator"
    )

    with pytest.raises(ErasureRefused):
        erase_account(operator)
    assert User.objects.get(pk=operator.pk).is_active


def test_events_keep_the_timeline_complete(world, client_for, reported):
    report, _ = reported
    count = ReportEvent.objects.filter(report=report).count()

    _delete(client_for(world.citizen))

    assert ReportEvent.objects.filter(report=report).count() == count


GUEST_BODY = (
    "Saya Budi Tamu, hubungi 0813-7766-5544 atau budi@example.id. Lampu jalan di depan "
    "SD Negeri 3 padam sejak seminggu."
)


@pytest.fixture
def guest_report(world):
    report, _secret = submit(world, body=GUEST_BODY, guest_phone="081377665544")
    run_announcements()  # the first message, with the link that confirms the address
    advance(world, report, "dispatched")
    return Report.objects.get(pk=report.pk)


def _erase_in_admin(client, report, confirmed: bool):
    data = {"action": "erase_guest_reporters", "_selected_action": [report.pk]}
    if confirmed:
        data["confirmed"] = "yes"
    return client.post(reverse("admin:reports_report_changelist"), data)


def test_an_operator_erases_a_guest_reporter_after_a_page_that_says_what_happens(
    world, client, guest_report
):
    from aduan.notifications.models import Notification

    lifecycle.respond(guest_report, as_user(world.liaison_a), "Terima kasih Pak Budi Tamu.")

    operator = User.objects.create_superuser("ops@example.id", PASSWORD, full_name="Operator")
    client.force_login(operator)
    assert Notification.objects.filter(report=guest_report, user=None).exists()

    asked = _erase_in_admin(client, guest_report, confirmed=False)

    assert asked.status_code == 200
    assert "Budi Tamu" in asked.content.decode()
    assert Report.objects.get(pk=guest_report.pk).guest_name == "Budi Tamu"

    done = _erase_in_admin(client, guest_report, confirmed=True)

    assert done.status_code == 302
    report = Report.objects.get(pk=guest_report.pk)
    assert (report.guest_name, report.guest_email, report.guest_phone) == ("", "", "")
    for secret in ("Budi", "7766", "budi@example.id"):
        assert secret not in report.body and secret not in report.public_body
    assert "Lampu jalan di depan SD Negeri 3 padam" in report.body
    assert "Budi" not in report.events.get(action="respond").message
    assert not Notification.objects.filter(report=report, user=None).exists()
    assert report.status == "in_progress"  # still handled


def test_an_accounts_report_is_left_to_its_owner(world, client):
    from aduan.accounts.erasure import erase_guest_reporter

    report, _ = submit(world, reporter=world.citizen, body=BODY)

    assert erase_guest_reporter(report) is False
    assert Report.objects.get(pk=report.pk).body == BODY


def test_people_without_admin_access_cannot_erase_a_guest_reporter(world, client_for, guest_report):
    response = _erase_in_admin(client_for(world.national_admin), guest_report, confirmed=True)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert Report.objects.get(pk=guest_report.pk).guest_name == "Budi Tamu"


def test_the_workers_records_of_the_accounts_emails_go_too(
    world, client_for, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    client = client_for(world.citizen)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("accounts:email_change"),
            {"new_email": "siti.baru@mail.id", "password": PASSWORD},
        )
    mine = DBTaskResult.objects.filter(task_path__startswith="aduan.accounts.tasks.")
    assert mine.filter(args_kwargs__args__1="siti.baru@mail.id").exists()

    _delete(client)

    assert not mine.exists()


def test_nobody_is_asked_a_question_once_the_reporter_deleted_their_account(world, client_for):
    from aduan.reports.lifecycle import TransitionError, allowed_actions

    report, _ = submit(world, reporter=world.citizen, body=BODY)
    _delete(client_for(world.citizen))
    report = Report.objects.get(pk=report.pk)

    assert "hold" not in allowed_actions(report, as_user(world.national_admin))
    assert "dispatch" in allowed_actions(report, as_user(world.national_admin))
    with pytest.raises(TransitionError, match="deleted their account"):
        lifecycle.hold(report, as_user(world.national_admin), "Di RT berapa?")
    page = client_for(world.national_admin).get(
        reverse("workspace:report", args=[report.tracking_code])
    )
    assert 'data-action="hold"' not in page.content.decode()


def test_a_question_waiting_when_the_account_is_deleted_archives_the_report_at_once(
    world, client_for
):
    report, _ = submit(world, reporter=world.citizen, body=BODY)
    lifecycle.hold(report, as_user(world.national_admin), "Di RT berapa?")
    waiting, _ = submit(world, reporter=world.citizen, title="Sampah di pasar")

    _delete(client_for(world.citizen))

    report = Report.objects.get(pk=report.pk)
    assert (report.status, report.archive_reason) == ("archived", "incomplete")
    event = report.events.latest("pk")
    assert (event.action, event.is_public, event.actor) == ("archive_incomplete", True, None)
    assert "data pribadi pelapor telah dihapus" in event.message
    assert not report.deadlines.running().exists()
    assert Report.objects.get(pk=waiting.pk).status == "submitted"  # no question: handled


def test_a_guest_reporters_question_is_archived_when_the_operator_erases_them(world, client):
    report, _secret = submit(world, body=GUEST_BODY, guest_phone="081377665544")
    lifecycle.hold(report, as_user(world.national_admin), "Di RT berapa?")
    operator = User.objects.create_superuser("ops@example.id", PASSWORD, full_name="Operator")
    client.force_login(operator)

    assert _erase_in_admin(client, report, confirmed=True).status_code == 302

    report = Report.objects.get(pk=report.pk)
    assert (report.status, report.archive_reason) == ("archived", "incomplete")


def test_an_erasure_queues_a_retraining_of_the_live_suggestion_models(
    world, client_for, settings, tmp_path, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    from aduan.triage import training
    from aduan.triage.models import TriageModel
    from tests.test_triage_suggest import add_history

    settings.STATE_DIR, settings.TRIAGE_MIN_SAMPLES = tmp_path, 4
    submit(world, reporter=world.citizen, body=BODY)
    submit(world, reporter=world.outsider, body=BODY)
    retrainings = DBTaskResult.objects.filter(task_path="aduan.triage.tasks.retrain_triage")
    with django_capture_on_commit_callbacks(execute=True):
        _delete(client_for(world.outsider))  # no live model yet: nothing to retrain
    assert User.objects.get(pk=world.outsider.pk).is_erased
    assert not retrainings.exists()

    add_history(world)
    assert training.train(TriageModel.Kind.ORGANIZATION).is_live
    with django_capture_on_commit_callbacks(execute=True):
        _delete(client_for(world.citizen))

    assert retrainings.count() == 1


def test_a_completed_report_awaiting_the_verdict_is_closed_when_the_account_goes(world, client_for):
    report, _ = submit(world, reporter=world.citizen, body=BODY)
    advance(world, report, "completed")

    _delete(client_for(world.citizen))

    report = Report.objects.get(pk=report.pk)
    assert report.status == "closed" and report.closed_at is not None
    assert report.events.latest("pk").action == "close_unanswered"
    assert not report.deadlines.running().exists()


def test_the_rating_comment_kept_with_the_report_loses_the_name_and_contacts_too(world, client_for):
    report, _ = submit(world, reporter=world.citizen, body=BODY)
    report = advance(world, report, "completed")
    lifecycle.reply(report, as_reporter(world.citizen), satisfied=True, message="")
    comment = "Terima kasih, dari Siti Warga. Hubungi 0812-3456-7890 kalau rusak lagi."
    lifecycle.rate(report, as_reporter(world.citizen), 5, comment)

    _delete(client_for(world.citizen))

    report = Report.objects.get(pk=report.pk)
    for secret in ("Siti", "Warga", "3456"):
        assert secret not in report.rating_comment
    assert "kalau rusak lagi" in report.rating_comment
    staff = client_for(world.agency_admin).get(
        reverse("workspace:report", kwargs={"code": report.tracking_code})
    )
    assert "3456" not in staff.content.decode()


def test_an_erased_guest_is_nobody_not_the_browser_that_held_the_report_nor_its_link(
    world, client_for
):
    from aduan.accounts.erasure import erase_guest_reporter
    from tests.test_portal import action_url, guest_client_for

    report, secret = submit(world, body=GUEST_BODY, guest_phone="081377665544")
    advance(world, report, "dispatched")
    browser = guest_client_for(report, secret)
    assert browser.get(reverse("portal:report", args=[report.tracking_code])).context["is_reporter"]

    assert erase_guest_reporter(Report.objects.get(pk=report.pk)) is True

    report = Report.objects.get(pk=report.pk)
    assert report.guest_erased_at is not None and report.guest_secret_hash == ""
    page = browser.get(reverse("portal:report", args=[report.tracking_code]))
    assert page.status_code == 200 and not page.context["is_reporter"]
    refused = browser.post(action_url(report, "add_info"), {"message": "Lampunya masih mati."})
    assert refused.status_code in (403, 404)
    assert not report.events.filter(action="add_info").exists()
    link = reverse("portal:secret", args=[report.tracking_code, secret])
    assert Client().get(link).status_code == 404
    assert "hold" not in lifecycle.allowed_actions(report, as_user(world.national_admin))
    officer_page = client_for(world.national_admin).get(
        reverse("workspace:report", args=[report.tracking_code])
    )
    assert officer_page.context["reporter_erased"]


def test_erasing_a_guest_twice_finds_nothing_the_second_time(world):
    from aduan.accounts.erasure import erase_guest_reporter

    report, _secret = submit(world, body=GUEST_BODY, guest_phone="081377665544")
    assert erase_guest_reporter(Report.objects.get(pk=report.pk)) is True
    first = Report.objects.get(pk=report.pk).guest_erased_at

    assert erase_guest_reporter(Report.objects.get(pk=report.pk)) is False
    assert Report.objects.get(pk=report.pk).guest_erased_at == first
