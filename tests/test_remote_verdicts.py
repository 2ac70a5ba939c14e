"""The reporter's verdict on a connected system's completion: what the API and webhooks
say of it, and an officer recording one the reporter gave by phone, letter or at the
counter (it goes to that system as the reporter's own does)."""

from __future__ import annotations

import json
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import translation

from aduan.analytics.facts import facts_of
from aduan.lib import http
from aduan.lib.leasing import State
from aduan.notifications.models import Kind, Medium, Notification
from aduan.reports import lifecycle
from aduan.reports.lifecycle import Action, TransitionError
from aduan.reports.models import Report
from aduan.webhooks import forwarding, outbound
from aduan.webhooks.models import Forwarding, WebhookDelivery
from tests.personas import advance, as_reporter, as_user
from tests.test_api import get, new_key
from tests.test_forwarding import (
    calls,
    complete_there,
    completed_there,
    forwarded,
    remote_answer,
)
from tests.test_webhooks import endpoint_for


def _entry(body: dict, action: str = "remote_verdict") -> dict:
    [entry] = [item for item in body["timeline"] if item["action"] == action]
    return entry


def _page(client, report) -> str:
    return client.get(reverse("workspace:report", args=[report.tracking_code])).content.decode()


def _record(client, report, **data):
    data.setdefault("version", report.version)
    data.setdefault("forwarding", Forwarding.objects.get(report=report).pk)
    url = reverse("workspace:action", args=[report.tracking_code, "remote_verdict"])
    return client.post(url, data)


def forwarding_sent(world, uplink, receiver, **submit_fields):
    """The citizen's report, forwarded and accepted by the uplink, not completed there."""
    report, item = forwarded(world, uplink, **submit_fields)
    receiver.answers = [remote_answer()]
    forwarding.deliver([item.pk])
    receiver.requests.clear()
    report.refresh_from_db()
    return report, item


# --- What local systems hear of a verdict -------------------------------------------------


def test_the_api_timeline_says_whether_the_reporter_was_satisfied_with_which_system(
    world, uplink, client, receiver
):
    report, item = completed_there(world, uplink, client, receiver)
    forwarding.give_verdict_there(
        report, as_reporter(world.citizen), item, satisfied=True, message="Terang.", stars=4
    )

    body = get(client, f"/api/v1/reports/{report.tracking_code}/", new_key(world.agency)).json()

    entry = _entry(body)
    assert entry["message"] == "Terang." and entry["by_reporter"] is True
    assert entry["verdict"] == {
        "satisfied": True,
        "stars": 4,
        "uplink": "nasional",
        "uplink_name": "SP4N-LAPOR! Nasional",
        "received_via": None,
    }
    # Additive: every other entry keeps its shape, with no verdict.
    assert {item["verdict"] for item in body["timeline"] if item is not entry} == {None}
    assert _entry(body, "submit").keys() == entry.keys()


def test_the_changes_feed_and_the_webhook_call_carry_the_verdict(world, uplink, client, receiver):
    endpoint_for(world.agency)
    report, item = completed_there(world, uplink, client, receiver)
    verdict = forwarding.give_verdict_there(
        report, as_reporter(world.citizen), item, satisfied=False, message="Masih padam."
    )
    expected = {
        "satisfied": False,
        "stars": None,
        "uplink": "nasional",
        "uplink_name": "SP4N-LAPOR! Nasional",
        "received_via": None,
    }

    feed = get(client, "/api/v1/changes/", new_key(world.agency), limit=200).json()
    [change] = [row for row in feed["results"] if row["id"] == verdict.pk]
    assert (change["message"], change["verdict"]) == ("Masih padam.", expected)

    delivery = WebhookDelivery.objects.get(event=verdict)
    receiver.requests.clear()
    assert outbound.deliver([delivery.pk]) == 1
    call = json.loads(receiver.requests[0].body)
    assert call["type"] == "report.reporter_update"
    assert call["data"]["event"]["verdict"] == expected
    assert call["data"]["event"]["message"] == "Masih padam."


def test_the_names_of_the_systems_judged_cost_one_query_however_many_verdicts(
    world, uplink, client, receiver, django_assert_max_num_queries
):
    report, item = completed_there(world, uplink, client, receiver)
    actor = as_reporter(world.citizen)
    forwarding.give_verdict_there(report, actor, item, satisfied=False, message="Belum.")
    report = complete_there(client, uplink, report, message_id="msg_again")
    forwarding.give_verdict_there(report, actor, item, satisfied=True, message="Sudah.")
    secret = new_key(world.agency)
    get(client, "/api/v1/changes/", secret)  # the key's last use is fresh now

    # Two for the key's organization, the horizon, the events, their files, and one for
    # the names of the systems judged, however many verdicts.
    with django_assert_max_num_queries(6):
        feed = get(client, "/api/v1/changes/", secret).json()

    verdicts = [row["verdict"] for row in feed["results"] if row["verdict"]]
    assert [v["uplink_name"] for v in verdicts] == ["SP4N-LAPOR! Nasional"] * 2


def test_an_anonymous_reporters_verdict_names_nobody(world, uplink, client, receiver):
    """The words are withheld as the reporter's always are; the verdict adds only what
    they chose (satisfied or not, the stars), never who they are."""
    report, item = forwarding_sent(world, uplink, receiver, is_anonymous=True)
    report = complete_there(client, uplink, report)
    forwarding.give_verdict_there(
        report,
        as_reporter(world.citizen),
        item,
        satisfied=False,
        message="Saya Siti Warga, HP 0812 3456 7890: lampu masih mati.",
    )

    body = get(client, f"/api/v1/reports/{report.tracking_code}/", new_key(world.agency)).json()

    entry = _entry(body)
    assert body["reporter"] is None
    assert "Siti" not in json.dumps(entry) and "3456" not in json.dumps(entry)
    assert "lampu masih mati" in entry["message"]
    assert (entry["verdict"]["satisfied"], entry["verdict"]["received_via"]) == (False, None)


def test_an_anonymous_reporters_verdict_recorded_by_an_officer_names_nobody_either(
    world, uplink, client, client_for, receiver
):
    """Said by phone, the reporter's words are theirs: withheld here, in the API and in
    what goes to the connected system, as when they give the verdict themselves."""
    report, item = forwarding_sent(world, uplink, receiver, is_anonymous=True)
    report = complete_there(client, uplink, report)
    said = "Saya Siti Warga, HP 0812 3456 7890: lampu masih mati."

    answer = _record(
        client_for(world.agency_admin),
        report,
        received_via="phone",
        verdict="not_satisfied",
        message=said,
    )

    assert answer.status_code == 302
    body = get(client, f"/api/v1/reports/{report.tracking_code}/", new_key(world.agency)).json()
    entry = _entry(body)
    assert "lampu masih mati" in entry["message"]
    assert "Siti" not in json.dumps(entry) and "3456" not in json.dumps(entry)
    assert report.events.get(action=Action.REMOTE_VERDICT).withheld_message == said
    receiver.answers = [remote_answer(status="completed", http_status=200)]
    receiver.answers += [http.Response(201, '{"id": 51}')]
    forwarding.deliver([item.pk])
    relayed = [json.loads(call.body) for call in receiver.requests if "replies" in call.url]
    assert [call["action"] for call in relayed] == ["not_satisfied"]
    assert "lampu masih mati" in relayed[0]["message"]
    assert "Siti" not in relayed[0]["message"] and "3456" not in relayed[0]["message"]


def test_words_hidden_from_the_public_reach_the_handlers_with_the_verdict_as_before(
    world, uplink, client, receiver
):
    """The API is the handlers' view: hidden words stay in `message` for them, as they
    do in the back office, and the verdict with them."""
    report, item = completed_there(world, uplink, client, receiver)
    verdict = forwarding.give_verdict_there(
        report, as_reporter(world.citizen), item, satisfied=False, message="Pak Darmo merusaknya."
    )
    lifecycle.hide_information(report, as_user(world.liaison_a), verdict.pk)

    body = get(client, f"/api/v1/reports/{report.tracking_code}/", new_key(world.agency)).json()

    entry = _entry(body)
    assert entry["message"] == "Pak Darmo merusaknya."
    assert entry["verdict"]["satisfied"] is False
    public = client.get(reverse("portal:report", args=[report.tracking_code])).content.decode()
    assert "Darmo" not in public


def test_the_openapi_document_describes_the_verdict(client, db):
    document = client.get("/api/v1/openapi.json").json()
    schemas = document["components"]["schemas"]
    verdict = schemas["Event"]["properties"]["verdict"]
    assert verdict["nullable"] is True
    assert verdict["allOf"] == [{"$ref": "#/components/schemas/Verdict"}]
    assert set(schemas["Verdict"]["properties"]) == {
        "satisfied",
        "stars",
        "uplink",
        "uplink_name",
        "received_via",
    }
    assert "verdict" in schemas["TimelineEvent"]["properties"]


# --- An officer records the verdict the reporter gave outside the system --------------------


def test_an_officer_records_a_verdict_given_by_phone_and_the_connected_system_receives_it(
    world, uplink, client, client_for, receiver
):
    report, item = completed_there(world, uplink, client, receiver)
    status = report.status
    officer = client_for(world.liaison_a)
    assert 'id="action-remote_verdict"' in _page(officer, report)

    answer = _record(
        officer,
        report,
        received_via="phone",
        verdict="not_satisfied",
        stars="2",
        message="Lampu di ujung gang masih mati.",
    )

    assert answer.status_code == 302
    report.refresh_from_db()
    assert report.status == status  # the status here stays, as for the reporter's own
    verdict = report.events.get(action=Action.REMOTE_VERDICT)
    assert (verdict.actor, verdict.by_reporter, verdict.is_public) == (world.liaison_a, False, True)
    assert verdict.data == {
        "uplink": "nasional",
        "satisfied": False,
        "stars": 2,
        "recorded_for_reporter": True,
        "received_via": "phone",
    }
    # Asked once: nobody is offered the form again, the reporter neither.
    assert 'id="action-remote_verdict"' not in _page(officer, report)
    assert forwarding.awaiting_verdict(report) == []

    item.refresh_from_db()
    assert item.state == State.PENDING
    receiver.requests.clear()
    receiver.answers = [remote_answer(status="completed", http_status=200)]
    receiver.answers += [http.Response(201, '{"id": 51}'), http.Response(201, '{"id": 52}')]
    forwarding.deliver([item.pk])
    assert calls(receiver) == [("POST", "reports/")] + [("POST", "reports/RMT2345X/replies/")] * 2
    assert [json.loads(call.body) for call in receiver.requests[1:]] == [
        {"action": "rate", "stars": 2},
        {"action": "not_satisfied", "message": "Lampu di ujung gang masih mati."},
    ]
    assert receiver.requests[2].headers["Idempotency-Key"] == (
        f"forward-{item.pk}-not_satisfied-{verdict.pk}"
    )


def test_the_timeline_says_the_officer_recorded_it_on_the_reporters_word(
    world, uplink, client, client_for, receiver
):
    report, _item = completed_there(world, uplink, client, receiver)
    officer = client_for(world.agency_admin)
    _record(officer, report, received_via="letter", verdict="satisfied", stars="5")

    entry = _page(officer, report).split('data-action="remote_verdict"')[1].split("</li>")[0]
    assert "Siti Warga · Letter · recorded by Admin Kabupaten, Pemerintah Kabupaten Contoh" in entry
    assert "SP4N-LAPOR! Nasional" in entry and "Satisfied, 5 of 5 stars" in entry
    client.force_login(world.citizen)
    mine = client.get(reverse("portal:report", args=[report.tracking_code])).content.decode()
    assert "You, recorded by Pemerintah Kabupaten Contoh" in mine
    assert 'id="action-remote_verdict"' not in mine

    body = get(client, f"/api/v1/reports/{report.tracking_code}/", new_key(world.agency)).json()
    recorded = _entry(body)
    assert (recorded["by_reporter"], recorded["organization"]) == (False, world.agency.pk)
    assert recorded["verdict"]["received_via"] == "letter"
    assert recorded["verdict"]["stars"] == 5


def test_the_form_waits_for_the_connected_systems_completion(world, uplink, client_for, receiver):
    report, item = forwarding_sent(world, uplink, receiver)
    officer = client_for(world.agency_admin)
    assert 'id="action-remote_verdict"' not in _page(officer, report)

    refused = _record(officer, report, received_via="phone", verdict="satisfied", message="Ok.")

    assert refused.status_code == 400
    assert "no longer waits for the reporter" in refused.content.decode()
    assert "Ok." in refused.content.decode()
    assert not report.events.filter(action=Action.REMOTE_VERDICT).exists()


@pytest.mark.parametrize("persona", ["liaison_b", "other_admin"])
def test_an_officer_of_another_unit_is_refused_with_404(
    world, uplink, client, client_for, receiver, persona
):
    report, _item = completed_there(world, uplink, client, receiver)
    answer = _record(
        client_for(getattr(world, persona)), report, received_via="phone", verdict="satisfied"
    )
    assert answer.status_code == 404
    assert not report.events.filter(action=Action.REMOTE_VERDICT).exists()


@pytest.mark.parametrize("persona", ["supervisor", "outsider"])
def test_who_may_not_act_on_the_report_is_refused_with_403(
    world, uplink, client, client_for, receiver, persona
):
    report, _item = completed_there(world, uplink, client, receiver)
    officer = client_for(getattr(world, persona))
    answer = _record(officer, report, received_via="phone", verdict="satisfied")
    assert answer.status_code == 403
    assert not report.events.filter(action=Action.REMOTE_VERDICT).exists()
    if persona == "supervisor":  # sees the report, but is not offered the form
        assert 'id="action-remote_verdict"' not in _page(officer, report)


def test_the_admins_and_the_handlers_may_record_it_and_no_one_else(world, uplink, client, receiver):
    report, item = completed_there(world, uplink, client, receiver)
    may = {
        persona
        for persona in ("national_admin", "agency_admin", "liaison_a", "liaison_b", "supervisor")
        if Action.REMOTE_VERDICT
        in lifecycle.allowed_actions(report, as_user(getattr(world, persona)))
    }
    assert may == {"national_admin", "agency_admin", "liaison_a"}
    with pytest.raises(PermissionDenied):
        forwarding.give_verdict_there(
            report, as_user(world.supervisor), item, satisfied=True, received_via="phone"
        )


def test_a_second_officer_at_the_same_moment_is_refused_and_keeps_the_words(
    world, uplink, client, client_for, receiver
):
    report, _item = completed_there(world, uplink, client, receiver)
    seen = report.version
    first = _record(
        client_for(world.agency_admin), report, received_via="phone", verdict="satisfied"
    )
    assert first.status_code == 302

    second = _record(
        client_for(world.liaison_a),
        report,
        version=seen,
        received_via="in_person",
        verdict="not_satisfied",
        message="Katanya belum menyala.",
    )

    assert second.status_code == 409
    html = second.content.decode()
    assert "Someone else changed this report a moment ago" in html
    assert "Katanya belum menyala." in html
    # Sent again on the page as it is now: the verdict was given, said plainly.
    report.refresh_from_db()
    again = _record(
        client_for(world.liaison_a),
        report,
        received_via="in_person",
        verdict="not_satisfied",
        message="Katanya belum menyala.",
    )
    assert again.status_code == 400
    assert "SP4N-LAPOR! Nasional no longer waits for the reporter" in again.content.decode()
    assert "Katanya belum menyala." in again.content.decode()
    assert report.events.filter(action=Action.REMOTE_VERDICT).count() == 1


def test_two_officers_past_the_pages_check_at_once_record_one_verdict(
    world, uplink, client, receiver
):
    """Both read the report before either recorded: the second finds the verdict given
    (it waits on the forwarding's lock where the database has one) and is told so."""
    report, item = completed_there(world, uplink, client, receiver)
    first, second = (Report.objects.get(pk=report.pk) for _ in range(2))
    forwarding.give_verdict_there(
        first, as_user(world.agency_admin), item, satisfied=True, received_via="phone"
    )

    with (
        translation.override("en"),
        pytest.raises(TransitionError, match="no longer waits for the reporter's verdict"),
    ):
        forwarding.give_verdict_there(
            second,
            as_user(world.liaison_a),
            item,
            satisfied=False,
            message="Belum.",
            received_via="letter",
        )
    assert report.events.filter(action=Action.REMOTE_VERDICT).count() == 1


def test_a_rejected_form_keeps_what_was_typed(world, uplink, client, client_for, receiver):
    report, _item = completed_there(world, uplink, client, receiver)
    officer = client_for(world.agency_admin)

    unsaid = _record(officer, report, verdict="not_satisfied", message="Lampu masih padam.")
    no_words = _record(officer, report, received_via="phone", verdict="not_satisfied", stars="3")

    assert unsaid.status_code == 400 and "Lampu masih padam." in unsaid.content.decode()
    assert no_words.status_code == 400
    assert "Write what the reporter says is still not resolved." in no_words.content.decode()
    assert re.search(
        r'name="stars" value="3" id="id_remote_verdict_stars_\d" checked', no_words.text
    )
    assert not report.events.filter(action=Action.REMOTE_VERDICT).exists()


def test_the_stars_are_not_asked_again_once_the_system_was_rated(
    world, uplink, client, client_for, receiver
):
    report, item = completed_there(world, uplink, client, receiver)
    forwarding.give_verdict_there(
        report, as_reporter(world.citizen), item, satisfied=False, message="Belum.", stars=2
    )
    item.refresh_from_db()
    report = complete_there(client, uplink, report, message_id="msg_again")
    officer = client_for(world.agency_admin)

    form = _page(officer, report).split('id="action-remote_verdict"')[1].split("</form>")[0]
    assert 'name="verdict"' in form and 'name="stars"' not in form


def test_the_reporter_is_told_that_an_officer_recorded_their_verdict_and_where_it_goes(
    world, uplink, client, client_for, receiver
):
    report, _item = completed_there(world, uplink, client, receiver)
    _record(
        client_for(world.liaison_a),
        report,
        received_via="phone",
        verdict="satisfied",
        stars="5",
    )

    messages = Notification.objects.filter(report=report, kind=Kind.ANSWER_RECORDED)
    assert {row.user for row in messages} == {world.citizen}
    told = messages.first()
    assert "Petugas mencatat jawaban Anda" in told.short and "puas, nilai 5" in told.short
    assert "SP4N-LAPOR! Nasional" in told.body and "(Telepon)" in told.body
    assert "ditutup di sana" in told.body


def test_a_guest_who_reported_by_sms_hears_of_the_recorded_verdict_by_sms(
    world, uplink, client, client_for, receiver, settings
):
    from tests.test_forwarding import complete_there
    from tests.test_inbound_sms import post as sms

    settings.ADUAN_SMS_INBOUND_TOKEN = "gateway-secret"
    settings.ADUAN_SMS_GATEWAY_URL = "https://sms.example.id/send"
    sms(client, id="gw-report")
    report = advance(world, Report.objects.get(channel_reference="gw-report"), "dispatched")
    item = forwarding.forward(report, as_user(world.agency_admin), uplink)
    receiver.answers = [remote_answer()]
    forwarding.deliver([item.pk])
    report = complete_there(client, uplink, report)

    _record(
        client_for(world.agency_admin),
        report,
        received_via="in_person",
        verdict="not_satisfied",
        message="Masih gelap.",
    )

    [told] = Notification.objects.filter(report=report, kind=Kind.ANSWER_RECORDED)
    assert (told.medium, told.address) == (Medium.SMS, "+6281234567890")
    assert "belum puas" in told.short and report.tracking_code in told.short


def test_the_reporters_own_verdict_is_not_told_back_to_them(world, uplink, client, receiver):
    report, item = completed_there(world, uplink, client, receiver)

    forwarding.give_verdict_there(report, as_reporter(world.citizen), item, satisfied=True)

    assert report.events.filter(action=Action.REMOTE_VERDICT).exists()
    assert not Notification.objects.filter(kind=Kind.ANSWER_RECORDED).exists()


def test_no_verdict_is_recorded_for_a_reporter_who_deleted_their_account(
    world, uplink, client, receiver
):
    from aduan.accounts.erasure import erase_account

    report, item = completed_there(world, uplink, client, receiver)
    erase_account(world.citizen)
    report.refresh_from_db()

    with pytest.raises(TransitionError):
        forwarding.give_verdict_there(
            report, as_user(world.agency_admin), item, satisfied=True, received_via="phone"
        )
    assert not report.events.filter(action=Action.REMOTE_VERDICT).exists()
    assert not Notification.objects.filter(kind=Kind.ANSWER_RECORDED).exists()


# --- Monitoring figures ---------------------------------------------------------------------


def test_a_verdict_for_a_connected_system_is_not_counted_in_the_satisfaction_figures(
    world, uplink, client, client_for, receiver
):
    """It judges the other system's handling, not this installation's."""
    report, _item = completed_there(world, uplink, client, receiver)
    _record(client_for(world.agency_admin), report, received_via="phone", verdict="satisfied")
    loaded = Report.objects.select_related("organization", "category").get(pk=report.pk)

    [fact] = facts_of([loaded])

    assert report.events.filter(action=Action.REMOTE_VERDICT).exists()
    assert (fact.satisfied, fact.verdict_recorded, fact.rating) == (None, False, None)
