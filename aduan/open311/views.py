"""Open311 GeoReport v2 endpoints (http://wiki.open311.org/GeoReport_v2).

Every list shows public reports only (Report.objects.public()). One exception: the
organization whose API key posted a report may look that report up by its id while it
is still unverified, so a client can show "received" right after posting; it sees the
same masked fields as the public, never the reporter.
"""

from __future__ import annotations

import contextlib
import functools

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from aduan.reports.codes import normalize_tracking_code
from aduan.reports.lifecycle import Action
from aduan.reports.models import Channel, Report, ReportEvent

from . import documents
from .filters import BadParameter, parse_request_filter, parse_update_filter
from .jurisdiction import is_ours, jurisdiction_id
from .keys import api_key_organization, seconds_to_wait, usable_key
from .renderers import errors, render
from .submission import Invalid, submit_open311
from .updates import post_update


def open311(*methods: str):
    """Wrap a GeoReport view: the spec's error body for a wrong method or an unknown
    `jurisdiction_id`, English with `locale=en` (as some clients send), and CORS for the
    browser apps that read public data straight from the endpoint."""

    if "GET" in methods:
        methods = (*methods, "HEAD")

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            fmt = "xml" if request.path.endswith(".xml") else "json"
            try:
                request.POST  # noqa: B018 — read once here, so a broken body is refused here
            except MultiPartParserError:
                return errors(fmt, 400, _("The request body could not be read."))
            except RequestDataTooBig:
                # Outside the files, a request holds at most DATA_UPLOAD_MAX_MEMORY_SIZE.
                return errors(fmt, 413, _("The request is too large."))
            with _language(request):
                response = _checked(request, methods) or view(request, *args, **kwargs)
            response["Access-Control-Allow-Origin"] = "*"
            return response

        return csrf_exempt(wrapper)

    return decorate


def _language(request: HttpRequest):
    locale = (request.GET.get("locale") or request.POST.get("locale") or "").strip().lower()
    if locale.startswith(("en", "id")):
        return translation.override(locale[:2])
    return contextlib.nullcontext()


def _checked(request: HttpRequest, methods) -> HttpResponse | None:
    fmt = "xml" if request.path.endswith(".xml") else "json"
    if request.method not in methods:
        response = errors(fmt, 405, _("Use %(methods)s here.") % {"methods": ", ".join(methods)})
        response["Allow"] = ", ".join(methods)
        return response
    given = request.GET.get("jurisdiction_id") or request.POST.get("jurisdiction_id") or ""
    if not is_ours(given):
        text = _("jurisdiction_id %(given)s not found; this endpoint serves %(ours)s.")
        return errors(fmt, 404, text % {"given": given, "ours": jurisdiction_id()})
    return None


@require_GET
def root(request: HttpRequest) -> HttpResponse:
    return redirect("open311:discovery", fmt="json")


@open311("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    return render(documents.discovery(), fmt=fmt, root="discovery")


@open311("GET")
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    english = (translation.get_language() or "").startswith("en")
    body = [documents.service(c, english=english) for c in documents.active_services()]
    return render(body, fmt=fmt, root="services")


@open311("GET")
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    category = documents.active_services().filter(slug=code).first()
    if category is None:
        return errors(fmt, 404, _("Service %(code)s not found.") % {"code": code})
    return render(documents.service_definition(category), fmt=fmt, root="service_definition")


@open311("GET", "POST")
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _post_request(request, fmt)
    try:
        wanted = parse_request_filter(request.GET)
    except BadParameter as error:
        return errors(fmt, 400, str(error))
    start = (wanted.page - 1) * wanted.page_size
    reports = Report.objects.public().filter(wanted.query).order_by("-submitted_at", "-id")
    reports = documents.with_request_data(reports, extensions=wanted.extensions)
    page = reports[start : start + wanted.page_size]
    body = [documents.service_request(r, extensions=wanted.extensions) for r in page]
    return render(body, fmt=fmt, root="service_requests")


def _writer(request: HttpRequest, fmt: str):
    """(organization, None) for a usable writing key within its rate, else (None, the
    error answer). The spec puts api_key in the form; some clients send it in the query."""
    key = usable_key(request.POST.get("api_key") or request.GET.get("api_key", ""))
    if key is None:
        return None, errors(fmt, 403, _("api_key is missing, unknown, revoked or may not submit."))
    wait = seconds_to_wait(key)
    if wait is not None:
        refused = errors(
            fmt, 429, _("Too many requests; try again in %(seconds)s seconds.") % {"seconds": wait}
        )
        refused["Retry-After"] = str(wait)
        return None, refused
    return key.organization, None


def _post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    organization, refused = _writer(request, fmt)
    if refused is not None:
        return refused
    try:
        submission = submit_open311(request.POST, request.FILES, organization)
    except Invalid as invalid:
        return errors(fmt, invalid.status, *invalid.problems)
    notice = _(
        "Report received. It is public once the complaint office has verified it; "
        "follow it with its tracking code %(code)s."
    ) % {"code": submission.report.tracking_code}
    body = [
        {
            "service_request_id": submission.report.tracking_code,
            "service_notice": notice,
            "account_id": None,
        }
    ]
    return render(body, fmt=fmt, root="service_requests")


def _viewable(request: HttpRequest, raw_code: str) -> Report | None:
    """The report behind an id, if public or still pending for the key that posted it."""
    code = normalize_tracking_code(raw_code)
    if not code:
        return None
    report = Report.objects.filter(tracking_code=code).first()
    if report is None or report.is_public:
        return report
    if report.is_confidential or report.channel != Channel.OPEN311:
        return None
    organization = api_key_organization(request.GET.get("api_key", ""))
    posted_by_key = (
        organization is not None
        and report.events.filter(action=Action.SUBMIT, actor_organization=organization).exists()
    )
    return report if posted_by_key else None


@open311("GET")
def request_detail(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    report = _viewable(request, request_id)
    if report is None:
        return errors(fmt, 404, _("Request %(id)s not found.") % {"id": request_id})
    extensions = request.GET.get("extensions", "").strip().lower() == "true"
    report = documents.with_request_data(
        Report.objects.filter(pk=report.pk), extensions=extensions
    ).get()
    body = [documents.service_request(report, extensions=extensions)]
    return render(body, fmt=fmt, root="service_requests")


@open311("GET")
def token(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    """Reports get their id at once, so a token is the id itself."""
    report = _viewable(request, token)
    if report is None:
        return errors(fmt, 404, _("Token %(token)s not found.") % {"token": token})
    body = [{"service_request_id": report.tracking_code, "token": report.tracking_code}]
    return render(body, fmt=fmt, root="service_requests")


@open311("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    fmt = "xml" if rest.endswith(".xml") else "json"
    return errors(fmt, 404, _("No such Open311 resource; use a .json or .xml endpoint."))


@open311("GET", "POST")
def service_request_updates(request: HttpRequest, fmt: str) -> HttpResponse:
    """FixMyStreet's updates extension: the public timeline of public reports, and an
    organization's response posted with its API key."""
    if request.method == "POST":
        return _post_update(request, fmt)
    try:
        wanted = parse_update_filter(request.GET)
    except BadParameter as error:
        return errors(fmt, 400, str(error))
    start = (wanted.page - 1) * wanted.page_size
    events = (
        ReportEvent.objects.filter(wanted.query, is_public=True, report__in=Report.objects.public())
        .exclude(action=Action.SUBMIT)
        .order_by("at", "id")
    )
    page = documents.with_update_data(events)[start : start + wanted.page_size]
    body = [documents.service_request_update(event) for event in page]
    return render(body, fmt=fmt, root="service_request_updates")


def _post_update(request: HttpRequest, fmt: str) -> HttpResponse:
    organization, refused = _writer(request, fmt)
    if refused is not None:
        return refused
    try:
        answer = post_update(request.POST, organization)
    except Invalid as invalid:
        return errors(fmt, invalid.status, *invalid.problems)
    return render([answer], fmt=fmt, root="service_request_updates")
