"""Back-office pages for webhooks and the forward action on a report's page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aduan.lib.leasing import State
from aduan.reports.lifecycle import Action
from aduan.webhooks.models import Forwarding, Uplink, WebhookDelivery, WebhookEndpoint
from tests.personas import advance, submit

NEW = {
    "url": "https://sipadu.example.id/aduan",
    "description": "SIPADU",
    "event_types": ["report.status_changed", "report.response_published"],
}


def as_(client, user):
    client.force_login(user)
    return client


def endpoint_of(org, **extra):
    return WebhookEndpoint.objects.create(
        organization=org,
        url="https://sipadu.example.id/aduan",
        description="SIPADU",
        event_types=["report.status_changed", "report.response_published"],
        **extra,
    )


def test_an_agency_admin_adds_a_webhook_and_sees_its_signing_secret_once(world, client):
    as_(client, world.agency_admin)
    answer = client.post(
        reverse("workspace:webhook_create"), {**NEW, "organization": world.agency.pk}
    )
    endpoint = WebhookEndpoint.objects.get()
    assert answer.status_code == 200
    assert endpoint.secret.startswith("whsec_") and endpoint.secret in answer.content.decode()
    assert (endpoint.organization, endpoint.created_by) == (world.agency, world.agency_admin)
    listing = client.get(reverse("workspace:webhooks")).content.decode()
    assert f'data-webhook="{endpoint.pk}"' in listing and endpoint.secret not in listing


def test_a_rejected_webhook_form_keeps_what_was_typed_and_says_why(world, client):
    as_(client, world.agency_admin)
    typed = {**NEW, "url": "http://sipadu.example.id/aduan", "organization": world.agency.pk}
    answer = client.post(reverse("workspace:webhook_create"), typed)
    page = answer.content.decode()
    assert answer.status_code == 400
    assert "https" in page and "http://sipadu.example.id/aduan" in page and "SIPADU" in page
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1:9/hook",
        "https://localhost/hook",
        "https://10.1.2.3/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/hook",
    ],
)
def test_a_webhook_to_this_servers_own_or_a_private_network_is_refused(world, client, url):
    as_(client, world.agency_admin)
    answer = client.post(
        reverse("workspace:webhook_create"), {**NEW, "url": url, "organization": world.agency.pk}
    )
    assert answer.status_code == 400
    assert not WebhookEndpoint.objects.exists()


def test_a_name_pointing_into_a_private_network_is_refused_when_called():
    from aduan.lib import http

    # Refused before any connection is tried: nothing listens on port 9.
    request = http.Request("POST", "https://localhost:9/hook", {}, b"{}", public_only=True)
    with pytest.raises(http.Refused, match="local or private network"):
        http._requests_transport(request, 1)


def test_an_intranet_installation_may_allow_private_addresses(world, client, settings):
    settings.ADUAN_WEBHOOKS_ALLOW_PRIVATE = True
    as_(client, world.agency_admin)
    url = "https://10.1.2.3/hook"
    client.post(
        reverse("workspace:webhook_create"), {**NEW, "url": url, "organization": world.agency.pk}
    )
    assert WebhookEndpoint.objects.get().url == url


def test_an_admin_cannot_add_a_webhook_for_another_agency(world, client):
    as_(client, world.agency_admin)
    answer = client.post(
        reverse("workspace:webhook_create"), {**NEW, "organization": world.other_agency.pk}
    )
    assert answer.status_code == 400
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("persona", ["liaison_a", "supervisor", "auditor", "outsider"])
def test_people_who_are_not_admins_are_refused_the_webhook_pages(world, client, persona):
    endpoint = endpoint_of(world.agency)
    as_(client, getattr(world, persona))
    assert client.get(reverse("workspace:webhooks")).status_code == 403
    assert client.get(reverse("workspace:webhook_log", args=[endpoint.pk])).status_code == 403
    assert client.post(reverse("workspace:webhook_secret", args=[endpoint.pk])).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(world, client):
    answer = client.get(reverse("workspace:webhooks"))
    assert answer.status_code == 302 and reverse("accounts:login") in answer["Location"]


def test_an_admin_of_another_agency_gets_404_on_someone_elses_webhook(world, client):
    endpoint = endpoint_of(world.agency)
    as_(client, world.other_admin)
    assert client.get(reverse("workspace:webhook_log", args=[endpoint.pk])).status_code == 404
    for name in ("webhook_secret", "webhook_toggle", "webhook_retry"):
        assert client.post(reverse(f"workspace:{name}", args=[endpoint.pk])).status_code == 404
    assert (
        f'data-webhook="{endpoint.pk}"'
        not in client.get(reverse("workspace:webhooks")).content.decode()
    )
    endpoint.refresh_from_db()
    assert endpoint.is_active


def test_the_delivery_log_lists_calls_and_failed_ones_can_be_sent_again(
    world, client, django_assert_max_num_queries
):
    endpoint = endpoint_of(world.agency)
    advance(world, submit(world)[0], "completed")
    failed = endpoint.deliveries.first()
    WebhookDelivery.objects.filter(pk=failed.pk).update(
        state=State.FAILED, attempts=12, last_status_code=500, last_error="HTTP 500"
    )
    as_(client, world.agency_admin)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("workspace:webhook_log", args=[endpoint.pk]))
    html = page.content.decode()
    assert f'data-delivery="{failed.pk}"' in html and "HTTP 500" in html
    assert "Pihak tujuan sedang mengalami gangguan" in html
    only_failed = client.get(
        reverse("workspace:webhook_log", args=[endpoint.pk]), {"state": "failed"}
    )
    assert only_failed.content.decode().count("data-delivery=") == 1
    client.post(reverse("workspace:webhook_retry", args=[endpoint.pk]))
    failed.refresh_from_db()
    assert (failed.state, failed.attempts) == (State.PENDING, 0)


def test_renewing_the_secret_shows_the_new_one(world, client):
    endpoint = endpoint_of(world.agency)
    old = endpoint.secret
    as_(client, world.agency_admin)
    answer = client.post(reverse("workspace:webhook_secret", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.secret in answer.content.decode()


def test_pausing_a_webhook_stops_new_calls_being_written(world, client):
    endpoint = endpoint_of(world.agency)
    as_(client, world.agency_admin)
    client.post(reverse("workspace:webhook_toggle", args=[endpoint.pk]))
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    advance(world, submit(world)[0], "in_progress")
    assert not endpoint.deliveries.exists()


# --- Forwarding from the report page ---------------------------------------------------


@pytest.fixture
def uplink(world):
    return Uplink.objects.create(
        slug="nasional",
        name="SP4N-LAPOR! Nasional",
        organization=world.agency,
        base_url="https://lapor.example.go.id/",
        api_key="adn_remote",
        webhook_secret="whsec_QUJD",
    )


def forward_url(report):
    return reverse("workspace:action", args=[report.tracking_code, Action.FORWARD])


def test_an_agency_admin_forwards_a_report_from_its_page(world, client, uplink):
    report = advance(world, submit(world)[0], "dispatched")
    as_(client, world.agency_admin)
    page = client.get(reverse("workspace:report", args=[report.tracking_code])).content.decode()
    assert "SP4N-LAPOR! Nasional" in page and forward_url(report) in page
    answer = client.post(
        forward_url(report),
        {"version": report.version, "uplink": uplink.pk, "message": "Wewenang pusat."},
    )
    assert answer.status_code == 302
    item = Forwarding.objects.get()
    assert (item.report, item.forwarded_by, item.state) == (report, world.agency_admin, "pending")
    page = client.get(reverse("workspace:report", args=[report.tracking_code])).content.decode()
    assert f'data-forwarding="{item.pk}"' in page


def test_a_liaison_sees_no_forward_form_and_is_refused(world, client, uplink):
    report = advance(world, submit(world)[0], "dispatched")
    as_(client, world.liaison_a)
    page = client.get(reverse("workspace:report", args=[report.tracking_code])).content.decode()
    assert forward_url(report) not in page
    answer = client.post(forward_url(report), {"version": report.version, "uplink": uplink.pk})
    assert answer.status_code == 403
    assert not Forwarding.objects.exists()


def test_an_admin_of_another_agency_cannot_forward_through_this_uplink(world, client, uplink):
    report = advance(world, submit(world)[0], "dispatched")
    as_(client, world.other_admin)
    answer = client.post(forward_url(report), {"version": report.version, "uplink": uplink.pk})
    assert answer.status_code == 404
    assert not Forwarding.objects.exists()


def test_a_name_answering_a_private_address_to_the_connection_is_not_called(monkeypatch):
    # DNS rebinding: the name gives a public address to the check, then 127.0.0.1.
    import http.server
    import socket
    import threading

    from aduan.lib import http as outbound

    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    real, answers = socket.getaddrinfo, iter(["192.0.43.10", "127.0.0.1", "127.0.0.1"])

    def rebinding(host, port, *args, **kwargs):
        if host != "rebind.example.id":
            return real(host, port, *args, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), int(port)))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    url = f"http://rebind.example.id:{server.server_port}/hook"
    request = outbound.Request("POST", url, {}, b"{}", public_only=True)
    try:
        with pytest.raises(outbound.HttpError):
            outbound._requests_transport(request, 0.5)  # the public address: unreachable here
    finally:
        server.shutdown()
    assert hits == []
