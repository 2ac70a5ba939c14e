"""Two people acting on the same report at once: the second never silently overwrites."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from aduan.channels.intake import Draft, submit_report
from aduan.reports import lifecycle
from aduan.reports.lifecycle import StaleReport
from aduan.reports.models import Channel, Report, ReportEvent, Status
from tests.personas import advance, as_user, build_world, submit


def test_the_second_officer_acting_on_a_stale_copy_is_refused(world):
    report = advance(world, submit(world)[0], Status.DISPATCHED)
    first = Report.objects.get(pk=report.pk)
    second = Report.objects.get(pk=report.pk)
    lifecycle.respond(first, as_user(world.liaison_a), "Kami tangani.")
    with pytest.raises(StaleReport):
        lifecycle.complete(second, as_user(world.agency_admin), "Sudah selesai.")
    report.refresh_from_db()
    assert report.status == Status.IN_PROGRESS
    assert report.completed_at is None
    assert list(report.events.values_list("action", flat=True))[-1] == "respond"


def test_a_stale_dispatch_leaves_no_dispatch_row(world):
    report, _secret = submit(world)
    first = Report.objects.get(pk=report.pk)
    second = Report.objects.get(pk=report.pk)
    lifecycle.dispatch(first, as_user(world.national_admin), world.agency)
    with pytest.raises(StaleReport):
        lifecycle.dispatch(second, as_user(world.national_admin), world.other_agency)
    report.refresh_from_db()
    assert report.organization == world.agency
    assert list(report.dispatches.values_list("to_organization", flat=True)) == [world.agency.pk]


def test_a_retried_delivery_with_the_same_reference_makes_one_report(world):
    draft = Draft(title="Lampu jalan mati", body="Lampu jalan di gang 3 mati sejak seminggu.")
    first = submit_report(draft, channel=Channel.WHATSAPP, channel_reference="wamid.ABC")
    again = submit_report(draft, channel=Channel.WHATSAPP, channel_reference="wamid.ABC")
    other_channel = submit_report(draft, channel=Channel.SMS, channel_reference="wamid.ABC")
    assert first.created and not again.created and other_channel.created
    assert again.report.pk == first.report.pk
    assert Report.objects.filter(channel_reference="wamid.ABC").count() == 2


def test_the_scan_does_not_escalate_a_report_a_supervisor_escalated_a_moment_ago(world):
    from django.utils import timezone

    from aduan.reports.lifecycle import Action

    report = advance(world, submit(world)[0], Status.DISPATCHED)
    as_the_scan_read_it = Report.objects.get(pk=report.pk)
    lifecycle.escalate(report, as_user(world.supervisor), "Segera ditangani.")

    now = timezone.now()
    escalated = lifecycle.apply_system_action(
        Action.ESCALATE,
        [as_the_scan_read_it],
        at=now,
        changes={"escalated_at": now},
        unchanged=("escalated_at",),
    )

    assert escalated == []
    assert report.events.filter(action=Action.ESCALATE).count() == 1


# Real concurrent connections need a server database: SQLite's in-memory test database
# locks whole tables instead of waiting. These tests exist only where they can run.
if connection.vendor == "postgresql":

    def _race(workers):
        """Run callables in threads that start together; return their results or errors."""
        barrier = threading.Barrier(len(workers))
        results = [None] * len(workers)

        def run(i, work):
            try:
                barrier.wait()
                results[i] = work()
            except Exception as exc:
                results[i] = exc
            finally:
                connections.close_all()

        threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        return results

    @pytest.mark.django_db(transaction=True)
    def test_two_connections_racing_the_same_transition_have_exactly_one_winner():
        world = build_world()
        report = advance(world, submit(world)[0], Status.DISPATCHED)

        for _round in range(5):
            report.refresh_from_db()
            copies = [Report.objects.get(pk=report.pk) for _ in range(2)]
            results = _race(
                [
                    lambda c=copies[0]: lifecycle.respond(c, as_user(world.liaison_a), "Satu."),
                    lambda c=copies[1]: lifecycle.respond(c, as_user(world.agency_admin), "Dua."),
                ]
            )
            winners = [r for r in results if isinstance(r, ReportEvent)]
            losers = [r for r in results if isinstance(r, StaleReport)]
            assert (len(winners), len(losers)) == (1, 1), results
        report.refresh_from_db()
        assert report.version == report.events.count() == 1 + 2 + 5

    @pytest.mark.django_db(transaction=True)
    def test_two_connections_delivering_the_same_message_make_one_report():
        for attempt in range(5):
            reference = f"sms-{attempt}"
            draft = Draft(title="Air PDAM keruh", body="Air PDAM di RT 04 keruh dan berbau.")

            def deliver(draft=draft, reference=reference):
                return submit_report(draft, channel=Channel.SMS, channel_reference=reference)

            results = _race([deliver, deliver])
            assert not any(isinstance(r, Exception) for r in results), results
            assert results[0].report.pk == results[1].report.pk
            assert sorted(r.created for r in results) == [False, True]
            assert Report.objects.filter(channel_reference=reference).count() == 1

    @pytest.mark.django_db(transaction=True)
    def test_two_identical_open311_posts_at_once_make_one_report():
        from django.http import QueryDict
        from django.utils.datastructures import MultiValueDict

        from aduan.open311.submission import submit_open311

        world = build_world()
        for attempt in range(3):
            post = QueryDict(mutable=True)
            post.update(
                {
                    "service_code": world.potholes.slug,
                    "address_string": "Jl. Merdeka 1",
                    "description": f"Lampu jalan mati di depan sekolah, laporan {attempt}",
                }
            )

            def deliver(post=post):
                return submit_open311(post, MultiValueDict(), world.agency)

            results = _race([deliver, deliver])
            assert not any(isinstance(r, Exception) for r in results), results
            assert results[0].report.pk == results[1].report.pk
            assert sorted(r.created for r in results) == [False, True]

    @pytest.mark.django_db(transaction=True)
    def test_photos_sent_together_from_a_new_number_are_all_kept(settings):
        from aduan.channels import whatsapp
        from aduan.channels.models import ProcessedMessage, WhatsAppConversation

        settings.ADUAN_WHATSAPP_PHONE_NUMBER_ID = "1234567890"
        settings.ADUAN_WHATSAPP_TOKEN = "graph-token"
        for attempt in range(3):
            sender = f"62812345678{attempt}"
            album = [
                {
                    "from": sender,
                    "id": f"wamid.{attempt}.{n}",
                    "type": "image",
                    "image": {"id": f"media-{attempt}-{n}"},
                }
                for n in range(4)
            ]
            results = _race([lambda m=m: whatsapp.receive_message(m) for m in album])
            assert not any(isinstance(r, Exception) for r in results), results
            conversation = WhatsAppConversation.objects.get(phone=f"+{sender}")
            assert sorted(conversation.collected["media"]) == sorted(
                m["image"]["id"] for m in album
            )
            assert (
                ProcessedMessage.objects.filter(reference__startswith=f"wamid.{attempt}.").count()
                == 4
            )

    @pytest.mark.django_db(transaction=True)
    def test_two_days_off_added_at_once_both_move_the_running_deadlines():
        import datetime
        import time

        from django.utils import timezone

        from aduan.deadlines import calendar
        from aduan.deadlines.models import CalendarDay, Deadline
        from aduan.deadlines.tasks import correct_calendar

        world = build_world()
        report = advance(world, submit(world)[0], Status.DISPATCHED)
        clock = Deadline.objects.filter(report=report, stopped_at__isnull=True).latest("due_at")
        working = calendar.current()
        first = working.next_working_day(timezone.localdate() + datetime.timedelta(days=1))
        second = working.next_working_day(first + datetime.timedelta(days=1))
        expected = CalendarDay(date=first, is_working_day=False, name="Cuti bersama")
        inside = threading.Event()

        def add(day, wait: bool):
            def write():
                correction = CalendarDay.objects.create(
                    date=day, is_working_day=False, name="Cuti bersama"
                )
                if wait:  # the other admin's request arrives meanwhile
                    inside.set()
                    time.sleep(0.5)
                return correction

            if not wait:
                inside.wait(5)
            return correct_calendar(write, {day: None})

        results = _race([lambda: add(first, True), lambda: add(second, False)])

        assert not any(isinstance(r, Exception) for r in results), results
        assert expected.date in set(CalendarDay.objects.values_list("date", flat=True))
        moved = Deadline.objects.get(pk=clock.pk).due_at
        days = calendar.current().working_days_between(clock.due_at, moved)
        assert moved > clock.due_at and days == pytest.approx(2, abs=0.01), (clock.due_at, moved)

    @pytest.mark.django_db(transaction=True)
    def test_two_admins_merging_a_pair_the_other_way_round_leave_one_report_open():
        world = build_world()
        admin = as_user(world.national_admin)
        for _round in range(3):
            first = submit(world, title="Lampu jalan padam")[0]
            second = submit(world, title="Lampu jalan padam juga")[0]
            results = _race(
                [
                    lambda a=first, b=second: lifecycle.mark_duplicate(a, admin, b),
                    lambda a=first, b=second: lifecycle.mark_duplicate(b, admin, a),
                ]
            )
            statuses = sorted(
                Report.objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)
            )
            assert statuses == [Status.ARCHIVED, Status.SUBMITTED], results
            assert sum(isinstance(r, ReportEvent) for r in results) == 1, results

    @pytest.mark.django_db(transaction=True)
    def test_a_message_racing_the_confirming_yes_is_answered_not_failed(settings):
        from aduan.channels import whatsapp

        settings.ADUAN_WHATSAPP_PHONE_NUMBER_ID = "1234567890"
        settings.ADUAN_WHATSAPP_TOKEN = "graph-token"
        for attempt in range(3):
            sender = f"62813555000{attempt}"

            def message(n, sender=sender, attempt=attempt, **content):
                return {"from": sender, "id": f"wamid.c{attempt}.{n}", **content}

            describe = "Jalan berlubang besar di depan pasar, sudah dua minggu, motor jatuh."
            whatsapp.receive_message(message(1, type="text", text={"body": describe}))
            whatsapp.receive_message(
                message(2, type="location", location={"latitude": -7.4, "longitude": 109.2})
            )
            results = _race(
                [
                    lambda: whatsapp.receive_message(message(3, type="text", text={"body": "YA"})),
                    lambda: whatsapp.receive_message(
                        message(4, type="text", text={"body": "Lubangnya sekitar satu meter."})
                    ),
                ]
            )
            assert not any(isinstance(r, Exception) for r in results), results
            assert Report.objects.filter(guest_phone=f"+{sender}").count() == 1

    @pytest.mark.django_db(transaction=True)
    def test_a_reporters_double_clicked_rating_is_not_blamed_on_someone_else():
        from django.test import Client
        from django.urls import reverse

        world = build_world()
        for _round in range(3):
            report = advance(world, submit(world, reporter=world.citizen)[0], Status.COMPLETED)
            clients = [Client(), Client()]
            for client in clients:
                client.force_login(world.citizen)
                client.cookies["django_language"] = "en"
            url = reverse("portal:report_action", args=[report.tracking_code, "rate"])
            rating = {"version": report.version, "stars": "5", "message": "Cepat."}
            answers = _race([lambda c=c, u=url, r=rating: c.post(u, r) for c in clients])
            assert sorted(a.status_code for a in answers) == [302, 409], answers
            refused = next(a for a in answers if a.status_code == 409).content.decode()
            assert "Someone else changed" not in refused
            assert "can no longer be done" in refused

    @pytest.mark.django_db(transaction=True)
    def test_two_accounts_typing_codes_for_one_number_at_once_are_verified_in_turn(settings):
        """Both hold the phone (each typed the code sent to it): the last to prove it has
        it, neither sees an error."""
        import re

        from aduan.accounts import phone
        from aduan.accounts.models import User
        from aduan.lib.sealed import unseal
        from aduan.notifications.models import Notification

        settings.ADUAN_SMS_GATEWAY_URL = "https://sms.example.id/send"
        world = build_world()
        number = "+6281234567890"
        for _round in range(5):
            users = [User.objects.get(pk=user.pk) for user in (world.citizen, world.outsider)]
            codes = []
            for user in users:
                phone.change_number(user, number)
                phone.send_code(user)
                body = unseal(
                    Notification.objects.filter(address=number).order_by("pk").last().body
                )
                codes.append(re.search(r"\b(\d{6})\b", body).group(1))
            pairs = zip(users, codes, strict=True)
            results = _race([lambda u=user, c=code: phone.check_code(u, c) for user, code in pairs])
            assert not any(isinstance(result, Exception) for result in results), results
            assert [result[0] for result in results] == [phone.Checked.VERIFIED] * 2
            verified = User.objects.filter(phone=number, phone_verified_at__isnull=False)
            assert verified.count() == 1

    @pytest.mark.django_db(transaction=True)
    def test_an_officer_taking_a_report_on_as_their_role_ends_is_not_left_in_charge():
        import time

        from django.db import transaction

        from aduan.organizations.models import Membership
        from aduan.reports.lifecycle import Actor, TransitionError, release_departed

        world = build_world()
        report = advance(world, submit(world)[0], Status.DISPATCHED)
        role = Membership.objects.get(user=world.liaison_a, organization=world.unit_a)
        ended = threading.Event()

        def end_the_role():
            with transaction.atomic():
                Membership.objects.filter(pk=role.pk).update(is_active=False)
                released = release_departed(
                    world.liaison_a, world.unit_a, Actor(world.agency_admin)
                )
                ended.set()
                time.sleep(0.5)  # the officer presses the button meanwhile
            return released

        def take_it_on():
            ended.wait(10)
            copy = Report.objects.get(pk=report.pk)
            return lifecycle.assign(copy, as_user(world.liaison_a), world.liaison_a)

        released, taken = _race([end_the_role, take_it_on])

        assert released == []
        assert isinstance(taken, TransitionError), taken
        report.refresh_from_db()
        assert report.assigned_to is None

    @pytest.mark.django_db(transaction=True)
    def test_taking_a_report_on_does_not_hold_up_what_is_written_in_the_officers_name():
        # A row naming the officer (an entry by them, a message to them) checks that the
        # account exists with a lock that an exclusive lock of the account would block:
        # a transition holding another report's row while it waits could deadlock.
        import time

        from django.db import OperationalError, transaction

        from aduan.reports.lifecycle import _hold_access_of

        world = build_world()
        other = advance(world, submit(world)[0], Status.DISPATCHED)
        held = threading.Event()

        def assigning():
            with transaction.atomic():
                _hold_access_of(world.liaison_a)
                held.set()
                time.sleep(1.5)  # the rest of the assignment

        def noting():
            held.wait(10)
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '500ms'")
                copy = Report.objects.get(pk=other.pk)
                return lifecycle.add_note(copy, as_user(world.liaison_a), "Dicek besok.")

        _assigned, noted = _race([assigning, noting])

        assert not isinstance(noted, OperationalError), noted
        assert isinstance(noted, ReportEvent), noted
