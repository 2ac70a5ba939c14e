"""Moving an organization to another parent: its subtree follows, the tree stays a tree."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from aduan.accounts.models import User
from aduan.analytics.facts import write_facts
from aduan.analytics.models import ReportFact
from aduan.organizations.models import Organization, RoutingRule
from aduan.reports.models import Status
from tests.personas import advance, submit

K = Organization.Kind


@pytest.fixture
def operator_client(client, db):
    operator = User.objects.create_superuser("root@example.id", "pw", full_name="Operator")
    client.force_login(operator)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def seksi(world):
    """A division below unit A, so that unit A has a subtree of its own."""
    return Organization.objects.create(
        name="Seksi Jalan", slug="seksi-jalan", kind=K.DIVISION, parent=world.unit_a
    )


def _change_url(org) -> str:
    return reverse("admin:organizations_organization_change", args=[org.pk])


def _admin_post(client, org, **changes):
    """Post the organization's admin change form as it stands, with `changes`."""
    page = client.get(_change_url(org))
    data: dict = {}
    forms = [page.context["adminform"].form]
    for inline in page.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = "on" if value is True else value
    data.update(changes)
    return client.post(_change_url(org), data)


def _organization_page(client, org):
    return client.get(reverse("workspace:organization", kwargs={"pk": org.pk}))


def test_moving_a_unit_moves_its_whole_subtree(world, seksi, operator_client):
    response = _admin_post(operator_client, world.unit_a, parent=world.other_agency.pk)
    assert response.status_code == 302
    unit, seksi = (Organization.objects.get(pk=o.pk) for o in (world.unit_a, seksi))
    assert unit.path == world.other_agency.path + f"{unit.pk:06d}"
    assert seksi.path == unit.path + f"{seksi.pk:06d}"
    assert unit.agency() == seksi.agency() == world.other_agency
    assert not Organization.objects.subtree_of(world.agency).filter(pk=seksi.pk).exists()


def test_the_new_agency_admin_gets_the_moved_unit_and_the_old_one_loses_it(
    world, seksi, operator_client, client
):
    _admin_post(operator_client, world.unit_a, parent=world.other_agency.pk)
    client.force_login(world.other_admin)
    assert _organization_page(client, world.unit_a).status_code == 200
    tree = client.get(reverse("workspace:organizations")).content.decode()
    assert f'data-org="{seksi.pk}"' in tree
    client.force_login(world.agency_admin)
    assert _organization_page(client, world.unit_a).status_code == 404
    tree = client.get(reverse("workspace:organizations")).content.decode()
    assert f'data-org="{world.unit_a.pk}"' not in tree


def test_a_move_carries_the_monitoring_facts_of_the_subtrees_reports(world, seksi):
    report, _ = submit(world, reporter=world.citizen)
    advance(world, report, Status.DISPATCHED)  # now at unit A
    write_facts([report.pk])
    unit = Organization.objects.get(pk=world.unit_a.pk)
    unit.parent = world.other_agency
    unit.save()
    assert ReportFact.objects.get(report=report).org_path == unit.path
    assert unit.path.startswith(world.other_agency.path)


def test_a_stale_copy_of_a_moved_organization_saves_without_undoing_the_move(world, seksi):
    stale = Organization.objects.get(pk=seksi.pk)
    unit = Organization.objects.get(pk=world.unit_a.pk)
    unit.parent = world.other_agency
    unit.save()
    stale.name = "Seksi Jalan dan Jembatan"
    stale.save()
    assert Organization.objects.get(pk=seksi.pk).path.startswith(unit.path)


@pytest.mark.parametrize("below", ["itself", "its own unit"])
def test_the_admin_refuses_to_place_an_organization_below_itself(
    world, seksi, operator_client, below
):
    parent = world.unit_a if below == "itself" else seksi
    response = _admin_post(operator_client, world.unit_a, parent=parent.pk)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "cannot be placed below itself or below one of its own units" in str(errors["parent"])
    assert Organization.objects.get(pk=world.unit_a.pk).parent == world.agency


def test_saving_a_cycle_outside_the_forms_is_refused_too(world, seksi):
    unit = Organization.objects.get(pk=world.unit_a.pk)
    unit.parent = seksi
    with pytest.raises(ValidationError):
        unit.save()
    assert Organization.objects.get(pk=seksi.pk).path.startswith(world.agency.path)


def test_the_admin_refuses_an_agency_below_a_department(world, operator_client):
    response = _admin_post(operator_client, world.other_agency, parent=world.unit_a.pk)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "An agency cannot be placed below a unit" in str(errors["parent"])


def test_a_unit_needs_a_parent_and_an_agency_may_not_sit_below_an_oversight_body(world):
    unit = Organization(name="Dinas Lepas", slug="dinas-lepas", kind=K.DEPARTMENT)
    with pytest.raises(ValidationError, match="belongs below an agency"):
        unit.full_clean()
    city = Organization(name="Kota X", slug="kota-x", kind=K.CITY, parent=world.ombudsman)
    with pytest.raises(ValidationError, match="below an oversight body"):
        city.full_clean()
    inspektorat = Organization(
        name="Inspektorat", slug="inspektorat", kind=K.AUDITOR, parent=world.agency
    )
    inspektorat.full_clean()


def test_after_a_move_the_admin_points_out_rules_of_the_old_agency(world, operator_client):
    RoutingRule.objects.create(
        category=world.potholes, organization=world.unit_a, owner=world.agency
    )
    response = _admin_post(operator_client, world.unit_a, parent=world.other_agency.pk)
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("still send reports into the moved organization" in m for m in messages)
