"""The back office's organization pages: the tree an admin manages, and one organization
with its decrees, units, members and routing rules."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse

from aduan.organizations.models import Membership, Organization, Region, RoutingRule
from aduan.workspace.organization_forms import unique_slug
from tests.personas import _user

Role = Membership.Role
TREE = reverse("workspace:organizations")


def _page(org) -> str:
    return reverse("workspace:organization", kwargs={"pk": org.pk})


def _url(name: str, org, **kwargs) -> str:
    return reverse(f"workspace:organization_{name}", kwargs={"pk": org.pk, **kwargs})


def _tree_ids(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr data-org="(\d+)"', response.content.decode())]


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- Who may come in ----------------------------------------------------------------


def test_national_admin_sees_every_organization_in_tree_order(world, client_for):
    response = client_for(world.national_admin).get(TREE)
    assert response.status_code == 200
    expected = list(Organization.objects.order_by("path").values_list("pk", flat=True))
    assert _tree_ids(response) == expected


def test_agency_admin_sees_only_their_agency_and_its_units(world, client_for):
    response = client_for(world.agency_admin).get(TREE)
    assert _tree_ids(response) == [world.agency.pk, world.unit_a.pk, world.unit_b.pk]
    rows = {org.pk: org for org in response.context["organizations"]}
    assert rows[world.agency.pk].indent == 0 and rows[world.unit_a.pk].indent == 1


def test_tree_shows_connection_decree_and_member_counts(world, client_for):
    response = client_for(world.agency_admin).get(TREE)
    rows = {org.pk: org for org in response.context["organizations"]}
    agency = rows[world.agency.pk]
    assert agency.connected is True and world.agency.is_connected
    assert agency.decree.number == "100/123/2026"
    assert ("Agency admin", 1) in agency.member_counts
    assert ("Supervisor", 1) in agency.member_counts
    assert rows[world.unit_a.pk].member_counts == [("Liaison officer", 1)]
    html = response.content.decode()
    assert "100/123/2026" in html and 'data-connected="yes"' in html


def test_tree_agrees_with_is_connected_for_every_agency(world, client_for):
    response = client_for(world.national_admin).get(TREE)
    for org in response.context["organizations"]:
        if org.is_agency:
            assert org.connected == org.is_connected, org.name


@pytest.mark.parametrize("persona", ["liaison_a", "supervisor", "auditor", "outsider"])
def test_staff_without_an_admin_role_are_refused_everywhere(world, client_for, persona):
    client = client_for(getattr(world, persona))
    assert client.get(TREE).status_code == 403
    assert client.get(_page(world.agency)).status_code == 403
    assert client.post(_url("unit_add", world.agency), {"name": "X"}).status_code == 403
    assert not Organization.objects.filter(name="X").exists()


def test_signed_out_visitor_is_sent_to_sign_in(world, client):
    for url in (TREE, _page(world.agency)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    response = client.post(_url("unit_add", world.agency), {"name": "X", "kind": "department"})
    assert response.status_code == 302
    assert not Organization.objects.filter(name="X").exists()


def test_agency_admin_cannot_open_or_change_another_agency(world, client_for):
    client = client_for(world.agency_admin)
    assert client.get(_page(world.other_agency)).status_code == 404
    response = client.post(
        _url("unit_add", world.other_agency), {"name": "Dinas Asing", "kind": "department"}
    )
    assert response.status_code == 404
    assert not Organization.objects.filter(name="Dinas Asing").exists()


def test_navigation_shows_organizations_to_admins_only(world, client_for):
    link = f'href="{TREE}"'
    assert link in client_for(world.agency_admin).get(reverse("workspace:inbox")).content.decode()
    html = client_for(world.liaison_a).get(reverse("workspace:inbox")).content.decode()
    assert link not in html


def test_organization_page_lists_units_members_and_decrees(world, client_for):
    response = client_for(world.agency_admin).get(_page(world.agency))
    assert response.status_code == 200
    html = response.content.decode()
    assert world.unit_a.name in html and world.unit_b.name in html
    assert world.agency_admin.email in html and world.supervisor.email in html
    assert "100/123/2026" in html
    assert response.context["connected"] is True


# --- Units --------------------------------------------------------------------------


def test_agency_admin_adds_a_unit_with_a_unique_slug(world, client_for):
    client = client_for(world.agency_admin)
    data = {"name": "Dinas Kesehatan", "short_name": "Dinkes", "kind": "department"}
    response = client.post(_url("unit_add", world.agency), data)
    assert response.status_code == 302
    assert response["Location"].startswith(_page(world.agency))
    first = Organization.objects.get(name="Dinas Kesehatan")
    assert (first.parent, first.slug, first.kind) == (world.agency, "dinas-kesehatan", "department")
    assert first.path.startswith(world.agency.path)
    client_for(world.national_admin).post(_url("unit_add", world.other_agency), data)
    second = Organization.objects.filter(name="Dinas Kesehatan").exclude(pk=first.pk).get()
    assert (second.parent, second.slug) == (world.other_agency, "dinas-kesehatan-2")


def test_a_second_unit_of_the_same_name_under_the_same_parent_is_refused(world, client_for):
    client = client_for(world.agency_admin)
    response = client.post(
        _url("unit_add", world.agency), {"name": " dinas pekerjaan umum ", "kind": "department"}
    )
    assert response.status_code == 400
    assert "already an organization named" in str(response.context["unit_form"].errors["name"])
    assert Organization.objects.filter(name__iexact="dinas pekerjaan umum").count() == 1


def test_unique_slug_skips_every_taken_suffix(world):
    Organization.objects.create(name="A", slug="dinas-pu", kind="department")
    Organization.objects.create(name="B", slug="dinas-pu-2", kind="department")
    assert unique_slug("Dinas PU") == "dinas-pu-3"
    assert unique_slug("Kecamatan Baru") == "kecamatan-baru"


def test_a_unit_of_an_agency_kind_is_refused_and_typed_values_kept(world, client_for):
    client = client_for(world.agency_admin)
    response = client.post(
        _url("unit_add", world.agency), {"name": "Provinsi Palsu", "kind": "province"}
    )
    assert response.status_code == 400
    assert "kind" in response.context["unit_form"].errors
    assert 'value="Provinsi Palsu"' in response.content.decode()
    assert not Organization.objects.filter(name="Provinsi Palsu").exists()


# --- Decrees ------------------------------------------------------------------------


def test_a_decree_with_an_admin_and_a_liaison_connects_a_new_agency(world, client_for):
    client = client_for(world.national_admin)
    city = Organization.objects.create(name="Kota Baru", slug="kota-baru", kind="city")
    assert not city.is_connected
    response = client.post(
        _url("decree_add", city),
        {
            "number": "800/1/2026",
            "issued_on": "2026-01-05",
            "valid_until": "2031-01-05",
            "admin_officers": "Andi",
            "liaison_officers": "Budi",
        },
    )
    assert response.status_code == 302
    assert city.decrees.get().number == "800/1/2026"
    assert not city.is_connected  # no officers with accounts yet
    for user, role in [(world.outsider, Role.AGENCY_ADMIN), (world.citizen, Role.LIAISON)]:
        client.post(_url("member_add", city), {"email": user.email, "role": role})
    assert city.is_connected
    tree = {o.pk: o for o in client.get(TREE).context["organizations"]}
    assert tree[city.pk].connected is True


def test_a_decree_records_who_entered_it_and_the_agency_page_says_so(world, client_for):
    client = client_for(world.agency_admin)
    data = {"number": "SK/10", "issued_on": "2026-03-01", "valid_until": "2030-03-01"}

    assert client.post(_url("decree_add", world.agency), data).status_code == 302

    decree = world.agency.decrees.get(number="SK/10")
    assert decree.entered_by == world.agency_admin and decree.entered_at is not None
    row = re.search(
        rf'<tr data-decree="{decree.pk}">.*?</tr>',
        client.get(_page(world.agency)).content.decode(),
        re.S,
    )
    assert world.agency_admin.full_name in row.group(0)


def test_a_decree_that_expires_before_it_is_issued_is_refused(world, client_for):
    client = client_for(world.agency_admin)
    response = client.post(
        _url("decree_add", world.agency),
        {"number": "SK/9", "issued_on": "2026-03-01", "valid_until": "2026-02-01"},
    )
    assert response.status_code == 400
    assert "valid_until" in response.context["decree_form"].errors
    assert 'value="SK/9"' in response.content.decode()
    assert world.agency.decrees.count() == 1


def test_units_have_no_decree_form(world, client_for):
    client = client_for(world.agency_admin)
    assert client.get(_page(world.unit_a)).context["decree_form"] is None
    data = {"number": "SK/UNIT", "issued_on": "2026-01-01"}
    assert client.post(_url("decree_add", world.unit_a), data).status_code == 404


# --- Members ------------------------------------------------------------------------


def test_agency_admin_adds_a_liaison_by_email(world, client_for):
    newcomer = _user("baru@kab-contoh.example.id", "Petugas Baru")
    client = client_for(world.agency_admin)
    response = client.post(
        _url("member_add", world.unit_a), {"email": "BARU@kab-contoh.example.id", "role": "liaison"}
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=newcomer)
    assert (membership.organization, membership.role, membership.is_active) == (
        world.unit_a,
        Role.LIAISON,
        True,
    )


def test_an_account_whose_email_is_unconfirmed_gets_no_role_until_it_confirms(
    world, client, client_for
):
    # Someone signs up with the officer's address before the officer does.
    squatter = _user("baru@kab-contoh.example.id", "Bukan Petugas", email_confirmed_at=None)
    admin = client_for(world.agency_admin)
    form = {"email": "baru@kab-contoh.example.id", "role": "liaison"}

    refused = admin.post(_url("member_add", world.unit_a), form)

    assert refused.status_code == 400
    assert "confirmed" in str(refused.context["member_form"].errors["email"])
    assert not Membership.objects.filter(user=squatter).exists()
    from aduan.accounts.confirmation import confirmation_path

    assert client.post(confirmation_path(squatter)).status_code == 302
    assert admin.post(_url("member_add", world.unit_a), form).status_code == 302
    assert Membership.objects.filter(user=squatter, role=Role.LIAISON).exists()


def test_unknown_email_is_refused_and_the_typed_value_kept(world, client_for):
    client = client_for(world.agency_admin)
    response = client.post(
        _url("member_add", world.agency), {"email": "siapa@example.id", "role": "liaison"}
    )
    assert response.status_code == 400
    assert "email" in response.context["member_form"].errors
    assert 'value="siapa@example.id"' in response.content.decode()
    assert Membership.objects.count() == 7


def test_agency_admin_cannot_grant_national_admin_or_auditor(world, client_for):
    client = client_for(world.agency_admin)
    for role in ("national_admin", "auditor"):
        response = client.post(
            _url("member_add", world.agency), {"email": world.outsider.email, "role": role}
        )
        assert response.status_code == 400
        assert "role" in response.context["member_form"].errors
    assert not Membership.objects.filter(user=world.outsider).exists()


def test_national_admin_may_grant_any_role(world, client_for):
    client = client_for(world.national_admin)
    response = client.post(
        _url("member_add", world.ombudsman), {"email": world.outsider.email, "role": "auditor"}
    )
    assert response.status_code == 302
    assert Membership.objects.get(user=world.outsider).role == Role.AUDITOR


def test_a_role_held_already_is_refused(world, client_for):
    client = client_for(world.agency_admin)
    response = client.post(
        _url("member_add", world.unit_a), {"email": world.liaison_a.email, "role": "liaison"}
    )
    assert response.status_code == 400
    assert response.context["member_form"].non_field_errors()


def test_deactivating_and_reactivating_keeps_the_membership(world, client_for):
    membership = Membership.objects.get(user=world.liaison_a)
    client = client_for(world.agency_admin)
    url = _url("member_status", world.unit_a, membership_pk=membership.pk)
    assert client.post(url, {"active": "0"}).status_code == 302
    membership.refresh_from_db()
    assert membership.is_active is False
    assert client_for(world.liaison_a).get(reverse("workspace:inbox")).status_code == 403
    client = client_for(world.agency_admin)
    assert client.post(url, {"active": "1"}).status_code == 302
    membership.refresh_from_db()
    assert membership.is_active is True


def test_membership_status_needs_post_and_the_right_organization(world, client_for):
    membership = Membership.objects.get(user=world.liaison_a)
    client = client_for(world.agency_admin)
    url = _url("member_status", world.unit_a, membership_pk=membership.pk)
    assert client.get(url).status_code == 405
    wrong = _url("member_status", world.unit_b, membership_pk=membership.pk)
    assert client.post(wrong, {"active": "0"}).status_code == 404
    membership.refresh_from_db()
    assert membership.is_active


def test_agency_admin_cannot_deactivate_a_national_role(world, client_for):
    auditor = Membership.objects.create(
        user=world.outsider, organization=world.unit_a, role=Role.AUDITOR
    )
    client = client_for(world.agency_admin)
    url = _url("member_status", world.unit_a, membership_pk=auditor.pk)
    assert client.post(url, {"active": "0"}).status_code == 403
    auditor.refresh_from_db()
    assert auditor.is_active


def test_an_admin_cannot_deactivate_their_own_last_admin_role(world, client_for):
    own = Membership.objects.get(user=world.agency_admin)
    client = client_for(world.agency_admin)
    response = client.post(
        _url("member_status", world.agency, membership_pk=own.pk), {"active": "0"}
    )
    assert response.status_code == 400
    assert any("lock yourself out" in m for m in _messages(response))
    own.refresh_from_db()
    assert own.is_active


def test_an_admin_with_another_admin_role_may_step_down_from_one(world, client_for):
    extra = Membership.objects.create(
        user=world.agency_admin, organization=world.unit_a, role=Role.AGENCY_ADMIN
    )
    client = client_for(world.agency_admin)
    response = client.post(
        _url("member_status", world.unit_a, membership_pk=extra.pk), {"active": "0"}
    )
    assert response.status_code == 302
    extra.refresh_from_db()
    assert extra.is_active is False


# --- Routing rules ------------------------------------------------------------------


@pytest.fixture
def regency_region(db):
    province = Region.objects.create(code="33", name="Jawa Tengah", level=1)
    return Region.objects.create(code="33.74", name="Kota Semarang", level=2, parent=province)


def test_agency_admin_adds_a_rule_that_route_then_follows(world, client_for, regency_region):
    world.agency.regions.add(regency_region)
    client = client_for(world.agency_admin)
    response = client.post(
        _url("rule_add", world.agency),
        {"category": world.potholes.pk, "region": "33.74", "organization": world.unit_a.pk},
    )
    assert response.status_code == 302
    rule = RoutingRule.objects.get()
    assert (rule.owner, rule.region, rule.organization) == (
        world.agency,
        regency_region,
        world.unit_a,
    )
    assert RoutingRule.objects.route(world.potholes, regency_region) == world.unit_a
    assert rule.pk in client.get(_page(world.agency)).context["deletable_rules"]


def test_rule_target_outside_the_administered_subtree_is_refused(world, client_for):
    client = client_for(world.agency_admin)
    response = client.post(
        _url("rule_add", world.agency),
        {"category": world.potholes.pk, "organization": world.other_agency.pk},
    )
    assert response.status_code == 400
    assert "organization" in response.context["rule_form"].errors
    targets = set(response.context["rule_form"].fields["organization"].queryset)
    assert targets == {world.agency, world.unit_a, world.unit_b}
    assert not RoutingRule.objects.exists()


def test_unknown_region_code_is_refused_and_kept(world, client_for):
    client = client_for(world.agency_admin)
    response = client.post(
        _url("rule_add", world.agency),
        {"category": world.potholes.pk, "region": "99.99", "organization": world.unit_a.pk},
    )
    assert response.status_code == 400
    assert "region" in response.context["rule_form"].errors
    assert 'value="99.99"' in response.content.decode()


def test_a_duplicate_rule_for_everywhere_is_refused(world, client_for):
    RoutingRule.objects.create(category=world.potholes, organization=world.unit_a)
    client = client_for(world.national_admin)
    response = client.post(
        _url("rule_add", world.agency),
        {"category": world.potholes.pk, "organization": world.unit_a.pk},
    )
    assert response.status_code == 400
    assert RoutingRule.objects.count() == 1


def test_a_duplicate_rule_with_a_region_gets_one_error_that_says_so(
    world, client_for, regency_region
):
    world.agency.regions.add(regency_region)
    RoutingRule.objects.create(
        category=world.potholes,
        region=regency_region,
        organization=world.unit_a,
        owner=world.agency,
    )
    client = client_for(world.agency_admin)
    response = client.post(
        _url("rule_add", world.agency),
        {
            "category": world.potholes.pk,
            "region": regency_region.code,
            "organization": world.unit_a.pk,
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert page.count("There is already a routing rule for this category and region") == 1
    assert "This routing rule exists already." not in page


def test_the_rule_and_template_forms_label_their_fields_in_indonesian(world, client):
    client.force_login(world.agency_admin)

    rules = client.get(_page(world.agency)).content.decode()
    template = client.get(reverse("workspace:template_create")).content.decode()

    assert 'for="id_rule_category">Kategori' in rules
    assert ">Instansi" in template and ">Organization" not in template


def test_agency_admin_deletes_a_rule_and_route_forgets_it(world, client_for):
    rule = RoutingRule.objects.create(
        category=world.potholes, organization=world.unit_b, owner=world.agency
    )
    assert RoutingRule.objects.route(world.potholes, None) == world.unit_b
    client = client_for(world.agency_admin)
    url = _url("rule_delete", world.agency, rule_pk=rule.pk)
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    assert RoutingRule.objects.route(world.potholes, None) is None


def test_national_rules_are_listed_but_only_national_admins_delete_them(world, client_for):
    rule = RoutingRule.objects.create(category=world.potholes, organization=world.unit_a)
    client = client_for(world.agency_admin)
    page = client.get(_page(world.agency)).context
    assert rule in page["rules"] and rule.pk not in page["deletable_rules"]
    assert client.post(_url("rule_delete", world.agency, rule_pk=rule.pk)).status_code == 403
    assert RoutingRule.objects.filter(pk=rule.pk).exists()
    client = client_for(world.national_admin)
    assert client.post(_url("rule_delete", world.agency, rule_pk=rule.pk)).status_code == 302
    assert not RoutingRule.objects.filter(pk=rule.pk).exists()


def test_rules_of_another_agency_cannot_be_deleted_through_ones_own_page(world, client_for):
    rule = RoutingRule.objects.create(
        category=world.potholes, organization=world.other_agency, owner=world.other_agency
    )
    client = client_for(world.agency_admin)
    assert client.post(_url("rule_delete", world.agency, rule_pk=rule.pk)).status_code == 404
    assert RoutingRule.objects.filter(pk=rule.pk).exists()


# --- Query budget -------------------------------------------------------------------


def _add_units(world, count: int) -> None:
    for n in range(count):
        unit = Organization.objects.create(
            name=f"Kecamatan {n}", slug=f"kec-{n}", kind="district", parent=world.agency
        )
        user = _user(f"petugas{n}@kab-contoh.example.id", f"Petugas {n}")
        Membership.objects.create(user=user, organization=unit, role=Role.LIAISON)


@pytest.mark.parametrize("units", [3, 10])
def test_tree_query_count_does_not_grow_with_the_number_of_units(
    world, client_for, django_assert_max_num_queries, units
):
    _add_units(world, units)
    client = client_for(world.agency_admin)
    with django_assert_max_num_queries(7):
        response = client.get(TREE)
    assert len(response.context["organizations"]) == 3 + units


def test_decree_dates_accept_the_browser_date_format(world, client_for):
    client = client_for(world.agency_admin)
    client.post(
        _url("decree_add", world.agency),
        {"number": "SK/2", "issued_on": "2026-02-01", "valid_until": ""},
    )
    decree = world.agency.decrees.get(number="SK/2")
    assert decree.issued_on == datetime.date(2026, 2, 1) and decree.valid_until is None


def test_adding_a_withdrawn_role_again_reactivates_the_same_membership(world, client_for):
    membership = Membership.objects.get(user=world.liaison_a)
    Membership.objects.filter(pk=membership.pk).update(is_active=False)
    client = client_for(world.agency_admin)
    response = client.post(
        _url("member_add", world.unit_a), {"email": world.liaison_a.email, "role": "liaison"}
    )
    assert response.status_code == 302
    assert list(Membership.objects.filter(user=world.liaison_a).values_list("pk", "is_active")) == [
        (membership.pk, True)
    ]


def test_pages_speak_indonesian_by_default(world, client):
    client.force_login(world.agency_admin)
    tree = client.get(TREE).content.decode()
    assert "Terhubung" in tree and "Anggota aktif" in tree
    page = client.get(_page(world.agency)).content.decode()
    assert "Aturan penerusan" in page and "SK pengelola" in page
