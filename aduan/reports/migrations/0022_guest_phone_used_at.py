"""A guest's confirmed number holds their report only while it is in use for it
(`Report.guest_phone_lapsed`): the reports already stored start from the best evidence
kept of its last use, the confirmation (the report itself, for SMS and WhatsApp) or a
later answer written to a message from the number about the report."""

from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery


def start_from_last_use(apps, schema_editor):
    report_model = apps.get_model("reports", "Report")
    notification_model = apps.get_model("notifications", "Notification")
    confirmed = report_model.objects.filter(
        reporter__isnull=True, guest_email="", guest_contact_verified_at__isnull=False
    ).exclude(guest_phone="")
    confirmed.update(guest_phone_used_at=F("guest_contact_verified_at"))
    # The outbox keeps the answers to inbound messages ("inbound:<message>:<medium>"),
    # written to the number the message came from and tied to the report it acted on.
    answered = (
        notification_model.objects.filter(
            report=OuterRef("pk"), address=OuterRef("guest_phone"), key__startswith="inbound:"
        )
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    confirmed.filter(guest_phone_used_at__lt=Subquery(answered)).update(
        guest_phone_used_at=Subquery(answered)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0009_phone_code"),
        ("reports", "0021_withhold_anonymous_rating_comments"),
    ]

    operations = [
        migrations.AddField(
            model_name="report",
            name="guest_phone_used_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="number last used at"
            ),
        ),
        migrations.AlterField(
            model_name="report",
            name="guest_contact_verified_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="contact confirmed at"
            ),
        ),
        migrations.RunPython(start_from_last_use, migrations.RunPython.noop, elidable=True),
    ]
