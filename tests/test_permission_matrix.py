"""Every portal and back-office page against every persona: who gets in, who is refused."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from PIL import Image

from aduan.accounts.models import User
from aduan.reports import lifecycle
from aduan.reports.attachments import CleanFile
from aduan.reports.models import Status
from tests.personas import PASSWORD, advance, as_user, submit

LOGIN = "login"
STAFF = ["national_admin", "agency_admin", "liaison_a", "liaison_b", "supervisor", "auditor"]
STAFF += ["other_admin"]
PERSONAS = ["anonymous", "citizen", "guest", *STAFF, "outsider"]
SIGNED_OUT = {"anonymous", "guest"}
HANDLERS_OF_UNIT_A = {"national_admin", "agency_admin", "liaison_a", "supervisor"}
TEMPLATE_MANAGERS = {"national_admin", "agency_admin", "other_admin"}
ENTERERS = {"national_admin", "agency_admin", "liaison_a", "liaison_b", "other_admin"}


def _photo() -> CleanFile:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 10)).save(out, format="PNG")
    return CleanFile("foto.png", "image/png", out.getvalue())


@pytest.fixture
def scene(world):
    """A public report at unit A, the citizen's confidential one, the guest's unverified one."""
    public, _secret = submit(world, title="Laporan umum", attachments=[_photo()])
    advance(world, public, Status.DISPATCHED)
    confidential, _secret = submit(world, reporter=world.citizen, is_confidential=True)
    advance(world, confidential, Status.DISPATCHED)
    unverified, guest_secret = submit(world, title="Belum diverifikasi", attachments=[_photo()])
    return SimpleNamespace(
        public=public,
        confidential=confidential,
        unverified=unverified,
        guest_secret=guest_secret,
        public_photo=public.attachments.get(),
        unverified_photo=unverified.attachments.get(),
    )


def _client(world, scene, persona: str) -> Client:
    client = Client()
    if persona == "guest":
        link = reverse("portal:secret", args=[scene.unverified.tracking_code, scene.guest_secret])
        assert client.get(link).status_code == 302
    elif persona != "anonymous":
        client.force_login(getattr(world, persona))
    return client


def _staff_page(staff_status: int = 200, **overrides):
    """Signed-out visitors sign in, non-staff get 403, staff get `staff_status`."""
    table = {p: LOGIN if p in SIGNED_OUT else 403 for p in PERSONAS}
    table.update(dict.fromkeys(STAFF, staff_status))
    table.update(overrides)
    return table


def _everyone(status: int = 200, **overrides):
    return {**dict.fromkeys(PERSONAS, status), **overrides}


def _code(attr):
    return lambda s: {"code": getattr(s, attr).tracking_code}


def _photo_of(report_attr, photo_attr):
    return lambda s: {
        "code": getattr(s, report_attr).tracking_code,
        "pk": getattr(s, photo_attr).pk,
    }


MATRIX = [
    ("portal:home", None, _everyone()),
    ("portal:submit", None, _everyone()),
    ("portal:track", None, _everyone()),
    ("portal:regions", None, _everyone()),
    ("portal:feed", None, _everyone()),
    ("portal:organizations", None, _everyone()),
    ("portal:stories", None, _everyone()),
    ("portal:report", _code("public"), _everyone()),
    ("portal:report", _code("confidential"), _everyone(404, citizen=200)),
    ("portal:report", _code("unverified"), _everyone(404, guest=200)),
    ("portal:attachment", _photo_of("public", "public_photo"), _everyone()),
    ("portal:attachment", _photo_of("unverified", "unverified_photo"), _everyone(404, guest=200)),
    ("portal:my_reports", None, _everyone(200, anonymous=LOGIN, guest=LOGIN)),
    ("workspace:inbox", None, _staff_page()),
    ("workspace:export", None, _staff_page()),
    ("workspace:export_xlsx", None, _staff_page()),
    ("workspace:templates", None, _staff_page()),
    (
        "workspace:manual_entry",
        None,
        _staff_page(403, **dict.fromkeys(ENTERERS, 200)),
    ),
    (
        "workspace:report",
        _code("public"),
        _staff_page(404, **dict.fromkeys(HANDLERS_OF_UNIT_A, 200)),
    ),
    (
        "workspace:report",
        _code("confidential"),
        _staff_page(404, **dict.fromkeys(HANDLERS_OF_UNIT_A, 200)),
    ),
    (
        "workspace:attachment",
        _photo_of("public", "public_photo"),
        _staff_page(404, **dict.fromkeys(HANDLERS_OF_UNIT_A, 200)),
    ),
    (
        "workspace:template_create",
        None,
        _staff_page(403, **dict.fromkeys(TEMPLATE_MANAGERS, 200)),
    ),
    ("monev:dashboard", None, _staff_page(auditor=200)),
    ("monev:export_csv", None, _staff_page(auditor=200)),
    ("monev:export_xlsx", None, _staff_page(auditor=200)),
    ("monev:overdue_csv", None, _staff_page(auditor=403)),
    ("workspace:webhooks", None, _staff_page(403, **dict.fromkeys(TEMPLATE_MANAGERS, 200))),
]
CASES = [
    pytest.param(name, kwargs, persona, table[persona], id=f"{name}-{i}-{persona}")
    for i, (name, kwargs, table) in enumerate(MATRIX)
    for persona in PERSONAS
]


@pytest.mark.parametrize(("name", "kwargs", "persona", "expected"), CASES)
def test_permission_matrix(world, scene, name, kwargs, persona, expected):
    client = _client(world, scene, persona)
    url = reverse(name, kwargs=kwargs(scene) if kwargs else None)
    response = client.get(url)
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse(settings.LOGIN_URL))
    else:
        assert response.status_code == expected, response.content[:300]


# Who may send a response to unit A's report: its handlers; staff who cannot see the
# report get 404, staff who see it without the right get 403, citizens 403.
RESPONDERS = _staff_page(
    404,
    citizen=403,
    outsider=403,
    national_admin=403,
    supervisor=403,
    agency_admin=302,
    liaison_a=302,
)


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_handlers_may_respond_to_a_report(world, scene, persona):
    client = _client(world, scene, persona)
    url = reverse("workspace:action", args=[scene.public.tracking_code, "respond"])
    response = client.post(url, {"message": "Kami tangani.", "version": scene.public.version})
    expected = RESPONDERS[persona]
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse(settings.LOGIN_URL))
    else:
        assert response.status_code == expected
    scene.public.refresh_from_db()
    responded = scene.public.status == Status.IN_PROGRESS
    assert responded == (expected == 302)


# --- An anonymous reporter stays anonymous to staff -------------------------------------


@pytest.fixture
def anonymous_reports(world):
    hidden = User.objects.create_user(
        email="tersembunyi@example.id", password=PASSWORD, full_name="Ratna Tersembunyi"
    )
    signed_in, _secret = submit(world, reporter=hidden, is_anonymous=True, title="Anonim 1")
    guest, _secret = submit(
        world,
        is_anonymous=True,
        title="Anonim 2",
        guest_name="Joko Rahasia",
        guest_email="joko.rahasia@example.id",
        guest_phone="081299998888",
    )
    later, _secret = submit(world, title="Anonim 3", guest_name="Wati Kemudian")
    lifecycle.set_flags(later, as_user(world.national_admin), anonymous=True)
    for report in (signed_in, guest, later):
        advance(world, report, Status.IN_PROGRESS)
    return [signed_in, guest, later]


SECRETS = [
    "Ratna Tersembunyi",
    "tersembunyi@example.id",
    "Joko Rahasia",
    "joko.rahasia@example.id",
    "081299998888",
    "Wati Kemudian",
]


@pytest.mark.parametrize("persona", ["national_admin", "agency_admin", "liaison_a", "supervisor"])
def test_an_anonymous_reporter_never_appears_on_staff_pages_or_exports(
    world, anonymous_reports, persona
):
    client = Client()
    client.force_login(getattr(world, persona))
    titles = [r.title for r in anonymous_reports]
    pages = [
        (reverse("workspace:inbox") + "?tab=all", titles),
        (reverse("workspace:export") + "?tab=all", titles),
        *[
            (reverse("workspace:report", args=[r.tracking_code]), [r.title])
            for r in anonymous_reports
        ],
    ]
    for url, shown in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode()
        assert all(title in text for title in shown), url  # the page really lists them
        for secret in SECRETS:
            assert secret not in text, (url, secret)
