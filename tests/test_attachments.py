"""Uploads are judged by content, cleaned of metadata, and refused when wrong or too big."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from PIL import Image
from pypdf import PdfReader, PdfWriter

from aduan.reports.attachments import AttachmentError, clean_upload, clean_uploads

GPS_IFD = 0x8825


def _pdf(pages: int = 1, **metadata: str) -> bytes:
    """A real PDF of blank pages, with an information dictionary when given one."""
    writer = PdfWriter()
    for _page in range(pages):
        writer.add_blank_page(width=595, height=842)
    if metadata:
        writer.add_metadata({f"/{key}": value for key, value in metadata.items()})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


PDF = _pdf()


def _jpeg_with_gps(size=(64, 48)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "KameraRahasia"  # Make
    exif[0x0112] = 1  # Orientation
    exif.get_ifd(GPS_IFD).update(
        {1: "S", 2: (6.0, 10.0, 30.0), 3: "E", 4: (106.0, 49.0, 12.0)}  # Jakarta
    )
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def _png(size=(32, 32), mode="RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, format="PNG")
    return out.getvalue()


def _upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def test_the_test_photo_really_carries_a_gps_position():
    with Image.open(io.BytesIO(_jpeg_with_gps())) as image:
        assert image.getexif().get_ifd(GPS_IFD)[1] == "S"


def test_a_jpeg_loses_its_exif_and_gps_position_but_keeps_its_pixels():
    clean = clean_upload(_upload("jalan.jpg", _jpeg_with_gps()))
    assert clean.content_type == "image/jpeg"
    assert b"Exif" not in clean.data and b"KameraRahasia" not in clean.data
    with Image.open(io.BytesIO(clean.data)) as image:
        assert image.format == "JPEG" and image.size == (64, 48)
        assert not image.getexif()
        assert not image.getexif().get_ifd(GPS_IFD)
        assert "exif" not in image.info


def test_a_rotated_photo_is_stored_upright():
    image = Image.new("RGB", (40, 20))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    clean = clean_upload(_upload("miring.JPEG", out.getvalue()))
    with Image.open(io.BytesIO(clean.data)) as stored:
        assert stored.size == (20, 40)


@pytest.mark.parametrize("mode", ["RGBA", "P", "L"])
def test_a_png_is_accepted(mode):
    clean = clean_upload(_upload("peta.png", _png(mode=mode)))
    assert clean.content_type == "image/png"
    with Image.open(io.BytesIO(clean.data)) as image:
        assert image.format == "PNG" and image.size == (32, 32)


@pytest.mark.parametrize("mode", ["RGB", "P"])
def test_a_large_photo_is_shrunk_to_the_longest_side_allowed_keeping_its_shape(settings, mode):
    settings.ADUAN_IMAGE_MAX_SIDE = 100
    fmt, name = ("JPEG", "besar.jpg") if mode == "RGB" else ("PNG", "besar.png")
    out = io.BytesIO()
    Image.new(mode, (400, 300), 1 if mode == "P" else (10, 120, 200)).save(out, format=fmt)

    clean = clean_upload(_upload(name, out.getvalue()))

    with Image.open(io.BytesIO(clean.data)) as image:
        assert image.size == (100, 75)
        assert image.mode == mode


def test_a_photo_within_the_limit_keeps_its_size(settings):
    settings.ADUAN_IMAGE_MAX_SIDE = 64
    with Image.open(io.BytesIO(clean_upload(_upload("pas.jpg", _jpeg_with_gps())).data)) as image:
        assert image.size == (64, 48)


def test_a_webp_is_accepted():
    out = io.BytesIO()
    Image.new("RGB", (16, 16), (0, 128, 0)).save(out, format="WEBP")
    assert clean_upload(_upload("foto.webp", out.getvalue())).content_type == "image/webp"


def test_a_pdf_keeps_its_pages_and_loses_its_author_and_title():
    signed = _pdf(pages=2, Author="Bambang Sutrisno", Title="KTP 3302011505800003")
    clean = clean_upload(_upload("surat.pdf", signed + b"\n<script>payload</script>"))
    assert clean.content_type == "application/pdf"
    assert b"Bambang" not in clean.data and b"3302011505800003" not in clean.data
    assert b"payload" not in clean.data  # nothing appended after the document survives
    document = PdfReader(io.BytesIO(clean.data))
    assert len(document.pages) == 2
    assert not document.metadata


def _pdf_of_a_photo(jpeg: bytes) -> bytes:
    """A PDF as "image to PDF" and scanner apps make them: the phone's JPEG stored byte
    for byte as the page's picture, page-level XMP, and a comment signed by its author."""
    from pypdf.generic import (
        ArrayObject,
        DecodedStreamObject,
        DictionaryObject,
        EncodedStreamObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    writer = PdfWriter()
    page = writer.add_blank_page(width=64, height=48)
    xmp = DecodedStreamObject()
    xmp.set_data(b"<x:xmpmeta><dc:creator>Bambang Sutrisno</dc:creator></x:xmpmeta>")
    photo = EncodedStreamObject()
    photo._data = jpeg
    photo.update(
        {
            NameObject(key): value
            for key, value in {
                "/Type": NameObject("/XObject"),
                "/Subtype": NameObject("/Image"),
                "/Width": NumberObject(64),
                "/Height": NumberObject(48),
                "/ColorSpace": NameObject("/DeviceRGB"),
                "/BitsPerComponent": NumberObject(8),
                "/Filter": NameObject("/DCTDecode"),
            }.items()
        }
    )
    resources = {NameObject("/Im0"): writer._add_object(photo)}
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/XObject"): DictionaryObject(resources)}
    )
    page[NameObject("/Metadata")] = writer._add_object(xmp)
    comment = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Text"),
            NameObject("/T"): TextStringObject("Bambang 0812-3456-7890"),
            NameObject("/Contents"): TextStringObject("halaman dua"),
            NameObject("/Rect"): ArrayObject([NumberObject(0)] * 4),
        }
    )
    page[NameObject("/Annots")] = ArrayObject([writer._add_object(comment)])
    drawing = DecodedStreamObject()
    drawing.set_data(b"q 64 0 0 48 0 0 cm /Im0 Do Q")
    page[NameObject("/Contents")] = writer._add_object(drawing)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_photo_inside_a_pdf_loses_its_gps_position_and_the_pdf_its_authors():
    scanned = _pdf_of_a_photo(_jpeg_with_gps())
    assert b"KameraRahasia" in scanned and b"Bambang" in scanned  # what the test plants

    clean = clean_upload(_upload("scan_ktp.pdf", scanned))

    assert b"KameraRahasia" not in clean.data and b"Bambang" not in clean.data
    page = PdfReader(io.BytesIO(clean.data)).pages[0]
    (picture,) = page.images
    assert picture.image.size == (64, 48)
    assert not picture.image.getexif()
    assert page["/Annots"][0].get_object()["/Contents"] == "halaman dua"  # the comment stays


def test_a_pdf_locked_by_a_password_is_refused_with_a_reason():
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt("rahasia", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    with translation.override("en"), pytest.raises(AttachmentError, match="password"):
        clean_upload(_upload("rekening.pdf", out.getvalue()))


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("foto.jpg", PDF),
        ("foto.jpg", b"Just some text pretending to be a photo\n" * 10),
        ("surat.pdf", _png()),
        ("foto.png", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
        ("foto.png", _jpeg_with_gps()),
        ("foto", _png()),
        ("skrip.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>'),
        ("surat.pdf", b"%PDF-1.4\n" + b"0" * 100),  # no end of file marker
    ],
    ids=[
        "pdf-named-jpg",
        "text-named-jpg",
        "png-named-pdf",
        "html-named-png",
        "jpeg-named-png",
        "no-extension",
        "svg",
        "truncated-pdf",
    ],
)
def test_a_file_whose_content_does_not_match_an_allowed_type_is_refused(name, data):
    with pytest.raises(AttachmentError):
        clean_upload(_upload(name, data))


def test_an_oversized_file_is_refused(settings):
    settings.ADUAN_MAX_ATTACHMENT_BYTES = 1000
    data = _jpeg_with_gps(size=(400, 400))
    assert len(data) > 1000
    with translation.override("en"), pytest.raises(AttachmentError, match="too large"):
        clean_upload(_upload("besar.jpg", data))


def test_too_many_files_are_refused(settings):
    settings.ADUAN_MAX_ATTACHMENTS = 2
    files = [_upload(f"{i}.png", _png()) for i in range(3)]
    with pytest.raises(AttachmentError):
        clean_uploads(files)
    assert len(clean_uploads(files[:2])) == 2


def test_an_empty_file_is_refused():
    with translation.override("en"), pytest.raises(AttachmentError, match="empty"):
        clean_upload(_upload("kosong.jpg", b""))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_a_truncated_image_is_refused(fmt):
    out = io.BytesIO()
    Image.effect_noise((200, 200), 60).convert("RGB").save(out, format=fmt)
    data = out.getvalue()
    name = "rusak.jpg" if fmt == "JPEG" else "rusak.png"
    with pytest.raises(AttachmentError):
        clean_upload(_upload(name, data[: len(data) // 2]))


@pytest.mark.parametrize("side", [7_000, 12_000, 15_000])
def test_a_decompression_bomb_is_refused(side):
    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, format="PNG")  # tens of megapixels, tiny file
    data = out.getvalue()
    assert len(data) < 100_000
    with pytest.raises(AttachmentError):
        clean_upload(_upload("bom.png", data))


def test_a_transparent_palette_png_keeps_its_transparency():
    image = Image.new("P", (8, 8), 0)
    image.putpalette([255, 255, 255, 200, 30, 30] + [0, 0, 0] * 254)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", transparency=0)
    upload = SimpleUploadedFile("peta.png", buffer.getvalue(), content_type="image/png")
    clean = clean_upload(upload)
    with Image.open(io.BytesIO(clean.data)) as stored:
        assert stored.mode == "P"
        assert stored.info.get("transparency") == 0
