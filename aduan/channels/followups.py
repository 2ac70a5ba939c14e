"""Messages that answer a report waiting for its reporter, on SMS, WhatsApp and email.

A citizen who reports by text message answers there too: the question an admin asked
(the report is on hold), whether the response solved the problem ("PUAS" or "BELUM PUAS
…" on a completed report), how the handling is rated ("NILAI 1" to "NILAI 5"), and news
of the problem in a message that names an open report's code. Such a
message goes to the sender's report that its tracking code names, or else to the one that
most recently started waiting; a message starting with "LAPOR" is always a new report.
The sender is the reporter when the message comes from the report's own number or
address (`replies.sender_is_reporter`).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aduan.channels.replies import (
    CODE_IN_TEXT,
    MIN_TEXT,
    STATUS_WORD,
    answer_language,
    status_answer,
    substance,
)
from aduan.reports import lifecycle
from aduan.reports.models import OPEN_STATUSES, Report, ReportEvent, Status

if TYPE_CHECKING:
    from aduan.webhooks.models import Forwarding

_END = r"\b[\s.,:;!-]*(.*)$"
# In Indonesian, and in English for those answered in English (aduan.channels.language).
_I_AM = r"(?:saya\s+|i\s*(?:am|'m)\s+)"
SATISFIED = re.compile(
    rf"^\s*(?:sudah\s+|ya\s*,?\s*|yes\s*,?\s*|{_I_AM})?(?:puas|satisfied)" + _END, re.I | re.S
)
NOT_SATISFIED = re.compile(
    rf"^\s*{_I_AM}?(?:belum|blm|tidak|tdk|gak|ga|nggak|kurang|not)\s+(?:puas|satisfied)" + _END,
    re.I | re.S,
)
RATING = re.compile(r"^\s*(?:nilai|rating|skor)\s*:?\s*([1-5])" + _END, re.I | re.S)
NEW_REPORT = re.compile(r"^\s*lapor\b[\s.,:;!-]*", re.I)
# Where a message naming the report is news of the problem (lifecycle.add_information).
NEWS_STATUSES = (Status.SUBMITTED, Status.DISPATCHED, Status.IN_PROGRESS)
# A completed or closed report may be rated by message this long after it was completed.
RATING_WINDOW = datetime.timedelta(days=30)
# A photo sent on its own this soon after a report belongs to it ("ini fotonya pak").
PHOTO_WINDOW = datetime.timedelta(hours=1)


@dataclass(frozen=True)
class FollowUp:
    result: (
        # answered, added, satisfied, not_satisfied, rated, explain, reminded, refused,
        # stale, status, given_before
        str
    )
    report: Report
    reply: str  # what the sender is told, in the active language


def new_report_text(text: str) -> str | None:
    """`text` without its "LAPOR" when the sender asks for a new report, else None."""
    match = NEW_REPORT.match(text)
    return text[match.end() :].strip() if match else None


def take(
    text: str, *, phone: str = "", email: str = "", files=(), only: Report | None = None
) -> FollowUp | None:
    """Apply `text` to the report of this sender that waits for it (`only` that one, when
    the message is known to be about it); None when the message answers nothing (it is
    then a new report or a conversation). Call in a transaction, with the translation the
    reply should be in active."""
    mine = Report.objects.reported_from(phone=phone, email=email).select_related("reporter")
    code = CODE_IN_TEXT.search(text.upper())
    if only is not None:
        mine = mine.filter(pk=only.pk)
    elif code:
        mine = mine.filter(tracking_code=code.group(1))
    rating = RATING.match(text)
    if rating:
        since = timezone.now() - RATING_WINDOW
        rated = mine.filter(
            status__in=(Status.COMPLETED, Status.CLOSED), rating__isnull=True
        ).filter(Q(completed_at__gte=since) | Q(closed_at__gte=since))
        report = rated.order_by("-updated_at", "-pk").first()
        if report is None:
            return _rating_there(mine, int(rating.group(1)))
        return _act(report, "rated", int(rating.group(1)), rating.group(2).strip())
    verdict = SATISFIED.match(text) or NOT_SATISFIED.match(text)
    if verdict:
        report = mine.filter(status=Status.COMPLETED).order_by("-updated_at", "-pk").first()
        kind = "satisfied" if verdict.re is SATISFIED else "not_satisfied"
        if report is None:
            return _verdict_there(mine, kind, verdict.group(1).strip())
        return _act(report, kind, None, verdict.group(1).strip(), files)
    report = mine.filter(status=Status.ON_HOLD).order_by("-updated_at", "-pk").first()
    if report is None:
        if not code or only is not None:
            return None
        if STATUS_WORD.match(text):
            # "Cek laporan K7QM-3XPA, sudah seminggu belum ada kabar": a question.
            return _status(mine, phone)
        return _news(mine, code, text)
    if len(substance(text)) < MIN_TEXT and not files:
        # "Halo pak" or "ok" answers nothing: say what is asked.
        question = report.events.filter(action=lifecycle.Action.HOLD).order_by("-pk").first()
        with translation.override(answer_language(report)):
            return FollowUp(
                "reminded",
                report,
                _(
                    "Report %(code)s waits for your answer to our question: “%(question)s” "
                    "Reply with your answer."
                )
                % {
                    "code": report.tracking_code,
                    "question": question.message if question else "",
                },
            )
    return _act(report, "answered", None, text.strip(), files)


def _status(mine, phone: str) -> FollowUp | None:
    """The sender's report the question names, and where it stands."""
    report = mine.first()
    if report is None:
        return None
    return FollowUp("status", report, status_answer(report.tracking_code, phone=phone))


def _news(mine, code, text: str) -> FollowUp | None:
    """A message naming the sender's own open report ("K7QM-3XPA lubangnya makin
    dalam") is news of that problem, added to it, not a second report of it."""
    report = mine.filter(status__in=NEWS_STATUSES).first()
    news = re.sub(re.escape(code.group(1)), " ", text, flags=re.I).strip(" \t\n.,:;-")
    if report is None or len(substance(news)) < MIN_TEXT:
        return None
    return _act(report, "added", None, news)


def _act(report: Report, kind: str, stars, message: str, files=()) -> FollowUp:
    # A word or two ("SATISFIED") says nothing of its language: the report's tells.
    with translation.override(answer_language(report)):
        return _acted(report, kind, stars, message, files)


def _acted(report: Report, kind: str, stars, message: str, files=()) -> FollowUp:
    actor = lifecycle.Actor(user=report.reporter, is_reporter=True)
    code = {"code": report.tracking_code}
    if kind == "not_satisfied" and not message:
        return FollowUp(
            "explain",
            report,
            _(
                "Report %(code)s: tell us what is still not resolved. Reply: NOT SATISFIED "
                "followed by what is still wrong."
            )
            % code,
        )
    for _attempt in range(STALE_RETRIES):
        try:
            reply = _perform(report, actor, kind, stars, message, files)
        except lifecycle.StaleReport:
            # Changed a moment ago by something that may leave the answer fitting (an
            # officer's internal note): the message id is already taken, so a
            # redelivery cannot bring it again — act on the report as it is now.
            report = Report.objects.get(pk=report.pk)
            continue
        except lifecycle.DailyLimitReached as refusal:
            # The day's share of news is used: say so, the report did not change.
            return FollowUp("refused", report, str(refusal))
        except lifecycle.TransitionError:
            break
        return FollowUp(kind, report, reply % code)
    # Changed so that the answer no longer fits (an officer acted, or another message
    # came first).
    return FollowUp("stale", report, _STALE % code)


_STALE = gettext_lazy(
    "Report %(code)s changed a moment ago. Send STATUS %(code)s to see where it stands."
)


STALE_RETRIES = 3


def _perform(report: Report, actor, kind: str, stars, message: str, files) -> str:
    """Take the reporter's action; returns the reply's text (with %(code)s)."""
    if kind == "answered":
        lifecycle.answer_hold(report, actor, message, files=files)
        return _("Thank you. Your answer about report %(code)s was received.")
    if kind == "added":
        lifecycle.add_information(report, actor, message)
        return _("Thank you. Your information was added to report %(code)s.")
    if kind == "rated":
        lifecycle.rate(report, actor, stars, message)
        return _("Thank you for rating the handling of report %(code)s.")
    satisfied = kind == "satisfied"
    lifecycle.reply(report, actor, satisfied=satisfied, message=message, files=files)
    if satisfied:
        return _(
            "Thank you. Report %(code)s is closed. Rate its handling: reply NILAI 1 to NILAI 5."
        )
    return _("Thank you. Report %(code)s is reopened and will be followed up again.")


def photo_target(phone: str) -> Report | None:
    """The sender's report that a photo sent outside a draft belongs to: the one waiting
    for their answer, or else one they sent within the hour and still open."""
    mine = Report.objects.reported_from(phone=phone)
    held = mine.filter(status=Status.ON_HOLD).order_by("-updated_at", "-pk").first()
    if held is not None:
        return held
    recent = mine.filter(status__in=OPEN_STATUSES, submitted_at__gte=timezone.now() - PHOTO_WINDOW)
    return recent.order_by("-submitted_at", "-pk").first()


# --- The verdict for a connected system (the report was forwarded there) ---------------

# Stars said with a verdict for a connected system: "PUAS NILAI 4", "BELUM PUAS nilai 2
# lampunya masih mati". It takes them with the verdict, as the report's page does.
STARS_FIRST = re.compile(r"^(?:nilai|rating|skor)\s*:?\s*([1-5])" + _END, re.I | re.S)


@dataclass(frozen=True)
class _Judged:
    """A report of the sender's forwarded to a connected system that completed it: it
    waits for their verdict (`waiting`), or they gave it lately (within RATING_WINDOW)."""

    report: Report
    forwarding: Forwarding
    waiting: bool

    def said(self, **more) -> dict:
        return {"code": self.report.tracking_code, "system": self.forwarding.uplink.name, **more}


def _judged_there(mine) -> _Judged | None:
    """Of the sender's reports `mine`, the one whose connected system waits for their
    verdict, or else the one whose verdict they gave last, within RATING_WINDOW."""
    from aduan.webhooks.forwarding import awaiting_verdict
    from aduan.webhooks.models import Forwarding

    completed_there = mine.filter(forwardings__remote_status=Status.COMPLETED).distinct()
    for report in completed_there.order_by("-updated_at", "-pk")[:5]:
        if waiting := awaiting_verdict(report):
            return _Judged(report, waiting[0], True)
    since = timezone.now() - RATING_WINDOW
    given = (
        ReportEvent.objects.filter(
            report__in=mine.values("pk"), action=lifecycle.Action.REMOTE_VERDICT, at__gte=since
        )
        .select_related("report__reporter")
        .order_by("-at", "-pk")
        .first()
    )
    if given is None:
        return None
    there = Forwarding.objects.filter(report=given.report, uplink__slug=given.data.get("uplink"))
    row = there.select_related("uplink").first()
    return row and _Judged(given.report, row, False)


def _verdict_there(mine, kind: str, message: str) -> FollowUp | None:
    """The verdict on a report of the sender's that a connected system completed (it
    was forwarded there), relayed to it with any stars said first in `message`; None
    when no such report waits for one or had it lately."""
    judged = _judged_there(mine)
    if judged is None:
        return None
    stars = STARS_FIRST.match(message)
    if stars:
        message = stars.group(2).strip()
    with translation.override(answer_language(judged.report)):
        if not judged.waiting:
            return FollowUp("given_before", judged.report, _GIVEN_BEFORE % judged.said())
        if kind == "not_satisfied" and not message:
            if stars:  # asked again with the stars, or they would be lost
                reply = _(
                    "Report %(code)s: tell us what is still not resolved. Reply: BELUM PUAS "
                    "NILAI %(stars)s followed by what is still wrong."
                )
                return FollowUp("explain", judged.report, reply % judged.said(stars=stars[1]))
            return _acted(judged.report, kind, None, message)  # asks what is still wrong
        return _give_verdict_there(judged, kind, message, stars and int(stars.group(1)))


def _give_verdict_there(judged: _Judged, kind: str, message: str, stars) -> FollowUp:
    from aduan.webhooks.forwarding import rated_there

    rated = stars and rated_there(judged.report, judged.forwarding.uplink)
    if not _gave_verdict_there(judged.report, judged.forwarding, kind, message, stars):
        return FollowUp("stale", judged.report, _STALE % judged.said())
    if kind == "satisfied":
        reply = _(
            "Thank you. %(system)s is told that you are satisfied with its handling of "
            "report %(code)s; it closes the report there."
        )
    else:
        reply = _(
            "Thank you. %(system)s is told what is still not resolved in report %(code)s "
            "and asked to work on it again."
        )
    if rated:
        reply += " " + _("It was rated before and takes one rating: your stars were not sent.")
    elif stars:
        reply += " " + _("Your rating of %(stars)s of 5 goes with it.")
    return FollowUp(kind, judged.report, reply % judged.said(stars=stars))


def _rating_there(mine, stars: int) -> FollowUp | None:
    """ "NILAI n" about a report whose connected system completed it. The connected
    system takes the stars with the reporter's verdict, once (the report's page asks for
    both together): the sender is told how to give them, or why they cannot."""
    from aduan.webhooks.forwarding import rated_there

    judged = _judged_there(mine)
    if judged is None:
        return None
    with translation.override(answer_language(judged.report)):
        said = judged.said(stars=stars)
        if rated_there(judged.report, judged.forwarding.uplink):
            reply = _("%(system)s was rated for report %(code)s before and takes one rating.")
        elif not judged.waiting:
            reply = _GIVEN_BEFORE + " " + _("A rating goes with the verdict.")
        else:
            return FollowUp(
                "explain",
                judged.report,
                _(
                    "Report %(code)s: %(system)s takes your rating with your verdict. Reply "
                    "PUAS NILAI %(stars)s, or BELUM PUAS NILAI %(stars)s followed by what is "
                    "still wrong."
                )
                % said,
            )
        if judged.waiting:
            reply += " " + _("Reply PUAS, or BELUM PUAS followed by what is still wrong.")
        return FollowUp("refused", judged.report, reply % said)


_GIVEN_BEFORE = gettext_lazy(
    "Your verdict on report %(code)s was sent to %(system)s already; it asks again only "
    "if it completes the report again."
)


def _gave_verdict_there(report: Report, waiting, kind: str, message: str, stars=None) -> bool:
    """Relay the verdict to the uplink of `waiting`; False when it no longer waits. A
    change a moment ago that leaves the answer fitting (an officer's note) is read again,
    as for a verdict here."""
    from aduan.webhooks.forwarding import give_verdict_there

    actor = lifecycle.Actor(user=report.reporter, is_reporter=True)
    for _attempt in range(STALE_RETRIES):
        try:
            give_verdict_there(
                report,
                actor,
                waiting,
                satisfied=kind == "satisfied",
                message=message,
                stars=stars or None,
            )
        except lifecycle.StaleReport:
            report = Report.objects.get(pk=report.pk)
            continue
        except lifecycle.TransitionError:  # answered meanwhile (by another message, online)
            return False
        return True
    return False
