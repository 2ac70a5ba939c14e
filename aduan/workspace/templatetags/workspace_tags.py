"""Template helpers for the back office."""

from django import template

from aduan.organizations.access import Access
from aduan.workspace import queries

register = template.Library()


@register.filter
def can_enter_reports(access: Access) -> bool:
    """{% if access|can_enter_reports %}: may use the manual entry form."""
    return isinstance(access, Access) and queries.can_enter_reports(access)


@register.filter
def urgency_label(flag: str) -> str:
    """ "flood" → "Banjir" (see aduan.triage.hints.urgency_labels)."""
    from aduan.triage.hints import urgency_labels

    return urgency_labels().get(flag, flag)


@register.filter
def explain_failure(error: str) -> str:
    """{{ row.last_error|explain_failure }}: the cause in plain words (aduan.lib.failures)."""
    from aduan.lib.failures import explain

    return explain(error or "")
