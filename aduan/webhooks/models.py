"""Keeping other systems in sync: webhooks out, and reports forwarded to an uplink.

Outbound: an organization's `WebhookEndpoint` receives a signed call for every status
change and public response of the reports it may see; each call is a `WebhookDelivery`
row, delivered at least once with retries, and kept as the delivery log.

Upstream: an `Uplink` is another Aduan (or SP4N-LAPOR!-compatible) instance this one
forwards reports to through its REST API; a `Forwarding` row per forwarded report carries
the call to make and, once made, the remote tracking code, so that the uplink's signed
webhooks can be matched back to the local report.
"""

from __future__ import annotations

import base64
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from aduan.lib.leasing import State, due_q
from aduan.lib.sealed import SealedField
from aduan.organizations.models import Organization
from aduan.reports.models import Status

SECRET_PREFIX = "whsec_"


def new_signing_secret() -> str:
    """A secret in the Standard Webhooks format: `whsec_` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


class EventType(models.TextChoices):
    CREATED = "report.created", _("A report was received")
    STATUS_CHANGED = "report.status_changed", _("A report's status changed")
    RESPONSE_PUBLISHED = "report.response_published", _("A response was published")
    REPORTER_UPDATE = "report.reporter_update", _("The reporter added files or rated it")


class DeliveryQuerySet(models.QuerySet):
    def due(self, now=None):
        return self.filter(due_q(now or timezone.now()))


class LeasedRow(models.Model):
    """The fields `aduan.lib.leasing.LeasedQueue` delivers a row by."""

    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        abstract = True


class WebhookEndpoint(models.Model):
    """A URL of a connected system that hears about the reports its organization sees."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=150)
    secret = SealedField(default=new_signing_secret, editable=False)
    event_types = models.JSONField(_("events"), default=list)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["organization__name", "url"]

    def __str__(self) -> str:
        return f"{self.organization} → {self.url}"


class WebhookDelivery(LeasedRow):
    """One call to one endpoint about one timeline event; the same `message_id` on every
    attempt, so the receiver recognises a retry."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey("reports.ReportEvent", on_delete=models.CASCADE, related_name="+")
    event_type = models.CharField(_("event"), max_length=40, choices=EventType.choices)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_response = models.TextField(blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="webhook_once_per_event")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state__in=["pending", "sending"]),
                name="webhook_to_send",
            ),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_log"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} #{self.event_id} → {self.endpoint_id}"

    @property
    def message_id(self) -> str:
        return f"msg_{self.event_id}"


class Uplink(models.Model):
    """Another instance this one forwards reports to, and hears back from.

    `api_key` is the key the uplink issued to `organization` (it acts there in that
    organization's name); `webhook_secret` is the signing secret of the webhook the uplink
    calls at `/masuk/uplink/<slug>/`. Both are sealed in the database (`aduan.lib.sealed`).
    """

    slug = models.SlugField(_("short name"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=150)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="uplinks")
    base_url = models.URLField(_("address"), max_length=300)
    api_key = SealedField(_("API key"))
    webhook_secret = SealedField(_("webhook signing secret"))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("connected instance")
        verbose_name_plural = _("connected instances")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def api_url(self, path: str) -> str:
        return f"{self.base_url.rstrip('/')}/api/v1/{path}"


class Erasure(models.TextChoices):
    """Whether the uplink erased the reporter of a forwarded report, once they were
    erased here (`aduan.accounts.erasure`)."""

    NONE = "", pgettext_lazy("erasure there", "not asked")
    DUE = "due", pgettext_lazy("erasure there", "waiting to be sent")
    DONE = "done", pgettext_lazy("erasure there", "done")
    REFUSED = "refused", pgettext_lazy("erasure there", "refused")


class Forwarding(LeasedRow):
    """A report forwarded to an uplink: the call to make, then the remote report."""

    report = models.ForeignKey(
        "reports.Report", on_delete=models.CASCADE, related_name="forwardings"
    )
    uplink = models.ForeignKey(Uplink, on_delete=models.PROTECT, related_name="forwardings")
    forwarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    remote_code = models.CharField(_("tracking code there"), max_length=20, blank=True)
    remote_status = models.CharField(
        _("status there"), max_length=12, blank=True, choices=Status.choices
    )
    remote_updated_at = models.DateTimeField(null=True, blank=True)
    # The uplink's id of the newest event whose call set `remote_status`: its webhook
    # calls may arrive out of order (a retried older one after a newer), and an older
    # status must not overwrite a newer one.
    remote_event = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    # Ids of the report's files the uplink has accepted (files added later follow).
    sent_files = models.JSONField(default=list, blank=True)
    # The uplink's id of each file it accepted ({local id: its id}), so that a file hidden
    # from the public here is hidden there too; and the local ids hidden there so far.
    remote_files = models.JSONField(default=dict, blank=True)
    hidden_files = models.JSONField(default=list, blank=True)
    # The reporter's news of the problem (`add_info` entries, local ids) relayed to the
    # uplink, refused ones included: a retried forwarding relays none twice.
    sent_news = models.JSONField(default=list, blank=True)
    # For the news the uplink accepted, its id of each (local id → id there), so that news
    # hidden from the public here is hidden there too; and the local ids hidden there.
    remote_news = models.JSONField(default=dict, blank=True)
    hidden_news = models.JSONField(default=list, blank=True)
    # The reporter's erasure here follows the report to the uplink.
    erasure = models.CharField(
        _("reporter's erasure there"), max_length=8, blank=True, choices=Erasure.choices
    )
    # Until the uplink is told: who the reporter was here (JSON, [[name, email, phone]]),
    # since they may have written it in their words there. Sealed, then emptied.
    erasure_identities = SealedField(blank=True, default="", editable=False)

    class Meta:
        verbose_name = _("forwarded report")
        verbose_name_plural = _("forwarded reports")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["report", "uplink"], name="forward_once_per_uplink")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state__in=["pending", "sending"]),
                name="forwarding_to_send",
            )
        ]

    def __str__(self) -> str:
        return f"{self.report_id} → {self.uplink}"


class RemoteFile(LeasedRow):
    """A photo or document that came with an uplink's update: the worker downloads it
    with the uplink's API key and keeps it with the local timeline entry."""

    forwarding = models.ForeignKey(Forwarding, on_delete=models.CASCADE, related_name="files")
    event = models.ForeignKey("reports.ReportEvent", on_delete=models.PROTECT, related_name="+")
    url = models.URLField(max_length=500)
    name = models.CharField(max_length=200)
    attachment = models.ForeignKey(
        "reports.Attachment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("file from a connected system")
        verbose_name_plural = _("files from connected systems")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["event", "url"], name="remote_file_once_per_event")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state__in=["pending", "sending"]),
                name="remote_file_to_fetch",
            )
        ]

    def __str__(self) -> str:
        return self.name
