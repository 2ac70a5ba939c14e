"""Duplicates and related reports: text, place and time together, for citizens (public
open reports only, masked) and for staff (only what they may see)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aduan.channels.intake import Draft, submit_report
from aduan.organizations.models import Region
from aduan.reports import lifecycle
from aduan.reports.models import Report, Status
from aduan.triage.duplicates import (
    SAME_PROBLEM,
    Probe,
    likely_duplicates,
    similar_open_reports,
)
from tests.personas import advance, as_user

POTHOLE_TITLE = "Jalan berlubang besar di depan Pasar Kliwon"
POTHOLE_BODY = (
    "Jalan di depan Pasar Kliwon berlubang besar dan dalam, sudah dua minggu. "
    "Motor sering jatuh saat hujan. Mohon segera ditambal."
)
# The same problem told by another citizen in other words.
REPHRASED_TITLE = "Lubang di jalan dekat pasar Kliwon"
REPHRASED_BODY = (
    "Ada lubang dalam di jln depan pasar kliwon, sdh 2 minggu blm diperbaiki, "
    "pengendara motor banyak yg jatuh. Tolong ditambal."
)
STREETLIGHT_TITLE = "Lampu penerangan jalan padam di dekat balai desa"
STREETLIGHT_BODY = (
    "Lampu penerangan jalan umum mati total sejak sebulan, malam hari gelap gulita "
    "dan rawan pencurian. Mohon lampunya diganti."
)


@pytest.fixture
def places(db):
    def region(code, name, level):
        parent = code.rsplit(".", 1)[0] if "." in code else None
        return Region.objects.create(code=code, name=name, level=level, parent_id=parent)

    region("32", "Jawa Barat", 1)
    region("32.04", "Kab. Bandung", 2)
    region("32.04.01", "Kec. Ciwidey", 3)
    region("32.73", "Kota Bandung", 2)
    region("32.73.01", "Kec. Sukasari", 3)
    return {
        "village": region("32.04.01.2001", "Desa Lebakmuncang", 4),
        "next_village": region("32.04.01.2002", "Desa Panundaan", 4),
        "other_city": region("32.73.01.1001", "Kel. Gegerkalong", 4),
    }


def _report(world, title, body, region=None, *, days_ago=0, status=Status.DISPATCHED, **extra):
    """A citizen's report, walked through the real lifecycle to `status`."""
    draft = Draft(title=title, body=body, region=region, category=world.potholes, **extra)
    at = timezone.now() - datetime.timedelta(days=days_ago)
    report = submit_report(draft, reporter=world.citizen, at=at).report
    return advance(world, report, status)


def _codes(matches) -> list[str]:
    return [match.report.tracking_code for match in matches]


def test_a_rephrased_report_in_the_same_village_is_a_likely_duplicate(world, places):
    first = _report(world, POTHOLE_TITLE, POTHOLE_BODY, places["village"], days_ago=5)
    second = _report(world, REPHRASED_TITLE, REPHRASED_BODY, places["village"])
    matches = likely_duplicates(second, world.national_admin)
    assert _codes(matches) == [first.tracking_code]
    assert matches[0].place == 1.0


def test_an_unrelated_report_in_the_same_village_is_not_a_duplicate(world, places):
    _report(world, STREETLIGHT_TITLE, STREETLIGHT_BODY, places["village"])
    pothole = _report(world, POTHOLE_TITLE, POTHOLE_BODY, places["village"])
    assert likely_duplicates(pothole, world.national_admin) == []


def test_the_same_words_in_another_regency_are_not_a_duplicate(world, places):
    _report(world, POTHOLE_TITLE, POTHOLE_BODY, places["other_city"])
    pothole = _report(world, POTHOLE_TITLE, POTHOLE_BODY, places["village"])
    assert likely_duplicates(pothole, world.national_admin) == []


def test_the_same_words_a_year_earlier_are_not_a_duplicate(world, places):
    _report(world, POTHOLE_TITLE, POTHOLE_BODY, places["village"], days_ago=365)
    pothole = _report(world, POTHOLE_TITLE, POTHOLE_BODY, places["village"])
    assert likely_duplicates(pothole, world.national_admin) == []


def test_a_neighbouring_village_counts_but_less_than_the_same_one(world, places):
    same = _report(world, REPHRASED_TITLE, REPHRASED_BODY, places["village"])
    near = _report(world, REPHRASED_TITLE, REPHRASED_BODY, places["next_village"])
    pothole = _report(world, POTHOLE_TITLE, POTHOLE_BODY, places["village"])
    matches = likely_duplicates(pothole, world.national_admin)
    assert _codes(matches) == [same.tracking_code, near.tracking_code]
    assert matches[0].score > matches[1].score


def test_coordinates_decide_between_near_and_far(world, places):
    near = _report(world, POTHOLE_TITLE, POTHOLE_BODY, latitude=-7.1000, longitude=107.5000)
    # About 5.5 km further north: another street, even if the words are the same.
    _report(world, POTHOLE_TITLE, POTHOLE_BODY, latitude=-7.0500, longitude=107.5000)
    probe = Probe(REPHRASED_TITLE, REPHRASED_BODY, latitude=-7.1030, longitude=107.5010)
    matches = similar_open_reports(probe)
    assert _codes(matches) == [near.tracking_code]
    assert matches[0].distance_km < 1


def test_a_draft_without_any_place_has_no_candidates(world, places):
    _report(world, POTHOLE_TITLE, POTHOLE_BODY, places["village"])
    assert similar_open_reports(Probe(POTHOLE_TITLE, POTHOLE_BODY)) == []


def test_citizens_are_shown_only_open_public_reports(world, places):
    village = places["village"]
    shown = _report(world, POTHOLE_TITLE, POTHOLE_BODY, village)
    _report(world, POTHOLE_TITLE, POTHOLE_BODY, village, status=Status.SUBMITTED)
    _report(world, POTHOLE_TITLE, POTHOLE_BODY, village, status=Status.COMPLETED)
    _report(world, POTHOLE_TITLE, POTHOLE_BODY, village, is_confidential=True)
    draft = Draft(title=REPHRASED_TITLE, body=REPHRASED_BODY, region=village)
    assert _codes(similar_open_reports(draft)) == [shown.tracking_code]


def test_citizens_are_shown_a_report_still_open_months_after_it_came_in(world, places):
    village = places["village"]
    open_long = _report(world, POTHOLE_TITLE, POTHOLE_BODY, village, days_ago=120)
    _report(world, POTHOLE_TITLE, POTHOLE_BODY, village, days_ago=120, status=Status.COMPLETED)
    draft = Draft(title=REPHRASED_TITLE, body=REPHRASED_BODY, region=village)
    matches = similar_open_reports(draft)
    assert _codes(matches) == [open_long.tracking_code]
    # Its age still counts: a report of last week would score its full text score.
    assert matches[0].days >= 119 and matches[0].score < matches[0].text * 0.9


def test_citizens_are_not_asked_to_support_another_problem_on_their_street(world, places):
    village = places["village"]
    pothole = _report(
        world,
        "Jalan berlubang di Jl. Kenanga",
        "Selamat siang. Di Jl. Kenanga dekat masjid ada lubang cukup dalam sejak seminggu. "
        "Kemarin malam ada pengendara motor yang jatuh karena tidak terlihat. Mohon segera "
        "ditambal sebelum ada korban.",
        village,
    )
    draft = Draft(
        title="Lampu PJU mati di Jl. Kenanga",
        body="Lampu penerangan jalan di Jl. Kenanga depan masjid mati sejak seminggu, "
        "jalan gelap dan rawan. Mohon diperbaiki.",
        region=village,
    )
    assert similar_open_reports(draft) == []
    # The same street and weeks, and "since a week", "please": still not the same problem.
    assert pothole.is_public and pothole.is_open


def test_a_report_written_in_capitals_is_offered_for_the_same_problem(world, places):
    shouted = _report(
        world,
        "JALAN BERLUBANG DEPAN PASAR WAGE",
        "JALAN BERLUBANG BESAR DEPAN PASAR WAGE SUDAH 2 MINGGU MOTOR SERING JATUH, MOHON "
        "DIPERBAIKI",
        places["village"],
    )
    draft = Draft(
        title="Jalan berlubang depan Pasar Wage",
        body="Ada lubang besar di jalan depan Pasar Wage, sudah dua minggu, motor sering jatuh.",
        region=places["village"],
    )
    assert _codes(similar_open_reports(draft)) == [shouted.tracking_code]


def test_a_title_case_report_keeps_its_words_but_not_its_streets_name(world, places):
    from aduan.triage.duplicates import _without_street_names

    assert "Banjir Setiap Hujan" in _without_street_names("Gang Mawar Banjir Setiap Hujan")
    assert "Mawar" not in _without_street_names("Gang Mawar Banjir Setiap Hujan")
    kept = _without_street_names("Jalan Rusak Parah Di Desa Karangsari")
    assert kept == "Jalan Rusak Parah Di Desa Karangsari"
    assert "Kenanga" not in _without_street_names("Lubang di Jl. Kenanga dekat masjid")


def test_staff_see_only_duplicates_they_may_see(world, places):
    theirs = _report(world, POTHOLE_TITLE, POTHOLE_BODY, places["village"], status=Status.SUBMITTED)
    lifecycle.dispatch(theirs, as_user(world.national_admin), world.other_agency)
    hidden = _report(world, REPHRASED_TITLE, REPHRASED_BODY, places["village"])
    assert likely_duplicates(theirs, world.other_admin) == []
    assert _codes(likely_duplicates(theirs, world.national_admin)) == [hidden.tracking_code]
    assert likely_duplicates(hidden, world.outsider) == []


# --- The back-office panel ------------------------------------------------------------


@pytest.fixture
def staff_client(client):
    def sign_in(user):
        client.force_login(user)
        client.cookies["django_language"] = "en"
        return client

    return sign_in


def test_the_report_page_offers_mark_as_duplicate_in_two_steps(world, places, staff_client):
    original = _report(world, POTHOLE_TITLE, POTHOLE_BODY, places["village"], days_ago=3)
    copy = _report(world, REPHRASED_TITLE, REPHRASED_BODY, places["village"])
    client = staff_client(world.agency_admin)
    page = client.get(reverse("workspace:report", args=[copy.tracking_code]))
    html = page.content.decode()
    assert f'data-duplicate="{original.tracking_code}"' in html
    step = f"?duplicate_of={original.tracking_code}#action-mark_duplicate"
    assert step in html
    # The panel's button opens the form with the original filled in, to be confirmed.
    form_page = client.get(reverse("workspace:report", args=[copy.tracking_code]) + step)
    assert f'name="original" value="{original.tracking_code}"' in form_page.content.decode()
    url = reverse("workspace:action", args=[copy.tracking_code, "mark_duplicate"])
    unconfirmed = client.post(url, {"version": copy.version, "original": original.tracking_code})
    assert unconfirmed.status_code == 400
    copy.refresh_from_db()
    assert copy.status != Status.ARCHIVED
    response = client.post(
        url, {"version": copy.version, "original": original.tracking_code, "confirm": "on"}
    )
    assert response.status_code == 302
    copy.refresh_from_db()
    assert copy.status == Status.ARCHIVED
    assert copy.duplicate_of == original


def test_the_report_page_tells_the_same_problem_from_a_related_report(world, places, staff_client):
    original = _report(world, POTHOLE_TITLE, POTHOLE_BODY, places["village"], days_ago=3)
    # Another problem at the same market: related, not the same.
    related = _report(
        world,
        "Pedagang di depan Pasar Kliwon",
        "Pedagang kaki lima di depan Pasar Kliwon memakan badan jalan, macet tiap pagi. "
        "Mohon ditertibkan.",
        places["village"],
        days_ago=2,
    )
    copy = _report(world, REPHRASED_TITLE, REPHRASED_BODY, places["village"])
    matches = {m.report: m for m in likely_duplicates(copy, world.agency_admin)}
    assert matches[original].same_problem and matches[original].score >= SAME_PROBLEM
    assert not matches[related].same_problem
    html = (
        staff_client(world.agency_admin)
        .get(reverse("workspace:report", args=[copy.tracking_code]))
        .content.decode()
    )
    rows = {
        report: html.split(f'data-duplicate="{report.tracking_code}"', 1)[1].split("</tr>")[0]
        for report in (original, related)
    }
    assert 'data-same-problem="yes">probably the same problem<' in rows[original]
    assert 'data-same-problem="no">related<' in rows[related]


def test_a_liaison_sees_duplicates_without_the_merge_button(world, places, staff_client):
    original = _report(world, POTHOLE_TITLE, POTHOLE_BODY, places["village"], days_ago=3)
    copy = _report(world, REPHRASED_TITLE, REPHRASED_BODY, places["village"])
    html = (
        staff_client(world.liaison_a)
        .get(reverse("workspace:report", args=[copy.tracking_code]))
        .content.decode()
    )
    assert f'data-duplicate="{original.tracking_code}"' in html
    assert 'name="original"' not in html


def test_outsider_is_refused_the_report_page_and_its_duplicates(world, places, staff_client):
    _report(world, POTHOLE_TITLE, POTHOLE_BODY, places["village"], days_ago=3)
    copy = _report(world, REPHRASED_TITLE, REPHRASED_BODY, places["village"])
    response = staff_client(world.outsider).get(
        reverse("workspace:report", args=[copy.tracking_code])
    )
    assert response.status_code in (403, 404)


def _page_queries(client, report) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert (
            client.get(reverse("workspace:report", args=[report.tracking_code])).status_code == 200
        )
    return len(queries)


def test_the_panel_costs_the_same_queries_for_one_or_five_duplicates(world, places, staff_client):
    client = staff_client(world.national_admin)
    _report(world, REPHRASED_TITLE, REPHRASED_BODY, places["village"], days_ago=2)
    probe = _report(world, POTHOLE_TITLE, POTHOLE_BODY, places["village"])
    _page_queries(client, probe)  # the first opening is also written to the access log
    with_one = _page_queries(client, probe)
    for days in (3, 4, 5, 6):
        _report(world, REPHRASED_TITLE, REPHRASED_BODY, places["village"], days_ago=days)
    assert len(likely_duplicates(probe, world.national_admin)) == 5
    assert _page_queries(client, probe) == with_one


def test_finding_duplicates_takes_three_queries_for_a_national_admin(
    world, places, django_assert_max_num_queries
):
    for days in range(6):
        _report(world, REPHRASED_TITLE, REPHRASED_BODY, places["village"], days_ago=days)
    _sms_report(world, SMS_POTHOLE)
    probe = Report.objects.order_by("pk").first()
    admin = world.national_admin
    likely_duplicates(probe, admin)  # the user's memberships are loaded once per user
    # The reports with a place; those without one; the regions' names, to read theirs.
    with django_assert_max_num_queries(3):
        assert len(likely_duplicates(probe, admin)) == 5


SMS_POTHOLE = (
    "jalan depan pasar kliwon kecamatan ciwidey kab bandung berlubang dalam, sdh 2 minggu "
    "motor sering jatuh. mohon ditambal"
)


def _sms_report(world, text, days_ago=0):
    """A report as the SMS gateway makes it: the message as its body, no region."""
    draft = Draft(title=text[:60], body=text, guest_phone="+6281234567890")
    at = timezone.now() - datetime.timedelta(days=days_ago)
    report = submit_report(draft, channel="sms", at=at).report
    return advance(world, report, Status.DISPATCHED)


def test_an_sms_report_and_a_web_report_of_one_problem_find_each_other(world, places):
    web = _report(world, POTHOLE_TITLE, POTHOLE_BODY, places["village"], days_ago=2)
    sms = _sms_report(world, SMS_POTHOLE)
    # Not in Kota Bandung, whose reports never meet the regency's.
    _report(world, POTHOLE_TITLE, POTHOLE_BODY, places["other_city"])

    assert _codes(likely_duplicates(sms, world.national_admin)) == [web.tracking_code]
    assert _codes(likely_duplicates(web, world.national_admin)) == [sms.tracking_code]
    sms.refresh_from_db()
    assert sms.region_id is None  # the words place it for the search only


def test_an_sms_naming_another_regency_is_not_a_duplicate(world, places):
    web = _report(world, POTHOLE_TITLE, POTHOLE_BODY, places["village"], days_ago=2)
    _sms_report(world, SMS_POTHOLE.replace("kecamatan ciwidey kab bandung", "kota bandung"))
    assert likely_duplicates(web, world.national_admin) == []


def test_sms_reports_from_other_regencies_do_not_crowd_out_the_regencys_own(
    world, places, monkeypatch
):
    from aduan.triage import duplicates

    web = _report(world, POTHOLE_TITLE, POTHOLE_BODY, places["village"], days_ago=2)
    sms = _sms_report(world, SMS_POTHOLE, days_ago=1)
    for code, name in (("32.05", "Kab. Garut"), ("32.06", "Kab. Tasikmalaya")):
        Region.objects.create(code=code, name=name, level=2, parent_id="32")
        # Newer and as alike: all a short list of the country's newest would hold.
        _sms_report(world, SMS_POTHOLE.replace("kecamatan ciwidey kab bandung", name))
    monkeypatch.setattr(duplicates, "CANDIDATES", 2)
    monkeypatch.setattr(duplicates, "RANKED_CANDIDATES", 2)

    assert _codes(likely_duplicates(web, world.national_admin)) == [sms.tracking_code]


@pytest.mark.parametrize(
    ("code", "district", "others"),
    [
        # A district inside a word: "Selo" in "selokan".
        ("32.04.02", "Kec. Selo", "selokan mampet, jalan depan pasar kliwon {} berlubang dalam"),
        # A district that is a common word: "ayah" (father) is in reports everywhere.
        ("32.04.03", "Kec. Ayah", "ayah saya jatuh, jalan depan pasar kliwon {} berlubang dalam"),
    ],
)
def test_sms_reports_from_other_regencies_naming_a_district_word_do_not_crowd_out_the_regencys_own(
    world, places, monkeypatch, code, district, others
):
    from aduan.triage import duplicates
    from aduan.triage import places as reader

    # The reader reads the names again only when the codes change, and the two cases
    # end up with the same number of regions and the same last code.
    monkeypatch.setattr(reader, "_index", reader._Index())
    Region.objects.create(code=code, name=district, level=3, parent_id="32.04")
    web = _report(world, POTHOLE_TITLE, POTHOLE_BODY, places["village"], days_ago=2)
    sms = _sms_report(world, SMS_POTHOLE, days_ago=1)
    for code, name in (("32.05", "Kab. Garut"), ("32.06", "Kab. Tasikmalaya")):
        Region.objects.create(code=code, name=name, level=2, parent_id="32")
        _sms_report(world, others.format(name.lower()))
    monkeypatch.setattr(duplicates, "CANDIDATES", 2)
    monkeypatch.setattr(duplicates, "RANKED_CANDIDATES", 2)

    assert _codes(likely_duplicates(web, world.national_admin)) == [sms.tracking_code]


@pytest.mark.parametrize(
    ("code", "regency", "district", "written"),
    [
        ("72.04", "Kabupaten Toli-Toli", "Baolan", "kabupaten toli-toli"),
        ("72.04", "Kabupaten Toli-Toli", "Baolan", "kabupaten toli toli"),
        ("73.26", "Kabupaten Toraja Utara", "Sa'dan", "kecamatan sa'dan"),
        ("73.26", "Kabupaten Toraja Utara", "Sa'dan", "Kec. Sa’dan"),
    ],
)
def test_an_sms_naming_a_hyphenated_or_apostrophed_place_is_a_likely_duplicate(
    world, code, regency, district, written
):
    province = code.split(".")[0]
    Region.objects.create(code=province, name="Sulawesi", level=1)
    Region.objects.create(code=code, name=regency, level=2, parent_id=province)
    Region.objects.create(code=f"{code}.01", name=district, level=3, parent_id=code)
    village = Region.objects.create(
        code=f"{code}.01.1001", name="Nalu", level=4, parent_id=f"{code}.01"
    )
    web = _report(world, POTHOLE_TITLE, POTHOLE_BODY, village, days_ago=2)
    sms = _sms_report(world, SMS_POTHOLE.replace("kecamatan ciwidey kab bandung", written))

    assert _codes(likely_duplicates(web, world.national_admin)) == [sms.tracking_code]


# --- The citizen's endpoint -------------------------------------------------------------


def _check(client, **fields):
    return client.post(reverse("portal:draft_checks"), fields)


def test_the_draft_check_lists_similar_public_reports_with_masked_titles(client, world, places):
    title = "Jalan berlubang di depan Pasar Kliwon, hubungi 081234567890"
    shown = _report(world, title, POTHOLE_BODY, places["village"])
    _report(world, POTHOLE_TITLE, POTHOLE_BODY, places["village"], is_confidential=True)
    response = _check(
        client, title=REPHRASED_TITLE, body=REPHRASED_BODY, region=places["village"].code
    )
    assert response.status_code == 200
    assert (
        response["Cache-Control"].startswith("private") or "no-store" in response["Cache-Control"]
    )
    similar = response.json()["similar"]
    assert [item["code"] for item in similar] == [shown.tracking_code]
    assert "081234567890" not in similar[0]["title"]
    assert similar[0]["url"] == reverse("portal:report", args=[shown.tracking_code])


def test_a_citizen_is_shown_reports_near_by_their_public_position_only(client, world):
    # Exactly at -7.42451 (shown on the map at -7.425, 0.054 km further south).
    report = _report(world, POTHOLE_TITLE, POTHOLE_BODY, latitude=-7.42451, longitude=109.2)
    # The same words: at almost 3 km only the text makes it the same problem.
    probe = {"title": POTHOLE_TITLE, "body": POTHOLE_BODY, "longitude": "109.2"}
    # 2.96 km north of the exact position is 3.01 km from the public one: too far.
    north = 2.96 / 111.195
    beyond = _check(client, **probe, latitude=f"{-7.42451 + north:.6f}").json()["similar"]
    within = _check(client, **probe, latitude=f"{-7.425 + north:.6f}").json()["similar"]
    assert beyond == []
    assert [item["code"] for item in within] == [report.tracking_code]
    assert "score" not in within[0]  # no figure to measure distances by


def test_a_citizen_who_chose_only_the_province_is_offered_nothing_yet(client, world, places):
    _report(world, POTHOLE_TITLE, POTHOLE_BODY, places["village"])
    draft = {"title": POTHOLE_TITLE, "body": POTHOLE_BODY}
    province = _check(client, **draft, region="32").json()["similar"]
    regency = _check(client, **draft, region="32.04").json()["similar"]
    assert province == []
    assert [item["place"] for item in regency] == ["Desa Lebakmuncang, Kec. Ciwidey"]


def test_a_form_sent_back_with_errors_lists_similar_reports_without_javascript(
    client, world, places
):
    shown = _report(world, POTHOLE_TITLE, POTHOLE_BODY, places["village"])
    fields = {"title": REPHRASED_TITLE, "body": REPHRASED_BODY, "region": places["village"].code}
    empty = client.get(reverse("portal:submit")).content.decode()
    refused = client.post(reverse("portal:submit"), fields)  # a guest without name or contact

    assert refused.status_code == 200
    page = refused.content.decode()
    assert shown.tracking_code in page and "data-similar hidden" not in page
    assert "data-similar hidden" in empty


def test_a_position_set_on_the_submit_form_finds_the_report_there(client, world):
    report = _report(world, POTHOLE_TITLE, POTHOLE_BODY, latitude=-7.4272, longitude=109.2308)
    # The submit form's own hidden fields, as the page sends them.
    fields = {"title": REPHRASED_TITLE, "body": REPHRASED_BODY}
    found = _check(client, **fields, latitude="-7.427200", longitude="109.230800").json()
    half = _check(client, **fields, latitude="-7.427200").json()
    assert [item["code"] for item in found["similar"]] == [report.tracking_code]
    assert half["similar"] == []


def test_the_draft_check_stays_within_its_query_budget(
    client, world, places, django_assert_max_num_queries
):
    for days in range(6):
        _report(world, POTHOLE_TITLE, POTHOLE_BODY, places["village"], days_ago=days)
    with django_assert_max_num_queries(2):
        response = _check(
            client, title=REPHRASED_TITLE, body=REPHRASED_BODY, region=places["village"].code
        )
    assert len(response.json()["similar"]) == 5


def test_the_draft_check_refuses_get_and_posts_from_other_sites(world, places):
    _report(world, POTHOLE_TITLE, POTHOLE_BODY, places["village"])
    url = reverse("portal:draft_checks")
    query = {"title": REPHRASED_TITLE, "body": REPHRASED_BODY, "region": places["village"].code}
    strict = Client(enforce_csrf_checks=True)
    assert strict.get(url, query).status_code == 405
    assert strict.post(url, query).status_code == 403


def test_the_draft_check_ignores_nonsense_input(client, world, places):
    response = _check(
        client, title="x" * 10000, region="99.99", latitude="north", incident_date="kemarin"
    )
    assert response.status_code == 200
    assert response.json()["similar"] == []


def test_reports_naming_different_streets_are_not_duplicates(world, places):
    village = places["village"]
    body = "Lampu penerangan jalan mati sejak seminggu, malam gelap sekali. Mohon diganti."
    _report(world, "Lampu jalan mati di Jl. Gerilya", body, village)
    same_street = _report(world, "Lampu PJU padam di jalan Gerilya", body, village)
    probe = _report(world, "Lampu jalan mati di Jl. Raya Sokaraja", body, village)
    assert likely_duplicates(probe, world.national_admin) == []
    assert len(likely_duplicates(same_street, world.national_admin)) == 1


@pytest.mark.parametrize(
    ("written", "other"),
    [
        ("Jl. Gajah Mada", "Jl. Gajahmada"),
        ("Jalan Raya Baturaden", "Jl. Raya Baturraden"),
        ("Jl. Jend. Soedirman", "Jalan Jenderal Sudirman"),
    ],
)
def test_a_street_written_two_ways_is_one_street(world, places, written, other):
    village = places["village"]
    body = "Lampu penerangan jalan mati sejak seminggu, malam gelap sekali. Mohon diganti."
    first = _report(world, f"Lampu jalan mati di {written}", body, village)
    probe = _report(world, f"Lampu PJU padam di {other}", body, village)
    assert _codes(likely_duplicates(probe, world.national_admin)) == [first.tracking_code]


@pytest.mark.parametrize(
    ("title", "other"),
    [
        ("Jalan Rusak Parah Di Depan Pasar Wage", "Lubang besar di Jl. Pasar Wage"),
        ("Jalan berlubang di Jl. A. Yani", "Jalan berlubang di Jl. Ahmad Yani"),
        ("Jalan berlubang di Jl. Raya Sokaraja", "Jalan berlubang di Jalan Sokaraja Raya"),
    ],
)
def test_positions_half_a_kilometre_apart_keep_a_duplicate_whatever_the_street_says(
    world, places, title, other
):
    body = "Jalan berlubang besar dan dalam, motor sering jatuh. Mohon segera ditambal."
    first = _report(world, title, body, latitude=-7.4200, longitude=109.2300)
    probe = _report(world, other, body, latitude=-7.4245, longitude=109.2300)
    assert _codes(likely_duplicates(probe, world.national_admin)) == [first.tracking_code]


def test_different_streets_a_kilometre_apart_are_not_duplicates_even_with_positions(world, places):
    body = "Jalan berlubang besar dan dalam, motor sering jatuh. Mohon segera ditambal."
    _report(
        world, "Jalan berlubang di Jl. Gatot Subroto", body, latitude=-7.4200, longitude=109.2300
    )
    # 1.3 km away, another street: another pothole.
    probe = _report(
        world, "Jalan berlubang di Jl. Overste Isdiman", body, latitude=-7.4317, longitude=109.2300
    )
    assert likely_duplicates(probe, world.national_admin) == []


def test_two_problems_on_one_street_are_not_duplicates(world, places):
    village = places["village"]
    _report(
        world,
        "Lampu lalu lintas mati di simpang Jl. Raya Baturraden",
        "Lampu lalu lintas di simpang Jl. Raya Baturraden mati, kendaraan saling serobot.",
        village,
    )
    vendors = _report(
        world,
        "PKL memenuhi trotoar Jl. Raya Baturraden",
        "Pedagang kaki lima memenuhi trotoar Jl. Raya Baturraden, pejalan kaki turun ke jalan.",
        village,
    )
    assert likely_duplicates(vendors, world.national_admin) == []


def test_a_duplicate_is_found_behind_many_newer_reports_of_the_same_place(world, places):
    original = _report(world, POTHOLE_TITLE, POTHOLE_BODY, places["village"], days_ago=20)
    for n in range(70):  # more than the ranked candidates a PostgreSQL query keeps
        _report(
            world,
            f"{STREETLIGHT_TITLE} nomor {n}",
            STREETLIGHT_BODY,
            places["village"],
            days_ago=10,
            status=Status.SUBMITTED,
        )
    copy = _report(world, REPHRASED_TITLE, REPHRASED_BODY, places["village"])
    assert _codes(likely_duplicates(copy, world.national_admin)) == [original.tracking_code]


def test_a_citizen_is_offered_the_same_problem_on_the_same_named_street(world, places):
    village = places["village"]
    pothole = _report(
        world,
        "Jalan berlubang di Jl. Raya Baturraden",
        "Selamat siang. Di Jl. Raya Baturraden dekat RSUD ada lubang cukup dalam hampir "
        "setahun. Kalau hujan lubangnya tertutup genangan sehingga tidak kelihatan. Mohon "
        "segera ditambal sebelum ada korban.",
        village,
        days_ago=30,
    )
    draft = Draft(
        title="Jalan berlubang di Jl. Raya Baturraden",
        body="Ada lubang besar di Jl. Raya Baturraden, berbahaya untuk pengendara motor "
        "terutama malam hari. Mohon segera diperbaiki.",
        region=village,
        address="Jl. Raya Baturraden",
    )
    assert _codes(similar_open_reports(draft)) == [pothole.tracking_code]
    elsewhere = Draft(
        title="Jalan berlubang di Jl. Gerilya",
        body="Ada lubang besar di Jl. Gerilya, berbahaya untuk pengendara motor terutama "
        "malam hari. Mohon segera diperbaiki.",
        region=village,
    )
    assert similar_open_reports(elsewhere) == []  # the same words on another street
