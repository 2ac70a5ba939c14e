"""Template helpers of the public pages."""

from django import template

from aduan.reports.privacy import public_text

register = template.Library()


@register.filter
def mask(text: str, report=None) -> str:
    """Personal data masked, for text shown on a public surface; `text|mask:report` also
    masks the name of that report's reporter (load it with the report: PUBLIC_RELATED)."""
    return public_text(text, report or None)
