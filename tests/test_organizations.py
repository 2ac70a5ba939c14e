"""The organization tree, connection status and routing rules."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from aduan.organizations.access import Access
from aduan.organizations.models import (
    PATH_STEP,
    ConnectionDecree,
    Membership,
    Organization,
    Region,
    RoutingRule,
)
from tests.personas import Role

K = Organization.Kind


def _region(code: str, name: str, level: int) -> Region:
    parent = ".".join(code.split(".")[:-1]) or None
    return Region.objects.create(code=code, name=name, level=level, parent_id=parent)


def test_a_path_extends_the_parent_path_one_step(world):
    assert len(world.agency.path) == PATH_STEP
    assert world.unit_a.path.startswith(world.agency.path)
    assert (world.agency.depth, world.unit_a.depth) == (1, 2)
    village = Organization.objects.create(
        name="Kelurahan", slug="kel", kind=K.VILLAGE, parent=world.unit_a
    )
    assert village.depth == 3 and village.path.startswith(world.unit_a.path)


def test_subtree_holds_the_node_and_everything_below_it(world):
    subtree = set(Organization.objects.subtree_of(world.agency))
    assert subtree == {world.agency, world.unit_a, world.unit_b}
    assert set(Organization.objects.subtree_of(world.unit_a)) == {world.unit_a}


def test_contains_is_true_downwards_only(world):
    assert world.agency.contains(world.unit_a)
    assert world.agency.contains(world.agency)
    assert not world.unit_a.contains(world.agency)
    assert not world.unit_a.contains(world.unit_b)
    assert not world.agency.contains(world.other_agency)
    assert not world.agency.contains(None)


def test_a_sibling_whose_id_shares_a_prefix_is_not_contained(world):
    # Fixed-width steps keep "12" from matching "123".
    siblings = [
        Organization.objects.create(name=f"Dinas {i}", slug=f"dinas-{i}", kind=K.DEPARTMENT)
        for i in range(12)
    ]
    for org in siblings:
        others = [o for o in siblings if o != org]
        assert not any(org.contains(o) for o in others)


def test_agency_of_a_unit_is_its_nearest_agency(world):
    division = Organization.objects.create(
        name="Bidang Jalan", slug="bidang-jalan", kind=K.DIVISION, parent=world.unit_a
    )
    assert division.agency() == world.agency
    assert world.unit_b.agency() == world.agency
    assert world.agency.agency() == world.agency
    assert {o.pk for o in division.ancestors()} == {world.agency.pk, world.unit_a.pk, division.pk}


def test_an_agency_with_decree_admin_and_liaison_is_connected(world):
    assert world.agency.is_connected
    assert Organization.objects.agencies().filter(pk=world.agency.pk).exists()
    assert not Organization.objects.agencies().filter(pk=world.unit_a.pk).exists()


def test_an_expired_decree_disconnects_the_agency(world):
    world.agency.decrees.update(valid_until=timezone.localdate() - datetime.timedelta(days=1))
    assert not world.agency.is_connected


def test_a_decree_not_yet_issued_does_not_count(world):
    world.agency.decrees.update(issued_on=timezone.localdate() + datetime.timedelta(days=3))
    assert world.agency.current_decree() is None
    assert not world.agency.is_connected


def test_without_an_active_liaison_the_agency_is_not_connected(world):
    Membership.objects.filter(role=Role.LIAISON).update(is_active=False)
    assert not world.agency.is_connected


def test_an_inactive_admin_user_does_not_count(world):
    world.agency_admin.is_active = False
    world.agency_admin.save()
    assert not world.agency.is_connected


def test_without_a_decree_an_agency_with_staff_is_not_connected(world):
    assert world.other_agency.memberships.exists()
    Membership.objects.create(user=world.outsider, organization=world.other_agency, role="liaison")
    assert not world.other_agency.is_connected
    ConnectionDecree.objects.create(
        organization=world.other_agency, number="1/2026", issued_on=timezone.localdate()
    )
    assert world.other_agency.is_connected


def test_access_holds_roles_on_the_organization_and_below(world):
    access = Access.of(world.agency_admin)
    assert access.can_administer(world.unit_a) and access.can_administer(world.agency)
    assert not access.can_administer(world.other_agency)
    assert not access.can_administer(None)
    assert Access.of(world.national_admin).can_administer(None)
    assert Access.of(world.liaison_a).can_handle(world.unit_a)
    assert not Access.of(world.liaison_a).can_handle(world.unit_b)
    assert set(access.dispatch_targets()) == {world.agency, world.unit_a, world.unit_b}
    assert not Access.of(world.liaison_a).dispatch_targets().exists()
    assert Access.of(world.auditor).is_staff and not Access.of(world.citizen).is_staff


def _routing_world(world):
    java = _region("32", "Jawa Barat", 1)
    regency = _region("32.04", "Kabupaten Bandung", 2)
    district = _region("32.04.01", "Kecamatan Contoh", 3)
    village = _region("32.04.01.2001", "Desa Contoh", 4)
    return java, regency, district, village


def test_routing_prefers_the_most_specific_region_and_category(world):
    java, regency, district, village = _routing_world(world)
    rule = RoutingRule.objects.create
    rule(category=world.roads, region=None, organization=world.other_agency)
    assert RoutingRule.objects.route(world.potholes, village) == world.other_agency
    rule(category=world.roads, region=java, organization=world.agency)
    assert RoutingRule.objects.route(world.potholes, village) == world.agency
    rule(category=world.potholes, region=java, organization=world.unit_b)
    assert RoutingRule.objects.route(world.potholes, village) == world.unit_b
    rule(category=world.roads, region=regency, organization=world.unit_a)
    assert RoutingRule.objects.route(world.potholes, district) == world.unit_a
    assert RoutingRule.objects.route(world.roads, java) == world.agency
    assert RoutingRule.objects.route(world.potholes, None) == world.other_agency


def test_routing_ignores_rules_of_other_regions_and_inactive_organizations(world):
    java, regency, district, village = _routing_world(world)
    other_province = _region("33", "Jawa Tengah", 1)
    RoutingRule.objects.create(
        category=world.potholes, region=other_province, organization=world.unit_a
    )
    assert RoutingRule.objects.route(world.potholes, village) is None
    RoutingRule.objects.create(category=world.potholes, region=java, organization=world.unit_b)
    world.unit_b.is_active = False
    world.unit_b.save()
    assert RoutingRule.objects.route(world.potholes, village) is None
    assert RoutingRule.objects.route(None, village) is None


def test_region_ancestors_run_from_nearest_to_province(world):
    _java, _regency, _district, village = _routing_world(world)
    assert village.ancestor_codes() == ["32.04.01.2001", "32.04.01", "32.04", "32"]
    assert village.full_name() == "Desa Contoh, Kecamatan Contoh, Kabupaten Bandung, Jawa Barat"


def test_a_mistyped_time_zone_is_refused_with_the_names_to_use(world):
    from django.core.exceptions import ValidationError

    world.unit_a.time_zone = "Asia/Jakartaa"
    with pytest.raises(ValidationError) as refused:
        world.unit_a.full_clean()
    assert "Asia/Makassar" in str(refused.value.message_dict["time_zone"])


def test_deadlines_of_an_organization_saved_with_an_unknown_zone_use_the_installations():
    from aduan.deadlines.calendar import zone

    assert str(zone("Asia/Jakartaa")) == "Asia/Jakarta"
    assert str(zone("Asia/Jayapura")) == "Asia/Jayapura"
