"""Webhooks of organizations: admins add endpoints, read the delivery log, send again.

National admins manage the endpoints of every organization, agency admins those of the
subtrees they administer; everyone else gets 403, and an endpoint outside one's reach is
404. The signing secret is shown when the endpoint is made or its secret renewed; the
receiver needs it to check our signatures.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from aduan.lib.leasing import State
from aduan.organizations.access import Access
from aduan.webhooks import outbound
from aduan.webhooks.models import EventType, WebhookEndpoint, new_signing_secret
from aduan.workspace import queries
from aduan.workspace.forms import IndentedOrganizationField
from aduan.workspace.guards import requires

PAGE_SIZE = 50

webhook_admin_required = requires(
    lambda access: access.is_admin, gettext_lazy("Only admins manage webhooks.")
)


class EndpointForm(forms.Form):
    organization = IndentedOrganizationField(queryset=None, label=gettext_lazy("Organization"))
    url = forms.URLField(
        label=gettext_lazy("URL"),
        max_length=500,
        assume_scheme="https",
        help_text=gettext_lazy("Where the connected system receives the calls (https)."),
    )
    description = forms.CharField(
        label=gettext_lazy("Description"),
        max_length=150,
        help_text=gettext_lazy("Which system receives them, e.g. “SIPADU Kabupaten”."),
    )
    event_types = forms.MultipleChoiceField(
        label=gettext_lazy("Events"),
        choices=EventType.choices,
        initial=EventType.values,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, access: Access, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = access.dispatch_targets()

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if urlsplit(url).scheme != "https" and not settings.ADUAN_WEBHOOKS_ALLOW_HTTP:
            raise forms.ValidationError(
                _("Use an https address: the calls carry reports and must be encrypted.")
            )
        if _local_host(urlsplit(url).hostname or "") and not settings.ADUAN_WEBHOOKS_ALLOW_PRIVATE:
            # Names are checked again at each call, where they resolve then.
            raise forms.ValidationError(
                _(
                    "Use the address of a server on the internet: this server does not "
                    "call its own or private network addresses."
                )
            )
        return url


def _local_host(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return not ipaddress.ip_address(host).is_global
    except ValueError:
        return False


def managed_endpoints(access: Access):
    endpoints = WebhookEndpoint.objects.select_related("organization")
    return queries.administered_by(endpoints, access)


@webhook_admin_required
def webhooks(request):
    access = Access.of(request.user)
    return _list(request, access, EndpointForm(access=access))


def _list(request, access: Access, form: EndpointForm, status: int = 200):
    endpoints = managed_endpoints(access).order_by("-is_active", "organization__name", "url")
    context = {"endpoints": endpoints, "form": form}
    return render(request, "workspace/webhooks.html", context, status=status)


@never_cache
@require_POST
@webhook_admin_required
def webhook_create(request):
    access = Access.of(request.user)
    form = EndpointForm(request.POST, access=access)
    if not form.is_valid():
        return _list(request, access, form, status=400)
    endpoint = WebhookEndpoint.objects.create(
        organization=form.cleaned_data["organization"],
        url=form.cleaned_data["url"],
        description=form.cleaned_data["description"],
        event_types=sorted(form.cleaned_data["event_types"]),
        created_by=request.user,
    )
    return render(request, "workspace/webhook_secret.html", {"endpoint": endpoint})


@webhook_admin_required
def webhook_log(request, pk: int):
    endpoint = get_object_or_404(managed_endpoints(Access.of(request.user)), pk=pk)
    rows = endpoint.deliveries.select_related("event__report").order_by("-created_at", "-id")
    state = request.GET.get("state")
    if state in State.values:
        rows = rows.filter(state=state)
    page = queries.paginate(rows, request.GET.get("page"), PAGE_SIZE)
    context = {"endpoint": endpoint, "page": page, "states": State.choices, "state": state}
    return render(request, "workspace/webhook_log.html", context)


@never_cache
@require_POST
@webhook_admin_required
def webhook_renew_secret(request, pk: int):
    access = Access.of(request.user)
    with transaction.atomic():
        endpoint = get_object_or_404(
            managed_endpoints(access).select_for_update(of=("self",)), pk=pk
        )
        endpoint.secret = new_signing_secret()
        endpoint.save(update_fields=["secret"])
    return render(request, "workspace/webhook_secret.html", {"endpoint": endpoint})


@require_POST
@webhook_admin_required
def webhook_toggle(request, pk: int):
    endpoint = get_object_or_404(managed_endpoints(Access.of(request.user)), pk=pk)
    endpoint.is_active = not endpoint.is_active
    endpoint.save(update_fields=["is_active"])
    if endpoint.is_active:
        # Calls that waited while it was paused go out now, oldest first.
        outbound.sweep()
        messages.success(request, _("The webhook is active again."))
    else:
        messages.success(request, _("The webhook is paused; calls wait until it is resumed."))
    return redirect("workspace:webhooks")


@require_POST
@webhook_admin_required
def webhook_retry(request, pk: int):
    endpoint = get_object_or_404(managed_endpoints(Access.of(request.user)), pk=pk)
    wanted = queries.posted_ids(request)
    # The chosen calls, or else every failed one.
    chosen = {"pk__in": wanted} if wanted else {"state": State.FAILED}
    count = outbound.retry(endpoint.deliveries.filter(**chosen))
    messages.success(
        request,
        ngettext("%(count)d call will be made again.", "%(count)d calls will be made again.", count)
        % {"count": count},
    )
    return redirect("workspace:webhook_log", pk=endpoint.pk)
