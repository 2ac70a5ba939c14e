import datetime
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from aduan.lib.sealed import is_sealed_bytes, seal_bytes, unseal_bytes


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        fields.setdefault("email_confirmed_at", timezone.now())  # the operator vouches
        return self.create_user(email, password, **fields)


class PhoneCode(models.Model):
    """The code last sent to confirm an account's number: one at a time, kept as a
    keyed hash (`aduan.accounts.phone`), void after its lifetime or too many tries."""

    user = models.OneToOneField(
        "accounts.User", on_delete=models.CASCADE, related_name="phone_code"
    )
    phone = models.CharField(max_length=20)
    code_hash = models.CharField(max_length=64)
    sent_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.user_id} {self.phone}"


class AccountDeleted(Exception):
    """The account was deleted while this copy of it was held in memory."""


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: a citizen, an officer, or both.

    What an officer may do comes from their memberships, not from flags here;
    `is_staff` only opens the Django admin for the people who run the installation.
    """

    email = models.EmailField(_("email"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    phone = models.CharField(_("phone number"), max_length=20, blank=True)
    # When the holder of `phone` typed the code sent to it (`aduan.accounts.phone`); None
    # for a number only typed in. Only a verified number gets text messages or turns the
    # SMS and WhatsApp reports sent from it into the account's.
    phone_verified_at = models.DateTimeField(
        _("phone number verified"), null=True, blank=True, editable=False
    )
    # The last use of the verified number by its holder: the verification, then each
    # message from it while the account still held it (`holds_phone`).
    phone_used_at = models.DateTimeField(
        _("phone number last used"), null=True, blank=True, editable=False
    )
    language = models.CharField(_("language"), max_length=8, default="id")
    # In-app notifications are always on; these add the outside channels.
    notify_by_email = models.BooleanField(_("email"), default=True)
    notify_by_whatsapp = models.BooleanField(_("WhatsApp"), default=False)
    notify_by_sms = models.BooleanField(_("SMS"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("admin site access"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    # When the person showed they read this address (the link sent at sign-up), or an
    # operator created the account; until then no organization can give it a role.
    email_confirmed_at = models.DateTimeField(_("email confirmed"), null=True, blank=True)
    # When the person deleted the account (`aduan.accounts.erasure`): the row stays, as
    # the reporter of reports that are public records, holding no personal data.
    erased_at = models.DateTimeField(_("deleted"), null=True, blank=True, editable=False)
    # Names the account went by before: its reports, signed with them, keep them masked
    # on public pages (`aduan.reports.privacy.reporter_name_pattern`).
    former_names = models.JSONField(default=list, blank=True, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # A number is verified on one account at most: the last to prove it.
            models.UniqueConstraint(
                fields=["phone"],
                condition=models.Q(phone_verified_at__isnull=False),
                name="one_account_per_verified_phone",
            )
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs) -> None:
        if self.pk is None or self.is_erased:
            super().save(*args, **kwargs)
            return
        fields = kwargs.get("update_fields")
        with transaction.atomic():
            # Locked and read again: a request that loaded the account before it was
            # deleted (`aduan.accounts.erasure`), or before another tab renamed it, must
            # not write back what it holds in memory.
            row = (
                type(self)
                .objects.select_for_update()
                .filter(pk=self.pk)
                .values("full_name", "former_names", "erased_at", "phone")
                .first()
            )
            if row is not None and row["erased_at"] is not None:
                raise AccountDeleted
            saves_phone = fields is None or "phone" in fields
            if row is not None and saves_phone and row["phone"] != self.phone:
                # A new number is not the one that was proven, wherever it is changed.
                self.phone_verified_at = None
                if fields is not None and "phone_verified_at" not in fields:
                    fields = kwargs["update_fields"] = [*fields, "phone_verified_at"]
            renamed = False
            if row is not None and (fields is None or "full_name" in fields):
                held = list(row["former_names"] or [])
                formers = [*held, *(name for name in self.former_names if name not in held)]
                former = row["full_name"]
                renamed = bool(former) and former != self.full_name
                if renamed and former not in formers:
                    formers.append(former)
                if formers != self.former_names:
                    self.former_names = formers
                if fields is not None and "former_names" not in fields:
                    kwargs["update_fields"] = [*fields, "former_names"]
            super().save(*args, **kwargs)
            if renamed:
                # Public pages mask the reporter's name as it is now and as it was (a
                # report signed "Siti Rahmawati" stays masked after a rename to "Siti");
                # so must the public search's copy of their reports
                # (`aduan.reports.privacy`).
                from aduan.reports.privacy import refresh_public_text

                refresh_public_text(self.reports.all())

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    @property
    def holds_verified_phone(self) -> bool:
        """Whether the verified number is still this account's holder's (`holds_phone`)."""
        pause = recycle_pause()
        if pause is None:
            return bool(self.verified_phone)
        return bool(
            self.verified_phone
            and self.phone_used_at
            and self.phone_used_at >= timezone.now() - pause
        )

    @property
    def verified_phone(self) -> str:
        """The number proven to be this account's, or ""."""
        return self.phone if self.phone and self.phone_verified_at else ""

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


def recycle_pause() -> datetime.timedelta | None:
    """How long a number lies unused before its operator may give it to someone else;
    None when ADUAN_NUMBER_RECYCLE_DAYS is 0 (numbers never lapse)."""
    days = settings.ADUAN_NUMBER_RECYCLE_DAYS
    return datetime.timedelta(days=days) if days > 0 else None


def holds_phone(phone: str, prefix: str = "") -> models.Q:
    """The accounts (`prefix`: the path to them, "reporter__") whose verified number is
    `phone` and whose holder still holds it: the number was used (verified, or a message
    came from it) within ADUAN_NUMBER_RECYCLE_DAYS. Operators give a number to someone
    else only after it lay unused for months, so a number in use with no such pause
    since it was verified is in the same hands; after one, a message from it may be a
    new holder's, who must not send reports into the account, nor answer for it."""
    held = {f"{prefix}phone": phone, f"{prefix}phone_verified_at__isnull": False}
    pause = recycle_pause()
    if pause is not None:
        held[f"{prefix}phone_used_at__gte"] = timezone.now() - pause
    return models.Q(**held)


class AppDevice(TOTPDevice):
    """An authenticator app (django-otp's TOTP device) whose key is sealed in the
    database (`aduan.lib.sealed.seal_bytes`): a copy of the database or of a backup
    alone gives no one the codes. django-otp's own class reads such a key as no key (it
    is not hexadecimal) and fails, so no other way of verifying can use it. A key
    stored in clear (a device added in the administration site) still works."""

    class Meta:
        proxy = True
        verbose_name = _("authenticator app")
        verbose_name_plural = _("authenticator apps")

    @classmethod
    def new_key(cls) -> str:
        return seal_bytes(secrets.token_bytes(20))

    @property
    def bin_key(self) -> bytes:
        if is_sealed_bytes(self.key):
            return unseal_bytes(self.key)
        return super().bin_key
