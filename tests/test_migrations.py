"""Upgrading a database that holds reports, and migrations that never change once shipped."""

from __future__ import annotations

import datetime
import hashlib
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from aduan.analytics.facts import rebuild_facts
from aduan.analytics.models import ReportFact
from aduan.channels.intake import Draft, submit_report
from aduan.reports import lifecycle
from aduan.reports.models import Report, ReportEvent, Status
from tests.personas import advance, as_reporter, as_user, submit

MONTHS = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
]


@pytest.mark.django_db(transaction=True)
def test_an_installation_with_reports_upgrades_to_stored_public_copies(world):
    report = advance(
        world, submit(world, body="Hubungi saya di 081234567890 soal lampu.")[0], "dispatched"
    )
    before, after = (
        [("reports", "0005_report_report_status_due_report_report_due_soonest")],
        [("reports", "0010_public_text")],
    )
    MigrationExecutor(connection).migrate(before)

    executor = MigrationExecutor(connection)
    executor.migrate(after)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    upgraded = Report.objects.get(pk=report.pk)
    assert "081234567890" in upgraded.body
    assert upgraded.public_body and "081234567890" not in upgraded.public_body


@pytest.mark.django_db(transaction=True)
def test_public_copies_written_before_the_village_address_rule_are_masked_again(world):
    report = advance(
        world, submit(world, body="Rumah saya Karangrau 17 RT 3/RW 5 kebanjiran.")[0], "dispatched"
    )
    # The copy as masking made it before house numbers before an RT were hidden.
    Report.objects.filter(pk=report.pk).update(public_body=report.body)
    MigrationExecutor(connection).migrate([("reports", "0010_public_text")])

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert Report.objects.get(pk=report.pk).public_body == (
        "Rumah saya Karangrau *** RT **/RW ** kebanjiran."
    )


@pytest.mark.django_db(transaction=True)
def test_anonymous_reports_stored_before_upgrading_are_withheld_from_their_handlers(world):
    written = "Saya Siti Warga, hubungi 0812-3456-7890: lampu jalan padam."
    report = submit(world, reporter=world.citizen, body=written, is_anonymous=True)[0]
    advance(world, report, Status.ON_HOLD)
    answer = lifecycle.answer_hold(report, as_reporter(world.citizen), "Siti Warga di sini.")
    # As an installation before the upgrade holds them: the words as written.
    Report.objects.filter(pk=report.pk).update(body=written, withheld_text="")
    answer.__class__.objects.filter(pk=answer.pk).update(message="Siti Warga di sini.")
    MigrationExecutor(connection).migrate([("reports", "0012_event_recorded_at")])

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    upgraded = Report.objects.get(pk=report.pk)
    assert "3456" not in upgraded.body and "Siti" not in upgraded.body
    assert written in upgraded.withheld_text
    answer.refresh_from_db()
    assert "Siti" not in answer.message and answer.withheld_message == "Siti Warga di sini."


@pytest.mark.django_db(transaction=True)
def test_an_anonymous_reporters_number_with_its_trunk_zero_is_withheld_when_upgrading(world):
    world.citizen.phone = "081234567890"
    world.citizen.save()
    title = "Pipa bocor di Desa Karangrau RT 03 RW 05 No. 17, hp 0812-3456-7890"
    report = submit(world, reporter=world.citizen, title=title, is_anonymous=True)[0]
    advance(world, report, Status.DISPATCHED)
    # As stored before the upgrade: the number and the house number as written.
    Report.objects.filter(pk=report.pk).update(title=title, public_title=title, withheld_text="")
    MigrationExecutor(connection).migrate([("reports", "0016_flags_set_by_hand")])

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    upgraded = Report.objects.get(pk=report.pk)
    assert "3456" not in upgraded.title and title in upgraded.withheld_text
    assert "No. 17" not in upgraded.public_title and "Pipa bocor" in upgraded.public_title


@pytest.mark.django_db(transaction=True)
def test_open_reports_are_flagged_again_by_the_changed_phrase_lists(world):
    bins = submit(world, body="Sampah di TPS meluap sampai ke jalan, bau sekali. Mohon diangkut.")[
        0
    ]
    # As the phrase lists before the upgrade flagged it: an overflowing bin as a flood.
    Report.objects.filter(pk=bins.pk).update(urgency_flags=["flood"], is_urgent=True)
    MigrationExecutor(connection).migrate([("reports", "0014_public_text_more_identifiers")])

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    upgraded = Report.objects.get(pk=bins.pk)
    assert (upgraded.urgency_flags, upgraded.is_urgent) == ([], False)


@pytest.mark.django_db(transaction=True)
def test_an_emergency_reported_weeks_before_the_upgrade_stays_urgent(world):
    at = timezone.now() - datetime.timedelta(days=36)
    day = timezone.localdate(at)
    month = MONTHS[day.month - 1]
    fire = submit_report(
        Draft(
            title="Mohon bantuan untuk warga RT 03",
            body=f"Kebakaran tanggal {day.day} {month} menghanguskan 3 rumah, mohon bantuan",
            category=world.potholes,
            guest_name="Budi",
            guest_email="budi@example.id",
        ),
        at=at,
    ).report
    fire = advance(world, fire, Status.DISPATCHED)
    assert fire.urgency_flags == ["fire"]
    MigrationExecutor(connection).migrate([("reports", "0015_reflag_open_reports")])

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    upgraded = Report.objects.get(pk=fire.pk)
    assert (upgraded.urgency_flags, upgraded.is_urgent) == (["fire"], True)


@pytest.mark.django_db(transaction=True)
def test_open_reports_are_flagged_again_for_english_and_figures_of_speech(world):
    hoax = submit(world, title="Banjir informasi hoaks", body="Grup WA desa penuh hoaks bansos.")[0]
    english = submit(world, title="Flood", body="Flood water is waist deep in our houses.")[0]
    drain = submit(world, title="Saluran meluap", body="Saluran depan rumah meluap setiap hujan.")[
        0
    ]
    closed = advance(
        world, submit(world, title="Kebakaran jenggot", body="Pejabat panik.")[0], "closed"
    )
    # As the phrase lists before the upgrade read them.
    Report.objects.filter(pk__in=[hoax.pk, drain.pk, closed.pk]).update(
        urgency_flags=["flood"], is_urgent=True
    )
    Report.objects.filter(pk=english.pk).update(urgency_flags=[], is_urgent=False)
    MigrationExecutor(connection).migrate([("reports", "0025_withhold_recorded_answers")])

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    flags = dict(Report.objects.values_list("pk", "urgency_flags"))
    urgent = dict(Report.objects.values_list("pk", "is_urgent"))
    assert (flags[hoax.pk], urgent[hoax.pk]) == ([], False)
    assert (flags[drain.pk], urgent[drain.pk]) == ([], False)
    assert (flags[english.pk], urgent[english.pk]) == (["flood"], True)
    # Closed reports keep their flags; reflag_reports --all reads them.
    assert (flags[closed.pk], urgent[closed.pk]) == (["flood"], True)


@pytest.mark.django_db(transaction=True)
def test_flags_an_officer_set_stay_as_set_when_upgrading(world):
    english = submit(world, title="Flood", body="Flood water is waist deep in our houses.")[0]
    lifecycle.correct_flags(english, as_user(world.national_admin), "Banjir lama.", urgent=False)
    MigrationExecutor(connection).migrate([("reports", "0025_withhold_recorded_answers")])

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    kept = Report.objects.get(pk=english.pk)
    assert (kept.urgency_flags, kept.is_urgent, kept.urgency_set_by_hand) == ([], False, True)


@pytest.mark.django_db(transaction=True)
def test_facts_learn_which_verdicts_officers_recorded_when_upgrading(world):
    recorded = advance(world, submit(world)[0], Status.COMPLETED)
    own = advance(world, submit(world, reporter=world.citizen)[0], Status.COMPLETED)
    lifecycle.reply(recorded, as_user(world.agency_admin), satisfied=True, received_via="phone")
    lifecycle.reply(own, as_reporter(world.citizen), satisfied=True)
    rebuild_facts()
    MigrationExecutor(connection).migrate([("analytics", "0003_figure_snapshots")])

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    facts = ReportFact.objects.filter(report__in=[recorded, own])
    assert dict(facts.values_list("report_id", "verdict_recorded")) == {
        recorded.pk: True,
        own.pk: False,
    }


# The words as said, before the officer-recorded ones were withheld on anonymous reports.
SAID = "Saya Siti Warga, HP 0812 3456 7890: RT 03 RW 02, depan masjid."


def _recorded_as_before_withholding(event) -> None:
    """`event` as an installation stored it before such answers were withheld."""
    assert lifecycle.recorded_for_reporter(event)
    ReportEvent.objects.filter(pk=event.pk).update(
        message=event.withheld_message or event.message, withheld_message=""
    )


def _upgrade_from_before_withholding_recorded_words() -> None:
    MigrationExecutor(connection).migrate([("reports", "0024_guest_erased_at")])
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _timeline() -> list[tuple]:
    return list(ReportEvent.objects.order_by("pk").values_list("pk", "message", "withheld_message"))


@pytest.mark.django_db(transaction=True)
def test_answers_recorded_for_anonymous_reporters_before_upgrading_are_withheld(world):
    answered = submit(world, reporter=world.citizen, is_anonymous=True)[0]
    advance(world, answered, Status.ON_HOLD)
    answer = lifecycle.answer_hold(
        answered, as_user(world.national_admin), SAID, received_via="phone"
    )
    # A guest's verdict, said at the counter: their name and email withheld as well.
    guest = advance(world, submit(world, is_anonymous=True)[0], Status.COMPLETED)
    told = "Saya Budi Tamu (budi@example.id): lubangnya masih ada."
    verdict = lifecycle.reply(
        guest, as_user(world.agency_admin), satisfied=False, message=told, received_via="in_person"
    )
    for event in (answer, verdict):
        _recorded_as_before_withholding(event)

    _upgrade_from_before_withholding_recorded_words()

    answer.refresh_from_db()
    assert "RT 03 RW 02, depan masjid." in answer.message
    assert "Siti" not in answer.message and "3456" not in answer.message
    assert answer.withheld_message == SAID
    verdict.refresh_from_db()
    assert "lubangnya masih ada." in verdict.message
    assert "Budi" not in verdict.message and "budi@example.id" not in verdict.message
    assert verdict.withheld_message == told


@pytest.mark.django_db(transaction=True)
def test_withholding_recorded_answers_leaves_every_other_entry_as_it_was(world):
    named = submit(world, reporter=world.citizen)[0]
    advance(world, named, Status.ON_HOLD)
    lifecycle.answer_hold(named, as_user(world.national_admin), SAID, received_via="phone")
    anonymous = submit(world, reporter=world.citizen, is_anonymous=True)[0]
    # An officer's own words name the reporter: theirs to write, not the reporter's.
    lifecycle.hold(anonymous, as_user(world.national_admin), "Ibu Siti Warga, di RT berapa?")
    lifecycle.answer_hold(anonymous, as_reporter(world.citizen), SAID)
    before = _timeline()
    assert any("Siti Warga, di RT" in message for _, message, _ in before)
    assert any(message == SAID for _, message, withheld in before if not withheld)

    _upgrade_from_before_withholding_recorded_words()

    assert _timeline() == before


@pytest.mark.django_db(transaction=True)
def test_withholding_recorded_answers_again_changes_nothing(world):
    report = submit(world, reporter=world.citizen, is_anonymous=True)[0]
    advance(world, report, Status.ON_HOLD)
    answer = lifecycle.answer_hold(
        report, as_user(world.national_admin), SAID, received_via="phone"
    )
    _recorded_as_before_withholding(answer)
    _upgrade_from_before_withholding_recorded_words()
    once = _timeline()
    assert (answer.pk, answer.message, SAID) in once

    _upgrade_from_before_withholding_recorded_words()

    assert _timeline() == once


# Every migration file as it was shipped. An installation that applied a migration never
# runs it again, so a migration edited afterwards leaves its database different from a
# new one (a column missing, a backfill not done): change the schema with a new
# migration instead. A new migration is added here in the commit that adds it.
SHIPPED = Path(__file__).with_name("shipped_migrations.txt")


def migration_files() -> dict[str, str]:
    root = Path(__file__).resolve().parent.parent
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.glob("aduan/*/migrations/0*.py"))
    }


@pytest.mark.django_db(transaction=True)
def test_an_anonymous_reporters_rating_comment_is_withheld_when_upgrading(world):
    comment = "Terima kasih, saya Siti Warga (0812-3456-7890) puas."
    report = submit(world, reporter=world.citizen, is_anonymous=True)[0]
    advance(world, report, Status.COMPLETED)
    lifecycle.rate(report, as_reporter(world.citizen), 5, comment)
    # As stored before the upgrade: the comment on the row as written.
    Report.objects.filter(pk=report.pk).update(rating_comment=comment)
    MigrationExecutor(connection).migrate([("reports", "0020_access_by_api_and_export")])

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    kept = Report.objects.get(pk=report.pk).rating_comment
    assert "Siti" not in kept and "3456" not in kept and "puas" in kept


def test_no_shipped_migration_was_edited_and_every_migration_is_listed():
    shipped = dict(
        reversed(line.split(maxsplit=1)) for line in SHIPPED.read_text().splitlines() if line
    )
    current = migration_files()
    edited = sorted(path for path, digest in shipped.items() if current.get(path) != digest)
    assert not edited, f"shipped migrations changed or removed: {edited}"
    unlisted = sorted(set(current) - set(shipped))
    lines = "\n".join(f"{current[path]}  {path}" for path in unlisted)
    assert not unlisted, f"add the new migrations to {SHIPPED.name}:\n{lines}"
