"""A regent sees what is late below him and reminds the unit; its liaison is told."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from aduan.deadlines.scan import scan
from aduan.reports import lifecycle
from tests.browser.conftest import sign_in
from tests.personas import PASSWORD, as_user, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_supervisor_reminds_a_late_unit_and_its_liaison_reads_it(world, new_page):
    with time_machine.travel(timezone.now() - datetime.timedelta(days=30), tick=False):
        report, _ = submit(world, reporter=world.citizen, title="Jembatan desa retak parah")
        lifecycle.dispatch(report, as_user(world.national_admin), world.unit_a)
    assert scan().escalated == 1

    regent = new_page()
    sign_in(regent, world.supervisor.email, PASSWORD)
    regent.goto("/kantor/terlambat/")
    row = regent.locator("tr", has_text=report.tracking_code)
    assert "terlambat" in row.inner_text().lower()
    form = regent.locator(f"form[data-remind='{world.unit_a.pk}']")
    form.locator("[name=message]").fill("Mohon segera ditangani minggu ini.")
    with regent.expect_navigation():
        form.locator("button[type=submit]").click()
    sent = f"Pengingat tentang 1 laporan terlambat sudah dikirim ke {world.unit_a.name}."
    assert sent in regent.content()

    liaison = new_page()
    sign_in(liaison, world.liaison_a.email, PASSWORD)
    bell = liaison.locator("a.bell")
    assert int(bell.get_attribute("data-unread")) >= 1
    liaison.goto("/notifikasi/")
    reminder = liaison.locator("[data-notification]", has_text="Bupati Contoh").first
    assert "Mohon segera ditangani minggu ini." in reminder.inner_text()
    with liaison.expect_navigation():
        reminder.locator("h2 a").click()
    assert liaison.url.endswith(f"/kantor/terlambat/?unit={world.unit_a.pk}")
    assert report.tracking_code in liaison.content()
