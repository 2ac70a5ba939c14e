"""Write the public copies of every report's title and body again: masking now also
reads NIKs in their 6-6-4 groups, phone numbers with the country code in brackets or
digits in pairs, addresses written "[at]"/"(dot)", house numbers after a kilometre post
or an alley's Roman number, "nomor rumah", rented rooms, driving-licence and medical-
record numbers, and rounds positions typed into the text; it leaves government
addresses, quantities and route codes alone."""

from django.db import migrations


def mask_again(apps, schema_editor):
    from aduan.reports.privacy import refresh_public_text

    refresh_public_text(apps.get_model("reports", "Report").objects.all())


class Migration(migrations.Migration):
    dependencies = [("reports", "0013_withheld_reporter_text")]

    operations = [migrations.RunPython(mask_again, migrations.RunPython.noop, elidable=True)]
