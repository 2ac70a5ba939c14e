"""A reporter who writes by SMS, WhatsApp or email gives their verdict on a connected
system's completion of their forwarded report there, as the report's page does: one
verdict per completion, the stars with it and only once, a reply saying what happened,
and nothing done twice for a retried message or for anyone but the reporter."""

from __future__ import annotations

import json

import pytest

from aduan.notifications.models import Medium, Notification
from aduan.reports.lifecycle import Action
from aduan.reports.models import Report
from aduan.webhooks import forwarding
from tests.personas import advance, as_user
from tests.test_forwarding import complete_there, emailed_report_completed_there, remote_answer
from tests.test_inbound_followups import wa
from tests.test_inbound_sms import post as sms

PHONE = "+6281234567890"
ENGLISH = "The street light in front of the mosque has been broken for two weeks now"


@pytest.fixture(autouse=True)
def _channels(settings):
    settings.ADUAN_SMS_INBOUND_TOKEN = "gateway-secret"
    settings.ADUAN_SMS_GATEWAY_URL = "https://sms.example.id/send"
    settings.ADUAN_WHATSAPP_PHONE_NUMBER_ID = "1234567890"
    settings.ADUAN_WHATSAPP_TOKEN = "graph-token"


def completed_there_by_sms(world, uplink, client, receiver, text=None) -> Report:
    """A report sent by SMS, forwarded to the uplink, which completed it there."""
    sms(client, id="gw-report", **({"text": text} if text else {}))
    report = advance(world, Report.objects.get(channel_reference="gw-report"), "dispatched")
    item = forwarding.forward(report, as_user(world.agency_admin), uplink)
    receiver.answers = [remote_answer()]
    forwarding.deliver([item.pk])
    return complete_there(client, uplink, report)


def reopen_and_complete_there_again(client, uplink, report) -> Report:
    """The uplink took the "not satisfied", worked on the report again and completed it."""
    from tests.test_forwarding import call_body, post_call

    for event_id, action, status in (
        (78, "not_satisfied", "in_progress"),
        (79, "complete", "completed"),
    ):
        body = json.loads(
            call_body(
                report, kind="report.status_changed", action=action, to_status=status, id=event_id
            )
        )
        body["data"]["report"]["status"] = status
        call = post_call(client, uplink, json.dumps(body).encode(), message_id=f"msg_{event_id}")
        assert call.status_code == 200
    report.refresh_from_db()
    return report


def last_reply(medium=Medium.SMS) -> str:
    return Notification.objects.filter(address=PHONE, medium=medium).latest("pk").body


def verdicts(report):
    return report.events.filter(action=Action.REMOTE_VERDICT)


def test_puas_with_stars_by_sms_goes_there_with_them_and_the_reply_says_what_happened(
    world, uplink, client, receiver
):
    report = completed_there_by_sms(world, uplink, client, receiver)

    answer = sms(client, id="gw-verdict", text="PUAS nilai 4, lampu sudah menyala").json()

    assert answer == {"result": "satisfied", "tracking_code": report.tracking_code}
    verdict = verdicts(report).get()
    assert (verdict.by_reporter, verdict.message) == (True, "lampu sudah menyala")
    assert verdict.data == {"uplink": "nasional", "satisfied": True, "stars": 4}
    reply = last_reply()
    assert "SP4N-LAPOR! Nasional" in reply and report.tracking_code in reply
    assert "puas" in reply and "ditutup di sana" in reply and "4 dari 5" in reply
    assert Report.objects.count() == 1


def test_not_satisfied_by_whatsapp_asks_them_to_work_on_it_again(world, uplink, client, receiver):
    report = completed_there_by_sms(world, uplink, client, receiver)

    assert (
        wa("wa-verdict", body="Belum puas nilai 2 lampunya mati lagi tiap malam") == "not_satisfied"
    )

    verdict = verdicts(report).get()
    assert verdict.data == {"uplink": "nasional", "satisfied": False, "stars": 2}
    assert verdict.message == "lampunya mati lagi tiap malam"
    reply = last_reply(Medium.WHATSAPP)
    assert "ditindaklanjuti kembali" in reply and "2 dari 5" in reply
    assert "SP4N-LAPOR! Nasional" in reply


def test_an_english_reporter_is_answered_in_english(world, uplink, client, receiver):
    report = completed_there_by_sms(world, uplink, client, receiver, text=ENGLISH)
    assert report.language == "en"

    sms(client, id="gw-verdict", text="satisfied")

    assert verdicts(report).get().data["satisfied"] is True
    assert "is told that you are satisfied" in last_reply()


def test_nilai_while_the_verdict_is_awaited_asks_for_it_with_the_stars_and_makes_no_report(
    world, uplink, client, receiver
):
    """The connected system takes the stars with the verdict, as the report's page does."""
    report = completed_there_by_sms(world, uplink, client, receiver)

    answer = sms(client, id="gw-stars", text="NILAI 4 mantap sekali pelayanannya pak").json()

    assert answer == {"result": "explain", "tracking_code": report.tracking_code}
    assert not verdicts(report).exists()
    assert "PUAS NILAI 4" in last_reply()
    assert Report.objects.count() == 1


def test_stars_without_what_is_still_wrong_are_asked_again_with_the_stars(
    world, uplink, client, receiver
):
    report = completed_there_by_sms(world, uplink, client, receiver)

    answer = sms(client, id="gw-verdict", text="BELUM PUAS NILAI 2").json()

    assert answer == {"result": "explain", "tracking_code": report.tracking_code}
    assert not verdicts(report).exists()
    assert "BELUM PUAS NILAI 2" in last_reply()


def test_stars_go_there_once_however_they_are_sent_again(world, uplink, client, receiver):
    report = completed_there_by_sms(world, uplink, client, receiver)
    sms(client, id="gw-verdict", text="BELUM PUAS NILAI 2 lampu masih mati")
    report = reopen_and_complete_there_again(client, uplink, report)
    assert forwarding.awaiting_verdict(report)

    alone = sms(client, id="gw-stars", text="NILAI 5").json()
    assert alone["result"] == "refused" and "satu penilaian" in last_reply()
    assert verdicts(report).count() == 1

    answer = sms(client, id="gw-again", text="PUAS NILAI 5 sudah terang").json()

    assert answer["result"] == "satisfied"
    second = verdicts(report).latest("id")
    assert second.data == {"uplink": "nasional", "satisfied": True}
    assert "tidak dikirim" in last_reply()


def test_a_late_verdict_or_rating_is_answered_and_never_becomes_a_report(
    world, uplink, client, receiver
):
    report = completed_there_by_sms(world, uplink, client, receiver)
    sms(client, id="gw-verdict", text="PUAS")

    late = sms(client, id="gw-late", text="PUAS sudah menyala terima kasih banyak pak").json()
    assert late == {"result": "given_before", "tracking_code": report.tracking_code}
    assert "sudah dikirim" in last_reply()
    stars = sms(client, id="gw-stars", text="NILAI 5 pelayanan sangat baik sekali").json()
    assert stars == {"result": "refused", "tracking_code": report.tracking_code}

    assert verdicts(report).count() == 1
    assert Report.objects.count() == 1


def test_a_retried_message_gives_one_verdict_and_one_reply(world, uplink, client, receiver):
    report = completed_there_by_sms(world, uplink, client, receiver)

    first = sms(client, id="gw-verdict", text="PUAS NILAI 5").json()
    again = sms(client, id="gw-verdict", text="PUAS NILAI 5").json()

    assert (first["result"], again["result"]) == ("satisfied", "duplicate")
    assert verdicts(report).count() == 1
    assert Notification.objects.filter(key="inbound:sms:gw-verdict:sms").count() == 1


def test_a_stranger_naming_the_report_gives_no_verdict(world, uplink, client, receiver):
    report = completed_there_by_sms(world, uplink, client, receiver)

    sms(client, id="gw-stranger", **{"from": "0813-0000-1111"}, text=f"PUAS {report.tracking_code}")
    sms(client, id="gw-stars", **{"from": "0813-0000-1111"}, text=f"NILAI 1 {report.tracking_code}")

    assert not verdicts(report).exists()
    assert forwarding.awaiting_verdict(report)


def test_the_reporter_of_another_report_naming_this_one_gives_no_verdict(
    world, uplink, client, receiver
):
    report = completed_there_by_sms(world, uplink, client, receiver)
    other = "0813-2222-3333"
    sms(client, id="gw-other", **{"from": other})
    theirs = Report.objects.get(channel_reference="gw-other")
    advance(world, theirs, "completed")

    answer = sms(client, id="gw-theirs", **{"from": other}, text=f"PUAS {report.tracking_code}")

    assert answer.json().get("tracking_code") != report.tracking_code
    assert not verdicts(report).exists()
    theirs.refresh_from_db()
    assert theirs.status == "completed"  # the code named another report: not theirs either


def test_an_email_reply_gives_the_stars_with_the_verdict(world, uplink, client, receiver, settings):
    report, reply = emailed_report_completed_there(world, uplink, client, receiver, settings)

    assert reply("Puas, nilai 5. Terima kasih.").status_code == 200
    assert reply("Puas, nilai 5. Terima kasih.").status_code == 200  # retried by the provider

    verdict = verdicts(report).get()
    assert verdict.data == {"uplink": "nasional", "satisfied": True, "stars": 5}
    told = Notification.objects.filter(
        medium=Medium.EMAIL, key__startswith="inbound:email:<m9@mail.example.id>"
    )
    assert "5 dari 5" in told.get().body


def test_a_report_of_the_senders_own_not_forwarded_is_answered_as_before(client, world):
    """Only a report forwarded and completed there takes a verdict there."""
    sms(client, id="gw-report")
    report = advance(world, Report.objects.get(channel_reference="gw-report"), "completed")

    assert sms(client, id="gw-verdict", text="PUAS NILAI 4").json()["result"] == "satisfied"
    report.refresh_from_db()
    assert report.status == "closed" and not verdicts(report).exists()
