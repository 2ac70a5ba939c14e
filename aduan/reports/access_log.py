"""Who opened which report in the back office (`ReportAccess`).

Officers read reporters' names, contacts and words every day; the organization's admins,
its leaders and the oversight bodies may need to know who read a given report — a
confidential one, or one about an official — and when. Each opening of a report's page
or of one of its files is recorded, at most once per ACCESS_LOG_WINDOW for the same
person, report and way, so that reloading a page does not fill the table.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from itertools import islice

from django.utils import timezone
from django.utils.translation import gettext as _

from aduan.organizations.models import Membership
from aduan.reports.models import Report, ReportAccess

ACCESS_LOG_WINDOW = datetime.timedelta(hours=1)
SHOWN = 50
CHUNK = 500  # report ids per query: well under every database's parameter limit
Role = Membership.Role


def record_access(report: Report, user=None, via: str = ReportAccess.Via.PAGE, *, api_key=None):
    """Record that `user` (an officer), or the connected system holding `api_key`, read
    `report` by `via`, unless they did within the window."""
    record_accesses([report.pk], user=user, via=via, api_key=api_key)


def record_accesses(
    report_ids, *, user=None, via: str = ReportAccess.Via.PAGE, api_key=None
) -> None:
    """`record_access` for many reports at once (a page of the API's list, a list
    export): a query per CHUNK reports to find those read within the window, and one
    insert for the rest."""
    now = timezone.now()
    reader = {"user": user} if user is not None else {"api_key": api_key}
    ids = list(dict.fromkeys(report_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        recent = set(
            ReportAccess.objects.filter(
                report_id__in=chunk, via=via, at__gt=now - ACCESS_LOG_WINDOW, **reader
            ).values_list("report_id", flat=True)
        )
        ReportAccess.objects.bulk_create(
            ReportAccess(report_id=pk, via=via, at=now, **reader)
            for pk in chunk
            if pk not in recent
        )


def recorded_while_read(reports: Iterable[Report], *, user, via: str) -> Iterator[Report]:
    """`reports` as they are read (a list export streamed row by row), each recorded as
    `record_accesses` does, CHUNK at a time just before it is handed on: a whole
    country's list starts at once, without holding its ids or recording it all first."""
    reports = iter(reports)
    while chunk := list(islice(reports, CHUNK)):
        record_accesses([report.pk for report in chunk], user=user, via=via)
        yield from chunk


def may_read_log(report: Report, access) -> bool:
    """The report's admins and leaders (of its handling organization or above, the
    national admins) and the oversight bodies that see it."""
    return (
        access.can_administer(report.organization)
        or access.holds(report.organization, Role.SUPERVISOR)
        or access.has_role(Role.AUDITOR)
    )


def recent_accesses(report: Report) -> list[dict]:
    """The latest openings, newest first, each with the officer's organizations (or,
    for a connected system, its key's name and organization)."""
    rows = list(
        ReportAccess.objects.filter(report=report)
        .select_related("user", "api_key__organization")
        .order_by("-at")[:SHOWN]
    )
    where: dict[int, list[str]] = {}
    memberships = Membership.objects.filter(
        user__in={row.user_id for row in rows if row.user_id}, is_active=True
    ).select_related("organization")
    for membership in memberships:
        where.setdefault(membership.user_id, []).append(membership.organization.name)
    return [_described(row, where) for row in rows]


def _described(row: ReportAccess, where: dict[int, list[str]]) -> dict:
    if row.user_id is None:
        key = row.api_key
        who = _("API key “%(name)s” (%(prefix)s…)") % {"name": key.name, "prefix": key.prefix}
        return {
            "who": who,
            "where": key.organization.name,
            "via": row.get_via_display(),
            "at": row.at,
        }
    return {
        "who": row.user.full_name or row.user.email,
        "where": "; ".join(sorted(set(where.get(row.user_id, [])))),
        "via": row.get_via_display(),
        "at": row.at,
    }
