from aduan.reports.models import Status
from tests.personas import advance, submit


def test_a_report_walks_to_closed(world):
    report, secret = submit(world)
    assert secret
    advance(world, report, Status.CLOSED)
    report.refresh_from_db()
    assert report.status == Status.CLOSED
    assert report.organization == world.unit_a
    assert list(report.events.values_list("action", flat=True)) == [
        "submit",
        "dispatch",
        "dispatch",
        "respond",
        "complete",
        "satisfied",
    ]
