import datetime
import logging
import os

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


class SystemConfig(AppConfig):
    name = "aduan.system"
    verbose_name = _("System")

    def ready(self) -> None:
        from aduan.system import checks  # noqa: F401 (registers the system checks)

        shift_clock(os.environ.get("ADUAN_CLOCK_SHIFT_DAYS", ""))


def shift_clock(days: str):
    """Run this process N days in the future (demonstrations and training only).

    `ADUAN_CLOCK_SHIFT_DAYS=12 bin/run` lets people watch reports go overdue, escalate
    and close without waiting: the web server, worker and scans all move together.
    """
    if not days:
        return None
    import time_machine

    try:
        shift = datetime.timedelta(days=float(days))
    except ValueError:
        raise ValueError(f"ADUAN_CLOCK_SHIFT_DAYS must be a number of days, not {days!r}") from None
    traveller = time_machine.travel(datetime.datetime.now(datetime.UTC) + shift, tick=True)
    traveller.start()
    logger.warning("The clock of this process is shifted by %s days (demonstration mode).", days)
    return traveller
