"""Checking and cleaning uploaded files before they are stored.

The type is decided by the file's content, never its name. Images are decoded and
re-encoded from their pixels, which drops EXIF (GPS position, camera serial), XMP and
any trailing payload; PDFs are accepted only when they parse as a PDF document, and are
written anew without their metadata (author, title, XMP).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

if TYPE_CHECKING:
    from aduan.reports.models import Attachment, Report, ReportEvent

IMAGE_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
PDF_TYPE = "application/pdf"
MAX_PIXELS = 40_000_000
# A phone's 4000 × 3000 photo is 4–5 MB: a minute and a half to open on a slow mobile
# connection. 2048 pixels on the long side still shows a pothole, a plate or a document
# clearly, in a fifth of the bytes. ADUAN_IMAGE_MAX_SIDE changes it.
DEFAULT_MAX_SIDE = 2048
EXTENSIONS = {"image/jpeg": {"jpg", "jpeg"}, "image/png": {"png"}, "image/webp": {"webp"}}
# The extension a stored file of each accepted type gets.
STORED_EXTENSION = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", PDF_TYPE: "pdf"}


class AttachmentError(ValueError):
    """The file cannot be accepted; the message names the file and says why."""


@dataclass
class CleanFile:
    name: str
    content_type: str
    data: bytes

    def as_django_file(self) -> ContentFile:
        return ContentFile(self.data, name=self.name)


def clean_upload(upload) -> CleanFile:
    """Validate one uploaded file and return its cleaned bytes, or raise AttachmentError."""
    name = (getattr(upload, "name", "") or "file")[-200:]
    limit = settings.ADUAN_MAX_ATTACHMENT_BYTES
    if upload.size > limit:
        raise AttachmentError(
            _("“%(name)s” is too large (%(size)s); the limit is %(limit)s.")
            % {"name": name, "size": filesizeformat(upload.size), "limit": filesizeformat(limit)}
        )
    upload.seek(0)
    data = upload.read()
    if not data:
        raise AttachmentError(_("“%(name)s” is empty.") % {"name": name})
    kind = filetype.guess(data)
    mime = kind.mime if kind else ""
    if mime in IMAGE_TYPES:
        _check_extension(name, mime)
        return CleanFile(name, mime, _reencode_image(data, mime, name))
    if mime == PDF_TYPE:
        if not name.lower().endswith(".pdf"):
            raise _mismatch(name)
        _check_pdf(data, name)
        return CleanFile(name, PDF_TYPE, _without_pdf_metadata(data, name))
    raise AttachmentError(
        _("“%(name)s” is not a photo (JPEG, PNG, WebP) or a PDF document.") % {"name": name}
    )


def _mismatch(name: str) -> AttachmentError:
    return AttachmentError(
        _("The content of “%(name)s” does not match its file name.") % {"name": name}
    )


def _check_extension(name: str, mime: str) -> None:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in EXTENSIONS[mime]:
        raise _mismatch(name)


def _reencode_image(data: bytes, mime: str, name: str) -> bytes:
    try:
        with warnings.catch_warnings():
            # Pillow only warns below twice its own limit; ours is lower and enforced here.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
        with probe:
            if probe.width * probe.height > MAX_PIXELS:
                raise AttachmentError(_("“%(name)s” has too many pixels.") % {"name": name})
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            if mime == "image/jpeg" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            side = getattr(settings, "ADUAN_IMAGE_MAX_SIDE", DEFAULT_MAX_SIDE)
            if max(image.size) > side:
                image = image.copy() if image.mode == "P" else image
                image.thumbnail((side, side), Image.Resampling.LANCZOS)
            # A fresh image carries pixels only: no EXIF, XMP, ICC comments or trailers.
            clean = Image.frombytes(image.mode, image.size, image.tobytes())
            options = {"quality": 85, "optimize": True}
            if image.mode == "P":
                clean.putpalette(image.getpalette())
                # Transparency is part of the picture, not metadata: keep it.
                if "transparency" in image.info:
                    options["transparency"] = image.info["transparency"]
            out = io.BytesIO()
            clean.save(out, format=IMAGE_TYPES[mime], **options)
            return out.getvalue()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise AttachmentError(_("“%(name)s” is not a readable image.") % {"name": name}) from exc


def _check_pdf(data: bytes, name: str) -> None:
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-2048:]:
        raise AttachmentError(_("“%(name)s” is not a complete PDF document.") % {"name": name})


def _without_pdf_metadata(data: bytes, name: str) -> bytes:
    """The document written anew without its information dictionary and XMP metadata:
    word processors put the account owner's name in /Author, scanners a title, and a
    public or anonymous report must not carry them. Rewriting also drops anything
    appended after the document. A PDF that cannot be read (or is locked by a password)
    is refused: nobody could open it, and its metadata could not be taken out."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError

    unreadable = _("“%(name)s” is not a readable PDF document.") % {"name": name}
    try:
        reader = PdfReader(io.BytesIO(data))
        locked = reader.is_encrypted
    except (PyPdfError, ValueError, KeyError, TypeError, RecursionError) as exc:
        raise AttachmentError(unreadable) from exc
    if locked:
        raise AttachmentError(
            _("“%(name)s” is protected by a password; send it without one.") % {"name": name}
        )
    out = io.BytesIO()
    try:
        writer = PdfWriter(clone_from=reader)
        writer.metadata = None
        writer.root_object.pop("/Metadata", None)
        writer.write(out)
    except (PyPdfError, ValueError, KeyError, TypeError, RecursionError) as exc:
        raise AttachmentError(unreadable) from exc
    return out.getvalue()


def clean_uploads(uploads) -> list[CleanFile]:
    uploads = [u for u in uploads if u]
    if len(uploads) > settings.ADUAN_MAX_ATTACHMENTS:
        raise AttachmentError(
            _("Attach at most %(count)d files.") % {"count": settings.ADUAN_MAX_ATTACHMENTS}
        )
    return [clean_upload(u) for u in uploads]


def store_attachment(report: Report, event: ReportEvent | None, clean: CleanFile) -> Attachment:
    """Store a checked file on `report`, shown with `event` on its timeline."""
    from aduan.reports.models import Attachment

    return Attachment.objects.create(
        report=report,
        event=event,
        file=clean.as_django_file(),
        original_name=clean.name,
        content_type=clean.content_type,
        size=len(clean.data),
    )
