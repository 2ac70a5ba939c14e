"""Who hears about what happens to a report: timeline events become messages.

`announce` is called by the lifecycle for every event it writes, inside the same
transaction. A new report's submission is the exception: `announce_later` queues one
task in the submission's transaction and the worker writes its messages and webhook
calls (`announce_submission`), which keeps the many channels' intake short. Each
message's key starts with the event id, so it is written once however often its cause
is processed.
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Callable

from django.db import transaction

from aduan.lib.tasks import enqueue_with_transaction
from aduan.notifications.models import Kind
from aduan.notifications.outbox import (
    Role,
    collecting,
    confirmation_link,
    members,
    notify,
    reporter_access_link,
    reporter_link,
    reporter_of,
    staff,
    staff_link,
)
from aduan.reports.models import Status

INBOX_ROLES = (Role.LIAISON, Role.AGENCY_ADMIN)
ADMIN_ROLES = (Role.AGENCY_ADMIN, Role.NATIONAL_ADMIN)
LEADER_ROLES = (Role.SUPERVISOR, Role.AGENCY_ADMIN)
# Who is pressed on a report: its unit's liaisons, or, with none, the nearest admins (as
# aduan.deadlines.reminders does).
HANDLER_ROLES = (Role.LIAISON, Role.AGENCY_ADMIN)
FILES_QUIET = datetime.timedelta(minutes=30)
# What followers of a report hear about: its public answers and its outcome.
FOLLOWED_KINDS = frozenset({Kind.RESPONSE, Kind.COMPLETED, Kind.CLOSED, Kind.ARCHIVED})


def announce(events, *, secret: str = "") -> None:
    """Write the messages caused by `events` (ReportEvents with `report` loaded).

    `secret` is a guest's secret-link token, known only at submission.
    """
    for event in events:
        handler = HANDLERS.get(event.action)
        if handler is not None:
            handler(event, secret)


def announce_later(events, *, secret: str = "") -> None:
    """Queue what new reports' submission `events` cause — their messages and webhook
    calls — for the worker, one task per event; call inside the transaction that wrote
    them (the task commits with them). The guest's `secret` travels in the task's
    arguments, which the task blanks when it has written the message with the link."""
    from aduan.notifications.tasks import announce_submission

    for event in events:
        enqueue_with_transaction(
            lambda event_id=event.pk: announce_submission.enqueue(event_id, secret)
        )


def announce_submission(
    event_id: int,
    secret: str = "",
    *,
    then: Callable | None = None,
    preloaded: dict | None = None,
) -> bool:
    """Write the messages and webhook calls of a submission queued by `announce_later`;
    False if the event is gone. One transaction, with `then` (the task blanking its
    secret) at its end. `preloaded` (from `preload_submissions`, for a batch) spares
    the look-ups of the event and of its webhook calls.

    Idempotent: the messages' keys are unique and a webhook call exists once per event
    and endpoint, so a second run writes nothing. Messages describe the report as the
    worker finds it, normally a second after it came in.
    """
    from aduan.webhooks.outbound import enqueue_webhooks

    with transaction.atomic():
        if preloaded is None:
            preloaded = preload_submissions([event_id])
        event = preloaded["events"].get(event_id)
        if event is not None:
            with collecting():
                announce([event], secret=secret)
            if event_id not in preloaded["with_webhooks"]:
                enqueue_webhooks([event])
                preloaded["with_webhooks"].add(event_id)  # a batch may hold it twice
        if then is not None:
            then()
    return event is not None


def preload_submissions(event_ids) -> dict:
    """The submission events `event_ids` with their reports and organizations, and which
    of them have webhook calls already: two queries for a whole batch."""
    from aduan.reports.models import ReportEvent
    from aduan.webhooks.models import WebhookDelivery

    events = ReportEvent.objects.select_related("report__organization").in_bulk(event_ids)
    with_webhooks = set(
        WebhookDelivery.objects.filter(event_id__in=event_ids).values_list("event_id", flat=True)
    )
    return {"events": events, "with_webhooks": with_webhooks}


def _context(event, **extra) -> dict:
    report = event.report
    return {
        "report": report,
        "code": report.tracking_code,
        "title": report.title,
        "organization": report.organization.name if report.organization_id else "",
        "message": event.message,
        "event": event,
        **extra,
    }


def _to_followers(event, told=frozenset()) -> None:
    """Citizens following the report hear of its public news (never the reporter twice,
    nor the users in `told`, who heard it in their own words)."""
    report = event.report
    if not _ever_public(report):
        return
    followers = [
        subscription.user
        for subscription in report.subscriptions.select_related("user")
        if subscription.user_id not in {report.reporter_id, *told} and subscription.user.is_active
    ]
    notify(
        Kind.FOLLOWED,
        staff(followers),
        key=f"e{event.pk}:followers",
        # Followers read what the public page shows, personal data masked, also
        # through an organization's own wording ({{ report.title }}, {{ event.message }}).
        context=_context(
            _as_public(event),
            status=Status(report.status).label,  # lazy: in each recipient's language
        ),
        report=report,
        organization=report.organization,
        link=_followers_link(event),
    )


def _ever_public(report) -> bool:
    """Whether the public may have seen `report` (verified, not confidential): followers
    moved to an original by a merge hear nothing of a report they may not open."""
    return not report.is_confidential and report.verified_at is not None


def _to_merged_reporters(event) -> set[int]:
    """The reporters of the duplicates merged into a report, through merges of merges
    too, hear how the handling of their problem goes, once per person, about their own
    report: the news of a report the public may not see gives its status, never its
    code, words or link. Reporters with an account follow a public report
    (lifecycle.mark_duplicate) and hear its news as followers, but its archiving — their
    problem left unhandled — reaches everyone as a reporter's message. Returns the ids
    of the users told."""
    report = event.report
    if event.action == "mark_duplicate":
        return set()  # still handled, by the report it joins: they hear from there
    archived = report.status == Status.ARCHIVED
    told = set()
    for duplicate in _merged_reporters(report):
        if archived:
            _tell_original_archived(event, duplicate)
        elif duplicate.reporter_id and _ever_public(report):
            continue
        else:
            _tell_merged_news(event, duplicate)
        if duplicate.reporter_id:
            told.add(duplicate.reporter_id)
    return told


def _merged_reporters(report) -> list:
    """The duplicates merged into `report`, directly or through merges of merges, one per
    reporter (the latest of each), without those of `report`'s own reporter."""
    from aduan.reports.models import Report

    found, layer = [], [report.pk]
    while layer:
        rows = list(
            Report.objects.filter(duplicate_of__in=layer)
            .exclude(pk=report.pk)
            .select_related("reporter", "organization")
        )
        found += rows
        layer = [row.pk for row in rows]
    by_person = {_person(row): row for row in sorted(found, key=lambda row: row.pk)}
    by_person.pop(None, None)
    by_person.pop(_person(report), None)
    return list(by_person.values())


def _person(report):
    """Who reported `report`, to tell one person once: their account, or a guest's
    confirmed address; None when nobody can be told."""
    if report.reporter_id:
        return ("user", report.reporter_id)
    email, phone = report.confirmed_guest_contact()
    return ("guest", email.lower() or phone) if email or phone else None


def _tell_merged_news(event, duplicate) -> None:
    from aduan.reports.privacy import public_message

    original = event.report
    public = original.is_public
    _tell_merged(
        event,
        duplicate,
        Kind.FOLLOWED,
        message=public_message(event) if public else "",
        link=reporter_link(original) if public else reporter_access_link(duplicate),
        status=Status(original.status).label,
        merged=True,
        original_code=original.tracking_code if public else "",
    )


def _tell_original_archived(event, duplicate) -> None:
    """Their problem is no longer handled by anyone: said plainly, with the reason, and
    that they may report again (the archived report's explanation stays with it)."""
    from aduan.reports.lifecycle import ArchiveReason

    reason = event.report.archive_reason
    _tell_merged(
        event,
        duplicate,
        Kind.ARCHIVED,
        link=reporter_access_link(duplicate),
        original_archived=True,
        archive_reason=ArchiveReason(reason).label if reason in ArchiveReason.values else "",
    )


def _tell_merged(event, duplicate, kind: str, *, link: str, message: str = "", **extra) -> None:
    """Tell `duplicate`'s reporter of `event` on the report handling their problem, as
    news of their own report (its code, their link)."""
    shown = copy.copy(event)
    shown.report = duplicate
    shown.message = message
    notify(
        kind,
        reporter_of(duplicate),
        key=f"e{event.pk}:merged:{duplicate.pk}",
        context=_context(shown, **extra),
        report=duplicate,
        organization=event.report.organization,
        link=link,
    )


def _followers_link(event) -> str:
    """Where followers read on: for a merge, the original's page when it is public (they
    follow it from now on); otherwise the report's own page."""
    if event.action == "mark_duplicate":
        original = event.report.first_of_duplicates()
        if original.is_public:
            return reporter_link(original)
    return reporter_link(event.report)


def _as_public(event):
    """Copies of `event` and its report holding only what the public page shows of
    them (for followers' messages; nothing is saved)."""
    from aduan.reports.privacy import public_message, public_text

    report = copy.copy(event.report)
    report.title, report.body = report.public_title, report.public_body
    report.address = public_text(report.address, event.report)
    shown = copy.copy(event)
    shown.message = public_message(event)
    shown.report = report
    return shown


def _to_reporter(kind: str, *, own_wording: bool = True, **given) -> Callable:
    def handler(event, secret: str) -> None:
        report = event.report
        link = f"{reporter_link(report)}k/{secret}/" if secret else reporter_access_link(report)
        extra = dict(given)
        if (
            kind == Kind.RECEIVED
            and not report.reporter_id
            and report.guest_contact_verified_at is None
        ):
            extra["confirmation_link"] = confirmation_link(report)
        if kind in (Kind.RESPONSE, Kind.COMPLETED):
            # A connected system's files are fetched after its update is told.
            extra["files"] = event.attachments.count() or int(event.data.get("files") or 0)
        if kind in FOLLOWED_KINDS and event.is_public:
            _to_followers(event, told=_to_merged_reporters(event))
        notify(
            kind,
            reporter_of(report, confirmed_only=kind != Kind.RECEIVED),
            key=f"e{event.pk}",
            context=_context(event, **extra),
            report=report,
            organization=report.organization,
            link=link,
            own_wording=own_wording,
        )

    return handler


def _to_inbox(event, roles=INBOX_ROLES, kind=Kind.NEW_IN_INBOX, **extra) -> None:
    report = event.report
    # Nobody is told of what they did themselves (an officer entering a walk-in report,
    # an admin dispatching to a unit they also serve).
    others = [user for user in members(report.organization, *roles) if user.pk != event.actor_id]
    notify(
        kind,
        staff(others),
        key=f"e{event.pk}:staff",
        context=_context(event, reason=event.action, **extra),
        report=report,
        organization=report.organization,
        link=staff_link(report),
    )


def _submitted(event, secret: str) -> None:
    _to_reporter(Kind.RECEIVED)(event, secret)
    # Reports for the national queue reach the national admins through the daily digest
    # alone: one message per report would drown them.
    if event.report.organization_id:
        _to_inbox(event, ADMIN_ROLES)


def _dispatched(event, secret: str) -> None:
    if event.from_status == "submitted":
        _to_reporter(Kind.DISPATCHED)(event, secret)
    _to_inbox(event)


def _back_to_verification(event, secret: str) -> None:
    _to_inbox(event, ADMIN_ROLES)


def _reopened(event, secret: str) -> None:
    _to_inbox(event)


def _files_added(event, secret: str) -> None:
    """Whoever holds the report hears that the reporter sent more files. Photos sent one
    by one (WhatsApp, a connected app) make one message per FILES_QUIET, not one each.
    A report in the national queue makes none: as with new reports, one message per
    report would drown the national admins; they see the entry on the report."""
    report = event.report
    earlier = report.events.filter(
        action=event.action, at__gte=event.at - FILES_QUIET, at__lte=event.at
    ).exclude(pk=event.pk)
    if not report.organization_id or earlier.exists():
        return
    handling = report.status in (Status.DISPATCHED, Status.IN_PROGRESS)
    files = len(event.data.get("attachments") or [])
    _to_inbox(event, INBOX_ROLES if handling else ADMIN_ROLES, files=files)


def _information_added(event, secret: str) -> None:
    """Whoever holds the report reads the reporter's news; in the national queue, as
    with files, the entry on the report is enough."""
    report = event.report
    if not report.organization_id:
        return
    handling = report.status in (Status.DISPATCHED, Status.IN_PROGRESS)
    _to_inbox(event, INBOX_ROLES if handling else ADMIN_ROLES)


def _escalated(event, secret: str) -> None:
    """The leaders above the handling organization are alerted (not the one who escalated);
    when a person escalated, the handling organization's liaisons hear it from them too,
    since a leader escalating a report is pressing whoever holds it."""
    report = event.report
    above = report.organization.parent if report.organization_id else None
    leaders = [user for user in members(above, *LEADER_ROLES) if user.pk != event.actor_id]
    notify(
        Kind.ESCALATED,
        staff(leaders),
        key=f"e{event.pk}:leaders",
        context=_context(event),
        report=report,
        organization=above or report.organization,
        link=staff_link(report),
    )
    if event.actor_id is None or not report.organization_id:
        return
    handlers = [
        user for user in members(report.organization, *HANDLER_ROLES) if user.pk != event.actor_id
    ]
    notify(
        Kind.ESCALATED_BY_LEADER,
        staff(handlers),
        key=f"e{event.pk}:handlers",
        context=_context(
            event,
            sender=event.actor.full_name,
            escalated_to=above.name if above is not None else "",
        ),
        report=report,
        organization=report.organization,
        link=staff_link(report),
    )


def _handed_over(event, secret: str) -> None:
    report = event.report
    notify(
        Kind.HANDED_OVER,
        staff(members(report.auditor_organization, Role.AUDITOR)),
        key=f"e{event.pk}:auditors",
        context=_context(event, auditor=report.auditor_organization.name),
        report=report,
        organization=report.auditor_organization,
        link=staff_link(report),
    )


def _assigned(event, secret: str) -> None:
    """The officer put in charge hears it, unless they took the report on themselves;
    so does the one it was taken from, who would otherwise go on working on it (not when
    they let it go themselves, nor when they left and may no longer open it)."""
    from aduan.reports.lifecycle import assignable_officers

    previous = event.data.get("previous")
    if previous and previous != event.actor_id:
        still = assignable_officers(event.report).filter(pk=previous).first()
        if still is not None:
            _tell_officer(event, still, "released", released=True, taken_by=event.data["to_name"])
    officer = event.report.assigned_to
    chosen_by_another = officer is not None and officer.pk != event.actor_id
    if chosen_by_another and officer.pk == event.data.get("officer"):
        _tell_officer(event, officer, "assigned")


def _tell_officer(event, officer, key: str, **extra) -> None:
    report = event.report
    notify(
        Kind.ASSIGNED,
        staff([officer]),
        key=f"e{event.pk}:{key}",
        context=_context(
            event,
            sender=event.actor.full_name if event.actor_id else "",
            officer=officer.full_name,
            **extra,
        ),
        report=report,
        organization=report.organization,
        link=staff_link(report),
    )


def _remote_update(event, secret: str) -> None:
    """What a connected system the report was forwarded to answered, relayed, in its
    name. Its completion asks for the reporter's verdict as a completion here does: given
    on the report's page or by message, it goes there (`forwarding.give_verdict_there`)."""
    from aduan.webhooks.forwarding import awaiting_verdict
    from aduan.webhooks.models import Uplink

    slug = event.data.get("uplink", "")
    # Asked only while the uplink waits: a completion delivered late, after the uplink
    # closed its report, is news without a question.
    completed = event.data.get("remote_status") == Status.COMPLETED and any(
        row.uplink.slug == slug for row in awaiting_verdict(event.report)
    )
    uplink = Uplink.objects.filter(slug=slug).first()
    name = {"organization": uplink.name} if uplink else {}
    # The organization here may word its own completions ("{{ report.organization }}
    # has completed…"): not the uplink's.
    kind = Kind.COMPLETED if completed else Kind.RESPONSE
    _to_reporter(kind, own_wording=not completed, **name)(event, secret)


def _answer_recorded(event, secret: str) -> None:
    """The reporter hears that an officer recorded an answer they gave by phone, in
    person or by letter (to a question, "not satisfied", a verdict for a connected system),
    and what follows from it: it acts as their own, which they would know of. A
    "satisfied" recorded for them is told by `closed`."""
    from aduan.reports.lifecycle import ReceivedVia, recorded_for_reporter
    from aduan.webhooks.models import Uplink

    if not recorded_for_reporter(event):
        return
    how = event.data.get("received_via")
    extra = {"received_via": ReceivedVia(how).label if how in ReceivedVia.values else ""}
    if event.action == "remote_verdict":
        uplink = Uplink.objects.filter(slug=event.data.get("uplink", "")).first()
        extra["system"] = uplink.name if uplink else ""
    _to_reporter(Kind.ANSWER_RECORDED, **extra)(event, secret)


def _then(*handlers: Callable) -> Callable:
    def handler(event, secret: str) -> None:
        for each in handlers:
            each(event, secret)

    return handler


def _duplicate(event, secret: str) -> None:
    """The reporter of a merged duplicate hears which report is handling the problem,
    and where to follow it (its public page, when it has one), instead of "cannot be
    followed up, send a new report"."""
    original = event.report.first_of_duplicates()
    extra = {"merged": True, "original_code": "", "original_link": ""}
    # An original the public may not see is not named (lifecycle._merge_message).
    if original.is_public:
        extra.update(original_code=original.tracking_code, original_link=reporter_link(original))
    _to_reporter(Kind.ARCHIVED, **extra)(event, secret)


HANDLERS: dict[str, Callable] = {
    "submit": _submitted,
    "dispatch": _dispatched,
    "hold": _to_reporter(Kind.HOLD_QUESTION),
    "answer_hold": _then(_back_to_verification, _answer_recorded),
    "not_our_remit": _back_to_verification,
    "respond": _to_reporter(Kind.RESPONSE),
    "complete": _to_reporter(Kind.COMPLETED),
    "satisfied": _to_reporter(Kind.CLOSED),
    "close_unanswered": _to_reporter(Kind.CLOSED),
    "not_satisfied": _then(_reopened, _answer_recorded),
    "archive": _to_reporter(Kind.ARCHIVED),
    "archive_incomplete": _to_reporter(Kind.ARCHIVED),
    "mark_duplicate": _duplicate,
    "escalate": _escalated,
    "hand_over": _handed_over,
    "add_files": _files_added,
    "assign": _assigned,
    "add_info": _information_added,
    "remote_update": _remote_update,
    "remote_verdict": _answer_recorded,
}
