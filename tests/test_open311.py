"""Open311 GeoReport v2 at /open311/v2/: both formats, every filter, privacy, POST."""

from __future__ import annotations

import datetime
import io
import json
import re
from xml.etree import ElementTree as ET

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from PIL import Image

from aduan.api.models import ApiKey
from aduan.channels.intake import Draft, submit_report
from aduan.organizations.models import Category
from aduan.reports import lifecycle
from aduan.reports.models import Channel, Report, Status
from tests.personas import advance, as_user, days_ago, submit

BASE = "/open311/v2/"
ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00$")
NIK = "3201234567890123"
PHONE = "081234567890"
SPEC_FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
PRIVATE_BODY = f"Jalan rusak parah. NIK saya {NIK}, hubungi {PHONE} kalau perlu."


def get_json(client, path, expect=200, **params):
    response = client.get(BASE + path, params)
    assert response.status_code == expect, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return response.json()


def get_xml(client, path, expect=200, **params):
    response = client.get(BASE + path, params)
    assert response.status_code == expect, response.content
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(response.content)


def ids(body) -> list[str]:
    return [item["service_request_id"] for item in body]


def public_report(world, **fields) -> Report:
    report, _secret = submit(world, **fields)
    return advance(world, report, Status.DISPATCHED)


def png(name="foto.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


@pytest.fixture
def writer_key(world) -> str:
    _key, secret = ApiKey.issue(
        organization=world.agency, name="Aplikasi kota", scopes=["reports:write"]
    )
    return secret


def post_request(client, fmt="json", **fields):
    return client.post(f"{BASE}requests.{fmt}", fields)


def valid_post(key, **extra) -> dict:
    fields = {
        "api_key": key,
        "service_code": "jalan-rusak",
        "lat": "-6.914744",
        "long": "107.609810",
        "address_string": "Jl. Merdeka 1, Bandung",
        "description": "Lampu jalan mati sejak minggu lalu di depan sekolah dasar negeri",
        "email": "Warga@Example.id",
        "first_name": "Ani",
        "last_name": "Pelapor",
        "phone": "0812-1111-2222",
        "locale": "en",
    }
    fields.update(extra)
    return fields


# Discovery


def test_discovery_json_lists_the_georeport_endpoint_with_an_absolute_url(client, world, settings):
    settings.SITE_URL = "https://aduan.example.id"
    body = get_json(client, "discovery.json")
    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "https://aduan.example.id/open311/v2/"
    assert endpoint["type"] == "production"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert ISO_WITH_OFFSET.match(body["changeset"])
    assert body["contact"]
    assert body["key_service"] == "https://aduan.example.id" + reverse("workspace:apikeys")


def test_discovery_xml_uses_the_spec_element_names(client, world):
    root = get_xml(client, "discovery.xml")
    assert root.tag == "discovery"
    endpoint = root.find("endpoints/endpoint")
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert [f.text for f in endpoint.findall("formats/format")] == [
        "text/xml",
        "application/json",
    ]


def test_unknown_format_suffix_and_unknown_path_are_404(client, world):
    assert client.get(BASE + "discovery.csv").status_code == 404
    response = client.get(BASE + "nothing-here.json")
    assert response.status_code == 404
    assert response.json()[0]["code"] == 404
    root = ET.fromstring(client.get(BASE + "services.yaml.xml").content)
    assert root.tag == "errors" and root.findtext("error/code") == "404"


def test_root_redirects_to_discovery(client, world):
    response = client.get(BASE)
    assert response.status_code == 302
    assert response["Location"] == reverse("open311:discovery", kwargs={"fmt": "json"})


# Services


def test_services_json_lists_each_active_sub_category(client, world):
    world.potholes.name_en = "Damaged road"
    world.potholes.save()
    Category.objects.create(name="Lama", slug="lama", parent=world.roads, is_active=False)
    body = get_json(client, "services.json")
    assert body == [
        {
            "service_code": "jalan-rusak",
            "service_name": "Jalan Rusak",
            "description": "Infrastruktur › Jalan Rusak",
            "metadata": True,
            "type": "realtime",
            "keywords": "Jalan Rusak, Damaged road, Infrastruktur",
            "group": "Infrastruktur",
        }
    ]
    english = get_json(client, "services.json", locale="en")
    assert english[0]["service_name"] == "Damaged road"


def test_services_xml_uses_service_elements(client, world):
    root = get_xml(client, "services.xml")
    assert root.tag == "services"
    services = root.findall("service")
    assert len(services) == 1
    assert services[0].findtext("service_code") == "jalan-rusak"
    assert services[0].findtext("metadata") == "true"
    assert services[0].findtext("type") == "realtime"
    assert services[0].findtext("group") == "Infrastruktur"


def test_service_definition_offers_kind_and_incident_date(client, world):
    body = get_json(client, "services/jalan-rusak.json")
    assert body["service_code"] == "jalan-rusak"
    kind, incident = body["attributes"]
    assert kind["code"] == "kind" and kind["datatype"] == "singlevaluelist"
    assert kind["required"] is False and kind["variable"] is True
    assert [v["key"] for v in kind["values"]] == ["complaint", "aspiration", "information"]
    assert incident["code"] == "incident_date" and incident["datatype"] == "datetime"


def test_service_definition_xml_nests_attributes_and_values(client, world):
    root = get_xml(client, "services/jalan-rusak.xml")
    assert root.tag == "service_definition"
    attribute = root.find("attributes/attribute")
    assert attribute.findtext("code") == "kind"
    assert attribute.findtext("required") == "false"
    assert [v.findtext("key") for v in attribute.findall("values/value")] == [
        "complaint",
        "aspiration",
        "information",
    ]


def test_unknown_or_top_level_service_code_is_404_with_an_error_body(client, world):
    assert get_json(client, "services/tidak-ada.json", expect=404, locale="en") == [
        {"code": 404, "description": "Service tidak-ada not found."}
    ]
    get_json(client, "services/infrastruktur.json", expect=404)
    root = get_xml(client, "services/tidak-ada.xml", expect=404, locale="en")
    assert root.tag == "errors"
    assert root.findtext("error/code") == "404"
    assert root.findtext("error/description") == "Service tidak-ada not found."


# Requests: what is listed


def test_requests_list_only_public_reports(client, world):
    shown = public_report(world)
    unverified, _secret = submit(world, title="Belum diverifikasi")
    confidential = public_report(world, is_confidential=True)
    archived, _secret = submit(world)
    advance(world, archived, Status.ARCHIVED)
    listed = ids(get_json(client, "requests.json"))
    assert listed == [shown.tracking_code]
    for hidden in (unverified, confidential, archived):
        get_json(client, f"requests/{hidden.tracking_code}.json", expect=404)
        assert get_json(client, "requests.json", service_request_id=hidden.tracking_code) == []


def test_request_fields_follow_the_spec(client, world, settings):
    settings.SITE_URL = "https://aduan.example.id"
    report = public_report(world, latitude=-6.2, longitude=106.816666, address="Jl. Merdeka")
    lifecycle.respond(report, as_user(world.liaison_a), "Tim datang besok.")
    report.refresh_from_db()
    (item,) = get_json(client, f"requests/{report.tracking_code}.json")
    assert item["service_request_id"] == report.tracking_code
    assert item["status"] == "open"
    assert item["status_notes"] == "Tim datang besok."
    assert item["service_code"] == "jalan-rusak" and item["service_name"] == "Jalan Rusak"
    assert item["agency_responsible"] == world.unit_a.name
    # Rounded to about 110 m, as on every public surface.
    assert item["lat"] == -6.2 and item["long"] == 106.817
    assert item["address"] == "Jl. Merdeka"
    assert item["media_url"] is None
    for field in ("requested_datetime", "updated_datetime"):
        assert ISO_WITH_OFFSET.match(item[field]), item[field]
    assert report.due_at is not None
    assert ISO_WITH_OFFSET.match(item["expected_datetime"])
    assert set(item) >= {"service_notice", "address_id", "zipcode", "expected_datetime"}


def test_a_request_without_a_category_has_an_empty_service_code_not_a_null(client, world):
    report = public_report(world, category=None)

    (item,) = get_json(client, f"requests/{report.tracking_code}.json")
    xml = get_xml(client, f"requests/{report.tracking_code}.xml")

    assert (item["service_code"], item["service_name"]) == ("", "")
    assert xml.find(".//service_code").text in (None, "")


def test_a_service_name_follows_the_locale_asked_for(client, world):
    world.potholes.name_en = "Damaged roads"
    world.potholes.save()
    report = public_report(world)

    (item,) = get_json(client, f"requests/{report.tracking_code}.json", locale="en")

    assert item["service_name"] == "Damaged roads"


def test_expected_datetime_is_the_reports_due_time(client, world):
    report = public_report(world)
    Report.objects.filter(pk=report.pk).update(due_at=days_ago(-3))
    report.refresh_from_db()
    (item,) = get_json(client, f"requests/{report.tracking_code}.json")
    local = item["expected_datetime"]
    assert ISO_WITH_OFFSET.match(local)
    assert parse_datetime(local) == report.due_at.replace(microsecond=0)


def test_request_xml_uses_service_requests_and_request_elements(client, world):
    report = public_report(world)
    closed = advance(world, public_report(world), Status.CLOSED)
    root = get_xml(client, "requests.xml")
    assert root.tag == "service_requests"
    requests = {r.findtext("service_request_id"): r for r in root.findall("request")}
    assert requests[report.tracking_code].findtext("status") == "open"
    assert requests[closed.tracking_code].findtext("status") == "closed"
    first = requests[report.tracking_code]
    assert ISO_WITH_OFFSET.match(first.findtext("requested_datetime"))
    assert [child.tag for child in first] == SPEC_FIELDS
    assert first.findtext("media_url") == ""
    single = get_xml(client, f"requests/{report.tracking_code}.xml")
    assert [r.findtext("service_request_id") for r in single] == [report.tracking_code]


def test_personal_data_is_masked_in_every_field_and_format(client, world):
    report = public_report(world, body=PRIVATE_BODY, address=f"Rumah {PHONE}")
    lifecycle.respond(report, as_user(world.liaison_a), f"Kami telepon {PHONE} besok.")
    for fmt in ("json", "xml"):
        for path in ("requests", f"requests/{report.tracking_code}"):
            text = client.get(f"{BASE}{path}.{fmt}", {"extensions": "true"}).content.decode()
            assert report.tracking_code in text
            assert NIK not in text and PHONE not in text and "1234567890" not in text
            assert "budi@example.id" not in text and "Budi Tamu" not in text
            assert "Jalan rusak parah" in text


def test_media_url_points_to_the_portal_attachment_of_a_public_report(client, world, settings):
    settings.SITE_URL = "https://aduan.example.id"
    from aduan.reports.attachments import clean_uploads

    report, _secret = submit(world, attachments=clean_uploads([png()]))
    attachment = report.attachments.get()
    get_json(client, f"requests/{report.tracking_code}.json", expect=404)
    advance(world, report, Status.DISPATCHED)
    (item,) = get_json(client, f"requests/{report.tracking_code}.json")
    path = reverse("portal:attachment", args=[report.tracking_code, attachment.pk])
    assert item["media_url"] == "https://aduan.example.id" + path
    assert client.get(path).status_code == 200


# Requests: filters


def test_service_request_id_list_overrides_every_other_filter(client, world):
    first, second, third = (public_report(world) for _ in range(3))
    body = get_json(
        client,
        "requests.json",
        service_request_id=f"{first.tracking_code}, {third.tracking_code.lower()}",
        status="closed",
        service_code="nothing",
    )
    assert set(ids(body)) == {first.tracking_code, third.tracking_code}


def test_service_code_filter_accepts_a_comma_list(client, world):
    lights = Category.objects.create(name="Lampu Jalan", slug="lampu-jalan", parent=world.roads)
    road = public_report(world)
    lamp = public_report(world, category=lights)
    assert ids(get_json(client, "requests.json", service_code="lampu-jalan")) == [
        lamp.tracking_code
    ]
    both = get_json(client, "requests.json", service_code="lampu-jalan,jalan-rusak")
    assert set(ids(both)) == {road.tracking_code, lamp.tracking_code}


def test_status_filter_splits_open_and_closed(client, world):
    open_report = public_report(world)
    closed = advance(world, public_report(world), Status.CLOSED)
    assert ids(get_json(client, "requests.json", status="open")) == [open_report.tracking_code]
    assert ids(get_json(client, "requests.json", status="closed")) == [closed.tracking_code]
    both = get_json(client, "requests.json", status="open,closed")
    assert set(ids(both)) == {open_report.tracking_code, closed.tracking_code}
    error = get_json(client, "requests.json", expect=400, status="pending", locale="en")
    assert error[0]["code"] == 400 and "status" in error[0]["description"]


def old_public_report(world, days: int) -> Report:
    draft = Draft(title="Laporan lama", body="Jembatan retak di desa.", category=world.potholes)
    report = submit_report(draft, at=days_ago(days)).report
    return advance(world, report, Status.DISPATCHED)


def test_default_window_is_the_last_90_days_and_dates_select_older_ones(client, world):
    recent = public_report(world)
    old = old_public_report(world, 120)
    assert ids(get_json(client, "requests.json")) == [recent.tracking_code]
    start = days_ago(130).isoformat()
    assert ids(get_json(client, "requests.json", start_date=start)) == [old.tracking_code]
    end = days_ago(100).isoformat()
    assert ids(get_json(client, "requests.json", end_date=end)) == [old.tracking_code]
    window = {"start_date": days_ago(10).isoformat(), "end_date": days_ago(-1).isoformat()}
    assert ids(get_json(client, "requests.json", **window)) == [recent.tracking_code]


def test_dates_with_any_offset_or_z_are_understood(client, world):
    report = public_report(world)
    jakarta = timezone.localtime(report.submitted_at)
    minute = datetime.timedelta(minutes=1)
    before = (jakarta - minute).isoformat(timespec="seconds")
    assert before.endswith("+07:00")
    assert ids(get_json(client, "requests.json", start_date=before)) == [report.tracking_code]
    later_utc = (report.submitted_at + minute).astimezone(datetime.UTC)
    later_z = later_utc.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert get_json(client, "requests.json", start_date=later_z) == []
    assert ids(get_json(client, "requests.json", end_date=later_z)) == [report.tracking_code]


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "kemarin"},
        {"end_date": "2026-13-45T00:00:00+07:00"},
        {"start_date": "2026-01-01T00:00:00+07:00", "end_date": "2026-06-01T00:00:00+07:00"},
        {"start_date": "2026-06-01T00:00:00+07:00", "end_date": "2026-05-01T00:00:00+07:00"},
        {"updated_after": "soon"},
        {"page": "0"},
        {"page_size": "-5"},
        {"page": "²"},  # a digit to str.isdigit, not to int()
        {"page_size": "²"},
        {"start_date": "0001-01-01"},  # would overflow once put in a time zone
        {"end_date": "9999-12-31"},
    ],
)
def test_malformed_parameters_are_400_in_both_formats(client, world, params):
    body = get_json(client, "requests.json", expect=400, **params)
    assert body[0]["code"] == 400 and body[0]["description"]
    root = get_xml(client, "requests.xml", expect=400, **params)
    assert root.tag == "errors"
    assert root.findtext("error/code") == "400"
    assert root.findtext("error/description") == body[0]["description"]


def test_page_and_page_size_walk_the_list_newest_first(client, world):
    reports = [public_report(world) for _ in range(5)]
    newest_first = [r.tracking_code for r in reversed(reports)]
    assert ids(get_json(client, "requests.json", page_size="2")) == newest_first[:2]
    assert ids(get_json(client, "requests.json", page_size="2", page="3")) == newest_first[4:]
    assert get_json(client, "requests.json", page_size="2", page="4") == []
    assert ids(get_json(client, "requests.json", page_size="5000")) == newest_first


def test_page_size_is_capped_at_1000(world):
    from django.http import QueryDict

    from aduan.open311.filters import parse_request_filter

    assert parse_request_filter(QueryDict("page_size=5000")).page_size == 1000
    assert parse_request_filter(QueryDict("")).page_size == 1000


def test_updated_after_and_before_filter_on_the_last_change(client, world):
    quiet = public_report(world)
    Report.objects.filter(pk=quiet.pk).update(updated_at=days_ago(5))
    busy = public_report(world)
    cutoff = days_ago(1).isoformat()
    assert ids(get_json(client, "requests.json", updated_after=cutoff)) == [busy.tracking_code]
    assert ids(get_json(client, "requests.json", updated_before=cutoff)) == [quiet.tracking_code]


def test_extensions_add_detailed_status_and_public_history_only(client, world):
    report = public_report(world)
    lifecycle.add_note(report, as_user(world.liaison_a), "Catatan internal RAHASIA")
    lifecycle.respond(report, as_user(world.liaison_a), "Tim sudah dijadwalkan.")
    plain = get_json(client, f"requests/{report.tracking_code}.json")[0]
    assert "extended_attributes" not in plain
    (item,) = get_json(client, "requests.json", extensions="true")
    extra = item["extended_attributes"]
    assert extra["detailed_status"] == "in_progress"
    assert extra["kind"] == "complaint"
    notes = extra["notes"]
    assert [n["type"] for n in notes][-1] == "respond"
    assert notes[-1]["description"] == "Tim sudah dijadwalkan."
    assert notes[-1]["status"] == "open" and notes[-1]["detailed_status"] == "in_progress"
    assert all(ISO_WITH_OFFSET.match(n["datetime"]) for n in notes)
    assert "RAHASIA" not in json.dumps(item)
    root = get_xml(client, "requests.xml", extensions="true")
    xml_notes = root.findall("request/extended_attributes/notes/note")
    assert xml_notes[-1].findtext("description") == "Tim sudah dijadwalkan."


def test_requests_list_has_a_query_budget(client, world, django_assert_max_num_queries):
    from aduan.reports.attachments import clean_uploads

    for _ in range(6):
        report, _secret = submit(world, attachments=clean_uploads([png()]))
        advance(world, report, Status.IN_PROGRESS)
    with django_assert_max_num_queries(3):
        body = get_json(client, "requests.json", extensions="true")
    assert len(body) == 6 and all(item["media_url"] for item in body)


# Tokens


def test_token_returns_the_id_of_a_public_request_and_404_otherwise(client, world):
    report = public_report(world)
    body = get_json(client, f"tokens/{report.tracking_code}.json")
    assert body == [{"service_request_id": report.tracking_code, "token": report.tracking_code}]
    root = get_xml(client, f"tokens/{report.tracking_code}.xml")
    assert root.findtext("request/token") == report.tracking_code
    get_json(client, "tokens/ZZZZ-9999.json", expect=404)
    hidden, _secret = submit(world)
    get_json(client, f"tokens/{hidden.tracking_code}.json", expect=404)


# POST requests


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_without_api_key_is_refused_with_403(client, world, fmt):
    fields = valid_post("")
    del fields["api_key"]
    response = post_request(client, fmt, **fields)
    assert response.status_code == 403
    if fmt == "json":
        assert response.json()[0]["code"] == 403
    else:
        assert ET.fromstring(response.content).findtext("error/code") == "403"
    assert not Report.objects.exists()


def test_post_with_a_wrong_revoked_or_read_only_key_is_refused(client, world, writer_key):
    revoked, revoked_secret = ApiKey.issue(
        organization=world.agency, name="Lama", scopes=["reports:write"]
    )
    revoked.revoked_at = timezone.now()
    revoked.save()
    _reader, reader_secret = ApiKey.issue(
        organization=world.agency, name="Baca", scopes=["reports:read"]
    )
    for key in ("adn_salah", revoked_secret, reader_secret, writer_key + "x"):
        response = post_request(client, **valid_post(key))
        assert response.status_code == 403, key
        assert "api_key" in response.json()[0]["description"]
    assert not Report.objects.exists()


def test_post_creates_an_open311_report_for_the_keys_organization(client, world, writer_key):
    response = post_request(client, **valid_post(writer_key, **{"attribute[kind]": "aspiration"}))
    assert response.status_code == 200, response.content
    (answer,) = response.json()
    assert answer["account_id"] is None and answer["service_notice"]
    report = Report.objects.get(tracking_code=answer["service_request_id"])
    assert report.channel == Channel.OPEN311
    assert report.category == world.potholes
    assert report.kind == "aspiration"
    assert float(report.latitude) == -6.914744 and float(report.longitude) == 107.60981
    assert report.address == "Jl. Merdeka 1, Bandung"
    assert report.title == "Lampu jalan mati sejak minggu lalu di depan…"
    assert report.guest_name == "Ani Pelapor"
    assert report.guest_email == "warga@example.id"
    assert report.guest_phone == "+6281211112222"
    assert report.organization == world.agency
    assert report.status == Status.SUBMITTED


def test_post_xml_answers_with_a_request_element(client, world, writer_key):
    response = post_request(client, "xml", **valid_post(writer_key))
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    assert root.tag == "service_requests"
    code = root.findtext("request/service_request_id")
    assert Report.objects.filter(tracking_code=code).exists()
    assert root.find("request/account_id") is not None


def test_an_accidental_double_post_makes_one_report(client, world, writer_key):
    first = post_request(client, **valid_post(writer_key)).json()[0]
    second = post_request(client, **valid_post(writer_key)).json()[0]
    assert first["service_request_id"] == second["service_request_id"]
    other = post_request(client, **valid_post(writer_key, description="Hal lain sama sekali"))
    assert other.json()[0]["service_request_id"] != first["service_request_id"]
    assert Report.objects.count() == 2


def test_a_repeat_is_the_same_report_for_ten_minutes_after_the_latest_one(
    client, world, writer_key
):
    start = timezone.now()
    first = post_request(client, **valid_post(writer_key)).json()[0]["service_request_id"]
    # Nine minutes later is still the same POST, wherever a clock boundary falls.
    with time_machine.travel(start + datetime.timedelta(minutes=9)):
        again = post_request(client, **valid_post(writer_key)).json()[0]["service_request_id"]
    with time_machine.travel(start + datetime.timedelta(minutes=11)):
        later = post_request(client, **valid_post(writer_key)).json()[0]["service_request_id"]
    with time_machine.travel(start + datetime.timedelta(minutes=20)):
        repeat = post_request(client, **valid_post(writer_key)).json()[0]["service_request_id"]
    with time_machine.travel(start + datetime.timedelta(minutes=40)):
        third = post_request(client, **valid_post(writer_key)).json()[0]["service_request_id"]
    assert again == first
    assert later != first
    assert repeat == later
    assert third not in {first, later}
    assert Report.objects.count() == 3


def test_device_and_client_request_id_make_a_retry_idempotent(client, world, writer_key):
    ids_ = {"device_id": "hp-1", "client_request_id": "42"}
    first = post_request(client, **valid_post(writer_key, **ids_)).json()[0]
    retry = post_request(client, **valid_post(writer_key, description="Teks diubah", **ids_))
    assert retry.json()[0]["service_request_id"] == first["service_request_id"]
    fresh = post_request(client, **valid_post(writer_key, device_id="hp-1", client_request_id="43"))
    assert fresh.json()[0]["service_request_id"] != first["service_request_id"]


def test_post_accepts_a_media_upload(client, world, writer_key):
    response = client.post(BASE + "requests.json", {**valid_post(writer_key), "media": png()})
    assert response.status_code == 200, response.content
    report = Report.objects.get(tracking_code=response.json()[0]["service_request_id"])
    assert report.attachments.get().content_type == "image/png"
    fake = SimpleUploadedFile("foto.png", b"not an image", content_type="image/png")
    refused = client.post(BASE + "requests.json", {**valid_post(writer_key), "media": fake})
    assert refused.status_code == 400


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"service_code": ""}, "service_code"),
        ({"description": ""}, "description"),
        ({"lat": "", "long": "", "address_string": ""}, "lat"),
        ({"lat": "utara"}, "lat"),
        ({"long": "", "address_string": ""}, "long"),
        ({"attribute[kind]": "gossip"}, "attribute[kind]"),
        ({"attribute[incident_date]": "kemarin"}, "incident_date"),
        ({"attribute[incident_date]": "2100-01-01T00:00:00+07:00"}, "incident_date"),
        ({"description": "x" * 20_001}, "description"),
        ({"email": "bukan-email"}, "email"),
        ({"phone": "12"}, "phone"),
    ],
)
def test_post_with_bad_fields_is_400_and_names_the_field(client, world, writer_key, change, words):
    response = post_request(client, **valid_post(writer_key, **change))
    assert response.status_code == 400
    assert any(words in error["description"] for error in response.json())
    assert not Report.objects.exists()


def test_the_posting_key_sees_its_unverified_report_by_id_and_nobody_else(
    client, world, writer_key
):
    fields = valid_post(writer_key, description=PRIVATE_BODY)
    code = post_request(client, **fields).json()[0]["service_request_id"]
    get_json(client, f"requests/{code}.json", expect=404)
    get_json(client, f"requests/{code}.json", expect=404, api_key="adn_salah")
    _other, other_secret = ApiKey.issue(
        organization=world.other_agency, name="Lain", scopes=["reports:write"]
    )
    get_json(client, f"requests/{code}.json", expect=404, api_key=other_secret)
    (item,) = get_json(client, f"requests/{code}.json", api_key=writer_key)
    assert item["status"] == "open"
    assert NIK not in item["description"] and PHONE not in item["description"]
    assert "Ani" not in json.dumps(item) and "warga@" not in json.dumps(item)
    assert item["media_url"] is None
    assert code not in ids(get_json(client, "requests.json"))
    token = get_json(client, f"tokens/{code}.json", api_key=writer_key)
    assert token[0]["service_request_id"] == code


def test_the_posting_key_no_longer_sees_a_report_made_confidential(client, world, writer_key):
    code = post_request(client, **valid_post(writer_key)).json()[0]["service_request_id"]
    report = Report.objects.get(tracking_code=code)
    lifecycle.set_flags(report, as_user(world.national_admin), confidential=True)
    get_json(client, f"requests/{code}.json", expect=404, api_key=writer_key)


def test_services_and_one_request_have_query_budgets(client, world, django_assert_max_num_queries):
    for number in range(5):
        Category.objects.create(
            name=f"Layanan {number}", slug=f"layanan-{number}", parent=world.roads
        )
    with django_assert_max_num_queries(1):
        assert len(get_json(client, "services.json")) == 6
    report = public_report(world)
    with django_assert_max_num_queries(4):
        get_json(client, f"requests/{report.tracking_code}.json", extensions="true")


# Audit against the specification: jurisdictions, locations, attributes, errors


@pytest.mark.parametrize(
    "given",
    [
        "aduan.example.id",
        "www.aduan.example.id",
        "https://aduan.example.id/",
        "ADUAN.example.id:8443",
    ],
)
def test_our_own_jurisdiction_id_is_accepted_in_any_usual_spelling(client, world, settings, given):
    settings.SITE_URL = "https://aduan.example.id"
    body = get_json(client, "services.json", jurisdiction_id=given)
    assert [s["service_code"] for s in body] == ["jalan-rusak"]


@pytest.mark.parametrize("path", ["services", "services/jalan-rusak", "requests", "discovery"])
def test_an_unknown_jurisdiction_id_is_the_specs_404_naming_it(client, world, settings, path):
    settings.SITE_URL = "https://aduan.example.id"
    error = get_json(client, f"{path}.json", expect=404, jurisdiction_id="sfgov.org", locale="en")
    assert error[0]["code"] == 404
    assert "jurisdiction_id sfgov.org not found" in error[0]["description"]
    assert "aduan.example.id" in error[0]["description"]
    root = get_xml(client, f"{path}.xml", expect=404, jurisdiction_id="sfgov.org")
    assert root.tag == "errors" and root.findtext("error/code") == "404"


def test_a_post_for_another_jurisdiction_makes_no_report(client, world, writer_key):
    response = post_request(client, **valid_post(writer_key, jurisdiction_id="sfgov.org"))
    assert response.status_code == 404
    assert "jurisdiction_id" in response.json()[0]["description"]
    assert not Report.objects.exists()


def test_post_for_an_unknown_service_code_is_404_as_the_spec_says(client, world, writer_key):
    response = post_request(client, "xml", **valid_post(writer_key, service_code="tidak-ada"))
    assert response.status_code == 404
    root = ET.fromstring(response.content)
    assert root.findtext("error/code") == "404"
    assert "service_code tidak-ada" in root.findtext("error/description")
    assert not Report.objects.exists()


def test_address_id_alone_is_a_location(client, world, writer_key):
    fields = valid_post(writer_key, lat="", long="", address_string="", address_id="RT05-RW02")
    response = post_request(client, **fields)
    assert response.status_code == 200, response.content
    report = Report.objects.get(tracking_code=response.json()[0]["service_request_id"])
    assert report.address == "RT05-RW02" and report.latitude is None


def test_attributes_the_definition_does_not_name_are_ignored(client, world, writer_key):
    fields = valid_post(writer_key, **{"attribute[title]": "x", "attribute[report_url]": "y"})
    assert post_request(client, **fields).status_code == 200


@pytest.fixture
def strict_definition(monkeypatch):
    """A service whose definition has required attributes, as some agencies will need."""
    attributes = [
        {
            "variable": True,
            "code": "side",
            "datatype": "singlevaluelist",
            "required": True,
            "datatype_description": None,
            "order": 1,
            "description": "Which side of the road?",
            "values": [{"key": "left", "name": "Kiri"}, {"key": "right", "name": "Kanan"}],
        },
        {
            "variable": True,
            "code": "lanes",
            "datatype": "multivaluelist",
            "required": True,
            "datatype_description": None,
            "order": 2,
            "description": "Which lanes?",
            "values": [{"key": "1", "name": "Satu"}, {"key": "2", "name": "Dua"}],
        },
        {
            "variable": True,
            "code": "depth",
            "datatype": "number",
            "required": False,
            "datatype_description": "cm",
            "order": 3,
            "description": "How deep?",
        },
    ]
    monkeypatch.setattr("aduan.open311.submission.service_attributes", lambda c: attributes)
    monkeypatch.setattr("aduan.open311.documents.service_attributes", lambda c: attributes)


def test_required_attributes_are_enforced_with_the_specs_400(
    client, world, writer_key, strict_definition
):
    definition = get_json(client, "services/jalan-rusak.json")
    assert [a["required"] for a in definition["attributes"]] == [True, True, False]
    response = post_request(client, **valid_post(writer_key, **{"attribute[depth]": "dalam"}))
    assert response.status_code == 400
    problems = " ".join(error["description"] for error in response.json())
    assert "attribute[side]" in problems and "attribute[lanes]" in problems
    assert "attribute[depth]" in problems
    wrong = post_request(client, **valid_post(writer_key, **{"attribute[side]": "middle"}))
    assert "left, right" in " ".join(e["description"] for e in wrong.json())
    assert not Report.objects.exists()
    fields = valid_post(writer_key, **{"attribute[side]": "left", "attribute[depth]": "12.5"})
    fields["attribute[lanes][]"] = ["1", "2"]
    response = post_request(client, **fields)
    assert response.status_code == 200, response.content


def test_a_wrong_method_gets_an_error_body_and_allow_header(client, world):
    response = client.put(BASE + "requests.xml")
    assert response.status_code == 405
    assert set(response["Allow"].split(", ")) == {"GET", "POST", "HEAD"}
    assert ET.fromstring(response.content).findtext("error/code") == "405"
    assert client.delete(BASE + "services.json").json()[0]["code"] == 405
    assert client.head(BASE + "services.json").status_code == 200


def test_public_reads_allow_browser_apps_from_any_origin(client, world):
    for path in ("discovery.json", "services.xml", "requests.json", "nothing.json"):
        assert client.get(BASE + path)["Access-Control-Allow-Origin"] == "*"


def test_list_filters_may_be_repeated_instead_of_comma_separated(client, world):
    open_report = public_report(world)
    closed = advance(world, public_report(world), Status.CLOSED)
    response = client.get(BASE + "requests.json?status=open&status=closed")
    assert set(ids(response.json())) == {open_report.tracking_code, closed.tracking_code}
    query = (
        f"service_request_id={closed.tracking_code}&service_request_id={open_report.tracking_code}"
    )
    assert len(client.get(f"{BASE}requests.json?{query}").json()) == 2


def test_control_characters_in_report_text_do_not_break_the_xml(client, world):
    report = public_report(world, body="Lampu mati\x08 sejak\x0b kemarin\tmalam")
    root = get_xml(client, f"requests/{report.tracking_code}.xml")
    assert root.findtext("request/description") == "Lampu mati sejak kemarin\tmalam"


def test_a_page_far_past_the_end_is_empty_not_an_error(client, world):
    submit(world)
    assert get_json(client, "requests.json", page="99999999999999999999") == []
    assert get_json(client, "servicerequestupdates.json", page="99999999999999999999") == []


def test_a_date_outside_the_years_aduan_reckons_with_names_the_parameter(client, world):
    body = get_json(client, "requests.json", expect=400, start_date="0001-01-01", locale="en")
    assert body[0]["description"].startswith("start_date: Choose a date between 2000 and 2100")


def test_a_body_that_cannot_be_read_gets_an_open311_error(client, world, writer_key):
    response = client.post(f"{BASE}requests.json", b"a=1", content_type="multipart/form-data")
    assert response.status_code == 400
    assert response.json()[0]["code"] == 400


def test_control_characters_in_a_description_are_dropped(client, world, writer_key):
    description = "Lampu jalan\x00 mati\x0b sejak minggu lalu di depan sekolah dasar negeri"
    response = post_request(client, **valid_post(writer_key, description=description))
    assert response.status_code == 200, response.content
    assert (
        Report.objects.get().body
        == "Lampu jalan mati sejak minggu lalu di depan sekolah dasar negeri"
    )


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_body_over_the_size_limit_is_a_413_in_the_georeport_error_format(
    client, writer_key, settings, fmt
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    fields = valid_post(writer_key, description="Lampu mati. " * 2000)

    response = post_request(client, fmt, **fields)

    assert response.status_code == 413
    if fmt == "json":
        assert response.json()[0]["code"] == 413
    else:
        assert b"<code>413</code>" in response.content
    assert not Report.objects.exists()


def test_posts_share_the_keys_rate_with_the_rest_api(client, world, writer_key, settings):
    settings.ADUAN_API_RATE = "2/min"
    fields = valid_post(writer_key, description="")  # refused, but counted all the same

    answers = [post_request(client, **fields).status_code for _ in range(3)]

    assert answers == [400, 400, 429]
    refused = post_request(client, "xml", **fields)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert b"<code>429</code>" in refused.content
    rest = client.post(
        "/api/v1/reports/",
        {},
        content_type="application/json",
        headers={"Authorization": f"Bearer {writer_key}"},
    )
    assert rest.status_code == 429  # one key, one budget
