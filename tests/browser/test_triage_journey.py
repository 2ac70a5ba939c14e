"""An agency admin routes a new report with the suggestions: one click picks the
category, one click dispatches to the suggested unit; a rephrased copy of it is then
shown as a likely duplicate and merged with one click."""

import pytest
from django.test import override_settings

from aduan.organizations.models import Region
from aduan.reports import lifecycle
from aduan.reports.models import Report, Status
from aduan.triage import training
from aduan.triage.models import TriageModel
from tests.browser.conftest import sign_in
from tests.personas import PASSWORD, as_user, submit
from tests.test_triage_suggest import NEW_TRAFFIC, ROADS, TRAFFIC, dispatched

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def learn_history(world) -> None:
    """Roads went to unit A under "Jalan Rusak", traffic to unit B under "Infrastruktur"."""
    for title, body in ROADS:
        dispatched(world, title, body, world.unit_a)
    for title, body in TRAFFIC:
        report = submit(world, title=title, body=body, category=world.roads)[0]
        lifecycle.dispatch(report, as_user(world.national_admin), world.agency)
        lifecycle.dispatch(report, as_user(world.agency_admin), world.unit_b)
    training.train(TriageModel.Kind.ORGANIZATION)
    training.train(TriageModel.Kind.CATEGORY)


def test_an_admin_routes_with_two_clicks_and_merges_a_duplicate(world, new_page, tmp_path):
    parent = None
    for code, level in [("33", 1), ("33.02", 2), ("33.02.01", 3), ("33.02.01.2001", 4)]:
        parent = Region.objects.create(
            code=code, name=f"Wilayah {code}", level=level, parent=parent
        )
    village = parent
    with override_settings(STATE_DIR=tmp_path, TRIAGE_MIN_SAMPLES=4):
        learn_history(world)
        first = submit(
            world, title=NEW_TRAFFIC[0], body=NEW_TRAFFIC[1], category=None, region=village
        )[0]
        lifecycle.dispatch(first, as_user(world.national_admin), world.agency)

        admin = new_page()
        sign_in(admin, world.agency_admin.email, PASSWORD)
        admin.goto(f"/kantor/laporan/{first.tracking_code}/")
        card = admin.locator("#action-dispatch")
        suggested = card.locator("[data-suggestions=organization] li").first
        assert suggested.get_attribute("data-suggestion") == str(world.unit_b.pk)
        category = card.locator("select[name=category]")
        category.select_option(str(world.potholes.pk))  # the admin hesitates
        card.locator(f"[data-suggestions=category] button[data-value='{world.roads.pk}']").click()
        assert category.input_value() == str(world.roads.pk)
        with admin.expect_navigation():
            suggested.locator("button[name=accept]").click()
        first.refresh_from_db()
        assert (first.organization, first.category) == (world.unit_b, world.roads)

        copy = submit(
            world,
            title="Traffic light perempatan pasar mati",
            body="Lampu merah di perempatan pasar tdk menyala, lalu lintas semrawut.",
            region=village,
        )[0]
        lifecycle.dispatch(copy, as_user(world.national_admin), world.agency)
        admin.goto(f"/kantor/laporan/{copy.tracking_code}/")
        row = admin.locator(f"[data-duplicate='{first.tracking_code}']")
        with admin.expect_navigation():
            row.locator("[data-mark-duplicate]").click()
        # The merge form comes with the original filled in and asks to confirm.
        merge = admin.locator("form[data-action='mark_duplicate']")
        merge.locator("input[name=confirm]").check()
        with admin.expect_navigation():
            merge.locator("button[type=submit]").click()
        copy.refresh_from_db()
        assert (copy.status, copy.duplicate_of) == (Status.ARCHIVED, first)


def test_an_admin_archives_a_mornings_test_messages_in_one_go(world, new_page):
    tests = [
        submit(world, reporter=world.citizen, title=f"Tes kirim pesan {n}", body="tes tes tes")[0]
        for n in range(2)
    ]
    real = submit(world, reporter=world.citizen, title="Jembatan ambrol di Desa Sukamaju")[0]
    admin = new_page()
    sign_in(admin, world.national_admin.email, PASSWORD)
    admin.goto("/kantor/?tab=verify")
    for report in tests:
        admin.locator(f"tr[data-code='{report.tracking_code}'] input[name=report]").check()
    with admin.expect_navigation():
        admin.get_by_role("button", name="Disposisikan atau arsipkan laporan yang dipilih").click()
    assert admin.locator("input[name=report]").count() == 2
    admin.select_option("select[name=archive-reason]", "not_public_service")
    admin.fill("textarea[name=archive-message]", "Pesan uji coba, bukan pengaduan.")
    admin.check("input[name=archive-confirm]")
    with admin.expect_navigation():
        admin.get_by_role("button", name="Arsipkan", exact=True).click()
    assert "/kantor/" in admin.url and "tab=verify" in admin.url
    assert admin.locator(".msg").first.inner_text().startswith("2 laporan diarsipkan")
    statuses = {
        r.pk: r.status for r in Report.objects.filter(pk__in=[t.pk for t in [*tests, real]])
    }
    assert statuses == {tests[0].pk: "archived", tests[1].pk: "archived", real.pk: "submitted"}
    assert admin.locator(f"tr[data-code='{real.tracking_code}']").count() == 1
    admin.check("input[data-select-all]")
    assert admin.locator(f"tr[data-code='{real.tracking_code}'] input[name=report]").is_checked()
