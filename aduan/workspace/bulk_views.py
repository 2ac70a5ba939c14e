"""Acting on several reports at once from the inbox: dispatching them to one
organization, or archiving them with one reason and explanation (a morning's SMS
greetings and tests, a dozen reports of the same broken street lights).

Each report goes through the same lifecycle function, permission check and version
check as on its own page, in its own transaction: one report changed by a colleague
meanwhile, or no longer the officer's to act on, is left as it is and listed with why,
while the others go ahead. Nothing typed is lost when some are refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from aduan.notifications import outbox
from aduan.notifications.models import Kind
from aduan.organizations.access import Access, units_without_liaison
from aduan.organizations.models import Organization
from aduan.reports import lifecycle
from aduan.reports.codes import normalize_tracking_code
from aduan.reports.lifecycle import (
    Action,
    Actor,
    ArchiveReason,
    StaleReport,
    TransitionError,
    allowed_actions,
)
from aduan.reports.models import Report, Tier
from aduan.workspace.forms import IndentedOrganizationField, _text
from aduan.workspace.queries import PAGE_SIZES
from aduan.workspace.views import staff_required

# As many as the longest inbox page holds.
MOST = max(PAGE_SIZES)
BULK_ACTIONS = (Action.DISPATCH, Action.ARCHIVE)


class BulkDispatchForm(forms.Form):
    action = Action.DISPATCH
    heading = gettext_lazy("Dispatch the selected reports")
    submit_label = gettext_lazy("Dispatch")
    organization = IndentedOrganizationField(
        label=gettext_lazy("Dispatch to"), queryset=Organization.objects.none()
    )
    tier = forms.ChoiceField(
        label=gettext_lazy("Handling tier"),
        choices=[("", gettext_lazy("Keep each report's tier"))] + Tier.choices,
        required=False,
    )
    message = _text(gettext_lazy("Message with the dispatch (public, optional)"), required=False)
    message.help_text = gettext_lazy(
        "Shown on each report's public timeline with the dispatch. The category of each "
        "report is kept: set it on the report's own page when it differs."
    )

    def __init__(self, *args, access: Access, **kwargs):
        super().__init__(*args, prefix="dispatch", **kwargs)
        targets = access.report_destinations()
        self.fields["organization"].queryset = targets.order_by("path")
        if not self.is_bound:
            self.fields["organization"].unstaffed = frozenset(units_without_liaison(targets))

    def perform(self, report: Report, actor: Actor):
        data = self.cleaned_data
        if data["organization"].pk == report.organization_id:
            # As on the report's own page, whose list leaves out where the report waits
            # (one a unit passed back to its agency is not "dispatched" to that agency).
            raise TransitionError(_("The report is already with this organization."))
        return lifecycle.dispatch(
            report, actor, data["organization"], message=data["message"], tier=data["tier"] or None
        )


class BulkArchiveForm(forms.Form):
    action = Action.ARCHIVE
    heading = gettext_lazy("Archive the selected reports")
    submit_label = gettext_lazy("Archive")
    reason = forms.ChoiceField(
        label=gettext_lazy("Reason"),
        choices=[("", "—")] + [c for c in ArchiveReason.choices if c[0] != ArchiveReason.DUPLICATE],
    )
    message = _text(gettext_lazy("Explanation for the reporters"))
    message.help_text = gettext_lazy("Each reporter receives it, as written, with their report.")
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "Archive these reports: they leave every work queue, the explanation is sent to "
            "each reporter, and it cannot be undone."
        ),
        error_messages={"required": gettext_lazy("Tick the box to confirm archiving.")},
    )

    def __init__(self, *args, access: Access, **kwargs):
        super().__init__(*args, prefix="archive", **kwargs)

    def perform(self, report: Report, actor: Actor):
        data = self.cleaned_data
        return lifecycle.archive(report, actor, data["reason"], data["message"])


BULK_FORMS = {form.action: form for form in (BulkDispatchForm, BulkArchiveForm)}


@dataclass
class Refusal:
    report: Report
    reason: str


def _selected(request, data) -> list[Report]:
    """The chosen reports the user may see, in the order chosen; unknown, invisible or
    repeated codes are left out (an invisible one is not told apart from a typo)."""
    return _visible(request, _codes(data.getlist("report")))


def _codes(values: list[str]) -> list[str]:
    codes = [normalize_tracking_code(code) for code in values[: MOST * 2]]
    return list(dict.fromkeys(code for code in codes if code))[:MOST]


def _visible(request, codes: list[str]) -> list[Report]:
    found = {
        report.tracking_code: report
        for report in Report.objects.visible_to(request.user)
        .filter(tracking_code__in=codes)
        .select_related("organization", "category__parent", "reporter")
    }
    return [found[code] for code in codes if code in found]


def _listed_again(request, chosen: list[Report]) -> list[Report]:
    """The rows of the page a refused form came from, the ticked ones still ticked, each
    at the version the officer saw: answering a mistake must not pass a colleague's
    change made meanwhile as seen."""
    seen = _seen_versions(request)
    ticked = {report.tracking_code for report in chosen}
    reports = _visible(request, _codes([*seen, *ticked]))
    for report in reports:
        report.bulk_chosen = report.tracking_code in ticked
        report.seen_version = seen.get(report.tracking_code)
    return reports


def _inbox_url(data) -> str:
    """Back to the inbox the selection was made on: its tab, filters and page."""
    query = data.get("back", "")
    # Only a query string: never a way to send the officer to another site.
    if not query or any(ch in query for ch in "/\\:\r\n"):
        return reverse("workspace:inbox")
    return reverse("workspace:inbox") + "?" + query.lstrip("?")


def _forms(request, possible: set[str], bound=None) -> list[forms.Form]:
    """A form for each bulk action in `possible` (what the user may take on at least one
    of the reports); `bound` (the one sent) replaces its unbound twin."""
    access = Access.of(request.user)
    if bound is not None:
        possible.add(bound.action)  # what was typed stays on screen
    return [
        bound if bound is not None and bound.action == action else form_class(access=access)
        for action, form_class in BULK_FORMS.items()
        if action in possible
    ]


def _render(request, reports, *, bound=None, refused=(), done=(), status=200):
    actor = Actor(user=request.user)
    possible: set[str] = set()
    for report in reports:
        report.bulk_allowed = allowed_actions(report, actor) & set(BULK_ACTIONS)
        possible |= report.bulk_allowed
        if not hasattr(report, "seen_version"):
            report.bulk_chosen, report.seen_version = True, report.version
    context = {
        "reports": reports,
        "forms": _forms(request, possible, bound),
        "refused": refused,
        "done": done,
        "back": (request.POST if request.method == "POST" else request.GET).get("back", ""),
        "inbox_url": _inbox_url(request.POST if request.method == "POST" else request.GET),
    }
    return render(request, "workspace/bulk.html", context, status=status)


@staff_required
def bulk(request):
    """GET: the reports ticked in the inbox and what may be done to them together.
    POST: do it, report by report."""
    data = request.POST if request.method == "POST" else request.GET
    reports = _selected(request, data)
    form_class = BULK_FORMS.get(request.POST.get("action", ""))
    form = form_class(request.POST, access=Access.of(request.user)) if form_class else None
    if not reports:
        listed = _listed_again(request, []) if request.method == "POST" else []
        messages.error(request, _("Tick at least one report first."))
        if not listed:
            return HttpResponseRedirect(_inbox_url(data))
        # Every box of the page unticked: the page stays, with what was typed.
        return _render(request, listed, bound=form, status=400)
    if request.method != "POST":
        return _render(request, reports)
    if form is None or not form.is_valid():
        return _render(request, _listed_again(request, reports), bound=form, status=400)
    done, refused = _apply(request, reports, form)
    return _after(request, form, done, refused)


def _seen_versions(request) -> dict[str, int]:
    seen = {}
    for value in request.POST.getlist("seen"):
        code, _sep, version = value.rpartition(":")
        if version.isascii() and version.isdigit():
            seen[normalize_tracking_code(code)] = int(version)
    return seen


def _apply(request, reports, form) -> tuple[list[Report], list[Refusal]]:
    actor = Actor(user=request.user)
    seen = _seen_versions(request)
    done: list[Report] = []
    refused: list[Refusal] = []
    # A unit's officer hears of the reports sent to it in one email, not one each.
    with outbox.combining(Kind.NEW_IN_INBOX) as combined:
        for report in reports:
            reason = _refusal(report, form, actor, seen.get(report.tracking_code))
            if reason:
                combined.discard(report)
                refused.append(Refusal(report, reason))
            else:
                done.append(report)
    return done, refused


def _refusal(report: Report, form, actor: Actor, seen: int | None) -> str:
    """Why `form`'s action was not taken on `report` ("" when it was taken)."""
    if seen != report.version:
        return _("Someone else changed it after you chose it: check it on its page.")
    if form.action not in allowed_actions(report, actor):
        return _("You may not take this action on this report now.")
    try:
        form.perform(report, actor)
    except StaleReport:
        return _("Someone else changed it after you chose it: check it on its page.")
    except (PermissionDenied, TransitionError) as exc:
        return str(exc) or _("You may not take this action on this report now.")
    return ""


def _after(request, form, done, refused):
    if done:
        messages.success(request, _done_message(form, len(done)))
    if not refused:
        return redirect(_inbox_url(request.POST))
    # The refused ones stay chosen, with their latest state, and the text stays typed.
    still = _selected_again(request, [r.report for r in refused])
    messages.error(
        request,
        ngettext(
            "%(count)d report was not changed: see why below.",
            "%(count)d reports were not changed: see why below.",
            len(refused),
        )
        % {"count": len(refused)},
    )
    return _render(request, still, bound=form, refused=refused, done=done, status=409)


def _selected_again(request, reports) -> list[Report]:
    pks = [r.pk for r in reports]
    fresh = (
        Report.objects.visible_to(request.user)
        .filter(pk__in=pks)
        .select_related("organization", "category__parent", "reporter")
    )
    by_pk = {r.pk: r for r in fresh}
    return [by_pk[pk] for pk in pks if pk in by_pk]


def _done_message(form, count: int) -> str:
    if form.action == Action.DISPATCH:
        return ngettext(
            "%(count)d report dispatched to %(name)s.",
            "%(count)d reports dispatched to %(name)s.",
            count,
        ) % {"count": count, "name": form.cleaned_data["organization"].name}
    return ngettext("%(count)d report archived.", "%(count)d reports archived.", count) % {
        "count": count
    }
