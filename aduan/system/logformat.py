"""How log records are written: one line each, with time, level and logger.

LOG_FORMAT=json writes each record as one JSON object instead, for log collectors
(Loki, Elasticsearch, CloudWatch) that read fields rather than parse text.
"""

from __future__ import annotations

import datetime
import json
import logging

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
# The levels LOG_LEVEL may name, in any case.
LOG_LEVELS = ("debug", "info", "warning", "warn", "error", "critical")  # "warn": as logging


def iso_time(record: logging.LogRecord) -> str:
    """The record's moment in ISO 8601 with its offset from UTC, which log collectors
    read without guessing the zone (the server's zone, WIB, is not UTC)."""
    moment = datetime.datetime.fromtimestamp(record.created).astimezone()
    return moment.isoformat(timespec="milliseconds")


def log_moment(moment: datetime.datetime) -> str:
    """A moment named inside a log message ("next at …"), in the zone of the record's
    own time (the process's, which Django sets to TIME_ZONE), never UTC beside it."""
    return moment.astimezone().isoformat(timespec="seconds")


class IsoFormatter(logging.Formatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return iso_time(record)


class QuietHealthChecks(logging.Filter):
    """A load balancer or monitor asks /healthz every few seconds: while a part is down,
    each 503 would be an ERROR line burying the others. The answer's JSON says what is
    down; the failure itself is logged where it happens."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        return getattr(request, "path", "") != "/healthz"


class NoTracebackForClientErrors(logging.Filter):
    """A refused request (403 for a page the visitor may not open, 400) is the client's
    doing, not a fault to debug: Django's warning line says which page; the traceback it
    adds for each would bury the errors that matter."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message (and the traceback, as one
    escaped string, so that a record never spans lines)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": iso_time(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        status = getattr(record, "status_code", None)
        if status is not None:
            entry["status"] = status
        return json.dumps(entry, ensure_ascii=False, default=str)


class BriefWarning(logging.Filter):
    """Turn a record into a warning without its traceback.

    For requests naming a host not in ALLOWED_HOSTS: scanners send them all day, the
    message says everything ("Invalid HTTP_HOST header: …"), and Django's error with a
    full traceback for each would bury the errors that matter.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


def logging_config(level: str, style: str) -> dict:
    """The LOGGING setting: the console at `level`, in "text" or "json" `style`."""
    formatter = (
        {"()": "aduan.system.logformat.JsonFormatter"}
        if style == "json"
        else {"()": "aduan.system.logformat.IsoFormatter", "format": TEXT_FORMAT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"console": formatter},
        "filters": {
            "brief_warning": {"()": "aduan.system.logformat.BriefWarning"},
            "quiet_health_checks": {"()": "aduan.system.logformat.QuietHealthChecks"},
            "no_traceback_for_client_errors": {
                "()": "aduan.system.logformat.NoTracebackForClientErrors"
            },
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "console"}},
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            "axes": {"level": "WARNING"},
            "django.security.DisallowedHost": {"filters": ["brief_warning"]},
            "django.request": {
                "filters": ["quiet_health_checks", "no_traceback_for_client_errors"]
            },
        },
    }
