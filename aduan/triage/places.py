"""The place a report names in its own words, for reports that come without a region.

An SMS, a WhatsApp message or an email has no region field: the citizen writes "di
Kecamatan Bukateja Purbalingga" in the text. Who handles a report depends much on where
it happened, so for such a report the suggestions read the regency or city (and the
district within it) that the words name, from the Kemendagri regions the installation
holds (`manage.py load_regions`), and weigh jurisdictions and routing rules by it as
they do for a report whose reporter chose its region.

Only a clear naming counts: one regency or city (a district counts with its regency, or
after "kecamatan"/"kec."); two different regencies name no place. After "kabupaten",
"kota" or "kecamatan" a name always counts; otherwise only a name written with a capital
inside a sentence (every sentence starts with one: "Batu besar menutup saluran"), or one
long lowercase word ("purbalingga", "banyumas"), never lowercase words that make a phrase
("sungai penuh sampah", "truk batu bara"), a street ("Jl. Sumbawa") or a name that is
also a common word or title ("Pak Kaur", "padang").
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Max

from aduan.organizations.models import Region

WORD = re.compile(r"[^\W\d_]+")
LONGEST_NAME = 4  # words
BARE_NAME_LETTERS = 7
CITY_WORDS = {"kota", "kodya", "kotamadya"}
REGENCY_WORDS = {"kabupaten", "kab"}
DISTRICT_WORDS = {"kecamatan", "kec"}
STREET_WORDS = {"jalan", "jl", "jln", "gang", "gg", "lorong"}
# Regency and city names that are also common words or titles: "batu besar", "Pak Kaur"
# (a village official), "padang rumput", "Metro mini"; they count after "kabupaten" or
# "kota" only.
COMMON_NAMES = {"batu", "kaur", "padang", "metro", "muara", "tanjung", "sungai", "kota baru"}
_PREFIX = re.compile(r"^(?:kabupaten|kab\.?|kota administrasi|kota)\s+")


@dataclass
class _Index:
    stamp: tuple = ()
    regencies: dict[str, list[tuple[str, bool]]] = field(default_factory=dict)  # (code, city)
    districts: dict[str, list[str]] = field(default_factory=dict)


_index = _Index()


def _key(name: str) -> str:
    return " ".join(WORD.findall(_PREFIX.sub("", name.casefold())))


def _current_index() -> _Index:
    """The regency and district names by their words, read once per process and again
    when the regions change (one aggregate query a call)."""
    global _index
    rows = Region.objects.filter(level__in=(Region.Level.REGENCY, Region.Level.DISTRICT))
    stamp = tuple(rows.aggregate(n=Count("code"), last=Max("code")).values())
    if stamp != _index.stamp:
        fresh = _Index(stamp, defaultdict(list), defaultdict(list))
        for code, name, level in rows.values_list("code", "name", "level"):
            if level == Region.Level.REGENCY:
                fresh.regencies[_key(name)].append((code, name.casefold().startswith("kota")))
            else:
                fresh.districts[_key(name)].append(code)
        _index = fresh
    return _index


def named_region(text: str) -> str | None:
    """The Kemendagri code of the one regency or city `text` names (of its district,
    when it names one there too), or None."""
    return named_regions([text])[0]


def named_regions(texts: list[str], index: _Index | None = None) -> list[str | None]:
    """`named_region` of each of `texts`, reading the regions' names once (`index`, from
    `regions_index`, spares that)."""
    if index is None:
        index = _current_index() if any(texts) else None
    return [_named_in(text or "", index) for text in texts]


def _named_in(text: str, index: _Index | None) -> str | None:
    found = list(WORD.finditer(text))
    words = [(m.group(0), m.group(0).casefold()) for m in found]
    if not words or index is None:
        return None
    regencies: set[str] = set()
    districts: list[tuple[str, bool]] = []  # (code, after "kecamatan")
    for start in range(len(words)):
        before = words[start - 1][1] if start else ""
        if before in STREET_WORDS:
            continue  # "Jl. Sumbawa" is a street, not the regency
        # A capital counts only inside a sentence: every sentence starts with one.
        preceding = text[: found[start].start()].rstrip(" \t\"'(")
        opening = not preceding or preceding[-1] in ".!?\n"
        for size in range(1, LONGEST_NAME + 1):
            written = words[start : start + size]
            if len(written) < size:
                break
            key = " ".join(folded for _, folded in written)
            if _plain(key, written, before, opening):
                _collect(index, key, before, regencies, districts)
    return _resolve(regencies, districts)


_DISTRICT_PREFIX = re.compile(r"^(?:kecamatan|kec)\s+")


def regions_index() -> _Index:
    """The regions' names as `named_regions` and `names_within` read them, for several
    calls on one read."""
    return _current_index()


def names_within(regency_code: str, index: _Index) -> list[str]:
    """The names, lowercase, of the regency or city `regency_code` and of its districts
    in `index` (`regions_index`): a text that names a place there holds one of them
    (`named_region`)."""
    names = {
        key
        for key, entries in index.regencies.items()
        if any(code == regency_code for code, _city in entries)
    }
    names |= {
        _DISTRICT_PREFIX.sub("", key)
        for key, codes in index.districts.items()
        if any(code.rsplit(".", 1)[0] == regency_code for code in codes)
    }
    return sorted(names - {""})


def _plain(key: str, written: list[tuple[str, str]], before: str, opening: bool) -> bool:
    """Whether these words name a place rather than say something: after "kabupaten",
    "kota" or "kecamatan" always; else a capitalised name inside a sentence that is not
    also a common word or title, or one long lowercase word ("purbalingga"), never
    lowercase words that make a phrase ("sungai penuh", "batu bara")."""
    if before in REGENCY_WORDS | CITY_WORDS | DISTRICT_WORDS:
        return True
    if key in COMMON_NAMES:
        return False
    if written[0][0][:1].isupper() and not opening:
        return True
    return len(written) == 1 and len(key) >= BARE_NAME_LETTERS


def _collect(index, key: str, before: str, regencies: set, districts: list) -> None:
    for code, city in index.regencies.get(key, ()):
        if before in CITY_WORDS and not city or before in REGENCY_WORDS and city:
            continue
        regencies.add(code)
    for code in index.districts.get(key, ()):
        districts.append((code, before in DISTRICT_WORDS))


def _resolve(regencies: set[str], districts: list[tuple[str, bool]]) -> str | None:
    # A name shared by a regency and a city ("Semarang", "Magelang") stands for either
    # until "kota"/"kabupaten" or a district says which.
    by_parent = {code: code.rsplit(".", 1)[0] for code, _ in districts}
    within = {code for code, parent in by_parent.items() if parent in regencies}
    if within:
        parents = {by_parent[code] for code in within}
        if len(parents) == 1:
            return next(iter(within)) if len(within) == 1 else parents.pop()
        return None
    if len(regencies) == 1:
        return next(iter(regencies))
    if not regencies:
        announced = {code for code, after_word in districts if after_word}
        if len(announced) == 1:
            return announced.pop()
    return None
