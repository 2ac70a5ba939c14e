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
import statistics
import sys
import time
from collections import Counter

from django.core.management.base import BaseCommand, CommandError

from aduan.triage.classifier import train_and_evaluate

MIN_ROWS_PER_CLASS = 5
TEST_SHARE = 0.2
LATENCY_SAMPLES = 200


def read_rows(path: str, text: str, label: str, time_column: str | None) -> list[tuple]:
    """(text, label, time) of the rows with both text and label, first of each text."""
    csv.field_size_limit(sys.maxsize)
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            missing = {text, label, time_column} - set(reader.fieldnames or []) - {None}
            if missing:
                raise CommandError(f"Columns not in the file: {', '.join(sorted(missing))}")
            rows, seen = [], set()
            for row in reader:
                body, target = (row[text] or "").strip(), (row[label] or "").strip()
                if body and target and body not in seen:
                    seen.add(body)
                    rows.append((body, target, row[time_column] if time_column else ""))
    except OSError as exc:
        raise CommandError(str(exc)) from exc
    counts = Counter(target for _, target, _ in rows)
    return [r for r in rows if counts[r[1]] >= MIN_ROWS_PER_CLASS]


def parse_time(value: str) -> datetime.datetime:
    """A timestamp in any common format, day first; unparseable ones sort first."""
    from dateutil import parser

    try:
        return parser.parse(value, dayfirst=True)
    except (ValueError, OverflowError):
        return datetime.datetime.min


def split(rows: list[tuple], how: str) -> tuple[list, list]:
    if how == "time":
        ordered = sorted(rows, key=lambda r: parse_time(r[2]))
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

    def handle(self, *args, **options):
        if options["split"] == "time" and not options["time_column"]:
            raise CommandError("--split time needs --time COLUMN")
        rows = read_rows(options["csv"], options["text"], options["label"], options["time_column"])
        if len({r[1] for r in rows}) < 2:
            raise CommandError("Need at least two labels with 5 or more rows each.")
        train, test = split(rows, options["split"])
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
