"""Steps run inside separate live Aduan instances by tests/test_two_instances.py.

Each function runs in `manage.py shell` of one instance (its own database) and prints
one JSON line with what the test needs next. Data is made through the real functions.
"""

from __future__ import annotations

import datetime
import io
import json

from PIL import Image

from aduan.accounts.models import User
from aduan.api.models import ApiKey, Scope
from aduan.channels.intake import Draft, submit_report
from aduan.channels.replies import BytesUpload
from aduan.notifications.models import Kind, Notification
from aduan.organizations.models import Category, ConnectionDecree, Membership, Organization
from aduan.reports import lifecycle
from aduan.reports.attachments import CleanFile, clean_upload
from aduan.reports.lifecycle import Action, Actor
from aduan.reports.models import Report
from aduan.webhooks.forwarding import forward
from aduan.webhooks.models import EventType, Forwarding, Uplink, WebhookEndpoint

Role = Membership.Role
K = Organization.Kind
REGENCY = "Pemerintah Kabupaten Banyumas"


def _photo(name: str, colour: str) -> CleanFile:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), colour).save(buffer, format="JPEG")
    return clean_upload(BytesUpload(name, buffer.getvalue()))


def _member(email: str, org: Organization, role: str) -> User:
    user = User.objects.create_user(email=email, password="kata-sandi-uji-123", full_name=email)
    Membership.objects.create(user=user, organization=org, role=role)
    return user


def _regency(slug: str) -> Organization:
    org = Organization.objects.create(name=REGENCY, slug=slug, kind=K.REGENCY)
    ConnectionDecree.objects.create(
        organization=org,
        number="100/1/2026",
        issued_on=datetime.date(2026, 1, 2),
        valid_until=datetime.date(2030, 12, 31),
    )
    Category.objects.create(name="Jalan Rusak", slug="jalan-rusak")
    return org


def setup_national(receiver_url: str) -> None:
    national = Organization.objects.create(
        name="Pengelola Nasional", slug="nasional", kind=K.MINISTRY
    )
    regency = _regency("kab-banyumas")
    unit = Organization.objects.create(
        name="Dinas PUPR", slug="kab-banyumas-pupr", kind=K.DEPARTMENT, parent=regency
    )
    _member("admin@nasional.example.id", national, Role.NATIONAL_ADMIN)
    _member("pupr@banyumas.example.id", unit, Role.LIAISON)
    _key, secret = ApiKey.issue(
        organization=regency,
        name="Aduan Kabupaten Banyumas",
        scopes=[Scope.REPORTS_READ, Scope.REPORTS_WRITE, Scope.META_READ],
    )
    endpoint = WebhookEndpoint.objects.create(
        organization=regency,
        url=receiver_url,
        description="Aduan Kabupaten Banyumas",
        event_types=list(EventType.values),
    )
    print(json.dumps({"api_key": secret, "webhook_secret": endpoint.secret}))


def setup_regency(national_url: str, api_key: str, webhook_secret: str) -> None:
    regency = _regency("banyumas")
    admin = _member("admin@banyumas.example.id", regency, Role.AGENCY_ADMIN)
    citizen = User.objects.create_user(
        email="warga@example.id", password="kata-sandi-uji-123", full_name="Siti Warga"
    )
    uplink = Uplink.objects.create(
        slug="nasional",
        name="SP4N-LAPOR! Nasional",
        organization=regency,
        base_url=national_url,
        api_key=api_key,
        webhook_secret=webhook_secret,
    )
    draft = Draft(
        title="Jembatan provinsi retak",
        body="Jembatan di jalan provinsi dekat Sokaraja retak lebar, truk masih lewat.",
        category=Category.objects.get(slug="jalan-rusak"),
        address="Jl. Raya Sokaraja",
        attachments=[_photo("retak.jpg", "grey")],
    )
    report = submit_report(draft, reporter=citizen, received_by=regency).report
    forward(report, Actor(user=admin), uplink, "Kewenangan pusat.")
    print(json.dumps({"code": report.tracking_code}))


def handle_on_national(external_id: str) -> None:
    report = Report.objects.get(channel_reference__endswith=f":{external_id}")
    admin = User.objects.get(email="admin@nasional.example.id")
    liaison = User.objects.get(email="pupr@banyumas.example.id")
    unit = Organization.objects.get(slug="kab-banyumas-pupr")
    lifecycle.dispatch(report, Actor(user=admin), unit)
    lifecycle.respond(report, Actor(user=liaison), "Tim PUPR meninjau jembatan besok pagi.")
    lifecycle.complete(
        report,
        Actor(user=liaison),
        "Jembatan sudah ditambal dan diberi rambu.",
        files=[_photo("sesudah.jpg", "green")],
    )
    received = sorted(report.attachments.values_list("original_name", flat=True))
    print(json.dumps({"code": report.tracking_code, "status": report.status, "files": received}))


def regency_state(code: str) -> None:
    report = Report.objects.get(tracking_code=code)
    item = Forwarding.objects.get(report=report)
    updates = report.events.filter(action=Action.REMOTE_UPDATE).order_by("id")
    print(
        json.dumps(
            {
                "forwarding": item.state,
                "remote_code": item.remote_code,
                "remote_status": item.remote_status,
                "updates": [
                    {
                        "message": e.message,
                        "public": e.is_public,
                        "remote_action": e.data.get("remote_action"),
                    }
                    for e in updates
                ],
                "status": report.status,
                "files": sorted(
                    report.attachments.filter(event__action=Action.REMOTE_UPDATE).values_list(
                        "original_name", flat=True
                    )
                ),
                # Responses, and the completion that asks for the reporter's verdict.
                "reporter_told": Notification.objects.filter(
                    report=report,
                    kind__in=[Kind.RESPONSE, Kind.COMPLETED],
                    user=report.reporter,
                    medium="in_app",
                ).count(),
                "asked_verdict": Notification.objects.filter(
                    report=report, kind=Kind.COMPLETED, user=report.reporter, medium="in_app"
                ).exists(),
            }
        )
    )


def add_news(code: str, text: str) -> None:
    report = Report.objects.get(tracking_code=code)
    event = lifecycle.add_information(report, Actor(report.reporter, is_reporter=True), text)
    print(json.dumps({"event": event.pk}))


def national_news(external_id: str) -> None:
    report = Report.objects.get(channel_reference__endswith=f":{external_id}")
    news = report.events.filter(action=Action.ADD_INFO).order_by("id")
    print(json.dumps({"news": [e.message for e in news]}))


def hide_news(code: str) -> None:
    report = Report.objects.get(tracking_code=code)
    admin = User.objects.get(email="admin@banyumas.example.id")
    news = report.events.get(action=Action.ADD_INFO)
    lifecycle.hide_information(report, Actor(user=admin), news.pk)
    print(json.dumps({"hidden": news.pk}))


def national_public_news(external_id: str) -> None:
    report = Report.objects.get(channel_reference__endswith=f":{external_id}")
    news = report.events.filter(action=Action.ADD_INFO, is_public=True)
    print(json.dumps({"news": [e.message for e in news]}))


def make_confidential(code: str) -> None:
    report = Report.objects.get(tracking_code=code)
    admin = User.objects.get(email="admin@banyumas.example.id")
    lifecycle.set_flags(report, Actor(user=admin), confidential=True)
    print(json.dumps({"confidential": True}))


def erase_reporter() -> None:
    from aduan.accounts.erasure import erase_account

    erased = erase_account(User.objects.get(email="warga@example.id"))
    print(json.dumps({"reports": erased.reports}))


def national_report(external_id: str) -> None:
    report = Report.objects.get(channel_reference__endswith=f":{external_id}")
    print(
        json.dumps(
            {
                "reporter": report.guest_name,
                "confidential": report.is_confidential,
                "status": report.status,
                "rating": report.rating,
            }
        )
    )


def give_verdict(code: str, satisfied: bool, stars: int, message: str) -> None:
    """The reporter answers the national instance's completion on their page here."""
    from aduan.webhooks.forwarding import awaiting_verdict, give_verdict_there

    report = Report.objects.get(tracking_code=code)
    (waiting,) = awaiting_verdict(report)
    actor = Actor(report.reporter, is_reporter=True)
    event = give_verdict_there(
        report, actor, waiting, satisfied=satisfied, message=message, stars=stars
    )
    print(json.dumps({"event": event.pk}))


def regency_erasure(code: str) -> None:
    print(json.dumps({"erasure": Forwarding.objects.get(report__tracking_code=code).erasure}))
