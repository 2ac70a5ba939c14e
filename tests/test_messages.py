"""Message texts: every kind in both languages, organizations' own wording, the back-office
pages that edit it, and a submitted report producing its message end to end (written by
the worker's task, once however often it runs)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult

from aduan.deadlines.models import Clock, Deadline
from aduan.notifications import messages
from aduan.notifications.models import Kind, Medium, MessageTemplate, Notification
from aduan.notifications.outbox import (
    absolute,
    confirmation_link,
    reporter_access_link,
    reporter_link,
    staff_link,
)
from aduan.notifications.tasks import announce_submission
from aduan.reports import lifecycle
from aduan.reports.models import Status
from tests.personas import advance, as_user, run_announcements, submit

LANGUAGES = ("id", "en")
# An apostrophe, an ampersand and angle brackets: what HTML escaping would mangle.
TITLE = "Jalan rusak & berlubang di depan toko O'Neil <Blok C>"
ENTITIES = ("&amp;", "&#x27;", "&#39;", "&quot;", "&lt;", "&gt;")
REPORT_ACTIONS = {
    Kind.RECEIVED: (Status.SUBMITTED, "submit"),
    Kind.DISPATCHED: (Status.DISPATCHED, "dispatch"),
    Kind.RESPONSE: (Status.IN_PROGRESS, "respond"),
    Kind.HOLD_QUESTION: (Status.ON_HOLD, "hold"),
    Kind.COMPLETED: (Status.COMPLETED, "complete"),
    Kind.CLOSED: (Status.CLOSED, "satisfied"),
    Kind.ARCHIVED: (Status.ARCHIVED, "archive"),
    Kind.ANSWER_RECORDED: (Status.ON_HOLD, "answer_hold"),
    Kind.NEW_IN_INBOX: (Status.DISPATCHED, "dispatch"),
    Kind.ESCALATED: (Status.DISPATCHED, "dispatch"),
    Kind.ESCALATED_BY_LEADER: (Status.DISPATCHED, "dispatch"),
    Kind.HANDED_OVER: (Status.IN_PROGRESS, "respond"),
    Kind.ASSIGNED: (Status.DISPATCHED, "dispatch"),
    Kind.FOLLOWED: (Status.IN_PROGRESS, "respond"),
}
DEADLINE_CLOCKS = {
    Kind.DUE_SOON: (Status.DISPATCHED, Clock.COMPLETION),
    Kind.OVERDUE: (Status.DISPATCHED, Clock.FIRST_RESPONSE),
    Kind.REPLY_DUE: (Status.COMPLETED, Clock.REPORTER_REPLY),
}


def _event_context(report, action: str, link: str, **extra) -> dict:
    """What aduan.notifications.events gives a report kind."""
    event = report.events.filter(action=action).last()
    return {
        "report": report,
        "code": report.tracking_code,
        "title": report.title,
        "organization": report.organization.name if report.organization_id else "",
        "message": event.message,
        "event": event,
        "link": link,
        **extra,
    }


def _deadline_context(report, clock: str, link: str, language: str) -> dict:
    """What the deadline scan gives due_soon, overdue and reply_due."""
    deadline = Deadline.objects.get(report=report, clock=clock, stopped_at__isnull=True)
    return {
        "report": report,
        "code": report.tracking_code,
        "title": report.title,
        "organization": deadline.organization.name if deadline.organization_id else "",
        "clock": Clock(clock).label,
        "due_at": deadline.due_at,
        "due_text": "2 hari kerja lagi" if language == "id" else "2 working days left",
        "link": link,
    }


def realistic(world, kind: str, language: str = "id") -> tuple[dict, object]:
    """A context for `kind` built from a real report walked through the lifecycle, and
    the organization whose wording applies."""
    if kind == Kind.DECREE_EXPIRING:
        return {
            "organization": "Dinas O'Neil & <Blok C>",  # names are not HTML-escaped
            "number": "100.3.3.2/7/2026",
            "valid_until": timezone.localdate() + datetime.timedelta(days=29),
            "days_left": 30,
            "link": absolute(reverse("workspace:organization", args=[world.agency.pk])),
        }, world.agency
    report, secret = submit(world, title=TITLE)
    if kind in (Kind.REMINDER, Kind.DIGEST):
        advance(world, report, Status.DISPATCHED)
        report.refresh_from_db()
        inbox = absolute(reverse("workspace:inbox"))
        return {
            "organization": world.unit_a.name,
            "sender": world.supervisor.full_name,
            "message": "Mohon segera diselesaikan & dilaporkan.",
            "reports": [
                {
                    "report": report,
                    "tracking_code": report.tracking_code,
                    "title": report.title,
                    "due_at": report.due_at,
                    "days_late": 3,
                    "link": staff_link(report),
                }
            ],
            "count": 1,
            "date": timezone.localdate(),
            "counts": {"new": 2, "due_soon": 1, "overdue": 1, "escalated": 0},
            "overdue": [report],
            "due_soon": [report],
            "link": inbox,
        }, world.unit_a
    if kind in DEADLINE_CLOCKS:
        status, clock = DEADLINE_CLOCKS[kind]
        advance(world, report, status)
        link = reporter_link(report) if kind == Kind.REPLY_DUE else staff_link(report)
        return _deadline_context(report, clock, link, language), report.organization
    status, action = REPORT_ACTIONS[kind]
    advance(world, report, status)
    extra = {}
    if kind in (Kind.ESCALATED, Kind.ESCALATED_BY_LEADER):
        lifecycle.escalate(report, as_user(world.supervisor), "Sudah lewat batas, mohon dikejar.")
        action = "escalate"
    if kind == Kind.ESCALATED_BY_LEADER:
        extra.update(sender=world.supervisor.full_name, escalated_to=world.agency.name)
    if kind == Kind.ASSIGNED:
        lifecycle.assign(report, as_user(world.agency_admin), world.liaison_a)
        action = "assign"
        extra.update(sender=world.agency_admin.full_name, officer=world.liaison_a.full_name)
    if kind == Kind.NEW_IN_INBOX:
        extra["reason"] = "dispatch"
    if kind == Kind.HANDED_OVER:
        extra["auditor"] = world.ombudsman.name
    if kind == Kind.FOLLOWED:
        extra["status"] = report.get_status_display()
    if kind == Kind.ANSWER_RECORDED:
        lifecycle.answer_hold(report, as_user(world.national_admin), "RT 03", received_via="phone")
        extra["received_via"] = lifecycle.ReceivedVia.PHONE.label
    if kind in messages.REPORTER_KINDS:
        link = reporter_link(report)
        if kind == Kind.RECEIVED:
            link = f"{link}k/{secret}/"
            extra["confirmation_link"] = confirmation_link(report)
    else:
        link = staff_link(report)
    return _event_context(report, action, link, **extra), report.organization


def _no_template_leftovers(text: str) -> None:
    assert "{{" not in text and "{%" not in text
    for entity in ENTITIES:
        assert entity not in text


# --- Built-in texts ------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", Kind.values)
def test_every_kind_renders_in_both_languages_with_code_and_link(world, kind, language):
    context, org = realistic(world, kind, language)
    text = messages.render(kind, language, context, org)
    assert text.subject and text.short and text.body
    assert context["link"] in text.body
    # A guest's first text message carries the one link that confirms and opens.
    short_link = context.get("confirmation_link") or context["link"]
    assert short_link in text.short
    if "code" in context:
        assert context["code"] in text.body and context["code"] in text.short
    elif "number" in context:  # a decree
        assert context["number"] in text.body and "30" in text.subject
    else:
        codes = [item["tracking_code"] for item in context["reports"]]
        assert all(code in text.body for code in codes)
    for part in (text.subject, text.body, text.short):
        _no_template_leftovers(part)
    assert "\n" not in text.subject and "\n" not in text.short
    assert "\n\n\n" not in text.body


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", [k for k in Kind.values if k != Kind.DIGEST])
def test_apostrophes_and_ampersands_are_not_html_escaped(world, kind, language):
    context, org = realistic(world, kind, language)
    body = messages.render(kind, language, context, org).body
    assert "O'Neil" in body and " & " in body and "<Blok C>" in body


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", Kind.values)
def test_short_text_fits_one_sms_for_a_typical_report(world, settings, kind, language):
    settings.ADUAN_SITE_URL = "https://lapor.kab-contoh.go.id"
    context, org = realistic(world, kind, language)
    # A guest's first message also carries the confirmation link and takes two SMS
    # (see the next test); every later message, and every signed-in reporter's, takes one.
    context.pop("confirmation_link", None)
    short = messages.render(kind, language, context, org).short
    assert len(short) <= messages.SHORT_LIMIT, short


# What aduan.notifications.events adds for the reporter of a duplicate merged into
# another report: when the original is public it is named and linked.
MERGED_BRANCHES = {
    "followed_named": (Kind.FOLLOWED, {"merged": True, "original_code": True}),
    "followed_unnamed": (Kind.FOLLOWED, {"merged": True, "original_code": ""}),
    "merged_named": (Kind.ARCHIVED, {"merged": True, "original_code": True}),
    "merged_unnamed": (Kind.ARCHIVED, {"merged": True, "original_code": ""}),
    "original_archived": (Kind.ARCHIVED, {"original_archived": True}),
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("branch", MERGED_BRANCHES)
def test_a_merged_guests_text_messages_fit_one_sms(world, settings, branch, language):
    settings.ADUAN_SITE_URL = "https://lapor.kab-contoh.go.id"
    kind, extra = MERGED_BRANCHES[branch]
    context, org = realistic(world, kind, language)
    # A guest's link carries a signed token: the longest link a reporter gets.
    context["link"] = reporter_access_link(context["report"])
    if extra.get("original_code"):
        original, _secret = submit(world, title=TITLE)
        extra = {**extra, "original_code": original.tracking_code}
        if kind == Kind.FOLLOWED:
            extra["link"] = reporter_link(original)
        else:
            extra["original_link"] = reporter_link(original)
    with translation.override(language):
        context["status"] = max((str(status.label) for status in Status), key=len)
    context.update(extra)

    short = messages.render(kind, language, context, org).short

    assert context["code"] in short
    assert context.get("original_link", context["link"]) in short
    assert len(short) <= messages.SHORT_LIMIT, short


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_question_is_in_its_text_message_and_fits_two_sms(world, settings, language):
    settings.ADUAN_SITE_URL = "https://lapor.kab-contoh.go.id"
    context, org = realistic(world, Kind.HOLD_QUESTION, language)
    context["message"] = "Mohon sebutkan nama jalan, nomor rumah terdekat dan patokan " * 3

    short = messages.render(Kind.HOLD_QUESTION, language, context, org).short

    assert "Mohon sebutkan nama jalan" in short
    assert len(short) <= 2 * 153, short  # two parts of a concatenated SMS


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_guests_first_message_carries_the_secret_and_confirmation_links(world, language):
    context, org = realistic(world, Kind.RECEIVED, language)
    text = messages.render(Kind.RECEIVED, language, context, org)
    assert context["link"] in text.body and context["confirmation_link"] in text.body
    assert "/konfirmasi/" in context["confirmation_link"]
    # One link in the text message: confirming also opens the report as its reporter.
    assert context["confirmation_link"] in text.short and context["link"] not in text.short


def test_received_shows_the_tracking_code_and_the_guests_secret_link(world):
    context, org = realistic(world, Kind.RECEIVED)
    text = messages.render(Kind.RECEIVED, "id", context, org)
    assert f"    {context['code']}\n" in text.body
    assert "/k/" in context["link"] and context["link"] in text.body
    assert "rahasia" in text.body
    assert text.subject == f"Laporan Anda telah diterima – kode lacak {context['code']}"


def test_reporter_messages_never_name_the_reporter(world):
    report, _secret = submit(world, reporter=world.citizen, title="Saluran air tersumbat")
    for kind in messages.REPORTER_KINDS:
        if kind in DEADLINE_CLOCKS:
            continue
        context = _event_context(report, "submit", reporter_link(report))
        for language in LANGUAGES:
            text = messages.render(kind, language, context)
            rendered = " ".join((text.subject, text.body, text.short))
            assert world.citizen.full_name not in rendered
            assert world.citizen.email not in rendered


def test_hold_question_quotes_the_question_and_warns_of_archiving(world):
    context, org = realistic(world, Kind.HOLD_QUESTION)
    body = messages.render(Kind.HOLD_QUESTION, "id", context, org).body
    assert '"Di mana lokasinya?"' in body
    assert "10 hari kerja" in body and "diarsipkan" in body


def test_completed_asks_for_the_reporters_reply_within_the_reply_window(world, settings):
    settings.ADUAN_DEADLINE_DAYS = {**settings.ADUAN_DEADLINE_DAYS, "reporter_reply": 7}
    context, org = realistic(world, Kind.COMPLETED)
    body = messages.render(Kind.COMPLETED, "id", context, org).body
    assert "Lubang sudah ditambal." in body
    assert "puas atau belum puas" in body and "7 hari kerja" in body


def test_reply_due_on_a_report_on_hold_asks_for_the_answer_before_archiving(world):
    report, _secret = submit(world, title=TITLE)
    advance(world, report, Status.ON_HOLD)
    context = _deadline_context(report, Clock.MISSING_INFORMATION, reporter_link(report), "id")
    text = messages.render(Kind.REPLY_DUE, "id", context, None)
    assert text.subject.startswith("Mohon jawaban Anda atas pertanyaan")
    assert "diarsipkan" in text.body and "puas" not in text.body
    assert "diarsipkan" in text.short and report.tracking_code in text.short


def test_reminder_lists_each_late_report_with_its_delay_and_link(world):
    context, org = realistic(world, Kind.REMINDER)
    item = context["reports"][0]
    body = messages.render(Kind.REMINDER, "id", context, org).body
    assert f"- {item['tracking_code']} – {TITLE} (terlambat 3 hari kerja)\n  {item['link']}" in body
    assert "Mohon segera diselesaikan & dilaporkan." in body
    english = messages.render(Kind.REMINDER, "en", context, org)
    assert english.subject == "Reminder from Bupati Contoh: 1 overdue report"
    assert "(3 working days late)" in english.body
    item["days_late"] = 1
    assert "(1 working day late)" in messages.render(Kind.REMINDER, "en", context, org).body


def test_archived_gives_the_reason_and_the_explanation(world):
    context, org = realistic(world, Kind.ARCHIVED)
    body = messages.render(Kind.ARCHIVED, "en", context, org).body
    assert "Reason: Not a public-service matter" in body
    assert "Explanation: Bukan urusan pelayanan publik." in body


def test_closed_says_why_it_closed(world):
    report, _secret = submit(world)
    advance(world, report, Status.COMPLETED)
    lifecycle.close_unanswered(report)
    context = _event_context(report, "close_unanswered", reporter_link(report))
    body = messages.render(Kind.CLOSED, "id", context, report.organization).body
    assert "kini berstatus Selesai" in body
    assert "diberikan secara otomatis" in body
    assert "ditutup" not in body  # "Selesai" is the status' name


@pytest.mark.parametrize(
    "reason, words",
    [
        ("submit", "menunggu verifikasi"),
        ("dispatch", "masuk untuk ditindaklanjuti"),
        ("answer_hold", "menjawab pertanyaan"),
        ("not_our_remit", "bukan kewenangan"),
        ("not_satisfied", "belum puas"),
    ],
)
def test_new_in_inbox_is_worded_by_the_reason_it_arrived(world, reason, words):
    context, org = realistic(world, Kind.NEW_IN_INBOX)
    text = messages.render(Kind.NEW_IN_INBOX, "id", {**context, "reason": reason}, org)
    assert words in text.subject and words in text.short


def test_deadline_dates_are_shown_in_the_organizations_time_zone(world):
    world.unit_a.time_zone = "Asia/Jayapura"
    world.unit_a.save()
    context, org = realistic(world, Kind.DUE_SOON)
    context["due_at"] = datetime.datetime(2026, 3, 10, 1, 0, tzinfo=datetime.UTC)
    body = messages.render(Kind.DUE_SOON, "id", context, world.unit_a).body
    assert "10 Maret 2026 10.00 WIT" in body
    english = messages.render(Kind.DUE_SOON, "en", context, world.unit_a).body
    assert "10 March 2026 10:00 WIT" in english


def test_a_response_holding_a_separator_line_stays_in_the_body(world):
    report, _secret = submit(world, reporter=world.citizen)
    advance(world, report, Status.DISPATCHED)
    answer = "Rincian pekerjaan:\n-----\nPenambalan selesai.\n-----\nTerima kasih."
    lifecycle.respond(report, as_user(world.liaison_a), answer)
    note = Notification.objects.get(user=world.citizen, kind=Kind.RESPONSE, medium=Medium.IN_APP)
    assert answer in note.body
    assert note.short.startswith("Ada tanggapan baru") and "-----" not in note.short


def test_a_missing_variable_renders_as_nothing(world):
    text = messages.render(Kind.RESPONSE, "id", {"code": "K7QM-3XPA"})
    assert "K7QM-3XPA" in text.subject and "{{" not in text.body


def test_unknown_language_falls_back_to_indonesian(world):
    context, org = realistic(world, Kind.RESPONSE)
    assert messages.render(Kind.RESPONSE, "fr", context, org).subject.startswith("Tanggapan")


def test_every_built_in_file_is_plain_text_in_three_parts():
    for language in LANGUAGES:
        for kind in Kind.values:
            source = messages.built_in_source(kind, language)
            assert source.subject and source.body and source.short
            assert "autoescape" not in source.body
            # What an admin copies from the edit page is valid override text.
            for part in (source.subject, source.body, source.short):
                assert messages.check_template(part) is None


# --- Organizations' own wording -------------------------------------------------------


def _override(org, kind=Kind.RESPONSE, language="id", **parts) -> MessageTemplate:
    return MessageTemplate.objects.create(organization=org, kind=kind, language=language, **parts)


def test_agency_wording_applies_to_its_units_and_keeps_empty_parts_built_in(world):
    _override(world.agency, subject="Kabupaten Contoh menanggapi {{ code }} & {{ title }}")
    context, org = realistic(world, Kind.RESPONSE)
    text = messages.render(Kind.RESPONSE, "id", context, world.unit_a)
    assert text.subject == f"Kabupaten Contoh menanggapi {context['code']} & {TITLE}"
    built_in = messages.render(Kind.RESPONSE, "id", context, None)
    assert text.body == built_in.body and text.short == built_in.short
    assert messages.render(Kind.RESPONSE, "en", context, world.unit_a).subject.startswith("New")
    other = messages.render(Kind.RESPONSE, "id", context, world.other_agency)
    assert other.subject == built_in.subject


def test_a_units_own_wording_replaces_the_agencys(world):
    _override(world.agency, subject="Dari kabupaten: {{ code }}")
    _override(world.unit_a, subject="Dari DPU: {{ code }}")
    context, _org = realistic(world, Kind.RESPONSE)
    code = context["code"]
    assert (
        messages.render(Kind.RESPONSE, "id", context, world.unit_a).subject == f"Dari DPU: {code}"
    )
    unit_b = messages.render(Kind.RESPONSE, "id", context, world.unit_b).subject
    assert unit_b == f"Dari kabupaten: {code}"


@pytest.mark.parametrize(
    "broken",
    [
        "{% if %}oops{% endif %}",
        "{{ code|no_such_filter }}",
        "{% load workspace_tags %}{{ code }}",
        "{% include 'workspace/base.html' %}",
        "{% url 'no-such-page' %}",
    ],
)
def test_a_broken_override_falls_back_to_the_built_in_text(world, broken):
    _override(world.agency, subject=broken, body=broken, short=broken)
    context, org = realistic(world, Kind.RESPONSE)
    text = messages.render(Kind.RESPONSE, "id", context, world.unit_a)
    assert text == messages.render(Kind.RESPONSE, "id", context, None)


def test_check_template_reports_syntax_errors_and_unclosed_tags(world):
    assert (
        messages.check_template("Laporan {{ code }} {% if message %}{{ message }}{% endif %}")
        is None
    )
    assert "if" in messages.check_template("{% if %}")
    assert messages.check_template("{% load workspace_tags %}")
    assert messages.check_template("Laporan {{ code }")
    assert messages.check_template("Laporan {% if message %")


def test_an_override_cannot_reach_the_reporters_identity(world):
    _override(
        world.agency,
        kind=Kind.NEW_IN_INBOX,
        body="Pelapor: [{{ report.reporter.full_name }}{{ report.reporter.email }}"
        "{{ report.guest_name }}{{ report.guest_email }}{{ event.report.guest_name }}] "
        "{{ report.title }} {{ report.category }} {{ report.organization }} {{ event.message }}",
    )
    report, _secret = submit(world, reporter=world.citizen, title=TITLE, is_anonymous=True)
    advance(world, report, Status.DISPATCHED)
    context = _event_context(report, "dispatch", staff_link(report), reason="dispatch")
    body = messages.render(Kind.NEW_IN_INBOX, "id", context, world.unit_a).body
    assert body == f"Pelapor: [] {TITLE} Jalan Rusak {world.unit_a.name}"


def test_overrides_are_not_html_escaped(world):
    _override(world.agency, body="{{ title }} — {{ message }}")
    context, _org = realistic(world, Kind.RESPONSE)
    body = messages.render(Kind.RESPONSE, "id", context, world.unit_a).body
    assert body == f"{TITLE} — Tim sudah dijadwalkan."


# --- The back-office pages ------------------------------------------------------------

LIST = reverse("workspace:messages")


def _edit(org, kind=Kind.RESPONSE, language="id") -> str:
    return reverse("workspace:message_edit", args=[org.pk, kind, language])


@pytest.fixture
def client_for(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


def test_agency_admin_sees_every_kind_and_which_are_overridden(
    world, client_for, django_assert_max_num_queries
):
    _override(world.agency, kind=Kind.COMPLETED, subject="Selesai: {{ code }}")
    _override(world.national, kind=Kind.RECEIVED, subject="Diterima")
    client = client_for(world.agency_admin)
    with django_assert_max_num_queries(8):
        response = client.get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert set(re.findall(r'<tr data-kind="(\w+)"', html)) == set(Kind.values)
    assert response.context["org"] == world.agency
    cells = {
        (row["kind"].value, cell["language"]): cell
        for row in response.context["rows"]
        for cell in row["cells"]
    }
    assert cells[(Kind.COMPLETED, "id")]["own"] and not cells[(Kind.COMPLETED, "en")]["override"]
    assert cells[(Kind.RECEIVED, "id")]["override"] is None  # national is not above the agency
    assert cells[(Kind.RECEIVED, "id")]["subject"].startswith("Laporan Anda telah diterima")
    assert 'data-state="own"' in html


def test_list_for_a_unit_shows_the_agencys_wording_as_inherited(world, client_for):
    _override(world.agency, kind=Kind.COMPLETED, subject="Selesai: {{ code }}")
    response = client_for(world.agency_admin).get(LIST, {"org": world.unit_a.pk})
    assert response.context["org"] == world.unit_a
    html = response.content.decode()
    assert 'data-state="inherited"' in html and 'data-state="own"' not in html


def test_agency_admin_cannot_pick_another_agency_in_the_list(world, client_for):
    response = client_for(world.agency_admin).get(LIST, {"org": world.other_agency.pk})
    assert response.context["org"] == world.agency


def test_navigation_links_to_message_texts_for_admins_only(world, client_for):
    admin_page = client_for(world.agency_admin).get(reverse("workspace:inbox"))
    assert LIST in admin_page.content.decode()
    liaison_page = client_for(world.liaison_a).get(reverse("workspace:inbox"))
    assert LIST not in liaison_page.content.decode()


def test_agency_admin_saves_wording_for_a_unit(world, client_for):
    client = client_for(world.agency_admin)
    response = client.post(
        _edit(world.unit_a),
        {"subject": "DPU menanggapi {{ code }}", "body": "", "short": "", "action": "save"},
    )
    assert response.status_code == 302
    row = MessageTemplate.objects.get(organization=world.unit_a, kind=Kind.RESPONSE, language="id")
    assert row.subject == "DPU menanggapi {{ code }}" and row.body == ""
    assert row.updated_by == world.agency_admin
    assert timezone.now() - row.updated_at < datetime.timedelta(minutes=1)


def test_national_admin_may_word_messages_for_any_organization(world, client_for):
    client = client_for(world.national_admin)
    assert client.get(_edit(world.other_agency, Kind.DIGEST, "en")).status_code == 200
    response = client.post(
        _edit(world.other_agency, Kind.DIGEST, "en"),
        {"subject": "Digest {{ date }}", "body": "", "short": "", "action": "save"},
    )
    assert response.status_code == 302
    assert MessageTemplate.objects.filter(
        organization=world.other_agency, kind=Kind.DIGEST
    ).exists()


def test_saving_again_updates_the_same_row(world, client_for):
    _override(world.agency, subject="Lama")
    client = client_for(world.agency_admin)
    data = {"subject": "Baru {{ code }}", "body": "", "short": "", "action": "save"}
    client.post(_edit(world.agency), data)
    rows = MessageTemplate.objects.filter(organization=world.agency, kind=Kind.RESPONSE)
    assert [row.subject for row in rows] == ["Baru {{ code }}"]


def test_a_syntax_error_is_shown_next_to_the_field_and_the_text_is_kept(world, client_for):
    client = client_for(world.agency_admin)
    typed = "Yth. {% if message %}{{ message }"
    response = client.post(
        _edit(world.agency),
        {"subject": "Baik {{ code }}", "body": typed, "short": "", "action": "save"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_body_error"' in html and 'id="id_subject_error"' not in html
    assert "Yth. {% if message %}{{ message }" in response.context["form"]["body"].value()
    assert "Yth. {% if message %}{{ message }</textarea>" in html
    assert not MessageTemplate.objects.exists()


def test_preview_renders_the_typed_text_without_saving(world, client_for):
    client = client_for(world.agency_admin)
    response = client.post(
        _edit(world.unit_a, Kind.HOLD_QUESTION),
        {
            "subject": "Pertanyaan {{ code }}",
            "body": "",
            "short": "{{ code }} & {{ link }}",
            "action": "preview",
        },
    )
    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview.subject == "Pertanyaan K7QM-3XPA"
    assert preview.short.startswith("K7QM-3XPA & http")
    assert "10 hari kerja" in preview.body  # the built-in body, since none was typed
    assert 'data-preview="typed"' in response.content.decode()
    assert not MessageTemplate.objects.exists()


def test_edit_page_previews_the_wording_in_use(world, client_for):
    _override(world.agency, kind=Kind.RECEIVED, subject="Terima kasih, {{ code }} diterima")
    response = client_for(world.agency_admin).get(_edit(world.unit_a, Kind.RECEIVED))
    assert response.status_code == 200
    assert response.context["inherited"].organization == world.agency
    assert response.context["preview"].subject == "Terima kasih, K7QM-3XPA diterima"
    assert "{{ code }}" in response.context["fields"][0][1]  # the built-in source is shown


def test_the_new_in_inbox_editor_opens_and_explains_the_other_reports_of_a_bulk_action(
    world, client_for
):
    response = client_for(world.agency_admin).get(_edit(world.agency, Kind.NEW_IN_INBOX))

    assert response.status_code == 200
    variables = dict(response.context["variables"])
    with translation.override("en"):
        assert "built-in wording" in str(variables["more"])


def test_the_new_in_inbox_editor_previews_the_typed_wording_for_reports_sent_together(
    world, client_for
):
    data = {
        "subject": "Laporan {{ code }} masuk",
        "body": "Masuk: {{ code }}{% for other in more %}, {{ other.code }}{% endfor %}.",
        "short": "",
        "action": "preview",
    }

    response = client_for(world.agency_admin).post(_edit(world.agency, Kind.NEW_IN_INBOX), data)

    alone, together = response.context["preview"], response.context["together"]
    assert alone.subject == "Laporan K7QM-3XPA masuk"
    # The subject names one report: it gives way; the text names the others: it is kept.
    assert together.subject != alone.subject and "1 laporan lain" in together.subject
    assert together.body.startswith("Masuk: K7QM-3XPA, TR4D-9WHN.")
    assert 'data-preview="together"' in response.content.decode()
    assert not MessageTemplate.objects.exists()  # a preview saves nothing


def test_other_editors_have_no_preview_for_reports_sent_together(world, client_for):
    response = client_for(world.agency_admin).get(_edit(world.agency))

    assert response.context["together"] is None
    assert 'data-preview="together"' not in response.content.decode()


def test_reset_deletes_the_override(world, client_for):
    _override(world.agency, subject="Lama")
    response = client_for(world.agency_admin).post(_edit(world.agency), {"action": "reset"})
    assert response.status_code == 302
    assert not MessageTemplate.objects.exists()


def test_saving_empty_parts_goes_back_to_the_built_in_text(world, client_for):
    _override(world.agency, subject="Lama")
    data = {"subject": "", "body": " ", "short": "", "action": "save"}
    client_for(world.agency_admin).post(_edit(world.agency), data)
    assert not MessageTemplate.objects.exists()


def test_unknown_kind_or_language_is_404(world, client_for):
    client = client_for(world.agency_admin)
    assert client.get(_edit(world.agency, "nonsense")).status_code == 404
    assert client.get(_edit(world.agency, Kind.RESPONSE, "fr")).status_code == 404


def test_agency_admin_of_another_agency_gets_404(world, client_for):
    client = client_for(world.other_admin)
    assert client.get(_edit(world.agency)).status_code == 404
    response = client.post(_edit(world.unit_a), {"subject": "x", "action": "save"})
    assert response.status_code == 404
    assert client.post(_edit(world.agency), {"action": "reset"}).status_code == 404
    assert not MessageTemplate.objects.exists()


@pytest.mark.parametrize("persona", ["liaison_a", "supervisor", "auditor", "outsider"])
def test_non_admins_are_refused(world, client_for, persona):
    _override(world.agency, subject="Lama")
    client = client_for(getattr(world, persona))
    assert client.get(LIST).status_code == 403
    assert client.get(_edit(world.agency)).status_code == 403
    assert client.post(_edit(world.agency), {"action": "reset"}).status_code == 403
    assert MessageTemplate.objects.get().subject == "Lama"


def test_outsider_is_refused(world, client_for):
    client = client_for(world.outsider)
    assert client.get(LIST).status_code == 403
    data = {"subject": "x", "body": "", "short": "", "action": "save"}
    assert client.post(_edit(world.agency), data).status_code == 403
    assert not MessageTemplate.objects.exists()


def test_liaison_is_refused(world, client_for):
    client = client_for(world.liaison_a)
    data = {"subject": "x", "body": "", "short": "", "action": "save"}
    assert client.post(_edit(world.unit_a), data).status_code == 403
    assert not MessageTemplate.objects.exists()


def test_signed_out_visitors_are_sent_to_sign_in(world, client):
    response = client.get(_edit(world.agency))
    assert response.status_code == 302 and "next=" in response["Location"]


# --- End to end -------------------------------------------------------------------------


def test_submitting_tells_a_signed_in_citizen_in_the_app_in_indonesian(world):
    report, _secret = submit(world, reporter=world.citizen, title=TITLE)
    assert run_announcements() == ["SUCCESSFUL"]
    note = Notification.objects.get(
        user=world.citizen, medium=Medium.IN_APP, kind=Kind.RECEIVED, report=report
    )
    assert note.subject == f"Laporan Anda telah diterima – kode lacak {report.tracking_code}"
    assert report.tracking_code in note.body and note.link in note.body
    assert note.link.endswith(f"/laporan/{report.tracking_code}/")
    assert TITLE in note.body and note.short and len(note.short) <= messages.SHORT_LIMIT


def test_submitting_as_a_guest_emails_the_secret_link(world):
    report, secret = submit(world, title=TITLE)
    assert run_announcements() == ["SUCCESSFUL"]
    note = Notification.objects.get(medium=Medium.EMAIL, kind=Kind.RECEIVED, report=report)
    assert note.address == "budi@example.id"
    assert note.link.endswith(f"/k/{secret}/") and note.link in note.body
    assert "/konfirmasi/" in note.short
    assert "Budi Tamu" not in note.body


def test_an_english_speaking_citizen_is_told_in_english(world):
    world.citizen.language = "en"
    world.citizen.save()
    report, _secret = submit(world, reporter=world.citizen)
    assert run_announcements() == ["SUCCESSFUL"]
    note = Notification.objects.get(user=world.citizen, medium=Medium.IN_APP, kind=Kind.RECEIVED)
    assert note.subject == f"Your report has been received – tracking code {report.tracking_code}"


def test_a_new_reports_messages_are_written_once_even_if_its_task_runs_twice(world):
    report, secret = submit(world, title=TITLE, suggested_organization=world.unit_a)
    assert not Notification.objects.filter(report=report).exists()  # the worker's job
    assert run_announcements() == ["SUCCESSFUL"]
    rows = Notification.objects.filter(report=report)
    assert set(rows.values_list("kind", flat=True)) == {Kind.RECEIVED, Kind.NEW_IN_INBOX}
    written = sorted(rows.values_list("key", flat=True))
    # A worker that wrote the messages and died before marking its task done: the same
    # task runs again.
    event = report.events.get(action=lifecycle.Action.SUBMIT)
    announce_submission.enqueue(event.pk, secret)
    assert run_announcements() == ["SUCCESSFUL"]
    again = sorted(Notification.objects.filter(report=report).values_list("key", flat=True))
    assert again == written


def test_the_task_table_keeps_no_guest_secret_once_the_message_is_written(world):
    report, secret = submit(world, title=TITLE)
    queued = DBTaskResult.objects.get(task_path=announce_submission.module_path)
    assert secret in str(queued.args_kwargs)
    assert run_announcements() == ["SUCCESSFUL"]
    queued.refresh_from_db()
    assert secret not in str(queued.args_kwargs)
    note = Notification.objects.get(medium=Medium.EMAIL, kind=Kind.RECEIVED, report=report)
    assert note.link.endswith(f"/k/{secret}/")


def test_a_failed_announcement_is_retried_later_with_the_secret(world, monkeypatch):
    from aduan.notifications import events

    report, secret = submit(world, title=TITLE)
    monkeypatch.setattr(events, "announce", lambda *args, **kwargs: 1 / 0)
    assert run_announcements() == ["FAILED"]
    assert not Notification.objects.filter(report=report).exists()
    failed = DBTaskResult.objects.get(status="FAILED")
    assert secret not in str(failed.args_kwargs)
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.run_after > timezone.now()
    monkeypatch.undo()
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    assert run_announcements() == ["SUCCESSFUL"]
    note = Notification.objects.get(medium=Medium.EMAIL, kind=Kind.RECEIVED, report=report)
    assert note.link.endswith(f"/k/{secret}/")


def test_reports_built_inside_in_app_only_are_announced_at_once(world):
    from aduan.notifications.outbox import in_app_only

    with in_app_only():
        report, _secret = submit(world, reporter=world.citizen)
    assert not DBTaskResult.objects.filter(task_path=announce_submission.module_path).exists()
    kinds = set(Notification.objects.filter(report=report).values_list("medium", flat=True))
    assert kinds == {Medium.IN_APP}


def test_an_agencys_wording_reaches_the_reporter_through_the_lifecycle(world):
    _override(world.agency, kind=Kind.RESPONSE, subject="Balasan Kabupaten untuk {{ code }}")
    report, _secret = submit(world, reporter=world.citizen)
    advance(world, report, Status.IN_PROGRESS)
    note = Notification.objects.get(user=world.citizen, medium=Medium.IN_APP, kind=Kind.RESPONSE)
    assert note.subject == f"Balasan Kabupaten untuk {report.tracking_code}"


def test_a_half_closed_variable_is_refused_rather_than_sent_as_text(world, client_for):
    data = {"subject": "Laporan {{ code }", "body": "", "short": "", "action": "preview"}
    response = client_for(world.agency_admin).post(_edit(world.agency), data)
    assert response.status_code == 400
    assert 'id="id_subject_error"' in response.content.decode()
    assert response.context["preview"] is None


def test_an_announcement_whose_worker_died_is_queued_again_by_the_scan(world):
    from aduan.notifications.tasks import requeue_stalled_announcements

    report, secret = submit(world, title=TITLE)
    stuck = DBTaskResult.objects.get(task_path=announce_submission.module_path)
    stuck.claim("a-worker-that-died")
    started = DBTaskResult.objects.get(pk=stuck.pk).started_at
    assert requeue_stalled_announcements(started + datetime.timedelta(minutes=5)) == 0
    assert requeue_stalled_announcements(started + datetime.timedelta(minutes=11)) == 1
    stuck.refresh_from_db()
    assert stuck.status == "FAILED" and secret not in str(stuck.args_kwargs)
    assert requeue_stalled_announcements(started + datetime.timedelta(minutes=12)) == 0
    assert run_announcements() == ["SUCCESSFUL"]
    note = Notification.objects.get(medium=Medium.EMAIL, kind=Kind.RECEIVED, report=report)
    assert note.link.endswith(f"/k/{secret}/")


# --- One task announces a burst of submissions -----------------------------------------


def _received(report) -> Notification:
    return Notification.objects.get(report=report, kind=Kind.RECEIVED, medium=Medium.EMAIL)


def test_one_task_announces_the_submissions_waiting_behind_it(world):
    first, first_secret = submit(world, title=TITLE)
    second, second_secret = submit(world, title="Lampu jalan padam di depan sekolah")
    third, _ = submit(world, reporter=world.citizen)
    assert run_announcements() == ["SUCCESSFUL"]  # the first task did all three
    assert _received(first).link.endswith(f"/k/{first_secret}/")
    assert _received(second).link.endswith(f"/k/{second_secret}/")
    assert Notification.objects.filter(report=third, kind=Kind.RECEIVED).exists()
    rows = DBTaskResult.objects.filter(task_path=announce_submission.module_path)
    assert set(rows.values_list("status", flat=True)) == {"SUCCESSFUL"}
    assert rows.count() == 3
    for row in rows:
        assert first_secret not in str(row.args_kwargs)
        assert second_secret not in str(row.args_kwargs)


def test_a_batch_looks_up_its_submissions_once_not_one_by_one(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from aduan.notifications.tasks import announce_queued

    none_of_them = "00000000-0000-0000-0000-000000000000"

    def queries_to_announce(count: int) -> int:
        for _ in range(count):
            submit(world, reporter=world.citizen)
        with CaptureQueriesContext(connection) as captured:
            assert announce_queued(none_of_them, 50) == count
        return len(captured.captured_queries)

    one, five = queries_to_announce(1), queries_to_announce(5)
    # Each further submission costs its savepoint, recipients, messages and webhook
    # endpoints, but not a look-up of its event or of its webhook calls (11 before).
    assert (five - one) / 4 <= 9


def test_a_submission_another_worker_holds_is_left_to_it(world):
    first, _ = submit(world, reporter=world.citizen)
    second, _ = submit(world, reporter=world.citizen)
    held = DBTaskResult.objects.filter(task_path=announce_submission.module_path).order_by(
        "enqueued_at"
    )[1]
    held.claim("another-worker")
    assert run_announcements() == ["SUCCESSFUL"]
    assert Notification.objects.filter(report=first, kind=Kind.RECEIVED).exists()
    assert not Notification.objects.filter(report=second).exists()
    held.refresh_from_db()
    assert held.status == "RUNNING"


def test_a_submission_that_fails_in_a_batch_waits_for_its_own_retry(world, monkeypatch):
    from aduan.notifications import events

    first, _ = submit(world, reporter=world.citizen)
    broken, secret = submit(world, title="Laporan yang gagal diumumkan")
    third, _ = submit(world, reporter=world.citizen)
    real = events.announce

    def announce(found, **kwargs):
        if found[0].report_id == broken.pk:
            raise RuntimeError("broken")
        return real(found, **kwargs)

    monkeypatch.setattr(events, "announce", announce)
    # The first task announces itself and the third; the broken one then fails on its own.
    assert run_announcements() == ["SUCCESSFUL", "FAILED"]
    assert Notification.objects.filter(report=first, kind=Kind.RECEIVED).exists()
    assert Notification.objects.filter(report=third, kind=Kind.RECEIVED).exists()
    assert not Notification.objects.filter(report=broken).exists()
    retry = DBTaskResult.objects.get(status="READY", task_path=announce_submission.module_path)
    monkeypatch.undo()
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    assert run_announcements() == ["SUCCESSFUL"]
    assert _received(broken).link.endswith(f"/k/{secret}/")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_shortened_reason_keeps_the_text_message_in_the_sms_alphabet(world, language):
    context, org = realistic(world, Kind.ARCHIVED, language)
    context["archive_reason"] = "Di luar cakupan (perkara hukum atau tindak pidana) “lama”"

    short = messages.render(Kind.ARCHIVED, language, context, org).short

    assert "..." in short
    assert not set(short) & set("…“”‘’–—"), short
