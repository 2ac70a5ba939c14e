"""Bulk synthetic reports for load testing (`seed_demo --synthetic N`).

This is the one place in Aduan that writes report rows directly instead of through
`aduan.reports.lifecycle`: building a million reports one lifecycle call at a time would
take hours. It is for load only. Every row it writes is equivalent to what intake and the
lifecycle produce for the same history: a Report whose status, milestone timestamps,
handling organization, rating and version agree with its timeline; a SUBMIT event for
each; for dispatched ones a DISPATCH event plus the Dispatch row; and the RESPOND,
COMPLETE, SATISFIED/CLOSE_UNANSWERED, RATE, HOLD or ARCHIVE events their status implies.

On PostgreSQL rows go in with COPY; elsewhere with executemany. Ids are reserved up front
(from the sequence on PostgreSQL, after the current maximum elsewhere) so events can
point at their report without a round trip per row.
"""

from __future__ import annotations

import datetime
import json
import random
from collections.abc import Callable

from django.db import connection, models, transaction
from django.utils import timezone

from aduan.deadlines import calendar
from aduan.deadlines.clocks import schedule, working_days_for
from aduan.deadlines.models import STAFF_CLOCKS, Clock, Deadline
from aduan.organizations.models import Organization, Region
from aduan.reports.codes import ALPHABET, CODE_LENGTH
from aduan.reports.lifecycle import PUBLIC_ACTIONS, Action, ArchiveReason
from aduan.reports.models import Dispatch, Kind, Report, ReportEvent, Status, Tier
from aduan.system.demo import texts
from aduan.system.demo.stories import (
    AGENCY_WEIGHTS,
    ASPIRATION_CATEGORIES,
    CHANNEL_WEIGHTS,
    HISTORY_DAYS,
    INFORMATION_CATEGORIES,
)
from aduan.system.demo.world import World

BATCH_SIZE = 5000
DAY = datetime.timedelta(days=1)

# status → (share, youngest and oldest age in days at load time)
STATUS_MIX = {
    Status.CLOSED: (0.44, 20, HISTORY_DAYS),
    Status.ARCHIVED: (0.12, 1, HISTORY_DAYS),
    Status.IN_PROGRESS: (0.12, 5, 180),
    Status.DISPATCHED: (0.09, 1, 60),
    Status.COMPLETED: (0.06, 3, 14),
    Status.SUBMITTED: (0.12, 0, 30),
    Status.ON_HOLD: (0.05, 1, 14),
}
# Open means a clock runs: waiting for the government, or for the reporter's reply.
OPEN_MIX = {
    Status.SUBMITTED,
    Status.ON_HOLD,
    Status.DISPATCHED,
    Status.IN_PROGRESS,
    Status.COMPLETED,
}
HANDLED = {Status.DISPATCHED, Status.IN_PROGRESS, Status.COMPLETED, Status.CLOSED}


class Table:
    """Column order, defaults and value adapters of one model for raw bulk writes."""

    def __init__(self, model: type[models.Model]):
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.columns = [f.column for f in self.fields]
        self.names = [f.attname for f in self.fields]
        self.defaults = {f.attname: _default(f) for f in self.fields}
        self.adapters = self._adapters()

    def _adapters(self) -> list[Callable | None]:
        if connection.vendor == "postgresql":
            # psycopg adapts everything COPY needs except dicts for JSON columns.
            return [json.dumps if isinstance(f, models.JSONField) else None for f in self.fields]
        return [lambda v, f=f: f.get_db_prep_save(v, connection) for f in self.fields]

    def row(self, values: dict) -> tuple:
        merged = {**self.defaults, **values}
        return tuple(
            merged[name] if adapt is None else adapt(merged[name])
            for name, adapt in zip(self.names, self.adapters, strict=True)
        )


def _default(field: models.Field):
    if field.has_default() and not callable(field.default):
        return field.default
    if field.null:
        return None
    return "" if isinstance(field, models.CharField | models.TextField) else None


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` primary keys nobody else will use. Call inside a transaction."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) "
                "FROM generate_series(1, %s)",
                [count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        start = cursor.fetchone()[0] + 1
    return list(range(start, start + count))


def write_rows(table: Table, rows: list[tuple]) -> None:
    """Insert prepared rows: COPY on PostgreSQL, executemany elsewhere."""
    if not rows:
        return
    name = connection.ops.quote_name(table.model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in table.columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {name} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(table.columns))
            cursor.executemany(f"INSERT INTO {name} ({columns}) VALUES ({marks})", rows)


class SyntheticLoader:
    """Generates and writes synthetic reports in batches over the demo organizations."""

    def __init__(
        self,
        world: World,
        rng: random.Random,
        now: datetime.datetime | None = None,
        *,
        only_open: bool = False,
    ):
        self.world = world
        self.rng = rng
        self.now = now or timezone.now()
        self.reports, self.events, self.dispatches, self.deadlines = (
            Table(Report),
            Table(ReportEvent),
            Table(Dispatch),
            Table(Deadline),
        )
        self.calendar = calendar.current()
        self.time_zones = dict(Organization.objects.values_list("pk", "time_zone"))
        self.targets = self._targets()
        self.citizen_ids = [c.pk for c in world.citizens]
        mix = {s: v for s, v in STATUS_MIX.items() if not only_open or s in OPEN_MIX}
        self.statuses = list(mix)
        self.status_weights = [share for share, _y, _o in mix.values()]
        self.channels = list(CHANNEL_WEIGHTS)
        self.channel_weights = list(CHANNEL_WEIGHTS.values())

    def _targets(self) -> list[tuple[list, dict, str]]:
        """Per agency: composed texts placed in its villages and, per sub-category, the
        unit that handles it there (with that unit's liaison)."""
        from aduan.system.demo.world import CATEGORIES

        targets = []
        for slug in AGENCY_WEIGHTS:
            units = {}
            for _p, _n, _e, children in CATEGORIES:
                for child_slug, _name, _en, dept in children:
                    unit = self.world.units[f"{slug}-{dept}"]
                    liaison = self.world.liaisons.get(unit.slug)
                    units[child_slug] = (unit, liaison.pk if liaison else None)
            targets.append((self._text_pool(slug), units, slug))
        return targets

    def _text_pool(self, agency_slug: str) -> list[tuple[str, str, str, str, str]]:
        """A few thousand composed (kind, category slug, title, body, village code) texts
        set in the agency's own streets and villages, to sample from."""
        rng, pool = self.rng, []
        code = self.world.agencies[agency_slug].regions.first().code
        villages = list(
            Region.objects.filter(code__startswith=f"{code}.", level=4).values_list(
                "code", "name", "parent__name"
            )
        )
        places = texts.PLACES[agency_slug]
        extra = [
            *(
                (Kind.ASPIRATION, s, t)
                for s, t in zip(ASPIRATION_CATEGORIES, texts.ASPIRATIONS, strict=True)
            ),
            *(
                (Kind.INFORMATION, s, t)
                for s, t in zip(INFORMATION_CATEGORIES, texts.INFORMATION_REQUESTS, strict=True)
            ),
        ]
        for _ in range(2000):
            if rng.random() < 0.12:
                kind, slug, (title, body, details) = rng.choice(extra)
            else:
                kind, slug = Kind.COMPLAINT, rng.choice(list(texts.STORIES))
                title, body, details = rng.choice(texts.STORIES[slug])
            village_code, village, district = rng.choice(villages)
            values = {
                "street": rng.choice(places["streets"]),
                "landmark": rng.choice(places["landmarks"]),
                "village": village,
                "district": district,
                "since": rng.choice(texts.SINCE),
                "detail": rng.choice(details),
            }
            text = (kind, slug, title.format(**values)[:150], body.format(**values), village_code)
            pool.append(text)
        return pool

    def tracking_codes(self, count: int) -> list[str]:
        """`count` new tracking codes, unique among themselves and in the database."""
        codes: set[str] = set()
        while len(codes) < count:
            fresh = set()
            while len(fresh) < count - len(codes):
                raw = "".join(self.rng.choices(ALPHABET, k=CODE_LENGTH))
                fresh.add(f"{raw[:4]}-{raw[4:]}")
            fresh -= codes
            taken = set(
                Report.objects.filter(tracking_code__in=fresh).values_list(
                    "tracking_code", flat=True
                )
            )
            codes |= fresh - taken
        return list(codes)

    def load(self, total: int, progress=None) -> int:
        """Write `total` reports in batches, each batch in its own transaction."""
        done = 0
        while done < total:
            size = min(BATCH_SIZE, total - done)
            with transaction.atomic():
                self._batch(size)
            done += size
            if progress is not None:
                progress.update(size)
        return done

    def _batch(self, size: int) -> None:
        codes = self.tracking_codes(size)
        report_ids = reserve_ids(Report, size)
        reports, events, dispatches, deadlines = [], [], [], []
        for report_id, code in zip(report_ids, codes, strict=True):
            report, history, clocks = self._report(report_id, code)
            reports.append(self.reports.row(report))
            deadlines += clocks
            for event in history:
                if event.pop("dispatch", False):
                    dispatches.append(event)
                else:
                    events.append(event)
        event_ids = iter(reserve_ids(ReportEvent, len(events)))
        dispatch_ids = iter(reserve_ids(Dispatch, len(dispatches)))
        write_rows(self.reports, reports)
        write_rows(self.events, [self.events.row({**e, "id": next(event_ids)}) for e in events])
        write_rows(
            self.dispatches,
            [self.dispatches.row({**d, "id": next(dispatch_ids)}) for d in dispatches],
        )
        deadline_ids = iter(reserve_ids(Deadline, len(deadlines)))
        write_rows(
            self.deadlines,
            [self.deadlines.row({**d, "id": next(deadline_ids)}) for d in deadlines],
        )

    def _report(self, report_id: int, code: str) -> tuple[dict, list[dict]]:
        """One report's row and its history, consistent with what the lifecycle writes."""
        rng = self.rng
        status = rng.choices(self.statuses, self.status_weights)[0]
        _share, youngest, oldest = STATUS_MIX[status]
        submitted = self.now - DAY * rng.uniform(youngest, oldest)
        pool, units, agency_slug = rng.choices(self.targets, self.agency_weights)[0]
        kind, slug, title, body, village_code = rng.choice(pool)
        reporter_id = rng.choice(self.citizen_ids) if rng.random() < 0.4 else None
        channel = rng.choices(self.channels, self.channel_weights)[0]
        report = {
            "id": report_id,
            "tracking_code": code,
            "kind": kind,
            "title": title,
            "body": body,
            "incident_date": (submitted - DAY * rng.randint(0, 14)).date(),
            "region_id": village_code,
            "category_id": self.world.categories[slug].pk,
            "channel": channel,
            "reporter_id": reporter_id,
            "guest_name": "" if reporter_id else rng.choice(texts.CITIZEN_NAMES),
            "is_anonymous": rng.random() < 0.08,
            "is_confidential": rng.random() < 0.04,
            "tier": Tier.SIMPLE if kind == Kind.INFORMATION else Tier.NORMAL,
            "status": status,
            "submitted_at": submitted,
        }
        history = _History(self, report)
        history.add(
            Action.SUBMIT,
            submitted,
            "",
            Status.SUBMITTED,
            actor=reporter_id,
            by_reporter=True,
            data={"channel": channel, "entered_by_staff": False},
        )
        if status in HANDLED:
            unit, liaison_id = units[slug]
            history.handle(status, unit, liaison_id)
        else:
            agency = self.world.agencies[agency_slug]
            report["organization_id"] = agency.pk if rng.random() < 0.35 else None
            history.unverified(status)
        clocks = self._clocks(report, history)
        report["version"] = len(history.events)  # SUBMIT creates version 1, each step adds 1
        report["updated_at"] = history.clock
        running = min(clocks, key=lambda c: c["due_at"], default=None)
        report["due_at"] = running["due_at"] if running else None
        report["due_clock"] = running["clock"] if running else ""
        return report, history.events + history.dispatches, clocks

    def _clocks(self, report: dict, history: _History) -> list[dict]:
        """The running clocks of the report's final state, as `aduan.deadlines.clocks`
        leaves them. Staff deadlines already past count as handled by the scan: reminded,
        marked overdue, and the report escalated (with its event)."""
        since = {
            Status.SUBMITTED: [(Clock.VERIFICATION, report["submitted_at"])],
            Status.ON_HOLD: [(Clock.MISSING_INFORMATION, report.get("on_hold_since"))],
            Status.DISPATCHED: [
                (Clock.FIRST_RESPONSE, report.get("dispatched_at")),
                (Clock.COMPLETION, report.get("dispatched_at")),
            ],
            Status.IN_PROGRESS: [(Clock.COMPLETION, report.get("dispatched_at"))],
            Status.COMPLETED: [(Clock.REPORTER_REPLY, report.get("completed_at"))],
        }.get(report["status"], [])
        org = report.get("organization_id")
        tz = self.time_zones.get(org) or calendar.zone(None).key
        clocks = []
        for clock, start in since:
            days = working_days_for(clock, report["tier"])
            due, remind = schedule(start, days * calendar.DAY, days, tz, self.calendar)
            past = clock in STAFF_CLOCKS
            clocks.append(
                {
                    "report_id": report["id"],
                    "clock": clock,
                    "organization_id": org,
                    "started_at": start,
                    "due_at": due,
                    "remind_at": remind,
                    "working_days": days,
                    "reminded_at": remind if past and remind < self.now else None,
                    "overdue_at": due if past and due < self.now else None,
                }
            )
        late = [c["due_at"] for c in clocks if c["overdue_at"]]
        if late:
            report["escalated_at"] = min(late)
            status = report["status"]
            history.add(Action.ESCALATE, min(late), status, status, data={"automatic": True})
            history.clock = max(history.clock, min(late))
        return clocks

    @property
    def agency_weights(self) -> list[int]:
        return list(AGENCY_WEIGHTS.values())


class _History:
    """Builds the timeline of one synthetic report and sets its milestone columns."""

    def __init__(self, loader: SyntheticLoader, report: dict):
        self.loader, self.rng, self.report = loader, loader.rng, report
        self.clock = report["submitted_at"]
        self.latest = loader.now - datetime.timedelta(minutes=1)
        self.events: list[dict] = []
        self.dispatches: list[dict] = []
        self.national_admin_id = loader.world.national_admin.pk
        self.national_id = loader.world.national.pk

    def later(self, low: float, high: float) -> datetime.datetime:
        """A moment `low`–`high` days after the previous step, never in the future."""
        self.clock = max(
            self.clock, min(self.clock + DAY * self.rng.uniform(low, high), self.latest)
        )
        return self.clock

    def add(
        self,
        action,
        at,
        from_status,
        to_status,
        *,
        actor=None,
        org=None,
        by_reporter=False,
        message="",
        data=None,
    ) -> None:
        self.events.append(
            {
                "report_id": self.report["id"],
                "action": action,
                "actor_id": actor,
                "actor_organization_id": org,
                "by_reporter": by_reporter,
                "at": at,
                "message": message,
                "is_public": action in PUBLIC_ACTIONS,
                "from_status": from_status,
                "to_status": to_status,
                "data": data or {},
            }
        )

    def unverified(self, status: str) -> None:
        admin = self.national_admin_id
        if status == Status.ON_HOLD:
            at = self.later(0.1, 3)
            self.report["on_hold_since"] = at
            question = self.rng.choice(texts.HOLD_QUESTIONS)
            self.add(
                Action.HOLD,
                at,
                Status.SUBMITTED,
                Status.ON_HOLD,
                actor=admin,
                org=self.national_id,
                message=question,
            )
        elif status == Status.ARCHIVED:
            at = self.later(0.2, 5)
            reason = self.rng.choice(list(texts.ARCHIVE_MESSAGES))
            self.report.update(archived_at=at, archive_reason=ArchiveReason(reason))
            self.add(
                Action.ARCHIVE,
                at,
                Status.SUBMITTED,
                Status.ARCHIVED,
                actor=admin,
                org=self.national_id,
                message=texts.ARCHIVE_MESSAGES[reason],
                data={"reason": reason},
            )

    def handle(self, status: str, unit, liaison_id: int | None) -> None:
        """Dispatch from the national queue to the unit, then respond, complete, close."""
        report, S = self.report, Status
        at = self.later(0.1, 5)
        report.update(organization_id=unit.pk, verified_at=at, dispatched_at=at)
        self.add(
            Action.DISPATCH,
            at,
            S.SUBMITTED,
            S.DISPATCHED,
            actor=self.national_admin_id,
            org=self.national_id,
            data={"to": unit.pk, "to_name": unit.name, "from": None},
        )
        self.dispatches.append(
            {
                "dispatch": True,
                "report_id": report["id"],
                "from_organization_id": None,
                "to_organization_id": unit.pk,
                "at": at,
            }
        )
        if status == S.DISPATCHED:
            return
        first, final = self._messages()
        report["first_response_at"] = self.later(0.3, 7)
        self.add(
            Action.RESPOND,
            self.clock,
            S.DISPATCHED,
            S.IN_PROGRESS,
            actor=liaison_id,
            org=unit.pk,
            message=first,
        )
        if status == S.IN_PROGRESS:
            return
        report["completed_at"] = self.later(1, 20)
        self.add(
            Action.COMPLETE,
            self.clock,
            S.IN_PROGRESS,
            S.COMPLETED,
            actor=liaison_id,
            org=unit.pk,
            message=final,
        )
        if status == S.CLOSED:
            self._close()

    def _messages(self) -> tuple[str, str]:
        category = self.loader.world.categories
        for parent, (first, final) in texts.RESPONSES.items():
            children = [c for c in category.values() if c.parent_id == category[parent].pk]
            if any(c.pk == self.report["category_id"] for c in children):
                return first, final
        return texts.RESPONSES["infrastruktur"]

    def _close(self) -> None:
        report, S = self.report, Status
        reporter = report["reporter_id"]
        satisfied = self.rng.random() < 0.65
        report["closed_at"] = self.later(0.5, 14) if satisfied else self.later(14, 15)
        action = Action.SATISFIED if satisfied else Action.CLOSE_UNANSWERED
        self.add(
            action,
            self.clock,
            S.COMPLETED,
            S.CLOSED,
            actor=reporter if satisfied else None,
            by_reporter=satisfied,
        )
        if satisfied and self.rng.random() < 0.7:
            stars = self.rng.choices([1, 2, 3, 4, 5], [5, 8, 17, 35, 35])[0]
            comment = self.rng.choice(texts.RATING_COMMENTS[stars])
            report.update(rating=stars, rating_comment=comment)
            self.add(
                Action.RATE,
                self.later(0, 0.01),
                S.CLOSED,
                S.CLOSED,
                actor=reporter,
                by_reporter=True,
                message=comment,
                data={"stars": stars},
            )
