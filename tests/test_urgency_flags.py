"""Which emergencies the urgency flags catch, and which look-alikes they leave alone."""

from __future__ import annotations

import datetime

import pytest

from aduan.triage.hints import urgency, urgency_and_abuse


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("Kabel listrik putus melintang di jalan desa, masih bertegangan.", "electric"),
        ("Tiang listrik roboh tertabrak truk, kabelnya menjuntai ke jalan.", "electric"),
        ("Kabel lampu penerangan jalan depan balai desa putus tersangkut truk.", "electric"),
        ("Pagar besi rumah warga nyetrum kalau dipegang.", "electric"),
        ("Anak saya hilang sejak tadi pagi, belum ketemu.", "missing_person"),
        ("Nenek kami belum pulang dari sawah sejak kemarin sore.", "missing_person"),
        ("Preman mengancam keselamatan saya dan keluarga, tolong pak.", "person_in_danger"),
        ("Anak tetangga dianiaya ayah tirinya setiap malam.", "person_in_danger"),
        ("Ada pelecehan seksual terhadap murid SD, pelakunya masih bebas.", "person_in_danger"),
    ],
)
def test_live_cables_missing_people_and_people_in_danger_are_urgent(text, flag):
    assert flag in urgency(text)


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        (
            "Mohon bantuan untuk korban banjir di Desa Sukamaju, air masih setinggi 1 meter.",
            "flood",
        ),
        ("Desa kami tenggelam sejak hari Minggu, warga belum dievakuasi.", "flood"),
        ("Jembatan Kali Lamong penghubung Kab. Banyumas dan Cilacap ambrol.", "collapsed_bridge"),
        ("Dapur rumah warga gugur terbawa arus, tanah terus gugur.", "landslide"),
        ("Istri saya mau melahirkan, ketuban sudah pecah, RSUD tidak mau menangani.", "medical"),
    ],
)
def test_emergencies_of_the_known_kinds_written_in_other_words_are_urgent(text, flag):
    assert flag in urgency(text)


@pytest.mark.parametrize(
    "text",
    [
        "Kabel internet menjuntai di depan rumah, mohon dirapikan.",
        "Mohon tiang listrik di halaman kami digeser ke pinggir jalan.",
        "Palang pintu rel itu mengancam keselamatan pengguna jalan.",
        "Warga yang sepeda motornya hilang di parkiran pasar minta CCTV.",
        "Pasien umum ditolak memakai BPJS di kasir rumah sakit.",
        "Warga bergotong royong gugur gunung membersihkan saluran.",
    ],
)
def test_lookalikes_of_those_emergencies_are_not_urgent(text):
    assert urgency(text) == []


@pytest.mark.parametrize(
    "text",
    [
        # A habit or a condition:
        "Setiap turun hujan kampung kami selalu banjir, mohon saluran dinormalisasi.",
        "Setiap hujan kota kami selalu banjir, padahal dulu tidak pernah.",
        "Kalau tidak segera ditangani bisa banjir, mohon dikeruk.",
        "Bisa-bisa bendungannya longsor kalau batunya terus diambil.",
        "Jalan depan rumah kami terendam banjir setiap hujan datang.",
        "Sawah warga terdampak banjir saat musim hujan.",
        # Prevention:
        "Mohon dibangun bronjong penahan longsor di tepi sungai.",
        "Sungai ini tangkapan air pencegah banjir, jangan diuruk.",
        "Pohon besar rawan tumbang, kemarin satu dahan patah dan hampir mengenai pengendara.",
        # The past:
        "Jalan kami hilang terbawa banjir tahun 2019 dan belum diperbaiki.",
        "Dulu saat pasar kebakaran warga membantu, sekarang kami diusir.",
        "Saya korban kebakaran tanggal 30 Juli kemarin, mohon bantuan.",
        "Mohon pompa air dan pengerukan sungai pasca banjir dan rob.",
    ],
)
def test_recurring_conditional_prevented_and_past_events_are_not_urgent(text):
    assert urgency(text) == []


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("Jalan tidak bisa dilewati karena banjir setinggi lutut.", "flood"),
        ("Dulu tidak pernah, sekarang rumah kami kebanjiran.", "flood"),
        (
            "Jembatan desa ambrol pada hari Kamis tanggal 22 Februari, warga terisolasi.",
            "collapsed_bridge",
        ),
        ("Dahan beringin patah menimpa rumah warga.", "fallen_tree"),
    ],
)
def test_events_happening_now_stay_urgent_beside_those_words(text, flag):
    assert flag in urgency(text)


REPORTED_ON = datetime.date(2026, 12, 7)


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        # Pleas: "kalau bisa" (if possible), "dulu" (first), "hanya bisa" (can only).
        (
            "Mohon kalau bisa secepatnya, pohon tumbang menutup jalan raya Desa Sukamaju.",
            "fallen_tree",
        ),
        ("Kalau bisa segera, pohon tumbang menutup jalan desa depan SD.", "fallen_tree"),
        ("Bila memungkinkan kirim perahu, rumah kami terendam banjir.", "flood"),
        ("Tolong dibantu dulu pak, kebakaran di pasar Wage masih berlangsung.", "fire"),
        ("Saat ini warga hanya bisa pasrah, rumah terendam banjir.", "flood"),
        ("Warga tidak dapat keluar, jalan hanya bisa dilewati perahu karena banjir.", "flood"),
        (
            "Jika tidak salah ini sudah hari ketiga, kampung kami masih tergenang setinggi lutut.",
            "flood",
        ),
        ("Tiap jam air naik, rumah warga terendam.", "flood"),
        # Dated that day or this week.
        (
            "Telah terjadi kebakaran tanggal 7 Desember 2026 pukul 10.00 di Pasar Baru, "
            "api masih menyala.",
            "fire",
        ),
        (
            "Telah terjadi kebakaran tanggal 6 Desember di Pasar Baru, warga kehilangan kios.",
            "fire",
        ),
        ("Banjir tgl 7 Desember ini sudah masuk rumah, mohon bantuan.", "flood"),
        (
            "Pohon tumbang tanggal 7 Desember pagi ini menutup jalan, mohon segera dievakuasi.",
            "fallen_tree",
        ),
        # A habit or a past year, but the sentence says it is happening now.
        (
            "Kami mohon perhatian. Banjir datang lagi, tahun 2025 juga begini, "
            "sekarang lebih parah.",
            "flood",
        ),
        (
            "Setiap hujan kampung kami banjir, sekarang air sudah masuk rumah setinggi lutut.",
            "flood",
        ),
        ("Banjir tanggal 30 November kemarin belum surut, warga mengungsi.", "flood"),
    ],
)
def test_pleas_and_recent_dates_beside_habit_words_stay_urgent(text, flag):
    assert flag in urgency(text, on=REPORTED_ON)


@pytest.mark.parametrize(
    "text",
    [
        "Setiap hujan turun banjir di depan sekolah, mohon dibuatkan saluran.",
        "Kalau hujan deras pasti banjir, mohon diperhatikan.",
        "Jika hujan deras, kampung kami banjir; mohon dinormalisasi.",
        "Dulu pernah banjir di sini, mohon tanggul diperkuat.",
        "Mohon diperbaiki, sampai sekarang setiap hujan selalu banjir.",
        "Sekarang setiap hujan kampung kami selalu banjir.",
        "Desa kami masih sering banjir, mohon tanggul dibangun.",
        "Saluran air selalu banjir, apalagi pas hujan banjir, minta tolong diperbaiki.",
        "Mohon segera dicarikan solusi, sawah selalu terdampak banjir jika hujan turun.",
        "Mohon normalisasi agar kali lancar dan tidak banjir lagi.",
        "Kebakaran tanggal 3 Maret 2025 menghanguskan pasar, sampai kini belum dibangun.",
        "Kebakaran tanggal 3 November menghanguskan pasar, pedagang belum punya kios.",
        "Korban banjir tahun 2024 belum menerima ganti rugi.",
    ],
)
def test_habits_and_events_dated_long_before_the_report_are_not_urgent(text):
    assert urgency(text, on=REPORTED_ON) == []


def test_a_date_is_read_against_the_day_the_report_came_in():
    text = "Telah terjadi kebakaran tanggal 7 Desember 2026 di Pasar Baru."

    assert urgency(text, on=datetime.date(2026, 12, 7)) == ["fire"]
    assert urgency(text, on=datetime.date(2027, 3, 1)) == []
    assert urgency_and_abuse("Laporan", text, on=datetime.date(2026, 12, 8))["is_urgent"]


@pytest.mark.parametrize(
    "text",
    [
        "Nama anak saya hilang dari daftar penerima PIP tahun ini, mohon dicek.",
        "Data warga yang hilang dari DTKS mohon segera diperbaiki.",
        "Kartu KIS ibu saya hilang, bagaimana cara mengurus penggantinya?",
        "NIK istri saya hilang dari sistem Dukcapil setelah pindah domisili.",
        "Status kepesertaan BPJS anak saya hilang, padahal iuran lancar.",
        "KTP suami saya hilang di pasar, mohon dibantu pembuatan ulang.",
        "Bantuan PKH nenek saya hilang sejak bulan lalu.",
        "Warga yang hilang haknya atas bantuan beras mohon didata ulang.",
        "Uang tabungan anak saya hilang di sekolah.",
        "Di Satlantas ibu saya tidak ditemukan dengan pemilik motor itu.",
    ],
)
def test_a_persons_card_name_data_or_aid_gone_missing_is_not_a_missing_person(text):
    assert "missing_person" not in urgency(text, on=REPORTED_ON)


@pytest.mark.parametrize(
    "text",
    [
        "Pak Darto belum pulang dari hutan sejak kemarin, warga sudah mencari.",
        "Tolong, Mbah Sarni hilang sejak subuh, beliau pikun.",
        "Mohon bantuan, anak saya hilang dari rumah sejak kemarin.",
        "Nelayan desa kami hilang di laut sejak Senin, mohon dibantu pencarian.",
        "Balita tetangga tidak ditemukan sejak sore, warga menyisir sungai.",
        "Setelah antre bantuan, nenek saya hilang di keramaian pasar.",
    ],
)
def test_a_person_named_or_of_the_family_gone_missing_is_a_missing_person(text):
    assert "missing_person" in urgency(text, on=REPORTED_ON)


@pytest.mark.parametrize(
    "text",
    [
        "Anak saya umur 6 tahun hilang sejak kemarin sore belum ditemukan",
        "Anak saya (6 tahun) hilang sejak kemarin sore",
        "Anak saya berusia 5 tahun hilang di pasar tadi siang",
        "Putri kami yang masih 4 tahun hilang tadi sore",
        "Adik saya umur 12 tahun belum pulang sejak kemarin",
        "Anak perempuan saya usia 10 thn hilang sejak tadi pagi",
        "Balita kami 18 bulan hilang dari rumah sejak subuh",
    ],
)
def test_a_missing_child_whose_age_is_given_is_a_missing_person(text):
    assert "missing_person" in urgency(text, on=REPORTED_ON)


@pytest.mark.parametrize(
    "text",
    [
        "Kartu KIS anak saya umur 6 tahun hilang, mohon dibantu.",
        "Nama anak saya usia 7 tahun hilang dari daftar penerima PIP.",
    ],
)
def test_the_card_or_name_of_a_child_whose_age_is_given_is_not_a_missing_person(text):
    assert "missing_person" not in urgency(text, on=REPORTED_ON)


@pytest.mark.parametrize(
    "text",
    [
        "Tanggal 7 Desember 2025 terjadi banjir di desa kami. Tanggul jebol belum diperbaiki.",
        "Pada 7/12/2025 terjadi kebakaran pasar. Kios belum dibangun lagi.",
        "Pada bulan Januari 2026 jembatan ambruk. Warga memutar jauh, mohon dibangun kembali.",
        "Pada 3 Maret 2026 pohon tumbang menimpa rumah saya, sampai sekarang belum ada ganti rugi",
        "Tahun 2025 terjadi longsor di belakang rumah, talud belum dibangun.",
        "Bulan lalu terjadi kebakaran di pasar, mohon disediakan hidran",
        "Minggu lalu banjir merendam sawah, mohon bantuan bibit",
        "Tahun lalu jembatan ambruk, sampai sekarang belum dibangun",
        "Dua bulan yang lalu jembatan ambruk, sampai sekarang belum dibangun",
        "10 hari lalu pohon tumbang menimpa pos ronda, belum ada ganti rugi.",
        "Banjir 7 Desember 2025 merusak tanggul. Tanggul belum diperbaiki.",
        "Kebakaran 3/11/2026 menghanguskan 5 kios, pedagang belum punya tempat.",
    ],
)
def test_events_dated_long_before_the_report_by_words_before_them_are_not_urgent(text):
    assert urgency(text, on=REPORTED_ON) == []


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("Tadi malam terjadi kebakaran di pasar, kios habis terbakar.", "fire"),
        ("Kemarin banjir merendam rumah warga, mohon bantuan.", "flood"),
        ("Semalam pohon tumbang menutup jalan desa.", "fallen_tree"),
        ("Tanggal 5 Desember terjadi banjir, warga mengungsi.", "flood"),
        ("Pada 6/12/2026 terjadi kebakaran pasar, pedagang panik.", "fire"),
        ("3 hari lalu jembatan ambruk, warga terisolasi.", "collapsed_bridge"),
        ("Sejak bulan lalu tanah ambles terus, rumah warga retak.", "landslide"),
        ("Tahun lalu sudah dilaporkan, sekarang banjir masuk rumah.", "flood"),
        ("Jalan rusak sejak tahun lalu, kemarin ada korban luka parah.", "medical"),
        ("Banjir 6 Desember merendam rumah warga, mohon bantuan.", "flood"),
        ("Banjir 2 meter merendam rumah warga, mohon bantuan.", "flood"),
    ],
)
def test_events_dated_this_week_or_only_since_a_time_before_them_stay_urgent(text, flag):
    assert flag in urgency(text, on=REPORTED_ON)


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("Flood water is waist deep in our houses right now, please help", "flood"),
        ("The river burst its banks and homes are under water.", "flood"),
        ("A house is on fire on Jalan Merdeka, please send the fire brigade.", "fire"),
        ("Fire broke out at the market this morning.", "fire"),
        ("A fallen tree is blocking the main road", "fallen_tree"),
        ("The big tree fell onto the road near the school.", "fallen_tree"),
        ("The bridge to our village collapsed, people are cut off.", "collapsed_bridge"),
        ("A landslide has buried part of the road.", "landslide"),
        ("My father is unconscious and the ambulance has not come.", "medical"),
        ("The hospital refused to treat my wife, she is in labour.", "medical"),
        ("A power line is down across the road and sparking.", "electric"),
        ("My neighbour threatened to kill me with a machete.", "person_in_danger"),
        ("My daughter has not come home since yesterday.", "missing_person"),
    ],
)
def test_emergencies_reported_in_english_are_urgent(text, flag):
    assert urgency(text, on=REPORTED_ON) == [flag]


@pytest.mark.parametrize(
    "text",
    [
        # What is named for the event, or burns on purpose:
        "The floodlight at the stadium is broken.",
        "The fire hydrant near the market is broken.",
        "Rubbish is burnt every night behind the market.",
        "Dangling internet cables in front of my house.",
        "The tree leaves fell into the drain and blocked it.",
        "My son's name is missing from the scholarship list.",
        # A habit, a condition, a fear, a denial, aid, the past:
        "The drain overflows every time it rains, please clean it.",
        "Our street floods whenever it rains.",
        "The road could flood if the drain is not cleaned.",
        "Please fix the drain before the rainy season to prevent flooding.",
        "This area is prone to landslides, please build a retaining wall.",
        "Nobody was seriously injured but the road is damaged.",
        "Aid for the flood victims has not arrived.",
        "Last year the bridge collapsed and it is still not rebuilt.",
        "The bridge collapsed in 2019 and was never rebuilt.",
    ],
)
def test_english_lookalikes_habits_fears_and_past_events_are_not_urgent(text):
    assert urgency(text, on=REPORTED_ON) == []


@pytest.mark.parametrize(
    "text",
    [
        "Pejabat dinas kebakaran jenggot setelah kasus ini viral.",
        "kebakaran jenggot",
        "Banjir informasi hoaks",
        "Grup WA desa banjir hoaks soal bansos.",
        "Toko online kebanjiran order menjelang lebaran.",
        "Banjir pesanan membuat kurir kewalahan.",
        "Suami terbakar api cemburu tiap malam.",
        "The office has been flooded with complaints about the new fees.",
        "A flood of hoax messages is spreading in the village group.",
        "The office is flooded with angry complaints about dirty water.",
    ],
)
def test_figures_of_speech_are_not_urgent(text):
    assert urgency(text, on=REPORTED_ON) == []


@pytest.mark.parametrize(
    "text",
    [
        "Saya tidak mau banjir lagi tahun depan",
        "Kami tidak ingin kebanjiran lagi, mohon tanggul ditinggikan.",
        "Jangan banjir lagi pak, capek.",
        "Kalau banjir lagi kami mengungsi ke mana?",
        "Mohon dikeruk, jangan sampai tahun depan banjir lagi.",
        "We don't want another flood next year.",
    ],
)
def test_a_wish_or_a_fear_for_next_time_is_not_urgent(text):
    assert urgency(text, on=REPORTED_ON) == []


@pytest.mark.parametrize(
    ("text", "flag"),
    [
        ("banjir setinggi pinggang sekarang", "flood"),
        ("Banjir lagi, sekarang air masuk rumah setinggi pinggang.", "flood"),
        ("Rumah kebanjiran lumpur setinggi lutut.", "flood"),
        ("rumah terbakar", "fire"),
        ("Kebakaran di pasar, pedagang kebakaran jenggot.", "fire"),
        ("pohon tumbang menutup jalan", "fallen_tree"),
        ("Warga tidak mau mengungsi padahal rumah terendam setinggi dada.", "flood"),
        ("Our village is flooded with water, it is knee-deep and rising.", "flood"),
        # The water described: still water, not a figure of speech.
        ("Our houses are flooded with dirty brown water since this morning.", "flood"),
        ("The market is flooded with thick black mud now.", "flood"),
    ],
)
def test_emergencies_beside_those_words_stay_urgent(text, flag):
    assert urgency(text, on=REPORTED_ON) == [flag]


@pytest.mark.parametrize(
    ("title", "body"),
    [
        ("Saluran meluap", "Saluran air di depan rumah kami meluap setiap hujan, mohon dikeruk."),
        ("Drainase meluap", "Kalau hujan deras drainase meluap ke jalan."),
        ("Banjir", "Saya tidak mau banjir lagi tahun depan, mohon tanggul diperbaiki."),
        ("Pohon tumbang", "Pohon di depan SD rawan tumbang, mohon dipangkas."),
        ("Flooding", "Our street floods every time it rains, please clean the drain."),
    ],
)
def test_a_title_is_read_with_the_body_that_says_the_event_recurs_or_is_feared(title, body):
    assert urgency_and_abuse(title, body, on=REPORTED_ON)["urgency_flags"] == []


@pytest.mark.parametrize(
    ("title", "body", "flag"),
    [
        # The body says nothing of the event, or tells it as happening.
        ("Banjir", "Air masuk rumah warga.", "flood"),
        ("Pohon tumbang", "Pohon beringin di depan SD tumbang tadi malam.", "fallen_tree"),
        ("Kebakaran", "Kios di pasar Wage terbakar, api masih menyala.", "fire"),
        # The title itself says it is happening now.
        ("Banjir setinggi 1 meter", "Mohon bantuan untuk korban banjir di desa kami.", "flood"),
        ("Saluran meluap sekarang", "Saluran meluap setiap hujan, mohon dikeruk.", "flood"),
    ],
)
def test_a_title_naming_an_event_stays_urgent_unless_the_body_tells_otherwise(title, body, flag):
    assert urgency_and_abuse(title, body, on=REPORTED_ON)["urgency_flags"] == [flag]
