"""The installation's own name in templates.

A tag rather than a context processor: the 500 page is rendered without the request's
context, and must still name the service the visitor was using."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def site_name() -> str:
    """{% site_name %}, or {% site_name as site %} for a {% blocktranslate %}: the
    service's name as the installation calls itself (`SITE_NAME`). Reads the setting
    alone: safe on an error page, with the database down."""
    return settings.SITE_NAME
