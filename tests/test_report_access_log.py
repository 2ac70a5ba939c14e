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


# --- Connected systems and list exports --------------------------------------------


def test_a_connected_systems_reads_are_recorded_under_its_key(world, client, client_for):
    from aduan.api.models import ApiKey
    from tests.test_api import get, new_key

    report, _ = submit(world, reporter=world.citizen)
    advance(world, report, Status.DISPATCHED)
    secret = new_key(world.agency)
    key = ApiKey.objects.get(organization=world.agency)

    assert get(client, f"/api/v1/reports/{report.tracking_code}/", secret).status_code == 200
    assert get(client, "/api/v1/reports/", secret).status_code == 200  # same hour: once

    row = ReportAccess.objects.get(report=report)
    assert (row.user, row.api_key, row.via) == (None, key, "api")
    admin_page = _open(client_for, world.agency_admin, report).content.decode()
    assert "API key “Sistem lokal”" in admin_page
    assert "Connected system (API)" in admin_page


def test_a_page_of_the_api_list_records_each_report_on_it(world, client):
    from tests.test_api import get, new_key

    reports = [submit(world, reporter=world.citizen, title=f"Lampu {n}")[0] for n in range(3)]
    for report in reports:
        advance(world, report, Status.DISPATCHED)
    secret = new_key(world.agency)

    assert len(get(client, "/api/v1/reports/", secret, limit=2).json()["results"]) == 2

    assert ReportAccess.objects.filter(via="api").count() == 2


def test_a_key_of_another_organization_refused_the_report_leaves_no_record(world, client):
    from tests.test_api import get, new_key

    report, _ = submit(world, reporter=world.citizen)
    advance(world, report, Status.DISPATCHED)
    secret = new_key(world.other_agency)

    assert get(client, f"/api/v1/reports/{report.tracking_code}/", secret).status_code == 404
    assert get(client, "/api/v1/reports/", secret).json()["results"] == []
    assert not ReportAccess.objects.exists()


def test_each_report_in_a_list_export_is_recorded_for_the_officer(world, client_for):
    report, _ = submit(world, reporter=world.citizen)
    advance(world, report, Status.DISPATCHED)
    other, _ = submit(world, reporter=world.citizen, title="Parkir liar")  # national queue

    for name in ("workspace:export", "workspace:export_xlsx"):
        response = client_for(world.liaison_a).get(reverse(name), {"tab": "all"})
        assert response.status_code == 200
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert body

    rows = ReportAccess.objects.filter(user=world.liaison_a)
    assert list(rows.values_list("report_id", "via")) == [(report.pk, "export")]
    assert not ReportAccess.objects.filter(report=other).exists()
