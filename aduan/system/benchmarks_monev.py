"""`manage.py benchmark --monev`: the monitoring dashboards, the public search and the
monthly recap PDF against the current database.

Pages are measured like the other page benchmarks (in-process through Django's test
client: median, 95th percentile and SQL queries of one warm-up request): the national
dashboard signed in as the demo national admin, the dashboard of Kabupaten Banyumas
signed in as its agency admin, and the public feed searched for two words. Dashboards
read the figures' snapshot, which the warm-up request stores; how long the scan takes
to compute a snapshot is printed as well (`*_snapshot_compute`, seconds). The recap of
Banyumas for the last full month is built up to three times (seconds: median and worst).
A figure whose feature is missing prints "not available" instead of a number.
"""

from __future__ import annotations

import datetime
import statistics
import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aduan.accounts.models import User
from aduan.organizations.models import Organization
from aduan.reports.models import Report
from aduan.system.demo.world import EMAIL_DOMAIN, NATIONAL_SLUG

NATIONAL_ADMIN = f"admin.nasional@{EMAIL_DOMAIN}"
AGENCY_ADMIN = f"admin.banyumas@{EMAIL_DOMAIN}"
AGENCY = "kab-banyumas"
SEARCH = "lampu jalan"
NOT_AVAILABLE = "not available"

Emit = Callable[[str, object, str], None]
Measure = Callable[[str, Client, str], None]


def run(emit: Emit, measure: Measure, new_client: Callable[[], Client], runs: int) -> None:
    """Print every figure; `measure(name, client, url)` times one page."""
    agency = Organization.objects.filter(slug=AGENCY).first()
    if agency is None or not Organization.objects.filter(slug=NATIONAL_SLUG).exists():
        raise CommandError("No demo organizations: load the demo first (seed_demo).")
    emit("reports_in_database", Report.objects.count(), "reports")
    emit("organizations_in_database", Organization.objects.count(), "organizations")
    _snapshot_compute(emit, None, "national")
    _snapshot_compute(emit, agency, "agency")
    dashboard = reverse("monev:dashboard")
    measure("national_dashboard", _signed_in(new_client(), NATIONAL_ADMIN), dashboard)
    agency_url = f"{dashboard}?{urlencode({'org': agency.pk})}"
    measure("agency_dashboard", _signed_in(new_client(), AGENCY_ADMIN), agency_url)
    search_url = f"{reverse('portal:feed')}?{urlencode({'q': SEARCH})}"
    if hasattr(Report.objects.all(), "search"):
        measure("public_search_two_words", new_client(), search_url)
    else:
        emit("public_search_two_words_median", NOT_AVAILABLE, "")
    _recap(emit, agency, runs)


def _snapshot_compute(emit: Emit, org: Organization | None, name: str) -> None:
    """How long the worker takes to compute one dashboard's figures for this month."""
    from aduan.analytics import snapshots
    from aduan.analytics.metrics import Period

    today = timezone.localdate()
    started = time.perf_counter()
    snapshots.compute(org, Period.month(today.year, today.month), timezone.now())
    emit(f"{name}_dashboard_snapshot_compute", f"{time.perf_counter() - started:.2f}", "s")


def _signed_in(client: Client, email: str) -> Client:
    user = User.objects.filter(email=email).first()
    if user is None:
        raise CommandError(f"No user {email}: load the demo first (seed_demo).")
    client.force_login(user)
    return client


def last_full_month(today: datetime.date) -> datetime.date:
    return (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def _recap(emit: Emit, agency: Organization, runs: int) -> None:
    """Built in-process without writing the file, at most three times (it is the slow
    one); in seconds."""
    try:
        from aduan.analytics.recap import benchmark_recap
    except ImportError:
        emit("recap_pdf_regency_median", NOT_AVAILABLE, "")
        return
    month = last_full_month(timezone.localdate())
    seconds = [benchmark_recap(agency, month) for _run in range(max(1, min(runs, 3)))]
    emit("recap_pdf_regency_median", f"{statistics.median(seconds):.2f}", "s")
    emit("recap_pdf_regency_max", f"{max(seconds):.2f}", "s")
