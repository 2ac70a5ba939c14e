"""The report lifecycle: the one place where a report's status changes.

`TRANSITIONS` declares, for every action, the statuses it may start from and the status
it leads to (None: the status stays). `transition()` checks the table, changes the row
with a conditional UPDATE on `version` so a concurrent stale action loses cleanly, and
writes the timeline event in the same transaction. The named functions below wrap it and
check who may act; views, the API, commands and the admin call only those.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from aduan.organizations.access import HANDLING_ROLES, STAFF_ROLES, Access, Role
from aduan.organizations.models import Category, Membership, Organization
from aduan.reports.attachments import CleanFile, store_attachment
from aduan.reports.models import Attachment, Dispatch, Report, ReportEvent, Status, Tier
from aduan.reports.privacy import (
    set_public_text,
    withheld_text,
    withhold_reporter,
    withhold_reporter_messages,
)

S = Status


class Action(models.TextChoices):
    SUBMIT = "submit", _("Submitted")
    DISPATCH = "dispatch", _("Verified and dispatched")
    HOLD = "hold", _("Put on hold")
    ANSWER_HOLD = "answer_hold", _("Reporter answered")
    ARCHIVE_INCOMPLETE = "archive_incomplete", _("Archived: no answer")
    NOT_OUR_REMIT = "not_our_remit", _("Not our remit")
    ARCHIVE = "archive", _("Archived")
    MARK_DUPLICATE = "mark_duplicate", _("Marked as duplicate")
    SET_FLAGS = "set_flags", _("Privacy changed")
    RESPOND = "respond", _("Response")
    NOTE = "note", _("Internal note")
    COMPLETE = "complete", _("Completed")
    SATISFIED = "satisfied", _("Reporter is satisfied")
    NOT_SATISFIED = "not_satisfied", _("Reporter is not satisfied")
    CLOSE_UNANSWERED = "close_unanswered", _("Closed: no reply")
    RATE = "rate", _("Rated")
    ESCALATE = "escalate", _("Escalated")
    HAND_OVER = "hand_over", _("Handed over to an oversight body")
    FORWARD = "forward", _("Forwarded to a connected system")
    REMOTE_UPDATE = "remote_update", _("Update from a connected system")
    REMOTE_VERDICT = "remote_verdict", _("Reporter's verdict for a connected system")
    HIDE_FILE = "hide_file", _("File hidden from the public")
    ADD_FILES = "add_files", _("Reporter added files")
    ASSIGN = "assign", _("Officer in charge changed")
    ADD_INFO = "add_info", _("Reporter added information")
    HIDE_INFO = "hide_info", _("Reporter's words hidden from the public")
    CORRECT_FLAGS = "correct_flags", _("Urgency or abusive-language flag corrected")


@dataclass(frozen=True)
class Rule:
    sources: frozenset[str]
    target: str | None  # None: the status does not change


def _rule(sources, target=None) -> Rule:
    return Rule(frozenset(sources), target)


OPEN_HANDLING = (S.DISPATCHED, S.IN_PROGRESS)
UNVERIFIED = (S.SUBMITTED, S.ON_HOLD)

TRANSITIONS: dict[str, Rule] = {
    Action.DISPATCH: _rule((S.SUBMITTED, S.DISPATCHED), S.DISPATCHED),
    Action.HOLD: _rule((S.SUBMITTED,), S.ON_HOLD),
    Action.ANSWER_HOLD: _rule((S.ON_HOLD,), S.SUBMITTED),
    Action.ARCHIVE_INCOMPLETE: _rule((S.ON_HOLD,), S.ARCHIVED),
    Action.NOT_OUR_REMIT: _rule((S.SUBMITTED, S.DISPATCHED), S.SUBMITTED),
    Action.ARCHIVE: _rule((*UNVERIFIED, S.DISPATCHED), S.ARCHIVED),
    Action.MARK_DUPLICATE: _rule((*UNVERIFIED, S.DISPATCHED), S.ARCHIVED),
    Action.SET_FLAGS: _rule((*UNVERIFIED, S.DISPATCHED)),
    Action.RESPOND: _rule(OPEN_HANDLING, S.IN_PROGRESS),
    Action.NOTE: _rule(tuple(S)),
    Action.COMPLETE: _rule(OPEN_HANDLING, S.COMPLETED),
    Action.SATISFIED: _rule((S.COMPLETED,), S.CLOSED),
    Action.NOT_SATISFIED: _rule((S.COMPLETED,), S.IN_PROGRESS),
    Action.CLOSE_UNANSWERED: _rule((S.COMPLETED,), S.CLOSED),
    Action.RATE: _rule((S.COMPLETED, S.CLOSED)),
    Action.ESCALATE: _rule((S.SUBMITTED, *OPEN_HANDLING)),
    Action.HAND_OVER: _rule(OPEN_HANDLING),
    Action.FORWARD: _rule((*UNVERIFIED, *OPEN_HANDLING)),
    # Whatever the connected system says is recorded, even after the report closed here.
    Action.REMOTE_UPDATE: _rule(tuple(S)),
    # Whether the connected system waits for a verdict is its own state, not this
    # report's (`aduan.webhooks.forwarding.give_verdict_there` checks it).
    Action.REMOTE_VERDICT: _rule(tuple(S)),
    # A photo may show a face or an ID card at any time, even after the report closed.
    Action.HIDE_FILE: _rule(tuple(S)),
    Action.ADD_FILES: _rule((*UNVERIFIED, *OPEN_HANDLING)),
    Action.CORRECT_FLAGS: _rule((*UNVERIFIED, *OPEN_HANDLING)),
    Action.ASSIGN: _rule((*UNVERIFIED, *OPEN_HANDLING)),
    # On hold, the reporter answers the question instead.
    Action.ADD_INFO: _rule((S.SUBMITTED, *OPEN_HANDLING)),
    # Words published may name a neighbour or slander an officer at any time.
    Action.HIDE_INFO: _rule(tuple(S)),
}

# Actions whose timeline entry the public may see on the report's page.
PUBLIC_ACTIONS = frozenset(
    {
        Action.SUBMIT,
        Action.DISPATCH,
        Action.HOLD,
        Action.ANSWER_HOLD,
        Action.ARCHIVE_INCOMPLETE,
        Action.ARCHIVE,
        Action.MARK_DUPLICATE,
        Action.RESPOND,
        Action.COMPLETE,
        Action.SATISFIED,
        Action.NOT_SATISFIED,
        Action.CLOSE_UNANSWERED,
        Action.RATE,
        Action.HAND_OVER,
        Action.FORWARD,
        Action.ADD_FILES,
        Action.ADD_INFO,
        Action.REMOTE_VERDICT,
    }
)
REPORTER_ACTIONS = frozenset(
    {
        Action.ADD_INFO,
        Action.REMOTE_VERDICT,
        Action.ANSWER_HOLD,
        Action.SATISFIED,
        Action.NOT_SATISFIED,
        Action.RATE,
        Action.HAND_OVER,
        Action.ADD_FILES,
    }
)
SYSTEM_ACTIONS = frozenset({Action.ARCHIVE_INCOMPLETE, Action.CLOSE_UNANSWERED})
ADMIN_ACTIONS = frozenset(
    {
        Action.DISPATCH,
        Action.HOLD,
        Action.ARCHIVE,
        Action.MARK_DUPLICATE,
        Action.SET_FLAGS,
        Action.CORRECT_FLAGS,
        Action.FORWARD,
        Action.HIDE_FILE,
        Action.HIDE_INFO,
        Action.ASSIGN,
    }
)
HANDLER_ACTIONS = frozenset(
    {
        Action.ASSIGN,
        Action.HIDE_INFO,
        Action.RESPOND,
        Action.COMPLETE,
        Action.NOT_OUR_REMIT,
        Action.HIDE_FILE,
        Action.CORRECT_FLAGS,
    }
)
# The reporter's answers that staff may record for them when they came by phone, in
# person or by letter: the answer to a hold question and the verdict on a completed
# report, both by the admins who administer the report's organization — never by the
# handling unit alone, which would be recording a verdict on its own work. The report
# moves exactly as on the reporter's own answer; the event is the officer's, marked as
# the reporter's word (`recorded_for_reporter`).
RECORDED_ANSWER_ACTIONS = frozenset({Action.ANSWER_HOLD})
RECORDED_REPLY_ACTIONS = frozenset({Action.SATISFIED, Action.NOT_SATISFIED})
# The reporter's verdict on what a connected system did with their forwarded report,
# given outside the system: recorded by the officers who may act on the report here, its
# admins and the officers handling it (admins and liaison officers are also who enter
# the reports brought by phone or to the counter). It judges the other system's
# handling, not theirs, so the handling unit may record it. Whether a verdict is awaited
# is the connected system's state (`aduan.webhooks.forwarding.give_verdict_there`).
RECORDED_REMOTE_VERDICT_ACTIONS = frozenset({Action.REMOTE_VERDICT})
HAND_OVER_AFTER = datetime.timedelta(days=60)
INCOMPLETE_MESSAGE = _("The requested information did not arrive in time.")
# A report on hold whose reporter's personal data was deleted: nobody can answer.
UNANSWERABLE_MESSAGE = _(
    "The requested information can no longer arrive: the reporter's personal data was deleted."
)


class ArchiveReason(models.TextChoices):
    INCOMPLETE = "incomplete", _("Incomplete information")
    NOT_PUBLIC_SERVICE = "not_public_service", _("Not a public-service matter")
    DUPLICATE = "duplicate", _("Duplicate of another report")
    ABUSIVE = "abusive", _("Abusive or offensive")
    OUT_OF_SCOPE = "out_of_scope", _("Out of scope (legal case or crime)")


class ReceivedVia(models.TextChoices):
    """How a reporter's answer recorded by staff reached them."""

    PHONE = "phone", _("Phone call")
    IN_PERSON = "in_person", _("In person")
    LETTER = "letter", _("Letter")
    EMAIL = "email", _("Email to an officer")
    OTHER = "other", _("Another way")


class TransitionError(Exception):
    """The action is not possible now; the message is fit to show the user."""


class DailyLimitReached(TransitionError):
    """The action is possible, but not again today (`ADD_INFO_PER_DAY`)."""


class StaleReport(TransitionError):
    """Someone else changed the report since the actor loaded it."""


def stale_report() -> StaleReport:
    return StaleReport(
        _(
            "Someone else changed this report a moment ago. "
            "Reload the page to see the latest state, then try again."
        )
    )


@dataclass(frozen=True)
class Actor:
    """Who is acting: a signed-in user, the reporter (signed in or by secret link), or the
    system (user None, reporter False) — on its own, or at the request of `organization`
    (a connected system acting through its API key where the lifecycle gives its own
    officers no say), which the timeline then names."""

    user: object | None = None
    is_reporter: bool = False
    organization: object | None = None

    @classmethod
    def system(cls, organization=None) -> Actor:
        return cls(organization=organization)

    @property
    def is_system(self) -> bool:
        return self.user is None and not self.is_reporter


def can_see(report: Report, access: Access) -> bool:
    """The object-level form of `Report.objects.visible_to` for a loaded report (staff)."""
    if access.is_national_admin:
        return True
    staff_orgs = access.orgs(*STAFF_ROLES)
    if any(org.contains(report.organization) for org in staff_orgs):
        return True
    return any(org.contains(report.auditor_organization) for org in access.orgs(Role.AUDITOR))


def allowed_actions(report: Report, actor: Actor) -> set[str]:
    """Every action this actor may take on this report now."""
    possible = {a for a, rule in TRANSITIONS.items() if report.status in rule.sources}
    if actor.is_system:
        return possible
    if actor.is_reporter:
        allowed = possible & REPORTER_ACTIONS
        if report.rating is not None:
            allowed.discard(Action.RATE)
        if not _hand_over_due(report):
            allowed.discard(Action.HAND_OVER)
        return allowed
    access = Access.of(actor.user)
    allowed: set[str] = set()
    if access.can_administer(report.organization):
        allowed |= possible & (ADMIN_ACTIONS | RECORDED_ANSWER_ACTIONS | RECORDED_REPLY_ACTIONS)
    if access.can_handle(report.organization):
        allowed |= possible & HANDLER_ACTIONS
    if access.can_administer(report.organization) or access.can_handle(report.organization):
        allowed |= possible & RECORDED_REMOTE_VERDICT_ACTIONS
    if access.is_national_admin or access.holds(report.organization, Role.SUPERVISOR):
        allowed |= possible & {Action.ESCALATE}
    if access.has_role(*STAFF_ROLES) and can_see(report, access):
        allowed |= possible & {Action.NOTE}
    if allowed & NEEDS_REPORTER and reporter_erased(report):
        allowed -= NEEDS_REPORTER
    if report.status in UNVERIFIED and not access.can_administer(report.organization):
        allowed.discard(Action.ASSIGN)  # verifying is the admins' work
    return allowed


# A question for the reporter, or their answer recorded by an officer: nobody is left to
# give either once the reporter deleted their account (`aduan.accounts.erasure`).
NEEDS_REPORTER = frozenset({Action.HOLD, *RECORDED_ANSWER_ACTIONS, *RECORDED_REPLY_ACTIONS})


def reporter_erased(report: Report) -> bool:
    """Whether the reporter's data was erased: their account deleted, or, for a report
    made without one, the guest reporter erased by an operator."""
    if report.reporter_id is None:
        return report.guest_erased_at is not None
    return report.reporter.is_erased


def _nobody_to_answer(report: Report) -> TransitionError:
    """The refusal of a question for, or an answer recorded for, an erased reporter."""
    return TransitionError(
        _("The reporter deleted their account: nobody can answer a question or be asked.")
        if report.reporter_id
        else _(
            "The reporter's data was erased at their request: nobody can answer a "
            "question or be asked."
        )
    )


def _hand_over_due(report: Report) -> bool:
    # Counted from the first dispatch (verification): passing the report around inside
    # the government must not restart the reporter's 60 days.
    if report.auditor_organization_id or report.verified_at is None:
        return False
    return timezone.now() - report.verified_at >= HAND_OVER_AFTER


def transition(
    report: Report,
    action: str,
    actor: Actor,
    *,
    message: str = "",
    changes: dict | None = None,
    data: dict | None = None,
    is_public: bool | None = None,
    at: datetime.datetime | None = None,
    files: Sequence[CleanFile] = (),
    as_received: str = "",
) -> ReportEvent:
    """Apply `action` to `report` and record it; the only writer of `Report.status`.
    `files` (checked by `aduan.reports.attachments`) are stored with the event. An
    anonymous reporter's `message` (their own, or one an officer records for them,
    `data.recorded_for_reporter`) is stored as handlers read it, and as written (or
    `as_received`) sealed for the system (`aduan.reports.privacy`).

    Raises TransitionError when the table forbids the action from the current status,
    PermissionDenied when the actor may not take it, and StaleReport when the report
    changed since `report` was loaded (its `version`). On success the in-memory `report`
    reflects the new row.
    """
    rule = TRANSITIONS[action]
    if report.status not in rule.sources:
        raise TransitionError(
            _("This action is not possible while the report is “%(status)s”.")
            % {"status": report.get_status_display()}
        )
    if action in NEEDS_REPORTER and not actor.is_reporter and reporter_erased(report):
        raise _nobody_to_answer(report)
    if action not in allowed_actions(report, actor):
        raise PermissionDenied(_("You may not take this action on this report."))
    at = at or timezone.now()
    fields = dict(changes or {})
    if rule.target is not None:
        fields["status"] = rule.target
    fields["updated_at"] = at
    moved = "organization" in fields and _pk(fields["organization"]) != report.organization_id
    if moved and report.assigned_to_id:
        # The officer in charge was one of the organization it leaves.
        fields["assigned_to"] = None
    withheld = ""
    if report.is_anonymous and message and (actor.is_reporter or _recorded(data)):
        written, message = as_received or message, withheld_text(message, report)
        withheld = "" if written == message else written
    with transaction.atomic():
        updated = Report.objects.filter(pk=report.pk, version=report.version).update(
            version=F("version") + 1, **fields
        )
        if not updated:
            raise stale_report()
        event = ReportEvent.objects.create(
            report=report,
            action=action,
            actor=actor.user,
            actor_organization=_acting_organization(report, actor),
            by_reporter=actor.is_reporter,
            at=at,
            message=message,
            withheld_message=withheld,
            is_public=action in PUBLIC_ACTIONS if is_public is None else is_public,
            from_status=report.status,
            to_status=fields.get("status", report.status),
            data=data or {},
        )
        for clean in files:
            store_attachment(report, event, clean)
        computed = [n for n, value in fields.items() if hasattr(value, "resolve_expression")]
        for name, value in fields.items():
            if name not in computed:
                setattr(report, name, value)
        report.version += 1
        if computed:
            report.refresh_from_db(fields=computed)
        event.report = report
        after_events([event])
    return event


def apply_system_action(
    action: str,
    reports: list[Report],
    *,
    at: datetime.datetime,
    message: str = "",
    changes: dict | None = None,
    data: dict | None = None,
    unchanged: tuple[str, ...] = (),
) -> list[ReportEvent]:
    """Apply a system action (the deadline scan's) to many reports in a few queries.

    Reports whose current status the table does not allow are skipped, so a report a
    person changed meanwhile is left alone; so are those whose `unchanged` fields no
    longer hold what the in-memory reports say (a supervisor escalated a moment ago).
    Locks the rows it changes; call inside a transaction. The in-memory reports that
    changed are updated.
    """
    if action not in SYSTEM_ACTIONS | {Action.ESCALATE}:
        raise ValueError(f"{action} is not a system action")
    if not reports:
        return []
    rule = TRANSITIONS[action]
    by_id = {report.pk: report for report in reports}
    locked = (
        Report.objects.select_for_update()
        .filter(pk__in=list(by_id), status__in=rule.sources)
        .values_list("pk", "status", *unchanged)
    )
    current = {
        pk: status
        for pk, status, *now in locked
        if list(now) == [getattr(by_id[pk], name) for name in unchanged]
    }
    if not current:
        return []
    fields = dict(changes or {})
    if rule.target is not None:
        fields["status"] = rule.target
    fields["updated_at"] = at
    Report.objects.filter(pk__in=list(current)).update(version=F("version") + 1, **fields)
    events = ReportEvent.objects.bulk_create(
        ReportEvent(
            report_id=pk,
            action=action,
            at=at,
            message=message,
            is_public=action in PUBLIC_ACTIONS,
            from_status=status,
            to_status=fields.get("status", status),
            data=data or {},
        )
        for pk, status in current.items()
    )
    for event in events:
        report = by_id[event.report_id]
        for name, value in fields.items():
            setattr(report, name, value)
        report.version += 1
        event.report = report
    after_events(events)
    return events


def after_events(events: list[ReportEvent], *, secret: str = "") -> None:
    """What follows every timeline event, in its transaction: the deadlines move, the
    people concerned are told and connected systems' webhooks are queued. `secret` is a
    new guest report's secret-link token.

    A submission (the intake's) comes with its first clock already started
    (`first_clocks`), and the worker tells people and connected systems about it (one
    task queued here), so that every channel's intake writes only the report, its event,
    its first deadline and that task. Inside `in_app_only()` (imports of old recaps, the
    demo's history) everything happens at once, as that block asks."""
    from aduan.deadlines.clocks import follow
    from aduan.notifications.events import announce, announce_later
    from aduan.notifications.outbox import collecting, is_in_app_only
    from aduan.webhooks.outbound import enqueue_webhooks

    submitted = [event for event in events if event.action == Action.SUBMIT]
    others = [event for event in events if event.action != Action.SUBMIT]
    follow(others)
    now = events
    if not is_in_app_only():
        announce_later(submitted, secret=secret)
        now = others
    if now:
        # One INSERT and one delivery task for all the messages of these events.
        with collecting():
            announce(now, secret=secret)
        enqueue_webhooks(now)


def _acting_organization(report: Report, actor: Actor) -> Organization | None:
    """The organization in whose name a staff member, or the system at an
    organization's request, acts on this report."""
    if actor.is_reporter:
        return None
    if actor.user is None:
        return actor.organization
    access = Access.of(actor.user)
    best = None
    for membership in access.memberships:
        org = membership.organization
        if org.contains(report.organization) and (best is None or org.depth > best.depth):
            best = org
    return best or next(iter(access.orgs(*STAFF_ROLES)), None)


# --- Named actions -------------------------------------------------------------------


def dispatch(
    report: Report,
    actor: Actor,
    to: Organization,
    *,
    message: str = "",
    tier: str | None = None,
    category: Category | None = None,
    at=None,
) -> ReportEvent:
    """Verify (if needed) and send the report to `to`, which the actor must be allowed to
    dispatch to; a further dispatch down the tree keeps it dispatched. A `category`
    other than the report's sets it: verifying is when an admin settles the category."""
    access = Access.of(actor.user)
    if not access.report_destinations().filter(pk=to.pk).exists():
        raise PermissionDenied(_("You may not dispatch reports to this organization."))
    if to.pk == report.organization_id and report.status == S.DISPATCHED:
        raise TransitionError(_("The report is already with this organization."))
    at = at or timezone.now()
    dispatched_from = _dispatching_organization(report, access)
    changes = {"organization": to, "dispatched_at": at}
    if report.verified_at is None:
        changes["verified_at"] = at
    if tier:
        if tier not in Tier.values:
            raise TransitionError(_("Unknown handling tier."))
        changes["tier"] = tier
    data = {"to": to.pk, "to_name": to.name, "from": report.organization_id}
    if category is not None and category.pk != report.category_id:
        if not category.is_active:
            raise TransitionError(_("This category is no longer in use."))
        changes["category"] = category
        data |= {"category": category.pk, "previous_category": report.category_id}
    with transaction.atomic():
        event = transition(
            report, Action.DISPATCH, actor, message=message, changes=changes, data=data, at=at
        )
        Dispatch.objects.create(
            report=report, from_organization=dispatched_from, to_organization=to, at=at
        )
    return event


def _dispatching_organization(report: Report, access: Access) -> Organization | None:
    """Where a dispatch comes from: the deepest organization the actor administers that
    holds the report, or None (the national queue) when a national admin acts from above."""
    holders = [org for org in access.orgs(Role.AGENCY_ADMIN) if org.contains(report.organization)]
    return max(holders, key=lambda org: org.depth) if holders else None


def hold(report: Report, actor: Actor, question: str, *, at=None, files=()) -> ReportEvent:
    """Ask the reporter for what is missing; `files` (a form to fill in, an example)
    go with the question."""
    _require_text(question, _("Write the question for the reporter."))
    at = at or timezone.now()
    return transition(
        report,
        Action.HOLD,
        actor,
        message=question,
        changes={"on_hold_since": at},
        at=at,
        files=files,
    )


def answer_hold(
    report: Report,
    actor: Actor,
    answer: str,
    *,
    received_via: str = "",
    at=None,
    files=(),
    as_received: str = "",
) -> ReportEvent:
    """The reporter's answer to the hold question; the report goes back to verification.
    An officer recording an answer the reporter gave outside the system says how it
    came (`received_via`, one of ReceivedVia). `as_received`: the answer as it came,
    when the channel left a part out (an anonymous reporter's email signature)."""
    data = _recorded_for_reporter(actor, received_via)
    _require_text(answer, _("Write the reporter's answer.") if data else _("Write your answer."))
    return transition(
        report,
        Action.ANSWER_HOLD,
        actor,
        message=answer,
        as_received=as_received,
        changes={"on_hold_since": None, **reread_flags(report, answer)},
        is_public=False,
        data=data,
        at=at,
        files=files,
    )


def reread_flags(report: Report, answer: str = "", *, answers: list[str] | None = None) -> dict:
    """The urgency and abusive-language flags of what the report says now — its title and
    body (perhaps just edited), the reporter's answers so far (`answers` when the caller
    has read them) and `answer`, one being recorded — as changes for the report's row:
    only those that differ. Flags an officer set by hand stay as set."""
    from aduan.triage.hints import urgency_and_abuse

    if answers is None:
        answers = reporter_answers(report) if report.pk else []
    answers = [*answers, answer]
    flags = urgency_and_abuse(
        report.title, report.body, *answers, on=timezone.localdate(report.submitted_at)
    )
    if report.urgency_set_by_hand:
        del flags["urgency_flags"], flags["is_urgent"]
    if report.abuse_set_by_hand:
        del flags["is_abusive"]
    return {name: value for name, value in flags.items() if getattr(report, name) != value}


# The reporter's words after the report, read with it for the flags: answers to
# questions and the information they added.
WORDS_READ_WITH_REPORT = (Action.ANSWER_HOLD, Action.ADD_INFO)


def reporter_answers(report: Report) -> list[str]:
    return list(
        report.events.filter(action__in=WORDS_READ_WITH_REPORT)
        .order_by("at")
        .values_list("message", flat=True)
    )


def _recorded_for_reporter(actor: Actor, received_via: str) -> dict:
    """The event data of a reporter's answer typed in by an officer (nothing for the
    reporter's own): refused unless the officer says how the answer came."""
    if actor.is_reporter or actor.is_system:
        return {}
    if received_via not in ReceivedVia.values:
        raise TransitionError(_("Choose how the reporter's answer reached you."))
    return {"recorded_for_reporter": True, "received_via": received_via}


def recorded_for_reporter(event: ReportEvent) -> bool:
    """Whether `event` is a reporter's answer that an officer recorded for them."""
    return _recorded(event.data)


def _recorded(data: dict | None) -> bool:
    return bool((data or {}).get("recorded_for_reporter"))


def archive_incomplete(report: Report, *, at=None) -> ReportEvent:
    at = at or timezone.now()
    return transition(
        report,
        Action.ARCHIVE_INCOMPLETE,
        Actor.system(),
        message=str(INCOMPLETE_MESSAGE),
        changes={"archived_at": at, "archive_reason": ArchiveReason.INCOMPLETE},
        at=at,
    )


def not_our_remit(report: Report, actor: Actor, reason: str, *, at=None, files=()) -> ReportEvent:
    """Pass the report back to whoever dispatched it (or the national queue); `files`
    (the regulation that says whose remit it is) stay with staff, like the reason."""
    _require_text(reason, _("Explain why this is not your organization's remit."))
    # The dispatch that brought the report to its current organization, not merely the
    # latest one: after an earlier bounce the latest may point elsewhere.
    last = (
        Dispatch.objects.filter(report=report, to_organization_id=report.organization_id)
        .order_by("-at", "-id")
        .first()
    )
    back_to = last.from_organization if last else None
    return transition(
        report,
        Action.NOT_OUR_REMIT,
        actor,
        message=reason,
        changes={"organization": back_to},
        data={"from": report.organization_id, "to": back_to.pk if back_to else None},
        at=at,
        files=files,
    )


def archive(report: Report, actor: Actor, reason: str, message: str, *, at=None) -> ReportEvent:
    if reason not in ArchiveReason.values or reason == ArchiveReason.DUPLICATE:
        raise TransitionError(_("Choose why the report is archived."))
    _require_text(message, _("Write the explanation the reporter will receive."))
    at = at or timezone.now()
    return transition(
        report,
        Action.ARCHIVE,
        actor,
        message=message,
        changes={"archived_at": at, "archive_reason": reason},
        data={"reason": reason},
        at=at,
    )


def mark_duplicate(report: Report, actor: Actor, original: Report, *, at=None) -> ReportEvent:
    """Archive `report` as a duplicate; its supporters and followers move to `original`,
    with its reporter when they have an account."""
    from aduan.reports.models import Subscription, Support

    # Supporters end up on a live report, not on another archived duplicate.
    original = original.first_of_duplicates()
    if original.pk == report.pk:
        raise TransitionError(_("A report cannot be a duplicate of itself."))
    if actor.user is not None and not can_see(original, Access.of(actor.user)):
        # Linking to a report one may not see would reveal it through the timeline.
        raise TransitionError(_("No report you can see has this tracking code."))
    at = at or timezone.now()
    with transaction.atomic():
        # Both rows, in one order: two admins merging a pair "the other way round" at
        # once would each read the other as open and archive both.
        locked = Report.objects.select_for_update().filter(pk__in=[report.pk, original.pk])
        original = {row.pk: row for row in locked.order_by("pk")}[original.pk]
        _check_original(report, original)
        event = transition(
            report,
            Action.MARK_DUPLICATE,
            actor,
            message=_merge_message(original),
            changes={
                "archived_at": at,
                "archive_reason": ArchiveReason.DUPLICATE,
                "duplicate_of": original,
            },
            data={"original": original.tracking_code},
            at=at,
        )
        moved = 0
        for support in Support.objects.filter(report=report):
            _support, created = Support.objects.get_or_create(
                report=original, user_id=support.user_id
            )
            moved += created
        if moved:
            Report.objects.filter(pk=original.pk).update(support_count=F("support_count") + moved)
        # Whatever the original's visibility: followers hear a report's news only while
        # the public may see it (notifications.events), so an original verified later
        # reaches them then, and a confidential one never names itself to them.
        followers = set(
            Subscription.objects.filter(report=report).values_list("user_id", flat=True)
        )
        if report.reporter_id and report.reporter_id != original.reporter_id:
            followers.add(report.reporter_id)
        for user_id in followers:
            Subscription.objects.get_or_create(report=original, user_id=user_id)
    return event


def merge_message(event: ReportEvent) -> str:
    """A merge's timeline entry as it reads now: the stored words named the original
    as it was at the merge, and an original made confidential since (or merged before
    unverified originals were left unnamed) must not be named on a page it is not on."""
    original = Report.objects.filter(tracking_code=event.data.get("original", "")).first()
    if original is None:
        original = event.report.duplicate_of or event.report
    return _merge_message(original.first_of_duplicates())


def _merge_message(original: Report) -> str:
    """The public timeline's word on a merge. An original the public may not see (not
    yet verified, confidential) is not named: its code would tell the duplicate's
    reporter and followers of a report they cannot open."""
    if original.is_public:
        return str(_("This report duplicates %(code)s.") % {"code": original.tracking_code})
    return str(_("This report is handled together with another report about the same problem."))


def _check_original(report: Report, original: Report) -> None:
    """Refuse an original that is not a live report: an archived one is handled by
    nobody, and a closed one was said to be solved, so a new report of the same problem
    is a recurrence to handle, not a duplicate to bury."""
    if original.duplicate_of_id == report.pk or original.status == Status.ARCHIVED:
        raise TransitionError(
            _("Report %(code)s is archived; it cannot be the original.")
            % {"code": original.tracking_code}
        )
    if original.status == Status.CLOSED:
        raise TransitionError(
            _(
                "Report %(code)s is closed: if the problem came back, handle this report "
                "instead of marking it as a duplicate."
            )
            % {"code": original.tracking_code}
        )


def set_flags(
    report: Report, actor: Actor, *, anonymous: bool = False, confidential: bool = False
) -> ReportEvent:
    """Turn privacy flags on during verification; they are never turned off. A report
    already forwarded to another system has them turned on there too."""
    from aduan.webhooks.forwarding import send_again

    changes = {}
    if anonymous and not report.is_anonymous:
        changes["is_anonymous"] = True
    if confidential and not report.is_confidential:
        changes["is_confidential"] = True
    if not changes:
        raise TransitionError(_("Choose a privacy flag to turn on."))
    with transaction.atomic():
        text = {}
        if changes.get("is_anonymous"):
            text = withhold_reporter(report)
            if text:
                set_public_text(report)
                text.update(public_title=report.public_title, public_body=report.public_body)
        event = transition(
            report, Action.SET_FLAGS, actor, changes={**changes, **text}, data=changes
        )
        if changes.get("is_anonymous"):
            # The reporter's earlier messages (answers to a question, a reply) too.
            withhold_reporter_messages(report.events.all(), report)
        send_again(report)
    return event


def correct_flags(
    report: Report,
    actor: Actor,
    reason: str,
    *,
    urgent: bool | None = None,
    abusive: bool | None = None,
) -> ReportEvent:
    """An officer's correction of the flags read from the text: `urgent` and `abusive`
    True or False set them, None leaves them. A flag set here stays as set when the text
    is read again. The entry is internal, with the reason; refused when nothing changes."""
    _require_text(reason, _("Say why the flag is wrong."))
    changes: dict = {}
    data: dict = {}
    if urgent is not None and urgent != report.is_urgent:
        changes.update(is_urgent=urgent, urgency_set_by_hand=True)
        if not urgent:
            changes["urgency_flags"] = []
        data["urgent"] = {"from": report.is_urgent, "to": urgent, "flags": report.urgency_flags}
    if abusive is not None and abusive != report.is_abusive:
        changes.update(is_abusive=abusive, abuse_set_by_hand=True)
        data["abusive"] = {"from": report.is_abusive, "to": abusive}
    if not changes:
        raise TransitionError(_("Change the urgency or the abusive-language flag."))
    return transition(
        report, Action.CORRECT_FLAGS, actor, message=reason, changes=changes, data=data
    )


def hide_file(report: Report, actor: Actor, attachment_id: int, *, at=None) -> ReportEvent:
    """Take one of the report's files off every public surface (the report page, Open311,
    the exports) and off the connected systems it was forwarded to; the reporter and
    staff still see it. There is no undoing it, as with the privacy flags. Refused with
    TransitionError when the file is not the report's or is already hidden."""
    from aduan.webhooks.forwarding import send_again

    with transaction.atomic():
        hidden = Attachment.objects.filter(pk=attachment_id, report=report, is_public=True)
        item = hidden.select_related("event").first()
        if item is None:
            raise TransitionError(_("This file is not shown to the public."))
        event = transition(
            report,
            Action.HIDE_FILE,
            actor,
            message=item.name_for_staff(report),
            is_public=False,
            data={"attachment": attachment_id},
            at=at,
        )
        hidden.update(is_public=False)
        send_again(report, hidden=attachment_id)
    return event


# The reporter's public entries whose words an officer may take off the public pages.
HIDEABLE_WORDS = frozenset(
    {
        Action.ADD_INFO,
        Action.ANSWER_HOLD,
        Action.SATISFIED,
        Action.NOT_SATISFIED,
        Action.RATE,
        Action.REMOTE_VERDICT,
    }
)
# The reporter's words that go on to the uplinks the report was forwarded to: hidden
# here, they are hidden there too.
RELAYED_WORDS = frozenset({Action.ADD_INFO, Action.REMOTE_VERDICT})


def words_hideable(event: ReportEvent) -> bool:
    """Whether `event` holds the reporter's words that the public reads now."""
    return (
        event.action in HIDEABLE_WORDS
        and event.is_public
        and bool(event.message.strip())
        and (event.by_reporter or recorded_for_reporter(event))
        and not words_hidden(event)
    )


def words_hidden(event: ReportEvent) -> bool:
    return bool((event.data or {}).get("words_hidden"))


def hide_information(report: Report, actor: Actor, event_id: int, *, at=None) -> ReportEvent:
    """Take the reporter's words off every public surface — the report page, Open311,
    the feeds, followers' messages — when they name a third person or slander: news the
    reporter added (`add_info`), which is nothing but words, leaves the public timeline;
    an answer, a verdict or a rating comment stays there, as the step it records, with
    its words withheld (`privacy.public_message`). The handlers and the reporter still
    read them, and an internal `hide_info` entry records who hid them and when. There is
    no undoing it, as with a file."""
    with transaction.atomic():
        event = (
            ReportEvent.objects.select_for_update()
            .filter(pk=event_id, report=report, action__in=HIDEABLE_WORDS)
            .first()
        )
        if event is None or not words_hideable(event):
            raise TransitionError(_("These words are not shown to the public."))
        hiding = transition(
            report, Action.HIDE_INFO, actor, is_public=False, data={"event": event_id}, at=at
        )
        shown = ReportEvent.objects.filter(pk=event.pk)
        if event.action == Action.ADD_INFO:
            shown.update(is_public=False)
        else:
            shown.update(data={**(event.data or {}), "words_hidden": True})
        if event.action in RELAYED_WORDS:
            from aduan.webhooks.forwarding import send_again

            send_again(report)
    return hiding


def respond(report: Report, actor: Actor, message: str, *, at=None, files=()) -> ReportEvent:
    _require_text(message, _("Write the response."))
    at = at or timezone.now()
    changes = {} if report.first_response_at else {"first_response_at": at}
    return transition(
        report, Action.RESPOND, actor, message=message, changes=changes, at=at, files=files
    )


# A reporter adds information at most this often a day to one report: enough for news of
# the problem, not for a conversation that would drown its handlers.
ADD_INFO_PER_DAY = 5


def information_added_on_the_day(report: Report, at=None) -> int:
    """How often the reporter added information on the day of `at` (now): a day as the
    refusal says it ("today", "tomorrow"), the calendar day where the report is handled,
    not the last 24 hours, which still refused the next morning."""
    from aduan.deadlines.calendar import zone
    from aduan.deadlines.clocks import time_zone_of

    tz = zone(time_zone_of(report))
    day = timezone.localtime(at or timezone.now(), tz).date()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return report.events.filter(action=Action.ADD_INFO, at__gte=start, at__lt=end).count()


def add_information(report: Report, actor: Actor, message: str, *, at=None) -> ReportEvent:
    """The reporter's news of the problem ("the hole is deeper", "a second lamp is out"),
    public with the report; an anonymous reporter's words are withheld as their
    report's are (`transition`). The handlers are told."""
    _require_text(message, _("Write what you want to add."))
    at = at or timezone.now()
    if information_added_on_the_day(report, at) >= ADD_INFO_PER_DAY:
        raise DailyLimitReached(
            _(
                "You have added information to this report %(count)d times today. Wait "
                "for the handlers' answer, or add more tomorrow."
            )
            % {"count": ADD_INFO_PER_DAY}
        )
    from aduan.triage.hints import is_abusive
    from aduan.webhooks.forwarding import send_again

    # News may tell what the report did not ("now the water is in the houses"): the
    # urgency and abusive-language flags are read again with it, as with an answer.
    # A report reaches the public only once an admin verified it; news comes straight
    # after, so news that insults is not published: the handlers still read it, and
    # the reporter sees it on their page as theirs alone.
    with transaction.atomic():
        event = transition(
            report,
            Action.ADD_INFO,
            actor,
            message=message,
            changes=reread_flags(report, message),
            is_public=not is_abusive(message),
            at=at,
        )
        if event.is_public:
            send_again(report)  # it follows the report to the systems it went to
    return event


def assignable_officers(report: Report):
    """The officers who may take `report` on now: while it waits for verification, the
    admins who may verify it where it waits (the national admins in the national
    queue); while it is handled, the liaison officers and admins of the organization
    handling it or above it. Deactivated and deleted accounts are left out."""
    from django.contrib.auth import get_user_model

    org = report.organization
    if org is None:
        held = Q(memberships__role=Role.NATIONAL_ADMIN, memberships__organization__parent=None)
    else:
        roles = (Role.AGENCY_ADMIN,) if report.status in UNVERIFIED else HANDLING_ROLES
        held = Q(
            memberships__role__in=roles, memberships__organization__path__in=org.ancestor_paths()
        )
    return (
        get_user_model()
        .objects.filter(
            held, memberships__is_active=True, memberships__organization__is_active=True
        )
        .filter(is_active=True, erased_at__isnull=True)
        .distinct()
        .order_by("full_name", "pk")
    )


def assign(report: Report, actor: Actor, officer, *, at=None) -> ReportEvent:
    """Put `officer` in charge of `report` (None: nobody), an internal entry; colleagues
    see who took it on, and the officer is told when someone else chose them."""
    with transaction.atomic():
        if officer is not None:
            _hold_access_of(officer)
            if not assignable_officers(report).filter(pk=officer.pk).exists():
                raise TransitionError(
                    _("%(name)s cannot act on this report now.") % {"name": officer.full_name}
                )
        return _assign(report, actor, officer, at=at)


def _hold_access_of(officer) -> None:
    """Lock the officer's account and roles until the assignment commits: an admin ending
    their access at the same moment either waits for it (and its look for reports left
    with them finds this one) or goes first (and the check above sees the end). Not
    against rows that merely name them (an entry by them, a message to them), which
    would wait, and with another report's row held, deadlock against this one's."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.select_for_update(no_key=True)
    list(users.filter(pk=officer.pk).values_list("pk"))
    roles = Membership.objects.select_for_update(no_key=True).filter(user=officer)
    list(roles.order_by("pk").values_list("pk"))


def _assign(report: Report, actor: Actor, officer, *, at=None) -> ReportEvent:
    # Handlers take a report on (from a colleague too, as the button offers) or let it
    # go; choosing a colleague, or taking it from one for nobody, is an admin's.
    me = actor.user.pk if actor.user is not None else None
    given = _pk(officer) != me and not (officer is None and report.assigned_to_id == me)
    if (
        given
        and not actor.is_system
        and not Access.of(actor.user).can_administer(report.organization)
    ):
        raise PermissionDenied(
            _("Only an admin gives a report to a colleague or takes it from one.")
        )
    if _pk(officer) == report.assigned_to_id:
        raise TransitionError(
            _("Nobody is in charge of this report already.")
            if officer is None
            else _("%(name)s is in charge of this report already.") % {"name": officer.full_name}
        )
    data = {
        "officer": _pk(officer),
        "to_name": officer.full_name if officer else "",
        "previous": report.assigned_to_id,
    }
    return transition(
        report, Action.ASSIGN, actor, changes={"assigned_to": officer}, data=data, at=at
    )


def release_departed(officer, organization: Organization, actor: Actor) -> list[ReportEvent]:
    """Clear `officer` from the open reports in `organization`'s subtree they may no
    longer act on (their membership there ended); see `release_stranded`."""
    return release_stranded(actor, officers=[officer.pk], organization_path=organization.path)


def released_message(count: int) -> str:
    """What the admin who ended someone's access reads of the reports it released."""
    return ngettext(
        "%(count)d report in their charge has nobody in charge now.",
        "%(count)d reports in their charge have nobody in charge now.",
        count,
    ) % {"count": count}


def release_stranded(
    actor: Actor, *, officers=None, organization_path: str = ""
) -> list[ReportEvent]:
    """Clear the officer in charge of every open report, of `officers` (ids) and/or in
    the subtree at `organization_path` (the national operator's holds the national
    queue), who may no longer act on it (a role ended or changed, an account or
    organization deactivated, an organization moved), each with an `assign` entry by
    `actor`, so that it shows as nobody's again. Completed and closed reports keep
    saying who handled them. Call inside a transaction."""
    reports = Report.objects.filter(
        assigned_to__isnull=False, status__in=TRANSITIONS[Action.ASSIGN].sources
    )
    if officers is not None:
        reports = reports.filter(assigned_to__in=officers)
    if organization_path:
        within = Q(organization__path__startswith=organization_path)
        # The national queue is the operator's. Asked of the role ever held there, not of
        # `national()`: a national admin whose role just ended there may hold reports in
        # it even when the role is now held only on another top-level organization.
        held_there = Membership.objects.filter(
            role=Role.NATIONAL_ADMIN,
            organization__path=organization_path,
            organization__parent__isnull=True,
        )
        if held_there.exists():
            within |= Q(organization=None)
        reports = reports.filter(within)
    events = []
    # Who may act depends only on the officer, the organization and whether the report
    # still waits for verification: asked once for each, not for every report of a big
    # organization.
    may_act: dict[tuple, bool] = {}
    for report in reports.select_related("organization").order_by("pk"):
        key = (report.assigned_to_id, report.organization_id, report.status in UNVERIFIED)
        if key not in may_act:
            candidates = assignable_officers(report)
            may_act[key] = candidates.filter(pk=report.assigned_to_id).exists()
        if not may_act[key]:
            events.append(assign(report, actor, None))
    return events


def _pk(instance) -> int | None:
    return instance.pk if instance is not None else None


def add_note(report: Report, actor: Actor, message: str, *, at=None, files=()) -> ReportEvent:
    """An internal note; its files are as internal as the note."""
    _require_text(message, _("Write the note."))
    return transition(
        report, Action.NOTE, actor, message=message, is_public=False, at=at, files=files
    )


def complete(report: Report, actor: Actor, message: str, *, at=None, files=()) -> ReportEvent:
    _require_text(message, _("Write the final response."))
    at = at or timezone.now()
    changes = {"completed_at": at}
    if not report.first_response_at:
        changes["first_response_at"] = at
    return transition(
        report, Action.COMPLETE, actor, message=message, changes=changes, at=at, files=files
    )


def reply(
    report: Report,
    actor: Actor,
    *,
    satisfied: bool,
    message: str = "",
    received_via: str = "",
    at=None,
    files=(),
) -> ReportEvent:
    """The reporter's verdict on a completed report: satisfied closes it, not satisfied
    reopens it. An officer recording a verdict given outside the system says how it came
    (`received_via`), as for `answer_hold`."""
    data = _recorded_for_reporter(actor, received_via)
    at = at or timezone.now()
    if satisfied:
        return transition(
            report,
            Action.SATISFIED,
            actor,
            message=message,
            changes={"closed_at": at},
            data=data,
            at=at,
            files=files,
        )
    _require_text(
        message,
        _("Write what the reporter says is still not resolved.")
        if data
        else _("Tell us what is still not resolved."),
    )
    return transition(
        report,
        Action.NOT_SATISFIED,
        actor,
        message=message,
        changes={"reopen_count": F("reopen_count") + 1, "completed_at": None},
        data=data,
        at=at,
        files=files,
    )


def close_unanswered(report: Report, *, at=None) -> ReportEvent:
    at = at or timezone.now()
    return transition(
        report, Action.CLOSE_UNANSWERED, Actor.system(), changes={"closed_at": at}, at=at
    )


def rate(report: Report, actor: Actor, stars: int, comment: str = "", *, at=None) -> ReportEvent:
    if stars not in range(1, 6):
        raise TransitionError(_("Choose a rating from 1 to 5."))
    if report.rating is not None and actor.is_reporter:
        # Said plainly to the reporter: the rule that allows one rating would only say
        # "not allowed" (anyone else is refused as before, by the rule).
        raise TransitionError(_("This report has already been rated."))
    # Kept on the row as its timeline entry keeps it: an anonymous reporter's words
    # without who wrote them (the entry's sealed copy holds them as written).
    kept = withheld_text(comment, report) if actor.is_reporter and report.is_anonymous else comment
    return transition(
        report,
        Action.RATE,
        actor,
        message=comment,
        changes={"rating": stars, "rating_comment": kept},
        data={"stars": stars},
        at=at,
    )


def escalate(report: Report, actor: Actor, message: str = "", *, at=None) -> ReportEvent:
    at = at or timezone.now()
    return transition(
        report, Action.ESCALATE, actor, message=message, changes={"escalated_at": at}, at=at
    )


def hand_over(report: Report, actor: Actor, auditor: Organization, message: str = "", *, at=None):
    if auditor.kind != Organization.Kind.AUDITOR:
        raise TransitionError(_("Reports can only be handed over to an oversight body."))
    return transition(
        report,
        Action.HAND_OVER,
        actor,
        message=message,
        changes={"auditor_organization": auditor},
        data={"to": auditor.pk, "to_name": auditor.name},
        at=at,
    )


def forward(report: Report, actor: Actor, message: str, *, data: dict, at=None) -> ReportEvent:
    """Record that an admin forwarded the report to a connected system (`data` names it);
    the status stays: the report is still this instance's to follow."""
    return transition(report, Action.FORWARD, actor, message=message, data=data, at=at)


def record_remote_update(report: Report, message: str, *, data: dict, at=None) -> ReportEvent:
    """Record what a connected system the report was forwarded to says about it. Only
    public texts leave that system, so the entry is public."""
    return transition(
        report,
        Action.REMOTE_UPDATE,
        Actor.system(),
        message=message,
        data=data,
        is_public=True,
        at=at,
    )


def record_remote_verdict(
    report: Report, actor: Actor, message: str, *, data: dict, received_via: str = "", at=None
):
    """Record the reporter's verdict on what a connected system the report was forwarded
    to did (`data` names the system, the verdict and any stars); the status here stays,
    as it did when the report was forwarded. Public, like a verdict on the handling
    here; an anonymous reporter's words are withheld as theirs always are. An officer
    recording a verdict given outside the system says how it came (`received_via`), as
    for `reply`; nobody gives one for a reporter whose data was erased."""
    recorded = _recorded_for_reporter(actor, received_via)
    if recorded and reporter_erased(report):
        raise _nobody_to_answer(report)
    return transition(
        report,
        Action.REMOTE_VERDICT,
        actor,
        message=message,
        data={**data, **recorded},
        is_public=True,
        at=at,
    )


def _require_text(text: str, error) -> None:
    if not (text or "").strip():
        raise TransitionError(error)
