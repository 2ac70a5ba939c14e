import pytest

from aduan.lib.masking import mask_personal_data


@pytest.mark.parametrize(
    "text, hidden",
    [
        ("NIK saya 3201234567890001.", "3201234567890001"),
        ("NIK: 3201 2345 6789 0001", "2345 6789 0001"),
        ("NIK 3201.2345.6789.0001 ya", "2345.6789.0001"),
    ],
)
def test_nik_numbers_are_masked_keeping_only_the_region_prefix(text, hidden):
    masked = mask_personal_data(text)
    assert hidden not in masked
    assert "3201" in masked


def test_a_nik_starting_like_a_country_code_is_masked_as_a_nik():
    assert mask_personal_data("6271012345678901") == "6271************"


@pytest.mark.parametrize(
    "text",
    [
        "hubungi 081234567890",
        "hubungi 0812-3456-7890",
        "hubungi 0812 3456 7890",
        "hubungi +62 812 3456 7890",
        "hubungi +6281234567890",
        "hubungi 6281234567890",
        "kantor (022) 7654321",
        "kantor 021-5551234",
    ],
)
def test_phone_numbers_are_masked_in_every_usual_spelling(text):
    masked = mask_personal_data(text)
    assert masked.startswith("hubungi ") or masked.startswith("kantor ")
    assert "*" in masked
    for secret_part in ("3456", "345 6", "654321", "555123"):
        assert secret_part not in masked


def test_email_addresses_keep_only_the_first_letter_and_domain():
    masked = mask_personal_data("Kirim ke budi.santoso+lapor@gmail.com segera")
    assert masked == "Kirim ke b***@gmail.com segera"


@pytest.mark.parametrize(
    "text, prefix",
    [
        ("mobil B 1234 ABC parkir", "B"),
        ("motor AB 12 C menabrak", "AB"),
        ("truk D1234XY lewat", "D"),
        ("plat b 5678 kz kabur", "B"),
        ("angkot DK-1234-AB berhenti", "DK"),
    ],
)
def test_vehicle_plates_are_masked_keeping_the_region_letters(text, prefix):
    masked = mask_personal_data(text)
    assert f"{prefix} **** ***" in masked
    assert not any(ch.isdigit() for ch in masked)


@pytest.mark.parametrize(
    "text",
    [
        "Pengangkatan P3K dan GTT K2 belum jelas.",
        "Sudah lebih dr 5 thn menunggu, dr 10 jam antre.",
        "Mohon info syarat ijazah S1 dan Ners.",
        "M0HON DENGAN SANGAT DITINDAK LANJUTI",
        "Biaya pembuatan SIM B1 itu berapa?",
        "Rumah di Blok K12 RT 3 kebanjiran.",
        "Tanda tangan kepala BP4MK belum keluar.",
        "Bocoran soal USBN K13 dan KTSP.",
        "Kendaraan R2 dan R4 dilarang parkir.",
        "Pasar terbakar tgl 03-05-2018 dan 09.11.2019.",
    ],
)
def test_words_and_codes_shaped_like_plates_are_left_alone(text):
    assert mask_personal_data(text) == text


@pytest.mark.parametrize(
    "text",
    ["JATENG H1234CD pajak", "avanza hitam H 1234 RY dikenakan biaya", "pemilik AD1234ZU?"],
)
def test_plates_in_capitals_are_masked_without_a_word_naming_them(text):
    assert "1234" not in mask_personal_data(text)


@pytest.mark.parametrize(
    "text",
    [
        "Jalan rusak di RT 05 RW 03 sejak 12 Januari 2026 pukul 10.30.",
        "Biaya Rp 1.500.000 untuk KTP, padahal gratis.",
        "Lubang sedalam 30 cm, sekitar 2 km dari pasar.",
        "Laporan ini duplikat dari K7QM-3XPA.",
        "Nomor surat 100/123/2026 tanggal 2024-05-01.",
    ],
)
def test_ordinary_text_with_numbers_is_left_alone(text):
    assert mask_personal_data(text) == text


@pytest.mark.parametrize(
    "text, secret",
    [
        ("Mohon ditransfer ke Rekening: 123401000567890 a.n. Sri", "1234010005"),
        ("bantuan msk rek BRI unit Gesi 680201012345536 belum cair", "6802010123"),
        ("no.KK 331201010909012 salah ketik", "3312010109"),
        ("ktp istri dg nik 330102520388004 kok belum", "3301025203"),
        ("KIP buat anak sekolah. NISN 0087654321 belum cair", "0087654321"),
        ("dengan nomor Peserta 0001-234-5678901 ingin bertanya", "5678901"),
        ("BPJS 0001234567890 ditolak", "0001234567"),
        ("NO METER : 2512345678 NO PEL : 521234567890 padam", "521234567890"),
        ("Id pelanggan nya 521234567890", "521234567890"),
        ("IDPEL :521234567890. Mati lagi", "521234567890"),
        ("NPWP 09.254.294.3-407.000 ditolak", "254.294"),
        ("Pemegang hak NIB : 11.22.33.44.55555", "33.44"),
        ("no registrasi 451234567890123 dari agen", "4512345678"),
        ("noomo pendaftaran 24012345678901234. Mohon dicek", "2401234567"),
    ],
)
def test_numbers_a_word_names_as_personal_are_masked(text, secret):
    masked = mask_personal_data(text)
    assert secret not in masked
    assert "*" * 3 in masked


@pytest.mark.parametrize(
    "text, secret",
    [
        ("0812345678901Pak tolong", "45678"),
        ("NIK:3201234567890001Alamat desa", "234567890001"),
        ("sudah berkali-kali telpon 02412345678 tidak diangkat", "1234567"),
        ("tolong cek 680201012345536 sumarlan", "0201012345"),
    ],
)
def test_numbers_glued_to_words_or_without_a_label_are_masked(text, secret):
    assert secret not in mask_personal_data(text)


@pytest.mark.parametrize(
    "text",
    [
        "pendaftaran 12/05/2018 10.30 sudah ditutup.",
        "Nomor pendaftaran belum keluar sejak 2018.",
        "Anggaran Rp1500000000 tahun 2024 untuk 150 KK tidak jelas.",
        "Anggaran Rp 2500000000 habis.",
        "Tagihan meter air naik 250.000 rupiah.",
        "Kartu KIS 2 buah hilang.",
    ],
)
def test_dates_amounts_counts_and_coordinates_near_such_words_are_left_alone(text):
    assert mask_personal_data(text) == text


def test_several_kinds_of_personal_data_in_one_text_are_all_masked():
    text = "Saya (NIK 3201234567890001, HP 081234567890, budi@example.id) melihat B 1234 ABC."
    masked = mask_personal_data(text)
    for secret in ("3201234567890001", "081234567890", "budi@", "1234 ABC"):
        assert secret not in masked


def test_empty_text_stays_empty():
    assert mask_personal_data("") == ""


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Jl. Merdeka No. 12", "Jl. Merdeka No. ***"),
        ("Jalan Sudirman no 5 RT 03/RW 04", "Jalan Sudirman no *** RT **/RW **"),
        ("Gg. Mawar 7", "Gg. Mawar ***"),
        ("rumah di jl.veteran no.12A, rt.003/rw.004", "rumah di jl.veteran no.***, rt.**/rw.**"),
        ("Jl. K.H. Wahid Hasyim Nomor 45 RT 2 RW 7", "Jl. K.H. Wahid Hasyim Nomor *** RT ** RW **"),
        ("Perum Griya Asri Blok C2 No. 7", "Perum Griya Asri Blok C** No. ***"),
        ("Jl. Melati Gg. 3 No. 10", "Jl. Melati Gg. 3 No. ***"),
        ("Jl. Bukit Dahlia 13 no. 73", "Jl. Bukit Dahlia 13 no. ***"),
        ("Gang Kelinci 12/3, RT 4", "Gang Kelinci ***, RT **"),
        # Village addresses without a street word.
        ("Karangrau 17 RT 3/RW 5", "Karangrau *** RT **/RW **"),
        ("Dukuh Krajan 4, RT 02 RW 01", "Dukuh Krajan ***, RT ** RW **"),
        (
            "Rumah saya no 17 RT 03 RW 02 Desa Karangrau",
            "Rumah saya no *** RT ** RW ** Desa Karangrau",
        ),
        ("rumah Pak Darto nomor 9 kebanjiran", "rumah Pak Darto nomor *** kebanjiran"),
        ("Komplek Perumahan Bumi Tamansari B-12", "Komplek Perumahan Bumi Tamansari B-***"),
        ("Perum Griya Indah C7 tergenang", "Perum Griya Indah C*** tergenang"),
    ],
)
def test_house_numbers_and_their_rt_rw_are_masked_keeping_the_street(text, expected):
    assert mask_personal_data(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Jalan Merdeka 2 km dari pasar rusak parah.",
        "Jalan Merdeka 12 Januari 2026 ditutup tanpa pemberitahuan.",
        "Jl. Ahmad Yani Km. 5 berlubang, Jl. Raya Bogor km 32 juga.",
        "Di Jalan Diponegoro 3 lubang besar belum ditambal.",
        "jalan rusak 3 titik di desa kami",
        "Jalan Pemuda 08.30 selalu macet.",
        "Lubang di Jalan Pahlawan sejak 2024 belum diperbaiki.",
        "Sesuai jalan Pasal 28 ayat 3 undang-undang.",
        "Jalan Sudirman RT 03 RW 04 gelap gulita.",
        "Sudah sejak 2024 RT 05 tidak punya lampu jalan.",
        "Ada 17 RT yang terdampak banjir.",
        "Dusun 5 Rt 001, Rw 019 belum dapat air bersih.",
        "Rumah sakit nomor 1 di kota penuh.",
        "Perumahan Griya Indah tahap 2 banjir lagi.",
    ],
)
def test_street_names_with_ordinary_numbers_are_left_alone(text):
    assert mask_personal_data(text) == text


def test_a_realistic_complaint_loses_every_planted_identifier_and_nothing_else():
    # Written for this test; every identifier in it is invented.
    text = (
        "Yth. Bapak Bupati, saya Sri (NIK 3374015203880004, KK 3374010101090123) warga "
        "Jl. Kenanga No. 17 RT 05/RW 02 melaporkan bahwa sejak 3 hari jalan di depan "
        "SD Negeri 2 berlubang sedalam 30 cm. Tanggal 12/01/2026 pukul 08.30 motor "
        "H 4821 KQ jatuh di sana, 2 km dari pasar. Perbaikan tahun 2024 senilai "
        "Rp 50.000.000 tidak bertahan. Hubungi saya di 0812-2345-6789 atau "
        "sri.lestari88@yahoo.co.id. Terima kasih."
    )
    masked = mask_personal_data(text)
    for secret in (
        "5203880004",
        "0101090123",
        "No. 17",
        "RT 05",
        "RW 02",
        "4821",
        "2345-67",
        "sri.lestari88",
    ):
        assert secret not in masked
    for ordinary in (
        "Jl. Kenanga No. ***",
        "3 hari",
        "SD Negeri 2",
        "30 cm",
        "12/01/2026",
        "08.30",
        "2 km",
        "tahun 2024",
        "Rp 50.000.000",
        "H **** ***",
        "s***@yahoo.co.id",
    ):
        assert ordinary in masked


def test_public_text_masks_house_numbers_for_every_public_surface():
    from aduan.reports.privacy import public_text

    assert public_text("Lampu mati di Jl. Kenanga No. 17") == "Lampu mati di Jl. Kenanga No. ***"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("saya 330212 345678 0001 warga sumbang", "saya 3302** ****** **** warga sumbang"),
        ("(+62) 812 9988 7766", "(+62) 81* **** **66"),
        ("+62 (812) 9988-7766", "+62 (81*) ****-**66"),
        ("0812/3456/7890", "0812/****/**90"),
        ("08 12 34 56 78 90", "08 12 ** ** ** 90"),
        ("sulastri.plant [at] gmail.com", "s*** [at] gmail.com"),
        ("nama(at)gmail(dot)com", "n***(at)gmail(dot)com"),
        ("budi @gmail.com", "b*** @gmail.com"),
        ("budi at gmail dot com", "b*** at gmail dot com"),
        ("Jl. Raya Ajibarang KM 5 No 10", "Jl. Raya Ajibarang KM 5 No ***"),
        ("Gg. Kelinci II/4", "Gg. Kelinci II/***"),
        ("RT 05 RW 02 nomor rumah 17", "RT 05 RW 02 nomor rumah ***"),
        ("kontrakan saya nomor 12", "kontrakan saya nomor ***"),
        ("kos-kosan no 8", "kos-kosan no ***"),
        ("no SIM 1234-5678-901234", "no SIM ****-****-******"),
        ("no.RM 12345678", "no.RM ********"),
        # Typed or pasted positions: rounded as public pages round them (about 110 m).
        ("lokasi peta -7.3912345, 109.3612345 di peta", "lokasi peta -7.391, 109.361 di peta"),
        (
            "https://maps.google.com/?q=-7.4251234,109.2345678",
            "https://maps.google.com/?q=-7.425,109.235",
        ),
    ],
)
def test_personal_data_written_in_other_common_ways_is_masked(text, masked):
    assert mask_personal_data(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "hubungi kami di dpupr@banyumaskab.go.id",  # an office's published address
        "truk kapasitas 5 m3 rp. 750.000",
        "naik angkot jalur B 12 A dari terminal",
        "bus koridor K 2 B selalu penuh",
        "ketemu at pasar dot jam 5",
        "rapat tanggal 08/12/2018 di balai desa",
        "Loket buka jam 08.00-12.00 setiap hari kerja",
        "jadwal 08.30-09.45 untuk antrean",
    ],
)
def test_official_addresses_units_and_route_codes_are_left_alone(text):
    assert mask_personal_data(text) == text


@pytest.mark.parametrize(
    "text, expected",
    [
        ("alamat Desa Karangrau RT 03 RW 05 No. 17", "alamat Desa Karangrau RT ** RW ** No. ***"),
        ("Dusun Krajan RT 02/RW 03 no 15", "Dusun Krajan RT **/RW ** no ***"),
        # An estate's phase number belongs to its name; the house number does not.
        ("adik di Perum Griya Indah 2 Blok C No. 5", "adik di Perum Griya Indah 2 Blok C No. ***"),
        ("mobil nopol B 1234 YA parkir", "mobil nopol B **** *** parkir"),
        ("hp kakak +60 12-345 6789", "hp kakak +60 12-*** **89"),
        ("no pelanggan pdam 05.40.0123", "no pelanggan pdam **.**.****"),
        ("NOP 33.02.110.004.012-0045.0", "NOP **.**.***.***.***-****.*"),
    ],
)
def test_house_numbers_plates_and_numbers_in_less_usual_places_are_masked(text, expected):
    assert mask_personal_data(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "pendaftaran PPDB tahun ajaran 2018/2019 belum dibuka",
        "kartu pelajar tahun 2018 2019 belum dibagikan",
        "peserta sebanyak 120000 orang",
        "tgl 05.02.2018 08.30 saya datang",
        "Jalan Kaligawe 1.) perbaiki jalan 2.) pasang lampu",
        "hubungi Care Center BPJS Kesehatan 1500400",
    ],
)
def test_years_counts_dates_lists_and_call_centres_are_left_alone(text):
    assert mask_personal_data(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "silakan hubungi 02471234567",
        "WA Center kami 0811-2345-6789",
        "WA Center 081123456789",
        "hubungi hotline 0811 2345 678",
        "email kami dinas.contoh@gmail.com",
        "kantor kami di Jl. Kenari No. 7 Semarang",
    ],
)
def test_an_organizations_own_contacts_stay_in_its_message(text):
    assert mask_personal_data(text, official=True) == text
    assert mask_personal_data(text) != text


@pytest.mark.parametrize(
    "text, secret",
    [
        ("kami sudah menghubungi Bapak di 0812-3456-7890", "3456-78"),
        ("petugas datang ke rumah Bapak di Jl. Kenari No. 7", "No. 7"),
        ("jawaban dikirim ke budi.santoso@gmail.com", "udi.santoso@"),
        ("WA Bapak 0812 3456 7890 tidak aktif", "3456 78"),
        # A label of the office's near the reporter's contact does not name it.
        ("Laporan masuk melalui WA Center kami dari nomor 0812-3456-7890.", "3456-78"),
        ("Pelapor menghubungi hotline dari nomor 0813-7766-5544.", "7766-55"),
        ("Layanan pengaduan: Bapak Andi 0812 3456 7890 menyampaikan keluhan.", "3456 78"),
        ("Email kami sudah membalas ke budi.santoso@gmail.com.", "udi.santoso@"),
        ("Petugas kantor telah ke rumah pelapor di Jl. Mawar No. 12.", "No. 12"),
        ("Gedung sekolah rusak, dan rumah pelapor Jl. Mawar No. 12 terdampak.", "No. 12"),
        ("Alamat kami terima dari pelapor yaitu Jl. Kutilang No. 9.", "No. 9"),
        ("Suami pelapor di Malaysia kami hubungi di +60 12-345 6789.", "345 67"),
    ],
)
def test_the_reporters_contacts_in_an_organizations_message_are_masked(text, secret):
    assert secret not in mask_personal_data(text, official=True)


@pytest.mark.parametrize(
    "text, secret",
    [
        ("No. RM 0123456 pasien atas nama ibu saya", "0123456"),
        ("rekening 1234567 warga desa", "1234567"),
        ("idpel 5123456789 rumah saya", "5123456789"),
    ],
)
def test_an_identifier_followed_by_a_word_for_people_is_still_masked(text, secret):
    assert secret not in mask_personal_data(text)
