"""API keys of organizations and the remembered answers to idempotent requests."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aduan.organizations.models import Organization

KEY_PREFIX_LENGTH = 8


class Scope(models.TextChoices):
    REPORTS_READ = "reports:read", _("Read reports and their timelines")
    REPORTS_WRITE = "reports:write", _("Submit reports and publish responses")
    META_READ = "meta:read", _("Read categories, organizations and regions")


def hash_key(full_key: str) -> str:
    return hashlib.sha256(full_key.encode()).hexdigest()


class ApiKeyQuerySet(models.QuerySet["ApiKey"]):
    def usable(self, at=None) -> ApiKeyQuerySet:
        at = at or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=at)
        )


class ApiKey(models.Model):
    """A secret that lets one local system act for one organization.

    Only the SHA-256 of the full key is stored: the key is shown once, when it is made.
    The prefix (its first characters) lets people tell keys apart in lists and logs.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=KEY_PREFIX_LENGTH, editable=False)
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    replaced_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["organization__name", "-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… {self.name}"

    @classmethod
    def issue(cls, *, organization, name, scopes, created_by=None, expires_at=None):
        """Create a key; returns (key, full secret). The secret is never stored."""
        full_key = "adn_" + secrets.token_urlsafe(32)
        key = cls.objects.create(
            organization=organization,
            name=name,
            prefix=full_key[:KEY_PREFIX_LENGTH],
            secret_hash=hash_key(full_key),
            scopes=sorted(set(scopes)),
            created_by=created_by,
            expires_at=expires_at,
        )
        return key, full_key

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class IdempotentResponse(models.Model):
    """The first answer to a POST that carried an Idempotency-Key header.

    Keyed by the organization, not the API key, so a rotated key still finds the answers
    its predecessor gave.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    body = models.JSONField(null=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="idempotency_once")
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}:{self.key}"
