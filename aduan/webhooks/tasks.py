"""Background tasks of the webhooks app (run by `manage.py run_worker`)."""

from django_tasks import task

from aduan.webhooks import forwarding, outbound


@task()
def deliver_webhooks(ids: list[int]) -> int:
    """Make the webhook calls `ids`; returns how many were answered with 2xx."""
    return outbound.deliver(ids)


@task()
def forward_reports(ids: list[int]) -> int:
    """Send the forwardings `ids` to their uplinks; returns how many were accepted."""
    return forwarding.deliver(ids)


@task()
def fetch_remote_files(ids: list[int]) -> int:
    """Download the files of uplinks' updates `ids`; returns how many were kept."""
    return forwarding.fetch_files(ids)
