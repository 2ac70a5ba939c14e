"""The text classifier behind organization and category suggestions.

One pipeline serves the product and `manage.py evaluate_triage`, so the figures the
command prints are the figures the product gets:

- text: `aduan.triage.text.normalize` (abbreviations, courtesies, numbers);
- features: word TF-IDF and character 2–5-gram TF-IDF (within words, to bridge spelling
  variants), both with sublinear term frequency, side by side and L2-normalized;
- scores: a class-weighted linear SVM (the long tail of small organizations still gets
  found) blended with a complement naive Bayes (strong on short texts and rare classes).
  Both are built to grow with the reports and the labels side by side, not multiplied,
  so an installation with hundreds of organizations trains in the same minute: each
  label's SVM sets the label's reports against a bounded sample of the others (drawn
  at random, weighted up to stand for all), and the naive Bayes keeps only what differs
  between labels, sparse.
  The SVM reads the word features of at most `SVM_BUDGET` reports, the newest of each
  label, as many of each as the budget allows (every report of a history smaller than
  the budget); the naive Bayes, almost free to fit, reads everything. The budget keeps
  retraining on a large history within a minute; capping a label's reports below what
  the history has costs accuracy (measured on real complaint data: 1.8 points of top-1
  when labels of about 110 reports were cut to 30);
- label names: when the caller knows the name of each label (an organization's or a
  category's name), each name is one more training text of its label, for both models.
  A name says what a label is about before its history does: it lifts rare and newly
  created labels (whose reports name the regency, the company, the topic) into the top
  three, at no measurable cost to the top suggestion;
- confidence: the blend passed through a softmax whose temperature is fitted on held-out
  reports by log loss gives the distribution suggestions are ranked and added up by; what
  an officer is shown for each suggestion is the chance that it is right, read off that
  distribution by a `ConfidenceMap` fitted on the same held-out reports (one
  temperature cannot make both a flat and a sharp distribution honest; see
  docs/triage.md);
- negatives: reports an organization passed back as "not our remit" are kept as
  examples; a new report close to them has that organization's score lowered.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer
from sklearn.preprocessing import normalize as l2_normalize
from sklearn.svm import LinearSVC

from aduan.triage.text import normalize

CHAR_RANGE = (2, 5)
SVM_C = 1.0
SVM_TOL = 1e-2
SVM_TEMPERATURE = 0.5  # turns SVM margins into a distribution before blending
NB_ALPHA = 0.1
SVM_BUDGET = 30_000  # reports the SVM reads at most (the newest of each label)
SVM_NEGATIVES = 2_000_000  # other labels' reports all the labels' SVMs are set against…
SVM_NEGATIVES_MIN = 1_000  # …but each label's against at least this many (or all)
BLEND = 0.5  # share of the SVM in the blend
LARGE_HISTORY = 5000  # reports from which words seen once are left out
FEATURE_CHUNK = 10_000  # reports whose features are built at once
NB_SLICE = 1_000_000  # values of the naive Bayes sums turned into weights at once
SCORE_CHUNK = 1_000  # reports scored at once (their labels-wide arrays stay small)
# Characters of a text read: a complaint says early what it is about, and a pasted
# document (an email's quoted thread) would only slow a suggestion down (60,000
# characters took 40 ms to score, 10,000 take 13 ms).
TEXT_CHARS = 10_000
NAME_WEIGHT = 1.0  # a label's name counts as one report of that label
# No suggestion is certain: a few hundred held-out reports cannot show a chance above
# this, and a model without a map shows its share, which reaches 1 for a lone label.
MAX_CONFIDENCE = 0.99
NEGATIVE_PENALTY = 0.6  # how far a near-identical "not our remit" lowers a score
HELD_OUT_AT_MOST = 5_000  # held-out reports a retraining measures and calibrates on
TEMPERATURES = (0.25, 0.35, 0.5, 0.7, 1.0, 1.4, 2.0, 3.0)
CONFIDENCE_MIN_REPORTS = 50  # held-out reports needed to fit a confidence map
CONFIDENCE_MIN_OUTCOMES = 5  # …with at least this many right and wrong suggestions
SHOWN = 3  # suggestions an officer is shown, and a confidence map is fitted on


def _word_char_ngrams(word: str, low: int, high: int) -> list[str]:
    padded = f" {word} "
    return [padded[i : i + n] for n in range(low, high + 1) for i in range(len(padded) - n + 1)]


class Features:
    """Texts → word TF-IDF beside character n-gram TF-IDF, L2-normalized.

    Texts are tokenized once; the character n-gram counts of a document are its word
    counts times a word → n-gram matrix, the same counts as scikit-learn's `char_wb`
    analyzer at a fraction of the cost, as a vocabulary is far smaller than its text.
    """

    def fit_transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        docs = [normalize((t or "")[:TEXT_CHARS]) for t in texts]
        min_df = 2 if len(docs) >= 50 else 1
        # In a large history a word seen in one report is mostly a typo: it would only
        # grow the model (its character n-grams still count when a new report has it).
        word_min_df = 2 if len(docs) >= LARGE_HISTORY else 1
        self.tokens = CountVectorizer(
            token_pattern=r"\S+", lowercase=False, dtype=np.float32, min_df=word_min_df
        )
        try:
            counts = self.tokens.fit_transform(docs)
        except ValueError:  # every text was empty after normalizing
            self.tokens, self.n_words, self.gram_vocabulary = None, 0, {}
            return sp.csr_matrix((len(docs), 0))
        words = self.tokens.get_feature_names_out()
        self.n_words = len(words)
        grams, vocabulary = self._grams(words, None)
        # The n-grams of a large history take several times the room of its words, and
        # building them whole took three times the room of the result: they are built
        # FEATURE_CHUNK reports at a time, once for their document frequencies, then
        # again with the kept ones only, straight into the result's arrays.
        df = np.zeros(grams.shape[1], dtype=np.int64)
        row_nnz = np.zeros(counts.shape[0], dtype=np.int64)
        for start in range(0, counts.shape[0], FEATURE_CHUNK):
            chunk = counts[start : start + FEATURE_CHUNK] @ grams
            df += np.bincount(chunk.indices, minlength=grams.shape[1])
            row_nnz[start : start + FEATURE_CHUNK] = np.diff(chunk.indptr)
        del chunk
        keep_grams = np.flatnonzero(df >= min_df)
        names = np.array(list(vocabulary), dtype=object)[keep_grams]
        self.gram_vocabulary = {gram: i for i, gram in enumerate(names)}
        self.word_tfidf = TfidfTransformer(sublinear_tf=True).fit(counts)
        self.char_tfidf = _tfidf_from_frequencies(df[keep_grams], counts.shape[0])
        grams = grams[:, keep_grams]
        chunks = (
            self._features_of(counts[start : start + FEATURE_CHUNK], grams)
            for start in range(0, counts.shape[0], FEATURE_CHUNK)
        )
        # At most each row's words and all its n-grams.
        upper = int(row_nnz.sum()) + counts.nnz
        return _stack_rows(chunks, counts.shape[0], self.width, upper)

    def _features_of(self, counts: sp.csr_matrix, grams: sp.csr_matrix) -> sp.csr_matrix:
        """Word counts → the features (rows are independent: any chunking gives the
        same rows)."""
        return l2_normalize(
            sp.hstack(
                [
                    self.word_tfidf.transform(counts),
                    self.char_tfidf.transform(counts @ grams, copy=False),
                ],
                format="csr",
            ),
            copy=False,
        )

    @property
    def width(self) -> int:
        """How many features a text has."""
        return self.n_words + len(self.gram_vocabulary)

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        if self.tokens is None:
            return sp.csr_matrix((len(texts), 0))
        docs = [normalize((t or "")[:TEXT_CHARS]) for t in texts]
        batch = CountVectorizer(token_pattern=r"\S+", lowercase=False, dtype=np.float32)
        try:
            counts = batch.fit_transform(docs)
        except ValueError:
            counts, words = sp.csr_matrix((len(docs), 0)), np.array([], dtype=object)
        else:
            words = batch.get_feature_names_out()
        known = self.tokens.vocabulary_
        columns = [(i, known[w]) for i, w in enumerate(words) if w in known]
        to_known = sp.csr_matrix(
            ([1.0] * len(columns), ([c[0] for c in columns], [c[1] for c in columns])),
            shape=(len(words), len(known)),
        )
        grams, _ = self._grams(words, self.gram_vocabulary)
        return l2_normalize(
            sp.hstack(
                [
                    self.word_tfidf.transform(counts @ to_known),
                    self.char_tfidf.transform(counts @ grams),
                ]
            ).tocsr()
        )

    @staticmethod
    def _grams(words, vocabulary: dict[str, int] | None):
        """The word → n-gram count matrix; grows `vocabulary` when it is None."""
        grow = vocabulary is None
        vocabulary = {} if grow else vocabulary
        rows, cols = [], []
        for row, word in enumerate(words):
            for gram in _word_char_ngrams(word, *CHAR_RANGE):
                col = vocabulary.get(gram)
                if col is None:
                    if not grow:
                        continue
                    col = vocabulary[gram] = len(vocabulary)
                rows.append(row)
                cols.append(col)
        matrix = sp.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)),
            shape=(len(words), len(vocabulary)),
        )
        return matrix, vocabulary


def _tfidf_from_frequencies(df: np.ndarray, n_documents: int) -> TfidfTransformer:
    """A sublinear `TfidfTransformer` as if fitted on `n_documents` whose document
    frequencies are `df` (scikit-learn's smoothed idf, in single precision as `fit`
    computes it for single-precision counts), without the count matrix itself.
    (Counting column indexes of a product's result counts rows: it has no explicit
    zeros nor duplicate entries.)"""
    transformer = TfidfTransformer(sublinear_tf=True)
    transformer.fit(sp.csr_matrix((1, len(df)), dtype=np.float32))
    smoothed = df.astype(np.float32) + np.float32(1)
    idf = np.full_like(smoothed, fill_value=n_documents + 1, dtype=np.float32)
    idf /= smoothed
    np.log(idf, out=idf)
    idf += np.float32(1)
    transformer.idf_ = idf
    return transformer


def _stack_rows(chunks: Iterable[sp.csr_matrix], n_rows: int, width: int, upper: int):
    """`chunks` (CSR matrices of consecutive rows, made one at a time as the iterable
    is read) → one CSR matrix of `n_rows` × `width` with at most `upper` values,
    written straight into its arrays: never two copies of the features at once. The
    arrays' unused tail is never written, so it is never given memory."""
    index = np.int32 if max(upper, width) < np.iinfo(np.int32).max else np.int64
    data = np.empty(upper, dtype=np.float32)
    indices = np.empty(upper, dtype=index)
    indptr = np.zeros(n_rows + 1, dtype=index)
    row = filled = 0
    for chunk in chunks:
        end = filled + chunk.nnz
        data[filled:end] = chunk.data
        indices[filled:end] = chunk.indices
        indptr[row + 1 : row + 1 + chunk.shape[0]] = filled + chunk.indptr[1:]
        row += chunk.shape[0]
        filled = end
    return sp.csr_matrix((data[:filled], indices[:filled], indptr), shape=(n_rows, width))


def _newest_per_class(labels: np.ndarray, budget: int) -> np.ndarray:
    """Row indexes of at most `budget` rows: the last ones of each label (callers pass
    oldest first), as many of each label as the budget allows. Labels with fewer rows
    than the cap keep all of theirs; the cap is the largest one whose total fits."""
    rows = [np.flatnonzero(labels == label) for label in np.unique(labels)]
    counts = np.sort([len(r) for r in rows])
    cap = counts[-1]
    for i, count in enumerate(counts):  # labels smaller than `count` are kept whole
        if counts[:i].sum() + count * (len(counts) - i) > budget:
            cap = max(1, (budget - counts[:i].sum()) // (len(counts) - i))
            break
    return np.sort(np.concatenate([r[-cap:] for r in rows]))


def _fit_svm(
    matrix: sp.csr_matrix, y: np.ndarray, weights: np.ndarray, n_labels: int
) -> tuple[sp.csr_matrix, np.ndarray]:
    """One linear SVM per label (`y` holds label indexes), one against the rest as
    liblinear does it with balanced class weights — a label's own reports weighted by
    how rare the label is, the others by their own weight. With many labels, each
    label's SVM is set against a share of the other labels' reports (`SVM_NEGATIVES`
    in all, at least `SVM_NEGATIVES_MIN` each), drawn at random with a fixed seed and
    weighted up to count for all of them: the cost then grows with reports + labels
    rather than reports × labels. Measured on real complaint data, 300 to 1,000 such
    reports a label were as accurate as all of them (within ±0.4 point of top-1);
    a history of up to `SVM_NEGATIVES` / labels reports is learned whole.

    Returns the weights (features × labels, sparse, float32) and the intercepts."""
    counts = np.bincount(y, minlength=n_labels)
    balanced = len(y) / (n_labels * np.maximum(counts, 1))
    columns = [np.zeros(0, dtype=np.int32)] * n_labels
    values = [np.zeros(0, dtype=np.float32)] * n_labels
    intercept = np.zeros(n_labels, dtype=np.float32)

    def fit(plan) -> tuple[int, np.ndarray, np.ndarray, float]:
        label, own, others, scale = plan
        if not len(own) or not len(others):
            return label, columns[label], values[label], 0.0
        rows = np.concatenate([own, others])
        svm = LinearSVC(C=SVM_C, tol=SVM_TOL, random_state=0).fit(
            matrix[rows],
            np.concatenate([np.ones(len(own)), -np.ones(len(others))]),
            sample_weight=np.concatenate([weights[own] * balanced[label], weights[others] * scale]),
        )
        # Features none of these reports has get no weight: most of them, with many labels.
        kept = np.flatnonzero(svm.coef_[0]).astype(np.int32)
        return label, kept, svm.coef_[0][kept].astype(np.float32), svm.intercept_[0]

    # One label at a time: liblinear draws from one random generator for the whole
    # process, so fits side by side on threads would not give the same model twice.
    for label, kept, weights_kept, bias in map(fit, _svm_plans(y, n_labels)):
        columns[label], values[label], intercept[label] = kept, weights_kept, bias
    indptr = np.concatenate([[0], np.cumsum([len(c) for c in columns])])
    coef = sp.csc_matrix(
        (np.concatenate(values), np.concatenate(columns), indptr),
        shape=(matrix.shape[1], n_labels),
    )
    return coef.tocsr(), intercept


def _svm_plans(y: np.ndarray, n_labels: int) -> list[tuple[int, np.ndarray, np.ndarray, float]]:
    """For each label of `_fit_svm`: the label, its reports, the other labels' reports
    its SVM is set against (a sample, drawn with a fixed seed, when there are more than
    its share) and the weight each of those stands for."""
    rng = np.random.default_rng(0)
    negatives = max(SVM_NEGATIVES_MIN, SVM_NEGATIVES // n_labels)
    plans = []
    for label in range(n_labels):
        own = np.flatnonzero(y == label)
        others = np.flatnonzero(y != label)
        scale = 1.0
        if len(others) > negatives:
            scale = len(others) / negatives
            others = np.sort(rng.choice(others, negatives, replace=False))
        plans.append((label, own, others, scale))
    return plans


def _label_sums(
    matrix: sp.csr_matrix, rows: np.ndarray, y: np.ndarray, weights: np.ndarray, n_labels: int
) -> sp.csr_matrix:
    """labels × features: the weighted sum of the features of each label's rows (`rows`
    of `matrix`, `y` their label indexes). A few labels at a time, at most
    `FEATURE_CHUNK` rows read at once: each label's sums are made in one place (adding
    up products of the whole history chunk by chunk held the sums three times over),
    and a product with the whole matrix would first copy it in double precision."""
    rows, y, weights = np.asarray(rows), np.asarray(y), np.asarray(weights)
    order = np.lexsort((rows, y))
    rows, y, weights = rows[order], y[order], weights[order]
    bounds = np.searchsorted(y, np.arange(n_labels + 1))  # label l: bounds[l]:bounds[l + 1]
    blocks, first = [], 0
    while first < n_labels:
        last = first + 1  # labels first…last-1, as many as fit in a chunk (at least one)
        while last < n_labels and bounds[last + 1] - bounds[first] <= FEATURE_CHUNK:
            last += 1
        part = slice(bounds[first], bounds[last])
        blocks.append(_sums_of(matrix, rows[part], y[part] - first, weights[part], last - first))
        first = last
    return sp.vstack(blocks, format="csr") if blocks else sp.csr_matrix((0, matrix.shape[1]))


def _sums_of(matrix: sp.csr_matrix, rows, y, weights, n_labels: int) -> sp.csr_matrix:
    """`_label_sums` of a few labels, `FEATURE_CHUNK` rows at a time (one label may
    have more)."""
    sums = sp.csr_matrix((n_labels, matrix.shape[1]), dtype=np.float64)
    for start in range(0, len(rows), FEATURE_CHUNK):
        part = slice(start, start + FEATURE_CHUNK)
        onehot = sp.csr_matrix(
            (weights[part], (y[part], np.arange(len(rows[part])))),
            shape=(n_labels, len(rows[part])),
        )
        sums = sums + onehot @ matrix[rows[part]]
    return sums


def _fit_complement_nb(counts: sp.csr_matrix) -> tuple[sp.csr_matrix, np.ndarray]:
    """Complement naive Bayes (Rennie et al. 2003, as scikit-learn's `ComplementNB`
    without weight normalization) from `counts`, the labels × features sums of
    `_label_sums`, kept sparse: a label's weight for a feature is
    −log(count of the feature outside the label + α) + log(that total over all
    features). The part −log(count in all labels + α) is the same for every label and
    cancels in the softmax that reads the scores, so what is stored is only the rest:
    −log(1 − count in the label / (count in all labels + α)), non-zero only where the
    label has the feature, and the per-label log total, read times the text's sum of
    features. Scores equal scikit-learn's up to a per-text constant; the weights take
    the room of the features the labels use, not features × labels.

    `counts` is used up: its values are turned into the weights in place (with
    thousands of labels it is the largest thing a retraining holds besides the
    features). Returns the features × labels weights (CSR, float32) and the per-label
    term."""
    in_all = np.asarray(counts.sum(axis=0)).ravel()
    per_label = np.asarray(counts.sum(axis=1)).ravel()
    complement_total = in_all.sum() + NB_ALPHA * counts.shape[1] - per_label
    data = counts.data  # in place, a slice at a time: no temporary as large as the sums
    for start in range(0, len(data), NB_SLICE):
        part = slice(start, start + NB_SLICE)
        data[part] /= in_all[counts.indices[part]] + NB_ALPHA
    np.negative(data, out=data)
    np.log1p(data, out=data)
    np.negative(data, out=data)
    counts.data = data.astype(np.float32)
    del data
    weights_ = counts.T.tocsr()
    weights_.eliminate_zeros()
    return weights_, np.log(complement_total)


def _chunks(n: int) -> Iterable[slice]:
    return (slice(start, min(start + SCORE_CHUNK, n)) for start in range(0, n, SCORE_CHUNK))


def _softmax_in_place(scores: np.ndarray, temperature: float) -> np.ndarray:
    """`_softmax` of `scores` written over them, `SCORE_CHUNK` rows at a time."""
    for part in _chunks(len(scores)):
        scores[part] = _softmax(scores[part], temperature)
    return scores


def _softmax(scores: np.ndarray, temperature: float) -> np.ndarray:
    z = scores / temperature
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _logit(shares) -> np.ndarray:
    shares = np.clip(np.asarray(shares, dtype=float), 1e-6, 1 - 1e-6)
    return np.log(shares / (1 - shares))


@dataclass(frozen=True)
class ConfidenceMap:
    """The chance that a suggestion is right, from its share of the distribution it was
    ranked by and whether it is the first one shown:
    sigmoid(slope × logit(share) + first + intercept) — Platt scaling with the rank.

    A softmax over dozens of labels is flat when a report is unclear: its first
    suggestion may have 0.14 of the distribution and still be right one time in three,
    while a sharp one at 0.97 is right nine times in ten. Fitted on held-out reports'
    first `SHOWN` suggestions (measured on real complaints: the first suggestion's
    calibration error 0.13 → 0.03; docs/triage.md)."""

    slope: float
    first: float
    intercept: float

    def __call__(self, shares: Sequence[float]) -> list[float]:
        """Confidences for `shares`, the shown suggestions' shares best first."""
        if not len(shares):
            return []
        z = self.slope * _logit(shares) + self.intercept
        z[0] += self.first
        confidences = 1 / (1 + np.exp(-z))
        # At most one of them is right: confidences of a near tie must not add up to
        # more than certainty.
        total = confidences.sum()
        return [float(c) for c in (confidences / total if total > 1 else confidences)]

    @classmethod
    def fit(cls, shares: np.ndarray, hits: np.ndarray) -> ConfidenceMap | None:
        """From held-out reports: `shares[i, r]`, the share of report i's r-th
        suggestion (NaN where it had fewer), `hits[i, r]` whether that one was right.
        None when there are too few reports or outcomes to fit one reliably."""
        from sklearn.linear_model import LogisticRegression

        shares, hits = np.asarray(shares, dtype=float), np.asarray(hits, dtype=bool)
        shown = ~np.isnan(shares)
        right = int(hits[shown].sum())
        if len(shares) < CONFIDENCE_MIN_REPORTS or min(right, shown.sum() - right) < (
            CONFIDENCE_MIN_OUTCOMES
        ):
            return None
        first = np.zeros_like(shares)
        first[:, 0] = 1
        x = np.column_stack([_logit(shares[shown]), first[shown]])
        fitted = LogisticRegression(C=100.0).fit(x, hits[shown])
        slope, bonus = fitted.coef_[0]
        if bonus < 0:  # the first is never less likely right than its share says
            fitted = LogisticRegression(C=100.0).fit(x[:, :1], hits[shown])
            slope, bonus = fitted.coef_[0][0], 0.0
        if slope <= 0:  # a larger share must mean a likelier suggestion
            return None
        return cls(float(slope), float(bonus), float(fitted.intercept_[0]))


def _best(scores: np.ndarray, k: int) -> np.ndarray:
    """The columns of each row's `k` highest scores, highest first (without sorting a
    whole row: with thousands of labels that is most of the time of scoring)."""
    if scores.shape[1] > k:
        columns = np.empty((len(scores), k), dtype=np.intp)
        for part in _chunks(len(scores)):
            columns[part] = np.argpartition(-scores[part], k - 1, axis=1)[:, :k]
    else:
        columns = np.tile(np.arange(scores.shape[1]), (len(scores), 1))
    ranks = np.argsort(-np.take_along_axis(scores, columns, axis=1), axis=1, kind="stable")
    return np.take_along_axis(columns, ranks, axis=1)


def _shown(proba: np.ndarray, classes: np.ndarray, labels) -> tuple[np.ndarray, np.ndarray]:
    """The first `SHOWN` suggestions' shares of each row of `proba`, and whether each
    is the row's label."""
    order = _best(proba, SHOWN)
    shares = np.take_along_axis(proba, order, axis=1)
    return shares, classes[order] == np.asarray(labels)[:, None]


@dataclass
class TextClassifier:
    """Texts → a calibrated distribution over labels (organization ids, category ids…)."""

    features: Features = field(default_factory=Features)
    temperature: float = 1.0
    classes_: np.ndarray | None = None
    negatives: sp.csr_matrix | None = None
    negative_labels: np.ndarray | None = None
    nb_norm_ = None  # set by fit; None in model files older than the sparse naive Bayes
    confidence_map_: ConfidenceMap | None = None  # set by calibrate when it can be fitted
    # For what a caller offers after the model (a national admin's agencies), when
    # `train_for_serving` measured it.
    offered_map_: ConfidenceMap | None = None

    def fit(
        self, texts: Sequence[str], labels: Sequence, weights=None, names: Mapping | None = None
    ) -> TextClassifier:
        """Fit the features and the models on at least two distinct labels; `names`
        (label → name text, optional, any subset of the labels) adds each name as a
        training text of its label."""
        return self.fit_matrix(self.features.fit_transform(texts), labels, weights, names)

    def fit_matrix(
        self,
        matrix: sp.csr_matrix,
        labels: Sequence,
        weights=None,
        names: Mapping | None = None,
        rows=None,
    ):
        """Fit the models on texts already turned into features by `self.features`.
        `rows`: the rows of `matrix` that `labels` are for, in order (default: all of
        them), so that part of a large history is learned from without a copy of it."""
        y = np.asarray(labels)
        rows = np.arange(matrix.shape[0]) if rows is None else np.asarray(rows)
        weights = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=float)
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError("A classifier needs at least two labels")
        n_labels = len(self.classes_)
        # A refit (a retraining's second one) lets go of the weights it replaces first.
        self.svm_weights_ = self.nb_weights_ = None
        sample = _newest_per_class(y, SVM_BUDGET)
        name_matrix, name_labels = self._name_rows(names)
        name_weights = np.full(len(name_labels), NAME_WEIGHT)
        name_y = np.searchsorted(self.classes_, name_labels)
        width = self.features.n_words
        self.svm_weights_, self.svm_intercept_ = _fit_svm(
            sp.vstack([matrix[rows[sample]][:, :width], name_matrix[:, :width]]).tocsr(),
            np.concatenate([np.searchsorted(self.classes_, y[sample]), name_y]),
            np.concatenate([weights[sample], name_weights]),
            n_labels,
        )
        y = np.searchsorted(self.classes_, y)
        self.nb_weights_, self.nb_norm_ = _fit_complement_nb(
            _label_sums(matrix, rows, y, weights, n_labels)
            + _label_sums(name_matrix, np.arange(len(name_y)), name_y, name_weights, n_labels)
        )
        return self

    def _name_rows(self, names: Mapping | None) -> tuple[sp.csr_matrix, np.ndarray]:
        """The features of the names of known labels (names of other labels are ignored:
        they would add a label no report has)."""
        known = [label for label in self.classes_ if names and str(names.get(label) or "").strip()]
        if not known:
            return sp.csr_matrix((0, self.features.width)), self.classes_[:0]
        matrix = self.features.transform([str(names[label]) for label in known])
        return matrix, np.asarray(known, dtype=self.classes_.dtype)

    def _blend(self, matrix: sp.csr_matrix) -> np.ndarray:
        matrix = matrix.astype(np.float32)
        words = matrix[:, : self.svm_weights_.shape[0]]
        margins = words @ self.svm_weights_  # sparse; dense in older model files
        margins = margins.toarray() if sp.issparse(margins) else np.asarray(margins)
        margins = margins.astype(np.float64) + self.svm_intercept_
        if self.nb_norm_ is None:  # a model file written before the sparse naive Bayes
            log_likelihood = np.asarray(matrix @ self.nb_weights_, dtype=np.float64)
        else:
            log_likelihood = (matrix @ self.nb_weights_).toarray().astype(np.float64)
            log_likelihood += np.asarray(matrix.sum(axis=1)) * self.nb_norm_
        svm = _softmax(margins, SVM_TEMPERATURE)
        return BLEND * svm + (1 - BLEND) * _softmax(log_likelihood, 1.0)

    def _log_blend(self, matrix: sp.csr_matrix) -> np.ndarray:
        """The log of the blend for each row, `SCORE_CHUNK` rows at a time: a whole
        held-out set's labels-wide temporaries would outgrow the features with
        thousands of labels."""
        out = np.empty((matrix.shape[0], len(self.classes_)))
        for part in _chunks(matrix.shape[0]):
            out[part] = np.log(np.clip(self._blend(matrix[part]), 1e-9, 1))
        return out

    def calibrate(self, matrix: sp.csr_matrix, labels: Sequence) -> None:
        """On held-out reports: fit the temperature by log loss (known labels only),
        then the confidence map of the suggestions it ranks (every report: one whose
        label the model never saw makes its suggestions wrong)."""
        y = np.asarray(labels)
        known = np.flatnonzero(np.isin(y, self.classes_))
        if len(known) < 5:
            return
        log_blend = self._log_blend(matrix)
        index = np.searchsorted(self.classes_, y[known])

        def loss(t: float) -> float:
            total = 0.0
            for part in _chunks(len(known)):
                p = _softmax(log_blend[known[part]], t)
                total -= np.log(np.clip(p[np.arange(len(p)), index[part]], 1e-9, 1)).sum()
            return total / len(known)

        self.temperature = min(TEMPERATURES, key=loss)
        self.confidence_map_ = ConfidenceMap.fit(
            *_shown(_softmax_in_place(log_blend, self.temperature), self.classes_, y)
        )

    def confidences(self, shares: Sequence[float], *, offered: bool = False) -> list[float]:
        """The chance that each shown suggestion is right, from its share of the
        distribution (best first): see `ConfidenceMap`. `offered`: the shares are of
        what the caller of `train_for_serving` offers (its map, when it has one). The
        shares themselves from a model without a map (too little held out, or a model
        file from before). Never above `MAX_CONFIDENCE`."""
        mapping = getattr(self, "confidence_map_", None)
        if offered:
            mapping = getattr(self, "offered_map_", None) or mapping
        confidences = mapping(shares) if mapping else [float(s) for s in shares]
        return [min(c, MAX_CONFIDENCE) for c in confidences]

    def remember_negatives(self, texts: Sequence[str], labels: Sequence) -> None:
        """Keep "not our remit" examples: `labels[i]` declined `texts[i]`."""
        if len(texts):
            self.negatives = self.features.transform(texts)
            self.negative_labels = np.asarray(labels)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return self.predict_proba_matrix(self.features.transform(texts))

    def predict_proba_matrix(self, matrix: sp.csr_matrix, *, lowered: bool = True) -> np.ndarray:
        """Each row's distribution over the labels. `lowered`: with the "not our remit"
        examples' penalty, the rows renormalized (the figures rank by it); without, as
        calibrated — the suggestions lower the declining organizations themselves
        without raising the others (`aduan.triage.suggest`)."""
        proba = _softmax_in_place(self._log_blend(matrix), self.temperature)
        if lowered and self.negatives is not None:
            proba = self._apply_negatives(matrix, proba)
        return proba

    def _apply_negatives(self, matrix: sp.csr_matrix, proba: np.ndarray) -> np.ndarray:
        similarity = (matrix @ self.negatives.T).toarray()
        for col, label in enumerate(self.classes_):
            mine = self.negative_labels == label
            if mine.any():
                closest = similarity[:, mine].max(axis=1)
                proba[:, col] *= 1 - NEGATIVE_PENALTY * np.clip(closest, 0, 1)
        return proba / proba.sum(axis=1, keepdims=True)

    def top(self, text: str, k: int = 3) -> list[tuple[object, float]]:
        """The `k` most likely labels for one text, with their probability."""
        proba = self.predict_proba([text])[0]
        order = np.argsort(-proba)[:k]
        return [(self.classes_[i].item(), float(proba[i])) for i in order]


@dataclass
class Evaluation:
    top1: float
    top3: float
    macro_f1: float
    train_seconds: float
    n_train: int
    n_test: int
    # The same at a coarser level (each unit's agency), when the caller gave the groups.
    group_top1: float | None = None
    group_top3: float | None = None
    # What officers are offered after the model (e.g. jurisdictions weighed in), when
    # the caller measured it.
    offered_top1: float | None = None
    offered_top3: float | None = None
    # How far the confidences shown are from how often suggestions were right
    # (`cross_fitted_error`), when enough reports were held out to measure it.
    calibration_error: float | None = None

    def as_dict(self) -> dict:
        figures = {
            "top1": round(self.top1, 4),
            "top3": round(self.top3, 4),
            "macro_f1": round(self.macro_f1, 4),
            "train_seconds": round(self.train_seconds, 2),
            "n_train": self.n_train,
            "n_test": self.n_test,
        }
        optional = ("group_top1", "group_top3", "offered_top1", "offered_top3", "calibration_error")
        for name in optional:
            if getattr(self, name) is not None:
                figures[name] = round(getattr(self, name), 4)
        return figures


def score(
    model: TextClassifier,
    matrix: sp.csr_matrix,
    labels: Sequence,
    groups: Mapping | None = None,
    offers: Sequence | None = None,
    proba: np.ndarray | None = None,
) -> dict:
    """top1, top3 and macro F1 of `model` on held-out rows; with `groups` (label → the
    group it counts for, e.g. a unit's agency; a label missing stands for itself) also
    group_top1 and group_top3, the groups ranked by the summed probability of their
    labels — what an officer choosing among groups is offered. With `offers` as well
    (for each row, the groups offered, best first, as (group, share) pairs: what the
    product makes of the model's distribution), offered_top1 and offered_top3. `proba`:
    the model's probabilities for `matrix`, when the caller has them already."""
    from sklearn.metrics import f1_score

    y = np.asarray(labels)
    if len(y) == 0:
        return {"top1": 0.0, "top3": 0.0, "macro_f1": 0.0}
    proba = model.predict_proba_matrix(matrix) if proba is None else proba
    order = _best(proba, 3)
    best = model.classes_[order[:, 0]]
    top3 = np.mean([label in model.classes_[row] for label, row in zip(y, order, strict=True)])
    figures = {
        "top1": float(np.mean(best == y)),
        "top3": float(top3),
        "macro_f1": float(f1_score(y, best, average="macro", zero_division=0)),
    }
    if groups is not None:
        figures |= _group_figures(model.classes_, proba, y, groups)
    if groups is not None and offers is not None:
        hits = [
            _rank_of(groups.get(label, label), [choice for choice, _ in offer])
            for label, offer in zip(y, offers, strict=True)
        ]
        figures["offered_top1"] = float(np.mean([h == 0 for h in hits]))
        figures["offered_top3"] = float(np.mean([h is not None and h < 3 for h in hits]))
    return figures


def _offered_shown(offers: Sequence, truths: Sequence) -> tuple[np.ndarray, np.ndarray]:
    """`_shown` for offers ((choice, share) pairs best first) instead of a distribution."""
    shares = np.full((len(offers), SHOWN), np.nan)
    hits = np.zeros((len(offers), SHOWN), dtype=bool)
    for i, (offer, truth) in enumerate(zip(offers, truths, strict=True)):
        for r, (choice, share) in enumerate(offer[:SHOWN]):
            shares[i, r], hits[i, r] = share, choice == truth
    return shares, hits


RELIABILITY_BINS = (0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1.0)


@dataclass
class Reliability:
    """How often suggestions shown with a confidence in each bin were right."""

    bins: list[tuple[float, float, int, float, float]]  # low, high, shown, mean, right
    error: float  # expected calibration error over every suggestion shown
    first_error: float  # the same over the first suggestions


def reliability(model: TextClassifier, matrix: sp.csr_matrix, labels: Sequence) -> Reliability:
    """The confidences shown for held-out reports' first `SHOWN` suggestions against
    how often they were right. The calibration is fitted on one half of the reports
    and measured on the other, both ways round, so no report is measured by a
    calibration that saw it."""
    import copy

    y = np.asarray(labels)
    shown, right, first = [], [], []
    for fit_rows, measure_rows in _halves(len(y)):
        half = copy.copy(model)
        half.confidence_map_ = None
        half.calibrate(matrix[fit_rows], y[fit_rows])
        proba = half.predict_proba_matrix(matrix[measure_rows])
        for shares, hits in zip(*_shown(proba, half.classes_, y[measure_rows]), strict=True):
            shown.extend(half.confidences(shares))
            right.extend(hits)
            first.extend([True] + [False] * (len(shares) - 1))
    shown, right, first = np.array(shown), np.array(right), np.array(first)
    bins = []
    for low, high in zip(RELIABILITY_BINS, RELIABILITY_BINS[1:], strict=False):
        inside = _in_bin(shown, low, high)
        if inside.any():
            bins.append((low, high, int(inside.sum()), shown[inside].mean(), right[inside].mean()))
    return Reliability(
        bins, calibration_error(shown, right), calibration_error(shown[first], right[first])
    )


def _halves(n: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Two halves of n rows in a fixed random order, as (fit on, measure on) both ways."""
    halves = np.array_split(np.random.default_rng(0).permutation(n), 2)
    return [(halves[0], halves[1]), (halves[1], halves[0])]


def _in_bin(values: np.ndarray, low: float, high: float) -> np.ndarray:
    return (values >= low) & ((values < high) | (high == RELIABILITY_BINS[-1]))


def calibration_error(confidences, right) -> float:
    """The expected calibration error: in each bin of `RELIABILITY_BINS`, how far the
    mean confidence shown is from the share right, weighted by the suggestions in it."""
    confidences, right = np.asarray(confidences, dtype=float), np.asarray(right, dtype=float)
    gaps = sum(
        abs(confidences[inside].sum() - right[inside].sum())
        for low, high in zip(RELIABILITY_BINS, RELIABILITY_BINS[1:], strict=False)
        if (inside := _in_bin(confidences, low, high)).any()
    )
    return float(gaps / max(len(confidences), 1))


def cross_fitted_error(shares: np.ndarray, hits: np.ndarray) -> float | None:
    """The calibration error of confidence maps on held-out suggestions (`shares` and
    `hits` as for `ConfidenceMap.fit`), each half measured by a map fitted on the
    other half; None when a half is too small to fit one."""
    shown, right = [], []
    for fit_rows, measure_rows in _halves(len(shares)):
        mapping = ConfidenceMap.fit(shares[fit_rows], hits[fit_rows])
        if mapping is None:
            return None
        for row_shares, row_hits in zip(shares[measure_rows], hits[measure_rows], strict=True):
            offered = ~np.isnan(row_shares)
            shown.extend(mapping(row_shares[offered]))
            right.extend(row_hits[offered])
    return calibration_error(shown, right)


def _rank_of(choice, ranked: list) -> int | None:
    return ranked.index(choice) if choice in ranked else None


def _group_figures(classes, proba: np.ndarray, y: np.ndarray, groups: Mapping) -> dict:
    column: dict = {}
    for label in classes:
        column.setdefault(groups.get(label, label), len(column))
    to_group = sp.csr_matrix(
        (
            np.ones(len(classes)),
            (np.arange(len(classes)), [column[groups.get(c, c)] for c in classes]),
        ),
        shape=(len(classes), len(column)),
    )
    order = _best(np.asarray(proba @ to_group), 3)
    truth = np.array([column.get(groups.get(label, label), -1) for label in y])  # -1: unseen
    hits = order == truth[:, None]
    return {"group_top1": float(hits[:, 0].mean()), "group_top3": float(hits.any(axis=1).mean())}


def train_and_evaluate(
    train_texts, train_labels, test_texts, test_labels, names: Mapping | None = None
) -> tuple[TextClassifier, Evaluation]:
    """Learn from the training rows (and the label `names`, if given) only, then
    calibrate and score on the held-out ones."""
    started = time.perf_counter()
    model = TextClassifier().fit(train_texts, train_labels, names=names)
    seconds = time.perf_counter() - started
    held_out = model.features.transform(test_texts)
    model.calibrate(held_out, test_labels)
    figures = score(model, held_out, test_labels)
    return model, Evaluation(
        **figures, train_seconds=seconds, n_train=len(train_labels), n_test=len(test_labels)
    )


def train_for_serving(
    texts,
    labels,
    holdout: int,
    names: Mapping | None = None,
    groups: Mapping | None = None,
    offered: Callable | None = None,
    among_units: Callable | None = None,
    step: Callable[[], None] | None = None,
) -> tuple[TextClassifier, Evaluation]:
    """Score on the last `holdout` rows after learning from the others, then learn from
    all of them. The features are fitted once on every text (no labels involved), which
    keeps retraining on a large history within a minute. `names`: label → its name
    (an organization's or a category's), optional; see `TextClassifier.fit`. `groups`:
    label → the group it counts for (a unit's agency), to score at that level too;
    `offered`: (row of `texts`, classes, probabilities) → the groups offered for that
    report, best first, as (group, share) pairs (see `score`); the confidences of what
    is offered then get a map of their own (`TextClassifier.confidences`), and the
    calibration error is measured on them. `among_units`: the same for an officer
    choosing among the units of the organization the report waits at, as (label,
    share) pairs, empty where there is no such choice; its map, when one can be fitted,
    replaces the map of the model's own distribution. `step()`, when given, is called
    after each stage (features, held-out fit and scoring, final fit)."""
    step = step or (lambda: None)
    started = time.perf_counter()
    model = TextClassifier()
    matrix = model.features.fit_transform(texts)
    step()
    cut = len(labels) - holdout
    labels = np.asarray(labels)
    figures = {"top1": 0.0, "top3": 0.0, "macro_f1": 0.0}
    # Scoring every held-out report against every label costs reports × labels; a few
    # thousand spread evenly over the held-out period fix the temperature and the
    # figures as well, and keep a history with thousands of labels within the minute.
    held_out = np.linspace(cut, len(labels) - 1, min(holdout, HELD_OUT_AT_MOST)).round()
    held_out = np.unique(held_out.astype(int)) if holdout else np.zeros(0, dtype=int)
    if len(held_out) and len(np.unique(labels[:cut])) >= 2:
        model.fit_matrix(matrix, labels[:cut], names=names, rows=np.arange(cut))
        step()
        figures = _calibrate_and_score(
            model, matrix, labels, held_out, groups, offered, among_units
        )
        step()
    model.fit_matrix(matrix, labels, names=names)
    step()
    seconds = time.perf_counter() - started
    return model, Evaluation(**figures, train_seconds=seconds, n_train=cut, n_test=len(held_out))


def _calibrate_and_score(
    model: TextClassifier,
    matrix: sp.csr_matrix,
    labels: np.ndarray,
    held_out: np.ndarray,
    groups: Mapping | None,
    offered: Callable | None,
    among_units: Callable | None = None,
) -> dict:
    """Calibrate `model` on the `held_out` rows and return its figures on them (see
    `train_for_serving`); the held-out scores are let go before the model is refitted."""
    model.calibrate(matrix[held_out], labels[held_out])
    proba = model.predict_proba_matrix(matrix[held_out])
    if among_units is not None:
        offers = [among_units(row, model.classes_, proba[i]) for i, row in enumerate(held_out)]
        chosen = [i for i, offer in enumerate(offers) if offer]
        shares, hits = _offered_shown([offers[i] for i in chosen], labels[held_out][chosen])
        model.confidence_map_ = ConfidenceMap.fit(shares, hits) or model.confidence_map_
    offers = None
    shown = _shown(proba, model.classes_, labels[held_out])
    if offered is not None:
        offers = [offered(row, model.classes_, proba[i]) for i, row in enumerate(held_out)]
        truths = [groups.get(label, label) for label in labels[held_out]]
        shown = _offered_shown(offers, truths)
        model.offered_map_ = ConfidenceMap.fit(*shown)
    figures = score(model, matrix[held_out], labels[held_out], groups, offers, proba)
    figures["calibration_error"] = cross_fitted_error(*shown)
    return figures
