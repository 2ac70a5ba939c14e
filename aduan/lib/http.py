"""Outbound HTTP: the one place Aduan talks to other servers.

Message providers (WhatsApp Cloud API, SMS gateways) and webhooks all call `post_json`;
files sent to a connected instance go through `post_file` (and are hidden there with
`delete`); downloads (WhatsApp media, a
connected instance's files) call `get`. Everything goes through the module-level
`transport`, a plain function from `Request` to `Response`, so tests replace it
(monkeypatch `aduan.lib.http.transport`) instead of mocking a library. The real transport
keeps one `requests.Session` per process, so connections to a provider are reused
between messages.
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

USER_AGENT = "Aduan/1.0"


class HttpError(Exception):
    """The request got no HTTP answer at all: refused, timed out, name not found, TLS.

    The message names the host and the reason, never the headers (they carry tokens).
    """


class Refused(HttpError):
    """The destination is not one this server may call (`public_destination`)."""


class TooLarge(Exception):
    """The answer's body is longer than the caller's `max_bytes`; reading stopped there."""


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes
    # A download stops (TooLarge) past this many bytes; None reads any body.
    max_bytes: int | None = None
    # An address an organization typed (a webhook): refused when its host is in this
    # server's own or a private network (`public_destination`).
    public_only: bool = False

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Response:
    status: int
    text: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes = b""  # the raw body; set by `get`, whose answers may not be text

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        """The body as JSON; ValueError when it is not JSON."""
        return json.loads(self.text or self.content)


Transport = Callable[[Request, float], Response]

_local = threading.local()


def _session() -> requests.Session:
    # One session per process (and thread: requests does not promise that a Session is
    # thread-safe), recreated after a fork so children never share a parent's sockets.
    session = getattr(_local, "session", None)
    if session is None or _local.pid != os.getpid():
        session = requests.Session()
        _local.session, _local.pid = session, os.getpid()
    return session


def public_destination(url: str) -> str:
    """The address to connect to for `url`, once every address its host resolves to is
    known to be on the public internet; Refused otherwise. An agency admin who may type
    a webhook address must not make this server call its own services, the cloud's
    metadata address or the office network behind it, nor learn from the delivery log
    which of their ports answer."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        found = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise HttpError(f"{host}: the name cannot be resolved") from exc
    addresses = [address[0].split("%")[0] for *_rest, address in found]
    if not addresses or not all(ipaddress.ip_address(a).is_global for a in addresses):
        raise Refused(f"{host}: refused: the address is in a local or private network")
    return addresses[0]


class _CheckedHostAdapter(HTTPAdapter):
    """Connects to an address checked beforehand while speaking TLS to the host's name
    (SNI and the certificate's name), so the name is not resolved a second time — a
    name that answered a public address to the check cannot answer 127.0.0.1 to the
    connection (DNS rebinding)."""

    def __init__(self, hostname: str):
        self.hostname = hostname
        super().__init__()

    def init_poolmanager(self, connections, maxsize, block=False, **pool_kwargs):
        pool_kwargs.update(server_hostname=self.hostname, assert_hostname=self.hostname)
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)


def _to_checked_address(request: Request) -> tuple[requests.Session, str, dict[str, str]]:
    parts = urlsplit(request.url)
    address = public_destination(request.url)
    shown = f"[{address}]" if ":" in address else address
    netloc = f"{shown}:{parts.port}" if parts.port else shown
    url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    session = requests.Session()
    session.mount("https://", _CheckedHostAdapter(parts.hostname or ""))
    return session, url, {**request.headers, "Host": parts.netloc.rsplit("@", 1)[-1]}


def _requests_transport(request: Request, timeout: float) -> Response:
    streamed = request.method == "GET"
    session, url, headers = _session(), request.url, request.headers
    if request.public_only:
        session, url, headers = _to_checked_address(request)
    try:
        answer = session.request(
            request.method,
            url,
            data=request.body,
            headers=headers,
            timeout=timeout,
            # A provider that redirects a POST is misconfigured; following would turn the
            # POST into a GET and report success for a message that never went out.
            # Downloads may be served from elsewhere (a CDN) and are safe to follow.
            allow_redirects=streamed,
            stream=streamed,
        )
        if not streamed:
            return Response(
                status=answer.status_code, text=answer.text, headers=dict(answer.headers)
            )
        with answer:
            content = _read_limited(answer, request.max_bytes)
    except requests.RequestException as exc:
        host = urlsplit(request.url).netloc or request.url
        raise HttpError(f"{host}: {type(exc).__name__}: {_reason(exc)}") from exc
    finally:
        if request.public_only:
            session.close()  # one connection to one checked address: not kept
    return Response(status=answer.status_code, headers=dict(answer.headers), content=content)


def _read_limited(answer: requests.Response, max_bytes: int | None) -> bytes:
    # Read in chunks so a huge (or endless) body is cut off, not held in memory whole.
    chunks, size = [], 0
    for chunk in answer.iter_content(chunk_size=64 * 1024):
        size += len(chunk)
        if max_bytes is not None and size > max_bytes:
            raise TooLarge(f"more than {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _reason(exc: Exception) -> str:
    # requests nests urllib3's errors several levels deep; the innermost says what failed.
    while exc.args and isinstance(exc.args[0], Exception):
        exc = exc.args[0]
    reason = getattr(exc, "reason", None)
    return str(reason or exc)[:300]


transport: Transport = _requests_transport


def post_json(
    url: str, payload: Any, *, headers: dict[str, str] | None = None, timeout: float = 10
) -> Response:
    """POST `payload` as JSON to `url` and return the answer, whatever its status.

    Raises HttpError when no answer came back.
    """
    request = Request(
        method="POST",
        url=url,
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
            **(headers or {}),
        },
        body=json.dumps(payload, ensure_ascii=False).encode(),
    )
    return transport(request, timeout)


def post_file(
    url: str,
    *,
    field_name: str,
    file_name: str,
    content_type: str,
    content: bytes,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> Response:
    """POST one file as `multipart/form-data` (one part named `field_name`) and return
    the answer, whatever its status. Raises HttpError when no answer came back."""
    boundary = f"aduan-{uuid.uuid4().hex}"
    quoted = file_name.replace("\\", "_").replace('"', "_").replace("\r", "").replace("\n", "")
    body = b"".join(
        [
            f"--{boundary}\r\n".encode(),
            f'Content-Disposition: form-data; name="{field_name}"; '.encode(),
            f'filename="{quoted}"\r\n'.encode(),
            f"Content-Type: {content_type}\r\n\r\n".encode(),
            content,
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    request = Request(
        method="POST",
        url=url,
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
            **(headers or {}),
        },
        body=body,
    )
    return transport(request, timeout)


def get(
    url: str,
    *,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
    max_bytes: int | None = None,
) -> Response:
    """GET `url` and return the answer (its body in `content`), whatever its status.

    Raises HttpError when no answer came back, TooLarge when the body is longer than
    `max_bytes` (checked here too, so a replaced transport need not enforce it).
    """
    request = Request(
        method="GET",
        url=url,
        headers={"User-Agent": USER_AGENT, **(headers or {})},
        body=b"",
        max_bytes=max_bytes,
    )
    response = transport(request, timeout)
    if max_bytes is not None and len(response.content) > max_bytes:
        raise TooLarge(f"more than {max_bytes} bytes")
    return response


def delete(url: str, *, headers: dict[str, str] | None = None, timeout: float = 10) -> Response:
    """DELETE `url` and return the answer, whatever its status.

    Raises HttpError when no answer came back.
    """
    request = Request(
        method="DELETE",
        url=url,
        headers={"Accept": "application/json", "User-Agent": USER_AGENT, **(headers or {})},
        body=b"",
    )
    return transport(request, timeout)
