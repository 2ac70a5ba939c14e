"""A stopped deadline says how it ended; one met after it passed says how late."""

import datetime
import zoneinfo

import time_machine
from django.utils import translation

from aduan.deadlines.models import Clock
from aduan.deadlines.presenters import staff_rows
from aduan.reports import lifecycle
from tests.personas import as_user, submit

WIB = zoneinfo.ZoneInfo("Asia/Jakarta")


def _verification_outcome(report) -> str:
    with translation.override("en"):
        rows = staff_rows(report.deadlines.all())
    return next(row.outcome for row in rows if row.clock == Clock.VERIFICATION)


def test_a_deadline_met_late_says_how_many_working_days_late(world):
    with time_machine.travel(datetime.datetime(2026, 11, 23, 9, tzinfo=WIB), tick=False) as t:
        report = submit(world, reporter=world.citizen)[0]  # due at the end of Wednesday
        t.move_to(datetime.datetime(2026, 11, 30, 10, tzinfo=WIB))  # the next Monday
        lifecycle.dispatch(report, as_user(world.national_admin), world.agency)
        assert _verification_outcome(report) == "Met, 2 working days late"


def test_a_deadline_met_in_time_just_says_met(world):
    with time_machine.travel(datetime.datetime(2026, 11, 23, 9, tzinfo=WIB), tick=False) as t:
        report = submit(world, reporter=world.citizen)[0]
        t.move_to(datetime.datetime(2026, 11, 24, 9, tzinfo=WIB))
        lifecycle.dispatch(report, as_user(world.national_admin), world.agency)
        assert _verification_outcome(report) == "Met"
