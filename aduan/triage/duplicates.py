"""Reports about the same problem: the same words, the same place, the same weeks.

Two uses: a citizen about to file sees similar open public reports nearby and can
support one instead (`similar_open_reports`), and staff see likely duplicates of a
report with a one-click "mark as duplicate" (`likely_duplicates`).

Place and time choose the candidates, with an indexed query: reports of the same
regency (of the same district when the probe names its village), or within `FAR_KM` of
the coordinates; on PostgreSQL the `RANKED_CANDIDATES` most alike by the full-text index,
elsewhere the newest `CANDIDATES`; open public ones of any age for citizens, any not
archived that the user may see and submitted within `WINDOW_DAYS` for staff. Never a
scan of all reports. Text then ranks them:
cosine similarity of word counts and of character 3-gram counts (which bridge "lubang"
and "berlubang", "jln" and "jalan" after normalising), each weighted by how rare it is
among the candidates. Place and time raise or lower the score, and rule out villages of
another district and reports naming other streets; a report without a place has no
candidates, because text alone would match every pothole in the country.
"""

from __future__ import annotations

import datetime
import difflib
import math
import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.db import connections
from django.db.models import Q, QuerySet
from django.utils import timezone

from aduan.organizations.models import Region
from aduan.reports.models import Report, Status
from aduan.reports.privacy import public_coordinate, public_text
from aduan.triage.places import named_region, named_regions, names_within, regions_index
from aduan.triage.text import normalize

WINDOW_DAYS = 60
NEARBY_KM = 1.0  # coordinates this close count as the same place
FAR_KM = 3.0  # coordinates farther apart rule a report out
CANDIDATES = 300
RANKED_CANDIDATES = 60  # on PostgreSQL, the most alike by the full-text rank
QUERY_WORDS = 16  # the probe's longest words a PostgreSQL candidate must share one of
MIN_TEXT = 0.3  # below this the words are about something else, wherever it is
MIN_SCORE = 0.3
# From here a match is most likely the same problem (the same person writing again, or
# another about the same road or office); below it, a related report: the same topic in
# the same place and weeks. Read on the real LaporGub texts put in one regency: of the
# matches from 0.45, most were the same problem, below it most were not.
SAME_PROBLEM = 0.45
PUBLIC_MARGIN = 0.001  # degrees: a public (rounded) position is at most half this away
BODY_CHARS = 3000  # enough to compare; bounds the work on a pasted essay
KM_PER_DEGREE = 111.32
# Score of a shared region by the depth of the deepest region both are in.
# When one side names only a district or regency, how precisely it is known.
REGION_PLACE = {4: 1.0, 3: 0.7, 2: 0.5, 1: 0.25}
VILLAGE_DEPTH = 4
OTHER_VILLAGE_PLACE = 0.3  # another village of the same district
# A street named in the text: "Jl. Raya Sokaraja", "jalan Gatot Subroto", "Gg. Mawar".
STREET = re.compile(
    r"(?<!\w)(?i:jalan|jln|jl|gang|gg)(?:\s?\.|\s)\s*((?:[A-Z][\w'’-]*\.?\s?){1,4})"
)
# Words every complaint uses: they say nothing about which problem it is. The letter's
# formula too ("Assalamu'alaikum Warahmatullahi Wabarakatuh, Yth. Bupati dan Wakil
# Bupati beserta jajaran dan dinas terkait, saya ingin melaporkan bahwa …"): on the real
# Purbalingga texts it made one writer's reports about a lamp and a road look alike.
COMMON_WORDS = frozenset(
    """
    di ke dari yang dan atau ini itu ada adalah untuk dengan pada dalam karena sudah
    belum tidak akan juga saya kami kita mereka ia dia sangat sekali sehingga tetapi
    tapi namun jadi bisa dapat oleh para pun lagi masih hanya sampai agar supaya mohon
    tolong segera pak bu bapak ibu warga kami laporan lapor xnum xlongnum xurl xemail
    yth warahmatullahi wabarakatuh wassalamualaikum wassalamu alaikum terimakasih kasih
    bupati walikota gubernur wakil plt beserta jajaran dinas terkait ingin melaporkan
    bahwa menanyakan
    """.split()  # noqa: SIM905 - a word list reads better as text
)


@dataclass(frozen=True)
class Probe:
    """What is compared: a report, or a draft the citizen is still writing."""

    title: str
    body: str
    region_code: str = ""
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    at: datetime.datetime | None = None
    exclude_pk: int | None = None

    @classmethod
    def of(cls, item) -> Probe:
        """A Probe from a Report, a channels.intake.Draft or a Probe."""
        if isinstance(item, Probe):
            return item
        region_code = getattr(item, "region_id", None)
        if region_code is None and getattr(item, "region", None) is not None:
            region_code = item.region.code
        latitude, longitude = _float(item.latitude), _float(item.longitude)
        if not region_code and latitude is None:
            # An SMS, WhatsApp message or email has no region field: the place its words
            # name, for this search only (the report itself keeps no region).
            region_code = named_region(f"{item.title}\n{item.body}")
        return cls(
            title=item.title or "",
            body=item.body or "",
            region_code=region_code or "",
            address=getattr(item, "address", "") or "",
            latitude=latitude,
            longitude=longitude,
            at=getattr(item, "submitted_at", None),
            exclude_pk=item.pk if isinstance(item, Report) else None,
        )


@dataclass(frozen=True)
class Match:
    report: Report
    score: float
    text: float
    place: float
    days: int
    distance_km: float | None

    @property
    def same_problem(self) -> bool:
        """Most likely the same problem, not only a related one (see `SAME_PROBLEM`)."""
        return self.score >= SAME_PROBLEM


def similar_open_reports(draft_or_report, limit: int = 5) -> list[Match]:
    """Open public reports nearby that are probably the same problem as
    `draft_or_report` (`Match.same_problem`), best first (for citizens).

    The reports come with their reporter loaded, for `aduan.reports.privacy.public_text`.
    """
    probe = Probe.of(draft_or_report)
    if probe.latitude is None and probe.region_code.count(".") < 1:
        # A province alone is as good as no place for a citizen: the same words would
        # bring the same pothole of every regency in it, and they could not tell which.
        return []
    reports = Report.objects.public().open().select_related("reporter", "region__parent")
    # Measured from the positions the public sees, so that what a citizen is shown
    # (and in which order) cannot be probed for a report's exact position. Whatever its
    # age: a report still open is current, and one long overdue is the most worth
    # supporting (its age still lowers the score).
    found = _candidates(probe, reports, margin=PUBLIC_MARGIN, public=True, any_age=True)
    # Only the same problem: a citizen is asked to support it instead of reporting, and a
    # related report (another problem on the same street) would gather the wrong support.
    return [match for match in _rank(probe, found, limit, public=True) if match.same_problem]


def likely_duplicates(report: Report, user, limit: int = 5) -> list[Match]:
    """Reports `user` may see that likely describe the same problem as `report`."""
    if report.status == Status.ARCHIVED:
        return []
    reports = Report.objects.visible_to(user).exclude(status=Status.ARCHIVED)
    probe = Probe.of(report)
    found = _candidates(probe, reports)
    placeless, named = _placeless_candidates(probe, reports)
    return _rank(probe, found + placeless, limit, named=named)


# --- Candidates: place and time, from the database ----------------------------------


def _candidates(
    probe: Probe,
    reports: QuerySet[Report],
    margin: float = 0.0,
    public: bool = False,
    any_age: bool = False,
) -> list[Report]:
    place = _place_filter(probe, margin)
    if place is None:
        return []
    found = reports.filter(place)
    if not any_age:
        found = _in_window(found, probe)
    if probe.exclude_pk is not None:
        found = found.exclude(pk=probe.exclude_pk)
    if connections[found.db].vendor == "postgresql":
        return list(_sharing_words(found, probe, public)[:RANKED_CANDIDATES])
    return list(found.order_by("-submitted_at", "-pk")[:CANDIDATES])


PLACELESS_SCAN_FACTOR = 20


def _placeless_candidates(
    probe: Probe, reports: QuerySet[Report]
) -> tuple[list[Report], dict[int, str]]:
    """Reports without region or coordinates (SMS, WhatsApp, email) whose words name a
    place in the probe's regency, with that place by report id: a query of their own,
    so that such reports from all over the country never crowd out the probe's
    neighbours. The database picks those holding, as words, the name of the regency or
    of one of its districts; of them only those that the place reader puts in the
    regency are counted, so those of other regencies never crowd out each other's."""
    regency = probe.region_code.split(".")[:2]
    index = regions_index() if len(regency) == 2 else None
    names = names_within(".".join(regency), index) if index is not None else []
    if not names:
        return [], {}
    naming = _naming_pattern(names)
    found = reports.filter(
        Q(title__iregex=naming) | Q(body__iregex=naming),
        region__isnull=True,
        latitude__isnull=True,
    )
    found = _in_window(found, probe)
    if probe.exclude_pk is not None:
        found = found.exclude(pk=probe.exclude_pk)
    if connections[found.db].vendor == "postgresql":
        rows, limit = _sharing_words(found, probe, public=False), RANKED_CANDIDATES
    else:
        rows, limit = found.order_by("-submitted_at", "-pk"), CANDIDATES
    # The limit counts only reports the place reader puts in the regency: a district
    # named like a common word ("Ayah", "Raya") is in reports from the whole country,
    # which, counted, would crowd out the regency's own again.
    # Read at most PLACELESS_SCAN_FACTOR times as many, so that a district named like a
    # very common word costs a bounded time on a national installation.
    kept: dict[int, tuple[Report, str]] = {}
    for row in rows[: limit * PLACELESS_SCAN_FACTOR].iterator(chunk_size=limit):
        code = named_regions([f"{row.title}\n{row.body}"], index)[0]
        if code and code.split(".")[:2] == regency:
            kept[row.pk] = (row, code)
            if len(kept) == limit:
                break
    return [row for row, _code in kept.values()], {pk: code for pk, (_, code) in kept.items()}


def _naming_pattern(names: list[str]) -> str:
    """A regular expression, read alike by PostgreSQL and SQLite, that a text naming
    one of `names` (`names_within`) matches however the place reader accepts it written:
    it splits names at any character not a letter, so "Toli-Toli", "toli toli",
    "Sa'dan" and "sa dan" are one name to it. Anything not a letter may stand between
    the words; never a letter before or after the name, which "Selo" in "selokan"
    would have."""
    names = "|".join(r"[^a-z]*".join(name.split()) for name in names)
    return rf"(^|[^a-z])({names})([^a-z]|$)"


def _in_window(reports: QuerySet[Report], probe: Probe) -> QuerySet[Report]:
    at = probe.at or timezone.now()
    window = datetime.timedelta(days=WINDOW_DAYS)
    return reports.filter(submitted_at__gte=at - window, submitted_at__lte=at + window)


def _sharing_words(reports: QuerySet[Report], probe: Probe, public: bool) -> QuerySet[Report]:
    """PostgreSQL: of the reports near in place and time, those sharing a word with the
    probe (stemmed, through the full-text index), most alike first: in a busy regency
    the newest few hundred need not hold the duplicate, the best-matching ones do."""
    from django.contrib.postgres.search import SearchQuery, SearchRank

    from aduan.reports.models import SEARCH_CONFIG, StoredSearchDocument

    raw = _WORD.findall(f"{probe.title} {probe.body[:BODY_CHARS]}".lower())
    words = {w for w in raw + normalize(" ".join(raw)).split() if w not in COMMON_WORDS}
    words = sorted((w for w in words if len(w) > 2), key=len, reverse=True)[:QUERY_WORDS]
    if not words:
        return reports.order_by("-submitted_at", "-pk")
    query = SearchQuery(" or ".join(words), search_type="websearch", config=SEARCH_CONFIG)
    document = StoredSearchDocument(public=public)
    return (
        reports.alias(document=document)
        .filter(document=query)
        .alias(likeness=SearchRank(document, query))
        .order_by("-likeness", "-submitted_at", "-pk")
    )


def _place_filter(probe: Probe, margin: float = 0.0) -> Q | None:
    """Reports of the probe's regency (its province when only that is known), or within
    FAR_KM of its coordinates (and `margin` degrees more); None when the probe has no
    place at all."""
    place = None
    parts = probe.region_code.split(".") if probe.region_code else []
    if len(parts) == VILLAGE_DEPTH:
        # A village in another district can never match (see _place_similarity): only
        # its district's villages, the district and the regency themselves are looked at,
        # which keeps a large regency's thousands of reports out of the query.
        regency, district = ".".join(parts[:2]), ".".join(parts[:3])
        nearby = Region.objects.filter(Q(pk__in=[regency, district]) | Q(parent_id=district))
        place = Q(region_id__in=nearby.values("code"))
    elif parts:
        scope = ".".join(parts[:2])
        # Parent links rather than a code prefix: LIKE 'x%' needs a special index on
        # PostgreSQL, the parent index serves this on every database.
        regions = Region.objects.filter(
            Q(pk=scope)
            | Q(parent_id=scope)
            | Q(parent__parent_id=scope)
            | Q(parent__parent__parent_id=scope)
        ).values("code")
        place = Q(region_id__in=regions)
    if probe.latitude is not None and probe.longitude is not None:
        lat_delta = FAR_KM / KM_PER_DEGREE + margin
        lng_delta = FAR_KM / (KM_PER_DEGREE * max(math.cos(math.radians(probe.latitude)), 0.01))
        lng_delta += margin
        box = Q(
            latitude__range=_range(probe.latitude, lat_delta),
            longitude__range=_range(probe.longitude, lng_delta),
        )
        place = box if place is None else place | box
    return place


def _range(center: float, delta: float) -> tuple[Decimal, Decimal]:
    return (Decimal(f"{center - delta:.6f}"), Decimal(f"{center + delta:.6f}"))


_WORD = re.compile(r"[a-z]+")


# --- Ranking: text, place, time -------------------------------------------------------


def _rank(
    probe: Probe,
    candidates: list[Report],
    limit: int,
    public: bool = False,
    named: dict[int, str] | None = None,
) -> list[Match]:
    """`named`: the place the words of a report without a region name, by its id."""
    if not candidates:
        return []
    features = [_features(probe.title, probe.body)]
    # A citizen's draft is compared with what the public may read of each report.
    texts = [(r.public_title, r.public_body) if public else (r.title, r.body) for r in candidates]
    features += [_features(title, body) for title, body in texts]
    weights = _inverse_document_frequency(features)
    probe_vectors = _weighted(features[0], weights)
    at = probe.at or timezone.now()
    streets = _streets(probe.title, probe.body, probe.address)
    with_streets = _similarity_with_streets(probe, texts) if streets else None
    matches = []
    for index, (report, feature) in enumerate(zip(candidates, features[1:], strict=True)):
        text = _text_similarity(probe_vectors, _weighted(feature, weights))
        region = (named or {}).get(report.pk)
        place, distance = _place_similarity(probe, report, public, region)
        far = distance is None or distance > NEARBY_KM
        if place is not None and far and _other_streets(streets, report, public):
            # Two named streets: different places, unless positions put the two reports
            # within NEARBY_KM of each other (a corner, a street named two ways).
            place = None
        if text < MIN_TEXT or place is None:
            continue
        if with_streets and _shares_street(streets, report, public):
            # Already about the same kind of problem, on the same named street: the
            # street is then part of what the two describe alike ("Jalan berlubang di
            # Jl. Raya Baturraden" twice), not only where.
            text = max(text, with_streets[index])
        days = abs((report.submitted_at - at).days)
        recency = max(0.0, 1 - days / WINDOW_DAYS)
        score = text * (0.55 + 0.3 * place + 0.15 * recency)
        if score >= MIN_SCORE:
            matches.append(Match(report, round(score, 3), round(text, 3), place, days, distance))
    matches.sort(key=lambda m: (-m.score, -m.report.submitted_at.timestamp()))
    return matches[:limit]


Features = tuple[Counter, Counter]


def _features(title: str, body: str, keep_streets: bool = False) -> Features:
    # The title twice: it is the citizen's own summary of the problem. Street names are
    # left out: they say where, which the place score weighs (`_other_streets`); in the
    # text they would make a broken traffic light and street vendors on one road alike
    # (kept only for `_similarity_with_streets`).
    text = f"{title} {title} {body[:BODY_CHARS]}"
    text = normalize(text if keep_streets else _without_street_names(text))
    words = [w for w in text.split() if w not in COMMON_WORDS]
    grams: Counter = Counter()
    for word in words:
        padded = f" {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return Counter(words), grams


def _similarity_with_streets(probe: Probe, texts: list[tuple[str, str]]) -> list[float]:
    """The probe's text similarity to each of `texts` with the streets' names read as
    words, weighed among the same reports (used only where both name the same street)."""
    features = [_features(probe.title, probe.body, keep_streets=True)]
    features += [_features(title, body, keep_streets=True) for title, body in texts]
    weights = _inverse_document_frequency(features)
    probe_vectors = _weighted(features[0], weights)
    return [_text_similarity(probe_vectors, _weighted(f, weights)) for f in features[1:]]


def _inverse_document_frequency(features: list[Features]) -> tuple[dict, dict]:
    count = len(features)
    result = []
    for part in (0, 1):
        seen: Counter = Counter()
        for feature in features:
            seen.update(feature[part].keys())
        result.append({key: math.log((count + 1) / (n + 1)) + 1 for key, n in seen.items()})
    return result[0], result[1]


def _weighted(feature: Features, weights: tuple[dict, dict]) -> tuple[dict, dict]:
    return tuple(
        {key: n * weights[part][key] for key, n in feature[part].items()} for part in (0, 1)
    )


def _cosine(a: dict, b: dict) -> float:
    if not a or not b:
        return 0.0
    if len(a) > len(b):
        a, b = b, a
    dot = sum(value * b.get(key, 0.0) for key, value in a.items())
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0


def _text_similarity(a: tuple[dict, dict], b: tuple[dict, dict]) -> float:
    return 0.5 * _cosine(a[0], b[0]) + 0.5 * _cosine(a[1], b[1])


def _place_similarity(
    probe: Probe, report: Report, public: bool = False, named: str | None = None
) -> tuple[float | None, float | None]:
    """(score, distance in km); score None when the two places are too far apart.
    `public`: from the report's position as the public sees it (rounded); `named`: the
    place the words of a report without a region name."""
    read = public_coordinate if public else _float
    lat, lng = read(report.latitude), read(report.longitude)
    if None not in (probe.latitude, probe.longitude, lat, lng):
        distance = _distance_km(probe.latitude, probe.longitude, lat, lng)
        if distance > FAR_KM:
            return None, round(distance, 2)
        near = 1.0 if distance <= NEARBY_KM else (FAR_KM - distance) / (FAR_KM - NEARBY_KM)
        return near, round(distance, 2)
    region = report.region_id or named
    if not (probe.region_code and region):
        # Only one side has coordinates, the other only a region: the bounding box or
        # the regency brought it here; count it as the same regency.
        return REGION_PLACE[2], None
    mine, theirs = probe.region_code.split("."), region.split(".")
    shared = 0
    for part, other in zip(mine, theirs, strict=False):
        if part != other:
            break
        shared += 1
    if len(mine) == len(theirs) == VILLAGE_DEPTH and shared < VILLAGE_DEPTH:
        # Both name their village, and the villages differ: a neighbouring village may
        # share a road or a river, a village in another district does not.
        return (OTHER_VILLAGE_PLACE if shared == VILLAGE_DEPTH - 1 else None), None
    return (REGION_PLACE.get(shared) if shared else None), None


def _streets(*texts: str) -> set[str]:
    keys = {_street_key(match.group(1)) for text in texts for match in STREET.finditer(text or "")}
    return keys - {""}


# Titles written short ("Jend.", "Prof.", "KH") and the old spellings of names that
# streets keep both ways ("Soedirman"/"Sudirman", "Djuanda"/"Juanda").
_STREET_TITLES = {
    "jend": "jenderal",
    "jendral": "jenderal",
    "jenderal": "jenderal",
    "letjen": "letnan jenderal",
    "mayjen": "mayor jenderal",
    "brigjen": "brigadir jenderal",
    "kol": "kolonel",
    "prof": "profesor",
    "dr": "dokter",
    "ir": "insinyur",
    "kh": "kyai haji",
    "h": "haji",
    "hj": "hajjah",
    "pangl": "panglima",
}
_OLD_SPELLING = (("oe", "u"), ("dj", "j"), ("tj", "c"), ("sj", "sy"), ("nj", "ny"), ("ch", "kh"))
_DOUBLED = re.compile(r"(.)\1+")


# A title written in capitals ("Jalan Rusak Parah Di Depan Pasar") names no street: its
# name ends at the first such word. "Raya" (main road) and initials say nothing of which.
_NOT_STREET_NAME = frozenset(
    ["di", "depan", "dekat", "samping", "rusak", "berlubang", "yang", "yg", "dan", "sudah",
     "sejak", "mohon", "parah", "mati", "padam", "tidak", "banyak", "sangat", "ada", "ke"]
)  # fmt: skip
_ANY_STREET = frozenset(["raya", "jalan", "jl", "jln"])


_NAME_WORD = re.compile(r"[A-Z][\w'’-]*\.?\s?")
_WORD = re.compile(r"[^\W\d_]+")
SHOUTED = 0.6  # from this share of capitalised words a capital marks no name


def _without_street_names(text: str) -> str:
    """`text` without the streets it names ("di Jl. Kenanga dekat masjid" → "di dekat
    masjid"), which say where, not what. Only the name goes: "JALAN BERLUBANG DEPAN
    PASAR WAGE" or "Jalan Rusak Parah" name no street and keep every word — "jalan" there
    is the broken road itself; in a text written in capitals or Title Case, where a
    capital marks no name, a street's name is taken to be one word ("Gang Mawar Banjir
    Setiap Hujan" → "Banjir Setiap Hujan")."""
    words = _WORD.findall(text)
    capitalised = sum(word[0].isupper() for word in words)
    shouted = bool(words) and capitalised / len(words) >= SHOUTED

    def replace(match: re.Match) -> str:
        length = _street_name_length(match.group(1), shouted)
        if not length:
            return match.group(0)
        return " " + match.group(1)[length:]

    return STREET.sub(replace, text)


def _street_name_length(words: str, shouted: bool) -> int:
    """How many characters at the start of `words` (capitalised words after a street
    word) are the street's name: up to a word no street is named with; when `shouted`,
    the first word after any titles ("Raya", "Jend.")."""
    length = 0
    for match in _NAME_WORD.finditer(words):
        word = match.group(0).strip().rstrip(".").lower()
        if word in _NOT_STREET_NAME:
            break
        length = match.end()
        if shouted and word not in _ANY_STREET and word not in _STREET_TITLES:
            break
    return length


def _street_key(name: str) -> str:
    """A street's name as compared: titles spelled out, old spellings made new, spaces,
    initials, "Raya" and doubled letters gone — "Jl. Jend. Soedirman" and "Jalan
    Jenderal Sudirman", "Gajah Mada" and "Gajahmada", "Baturaden" and "Baturraden", "A.
    Yani" and "Ahmad Yani", "Raya Sokaraja" and "Sokaraja Raya" meet; "" for a
    capitalised sentence that names none."""
    words = []
    for word in name.lower().replace(".", " ").split():
        if word in _NOT_STREET_NAME:
            break
        if len(word) > 1 and word not in _ANY_STREET:
            words.append(word)
    text = "".join(_STREET_TITLES.get(word, word) for word in words).replace(" ", "")
    for old, new in _OLD_SPELLING:
        text = text.replace(old, new)
    return _DOUBLED.sub(r"\1", text)


def _other_streets(streets: set[str], report: Report, public: bool = False) -> bool:
    """Whether both name streets and no street of one is a street of the other: reports
    on Jl. Raya Sokaraja and Jl. Gerilya are about different places. `public`: of the
    text the public may read of `report`."""
    if not streets:
        return False
    theirs = _report_streets(report, public)
    if not theirs:
        return False
    return not any(_same_street(a, b) for a in streets for b in theirs)


def _shares_street(streets: set[str], report: Report, public: bool = False) -> bool:
    """Whether `report` names one of `streets` (`public`: in what the public reads)."""
    return bool(streets) and any(
        _same_street(a, b) for a in streets for b in _report_streets(report, public)
    )


def _report_streets(report: Report, public: bool) -> set[str]:
    if public:
        address = public_text(report.address, report)
        return _streets(report.public_title, report.public_body, address)
    return _streets(report.title, report.body, report.address)


def _same_street(a: str, b: str) -> bool:
    """One street's name in the other ("sudirman" in "jenderalsudirman"), or the two
    a letter or two apart (a typo, "Gatotsubroto"/"Gatot Soebroto" already met)."""
    if a in b or b in a:
        return True
    return min(len(a), len(b)) >= 6 and difflib.SequenceMatcher(None, a, b).ratio() >= 0.9


def _distance_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lng2 - lng1)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def _float(value) -> float | None:
    return None if value is None else float(value)
