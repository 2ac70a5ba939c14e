"""Photos of WhatsApp reports: fetched from the Cloud API after the report exists, cleaned
like a web upload, and attached to it.

The webhook only records each photo's media id (a WhatsAppMedia row) and enqueues a task
once its transaction commits, so Meta gets its 200 at once. The task asks the Graph API
for the photo's download URL, downloads it with the same bearer token, and attaches it.
Each run first claims the row with a conditional UPDATE (a lease), so two workers never
download the same photo at once, and the attachment is written in the same transaction
that marks the row ATTACHED, so a retried or redelivered task never attaches twice.
Transient failures (no answer, 5xx, 429) are retried with backoff; a photo that is not a
photo, is too large or is gone is refused for good, logged, and the citizen is told.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aduan.channels.intake import add_to_submission
from aduan.channels.models import WhatsAppMedia
from aduan.channels.replies import BytesUpload, answer, logger
from aduan.lib import http
from aduan.notifications.models import Medium
from aduan.reports.attachments import IMAGE_TYPES, AttachmentError, CleanFile, clean_upload
from aduan.reports.lifecycle import TransitionError
from aduan.reports.models import Report
from aduan.system.logformat import log_moment

State = WhatsAppMedia.State
MAX_ATTEMPTS = 6
FIRST_RETRY = datetime.timedelta(minutes=1)
LEASE = datetime.timedelta(minutes=10)  # longer than two downloads at their timeouts
METADATA_BYTES = 64 * 1024
RETRYABLE_STATUSES = frozenset({408, 425, 429})
EXTENSION = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


class MediaError(Exception):
    """The photo was not fetched; `retryable` says whether a later attempt could help.
    The message is for the log; `told` is what the citizen reads when we give up."""

    def __init__(self, message: str, *, retryable: bool, told: str = ""):
        super().__init__(message)
        self.retryable = retryable
        self.told = told


def queue_downloads(report: Report, media_ids: list[str]) -> None:
    """Record the photos of a WhatsApp report and fetch them once the transaction
    commits: a new report's, or one the reporter sent later (they join it as files the
    reporter added). Only as many photos as a report may carry (ADUAN_MAX_ATTACHMENTS)
    are fetched; the rest are not kept."""
    wanted = list(dict.fromkeys(media_ids))
    held = WhatsAppMedia.objects.filter(report=report).count()
    if len(wanted) > settings.ADUAN_MAX_ATTACHMENTS:
        logger.info(
            "WhatsApp report %s: %d photos beyond the limit not kept",
            report.tracking_code,
            len(wanted) - settings.ADUAN_MAX_ATTACHMENTS,
        )
    rows = [
        WhatsAppMedia.objects.get_or_create(
            report=report, media_id=media_id, defaults={"position": position}
        )[0]
        for position, media_id in enumerate(wanted[: settings.ADUAN_MAX_ATTACHMENTS], held + 1)
    ]
    ids = [row.pk for row in rows if row.state == State.PENDING]
    if ids:
        transaction.on_commit(lambda: enqueue_downloads(ids))


def enqueue_downloads(ids: list[int], *, run_after: datetime.datetime | None = None) -> None:
    from aduan.channels.tasks import download_whatsapp_media

    task = download_whatsapp_media
    if run_after is not None:
        if not task.get_backend().supports_defer:
            return  # retry_media_downloads picks the photo up once it is due
        task = task.using(run_after=run_after)
    for pk in ids:
        task.enqueue(pk)


def retry_media_downloads(now: datetime.datetime | None = None, limit: int = 500) -> int:
    """Enqueue every photo whose retry time has come or whose worker died mid-download
    (its lease ran out). For the periodic scan; a photo enqueued twice is still claimed
    once. Returns how many were enqueued."""
    ids = list(
        WhatsAppMedia.objects.filter(
            state=State.PENDING, next_attempt_at__lte=now or timezone.now()
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    enqueue_downloads(ids)
    return len(ids)


def fetch_and_attach(pk: int) -> str:
    """Download photo `pk` and attach it to its report; returns what happened.

    Call outside any transaction: the claim, the download and the outcome are separate
    steps, and no transaction is held open across the Graph API calls."""
    row = _claim(pk)
    if row is None:
        return "skipped"  # attached or refused already, not due, or another worker has it
    try:
        with translation.override("id"):
            clean = download(row)
    except MediaError as exc:
        return _failed(row, exc)
    return _attach(row, clean)


def _claim(pk: int) -> WhatsAppMedia | None:
    now = timezone.now()
    claimed = WhatsAppMedia.objects.filter(
        pk=pk, state=State.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + LEASE, attempts=F("attempts") + 1)
    return WhatsAppMedia.objects.select_related("report").get(pk=pk) if claimed else None


def download(row: WhatsAppMedia) -> CleanFile:
    """The photo's cleaned bytes (re-encoded, without EXIF), or MediaError."""
    token = settings.ADUAN_WHATSAPP_TOKEN
    if not token:
        raise MediaError("WhatsApp is not configured (ADUAN_WHATSAPP_TOKEN)", retryable=False)
    headers = {"Authorization": f"Bearer {token}"}
    limit = settings.ADUAN_MAX_ATTACHMENT_BYTES
    api = settings.ADUAN_WHATSAPP_API_URL.rstrip("/")
    try:
        info = _json(_get(f"{api}/{row.media_id}", headers, METADATA_BYTES, "media lookup"))
    except http.TooLarge:
        raise MediaError("media lookup: the answer is too large", retryable=True) from None
    mime = str(info.get("mime_type", "")).split(";")[0].strip().lower()
    name = f"whatsapp-{row.position}.{EXTENSION.get(mime, 'jpg')}"
    if mime not in IMAGE_TYPES:
        raise _refused(
            f"media type {mime or '?'}", _("“%(name)s” is not a photo.") % {"name": name}
        )
    size = _size(info.get("file_size"))
    if size > limit:
        raise _refused(f"{size} bytes", _too_large(name, size, limit))
    if not isinstance(info.get("url"), str) or not info["url"].startswith("https://"):
        raise MediaError("media lookup: no https download URL in the answer", retryable=True)
    try:
        data = _get(info["url"], headers, limit, "media download").content
    except http.TooLarge:
        raise _refused(f"over {limit} bytes", _too_large(name, limit + 1, limit)) from None
    try:
        clean = clean_upload(BytesUpload(name, data))
    except AttachmentError as exc:
        raise _refused("refused by the attachment check", str(exc)) from exc
    if clean.content_type not in IMAGE_TYPES:  # a PDF passes clean_upload, not this
        raise _refused(clean.content_type, _("“%(name)s” is not a photo.") % {"name": name})
    return clean


def _get(url: str, headers: dict, max_bytes: int, what: str) -> http.Response:
    """Raises http.TooLarge as is: only the caller knows what was too large."""
    try:
        response = http.get(url, headers=headers, max_bytes=max_bytes)
    except http.HttpError as exc:
        raise MediaError(f"{what}: {exc}", retryable=True) from exc
    if not response.ok:
        retryable = response.status >= 500 or response.status in RETRYABLE_STATUSES
        raise MediaError(f"{what}: HTTP {response.status}", retryable=retryable)
    return response


def _json(response: http.Response) -> dict:
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise MediaError("media lookup: the answer is not a JSON object", retryable=True)
    return data


def _size(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an infinite float
        return 0  # unknown: the download itself stops at the limit


def _too_large(name: str, size: int, limit: int) -> str:
    return _("“%(name)s” is too large (%(size)s); the limit is %(limit)s.") % {
        "name": name,
        "size": filesizeformat(size),
        "limit": filesizeformat(limit),
    }


def _refused(detail: str, told: str) -> MediaError:
    return MediaError(f"{detail}: {told}", retryable=False, told=told)


def _attach(row: WhatsAppMedia, clean: CleanFile) -> str:
    with transaction.atomic():
        locked = WhatsAppMedia.objects.select_for_update().get(pk=row.pk)
        if locked.state != State.PENDING:
            return "skipped"  # a worker whose lease ran out finished it meanwhile
        report = locked.report
        try:
            # The same rule as a photo sent through the API: the report row is locked
            # while the submission's files are counted, so two workers cannot both add
            # the last one.
            (locked.attachment,) = add_to_submission(report, [clean])
        except AttachmentError:
            with translation.override("id"):
                told = _("“%(name)s”: at most %(count)d files are kept.") % {
                    "name": clean.name,
                    "count": settings.ADUAN_MAX_ATTACHMENTS,
                }
            return _refuse(locked, told, told)
        except TransitionError:
            with translation.override("id"):
                told = _("“%(name)s” came after the report was closed; it is not kept.") % {
                    "name": clean.name
                }
            return _refuse(locked, told, told)
        locked.state, locked.error = State.ATTACHED, ""
        locked.save(update_fields=["attachment", "state", "error"])
    logger.info("WhatsApp photo attached to report %s", report.tracking_code)
    return "attached"


def _failed(row: WhatsAppMedia, exc: MediaError) -> str:
    if not exc.retryable or row.attempts >= MAX_ATTEMPTS:
        with transaction.atomic():
            locked = WhatsAppMedia.objects.select_for_update().get(pk=row.pk)
            if locked.state != State.PENDING:
                return "skipped"
            return _refuse(locked, str(exc), exc.told)
    retry_at = timezone.now() + FIRST_RETRY * 2 ** (row.attempts - 1)
    WhatsAppMedia.objects.filter(pk=row.pk, state=State.PENDING).update(
        next_attempt_at=retry_at, error=str(exc)[:300]
    )
    logger.warning("WhatsApp photo %s: %s; retrying at %s", row.pk, exc, log_moment(retry_at))
    enqueue_downloads([row.pk], run_after=retry_at)
    return "retry"


def _refuse(row: WhatsAppMedia, reason: str, told: str) -> str:
    """Give up on a photo (call with the row locked): the report stands without it, the
    reason is logged and the citizen is told on WhatsApp."""
    row.state, row.error = State.REFUSED, reason[:300]
    row.save(update_fields=["state", "error"])
    report = row.report
    logger.warning("WhatsApp photo of report %s not kept: %s", report.tracking_code, reason)
    if report.guest_phone:
        with translation.override("id"):
            reason = told or _("it could not be downloaded from WhatsApp.")
            notice = _(
                "A photo you sent for report %(code)s could not be kept: %(reason)s You can "
                "add photos on the report's page."
            ) % {"code": report.tracking_code, "reason": reason}
        answer(Medium.WHATSAPP, report.guest_phone, notice, key=f"media:{row.pk}", report=report)
    return "refused"
