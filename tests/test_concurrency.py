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
