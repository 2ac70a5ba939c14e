import io
import re

from django.core.management import call_command

from aduan.reports.models import Status
from tests.personas import advance, submit

LINE = re.compile(r"^[a-z0-9_]+: \d+(\.\d+)? [a-z]+$")


def test_benchmark_prints_one_figure_per_line(world):
    for status in (Status.SUBMITTED, Status.DISPATCHED, Status.IN_PROGRESS, Status.CLOSED):
        report, _secret = submit(world, reporter=world.citizen)
        advance(world, report, status)
    out = io.StringIO()

    call_command(
        "benchmark",
        runs=3,
        admin=world.agency_admin.email,
        liaison=world.liaison_a.email,
        stdout=out,
    )

    lines = out.getvalue().strip().splitlines()
    assert all(LINE.match(line) for line in lines), lines
    names = {line.split(":")[0] for line in lines}
    assert "reports_in_database" in names
    assert "public_report_page_median" in names
    assert any(name.startswith("inbox_all_") and name.endswith("_p95") for name in names)
    assert "report_page_liaison_queries" in names
    assert "reports_in_database: 4 reports" in lines
