"""Settings read from the environment for production: the read replica's own options,
HTTPS behind a TLS-terminating proxy, and the system checks that refuse a missing
SECRET_KEY and a mistyped rate."""

from __future__ import annotations

import json
import os
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
