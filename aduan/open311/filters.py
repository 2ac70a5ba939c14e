"""The query parameters of GET requests, checked and turned into a QuerySet filter."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from aduan.lib import dates
from aduan.reports.codes import normalize_tracking_code
from aduan.reports.models import Status

from .documents import CLOSED_STATUSES

MAX_SPAN = datetime.timedelta(days=90)
MAX_PAGE_SIZE = 1000
MAX_PAGE = 1_000_000  # a page past the last is empty; past this its offset would overflow


class BadParameter(ValueError):
    pass


@dataclass
class RequestFilter:
    query: Q
    page: int
    page_size: int
    extensions: bool


# "…T10:00:00 07:00": the "+" of an offset sent unencoded in a query string or a form
# body (`curl -d updated_datetime=…+07:00`), which decodes to a space.
UNENCODED_PLUS = re.compile(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$")


def parse_moment(name: str, raw: str) -> datetime.datetime:
    """An ISO 8601 date-time (naive ones are local time) or a date (its midnight)."""
    moment = None
    raw = UNENCODED_PLUS.sub(r"\1+\2", raw.strip())
    try:
        moment = parse_datetime(raw)
        if moment is None and (day := parse_date(raw)):
            moment = datetime.datetime.combine(day, datetime.time())
    except ValueError:
        moment = None
    if moment is None:
        raise BadParameter(
            _("%(name)s must be an ISO 8601 date-time, e.g. 2026-11-23T14:05:00+07:00.")
            % {"name": name}
        )
    if not dates.within_years(moment):
        raise BadParameter(f"{name}: {dates.outside_years_message()}")
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _positive_int(params, name: str, default: int, maximum: int | None = None) -> int:
    raw = params.get(name, "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise BadParameter(_("%(name)s must be a positive whole number.") % {"name": name})
    return min(int(raw), maximum or MAX_PAGE)


def listed(params, name: str) -> str:
    """A list parameter; the spec lets clients repeat it or separate values by commas."""
    return ",".join(value.strip() for value in params.getlist(name) if value.strip())


def request_ids(raw: str) -> list[str]:
    codes = [normalize_tracking_code(part) for part in raw.split(",") if part.strip()]
    return [code for code in codes if code]


def parse_request_filter(params) -> RequestFilter:
    """Raise BadParameter for anything malformed, naming the parameter."""
    page = _positive_int(params, "page", 1)
    page_size = _positive_int(params, "page_size", MAX_PAGE_SIZE, MAX_PAGE_SIZE)
    extensions = params.get("extensions", "").strip().lower() == "true"
    ids = listed(params, "service_request_id")
    if ids:
        # Per spec, a list of ids overrides every other filter.
        return RequestFilter(Q(tracking_code__in=request_ids(ids)), page, page_size, extensions)
    query = date_window(params, "submitted_at") & _status_query(params)
    if codes := [c.strip() for c in listed(params, "service_code").split(",") if c.strip()]:
        query &= Q(category__slug__in=codes)
    for name, lookup in (("updated_after", "gt"), ("updated_before", "lt")):
        if raw := params.get(name, "").strip():
            query &= Q(**{f"updated_at__{lookup}": parse_moment(name, raw)})
    return RequestFilter(query, page, page_size, extensions)


def date_window(params, field: str) -> Q:
    """start_date/end_date on `field`; the last 90 days unless said otherwise."""
    start_raw = params.get("start_date", "").strip()
    end_raw = params.get("end_date", "").strip()
    start = parse_moment("start_date", start_raw) if start_raw else None
    end = parse_moment("end_date", end_raw) if end_raw else None
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        start = end - MAX_SPAN
    if end is None:
        end = start + MAX_SPAN
    if end < start:
        raise BadParameter(_("end_date must not be before start_date."))
    if end - start > MAX_SPAN:
        raise BadParameter(_("The span between start_date and end_date is at most 90 days."))
    return Q(**{f"{field}__gte": start, f"{field}__lte": end})


def _status_query(params) -> Q:
    wanted = {s.strip().lower() for s in listed(params, "status").split(",") if s.strip()}
    if not wanted:
        return Q()
    if not wanted <= {"open", "closed"}:
        raise BadParameter(_("status must be open, closed or both, separated by a comma."))
    if wanted == {"closed"}:
        return Q(status__in=CLOSED_STATUSES)
    if wanted == {"open"}:
        return ~Q(status__in=CLOSED_STATUSES)
    return Q(status__in=Status.values)


@dataclass
class UpdateFilter:
    query: Q
    page: int
    page_size: int


def parse_update_filter(params) -> UpdateFilter:
    """GET servicerequestupdates: the same dates and paging as requests, on the update time.

    `service_request_id` (comma-separated) narrows to those requests and, as for GET
    requests, lifts the date window so a client can fetch a request's whole history.
    """
    page = _positive_int(params, "page", 1)
    page_size = _positive_int(params, "page_size", MAX_PAGE_SIZE, MAX_PAGE_SIZE)
    ids = listed(params, "service_request_id")
    if ids:
        return UpdateFilter(Q(report__tracking_code__in=request_ids(ids)), page, page_size)
    return UpdateFilter(date_window(params, "at"), page, page_size)
