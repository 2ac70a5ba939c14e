"""A real HTTP server that plays an SMS gateway and the WhatsApp Cloud API, for tests and
benchmarks.

It listens on 127.0.0.1 on a free port in a background thread, records every request,
and treats the Idempotency-Key header as providers that honour it do: a key seen before
is acknowledged again (200, same message id) but not counted as a new message. It can
answer the first N requests with 503 and delay every answer, to play a provider that is
down for a while or slow.

    with FakeGateway(delay=0.02) as gateway:
        settings.ADUAN_SMS_GATEWAY_URL = gateway.sms_url
        ...
        assert gateway.delivered["key"] == 1
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    payload: object
    status: int

    @property
    def key(self) -> str:
        return self.headers.get("Idempotency-Key", "")


class FakeGateway:
    def __init__(self, *, delay: float = 0.0, fail_first: int = 0, fail_status: int = 503):
        self.delay = delay
        self.fail_first = fail_first
        self.fail_status = fail_status
        self.requests: list[Received] = []
        # Requests per key, and new messages per key (at most 1 each: the point).
        self.received: Counter[str] = Counter()
        self.delivered: Counter[str] = Counter()
        self._message_ids: dict[str, str] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- Addresses to configure Aduan with ------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def sms_url(self) -> str:
        return f"{self.url}/sms/send"

    @property
    def whatsapp_api_url(self) -> str:
        """The value for ADUAN_WHATSAPP_API_URL (the phone number id follows it)."""
        return f"{self.url}/whatsapp"

    @property
    def delivered_count(self) -> int:
        with self._lock:
            return len(self.delivered)

    # --- Lifecycle ------------------------------------------------------------------

    def start(self) -> FakeGateway:
        self._server = _Server(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def __enter__(self) -> FakeGateway:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # --- Answering ------------------------------------------------------------------

    def answer(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict]:
        try:
            payload = json.loads(body or b"null")
        except ValueError:
            payload = None
        key = headers.get("Idempotency-Key", "")
        with self._lock:
            number = len(self.requests) + 1
            if number <= self.fail_first:
                status, answer = self.fail_status, {"error": "temporarily unavailable"}
            elif not isinstance(payload, dict):
                status, answer = 400, {"error": "a JSON object is required"}
            else:
                status = 200
                if key not in self._message_ids or not key:
                    self._message_ids[key] = f"m{number}"
                    self.delivered[key] += 1
                answer = _acknowledgement(path, payload, self._message_ids[key])
            self.requests.append(Received(path, headers, payload, status))
            self.received[key] += 1
        return status, answer


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # A client killed mid-request (the crash test does it on purpose) is no error.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def _acknowledgement(path: str, payload: dict, message_id: str) -> dict:
    if path.startswith("/whatsapp/"):
        to = payload.get("to", "")
        return {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": to}],
            "messages": [{"id": f"wamid.{message_id}"}],
        }
    return {"id": f"sms-{message_id}", "status": "accepted"}


def _handler_for(gateway: FakeGateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # HTTP/1.1 keeps connections open, as real providers do, so clients reuse them.
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; with Nagle's algorithm the body would
        # wait for the client's delayed ACK (40 ms) on every answer.
        disable_nagle_algorithm = True

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            # The message counts as received before the (slow) answer goes back: like a
            # provider that accepted it when the sender's process died waiting.
            headers = {name.title(): value for name, value in self.headers.items()}
            status, answer = gateway.answer(self.path, headers, body)
            if gateway.delay:
                time.sleep(gateway.delay)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format, *args) -> None:  # noqa: A002 (the base's signature)
            pass

    return Handler
