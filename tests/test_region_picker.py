"""The region picker (province → regency or city → district → village) shared by the
citizen's report form, the officers' manual entry and the routing rules; without
JavaScript, officers type a Kemendagri code or a region's exact name."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from aduan.organizations.forms import RegionField
from aduan.organizations.models import Region, RoutingRule
from aduan.reports.models import Report


@pytest.fixture
def regions(db):
    """Part of Central Java as the Kemendagri data names it: a regency and one of its
    districts share the name Banyumas, and both a regency and a city are Semarang."""
    rows = [
        ("33", "Jawa Tengah", 1),
        ("33.02", "Kabupaten Banyumas", 2),
        ("33.02.01", "Lumbir", 3),
        ("33.02.11", "Banyumas", 3),
        ("33.02.01.2001", "Cirahab", 4),
        ("33.22", "Kabupaten Semarang", 2),
        ("33.74", "Kota Semarang", 2),
    ]
    for code, name, level in rows:
        parent = code.rsplit(".", 1)[0] if "." in code else None
        Region.objects.create(code=code, name=name, level=level, parent_id=parent)
    return {code: Region.objects.get(code=code) for code, _name, _level in rows}


def _entry(**overrides):
    data = {
        "channel": "walk_in",
        "channel_reference": "",
        "received_on": timezone.localdate().isoformat(),
        "kind": "complaint",
        "title": "Jembatan desa retak",
        "body": "Jembatan desa retak dan berbahaya bagi anak sekolah.",
        "region": "",
        "address": "Dekat balai desa",
        "guest_name": "Pak Darmo",
        "guest_phone": "081298765432",
    }
    data.update(overrides)
    return data


def _clean(text: str):
    return RegionField(required=False).clean(text)


def _refusal(text: str, language: str) -> str:
    with translation.override(language), pytest.raises(ValidationError) as refused:
        _clean(text)
    with translation.override(language):
        return refused.value.messages[0]


# --- Typed without JavaScript -------------------------------------------------------


def test_a_region_is_found_by_its_code_or_its_exact_name_in_any_case(regions):
    assert _clean(" 33.02.01 ") == regions["33.02.01"]
    assert _clean("kota  semarang") == regions["33.74"]
    assert _clean("CIRAHAB") == regions["33.02.01.2001"]
    assert _clean("") is None


def test_a_regency_is_found_without_its_kabupaten_when_the_name_is_its_alone(regions):
    Region.objects.filter(code="33.02.11").delete()

    assert _clean("Banyumas") == regions["33.02"]


def test_a_name_several_regions_share_lists_them_with_their_codes(regions):
    message = _refusal("Banyumas", "en")

    assert message.startswith("Several regions are named “Banyumas”: ")
    assert "Kabupaten Banyumas, Jawa Tengah (33.02)" in message
    assert "Banyumas, Kabupaten Banyumas, Jawa Tengah (33.02.11)" in message
    assert message.endswith("Type the code of the one you mean.")


def test_an_unknown_region_says_what_to_type_in_indonesian_and_english(regions):
    indonesian = _refusal("Banyumasan", "id")
    english = _refusal("Banyumasan", "en")

    assert indonesian.startswith("Tidak ada wilayah dengan kode atau nama “Banyumasan”.")
    assert english.startswith("No region has the code or the name “Banyumasan”.")
    assert "33.02.01" in english and "Kabupaten Banyumas" in english


def test_a_text_longer_than_any_region_name_is_refused_without_repeating_it_whole(regions):
    message = _refusal("Banyumas " * 100, "en")

    assert message.startswith("No region has the code or the name “Banyumas Banyumas")
    assert len(message) < 300


# --- Manual entry --------------------------------------------------------------------


def test_manual_entry_takes_the_region_by_its_name(world, regions, client_for):
    response = client_for(world.liaison_a).post(
        reverse("workspace:manual_entry"), _entry(region="Kabupaten Banyumas")
    )

    assert response.status_code == 302
    assert Report.objects.get().region == regions["33.02"]


def test_manual_entry_refuses_an_unknown_region_saying_why_and_keeps_what_was_typed(
    world, regions, client_for
):
    response = client_for(world.liaison_a).post(
        reverse("workspace:manual_entry"), _entry(region="Banyumasan")
    )

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"region"}
    html = response.content.decode()
    assert "No region has the code or the name “Banyumasan”." in html
    assert 'value="Banyumasan"' in html
    for kept in ("Jembatan desa retak", "Dekat balai desa", "Pak Darmo", "081298765432"):
        assert kept in html
    assert not Report.objects.exists()


def test_manual_entry_refuses_a_shared_name_listing_the_regions(world, regions, client_for):
    response = client_for(world.liaison_a).post(
        reverse("workspace:manual_entry"), _entry(region="Semarang")
    )

    assert response.status_code == 400
    error = response.context["form"].errors["region"][0]
    assert "Kabupaten Semarang, Jawa Tengah (33.22)" in error
    assert "Kota Semarang, Jawa Tengah (33.74)" in error


def test_manual_entry_offers_the_same_picker_as_the_citizen_form(world, regions, client_for):
    client = client_for(world.liaison_a)
    entry = client.get(reverse("workspace:manual_entry")).content.decode()
    citizen = client.get(reverse("portal:submit")).content.decode()

    regions_url = f'data-url="{reverse("portal:regions")}"'
    for page in (entry, citizen):
        assert "data-region-picker" in page and regions_url in page
        assert "aduan/portal.js" in page
    # Officers can type a code or a name where the picker cannot run; citizens choose.
    assert '<input type="text" name="region"' in entry and "data-region-typing" in entry
    assert '<select name="region"' in citizen and "data-region-typing" not in citizen


def test_a_refused_entry_shows_the_chosen_region_in_the_picker_again(world, regions, client_for):
    response = client_for(world.liaison_a).post(
        reverse("workspace:manual_entry"), _entry(region="33.02.01.2001", title="")
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-selected="33.02.01.2001"' in html
    assert 'value="33.02.01.2001"' in html


# --- Routing rules ------------------------------------------------------------------


def _post_rule(client_for, user, org, **fields):
    url = reverse("workspace:organization_rule_add", kwargs={"pk": org.pk})
    return client_for(user).post(url, fields)


def test_a_routing_rule_takes_its_region_by_name(world, regions, client_for):
    world.agency.regions.add(regions["33.02"])

    response = _post_rule(
        client_for,
        world.agency_admin,
        world.agency,
        category=world.potholes.pk,
        region="Lumbir",
        organization=world.unit_a.pk,
    )

    assert response.status_code == 302
    assert RoutingRule.objects.get().region == regions["33.02.01"]


def test_a_routing_rule_for_an_unknown_region_says_why(world, regions, client_for):
    response = _post_rule(
        client_for,
        world.national_admin,
        world.agency,
        category=world.potholes.pk,
        region="Atlantis",
        organization=world.unit_a.pk,
    )

    assert response.status_code == 400
    error = response.context["rule_form"].errors["region"][0]
    assert error.startswith("No region has the code or the name “Atlantis”.")
    assert not RoutingRule.objects.exists()


def test_the_routing_rule_form_uses_the_picker_with_everywhere_for_the_national_admin(
    world, regions, client_for
):
    url = reverse("workspace:organization", kwargs={"pk": world.agency.pk})
    national = client_for(world.national_admin).get(url).content.decode()
    agency = client_for(world.agency_admin).get(url).content.decode()

    assert 'data-first="Everywhere"' in national
    assert 'data-first="Choose a province"' in agency
    for page in (national, agency):
        assert 'id="id_rule_region"' in page and "aduan/portal.js" in page
