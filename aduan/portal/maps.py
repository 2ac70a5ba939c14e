"""The map of public reports: a page with Leaflet (shipped with the app) and the GeoJSON
it loads, bounded to the visible area and to at most ADUAN_MAP_MAX_FEATURES points.

Tiles come from ADUAN_MAP_TILE_URL (OpenStreetMap's standard tiles unless configured);
only the visitor's browser fetches them, never the server. Pop-ups are built in the
browser with textContent from the masked text sent here, so no report text is ever
parsed as HTML.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from aduan.lib.replica import reads_from_replica
from aduan.portal.forms import FeedFilterForm
from aduan.reports.models import Report
from aduan.reports.privacy import COORDINATE_STEP, PUBLIC_RELATED, public_coordinate, public_text

DEFAULT_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DEFAULT_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)
DEFAULT_MAX_FEATURES = 500
# Indonesia, from Sabang to Merauke: what the map shows before the visitor moves it.
DEFAULT_BOUNDS = (94.9, -11.1, 141.1, 6.1)  # west, south, east, north
GEOJSON_MAX_AGE = 60  # seconds


def max_features() -> int:
    return getattr(settings, "ADUAN_MAP_MAX_FEATURES", DEFAULT_MAX_FEATURES)


@require_GET
@reads_from_replica
def map_page(request: HttpRequest) -> HttpResponse:
    form = FeedFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()  # errors show beside the filters; the GeoJSON ignores them too
    west, south, east, north = getattr(settings, "ADUAN_MAP_BOUNDS", DEFAULT_BOUNDS)
    context = {
        "form": form,
        "tile_url": getattr(settings, "ADUAN_MAP_TILE_URL", DEFAULT_TILE_URL),
        "attribution": getattr(settings, "ADUAN_MAP_ATTRIBUTION", DEFAULT_ATTRIBUTION),
        "bounds": f"{west},{south},{east},{north}",
        "geojson_url": reverse("portal:map_reports"),
        "max_features": max_features(),
    }
    return render(request, "portal/map.html", context)


def parse_bbox(text: str) -> tuple[float, float, float, float] | None:
    """The box "west,south,east,north" in degrees (Leaflet's toBBoxString), clamped to
    the world; None when it is not four numbers or the box is empty."""
    try:
        west, south, east, north = (float(part) for part in text.split(","))
    except ValueError:
        return None
    west, east = max(west, -180.0), min(east, 180.0)
    south, north = max(south, -90.0), min(north, 90.0)
    if not (west < east and south < north):
        return None
    return west, south, east, north


def _public_cells(west: float, south: float, east: float, north: float) -> dict:
    """The box widened to whole cells of the grid public positions are rounded to, as a
    filter on the exact positions: which reports a box holds then depends on their
    public positions only (edges placed between them would otherwise bisect, request
    by request, the exact position the map rounds away)."""
    step = float(COORDINATE_STEP)

    def cell(value: float, outward) -> float:
        return outward(round(value / step, 6)) * step

    return {
        "longitude__gte": cell(west, math.floor) - step / 2,
        "longitude__lt": cell(east, math.ceil) + step / 2,
        "latitude__gte": cell(south, math.floor) - step / 2,
        "latitude__lt": cell(north, math.ceil) + step / 2,
    }


@require_GET
@reads_from_replica
def map_reports(request: HttpRequest) -> HttpResponse:
    """Public reports with coordinates as a GeoJSON FeatureCollection, newest (or best
    matching) first; "truncated" says more reports lie in the box than were sent."""
    reports = Report.objects.public().filter(latitude__isnull=False, longitude__isnull=False)
    if request.GET.get("bbox"):
        bbox = parse_bbox(request.GET["bbox"])
        if bbox is None:
            message = _("bbox must be west,south,east,north in degrees.")
            return JsonResponse({"error": message}, status=400)
        reports = reports.filter(**_public_cells(*bbox))
    form = FeedFilterForm(request.GET)
    reports = form.filter_reports(reports.order_by("-submitted_at", "-pk"))
    limit = max_features()
    rows = list(
        reports.select_related("category", *PUBLIC_RELATED)[: limit + 1].only(
            "tracking_code",
            "title",
            "status",
            "kind",
            "submitted_at",
            "latitude",
            "longitude",
            "category__name",
            "category__name_en",
            "guest_name",
            "reporter__full_name",
            "reporter__former_names",
        )
    )
    body = {
        "type": "FeatureCollection",
        "truncated": len(rows) > limit,
        "features": [_feature(report) for report in rows[:limit]],
    }
    response = JsonResponse(body, content_type="application/geo+json")
    patch_cache_control(response, public=True, max_age=GEOJSON_MAX_AGE)
    return response


def _feature(report: Report) -> dict:
    return {
        "type": "Feature",
        "geometry": {
            "type": "Point",
            "coordinates": [
                public_coordinate(report.longitude),
                public_coordinate(report.latitude),
            ],
        },
        "properties": {
            "code": report.tracking_code,
            "title": public_text(report.title, report),
            "status": report.status,
            "status_label": str(report.get_status_display()),
            "kind": str(report.get_kind_display()),
            "category": report.category.display_name if report.category else "",
            "submitted": timezone.localdate(report.submitted_at).isoformat(),
            "url": reverse("portal:report", args=[report.tracking_code]),
        },
    }
