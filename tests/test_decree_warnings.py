"""An agency's admins and the national admins hear before its connection decree runs out."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from aduan.notifications.models import Kind, Medium, Notification
from aduan.organizations.decrees import warn_of_expiring_decrees
from aduan.organizations.models import ConnectionDecree

TODAY = datetime.date(2026, 12, 1)


def noon(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


@pytest.fixture
def decree(world):
    world.agency.decrees.all().delete()
    return ConnectionDecree.objects.create(
        organization=world.agency,
        number="100.3.3.2/7/2026",
        issued_on=datetime.date(2025, 1, 2),
        valid_until=TODAY + datetime.timedelta(days=19),  # 20 days left, today included
    )


def told(kind=Kind.DECREE_EXPIRING) -> set[tuple[int, str]]:
    rows = Notification.objects.filter(kind=kind, medium=Medium.IN_APP)
    return {(row.user_id, row.key.split(":")[2]) for row in rows}


def test_admins_hear_once_a_month_before_then_a_week_before_then_when_it_ends(world, decree):
    assert warn_of_expiring_decrees(noon(TODAY)) == 1
    assert warn_of_expiring_decrees(noon(TODAY)) == 0  # once per stage
    assert told() == {(world.agency_admin.pk, "30"), (world.national_admin.pk, "30")}
    subject = Notification.objects.get(user=world.agency_admin, medium=Medium.IN_APP).subject
    assert "20" in subject and world.agency.name in subject

    warn_of_expiring_decrees(noon(TODAY + datetime.timedelta(days=14)))
    warn_of_expiring_decrees(noon(TODAY + datetime.timedelta(days=20)))
    assert {stage for user, stage in told() if user == world.agency_admin.pk} == {
        "30",
        "7",
        "expired",
    }
    assert world.liaison_a.pk not in {user for user, _stage in told()}


def test_a_renewal_in_force_in_time_silences_the_warning(world, decree):
    ConnectionDecree.objects.create(
        organization=world.agency,
        number="100.3.3.2/9/2026",
        issued_on=TODAY,
        valid_until=TODAY + datetime.timedelta(days=3 * 365),
    )
    assert warn_of_expiring_decrees(noon(TODAY)) == 0
    assert not told()


def test_a_decree_that_ended_long_ago_is_not_announced(world, decree):
    decree.valid_until = TODAY - datetime.timedelta(days=40)
    decree.save()
    assert warn_of_expiring_decrees(noon(TODAY)) == 0


def test_the_periodic_scan_sends_the_warnings(world, decree):
    call_command("run_scans", at=noon(TODAY).isoformat(), verbosity=0)
    assert (world.agency_admin.pk, "30") in told()
