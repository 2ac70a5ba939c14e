"""A copy of what the installation holds about one account, for its owner (the right of
access of Law 27/2022 on Personal Data Protection), as one JSON document.

It holds what the person gave and what was done with it as they may see it: the
account, their roles, their reports with the timeline the reporter's page shows (never
the organizations' internal notes), the words as written of their anonymous reports and
of what they wrote on them later, the reports they support and follow, the messages sent
to them and their sign-ins.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aduan.accounts import two_factor

FORMAT_VERSION = 1


def _when(value) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def personal_data(user) -> dict:
    """Everything the module lists about `user`, ready for `json.dumps`."""
    return {
        "format": FORMAT_VERSION,
        "installation": settings.SITE_NAME,
        "exported_at": _when(timezone.now()),
        "account": _account(user),
        "roles": _roles(user),
        "reports": [_report(report) for report in _reports(user)],
        "supported": _marks(user, "supports"),
        "following": _marks(user, "subscriptions"),
        "notifications": _notifications(user),
        "sign_ins": _sign_ins(user),
    }


def as_json(user) -> bytes:
    return json.dumps(personal_data(user), ensure_ascii=False, indent=2).encode()


def _account(user) -> dict:
    return {
        "email": user.email,
        "full_name": user.full_name,
        "phone": user.phone,
        "phone_verified": _when(user.phone_verified_at),
        # The last message from it that kept it the account's (`holds_phone`).
        "phone_last_used": _when(user.phone_used_at),
        "language": user.language,
        "joined": _when(user.date_joined),
        "last_sign_in": _when(user.last_login),
        "email_confirmed": _when(user.email_confirmed_at),
        "two_step_sign_in": two_factor.is_on(user),
        "notify_by": {
            "email": user.notify_by_email,
            "whatsapp": user.notify_by_whatsapp,
            "sms": user.notify_by_sms,
        },
    }


def _roles(user) -> list[dict]:
    memberships = user.memberships.select_related("organization").order_by("created_at", "pk")
    return [
        {
            "organization": membership.organization.name,
            "role": str(membership.get_role_display()),
            "active": membership.is_active,
            "since": _when(membership.created_at),
        }
        for membership in memberships
    ]


def _reports(user):
    from aduan.reports.models import Report

    return (
        Report.objects.filter(reporter=user)
        .select_related("region", "category", "organization")
        .order_by("submitted_at", "pk")
    )


def _report(report) -> dict:
    from aduan.portal.presenters import timeline

    found = {
        "tracking_code": report.tracking_code,
        "kind": str(report.get_kind_display()),
        "status": str(report.get_status_display()),
        "title": report.title,
        "body": report.body,
        "submitted_at": _when(report.submitted_at),
        "date_of_incident": report.incident_date.isoformat() if report.incident_date else None,
        "region": report.region.name if report.region_id else None,
        "address": report.address,
        "latitude": float(report.latitude) if report.latitude is not None else None,
        "longitude": float(report.longitude) if report.longitude is not None else None,
        "category": report.category.name if report.category_id else None,
        "handled_by": report.organization.name if report.organization_id else None,
        "channel": str(report.get_channel_display()),
        "anonymous": report.is_anonymous,
        "confidential": report.is_confidential,
        "name_shown_publicly": report.show_reporter_name,
        "timeline": [
            {
                "at": _when(entry.at),
                "what": entry.label,
                "who": entry.who,
                "message": entry.message,
                "detail": entry.detail,
                "public": entry.is_public,
                "files": [item.original_name for item in entry.attachments],
            }
            for entry in timeline(report, is_reporter=True, attachments=_files(report))
        ],
    }
    if report.withheld_text:
        # An anonymous report as its reporter wrote it; organizations read it masked.
        found["as_written"] = json.loads(report.withheld_text)
    messages = _messages_as_written(report)
    if messages:
        # So are the words they wrote later (answers, added information, replies).
        found.setdefault("as_written", {})["messages"] = messages
    return found


def _messages_as_written(report) -> list[dict]:
    from aduan.reports.lifecycle import Action

    # Their own words, and those an officer recorded for them (by phone, by letter).
    theirs = Q(by_reporter=True) | Q(data__recorded_for_reporter=True)
    events = report.events.filter(theirs).exclude(withheld_message="")
    return [
        {
            "at": _when(event.at),
            "what": str(Action(event.action).label)
            if event.action in Action.values
            else event.action,
            "message": event.withheld_message,
        }
        for event in events.order_by("at", "pk")
    ]


def _files(report) -> list:
    from aduan.portal.presenters import visible_attachments

    return list(visible_attachments(report, is_reporter=True))


def _marks(user, relation: str) -> list[dict]:
    from aduan.reports.models import Subscription, Support

    model = {"supports": Support, "subscriptions": Subscription}[relation]
    rows = model.objects.filter(user=user).select_related("report").order_by("at", "pk")
    return [{"report": _code(row.report, user), "at": _when(row.at)} for row in rows]


def _code(report, user) -> str | None:
    """A report's tracking code, unless the person may not open it: a merge moves a
    duplicate's reporter and supporters to its original, which may be confidential or
    not yet verified, and is never named to them (`lifecycle._merge_message`)."""
    if report is None:
        return None
    if report.reporter_id == user.pk or report.is_public or report.is_public_duplicate:
        return report.tracking_code
    return None


def _notifications(user) -> list[dict]:
    rows = user.notifications.order_by("created_at", "pk").select_related("report")
    return [
        {
            "at": _when(row.created_at),
            "kind": str(row.get_kind_display()),
            "channel": str(row.get_medium_display()),
            "address": row.address,
            "report": _code(row.report, user),
            "subject": row.subject,
            "message": row.shown_body,
            "state": str(row.get_state_display()),
            "sent_at": _when(row.sent_at),
        }
        for row in rows.iterator(chunk_size=500)
    ]


def _sign_ins(user) -> list[dict]:
    """Successful and failed sign-ins django-axes recorded for the account's address."""
    from axes.models import AccessFailureLog, AccessLog

    found = [
        {"at": _when(row.attempt_time), "address": row.ip_address, "result": _("signed in")}
        for row in AccessLog.objects.filter(username__iexact=user.email)
    ]
    found += [
        {"at": _when(row.attempt_time), "address": row.ip_address, "result": _("wrong password")}
        for row in AccessFailureLog.objects.filter(username__iexact=user.email)
    ]
    return sorted(found, key=lambda row: row["at"] or "")
