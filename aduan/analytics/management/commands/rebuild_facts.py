"""Rewrite the monitoring facts of every report (after a bulk load or a tree change)."""

from django.core.management.base import BaseCommand
from tqdm import tqdm

from aduan.analytics.facts import rebuild_facts
from aduan.reports.models import Report


class Command(BaseCommand):
    help = "Rewrite the monitoring facts of every report, with a progress bar."

    def handle(self, *args, **options):
        with tqdm(
            total=Report.objects.count(), unit="report", disable=options["verbosity"] < 1
        ) as bar:
            done = rebuild_facts(progress=bar.update)
        self.stdout.write(f"Facts rewritten for {done} reports.")
