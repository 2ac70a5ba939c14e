"""Photos sent in a WhatsApp conversation: downloaded from the Graph API in the
background, cleaned like a web upload and attached once to the report."""

from __future__ import annotations

import datetime
import io
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from PIL import Image

from aduan.channels import media
from aduan.channels.models import WhatsAppMedia
from aduan.lib import http
from aduan.notifications.models import Notification
from aduan.reports import lifecycle
from aduan.reports.attachments import CleanFile
from aduan.reports.lifecycle import Action
from aduan.reports.models import Attachment, Report
from tests.personas import advance, as_user
from tests.test_inbound_whatsapp import SECRET, WHAT, message, say, text

API = "https://graph.example.test/v21.0"
CDN = "https://lookaside.example.test/whatsapp_business/attachments/?mid=777"
TASK_PATH = "aduan.channels.tasks.download_whatsapp_media"
State = WhatsAppMedia.State


@pytest.fixture(autouse=True)
def _graph_api(settings):
    settings.ADUAN_WHATSAPP_APP_SECRET = SECRET
    settings.ADUAN_WHATSAPP_PHONE_NUMBER_ID = "1234567890"
    settings.ADUAN_WHATSAPP_TOKEN = "graph-token"
    settings.ADUAN_WHATSAPP_API_URL = API
    settings.ADUAN_MAX_ATTACHMENT_BYTES = 200_000


def photo(*, size=(64, 48), gps=True) -> bytes:
    """A JPEG with EXIF that says where it was taken, as phone cameras write it."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    if gps:
        exif[0x8825] = {1: "S", 2: (6.0, 12.0, 0.0), 3: "E", 4: (106.0, 48.0, 0.0)}
    exif[0x0110] = "Phone X"  # camera model
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


class FakeGraph:
    """Stands in for `aduan.lib.http.transport`: answers by URL from queues (the last
    answer repeats), and records every request."""

    def __init__(self):
        self.requests: list[http.Request] = []
        self.answers: dict[str, list] = {}

    def answer(self, url: str, *answers) -> None:
        self.answers[url] = list(answers)

    def media(self, media_id="MEDIA-777", *, mime="image/jpeg", size=None, body=None):
        body = photo() if body is None else body
        info = {"url": CDN, "mime_type": mime, "sha256": "x", "id": media_id}
        info["file_size"] = len(body) if size is None else size
        self.answer(f"{API}/{media_id}", http.Response(200, text=_json(info)))
        self.answer(CDN, http.Response(200, content=body))

    def __call__(self, request: http.Request, timeout: float) -> http.Response:
        self.requests.append(request)
        queue = self.answers[request.url]
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def _json(data) -> str:
    import json

    return json.dumps(data)


@pytest.fixture
def graph(monkeypatch):
    fake = FakeGraph()
    monkeypatch.setattr(http, "transport", fake)
    return fake


def report_with_photo(client, captured, *media_ids) -> Report:
    """A citizen's conversation that sends photos and confirms, as Meta delivers it."""
    with captured(execute=True):
        say(client, text("wamid.1", WHAT))
        for number, media_id in enumerate(media_ids or ["MEDIA-777"]):
            say(client, message(f"wamid.p{number}", "image", id=media_id, mime_type="image/jpeg"))
        say(client, text("wamid.3", "Depan balai desa"), text("wamid.4", "ya"))
    return Report.objects.get()


def run_downloads() -> list[str]:
    """What a worker does: run the download tasks that are due, once each."""
    outcomes = []
    for queued in DBTaskResult.objects.ready().filter(task_path=TASK_PATH).order_by("enqueued_at"):
        queued.delete()
        outcomes.append(queued.task.call(*queued.args_kwargs["args"]))
    return outcomes


def test_a_photo_is_downloaded_after_the_webhook_and_attached_without_exif(
    client, db, graph, django_capture_on_commit_callbacks
):
    graph.media()
    report = report_with_photo(client, django_capture_on_commit_callbacks)
    assert graph.requests == []  # the webhook itself calls nobody

    assert run_downloads() == ["attached"]

    attachment = Attachment.objects.get(report=report)
    assert attachment.content_type == "image/jpeg"
    assert attachment.event.action == Action.SUBMIT
    with Image.open(attachment.file) as stored:
        assert stored.size == (64, 48)
        assert not stored.getexif()
    lookup, download = graph.requests
    assert (lookup.method, lookup.url, download.url) == ("GET", f"{API}/MEDIA-777", CDN)
    assert all(r.headers["Authorization"] == "Bearer graph-token" for r in graph.requests)
    assert WhatsAppMedia.objects.get().state == State.ATTACHED


def test_the_report_text_no_longer_carries_media_ids(
    client, db, graph, django_capture_on_commit_callbacks
):
    report = report_with_photo(client, django_capture_on_commit_callbacks)

    assert "MEDIA-777" not in report.body
    assert WhatsAppMedia.objects.get().media_id == "MEDIA-777"


def test_a_photo_announced_as_too_large_is_refused_without_downloading_it(
    client, db, graph, django_capture_on_commit_callbacks, caplog
):
    graph.media(size=5_000_000)
    report = report_with_photo(client, django_capture_on_commit_callbacks)

    with caplog.at_level(logging.WARNING, logger="aduan.channels"):
        assert run_downloads() == ["refused"]

    assert [r.url for r in graph.requests] == [f"{API}/MEDIA-777"]
    assert not Attachment.objects.exists()
    assert Report.objects.get().pk == report.pk
    assert "not kept" in caplog.text
    row = WhatsAppMedia.objects.get()
    assert row.state == State.REFUSED
    told = Notification.objects.get(key__contains=f"media:{row.pk}")
    assert report.tracking_code in told.short


def test_a_photo_larger_than_announced_is_cut_off_and_refused(
    client, db, graph, django_capture_on_commit_callbacks
):
    graph.media(size=1000, body=photo(size=(10, 10)) + b"\0" * 300_000)
    report_with_photo(client, django_capture_on_commit_callbacks)

    assert run_downloads() == ["refused"]
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    "mime, body",
    [
        ("application/pdf", b"%PDF-1.4 ... %%EOF"),
        ("image/jpeg", b"MZ\x90\x00 this is a program, not a photo"),
        ("image/jpeg", b"%PDF-1.4\n1 0 obj\n%%EOF"),
    ],
)
def test_something_that_is_not_a_photo_is_refused_and_the_report_stands(
    client, db, graph, django_capture_on_commit_callbacks, mime, body
):
    graph.media(mime=mime, body=body)
    report_with_photo(client, django_capture_on_commit_callbacks)

    assert run_downloads() == ["refused"]

    assert not Attachment.objects.exists()
    assert Report.objects.get().status == "submitted"


def test_a_transient_error_is_retried_later_and_the_photo_attached_once(
    client, db, graph, django_capture_on_commit_callbacks
):
    graph.media()
    graph.answer(
        f"{API}/MEDIA-777",
        http.Response(503, text="busy"),
        http.Response(200, text=_json({"url": CDN, "mime_type": "image/jpeg"})),
    )
    report_with_photo(client, django_capture_on_commit_callbacks)

    assert run_downloads() == ["retry"]
    row = WhatsAppMedia.objects.get()
    assert (row.state, row.attempts) == (State.PENDING, 1)
    assert run_downloads() == []  # the retry waits for its time
    with time_machine.travel(row.next_attempt_at + datetime.timedelta(seconds=1)):
        assert run_downloads() == ["attached"]
        media.enqueue_downloads([row.pk])  # a redelivered task
        assert run_downloads() == ["skipped"]
        assert media.retry_media_downloads() == 0

    assert Attachment.objects.count() == 1


def test_no_answer_at_all_is_retried_until_the_attempts_run_out(
    client, db, graph, django_capture_on_commit_callbacks
):
    graph.answer(f"{API}/MEDIA-777", http.HttpError("graph.example.test: ConnectTimeout"))
    report_with_photo(client, django_capture_on_commit_callbacks)

    outcomes = []
    for _attempt in range(media.MAX_ATTEMPTS):
        row = WhatsAppMedia.objects.get()
        with time_machine.travel(row.next_attempt_at + datetime.timedelta(seconds=1)):
            outcomes += run_downloads()

    assert outcomes == ["retry"] * (media.MAX_ATTEMPTS - 1) + ["refused"]
    assert WhatsAppMedia.objects.get().state == State.REFUSED


def test_a_photo_another_worker_is_downloading_is_not_claimed_twice(
    client, db, graph, django_capture_on_commit_callbacks, monkeypatch
):
    graph.media()
    report_with_photo(client, django_capture_on_commit_callbacks)
    row = WhatsAppMedia.objects.get()
    inner = []
    real_download = media.download

    def download_while_another_worker_tries(claimed):
        inner.append(media.fetch_and_attach(claimed.pk))
        return real_download(claimed)

    monkeypatch.setattr(media, "download", download_while_another_worker_tries)

    assert media.fetch_and_attach(row.pk) == "attached"
    assert inner == ["skipped"]
    assert Attachment.objects.count() == 1


def test_a_worker_whose_lease_ran_out_does_not_attach_a_second_copy(
    client, db, graph, django_capture_on_commit_callbacks, monkeypatch
):
    graph.media()
    report_with_photo(client, django_capture_on_commit_callbacks)
    row = WhatsAppMedia.objects.get()
    DBTaskResult.objects.all().delete()  # this first worker has taken the enqueued task
    real_download = media.download
    second = []
    stalled = []

    def slow_download(claimed):
        if not stalled:
            stalled.append(claimed.pk)
            # This worker stalls past its lease; the sweep hands the photo to another.
            with time_machine.travel(timezone.now() + media.LEASE * 2):
                media.retry_media_downloads()
                second.append(run_downloads())
        return real_download(claimed)

    monkeypatch.setattr(media, "download", slow_download)

    assert media.fetch_and_attach(row.pk) == "skipped"
    assert second == [["attached"]]
    assert Attachment.objects.count() == 1


def test_only_as_many_photos_as_a_report_may_carry_are_attached(
    client, db, graph, django_capture_on_commit_callbacks, settings
):
    settings.ADUAN_MAX_ATTACHMENTS = 1
    graph.media("MEDIA-1")
    graph.media("MEDIA-2")
    report_with_photo(client, django_capture_on_commit_callbacks, "MEDIA-1", "MEDIA-2")

    assert run_downloads() == ["attached"]
    assert list(WhatsAppMedia.objects.values_list("media_id", flat=True)) == ["MEDIA-1"]
    assert [r.url for r in graph.requests] == [f"{API}/MEDIA-1", CDN]
    assert Attachment.objects.count() == 1


def test_a_report_that_got_files_meanwhile_keeps_no_more_than_its_limit(
    client, db, graph, django_capture_on_commit_callbacks, settings
):
    graph.media()
    report = report_with_photo(client, django_capture_on_commit_callbacks)
    settings.ADUAN_MAX_ATTACHMENTS = 0  # as if the report were full already

    assert run_downloads() == ["refused"]
    assert not Attachment.objects.filter(report=report).exists()


def test_files_of_other_timeline_entries_do_not_count_against_the_reporters_photos(
    client, world, graph, django_capture_on_commit_callbacks, settings
):
    settings.ADUAN_MAX_ATTACHMENTS = 1
    graph.media()
    report = report_with_photo(client, django_capture_on_commit_callbacks)
    scan = CleanFile("surat.pdf", "application/pdf", b"%PDF-1.4 x")
    lifecycle.add_note(report, as_user(world.national_admin), "Surat camat.", files=[scan])

    assert run_downloads() == ["attached"]
    assert report.attachments.filter(event__action=Action.SUBMIT).count() == 1
    assert report.attachments.count() == 2


def test_a_photo_that_arrives_after_the_report_was_archived_is_refused_and_the_citizen_told(
    client, world, graph, django_capture_on_commit_callbacks
):
    graph.media()
    report = report_with_photo(client, django_capture_on_commit_callbacks)
    advance(world, report, "archived")

    assert run_downloads() == ["refused"]
    assert not report.attachments.exists()
    row = WhatsAppMedia.objects.get()
    assert "ditutup" in row.error
    assert Notification.objects.filter(key__contains=f"media:{row.pk}").exists()


def test_the_sweep_enqueues_due_photos_only(client, db, graph, django_capture_on_commit_callbacks):
    report_with_photo(client, django_capture_on_commit_callbacks)
    DBTaskResult.objects.all().delete()  # as if the web process died before enqueueing

    assert media.retry_media_downloads() == 1
    WhatsAppMedia.objects.update(state=State.ATTACHED)
    assert media.retry_media_downloads() == 0


# --- http.get on the real transport -----------------------------------------------------


class _Server(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self):  # noqa: N802 (the stdlib's name)
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args):
        pass


@pytest.fixture
def local_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Server)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/media"
    server.shutdown()
    server.server_close()


def test_the_real_transport_downloads_bytes_and_stops_past_the_limit(local_server):
    _Server.body = photo()

    got = http.get(local_server, headers={"Authorization": "Bearer t"}, max_bytes=100_000)
    _Server.body = b"x" * 300_000
    with pytest.raises(http.TooLarge):
        http.get(local_server, max_bytes=100_000)

    assert got.ok
    assert got.content == photo()


def test_an_endless_announced_size_is_taken_as_unknown(
    client, db, graph, django_capture_on_commit_callbacks
):
    graph.media(size=float("inf"))  # "Infinity" in the JSON: no whole number of bytes
    report_with_photo(client, django_capture_on_commit_callbacks)

    assert run_downloads() == ["attached"]


def test_a_lookup_answer_too_large_to_read_is_retried_like_a_failed_one(
    client, db, graph, django_capture_on_commit_callbacks
):
    graph.media()
    graph.answer(
        f"{API}/MEDIA-777", http.Response(200, content=b"{" + b" " * media.METADATA_BYTES + b"}")
    )
    report_with_photo(client, django_capture_on_commit_callbacks)

    assert run_downloads() == ["retry"]
    assert WhatsAppMedia.objects.get().state == State.PENDING
