"""Pages and data are compressed for slow connections; photos are not compressed twice."""

from __future__ import annotations

import gzip

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from aduan.reports.attachments import clean_upload
from aduan.reports.models import Status
from tests.personas import advance, submit
from tests.test_attachments import _jpeg_with_gps

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, br"}


def test_a_public_page_is_sent_compressed_and_reads_the_same(world):
    plain = Client().get(reverse("portal:feed"))
    packed = Client().get(reverse("portal:feed"), **GZIP)

    assert "Content-Encoding" not in plain
    assert packed["Content-Encoding"] == "gzip"
    assert b"<html" in gzip.decompress(packed.content)
    assert len(packed.content) < len(plain.content) / 2


def test_the_map_data_is_sent_compressed(world):
    report, _ = submit(world, latitude=-7.42, longitude=109.24)
    advance(world, report, Status.DISPATCHED)

    response = Client().get(reverse("portal:map_reports"), **GZIP)

    assert response["Content-Encoding"] == "gzip"
    assert report.tracking_code.encode() in gzip.decompress(response.content)


def test_a_photo_is_not_compressed_again(world):
    photo = clean_upload(SimpleUploadedFile("jalan.jpg", _jpeg_with_gps(size=(400, 300))))
    report, _ = submit(world, reporter=world.citizen, attachments=[photo])
    advance(world, report, Status.DISPATCHED)
    url = reverse("portal:attachment", args=[report.tracking_code, report.attachments.get().pk])

    response = Client().get(url, **GZIP)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "Content-Encoding" not in response


def test_the_openapi_document_is_sent_compressed(db):
    response = Client().get("/api/v1/openapi.json", **GZIP)

    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
