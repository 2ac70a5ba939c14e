"""The region filter of the public feed, the map, the Atom feed and the open data: the
regencies and cities where public reports are, each including the regions below it."""

from __future__ import annotations

import re
from xml.etree import ElementTree as ET

import pytest
from django.test import Client
from django.urls import reverse

from aduan.organizations.models import Region
from aduan.reports.models import Status
from tests.personas import advance, submit

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def places(db):
    province = Region.objects.create(code="33", name="Jawa Tengah", level=1)
    semarang = Region.objects.create(code="33.74", name="Kota Semarang", level=2, parent=province)
    tembalang = Region.objects.create(code="33.74.07", name="Tembalang", level=3, parent=semarang)
    Region.objects.create(code="33.74.07.1001", name="Bulusan", level=4, parent=tembalang)
    banyumas = Region.objects.create(
        code="33.02", name="Kabupaten Banyumas", level=2, parent=province
    )
    Region.objects.create(code="33.02.01", name="Lumbir", level=3, parent=banyumas)
    Region.objects.create(code="33.10", name="Kabupaten Klaten", level=2, parent=province)
    Region.objects.create(code="31", name="DKI Jakarta", level=1)
    return province


def public_in(world, code: str, title: str, **fields):
    report, _secret = submit(world, title=title, region=Region.objects.get(code=code), **fields)
    return advance(world, report, Status.DISPATCHED)


@pytest.fixture
def reports(world, places):
    return {
        "village": public_in(world, "33.74.07.1001", "Jalan rusak di Bulusan"),
        "regency": public_in(world, "33.74", "Lampu kota padam di Semarang"),
        "lumbir": public_in(world, "33.02.01", "Jembatan putus di Lumbir"),
        "province": public_in(world, "33", "Bus antarkota tidak berhenti"),
    }


def feed_codes(**params) -> set[str]:
    html = Client().get(reverse("portal:feed"), params).content.decode()
    return set(re.findall(r'class="code">([A-Z0-9-]+)<', html))


def region_options(html: str) -> list[str]:
    select = re.search(r'<select name="region".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="([^"]*)"', select)


def test_the_feed_offers_the_regencies_and_cities_that_have_public_reports(world, reports):
    # Klaten has only a confidential report, Jakarta has none: neither is offered.
    secret, _ = submit(world, title="Pungli di Klaten", region=Region.objects.get(code="33.10"))
    advance(world, secret, Status.DISPATCHED).is_confidential = True
    secret.save(update_fields=["is_confidential"])
    html = Client().get(reverse("portal:feed")).content.decode()
    assert region_options(html) == ["", "33", "33.02", "33.74"]
    assert '<optgroup label="Jawa Tengah">' in html
    assert ">Seluruh Jawa Tengah</option>" in html


def test_a_regency_filter_includes_the_reports_of_its_districts_and_villages(reports):
    codes = {name: report.tracking_code for name, report in reports.items()}
    assert feed_codes(region="33.74") == {codes["village"], codes["regency"]}
    assert feed_codes(region="33.02") == {codes["lumbir"]}
    assert feed_codes(region="33") == set(codes.values())


def test_a_district_asked_for_by_its_code_filters_and_is_shown_as_chosen(reports):
    html = Client().get(reverse("portal:feed"), {"region": "33.74.07"}).content.decode()
    assert set(re.findall(r'class="code">([A-Z0-9-]+)<', html)) == {
        reports["village"].tracking_code
    }
    assert re.search(r'<option value="33.74.07" selected>Tembalang, Kota Semarang', html)


def test_an_unknown_region_is_refused_by_the_open_data_and_ignored_by_the_feed(reports):
    response = Client().get(reverse("portal:open_data_json"), {"region": "99.99"})
    assert response.status_code == 400
    assert "region" in response.json()["errors"]
    assert feed_codes(region="99.99") == {r.tracking_code for r in reports.values()}


def test_the_atom_feed_and_the_open_data_take_a_regency(reports):
    expected = {reports["village"].tracking_code, reports["regency"].tracking_code}
    response = Client().get(reverse("portal:atom"), {"region": "33.74"})
    ids = [e.findtext(f"{ATOM}id") for e in ET.fromstring(response.content).iter(f"{ATOM}entry")]
    assert {entry_id.rstrip("/").rsplit("/", 1)[1] for entry_id in ids} == expected
    response = Client().get(reverse("portal:open_data_json"), {"region": "33.74"})
    assert response.status_code == 200
    document = b"".join(response.streaming_content).decode()
    assert set(re.findall(r'"code": "([A-Z0-9-]+)"', document)) == expected


def test_the_map_page_offers_the_same_regions_without_javascript(reports):
    html = Client().get(reverse("portal:map"), {"region": "33.02"}).content.decode()
    assert region_options(html) == ["", "33", "33.02", "33.74"]
    assert '<option value="33.02" selected>' in html


def test_the_region_list_is_read_once_in_a_while_not_on_every_visit(
    world, reports, django_assert_max_num_queries
):
    client = Client()
    client.get(reverse("portal:feed"))
    public_in(world, "33.10", "Sampah di Klaten")
    with django_assert_max_num_queries(6):
        html = client.get(reverse("portal:feed")).content.decode()
    assert "33.10" not in region_options(html)  # cached for FEED_REGIONS_TTL
