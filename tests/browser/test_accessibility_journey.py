"""Keyboard and screen-reader behaviour that only a real browser shows: where the focus
goes after a refused form, the skip links, the phone menus and tables, the map."""

import pytest
from django.utils import timezone

from aduan.reports.models import Status
from tests.browser.conftest import sign_in
from tests.personas import PASSWORD, advance, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOCUSED = "() => { const e = document.activeElement; return e.id || e.tagName.toLowerCase(); }"


def _focused_after_load(page) -> str:
    page.wait_for_load_state("load")
    page.wait_for_timeout(100)
    return page.evaluate(FOCUSED)


def test_a_refused_routing_rule_puts_the_admin_in_the_field_to_correct(world, new_page):
    page = new_page()
    sign_in(page, world.agency_admin.email, PASSWORD)
    page.goto(f"/kantor/organisasi/{world.agency.pk}/")
    page.locator("#rules details summary").click()
    with page.expect_navigation():
        page.locator("#rules details form button[type=submit]").click()

    assert page.url.endswith("#rules")
    assert _focused_after_load(page) == "id_rule_category"
    # The field is on screen, not thousands of pixels below the top of the page.
    top = page.locator("#id_rule_category").evaluate("e => e.getBoundingClientRect().top")
    assert 0 <= top < page.viewport_size["height"]


def test_a_refused_form_of_any_page_puts_the_focus_in_its_first_invalid_field(world, new_page):
    page = new_page()
    page.goto("/akun/daftar/")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert _focused_after_load(page) == "id_full_name"

    page.goto("/lacak/?code=ZZZZ-ZZZZ")
    assert _focused_after_load(page) == "id_code"


def test_a_wrong_password_leaves_the_focus_in_the_email_field(world, new_page):
    page = new_page()
    page.goto("/akun/masuk/")
    page.fill("input[name=username]", world.citizen.email)
    page.fill("input[name=password]", "salah-sekali")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    assert page.locator("main [role=alert]").count() == 1
    assert _focused_after_load(page) == "id_username"


def test_the_error_summary_gets_the_focus_even_after_the_skip_link(world, new_page):
    page = new_page()
    page.goto("/lapor/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state("load")
    page.wait_for_timeout(100)
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")


def test_a_refused_rating_puts_the_focus_on_the_stars_after_the_page_jumps_to_it(world, new_page):
    report, _ = submit(world, reporter=world.citizen)
    advance(world, report, Status.COMPLETED)
    page = new_page()
    sign_in(page, world.citizen.email, PASSWORD)
    page.goto(f"/laporan/{report.tracking_code}/")
    with page.expect_navigation():
        page.locator("#action-rate button[type=submit]").click()
    assert page.url.endswith("#action-rate")
    assert _focused_after_load(page).startswith("id_rate_stars")


def test_the_back_office_skip_links_go_past_the_menu_and_to_the_actions(world, new_page):
    report, _ = submit(world, reporter=world.citizen)
    page = new_page()
    sign_in(page, world.national_admin.email, PASSWORD)
    page.goto(f"/kantor/laporan/{report.tracking_code}/")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate(FOCUSED) == "workspace-content"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('.ws-nav')") is None

    page.goto(f"/kantor/laporan/{report.tracking_code}/")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate(FOCUSED) == "actions"
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('.ws-action')")


def test_on_a_phone_the_menu_fades_only_while_more_of_it_waits(world, new_page):
    page = new_page(viewport={"width": 360, "height": 740})
    page.goto("/")
    nav = page.locator(".site-header nav")
    assert "scroll-more" in nav.get_attribute("class")
    nav.evaluate("n => { n.scrollLeft = n.scrollWidth; }")
    page.wait_for_function(
        "!document.querySelector('.site-header nav').classList.contains('scroll-more')"
    )
    # The last item, fully scrolled to, is not faded.
    assert nav.evaluate("n => getComputedStyle(n).maskImage") == "none"


def test_a_wide_table_is_reachable_by_keyboard_only_when_it_scrolls(world, new_page):
    submit(world, reporter=world.citizen)
    # Wider than a phone, where the inbox is a table again (on a phone it is cards that fit).
    page = new_page(viewport={"width": 700, "height": 740})
    sign_in(page, world.national_admin.email, PASSWORD)
    page.goto("/kantor/")
    page.wait_for_load_state("load")
    box = page.locator(".ws-table-wrap").first
    assert box.get_attribute("tabindex") == "0"
    assert box.get_attribute("role") == "group"
    assert box.get_attribute("aria-label")

    page.set_viewport_size({"width": 1600, "height": 900})
    page.wait_for_function("!document.querySelector('.ws-table-wrap').hasAttribute('tabindex')")
    page.set_viewport_size({"width": 360, "height": 740})
    page.wait_for_function("!document.querySelector('.ws-table-wrap').hasAttribute('tabindex')")


def test_the_map_has_a_legend_and_its_pop_up_takes_and_gives_back_the_focus(
    world, new_page, live_server, settings
):
    settings.ADUAN_MAP_TILE_URL = f"{live_server.url}/tidak-ada/{{z}}/{{x}}/{{y}}.png"
    report, _ = submit(world, reporter=world.citizen, latitude=-6.914744, longitude=107.609810)
    advance(world, report, Status.DISPATCHED)
    page = new_page("en")
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto("/peta/")
    legend = page.locator(".map-legend")
    for label in ("Dispatched", "In progress", "Responded", "Closed"):
        assert label in legend.inner_text()
    # The list comes before the map's many tab stops.
    list_link = page.get_by_role("link", name="Show these reports as a list")
    assert list_link.evaluate(
        "a => !!(a.compareDocumentPosition(document.getElementById('report-map'))"
        " & Node.DOCUMENT_POSITION_FOLLOWING)"
    )

    page.wait_for_selector("#report-map[aria-busy=false]")  # the dots are settled
    dot = page.locator(".map-dot-box").first
    dot.focus()
    page.keyboard.press("Enter")
    popup = page.locator(".map-popup")
    popup.wait_for()
    assert page.evaluate("!!document.activeElement.closest('.map-popup')")
    # The day as the pages write it ("7 Dec 2026"), not as ISO.
    day = timezone.localdate(report.submitted_at)
    assert day.isoformat() not in popup.inner_text()
    assert popup.locator("time").get_attribute("datetime") == day.isoformat()
    assert str(day.year) in popup.locator("time").inner_text()
    close = page.locator(".leaflet-popup-close-button")
    assert close.get_attribute("aria-label") == "Close the summary"

    page.keyboard.press("Escape")
    page.wait_for_function("!document.querySelector('.map-popup')")
    assert page.evaluate("document.activeElement.classList.contains('map-dot-box')")
    # Dots that came while it was open replace the old ones; the focus stays on the dot.
    page.wait_for_selector("#report-map[aria-busy=false]")
    assert page.evaluate("document.activeElement.classList.contains('map-dot-box')")


def test_the_submit_page_tells_hints_once_and_ties_them_to_their_fields(world, new_page):
    page = new_page()
    page.goto("/lapor/")
    # Nothing is being sent yet.
    assert page.locator("[data-sending-status]").is_hidden()
    described = page.locator("#id_body").get_attribute("aria-describedby") or ""
    assert "hints-body" in described.split()

    page.fill("#id_title", "Jalan berlubang")
    page.fill("#id_body", "Jalan di depan pasar berlubang besar dan dalam")
    page.locator("[data-hints-for=body] li").first.wait_for()
    page.evaluate(
        """() => {
          window.hintChanges = 0;
          const observer = new MutationObserver(r => { window.hintChanges += r.length; });
          document.querySelectorAll("[data-hints-for]").forEach(
            list => observer.observe(list, {childList: true, subtree: true}));
        }"""
    )
    with page.expect_response("**/lapor/periksa/"):
        page.type("#id_body", " banyak motor jatuh")  # the same hints still apply
    page.wait_for_timeout(300)

    assert page.evaluate("window.hintChanges") == 0
