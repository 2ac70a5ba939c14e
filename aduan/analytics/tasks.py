"""Background tasks of the analytics app (run by `manage.py run_worker`)."""

import datetime

from django_tasks import task

from aduan.analytics import facts, recap


@task()
def build_recap_task(job_id: int) -> str:
    """Build the monthly recap PDF of RecapJob `job_id`; "skipped" if another run has it."""
    return recap.run_job(job_id)


@task()
def rebuild_facts_around_task(days: list[str]) -> int:
    """Rewrite the facts whose working-day durations span one of `days` (ISO dates), after
    the national admin corrected the calendar; returns how many were rewritten."""
    return facts.rebuild_facts_around(datetime.date.fromisoformat(day) for day in days)
