"""Small copies of photos for report pages.

A report page shows its photos as pictures, not as file names; the photo itself (up to
2048 pixels, a few hundred kilobytes) opens when one is tapped. A thumbnail is about
20 KB, made from the stored photo when first asked for and kept in the cache: every
view that serves one checks first that the visitor may see the photo.
"""

from __future__ import annotations

import io

from django.core.cache import cache
from django.http import Http404, HttpResponse
from PIL import Image, UnidentifiedImageError

from aduan.reports.models import Attachment

SIDE = 480  # twice the width shown (15rem), for sharp pictures on phone screens
CACHE_SECONDS = 60 * 60 * 24 * 30


def thumbnail(item: Attachment) -> bytes | None:
    """A JPEG at most SIDE pixels on its long side; None when the file is not a readable
    image (or is gone)."""
    if not item.is_image:
        return None
    key = f"aduan:thumb:{item.pk}:{SIDE}"
    data = cache.get(key)
    if data is None:
        data = _make(item)
        if data is None:
            return None
        cache.set(key, data, CACHE_SECONDS)
    return data


def _make(item: Attachment) -> bytes | None:
    try:
        with item.file.open("rb") as handle, Image.open(handle) as image:
            image.thumbnail((SIDE, SIDE))
            if image.mode in ("RGBA", "LA", "P"):
                # Transparency on white, as a page shows it.
                rgba = image.convert("RGBA")
                image = Image.new("RGB", rgba.size, "white")
                image.paste(rgba, mask=rgba.getchannel("A"))
            elif image.mode != "RGB":
                image = image.convert("RGB")
            out = io.BytesIO()
            image.save(out, format="JPEG", quality=70, optimize=True)
            return out.getvalue()
    except (FileNotFoundError, UnidentifiedImageError, OSError):
        return None


def thumbnail_response(item: Attachment) -> HttpResponse:
    """The thumbnail as a response, for a view that has already checked that the visitor
    may see `item`; 404 when it is not an image. A photo never changes under its id:
    only this visitor's browser keeps it, for a day."""
    data = thumbnail(item)
    if data is None:
        raise Http404("Not an image")
    response = HttpResponse(data, content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=86400"
    return response
