"""Secrets the service must read back, kept encrypted in the database.

The signing secrets of outbound webhooks and an uplink's API key and webhook secret are
needed in clear to sign or authorize calls, so they cannot be hashed like API keys and
passwords. They are sealed with Fernet (AES-128-CBC and HMAC-SHA256) under a key derived
from SECRET_KEY: a copy of the database or of a backup alone neither signs calls that
receivers would trust nor acts at the uplink.

Rotating SECRET_KEY the Django way (the old key moved to SECRET_KEY_FALLBACKS) loses
nothing: values sealed under a fallback still open, and `manage.py reseal_secrets` seals
them again under the current key so the fallback can be dropped. Values written before
sealing existed are read as they are and sealed when next saved (the migrations that
introduced `SealedField` re-save them).
"""

from __future__ import annotations

import base64
import functools
import os

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django import forms
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "sealed:v1:"


@functools.cache
def _fernet(secret_key: str) -> Fernet:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"aduan sealed fields v1"
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def _box() -> MultiFernet:
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return MultiFernet([_fernet(key) for key in keys])


def seal(value: str) -> str:
    """`value` encrypted under the current SECRET_KEY, as stored."""
    return PREFIX + _box().encrypt(value.encode()).decode()


def unseal(stored: str) -> str:
    """The clear value of a stored one; a value stored before sealing is returned as is.

    Raises ImproperlyConfigured when neither SECRET_KEY nor a fallback opens it."""
    if not stored.startswith(PREFIX):
        return stored
    try:
        return _box().decrypt(stored.removeprefix(PREFIX).encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "A sealed secret does not open with SECRET_KEY: it was sealed under another "
            "key. Put the previous key in SECRET_KEY_FALLBACKS."
        ) from None


def is_sealed(stored: str | None) -> bool:
    return bool(stored) and stored.startswith(PREFIX)


# Short binary secrets in a column the project does not own (an authenticator app's key,
# django-otp's 80 characters), where a Fernet token would not fit: AES-256-GCM, compact.
BYTES_PREFIX = "sb1:"
NONCE_BYTES = 12


@functools.cache
def _aead(secret_key: str) -> AESGCM:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"aduan sealed bytes v1"
    ).derive(secret_key.encode())
    return AESGCM(derived)


def seal_bytes(data: bytes) -> str:
    """`data` encrypted under the current SECRET_KEY, as stored: 4 + ⌈(len + 28) × 4/3⌉
    characters (68 for a 20-byte key)."""
    nonce = os.urandom(NONCE_BYTES)
    box = _aead(settings.SECRET_KEY).encrypt(nonce, data, BYTES_PREFIX.encode())
    return BYTES_PREFIX + base64.urlsafe_b64encode(nonce + box).decode().rstrip("=")


def unseal_bytes(stored: str) -> bytes:
    """The clear bytes of a value `seal_bytes` stored, under SECRET_KEY or a fallback.

    Raises ImproperlyConfigured when none opens it, ValueError when it is not sealed."""
    if not is_sealed_bytes(stored):
        raise ValueError("not a sealed value")
    body = stored.removeprefix(BYTES_PREFIX)
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    nonce, box = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
    for key in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        try:
            return _aead(key).decrypt(nonce, box, BYTES_PREFIX.encode())
        except InvalidTag:
            continue
    raise ImproperlyConfigured(
        "A sealed secret does not open with SECRET_KEY: it was sealed under another "
        "key. Put the previous key in SECRET_KEY_FALLBACKS."
    )


def is_sealed_bytes(stored: str | None) -> bool:
    return bool(stored) and stored.startswith(BYTES_PREFIX)


class SealedField(models.TextField):
    """Text that is plain in Python and sealed in the database.

    Sealing is not deterministic (each save gives another ciphertext), so the column
    cannot be filtered or indexed on its value."""

    def from_db_value(self, value, expression, connection):
        return value if value is None else unseal(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, "") or is_sealed(value):
            return value
        return seal(value)

    def formfield(self, **kwargs):
        return super().formfield(**{"widget": forms.TextInput, **kwargs})


def sealed_fields() -> list[tuple[type[models.Model], list[str]]]:
    """Every model with sealed columns, and the names of those columns."""
    found = []
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, SealedField)]
        if names:
            found.append((model, names))
    return found


def reseal(model: type[models.Model], names: list[str]) -> int:
    """Seal the columns `names` of every row again under the current SECRET_KEY (rows
    stored in clear included); returns how many rows were written. Also usable from a
    migration with the historical model."""
    written = 0
    for row in model._default_manager.all().iterator():
        # The field opened each value as it was read; sealed values are stored as given.
        sealed = {name: seal(getattr(row, name)) for name in names if getattr(row, name)}
        if sealed:
            written += model._default_manager.filter(pk=row.pk).update(**sealed)
    return written
