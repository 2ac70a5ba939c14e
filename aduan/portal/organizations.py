"""Public pages about how organizations perform, and the success stories.

Figures come from the monitoring facts (`aduan.analytics`), over the last twelve months,
with the definitions of docs/metrics.md; report texts pass through the public privacy
rules like every other public surface.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from aduan.analytics import metrics
from aduan.analytics.metrics import Period
from aduan.analytics.models import ReportFact
from aduan.lib.paging import paginate
from aduan.lib.replica import reads_from_replica
from aduan.organizations.models import Organization
from aduan.reports.lifecycle import Action
from aduan.reports.models import Report, ReportEvent, Status
from aduan.reports.privacy import PUBLIC_RELATED

WINDOW_DAYS = 365
LATEST = 10
STORIES_PER_PAGE = 20
GOOD_RATING = 4
LIST_RELATED = ("category__parent", "region", "organization", *PUBLIC_RELATED)


def _window() -> Period:
    today = timezone.localdate()
    return Period(today - datetime.timedelta(days=WINDOW_DAYS - 1), today)


def _agency_rows(agencies: list[Organization], period: Period) -> list[dict]:
    """Received, verified and followed-up reports per agency subtree, in one query over
    the facts grouped by handling organization, added up by tree path."""
    start, end = period.bounds()
    counted = (
        ReportFact.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
        .exclude(org_path="")
        .values("org_path")
        .annotate(
            c_received=Count("pk"),
            c_verified=Count("pk", filter=Q(verified=True)),
            c_followed=Count("pk", filter=Q(verified=True, responded=True)),
            c_closed=Count("pk", filter=Q(verified=True, status=Status.CLOSED)),
        )
        .order_by()
    )
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    by_path = {agency.path: agency for agency in agencies}
    for row in counted:
        for agency_path in by_path:
            if row["org_path"].startswith(agency_path):
                for key in ("c_received", "c_verified", "c_followed", "c_closed"):
                    totals[agency_path][key] += row[key]
    rows = []
    for agency in agencies:
        t = totals[agency.path]
        verified = t["c_verified"]
        rows.append(
            {
                "organization": agency,
                "received": t["c_received"],
                "verified": verified,
                "follow_up_rate": t["c_followed"] / verified if verified else None,
                "completion_rate": t["c_closed"] / verified if verified else None,
            }
        )
    return rows


@require_GET
@reads_from_replica
def organization_list(request: HttpRequest) -> HttpResponse:
    agencies = list(Organization.objects.active().agencies().order_by("name"))
    period = _window()
    overview = metrics.agencies_overview()
    connected = {agency.pk for agency in metrics.connected_agencies(agencies)}
    receiving = set(Organization.objects.receiving().values_list("pk", flat=True))
    rows = _agency_rows(agencies, period)
    for row in rows:
        pk = row["organization"].pk
        # None: an oversight body or the national operator, which is not connected to.
        row["connected"] = (pk in connected) if pk in receiving else None
    context = {"rows": rows, "period": period, "overview": overview}
    return render(request, "portal/organizations.html", context)


@require_GET
@reads_from_replica
def organization_page(request: HttpRequest, slug: str) -> HttpResponse:
    from aduan.analytics.views import trend_charts

    org = get_object_or_404(Organization.objects.active(), slug=slug)
    receives = Organization.objects.receiving().filter(pk=org.pk).exists()
    period = _window()
    figures = metrics.summary(org, period)
    trend = metrics.monthly_trend(org, 12, timezone.localdate())
    latest = (
        Report.objects.public()
        .handled_by(org)
        .select_related(*LIST_RELATED)
        .order_by("-submitted_at", "-pk")[:LATEST]
    )
    context = {
        "organization": org,
        "period": period,
        "figures": figures,
        "charts": trend_charts(trend),
        "units": metrics.league_table(org),
        "league_days": settings.ADUAN_LEAGUE_WINDOW_DAYS,
        "league_minimum": settings.ADUAN_LEAGUE_MIN_REPORTS,
        "children": org.children.filter(is_active=True).order_by("name"),
        "latest": latest,
        "is_connected": org.is_connected if receives else None,
    }
    return render(request, "portal/organization.html", context)


@require_GET
@reads_from_replica
def success_stories(request: HttpRequest) -> HttpResponse:
    """Public reports the reporter closed satisfied and rated well, newest first, each
    with the completion that settled it."""
    completions = ReportEvent.objects.filter(action=Action.COMPLETE, is_public=True).order_by(
        "-at", "-id"
    )
    # The rating's words as the public may read them: a handler may have withheld them.
    ratings = ReportEvent.objects.filter(action=Action.RATE, is_public=True).order_by("-at", "-id")
    satisfied = ReportEvent.objects.filter(report=OuterRef("pk"), action=Action.SATISFIED)
    stories = (
        Report.objects.public()
        .filter(Exists(satisfied), status=Status.CLOSED, rating__gte=GOOD_RATING)
        .select_related(*LIST_RELATED)
        .prefetch_related(
            Prefetch("events", queryset=completions, to_attr="completions"),
            Prefetch("events", queryset=ratings, to_attr="ratings"),
        )
        .order_by("-closed_at", "-pk")
    )
    page = paginate(stories, request.GET.get("page"), STORIES_PER_PAGE)
    context = {
        "rows": page.rows,
        "page": page.number,
        "previous_page": page.previous_number,
        "next_page": page.next_number,
    }
    return render(request, "portal/stories.html", context)
