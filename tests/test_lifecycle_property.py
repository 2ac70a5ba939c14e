"""Random action sequences by random actors never break the lifecycle's invariants."""

from __future__ import annotations

import datetime

import time_machine
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from aduan.reports import lifecycle
from aduan.reports.attachments import CleanFile
from aduan.reports.lifecycle import TRANSITIONS, Actor, TransitionError
from aduan.reports.models import Status
from tests.personas import as_reporter, as_user, submit

STAFF = ["national_admin", "agency_admin", "liaison_a", "liaison_b", "supervisor", "other_admin"]
ACTORS = [*STAFF, "reporter", "system"]
TARGETS = ["agency", "unit_a", "unit_b", "other_agency"]
HANDLED = (Status.DISPATCHED, Status.IN_PROGRESS, Status.COMPLETED, Status.CLOSED)
FINAL = (Status.CLOSED, Status.ARCHIVED)
FORWARD = ["dispatch", "respond", "not_our_remit", "complete", "not_satisfied", "satisfied"]
PHOTO = CleanFile("foto.jpg", "image/jpeg", b"\xff\xd8\xff\xe0 a photo")
TAKEN: set[str] = set()  # actions the machine managed to draw, to show it explores


def _take(w, report, action, actor, target, others):
    """Take `action` the way a view would, with whatever the actor is."""
    calls = {
        "dispatch": lambda: lifecycle.dispatch(report, actor, getattr(w, target)),
        "hold": lambda: lifecycle.hold(report, actor, "Di mana?"),
        "answer_hold": lambda: lifecycle.answer_hold(
            report, actor, "Di sini.", received_via="phone"
        ),
        "archive_incomplete": lambda: lifecycle.transition(report, action, actor),
        "not_our_remit": lambda: lifecycle.not_our_remit(report, actor, "Bukan kami."),
        "archive": lambda: lifecycle.archive(report, actor, "out_of_scope", "Perkara pidana."),
        "mark_duplicate": lambda: lifecycle.mark_duplicate(report, actor, others[0]),
        "set_flags": lambda: lifecycle.set_flags(report, actor, confidential=True),
        "correct_flags": lambda: lifecycle.correct_flags(
            report, actor, "Salah baca.", urgent=not report.is_urgent
        ),
        "respond": lambda: lifecycle.respond(report, actor, "Sedang dicek."),
        "note": lambda: lifecycle.add_note(report, actor, "Catatan."),
        "complete": lambda: lifecycle.complete(report, actor, "Selesai."),
        "satisfied": lambda: lifecycle.reply(report, actor, satisfied=True, received_via="phone"),
        "not_satisfied": lambda: lifecycle.reply(
            report, actor, satisfied=False, message="Belum.", received_via="phone"
        ),
        "close_unanswered": lambda: lifecycle.transition(report, action, actor),
        "rate": lambda: lifecycle.rate(report, actor, 3),
        "escalate": lambda: lifecycle.escalate(report, actor),
        "hand_over": lambda: lifecycle.hand_over(report, actor, w.ombudsman),
        "forward": lambda: lifecycle.forward(report, actor, "Diteruskan.", data={}),
        "remote_update": lambda: lifecycle.transition(report, action, actor),
        "remote_verdict": lambda: lifecycle.record_remote_verdict(
            report, actor, "Sudah.", data={"uplink": "nasional", "satisfied": True}
        ),
        "hide_file": lambda: lifecycle.hide_file(report, actor, report.attachments.get().pk),
        # channels.intake.add_to_submission records it so, as the reporter.
        "add_files": lambda: lifecycle.transition(report, action, actor, data={"attachments": []}),
        "add_info": lambda: lifecycle.add_information(report, actor, "Makin parah."),
        "hide_info": lambda: lifecycle.hide_information(
            report,
            actor,
            report.events.filter(action="add_info").values_list("pk", flat=True).first() or 0,
        ),
        "assign": lambda: lifecycle.assign(
            report,
            actor,
            lifecycle.assignable_officers(report).exclude(pk=report.assigned_to_id).first(),
        ),
    }
    if action in ("archive_incomplete", "close_unanswered", "remote_update") and actor.is_system:
        calls[action] = {
            "archive_incomplete": lambda: lifecycle.archive_incomplete(report),
            "close_unanswered": lambda: lifecycle.close_unanswered(report),
            "remote_update": lambda: lifecycle.record_remote_update(report, "Kabar.", data={}),
        }[action]
    return calls[action]()


class LifecycleMachine(RuleBasedStateMachine):
    world = None  # set by the test before the machine runs

    def __init__(self):
        super().__init__()
        w = self.world
        self.traveller = time_machine.travel(timezone.now(), tick=False)
        self.clock = self.traveller.start()
        self.reports = [
            submit(w, reporter=w.citizen, attachments=[PHOTO])[0],
            submit(w, attachments=[PHOTO])[0],
            submit(w, reporter=w.citizen, suggested_organization=w.unit_b, attachments=[PHOTO])[0],
        ]
        self.ever = [set() for _ in self.reports]  # statuses each report has been in
        self.flags = [(False, False) for _ in self.reports]
        self.auditor = [None for _ in self.reports]
        self.rating = [None for _ in self.reports]
        self.taken = TAKEN

    def teardown(self):
        self.traveller.stop()

    def _actor(self, name: str, report) -> Actor:
        if name == "system":
            return Actor.system()
        if name == "reporter":
            return as_reporter(report.reporter)
        return as_user(getattr(self.world, name))

    @rule(
        index=st.integers(0, 2),
        action=st.sampled_from(sorted(TRANSITIONS)),
        actor=st.sampled_from(ACTORS),
        to=st.sampled_from(TARGETS),
    )
    def act(self, index, action, actor, to):
        report = self.reports[index]
        report.refresh_from_db()
        others = [r for r in self.reports if r.pk != report.pk]
        before = (report.status, report.version)
        try:
            _take(self.world, report, action, self._actor(actor, report), to, others)
        except (TransitionError, PermissionDenied):
            report.refresh_from_db()
            assert (report.status, report.version) == before
            return
        assert report.version == before[1] + 1

    def _entitled(self, report) -> dict[str, list[str]]:
        entitled: dict[str, list[str]] = {}
        for name in ACTORS:
            for action in lifecycle.allowed_actions(report, self._actor(name, report)):
                entitled.setdefault(action, []).append(name)
        return entitled

    @rule(index=st.integers(0, 2), data=st.data())
    def act_as_someone_entitled(self, index, data):
        """Legal-looking steps, so sequences get past the first refusals."""
        report = self.reports[index]
        report.refresh_from_db()
        entitled = self._entitled(report)
        if entitled:
            action = data.draw(st.sampled_from(sorted(entitled)))
            self._take_entitled(index, action, entitled[action], data)

    @rule(index=st.integers(0, 2), data=st.data())
    def move_forward(self, index, data):
        """Steps that move a report on, so sequences reach the later statuses."""
        report = self.reports[index]
        report.refresh_from_db()
        entitled = self._entitled(report)
        forward = [a for a in FORWARD if a in entitled]
        if forward:
            action = data.draw(st.sampled_from(forward))
            self._take_entitled(index, action, entitled[action], data)

    def _take_entitled(self, index, action, names, data):
        name = data.draw(st.sampled_from(names))
        self.act(index, action, name, data.draw(st.sampled_from(TARGETS)))
        self.taken.add(action)

    @rule(days=st.integers(1, 40))
    def wait(self, days):
        self.clock.shift(datetime.timedelta(days=days))

    @invariant()
    def every_report_is_consistent(self):
        for i, report in enumerate(self.reports):
            report.refresh_from_db()
            self._check(i, report)

    def _check(self, i, report):
        events = list(report.events.order_by("at", "id"))
        assert report.status in Status.values
        assert report.version == len(events)
        assert events[0].action == "submit" and events[-1].to_status == report.status
        for before, after in zip(events, events[1:], strict=False):
            assert after.from_status == before.to_status
        for final in FINAL:
            assert final not in self.ever[i] or report.status == final
        self.ever[i].add(report.status)
        assert (report.completed_at is not None) == (
            report.status in (Status.COMPLETED, Status.CLOSED)
        )
        assert (report.closed_at is not None) == (report.status == Status.CLOSED)
        assert (report.archived_at is not None) == (report.status == Status.ARCHIVED)
        assert report.status != Status.ON_HOLD or report.on_hold_since is not None
        if report.status in HANDLED:
            assert report.organization_id is not None
            assert report.verified_at is not None and report.dispatched_at is not None
        flags = (report.is_anonymous, report.is_confidential)
        assert all(now or not was for was, now in zip(self.flags[i], flags, strict=True))
        self.flags[i] = flags
        assert self.auditor[i] in (None, report.auditor_organization_id)
        self.auditor[i] = report.auditor_organization_id
        assert self.rating[i] in (None, report.rating)
        self.rating[i] = report.rating
        if report.assigned_to_id is not None and report.organization_id is not None:
            # The officer in charge works where the report is (cleared when it moves).
            holds = report.organization.ancestors().filter(
                memberships__user_id=report.assigned_to_id
            )
            assert holds.exists()


def test_random_action_sequences_keep_the_lifecycle_invariants(world):
    LifecycleMachine.world = world
    run_state_machine_as_test(
        LifecycleMachine,
        settings=settings(
            max_examples=40,
            stateful_step_count=25,
            # The same sequences on every run and every machine: the exploration check
            # below must not depend on luck or on a local example database.
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
    # The machine must get past verification into handling, or it explored nothing.
    assert {"dispatch", "respond", "complete"} <= TAKEN
