"""Countdowns in templates: `{% load deadlines %}{% countdown report %}`.

The calendar and the current time are fetched once per request (the calendar costs a
query), so a list shows a countdown on every row at no extra cost per row.
"""

from __future__ import annotations

from django import template
from django.utils import formats, timezone
from django.utils.html import format_html

from aduan.deadlines import calendar
from aduan.deadlines.clocks import time_zone_of
from aduan.deadlines.models import REPORTER_CLOCKS, Deadline
from aduan.deadlines.presenters import (
    Countdown,
    DeadlineRow,
    reporter_rows,
    shown_due,
    staff_clock_label,
    staff_rows,
)
from aduan.deadlines.presenters import countdown as count_down
from aduan.deadlines.reminders import may_see_overdue
from aduan.organizations.access import Access

register = template.Library()

_CACHE_ATTRIBUTE = "_aduan_deadline_clock"


@register.simple_tag(takes_context=True)
def countdown(context, obj, show_due: bool = False) -> str:
    """A small labelled span saying how long is left: for a report (its nearest deadline),
    a running `Deadline`, or a row from `report_deadlines`. Empty when nothing runs.
    `show_due=True` writes the due time beside it, for lists that show it nowhere else
    (a tooltip alone is out of reach of the keyboard, touch and magnifier users)."""
    if isinstance(obj, DeadlineRow):
        if obj.countdown is None:
            return ""
        return _badge(obj.countdown, obj.due_at, obj.time_zone, show_due)
    due_at = getattr(obj, "due_at", None)
    if due_at is None or (isinstance(obj, Deadline) and not obj.is_running):
        return ""
    clock = obj.clock if isinstance(obj, Deadline) else getattr(obj, "due_clock", "")
    cal, now = _request_clock(context)
    tz = time_zone_of(obj)
    return _badge(count_down(due_at, clock, now, tz, cal=cal), due_at, tz, show_due)


def _badge(result: Countdown, due_at, tz: str, show_due: bool = False) -> str:
    local = timezone.localtime(due_at, calendar.zone(tz))
    due = formats.date_format(shown_due(due_at, tz), "SHORT_DATETIME_FORMAT")
    badge = format_html(
        '<span class="badge countdown countdown--{}" data-countdown="{}" title="{}">{}</span>',
        result.state,
        result.state,
        due,
        result.text,
    )
    if not show_due:
        return badge
    return format_html(
        '{} <time class="hint countdown-due" datetime="{}">{}</time>',
        badge,
        local.isoformat(),
        due,
    )


@register.simple_tag(takes_context=True)
def report_deadlines(context, report, audience: str = "staff") -> list:
    """The report's clocks for `audience` ("staff": all, running and stopped; "reporter":
    what the reporter may see). One query."""
    deadlines = list(
        Deadline.objects.filter(report=report).select_related("organization").order_by("id")
    )
    cal, now = _request_clock(context)
    if audience == "reporter":
        return reporter_rows(deadlines, now=now, cal=cal)
    return staff_rows(deadlines, now=now, cal=cal)


def _request_clock(context):
    """The calendar and "now" shared by every countdown of one request."""
    request = context.get("request")
    if request is not None:
        cached = getattr(request, _CACHE_ATTRIBUTE, None)
        if cached is None:
            cached = (calendar.current(), timezone.now())
            setattr(request, _CACHE_ATTRIBUTE, cached)
        return cached
    cached = context.render_context.get(_CACHE_ATTRIBUTE)
    if cached is None:
        cached = (calendar.current(), timezone.now())
        context.render_context[_CACHE_ATTRIBUTE] = cached
    return cached


@register.filter
def sees_overdue(access) -> bool:
    """{% if access|sees_overdue %}: may open the overdue list."""
    return isinstance(access, Access) and may_see_overdue(access)


@register.filter
def is_reporter_clock(clock: str) -> bool:
    """True for the clocks that wait on the reporter rather than on the government."""
    return clock in REPORTER_CLOCKS


@register.filter(name="staff_clock_label")
def staff_clock_label_filter(clock: str) -> str:
    """The organization's clock as a reporter reads it ("Being verified", "Being handled")."""
    return staff_clock_label(clock)


@register.filter
def as_shown_due(value):
    """A deadline that ends with a working day is the midnight after it; shown as that
    day's last minute ("25 Jul 23.59"), not as the start of the next day, often a day
    off ("26 Jul 00.00"). For showing only: keep the value itself in machine attributes."""
    if value is None:
        return value
    return shown_due(value, timezone.get_current_timezone_name())
