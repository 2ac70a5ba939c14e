"""The deadline scan under load: `manage.py benchmark --scan`.

Measured against whatever the database holds (load it with `seed_demo --synthetic N
--open` for a million open reports). Four passes, each printed as `name: value unit`:
the catch-up pass at the current moment (whatever fell due since the data was written),
an idle pass right after it (nothing due: the cost of asking), and passes one hour and
one day later, which act on an hour's and a day's worth of reminders, overdue alerts,
escalations and automatic closings at once (as after an outage of the scanners). Those
two run inside a transaction that is rolled back, so the data is unchanged afterwards.
"""

from __future__ import annotations

import datetime
import time

from django.db import connection, transaction
from django.utils import timezone

from aduan.deadlines.models import Deadline
from aduan.deadlines.scan import scan
from aduan.reports.models import Report


class Rollback(Exception):
    pass


def run(emit) -> None:
    emit("open_reports", Report.objects.open().count() + _completed(), "reports")
    emit("running_deadlines", Deadline.objects.running().count(), "deadlines")
    now = timezone.now()
    _timed(emit, "scan_catch_up", now)
    _timed(emit, "scan_idle", now)
    for name, ahead in (("scan_next_hour", 1), ("scan_next_day", 24)):
        try:
            with transaction.atomic():
                _timed(emit, name, now + datetime.timedelta(hours=ahead))
                raise Rollback
        except Rollback:
            pass


def _completed() -> int:
    return Report.objects.filter(status="completed").count()


def _timed(emit, name: str, now) -> None:
    queries = _Counter()
    started = time.perf_counter()
    with connection.execute_wrapper(queries):
        result = scan(now)
    seconds = time.perf_counter() - started
    emit(f"{name}_seconds", f"{seconds:.2f}", "s")
    emit(f"{name}_queries", queries.count, "queries")
    for field in ("reminded", "overdue", "escalated", "closed", "archived"):
        emit(f"{name}_{field}", getattr(result, field), "reports")


class _Counter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)
