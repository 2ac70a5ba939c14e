"""Masking personal data in text shown on public pages.

Citizens write their NIK, phone number, email address or a vehicle plate into reports
without thinking about who reads them. Every public surface (report page, feed, home,
open data) passes free text through `mask_personal_data` first. Masking errs on the side
of hiding too much: a false positive costs a few digits of context, a false negative
exposes a person.
"""

from __future__ import annotations

import re

MASK = "*"

# A NIK (Nomor Induk Kependudukan) is 16 digits, sometimes written in groups.
NIK = re.compile(r"(?<![\d\w])\d{4}[ .-]?\d{4}[ .-]?\d{4}[ .-]?\d{4}(?![\d\w])")

# Mobile numbers (08…, 628…, +62 8…) and landlines written with an area code
# (021-5551234, (022) 7654321, +62 21 555 1234).
PHONE = re.compile(
    r"(?<![\d\w+])"
    r"(?:"
    r"(?:\+62|62|0)[ .-]?8\d{1,2}(?:[ .-]?\d{2,5}){2,3}"
    r"|(?:\+62[ .-]?|\(0\d{1,3}\)[ .-]?|0\d{1,3}[ .-])\d{2,4}[ .-]?\d{3,5}(?:[ .-]?\d{2,4})?"
    r")"
    r"(?![\d\w])"
)

EMAIL = re.compile(
    r"(?<![\w.+-])([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})"
)

# Region prefixes of Indonesian vehicle registration plates (Korlantas POLRI).
PLATE_PREFIXES = frozenset(
    [
        "A",
        "AA",
        "AB",
        "AD",
        "AE",
        "AG",
        "B",
        "BA",
        "BB",
        "BD",
        "BE",
        "BG",
        "BH",
        "BK",
        "BL",
        "BM",
        "BN",
        "BP",
        "D",
        "DA",
        "DB",
        "DC",
        "DD",
        "DE",
        "DG",
        "DH",
        "DK",
        "DL",
        "DM",
        "DN",
        "DP",
        "DR",
        "DS",
        "DT",
        "DW",
        "E",
        "EA",
        "EB",
        "ED",
        "F",
        "G",
        "H",
        "K",
        "KB",
        "KH",
        "KT",
        "KU",
        "L",
        "M",
        "N",
        "P",
        "PA",
        "PB",
        "R",
        "S",
        "T",
        "W",
        "Z",
    ]
)
PLATE = re.compile(
    r"(?<![\w-])(" + "|".join(sorted(PLATE_PREFIXES, key=len, reverse=True)) + r")"
    r"[ .-]?\d{1,4}[ .-]?[A-Z]{1,3}(?![\w-])",
    re.IGNORECASE,
)


def _mask_digits(text: str, keep_start: int, keep_end: int) -> str:
    """Replace every digit except the first `keep_start` and last `keep_end` ones."""
    positions = [i for i, ch in enumerate(text) if ch.isdigit()]
    hidden = set(positions[keep_start : len(positions) - keep_end])
    return "".join(MASK if i in hidden else ch for i, ch in enumerate(text))


def _mask_nik(match: re.Match) -> str:
    # The first four digits only name the province and regency of registration.
    return _mask_digits(match.group(0), keep_start=4, keep_end=0)


def _mask_phone(match: re.Match) -> str:
    return _mask_digits(match.group(0), keep_start=4, keep_end=2)


def _mask_email(match: re.Match) -> str:
    return f"{match.group(1)}{MASK * 3}@{match.group(2)}"


def _mask_plate(match: re.Match) -> str:
    return f"{match.group(1).upper()} {MASK * 4} {MASK * 3}"


def mask_personal_data(text: str) -> str:
    """Return `text` with NIKs, phone numbers, emails and vehicle plates masked.

    Order matters: a NIK may start with "62" (Central Kalimantan), so NIKs are masked
    before phone numbers; emails before plates so an address like "b1234ab@x.id" is
    handled as an email.
    """
    if not text:
        return text
    text = NIK.sub(_mask_nik, text)
    text = PHONE.sub(_mask_phone, text)
    text = EMAIL.sub(_mask_email, text)
    return PLATE.sub(_mask_plate, text)
