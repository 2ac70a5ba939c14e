"""What the monitoring figures are computed from: one fact row per report.

A `ReportFact` holds a report's current state in the shape the figures need — where it
is handled now (the organization's tree path), when it was submitted, and its durations
in calendar and working time, which SQL cannot compute because working time depends on
the holiday calendar. The worker keeps the rows current (`facts.refresh_facts`, run by
`run_scans`); figures are aggregates over them, never a walk over reports and timelines.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


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
