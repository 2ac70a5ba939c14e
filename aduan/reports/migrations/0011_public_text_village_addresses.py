"""Write the public copies of every report's title and body again: masking now also
hides house numbers in village addresses ("Karangrau 17 RT 3/RW 5", "rumah saya no 17",
a housing estate's "B-12") and the reporter's name joined by underscores or capitals."""

from django.db import migrations


def mask_again(apps, schema_editor):
    from aduan.reports.privacy import refresh_public_text

    refresh_public_text(apps.get_model("reports", "Report").objects.all())


class Migration(migrations.Migration):
    dependencies = [("reports", "0010_public_text")]

    operations = [migrations.RunPython(mask_again, migrations.RunPython.noop, elidable=True)]
