"""Background tasks of the channels app (run by `manage.py run_worker`)."""

from django_tasks import task

from aduan.channels import media


@task()
def download_whatsapp_media(media_pk: int) -> str:
    """Fetch one WhatsApp photo and attach it to its report; idempotent."""
    return media.fetch_and_attach(media_pk)


@task()
def run_import_job(job_pk: int) -> str:
    """Import the file of ImportJob `job_pk`, updating its progress as it goes."""
    from aduan.channels.importing import run_job

    return run_job(job_pk)
