"""`manage.py benchmark --triage CSV --text COL --label COL`: the suggestion pipeline at
the scale of a large installation.

A labelled CSV (kept outside the repository) is resampled to `rows` reports — each a
real text with one word in ten dropped, one in ten given a typo and a number appended,
so no two are alike — and the product's own training (`train_for_serving`: features,
fit on the older 80 %, calibration and figures on the newest 20 %, refit on all) is
timed on it, as are writing and loading the model file and scoring single reports on
one core. The accuracy figures of such a run mean nothing (the texts repeat); the
times and sizes do. For accuracy, `manage.py evaluate_triage`.

With `split_labels` N > 1 each report's label becomes one of N labels drawn at random
(`Dinas X#0` … `Dinas X#N-1`): the installation of a province or a country, where the
same kinds of report go to many more organizations. The cost of training and the size
of the model grow with the labels; this is how that growth is measured.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from aduan.triage.management.commands.evaluate_triage import read_rows

SEED = 2026
SUGGEST_SAMPLES = 300


def peak_memory_mb() -> float:
    """This process's peak resident memory so far (Linux reports it in kilobytes)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def perturb(text: str, rng: random.Random) -> str:
    words = []
    for word in text.split():
        roll = rng.random()
        if roll < 0.1:
            continue
        if roll < 0.2 and len(word) > 3:
            i = rng.randrange(len(word) - 1)
            word = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        words.append(word)
    return " ".join(words) + f" {rng.randrange(1, 500)}"


def resample(
    path: str, text: str, label: str, rows: int, split_labels: int = 1
) -> tuple[list[str], list[str]]:
    source = [(body, target) for body, target, _ in read_rows(path, text, label, None)]
    rng = random.Random(SEED)
    picked = [source[rng.randrange(len(source))] for _ in range(rows)]
    texts = [perturb(body, rng) for body, _ in picked]
    if split_labels > 1:
        return texts, [f"{target}#{rng.randrange(split_labels)}" for _, target in picked]
    return texts, [target for _, target in picked]


def run(
    emit: Callable[[str, object, str], None],
    path: str,
    text: str,
    label: str,
    rows: int,
    split_labels: int = 1,
):
    import joblib
    from threadpoolctl import threadpool_limits

    from aduan.triage.classifier import train_for_serving

    texts, labels = resample(path, text, label, rows, split_labels)
    emit("triage_rows", len(texts), "reports")
    emit("triage_labels", len(set(labels)), "labels")
    started = time.perf_counter()
    model, _evaluation = train_for_serving(texts, labels, holdout=round(rows * 0.2))
    emit("triage_retrain_seconds", round(time.perf_counter() - started, 1), "s")
    emit("triage_peak_memory_mb", round(peak_memory_mb()), "MB")
    with tempfile.TemporaryDirectory() as directory:
        file = Path(directory) / "model.joblib"
        started = time.perf_counter()
        joblib.dump(model, file, compress=3)
        emit("triage_model_write_seconds", round(time.perf_counter() - started, 1), "s")
        emit("triage_model_file_mb", round(file.stat().st_size / 1e6, 1), "MB")
        started = time.perf_counter()
        model = joblib.load(file)
        emit("triage_model_load_seconds", round(time.perf_counter() - started, 1), "s")
    times = []
    with threadpool_limits(limits=1):
        for sample in texts[:SUGGEST_SAMPLES]:
            started = time.perf_counter()
            model.top(sample, 3)
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    emit("triage_suggest_ms_median", round(statistics.median(times), 1), "ms")
    emit("triage_suggest_ms_p95", round(times[int(len(times) * 0.95) - 1], 1), "ms")
