"""System checks for settings that are wrong in a way Django cannot see by itself.

`manage.py check --deploy` runs the deploy-tagged ones (run it on every host before it
serves); the others run before every management command, `migrate`, `start` and
`run_worker` included (not `run_scans`, started by cron every minute), so a mistyped
setting stops the process with its name instead of failing later inside a request.
"""

from __future__ import annotations

import re
from email.utils import parseaddr
from urllib.parse import urlsplit

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
    "ADUAN_LINK_RATE": (LOOKUP_RATE, "120/m"),
    "ADUAN_DRAFT_CHECK_RATE": (LOOKUP_RATE, "60/m"),
    "ADUAN_PHONE_CODE_RATE": (LOOKUP_RATE, "5/h"),
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
FILE_EMAIL = "django.core.mail.backends.filebased.EmailBackend"


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
    else:
        found += _mail_backend_problems()
        sender = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
        if sender.rpartition("@")[2].lower() in LOCAL_HOSTS | {"", "localhost.localdomain"}:
            found.append(
                Warning(
                    f"DEFAULT_FROM_EMAIL is {settings.DEFAULT_FROM_EMAIL!r}: providers refuse "
                    "or bin messages from a local address.",
                    hint="Set DEFAULT_FROM_EMAIL to an address of your domain, e.g. "
                    "'LaporBup <noreply@lapor.example.go.id>'.",
                    id="aduan.W010",
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
    host = urlsplit(settings.ADUAN_SITE_URL).hostname or ""
    if host in LOCAL_HOSTS:
        found.append(
            Warning(
                f"SITE_URL is {settings.ADUAN_SITE_URL!r}: every link in messages (private "
                "links, contact confirmations) would point at this machine, not at the site.",
                hint="Set SITE_URL to the address citizens use, e.g. https://lapor.example.go.id.",
                id="aduan.W007",
            )
        )
    return found


LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", "0.0.0.0"}


def _mail_backend_problems() -> list[Warning]:
    """A backend that cannot be imported, or an anymail one without its provider's key,
    fails every message in the worker, silently, as a retried fault."""
    from django.utils.module_loading import import_string

    if settings.EMAIL_BACKEND == FILE_EMAIL and not getattr(settings, "EMAIL_FILE_PATH", None):
        return [
            Warning(
                "EMAIL_BACKEND is the file backend but EMAIL_FILE_PATH is not set: every "
                "email would fail.",
                hint="Set EMAIL_FILE_PATH to the folder the emails are written into.",
                id="aduan.W013",
            )
        ]
    try:
        import_string(settings.EMAIL_BACKEND)
    except ImportError as exc:
        return [
            Warning(
                f"EMAIL_BACKEND {settings.EMAIL_BACKEND!r} cannot be imported ({exc}): no "
                "email would be sent.",
                hint="Check the spelling (docs/operations.md, Email).",
                id="aduan.W008",
            )
        ]
    parts = settings.EMAIL_BACKEND.split(".")  # anymail.backends.mailgun.EmailBackend
    if parts[0] != "anymail" or len(parts) < 4 or parts[2] in KEYLESS_ANYMAIL:
        return []
    name = parts[2].upper()
    if any(key.startswith(f"{name}_") for key in getattr(settings, "ANYMAIL", {})):
        return []
    return [
        Warning(
            f"EMAIL_BACKEND is anymail's {parts[2]} backend but no ANYMAIL_{name}_… setting "
            "is in the environment: the provider would refuse every message.",
            hint=f"Set ANYMAIL_{name}_API_KEY (or the key anymail's page for it names).",
            id="aduan.W009",
        )
    ]


# Anymail backends that take their credentials from elsewhere (AWS's own configuration).
KEYLESS_ANYMAIL = {"amazon_ses", "test"}


@register(Tags.security, deploy=True)
def check_proxy_addresses(app_configs, **kwargs) -> list[Warning]:
    """Behind a proxy, every request comes from the proxy's address unless the proxies
    are counted: all citizens then share one rate-limit budget, and a stranger's wrong
    passwords lock an officer out for everyone."""
    behind_tls = getattr(settings, "ADUAN_BEHIND_TLS_PROXY", False)
    if not behind_tls or getattr(settings, "ADUAN_TRUSTED_PROXIES", 0) > 0:
        return []
    return [
        Warning(
            "ADUAN_BEHIND_TLS_PROXY is on but ADUAN_TRUSTED_PROXIES is 0: client addresses "
            "are the proxy's, so rate limits and sign-in lockouts apply to everyone at once.",
            hint=(
                "Set ADUAN_TRUSTED_PROXIES to the number of proxies in front of Aduan (1 for "
                "one nginx) and have them pass X-Forwarded-For (docs/operations.md)."
            ),
            id="aduan.W006",
        )
    ]


@register(Tags.security, deploy=True)
def check_webhook_addresses(app_configs, **kwargs) -> list[Warning]:
    """The switches that let agency admins point webhooks at plain http or at private
    addresses are for closed networks and tests: left on in production, calls with
    reports' details may travel unencrypted, or an agency admin may make this server
    call its own services and the office network."""
    found = []
    if getattr(settings, "ADUAN_WEBHOOKS_ALLOW_HTTP", False):
        found.append(
            Warning(
                "ADUAN_WEBHOOKS_ALLOW_HTTP is on: agency admins may enter plain-http webhook "
                "URLs, whose calls with reports' details can be read and altered on the way.",
                hint="Turn it off unless every connected system is on a closed network "
                "(docs/operations.md).",
                id="aduan.W011",
            )
        )
    if getattr(settings, "ADUAN_WEBHOOKS_ALLOW_PRIVATE", False):
        found.append(
            Warning(
                "ADUAN_WEBHOOKS_ALLOW_PRIVATE is on: an agency admin may point a webhook at "
                "this server's own services or at addresses in its private network.",
                hint="Turn it off unless a connected system sits on the same intranet "
                "(docs/operations.md).",
                id="aduan.W012",
            )
        )
    return found
