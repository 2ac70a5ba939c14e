"""A citizen searches the public feed, finds a report on the map (with the keyboard)
and supports it.

The map's tile server points at this test server (where no tiles exist), so the
browser never fetches a tile from the internet."""

import pytest

from aduan.reports.models import Report, Status
from tests.browser.conftest import sign_in
from tests.personas import PASSWORD, advance, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_citizen_searches_finds_the_report_on_the_map_by_keyboard_and_supports_it(
    world, new_page, live_server, settings
):
    settings.ADUAN_MAP_TILE_URL = f"{live_server.url}/tidak-ada/{{z}}/{{x}}/{{y}}.png"
    report, _ = submit(
        world,
        reporter=world.citizen,
        title="Lampu jalan padam di Jalan Gatot Subroto",
        latitude=-6.914744,
        longitude=107.609810,
    )
    advance(world, report, Status.DISPATCHED)
    submit(world, reporter=world.citizen, title="Sampah menumpuk di pasar")  # not public

    page = new_page()
    outside = []
    page.on("request", lambda r: outside.append(r.url) if live_server.url not in r.url else None)
    sign_in(page, world.outsider.email, PASSWORD)
    page.goto("/laporan/?q=lampu+jalan")
    assert report.title in page.content()
    assert "Sampah menumpuk" not in page.content()

    page.goto("/peta/")
    dot = page.get_by_role("button", name=report.title)
    # The map zooms to the reports it shows: the only one is in the middle.
    page.wait_for_function(
        "() => { const m = document.querySelector('#report-map').getBoundingClientRect();"
        " const d = document.querySelector('.map-dot-box'); if (!d) return false;"
        " const r = d.getBoundingClientRect();"
        " return Math.abs(r.x + r.width / 2 - (m.x + m.width / 2)) < 30"
        " && Math.abs(r.y + r.height / 2 - (m.y + m.height / 2)) < 30; }"
    )
    page.wait_for_selector("#report-map[aria-busy=false]")  # the dots are settled
    dot.focus()
    page.keyboard.press("Enter")
    popup = page.locator(".map-popup")
    assert report.tracking_code in popup.inner_text()
    with page.expect_navigation():
        popup.locator("h3 a").click()
    assert page.url.endswith(f"/laporan/{report.tracking_code}/")

    with page.expect_navigation():
        page.locator("form[data-action=support] button[type=submit]").click()
    assert page.locator("[data-support-count]").inner_text().strip() == "1"
    assert Report.objects.get(pk=report.pk).support_count == 1
    assert outside == []
