"""Back-office pages of the monthly recap PDF: ask for one, watch it being built, download it.

Who may ask: national admins (any organization and the national recap), agency admins
and supervisors (their subtree), liaisons (their unit); oversight bodies (auditors) the
figures-only edition for the organizations their dashboard shows. A job's page and file
are shown to whoever may ask for a full recap of the job's organization, so colleagues
can share one, and a figures-only job also to the auditors who oversee it; anyone else
gets 404, which hides that the job exists.
"""

from __future__ import annotations

import datetime

from django import forms
from django.conf import settings
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import formats, timezone, translation
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from aduan.analytics.models import RecapJob
from aduan.analytics.recap import (
    RECAP_ROLES,
    can_request_recaps,
    figures_only_for,
    may_open,
    month_label,
    organizations_under,
    recap_roots,
    start_recap,
)
from aduan.organizations.access import Access
from aduan.workspace.guards import requires

MONTHS_OFFERED = 24
RECENT_JOBS = 10
REFRESH_SECONDS = 2

recap_required = requires(
    can_request_recaps,
    gettext_lazy("Monthly recaps are for admins, supervisors, liaisons and oversight bodies."),
)


def _months(today: datetime.date) -> list[datetime.date]:
    first = today.replace(day=1)
    months = [first]
    while len(months) < MONTHS_OFFERED:
        months.append((months[-1] - datetime.timedelta(days=1)).replace(day=1))
    return months


class OrganizationChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        # Indented by depth so the tree reads in a plain <select>.
        return "\u2003" * max(0, obj.depth - 1) + obj.name


class RecapForm(forms.Form):
    organization = OrganizationChoice(queryset=None, label=gettext_lazy("Organization"))
    month = forms.TypedChoiceField(label=gettext_lazy("Month"), coerce=datetime.date.fromisoformat)
    language = forms.ChoiceField(label=gettext_lazy("Language of the recap"))

    def __init__(self, *args, access: Access, asked: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        self.roots = roots = recap_roots(access)
        field.queryset = organizations_under(roots)
        if roots is None:
            # The empty choice is the national recap, for national admins and the
            # oversight bodies that watch every agency (figures only).
            field.required = False
            field.empty_label = gettext_lazy("National (all agencies)")
        else:
            # Everyone else must name an organization: no empty choice that could only
            # answer "This field is required", and the highest of theirs chosen already.
            field.empty_label = None
            field.initial = min(roots, key=lambda org: (org.depth, org.name)).pk if roots else None
        months = _months(timezone.localdate())
        self.fields["month"].choices = [(m.isoformat(), month_label(m)) for m in months]
        # The last whole month is the one evaluation meetings discuss.
        self.fields["month"].initial = months[1].isoformat()
        self.fields["language"].choices = settings.LANGUAGES
        self.fields["language"].initial = translation.get_language()
        self._preselect(asked or {})

    def _preselect(self, asked: dict) -> None:
        """The organization and month the dashboard was showing (?org=&month=YYYY-MM),
        when they are among those offered."""
        org = asked.get("org", "")
        if org.isdigit() and self.fields["organization"].queryset.filter(pk=int(org)).exists():
            self.fields["organization"].initial = int(org)
        month = f"{asked.get('month', '')}-01"
        if month in dict(self.fields["month"].choices):
            self.fields["month"].initial = month


@require_http_methods(["GET", "POST"])
@recap_required
def recap_page(request):
    access = Access.of(request.user)
    form = RecapForm(request.POST or None, access=access, asked=request.GET)
    if request.method == "POST" and form.is_valid():
        org = form.cleaned_data["organization"]
        figures_only = figures_only_for(access, org)
        if figures_only is None:
            raise Http404("Not in your part of the tree")
        data = form.cleaned_data
        job = start_recap(
            request.user, org, data["month"], data["language"], figures_only=figures_only
        )
        return redirect("recap:job", pk=job.pk)
    # Someone who only oversees is told up front that their recap names no report.
    oversight_only = not access.has_role(*RECAP_ROLES) and not access.is_national_admin
    jobs = (
        RecapJob.objects.filter(requested_by=request.user)
        .select_related("organization")
        .order_by("-created_at", "-id")[:RECENT_JOBS]
    )
    # A recap asked for before a role ended is no longer theirs to open: not listed.
    jobs = [job for job in jobs if may_open(access, job)]
    status = 400 if form.is_bound else 200
    context = {
        "form": form,
        "jobs": jobs,
        "oversight_only": oversight_only,
        # An oversight body whose regions hold no agency: nothing to choose from.
        "nothing_to_recap": form.roots == [],
    }
    return render(request, "analytics/recap.html", context, status=status)


def _job_for(request, pk: int) -> RecapJob:
    job = RecapJob.objects.select_related("organization", "requested_by").filter(pk=pk).first()
    # An auditor asking for an officer's full recap gets the same 404 as anyone else.
    if job is None or not may_open(Access.of(request.user), job):
        raise Http404("No such recap")
    return job


@recap_required
def recap_job(request, pk: int):
    """The recap's progress, refreshing itself until it ends; then the download link."""
    job = _job_for(request, pk)
    context = {"job": job, "refresh": 0 if job.is_finished else REFRESH_SECONDS}
    return render(request, "analytics/recap_job.html", context)


@recap_required
def recap_download(request, pk: int):
    job = _job_for(request, pk)
    if job.state != RecapJob.State.DONE or not job.path.is_file():
        raise Http404("The recap is not ready")
    scope = job.organization.slug if job.organization_id else "nasional"
    edition = "-pengawasan" if job.figures_only else ""
    name = f"rekap-{scope}-{formats.date_format(job.month, 'Y-m')}{edition}.pdf"
    response = FileResponse(
        job.path.open("rb"), as_attachment=True, filename=name, content_type="application/pdf"
    )
    response["Cache-Control"] = "private, no-store"
    return response
