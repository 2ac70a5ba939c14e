"""Background tasks of the triage app (run by `manage.py run_worker`)."""

from django_tasks import task

from aduan.triage import training


@task()
def retrain_triage(kinds: list[str]) -> list[int]:
    """Train a new model of each kind; returns the ids of the models recorded."""
    trained = [training.train(kind) for kind in kinds]
    return [row.pk for row in trained if row is not None]
