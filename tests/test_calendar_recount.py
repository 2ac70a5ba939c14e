"""A correction of the working-day calendar recounts the monitoring figures measured
across the corrected day, in the background, without anyone running `rebuild_facts`."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from aduan.analytics.facts import rebuild_facts, rebuild_facts_around
from aduan.analytics.models import FigureSnapshot, ReportFact
from aduan.analytics.tasks import rebuild_facts_around_task
from aduan.deadlines.models import CalendarDay
from aduan.reports import lifecycle
from tests.personas import as_user, report_at
from tests.test_metrics import at

TUESDAY = datetime.date(2026, 1, 13)


@pytest.fixture
def verified_across_tuesday(world):
    """Verified from Monday 12 to Wednesday 14 January 09:00: 2 working days, and a
    report of the week before that the correction does not touch."""
    admin = as_user(world.national_admin)
    across = report_at(world, at(12, 9))
    lifecycle.dispatch(across, admin, world.unit_a, at=at(14, 9))
    before = report_at(world, at(5, 9))
    lifecycle.dispatch(before, admin, world.unit_a, at=at(6, 9))
    rebuild_facts()
    return across, before


def test_adding_a_day_off_on_the_page_queues_the_recount_of_that_day(world, client):
    client.force_login(world.national_admin)
    response = client.post(
        reverse("workspace:calendar_day_off"),
        {"date": TUESDAY.isoformat(), "name": "Libur daerah"},
    )
    assert response.status_code == 302
    queued = DBTaskResult.objects.get(task_path=rebuild_facts_around_task.module_path)
    assert queued.args_kwargs["args"] == [[TUESDAY.isoformat()]]


def test_removing_a_correction_queues_the_recount_too(world, client):
    correction = CalendarDay.objects.create(date=TUESDAY, is_working_day=False, name="Libur")
    client.force_login(world.national_admin)
    client.post(reverse("workspace:calendar_delete", kwargs={"pk": correction.pk}))
    queued = DBTaskResult.objects.get(task_path=rebuild_facts_around_task.module_path)
    assert queued.args_kwargs["args"] == [[TUESDAY.isoformat()]]


def test_the_recount_rewrites_the_durations_across_the_day_and_only_those(
    world, verified_across_tuesday
):
    across, before = verified_across_tuesday
    assert ReportFact.objects.get(report=across).verification_working_days == pytest.approx(2.0)
    untouched_at = ReportFact.objects.get(report=before).refreshed_at
    FigureSnapshot.objects.create(
        key="all:20260101:20260131", data={}, computed_at=at(20, 9), viewed_at=at(20, 9)
    )
    CalendarDay.objects.create(date=TUESDAY, is_working_day=False, name="Libur daerah")
    assert rebuild_facts_around_task.call([TUESDAY.isoformat()]) == 1
    assert ReportFact.objects.get(report=across).verification_working_days == pytest.approx(1.0)
    assert ReportFact.objects.get(report=before).refreshed_at == untouched_at
    # The dashboards' snapshots are stale now, so none shows the old durations.
    assert FigureSnapshot.objects.get().computed_at.year == 2000


def test_a_recount_of_no_day_does_nothing(world):
    assert rebuild_facts_around([]) == 0
