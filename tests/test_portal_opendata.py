"""The anonymised open-data export (/data/laporan.csv and .json): schema, filters,
streaming in batches, and what never leaves the database."""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.http import StreamingHttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aduan.channels.intake import Draft, submit_report
from aduan.portal.opendata import FIELDS, SCHEMA
from aduan.reports.models import Report, Status
from tests.personas import advance

BODY = "Mohon segera ditindaklanjuti oleh dinas terkait karena membahayakan warga sekitar."


def published(world, title="Lampu jalan mati", *, on=None, reporter=None, **fields) -> Report:
    """A public report submitted at noon (Jakarta) on the date `on` (default today)."""
    day = on or timezone.localdate()
    at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
    draft = Draft(
        title=title,
        body=fields.pop("body", BODY),
        category=world.potholes,
        guest_name="Budi Tamu",
        guest_email="budi@example.id",
        **fields,
    )
    report = submit_report(draft, at=at, reporter=reporter).report
    return advance(world, report, Status.DISPATCHED)


def content(response) -> str:
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content).decode()


def csv_rows(client=None, **params) -> list[dict]:
    response = (client or Client()).get(reverse("portal:open_data_csv"), params)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = content(response)
    assert text.startswith("\ufeff")  # so that spreadsheet programs read it as UTF-8
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def json_document(client=None, **params) -> dict:
    response = (client or Client()).get(reverse("portal:open_data_json"), params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(content(response))


# --- Schema -------------------------------------------------------------------------------


def test_both_formats_carry_the_documented_fields_in_order(world):
    report = published(world, latitude=-6.914744, longitude=107.609810)
    lifecycle_done = Report.objects.get(pk=report.pk)
    [row] = csv_rows()
    assert list(row) == list(FIELDS)
    document = json_document()
    assert document["schema"] == SCHEMA
    [item] = document["reports"]
    assert list(item) == list(FIELDS)
    assert item["code"] == row["code"] == report.tracking_code
    # Whole seconds, which spreadsheet programs read as a time.
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", row["submitted_at"])
    assert item["url"] == reverse("portal:report", args=[report.tracking_code])
    assert item["category"] == "jalan-rusak" and item["parent_category"] == "infrastruktur"
    assert item["organization"] == "Dinas Pekerjaan Umum"
    assert item["organization_slug"] == "kab-contoh-dpu"
    assert item["status"] == "dispatched" and item["kind"] == "complaint"
    assert item["latitude"] == -6.915 and item["longitude"] == 107.61
    assert row["latitude"] == "-6.915" and row["longitude"] == "107.61"
    submitted = lifecycle_done.submitted_at.astimezone(datetime.UTC)
    assert item["submitted_at"] == submitted.isoformat().replace("+00:00", "Z")
    assert item["closed_at"] is None and row["closed_at"] == ""
    assert item["support_count"] == 0 and item["rating"] is None


def test_every_field_is_documented_in_the_schema():
    doc = (Path(settings.BASE_DIR) / "docs" / "opendata.md").read_text()
    doc = doc.split("\n## Fields\n")[1].split("\n## ")[0]
    documented = re.findall(r"^\| `([a-z_]+)` \|", doc, flags=re.MULTILINE)
    assert documented == list(FIELDS)
    assert f"Schema version: `{SCHEMA}`" in doc


def test_the_exports_are_downloads_with_a_dated_name(world):
    today = timezone.localdate().strftime("%Y%m%d")
    response = Client().get(reverse("portal:open_data_csv"))
    assert response["Content-Disposition"] == f'attachment; filename="aduan-laporan-{today}.csv"'
    response = Client().get(reverse("portal:open_data_json"))
    assert response["Content-Disposition"] == f'attachment; filename="aduan-laporan-{today}.json"'


def test_an_empty_export_is_still_well_formed(db):
    assert csv_rows() == []
    assert json_document()["reports"] == []


def test_a_cell_that_a_spreadsheet_would_run_as_a_formula_is_defused(world):
    published(world, '=HYPERLINK("http://jahat.example","klik") jalan rusak')
    [row] = csv_rows()
    assert row["title"].startswith("'=HYPERLINK")
    assert json_document()["reports"][0]["title"].startswith("=HYPERLINK")


# --- Filters ------------------------------------------------------------------------------


def test_the_period_includes_both_end_days_in_local_time(world):
    before = published(world, "Lampu jalan mati", on=datetime.date(2026, 3, 31))
    first = published(world, "Lampu taman mati", on=datetime.date(2026, 4, 1))
    last = published(world, "Lampu pasar mati", on=datetime.date(2026, 4, 30))
    published(world, "Lampu gang mati", on=datetime.date(2026, 5, 1))
    period = {"from": "2026-04-01", "to": "2026-04-30"}
    assert [r["code"] for r in csv_rows(**period)] == [first.tracking_code, last.tracking_code]
    document = json_document(**period)
    assert [r["code"] for r in document["reports"]] == [first.tracking_code, last.tracking_code]
    assert document["filters"] == period
    assert [r["code"] for r in csv_rows(to="2026-03-31")] == [before.tracking_code]


def test_the_feed_filters_apply_to_the_exports(world):
    lamp = published(world, "Lampu jalan mati di Braga")
    info = published(world, "Informasi jadwal vaksin", kind="information")
    advance(world, info, Status.IN_PROGRESS)
    assert [r["code"] for r in csv_rows(q="lampu")] == [lamp.tracking_code]
    assert [r["code"] for r in csv_rows(kind="information")] == [info.tracking_code]
    assert [r["code"] for r in json_document(status="in_progress")["reports"]] == [
        info.tracking_code
    ]
    assert [r["code"] for r in csv_rows(organization=world.agency.pk)] == [
        lamp.tracking_code,
        info.tracking_code,
    ]


@pytest.mark.parametrize(
    "params, field",
    [
        ({"from": "kemarin"}, "from"),
        ({"from": "2026-05-01", "to": "2026-04-01"}, "to"),
        ({"status": "archived"}, "status"),
        ({"category": "999999"}, "category"),
        ({"to": "9999-12-31"}, "to"),  # the day after would not exist
        ({"from": "0001-01-01"}, "from"),  # would overflow once put in a time zone
    ],
)
def test_a_bad_filter_is_refused_with_its_reason(db, params, field):
    for name in ("portal:open_data_csv", "portal:open_data_json"):
        response = Client().get(reverse(name), params)
        assert response.status_code == 400
        assert field in response.json()["errors"]


# --- Streaming and cost -------------------------------------------------------------------


def test_the_export_streams_in_batches_of_a_few_queries_each(
    world, settings, django_assert_max_num_queries
):
    settings.ADUAN_OPEN_DATA_BATCH_SIZE = 4
    for n in range(10):
        reporter = world.citizen if n % 2 else None  # the reporter's name is loaded, not fetched
        published(
            world,
            f"Lampu jalan mati nomor {n}",
            on=datetime.date(2026, 4, 1 + n % 3),
            reporter=reporter,
        )
    expected = list(
        Report.objects.order_by("submitted_at", "pk").values_list("tracking_code", flat=True)
    )
    client = Client()
    # One query for the region choices of the filter form, then 3 batches of 4, 4 and 2.
    with django_assert_max_num_queries(4):
        assert [r["code"] for r in csv_rows(client)] == expected
    with django_assert_max_num_queries(4):
        assert [r["code"] for r in json_document(client)["reports"]] == expected


def test_reports_submitted_at_the_same_moment_are_neither_lost_nor_doubled(world, settings):
    settings.ADUAN_OPEN_DATA_BATCH_SIZE = 2
    same_day = datetime.date(2026, 4, 1)
    reports = [published(world, f"Lampu jalan mati {n}", on=same_day) for n in range(5)]
    assert [r["code"] for r in csv_rows()] == [r.tracking_code for r in reports]


@pytest.mark.parametrize("hidden", ["confidential", "submitted", "on_hold", "archived"])
def test_hidden_reports_are_never_exported(world, hidden):
    shown = published(world)
    draft = Draft(
        title="Lampu jalan mati di gang",
        body=BODY,
        guest_name="Budi Tamu",
        guest_email="budi@example.id",
        is_confidential=hidden == "confidential",
    )
    report = submit_report(draft).report
    if hidden != "submitted":
        advance(world, report, Status.DISPATCHED if hidden == "confidential" else hidden)
    assert [r["code"] for r in csv_rows()] == [shown.tracking_code]
    assert [r["code"] for r in json_document()["reports"]] == [shown.tracking_code]


def test_outsider_gets_the_same_public_export_as_a_guest(world):
    shown = published(world)
    hidden = submit_report(
        Draft(title="Lampu jalan rahasia", body=BODY, is_confidential=True),
        reporter=world.outsider,
    ).report
    advance(world, hidden, Status.DISPATCHED)
    client = Client()
    client.force_login(world.outsider)
    assert [r["code"] for r in csv_rows(client)] == [shown.tracking_code]
    assert [r["code"] for r in json_document(client)["reports"]] == [shown.tracking_code]


def test_the_exports_are_read_only(db):
    assert Client().post(reverse("portal:open_data_csv")).status_code == 405
    assert Client().post(reverse("portal:open_data_json")).status_code == 405
