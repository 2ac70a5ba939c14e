"""The daily digest: each organization's staff hear once a day what waits for them.

Sent after `ADUAN_DIGEST_HOUR` local time. A `DigestRun` row per time zone and day is
the claim: the scanner that inserts it sends that day's digests, any other skips them.
Counts come from a few GROUP BY queries for all organizations at once, rolled up the
tree in Python, so the cost does not grow with the number of organizations' reports.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from aduan.deadlines import calendar
from aduan.deadlines.models import STAFF_CLOCKS, DigestRun
from aduan.deadlines.presenters import shown_due
from aduan.notifications import outbox
from aduan.notifications.models import Kind
from aduan.organizations.models import PATH_STEP, Membership, Organization
from aduan.reports.models import OPEN_STATUSES, Dispatch, Report

Role = Membership.Role
DIGEST_ROLES = (Role.AGENCY_ADMIN, Role.LIAISON, Role.SUPERVISOR)
LIST_LENGTH = 10


def send_digests(now: datetime.datetime | None = None) -> int:
    """Send today's digests in every time zone whose digest hour has come; returns how
    many organizations got one."""
    now = now or timezone.now()
    sent = 0
    zones = set(
        Membership.objects.filter(is_active=True, role__in=DIGEST_ROLES).values_list(
            "organization__time_zone", flat=True
        )
    )
    for zone_name in sorted(zones):
        local = now.astimezone(calendar.zone(zone_name))
        if local.hour < settings.ADUAN_DIGEST_HOUR:
            continue
        if not calendar.current().is_working_day(local.date()):
            continue
        sent += _run(zone_name, local.date(), now)
    return sent


def _run(zone_name: str, day: datetime.date, now) -> int:
    try:
        with transaction.atomic():
            DigestRun.objects.create(time_zone=zone_name, date=day, started_at=now)
    except IntegrityError:
        return 0  # another scanner has it
    orgs = list(
        Organization.objects.filter(
            time_zone=zone_name,
            is_active=True,
            memberships__is_active=True,
            memberships__role__in=DIGEST_ROLES,
        ).distinct()
    )
    figures = _figures(now)
    sent = 0
    for org in orgs:
        counts = _rolled_up(org, figures)
        if not any(counts.values()):
            continue
        with transaction.atomic():
            _send(org, day, counts, now)
        sent += 1
    DigestRun.objects.filter(time_zone=zone_name, date=day).update(organizations=sent)
    return sent


def _overdue(now) -> QuerySet[Report]:
    # Reports, not clocks (a report late for its first response and its completion is
    # one late report), and the same ones the overdue page and the dashboard count.
    return Report.objects.filter(status__in=OPEN_STATUSES, due_at__lt=now)


def _due_soon(now) -> QuerySet[Report]:
    soon = now + datetime.timedelta(days=settings.ADUAN_REMIND_BEFORE_DAYS)
    return Report.objects.filter(
        status__in=OPEN_STATUSES, due_clock__in=STAFF_CLOCKS, due_at__gte=now, due_at__lte=soon
    )


def _figures(now) -> dict[str, Counter]:
    """Per handling-organization path: new, due soon, overdue and escalated counts."""
    since = now - datetime.timedelta(days=1)
    figures: dict[str, Counter] = defaultdict(Counter)
    queries = (
        ("new", Dispatch.objects.filter(at__gte=since), "to_organization__path"),
        ("overdue", _overdue(now), "organization__path"),
        ("due_soon", _due_soon(now), "organization__path"),
        ("escalated", Report.objects.filter(escalated_at__gte=since), "organization__path"),
    )
    for name, query, path_field in queries:
        for row in query.values(path_field).annotate(n=Count("id")).order_by():
            figures[row[path_field] or ""][name] += row["n"]
    return figures


def _rolled_up(org: Organization, figures: dict[str, Counter]) -> Counter:
    total: Counter = Counter({"new": 0, "due_soon": 0, "overdue": 0, "escalated": 0})
    for path, counts in figures.items():
        if path.startswith(org.path) and len(path) % PATH_STEP == 0:
            total.update(counts)
    return total


def _send(org: Organization, day: datetime.date, counts: Counter, now) -> None:
    mine = Q(organization__path__startswith=org.path)
    overdue = list(_overdue(now).filter(mine).order_by("due_at", "pk")[:LIST_LENGTH])
    due_soon = list(
        _due_soon(now).filter(mine).order_by("due_at", "pk")[: min(LIST_LENGTH, counts["due_soon"])]
    )
    for report in (*overdue, *due_soon):
        # Only for the message, never saved: the deadline as people read it.
        report.due_at = shown_due(report.due_at, org.time_zone)
    recipients = Membership.objects.filter(
        organization=org, role__in=DIGEST_ROLES, is_active=True, user__is_active=True
    ).select_related("user")
    outbox.notify(
        Kind.DIGEST,
        outbox.staff(outbox.unique(m.user for m in recipients)),
        key=f"digest:{org.pk}:{day.isoformat()}",
        context={
            "organization": org.name,
            "date": day,
            "counts": dict(counts),
            "overdue": overdue,
            "due_soon": due_soon,
        },
        organization=org,
        link=outbox.absolute(reverse("workspace:inbox")),
    )
