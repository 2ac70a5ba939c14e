"""Every inbound SMS or WhatsApp message looks up, and renews, the guest reports its
number holds (`Report.guest_phone_used_at`): an index on the guest's number, for the
reports that carry one."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("reports", "0022_guest_phone_used_at")]

    operations = [
        migrations.AddIndex(
            model_name="report",
            index=models.Index(
                condition=models.Q(("guest_phone", ""), _negated=True),
                fields=["guest_phone"],
                name="report_guest_phone",
            ),
        ),
    ]
