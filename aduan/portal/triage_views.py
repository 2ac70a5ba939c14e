"""Help while a citizen writes a report: similar open reports nearby and hints.

A POST, not a GET: the draft may hold the citizen's personal data, and query strings
end up in server logs, proxies and the browser history. The CSRF token of the submit
form comes with it, so only the portal's own page can ask.
"""

from __future__ import annotations

import datetime

from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from aduan.lib.ratelimits import limited
from aduan.organizations.models import Region
from aduan.portal.forms import DraftCheckForm
from aduan.reports.privacy import public_text
from aduan.triage.duplicates import Probe, similar_open_reports
from aduan.triage.hints import completeness_hints

SIMILAR_LIMIT = 5


@require_POST
@limited("draft_check", as_json=True)
def draft_checks(request: HttpRequest) -> JsonResponse:
    """{"similar": [...], "hints": [...]} for the draft in the POST body (see
    DraftCheckForm); invalid fields are ignored rather than reported, since the
    submit form itself validates them."""
    form = DraftCheckForm(request.POST)
    form.is_valid()
    data = form.cleaned_data
    region: Region | None = data.get("region")
    if data.get("latitude") is None or data.get("longitude") is None:
        data["latitude"] = data["longitude"] = None
    hints = completeness_hints(
        data.get("title", ""),
        data.get("body", ""),
        # As the submit form reads it (SubmitReportForm.completeness_hints).
        has_region=region is not None or data["latitude"] is not None,
        region_level=region.level if region else None,
        address=data.get("address", ""),
        incident_date=data.get("incident_date"),
        kind=data.get("kind") or "complaint",
    )
    response = JsonResponse(
        {"similar": _similar(data, region), "hints": [hint.as_dict() for hint in hints]}
    )
    patch_cache_control(response, private=True, no_store=True)
    return response


def similar_to_refused(form) -> list[dict]:
    """The similar reports of a submit form that came back with errors: shown without
    JavaScript too, as its hints are."""
    data = getattr(form, "cleaned_data", {})
    draft = {name: data.get(name) or "" for name in ("title", "body", "address")}
    draft.update(latitude=data.get("latitude"), longitude=data.get("longitude"))
    return _similar(draft, data.get("region"))


def _similar(data: dict, region: Region | None) -> list[dict]:
    if not (data.get("title") or data.get("body")):
        return []
    probe = Probe(
        title=data.get("title", ""),
        body=data.get("body", ""),
        region_code=region.code if region else "",
        address=data.get("address", ""),
        latitude=data["latitude"],
        longitude=data["longitude"],
    )
    return [_present(match) for match in similar_open_reports(probe, limit=SIMILAR_LIMIT)]


def _place_name(region: Region | None) -> str:
    """Where a report is, as a citizen tells it apart: its village and district."""
    if region is None:
        return ""
    if region.level == Region.Level.VILLAGE and region.parent is not None:
        return f"{region.name}, {region.parent.name}"
    return region.name


def _present(match) -> dict:
    report = match.report
    submitted: datetime.datetime = report.submitted_at
    return {
        "code": report.tracking_code,
        "title": public_text(report.title, report),
        "url": reverse("portal:report", args=[report.tracking_code]),
        "status": report.get_status_display(),
        "supporters": report.support_count,
        "supporters_text": ngettext(
            "%(count)s supporter", "%(count)s supporters", report.support_count
        )
        % {"count": report.support_count},
        "submitted": submitted.date().isoformat(),
        "place": _place_name(report.region),
        "same_problem": match.same_problem,
    }
