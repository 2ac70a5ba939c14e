"""An officer enters a report received offline, choosing its region in the lists the
citizen's form has; without JavaScript, typing the region's name instead."""

import pytest

from aduan.organizations.models import Region
from aduan.reports.models import Report
from tests.browser.conftest import sign_in
from tests.personas import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _regions() -> None:
    for code, name, level in [
        ("33", "Jawa Tengah", 1),
        ("33.02", "Kabupaten Banyumas", 2),
        ("33.02.01", "Lumbir", 3),
        ("33.02.01.2001", "Cingebul", 4),
    ]:
        parent = code.rsplit(".", 1)[0] if "." in code else None
        Region.objects.create(code=code, name=name, level=level, parent_id=parent)


def _write_walk_in(page) -> None:
    page.goto("/kantor/lapor-manual/")
    page.select_option("#id_channel", "walk_in")
    page.fill("#id_title", "Jembatan desa retak")
    page.fill("#id_body", "Warga datang ke kantor: jembatan desa retak dan berbahaya.")
    page.fill("#id_guest_name", "Pak Darmo")


def _send(page) -> None:
    with page.expect_navigation():
        page.click("#workspace-content form button[type=submit]")


def test_an_officer_chooses_the_region_of_a_walk_in_report_in_the_lists(world, new_page):
    _regions()
    page = new_page()
    sign_in(page, world.liaison_a.email, PASSWORD)
    _write_walk_in(page)

    page.select_option("select#id_region", "33")  # the text box became the province list
    page.select_option("#id_region_level2", "33.02")
    page.select_option("#id_region_level3", "33.02.01")
    _send(page)

    assert Report.objects.get().region.code == "33.02.01"


def test_without_javascript_an_officer_types_the_region_name(world, new_page):
    _regions()
    page = new_page(java_script_enabled=False)
    sign_in(page, world.liaison_a.email, PASSWORD)
    _write_walk_in(page)

    page.fill("#id_region", "Lumbirr")
    _send(page)

    error = page.locator("#id_region_error")
    assert "Tidak ada wilayah dengan kode atau nama “Lumbirr”" in error.inner_text()
    assert page.input_value("#id_region") == "Lumbirr"
    assert page.input_value("#id_title") == "Jembatan desa retak"
    assert not Report.objects.exists()

    page.fill("#id_region", "lumbir")
    _send(page)

    assert Report.objects.get().region.code == "33.02.01"
