"""Run the periodic work: deadline scan, daily digests, and the outbox sweep.

Safe on several hosts at once: every step claims what it acts on (see the modules).
`--loop N` repeats every N seconds until stopped, logging the passes that did something;
without it, one pass (for cron) that prints one line of what it did (none with -v 0).
"""

import datetime
import logging
import signal
import threading
from dataclasses import dataclass

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from aduan.analytics.facts import refresh_facts
from aduan.analytics.recap import forget_old_recaps, requeue_stalled_recaps
from aduan.analytics.snapshots import refresh_snapshots
from aduan.api.idempotency import forget_old_answers
from aduan.channels.importing import forget_old_import_files, requeue_stalled_imports
from aduan.channels.media import retry_media_downloads
from aduan.channels.whatsapp import end_idle_conversations
from aduan.deadlines.digests import send_digests
from aduan.deadlines.scan import ScanResult, scan
from aduan.lib.tasks import forget_old_task_results
from aduan.notifications.delivery import sweep_outbox
from aduan.notifications.tasks import requeue_stalled_announcements
from aduan.organizations.decrees import warn_of_expiring_decrees
from aduan.system.heartbeats import record_scan_pass
from aduan.triage.training import retrain_if_due
from aduan.webhooks import forwarding, outbound

logger = logging.getLogger(__name__)


@dataclass
class Summary:
    """What one pass did."""

    deadlines: ScanResult
    digests: int
    messages: int
    calls: int
    facts: int
    channels: int

    @property
    def did_something(self) -> bool:
        return bool(
            self.deadlines.batches or self.digests or self.messages or self.calls or self.channels
        )

    def __str__(self) -> str:
        return (
            f"Scan pass: deadlines: {self.deadlines}; digests: {self.digests}; messages "
            f"re-queued: {self.messages}; webhook calls re-queued: {self.calls}; report facts "
            f"refreshed: {self.facts}; conversations ended, photos and imports re-queued: "
            f"{self.channels}"
        )


class Command(BaseCommand):
    help = (
        "Remind, escalate and close by deadline, send daily digests, retry messages "
        "and webhook calls."
    )
    # Cron starts it every minute or so: Django's system checks would take most of each
    # run (loading every view and the suggestion models' libraries) and check nothing it
    # uses; `check --deploy`, `migrate` and `run_worker` still run them.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--loop", type=float, default=0, help="Repeat every N seconds.")
        parser.add_argument(
            "--at", help="Act as if it were this moment (ISO 8601), e.g. to catch up."
        )

    def handle(self, *args, **options):
        at = None
        if options["at"]:
            at = parse_datetime(options["at"])
            if at is None:
                raise CommandError("--at needs a date and time such as 2026-12-01T09:00")
            if timezone.is_naive(at):
                at = timezone.make_aware(at)
        self.verbosity = options["verbosity"]
        if not options["loop"]:
            summary = self.run_once(at)
            if self.verbosity >= 1:
                # Cron mails what a command prints: one line per run, even a quiet one.
                self.stdout.write(str(summary))
            else:
                self.log_pass(summary)
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        while not stop.is_set():
            close_old_connections()
            try:
                self.log_pass(self.run_once(at))
            except Exception:
                # A database restart or a bad row must not end the loop: log, retry later.
                logger.exception("The periodic scan failed; trying again in %s s", options["loop"])
            stop.wait(options["loop"])

    def run_once(self, at: datetime.datetime | None) -> Summary:
        now = at or timezone.now()
        result = scan(now)
        digests = send_digests(now)
        warn_of_expiring_decrees(now)
        swept = sweep_outbox(now)
        calls = (
            outbound.sweep(now)
            + forwarding.sweep(now)
            + forwarding.sweep_files(now)
            + forwarding.sweep_erasures()
        )
        facts = refresh_facts(now)
        refresh_snapshots(now)
        channels = (
            end_idle_conversations(now)
            + retry_media_downloads(now)
            + requeue_stalled_imports(now)
            + requeue_stalled_recaps(now)
            + requeue_stalled_announcements(now)
        )
        forget_old_answers(now)
        forget_old_import_files(now)
        forget_old_recaps(now)
        forget_old_task_results(now)
        retrain_if_due(now)
        # Last: a pass that fails on the way leaves the heartbeat stale (/healthz?check=all).
        record_scan_pass()
        return Summary(result, digests, swept, calls, facts, channels)

    def log_pass(self, summary: Summary) -> None:
        """Through the log configuration (LOG_FORMAT), with the time and its offset; a
        pass that did nothing only at -v 2."""
        if summary.did_something or self.verbosity > 1:
            logger.info("%s", summary)
