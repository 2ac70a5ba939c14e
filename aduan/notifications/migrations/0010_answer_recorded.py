"""Officers' recording of a reporter's answer given by phone, in person or by letter
is told to the reporter: a new message kind, `answer_recorded`."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0009_phone_code"),
    ]

    operations = [
        migrations.AlterField(
            model_name="messagetemplate",
            name="kind",
            field=models.CharField(
                choices=[
                    ("received", "Report received"),
                    ("dispatched", "Report verified and dispatched"),
                    ("response", "New response"),
                    ("hold_question", "Question about the report"),
                    ("completed", "Report completed"),
                    ("closed", "Report closed"),
                    ("archived", "Report archived"),
                    ("reply_due", "Your reply is awaited"),
                    ("answer_recorded", "Your answer recorded by an officer"),
                    ("new_in_inbox", "New report in the inbox"),
                    ("due_soon", "Deadline approaching"),
                    ("overdue", "Deadline passed"),
                    ("escalated", "Overdue report escalated"),
                    ("escalated_by_leader", "Your report escalated by a leader"),
                    ("reminder", "Reminder about overdue reports"),
                    ("handed_over", "Report handed over for oversight"),
                    ("assigned", "Report put in your charge"),
                    ("digest", "Daily digest"),
                    ("decree_expiring", "Connection decree expiring"),
                    ("followed", "News of a report you follow"),
                ],
                max_length=20,
                verbose_name="message",
            ),
        ),
        migrations.AlterField(
            model_name="notification",
            name="kind",
            field=models.CharField(
                choices=[
                    ("received", "Report received"),
                    ("dispatched", "Report verified and dispatched"),
                    ("response", "New response"),
                    ("hold_question", "Question about the report"),
                    ("completed", "Report completed"),
                    ("closed", "Report closed"),
                    ("archived", "Report archived"),
                    ("reply_due", "Your reply is awaited"),
                    ("answer_recorded", "Your answer recorded by an officer"),
                    ("new_in_inbox", "New report in the inbox"),
                    ("due_soon", "Deadline approaching"),
                    ("overdue", "Deadline passed"),
                    ("escalated", "Overdue report escalated"),
                    ("escalated_by_leader", "Your report escalated by a leader"),
                    ("reminder", "Reminder about overdue reports"),
                    ("handed_over", "Report handed over for oversight"),
                    ("assigned", "Report put in your charge"),
                    ("digest", "Daily digest"),
                    ("decree_expiring", "Connection decree expiring"),
                    ("followed", "News of a report you follow"),
                    ("phone_code", "Phone number confirmation code"),
                ],
                max_length=20,
                verbose_name="kind",
            ),
        ),
    ]
