"""The text classifier on its own: label names as evidence. Tiny written texts, no database."""

from __future__ import annotations

import numpy as np

from aduan.triage.classifier import TextClassifier, _newest_per_class, train_for_serving

ROADS, TRAFFIC, SCHOOLS, WATER = 1, 2, 3, 4
REGENCY = 5  # a regency the province hands reports over to; it has one report so far
NAMES = {
    ROADS: "Dinas Pekerjaan Umum Bina Marga",
    TRAFFIC: "Dinas Perhubungan",
    SCHOOLS: "Dinas Pendidikan",
    WATER: "Perusahaan Daerah Air Minum",
    REGENCY: "Kabupaten Wonoharjo",
}
HISTORY = [
    (ROADS, "Jalan berlubang di depan pasar, motor sering jatuh"),
    (ROADS, "Aspal jalan desa rusak parah sejak banjir"),
    (ROADS, "Jembatan retak, jalan tidak bisa dilewati truk"),
    (ROADS, "Mohon perbaikan jalan rusak dan berlubang di kampung"),
    (TRAFFIC, "Lampu lalu lintas di perempatan mati, kendaraan semrawut"),
    (TRAFFIC, "Parkir liar di bahu jalan bikin macet"),
    (TRAFFIC, "Angkot ngetem sembarangan di depan terminal"),
    (TRAFFIC, "Rambu dilarang parkir hilang, banyak parkir liar"),
    (SCHOOLS, "Guru sering tidak masuk, murid dibiarkan belajar sendiri"),
    (SCHOOLS, "Pungutan sekolah untuk seragam terlalu mahal"),
    (SCHOOLS, "Beasiswa siswa miskin belum cair"),
    (SCHOOLS, "Atap ruang kelas bocor setiap hujan"),
    (WATER, "Air ledeng mati tiga hari, warga beli air galon"),
    (WATER, "Tagihan air naik padahal air keruh"),
    (WATER, "Pipa air bocor di pinggir jalan, air terbuang"),
    (WATER, "Air keruh dan berbau sejak minggu lalu"),
    (REGENCY, "Sampah menumpuk di alun-alun, baunya sampai ke rumah warga"),
]
ABOUT_THE_REGENCY = "Keluhan warga Wonoharjo"


def fitted(names=None) -> TextClassifier:
    labels, texts = zip(*HISTORY, strict=True)
    return TextClassifier().fit(list(texts), list(labels), names=names)


def probability(model: TextClassifier, text: str, label: int) -> float:
    proba = model.predict_proba([text])[0]
    return float(proba[list(model.classes_).index(label)])


def test_a_label_whose_name_the_report_mentions_is_lifted():
    without, with_names = fitted(), fitted(NAMES)
    assert without.top(ABOUT_THE_REGENCY, 1)[0][0] != REGENCY  # its one report is unlike it
    assert probability(with_names, ABOUT_THE_REGENCY, REGENCY) > probability(
        without, ABOUT_THE_REGENCY, REGENCY
    )
    assert with_names.top(ABOUT_THE_REGENCY, 1)[0][0] == REGENCY


def test_names_do_not_change_what_the_history_makes_plain():
    model = fitted(NAMES)
    assert model.top("Jalan rusak dan berlubang dekat pasar", 1)[0][0] == ROADS
    assert model.top("Air ledeng keruh dan berbau", 1)[0][0] == WATER


def test_names_of_labels_without_reports_and_blank_names_are_ignored():
    names = NAMES | {99: "Dinas Kebudayaan", WATER: "  "}
    model = fitted(names)
    assert list(model.classes_) == [ROADS, TRAFFIC, SCHOOLS, WATER, REGENCY]
    assert np.allclose(model.predict_proba(["Tagihan air naik"]).sum(), 1.0)


def test_serving_training_learns_from_the_names_too():
    labels, texts = zip(*HISTORY, strict=True)
    model, evaluation = train_for_serving(list(texts), list(labels), holdout=0, names=NAMES)
    plain, _ = train_for_serving(list(texts), list(labels), holdout=0)
    assert evaluation.n_train == len(HISTORY)
    assert probability(model, ABOUT_THE_REGENCY, REGENCY) > probability(
        plain, ABOUT_THE_REGENCY, REGENCY
    )


def test_the_svm_reads_every_report_of_a_history_within_its_budget():
    labels = np.array(["big"] * 10 + ["small"] * 3 + ["mid"] * 7)
    assert _newest_per_class(labels, 100).tolist() == list(range(20))


def test_over_budget_each_label_keeps_its_newest_reports_and_small_labels_all():
    labels = np.array(["big"] * 10 + ["small"] * 3 + ["mid"] * 7)
    kept = _newest_per_class(labels, 15)
    # 3 + 6 + 6: the small label whole, the others their newest six (rows come oldest first)
    assert kept.tolist() == [4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 16, 17, 18, 19]
    assert len(_newest_per_class(labels, 6)) == 6
