"""Photos appear on report pages as small pictures, seen by exactly those who may see the
photo itself."""

from __future__ import annotations

import io

from django.test import Client
from django.urls import reverse
from PIL import Image

from aduan.reports.lifecycle import Action
from aduan.reports.models import Attachment
from tests.test_action_attachments import dispatched, workspace_post  # noqa: F401
from tests.test_portal import photo, report_url, signed_in


def big_photo(name="sesudah.jpg"):
    out = io.BytesIO()
    Image.new("RGB", (1600, 1200), (30, 120, 60)).save(out, format="JPEG")
    out.seek(0)
    upload = photo(name)
    upload.file = out
    upload.size = len(out.getvalue())
    return upload


def respond_with_photo(world, report):
    workspace_post(
        world.liaison_a,
        report,
        "respond",
        {"message": "Sudah ditambal.", "attachments": [big_photo()]},
    )
    return Attachment.objects.get(event__action=Action.RESPOND)


def test_a_public_photo_shows_as_a_small_picture_that_opens_the_photo(world, dispatched):  # noqa: F811
    item = respond_with_photo(world, dispatched)
    small = reverse("portal:attachment_thumbnail", args=[dispatched.tracking_code, item.pk])

    page = Client().get(report_url(dispatched)).content.decode()
    response = Client().get(small)

    assert f'src="{small}"' in page
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    with Image.open(io.BytesIO(response.content)) as image:
        assert max(image.size) == 480
    assert len(response.content) < item.size


def test_a_staff_only_photo_has_no_public_thumbnail(world, dispatched):  # noqa: F811
    workspace_post(
        world.liaison_a, dispatched, "note", {"message": "Internal.", "attachments": [big_photo()]}
    )
    item = Attachment.objects.get(event__action=Action.NOTE)
    small = reverse("portal:attachment_thumbnail", args=[dispatched.tracking_code, item.pk])
    staff_small = reverse(
        "workspace:attachment_thumbnail", args=[dispatched.tracking_code, item.pk]
    )

    assert Client().get(small).status_code == 404
    assert signed_in(world.citizen).get(small).status_code == 404
    assert signed_in(world.liaison_a).get(staff_small).status_code == 200
    assert signed_in(world.liaison_b).get(staff_small).status_code == 404
    assert signed_in(world.outsider).get(staff_small).status_code in (403, 404)
