"""The one jurisdiction this endpoint serves, as GeoReport v2 names it.

The spec suggests the jurisdiction's website root without "www" (San Francisco is
sfgov.org), so ours is the host of SITE_URL. Clients may leave `jurisdiction_id` out, as
the spec allows for single-jurisdiction servers; one they do send must be ours, or the
answer is the spec's 404 naming it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings


def jurisdiction_id() -> str:
    return _without_www(urlsplit(settings.SITE_URL).hostname or "")


def is_ours(raw: str) -> bool:
    """True for our host, with or without "www.", a port, a scheme or a trailing slash."""
    given = raw.strip().lower().rstrip("/")
    if not given:
        return True
    if "://" not in given:
        given = "//" + given
    try:
        host = urlsplit(given).hostname or ""
    except ValueError:
        return False
    return _without_www(host) == jurisdiction_id()


def _without_www(host: str) -> str:
    host = host.lower()
    return host[4:] if host.startswith("www.") else host
