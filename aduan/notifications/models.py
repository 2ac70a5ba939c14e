"""The outbox: every message Aduan sends, written in the transaction that causes it.

A row is the message itself, rendered once, with its idempotency `key` (unique, so a
cause that is processed twice writes one row) and its delivery state. In-app messages
are born delivered; the others are sent by the worker, at least once, with the key passed
to the provider so a retry after a crash is recognised as the same message.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aduan.lib.leasing import State, due_q


class Medium(models.TextChoices):
    IN_APP = "in_app", _("In the app")
    EMAIL = "email", _("Email")
    WHATSAPP = "whatsapp", _("WhatsApp")
    SMS = "sms", _("SMS")


class Kind(models.TextChoices):
    # To reporters
    RECEIVED = "received", _("Report received")
    DISPATCHED = "dispatched", _("Report verified and dispatched")
    RESPONSE = "response", _("New response")
    HOLD_QUESTION = "hold_question", _("Question about the report")
    COMPLETED = "completed", _("Report completed")
    CLOSED = "closed", _("Report closed")
    ARCHIVED = "archived", _("Report archived")
    REPLY_DUE = "reply_due", _("Your reply is awaited")
    ANSWER_RECORDED = "answer_recorded", _("Your answer recorded by an officer")
    # To staff
    NEW_IN_INBOX = "new_in_inbox", _("New report in the inbox")
    DUE_SOON = "due_soon", _("Deadline approaching")
    OVERDUE = "overdue", _("Deadline passed")
    ESCALATED = "escalated", _("Overdue report escalated")
    ESCALATED_BY_LEADER = "escalated_by_leader", _("Your report escalated by a leader")
    REMINDER = "reminder", _("Reminder about overdue reports")
    HANDED_OVER = "handed_over", _("Report handed over for oversight")
    ASSIGNED = "assigned", _("Report put in your charge")
    DIGEST = "digest", _("Daily digest")
    DECREE_EXPIRING = "decree_expiring", _("Connection decree expiring")
    # To citizens following a report
    FOLLOWED = "followed", _("News of a report you follow")


class SecretKind(models.TextChoices):
    """Messages whose text is a secret for their one reader (a one-time code), written
    by the code that sends them, never from a template an organization may reword.

    Nobody else reads their text: every page, export and copy of the data shows
    HIDDEN_TEXT instead, and the outbox forgets it once it is sent, given up or of no
    more use (`aduan.notifications.delivery.forget_secrets`): an outbox row is read by
    admins, database dumps and backups long after its reader got it. While it waits,
    its `body` and `short` are sealed (`aduan.lib.sealed`), opened only to be sent."""

    PHONE_CODE = "phone_code", _("Phone number confirmation code")


HIDDEN_TEXT = _("(confirmation code hidden)")


class NotificationQuerySet(models.QuerySet["Notification"]):
    def in_app_for(self, user) -> NotificationQuerySet:
        return self.filter(user=user, medium=Medium.IN_APP)

    def unread_for(self, user) -> NotificationQuerySet:
        return self.in_app_for(user).filter(read_at__isnull=True)

    def due(self, now=None) -> NotificationQuerySet:
        """Messages a worker should (re)try now: waiting and due, or abandoned mid-send."""
        now = now or timezone.now()
        return self.filter(due_q(now))


class Notification(models.Model):
    key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=[*Kind.choices, *SecretKind.choices])
    medium = models.CharField(_("channel"), max_length=10, choices=Medium.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    address = models.CharField(_("address"), max_length=254, blank=True)
    language = models.CharField(max_length=8, default="id")
    report = models.ForeignKey(
        "reports.Report", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The organization the message is about; decides who may see it."),
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    short = models.TextField(_("short message"), help_text=_("For SMS and WhatsApp."))
    link = models.CharField(max_length=500, blank=True)

    state = models.CharField(_("state"), max_length=10, choices=State.choices)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    provider_reference = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state__in=["pending", "sending"]),
                name="notification_to_send",
            ),
            models.Index(fields=["user", "medium", "-created_at"], name="notification_inbox"),
            models.Index(
                fields=["user"],
                condition=Q(medium="in_app", read_at__isnull=True),
                name="notification_unread",
            ),
            models.Index(
                fields=["organization", "state", "-created_at"], name="notification_by_org"
            ),
            models.Index(
                fields=["state", "-created_at"],
                condition=~Q(state="sent"),
                name="notification_unsent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.address or self.user_id} ({self.medium}, {self.state})"

    @property
    def is_secret(self) -> bool:
        return self.kind in SecretKind.values

    @property
    def shown_body(self) -> str:
        """The text as people may read it on a page or in a copy of the data."""
        return str(HIDDEN_TEXT) if self.is_secret else self.body


class MessageTemplate(models.Model):
    """An organization's own wording of one message, for itself and everything below it.

    `subject`, `body` and `short` are Django template text with the same variables as
    the built-in templates (see docs/notifications.md); empty parts keep the built-in text.
    """

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="message_templates"
    )
    kind = models.CharField(_("message"), max_length=20, choices=Kind.choices)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="id"
    )
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("message"), blank=True)
    short = models.TextField(_("short message (SMS, WhatsApp)"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "kind", "language"], name="one_template_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.kind} ({self.language})"


class SupervisorReminder(models.Model):
    """A supervisor's reminder to a unit about its overdue reports (one click)."""

    organization = models.ForeignKey(
        "organizations.Organization", on_delete=models.CASCADE, related_name="+"
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(default=timezone.now)
    message = models.TextField(blank=True)
    report_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"{self.organization} by {self.sent_by_id} at {self.sent_at:%Y-%m-%d %H:%M}"
