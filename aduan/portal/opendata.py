"""The anonymised open-data export of public reports, as CSV and as JSON.

docs/opendata.md is the schema: every field, its type and meaning, and what is left out
and why. `FIELDS` below is the single list both formats follow (a test compares it with
the documentation). The response is streamed and read from the database in keyset
batches of ADUAN_OPEN_DATA_BATCH_SIZE rows, so neither the server nor the database ever
holds a full export in memory, and no cursor stays open between batches.
"""

from __future__ import annotations

import datetime
import itertools
import json
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from aduan.lib.csvfiles import csv_lines
from aduan.lib.replica import reads_from_replica
from aduan.portal.forms import OpenDataFilterForm
from aduan.reports.models import Report
from aduan.reports.privacy import PUBLIC_RELATED, public_coordinate, public_text

SCHEMA = "aduan-open-data-reports/1"
DEFAULT_BATCH_SIZE = 1000
FIELDS = (
    "code",
    "url",
    "kind",
    "title",
    "body",
    "category",
    "parent_category",
    "region_code",
    "region_name",
    "organization",
    "organization_slug",
    "status",
    "channel",
    "incident_date",
    "submitted_at",
    "dispatched_at",
    "first_response_at",
    "completed_at",
    "closed_at",
    "latitude",
    "longitude",
    "support_count",
    "reopen_count",
    "rating",
)
# What row_of reads, and all a query loads: of the reporter, only the name to mask it.
ROW_COLUMNS = (
    *("tracking_code", "kind", "title", "body", "status", "channel", "incident_date"),
    *("submitted_at", "dispatched_at", "first_response_at", "completed_at", "closed_at"),
    *("latitude", "longitude", "support_count", "reopen_count", "rating"),
    *("category", "category__parent", "region", "organization"),
    *("category__slug", "category__parent__slug", "region__name"),
    *("organization__name", "organization__slug"),
    *("guest_name", "reporter__full_name", "reporter__former_names"),
)
# Spreadsheets run a cell starting with these as a formula ("CSV injection").


def _batch_size() -> int:
    return getattr(settings, "ADUAN_OPEN_DATA_BATCH_SIZE", DEFAULT_BATCH_SIZE)


def _timestamp(value: datetime.datetime | None) -> str | None:
    if value is None:
        return None
    moment = value.astimezone(datetime.UTC).replace(microsecond=0)
    return moment.isoformat().replace("+00:00", "Z")


def row_of(report: Report) -> dict:
    """One report as open data: masked texts, rounded coordinates, no reporter."""
    category = report.category
    return {
        "code": report.tracking_code,
        "url": reverse("portal:report", args=[report.tracking_code]),
        "kind": report.kind,
        "title": public_text(report.title, report),
        "body": public_text(report.body, report),
        "category": category.slug if category else None,
        "parent_category": category.parent.slug if category and category.parent else None,
        "region_code": report.region_id,
        "region_name": report.region.name if report.region else None,
        "organization": report.organization.name if report.organization else None,
        "organization_slug": report.organization.slug if report.organization else None,
        "status": report.status,
        "channel": report.channel,
        "incident_date": report.incident_date.isoformat() if report.incident_date else None,
        "submitted_at": _timestamp(report.submitted_at),
        "dispatched_at": _timestamp(report.dispatched_at),
        "first_response_at": _timestamp(report.first_response_at),
        "completed_at": _timestamp(report.completed_at),
        "closed_at": _timestamp(report.closed_at),
        "latitude": public_coordinate(report.latitude),
        "longitude": public_coordinate(report.longitude),
        "support_count": report.support_count,
        "reopen_count": report.reopen_count,
        "rating": report.rating,
    }


def _batches(reports: QuerySet[Report]) -> Iterator[list[Report]]:
    """`reports` oldest first, one query per batch, resuming after the last row seen."""
    size = _batch_size()
    after = None
    while True:
        batch = reports
        if after:
            at, pk = after
            batch = batch.filter(Q(submitted_at__gt=at) | Q(submitted_at=at, pk__gt=pk))
        rows = list(batch.order_by("submitted_at", "pk")[:size])
        yield rows
        if len(rows) < size:
            return
        after = (rows[-1].submitted_at, rows[-1].pk)


def _rows(reports: QuerySet[Report]) -> Iterator[dict]:
    for batch in _batches(reports):
        for report in batch:
            yield row_of(report)


def _selected(request: HttpRequest) -> tuple[QuerySet[Report] | None, dict | HttpResponse]:
    """The public reports the query string asks for and the filters as given, or
    (None, a 400 response naming the bad filters)."""
    form = OpenDataFilterForm(request.GET)
    if not form.is_valid():
        return None, JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    filters = {name: form.data[name] for name in form.fields if form.data.get(name)}
    reports = Report.objects.public().select_related(
        "category__parent", "region", "organization", *PUBLIC_RELATED
    )
    reports = reports.only(*ROW_COLUMNS)
    return form.filter_reports(reports), filters


def _filename(extension: str) -> str:
    return f"aduan-laporan-{timezone.localdate():%Y%m%d}.{extension}"


def _csv_lines(reports: QuerySet[Report]) -> Iterator[str]:
    rows = ([row[name] for name in FIELDS] for row in _rows(reports))
    return csv_lines(itertools.chain([FIELDS], rows))


def _json_chunks(reports: QuerySet[Report], filters: dict) -> Iterator[str]:
    head = {"schema": SCHEMA, "generated_at": _timestamp(timezone.now()), "filters": filters}
    yield json.dumps(head, ensure_ascii=False)[:-1] + ', "reports": ['
    separator = ""
    for row in _rows(reports):
        yield separator + json.dumps(row, ensure_ascii=False)
        separator = ","
    yield "]}\n"


def _download(response: StreamingHttpResponse, extension: str) -> StreamingHttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{_filename(extension)}"'
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
@reads_from_replica
def reports_csv(request: HttpRequest) -> HttpResponse:
    reports, filters = _selected(request)
    if reports is None:
        return filters
    response = StreamingHttpResponse(_csv_lines(reports), content_type="text/csv; charset=utf-8")
    return _download(response, "csv")


@require_GET
@reads_from_replica
def reports_json(request: HttpRequest) -> HttpResponse:
    reports, filters = _selected(request)
    if reports is None:
        return filters
    chunks = _json_chunks(reports, filters)
    response = StreamingHttpResponse(chunks, content_type="application/json; charset=utf-8")
    return _download(response, "json")
