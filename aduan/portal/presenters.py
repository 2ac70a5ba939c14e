"""What the report page shows, prepared for one kind of visitor.

The reporter sees their own words as written plus their private entries (answers to a
hold question). Everyone else sees public entries only, with personal data masked and
the reporter named only as `reporter_label(public=True)` allows.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from aduan.reports.lifecycle import Action, merge_message, recorded_for_reporter
from aduan.reports.models import Report, ReportEvent, Status
from aduan.reports.privacy import public_message, public_text

SYSTEM_ACTIONS = (Action.ARCHIVE_INCOMPLETE, Action.CLOSE_UNANSWERED)


@dataclass
class Entry:
    """One timeline entry as the page shows it."""

    action: str
    label: str
    at: object
    who: str
    message: str
    detail: str
    is_public: bool
    attachments: list


def visible_attachments(report: Report, *, is_reporter: bool):
    """Attachments a visitor may open: the public ones on public entries, and for the
    reporter also hidden ones — except those on internal (staff-only) entries."""
    queryset = report.attachments.all()
    if is_reporter:
        return queryset.on_shown_entries() | queryset.filter(event__by_reporter=True)
    return queryset.on_shown_entries().filter(is_public=True)


def _label(action: str) -> str:
    try:
        return str(Action(action).label)
    except ValueError:
        return action


def _who(event: ReportEvent, report: Report, is_reporter: bool) -> str:
    if event.by_reporter:
        return _("You") if is_reporter else report.reporter_label(public=True)
    if recorded_for_reporter(event):  # an answer given by phone, in person or by letter
        return _("%(reporter)s, recorded by %(organization)s") % {
            "reporter": _("You") if is_reporter else report.reporter_label(public=True),
            "organization": event.actor_organization.name
            if event.actor_organization_id
            else _("Complaint office"),
        }
    if event.actor_organization_id:
        return event.actor_organization.name
    if event.action in SYSTEM_ACTIONS:
        return _("%(site)s (automatic)") % {"site": settings.SITE_NAME}
    return _("Complaint office")


def _detail(event: ReportEvent) -> str:
    if event.action == Action.DISPATCH and event.data.get("to_name"):
        return _("Sent to %(name)s") % {"name": event.data["to_name"]}
    if event.action == Action.HAND_OVER and event.data.get("to_name"):
        return _("Handed over to %(name)s") % {"name": event.data["to_name"]}
    if event.action == Action.ADD_FILES and event.data.get("attachments"):
        count = len(event.data["attachments"])
        return ngettext("%(count)d file", "%(count)d files", count) % {"count": count}
    if event.action == Action.RATE and event.data.get("stars"):
        stars = int(event.data["stars"])
        return _("%(stars)d of 5 stars") % {"stars": stars}
    if event.action == Action.REMOTE_VERDICT:
        return verdict_detail(event)
    return ""


def verdict_detail(event: ReportEvent) -> str:
    """What the reporter said of a connected system's completion (`remote_verdict`)."""
    verdict = _("Satisfied") if event.data.get("satisfied") else _("Not satisfied")
    if stars := event.data.get("stars"):
        return _("%(verdict)s, %(stars)d of 5 stars") % {"verdict": verdict, "stars": stars}
    return verdict


def _message(event: ReportEvent, report: Report, is_reporter: bool) -> str:
    if event.action == Action.MARK_DUPLICATE:
        return merge_message(event)
    return event.message if is_reporter else public_message(event, report)


def timeline(report: Report, *, is_reporter: bool, attachments: list) -> list[Entry]:
    events = report.events.select_related("actor_organization")
    if is_reporter:
        events = events.filter(
            Q(is_public=True) | Q(by_reporter=True) | Q(data__recorded_for_reporter=True)
        )
    else:
        events = events.filter(is_public=True)
    by_event: dict[int, list] = {}
    for item in attachments:
        by_event.setdefault(item.event_id, []).append(item)
    return [
        Entry(
            action=event.action,
            label=_label(event.action),
            at=event.at,
            who=_who(event, report, is_reporter),
            message=_message(event, report, is_reporter),
            detail=_detail(event),
            is_public=event.is_public,
            attachments=by_event.get(event.pk, []),
        )
        for event in events
    ]


def present_report(report: Report, *, is_reporter: bool) -> dict:
    """The template context of the report page for this visitor."""
    shown = (lambda text: text) if is_reporter else (lambda text: public_text(text, report))
    attachments = list(visible_attachments(report, is_reporter=is_reporter))
    for item in attachments:
        item.shown_name = item.original_name if is_reporter else item.plain_name
    hold_question = final_response = ""
    if is_reporter and report.status == Status.ON_HOLD:
        last_hold = report.events.filter(action=Action.HOLD).order_by("-at", "-id").first()
        hold_question = last_hold.message if last_hold else ""
    if is_reporter and report.status == Status.COMPLETED:
        # The reporter judges the outcome: what the office says it did comes first, not
        # a phone's length further down the timeline.
        last = report.events.filter(action=Action.COMPLETE).order_by("-at", "-id").first()
        final_response = last.message if last else ""
    return {
        "report": report,
        "is_reporter": is_reporter,
        "title": shown(report.title),
        "body": shown(report.body),
        "address": shown(report.address),
        "reporter_label": report.reporter_label(public=not is_reporter),
        "timeline": timeline(report, is_reporter=is_reporter, attachments=attachments),
        "attachments": attachments,
        "hold_question": hold_question,
        "final_response": final_response,
        "merged_into": report.first_of_duplicates() if report.duplicate_of_id else None,
    }
