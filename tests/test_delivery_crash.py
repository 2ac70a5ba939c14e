"""A real worker process killed in the middle of a batch loses no message and sends none
twice: the sweep hands its unfinished messages to another worker, and the one in flight
is sent again with the same idempotency key."""

from __future__ import annotations

import io
import re
from collections import Counter

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from aduan.notifications.delivery import sweep_outbox
from aduan.notifications.fake_gateway import FakeGateway
from aduan.notifications.models import Notification, State
from aduan.notifications.outbox import enqueue_delivery
from aduan.system.benchmarks_delivery import start_worker, stop_worker, wait_until, write_messages
from aduan.system.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db(transaction=True)
COUNT = 200


def states() -> Counter:
    return Counter(Notification.objects.values_list("state", flat=True))


def test_a_worker_killed_mid_batch_neither_loses_nor_doubles_a_message(tmp_path):
    ids = write_messages(COUNT, "crash")
    keys = list(Notification.objects.order_by("pk").values_list("key", flat=True))
    log = open(tmp_path / "workers.log", "w")  # noqa: SIM115 (closed below)
    with FakeGateway(delay=0.02) as gateway:
        env = {
            "ADUAN_SMS_GATEWAY_URL": gateway.sms_url,
            "ADUAN_SMS_GATEWAY_TOKEN": "",
            "ADUAN_DELIVERY_LEASE_SECONDS": "2",
            "ADUAN_STATE_DIR": str(settings.STATE_DIR),
        }
        enqueue_delivery(keys)
        first = start_worker(env, worker_id="crash-first", log=log)
        try:
            started = wait_until(lambda: gateway.delivered_count >= 20, timeout=25, step=0.01)
            first.kill()
            first.wait()
        finally:
            if first.poll() is None:
                first.kill()
        assert started, (tmp_path / "workers.log").read_text()
        at_kill = states()
        running = list(DBTaskResult.objects.filter(status="RUNNING"))

        second = start_worker(env, worker_id="crash-second", log=log)
        try:
            everything_sent = wait_until(
                lambda: sweep_outbox() == 0 and states()[State.SENT] == COUNT,
                timeout=25,
                step=0.5,
            )
        finally:
            stop_worker(second)
            log.close()
        assert everything_sent, (states(), (tmp_path / "workers.log").read_text()[-3000:])

    # It really died mid-batch: its task never finished and messages were left waiting.
    [killed_task] = running
    [batch] = killed_task.args_kwargs["args"]
    assert len(batch) == 100
    assert set(batch) <= set(ids)
    assert 0 < at_kill[State.SENT] < COUNT
    assert at_kill[State.SENDING] > 0  # claimed by the dead worker, some never sent
    # Nothing lost, nothing doubled.
    assert states() == {State.SENT: COUNT}
    assert set(gateway.delivered) == set(keys)
    assert set(gateway.delivered.values()) == {1}
    assert len(gateway.requests) <= COUNT + 1
    assert sum(1 for seen in gateway.received.values() if seen > 1) <= 1


def test_the_delivery_benchmark_drains_the_outbox_with_real_workers():
    out = io.StringIO()

    call_command("benchmark", delivery=30, delivery_workers=2, stdout=out, stderr=io.StringIO())

    lines = out.getvalue().strip().splitlines()
    assert all(re.fullmatch(r"[a-z0-9_]+: \d+(\.\d+)? [a-z]+(/s)?", line) for line in lines), lines
    assert "delivery_messages: 30 messages" in lines
    assert re.search(r"^delivery_sent_per_second: \d+(\.\d+)? messages/s$", out.getvalue(), re.M)
    assert "delivery_unsent: 0 messages" in lines
    assert "delivery_failed: 0 messages" in lines
    assert "delivery_gateway_requests: 30 requests" in lines
    assert not Notification.objects.exists()  # the benchmark cleans up after itself


def test_the_delivery_benchmark_refuses_to_run_beside_the_installations_workers():
    WorkerHeartbeat.objects.create(
        worker_id="production-1", hostname="app1", pid=1, seen_at=timezone.now()
    )

    with pytest.raises(CommandError, match="would send the benchmark's messages"):
        call_command("benchmark", delivery=5, stdout=io.StringIO(), stderr=io.StringIO())

    assert not Notification.objects.exists()
