"""The text classifier on its own: label names as evidence, and the models built to scale
with many labels. Tiny written texts or random matrices, no database."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.naive_bayes import ComplementNB

from aduan.triage import classifier
from aduan.triage.classifier import (
    TextClassifier,
    _fit_complement_nb,
    _label_sums,
    _newest_per_class,
    _softmax,
    train_for_serving,
)

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


def test_the_sparse_naive_bayes_ranks_and_weighs_as_scikit_learns_does():
    rng = np.random.default_rng(1)
    matrix = sp.random(300, 500, density=0.05, random_state=1, format="csr")
    labels = rng.integers(0, 7, 300)
    weights = rng.random(300) + 0.5
    reference = ComplementNB(alpha=classifier.NB_ALPHA).fit(matrix, labels, sample_weight=weights)
    sums = _label_sums(matrix, np.arange(300), labels, weights, 7)
    sparse_weights, per_label = _fit_complement_nb(sums)
    texts = sp.random(50, 500, density=0.05, random_state=2, format="csr")
    expected = _softmax(np.asarray(texts @ reference.feature_log_prob_.T), 1.0)
    scores = (texts @ sparse_weights).toarray() + np.asarray(texts.sum(axis=1)) * per_label
    assert np.allclose(_softmax(scores, 1.0), expected, atol=1e-6)
    assert sparse_weights.nnz < 500 * 7  # features a label never has take no room


def test_a_model_file_written_with_dense_weights_still_scores_the_same():
    model = fitted(NAMES)
    expected = model.predict_proba(["Jalan rusak berlubang", "Air mati"])
    old = fitted(NAMES)  # as older versions stored it: dense, the per-label term folded in
    old.svm_weights_ = model.svm_weights_.toarray()
    old.nb_weights_ = model.nb_weights_.toarray() + model.nb_norm_[None, :]
    del old.nb_norm_
    assert old.nb_norm_ is None
    assert np.allclose(old.predict_proba(["Jalan rusak berlubang", "Air mati"]), expected)


def test_with_many_labels_each_svm_reads_its_own_reports_and_a_sample_of_the_others(
    monkeypatch,
):
    seen = []
    real_fit = classifier.LinearSVC.fit

    def recording_fit(self, matrix, targets, sample_weight=None):
        seen.append(((targets > 0).sum(), (targets < 0).sum(), sample_weight[targets < 0]))
        return real_fit(self, matrix, targets, sample_weight=sample_weight)

    monkeypatch.setattr(classifier.LinearSVC, "fit", recording_fit)
    monkeypatch.setattr(classifier, "SVM_NEGATIVES", 20)
    monkeypatch.setattr(classifier, "SVM_NEGATIVES_MIN", 6)
    model = fitted()  # 17 reports, 5 labels: 20 // 5 = 4 → at least 6 of the others each
    assert [own for own, _, _ in seen] == [4, 4, 4, 4, 1]
    assert [others for _, others, _ in seen] == [6, 6, 6, 6, 6]
    # Six reports stand for all 13 (or 16) others: each weighs 13/6 (16/6).
    assert np.allclose(seen[0][2], 13 / 6)
    assert np.allclose(seen[4][2], 16 / 6)
    labels = [model.classes_[i] for i in model.predict_proba([t for _, t in HISTORY]).argmax(1)]
    assert labels == [label for label, _ in HISTORY]


def test_a_retraining_measures_on_at_most_a_bounded_spread_of_held_out_reports(monkeypatch):
    monkeypatch.setattr(classifier, "HELD_OUT_AT_MOST", 3)
    labels, texts = zip(*(HISTORY * 3), strict=True)
    _model, evaluation = train_for_serving(list(texts), list(labels), holdout=17)
    assert (evaluation.n_train, evaluation.n_test) == (34, 3)
    _model, evaluation = train_for_serving(list(texts), list(labels), holdout=2)
    assert evaluation.n_test == 2


def test_figures_by_group_count_a_sibling_unit_right_and_an_unknown_group_wrong():
    model = fitted()
    texts = ["Parkir liar di bahu jalan bikin macet", "Air keruh dan berbau", "Guru sering bolos"]
    matrix = model.features.transform(texts)
    # The first is labelled roads (the model says traffic: the same agency here); the
    # last's label is a unit the model never saw, of an agency it does not know either.
    labels = [ROADS, WATER, 99]
    groups = {ROADS: "dinas-pu", TRAFFIC: "dinas-pu", SCHOOLS: "sekolah", WATER: "pdam", 99: "x"}
    figures = classifier.score(model, matrix, labels, groups)
    assert figures["top1"] == 1 / 3  # only the water report at the unit level
    assert figures["group_top1"] == 2 / 3
    assert figures["group_top3"] == 2 / 3
    assert "group_top1" not in classifier.score(model, matrix, labels)


def _many_texts() -> list[str]:
    """60 texts (enough for n-grams seen once to be left out), some words repeated."""
    _labels, texts = zip(*HISTORY, strict=True)
    return [f"{text} {extra}" for extra in ("", "lagi", "pak", "tolong") for text in texts][:60]


def test_features_built_in_chunks_are_scikit_learns_tf_idf_of_words_and_word_n_grams(
    monkeypatch,
):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize as l2_normalize

    from aduan.triage.text import normalize

    texts = _many_texts()
    monkeypatch.setattr(classifier, "FEATURE_CHUNK", 7)  # 60 rows: 9 chunks, the last short
    features = classifier.Features()
    matrix = features.fit_transform(texts)

    docs = [normalize(t) for t in texts]
    words = TfidfVectorizer(token_pattern=r"\S+", lowercase=False, sublinear_tf=True)
    grams = TfidfVectorizer(
        analyzer=lambda doc: [
            g for w in doc.split() for g in classifier._word_char_ngrams(w, *classifier.CHAR_RANGE)
        ],
        sublinear_tf=True,
        min_df=2,
    )
    reference = sp.hstack([words.fit_transform(docs), grams.fit_transform(docs)]).tocsc()
    order = [words.vocabulary_[w] for w in features.tokens.get_feature_names_out()] + [
        len(words.vocabulary_) + grams.vocabulary_[g] for g in features.gram_vocabulary
    ]
    assert len(features.gram_vocabulary) == len(grams.vocabulary_) < 5000
    expected = l2_normalize(reference[:, order])
    assert np.allclose(matrix.toarray(), expected.toarray(), atol=1e-6)

    monkeypatch.setattr(classifier, "FEATURE_CHUNK", 10_000)
    whole = classifier.Features().fit_transform(texts)
    assert (matrix != whole).nnz == 0


def test_learning_from_some_rows_of_a_matrix_is_learning_from_those_rows_alone():
    texts = _many_texts()
    labels = [label for _ in range(4) for label, _text in HISTORY][:60]
    rows = np.array([0, 3, 5, 8, 13, 17, 21, 22, 30, 34, 40, 44, 51, 52, 59])
    model = TextClassifier()
    matrix = model.features.fit_transform(texts)
    picked = [labels[i] for i in rows]
    in_place = model.fit_matrix(matrix, picked, names=NAMES, rows=rows)
    expected = in_place.predict_proba(["Jalan rusak", "Air keruh"])
    copied = TextClassifier(features=model.features).fit_matrix(matrix[rows], picked, names=NAMES)
    assert np.allclose(copied.predict_proba(["Jalan rusak", "Air keruh"]), expected)


def test_offered_figures_score_what_the_caller_offers_for_each_row():
    model = fitted()
    texts = ["Parkir liar di bahu jalan bikin macet", "Air keruh dan berbau"]
    matrix = model.features.transform(texts)
    groups = {ROADS: "dinas-pu", TRAFFIC: "dinas-pu", SCHOOLS: "sekolah", WATER: "pdam"}
    # The product would weigh places in; this offers the water company last.
    offer = [("dinas-pu", 0.5), ("sekolah", 0.3), ("x", 0.15), ("pdam", 0.05)]
    figures = classifier.score(model, matrix, [TRAFFIC, WATER], groups, [offer, offer])
    assert figures["group_top1"] == 1.0
    assert (figures["offered_top1"], figures["offered_top3"]) == (0.5, 0.5)


def test_a_pasted_document_is_read_as_far_as_its_first_characters(monkeypatch):
    monkeypatch.setattr(classifier, "TEXT_CHARS", 60)
    model = fitted()
    start = "Air ledeng mati tiga hari, warga beli air galon dan berbau "
    tail = "jalan berlubang rusak parah aspal " * 50
    assert len(start) <= 60
    assert np.allclose(model.predict_proba([start + tail]), model.predict_proba([start]))
    assert model.top(start + tail)[0][0] == WATER


def flat_but_often_right(n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Held-out suggestions of a model whose distribution is flat when it is unsure:
    a first suggestion with a share of 0.15 is right 40 % of the time, one with 0.95
    right 90 %; the second and third, with small shares, right now and then."""
    rng = np.random.default_rng(seed)
    sure = rng.random(n) < 0.5
    first = np.where(sure, 0.95, 0.15)
    shares = np.column_stack([first, np.where(sure, 0.02, 0.12), np.where(sure, 0.01, 0.10)])
    right_first = rng.random(n) < np.where(sure, 0.9, 0.4)
    right_second = ~right_first & (rng.random(n) < np.where(sure, 0.05, 0.25))
    hits = np.column_stack([right_first, right_second, np.zeros(n, dtype=bool)])
    return shares, hits


def test_a_confidence_map_says_how_often_a_share_was_right():
    shares, hits = flat_but_often_right()
    mapping = classifier.ConfidenceMap.fit(shares, hits)
    unsure, sure = mapping([0.15, 0.12, 0.10]), mapping([0.95, 0.02, 0.01])
    # A flat first suggestion is right far more often than its share; a sharp one a
    # little less often than its share.
    assert abs(unsure[0] - hits[shares[:, 0] == 0.15, 0].mean()) < 0.08
    assert abs(sure[0] - hits[shares[:, 0] == 0.95, 0].mean()) < 0.05
    # Within one report the order stays, and together they never pass certainty.
    assert unsure[0] > unsure[1] > unsure[2]
    assert sum(unsure) <= 1 + 1e-9
    assert sum(mapping([0.34, 0.33, 0.33])) <= 1 + 1e-9


def test_no_confidence_map_from_too_few_reports_or_outcomes():
    shares, hits = flat_but_often_right(n=classifier.CONFIDENCE_MIN_REPORTS - 1)
    assert classifier.ConfidenceMap.fit(shares, hits) is None
    shares, hits = flat_but_often_right()
    assert classifier.ConfidenceMap.fit(shares, np.zeros_like(hits)) is None
    # Without a map (or in a model file from before maps) the shares are shown as such.
    assert fitted().confidences([0.5, 0.25]) == [0.5, 0.25]


def test_calibrating_on_enough_held_out_reports_fits_a_confidence_map():
    labels, texts = zip(*HISTORY, strict=True)
    model = fitted()
    held_out = list(texts) * 5  # 85 reports, mostly right
    model.calibrate(model.features.transform(held_out), list(labels) * 5)
    assert model.confidence_map_ is not None
    proba = model.predict_proba(["Air ledeng mati dan keruh"])[0]
    shares = sorted(proba, reverse=True)[:3]
    confidences = model.confidences(shares)
    assert confidences != pytest.approx(shares)
    assert confidences == sorted(confidences, reverse=True)


def test_a_serving_model_fits_its_confidences_on_what_is_offered():
    texts = [t for _, t in HISTORY] * 6
    labels = [label for label, _ in HISTORY] * 6
    groups = dict.fromkeys(NAMES, "everyone")

    def offered(row, classes, proba):
        # Whatever the model says, this caller offers the right group first with a
        # share of a third, then a wrong one: a first third must come to mean near
        # certainty, whatever the model's own distribution looked like.
        return [("everyone", 1 / 3), ("nobody", 0.3)]

    model, evaluation = train_for_serving(texts, labels, holdout=60, groups=groups, offered=offered)
    assert evaluation.offered_top1 == 1.0
    assert model.offered_map_ is not None
    first, second = model.confidences([1 / 3, 0.3], offered=True)
    assert first > 0.9 > 0.1 > second
    # The model's own labels keep the map of the model's own distribution.
    assert model.confidences([1 / 3, 0.3]) == model.confidence_map_([1 / 3, 0.3])


def test_the_calibration_error_weighs_each_bins_gap_by_its_suggestions():
    # 0.95 shown four times, right three times; 0.05 shown four times, never right.
    confidences = [0.95] * 4 + [0.05] * 4
    right = [1, 1, 1, 0] + [0] * 4
    assert classifier.calibration_error(confidences, right) == pytest.approx(
        (abs(3.8 - 3) + abs(0.2 - 0)) / 8
    )


def test_a_cross_fitted_map_measures_far_closer_than_the_shares_themselves():
    shares, hits = flat_but_often_right()
    measured = classifier.cross_fitted_error(shares, hits)
    as_shares = classifier.calibration_error(shares.ravel(), hits.ravel())
    assert measured < as_shares / 5
    few, few_hits = flat_but_often_right(n=2 * classifier.CONFIDENCE_MIN_REPORTS - 2)
    assert classifier.cross_fitted_error(few, few_hits) is None  # a half fits no map


def test_a_serving_model_records_how_far_its_confidences_were_from_the_truth():
    texts = [t for _, t in HISTORY] * 8
    labels = [label for label, _ in HISTORY] * 8
    _model, evaluation = train_for_serving(texts, labels, holdout=120)
    assert 0 <= evaluation.calibration_error < 0.5
    assert evaluation.as_dict()["calibration_error"] == round(evaluation.calibration_error, 4)
    _model, small = train_for_serving(texts, labels, holdout=20)
    assert small.calibration_error is None and "calibration_error" not in small.as_dict()


def test_label_sums_read_a_few_labels_at_a_time_add_up_as_one_product(monkeypatch):
    monkeypatch.setattr(classifier, "FEATURE_CHUNK", 7)
    rng = np.random.default_rng(3)
    matrix = sp.random(60, 40, density=0.2, random_state=3, format="csr", dtype=np.float32)
    rows = np.sort(rng.choice(60, 50, replace=False))  # some rows of the history only
    # Label 0 has more rows than a chunk, label 2 none, the others a few each.
    labels = np.concatenate([np.zeros(20, dtype=int), rng.choice([1, 3, 4, 5], 30)])
    rng.shuffle(labels)
    weights = rng.random(50) + 0.5
    sums = _label_sums(matrix, rows, labels, weights, 6)
    onehot = np.zeros((6, 60))
    onehot[labels, rows] = weights
    assert sums.shape == (6, 40)
    assert np.allclose(sums.toarray(), onehot @ matrix.toarray())
    assert sums[2].nnz == 0


def test_a_serving_model_fits_its_own_confidences_on_the_choice_among_units():
    texts = [t for _, t in HISTORY] * 6
    labels = [label for label, _ in HISTORY] * 6

    def among_units(row, classes, proba):
        # The right unit first with a share of a third, a wrong one second; reports of
        # the regency (which has no units) offer no choice.
        if labels[row] == REGENCY:
            return []
        return [(labels[row], 1 / 3), (-1, 0.3)]

    model, _evaluation = train_for_serving(texts, labels, holdout=60, among_units=among_units)
    first, second = model.confidences([1 / 3, 0.3])
    assert first > 0.9 > 0.1 > second


def test_the_same_history_makes_the_same_model_to_the_last_bit(monkeypatch):
    monkeypatch.setattr(classifier, "SVM_NEGATIVES", 20)  # samples drawn, as at scale
    monkeypatch.setattr(classifier, "SVM_NEGATIVES_MIN", 6)
    first, second = fitted(NAMES), fitted(NAMES)
    assert (first.svm_weights_ != second.svm_weights_).nnz == 0
    assert np.array_equal(first.svm_intercept_, second.svm_intercept_)
    assert (first.nb_weights_ != second.nb_weights_).nnz == 0
