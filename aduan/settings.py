"""Aduan settings, driven by environment variables.

The defaults give the embedded installation: SQLite and attachments under ./var,
the database-backed task queue and console email. Set DATABASE_URL to use PostgreSQL.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from aduan.lib.env import (
    cache_config,
    env_bool,
    env_choice,
    env_float,
    env_int,
    env_list,
    env_secret,
    env_str,
)
from aduan.system.logformat import LOG_LEVELS, logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
STATE_DIR = Path(env_str("ADUAN_STATE_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_secret("SECRET_KEY", STATE_DIR)
# A key generated into STATE_DIR differs from host to host: `check --deploy` refuses it.
ADUAN_SECRET_KEY_GENERATED = not env_str("SECRET_KEY", "")
# Earlier keys, after a rotation: sealed secrets (aduan/lib/sealed.py) still open.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = env_str("SITE_NAME", "Aduan")
# Who runs this installation and answers for the personal data it holds (the privacy
# notice at /privasi/ names them), and where people write about their data.
ADUAN_OPERATOR_NAME = env_str("ADUAN_OPERATOR_NAME", "")
# Two-step sign-in (aduan.accounts.two_factor): required of every officer and operator
# before the back office and the administration site open, when on.
ADUAN_STAFF_TWO_FACTOR = env_bool("ADUAN_STAFF_TWO_FACTOR", False)
OTP_TOTP_ISSUER = SITE_NAME
# Keys are sealed (aduan.accounts.models.AppDevice): the administration site shows none,
# and no QR code of a device already set up.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# An officer's session ends after this many minutes without reading a page (0: never).
ADUAN_STAFF_IDLE_MINUTES = env_int("ADUAN_STAFF_IDLE_MINUTES", 60)
# A form sent after the idle limit is still taken within this many hours of the
# officer's last activity (a response written slowly); later, it is refused.
ADUAN_STAFF_LATE_FORM_HOURS = env_int("ADUAN_STAFF_LATE_FORM_HOURS", 8)
ADUAN_PRIVACY_CONTACT = env_str("ADUAN_PRIVACY_CONTACT", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "aduan.accounts",
    "aduan.organizations",
    "aduan.reports",
    "aduan.portal",
    "aduan.workspace",
    "aduan.channels",
    "aduan.deadlines",
    "aduan.notifications",
    "aduan.system",
    # Not "rest_framework": as an installed app its Indonesian catalogue would replace
    # Django's own texts on every form ("Bidang ini harus diisi." for "This field is
    # required."). The API renders JSON only and needs none of its templates.
    "drf_spectacular",
    "aduan.api",
    "aduan.open311",
    "aduan.webhooks",
    "aduan.analytics",
    "aduan.triage",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "aduan.lib.compression.TextGZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "aduan.lib.language.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "aduan.accounts.middleware.PrivatePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "aduan.accounts.middleware.IdleOfficerSessionMiddleware",
    "aduan.accounts.middleware.TwoFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "aduan.urls"
WSGI_APPLICATION = "aduan.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "aduan" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "aduan.accounts.context_processors.roles",
                "aduan.notifications.context_processors.unread",
            ],
        },
    },
]

DATABASES = {
    # An empty DATABASE_URL means the default, as an unset one does.
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", "") or f"sqlite:///{STATE_DIR / 'aduan.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web server and the worker use the file at the same time.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file, not memory, so tests can start real worker processes against it.
    DATABASES["default"]["TEST"] = {"NAME": str(STATE_DIR / "test.sqlite3")}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # aduan/lib/postgresql: Django's backend with a cheaper per-request health check.
    DATABASES["default"]["ENGINE"] = "aduan.lib.postgresql"
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),  # e.g. ?sslmode=require in the URL
        # Parameters bound by the server, and a statement a connection has run five
        # times prepared (psycopg's default): less parsing and planning per request.
        # Off for a pooler that cannot keep prepared statements (PgBouncer before 1.21
        # in transaction mode).
        "server_side_binding": True,
        "prepare_threshold": 5 if env_bool("DATABASE_PREPARED_STATEMENTS", True) else None,
        # Seconds after a request in which a connection is trusted without `SELECT 1`.
        "health_check_after": env_float("DATABASE_HEALTH_CHECK_AFTER", 1.0),
    }

# Each process remembers an API key it has looked up for this many seconds, so a revoked
# key is refused by every process within that time (0: look it up on every request).
ADUAN_API_KEY_CACHE_SECONDS = env_int("ADUAN_API_KEY_CACHE_SECONDS", 5)
# The changes feed lists events at least this old, so that none still being committed
# is passed by a client's cursor (aduan.api.views.ChangeList).
ADUAN_CHANGES_LAG_SECONDS = env_int("ADUAN_CHANGES_LAG_SECONDS", 10)
# Likewise the working-day calendar, for a new report's first deadline; clocks started
# on an out-of-date calendar are moved by a task after a correction (0: read it always).
ADUAN_CALENDAR_CACHE_SECONDS = env_int("ADUAN_CALENDAR_CACHE_SECONDS", 5)

# A PostgreSQL read replica for dashboards and public pages (aduan/lib/replica.py).
if env_str("DATABASE_REPLICA_URL", ""):
    DATABASES["replica"] = dj_database_url.parse(
        env_str("DATABASE_REPLICA_URL", ""),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
    if DATABASES["replica"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["replica"]["ENGINE"] = "aduan.lib.postgresql"
        primary = DATABASES["default"]
        # The primary's options are defaults; the replica's own URL (its sslmode, its
        # connect_timeout) wins. A short connect timeout by default lets public pages
        # fall back to the primary quickly when the replica host is gone.
        DATABASES["replica"]["OPTIONS"] = {
            "connect_timeout": 5,
            **(primary["OPTIONS"] if primary["ENGINE"] == "aduan.lib.postgresql" else {}),
            **DATABASES["replica"].get("OPTIONS", {}),
        }
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["aduan.lib.replica.ReplicaRouter"]

# Each process's own memory by default. With several processes or hosts, point every
# one at the same Redis (ADUAN_CACHE_URL=redis://host:6379/0) so the API's per-key rate
# limits and the cached public figures are shared.
CACHES = {"default": cache_config(env_str("ADUAN_CACHE_URL", ""))}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:home"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Guessing passwords: after this many failures for one account from one address, that
# pair is locked out for a while. Keyed on both so nobody can lock an officer out.
AXES_FAILURE_LIMIT = env_int("ADUAN_LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("ADUAN_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The sign-in form names its email field "username", as Django's AuthenticationForm does.
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
# Reverse proxies in front of Aduan: the client's address is then read from
# X-Forwarded-For (aduan.lib.ratelimits.client_ip), for sign-in lockouts and rate limits.
ADUAN_TRUSTED_PROXIES = env_int("ADUAN_TRUSTED_PROXIES", 0)
AXES_CLIENT_IP_CALLABLE = "aduan.lib.ratelimits.client_ip"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if env_bool("ADUAN_FAST_PASSWORDS", False):
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "aduan" / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Jakarta")
# One date and time style per language, day first on a 24-hour clock (aduan/formats).
FORMAT_MODULE_PATH = ["aduan.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "aduan" / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(STATE_DIR / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Without DEBUG, pages link to the fingerprinted, compressed copies collectstatic
    # writes to STATIC_ROOT, which WhiteNoise serves with a cache lifetime of years
    # (aduan/system/staticfiles.py). With DEBUG, the source files as they are edited.
    "staticfiles": {
        "BACKEND": "aduan.system.staticfiles.CollectedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(STATE_DIR / "media")))
# Attachments and decrees in an S3-compatible object store (AWS S3, MinIO, Ceph, a cloud
# provider's) instead of MEDIA_ROOT, for web and worker hosts that share no disk. The
# bucket stays private: every file is read through Aduan's own views, which check who may
# see it, never through a public bucket address.
ADUAN_S3_BUCKET = env_str("ADUAN_S3_BUCKET", "")
if ADUAN_S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": ADUAN_S3_BUCKET,
            "location": env_str("ADUAN_S3_PREFIX", ""),
            "endpoint_url": env_str("ADUAN_S3_ENDPOINT_URL", "") or None,
            "region_name": env_str("ADUAN_S3_REGION", "") or None,
            "access_key": env_str("ADUAN_S3_ACCESS_KEY", "") or None,
            "secret_key": env_str("ADUAN_S3_SECRET_KEY", "") or None,
            "addressing_style": env_str("ADUAN_S3_ADDRESSING_STYLE", "") or None,
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
# Serving the source folders is for development only: they are neither compressed nor
# fingerprinted, so browsers may cache them for a minute at most.
WHITENOISE_USE_FINDERS = DEBUG

# Attachments: what a report may carry. Photos are shrunk to ADUAN_IMAGE_MAX_SIDE pixels
# on their long side when they are cleaned (aduan/reports/attachments.py).
ADUAN_IMAGE_MAX_SIDE = env_int("ADUAN_IMAGE_MAX_SIDE", 2048)
ADUAN_MAX_ATTACHMENT_BYTES = env_int("ADUAN_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024)
ADUAN_MAX_ATTACHMENTS = env_int("ADUAN_MAX_ATTACHMENTS", 5)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}
# A worker is reported down when its last heartbeat is older than this.
ADUAN_WORKER_STALE_SECONDS = env_int("ADUAN_WORKER_STALE_SECONDS", 90)
# The periodic scan (run_scans) is reported stopped when no host finished a pass within
# this time: several times the --loop interval, or the cron interval.
ADUAN_SCAN_STALE_SECONDS = env_int("ADUAN_SCAN_STALE_SECONDS", 600)

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Aduan <noreply@localhost>")
# An SMTP relay (EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend), such as a
# government's own mail server.
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
# The folder Django's file backend (django.core.mail.backends.filebased.EmailBackend)
# writes each email into; without one that backend fails every email (aduan.W013).
if env_str("EMAIL_FILE_PATH", ""):
    EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", "")
# Real email providers through django-anymail, e.g. EMAIL_BACKEND=
# anymail.backends.mailgun.EmailBackend with ANYMAIL_MAILGUN_API_KEY=... in the environment.
ANYMAIL = {
    key.removeprefix("ANYMAIL_"): value
    for key, value in os.environ.items()
    if key.startswith("ANYMAIL_")
}

# Where links in messages point: the public address of this installation (SITE_URL).
ADUAN_SITE_URL = SITE_URL

# Deadlines in working days (DESIGN §5); per installation through the environment.
ADUAN_DEADLINE_DAYS = {
    "verification": env_int("ADUAN_DEADLINE_VERIFICATION_DAYS", 3),
    "first_response": env_int("ADUAN_DEADLINE_FIRST_RESPONSE_DAYS", 5),
    "completion_simple": env_int("ADUAN_DEADLINE_COMPLETION_SIMPLE_DAYS", 5),
    "completion_normal": env_int("ADUAN_DEADLINE_COMPLETION_NORMAL_DAYS", 14),
    "completion_field": env_int("ADUAN_DEADLINE_COMPLETION_FIELD_DAYS", 60),
    "reporter_reply": env_int("ADUAN_DEADLINE_REPORTER_REPLY_DAYS", 10),
    "missing_information": env_int("ADUAN_DEADLINE_MISSING_INFORMATION_DAYS", 10),
}
# Handlers are reminded this many working days before a deadline (at most half of it).
ADUAN_REMIND_BEFORE_DAYS = env_int("ADUAN_REMIND_BEFORE_DAYS", 1)
# The hour (local time of each organization) after which the daily digest goes out.
ADUAN_DIGEST_HOUR = env_int("ADUAN_DIGEST_HOUR", 7)

# Outbound messages: delivery attempts before a message is marked failed, and how long a
# worker may hold a message it is sending before another worker may take it over.
ADUAN_DELIVERY_MAX_ATTEMPTS = env_int("ADUAN_DELIVERY_MAX_ATTEMPTS", 8)
ADUAN_DELIVERY_LEASE_SECONDS = env_int("ADUAN_DELIVERY_LEASE_SECONDS", 120)
# The public map, search and open data (docs/portal.md, docs/opendata.md). Tiles come from
# the tile server named here, in the visitor's browser; the server never fetches any.
ADUAN_MAP_TILE_URL = env_str("ADUAN_MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
ADUAN_MAP_ATTRIBUTION = env_str(
    "ADUAN_MAP_ATTRIBUTION",
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
)
ADUAN_MAP_MAX_FEATURES = env_int("ADUAN_MAP_MAX_FEATURES", 500)
ADUAN_SEARCH_RANK_WINDOW = env_int("ADUAN_SEARCH_RANK_WINDOW", 200)
ADUAN_OPEN_DATA_BATCH_SIZE = env_int("ADUAN_OPEN_DATA_BATCH_SIZE", 1000)

# Monitoring: an agency is active when an officer acted on a report within this many
# days; the league table ranks only organizations with this many verified reports
# submitted within its window of days.
ADUAN_ACTIVE_AGENCY_DAYS = env_int("ADUAN_ACTIVE_AGENCY_DAYS", 30)
ADUAN_LEAGUE_MIN_REPORTS = env_int("ADUAN_LEAGUE_MIN_REPORTS", 10)
ADUAN_LEAGUE_WINDOW_DAYS = env_int("ADUAN_LEAGUE_WINDOW_DAYS", 90)
# Dashboards show figures computed at most this long ago; the scan recomputes the ones
# people look at before that (aduan/analytics/snapshots.py).
ADUAN_FIGURES_MAX_AGE_SECONDS = env_int("ADUAN_FIGURES_MAX_AGE_SECONDS", 600)

# Suggestion models learned from the installation's own dispatches (aduan/triage/training.py,
# docs/triage.md): when a retraining is due, what it learns from, which versions are kept.
TRIAGE_MIN_SAMPLES = env_int("TRIAGE_MIN_SAMPLES", 20)
TRIAGE_MAX_REPORTS = env_int("TRIAGE_MAX_REPORTS", 100_000)
TRIAGE_RETRAIN_AFTER_LABELS = env_int("TRIAGE_RETRAIN_AFTER_LABELS", 200)
TRIAGE_RETRAIN_EVERY_DAYS = env_int("TRIAGE_RETRAIN_EVERY_DAYS", 7)
TRIAGE_AUTO_PROMOTE = env_bool("TRIAGE_AUTO_PROMOTE", True)
TRIAGE_KEEP_VERSIONS = env_int("TRIAGE_KEEP_VERSIONS", 5)
TRIAGE_RETRAIN_GUARD_SECONDS = env_int("TRIAGE_RETRAIN_GUARD_SECONDS", 3600)
TRIAGE_RETRAIN_STALE_SECONDS = env_int("TRIAGE_RETRAIN_STALE_SECONDS", 300)
TRIAGE_FIRST_MODEL_GRACE_HOURS = env_int("TRIAGE_FIRST_MODEL_GRACE_HOURS", 24)

# Outbound webhooks and forwarding to an uplink: attempts before a call is marked failed
# (30 s doubling to 6 h between them: 12 attempts span about a day and a half), and
# whether plain-http URLs are accepted (only for loopback tests and closed networks).
ADUAN_WEBHOOK_MAX_ATTEMPTS = env_int("ADUAN_WEBHOOK_MAX_ATTEMPTS", 12)
ADUAN_WEBHOOKS_ALLOW_HTTP = env_bool("ADUAN_WEBHOOKS_ALLOW_HTTP", False)
# Webhooks to this server's own or a private network (a connected system on the same
# government intranet); refused by default.
ADUAN_WEBHOOKS_ALLOW_PRIVATE = env_bool("ADUAN_WEBHOOKS_ALLOW_PRIVATE", False)
# WhatsApp Cloud API (Meta Graph API) for outbound messages; empty disables the channel.
# A WhatsApp conversation silent this long is ended; its unfinished report is discarded.
ADUAN_WHATSAPP_CONVERSATION_HOURS = env_int("ADUAN_WHATSAPP_CONVERSATION_HOURS", 24)
ADUAN_WHATSAPP_API_URL = env_str("ADUAN_WHATSAPP_API_URL", "https://graph.facebook.com/v21.0")
ADUAN_WHATSAPP_PHONE_NUMBER_ID = env_str("ADUAN_WHATSAPP_PHONE_NUMBER_ID", "")
ADUAN_WHATSAPP_TOKEN = env_str("ADUAN_WHATSAPP_TOKEN", "")
# An approved message template with one body parameter, required by WhatsApp for
# messages outside the 24-hour customer-service window; empty sends plain text.
ADUAN_WHATSAPP_TEMPLATE = env_str("ADUAN_WHATSAPP_TEMPLATE", "")
ADUAN_WHATSAPP_TEMPLATE_LANGUAGE = env_str("ADUAN_WHATSAPP_TEMPLATE_LANGUAGE", "id")
# A generic HTTP SMS gateway: JSON POST of {to, message, reference}; empty disables SMS.
ADUAN_SMS_GATEWAY_URL = env_str("ADUAN_SMS_GATEWAY_URL", "")
ADUAN_SMS_GATEWAY_TOKEN = env_str("ADUAN_SMS_GATEWAY_TOKEN", "")
ADUAN_SMS_SENDER = env_str("ADUAN_SMS_SENDER", "ADUAN")
# Inbound messages (aduan/channels): the shared secret an SMS gateway sends with each
# delivery (header X-Aduan-Token or ?token=), the WhatsApp webhook's verify token and
# app secret (X-Hub-Signature-256); empty refuses the webhook. Inbound email is
# authenticated by ANYMAIL_WEBHOOK_SECRET ("user:password", HTTP basic auth).
ADUAN_SMS_INBOUND_TOKEN = env_str("ADUAN_SMS_INBOUND_TOKEN", "")
ADUAN_WHATSAPP_VERIFY_TOKEN = env_str("ADUAN_WHATSAPP_VERIFY_TOKEN", "")
ADUAN_WHATSAPP_APP_SECRET = env_str("ADUAN_WHATSAPP_APP_SECRET", "")

# The REST API for local complaint systems (aduan.api): organization API keys only, JSON
# only, errors as {"errors": [...]}; ADUAN_API_RATE limits each key (e.g. "600/min").
ADUAN_API_RATE = env_str("ADUAN_API_RATE", "600/min")
# Public lookups per visitor's address (aduan/lib/ratelimits.py). These rates are
# checked by `manage.py check` (aduan/system/checks.py).
ADUAN_LOOKUP_RATE = env_str("ADUAN_LOOKUP_RATE", "30/m")
ADUAN_LINK_RATE = env_str("ADUAN_LINK_RATE", "120/m")
ADUAN_DRAFT_CHECK_RATE = env_str("ADUAN_DRAFT_CHECK_RATE", "60/m")
# Codes sent to verify an account's phone number, per account and per number
# (aduan/accounts/phone.py): each is a paid text message to someone's phone.
ADUAN_PHONE_CODE_RATE = env_str("ADUAN_PHONE_CODE_RATE", "5/h")
# Operators give a phone number to someone else only after it lay unused this long
# (active period, grace, quarantine): guest reports sent from a number before such a
# pause may be a former holder's, and are not attached to the account that verifies it.
# 0: numbers never lapse.
ADUAN_NUMBER_RECYCLE_DAYS = env_int("ADUAN_NUMBER_RECYCLE_DAYS", 90)
# Days the API keeps its answers to idempotent POSTs for replays.
ADUAN_IDEMPOTENCY_DAYS = env_int("ADUAN_IDEMPOTENCY_DAYS", 7)
# Finished background-task rows are deleted after this many days (aduan.lib.tasks).
ADUAN_TASK_RESULTS_KEEP_DAYS = env_int("ADUAN_TASK_RESULTS_KEEP_DAYS", 14)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["aduan.api.auth.ApiKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["aduan.api.permissions.HasApiKey"],
    "DEFAULT_THROTTLE_CLASSES": ["aduan.api.throttling.ApiKeyRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "aduan.api.negotiation.JsonWhateverAccepted",
    "DEFAULT_PARSER_CLASSES": ["aduan.api.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "aduan.api.pagination.IdCursorPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "aduan.api.errors.exception_handler",
    "UNAUTHENTICATED_USER": None,
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Aduan API",
    "DESCRIPTION": "Reports, responses and reference data for local complaint systems.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ReportKindEnum": "aduan.reports.models.Kind",
        "OrganizationKindEnum": "aduan.organizations.models.Organization.Kind",
    },
}

# HTTPS. Behind a proxy that terminates TLS, Django sees plain http unless the proxy says
# otherwise: ADUAN_BEHIND_TLS_PROXY trusts its X-Forwarded-Proto header, so set it only
# when the proxy sets that header on every request (and clients cannot reach Aduan
# around it). The others are off by default, as they break a plain-http installation.
ADUAN_BEHIND_TLS_PROXY = env_bool("ADUAN_BEHIND_TLS_PROXY", False)
if ADUAN_BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("ADUAN_SSL_REDIRECT", False)
# A load balancer checks the processes directly over plain http: never redirect it.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("ADUAN_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("ADUAN_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("ADUAN_HSTS_PRELOAD", False)
SESSION_COOKIE_HTTPONLY = True
# Cookies only over HTTPS: on by default once the installation says it is behind TLS.
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", ADUAN_BEHIND_TLS_PROXY or SECURE_SSL_REDIRECT)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_FAILURE_VIEW = "aduan.portal.errors.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# One line per record with time, level and logger (LOG_FORMAT=json: one JSON object).
# LOG_LEVEL in any case ("debug", "INFO"); anything else stops the process naming it.
LOGGING = logging_config(
    env_choice("LOG_LEVEL", LOG_LEVELS, "info").upper(),
    env_choice("LOG_FORMAT", ("text", "json"), "text"),
)
