from django.db import migrations, models
from django.db.models import Max, Q

PHONE_CHANNELS = ("sms", "whatsapp")


def since_last_use(apps, schema_editor):
    """A verified number was last used at its verification, or when the account last
    sent a report from it by SMS or WhatsApp, whichever came later."""
    User = apps.get_model("accounts", "User")
    Report = apps.get_model("reports", "Report")
    verified = User.objects.filter(phone_verified_at__isnull=False)
    last_sent = dict(
        Report.objects.filter(reporter__in=verified, channel__in=PHONE_CHANNELS)
        .filter(Q(events__action="submit", events__by_reporter=True))
        .values("reporter")
        .annotate(last=Max("submitted_at"))
        .values_list("reporter", "last")
    )
    for pk, verified_at in verified.values_list("pk", "phone_verified_at").iterator():
        sent = last_sent.get(pk)
        used = max(verified_at, sent) if sent else verified_at
        User.objects.filter(pk=pk).update(phone_used_at=used)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_phone_verification"),
        ("reports", "0021_withhold_anonymous_rating_comments"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="phone_used_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="phone number last used"
            ),
        ),
        migrations.RunPython(since_last_use, migrations.RunPython.noop),
    ]
