"""Settings read from the environment for production: the read replica's own options,
HTTPS behind a TLS-terminating proxy, and the system checks that refuse a missing
SECRET_KEY and a mistyped rate."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured

from aduan.lib.env import env_choice
from aduan.system import checks


def _settings(*names: str, **env) -> dict:
    """The named settings as a fresh process builds them from `env` (SECRET_KEY and
    the HTTPS variables unset unless given)."""
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {list(names)!r}}}, "
        "default=str))"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SECRET_KEY", "ADUAN_HSTS"))}
    for name in ("ADUAN_BEHIND_TLS_PROXY", "ADUAN_SSL_REDIRECT", "SECURE_COOKIES", "LOG_FORMAT"):
        base.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**base, "DJANGO_SETTINGS_MODULE": "aduan.settings", **env},
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_replica_keeps_its_own_url_options_over_the_primarys():
    databases = _settings(
        "DATABASES",
        DATABASE_URL="postgres://aduan@primary.internal/aduan?sslmode=require&connect_timeout=10",
        DATABASE_REPLICA_URL="postgres://aduan@replica.internal/aduan?sslmode=verify-full",
        DATABASE_PREPARED_STATEMENTS="off",
    )["DATABASES"]
    primary, copy = databases["default"]["OPTIONS"], databases["replica"]["OPTIONS"]
    assert primary["sslmode"] == "require"
    assert copy["sslmode"] == "verify-full"  # its own, not the primary's
    assert copy["connect_timeout"] == 10  # the primary's, as a default
    assert copy["prepare_threshold"] is None and copy["server_side_binding"] is True
    assert databases["replica"]["ENGINE"] == "aduan.lib.postgresql"
    assert databases["replica"]["HOST"] == "replica.internal"


def test_a_replica_gets_a_short_connect_timeout_unless_its_url_says_otherwise():
    databases = _settings(
        "DATABASES",
        DATABASE_URL="postgres://aduan@primary.internal/aduan",
        DATABASE_REPLICA_URL="postgres://aduan@replica.internal/aduan",
    )["DATABASES"]
    assert databases["replica"]["OPTIONS"]["connect_timeout"] == 5
    assert "connect_timeout" not in databases["default"]["OPTIONS"]
    databases = _settings(
        "DATABASES",
        DATABASE_URL="postgres://aduan@primary.internal/aduan",
        DATABASE_REPLICA_URL="postgres://aduan@replica.internal/aduan?connect_timeout=1",
    )["DATABASES"]
    assert databases["replica"]["OPTIONS"]["connect_timeout"] == 1


HTTPS = (
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
)


def test_https_settings_are_off_by_default_so_plain_http_keeps_working():
    assert _settings(*HTTPS) == {
        "SECURE_PROXY_SSL_HEADER": None,
        "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_SECONDS": 0,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
    }


def test_behind_a_tls_proxy_requests_are_secure_and_cookies_stay_on_https():
    assert _settings(
        *HTTPS,
        ADUAN_BEHIND_TLS_PROXY="yes",
        ADUAN_SSL_REDIRECT="on",
        ADUAN_HSTS_SECONDS="31536000",
    ) == {
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
    }


def test_secure_cookies_can_still_be_turned_off_explicitly():
    found = _settings(*HTTPS, ADUAN_BEHIND_TLS_PROXY="1", SECURE_COOKIES="0")
    assert found["SESSION_COOKIE_SECURE"] is False and found["CSRF_COOKIE_SECURE"] is False


def test_a_proxied_https_request_is_secure_and_http_is_redirected_except_the_health_check(
    client, settings, db
):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = django_settings.SECURE_REDIRECT_EXEMPT
    settings.SECURE_HSTS_SECONDS = 3600
    plain = client.get("/laporan/")
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    proxied = client.get("/laporan/", headers={"x-forwarded-proto": "https"})
    assert proxied.status_code == 200
    assert proxied["Strict-Transport-Security"] == "max-age=3600"
    assert client.get("/healthz").status_code == 200  # the load balancer's own plain http


def test_a_mistyped_choice_names_its_variable(monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(ImproperlyConfigured, match="LOG_FORMAT must be one of text, json"):
        env_choice("LOG_FORMAT", ("text", "json"), "text")
    monkeypatch.setenv("LOG_FORMAT", " JSON ")
    assert env_choice("LOG_FORMAT", ("text", "json"), "text") == "json"


# --- System checks ----------------------------------------------------------------------


def test_a_generated_secret_key_fails_the_deploy_check(settings):
    settings.ADUAN_SECRET_KEY_GENERATED = True
    [error] = checks.check_secret_key_is_set(None)
    assert error.id == "aduan.E001" and error.is_serious()
    assert "SECRET_KEY is not set" in error.msg and "every web and worker host" in error.hint
    settings.ADUAN_SECRET_KEY_GENERATED = False
    assert checks.check_secret_key_is_set(None) == []


def test_the_secret_key_check_runs_only_with_deploy():
    from django.core.checks import registry

    assert checks.check_secret_key_is_set in registry.registry.get_checks(
        include_deployment_checks=True
    )
    assert checks.check_secret_key_is_set not in registry.registry.get_checks()
    assert checks.check_rates in registry.registry.get_checks()


def test_check_deploy_in_a_process_without_secret_key_names_the_problem(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        env={
            **{k: v for k, v in os.environ.items() if k != "SECRET_KEY"},
            "ADUAN_STATE_DIR": str(tmp_path),
        },
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "aduan.E001" in result.stderr and "SECRET_KEY is not set" in result.stderr


@pytest.mark.parametrize("rate", ["600/min", "30/m", "5/s", "1000/day", "2/hour"])
def test_rates_in_every_usual_spelling_pass(settings, rate):
    settings.ADUAN_API_RATE = settings.ADUAN_LOOKUP_RATE = settings.ADUAN_DRAFT_CHECK_RATE = rate
    assert checks.check_rates(None) == []


@pytest.mark.parametrize("rate", ["lots", "600", "600/week", "/m", "600 per minute", "", 600])
def test_a_mistyped_api_rate_is_an_error_naming_the_variable(settings, rate):
    settings.ADUAN_API_RATE = rate
    [error] = checks.check_rates(None)
    assert error.id == "aduan.E002" and error.is_serious()
    assert error.msg.startswith("ADUAN_API_RATE must be a rate such as '600/min'")
    assert repr(rate) in error.msg


def test_lookup_rates_may_count_several_periods_but_the_api_rate_may_not(settings):
    settings.ADUAN_LOOKUP_RATE = "500/5m"
    settings.ADUAN_API_RATE = "500/5m"  # Django REST framework would fail on every request
    assert [error.msg.split()[0] for error in checks.check_rates(None)] == ["ADUAN_API_RATE"]


def test_manage_py_stops_on_a_mistyped_rate_from_the_environment(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        env={**os.environ, "ADUAN_STATE_DIR": str(tmp_path), "ADUAN_LOOKUP_RATE": "lots"},
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "ADUAN_LOOKUP_RATE must be a rate such as '30/m'" in result.stderr


def test_the_deploy_check_warns_of_the_console_mail_and_an_http_site_behind_https(settings):
    settings.EMAIL_BACKEND = checks.CONSOLE_EMAIL
    settings.ADUAN_BEHIND_TLS_PROXY = True
    settings.ADUAN_SITE_URL = "http://lapor.kab-contoh.go.id"
    assert {w.id for w in checks.check_mail_and_site_address(None)} == {"aduan.W004", "aduan.W005"}

    settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
    settings.ANYMAIL = {"POSTMARK_SERVER_TOKEN": "token"}
    settings.DEFAULT_FROM_EMAIL = "LaporBup <noreply@kab-contoh.go.id>"
    settings.ADUAN_SITE_URL = "https://lapor.kab-contoh.go.id"
    assert checks.check_mail_and_site_address(None) == []


@pytest.mark.parametrize(
    ("backend", "anymail", "warning"),
    [
        ("anymail.backends.mailgunn.EmailBackend", {}, "aduan.W008"),  # a typo
        ("anymail.backends.mailgun.EmailBackend", {"WEBHOOK_SECRET": "a:b"}, "aduan.W009"),
        ("anymail.backends.mailgun.EmailBackend", {"MAILGUN_API_KEY": "key"}, None),
        ("anymail.backends.amazon_ses.EmailBackend", {}, None),
        ("django.core.mail.backends.smtp.EmailBackend", {}, None),
    ],
)
def test_the_deploy_check_warns_of_a_mail_backend_that_cannot_send(
    settings, backend, anymail, warning
):
    settings.EMAIL_BACKEND, settings.ANYMAIL = backend, anymail
    settings.ADUAN_SITE_URL = "https://lapor.kab-contoh.go.id"
    settings.DEFAULT_FROM_EMAIL = "LaporBup <noreply@kab-contoh.go.id>"
    found = [w.id for w in checks.check_mail_and_site_address(None)]
    assert found == ([warning] if warning else [])


def test_the_deploy_check_warns_of_a_sender_at_localhost(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.ADUAN_SITE_URL = "https://lapor.kab-contoh.go.id"
    settings.DEFAULT_FROM_EMAIL = "Aduan <noreply@localhost>"
    assert [w.id for w in checks.check_mail_and_site_address(None)] == ["aduan.W010"]
    settings.DEFAULT_FROM_EMAIL = "LaporBup <noreply@kab-contoh.go.id>"
    assert checks.check_mail_and_site_address(None) == []


def test_the_deploy_check_warns_of_links_pointing_at_this_machine(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.DEFAULT_FROM_EMAIL = "LaporBup <noreply@kab-contoh.go.id>"
    settings.ADUAN_SITE_URL = "http://127.0.0.1:8000"
    assert [w.id for w in checks.check_mail_and_site_address(None)] == ["aduan.W007"]


def test_the_deploy_check_warns_of_a_proxy_whose_addresses_are_not_read(settings):
    settings.ADUAN_BEHIND_TLS_PROXY, settings.ADUAN_TRUSTED_PROXIES = True, 0
    assert [w.id for w in checks.check_proxy_addresses(None)] == ["aduan.W006"]
    settings.ADUAN_TRUSTED_PROXIES = 1
    assert checks.check_proxy_addresses(None) == []


def test_an_smtp_relay_is_configured_from_the_environment():
    names = ("EMAIL_HOST", "EMAIL_PORT", "EMAIL_USE_TLS", "EMAIL_HOST_USER")
    found = _settings(
        *names,
        EMAIL_HOST="mail.kab-contoh.go.id",
        EMAIL_PORT="587",
        EMAIL_USE_TLS="1",
        EMAIL_HOST_USER="lapor",
    )
    assert found == dict(zip(names, ["mail.kab-contoh.go.id", 587, True, "lapor"], strict=True))


def test_the_deploy_check_warns_of_a_file_mail_backend_without_a_folder(settings, tmp_path):
    settings.EMAIL_BACKEND = checks.FILE_EMAIL
    settings.DEFAULT_FROM_EMAIL = "LaporBup <noreply@kab-contoh.go.id>"
    settings.ADUAN_SITE_URL = "https://lapor.kab-contoh.go.id"
    del settings.EMAIL_FILE_PATH
    [warning] = checks.check_mail_and_site_address(None)
    assert warning.id == "aduan.W013" and "EMAIL_FILE_PATH" in warning.msg
    settings.EMAIL_FILE_PATH = str(tmp_path)
    assert checks.check_mail_and_site_address(None) == []


def test_the_file_mail_backend_writes_into_the_folder_from_the_environment(tmp_path):
    assert _settings("EMAIL_FILE_PATH") == {"EMAIL_FILE_PATH": None}
    found = _settings("EMAIL_FILE_PATH", EMAIL_FILE_PATH=str(tmp_path / "mail"))
    assert found == {"EMAIL_FILE_PATH": str(tmp_path / "mail")}


def test_the_deploy_check_warns_of_webhooks_allowed_over_http_or_to_private_networks(settings):
    settings.ADUAN_WEBHOOKS_ALLOW_HTTP = settings.ADUAN_WEBHOOKS_ALLOW_PRIVATE = False
    assert checks.check_webhook_addresses(None) == []
    settings.ADUAN_WEBHOOKS_ALLOW_HTTP = True
    assert [w.id for w in checks.check_webhook_addresses(None)] == ["aduan.W011"]
    settings.ADUAN_WEBHOOKS_ALLOW_PRIVATE = True
    assert [w.id for w in checks.check_webhook_addresses(None)] == ["aduan.W011", "aduan.W012"]
    settings.ADUAN_WEBHOOKS_ALLOW_HTTP = False
    [warning] = checks.check_webhook_addresses(None)
    assert warning.id == "aduan.W012" and "ADUAN_WEBHOOKS_ALLOW_PRIVATE is on" in warning.msg


def test_check_deploy_names_the_webhook_switches_left_on(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        env={
            **os.environ,
            "ADUAN_STATE_DIR": str(tmp_path),
            "ADUAN_WEBHOOKS_ALLOW_HTTP": "1",
            "ADUAN_WEBHOOKS_ALLOW_PRIVATE": "yes",
        },
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
    )
    assert "aduan.W011" in result.stderr and "aduan.W012" in result.stderr


# --- Suggestion models (docs/triage.md) --------------------------------------------------

TRIAGE = {
    "TRIAGE_MIN_SAMPLES": 20,
    "TRIAGE_MAX_REPORTS": 100_000,
    "TRIAGE_RETRAIN_AFTER_LABELS": 200,
    "TRIAGE_RETRAIN_EVERY_DAYS": 7,
    "TRIAGE_AUTO_PROMOTE": True,
    "TRIAGE_KEEP_VERSIONS": 5,
    "TRIAGE_RETRAIN_GUARD_SECONDS": 3600,
    "TRIAGE_RETRAIN_STALE_SECONDS": 300,
    "TRIAGE_FIRST_MODEL_GRACE_HOURS": 24,
}


def test_triage_settings_keep_their_defaults_without_the_environment():
    assert _settings(*TRIAGE) == TRIAGE


def test_triage_settings_are_read_from_the_environment():
    found = _settings(
        *TRIAGE,
        TRIAGE_AUTO_PROMOTE="False",
        TRIAGE_MIN_SAMPLES="50",
        TRIAGE_KEEP_VERSIONS="2",
        TRIAGE_RETRAIN_EVERY_DAYS="1",
    )
    assert found == {
        **TRIAGE,
        "TRIAGE_AUTO_PROMOTE": False,
        "TRIAGE_MIN_SAMPLES": 50,
        "TRIAGE_KEEP_VERSIONS": 2,
        "TRIAGE_RETRAIN_EVERY_DAYS": 1,
    }


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("TRIAGE_AUTO_PROMOTE", "nanti", "TRIAGE_AUTO_PROMOTE must be a boolean"),
        ("TRIAGE_MIN_SAMPLES", "dua puluh", "TRIAGE_MIN_SAMPLES must be an integer"),
    ],
)
def test_a_mistyped_triage_setting_stops_the_process_naming_it(tmp_path, name, value, message):
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        env={**os.environ, "ADUAN_STATE_DIR": str(tmp_path), name: value},
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0 and message in result.stderr


# --- Every variable documented -------------------------------------------------------------


def _variables_read_by_settings() -> set[str]:
    """The environment variables aduan/settings.py reads: through the env_* helpers, or
    os.environ directly."""
    source = (django_settings.BASE_DIR / "aduan" / "settings.py").read_text()
    helpers = re.findall(r"\benv_[a-z]+\(\s*\"([A-Z][A-Z0-9_]*)\"", source)
    direct = re.findall(r"os\.environ(?:\.get\(|\[)\s*\"([A-Z][A-Z0-9_]*)\"", source)
    prefixes = re.findall(r"key\.startswith\(\"([A-Z][A-Z0-9_]*_)\"\)", source)
    return set(helpers) | set(direct) | {f"{prefix}*" for prefix in prefixes}


def test_the_settings_file_is_parsed_for_the_variables_it_reads():
    found = _variables_read_by_settings()
    assert {"DATABASE_URL", "LOG_LEVEL", "TRIAGE_AUTO_PROMOTE", "ANYMAIL_*"} <= found
    assert len(found) > 90


def test_every_variable_the_settings_read_is_in_the_configuration_table():
    text = (django_settings.BASE_DIR / "docs" / "operations.md").read_text()
    table = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]*\*?)`", table))
    assert _variables_read_by_settings() - documented == set()
