import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from aduan.accounts.models import User
from aduan.organizations.models import Membership, Organization
from aduan.reports.lifecycle import Action
from aduan.reports.models import Dispatch, Report, ReportEvent, Status
from aduan.system.demo.world import DEMO_PASSWORD


def seed(*args, **options) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=io.StringIO(), verbosity=0, **options)
    return out.getvalue()


@pytest.fixture(scope="module")
def _demo_once(django_db_setup, django_db_blocker):
    """The demo, built once for this module: each test runs in a transaction of its own
    on top of it, and it is rolled back when the module is done."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield seed(reports=40, seed=5)
        transaction.set_rollback(True)


@pytest.fixture
def demo(_demo_once, db):
    return _demo_once


def test_the_demo_has_reports_in_every_status(demo):
    statuses = set(Report.objects.values_list("status", flat=True))
    assert statuses == set(Status.values)
    assert Report.objects.count() == 40


def test_every_role_has_a_demo_account_that_signs_in_with_the_shared_password(demo):
    for role in Membership.Role.values:
        membership = Membership.objects.filter(role=role).select_related("user").first()
        assert membership is not None, role
        assert membership.user.check_password(DEMO_PASSWORD)
    citizen = User.objects.get(email="warga@demo.aduan.id")
    assert not citizen.memberships.exists()
    assert "admin.banyumas@demo.aduan.id" in demo
    assert DEMO_PASSWORD in demo


def test_the_demo_has_an_operator_who_may_open_the_django_admin(demo, client):
    operator = User.objects.get(email="operator@demo.aduan.id")
    assert operator.is_superuser and not operator.memberships.exists()
    client.force_login(operator)
    assert client.get("/admin/reports/report/").status_code == 200
    assert "operator@demo.aduan.id" in demo


def test_one_agency_shows_as_not_connected_because_its_decree_expired(demo):
    assert Organization.objects.get(slug="kab-banyumas").is_connected
    assert not Organization.objects.get(slug="kab-purbalingga").is_connected


def test_demo_timelines_lie_in_the_past_in_order_and_match_the_version(demo):
    now = timezone.now()
    for report in Report.objects.annotate(n=Count("events")).prefetch_related("events"):
        times = [event.at for event in report.events.order_by("id")]
        assert times == sorted(times)
        assert times[-1] <= now
        assert report.n == report.version  # SUBMIT plus one event per transition
    assert ReportEvent.objects.filter(action=Action.SUBMIT).count() == 40


def test_demo_covers_the_special_cases(demo):
    assert Report.objects.exclude(duplicate_of=None).count() == 1
    assert Report.objects.filter(reopen_count__gt=0).exists()
    assert Report.objects.exclude(auditor_organization=None).exists()
    assert ReportEvent.objects.filter(action=Action.NOT_OUR_REMIT).exists()
    assert ReportEvent.objects.filter(action=Action.ANSWER_HOLD).exists()


def test_demo_units_pass_reports_back_for_reasons_that_fit_their_topic_and_place(demo):
    from aduan.system.demo.texts import NOT_OUR_REMIT

    passed_back = ReportEvent.objects.filter(action=Action.NOT_OUR_REMIT).select_related(
        "report__category", "report__region__parent"
    )
    assert passed_back
    for event in passed_back:
        report = event.report
        assert report.category.slug in NOT_OUR_REMIT, report.category.slug
        assert event.message == NOT_OUR_REMIT[report.category.slug].format(
            village=report.region.name, district=report.region.parent.name
        )


def test_reports_handled_by_a_kecamatan_happened_in_that_kecamatan(demo):
    handled = Report.objects.filter(organization__kind=Organization.Kind.DISTRICT)
    assert handled.exists()  # the demo's "passed back, then sent to the kecamatan" story
    for report in handled.select_related("region", "organization"):
        district = report.organization.regions.get()
        assert report.region_id.startswith(f"{district.code}."), (report, district)


def test_reports_waiting_for_verification_include_repeats_of_open_reports(demo):
    from aduan.triage.duplicates import likely_duplicates

    admin = User.objects.get(email="admin.nasional@demo.aduan.id")
    waiting = Report.objects.filter(status=Status.SUBMITTED, title__endswith="(belum ditangani)")
    assert waiting.count() == 2
    for report in waiting:
        matches = likely_duplicates(report, admin)
        assert matches and matches[0].report.status in (Status.DISPATCHED, Status.IN_PROGRESS)
        assert report.submitted_at <= timezone.now()


def test_the_demo_agency_admin_sees_reports_in_the_back_office(demo):
    admin = User.objects.get(email="admin.banyumas@demo.aduan.id")
    assert Report.objects.visible_to(admin).exists()


def test_running_the_demo_again_builds_nothing_twice(demo):
    counts = (Organization.objects.count(), User.objects.count(), Report.objects.count())
    output = seed(reports=40)
    assert "already exists" in output
    assert (Organization.objects.count(), User.objects.count(), Report.objects.count()) == counts


def test_synthetic_reports_come_with_their_timeline_and_dispatches(demo):
    seed(synthetic=500, seed=9)

    synthetic = Report.objects.filter(pk__gt=Report.objects.order_by("pk")[39].pk)
    assert synthetic.count() == 500
    assert len(set(Report.objects.values_list("tracking_code", flat=True))) == 540
    submits = ReportEvent.objects.filter(report__in=synthetic, action=Action.SUBMIT)
    assert submits.count() == 500
    handled = synthetic.filter(status__in=["dispatched", "in_progress", "completed", "closed"])
    assert Dispatch.objects.filter(report__in=handled).count() == handled.count() > 0
    assert not handled.filter(organization__isnull=True).exists()
    assert not handled.filter(dispatched_at__isnull=True).exists()
    for report in synthetic.annotate(n=Count("events")):
        assert report.n == report.version
    assert synthetic.filter(status=Status.CLOSED, closed_at__isnull=True).count() == 0
    _assert_clocks_match_statuses(synthetic)


def _assert_clocks_match_statuses(reports) -> None:
    """Every open report has the running clocks its status implies, and its `due_at` is
    the earliest of them; finished reports have none."""
    expected = {
        Status.SUBMITTED: {"verification"},
        Status.ON_HOLD: {"missing_information"},
        Status.DISPATCHED: {"first_response", "completion"},
        Status.IN_PROGRESS: {"completion"},
        Status.COMPLETED: {"reporter_reply"},
        Status.CLOSED: set(),
        Status.ARCHIVED: set(),
    }
    for report in reports.prefetch_related("deadlines"):
        every = list(report.deadlines.all())
        clocks = [d for d in every if d.stopped_at is None]
        assert {d.clock for d in clocks} == expected[report.status], report.status
        earliest = min((d.due_at for d in clocks), default=None)
        assert report.due_at == earliest
        if report.escalated_at is not None:
            assert any(d.overdue_at for d in every)


def test_open_only_synthetic_reports_all_have_running_clocks(demo):
    seed(synthetic=200, seed=5, open=True)
    synthetic = Report.objects.filter(pk__gt=Report.objects.order_by("pk")[39].pk)
    assert synthetic.count() == 200
    assert not synthetic.filter(status__in=[Status.CLOSED, Status.ARCHIVED]).exists()
    _assert_clocks_match_statuses(synthetic)


def test_demo_guests_who_wrote_by_sms_or_whatsapp_have_their_number_confirmed(demo):
    from aduan.reports.models import Channel

    by_message = Report.objects.filter(
        reporter__isnull=True, channel__in=[Channel.SMS, Channel.WHATSAPP]
    )
    assert by_message.exists()
    for report in by_message:
        assert report.guest_contact_verified_at == report.guest_phone_used_at == report.submitted_at
        assert report.confirmed_guest_contact() == ("", report.guest_phone)
