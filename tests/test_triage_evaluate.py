"""`manage.py evaluate_triage`: the figures of the product's pipeline on a labelled CSV."""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from django.core.management import CommandError, call_command

from aduan.triage.management.commands.evaluate_triage import (
    parse_time,
    read_rows,
    reads_day_first,
    split,
)

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


def test_the_command_prints_the_reliability_of_the_confidences_on_request(tmp_path):
    path = tmp_path / "laporan.csv"
    write_csv(path, rows_per_label=100)  # 60 held-out reports
    out = io.StringIO()
    call_command(
        "evaluate_triage", str(path), "--text", "isi", "--label", "instansi", "--reliability",
        stdout=out, stderr=io.StringIO(),
    )  # fmt: skip
    lines = out.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines[:5]] == FIGURES
    assert lines[5].startswith("reliability:")
    bins = [re.fullmatch(r"  (\d\.\d)-(\d\.\d): (\d+) (\S+) (\S+)", line) for line in lines[6:-2]]
    assert bins and all(bins)
    # Every held-out report's three suggestions are counted, each in one bin.
    assert sum(int(b[3]) for b in bins) == 3 * 60
    assert all(float(b[1]) <= float(b[4]) <= float(b[2]) for b in bins)
    errors = dict(line.split(": ") for line in lines[-2:])
    assert set(errors) == {"calibration_error", "calibration_error_first"}
    assert all(0 <= float(value) <= 1 for value in errors.values())


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


@pytest.mark.parametrize(
    ("value", "dayfirst", "expected"),
    [
        ("2018-01-05", True, datetime.datetime(2018, 1, 5)),
        ("2018-01-05 10:30:00", True, datetime.datetime(2018, 1, 5, 10, 30)),
        ("2018-01-05T10:30:00+07:00", True, datetime.datetime(2018, 1, 5, 3, 30)),
        ("2018/01/05", True, datetime.datetime(2018, 1, 5)),
        ("05-01-2018 00:03", True, datetime.datetime(2018, 1, 5, 0, 3)),
        ("01/05/2018", False, datetime.datetime(2018, 1, 5)),
        ("5 Januari 2018", True, datetime.datetime(2018, 1, 5)),
        ("Jumat, 17 Agustus 2018 08.00", True, datetime.datetime(2018, 8, 17, 8, 0)),
        ("12 Mei 2018 10:00 WIB", True, datetime.datetime(2018, 5, 12, 3, 0)),
        ("17 Agustus 2018 pukul 08.00 WITA", True, datetime.datetime(2018, 8, 17, 0, 0)),
        ("05.01.2018 07:15 CEST", True, datetime.datetime(2018, 1, 5, 7, 15)),
        ("Jan 5, 2018", True, datetime.datetime(2018, 1, 5)),
        ("1515110400", True, datetime.datetime(2018, 1, 5)),
        ("1515110400000", True, datetime.datetime(2018, 1, 5)),
        ("43105", True, datetime.datetime(2018, 1, 5)),
        ("05 Mrt 2018", True, datetime.datetime(2018, 3, 5)),
        ("12 Peb 2018", True, datetime.datetime(2018, 2, 12)),
        ("3 Agst 2018", True, datetime.datetime(2018, 8, 3)),
        ("7 Nop 2018", True, datetime.datetime(2018, 11, 7)),
        ("20180213", True, datetime.datetime(2018, 2, 13)),
        ("20180213083000", True, datetime.datetime(2018, 2, 13, 8, 30)),
        ("12345678901234567890", True, datetime.datetime.min),  # an id, not a time
        ("belum diisi", True, datetime.datetime.min),
        ("", True, datetime.datetime.min),
    ],
)
def test_times_are_read_in_the_formats_offices_export(value, dayfirst, expected):
    assert parse_time(value, dayfirst) == expected


def test_a_column_with_a_month_above_twelve_in_second_place_is_read_month_first():
    assert reads_day_first(["01/02/2018", "13/02/2018"])
    assert not reads_day_first(["01/02/2018", "02/13/2018 10:00"])
    assert reads_day_first(["2018-01-05", "belum diisi"])  # nothing decides: day first


def test_the_time_split_tests_on_the_newest_rows_whatever_the_date_format():
    # Read day first, "2018-01-05" would be 1 May and come after February.
    rows = [(f"laporan {i}", "dpu", when) for i, when in enumerate(
        ["2018-01-05", "2018-02-01 09:00", "5 Maret 2018", "2018-01-20T10:00:00Z",
         "2018-04-02", "2018-01-12", "2018-03-01", "2018-01-02", "2018-02-20", "2018-04-30"]
    )]  # fmt: skip
    train, test = split(rows, "time")
    assert sorted(r[2] for r in test) == ["2018-04-02", "2018-04-30"]
    assert len(train) == 8


def test_a_semicolon_separated_windows_1252_export_is_read(tmp_path):
    path = tmp_path / "ekspor.csv"
    lines = ["isi ; instansi;tanggal"]
    for label, phrases in TOPICS.items():
        for i in range(6):
            lines.append(
                f"Caf\u00e9 \u201c{phrases[i % 4]}\u201d, dekat {PLACES[i]};{label};{i + 1}-03-2026"
            )
    path.write_bytes("\r\n".join(lines).encode("cp1252"))
    rows = read_rows(str(path), "isi", "instansi", "tanggal")
    assert len(rows) == 18
    assert rows[0][0] == "Caf\u00e9 \u201cjalan berlubang\u201d, dekat pasar"
    assert rows[0][1:] == ("dpu", "1-03-2026")
    figures = run(str(path), "--text", "isi", "--label", "instansi")
    assert figures["top3"] == 1.0


def test_a_missing_column_is_named_with_the_columns_the_file_has(tmp_path):
    path = tmp_path / "ekspor.csv"
    path.write_text("isi\tkategori\nJalan rusak\tdpu\n", encoding="utf-8")
    with pytest.raises(CommandError, match="instansi .*it has: isi, kategori"):
        read_rows(str(path), "isi", "instansi", None)


def _export(path, header: str, rows: list[str], encoding="utf-8") -> None:
    path.write_bytes("\r\n".join([header, *rows]).encode(encoding))


def _labelled_rows(label_of=lambda label, i: label, sep=",") -> list[str]:
    return [
        f"{phrases[i % 4]} di dekat {PLACES[i]}{sep}{label_of(label, i)}{sep}{i + 1}-03-2026"
        for label, phrases in TOPICS.items()
        for i in range(6)
    ]


def test_labels_written_with_other_capitals_or_spaces_are_one_label(tmp_path):
    path = tmp_path / "ekspor.csv"
    _export(path, "isi,instansi,tanggal", _labelled_rows(lambda label, i: [
        label, label.upper(), f" {label.title()}  "][i % 3]))  # fmt: skip
    rows = read_rows(str(path), "isi", "instansi", None)
    assert {r[1] for r in rows} == set(TOPICS)


def test_a_semicolon_file_whose_column_names_hold_commas_is_read(tmp_path):
    path = tmp_path / "ekspor.csv"
    _export(path, "Isi laporan (judul, isi);Instansi tujuan;Tanggal", _labelled_rows(sep=";"))
    rows = read_rows(str(path), "Isi laporan (judul, isi)", "Instansi tujuan", None)
    assert len(rows) == 18


def test_a_utf16_export_is_read(tmp_path):
    path = tmp_path / "ekspor.txt"
    _export(path, "isi\tinstansi\ttanggal", _labelled_rows(sep="\t"), encoding="utf-16")
    assert len(read_rows(str(path), "isi", "instansi", None)) == 18


def test_an_export_whose_lines_end_in_a_carriage_return_only_is_read(tmp_path):
    crlf, cr = tmp_path / "windows.csv", tmp_path / "mac.csv"
    _export(crlf, "isi,instansi,tanggal", _labelled_rows())
    cr.write_bytes(crlf.read_bytes().replace(b"\r\n", b"\r"))
    rows = read_rows(str(cr), "isi", "instansi", "tanggal")
    assert len(rows) == 18 and rows == read_rows(str(crlf), "isi", "instansi", "tanggal")
    assert run(str(cr), "--text", "isi", "--label", "instansi")["top3"] == 1.0


def test_a_column_named_twice_is_named_in_the_error(tmp_path):
    path = tmp_path / "ekspor.csv"
    _export(path, "isi,instansi,instansi", _labelled_rows())
    with pytest.raises(CommandError, match="named twice.*instansi"):
        read_rows(str(path), "isi", "instansi", None)


TIME_SPLIT = ("--text", "isi", "--label", "instansi", "--split", "time", "--time", "tanggal")


def test_a_time_split_refuses_times_it_cannot_read(tmp_path):
    path = tmp_path / "ekspor.csv"
    rows = [line.replace("-03-2026", " bulan lalu") for line in _labelled_rows()]
    _export(path, "isi,instansi,tanggal", rows)
    with pytest.raises(CommandError, match="18 of 18 times could not be read"):
        run(str(path), *TIME_SPLIT)


def test_a_time_split_whose_older_part_has_one_label_says_so(tmp_path):
    path = tmp_path / "ekspor.csv"
    lines = [
        f"{phrases[i % 4]} di dekat {PLACES[i % 6]} no {i},{label},{day:02d}-0{month}-2026"
        for month, (label, phrases) in enumerate(
            [("dpu", TOPICS["dpu"]), ("dishub", TOPICS["dishub"])], start=1
        )
        for day, i in enumerate(range(30 if label == "dpu" else 5), start=1)
    ]
    _export(path, "isi,instansi,tanggal", lines)
    with pytest.raises(CommandError, match="one label only"):
        run(str(path), *TIME_SPLIT)
