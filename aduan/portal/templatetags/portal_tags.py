"""Template helpers of the public pages."""

from django import template

from aduan.reports.privacy import public_message, public_text

register = template.Library()


@register.filter
def mask(text: str, report=None) -> str:
    """Personal data masked, for text shown on a public surface; `text|mask:report` also
    masks the name of that report's reporter (load it with the report: PUBLIC_RELATED)."""
    return public_text(text, report or None)


@register.filter
def figure(value, unit: str) -> str:
    """{{ value|figure:"share" }}: a monitoring figure written as the dashboards write it
    (count, share, working_days, hours); "—" when there is nothing to measure."""
    from aduan.analytics.views import show

    return show(value, unit)


@register.simple_tag
def figure_name(key: str) -> str:
    """{% figure_name "completion_rate" %}: the figure's name as the dashboard, its exports
    and the recap give it (`analytics.formatting.FIGURE_NAMES`)."""
    from aduan.analytics.formatting import FIGURE_NAMES

    return FIGURE_NAMES[key]


@register.filter
def mask_message(event, report=None) -> str:
    """A timeline entry's message masked for the public (`event|mask_message:report`):
    an organization's own office landline stays (`aduan.reports.privacy.public_message`)."""
    return public_message(event, report or None)
