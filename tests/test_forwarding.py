"""Forwarding a report to an uplink, and recording the uplink's signed webhooks."""

from __future__ import annotations

import json
import re
import time

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from aduan.channels.intake import add_to_submission
from aduan.channels.models import ProcessedMessage
from aduan.lib import http
from aduan.lib.leasing import State
from aduan.notifications.models import Kind, Notification
from aduan.reports import lifecycle
from aduan.reports.attachments import CleanFile, clean_upload
from aduan.reports.lifecycle import Action, TransitionError
from aduan.reports.models import Report, Status
from aduan.webhooks import forwarding, signing
from aduan.webhooks.models import Erasure, Forwarding, RemoteFile, Uplink, new_signing_secret
from tests.personas import advance, as_reporter, as_user, submit
from tests.test_attachments import PDF, _png


def forwarded(world, uplink, **submit_fields):
    report = advance(world, submit(world, reporter=world.citizen, **submit_fields)[0], "dispatched")
    return report, forwarding.forward(report, as_user(world.agency_admin), uplink, "Mohon dibantu.")


def remote_answer(code="RMT2345X", status="submitted", http_status=201):
    return http.Response(http_status, json.dumps({"code": code, "status": status}))


# --- Forwarding ------------------------------------------------------------------------


def test_forwarding_is_recorded_on_the_timeline_and_sent_with_an_idempotency_key(
    world, uplink, receiver
):
    report, item = forwarded(world, uplink, is_anonymous=False)
    event = report.events.latest("id")
    assert (event.action, event.is_public, report.status) == (Action.FORWARD, True, "dispatched")
    assert "SP4N-LAPOR! Nasional" in event.message and "Mohon dibantu." in event.message
    receiver.answers = [remote_answer()]
    assert forwarding.deliver([item.pk]) == 1
    [request] = receiver.requests
    assert request.url == "https://lapor.example.go.id/api/v1/reports/"
    assert request.headers["Authorization"] == "Bearer adn_remote-key"
    # The key names the forwarding and the body it went with.
    assert re.fullmatch(rf"forward-{item.pk}-[0-9a-f]{{16}}", request.headers["Idempotency-Key"])
    sent = request.json()
    assert sent["external_id"] == report.tracking_code
    assert sent["title"] == report.title and sent["category"] == "jalan-rusak"
    # The reporter keeps hearing from here: no contact details travel.
    assert sent["reporter"] == {"name": world.citizen.full_name}
    item.refresh_from_db()
    assert (item.state, item.remote_code, item.remote_status) == (
        State.SENT,
        "RMT2345X",
        "submitted",
    )


def test_an_anonymous_report_is_forwarded_without_a_reporter(world, uplink, receiver):
    _report, item = forwarded(world, uplink, is_anonymous=True)
    receiver.answers = [remote_answer()]
    forwarding.deliver([item.pk])
    assert "reporter" not in receiver.requests[0].json()


def test_a_category_the_uplink_does_not_know_is_dropped_and_the_report_sent_again(
    world, uplink, receiver
):
    _report, item = forwarded(world, uplink)
    unknown = {"errors": [{"field": "category", "code": "does_not_exist", "message": "?"}]}
    receiver.answers = [http.Response(400, json.dumps(unknown)), remote_answer()]
    assert forwarding.deliver([item.pk]) == 1
    first, second = receiver.requests
    assert second.json()["category"] is None
    # Another body, another key: the uplink would refuse it under the first one.
    assert second.headers["Idempotency-Key"] != first.headers["Idempotency-Key"]


def test_a_refused_key_fails_at_once_and_a_server_error_is_retried(world, uplink, receiver):
    _report, item = forwarded(world, uplink)
    receiver.answers = [http.Response(503, "down")]
    forwarding.deliver([item.pk])
    item.refresh_from_db()
    assert (item.state, item.last_error) == (State.PENDING, "HTTP 503: down")
    forwarding.retry(Forwarding.objects.all())
    receiver.answers = [http.Response(401, '{"errors": []}')]
    forwarding.deliver([item.pk])
    item.refresh_from_db()
    assert item.state == State.FAILED and item.last_error.startswith("HTTP 401")


def test_only_admins_of_the_report_may_forward_it(world, uplink):
    report = advance(world, submit(world)[0], "dispatched")
    with pytest.raises(PermissionDenied):
        forwarding.forward(report, as_user(world.liaison_a), uplink)
    with pytest.raises(PermissionDenied):
        forwarding.forward(report, as_user(world.other_admin), uplink)
    assert not Forwarding.objects.exists()


def test_a_report_goes_to_the_same_uplink_once(world, uplink):
    report, _item = forwarded(world, uplink)
    with pytest.raises(forwarding.AlreadyForwarded):
        forwarding.forward(report, as_user(world.agency_admin), uplink)
    assert Forwarding.objects.count() == 1


def test_a_closed_report_cannot_be_forwarded(world, uplink):
    report = advance(world, submit(world, reporter=world.citizen)[0], Status.CLOSED)
    with pytest.raises(TransitionError):
        forwarding.forward(report, as_user(world.national_admin), uplink)


# --- The uplink's webhooks -------------------------------------------------------------


def call_body(report, *, kind="report.response_published", action="respond", message="", **ev):
    event = {"id": 77, "action": action, "message": message, "to_status": "in_progress", **ev}
    remote = {"code": "RMT2345X", "external_id": report.tracking_code, "status": "in_progress"}
    return json.dumps({"type": kind, "data": {"event": event, "report": remote}}).encode()


def post_call(client, uplink, body, *, message_id="msg_77", secret=None, now=None, **headers):
    signed = signing.signed_headers(secret or uplink.webhook_secret, message_id, body, now=now)
    return client.post(
        reverse("webhooks:receive", args=[uplink.slug]),
        body,
        content_type="application/json",
        headers={**signed, **headers},
    )


def test_a_signed_response_from_the_uplink_reaches_the_timeline_and_the_reporter(
    world, uplink, client
):
    report, _item = forwarded(world, uplink)
    answer = post_call(client, uplink, call_body(report, message="Sedang diperbaiki pusat."))
    assert answer.status_code == 200 and answer.json() == {"status": "recorded"}
    event = report.events.latest("id")
    assert (event.action, event.is_public, event.message) == (
        Action.REMOTE_UPDATE,
        True,
        "Sedang diperbaiki pusat.",
    )
    assert event.data["remote_code"] == "RMT2345X"
    assert Notification.objects.filter(
        user=world.citizen, kind=Kind.RESPONSE, report=report
    ).exists()
    item = Forwarding.objects.get()
    assert (item.remote_code, item.remote_status) == ("RMT2345X", "in_progress")


def test_a_status_change_there_is_told_in_words(world, uplink, client):
    report, _item = forwarded(world, uplink)
    body = call_body(report, kind="report.status_changed", action="complete", to_status="completed")
    post_call(client, uplink, body)
    message = report.events.latest("id").message
    assert "SP4N-LAPOR! Nasional" in message
    assert str(Status.COMPLETED.label) in message


def test_a_replayed_call_is_recorded_once(world, uplink, client):
    report, _item = forwarded(world, uplink)
    body = call_body(report, message="Sekali saja.")
    assert post_call(client, uplink, body).json() == {"status": "recorded"}
    assert post_call(client, uplink, body).json() == {"status": "duplicate"}
    assert report.events.filter(action=Action.REMOTE_UPDATE).count() == 1


def test_a_wrong_signature_or_an_old_call_is_refused_and_nothing_is_written(world, uplink, client):
    report, _item = forwarded(world, uplink)
    body = call_body(report, message="Palsu.")
    forged = post_call(client, uplink, body, secret=new_signing_secret())
    assert forged.status_code == 401
    assert forged.json()["errors"][0]["field"] == "webhook-signature"
    stale = post_call(client, uplink, body, now=time.time() - 3600)
    assert stale.status_code == 401 and "too far" in stale.json()["errors"][0]["message"]
    unsigned = client.post(
        reverse("webhooks:receive", args=[uplink.slug]), body, content_type="application/json"
    )
    assert unsigned.status_code == 401
    odd = post_call(client, uplink, body, **{"webhook-signature": "v1,é"})
    assert odd.status_code == 401
    assert not report.events.filter(action=Action.REMOTE_UPDATE).exists()
    assert not ProcessedMessage.objects.exists()


def test_malformed_and_unknown_calls_get_a_clear_400_and_leave_nothing(world, uplink, client):
    report, _item = forwarded(world, uplink)
    for body in (b"not json", b"[]", b'{"type": "report.exploded", "data": {}}', b"[" * 100_000):
        answer = post_call(client, uplink, body, message_id=f"msg_{len(body)}")
        assert answer.status_code == 400, body
        assert answer.json()["errors"][0]["code"] in {"invalid_json", "invalid"}
    assert not ProcessedMessage.objects.exists()
    assert not report.events.filter(action=Action.REMOTE_UPDATE).exists()


def test_an_oversized_call_is_refused(world, uplink, client):
    body = b'{"pad": "' + b"x" * 300_000 + b'"}'
    answer = post_call(client, uplink, body)
    assert answer.status_code == 413


def test_a_call_about_a_report_never_forwarded_is_ignored(world, uplink, client):
    other = submit(world)[0]
    answer = post_call(client, uplink, call_body(other, message="?"))
    assert answer.json() == {"status": "ignored"}
    assert not other.events.filter(action=Action.REMOTE_UPDATE).exists()


def test_a_call_without_the_uplinks_code_never_lands_on_a_forwarding_still_waiting(
    world, uplink, client
):
    """A forwarding not yet answered has no remote code: a call naming an empty one (and
    no report of ours) must not be taken for it and put its words on that report."""
    waiting, item = forwarded(world, uplink)
    assert Forwarding.objects.get(pk=item.pk).remote_code == ""
    event = {"id": 78, "action": "respond", "message": "Salah alamat.", "to_status": "in_progress"}
    remote = {"code": "", "status": "in_progress"}
    body = json.dumps(
        {"type": "report.response_published", "data": {"event": event, "report": remote}}
    )
    answer = post_call(client, uplink, body.encode(), message_id="msg_78")
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["code"] == "invalid"
    assert not waiting.events.filter(action=Action.REMOTE_UPDATE).exists()


def test_a_call_goes_by_the_uplinks_code_once_known_not_by_whichever_report_comes_first(
    world, uplink, client
):
    answered, first = forwarded(world, uplink)
    Forwarding.objects.filter(pk=first.pk).update(remote_code="RMT2345X")
    waiting, _second = forwarded(world, uplink)
    # The uplink's code names the first report, the external id the second.
    body = json.loads(call_body(answered, message="Untuk laporan pertama."))
    body["data"]["report"]["external_id"] = waiting.tracking_code
    assert post_call(client, uplink, json.dumps(body).encode()).status_code == 200
    assert answered.events.filter(action=Action.REMOTE_UPDATE).count() == 1
    assert not waiting.events.filter(action=Action.REMOTE_UPDATE).exists()
    assert Forwarding.objects.get(pk=_second.pk).remote_code == ""


def test_an_unknown_or_inactive_uplink_is_404_and_get_is_405(world, uplink, client):
    report, _item = forwarded(world, uplink)
    body = call_body(report)
    url = reverse("webhooks:receive", args=["tidak-ada"])
    assert client.post(url, body, content_type="application/json").status_code == 404
    Uplink.objects.filter(pk=uplink.pk).update(is_active=False)
    assert post_call(client, uplink, body).status_code == 404
    assert client.get(reverse("webhooks:receive", args=[uplink.slug])).status_code == 405


def test_a_call_signed_for_another_uplink_is_refused(world, uplink, client):
    other = Uplink.objects.create(
        slug="provinsi",
        name="Provinsi",
        organization=world.agency,
        base_url="https://provinsi.example.go.id/",
        api_key="k",
        webhook_secret=new_signing_secret(),
    )
    report, _item = forwarded(world, uplink)
    answer = post_call(client, uplink, call_body(report), secret=other.webhook_secret)
    assert answer.status_code == 401


# --- Photos travel both ways ----------------------------------------------------------


def png_bytes() -> bytes:
    return _png()


def png_file(name: str) -> CleanFile:
    return clean_upload(SimpleUploadedFile(name, png_bytes()))


def test_the_reporters_photos_follow_the_report_each_once(world, uplink, receiver):
    photo, scan = png_file("lubang.png"), CleanFile("ktp.pdf", "application/pdf", PDF)
    report, item = forwarded(world, uplink, attachments=[photo, scan])
    hidden = report.attachments.get(original_name="ktp.pdf")
    lifecycle.hide_file(report, as_user(world.agency_admin), hidden.pk)
    receiver.answers = [remote_answer(), http.Response(201, "{}")]

    assert forwarding.deliver([item.pk]) == 1

    report_call, file_call = receiver.requests
    assert file_call.url == "https://lapor.example.go.id/api/v1/reports/RMT2345X/attachments/"
    assert file_call.headers["Authorization"] == "Bearer adn_remote-key"
    sent = report.attachments.get(original_name="lubang.png")
    assert file_call.headers["Idempotency-Key"] == f"forward-{item.pk}-file-{sent.pk}"
    assert file_call.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert b'filename="lubang.png"' in file_call.body and b"ktp.pdf" not in file_call.body


def test_a_server_error_on_a_file_retries_the_whole_forwarding(world, uplink, receiver):
    _report, item = forwarded(world, uplink, attachments=[png_file("a.png")])
    receiver.answers = [remote_answer(), http.Response(502, "bad gateway")]
    forwarding.deliver([item.pk])
    item.refresh_from_db()
    assert item.state == State.PENDING and "HTTP 502" in item.last_error


def uplink_file(report_code="RMT2345X", pk=9, name="sesudah.png"):
    url = f"https://lapor.example.go.id/api/v1/reports/{report_code}/attachments/{pk}/"
    return {"id": pk, "name": name, "content_type": "image/png", "size": 10, "url": url}


def test_photos_of_the_uplinks_response_are_fetched_with_its_key_and_kept_once(
    world, uplink, client, receiver, django_capture_on_commit_callbacks
):
    report, _item = forwarded(world, uplink)
    base = "https://lapor.example.go.id/api/v1/reports/"
    files = [
        uplink_file(),
        uplink_file(pk=10, name=""),
        {"url": "http://10.0.0.1/secret"},
        {"url": base + "../../admin/"},  # starts like the uplink's reports, leads elsewhere
        {"url": base + "%2e%2e/%2E%2E/admin/"},
    ]
    body = call_body(report, message="Sudah diperbaiki.", attachments=files)
    with django_capture_on_commit_callbacks(execute=False):
        assert post_call(client, uplink, body).status_code == 200
    rows = list(RemoteFile.objects.order_by("pk"))
    assert [row.url for row in rows] == [uplink_file()["url"], uplink_file(pk=10)["url"]]
    told = Notification.objects.get(user=world.citizen, kind=Kind.RESPONSE, medium="in_app")
    assert "2 lampiran" in told.body  # before the files have arrived

    receiver.answers = [
        http.Response(200, content=png_bytes(), headers={"Content-Type": "image/png"})
        for _row in rows
    ]
    assert forwarding.fetch_files([row.pk for row in rows]) == 2
    assert {r.headers["Authorization"] for r in receiver.requests} == {"Bearer adn_remote-key"}
    update = report.events.get(action=Action.REMOTE_UPDATE)
    assert sorted(update.attachments.values_list("original_name", flat=True)) == [
        "lampiran.png",
        "sesudah.png",
    ]
    assert forwarding.fetch_files([row.pk for row in rows]) == 0  # nothing is due any more
    assert update.attachments.count() == 2


def test_a_file_the_uplink_will_not_give_is_given_up_and_the_update_stands(
    world, uplink, client, receiver, django_capture_on_commit_callbacks
):
    report, _item = forwarded(world, uplink)
    with django_capture_on_commit_callbacks(execute=False):
        post_call(client, uplink, call_body(report, message="Foto.", attachments=[uplink_file()]))
    row = RemoteFile.objects.get()
    receiver.answers = [http.Response(404, content=b'{"errors": []}')]
    forwarding.fetch_files([row.pk])
    row.refresh_from_db()
    assert (row.state, row.last_error) == (State.FAILED, "HTTP 404")
    assert report.events.filter(action=Action.REMOTE_UPDATE).exists()


def test_a_photo_the_reporter_adds_later_follows_the_forwarded_report(world, uplink, receiver):
    report, item = forwarded(world, uplink, attachments=[png_file("awal.png")])
    receiver.answers = [remote_answer(), http.Response(201, "{}")]
    forwarding.deliver([item.pk])
    key = receiver.requests[0].headers["Idempotency-Key"]
    item.refresh_from_db()
    first = report.attachments.get()
    assert (item.state, item.sent_files) == (State.SENT, [first.pk])

    (later,) = add_to_submission(report, [png_file("susulan.png")])

    item.refresh_from_db()
    assert item.state == State.PENDING
    receiver.requests.clear()
    receiver.answers = [remote_answer(http_status=200), http.Response(201, "{}")]
    assert forwarding.deliver([item.pk]) == 1
    report_again, file_call = receiver.requests
    assert report_again.headers["Idempotency-Key"] == key  # the same body
    assert b'filename="susulan.png"' in file_call.body
    item.refresh_from_db()
    assert item.sent_files == [first.pk, later.pk]


def test_a_photo_hidden_here_after_forwarding_is_hidden_at_the_uplink_once(world, uplink, receiver):
    report, item = forwarded(world, uplink, attachments=[png_file("wajah.png")])
    receiver.answers = [remote_answer(), http.Response(201, json.dumps({"id": 77}))]
    forwarding.deliver([item.pk])
    item.refresh_from_db()
    photo = report.attachments.get()
    assert (item.state, item.remote_files) == (State.SENT, {str(photo.pk): 77})

    lifecycle.hide_file(report, as_user(world.agency_admin), photo.pk)

    item.refresh_from_db()
    assert item.state == State.PENDING
    receiver.requests.clear()
    receiver.answers = [remote_answer(http_status=200), http.Response(204)]
    assert forwarding.deliver([item.pk]) == 1
    _report_again, hide_call = receiver.requests
    assert hide_call.method == "DELETE"
    assert hide_call.url == "https://lapor.example.go.id/api/v1/reports/RMT2345X/attachments/77/"
    assert hide_call.headers["Authorization"] == "Bearer adn_remote-key"
    item.refresh_from_db()
    assert (item.state, item.hidden_files) == (State.SENT, [photo.pk])

    # Going again for another file (one the reporter adds) does not ask a second time.
    add_to_submission(report, [png_file("lagi.png")])
    receiver.requests.clear()
    receiver.answers = [remote_answer(http_status=200), http.Response(201, '{"id": 78}')]
    forwarding.deliver([item.pk])
    assert [call.method for call in receiver.requests] == ["POST", "POST"]


def test_hiding_a_file_the_uplink_never_got_sends_nothing(world, uplink, receiver):
    report, item = forwarded(world, uplink, attachments=[png_file("a.png"), png_file("b.png")])
    first, second = report.attachments.order_by("id")
    receiver.answers = [
        remote_answer(),
        http.Response(201, '{"id": 5}'),
        http.Response(413, '{"errors": []}'),  # the uplink refused the second
    ]
    forwarding.deliver([item.pk])
    item.refresh_from_db()
    assert item.remote_files == {str(first.pk): 5}

    lifecycle.hide_file(report, as_user(world.agency_admin), second.pk)

    item.refresh_from_db()
    assert item.state == State.SENT  # nothing there to hide


def test_a_server_error_while_hiding_retries_and_a_file_gone_there_counts_as_hidden(
    world, uplink, receiver
):
    report, item = forwarded(world, uplink, attachments=[png_file("a.png")])
    receiver.answers = [remote_answer(), http.Response(201, '{"id": 5}')]
    forwarding.deliver([item.pk])
    photo = report.attachments.get()
    lifecycle.hide_file(report, as_user(world.agency_admin), photo.pk)

    receiver.answers = [remote_answer(http_status=200), http.Response(503, "busy")]
    forwarding.deliver([item.pk])
    item.refresh_from_db()
    assert item.state == State.PENDING and "HTTP 503" in item.last_error
    assert item.hidden_files == []

    Forwarding.objects.filter(pk=item.pk).update(next_attempt_at=item.created_at)
    receiver.answers = [remote_answer(http_status=200), http.Response(404, "{}")]
    forwarding.deliver([item.pk])
    item.refresh_from_db()
    assert (item.state, item.hidden_files) == (State.SENT, [photo.pk])


def test_a_file_hidden_or_added_while_the_forwarding_is_being_sent_is_caught_before_it_ends(
    world, uplink, receiver, monkeypatch
):
    report, item = forwarded(world, uplink, attachments=[png_file("wajah.png")])
    photo = report.attachments.get()
    answers = iter([remote_answer(), http.Response(201, '{"id": 5}')])

    def officer_acts_meanwhile(request, timeout):
        receiver.requests.append(request)
        if request.url.endswith("/attachments/") and len(receiver.requests) == 2:
            # While the photo travels, an officer hides it and the reporter adds another.
            lifecycle.hide_file(report, as_user(world.agency_admin), photo.pk)
            add_to_submission(report, [png_file("lagi.png")])
        return next(answers, http.Response(201, '{"id": 6}'))

    monkeypatch.setattr(http, "transport", officer_acts_meanwhile)

    assert forwarding.deliver([item.pk]) == 1

    assert [(call.method, call.url.rsplit("/api/v1/", 1)[1]) for call in receiver.requests] == [
        ("POST", "reports/"),
        ("POST", "reports/RMT2345X/attachments/"),
        ("DELETE", "reports/RMT2345X/attachments/5/"),  # the one hidden meanwhile
        ("POST", "reports/RMT2345X/attachments/"),  # the one added meanwhile
    ]
    item.refresh_from_db()
    assert item.state == State.SENT and item.hidden_files == [photo.pk]
    assert len(item.sent_files) == 2


# --- The reporter's news follows ---------------------------------------------------------


def _sent(world, uplink, receiver):
    report, item = forwarded(world, uplink)
    receiver.answers = [remote_answer()]
    forwarding.deliver([item.pk])
    item.refresh_from_db()
    assert (item.state, item.sent_news) == (State.SENT, [])
    receiver.requests.clear()
    return report, item


def test_news_the_reporter_adds_later_follows_the_forwarded_report_once(world, uplink, receiver):
    from tests.personas import as_reporter

    report, item = _sent(world, uplink, receiver)

    news = lifecycle.add_information(report, as_reporter(world.citizen), "Lubangnya makin dalam.")

    item.refresh_from_db()
    assert item.state == State.PENDING
    receiver.answers = [remote_answer(http_status=200), http.Response(201, "{}")]
    assert forwarding.deliver([item.pk]) == 1
    report_again, news_call = receiver.requests
    assert news_call.url == "https://lapor.example.go.id/api/v1/reports/RMT2345X/replies/"
    assert news_call.headers["Idempotency-Key"] == f"forward-{item.pk}-news-{news.pk}-add_info"
    assert json.loads(news_call.body) == {"action": "add_info", "message": "Lubangnya makin dalam."}
    item.refresh_from_db()
    assert item.sent_news == [news.pk]

    # Sent again (a file added), the news is not relayed twice.
    forwarding.send_again(report)
    receiver.requests.clear()
    receiver.answers = [remote_answer(http_status=200)]
    forwarding.deliver([item.pk])
    assert len(receiver.requests) == 1


def test_news_answers_the_uplinks_question_while_it_holds_the_report(world, uplink, receiver):
    from tests.personas import as_reporter

    report, item = _sent(world, uplink, receiver)
    lifecycle.add_information(report, as_reporter(world.citizen), "Di RT 3 RW 2.")
    lifecycle.add_information(report, as_reporter(world.citizen), "Sudah ada yang jatuh.")

    receiver.answers = [
        remote_answer(status="on_hold", http_status=200),
        http.Response(201, "{}"),
        http.Response(201, "{}"),
    ]
    forwarding.deliver([item.pk])

    actions = [json.loads(call.body)["action"] for call in receiver.requests[1:]]
    assert actions == ["answer_hold", "add_info"]


def test_news_kept_from_the_public_does_not_leave_and_a_refusal_is_not_retried(
    world, uplink, receiver
):
    from tests.personas import as_reporter

    report, item = _sent(world, uplink, receiver)
    insult = lifecycle.add_information(report, as_reporter(world.citizen), "Dasar petugas goblok!")
    assert insult.is_public is False
    news = lifecycle.add_information(report, as_reporter(world.citizen), "Lubangnya makin dalam.")
    receiver.answers = [remote_answer(http_status=200), http.Response(409, '{"errors": []}')]

    forwarding.deliver([item.pk])

    assert len(receiver.requests) == 2  # the report, then only the public news
    item.refresh_from_db()
    assert (item.state, item.sent_news) == (State.SENT, [news.pk])


def test_a_server_error_on_news_retries_the_whole_forwarding(world, uplink, receiver):
    from tests.personas import as_reporter

    report, item = _sent(world, uplink, receiver)
    lifecycle.add_information(report, as_reporter(world.citizen), "Lubangnya makin dalam.")
    receiver.answers = [remote_answer(http_status=200), http.Response(503, "busy")]

    forwarding.deliver([item.pk])

    item.refresh_from_db()
    assert (item.state, item.sent_news) == (State.PENDING, [])
    assert "News" in item.last_error


def test_the_uplinks_echo_of_the_relayed_news_is_not_news_here(world, uplink, client):
    report, _item = forwarded(world, uplink)
    before = report.events.count()
    body = call_body(
        report, kind="report.reporter_update", action="add_info", message="Lubangnya makin dalam."
    )

    answer = post_call(client, uplink, body)

    assert answer.status_code == 200
    assert report.events.count() == before
    assert not Notification.objects.filter(report=report, kind=Kind.RESPONSE).exists()
    assert Forwarding.objects.get().remote_status == "in_progress"  # still kept up to date


def test_news_hidden_here_after_it_went_is_hidden_at_the_uplink_once(world, uplink, receiver):
    from tests.personas import as_reporter

    report, item = _sent(world, uplink, receiver)
    news = lifecycle.add_information(report, as_reporter(world.citizen), "Pak Darmo menyuap.")
    receiver.answers = [remote_answer(http_status=200), http.Response(201, '{"id": 321}')]
    forwarding.deliver([item.pk])
    item.refresh_from_db()
    assert item.remote_news == {str(news.pk): 321}
    receiver.requests.clear()

    lifecycle.hide_information(report, lifecycle.Actor(world.liaison_a), news.pk)

    item.refresh_from_db()
    assert item.state == State.PENDING
    receiver.answers = [remote_answer(http_status=200), http.Response(204, "")]
    forwarding.deliver([item.pk])
    report_again, hiding = receiver.requests
    assert (hiding.method, hiding.url) == (
        "DELETE",
        "https://lapor.example.go.id/api/v1/reports/RMT2345X/replies/321/",
    )
    item.refresh_from_db()
    assert (item.state, item.hidden_news) == (State.SENT, [news.pk])

    forwarding.send_again(report)
    receiver.requests.clear()
    receiver.answers = [remote_answer(http_status=200)]
    forwarding.deliver([item.pk])
    assert len(receiver.requests) == 1  # not asked again


def test_news_answers_the_uplinks_question_though_its_answer_to_the_report_is_replayed(
    world, uplink, receiver, client
):
    from tests.personas import as_reporter

    report, item = _sent(world, uplink, receiver)
    # The uplink asks the reporter a question: its webhook says its report is on hold.
    event = {"id": 78, "action": "hold", "message": "Di RT berapa?", "to_status": "on_hold"}
    remote = {"code": "RMT2345X", "external_id": report.tracking_code, "status": "on_hold"}
    body = json.dumps({"type": "report.status_changed", "data": {"event": event, "report": remote}})
    assert post_call(client, uplink, body.encode(), message_id="msg_78").status_code == 200
    report.refresh_from_db()
    lifecycle.add_information(report, as_reporter(world.citizen), "Di RT 3 RW 2.")
    # Within the replay window the uplink answers the report's own call as it did the
    # first time: the report as it was created, not as it is now.
    replayed = remote_answer(http_status=201)
    replayed.headers["Idempotent-Replayed"] = "true"
    receiver.answers = [replayed, http.Response(201, "{}")]

    forwarding.deliver([item.pk])

    assert json.loads(receiver.requests[1].body)["action"] == "answer_hold"
    item.refresh_from_db()
    assert item.remote_status == Status.SUBMITTED  # answered, back to verification there


def test_news_still_in_hand_at_the_uplink_from_an_earlier_try_is_sent_again_later(
    world, uplink, receiver
):
    # The earlier try timed out here while the uplink was still at it: its idempotency
    # key is taken, not refused, and the next try gets the answer it kept.
    from tests.personas import as_reporter

    report, item = _sent(world, uplink, receiver)
    lifecycle.add_information(report, as_reporter(world.citizen), "Lubangnya makin dalam.")
    busy = {"errors": [{"field": "Idempotency-Key", "code": "in_progress", "message": "..."}]}
    receiver.answers = [remote_answer(http_status=200), http.Response(409, json.dumps(busy))]

    forwarding.deliver([item.pk])

    item.refresh_from_db()
    assert (item.state, item.sent_news) == (State.PENDING, [])


# --- Privacy and erasure follow -----------------------------------------------------------


def held_there(anonymous=False, confidential=False, http_status=200):
    """The uplink's answer to the report's call: the report as it holds it."""
    body = {"code": "RMT2345X", "status": "submitted", "anonymous": anonymous}
    return http.Response(http_status, json.dumps({**body, "confidential": confidential}))


def calls(receiver) -> list[tuple[str, str]]:
    return [(call.method, call.url.rsplit("/api/v1/", 1)[1]) for call in receiver.requests]


def test_a_report_made_confidential_after_it_went_is_made_confidential_there(
    world, uplink, receiver
):
    report, item = _sent(world, uplink, receiver)

    lifecycle.set_flags(report, as_user(world.agency_admin), confidential=True)

    item.refresh_from_db()
    assert item.state == State.PENDING
    receiver.answers = [held_there(), http.Response(200, "{}")]
    assert forwarding.deliver([item.pk]) == 1
    assert calls(receiver) == [("POST", "reports/"), ("POST", "reports/RMT2345X/privacy/")]
    report_call, privacy_call = receiver.requests
    assert json.loads(report_call.body)["confidential"] is True
    first_key = report_call.headers["Idempotency-Key"]
    assert json.loads(privacy_call.body) == {"anonymous": False, "confidential": True}
    assert privacy_call.headers["Idempotency-Key"] == f"forward-{item.pk}-privacy-confidential"

    # Once the uplink holds it so, sending again asks nothing more.
    forwarding.send_again(report)
    receiver.requests.clear()
    receiver.answers = [held_there(confidential=True)]
    forwarding.deliver([item.pk])
    assert calls(receiver) == [("POST", "reports/")]
    assert receiver.requests[0].headers["Idempotency-Key"] == first_key


def test_made_anonymous_after_it_went_the_report_goes_without_a_name_and_is_made_anonymous_there(
    world, uplink, receiver
):
    report, item = forwarded(world, uplink, is_anonymous=False)
    receiver.answers = [remote_answer()]
    forwarding.deliver([item.pk])
    first = receiver.requests[0]
    assert "reporter" in json.loads(first.body)
    receiver.requests.clear()

    lifecycle.set_flags(report, as_user(world.agency_admin), anonymous=True)
    receiver.answers = [held_there(), http.Response(200, "{}")]
    forwarding.deliver([item.pk])

    report_call, privacy_call = receiver.requests
    # Another body, another key: under the first one the uplink would refuse it (409).
    assert report_call.headers["Idempotency-Key"] != first.headers["Idempotency-Key"]
    assert "reporter" not in json.loads(report_call.body)
    assert json.loads(privacy_call.body) == {"anonymous": True, "confidential": False}


def test_a_refused_privacy_call_is_logged_and_the_rest_still_goes(world, uplink, receiver, caplog):
    report, item = _sent(world, uplink, receiver)
    lifecycle.set_flags(report, as_user(world.agency_admin), confidential=True)
    late = {"errors": [{"field": None, "code": "invalid_state", "message": "Sudah diproses."}]}
    receiver.answers = [held_there(), http.Response(409, json.dumps(late))]

    assert forwarding.deliver([item.pk]) == 1

    item.refresh_from_db()
    assert item.state == State.SENT
    assert "refused Privacy (confidential): HTTP 409" in caplog.text


def test_a_server_error_on_the_privacy_call_retries_the_forwarding(world, uplink, receiver):
    report, item = _sent(world, uplink, receiver)
    lifecycle.set_flags(report, as_user(world.agency_admin), confidential=True)
    receiver.answers = [held_there(), http.Response(503, "busy")]

    forwarding.deliver([item.pk])

    item.refresh_from_db()
    assert item.state == State.PENDING and "503" in item.last_error


def test_a_flag_turned_on_while_the_forwarding_is_being_sent_reaches_the_uplink(
    world, uplink, receiver, monkeypatch
):
    report, item = forwarded(world, uplink)

    def flagged_meanwhile(request, timeout):
        receiver.requests.append(request)
        if len(receiver.requests) == 1:  # the worker read the report before
            lifecycle.set_flags(report, as_user(world.agency_admin), confidential=True)
        return remote_answer()

    monkeypatch.setattr(http, "transport", flagged_meanwhile)
    forwarding.deliver([item.pk])
    item.refresh_from_db()
    assert item.state == State.PENDING and item.remote_code == "RMT2345X"

    monkeypatch.setattr(http, "transport", receiver)
    receiver.requests.clear()
    receiver.answers = [held_there(), http.Response(200, "{}")]
    assert forwarding.sweep() == 1
    forwarding.deliver([item.pk])
    assert calls(receiver) == [("POST", "reports/"), ("POST", "reports/RMT2345X/privacy/")]
    item.refresh_from_db()
    assert item.state == State.SENT


def _erase_citizen(world):
    from aduan.accounts.erasure import erase_account

    erase_account(world.citizen)


def test_erasing_the_reporter_here_erases_them_at_the_uplink_once(world, uplink, receiver):
    report, item = _sent(world, uplink, receiver)
    lifecycle.add_information(report, as_reporter(world.citizen), "Saya Budi, HP 0812 1111 2222.")
    receiver.answers = [remote_answer(http_status=200), http.Response(201, "{}")]
    forwarding.deliver([item.pk])
    receiver.requests.clear()

    _erase_citizen(world)

    item.refresh_from_db()
    assert (item.state, item.erasure) == (State.PENDING, Erasure.DUE)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT erasure_identities FROM {Forwarding._meta.db_table} WHERE id = %s", [item.pk]
        )
        (stored,) = cursor.fetchone()
    # Kept until the uplink is told, and sealed: not the erased person in clear.
    assert stored.startswith("sealed:") and "Siti Warga" in item.erasure_identities
    receiver.answers = [held_there(), http.Response(204, "")]
    assert forwarding.deliver([item.pk]) == 1
    assert calls(receiver) == [("POST", "reports/"), ("POST", "reports/RMT2345X/erasure/")]
    # Who the reporter was here goes with it, as their words there may write it.
    known = json.loads(receiver.requests[1].body)["identities"]
    assert {"name": "Siti Warga", "email": "warga@example.id", "phone": "+6281234567890"} in known
    body = json.loads(receiver.requests[0].body)
    assert "0812 1111 2222" not in json.dumps(body)
    item.refresh_from_db()
    assert (item.state, item.erasure, item.erasure_identities) == (State.SENT, Erasure.DONE, "")

    forwarding.send_again(report)
    receiver.requests.clear()
    receiver.answers = [held_there()]
    forwarding.deliver([item.pk])
    assert calls(receiver) == [("POST", "reports/")]


def test_an_uplink_that_refuses_the_erasure_is_not_asked_again_and_the_page_says_so(
    world, uplink, receiver, client, caplog
):
    report, item = _sent(world, uplink, receiver)
    _erase_citizen(world)
    receiver.answers = [held_there(), http.Response(404, '{"errors": []}')]

    forwarding.deliver([item.pk])

    item.refresh_from_db()
    assert (item.state, item.erasure) == (State.SENT, Erasure.REFUSED)
    assert "refused Erasure: HTTP 404" in caplog.text
    client.force_login(world.agency_admin)
    page = client.get(reverse("workspace:report", args=[report.tracking_code])).content.decode()
    assert 'data-erasure="refused"' in page


def test_a_server_error_on_the_erasure_retries_it(world, uplink, receiver):
    _report, item = _sent(world, uplink, receiver)
    _erase_citizen(world)
    receiver.answers = [held_there(), http.Response(502, "gateway")]

    forwarding.deliver([item.pk])

    item.refresh_from_db()
    assert (item.state, item.erasure) == (State.PENDING, Erasure.DUE)


def test_a_failed_forwarding_asks_for_the_erasure_too(world, uplink, receiver):
    # It may have reached the uplink on an earlier try whose answer was lost.
    report, item = forwarded(world, uplink)
    receiver.answers = [http.Response(403, "revoked")]
    forwarding.deliver([item.pk])
    item.refresh_from_db()
    assert item.state == State.FAILED

    _erase_citizen(world)

    item.refresh_from_db()
    assert (item.state, item.erasure) == (State.PENDING, Erasure.DUE)


def test_a_guest_reporter_erased_by_the_operators_is_erased_at_the_uplink(world, uplink, receiver):
    from aduan.accounts.erasure import erase_guest_reporter

    report = advance(
        world,
        submit(world, guest_name="Siti Guest", guest_email="siti@example.id")[0],
        "dispatched",
    )
    item = forwarding.forward(report, as_user(world.agency_admin), uplink)
    receiver.answers = [remote_answer()]
    forwarding.deliver([item.pk])

    assert erase_guest_reporter(report)

    item.refresh_from_db()
    assert item.erasure == Erasure.DUE


def test_a_forwarding_being_sent_when_the_reporter_is_erased_is_sent_again_by_the_scan(
    world, uplink, receiver, monkeypatch
):
    report, item = forwarded(world, uplink)

    def erased_meanwhile(request, timeout):
        receiver.requests.append(request)
        if len(receiver.requests) == 1:
            _erase_citizen(world)  # the worker read the report before
        return remote_answer()

    monkeypatch.setattr(http, "transport", erased_meanwhile)
    forwarding.deliver([item.pk])
    item.refresh_from_db()
    assert (item.state, item.erasure) == (State.SENT, Erasure.DUE)

    assert forwarding.sweep_erasures() == 1

    item.refresh_from_db()
    assert item.state == State.PENDING
    monkeypatch.setattr(http, "transport", receiver)
    receiver.requests.clear()
    receiver.answers = [held_there(), http.Response(204, "")]
    forwarding.deliver([item.pk])
    assert ("POST", "reports/RMT2345X/erasure/") in calls(receiver)
    item.refresh_from_db()
    assert item.erasure == Erasure.DONE


def test_the_account_deletion_page_says_a_forwarded_copy_is_erased_too(
    world, uplink, receiver, client
):
    client.force_login(world.citizen)
    before = client.get(reverse("accounts:delete")).content.decode()
    _report, _item = forwarded(world, uplink)

    after = client.get(reverse("accounts:delete")).content.decode()

    assert "data-forwarded" not in before
    assert 'data-forwarded="1"' in after


def test_news_added_while_the_forwarding_is_being_sent_reaches_the_uplink(
    world, uplink, receiver, monkeypatch
):
    report, item = _sent(world, uplink, receiver)
    forwarding.send_again(report)  # a file, say: it goes again
    news = []

    def news_meanwhile(request, timeout):
        receiver.requests.append(request)
        if len(receiver.requests) == 1:  # the worker looked for news after this call
            news.append(
                lifecycle.add_information(report, as_reporter(world.citizen), "Makin parah.")
            )
        return remote_answer(http_status=200)

    monkeypatch.setattr(http, "transport", news_meanwhile)
    forwarding.deliver([item.pk])
    item.refresh_from_db()
    # The news came after the report's call and before the worker looked: it went.
    assert item.sent_news == [news[0].pk]

    monkeypatch.setattr(http, "transport", receiver)

    # One added after the worker looked, as it finishes: left due, for the scan.
    original = forwarding._hide_news

    def hide_then_news_arrives(*args):
        hidden = original(*args)
        lifecycle.add_information(report, as_reporter(world.citizen), "Air naik lagi.")
        return hidden

    forwarding.send_again(report)
    monkeypatch.setattr(forwarding, "_hide_news", hide_then_news_arrives)
    receiver.answers = [remote_answer(http_status=200)]
    forwarding.deliver([item.pk])
    item.refresh_from_db()
    assert item.state == State.PENDING
    monkeypatch.setattr(forwarding, "_hide_news", original)
    receiver.requests.clear()
    assert forwarding.sweep() == 1
    receiver.answers = [remote_answer(http_status=200), http.Response(201, "{}")]
    forwarding.deliver([item.pk])
    item.refresh_from_db()
    assert item.state == State.SENT
    assert len(item.sent_news) == 2


def test_a_file_missing_from_storage_does_not_keep_the_forwarding_going(world, uplink, receiver):
    report, item = forwarded(world, uplink, attachments=[png_file("hilang.png")])
    photo = report.attachments.get()
    photo.file.storage.delete(photo.file.name)
    receiver.answers = [remote_answer()]

    forwarding.deliver([item.pk])

    item.refresh_from_db()
    assert (item.state, item.sent_files) == (State.SENT, [])


def test_a_guest_without_a_name_or_an_erased_account_goes_without_a_stand_in_name(
    world, uplink, receiver
):
    guest = advance(
        world, submit(world, guest_name="", guest_email="x@example.id")[0], "dispatched"
    )
    named = advance(world, submit(world, guest_name="Siti Guest")[0], "dispatched")

    assert "reporter" not in forwarding.report_payload(guest)
    assert forwarding.report_payload(named)["reporter"] == {"name": "Siti Guest"}
    report, _item = forwarded(world, uplink, is_anonymous=False)
    assert forwarding.report_payload(report)["reporter"] == {"name": "Siti Warga"}
    _erase_citizen(world)
    report.refresh_from_db()
    assert "reporter" not in forwarding.report_payload(report)


# --- The reporter's verdict on the uplink's completion ------------------------------------


def completed_there(world, uplink, client, receiver, *, message_id="msg_done"):
    """A report forwarded and sent, which the uplink then completed (its webhook)."""
    report, item = _sent(world, uplink, receiver)
    return complete_there(client, uplink, report, message_id=message_id), item


def complete_there(client, uplink, report, *, message_id="msg_done"):
    """The uplink's webhook: it completed `report`."""
    body = call_body(
        report,
        kind="report.status_changed",
        action="complete",
        to_status="completed",
        message="Lampu sudah diganti.",
    )
    body = json.loads(body)
    body["data"]["report"]["status"] = "completed"
    answer = post_call(client, uplink, json.dumps(body).encode(), message_id=message_id)
    assert answer.status_code == 200
    report.refresh_from_db()
    return report


def verdict_url(report):
    return reverse("portal:report_action", args=[report.tracking_code, "remote_verdict"])


def test_the_reporter_is_asked_for_a_verdict_once_the_uplink_completed_the_report(
    world, uplink, client, receiver
):
    report, item = _sent(world, uplink, receiver)
    client.force_login(world.citizen)
    page = client.get(reverse("portal:report", args=[report.tracking_code]))
    assert b'id="action-remote_verdict"' not in page.content

    report = complete_there(client, uplink, report)
    page = client.get(reverse("portal:report", args=[report.tracking_code]))
    assert b'id="action-remote_verdict"' in page.content
    assert "SP4N-LAPOR! Nasional" in page.content.decode()
    # Nobody else is asked, nor may answer for the reporter.
    client.force_login(world.outsider)
    page = client.get(reverse("portal:report", args=[report.tracking_code]))
    assert b'id="action-remote_verdict"' not in page.content
    refused = client.post(verdict_url(report), {"version": report.version, "satisfied": "yes"})
    assert refused.status_code in (403, 404)
    assert not report.events.filter(action=Action.REMOTE_VERDICT).exists()


def test_a_satisfied_verdict_with_stars_goes_to_the_uplink_and_the_status_here_stays(
    world, uplink, client, receiver
):
    report, item = completed_there(world, uplink, client, receiver)
    status_before = report.status
    client.force_login(world.citizen)
    answer = client.post(
        verdict_url(report),
        {"version": report.version, "satisfied": "yes", "stars": "4", "message": "Terang lagi."},
    )
    assert answer.status_code == 302
    report.refresh_from_db()
    assert report.status == status_before
    verdict = report.events.get(action=Action.REMOTE_VERDICT)
    assert (verdict.is_public, verdict.by_reporter, verdict.message) == (True, True, "Terang lagi.")
    assert verdict.data == {"uplink": "nasional", "satisfied": True, "stars": 4}
    # Asked once: the form is gone, and a second click is refused keeping the words.
    page = client.get(reverse("portal:report", args=[report.tracking_code]))
    assert b'id="action-remote_verdict"' not in page.content
    assert "4 of 5" in page.content.decode() or "4 dari 5" in page.content.decode()
    again = client.post(
        verdict_url(report), {"version": report.version, "satisfied": "yes", "message": "Lagi."}
    )
    assert again.status_code == 409 and "Lagi." in again.content.decode()

    item.refresh_from_db()
    assert item.state == State.PENDING
    receiver.requests.clear()
    receiver.answers = [remote_answer(status="completed", http_status=200)]
    receiver.answers += [http.Response(201, '{"id": 51}'), http.Response(201, '{"id": 52}')]
    forwarding.deliver([item.pk])
    assert calls(receiver) == [("POST", "reports/")] + [("POST", "reports/RMT2345X/replies/")] * 2
    rate_call, verdict_call = receiver.requests[1:]
    assert json.loads(rate_call.body) == {"action": "rate", "stars": 4}
    assert json.loads(verdict_call.body) == {"action": "satisfied", "message": "Terang lagi."}
    assert rate_call.headers["Idempotency-Key"] == f"forward-{item.pk}-rate-{verdict.pk}"
    assert verdict_call.headers["Idempotency-Key"] == f"forward-{item.pk}-satisfied-{verdict.pk}"
    item.refresh_from_db()
    assert item.state == State.SENT and verdict.pk in item.sent_news
    assert item.remote_news[str(verdict.pk)] == 52

    # Sent again later, the verdict does not go twice.
    forwarding.send_again(report)
    receiver.requests.clear()
    receiver.answers = [remote_answer(status="closed", http_status=200)]
    forwarding.deliver([item.pk])
    assert calls(receiver) == [("POST", "reports/")]


def test_not_satisfied_needs_words_keeps_what_was_typed_and_a_new_completion_asks_again(
    world, uplink, client, receiver
):
    report, item = completed_there(world, uplink, client, receiver)
    client.force_login(world.citizen)
    empty = client.post(
        verdict_url(report), {"version": report.version, "satisfied": "no", "stars": "2"}
    )
    assert empty.status_code == 400
    assert not report.events.filter(action=Action.REMOTE_VERDICT).exists()
    assert re.search(r'name="stars" value="2" id="id_remote_verdict_stars_\d" checked', empty.text)

    client.post(
        verdict_url(report),
        {"version": report.version, "satisfied": "no", "stars": "2", "message": "Masih padam."},
    )
    verdict = report.events.get(action=Action.REMOTE_VERDICT)
    assert verdict.data == {"uplink": "nasional", "satisfied": False, "stars": 2}
    receiver.requests.clear()
    receiver.answers = [remote_answer(status="completed", http_status=200)]
    forwarding.deliver([item.pk])
    bodies = [json.loads(call.body) for call in receiver.requests[1:]]
    assert bodies == [
        {"action": "rate", "stars": 2},
        {"action": "not_satisfied", "message": "Masih padam."},
    ]

    # The uplink works on it again and completes it once more: asked again, without
    # stars, since the uplink takes one rating.
    report, item = report, Forwarding.objects.get()
    body = json.loads(
        call_body(report, kind="report.status_changed", action="complete", to_status="completed")
    )
    body["data"]["report"]["status"] = "completed"
    post_call(client, uplink, json.dumps(body).encode(), message_id="msg_again")
    report.refresh_from_db()
    client.force_login(world.citizen)
    page = client.get(reverse("portal:report", args=[report.tracking_code])).content.decode()
    assert 'id="action-remote_verdict"' in page
    assert 'name="stars"' not in page.split('id="action-remote_verdict"')[1].split("</form>")[0]


def test_a_verdict_the_uplink_refuses_is_logged_and_not_asked_again(
    world, uplink, client, receiver, caplog
):
    report, item = completed_there(world, uplink, client, receiver)
    forwarding.give_verdict_there(
        report, as_reporter(world.citizen), item, satisfied=True, message=""
    )
    item.refresh_from_db()
    closed = {"errors": [{"field": None, "code": "invalid_state", "message": "closed"}]}
    receiver.requests.clear()
    receiver.answers = [remote_answer(status="closed", http_status=200)]
    receiver.answers.append(http.Response(409, json.dumps(closed)))
    forwarding.deliver([item.pk])
    item.refresh_from_db()
    assert item.state == State.SENT
    assert "refused Verdict" in caplog.text
    verdict = report.events.get(action=Action.REMOTE_VERDICT)
    assert verdict.pk in item.sent_news


def test_no_verdict_is_taken_while_the_uplink_has_not_completed_the_report(
    world, uplink, client, receiver
):
    report, item = _sent(world, uplink, receiver)
    with pytest.raises(TransitionError):
        forwarding.give_verdict_there(
            report, as_reporter(world.citizen), item, satisfied=True, message=""
        )
    client.force_login(world.citizen)
    refused = client.post(
        verdict_url(report), {"version": report.version, "satisfied": "yes", "message": "Ok."}
    )
    assert refused.status_code == 409 and "Ok." in refused.content.decode()
    assert not report.events.filter(action=Action.REMOTE_VERDICT).exists()


def test_a_local_system_hears_of_the_reporters_verdict_for_the_uplink(world, uplink):
    from aduan.webhooks.models import EventType
    from aduan.webhooks.outbound import event_type_of

    report, item = forwarded(world, uplink)
    Forwarding.objects.filter(pk=item.pk).update(remote_status=Status.COMPLETED)
    event = forwarding.give_verdict_there(
        report, as_reporter(world.citizen), item, satisfied=False, message="Belum."
    )
    assert event_type_of(event) == EventType.REPORTER_UPDATE


def completed_sms_report(world, uplink, client, receiver, settings):
    """A guest's SMS report, forwarded, sent and then completed by the uplink."""
    from tests.test_inbound_sms import post as sms

    settings.ADUAN_SMS_INBOUND_TOKEN = "gateway-secret"
    settings.ADUAN_SMS_GATEWAY_URL = "https://sms.example.id/send"
    sms(client, id="gw-report")
    report = advance(world, Report.objects.get(channel_reference="gw-report"), "dispatched")
    item = forwarding.forward(report, as_user(world.agency_admin), uplink)
    receiver.answers = [remote_answer()]
    forwarding.deliver([item.pk])
    return complete_there(client, uplink, report)


def test_an_sms_reporter_hears_of_the_uplinks_completion_and_answers_it_by_message(
    world, uplink, client, receiver, settings
):
    from tests.test_inbound_sms import post as sms

    report = completed_sms_report(world, uplink, client, receiver, settings)

    told = Notification.objects.filter(report=report, kind=Kind.COMPLETED).get()
    assert "SP4N-LAPOR! Nasional" in told.body and "PUAS" in told.short

    vague = sms(client, id="gw-vague", text="BELUM PUAS").json()
    assert vague["result"] == "explain"
    answer = sms(client, id="gw-verdict", text="BELUM PUAS lampunya masih mati").json()
    assert (answer["result"], answer["tracking_code"]) == ("not_satisfied", report.tracking_code)
    verdict = report.events.get(action=Action.REMOTE_VERDICT)
    assert (verdict.message, verdict.data["satisfied"]) == ("lampunya masih mati", False)
    assert Forwarding.objects.get().state == State.PENDING
    # Asked once: a second verdict is not another verdict there.
    again = sms(client, id="gw-again", text="PUAS").json()
    assert again["result"] != "satisfied"
    assert report.events.filter(action=Action.REMOTE_VERDICT).count() == 1


def test_a_local_system_relays_its_reporters_verdict_on_to_the_uplink(
    world, uplink, client, receiver
):
    from tests.test_api import new_key, report_payload
    from tests.test_api import post as api_post

    secret = new_key(world.agency)
    created = api_post(client, "/api/v1/reports/", secret, report_payload(external_id="SIP-9"))
    report = advance(world, Report.objects.get(tracking_code=created.json()["code"]), "dispatched")
    item = forwarding.forward(report, as_user(world.agency_admin), uplink)
    receiver.answers = [remote_answer()]
    forwarding.deliver([item.pk])
    replies = f"/api/v1/reports/{report.tracking_code}/replies/"
    early = api_post(client, replies, secret, {"action": "satisfied"})
    assert early.status_code == 409  # nothing is completed yet, here or there

    report = complete_there(client, uplink, report)
    answer = api_post(
        client, replies, secret, {"action": "not_satisfied", "message": "Masih bocor."}
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["action"] == "remote_verdict"
    report.refresh_from_db()
    assert report.status == Status.DISPATCHED
    verdict = report.events.get(action=Action.REMOTE_VERDICT)
    assert verdict.data == {"uplink": "nasional", "satisfied": False}
    again = api_post(client, replies, secret, {"action": "satisfied"})
    assert again.status_code == 409


def _verdict_sent(world, uplink, client, receiver, message, *, satisfied=False):
    """A verdict given on the uplink's completion and relayed there (its id there: 52)."""
    report, item = completed_there(world, uplink, client, receiver)
    verdict = forwarding.give_verdict_there(
        report, as_reporter(world.citizen), item, satisfied=satisfied, message=message
    )
    receiver.requests.clear()
    receiver.answers = [remote_answer(status="completed", http_status=200)]
    receiver.answers.append(http.Response(201, '{"id": 52}'))
    forwarding.deliver([item.pk])
    item.refresh_from_db()
    assert item.remote_news[str(verdict.pk)] == 52
    receiver.requests.clear()
    report.refresh_from_db()
    return report, item, verdict


def test_the_words_of_a_verdict_for_the_uplink_can_be_hidden_here_and_there(
    world, uplink, client, receiver
):
    report, item, verdict = _verdict_sent(
        world, uplink, client, receiver, "Pak Darmo tetangga saya yang merusak lampunya."
    )
    assert lifecycle.words_hideable(verdict)
    public_page = reverse("portal:report", args=[report.tracking_code])
    assert "Darmo" in client.get(public_page).content.decode()

    lifecycle.hide_information(report, lifecycle.Actor(world.liaison_a), verdict.pk)

    page = client.get(public_page)
    assert page.status_code == 200 and 'data-action="remote_verdict"' in page.content.decode()
    assert "Darmo" not in page.content.decode()
    item.refresh_from_db()
    assert item.state == State.PENDING
    receiver.answers = [remote_answer(status="in_progress", http_status=200)]
    receiver.answers.append(http.Response(204, ""))
    forwarding.deliver([item.pk])
    assert calls(receiver) == [("POST", "reports/"), ("DELETE", "reports/RMT2345X/replies/52/")]
    item.refresh_from_db()
    assert (item.state, item.hidden_news) == (State.SENT, [verdict.pk])


def test_the_uplinks_echo_of_the_reporters_verdict_does_not_bring_their_words_back_as_its_news(
    world, uplink, client, receiver
):
    report, _item, _verdict = _verdict_sent(world, uplink, client, receiver, "Masih padam.")
    told_before = Notification.objects.filter(report=report, user=world.citizen).count()
    # The uplink reopens its report on the relayed "not satisfied" and says so: the
    # change of status is news here, the reporter's own words are not.
    body = json.loads(
        call_body(
            report,
            kind="report.status_changed",
            action="not_satisfied",
            to_status="in_progress",
            message="Masih padam.",
            by_reporter=True,
        )
    )
    post_call(client, uplink, json.dumps(body).encode(), message_id="msg_echo")

    update = report.events.filter(action=Action.REMOTE_UPDATE).latest("id")
    assert "Masih padam." not in update.message
    assert update.data["remote_status"] == "in_progress" and update.message
    told = Notification.objects.filter(report=report, user=world.citizen)
    assert told.count() > told_before
    assert not told.filter(body__contains="Masih padam.").exists()


def test_the_back_office_timeline_says_what_the_verdict_for_the_uplink_was(
    world, uplink, client, receiver
):
    report, item = completed_there(world, uplink, client, receiver)
    forwarding.give_verdict_there(
        report, as_reporter(world.citizen), item, satisfied=True, message="", stars=3
    )
    client.force_login(world.agency_admin)
    page = client.get(reverse("workspace:report", args=[report.tracking_code])).content.decode()
    entry = page.split('data-action="remote_verdict"')[1].split("</li>")[0]
    assert "SP4N-LAPOR! Nasional" in entry
    assert ("Satisfied, 3 of 5 stars" in entry) or ("Puas, 3 dari 5 bintang" in entry)


def test_the_uplinks_completion_is_not_told_in_the_wording_of_the_organization_here(
    world, uplink, client, receiver
):
    """An organization's own wording of a completion speaks of its own handling ("{{
    report.organization }} has completed…", its completion date): the uplink's is told in
    the built-in words, in the uplink's name."""
    from aduan.notifications.models import MessageTemplate

    report, _item = _sent(world, uplink, receiver)
    for language in ("id", "en"):
        MessageTemplate.objects.create(
            organization=report.organization,
            kind=Kind.COMPLETED,
            language=language,
            body="{{ report.organization }} telah menyelesaikan laporan {{ code }}.",
            short="{{ report.organization }} selesai: {{ code }}.",
        )
    complete_there(client, uplink, report)

    told = Notification.objects.filter(report=report, kind=Kind.COMPLETED, user=world.citizen)
    assert told.exists()
    for message in told:
        assert "telah menyelesaikan" not in message.body and "selesai:" not in message.short
        assert "SP4N-LAPOR! Nasional" in message.body


def test_a_verdict_goes_to_the_uplink_though_the_forwarding_failed_since_it_went(
    world, uplink, client, receiver, settings
):
    """A forwarding whose later sending gave up (the uplink was down for the news) still
    hears the uplink's webhooks: the verdict on its completion must go all the same."""
    settings.ADUAN_WEBHOOK_MAX_ATTEMPTS = 1
    report, item = _sent(world, uplink, receiver)
    lifecycle.add_information(report, as_reporter(world.citizen), "Lubangnya makin dalam.")
    receiver.answers = [remote_answer(http_status=200), http.Response(503, "busy")]
    forwarding.deliver([item.pk])
    item.refresh_from_db()
    assert item.state == State.FAILED
    report = complete_there(client, uplink, report)

    forwarding.give_verdict_there(
        report, as_reporter(world.citizen), item, satisfied=True, message="Sudah."
    )

    item.refresh_from_db()
    assert item.state == State.PENDING


def test_the_reporters_page_asks_whether_a_verdict_is_awaited_once(world, uplink, client, receiver):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    report, _item = _sent(world, uplink, receiver)
    client.force_login(world.citizen)
    page = reverse("portal:report", args=[report.tracking_code])
    client.get(page)
    with CaptureQueriesContext(connection) as before:
        client.get(page)
    complete_there(client, uplink, report)
    client.get(page)
    with CaptureQueriesContext(connection) as asking:
        shown = client.get(page)
    assert b'id="action-remote_verdict"' in shown.content
    # Whether it waits (the forwardings, the completion, a verdict since) and whether it
    # was rated there: not once per use on the page.
    assert len(asking) - len(before) <= 4


def emailed_report_completed_there(world, uplink, client, receiver, settings):
    """A report sent by email, forwarded to `uplink` and completed there; returns it
    with a function that posts the reporter's reply to the completion email."""
    from aduan.notifications.adapters import message_id_for
    from aduan.notifications.models import Medium
    from tests.test_inbound_email import AUTH, inbound
    from tests.test_inbound_email import post as email

    settings.ANYMAIL = {"WEBHOOK_SECRET": AUTH}
    email(client, inbound())
    report = advance(world, Report.objects.get(), "dispatched")
    item = forwarding.forward(report, as_user(world.agency_admin), uplink)
    receiver.answers = [remote_answer()]
    forwarding.deliver([item.pk])
    report = complete_there(client, uplink, report)
    completed = Notification.objects.get(report=report, kind=Kind.COMPLETED, medium=Medium.EMAIL)

    def reply(text: str):
        answer = inbound(
            message_id="<m9@mail.example.id>",
            subject="Re: Laporan telah selesai ditindaklanjuti",
            text=text,
            headers=[{"Name": "In-Reply-To", "Value": message_id_for(completed)}],
        )
        return email(client, answer)

    return report, reply


def test_an_email_reporter_answers_the_uplinks_completion_by_replying_to_its_email(
    world, uplink, client, receiver, settings
):
    report, reply = emailed_report_completed_there(world, uplink, client, receiver, settings)

    assert reply("Belum puas, saluran di depan SD masih tersumbat.").status_code == 200

    verdict = report.events.get(action=Action.REMOTE_VERDICT)
    assert verdict.data["satisfied"] is False
    assert verdict.message == "saluran di depan SD masih tersumbat."
    assert Report.objects.count() == 1


def test_a_verdict_by_message_arriving_as_an_officer_writes_a_note_is_still_taken(
    world, uplink, client, receiver, settings, monkeypatch
):
    from tests.test_inbound_sms import post as sms

    report = completed_sms_report(world, uplink, client, receiver, settings)
    real, noted = lifecycle.record_remote_verdict, []

    def after_a_note(stale, *args, **kwargs):
        if not noted:
            fresh = Report.objects.get(pk=stale.pk)
            noted.append(lifecycle.add_note(fresh, as_user(world.liaison_a), "Cek lokasi."))
        return real(stale, *args, **kwargs)

    monkeypatch.setattr(lifecycle, "record_remote_verdict", after_a_note)

    answer = sms(client, id="gw-verdict", text="PUAS sudah menyala").json()

    assert answer["result"] == "satisfied"
    assert report.events.get(action=Action.REMOTE_VERDICT).message == "sudah menyala"


def test_a_completion_delivered_after_the_uplink_closed_the_report_asks_for_no_verdict(
    world, uplink, client, receiver
):
    """The completion's call came late (retried after the uplink closed its report for
    want of an answer): the reporter hears of it, and is not asked what nobody waits for."""
    report, _item = _sent(world, uplink, receiver)
    body = json.loads(
        call_body(report, kind="report.status_changed", action="complete", to_status="completed")
    )
    body["data"]["report"]["status"] = "closed"
    post_call(client, uplink, json.dumps(body).encode(), message_id="msg_late")

    assert forwarding.awaiting_verdict(report) == []
    told = Notification.objects.filter(report=report, user=world.citizen, medium="in_app")
    assert not told.filter(kind=Kind.COMPLETED).exists()
    assert told.filter(kind=Kind.RESPONSE).exists()


def test_an_older_call_retried_after_a_newer_one_does_not_set_the_status_back(
    world, uplink, client, receiver
):
    report, item = _sent(world, uplink, receiver)
    newer = json.loads(
        call_body(report, kind="report.status_changed", action="complete", to_status="completed")
    )
    newer["data"]["event"]["id"] = 90
    newer["data"]["report"]["status"] = "completed"
    older = json.loads(call_body(report, message="Sedang dikerjakan."))  # event 77
    assert (
        post_call(client, uplink, json.dumps(newer).encode(), message_id="m90").status_code == 200
    )
    assert (
        post_call(client, uplink, json.dumps(older).encode(), message_id="m77").status_code == 200
    )

    item.refresh_from_db()
    assert (item.remote_status, item.remote_event) == ("completed", 90)
    assert report.events.filter(action=Action.REMOTE_UPDATE).count() == 2  # both told
    assert forwarding.awaiting_verdict(report) == [item]
    # A newer call still moves it on.
    reopened = json.loads(call_body(report, message="Dikerjakan lagi."))
    reopened["data"]["event"]["id"] = 95
    assert (
        post_call(client, uplink, json.dumps(reopened).encode(), message_id="m95").status_code
        == 200
    )
    item.refresh_from_db()
    assert (item.remote_status, item.remote_event) == ("in_progress", 95)


def test_a_status_the_uplink_told_while_the_forwarding_was_sent_is_not_overwritten(
    world, uplink, client, receiver, monkeypatch
):
    report, item = _sent(world, uplink, receiver)
    lifecycle.add_information(report, as_reporter(world.citizen), "Makin parah.")
    real = forwarding._send_news

    def webhook_arrives_meanwhile(*args, **kwargs):
        complete_there(client, uplink, report)  # its call: completed there, just now
        return real(*args, **kwargs)

    monkeypatch.setattr(forwarding, "_send_news", webhook_arrives_meanwhile)
    receiver.answers = [remote_answer(status="in_progress", http_status=200)]
    forwarding.deliver([item.pk])

    item.refresh_from_db()
    assert item.remote_status == "completed"
