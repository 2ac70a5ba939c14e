"""The back-office timeline reads plainly: no doubled "internal", no nested parentheses."""

from __future__ import annotations

import re

from django.urls import reverse

from aduan.reports import lifecycle
from tests.personas import as_user, submit


def _entry(html: str, action: str) -> str:
    match = re.search(rf'<li data-action="{action}"[^>]*>(.*?)</li>', html, re.S)
    assert match, action
    return match.group(1)


def test_staff_only_entries_are_badged_once_and_actors_read_without_nested_parentheses(
    world, client_for
):
    world.national.name = "Pengelola SP4N-LAPOR! Nasional (Kementerian PANRB)"
    world.national.save()
    report = submit(world, title="Jalan rusak")[0]
    lifecycle.dispatch(report, as_user(world.national_admin), world.agency)
    lifecycle.dispatch(report, as_user(world.agency_admin), world.unit_a)
    lifecycle.add_note(report, as_user(world.national_admin), "Catatan pusat.")
    lifecycle.not_our_remit(report, as_user(world.liaison_a), "Bukan kami.")
    html = client_for(world.national_admin).get(
        reverse("workspace:report", args=[report.tracking_code])
    )
    html = html.content.decode()
    note = _entry(html, "note")
    assert "data-staff-only" not in note  # its label already says it is internal
    assert "Admin Nasional, Pengelola SP4N-LAPOR! Nasional (Kementerian PANRB)" in note
    assert "data-staff-only" in _entry(html, "not_our_remit")
    assert "PANRB))" not in html
