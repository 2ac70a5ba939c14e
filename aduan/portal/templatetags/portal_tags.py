"""Template helpers of the public pages."""

from django import template

from aduan.lib.masking import mask_personal_data

register = template.Library()


@register.filter
def mask(text: str) -> str:
    """Personal data masked, for text shown on a public surface."""
    return mask_personal_data(text or "")
