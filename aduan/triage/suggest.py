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
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from aduan.organizations.access import Access
from aduan.organizations.models import (
    Category,
    Organization,
    Region,
    RoutingRule,
    region_ancestor_codes,
)
from aduan.reports.lifecycle import Action
from aduan.reports.models import Report, ReportEvent
from aduan.triage.classifier import NEGATIVE_PENALTY
from aduan.triage.models import TriageModel
from aduan.triage.places import named_region
from aduan.triage.training import (
    UnusableModel,
    agencies_of,
    load_model,
    model_file,
    report_text,
)

log = logging.getLogger(__name__)
TOP = 3
MIN_SHARE = 0.02  # an organization less likely than this is not worth a button
# Nor is a suggestion right less than one time in ten: a flat list of near-random units
# is no help, and its buttons invite a wrong dispatch.
MIN_CONFIDENCE = 0.1
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
    # The chance that this suggestion is right (`TextClassifier.confidences`); None: a
    # routing rule, not a probability.
    confidence: float | None
    source: str

    @property
    def source_label(self) -> str:
        return str(SOURCE_LABELS[self.source])

    @property
    def percent(self) -> int | None:
        return None if self.confidence is None else round(self.confidence * 100)


@dataclass
class _Loaded:
    """What this process made of a live row's file: the model, or why there is none."""

    key: tuple  # (row id, file path)
    model: object | None
    problem: UnusableModel | None = None
    seen: tuple | None = None  # the file's size and time when it failed to load


_loaded: dict[str, _Loaded] = {}
_lock = threading.Lock()


def _file_seen(path: Path) -> tuple | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_size, stat.st_mtime_ns)


def _load_live(kind: str) -> _Loaded | None:
    """This process's load of the live model of `kind` (None while none is live).

    A file that does not load is tried again only once it changes (copied back,
    restored, the shared directory mounted): the failure is logged once, not on every
    suggestion, and the routing rules suggest meanwhile."""
    row = TriageModel.objects.filter(kind=kind, is_live=True).values_list("pk", "file").first()
    if row is None:
        return None
    # Keyed by the file itself: rows name it relative to STATE_DIR, which can change.
    path = model_file(row[1])
    key = (row[0], str(path))
    cached = _loaded.get(kind)
    if cached and cached.key == key and (cached.model or cached.seen == _file_seen(path)):
        return cached
    with _lock:
        seen = _file_seen(path)
        try:
            loaded = _Loaded(key, load_model(row[1]))
        except UnusableModel as exc:
            log.error("Triage model %s cannot serve, routing rules suggest instead: %s", path, exc)
            loaded = _Loaded(key, None, exc, seen)
        _loaded[kind] = loaded
    return loaded


def live_model(kind: str):
    """The live classifier of `kind`, or None; loaded from disk only when it changed."""
    loaded = _load_live(kind)
    return loaded.model if loaded else None


def live_model_problem(kind: str) -> UnusableModel | None:
    """Why the live model of `kind` cannot serve in this process, or None when it serves
    (or none is live)."""
    loaded = _load_live(kind)
    return loaded.problem if loaded else None


def _distribution(
    kind: str, report: Report, *, lowered: bool = True
) -> tuple[list[tuple[int, float]], object]:
    """The live model's likeliest labels for `report` with their probability, and the
    model (both empty/None while there is none, or when it fails on this report).
    `lowered`: with the model's "not our remit" penalty (`predict_proba_matrix`)."""
    model = live_model(kind)
    if model is None:
        return [], None
    try:
        proba = model.predict_proba_matrix(_features(report, model), lowered=lowered)[0]
    except Exception:  # a broken model must not keep an admin from dispatching
        log.exception("Triage model of %s failed on report %s", kind, report.pk)
        return [], None
    order = proba.argsort()[::-1][:CANDIDATES]
    return [(int(model.classes_[i]), float(proba[i])) for i in order], model


def _features(report: Report, model):
    """The report's text as `model`'s features, worked out once per model: the
    suggestions and the "not our remit" similarities read the same ones."""
    cached = getattr(report, "_triage_features", None)
    if cached is None or cached[0] is not model:
        text = report_text(report.title, report.body, place_code(report))
        report._triage_features = (model, model.features.transform([text]))
    return report._triage_features[1]


def _confident(
    model, shown: list[tuple[object, float, str]], *, agencies: bool = False
) -> list[Suggestion]:
    """Suggestions from (target, share, source) best first: each share becomes the
    chance of being right the model measured for such a share — among agencies as a
    national admin is offered them (`agencies`), or among the model's own labels."""
    if not shown:
        return []
    confidences = model.confidences([share for _, share, _ in shown], offered=agencies)
    # A routing rule's target lifted into the list holds a share the rule gave it, not
    # one the model measured: it shows as the rule it is, without a chance.
    suggestions = [
        Suggestion(target, None if source == SOURCE_ROUTING_RULE else confidence, source)
        for (target, _, source), confidence in zip(shown, confidences, strict=True)
    ]
    return [s for s in suggestions if s.confidence is None or s.confidence >= MIN_CONFIDENCE]


def suggest_categories(report: Report, k: int = TOP) -> list[Suggestion]:
    ranked, model = _distribution(TriageModel.Kind.CATEGORY, report)
    categories = Category.objects.filter(pk__in=[pk for pk, _ in ranked], is_active=True)
    by_pk = {c.pk: c for c in categories.select_related("parent")}
    shown = [(by_pk[pk], p, SOURCE_MODEL) for pk, p in ranked if pk in by_pk and p >= MIN_SHARE]
    return _confident(model, shown[:k])


def suggest_organizations(report: Report, access: Access, k: int = TOP) -> list[Suggestion]:
    """The `k` likeliest organizations among those `access` may dispatch this report to,
    at the level its holder dispatches at: national admins get agencies (a unit's
    instansi), agency admins the units of their own tree."""
    targets = dispatch_targets(access, report)
    return suggest_for_targets(report, targets, agencies_only=access.is_national_admin, k=k)


def dispatch_targets(access: Access, report: Report):
    targets = access.report_destinations()
    return targets.exclude(pk=report.organization_id) if report.organization_id else targets


def suggest_for_targets(
    report: Report,
    targets,
    *,
    agencies_only: bool,
    k: int = TOP,
    categories: list[Suggestion] | None = None,
) -> list[Suggestion]:
    """`categories`: the report's category suggestions when the caller has them
    already (they choose the routing rule of a report without a category)."""
    # Calibrated without the "not our remit" penalty: the declining organizations are
    # lowered below, and what they lose is nobody else's gain.
    ranked, model = _distribution(TriageModel.Kind.ORGANIZATION, report, lowered=False)
    declined = declined_by(report)
    rule = _rule_target(report, targets, agencies_only, categories)
    if rule is not None and rule.pk in declined:
        rule = None
    if not ranked:
        return [Suggestion(rule, None, SOURCE_ROUTING_RULE)] if rule else []
    alike = _declined_alike(report, model)
    if rule is not None and _declined_for_such(rule, alike):
        rule = None
    holder = report.organization_id
    allowed = targets | Organization.objects.filter(pk=holder) if holder else targets
    scores, kept = _at_dispatch_level(ranked, allowed, agencies_only, _kept_after(alike))
    outside: set[int] = set()
    if place_code(report):
        scores, kept, outside = _weigh_by_jurisdiction(
            scores, kept, place_code(report), allowed, agencies_only
        )
    # The officer chooses among their targets: a target's share is the model's
    # probability given that the report goes to one of them or stays with its holder (an
    # agency admin looking at a report in their inbox asks "which of my units", not
    # "which of all units in the country"); the confidence shown is the chance of being
    # right such a share has. The total is taken before anything is lowered or left
    # out: an organization passing the report back says where it does not belong, not
    # that the others the model found unlikely are now likely.
    lifted = _lift_rule_target(scores, kept, rule, sum(p for _, p in scores.values()))
    # Not offered: where the report waits now (it is already there), an organization
    # that passed it back as not its remit (suggesting it again sends the report round
    # in a circle), or one whose declared jurisdiction leaves out the report's place.
    hidden = {holder, *declined, *outside} - {lifted}
    shown = _best_shares(scores, kept, hidden, k)
    return _confident(
        model,
        [
            (org, share, SOURCE_ROUTING_RULE if org.pk == lifted else SOURCE_MODEL)
            for org, share in shown
        ],
        agencies=agencies_only,
    )


def _best_shares(scores: dict, kept: dict[int, float], hidden: set, k: int) -> list[tuple]:
    """The `k` targets that keep most, but the `hidden` ones, with what they keep as a
    share of all `scores` (hidden ones included); none below `MIN_SHARE`."""
    total = sum(p for _, p in scores.values()) or 1.0
    best = sorted((pk for pk in kept if pk not in hidden), key=lambda pk: -kept[pk])[:k]
    return [(scores[pk][0], kept[pk] / total) for pk in best if kept[pk] / total >= MIN_SHARE]


# The officers' own routing rule for the report's category and place is evidence too:
# its organization gets at least this share of the other candidates' total, so it shows
# while the history is thin and yields to a model that has learned otherwise.
RULE_SHARE = 0.5
RULE_CATEGORY_CONFIDENCE = 0.5  # suggested categories likely enough to look a rule up


def _rule_target(report: Report, targets, agencies_only: bool, categories) -> Organization | None:
    """The routing rule's organization for the report (its category's, or the one the
    suggested categories are likeliest to be routed to), at the level of `targets`; None
    when there is no such rule."""
    place = _place_for_rules(report)
    if report.category is not None:
        org = RoutingRule.objects.route(report.category, place)
    else:
        likely = suggest_categories(report) if categories is None else categories
        org = _likeliest_routed(likely, place)
    if org is None:
        return None
    return _dispatch_levels([org.pk], targets, agencies_only).get(org.pk)


def _likeliest_routed(categories: list[Suggestion], place) -> Organization | None:
    """The organization the routing rules give the suggested `categories`, when the
    chance that the report is in one of the categories routed to it is a fair one: a
    short "Jalan berlubang" may be 41 % damaged road and 15 % bridge, both the public
    works office's by rule, which is 56 % that office's however the two split."""
    guessed = [c for c in categories if c.confidence is not None]
    routed = RoutingRule.objects.route_each([c.target for c in guessed], place)
    chance: dict[int, float] = {}
    for suggestion in guessed:
        org = routed.get(suggestion.target.pk)
        if org is not None:
            chance[org.pk] = chance.get(org.pk, 0.0) + suggestion.confidence
    best = max(chance, key=chance.__getitem__, default=None)
    if best is None or chance[best] < RULE_CATEGORY_CONFIDENCE:
        return None
    return next(org for org in routed.values() if org.pk == best)


def place_code(report: Report) -> str | None:
    """The report's region; for one without (an SMS, a WhatsApp message, an email), the
    regency or district its words name (`aduan.triage.places`), worked out once."""
    if report.region_id:
        return report.region_id
    if not hasattr(report, "_named_place"):
        text = "\n".join([report.title, report.body, report.address])
        report._named_place = named_region(text)
    return report._named_place


def _place_for_rules(report: Report) -> Region | None:
    """The report's region or the one its words name; for one that names none (sent by
    a connected system, typed from a letter), the one region its holding agency serves,
    if it serves one: a report a regency's own app sent is about that regency, and so
    are its rules."""
    if report.region_id:
        return report.region
    if place_code(report):
        return Region.objects.filter(code=place_code(report)).first()
    if report.organization_id is None:
        return None
    served = list(report.organization.agency().regions.all()[:2])
    return served[0] if len(served) == 1 else None


def _lift_rule_target(
    scores: dict, kept: dict[int, float], rule: Organization | None, total: float
) -> int | None:
    """Give the rule's organization its share of the other candidates' `total` (of
    `scores`, the report's holder and the organizations that passed it back included),
    in `scores` and in what it keeps once lowered (`kept`); returns its pk when that
    lifted it. When the model gives the others nothing (a new agency's units it never
    saw), the rule's organization is the whole list."""
    if rule is None:
        return None
    own = scores.get(rule.pk, (rule, 0.0))[1]
    others = total - own
    floor = RULE_SHARE * others if others > 0 else 1.0
    if kept.get(rule.pk, 0.0) >= floor:
        return None
    scores[rule.pk] = (rule, max(own, floor))
    kept[rule.pk] = floor
    return rule.pk


# A "not our remit" this alike to the report (cosine similarity of their texts) keeps
# the declining organization's routing rule from lifting it: the officers' own lesson
# outranks their standing rule.
RULE_DECLINED_SIMILARITY = 0.5
RECENT_DECLINES = 500  # the newest "not our remit" since the model that count
_recent_declines: dict[str, tuple] = {}


def _declined_alike(report: Report, model) -> dict[str, dict[int, float]]:
    """How alike the report is to the closest report each organization passed back as
    not its remit: {"learned": …, "recent": …} (organization pk → cosine similarity),
    from the model's own examples and from those given since it was trained."""
    vector = _features(report, model)
    found: dict[str, dict[int, float]] = {"learned": {}, "recent": {}}
    sources = [("learned", model.negatives, model.negative_labels), ("recent", *_recent(model))]
    for name, matrix, labels in sources:
        if matrix is None or not matrix.shape[0]:
            continue
        for label, similarity in zip(labels, (vector @ matrix.T).toarray()[0], strict=True):
            label = int(label)
            found[name][label] = max(found[name].get(label, 0.0), float(similarity))
    return found


def _recent(model) -> tuple:
    """The "not our remit" examples given since the live model was trained, as features
    of the model: a lesson counts at once, not at the next retraining, days later.

    Kept per process and read on from where the last suggestion left off: each
    suggestion asks only for the newest event id (an index read) and for the events
    written since, never the whole timeline."""
    newest = ReportEvent.objects.aggregate(top=Max("pk"))["top"] or 0
    cached = _recent_declines.get("live")
    if cached is None or cached[0] is not model:  # the model itself, not its id: ids recur
        # A model file written before `events_through` existed: from now on.
        start = getattr(model, "events_through", None)
        cached = (model, newest if start is None else start, [], [], None)
    _model, high, texts, labels, matrix = cached
    if newest > high:
        fields = ("report__title", "report__body", "report__region_id", "data")
        since = ReportEvent.objects.filter(
            pk__gt=high, pk__lte=newest, action=Action.NOT_OUR_REMIT
        ).order_by("pk")
        fresh = [
            (report_text(title, body, region), data["from"])
            for title, body, region, data in since.values_list(*fields)
            if (data or {}).get("from")
        ]
        if fresh:
            texts = (texts + [text for text, _ in fresh])[-RECENT_DECLINES:]
            labels = (labels + [label for _, label in fresh])[-RECENT_DECLINES:]
            matrix = model.features.transform(texts)
        high = newest
    _recent_declines["live"] = (model, high, texts, labels, matrix)
    return matrix, labels


def _kept_after(alike: dict[str, dict[int, float]]) -> dict[int, float]:
    """What each organization keeps of its probability after the "not our remit" it
    gave to reports like this one (organization pk → factor; 1 for any other): the
    model's own examples and those given since it was trained lower it alike, each by
    1 − `NEGATIVE_PENALTY` × the closest one's cosine similarity."""
    kept: dict[int, float] = {}
    for similarities in alike.values():
        for pk, similarity in similarities.items():
            penalty = NEGATIVE_PENALTY * min(max(similarity, 0.0), 1.0)
            kept[pk] = kept.get(pk, 1.0) * (1 - penalty)
    return kept


def _declined_for_such(rule: Organization, alike: dict[str, dict[int, float]]) -> bool:
    """Whether the rule's organization (or one above it) passed back a report this
    alike. A unit of the rule's agency passing one back chose among the agency's units:
    the agency is still right."""
    close = {
        pk
        for similarities in alike.values()
        for pk, similarity in similarities.items()
        if similarity >= RULE_DECLINED_SIMILARITY
    }
    if not close:
        return False
    return any(org.contains(rule) for org in Organization.objects.filter(pk__in=close))


def declined_by(report: Report) -> set[int]:
    """The organizations that passed `report` back as "not our remit"."""
    passed_back = report.events.filter(action=Action.NOT_OUR_REMIT).values_list("data", flat=True)
    return {data["from"] for data in passed_back if data and data.get("from")}


def _dispatch_levels(pks, targets, agencies_only: bool) -> dict[int, Organization]:
    """Each organization's dispatch target among `targets`: itself, or (agencies only)
    its nearest agency at or above it — never an agency further up (a regency's
    department is not the province's remit). Organizations without one are left out.
    The same mapping as the models page's figures (`training.agencies_of`)."""
    level = agencies_of(pks) if agencies_only else {pk: pk for pk in pks}
    allowed = {o.pk: o for o in targets.filter(pk__in=set(level.values()))}
    return {
        pk: allowed[target]
        for pk, target in level.items()
        if target in allowed and (allowed[target].is_agency or not agencies_only)
    }


def _at_dispatch_level(
    ranked, targets, agencies_only: bool, kept: Mapping[int, float]
) -> tuple[dict[int, tuple], dict[int, float]]:
    """Sum the probabilities of predicted organizations onto the dispatch targets that
    stand for them (`_dispatch_levels`): target pk → (target, probability), and target
    pk → what it keeps of it once each organization is lowered by its `kept` factor."""
    if not ranked:
        return {}, {}
    level = _dispatch_levels([pk for pk, _ in ranked], targets, agencies_only)
    scores: dict[int, tuple] = {}
    totals: dict[int, float] = defaultdict(float)
    lowered: dict[int, float] = defaultdict(float)
    for pk, probability in ranked:
        target = level.get(pk)
        if target is not None:
            totals[target.pk] += probability
            lowered[target.pk] += probability * kept.get(pk, 1.0)
            scores[target.pk] = (target, totals[target.pk])
    return scores, dict(lowered)


# How much a declared jurisdiction weighs on the model's probabilities. A regency's
# office does not handle a pothole in another regency, however alike the texts; the
# model learns places only from what it has seen dispatched, jurisdictions say it outright.
# Such a target is never offered; what is left of its probability counts in the shares.
OUTSIDE_JURISDICTION = 0.002
# A target whose jurisdiction covers the report's region but which the model never saw
# (a newly connected agency) still gets a place among the suggestions; the nearer its
# jurisdiction is to the report's place, the higher (a city before its province).
JURISDICTION_FLOOR = 0.02


def _weigh_by_jurisdiction(
    scores: dict, kept: dict[int, float], region_code: str, targets, agencies_only: bool
) -> tuple[dict, dict[int, float], set[int]]:
    """Lower the targets whose declared regions leave out `region_code`, and add those
    that cover it; targets that declare no region are left as the model ranked them.
    Returns the weighed `scores`, what each target keeps of its own once lowered (as
    it kept of the model's in `kept`), and the targets outside their jurisdiction."""
    covering = targets.filter(regions__code__in=region_ancestor_codes(region_code)).distinct()
    if agencies_only:
        covering = covering.agencies()
    for org in covering:
        scores.setdefault(org.pk, (org, 0.0))
    declared: dict[int, set[str]] = defaultdict(set)
    links = Organization.regions.through.objects.filter(organization_id__in=list(scores))
    for org_id, code in links.values_list("organization_id", "region_id"):
        declared[org_id].add(code)
    probabilities = {pk: p for pk, (_, p) in scores.items()}
    weighed = jurisdiction_weights(probabilities, region_code, declared)
    kept = {
        pk: weight * (kept.get(pk, 0.0) / probabilities[pk] if probabilities[pk] else 1.0)
        for pk, weight in weighed.items()
    }
    scores = {pk: (scores[pk][0], weight) for pk, weight in weighed.items()}
    return scores, kept, outside_jurisdiction(declared, region_code)


def outside_jurisdiction(declared: Mapping[int, set[str]], region_code: str) -> set[int]:
    """The organizations whose declared regions (`declared`, pk → region codes) leave
    out `region_code`: none of them is the report's region or above it, nor below it
    (a report that names only a wider region than theirs, a regency and not the
    village, is undecided)."""
    above = set(region_ancestor_codes(region_code))
    return {
        pk
        for pk, codes in declared.items()
        if codes
        and not codes & above
        and not any(code.startswith(region_code + ".") for code in codes)
    }


def jurisdiction_weights(
    probabilities: Mapping[int, float], region_code: str, declared: Mapping[int, set[str]]
) -> dict[int, float]:
    """`probabilities` (organization pk → probability) weighed by the regions each
    organization declares (`declared`, pk → region codes; none: left as it is)."""
    depth = len(region_code.split("."))
    above = set(region_ancestor_codes(region_code))
    outside = outside_jurisdiction(
        {pk: declared.get(pk, set()) for pk in probabilities}, region_code
    )
    weighed = {}
    for pk, probability in probabilities.items():
        covered = declared.get(pk, set()) & above
        if covered:
            nearest = max(len(c.split(".")) for c in covered)
            probability = max(probability, JURISDICTION_FLOOR * nearest / depth)
        if pk in outside:
            probability *= OUTSIDE_JURISDICTION
        weighed[pk] = probability
    return weighed


class NationalOffer:
    """What a national admin is offered for a report, from the model's distribution:
    the labels' probabilities added up at their nearest agency, the agencies' declared
    jurisdictions weighed in — `suggest_organizations` for a national admin without its
    queries, for measuring a model on many held-out reports at once. Routing rules are
    left out (they need the report's category), and so is the report's holder (a
    report in the national queue has none)."""

    def __init__(self, agency_of: Mapping[int, int]):
        self.agency_of = agency_of
        targets = Organization.objects.active().agencies().exclude(kind=Organization.Kind.AUDITOR)
        self.targets = set(targets.values_list("pk", flat=True))
        self.declared: dict[int, set[str]] = defaultdict(set)
        self.covering: dict[str, set[int]] = defaultdict(set)
        links = Organization.regions.through.objects.values_list("organization_id", "region_id")
        for org_id, code in links:
            self.declared[org_id].add(code)
            if org_id in self.targets:
                self.covering[code].add(org_id)
        self._units: tuple[np.ndarray, dict[int, np.ndarray]] | None = None

    def ranked(self, classes, proba, region_code: str | None) -> list[tuple[int, float]]:
        """The agencies offered, best first, with their share of what is offered, for a
        report the model scored `proba` over `classes` (organization pks)."""
        scores: dict[int, float] = defaultdict(float)
        for i in np.argsort(-proba)[:CANDIDATES]:
            agency = self.agency_of.get(int(classes[i]))
            if agency in self.targets:
                scores[agency] += float(proba[i])
        if region_code:
            for code in region_ancestor_codes(region_code):
                for pk in self.covering.get(code, ()):
                    scores.setdefault(pk, 0.0)
            scores = jurisdiction_weights(scores, region_code, self.declared)
        return _shares(*self._offerable(scores, region_code))

    def among_units(self, classes, proba, label: int, region_code: str | None):
        """What the admin of the agency of `label` (a unit the report went to) is
        offered once the report waits at that agency: the units of its tree the model
        knows, best first, each with its share of them and the agency's own (as
        `suggest_for_targets` counts the holder), jurisdictions weighed in. Empty for a
        report that stayed with the agency itself."""
        agency = self.agency_of.get(int(label))
        if agency is None or agency == label:
            return []
        columns = self._columns_by_agency(classes).get(agency, ())
        scores = {int(classes[i]): float(proba[i]) for i in columns}
        if region_code:
            scores = jurisdiction_weights(scores, region_code, self.declared)
        held = scores.pop(agency, 0.0)
        offerable, passed = self._offerable(scores, region_code)
        return _shares(offerable, held + passed)

    def _offerable(self, scores: dict[int, float], region_code: str | None):
        """`scores` without the organizations outside their jurisdiction (never
        offered, as in `suggest_for_targets`), and those organizations' total, which
        still counts in the shares."""
        if not region_code:
            return scores, 0.0
        outside = outside_jurisdiction(
            {pk: self.declared.get(pk, set()) for pk in scores}, region_code
        )
        kept = {pk: p for pk, p in scores.items() if pk not in outside}
        return kept, sum(p for pk, p in scores.items() if pk in outside)

    def _columns_by_agency(self, classes) -> dict[int, np.ndarray]:
        """The columns of `classes` grouped by their agency (kept for the last classes)."""
        if self._units is None or self._units[0] is not classes:
            groups: dict[int, list[int]] = defaultdict(list)
            for i, pk in enumerate(classes):
                groups[self.agency_of.get(int(pk), int(pk))].append(i)
            self._units = (classes, {a: np.array(c) for a, c in groups.items()})
        return self._units[1]


def _shares(scores: dict[int, float], held: float = 0.0) -> list[tuple[int, float]]:
    """(pk, share) best first, shares of the scores' total plus `held`."""
    total = sum(scores.values()) + held or 1.0
    return [(pk, scores[pk] / total) for pk in sorted(scores, key=lambda pk: -scores[pk])]
