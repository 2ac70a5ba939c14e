"""Django's PostgreSQL backend, with the connection health check made cheap under load.

With `CONN_HEALTH_CHECKS`, Django sends `SELECT 1` before a persistent connection's first
query in every request, so a connection the database dropped (a restart, a fail-over)
is replaced instead of failing the request. Under load that is one more round trip per
request, for a connection that served the previous request a few milliseconds earlier.
Here a connection that served a request without a database error less than
`HEALTH_CHECK_AFTER` seconds ago (option `health_check_after`, default 1) is trusted
for the next request without the check; an idle connection is checked as before.
Only a connection lost within that second can still fail one request, as every
connection could without health checks.
"""

from __future__ import annotations

import time

from django.db.backends.postgresql import base

HEALTH_CHECK_AFTER = 1.0


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, settings_dict, alias="default"):
        options = dict(settings_dict.get("OPTIONS") or {})
        self.health_check_after = float(options.pop("health_check_after", HEALTH_CHECK_AFTER))
        super().__init__({**settings_dict, "OPTIONS": options}, alias)
        # When the connection last served a request without a database error.
        self.served_at: float | None = None

    def close_if_health_check_failed(self):
        # Called before the first query of a request (and on every cursor after that,
        # when the check is done).
        if (
            self.connection is not None
            and self.health_check_enabled
            and not self.health_check_done
            and self.served_at is not None
            and time.monotonic() - self.served_at < self.health_check_after
        ):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def close_if_unusable_or_obsolete(self):
        # Called when a request starts and when it finishes. At the finish, a done
        # check means the request used the connection; no error means it worked.
        if self.connection is not None and self.health_check_done and not self.errors_occurred:
            self.served_at = time.monotonic()
        super().close_if_unusable_or_obsolete()

    def close(self):
        super().close()
        if self.connection is None:
            self.served_at = None
