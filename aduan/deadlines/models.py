"""Deadlines are data: one row per running clock on a report, scanned by due time."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    """A national admin's correction of the national calendar for one date."""

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(
        _("working day"),
        help_text=_(
            "On: a working day after all (e.g. a cancelled collective leave). "
            "Off: a day off added for this installation."
        ),
    )
    name = models.CharField(_("description"), max_length=120)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("calendar correction")
        verbose_name_plural = _("calendar corrections")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date}: {self.name}"


class Clock(models.TextChoices):
    VERIFICATION = "verification", _("Verification")
    FIRST_RESPONSE = "first_response", _("First response")
    COMPLETION = "completion", _("Completion")
    REPORTER_REPLY = "reporter_reply", _("Reporter's reply")
    MISSING_INFORMATION = "missing_information", _("Missing information")


# Clocks that run against the government; the others wait on the reporter.
STAFF_CLOCKS = (Clock.VERIFICATION, Clock.FIRST_RESPONSE, Clock.COMPLETION)
REPORTER_CLOCKS = (Clock.REPORTER_REPLY, Clock.MISSING_INFORMATION)


class Outcome(models.TextChoices):
    MET = "met", _("Met")
    CANCELLED = "cancelled", _("Cancelled")
    PAUSED = "paused", _("Paused")
    LAPSED = "lapsed", _("Lapsed")


class DeadlineQuerySet(models.QuerySet["Deadline"]):
    def running(self) -> DeadlineQuerySet:
        return self.filter(stopped_at__isnull=True)

    def overdue(self, now=None) -> DeadlineQuerySet:
        return self.running().filter(due_at__lte=now or timezone.now())


class Deadline(models.Model):
    """One clock on one report: started, due, and (once) reminded, overdue, stopped.

    `remind_at`, `reminded_at`, `overdue_at` are what the scan claims with conditional
    UPDATEs, so two scanners never remind or escalate twice. A stopped row stays as the
    record of whether the deadline was met, for monitoring.
    """

    report = models.ForeignKey("reports.Report", on_delete=models.CASCADE, related_name="deadlines")
    clock = models.CharField(_("deadline"), max_length=20, choices=Clock.choices)
    organization = models.ForeignKey(
        "organizations.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Who must act; empty for the national queue."),
    )
    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    remind_at = models.DateTimeField()
    working_days = models.PositiveSmallIntegerField()
    reminded_at = models.DateTimeField(null=True, blank=True)
    overdue_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    # Working time still left when a clock was paused (verification while on hold).
    remaining_seconds = models.FloatField(null=True, blank=True)

    objects = DeadlineQuerySet.as_manager()

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        indexes = [
            models.Index(
                fields=["remind_at"],
                condition=Q(stopped_at__isnull=True, reminded_at__isnull=True),
                name="deadline_to_remind",
            ),
            models.Index(
                fields=["due_at"],
                condition=Q(stopped_at__isnull=True, overdue_at__isnull=True),
                name="deadline_to_expire",
            ),
            models.Index(
                fields=["organization", "due_at"],
                condition=Q(stopped_at__isnull=True),
                name="deadline_running_by_org",
            ),
            models.Index(fields=["report", "clock"], name="deadline_by_report"),
            # The monitoring figures count the deadlines started in a period: a range
            # read instead of a scan of every deadline ever.
            models.Index(fields=["started_at", "clock"], name="deadline_started"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id} {self.clock} due {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def is_running(self) -> bool:
        return self.stopped_at is None

    @property
    def is_for_reporter(self) -> bool:
        return self.clock in REPORTER_CLOCKS


class DigestRun(models.Model):
    """The claim on one day's digests in one time zone: whoever inserts it sends them."""

    time_zone = models.CharField(max_length=40)
    date = models.DateField()
    started_at = models.DateTimeField()
    organizations = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["time_zone", "date"], name="one_digest_run_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.time_zone}"
