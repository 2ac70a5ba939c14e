"""When an operator erased a guest reporter's data (`Report.guest_erased_at`): from then on
no browser is the reporter of the report. Reports erased before have no date: their
reporters' contacts are already empty, so no message reaches them."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("reports", "0023_guest_phone_index")]

    operations = [
        migrations.AddField(
            model_name="report",
            name="guest_erased_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="guest reporter erased at"
            ),
        ),
    ]
