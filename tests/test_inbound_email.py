import base64
import io
import json

import pytest
from PIL import Image

from aduan.notifications.models import Kind, Medium, Notification
from aduan.reports import lifecycle
from aduan.reports.lifecycle import Action
from aduan.reports.models import Attachment, Channel, Report, ReportEvent, Status
from tests.personas import advance, as_reporter, as_user, run_announcements, submit

URL = "/masuk/email/"
AUTH = "postmark:inbound-pass"
SENDER = "Siti.Warga@Example.id"
BODY = "Saluran air di depan SD Negeri 3 tersumbat dan banjir setiap hujan turun."


@pytest.fixture(autouse=True)
def _anymail(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": AUTH}


def inbound(
    *,
    message_id="<m1@mail.example.id>",
    subject="Saluran air tersumbat",
    text=BODY,
    sender=SENDER,
    attachments=(),
    headers=(),
):
    return {
        "FromFull": {"Email": sender, "Name": "Siti Warga"},
        "ToFull": [{"Email": "lapor@aduan.example.id", "Name": ""}],
        "Subject": subject,
        "TextBody": text,
        "HtmlBody": "",
        "MessageID": "postmark-uuid",
        "Headers": [{"Name": "Message-ID", "Value": message_id}, *headers],
        "Attachments": list(attachments),
    }


def attachment(name, data, content_type):
    return {
        "Name": name,
        "Content": base64.b64encode(data).decode(),
        "ContentType": content_type,
        "ContentLength": len(data),
    }


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, format="PNG")
    return out.getvalue()


def post(client, payload, *, auth=AUTH):
    headers = {}
    if auth:
        headers["Authorization"] = "Basic " + base64.b64encode(auth.encode()).decode()
    body = payload if isinstance(payload, bytes) else json.dumps(payload)
    return client.post(URL, body, content_type="application/json", headers=headers)


def our_message_id(report, kind=Kind.HOLD_QUESTION, address="") -> str:
    """The Message-ID of our email of `kind` about `report`, as a reply names it."""
    from aduan.notifications.adapters import message_id_for

    address = address or SENDER.lower()
    return message_id_for(
        Notification.objects.get(report=report, kind=kind, medium=Medium.EMAIL, address=address)
    )


def notices_to(address):
    return Notification.objects.filter(address=address, medium=Medium.EMAIL).exclude(
        kind=Kind.RECEIVED
    )


def test_an_email_becomes_a_guest_report_with_a_confirmed_address(client, db):
    response = post(client, inbound())

    assert response.status_code == 200
    report = Report.objects.get()
    assert report.channel == Channel.EMAIL
    assert report.channel_reference == "<m1@mail.example.id>"
    assert report.title == "Saluran air tersumbat"
    assert report.body == BODY
    assert report.guest_email == "siti.warga@example.id"
    assert report.guest_name == "Siti Warga"
    assert report.guest_contact_verified_at is not None
    assert run_announcements() == ["SUCCESSFUL"]  # the worker writes them
    received = Notification.objects.get(kind=Kind.RECEIVED)
    assert received.address == "siti.warga@example.id"
    assert report.tracking_code in received.subject


def test_a_photo_attachment_is_kept(client, db):
    post(client, inbound(attachments=[attachment("saluran.png", png(), "image/png")]))

    kept = Attachment.objects.get()
    assert kept.report == Report.objects.get()
    assert kept.content_type == "image/png"
    assert kept.original_name == "saluran.png"


def test_an_unsupported_attachment_is_refused_but_the_report_kept(client, db):
    program = attachment("hadiah.exe", b"MZ\x90\x00" * 64, "application/octet-stream")

    post(client, inbound(attachments=[program]))

    report = Report.objects.get()
    assert not Attachment.objects.exists()
    notice = notices_to("siti.warga@example.id").get()
    assert "hadiah.exe" in notice.body
    assert report.tracking_code in notice.body


def test_a_redelivered_email_creates_one_report(client, db):
    post(client, inbound())
    post(client, inbound())

    assert run_announcements() == ["SUCCESSFUL"]  # the worker writes them
    assert Report.objects.count() == 1
    assert Notification.objects.filter(kind=Kind.RECEIVED).count() == 1


def test_a_reply_in_the_thread_answers_the_question_of_an_on_hold_report(client, world):
    post(client, inbound())
    report = advance(world, Report.objects.get(), Status.ON_HOLD)

    reply = inbound(
        message_id="<m2@mail.example.id>",
        subject="Re: Saluran air tersumbat",
        text=(
            "Lokasinya di Jalan Kenanga 12.\n\n"
            "Pada Sen, 7 Des 2026 pukul 09.12, Aduan <noreply@aduan.example.id> menulis:\n"
            "> Di mana lokasinya?"
        ),
        headers=[{"Name": "In-Reply-To", "Value": our_message_id(report)}],
    )
    post(client, reply)

    assert Report.objects.count() == 1
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED
    answer = ReportEvent.objects.get(report=report, action=Action.ANSWER_HOLD)
    assert answer.message == "Lokasinya di Jalan Kenanga 12."
    assert answer.by_reporter


def racing(monkeypatch, act):
    """Make `act(report)` happen just before the email's answer is applied to its copy."""
    real, done = lifecycle.answer_hold, []

    def answer_after_someone_else(stale, *args, **kwargs):
        if not done:
            done.append(act(Report.objects.get(pk=stale.pk)))
        return real(stale, *args, **kwargs)

    monkeypatch.setattr(lifecycle, "answer_hold", answer_after_someone_else)


def reply_to_question(report):
    return inbound(
        message_id="<m2@mail.example.id>",
        subject="Re: Saluran air tersumbat",
        text="Lokasinya di Jalan Kenanga 12.",
        headers=[{"Name": "In-Reply-To", "Value": our_message_id(report)}],
    )


def test_an_answer_arriving_as_an_officer_acts_is_still_taken(client, world, monkeypatch):
    post(client, inbound())
    report = advance(world, Report.objects.get(), Status.ON_HOLD)
    racing(
        monkeypatch,
        lambda r: lifecycle.set_flags(r, as_user(world.national_admin), confidential=True),
    )

    response = post(client, reply_to_question(report))

    assert response.status_code == 200
    report.refresh_from_db()
    assert (report.status, report.is_confidential) == (Status.SUBMITTED, True)
    assert ReportEvent.objects.get(report=report, action=Action.ANSWER_HOLD).message == (
        "Lokasinya di Jalan Kenanga 12."
    )


def test_a_second_answer_racing_the_first_is_told_where_to_write(client, world, monkeypatch):
    post(client, inbound())
    report = advance(world, Report.objects.get(), Status.ON_HOLD)
    first_email = lifecycle.answer_hold
    racing(monkeypatch, lambda r: first_email(r, as_reporter(), "Di Jalan Kenanga."))

    response = post(client, reply_to_question(report))

    assert response.status_code == 200
    assert ReportEvent.objects.filter(report=report, action=Action.ANSWER_HOLD).count() == 1
    told = notices_to("siti.warga@example.id").filter(key__startswith="inbound:").get()
    assert f"/{report.tracking_code}/" in told.body


def test_photos_sent_with_an_answer_join_it_and_refused_ones_are_explained(client, world):
    post(client, inbound())
    report = advance(world, Report.objects.get(), Status.ON_HOLD)

    reply = inbound(
        message_id="<m2@mail.example.id>",
        subject="Re: Saluran air tersumbat",
        text="Ini fotonya.",
        headers=[{"Name": "In-Reply-To", "Value": our_message_id(report)}],
        attachments=[
            attachment("saluran.png", png(), "image/png"),
            attachment("hadiah.exe", b"MZ\x90\x00" * 64, "application/octet-stream"),
        ],
    )
    post(client, reply)

    answer = ReportEvent.objects.get(report=report, action=Action.ANSWER_HOLD)
    assert list(answer.attachments.values_list("original_name", flat=True)) == ["saluran.png"]
    notice = notices_to("siti.warga@example.id").get(key__startswith="inbound:")
    assert "hadiah.exe" in notice.body


def test_a_code_in_the_subject_alone_acts_on_nothing_and_the_reporter_gets_their_link(
    client, world
):
    # Anyone can write any sender on an email: only a reply to one of our own emails to
    # that address (its Message-ID is keyed with the server's secret) proves the mailbox.
    report, _secret = submit(world, guest_email="budi@example.id")
    advance(world, report, Status.ON_HOLD)

    post(
        client,
        inbound(
            message_id="<m3@mail.example.id>",
            subject=f"Jawaban untuk laporan {report.tracking_code}",
            text="Lubangnya tepat di depan gerbang pasar.",
            sender="budi@example.id",
        ),
    )

    report.refresh_from_db()
    assert report.status == Status.ON_HOLD
    notice = notices_to("budi@example.id").get(key__startswith="inbound:")
    assert f"/laporan/{report.tracking_code}/a/" in notice.body
    assert Report.objects.count() == 1


def test_a_forged_sender_cannot_close_or_rate_a_completed_report(client, world):
    post(client, inbound())
    report = advance(world, Report.objects.get(), Status.COMPLETED)
    for n, text in enumerate(("PUAS", "NILAI 1")):
        forged = inbound(
            message_id=f"<forged{n}@attacker.example>",
            subject=f"Re: laporan {report.tracking_code}",
            text=text,
            headers=[{"Name": "In-Reply-To", "Value": "<m1@mail.example.id>"}],
        )
        assert post(client, forged).status_code == 200

    report.refresh_from_db()
    assert report.status == Status.COMPLETED and report.rating is None


def test_a_tracking_code_from_another_sender_does_not_touch_the_report(client, world):
    report, _secret = submit(world, guest_email="budi@example.id")
    advance(world, report, Status.ON_HOLD)

    post(client, inbound(subject=f"Tentang {report.tracking_code}", sender="orang@lain.id"))

    report.refresh_from_db()
    assert report.status == Status.ON_HOLD
    assert Report.objects.count() == 2


def test_a_reply_to_a_report_that_is_not_on_hold_points_to_its_page(client, db):
    post(client, inbound())
    report = Report.objects.get()

    post(
        client,
        inbound(
            message_id="<m4@mail.example.id>",
            subject=f"Re: [{report.tracking_code}] Saluran air tersumbat",
            text="Apakah sudah ada perkembangan dari laporan saya?",
        ),
    )

    assert Report.objects.count() == 1
    assert not ReportEvent.objects.filter(action=Action.ANSWER_HOLD).exists()
    notice = notices_to("siti.warga@example.id").get()
    assert f"/{report.tracking_code}/" in notice.body


def test_a_too_short_email_creates_nothing(client, db):
    post(client, inbound(text="tolong", subject=""))

    assert not Report.objects.exists()
    assert notices_to("siti.warga@example.id").count() == 1


def test_wrong_or_missing_basic_auth_is_refused(client, db):
    assert post(client, inbound(), auth="postmark:guess").status_code == 403
    assert post(client, inbound(), auth="").status_code == 403
    assert not Report.objects.exists()


def test_the_webhook_is_closed_while_no_secret_is_configured(client, db, settings):
    settings.ANYMAIL = {}

    assert post(client, inbound()).status_code == 403
    assert not Report.objects.exists()


def test_malformed_payloads_get_a_json_error(client, db):
    broken = post(client, b"{not json")
    foreign = post(client, {"hello": "world"})

    for response in (broken, foreign):
        assert response.status_code == 400
        assert response.json()["error"]
    assert not Report.objects.exists()


def test_an_email_with_only_a_subject_uses_it_as_the_text(client, db):
    post(client, inbound(subject="Jalan di depan Puskesmas Cibeber berlubang", text=""))

    report = Report.objects.get()
    assert report.body == "Jalan di depan Puskesmas Cibeber berlubang"


def test_an_oversized_email_is_refused(client, db, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048

    response = post(client, inbound(text="x" * 4096))

    assert response.status_code == 413
    assert not Report.objects.exists()


def test_a_reply_to_our_question_email_is_threaded_by_its_message_id(client, world):
    report, _secret = submit(world, guest_email="budi@example.id")
    report.guest_contact_verified_at = report.submitted_at
    Report.objects.filter(pk=report.pk).update(guest_contact_verified_at=report.submitted_at)
    advance(world, report, Status.ON_HOLD)
    question = Notification.objects.get(kind=Kind.HOLD_QUESTION, medium=Medium.EMAIL)
    Notification.objects.filter(pk=question.pk).update(provider_reference="<q1@aduan.test>")

    post(
        client,
        inbound(
            message_id="<m5@mail.example.id>",
            subject="Re: Pertanyaan tentang laporan",
            text="Di depan gerbang pasar.",
            sender="budi@example.id",
            headers=[{"Name": "References", "Value": "<x@y.id> <q1@aduan.test>"}],
        ),
    )

    report.refresh_from_db()
    assert report.status == Status.SUBMITTED
    assert Report.objects.count() == 1


def test_an_email_flagged_as_spam_is_ignored(client, db):
    spam = inbound(headers=[{"Name": "X-Spam-Status", "Value": "Yes"}])

    assert post(client, spam).status_code == 200
    assert not Report.objects.exists()
    assert not Notification.objects.exists()


# --- What a provider might send wrong ---------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"Headers": "x"},
        {"Headers": [{"Name": "Message-ID", "Value": 5}]},
        {"FromFull": {"Email": "bukan-alamat", "Name": ""}},
        {"FromFull": {"Email": 5}},
        {"Subject": 5},
        {"TextBody": ["a"]},
        {"ToFull": "x"},
        {"Attachments": "x"},
        {"Attachments": ["x"]},
        {"Attachments": [{"Name": "a.png", "Content": "!!", "ContentType": "image/png"}]},
    ],
)
def test_a_malformed_message_is_refused_not_a_crash(client, db, change):
    response = post(client, inbound() | change)
    assert response.status_code == 400
    assert not Report.objects.exists()


def test_a_body_nested_too_deeply_is_refused(client, db):
    assert post(client, b"[" * 100_000).status_code == 400


def test_emails_without_any_message_id_are_not_taken_for_each_other(client, db):
    first = inbound(message_id="", text=BODY)
    second = inbound(message_id="", sender="budi@example.id", text=BODY + " Mohon dibersihkan.")
    for payload in (first, second):
        payload["MessageID"] = ""
        payload["Headers"] = []
        assert post(client, payload).status_code == 200
    assert Report.objects.count() == 2
    assert post(client, first).status_code == 200  # the same email again is still once
    assert Report.objects.count() == 2


def test_a_reply_to_our_completion_email_threads_by_our_message_id_and_reopens(client, world):
    from aduan.notifications.adapters import message_id_for

    post(client, inbound())
    report = advance(world, Report.objects.get(), Status.COMPLETED)
    completed = Notification.objects.get(report=report, kind=Kind.COMPLETED, medium=Medium.EMAIL)
    reply = inbound(
        message_id="<m9@mail.example.id>",
        subject="Re: Laporan telah selesai ditindaklanjuti",  # no code in the subject
        text="Belum puas, saluran di depan SD masih tersumbat.",
        headers=[{"Name": "In-Reply-To", "Value": message_id_for(completed)}],
    )

    assert post(client, reply).status_code == 200

    report.refresh_from_db()
    assert report.status == Status.IN_PROGRESS
    assert report.events.get(action=Action.NOT_SATISFIED).message == (
        "saluran di depan SD masih tersumbat."
    )
    assert Report.objects.count() == 1
