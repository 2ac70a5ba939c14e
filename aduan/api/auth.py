"""Authentication by organization API key: `Authorization: Bearer <key>` or `X-Api-Key`.

Each process remembers the keys it has found for `KEY_CACHE_SECONDS` (5 s), so a busy
local system costs no look-up per request: a key revoked (or its organization
deactivated) meanwhile is refused by every process at most that long afterwards. Expiry
is exact; unknown keys are never remembered.
"""

from __future__ import annotations

import datetime
import threading

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from aduan.api.models import ApiKey, hash_key

# Writing last_used_at on every request would turn each read into a write; a minute's
# precision is enough to tell a key in use from a forgotten one.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)
KEY_CACHE_SECONDS = 5
KEY_CACHE_SIZE = 1000

_found: dict[str, tuple[datetime.datetime, ApiKey]] = {}
_found_lock = threading.Lock()


class ApiClient:
    """The `request.user` of an API request: the organization behind a key, not a person."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, key: ApiKey):
        self.key = key
        self.organization = key.organization
        self.pk = None

    def __str__(self) -> str:
        return f"API key {self.key.prefix} of {self.organization}"


def presented_key(request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _space, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.headers.get("X-Api-Key", "").strip()


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        presented = presented_key(request)
        if not presented:
            return None
        key = find_key(hash_key(presented))
        if key is None:
            raise exceptions.AuthenticationFailed(_("Unknown API key."), code="invalid_key")
        if key.is_revoked:
            raise exceptions.AuthenticationFailed(
                _("This API key has been revoked."), code="revoked_key"
            )
        if key.is_expired:
            raise exceptions.AuthenticationFailed(
                _("This API key has expired."), code="expired_key"
            )
        if not key.organization.is_active:
            raise exceptions.AuthenticationFailed(
                _("The organization of this API key is inactive."), code="inactive_organization"
            )
        _note_use(key)
        return ApiClient(key), key

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (with this challenge) rather than 403 without credentials.
        return 'Bearer realm="aduan"'


def find_key(secret_hash: str) -> ApiKey | None:
    """The key with this hash and its organization, as read at most KEY_CACHE_SECONDS
    ago by this process (`ADUAN_API_KEY_CACHE_SECONDS`, 0 to read it every time)."""
    seconds = getattr(settings, "ADUAN_API_KEY_CACHE_SECONDS", KEY_CACHE_SECONDS)
    now = timezone.now()
    remembered = _found.get(secret_hash)
    if remembered is not None and now < remembered[0]:
        return remembered[1]
    key = ApiKey.objects.select_related("organization").filter(secret_hash=secret_hash).first()
    if key is not None and seconds > 0:
        with _found_lock:
            if len(_found) >= KEY_CACHE_SIZE:
                _found.clear()
            _found[secret_hash] = (now + datetime.timedelta(seconds=seconds), key)
    return key


def forget_keys() -> None:
    """Drop this process's remembered keys: after revoking or rotating a key, this
    process then refuses it at once (the others within the cache window)."""
    with _found_lock:
        _found.clear()


def _note_use(key: ApiKey) -> None:
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_PRECISION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now  # a remembered key is not written again on every request
        key.last_used_at = now


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = ApiKeyAuthentication
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An organization API key; the X-Api-Key header works too.",
        }
