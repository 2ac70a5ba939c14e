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
        _scrub_pdf_objects(writer.root_object)
        # What the scrub cut loose (an XMP stream, an embedded file) would still be
        # written: only what the document still refers to is.
        writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
        writer.write(out)
    except (PyPdfError, ValueError, KeyError, TypeError, RecursionError) as exc:
        raise AttachmentError(unreadable) from exc
    return out.getvalue()


# Keys that carry who made a document, where, or something else than its pages: XMP
# metadata on any object (pages and images too), an application's private data,
# embedded files, scripts and actions run on opening.
_PDF_PRIVATE_KEYS = ("/Metadata", "/PieceInfo", "/EmbeddedFiles", "/JavaScript", "/AF")
_PDF_ACTIONS = ("/OpenAction", "/AA")
# Annotations whose /T is their author (a form field's /T is its name: kept).
_PDF_MARKUP = {
    "/Text", "/FreeText", "/Line", "/Square", "/Circle", "/Polygon", "/PolyLine",
    "/Highlight", "/Underline", "/Squiggly", "/StrikeOut", "/Stamp", "/Caret", "/Ink",
    "/FileAttachment", "/Sound", "/Redact",
}  # fmt: skip


def _scrub_pdf_objects(root) -> None:
    """Take out of every object reachable from the document's root what tells who made
    it and where: XMP metadata, private application data, embedded and attached files,
    scripts, the authors of comments, and the EXIF, XMP and comment segments of the
    JPEG photos inside (scanner and "image to PDF" apps store a phone's photo byte for
    byte, its GPS position included). The pages and pictures stay as they are."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, StreamObject

    seen: set[int] = set()
    stack = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            item = item.get_object()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, DictionaryObject):
            for key in (*_PDF_PRIVATE_KEYS, *_PDF_ACTIONS):
                item.pop(key, None)
            if item.get("/Subtype") in _PDF_MARKUP:
                for key in ("/T", "/FS"):
                    item.pop(key, None)
            if isinstance(item, StreamObject) and _is_pdf_jpeg(item):
                item._data = without_jpeg_metadata(item._data)
            stack.extend(item.values())
        elif isinstance(item, ArrayObject):
            stack.extend(item)


def _is_pdf_jpeg(stream) -> bool:
    filters = stream.get("/Filter")
    if filters is None:
        return False
    filters = filters if isinstance(filters, list) else [filters]
    # Only a photo stored as it is: under another filter the bytes are not a JPEG file.
    return stream.get("/Subtype") == "/Image" and list(filters) == ["/DCTDecode"]


_JPEG_KEPT_APP = {0xE0, 0xEE}  # JFIF, Adobe (colour transform): needed to draw it


def without_jpeg_metadata(data: bytes) -> bytes:
    """A JPEG file's bytes without its EXIF, XMP, IPTC and comment segments, the picture
    itself untouched (no decoding, no loss); what cannot be read as JPEG is returned as
    it is. The colour profile (APP2 "ICC_PROFILE") stays: without it colours change."""
    if not data.startswith(b"\xff\xd8"):
        return data
    out, at = bytearray(b"\xff\xd8"), 2
    while at + 4 <= len(data) and data[at] == 0xFF:
        marker = data[at + 1]
        if marker == 0xFF:  # a fill byte before a marker
            at += 1
            continue
        if marker == 0xDA:  # start of scan: the picture follows, copied as it is
            return bytes(out + data[at:])
        length = int.from_bytes(data[at + 2 : at + 4], "big")
        segment = data[at : at + 2 + length]
        icc = marker == 0xE2 and segment[4:16] == b"ICC_PROFILE\x00"
        private = (0xE0 <= marker <= 0xEF and marker not in _JPEG_KEPT_APP and not icc) or (
            marker == 0xFE
        )
        if not private:
            out += segment
        at += 2 + length
    return data


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
