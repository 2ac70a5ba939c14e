"""Anonymous reports withhold their reporter's own phone number also where it is written
with its trunk zero or country code ("hp 0812…", "+62 812…"), and every report's public
copy is written again with the masking's new readings (a house number after the RT/RW or
in a numbered estate, plates after "nopol", foreign numbers, customer and tax object
numbers; school years, counts and call centres left alone)."""

from django.db import migrations


def withhold_and_mask_again(apps, schema_editor):
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
    refresh_public_text(report_model.objects.all())


class Migration(migrations.Migration):
    # Each batch commits on its own: the rows are not held locked while every report of a
    # large installation is rewritten (minutes for a million), and a migration stopped
    # halfway is simply run again.
    atomic = False
    dependencies = [("reports", "0016_flags_set_by_hand")]

    operations = [
        migrations.RunPython(withhold_and_mask_again, migrations.RunPython.noop, elidable=True)
    ]
