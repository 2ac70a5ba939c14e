"""`manage.py evaluate_triage`: the figures of the product's pipeline on a labelled CSV."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.management import CommandError, call_command

TOPICS = {
    "dpu": ["jalan berlubang", "aspal rusak", "jembatan retak", "jalan rusak parah"],
    "dishub": ["lampu lalu lintas mati", "parkir liar", "angkot ngetem", "rambu hilang"],
    "disdik": ["guru jarang masuk", "sekolah rusak", "pungutan sekolah", "beasiswa telat"],
}
PLACES = ["pasar", "terminal", "kampung", "desa", "kecamatan", "alun-alun"]
FIGURES = ["top1", "top3", "macro_f1", "suggest_ms_median", "train_seconds"]


def write_csv(path, rows_per_label: int = 10) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["isi", "instansi", "tanggal"])
        day = 1
        for label, phrases in TOPICS.items():
            for i in range(rows_per_label):
                text = f"Mohon dibantu, {phrases[i % 4]} di dekat {PLACES[i % 6]} no {i}"
                writer.writerow([text, label, f"{day % 28 + 1:02d}-03-2026 08:00"])
                day += 1
        writer.writerow(["Laporan lain yang labelnya langka", "langka", "01-04-2026 09:00"])
        writer.writerow(["", "dpu", "01-04-2026 09:00"])  # no text: skipped


def run(*args) -> dict[str, float]:
    out, err = io.StringIO(), io.StringIO()
    call_command("evaluate_triage", *args, stdout=out, stderr=err)
    lines = out.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == FIGURES
    assert all(re.fullmatch(r"[a-z0-9_]+: \d+(\.\d+)?", line) for line in lines)
    return {name: float(value) for name, value in (line.split(": ") for line in lines)}


def test_the_command_prints_every_figure_on_a_tiny_csv(tmp_path):
    path = tmp_path / "laporan.csv"
    write_csv(path)
    figures = run(str(path), "--text", "isi", "--label", "instansi")
    assert figures["top1"] >= 0.5  # the topics are plain; chance is a third
    assert figures["top3"] == 1.0  # three classes: the rare fourth was left out
    assert 0 <= figures["macro_f1"] <= 1


def test_the_command_splits_by_time(tmp_path):
    path = tmp_path / "laporan.csv"
    write_csv(path, rows_per_label=12)
    figures = run(
        str(path), "--text", "isi", "--label", "instansi", "--split", "time", "--time", "tanggal"
    )
    assert 0 <= figures["top1"] <= figures["top3"] <= 1


def test_the_command_names_a_missing_column(tmp_path):
    path = tmp_path / "laporan.csv"
    write_csv(path)
    with pytest.raises(CommandError, match="kategori"):
        call_command("evaluate_triage", str(path), "--text", "isi", "--label", "kategori")


def test_a_time_split_needs_the_time_column(tmp_path):
    path = tmp_path / "laporan.csv"
    write_csv(path)
    with pytest.raises(CommandError, match="--time"):
        call_command(
            "evaluate_triage", str(path), "--text", "isi", "--label", "instansi", "--split", "time"
        )
