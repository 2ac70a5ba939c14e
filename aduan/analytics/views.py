"""Monitoring and evaluation (monev) dashboards and their exports.

A dashboard shows one organization's subtree (or, for national admins, the whole
installation) for one period beside the period before. Who sees what follows the tree:
national admins everything, agency admins and supervisors their organization's subtree,
liaisons their unit's. `?org=` drills into any organization within that; anything else
is a 404, so the existence of other agencies' units is not confirmed. Every figure comes
from `aduan.analytics.metrics`; this module only chooses, labels and formats them.
"""

from __future__ import annotations

import datetime
import re
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aduan.analytics import charts, exports, metrics, snapshots
from aduan.analytics.formatting import (
    FIGURE_DEFINITIONS,
    FIGURE_NAMES,
    chart_month,
    number,
    rounded,
    signed,
)
from aduan.analytics.metrics import Period
from aduan.analytics.recap import can_request_recaps
from aduan.deadlines.models import STAFF_CLOCKS, Clock
from aduan.deadlines.reminders import can_remind
from aduan.lib import dates
from aduan.lib.replica import reads_from_replica
from aduan.organizations.access import STAFF_ROLES, Access, overseen_organizations
from aduan.organizations.models import Category, Membership, Organization, Region
from aduan.reports.models import Channel, Kind, Status
from aduan.workspace.guards import requires

Role = Membership.Role
TREND_MONTHS = 12
OVERDUE_SHOWN = 20
LONGEST_PERIOD_DAYS = 3 * 366
MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


def may_see_dashboards(access: Access) -> bool:
    """Admins, liaisons, supervisors, and auditors (figures only); citizens have none."""
    return access.has_role(*STAFF_ROLES, Role.AUDITOR)


def lists_reports(access: Access, org: Organization | None = None) -> bool:
    """Whether the dashboard of `org` (None: everything) may list reports (the overdue
    list and its export): only through a staff role over it. An auditor oversees the
    figures and reads only the reports handed over to its body, also when the same
    person administers the body itself."""
    if access.is_national_admin:
        return True
    if org is None:
        return False
    return any(own.contains(org) for own in access.orgs(*STAFF_ROLES))


def may_list_some_reports(access: Access) -> bool:
    return access.has_role(*STAFF_ROLES)


monev_required = requires(
    may_see_dashboards,
    gettext_lazy(
        "Dashboards are shown to admins, liaison officers, supervisors and oversight bodies."
    ),
)


# --- Whose figures, and when ----------------------------------------------------------


def dashboard_roots(access: Access) -> list[Organization] | None:
    """The organizations whose subtrees the user may look at; None for everything."""
    if access.is_national_admin:
        return None
    overseen = overseen_organizations(access)
    if overseen is None:
        return None
    roots = set(access.orgs(*STAFF_ROLES)) | set(overseen)
    return sorted(roots, key=lambda org: (org.depth, org.name))


def chosen_organization(request, access: Access) -> Organization | None:
    """The organization in ?org if the user may see it (404 otherwise); without ?org,
    the top of what the user may see (None: the whole installation)."""
    roots = dashboard_roots(access)
    if roots == []:
        raise Http404("No organization to show")
    raw = request.GET.get("org")
    if not raw:
        return None if roots is None else roots[0]
    try:
        org = Organization.objects.get(pk=int(raw))
    except (ValueError, Organization.DoesNotExist) as exc:
        raise Http404("No such organization") from exc
    if roots is not None and not any(root.contains(org) for root in roots):
        raise Http404("Not in your part of the tree")
    return org


class PeriodForm(forms.Form):
    """A month (YYYY-MM) or a custom range of days; empty means the last whole month.
    A period that begins after `today` is refused: it has no figures yet, and zeros
    would read as a month in which nothing was reported."""

    month = forms.CharField(label=gettext_lazy("Month"), required=False)
    start = dates.DateField(label=gettext_lazy("First day"), required=False)
    end = dates.DateField(label=gettext_lazy("Last day"), required=False)

    def __init__(self, *args, today: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_month(self) -> tuple[int, int] | None:
        raw = self.cleaned_data["month"].strip()
        if not raw:
            return None
        match = MONTH_PATTERN.match(raw)
        if not match or not 1 <= int(match[2]) <= 12:
            raise ValidationError(_("Enter a month as YYYY-MM."))
        if not dates.FIRST_YEAR <= int(match[1]) <= dates.LAST_YEAR:
            raise ValidationError(dates.outside_years_message())
        if (int(match[1]), int(match[2])) > (self.today.year, self.today.month):
            raise ValidationError(
                _("This month has not begun yet: choose %(month)s or an earlier month.")
                % {"month": f"{self.today:%Y-%m}"}
            )
        return int(match[1]), int(match[2])

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if self.has_error("start") or self.has_error("end"):
            return data  # the day's own error says what is wrong with it
        if bool(start) != bool(end):
            raise ValidationError(_("A custom period needs both a first and a last day."))
        if start and end:
            if start > end:
                raise ValidationError(_("The first day must not be after the last day."))
            if (end - start).days >= LONGEST_PERIOD_DAYS:
                raise ValidationError(_("A period may span at most three years."))
            if start > self.today:
                raise ValidationError(
                    _("This period has not begun yet: its first day is after today.")
                )
        return data

    @property
    def refused(self) -> bool:
        """Whether a period was asked for and is wrong: no figures answer it."""
        return self.is_bound and not self.is_valid()

    def period(self) -> Period:
        """The chosen period; the running month only up to today (so that it is compared
        with the same days of the month before); the last whole month, as the monthly
        recap, when none was asked for. Call only when the form is not `refused`."""
        if self.is_bound and self.is_valid():
            data = self.cleaned_data
            if data.get("start"):
                return Period(data["start"], data["end"])
            if data.get("month"):
                return month_up_to(*data["month"], self.today)
        return last_whole_month(self.today)


def last_whole_month(today: datetime.date) -> Period:
    before = today.replace(day=1) - datetime.timedelta(days=1)
    return Period.month(before.year, before.month)


def month_up_to(year: int, month: int, today: datetime.date) -> Period:
    """The month; for the running month, its days up to today."""
    whole = Period.month(year, month)
    if whole.start <= today < whole.end:
        return Period(whole.start, today)
    return whole


# --- Formatting -------------------------------------------------------------------------


# Rounded half up (`formatting.number`), as the recap PDF rounds.
_number = number


def show(value, unit: str) -> str:
    """A figure as the dashboard writes it, in the current language."""
    if value is None:
        return "—"
    if unit == "count":
        return _number(value, 0)
    if unit == "share":
        return _("%(value)s%%") % {"value": _number(value * 100)}
    if unit == "working_days":
        return _("%(value)s working days") % {"value": _number(value)}
    if unit == "hours":
        return _("%(value)s hours") % {"value": _number(value)}
    return _number(value)


def show_change(row: dict) -> str:
    """The change from the previous period: percentage points for shares, the relative
    change beside the difference for counts."""
    change, unit = row["change"], row["unit"]
    if change is None:
        return "—"
    if unit == "share":
        return _("%(value)s pp") % {"value": signed(change * 100)}
    if unit == "count":
        text = signed(change, 0)
        if row["previous"]:
            relative = signed(change / row["previous"] * 100)
            text += " (" + _("%(value)s%%") % {"value": relative} + ")"
        return text
    return ("+" if rounded(change) > 0 else "") + show(change, unit)


def _direction(change: float | None) -> str:
    if change is None:
        return ""
    return "up" if change > 0 else "down" if change < 0 else "same"


# --- The figures ------------------------------------------------------------------------

# (key in metrics.summary, label, unit, whether a higher value is better)
KEY_FIGURES = [
    ("received", FIGURE_NAMES["received"], "count", None),
    ("verified", FIGURE_NAMES["verified"], "count", None),
    # The counts behind the rates, as the recap gives them: a meeting asks "how many".
    ("followed_up", FIGURE_NAMES["followed_up"], "count", None),
    ("settled", FIGURE_NAMES["settled"], "count", None),
    ("closed", FIGURE_NAMES["closed"], "count", None),
    ("archived", FIGURE_NAMES["archived"], "count", None),
    ("open", FIGURE_NAMES["open"], "count", None),
    ("follow_up_rate", FIGURE_NAMES["follow_up_rate"], "share", True),
    ("completion_rate", FIGURE_NAMES["completion_rate"], "share", True),
    ("settled_rate", FIGURE_NAMES["settled_rate"], "share", True),
    (
        "median_verification_working_days",
        gettext_lazy("Median verification time (working days)"),
        "working_days",
        False,
    ),
    (
        "mean_verification_working_days",
        gettext_lazy("Mean verification time (working days)"),
        "working_days",
        False,
    ),
    ("median_verification_hours", gettext_lazy("Median verification time (hours)"), "hours", False),
    ("mean_verification_hours", gettext_lazy("Mean verification time (hours)"), "hours", False),
    (
        "median_first_response_working_days",
        gettext_lazy("Median first-response time (working days)"),
        "working_days",
        False,
    ),
    (
        "mean_first_response_working_days",
        gettext_lazy("Mean first-response time (working days)"),
        "working_days",
        False,
    ),
    (
        "median_first_response_hours",
        gettext_lazy("Median first-response time (hours)"),
        "hours",
        False,
    ),
    ("mean_first_response_hours", gettext_lazy("Mean first-response time (hours)"), "hours", False),
    ("reopen_rate", FIGURE_NAMES["reopen_rate"], "share", False),
    ("mean_rating", FIGURE_NAMES["mean_rating"], "rating", True),
    ("satisfied_share", FIGURE_NAMES["satisfied_share"], "share", True),
    ("recorded_verdict_share", FIGURE_NAMES["recorded_verdict_share"], "share", None),
]
# Figures that move while the period's reports are still being handled: an open report
# lowers the rates now and may lengthen the times later.
STILL_MOVING = {
    "follow_up_rate",
    "completion_rate",
    "settled_rate",
    "median_verification_working_days",
    "mean_verification_working_days",
    "median_verification_hours",
    "mean_verification_hours",
    "median_first_response_working_days",
    "mean_first_response_working_days",
    "median_first_response_hours",
    "mean_first_response_hours",
    "reopen_rate",
    "mean_rating",
    "satisfied_share",
    "recorded_verdict_share",
}
WITHIN_DEADLINE_LABELS = {
    Clock.VERIFICATION: gettext_lazy("Verified within the deadline"),
    Clock.FIRST_RESPONSE: gettext_lazy("First response within the deadline"),
    Clock.COMPLETION: gettext_lazy("Completed within the deadline"),
}


def _figure(key: str, label, unit: str, better, current, previous) -> dict:
    change = None if current is None or previous is None else current - previous
    row = {
        "key": key,
        "label": str(label),
        "unit": unit,
        "current": current,
        "previous": previous,
        "change": change,
        "direction": _direction(change),
    }
    if better is not None and change:
        row["verdict"] = "better" if (change > 0) == better else "worse"
    row["shown"] = show(current, unit)
    row["shown_previous"] = show(previous, unit)
    row["shown_change"] = show_change(row)
    return row


def key_figures(change: dict, overdue_count: int) -> list[dict]:
    """The key figures of the period beside the previous one; the overdue count is a
    snapshot of now, so it has no previous value."""
    current, previous = change["current"], change["previous"]
    rows = [
        _figure(key, label, unit, better, current[key], previous[key])
        for key, label, unit, better in KEY_FIGURES
    ]
    at = 5  # after the rates, before the durations
    for clock in STAFF_CLOCKS:
        rows.insert(
            at,
            _figure(
                f"within_deadline_{clock}",
                WITHIN_DEADLINE_LABELS[clock],
                "share",
                True,
                current["within_deadline"][clock]["share"],
                previous["within_deadline"][clock]["share"],
            ),
        )
        at += 1
    rows.append(_figure("overdue", _("Overdue now"), "count", False, overdue_count, None))
    if current["open"]:
        for row in rows:
            key = row["key"]
            row["still_moving"] = key in STILL_MOVING or key.startswith("within_deadline_")
    return rows


def _labelled(rows: list[tuple], labels: dict, missing: str) -> list[dict]:
    largest = max((count for _value, count in rows), default=0)
    return [
        {
            "value": value,
            "label": str(labels.get(value, value)) if value not in (None, "") else missing,
            "count": count,
            "width": round(100 * count / largest, 1) if largest else 0,
        }
        for value, count in rows
    ]


def breakdowns(by: dict[str, list[tuple]]) -> list[dict]:
    """Each breakdown of the period's reports (`metrics.breakdown` by field), with
    readable labels."""
    categories = Category.objects.in_bulk([v for v, _n in by["category_group"] if v])
    regions = Region.objects.filter(code__in=[v for v, _n in by["regency_code"] if v])
    sections = [
        ("status", _("By status"), dict(Status.choices), _("Unknown")),
        ("kind", _("By kind"), dict(Kind.choices), _("Unknown")),
        ("category_group", _("By category"), categories, _("No category")),
        ("channel", _("By channel"), dict(Channel.choices), _("Unknown")),
        ("regency_code", _("By region"), {r.code: r.name for r in regions}, _("No region")),
    ]
    return [
        {"field": field, "title": title, "rows": _labelled(by[field], labels, missing)}
        for field, title, labels, missing in sections
    ]


def _share_format(value: float) -> str:
    return _("%(value)s%%") % {"value": _number(value * 100, 0)}


def trend_charts(trend: list[dict]) -> list[charts.Chart]:
    """The four trend charts of the last months, each with its title."""
    labels = [chart_month(row["month"]) for row in trend]

    def points(key):
        return list(zip(labels, [row[key] for row in trend], strict=True))

    def days(value):
        return _number(value)

    def chart(draw, chart_id, key, title, name, fmt, **options):
        svg = draw(
            points(key),
            chart_id=chart_id,
            title=title,
            description=_describe(name, points(key), fmt),
            **options,
        )
        return charts.Chart(title=title, svg=svg)

    return [
        chart(
            charts.bar_chart, "trend-received", "received",
            _("Reports received per month"), _("Reports received"), str, whole=True,
        ),
        chart(
            charts.line_chart, "trend-follow-up", "follow_up_rate",
            _("Follow-up rate per month"), _("Follow-up rate"), _share_format,
            value_format=_share_format, top=1.0,
        ),
        chart(
            charts.line_chart, "trend-first-response", "median_first_response_working_days",
            _("Median first-response time per month, in working days"),
            _("Median first-response time"), days, value_format=days,
        ),
        chart(
            charts.line_chart, "trend-verification", "median_verification_working_days",
            _("Median verification time per month, in working days"),
            _("Median verification time"), days, value_format=days,
        ),
    ]  # fmt: skip


def _describe(what: str, points, fmt) -> str:
    """A sentence listing every value, for screen readers."""
    missing = _("no data")
    values = ", ".join(
        f"{label}: {fmt(value) if value is not None else missing}" for label, value in points
    )
    return f"{what} — {values}."


def league(table: dict, late: dict[str, int], access: Access) -> dict:
    """The fair league table of the organizations below the chosen one, with each one's
    overdue count (`late`, by path) and whether the user may remind it."""
    for row in table["ranked"] + table["unranked"]:
        child = row["organization"]
        row["overdue"] = late.get(child.path, 0)
        row["can_remind"] = row["overdue"] > 0 and can_remind(access, child)
        for key, unit in (
            ("follow_up_rate", "share"),
            ("first_response_in_time", "share"),
            ("median_first_response_working_days", "working_days"),
        ):
            row[f"shown_{key}"] = show(row[key], unit)
    return table


def collect(
    org: Organization | None, period: Period, access: Access, now: datetime.datetime
) -> dict:
    """Everything a dashboard and its export show, for `org`'s subtree and `period`,
    from the figures' snapshot (at most ADUAN_FIGURES_MAX_AGE_SECONDS old)."""
    data = snapshots.figures(org, period, now)
    return {
        "organization": org,
        "period": period,
        "previous_period": period.previous(),
        "now": now,
        "computed_at": data["computed_at"],
        "key_figures": key_figures(data["change"], data["overdue_count"]),
        "still_open": data["change"]["current"]["open"],
        "overdue_count": data["overdue_count"],
        "overdue": data["overdue"],
        "trend": data["trend"],
        "breakdowns": breakdowns(data["breakdowns"]),
        "league": league(data["league"], data["overdue_by_branch"], access),
        "agencies": data["agencies"],
    }


def _period_query(request, form: PeriodForm) -> str:
    """The query string that selects the same period, for links to other organizations."""
    if not (form.is_bound and form.is_valid()):
        return ""
    names = ("month", "start", "end")
    return urlencode({name: request.GET[name] for name in names if request.GET.get(name)})


def _scope_query(org: Organization | None, period_query: str) -> str:
    """The query string that selects the same organization and period."""
    parts = [f"org={org.pk}"] if org is not None else []
    return "&".join(parts + ([period_query] if period_query else []))


def _trail(org: Organization | None, access: Access) -> list[Organization]:
    """The organizations above `org` that the user may also look at, top first."""
    if org is None:
        return []
    roots = dashboard_roots(access)
    above = [a for a in org.ancestors().order_by("path") if a.pk != org.pk]
    if roots is None:
        return above
    return [a for a in above if any(root.contains(a) for root in roots)]


def _scope(request) -> tuple[Access, Organization | None, PeriodForm]:
    access = Access.of(request.user)
    org = chosen_organization(request, access)
    form = PeriodForm(
        request.GET if _asks_for_period(request) else None, today=timezone.localdate()
    )
    return access, org, form


def _asks_for_period(request) -> bool:
    return any(request.GET.get(name) for name in ("month", "start", "end"))


# --- Views ------------------------------------------------------------------------------


@monev_required
@reads_from_replica
def dashboard(request):
    access, org, form = _scope(request)
    if form.refused:
        return _refused_period(request, access, org, form)
    period = form.period()
    now = timezone.now()
    data = collect(org, period, access, now)
    shows_reports = lists_reports(access, org)
    overdue = list(data["overdue"][:OVERDUE_SHOWN]) if shows_reports else []
    period_query = _period_query(request, form)
    agencies = data["agencies"]
    if agencies is not None:
        agencies["shown_connected_share"] = show(agencies["connected_share"], "share")
        agencies["shown_active_share"] = show(agencies["active_share"], "share")
    context = {
        **data,
        "form": form,
        "overdue": overdue,
        "shows_reports": shows_reports,
        # Oversight bodies get the recap's figures-only edition (recap.figures_only_for).
        "offers_recap": can_request_recaps(access),
        "recap_query": urlencode({"org": org.pk if org else "", "month": f"{period.start:%Y-%m}"}),
        "charts": trend_charts(data["trend"]),
        "trail": _trail(org, access),
        "period_query": period_query,
        "scope_query": _scope_query(org, period_query),
        "league_window": settings.ADUAN_LEAGUE_WINDOW_DAYS,
        "league_until": timezone.localtime(snapshots.league_moment(period, now)),
        "league_minimum": settings.ADUAN_LEAGUE_MIN_REPORTS,
        "active_days": settings.ADUAN_ACTIVE_AGENCY_DAYS,
        "definitions": FIGURE_DEFINITIONS,
        **_period_kind(period, timezone.localdate()),
    }
    return render(request, "analytics/dashboard.html", context)


def _refused_period(request, access: Access, org: Organization | None, form: PeriodForm):
    """The page with the period's error beside the fields as typed, and no figures: those
    of another period would read as the answer."""
    context = {
        "organization": org,
        "form": form,
        "refused": True,
        "trail": _trail(org, access),
        "month_value": form["month"].value() or "",
        "start_value": form["start"].value() or "",
        "end_value": form["end"].value() or "",
        "this_month": f"{form.today:%Y-%m}",
    }
    return render(request, "analytics/dashboard.html", context, status=400)


def _period_kind(period: Period, today: datetime.date) -> dict:
    """What the page says about its period: the default (the last whole month), a month,
    the running month so far, or a custom range; and the running month's value for the
    "this month so far" link."""
    whole = Period.month(period.start.year, period.start.month)
    so_far = period.start == whole.start and period.end == today < whole.end
    if period == last_whole_month(today):
        kind = "default"
    elif period == whole:
        kind = "month"
    else:
        kind = "so_far" if so_far else "custom"
    custom = kind == "custom"
    return {
        "period_kind": kind,
        "month_value": f"{period.start:%Y-%m}",
        "start_value": f"{period.start:%Y-%m-%d}" if custom else "",
        "end_value": f"{period.end:%Y-%m-%d}" if custom else "",
        "this_month": f"{today:%Y-%m}",
    }


@monev_required
@reads_from_replica
def dashboard_export(request, fmt: str):
    """The figures of the dashboard with the same ?org and period, as CSV or XLSX; a
    period the page would refuse is refused here too (400), not answered with another."""
    access, org, form = _scope(request)
    if form.refused:
        errors = [str(e) for errors in form.errors.values() for e in errors]
        return HttpResponseBadRequest(" ".join(errors), content_type="text/plain; charset=utf-8")
    period = form.period()
    data = collect(org, period, access, timezone.now())
    tables = exports.dashboard_tables(data)
    return exports.respond(tables, fmt, exports.filename("monev", org, period, fmt))


@requires(
    may_list_some_reports,
    gettext_lazy("Lists of reports are shown to admins, liaison officers and supervisors."),
)
@reads_from_replica
def overdue_export(request, fmt: str):
    """Every overdue report of the organization's subtree, oldest deadline first."""
    access, org, _form = _scope(request)
    if not lists_reports(access, org):
        raise PermissionDenied(
            _("Lists of reports are shown to admins, liaison officers and supervisors.")
        )
    reports = metrics.overdue(org, timezone.now()).select_related("category")
    tables = [exports.overdue_table(reports)]
    return exports.respond(tables, fmt, exports.filename("terlambat", org, None, fmt))
