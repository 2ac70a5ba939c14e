"""Measure the back-office and public pages against the current database; with
`--scan`, the deadline scan; with `--delivery N`, real workers draining N messages; with
`--api-load`, reports created through the REST API served by gunicorn; with `--monev`,
the monitoring dashboards, the public search and the monthly recap PDF; with `--triage
CSV`, retraining the suggestion models on a large resampled history and scoring reports.

Prints one figure per line as `name: value unit`: median and 95th-percentile render time
(in-process, through Django's test client, so without network or WSGI server overhead)
and the number of SQL queries per page, signed in as the demo agency admin and the demo
liaison. Meant for a database loaded with `seed_demo --synthetic N`; never run in tests
as a timed assertion.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Iterator

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.urls import NoReverseMatch, reverse

from aduan.accounts.models import User
from aduan.organizations.access import Access
from aduan.reports.models import Report
from aduan.system.demo.world import EMAIL_DOMAIN

PAGE_SIZES = (25, 100)
CODE = r"([A-Z0-9]{4}-[A-Z0-9]{4})/"


class Command(BaseCommand):
    help = "Time the inbox, back-office report page and public report page (name: value unit)."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=30, help="Timed requests per page.")
        parser.add_argument("--admin", default=f"admin.banyumas@{EMAIL_DOMAIN}")
        parser.add_argument("--liaison", default=f"pupr.banyumas@{EMAIL_DOMAIN}")
        parser.add_argument(
            "--delivery",
            type=int,
            default=0,
            metavar="N",
            help="Instead of the pages: time real workers sending N messages to a fake "
            "SMS gateway (see aduan/system/benchmarks_delivery.py).",
        )
        parser.add_argument("--delivery-workers", type=int, default=2, metavar="W")
        parser.add_argument(
            "--scan",
            action="store_true",
            help="Instead of the pages: time the deadline scan over the open reports "
            "(see aduan/system/benchmarks_scan.py).",
        )
        parser.add_argument(
            "--api-load",
            action="store_true",
            help="Instead of the pages: clients creating reports through the REST API on a "
            "gunicorn subprocess (see aduan/system/benchmarks_api.py).",
        )
        parser.add_argument(
            "--monev",
            action="store_true",
            help="Instead of the pages: the national and agency dashboards, a two-word public "
            "search and the monthly recap PDF (see aduan/system/benchmarks_monev.py).",
        )
        parser.add_argument(
            "--triage",
            metavar="CSV",
            help="Instead of the pages: retrain the suggestion pipeline on --triage-rows "
            "reports resampled from a labelled CSV (see aduan/system/benchmarks_triage.py).",
        )
        parser.add_argument("--triage-text", default="text", metavar="COLUMN")
        parser.add_argument("--triage-label", default="label", metavar="COLUMN")
        parser.add_argument("--triage-rows", type=int, default=100_000, metavar="N")
        parser.add_argument(
            "--triage-split-labels",
            type=int,
            default=1,
            metavar="N",
            help="Split each label into N at random: as many times more organizations.",
        )
        parser.add_argument("--api-seconds", type=float, default=30, metavar="S")
        parser.add_argument("--api-clients", type=int, default=16, metavar="C")
        parser.add_argument("--api-workers", type=int, default=2, metavar="N")
        parser.add_argument(
            "--api-threads", type=int, default=4, metavar="T", help="0: sync workers."
        )
        parser.add_argument(
            "--api-drain",
            action="store_true",
            help="After the load, time one task worker writing the new reports' messages.",
        )

    def handle(self, *args, **options):
        if options["api_load"]:
            if (
                min(options["api_clients"], options["api_workers"]) < 1
                or options["api_seconds"] <= 0
                or options["api_threads"] < 0
            ):
                raise CommandError("--api-clients/--api-workers/--api-seconds must be positive.")
            from aduan.system.benchmarks_api import run as api_load

            api_load(
                self.emit,
                seconds=options["api_seconds"],
                clients=options["api_clients"],
                workers=options["api_workers"],
                threads=options["api_threads"],
                drain=options["api_drain"],
                progress=self.stderr,
            )
            return
        if options["triage"]:
            if options["triage_rows"] < 100:
                raise CommandError("--triage-rows must be at least 100.")
            if options["triage_split_labels"] < 1:
                raise CommandError("--triage-split-labels must be at least 1.")
            from aduan.system.benchmarks_triage import run as triage

            triage(
                self.emit,
                options["triage"],
                options["triage_text"],
                options["triage_label"],
                options["triage_rows"],
                options["triage_split_labels"],
            )
            return
        if options["monev"]:
            from aduan.system.benchmarks_monev import run as monev

            self.runs = max(2, options["runs"])
            monev(self.emit, self.measure, self._client, options["runs"])
            return
        if options["scan"]:
            from aduan.system.benchmarks_scan import run

            run(self.emit)
            return
        if options["delivery"]:
            if options["delivery"] < 1 or options["delivery_workers"] < 1:
                raise CommandError("--delivery and --delivery-workers must be at least 1.")
            from aduan.system.benchmarks_delivery import OtherWorkersRunning, drain

            try:
                drain(options["delivery"], options["delivery_workers"], stdout=self.stdout)
            except OtherWorkersRunning as exc:
                raise CommandError(str(exc)) from exc
            return
        self.runs = max(2, options["runs"])
        self.emit("reports_in_database", Report.objects.count(), "reports")
        for label, email in (("agency_admin", options["admin"]), ("liaison", options["liaison"])):
            user = User.objects.filter(email=email).first()
            if user is None:
                raise CommandError(f"No user {email}: load the demo first (seed_demo).")
            client = self._client()
            client.force_login(user)
            for name, url in self._staff_pages(client, user):
                self.measure(f"{name}_{label}", client, url)
        report = Report.objects.public().order_by("-submitted_at").first()
        if report is not None:
            url = reverse("portal:report", kwargs={"code": report.tracking_code})
            self.measure("public_report_page", self._client(), url)

    def emit(self, name: str, value, unit: str) -> None:
        self.stdout.write(f"{name}: {value} {unit}")

    def _client(self) -> Client:
        hosts = [h for h in settings.ALLOWED_HOSTS if h not in ("*", "")]
        host = "testserver" if "*" in settings.ALLOWED_HOSTS or not hosts else hosts[0]
        return Client(HTTP_HOST=host.lstrip("."))

    def _staff_pages(self, client: Client, user) -> Iterator[tuple[str, str]]:
        inbox = reverse("workspace:inbox")
        if self._supports_per_page(client, inbox):
            for size in PAGE_SIZES:
                yield f"inbox_all_per_page_{size}", f"{inbox}?tab=all&per_page={size}"
        else:
            yield "inbox_all_default_page", f"{inbox}?tab=all"
        yield "inbox_default_tab", inbox  # what a user sees first: their work queue
        report = self._report_for(user)
        if report is not None:
            try:
                url = reverse("workspace:report", kwargs={"code": report.tracking_code})
            except NoReverseMatch:
                return
            yield "report_page", url

    def _supports_per_page(self, client: Client, inbox: str) -> bool:
        """True when ?per_page=100 shows more rows than ?per_page=25 (counted in the HTML)."""
        counts = []
        for size in PAGE_SIZES:
            html = client.get(f"{inbox}?tab=all&per_page={size}").content.decode()
            prefix = re.escape(reverse("workspace:report", kwargs={"code": "XXXX-XXXX"})[:-10])
            counts.append(len(set(re.findall(prefix + CODE, html))))
        return counts[1] > counts[0]

    def _report_for(self, user) -> Report | None:
        """The newest report handled in the user's own organization subtree."""
        for org in (m.organization for m in Access.of(user).memberships):
            report = Report.objects.handled_by(org).order_by("-submitted_at").first()
            if report is not None:
                return report
        return None

    def measure(self, name: str, client: Client, url: str) -> None:
        """Warm up once while counting queries, then time `runs` requests."""
        # An execute wrapper, not CaptureQueriesContext: the request_started signal
        # resets the connection's query log in the middle of the capture.
        queries = QueryCounter()
        with connection.execute_wrapper(queries):
            response = client.get(url)
        if response.status_code != 200:
            self.emit(f"{name}_http_status", response.status_code, "status")
            return
        timings = []
        for _run in range(self.runs):
            started = time.perf_counter()
            client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        p95 = statistics.quantiles(timings, n=20, method="inclusive")[18]
        self.emit(f"{name}_median", f"{statistics.median(timings):.1f}", "ms")
        self.emit(f"{name}_p95", f"{p95:.1f}", "ms")
        self.emit(f"{name}_queries", queries.count, "queries")


class QueryCounter:
    """Counts the SQL statements run while installed as an execute wrapper."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)
