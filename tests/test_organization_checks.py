"""What the organization pages refuse or point out: the national admin role outside the
national organization, mistyped decrees, units nobody handles, and which agencies the
connection rate counts."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aduan.analytics.metrics import agencies_overview
from aduan.organizations.access import Access
from aduan.organizations.models import ConnectionDecree, Membership, Organization
from tests.personas import _user

Role = Membership.Role


def english(user) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    client.force_login(user)
    return client


def _url(name: str, org) -> str:
    return reverse(f"workspace:organization_{name}", kwargs={"pk": org.pk})


# --- The national admin role ----------------------------------------------------------


def test_the_national_admin_role_is_offered_only_on_the_national_organization(world):
    client = english(world.national_admin)
    page = reverse("workspace:organization", kwargs={"pk": world.national.pk})
    national_form = client.get(page).context["member_form"]
    assert Role.NATIONAL_ADMIN in dict(national_form.fields["role"].choices)
    page = reverse("workspace:organization", kwargs={"pk": world.unit_a.pk})
    unit_form = client.get(page).context["member_form"]
    assert Role.NATIONAL_ADMIN not in dict(unit_form.fields["role"].choices)


def test_granting_the_national_admin_role_on_a_unit_is_refused(world):
    newcomer = _user("camat@kab-contoh.example.id", "Camat Contoh")
    response = english(world.national_admin).post(
        _url("member_add", world.unit_a), {"email": newcomer.email, "role": Role.NATIONAL_ADMIN}
    )
    assert response.status_code == 400
    assert not Membership.objects.filter(user=newcomer).exists()


def test_the_model_refuses_the_national_admin_role_outside_the_national_organization(world):
    newcomer = _user("camat@kab-contoh.example.id", "Camat Contoh")
    for org in (world.unit_a, world.other_agency):
        membership = Membership(user=newcomer, organization=org, role=Role.NATIONAL_ADMIN)
        with pytest.raises(ValidationError, match="held only on Pengelola SP4N-LAPOR! Nasional"):
            membership.full_clean()
    Membership(user=newcomer, organization=world.national, role=Role.NATIONAL_ADMIN).full_clean()


def test_a_national_admin_role_held_on_a_unit_gives_no_installation_wide_powers(world):
    newcomer = _user("camat@kab-contoh.example.id", "Camat Contoh")
    Membership.objects.create(user=newcomer, organization=world.unit_a, role=Role.NATIONAL_ADMIN)
    access = Access.of(newcomer)
    assert not access.is_national_admin
    assert not access.can_administer(world.other_agency)


# --- Decrees ---------------------------------------------------------------------------


def _add_decree(world, client=None, **fields):
    data = {"number": "100/999/2026", "issued_on": "2026-02-01", "valid_until": "2028-02-01"}
    data.update(fields)
    client = client or english(world.national_admin)
    return client.post(_url("decree_add", world.agency), data)


@pytest.mark.parametrize(
    ("field", "value"),
    [("issued_on", "0001-01-01"), ("issued_on", "1900-05-05"), ("valid_until", "9999-12-31")],
)
def test_a_decree_dated_in_an_absurd_year_is_refused(world, field, value):
    response = _add_decree(world, **{field: value})
    assert response.status_code == 400
    error = response.context["decree_form"].errors[field][0]
    assert error == "Enter a date between the years 1945 and 2100."


def test_a_decree_expiring_before_it_is_issued_is_refused(world):
    response = _add_decree(world, valid_until="2026-01-01")
    assert response.status_code == 400
    assert (
        "cannot expire before it is issued"
        in response.context["decree_form"].errors["valid_until"][0]
    )


def test_a_decree_number_the_agency_already_has_is_refused(world):
    response = _add_decree(world, number=" 100/123/2026 ")
    assert response.status_code == 400
    error = response.context["decree_form"].errors["number"][0]
    assert error == "This agency already has a decree numbered 100/123/2026."
    assert ConnectionDecree.objects.filter(organization=world.agency).count() == 1


def test_the_same_decree_number_at_another_agency_is_fine(world):
    decree = ConnectionDecree(
        organization=world.other_agency, number="100/123/2026", issued_on=datetime.date(2026, 1, 2)
    )
    decree.full_clean()


def test_an_already_expired_decree_is_added_with_a_warning(world):
    client = english(world.national_admin)
    with time_machine.travel(datetime.datetime(2026, 12, 7, 9, tzinfo=datetime.UTC)):
        response = _add_decree(
            world, client, issued_on="2020-01-01", valid_until="2021-01-01", number="SK-OLD/2020"
        )
        assert response.status_code == 302
        shown = [str(m) for m in client.get(response["Location"]).context["messages"]]
    assert any("expired on" in m and "does not connect the agency" in m for m in shown)


# --- Units nobody handles ----------------------------------------------------------------


def test_the_tree_marks_units_without_an_active_liaison(world):
    Membership.objects.filter(user=world.liaison_b).update(is_active=False)
    html = english(world.agency_admin).get(reverse("workspace:organizations")).content.decode()
    row_b = html.split(f'<tr data-org="{world.unit_b.pk}"')[1].split("</tr>")[0]
    row_a = html.split(f'<tr data-org="{world.unit_a.pk}"')[1].split("</tr>")[0]
    assert "data-no-liaison" in row_b and "no liaison officer" in row_b
    assert "data-no-liaison" not in row_a


# --- Which agencies the connection rate counts ------------------------------------------


def test_the_connection_rate_leaves_out_oversight_bodies_and_the_national_operator(world):
    overview = agencies_overview(now=timezone.now())
    # Counted: Kabupaten Contoh (connected) and Kota Lain (not); not the Ombudsman, nor
    # the organization of the national admins.
    assert (overview["agencies"], overview["connected"]) == (2, 1)
    assert overview["connected_share"] == 0.5
    assert set(Organization.objects.receiving()) == {world.agency, world.other_agency}


def test_the_public_agency_list_shows_no_connection_for_bodies_that_receive_no_reports(
    world, client
):
    client.cookies["django_language"] = "en"
    html = client.get(reverse("portal:organizations")).content.decode()
    for org, shown in [(world.ombudsman, "—"), (world.national, "—"), (world.other_agency, "no")]:
        row = html.split(f'data-org="{org.slug}"')[1].split("</tr>")[0]
        assert f"<td>{shown}</td>" in row
    assert "national operator are not counted" in html
