"""Normalizing Indonesian complaint text before it is turned into features.

Citizens write the way they text: "yg", "jln", "tdk", "mhn"; they greet and address the
governor at length; they paste phone numbers, ID numbers and links. The classifier
should see the words that say what the problem is, spelled one way, and no noise.
Javanese and Sundanese words are kept as they are: they carry meaning ("dalan rusak"),
and character n-grams (see `aduan.triage.suggest`) bridge the spelling variants.

The lists below are general Indonesian SMS and chat conventions, not taken from any
installation's reports.
"""

from __future__ import annotations

import html
import re
import unicodedata

# Informal spellings and abbreviations → the standard word.
ABBREVIATIONS: dict[str, str] = {
    "yg": "yang",
    "ygn": "yang",
    "jln": "jalan",
    "jl": "jalan",
    "jl.": "jalan",
    "tdk": "tidak",
    "tak": "tidak",
    "gk": "tidak",
    "ga": "tidak",
    "gak": "tidak",
    "nggak": "tidak",
    "ngga": "tidak",
    "enggak": "tidak",
    "kagak": "tidak",
    "g": "tidak",
    "mhn": "mohon",
    "dgn": "dengan",
    "dg": "dengan",
    "sdh": "sudah",
    "udh": "sudah",
    "udah": "sudah",
    "dah": "sudah",
    "sdah": "sudah",
    "blm": "belum",
    "blum": "belum",
    "kpd": "kepada",
    "utk": "untuk",
    "untk": "untuk",
    "tuk": "untuk",
    "dr": "dari",
    "dri": "dari",
    "krn": "karena",
    "karna": "karena",
    "krna": "karena",
    "dlm": "dalam",
    "tsb": "tersebut",
    "sbg": "sebagai",
    "spt": "seperti",
    "kl": "kalau",
    "klo": "kalau",
    "kalo": "kalau",
    "sy": "saya",
    "sya": "saya",
    "aq": "aku",
    "gw": "saya",
    "gue": "saya",
    "kmi": "kami",
    "km": "kamu",
    "bs": "bisa",
    "bsa": "bisa",
    "jg": "juga",
    "sj": "saja",
    "aja": "saja",
    "lg": "lagi",
    "lgi": "lagi",
    "bgt": "banget",
    "bnyk": "banyak",
    "byk": "banyak",
    "org": "orang",
    "orng": "orang",
    "tp": "tapi",
    "tpi": "tapi",
    "trs": "terus",
    "sm": "sama",
    "pd": "pada",
    "hrs": "harus",
    "hrus": "harus",
    "msh": "masih",
    "masi": "masih",
    "sgt": "sangat",
    "skrg": "sekarang",
    "skrng": "sekarang",
    "sblm": "sebelum",
    "stlh": "setelah",
    "bln": "bulan",
    "thn": "tahun",
    "th": "tahun",
    "hr": "hari",
    "mgg": "minggu",
    "kmrn": "kemarin",
    "tgl": "tanggal",
    "ttg": "tentang",
    "thd": "terhadap",
    "sampe": "sampai",
    "smp": "sampai",
    "gmn": "bagaimana",
    "gimana": "bagaimana",
    "knp": "kenapa",
    "kenape": "kenapa",
    "dpt": "dapat",
    "dapet": "dapat",
    "blh": "boleh",
    "lbh": "lebih",
    "mslh": "masalah",
    "pemkab": "pemerintah kabupaten",
    "pemkot": "pemerintah kota",
    "pemprov": "pemerintah provinsi",
    "pemdes": "pemerintah desa",
    "kab": "kabupaten",
    "kec": "kecamatan",
    "kel": "kelurahan",
    "ds": "desa",
    "dsn": "dusun",
    "prov": "provinsi",
    "rsud": "rumah sakit umum daerah",
    "rs": "rumah sakit",
    "sd": "sekolah dasar",
    "smk": "smk",
    "sma": "sma",
    "pns": "pegawai negeri sipil",
    "asn": "aparatur sipil negara",
    "pju": "penerangan jalan umum",
}

# Greetings, courtesies and honorifics: every report has some, none says where it goes.
# Multi-word phrases first, removed as whole phrases.
NOISE_PHRASES: tuple[str, ...] = (
    "assalamualaikum warahmatullahi wabarakatuh",
    "assalamualaikum wr wb",
    "waalaikumsalam",
    "wr wb",
    "wr. wb.",
    "terima kasih",
    "terimakasih",
    "trima kasih",
    "makasih",
    "mohon maaf",
    "selamat pagi",
    "selamat siang",
    "selamat sore",
    "selamat malam",
    "dengan hormat",
    "bapak ibu",
    "bapak/ibu",
    "salam sejahtera",
    "salam hormat",
)
NOISE_WORDS: frozenset[str] = frozenset(
    {
        "yth",
        "kepada",
        "bapak",
        "bpk",
        "pak",
        "bu",
        "ibuk",
        "sdr",
        "saudara",
        "saudari",
        "mas",
        "mbak",
        "kak",
        "gan",
        "min",
        "admin",
        "assalamualaikum",
        "assalamuallaikum",
        "asalamualaikum",
        "assalamu",
        "alaikum",
        "salam",
        "hormat",
        "tks",
        "thx",
        "terimakasih",
        "wassalam",
        "wassalamualaikum",
        "wb",
        "wr",
        "mohon",
        "tolong",
        "maaf",
        "permisi",
        "halo",
        "hallo",
        "hai",
        "pagi",
        "siang",
        "sore",
        "malam",
    }
)

# Exports of web forms may hold markup: "<p>Jalan rusak&nbsp;parah</p>".
_TAG = re.compile(r"</?[a-z][^<>]{0,200}>")
_URL = re.compile(r"(?:https?://|www\.)\S+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_APOSTROPHE = re.compile(r"(?<=\w)['’`](?=\w)")
_WORD_RUN = re.compile(r"\w+")
# Letters of any script: Javanese and Sundanese are often written with é and è
# ("dibéréskeun", "sampéyan"); accents are dropped first, so both spellings meet.
_TOKEN = re.compile(r"[^\W\d_]+")
LONG_NUMBER_DIGITS = 8


def _without_accents(text: str) -> str:
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _phrase_pattern() -> re.Pattern[str]:
    phrases = sorted(NOISE_PHRASES, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(p) for p in phrases) + r")(?!\w)")


_PHRASES = _phrase_pattern()


def normalize(text: str) -> str:
    """Lowercased words with abbreviations expanded, courtesies dropped, and URLs, emails
    and numbers replaced by placeholder words (`xurl`, `xemail`, `xlongnum`, `xnum`).

    It runs over every text of a retraining (100,000 of them within the minute), so
    each pattern runs only on texts that may hold what it looks for."""
    text = (text or "").lower()
    if "<" in text:
        text = _TAG.sub(" ", text)
    text = _without_accents(html.unescape(text))
    if "http" in text or "www." in text:
        text = _URL.sub(" xurl ", text)
    if "@" in text:
        text = _EMAIL.sub(" xemail ", text)
    if "'" in text or "’" in text or "`" in text:
        text = _APOSTROPHE.sub("", text)
    words = []
    for run in _WORD_RUN.findall(text):
        words.extend(_words_of(run))
    text = _PHRASES.sub(" ", " ".join(words))
    return " ".join(w for w in text.split() if w not in NOISE_WORDS and len(w) > 1)


_REDUPLICATED = re.compile(r"([^\W\d_]{2,})2")


def _words_of(run: str) -> list[str]:
    """The words of one run of word characters: a number or any token holding a digit
    (house numbers, RT/RW, plates, dates, amounts, report codes) is one placeholder;
    letters become words, abbreviations expanded."""
    if run.isalpha():
        return ABBREVIATIONS.get(run, run).split()
    if doubled := _REDUPLICATED.fullmatch(run):
        # "anak2", "lampu2": the plural written short ("anak-anak"), a word, not a number.
        return ABBREVIATIONS.get(doubled[1], doubled[1]).split()
    if any(ch.isdecimal() for ch in run):
        long_number = run.isdecimal() and len(run) >= LONG_NUMBER_DIGITS
        return ["xlongnum" if long_number else "xnum"]
    return [w for token in _TOKEN.findall(run) for w in ABBREVIATIONS.get(token, token).split()]
