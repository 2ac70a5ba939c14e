"""The back office's message texts: the wording of every notification, and an
organization's own wording of any of them.

National admins may word messages for any organization, agency admins for the
organizations they administer; an organization's wording applies to every unit below it
unless a unit has its own. Signed-out visitors are sent to sign in, users holding no
admin role get 403, and an organization outside the user's reach is a 404.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages as flash
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aduan.notifications import messages
from aduan.notifications.models import Kind, MessageTemplate
from aduan.organizations.access import ADMIN_ROLES, Access
from aduan.organizations.models import Organization
from aduan.workspace.guards import requires
from aduan.workspace.organization_views import administered_tree, get_administered_organization

PARTS = ("subject", "body", "short")


admin_required = requires(
    lambda access: access.is_admin, gettext_lazy("Only admins change the wording of messages.")
)


class MessageTextForm(forms.ModelForm):
    """An organization's wording of one message; an empty part keeps the built-in text."""

    class Meta:
        model = MessageTemplate
        fields = PARTS
        widgets = {
            "body": forms.Textarea(attrs={"rows": 16}),
            "short": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "short": gettext_lazy(
                "Keep it within 160 characters with the tracking code and the link."
            ),
        }

    def _checked(self, name: str) -> str:
        text = self.cleaned_data.get(name, "")
        error = messages.check_template(text)
        if error:
            raise forms.ValidationError(
                _("This text cannot be used: %(error)s"), params={"error": error}
            )
        return text

    def clean_subject(self) -> str:
        return self._checked("subject")

    def clean_body(self) -> str:
        return self._checked("body")

    def clean_short(self) -> str:
        return self._checked("short")


def _languages() -> dict[str, str]:
    return {code: str(name) for code, name in settings.LANGUAGES if code in messages.LANGUAGES}


def _chosen_organization(request, tree: list[Organization]) -> Organization:
    """The organization picked in the list (?org=), else the admin's own."""
    by_pk = {str(org.pk): org for org in tree}
    picked = by_pk.get(request.GET.get("org", ""))
    if picked is not None:
        return picked
    own = sorted(Access.of(request.user).orgs(*ADMIN_ROLES), key=lambda org: org.depth)
    for org in own:
        if str(org.pk) in by_pk:
            return by_pk[str(org.pk)]
    if not tree:
        raise Http404("No organization to word messages for")
    return tree[0]


def _overrides_by_kind(org: Organization) -> dict[tuple[str, str], MessageTemplate]:
    """For each (kind, language), the wording `org` uses: its own or its nearest ancestor's."""
    prefixes = [org.path[:end] for end in range(6, len(org.path) + 1, 6)]
    rows = MessageTemplate.objects.filter(organization__path__in=prefixes).select_related(
        "organization", "updated_by"
    )
    found: dict[tuple[str, str], MessageTemplate] = {}
    for row in sorted(rows, key=lambda row: len(row.organization.path)):
        found[(row.kind, row.language)] = row
    return found


@admin_required
def message_list(request):
    tree = list(administered_tree(Access.of(request.user)).filter(is_active=True))
    org = _chosen_organization(request, tree)
    overrides = _overrides_by_kind(org)
    languages = _languages()
    rows = []
    for kind in Kind:
        cells = []
        for language in languages:
            sample = messages.sample_context(kind, language, org)
            built_in = messages.render_with(kind, language, sample, organization=org)
            override = overrides.get((kind.value, language))
            cells.append(
                {
                    "language": language,
                    "subject": built_in.subject,
                    "override": override,
                    "own": override is not None and override.organization_id == org.pk,
                    "url": reverse("workspace:message_edit", args=[org.pk, kind.value, language]),
                }
            )
        rows.append(
            {
                "kind": kind,
                "for_reporter": kind in messages.REPORTER_KINDS,
                "cells": cells,
            }
        )
    top = min((o.depth for o in tree), default=1)
    for option in tree:
        option.indent_marker = "\u00a0\u00a0\u00a0" * (option.depth - top)
    # Not "organization": the message templates rendered for the page use that name.
    context = {"org": org, "tree": tree, "rows": rows, "languages": languages}
    return render(request, "workspace/messages.html", context)


@admin_required
def message_edit(request, org_pk: int, kind: str, language: str):
    org = get_administered_organization(request, org_pk)
    if kind not in Kind.values or language not in messages.LANGUAGES:
        raise Http404("No such message")
    own = MessageTemplate.objects.filter(organization=org, kind=kind, language=language).first()
    list_url = f"{reverse('workspace:messages')}?org={org.pk}"
    action = request.POST.get("action", "save")
    if request.method == "POST" and action == "reset":
        if own is not None:
            own.delete()
        flash.success(request, _("The built-in wording is used again."))
        return redirect(list_url)
    instance = own or MessageTemplate(organization=org, kind=kind, language=language)
    form = MessageTextForm(request.POST or None, instance=instance)
    sample = messages.sample_context(kind, language, org)
    status = 200
    preview = None
    if request.method == "POST":
        if not form.is_valid():
            status = 400
        elif action == "preview":
            # The form put the typed text on the (unsaved) instance.
            preview = messages.render_with(
                kind, language, sample, override=form.instance, organization=org
            )
        else:
            _save(request, org, kind, language, form.cleaned_data)
            return redirect(list_url)
    else:
        current = own or messages.override_for(kind, language, org)
        preview = messages.render_with(kind, language, sample, override=current, organization=org)
    together = None
    if preview is not None and kind == Kind.NEW_IN_INBOX:
        # Reports dispatched together make one message naming them all: a part of the
        # wording that does not name the others gives way to the built-in one there.
        override = form.instance if action == "preview" else current
        together = messages.render_with(
            kind, language, messages.with_others(sample), override=override, organization=org
        )
    inherited = messages.override_for(kind, language, org.parent) if org.parent_id else None
    built_in = messages.built_in_source(kind, language)
    context = {
        "org": org,
        "kind": Kind(kind),
        "language": language,
        "language_name": _languages()[language],
        "form": form,
        "fields": [(form[name], getattr(built_in, name)) for name in PARTS],
        "own": own,
        "inherited": inherited,
        "preview": preview,
        "together": together,
        "is_preview": action == "preview" and preview is not None,
        "short_limit": messages.SHORT_LIMIT,
        "variables": [
            (name, messages.VARIABLES[name])
            for name in (*messages.KIND_VARIABLES[kind], *messages.COMMON_VARIABLES)
        ],
        "list_url": list_url,
    }
    return render(request, "workspace/messages_edit.html", context, status=status)


def _save(request, org: Organization, kind: str, language: str, parts: dict) -> None:
    if not any(parts[name].strip() for name in PARTS):
        MessageTemplate.objects.filter(organization=org, kind=kind, language=language).delete()
        flash.success(request, _("The built-in wording is used again."))
        return
    MessageTemplate.objects.update_or_create(
        organization=org,
        kind=kind,
        language=language,
        defaults={
            **{name: parts[name] for name in PARTS},
            "updated_by": request.user,
            "updated_at": timezone.now(),
        },
    )
    flash.success(
        request,
        _("The wording of “%(message)s” for %(organization)s is saved.")
        % {"message": Kind(kind).label, "organization": org.name},
    )
