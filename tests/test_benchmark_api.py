"""`benchmark --api-load`: a tiny real run of gunicorn against the test database."""

import io
import re

import pytest
from django.core.management import call_command

from aduan.api.models import ApiKey
from aduan.notifications.models import Kind, Notification
from aduan.reports.models import Report

pytestmark = pytest.mark.django_db(transaction=True)

LINE = re.compile(r"^[a-z0-9_]+: \d+(\.\d+)? [a-z/%]+$")


def test_the_api_load_benchmark_creates_durable_reports_through_gunicorn(world):
    out = io.StringIO()

    call_command(
        "benchmark",
        api_load=True,
        api_seconds=2,
        api_clients=2,
        api_workers=1,
        api_drain=True,
        stdout=out,
        stderr=io.StringIO(),
    )

    lines = out.getvalue().strip().splitlines()
    assert all(LINE.match(line) for line in lines), lines
    figures = {name: value.split()[0] for name, value in (line.split(": ", 1) for line in lines)}
    created = int(figures["api_created"])
    assert created > 0
    assert figures["api_errors"] == "0"
    assert int(figures["api_durable_reports"]) == created
    assert figures["api_durable_equals_created"] == "1"
    assert float(figures["api_latency_p50"]) <= float(figures["api_latency_p95"])
    assert float(figures["api_latency_p95"]) <= float(figures["api_latency_p99"])
    # Warm-up reports (one per client) and the timed ones stay; the key does not.
    assert Report.objects.filter(channel="local_system").count() == created + 2
    assert not ApiKey.objects.exists()
    # One worker wrote every new report's "received" message afterwards.
    assert int(figures["api_drain_tasks"]) == created + 2
    assert figures["api_drain_failed"] == "0"
    assert float(figures["api_drain_seconds"]) > 0
    received = Notification.objects.filter(kind=Kind.RECEIVED, report__channel="local_system")
    assert received.values("report").distinct().count() == created + 2
