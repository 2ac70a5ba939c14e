"""A published GeoReport v2 client, unmodified, against the endpoint over real HTTP.

`georeport` (PyPI, a thin wrapper over requests and xmltodict) is a test-only
dependency pinned in requirements-dev.txt.
"""

from __future__ import annotations

import georeport
import pytest
from django.db import connections

from aduan.reports import lifecycle
from aduan.reports.models import Status
from tests.personas import advance, as_user, days_ago, submit


@pytest.fixture
def city(live_server, settings, world, monkeypatch):
    """Reports in several states, and a client configured as for any city."""
    # The server's request threads must not keep PostgreSQL sessions open past the test,
    # or the test database cannot be dropped at the end.
    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 0)
    settings.SITE_URL = live_server.url
    open_report, _secret = submit(world, address="Jl. Merdeka 1", latitude=-6.2, longitude=106.8)
    advance(world, open_report, Status.DISPATCHED)
    lifecycle.respond(open_report, as_user(world.liaison_a), "Tim datang besok.")
    closed, _secret = submit(world)
    advance(world, closed, Status.CLOSED)
    hidden, _secret = submit(world)
    return {
        "open": open_report.tracking_code,
        "closed": closed.tracking_code,
        "hidden": hidden.tracking_code,
        "root": live_server.url + "/open311/v2",
    }


@pytest.mark.parametrize("output_format", ["json", "xml"])
def test_the_georeport_client_reads_services_and_definitions(city, output_format):
    client = georeport.GeoReport(
        city["root"], jurisdiction="localhost", output_format=output_format
    )
    services = client.get_service_list()
    if isinstance(services, dict):  # xmltodict gives a lone <service> as a dict
        services = [services]
    assert [s["service_code"] for s in services] == ["jalan-rusak"]
    assert services[0]["group"] == "Infrastruktur"
    definition = client.get_service_definition("jalan-rusak")
    assert definition["service_code"] == "jalan-rusak"
    attributes = definition["attributes"]
    if output_format == "xml":
        attributes = attributes["attribute"]
    assert [a["code"] for a in attributes] == ["kind", "incident_date"]


@pytest.mark.parametrize("output_format", ["json", "xml"])
def test_the_georeport_client_reads_requests_with_filters(city, output_format):
    client = georeport.GeoReport(
        city["root"], jurisdiction="localhost", output_format=output_format
    )
    listed = client.get_service_requests()
    assert {r["service_request_id"] for r in listed} == {city["open"], city["closed"]}
    assert city["hidden"] not in str(listed)
    only_open = client.get_service_requests(status="open", service_code="jalan-rusak")
    if isinstance(only_open, dict):
        only_open = [only_open]
    assert [r["service_request_id"] for r in only_open] == [city["open"]]
    window = client.get_service_requests(
        start_date=days_ago(1).isoformat(), end_date=days_ago(-1).isoformat(), status="closed"
    )
    if isinstance(window, dict):
        window = [window]
    assert [r["service_request_id"] for r in window] == [city["closed"]]
    one = client.get_service_request(city["open"])
    if isinstance(one, list):
        (one,) = one
    assert one["service_request_id"] == city["open"]
    assert one["status"] == "open" and one["status_notes"] == "Tim datang besok."
    assert one["address"] == "Jl. Merdeka ***"  # the house number is masked in public
    assert float(one["lat"]) == -6.2 and float(one["long"]) == 106.8


def test_the_georeport_client_gets_an_empty_list_outside_the_window(city):
    # JSON only: xmltodict reads an empty <service_requests/> as None, which the
    # library then indexes; that is the library's limit with any server.
    client = georeport.GeoReport(city["root"], jurisdiction="localhost")
    old = {"start_date": days_ago(200).isoformat(), "end_date": days_ago(120).isoformat()}
    assert client.get_service_requests(**old) == []


def test_the_georeport_client_sees_the_specs_http_errors(city):
    import requests

    client = georeport.GeoReport(city["root"], jurisdiction="sfgov.org")
    with pytest.raises(requests.HTTPError) as raised:
        client.get_service_list()
    assert raised.value.response.status_code == 404
    ours = georeport.GeoReport(city["root"], jurisdiction="localhost")
    with pytest.raises(requests.HTTPError) as raised:
        ours.get_service_request(city["hidden"])
    assert raised.value.response.status_code == 404
