"""The failed-deliveries page: messages that did not go out, and a button to send again.

National admins see every message; agency admins those about organizations in the
subtrees they administer; everyone else gets 403. Message texts are never loaded here:
they can hold a guest reporter's secret link, or a confirmation code (which is never
sent again from here: it expires in minutes). Addresses are shown masked.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from aduan.lib.paging import page_number
from aduan.notifications import delivery
from aduan.notifications.models import Notification
from aduan.organizations.access import Access
from aduan.workspace import queries
from aduan.workspace.guards import requires

PAGE_SIZE = 50
# Everything the page shows; the texts (subject, body, short, link) stay in the database.
LISTED_FIELDS = (
    "kind",
    "medium",
    "address",
    "state",
    "attempts",
    "last_error",
    "created_at",
    "next_attempt_at",
    "organization__name",
)


delivery_admin_required = requires(
    lambda access: access.is_admin, gettext_lazy("Only admins see failed deliveries.")
)


def visible_deliveries(access: Access) -> QuerySet[Notification]:
    """Messages needing attention that this admin may see and send again."""
    return queries.administered_by(delivery.needing_attention(), access)


def mask_address(address: str) -> str:
    """Enough of an address to recognise it, not enough to use it:
    +62812****789, b***@example.id."""
    if "@" in address:
        local, _at, domain = address.rpartition("@")
        return f"{local[:1]}***@{domain}"
    if len(address) >= 10:
        return f"{address[:6]}****{address[-3:]}"
    return "*" * len(address)


@delivery_admin_required
def deliveries(request):
    access = Access.of(request.user)
    rows = visible_deliveries(access).select_related("organization", "report")
    rows = rows.only(*LISTED_FIELDS, "report__is_anonymous")
    page = queries.paginate(rows, request.GET.get("page"), PAGE_SIZE)
    for row in page.rows:
        # Not even part of an address when the report is anonymous: with the kind and
        # the time it would point at the reporter.
        anonymous = row.report_id is not None and row.report.is_anonymous
        row.masked_address = _("(anonymous report)") if anonymous else mask_address(row.address)
    context = {"page": page, "shown_ids": [row.pk for row in page.rows]}
    return render(request, "workspace/deliveries.html", context)


@require_POST
@delivery_admin_required
def delivery_retry(request, pk: int):
    row = get_object_or_404(visible_deliveries(Access.of(request.user)), pk=pk)
    if row.is_secret:
        messages.info(
            request, _("A confirmation code is not sent again: its holder asks for a new one.")
        )
    elif delivery.retry(row):
        messages.success(request, _("The message will be sent again."))
    else:
        messages.info(request, _("This message is being sent right now."))
    return _back(request)


@require_POST
@delivery_admin_required
def delivery_retry_all(request):
    wanted = queries.posted_ids(request)
    visible = visible_deliveries(Access.of(request.user)).filter(pk__in=wanted)
    count = delivery.retry_all(visible.values_list("pk", flat=True))
    messages.success(
        request,
        ngettext(
            "%(count)d message will be sent again.",
            "%(count)d messages will be sent again.",
            count,
        )
        % {"count": count},
    )
    return _back(request)


def _back(request):
    page = page_number(request.POST.get("page"))
    url = reverse("workspace:deliveries")
    return redirect(f"{url}?page={page}" if page > 1 else url)
