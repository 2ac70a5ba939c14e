"""Attachments in an S3-compatible object store (ADUAN_S3_BUCKET): stored there, read
back only through Aduan's own views, which check who may see them. The S3 server is moto's,
in the test process, at the HTTP layer botocore speaks to."""

from __future__ import annotations

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from moto import mock_aws

from aduan.reports.attachments import clean_upload
from aduan.reports.models import Status
from tests.personas import advance, submit
from tests.test_attachments import _jpeg_with_gps
from tests.test_settings import _settings

BUCKET = "aduan-lampiran"


@pytest.fixture
def bucket(settings):
    with mock_aws():
        s3 = boto3.client("s3", region_name="ap-southeast-3")
        s3.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "ap-southeast-3"}
        )
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": BUCKET,
                    "region_name": "ap-southeast-3",
                    "access_key": "uji",
                    "secret_key": "rahasia-uji",
                    "location": "aduan",
                    "default_acl": None,
                    "file_overwrite": False,
                },
            },
        }
        yield s3


def test_a_photo_is_stored_in_the_bucket_and_served_only_through_aduan(world, bucket):
    photo = clean_upload(SimpleUploadedFile("lubang.jpg", _jpeg_with_gps(size=(320, 240))))
    public, _ = submit(world, reporter=world.citizen, attachments=[photo])
    advance(world, public, Status.DISPATCHED)
    hidden, _ = submit(world, reporter=world.citizen, attachments=[photo], is_confidential=True)
    advance(world, hidden, Status.DISPATCHED)

    keys = [item["Key"] for item in bucket.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert len(keys) == 2 and all(key.startswith("aduan/") for key in keys)
    stored = bucket.get_object(Bucket=BUCKET, Key=keys[0])["Body"].read()

    item = public.attachments.get()
    response = Client().get(reverse("portal:attachment", args=[public.tracking_code, item.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) in (stored, photo.data)
    thumb = reverse("portal:attachment_thumbnail", args=[public.tracking_code, item.pk])
    assert Client().get(thumb).status_code == 200
    secret = hidden.attachments.get()
    url = reverse("portal:attachment", args=[hidden.tracking_code, secret.pk])
    assert Client().get(url).status_code == 404


def test_the_bucket_is_configured_from_the_environment():
    storages = _settings(
        "STORAGES",
        ADUAN_S3_BUCKET="aduan-prod",
        ADUAN_S3_ENDPOINT_URL="https://s3.kab-contoh.go.id",
        ADUAN_S3_PREFIX="lampiran",
    )["STORAGES"]

    default = storages["default"]
    assert default["BACKEND"] == "storages.backends.s3.S3Storage"
    assert default["OPTIONS"]["bucket_name"] == "aduan-prod"
    assert default["OPTIONS"]["endpoint_url"] == "https://s3.kab-contoh.go.id"
    assert default["OPTIONS"]["default_acl"] is None  # private: never a public object
    without = _settings("STORAGES")["STORAGES"]["default"]
    assert without["BACKEND"] == "django.core.files.storage.FileSystemStorage"


@pytest.mark.django_db
def test_the_health_check_finds_a_bucket_that_does_not_exist(client, bucket, settings):
    from aduan.system import health
    from tests.test_health import _all_well, _everything

    _all_well()
    assert _everything(client).json()["storage"] == {"status": "up", "backend": "S3Storage"}

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {**settings.STORAGES["default"]["OPTIONS"], "bucket_name": "aduan-lampran"},
        },
    }
    health.forget_storage_state()  # a process checks at most twice a minute
    response = _everything(client)

    assert response.status_code == 503
    assert response.json()["storage"]["status"] == "down"
