"""Delivering the outbox: claims, retries with backoff, leases, the sweep, and the
failed-deliveries page."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from aduan.notifications import delivery
from aduan.notifications.fake_gateway import FakeGateway
from aduan.notifications.models import Kind, Medium, Notification, State
from tests.personas import submit

pytestmark = pytest.mark.django_db
TASK_PATH = "aduan.notifications.tasks.deliver_notifications"
SECRET_LINK = "https://lapor.example.id/l/ABCD-2345/k/rahasia-tamu-123/"


@pytest.fixture
def gateway(settings):
    with FakeGateway() as fake:
        settings.ADUAN_SMS_GATEWAY_URL = fake.sms_url
        settings.ADUAN_SMS_GATEWAY_TOKEN = ""
        yield fake


def write(
    count=1, *, medium=Medium.SMS, organization=None, age=None, prefix="e1", report=None
) -> list:
    """Pending messages as `outbox.notify` writes them (optionally `age` ago)."""
    now = timezone.now() - (age or datetime.timedelta())
    address = "budi@example.id" if medium == Medium.EMAIL else "+628123456789"
    rows = [
        Notification(
            key=f"{prefix}:{n}:{medium}",
            kind=Kind.RECEIVED,
            medium=medium,
            address=address,
            organization=organization,
            report=report,
            subject="Laporan ABCD-2345 diterima",
            body=f"Laporan Anda diterima. Pantau di {SECRET_LINK}",
            short=f"Laporan ABCD-2345 diterima: {SECRET_LINK}",
            link=SECRET_LINK,
            state=State.PENDING,
            created_at=now,
            next_attempt_at=now,
        )
        for n in range(count)
    ]
    Notification.objects.bulk_create(rows)
    return list(Notification.objects.filter(key__startswith=f"{prefix}:").order_by("pk"))


def fresh(row: Notification) -> Notification:
    return Notification.objects.get(pk=row.pk)


def later(seconds: float):
    return time_machine.travel(timezone.now() + datetime.timedelta(seconds=seconds), tick=True)


def enqueued_ids() -> list[list[int]]:
    tasks = DBTaskResult.objects.filter(task_path=TASK_PATH).order_by("enqueued_at")
    return [task.args_kwargs["args"][0] for task in tasks]


# --- Sending once -------------------------------------------------------------------


def test_a_message_is_sent_marked_sent_and_carries_the_provider_reference(gateway):
    [row] = write()

    assert delivery.deliver([row.pk]) == 1

    row = fresh(row)
    assert row.state == State.SENT
    assert row.sent_at is not None
    assert row.lease_until is None
    assert row.attempts == 1
    assert row.provider_reference == "sms-m1"
    assert gateway.received[row.key] == 1


def test_delivering_the_same_id_twice_sends_it_once(gateway):
    [row] = write()

    delivery.deliver([row.pk])
    assert delivery.deliver([row.pk]) == 0

    assert len(gateway.requests) == 1


def test_a_message_claimed_by_one_worker_is_not_claimed_by_another():
    rows = write(3)
    ids = [row.pk for row in rows]

    first_worker = delivery.QUEUE.claim(ids[:2])
    second_worker = delivery.QUEUE.claim(ids)

    assert [row.pk for row in first_worker] == ids[:2]
    assert [row.pk for row in second_worker] == ids[2:]
    assert {fresh(row).state for row in rows} == {State.SENDING}
    assert {fresh(row).attempts for row in rows} == {1}


def test_in_app_messages_are_never_sent(gateway):
    [row] = write(medium=Medium.IN_APP)

    assert delivery.deliver([row.pk]) == 0

    assert gateway.requests == []


def test_an_email_goes_through_the_email_backend():
    [row] = write(medium=Medium.EMAIL)

    delivery.deliver([row.pk])

    [sent] = mail.outbox
    assert sent.to == ["budi@example.id"]
    assert fresh(row).state == State.SENT
    assert fresh(row).provider_reference == sent.extra_headers["Message-ID"]


# --- Retries --------------------------------------------------------------------------


def test_a_503_is_retried_after_a_backoff_then_the_message_goes_out(gateway):
    gateway.fail_first = 1
    [row] = write()
    before = timezone.now()

    assert delivery.deliver([row.pk]) == 0

    row = fresh(row)
    assert row.state == State.PENDING
    assert row.attempts == 1
    assert "HTTP 503" in row.last_error
    wait = (row.next_attempt_at - before).total_seconds()
    assert 23 <= wait <= 31
    assert delivery.deliver([row.pk]) == 0  # not due yet
    assert len(gateway.requests) == 1

    with later(31):
        assert delivery.deliver([row.pk]) == 1

    row = fresh(row)
    assert row.state == State.SENT
    assert row.attempts == 2
    assert row.last_error == ""
    assert [r.key for r in gateway.requests] == [row.key, row.key]


def test_backoff_doubles_from_thirty_seconds_and_stops_at_six_hours():
    waits = [delivery.backoff(n, jitter=0).total_seconds() for n in (1, 2, 3, 4, 12, 40)]

    assert waits == [30, 60, 120, 240, 21600, 21600]
    assert delivery.backoff(1, jitter=1).total_seconds() == 24


def test_a_400_fails_the_message_at_once(gateway):
    gateway.fail_first, gateway.fail_status = 1, 400
    [row] = write()

    delivery.deliver([row.pk])

    row = fresh(row)
    assert row.state == State.FAILED
    assert row.attempts == 1
    assert "HTTP 400" in row.last_error
    assert delivery.sweep_outbox(timezone.now() + datetime.timedelta(days=1)) == 0


def test_a_message_fails_after_the_maximum_number_of_attempts(gateway, settings):
    settings.ADUAN_DELIVERY_MAX_ATTEMPTS = 3
    gateway.fail_first = 10
    [row] = write()

    for attempt in range(3):
        with later(attempt * 3600):
            delivery.deliver([row.pk])

    row = fresh(row)
    assert row.state == State.FAILED
    assert row.attempts == 3
    assert len(gateway.requests) == 3


def test_an_unreachable_gateway_is_retried_and_each_failed_attempt_logged(settings, caplog):
    with FakeGateway() as stopped:
        settings.ADUAN_SMS_GATEWAY_URL = stopped.sms_url
    [row] = write()

    with caplog.at_level("WARNING", logger="aduan.lib.leasing"):
        delivery.deliver([row.pk])

    row = fresh(row)
    assert row.state == State.PENDING
    assert "127.0.0.1" in row.last_error
    [record] = [r for r in caplog.records if r.name == "aduan.lib.leasing"]
    assert f"Notification {row.pk}: attempt 1 of" in record.getMessage()
    assert "127.0.0.1" in record.getMessage()
    # The next attempt in the zone of the record's own time (WIB), not in UTC.
    local = row.next_attempt_at.astimezone().isoformat(timespec="seconds")
    assert f"next at {local}: " in record.getMessage() and local.endswith("+07:00")


# --- Leases -------------------------------------------------------------------------


def test_a_worker_that_died_mid_send_is_taken_over_once_its_lease_expires(gateway, settings):
    settings.ADUAN_DELIVERY_LEASE_SECONDS = 60
    [row] = write()
    assert delivery.QUEUE.claim([row.pk])  # and the worker dies

    assert delivery.deliver([row.pk]) == 0  # the lease still holds
    with later(61):
        assert delivery.deliver([row.pk]) == 1

    row = fresh(row)
    assert row.state == State.SENT
    assert row.attempts == 2
    assert gateway.received[row.key] == 1


def test_a_worker_whose_lease_was_taken_over_cannot_overwrite_the_outcome(gateway, settings):
    settings.ADUAN_DELIVERY_LEASE_SECONDS = 60
    [slow_worker] = delivery.QUEUE.claim([row.pk for row in write()])
    with later(61):
        delivery.deliver([slow_worker.pk])

    failure = delivery.QUEUE.failure(slow_worker, "SMS gateway: timed out", retryable=True)
    delivery.QUEUE.settle(slow_worker, failure)

    row = fresh(slow_worker)
    assert row.state == State.SENT
    assert row.last_error == ""


def test_a_slow_batch_renews_its_leases_and_skips_messages_taken_over(gateway, settings):
    settings.ADUAN_DELIVERY_LEASE_SECONDS = 60
    first, second = write(2)
    batch = delivery.QUEUE.claim([first.pk, second.pk])

    with later(40):  # past half the lease: each message's lease is renewed before sending
        assert delivery.QUEUE.send_claimed(batch[:1]) == 1
    with later(61):  # the second one's lease ran out and another worker took it
        assert delivery.deliver([second.pk]) == 1
        assert delivery.QUEUE.send_claimed(batch[1:]) == 0

    assert fresh(first).state == fresh(second).state == State.SENT
    assert gateway.received == {first.key: 1, second.key: 1}


# --- The sweep ----------------------------------------------------------------------


def test_the_sweep_enqueues_what_is_due_and_nothing_else(gateway, settings):
    settings.ADUAN_DELIVERY_LEASE_SECONDS = 60
    [lost, retry_due, retry_later, crashed, in_flight, sent, failed, in_app] = write(8)
    Notification.objects.filter(pk=in_app.pk).update(medium=Medium.IN_APP)
    past = timezone.now() - datetime.timedelta(minutes=5)
    future = timezone.now() + datetime.timedelta(minutes=5)
    Notification.objects.filter(pk=retry_due.pk).update(attempts=1, next_attempt_at=past)
    Notification.objects.filter(pk=retry_later.pk).update(attempts=1, next_attempt_at=future)
    Notification.objects.filter(pk=crashed.pk).update(state=State.SENDING, lease_until=past)
    Notification.objects.filter(pk=in_flight.pk).update(state=State.SENDING, lease_until=future)
    Notification.objects.filter(pk=sent.pk).update(state=State.SENT)
    Notification.objects.filter(pk=failed.pk).update(state=State.FAILED)

    assert delivery.sweep_outbox() == 3

    [chunk] = enqueued_ids()
    assert sorted(chunk) == sorted([lost.pk, retry_due.pk, crashed.pk])


def test_the_sweep_enqueues_in_chunks_of_a_hundred():
    rows = write(150)

    assert delivery.sweep_outbox() == 150

    chunks = enqueued_ids()
    assert [len(chunk) for chunk in chunks] == [100, 50]
    assert sorted(pk for chunk in chunks for pk in chunk) == [row.pk for row in rows]


def test_the_sweep_respects_its_limit():
    write(30)

    assert delivery.sweep_outbox(limit=10) == 10


def test_retry_puts_a_failed_message_back_with_fresh_attempts_and_enqueues_it(
    gateway, django_capture_on_commit_callbacks
):
    gateway.fail_first, gateway.fail_status = 1, 400
    [row] = write()
    delivery.deliver([row.pk])
    assert fresh(row).state == State.FAILED

    with django_capture_on_commit_callbacks(execute=True):
        assert delivery.retry(fresh(row)) is True

    assert fresh(row).state == State.PENDING
    assert fresh(row).attempts == 0
    assert enqueued_ids() == [[row.pk]]
    assert delivery.deliver([row.pk]) == 1


# --- The failed-deliveries page ---------------------------------------------------------


def failed(count=1, *, organization=None, prefix="f", report=None) -> list[Notification]:
    """Messages the gateway refused for good."""
    rows = write(count, organization=organization, prefix=prefix, report=report)
    with (
        FakeGateway(fail_first=count, fail_status=400) as refusing,
        override_settings(ADUAN_SMS_GATEWAY_URL=refusing.sms_url),
    ):
        delivery.deliver([row.pk for row in rows])
    assert {fresh(row).state for row in rows} == {State.FAILED}
    return rows


def page(client, user):
    client.force_login(user)
    return client.get(reverse("workspace:deliveries"))


def test_national_admin_sees_every_failed_message_masked_and_without_its_text(client, world):
    [ours] = failed(organization=world.unit_a, prefix="a")
    [theirs] = failed(organization=world.other_agency, prefix="b")
    [national] = failed(prefix="c")

    response = page(client, world.national_admin)

    html = response.content.decode()
    assert response.status_code == 200
    for row in (ours, theirs, national):
        assert f'data-delivery="{row.pk}"' in html
    assert "+62812****789" in html
    assert world.unit_a.name in html
    assert "8123456789" not in html
    assert "rahasia-tamu" not in html
    assert "ABCD-2345" not in html
    assert "HTTP 400" in html


def test_agency_admin_sees_failed_messages_of_their_subtree_only(client, world):
    [ours] = failed(organization=world.unit_a, prefix="a")
    [theirs] = failed(organization=world.other_agency, prefix="b")
    [national] = failed(prefix="c")

    html = page(client, world.agency_admin).content.decode()

    assert f'data-delivery="{ours.pk}"' in html
    assert f'data-delivery="{theirs.pk}"' not in html
    assert f'data-delivery="{national.pk}"' not in html


def test_long_waiting_messages_are_listed_but_fresh_and_sent_ones_are_not(client, world):
    [stuck] = write(organization=world.agency, age=datetime.timedelta(hours=1), prefix="s")
    [fresh_row] = write(organization=world.agency, prefix="n")
    [sent] = write(organization=world.agency, age=datetime.timedelta(hours=1), prefix="d")
    Notification.objects.filter(pk=sent.pk).update(state=State.SENT)

    html = page(client, world.national_admin).content.decode()

    assert f'data-delivery="{stuck.pk}"' in html
    assert f'data-delivery="{fresh_row.pk}"' not in html
    assert f'data-delivery="{sent.pk}"' not in html


def test_an_email_address_is_masked(client, world):
    rows = write(medium=Medium.EMAIL, age=datetime.timedelta(hours=1), prefix="m")

    html = page(client, world.national_admin).content.decode()

    assert f'data-delivery="{rows[0].pk}"' in html
    assert "b***@example.id" in html
    assert "budi@" not in html


@pytest.mark.parametrize("persona", ["liaison_a", "supervisor", "auditor", "outsider", "citizen"])
def test_users_who_are_not_admins_are_refused(client, world, persona):
    failed(organization=world.unit_a)

    assert page(client, getattr(world, persona)).status_code == 403


def test_outsider_is_refused_the_retry_buttons(client, world):
    [row] = failed(organization=world.unit_a)
    client.force_login(world.outsider)

    one = client.post(reverse("workspace:delivery_retry", args=[row.pk]))
    every = client.post(reverse("workspace:delivery_retry_all"), {"ids": [row.pk]})

    assert (one.status_code, every.status_code) == (403, 403)
    assert fresh(row).state == State.FAILED


def test_a_message_about_an_anonymous_report_shows_no_part_of_the_address(client, world):
    report, _ = submit(world, is_anonymous=True)
    [row] = failed(organization=world.unit_a, report=report)

    html = page(client, world.agency_admin).content.decode()

    assert f'data-delivery="{row.pk}"' in html
    assert "****" not in html and "+62812" not in html


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("workspace:deliveries"))

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_retry_button_sends_the_message_again(client, world, django_capture_on_commit_callbacks):
    [row] = failed(organization=world.unit_a)
    client.force_login(world.agency_admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("workspace:delivery_retry", args=[row.pk]))

    assert response.status_code == 302
    assert response["Location"] == reverse("workspace:deliveries")
    assert fresh(row).state == State.PENDING
    assert enqueued_ids() == [[row.pk]]


def test_retry_is_a_post(client, world):
    [row] = failed(organization=world.unit_a)
    client.force_login(world.agency_admin)

    response = client.get(reverse("workspace:delivery_retry", args=[row.pk]))

    assert response.status_code == 405
    assert fresh(row).state == State.FAILED


def test_agency_admin_cannot_retry_another_agencys_message(client, world):
    [theirs] = failed(organization=world.other_agency)
    client.force_login(world.agency_admin)

    response = client.post(reverse("workspace:delivery_retry", args=[theirs.pk]))

    assert response.status_code == 404
    assert fresh(theirs).state == State.FAILED


def test_retry_all_shown_retries_only_messages_the_admin_may_see(client, world):
    ours = failed(2, organization=world.unit_b, prefix="a")
    [theirs] = failed(organization=world.other_agency, prefix="b")
    client.force_login(world.agency_admin)

    response = client.post(
        reverse("workspace:delivery_retry_all"),
        {"ids": [ours[0].pk, ours[1].pk, theirs.pk, "x"]},
    )

    assert response.status_code == 302
    assert {fresh(row).state for row in ours} == {State.PENDING}
    assert fresh(theirs).state == State.FAILED


def test_the_page_costs_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    failed(40, organization=world.unit_a)
    client.force_login(world.agency_admin)
    url = reverse("workspace:deliveries")

    with django_assert_max_num_queries(8):
        response = client.get(url)

    assert response.content.decode().count("data-delivery=") == 40


def test_retry_all_leaves_out_what_cannot_be_an_id(client, world):
    [ours] = failed(organization=world.unit_b)
    client.force_login(world.agency_admin)

    response = client.post(
        reverse("workspace:delivery_retry_all"),
        {"ids": ["²", "99999999999999999999", "-1", str(ours.pk)]},
    )

    assert response.status_code == 302
    assert fresh(ours).state == State.PENDING
