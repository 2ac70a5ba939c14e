"""Learning suggestion models from the installation's own history.

Labels come from what officers did, never from what a model said:
- organization: the organization a report was last dispatched to and still sits with
  (a dispatch passed back as "not our remit" is not a label, nor a report still waiting
  at an organization with units to route it to), and every "not our remit" as a
  negative example for the organization that said it;
- category: the category of every report an admin verified.

Settings (environment variables of the same name, read by aduan/settings.py; looked up
when used, with these defaults):
- TRIAGE_MIN_SAMPLES = 20: fewer labelled reports train no model (routing rules serve);
- TRIAGE_MAX_REPORTS = 100_000: the newest reports a model learns from;
- TRIAGE_RETRAIN_AFTER_LABELS = 200: new dispatches that make a retraining due;
- TRIAGE_RETRAIN_EVERY_DAYS = 7: age after which any new label makes it due;
- TRIAGE_AUTO_PROMOTE = True: a new model goes live at once (else an admin switches);
- TRIAGE_KEEP_VERSIONS = 5: versions kept of each kind after a retraining, besides the
  live one and the one before it; older ones are deleted with their files;
- TRIAGE_RETRAIN_GUARD_SECONDS = 3600: a retraining waiting in the task queue holds back
  another for at most this long (after that its worker is taken for dead);
- TRIAGE_RETRAIN_STALE_SECONDS = 300: a running retraining that showed no sign of life
  for this long (its process was killed) no longer holds back another, which takes over.
- TRIAGE_FIRST_MODEL_GRACE_HOURS = 24: how long a kind may go without any model once
  its history could train one before `/healthz?check=all` calls it stale (`stalled`).

One retraining of a kind runs at a time, whoever started it (`train` claims its
`Retraining` row, naming its host and process, and refreshes the claim at each step);
a version's file is named with a random token as well as its number.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import os
import secrets
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aduan.lib.locks import hold_lock
from aduan.organizations.models import Organization, region_ancestor_codes
from aduan.reports.lifecycle import Action
from aduan.reports.models import Dispatch, Report, ReportEvent, Status
from aduan.triage.models import Retraining, TriageModel

log = logging.getLogger(__name__)
Kind = TriageModel.Kind
HOLDOUT_SHARE = 0.2


def setting(name: str, default):
    return getattr(settings, name, default)


def _region_word(code: str) -> str:
    """A word standing for one region: ten letters from a hash of its code, so that two
    regions share no character n-grams beyond chance (codes spelled out, like "33.02"
    and "33.74", would look alike to the character features and blur the regions)."""
    digest = hashlib.sha256(code.encode()).hexdigest()[:10]
    return "".join(chr(ord("a") + int(digit, 16)) for digit in digest)


def report_text(title: str, body: str, region_code: str | None = None) -> str:
    """The text a model reads: title, body, and the report's region as words.

    Where a report happened says much about who handles it (which regency, which
    district office), so the region and the regions above it become words of their own.
    """
    regions = ""
    if region_code:
        codes = reversed(region_ancestor_codes(region_code))
        regions = " ".join(_region_word(c) for c in codes)
    return f"{title}\n{body}\n{regions}"


@dataclass
class History:
    """Labelled texts, oldest first, and "not our remit" examples."""

    texts: list[str] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    regions: list[str | None] = field(default_factory=list)  # each report's region code
    negative_texts: list[str] = field(default_factory=list)
    negative_labels: list[int] = field(default_factory=list)
    # The newest timeline event when the history was read: "not our remit" after it are
    # taken at suggestion time (`aduan.triage.suggest`), until the next retraining.
    events_through: int = 0


def organization_history(limit: int | None = None) -> History:
    limit = limit or setting("TRIAGE_MAX_REPORTS", 100_000)
    current = (
        Dispatch.objects.filter(to_organization_id=F("report__organization_id"))
        .values("report_id")
        .annotate(last=Max("at"))
        .order_by("-last")[:limit]
    )
    order = {row["report_id"]: row["last"] for row in current}
    reports = Report.objects.filter(pk__in=list(order)).values_list(
        "pk", "title", "body", "region_id", "organization_id", "status"
    )
    # A report still waiting at an organization with units may yet go further down:
    # where it ends up is the label, not where it waits.
    parents = set(
        Organization.objects.active()
        .filter(parent__isnull=False)
        .values_list("parent_id", flat=True)
    )
    history = History()
    for _pk, title, body, region, org, status in sorted(reports, key=lambda r: (order[r[0]], r[0])):
        if status == Status.DISPATCHED and org in parents:
            continue
        history.texts.append(report_text(title, body, region))
        history.labels.append(org)
        history.regions.append(region)
    history.events_through = ReportEvent.objects.aggregate(top=Max("pk"))["top"] or 0
    declined = ReportEvent.objects.filter(
        action=Action.NOT_OUR_REMIT, pk__lte=history.events_through
    ).order_by("-at")[:limit]
    fields = ("report__title", "report__body", "report__region_id", "data")
    for title, body, region, data in declined.values_list(*fields):
        if (data or {}).get("from"):
            history.negative_texts.append(report_text(title, body, region))
            history.negative_labels.append(data["from"])
    return history


def category_history(limit: int | None = None) -> History:
    limit = limit or setting("TRIAGE_MAX_REPORTS", 100_000)
    rows = (
        Report.objects.filter(category__isnull=False, verified_at__isnull=False)
        .order_by("-verified_at", "-pk")
        .values_list("title", "body", "region_id", "category_id")[:limit]
    )
    history = History()
    for title, body, region, category in reversed(list(rows)):
        history.texts.append(report_text(title, body, region))
        history.labels.append(category)
    return history


HISTORIES = {Kind.ORGANIZATION: organization_history, Kind.CATEGORY: category_history}


def label_names(kind: str, labels: set[int]) -> dict[int, str]:
    """What each label is called, as a text the model reads beside the reports: an
    organization's name, a category's name with its parent's. It tells the model about
    a label before its history does. Not the regions an organization serves: the words
    of a province are in every report of that province, so a name carrying them would
    pull every report towards the province; jurisdictions weigh in after the model
    (`aduan.triage.suggest`)."""
    from aduan.organizations.models import Category

    if kind == Kind.ORGANIZATION:
        return dict(Organization.objects.filter(pk__in=labels).values_list("pk", "name"))
    categories = Category.objects.filter(pk__in=labels).select_related("parent")
    return {c.pk: f"{c.parent.name} {c.name}" if c.parent else c.name for c in categories}


def agencies_of(organization_ids) -> dict[int, int]:
    """Each organization's nearest agency at or above it (itself for an agency): the
    level a national admin dispatches at, where the model's figures are also measured."""
    organizations = list(Organization.objects.filter(pk__in=organization_ids))
    paths = {path for org in organizations for path in org.ancestor_paths()}
    agencies = {
        org.path: org.pk for org in Organization.objects.filter(path__in=paths) if org.is_agency
    }
    nearest = {}
    for org in organizations:
        found = [agencies[p] for p in reversed(org.ancestor_paths()) if p in agencies]
        nearest[org.pk] = found[0] if found else org.pk
    return nearest


def model_dir() -> Path:
    path = Path(settings.STATE_DIR) / "triage"
    path.mkdir(parents=True, exist_ok=True)
    return path


def model_file(stored: str) -> Path:
    """The file of a TriageModel row's `file`.

    Rows name their file relative to STATE_DIR ("triage/category-v3.joblib"), so a
    state directory restored on another host, or mounted elsewhere, still serves its
    models. Rows written before that hold an absolute path; where it no longer exists,
    the file of the same name in this host's STATE_DIR/triage is taken.
    """
    path = Path(stored)
    if not path.is_absolute():
        return Path(settings.STATE_DIR) / path
    if path.exists():
        return path
    return Path(settings.STATE_DIR) / "triage" / path.name


class UnusableModel(Exception):
    """A model file that cannot serve suggestions; `problem` is "missing", "unreadable" or
    "deleted" (its version, while being made live) and the message says why, for people.
    `error` is only the class name of what failed: it may be shown where the message,
    with its file path and the library's words, may not (the public health check)."""

    def __init__(self, message: str, problem: str, error: str):
        super().__init__(message)
        self.problem, self.error = problem, error


def load_model(stored: str):
    """The classifier a row's `file` holds, tried on one word before it is trusted.

    Raises UnusableModel for a file that is missing, damaged, or written by a version of
    Aduan or scikit-learn whose classes this one no longer has: unpickling such a file
    fails in many ways (zlib, pickle, import and attribute errors), none of which may
    reach a page."""
    import joblib

    from aduan.triage.classifier import TextClassifier

    path = model_file(stored)
    if not path.is_file():
        message = _("the file %(file)s is missing") % {"file": stored}
        raise UnusableModel(message, "missing", FileNotFoundError.__name__)
    try:
        model = joblib.load(path)
        if not isinstance(model, TextClassifier):
            raise TypeError(f"{type(model).__name__} is not a TextClassifier")
        model.predict_proba_matrix(model.features.transform(["jalan"]))
    except Exception as exc:  # anything a damaged or foreign pickle raises
        name = type(exc).__qualname__
        if type(exc).__module__ != "builtins":  # "zlib.error" says more than "error"
            name = f"{type(exc).__module__}.{name}"
        reason = f"{name}: {exc}"[:200]
        raise UnusableModel(
            _("the file %(file)s cannot be read (%(reason)s)") % {"file": stored, "reason": reason},
            "unreadable",
            name,
        ) from exc
    return model


class RetrainingRunning(Exception):
    """Another retraining of the kind runs now, in some process on some host; `claim` is
    its `Retraining` row (since when, where, its last sign of life)."""

    def __init__(self, claim: Retraining):
        super().__init__(f"a retraining of {claim.kind} is already running: {describe(claim)}")
        self.kind, self.since, self.claim = claim.kind, claim.running_since, claim


class RetrainingAlive(RetrainingRunning):
    """`--force` refused: the run holding the kind is a live process on this very host
    (an operator mistaking a slow run for a dead one would only waste it)."""


class RetrainingTakenOver(Exception):
    """The claim of a running retraining was taken over (`retrain_triage --force`, or
    after a silence longer than TRIAGE_RETRAIN_STALE_SECONDS): the run stops, as the
    one that took over records the newer model. `recorded` is the version it had
    recorded already, left as it is but not made live."""

    def __init__(self, recorded: TriageModel | None = None):
        super().__init__("the retraining was taken over")
        self.recorded = recorded


def describe(claim: Retraining) -> str:
    """A running retraining's claim, for the command's output and the log."""
    when = _local_time(claim.running_since) if claim.running_since else "a moment ago"
    where = f"{claim.host or 'an unknown host'}, process {claim.pid or '?'}"
    alive = _local_time(claim.alive_at or claim.running_since)
    return f"since {when} on {where}, last sign of life at {alive}"


def _local_time(moment: datetime.datetime | None) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M:%S %Z}" if moment else "unknown"


def train(kind: str, *, stdout=None, force: bool = False) -> TriageModel | None:
    """Train a model of `kind` from the history, record it, and make it live if the
    settings say so. None when the history is too thin (routing rules serve meanwhile).

    One at a time, however it was started (the command, the worker, the page): raises
    RetrainingRunning while another retraining of `kind` runs, unless it showed no sign
    of life for TRIAGE_RETRAIN_STALE_SECONDS (its process is taken for dead) or `force`
    (an operator who knows it is dead); the claim taken over is said and logged."""
    say = stdout.write if stdout else log.info
    started_at, taken_over = _claim(kind, force=force)
    if taken_over is not None:
        say(f"{kind}: taking over the retraining {describe(taken_over)}.")
        log.warning("Retraining of %s taken over from the one %s.", kind, describe(taken_over))
    # Same start, host and process: a run started in the same second elsewhere, or by
    # this process again (`--force` from a shell inside it), is another run.
    own = Retraining.objects.filter(
        kind=kind, running_since=started_at, host=socket.gethostname()[:255], pid=os.getpid()
    )

    def progress(message: str | None = None) -> None:
        if message:
            say(message)
        if not own.update(alive_at=timezone.now()):
            raise RetrainingTakenOver

    try:
        return _train(kind, progress, holds=own.exists)
    except RetrainingTakenOver as stopped:
        # Going on would load the CPU beside the newer run and make an older model live
        # over its one.
        now = describe(Retraining.objects.get(kind=kind))
        recorded = stopped.recorded
        kept = f", v{recorded.version} recorded but not made live" if recorded else ""
        say(f"{kind}: stopped{kept}: the retraining was taken over by the one {now}.")
        log.warning(
            "Retraining of %s started at %s stopped%s: taken over by the one %s.",
            kind,
            _local_time(started_at),
            kept,
            now,
        )
        return None
    finally:
        own.update(running_since=None, host="", pid=None, alive_at=None)
        _read_again_if_words_changed(kind, started_at)


def words_changed() -> None:
    """Reports' words are being taken back (an erasure, in the caller's transaction), and
    the live models keep the words they read: each live kind is retrained once the
    caller commits. A retraining running then may have read them before: it is marked,
    and followed by another once it ends. One waiting in the queue reads them as
    changed. The other live kinds are queued.

    All of it waits for the commit: a run that starts while the erasure is still
    uncommitted reads the old words too, and must be marked like the others (a task
    queued for it now would find it running, and be dropped)."""
    transaction.on_commit(_retrain_changed_words)


def _retrain_changed_words() -> None:
    from aduan.lib.tasks import enqueue_with_transaction
    from aduan.triage.tasks import retrain_triage

    now = timezone.now()
    # Marked first, then read: a run that released its claim in between sees the mark
    # (`_read_again_if_words_changed`); one that started in between reads the new words.
    Retraining.objects.filter(_alive(now)).update(words_changed_at=now)
    running = set(Retraining.objects.filter(_alive(now)).values_list("kind", flat=True))
    live = set(TriageModel.objects.filter(is_live=True).values_list("kind", flat=True))
    wanted = sorted(live - running - _kinds_waiting(now))
    if wanted:
        enqueue_with_transaction(lambda: retrain_triage.enqueue(wanted))


def _kinds_waiting(now: datetime.datetime) -> set[str]:
    """The kinds of the retrainings waiting in the task queue (see `retraining_waiting`)."""
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    guard = datetime.timedelta(seconds=setting("TRIAGE_RETRAIN_GUARD_SECONDS", 3600))
    waiting = DBTaskResult.objects.filter(
        task_path=RETRAIN_TASK, status=TaskResultStatus.READY, enqueued_at__gte=now - guard
    ).values_list("args_kwargs", flat=True)
    kinds = set()
    for call in waiting:
        args = (call or {}).get("args") or [[]]
        if isinstance(args[0], list):
            kinds.update(kind for kind in args[0] if isinstance(kind, str))
    return kinds


def _read_again_if_words_changed(kind: str, started_at: datetime.datetime) -> None:
    """After a run of `kind` released its claim: another run, when words changed while it
    was reading (`words_changed`), unless one of `kind` waits in the queue already. Not
    held back by retrainings of other kinds, running or waiting, as `enqueue_retraining`
    is: they do not retrain this one. The claim was released first, so an erasure that
    marks it after this reads it finds no run and queues its own."""
    from aduan.lib.tasks import enqueue_with_transaction
    from aduan.triage.tasks import retrain_triage

    changed = Retraining.objects.filter(kind=kind, words_changed_at__gte=started_at).exists()
    if changed and kind not in _kinds_waiting(timezone.now()):
        log.info("Retraining %s again: reports' words changed while it was reading.", kind)
        enqueue_with_transaction(lambda: retrain_triage.enqueue([kind]))


def _alive(now: datetime.datetime) -> Q:
    """Claims of retraining runs that showed a sign of life lately."""
    silent = now - datetime.timedelta(seconds=setting("TRIAGE_RETRAIN_STALE_SECONDS", 300))
    return Q(running_since__isnull=False) & (
        Q(alive_at__gte=silent) | Q(alive_at__isnull=True, running_since__gte=silent)
    )


def _claim(kind: str, *, force: bool) -> tuple[datetime.datetime, Retraining | None]:
    """Claim the retraining of `kind`: when it was claimed, and the claim it took over.

    One conditional UPDATE, on the claim exactly as read: of two processes (on any host,
    SQLite or PostgreSQL) one gets it, and what was taken over is what is reported."""
    now = timezone.now()
    Retraining.objects.get_or_create(kind=kind)
    before = Retraining.objects.get(kind=kind)
    claimable = Retraining.objects.filter(kind=kind, running_since=before.running_since)
    mine = {"running_since": now, "host": socket.gethostname()[:255], "pid": os.getpid()}
    if not force:
        claimable = claimable.exclude(_alive(now))
    elif before.running_since is not None and _runs_here(before, mine):
        raise RetrainingAlive(before)
    if not claimable.update(**mine, alive_at=now):
        raise RetrainingRunning(Retraining.objects.get(kind=kind))
    return now, before if before.running_since is not None else None


def _runs_here(claim: Retraining, mine: dict) -> bool:
    """Whether `claim` is another process of this host that still exists (checked with
    signal 0, which sends nothing). A process on another host cannot be asked: there,
    `--force` is the operator's word."""
    if claim.host != mine["host"] or not claim.pid or claim.pid == mine["pid"]:
        return False
    try:
        os.kill(claim.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: it exists
    return True


def _train(kind: str, say, *, holds) -> TriageModel | None:
    import joblib

    history = HISTORIES[kind]()
    if len(history.labels) < setting("TRIAGE_MIN_SAMPLES", 20) or len(set(history.labels)) < 2:
        say(f"{kind}: {len(history.labels)} labelled reports, too few to train.")
        Retraining.objects.filter(kind=kind).update(
            gave_up_at=timezone.now(), labels_then=len(history.labels)
        )
        return None
    started = time.perf_counter()
    # Scored on the newest fifth after learning from the rest, like tomorrow's reports;
    # the served model then learns from every report, the newest mattering most.
    say(f"{kind}: learning from {len(history.labels)} reports…")
    model, evaluation = _learn(kind, history, step=say)
    metrics = evaluation.as_dict() | {"total_seconds": round(time.perf_counter() - started, 2)}
    say(f"{kind}: writing the model…")
    return _record(kind, model, history, metrics, joblib, holds=holds)


def _learn(kind: str, history: History, step=None):
    """The model to serve, learnt from all of `history`, and its held-out evaluation;
    `step()` is called after each stage of learning (a retraining's sign of life)."""
    from aduan.triage.classifier import train_for_serving

    groups = offered = among_units = None
    if kind == Kind.ORGANIZATION:
        from aduan.triage.suggest import NationalOffer

        # Measured as a national admin is offered them: at the agency level, with the
        # agencies' declared jurisdictions weighed in for each report's place; and the
        # confidences an agency admin sees fitted on the choice among their own units.
        groups = agencies_of(set(history.labels))
        offer = NationalOffer(groups)

        def offered(row, classes, proba):
            return offer.ranked(classes, proba, history.regions[row])

        def among_units(row, classes, proba):
            label, region = history.labels[row], history.regions[row]
            return offer.among_units(classes, proba, label, region)

    model, evaluation = train_for_serving(
        history.texts,
        history.labels,
        holdout=round(len(history.labels) * HOLDOUT_SHARE),
        names=label_names(kind, set(history.labels)),
        groups=groups,
        offered=offered,
        among_units=among_units,
        step=step,
    )
    model.remember_negatives(history.negative_texts, history.negative_labels)
    model.events_through = history.events_through
    return model, evaluation


def _record(kind: str, model, history: History, metrics: dict, joblib, *, holds) -> TriageModel:
    """Record `model` as the next version of `kind`, and make it live if the settings say
    so; `holds()` tells whether the run still holds its claim, checked under the version
    lock before the version is taken and again before it is made live."""
    # Written under a name no other run can take, and given its version's name only once
    # the version is taken: even a run taken for dead that still finishes cannot
    # overwrite the file another row serves.
    token = secrets.token_hex(4)
    part = model_dir() / f".{kind}-{token}.part"
    try:
        joblib.dump(model, part, compress=3)
        with transaction.atomic():
            hold_lock(f"aduan.triage.versions.{kind}")
            if not holds():
                raise RetrainingTakenOver
            latest = TriageModel.objects.filter(kind=kind).aggregate(v=Max("version"))["v"] or 0
            path = model_dir() / f"{kind}-v{latest + 1}-{token}.joblib"
            row = TriageModel.objects.create(
                kind=kind,
                version=latest + 1,
                n_samples=len(history.labels),
                n_negatives=len(history.negative_labels),
                metrics=metrics,
                file=str(path.relative_to(settings.STATE_DIR)),
            )
            os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)
    Retraining.objects.filter(kind=kind).update(gave_up_at=None, labels_then=0)
    has_live = TriageModel.objects.filter(kind=kind, is_live=True).exists()
    if not holds():
        # Taken over while writing: the newer run's model is the one to serve.
        raise RetrainingTakenOver(recorded=row)
    if setting("TRIAGE_AUTO_PROMOTE", True) or not has_live:
        row.make_live(check=False)  # just written; loading it again would double the memory
    prune_versions(kind)
    return row


def prune_versions(kind: str) -> int:
    """Delete the versions of `kind` older than the newest TRIAGE_KEEP_VERSIONS, with their
    files, except the live one and the newest before it (what a rollback switches to);
    returns how many. Each file is tens of megabytes, and a busy installation retrains
    several times a day."""
    keep_newest = max(1, setting("TRIAGE_KEEP_VERSIONS", 5))
    _remove_abandoned_parts(kind)
    with transaction.atomic():
        # Under the lock `make_live` takes: a version being made live meanwhile is either
        # live before this reads, or finds itself deleted and changes nothing.
        hold_lock(f"aduan.triage.versions.{kind}")
        rows = TriageModel.objects.filter(kind=kind)
        versions = list(rows.order_by("-version").values_list("version", flat=True))
        keep = set(versions[:keep_newest])
        live = rows.filter(is_live=True).values_list("version", flat=True).first()
        if live is not None:
            keep |= {live, *[version for version in versions if version < live][:1]}
        old = rows.filter(is_live=False).exclude(version__in=keep)
        return old.delete()[1].get(TriageModel._meta.label, 0)


def _remove_abandoned_parts(kind: str) -> None:
    """Half-written files of retrainings that died while writing (killed, out of memory):
    untouched for longer than the guard, no live run is still writing them."""
    lost = time.time() - setting("TRIAGE_RETRAIN_GUARD_SECONDS", 3600)
    for part in model_dir().glob(f".{kind}-*.part"):
        try:
            if part.stat().st_mtime < lost:
                part.unlink()
        except OSError:  # gone meanwhile, or not ours to remove: a later run tries again
            continue


def new_labels_since(kind: str, since: datetime.datetime | None) -> int:
    if kind == Kind.ORGANIZATION:
        dispatches = Dispatch.objects.all()
        declined = ReportEvent.objects.filter(action=Action.NOT_OUR_REMIT)
        if since:
            dispatches, declined = dispatches.filter(at__gt=since), declined.filter(at__gt=since)
        return dispatches.count() + declined.count()
    verified = Report.objects.filter(category__isnull=False, verified_at__isnull=False)
    return (verified.filter(verified_at__gt=since) if since else verified).count()


def _has_two_labels(kind: str) -> bool:
    """Whether a model could be trained: a single label teaches nothing. Two lookups
    that each stop at the first row found, not a DISTINCT over the whole history (the
    health check asks this of a kind never trained)."""
    if kind == Kind.ORGANIZATION:
        rows, field = Dispatch.objects.all(), "to_organization"
    else:
        rows = Report.objects.filter(category__isnull=False, verified_at__isnull=False)
        field = "category"
    first = rows.order_by().values_list(field, flat=True).first()
    return first is not None and rows.exclude(**{field: first}).exists()


def _waiting_for_labels(kind: str) -> bool:
    """Whether the last retraining of `kind` found too few labels and the history has not
    grown enough since: each new label takes a new dispatch (or verification), so fewer
    new ones than were missing cannot make it enough. Dispatches outnumber labels (a
    report dispatched national → agency → unit is one label), which is why "due" alone
    would queue a retraining on every pass of the scan."""
    state = Retraining.objects.filter(kind=kind, gave_up_at__isnull=False).first()
    if state is None:
        return False
    needed = max(1, setting("TRIAGE_MIN_SAMPLES", 20) - state.labels_then)
    return new_labels_since(kind, state.gave_up_at) < needed


def due_kinds(now: datetime.datetime) -> list[str]:
    """Kinds whose model is missing and could be trained, or stale by the settings."""
    due = []
    every = datetime.timedelta(days=setting("TRIAGE_RETRAIN_EVERY_DAYS", 7))
    for kind in Kind.values:
        last = TriageModel.objects.filter(kind=kind).order_by("-trained_at").first()
        fresh = new_labels_since(kind, last.trained_at if last else None)
        if _waiting_for_labels(kind):
            continue
        if last is None:
            if fresh >= setting("TRIAGE_MIN_SAMPLES", 20) and _has_two_labels(kind):
                due.append(kind)
        elif fresh >= setting("TRIAGE_RETRAIN_AFTER_LABELS", 200) or (
            fresh and now - last.trained_at >= every
        ):
            due.append(kind)
    return due


RETRAIN_TASK = "aduan.triage.tasks.retrain_triage"


def retraining_waiting(now: datetime.datetime) -> datetime.datetime | None:
    """Since when a retraining waits in the task queue for a worker to take it, or None.
    One older than TRIAGE_RETRAIN_GUARD_SECONDS counts as lost (no worker took it)."""
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    guard = datetime.timedelta(seconds=setting("TRIAGE_RETRAIN_GUARD_SECONDS", 3600))
    return (
        DBTaskResult.objects.filter(
            task_path=RETRAIN_TASK,
            status=TaskResultStatus.READY,
            enqueued_at__gte=now - guard,
        )
        .order_by("enqueued_at")
        .values_list("enqueued_at", flat=True)
        .first()
    )


def running_retrainings(now: datetime.datetime) -> list[Retraining]:
    """The retrainings running now (started any way, on any host), oldest first: claims
    with a sign of life within TRIAGE_RETRAIN_STALE_SECONDS. A killed run's claim stays
    in the table but is left out here, and the next retraining takes it over."""
    return list(Retraining.objects.filter(_alive(now)).order_by("running_since"))


def retraining_queued(now: datetime.datetime) -> datetime.datetime | None:
    """Since when a retraining waits in the task queue or runs (started any way), or None.

    Read from the task queue and the running retrainings' claims, so every process and
    host agrees. A task the worker has taken counts through its claims only: a worker
    killed mid-task leaves the task marked running, but its claim falls silent.
    """
    running = [claim.running_since for claim in running_retrainings(now)]
    return min([moment for moment in [retraining_waiting(now), *running] if moment], default=None)


def enqueue_retraining(kinds: list[str], now: datetime.datetime) -> bool:
    """Queue a retraining of `kinds` for the worker unless one is queued or running."""
    from aduan.lib.tasks import enqueue_with_transaction
    from aduan.triage.tasks import retrain_triage

    if not kinds or retraining_queued(now):
        return False
    enqueue_with_transaction(lambda: retrain_triage.enqueue(kinds))
    return True


def retrain_if_due(now: datetime.datetime) -> list[str]:
    """For the periodic scan: enqueue a retraining of every kind that is due."""
    kinds = due_kinds(now)
    return kinds if enqueue_retraining(kinds, now) else []


# --- Is retraining stalled? -------------------------------------------------------------

# Newest dispatches (by primary key, so read from its index whatever the history's size)
# in which the health check looks for a label newer than a model.
LABEL_WINDOW = 500


class Stalled(NamedTuple):
    """A kind whose model retraining should have renewed or made, and has not."""

    reason: str  # "not_retrained" (its newest model is old) or "never_trained"
    last: datetime.datetime | None = None  # when a retraining last ran to its end


def stalled(now: datetime.datetime) -> dict[str, Stalled]:
    """The kinds whose retraining seems stuck (a worker failing in training, a scan not
    queueing it): the newest model, live or not, is older than twice
    TRIAGE_RETRAIN_EVERY_DAYS and a label came after it at least that period ago (so
    retraining has been due for a whole period); or there is none although
    `due_kinds` would have made one TRIAGE_FIRST_MODEL_GRACE_HOURS ago. For the health
    check, which anyone may poll: a few queries on indexes or stopped at a few rows."""
    # At least a day: 0 retrains at every new label, and the scan needs its pass first.
    every = max(
        datetime.timedelta(days=setting("TRIAGE_RETRAIN_EVERY_DAYS", 7)), datetime.timedelta(days=1)
    )
    grace = datetime.timedelta(hours=setting("TRIAGE_FIRST_MODEL_GRACE_HOURS", 24))
    newest = dict(
        TriageModel.objects.order_by()
        .values("kind")
        .annotate(last=Max("trained_at"))
        .values_list("kind", "last")
    )
    gave_up = {
        row.kind: row
        for row in Retraining.objects.filter(gave_up_at__isnull=False).only(
            "kind", "gave_up_at", "labels_then"
        )
    }
    found = {}
    for kind in Kind.values:
        if kind in newest:
            # A retraining that found too few labels counts as one that ran.
            last = max(newest[kind], getattr(gave_up.get(kind), "gave_up_at", newest[kind]))
            # Due since a period at least: a label that just came is left to the scan.
            if now - last > 2 * every and _label_between(kind, last, now - every):
                found[kind] = Stalled("not_retrained", last)
        elif _first_model_overdue(kind, now - grace, gave_up.get(kind)):
            found[kind] = Stalled("never_trained")
    return found


def _label_between(kind: str, since: datetime.datetime, until: datetime.datetime) -> bool:
    """Whether a label came after `since` and by `until`, looked for among the newest
    LABEL_WINDOW dispatches. Every label comes with a dispatch (the one that verified a
    report settled its category), and a report passed back as "not our remit" is
    dispatched again."""
    window = Dispatch.objects.order_by("-pk").values("pk")[:LABEL_WINDOW]
    dispatches = Dispatch.objects.filter(pk__in=window)
    if kind == Kind.ORGANIZATION:
        return dispatches.filter(at__gt=since, at__lte=until).exists()
    verified = dispatches.filter(
        report__category__isnull=False,
        report__verified_at__gt=since,
        report__verified_at__lte=until,
    )
    return verified.exists()


def _first_model_overdue(kind: str, cutoff: datetime.datetime, gave_up) -> bool:
    """Whether `due_kinds` would have made the first model of `kind` by `cutoff`: enough
    labels by then (since the last retraining that found too few, if one did)."""
    enough = setting("TRIAGE_MIN_SAMPLES", 20)
    since = None
    if gave_up is not None:
        enough, since = max(1, enough - gave_up.labels_then), gave_up.gave_up_at
        if since >= cutoff:
            return False
    return _labels_by(kind, cutoff, since, enough) and _has_two_labels(kind)


def _labels_by(kind: str, cutoff, since, enough: int) -> bool:
    """Whether `enough` labels had come by `cutoff` (after `since`), as `new_labels_since`
    counts them; counted up to `enough` only, so a long history stops the count early."""
    window = Q(at__lte=cutoff) & (Q(at__gt=since) if since else Q())
    if kind == Kind.ORGANIZATION:
        found = Dispatch.objects.filter(window).order_by()[:enough].count()
        if found >= enough:
            return True
        declined = ReportEvent.objects.filter(window, action=Action.NOT_OUR_REMIT)
        return found + declined.order_by()[: enough - found].count() >= enough
    verified = Report.objects.filter(category__isnull=False, verified_at__lte=cutoff)
    if since:
        verified = verified.filter(verified_at__gt=since)
    return verified.order_by()[:enough].count() >= enough
