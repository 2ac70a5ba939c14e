"""Which organization is the installation's operator (the national organization): the
one its national admins hold their role on now, and the same one between one national
admin and the next."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from aduan.accounts.models import User
from aduan.analytics.metrics import agencies_overview
from aduan.api.access import reports_visible_to_organization
from aduan.organizations.access import Access
from aduan.organizations.models import (
    Membership,
    Organization,
    may_hold_national_admin,
    national_admin_refusal,
)
from tests.personas import _user, as_user, submit

Role = Membership.Role


def _role_ends(world, how: str) -> None:
    """The national admin leaves: their role is ended, or their account deactivated."""
    if how == "role ended":
        Membership.objects.filter(user=world.national_admin).update(is_active=False)
    else:
        User.objects.filter(pk=world.national_admin.pk).update(is_active=False)


@pytest.mark.parametrize("how", ["role ended", "account deactivated"])
def test_the_operator_stays_national_when_nobody_holds_the_role_any_more(world, how):
    waiting, _secret = submit(world, title="Laporan di antrean nasional")

    _role_ends(world, how)

    assert list(Organization.objects.national()) == [world.national]
    # Still no agency that receives reports, nor one the connection rate counts.
    assert world.national not in Organization.objects.receiving()
    assert agencies_overview(now=timezone.now())["agencies"] == 2
    # Its system still reads the national queue, as its next national admin will.
    assert waiting in reports_visible_to_organization(world.national)


@pytest.mark.parametrize("how", ["role ended", "account deactivated"])
def test_the_next_national_admin_is_given_the_role_on_the_operator_only(world, how):
    _role_ends(world, how)
    successor = _user("nasional.baru@example.id", "Admin Nasional Baru")

    elsewhere = Membership(
        user=successor, organization=world.other_agency, role=Role.NATIONAL_ADMIN
    )
    with pytest.raises(ValidationError) as refused:
        elsewhere.full_clean()

    assert world.national.name in str(refused.value)
    assert world.national.name in national_admin_refusal()
    assert not may_hold_national_admin(world.other_agency)
    Membership(user=successor, organization=world.national, role=Role.NATIONAL_ADMIN).full_clean()


def test_a_top_level_organization_whose_national_admin_role_ended_receives_reports_again(
    world,
):
    # A role given on the city before the role was kept to one organization, since ended.
    Membership.objects.create(
        user=world.other_admin,
        organization=world.other_agency,
        role=Role.NATIONAL_ADMIN,
        is_active=False,
    )
    waiting, _secret = submit(world, title="Laporan di antrean nasional")

    assert list(Organization.objects.national()) == [world.national]
    assert world.other_agency in Organization.objects.receiving()
    assert world.other_agency in Access.of(world.national_admin).report_destinations()
    # Its API key sees its own reports, not the whole country's.
    assert waiting not in reports_visible_to_organization(world.other_agency)
    assert not may_hold_national_admin(world.other_agency)


def test_a_role_held_now_decides_over_one_that_ended(world):
    # The city holds the role (given before the rule); the operator's ended.
    Membership.objects.create(
        user=world.other_admin, organization=world.other_agency, role=Role.NATIONAL_ADMIN
    )
    Membership.objects.filter(user=world.national_admin).update(is_active=False)

    assert list(Organization.objects.national()) == [world.other_agency]
    assert world.national in Organization.objects.receiving()


def test_an_installation_where_the_role_was_never_given_has_no_national_organization(world):
    Membership.objects.filter(role=Role.NATIONAL_ADMIN).delete()

    assert not Organization.objects.national().exists()
    assert may_hold_national_admin(world.other_agency)  # the first grant makes it national
    assert not may_hold_national_admin(world.unit_a)


def test_the_national_organization_is_found_in_one_query(world, django_assert_num_queries):
    Membership.objects.filter(user=world.national_admin).update(is_active=False)

    with django_assert_num_queries(1):
        assert list(Organization.objects.national()) == [world.national]


def test_the_back_office_tree_marks_only_the_operator_as_receiving_no_reports(world, client_for):
    Membership.objects.create(
        user=world.other_admin,
        organization=world.other_agency,
        role=Role.NATIONAL_ADMIN,
        is_active=False,
    )

    html = client_for(world.national_admin).get(reverse("workspace:organizations")).content
    rows = {
        org: html.decode().split(f'<tr data-org="{org.pk}"')[1].split("</tr>")[0]
        for org in (world.national, world.other_agency)
    }

    assert 'data-receives="no"' in rows[world.national]
    assert 'data-receives="no"' not in rows[world.other_agency]


def test_a_national_admin_who_leaves_is_taken_off_the_national_queue_wherever_the_role_is_held(
    world,
):
    from aduan.reports import lifecycle

    # The role is held on the city too (given before the rule): it stays national alone.
    Membership.objects.create(
        user=world.other_admin, organization=world.other_agency, role=Role.NATIONAL_ADMIN
    )
    waiting, _secret = submit(world, title="Laporan di antrean nasional")
    lifecycle.assign(waiting, as_user(world.national_admin), world.national_admin)
    Membership.objects.filter(user=world.national_admin).update(is_active=False)

    released = lifecycle.release_departed(
        world.national_admin, world.national, as_user(world.other_admin)
    )

    waiting.refresh_from_db()
    assert waiting.assigned_to is None and len(released) == 1
