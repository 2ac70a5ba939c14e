"""Webhooks out: which events go to which endpoints, what a call carries, how it is sent.

`enqueue_webhooks` runs in the transaction of every timeline event (the lifecycle calls
it), so a call exists exactly when its event does; for a new report's submission the
worker's announcement task calls it, once (`notifications.events.announce_submission`).
Calls are sent by the task worker
after the commit, at least once, with `aduan.lib.leasing`'s retries; the receiver tells a
retry by its `webhook-id`.
"""

from __future__ import annotations

import datetime
import json

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse

from aduan.lib import http
from aduan.lib.leasing import DeliveryError, LeasedQueue
from aduan.lib.tasks import enqueue_with_transaction
from aduan.organizations.models import Organization
from aduan.reports.models import ReportEvent
from aduan.webhooks.models import EventType, WebhookDelivery, WebhookEndpoint
from aduan.webhooks.signing import signed_headers

CHUNK = 50
RESPONSE_LIMIT = 500
TIMEOUT_SECONDS = 10


def event_type_of(event: ReportEvent) -> str | None:
    """What a timeline event means to a connected system, or None if nothing."""
    from aduan.reports.lifecycle import Action

    if event.action == Action.SUBMIT:
        return EventType.CREATED
    if event.action == Action.RESPOND:
        return EventType.RESPONSE_PUBLISHED
    if event.action in (Action.ADD_FILES, Action.ADD_INFO, Action.RATE, Action.REMOTE_VERDICT):
        return EventType.REPORTER_UPDATE
    # A dispatch down the tree (an agency to its unit) keeps the status "dispatched", but
    # the unit's system must hear that the report is now its own.
    if event.action == Action.DISPATCH or (
        event.to_status and event.to_status != event.from_status
    ):
        return EventType.STATUS_CHANGED
    return None


def enqueue_webhooks(events: list[ReportEvent]) -> list[WebhookDelivery]:
    """Write a delivery for every active endpoint that may see each event's report and
    asked for its type; sending starts when the transaction commits."""
    typed = [(event, event_type_of(event)) for event in events]
    typed = [(event, kind) for event, kind in typed if kind]
    if not typed:
        return []
    endpoints = list(WebhookEndpoint.objects.filter(is_active=True).select_related("organization"))
    if not endpoints:
        return []
    from aduan.api.access import reports_visible_to_organization

    report_ids = {event.report_id for event, _kind in typed}
    left = _left_from(event for event, _kind in typed)
    deliveries = []
    for endpoint in endpoints:
        visible = set(
            reports_visible_to_organization(endpoint.organization)
            .filter(pk__in=report_ids)
            .values_list("pk", flat=True)
        )
        mine = endpoint.organization.path
        deliveries += [
            WebhookDelivery(endpoint=endpoint, event=event, event_type=kind)
            for event, kind in typed
            if kind in endpoint.event_types
            and (event.report_id in visible or _within(left.get(event.pk), mine))
        ]
    if deliveries:
        WebhookDelivery.objects.bulk_create(deliveries)
        ids = [delivery.pk for delivery in deliveries]
        enqueue_with_transaction(lambda: enqueue_delivery(ids))
    return deliveries


def _within(path: str | None, root: str) -> bool:
    return path is not None and path.startswith(root)


def _left_from(events) -> dict[int, str]:
    """event id → path of the organization a dispatch or a "not our remit" took the report
    away from: that organization's system hears of it although it sees the report no
    more (its own queue must let the report go)."""
    from aduan.api.access import LEAVING_ACTIONS

    origins = {
        event.pk: event.data.get("from")
        for event in events
        if event.action in LEAVING_ACTIONS and isinstance(event.data, dict)
    }
    paths = dict(
        Organization.objects.filter(pk__in={pk for pk in origins.values() if pk}).values_list(
            "pk", "path"
        )
    )
    return {event_id: paths[pk] for event_id, pk in origins.items() if pk in paths}


def enqueue_delivery(ids: list[int]) -> None:
    from aduan.webhooks.tasks import deliver_webhooks

    for start in range(0, len(ids), CHUNK):
        deliver_webhooks.enqueue(ids[start : start + CHUNK])


def payload(delivery: WebhookDelivery) -> dict:
    """The body of a call: {type, timestamp, data: {event, report}} as Standard Webhooks
    suggests. Internal texts never leave: a message goes out only with a public event."""
    from aduan.api.serializers import EventSerializer, channel_reference

    event = delivery.event
    report = event.report
    org = delivery.endpoint.organization
    reference_prefix = channel_reference(org, "")
    external_id = None
    if report.channel_reference.startswith(reference_prefix):
        external_id = report.channel_reference.removeprefix(reference_prefix)
    event_data = dict(EventSerializer(event).data)
    if not event.is_public:
        event_data["message"] = ""
        event_data["attachments"] = []
        event_data["verdict"] = None
    return {
        "type": delivery.event_type,
        "timestamp": _moment(event.at),
        "data": {
            "event": event_data,
            "report": {
                "code": report.tracking_code,
                "external_id": external_id,
                "title": report.title if not report.is_confidential else "",
                "status": report.status,
                "organization": report.organization_id,
                "rating": report.rating,
                "updated_at": _moment(report.updated_at),
                "url": settings.ADUAN_SITE_URL.rstrip("/")
                + reverse("portal:report", args=[report.tracking_code]),
            },
        },
    }


def _moment(value: datetime.datetime) -> str:
    """A time as the event's own `at` is written (the API's format): local time with its
    offset, to the microsecond, so that calls order exactly by their timestamp."""
    from rest_framework import serializers

    return serializers.DateTimeField().to_representation(value)


def _send(delivery: WebhookDelivery) -> dict:
    endpoint = delivery.endpoint
    body = json.dumps(payload(delivery), cls=DjangoJSONEncoder, ensure_ascii=False).encode()
    request = http.Request(
        method="POST",
        url=endpoint.url,
        headers={
            "Content-Type": "application/json",
            "User-Agent": http.USER_AGENT,
            **signed_headers(endpoint.secret, delivery.message_id, body),
        },
        body=body,
        public_only=not settings.ADUAN_WEBHOOKS_ALLOW_PRIVATE,
    )
    try:
        answer = http.transport(request, TIMEOUT_SECONDS)
    except http.Refused as exc:
        # Trying again would not change where the address points.
        raise DeliveryError(str(exc), retryable=False, details={"last_status_code": None}) from exc
    except http.HttpError as exc:
        raise DeliveryError(str(exc), retryable=True, details={"last_status_code": None}) from exc
    details = {"last_status_code": answer.status, "last_response": answer.text[:RESPONSE_LIMIT]}
    if not answer.ok:
        # 410 Gone: the receiver says the endpoint no longer exists; anything else may
        # be a passing outage or a fix on its way, so it is tried again later.
        raise DeliveryError(
            f"HTTP {answer.status}", retryable=answer.status != 410, details=details
        )
    return details


QUEUE = LeasedQueue(
    claimable=lambda now: (
        WebhookDelivery.objects.due(now)
        .filter(endpoint__is_active=True)
        .select_related("endpoint__organization", "event__report")
    ),
    send=_send,
    enqueue=enqueue_delivery,
    lease=lambda: datetime.timedelta(seconds=settings.ADUAN_DELIVERY_LEASE_SECONDS),
    max_attempts=lambda: settings.ADUAN_WEBHOOK_MAX_ATTEMPTS,
    label="Webhook delivery",
)
# Send due calls (outside any transaction); make failed ones due again; enqueue what is
# due (the periodic scan).
deliver, retry, sweep = QUEUE.deliver, QUEUE.retry_all, QUEUE.sweep
