"""Nobody is told of what they did themselves."""

from __future__ import annotations

from aduan.channels.intake import Draft, submit_report
from aduan.notifications.events import announce_submission
from aduan.notifications.models import Kind, Notification
from aduan.organizations.models import Membership
from aduan.reports.models import Channel


def test_an_admin_entering_a_walk_in_report_is_not_told_of_it_but_a_colleague_is(world):
    colleague = type(world.agency_admin).objects.create_user(
        email="admin2@kab-contoh.example.id", password="x", full_name="Admin Kedua"
    )
    Membership.objects.create(
        user=colleague, organization=world.agency, role=Membership.Role.AGENCY_ADMIN
    )
    draft = Draft(
        title="Lampu jalan mati",
        body="Warga datang langsung: lampu jalan di depan balai desa mati sejak seminggu.",
        category=world.potholes,
        guest_name="Bu Sri",
    )
    report = submit_report(
        draft,
        channel=Channel.WALK_IN,
        entered_by=world.agency_admin,
        received_by=world.agency,
    ).report
    announce_submission(report.events.get(action="submit").pk)  # what the worker does
    told = set(
        Notification.objects.filter(report=report, kind=Kind.NEW_IN_INBOX).values_list(
            "user", flat=True
        )
    )
    assert report.organization == world.agency
    assert colleague.pk in told
    assert world.agency_admin.pk not in told
