"""System checks for settings that are wrong in a way Django cannot see by itself.

`manage.py check --deploy` runs the deploy-tagged ones (run it on every host before it
serves); the others run before every management command, `migrate` and `start`
included, so a mistyped setting stops the process with its name instead of failing
later inside a request.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

# "600/min", "30/m", "5/s", "1000/day": a count per second, minute, hour or day, as both
# Django REST framework (the API) and django-ratelimit (public lookups) read it; the
# lookups' django-ratelimit also takes a number of periods ("500/5m").
API_RATE = re.compile(r"\d+/[smhd][a-z]*")
LOOKUP_RATE = re.compile(r"\d+/\d*[smhd][a-z]*")
RATE_SETTINGS = {
    "ADUAN_API_RATE": (API_RATE, "600/min"),
    "ADUAN_LOOKUP_RATE": (LOOKUP_RATE, "30/m"),
    "ADUAN_DRAFT_CHECK_RATE": (LOOKUP_RATE, "60/m"),
}


@register(Tags.compatibility)
def check_rates(app_configs, **kwargs) -> list[Error]:
    errors = []
    for name, (pattern, example) in RATE_SETTINGS.items():
        value = getattr(settings, name, None)
        if value is None or (isinstance(value, str) and pattern.fullmatch(value)):
            continue
        errors.append(
            Error(
                f"{name} must be a rate such as {example!r} (requests per s, m, h or d), "
                f"got {value!r}",
                hint=f"Set the environment variable {name} to a rate such as {example}.",
                id="aduan.E002",
            )
        )
    return errors


@register(Tags.security, deploy=True)
def check_secret_key_is_set(app_configs, **kwargs) -> list[Error]:
    """A key made up by each host breaks everything signed on one host and read on
    another: sessions, links, the web form's secrets, and the sealed webhook and uplink
    secrets (aduan/lib/sealed.py), which no other key can open."""
    if not getattr(settings, "ADUAN_SECRET_KEY_GENERATED", False):
        return []
    return [
        Error(
            "SECRET_KEY is not set in the environment: this host generated its own key "
            f"in {settings.STATE_DIR}/secret_key.txt.",
            hint=(
                "Set SECRET_KEY to the same long random value on every web and worker "
                "host, and keep it with the backups: sealed secrets cannot be opened "
                "without it (docs/operations.md)."
            ),
            id="aduan.E001",
        )
    ]


@register(Tags.staticfiles, deploy=True)
def check_static_files_collected(app_configs, **kwargs) -> list[Warning]:
    from django.contrib.staticfiles.storage import staticfiles_storage

    has_manifest = getattr(staticfiles_storage, "has_manifest", None)
    if has_manifest is None or has_manifest():
        return []
    return [
        Warning(
            f"Static files have not been collected into STATIC_ROOT ({settings.STATIC_ROOT}): "
            "pages link to unversioned files that are not served.",
            hint="Run `manage.py collectstatic --noinput` after every install and upgrade.",
            id="aduan.W003",
        )
    ]


CONSOLE_EMAIL = "django.core.mail.backends.console.EmailBackend"


@register(Tags.security, deploy=True)
def check_mail_and_site_address(app_configs, **kwargs) -> list[Warning]:
    """Settings a production instance outgrows: the console mail backend prints every
    message (guests' addresses and secret links) into the worker's log instead of
    sending it; an http SITE_URL behind HTTPS puts http links in every message."""
    found = []
    if settings.EMAIL_BACKEND == CONSOLE_EMAIL:
        found.append(
            Warning(
                "EMAIL_BACKEND is the console: emails are written into the log (with "
                "reporters' addresses and private links), not sent.",
                hint="Set EMAIL_BACKEND to SMTP or an anymail provider (docs/operations.md).",
                id="aduan.W004",
            )
        )
    behind_tls = getattr(settings, "ADUAN_BEHIND_TLS_PROXY", False) or settings.SECURE_SSL_REDIRECT
    if behind_tls and not settings.ADUAN_SITE_URL.startswith("https://"):
        found.append(
            Warning(
                f"SITE_URL is {settings.ADUAN_SITE_URL!r} while the site is served over HTTPS: "
                "links in messages would use http.",
                hint="Set SITE_URL to the https:// address citizens use.",
                id="aduan.W005",
            )
        )
    return found
