"""Who opened which report in the back office (`ReportAccess`).

Officers read reporters' names, contacts and words every day; the organization's admins,
its leaders and the oversight bodies may need to know who read a given report — a
confidential one, or one about an official — and when. Each opening of a report's page
or of one of its files is recorded, at most once per ACCESS_LOG_WINDOW for the same
person, report and way, so that reloading a page does not fill the table.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from aduan.organizations.models import Membership
from aduan.reports.models import Report, ReportAccess

ACCESS_LOG_WINDOW = datetime.timedelta(hours=1)
SHOWN = 50
Role = Membership.Role


def record_access(report: Report, user, via: str = ReportAccess.Via.PAGE) -> None:
    now = timezone.now()
    recent = ReportAccess.objects.filter(
        report=report, user=user, via=via, at__gt=now - ACCESS_LOG_WINDOW
    )
    if not recent.exists():
        ReportAccess.objects.create(report=report, user=user, via=via, at=now)


def may_read_log(report: Report, access) -> bool:
    """The report's admins and leaders (of its handling organization or above, the
    national admins) and the oversight bodies that see it."""
    return (
        access.can_administer(report.organization)
        or access.holds(report.organization, Role.SUPERVISOR)
        or access.has_role(Role.AUDITOR)
    )


def recent_accesses(report: Report) -> list[dict]:
    """The latest openings, newest first, each with the officer's organizations."""
    rows = list(
        ReportAccess.objects.filter(report=report).select_related("user").order_by("-at")[:SHOWN]
    )
    where: dict[int, list[str]] = {}
    memberships = Membership.objects.filter(
        user__in={row.user_id for row in rows}, is_active=True
    ).select_related("organization")
    for membership in memberships:
        where.setdefault(membership.user_id, []).append(membership.organization.name)
    return [
        {
            "who": row.user.full_name or row.user.email,
            "where": "; ".join(sorted(set(where.get(row.user_id, [])))),
            "via": row.get_via_display(),
            "at": row.at,
        }
        for row in rows
    ]
