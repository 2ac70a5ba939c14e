"""Background tasks of the deadlines app (run by `manage.py run_worker`)."""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from aduan.deadlines import clocks


@task()
def catch_up_correction(day: str, was: bool | None, since: str) -> int:
    """`clocks.catch_up_correction` for a calendar correction made at `since`."""
    with transaction.atomic():
        return clocks.catch_up_correction(
            datetime.date.fromisoformat(day), was, datetime.datetime.fromisoformat(since)
        )


def catch_up_later(day: datetime.date, was: bool | None) -> None:
    """Queue `catch_up_correction` for when every process has read the corrected calendar
    (ADUAN_CALENDAR_CACHE_SECONDS, plus a margin); call when the correction commits."""
    if not settings.ADUAN_CALENDAR_CACHE_SECONDS:
        return
    now = timezone.now()
    # An intake that read the calendar up to the cache's age before the correction may
    # start its clock just before the correction commits, with a start time before it.
    window = datetime.timedelta(seconds=settings.ADUAN_CALENDAR_CACHE_SECONDS + 1)
    catch_up_correction.using(run_after=now + window).enqueue(
        day.isoformat(), was, (now - window).isoformat()
    )
