"""The dashboards' figures and the overdue list as CSV and XLSX.

Both formats carry the same tables. In CSV the tables follow each other, each a title
row, a header row, its rows and an empty row; in XLSX each table is a sheet. Numbers are
written as numbers, not as the page writes them: shares are fractions (0.537, shown as
53.7 % in XLSX), durations are decimal working days or hours, and a missing figure is an
empty cell. Labels are translated when the tables are built, in the request's language.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from aduan.analytics.formatting import working_days_late
from aduan.analytics.metrics import Period
from aduan.deadlines import calendar
from aduan.lib.csvfiles import formula_safe
from aduan.lib.untrusted import plain_text
from aduan.organizations.models import Organization
from aduan.reports.models import Report, Status

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {"share": "0.0%", "count": "#,##0", "working_days": "0.00", "hours": "0.0"}
SHEET_TITLE_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


@dataclass
class Table:
    """One titled table. `units` gives a unit per column (None: not a figure); for tables
    whose rows differ in unit, `unit_column` names the column that holds each row's."""

    title: str
    header: list[str]
    rows: list[list] = field(default_factory=list)
    units: list[str | None] | None = None
    unit_column: int | None = None

    def unit_of(self, row: list, column: int) -> str | None:
        if self.unit_column is not None and column > self.unit_column:
            return row[self.unit_column]
        return self.units[column] if self.units else None


def _about(data: dict) -> Table:
    org: Organization | None = data["organization"]
    period: Period = data["period"]
    previous: Period = data["previous_period"]
    return Table(
        _("About"),
        [_("Item"), _("Value")],
        [
            [_("Organization"), org.name if org else _("All agencies (national)")],
            [_("Period from"), period.start.isoformat()],
            [_("Period to"), period.end.isoformat()],
            [_("Previous period from"), previous.start.isoformat()],
            [_("Previous period to"), previous.end.isoformat()],
            [_("Produced at"), timezone.localtime(data["now"]).isoformat(timespec="seconds")],
        ],
    )


def unit_names() -> dict[str, str]:
    """Each unit code's name in the current language."""
    return {
        "count": pgettext("unit of measure", "number"),
        "share": pgettext("unit of measure", "share (1 = 100%)"),
        "working_days": pgettext("unit of measure", "working days"),
        "hours": pgettext("unit of measure", "hours"),
        "rating": pgettext("unit of measure", "stars (1 to 5)"),
    }


def _key_figures(data: dict) -> Table:
    # The key and the unit code stay the same in every language, for programs that read
    # the file; the unit's name, for people, comes last so no column moves.
    names = unit_names()
    return Table(
        _("Key figures"),
        [
            _("Figure"),
            _("Key"),
            _("Unit code"),
            _("Current period"),
            _("Previous period"),
            # The change between the periods, not the verb "Change" of the edit columns.
            pgettext("recap", "Change"),
            _("Unit of measure"),
        ],
        [
            [
                row["label"],
                row["key"],
                row["unit"],
                row["current"],
                row["previous"],
                row["change"],
                names.get(row["unit"], row["unit"]),
            ]
            for row in data["key_figures"]
        ],
        unit_column=2,
    )


def _trend(data: dict) -> Table:
    return Table(
        _("Trend per month"),
        [
            _("Month"),
            _("Received"),
            _("Verified"),
            _("Followed up"),
            _("Follow-up rate"),
            _("Median verification time (working days)"),
            _("Median first-response time (working days)"),
        ],
        [
            [
                f"{row['month']:%Y-%m}",
                row["received"],
                row["verified"],
                row["followed_up"],
                row["follow_up_rate"],
                row["median_verification_working_days"],
                row["median_first_response_working_days"],
            ]
            for row in data["trend"]
        ],
        units=[None, "count", "count", "count", "share", "working_days", "working_days"],
    )


def _breakdown(section: dict) -> Table:
    return Table(
        section["title"],
        [_("Value"), _("Code"), _("Reports")],
        [[row["label"], row["value"], row["count"]] for row in section["rows"]],
        units=[None, None, "count"],
    )


def _league(data: dict) -> Table:
    rows = []
    for row in data["league"]["ranked"] + data["league"]["unranked"]:
        rows.append(
            [
                row.get("place"),
                row["organization"].name,
                row["verified"],
                row["follow_up_rate"],
                row["first_response_in_time"],
                row["median_first_response_working_days"],
                row["overdue"],
            ]
        )
    return Table(
        _("League table"),
        [
            _("Place"),
            _("Organization"),
            _("Verified reports"),
            _("Follow-up rate"),
            _("First responses in time"),
            _("Median first-response time (working days)"),
            _("Overdue now"),
        ],
        rows,
        units=["count", None, "count", "share", "share", "working_days", "count"],
    )


def _agencies(figures: dict) -> Table:
    return Table(
        _("Connected and active agencies"),
        [_("Agencies"), _("Key"), _("Number"), _("Share")],
        [
            [_("All agencies"), "agencies", figures["agencies"], None],
            [_("Connected"), "connected", figures["connected"], figures["connected_share"]],
            [_("Active"), "active", figures["active"], figures["active_share"]],
        ],
        units=[None, None, "count", "share"],
    )


def dashboard_tables(data: dict) -> list[Table]:
    """The tables of a dashboard, as `views.collect` gathers it."""
    tables = [_about(data), _key_figures(data), _trend(data)]
    tables += [_breakdown(section) for section in data["breakdowns"]]
    tables.append(_league(data))
    if data.get("agencies") is not None:
        tables.append(_agencies(data["agencies"]))
    return tables


def overdue_table(reports: Iterable[Report]) -> Table:
    """Overdue reports with `organization` and `category` loaded; no reporter data. Days
    late are whole working days, as the overdue page and the recap count them."""
    statuses = dict(Status.choices)
    now = timezone.now()
    cal = calendar.current()
    rows = [
        [
            report.tracking_code,
            report.title,
            str(statuses.get(report.status, report.status)),
            report.organization.name if report.organization else _("National queue"),
            report.category.display_name if report.category else "",
            timezone.localtime(report.submitted_at).replace(tzinfo=None),
            timezone.localtime(report.due_at).replace(tzinfo=None),
            working_days_late(report, now, cal),
        ]
        for report in reports
    ]
    return Table(
        _("Overdue reports"),
        [
            _("Tracking code"),
            _("Title"),
            _("Status"),
            _("Handling organization"),
            _("Category"),
            _("Submitted"),
            _("Deadline"),
            _("Working days late"),
        ],
        rows,
        units=[None, None, None, None, None, None, None, "count"],
    )


def filename(stem: str, org: Organization | None, period: Period | None, fmt: str) -> str:
    parts = [stem, org.slug if org else "nasional"]
    if period is not None:
        parts += [f"{period.start:%Y%m%d}", f"{period.end:%Y%m%d}"]
    else:
        parts.append(f"{timezone.localdate():%Y%m%d}")
    return "-".join(parts) + f".{fmt}"


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(round(value, 6))
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    # Titles and names are typed by citizens and staff: none may run as a formula.
    return formula_safe(value)


def to_csv(tables: list[Table]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for table in tables:
        writer.writerow([formula_safe(table.title)])
        writer.writerow([formula_safe(name) for name in table.header])
        for row in table.rows:
            writer.writerow([_csv_value(value) for value in row])
        writer.writerow([])
    return out.getvalue()


def to_xlsx(tables: list[Table]) -> bytes:
    book = Workbook(write_only=True)
    used: set[str] = set()
    for table in tables:
        sheet = book.create_sheet(_sheet_title(table.title, used))
        sheet.append([formula_safe(name) for name in table.header])
        for row in table.rows:
            sheet.append([_xlsx_cell(sheet, table, row, i) for i in range(len(row))])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_cell(sheet, table: Table, row: list, column: int):
    value = row[column]
    unit = table.unit_of(row, column)
    if unit in FORMATS and isinstance(value, int | float):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = FORMATS[unit]
        return cell
    if isinstance(value, datetime.datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell
    return formula_safe(plain_text(value)) if isinstance(value, str) else value


def _sheet_title(title: str, used: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique in the book."""
    base = title.translate(SHEET_TITLE_FORBIDDEN)[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in used:
        suffix = f" {n}"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


def respond(tables: list[Table], fmt: str, name: str) -> HttpResponse:
    if fmt == "xlsx":
        response = HttpResponse(to_xlsx(tables), content_type=XLSX_TYPE)
    else:
        # The byte-order mark lets spreadsheet programs read the file as UTF-8.
        response = HttpResponse("\ufeff" + to_csv(tables), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response
