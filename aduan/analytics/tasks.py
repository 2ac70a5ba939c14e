"""Background tasks of the analytics app (run by `manage.py run_worker`)."""

from django_tasks import task

from aduan.analytics import recap


@task()
def build_recap_task(job_id: int) -> str:
    """Build the monthly recap PDF of RecapJob `job_id`; "skipped" if another run has it."""
    return recap.run_job(job_id)
