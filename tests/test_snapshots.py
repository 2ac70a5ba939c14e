"""Dashboard figures come from snapshots the scan keeps fresh, not from a fresh
aggregation on every request."""

from __future__ import annotations

import datetime

import time_machine
from django.utils import timezone

from aduan.analytics import snapshots
from aduan.analytics.facts import rebuild_facts
from aduan.analytics.metrics import Period
from aduan.analytics.models import FigureSnapshot
from aduan.reports.models import Status
from tests.personas import advance, submit

TODAY = timezone.localdate()
THIS_MONTH = Period.month(TODAY.year, TODAY.month)


def received(world) -> int:
    return snapshots.figures(world.agency, THIS_MONTH)["change"]["current"]["received"]


def test_figures_are_computed_once_then_read_from_the_snapshot(
    world, django_assert_max_num_queries
):
    advance(world, submit(world)[0], Status.DISPATCHED)
    rebuild_facts()
    assert received(world) == 1
    advance(world, submit(world)[0], Status.DISPATCHED)
    rebuild_facts()
    with django_assert_max_num_queries(3):  # the snapshot, the league's organizations, reports
        assert received(world) == 1  # still the snapshot's figure
    later = timezone.now() + datetime.timedelta(seconds=601)
    with time_machine.travel(later):
        assert received(world) == 2  # too old: computed again


def test_the_scan_refreshes_viewed_snapshots_before_they_grow_old(world):
    advance(world, submit(world)[0], Status.DISPATCHED)
    rebuild_facts()
    received(world)
    advance(world, submit(world)[0], Status.DISPATCHED)
    rebuild_facts()
    assert snapshots.refresh_snapshots() == 0  # fresh: nothing to do
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=301)):
        assert snapshots.refresh_snapshots() == 1
        [snapshot] = FigureSnapshot.objects.all()
        assert snapshot.data["change"]["current"]["received"] == 2


def test_snapshots_nobody_viewed_for_a_day_are_dropped(world):
    received(world)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=1, minutes=1)):
        snapshots.refresh_snapshots()
    assert not FigureSnapshot.objects.exists()


def test_a_snapshot_per_scope_and_period(world):
    snapshots.figures(world.agency, THIS_MONTH)
    snapshots.figures(world.unit_a, THIS_MONTH)
    snapshots.figures(None, THIS_MONTH.previous())
    assert FigureSnapshot.objects.count() == 3
