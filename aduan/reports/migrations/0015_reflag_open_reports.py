"""Read the urgency and abusive-language flags of open reports again: the phrase lists
changed (water must overflow for "meluap", feared, past and aid-for-victims events do
not flag, drowning and patients turned away do; animals caught or biting are not
insults), and work queues sort on the stored flags. Closed and archived reports keep
theirs (`manage.py reflag_reports --all` reads them too)."""

from django.db import migrations

FIELDS = ["urgency_flags", "is_urgent", "is_abusive"]
BATCH = 2000


def reflag(apps, schema_editor):
    from aduan.reports.models import OPEN_STATUSES
    from aduan.triage.hints import urgency_and_abuse

    report_model = apps.get_model("reports", "Report")
    reports = report_model.objects.filter(status__in=OPEN_STATUSES).only(
        "id", "title", "body", *FIELDS
    )
    batch = []
    for report in reports.order_by("id").iterator(chunk_size=BATCH):
        flags = urgency_and_abuse(report.title, report.body)
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
    dependencies = [("reports", "0014_public_text_more_identifiers")]

    operations = [migrations.RunPython(reflag, migrations.RunPython.noop, elidable=True)]
