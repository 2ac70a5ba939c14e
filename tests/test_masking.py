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
        "Jalan rusak di RT 05 RW 03 sejak 12 Januari 2026 pukul 10.30.",
        "Biaya Rp 1.500.000 untuk KTP, padahal gratis.",
        "Lubang sedalam 30 cm, sekitar 2 km dari pasar.",
        "Laporan ini duplikat dari K7QM-3XPA.",
        "Nomor surat 100/123/2026 tanggal 2024-05-01.",
    ],
)
def test_ordinary_text_with_numbers_is_left_alone(text):
    assert mask_personal_data(text) == text


def test_several_kinds_of_personal_data_in_one_text_are_all_masked():
    text = "Saya (NIK 3201234567890001, HP 081234567890, budi@example.id) melihat B 1234 ABC."
    masked = mask_personal_data(text)
    for secret in ("3201234567890001", "081234567890", "budi@", "1234 ABC"):
        assert secret not in masked


def test_empty_text_stays_empty():
    assert mask_personal_data("") == ""
