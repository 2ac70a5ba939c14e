"""The rating comment kept on an anonymous report was stored as written, while its
timeline entry withheld who wrote it: the comments already stored are withheld as new ones
are (`lifecycle.rate`)."""

from django.db import migrations


def withhold_rating_comments(apps, schema_editor):
    from aduan.reports.privacy import withheld_text

    report_model = apps.get_model("reports", "Report")
    rated = (
        report_model.objects.filter(is_anonymous=True)
        .exclude(rating_comment="")
        .select_related("reporter")
    )
    for report in rated.iterator(chunk_size=500):
        kept = withheld_text(report.rating_comment, report)
        if kept != report.rating_comment:
            report_model.objects.filter(pk=report.pk).update(rating_comment=kept)


class Migration(migrations.Migration):
    # Each row is written on its own: nothing is held locked while a large installation's
    # anonymous reports are read, and a migration stopped halfway is simply run again.
    atomic = False
    dependencies = [("reports", "0020_access_by_api_and_export")]

    operations = [
        migrations.RunPython(withhold_rating_comments, migrations.RunPython.noop, elidable=True)
    ]
