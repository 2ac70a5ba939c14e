"""Read the urgency flags of open reports again: the phrase lists changed. Reports in
English are read ("Flood water is waist deep in our houses", "A fallen tree is blocking
the main road"); figures of speech are not emergencies ("kebakaran jenggot", "banjir
informasi hoaks", "kebanjiran pesanan", "flooded with complaints"), nor a wish that it
not happen again ("saya tidak mau banjir lagi tahun depan") or what is to come ("tahun
depan", "next year"); and a title's "Saluran meluap" is read with the body, which may
say the drain overflows "setiap hujan" (a recurring problem, not an emergency now).

Work queues sort on the stored flags. Flags an officer set by hand stay as set; the
reporter's answers and added information are read with the text, and dates against the
day the report came in, as at intake. Closed and archived reports keep theirs
(`manage.py reflag_reports --all` reads them too). Each batch commits on its own, and
running it again changes nothing."""

from collections import defaultdict

from django.db import migrations, transaction
from django.utils import timezone

FIELDS = ["urgency_flags", "is_urgent", "is_abusive"]
WORDS_READ_WITH_REPORT = ("answer_hold", "add_info")
BATCH = 2000


def _answers(event_model, report_ids) -> dict[int, list[str]]:
    answers = defaultdict(list)
    for report_id, message in (
        event_model.objects.filter(action__in=WORDS_READ_WITH_REPORT, report_id__in=report_ids)
        .order_by("at", "id")
        .values_list("report_id", "message")
    ):
        answers[report_id].append(message)
    return answers


def _changes(report, answers: list[str]) -> dict:
    from aduan.triage.hints import urgency_and_abuse

    flags = urgency_and_abuse(
        report.title, report.body, *answers, on=timezone.localdate(report.submitted_at)
    )
    if report.urgency_set_by_hand:
        del flags["urgency_flags"], flags["is_urgent"]
    if report.abuse_set_by_hand:
        del flags["is_abusive"]
    return {name: value for name, value in flags.items() if getattr(report, name) != value}


def reflag(apps, schema_editor):
    from aduan.reports.models import OPEN_STATUSES

    report_model = apps.get_model("reports", "Report")
    event_model = apps.get_model("reports", "ReportEvent")
    reports = report_model.objects.filter(status__in=OPEN_STATUSES).only(
        "id", "title", "body", "submitted_at", "urgency_set_by_hand", "abuse_set_by_hand", *FIELDS
    )
    last = 0
    while batch := list(reports.filter(pk__gt=last).order_by("pk")[:BATCH]):
        last = batch[-1].pk
        answers = _answers(event_model, [report.pk for report in batch])
        with transaction.atomic():
            for report in batch:
                if changes := _changes(report, answers[report.pk]):
                    # Only as read: a report an officer corrected meanwhile keeps their word.
                    report_model.objects.filter(
                        pk=report.pk,
                        urgency_set_by_hand=report.urgency_set_by_hand,
                        abuse_set_by_hand=report.abuse_set_by_hand,
                    ).update(**changes)


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("reports", "0025_withhold_recorded_answers")]

    operations = [migrations.RunPython(reflag, migrations.RunPython.noop, elidable=True)]
