"""The officer in charge of a report inside the organization holding it: taken on or
given, shown in the inbox, told to the officer, cleared when the report moves on."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from aduan.notifications.models import Kind, Medium, Notification
from aduan.reports import lifecycle
from aduan.reports.lifecycle import Action, TransitionError
from aduan.reports.models import Report, Status
from tests.personas import advance, as_user, submit


def _at_unit_a(world) -> Report:
    return advance(world, submit(world, reporter=world.citizen)[0], Status.DISPATCHED)


def _assign_url(report) -> str:
    return reverse("workspace:action", kwargs={"code": report.tracking_code, "action": "assign"})


def _told(user) -> list[Notification]:
    return list(Notification.objects.filter(user=user, kind=Kind.ASSIGNED, medium=Medium.IN_APP))


def test_a_liaison_takes_a_report_on_with_one_button(world, client_for):
    report = _at_unit_a(world)
    client = client_for(world.liaison_a)
    page = client.get(reverse("workspace:report", kwargs={"code": report.tracking_code}))
    assert 'name="take"' in page.content.decode()
    response = client.post(_assign_url(report), {"version": report.version, "take": "1"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.assigned_to == world.liaison_a
    event = report.events.get(action=Action.ASSIGN)
    assert (event.is_public, event.actor, event.data["to_name"]) == (
        False,
        world.liaison_a,
        "Penghubung DPU",
    )
    assert _told(world.liaison_a) == []  # nobody is told of what they did themselves
    page = client.get(reverse("workspace:report", kwargs={"code": report.tracking_code}))
    assert 'name="take"' not in page.content.decode()


def test_an_admin_gives_a_report_to_a_liaison_who_is_told(world, client_for):
    report = _at_unit_a(world)
    response = client_for(world.agency_admin).post(
        _assign_url(report), {"version": report.version, "officer": world.liaison_a.pk}
    )
    assert response.status_code == 302
    told = _told(world.liaison_a)
    assert len(told) == 1
    assert report.tracking_code in told[0].subject
    assert Notification.objects.filter(
        user=world.liaison_a, kind=Kind.ASSIGNED, medium=Medium.EMAIL
    ).exists()


def test_nobody_outside_the_handling_organization_can_be_put_in_charge(world, client_for):
    report = _at_unit_a(world)
    with pytest.raises(TransitionError):
        lifecycle.assign(report, as_user(world.agency_admin), world.liaison_b)
    with pytest.raises(TransitionError):
        lifecycle.assign(report, as_user(world.agency_admin), world.supervisor)
    response = client_for(world.agency_admin).post(
        _assign_url(report), {"version": report.version, "officer": world.liaison_b.pk}
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    report.refresh_from_db()
    assert report.assigned_to is None


def test_the_choice_lists_only_who_may_act_on_the_report_now(world):
    report = _at_unit_a(world)
    assert set(lifecycle.assignable_officers(report)) == {world.liaison_a, world.agency_admin}
    waiting = submit(world, reporter=world.citizen, suggested_organization=world.agency)[0]
    assert list(lifecycle.assignable_officers(waiting)) == [world.agency_admin]
    national = submit(world, reporter=world.citizen)[0]
    assert list(lifecycle.assignable_officers(national)) == [world.national_admin]
    world.liaison_a.is_active = False
    world.liaison_a.save()
    assert list(lifecycle.assignable_officers(report)) == [world.agency_admin]


def test_verifying_is_taken_on_by_admins_only(world):
    waiting = submit(world, reporter=world.citizen, suggested_organization=world.agency)[0]
    agency_liaison = world.liaison_a
    assert Action.ASSIGN not in lifecycle.allowed_actions(waiting, as_user(agency_liaison))
    assert Action.ASSIGN in lifecycle.allowed_actions(waiting, as_user(world.agency_admin))
    national = submit(world, reporter=world.citizen)[0]
    assert Action.ASSIGN not in lifecycle.allowed_actions(national, as_user(world.agency_admin))
    lifecycle.assign(national, as_user(world.national_admin), world.national_admin)
    assert national.assigned_to == world.national_admin


def test_the_officer_in_charge_is_cleared_when_the_report_moves_on(world):
    report = submit(world, reporter=world.citizen)[0]
    lifecycle.assign(report, as_user(world.national_admin), world.national_admin)
    lifecycle.dispatch(report, as_user(world.national_admin), world.agency)
    assert Report.objects.get(pk=report.pk).assigned_to is None
    lifecycle.dispatch(report, as_user(world.agency_admin), world.unit_a)
    lifecycle.assign(report, as_user(world.liaison_a), world.liaison_a)
    lifecycle.not_our_remit(report, as_user(world.liaison_a), "Ini urusan Dinas Perhubungan.")
    report.refresh_from_db()
    assert (report.organization, report.assigned_to) == (world.agency, None)


def test_the_officer_in_charge_stays_through_the_handling(world):
    report = _at_unit_a(world)
    lifecycle.assign(report, as_user(world.liaison_a), world.liaison_a)
    lifecycle.respond(report, as_user(world.liaison_a), "Sedang kami periksa.")
    lifecycle.complete(report, as_user(world.agency_admin), "Sudah diperbaiki.")
    assert Report.objects.get(pk=report.pk).assigned_to == world.liaison_a


def test_assigning_the_same_officer_again_is_refused_and_nobody_can_be_chosen(world):
    report = _at_unit_a(world)
    lifecycle.assign(report, as_user(world.liaison_a), world.liaison_a)
    with pytest.raises(TransitionError):
        lifecycle.assign(report, as_user(world.liaison_a), world.liaison_a)
    lifecycle.assign(report, as_user(world.agency_admin), None)
    assert Report.objects.get(pk=report.pk).assigned_to is None
    events = list(report.events.filter(action=Action.ASSIGN).order_by("pk"))
    assert [e.data["officer"] for e in events] == [world.liaison_a.pk, None]


def test_two_officers_taking_it_at_once_do_not_overwrite_each_other(world, client_for):
    report = _at_unit_a(world)
    seen = report.version
    lifecycle.assign(report, as_user(world.agency_admin), world.agency_admin)
    response = client_for(world.liaison_a).post(_assign_url(report), {"version": seen, "take": "1"})
    assert response.status_code == 409
    assert Report.objects.get(pk=report.pk).assigned_to == world.agency_admin


@pytest.mark.parametrize("role", ["liaison_b", "supervisor", "auditor", "outsider", "other_admin"])
def test_who_does_not_handle_the_report_cannot_assign_it(world, client_for, role):
    report = _at_unit_a(world)
    response = client_for(getattr(world, role)).post(
        _assign_url(report), {"version": report.version, "officer": world.liaison_a.pk}
    )
    assert response.status_code in (403, 404)
    assert Report.objects.get(pk=report.pk).assigned_to is None


def test_the_inbox_shows_who_is_in_charge_and_filters_by_it(world, client_for):
    mine = _at_unit_a(world)
    lifecycle.assign(mine, as_user(world.liaison_a), world.liaison_a)
    free = _at_unit_a(world)
    client = client_for(world.liaison_a)
    inbox = reverse("workspace:inbox")
    page = client.get(inbox + "?tab=follow_up").content.decode()
    assert "in charge: Penghubung DPU" in page
    only_mine = client.get(inbox + "?tab=follow_up&in_charge=me").content.decode()
    assert mine.tracking_code in only_mine and free.tracking_code not in only_mine
    nobody = client.get(inbox + "?tab=follow_up&in_charge=nobody").content.decode()
    assert free.tracking_code in nobody and mine.tracking_code not in nobody


def test_the_export_names_the_officer_in_charge_in_its_last_column(world, client_for):
    report = _at_unit_a(world)
    lifecycle.assign(report, as_user(world.agency_admin), world.liaison_a)
    body = b"".join(
        client_for(world.agency_admin).get(reverse("workspace:export") + "?tab=all")
    ).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][-1] == "Officer in charge"
    assert {row[0]: row[-1] for row in rows[1:]}[report.tracking_code] == "Penghubung DPU"


def test_the_public_never_sees_who_is_in_charge(world, client):
    report = _at_unit_a(world)
    lifecycle.assign(report, as_user(world.agency_admin), world.liaison_a)
    page = client.get(reverse("portal:report", kwargs={"code": report.tracking_code}))
    assert page.status_code == 200
    assert "Penghubung DPU" not in page.content.decode()


def test_a_liaison_takes_a_report_on_or_lets_it_go_but_gives_it_to_nobody_else(world, client_for):
    from django.core.exceptions import PermissionDenied

    report = _at_unit_a(world)
    with pytest.raises(PermissionDenied):
        lifecycle.assign(report, as_user(world.liaison_a), world.agency_admin)
    assert _told(world.agency_admin) == []
    lifecycle.assign(report, as_user(world.agency_admin), world.agency_admin)
    with pytest.raises(PermissionDenied):  # what an admin took on stays theirs
        lifecycle.assign(report, as_user(world.liaison_a), None)
    client = client_for(world.liaison_a)
    page = client.get(reverse("workspace:report", kwargs={"code": report.tracking_code}))
    assert f'<option value="{world.agency_admin.pk}"' not in page.content.decode()
    response = client.post(
        _assign_url(report), {"version": report.version, "officer": world.agency_admin.pk}
    )
    assert response.status_code == 400
    lifecycle.assign(report, as_user(world.liaison_a), world.liaison_a)  # taking it on
    lifecycle.assign(report, as_user(world.liaison_a), None)  # and letting it go
    assert Report.objects.get(pk=report.pk).assigned_to is None


def test_an_officer_whose_membership_ends_is_no_longer_in_charge(world, client_for):
    from aduan.organizations.models import Membership

    report = _at_unit_a(world)
    lifecycle.assign(report, as_user(world.agency_admin), world.liaison_a)
    done = _at_unit_a(world)
    lifecycle.assign(done, as_user(world.agency_admin), world.liaison_a)
    lifecycle.complete(done, as_user(world.liaison_a), "Sudah diperbaiki.")
    membership = Membership.objects.get(user=world.liaison_a, organization=world.unit_a)
    url = reverse(
        "workspace:organization_member_status",
        kwargs={"pk": world.unit_a.pk, "membership_pk": membership.pk},
    )
    response = client_for(world.agency_admin).post(url, {"active": "0"}, follow=True)
    assert "1 report in their charge has nobody in charge now." in response.content.decode()
    report.refresh_from_db()
    assert report.assigned_to is None  # found again under "nobody yet"
    event = report.events.filter(action=Action.ASSIGN).latest("pk")
    assert (event.actor, event.data["officer"]) == (world.agency_admin, None)
    # A completed report keeps saying who handled it.
    assert Report.objects.get(pk=done.pk).assigned_to == world.liaison_a


def test_the_overdue_list_names_who_is_in_charge(world, client_for):
    import datetime

    import time_machine
    from django.utils import timezone

    report = _at_unit_a(world)
    lifecycle.assign(report, as_user(world.agency_admin), world.liaison_a)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=30)):
        page = client_for(world.supervisor).get(reverse("workspace:overdue"))
    assert report.tracking_code in page.content.decode()
    assert "in charge: Penghubung DPU" in page.content.decode()


def test_the_officer_is_greeted_by_name(world):
    report = _at_unit_a(world)
    lifecycle.assign(report, as_user(world.agency_admin), world.liaison_a)
    told = Notification.objects.get(user=world.liaison_a, kind=Kind.ASSIGNED, medium=Medium.EMAIL)
    assert "Yth. Penghubung DPU," in told.body
    assert "Admin Kabupaten menugaskan Anda" in told.body


def _released(user) -> list[Notification]:
    return list(
        Notification.objects.filter(
            user=user, kind=Kind.ASSIGNED, medium=Medium.EMAIL, key__contains=":released:"
        )
    )


def test_the_officer_a_report_is_taken_from_is_told_who_has_it_now(world):
    report = _at_unit_a(world)
    lifecycle.assign(report, as_user(world.liaison_a), world.liaison_a)
    lifecycle.assign(report, as_user(world.agency_admin), world.agency_admin)
    told = _released(world.liaison_a)
    assert len(told) == 1
    assert (
        told[0].subject == f"Laporan {report.tracking_code} tidak lagi menjadi tanggung jawab Anda"
    )
    assert "kini ditangani oleh Admin Kabupaten" in told[0].body
    lifecycle.assign(report, as_user(world.agency_admin), None)
    assert _released(world.agency_admin) == []  # let go by themselves


def test_an_admin_taking_a_report_out_of_an_officers_charge_tells_them(world):
    report = _at_unit_a(world)
    lifecycle.assign(report, as_user(world.liaison_a), world.liaison_a)
    lifecycle.assign(report, as_user(world.agency_admin), None)
    told = _released(world.liaison_a)
    assert len(told) == 1
    assert "kini belum ada petugas penanggung jawab" in told[0].body


def test_an_officer_who_left_is_not_told_of_reports_they_may_no_longer_open(world):
    from aduan.organizations.models import Membership

    report = _at_unit_a(world)
    lifecycle.assign(report, as_user(world.liaison_a), world.liaison_a)
    Membership.objects.filter(user=world.liaison_a).update(is_active=False)
    world.liaison_a._aduan_access = None
    lifecycle.release_departed(world.liaison_a, world.unit_a, as_user(world.agency_admin))
    assert Report.objects.get(pk=report.pk).assigned_to is None
    assert _released(world.liaison_a) == []
