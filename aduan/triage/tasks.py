"""Background tasks of the triage app (run by `manage.py run_worker`)."""

import logging

from django_tasks import task

from aduan.triage import training

log = logging.getLogger(__name__)


@task()
def retrain_triage(kinds: list[str]) -> list[int]:
    """Train a new model of each kind; returns the ids of the models recorded. A kind
    that another process is retraining now is left to it."""
    recorded = []
    for kind in kinds:
        try:
            row = training.train(kind)
        except training.RetrainingRunning as running:
            log.info("Not retraining %s: %s", kind, running)
            continue
        if row is not None:
            recorded.append(row.pk)
    return recorded
