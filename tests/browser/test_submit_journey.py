"""While a citizen writes a report, the page shows what it still lacks and a similar open
report nearby that they may support instead of filing the same problem again."""

import pytest

from aduan.organizations.models import Region
from aduan.reports.models import Report, Status
from tests.browser.conftest import sign_in
from tests.personas import PASSWORD, advance, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def village_with_parents() -> Region:
    parent = None
    for code, name, level in [
        ("33", "Jawa Tengah", 1),
        ("33.02", "Kabupaten Banyumas", 2),
        ("33.02.01", "Lumbir", 3),
        ("33.02.01.2001", "Cingebul", 4),
    ]:
        parent = Region.objects.create(code=code, name=name, level=level, parent=parent)
    return parent


def test_a_citizen_sees_hints_and_a_similar_report_nearby_while_writing(world, new_page):
    village = village_with_parents()
    existing, _ = submit(
        world,
        reporter=world.citizen,
        title="Jalan berlubang besar di depan Pasar Kliwon",
        body="Jalan di depan Pasar Kliwon berlubang besar dan dalam. Motor sering jatuh.",
        region=village,
    )
    advance(world, existing, Status.DISPATCHED)

    page = new_page()
    page.goto("/lapor/")
    page.select_option("#id_region", "33")
    page.select_option("#id_region_level2", "33.02")
    page.select_option("#id_region_level3", "33.02.01")
    page.select_option("#id_region_level4", "33.02.01.2001")
    page.fill("#id_title", "Lubang di jalan dekat pasar Kliwon")
    page.fill("#id_body", "Ada lubang dalam di jln depan pasar kliwon, motor banyak yg jatuh.")

    similar = page.locator("[data-similar]")
    similar.wait_for(state="visible")
    link = similar.locator("a").first
    assert link.get_attribute("href").endswith(f"/laporan/{existing.tracking_code}/")
    assert existing.tracking_code in similar.inner_text()
    no_date = page.locator("[data-hints-for=incident_date] [data-hint=no_date]")
    no_date.wait_for(state="visible")
    assert "kapan" in no_date.inner_text().lower()

    page.fill("#id_incident_date", "2026-11-30")
    no_date.wait_for(state="detached")


def test_a_citizen_on_a_phone_attaches_their_position_to_the_report(world, new_page):
    page = new_page(
        geolocation={"latitude": -7.424512, "longitude": 109.239711},
        permissions=["geolocation"],
    )
    page.goto("/lapor/")
    page.fill("#id_title", "Lampu jalan padam di depan Alun-alun")
    page.fill("#id_body", "Lampu jalan di depan Alun-alun padam sejak seminggu, gelap sekali.")
    page.fill("#id_guest_name", "Budi Tamu")
    page.fill("#id_guest_email", "budi@example.id")

    page.get_by_role("button", name="Gunakan posisi saya sekarang").click()
    status = page.locator("[data-locate-status]")
    status.filter(has_text="-7.42451").wait_for()
    with page.expect_navigation():
        page.locator("form[data-once] button[type=submit]").click()

    report = Report.objects.get()
    assert (float(report.latitude), float(report.longitude)) == (-7.424512, 109.239711)


def test_a_citizen_who_gives_only_their_position_is_shown_a_report_there(world, new_page):
    existing, _ = submit(
        world,
        reporter=world.citizen,
        title="Jalan berlubang di Jl. Raya Baturraden",
        body="Jalan berlubang besar dan dalam di Jl. Raya Baturraden, motor sering jatuh.",
        latitude=-7.427213,
        longitude=109.230804,
    )
    advance(world, existing, Status.DISPATCHED)
    page = new_page(
        geolocation={"latitude": -7.4272, "longitude": 109.2308}, permissions=["geolocation"]
    )
    page.goto("/lapor/")
    page.fill("#id_title", "Jalan berlubang di Jl. Raya Baturraden")
    page.fill("#id_body", "Jalan berlubang besar dan dalam, membahayakan pengendara motor.")
    page.wait_for_timeout(2000)  # the check of the words alone has answered: no place yet
    assert page.locator("[data-similar]").is_hidden()

    page.get_by_role("button", name="Gunakan posisi saya sekarang").click()

    similar = page.locator("[data-similar]")
    similar.wait_for(state="visible")
    assert existing.tracking_code in similar.inner_text()


def test_a_large_photo_is_made_smaller_in_the_phone_before_it_is_sent(world, new_page, tmp_path):
    import os

    from PIL import Image

    photo = tmp_path / "lubang.jpg"
    Image.frombytes("RGB", (3000, 2250), os.urandom(3000 * 2250 * 3)).save(photo, quality=95)
    page = new_page()
    page.goto("/lapor/")

    page.set_input_files("#id_attachments", str(photo))

    page.locator("#id_attachments ~ p.hint").filter(has_text="→").wait_for()
    chosen = page.evaluate(
        "(() => { const f = document.querySelector('#id_attachments').files[0];"
        " return [f.size, f.type, f.name]; })()"
    )
    assert chosen[0] < photo.stat().st_size / 2
    assert chosen[1:] == ["image/jpeg", "lubang.jpg"]


def test_a_mistake_the_phone_can_see_is_shown_before_a_photo_is_uploaded(world, new_page, tmp_path):
    from PIL import Image

    photo = tmp_path / "lubang.jpg"
    Image.new("RGB", (64, 48), (120, 90, 60)).save(photo)
    page = new_page()
    page.goto("/lapor/")
    page.fill("#id_title", "Jalan berlubang")
    page.fill("#id_body", "Lubang besar di jalan depan pasar sudah dua minggu, motor sering jatuh.")
    page.set_input_files("#id_attachments", str(photo))
    posts = []
    page.on("request", lambda request: posts.append(request) if request.method == "POST" else None)

    page.click("form[data-once] button[type=submit]")  # no name, no contact yet

    page.wait_for_timeout(300)
    assert posts == []  # nothing went up the line
    assert page.evaluate("document.querySelector('#id_guest_name').validity.valueMissing")
    assert page.evaluate("document.querySelector('#id_attachments').files.length") == 1
    assert not Report.objects.exists()


def test_a_guest_who_switches_the_language_keeps_the_report_half_written(world, new_page):
    village_with_parents()
    page = new_page()
    page.goto("/lapor/")
    page.fill("#id_title", "Lampu jalan padam di depan sekolah")
    page.fill("#id_body", "Sudah tiga malam lampu jalan padam, anak-anak pulang dalam gelap.")
    page.select_option("#id_region", "33")
    page.select_option("#id_region_level2", "33.02")
    page.fill("#id_guest_name", "Budi Santoso")
    page.fill("#id_guest_email", "budi@example.id")
    page.check("#id_is_confidential")

    with page.expect_navigation():
        page.click("form.lang button[value=en]")

    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.locator("h1").inner_text() == "Write a report"
    assert page.input_value("#id_title") == "Lampu jalan padam di depan sekolah"
    assert page.input_value("#id_body").startswith("Sudah tiga malam")
    assert page.input_value("#id_guest_name") == "Budi Santoso"
    assert page.input_value("#id_guest_email") == "budi@example.id"
    assert page.is_checked("#id_is_confidential")
    # The picker rebuilds its selects down to the region, one request per level.
    page.wait_for_function(
        "document.querySelector('#id_region_level3')"
        " && document.querySelector('input[type=hidden][name=region]').value === '33.02'"
    )
    assert page.input_value("#id_region_level2") == "33.02"
    assert page.input_value("input[type=hidden][name=region]") == "33.02"

    # Once the report is received, the next report starts empty.
    with page.expect_navigation():
        page.click("form[data-once] button[type=submit]")
    assert page.locator("[data-report-received]").count() == 1
    assert Report.objects.get().region.code == "33.02"
    page.goto("/lapor/")
    assert page.input_value("#id_title") == ""
    assert page.input_value("#id_guest_name") == ""
    assert page.evaluate("sessionStorage.getItem('aduan.report-draft')") is None


def test_a_draft_kept_for_a_citizen_is_not_put_before_whoever_comes_next(world, new_page):
    page = new_page()
    sign_in(page, world.citizen.email, PASSWORD)
    page.goto("/lapor/")
    page.fill("#id_title", "Tetangga membuang sampah di sungai")
    page.goto("/laporan/")
    page.goto("/lapor/")
    assert page.input_value("#id_title") == "Tetangga membuang sampah di sungai"

    with page.expect_navigation():
        page.click("form[action$='/keluar/'] button")
    page.goto("/lapor/")

    assert page.input_value("#id_title") == ""
    assert page.input_value("#id_guest_name") == ""
