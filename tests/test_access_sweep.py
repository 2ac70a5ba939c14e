"""Every URL the project serves, walked from the URL configuration: who is refused.

The lists below are built from the resolver, not typed by hand, so a view added later
without its access check fails here before anyone reads its page.
"""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from PIL import Image

from aduan.api.models import ApiKey, Scope
from aduan.reports import lifecycle
from aduan.reports.models import Report, Status
from tests.personas import advance, as_reporter, submit

# Namespaces of pages only staff (by role) may open.
BACK_OFFICE = ("workspace", "monev", "recap")
# Pages any signed-in user may open (their own notifications).
SIGNED_IN = ("notifications",)


def _patterns(resolver=None, namespace=""):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield namespace, pattern


def _names(namespaces) -> list[str]:
    return sorted(
        {f"{ns}:{pattern.name}" for ns, pattern in _patterns() if ns in namespaces}, key=str
    )


def _kwargs(name: str, code: str) -> dict:
    """Values for every parameter of `name`'s pattern: a real report's code, an id that
    may or may not exist (the refusal must come before the lookup either way)."""
    values = {"code": code, "action": "note", "kind": "received", "language": "id"}
    pattern = next(p for ns, p in _patterns() if f"{ns}:{p.name}" == name)
    converters = getattr(pattern.pattern, "converters", {})
    return {key: values.get(key, 1) for key in converters}


@pytest.fixture
def handled_report(world):
    report, _secret = submit(world, reporter=world.citizen, title="Laporan di unit A")
    return advance(world, report, Status.IN_PROGRESS)


@pytest.mark.parametrize("name", _names(BACK_OFFICE))
def test_an_anonymous_visitor_is_sent_to_sign_in_on_every_back_office_url(
    client, handled_report, name
):
    url = reverse(name, kwargs=_kwargs(name, handled_report.tracking_code))
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        if response.status_code == 405:
            continue
        assert response.status_code == 302, (url, method, response.status_code)
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("name", _names(BACK_OFFICE))
def test_a_user_without_a_staff_role_is_refused_every_back_office_url(
    world, client_for, handled_report, name
):
    url = reverse(name, kwargs=_kwargs(name, handled_report.tracking_code))
    data = {"message": "x", "version": handled_report.version}
    for persona in ("outsider", "citizen"):
        client = client_for(getattr(world, persona))
        for method in ("get", "post"):
            response = getattr(client, method)(url, data)
            assert response.status_code in (403, 404, 405), (url, persona, method)
            assert handled_report.title.encode() not in response.content
    handled_report.refresh_from_db()
    assert handled_report.status == Status.IN_PROGRESS


@pytest.mark.parametrize("name", _names(SIGNED_IN))
def test_an_anonymous_visitor_is_sent_to_sign_in_on_every_notification_url(client, db, name):
    url = reverse(name, kwargs=_kwargs(name, ""))
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        if response.status_code == 405:
            continue
        assert response.status_code == 302, (url, method)
        assert response["Location"].startswith(reverse("accounts:login"))


# --- Public surfaces: no confidential report, no anonymous reporter ----------------------

LAT, LON = -6.2, 106.8166


@pytest.fixture
def public_scene(world):
    """Three closed or answered reports at unit A, on the map: a public one, a
    confidential one (both rated 5, as success stories are) and an anonymous guest's."""
    shown, _s = submit(
        world, reporter=world.citizen, title="Terbuka sapuan", latitude=LAT, longitude=LON
    )
    hidden, _s = submit(
        world,
        reporter=world.citizen,
        title="Rahasia sapuan",
        is_confidential=True,
        latitude=LAT,
        longitude=LON,
    )
    for report in (shown, hidden):
        advance(world, report, Status.CLOSED)
        lifecycle.rate(report, as_reporter(world.citizen), 5, "Bagus sekali.")
    anonymous, _s = submit(
        world,
        title="Anonim sapuan",
        is_anonymous=True,
        guest_name="Joko Sapunama",
        guest_email="joko.sapunama@example.id",
        latitude=LAT,
        longitude=LON,
    )
    advance(world, anonymous, Status.IN_PROGRESS)
    return SimpleNamespace(shown=shown, hidden=hidden, anonymous=anonymous)


PUBLIC_LISTS = [
    ("portal:home", {}, ""),
    ("portal:feed", {}, ""),
    ("portal:feed", {}, "?q=sapuan"),
    ("portal:atom", {}, ""),
    ("portal:map_reports", {}, ""),
    ("portal:open_data_csv", {}, ""),
    ("portal:open_data_json", {}, ""),
    ("portal:stories", {}, ""),
    ("portal:organization", {"slug": "kab-contoh-dpu"}, ""),
    ("portal:organization", {"slug": "kab-contoh"}, ""),
    ("open311:requests", {"fmt": "json"}, ""),
    ("open311:requests", {"fmt": "xml"}, ""),
    ("open311:updates", {"fmt": "json"}, ""),
]


def _text(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return body.decode()


@pytest.mark.parametrize(("name", "kwargs", "query"), PUBLIC_LISTS)
def test_no_public_list_shows_a_confidential_report_or_an_anonymous_reporter(
    world, client, public_scene, name, kwargs, query
):
    url = reverse(name, kwargs=kwargs) + query
    for signed_in in (None, "outsider", "other_admin"):
        if signed_in:
            client.force_login(getattr(world, signed_in))
        response = client.get(url)
        assert response.status_code == 200, (url, signed_in)
        text = _text(response)
        for leaked in (
            public_scene.hidden.title,
            public_scene.hidden.tracking_code,
            "Joko Sapunama",
            "joko.sapunama",
        ):
            assert leaked not in text, (url, signed_in, leaked)


@pytest.mark.parametrize(
    "name",
    ["portal:feed", "portal:open_data_csv", "portal:open_data_json", "portal:map_reports"],
)
def test_the_public_lists_do_list_the_public_report(client, public_scene, name):
    """The sweep above would pass on empty pages: these show the public report."""
    assert public_scene.shown.tracking_code in _text(client.get(reverse(name)))


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("portal:report", {}),
        ("open311:request", {"fmt": "json"}),
        ("open311:token", {"fmt": "json"}),
    ],
)
def test_a_confidential_report_has_no_public_page_for_anyone_but_its_reporter(
    world, client, public_scene, name, kwargs
):
    code = public_scene.hidden.tracking_code
    key = {"portal:report": "code", "open311:request": "request_id", "open311:token": "token"}
    url = reverse(name, kwargs={**kwargs, key[name]: code})
    for persona in (None, "outsider", "other_admin", "liaison_b"):
        if persona:
            client.force_login(getattr(world, persona))
        response = client.get(url)
        assert response.status_code == 404, (name, persona)
        assert public_scene.hidden.title not in _text(response)


# --- The REST API: a key of another organization ----------------------------------------

API_REPORT_ROUTES = [
    f"api:{pattern.name}"
    for ns, pattern in _patterns()
    if ns == "api" and "code" in getattr(pattern.pattern, "converters", {})
]


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (10, 120, 10)).save(out, format="PNG")
    return out.getvalue()


def _key(org) -> dict:
    scopes = [Scope.REPORTS_READ, Scope.REPORTS_WRITE, Scope.META_READ]
    _row, secret = ApiKey.issue(organization=org, name="Sistem lokal", scopes=scopes)
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def api_report(world, client):
    """A report unit A's system sent, dispatched back to unit A and answered there."""
    payload = {
        "external_id": "SAPU-1",
        "title": "Laporan lewat sistem DPU",
        "body": "Lampu jalan di Jalan Diponegoro padam sejak tiga hari, gelap sekali.",
        "kind": "complaint",
        "category": "jalan-rusak",
        "reporter": {"name": "Rina Sapuan", "email": "rina.sapuan@example.id"},
    }
    response = client.post(
        reverse("api:reports"), payload, content_type="application/json", headers=_key(world.unit_a)
    )
    assert response.status_code == 201, response.content
    report = Report.objects.get(tracking_code=response.json()["code"])
    return advance(world, report, Status.IN_PROGRESS)


@pytest.mark.parametrize("name", API_REPORT_ROUTES)
def test_another_organizations_key_gets_404_on_every_report_endpoint(
    world, client, api_report, name
):
    kwargs = {"code": api_report.tracking_code}
    if "pk" in next(p for ns, p in _patterns() if f"{ns}:{p.name}" == name).pattern.converters:
        kwargs["pk"] = "1"
    url = reverse(name, kwargs=kwargs)
    body = {"message": "Sudah kami tangani.", "action": "add_info", "anonymous": True}
    for outsider_org in ("other_agency", "unit_b", "ombudsman"):
        headers = _key(getattr(world, outsider_org))
        for method in ("get", "post", "patch", "delete"):
            response = getattr(client, method)(
                url, body, content_type="application/json", headers=headers
            )
            # 415: the attachments endpoint reads only multipart bodies, before any lookup.
            assert response.status_code in (404, 405, 415), (url, outsider_org, method)
            for leaked in (api_report.title, "Rina Sapuan", "rina.sapuan"):
                assert leaked not in response.content.decode(), (url, outsider_org, method)
        if name == "api:attachments":
            # Past the content type check too: a real upload reaches the report lookup.
            photo = SimpleUploadedFile("foto.png", _png(), content_type="image/png")
            response = client.post(url, {"file": photo}, headers=headers)
            assert response.status_code == 404, (outsider_org, response.content)
    before = api_report.version
    api_report.refresh_from_db()
    assert api_report.version == before


@pytest.mark.parametrize("name", [f"api:{p.name}" for ns, p in _patterns() if ns == "api"])
def test_every_api_endpoint_but_its_description_asks_for_a_key(world, client, api_report, name):
    pattern = next(p for ns, p in _patterns() if f"{ns}:{p.name}" == name).pattern
    kwargs = {"code": api_report.tracking_code, "pk": "1"}
    url = reverse(name, kwargs={k: kwargs[k] for k in getattr(pattern, "converters", {})})
    for method in ("get", "post", "patch", "delete"):
        response = getattr(client, method)(url, {}, content_type="application/json")
        if name == "api:openapi":
            assert response.status_code in (200, 405), method
            continue
        assert response.status_code in (401, 405), (url, method, response.status_code)
        assert api_report.title not in response.content.decode()


@pytest.mark.parametrize("name", ["api:reports", "api:changes"])
def test_another_organizations_key_lists_nothing_of_unit_a(world, client, api_report, name):
    response = client.get(reverse(name), headers=_key(world.other_agency))
    assert response.status_code == 200
    assert api_report.tracking_code not in response.content.decode()
    # The key of unit A itself does see it: the lists are not simply empty.
    response = client.get(reverse(name), headers=_key(world.unit_a))
    assert api_report.tracking_code in response.content.decode()


# --- Links sent by email: they act for the account they name, nobody else's -------------


def test_an_email_change_link_changes_only_the_account_it_was_sent_for(world, client):
    from aduan.accounts.email_change import change_path
    from aduan.accounts.models import User

    path = change_path(world.citizen, "siti.baru@example.id")
    client.force_login(world.outsider)
    assert client.post(path[:-2] + "xx/").status_code == 404  # tampered
    client.post(path)
    world.citizen.refresh_from_db()
    world.outsider.refresh_from_db()
    assert world.citizen.email == "siti.baru@example.id"
    assert world.outsider.email == "orang.lain@example.id"
    # The same link once more (a double click) only says that the account moved: it
    # moves nothing, the account of whoever is signed in neither.
    for again in (client.get(path), client.post(path)):
        assert again.status_code == 302
    assert User.objects.get(pk=world.outsider.pk).email == "orang.lain@example.id"
    assert User.objects.filter(email="siti.baru@example.id").get() == world.citizen
