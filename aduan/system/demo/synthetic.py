"""Bulk synthetic reports for load testing (`seed_demo --synthetic N`).

This is the one place in Aduan that writes report rows directly instead of through
`aduan.reports.lifecycle`: building a million reports one lifecycle call at a time would
take hours. It is for load only. Every row it writes is equivalent to what intake and the
lifecycle produce for the same history: a Report whose status, milestone timestamps,
handling organization, rating and version agree with its timeline; a SUBMIT event for
each; for dispatched ones a DISPATCH event plus the Dispatch row; and the RESPOND,
COMPLETE, SATISFIED/CLOSE_UNANSWERED, RATE, HOLD or ARCHIVE events their status implies;
and every deadline those steps started (`aduan.deadlines.clocks.EFFECTS`), stopped with
its outcome or still running, with what the deadline scan would have done to the staff
ones that came due while they ran: reminded, marked overdue, the report escalated.

On PostgreSQL rows go in with COPY; elsewhere with executemany. Ids are reserved up front
(from the sequence on PostgreSQL, after the current maximum elsewhere) so events can
point at their report without a round trip per row. Each batch also writes the
monitoring facts of its reports (`aduan.analytics.facts.facts_of` over the same rows), so
a load needs no `rebuild_facts` afterwards.

`years` spreads the reports over that many years, the oldest mostly closed or archived;
`ensure_organizations` first adds synthetic agencies (the other regencies and cities of
Central Java, then national bodies), each with its units, an admin, a liaison per unit
and usually a valid connection decree, and reports go to them too.
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import itertools
import json
import random
from collections.abc import Callable

from django.db import connection, models, transaction
from django.utils import timezone

from aduan.analytics.facts import OVERLAP, facts_of
from aduan.analytics.models import FactsRefresh, ReportFact
from aduan.deadlines import calendar
from aduan.deadlines.clocks import EFFECTS, schedule, working_days_for
from aduan.deadlines.models import STAFF_CLOCKS, Deadline, Outcome
from aduan.lib.sealed import SealedField
from aduan.organizations.models import (
    Category,
    ConnectionDecree,
    Membership,
    Organization,
    Region,
    RoutingRule,
)
from aduan.reports.codes import ALPHABET, CODE_LENGTH
from aduan.reports.lifecycle import PUBLIC_ACTIONS, Action, ArchiveReason
from aduan.reports.models import Dispatch, Kind, Report, ReportEvent, Status, Tier
from aduan.reports.privacy import set_public_text, withhold_reporter
from aduan.system.demo import texts
from aduan.system.demo.stories import (
    AGENCY_WEIGHTS,
    ASPIRATION_CATEGORIES,
    CHANNEL_WEIGHTS,
    HISTORY_DAYS,
    INFORMATION_CATEGORIES,
)
from aduan.system.demo.world import (
    AGENCIES,
    CATEGORIES,
    DEPARTMENTS,
    NATIONAL_SLUG,
    DemoUsers,
    Role,
    World,
)

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
OrgKind = Organization.Kind
HANDLED = {Status.DISPATCHED, Status.IN_PROGRESS, Status.COMPLETED, Status.CLOSED}

# With synthetic agencies, a demo agency's weight is AGENCY_WEIGHTS × this and another
# agency's is its number of villages / VILLAGES_PER_WEIGHT (at least 1): Banyumas stays
# the busiest agency, with about a tenth of all reports.
DEMO_AGENCY_SCALE = 3
VILLAGES_PER_WEIGHT = 100
DEMO_SLUGS = {NATIONAL_SLUG, "prov-jateng", "ombudsman-jateng", *(a[0] for a in AGENCIES)}
# National bodies added after the regencies: (slug, name, short name, kind).
NATIONAL_BODIES = [
    ("kemenkes", "Kementerian Kesehatan", "Kemenkes", OrgKind.MINISTRY),
    ("kemendikdasmen", "Kementerian Pendidikan Dasar dan Menengah", "Kemendikdasmen",
     OrgKind.MINISTRY),
    ("kemenpu", "Kementerian Pekerjaan Umum", "Kementerian PU", OrgKind.MINISTRY),
    ("kemenhub", "Kementerian Perhubungan", "Kemenhub", OrgKind.MINISTRY),
    ("kemensos", "Kementerian Sosial", "Kemensos", OrgKind.MINISTRY),
    ("kemenag", "Kementerian Agama", "Kemenag", OrgKind.MINISTRY),
    ("kemnaker", "Kementerian Ketenagakerjaan", "Kemnaker", OrgKind.MINISTRY),
    ("atr-bpn", "Kementerian ATR/BPN", "ATR/BPN", OrgKind.MINISTRY),
    ("kemendagri", "Kementerian Dalam Negeri", "Kemendagri", OrgKind.MINISTRY),
    ("polri", "Kepolisian Negara Republik Indonesia", "Polri", OrgKind.AGENCY),
    ("bpjs-kesehatan", "BPJS Kesehatan", "BPJS Kesehatan", OrgKind.AGENCY),
    ("bpjs-tk", "BPJS Ketenagakerjaan", "BPJS TK", OrgKind.AGENCY),
    ("bpom", "Badan Pengawas Obat dan Makanan", "BPOM", OrgKind.AGENCY),
    ("bkn", "Badan Kepegawaian Negara", "BKN", OrgKind.AGENCY),
    ("pln", "PT PLN (Persero)", "PLN", OrgKind.STATE_ENTERPRISE),
    ("pertamina", "PT Pertamina (Persero)", "Pertamina", OrgKind.STATE_ENTERPRISE),
    ("kai", "PT Kereta Api Indonesia (Persero)", "KAI", OrgKind.STATE_ENTERPRISE),
    ("pos", "PT Pos Indonesia (Persero)", "Pos Indonesia", OrgKind.STATE_ENTERPRISE),
    ("undip", "Universitas Diponegoro", "Undip", OrgKind.UNIVERSITY),
    ("unsoed", "Universitas Jenderal Soedirman", "Unsoed", OrgKind.UNIVERSITY),
]  # fmt: skip
# Units of a national body: (slug suffix, name).
BODY_UNITS = [
    ("setjen", "Sekretariat Jenderal"),
    ("itjen", "Inspektorat Jenderal"),
    ("yanlik", "Direktorat Pelayanan Publik"),
    ("pengaduan", "Direktorat Pengaduan Masyarakat"),
    ("hukum", "Biro Hukum"),
    ("humas", "Biro Hubungan Masyarakat"),
    ("pusdatin", "Pusat Data dan Informasi"),
    ("jateng", "Kantor Wilayah Jawa Tengah"),
]


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
            # psycopg adapts everything COPY needs except dicts for JSON columns, and
            # sealed columns are sealed by their field.
            return [
                json.dumps
                if isinstance(f, models.JSONField)
                else f.get_prep_value
                if isinstance(f, SealedField)
                else None
                for f in self.fields
            ]
        return [lambda v, f=f: f.get_db_prep_save(v, connection) for f in self.fields]

    def row(self, values: dict) -> tuple:
        merged = {**self.defaults, **values}
        for name, value in merged.items():
            if isinstance(value, _EachRow):
                merged[name] = value.make()
        return tuple(
            merged[name] if adapt is None else adapt(merged[name])
            for name, adapt in zip(self.names, self.adapters, strict=True)
        )


@dataclasses.dataclass(frozen=True)
class _EachRow:
    """A callable default (`timezone.now`), called for each row the loader does not fill."""

    make: Callable


def _default(field: models.Field):
    if field.has_default() and not callable(field.default):
        return field.default
    if field.has_default() and isinstance(field, models.JSONField):
        return field.get_default()  # a fresh [] or {}: the loader never mutates it
    if field.has_default():
        return _EachRow(field.default)
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
    """Generates and writes synthetic reports in batches over the demo organizations and
    the synthetic agencies, if any."""

    def __init__(
        self,
        world: World,
        rng: random.Random,
        now: datetime.datetime | None = None,
        *,
        only_open: bool = False,
        years: float | None = None,
    ):
        self.world = world
        self.rng = rng
        self.now = now or timezone.now()
        self.reports, self.events, self.dispatches, self.deadlines, self.facts = (
            Table(Report),
            Table(ReportEvent),
            Table(Dispatch),
            Table(Deadline),
            Table(ReportFact),
        )
        self.calendar = calendar.current()
        self.organizations = Organization.objects.in_bulk()
        self.time_zones = {pk: org.time_zone for pk, org in self.organizations.items()}
        self.categories = Category.objects.in_bulk()
        self.agencies = dict(world.agencies)
        self._village_cache: dict[str, list] = {}
        self.targets, self.agency_weights = self._targets()
        self.citizen_ids = [c.pk for c in world.citizens]
        self.citizens = {c.pk: c for c in world.citizens}
        history = HISTORY_DAYS if years is None else 365 * years
        self.mix = {  # the settled statuses reach back through the whole history
            s: (share, youngest, history if oldest == HISTORY_DAYS else oldest)
            for s, (share, youngest, oldest) in STATUS_MIX.items()
            if (not only_open or s in OPEN_MIX)
        }
        # Spread over years: the age first, then a status plausible at that age, so each
        # month gets its share and old reports are settled. Otherwise the status first.
        self.spread = years is not None
        self.statuses = list(self.mix)
        self.status_weights = [share for share, _y, _o in self.mix.values()]
        self.oldest = max(oldest for _s, _y, oldest in self.mix.values())
        self.channels = list(CHANNEL_WEIGHTS)
        self.channel_weights = list(CHANNEL_WEIGHTS.values())

    def _targets(self) -> tuple[list[tuple[list, dict, str]], list[float]]:
        """Per agency: composed texts placed in its villages and, per sub-category, the
        unit that handles it there (with that unit's liaison); and the agencies' weights."""
        targets, weights = [], []
        for slug, weight in AGENCY_WEIGHTS.items():
            units = {}
            for _p, _n, _e, children in CATEGORIES:
                for child_slug, _name, _en, dept in children:
                    unit = self.world.units[f"{slug}-{dept}"]
                    liaison = self.world.liaisons.get(unit.slug)
                    units[child_slug] = (unit, liaison.pk if liaison else None)
            targets.append((self._text_pool(slug), units, slug))
            weights.append(weight)
        extra = synthetic_agencies()
        if extra:
            # The demo agencies stay the busiest; the others get a share by their size.
            weights = [w * DEMO_AGENCY_SCALE for w in weights]
            for agency, units, weight in self._synthetic_targets(extra):
                self.agencies[agency.slug] = agency
                targets.append((self._text_pool(agency.slug, agency, 400), units, agency.slug))
                weights.append(weight)
        return targets, weights

    def _synthetic_targets(self, agencies: list[Organization]):
        liaisons = dict(
            Membership.objects.filter(
                role=Membership.Role.LIAISON, organization__parent__in=agencies
            ).values_list("organization_id", "user_id")
        )
        children: dict[int, list[Organization]] = {}
        for unit in Organization.objects.filter(parent__in=agencies).order_by("slug"):
            children.setdefault(unit.parent_id, []).append(unit)
        subcategories = [(child, dept) for *_p, kids in CATEGORIES for child, _n, _e, dept in kids]
        for agency in agencies:
            own = children.get(agency.pk)
            if not own:
                continue
            by_slug = {u.slug: u for u in own}
            units = {}
            for i, (child, dept) in enumerate(subcategories):
                unit = by_slug.get(f"{agency.slug}-{dept}") or own[i % len(own)]
                units[child] = (unit, liaisons.get(unit.pk))
            # A regency's share grows with its size; a national body's stays small here.
            size = len(self._villages(agency)) if agency.regions.exists() else 0
            yield agency, units, max(1.0, size / VILLAGES_PER_WEIGHT)

    def _villages(self, agency: Organization) -> list[tuple[str, str, str]]:
        """(code, name, district name) of the villages of the agency's regency, or of the
        whole province for a body without one."""
        region = agency.regions.first() or self.world.province.regions.first()
        prefix = f"{region.code}."
        if prefix not in self._village_cache:
            self._village_cache[prefix] = list(
                Region.objects.filter(code__startswith=prefix, level=4).values_list(
                    "code", "name", "parent__name"
                )
            )
        return self._village_cache[prefix]

    def _text_pool(
        self, agency_slug: str, agency: Organization | None = None, size: int = 2000
    ) -> list[tuple[str, str, str, str, str]]:
        """A few thousand composed (kind, category slug, title, body, village code) texts
        set in the agency's own streets and villages, to sample from."""
        rng, pool = self.rng, []
        agency = agency or self.agencies[agency_slug]
        villages = self._villages(agency)
        places = texts.PLACES.get(agency_slug) or _generic_places(agency)
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
        for _ in range(size):
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
        self._mark_facts_current()
        return done

    def _batch(self, size: int) -> None:
        codes = self.tracking_codes(size)
        report_ids = reserve_ids(Report, size)
        reports, events, dispatches, deadlines, written = [], [], [], [], []
        for report_id, code in zip(report_ids, codes, strict=True):
            report, history, clocks = self._report(report_id, code)
            reports.append(self.reports.row(report))
            written.append(report)
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
        self._write_facts(written)

    def _write_facts(self, written: list[dict]) -> None:
        """The batch's monitoring facts, computed by `facts_of` itself (after the events,
        which it reads for the reporters' verdicts) so they are what a rebuild writes."""
        reports = []
        for values in written:
            report = Report(**values)
            if report.organization_id:
                report.organization = self.organizations[report.organization_id]
            report.category = self.categories.get(report.category_id)
            reports.append(report)
        names = self.facts.names
        rows = [
            self.facts.row({name: getattr(fact, name) for name in names})
            for fact in facts_of(reports, self.now)
        ]
        write_rows(self.facts, rows)

    def _mark_facts_current(self) -> None:
        """Tell the incremental refresh the loaded reports' facts are written, so its
        next pass does not rewrite them all."""
        state, _ = FactsRefresh.objects.get_or_create(name="reports")
        if state.updated_until is None:
            state.updated_until = self.now - OVERLAP
        last = Report.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        state.last_report_id = max(state.last_report_id, last)
        state.save()

    def _report(self, report_id: int, code: str) -> tuple[dict, list[dict]]:
        """One report's row and its history, consistent with what the lifecycle writes."""
        rng = self.rng
        status, age = self._status_and_age()
        submitted = self.now - DAY * age
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
        if report["is_anonymous"]:  # as intake stores them for the handlers
            report["title"], report["body"], report["withheld_text"] = _withheld(
                title, body, report["guest_name"], self.citizens.get(reporter_id)
            )
        report["public_title"], report["public_body"] = _public_text(
            report["title"], report["body"], report["guest_name"], self.citizens.get(reporter_id)
        )
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
            agency = self.agencies[agency_slug]
            report["organization_id"] = agency.pk if rng.random() < 0.35 else None
            history.unverified(status)
        clocks = self._clocks(report, history)
        report["version"] = len(history.events)  # SUBMIT creates version 1, each step adds 1
        report["updated_at"] = history.clock
        running = min(
            (c for c in clocks if "stopped_at" not in c), key=lambda c: c["due_at"], default=None
        )
        report["due_at"] = running["due_at"] if running else None
        report["due_clock"] = running["clock"] if running else ""
        return report, history.events + history.dispatches, clocks

    def _status_and_age(self) -> tuple[str, float]:
        """A final status and an age in days consistent with the status mix."""
        rng = self.rng
        if not self.spread:
            status = rng.choices(self.statuses, self.status_weights)[0]
            _share, youngest, oldest = self.mix[status]
            return status, rng.uniform(youngest, oldest)
        age = rng.uniform(0, self.oldest)
        # Every age fits some status: submitted from 0 days, closed or in progress later.
        fits = [(s, share) for s, (share, young, old) in self.mix.items() if young <= age <= old]
        statuses, shares = zip(*fits, strict=True)
        return rng.choices(statuses, shares)[0], age

    def _clocks(self, report: dict, history: _History) -> list[dict]:
        """Every deadline of the report's history, as `aduan.deadlines.clocks.follow`
        leaves them after each step (`EFFECTS`): stopped ones with their outcome, paused
        ones with the working time left, and those of the final state running."""
        handled = "dispatched_at" in report
        org = None if handled else report.get("organization_id")  # before any dispatch
        running: dict[str, dict] = {}
        deadlines = []
        for event in list(history.events):
            effect = EFFECTS.get(event["action"])
            if effect is None:
                continue
            at = event["at"]
            if event["action"] == Action.DISPATCH:
                org = report["organization_id"]
            for clock, outcome in effect.stop.items():
                if clock in running:
                    running.pop(clock).update(stopped_at=at, outcome=outcome)
            for clock in effect.pause:
                if clock in running:
                    paused = running.pop(clock)
                    left = self.calendar.working_seconds_between(at, paused["due_at"], paused["tz"])
                    paused.update(
                        stopped_at=at, outcome=Outcome.PAUSED, remaining_seconds=max(left, 0)
                    )
            for clock in effect.start:
                running[clock] = self._deadline(report, clock, at, org)
                deadlines.append(running[clock])
        self._scan(report, history, deadlines)
        for deadline in deadlines:
            del deadline["tz"]
        return deadlines

    def _deadline(self, report: dict, clock: str, start, org: int | None) -> dict:
        days = working_days_for(clock, report["tier"])
        tz = self.time_zones.get(org) or calendar.zone(None).key
        due, remind = schedule(start, days * calendar.DAY, days, tz, self.calendar)
        return {
            "report_id": report["id"],
            "clock": clock,
            "organization_id": org,
            "started_at": start,
            "due_at": due,
            "remind_at": remind,
            "working_days": days,
            "tz": tz,
        }

    def _scan(self, report: dict, history: _History, deadlines: list[dict]) -> None:
        """What the deadline scan did to the staff deadlines while they ran: reminded,
        marked overdue, and escalated the report, once per overdue deadline started
        after its last escalation (with its event, in the status of that moment)."""
        escalated = None
        for deadline in sorted(deadlines, key=lambda d: d["due_at"]):
            if deadline["clock"] not in STAFF_CLOCKS:
                continue
            ran_until = min(deadline.get("stopped_at") or self.now, self.now)
            if deadline["remind_at"] < ran_until:
                deadline["reminded_at"] = deadline["remind_at"]
            if deadline["due_at"] >= ran_until:
                continue
            deadline["overdue_at"] = due = deadline["due_at"]
            if escalated is None or escalated < deadline["started_at"]:
                escalated = due
                status = history.status_at(due)
                history.add(Action.ESCALATE, due, status, status, data={"automatic": True})
                history.clock = max(history.clock, due)
        if escalated is not None:
            report["escalated_at"] = escalated


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

    def status_at(self, moment: datetime.datetime) -> str:
        """The report's status at `moment`, from the steps taken by then."""
        status = Status.SUBMITTED
        for event in self.events:
            if event["at"] <= moment and event["to_status"]:
                status = event["to_status"]
        return status

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


# --- Synthetic organizations ---------------------------------------------------------------


def synthetic_agencies() -> list[Organization]:
    """The agencies `ensure_organizations` added (every agency outside the demo's own)."""
    return list(
        Organization.objects.active().agencies().exclude(slug__in=DEMO_SLUGS).order_by("path")
    )


def ensure_organizations(world: World, target: int, rng: random.Random) -> int:
    """Add synthetic agencies with their units until the installation has `target`
    organizations: first the other regencies and cities of the demo's province, then
    national bodies. Each gets an agency admin, a liaison per unit and, for most, a
    valid connection decree. Returns how many organizations were added."""
    missing = target - Organization.objects.count()
    added = 0
    if missing <= 0:
        return 0
    users = DemoUsers(world)
    with transaction.atomic():
        for spec in _agency_specs(world):
            if added >= missing:
                break
            added += _build_agency(world, users, rng, spec, missing - added)
    return added


def _agency_specs(world: World):
    """(slug, name, short name, kind, parent, region, [(suffix, unit name, short, kind)])
    of agencies not built yet, regencies first."""
    taken = set(Organization.objects.values_list("slug", flat=True))
    province = world.province.regions.first()
    regencies = Region.objects.filter(parent=province, level=2, organizations=None)
    for region in regencies.order_by("code"):
        city = region.name.startswith("Kota ")
        place = region.name.split(" ", 1)[1]
        slug = f"{'kota' if city else 'kab'}-{place.lower().replace(' ', '-')}"
        title = "Kota" if city else "Kabupaten"
        units = [
            (suffix, f"{dept} {title} {place}", short, OrgKind.DEPARTMENT)
            for suffix, dept, short, _local in DEPARTMENTS
        ]
        if slug not in taken:
            kind = OrgKind.CITY if city else OrgKind.REGENCY
            yield slug, f"Pemerintah {region.name}", place, kind, world.province, region, units
    numbered = (
        (f"badan-{n}", f"Badan Layanan {n}", f"BL {n}", OrgKind.AGENCY) for n in itertools.count(1)
    )
    for slug, name, short, kind in itertools.chain(NATIONAL_BODIES, numbered):
        if slug not in taken:
            units = [(s, f"{unit} {short}", unit, OrgKind.DIVISION) for s, unit in BODY_UNITS]
            yield slug, name, short, kind, None, None, units


def _build_agency(world: World, users: DemoUsers, rng: random.Random, spec, room: int) -> int:
    slug, name, short, kind, parent, region, unit_specs = spec
    agency = Organization.objects.create(
        name=name, slug=slug, kind=kind, parent=parent, short_name=short
    )
    units = []
    for suffix, unit_name, unit_short, unit_kind in unit_specs[: room - 1]:
        unit = Organization.objects.create(
            name=unit_name, slug=f"{slug}-{suffix}", kind=unit_kind, parent=agency,
            short_name=unit_short,
        )  # fmt: skip
        units.append(unit)
        users.create(f"penghubung.{unit.slug}", f"Penghubung {unit_short}", Role.LIAISON, unit)
    users.create(f"admin.{slug}", f"Admin {short}", Role.AGENCY_ADMIN, agency)
    if region is not None:
        for org in (agency, *units):
            org.regions.add(region)
        _route(agency, units, region)
    _synthetic_decree(agency, rng)
    return 1 + len(units)


def _route(agency: Organization, units: list[Organization], region) -> None:
    """Routing rules like the demo regencies': each sub-category to its department."""
    by_suffix = {u.slug.removeprefix(f"{agency.slug}-"): u for u in units}
    categories = {c.slug: c for c in Category.objects.all()}
    RoutingRule.objects.bulk_create(
        RoutingRule(
            category=categories[child], region=region, organization=by_suffix[dept], owner=agency
        )
        for *_p, children in CATEGORIES
        for child, _n, _e, dept in children
        if dept in by_suffix and child in categories
    )


def _synthetic_decree(agency: Organization, rng: random.Random) -> None:
    """A valid decree for most agencies, an expired one for some, none for a few."""
    draw = rng.random()
    if draw < 0.05:
        return
    today = timezone.localdate()
    if draw < 0.15:
        until = today - DAY * rng.randint(1, 300)
    else:
        until = today + DAY * rng.randint(30, 1000)
    issued = min(until - DAY * 3 * 365, today - DAY * rng.randint(1, 60))
    ConnectionDecree.objects.create(
        organization=agency,
        number=f"100.3.3.2/{agency.pk}/{issued.year}",
        issued_on=issued,
        valid_until=until,
        admin_officers=f"Admin {agency.short_name}",
        liaison_officers=f"Penghubung {agency.short_name}",
    )


def _generic_places(agency: Organization) -> dict[str, list[str]]:
    """Streets and landmarks for an agency that `texts.PLACES` does not describe."""
    place = agency.short_name or agency.name
    return {
        "streets": [
            "Jl. Jenderal Sudirman", "Jl. Diponegoro", "Jl. Ahmad Yani", "Jl. Gatot Subroto",
            "Jl. Pemuda", "Jl. Pahlawan", "Jl. Veteran", "Jl. Merdeka", "Jl. Raya Utama",
        ],
        "landmarks": [
            f"Alun-alun {place}", f"RSUD {place}", f"Terminal {place}", f"Pasar Induk {place}",
            f"Masjid Agung {place}", f"Stadion {place}",
        ],
    }  # fmt: skip


@functools.lru_cache(maxsize=4096)
def _withheld(title: str, body: str, guest_name: str, reporter) -> tuple[str, str, str]:
    """An anonymous report's title and body as its handlers read them, and the words as
    written (`aduan.reports.privacy.withhold_reporter`)."""
    shown = Report(title=title, body=body, guest_name=guest_name, reporter=reporter)
    withhold_reporter(shown)
    return shown.title, shown.body, shown.withheld_text


@functools.lru_cache(maxsize=4096)
def _public_text(title: str, body: str, guest_name: str, reporter) -> tuple[str, str]:
    """The public title and body, as intake stores them (the texts repeat: cached)."""
    shown = Report(title=title, body=body, guest_name=guest_name, reporter=reporter)
    set_public_text(shown)
    return shown.public_title, shown.public_body
