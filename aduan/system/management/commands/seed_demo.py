"""Build the demo installation: Central Java agencies, one account per role, and reports.

All demo accounts share one password, printed with the accounts table (`--accounts-only`
prints only the table; `start` does that on every start). Reports are built through the
real intake and lifecycle with past timestamps; `--synthetic N` adds N bulk-loaded
reports for load testing (see `aduan.system.demo.synthetic`), spread over `--years` and
over synthetic agencies added up to `--organizations N`.

Running it again on a database that already holds the demo does not build a second one:
it only adds synthetic reports when asked and prints the accounts.
"""

from __future__ import annotations

import random
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction
from tqdm import tqdm

from aduan.notifications import outbox
from aduan.organizations.models import Organization
from aduan.reports.models import Report
from aduan.system.demo.accounts import account_rows, format_table, other_officer_count
from aduan.system.demo.stories import StoryBuilder, status_plan
from aduan.system.demo.synthetic import SyntheticLoader, ensure_organizations
from aduan.system.demo.world import DEMO_PASSWORD, build_world, demo_exists, load_world


class Command(BaseCommand):
    help = "Load a believable demo installation (Central Java) with reports in every status."

    def add_arguments(self, parser):
        parser.add_argument("--reports", type=int, default=300, help="Reports to build.")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed.")
        parser.add_argument(
            "--synthetic", type=int, default=0, help="Also bulk-load N synthetic reports."
        )
        parser.add_argument(
            "--open",
            action="store_true",
            help="Synthetic reports only in open statuses (for the deadline-scan benchmark).",
        )
        parser.add_argument(
            "--years",
            type=float,
            default=None,
            help="Spread the synthetic reports over this many years (old ones mostly closed).",
        )
        parser.add_argument(
            "--organizations",
            type=int,
            default=0,
            metavar="N",
            help="Before the synthetic load, add synthetic agencies with units until there "
            "are N organizations.",
        )
        parser.add_argument(
            "--accounts-only",
            action="store_true",
            help="Only print the demo accounts (if the demo exists).",
        )

    def handle(self, *args, **options):
        if options["accounts_only"]:
            self._print_accounts()
            return
        rng = random.Random(options["seed"])
        show = options["verbosity"] > 0
        if demo_exists():
            self.stdout.write("The demo installation already exists; not building it again.")
            world = load_world()
        else:
            call_command("load_regions", province="33", verbosity=options["verbosity"])
            world = build_world()
            self.stdout.write(f"Built {len(world.units)} units and {len(world.accounts)} accounts.")
            self._build_reports(world, rng, options["reports"], show)
            # The history was written with past dates, which the incremental refresh of
            # the monitoring facts does not look back to.
            call_command("rebuild_facts", verbosity=options["verbosity"])
            # Learn routing from the demo's dispatch history, so the verification page
            # suggests organizations and categories from the first start.
            call_command("retrain_triage", verbosity=options["verbosity"])
        if options["organizations"]:
            added = ensure_organizations(world, options["organizations"], rng)
            self.stdout.write(
                f"Added {added} synthetic organizations; {Organization.objects.count()} in total."
            )
        if options["synthetic"]:
            # The loader writes the facts of its reports itself: no rebuild needed.
            self._load_synthetic(world, rng, options["synthetic"], show, options)
        self._print_accounts()

    def _build_reports(self, world, rng: random.Random, count: int, show: bool) -> None:
        builder = StoryBuilder(world, rng)
        with outbox.in_app_only():
            self._build_each(builder, world, rng, count, show)
        self.stdout.write(f"Built {count} demo reports through intake and the lifecycle.")

    def _build_each(self, builder, world, rng: random.Random, count: int, show: bool) -> None:
        for status, steps in tqdm(
            status_plan(count, rng), unit="report", disable=not show, file=self.stderr
        ):
            with transaction.atomic():
                builder.build(status, steps)

    def _load_synthetic(self, world, rng: random.Random, count: int, show: bool, options) -> None:
        started = time.monotonic()
        loader = SyntheticLoader(world, rng, only_open=options["open"], years=options["years"])
        with tqdm(total=count, unit="report", disable=not show, file=self.stderr) as bar:
            loader.load(count, bar)
        seconds = time.monotonic() - started
        self.stdout.write(
            f"Loaded {count} synthetic reports in {seconds:.1f} s "
            f"({count / max(seconds, 0.001):.0f} reports/s); "
            f"{Report.objects.count()} reports in total."
        )

    def _print_accounts(self) -> None:
        rows = account_rows()
        if not rows:
            self.stdout.write("No demo accounts: run `seed_demo` to build the demo.")
            return
        self.stdout.write(self.style.SUCCESS("Demo accounts (one shared password):"))
        self.stdout.write(format_table(rows))
        others = other_officer_count()
        self.stdout.write(
            f"{others} more officer accounts (other agencies and departments) use the same "
            f"password {DEMO_PASSWORD}; see Organizations → Memberships in the admin."
        )
