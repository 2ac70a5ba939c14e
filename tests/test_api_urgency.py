"""Connected systems read which reports are urgent, and why, and filter on it."""

from __future__ import annotations

from aduan.reports import lifecycle
from aduan.reports.models import Status
from tests.personas import advance, as_user, submit
from tests.test_api import get, new_key

LIST = "/api/v1/reports/"


def _flood(world):
    report, _secret = submit(
        world, title="Banjir dasar petugas goblok", body="Rumah warga kebanjiran sekarang."
    )
    return advance(world, report, Status.DISPATCHED)


def test_a_report_says_whether_it_is_urgent_and_which_words_raised_it(client, world):
    report = _flood(world)
    secret = new_key(world.agency)

    data = get(client, f"{LIST}{report.tracking_code}/", secret).json()

    assert data["urgent"] is True
    assert data["urgency"] == [{"flag": "flood", "words": "Banjir"}]
    assert data["urgency_set_by_officer"] is False
    # The abusive-language flag stays in the back office.
    assert not any("abus" in key for key in data)


def test_an_officers_correction_is_what_the_api_tells(client, world):
    report = _flood(world)
    lifecycle.correct_flags(report, as_user(world.liaison_a), "Banjir lama.", urgent=False)

    data = get(client, f"{LIST}{report.tracking_code}/", new_key(world.agency)).json()

    assert (data["urgent"], data["urgency"], data["urgency_set_by_officer"]) == (False, [], True)


def test_the_list_filters_on_urgency(client, world):
    urgent = _flood(world)
    plain = advance(world, submit(world)[0], Status.DISPATCHED)
    secret = new_key(world.agency)

    only_urgent = get(client, LIST, secret, urgent="true").json()["results"]
    the_others = get(client, LIST, secret, urgent="false").json()["results"]

    assert [r["code"] for r in only_urgent] == [urgent.tracking_code]
    assert [r["code"] for r in the_others] == [plain.tracking_code]
    assert get(client, LIST, secret, urgent="perhaps").status_code == 400
