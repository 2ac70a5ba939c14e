"""Who opened which report in the back office: recorded for every officer, shown only
to the report's admins, leaders and oversight bodies."""

from __future__ import annotations

import datetime

import time_machine
from django.urls import reverse
from django.utils import timezone

from aduan.reports.models import ReportAccess, Status
from tests.personas import advance, submit


def _open(client_for, user, report):
    return client_for(user).get(reverse("workspace:report", args=[report.tracking_code]))


def test_each_officer_who_opens_a_report_is_recorded_once_an_hour(world, client_for):
    report, _ = submit(world, reporter=world.citizen)
    advance(world, report, Status.DISPATCHED)

    _open(client_for, world.liaison_a, report)
    _open(client_for, world.liaison_a, report)
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=61), tick=False):
        _open(client_for, world.liaison_a, report)

    rows = ReportAccess.objects.filter(report=report, user=world.liaison_a)
    assert rows.count() == 2
    assert set(rows.values_list("via", flat=True)) == {"page"}


def test_an_outsider_refused_the_report_leaves_no_record(world, client_for):
    report, _ = submit(world, reporter=world.citizen)
    advance(world, report, Status.DISPATCHED)

    response = _open(client_for, world.other_admin, report)

    assert response.status_code == 404
    assert not ReportAccess.objects.filter(report=report).exists()


def test_the_admins_see_who_opened_it_and_the_handling_unit_does_not(world, client_for):
    report, _ = submit(world, reporter=world.citizen)
    advance(world, report, Status.DISPATCHED)
    _open(client_for, world.liaison_a, report)

    admin_page = _open(client_for, world.agency_admin, report).content.decode()
    supervisor_page = _open(client_for, world.supervisor, report).content.decode()
    liaison_page = _open(client_for, world.liaison_a, report).content.decode()

    assert "Who opened this report" in admin_page
    assert "Penghubung DPU, Dinas Pekerjaan Umum" in admin_page
    assert "Penghubung DPU" in supervisor_page
    assert "Who opened this report" not in liaison_page
