"""Measure the suggestion pipeline on a labelled CSV (kept outside the repository).

    python manage.py evaluate_triage ../shared/data/x.csv --text text --label agency
    python manage.py evaluate_triage x.csv --text text --label agency --split time --time date

Keeps classes with at least 5 rows and the first row of each distinct text, trains on
80 % (stratified, or the oldest 80 % with `--split time`), and prints the figures on the
other 20 %. Uses `aduan.triage.classifier`, the pipeline the product trains; the
labels of the training part double as the label names (see `TextClassifier.fit`)."""

from __future__ import annotations

import csv
import datetime
import io
import re
import statistics
import sys
import time
import warnings
from collections import Counter

from dateutil import parser
from django.core.management.base import BaseCommand, CommandError

from aduan.triage.classifier import reliability, train_and_evaluate

MIN_ROWS_PER_CLASS = 5
TEST_SHARE = 0.2
LATENCY_SAMPLES = 200


DELIMITERS = ",;\t|"
# Exports from Indonesian offices name months and days in Indonesian.
MONTHS_ID = [
    ("jan", "januari"), ("feb", "peb", "februari", "pebruari"), ("mar", "mrt", "maret"),
    ("apr", "april"), ("mei",), ("jun", "juni"), ("jul", "juli"),
    ("agu", "agt", "ags", "agst", "agus", "agustus"), ("sep", "sept", "september"),
    ("okt", "oktober"), ("nov", "nop", "nopember", "november"), ("des", "desember"),
]  # fmt: skip
WEEKDAYS_ID = [
    ("sen", "senin"), ("sel", "selasa"), ("rab", "rabu"), ("kam", "kamis"),
    ("jum", "jumat", "jum'at"), ("sab", "sabtu"), ("min", "minggu", "ahad"),
]  # fmt: skip
NUMERIC_DATE = re.compile(r"\s*(\d{1,2})[/.-](\d{1,2})[/.-]\d{2,4}")
YEAR_FIRST = re.compile(r"\s*\d{4}[/.-]\d{1,2}[/.-]\d{1,2}")
DOTTED_CLOCK = re.compile(r"(?<=\s)(\d{1,2})\.(\d{2})(?![.\d])")  # 08.00 for 08:00
ZONES_ID = {"WIB": 7 * 3600, "WITA": 8 * 3600, "WIT": 9 * 3600}


def read_text(path: str) -> str:
    """The file's text: UTF-16 when it starts with that byte-order mark (Excel's
    "Unicode text"), UTF-8 (with or without one), else Windows-1252, which is what
    spreadsheet programs on Windows save as "CSV"."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise CommandError(str(exc)) from exc
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def delimiter_of(header: str, wanted: set[str] = frozenset()) -> str:
    """The separator of the header line: the one that splits it into the `wanted`
    columns ("Isi laporan (judul, isi);Instansi" is split on the semicolon), else the
    one it uses most: comma, semicolon (spreadsheets in Indonesian locales), tab or bar."""
    for sep in DELIMITERS:
        names = {name.strip() for name in next(csv.reader([header], delimiter=sep), [])}
        if wanted and wanted <= names:
            return sep
    counts = {sep: header.count(sep) for sep in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def read_rows(path: str, text: str, label: str, time_column: str | None) -> list[tuple]:
    """(text, label, time) of the rows with both text and label, first of each text.

    Labels written with other capitals or spaces ("Dinas PU", "DINAS  PU") are one
    label, named as first written."""
    csv.field_size_limit(sys.maxsize)
    content = read_text(path)
    wanted = {text, label, time_column} - {None}
    reader = csv.DictReader(
        io.StringIO(content, newline=""),
        # Lines may end in CR alone (Excel for Mac's "CSV (Macintosh)").
        delimiter=delimiter_of(re.split(r"\r\n|\r|\n", content, maxsplit=1)[0], wanted),
    )
    columns = [name.strip() for name in reader.fieldnames or []]
    reader.fieldnames = columns
    missing = wanted - set(columns)
    if missing:
        raise CommandError(
            f"Columns not in the file: {', '.join(sorted(missing))} (it has: {', '.join(columns)})"
        )
    twice = sorted(name for name in wanted if columns.count(name) > 1)
    if twice:
        raise CommandError(f"Columns named twice in the file: {', '.join(twice)}")
    rows, seen, spelled = [], set(), {}
    for row in reader:
        body, target = (row[text] or "").strip(), " ".join((row[label] or "").split())
        if body and target and body not in seen:
            seen.add(body)
            target = spelled.setdefault(target.casefold(), target)
            rows.append((body, target, (row[time_column] or "") if time_column else ""))
    counts = Counter(target for _, target, _ in rows)
    return [r for r in rows if counts[r[1]] >= MIN_ROWS_PER_CLASS]


class IndonesianDates(parser.parserinfo):
    MONTHS = [
        names + english for names, english in zip(MONTHS_ID, parser.parserinfo.MONTHS, strict=True)
    ]
    JUMP = [*parser.parserinfo.JUMP, "pukul", "pkl", "jam", "tanggal", "tgl"]
    WEEKDAYS = [
        names + english
        for names, english in zip(WEEKDAYS_ID, parser.parserinfo.WEEKDAYS, strict=True)
    ]


def reads_day_first(values: list[str]) -> bool:
    """Whether the column's numeric dates put the day first (13-02-2018) or the month
    (02-13-2018): the first field above 12 somewhere decides; day first when none does,
    as Indonesian offices write them."""
    for value in values:
        match = NUMERIC_DATE.match(value)
        if match and int(match[1]) > 12:
            return True
        if match and int(match[2]) > 12:
            return False
    return True


def parse_time(value: str, dayfirst: bool = True) -> datetime.datetime:
    """A timestamp in any common format, as naive UTC; unparseable ones sort first.

    ISO 8601, numbers (Unix seconds or milliseconds, spreadsheet day serials), dates
    written day or month first, and English or Indonesian month names."""
    value = value.strip()
    try:
        number = float(value)
    except ValueError:
        number = None
    try:
        if number is not None:
            return from_number(value, number)
        try:
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            with warnings.catch_warnings():  # zones it does not know are left out
                warnings.simplefilter("ignore", parser.UnknownTimezoneWarning)
                moment = parser.parse(
                    DOTTED_CLOCK.sub(r"\1:\2", value),
                    parserinfo=IndonesianDates(dayfirst=dayfirst and not YEAR_FIRST.match(value)),
                    tzinfos=ZONES_ID,
                )
    except (ValueError, OverflowError, OSError):
        return datetime.datetime.min
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.UTC).replace(tzinfo=None)
    return moment


def from_number(value: str, number: float) -> datetime.datetime:
    digits = value.split(".")[0].lstrip("+")
    if len(digits) in (8, 12, 14) and digits.startswith(("19", "20")):
        # 20180213, 201802130830, 20180213083000: a date written as digits.
        return datetime.datetime.strptime(
            digits, {8: "%Y%m%d", 12: "%Y%m%d%H%M"}.get(len(digits), "%Y%m%d%H%M%S")
        )
    if number < 100_000:  # a spreadsheet's day count
        return datetime.datetime(1899, 12, 30) + datetime.timedelta(days=number)
    if number > 100_000_000_000:  # milliseconds
        number /= 1000
    return datetime.datetime.fromtimestamp(number, datetime.UTC).replace(tzinfo=None)


# Above this share of unreadable times the time split would be the file's own order.
MAX_UNREADABLE_TIMES = 0.05


def split(rows: list[tuple], how: str, warn=lambda _text: None) -> tuple[list, list]:
    if how == "time":
        dayfirst = reads_day_first([r[2] for r in rows])
        times = {r[2]: parse_time(r[2], dayfirst) for r in rows}
        unreadable = [value for value, moment in times.items() if moment == datetime.datetime.min]
        bad = sum(1 for r in rows if times[r[2]] == datetime.datetime.min)
        if bad:
            message = (
                f"{bad} of {len(rows)} times could not be read (e.g. {unreadable[0]!r}); "
                "they sort first"
            )
            if bad > MAX_UNREADABLE_TIMES * len(rows):
                raise CommandError(f"{message}: the time split would mean nothing.")
            warn(message)
        ordered = sorted(rows, key=lambda r: times[r[2]])
        cut = round(len(ordered) * (1 - TEST_SHARE))
        return ordered[:cut], ordered[cut:]
    from sklearn.model_selection import train_test_split

    labels = [r[1] for r in rows]
    return train_test_split(rows, test_size=TEST_SHARE, stratify=labels, random_state=0)


class Command(BaseCommand):
    help = "Train the triage pipeline on 80% of a labelled CSV and score it on the rest."

    def add_arguments(self, parser):
        parser.add_argument("csv")
        parser.add_argument("--text", required=True, help="Column holding the report text.")
        parser.add_argument("--label", required=True, help="Column holding the label.")
        parser.add_argument("--split", choices=["stratified", "time"], default="stratified")
        parser.add_argument("--time", dest="time_column", help="Column with the date (time).")
        parser.add_argument(
            "--reliability",
            action="store_true",
            help="Also print how often suggestions shown with each confidence were right.",
        )

    def handle(self, *args, **options):
        if options["split"] == "time" and not options["time_column"]:
            raise CommandError("--split time needs --time COLUMN")
        rows = read_rows(options["csv"], options["text"], options["label"], options["time_column"])
        if len({r[1] for r in rows}) < 2:
            raise CommandError("Need at least two labels with 5 or more rows each.")
        train, test = split(rows, options["split"], warn=self.stderr.write)
        if len({r[1] for r in train}) < 2:
            raise CommandError(
                "The training part holds one label only: the oldest 80 % of the rows all "
                "went to the same place. Use --split stratified, or a longer period."
            )
        self.stderr.write(
            f"{len(rows)} rows, {len({r[1] for r in rows})} classes: "
            f"training on {len(train)}, testing on {len(test)}…"
        )
        # In a CSV the label is the organization's or category's name: the classifier
        # gets it as the name the product would give it.
        model, result = train_and_evaluate(
            [r[0] for r in train],
            [r[1] for r in train],
            [r[0] for r in test],
            [r[1] for r in test],
            names={r[1]: r[1] for r in train},
        )
        latency = []
        for body, _, _ in test[:LATENCY_SAMPLES]:
            started = time.perf_counter()
            model.top(body, 3)
            latency.append((time.perf_counter() - started) * 1000)
        self.stdout.write(f"top1: {result.top1:.3f}")
        self.stdout.write(f"top3: {result.top3:.3f}")
        self.stdout.write(f"macro_f1: {result.macro_f1:.3f}")
        self.stdout.write(f"suggest_ms_median: {statistics.median(latency):.1f}")
        self.stdout.write(f"train_seconds: {result.train_seconds:.1f}")
        if options["reliability"]:
            self.write_reliability(model, [r[0] for r in test], [r[1] for r in test])

    def write_reliability(self, model, texts: list[str], labels: list[str]) -> None:
        measured = reliability(model, model.features.transform(texts), labels)
        self.stdout.write("reliability: confidence shown, suggestions, mean shown, share right")
        for low, high, count, mean, right in measured.bins:
            self.stdout.write(f"  {low:.1f}-{high:.1f}: {count} {mean:.3f} {right:.3f}")
        self.stdout.write(f"calibration_error: {measured.error:.3f}")
        self.stdout.write(f"calibration_error_first: {measured.first_error:.3f}")
