"""Follow-ups through /api/v1/: completing reports, relaying the reporter's replies,
filtering the report list, and forgetting old idempotent answers."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone

from aduan.api.idempotency import forget_old_answers
from aduan.api.models import IdempotentResponse, Scope
from aduan.reports import lifecycle
from aduan.reports.lifecycle import Action
from aduan.reports.models import Report, Status
from tests.personas import advance, as_user, submit
from tests.test_api import (
    bearer,
    error_codes,
    error_fields,
    get,
    new_key,
    post,
    report_payload,
)


def received_report(client, world, secret, status=Status.SUBMITTED, external_id="SIP-001"):
    """A report the agency's system submitted, walked through the lifecycle to `status`."""
    response = post(client, "/api/v1/reports/", secret, report_payload(external_id=external_id))
    report = Report.objects.get(tracking_code=response.json()["code"])
    return advance(world, report, status)


def url(report, endpoint: str) -> str:
    return f"/api/v1/reports/{report.tracking_code}/{endpoint}/"


# --- Completion ---------------------------------------------------------------------


def test_organization_completes_a_report_it_handles_through_the_lifecycle(client, world):
    report = advance(world, submit(world)[0], Status.IN_PROGRESS)
    response = post(
        client, url(report, "completion"), new_key(world.unit_a), {"message": "Sudah ditambal."}
    )
    assert response.status_code == 201
    assert response.json()["action"] == "complete"
    assert response.json()["to_status"] == "completed"
    report.refresh_from_db()
    assert report.status == Status.COMPLETED
    assert report.completed_at is not None
    event = report.events.get(action=Action.COMPLETE)
    assert event.actor_organization == world.unit_a
    assert event.message == "Sudah ditambal."


def test_completing_a_dispatched_report_also_counts_as_its_first_response(client, world):
    report = advance(world, submit(world)[0], Status.DISPATCHED)
    response = post(client, url(report, "completion"), new_key(world.unit_a), {"message": "Beres."})
    assert response.status_code == 201
    report.refresh_from_db()
    assert report.first_response_at == report.completed_at


def test_completing_a_report_not_yet_dispatched_is_a_409(client, world):
    secret = new_key(world.agency)
    report = received_report(client, world, secret)
    response = post(client, url(report, "completion"), secret, {"message": "Terlalu dini."})
    assert response.status_code == 409
    assert error_codes(response) == ["invalid_state"]
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED


def test_completing_a_completed_report_again_is_a_409(client, world):
    report = advance(world, submit(world)[0], Status.COMPLETED)
    response = post(client, url(report, "completion"), new_key(world.unit_a), {"message": "Lagi."})
    assert response.status_code == 409
    assert report.events.filter(action=Action.COMPLETE).count() == 1


def test_completion_of_a_report_handled_elsewhere_is_404(client, world):
    report = advance(world, submit(world)[0], Status.IN_PROGRESS)
    for org in (world.unit_b, world.other_agency):
        response = post(client, url(report, "completion"), new_key(org), {"message": "Bukan."})
        assert response.status_code == 404
        assert error_codes(response) == ["not_found"]
    report.refresh_from_db()
    assert report.status == Status.IN_PROGRESS


def test_completion_without_a_message_names_the_message_field(client, world):
    report = advance(world, submit(world)[0], Status.IN_PROGRESS)
    response = post(client, url(report, "completion"), new_key(world.unit_a), {"message": ""})
    assert response.status_code == 400
    assert error_fields(response) == ["message"]


def test_retried_completion_with_an_idempotency_key_replays_the_first_answer(client, world):
    report = advance(world, submit(world)[0], Status.IN_PROGRESS)
    secret = new_key(world.unit_a)
    headers = {"Idempotency-Key": "selesai-1"}
    first = post(client, url(report, "completion"), secret, {"message": "Beres."}, **headers)
    again = post(client, url(report, "completion"), secret, {"message": "Beres."}, **headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"


# --- Replies relayed from the reporter -----------------------------------------------


def test_reporter_satisfied_through_the_receiving_system_closes_the_report(client, world):
    secret = new_key(world.agency)
    report = received_report(client, world, secret, Status.COMPLETED)
    response = post(client, url(report, "replies"), secret, {"action": "satisfied"})
    assert response.status_code == 201
    body = response.json()
    assert (body["action"], body["to_status"], body["by_reporter"]) == ("satisfied", "closed", True)
    assert body["organization"] is None  # the reporter speaks, not the organization
    report.refresh_from_db()
    assert report.status == Status.CLOSED
    assert report.closed_at is not None


def test_reporter_not_satisfied_reopens_the_report_with_their_words(client, world):
    secret = new_key(world.agency)
    report = received_report(client, world, secret, Status.COMPLETED)
    data = {"action": "not_satisfied", "message": "Lampu masih padam."}
    response = post(client, url(report, "replies"), secret, data)
    assert response.status_code == 201
    report.refresh_from_db()
    assert report.status == Status.IN_PROGRESS
    assert report.reopen_count == 1
    assert report.events.get(action=Action.NOT_SATISFIED).message == "Lampu masih padam."


def test_reporter_rates_once(client, world):
    secret = new_key(world.agency)
    report = received_report(client, world, secret, Status.CLOSED)
    data = {"action": "rate", "stars": 4, "message": "Cepat."}
    assert post(client, url(report, "replies"), secret, data).status_code == 201
    report.refresh_from_db()
    assert (report.rating, report.rating_comment) == (4, "Cepat.")
    again = post(client, url(report, "replies"), secret, {"action": "rate", "stars": 1})
    assert again.status_code == 409
    assert error_codes(again) == ["invalid_state"]
    report.refresh_from_db()
    assert report.rating == 4
    assert get(client, f"/api/v1/reports/{report.tracking_code}/", secret).json()["rating"] == 4


def test_reporter_answers_the_question_of_a_report_on_hold(client, world):
    secret = new_key(world.agency)
    report = received_report(client, world, secret, Status.ON_HOLD)
    data = {"action": "answer_hold", "message": "Di depan SD Negeri 2."}
    response = post(client, url(report, "replies"), secret, data)
    assert response.status_code == 201
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED
    assert report.on_hold_since is None
    assert report.events.get(action=Action.ANSWER_HOLD).by_reporter


def test_verdict_on_a_report_not_completed_is_a_409(client, world):
    secret = new_key(world.agency)
    report = received_report(client, world, secret, Status.IN_PROGRESS)
    response = post(client, url(report, "replies"), secret, {"action": "satisfied"})
    assert response.status_code == 409
    assert error_codes(response) == ["invalid_state"]
    report.refresh_from_db()
    assert report.status == Status.IN_PROGRESS


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"action": "not_satisfied"}, "message"),
        ({"action": "answer_hold", "message": "  "}, "message"),
        ({"action": "rate"}, "stars"),
        ({"action": "rate", "stars": 6}, "stars"),
        ({"action": "satisfied", "stars": 5}, "stars"),
        ({"action": "thanks"}, "action"),
        ({}, "action"),
    ],
)
def test_invalid_reply_names_the_field(client, world, data, field):
    secret = new_key(world.agency)
    report = received_report(client, world, secret, Status.COMPLETED)
    response = post(client, url(report, "replies"), secret, data)
    assert response.status_code == 400
    assert error_fields(response) == [field]
    report.refresh_from_db()
    assert report.status == Status.COMPLETED


def test_handler_cannot_speak_for_the_reporter_of_a_report_it_did_not_receive(client, world):
    report = advance(world, submit(world)[0], Status.COMPLETED)  # came through the web
    response = post(client, url(report, "replies"), new_key(world.unit_a), {"action": "satisfied"})
    assert response.status_code == 404
    report.refresh_from_db()
    assert report.status == Status.COMPLETED


def test_the_unit_that_received_and_handles_a_report_cannot_give_its_verdict(client, world):
    secret = new_key(world.unit_a)  # the unit's own system entered a walk-in report
    report = received_report(client, world, secret, Status.COMPLETED)
    assert report.organization == world.unit_a

    for data in ({"action": "satisfied"}, {"action": "rate", "stars": 5}):
        response = post(client, url(report, "replies"), secret, data)
        assert response.status_code == 403
        assert error_codes(response) == ["handled_here"]
    report.refresh_from_db()
    assert (report.status, report.rating) == (Status.COMPLETED, None)


def test_reply_to_a_report_received_by_another_organization_is_404(client, world):
    report = received_report(client, world, new_key(world.other_agency), Status.COMPLETED)
    for org in (world.agency, world.unit_a):
        response = post(client, url(report, "replies"), new_key(org), {"action": "satisfied"})
        assert response.status_code == 404
    report.refresh_from_db()
    assert report.status == Status.COMPLETED


def test_retried_reply_with_an_idempotency_key_is_recorded_once(client, world):
    secret = new_key(world.agency)
    report = received_report(client, world, secret, Status.COMPLETED)
    headers = {"Idempotency-Key": "balasan-1"}
    data = {"action": "not_satisfied", "message": "Belum beres."}
    first = post(client, url(report, "replies"), secret, data, **headers)
    again = post(client, url(report, "replies"), secret, data, **headers)
    assert again.json() == first.json()
    assert report.events.filter(action=Action.NOT_SATISFIED).count() == 1


# --- Outsiders ----------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ["completion", "replies"])
def test_new_endpoints_refuse_requests_without_a_key(client, world, endpoint):
    report = advance(world, submit(world)[0], Status.COMPLETED)
    response = client.post(url(report, endpoint), {}, content_type="application/json")
    assert response.status_code == 401
    assert error_codes(response) == ["not_authenticated"]


@pytest.mark.parametrize("endpoint", ["completion", "replies"])
def test_new_endpoints_refuse_a_key_without_the_write_scope(client, world, endpoint):
    secret = new_key(world.agency, scopes=[Scope.REPORTS_READ, Scope.META_READ])
    report = received_report(client, world, new_key(world.agency), Status.IN_PROGRESS)
    response = post(client, url(report, endpoint), secret, {"message": "x", "action": "rate"})
    assert response.status_code == 403
    assert error_codes(response) == ["missing_scope"]


# --- Filters on the report list ------------------------------------------------------


def listed_codes(client, secret, **params) -> list[str]:
    response = get(client, "/api/v1/reports/", secret, **params)
    assert response.status_code == 200
    return [row["code"] for row in response.json()["results"]]


def test_report_list_filters_by_status(client, world):
    secret = new_key(world.agency)
    waiting = received_report(client, world, secret, external_id="A")
    handled = received_report(client, world, secret, Status.IN_PROGRESS, external_id="B")
    assert listed_codes(client, secret, status="in_progress") == [handled.tracking_code]
    assert listed_codes(client, secret, status="submitted") == [waiting.tracking_code]
    assert listed_codes(client, secret, status="closed") == []


def test_report_list_filters_by_external_id_of_the_keys_organization_only(client, world):
    secret = new_key(world.agency)
    mine = received_report(client, world, secret, external_id="SIP-7")
    received_report(client, world, secret, external_id="SIP-8")
    theirs = new_key(world.other_agency)
    post(client, "/api/v1/reports/", theirs, report_payload(external_id="SIP-7"))
    assert listed_codes(client, secret, external_id="SIP-7") == [mine.tracking_code]
    assert listed_codes(client, secret, external_id="SIP-9") == []


def test_report_list_filters_by_last_change(client, world):
    secret = new_key(world.agency)
    start = timezone.now()
    with time_machine.travel(start - datetime.timedelta(days=3), tick=False):
        old = received_report(client, world, secret, external_id="OLD")
        changed = received_report(client, world, secret, external_id="CHANGED")
    lifecycle.dispatch(changed, as_user(world.agency_admin), world.unit_a)
    since = (start - datetime.timedelta(hours=1)).isoformat()
    assert listed_codes(client, secret, updated_since=since) == [changed.tracking_code]
    # Without an offset the time is Jakarta's (UTC+7), as everywhere in Aduan.
    # (Read as UTC, this would be six hours after the old report's change.)
    local = timezone.localtime(old.updated_at - datetime.timedelta(hours=1))
    everything = listed_codes(client, secret, updated_since=local.replace(tzinfo=None).isoformat())
    assert set(everything) == {old.tracking_code, changed.tracking_code}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "rumor"}, "status"),
        ({"status": ""}, "status"),
        ({"updated_since": "kemarin"}, "updated_since"),
        ({"updated_since": ""}, "updated_since"),
        ({"external_id": "x" * 101}, "external_id"),
        ({"external_id": "SIP\x00"}, "external_id"),
    ],
)
def test_invalid_report_filter_names_the_field(client, world, params, field):
    response = get(client, "/api/v1/reports/", new_key(world.agency), **params)
    assert response.status_code == 400
    assert error_fields(response) == [field]


def test_filtered_report_list_stays_within_its_query_budget(
    client, world, django_assert_max_num_queries
):
    secret = new_key(world.agency)
    for number in range(4):
        received_report(client, world, secret, Status.DISPATCHED, external_id=f"Q{number}")
    get(client, "/api/v1/categories/", secret)  # last_used_at is fresh now
    # +2: the reads recorded in the report-openings log (one SELECT, one INSERT)
    with django_assert_max_num_queries(6):
        response = get(
            client, "/api/v1/reports/", secret, status="dispatched", updated_since="2020-01-01"
        )
    assert len(response.json()["results"]) == 4


def test_report_detail_stays_within_its_query_budget(client, world, django_assert_max_num_queries):
    secret = new_key(world.agency)
    report = received_report(client, world, secret, Status.COMPLETED)
    get(client, "/api/v1/categories/", secret)
    # +2: the read recorded in the report-openings log (one SELECT, one INSERT)
    with django_assert_max_num_queries(6):
        response = get(client, f"/api/v1/reports/{report.tracking_code}/", secret)
    assert [event["action"] for event in response.json()["timeline"]] == [
        "submit",
        "dispatch",
        "dispatch",
        "respond",
        "complete",
    ]


# --- Forgetting old idempotent answers -----------------------------------------------


def test_old_idempotent_answers_are_forgotten_and_recent_ones_kept(client, world, settings):
    secret = new_key(world.agency)
    now = timezone.now()
    for key, age in [("old", 8), ("recent", 6)]:
        with time_machine.travel(now - datetime.timedelta(days=age), tick=False):
            payload = report_payload(external_id=key)
            post(client, "/api/v1/reports/", secret, payload, **{"Idempotency-Key": key})
    assert forget_old_answers(now) == 1
    assert list(IdempotentResponse.objects.values_list("key", flat=True)) == ["recent"]
    settings.ADUAN_IDEMPOTENCY_DAYS = 5
    assert forget_old_answers(now) == 1
    assert not IdempotentResponse.objects.exists()


def test_forgotten_key_makes_a_retry_a_new_request_that_still_finds_the_report(client, world):
    secret = new_key(world.agency)
    headers = {"Idempotency-Key": "lama"}
    first = post(client, "/api/v1/reports/", secret, report_payload(), **headers)
    forget_old_answers(timezone.now() + datetime.timedelta(days=8))
    again = post(client, "/api/v1/reports/", secret, report_payload(), **headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again["Idempotent-Replayed"] == "false"
    assert Report.objects.count() == 1


def test_idempotency_key_longer_than_255_characters_is_refused_on_the_header(client, world):
    report = advance(world, submit(world)[0], Status.IN_PROGRESS)
    headers = {"Idempotency-Key": "k" * 256}
    response = post(
        client, url(report, "completion"), new_key(world.unit_a), {"message": "Ya."}, **headers
    )
    assert response.status_code == 400
    assert error_fields(response) == ["Idempotency-Key"]
    report.refresh_from_db()
    assert report.status == Status.IN_PROGRESS


def test_a_local_system_relays_the_reporters_news_of_an_open_report(client, world):
    secret = new_key(world.agency)
    report = received_report(client, world, secret, Status.DISPATCHED, external_id="SIP-NEWS")
    response = post(
        client,
        url(report, "replies"),
        secret,
        {"action": "add_info", "message": "Lubangnya makin dalam sejak hujan semalam."},
    )
    assert response.status_code == 201
    assert (response.json()["action"], response.json()["by_reporter"]) == ("add_info", True)
    event = report.events.get(action=Action.ADD_INFO)
    assert event.is_public and event.message.startswith("Lubangnya makin dalam")


def test_relayed_news_needs_words_and_an_open_report(client, world):
    secret = new_key(world.agency)
    report = received_report(client, world, secret, Status.DISPATCHED, external_id="SIP-NEWS2")
    empty = post(client, url(report, "replies"), secret, {"action": "add_info", "message": " "})
    assert empty.status_code == 400
    assert error_fields(empty) == ["message"]
    lifecycle.complete(report, as_user(world.liaison_a), "Sudah ditambal.")
    late = post(client, url(report, "replies"), secret, {"action": "add_info", "message": "Lagi"})
    assert late.status_code == 409
    assert error_codes(late) == ["invalid_state"]
    assert not report.events.filter(action=Action.ADD_INFO).exists()


def test_relayed_news_beyond_the_days_limit_says_so(client, world):
    secret = new_key(world.agency)
    report = received_report(client, world, secret, Status.DISPATCHED, external_id="SIP-NEWS3")
    for n in range(lifecycle.ADD_INFO_PER_DAY):
        body = {"action": "add_info", "message": f"Kabar ke-{n}"}
        assert post(client, url(report, "replies"), secret, body).status_code == 201
    refused = post(client, url(report, "replies"), secret, {"action": "add_info", "message": "x"})
    assert refused.status_code == 409
    assert error_codes(refused) == ["daily_limit"]


# --- Hiding relayed words ------------------------------------------------------------


def _relayed_news(client, world, secret):
    report = received_report(client, world, secret, Status.DISPATCHED)
    words = {"action": "add_info", "message": "Pak Darmo tetangga saya menyuap petugas."}
    answer = post(client, url(report, "replies"), secret, words)
    assert answer.status_code == 201
    return report, answer.json()["id"]


def test_the_system_that_relayed_news_takes_it_off_the_public_pages(client, world):
    from aduan.reports.models import ReportEvent

    secret = new_key(world.agency)
    report, event_id = _relayed_news(client, world, secret)
    reply_url = f"{url(report, 'replies')}{event_id}/"

    first = client.delete(reply_url, headers=bearer(secret))
    again = client.delete(reply_url, headers=bearer(secret))

    assert (first.status_code, again.status_code) == (204, 204)
    event = ReportEvent.objects.get(pk=event_id)
    assert event.is_public is False
    hiding = report.events.filter(action=Action.HIDE_INFO)
    assert hiding.count() == 1
    assert hiding.get().actor_organization == world.agency


def test_only_the_reporters_words_on_its_own_reports_can_be_hidden_by_a_key(client, world):
    secret = new_key(world.agency)
    report, event_id = _relayed_news(client, world, secret)
    report.refresh_from_db()
    lifecycle.respond(report, as_user(world.liaison_a), "Kami tinjau besok.")
    response_id = report.events.get(action=Action.RESPOND).pk

    other = client.delete(
        f"{url(report, 'replies')}{event_id}/", headers=bearer(new_key(world.other_agency))
    )
    officer_words = client.delete(f"{url(report, 'replies')}{response_id}/", headers=bearer(secret))
    read_only = new_key(world.agency, scopes=[Scope.REPORTS_READ])
    no_scope = client.delete(f"{url(report, 'replies')}{event_id}/", headers=bearer(read_only))

    assert (other.status_code, officer_words.status_code, no_scope.status_code) == (404, 404, 403)
    assert report.events.get(pk=event_id).is_public is True


def test_hiding_relayed_words_without_a_key_is_refused(client, world):
    secret = new_key(world.agency)
    report, event_id = _relayed_news(client, world, secret)

    response = client.delete(f"{url(report, 'replies')}{event_id}/")

    assert response.status_code == 401
    assert report.events.get(pk=event_id).is_public is True
