"""FixMyStreet's service request updates extension (servicerequestupdates.{json,xml}).

GET lists the public timeline of public reports as `request_update`s. POST is an
organization's system (a CRM, a field app) publishing its response to a report its
subtree handles, with the organization's API key: it goes through the lifecycle as the
organization's service actor, exactly like a response typed in the back office or sent
through the REST API. An OPEN-like status is a response (`lifecycle.respond`); CLOSED or
FIXED is the final response (`lifecycle.complete`), after which the reporter confirms.

A client's `update_id` makes a retry safe: the same update_id for the same request and
text returns the first answer instead of publishing twice.
"""

from __future__ import annotations

import hashlib

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from aduan.api.access import service_actor
from aduan.api.models import IdempotentResponse
from aduan.lib.untrusted import plain_text
from aduan.organizations.models import Organization
from aduan.reports import lifecycle
from aduan.reports.codes import normalize_tracking_code
from aduan.reports.models import Report

from .filters import BadParameter, parse_moment
from .submission import Invalid, check_description

# FixMyStreet's status words (upper case in POSTs), by what Aduan does with them.
RESPONDING_STATUSES = {"OPEN", "IN_PROGRESS", "INVESTIGATING", "ACTION_SCHEDULED", "PLANNED"}
FINISHING_STATUSES = {"CLOSED", "FIXED"}
STORED = 200


def post_update(post, organization: Organization) -> dict:
    """Publish the update; return the `request_update` answer. Raise Invalid (400/404)."""

    def get(name: str) -> str:
        return plain_text(post.get(name, "")).strip()

    status = get("status").upper()
    description = get("description")
    _check_fields(get, status, description)
    report = _handled_report(get("service_request_id"), organization)
    update_id = get("update_id")[:200]
    with transaction.atomic():
        if update_id:
            key = f"open311-update:{report.pk}:{update_id}"
            digest = hashlib.sha256(f"{status}\n{description}".encode()).hexdigest()
            earlier = _claim(organization, key, digest)
            if earlier is not None:
                return earlier
        event = _publish(report, organization, status, description)
        answer = {"update_id": str(event.pk)}
        if update_id:
            IdempotentResponse.objects.filter(organization=organization, key=key).update(
                status_code=STORED, body=answer
            )
    return answer


def _check_fields(get, status: str, description: str) -> None:
    problems = []
    if not get("service_request_id"):
        problems.append(_("service_request_id is required."))
    check_description(description, problems)
    if status not in RESPONDING_STATUSES | FINISHING_STATUSES:
        problems.append(_("status must be OPEN or CLOSED (or FIXED, IN_PROGRESS)."))
    if raw := get("updated_datetime"):
        try:
            parse_moment("updated_datetime", raw)
        except BadParameter as error:
            problems.append(str(error))
    if problems:
        raise Invalid(problems)


def _handled_report(raw_id: str, organization: Organization) -> Report:
    code = normalize_tracking_code(raw_id)
    report = Report.objects.handled_by(organization).filter(tracking_code=code).first()
    if not code or report is None:
        raise Invalid([_("Request %(id)s not found.") % {"id": raw_id}], 404)
    return report


def _claim(organization: Organization, key: str, digest: str) -> dict | None:
    """None when this update claimed `key`; the first answer when it was sent before.

    Call inside a transaction: the claim is undone with the update if that fails, and a
    concurrent retry waits on the unique row until this one commits."""
    try:
        with transaction.atomic():
            IdempotentResponse.objects.create(
                organization=organization, key=key, request_hash=digest, status_code=0
            )
        return None
    except IntegrityError:
        record = IdempotentResponse.objects.get(organization=organization, key=key)
    if record.request_hash != digest or not record.body:
        raise Invalid([_("update_id was already used for a different update.")])
    return record.body


def _publish(report: Report, organization: Organization, status: str, description: str):
    act = lifecycle.complete if status in FINISHING_STATUSES else lifecycle.respond
    try:
        return act(report, service_actor(organization), description)
    except lifecycle.TransitionError as error:
        raise Invalid([str(error)]) from None
    except PermissionDenied:
        raise Invalid(
            [_("Request %(id)s not found.") % {"id": report.tracking_code}], 404
        ) from None
