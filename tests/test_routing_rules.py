"""Routing rules an agency admin may make: within its agency's jurisdiction, to its own
units, one per category and region; and the rules for its area that it can see."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from aduan.organizations.models import Region, RoutingRule


@pytest.fixture
def regions(world):
    """Kabupaten Contoh serves 33.02, Kota Lain serves 33.74."""
    province = Region.objects.create(code="33", name="Jawa Tengah", level=1)
    regency = Region.objects.create(code="33.02", name="Banyumas", level=2, parent=province)
    district = Region.objects.create(code="33.02.20", name="Kembaran", level=3, parent=regency)
    city = Region.objects.create(code="33.74", name="Kota Semarang", level=2, parent=province)
    world.agency.regions.add(regency)
    world.other_agency.regions.add(city)
    return {"province": province, "regency": regency, "district": district, "city": city}


def _post_rule(client, user, org, **fields):
    client.force_login(user)
    client.cookies["django_language"] = "en"
    url = reverse("workspace:organization_rule_add", kwargs={"pk": org.pk})
    return client.post(url, fields)


def _page(client, user, org):
    client.force_login(user)
    return client.get(reverse("workspace:organization", kwargs={"pk": org.pk}))


def test_an_agency_admin_makes_a_rule_within_its_jurisdiction(world, regions, client):
    response = _post_rule(
        client,
        world.agency_admin,
        world.agency,
        category=world.potholes.pk,
        region=" 33.02.20 ",
        organization=world.unit_a.pk,
    )
    assert response.status_code == 302
    assert RoutingRule.objects.route(world.potholes, regions["district"]) == world.unit_a


def test_an_outsider_agency_admin_cannot_make_rules_for_another_agencys_region(
    world, regions, client
):
    response = _post_rule(
        client,
        world.other_admin,
        world.other_agency,
        category=world.potholes.pk,
        region="33.02.20",
        organization=world.other_agency.pk,
    )
    assert response.status_code == 400
    error = response.context["rule_form"].errors["region"][0]
    assert "Kembaran (33.02.20) lies outside your agency's jurisdiction (33.74)" in error
    assert not RoutingRule.objects.exists()


def test_an_agency_admin_cannot_make_a_rule_for_everywhere(world, regions, client):
    response = _post_rule(
        client,
        world.agency_admin,
        world.agency,
        category=world.potholes.pk,
        organization=world.unit_a.pk,
    )
    assert response.status_code == 400
    assert "rules for everywhere are made by the national admin" in str(
        response.context["rule_form"].errors["region"]
    )


def test_an_agency_without_a_declared_jurisdiction_gets_no_rules(world, regions, client):
    world.agency.regions.clear()
    response = _post_rule(
        client,
        world.agency_admin,
        world.agency,
        category=world.potholes.pk,
        region="33.02",
        organization=world.unit_a.pk,
    )
    assert response.status_code == 400
    assert "has no declared jurisdiction yet" in str(response.context["rule_form"].errors)


def test_the_national_admin_makes_rules_anywhere_and_for_everywhere(world, regions, client):
    for region in ("33.74", ""):
        response = _post_rule(
            client,
            world.national_admin,
            world.agency,
            category=world.potholes.pk,
            region=region,
            organization=world.unit_b.pk,
        )
        assert response.status_code == 302
    assert RoutingRule.objects.count() == 2


def test_a_second_rule_for_the_same_category_and_region_is_refused_naming_the_first(
    world, regions, client
):
    RoutingRule.objects.create(
        category=world.potholes,
        region=regions["regency"],
        organization=world.unit_a,
        owner=world.agency,
    )
    response = _post_rule(
        client,
        world.agency_admin,
        world.agency,
        category=world.potholes.pk,
        region="33.02",
        organization=world.unit_b.pk,
    )
    assert response.status_code == 400
    error = str(response.context["rule_form"].errors["region"])
    assert "it sends reports to Dinas Pekerjaan Umum" in error
    assert RoutingRule.objects.route(world.potholes, regions["district"]) == world.unit_a


def test_the_model_refuses_a_second_rule_for_everywhere_too(world):
    RoutingRule.objects.create(category=world.potholes, organization=world.unit_a)
    second = RoutingRule(category=world.potholes, organization=world.other_agency)
    with pytest.raises(ValidationError, match="already a routing rule"):
        second.full_clean()


@pytest.mark.parametrize("order", ["pk", "-pk"])
def test_route_picks_the_older_of_two_equal_rules_whatever_the_row_order(world, regions, order):
    older = RoutingRule.objects.create(
        category=world.potholes, region=regions["regency"], organization=world.unit_a
    )
    RoutingRule.objects.create(
        category=world.potholes, region=regions["regency"], organization=world.unit_b
    )
    rules = RoutingRule.objects.order_by(order)
    assert rules.route(world.potholes, regions["district"]) == older.organization


def test_rules_for_an_agencys_area_are_shown_to_it_whoever_made_them(world, regions, client):
    foreign = RoutingRule.objects.create(
        category=world.potholes,
        region=regions["district"],
        organization=world.other_agency,
        owner=world.other_agency,
    )
    elsewhere = RoutingRule.objects.create(
        category=world.potholes,
        region=regions["city"],
        organization=world.other_agency,
        owner=world.other_agency,
    )
    response = _page(client, world.agency_admin, world.agency)
    shown = {rule.pk for rule in response.context["rules"]}
    assert foreign.pk in shown and elsewhere.pk not in shown
    assert foreign.pk not in response.context["deletable_rules"]
