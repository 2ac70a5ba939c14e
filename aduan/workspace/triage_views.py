"""The triage models page: which suggestion models exist, how good each was on the
newest reports it had not seen, which one is live, and a button to retrain now.

National admins only: the models learn from every organization's dispatches, and a
switch changes the suggestions every admin sees.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aduan.triage import training
from aduan.triage.models import TriageModel
from aduan.triage.suggest import live_model_problem
from aduan.workspace.guards import requires

national_admin_required = requires(
    lambda access: access.is_national_admin,
    gettext_lazy("Only national admins manage the suggestion models."),
)


@national_admin_required
def triage_models(request):
    kinds = []
    for kind, label in TriageModel.Kind.choices:
        rows = list(TriageModel.objects.filter(kind=kind).order_by("-version")[:20])
        last = max((row.trained_at for row in rows), default=None)
        kinds.append(
            {
                "kind": kind,
                "label": label,
                "rows": rows,
                "new_labels": training.new_labels_since(kind, last),
                "problem": live_model_problem(kind),
                # Units are measured at their agency too: the level national admins pick.
                "by_agency": kind == TriageModel.Kind.ORGANIZATION,
            }
        )
    now = timezone.now()
    running = training.running_retrainings(now)
    labels = dict(TriageModel.Kind.choices)
    for claim in running:
        claim.label = labels.get(claim.kind, claim.kind)
    context = {
        "kinds": kinds,
        "running": running,
        "waiting_since": training.retraining_waiting(now),
    }
    return render(request, "workspace/triage.html", context)


@require_POST
@national_admin_required
def triage_retrain(request):
    """Queue a retraining of both kinds for the worker, unless one is queued already."""
    if training.enqueue_retraining(list(TriageModel.Kind.values), timezone.now()):
        messages.success(
            request,
            _("Retraining is queued; the new models appear here when the worker is done."),
        )
    else:
        messages.info(request, _("A retraining is already queued or running."))
    return redirect("workspace:triage")


@require_POST
@national_admin_required
def triage_make_live(request, pk: int):
    row = get_object_or_404(TriageModel, pk=pk)
    if row.is_live:
        messages.info(request, _("%(model)s is already live.") % {"model": row})
        return redirect("workspace:triage")
    try:
        row.make_live()
    except training.UnusableModel as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("%(model)s is live: suggestions come from it from now on.") % {"model": row}
        )
    return redirect("workspace:triage")
