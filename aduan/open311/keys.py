"""Which organization an Open311 `api_key` belongs to.

Open311 clients authenticate with the same per-organization API keys as the REST API
(aduan.api): only the SHA-256 of a key is stored, so the given key is hashed the same
way and looked up among usable (not revoked, not expired) keys of active organizations,
as aduan.api.auth does.
"""

from __future__ import annotations

from aduan.organizations.models import Organization

WRITE_SCOPE = "reports:write"


def api_key_organization(raw: str, *, scope: str = WRITE_SCOPE) -> Organization | None:
    """The organization of a usable key with `scope`, or None for anything else."""
    key = usable_key(raw, scope=scope)
    return key.organization if key is not None else None


def usable_key(raw: str, *, scope: str = WRITE_SCOPE):
    """The usable ApiKey `raw` with `scope` (its organization loaded), or None."""
    from aduan.api.models import ApiKey, hash_key

    raw = (raw or "").strip()
    if not raw:
        return None
    key = (
        ApiKey.objects.usable()
        .select_related("organization")
        .filter(secret_hash=hash_key(raw), organization__is_active=True)
        .first()
    )
    if key is None or not key.has_scope(scope):
        return None
    return key


def seconds_to_wait(key) -> int | None:
    """None while `key` is within ADUAN_API_RATE, else how long to wait: the REST API's
    budget per key, which the Open311 writes share (one key, one budget)."""
    from types import SimpleNamespace

    from aduan.api.throttling import ApiKeyRateThrottle

    throttle = ApiKeyRateThrottle()
    if throttle.allow_request(SimpleNamespace(auth=key), None):
        return None
    return max(1, round(throttle.wait() or 1))
