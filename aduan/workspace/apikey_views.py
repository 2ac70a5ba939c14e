"""API keys of organizations: admins create, rotate and revoke them.

National admins manage keys of every organization, agency admins those of the subtrees
they administer; everyone else gets 403. A key's full secret is shown once, on the page
that answers its creation or rotation, and is stored only as a hash.
"""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from aduan.api.auth import forget_keys
from aduan.api.models import ApiKey, Scope
from aduan.organizations.access import Access
from aduan.workspace import queries
from aduan.workspace.forms import IndentedOrganizationField
from aduan.workspace.guards import requires

key_admin_required = requires(
    lambda access: access.is_admin, gettext_lazy("Only admins manage API keys.")
)


class ApiKeyForm(forms.Form):
    organization = IndentedOrganizationField(queryset=None, label=gettext_lazy("Organization"))
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("Which system uses the key, e.g. “SIPADU Kabupaten”."),
    )
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("Permissions"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    expires_on = forms.DateField(
        label=gettext_lazy("Valid until (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, access: Access, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = access.dispatch_targets()

    def clean_expires_on(self):
        day = self.cleaned_data["expires_on"]
        if day and day < timezone.localdate():
            raise forms.ValidationError(_("Choose today or a later day."))
        return day

    def expires_at(self) -> datetime.datetime | None:
        day = self.cleaned_data["expires_on"]
        if day is None:
            return None
        # Valid through the whole chosen day.
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))


def managed_keys(access: Access):
    keys = ApiKey.objects.select_related("organization", "created_by")
    return queries.administered_by(keys, access)


@key_admin_required
def apikeys(request):
    access = Access.of(request.user)
    form = ApiKeyForm(access=access)
    return _list(request, access, form)


def _list(request, access: Access, form: ApiKeyForm, status: int = 200):
    keys = managed_keys(access).order_by("revoked_at", "organization__name", "-created_at")
    return render(request, "workspace/apikeys.html", {"keys": keys, "form": form}, status=status)


@never_cache
@require_POST
@key_admin_required
def apikey_create(request):
    access = Access.of(request.user)
    form = ApiKeyForm(request.POST, access=access)
    if not form.is_valid():
        return _list(request, access, form, status=400)
    key, secret = ApiKey.issue(
        organization=form.cleaned_data["organization"],
        name=form.cleaned_data["name"],
        scopes=form.cleaned_data["scopes"],
        created_by=request.user,
        expires_at=form.expires_at(),
    )
    return _show_secret(request, key, secret)


def _show_secret(request, key: ApiKey, secret: str):
    context = {"key": key, "secret": secret}
    return render(request, "workspace/apikeys_secret.html", context)


@never_cache
@require_POST
@key_admin_required
def apikey_rotate(request, pk: int):
    access = Access.of(request.user)
    with transaction.atomic():
        old = get_object_or_404(managed_keys(access).select_for_update(of=("self",)), pk=pk)
        if old.is_revoked:
            messages.error(request, _("This key was revoked; create a new one instead."))
            return redirect("workspace:apikeys")
        key, secret = ApiKey.issue(
            organization=old.organization,
            name=old.name,
            scopes=old.scopes,
            created_by=request.user,
            expires_at=old.expires_at,
        )
        ApiKey.objects.filter(pk=old.pk).update(revoked_at=timezone.now(), replaced_by=key)
    forget_keys()  # this process refuses the old key at once; others within seconds
    return _show_secret(request, key, secret)


@require_POST
@key_admin_required
def apikey_revoke(request, pk: int):
    key = get_object_or_404(managed_keys(Access.of(request.user)), pk=pk)
    revoked = ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if revoked:
        forget_keys()  # this process refuses it at once; others within seconds
        messages.success(request, _("The key was revoked; systems using it are refused now."))
    return redirect("workspace:apikeys")
