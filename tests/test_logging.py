"""Log lines an operator can read and a collector can parse: time, level and logger on
each line (or one JSON object), and a request for a foreign host as one short warning."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

from django.conf import settings

LOG_ONE = "import logging; logging.getLogger('aduan.example').warning('Antrean penuh: %s', 3)"
FOREIGN_HOST = (
    "from django.test import Client; "
    "print(Client().get('/', headers={'host': 'evil.example'}).status_code)"
)


def _run(code: str, **env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in ("LOG_FORMAT", "LOG_LEVEL")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )


# ISO 8601 with milliseconds and the offset from UTC: 2026-03-02T08:15:01.123+07:00.
ISO = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d"


def test_each_record_is_one_line_with_time_level_and_logger():
    lines = _run(LOG_ONE).stderr.strip().splitlines()
    assert len(lines) == 1
    assert re.fullmatch(ISO + r" WARNING aduan\.example Antrean penuh: 3", lines[0])


def test_log_format_json_writes_one_object_per_record():
    [line] = _run(LOG_ONE, LOG_FORMAT="json").stderr.strip().splitlines()
    entry = json.loads(line)
    assert entry["level"] == "WARNING" and entry["logger"] == "aduan.example"
    assert entry["message"] == "Antrean penuh: 3"
    assert re.fullmatch(ISO, entry["time"])


def test_a_json_record_keeps_its_traceback_on_the_same_line():
    code = (
        "import logging\n"
        "try:\n    1 / 0\n"
        "except ZeroDivisionError:\n    logging.getLogger('aduan.example').exception('Gagal')"
    )
    [line] = _run(code, LOG_FORMAT="json").stderr.strip().splitlines()
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and "ZeroDivisionError" in entry["exception"]


def test_a_request_for_a_foreign_host_is_one_warning_without_a_traceback():
    result = _run(FOREIGN_HOST, PYTHONWARNINGS="ignore")  # WhiteNoise: STATIC_ROOT is empty
    assert result.stdout.strip().splitlines()[-1] == "400"
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert (
        " WARNING django.security.DisallowedHost Invalid HTTP_HOST header: 'evil.example'"
        in (lines[0])
    )
    assert "Traceback" not in result.stderr


def test_log_level_is_read_in_any_case():
    debug = "import logging; logging.getLogger('aduan.example').debug('Rincian')"
    assert " DEBUG aduan.example Rincian" in _run(debug, LOG_LEVEL="debug").stderr
    assert _run(debug, LOG_LEVEL="Warning").stderr == ""
    assert _run(debug, LOG_LEVEL="WARN").stderr == ""  # as logging itself spells it too
    assert "Antrean penuh" in _run(LOG_ONE, LOG_LEVEL=" warning ").stderr


def test_an_unknown_log_level_stops_the_process_naming_the_variable():
    environment = {k: v for k, v in os.environ.items() if k != "LOG_FORMAT"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env={**environment, "LOG_LEVEL": "verbose"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert (
        "LOG_LEVEL must be one of debug, info, warning, warn, error, critical, got 'verbose'"
        in result.stderr
    )
    assert "Unable to configure root logger" not in result.stderr


def test_a_refused_page_is_one_warning_without_a_traceback(world, client_for, caplog):
    from django.urls import reverse

    url = reverse("workspace:export_xlsx")
    with caplog.at_level("WARNING", logger="django.request"):
        assert client_for(world.outsider).get(url).status_code == 403
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.levelname == "WARNING" and record.exc_info is None
    assert record.getMessage() == f"Forbidden (Permission denied): {url}"
    assert "Traceback" not in caplog.text


def test_a_server_error_keeps_its_traceback():
    import logging

    from aduan.system.logformat import NoTracebackForClientErrors

    try:
        raise ZeroDivisionError("division by zero")
    except ZeroDivisionError:
        failure = sys.exc_info()
    quiet = NoTracebackForClientErrors()
    for status, kept in ((500, True), (403, False), (400, False)):
        record = logging.LogRecord("django.request", logging.ERROR, "", 0, "x", (), failure)
        record.status_code = status
        assert quiet.filter(record) and (record.exc_info is not None) == kept
