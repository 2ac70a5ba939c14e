"""Train new suggestion models from the installation's history, or switch the live one.

python manage.py retrain_triage                 # both kinds, now, in this process
python manage.py retrain_triage --kind category
python manage.py retrain_triage --background    # enqueue for the worker instead
python manage.py retrain_triage --force         # take over a retraining known to be dead
python manage.py retrain_triage --list
python manage.py retrain_triage --make-live organization 3
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation

from aduan.triage import training
from aduan.triage.models import TriageModel


class Command(BaseCommand):
    help = "Retrain the triage suggestion models, list them, or switch the live one."

    def add_arguments(self, parser):
        parser.add_argument("--kind", choices=TriageModel.Kind.values, action="append")
        parser.add_argument("--background", action="store_true", help="Enqueue a task.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Take over a retraining that still holds its kind (its process is dead).",
        )
        parser.add_argument("--list", action="store_true", help="List the recorded models.")
        parser.add_argument(
            "--make-live", nargs=2, metavar=("KIND", "VERSION"), help="Switch the live model."
        )

    def handle(self, *args, **options):
        if options["list"]:
            return self._list()
        if options["make_live"]:
            return self._make_live(*options["make_live"])
        kinds = options["kind"] or list(TriageModel.Kind.values)
        if options["background"]:
            if options["force"]:
                raise CommandError("--force takes over in this process: leave out --background.")
            return self._enqueue(kinds)
        busy = []
        for kind in kinds:
            try:
                row = training.train(kind, stdout=self.stdout, force=options["force"])
            except training.RetrainingAlive as alive:
                raise CommandError(
                    f"A retraining of {alive.kind} is running {training.describe(alive.claim)}, "
                    "and that process is alive on this host: --force would only waste its "
                    "work. Wait for it, or stop that process first."
                ) from alive
            except training.RetrainingRunning as running:
                busy.append(running)
                continue
            if row is not None:
                live = " (live)" if row.is_live else ""
                self.stdout.write(f"{_named(row)}{live}: {row.n_samples} reports, {row.metrics}")
        if busy:
            raise CommandError(
                "; ".join(
                    f"A retraining of {r.kind} is already running {training.describe(r.claim)}"
                    for r in busy
                )
                + ": try again when it is done, or, if that process is dead, take it over"
                " with --force."
            )

    def _enqueue(self, kinds: list[str]):
        now = timezone.now()
        if not training.enqueue_retraining(kinds, now):
            since = training.retraining_queued(now)
            running = "".join(
                f" Running: {claim.kind} {training.describe(claim)}."
                for claim in training.running_retrainings(now)
            )
            raise CommandError(
                f"A retraining is already queued or running since {_when(since)}: "
                f"the worker retrains once it is done.{running}"
            )
        self.stdout.write(f"Enqueued: {', '.join(kinds)}.")

    def _list(self):
        rows = list(TriageModel.objects.all())
        if not rows:
            self.stdout.write(
                "No suggestion model yet: the routing rules suggest until one is trained "
                "(retrain_triage, or the scan once enough reports are dispatched)."
            )
        for row in rows:
            live = "live" if row.is_live else "    "
            trained = timezone.localtime(row.trained_at)
            self.stdout.write(
                f"{row.kind:12} v{row.version:<4} {live} {trained:%Y-%m-%d %H:%M %Z} "
                f"{row.n_samples} reports {row.metrics}"
            )

    def _make_live(self, kind: str, version: str):
        # As `--list` prints it ("v3") or as a number.
        number = version.strip().lower().removeprefix("v")
        if not number.isdigit():
            raise CommandError(
                f"A version is a number, as --list shows it (v3 or 3), not {version!r}."
            )
        row = TriageModel.objects.filter(kind=kind, version=int(number)).first()
        if row is None:
            raise CommandError(f"No {kind} model with version {version}.")
        try:
            # Its reasons are translated for the back office; the command speaks English.
            with translation.override("en"):
                row.make_live()
        except training.UnusableModel as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{_named(row)} is live.")


def _named(row: TriageModel) -> str:
    """ "organization v3", as --kind and --make-live take it (`str(row)` is translated)."""
    return f"{row.kind} v{row.version}"


def _when(moment) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M %Z}" if moment else "a moment ago"
