"""Checks on a report's text: completeness hints, urgency flags and abusive language.

Completeness hints help a citizen write a report that can be handled the first time
(too short, no place, no date, no request): about 43 % of the national system's reports
were once deleted as incomplete. They never block a submission.

Urgency flags (flood, fire, fallen tree, collapsed bridge, landslide, medical
emergency) and the abusive-language flag are for staff. All of them are pure functions
of the text, written from general Indonesian usage with common Javanese and Sundanese
variants, and English (the site's second language), not tuned to any installation's
reports.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

# Fewer words than this rarely say what, where and when.
SHORT_BODY_WORDS = 15


@dataclass(frozen=True)
class Hint:
    code: str
    field: str  # the form field the hint is shown under
    message: str

    def as_dict(self) -> dict:
        return {"code": self.code, "field": self.field, "message": self.message}


def _words(*phrases: str) -> re.Pattern[str]:
    """One pattern matching any of `phrases` as whole words, in any case."""
    alternatives = "|".join(sorted(phrases, key=len, reverse=True))
    # A phrase ending in a dot may be glued to the next word: "kab.Pekalongan".
    return re.compile(rf"(?<!\w)(?:{alternatives})(?:(?<=\.)|(?!\w))", re.IGNORECASE)


# Words that place a problem: street, neighbourhood, village, landmark.
PLACE = _words(
    r"jalan",
    r"jln\.?",
    r"jl\.?",
    r"gang",
    r"gg\.?",
    r"lorong",
    r"rt\.?\s*\d+",
    r"rw\.?\s*\d+",
    r"dusun",
    r"dukuh",
    r"kampung",
    r"desa",
    r"kelurahan",
    r"kel\.",
    r"kecamatan",
    r"kec\.",
    r"kabupaten",
    r"kab\.",
    # Abbreviations written without their dot: "kec nalumsari", "ds. tarisi", "dk krajan".
    r"kec",
    r"kab",
    r"kel",
    r"ds\.?",
    r"dsn\.?",
    r"dk\.?",
    r"kp\.?",
    r"kota",
    r"lokasi",
    r"daerah",
    r"wilayah",
    r"ruas",
    r"jalur",
    r"sungai",
    r"bendungan",
    r"taman",
    r"gedung",
    r"pabrik",
    r"pelabuhan",
    r"bandara",
    r"perumahan",
    r"perum",
    r"komplek",
    r"kompleks",
    r"blok",
    r"depan",
    r"dekat",
    r"samping",
    r"sebelah",
    r"belakang",
    r"seberang",
    r"pertigaan",
    r"perempatan",
    r"simpang",
    r"jembatan",
    r"pasar",
    r"sekolah",
    r"sdn?",
    r"smpn?",
    r"sman?",
    r"smkn?",
    r"puskesmas",
    r"rumah sakit",
    r"rsud",
    r"masjid",
    r"musholla?",
    r"terminal",
    r"stasiun",
    r"alun-alun",
    r"lapangan",
    r"kantor",
    r"balai",
    r"km\.?\s*\d+",
    # Named facilities and landmarks: "Samsat Purbalingga", "RS Harapan Sehat", "Polsek
    # Kutasari", "bundaran Tugu", "lampu merah Pasar Baru".
    r"rs",
    r"rsu",
    r"rsi",
    r"rsj",
    r"rsia",
    r"samsat",
    r"polres",
    r"polresta",
    r"polsek",
    r"polda",
    r"koramil",
    r"kodim",
    r"spbu",
    r"gor",
    r"rusunawa",
    r"rusun",
    r"makam",
    r"tpu",
    r"tps",
    r"tpa",
    r"bundaran",
    r"tikungan",
    r"tanjakan",
    r"lampu merah",
    r"alun\s*alun",
    r"alun2",
    r"pantai",
    r"kampus",
    r"stadion",
    r"dalan",  # Javanese: road
    r"kampong",
    r"lembur",  # Sundanese: village
    # English, the product's second language.
    r"street",
    r"st\.",
    r"road",
    r"avenue",
    r"lane",
    r"alley",
    r"near",
    r"next to",
    r"in front of",
    r"opposite",
    r"behind",
    r"beside",
    r"corner",
    r"junction",
    r"intersection",
    r"bridge",
    r"market",
    r"school",
    r"hospital",
    r"mosque",
    r"station",
    r"village",
    r"district",
    r"city",
    r"park",
    r"river",
    r"office",
    r"building",
    r"neighbou?rhood",
    r"hamlet",
    r"regency",
    r"sub-?district",
    r"province",
    r"(?:housing\s+)?estate",
    r"complex",
    r"bus\s+stop",
    r"highway",
    r"toll\s+road",
    r"square",
    r"canal",
    r"harbou?r",
    r"port",
    r"airport",
    r"clinic",
    r"health\s+cent(?:re|er)",
    r"campus",
    r"beach",
    r"cemetery",
)

MONTHS = (
    "januari|februari|pebruari|maret|april|mei|juni|juli|agustus|september|oktober"
    "|nopember|november|desember|jan|feb|peb|mar|mrt|apr|jun|jul|agu|agt|agst|sep|sept|okt"
    "|nov|nop|des"
    # English, with a day or a year only ("may" alone is a verb).
    "|january|february|march|may|june|july|august|october|december"
)
# Dates, weekdays and relative times ("kemarin", "sejak 2 minggu", "tadi pagi").
WHEN = _words(
    r"\d{1,2}\s*[-/.]\s*\d{1,2}\s*[-/.]\s*\d{2,4}",
    r"\d{4}-\d{2}-\d{2}",
    rf"\d{{1,2}}\s+(?:{MONTHS})\.?",
    rf"(?:{MONTHS})\s+\d{{4}}",
    r"(?:tahun|thn|th)\.?\s*\d{4}",
    r"(?:tanggal|tgl)\.?\s*\d{1,2}",
    r"senin|selasa|rabu|kamis|jumat|jum'at|sabtu|minggu|ahad",
    r"kemarin|kemaren|kmrn|wingi",
    r"tadi|barusan|semalam|tadi malam|dini hari",
    r"hari ini|pagi ini|siang ini|sore ini|malam ini|saat ini|sekarang|sampai sekarang",
    # As texted: "sampe skrg", "dari thun 2010", "sampun 2 taun".
    r"skrg|skrang|skarang|skr|sekarng",
    r"(?:thun|taun|tahon)\.?\s*\d{4}",
    r"\d+\s*(?:taun|thun|tahon)",
    r"(?:sudah|sdh|udah|udh|sejak|dari)\s+lama|bertahun-tahun|bertahun2|bertahun|berbulan-bulan"
    r"|berbulan2|berbulan|berminggu-minggu",
    r"sejak|semenjak|selama",
    r"(?:\d+|se|beberapa|dua|tiga|empat|lima)\s*(?:hari|minggu|pekan|bulan|tahun|thn|th|jam)"
    r"(?:\s+(?:lalu|yang lalu|terakhir))?",
    r"minggu lalu|bulan lalu|tahun lalu|pekan lalu|lusa",
    r"pukul\s*\d+",
    r"jam\s*\d+",
    # Short forms and spans as people text them: "sdh 3 bln", "2 hr yg lalu", "pkl 07.00",
    # "td pagi", "2 mingguan", "bulan ini", "akhir-akhir ini", "juni lalu", "sewulan".
    r"\d+\s*(?:bln|hr|mgg|mg|jm)",
    r"\d+\s*(?:mingguan|bulanan|tahunan|harian)",
    r"pkl\.?\s*\d+",
    r"td\s+(?:pagi|siang|sore|malam)",
    r"(?:minggu|pekan|bulan|tahun|hari)\s+(?:ini|kemarin|kemaren)",
    r"belakangan\s+ini|akhir-akhir\s+ini|akhir2\s+ini|beberapa\s+waktu",
    rf"(?:{MONTHS})\s+(?:lalu|kemarin|kemaren|ini)",
    rf"(?:bulan|awal|akhir|pertengahan)\s+(?:bulan\s+)?(?:{MONTHS})",
    r"sewulan|sesasi|seminggu|sepekan|setahun|sebulan",
    # English.
    r"yesterday|today|tonight|this\s+(?:morning|afternoon|evening|week|month|year)",
    r"last\s+(?:night|week|month|year|monday|tuesday|wednesday|thursday|friday|saturday|sunday)",
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday",
    r"since|ago|for\s+(?:\d+|a|one|two|three|several|many)\s+(?:days?|weeks?|months?|years?)",
    r"\d{1,2}(?:st|nd|rd|th)",
    r"\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)",
    r"now|right\s+now|currently|at\s+the\s+moment|at\s+present|just\s+now|earlier\s+today",
    r"(?:\d+|a|one|two|three|four|five|several|a\s+few|few)\s+(?:hours?|days?|weeks?|months?"
    r"|years?)",
)

# A request or question: what the reporter wants done.
REQUEST = _words(
    r"mohon",
    r"mhn",
    # As texted or in Javanese: "mhon bantuannya", "tolongin dong", "monggo dipun
    # pirsani" (please look at it), "mbok ya dibantu", "dimohon perhatiannya".
    r"mhon",
    r"mohn",
    r"m0h0n",
    r"dimohon",
    r"tolong\w+",
    r"monggo",
    r"mbok\s+(?:ya|yo)",
    r"harapan\w*",
    r"brharap",
    r"memohon",
    r"tolong",
    r"tlg",
    r"harap",
    r"berharap",
    r"diharapkan",
    r"minta",
    r"meminta",
    r"agar",
    r"supaya",
    r"segera",
    r"secepatnya",
    r"usul",
    r"usulkan",
    r"mengusulkan",
    r"saran",
    r"menyarankan",
    r"ingin",
    r"butuh",
    r"perlu",
    r"bantu",
    r"bantuan",
    r"bagaimana",
    r"apakah",
    r"kapan",
    r"kenapa",
    r"mengapa",
    r"pengen",
    r"pingin",
    r"(?:di)?perbaiki",
    r"(?:di)?tindak\s?lanjuti",
    r"tindak lanjut",
    r"ditangani",
    r"dibersihkan",
    r"diperhatikan",
    r"ditertibkan",
    r"diproses",
    r"dicek",
    r"ditinjau",
    r"dibenahi",
    r"diselesaikan",
    r"ditindak",
    r"diusut",
    r"diganti",
    r"dibangun",
    # "jalan yg hrs di benahi": what must be done is the request.
    r"(?:harus|hrs|mesti)\s+di\s?[a-z]{3,}",
    # Asking is a request too: "sy mau tanya soal tilang", "berapa biayanya".
    r"tanya",
    r"nanya",
    r"bertanya",
    r"menanyakan",
    r"berapa",
    r"nyuwun",  # Javanese: to ask
    r"mugi",  # Javanese: may it be
    r"punten",  # Sundanese: please
    r"tulung",  # Javanese: help
    # Questions and what must be done, as texted: "kpn mau dibenerin??", "gmn ini pak".
    r"kpn",
    r"knp",
    r"gmn",
    r"gimana",
    r"gmana",
    r"di(?:benerin|betulkan|betulin|dandani|tambal|aspal|angkut|pangkas|tebang|cor|keruk"
    r"|normalisasi|ambil|buka|tutup|pasang|ganti|urus)",
    # English.
    r"please",
    r"pls",
    r"plz",
    r"kindly",
    r"fix",
    r"repair",
    r"replace",
    r"remove",
    r"clean",
    r"request",
    r"help",
    r"ask",
    r"should",
    r"must",
    r"need",
    r"needs",
    r"want",
    r"hope",
    r"why",
    r"when",
    r"how",
    r"asap",
    r"immediately",
    r"would\s+like",
    r"wish",
    r"urge",
    r"demand",
    r"suggest",
    r"propose",
    r"(?:can|could|would|will)\s+(?:you|the|someone|somebody|anyone|they|it|this|these)",
    r"send",
    r"check",
    r"inspect",
    r"investigate",
    r"evacuate",
    r"rescue",
    r"rebuild",
    r"restore",
    r"resurface",
    r"collect",
    r"unblock",
    r"dredge",
    r"trim",
    r"prune",
    r"install",
    r"provide",
)


# Kinds of report that ask or suggest rather than tell of something that happened.
UNPLACED_KINDS = ("information", "aspiration")


def completeness_hints(
    title: str,
    body: str,
    *,
    has_region: bool = False,
    region_level: int | None = None,
    address: str = "",
    incident_date: datetime.date | None = None,
    kind: str = "complaint",
) -> list[Hint]:
    """Hints for what a report still lacks; empty when it reads complete.

    `region_level` is the level of the chosen region (4 = village): a village is precise
    enough for most reports, a province alone is not.
    """
    text = f"{title}\n{body}"
    hints = []
    if len(body.split()) < SHORT_BODY_WORDS:
        hints.append(
            Hint(
                "too_short",
                "body",
                _("Tell a little more: what happened, where exactly, and since when."),
            )
        )
    precise_region = has_region and (region_level or 0) >= 4
    # A question or a suggestion rarely has a place or a moment: "berapa biaya KTP?",
    # "usul area merokok di tempat umum".
    about_an_event = kind not in UNPLACED_KINDS
    if about_an_event and not (address.strip() or precise_region or PLACE.search(text)):
        hints.append(
            Hint(
                "no_place",
                "address",
                _("Where is it? Name the street, village or a landmark nearby."),
            )
        )
    if about_an_event and incident_date is None and not WHEN.search(text):
        hints.append(Hint("no_date", "incident_date", _("When did it happen, or since when?")))
    if not (REQUEST.search(text) or (kind == "information" and "?" in text)):
        hints.append(
            Hint(
                "no_request",
                "body",
                _("Say what you ask for, e.g. “please repair the road”."),
            )
        )
    return hints


# --- Urgency ----------------------------------------------------------------------

URGENCY_PATTERNS: dict[str, re.Pattern[str]] = {
    "flood": _words(
        # Not Semarang's canals, named "Banjir Kanal".
        r"banjir(?!\s+kanal)\w*",
        r"kebanjiran",
        # Water standing in a pothole after rain ("lubang tergenang air") is not a flood;
        # homes under water, or water of a stated depth, are.
        r"terendam",
        r"(?:rumah|permukiman|pemukiman|perumahan|kampung|desa|dusun)\w*\s+(?:\w+\s+){0,2}"
        r"tergenang",
        r"tergenang\s+(?:\w+\s+){0,2}(?:setinggi|sedalam|hingga|sampai)",
        r"air bah",
        r"rob",
        # Water overflowing, not a rubbish bin or a queue: "sungai meluap", "luapan air".
        r"luapan\s+(?:air|sungai|kali|waduk|bendungan|laut)",
        r"(?:sungai|kali|air|got|selokan|saluran|drainase|bendungan|waduk|irigasi|embung"
        r"|danau|laut)\w*\s+(?:\w+\s+){0,3}meluap",
        # A village or homes "tenggelam" are under water, not a person drowning.
        r"(?:desa|kampung|dusun|rumah|permukiman|pemukiman|perumahan|sawah)\w*\s+(?:\w+\s+){0,2}"
        r"tenggelam",
        r"blabur",  # Javanese
        r"caah",  # Sundanese
        r"banjir bandang",
        # English, the product's second language. Not what is named for floods: "flood
        # light" (a lamp), "flood gate", "flood control", "flood relief".
        r"flood(?:s|ed|ing|water|waters)?(?!\s*-?\s*(?:lights?|lamps?|gates?|plains?|control"
        r"|prevention|defen[cs]es?|barriers?|walls?|canals?|channels?|mitigation|insurance"
        r"|relief|prone|risk|zones?|maps?)(?!\w))",
        r"flash\s+flood\w*",
        r"under\s?water",
        r"submerged",
        r"inundated",
        r"(?:knee|waist|chest|neck|shoulder|thigh)(?:\s*-\s*|\s+)(?:deep|high)",
        r"(?:river|stream|canal|drain|gutter|sewer|ditch|dam|reservoir|sea|water)\w*\s+(?:\w+\s+){0,3}"
        r"(?:overflow\w*|burst\s+(?:its|their)\s+banks?)",
        r"overflowing\s+(?:river|stream|canal|dam|reservoir)s?",
    ),
    "fire": _words(
        # Not the fire brigade ("pemadam kebakaran"), nor rubbish or straw "dibakar"
        # (burnt on purpose: a nuisance, not an emergency), nor credits "hangus" (lapsed).
        r"(?<!pemadam )kebakaran",
        r"terbakar(?!\s+(?:sinar\s+)?matahari)",
        r"kobaran",
        r"api menyala",
        r"korsleting",
        r"kobong",  # Javanese
        r"kebakar",
        r"kahuruan",  # Sundanese
        # English: "fire" alone is too often the fire brigade, a fire exit or being fired.
        r"on\s+fire|ablaze|in\s+flames|caught\s+fire|catching\s+fire|burn(?:t|ed|ing)\s+down",
        r"(?:forest|bush|wild|grass|peat|land|house|building|market|factory|warehouse|shop"
        r"|electrical|kitchen)\s?fires?",
        r"(?:a|the|big|huge|large)\s+fire\s+(?:\w+\s+)?(?:broke\s+out|is\s+(?:burning|spreading)"
        r"|spread\w*|destroyed|burn\w*)",
        r"fire\s+broke\s+out",
        r"there\s+is\s+a\s+fire",
        r"blaze",
        r"(?:houses?|homes?|buildings?|markets?|shops?|kiosks?|stalls?|factory|factories"
        r"|warehouses?|schools?|cars?|forests?|roofs?)\s+(?:is\s+|are\s+)?(?:still\s+)?burning",
        r"short[-\s]circuit",
    ),
    "fallen_tree": _words(
        r"pohon\s+(?:\w+\s+)?(?:tumbang|roboh|rubuh|ambruk|patah|rebah|jatuh|nyaris tumbang)",
        r"(?:tumbang|roboh|rubuh|ambruk)\w*\s+(?:\w+\s+)?pohon",
        r"wit\s+(?:\w+\s+)?(?:ambruk|rubuh|roboh|tumbang)",  # Javanese
        r"tangkal\s+(?:\w+\s+)?(?:rubuh|labuh|roboh|tumbang)",  # Sundanese
        # A branch that broke counts when it fell on something, not "satu dahan patah dan
        # hampir mengenai pengendara" (a tree to prune).
        r"dahan\s+(?:\w+\s+)?patah\s+(?:\w+\s+){0,2}(?:menimpa|menutup\w*|melintang)",
        # English: "a fallen tree", "the big tree fell onto the road"; not its leaves.
        r"(?:fallen|falling|uprooted|toppled|collapsed)\s+(?:\w+\s+)?trees?",
        r"trees?\s+(?:(?!leaves|leaf|fruits?|seeds?|flowers?|branch\w*)\w+\s+)?(?:has\s+|have\s+"
        r"|had\s+)?(?:fell|fallen|collapsed|toppled|uprooted|come\s+down|came\s+down"
        r"|blown\s+down|blew\s+down|crashed)",
        r"(?:branch|bough|limb)(?:es|s)?\s+(?:\w+\s+)?(?:fell|fallen|broke\s+off)\s+(?:\w+\s+){0,2}"
        r"(?:on|onto|across|blocking|over)",
    ),
    "collapsed_bridge": _words(
        # A bridge named with the regencies it links: "Jembatan X penghubung Kab. A dan B".
        r"jembatan\s+(?:[\w.]+\s+){0,7}(?:putus|ambruk|ambrol|roboh|rubuh|runtuh|amblas|"
        r"ambles|hanyut|jebol|patah)",
        r"(?:putus|ambruk|ambrol|roboh|rubuh|runtuh|amblas|hanyut)\w*\s+(?:\w+\s+)?jembatan",
        r"kreteg\s+(?:\w+\s+)?(?:ambrol|putus|ambruk)",  # Javanese
        r"sasak\s+(?:\w+\s+)?(?:ambruk|rubuh|runtuh|putus)",  # Sundanese
        # English.
        r"bridges?\s+(?:[\w.]+\s+){0,4}(?:has\s+|have\s+)?(?:collapsed|caved\s+in|washed\s+away"
        r"|swept\s+away|gave\s+way|fell\s+down|snapped|broke\s+(?:apart|in\s+two))",
        r"(?:collapsed|collapsing|washed[-\s]out|washed[-\s]away)\s+(?:\w+\s+)?bridges?",
    ),
    "landslide": _words(
        r"longsor\w*",
        r"tanah\s+(?:\w+\s+)?(?:ambles|amblas|bergerak|retak)",
        r"lemah\s+(?:\w+\s+)?(?:longsor|ambles)",  # Javanese: ground
        # "Gugur" of ground is a landslide ("tanah terus gugur", "dapur rumah warga gugur
        # terbawa arus"), not of "gugur gunung" (communal work).
        r"(?:tanah|tebing|talud|plengsengan|rumah|dapur)\w*\s+(?:\w+\s+){0,2}(?:gugur|tergerus)",
        # Not "urug": Sundanese for a landslide, but Indonesian for earth fill.
        # English.
        r"landslides?|land\s?slips?|mudslides?|rock\s?falls?|sinkholes?",
        r"(?:ground|land|hillside|slope|cliff|embankment|retaining\s+wall)s?\s+(?:\w+\s+){0,2}"
        r"(?:subsided|subsiding|sank|sinking|collapsed|gave\s+way|caved\s+in|slid|sliding"
        r"|cracked|cracking)",
    ),
    "medical": _words(
        r"gawat darurat",
        r"darurat medis",
        r"kondisi kritis",
        r"kondisinya kritis",
        r"sekarat",
        r"pingsan",
        r"tidak sadarkan diri",
        r"tak sadarkan diri",
        # Not "sesak napas" (mostly of dust and smoke, a lasting nuisance) nor
        # "ambulans" (mostly of the service: a village's ambulance budget, its fees).
        r"pendarahan",
        r"perdarahan",
        r"kejang(?:-?2|-kejang)?",
        r"(?:orang|anak|warga|korban|bocah|balita|nelayan)\w*\s+(?:\w+\s+){0,2}tenggelam",
        r"ditolak\s+(?:puskesmas|igd|ugd|klinik)",
        # Not a billing dispute: "pasien umum ditolak memakai BPJS".
        r"(?:pasien|ibu hamil|bumil)\s+(?:\w+\s+){0,4}(?:ditolak|dibiarkan|ditelantarkan"
        r"|terlantar)(?!\s+(?:untuk\s+)?(?:memakai|pakai|menggunakan|gunakan|klaim|mengklaim))",
        # A hospital refusing a patient, a woman in labour: "RSUD tidak mau menangani".
        r"(?:rs|rsu|rsud|rumah sakit|puskesmas|igd|ugd|klinik|bidan|dokter)\w*\s+(?:\w+\s+){0,2}"
        r"(?:tidak mau|tdk mau|tak mau|menolak|enggan)\s+(?:menangani|merawat|menerima)",
        r"ketuban\s+(?:\w+\s+)?pecah",
        r"serangan jantung",
        r"keracunan",
        r"overdosis",
        r"korban jiwa",
        r"luka parah",
        r"luka berat",
        r"tidak mendapat(?:kan)? penanganan",
        r"ditolak rumah sakit",
        r"ditolak rs",
        r"ditolak rsud",
        # English. Not "can't breathe" (mostly of dust and smoke, as "sesak napas").
        r"medical\s+emergency",
        r"unconscious|passed\s+out|fainted|not\s+breathing|stopped\s+breathing",
        r"heart\s+attack|(?:had|having|suffered)\s+a\s+stroke",
        r"(?:having\s+(?:a\s+)?|had\s+a\s+)seizures?|convulsing|convulsions",
        r"(?:heavy|severe|serious)\s+bleeding|bleeding\s+(?:heavily|badly|profusely)",
        r"critical\s+condition",
        r"(?:is|are)\s+drowning|(?:man|woman|person|child|boy|girl|people)\s+(?:\w+\s+)?drowned",
        r"food\s+poisoning|(?:was|were|got|been)\s+poisoned|overdose",
        r"(?:seriously|badly|severely|critically)\s+(?:injured|hurt|wounded)",
        r"serious\s+injur(?:y|ies)|fatalit(?:y|ies)|loss\s+of\s+life",
        r"(?:hospital|clinic|puskesmas|emergency\s+room|er|doctor|midwife)s?\s+(?:\w+\s+){0,2}"
        r"(?:refused|refuses|won't|would\s+not|will\s+not)\s+(?:to\s+)?(?:treat|admit|accept|help)",
        r"turned\s+away\s+(?:by|from)\s+(?:the\s+)?(?:hospital|clinic|puskesmas|emergency)",
        r"(?:her|my\s+wife's)\s+waters?\s+(?:has\s+|have\s+)?broken?",
    ),
    # A live cable down or a person touching one; not telephone or internet cables.
    "electric": _words(
        r"kabel\s+(?:listrik|pln|tegangan tinggi|sutet|pju|lampu|penerangan)\w*\s+(?:\w+\s+){0,5}"
        r"(?:putus|terputus|jatuh|terjatuh|melintang|menjuntai|roboh|ambruk|terbakar)",
        r"tiang\s+(?:listrik|pln|pju|lampu)\s+(?:\w+\s+){0,4}(?:roboh|rubuh|tumbang|ambruk|patah|jatuh)",
        r"(?:roboh|rubuh|tumbang|ambruk)\w*\s+(?:\w+\s+)?tiang\s+(?:listrik|pln)",
        r"bertegangan|beraliran listrik|nyetrum|kesetrum|kesetrom|tersetrum|tersengat listrik",
        r"kesengat listrik",
        # English.
        r"(?:power|electric(?:al|ity)?|live|high[-\s]voltage|pln)\s+(?:cables?|lines?|wires?)\s+"
        r"(?:\w+\s+){0,4}(?:down|fell|fallen|snapped|broke\w*|hanging|dangling|sparking"
        r"|on\s+fire|burning|across)",
        r"(?:fallen|downed|snapped|dangling)\s+(?:power|electric(?:al)?|pln)\s+(?:cables?|lines?"
        r"|wires?)",
        r"live\s+(?:power\s+|electric(?:al)?\s+)?(?:cables?|wires?)",
        r"(?:electric(?:ity)?|power|utility|lamp)\s+(?:poles?|posts?)\s+(?:\w+\s+){0,3}(?:fell"
        r"|fallen|collapsed|toppled|down|broke\w*)",
        r"electrocuted|electric\s+shock|(?:is|are|was)\s+electrified",
    ),
    # Someone threatened, assaulted or abused now.
    "person_in_danger": _words(
        # A person threatened, not a hazard that "mengancam keselamatan pengguna jalan".
        r"mengancam\s+(?:keselamatan|nyawa|jiwa)\s+(?:saya|kami|keluarga|anak|istri|suami"
        r"|orang\s?tua|ibu|bapak|adik|kakak)",
        r"mengancam\s+(?:akan\s+)?(?:membunuh|dibunuh|dengan\s+(?:senjata|golok|parang|pisau))",
        r"diancam\s+(?:\w+\s+)?(?:dibunuh|akan dibunuh|dengan senjata|pakai senjata)",
        r"dianiaya|disiksa|disekap|diculik",
        r"kdrt|kekerasan dalam rumah tangga",
        r"(?:pelecehan|kekerasan)\s+seksual|dicabuli|pencabulan|diperkosa|pemerkosaan",
        r"(?:mau|ingin|akan|hendak|mencoba|percobaan)\s+bunuh diri",
        # English.
        r"threaten(?:ed|ing|s)?\s+to\s+(?:kill|stab|shoot|hurt|harm|burn)",
        r"(?:death|murder)\s+threats?",
        r"threaten(?:ed|ing|s)?\s+(?:\w+\s+){0,2}with\s+(?:a\s+)?(?:knife|machete|gun|weapon"
        r"|sword|sickle)",
        r"beaten\s+up|assaulted|tortured|kidnapped|abducted|held\s+(?:captive|hostage)|raped"
        r"|molested",
        r"domestic\s+(?:violence|abuse)|sexual(?:ly)?\s+(?:violence|abuse|abused|assault"
        r"|assaulted|harassment|harassed)",
        r"suicidal|(?:attempt\w*|commit|going\s+to)\s+suicide"
        r"|(?:wants?|trying|tried|going|threaten\w*)\s+to\s+kill\s+(?:himself|herself|themselves"
        r"|myself)",
    ),
    # A person missing: "anak saya hilang sejak tadi pagi", "nenek kami belum pulang".
    "missing_person": _words(
        r"(?:anak|balita|bocah|putra|putri|adik|kakak|orang\s?tua|ibu\s+saya|bapak\s+saya"
        r"|ayah|suami|istri|nenek|kakek|lansia|warga|nelayan|pendaki)\w*\s+"
        # Only pronouns between: not "warga yang dapurnya hilang" (a thing lost).
        r"(?:(?:saya|kami|kita|sy|kmi|kami|yang|yg|itu|tersebut|sudah|sdh|telah|masih|desa|kampung"
        r"|dusun|tetangga|kecil|perempuan|laki-laki|lelaki|sulung|bungsu)\s+){0,3}"
        # The age a reporter gives: "umur 6 tahun", "(6 tahun)", "yang masih 4 tahun".
        r"(?:\(?\s*(?:(?:umur|umurnya|usia|usianya|berumur|berusia)\s+|(?:yang|yg)\s+(?:masih\s+)?"
        r"(?:berumur\s+|berusia\s+)?|masih\s+)?\d{1,2}\s*(?:tahun|thn|th|bulan|bln)\.?\s*\)?\s*"
        r"(?:(?:yang|yg|itu|tersebut|sudah|sdh|telah|masih)\s+)?)?"
        r"(?:hilang|belum pulang|tidak pulang|belum kembali|belum ditemukan|tidak ditemukan"
        r"|belum ketemu|hanyut|dicari)",
        # Someone named: "Pak Darto belum pulang", "Mbah Sarni hilang".
        r"(?:pak|bu|bapak|ibu|mbah|mak)\s+(?-i:[A-Z])\w+\s+(?:(?:\w+\s+)?(?:sudah|sdh|telah"
        r"|masih)\s+)?(?:hilang|belum pulang|tidak pulang|belum kembali|belum ditemukan"
        r"|tidak ditemukan)",
        r"orang hilang",
        # English: "my son is missing", "grandfather has not come home since yesterday".
        r"(?:child|children|son|daughter|kid|boy|girl|baby|toddler|mother|father|mum|mom|dad"
        r"|grandmother|grandfather|grandma|grandpa|husband|wife|brother|sister|neighbou?r"
        r"|fisherman|fishermen|hiker|climber)s?\s+(?:(?:is|are|has|have|been|was|were|went|gone"
        r"|still|not|since)\s+){0,3}(?:missing|disappeared|not\s+(?:come|came|returned)\s+home"
        r"|not\s+returned|never\s+came\s+home|not\s+been\s+found)",
        r"missing\s+(?:person|persons|people|child|children|boy|girl)",
    ),
}
# What goes missing of a person but is not the person: "Kartu KIS ibu saya hilang", "nama
# anak saya hilang dari daftar penerima PIP", "data warga yang hilang dari DTKS".
_THING_OF_A_PERSON = re.compile(
    r"(?<!\w)(?:kartu|ktp|e-ktp|kk|kis|kip|kks|pkh|nik|nisn|nama|data|status|kepesertaan|bpjs"
    r"|jkn|bantuan|bansos|dokumen|berkas|surat|akta|akte|ijazah|sertifikat|buku|rapor|raport"
    r"|uang|dana|gaji|tabungan|rekening|nomor|no|nomer|hp|ponsel|dompet|motor|sepeda|mobil"
    r"|ternak|hak|card|id|name|data|documents?|certificates?|passport|money|salary|wallet"
    r"|phone|motorbike|bike|car|benefits?|aid|records?|account)(?:\s+[\w-]+){0,2}\s+$",
    re.IGNORECASE,
)
_LOST_FROM_A_LIST = re.compile(
    r"^\s*(?:dari\s+(?:\w+\s+)?(?:daftar|data|dtks|sistem|aplikasi|database|basis|list"
    r"|kepesertaan|penerima|kk|dapodik)|hak\w*|datanya|namanya"
    # "tidak ditemukan dengan yang punya motor": not brought together with someone.
    r"|dengan|dgn"
    r"|from\s+(?:the\s+)?(?:\w+\s+)?(?:list|data|database|system|register|registry|records?"
    r"|app))(?!\w)",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"[.,!?;:\n()]")


def _a_thing_lost(text: str, match: re.Match[str]) -> bool:
    """Whether a "missing person" match is of a person's card, name or data."""
    start = max(0, match.start() - 40)
    start = max((m.end() for m in _CLAUSE_END.finditer(text, start, match.start())), default=start)
    return bool(
        _THING_OF_A_PERSON.search(text, start, match.start())
        or _LOST_FROM_A_LIST.search(text[match.end() : match.end() + 40])
    )


# Figures of speech: a flood of something that is not water ("banjir informasi hoaks",
# "kebanjiran pesanan", "a flood of complaints", "flooded with calls"), a fire of the
# heart ("kebakaran jenggot": panic, "terbakar emosi").
_FIGURATIVE_AFTER = {
    "flood": re.compile(
        # Water described with a few words ("flooded with dirty brown water") is water; a
        # flood of complaints "about dirty water" is not.
        r"^\s+(?:(?:of|with)\s+(?!(?:(?!(?:about|regarding|concerning|over|on|of|from)\s)"
        r"[\w-]+\s+){0,3}(?:water|mud|sewage|seawater|sea\s+water|rain\w*"
        r"|debris|rubbish|garbage|waste)(?!\w))"
        r"|(?:informasi|info|hoaks|hoax|berita|kabar|pesanan|order\w*|pembeli|pelanggan"
        r"|penumpang|pengunjung|wisatawan|turis|tamu|pendaftar|peminat|pelamar|lamaran|komentar"
        r"|kritik|pujian|keluhan|protes|laporan|aduan|pengaduan|pertanyaan|iklan|spam|pesan"
        r"|telepon|telpon|panggilan|produk|barang|impor|diskon|promo|hadiah|rezeki|rejeki"
        r"|air\s+mata|uang|dana|proyek|tawaran|undangan|job|kerjaan|pekerjaan|tugas|notifikasi"
        r"|dukungan|ucapan|doa|cahaya|keringat|darah|massa|demo|peserta)(?!\w))",
        re.IGNORECASE,
    ),
    "fire": re.compile(
        r"^\s*-?\s*(?:jenggot\w*|(?:api\s+|oleh\s+)?(?:emosi|amarah|cemburu|semangat|gairah"
        r"|rindu|asmara|dendam|birahi)(?!\w))",
        re.IGNORECASE,
    ),
}


def _said_figuratively(flag: str) -> Callable[[str, re.Match[str]], bool]:
    """Whether a match of `flag` is a figure of speech, by the words right after it."""
    figure = _FIGURATIVE_AFTER[flag]
    return lambda text, match: bool(figure.search(text[match.end() : match.end() + 40]))


# Look-alikes of a flag's words, read around each match.
_LOOKALIKES = {
    "missing_person": _a_thing_lost,
    "flood": _said_figuratively("flood"),
    "fire": _said_figuratively("fire"),
}
URGENCY_ORDER = tuple(URGENCY_PATTERNS)


def _text_of(report_or_text) -> tuple[str, str]:
    """A report's (title, body); a text is all body."""
    if isinstance(report_or_text, str):
        return "", report_or_text
    return report_or_text.title, report_or_text.body


# An event a report fears, denies or recalls is not happening now: "perbaiki sebelum ada
# korban jiwa", "agar tidak banjir lagi", "daerah rawan longsor", "pernah kebakaran".
_NOT_HAPPENING = re.compile(
    # Fear and memory reach over a few words: "sebelum banyak terjadi kecelakaan yang
    # memakan korban jiwa"; a denial only the next one or two: "belum ada korban jiwa".
    r"(?<!\w)(?:(?:sebelum|sblm|sebelm|agar\s+tidak|agar\s+tdk|agar\s+tak|supaya\s+tidak"
    r"|supaya\s+tdk|jangan\s+sampai|jgn\s+sampai|rawan|berpotensi|potensi|khawatir|kuatir"
    r"|dikhawatirkan|ditakutkan|takutnya|takut|mencegah|antisipasi|pernah"
    r"|(?:bisa|dapat)\s+(?:menimbulkan|menyebabkan|mengakibatkan|memakan)|berisiko|beresiko"
    r"|menghindari|waktu\s+itu"
    r"|before|prevent|to\s+avoid|avoid|prone\s+to|(?:at|high)\s+risk\s+of|risk\s+of|danger\s+of"
    r"|threat\s+of|afraid|fear|feared|worried|worry|concerned|could\s+(?:cause|lead\s+to"
    r"|result\s+in)|may\s+(?:cause|lead\s+to)|used\s+to|in\s+the\s+past"
    # "Dulu" is a memory ("dulu saat pasar kebakaran"), but "first" when a plea goes
    # on: "tolong dibantu dulu pak, kebakaran …", "ditangani dulu ya".
    r"|(?:dulu|dahulu|dlu)(?!\w)(?!\s*(?:pak|pk|bpk|bu|ibu|mas|mbak|kak|ya|yah|yaa|dong|deh|lah"
    r"|[,.!?])(?!\w)))"
    # …unless the text turns to now in between: "dulu tidak, sekarang banjir".
    r"(?!\w)(?:(?!(?<!\w)(?:sekarang|skrg|skarang|kini|saat\s+ini|hari\s+ini|malam\s+ini|tadi"
    r"|now|today|tonight|currently|this\s+morning)(?!\w))[^.!?;*\n]){0,40}"
    r"|(?:belum|blm|tidak|tdk|tak|bukan)\s+(?:ada|terjadi|kena|terkena)(?!\w)[^.,!?;*\n]{0,12}"
    # A wish for what should not happen (again): "saya tidak mau banjir lagi", "jangan
    # sampai", "we don't want another flood".
    r"|(?:tidak|tdk|tak|gak|ga|nggak|ndak|enggak)\s+(?:mau|ingin|pengen|pingin)(?:\s+\w+){0,2}\s+"
    r"|(?:jangan|jgn)(?:\s+\w+){0,2}\s+"
    r"|(?:don't|do\s+not|doesn't|does\s+not)\s+want\s+(?:\w+\s+){0,3}"
    r"|(?:no|not|never|nobody|without)\s+(?:(?:been|be|was|were|is|are|any|a|an|the|yet|there"
    r"|has|have|had|more|one|serious|major)\s+){0,3}"
    r"|(?:tidak|tdk|tak|gak|nggak|bebas)\s+)$",
    re.IGNORECASE,
)

# A habit or a condition that governs the event is not an event happening now: "setiap
# hujan turun banjir", "kalau hujan deras pasti banjir", "selalu kebanjiran", "kalau tidak
# ditangani bisa banjir", "bisa-bisa longsor". Only within a few words of the event, so
# that the pleas "kalau bisa secepatnya", "tiap jam air naik", "hanya bisa pasrah" do not
# govern the flood they come before.
_HABIT_BEFORE = re.compile(
    r"(?:(?<!\w)(?:(?:setiap|tiap|stiap)(?!\s+(?:jam|menit|detik|saat)(?!\w))|kalau|kalo|klo"
    r"|jika|jikalau|apabila|pabila|bila|ketika|manakala|musim\s+hujan"
    r"|(?:pas|saat|waktu)\s+(?:turun\s+)?hujan"
    r"|every\s+time|each\s+time|whenever|if|when\s+it\s+rains|(?:in|during)\s+(?:the\s+)?rainy"
    r"\s+season)(?!\w)"
    r"(?!\s+(?:bisa|boleh|memungkinkan|mungkin|(?:tidak|tdk|gak|ga|nggak|tak)\s+salah|possible"
    r"|you\s+can|you\s+could)(?!\w))"
    r"(?:[\s,]+[\w/-]+){0,4}[\s,]+"
    r"|(?<!\w)(?:selalu|slalu|sealu|sering|seringnya|seringkali|sering\s+kali|kerap|langganan"
    r"|bolak-balik|bolak\s+balik|always|often|usually|frequently|regularly|keeps?|constantly"
    r"|repeatedly)(?:\s+[\w-]+){0,2}\s+"
    # English "can", "could", "might" right before it: "could flood", "may be flooded"; not
    # "3 May" (a date).
    r"|(?<!\w)(?<!\d\s)(?:can|could|might|may|would|going\s+to)(?!\s+not)(?:\s+[\w-]+){0,2}\s+"
    # "Bisa" right before it, in the same clause: "bisa banjir", "bisa terjadi longsor".
    r"|(?<!\w)(?<!tidak\s)(?<!tdk\s)(?<!tak\s)(?<!gak\s)(?<!ga\s)(?<!nggak\s)(?<!belum\s)"
    r"(?<!blm\s)(?<!hanya\s)(?<!cuma\s)(?<!cuman\s)(?<!kalau\s)(?<!kalo\s)(?<!klo\s)"
    r"(?<!jika\s)(?<!bila\s)(?:bisa-bisa|bisa2|bisa\s+bisa|bisa)(?:\s+[\w-]+){0,2}(?:\s*/)?\s+)$",
    re.IGNORECASE,
)

# What says the event is happening now or has just happened, anywhere in its sentence:
# "kalau bisa segera, pohon tumbang", "tiap jam air naik, rumah terendam", a plea for
# help at once. Not "sampai sekarang" nor "masih sering" (a habit that lasts), nor "30
# Juli kemarin" (a date).
_SAID_NOW = re.compile(
    r"(?<!\w)(?:(?<!sampai\s)(?<!sampe\s)(?<!hingga\s)(?:sekarang|skrg|skarang|kini|saat\s+ini)"
    r"|(?:hari|pagi|siang|sore|malam)\s+ini|tadi|barusan|semalam|kemarin|kemaren|kmrn"
    r"|sedang|sdg|berlangsung|masih|belum\s+surut|(?:sudah|sdh|sejak)\s+(?:\w+\s+){0,2}jam"
    r"|sejak\s+(?:subuh|pagi|siang|sore|malam|dini\s+hari)"
    r"|(?:keadaan|kondisi|situasi|sangat)\s+darurat|darurat\s*!|tolong\s*!"
    r"|(?:mohon|mhn|minta|tolong|tlg)\s+(?:\w+\s+){0,2}(?:dievakuasi|evakuasi|ditolong|pertolongan)"
    r"|(?<!until\s)(?<!till\s)(?<!up\sto\s)(?:right\s+now|now|today|tonight)|currently"
    r"|at\s+the\s+moment|at\s+present|this\s+(?:morning|afternoon|evening)|just\s+now|ongoing"
    r"|still\s+(?:\w+\s+)?(?:flooded|under\s?water|submerged|rising|burning|on\s+fire|blocking"
    r"|missing|trapped)|(?:since|for)\s+(?:\w+\s+){0,2}hours?|help\s*!|emergency\s*!"
    r"|please\s+(?:\w+\s+){0,2}(?:evacuate|rescue|help\s+us))"
    # "Sekarang setiap hujan selalu banjir", "masih sering banjir": a habit that holds now.
    r"(?!\w)(?!(?:\s+\w+){0,2}\s+(?:setiap|tiap|selalu|sering\w*|kerap|langganan|saja|sj|every"
    r"|always|often|usually|whenever)(?!\w))",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?;*\n](?!\d)")
_DATED_YESTERDAY = re.compile(
    rf"(?<!\w)(?:{MONTHS}|bulan|tahun|minggu|pekan|musim|\d+)\s+(?:kemarin|kemaren|kmrn)(?!\w)",
    re.IGNORECASE,
)


def _sentence_around(text: str, start: int, end: int) -> str:
    begin = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
    after = _SENTENCE_END.search(text, end)
    return text[begin : after.start() if after else len(text)]


# Fear between the thing and the event: "pohon besar rawan tumbang", "jembatan lapuk
# takut putus"; and the event placed in the past after it: "banjir tahun lalu", "banjir
# kemarin sudah surut" (not "padahal dulu tidak pernah": the flood is now).
_FEARED_INSIDE = re.compile(
    r"(?<!\w)(?:rawan|takut|khawatir|dikhawatirkan|ditakutkan|berpotensi|bisa|dapat|akan"
    r"|selalu|sering|setiap|tiap|could|might|may|can|prone|risk|afraid|worried|always|often"
    r"|every)(?!\w)",
    re.IGNORECASE,
)
# The event right after a word that puts it in the past ("pasca banjir", "setelah
# kebakaran"), or its victims given aid ("bantuan untuk korban banjir"); not "setelah
# hujan deras, pohon tumbang" nor "mohon bantuan segera, rumah kami kebanjiran".
_PAST_OR_AID_BEFORE = re.compile(
    # "pasca banjir dan rob" covers the rob too.
    r"(?:(?<!\w)(?:pasca|paska|setelah|sesudah|usai|bekas)\s+(?:\w+\s+(?:dan|serta|&)\s+)?"
    # What prevents or handles an event names it, not one happening: "penahan longsor",
    # "pencegah banjir", "program penanggulangan banjir".
    r"|(?<!\w)(?:pencegah|pencegahan|penahan|penanggulangan|menanggulangi|pengendali"
    r"|pengendalian|mitigasi)\s+(?:bencana\s+)?"
    r"|(?<!\w)(?:bantuan|bansos|santunan)\s+(?:\w+\s+){0,2}korban\s+"
    # English: "after the flood", "aid for the victims of the fire".
    r"|(?<!\w)(?:after|following|post)(?:\s*-\s*|\s+)(?:the\s+)?(?:\w+\s+and\s+)?"
    r"|(?<!\w)(?:aid|relief|assistance|compensation|donations?)\s+(?:for|to)\s+(?:the\s+)?"
    r"(?:\w+\s+){0,3})$",
    re.IGNORECASE,
)
_PAST_AFTER = re.compile(
    r"^[^.!?;\n]{0,25}?(?<!\w)(?:tahun\s+lalu|tahun\s+kemarin|(?:sudah|telah|udah|sdh)\s+surut"
    r"|last\s+(?:year|month)|(?:has|have|had)\s+(?:already\s+)?(?:receded|subsided|gone\s+down)"
    r"|(?:\d+|a|one|two|three|four|five|several|few)\s+(?:weeks?|months?|years?)\s+ago)"
    r"(?!\w)",
    re.IGNORECASE,
)
# An event that comes with the rainy season is a habit: "banjir setiap hujan".
_HABIT_AFTER = re.compile(
    r"^[^.!?;\n]{0,20}?(?<!\w)(?:(?:setiap|tiap|stiap)\s+(?:kali\s+)?(?:turun\s+)?(?:hujan|tahun"
    r"|musim)|(?:kalau|kalo|jika|bila|apabila|saat|ketika)\s+(?:ada\s+)?hujan|musim\s+hujan"
    r"|every\s+(?:time\s+(?:it\s+)?rains?|rainy\s+season|year|rain)|each\s+(?:year|rainy\s+season"
    r"|time\s+it\s+rains)|whenever\s+it\s+rains|when(?:ever)?\s+(?:it\s+rains|there\s+is\s+"
    r"(?:heavy\s+)?rain)|(?:in|during)\s+(?:the\s+)?rainy\s+season|if\s+it\s+rains"
    # What is to come: "banjir lagi tahun depan", "flooding again next year".
    r"|(?:tahun|musim|bulan|minggu|pekan)\s+(?:depan|mendatang)|next\s+(?:year|season|month"
    r"|week|rainy\s+season)|in\s+the\s+future)(?!\w)",
    re.IGNORECASE,
)
# A date after the event says when it happened: "korban kebakaran tanggal 30 Juli",
# "banjir tahun 2019" are long ago; "kebakaran tanggal 7 Desember 2026" written that day
# is now. The report's own day tells.
_MONTH_NUMBERS = {
    name: number
    for number, names in enumerate(
        [
            "januari jan january",
            "februari pebruari feb peb february",
            "maret mar mrt march",
            "april apr",
            "mei may",
            "juni jun june",
            "juli jul july",
            "agustus agu agt agst august",
            "september sep sept",
            "oktober okt october",
            "november nopember nov nop",
            "desember des december",
        ],
        start=1,
    )
    for name in names.split()
}
_DATE_AFTER = re.compile(
    r"^\s*\(?(?:tgl|tanggal)\.?\s*(?P<day>\d{1,2})(?!\d)"
    r"(?:\s*[-/.]\s*(?P<month>\d{1,2})(?!\d)|\s+(?P<month_name>[a-z]+)\.?)?"
    r"(?:\s*[-/.,]?\s*(?P<year>(?:19|20)\d\d|\d\d)(?!\d))?",
    re.IGNORECASE,
)
# Without "tanggal", a date needs its month's name or its year: "banjir 7 Desember
# 2025", "kebakaran 7/12/2025"; not "banjir 2 meter".
_PLAIN_DATE_AFTER = re.compile(
    r"^\s*\(?(?:(?:pada|pd)\s+)?(?P<day>\d{1,2})(?:\s*[-/]\s*(?P<month>\d{1,2})\s*[-/]\s*"
    rf"(?P<year>(?:19|20)\d\d|\d\d)(?!\d)|\s+(?P<month_name>{MONTHS})(?!\w)\.?"
    r"(?:\s*,?\s*(?P<of>(?:19|20)\d\d)(?!\d))?)",
    re.IGNORECASE,
)
# An emergency is reported within days.
RECENT_DAYS = 7
_YEAR_AFTER = re.compile(
    r"^[^.!?;\n]{0,25}?(?<!\w)(?:tahun|thn|th|in)\.?\s*(?P<year>(?:19|20)\d\d)(?!\w)",
    re.IGNORECASE,
)


def _dated_long_ago(after: str, today: datetime.date) -> bool:
    """Whether the words right after an event date it before the last week (a year
    before this one, when they give only the year)."""
    if found := _YEAR_AFTER.search(after):
        return int(found["year"]) < today.year
    if found := _PLAIN_DATE_AFTER.search(after):
        month = found["month"] or _MONTH_NUMBERS[found["month_name"].lower()]
        return _long_before(today, int(found["day"]), int(month), found["year"] or found["of"])
    if not (found := _DATE_AFTER.search(after)):
        return False
    month = found["month"] or _MONTH_NUMBERS.get((found["month_name"] or "").lower())
    return _long_before(today, int(found["day"]), int(month) if month else None, found["year"])


def _long_before(today: datetime.date, day: int, month: int | None, year: str | None) -> bool:
    """Whether a date (its month and year may be left out) is before the last week."""
    try:
        date = datetime.date(
            int(year[-2:]) + 2000 if year else today.year, month or today.month, day
        )
    except ValueError:
        return False
    if date > today and not year:
        # "tanggal 30" or "tanggal 30 Desember" written in early January: the one before.
        date = _month_before(date) if not month else date.replace(year=date.year - 1)
    return (today - date).days > RECENT_DAYS


# A date or a time ago a few words before the event, in its clause, says when it
# happened as well: "Tanggal 7 Desember 2025 terjadi banjir", "Pada 7/12/2025 terjadi
# kebakaran", "Pada bulan Januari 2026 jembatan ambruk", "Bulan lalu terjadi kebakaran".
# Not "sejak bulan lalu" (since then: it may still go on).
_NUMBER_WORDS = {
    "se": 1,
    "satu": 1,
    "dua": 2,
    "tiga": 3,
    "empat": 4,
    "lima": 5,
    "enam": 6,
    "tujuh": 7,
    "delapan": 8,
    "sembilan": 9,
    "sepuluh": 10,
    "beberapa": 2,
}
_UNIT_DAYS = {"hari": 1, "minggu": 7, "pekan": 7, "bulan": 30, "tahun": 365}
_YEAR = r"(?:19|20)\d\d"
_DATE_BEFORE = re.compile(
    r"(?<!\w)(?P<since>(?:sejak|semenjak|mulai|dari)\s+)?(?:(?:pada|pd)\s+)?"
    r"(?:(?:tanggal|tgl)\.?\s*)?(?:"
    rf"(?P<day>\d{{1,2}})(?:\s*[-/.]\s*(?P<month>\d{{1,2}})\s*[-/.]\s*(?P<year>{_YEAR}|\d\d)"
    rf"|\s+(?P<month_name>{MONTHS})\.?(?:\s*,?\s*(?P<day_year>{_YEAR}))?)"
    rf"|(?:bulan\s+)?(?P<month_only>{MONTHS})\s+(?P<month_year>{_YEAR})"
    rf"|(?:tahun|thn)\s+(?P<year_only>{_YEAR})"
    r"|(?:(?P<count>\d{1,2}|se|satu|dua|tiga|empat|lima|enam|tujuh|delapan|sembilan|sepuluh"
    r"|beberapa)\s*)?(?P<unit>hari|minggu|pekan|bulan|tahun)\s+(?:yang\s+|yg\s+)?"
    r"(?:lalu|kemarin|kemaren|kmrn))(?!\w)",
    re.IGNORECASE,
)
_CLAUSE_BREAK = re.compile(r"[,!?;:\n()]|\.(?!\d)")
# In English: "Last year the bridge collapsed", "Two months ago a tree fell", "In 2025 …".
_LONG_AGO_BEFORE = re.compile(
    r"(?<!\w)(?:last\s+(?:year|month)|(?:\d+|a|one|two|three|four|five|several|few|a\s+few)\s+"
    rf"(?:weeks?|months?|years?)\s+ago|in\s+(?P<year>{_YEAR}))(?!\w)",
    re.IGNORECASE,
)


def _dated_long_ago_before(text: str, start: int, today: datetime.date) -> bool:
    """Whether a date or a time ago shortly before an event (at `start`), in its
    clause, puts it before the last week."""
    begin = max(0, start - 60)
    begin = max((m.end() for m in _CLAUSE_BREAK.finditer(text, begin, start)), default=begin)
    if english := _LONG_AGO_BEFORE.search(text, begin, start):
        return not english["year"] or int(english["year"]) < today.year
    # The nearest one dates the event.
    found = next(reversed(list(_DATE_BEFORE.finditer(text, begin, start))), None)
    if found is None or found["since"]:
        return False
    if found["unit"]:
        count = found["count"] or "1"
        count = int(count) if count.isdigit() else _NUMBER_WORDS[count.lower()]
        # "Minggu lalu", "bulan lalu": a week or more is past; days only beyond the week.
        days = count * _UNIT_DAYS[found["unit"].lower()]
        return days > RECENT_DAYS or found["unit"].lower() != "hari"
    if found["year_only"]:
        return int(found["year_only"]) < today.year
    if found["month_only"]:
        year, month = int(found["month_year"]), _MONTH_NUMBERS[found["month_only"].lower()]
        last = datetime.date(year + month // 12, month % 12 + 1, 1) - datetime.timedelta(days=1)
        return (today - last).days > RECENT_DAYS
    month = found["month"] or _MONTH_NUMBERS[found["month_name"].lower()]
    return _long_before(today, int(found["day"]), int(month), found["year"] or found["day_year"])


def _month_before(day: datetime.date) -> datetime.date:
    first = day.replace(day=1) - datetime.timedelta(days=1)
    return first.replace(day=min(day.day, first.day))


# What the water does now, after the event: "bantuan korban banjir …, air masih setinggi
# 1 meter" is a plea for people under water, not aid for past victims.
_STILL_NOW_AFTER = re.compile(
    r"^[^!?\n]{0,100}?(?<!\w)(?:setinggi|sedalam|kedalaman|ketinggian\s+air|belum\s+surut"
    r"|blm\s+surut|masih\s+(?:\w+\s+){0,2}(?:tergenang|terendam|setinggi|menggenangi|banjir"
    r"|meluap|naik)|(?:knee|waist|chest|neck)(?:\s*-\s*|\s+)(?:deep|high)"
    r"|still\s+(?:\w+\s+){0,2}(?:flooded|under\s?water|submerged|rising)"
    r"|(?:has|have)\s+not\s+(?:yet\s+)?(?:receded|subsided)|not\s+yet\s+(?:receded|subsided))(?!\w)",
    re.IGNORECASE,
)


def _past_or_aid(text: str, match: re.Match[str]) -> bool:
    return bool(
        _PAST_OR_AID_BEFORE.search(text, max(0, match.start() - 40), match.start())
    ) and not _STILL_NOW_AFTER.search(text[match.end() : match.end() + 140])


def _habit_or_long_ago(text: str, match: re.Match[str], today: datetime.date) -> bool:
    """A habit, a condition or a date long ago that governs the event, unless its
    sentence also says it happens now."""
    after = text[match.end() : match.end() + 40]
    governed = (
        _HABIT_BEFORE.search(text, max(0, match.start() - 60), match.start())
        or _HABIT_AFTER.search(after)
        or _dated_long_ago(after, today)
        or _dated_long_ago_before(text, match.start(), today)
    )
    sentence = _sentence_around(text, match.start(), match.end())
    return bool(governed) and not _SAID_NOW.search(_DATED_YESTERDAY.sub(" ", sentence))


def _said_happening(text: str, match: re.Match[str], flag: str, today: datetime.date) -> bool:
    """Whether a mention of the event (`match`) tells of it as happening now."""
    lookalike = _LOOKALIKES.get(flag)
    return not (
        (lookalike and lookalike(text, match))
        or _NOT_HAPPENING.search(text, max(0, match.start() - 60), match.start())
        or _past_or_aid(text, match)
        or _FEARED_INSIDE.search(match.group(0))
        or _PAST_AFTER.search(text[match.end() : match.end() + 40])
        or _habit_or_long_ago(text, match, today)
    )


def _mentions(text: str, flag: str, body_start: int) -> Iterator[re.Match[str]]:
    """The mentions of the event in the title (`text[:body_start]`) on its own, then those
    in the body: a title's words do not run on into the body's ("Saluran meluap
    sekarang" / "Saluran meluap setiap hujan" are two mentions, not one)."""
    pattern = URGENCY_PATTERNS[flag]
    title_end = max(0, body_start - 1)
    yield from pattern.finditer(text, 0, title_end)
    yield from (match for match in pattern.finditer(text) if match.end() > title_end)


def _happening(
    text: str, flag: str, today: datetime.date, body_start: int = 0
) -> Iterator[re.Match[str]]:
    """The mentions of the event as happening now."""
    return (
        match
        for match in _mentions(text, flag, body_start)
        if _said_happening(text, match, flag, today)
    )


def _title_stands(
    text: str, match: re.Match[str], flag: str, today: datetime.date, body_start: int
) -> bool:
    """Whether an event the title names (`match`, in `text[:body_start]`) is happening.

    A title is a few words: "Saluran meluap" says nothing of when. When the body speaks
    of the same event — in the flag's words, or in the word that names the event in the
    title ("meluap") — it tells: "meluap setiap hujan" is a drain that overflows each
    rainy day, not an emergency now. The title stands when the body says nothing of the
    event, tells of it as happening, or the title itself says it is happening now
    ("Banjir setinggi 1 meter", "Kebakaran sekarang")."""
    event_word = match.group(0).split()[-1]
    mentions = [
        *URGENCY_PATTERNS[flag].finditer(text, body_start),
        *re.compile(rf"(?<!\w){re.escape(event_word)}(?!\w)", re.IGNORECASE).finditer(
            text, body_start
        ),
    ]
    return (
        not mentions
        or bool(_SAID_NOW.search(_DATED_YESTERDAY.sub(" ", text[:body_start])))
        or bool(_STILL_NOW_AFTER.search(text[match.end() : body_start]))
        or any(_said_happening(text, mention, flag, today) for mention in mentions)
    )


def _first_happening(
    text: str, flag: str, today: datetime.date, body_start: int
) -> re.Match[str] | None:
    return next(
        (
            match
            for match in _happening(text, flag, today, body_start)
            if match.end() >= body_start or _title_stands(text, match, flag, today, body_start)
        ),
        None,
    )


def _reasons(title: str, body: str, today: datetime.date) -> dict[str, str]:
    """Each urgency flag (in `URGENCY_ORDER`) with the words that raised it."""
    text = f"{title}\n{body}" if title.strip() else body
    body_start = len(text) - len(body)
    found = {flag: _first_happening(text, flag, today, body_start) for flag in URGENCY_PATTERNS}
    return {flag: " ".join(match.group(0).split()) for flag, match in found.items() if match}


def _day_of(report_or_text, on: datetime.date | None) -> datetime.date:
    if on is not None:
        return on
    submitted = getattr(report_or_text, "submitted_at", None)
    return timezone.localdate(submitted) if submitted else timezone.localdate()


def urgency(report_or_text, *, on: datetime.date | None = None) -> list[str]:
    """Urgency flags found in a report (or text), in a fixed order: `URGENCY_ORDER`.

    A flag needs the event as happening: one the text fears, denies or recalls
    ("sebelum ada korban jiwa", "rawan banjir", "pernah kebakaran"), nor a figure of
    speech ("kebakaran jenggot"). A report's title is read with its body, which may tell
    that what the title names recurs ("meluap setiap hujan"); a text is all body.
    `on` is the day the text was written (a report's day of submission, else today):
    a date it gives tells whether the event is recent.
    """
    return list(urgency_reasons(report_or_text, on=on))


def urgency_reasons(report_or_text, *, on: datetime.date | None = None) -> dict[str, str]:
    """Each urgency flag (in `URGENCY_ORDER`) with the words that raised it, to tell
    officers why a report is flagged."""
    return _reasons(*_text_of(report_or_text), _day_of(report_or_text, on))


def urgency_labels() -> dict[str, str]:
    return {
        "flood": _("Flood"),
        "fire": _("Fire"),
        "fallen_tree": _("Fallen tree"),
        "collapsed_bridge": _("Collapsed bridge"),
        "landslide": _("Landslide"),
        "medical": _("Medical emergency"),
        "electric": _("Live electric cable"),
        "person_in_danger": _("Person in danger"),
        "missing_person": _("Missing person"),
    }


# --- Abusive language ---------------------------------------------------------------

# Always insults, in Indonesian, Javanese and Sundanese slang.
INSULTS = frozenset(
    [
        "bangsat",
        "bajingan",
        "brengsek",
        "keparat",
        "bedebah",
        "laknat",
        "kampret",
        "sialan",
        "goblok",
        "goblog",
        "tolol",
        "dungu",
        "idiot",
        "kontol",
        "memek",
        "ngentot",
        "entot",
        "jancok",
        "jancuk",
        "dancok",
        "diancuk",
        "cuk",
        "pukimak",
        "pantek",
        "lonte",
        "perek",
        "bangke",
        "ndasmu",
        "matamu",
        "gathel",
        "jembut",
        "belegug",
        "kehed",
        "sundel",
        "bencong",
        # As texted, without their vowels.
        "bgst",
        "bngst",
        "bgsd",
        "gblk",
        "goblk",
        "kntl",
        "kontl",
    ]
)
# Words with an innocent meaning too: animals ("anjing liar", "babi hutan") and "bego",
# also slang for an excavator (backhoe). They insult only when aimed at someone
# ("dasar anjing", "kalian babi", "petugas bego").
# "Bodoh", "tai" (dung: "tai sapi" of a farm) and "kurang ajar" are insults only when
# aimed at someone too: "pegawainya bodoh semua", "petugasnya tai".
AMBIGUOUS_INSULTS = frozenset(
    ["anjing", "anjg", "anjir", "asu", "babi", "monyet", "kunyuk", "setan", "iblis", "bego"]
    + ["bodoh", "tai", "taik", "kurangajar"]
)
AIMED = frozenset(
    [
        "dasar",
        "kayak",
        "kaya",
        "seperti",
        "macam",
        "kalian",
        "kamu",
        "kau",
        "lu",
        "lo",
        "loe",
        "elu",
        "elo",
        "lw",
        "gue",
        "pejabat",
        "petugas",
        "pemerintah",
        "bupati",
        "walikota",
        "gubernur",
        "dewan",
        "dinas",
        "pns",
        "aparat",
        "oknum",
        "camat",
        "lurah",
        "kades",
        "koruptor",
        "pegawai",
        "polisi",
        # Javanese and Sundanese "you": "kowe asu", "sia anjing".
        "kowe",
        "koe",
        "sampeyan",
        "kon",
        "sia",
        "maneh",
    ]
)
# Not "Pak,"/"Bu," of address: "Pak, anjing liar di kompleks…", "pak bego (excavator)".
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a"})
_REPEATS = re.compile(r"(\w)\1+")
_TOKENS = re.compile(r"[\w@]+")


def _squeeze(word: str) -> str:
    """ "g0bl0kkk" → "goblok": undo digit-for-letter spelling and stretched letters."""
    return _REPEATS.sub(r"\1", word.lower().translate(_LEET))


_SQUEEZED_INSULTS = frozenset(_squeeze(w) for w in INSULTS)
_SQUEEZED_AMBIGUOUS = frozenset(_squeeze(w) for w in AMBIGUOUS_INSULTS)
_SQUEEZED_AIMED = frozenset(_squeeze(w) for w in AIMED)
# After the word, only someone addressed is its target ("anjing lu", "asu kabeh
# pejabate"): a noun right after it is its owner ("anjing polisi", "bego dinas PU").
_ADDRESSED = frozenset(
    _squeeze(w)
    for w in ["kalian", "kamu", "kau", "lu", "lo", "loe", "elu", "elo", "lw", "gue", "kowe",
              "koe", "sampeyan", "kon", "sia", "maneh"]
)  # fmt: skip
_ALL_OF_THEM = frozenset(["semua", "smua", "kabeh", "sekalian", "sedanten"])
# What someone owns; "kurang ajar petugas kelurahan ini" still aims at the noun after it.
_OWNED = frozenset(_squeeze(w) for w in ["anjing", "anjg", "asu", "babi", "monyet", "bego"])


def is_abusive(text: str) -> bool:
    """Whether `text` holds insults or profanity (a flag for admins, never a block)."""
    return bool(abusive_word(text))


_CLAUSES = re.compile(r"[.,!?;:\n()]+")
_KURANG_AJAR = re.compile(r"(?i)\bkurang\s+ajar\b")


def abusive_word(text: str) -> str:
    """The first insult or profanity in `text` as written, or ""."""
    text = _KURANG_AJAR.sub("kurangajar", text or "")
    squeezed_text = _squeeze(text)
    for clause in _CLAUSES.split(text):
        written = _TOKENS.findall(clause)
        words = [_squeeze(w) for w in written]
        for i, word in enumerate(words):
            if word in _SQUEEZED_INSULTS:
                return written[i]
            # Aimed at someone within two words, in the same clause: "dasar anjing",
            # "kalian semua babi", "pejabatnya anjing", "anjing lu", "asu kabeh
            # pejabate"; not "lapor ke petugas, anjing milik tetangga …".
            if (
                word in _SQUEEZED_AMBIGUOUS
                and not _an_animal_named(words, i)
                and (_aimed(words, i) or _shouted(squeezed_text, word))
            ):
                return "kurang ajar" if word == "kurangajar" else written[i]
    return ""


# Words around an animal's name that make it the animal: "anjing liar", "babi hutan",
# "tangkap anjing", "digigit anjing", "bangkai babi".
_ANIMAL_AFTER = frozenset(
    ["liar", "hutan", "peliharaan", "gila", "rabies", "ternak", "tetangga", "kampung", "mati",
     "milik", "itu", "pelacak", "galak", "sapi", "kucing", "ayam", "kambing", "kuda", "warga",
     "polisi", "k9", "penjaga", "herder",
     # "Bego" (a backhoe) at work: "bego nya parkir", "bego mengeruk sungai".
     "excavator", "ekskavator", "eskavator", "parkir", "mengeruk", "menggali", "mogok",
     "sewaan", "operator", "menambang", "merusak"]
)  # fmt: skip
_ANIMAL_BEFORE = frozenset(
    ["tangkap", "menangkap", "ditangkap", "digigit", "gigitan", "ekor", "pelihara",
     "memelihara", "ternak", "daging", "kandang", "bangkai", "kotoran", "penangkapan",
     "peternakan", "peternak", "hewan", "flu", "virus", "vaksin", "alat", "berat"]
)  # fmt: skip
# Compared as the text's words are: "tetangga" is read as "tetanga".
_SQUEEZED_ANIMAL_AFTER = frozenset(_squeeze(w) for w in _ANIMAL_AFTER)
_SQUEEZED_ANIMAL_BEFORE = frozenset(_squeeze(w) for w in _ANIMAL_BEFORE)


def _an_animal_named(words: list[str], i: int) -> bool:
    after = words[i + 1] if i + 1 < len(words) else ""
    before = words[i - 1] if i else ""
    # "anjing-anjing liar": said twice, it is many animals.
    return (
        after in _SQUEEZED_ANIMAL_AFTER
        or before in _SQUEEZED_ANIMAL_BEFORE
        or words[i] in (after, before)
    )


def _aimed(words: list[str], i: int) -> bool:
    def target(j: int) -> str:
        # Not a word said twice: "sia-sia" is "in vain", not Sundanese "you".
        if words[j] in words[max(0, j - 1) : j] + words[j + 1 : j + 2]:
            return ""
        return _target(words[j]) if _target(words[j]) in _SQUEEZED_AIMED else ""

    before = [j for j in (i - 2, i - 1) if j >= 0]
    after = [j for j in (i + 1, i + 2) if j < len(words)]
    any_after = words[i] not in _OWNED or (i + 1 < len(words) and words[i + 1] in _ALL_OF_THEM)
    return any(target(j) for j in before) or any(
        target(j) and (target(j) in _ADDRESSED or any_after) for j in after
    )


def _target(word: str) -> str:
    """ "pejabatnya", Javanese "pejabate" → "pejabat"."""
    for ending in ("nya", "ne", "e"):
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            stem = word[: -len(ending)]
            if stem in _SQUEEZED_AIMED:
                return stem
    return word


def _shouted(text: str, word: str) -> bool:
    """An ambiguous word shouted on its own is an insult: "Anjing!", "..., babi!"; not
    "digigit anjing!", where it is what bit."""
    return bool(re.search(rf"(?i)(?:^|[.!?,;:]\s*){re.escape(word)}\w*\s*!", text))


def urgency_and_abuse(
    title: str, body: str, *answers: str, on: datetime.date | None = None
) -> dict:
    """The flags a report stores (`Report.urgency_flags`, `is_urgent`, `is_abusive`), so
    that inboxes sort and filter on them: of its text and the reporter's `answers` to
    questions, which may tell what the report did not ("air sudah setinggi 1 meter").
    `on` is the day the report was submitted (today when not given)."""
    flags = list(_reasons(title, "\n".join([body, *answers]), on or timezone.localdate()))
    text = "\n".join([title, body, *answers])
    return {"urgency_flags": flags, "is_urgent": bool(flags), "is_abusive": is_abusive(text)}


def report_flags(report, answers: Sequence[str] = ()) -> dict:
    """For staff pages: urgency badges [(flag, label, the words that raised it)], whether
    the report is urgent and abusive as stored, and the words the abusive flag was read
    from ("" when an officer set it by hand, or the text no longer says it)."""
    labels = urgency_labels()
    text = "\n".join([report.title, report.body, *answers])
    day = timezone.localdate(report.submitted_at)
    said = "\n".join([report.body, *answers])
    reasons = {} if report.urgency_set_by_hand else _reasons(report.title, said, day)
    return {
        "urgency": [
            (flag, labels[flag], reasons.get(flag, ""))
            for flag in report.urgency_flags
            if flag in labels
        ],
        "urgent": report.is_urgent,
        "abusive": report.is_abusive,
        "abusive_word": "" if report.abuse_set_by_hand else abusive_word(text),
    }
