"""Run the periodic work: deadline scan, daily digests, and the outbox sweep.

Safe on several hosts at once: every step claims what it acts on (see the modules).
`--loop N` repeats every N seconds until stopped; without it, one pass (for cron).
"""

import datetime
import logging
import signal
import threading

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
from aduan.deadlines.scan import scan
from aduan.lib.tasks import forget_old_task_results
from aduan.notifications.delivery import sweep_outbox
from aduan.notifications.tasks import requeue_stalled_announcements
from aduan.organizations.decrees import warn_of_expiring_decrees
from aduan.system.heartbeats import record_scan_pass
from aduan.triage.training import retrain_if_due
from aduan.webhooks import forwarding, outbound

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Remind, escalate and close by deadline, send daily digests, retry messages "
        "and webhook calls."
    )

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
            self.run_once(at)
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        while not stop.is_set():
            close_old_connections()
            try:
                self.run_once(at)
            except Exception:
                # A database restart or a bad row must not end the loop: log, retry later.
                logger.exception("The periodic scan failed; trying again in %s s", options["loop"])
            stop.wait(options["loop"])

    def run_once(self, at: datetime.datetime | None) -> None:
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
        if result.batches or digests or swept or calls or channels or self.verbosity > 1:
            # Through the log configuration (LOG_FORMAT), with the time and its offset.
            logger.info(
                "Scan pass: deadlines: %s; digests: %s; messages re-queued: %s; webhook calls "
                "re-queued: %s; report facts refreshed: %s; conversations ended, photos and "
                "imports re-queued: %s",
                result,
                digests,
                swept,
                calls,
                facts,
                channels,
            )
