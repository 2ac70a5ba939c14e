"""A report passed back as "not our remit" is told apart from a new one: marked in the
inbox with who returned it, and its page shows why beside the dispatch form."""

from __future__ import annotations

import re

from django.urls import reverse

from aduan.reports import lifecycle
from tests.personas import as_user, submit


def _row(html: str, code: str) -> str:
    match = re.search(rf'<tr data-code="{code}">(.*?)</tr>', html, re.S)
    assert match, code
    return match.group(1)


def test_a_returned_report_is_marked_in_the_inbox_and_its_reason_shown_by_the_dispatch_form(
    world, client_for
):
    returned = submit(world, title="Dikembalikan")[0]
    lifecycle.dispatch(returned, as_user(world.national_admin), world.agency)
    lifecycle.dispatch(returned, as_user(world.agency_admin), world.unit_a)
    lifecycle.not_our_remit(returned, as_user(world.liaison_a), "Jalan provinsi, bukan kami.")
    fresh = submit(world, title="Baru", suggested_organization=world.agency)[0]
    client = client_for(world.agency_admin)
    html = client.get(reverse("workspace:inbox"), {"tab": "verify"}).content.decode()
    row = _row(html, returned.tracking_code)
    assert "returned by Dinas Pekerjaan Umum" in row
    assert 'title="Jalan provinsi, bukan kami."' in row
    assert "data-returned" not in _row(html, fresh.tracking_code)
    page = client.get(reverse("workspace:report", args=[returned.tracking_code]))
    dispatch_card = page.content.decode().split('id="action-dispatch"')[1].split("</section>")[0]
    assert "Dinas Pekerjaan Umum" in dispatch_card
    assert "Jalan provinsi, bukan kami." in dispatch_card


def test_a_returned_report_dispatched_again_is_no_longer_marked(world, client_for):
    report = submit(world, title="Dikembalikan lalu dikirim lagi")[0]
    lifecycle.dispatch(report, as_user(world.national_admin), world.agency)
    lifecycle.dispatch(report, as_user(world.agency_admin), world.unit_a)
    lifecycle.not_our_remit(report, as_user(world.liaison_a), "Bukan kami.")
    lifecycle.dispatch(report, as_user(world.agency_admin), world.unit_b)
    html = client_for(world.agency_admin).get(reverse("workspace:inbox"), {"tab": "all"})
    assert "data-returned" not in _row(html.content.decode(), report.tracking_code)
