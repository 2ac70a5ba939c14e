"""FixMyStreet's service request updates extension at /open311/v2/servicerequestupdates."""

from __future__ import annotations

import re
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

import pytest
from django.utils import timezone

from aduan.api.models import ApiKey
from aduan.reports import lifecycle
from aduan.reports.models import Report, ReportEvent, Status
from tests.personas import advance, as_user, days_ago, submit

BASE = "/open311/v2/"
ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00$")
PHONE = "081234567890"
# The fields of a request_update, in the order FixMyStreet's Open311 adapter writes them.
UPDATE_FIELDS = [
    "update_id",
    "service_request_id",
    "status",
    "updated_datetime",
    "description",
    "media_url",
    "external_status_code",
]


def get_updates(client, fmt="json", expect=200, **params):
    response = client.get(f"{BASE}servicerequestupdates.{fmt}", params)
    assert response.status_code == expect, response.content
    return response.json() if fmt == "json" else ET.fromstring(response.content)


def post_update(client, fmt="json", **fields):
    return client.post(f"{BASE}servicerequestupdates.{fmt}", fields)


def handled_report(world, status=Status.DISPATCHED) -> Report:
    report, _secret = submit(world)
    return advance(world, report, status)


@pytest.fixture
def agency_key(world) -> str:
    _key, secret = ApiKey.issue(
        organization=world.agency, name="Sistem kabupaten", scopes=["reports:write"]
    )
    return secret


def update_fields(key, report, **extra) -> dict:
    fields = {
        "api_key": key,
        "service_request_id": report.tracking_code,
        "update_id": "crm-77",
        "updated_datetime": "2026-11-23T10:00:00+07:00",
        "status": "OPEN",
        "description": "Petugas sudah meninjau lokasi.",
        "locale": "en",
    }
    fields.update(extra)
    return fields


# GET


def test_updates_list_the_public_timeline_of_public_reports_oldest_first(client, world):
    report = handled_report(world)
    lifecycle.add_note(report, as_user(world.liaison_a), "Catatan internal RAHASIA")
    lifecycle.respond(report, as_user(world.liaison_a), f"Tim datang besok, hubungi {PHONE}.")
    hidden, _secret = submit(world)
    lifecycle.hold(hidden, as_user(world.national_admin), "Di mana lokasinya?")
    confidential = handled_report(world)
    lifecycle.set_flags(confidential, as_user(world.national_admin), confidential=True)
    body = get_updates(client)
    assert {u["service_request_id"] for u in body} == {report.tracking_code}
    public = report.events.filter(is_public=True).exclude(action="submit").order_by("at", "id")
    assert [u["update_id"] for u in body] == [str(e.pk) for e in public]
    last = body[-1]
    assert list(last) == UPDATE_FIELDS
    assert last["status"] == "open" and last["external_status_code"] == "in_progress"
    assert last["description"].startswith("Tim datang besok") and PHONE not in last["description"]
    assert ISO_WITH_OFFSET.match(last["updated_datetime"])
    assert last["media_url"] is None
    assert "RAHASIA" not in str(body)


def test_an_update_without_text_is_described_by_its_action(client, world):
    report = handled_report(world)
    first = get_updates(client, locale="en", service_request_id=report.tracking_code)[0]
    assert first["description"] == "Verified and dispatched"


def test_updates_xml_uses_fixmystreets_element_names(client, world):
    report = advance(world, handled_report(world), Status.CLOSED)
    root = get_updates(client, "xml")
    assert root.tag == "service_request_updates"
    updates = root.findall("request_update")
    assert len(updates) == report.events.filter(is_public=True).exclude(action="submit").count()
    assert [child.tag for child in updates[-1]] == UPDATE_FIELDS
    assert updates[-1].findtext("status") == "closed"
    assert updates[-1].findtext("service_request_id") == report.tracking_code
    assert updates[0].findtext("status") == "open"


def test_updates_follow_start_and_end_date_and_the_90_day_window(client, world):
    old = handled_report(world)
    ReportEvent.objects.filter(report=old).update(at=days_ago(120))
    recent = handled_report(world)
    assert {u["service_request_id"] for u in get_updates(client)} == {recent.tracking_code}
    window = {"start_date": days_ago(130).isoformat(), "end_date": days_ago(110).isoformat()}
    assert {u["service_request_id"] for u in get_updates(client, **window)} == {old.tracking_code}
    by_id = get_updates(client, service_request_id=old.tracking_code.lower(), **window)
    assert {u["service_request_id"] for u in by_id} == {old.tracking_code}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start_date": "kemarin"}, "start_date"),
        ({"end_date": "2026-02-30T00:00:00Z"}, "end_date"),
        ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, "90"),
        ({"page_size": "0"}, "page_size"),
    ],
)
def test_malformed_update_filters_are_400_naming_the_parameter(client, world, params, field):
    body = get_updates(client, expect=400, locale="en", **params)
    assert body[0]["code"] == 400 and field in body[0]["description"]
    root = get_updates(client, "xml", expect=400, locale="en", **params)
    assert root.findtext("error/description") == body[0]["description"]


def test_updates_page_through_with_page_and_page_size(client, world):
    advance(world, handled_report(world), Status.CLOSED)
    every = [u["update_id"] for u in get_updates(client)]
    assert len(every) >= 4
    assert [u["update_id"] for u in get_updates(client, page_size="2", page="2")] == every[2:4]


def test_updates_list_has_a_query_budget(client, world, django_assert_max_num_queries):
    for _ in range(5):
        advance(world, handled_report(world), Status.COMPLETED)
    with django_assert_max_num_queries(2):
        body = get_updates(client)
    public = ReportEvent.objects.filter(is_public=True).exclude(action="submit")
    assert len(body) == public.count() >= 5 * 4


# POST


def test_an_organization_posts_its_response_through_the_lifecycle(client, world, agency_key):
    report = handled_report(world)
    response = post_update(client, **update_fields(agency_key, report))
    assert response.status_code == 200, response.content
    (answer,) = response.json()
    event = ReportEvent.objects.get(pk=answer["update_id"])
    assert event.report == report and event.action == "respond"
    assert event.message == "Petugas sudah meninjau lokasi." and event.is_public
    assert event.actor_organization == world.agency
    report.refresh_from_db()
    assert report.status == Status.IN_PROGRESS and report.first_response_at is not None
    listed = get_updates(client, service_request_id=report.tracking_code)
    assert listed[-1]["update_id"] == answer["update_id"]


def test_an_offset_whose_plus_was_sent_unencoded_is_still_read(client, world, agency_key):
    # `curl -d updated_datetime=2026-11-23T10:00:00+07:00` sends the "+" as is: a space.
    body = urlencode(update_fields(agency_key, handled_report(world))).replace("%2B", "+")

    response = client.post(
        f"{BASE}servicerequestupdates.json", body, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200, response.content


def test_a_closed_update_is_the_final_response(client, world, agency_key):
    report = handled_report(world, Status.IN_PROGRESS)
    fields = update_fields(agency_key, report, status="closed", update_id="crm-78")
    response = post_update(client, "xml", **fields)
    assert response.status_code == 200, response.content
    root = ET.fromstring(response.content)
    assert root.tag == "service_request_updates"
    update_id = root.findtext("request_update/update_id")
    assert ReportEvent.objects.get(pk=update_id).action == "complete"
    report.refresh_from_db()
    assert report.status == Status.COMPLETED


def test_the_same_update_id_sent_again_returns_the_first_answer(client, world, agency_key):
    report = handled_report(world)
    first = post_update(client, **update_fields(agency_key, report)).json()[0]
    again = post_update(client, **update_fields(agency_key, report)).json()[0]
    assert again == first
    assert report.events.filter(action="respond").count() == 1
    changed = post_update(client, **update_fields(agency_key, report, description="Lain"))
    assert changed.status_code == 400 and "update_id" in changed.json()[0]["description"]
    fresh = post_update(client, **update_fields(agency_key, report, update_id="crm-79"))
    assert fresh.json()[0]["update_id"] != first["update_id"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_wrong_revoked_or_read_only_key_is_refused_with_403(client, world, agency_key, fmt):
    report = handled_report(world)
    revoked, revoked_secret = ApiKey.issue(
        organization=world.agency, name="Lama", scopes=["reports:write"]
    )
    revoked.revoked_at = timezone.now()
    revoked.save()
    _reader, reader_secret = ApiKey.issue(
        organization=world.agency, name="Baca", scopes=["reports:read"]
    )
    for key in ("", "adn_salah", revoked_secret, reader_secret):
        response = post_update(client, fmt, **update_fields(key, report))
        assert response.status_code == 403, key
        if fmt == "json":
            assert response.json()[0]["code"] == 403
        else:
            assert ET.fromstring(response.content).findtext("error/code") == "403"
    assert not report.events.filter(action="respond").exists()


def test_another_organizations_key_cannot_respond_and_learns_nothing(client, world):
    report = handled_report(world)
    _key, other = ApiKey.issue(
        organization=world.other_agency, name="Lain", scopes=["reports:write"]
    )
    response = post_update(client, **update_fields(other, report))
    assert response.status_code == 404
    assert response.json()[0]["description"] == f"Request {report.tracking_code} not found."
    assert not report.events.filter(action="respond").exists()


def test_a_report_not_yet_dispatched_cannot_get_a_response(client, world, agency_key):
    code = client.post(
        BASE + "requests.json",
        {
            "api_key": agency_key,
            "service_code": "jalan-rusak",
            "address_string": "Jl. Merdeka 1",
            "description": "Lampu jalan mati",
        },
    ).json()[0]["service_request_id"]
    report = Report.objects.get(tracking_code=code)
    response = post_update(client, **update_fields(agency_key, report))
    assert response.status_code == 400
    assert "not possible" in response.json()[0]["description"]
    assert not report.events.filter(action="respond").exists()


def test_a_completed_report_takes_no_further_update(client, world, agency_key):
    report = handled_report(world, Status.COMPLETED)
    response = post_update(client, "xml", **update_fields(agency_key, report, status="FIXED"))
    assert response.status_code == 400
    assert "not possible" in ET.fromstring(response.content).findtext("error/description")
    assert report.events.filter(action="complete").count() == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"service_request_id": ""}, "service_request_id"),
        ({"description": ""}, "description"),
        ({"status": ""}, "status"),
        ({"status": "MAYBE"}, "status"),
        ({"updated_datetime": "tadi pagi"}, "updated_datetime"),
    ],
)
def test_bad_update_fields_are_400_naming_the_field(client, world, agency_key, change, field):
    report = handled_report(world)
    response = post_update(client, **update_fields(agency_key, report, **change))
    assert response.status_code == 400
    assert any(field in error["description"] for error in response.json())
    assert not report.events.filter(action="respond").exists()


def test_an_unknown_request_id_is_404(client, world, agency_key):
    report = handled_report(world)
    fields = update_fields(agency_key, report, service_request_id="ZZZZ-9999")
    assert post_update(client, **fields).status_code == 404
