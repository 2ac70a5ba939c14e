"""Organization and category suggestions for a report; a human always confirms.

The live model of each kind (`TriageModel.is_live`) is loaded once per process and
reloaded when another model goes live: each call checks the live row's id, one small
indexed query. While no model is live — a new installation, thin history — the routing
rules (category × region → organization) suggest instead. Every suggestion says where
it came from.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from aduan.organizations.access import Access
from aduan.organizations.models import PATH_STEP, Category, Organization, RoutingRule
from aduan.reports.models import Report
from aduan.triage.models import TriageModel
from aduan.triage.training import report_text

log = logging.getLogger(__name__)
TOP = 3
CANDIDATES = 25  # model labels looked at before mapping them to dispatch targets

SOURCE_MODEL = "model"
SOURCE_ROUTING_RULE = "routing_rule"
SOURCE_LABELS = {
    SOURCE_MODEL: _("learned from past dispatches"),
    SOURCE_ROUTING_RULE: _("routing rule"),
}


@dataclass(frozen=True)
class Suggestion:
    target: Organization | Category
    confidence: float | None  # None: a rule, not a probability
    source: str

    @property
    def source_label(self) -> str:
        return str(SOURCE_LABELS[self.source])

    @property
    def percent(self) -> int | None:
        return None if self.confidence is None else round(self.confidence * 100)


_loaded: dict[str, tuple[tuple, object]] = {}
_lock = threading.Lock()


def live_model(kind: str):
    """The live classifier of `kind`, or None; loaded from disk only when it changed."""
    row = TriageModel.objects.filter(kind=kind, is_live=True).values_list("pk", "file").first()
    if row is None:
        return None
    cached = _loaded.get(kind)
    if cached and cached[0] == row:
        return cached[1]
    path = row[1]
    with _lock:
        try:
            import joblib

            model = joblib.load(path)
        except (OSError, ValueError, EOFError) as exc:
            log.warning("Triage model %s cannot be loaded: %s", path, exc)
            return None
        _loaded[kind] = (row, model)
    return model


def _distribution(kind: str, report: Report) -> list[tuple[int, float]]:
    model = live_model(kind)
    if model is None:
        return []
    proba = model.predict_proba([report_text(report.title, report.body, report.region_id)])[0]
    order = proba.argsort()[::-1][:CANDIDATES]
    return [(int(model.classes_[i]), float(proba[i])) for i in order]


def suggest_categories(report: Report, k: int = TOP) -> list[Suggestion]:
    ranked = _distribution(TriageModel.Kind.CATEGORY, report)
    categories = Category.objects.filter(pk__in=[pk for pk, _ in ranked], is_active=True)
    by_pk = {c.pk: c for c in categories.select_related("parent")}
    found = [Suggestion(by_pk[pk], p, SOURCE_MODEL) for pk, p in ranked if pk in by_pk]
    return found[:k]


def suggest_organizations(report: Report, access: Access, k: int = TOP) -> list[Suggestion]:
    """The `k` likeliest organizations among those `access` may dispatch this report to,
    at the level its holder dispatches at: national admins get agencies (a unit's
    instansi), agency admins the units of their own tree."""
    targets = dispatch_targets(access, report)
    return suggest_for_targets(report, targets, agencies_only=access.is_national_admin, k=k)


def dispatch_targets(access: Access, report: Report):
    targets = access.dispatch_targets().exclude(kind=Organization.Kind.AUDITOR)
    return targets.exclude(pk=report.organization_id) if report.organization_id else targets


def suggest_for_targets(
    report: Report, targets, *, agencies_only: bool, k: int = TOP
) -> list[Suggestion]:
    ranked = _distribution(TriageModel.Kind.ORGANIZATION, report)
    scores = _at_dispatch_level(ranked, targets, agencies_only)
    # The officer chooses among their targets: confidence is the model's probability
    # given that the report goes to one of them (an agency admin looking at a report
    # in their inbox asks "which of my units", not "which of all units in the country").
    total = sum(p for _, p in scores.values()) or 1.0
    found = [
        Suggestion(org, p / total, SOURCE_MODEL)
        for org, p in sorted(scores.values(), key=lambda item: -item[1])
    ][:k]
    if len(found) < k:
        rule = RoutingRule.objects.route(report.category, report.region)
        listed = {s.target.pk for s in found}
        if rule and rule.pk not in listed and targets.filter(pk=rule.pk).exists():
            found.append(Suggestion(rule, None, SOURCE_ROUTING_RULE))
    return found


def _at_dispatch_level(ranked, targets, agencies_only: bool) -> dict[int, tuple]:
    """Sum the probabilities of predicted organizations onto the dispatch targets that
    stand for them: the organization itself, or (agencies only) its nearest agency."""
    if not ranked:
        return {}
    predicted = {o.pk: o for o in Organization.objects.filter(pk__in=[pk for pk, _ in ranked])}
    prefixes = {
        org.path[:n]
        for org in predicted.values()
        for n in range(PATH_STEP, len(org.path) + 1, PATH_STEP)
    }
    allowed = {o.path: o for o in targets.filter(Q(path__in=prefixes))}
    scores: dict[int, tuple] = {}
    totals: dict[int, float] = defaultdict(float)
    for pk, probability in ranked:
        org = predicted.get(pk)
        target = org and _level_of(org, allowed, agencies_only)
        if target is not None:
            totals[target.pk] += probability
            scores[target.pk] = (target, totals[target.pk])
    return scores


def _level_of(org: Organization, allowed: dict[str, Organization], agencies_only: bool):
    if not agencies_only:
        return allowed.get(org.path)
    for n in range(len(org.path), 0, -PATH_STEP):
        candidate = allowed.get(org.path[:n])
        if candidate is not None and candidate.is_agency:
            return candidate
    return None
