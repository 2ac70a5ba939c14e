"""On a phone: pages fit the screen, a refused form shows where the problem is, and a
response template never overwrites what an officer wrote."""

import datetime
from urllib.parse import urlsplit

import pytest
import time_machine
from django.utils import timezone

from aduan.accounts.confirmation import confirmation_path
from aduan.accounts.email_change import change_path
from aduan.deadlines.scan import scan
from aduan.notifications.outbox import confirmation_link
from aduan.organizations.models import ResponseTemplate
from aduan.reports import lifecycle
from aduan.reports.models import Status
from tests.browser.conftest import sign_in
from tests.personas import PASSWORD, _user, advance, as_user, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
TEMPLATE = "Terima kasih, laporan Anda sedang kami tangani."


def _phone(new_page, user=None):
    page = new_page()
    page.set_viewport_size(PHONE)
    if user is not None:
        sign_in(page, user.email, PASSWORD)
    return page


def _overflow(page) -> int:
    """How many pixels the page is wider than the screen."""
    return page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")


def _focused(page) -> str:
    return page.evaluate(
        "(document.activeElement.getAttribute('name') || '')"
        " + '|' + (document.activeElement.hasAttribute('data-error-summary') ? 'summary' : '')"
    )


def test_public_pages_and_the_back_office_report_fit_a_phone(world, new_page):
    report, _ = submit(world, reporter=world.citizen)
    advance(world, report, Status.DISPATCHED)
    guest = _phone(new_page)
    for path in ("/", "/lapor/", "/laporan/", "/instansi/", f"/instansi/{world.agency.slug}/"):
        guest.goto(path)
        assert _overflow(guest) <= 0, path
    # The menu is one row: the page starts on the first screen, not below it.
    guest.goto("/")
    assert guest.evaluate("document.querySelector('.site-header').offsetHeight") <= 110
    guest.goto(f"/instansi/{world.agency.slug}/")
    # The agency page is styled: tiles in a grid, charts' lines not filled black shapes.
    styles = guest.evaluate(
        "[getComputedStyle(document.querySelector('.figure-grid')).display,"
        " getComputedStyle(document.querySelector('svg.chart')).width]"
    )
    assert styles[0] == "grid" and float(styles[1].removesuffix("px")) <= PHONE["width"]
    # Its charts say what they show, in letters a phone can read.
    assert guest.locator("figcaption.chart-title").first.is_visible()
    text_height = guest.evaluate(
        "document.querySelector('svg.chart text').getBoundingClientRect().height"
    )
    assert text_height >= 8, text_height
    fills = guest.eval_on_selector_all(
        "svg.chart polyline", "lines => lines.map(l => getComputedStyle(l).fill)"
    )
    assert set(fills) <= {"none"}, fills
    officer = _phone(new_page, world.liaison_a)
    officer.goto(f"/kantor/laporan/{report.tracking_code}/")
    assert _overflow(officer) <= 0
    # The bell stays on the screen; the back-office menu is one row above the report.
    bell = officer.locator(".site-header .bell").bounding_box()
    assert bell and bell["x"] + bell["width"] <= PHONE["width"]
    assert officer.evaluate("document.querySelector('.ws-nav').offsetHeight") <= 60
    # A guest with a long address, waiting for the national admin's verification form.
    waiting, _ = submit(
        world, guest_email="warga.dengan.alamat.panjang.sekali@contoh-desa.example.id"
    )
    admin = _phone(new_page, world.national_admin)
    admin.goto(f"/kantor/laporan/{waiting.tracking_code}/")
    assert _overflow(admin) <= 0


def _late_report(world):
    """A report dispatched to unit A a month ago, with a title too long for one line."""
    with time_machine.travel(timezone.now() - datetime.timedelta(days=30), tick=False):
        report, _ = submit(
            world,
            reporter=world.citizen,
            title="Jembatan gantung penghubung dua dusun retak parah dan miring ke sungai",
        )
        lifecycle.dispatch(report, as_user(world.national_admin), world.unit_a)
    scan()
    return report


def test_the_inbox_and_the_overdue_list_show_every_column_on_a_phone(world, new_page):
    report = _late_report(world)
    admin = _phone(new_page, world.national_admin)
    for path, late_label in (("/kantor/?tab=all", "Batas waktu"), ("/kantor/terlambat/", None)):
        admin.goto(path)
        assert admin.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
        # No list scrolls sideways in its own box either: each report is a card.
        assert admin.evaluate(
            "[...document.querySelectorAll('.ws-table-wrap')]"
            ".every(box => box.scrollWidth <= box.clientWidth)"
        ), path
        late = admin.locator(f"tr[data-code='{report.tracking_code}'] [data-countdown]").first
        box = late.bounding_box()
        assert box and box["x"] + box["width"] <= PHONE["width"], path
        assert "terlambat" in late.inner_text()
        if late_label:  # each cell under its column's name
            cell = admin.locator(f"tr[data-code='{report.tracking_code}'] td[data-label]").nth(1)
            assert cell.get_attribute("data-label") == late_label


def test_the_inbox_filters_fold_away_on_a_phone_unless_in_use(world, new_page):
    _late_report(world)
    admin = _phone(new_page, world.national_admin)
    admin.goto("/kantor/?tab=all")
    filters = admin.locator("details.ws-more-filters")
    assert not filters.evaluate("details => details.open")
    assert admin.locator("#id_q").is_visible() and not admin.locator("#id_status").is_visible()
    first = admin.locator(".ws-reports tbody tr").first.bounding_box()
    assert first and first["y"] < PHONE["height"]

    admin.goto("/kantor/?tab=all&status=dispatched")
    assert filters.evaluate("details => details.open")
    assert admin.input_value("#id_status") == "dispatched"
    # On a wide screen every filter stands open, with nothing to unfold.
    admin.set_viewport_size({"width": 1280, "height": 800})
    admin.goto("/kantor/?tab=all")
    assert admin.locator("#id_status").is_visible()
    assert not admin.locator("details.ws-more-filters > summary").is_visible()


def test_the_report_page_links_a_liaison_to_their_forms_from_the_top(world, new_page):
    report, _ = submit(world, reporter=world.citizen)
    advance(world, report, Status.DISPATCHED)
    liaison = _phone(new_page, world.liaison_a)
    liaison.goto(f"/kantor/laporan/{report.tracking_code}/")
    links = liaison.locator("nav.ws-jump a")
    targets = links.evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert "#action-respond" in targets and "#action-dispatch" not in targets
    assert all(liaison.locator(target).count() == 1 for target in targets)
    assert links.first.bounding_box()["y"] < PHONE["height"]

    liaison.locator("nav.ws-jump a[href='#action-respond']").click()

    liaison.wait_for_function("location.hash === '#action-respond'")
    form = liaison.locator("#action-respond").bounding_box()
    assert -2 < form["y"] < PHONE["height"]  # scrolled to the top of the screen


def test_public_pages_fit_a_phone_whose_text_is_set_twice_as_large(world, new_page):
    advance(world, submit(world, reporter=world.citizen)[0], Status.DISPATCHED)
    guest = _phone(new_page)
    for path in ("/", "/laporan/", "/laporan/?kind=complaint", "/lapor/", "/lacak/"):
        guest.goto(path)
        guest.add_style_tag(content="html { font-size: 200% !important; }")
        assert _overflow(guest) <= 0, path
    # The first report is not pushed a screen down by filters nobody asked for.
    guest.goto("/laporan/")
    first = guest.locator(".report-list li").first.bounding_box()
    assert first and first["y"] < PHONE["height"]


def test_a_link_from_a_message_asks_for_its_button_on_a_phone_without_javascript(world, new_page):
    report, _ = submit(
        world, guest_email="warga.dengan.alamat.panjang.sekali@contoh-desa.example.id"
    )
    guest = new_page(java_script_enabled=False)
    guest.set_viewport_size(PHONE)
    guest.goto(urlsplit(confirmation_link(report)).path)
    assert _overflow(guest) <= 0
    report.refresh_from_db()
    assert report.guest_contact_verified_at is None  # opening it changed nothing
    with guest.expect_navigation():
        guest.get_by_role("button", name="Konfirmasi dan buka laporan").click()
    assert guest.url.endswith(f"/laporan/{report.tracking_code}/")
    assert guest.locator("h1").count() == 1 and _overflow(guest) <= 0
    report.refresh_from_db()
    assert report.guest_contact_verified_at is not None

    new_address = "siti.warga.dengan.alamat.baru.panjang@kantor-desa-contoh.example.id"
    owner = new_page(java_script_enabled=False)
    owner.set_viewport_size(PHONE)
    owner.goto(change_path(world.citizen, new_address))
    assert _overflow(owner) <= 0
    world.citizen.refresh_from_db()
    assert world.citizen.email == "warga@example.id"
    with owner.expect_navigation():
        owner.get_by_role("button", name="Gunakan alamat ini").click()
    world.citizen.refresh_from_db()
    assert world.citizen.email == new_address

    newcomer = _user(
        "petugas.baru.dengan.alamat.panjang@kecamatan-contoh.example.id",
        "Petugas Baru",
        email_confirmed_at=None,
    )
    owner.goto(confirmation_path(newcomer))
    assert _overflow(owner) <= 0
    with owner.expect_navigation():
        owner.get_by_role("button", name="Konfirmasi alamat").click()
    newcomer.refresh_from_db()
    assert newcomer.email_confirmed_at is not None


def test_a_refused_report_form_puts_the_reader_on_the_list_of_what_to_correct(world, new_page):
    page = _phone(new_page)
    page.goto("/lapor/")
    page.fill("[name=body]", "Terlalu pendek")
    with page.expect_navigation():
        page.locator("form[data-once] button[type=submit]").click()

    assert _focused(page) == "|summary"
    summary = page.locator("[data-error-summary]")
    assert summary.locator("a[href='#id_title']").count() == 1
    assert page.input_value("[name=body]") == "Terlalu pendek"


def test_a_refused_manual_entry_puts_the_officer_on_the_list_of_what_to_correct(world, new_page):
    page = _phone(new_page, world.liaison_a)
    page.goto("/kantor/lapor-manual/")
    page.fill("#id_title", "Jembatan desa retak")
    with page.expect_navigation():
        page.click("#workspace-content form button[type=submit]")

    assert _focused(page) == "|summary"
    summary = page.locator("[data-error-summary]")
    assert summary.is_visible() and summary.bounding_box()["y"] < PHONE["height"]
    summary.locator("a[href='#id_body']").click()
    assert page.evaluate("document.activeElement.id") == "id_body"
    assert page.input_value("#id_title") == "Jembatan desa retak"


# The headings of a table that are narrower than their longest word: cut inside a word.
CUT_HEADINGS = """(selector) => {
  const ruler = document.createElement("canvas").getContext("2d");
  const cut = [];
  document.querySelectorAll(selector).forEach((cell) => {
    const style = getComputedStyle(cell);
    ruler.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const words = cell.textContent.trim().split(/\\s+/).filter(Boolean);
    const longest = Math.max(0, ...words.map((word) => ruler.measureText(word).width));
    const room = cell.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    if (room + 1 < longest) cut.push(cell.textContent.trim());
  });
  return cut;
}"""


def test_tables_of_figures_wrap_their_headings_by_word_and_scroll_in_their_box_on_a_phone(
    world, new_page, settings, tmp_path
):
    from aduan.analytics.facts import rebuild_facts
    from aduan.triage import training
    from aduan.triage.models import TriageModel
    from tests.test_triage_suggest import add_history

    settings.STATE_DIR = tmp_path
    settings.TRIAGE_MIN_SAMPLES = 4
    add_history(world)
    training.train(TriageModel.Kind.ORGANIZATION)
    rebuild_facts()
    page = _phone(new_page, world.national_admin)

    for path, table in [
        (f"/kantor/monev/?org={world.agency.pk}", "table.monev-league"),
        ("/kantor/triase/", "section[data-kind] table"),
    ]:
        page.goto(path)
        assert page.locator(table).count(), path
        assert page.evaluate(CUT_HEADINGS, f"{table} th") == [], path
        # Wider than the screen, the table scrolls in its own box, not the page.
        assert _overflow(page) <= 0, path
        box = page.locator(table).first.locator("xpath=..")
        assert box.evaluate("b => b.scrollWidth > b.clientWidth"), path


def test_a_refused_dispatch_lands_on_its_form_with_the_cursor_in_the_field(world, new_page):
    report, _ = submit(world, reporter=world.citizen)
    page = _phone(new_page, world.national_admin)
    page.goto(f"/kantor/laporan/{report.tracking_code}/")
    form = page.locator("form[data-action=dispatch]")
    form.locator("[name=organization]").select_option("")
    with page.expect_navigation():
        form.locator("button[type=submit]").last.click()

    assert page.url.endswith("#action-dispatch")
    assert _focused(page) == "organization|"


def test_choosing_a_template_never_overwrites_what_the_officer_wrote(world, new_page):
    report, _ = submit(world, reporter=world.citizen)
    advance(world, report, Status.DISPATCHED)
    ResponseTemplate.objects.create(organization=world.unit_a, title="Sedang", body=TEMPLATE)
    page = _phone(new_page, world.liaison_a)
    page.goto(f"/kantor/laporan/{report.tracking_code}/")
    message = page.locator("#id_respond_message")
    message.fill("Tim kami sudah ke lokasi.")
    picker = page.locator("#template-respond")
    picker.focus()
    page.keyboard.press("ArrowDown")  # browsing the list changes the choice…
    assert message.input_value() == "Tim kami sudah ke lokasi."  # …but not the text

    page.once("dialog", lambda dialog: dialog.dismiss())
    page.locator("#action-respond button[data-template-insert]").click()
    assert message.input_value() == "Tim kami sudah ke lokasi."

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#action-respond button[data-template-insert]").click()
    assert message.input_value() == TEMPLATE


def test_without_javascript_a_template_is_added_after_what_the_officer_wrote(world, new_page):
    report, _ = submit(world, reporter=world.citizen)
    advance(world, report, Status.DISPATCHED)
    template = ResponseTemplate.objects.create(
        organization=world.unit_a, title="Sedang", body=TEMPLATE
    )
    page = new_page(java_script_enabled=False)
    page.set_viewport_size(PHONE)
    sign_in(page, world.liaison_a.email, PASSWORD)
    page.goto(f"/kantor/laporan/{report.tracking_code}/")
    page.fill("#id_respond_message", "Tim kami sudah ke lokasi.")
    page.select_option("#template-respond", str(template.pk))
    with page.expect_navigation():
        page.locator("#action-respond button[data-template-insert]").click()

    assert page.input_value("#id_respond_message") == f"Tim kami sudah ke lokasi.\n\n{TEMPLATE}"
    assert page.locator("#action-respond [data-template-added]").count() == 1
    with page.expect_navigation():
        page.locator("#action-respond form button.btn:not(.secondary)").click()
    report.refresh_from_db()
    assert report.status == Status.IN_PROGRESS
    assert report.events.filter(message__startswith="Tim kami sudah ke lokasi.").count() == 1


def test_the_notification_bell_is_a_target_a_thumb_can_hit_on_a_phone(world, new_page):
    page = new_page(viewport={"width": 360, "height": 640})
    sign_in(page, world.citizen.email, PASSWORD)

    box = page.locator(".site-header .bell").bounding_box()

    assert box["width"] >= 24 and box["height"] >= 24  # WCAG 2.2 target size (minimum)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
