"""What the monitoring figures are computed from: one fact row per report.

A `ReportFact` holds a report's current state in the shape the figures need — where it
is handled now (the organization's tree path), when it was submitted, and its durations
in calendar and working time, which SQL cannot compute because working time depends on
the holiday calendar. The worker keeps the rows current (`facts.refresh_facts`, run by
`run_scans`); figures are aggregates over them, never a walk over reports and timelines.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReportFact(models.Model):
    report = models.OneToOneField(
        "reports.Report", on_delete=models.CASCADE, primary_key=True, related_name="fact"
    )
    # Where the report is handled now ("" for the national queue), so a subtree's
    # figures are a prefix match.
    org_path = models.CharField(max_length=255, blank=True)
    submitted_at = models.DateTimeField()
    status = models.CharField(max_length=12)
    kind = models.CharField(max_length=12)
    channel = models.CharField(max_length=20)
    category_group = models.ForeignKey(
        "organizations.Category", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    regency_code = models.CharField(max_length=5, blank=True)
    verified = models.BooleanField(default=False)
    responded = models.BooleanField(default=False)
    ever_completed = models.BooleanField(default=False)
    reopened = models.BooleanField(default=False)
    verification_hours = models.FloatField(null=True)
    verification_working_days = models.FloatField(null=True)
    first_response_hours = models.FloatField(null=True)
    first_response_working_days = models.FloatField(null=True)
    rating = models.PositiveSmallIntegerField(null=True)
    # The reporter's last verdict on a completion: True satisfied, False not, None none.
    satisfied = models.BooleanField(null=True)
    # Whether that verdict was given by phone, in person or by letter and recorded by an
    # officer, not by the reporter in the system.
    verdict_recorded = models.BooleanField(default=False)
    refreshed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["org_path", "submitted_at"], name="fact_scope_period"),
            models.Index(fields=["submitted_at"], name="fact_period"),
        ]

    def __str__(self) -> str:
        return f"fact of report {self.report_id}"


class FactsRefresh(models.Model):
    """How far the incremental refresh has read `Report.updated_at` and report ids."""

    name = models.CharField(max_length=20, primary_key=True)
    updated_until = models.DateTimeField(null=True)
    last_report_id = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.updated_until}"


def _random_recap_name() -> str:
    return secrets.token_hex(16) + ".pdf"


class RecapJob(models.Model):
    """One monthly recap PDF of an organization, built by a background task.

    The file lives under STATE_DIR/recaps with a random name, so nobody can guess the
    address of another organization's recap; it is served only through the download view,
    which checks who may see the organization."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Running")
        DONE = "done", _("Finished")
        FAILED = "failed", _("Failed")

    class Step(models.TextChoices):
        WAITING = "waiting", _("Waiting for a worker")
        FIGURES = "figures", _("Key figures")
        TREND = "trend", _("Monthly trend")
        CATEGORIES = "categories", _("Categories")
        OVERDUE = "overdue", _("Overdue reports")
        UNITS = "units", _("Best and slowest units")
        AGENCIES = "agencies", _("Connected agencies")
        WRITING = "writing", _("Writing the PDF")
        DONE = "done", _("Done")

    # None: the whole installation (national recap).
    organization = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    month = models.DateField()  # the first day of the month
    language = models.CharField(max_length=8, default="id")
    # The edition for oversight bodies: figures only, no section that names a report
    # (an auditor may read the figures of the agencies it oversees, not their reports).
    figures_only = models.BooleanField(default=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    step = models.CharField(max_length=12, choices=Step.choices, default=Step.WAITING)
    file_name = models.CharField(max_length=40, default=_random_recap_name, editable=False)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    # Written with the progress: a running job silent for long has lost its worker.
    progress_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("monthly recap")
        verbose_name_plural = _("monthly recaps")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["requested_by", "-created_at"], name="recap_by_user")]

    def __str__(self) -> str:
        scope = self.organization.name if self.organization_id else "national"
        return f"recap {scope} {self.month:%Y-%m} ({self.state})"

    @property
    def is_finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)

    @property
    def is_downloadable(self) -> bool:
        """Built, and its file not yet deleted by the retention rule (forget_old_recaps)."""
        return self.state == self.State.DONE and self.path.is_file()

    @property
    def path(self) -> Path:
        """Where the PDF is (or will be) written; read from settings at call time."""
        return Path(settings.STATE_DIR) / "recaps" / self.file_name


class FigureSnapshot(models.Model):
    """The monitoring figures of one scope and period as last computed, so a dashboard
    reads them instead of aggregating a million facts per request. The scan recomputes
    the snapshots people look at before they grow older than ADUAN_FIGURES_MAX_AGE."""

    key = models.CharField(max_length=80, primary_key=True)
    data = models.JSONField()
    computed_at = models.DateTimeField()
    viewed_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["viewed_at", "computed_at"], name="snapshot_to_refresh")]

    def __str__(self) -> str:
        return f"{self.key} @ {self.computed_at:%Y-%m-%d %H:%M}"
