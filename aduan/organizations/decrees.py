"""Warning an agency before its connection decree (SK pengelola) runs out.

An agency is connected only while a decree is in force (`Organization.is_connected`);
the government renews decrees by letter, and a forgotten renewal quietly disconnects
the agency. Its admins and the national admins are told 30 and 7 days before the last
valid day, and once when it has passed (for a week after, so that an installation
seeing old decrees for the first time does not announce them all). A later decree
that takes over in time makes the warning moot. Each warning is sent once: its key is
the decree and the stage.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from aduan.notifications import outbox
from aduan.notifications.models import Kind, Notification
from aduan.organizations.models import ConnectionDecree, Membership, Organization

WARN_DAYS = (30, 7)
EXPIRED_NOTICE_DAYS = 7


def warn_of_expiring_decrees(now: datetime.datetime | None = None) -> int:
    """Send the warnings due today; returns how many decrees were warned about."""
    today = timezone.localdate(now)
    decrees = ConnectionDecree.objects.filter(
        valid_until__gte=today - datetime.timedelta(days=EXPIRED_NOTICE_DAYS),
        valid_until__lt=today + datetime.timedelta(days=max(WARN_DAYS)),
        organization__in=Organization.objects.active().receiving(),
    ).select_related("organization")
    warned = 0
    for decree in decrees:
        days_left = (decree.valid_until - today).days + 1  # today counts while valid
        key = f"decree:{decree.pk}:{_stage(days_left)}"
        if _taken_over(decree) or Notification.objects.filter(key__startswith=f"{key}:").exists():
            continue
        with transaction.atomic():
            _warn(decree, days_left, key)
        warned += 1
    return warned


def _stage(days_left: int) -> str:
    if days_left <= 0:
        return "expired"
    return str(min(days for days in WARN_DAYS if days_left <= days))


def _taken_over(decree: ConnectionDecree) -> bool:
    """Whether another decree of the agency is in force the day after this one ends."""
    next_day = decree.valid_until + datetime.timedelta(days=1)
    return (
        decree.organization.decrees.exclude(pk=decree.pk)
        .filter(issued_on__lte=next_day)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=next_day))
        .exists()
    )


def _warn(decree: ConnectionDecree, days_left: int, key: str) -> None:
    agency = decree.organization
    admins = outbox.members(agency, Membership.Role.AGENCY_ADMIN)
    national = outbox.members(None, Membership.Role.NATIONAL_ADMIN)
    outbox.notify(
        Kind.DECREE_EXPIRING,
        outbox.staff(outbox.unique([*admins, *national])),
        key=key,
        context={
            "organization": agency.name,
            "number": decree.number,
            "valid_until": decree.valid_until,
            "days_left": days_left,
        },
        organization=agency,
        link=outbox.absolute(reverse("workspace:organization", args=[agency.pk])),
    )
