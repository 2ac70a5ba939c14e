"""The Idempotency-Key header of POST requests.

The first request with a key claims it (a row with status 0) before doing anything, so a
concurrent retry gets 409 instead of doing the work twice. A successful (2xx) answer is
stored and replayed for the same key and the same request; the same key with a different
request is refused with 409. Failed requests release the key so the client may fix the
request and try again. A claim left behind by a crashed worker expires after a minute.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from functools import wraps

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from aduan.api.errors import Conflict
from aduan.api.models import IdempotentResponse

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
ABANDONED_AFTER = datetime.timedelta(minutes=1)
PENDING = 0
# How long answers are kept for replay unless ADUAN_IDEMPOTENCY_DAYS says otherwise.
DEFAULT_KEEP_DAYS = 7


def idempotent(method):
    """Wrap an APIView `post` method."""

    @wraps(method)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return method(view, request, *args, **kwargs)
        if len(key) > MAX_KEY_LENGTH:
            error = _("At most %(count)d characters.") % {"count": MAX_KEY_LENGTH}
            raise ValidationError({HEADER: error})
        organization = request.auth.organization
        digest = request_hash(request)
        record = _claim(organization, key, digest)
        if record is not None:
            return _replay(record, digest)
        try:
            response = method(view, request, *args, **kwargs)
        except BaseException:
            _release(organization, key)
            raise
        if 200 <= response.status_code < 300:
            IdempotentResponse.objects.filter(organization=organization, key=key).update(
                status_code=response.status_code, body=response.data
            )
            response["Idempotent-Replayed"] = "false"
        else:
            _release(organization, key)
        return response

    return wrapper


def request_hash(request) -> str:
    if request.content_type.startswith("multipart/form-data"):
        canonical = _parts(request)
    else:
        raw = request._request.body  # read before DRF parses it, which caches it
        try:
            canonical = json.dumps(json.loads(raw or b"null"), sort_keys=True).encode()
        except (ValueError, RecursionError):
            canonical = raw
    return hashlib.sha256(request.method.encode() + request.path.encode() + canonical).hexdigest()


def _parts(request) -> bytes:
    """A file upload's fields and files, each file by its name and a digest of its bytes
    (reading the raw body would hold the whole upload in memory)."""
    fields = sorted((key, value) for key, values in request.POST.lists() for value in values)
    files = []
    for key, uploads in request.FILES.lists():
        for upload in uploads:
            digest = hashlib.sha256()
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
            files.append((key, upload.name, digest.hexdigest()))
    return json.dumps([fields, sorted(files)]).encode()


def _claim(organization, key: str, digest: str) -> IdempotentResponse | None:
    """None when this request claimed the key; otherwise the row that holds it."""
    for _attempt in range(2):
        try:
            with transaction.atomic():
                IdempotentResponse.objects.create(
                    organization=organization, key=key, request_hash=digest, status_code=PENDING
                )
            return None
        except IntegrityError:
            record = IdempotentResponse.objects.filter(organization=organization, key=key).first()
            if record is None:
                continue  # released meanwhile: claim again
            if (
                record.status_code == PENDING
                and record.created_at < timezone.now() - ABANDONED_AFTER
            ):
                IdempotentResponse.objects.filter(pk=record.pk, status_code=PENDING).delete()
                continue
            return record
    raise _conflict(_("This Idempotency-Key is in use by another request."), "in_progress")


def _replay(record: IdempotentResponse, digest: str) -> Response:
    if record.status_code == PENDING:
        raise _conflict(
            _("A request with this Idempotency-Key is still being processed."), "in_progress"
        )
    if record.request_hash != digest:
        raise _conflict(_("This Idempotency-Key was used with a different request."), "key_reused")
    response = Response(record.body, status=record.status_code)
    response["Idempotent-Replayed"] = "true"
    return response


def _release(organization, key: str) -> None:
    IdempotentResponse.objects.filter(
        organization=organization, key=key, status_code=PENDING
    ).delete()


def _conflict(message: str, code: str) -> Conflict:
    error = Conflict(message, code=code)
    error.field = HEADER
    return error


def forget_old_answers(now: datetime.datetime) -> int:
    """Delete remembered answers (and abandoned claims) older than the replay window,
    `ADUAN_IDEMPOTENCY_DAYS` (default 7); returns how many went. A retry after that is
    handled as a new request, which `external_id` still keeps from making a second
    report. Safe to run from several workers at once."""
    days = getattr(settings, "ADUAN_IDEMPOTENCY_DAYS", DEFAULT_KEEP_DAYS)
    cutoff = now - datetime.timedelta(days=days)
    deleted, _by_model = IdempotentResponse.objects.filter(created_at__lt=cutoff).delete()
    return deleted


# What a remembered answer keeps once its report's reporter is erased: the ids a client
# retrying the call needs (the report's code and status, the new entry's or file's id).
NAMES_NO_ONE = ("code", "external_id", "status", "anonymous", "confidential", "id", "report")


def forget_reporter_in_answers(report) -> int:
    """Remembered answers about `report` (its creation, the reporter's replies and files
    relayed for it) quote the reporter's name, contacts and words as they were: once the
    reporter is erased they keep only what identifies the report and the entry, so a
    retry is still answered as before but no longer with the reporter. Returns how many
    answers changed."""
    code = report.tracking_code
    answers = IdempotentResponse.objects.filter(Q(body__code=code) | Q(body__report=code))
    changed = 0
    for answer in answers.only("pk", "body"):
        if not isinstance(answer.body, dict):
            continue
        kept = {name: answer.body[name] for name in NAMES_NO_ONE if name in answer.body}
        if kept != answer.body:
            changed += IdempotentResponse.objects.filter(pk=answer.pk).update(body=kept)
    return changed
