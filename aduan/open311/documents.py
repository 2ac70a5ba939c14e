"""The GeoReport v2 documents Aduan serves, as plain dicts in the spec's field order."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from aduan.organizations.models import Category
from aduan.reports.lifecycle import Action
from aduan.reports.models import Attachment, Kind, Report, ReportEvent, Status
from aduan.reports.privacy import public_coordinate, public_message, public_text

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-23T00:00:00+07:00"
CLOSED_STATUSES = (Status.CLOSED, Status.ARCHIVED)
NOTE_ACTIONS = (Action.RESPOND, Action.COMPLETE)


def iso(moment: datetime.datetime | None) -> str | None:
    """ISO 8601 with the local offset, as the spec's examples write it."""
    if moment is None:
        return None
    return timezone.localtime(moment).isoformat(timespec="seconds")


def open_or_closed(status: str) -> str:
    return "closed" if status in CLOSED_STATUSES else "open"


def discovery() -> dict:
    url = settings.SITE_URL + reverse("open311:root")
    return {
        "changeset": CHANGESET,
        "contact": _("%(name)s complaint office, %(site)s")
        % {"name": settings.SITE_NAME, "site": settings.SITE_URL},
        "key_service": settings.SITE_URL + reverse("workspace:apikeys"),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": url,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }


def active_services():
    return (
        Category.objects.filter(is_active=True, parent__isnull=False, parent__is_active=True)
        .select_related("parent")
        .order_by("parent__name", "name")
    )


def _localized(category: Category, english: bool) -> str:
    return (category.name_en or category.name) if english else category.name


def service(category: Category, *, english: bool) -> dict:
    names = [category.name, category.name_en, category.parent.name, category.parent.name_en]
    return {
        "service_code": category.slug,
        "service_name": _localized(category, english),
        "description": f"{_localized(category.parent, english)} › {_localized(category, english)}",
        "metadata": True,
        "type": "realtime",
        "keywords": ", ".join(dict.fromkeys(name for name in names if name)),
        "group": _localized(category.parent, english),
    }


def service_attributes(category: Category) -> list[dict]:
    """The attributes of a service's definition; POST requests are checked against them."""
    return [
        {
            "variable": True,
            "code": "kind",
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": _("Complaint unless said otherwise."),
            "order": 1,
            "description": _("What kind of report is this?"),
            "values": [{"key": value, "name": str(label)} for value, label in Kind.choices],
        },
        {
            "variable": True,
            "code": "incident_date",
            "datatype": "datetime",
            "required": False,
            "datatype_description": _("ISO 8601, e.g. 2026-11-23T14:05:00+07:00"),
            "order": 2,
            "description": _("When did it happen?"),
        },
    ]


def service_definition(category: Category) -> dict:
    return {"service_code": category.slug, "attributes": service_attributes(category)}


def with_request_data(reports, *, extensions: bool):
    """Prefetch what `service_request` reads, so a list costs a fixed number of queries."""
    events = ReportEvent.objects.filter(is_public=True).order_by("at", "id")
    if not extensions:
        events = events.filter(action__in=NOTE_ACTIONS)
    images = Attachment.objects.filter(
        Q(event__isnull=True) | Q(event__is_public=True),
        is_public=True,
        content_type__startswith="image/",
    ).order_by("uploaded_at", "id")
    return reports.select_related("category", "organization", "reporter").prefetch_related(
        Prefetch("events", queryset=events, to_attr="public_events"),
        Prefetch("attachments", queryset=images, to_attr="public_images"),
    )


def service_request(report: Report, *, extensions: bool = False) -> dict:
    """One report as a GeoReport request; free text masked, never the reporter."""
    notes = [e for e in report.public_events if e.action in NOTE_ACTIONS and e.message]
    category = report.category
    media_url = None
    if report.is_public and report.public_images:
        path = reverse("portal:attachment", args=[report.tracking_code, report.public_images[0].pk])
        media_url = settings.SITE_URL + path
    data = {
        "service_request_id": report.tracking_code,
        "status": open_or_closed(report.status),
        "status_notes": public_message(notes[-1], report) if notes else None,
        # A code for every request, as the spec has it: "" for a report without a
        # category (a null broke clients that look the code up in services).
        "service_name": category.display_name if category else "",
        "service_code": category.slug if category else "",
        "description": public_text(report.body, report),
        "agency_responsible": report.organization.name if report.organization_id else None,
        "service_notice": None,
        "requested_datetime": iso(report.submitted_at),
        "updated_datetime": iso(report.updated_at),
        "expected_datetime": iso(report.due_at),
        "address": public_text(report.address, report) or None,
        "address_id": None,
        "zipcode": None,
        "lat": public_coordinate(report.latitude),
        "long": public_coordinate(report.longitude),
        "media_url": media_url,
    }
    if extensions:
        data["extended_attributes"] = _extended_attributes(report)
    return data


def _extended_attributes(report: Report) -> dict:
    return {
        "detailed_status": report.status,
        "detailed_status_label": str(Status(report.status).label),
        "kind": report.kind,
        "notes": [
            {
                "datetime": iso(event.at),
                "type": event.action,
                "summary": _action_label(event.action),
                "description": public_message(event, report),
                "status": open_or_closed(event.to_status) if event.to_status else None,
                "detailed_status": event.to_status or None,
            }
            for event in report.public_events
        ],
    }


def with_update_data(events):
    """Prefetch what `service_request_update` reads: a fixed number of queries per page."""
    images = Attachment.objects.filter(is_public=True, content_type__startswith="image/")
    return events.select_related("report__reporter").prefetch_related(
        Prefetch("attachments", queryset=images.order_by("uploaded_at", "id"), to_attr="images")
    )


def service_request_update(event: ReportEvent) -> dict:
    """One public timeline entry as FixMyStreet's `request_update`; text masked."""
    report = event.report
    media_url = None
    if event.images:
        path = reverse("portal:attachment", args=[report.tracking_code, event.images[0].pk])
        media_url = settings.SITE_URL + path
    status = event.to_status or report.status
    return {
        "update_id": str(event.pk),
        "service_request_id": report.tracking_code,
        "status": open_or_closed(status),
        "updated_datetime": iso(event.at),
        "description": public_message(event) or _action_label(event.action),
        "media_url": media_url,
        "external_status_code": status,
    }


def _action_label(action: str) -> str:
    try:
        return str(Action(action).label)
    except ValueError:
        return action
