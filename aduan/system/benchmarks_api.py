"""Reports created through the REST API under load: `manage.py benchmark --api-load`.

Against the current database (DATABASE_URL; in tests, the test database): issues an API
key with scope reports:write for the demo agency (`seed_demo`; otherwise any active
agency), starts gunicorn as a subprocess on a free loopback port with the same
environment, waits for /healthz, then lets `clients` threads (one http.client
connection each, kept alive while the server allows) POST reports with unique external
ids for `seconds` seconds. After gunicorn has stopped it counts the run's reports in
the database: every 201 must be there (durable before its response). Prints
`name: value unit`, one per line.

The created reports are left in the database (their external ids start with
`bench-api-<run>-`, channel local_system); the key is deleted after the run. The
per-key rate limit (ADUAN_API_RATE) is lifted for the server under test.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import requests
from django.conf import settings

from aduan.api.models import ApiKey, Scope
from aduan.api.serializers import API_CHANNEL, channel_reference
from aduan.organizations.models import Organization
from aduan.reports.models import Report
from aduan.system.benchmarks_delivery import database_url, start_worker, stop_worker, wait_until

DEMO_AGENCY = "kab-banyumas"
KEY_NAME = "benchmark --api-load"
REPORTS_PATH = "/api/v1/reports/"


def run(
    emit,
    *,
    seconds: float = 30,
    clients: int = 16,
    workers: int = 2,
    threads: int = 4,
    drain: bool = False,
    progress=None,
) -> dict[str, float]:
    """Run the load; `threads` 0 means sync gunicorn workers, otherwise gthread. With
    `drain`, one task worker then writes the queued messages of the new reports, timed."""
    progress = progress or sys.stderr
    organization = _organization()
    key, secret = ApiKey.issue(
        organization=organization, name=KEY_NAME, scopes=[Scope.REPORTS_WRITE]
    )
    run_id = uuid.uuid4().hex[:8]
    prefix = f"bench-api-{run_id}-"
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        server = _start_gunicorn(port, workers, threads, log)
        try:
            if not wait_until(lambda: _healthy(base, server), timeout=60, step=0.2):
                log.seek(0)
                tail = log.read().decode(errors="replace")[-2000:]
                raise RuntimeError(f"gunicorn did not come up within a minute:\n{tail}")
            progress.write(f"api-load: gunicorn on {base}; {clients} clients, {seconds} s\n")
            results, elapsed, load = _load(base, secret, prefix, clients, seconds, server.pid)
        finally:
            _stop(server)
            key.delete()
    latencies = sorted(latency for latency, _status in results)
    statuses = Counter(status for _latency, status in results)
    created = statuses.get(201, 0)
    errors = sum(count for status, count in statuses.items() if not 200 <= status < 300)
    durable = Report.objects.filter(
        channel=API_CHANNEL,
        channel_reference__startswith=channel_reference(organization, prefix),
    ).count()
    percentile = _percentiles(latencies)
    cpus = os.cpu_count() or 1
    figures = {
        "api_clients": (clients, "clients"),
        "api_workers": (workers, "workers"),
        "api_threads_per_worker": (threads, "threads"),
        "api_seconds": (round(elapsed, 2), "s"),
        "api_requests": (len(results), "requests"),
        "api_created": (created, "reports"),
        "api_errors": (errors, "requests"),
        "api_reports_per_second": (round(created / elapsed, 1) if elapsed else 0, "reports/s"),
        "api_latency_p50": (percentile(50), "ms"),
        "api_latency_p95": (percentile(95), "ms"),
        "api_latency_p99": (percentile(99), "ms"),
        "api_latency_max": (round(latencies[-1], 1) if latencies else 0, "ms"),
        "api_durable_reports": (durable, "reports"),
        "api_durable_equals_created": (int(durable == created), "bool"),
        "api_machine_cpu_busy": (load["busy"], "%"),
        "api_client_cpu": (round(100 * load["client_cpu"] / elapsed / cpus, 1), "%"),
        "api_server_cpu": (round(100 * load["server_cpu"] / elapsed / cpus, 1), "%"),
        "api_database_cpu": (round(100 * load["database_cpu"] / elapsed / cpus, 1), "%"),
        "api_load_average_1m": (load["loadavg"], "load"),
    }
    for status, count in sorted(statuses.items()):
        if status != 201:
            figures[f"api_status_{status}"] = (count, "requests")
    if drain:
        figures.update(_drain(progress))
    for name, (value, unit) in figures.items():
        emit(name, value, unit)
    return {name: value for name, (value, _unit) in figures.items()}


def _announcements():
    from django_tasks_db.models import DBTaskResult

    from aduan.notifications.tasks import announce_submission

    return DBTaskResult.objects.filter(task_path=announce_submission.module_path)


def _drain(progress) -> dict[str, tuple[float, str]]:
    """Start one real task worker and time it until no submission's messages are left to
    write (their delivery is not waited for)."""
    waiting = _announcements().filter(status="READY").count()
    progress.write(f"api-load: one worker writes the messages of {waiting} new reports\n")
    started = time.perf_counter()
    worker = start_worker({})
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    cpu = 0.0
    try:
        left = _announcements().filter(status__in=["READY", "RUNNING"])
        drained = wait_until(lambda: not left.exists(), timeout=max(60, waiting), step=0.2)
        elapsed = time.perf_counter() - started
        with contextlib.suppress(OSError):
            cpu = _process_cpu(str(worker.pid), tick)
    finally:
        stop_worker(worker)
    failed = _announcements().filter(status="FAILED").count()
    return {
        "api_drain_tasks": (waiting, "tasks"),
        "api_drain_seconds": (round(elapsed, 2) if drained else 0, "s"),
        "api_drain_tasks_per_second": (round(waiting / elapsed, 1) if drained else 0, "tasks/s"),
        "api_drain_failed": (failed, "tasks"),
        # Includes starting the worker and sending the messages it had time for.
        "api_drain_worker_cpu_per_task": (round(1000 * cpu / waiting, 1) if waiting else 0, "ms"),
    }


def _organization() -> Organization:
    agencies = Organization.objects.active().filter(kind__in=Organization.AGENCY_KINDS)
    organization = agencies.filter(slug=DEMO_AGENCY).first() or agencies.order_by("pk").first()
    if organization is None:
        raise RuntimeError("No active agency organization: load the demo first (seed_demo).")
    return organization


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_gunicorn(port: int, workers: int, threads: int, log) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "aduan.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--graceful-timeout",
        "10",
    ]
    if threads:
        command += ["--worker-class", "gthread", "--threads", str(threads)]
    else:
        command += ["--worker-class", "sync"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "aduan.settings",
        "DATABASE_URL": database_url(),
        # The default 600/min per key would throttle a single-key load run at once.
        "ADUAN_API_RATE": "100000000/s",
    }
    return subprocess.Popen(
        command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
    )


def _healthy(base: str, server: subprocess.Popen) -> bool:
    if server.poll() is not None:
        raise RuntimeError(f"gunicorn exited with status {server.returncode}")
    try:
        response = requests.get(f"{base}/healthz", timeout=2)
        # 503 only says no task worker is alive; the database being up is what counts.
        return response.json().get("database", {}).get("status") == "up"
    except (requests.RequestException, ValueError):
        return False


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.terminate()
    try:
        server.wait(20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def _payload(external_id: str, n: int) -> dict:
    return {
        "external_id": external_id,
        "title": f"Uji beban API {n}",
        "body": "Lampu jalan di Jl. Diponegoro padam sejak tiga hari (uji beban API).",
        "kind": "complaint",
        "address": "Jl. Diponegoro 12",
        "reporter": {"name": "Uji Beban", "email": "uji.beban@example.id"},
    }


def _load(base: str, secret: str, prefix: str, clients: int, seconds: float, server: int):
    address = urlsplit(base)
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
    results: list[list[tuple[float, int]]] = [[] for _ in range(clients)]
    ready = threading.Barrier(clients + 1)
    go = threading.Event()
    deadline = [0.0]

    def client(index: int) -> None:
        # Plain http.client, one connection kept while the server allows it: the load
        # generator shares the cores with the server, so it should cost little.
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)

        def post(external_id: str, n: int) -> int:
            body = json.dumps(_payload(external_id, n)).encode()
            try:
                connection.request("POST", REPORTS_PATH, body, headers)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                connection.close()
                return 0
            if response.will_close:
                connection.close()  # reconnects on the next request
            return response.status

        # Warm up the connection and the worker (not timed, not counted: the warm-up
        # ids do not start with the run's prefix).
        post(prefix.rstrip("-") + f"w-{index}", 0)
        ready.wait()
        go.wait()
        # While the others warmed up, gunicorn may have closed this idle connection (its
        # keep-alive is 2 s): the first timed request would fail on it (status 0). A new
        # connection costs a handshake on the loopback.
        connection.close()
        mine = results[index]
        n = 0
        while time.perf_counter() < deadline[0]:
            n += 1
            started = time.perf_counter()
            status = post(f"{prefix}{index}-{n}", n)
            mine.append(((time.perf_counter() - started) * 1000, status))
        connection.close()

    pool = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
    for thread in pool:
        thread.start()
    ready.wait(timeout=120)  # every client is warm (BrokenBarrierError otherwise)
    cpu_before, usage_before, server_before = _cpu_times(), _self_cpu(), _children_cpu(server)
    database_before = _database_cpu()
    started = time.perf_counter()
    deadline[0] = started + seconds
    go.set()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - started
    cpu_after, usage_after, server_after = _cpu_times(), _self_cpu(), _children_cpu(server)
    database_after = _database_cpu()
    busy = (cpu_after[0] - cpu_before[0]) / max(1, cpu_after[1] - cpu_before[1])
    load = {
        "busy": round(100 * busy, 1),
        "client_cpu": usage_after - usage_before,
        "server_cpu": server_after - server_before,
        "database_cpu": sum(
            seconds - database_before.get(pid, 0) for pid, seconds in database_after.items()
        ),
        "loadavg": round(os.getloadavg()[0], 2),
    }
    return [r for mine in results for r in mine], elapsed, load


def _percentiles(latencies: list[float]):
    def percentile(p: int) -> float:
        if not latencies:
            return 0
        index = min(len(latencies) - 1, max(0, round(p / 100 * len(latencies)) - 1))
        return round(latencies[index], 1)

    return percentile


def _cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat (zeros elsewhere)."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return sum(fields[:8]) - idle, sum(fields[:8])


def _self_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _process_cpu(pid: str, tick: float) -> float:
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(stat[11]) + int(stat[12])) / tick


def _database_cpu() -> dict[str, float]:
    """CPU seconds used so far by each PostgreSQL process on this machine (Linux /proc
    only; empty when the database runs elsewhere)."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    used = {}
    for proc in Path("/proc").glob("[0-9]*"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            if (proc / "comm").read_text().strip() == "postgres":
                used[proc.name] = _process_cpu(proc.name, tick)
    return used


def _children_cpu(pid: int) -> float:
    """CPU seconds used so far by gunicorn's master and workers (Linux /proc only)."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0.0
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0.0
    for child in [str(pid), *children]:
        with contextlib.suppress(OSError):
            total += _process_cpu(child, tick)
    return total
