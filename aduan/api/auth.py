"""Authentication by organization API key: `Authorization: Bearer <key>` or `X-Api-Key`."""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from aduan.api.models import ApiKey, hash_key

# Writing last_used_at on every request would turn each read into a write; a minute's
# precision is enough to tell a key in use from a forgotten one.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


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
        key = (
            ApiKey.objects.select_related("organization")
            .filter(secret_hash=hash_key(presented))
            .first()
        )
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


def _note_use(key: ApiKey) -> None:
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_PRECISION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
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
