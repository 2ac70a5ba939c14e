"""Every endpoint needs an API key holding the scope the view names for the method."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import exceptions, permissions

from aduan.api.models import ApiKey


class HasApiKey(permissions.BasePermission):
    """Views declare `scopes = {"GET": Scope..., "POST": Scope...}`."""

    def has_permission(self, request, view) -> bool:
        key = request.auth
        if not isinstance(key, ApiKey):
            return False  # DRF answers 401: there is an authenticator but no credentials
        method = "GET" if request.method == "HEAD" else request.method  # as Django does
        needed = getattr(view, "scopes", {}).get(method)
        if needed is None:
            # A method the view does not implement gets DRF's 405 with its Allow header.
            return request.method == "OPTIONS" or not hasattr(view, request.method.lower())
        if not key.has_scope(needed):
            raise exceptions.PermissionDenied(
                _("This API key lacks the scope “%(scope)s”.") % {"scope": needed},
                code="missing_scope",
            )
        return True
