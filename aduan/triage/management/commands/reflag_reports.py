"""Read the urgency and abusive-language flags of stored reports again.

Intake stores the flags when a report arrives (`aduan.triage.hints.urgency_and_abuse`),
so inboxes sort on a column. After an upgrade that changes the phrase lists, run this
once so that reports already in the queues are flagged as new ones would be:

python manage.py reflag_reports             # reports still open
python manage.py reflag_reports --all       # every report
python manage.py reflag_reports --dry-run   # count what would change, write nothing
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db.models import Prefetch

from aduan.reports.lifecycle import WORDS_READ_WITH_REPORT, reread_flags
from aduan.reports.models import Report, ReportEvent

BATCH = 2000
FIELDS = ["urgency_flags", "is_urgent", "is_abusive"]
BY_HAND = ["urgency_set_by_hand", "abuse_set_by_hand"]


def _answers() -> Prefetch:
    """The reporter's answers to questions and the information they added: part of what
    a report says."""
    answers = ReportEvent.objects.filter(action__in=WORDS_READ_WITH_REPORT).order_by("at")
    return Prefetch("events", queryset=answers.only("report_id", "message"), to_attr="answers")


class Command(BaseCommand):
    help = "Recompute the stored urgency and abusive-language flags of reports."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Closed and archived too.")
        parser.add_argument("--dry-run", action="store_true", help="Write nothing.")

    def handle(self, *args, **options):
        reports = Report.objects.all() if options["all"] else Report.objects.open()
        total = reports.count()
        seen = changed = 0
        batch: list[Report] = []
        for report in (
            reports.only("id", "title", "body", *FIELDS, *BY_HAND)
            .prefetch_related(_answers())
            .order_by("id")
            .iterator(chunk_size=BATCH)
        ):
            seen += 1
            if self._reflag(report):
                changed += 1
                batch.append(report)
            if seen % BATCH == 0:  # so a batch never holds more than BATCH
                self._save(batch, options["dry_run"])
                batch = []
                self.stderr.write(f"{seen}/{total} read, {changed} changed")
        self._save(batch, options["dry_run"])
        verb = "would change" if options["dry_run"] else "changed"
        self.stdout.write(f"{seen} reports read, {changed} {verb}.")

    @staticmethod
    def _reflag(report: Report) -> bool:
        changes = reread_flags(report, answers=[event.message for event in report.answers])
        for name, value in changes.items():
            setattr(report, name, value)
        return bool(changes)

    @staticmethod
    def _save(batch: list[Report], dry_run: bool) -> None:
        # Flags are read from the text, not an officer's action: no timeline entry and
        # no version change, so nobody's open form is refused because of them.
        if batch and not dry_run:
            Report.objects.bulk_update(batch, FIELDS)
