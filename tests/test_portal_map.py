"""The public map: its page (Leaflet shipped with the app, tiles from settings) and the
GeoJSON of public reports it loads. Nothing here loads tiles: only HTML and JSON."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from aduan.channels.intake import Draft, submit_report
from aduan.reports.models import Report, Status
from tests.personas import advance, days_ago

BODY = "Mohon segera ditindaklanjuti oleh dinas terkait karena membahayakan warga sekitar."
BANDUNG = (-6.914744, 107.609810)
SURABAYA = (-7.257472, 112.752088)
STATIC = Path(settings.BASE_DIR) / "aduan" / "static" / "aduan"


def published(
    world, title="Lampu jalan mati", *, at=BANDUNG, days=0, reporter=None, **fields
) -> Report:
    draft = Draft(
        title=title,
        body=BODY,
        category=world.potholes,
        latitude=at[0] if at else None,
        longitude=at[1] if at else None,
        guest_name="Budi Tamu",
        guest_email="budi@example.id",
        **fields,
    )
    report = submit_report(draft, at=days_ago(days), reporter=reporter).report
    return advance(world, report, Status.DISPATCHED)


def geojson(client=None, **params) -> dict:
    response = (client or Client()).get(reverse("portal:map_reports"), params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    return response.json()


def codes(collection: dict) -> list[str]:
    return [feature["properties"]["code"] for feature in collection["features"]]


# --- The page ---------------------------------------------------------------------------


def test_the_map_page_ships_leaflet_and_uses_the_configured_tiles(db, settings):
    settings.ADUAN_MAP_TILE_URL = "https://tiles.example.id/{z}/{x}/{y}.png"
    settings.ADUAN_MAP_ATTRIBUTION = "&copy; Peta Contoh"
    html = Client().get(reverse("portal:map")).content.decode()
    assert '<script src="/static/aduan/vendor/leaflet/leaflet.js">' in html
    assert 'href="/static/aduan/vendor/leaflet/leaflet.css"' in html
    assert '<script src="/static/aduan/map.js">' in html
    assert 'data-tile-url="https://tiles.example.id/{z}/{x}/{y}.png"' in html
    assert 'data-attribution="&amp;copy; Peta Contoh"' in html
    assert f'data-geojson-url="{reverse("portal:map_reports")}"' in html
    # Every script and stylesheet comes from this server: no CDN.
    for url in re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html):
        assert url.startswith("/"), url


def test_without_settings_the_map_uses_openstreetmap_tiles(db):
    html = Client().get(reverse("portal:map")).content.decode()
    assert 'data-tile-url="https://tile.openstreetmap.org/{z}/{x}/{y}.png"' in html
    assert "OpenStreetMap" in html


def test_the_vendored_leaflet_is_1_9_4_with_its_licence_and_images():
    leaflet = STATIC / "vendor" / "leaflet"
    assert 't.version="1.9.4"' in (leaflet / "leaflet.js").read_text()
    assert "BSD 2-Clause" in (leaflet / "LICENSE").read_text()
    css = (leaflet / "leaflet.css").read_text()
    for image in re.findall(r"url\((images/[^)]+)\)", css):
        assert (leaflet / image).is_file(), image
    assert "//" not in "".join(re.findall(r"url\(([^)]+)\)", css))


def test_the_map_script_never_parses_report_text_as_html():
    script = (STATIC / "map.js").read_text()
    assert "textContent" in script
    assert "innerHTML" not in script
    assert "bindPopup(popup(" in script  # a DOM node, never an HTML string


def test_the_map_page_keeps_the_filters_and_links_back_to_the_list(world):
    html = Client().get(reverse("portal:map"), {"q": "lampu", "kind": "complaint"}).content
    html = html.decode()
    assert 'name="q" value="lampu"' in html
    assert f'href="{reverse("portal:feed")}?q=lampu&amp;kind=complaint"' in html
    assert '<details class="map-filters" open>' in html


def test_the_filters_are_folded_until_used_so_the_map_is_on_the_first_screen(world):
    html = Client().get(reverse("portal:map")).content.decode()
    assert '<details class="map-filters">' in html


def test_the_feed_and_the_home_page_link_to_the_map(world):
    client = Client()
    feed = client.get(reverse("portal:feed"), {"q": "lampu", "page": "2"}).content.decode()
    assert f'href="{reverse("portal:map")}?q=lampu" data-map-link' in feed
    home = client.get(reverse("portal:home")).content.decode()
    assert f'href="{reverse("portal:map")}" data-map-link' in home


# --- The GeoJSON ------------------------------------------------------------------------


def test_public_reports_with_coordinates_are_features_with_rounded_positions(world):
    report = published(world, "Lampu jalan mati di Braga")
    published(world, "Tanpa lokasi", at=None)
    collection = geojson()
    assert collection["type"] == "FeatureCollection"
    assert collection["truncated"] is False
    [feature] = collection["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [107.61, -6.915]}
    properties = feature["properties"]
    assert properties["code"] == report.tracking_code
    assert properties["title"] == "Lampu jalan mati di Braga"
    assert properties["status"] == "dispatched"
    assert properties["category"] == "Jalan Rusak"
    assert properties["url"] == reverse("portal:report", args=[report.tracking_code])
    assert set(properties) == {
        *("code", "title", "status", "status_label", "kind", "category", "submitted", "url"),
    }


@pytest.mark.parametrize("hidden", ["confidential", "submitted", "on_hold", "archived"])
def test_hidden_reports_are_never_on_the_map(world, hidden):
    shown = published(world)
    draft = Draft(
        title="Lampu jalan mati di gang",
        body=BODY,
        latitude=BANDUNG[0],
        longitude=BANDUNG[1],
        guest_name="Budi Tamu",
        guest_email="budi@example.id",
        is_confidential=hidden == "confidential",
    )
    report = submit_report(draft).report
    if hidden != "submitted":
        advance(world, report, Status.DISPATCHED if hidden == "confidential" else hidden)
    assert codes(geojson()) == [shown.tracking_code]


def test_the_bbox_bounds_the_features(world):
    bandung = published(world, "Lampu jalan mati di Braga")
    surabaya = published(world, "Lampu jalan mati di Tunjungan", at=SURABAYA)
    assert codes(geojson(bbox="107.5,-7.0,107.7,-6.8")) == [bandung.tracking_code]
    assert codes(geojson(bbox="112.6,-7.4,112.9,-7.1")) == [surabaya.tracking_code]
    assert set(codes(geojson(bbox="-200,-95,200,95"))) == {
        bandung.tracking_code,
        surabaya.tracking_code,
    }


def test_box_edges_between_grid_lines_do_not_reveal_the_exact_position(world):
    report = published(world, at=(-7.424567, 109.234789))  # shown as -7.425, 109.235
    shown = {report.tracking_code}
    # Edges just either side of the exact position, all inside the same public cell:
    for south in ("-7.42458", "-7.42456", "-7.42451"):
        for west in ("109.23478", "109.23480", "109.23485"):
            assert set(codes(geojson(bbox=f"{west},{south},110,-7"))) == shown, (west, south)
    assert codes(geojson(bbox="109.236,-7.4,110,-7")) == []  # the next cell over


@pytest.mark.parametrize("bbox", ["", "1,2,3", "a,b,c,d", "107.7,-7,107.5,-6.8", "1,nan,2,3"])
def test_a_bad_bbox_is_refused(db, bbox):
    response = Client().get(reverse("portal:map_reports"), {"bbox": bbox or ","})
    assert response.status_code == 400
    assert "bbox" in response.json()["error"]


def test_at_most_the_configured_number_of_newest_features_are_sent(world, settings):
    settings.ADUAN_MAP_MAX_FEATURES = 3
    reports = [published(world, f"Lampu jalan mati nomor {n}", days=10 - n) for n in range(5)]
    collection = geojson()
    assert collection["truncated"] is True
    assert codes(collection) == [r.tracking_code for r in reversed(reports)][:3]
    settings.ADUAN_MAP_MAX_FEATURES = 5
    assert geojson()["truncated"] is False


def test_the_map_filters_like_the_feed(world):
    lamp = published(world, "Lampu jalan mati di Braga")
    info = published(world, "Informasi jadwal vaksin", kind="information")
    advance(world, info, Status.IN_PROGRESS)
    other = submit_report(
        Draft(title="Izin usaha lambat", body=BODY, latitude=-6.9, longitude=107.6)
    ).report
    from aduan.reports import lifecycle
    from tests.personas import as_user

    lifecycle.dispatch(other, as_user(world.national_admin), world.other_agency)
    assert codes(geojson(q="lampu")) == [lamp.tracking_code]
    assert codes(geojson(kind="information")) == [info.tracking_code]
    assert codes(geojson(status="in_progress")) == [info.tracking_code]
    assert codes(geojson(organization=world.other_agency.pk)) == [other.tracking_code]
    assert set(codes(geojson(category=world.roads.pk))) == {
        lamp.tracking_code,
        info.tracking_code,
    }
    assert len(codes(geojson(status="not-a-status"))) == 3  # ignored, like the feed


def test_the_geojson_costs_the_same_few_queries_for_many_reports(
    world, django_assert_max_num_queries
):
    for n in range(12):
        published(world, f"Lampu jalan mati nomor {n}", reporter=world.citizen if n % 2 else None)
    with django_assert_max_num_queries(2):
        collection = geojson(q="lampu", bbox="107,-7.5,108,-6")
    assert len(collection["features"]) == 12


def test_the_map_page_costs_a_few_queries(world, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        assert Client().get(reverse("portal:map")).status_code == 200


def test_the_geojson_may_be_cached_briefly_by_anyone(world):
    response = Client().get(reverse("portal:map_reports"))
    assert "public" in response["Cache-Control"]
    assert "max-age=60" in response["Cache-Control"]
    # …but per language: its status labels follow the visitor's language cookie.
    assert "Cookie" in response["Vary"]


def test_outsider_sees_the_same_public_map_as_a_guest(world):
    shown = published(world)
    hidden = submit_report(
        Draft(title="Lampu jalan rahasia", body=BODY, latitude=-6.9, longitude=107.6),
        reporter=world.citizen,
    ).report
    client = Client()
    client.force_login(world.outsider)
    assert codes(geojson(client)) == [shown.tracking_code]
    assert hidden.tracking_code not in client.get(reverse("portal:map")).content.decode()


def test_the_map_is_read_only(db):
    assert Client().post(reverse("portal:map_reports")).status_code == 405
    assert Client().post(reverse("portal:map")).status_code == 405
