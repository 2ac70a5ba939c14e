"""A supervisor's one-click reminder to a unit about its overdue reports.

The seeds tell of a regent who messaged department heads himself when reports were
ignored; this does it for him, with the list attached, and leaves a record
(`SupervisorReminder`) of who reminded whom and when.
"""

from __future__ import annotations

import datetime
import math

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _

from aduan.deadlines import calendar
from aduan.deadlines.clocks import time_zone_of
from aduan.deadlines.models import STAFF_CLOCKS, Deadline
from aduan.deadlines.presenters import shown_due
from aduan.notifications.models import Kind, SupervisorReminder
from aduan.notifications.outbox import absolute, members, notify, staff, staff_link
from aduan.organizations.access import Access, Role
from aduan.organizations.models import Organization
from aduan.reports.models import Report

REMINDER_ROLES = (Role.SUPERVISOR, Role.AGENCY_ADMIN)
REMINDED_ROLES = (Role.LIAISON, Role.AGENCY_ADMIN)
# Who watches a list of overdue reports: liaisons their own unit's, the others a subtree.
WATCHER_ROLES = (Role.SUPERVISOR, Role.AGENCY_ADMIN, Role.LIAISON)
REPORTS_IN_MESSAGE = 20
THROTTLE = datetime.timedelta(hours=1)


class ReminderRefused(Exception):
    """The reminder was not sent; the message says why, in words for the sender."""


def can_remind(access: Access, unit: Organization | None) -> bool:
    """National admins remind anyone; agency admins remind the units below them (not
    their own organization: a reminder goes down the tree); supervisors remind those and
    their own organization too, whose admins' desk may be the one late (the reports
    waiting for verification at the regency itself)."""
    if unit is None:
        return False
    if access.is_national_admin:
        return True
    if any(org.contains(unit) for org in access.orgs(Role.SUPERVISOR)):
        return True
    return any(org.path != unit.path and org.contains(unit) for org in access.orgs(*REMINDER_ROLES))


def may_see_overdue(access: Access) -> bool:
    return access.is_national_admin or access.has_role(*WATCHER_ROLES)


def late_deadlines(now: datetime.datetime | None = None):
    """Running staff deadlines that have passed."""
    return Deadline.objects.overdue(now).filter(clock__in=STAFF_CLOCKS)


def overdue_reports(reports: QuerySet[Report], now=None) -> QuerySet[Report]:
    """Those of `reports` with a running staff deadline that has passed."""
    late = late_deadlines(now).filter(report=OuterRef("pk"))
    return reports.filter(Exists(late))


def overdue_list_link(unit: Organization) -> str:
    return absolute(f"{reverse('workspace:overdue')}?unit={unit.pk}")


def remind_unit(unit: Organization, sender, message: str = "") -> SupervisorReminder:
    """Remind `unit`'s liaisons (or, lacking them, its nearest admins) of its overdue
    reports, as `sender`.

    Raises PermissionDenied when `sender` may not remind `unit`, and ReminderRefused when
    the unit has nothing overdue or `sender` already reminded it within the hour.
    """
    if not can_remind(Access.of(sender), unit):
        raise PermissionDenied(_("You may only remind units below your own organization."))
    message = message.strip()
    with transaction.atomic():
        # Serialises two clicks of the same sender, so the throttle holds under races.
        Organization.objects.select_for_update().filter(pk=unit.pk).first()
        now = timezone.now()
        _refuse_if_recent(unit, sender, now)
        late = overdue_reports(Report.objects.handled_by(unit), now)
        count = late.count()
        if not count:
            raise ReminderRefused(
                _("%(unit)s has no overdue reports; no reminder was sent.") % {"unit": unit.name}
            )
        shown = list(
            late.select_related("organization").order_by("due_at", "id")[:REPORTS_IN_MESSAGE]
        )
        reminder = SupervisorReminder.objects.create(
            organization=unit, sent_by=sender, sent_at=now, message=message, report_count=count
        )
        link = overdue_list_link(unit)
        cal = calendar.current()
        notify(
            Kind.REMINDER,
            staff(members(unit, *REMINDED_ROLES)),
            key=f"reminder{reminder.pk}",
            context={
                "organization": unit.name,
                "sender": sender.full_name,
                "message": message,
                "reports": [_report_item(report, now, cal) for report in shown],
                "count": count,
                "link": link,
            },
            organization=unit,
            link=link,
        )
    return reminder


def _refuse_if_recent(unit: Organization, sender, now: datetime.datetime) -> None:
    last = (
        SupervisorReminder.objects.filter(
            organization=unit, sent_by=sender, sent_at__gt=now - THROTTLE
        )
        .order_by("-sent_at")
        .first()
    )
    if last is not None:
        local = timezone.localtime(last.sent_at, calendar.zone(unit.time_zone))
        raise ReminderRefused(
            _("A reminder was already sent at %(time)s. You can send another an hour later.")
            % {"time": time_format(local, "TIME_FORMAT")}
        )


def _report_item(report: Report, now: datetime.datetime, cal) -> dict:
    """One report as the message lists it; plain values, rendered in each reader's language."""
    tz = time_zone_of(report)
    return {
        "report": report,
        "days_late": math.floor(max(cal.working_days_between(report.due_at, now, tz), 0)),
        "tracking_code": report.tracking_code,
        "title": report.title,
        "due_at": shown_due(report.due_at, tz) if report.due_at else None,
        "clock": report.due_clock,
        "link": staff_link(report),
    }
