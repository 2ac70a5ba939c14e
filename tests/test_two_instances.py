"""Two live Aduan instances kept in sync: a regency's instance forwards a report (and
its photo) to the national instance through its REST API and hears the national
follow-ups (and the completion's photo) back through signed webhooks.

Each instance is a real `manage.py start` (web server, task worker, periodic scans) on
its own SQLite database and port; every call between them goes over HTTP on loopback.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
STARTUP_SECONDS = 90
SYNC_SECONDS = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Instance:
    def __init__(self, name: str, state_dir: Path):
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
            "ADUAN_STATE_DIR": str(state_dir),
            "SITE_URL": self.url,
            "ADUAN_FAST_PASSWORDS": "1",
            "ADUAN_WEBHOOKS_ALLOW_HTTP": "1",
            # Both instances run on this machine, at 127.0.0.1.
            "ADUAN_WEBHOOKS_ALLOW_PRIVATE": "1",
        }
        self.log_path = state_dir / "instance.log"
        state_dir.mkdir(parents=True)
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.log = open(self.log_path, "w")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "start", "--no-demo", "--port", str(self.port)],
            cwd=BASE_DIR,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_until_up(self) -> None:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.tail()
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as answer:  # noqa: S310
                    if answer.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.5)
        raise AssertionError(f"{self.name} did not come up:\n{self.tail()}")

    def run(self, call: str) -> dict:
        """Run `tests.instances.<call>` in this instance; returns the JSON it printed."""
        code = f"from tests.instances import *; {call}"
        done = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=BASE_DIR,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        self.log.close()

    def tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


def wait_for(check, seconds: float):
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(1)


@pytest.fixture
def instances(tmp_path):
    national = Instance("national", tmp_path / "national")
    regency = Instance("regency", tmp_path / "regency")
    for instance in (national, regency):
        instance.start()
    try:
        for instance in (national, regency):
            instance.wait_until_up()
        yield national, regency
    finally:
        for instance in (national, regency):
            instance.stop()


@pytest.mark.own_database
def test_a_report_forwarded_to_the_national_instance_hears_its_follow_ups_back(instances):
    national, regency = instances
    receiver = f"{regency.url}/masuk/uplink/nasional/"
    keys = national.run(f"setup_national({receiver!r})")
    code = regency.run(
        f"setup_regency({national.url!r}, {keys['api_key']!r}, {keys['webhook_secret']!r})"
    )["code"]

    # The regency's worker sends the report; the national instance answers with its code.
    def forwarded():
        state = regency.run(f"regency_state({code!r})")
        return state if state["remote_code"] else None

    state = wait_for(forwarded, SYNC_SECONDS)
    assert state, regency.tail()
    assert state["forwarding"] == "sent"

    # News the reporter adds at the regency afterwards follows the report there.
    regency.run(f"add_news({code!r}, 'Retaknya makin lebar setelah hujan semalam.')")

    def news_arrived():
        news = national.run(f"national_news({code!r})")["news"]
        return news or None

    news = wait_for(news_arrived, SYNC_SECONDS)
    assert news == ["Retaknya makin lebar setelah hujan semalam."], (
        national.tail(),
        regency.tail(),
    )

    # Taken off the public pages at the regency, it leaves the national ones too.
    assert national.run(f"national_public_news({code!r})")["news"] == news
    regency.run(f"hide_news({code!r})")

    def news_hidden():
        return national.run(f"national_public_news({code!r})")["news"] == []

    assert wait_for(news_hidden, SYNC_SECONDS), (national.tail(), regency.tail())

    # Made confidential at the regency, it leaves the national public pages too.
    assert national.run(f"national_report({code!r})")["reporter"] == "Siti Warga"
    regency.run(f"make_confidential({code!r})")

    def confidential():
        return national.run(f"national_report({code!r})")["confidential"]

    assert wait_for(confidential, SYNC_SECONDS), (national.tail(), regency.tail())

    # Officers of the national instance handle it; its webhooks bring every step back.
    # The reporter's photo went with it; the completion's photo is national's own.
    handled = national.run(f"handle_on_national({code!r})")
    assert handled == {
        "code": state["remote_code"],
        "status": "completed",
        "files": ["retak.jpg", "sesudah.jpg"],
    }

    def synced():
        state = regency.run(f"regency_state({code!r})")
        return state if len(state["updates"]) >= 3 and state["files"] else None

    state = wait_for(synced, SYNC_SECONDS)
    assert state, (national.tail(), regency.tail())
    assert [u["remote_action"] for u in state["updates"]] == ["dispatch", "respond", "complete"]
    messages = "\n".join(u["message"] for u in state["updates"])
    assert "Tim PUPR meninjau jembatan besok pagi." in messages
    assert "Jembatan sudah ditambal dan diberi rambu." in messages
    assert all(u["public"] for u in state["updates"])
    assert state["remote_status"] == "completed"
    # The completion's photo was fetched with the regency's key and kept with the update.
    assert state["files"] == ["sesudah.jpg"]
    # The local report itself stays where it was: the regency still owns its lifecycle.
    assert state["status"] == "submitted"
    # The reporter hears of each follow-up from the regency, where they reported, and the
    # completion asks for their verdict.
    assert (state["reporter_told"], state["asked_verdict"]) == (3, True)

    # Their verdict and stars, given at the regency, close the report at the national one.
    regency.run(f"give_verdict({code!r}, True, 4, 'Sudah aman dilewati.')")

    def judged():
        report = national.run(f"national_report({code!r})")
        return report if report["status"] == "closed" else None

    report = wait_for(judged, SYNC_SECONDS)
    assert report and report["rating"] == 4, (national.tail(), regency.tail())

    # The reporter deletes their account at the regency: the national copy forgets them.
    assert regency.run("erase_reporter()") == {"reports": 1}

    def erased():
        report = national.run(f"national_report({code!r})")
        return report if report["reporter"] == "" else None

    report = wait_for(erased, SYNC_SECONDS)
    assert report, (national.tail(), regency.tail())
    assert report["status"] == "closed"
    assert regency.run(f"regency_erasure({code!r})") == {"erasure": "done"}
