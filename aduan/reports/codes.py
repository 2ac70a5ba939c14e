"""Tracking codes and secret tokens.

A tracking code is eight characters from an alphabet without look-alikes (no 0/O, 1/I/L,
no U) shown as two groups of four: "K7QM-3XPA". 31^8 ≈ 8.5 × 10^11 codes make guessing
a live one hopeless at any rate the web server allows, yet it reads well over the phone.
"""

import base64
import hashlib
import hmac
import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
CODE_LENGTH = 8


def new_tracking_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:]}"


def normalize_tracking_code(text: str) -> str:
    """Accept what people type: lower case, spaces, a missing or extra dash."""
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    if len(cleaned) != CODE_LENGTH:
        return ""
    return f"{cleaned[:4]}-{cleaned[4:]}"


def new_secret() -> str:
    return secrets.token_urlsafe(24)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, digest: str) -> bool:
    return bool(digest) and hmac.compare_digest(hash_secret(secret), digest)


def token_reference(token: str) -> str:
    """A form's one-time token as a report's channel reference: a digest, since officers
    see references and the token itself proves that a retry is the same submission."""
    return f"form:{hashlib.sha256(token.encode()).hexdigest()[:40]}"


def secret_from_token(purpose: str, token: str) -> str:
    """A guest's secret-link token derived from a form's one-time token with the server's
    key: a retry of the same form can show the guest's link again, though the report
    keeps only its hash. `purpose` keeps the forms' secrets apart."""
    from django.utils.crypto import salted_hmac

    mac = salted_hmac(purpose, token, algorithm="sha256")
    return base64.urlsafe_b64encode(mac.digest()[:24]).decode()
