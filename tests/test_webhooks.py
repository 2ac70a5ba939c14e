"""Signed webhooks out: which events become calls, what they carry, how they are retried."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings

from aduan.channels.intake import add_to_submission
from aduan.lib import http
from aduan.lib.leasing import State
from aduan.reports import lifecycle
from aduan.reports.attachments import CleanFile
from aduan.reports.models import Status
from aduan.webhooks import outbound, signing
from aduan.webhooks.models import EventType, WebhookDelivery, WebhookEndpoint
from tests.personas import advance, as_reporter, as_user, submit

ALL_TYPES = list(EventType.values)


class Receiver:
    """Stands in for `aduan.lib.http.transport`: records calls, answers from a queue."""

    def __init__(self):
        self.requests: list[http.Request] = []
        self.answers: list = []

    def __call__(self, request: http.Request, timeout: float) -> http.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if self.answers else http.Response(200, "ok")
        if isinstance(answer, Exception):
            raise answer
        return answer


def endpoint_for(org, types=ALL_TYPES, **extra) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        organization=org,
        url="https://sipadu.example.id/aduan",
        description="SIPADU",
        event_types=types,
        **extra,
    )


def send_all() -> int:
    ids = list(WebhookDelivery.objects.values_list("pk", flat=True))
    return outbound.deliver(ids)


# --- Signing ---------------------------------------------------------------------------


def test_a_signature_matches_the_standard_webhooks_reference_example():
    # The example of the Standard Webhooks specification, so any of its libraries can
    # check our calls.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert signing.signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body) == expected


def test_a_signed_call_verifies_and_any_change_breaks_it():
    secret = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo="
    headers = signing.signed_headers(secret, "msg_1", b'{"a": 1}', now=1_800_000_000)
    assert signing.verify(secret, headers, b'{"a": 1}', now=1_800_000_010) == "msg_1"
    with pytest.raises(signing.SignatureError, match="does not match"):
        signing.verify(secret, headers, b'{"a": 2}', now=1_800_000_010)
    with pytest.raises(signing.SignatureError, match="does not match"):
        signing.verify("whsec_b3RoZXI=", headers, b'{"a": 1}', now=1_800_000_010)
    with pytest.raises(signing.SignatureError, match="does not match"):
        signing.verify(secret, {**headers, "webhook-id": "msg_2"}, b'{"a": 1}', now=1_800_000_010)


def test_an_old_or_future_timestamp_is_refused_as_a_replay():
    secret = "whsec_QUJD"
    headers = signing.signed_headers(secret, "msg_1", b"{}", now=1_800_000_000)
    with pytest.raises(signing.SignatureError, match="too far"):
        signing.verify(secret, headers, b"{}", now=1_800_000_000 + 301)
    with pytest.raises(signing.SignatureError, match="too far"):
        signing.verify(secret, headers, b"{}", now=1_800_000_000 - 301)


def test_missing_headers_and_a_bad_timestamp_are_refused():
    with pytest.raises(signing.SignatureError, match="required"):
        signing.verify("whsec_QUJD", {"webhook-id": "x"}, b"{}")
    headers = {"webhook-id": "x", "webhook-timestamp": "soon", "webhook-signature": "v1,x"}
    with pytest.raises(signing.SignatureError, match="not a number"):
        signing.verify("whsec_QUJD", headers, b"{}")


def test_any_of_several_signatures_may_match_during_a_secret_rotation():
    old, new = "whsec_T0xE", "whsec_TkVX"
    headers = signing.signed_headers(new, "msg_1", b"{}", now=1_800_000_000)
    both = (
        signing.signature(old, "msg_1", 1_800_000_000, b"{}") + " " + headers["webhook-signature"]
    )
    signed = {**headers, "webhook-signature": both}
    assert signing.verify(new, signed, b"{}", now=1_800_000_000) == "msg_1"


# --- Which events become calls ---------------------------------------------------------


def test_status_changes_and_public_responses_of_visible_reports_become_calls(world):
    endpoint = endpoint_for(world.agency)
    report = advance(world, submit(world)[0], Status.IN_PROGRESS)
    lifecycle.add_note(report, as_user(world.liaison_a), "Catatan internal.")
    types = list(
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .order_by("event_id")
        .values_list("event_type", "event__action")
    )
    # Received at national level, it becomes visible to the agency once dispatched there:
    # the dispatches (to the agency, then on to its unit) and the response, never the
    # internal note.
    assert types == [
        (EventType.STATUS_CHANGED, "dispatch"),
        (EventType.STATUS_CHANGED, "dispatch"),
        (EventType.RESPONSE_PUBLISHED, "respond"),
    ]


def test_a_unit_hears_that_its_agency_passed_a_report_on_to_it(world, receiver):
    endpoint = endpoint_for(world.unit_a)
    report = advance(world, submit(world)[0], Status.DISPATCHED)  # agency, then unit A
    assert send_all() == 1
    call = json.loads(receiver.requests[0].body)
    assert call["type"] == "report.status_changed"
    assert (call["data"]["event"]["action"], call["data"]["event"]["to_status"]) == (
        "dispatch",
        "dispatched",
    )
    assert call["data"]["report"]["organization"] == world.unit_a.pk
    assert endpoint.deliveries.get().event.report == report


def test_the_reporters_files_and_rating_are_a_reporter_update(world, receiver):
    endpoint_for(world.agency)
    report = advance(world, submit(world)[0], Status.IN_PROGRESS)
    add_to_submission(report, [CleanFile("susulan.jpg", "image/jpeg", b"\xff\xd8\xff photo")])
    lifecycle.complete(report, as_user(world.liaison_a), "Lubang sudah ditambal.")
    lifecycle.rate(report, as_reporter(report.reporter), 4, "Cepat ditangani.")
    send_all()
    calls = [json.loads(request.body) for request in receiver.requests]
    updates = [c for c in calls if c["type"] == "report.reporter_update"]
    assert [c["data"]["event"]["action"] for c in updates] == ["add_files", "rate"]
    assert updates[0]["data"]["event"]["by_reporter"] is True
    # The call names the file that arrived, with where to download it.
    [added] = updates[0]["data"]["event"]["attachments"]
    assert added["id"] == report.attachments.get().pk and added["url"].endswith(f"/{added['id']}/")
    assert updates[1]["data"]["event"]["message"] == "Cepat ditangani."
    assert updates[1]["data"]["report"]["rating"] == 4


def test_an_endpoint_that_chose_every_earlier_event_hears_the_reporters_updates_too(world):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("aduan.webhooks.migrations.0005_reporter_update")
    earlier = ["report.created", "report.response_published", "report.status_changed"]
    every = endpoint_for(world.agency, types=earlier)
    some = endpoint_for(world.agency, types=["report.created"])
    migration.hear_the_new_type_where_every_type_was_chosen(apps, None)
    every.refresh_from_db()
    some.refresh_from_db()
    assert every.event_types == sorted([*earlier, "report.reporter_update"])
    assert some.event_types == ["report.created"]


def test_an_endpoint_of_another_organization_hears_nothing(world):
    outsider = endpoint_for(world.other_agency)
    advance(world, submit(world)[0], Status.COMPLETED)
    assert not WebhookDelivery.objects.filter(endpoint=outsider).exists()


def test_an_endpoint_hears_only_the_event_types_it_chose(world):
    endpoint = endpoint_for(world.agency, types=[EventType.RESPONSE_PUBLISHED])
    advance(world, submit(world)[0], Status.COMPLETED)
    assert set(endpoint.deliveries.values_list("event_type", flat=True)) == {
        EventType.RESPONSE_PUBLISHED
    }


def test_a_paused_endpoint_gets_no_calls_written(world):
    endpoint_for(world.agency, is_active=False)
    advance(world, submit(world)[0], Status.IN_PROGRESS)
    assert not WebhookDelivery.objects.exists()


def test_no_endpoint_costs_one_query_per_event_batch(world, django_assert_num_queries):
    report = advance(world, submit(world)[0], Status.IN_PROGRESS)
    event = report.events.latest("id")
    with django_assert_num_queries(1):
        outbound.enqueue_webhooks([event])


# --- What a call carries ---------------------------------------------------------------


def test_a_call_is_signed_and_carries_the_event_and_the_report(world, receiver):
    endpoint = endpoint_for(world.agency)
    report = advance(world, submit(world)[0], Status.IN_PROGRESS)
    assert send_all() == 3  # two dispatches (agency, unit) and the response
    request = receiver.requests[-1]
    assert request.url == endpoint.url
    assert signing.verify(endpoint.secret, request.headers, request.body)
    respond = report.events.get(action="respond")
    assert request.headers["webhook-id"] == f"msg_{respond.pk}"
    call = json.loads(request.body)
    assert call["type"] == "report.response_published"
    assert call["data"]["event"]["message"] == respond.message
    assert call["data"]["event"]["to_status"] == "in_progress"
    assert call["data"]["report"]["code"] == report.tracking_code
    assert call["data"]["report"]["status"] == "in_progress"
    assert call["data"]["report"]["url"].endswith(f"/laporan/{report.tracking_code}/")
    # Times as the event's own: local with their offset, to the microsecond.
    assert call["timestamp"] == call["data"]["event"]["at"]
    assert call["timestamp"].endswith("+07:00")
    assert call["data"]["report"]["updated_at"].endswith("+07:00")
    assert set(WebhookDelivery.objects.values_list("state", "last_status_code")) == {
        (State.SENT, 200)
    }


def test_a_private_status_change_goes_out_without_its_text(world, receiver):
    endpoint_for(world.agency)
    report = advance(world, submit(world)[0], Status.DISPATCHED)
    lifecycle.not_our_remit(report, as_user(world.liaison_a), "Rahasia: bukan urusan DPU.")
    send_all()
    calls = [json.loads(request.body) for request in receiver.requests]
    remit = [c for c in calls if c["data"]["event"]["action"] == "not_our_remit"]
    assert remit and remit[0]["data"]["event"]["message"] == ""
    assert "Rahasia" not in b"".join(request.body for request in receiver.requests).decode()


def test_the_unit_that_passes_a_report_back_hears_of_it_and_of_nothing_after(world, receiver):
    endpoint = endpoint_for(world.unit_a)
    report = advance(world, submit(world)[0], Status.DISPATCHED)
    lifecycle.not_our_remit(report, as_user(world.liaison_a), "Urusan Dishub.")
    lifecycle.dispatch(report, as_user(world.agency_admin), world.unit_b)

    actions = list(endpoint.deliveries.order_by("event_id").values_list("event__action", flat=True))

    # Its system takes the report off its queue; the dispatch to unit B is not its business.
    assert actions == ["dispatch", "not_our_remit"]


def test_a_unit_hears_that_a_report_was_moved_from_it_to_another_unit(world, receiver):
    endpoint = endpoint_for(world.unit_a)
    report = advance(world, submit(world)[0], Status.DISPATCHED)
    lifecycle.dispatch(report, as_user(world.agency_admin), world.unit_b)
    lifecycle.respond(report, as_user(world.liaison_b), "Ditangani Dishub.")

    actions = list(endpoint.deliveries.order_by("event_id").values_list("event__action", flat=True))

    assert actions == ["dispatch", "dispatch"]


def test_a_response_with_a_photo_carries_where_to_download_it(world, receiver):
    endpoint_for(world.agency)
    report = advance(world, submit(world)[0], Status.DISPATCHED)
    photo = CleanFile("sesudah.jpg", "image/jpeg", b"\xff\xd8\xff\xe0 repaired")
    lifecycle.respond(report, as_user(world.liaison_a), "Sudah ditambal.", files=[photo])
    send_all()
    calls = [json.loads(request.body) for request in receiver.requests]
    (answer,) = [c for c in calls if c["data"]["event"]["action"] == "respond"]
    (sent,) = answer["data"]["event"]["attachments"]
    assert sent["name"] == "sesudah.jpg" and sent["public"] is True
    assert sent["url"].endswith(f"/api/v1/reports/{report.tracking_code}/attachments/{sent['id']}/")


# --- Retries ---------------------------------------------------------------------------


def test_a_failed_call_is_retried_later_with_the_same_id(world, receiver):
    endpoint_for(world.agency, types=[EventType.RESPONSE_PUBLISHED])
    advance(world, submit(world)[0], Status.IN_PROGRESS)
    receiver.answers = [http.Response(503, "maintenance")]
    assert send_all() == 0
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == (
        State.PENDING,
        1,
        503,
    )
    assert delivery.last_response == "maintenance"
    assert delivery.next_attempt_at > delivery.created_at
    # Not due yet: nothing is sent; then an admin sends it again now.
    assert send_all() == 0
    assert outbound.retry(WebhookDelivery.objects.all()) == 1
    assert send_all() == 1
    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert WebhookDelivery.objects.get().state == State.SENT


def test_an_unreachable_receiver_is_retried_and_410_gone_is_final(world, receiver):
    endpoint_for(world.agency, types=[EventType.STATUS_CHANGED])
    advance(world, submit(world)[0], Status.DISPATCHED)
    receiver.answers = [http.HttpError("sipadu.example.id: ConnectionError: refused")] * 2
    send_all()
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {State.PENDING}
    outbound.retry(WebhookDelivery.objects.all())
    receiver.answers = [http.Response(410, "gone")] * 2
    send_all()
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {State.FAILED}


@override_settings(ADUAN_WEBHOOK_MAX_ATTEMPTS=1)
def test_after_the_last_attempt_a_call_is_marked_failed(world, receiver):
    endpoint_for(world.agency, types=[EventType.RESPONSE_PUBLISHED])
    advance(world, submit(world)[0], Status.IN_PROGRESS)
    receiver.answers = [http.Response(500, "boom")]
    send_all()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.last_error) == (State.FAILED, "HTTP 500")


def test_a_sent_call_is_not_sent_again(world, receiver):
    endpoint_for(world.agency)
    advance(world, submit(world)[0], Status.DISPATCHED)
    sent = send_all()
    assert sent == len(receiver.requests) > 0
    assert send_all() == 0
    assert outbound.sweep() == 0
    assert len(receiver.requests) == sent


def test_the_sweep_enqueues_due_calls_of_active_endpoints_only(world, receiver):
    active = endpoint_for(world.agency)
    paused = endpoint_for(world.agency, is_active=False)
    advance(world, submit(world)[0], Status.DISPATCHED)
    WebhookDelivery.objects.create(
        endpoint=paused, event=active.deliveries.first().event, event_type="x"
    )
    assert outbound.sweep() == active.deliveries.count()
