"""An anonymous reporter's words that an officer recorded for them (an answer, a verdict,
a verdict for a connected system, given by phone, in person or by letter:
`data.recorded_for_reporter`) were stored as said, so the handlers, the API, the webhooks
and the connected systems read who the reporter said they were. Those already stored are
withheld as new ones are (`lifecycle.transition`): masked in the message, kept as said in
the sealed copy. Entries withheld already are left alone, so running it again changes
nothing."""

from django.db import migrations, transaction

BATCH = 500


def withhold_recorded_words(apps, schema_editor):
    from aduan.reports.privacy import withheld_text

    event_model = apps.get_model("reports", "ReportEvent")
    recorded = (
        event_model.objects.filter(
            report__is_anonymous=True, data__recorded_for_reporter=True, withheld_message=""
        )
        .exclude(message="")
        # Erasing a reporter masked their words already and keeps no copy of them as said.
        .filter(report__reporter__erased_at__isnull=True, report__guest_erased_at__isnull=True)
        .select_related("report__reporter")
        .order_by("pk")
    )
    last = 0
    while batch := list(recorded.filter(pk__gt=last)[:BATCH]):
        last = batch[-1].pk
        with transaction.atomic():
            for event in batch:
                masked = withheld_text(event.message, event.report)
                if masked != event.message:
                    # Only as read: an entry withheld or erased meanwhile stays as it is.
                    event_model.objects.filter(
                        pk=event.pk, message=event.message, withheld_message=""
                    ).update(message=masked, withheld_message=event.message)


class Migration(migrations.Migration):
    # Each batch commits on its own: the rows are not held locked while a large timeline
    # is read, and a migration stopped halfway is simply run again.
    atomic = False
    dependencies = [
        ("accounts", "0004_erased_and_former_names"),
        ("reports", "0024_guest_erased_at"),
    ]

    operations = [
        migrations.RunPython(withhold_recorded_words, migrations.RunPython.noop, elidable=True)
    ]
