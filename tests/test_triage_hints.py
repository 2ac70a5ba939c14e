"""Completeness hints while a citizen writes, urgency flags and the abusive-language flag."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from aduan.organizations.models import Region
from aduan.reports.models import Status
from aduan.triage.hints import completeness_hints, is_abusive, urgency
from tests.personas import advance, submit

COMPLETE_BODY = (
    "Sejak tiga minggu lalu lampu penerangan di Jalan Kenanga depan SD Negeri 2 padam, "
    "anak-anak pulang mengaji dalam gelap. Mohon lampunya segera diganti."
)


def _codes(title: str, body: str, **context) -> list[str]:
    return [hint.code for hint in completeness_hints(title, body, **context)]


def test_a_complete_report_gets_no_hints():
    assert _codes("Lampu jalan padam", COMPLETE_BODY) == []


def test_a_short_report_is_told_to_say_more():
    assert "too_short" in _codes("Jalan rusak", "Jalan rusak parah, mohon diperbaiki.")


def test_a_report_without_a_place_is_asked_where():
    body = "Sudah seminggu sampah menumpuk dan berbau, lalat di mana-mana. Tolong diangkut segera."
    assert _codes("Sampah menumpuk", body) == ["too_short", "no_place"]


def test_an_address_or_a_village_is_a_place():
    body = "Sudah seminggu sampah menumpuk dan berbau, lalat di mana-mana. Tolong diangkut segera."
    assert "no_place" not in _codes("Sampah", body, address="Pos ronda RT 2")
    assert "no_place" not in _codes("Sampah", body, has_region=True, region_level=4)
    assert "no_place" in _codes("Sampah", body, has_region=True, region_level=1)


@pytest.mark.parametrize(
    "where",
    ["di kec nalumsari", "PDAM Kab.Pekalongan", "di ds.Tarisi", "lokasinya di Dsn Krajan"],
)
def test_abbreviated_places_with_or_without_their_dot_are_places(where):
    body = f"Sudah seminggu sampah menumpuk {where}, lalat di mana-mana. Tolong diangkut."
    assert "no_place" not in _codes("Sampah", body)


@pytest.mark.parametrize("when", ["tgl 12 kemarin", "sejak th 2018", "sudah 2thn", "tanggal 3"])
def test_abbreviated_dates_are_dates(when):
    body = f"Lampu penerangan di Jalan Kenanga padam {when}. Mohon segera diganti."
    assert "no_date" not in _codes("Lampu padam", body)


def test_a_report_without_a_date_is_asked_when():
    body = "Lampu penerangan di Jalan Kenanga padam, gelap sekali. Mohon segera diganti."
    assert "no_date" in _codes("Lampu padam", body)
    assert "no_date" not in _codes("Lampu padam", body, incident_date=datetime.date(2026, 1, 5))
    assert "no_date" not in _codes("Lampu padam", body + " Padam sejak 3 hari.")
    assert "no_date" not in _codes("Lampu padam", body + " Terjadi tanggal 12 Januari.")


def test_a_report_without_a_request_is_asked_what_it_wants():
    body = "Lampu penerangan di Jalan Kenanga padam sejak kemarin, jalan gelap sekali."
    assert "no_request" in _codes("Lampu padam", body)
    assert "no_request" not in _codes("Lampu padam", body + " Nyuwun tulung didandani.")


@pytest.mark.parametrize(
    "ask",
    [
        "Saya mau tanya soal biaya balik nama.",
        "Berapa biaya yang harus dibayar?",
        "Jalan yg hrs di benahi segera.",
        "Pelakunya harus ditindak.",
    ],
)
def test_asking_or_saying_what_must_be_done_is_a_request(ask):
    body = f"Lampu penerangan di Jalan Kenanga padam sejak kemarin, jalan gelap. {ask}"
    assert "no_request" not in _codes("Lampu padam", body)


def test_a_question_is_a_request_for_an_information_request():
    body = "Kapan pendaftaran sekolah negeri di kecamatan kami dibuka tahun ini?"
    assert "no_request" not in _codes("Pendaftaran", body, kind="information")


def test_hints_speak_the_visitors_language():
    with translation.override("en"):
        hint = completeness_hints("Sampah", "Sampah menumpuk")[0]
    assert hint.as_dict() == {
        "code": "too_short",
        "field": "body",
        "message": "Tell a little more: what happened, where exactly, and since when.",
    }


@pytest.mark.parametrize(
    "text, flag",
    [
        ("Rumah warga kebanjiran setinggi lutut sejak subuh", "flood"),
        ("Omah-omah kena blabur, banyu mlebu omah", "flood"),
        ("Gudang di pasar terbakar, api belum padam", "fire"),
        ("Pohon beringin tumbang menutup jalan desa", "fallen_tree"),
        ("Wit gedhe ambruk neng dalan", "fallen_tree"),
        ("Tangkal kalapa rubuh kana imah", "fallen_tree"),
        ("Jembatan gantung di dusun kami putus diterjang arus", "collapsed_bridge"),
        ("Kreteg desa ambrol wingi sore", "collapsed_bridge"),
        ("Tebing longsor menimbun separuh jalan", "landslide"),
        ("Ibu saya pingsan, ambulans puskesmas tidak datang", "medical"),
    ],
)
def test_urgent_events_are_flagged(text, flag):
    assert flag in urgency(text)


@pytest.mark.parametrize(
    "text",
    [
        "Jalan berlubang di depan pasar, mohon ditambal.",
        "Pohon di taman kota perlu dipangkas, daunnya menutupi lampu.",
        "Jembatan desa catnya mengelupas dan perlu dicat ulang.",
        "Pengurusan akta kelahiran lama sekali, sudah tiga bulan.",
    ],
)
def test_ordinary_reports_are_not_flagged_urgent(text):
    assert urgency(text) == []


@pytest.mark.parametrize(
    "text, flag",
    [
        ("Desa kami terendam air sudah dua minggu", "flood"),
        ("Rumah warga tergenang sejak subuh", "flood"),
        ("Jalan tergenang setinggi 50 cm, motor mogok", "flood"),
        ("Belum ada yang meninjau, di tempat lain juga ada longsor", "landslide"),
        ("Tidak ada yang datang. Pasar terbakar lagi tadi malam", "fire"),
    ],
)
def test_events_happening_now_are_flagged(text, flag):
    assert flag in urgency(text)


@pytest.mark.parametrize(
    "text",
    [
        # Feared, denied or recalled, not happening:
        "Mohon segera diperbaiki sebelum ada korban jiwa.",
        "Sebelum banyak terjadi kecelakaan yang memakan korban jiwa, mohon ditindaklanjuti.",
        "Mohon dinormalisasi agar tidak banjir lagi tahun depan.",
        "Bukit di atas desa gundul, saya takut akan longsor.",
        "Lereng itu rawan longsor, mohon dipasang rambu.",
        "Di tahun 2019 pernah terjadi kecelakaan yang menyebabkan korban jiwa.",
        "Alhamdulillah belum ada korban jiwa, tapi jalannya retak.",
        # Words that look urgent and are not:
        "Kalau hujan banyak lubang tergenang air, membahayakan pemotor.",
        "Selalu ada genangan air karena tidak ada drainase.",
        "Sisa panen yang dibakar menyebabkan polusi udara.",
        "Kuota internet bantuan sekolah hangus sebelum dipakai.",
        "Kantor pemadam kebakaran kekurangan hidran.",
        "Kualitas tanah urug untuk pelebaran jalan jelek.",
        "Debu pabrik membuat warga sesak napas setiap hari.",
        "Dana ambulans desa 100 juta tidak jelas penggunaannya.",
    ],
)
def test_feared_denied_recalled_or_lookalike_events_are_not_flagged(text):
    assert urgency(text) == []


def test_urgency_reads_a_report_title_and_body(world):
    report, _secret = submit(world, title="Banjir di perumahan", body="Air masuk rumah warga.")
    assert urgency(report) == ["flood"]


@pytest.mark.parametrize(
    "text",
    [
        "Pelayanan kantor ini lambat, dasar petugas goblok!",
        "Bangsat kalian semua, laporan saya tidak dibalas",
        "Pejabatnya tolol, g0bl0kkk semua",
        "Dasar anjing, kerja tidak becus",
        "Kalian babi semua",
    ],
)
def test_insults_are_flagged_as_abusive(text):
    assert is_abusive(text)


@pytest.mark.parametrize(
    "text",
    [
        "Banyak anjing liar berkeliaran di sekitar sekolah, anak-anak takut.",
        "Babi hutan merusak kebun warga setiap malam.",
        "Petugas sangat lambat dan tidak ramah, kami kecewa sekali.",
        "Monyet dari hutan masuk permukiman dan mencuri makanan.",
    ],
)
def test_angry_or_animal_words_alone_are_not_abusive(text):
    assert not is_abusive(text)


# --- Where the flags and hints show -----------------------------------------------------


def test_the_back_office_report_page_shows_urgency_and_abuse_badges(client, world):
    report, _secret = submit(
        world, title="Pohon tumbang, petugas goblok", body="Pohon tumbang menutup jalan, lambat!"
    )
    client.force_login(world.national_admin)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("workspace:report", args=[report.tracking_code])).content.decode()
    assert 'data-urgency="fallen_tree"' in html
    assert 'data-flag="abusive"' in html


def test_intake_stores_the_flags_so_that_inboxes_can_sort_on_them(world):
    urgent, _secret = submit(world, title="Banjir bandang", body="Air setinggi dada, tolong.")
    plain, _secret = submit(world)
    rude, _secret = submit(world, title="Dasar petugas goblok", body="Jalan rusak tidak diurus!")
    assert (urgent.is_urgent, urgent.urgency_flags, urgent.is_abusive) == (True, ["flood"], False)
    assert (plain.is_urgent, plain.urgency_flags, plain.is_abusive) == (False, [], False)
    assert (rude.is_urgent, rude.is_abusive) == (False, True)


def test_work_queues_list_urgent_reports_first_then_by_deadline(client, world):
    first, _secret = submit(world, title="Lampu jalan mati")
    second, _secret = submit(world, title="Pohon tumbang menutup jalan")
    client.force_login(world.national_admin)
    client.cookies["django_language"] = "en"
    response = client.get(reverse("workspace:inbox"))
    codes = [r.tracking_code for r in response.context["page"].rows]
    assert codes.index(second.tracking_code) < codes.index(first.tracking_code)
    assert 'data-urgency="fallen_tree"' in response.content.decode()
    by_deadline = client.get(reverse("workspace:inbox"), {"sort": "deadline"})
    codes = [r.tracking_code for r in by_deadline.context["page"].rows]
    assert codes.index(first.tracking_code) < codes.index(second.tracking_code)


def test_the_draft_check_returns_hints_for_the_fields(client, db):
    region = Region.objects.create(code="32", name="Jawa Barat", level=1)
    response = client.post(
        reverse("portal:draft_checks"),
        {"title": "Sampah", "body": "Sampah menumpuk bau sekali.", "region": region.code},
    )
    hints = {hint["code"]: hint["field"] for hint in response.json()["hints"]}
    assert hints == {
        "too_short": "body",
        "no_place": "address",
        "no_date": "incident_date",
        "no_request": "body",
    }


def test_the_submit_page_shows_hints_again_after_a_failed_send(client, db):
    client.cookies["django_language"] = "en"
    response = client.post(
        reverse("portal:submit"),
        {"form_token": "not-a-token", "title": "Sampah numpuk", "body": "Sampah menumpuk bau."},
    )
    html = response.content.decode()
    assert 'data-hint="no_place"' in html
    assert 'data-hint="no_date"' in html


def test_the_submit_page_without_input_shows_no_hints(client, db):
    html = client.get(reverse("portal:submit")).content.decode()
    assert "data-hint=" not in html
    assert reverse("portal:draft_checks") in html


def test_bego_is_an_excavator_unless_aimed_at_someone():
    assert not is_abusive("Alat berat bego menambang pasir di sungai tanpa izin.")
    assert is_abusive("Petugas bego, tidak bisa kerja.")


def _flagged_by_an_earlier_version(report) -> None:
    """Store the flags an earlier phrase list gave ("sebelum ada korban jiwa" was
    medical then)."""
    type(report).objects.filter(pk=report.pk).update(urgency_flags=["medical"], is_urgent=True)


def test_reflag_reports_reads_the_flags_of_open_reports_again(world):
    feared, _ = submit(world, title="Jalan retak", body="Perbaiki sebelum ada korban jiwa.")
    flood, _ = submit(world, title="Banjir", body="Rumah warga kebanjiran sejak subuh.")
    closed, _ = submit(world, title="Jalan retak", body="Perbaiki sebelum ada korban jiwa.")
    advance(world, closed, Status.CLOSED)
    for report in (feared, closed):
        _flagged_by_an_earlier_version(report)
    versions = {r.pk: r.version for r in type(feared).objects.all()}
    out = io.StringIO()

    call_command("reflag_reports", stdout=out, stderr=io.StringIO())

    assert "1 changed" in out.getvalue()
    for report in (feared, flood, closed):
        report.refresh_from_db()
    assert (feared.is_urgent, feared.urgency_flags) == (False, [])
    assert (flood.is_urgent, flood.urgency_flags) == (True, ["flood"])
    assert (closed.is_urgent, closed.urgency_flags) == (True, ["medical"])
    # Not an officer's action: nobody's open form goes stale.
    assert {r.pk: r.version for r in type(feared).objects.all()} == versions


def test_reflag_reports_all_includes_closed_reports_and_dry_run_writes_nothing(world):
    closed, _ = submit(world, title="Jalan retak", body="Perbaiki sebelum ada korban jiwa.")
    advance(world, closed, Status.CLOSED)
    _flagged_by_an_earlier_version(closed)

    dry = io.StringIO()
    call_command("reflag_reports", "--all", "--dry-run", stdout=dry, stderr=io.StringIO())
    closed.refresh_from_db()
    assert "1 would change" in dry.getvalue() and closed.is_urgent

    call_command("reflag_reports", "--all", stdout=io.StringIO(), stderr=io.StringIO())
    closed.refresh_from_db()
    assert (closed.is_urgent, closed.urgency_flags) == (False, [])


def test_a_complete_report_in_english_gets_no_hints():
    body = (
        "The streetlight on the main road next to Wage market has been out since last "
        "Monday. Cars and motorbikes pass in the dark and two people fell. Please repair it "
        "as soon as possible."
    )
    assert _codes("Streetlight out", body) == []


@pytest.mark.parametrize(
    ("body", "missing"),
    [
        # Dates and requests as people text them.
        ("Jln di depan pasar rusak parah sdh 3 bln, banyak motor jatuh. kpn mau dibenerin??", []),
        ("Lampu PJU di dekat masjid mati udah 2 mingguan, gelap sekali. gmn ini pak dinas?", []),
        ("Sampah di pinggir jalan desa menumpuk dari bulan juni, bau. Tulung diangkut.", []),
        ("Got di depan SD mampet belakangan ini, banjir tiap hujan. Mohon dikeruk.", []),
        # And what a report still lacks stays asked.
        ("Got di depan SD mampet dan banjir tiap hujan deras, air masuk ke rumah warga.",
         ["no_date", "no_request"]),
    ],
)  # fmt: skip
def test_texting_forms_of_dates_and_requests_are_read(body, missing):
    codes = _codes("Laporan", body)
    assert [code for code in codes if code in ("no_date", "no_request")] == missing


@pytest.mark.parametrize(
    "text",
    [
        "Sampah di TPS meluap sampai ke jalan, bau sekali.",
        "Antrean di kantor capil meluap sampai ke parkiran.",
        "Pohon besar di depan sekolah rawan tumbang, mohon dipangkas.",
        "Jembatan bambu di dusun kami lapuk, takut putus.",
        "Tebingnya dikhawatirkan longsor kalau hujan deras.",
        "Banjir kemarin sudah surut tapi jalannya rusak.",
        "Bansos untuk korban kebakaran tahun lalu belum cair.",
        "Jalan berlubang di Kaligawe pasca banjir belum diperbaiki.",
        "Kulit anak-anak terbakar matahari saat upacara yang terlalu lama.",
        "PKL di sepanjang Banjir Kanal Barat makin banyak.",
    ],
)
def test_feared_past_and_lookalike_events_are_not_urgent(text):
    assert urgency(text) == []


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("Sungai Serayu meluap, rumah warga kebanjiran sekarang.", "flood"),
        ("Anak saya kejang2 tapi ditolak puskesmas.", "medical"),
        ("Ada orang tenggelam di sungai dekat jembatan, belum ditemukan.", "medical"),
        ("Pasien di IGD dibiarkan lima jam tanpa diperiksa.", "medical"),
        ("Dulu tidak pernah, sekarang rumah kami kebanjiran.", "flood"),
        # Help asked for now, and what follows heavy rain, are happening.
        ("Mohon bantuan segera, rumah kami kebanjiran air sudah sedada.", "flood"),
        ("Setelah hujan deras, pohon tumbang menutup jalan raya.", "fallen_tree"),
        ("Pasca hujan deras, jalan longsor dan pohon tumbang.", "landslide"),
        ("Setelah korsleting, rumah warga terbakar, mohon kirim pemadam.", "fire"),
        ("Butuh bantuan ambulans, warga kejang di pinggir jalan.", "medical"),
    ],
)
def test_happening_emergencies_are_urgent(text, flag):
    assert flag in urgency(text)


@pytest.mark.parametrize(
    ("text", "abusive"),
    [
        ("Pak, anjing liar di kompleks kami menggigit anak-anak.", False),
        ("Kemarin anak tetangga digigit anjing! Mohon ditertibkan.", False),
        ("Bu, babi hutan merusak sawah warga.", False),
        ("Pak bego (ekskavator) nya parkir di bahu jalan.", False),
        ("Mohon dinas tangkap anjing liar di kampung kami.", False),
        ("Laporan ke dinas pertanian: babi hutan merusak sawah.", False),
        ("Pejabatnya anjing semua, laporan tidak pernah ditanggapi.", True),
        ("Dinas PU bego banget, jalan tidak pernah diperbaiki.", True),
        ("Kalian semua babi koruptor.", True),
        ("Sudah tiga bulan tidak ada jawaban. Anjing!", True),
    ],
)
def test_abuse_is_what_is_aimed_at_people_not_animals_named(text, abusive):
    assert is_abusive(text) is abusive


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        (
            "information",
            "Berapa biaya membuat KTP baru untuk warga pindahan dan apa saja syaratnya "
            "yang harus dibawa?",
        ),
        (
            "aspiration",
            "Saya usul agar disediakan area khusus merokok di tempat umum supaya anak-anak "
            "tidak terkena asap rokok orang dewasa.",
        ),
    ],
)
def test_questions_and_suggestions_are_not_asked_when_or_where(kind, body):
    assert _codes("Usulan", body, kind=kind) == []
    assert {"no_date", "no_place"} <= set(_codes("Usulan", body, kind="complaint"))


@pytest.mark.parametrize(
    "where",
    [
        "di loket Samsat Sukamaju",
        "di RS Harapan Sehat",
        "di Polsek Sukamaju",
        "di rusunawa Mekarsari",
        "di bundaran Tugu",
        "di alun2 Sukamaju",
        "di lampu merah Karangpucung",
    ],
)
def test_a_named_facility_or_landmark_is_a_place(where):
    body = f"Pelayanan {where} sangat lambat sejak minggu lalu, mohon dibenahi."
    assert "no_place" not in _codes("Pelayanan lambat", body)


@pytest.mark.parametrize(
    "when", ["sampe skrg", "dari thun 2010", "sudah 2 taun", "sudah lama", "bertahun-tahun"]
)
def test_texted_times_and_spans_are_times(when):
    body = f"Lampu penerangan di Jalan Kenanga mati semua {when}, warga mengeluh. Mohon diganti."
    assert "no_date" not in _codes("Lampu mati", body)


@pytest.mark.parametrize(
    "ask",
    [
        "mhon bantuannya pak",
        "tolongin dong pak",
        "monggo dipun pirsani",
        "dimohon perhatiannya",
        "mbok ya dibantu",
        "harapannya lampu dinyalakan",
    ],
)
def test_plain_requests_as_texted_are_requests(ask):
    body = f"Lampu penerangan di Jalan Kenanga mati semua sejak minggu lalu, {ask}."
    assert "no_request" not in _codes("Lampu mati", body)


@pytest.mark.parametrize(
    "text",
    [
        "Kowe asu, kerjo ora becus",
        "Asu kabeh pejabate",
        "Anjing lu pak lurah",
        "Sia anjing, teu becus",
        "Anjiiing!",
        "dinas PU bgst",
        "camat gblk",
        "Pegawainya bodoh semua",
        "Kurang ajar petugas kelurahan ini",
        "Petugasnya tai semua",
    ],
)
def test_insults_in_slang_javanese_sundanese_or_after_their_target_are_abusive(text):
    assert is_abusive(text)


@pytest.mark.parametrize(
    "text",
    [
        "Sudah lapor ke petugas, anjing milik tetangga sering menggigit anak-anak.",
        "Lapor ke camat: anjing-anjing liar berkeliaran di pasar.",
        "Usaha kami sia-sia, babi hutan tetap masuk kebun.",
        "Kandang warga penuh tai sapi, baunya sampai ke jalan.",
        "Anak saya bodoh di matematika, mohon ada les gratis.",
        "Dinas peternakan babi warga mati mendadak.",
        "Petugas vaksin anjing warga tidak datang.",
    ],
)
def test_animals_and_plain_words_near_officials_are_not_abusive(text):
    assert not is_abusive(text)


@pytest.mark.parametrize(
    "text",
    [
        "Anjing polisi menggigit anak saya saat pawai, mohon ditindaklanjuti.",
        "Anjing petugas keamanan pasar menggigit pedagang.",
        "Bego dinas PU sudah dua minggu parkir di bahu jalan, menghalangi warga.",
        "Alat berat bego pemerintah desa merusak jalan kampung.",
        "Anjing tetangga lurah sering menggigit anak.",
        "Anjing peliharaan petugas lepas di taman",
        "Pak lurah anjing tetangga menggigit anak saya",
    ],
)
def test_a_dog_or_a_backhoe_named_with_its_owner_is_not_abusive(text):
    assert not is_abusive(text)


@pytest.mark.parametrize(
    "text", ["Dasar bego petugas kelurahan", "Anjing kalian semua", "Asu kabeh pejabate"]
)
def test_an_animal_word_aimed_at_someone_addressed_after_it_stays_abusive(text):
    assert is_abusive(text)


def test_a_drain_the_body_says_overflows_every_rainy_day_is_stored_not_urgent(world):
    title, body = (
        "Saluran meluap",
        "Saluran di depan rumah kami meluap setiap hujan, mohon dikeruk.",
    )
    report, _secret = submit(world, title=title, body=body)

    assert (report.is_urgent, report.urgency_flags) == (False, [])
    assert urgency(report) == []


@pytest.mark.parametrize(
    ("body", "missing"),
    [
        # The reports of an emergency in English: the hints ask for what they lack.
        ("Flood water is waist deep in our houses right now, please help", ["no_place"]),
        ("A fallen tree is blocking the main road", ["no_date", "no_request"]),
        # Complete English reports get none.
        (
            "The drain in our neighbourhood is blocked and smells; could you clean it this week?",
            [],
        ),
        ("Water has been cut off in our hamlet for three days now. When will it be restored?", []),
        ("I would like the bus stop in Sukamaju moved, it is dangerous since last month.", []),
    ],
)
def test_english_reports_are_read_for_place_time_and_request(body, missing):
    codes = _codes("Report", body)
    assert [code for code in codes if code != "too_short"] == missing
