"""Full-text search of public reports: PostgreSQL's Indonesian text search, and the
word-matching fallback on SQLite. Every test runs on both databases; where they differ
the PostgreSQL assertion and the SQLite one are both written out."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from aduan.channels.intake import Draft, submit_report
from aduan.reports.models import Report, Status
from tests.personas import advance, days_ago

POSTGRESQL = connection.vendor == "postgresql"
BODY = "Mohon segera ditindaklanjuti oleh dinas terkait karena membahayakan warga sekitar."


def published(
    world, title: str, body: str = BODY, *, days: int = 0, reporter=None, **fields
) -> Report:
    """A public report submitted `days` ago by a guest, dispatched to unit A."""
    fields = {"guest_name": "Budi Tamu", "guest_email": "budi@example.id", **fields}
    draft = Draft(title=title, body=body, category=world.potholes, **fields)
    report = submit_report(draft, at=days_ago(days), reporter=reporter).report
    return advance(world, report, Status.DISPATCHED)


def found(text: str, **params) -> list[str]:
    """Tracking codes the public feed lists for the search `text`, in page order."""
    html = Client().get(reverse("portal:feed"), {"q": text, **params}).content.decode()
    return re.findall(r'class="code">([A-Z0-9-]+)<', html)


def test_every_word_must_appear_in_the_title_or_the_body(world):
    both = published(world, "Lampu jalan mati", "Di depan pasar Cicadas sudah seminggu gelap.")
    only_lamp = published(world, "Lampu taman mati", "Taman kota gelap setiap malam, rawan.")
    published(world, "Sampah di pasar", "Tumpukan sampah di pasar Cicadas tidak diangkut.")
    assert found("lampu pasar") == [both.tracking_code]
    assert set(found("LAMPU")) == {both.tracking_code, only_lamp.tracking_code}


def test_indonesian_word_forms_match_on_postgresql(world):
    report = published(world, "Perbaikan jalan desa", "Jalanan berlubang belum diperbaiki juga.")
    if POSTGRESQL:
        # The Indonesian stemmer reduces diperbaiki, perbaikan and baik to one stem.
        assert found("diperbaiki") == [report.tracking_code]
        assert found("lubang jalan") == [report.tracking_code]
    else:
        assert found("diperbaiki") == [report.tracking_code]  # the word itself
        assert found("lubang jalan") == [report.tracking_code]  # parts of words
        assert found("memperbaiki") == []


def test_title_matches_rank_first_on_postgresql_and_sqlite_lists_newest_first(world):
    in_title = published(world, "Banjir setinggi lutut di perumahan", days=5)
    in_body = published(world, "Selokan mampet", "Setiap hujan terjadi banjir kecil.", days=1)
    ranked = found("banjir")
    if POSTGRESQL:
        assert ranked == [in_title.tracking_code, in_body.tracking_code]
    else:
        assert ranked == [in_body.tracking_code, in_title.tracking_code]


def test_a_common_word_is_ranked_among_its_newest_matches_only(world, settings):
    settings.ADUAN_SEARCH_RANK_WINDOW = 2
    best_but_oldest = published(world, "Banjir banjir di perumahan", "Banjir lagi.", days=9)
    older = published(world, "Selokan mampet", "Setiap hujan terjadi banjir kecil.", days=5)
    newest = published(world, "Jalan licin", "Sisa banjir membuat jalan licin.", days=1)
    if POSTGRESQL:
        assert found("banjir") == [newest.tracking_code, older.tracking_code]
    else:  # newest first anyway: nothing to bound
        assert found("banjir") == [r.tracking_code for r in (newest, older, best_but_oldest)]
    # The exports need every match: no window.
    csv = Client().get(reverse("portal:open_data_csv"), {"q": "banjir"})
    assert b"".join(csv.streaming_content).decode().count("\n") == 4


def test_the_window_applies_after_the_other_filters(world, settings):
    settings.ADUAN_SEARCH_RANK_WINDOW = 1
    info = published(world, "Banjir: informasi posko", kind="information", days=5)
    published(world, "Banjir di jalan", days=1)
    assert found("banjir", kind="information") == [info.tracking_code]


def test_without_a_search_the_feed_stays_newest_first(world):
    older = published(world, "Banjir setinggi lutut di perumahan", days=5)
    newer = published(world, "Selokan mampet", "Setiap hujan terjadi banjir kecil.", days=1)
    assert found("") == [newer.tracking_code, older.tracking_code]


def test_quoted_phrases_and_excluded_words(world):
    phrase = published(world, "Jalan rusak parah di Soreang", "Aspal hancur sepanjang 200 meter.")
    published(world, "Jalan rusak karena banjir", "Air menggenang dan aspal terkelupas.")
    words = published(world, "Rusak lagi, jalan ke sekolah", "Anak-anak sulit lewat tiap pagi.")
    results = set(found('"jalan rusak" -banjir'))
    if POSTGRESQL:
        assert results == {phrase.tracking_code}
    else:  # no phrases: both words anywhere, still without "banjir"
        assert results == {phrase.tracking_code, words.tracking_code}


def test_a_tracking_code_typed_however_finds_its_report(world):
    report = published(world, "Pungutan liar di loket samsat")
    published(world, "Antrean panjang di loket samsat")
    typed = report.tracking_code.replace("-", "").lower()
    assert found(typed) == [report.tracking_code]
    assert found(f" {report.tracking_code} ") == [report.tracking_code]


def test_an_eight_letter_word_that_could_be_a_code_is_still_searched(world):
    report = published(world, "Drainase tersumbat sampah plastik")
    assert found("drainase") == [report.tracking_code]


@pytest.mark.parametrize("hidden", ["confidential", "submitted", "on_hold", "archived"])
def test_hidden_reports_are_never_found(world, hidden):
    shown = published(world, "Trotoar ambles di depan sekolah")
    draft = Draft(
        title="Trotoar ambles di dekat pasar",
        body=BODY,
        guest_name="Budi Tamu",
        guest_email="budi@example.id",
        is_confidential=hidden == "confidential",
    )
    report = submit_report(draft).report
    if hidden != "submitted":
        status = Status.DISPATCHED if hidden == "confidential" else hidden
        advance(world, report, status)
    assert found("trotoar") == [shown.tracking_code]
    assert found(report.tracking_code) == []


def test_public_search_ignores_numbers_and_emails_that_could_identify_people(world):
    report = published(
        world, "Petugas parkir liar minta uang", "Hubungi saya di 0812 3456 7890 atau siti@mail.id."
    )
    client = Client()
    html = client.get(reverse("portal:feed"), {"q": "0812 3456 7890"}).content.decode()
    assert report.tracking_code not in html
    assert "data-private-words" in html
    assert found("siti@mail.id") == []
    assert found("parkir 7890") == [report.tracking_code]  # the other words still count
    plain = client.get(reverse("portal:feed"), {"q": "parkir"}).content.decode()
    assert "data-private-words" not in plain
    # Staff search the real text (the back-office inbox uses the same method).
    assert list(Report.objects.search("3456 7890")) == [report]


def test_public_search_cannot_find_a_report_by_what_its_page_masks(world):
    report = published(
        world,
        "Pungutan liar di kantor kelurahan",
        "Saya Sulastri Rahmawati diminta bayar. Bukti saya kirim dari sulastri.w@gmail.com.",
        guest_name="Sulastri Rahmawati",
        is_anonymous=True,
    )
    assert found("pungutan kelurahan") == [report.tracking_code]
    for masked in ("Rahmawati", "pungutan Sulastri", "sulastri.w"):
        assert found(masked) == [], masked
    response = Client().get(reverse("portal:open_data_json"), {"q": "Rahmawati"})
    assert json.loads(b"".join(response.streaming_content))["reports"] == []
    # Staff find the text as its handlers read it: an anonymous reporter's name is
    # withheld from them too.
    assert list(Report.objects.search("diminta bayar")) == [report]
    assert list(Report.objects.search("Rahmawati")) == []


def test_a_renamed_reporters_new_name_is_masked_for_the_search_too(world):
    report = published(
        world,
        "Pungutan liar di kantor kelurahan",
        "Saya Rahmawati Putri diminta membayar untuk surat pengantar.",
        reporter=world.citizen,
        guest_name="",
        guest_email="",
    )
    assert found("Rahmawati") == [report.tracking_code]  # not the name it was filed under

    world.citizen.full_name = "Rahmawati Putri"
    world.citizen.save()

    assert found("Rahmawati") == []  # the page now masks it, and so does the search
    assert found("pungutan") == [report.tracking_code]


def test_the_search_follows_a_changed_title(world):
    report = published(world, "Lampu jalan mati")
    Report.objects.filter(pk=report.pk).update(title="Trotoar ambles di depan sekolah")
    assert list(Report.objects.search("trotoar")) == [report]
    assert list(Report.objects.search("lampu")) == []


def test_search_works_inside_a_subquery(world):
    report = published(world, "Lampu jalan mati")
    published(world, "Sampah menumpuk")
    inner = Report.objects.search("lampu").values("pk")
    assert list(Report.objects.filter(pk__in=inner)) == [report]


def test_a_search_can_be_counted_checked_and_combined(world):
    """The back office counts and combines searched querysets too."""
    report = published(world, "Lampu jalan mati")
    published(world, "Sampah menumpuk")
    searched = Report.objects.search("lampu")
    assert searched.count() == 1
    assert searched.exists()
    assert list(searched.values_list("pk", flat=True)) == [report.pk]
    assert list(Report.objects.search("lampu") | Report.objects.search("sampah")) != []
    assert list(searched.filter(status=Status.DISPATCHED).order_by("-pk")) == [report]


def test_the_search_uses_the_stored_document_and_its_index(world):
    published(world, "Lampu jalan mati")
    queryset = Report.objects.search("lampu jalan")
    with connection.cursor() as cursor:
        if POSTGRESQL:
            cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = queryset.query.sql_with_params()
        explain = "EXPLAIN" if POSTGRESQL else "EXPLAIN QUERY PLAN"
        cursor.execute(f"{explain} {sql}", params)
        plan = " ".join(str(row) for row in cursor.fetchall())
    if POSTGRESQL:
        assert "report_search_document" in plan
        assert "websearch_to_tsquery" in sql and "ts_rank" in sql
    else:
        assert "LIKE" in sql
        assert "SCAN" in plan


def test_a_search_page_costs_the_same_few_queries(world, django_assert_max_num_queries):
    for n in range(22):
        reporter = world.citizen if n % 2 else None
        published(world, f"Jalan rusak di desa nomor {n}", reporter=reporter)
    client = Client()
    with django_assert_max_num_queries(8):
        html = client.get(reverse("portal:feed"), {"q": "jalan rusak"}).content.decode()
    assert html.count('class="card report-item"') == 20
    with django_assert_max_num_queries(8):
        second = client.get(reverse("portal:feed"), {"q": "jalan rusak", "page": 2})
    assert second.content.decode().count('class="card report-item"') == 2


def test_outsider_searching_sees_only_public_reports(world):
    shown = published(world, "Lampu jalan mati")
    draft = Draft(title="Lampu jalan rahasia", body=BODY, is_confidential=True)
    hidden = submit_report(draft, reporter=world.citizen).report
    advance(world, hidden, Status.DISPATCHED)
    client = Client()
    client.force_login(world.outsider)
    html = client.get(reverse("portal:feed"), {"q": "lampu"}).content.decode()
    assert shown.tracking_code in html
    assert hidden.tracking_code not in html


def test_the_feeds_filters_besides_the_search_fold_away_unless_in_use(world):
    client = Client()
    client.cookies["django_language"] = "en"

    plain = client.get(reverse("portal:feed")).content.decode()
    searched = client.get(reverse("portal:feed"), {"q": "jalan"}).content.decode()
    refined = client.get(reverse("portal:feed"), {"kind": "complaint"}).content.decode()

    assert '<details class="more-filters">' in plain and 'name="q"' in plain
    assert '<details class="more-filters">' in searched
    assert '<details class="more-filters" open>' in refined
