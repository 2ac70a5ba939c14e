"""Demo reports built through the real intake and lifecycle, with past timestamps.

Each report gets a *plan*: a list of steps (dispatch, respond, complete, …) and the pause
before each one. The submission time is chosen so the last step lands in the past, then
every step runs through `aduan.reports.lifecycle` with `at=` that time — the timeline
looks as if officers had worked on it over the last eighteen months.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.utils import timezone

from aduan.channels.intake import Draft, submit_report
from aduan.organizations.models import Region, RoutingRule
from aduan.reports import lifecycle
from aduan.reports.lifecycle import Actor
from aduan.reports.models import MANUAL_CHANNELS, Channel, Kind, Report, Status, Tier
from aduan.system.demo import texts
from aduan.system.demo.world import World

HISTORY_DAYS = 540  # eighteen months

# Final status → scenarios (steps). The first scenario of every status is used first so a
# small demo still shows each status; later ones add variety.
SCENARIOS: dict[str, list[list[str]]] = {
    # "repeat": a citizen reports again what an open report already says, so the
    # verification queue shows likely duplicates to merge.
    "submitted": [[], ["hold", "answer"], ["route", "remit"], ["repeat"], ["repeat"]],
    "on_hold": [["hold"]],
    "dispatched": [["route"], ["route", "note"], ["route", "remit", "reroute"]],
    "in_progress": [
        ["route", "respond"],
        ["route", "respond", "complete", "unsatisfied"],
        ["route", "respond", "note", "escalate"],
        ["route", "respond", "hand_over"],
    ],
    "completed": [["route", "respond", "complete"], ["route", "complete"]],
    "closed": [
        ["route", "respond", "complete", "satisfied", "rate"],
        ["route", "complete", "close_unanswered"],
        ["hold", "answer", "route", "respond", "complete", "satisfied", "rate"],
        ["route", "respond", "complete", "unsatisfied", "respond", "complete", "satisfied", "rate"],
        ["route", "respond", "complete", "rate", "close_unanswered"],
    ],
    "archived": [["duplicate"], ["archive"], ["hold", "archive_incomplete"]],
}
STATUS_SHARES = {
    "closed": 0.36,
    "archived": 0.14,
    "in_progress": 0.14,
    "dispatched": 0.11,
    "completed": 0.09,
    "submitted": 0.10,
    "on_hold": 0.06,
}
# Typical pause before each step, in hours (low, high).
PAUSES = {
    "hold": (4, 60),
    "answer": (6, 72),
    "route": (5, 90),
    "reroute": (4, 48),
    "remit": (24, 120),
    "note": (2, 30),
    "respond": (20, 160),
    "complete": (48, 400),
    "unsatisfied": (24, 200),
    "satisfied": (12, 200),
    "rate": (0, 2),
    "close_unanswered": (336, 340),
    "escalate": (200, 400),
    "hand_over": (1500, 1600),
    "archive": (5, 70),
    "archive_incomplete": (336, 340),
    "duplicate": (3, 50),
    "repeat": (0, 0),
}
# The government's own steps, which were slower in the early months of the history.
SLOWER_IN_THE_PAST = frozenset({"route", "respond", "complete"})
AGENCY_WEIGHTS = {"kab-banyumas": 5, "kota-semarang": 3, "kab-purbalingga": 2}
CHANNEL_WEIGHTS = {
    Channel.WEB: 34,
    Channel.MOBILE_WEB: 22,
    Channel.WHATSAPP: 16,
    Channel.SMS: 5,
    Channel.EMAIL: 4,
    Channel.SOCIAL_MEDIA: 6,
    Channel.CALL_CENTER: 5,
    Channel.WALK_IN: 3,
    Channel.LETTER: 2,
    Channel.SUGGESTION_BOX: 3,
}
ASPIRATION_CATEGORIES = ["pohon", "angkutan"]
INFORMATION_CATEGORIES = ["ktp-el", "pbg"]


def status_plan(count: int, rng: random.Random) -> list[tuple[str, list[str]]]:
    """(final status, steps) for `count` reports: every scenario once, then by shares."""
    plan = [(status, steps) for status, options in SCENARIOS.items() for steps in options]
    plan = plan[:count]
    statuses, weights = zip(*STATUS_SHARES.items(), strict=True)
    while len(plan) < count:
        status = rng.choices(statuses, weights)[0]
        options = SCENARIOS[status]
        steps = options[0] if rng.random() < 0.7 else rng.choice(options)
        if {"duplicate", "hand_over", "repeat"} & set(steps):
            steps = options[1] if len(options) > 1 else options[0]
        plan.append((status, steps))
    rng.shuffle(plan)
    # A duplicate needs earlier reports to duplicate, so it is built last.
    plan.sort(key=lambda item: bool({"duplicate", "repeat"} & set(item[1])))
    return plan


@dataclass
class Story:
    """One demo report being built: its report, agency, target unit and clock."""

    report: Report
    agency_slug: str
    unit_slug: str
    reporter_actor: Actor
    clock: datetime.datetime
    last: datetime.datetime  # when the previous step happened
    hold_answer: str = ""  # what the reporter will answer to the hold question


class StoryBuilder:
    """Builds demo reports one by one; keep one per run so lookups are cached."""

    def __init__(self, world: World, rng: random.Random, now: datetime.datetime | None = None):
        self.world = world
        self.rng = rng
        self.now = now or timezone.now()
        self.villages = self._villages()
        self.district_offices = self._district_offices()
        self.built: list[Report] = []
        self.units: dict[tuple[int, str], str] = {}  # (category, agency) → unit slug
        self.counter = 0
        self.original: Report | None = None  # what the report being built duplicates

    def _villages(self) -> dict[str, list[tuple[Region, str]]]:
        result = {}
        for slug in AGENCY_WEIGHTS:
            code = self.world.agencies[slug].regions.first().code
            districts = dict(
                Region.objects.filter(code__startswith=f"{code}.", level=3).values_list(
                    "code", "name"
                )
            )
            villages = Region.objects.filter(code__startswith=f"{code}.", level=4)
            result[slug] = [(v, districts[v.parent_id]) for v in villages]
        return result

    def _district_offices(self) -> dict[str, dict[str, str]]:
        """Agency slug → {district code → slug of its kecamatan's unit}."""
        result: dict[str, dict[str, str]] = {slug: {} for slug in AGENCY_WEIGHTS}
        for slug, unit in self.world.units.items():
            agency = next((a for a in AGENCY_WEIGHTS if slug.startswith(f"{a}-kec-")), None)
            if agency:
                result[agency][unit.regions.get().code] = slug
        return result

    def build(self, status: str, steps: list[str]) -> Report:
        """Submit one report and walk it through `steps`, all in the past."""
        pauses = [self._pause(step) for step in steps]
        open_recently = status in ("submitted", "on_hold", "dispatched", "completed")
        span_hours = 24 * (21 if open_recently else HISTORY_DAYS - 30)
        # How far back in the history it starts (0: lately, 1: the oldest). Offices got
        # quicker over the months, as the ones in the news did, so the demo's trends
        # show verification and follow-up times falling.
        age = self.rng.uniform(0, 1)
        pauses = [
            pause * self._slowness(step, age) for step, pause in zip(steps, pauses, strict=True)
        ]
        latest_start = self.now - sum(pauses, datetime.timedelta()) - datetime.timedelta(hours=1)
        start = latest_start - datetime.timedelta(hours=age * span_hours)
        story = self._submit(
            start,
            duplicate="duplicate" in steps,
            repeat="repeat" in steps,
            passed_back="remit" in steps,
        )
        for step, pause in zip(steps, pauses, strict=True):
            story.last, story.clock = story.clock, story.clock + pause
            getattr(self, f"step_{step}")(story)
        self.counter += 1
        self.built.append(story.report)
        return story.report

    @staticmethod
    def _slowness(step: str, age: float) -> float:
        """How much slower than today the government's steps were `age` of the history
        ago: up to about four times, as in the seeds (follow-up from 7.3 days to 1.9)."""
        return 1 + 2.8 * age if step in SLOWER_IN_THE_PAST else 1.0

    def _pause(self, step: str) -> datetime.timedelta:
        low, high = PAUSES[step]
        return datetime.timedelta(hours=self.rng.uniform(low, high))

    # --- Submission ------------------------------------------------------------------

    def _submit(
        self,
        start: datetime.datetime,
        duplicate: bool = False,
        repeat: bool = False,
        passed_back: bool = False,
    ) -> Story:
        """Submit a new report. One a department will pass back (`passed_back`) is about
        a matter of the kecamatan (texts.NOT_OUR_REMIT), in a district that has its unit,
        so that the reason given and the unit it goes to next fit it."""
        rng = self.rng
        agency_slug = rng.choices(list(AGENCY_WEIGHTS), list(AGENCY_WEIGHTS.values()))[0]
        villages = self.villages[agency_slug]
        if passed_back:
            offices = self.district_offices[agency_slug]
            villages = [(v, d) for v, d in villages if v.parent_id in offices]
        village, district = rng.choice(villages)
        if passed_back:
            slug = rng.choice(list(texts.NOT_OUR_REMIT))
            kind, category = Kind.COMPLAINT, self.world.categories[slug]
            title, body, details = rng.choice(texts.STORIES[slug])
        else:
            kind, category, (title, body, details) = self._story()
        original = self._original() if duplicate else self._open_original() if repeat else None
        self.original = original
        if original is not None:
            agency_slug = self._agency_of(original)
            village, district = original.region, original.region.parent.name
            category, kind = original.category, original.kind
            title = f"{original.title} (belum ditangani)"
            body = "Melaporkan kembali masalah yang sama: " + original.body
            start = original.submitted_at + datetime.timedelta(days=rng.uniform(1, 4))
            if repeat:  # still waiting for verification: a few days old at most
                start = max(start, self.now - datetime.timedelta(days=rng.uniform(1, 4)))
                start = min(start, self.now - datetime.timedelta(hours=2))
        places = texts.PLACES[agency_slug]
        values = {
            "street": rng.choice(places["streets"]),
            "landmark": rng.choice(places["landmarks"]),
            "village": village.name,
            "district": district,
            "since": rng.choice(texts.SINCE),
            "detail": rng.choice(details),
        }
        latitude, longitude = self._position(places["centre"], "{street}" in body)
        draft = Draft(
            title=title.format(**values)[:150],
            body=body.format(**values),
            kind=kind,
            incident_date=(start - datetime.timedelta(days=rng.randint(0, 20))).date(),
            region=village,
            latitude=latitude,
            longitude=longitude,
            address=values["street"] if "{street}" in body else "",
            category=category,
            is_confidential=rng.random() < (0.4 if category.slug in CONFIDENTIAL else 0.04),
        )
        return self._deliver(draft, agency_slug, start)

    def _position(self, centre: tuple[float, float], on_a_street: bool):
        """Where a report about a street was pinned, near its town (most are; a citizen
        who does not share a location pins none). A generator of its own, so the
        stories stay the ones the demo always told."""
        pin = random.Random(self.counter * 7919)
        if not on_a_street or pin.random() > 0.8:
            return None, None
        return (
            round(centre[0] + pin.uniform(-0.06, 0.06), 6),
            round(centre[1] + pin.uniform(-0.06, 0.06), 6),
        )

    def _story(self):
        rng = self.rng
        roll = rng.random()
        if roll < 0.08:
            index = rng.randrange(len(texts.ASPIRATIONS))
            category = self.world.categories[ASPIRATION_CATEGORIES[index]]
            return Kind.ASPIRATION, category, texts.ASPIRATIONS[index]
        if roll < 0.15:
            index = rng.randrange(len(texts.INFORMATION_REQUESTS))
            category = self.world.categories[INFORMATION_CATEGORIES[index]]
            return Kind.INFORMATION, category, texts.INFORMATION_REQUESTS[index]
        slug = rng.choice(list(texts.STORIES))
        return Kind.COMPLAINT, self.world.categories[slug], rng.choice(texts.STORIES[slug])

    def _original(self) -> Report | None:
        """An earlier report, old enough that its duplicate can come days after it."""
        cutoff = self.now - datetime.timedelta(days=10)
        candidates = [
            r
            for r in self.built
            if r.duplicate_of_id is None and r.region_id and r.submitted_at < cutoff
        ]
        return candidates[-1] if candidates else None

    def _open_original(self) -> Report | None:
        """A recent public report still being handled, that a citizen might report again."""
        since = self.now - datetime.timedelta(days=45)
        candidates = [
            r
            for r in self.built
            if r.status in (Status.DISPATCHED, Status.IN_PROGRESS)
            and r.region_id
            and not r.is_confidential
            and r.submitted_at > since
        ]
        return self.rng.choice(candidates) if candidates else None

    def _agency_of(self, report: Report) -> str:
        for slug in AGENCY_WEIGHTS:
            if report.region_id.startswith(self.world.agencies[slug].regions.first().code):
                return slug
        return "kab-banyumas"

    def _deliver(self, draft: Draft, agency_slug: str, at: datetime.datetime) -> Story:
        """Submit through intake on a channel, as a citizen, a guest or an officer."""
        rng, world = self.rng, self.world
        agency = world.agencies[agency_slug]
        channel = rng.choices(list(CHANNEL_WEIGHTS), list(CHANNEL_WEIGHTS.values()))[0]
        reporter, options = None, {}
        if channel in MANUAL_CHANNELS:
            options = {"entered_by": world.admins[agency_slug], "received_by": agency}
        elif channel in (Channel.WEB, Channel.MOBILE_WEB) and rng.random() < 0.7:
            reporter = world.citizens[0] if rng.random() < 0.2 else rng.choice(world.citizens)
            draft.is_anonymous = rng.random() < 0.12
            draft.show_reporter_name = not draft.is_anonymous and rng.random() < 0.25
        elif rng.random() < 0.35:
            draft.suggested_organization = agency
        if reporter is None:
            self._guest_contact(draft, channel)
        reference = self._reference(channel) if channel != Channel.WEB else ""
        submission = submit_report(
            draft, reporter=reporter, channel=channel, channel_reference=reference, at=at, **options
        )
        if reporter is None and channel in (Channel.WHATSAPP, Channel.SMS):
            # The message came from the number, as `replies.submit_guest_report` records.
            confirmed = {"guest_contact_verified_at": at, "guest_phone_used_at": at}
            Report.objects.filter(pk=submission.report.pk).update(**confirmed)
            for name, value in confirmed.items():
                setattr(submission.report, name, value)
        unit_slug = self._unit_for(draft, agency_slug)
        return Story(submission.report, agency_slug, unit_slug, Actor(reporter, True), at, at)

    def _guest_contact(self, draft: Draft, channel: str) -> None:
        rng = self.rng
        draft.guest_name = rng.choice(GUEST_NAMES)
        if channel in (Channel.WHATSAPP, Channel.SMS, Channel.CALL_CENTER) or rng.random() < 0.3:
            draft.guest_phone = f"+628{rng.randint(11, 59)}{rng.randint(10**7, 10**8 - 1)}"
        else:
            local = draft.guest_name.lower().replace(" ", ".")
            draft.guest_email = f"{local}{rng.randint(1, 99)}@contoh.id"

    def _reference(self, channel: str) -> str:
        token = f"{self.rng.getrandbits(40):010x}{self.counter:05d}"
        prefix = {Channel.WHATSAPP: "wamid.", Channel.LETTER: "SURAT/", Channel.SMS: "sms-"}
        return prefix.get(channel, f"{channel}-") + token

    def _unit_for(self, draft: Draft, agency_slug: str) -> str:
        key = (draft.category.pk, agency_slug)
        if key not in self.units:
            org = RoutingRule.objects.route(draft.category, draft.region)
            self.units[key] = org.slug if org and not org.is_agency else f"{agency_slug}-pupr"
        return self.units[key]

    # --- Steps: each runs one lifecycle action at story.clock --------------------------

    def _admin_for(self, report: Report):
        if report.organization_id is None:
            return Actor(self.world.national_admin)
        agency = report.organization.agency()
        return Actor(self.world.admins.get(agency.slug, self.world.national_admin))

    def _handler(self, story: Story) -> Actor:
        unit = story.report.organization
        user = self.world.liaisons.get(unit.slug) or self.world.admins[story.agency_slug]
        return Actor(user)

    def _responses(self, story: Story) -> tuple[str, str]:
        category = story.report.category
        parent = category.parent.slug if category.parent_id else category.slug
        return texts.RESPONSES.get(category.slug) or texts.RESPONSES[parent]

    def step_hold(self, story: Story) -> None:
        question, story.hold_answer = self.rng.choice(texts.HOLD_EXCHANGES)
        lifecycle.hold(story.report, self._admin_for(story.report), question, at=story.clock)

    def step_answer(self, story: Story) -> None:
        lifecycle.answer_hold(story.report, story.reporter_actor, story.hold_answer, at=story.clock)

    def step_route(self, story: Story) -> None:
        """National queue → agency → unit, or agency → unit, as the real admins would."""
        report, world = story.report, self.world
        if report.organization_id is None:
            halfway = story.last + (story.clock - story.last) / 2
            agency = world.agencies[story.agency_slug]
            tier = Tier.SIMPLE if report.kind == Kind.INFORMATION else self._tier()
            lifecycle.dispatch(report, Actor(world.national_admin), agency, tier=tier, at=halfway)
        unit = world.units[story.unit_slug]
        admin = Actor(world.admins[story.agency_slug])
        lifecycle.dispatch(report, admin, unit, at=story.clock)

    def _tier(self) -> str:
        return self.rng.choices([Tier.SIMPLE, Tier.NORMAL, Tier.FIELD], [2, 6, 2])[0]

    def step_remit(self, story: Story) -> None:
        report = story.report
        reason = texts.NOT_OUR_REMIT[report.category.slug].format(
            village=report.region.name, district=report.region.parent.name
        )
        lifecycle.not_our_remit(report, self._handler(story), reason, at=story.clock)

    def step_reroute(self, story: Story) -> None:
        """The agency's admin sends it where the department said: the kecamatan of the
        report's place (`_submit` chose a place that has one)."""
        district = self.district_offices[story.agency_slug][story.report.region.parent_id]
        story.unit_slug = district
        admin = Actor(self.world.admins[story.agency_slug])
        lifecycle.dispatch(story.report, admin, self.world.units[district], at=story.clock)

    def step_note(self, story: Story) -> None:
        note = self.rng.choice(texts.NOTES)
        lifecycle.add_note(story.report, self._handler(story), note, at=story.clock)

    def step_respond(self, story: Story) -> None:
        first, _final = self._responses(story)
        handler = self._handler(story)
        if story.report.assigned_to_id is None:
            # The liaison takes the report on as they start on it, as colleagues expect.
            lifecycle.assign(story.report, handler, handler.user, at=story.clock)
        lifecycle.respond(story.report, handler, first, at=story.clock)

    def step_complete(self, story: Story) -> None:
        _first, final = self._responses(story)
        lifecycle.complete(story.report, self._handler(story), final, at=story.clock)

    def step_unsatisfied(self, story: Story) -> None:
        message = self.rng.choice(texts.NOT_SATISFIED)
        lifecycle.reply(
            story.report, story.reporter_actor, satisfied=False, message=message, at=story.clock
        )

    def step_satisfied(self, story: Story) -> None:
        lifecycle.reply(story.report, story.reporter_actor, satisfied=True, at=story.clock)

    def step_rate(self, story: Story) -> None:
        stars = self.rng.choices([1, 2, 3, 4, 5], [5, 8, 17, 35, 35])[0]
        comment = self.rng.choice(texts.RATING_COMMENTS[stars])
        lifecycle.rate(story.report, story.reporter_actor, stars, comment, at=story.clock)

    def step_close_unanswered(self, story: Story) -> None:
        lifecycle.close_unanswered(story.report, at=story.clock)

    def step_escalate(self, story: Story) -> None:
        supervisor = self.world.supervisors.get(story.agency_slug)
        actor = Actor(supervisor or self.world.national_admin)
        message = self.rng.choice(texts.ESCALATION_MESSAGES)
        lifecycle.escalate(story.report, actor, message, at=story.clock)

    def step_hand_over(self, story: Story) -> None:
        lifecycle.hand_over(
            story.report,
            story.reporter_actor,
            self.world.ombudsman,
            "Sudah lebih dari 60 hari belum selesai, mohon ditangani Ombudsman.",
            at=story.clock,
        )

    def step_archive(self, story: Story) -> None:
        reason = self.rng.choice(list(texts.ARCHIVE_MESSAGES))
        message = texts.ARCHIVE_MESSAGES[reason]
        admin = self._admin_for(story.report)
        lifecycle.archive(story.report, admin, reason, message, at=story.clock)

    def step_archive_incomplete(self, story: Story) -> None:
        lifecycle.archive_incomplete(story.report, at=story.clock)

    def step_repeat(self, story: Story) -> None:
        """Nothing happens: the repeated report waits for an admin to see the duplicate."""

    def step_duplicate(self, story: Story) -> None:
        original = self.original
        if original is not None:
            original.refresh_from_db(fields=["status"])
        if original is None or original.status in (Status.CLOSED, Status.ARCHIVED):
            # Nothing to duplicate yet, or it was closed meanwhile (a recurrence is a new
            # report to handle, lifecycle.mark_duplicate refuses it): archive plainly.
            self.step_archive(story)
            return
        # The national admin sees both reports, wherever each one waits.
        admin = Actor(self.world.national_admin)
        lifecycle.mark_duplicate(story.report, admin, original, at=story.clock)


CONFIDENTIAL = {"pungutan-sekolah", "ppdb", "pbg"}
GUEST_NAMES = [
    "Slamet Riyadi",
    "Ani Marlina",
    "Darsono",
    "Kusnadi",
    "Endang Sulastri",
    "Teguh Santoso",
    "Mulyani",
    "Heru Purnomo",
    "Retno Wulandari",
    "Sugiarto",
]
