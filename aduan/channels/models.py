"""What the inbound channels remember between messages."""

from __future__ import annotations

import datetime
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def conversation_lifetime() -> datetime.timedelta:
    """How long a WhatsApp conversation waits for the next message before it is ended."""
    return datetime.timedelta(hours=getattr(settings, "ADUAN_WHATSAPP_CONVERSATION_HOURS", 24))


class ProcessedMessage(models.Model):
    """A provider's message id we have acted on. Providers deliver at least once; a row
    here makes the second delivery of a message a no-op (no second conversation step, no
    second reply)."""

    channel = models.CharField(max_length=20)
    reference = models.CharField(max_length=120)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "reference"], name="processed_message_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.reference}"


class WhatsAppConversation(models.Model):
    """A guided report in progress with one WhatsApp number: what happened, where, then
    a confirmation. One row per number; it expires after a day of silence."""

    class Step(models.TextChoices):
        WHAT = "what", _("Asked what happened")
        WHERE = "where", _("Asked where")
        CONFIRM = "confirm", _("Asked to confirm")

    phone = models.CharField(_("phone number"), max_length=20, unique=True)
    step = models.CharField(max_length=10, choices=Step.choices, default=Step.WHAT)
    collected = models.JSONField(default=dict, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("WhatsApp conversation")
        verbose_name_plural = _("WhatsApp conversations")

    def __str__(self) -> str:
        return f"{self.phone} ({self.step})"

    def is_expired(self, now: datetime.datetime | None = None) -> bool:
        return (now or timezone.now()) - self.updated_at > conversation_lifetime()


class WhatsAppMedia(models.Model):
    """A photo sent during a WhatsApp conversation, to be fetched from the Graph API and
    attached to the report it ended in. The row makes the download idempotent: it is
    attached once (`attachment` set, state ATTACHED) however often the task runs."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be downloaded")
        ATTACHED = "attached", _("Attached")
        REFUSED = "refused", _("Not kept")

    report = models.ForeignKey(
        "reports.Report", on_delete=models.CASCADE, related_name="whatsapp_media"
    )
    media_id = models.CharField(max_length=100)
    position = models.PositiveSmallIntegerField(default=1)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    error = models.CharField(max_length=300, blank=True)
    attachment = models.OneToOneField(
        "reports.Attachment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("WhatsApp photo")
        verbose_name_plural = _("WhatsApp photos")
        constraints = [
            models.UniqueConstraint(fields=["report", "media_id"], name="whatsapp_media_unique")
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.media_id} ({self.state})"


def import_storage() -> FileSystemStorage:
    # Import files hold reporters' personal data: kept in the state directory, never
    # under MEDIA_ROOT, and only ever read by the import task.
    return FileSystemStorage(location=Path(settings.STATE_DIR) / "imports")


class ImportJob(models.Model):
    """One confirmed import of a recap file, run by a background task.

    The counters are updated while it runs, so the progress page can show them; `errors`
    holds every row's problems once it is done."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Running")
        DONE = "done", _("Finished")
        FAILED = "failed", _("Failed")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(storage=import_storage, upload_to="jobs/%Y/%m/", max_length=200)
    file_name = models.CharField(max_length=200)
    notify_reporters = models.BooleanField(default=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    problem = models.TextField(blank=True)  # why the whole file failed, when it did
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    # Written with the counters: a running job silent for long has lost its worker.
    progress_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.state})"

    @property
    def is_finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)

    @property
    def percent(self) -> int:
        if self.is_finished:
            return 100
        return min(100, self.done * 100 // self.total) if self.total else 0
