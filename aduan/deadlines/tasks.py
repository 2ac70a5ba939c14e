"""Background tasks of the deadlines app (run by `manage.py run_worker`)."""

import datetime
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from aduan.deadlines import calendar, clocks
from aduan.lib.locks import hold_lock

T = TypeVar("T")


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


def correct_calendar(write: Callable[[], T], changed: dict[datetime.date, bool | None]) -> T:
    """Run `write`, which adds, changes or removes calendar corrections, and move the
    running deadlines with it: at once those that span a corrected day, and after the
    cache age those an intake started on the calendar before (`catch_up_later`); then the
    monitoring facts measured across a corrected day are rewritten in the background.
    `changed` maps each corrected day to its value before (None: no correction).
    Returns what `write` returns; the page and the Django admin both go through here."""
    with transaction.atomic():
        # Two corrections at once (a double click, two admins) would each move the
        # clocks from the calendar before both, and one move would undo the other.
        hold_lock("aduan.calendar")
        before = calendar.current()
        result = write()
        after = calendar.current()
        for day in changed:
            clocks.reschedule_around(day, before, after)
        recount_later(changed)
    for day, was in changed.items():
        catch_up_later(day, was)
    return result


def recount_later(days) -> None:
    """Queue the rewrite of the monitoring facts whose working-day durations span one of
    `days`, for when the correction commits; call inside its transaction."""
    # Imported here: analytics reads the deadlines app, not the other way round, except
    # for this one hand-over.
    from aduan.analytics.tasks import rebuild_facts_around_task
    from aduan.lib.tasks import enqueue_with_transaction

    dates = sorted(day.isoformat() for day in days)
    if dates:
        enqueue_with_transaction(lambda: rebuild_facts_around_task.enqueue(dates))
