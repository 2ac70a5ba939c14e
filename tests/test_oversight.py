"""Which oversight body a report is handed over to (DESIGN §4: after 60 days without
completion the reporter may ask an oversight body to take it over)."""

from __future__ import annotations

import pytest

from aduan.organizations.models import Organization, Region, oversight_body
from aduan.reports import lifecycle
from tests.personas import as_user, days_ago, submit
from tests.test_portal import action_url, report_url, signed_in

AUDITOR = Organization.Kind.AUDITOR


@pytest.fixture
def regions(world):
    province = Region.objects.create(code="33", name="Jawa Tengah", level=1)
    here = Region.objects.create(code="33.02", name="Kab. Contoh", level=2, parent=province)
    there = Region.objects.create(code="33.03", name="Kab. Lain", level=2, parent=province)
    world.agency.regions.set([here])
    world.ombudsman.regions.set([province])
    return here, there


def body(name, slug, region=None, parent=None):
    org = Organization.objects.create(name=name, slug=slug, kind=AUDITOR, parent=parent)
    if region is not None:
        org.regions.set([region])
    return org


def test_the_body_watching_the_place_takes_it_not_the_first_in_the_tree(world, regions):
    here, there = regions
    elsewhere = body("Inspektorat Kabupaten Lain", "insp-lain", there, world.other_agency)
    assert elsewhere.path < world.ombudsman.path  # first in the tree

    assert oversight_body(here.code, world.unit_a) == world.ombudsman
    # A report from the other regency, handled by this one: the narrower body watching it.
    assert oversight_body(there.code, world.unit_a) == elsewhere


def test_an_independent_body_comes_before_the_agencys_own_inspectorate(world, regions):
    here, _there = regions
    own = body("Inspektorat Kabupaten Contoh", "insp-contoh", here, world.agency)

    assert oversight_body(here.code, world.unit_a) == world.ombudsman
    world.ombudsman.is_active = False
    world.ombudsman.save()
    assert oversight_body(here.code, world.unit_a) == own  # the only one left


def test_the_narrowest_watching_body_comes_first_and_one_watching_all_is_the_last(world, regions):
    here, there = regions
    national = body("Ombudsman Republik Indonesia", "ori")  # declares no region
    local = body("Ombudsman Perwakilan Kabupaten Contoh", "ombudsman-contoh", here)

    assert oversight_body(here.code, world.unit_a) == local
    assert oversight_body(there.code, world.other_agency) == world.ombudsman
    assert oversight_body("34.01", world.other_agency) == national


def test_without_a_place_the_agencys_regions_tell(world, regions):
    _here, there = regions
    body("Inspektorat Kabupaten Lain", "insp-lain", there)

    assert oversight_body("", world.unit_a) == world.ombudsman


def test_a_reporter_hands_over_to_the_body_of_the_reports_place(world, regions):
    here, there = regions
    body("Inspektorat Kabupaten Lain", "insp-lain", there)  # first in the tree now
    report, _ = submit(world, reporter=world.citizen, region=here)
    lifecycle.dispatch(report, as_user(world.national_admin), world.unit_a, at=days_ago(61))

    client = signed_in(world.citizen)
    client.cookies["django_language"] = "en"
    page = client.get(report_url(report)).content.decode()
    assert f"{world.ombudsman.name} can take it over" in page.replace("&#x27;", "'")
    response = client.post(action_url(report, "hand_over"), {"version": report.version})

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.auditor_organization == world.ombudsman
