"""Personal data planted in reports never reaches a public surface: pages, feed, search
results, the map and both open-data exports."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from aduan.channels.intake import Draft, submit_report
from aduan.reports import lifecycle
from aduan.reports.models import Status
from aduan.reports.privacy import public_text
from tests.personas import advance, as_reporter, as_user

NIK = "3204123456789012"
PHONE = "0812-3456-7890"
EMAIL = "siti.rahma@mail.id"
PLATE = "D 1234 ABC"
GUEST_NAME = "Rahmawati Sukmaningsih"
GUEST_EMAIL = "rahmawati.s@example.id"
GUEST_PHONE = "081298765432"
TITLE = f"Pungli parkir liar, plat {PLATE}, telepon {PHONE}"
BODY = (
    f"Saya {{name}} dengan NIK {NIK} dimintai uang oleh petugas parkir liar di depan pasar. "
    f"Bisa hubungi saya di {PHONE} atau {EMAIL}. Juru parkir memakai motor {PLATE}."
)
# What must never appear, and the fragments masking hides (the middle of the numbers).
SECRETS = [
    NIK,
    NIK[4:],
    PHONE,
    "3456-78",
    EMAIL,
    "siti.rahma",
    PLATE,
    "1234 ABC",
    GUEST_NAME,
    GUEST_NAME.upper(),
    "Rahmawati",
    "Sukmaningsih",
    GUEST_EMAIL,
    GUEST_PHONE,
    "+6281298765432",
    "Siti Warga",  # the signed-in citizen who reported anonymously
    "Siti",
    "warga@example.id",
]


@pytest.fixture
def planted(world):
    """Two public reports full of personal data: a guest's and an anonymous citizen's."""
    guest = submit_report(
        Draft(
            title=TITLE,
            body=BODY.format(name=GUEST_NAME.upper()),
            address=f"Rumah Bu {GUEST_NAME.split()[0]}, telp {PHONE}",
            category=world.potholes,
            latitude=-6.914744,
            longitude=107.609810,
            guest_name=GUEST_NAME,
            guest_email=GUEST_EMAIL,
            guest_phone=GUEST_PHONE,
        )
    ).report
    citizen = submit_report(
        Draft(
            title=TITLE,
            body=BODY.format(name="Siti Warga"),
            category=world.potholes,
            latitude=-6.92,
            longitude=107.61,
            is_anonymous=True,
        ),
        reporter=world.citizen,
    ).report
    advance(world, guest, Status.IN_PROGRESS)
    advance(world, citizen, Status.DISPATCHED)
    return [guest, citizen]


def public_surfaces(reports) -> dict[str, str]:
    client = Client()
    pages = {
        "home": client.get(reverse("portal:home")),
        "feed": client.get(reverse("portal:feed")),
        "search": client.get(reverse("portal:feed"), {"q": "parkir liar"}),
        "map page": client.get(reverse("portal:map")),
        "map": client.get(reverse("portal:map_reports")),
        "map search": client.get(reverse("portal:map_reports"), {"q": "pungli"}),
        "csv": client.get(reverse("portal:open_data_csv")),
        "json": client.get(reverse("portal:open_data_json")),
        "csv search": client.get(reverse("portal:open_data_csv"), {"q": "pungli"}),
    }
    for report in reports:
        organization = report.organization
        pages[f"organization {organization.slug}"] = client.get(
            reverse("portal:organization", args=[organization.slug])
        )
        pages[report.tracking_code] = client.get(
            reverse("portal:report", args=[report.tracking_code])
        )
    texts = {}
    for name, response in pages.items():
        assert response.status_code == 200, name
        raw = b"".join(response.streaming_content) if response.streaming else response.content
        texts[name] = raw.decode()
    return texts


def test_planted_personal_data_appears_on_no_public_surface(planted):
    texts = public_surfaces(planted)
    for name, text in texts.items():
        for secret in SECRETS:
            assert secret not in text, f"{secret!r} leaks on {name}"
            # JSON escapes nothing in these strings, but be sure of it.
            assert secret.replace("@", "\\u0040") not in text, name


def test_the_planted_reports_are_really_on_every_listing(planted):
    """Guards the test above: it proves nothing if the reports were not shown at all."""
    texts = public_surfaces(planted)
    for name in ("feed", "search", "map", "map search", "csv", "json", "csv search"):
        for report in planted:
            assert report.tracking_code in texts[name], name
    for report in planted:
        assert report.tracking_code in texts[f"organization {report.organization.slug}"]
    for name in ("feed", "csv", "json", *[r.tracking_code for r in planted]):
        assert "3204************" in texts[name], name  # the masked NIK is there instead
    for name in ("home", "feed", "map", "csv", "json"):
        assert "0812-****-**90" in texts[name], name
    assert "s***@mail.id" in texts["json"]
    # Searching for a NIK does not tell which report holds it.
    by_nik = Client().get(reverse("portal:feed"), {"q": NIK}).content.decode()
    assert not any(report.tracking_code in by_nik for report in planted)


def test_a_reporter_who_answers_in_the_timeline_is_masked_there_too(world, planted):
    guest = planted[0]
    lifecycle.respond(guest, as_user(world.liaison_a), "Ibu Rahmawati, petugas datang besok.")
    html = Client().get(reverse("portal:report", args=[guest.tracking_code])).content.decode()
    assert "Ibu R***, petugas datang besok." in html
    assert "Rahmawati" not in html


@pytest.mark.parametrize(
    "text, masked",
    [
        ("Saya Siti Warga dari RT 3", "Saya S*** W*** dari RT 3"),
        ("saya siti warga", "saya s*** w***"),  # the whole name, in any case
        ("Bu Siti minta tolong", "Bu S*** minta tolong"),
        ("SITI datang", "S*** datang"),
        ("warga sekitar resah", "warga sekitar resah"),  # a common word, not a name
        ("Situasi di Wargaluyu", "Situasi di Wargaluyu"),  # only whole words
        ("IG @siti_warga ya", "IG @s*** w*** ya"),  # joined by an underscore
        ("Foto_Siti_Warga.jpg", "Foto_S*** W***.jpg"),
        ("dari SitiWarga", "dari S***"),  # joined by a capital
        ("tanya SitiNurhaliza", "tanya S***Nurhaliza"),
    ],
)
def test_the_reporters_name_is_masked_in_public_text(world, text, masked):
    report = submit_report(Draft(title="Jalan rusak", body=text), reporter=world.citizen).report
    assert public_text(text, report) == masked


def test_a_nameless_or_short_named_guest_masks_nothing_more(world):
    report = submit_report(Draft(title="Jalan rusak", body="Ada di sini", guest_name="Al")).report
    assert public_text("Al dan Ali", report) == "Al dan Ali"


def test_open311_serves_the_reports_without_the_planted_personal_data(client, planted):
    guest = planted[0]
    for url in (
        f"/open311/v2/requests/{guest.tracking_code}.json",
        f"/open311/v2/requests/{guest.tracking_code}.xml",
        "/open311/v2/requests.json?extensions=true",
        "/open311/v2/requests.xml?extensions=true",
    ):
        text = client.get(url).content.decode()
        assert guest.tracking_code in text, url
        for secret in SECRETS:
            assert secret not in text, (url, secret)
        assert "107.60981" not in text and "6.914744" not in text


def test_an_offices_landline_in_its_response_stays_a_citizens_is_masked(world):
    draft = Draft(title="Jalan rusak", body="Jalan rusak parah di depan pasar, mohon diperbaiki.")
    report = submit_report(draft, reporter=world.citizen).report
    advance(world, report, Status.COMPLETED)
    lifecycle.reply(
        report,
        as_reporter(world.citizen),
        satisfied=False,
        message="Rumah saya telepon (0281) 635555, belum ada yang datang.",
    )
    lifecycle.respond(
        report,
        as_user(world.liaison_a),
        "Hubungi UPT Jalan di (0281) 632324, bukan HP petugas 0812-3456-7788.",
    )

    page = Client().get(reverse("portal:report", args=[report.tracking_code])).content.decode()

    assert "(0281) 632324" in page  # the office's own number, to call
    assert "0812-3456-7788" not in page  # a mobile number, whoever wrote it
    assert "635555" not in page  # the citizen's home landline


def test_a_reporters_answer_an_officer_records_for_them_is_masked_as_the_reporters(world):
    draft = Draft(title="Jalan rusak", body="Jalan rusak parah di depan pasar, mohon diperbaiki.")
    report = submit_report(draft, reporter=world.citizen).report
    advance(world, report, Status.COMPLETED)
    lifecycle.reply(
        report,
        as_user(world.agency_admin),
        satisfied=False,
        received_via="phone",
        message="Belum beres. Telepon rumah saya (0281) 635555, nomor kami: 0812-3456-7788.",
    )

    page = Client().get(reverse("portal:report", args=[report.tracking_code])).content.decode()

    assert "Belum beres" in page
    assert "635555" not in page and "3456-77" not in page
