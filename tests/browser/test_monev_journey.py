"""A regent opens the monitoring dashboard, drills from a late unit into its overdue
reports and sends the unit a reminder."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from aduan.analytics.facts import rebuild_facts
from aduan.deadlines.scan import scan
from aduan.notifications.models import SupervisorReminder
from aduan.reports import lifecycle
from tests.browser.conftest import sign_in
from tests.personas import PASSWORD, as_user, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_regent_drills_from_the_dashboard_to_a_late_unit_and_reminds_it(world, new_page):
    with time_machine.travel(timezone.now() - datetime.timedelta(days=30), tick=False):
        late, _ = submit(world, reporter=world.citizen, title="Jembatan desa retak parah")
        lifecycle.dispatch(late, as_user(world.national_admin), world.unit_a)
    scan()
    rebuild_facts()

    regent = new_page()
    sign_in(regent, world.supervisor.email, PASSWORD)
    regent.goto("/kantor/monev/")
    assert world.agency.name in regent.content()
    unit_row = regent.locator(f"tr[data-org='{world.unit_a.pk}']")
    assert unit_row.locator("[data-overdue='1']").count() == 1
    # Drill into the unit's own dashboard, then into its overdue reports.
    with regent.expect_navigation():
        unit_row.locator("th a").click()
    assert f"org={world.unit_a.pk}" in regent.url
    assert regent.locator(f"tr[data-code='{late.tracking_code}']").count() == 1
    with regent.expect_navigation():
        regent.locator("a", has_text="Semua laporan terlambat").click()
    assert regent.url.endswith(f"/kantor/terlambat/?unit={world.unit_a.pk}")
    assert late.tracking_code in regent.content()
    form = regent.locator(f"form[data-remind='{world.unit_a.pk}']")
    form.locator("[name=message]").fill("Jembatan desa mohon diprioritaskan.")
    with regent.expect_navigation():
        form.locator("button[type=submit]").click()
    reminder = SupervisorReminder.objects.get()
    assert (reminder.organization, reminder.sent_by) == (world.unit_a, world.supervisor)
    assert "Jembatan desa mohon diprioritaskan." in reminder.message
    # Pressed again within the hour: refused beside the form, the new message still there.
    form = regent.locator(f"form[data-remind='{world.unit_a.pk}']")
    form.locator("[name=message]").fill("Sekali lagi: jembatan desa.")
    with regent.expect_navigation():
        form.locator("button[type=submit]").click()
    form = regent.locator(f"form[data-remind='{world.unit_a.pk}']")
    assert form.locator("[name=message]").input_value() == "Sekali lagi: jembatan desa."
    assert "Pengingat sudah dikirim pada pukul" in form.locator("[role=alert]").inner_text()
    assert SupervisorReminder.objects.count() == 1
