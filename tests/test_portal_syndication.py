"""The Atom feed of public reports and robots.txt."""

from __future__ import annotations

from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

from django.conf import settings
from django.test import Client
from django.urls import reverse

from aduan.reports import lifecycle
from aduan.reports.models import Status
from tests.personas import advance, as_user, submit
from tests.test_portal import signed_in

ATOM = "{http://www.w3.org/2005/Atom}"


def entries(client=None, **params) -> list[ET.Element]:
    response = (client or Client()).get(reverse("portal:atom"), params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    return ET.fromstring(response.content).findall(f"{ATOM}entry")


def entry_id(report) -> str:
    return settings.ADUAN_SITE_URL + reverse("portal:report", args=[report.tracking_code])


def test_each_entry_id_is_the_reports_absolute_public_address_whatever_the_host(world, settings):
    settings.ADUAN_SITE_URL = "https://lapor.example.id"
    settings.ALLOWED_HOSTS = ["*"]
    report = advance(world, submit(world)[0], Status.DISPATCHED)
    [entry] = entries(Client(HTTP_HOST="mirror.example.org"))
    given = entry.findtext(f"{ATOM}id")
    assert given == f"https://lapor.example.id/laporan/{report.tracking_code}/"
    assert urlsplit(given).scheme == "https"  # an IRI, as RFC 4287 asks of <id>


def test_the_feed_lists_public_reports_with_masked_text_and_nothing_else(world):
    public = advance(world, submit(world, body="Hubungi saya di 081234567890, lampu mati.")[0],
                     Status.DISPATCHED)  # fmt: skip
    waiting, _ = submit(world, title="Belum diverifikasi")
    secret = advance(world, submit(world, title="Rahasia sekali")[0], Status.DISPATCHED)
    lifecycle.set_flags(secret, as_user(world.agency_admin), confidential=True)
    [entry] = entries()
    assert entry.findtext(f"{ATOM}id") == entry_id(public)
    assert entry.findtext(f"{ATOM}title").startswith(public.tracking_code)
    summary = entry.findtext(f"{ATOM}summary")
    assert "081234567890" not in summary and "0812******90" in summary
    link = entry.find(f"{ATOM}link").get("href")
    assert link.endswith(reverse("portal:report", args=[public.tracking_code]))
    assert waiting.tracking_code not in str(entries())


def test_the_feed_follows_the_feed_pages_filters(world):
    roads = advance(world, submit(world, title="Jalan berlubang")[0], Status.DISPATCHED)
    other = advance(
        world, submit(world, title="Lampu padam", category=world.roads)[0], Status.DISPATCHED
    )
    codes = [e.findtext(f"{ATOM}id") for e in entries(category=world.potholes.pk)]
    assert codes == [entry_id(roads)]
    assert {e.findtext(f"{ATOM}id") for e in entries()} == {entry_id(roads), entry_id(other)}


def test_an_outsider_gets_the_same_public_feed_as_anyone(world):
    advance(world, submit(world)[0], Status.DISPATCHED)
    mine = advance(world, submit(world, reporter=world.outsider, title="Punya saya")[0],
                   Status.SUBMITTED)  # fmt: skip
    signed = entries(signed_in(world.outsider))
    assert [e.findtext(f"{ATOM}id") for e in signed] == [e.findtext(f"{ATOM}id") for e in entries()]
    assert entry_id(mine) not in [e.findtext(f"{ATOM}id") for e in signed]


def test_the_feed_page_links_its_atom_feed_with_its_filters(world):
    html = Client().get(reverse("portal:feed"), {"q": "jalan"}).content.decode()
    assert 'type="application/atom+xml"' in html
    assert reverse("portal:atom") + "?q=jalan" in html


def test_robots_keep_private_places_out_of_search_engines(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    rules = response.content.decode().splitlines()
    for private in ("/kantor/", "/akun/", "/laporan/*/k/", "/laporan/*/a/", "/api/"):
        assert f"Disallow: {private}" in rules
    assert "Disallow: /laporan/" not in rules  # public report pages stay findable
