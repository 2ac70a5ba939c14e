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


def test_an_officer_turns_on_two_step_sign_in_and_signs_in_with_a_code(world, new_page):
    from django_otp.oath import TOTP

    from aduan.accounts.models import AppDevice as TOTPDevice

    def code() -> str:
        device = TOTPDevice.objects.get(user=world.liaison_a)
        return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():06d}"

    page = new_page()
    sign_in(page, world.liaison_a.email, PASSWORD)
    page.goto("/akun/dua-langkah/")
    assert page.locator(".qr svg").count() == 1
    page.fill("input[name=code]", code())
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Aktifkan verifikasi dua langkah").click()
    page.wait_for_load_state()
    backup = page.locator(".codes code").all_inner_texts()
    assert len(backup) == 10

    page.context.clear_cookies()
    sign_in(page, world.liaison_a.email, PASSWORD)
    assert page.url.endswith("/akun/masuk/kode/")
    page.fill("input[name=code]", backup[0])
    page.get_by_role("button", name="Masuk").last.click()
    page.wait_for_load_state()

    assert "Anda memakai satu kode cadangan; sisa 9." in page.content()
    page.goto("/kantor/")
    assert page.url.endswith("/kantor/")
