"""An anonymous report's text as its handlers read it: what points at the reporter
masked, the words as written sealed for the system alone (aduan.reports.privacy
.withhold_reporter). Existing anonymous reports and their reporters' messages are
masked the same way, and their public copies written again."""

from django.db import migrations

import aduan.lib.sealed


def withhold(apps, schema_editor):
    from aduan.reports.privacy import (
        refresh_public_text,
        withhold_reporter,
        withhold_reporter_messages,
    )

    report_model = apps.get_model("reports", "Report")
    event_model = apps.get_model("reports", "ReportEvent")
    anonymous = report_model.objects.filter(is_anonymous=True).select_related("reporter")
    for report in anonymous.iterator(chunk_size=500):
        changed = withhold_reporter(report)
        if changed:
            report_model.objects.filter(pk=report.pk).update(**changed)
        withhold_reporter_messages(event_model.objects.filter(report=report), report)
    refresh_public_text(report_model.objects.filter(is_anonymous=True))


class Migration(migrations.Migration):
    dependencies = [("reports", "0012_event_recorded_at")]

    operations = [
        migrations.AddField(
            model_name="report",
            name="withheld_text",
            field=aduan.lib.sealed.SealedField(blank=True, editable=False),
        ),
        migrations.AddField(
            model_name="reportevent",
            name="withheld_message",
            field=aduan.lib.sealed.SealedField(blank=True, editable=False),
        ),
        migrations.RunPython(withhold, migrations.RunPython.noop, elidable=True),
    ]
