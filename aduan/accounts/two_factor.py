"""Two-step sign-in: a password, then a code from an authenticator app (TOTP, RFC 6238)
or one of ten single-use backup codes (django-otp does the cryptography and the
throttling: each wrong code doubles the wait before the next try). The app's key is
stored sealed (`AppDevice`) and the backup codes as slow digests: a copy of the
database alone signs no one in.

Anyone may turn it on at `/akun/dua-langkah/`; an installation can require it of every
officer and operator (ADUAN_STAFF_TWO_FACTOR), who then reach the back office and the
administration site only from a session signed in with a code
(`middleware.TwoFactorRequiredMiddleware`).

Between the two steps the session holds only who passed the password and when, bound
to the password: the account is not signed in until the code is right, a pending step
lasts PENDING_SECONDS, and a password changed meanwhile voids it.
"""

from __future__ import annotations

import hashlib
import time

import segno
from django.conf import settings
from django.db import transaction
from django.utils.crypto import constant_time_compare
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from aduan.accounts.models import AppDevice

PENDING_KEY = "aduan_two_factor_pending"
PENDING_SECONDS = 10 * 60
BACKUP_CODES = 10
APP_DEVICE = "app"
BACKUP_DEVICE = "backup"
BACKUP_ROUNDS = 100_000  # about 30 ms: one digest per code typed


def is_on(user) -> bool:
    return user_has_device(user, confirmed=True)


def is_required_of(user) -> bool:
    """Whether this installation requires two-step sign-in of `user`: officers (any
    role in an organization) and operators, when ADUAN_STAFF_TWO_FACTOR is on."""
    from aduan.organizations.access import is_officer

    return getattr(settings, "ADUAN_STAFF_TWO_FACTOR", False) and is_officer(user)


# --- Turning it on ---------------------------------------------------------------------


def pending_app(user) -> AppDevice:
    """The authenticator app being set up (made on the first visit; the same secret on
    later visits until it is confirmed, so a reload does not void a scanned code)."""
    device = AppDevice.objects.filter(user=user, name=APP_DEVICE, confirmed=False).first()
    return device or AppDevice.objects.create(
        user=user, name=APP_DEVICE, confirmed=False, key=AppDevice.new_key()
    )


def qr_svg(device: AppDevice) -> str:
    """The app's set-up link as an inline SVG QR code (no image request, no network).

    A viewBox and no fixed size: the page sets its width (aduan.css), and a fixed
    width and height would crop the code's right and bottom edges instead of scaling
    it. The quiet zone is the four modules scanners expect."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, border=4, omitsize=True)


def secret_for_typing(device: AppDevice) -> str:
    """The secret in base32, in groups of four, for apps that cannot scan."""
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def confirm_app(user, device: AppDevice, code: str) -> tuple[AppDevice, list[str]] | None:
    """Confirm the app with a code it shows; returns it and the new backup codes (shown
    once), or None when the code is wrong."""
    with transaction.atomic():
        device = AppDevice.objects.select_for_update().get(pk=device.pk, user=user)
        if not device.verify_token(_digits(code)):
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        return device, new_backup_codes(user)


def new_backup_codes(user) -> list[str]:
    """Ten new single-use codes; the earlier ones stop working. Only a keyed digest of
    each is stored (`backup_digest`): a copy of the database alone gives none away."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_DEVICE, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=backup_digest(device, code)) for code in codes
    )
    return codes


def backup_digest(device: StaticDevice, code: str) -> str:
    """What is stored of a backup code: a slow digest (PBKDF2, BACKUP_ROUNDS) salted with
    the account and its device, cut to the 16 characters django-otp's column holds. A
    code has 40 random bits: trying them all against one account's copied digests would
    take a trillion digests of BACKUP_ROUNDS rounds each. Not keyed with SECRET_KEY, so
    that rotating it leaves the codes people hold working."""
    salt = f"aduan-backup:{device.user_id}:{device.pk}".encode()
    digest = hashlib.pbkdf2_hmac("sha256", code.lower().encode(), salt, BACKUP_ROUNDS)
    return digest.hex()[:16]


def backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def turn_off(user) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


# --- Signing in ------------------------------------------------------------------------


def verify(user, code: str):
    """The device that accepts `code` (the app's six digits or a backup code, which is
    then used up), or None. Wrong codes are throttled per device."""
    code = "".join(code.split()).lower()
    if not code:
        return None
    with transaction.atomic():
        apps = AppDevice.objects.select_for_update().filter(user=user, confirmed=True)
        for device in apps.order_by("pk"):
            # A backup code is not a wrong code of the app: counted as one, each
            # backup code used would make the app's next code wait longer.
            if _is_app_code(code, device) and device.verify_token(code):
                return device
        backups = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True)
        for device in backups.order_by("pk"):
            if device.verify_token(backup_digest(device, code)):
                return device
    return None


def _is_app_code(code: str, device: AppDevice) -> bool:
    return code.isdigit() and len(code) == device.digits


def _digits(code: str) -> str:
    return "".join(character for character in code if not character.isspace())


def begin(request, user, next_url: str, username: str = "") -> None:
    """The password was right: remember, in this session only, who is half signed in
    (and the address as typed, which django-axes counts failures under)."""
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "username": username,
        "backend": user.backend,
        "at": time.time(),
        "password": user.get_session_auth_hash(),
        "next": next_url,
    }


def pending(request):
    """(user, backend, next) of the step begun in this session, or None when there is
    none, it is too old, or the account's password changed since."""
    from aduan.accounts.models import User

    state = request.session.get(PENDING_KEY)
    if not isinstance(state, dict) or time.time() - state.get("at", 0) > PENDING_SECONDS:
        return None
    user = User.objects.filter(pk=state.get("user"), is_active=True).first()
    if user is None or not constant_time_compare(
        state.get("password", ""), user.get_session_auth_hash()
    ):
        return None
    return user, state["backend"], state.get("next", "")


def locked_out(request, user) -> dict | None:
    """The credentials django-axes has locked out from this address, for the account
    half signed in here (as typed at the first step, or its address), or None. Password
    guessing that locks the account meanwhile also stops the second step."""
    from axes.handlers.proxy import AxesProxyHandler

    state = request.session.get(PENDING_KEY) or {}
    for username in dict.fromkeys([state.get("username", ""), user.email]):
        credentials = {settings.AXES_USERNAME_FORM_FIELD: username}
        if username and AxesProxyHandler.is_locked(request, credentials):
            return credentials
    return None


def finish(request) -> None:
    request.session.pop(PENDING_KEY, None)
