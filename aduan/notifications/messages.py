"""Message texts: built-in templates per language, overridable per organization.

A built-in message is one plain-text template file per kind and language,
`notifications/messages/<language>/<kind>.txt`, in three parts separated by a line
holding only `-----`: the subject, the full body (email, in the app), and the short text
(SMS, WhatsApp). An organization's `MessageTemplate` replaces any part for itself and
every unit below it; the nearest organization's wording wins. docs/notifications.md
lists every kind, who receives it and its variables.

Messages are plain text: nothing is HTML-escaped. The built-in files say so with
`{% autoescape off %}`; overrides are rendered by an engine that never escapes.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import re
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.template import Context, Engine, TemplateSyntaxError
from django.template.base import TextNode
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from aduan.notifications.models import Kind, MessageTemplate

logger = logging.getLogger(__name__)

SEPARATOR = "-----"
LANGUAGES = ("id", "en")
SHORT_LIMIT = 160  # one SMS

REPORTER_KINDS = (
    Kind.RECEIVED,
    Kind.DISPATCHED,
    Kind.RESPONSE,
    Kind.HOLD_QUESTION,
    Kind.COMPLETED,
    Kind.CLOSED,
    Kind.ARCHIVED,
    Kind.REPLY_DUE,
    Kind.ANSWER_RECORDED,
    Kind.FOLLOWED,
)


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    short: str


def render(kind: str, language: str, context: dict, organization=None) -> Rendered:
    """The message `kind` in `language` for `context`, in `organization`'s wording.

    Dates are shown in `organization`'s time zone. A variable missing from `context`
    renders as nothing; an override that fails keeps the built-in text.
    """
    language = language if language in LANGUAGES else "id"
    override = override_for(kind, language, organization)
    return render_with(kind, language, context, override=override, organization=organization)


def render_with(
    kind: str, language: str, context: dict, *, override=None, organization=None
) -> Rendered:
    """`render` with an explicit override (a MessageTemplate, saved or not, or None);
    the back office previews an organization's unsaved wording with it."""
    language = language if language in LANGUAGES else "id"
    with translation.override(language), _time_zone_of(organization):
        context = _enriched(context)
        built_in = _split(render_to_string(_path(kind, language), context))
        if override is None:
            return built_in
        restricted = restricted_context(context)
        # A message naming several reports (`more`) in a wording written for one would
        # tell of the first report only: such a part keeps the built-in text. Written for
        # one is what reads the same without the others (the word in a comment or in
        # quotes, `report.more`, is no use of them).
        alone = {**restricted, "more": []} if context.get("more") else None

        def part(source: str, shape, fallback: str) -> str:
            text = shape(_render_text(source, restricted))
            if alone is not None and text == shape(_render_text(source, alone)):
                return fallback
            return text or fallback

        return Rendered(
            subject=part(override.subject, _subject, built_in.subject),
            body=part(override.body, _body, built_in.body),
            short=part(override.short, _short, built_in.short),
        )


def _path(kind: str, language: str) -> str:
    return f"notifications/messages/{language}/{kind}.txt"


def _time_zone_of(organization):
    zone = getattr(organization, "time_zone", "")
    return timezone.override(zone) if zone else contextlib.nullcontext()


def _enriched(context: dict) -> dict:
    """Variables every message may use, computed here so that every sender has them."""
    extra = {"site_name": settings.SITE_NAME, "days": dict(settings.ADUAN_DEADLINE_DAYS)}
    report = context.get("report")
    if isinstance(report, models.Model) and getattr(report, "archive_reason", ""):
        extra["archive_reason"] = archive_reason_label(report.archive_reason)
    return {**extra, **context}


def archive_reason_label(reason: str) -> str:
    from aduan.reports.lifecycle import ArchiveReason

    return str(ArchiveReason(reason).label) if reason in ArchiveReason.values else reason


# --- Parts ---------------------------------------------------------------------------


def _split(text: str) -> Rendered:
    # The first and the last separator: an officer's response may itself hold a "-----"
    # line, and the body is where it lands.
    separator = f"\n{SEPARATOR}\n"
    subject, _sep, rest = text.partition(separator)
    body, _sep, short = rest.rpartition(separator)
    if not _sep:
        raise ValueError("A message template needs subject, body and short text")
    return Rendered(_subject(subject), _body(body), _short(short))


def _subject(text: str) -> str:
    return " ".join(text.split())[:200]


def _body(text: str) -> str:
    # Template tags on lines of their own leave empty lines behind; paragraphs stay apart
    # by one blank line whatever the conditions rendered.
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


# One character outside the GSM-7 alphabet makes an SMS UCS-2, which holds 70 characters
# instead of 160: a shortened reason ("…") or a typographic quote would double the cost.
_GSM_SAFE = str.maketrans({"…": "...", "“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-"})


def _short(text: str) -> str:
    return " ".join(text.split()).translate(_GSM_SAFE)


def built_in_source(kind: str, language: str) -> Rendered:
    """The template text of a built-in message, part by part, as an admin may copy it."""
    source = get_template(_path(kind, language)).template.source
    source = source.replace("{% autoescape off %}", "").replace("{% endautoescape %}", "")
    subject, body, short = source.split(f"\n{SEPARATOR}\n")
    return Rendered(subject.strip(), body.strip(), short.strip())


# --- Organizations' own wording -------------------------------------------------------

# Overrides are written by agency admins, not developers: no tag libraries, no includes,
# nothing escaped (plain text), and only the restricted context below.
_OVERRIDE_ENGINE = Engine(loaders=[], libraries={}, autoescape=False)


def override_for(kind: str, language: str, organization) -> MessageTemplate | None:
    """The wording `organization` uses for `kind`: its own, else its nearest ancestor's."""
    if organization is None:
        return None
    prefixes = [organization.path[:end] for end in range(6, len(organization.path) + 1, 6)]
    rows = MessageTemplate.objects.filter(
        kind=kind, language=language, organization__path__in=prefixes
    ).select_related("organization")
    return max(rows, key=lambda row: len(row.organization.path), default=None)


def _render_text(source: str, context: dict) -> str:
    if not source.strip():
        return ""
    try:
        return _OVERRIDE_ENGINE.from_string(source).render(Context(context, autoescape=False))
    except TemplateSyntaxError:
        # A broken override must not stop the message: the built-in text is used.
        return ""
    except Exception:
        logger.exception("An organization's message template failed to render")
        return ""


def check_template(source: str) -> str | None:
    """The syntax error in an organization's template text, or None when it is valid."""
    try:
        template = _OVERRIDE_ENGINE.from_string(source)
    except TemplateSyntaxError as error:
        return str(error)
    # Django leaves a half-closed "{{ code }" as text; in a message it is always a typo.
    for node in template.nodelist.get_nodes_by_type(TextNode):
        if "{{" in node.s or "{%" in node.s:
            return gettext("A “{{” or “{%” is not closed.")
    return None


class ReportView:
    """What an organization's wording may read of a report: what it is about and where it
    stands, never who reported it (an anonymous reporter stays anonymous to staff)."""

    FIELDS = {
        "tracking_code": lambda r: r.tracking_code,
        "title": lambda r: r.title,
        "kind": lambda r: r.get_kind_display(),
        "status": lambda r: r.get_status_display(),
        "tier": lambda r: r.get_tier_display(),
        "category": lambda r: r.category.display_name if r.category_id else "",
        "organization": lambda r: r.organization.name if r.organization_id else "",
        "address": lambda r: r.address,
        "submitted_at": lambda r: r.submitted_at,
        "dispatched_at": lambda r: r.dispatched_at,
        "completed_at": lambda r: r.completed_at,
        "due_at": lambda r: r.due_at,
        "archive_reason": lambda r: archive_reason_label(r.archive_reason),
    }

    def __init__(self, report) -> None:
        self._report = report

    def __getattr__(self, name: str):
        if name in ReportView.FIELDS:
            return ReportView.FIELDS[name](self._report)
        raise AttributeError(name)

    def __str__(self) -> str:
        return f"{self._report.tracking_code} {self._report.title}"


class EventView:
    """What an organization's wording may read of the timeline event behind a message."""

    def __init__(self, event) -> None:
        self.action = event.action
        self.message = event.message
        self.at = event.at

    def __str__(self) -> str:
        return self.message


_PLAIN = (str, int, float, Decimal, bool, datetime.date, datetime.time, type(None), Promise)


def restricted_context(context: dict) -> dict:
    """`context` as organizations' wording sees it: reports and events through the views
    above, organizations by name, other objects left out."""
    return {name: _restricted(value) for name, value in context.items()}


def _restricted(value, depth: int = 0):
    from aduan.organizations.models import Organization
    from aduan.reports.models import Report, ReportEvent

    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, Report):
        return ReportView(value)
    if isinstance(value, ReportEvent):
        return EventView(value)
    if isinstance(value, Organization):
        return value.name
    if depth > 2:
        return ""
    if isinstance(value, dict):
        return {str(k): _restricted(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_restricted(item, depth + 1) for item in value]
    if callable(value) and not isinstance(value, (type, models.Model)):
        return _restricted(value(), depth + 1)
    return ""


# --- Variables, and a sample to preview them with --------------------------------------

REPORT_VARIABLES = ("report", "code", "title", "organization", "message", "event", "link")
COMMON_VARIABLES = ("site_name", "days")
DEADLINE_VARIABLES = ("report", "code", "title", "organization", "clock", "due_at", "due_text")

KIND_VARIABLES: dict[str, tuple[str, ...]] = {
    **{kind: REPORT_VARIABLES for kind in REPORTER_KINDS if kind != Kind.REPLY_DUE},
    Kind.RECEIVED: (*REPORT_VARIABLES, "confirmation_link"),
    Kind.ARCHIVED: (
        *REPORT_VARIABLES,
        "archive_reason",
        "merged",
        "original_code",
        "original_link",
        "original_archived",
    ),
    Kind.NEW_IN_INBOX: (*REPORT_VARIABLES, "reason", "files", "more"),
    Kind.ESCALATED: REPORT_VARIABLES,
    Kind.ESCALATED_BY_LEADER: (*REPORT_VARIABLES, "sender", "escalated_to"),
    Kind.HANDED_OVER: (*REPORT_VARIABLES, "auditor"),
    Kind.ASSIGNED: (*REPORT_VARIABLES, "sender", "officer", "released", "taken_by"),
    Kind.DUE_SOON: (*DEADLINE_VARIABLES, "link"),
    Kind.OVERDUE: (*DEADLINE_VARIABLES, "link"),
    Kind.REPLY_DUE: (*DEADLINE_VARIABLES, "link"),
    Kind.REMINDER: ("organization", "sender", "message", "reports", "count", "link"),
    Kind.DIGEST: ("organization", "date", "counts", "overdue", "due_soon", "link"),
    Kind.DECREE_EXPIRING: ("organization", "number", "valid_until", "days_left", "link"),
    Kind.FOLLOWED: (*REPORT_VARIABLES, "status", "merged", "original_code"),
    Kind.RESPONSE: (*REPORT_VARIABLES, "files"),
    Kind.COMPLETED: (*REPORT_VARIABLES, "files"),
    Kind.ANSWER_RECORDED: (*REPORT_VARIABLES, "received_via", "system"),
}

VARIABLES: dict[str, Promise] = {
    "report": _(
        "The report: report.tracking_code, report.title, report.kind, report.status, "
        "report.category, report.organization, report.address, report.submitted_at, "
        "report.due_at (the reporter's identity is never available)"
    ),
    "code": _("The tracking code, e.g. K7QM-3XPA"),
    "title": _("The report's title"),
    "organization": _("Name of the handling organization (empty in the national queue)"),
    "message": _("The text written with the action: the response, question or reason"),
    "event": _("The timeline entry: event.action, event.message, event.at"),
    "link": _("The full web address to open: the report, or the inbox"),
    "archive_reason": _("Why the report was archived"),
    "merged": _("True when the report was merged into another as a duplicate"),
    "original_code": _(
        "For a duplicate: the tracking code of the report handling the problem (empty "
        "otherwise, and when that report is not public)"
    ),
    "original_link": _(
        "For a duplicate: the public page of that report, to follow it (empty when it has none)"
    ),
    "original_archived": _(
        "For a duplicate: True when the report it was merged into was archived without "
        "being handled, so nobody handles the problem (the reporter may report again)"
    ),
    "confirmation_link": _(
        "For a guest: the link that confirms their email or phone number (empty otherwise)"
    ),
    "reason": _(
        "Why the report arrived: submit, dispatch, answer_hold, not_our_remit, "
        "not_satisfied, add_files, add_info"
    ),
    "auditor": _("Name of the oversight body"),
    "received_via": _(
        "How the reporter's answer reached the officer who recorded it, in words, e.g. Phone call"
    ),
    "system": _(
        "For a verdict on a connected system's handling: that system's name (empty otherwise)"
    ),
    "officer": _("Name of the officer the message is for"),
    "released": _(
        "True when the message tells the officer the report was taken out of their charge"
    ),
    "taken_by": _("For such a message: who is in charge now (empty: nobody)"),
    "escalated_to": _("The organization above the handling one, which the report went up to"),
    "files": _(
        "How many photos or documents came with the response, or the reporter added (0 when none)"
    ),
    "more": _(
        "The other reports when several arrive together (a bulk action), a list whose items "
        "have code and title; empty otherwise. A part that does not use it keeps the "
        "built-in wording in such a message"
    ),
    "clock": _("The deadline's name, e.g. Verification"),
    "due_at": _('When it falls due; format it, e.g. {{ due_at|date:"j F Y H:i" }}'),
    "due_text": _("The time left in words, e.g. 2 working days left"),
    "sender": _(
        "Name of the officer who sent the reminder, who escalated the report, or who put "
        "it in the officer's charge"
    ),
    "reports": _("The overdue reports (each has tracking_code, title, due_at)"),
    "count": _("How many reports"),
    "date": _("The digest's day"),
    "counts": _("Figures: counts.new, counts.due_soon, counts.overdue, counts.escalated"),
    "overdue": _("Up to 10 overdue reports"),
    "due_soon": _("Up to 10 reports falling due soon"),
    "status": _("The report's status now, in words"),
    "number": _("The connection decree's number"),
    "valid_until": _(
        'The last day the decree is valid; format it, e.g. {{ valid_until|date:"j F Y" }}'
    ),
    "days_left": _("Days until the decree expires (0 or less: it has expired)"),
    "site_name": _("The name of this service"),
    "days": _(
        "Deadline lengths in working days: days.verification, days.first_response, "
        "days.reporter_reply, days.missing_information"
    ),
}

_SAMPLE_MESSAGES = {
    "id": {
        Kind.RESPONSE: "Tim pemeliharaan jalan telah dijadwalkan meninjau lokasi pada pekan ini.",
        Kind.HOLD_QUESTION: "Mohon sebutkan nama jalan dan patokan terdekat dari lokasi tersebut.",
        Kind.COMPLETED: "Lubang di Jalan Merdeka telah ditambal pada 12 Maret.",
        Kind.ARCHIVED: "Laporan ini merupakan sengketa pribadi antarwarga.",
        Kind.REMINDER: "Mohon laporan-laporan ini diselesaikan pekan ini.",
        "due_text": "2 hari kerja lagi",
        "clock": "Penyelesaian",
    },
    "en": {
        Kind.RESPONSE: "The road maintenance team is scheduled to inspect the site this week.",
        Kind.HOLD_QUESTION: "Please give the street name and the nearest landmark.",
        Kind.COMPLETED: "The pothole on Jalan Merdeka was patched on 12 March.",
        Kind.ARCHIVED: "This report is a private dispute between residents.",
        Kind.REMINDER: "Please resolve these reports this week.",
        "due_text": "2 working days left",
        "clock": "Completion",
    },
}

_SAMPLE_ACTIONS = {
    Kind.RECEIVED: "submit",
    Kind.DISPATCHED: "dispatch",
    Kind.RESPONSE: "respond",
    Kind.HOLD_QUESTION: "hold",
    Kind.COMPLETED: "complete",
    Kind.CLOSED: "satisfied",
    Kind.ARCHIVED: "archive",
    Kind.ANSWER_RECORDED: "answer_hold",
    Kind.NEW_IN_INBOX: "dispatch",
    Kind.ESCALATED: "escalate",
    Kind.ESCALATED_BY_LEADER: "escalate",
    Kind.HANDED_OVER: "hand_over",
    Kind.ASSIGNED: "assign",
    Kind.FOLLOWED: "respond",
}


def with_others(sample: dict) -> dict:
    """`sample` (a `new_in_inbox` one) as one of two reports dispatched together."""
    other = {"code": "TR4D-9WHN", "title": "Lampu penerangan jalan mati di Jl. Sudirman"}
    return {**sample, "more": [other]}


def sample_context(kind: str, language: str, organization) -> dict:
    """A made-up but typical context for `kind`, to preview wording with (nothing saved)."""
    from aduan.reports.lifecycle import ReceivedVia
    from aduan.reports.models import Report, ReportEvent, Status

    now = timezone.now()
    texts = _SAMPLE_MESSAGES.get(language, _SAMPLE_MESSAGES["id"])
    name = organization.name if organization is not None else ""
    reports = [
        Report(
            tracking_code=code,
            title=title,
            organization=organization,
            status=Status.IN_PROGRESS,
            submitted_at=now - datetime.timedelta(days=20),
            due_at=now - datetime.timedelta(days=days),
        )
        for code, title, days in (
            ("K7QM-3XPA", "Jalan berlubang di depan Pasar Baru", 2),
            ("TR4D-9WHN", "Lampu penerangan jalan mati di Jl. Sudirman", 1),
        )
    ]
    report = reports[0]
    if kind == Kind.ARCHIVED:
        report.archive_reason = "not_public_service"
    staff = kind not in REPORTER_KINDS
    path = "workspace:report" if staff else "portal:report"
    link = settings.ADUAN_SITE_URL + reverse(path, args=[report.tracking_code])
    extra = {}
    if kind == Kind.RECEIVED:
        link += "k/Xk3vQ9mT2pLw8sRb4NcY7dFh6GjK1aZe/"  # a guest's secret link, as long as real
        extra["confirmation_link"] = settings.ADUAN_SITE_URL + reverse(
            "portal:confirm_contact", args=[report.tracking_code, "eyJyIjoxfQ:1vXq2b:contoh"]
        )
    if kind in (Kind.REMINDER, Kind.DIGEST):
        link = settings.ADUAN_SITE_URL + reverse("workspace:inbox")
        return {
            "organization": name,
            "sender": "Bupati Contoh",
            "message": texts[Kind.REMINDER] if kind == Kind.REMINDER else "",
            "reports": [
                _reminder_item(report, days) for report, days in zip(reports, (4, 1), strict=True)
            ],
            "count": len(reports),
            "date": timezone.localdate(),
            "counts": {"new": 3, "due_soon": 1, "overdue": 2, "escalated": 1},
            "overdue": reports,
            "due_soon": reports[1:],
            "link": link,
        }
    if kind == Kind.DECREE_EXPIRING:
        return {
            "organization": name,
            "number": "100.3.3.2/7/2026",
            "valid_until": timezone.localdate() + datetime.timedelta(days=30),
            "days_left": 30,
            "link": settings.ADUAN_SITE_URL + reverse("workspace:organizations"),
        }
    base = {"report": report, "code": report.tracking_code, "title": report.title}
    if kind in (Kind.DUE_SOON, Kind.OVERDUE, Kind.REPLY_DUE):
        due_at = now + datetime.timedelta(days=-1 if kind == Kind.OVERDUE else 2)
        return {
            **base,
            "organization": name,
            "clock": texts["clock"],
            "due_at": due_at,
            "due_text": texts["due_text"],
            "link": link,
        }
    action = _SAMPLE_ACTIONS[kind]
    message = texts.get(Kind.RESPONSE if kind == Kind.FOLLOWED else kind, "")
    event = ReportEvent(report=report, action=action, message=message, at=now)
    return {
        **base,
        "organization": name,
        "message": event.message,
        "event": event,
        "link": link,
        "reason": action,
        "auditor": "Ombudsman RI",
        "escalated_to": "Pemerintah Kabupaten Contoh",
        "sender": "Bupati Contoh",
        "officer": "Budi Santoso",
        "released": False,
        "taken_by": "",
        "status": Status(report.status).label,  # lazy: in the language previewed
        "files": 2 if kind in (Kind.RESPONSE, Kind.COMPLETED, Kind.NEW_IN_INBOX) else 0,
        "more": [],  # the other reports of a bulk action (`outbox.combining`)
        "received_via": ReceivedVia.PHONE.label,
        "system": "",
        **extra,
    }


def _reminder_item(report, days_late: int) -> dict:
    """A report as aduan.deadlines.reminders lists it in a reminder."""
    return {
        "report": report,
        "tracking_code": report.tracking_code,
        "title": report.title,
        "due_at": report.due_at,
        "days_late": days_late,
        "link": settings.ADUAN_SITE_URL + reverse("workspace:report", args=[report.tracking_code]),
    }
