import datetime
import io
import re

import time_machine
from django.core.management import call_command
from django.utils import timezone

from aduan.deadlines import calendar
from aduan.deadlines.models import Deadline
from aduan.reports.models import ReportEvent, Status
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


def test_scan_benchmark_prints_figures_and_rolls_back_the_next_day(world):
    now = timezone.now()
    cal = calendar.current()
    submitted = now
    while cal.add_working_days(submitted, 3) > now + datetime.timedelta(hours=12):
        submitted -= datetime.timedelta(hours=1)
    with time_machine.travel(submitted, tick=False):
        report, _secret = submit(world, reporter=world.citizen)
    out = io.StringIO()

    call_command("benchmark", scan=True, stdout=out)

    lines = out.getvalue().strip().splitlines()
    assert all(LINE.match(line) for line in lines), lines
    figures = dict(line.split(": ", 1) for line in lines)
    assert figures["open_reports"] == "1 reports"
    assert figures["running_deadlines"] == "1 deadlines"
    assert figures["scan_catch_up_reminded"] == "1 reports"
    assert figures["scan_idle_reminded"] == "0 reports"
    assert figures["scan_next_day_escalated"] == "1 reports"
    assert figures["scan_next_day_queries"].endswith("queries")
    assert not ReportEvent.objects.filter(report=report, action="escalate").exists()
    assert Deadline.objects.get(report=report).overdue_at is None


def triage_benchmark(path, **options) -> dict[str, str]:
    out = io.StringIO()
    call_command(
        "benchmark",
        triage=str(path),
        triage_text="isi",
        triage_label="tujuan",
        triage_rows=300,
        stdout=out,
        **options,
    )
    return dict(line.split(": ", 1) for line in out.getvalue().splitlines())


def test_triage_benchmark_retrains_on_a_resampled_history_and_prints_figures(tmp_path):
    import csv

    from tests.test_triage_suggest import ROADS, TRAFFIC

    path = tmp_path / "labelled.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["isi", "tujuan"])
        for title, body in ROADS:
            writer.writerow([f"{title}. {body}", "Dinas Pekerjaan Umum"])
        for title, body in TRAFFIC:
            writer.writerow([f"{title}. {body}", "Dinas Perhubungan"])
    figures = triage_benchmark(path)
    assert figures["triage_rows"] == "300 reports"
    assert figures["triage_labels"] == "2 labels"
    units = {
        "triage_retrain_seconds": "s",
        "triage_suggest_ms_p95": "ms",
        "triage_model_file_mb": "MB",
        "triage_peak_memory_mb": "MB",
    }
    for name, unit in units.items():
        value, shown_unit = figures[name].split()
        assert float(value) >= 0 and shown_unit == unit

    figures = triage_benchmark(path, triage_split_labels=5)
    assert figures["triage_labels"] == "10 labels"  # each of the two split in five
