"""A citizen's own account in headless Chromium: a copy of their data, then deleting
the account, reading the pages in Indonesian as a first-time visitor does."""

import json
from pathlib import Path

import pytest

from aduan.accounts.models import User
from aduan.reports.models import Report
from tests.browser.conftest import sign_in
from tests.personas import PASSWORD, advance, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_citizen_downloads_their_data_then_deletes_their_account(world, new_page):
    report, _ = submit(
        world, reporter=world.citizen, body="Saya Siti Warga, lampu jalan di depan SD 3 padam."
    )
    advance(world, report, "dispatched")
    page = new_page()
    sign_in(page, world.citizen.email, PASSWORD)

    page.get_by_role("link", name="Akun saya").click()
    page.get_by_role("link", name="Unduh salinan data Anda").click()
    page.fill("input[name=password]", PASSWORD)
    with page.expect_download() as download:
        page.get_by_role("button", name="Unduh").click()
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert [row["tracking_code"] for row in data["reports"]] == [report.tracking_code]

    page.goto("/akun/hapus/")
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Hapus akun untuk selamanya").click()
    page.wait_for_load_state()
    assert "Centang kotak ini untuk menghapus akun." in page.content()  # nothing deleted yet
    assert User.objects.get(pk=world.citizen.pk).is_active

    page.fill("input[name=password]", PASSWORD)
    page.check("input[name=understood]")
    page.get_by_role("button", name="Hapus akun untuk selamanya").click()
    page.wait_for_load_state()

    assert "Akun Anda telah dihapus." in page.content()
    assert page.get_by_role("link", name="Masuk").count() == 1  # signed out
    assert "Siti" not in Report.objects.get(pk=report.pk).body
