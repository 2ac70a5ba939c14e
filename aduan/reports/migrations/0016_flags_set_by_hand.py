"""Officers may correct the urgency and abusive-language flags by hand
(`lifecycle.correct_flags`); a flag so set stays as set when the text is read again.

The phrase lists changed too (live cables down, people in danger and missing people are
urgent; habits, conditions, prevention and past events are not), and the reporter's
answers to questions are now read with the text: the flags of open reports are read
again, since work queues sort on them. Closed and archived reports keep theirs
(`manage.py reflag_reports --all` reads them too)."""

from collections import defaultdict

from django.db import migrations, models
from django.utils import timezone

FIELDS = ["urgency_flags", "is_urgent", "is_abusive"]
BATCH = 2000


def reflag(apps, schema_editor):
    from aduan.reports.models import OPEN_STATUSES
    from aduan.triage.hints import urgency_and_abuse

    report_model = apps.get_model("reports", "Report")
    event_model = apps.get_model("reports", "ReportEvent")
    reports = report_model.objects.filter(status__in=OPEN_STATUSES).only(
        "id", "title", "body", "submitted_at", *FIELDS
    )
    # Answers to questions are few beside reports: all of them at once.
    answers = defaultdict(list)
    for report_id, message in (
        event_model.objects.filter(action="answer_hold", report__status__in=OPEN_STATUSES)
        .order_by("at", "id")
        .values_list("report_id", "message")
    ):
        answers[report_id].append(message)
    batch = []
    for report in reports.order_by("id").iterator(chunk_size=BATCH):
        # Dates in the text are read against the day the report came in, as at intake:
        # against the day of the upgrade, an emergency dated a week or more earlier would
        # read as a past event and leave the urgent queue.
        flags = urgency_and_abuse(
            report.title,
            report.body,
            *answers[report.pk],
            on=timezone.localdate(report.submitted_at),
        )
        if any(getattr(report, name) != value for name, value in flags.items()):
            for name, value in flags.items():
                setattr(report, name, value)
            batch.append(report)
        if len(batch) >= BATCH:
            report_model.objects.bulk_update(batch, FIELDS)
            batch = []
    if batch:
        report_model.objects.bulk_update(batch, FIELDS)


class Migration(migrations.Migration):
    dependencies = [("reports", "0015_reflag_open_reports")]

    operations = [
        migrations.AddField(
            model_name="report",
            name="abuse_set_by_hand",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.AddField(
            model_name="report",
            name="urgency_set_by_hand",
            field=models.BooleanField(default=False, editable=False),
        ),
        migrations.RunPython(reflag, migrations.RunPython.noop, elidable=True),
    ]
