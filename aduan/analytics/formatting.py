"""How monitoring figures are named, defined and written, wherever people read them.

The dashboard, its exports and the recap PDF all take their figure names, definitions,
rounding and "working days late" from here, so a regent who reads a figure on screen and
on paper reads the same name and the same number.
"""

from __future__ import annotations

import datetime
import math
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext_lazy

from aduan.deadlines.calendar import WorkingCalendar
from aduan.deadlines.clocks import time_zone_of
from aduan.reports.models import Report

# Float arithmetic leaves noise (0.145 × 100 = 14.499999999999998); it is cleared at
# this many places before rounding to what is shown.
NOISE_PLACES = Decimal("1e-9")

# One name per figure (the key is the key in `metrics.summary`), for every surface: the
# dashboard, its exports, the recap PDF and the public pages (portal_tags.figure_name).
FIGURE_NAMES = {
    "received": gettext_lazy("Reports received"),
    "verified": gettext_lazy("Reports verified and dispatched"),
    "followed_up": gettext_lazy("Followed up"),
    "settled": gettext_lazy("Settled (completed or closed)"),
    "closed": gettext_lazy("Closed"),
    "archived": gettext_lazy("Archived"),
    "open": gettext_lazy("Still open"),
    "follow_up_rate": gettext_lazy("Follow-up rate"),
    "completion_rate": gettext_lazy("Completion rate"),
    "settled_rate": gettext_lazy("Settled rate (completed or closed)"),
    "reopen_rate": gettext_lazy("Reopen rate"),
    "mean_rating": gettext_lazy("Mean rating (1–5)"),
    "satisfied_share": gettext_lazy("Reporters satisfied"),
    "recorded_verdict_share": gettext_lazy("Verdicts recorded by officers"),
}

# What the key figures count, in a sentence each, shown beside them on the dashboard
# (docs/metrics.md has the exact definitions): (term, definition).
FIGURE_DEFINITIONS = [
    (
        FIGURE_NAMES["received"],
        gettext_lazy("Reports submitted in the period, whatever happened to them since."),
    ),
    (
        FIGURE_NAMES["verified"],
        gettext_lazy("Of those, the reports verified and dispatched to an organization."),
    ),
    (
        FIGURE_NAMES["follow_up_rate"],
        gettext_lazy(
            "Verified reports with at least one public response or a completion, "
            "out of the verified reports."
        ),
    ),
    (
        FIGURE_NAMES["completion_rate"],
        gettext_lazy(
            "Verified reports now closed (the reporter was satisfied, or did not reply in "
            "time), out of the verified reports. Closed is not the same as resolved."
        ),
    ),
    (
        FIGURE_NAMES["settled_rate"],
        gettext_lazy(
            "Verified reports the unit has declared completed, whether or not they are "
            "closed yet, out of the verified reports."
        ),
    ),
    (
        gettext_lazy("Within the deadline"),
        gettext_lazy(
            "Deadlines started in the period and met in time, out of those met or missed; "
            "a running deadline already past counts as missed."
        ),
    ),
    (
        gettext_lazy("Verification and first-response times"),
        gettext_lazy(
            "From submission to dispatch, and from dispatch to the first public response, "
            "for the reports that got there; in working days and in hours."
        ),
    ),
    (
        FIGURE_NAMES["reopen_rate"],
        gettext_lazy(
            "Completed reports whose reporter said they were not satisfied, out of those."
        ),
    ),
    (
        FIGURE_NAMES["satisfied_share"],
        gettext_lazy(
            "Reports whose reporter's last verdict on the completion was “satisfied”, out "
            "of the reports with a verdict."
        ),
    ),
    (
        FIGURE_NAMES["recorded_verdict_share"],
        gettext_lazy(
            "Of those verdicts, the ones the reporter gave by phone, in person or by letter "
            "and an officer recorded, rather than the reporter in the system."
        ),
    ),
]


def rounded(value: float, digits: int = 1) -> Decimal:
    """`value` rounded half up (38.05 → 38.1, 4.15 → 4.2), as figures quoted in meetings
    are; never -0."""
    exact = Decimal(repr(float(value))).quantize(NOISE_PLACES, rounding=ROUND_HALF_EVEN)
    result = exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return abs(result) if result == 0 else result


def number(value: float, digits: int = 1) -> str:
    """`value` rounded half up to `digits` places, in the active language ("1.234,5")."""
    # number_format cuts extra digits off instead of rounding: give it none to cut.
    return number_format(rounded(value, digits), digits, force_grouping=True)


def signed(value: float, digits: int = 1) -> str:
    """`number` with a "+" when the shown value is above zero, for changes."""
    return ("+" if rounded(value, digits) > 0 else "") + number(value, digits)


def chart_month(month: datetime.date) -> str:
    """A month on a chart's axis and in its text summary: "Des 2025" / "Dec 2025". A
    two-digit year ("Dec 25") would read as a day of December."""
    return date_format(month, "M Y")


def working_days_late(report: Report, now: datetime.datetime, cal: WorkingCalendar) -> int:
    """Whole working days since `report.due_at` in the handling organization's time zone,
    rounded down, as the overdue page counts them ("overdue by 3 working days")."""
    late = cal.working_days_between(report.due_at, now, time_zone_of(report))
    return max(0, math.floor(late))
