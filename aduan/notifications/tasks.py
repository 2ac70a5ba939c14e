"""Background tasks of the notifications app (run by `manage.py run_worker`)."""

from django_tasks import task

from aduan.notifications import delivery


@task()
def deliver_notifications(ids: list[int]) -> int:
    """Send the outbox messages `ids` (up to about a hundred); returns how many went out."""
    return delivery.deliver(ids)
