"""Officers correct the urgency and abusive-language flags read from a report's text."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse

from aduan.reports import lifecycle
from aduan.reports.lifecycle import Action, TransitionError
from aduan.reports.models import Status
from tests.personas import advance, as_reporter, as_user, submit

RECURRING = "Setiap hujan deras banjir lagi. Rumah warga kebanjiran setinggi lutut."


def _flood(world, status=Status.DISPATCHED):
    report, _secret = submit(world, reporter=world.citizen, title="Banjir", body=RECURRING)
    assert report.urgency_flags == ["flood"]
    return advance(world, report, status)


def _post(client, report, **fields):
    url = reverse("workspace:action", args=[report.tracking_code, "correct_flags"])
    return client.post(url, {"version": report.version, **fields})


def test_an_officer_clears_a_false_alarm_with_a_reason_on_the_internal_timeline(client, world):
    report = _flood(world)
    client.force_login(world.liaison_a)

    response = _post(client, report, reason="Banjir berulang, bukan kejadian hari ini.")

    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.is_urgent, report.urgency_flags, report.urgency_set_by_hand) == (False, [], True)
    event = report.events.get(action=Action.CORRECT_FLAGS)
    assert (event.actor, event.is_public) == (world.liaison_a, False)
    assert event.message == "Banjir berulang, bukan kejadian hari ini."
    assert event.data["urgent"] == {"from": True, "to": False, "flags": ["flood"]}


@pytest.mark.parametrize("persona", ["national_admin", "agency_admin", "liaison_a"])
def test_the_officers_who_handle_the_report_may_correct_its_flags(world, persona):
    report = _flood(world)

    lifecycle.correct_flags(report, as_user(getattr(world, persona)), "Salah baca.", urgent=False)

    assert not report.is_urgent


@pytest.mark.parametrize(
    "persona", ["outsider", "liaison_b", "supervisor", "auditor", "other_admin"]
)
def test_outsiders_may_not_correct_the_flags(client, world, persona):
    report = _flood(world)
    client.force_login(getattr(world, persona))

    response = _post(client, report, reason="Bukan darurat.")

    assert response.status_code in (403, 404)
    report.refresh_from_db()
    assert report.is_urgent and not report.urgency_set_by_hand
    with pytest.raises(PermissionDenied):
        lifecycle.correct_flags(report, as_user(getattr(world, persona)), "x", urgent=False)


def test_a_correction_needs_a_reason_and_a_change(world):
    report = _flood(world)
    officer = as_user(world.agency_admin)
    with pytest.raises(TransitionError):
        lifecycle.correct_flags(report, officer, "", urgent=False)
    with pytest.raises(TransitionError):
        lifecycle.correct_flags(report, officer, "Tetap mendesak.", urgent=True, abusive=False)


def test_a_flag_set_by_hand_survives_reading_the_text_again(world):
    report, _secret = submit(
        world, reporter=world.citizen, title="Air naik", body="Air sungai naik."
    )
    officer = as_user(world.national_admin)
    lifecycle.correct_flags(report, officer, "Warga terjebak, ditelepon.", urgent=True)
    lifecycle.correct_flags(report, officer, "Kata 'anjing' tentang hewan.", abusive=True)
    lifecycle.hold(report, officer, "Di dusun mana?")
    lifecycle.answer_hold(report, as_reporter(world.citizen), "Dusun Krajan, sudah aman.")

    call_command("reflag_reports", stdout=io.StringIO(), stderr=io.StringIO())

    report.refresh_from_db()
    assert (report.is_urgent, report.is_abusive) == (True, True)


def test_the_badge_says_which_words_raised_it_or_which_officer_set_it(client, world):
    flagged = _flood(world, Status.SUBMITTED)
    marked, _secret = submit(world, reporter=world.citizen, title="Air naik", body="Air naik.")
    lifecycle.correct_flags(marked, as_user(world.national_admin), "Warga terjebak.", urgent=True)
    client.force_login(world.national_admin)
    client.cookies["django_language"] = "en"

    auto = client.get(reverse("workspace:report", args=[flagged.tracking_code]))
    by_hand = client.get(reverse("workspace:report", args=[marked.tracking_code]))
    inbox = client.get(reverse("workspace:inbox") + "?tab=all")

    assert "flagged automatically because the text mentions “Banjir”" in auto.content.decode()
    page = by_hand.content.decode()
    assert 'data-urgency="by_hand"' in page
    assert f"Marked urgent by {world.national_admin.full_name}" in page
    assert "Warga terjebak." in page
    assert 'data-urgency="by_hand"' in inbox.content.decode()


def test_the_correction_form_is_offered_to_the_handler_only(client, world):
    report = _flood(world)
    page = reverse("workspace:report", args=[report.tracking_code])
    client.force_login(world.liaison_a)
    assert 'data-action="correct_flags"' in client.get(page).content.decode()
    client.force_login(world.supervisor)
    assert 'data-action="correct_flags"' not in client.get(page).content.decode()
