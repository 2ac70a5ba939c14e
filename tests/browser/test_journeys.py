"""The key citizen and staff journeys, end to end in headless Chromium."""

import io
import re

import pytest
from PIL import Image

from aduan.reports.models import Report, Status
from tests.browser.conftest import sign_in
from tests.personas import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _photo(tmp_path, name="lampu-mati.jpg"):
    path = tmp_path / name
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buffer, format="JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def _act(page, action: str, **fields) -> None:
    """Fill and send the action form marked data-action=<action>."""
    form = page.locator(f"form[data-action={action}]")
    for name, value in fields.items():
        field = form.locator(f"[name={name}]")
        tag = field.first.evaluate("el => el.tagName.toLowerCase() + ':' + (el.type || '')")
        if tag.startswith("select"):
            field.select_option(str(value))
        elif tag.endswith(":file"):
            field.set_input_files(str(value))
        elif tag.endswith(":radio"):
            form.locator(f"[name={name}][value='{value}']").check()
        else:
            field.fill(str(value))
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def _staff_page(new_page, user, code):
    page = new_page()
    sign_in(page, user.email, PASSWORD)
    page.goto(f"/kantor/laporan/{code}/")
    return page


def test_a_guest_report_goes_from_submission_to_a_satisfied_rating(world, new_page, tmp_path):
    guest = new_page()
    guest.goto("/lapor/")
    guest.fill("[name=title]", "Lampu jalan mati di Jalan Merdeka")
    guest.fill(
        "[name=body]",
        "Sudah seminggu tiga lampu jalan di Jalan Merdeka depan SD Negeri 2 mati, "
        "jalan gelap dan rawan kecelakaan pada malam hari.",
    )
    guest.select_option("[name=category]", str(world.potholes.pk))
    guest.fill("[name=guest_name]", "Budi Santoso")
    guest.fill("[name=guest_email]", "budi@example.id")
    guest.set_input_files("[name=attachments]", str(_photo(tmp_path)))
    with guest.expect_navigation():
        guest.click("form[method=post] button[type=submit] >> nth=-1")
    code = guest.locator(".code").first.inner_text().strip()
    secret_link = guest.locator("#secret-link").get_attribute("href")
    report = Report.objects.get(tracking_code=code)
    assert report.attachments.count() == 1

    national = _staff_page(new_page, world.national_admin, code)
    _act(national, "dispatch", organization=world.agency.pk, message="Mohon ditindaklanjuti.")
    agency = _staff_page(new_page, world.agency_admin, code)
    _act(agency, "dispatch", organization=world.unit_a.pk, message="Untuk Dinas PU.")
    liaison = _staff_page(new_page, world.liaison_a, code)
    _act(liaison, "respond", message="Petugas akan memeriksa lokasi besok pagi.")
    _act(liaison, "complete", message="Tiga lampu sudah diganti dan menyala kembali.")

    guest.goto(secret_link)
    still_dark = _photo(tmp_path, "masih-mati.jpg")
    _act(
        guest,
        "reply",
        satisfied="no",
        message="Satu lampu masih mati di ujung jalan.",
        attachments=still_dark,
    )
    report.refresh_from_db()
    assert report.status == Status.IN_PROGRESS and report.reopen_count == 1

    liaison.goto(f"/kantor/laporan/{code}/")
    _act(
        liaison,
        "complete",
        message="Lampu di ujung jalan juga sudah diganti.",
        attachments=_photo(tmp_path, "sesudah.jpg"),
    )
    guest.goto(f"/laporan/{code}/")
    _act(guest, "reply", satisfied="yes")
    _act(guest, "rate", stars=5, message="Cepat dan jelas, terima kasih.")
    report.refresh_from_db()
    assert (report.status, report.rating) == (Status.CLOSED, 5)

    public = new_page()
    public.goto(f"/laporan/{code}/")
    actions = public.locator("ol.timeline > li").evaluate_all(
        "items => items.map(li => li.dataset.action)"
    )
    assert actions == [
        "submit",
        "dispatch",
        "dispatch",
        "respond",
        "complete",
        "not_satisfied",
        "complete",
        "satisfied",
        "rate",
    ]
    assert "Budi Santoso" not in public.content()
    files = public.locator("ol.timeline > li a").evaluate_all(
        "links => links.map(a => "
        "[a.closest('ol.timeline > li').dataset.action, a.textContent.trim()])"
    )
    # The public sees plain file names (a file's name may carry its owner's).
    assert [action for action, _name in files] == ["not_satisfied", "complete"]
    assert all(re.fullmatch(r"lampiran-\d+\.jpg", name) for _action, name in files)
    picture = public.request.get(public.locator("li[data-action=complete] a").get_attribute("href"))
    assert picture.status == 200 and picture.headers["content-type"] == "image/jpeg"


def test_an_anonymous_confidential_report_stays_hidden(world, new_page):
    citizen = new_page()
    sign_in(citizen, world.citizen.email, PASSWORD)
    citizen.goto("/lapor/")
    citizen.fill("[name=title]", "Pungutan liar di loket KTP kecamatan")
    citizen.fill(
        "[name=body]",
        "Petugas loket meminta uang lima puluh ribu rupiah agar KTP-el saya cepat dicetak, "
        "tanpa kuitansi resmi.",
    )
    citizen.check("[name=is_anonymous]")
    citizen.check("[name=is_confidential]")
    with citizen.expect_navigation():
        citizen.click("form[method=post] button[type=submit] >> nth=-1")
    code = citizen.locator(".code").first.inner_text().strip()

    national = _staff_page(new_page, world.national_admin, code)
    _act(national, "dispatch", organization=world.agency.pk)
    agency = _staff_page(new_page, world.agency_admin, code)
    _act(agency, "dispatch", organization=world.unit_a.pk)

    liaison = _staff_page(new_page, world.liaison_a, code)
    staff_html = liaison.content()
    assert code in staff_html
    assert world.citizen.full_name not in staff_html
    assert world.citizen.email not in staff_html

    visitor = new_page()
    response = visitor.goto(f"/laporan/{code}/")
    assert response.status == 404
    for path in ["/", "/laporan/", f"/laporan/?q={code}", "/laporan/?q=Pungutan"]:
        visitor.goto(path)
        shown_codes = visitor.locator(".code").all_inner_texts()
        assert code not in shown_codes
        assert "Pungutan liar" not in visitor.content()

    citizen.goto("/akun/laporan-saya/")
    assert code in citizen.locator(".code").all_inner_texts()
