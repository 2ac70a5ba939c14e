"""The figures-only recap for oversight bodies (auditors): offered for the organizations
their dashboard shows, built without any section that names a report, and never a way
into an officer's full recap.

The Ombudsman office of the world watches Jawa Tengah, where the regency lies; a second
office watches DIY, where the other city lies. The January reports and the build moment
are those of tests/test_recap.py.
"""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from aduan.analytics import recap
from aduan.analytics.models import RecapJob
from aduan.analytics.views import dashboard_roots
from aduan.organizations.access import Access
from aduan.organizations.models import Membership, Organization, Region
from tests.personas import _user
from tests.test_recap import (  # noqa: F401 (fixtures)
    BUILT_AT,
    JANUARY,
    PHONE,
    done_job,
    january,
    line_after,
    page_text,
    run_queued_recaps,
)

Role = Membership.Role


@pytest.fixture
def regions(world):
    """The world's Ombudsman watches Jawa Tengah (the regency); another office, with its
    own auditor, watches DIY (the other city)."""
    province = Region.objects.create(code="33", name="Jawa Tengah", level=1)
    regency = Region.objects.create(code="33.01", name="Kab. Contoh", level=2, parent=province)
    diy = Region.objects.create(code="34", name="DIY", level=1)
    world.ombudsman.regions.add(province)
    world.agency.regions.add(regency)
    world.other_agency.regions.add(diy)
    world.ombudsman_diy = Organization.objects.create(
        name="Ombudsman RI Perwakilan DIY", slug="ombudsman-diy", kind=Organization.Kind.AUDITOR
    )
    world.ombudsman_diy.regions.add(diy)
    world.auditor_diy = _user("pengawas@ombudsman-diy.example.id", "Pengawas DIY")
    Membership.objects.create(
        user=world.auditor_diy, organization=world.ombudsman_diy, role=Role.AUDITOR
    )
    return world


def ask(client, user, org, language="en"):
    client.force_login(user)
    with time_machine.travel(BUILT_AT, tick=False):
        return client.post(
            reverse("recap:form"),
            {"organization": org.pk if org else "", "month": JANUARY, "language": language},
        )


@pytest.fixture
def readable_pdfs(monkeypatch):
    """The task writes its PDF with page compression off, so that tests read its text."""
    render = recap.render_pdf
    monkeypatch.setattr(recap, "render_pdf", lambda data, compress=True: render(data, False))


def built_text(client, user, org, capture) -> tuple[RecapJob, str, bytes]:
    """Ask for a recap through the form, run the task, and read the file it wrote."""
    with capture(execute=True):
        assert ask(client, user, org).status_code == 302
    with time_machine.travel(BUILT_AT, tick=False):
        assert run_queued_recaps() == ["done"]
    job = RecapJob.objects.filter(requested_by=user).latest("id")
    pdf = job.path.read_bytes()
    return job, page_text(pdf), pdf


# --- What is offered ----------------------------------------------------------------------


def test_an_auditor_is_offered_the_agencies_its_dashboard_shows_and_no_other(
    client, world, regions
):
    client.force_login(world.auditor)
    response = client.get(reverse("recap:form"))
    form = response.context["form"]
    offered = list(form.fields["organization"].queryset)
    assert offered == [world.agency, world.unit_a, world.unit_b]
    roots = dashboard_roots(Access.of(world.auditor))
    assert all(any(root.contains(org) for root in roots) for org in offered)
    assert form["organization"].value() == world.agency.pk
    assert form.fields["organization"].required  # no national recap
    assert b"data-recap-figures-only" in response.content

    client.force_login(world.auditor_diy)
    form = client.get(reverse("recap:form")).context["form"]
    assert list(form.fields["organization"].queryset) == [world.other_agency]


def test_an_auditor_watching_every_agency_is_offered_the_national_figures(client, world):
    client.force_login(world.auditor)  # its body declares no region
    field = client.get(reverse("recap:form")).context["form"]["organization"]
    values = [str(choice.data["value"]) for choice in field.subwidgets]
    assert values[0] == "" and str(world.other_agency.pk) in values
    assert ask(client, world.auditor, None).status_code == 302
    job = RecapJob.objects.get()
    assert job.organization is None and job.figures_only


def test_the_dashboard_links_an_auditor_to_its_recap_of_what_it_shows(client, world, regions):
    client.force_login(world.auditor)
    html = client.get(reverse("monev:dashboard"), {"org": world.unit_a.pk}).content.decode()
    assert f"{reverse('recap:form')}?org={world.unit_a.pk}" in html
    form = client.get(reverse("recap:form"), {"org": world.unit_a.pk}).context["form"]
    assert form["organization"].value() == world.unit_a.pk


# --- What the figures-only edition holds ---------------------------------------------------


def test_the_auditors_recap_has_the_figures_but_none_of_the_overdue_reports(
    client,
    world,
    regions,
    january,  # noqa: F811
    readable_pdfs,
    django_capture_on_commit_callbacks,
):
    late = january[2]
    late.refresh_from_db()
    capture = django_capture_on_commit_callbacks
    job, text, pdf = built_text(client, world.auditor, world.agency, capture)
    _full, officers, _pdf = built_text(client, world.agency_admin, world.agency, capture)

    assert job.figures_only and not _full.figures_only
    # The same figures as the officers' recap of the same month.
    assert line_after(text, "Reports received", 3) == ["3", "0", "+3"]
    assert line_after(officers, "Reports received", 3) == ["3", "0", "+3"]
    assert "Best and slowest units" in text and "Connected and active agencies" in text
    # The officers' recap lists the late report; the auditors' counts it, names none.
    assert late.tracking_code in officers.splitlines() and "0812******90" in officers
    late_codes = [row for row in officers.splitlines() if row in {r.tracking_code for r in january}]
    assert len(late_codes) > 1
    assert f"{len(late_codes)} open reports are past their deadline." in text
    for report in january:
        assert report.tracking_code not in text and report.tracking_code.encode() not in pdf
    assert "0812******90" not in text and PHONE not in text
    assert "Jalan berlubang" not in "".join(text.splitlines())
    assert "Working\ndays late" not in text
    assert "Figures-only edition for oversight bodies" in text.splitlines()
    assert "Figures-only edition for oversight bodies" not in officers


def test_the_figures_only_edition_reads_no_overdue_report(world, january):  # noqa: F811
    with time_machine.travel(BUILT_AT, tick=False):
        full = recap.collect(world.agency, JANUARY)
        data = recap.collect(world.agency, JANUARY, figures_only=True)
    assert data.overdue_total == full.overdue_total == len(full.overdue) > 0
    assert data.overdue == []


# --- Who may open which recap ---------------------------------------------------------------


def test_an_auditor_gets_404_on_an_officers_full_recap_of_an_agency_it_oversees(
    client,
    world,
    regions,
    done_job,  # noqa: F811
):
    assert not done_job.figures_only
    client.force_login(world.auditor)
    assert client.get(reverse("recap:job", args=[done_job.pk])).status_code == 404
    assert client.get(reverse("recap:download", args=[done_job.pk])).status_code == 404


def test_a_figures_only_recap_opens_for_its_auditors_and_the_organizations_officers(
    client,
    world,
    regions,
    january,  # noqa: F811
):
    job = recap.start_recap(world.auditor, world.agency, JANUARY, "id", figures_only=True)
    recap.run_job(job.pk)
    colleague = _user("rekan@ombudsman.example.id", "Rekan Pengawas")
    Membership.objects.create(user=colleague, organization=world.ombudsman, role=Role.AUDITOR)
    for user in (world.auditor, colleague, world.supervisor):
        client.force_login(user)
        response = client.get(reverse("recap:download", args=[job.pk]))
        assert response.status_code == 200, user
    assert response["Content-Disposition"] == (
        'attachment; filename="rekap-kab-contoh-2026-01-pengawasan.pdf"'
    )
    page = client.get(reverse("recap:job", args=[job.pk]))
    assert b"data-recap-figures-only" in page.content
    for user in (world.auditor_diy, world.other_admin, world.liaison_a):
        client.force_login(user)
        assert client.get(reverse("recap:job", args=[job.pk])).status_code == 404, user
        assert client.get(reverse("recap:download", args=[job.pk])).status_code == 404, user


def test_an_auditor_of_another_region_is_refused_a_forged_organization(client, world, regions):
    for org in (world.agency, world.unit_a, None):
        response = ask(client, world.auditor_diy, org)
        assert response.status_code == 400, org
        assert "organization" in response.context["form"].errors
    assert not RecapJob.objects.exists()
    assert ask(client, world.auditor_diy, world.other_agency).status_code == 302
    assert RecapJob.objects.get().figures_only


def test_an_auditor_who_also_works_for_an_agency_gets_its_full_recap_there_only(world, regions):
    Membership.objects.create(user=world.auditor, organization=world.unit_b, role=Role.LIAISON)
    access = Access.of(world.auditor)
    assert recap.figures_only_for(access, world.unit_b) is False
    assert recap.figures_only_for(access, world.agency) is True
    assert recap.figures_only_for(access, world.other_agency) is None


def test_a_double_click_reuses_the_job_of_the_same_edition_only(world):
    figures = recap.start_recap(world.auditor, world.agency, JANUARY, "id", figures_only=True)
    assert recap.start_recap(world.auditor, world.agency, JANUARY, "id", figures_only=True) == (
        figures
    )
    assert recap.start_recap(world.auditor, world.agency, JANUARY, "id") != figures


def test_an_outsider_and_a_citizen_are_refused_every_recap_page(client, world, regions):
    job = recap.start_recap(world.auditor, world.agency, JANUARY, "id", figures_only=True)
    for user in (world.outsider, world.citizen):
        client.force_login(user)
        for url in (
            reverse("recap:form"),
            reverse("recap:job", args=[job.pk]),
            reverse("recap:download", args=[job.pk]),
        ):
            assert client.get(url).status_code == 403, (user, url)
        assert ask(client, user, world.agency).status_code == 403
    assert RecapJob.objects.count() == 1


def test_the_auditors_recap_pages_cost_a_bounded_number_of_queries(
    client, world, regions, django_assert_max_num_queries
):
    job = recap.start_recap(world.auditor, world.agency, JANUARY, "id", figures_only=True)
    for _ in range(3):
        recap.start_recap(world.auditor, world.unit_a, JANUARY, "id", figures_only=True)
    client.force_login(world.auditor)
    # Session, user, memberships, unread notifications; the body's regions and the
    # agencies it watches; the organizations twice; the jobs.
    with django_assert_max_num_queries(9):
        assert client.get(reverse("recap:form")).status_code == 200
    with django_assert_max_num_queries(7):
        assert client.get(reverse("recap:job", args=[job.pk])).status_code == 200


def test_a_recap_asked_for_before_a_role_ended_is_no_longer_listed(client, world, regions):
    role = Membership.objects.create(
        user=world.auditor, organization=world.agency, role=Role.SUPERVISOR
    )
    full = recap.start_recap(world.auditor, world.agency, JANUARY, "id")
    figures = recap.start_recap(world.auditor, world.agency, JANUARY, "id", figures_only=True)
    client.force_login(world.auditor)
    listed = client.get(reverse("recap:form")).context["jobs"]
    assert {job.pk for job in listed} == {full.pk, figures.pk}

    role.delete()

    listed = client.get(reverse("recap:form")).context["jobs"]
    assert [job.pk for job in listed] == [figures.pk]
    assert client.get(reverse("recap:job", args=[full.pk])).status_code == 404


def test_an_auditor_whose_regions_hold_no_agency_is_told_why_there_is_nothing(client, world):
    lonely = Region.objects.create(code="91", name="Papua Barat", level=1)
    world.ombudsman.regions.add(lonely)
    client.force_login(world.auditor)
    client.cookies["django_language"] = "en"

    response = client.get(reverse("recap:form"))

    html = response.content.decode()
    assert "data-nothing-to-recap" in html
    assert "no agency serves the regions your oversight body watches" in html
    assert "data-recap-form" not in html
