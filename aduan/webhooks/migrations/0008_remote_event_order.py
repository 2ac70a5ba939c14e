"""The uplink's id of the newest event whose webhook call set a forwarding's status
there: an older call retried after a newer one no longer sets it back."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("webhooks", "0007_erasure_follows"),
    ]

    operations = [
        migrations.AddField(
            model_name="forwarding",
            name="remote_event",
            field=models.PositiveBigIntegerField(blank=True, editable=False, null=True),
        ),
    ]
