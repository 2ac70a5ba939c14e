"""What the inbound channels remember between messages."""

from __future__ import annotations

import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

CONVERSATION_LIFETIME = datetime.timedelta(hours=24)


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
        return (now or timezone.now()) - self.updated_at > CONVERSATION_LIFETIME
