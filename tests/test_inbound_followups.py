"""A citizen who reported by SMS, WhatsApp or email answers there: the admins' question,
whether the response solved the problem, and a rating; greetings, status questions and
anonymity written the way people write them."""

from __future__ import annotations

import pytest

from aduan.channels.models import WhatsAppMedia
from aduan.channels.replies import status_command
from aduan.channels.whatsapp import receive_message
from aduan.notifications.models import Medium, Notification
from aduan.reports.lifecycle import Action
from aduan.reports.models import Channel, Report, ReportEvent, Status
from tests.personas import advance
from tests.test_inbound_sms import TEXT
from tests.test_inbound_sms import post as sms

PHONE = "+6281234567890"


@pytest.fixture(autouse=True)
def _channels(settings):
    settings.ADUAN_SMS_INBOUND_TOKEN = "gateway-secret"
    settings.ADUAN_SMS_GATEWAY_URL = "https://sms.example.id/send"
    settings.ADUAN_WHATSAPP_PHONE_NUMBER_ID = "1234567890"
    settings.ADUAN_WHATSAPP_TOKEN = "graph-token"


def last_reply(medium=Medium.SMS) -> str:
    return Notification.objects.filter(address=PHONE, medium=medium).latest("pk").body


def sms_report(client, world, status) -> Report:
    sms(client, id="gw-report")
    return advance(world, Report.objects.get(channel_reference="gw-report"), status)


def test_an_sms_reply_answers_the_question_of_the_senders_report(client, world):
    report = sms_report(client, world, Status.ON_HOLD)

    response = sms(client, id="gw-2", text="Tiang lampu nomor PJU-017 depan masjid Al Ikhlas")

    assert response.json() == {"result": "answered", "tracking_code": report.tracking_code}
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED
    answer = ReportEvent.objects.get(report=report, action=Action.ANSWER_HOLD)
    assert answer.message == "Tiang lampu nomor PJU-017 depan masjid Al Ikhlas"
    assert answer.by_reporter
    assert Report.objects.count() == 1
    assert report.tracking_code in last_reply()


def test_an_answer_arriving_as_an_officer_adds_a_note_is_still_taken(client, world):
    from aduan.channels import followups
    from aduan.reports import lifecycle
    from tests.personas import as_user

    report = sms_report(client, world, Status.ON_HOLD)
    as_read = Report.objects.get(pk=report.pk)  # the answer's copy, read just before...
    lifecycle.add_note(report, as_user(world.national_admin), "Sudah ditelepon, belum diangkat.")

    done = followups._act(as_read, "answered", None, "Rumah nomor 17, samping musholla.")

    assert done.result == "answered"
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED
    assert report.events.filter(action=Action.ANSWER_HOLD).exists()


def test_a_greeting_while_a_question_waits_repeats_the_question(client, world):
    report = sms_report(client, world, Status.ON_HOLD)

    result = sms(client, id="gw-2", text="Selamat pagi pak").json()

    assert result["result"] == "reminded"
    assert report.events.filter(action=Action.ANSWER_HOLD).count() == 0
    assert "Di mana lokasinya?" in last_reply()


def test_lapor_starts_a_new_report_even_while_a_question_waits(client, world):
    first = sms_report(client, world, Status.ON_HOLD)

    result = sms(client, id="gw-2", text="LAPOR sampah menumpuk di pasar Wage tiga hari").json()

    assert result["result"] == "created"
    new = Report.objects.get(tracking_code=result["tracking_code"])
    assert new.body == "sampah menumpuk di pasar Wage tiga hari"
    first.refresh_from_db()
    assert first.status == Status.ON_HOLD


def test_puas_closes_the_completed_report_and_nilai_rates_it(client, world):
    report = sms_report(client, world, Status.COMPLETED)

    assert sms(client, id="gw-2", text="Puas pak, terima kasih").json()["result"] == "satisfied"
    assert sms(client, id="gw-3", text="nilai 5 cepat sekali").json()["result"] == "rated"

    report.refresh_from_db()
    assert report.status == Status.CLOSED
    assert (report.rating, report.rating_comment) == (5, "cepat sekali")


def test_belum_puas_reopens_with_the_reason_and_asks_for_one_when_missing(client, world):
    report = sms_report(client, world, Status.COMPLETED)

    assert sms(client, id="gw-2", text="belum puas").json()["result"] == "explain"
    result = sms(client, id="gw-3", text="Belum puas, lampunya mati lagi tadi malam").json()

    assert result["result"] == "not_satisfied"
    report.refresh_from_db()
    assert report.status == Status.IN_PROGRESS and report.reopen_count == 1
    event = report.events.get(action=Action.NOT_SATISFIED)
    assert event.message == "lampunya mati lagi tadi malam"


def test_another_number_cannot_answer_or_judge_someone_elses_report(client, world):
    report = sms_report(client, world, Status.COMPLETED)

    result = sms(
        client, id="gw-2", **{"from": "081299998888"}, text=f"PUAS {report.tracking_code}"
    ).json()

    assert result["result"] == "too_short"
    report.refresh_from_db()
    assert report.status == Status.COMPLETED


def test_a_redelivered_answer_is_taken_once_and_makes_no_report(client, world):
    report = sms_report(client, world, Status.ON_HOLD)
    answer = "Lokasinya di Jalan Kenanga nomor 12, dekat sekolah dasar"

    first = sms(client, id="gw-2", text=answer).json()
    again = sms(client, id="gw-2", text=answer).json()

    assert first["result"] == "answered" and again["result"] == "duplicate"
    assert Report.objects.count() == 1
    assert report.events.filter(action=Action.ANSWER_HOLD).count() == 1


def test_a_greeting_alone_is_not_a_report(client, db):
    assert sms(client, text="Selamat pagi pak").json()["result"] == "too_short"
    assert sms(client, id="gw-2", text="Assalamualaikum wr wb").json()["result"] == "too_short"
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("STATUS K7QM-3XPA", "K7QM-3XPA"),
        ("Status: K7QM-3XPA", "K7QM-3XPA"),
        ("cek laporan k7qm 3xpa", "K7QM-3XPA"),
        ("Status laporan K7QM3XPA?", "K7QM-3XPA"),
        ("K7QM-3XPA", "K7QM-3XPA"),
        ("status jalan", ""),
        ("makasihh", None),
        (TEXT, None),
    ],
)
def test_status_questions_are_read_as_people_write_them(text, code):
    assert status_command(text) == code


def test_writing_anonim_makes_an_anonymous_report(client, db):
    sms(client, text="Lapor ANONIM: ada pungutan liar di loket KTP kecamatan tiap pagi")

    assert Report.objects.get().is_anonymous


# --- WhatsApp ---------------------------------------------------------------------------


def wa(mid, kind="text", **part):
    return receive_message(
        {"from": PHONE.lstrip("+"), "id": mid, "type": kind, kind: part or {"body": "halo"}}
    )


def test_a_whatsapp_greeting_first_is_not_taken_as_the_complaint(db):
    wa("w1", body="Assalamualaikum pak")
    wa("w2", body="Mau lapor pak, lampu jalan di depan masjid mati sudah dua minggu")
    wa("w3", body="Jalan Sudirman depan Masjid Agung")
    assert wa("w4", body="Iya.") == "created"

    report = Report.objects.get()
    assert report.body.startswith("Mau lapor pak, lampu jalan")
    assert report.address == "Jalan Sudirman depan Masjid Agung"


def test_a_whatsapp_yes_is_not_an_address_and_a_correction_is_kept(db):
    wa("w1", body="Saluran air di gang Mawar tersumbat dan meluap ke rumah warga")
    wa("w2", body="yes")
    wa("w3", body="Gang Mawar RT 03 RW 02")
    wa("w4", body="Sudah tiga hari airnya meluap")
    wa("w5", body="ya")

    report = Report.objects.get()
    assert report.address == "Gang Mawar RT 03 RW 02"
    assert report.body.endswith("Sudah tiga hari airnya meluap")


def test_a_whatsapp_reply_answers_the_question_and_a_photo_joins_the_report(world):
    wa("w1", body="Jembatan kayu di Desa Sukamaju retak dan hampir roboh")
    wa("w2", body="Desa Sukamaju dekat balai desa")
    wa("w3", body="ya")
    report = advance(world, Report.objects.get(), Status.ON_HOLD)

    assert wa("w4", "image", id="media-9", caption="") == "photo_added"
    assert wa("w5", body="Jembatannya di atas sungai Serayu, sisi timur") == "answered"

    assert WhatsAppMedia.objects.filter(report=report, media_id="media-9").exists()
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED
    assert Report.objects.count() == 1


def test_whatsapp_puas_closes_the_report(world):
    wa("w1", body="Jembatan kayu di Desa Sukamaju retak dan hampir roboh")
    wa("w2", body="Desa Sukamaju dekat balai desa")
    wa("w3", body="ya")
    report = advance(world, Report.objects.get(channel=Channel.WHATSAPP), Status.COMPLETED)

    assert wa("w4", body="puas") == "satisfied"

    report.refresh_from_db()
    assert report.status == Status.CLOSED


def test_a_number_typed_into_someone_elses_web_form_does_not_capture_the_answer(client, world):
    victims = sms_report(client, world, Status.ON_HOLD)
    from tests.personas import submit

    # Someone else types the victim's number into a web report, never confirms it, and
    # that report is put on hold later than the victim's.
    decoy, _ = submit(world, guest_email="", guest_phone=PHONE, title="Laporan pancingan saja")
    advance(world, decoy, Status.ON_HOLD)

    result = sms(client, id="gw-2", text="Lokasinya di Jalan Melati nomor 12 dekat masjid").json()

    assert result == {"result": "answered", "tracking_code": victims.tracking_code}
    decoy.refresh_from_db()
    assert decoy.status == Status.ON_HOLD
    assert not decoy.events.filter(action=Action.ANSWER_HOLD).exists()


def test_a_guest_confirmed_by_email_gets_no_news_at_a_phone_number_never_confirmed(world):
    from django.utils import timezone

    from aduan.notifications.outbox import reporter_of
    from tests.personas import submit

    report, _ = submit(world, guest_email="budi@example.id", guest_phone="+6281211112222")
    Report.objects.filter(pk=report.pk).update(guest_contact_verified_at=timezone.now())
    report.refresh_from_db()

    [recipient] = reporter_of(report)
    assert (recipient.email, recipient.phone) == ("budi@example.id", "")
    [first] = reporter_of(report, confirmed_only=False)  # the first message goes to both
    assert first.phone == "+6281211112222"


def test_an_sms_naming_the_senders_open_report_is_news_of_it_not_a_new_report(client, world):
    report = sms_report(client, world, Status.DISPATCHED)
    text = f"{report.tracking_code.lower()} lampunya sekarang mati dua, jalan gelap total"

    response = sms(client, id="gw-news", text=text)

    assert response.json() == {"result": "added", "tracking_code": report.tracking_code}
    assert Report.objects.count() == 1
    news = ReportEvent.objects.get(report=report, action=Action.ADD_INFO)
    assert news.message == "lampunya sekarang mati dua, jalan gelap total"
    assert news.by_reporter and news.is_public
    assert report.tracking_code in last_reply()


def test_news_naming_someone_elses_report_makes_a_new_report(client, world):
    from tests.personas import submit

    theirs = advance(world, submit(world)[0], Status.DISPATCHED)
    text = f"{theirs.tracking_code} lampu jalan di depan rumah saya juga mati sejak kemarin"

    result = sms(client, id="gw-other", text=text).json()

    assert result["result"] != "added"
    assert not ReportEvent.objects.filter(report=theirs, action=Action.ADD_INFO).exists()


def test_news_beyond_the_days_limit_is_refused_with_why(client, world):
    from aduan.reports import lifecycle

    report = sms_report(client, world, Status.DISPATCHED)
    for n in range(lifecycle.ADD_INFO_PER_DAY):
        sms(client, id=f"gw-n{n}", text=f"{report.tracking_code} kabar tambahan nomor {n} ya pak")

    result = sms(client, id="gw-last", text=f"{report.tracking_code} kabar tambahan lagi ya pak")

    assert result.json()["result"] == "refused"
    assert report.events.filter(action=Action.ADD_INFO).count() == lifecycle.ADD_INFO_PER_DAY
    assert Report.objects.count() == 1


def test_news_arriving_as_an_officer_completes_the_report_says_it_changed(client, world):
    """Only the day's limit is told as a refusal; a report that moved on meanwhile (an
    officer completed it) is told as any answer that came too late."""
    from aduan.channels import followups
    from aduan.reports import lifecycle
    from tests.personas import as_user

    report = sms_report(client, world, Status.IN_PROGRESS)
    as_read = Report.objects.get(pk=report.pk)  # the message's copy, read just before...
    lifecycle.complete(report, as_user(world.liaison_a), "Lampu sudah diganti.")

    done = followups._act(as_read, "added", None, "Lampunya sekarang mati dua, gelap total.")

    assert done.result == "stale"
    assert f"STATUS {report.tracking_code}" in done.reply
    assert not report.events.filter(action=Action.ADD_INFO).exists()


def test_a_long_status_question_naming_the_report_gets_its_status_not_news(client, world):
    report = sms_report(client, world, Status.DISPATCHED)
    text = f"Cek laporan {report.tracking_code}, sudah seminggu belum ada tindak lanjut pak"

    result = sms(client, id="gw-ask", text=text).json()

    assert result == {"result": "status", "tracking_code": report.tracking_code}
    assert not report.events.filter(action=Action.ADD_INFO).exists()
    assert Report.objects.count() == 1
    assert report.tracking_code in last_reply()
