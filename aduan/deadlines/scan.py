"""The periodic deadline scan: reminders, overdue alerts, escalation, automatic closing.

Run by `manage.py run_scans` on one or many hosts at once. Each pass claims a batch of
deadline rows with one conditional UPDATE … RETURNING (with SKIP LOCKED on PostgreSQL)
and acts on the batch in the same transaction, so a row is acted on exactly once: a
second scanner skips or no longer matches it, and a crash rolls back claim and action
together. The work per batch is a fixed handful of queries, whatever the batch size.
"""

from __future__ import annotations

import datetime
import logging
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field, fields

from django.db import OperationalError, connection, transaction
from django.utils import timezone, translation

from aduan.deadlines import calendar
from aduan.deadlines.clocks import time_zone_of
from aduan.deadlines.models import Clock, Deadline
from aduan.notifications import outbox
from aduan.notifications.models import Kind
from aduan.reports import lifecycle
from aduan.reports.lifecycle import Action, ArchiveReason

BATCH = 1000
# A batch PostgreSQL chose to abort to end a deadlock is run again this many times.
DEADLOCK_RETRIES = 3
logger = logging.getLogger(__name__)
Role = outbox.Role
# Who answers for each staff clock.
RESPONSIBLE = {
    Clock.VERIFICATION: (Role.AGENCY_ADMIN, Role.NATIONAL_ADMIN),
    Clock.FIRST_RESPONSE: (Role.LIAISON, Role.AGENCY_ADMIN),
    Clock.COMPLETION: (Role.LIAISON, Role.AGENCY_ADMIN),
}


@dataclass
class ScanResult:
    reminded: int = 0
    overdue: int = 0
    escalated: int = 0
    closed: int = 0
    archived: int = 0
    batches: int = 0
    counts: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return (
            f"reminded {self.reminded}, overdue {self.overdue}, escalated {self.escalated}, "
            f"closed {self.closed}, archived {self.archived}"
        )

    def add(self, other: ScanResult) -> None:
        for counter in fields(self):
            if counter.type == "int":
                setattr(
                    self, counter.name, getattr(self, counter.name) + getattr(other, counter.name)
                )


def scan(now: datetime.datetime | None = None, batch: int = BATCH) -> ScanResult:
    """One pass over every deadline that needs attention at `now`."""
    now = now or timezone.now()
    result = ScanResult()
    for step in (_remind_batch, _expire_batch):
        while _batch_once(step, now, batch, result) == batch:
            pass
    return result


def _batch_once(step, now, limit: int, result: ScanResult) -> int:
    """Run one batch of `step`, adding what it did to `result` once it is committed.

    Two scanners claim different deadlines, but one report has several (first response
    and completion), so each may wait for a row the other changed: PostgreSQL then
    aborts one of them. Its batch rolled back whole, it is simply run again."""
    attempt = 0
    while True:
        done = ScanResult()
        try:
            count = step(now, limit, done)
        except OperationalError as error:
            attempt += 1
            if attempt > DEADLOCK_RETRIES or not _lost_to_another_writer(error):
                raise
            logger.warning("A deadline batch met another scanner's; running it again")
            time.sleep(random.uniform(0.05, 0.5))
            continue
        result.add(done)
        return count


def _lost_to_another_writer(error: OperationalError) -> bool:
    # deadlock_detected, serialization_failure
    return getattr(error.__cause__, "sqlstate", None) in ("40P01", "40001")


# --- Claiming --------------------------------------------------------------------------

_CLAIM = """
UPDATE {table} SET {mark} = %s
WHERE id IN (
    SELECT id FROM {table}
    WHERE stopped_at IS NULL AND {mark} IS NULL AND {moment} <= %s
    ORDER BY {moment} LIMIT %s {lock}
) AND {mark} IS NULL
RETURNING id
"""


def _claim(mark: str, moment: str, now, limit: int) -> list[int]:
    """Mark up to `limit` due rows as handled by us; call inside a transaction."""
    lock = "FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    sql = _CLAIM.format(table=Deadline._meta.db_table, mark=mark, moment=moment, lock=lock)
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, now, limit])
        return [row[0] for row in cursor.fetchall()]


def _load(ids: list[int]) -> list[Deadline]:
    return list(
        Deadline.objects.filter(pk__in=ids)
        .select_related("report__organization__parent", "report__reporter", "organization")
        .order_by("due_at", "id")
    )


# --- Before a deadline -------------------------------------------------------------------


def _remind_batch(now, limit: int, result: ScanResult) -> int:
    with transaction.atomic(), outbox.collecting():
        ids = _claim("reminded_at", "remind_at", now, limit)
        if not ids:
            return 0
        cal = calendar.current()
        for deadline in _load(ids):
            if deadline.due_at <= now:
                continue  # already late: the overdue pass speaks for it
            kind = Kind.REPLY_DUE if deadline.is_for_reporter else Kind.DUE_SOON
            _tell(deadline, kind, now, cal)
            result.reminded += 1
        result.batches += 1
    return len(ids)


# --- When a deadline passes ----------------------------------------------------------------


def _expire_batch(now, limit: int, result: ScanResult) -> int:
    with transaction.atomic(), outbox.collecting():
        ids = _claim("overdue_at", "due_at", now, limit)
        if not ids:
            return 0
        deadlines = _load(ids)
        by_clock: dict[str, list[Deadline]] = defaultdict(list)
        for deadline in deadlines:
            by_clock[deadline.clock].append(deadline)
        replies = [d.report for d in by_clock.pop(Clock.REPORTER_REPLY, [])]
        questions = [d.report for d in by_clock.pop(Clock.MISSING_INFORMATION, [])]
        result.closed += len(
            lifecycle.apply_system_action(
                Action.CLOSE_UNANSWERED, replies, at=now, changes={"closed_at": now}
            )
        )
        result.archived += len(
            lifecycle.apply_system_action(
                Action.ARCHIVE_INCOMPLETE,
                questions,
                at=now,
                message=_incomplete_message(),
                changes={"archived_at": now, "archive_reason": ArchiveReason.INCOMPLETE},
            )
        )
        late = [d for clock in by_clock.values() for d in clock]
        cal = calendar.current()
        for deadline in late:
            _tell(deadline, Kind.OVERDUE, now, cal)
        result.overdue += len(late)
        to_escalate = [
            d.report
            for d in late
            if d.report.escalated_at is None or d.report.escalated_at < d.started_at
        ]
        result.escalated += len(
            lifecycle.apply_system_action(
                Action.ESCALATE,
                _unique(to_escalate),
                at=now,
                changes={"escalated_at": now},
                data={"automatic": True},
                # A supervisor's escalation at the same moment is the one.
                unchanged=("escalated_at",),
            )
        )
        result.batches += 1
    return len(ids)


def _incomplete_message() -> str:
    # Timeline text is stored once; the installation's first language is Indonesian.
    with translation.override("id"):
        return str(lifecycle.INCOMPLETE_MESSAGE)


def _unique(reports):
    seen = {}
    for report in reports:
        seen.setdefault(report.pk, report)
    return list(seen.values())


# --- Messages ------------------------------------------------------------------------------


def _tell(deadline: Deadline, kind: str, now, cal: calendar.WorkingCalendar) -> None:
    from aduan.deadlines.presenters import countdown

    report = deadline.report
    if deadline.is_for_reporter:
        recipients = outbox.reporter_of(report)
        link = outbox.reporter_access_link(report)
    else:
        recipients = outbox.staff(
            outbox.members(deadline.organization, *RESPONSIBLE[deadline.clock])
        )
        link = outbox.staff_link(report)
    tz = time_zone_of(deadline)
    outbox.notify(
        kind,
        recipients,
        key=f"d{deadline.pk}:{kind}",
        context={
            "report": report,
            "code": report.tracking_code,
            "title": report.title,
            "organization": deadline.organization.name if deadline.organization_id else "",
            "clock": Clock(deadline.clock).label,  # lazy: in each recipient's language
            "due_at": timezone.localtime(deadline.due_at, calendar.zone(tz)),
            "due_text": lambda: (
                countdown(deadline.due_at, deadline.clock, now=now, tz=tz, cal=cal).text
            ),
        },
        report=report,
        organization=deadline.organization,
        link=link,
    )
