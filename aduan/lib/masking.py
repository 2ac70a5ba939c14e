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

# A NIK (Nomor Induk Kependudukan) is 16 digits, sometimes written in groups, and
# sometimes glued to the word before or after it ("NIK:3201…", "…0001Alamat").
NIK = re.compile(
    r"(?<!\d)(?:\d{4}[ .-]?\d{4}[ .-]?\d{4}[ .-]?\d{4}"
    # As it is built: region (6), birth date (6), serial (4).
    r"|\d{6}[ .-]\d{6}[ .-]\d{4})(?!\d)"
)

# Mobile numbers (08…, 628…, +62 8…) and landlines written with an area code
# (021-5551234, (022) 7654321, +62 21 555 1234, 0245551234), also glued to a word.
PHONE = re.compile(
    r"(?<![\d+])"
    r"(?:"
    # The country code or the operator's code may stand in brackets, and the digits
    # come in groups: "(+62) 812 9988 7766", "0812/3456/7890", or pairs "08 12 34 56 78
    # 90" (`_mask_phone` wants 8 to 15 digits in all); never a time, "08.00-12.00".
    r"(?:\(\+?62\)|\+62|62|0)[ .-]?\(?8\d{1,2}\)?(?:[ ./-]?\d{2,5}){2,4}"
    r"|0 ?8(?: \d{2}){4,5}"
    r"|(?:\+62[ .-]?|\(0\d{1,3}\)[ .-]?|0\d{1,3}[ .-])\d{2,4}[ .-]?\d{3,5}(?:[ .-]?\d{2,4})?"
    r"|0[2-9]\d{7,10}"
    # A foreign number, with its country code: a migrant worker's "+60 12-345 6789".
    r"|\+(?!62)[1-9]\d{0,2}[ .-]?\(?\d{1,4}\)?(?:[ .-]?\d{2,5}){1,4}"
    r")"
    r"(?!\d)"
)

# Numbers a word names as a person's: bank accounts, family cards (KK), a mistyped NIK,
# student (NISN), civil-servant (NIP) and tax (NPWP) numbers, health-insurance cards
# (BPJS/KIS), electricity and water customer numbers, land parcels (NIB) and their tax
# object numbers (NOP, on the SPPT), passports,
# registrations. The word may be a few words before the number ("rek BRI unit Gesi
# 6812…", "nik istri: 3301…"); the number needs six digits or more.
_ID_WORD = (
    r"(?:rekening|rek|norek|nik|kk|nkk|ktp|e-?ktp|kartu\s+keluarga|nisn|nim|nip|nrp|npwp"
    r"|nib|paspor|passport|bpjs|kis|jkn|peserta|kartu|pelanggan|idpel|meter|registrasi"
    r"|pendaftaran|register|akun|sim|rm|rekam\s+medi[sk]|nop|sppt)"
)
IDENTIFIER = re.compile(
    rf"(?<!\w){_ID_WORD}(?!\w)(?P<gap>[^\d\n]{{0,24}}?)"
    r"(?P<number>(?<!\d)\d++(?:[ .\-/]\d++)*+)",
    re.IGNORECASE,
)
# An amount ("meter air naik 250.000") or a date or clock time ("pendaftaran 12/05/2018
# 10.30") after such a word is not one.
_AMOUNT = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?")
_DAY, _MONTH = r"(?:0?[1-9]|[12]\d|3[01])", r"(?:0?[1-9]|1[0-2])"
_DATE_OR_TIME = re.compile(
    rf"(?:{_DAY}([./-]){_MONTH}\1(?:\d{{2}}|\d{{4}})|(?:19|20)\d\d([./-]){_MONTH}\2{_DAY}"
    r"|\d{1,2}[.:]\d{2})(?![./:-]?\d)"
)
# A school year, a year or a count is not one either: "pendaftaran PPDB 2018/2019",
# "peserta sebanyak 120000 orang".
_YEARS = re.compile(r"(?:19|20)\d\d(?:\s*[ /-]\s*(?:19|20)\d\d)?")
_COUNTED = re.compile(r"\s*(?:orang|jiwa)\b", re.IGNORECASE)
# Call centres' numbers, never a person's: "Care Center BPJS Kesehatan 1500400".
_SERVICE_NUMBER = re.compile(r"1500[ .-]?\d{3}")
ID_MIN_DIGITS = 6

# Any run of ten digits or more left after the above is an identifier of some kind
# (an account, a customer, a card): amounts that long are written with "Rp" or with
# thousands separators, coordinates with a decimal point.
LONG_NUMBER = re.compile(r"(?<![\d.,])(?<!rp)(?<!rp )(?<!rp\. )\d{10,}+(?![\d,]|\.\d)", re.I)

EMAIL = re.compile(
    r"(?<![\w.+-])([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})"
)
# Addresses written to dodge harvesters: "nama [at] gmail.com", "nama(at)gmail(dot)com",
# "budi @gmail.com", "budi at gmail dot com"; read only when the address ends in a
# common top-level domain, so "ketemu at pasar dot" is left alone.
_AT = r"(?:\s*[\[({]\s*at\s*[\])}]\s*|\s+at\s+|\s*@\s*)"
_DOT = r"(?:\s*[\[({]\s*dot\s*[\])}]\s*|\s+dot\s+|\s*\.\s*)"
OBFUSCATED_EMAIL = re.compile(
    rf"(?<![\w.+-])(?P<user>[A-Za-z0-9._%+-]+){_AT}"
    rf"(?P<domain>[A-Za-z0-9-]+(?:{_DOT}[A-Za-z0-9-]+)*{_DOT}"
    r"(?:com|id|net|org|co|info|biz|me|io|edu|gov)(?![\w-]))",
    re.IGNORECASE,
)
# Government offices publish their addresses: an office named in a response must stay
# reachable.
OFFICIAL_DOMAIN = re.compile(r"(?:^|\.)go\.id$", re.IGNORECASE)

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
    r"(?<![\w-])(?P<prefix>" + "|".join(sorted(PLATE_PREFIXES, key=len, reverse=True)) + r")"
    r"[ .-]?(?P<digits>\d{1,4})[ .-]?(?P<suffix>[A-Z]{1,3})(?![\w-])",
    re.IGNORECASE,
)
# Words that say a plate follows: "nopol H 1234 QC", "plat b 5678 kz", "motor AB 12 C".
_PLATE_CUE = re.compile(
    r"(?<!\w)(?:nopol|no\.?\s*pol|nomor\s+polisi|plat|pelat|tnkb|kendaraan|kendaran|mobil"
    r"|motor|truk|truck|bus|bis|angkot|taksi|taxi|ojek|pikap|pick\s?up)(?!\w)[^.!?\n]{0,30}$",
    re.IGNORECASE,
)
# Without such a word, the shape alone is read as a plate only written in capitals with
# two digits or more, and not when its letters are a word or a unit: "lebih dr 5 thn",
# "studi S1 pak", "m0hon", "SIM B1 itu", "Blok K12 RT 3", "BP4MK", "K13 di SD".
_NOT_PLATE_SUFFIX = frozenset(
    [
        "DI",
        "KE",
        "DR",
        "DN",
        "DAN",
        "YG",
        "YA",
        "PAK",
        "BU",
        "THN",
        "TH",
        "BLN",
        "HR",
        "JAM",
        "ORG",
        "RB",
        "JT",
        "KG",
        "CM",
        "MM",
        "KM",
        "HA",
        "RT",
        "RW",
        "NO",
        "SD",
        "SMP",
        "SMA",
        "SMK",
        "WIB",
        "WIT",
        "PM",
        "AM",
        "DLL",
        "DST",
        "TGL",
        "ITU",
        "INI",
        "RP",
        "M",
    ]
)
# Words that name a plate itself, right before it: the shape is a plate whatever its letters.
_PLATE_WORD = re.compile(
    r"(?<!\w)(?:nopol|no\.?\s*pol|nomor\s+polisi|plat|pelat|tnkb)(?:\s+(?:no|nomor|nmr)\.?)?\s*[:.]?\s*$",
    re.IGNORECASE,
)
# Route codes: "angkot jalur B 12 A", "koridor K 2 B".
_ROUTE_BEFORE = re.compile(r"(?:jalur|trayek|koridor|rute|line|lin)\s*\.?\s*$", re.IGNORECASE)

# Street addresses: the street name helps locate a pothole, the house number and the
# neighbourhood unit (RT/RW) after it point at one household.
_STREET_MARKER = (
    r"(?:jalan|jln|jl|gang|gg|lorong|lr|perumahan|perum|kompleks|komplek|komp)(?:\s?\.|(?!\w))"
)
# Words that end a street name rather than belong to it.
_NOT_NAME = (
    r"(?:no|nomor|nomer|nmr|rt|rw|km|blok|kav|kel|kec|desa|dekat|depan|di|dan|yang|yg|sejak"
    r"|pasal|ayat)"
)
_LABEL = r"(?:\s*[,.]?\s*(?:no|nomor|nomer|nmr)\.?\s*:?\s*)"
_BLOCK = r"(?:\s*,?\s*blok\s*[a-z]{0,2}\s*\d{0,3}[a-z]?)"
_NAME_WORD = (
    # A numbered alley belongs to the name: "Jl. Merdeka Gg. 3 No. 10".
    # So does a number right before the house number: "Jl. Bukit Dahlia 13 No. 73".
    rf"(?:(?:gg|gang|lorong)\.?\s*\d{{1,3}}(?!\d)|\d{{1,3}}(?={_BLOCK}?{_LABEL}\d)"
    rf"|(?!{_NOT_NAME}\b)[^\W\d_][\w'’-]*+\.?)"
)
# A number written straight after a street name is a house number unless a unit, a
# month or a clock time follows it ("Jalan Merdeka 2 km", "Jalan Merdeka 12 Januari").
_NOT_HOUSE = (
    r"(?:km|kilo\w*|m|meter|cm|mm|hari|jam|menit|detik|minggu|pekan|bulan|tahun|thn|kali|x|"
    r"orang|org|unit|buah|titik|lubang|rumah|kk|jiwa|ekor|persen|jan\w*|feb\w*|mar\w*|apr\w*|"
    r"mei|jun\w*|jul\w*|ag\w*|sep\w*|okt\w*|nov\w*|des\w*)"
)
_HOUSE_NUMBER = r"\d{1,4}[a-z]?(?:\s?[-/]\s?\d{1,4}[a-z]?)?"
_BARE_NUMBER = r"\d{1,3}[a-z]?(?:/\d{1,3}[a-z]?)?"
_RT_RW = r"(?:\s*[,/]?\s*(?:rt|rw)\.?\s*:?\s*\d{1,3}(?:\s*/\s*(?:rw\.?\s*)?\d{1,3})?)"
ADDRESS = re.compile(
    # A kilometre post belongs to the street: "Jl. Raya Sokaraja km 3 no 45".
    rf"(?<!\w)(?P<street>{_STREET_MARKER}\s*(?:{_NAME_WORD}\s*?){{1,5}}?"
    rf"(?:\s*,?\s*km\.?\s*\d{{1,3}}(?:[.,]\d{{1,2}})?(?=\s*,?\s*(?:no|nomor|nomer|nmr)\b))?)"
    rf"(?:"
    rf"(?P<block>{_BLOCK}?)(?P<label>{_LABEL})"
    rf"(?P<number>{_HOUSE_NUMBER})"
    # A numbered list may follow a street's name: "Jalan Kaligawe 1.) perbaiki jalan".
    rf"|(?P<gap>\s+)(?P<bare>{_BARE_NUMBER})(?!\s*{_NOT_HOUSE}\b|{_BLOCK}?{_LABEL}\d|\.\))"
    rf")"
    rf"(?!\w|[.,:]\d)"
    rf"(?P<tail>{_RT_RW}*)",
    re.IGNORECASE,
)
_MARKER_AT_START = re.compile(rf"^{_STREET_MARKER}\s*", re.IGNORECASE)

# Village addresses often name no street: a house number is the number right before
# the neighbourhood unit ("Karangrau 17 RT 3/RW 5", "Dukuh Krajan 4, RT 02 RW 01"), or
# one a word says is a house's ("rumah saya no 17", "rumah Pak Darto nomor 9"). A year
# before an RT ("sejak 2024 RT 05") is not one.
_HOUSE_TAIL = rf"(?P<tail>{_RT_RW}+)"
HOUSE_BEFORE_RT = re.compile(
    rf"(?<![\w./:-])(?!(?:19|20)\d\d\b)(?P<number>\d{{1,4}}[a-z]?)(?=\s*[,/]?\s*rt\b){_HOUSE_TAIL}",
    re.IGNORECASE,
)
HOUSE_OF = re.compile(
    r"(?<!\w)(?P<lead>(?:rumah(?!\s+(?:sakit|makan|ibadah|potong|susun|dinas|adat)\b)"
    r"|kontrakan|kos-kosan|kost|kos|kamar\s+kos|tempat\s+tinggal)"
    r"[^\d\n.!?]{0,25}?(?<!\w)(?:no|nomor|nomer|nmr)\.?\s*:?\s*)"
    rf"(?P<number>{_HOUSE_NUMBER})(?!\w|[.,:]\d)(?P<tail>{_RT_RW}*)",
    re.IGNORECASE,
)
# "nomor rumah 17", and an alley's house after its Roman number: "Gg. Kelinci II/4".
HOUSE_NUMBERED = re.compile(
    r"(?i:(?<!\w)(?P<lead>(?:no|nomor|nomer|nmr)\.?\s*rumah\s*:?\s*))"
    r"(?P<number>\d{1,4}[a-z]?)(?!\w)(?P<tail>)"
    r"|(?P<alley>(?i:(?<!\w)(?:gg|gang)\.?)\s*(?:[^\W\d_][\w'-]*\s+){1,3}[IVX]{1,4}\s*/\s*)"
    r"(?P<alley_number>\d{1,4}[a-z]?)(?!\w)"
)
# A house number after the neighbourhood unit: "Desa Karangrau RT 03 RW 05 No. 17",
# "rt/rw:03/03,no 12".
HOUSE_AFTER_RT = re.compile(
    rf"(?<!\w)(?P<lead>(?:rt|rw)(?:\s*/\s*rw)?\.?\s*:?\s*\d{{1,3}}(?:\s*/\s*(?:rw\.?\s*)?\d{{1,3}})?"
    rf"(?:\s*[,/]?\s*rw\.?\s*:?\s*\d{{1,3}})?{_LABEL})(?P<number>{_HOUSE_NUMBER})(?!\w|[.,:]\d)",
    re.IGNORECASE,
)
# A housing estate's block-and-house code: "Perumahan Bumi Asri B-12", "Komplek Griya C7".
HOUSING_CODE = re.compile(
    r"(?i:(?<!\w)(?:perumahan|perum|kompleks|komplek|komp|cluster|klaster)(?!\w))"
    r"(?P<name>[^\n.,;!?\d]{1,40}?\s)(?P<block>[A-Z]{1,2}-?)(?P<number>\d{1,3})(?![\w-])"
)


def _mask_digits(text: str, keep_start: int, keep_end: int) -> str:
    """Replace every digit except the first `keep_start` and last `keep_end` ones."""
    positions = [i for i, ch in enumerate(text) if ch.isdigit()]
    hidden = set(positions[keep_start : len(positions) - keep_end])
    return "".join(MASK if i in hidden else ch for i, ch in enumerate(text))


def _mask_nik(match: re.Match) -> str:
    # The first four digits only name the province and regency of registration.
    return _mask_digits(match.group(0), keep_start=4, keep_end=0)


# A date with a leading zero reads like a landline ("03-05-2018", also with the hour after
# it: "05.02.2018 08.30"); it is not one.
_DATE = re.compile(r"(?:0[1-9]|[12]\d|3[01])([-./])(?:0[1-9]|1[0-2])\1(?:19|20)\d\d")


def _mask_phone(match: re.Match) -> str:
    written = match.group(0)
    digits = sum(ch.isdigit() for ch in written)
    if _DATE.match(written) or digits < 8 or digits > 15:
        return written
    return _mask_digits(written, keep_start=4, keep_end=2)


def _mask_identifier(match: re.Match) -> str:
    number = match.group("number")
    digits = sum(ch.isdigit() for ch in number)
    if (
        digits < ID_MIN_DIGITS
        or _AMOUNT.fullmatch(number)
        or _DATE_OR_TIME.match(number)
        or _YEARS.fullmatch(number)
        or _SERVICE_NUMBER.fullmatch(number)
        or _COUNTED.match(match.string, match.end())
    ):
        return match.group(0)
    return match.group(0)[: match.start("number") - match.start()] + _mask_digits(
        number, keep_start=0, keep_end=0
    )


def _mask_long_number(match: re.Match) -> str:
    return _mask_digits(match.group(0), keep_start=0, keep_end=0)


_LANDLINE_DIGITS = re.compile(r"0[2-7]\d{7,10}")


def _keep_landline_long_number(match: re.Match) -> str:
    # `PHONE` kept this office number ("02471234567", "WA Center 081234567890"); do not
    # mask it here either.
    if _LANDLINE_DIGITS.fullmatch(match.group(0)) or _named_as_ours(match, _OUR_CONTACT):
        return match.group(0)
    return _mask_long_number(match)


def _mask_email(match: re.Match) -> str:
    if OFFICIAL_DOMAIN.search(match.group(2)):
        return match.group(0)
    return f"{match.group(1)}{MASK * 3}@{match.group(2)}"


_DOT_WORD = re.compile(_DOT, re.IGNORECASE)


def _mask_obfuscated_email(match: re.Match) -> str:
    if OFFICIAL_DOMAIN.search(_DOT_WORD.sub(".", match.group("domain"))):
        return match.group(0)
    user = match.group("user")
    return user[0] + MASK * 3 + match.group(0)[len(user) :]


def _mask_plate(match: re.Match) -> str:
    if not _is_plate(match):
        return match.group(0)
    return f"{match.group('prefix').upper()} {MASK * 4} {MASK * 3}"


def _is_plate(match: re.Match) -> bool:
    prefix, suffix = match.group("prefix"), match.group("suffix")
    if _PLATE_WORD.search(match.string, max(0, match.start() - 20), match.start()):
        return True
    if suffix.upper() in _NOT_PLATE_SUFFIX:
        return False
    if _ROUTE_BEFORE.search(match.string, max(0, match.start() - 12), match.start()):
        return False
    if _PLATE_CUE.search(match.string, max(0, match.start() - 60), match.start()):
        return True
    return prefix.isupper() and suffix.isupper() and len(match.group("digits")) >= 2


def _mask_address(match: re.Match) -> str:
    street = match.group("street")
    if match.group("bare") is not None and not _is_proper_name(street):
        # Without "No." only a capitalised name marks a street: "jalan rusak 3 titik".
        return match.group(0)
    if match.group("bare") is not None:
        house = match.group("gap") + MASK * 3
    else:
        block = re.sub(r"\d+", MASK * 2, match.group("block"))
        house = block + match.group("label") + MASK * 3
    return street + house + re.sub(r"\d+", MASK * 2, match.group("tail"))


def _mask_house_after_rt(match: re.Match) -> str:
    # The RT/RW narrows the house down as much as with a street: masked alike.
    return re.sub(r"\d+", MASK * 2, match.group("lead")) + MASK * 3


def _mask_house(match: re.Match) -> str:
    lead = match.groupdict().get("lead") or ""
    return lead + MASK * 3 + re.sub(r"\d+", MASK * 2, match.group("tail"))


# The number after these words names a hamlet or a unit, not a house ("Dusun 5 RT 1").
_NOT_HOUSE_BEFORE_RT = re.compile(
    r"(?:dusun|dukuh|kampung|rt|rw|km|blok|gang|gg|lorong|desa|kelurahan|lingkungan|lk)\.?\s*$",
    re.IGNORECASE,
)


def _mask_house_numbered(match: re.Match) -> str:
    if match.group("alley") is not None:
        return match.group("alley") + MASK * 3
    return match.group("lead") + MASK * 3


# Coordinates typed or pasted into the text, alone or in a map link: rounded to three
# decimals (about 110 m), as public pages show a report's position.
COORDINATES = re.compile(r"(?<![\d.])(-?\d{1,2}\.\d{4,})(\s*,\s*)(-?\d{1,3}\.\d{4,})(?![\d])")


def _round_coordinates(match: re.Match) -> str:
    latitude, longitude = float(match.group(1)), float(match.group(3))
    if abs(latitude) > 90 or abs(longitude) > 180:
        return match.group(0)
    return f"{latitude:.3f}{match.group(2)}{longitude:.3f}"


def _mask_house_before_rt(match: re.Match) -> str:
    if _NOT_HOUSE_BEFORE_RT.search(match.string, max(0, match.start() - 12), match.start()):
        return match.group(0)
    return _mask_house(match)


def _is_proper_name(street: str) -> bool:
    name = _MARKER_AT_START.sub("", street)
    return all(word[0].isupper() for word in name.split())


# A mobile number: what is left when a number is not one is a landline with its area code.
_MOBILE = re.compile(r"^\(?\+?(?:62|0)\)?[ .-]?\(?8")
_INDONESIAN = re.compile(r"^\(?(?:\+?62|0)")


# In an organization's own message, the contacts it names as its own are published on
# purpose: "WA Center kami 0811…", "email kami: dinas@gmail.com", "kantor kami di Jl.
# Pemuda No. 1". Only a label right before the contact names it so, with nothing but
# "kami", "resmi", "di", "ke", "nomor" or punctuation between: an officer quoting the
# reporter ("WA Center kami dari nomor 0812…", "email kami sudah membalas ke budi@…",
# "kantor … rumah pelapor di Jl. …") names the reporter's, which stay masked.
_LABEL_TO_CONTACT = (
    r"(?:\s*[:.,()-]?\s*(?:kami|resmi|di|ke|yaitu|adalah|nomor|nomer|no\.?|nmr))*\s*[:.(-]?\s*$"
)
_OUR_CONTACT = re.compile(
    r"(?<!\w)(?:(?:wa|whatsapp|sms|call|care|contact|kontak|layanan|pengaduan|informasi)"
    r"\s*cent(?:er|re)|hotline|pusat\s+(?:layanan|informasi|pengaduan)|layanan\s+pengaduan"
    r"|(?:nomor|nomer|no|wa|whatsapp|sms|telp|telepon|hp|email|e-mail|surel|kontak)"
    r"\.?\s+(?:resmi\s+)?kami)(?!\w)" + _LABEL_TO_CONTACT,
    re.IGNORECASE,
)
_OUR_OFFICE = re.compile(
    r"(?<!\w)(?:(?:kantor|sekretariat|gedung|posko|loket)\s+kami|alamat\s+(?:kantor\s+)?kami)"
    r"(?!\w)" + _LABEL_TO_CONTACT,
    re.IGNORECASE,
)


def _named_as_ours(match: re.Match, before: re.Pattern, reach: int = 40) -> bool:
    return before.search(match.string, max(0, match.start() - reach), match.start()) is not None


def _keep_office_numbers(match: re.Match) -> str:
    written = match.group(0)
    landline = _INDONESIAN.match(written) and not _MOBILE.match(written)
    if landline or _named_as_ours(match, _OUR_CONTACT):
        return written
    return _mask_phone(match)


def _keep_office_email(match: re.Match) -> str:
    return match.group(0) if _named_as_ours(match, _OUR_CONTACT) else _mask_email(match)


def _keep_office_obfuscated_email(match: re.Match) -> str:
    if _named_as_ours(match, _OUR_CONTACT):
        return match.group(0)
    return _mask_obfuscated_email(match)


def _keep_office_address(match: re.Match) -> str:
    return match.group(0) if _named_as_ours(match, _OUR_OFFICE) else _mask_address(match)


def mask_personal_data(text: str, *, plates: bool = True, official: bool = False) -> str:
    """Return `text` with NIKs, phone numbers, emails, other personal numbers (named
    by a word such as "rekening" or "NISN", or ten digits and longer), vehicle plates
    (unless `plates` is False) and house numbers (after a street name, before or after
    an RT/RW, after "rumah … no", or a housing estate's block-and-house code; with the
    RT/RW after them) masked. `official`: an organization's own message, where its
    office's landline stays, and so do the mobile number, email and office address it
    names as its own ("WA Center kami …", "kantor kami di …").

    Order matters: a NIK may start with "62" (Central Kalimantan), so NIKs are masked
    before phone numbers, and so are numbers a word names (an NPWP "09.254.294.3-…"
    reads like a landline); emails before plates so an address like "b1234ab@x.id" is
    handled as an email; addresses last, once no other number can be read as a house
    number.
    """
    if not text:
        return text
    text = NIK.sub(_mask_nik, text)
    text = IDENTIFIER.sub(_mask_identifier, text)
    text = PHONE.sub(_keep_office_numbers if official else _mask_phone, text)
    text = EMAIL.sub(_keep_office_email if official else _mask_email, text)
    text = OBFUSCATED_EMAIL.sub(
        _keep_office_obfuscated_email if official else _mask_obfuscated_email, text
    )
    text = COORDINATES.sub(_round_coordinates, text)
    text = LONG_NUMBER.sub(_keep_landline_long_number if official else _mask_long_number, text)
    if plates:
        text = PLATE.sub(_mask_plate, text)
    text = ADDRESS.sub(_keep_office_address if official else _mask_address, text)
    text = HOUSE_OF.sub(_mask_house, text)
    text = HOUSE_NUMBERED.sub(_mask_house_numbered, text)
    text = HOUSE_BEFORE_RT.sub(_mask_house_before_rt, text)
    text = HOUSE_AFTER_RT.sub(_mask_house_after_rt, text)
    return HOUSING_CODE.sub(lambda m: m.group(0)[: m.start("number") - m.start()] + MASK * 3, text)


# Words by which writers point at themselves: "hubungi saya di 0812…", "rumah saya di
# Jl. Kenanga No. 12", "my number is …".
_FIRST_PERSON = re.compile(r"(?<!\w)(?:saya|sy|aku|kami|gue|gw|my|me)(?!\w)", re.IGNORECASE)
FIRST_PERSON_REACH = 40  # characters before a number or address


def _if_first_person(mask):
    def apply(match: re.Match) -> str:
        before = match.string[max(0, match.start() - FIRST_PERSON_REACH) : match.start()]
        return mask(match) if _FIRST_PERSON.search(before) else match.group(0)

    return apply


def mask_writers_own_data(text: str) -> str:
    """Return `text` with what points at its writer masked: NIK numbers (a person's own,
    in a report about their records), and the phone numbers, email addresses and house
    numbers they call their own ("hubungi saya di 0812…", "rumah saya Jl. Kenanga No.
    12"). Other people's numbers and accounts, other houses, plates and positions stay:
    for an anonymous report's handlers, who must still find the factory and pursue the
    fraudster's number (see `aduan.reports.privacy.withheld_text`)."""
    if not text:
        return text
    text = NIK.sub(_mask_nik, text)
    for pattern, mask in (
        (PHONE, _mask_phone),
        (EMAIL, _mask_email),
        (OBFUSCATED_EMAIL, _mask_obfuscated_email),
        (ADDRESS, _mask_address),
        (HOUSE_OF, _mask_house),
        (HOUSE_NUMBERED, _mask_house_numbered),
        (HOUSE_BEFORE_RT, _mask_house_before_rt),
    ):
        text = pattern.sub(_if_first_person(mask), text)
    return text
