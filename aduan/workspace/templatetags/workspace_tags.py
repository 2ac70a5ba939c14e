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


@register.filter
def sees_monitoring(access: Access) -> bool:
    """{% if access|sees_monitoring %}: may open the dashboards (auditors included)."""
    from aduan.analytics.views import may_see_dashboards

    return isinstance(access, Access) and may_see_dashboards(access)


@register.filter
def sees_recaps(access: Access) -> bool:
    """{% if access|sees_recaps %}: may ask for monthly recaps (auditors: figures only)."""
    from aduan.analytics.recap import can_request_recaps

    return isinstance(access, Access) and can_request_recaps(access)


@register.filter
def handles_reports(access: Access) -> bool:
    """{% if access|handles_reports %}: works on reports (not an oversight body only)."""
    from aduan.organizations.access import STAFF_ROLES

    return isinstance(access, Access) and access.has_role(*STAFF_ROLES)
