"""A failed delivery's cause in plain words, from the errors the adapters really write."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from aduan.lib.failures import explain
from aduan.notifications import delivery
from aduan.notifications.fake_gateway import FakeGateway
from aduan.notifications.models import Notification
from tests.test_delivery import write

pytestmark = pytest.mark.django_db


def error_after(status: int | None = None, *, url: str | None = None) -> str:
    """The `last_error` the SMS adapter stores when the gateway answers `status`."""
    [row] = write(prefix=f"x{status}")
    if url is not None:
        with override_settings(ADUAN_SMS_GATEWAY_URL=url):
            delivery.deliver([row.pk])
    else:
        with (
            FakeGateway(fail_first=1, fail_status=status) as gateway,
            override_settings(ADUAN_SMS_GATEWAY_URL=gateway.sms_url),
        ):
            delivery.deliver([row.pk])
    return Notification.objects.get(pk=row.pk).last_error


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (401, "access key or token"),
        (403, "access key or token"),
        (404, "address no longer exists"),
        (400, "refused the message itself"),
        (422, "refused the message itself"),
        (429, "slow down"),
        (503, "fault of its own"),
    ],
)
def test_each_answer_of_a_gateway_gets_its_cause(status, words):
    with translation.override("en"):
        assert words in explain(error_after(status))


def test_an_unreachable_gateway_is_said_to_be_unreachable():
    with FakeGateway() as stopped:
        url = stopped.sms_url
    error = error_after(url=url)

    with translation.override("en"):
        assert "could not be reached" in explain(error)


def test_a_channel_left_unconfigured_points_at_the_it_staff():
    error = error_after(url="")

    with translation.override("en"):
        assert "not set up on the server" in explain(error)


def test_errors_of_other_shapes_get_no_sentence():
    assert explain("") == ""
    assert explain("Unexpected answer: <html>") == ""
    assert explain("HTTP 302") == ""


def test_the_failed_deliveries_page_says_the_cause_in_indonesian(client, world):
    [row] = write(organization=world.unit_a, prefix="p")
    with (
        FakeGateway(fail_first=1, fail_status=401) as refusing,
        override_settings(ADUAN_SMS_GATEWAY_URL=refusing.sms_url),
    ):
        delivery.deliver([row.pk])
    client.force_login(world.national_admin)

    html = client.get(reverse("workspace:deliveries")).content.decode()

    assert "menolak kunci akses atau token" in html
    assert "HTTP 401" in html


def test_a_mail_server_that_refuses_the_connection_is_said_to_be_unreachable(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    [row] = write(medium="email", prefix="smtp")

    delivery.deliver([row.pk])

    error = Notification.objects.get(pk=row.pk).last_error
    assert error.startswith("email: ")
    with translation.override("en"):
        assert "could not be reached" in explain(error)
