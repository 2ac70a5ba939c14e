"""What the back office gives a phone: list cells named for the cards they become, the
inbox filters folded unless in use, and links from the top of a report page to the
officer's action forms. (How it looks at 360 px: tests/browser/test_phone_journey.py.)"""

from __future__ import annotations

import datetime
import re

import time_machine
from django.urls import reverse
from django.utils import timezone

from aduan.deadlines.scan import scan
from aduan.reports import lifecycle
from aduan.reports.models import Status
from tests.personas import advance, as_user, submit


def _late_report(world):
    with time_machine.travel(timezone.now() - datetime.timedelta(days=30), tick=False):
        report, _ = submit(world, reporter=world.citizen)
        lifecycle.dispatch(report, as_user(world.national_admin), world.unit_a)
    scan()
    return report


def _row(html: str, report) -> str:
    return html.split(f'<tr data-code="{report.tracking_code}">')[1].split("</tr>")[0]


def _labels(row: str) -> list[str]:
    return re.findall(r'<td data-label="([^"]+)"', row)


def _filters_open(html: str) -> bool:
    return bool(re.search(r'<details class="more-filters ws-more-filters" open>', html))


def test_each_inbox_cell_is_named_after_its_column(world, client_for):
    report = _late_report(world)

    html = client_for(world.national_admin).get(reverse("workspace:inbox"), {"tab": "all"})
    row = _row(html.content.decode(), report)

    assert _labels(row) == [
        "Status",
        "Deadline",
        "Organization",
        "Category",
        "Channel",
        "Submitted",
        "Reporter",
    ]
    assert 'class="ws-card-code"' in row and 'class="ws-card-title"' in row


def test_each_overdue_cell_is_named_after_its_column(world, client_for):
    report = _late_report(world)

    html = client_for(world.supervisor).get(reverse("workspace:overdue")).content.decode()

    assert _labels(_row(html, report)) == ["Late", "Missed deadline"]
    unit = client_for(world.supervisor).get(reverse("workspace:overdue"), {"unit": world.unit_a.pk})
    assert _labels(_row(unit.content.decode(), report)) == [
        "Late",
        "Missed deadline",
        "Organization",
    ]


def test_the_inbox_filters_are_folded_unless_one_is_in_use(world, client_for):
    client = client_for(world.national_admin)
    url = reverse("workspace:inbox")

    assert not _filters_open(client.get(url, {"tab": "all"}).content.decode())
    assert not _filters_open(client.get(url, {"tab": "all", "q": "jalan"}).content.decode())
    assert _filters_open(client.get(url, {"tab": "all", "status": "dispatched"}).content.decode())
    assert _filters_open(client.get(url, {"tab": "all", "sort": "newest"}).content.decode())


def _action_links(client, report) -> list[str]:
    html = client.get(reverse("workspace:report", args=[report.tracking_code])).content.decode()
    nav = html.split('<nav class="ws-jump"')[1].split("</nav>")[0]
    targets = re.findall(r'href="#(action-[a-z_]+)"', nav)
    assert all(f'id="{target}"' in html for target in targets)  # each lands on its form
    return targets


def test_the_report_page_links_each_officer_to_their_own_action_forms(world, client_for):
    report, _ = submit(world, reporter=world.citizen)
    advance(world, report, Status.DISPATCHED)

    liaison = _action_links(client_for(world.liaison_a), report)
    supervisor = _action_links(client_for(world.supervisor), report)

    assert "action-respond" in liaison and "action-escalate" not in liaison
    assert supervisor == ["action-note", "action-escalate"]
