"""`benchmark --monev` and what `seed_demo --synthetic --years --organizations` loads
for it. No timing is asserted: only that every figure is printed and the data is sound."""

import datetime
import io
import re

from django.core.management import call_command
from django.utils import timezone

from aduan.analytics.facts import facts_of, refresh_facts
from aduan.analytics.models import ReportFact
from aduan.deadlines.models import Clock, Outcome
from aduan.organizations.models import Membership, Organization
from aduan.reports.lifecycle import Action
from aduan.reports.models import Report, Status
from aduan.system.demo.synthetic import synthetic_agencies

LINE = re.compile(r"^[a-z0-9_]+: \d+(\.\d+)? [a-z]+$")
FIGURES = [
    "reports_in_database",
    "organizations_in_database",
    "national_dashboard_snapshot_compute",
    "agency_dashboard_snapshot_compute",
    *(
        f"{page}_{figure}"
        for page in (
            "national_dashboard",
            "agency_dashboard",
            "public_search_two_words",
        )
        for figure in ("median", "p95", "queries")
    ),
    "recap_pdf_regency_median",
    "recap_pdf_regency_max",
]
COMPARED = [f.attname for f in ReportFact._meta.concrete_fields if f.name != "refreshed_at"]


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, stderr=io.StringIO(), verbosity=0, **options)
    return out.getvalue()


def synthetic_reports():
    """The reports after the 10 the demo builds through the lifecycle."""
    return Report.objects.filter(pk__gt=Report.objects.order_by("pk")[9].pk)


def test_the_monev_benchmark_prints_every_figure_with_a_number(db):
    seed(reports=10, synthetic=150, years=1, organizations=60)
    out = io.StringIO()

    call_command("benchmark", monev=True, runs=1, stdout=out)

    lines = out.getvalue().strip().splitlines()
    assert all(LINE.match(line) for line in lines), lines
    assert [line.split(":")[0] for line in lines] == FIGURES
    assert "reports_in_database: 160 reports" in lines
    assert "organizations_in_database: 60 organizations" in lines


def test_the_loader_writes_the_facts_facts_of_computes(db):
    seed(reports=10, synthetic=300, years=3, organizations=50)
    reports = list(synthetic_reports().select_related("organization", "category"))
    stored = {f.report_id: f for f in ReportFact.objects.filter(report__in=reports)}

    expected = facts_of(reports)

    assert len(expected) == len(stored) == 300
    for fact in expected:
        assert [getattr(stored[fact.report_id], n) for n in COMPARED] == [
            getattr(fact, n) for n in COMPARED
        ]
    assert any(fact.satisfied is not None for fact in expected)
    # The next incremental pass rewrites only what changed lately, not the whole load.
    assert refresh_facts() < 100


def test_synthetic_agencies_reach_the_target_each_with_an_admin_and_liaisons(db):
    seed(reports=10, organizations=80)
    seed(reports=10, organizations=80)  # again: nothing more

    assert Organization.objects.count() == 80
    agencies = synthetic_agencies()
    assert {a.kind for a in agencies} == {Organization.Kind.REGENCY}  # regencies come first
    for agency in agencies:
        roles = Membership.objects.filter(organization=agency).values_list("role", flat=True)
        assert list(roles) == [Membership.Role.AGENCY_ADMIN]
        for unit in agency.children.all():
            assert unit.memberships.filter(role=Membership.Role.LIAISON).count() == 1
    connected = [a for a in agencies if a.is_connected]
    assert len(agencies) / 2 < len(connected) <= len(agencies)


def test_reports_spread_over_years_reach_the_synthetic_agencies_and_old_ones_are_settled(db):
    seed(reports=10, synthetic=400, years=3, organizations=120)
    reports = synthetic_reports()
    now = timezone.now()

    assert reports.filter(submitted_at__lt=now - datetime.timedelta(days=2 * 365)).exists()
    assert reports.filter(submitted_at__gt=now - datetime.timedelta(days=31)).exists()
    old = reports.filter(submitted_at__lt=now - datetime.timedelta(days=181))
    assert set(old.values_list("status", flat=True)) == {Status.CLOSED, Status.ARCHIVED}
    paths = [a.path for a in synthetic_agencies()]
    handled = reports.exclude(organization=None).values_list("organization__path", flat=True)
    assert any(path.startswith(tuple(paths)) for path in handled)


def test_a_synthetic_history_has_the_deadlines_its_steps_started_and_stopped(db):
    seed(reports=10, synthetic=300, years=1)
    reports = synthetic_reports().prefetch_related("deadlines", "events")

    checked = set()
    for report in reports:
        clocks = {d.clock: d for d in report.deadlines.all()}
        if report.status == Status.CLOSED:
            verification = clocks[Clock.VERIFICATION]
            assert verification.organization_id is None  # still in the national queue
            assert (verification.outcome, verification.stopped_at) == (
                Outcome.MET,
                report.dispatched_at,
            )
            for clock, stopped in (
                (Clock.FIRST_RESPONSE, report.first_response_at),
                (Clock.COMPLETION, report.completed_at),
                (Clock.REPORTER_REPLY, report.closed_at),
            ):
                assert clocks[clock].stopped_at == stopped
                assert clocks[clock].organization_id == report.organization_id
        if report.status == Status.ON_HOLD:
            paused = clocks[Clock.VERIFICATION]
            assert paused.outcome == Outcome.PAUSED and paused.remaining_seconds is not None
        late = [d for d in clocks.values() if d.overdue_at is not None]
        escalations = [e for e in report.events.all() if e.action == Action.ESCALATE]
        assert bool(late) == bool(escalations) == (report.escalated_at is not None)
        checked.add((report.status, bool(late)))
    assert {(Status.CLOSED, True), (Status.CLOSED, False), (Status.ON_HOLD, False)} <= checked
