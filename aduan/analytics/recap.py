"""The monthly recap PDF of an organization, for evaluation meetings.

A recap gathers, for one organization subtree (or the whole installation) and one month,
the figures of `metrics` — key figures beside the month before, the twelve-month trend,
categories, deadlines met per clock, the overdue list, the best and slowest units and
the connected agencies — and lays them out with reportlab, using only the fonts and
chart drawing that ship with it. Every figure comes from the summary tables, so a recap
costs a few dozen indexed queries whatever the size of the reports table.

It is built by a background task (`tasks.build_recap_task`) for a `RecapJob`: the task
claims the job with a conditional UPDATE, records its progress after each section, and
writes the file under STATE_DIR/recaps with a random name.
"""

from __future__ import annotations

import datetime
import io
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from django.conf import settings
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from aduan.analytics import metrics
from aduan.analytics.charts import nice_top
from aduan.analytics.formatting import (
    FIGURE_NAMES,
    chart_month,
    number,
    signed,
    working_days_late,
)
from aduan.analytics.metrics import Period
from aduan.analytics.models import RecapJob
from aduan.deadlines import calendar
from aduan.deadlines.models import STAFF_CLOCKS, Clock
from aduan.organizations.access import Access, Role, overseen_organizations
from aduan.organizations.models import Category, Organization
from aduan.workspace.queries import subtree_q

logger = logging.getLogger(__name__)

RECAP_ROLES = (Role.AGENCY_ADMIN, Role.SUPERVISOR, Role.LIAISON)
TREND_MONTHS = 12
OVERDUE_ROWS = 30
LEAGUE_ROWS = 5
STALLED_AFTER = datetime.timedelta(minutes=10)

Progress = Callable[[str, int], None]
Step = RecapJob.Step

# (label, key in metrics.summary, how to show it)
COUNT, RATE, DAYS, RATING = "count", "rate", "days", "rating"
# The names are the dashboard's and the exports' (`formatting.FIGURE_NAMES`).
KEY_FIGURES = [
    (FIGURE_NAMES["received"], "received", COUNT),
    (FIGURE_NAMES["verified"], "verified", COUNT),
    (FIGURE_NAMES["followed_up"], "followed_up", COUNT),
    (FIGURE_NAMES["follow_up_rate"], "follow_up_rate", RATE),
    (FIGURE_NAMES["settled"], "settled", COUNT),
    (FIGURE_NAMES["settled_rate"], "settled_rate", RATE),
    (FIGURE_NAMES["closed"], "closed", COUNT),
    (FIGURE_NAMES["completion_rate"], "completion_rate", RATE),
    (FIGURE_NAMES["archived"], "archived", COUNT),
    (FIGURE_NAMES["open"], "open", COUNT),
    (
        gettext_lazy("Median verification time (working days)"),
        "median_verification_working_days",
        DAYS,
    ),
    (
        gettext_lazy("Median first-response time (working days)"),
        "median_first_response_working_days",
        DAYS,
    ),
    (FIGURE_NAMES["reopen_rate"], "reopen_rate", RATE),
    (FIGURE_NAMES["mean_rating"], "mean_rating", RATING),
    (FIGURE_NAMES["satisfied_share"], "satisfied_share", RATE),
    (FIGURE_NAMES["recorded_verdict_share"], "recorded_verdict_share", RATE),
]


# --- Who may ask for which recap -------------------------------------------------------


def can_request_recaps(access: Access) -> bool:
    """Officers (full recaps) and oversight bodies (the figures-only edition)."""
    return access.is_national_admin or access.has_role(*RECAP_ROLES, Role.AUDITOR)


def may_request(access: Access, org: Organization | None) -> bool:
    """May ask for the full recap of `org` (None: national), overdue list included.
    National admins: any organization and the national recap. Agency admins and
    supervisors: their subtree; liaisons: their unit (and anything below it)."""
    if access.is_national_admin:
        return True
    return org is not None and access.holds(org, *RECAP_ROLES)


def oversees(access: Access, org: Organization | None) -> bool:
    """One of the user's oversight bodies watches `org` as the dashboard shows it (the
    national recap only for a body that watches every agency): enough for the
    figures-only edition, never for the full recap."""
    if not access.has_role(Role.AUDITOR):
        return False
    overseen = overseen_organizations(access)
    if overseen is None:
        return True
    return any(agency.contains(org) for agency in overseen)


def figures_only_for(access: Access, org: Organization | None) -> bool | None:
    """The edition the user gets for `org`: False, the full recap, wherever they work as
    an officer; True, figures only, where they only oversee; None: no recap at all."""
    if may_request(access, org):
        return False
    if oversees(access, org):
        return True
    return None


def may_open(access: Access, job: RecapJob) -> bool:
    """Officers may open any recap of their organizations (the figures-only edition shows
    them nothing new); an auditor only the figures-only edition, whoever asked for it."""
    if may_request(access, job.organization):
        return True
    return job.figures_only and oversees(access, job.organization)


def recap_roots(access: Access) -> list[Organization] | None:
    """The organizations whose subtrees the user may ask recaps for: their own as an
    officer and those their oversight bodies watch. None: every organization and the
    national recap."""
    if access.is_national_admin:
        return None
    overseen = overseen_organizations(access)
    if overseen is None:
        return None
    return [*access.orgs(*RECAP_ROLES), *overseen]


def organizations_under(roots: list[Organization] | None):
    """The active organizations in the subtrees of `roots` (None: all), in tree order."""
    orgs = Organization.objects.active().order_by("path")
    return orgs if roots is None else orgs.filter(subtree_q(roots, "path"))


# --- Gathering the figures ---------------------------------------------------------------


@dataclass
class OverdueRow:
    code: str
    title: str
    unit: str
    days: int  # whole working days past the deadline
    confidential: bool = False


@dataclass
class RecapData:
    org: Organization | None
    month: datetime.date
    generated_at: datetime.datetime
    # The month, or for the running month its days so far (compared with the same days
    # of the month before).
    period: Period | None = None
    figures: dict = field(default_factory=dict)
    trend: list[dict] = field(default_factory=list)
    categories: list[tuple[str, int]] = field(default_factory=list)
    deadlines: dict = field(default_factory=dict)
    overdue: list[OverdueRow] = field(default_factory=list)
    overdue_total: int = 0
    best: list[dict] = field(default_factory=list)
    slowest: list[dict] = field(default_factory=list)
    unranked: int = 0
    has_units: bool = False
    agencies: dict | None = None
    # The edition for oversight bodies: the overdue reports counted, never listed.
    figures_only: bool = False


def _no_progress(step: str, percent: int) -> None:
    return None


def collect(
    org: Organization | None,
    month: datetime.date,
    now: datetime.datetime | None = None,
    progress: Progress = _no_progress,
    figures_only: bool = False,
) -> RecapData:
    """Every figure of the recap of `org` (None: national) for the month of `month`;
    with `figures_only`, nothing that names a report is even read."""
    now = now or timezone.now()
    period = recap_period(month, timezone.localdate(now))
    data = RecapData(
        org=org, month=period.start, generated_at=now, period=period, figures_only=figures_only
    )
    progress(Step.FIGURES, 5)
    data.figures = metrics.with_change(org, period)
    data.deadlines = data.figures["current"]["within_deadline"]
    progress(Step.TREND, 20)
    data.trend = metrics.monthly_trend(org, TREND_MONTHS, period.start)
    progress(Step.CATEGORIES, 45)
    data.categories = _categories(org, period)
    progress(Step.OVERDUE, 55)
    _add_overdue(data, org, now)
    progress(Step.UNITS, 65)
    _add_league(data, org, min(now, period.bounds()[1] - datetime.timedelta(seconds=1)))
    progress(Step.AGENCIES, 85)
    if org is None or org.is_agency:
        data.agencies = metrics.agencies_overview(org, now)
    return data


def recap_period(month: datetime.date, today: datetime.date) -> Period:
    """The whole month; the running month only up to today, so that `previous()` compares
    it with the same days of the month before rather than with a whole month."""
    whole = Period.month(month.year, month.month)
    return Period(whole.start, today) if whole.start <= today < whole.end else whole


def _category_name(category: Category | None) -> str:
    if category is None:
        return _("No category")
    return category.display_name


def _categories(org: Organization | None, period: Period) -> list[tuple[str, int]]:
    rows = metrics.breakdown(org, period, "category_group")
    known = Category.objects.in_bulk([pk for pk, _n in rows if pk is not None])
    return [(_category_name(known.get(pk)), n) for pk, n in rows]


def _add_overdue(data: RecapData, org: Organization | None, now: datetime.datetime) -> None:
    late = metrics.overdue(org, now)
    data.overdue_total = late.count()
    if data.figures_only:
        # Oversight bodies read how many reports are late, as on their dashboard, but
        # not which: their codes and titles belong to the agencies' own officers.
        return
    cal = calendar.current()
    fields = ("tracking_code", "public_title", "is_confidential", "due_at")
    for report in late.only(*fields, "organization__name", "organization__time_zone")[
        :OVERDUE_ROWS
    ]:
        # Titles are citizens' free text: their public copy, as every surface outside the
        # case file; a confidential report's not even that, since paper travels.
        data.overdue.append(
            OverdueRow(
                code=report.tracking_code,
                title="" if report.is_confidential else report.public_title,
                unit=report.organization.name if report.organization_id else _("National queue"),
                days=working_days_late(report, now, cal),
                confidential=report.is_confidential,
            )
        )


def _add_league(data: RecapData, org: Organization | None, now: datetime.datetime) -> None:
    """The best and slowest of the organizations right below `org`, ranked as of the end
    of the month (or now, for the running month)."""
    table = metrics.league_table(org, now=now)
    ranked = table["ranked"]
    data.has_units = bool(ranked or table["unranked"])
    data.best = ranked[:LEAGUE_ROWS]
    data.slowest = ranked[max(LEAGUE_ROWS, len(ranked) - LEAGUE_ROWS) :]
    data.unranked = len(table["unranked"])


# --- Building and running ----------------------------------------------------------------


def build_recap(
    org: Organization | None,
    month: datetime.date,
    *,
    now: datetime.datetime | None = None,
    progress: Progress = _no_progress,
    compress: bool = True,
    figures_only: bool = False,
) -> bytes:
    """The recap PDF, in the active language; `figures_only` builds the edition for
    oversight bodies, which names no report. `compress=False` leaves the page streams
    readable, for tests."""
    data = collect(org, month, now, progress, figures_only=figures_only)
    progress(Step.WRITING, 95)
    return render_pdf(data, compress=compress)


def start_recap(
    user,
    org: Organization | None,
    month: datetime.date,
    language: str,
    *,
    figures_only: bool = False,
) -> RecapJob:
    """A queued RecapJob, its task enqueued once the transaction commits. The caller has
    chosen the edition with `figures_only_for`. The same request still waiting or
    running is reused, so a double click builds one file."""
    from aduan.analytics.tasks import build_recap_task

    month = month.replace(day=1)
    pending = RecapJob.objects.filter(
        requested_by=user,
        organization=org,
        month=month,
        language=language,
        figures_only=figures_only,
        state__in=(RecapJob.State.QUEUED, RecapJob.State.RUNNING),
    ).first()
    if pending is not None:
        return pending
    with transaction.atomic():
        job = RecapJob.objects.create(
            requested_by=user,
            organization=org,
            month=month,
            language=language,
            figures_only=figures_only,
        )
        transaction.on_commit(lambda: build_recap_task.enqueue(job.pk))
    return job


def run_job(pk: int) -> str:
    """Build RecapJob `pk` once: claimed from QUEUED with a conditional UPDATE, so a task
    delivered twice, or taken by two workers, builds one file."""
    now = timezone.now()
    claimed = RecapJob.objects.filter(pk=pk, state=RecapJob.State.QUEUED).update(
        state=RecapJob.State.RUNNING, started_at=now, progress_at=now, progress=0, error=""
    )
    if not claimed:
        return "skipped"
    job = RecapJob.objects.select_related("organization").get(pk=pk)

    def advance(step: str, percent: int) -> None:
        RecapJob.objects.filter(pk=pk, state=RecapJob.State.RUNNING).update(
            step=step, progress=percent, progress_at=timezone.now()
        )

    try:
        with translation.override(job.language):
            pdf = build_recap(
                job.organization, job.month, progress=advance, figures_only=job.figures_only
            )
        _write_atomically(job.path, pdf)
    except Exception as error:
        logger.exception("Recap job %s failed", pk)
        _finish(pk, RecapJob.State.FAILED, error=f"{type(error).__name__}: {error}"[:2000])
        raise
    _finish(pk, RecapJob.State.DONE)
    return "done"


def _write_atomically(path, content: bytes) -> None:
    """A half-written file is never served: write beside it, then rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    partial.write_bytes(content)
    os.replace(partial, path)


def _finish(pk: int, state: str, error: str = "") -> None:
    # A failed job keeps the step it failed at, for whoever reads the error.
    done = {"progress": 100, "step": Step.DONE} if state == RecapJob.State.DONE else {}
    RecapJob.objects.filter(pk=pk, state=RecapJob.State.RUNNING).update(
        state=state, error=error, finished_at=timezone.now(), **done
    )


def requeue_stalled_recaps(now: datetime.datetime | None = None) -> int:
    """Hand recaps whose worker died (running, no progress for STALLED_AFTER) to another
    worker; for the periodic scan. Returns how many."""
    from aduan.analytics.tasks import build_recap_task

    cutoff = (now or timezone.now()) - STALLED_AFTER
    stalled = RecapJob.objects.filter(state=RecapJob.State.RUNNING, progress_at__lt=cutoff)
    requeued = 0
    for pk in list(stalled.values_list("pk", flat=True)):
        # Conditional, like the claim: two scanning hosts requeue a job once.
        if stalled.filter(pk=pk).update(state=RecapJob.State.QUEUED, step=Step.WAITING):
            logger.warning("Recap job %s had stalled; queued again", pk)
            build_recap_task.enqueue(pk)
            requeued += 1
    return requeued


def forget_old_recaps(now: datetime.datetime | None = None) -> int:
    """Delete recap PDFs finished more than ADUAN_RECAP_FILE_DAYS ago (default 365); the
    request stays listed, and the figures can be built again for the same month. For
    the periodic scan; returns how many files were deleted."""
    days = getattr(settings, "ADUAN_RECAP_FILE_DAYS", 365)
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    old = RecapJob.objects.filter(state=RecapJob.State.DONE, finished_at__lt=cutoff)
    forgotten = 0
    for job in old.only("pk", "file_name"):
        if job.path.is_file():
            job.path.unlink(missing_ok=True)
            forgotten += 1
    return forgotten


def benchmark_recap(org: Organization | None, month: datetime.date) -> float:
    """Seconds to gather the figures and lay out the recap PDF (nothing is written)."""
    started = time.perf_counter()
    with translation.override(settings.LANGUAGE_CODE):
        build_recap(org, month)
    return time.perf_counter() - started


# --- Formatting shared by the PDF --------------------------------------------------------


def month_label(month: datetime.date) -> str:
    return formats.date_format(month, "YEAR_MONTH_FORMAT")


def fmt_count(value) -> str:
    return formats.number_format(value or 0, 0, force_grouping=True)


def fmt_decimal(value: float) -> str:
    """One decimal, rounded half up as the dashboard rounds (`formatting.number`)."""
    return number(value, 1)


def fmt_value(value, kind: str) -> str:
    if value is None:
        return "–"
    if kind == COUNT:
        return fmt_count(value)
    if kind == RATE:
        return fmt_decimal(value * 100) + "%"
    return fmt_decimal(value)


def fmt_change(current, previous, kind: str) -> str:
    """The change from the month before: counts also as a percentage, rates in points."""
    if current is None or previous is None:
        return "–"
    if kind == RATE:
        return _("%(value)s pp") % {"value": signed((current - previous) * 100)}
    if kind != COUNT:
        return signed(current - previous)
    diff = current - previous
    text = signed(diff, 0)
    if previous:
        text += f" ({signed(diff * 100 / previous)}%)"
    return text


def clock_label(clock: str) -> str:
    return str(dict(Clock.choices).get(clock, clock))


def escaped(text: str) -> str:
    """Text safe inside a reportlab Paragraph, whose markup could otherwise fetch images."""
    return escape(str(text))


# --- Laying out the PDF -------------------------------------------------------------------

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
SERIES_COLORS = (colors.HexColor("#1f5fa8"), colors.HexColor("#e08a1e"))
HEADER_FILL = colors.HexColor("#e8edf3")
GRID = colors.HexColor("#b8c2cc")
CHART_LEFT = 36


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName="Helvetica", fontSize=9, leading=12)
    return {
        "title": ParagraphStyle("title", base, fontName="Helvetica-Bold", fontSize=18, leading=22),
        "subtitle": ParagraphStyle("subtitle", base, fontSize=13, leading=17, spaceAfter=4),
        "h2": ParagraphStyle(
            "h2",
            base,
            fontName="Helvetica-Bold",
            fontSize=12,
            leading=15,
            spaceBefore=10,
            spaceAfter=4,
        ),
        "h3": ParagraphStyle("h3", base, fontName="Helvetica-Bold", spaceBefore=6, spaceAfter=2),
        "body": base,
        "note": ParagraphStyle("note", base, fontSize=8, leading=10, textColor=colors.grey),
        "cell": ParagraphStyle("cell", base, fontSize=8, leading=10),
    }


def render_pdf(data: RecapData, compress: bool = True) -> bytes:
    """Lay out `data` as an A4 PDF, in the active language."""
    styles = _styles()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"{_('Monthly recap')} — {scope_name(data.org)} — {month_label(data.month)}",
        author=settings.SITE_NAME,
        pageCompression=1 if compress else 0,
    )
    story = [
        *_heading(data, styles),
        *_key_figures(data, styles),
        *_deadlines(data, styles),
        *_categories_section(data, styles),
        *_trend(data, styles),
        *(_overdue_count(data, styles) if data.figures_only else _overdue_section(data, styles)),
        *_units_section(data, styles),
        *_agencies_section(data, styles),
    ]
    footer = _footer(data)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def scope_name(org: Organization | None) -> str:
    return org.name if org is not None else _("National (all agencies)")


def _footer(data: RecapData):
    text = f"{settings.SITE_NAME} · {scope_name(data.org)} · {month_label(data.month)}"
    if data.figures_only:
        # On every page: a loose sheet still says why it lists no report.
        text += f" · {edition_name()}"

    def draw(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(colors.grey)
        canvas.drawString(MARGIN, 10 * mm, text)
        canvas.drawRightString(
            PAGE_WIDTH - MARGIN, 10 * mm, _("Page %(number)d") % {"number": doc.page}
        )
        canvas.restoreState()

    return draw


HEADER_LEFT = ParagraphStyle(
    "header", fontName="Helvetica-Bold", fontSize=8, leading=10, alignment=TA_LEFT
)
HEADER_RIGHT = ParagraphStyle("header_right", HEADER_LEFT, alignment=TA_RIGHT)
# A table cell's padding, left and right together (ReportLab's default).
CELL_PADDING = 12


def header_widths(headers: list[str], widths: list[float]) -> list[float]:
    """`widths` changed so that each header's longest word fits on one line: a column
    too narrow for it takes room from the columns with room to spare, and the table
    keeps its width. (A Paragraph breaks a word that does not fit in the middle, and
    Indonesian headers have long words: "Ditindaklanjuti".)"""
    needed = [
        max(
            (
                stringWidth(word, HEADER_LEFT.fontName, HEADER_LEFT.fontSize)
                for word in text.split()
            ),
            default=0,
        )
        + CELL_PADDING
        + 1
        for text in headers
    ]
    short = sum(max(0.0, need - width) for need, width in zip(needed, widths, strict=True))
    spare = [max(0.0, width - need) for need, width in zip(needed, widths, strict=True)]
    if not short or sum(spare) < short:
        return list(widths)
    give = short / sum(spare)
    return [
        max(need, width - room * give)
        for need, width, room in zip(needed, widths, spare, strict=True)
    ]


def _table(rows: list[list], widths: list[float], numeric_from: int = 1) -> Table:
    """A table with a shaded header row of plain strings, which wrap; columns from
    `numeric_from` on align right."""
    header = [
        Paragraph(escaped(text), HEADER_RIGHT if column >= numeric_from else HEADER_LEFT)
        for column, text in enumerate(rows[0])
    ]
    widths = header_widths([str(text) for text in rows[0]], widths)
    table = Table([header, *rows[1:]], colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), "Helvetica", 8),
                ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
                ("GRID", (0, 0), (-1, -1), 0.4, GRID),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (numeric_from, 0), (-1, -1), "RIGHT"),
            ]
        )
    )
    return table


def _heading(data: RecapData, styles) -> list:
    when = formats.date_format(timezone.localtime(data.generated_at), "DATETIME_FORMAT")
    note = _scope_note(data) % {
        "month": month_label(data.month),
        "scope": scope_name(data.org),
        "when": when,
    }
    period = data.period or Period.month(data.month.year, data.month.month)
    if period != Period.month(data.month.year, data.month.month):
        note += " " + _(
            "The month is still running: its figures cover %(period)s, compared with %(previous)s."
        ) % {"period": period_label(period), "previous": period_label(period.previous())}
    parts = [
        Paragraph(escaped(_("Monthly recap of public complaints")), styles["title"]),
        Paragraph(escaped(scope_name(data.org)), styles["subtitle"]),
        Paragraph(escaped(month_label(data.month)), styles["subtitle"]),
    ]
    if data.figures_only:
        parts += _edition_notice(styles)
    return [*parts, Paragraph(escaped(note), styles["note"]), Spacer(1, 4 * mm)]


def _scope_note(data: RecapData) -> str:
    """What the figures count, and when the overdue reports were listed (or counted)."""
    if data.figures_only and data.org is None:
        return _(
            "Figures count every report submitted in %(month)s. Overdue reports are counted "
            "as of %(when)s."
        )
    if data.figures_only:
        return _(
            "Figures count the reports submitted in %(month)s to %(scope)s and the "
            "organizations below it, wherever each report is handled now. Overdue reports "
            "are counted as of %(when)s."
        )
    if data.org is None:
        return _(
            "Figures count every report submitted in %(month)s. The overdue list is as of %(when)s."
        )
    return _(
        "Figures count the reports submitted in %(month)s to %(scope)s and the "
        "organizations below it, wherever each report is handled now. The overdue list "
        "is as of %(when)s."
    )


def edition_name() -> str:
    return _("Figures-only edition for oversight bodies")


def _edition_notice(styles) -> list:
    # Said on the first page, since the paper is passed around a meeting without the
    # page that was asked for it.
    why = _(
        "This edition is for oversight bodies (Ombudsman, Inspectorate). It holds the "
        "figures only: overdue reports are counted, and no report is named or listed."
    )
    return [
        Paragraph(escaped(edition_name()), styles["h3"]),
        Paragraph(escaped(why), styles["note"]),
    ]


def period_label(period: Period) -> str:
    """ "Januari 2026" for a whole month, else its first and last day."""
    if period == Period.month(period.start.year, period.start.month):
        return month_label(period.start)
    first, last = (formats.date_format(day, "DATE_FORMAT") for day in (period.start, period.end))
    return f"{first} – {last}"


def _key_figures(data: RecapData, styles) -> list:
    current, previous = data.figures["current"], data.figures["previous"]
    period = data.period or Period.month(data.month.year, data.month.month)
    rows = [
        [
            _("Figure"),
            period_label(period),
            period_label(period.previous()),
            pgettext("recap", "Change"),
        ]
    ]
    for label, key, kind in KEY_FIGURES:
        rows.append(
            [
                str(label),
                fmt_value(current[key], kind),
                fmt_value(previous[key], kind),
                fmt_change(current[key], previous[key], kind),
            ]
        )
    widths = [CONTENT_WIDTH * 0.46] + [CONTENT_WIDTH * 0.18] * 3
    parts = [Paragraph(escaped(_("Key figures")), styles["h2"]), _table(rows, widths)]
    if current["open"]:
        note = ngettext(
            "%(count)s report of the month is still being handled: until it is, the rates "
            "and times of the month look worse than those of the month before only because "
            "its reports had less time.",
            "%(count)s reports of the month are still being handled: until they are, the "
            "rates and times of the month look worse than those of the month before only "
            "because its reports had less time.",
            current["open"],
        ) % {"count": fmt_count(current["open"])}
        parts.append(Paragraph(escaped(note), styles["note"]))
    return parts


def _deadlines(data: RecapData, styles) -> list:
    rows = [[_("Deadline"), _("Met in time"), _("Missed"), _("Share in time")]]
    for clock in STAFF_CLOCKS:
        figures = data.deadlines.get(clock, {"met": 0, "missed": 0, "share": None})
        rows.append(
            [
                clock_label(clock),
                fmt_count(figures["met"]),
                fmt_count(figures["missed"]),
                fmt_value(figures["share"], RATE),
            ]
        )
    widths = [CONTENT_WIDTH * 0.46] + [CONTENT_WIDTH * 0.18] * 3
    note = _("Deadlines started in the month; a running deadline already past counts as missed.")
    return [
        Paragraph(escaped(_("Deadlines met, per clock")), styles["h2"]),
        _table(rows, widths),
        Paragraph(escaped(note), styles["note"]),
    ]


def _legend(names: list[str], y: float) -> Legend:
    """One row of swatches and names above the chart, from its left edge."""
    legend = Legend()
    legend.x, legend.y = CHART_LEFT, y
    legend.fontName, legend.fontSize = "Helvetica", 7.5
    legend.alignment = "right"  # the name to the right of its swatch
    legend.columnMaximum = 1
    legend.deltax = 150
    legend.dx = legend.dy = 7
    legend.colorNamePairs = list(zip(SERIES_COLORS, names, strict=False))
    return legend


def _style_axes(chart, decimals: int) -> None:
    chart.x, chart.y = CHART_LEFT, 20
    chart.categoryAxis.labels.fontName = chart.valueAxis.labels.fontName = "Helvetica"
    chart.categoryAxis.labels.fontSize = chart.valueAxis.labels.fontSize = 7
    # Axis numbers in the recap's language, like the tables ("15.000", "2,5").
    chart.valueAxis.labelTextFormat = lambda value: formats.number_format(
        round(value, decimals), decimals, force_grouping=True
    )


def _axis_top(series: list[list]) -> float:
    """A value axis top above every value; reportlab cannot scale an all-zero chart."""
    values = [v for row in series for v in row if v is not None]
    return max(values, default=0) * 1.1 or 1


def _bar_chart(data: RecapData, height: float = 150) -> Drawing:
    series = [[row["received"] for row in data.trend], [row["followed_up"] for row in data.trend]]
    drawing = Drawing(CONTENT_WIDTH, height)
    chart = VerticalBarChart()
    _style_axes(chart, decimals=0)
    chart.width, chart.height = CONTENT_WIDTH - CHART_LEFT - 6, height - 45
    chart.data = series
    chart.categoryAxis.categoryNames = [chart_month(row["month"]) for row in data.trend]
    # Counts: whole-numbered ticks (reportlab's own steps gave "2, 2, 1, 0, 0").
    counts = [v for row in series for v in row if v is not None]
    top, ticks = nice_top(max(counts, default=0), whole=True)
    chart.valueAxis.valueMin, chart.valueAxis.valueMax = 0, top
    chart.valueAxis.valueStep = top / ticks
    chart.barSpacing, chart.groupSpacing = 1, 6
    for index, color in enumerate(SERIES_COLORS):
        chart.bars[index].fillColor = color
        chart.bars[index].strokeColor = None
    drawing.add(chart)
    drawing.add(_legend([_("Received"), _("Followed up")], height - 8))
    return drawing


def _line_chart(data: RecapData, height: float = 140) -> Drawing:
    series = [
        [row["median_verification_working_days"] for row in data.trend],
        [row["median_first_response_working_days"] for row in data.trend],
    ]
    drawing = Drawing(CONTENT_WIDTH, height)
    chart = HorizontalLineChart()
    _style_axes(chart, decimals=1)
    chart.width, chart.height = CONTENT_WIDTH - CHART_LEFT - 6, height - 45
    chart.data = series
    # reportlab cannot draw a line through fewer than two points: a series with one
    # month of figures shows its marker alone.
    chart.joinedLines = 0
    chart.categoryAxis.categoryNames = [chart_month(row["month"]) for row in data.trend]
    chart.valueAxis.valueMin, chart.valueAxis.valueMax = 0, _axis_top(series)
    for index, color in enumerate(SERIES_COLORS):
        chart.lines[index].strokeColor = color
        chart.lines[index].strokeWidth = 1.5
        if sum(value is not None for value in series[index]) >= 2:
            chart.lines[index].lineStyle = "joinedLine"
        chart.lines[index].symbol = makeMarker("FilledCircle", size=3, fillColor=color)
    drawing.add(chart)
    names = [_("Median verification"), _("Median first response")]
    drawing.add(_legend(names, height - 8))
    return drawing


def _trend(data: RecapData, styles) -> list:
    rows = [
        [
            _("Month"),
            _("Received"),
            _("Verified"),
            _("Followed up"),
            _("Follow-up rate"),
            _("Median verification"),
            _("Median first response"),
        ]
    ]
    for row in data.trend:
        rows.append(
            [
                month_label(row["month"]),
                fmt_count(row["received"]),
                fmt_count(row["verified"]),
                fmt_count(row["followed_up"]),
                fmt_value(row["follow_up_rate"], RATE),
                fmt_value(row["median_verification_working_days"], DAYS),
                fmt_value(row["median_first_response_working_days"], DAYS),
            ]
        )
    widths = [CONTENT_WIDTH * 0.19] + [CONTENT_WIDTH * 0.135] * 6
    return [
        PageBreak(),
        Paragraph(escaped(_("Trend over the last 12 months")), styles["h2"]),
        Paragraph(escaped(_("Reports received and followed up")), styles["body"]),
        _bar_chart(data),
        Paragraph(escaped(_("Median times, in working days")), styles["body"]),
        _line_chart(data),
        Spacer(1, 3 * mm),
        _table(rows, widths),
    ]


def _categories_section(data: RecapData, styles) -> list:
    title = Paragraph(escaped(_("Categories")), styles["h2"])
    total = sum(n for _name, n in data.categories)
    if not total:
        return [title, Paragraph(escaped(_("No reports in this month.")), styles["body"])]
    rows = [[_("Category"), _("Reports"), _("Share")]]
    for name, n in data.categories:
        rows.append(
            [Paragraph(escaped(name), styles["cell"]), fmt_count(n), fmt_value(n / total, RATE)]
        )
    widths = [CONTENT_WIDTH * 0.64, CONTENT_WIDTH * 0.18, CONTENT_WIDTH * 0.18]
    return [title, _table(rows, widths)]


def _overdue_section(data: RecapData, styles) -> list:
    title = Paragraph(escaped(_("Overdue reports")), styles["h2"])
    if not data.overdue_total:
        return [title, Paragraph(escaped(_("No report is overdue.")), styles["body"])]
    note = _("%(total)s open reports are past their deadline; the %(shown)s oldest are listed.") % {
        "total": fmt_count(data.overdue_total),
        "shown": len(data.overdue),
    }
    rows = [[_("Code"), _("Title"), _("Handled by"), _("Working days late")]]
    confidential = "<i>" + escaped(_("Confidential report")) + "</i>"
    for row in data.overdue:
        shown = confidential if row.confidential else escaped(row.title)
        rows.append(
            [
                row.code,
                Paragraph(shown, styles["cell"]),
                Paragraph(escaped(row.unit), styles["cell"]),
                fmt_count(row.days),
            ]
        )
    widths = [CONTENT_WIDTH * w for w in (0.14, 0.48, 0.26, 0.12)]
    return [title, Paragraph(escaped(note), styles["note"]), _table(rows, widths, numeric_from=3)]


def _overdue_count(data: RecapData, styles) -> list:
    """The figures-only edition's overdue section: how many, never which."""
    title = Paragraph(escaped(_("Overdue reports")), styles["h2"])
    if not data.overdue_total:
        return [title, Paragraph(escaped(_("No report is overdue.")), styles["body"])]
    count = ngettext(
        "%(total)s open report is past its deadline.",
        "%(total)s open reports are past their deadline.",
        data.overdue_total,
    ) % {"total": fmt_count(data.overdue_total)}
    return [title, Paragraph(escaped(count), styles["body"])]


def _league_rows(rows: list[dict], styles) -> list[list]:
    table = [
        [
            _("Place"),
            _("Organization"),
            _("Verified"),
            _("First responses in time"),
            _("Median first response"),
            _("Follow-up rate"),
        ]
    ]
    for row in rows:
        table.append(
            [
                str(row["place"]),
                Paragraph(escaped(row["organization"].name), styles["cell"]),
                fmt_count(row["verified"]),
                fmt_value(row["first_response_in_time"], RATE),
                fmt_value(row["median_first_response_working_days"], DAYS),
                fmt_value(row["follow_up_rate"], RATE),
            ]
        )
    return table


def _units_section(data: RecapData, styles) -> list:
    if not data.has_units:
        return []
    heading = _("Best and slowest agencies") if data.org is None else _("Best and slowest units")
    note = _(
        "Ranked: organizations with at least %(min)s verified reports submitted in the "
        "%(days)s days up to the end of the month, by the share of first responses in time, "
        "then the median first-response time. Not ranked (too few reports): %(unranked)s."
    ) % {
        "min": settings.ADUAN_LEAGUE_MIN_REPORTS,
        "days": settings.ADUAN_LEAGUE_WINDOW_DAYS,
        "unranked": data.unranked,
    }
    widths = [CONTENT_WIDTH * w for w in (0.08, 0.37, 0.11, 0.16, 0.14, 0.14)]
    parts = [Paragraph(escaped(heading), styles["h2"]), Paragraph(escaped(note), styles["note"])]
    # One ranked organization is not "the best" of anything.
    first = _("Best") if len(data.best) > 1 else _("Ranked")
    for label, rows in ((first, data.best), (_("Slowest"), data.slowest)):
        if rows:
            parts.append(Paragraph(escaped(label), styles["h3"]))
            parts.append(_table(_league_rows(rows, styles), widths, numeric_from=2))
    if not data.best:
        parts.append(
            Paragraph(escaped(_("No organization has enough reports to rank.")), styles["body"])
        )
    return parts


def _agencies_section(data: RecapData, styles) -> list:
    if data.agencies is None:
        return []
    figures = data.agencies
    rows = [
        [_("Agencies"), _("Number"), _("Share")],
        [_("All agencies"), fmt_count(figures["agencies"]), ""],
        [
            _("Connected"),
            fmt_count(figures["connected"]),
            fmt_value(figures["connected_share"], RATE),
        ],
        [_("Active"), fmt_count(figures["active"]), fmt_value(figures["active_share"], RATE)],
    ]
    note = _(
        "Connected: a valid decree, an admin and a liaison. Active: connected, with an "
        "officer's action on a report in the last %(days)s days (share of the connected)."
    ) % {"days": settings.ADUAN_ACTIVE_AGENCY_DAYS}
    widths = [CONTENT_WIDTH * 0.64, CONTENT_WIDTH * 0.18, CONTENT_WIDTH * 0.18]
    return [
        Paragraph(escaped(_("Connected and active agencies")), styles["h2"]),
        _table(rows, widths),
        Paragraph(escaped(note), styles["note"]),
    ]
