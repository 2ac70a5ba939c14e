"""The REST API for local complaint systems (/api/v1/), used with organization keys."""

from __future__ import annotations

import base64
import datetime

import pytest
import time_machine
from django.utils import timezone

from aduan.api.models import ApiKey, IdempotentResponse, Scope
from aduan.organizations.models import Region
from aduan.reports import lifecycle
from aduan.reports.lifecycle import Action
from aduan.reports.models import Channel, Report, ReportEvent, Status
from tests.personas import advance, as_user, report_at, submit

ALL_SCOPES = [Scope.REPORTS_READ, Scope.REPORTS_WRITE, Scope.META_READ]


def new_key(org, scopes=ALL_SCOPES, **extra) -> str:
    _key, secret = ApiKey.issue(organization=org, name="Sistem lokal", scopes=scopes, **extra)
    return secret


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def get(client, url, secret, **params):
    return client.get(url, params, headers=bearer(secret))


def post(client, url, secret, data, **headers):
    return client.post(
        url, data, content_type="application/json", headers={**bearer(secret), **headers}
    )


FORGED_ID_CURSORS = ["o=x", "p=abc", "p=1\x00", "p=1.5"]


def report_payload(**changes) -> dict:
    payload = {
        "external_id": "SIP-001",
        "title": "Lampu jalan padam",
        "body": "Lampu jalan di Jalan Diponegoro padam sejak tiga hari, gelap sekali.",
        "kind": "complaint",
        "category": "jalan-rusak",
        "address": "Jl. Diponegoro 12",
        "latitude": "-6.200000",
        "longitude": "106.816666",
        "incident_date": "2026-01-05",
        "reporter": {"name": "Rina", "email": "rina@example.id", "phone": "0812 3456 7890"},
    }
    payload.update(changes)
    return payload


def error_fields(response) -> list:
    return [error["field"] for error in response.json()["errors"]]


def error_codes(response) -> list:
    return [error["code"] for error in response.json()["errors"]]


# --- Authentication and scopes ------------------------------------------------------


def test_request_without_a_key_is_refused_with_401_and_a_json_error(client, world):
    response = client.get("/api/v1/reports/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert error_codes(response) == ["not_authenticated"]


def test_unknown_key_is_refused(client, world):
    new_key(world.agency)
    response = get(client, "/api/v1/reports/", "adn_not-a-real-key")
    assert response.status_code == 401
    assert error_codes(response) == ["invalid_key"]


def test_revoked_key_is_refused(client, world):
    secret = new_key(world.agency)
    ApiKey.objects.update(revoked_at=timezone.now())
    response = get(client, "/api/v1/reports/", secret)
    assert response.status_code == 401
    assert error_codes(response) == ["revoked_key"]


def test_a_key_revoked_while_in_use_is_refused_once_the_cache_window_has_passed(client, world):
    from aduan.api.auth import KEY_CACHE_SECONDS

    secret = new_key(world.agency)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        assert get(client, "/api/v1/reports/", secret).status_code == 200
        ApiKey.objects.update(revoked_at=timezone.now())
        # This process read the key a moment ago and trusts it for the cache window.
        assert get(client, "/api/v1/reports/", secret).status_code == 200
        traveller.shift(datetime.timedelta(seconds=KEY_CACHE_SECONDS))
        response = get(client, "/api/v1/reports/", secret)
    assert response.status_code == 401
    assert error_codes(response) == ["revoked_key"]


def test_a_key_revoked_here_is_refused_at_once_once_forgotten(client, world):
    from aduan.api.auth import forget_keys

    secret = new_key(world.agency)
    assert get(client, "/api/v1/reports/", secret).status_code == 200
    ApiKey.objects.update(revoked_at=timezone.now())
    forget_keys()
    assert get(client, "/api/v1/reports/", secret).status_code == 401


def test_a_key_read_with_no_cache_window_is_refused_at_once(client, world, settings):
    settings.ADUAN_API_KEY_CACHE_SECONDS = 0
    secret = new_key(world.agency)
    assert get(client, "/api/v1/reports/", secret).status_code == 200
    ApiKey.objects.update(revoked_at=timezone.now())
    assert get(client, "/api/v1/reports/", secret).status_code == 401


def test_expired_key_is_refused(client, world):
    secret = new_key(world.agency, expires_at=timezone.now() - datetime.timedelta(minutes=1))
    response = get(client, "/api/v1/reports/", secret)
    assert response.status_code == 401
    assert error_codes(response) == ["expired_key"]


def test_key_of_an_inactive_organization_is_refused(client, world):
    secret = new_key(world.other_agency)
    world.other_agency.is_active = False
    world.other_agency.save()
    assert get(client, "/api/v1/reports/", secret).status_code == 401


@pytest.mark.parametrize(
    ("method", "url", "scope_missing"),
    [
        ("get", "/api/v1/reports/", Scope.REPORTS_READ),
        ("get", "/api/v1/changes/", Scope.REPORTS_READ),
        ("post", "/api/v1/reports/", Scope.REPORTS_WRITE),
        ("post", "/api/v1/reports/ABCD-2345/responses/", Scope.REPORTS_WRITE),
        ("post", "/api/v1/reports/ABCD-2345/completion/", Scope.REPORTS_WRITE),
        ("post", "/api/v1/reports/ABCD-2345/replies/", Scope.REPORTS_WRITE),
        ("get", "/api/v1/categories/", Scope.META_READ),
        ("get", "/api/v1/organizations/", Scope.META_READ),
        ("get", "/api/v1/regions/", Scope.META_READ),
    ],
)
def test_key_without_the_needed_scope_gets_403(client, world, method, url, scope_missing):
    secret = new_key(world.agency, scopes=[s for s in ALL_SCOPES if s != scope_missing])
    response = get(client, url, secret) if method == "get" else post(client, url, secret, {})
    assert response.status_code == 403
    assert error_codes(response) == ["missing_scope"]
    assert scope_missing in response.json()["errors"][0]["message"]


def test_x_api_key_header_works_like_bearer(client, world):
    secret = new_key(world.agency)
    response = client.get("/api/v1/categories/", headers={"X-Api-Key": secret})
    assert response.status_code == 200


def test_use_of_a_key_is_recorded(client, world):
    secret = new_key(world.agency)
    get(client, "/api/v1/categories/", secret)
    assert ApiKey.objects.get().last_used_at is not None


def test_too_many_requests_get_429_with_retry_after(client, world, settings):
    settings.ADUAN_API_RATE = "2/min"
    secret = new_key(world.agency)
    other = new_key(world.other_agency)
    assert get(client, "/api/v1/categories/", secret).status_code == 200
    assert get(client, "/api/v1/categories/", secret).status_code == 200
    response = get(client, "/api/v1/categories/", secret)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert error_codes(response) == ["throttled"]
    wait = response["Retry-After"]
    assert response.json()["errors"][0]["message"] == (
        f"Terlalu banyak permintaan; coba lagi dalam {wait} detik."
    )
    # Limits are per key: another organization's system is not slowed down.
    assert get(client, "/api/v1/categories/", other).status_code == 200


def test_a_body_that_is_not_json_is_explained_in_the_requests_language(client, world):
    url, secret = "/api/v1/reports/", new_key(world.agency)

    response = post(client, url, secret, "{bad")
    english = post(client, url, secret, "{bad", **{"Accept-Language": "en"})

    assert response.status_code == english.status_code == 400
    assert response.json()["errors"][0]["message"].startswith("Isi permintaan bukan JSON")
    assert english.json()["errors"][0]["message"].startswith("The request body is not valid JSON")


# --- Reference data -----------------------------------------------------------------


def test_categories_list_active_categories_with_their_parent(client, world):
    response = get(client, "/api/v1/categories/", new_key(world.agency))
    assert response.status_code == 200
    rows = {row["slug"]: row for row in response.json()["results"]}
    assert rows["jalan-rusak"]["parent"] == "infrastruktur"
    assert rows["infrastruktur"]["parent"] is None


def test_organizations_list_the_active_tree(client, world):
    world.ombudsman.is_active = False
    world.ombudsman.save()
    response = get(client, "/api/v1/organizations/", new_key(world.agency))
    rows = {row["id"]: row for row in response.json()["results"]}
    assert rows[world.unit_a.pk]["parent"] == world.agency.pk
    assert rows[world.unit_a.pk]["kind"] == "department"
    assert world.ombudsman.pk not in rows


def test_regions_list_children_of_a_parent_code(client, world):
    province = Region.objects.create(code="33", name="Jawa Tengah", level=1)
    Region.objects.create(code="33.01", name="Kab. Cilacap", level=2, parent=province)
    Region.objects.create(code="34", name="DI Yogyakarta", level=1)
    secret = new_key(world.agency)
    top = get(client, "/api/v1/regions/", secret).json()["results"]
    assert [row["code"] for row in top] == ["33", "34"]
    below = get(client, "/api/v1/regions/", secret, parent="33").json()["results"]
    assert below == [{"code": "33.01", "name": "Kab. Cilacap", "level": 2, "parent": "33"}]


@pytest.mark.parametrize("parent", ["99", "3\x003"])
def test_unknown_parent_region_is_a_validation_error_on_that_field(client, world, parent):
    response = get(client, "/api/v1/regions/", new_key(world.agency), parent=parent)
    assert response.status_code == 400
    assert error_fields(response) == ["parent"]


# --- Submitting reports -------------------------------------------------------------


def test_post_creates_a_report_received_by_the_keys_organization(client, world):
    response = post(client, "/api/v1/reports/", new_key(world.agency), report_payload())
    assert response.status_code == 201
    body = response.json()
    report = Report.objects.get(tracking_code=body["code"])
    assert report.channel == Channel.LOCAL_SYSTEM
    assert report.organization == world.agency  # waits for the agency's admins
    assert report.guest_phone == "+6281234567890"
    assert report.category == world.potholes
    submitted = report.events.get(action=Action.SUBMIT)
    assert submitted.actor_organization == world.agency
    assert body["external_id"] == "SIP-001"
    assert body["reporter"] == {
        "name": "Rina",
        "email": "rina@example.id",
        "phone": "+6281234567890",
        "phone_verified": None,  # a guest's number, given by the sending system
    }
    assert [event["action"] for event in body["timeline"]] == ["submit"]


def test_retried_post_with_the_same_external_id_returns_the_same_report(client, world):
    secret = new_key(world.agency)
    first = post(client, "/api/v1/reports/", secret, report_payload())
    again = post(client, "/api/v1/reports/", secret, report_payload(title="Judul lain"))
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["code"] == first.json()["code"]
    assert Report.objects.count() == 1


def test_post_writes_the_report_in_a_fixed_few_statements(
    client, world, django_assert_max_num_queries
):
    secret = new_key(world.agency)
    post(client, "/api/v1/reports/", secret, report_payload(external_id="Q0"))
    # The category named, the savepoint and its release, the calendar, then one INSERT
    # each for the report, its first deadline, its event and the task that tells people.
    with django_assert_max_num_queries(8):
        response = post(client, "/api/v1/reports/", secret, report_payload(external_id="Q1"))
    assert response.status_code == 201


def test_a_new_report_reaches_the_webhooks_once_the_worker_ran_however_often(client, world):
    from aduan.notifications.tasks import announce_submission
    from aduan.webhooks.models import EventType, WebhookDelivery, WebhookEndpoint
    from tests.test_messages import run_announcements

    WebhookEndpoint.objects.create(
        organization=world.agency,
        url="https://sipadu.example.id/aduan",
        event_types=[EventType.CREATED],
    )
    response = post(client, "/api/v1/reports/", new_key(world.agency), report_payload())
    event = ReportEvent.objects.get(report__tracking_code=response.json()["code"])
    assert not WebhookDelivery.objects.exists()  # the worker's job, after the answer
    assert run_announcements() == ["SUCCESSFUL"]
    announce_submission.enqueue(event.pk, "")
    assert run_announcements() == ["SUCCESSFUL"]
    delivery = WebhookDelivery.objects.get()
    assert (delivery.event, delivery.event_type) == (event, EventType.CREATED)


def test_same_external_id_from_another_organization_is_another_report(client, world):
    mine = post(client, "/api/v1/reports/", new_key(world.agency), report_payload())
    theirs = post(client, "/api/v1/reports/", new_key(world.other_agency), report_payload())
    assert theirs.status_code == 201
    assert theirs.json()["code"] != mine.json()["code"]


def test_idempotency_key_replays_the_first_answer(client, world):
    secret = new_key(world.agency)
    first = post(client, "/api/v1/reports/", secret, report_payload(), **{"Idempotency-Key": "k1"})
    again = post(client, "/api/v1/reports/", secret, report_payload(), **{"Idempotency-Key": "k1"})
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Report.objects.count() == 1


def test_idempotency_key_with_a_different_body_is_a_409(client, world):
    secret = new_key(world.agency)
    post(client, "/api/v1/reports/", secret, report_payload(), **{"Idempotency-Key": "k1"})
    other = report_payload(external_id="SIP-002")
    response = post(client, "/api/v1/reports/", secret, other, **{"Idempotency-Key": "k1"})
    assert response.status_code == 409
    assert error_fields(response) == ["Idempotency-Key"]
    assert error_codes(response) == ["key_reused"]
    assert Report.objects.count() == 1


def test_failed_request_releases_its_idempotency_key(client, world):
    secret = new_key(world.agency)
    bad = post(client, "/api/v1/reports/", secret, {"title": ""}, **{"Idempotency-Key": "k9"})
    assert bad.status_code == 400
    assert not IdempotentResponse.objects.exists()
    good = post(client, "/api/v1/reports/", secret, report_payload(), **{"Idempotency-Key": "k9"})
    assert good.status_code == 201


def test_idempotency_key_held_by_a_request_in_flight_is_a_409(client, world):
    secret = new_key(world.agency)
    # What a concurrent request leaves while it works: a claim without an answer yet.
    IdempotentResponse.objects.create(
        organization=world.agency, key="busy", request_hash="x", status_code=0
    )
    response = post(
        client, "/api/v1/reports/", secret, report_payload(), **{"Idempotency-Key": "busy"}
    )
    assert response.status_code == 409
    assert error_codes(response) == ["in_progress"]
    assert not Report.objects.exists()


def test_claim_abandoned_by_a_crashed_worker_is_taken_over(client, world):
    secret = new_key(world.agency)
    IdempotentResponse.objects.create(
        organization=world.agency,
        key="stale",
        request_hash="x",
        status_code=0,
        created_at=timezone.now() - datetime.timedelta(minutes=5),
    )
    response = post(
        client, "/api/v1/reports/", secret, report_payload(), **{"Idempotency-Key": "stale"}
    )
    assert response.status_code == 201
    assert IdempotentResponse.objects.get(key="stale").status_code == 201


def test_idempotency_keys_of_two_organizations_do_not_collide(client, world):
    headers = {"Idempotency-Key": "same"}
    mine = post(client, "/api/v1/reports/", new_key(world.agency), report_payload(), **headers)
    theirs = post(
        client, "/api/v1/reports/", new_key(world.other_agency), report_payload(), **headers
    )
    assert theirs.status_code == 201
    assert theirs.json()["code"] != mine.json()["code"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"external_id": None}, "external_id"),
        ({"category": "tidak-ada"}, "category"),
        ({"region": "99.99"}, "region"),
        ({"kind": "rumor"}, "kind"),
        ({"latitude": "123"}, "latitude"),
        ({"longitude": None}, "longitude"),
        ({"incident_date": "2999-01-01"}, "incident_date"),
        ({"reporter": {"email": "bukan-email"}}, "reporter.email"),
        ({"reporter": {"phone": "12"}}, "reporter.phone"),
    ],
)
def test_validation_errors_name_the_field(client, world, changes, field):
    response = post(client, "/api/v1/reports/", new_key(world.agency), report_payload(**changes))
    assert response.status_code == 400
    assert field in error_fields(response)
    assert all(error["message"] for error in response.json()["errors"])
    assert not Report.objects.exists()


def test_anonymous_report_never_shows_the_reporter(client, world):
    secret = new_key(world.agency)
    created = post(client, "/api/v1/reports/", secret, report_payload(anonymous=True)).json()
    assert created["reporter"] is None
    detail = get(client, f"/api/v1/reports/{created['code']}/", secret).json()
    assert detail["reporter"] is None
    listed = get(client, "/api/v1/reports/", secret).json()["results"]
    assert listed[0]["reporter"] is None
    assert "Rina" not in str(listed)


# --- Reading reports ----------------------------------------------------------------


def test_report_of_another_organization_is_404(client, world):
    report = advance(world, submit(world)[0], Status.DISPATCHED)  # now at unit A
    response = get(client, f"/api/v1/reports/{report.tracking_code}/", new_key(world.other_agency))
    assert response.status_code == 404
    assert error_codes(response) == ["not_found"]
    listed = get(client, "/api/v1/reports/", new_key(world.other_agency)).json()["results"]
    assert listed == []


def test_sibling_unit_cannot_see_a_report_of_unit_a(client, world):
    report = advance(world, submit(world)[0], Status.DISPATCHED)
    assert (
        get(client, f"/api/v1/reports/{report.tracking_code}/", new_key(world.unit_b)).status_code
        == 404
    )
    assert (
        get(client, f"/api/v1/reports/{report.tracking_code}/", new_key(world.unit_a)).status_code
        == 200
    )


def test_agency_sees_a_report_handled_below_it_with_its_public_timeline(client, world):
    report = advance(world, submit(world)[0], Status.IN_PROGRESS)
    response = get(
        client, f"/api/v1/reports/{report.tracking_code.lower()}/", new_key(world.agency)
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "in_progress"
    actions = [event["action"] for event in body["timeline"]]
    assert actions == ["submit", "dispatch", "dispatch", "respond"]
    # A report from another channel: handlers see the name, not the contact details.
    assert body["reporter"] == {
        "name": "Budi Tamu",
        "email": "",
        "phone": "",
        "phone_verified": None,
    }
    assert body["external_id"] is None


def test_internal_notes_are_not_in_the_timeline(client, world):
    report = advance(world, submit(world)[0], Status.DISPATCHED)
    lifecycle.add_note(report, as_user(world.liaison_a), "Catatan internal rahasia")
    body = get(client, f"/api/v1/reports/{report.tracking_code}/", new_key(world.unit_a)).json()
    assert "Catatan internal rahasia" not in str(body)


def test_receiving_organization_keeps_seeing_a_report_sent_elsewhere(client, world):
    secret = new_key(world.other_agency)
    code = post(client, "/api/v1/reports/", secret, report_payload()).json()["code"]
    report = Report.objects.get(tracking_code=code)
    lifecycle.dispatch(report, as_user(world.national_admin), world.unit_a)
    body = get(client, f"/api/v1/reports/{code}/", secret).json()
    assert body["organization"] == world.unit_a.pk
    assert body["reporter"]["email"] == "rina@example.id"


def test_report_list_pages_with_an_opaque_cursor(client, world):
    secret = new_key(world.agency)
    for number in range(5):
        post(client, "/api/v1/reports/", secret, report_payload(external_id=f"E{number}"))
    seen = []
    url = "/api/v1/reports/?limit=2"
    while url:
        page = client.get(url, headers=bearer(secret)).json()
        assert len(page["results"]) <= 2
        seen += [row["external_id"] for row in page["results"]]
        url = page["next"]
    assert seen == ["E4", "E3", "E2", "E1", "E0"]


@pytest.mark.parametrize(
    ("url", "decoded"),
    [
        *[(url, d) for url in ("/api/v1/reports/", "/api/v1/changes/") for d in FORGED_ID_CURSORS],
        ("/api/v1/regions/", "o=x"),
        ("/api/v1/regions/", "p=33\x00"),  # positions by code are text, but never with NUL
    ],
)
def test_broken_or_forged_cursor_is_a_validation_error_on_cursor(client, world, url, decoded):
    cursor = base64.b64encode(decoded.encode()).decode()
    response = get(client, url, new_key(world.agency), cursor=cursor)
    assert response.status_code == 400
    assert error_fields(response) == ["cursor"]


@pytest.mark.parametrize("limit", ["0", "-1", "x", "", "1.5"])
def test_broken_limit_is_a_validation_error_on_limit(client, world, limit):
    response = get(client, "/api/v1/reports/", new_key(world.agency), limit=limit)
    assert response.status_code == 400
    assert error_fields(response) == ["limit"]


def test_report_list_stays_within_its_query_budget(client, world, django_assert_max_num_queries):
    secret = new_key(world.agency)
    for number in range(6):
        post(client, "/api/v1/reports/", secret, report_payload(external_id=f"Q{number}"))
    for report in Report.objects.all()[:3]:
        advance(world, report, Status.DISPATCHED)
    get(client, "/api/v1/categories/", secret)  # last_used_at is fresh now
    # +2: the reads recorded in the report-openings log (one SELECT, one INSERT)
    with django_assert_max_num_queries(6):
        response = get(client, "/api/v1/reports/", secret)
    assert len(response.json()["results"]) == 6


def test_a_body_over_the_size_limit_is_a_413_in_the_api_error_shape(client, world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    payload = report_payload(body="a" * 20_000)

    response = post(client, "/api/v1/reports/", new_key(world.agency), payload)

    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["errors"][0]["code"] == "too_large"
    assert not Report.objects.exists()


# --- Changes feed -------------------------------------------------------------------


def test_changes_feed_lists_public_events_in_order_after_the_cursor(client, world):
    secret = new_key(world.agency)
    report = advance(world, submit(world)[0], Status.DISPATCHED)
    submit(world, title="Laporan lain untuk nasional")  # national queue: not visible
    page = get(client, "/api/v1/changes/", secret).json()
    ids = [row["id"] for row in page["results"]]
    assert ids == sorted(ids)
    assert [row["action"] for row in page["results"]] == ["submit", "dispatch", "dispatch"]
    assert {row["report"] for row in page["results"]} == {report.tracking_code}
    assert page["next"] is not None
    lifecycle.respond(report, as_user(world.liaison_a), "Sedang dikerjakan.")
    following = client.get(page["next"], headers=bearer(secret)).json()
    assert [row["action"] for row in following["results"]] == ["respond"]
    assert ReportEvent.objects.filter(report=report, action=Action.RESPOND).count() == 1
    # At the end of the feed, `next` stays usable for the next sync.
    assert client.get(following["next"], headers=bearer(secret)).json()["results"] == []


@pytest.fixture
def answered_just_now(world, settings) -> str:
    """An agency's key, with a report dispatched a minute ago and answered just now."""
    settings.ADUAN_CHANGES_LAG_SECONDS = 10
    with time_machine.travel(timezone.now() - datetime.timedelta(minutes=1)):
        report = advance(world, submit(world)[0], Status.DISPATCHED)
    lifecycle.respond(report, as_user(world.liaison_a), "Sedang dikerjakan.")
    return new_key(world.agency)


def test_changes_feed_waits_a_few_seconds_so_no_event_still_committing_is_passed(
    client, answered_just_now
):
    secret = answered_just_now
    page = get(client, "/api/v1/changes/", secret).json()

    assert [row["action"] for row in page["results"]] == ["submit", "dispatch", "dispatch"]
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=11)):
        later = client.get(page["next"], headers=bearer(secret)).json()
    assert [row["action"] for row in later["results"]] == ["respond"]


def test_a_back_dated_event_written_just_now_does_not_hurry_the_changes_feed(
    client, world, answered_just_now
):
    # A letter received a week ago, entered just now: its event is dated a week ago.
    report_at(world, timezone.now() - datetime.timedelta(days=7))

    rows = get(client, "/api/v1/changes/", answered_just_now).json()["results"]

    assert "respond" not in [row["action"] for row in rows]


def test_changes_feed_of_another_organization_is_empty(client, world):
    advance(world, submit(world)[0], Status.DISPATCHED)
    page = get(client, "/api/v1/changes/", new_key(world.other_agency)).json()
    assert page["results"] == []


def test_changes_feed_lists_a_private_change_of_status_without_its_text(client, world):
    secret = new_key(world.agency)
    report = advance(world, submit(world)[0], Status.DISPATCHED)
    lifecycle.not_our_remit(report, as_user(world.liaison_a), "Rahasia: urusan Dishub.")

    rows = get(client, "/api/v1/changes/", secret).json()["results"]

    remit = [row for row in rows if row["action"] == "not_our_remit"]
    assert len(remit) == 1
    assert (remit[0]["from_status"], remit[0]["to_status"]) == ("dispatched", "submitted")
    assert remit[0]["message"] == "" and remit[0]["attachments"] == []
    # A follower of the feed ends with the status the report has.
    assert rows[-1]["to_status"] == Report.objects.get(pk=report.pk).status


def test_a_unit_hears_in_its_feed_that_a_report_left_it_and_nothing_after(client, world):
    secret = new_key(world.unit_a)
    report = advance(world, submit(world)[0], Status.DISPATCHED)
    lifecycle.not_our_remit(report, as_user(world.liaison_a), "Urusan Dishub.")
    lifecycle.dispatch(report, as_user(world.agency_admin), world.unit_b)

    rows = get(client, "/api/v1/changes/", secret).json()["results"]

    assert [row["action"] for row in rows] == ["not_our_remit"]  # it sees the report no more
    assert get(client, f"/api/v1/reports/{report.tracking_code}/", secret).status_code == 404


def test_the_national_organizations_key_sees_every_report_as_its_admins_do(client, world):
    waiting = submit(world, title="Laporan di antrean nasional")[0]
    dispatched = advance(world, submit(world)[0], Status.DISPATCHED)
    secret = new_key(world.national)

    codes = {row["code"] for row in get(client, "/api/v1/reports/", secret).json()["results"]}

    assert codes == {waiting.tracking_code, dispatched.tracking_code}
    assert get(client, f"/api/v1/reports/{waiting.tracking_code}/", secret).status_code == 200
    # Not any top-level organization: only the one the national admins hold their role on.
    assert get(client, "/api/v1/reports/", new_key(world.ombudsman)).json()["results"] == []


# --- Responses ----------------------------------------------------------------------


def test_a_report_changed_meanwhile_is_a_409_telling_the_program_to_read_it_again(
    client, world, monkeypatch
):
    from aduan.api import views

    report = advance(world, submit(world)[0], Status.DISPATCHED)

    def changed_meanwhile(*args, **kwargs):
        raise lifecycle.stale_report()

    monkeypatch.setattr(views.ResponseCreate, "perform", staticmethod(changed_meanwhile))
    url = f"/api/v1/reports/{report.tracking_code}/responses/"
    response = post(client, url, new_key(world.unit_a), {"message": "Tim datang besok."})

    assert response.status_code == 409
    [error] = response.json()["errors"]
    assert error["code"] == "stale" and "Muat ulang halaman" not in error["message"]


def test_organization_responds_through_the_lifecycle(client, world):
    report = advance(world, submit(world)[0], Status.DISPATCHED)
    url = f"/api/v1/reports/{report.tracking_code}/responses/"
    response = post(client, url, new_key(world.unit_a), {"message": "Tim akan datang besok."})
    assert response.status_code == 201
    assert response.json()["action"] == "respond"
    report.refresh_from_db()
    assert report.status == Status.IN_PROGRESS
    assert report.first_response_at is not None
    event = report.events.get(action=Action.RESPOND)
    assert event.actor_organization == world.unit_a
    assert event.is_public
    # The service user that acts for the organization can never sign in.
    assert not event.actor.is_active
    assert not event.actor.has_usable_password()


def test_response_to_a_report_the_organization_does_not_handle_is_404(client, world):
    report = advance(world, submit(world)[0], Status.DISPATCHED)
    url = f"/api/v1/reports/{report.tracking_code}/responses/"
    for org in (world.unit_b, world.other_agency):
        response = post(client, url, new_key(org), {"message": "Bukan urusan kami."})
        assert response.status_code == 404
    report.refresh_from_db()
    assert report.status == Status.DISPATCHED


def test_response_before_verification_is_a_409(client, world):
    secret = new_key(world.agency)
    code = post(client, "/api/v1/reports/", secret, report_payload()).json()["code"]
    url = f"/api/v1/reports/{code}/responses/"
    response = post(client, url, secret, {"message": "Terlalu dini."})
    assert response.status_code == 409
    assert error_codes(response) == ["invalid_state"]


def test_empty_response_names_the_message_field(client, world):
    report = advance(world, submit(world)[0], Status.DISPATCHED)
    url = f"/api/v1/reports/{report.tracking_code}/responses/"
    response = post(client, url, new_key(world.unit_a), {"message": ""})
    assert response.status_code == 400
    assert error_fields(response) == ["message"]


def test_retried_response_with_an_idempotency_key_is_published_once(client, world):
    report = advance(world, submit(world)[0], Status.DISPATCHED)
    url = f"/api/v1/reports/{report.tracking_code}/responses/"
    secret = new_key(world.unit_a)
    headers = {"Idempotency-Key": "resp-1"}
    first = post(client, url, secret, {"message": "Sedang ditangani."}, **headers)
    again = post(client, url, secret, {"message": "Sedang ditangani."}, **headers)
    assert again.json() == first.json()
    assert report.events.filter(action=Action.RESPOND).count() == 1


# --- OpenAPI ------------------------------------------------------------------------


def test_openapi_document_lists_every_endpoint_and_its_errors(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    for path in [
        "/api/v1/categories/",
        "/api/v1/organizations/",
        "/api/v1/regions/",
        "/api/v1/reports/",
        "/api/v1/reports/{code}/",
        "/api/v1/reports/{code}/responses/",
        "/api/v1/reports/{code}/completion/",
        "/api/v1/reports/{code}/replies/",
        "/api/v1/changes/",
    ]:
        assert path in paths
    create = paths["/api/v1/reports/"]["post"]
    assert {"200", "201", "400", "401", "403", "409", "429"} <= set(create["responses"])
    assert "404" in paths["/api/v1/reports/{code}/"]["get"]["responses"]
    assert any(p["name"] == "Idempotency-Key" for p in create["parameters"])
    assert "Idempotent-Replayed" in create["responses"]["201"]["headers"]
    assert "Retry-After" in create["responses"]["429"]["headers"]
    assert "rating" in document["components"]["schemas"]["ReportOut"]["properties"]
    assert "apiKey" in document["components"]["securitySchemes"]


def test_method_an_endpoint_does_not_have_is_405_not_403(client, world):
    secret = new_key(world.agency)
    response = client.delete("/api/v1/reports/", headers=bearer(secret))
    assert response.status_code == 405
    assert "POST" in response["Allow"]
    assert client.delete("/api/v1/reports/").status_code == 401


def test_head_needs_the_same_scope_as_get(client, world):
    reader = new_key(world.agency, scopes=[Scope.REPORTS_READ])
    assert client.head("/api/v1/reports/", headers=bearer(reader)).status_code == 200
    writer = new_key(world.agency, scopes=[Scope.REPORTS_WRITE])
    assert client.head("/api/v1/reports/", headers=bearer(writer)).status_code == 403


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": 5}, "title"),
        ({"anonymous": 0}, "anonymous"),
        ({"confidential": "no"}, "confidential"),
        ({"latitude": "", "longitude": ""}, "latitude"),
        ({"latitude": "1e1"}, "latitude"),
        ({"reporter": {"email": 7}}, "reporter.email"),
        ({"region": ""}, "region"),
        ({"category": 1}, "category"),
    ],
)
def test_fields_take_only_the_json_types_the_document_promises(client, world, changes, field):
    response = post(client, "/api/v1/reports/", new_key(world.agency), report_payload(**changes))
    assert response.status_code == 400
    assert field in error_fields(response)


def test_coordinates_may_be_numbers(client, world):
    payload = report_payload(latitude=-7.7, longitude=109)
    response = post(client, "/api/v1/reports/", new_key(world.agency), payload)
    assert response.status_code == 201
    assert (response.json()["latitude"], response.json()["longitude"]) == (
        "-7.700000",
        "109.000000",
    )


def test_errors_are_in_indonesian_unless_the_program_asks_for_english(client, world):
    secret = new_key(world.agency)
    future = report_payload(incident_date="2999-01-01")
    indonesian = post(client, "/api/v1/reports/", secret, future)
    english = post(client, "/api/v1/reports/", secret, future, **{"Accept-Language": "en"})
    assert indonesian.status_code == english.status_code == 400
    assert english.json()["errors"][0]["message"] == (
        "The date of the incident cannot be in the future."
    )
    assert indonesian.json()["errors"][0]["message"] != english.json()["errors"][0]["message"]
    # Pages for people keep Indonesian whatever the browser says.
    page = client.get("/", headers={"Accept-Language": "en"})
    assert page.headers["Content-Language"] == "id"


def test_the_frameworks_own_messages_are_in_indonesian_too(client, world):
    secret = new_key(world.agency)
    blank = report_payload(title="")
    indonesian = post(client, "/api/v1/reports/", secret, blank)
    english = post(client, "/api/v1/reports/", secret, blank, **{"Accept-Language": "en"})
    assert indonesian.json()["errors"] == [
        {"field": "title", "code": "blank", "message": "Bidang ini tidak boleh kosong."}
    ]
    assert english.json()["errors"][0]["message"] == "This field may not be blank."
    assert client.get("/api/v1/reports/").json()["errors"][0]["message"] == (
        "Kunci API tidak dikirim."
    )


# --- Bodies and filters that could not be stored or compared ---------------------------


@pytest.mark.parametrize(
    "body",
    [b"[" * 100_000, b'{"title": "Lampu \\ud800 padam"}'],
)
def test_a_body_no_database_could_store_is_refused_with_a_parse_error(client, world, body):
    secret = new_key(world.agency)
    for headers in ({}, {"Idempotency-Key": "k-1"}):
        response = post(client, "/api/v1/reports/", secret, body, **headers)
        assert response.status_code == 400
        assert "parse" in str(response.json()).lower()
    assert not Report.objects.exists()


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00", "9999-12-31T23:59:59+14:00"])
def test_updated_since_outside_the_years_aduan_reckons_with_is_refused(client, world, moment):
    response = get(client, "/api/v1/reports/", new_key(world.agency), updated_since=moment)
    assert response.status_code == 400
    assert error_fields(response) == ["updated_since"]
    assert "2000" in str(response.json())


def test_control_characters_in_a_report_are_dropped(client, world):
    payload = report_payload(
        title="Lampu\x0b jalan padam",
        body="Gelap\x01 sekali di Jalan Diponegoro, mohon diperbaiki.",
    )
    response = post(client, "/api/v1/reports/", new_key(world.agency), payload)
    assert response.status_code == 201, response.content
    report = Report.objects.get()
    assert (report.title, report.body) == (
        "Lampu jalan padam",
        "Gelap sekali di Jalan Diponegoro, mohon diperbaiki.",
    )


@pytest.mark.parametrize("accept", ["f", "text/html", "application/xml", "image/png"])
def test_any_accept_header_gets_json_never_a_406(client, world, accept):
    secret = new_key(world.agency)
    created = post(client, "/api/v1/reports/", secret, report_payload(), Accept=accept)
    assert created.status_code == 201, created.content
    assert created["Content-Type"] == "application/json"
    refused = post(client, "/api/v1/reports/", secret, {"title": ""}, Accept=accept)
    assert refused.status_code == 400
    listed = client.get("/api/v1/reports/", headers={**bearer(secret), "Accept": accept})
    assert listed.status_code == 200 and listed.json()["results"]
