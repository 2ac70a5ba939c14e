"""Who sees which report: one rule (`visible_to`) and its object form (`can_see`) agree."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone

from aduan.organizations.access import Access
from aduan.reports import lifecycle
from aduan.reports.models import Report, Status
from tests.personas import advance, as_reporter, as_user, submit

PERSONAS = [
    "citizen",
    "national_admin",
    "agency_admin",
    "liaison_a",
    "liaison_b",
    "supervisor",
    "auditor",
    "outsider",
    "other_admin",
]
AGENCY_WIDE = {"agency", "unit_a", "unit_b", "handed_over", "bounced_to_agency", "confidential"}
EXPECTED = {
    "citizen": set(),
    "agency_admin": AGENCY_WIDE,
    "supervisor": AGENCY_WIDE,
    "liaison_a": {"unit_a", "handed_over", "confidential"},
    "liaison_b": {"unit_b"},
    "auditor": {"handed_over"},
    "outsider": set(),
    # A report the agency passed back and that went to another agency is no longer its.
    "other_admin": {"other_agency", "bounced_then_elsewhere"},
}


def _place_reports(w) -> dict[str, Report]:
    """One guest report in every place a report can be."""
    admin = as_user(w.national_admin)
    places = {name: submit(w, title=name)[0] for name in _PLACES}
    lifecycle.dispatch(places["agency"], admin, w.agency)
    advance(w, places["unit_a"], Status.DISPATCHED)
    lifecycle.dispatch(places["unit_b"], admin, w.agency)
    lifecycle.dispatch(places["unit_b"], as_user(w.agency_admin), w.unit_b)
    lifecycle.dispatch(places["other_agency"], admin, w.other_agency)
    advance(w, places["handed_over"], Status.IN_PROGRESS)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=61)):
        lifecycle.hand_over(places["handed_over"], as_reporter(), w.ombudsman)
    advance(w, places["bounced_to_agency"], Status.DISPATCHED)
    lifecycle.not_our_remit(places["bounced_to_agency"], as_user(w.liaison_a), "Bukan DPU.")
    lifecycle.dispatch(places["bounced_to_national"], admin, w.agency)
    lifecycle.not_our_remit(places["bounced_to_national"], as_user(w.agency_admin), "Bukan kami.")
    elsewhere = advance(w, places["bounced_then_elsewhere"], Status.DISPATCHED)
    lifecycle.not_our_remit(elsewhere, as_user(w.liaison_a), "Bukan DPU.")
    lifecycle.not_our_remit(elsewhere, as_user(w.agency_admin), "Bukan kami.")
    lifecycle.dispatch(elsewhere, admin, w.other_agency)
    advance(w, places["archived"], Status.ARCHIVED)
    secret = advance(w, places["confidential"], Status.DISPATCHED)
    lifecycle.set_flags(secret, as_user(w.agency_admin), confidential=True)
    lifecycle.complete(secret, as_user(w.liaison_a), "Selesai.")
    return places


_PLACES = [
    "national_queue",
    "on_hold",
    "agency",
    "unit_a",
    "unit_b",
    "other_agency",
    "handed_over",
    "bounced_to_agency",
    "bounced_to_national",
    "bounced_then_elsewhere",
    "archived",
    "confidential",
]


@pytest.fixture
def places(world):
    places = _place_reports(world)
    advance(world, places["on_hold"], Status.ON_HOLD)
    return places


def _names(places, queryset) -> set[str]:
    by_pk = {r.pk: name for name, r in places.items()}
    return {by_pk[pk] for pk in queryset.values_list("pk", flat=True) if pk in by_pk}


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_sees_exactly_the_reports_of_its_places(world, places, persona):
    user = getattr(world, persona)
    expected = set(_PLACES) if persona == "national_admin" else EXPECTED[persona]
    assert _names(places, Report.objects.visible_to(user)) == expected


@pytest.mark.parametrize("persona", PERSONAS)
def test_can_see_agrees_with_visible_to_for_every_report(world, places, persona):
    user = getattr(world, persona)
    visible = set(Report.objects.visible_to(user).values_list("pk", flat=True))
    access = Access.of(user)
    for name, report in places.items():
        report.refresh_from_db()
        assert lifecycle.can_see(report, access) == (report.pk in visible), name


def test_an_anonymous_visitor_sees_nothing_in_the_back_office(world, places):
    assert not Report.objects.visible_to(AnonymousUser()).exists()
    assert not lifecycle.can_see(places["unit_a"], Access.of(AnonymousUser()))


def test_a_citizen_sees_nothing_in_the_back_office_not_even_their_own_reports(world, places):
    own, _secret = submit(world, reporter=world.citizen)
    assert not Report.objects.visible_to(world.citizen).exists()
    assert not Report.objects.visible_to(world.outsider).filter(pk=own.pk).exists()


def test_an_officer_who_reported_another_agency_reads_it_only_as_its_reporter(world, client):
    report, _secret = submit(world, reporter=world.other_admin)
    advance(world, report, Status.DISPATCHED)
    note = lifecycle.add_note(
        report, as_user(world.liaison_a), "Catatan internal: kontraktor lalai."
    )
    client.force_login(world.other_admin)

    assert client.get(f"/kantor/laporan/{report.tracking_code}/").status_code == 404
    assert not Report.objects.visible_to(world.other_admin).filter(pk=report.pk).exists()
    public = client.get(f"/laporan/{report.tracking_code}/").content.decode()
    assert report.tracking_code in public and note.message not in public


def test_an_inactive_membership_grants_nothing(world, places):
    world.liaison_a.memberships.update(is_active=False)
    fresh = type(world.liaison_a).objects.get(pk=world.liaison_a.pk)  # Access is per request
    assert not Report.objects.visible_to(fresh).exists()


def test_public_shows_only_verified_open_or_finished_non_confidential_reports(world, places):
    expected = {"agency", "unit_a", "unit_b", "other_agency", "handed_over"}
    expected.add("bounced_then_elsewhere")
    assert _names(places, Report.objects.public()) == expected
    for name, report in places.items():
        report.refresh_from_db()
        assert report.is_public == (name in expected), name


def test_a_confidential_report_never_becomes_public_again(world, places):
    report = places["confidential"]
    lifecycle.reply(report, as_reporter(), satisfied=True)
    assert report.status == Status.CLOSED
    assert not Report.objects.public().filter(pk=report.pk).exists()


# --- What caches may keep ---------------------------------------------------------------


def test_back_office_pages_are_never_stored_and_signed_in_pages_stay_private(client, world):
    assert "private" not in client.get(reverse("portal:feed")).get("Cache-Control", "")
    client.force_login(world.agency_admin)
    inbox = client.get(reverse("workspace:inbox"))
    assert "no-store" in inbox["Cache-Control"] and "private" in inbox["Cache-Control"]
    assert "private" in client.get(reverse("portal:feed"))["Cache-Control"]
