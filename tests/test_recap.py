"""The monthly recap PDF: its content, the background task that builds it, and its pages.

Reports are made in January 2026 (WIB) through the real intake and lifecycle, the facts
rebuilt as the worker would, and the recap built at 3 February 2026 09:00. The PDF is
read without any PDF library: built with page compression off, the text drawn on its
pages stands in its content streams as `(…) Tj` strings.
"""

from __future__ import annotations

import datetime
import math
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_tasks_db.models import DBTaskResult

from aduan.analytics import recap
from aduan.analytics.facts import rebuild_facts
from aduan.analytics.models import RecapJob
from aduan.deadlines import calendar
from aduan.organizations.models import Organization
from aduan.reports import lifecycle
from tests.personas import as_user, report_at

WIB = ZoneInfo("Asia/Jakarta")
JANUARY = datetime.date(2026, 1, 1)
BUILT_AT = datetime.datetime(2026, 2, 3, 9, tzinfo=WIB)
TASK_PATH = "aduan.analytics.tasks.build_recap_task"
PHONE = "081234567890"


def at(day: int, hour: int, month: int = 1) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, tzinfo=WIB)


@pytest.fixture
def january(world):
    """Five January reports: two followed up at unit A, one waiting at unit B past its
    deadline (its title holds a phone number), two in the national queue; one in
    December for the change."""
    admin = as_user(world.national_admin)
    reports = []
    for day in (5, 6):
        report = report_at(world, at(day, 9))
        lifecycle.dispatch(report, admin, world.unit_a, at=at(day, 10))
        lifecycle.respond(report, as_user(world.liaison_a), "Petugas dijadwalkan.", at=at(day, 11))
        reports.append(report)
    late = report_at(world, at(7, 9), title=f"Jalan berlubang, hubungi saya di {PHONE}")
    lifecycle.dispatch(late, admin, world.unit_b, at=at(7, 10))
    reports.append(late)
    reports += [report_at(world, at(8, 9)), report_at(world, at(9, 9))]
    report_at(world, at(15, 9, month=12).replace(year=2025))
    rebuild_facts()
    return reports


def page_text(pdf: bytes) -> str:
    """The strings drawn on the pages of an uncompressed PDF, one per line."""
    streams = b"\n".join(re.findall(rb"stream\r?\n(.*?)endstream", pdf, re.S))
    strings = re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", streams)
    return "\n".join(_unescape(s).decode("cp1252") for s in strings)


def _unescape(string: bytes) -> bytes:
    def one(match: re.Match) -> bytes:
        escape = match.group(1)
        return bytes([int(escape, 8)]) if escape[:1].isdigit() else escape

    return re.sub(rb"\\([0-7]{1,3}|.)", one, string)


def build(org, language="id", month=JANUARY) -> bytes:
    with time_machine.travel(BUILT_AT, tick=False), translation.override(language):
        return recap.build_recap(org, month, compress=False)


def line_after(text: str, label: str, count: int = 1, occurrence: int = -1) -> list[str]:
    """The `count` strings drawn after one that reads `label` (by default the last)."""
    lines = text.splitlines()
    start = [n for n, line in enumerate(lines) if line == label][occurrence] + 1
    return lines[start : start + count]


# --- What the PDF holds ------------------------------------------------------------------


def test_the_recap_is_a_pdf_naming_the_organization_month_and_received_count(world, january):
    pdf = build(world.agency)
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    text = page_text(pdf)
    assert world.agency.name in text.splitlines()
    assert "Januari 2026" in text.splitlines()
    with translation.override("id"):
        received = gettext("Reports received")
    # January, then December, then the change: unit A's two and unit B's one.
    assert line_after(text, received, 3) == ["3", "0", "+3"]


def test_the_recap_is_in_english_when_asked_in_english(world, january):
    text = page_text(build(world.agency, language="en"))
    assert "Monthly recap of public complaints" in text
    assert "January 2026" in text.splitlines()
    assert line_after(text, "Reports received", 3) == ["3", "0", "+3"]
    assert line_after(text, "Follow-up rate", 3, occurrence=0) == ["66.7%", "–", "–"]


def test_the_national_recap_counts_every_report_and_the_agencies(world, january):
    text = page_text(build(None, language="en"))
    assert "National (all agencies)" in text.splitlines()
    assert line_after(text, "Reports received", 3) == ["5", "1", "+4 (+400.0%)"]
    # The regency and the city (not the national body nor the ombudsman, which receive no
    # reports); only the regency is connected.
    assert line_after(text, "All agencies", 1) == ["2"]
    assert line_after(text, "Connected", 2) == ["1", "50.0%"]


def test_the_trend_has_twelve_months_and_the_categories_their_names(world, january):
    text = page_text(build(world.agency, language="en"))
    lines = text.splitlines()
    assert "February 2025" in lines and "January 2026" in lines
    assert "January 2025" not in lines
    assert line_after(text, "January 2026", 4)[-4:] == ["3", "3", "2", "66.7%"]
    assert line_after(text, world.roads.name, 2) == ["3", "100.0%"]


def test_the_overdue_list_masks_titles_and_counts_days_late(world, january):
    pdf = build(world.agency, language="en")
    text = page_text(pdf)
    late = january[2]
    late.refresh_from_db()
    assert PHONE not in text and PHONE.encode() not in pdf
    assert "0812******90" in text
    row = line_after(text, late.tracking_code, 3)
    assert row[1] == world.unit_b.name
    # Whole working days, as the overdue page counts them, not calendar days.
    working = calendar.current().working_days_between(late.due_at, BUILT_AT, "Asia/Jakarta")
    assert row[2] == str(math.floor(working))
    assert math.floor(working) < (BUILT_AT - late.due_at).days
    assert "Working\ndays late" in text  # the header, wrapped in its narrow column


def test_a_units_recap_has_neither_league_nor_agencies(world, january):
    text = page_text(build(world.unit_a, language="en"))
    assert line_after(text, "Reports received", 1) == ["2"]
    assert "Best and slowest units" not in text
    assert "Connected and active agencies" not in text


def test_the_agency_recap_ranks_its_units(world, january, settings):
    settings.ADUAN_LEAGUE_MIN_REPORTS = 1
    text = page_text(build(world.agency, language="en"))
    assert "Best and slowest units" in text
    # Place, name, verified, first responses in time. Unit A answered both in time;
    # unit B's one first response is late.
    assert line_after(text, "Best", 1) == ["Place"]
    assert line_after(text, world.unit_a.name, 2) == ["2", "100.0%"]
    assert line_after(text, world.unit_b.name, 2) == ["1", "0.0%"]
    lines = text.splitlines()[::-1]  # the league comes after the overdue list
    assert lines[lines.index(world.unit_a.name) + 1] == "1"
    assert lines[lines.index(world.unit_b.name) + 1] == "2"
    assert "Slowest" not in text.splitlines()  # two units are all "best"


def test_one_ranked_unit_is_listed_as_ranked_not_as_the_best(world, january, settings):
    settings.ADUAN_LEAGUE_MIN_REPORTS = 2  # unit A has two verified reports, unit B one
    lines = page_text(build(world.agency, language="en")).splitlines()

    assert "Ranked" in lines and "Best" not in lines
    assert lines[lines.index("Ranked") + 1] == "Place"


def test_best_and_slowest_are_the_top_and_bottom_five_without_overlap(world, settings):
    settings.ADUAN_LEAGUE_MIN_REPORTS = 1
    admin = as_user(world.national_admin)
    units = [
        Organization.objects.create(
            name=f"Dinas {n}",
            slug=f"dinas-{n}",
            kind=Organization.Kind.DEPARTMENT,
            parent=world.agency,
        )
        for n in range(7)
    ]
    for unit in units:
        report = report_at(world, at(20, 9))
        lifecycle.dispatch(report, admin, unit, at=at(20, 10))
    rebuild_facts()
    with time_machine.travel(BUILT_AT, tick=False):
        data = recap.collect(world.agency, JANUARY)
    assert [row["place"] for row in data.best] == [1, 2, 3, 4, 5]
    assert [row["place"] for row in data.slowest] == [6, 7]
    assert data.unranked == 2  # units A and B have no report


def test_markup_in_a_title_prints_as_text_and_other_scripts_do_not_stop_the_build(world):
    admin = as_user(world.national_admin)
    title = '<img src="http://example.id/x.png"/> <b>Jalan</b> rusak 🚧 道路'
    report = report_at(world, at(5, 9), title=title)
    lifecycle.dispatch(report, admin, world.unit_a, at=at(5, 10))
    rebuild_facts()
    # Each piece of a paragraph is drawn on its own; joined, they read as the title.
    drawn = "".join(page_text(build(world.agency, language="en")).splitlines())
    assert '<img src="http://example.id/x.png"/> <b>Jalan</b> rusak' in drawn


def test_each_section_reports_its_progress_in_order(world, january):
    steps = []
    with time_machine.travel(BUILT_AT, tick=False):
        recap.build_recap(world.agency, JANUARY, progress=lambda *step: steps.append(step))
    assert [step for step, _percent in steps] == [
        RecapJob.Step.FIGURES,
        RecapJob.Step.TREND,
        RecapJob.Step.CATEGORIES,
        RecapJob.Step.OVERDUE,
        RecapJob.Step.UNITS,
        RecapJob.Step.AGENCIES,
        RecapJob.Step.WRITING,
    ]
    percents = [percent for _step, percent in steps]
    assert percents == sorted(percents) and percents[-1] < 100


def test_the_benchmark_hook_returns_seconds(world, january):
    assert recap.benchmark_recap(world.agency, JANUARY) > 0


# --- The background task -----------------------------------------------------------------


def run_queued_recaps() -> list[str]:
    """What a worker does: run the recap tasks enqueued so far, once each."""
    outcomes = []
    for queued in DBTaskResult.objects.ready().filter(task_path=TASK_PATH).order_by("enqueued_at"):
        queued.delete()
        outcomes.append(queued.task.call(*queued.args_kwargs["args"]))
    return outcomes


def test_the_task_builds_the_file_and_marks_the_job_done(
    world, january, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = recap.start_recap(world.agency_admin, world.agency, JANUARY, "id")
    assert (job.state, job.progress, job.step) == ("queued", 0, "waiting")
    with time_machine.travel(BUILT_AT, tick=False):
        assert run_queued_recaps() == ["done"]
    job.refresh_from_db()
    assert (job.state, job.progress, job.step, job.error) == ("done", 100, "done", "")
    assert job.started_at == job.finished_at == BUILT_AT
    assert job.path.parent == settings.STATE_DIR / "recaps"
    assert job.path.read_bytes().startswith(b"%PDF-")
    assert list(job.path.parent.glob("*.part")) == []


def test_the_task_is_enqueued_only_after_the_transaction_commits(world):
    recap.start_recap(world.agency_admin, world.agency, JANUARY, "id")
    assert not DBTaskResult.objects.filter(task_path=TASK_PATH).exists()


def test_a_job_is_built_once_though_delivered_twice(world, january):
    job = recap.start_recap(world.agency_admin, world.agency, JANUARY, "id")
    assert recap.run_job(job.pk) == "done"
    first = job.path.stat().st_mtime_ns
    assert recap.run_job(job.pk) == "skipped"
    assert job.path.stat().st_mtime_ns == first


def test_a_job_another_worker_claimed_is_left_to_it(world, january):
    job = recap.start_recap(world.agency_admin, world.agency, JANUARY, "id")
    # The other worker's conditional UPDATE came first.
    RecapJob.objects.filter(pk=job.pk, state="queued").update(state="running")
    assert recap.run_job(job.pk) == "skipped"
    job.refresh_from_db()
    assert job.state == "running" and not job.path.exists()


def test_asking_again_while_it_is_being_built_reuses_the_job(world, january):
    first = recap.start_recap(world.agency_admin, world.agency, JANUARY, "id")
    assert recap.start_recap(world.agency_admin, world.agency, JANUARY, "id") == first
    recap.run_job(first.pk)
    assert recap.start_recap(world.agency_admin, world.agency, JANUARY, "id") != first


def test_a_failed_build_marks_the_job_failed(world, january, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(recap, "render_pdf", broken)
    job = recap.start_recap(world.agency_admin, world.agency, JANUARY, "id")
    with pytest.raises(RuntimeError):
        recap.run_job(job.pk)
    job.refresh_from_db()
    assert (job.state, job.step, job.error) == ("failed", "writing", "RuntimeError: disk full")
    assert job.finished_at is not None and not job.path.exists()


def test_a_stalled_job_is_queued_again_once(world):
    job = recap.start_recap(world.agency_admin, world.agency, JANUARY, "id")
    with time_machine.travel(BUILT_AT, tick=False):
        RecapJob.objects.filter(pk=job.pk).update(state="running", progress_at=BUILT_AT)
    later = BUILT_AT + recap.STALLED_AFTER + datetime.timedelta(seconds=1)
    assert recap.requeue_stalled_recaps(BUILT_AT + datetime.timedelta(minutes=1)) == 0
    assert recap.requeue_stalled_recaps(later) == 1
    assert recap.requeue_stalled_recaps(later) == 0
    job.refresh_from_db()
    assert job.state == "queued"
    assert run_queued_recaps() == ["done"]


# --- The pages ---------------------------------------------------------------------------


def ask(client, user, org, month=JANUARY, language="id"):
    client.force_login(user)
    return client.post(
        reverse("recap:form"),
        {
            "organization": org.pk if org else "",
            "month": month.isoformat(),
            "language": language,
        },
    )


@pytest.fixture
def done_job(world, january):
    job = recap.start_recap(world.agency_admin, world.agency, JANUARY, "id")
    recap.run_job(job.pk)
    job.refresh_from_db()
    return job


def test_an_outsider_is_refused_every_recap_page(client, world, done_job):
    # Auditors: tests/test_recap_oversight.py.
    for user in (world.outsider, world.citizen):
        client.force_login(user)
        for url in (
            reverse("recap:form"),
            reverse("recap:job", args=[done_job.pk]),
            reverse("recap:download", args=[done_job.pk]),
        ):
            assert client.get(url).status_code == 403, (user, url)
        assert ask(client, user, world.agency).status_code == 403


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(client, done_job):
    response = client.get(reverse("recap:download", args=[done_job.pk]))
    assert response.status_code == 302 and "/akun/" in response["Location"]


def test_another_agencys_admin_gets_404_on_someone_elses_job(client, world, done_job):
    client.force_login(world.other_admin)
    assert client.get(reverse("recap:job", args=[done_job.pk])).status_code == 404
    assert client.get(reverse("recap:download", args=[done_job.pk])).status_code == 404
    assert client.get(reverse("recap:job", args=[done_job.pk + 1000])).status_code == 404


def test_a_liaison_may_not_open_the_recap_of_the_whole_agency(client, world, done_job):
    client.force_login(world.liaison_a)
    assert client.get(reverse("recap:download", args=[done_job.pk])).status_code == 404


def test_a_supervisor_of_the_same_agency_may_download_the_recap(client, world, done_job):
    client.force_login(world.supervisor)
    response = client.get(reverse("recap:download", args=[done_job.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="rekap-kab-contoh-2026-01.pdf"'
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_an_agency_admin_asks_for_a_recap_and_watches_it_until_it_is_ready(
    client, world, january, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = ask(client, world.agency_admin, world.agency)
    job = RecapJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("recap:job", args=[job.pk])
    assert (job.organization, job.month, job.language) == (world.agency, JANUARY, "id")
    assert job.requested_by == world.agency_admin
    page = client.get(response["Location"])
    assert b'http-equiv="refresh"' in page.content
    assert reverse("recap:download", args=[job.pk]).encode() not in page.content
    assert client.get(reverse("recap:download", args=[job.pk])).status_code == 404
    run_queued_recaps()
    page = client.get(response["Location"])
    assert b'http-equiv="refresh"' not in page.content
    assert reverse("recap:download", args=[job.pk]).encode() in page.content
    listing = client.get(reverse("recap:form"))
    assert f'data-recap-job="{job.pk}"'.encode() in listing.content


def test_the_progress_page_shows_the_step_while_running(client, world, january):
    job = recap.start_recap(world.agency_admin, world.agency, JANUARY, "en")
    RecapJob.objects.filter(pk=job.pk).update(state="running", step="overdue", progress=55)
    client.force_login(world.agency_admin)
    page = client.get(reverse("recap:job", args=[job.pk]))
    assert b'http-equiv="refresh"' in page.content
    assert b'value="55"' in page.content
    assert str(RecapJob.Step.OVERDUE.label).encode() in page.content


def test_a_failed_job_says_so_and_stops_refreshing(client, world, january):
    job = recap.start_recap(world.agency_admin, world.agency, JANUARY, "id")
    RecapJob.objects.filter(pk=job.pk).update(state="failed", error="RuntimeError: disk full")
    client.force_login(world.agency_admin)
    page = client.get(reverse("recap:job", args=[job.pk]))
    assert b'data-recap-state="failed"' in page.content
    assert b'http-equiv="refresh"' not in page.content
    assert b"disk full" not in page.content


def test_a_liaison_may_ask_only_for_their_own_unit(client, world):
    client.force_login(world.liaison_a)
    form = client.get(reverse("recap:form")).context["form"]
    assert list(form.fields["organization"].queryset) == [world.unit_a]
    assert form["organization"].value() == world.unit_a.pk
    assert ask(client, world.liaison_a, world.unit_b).status_code == 400
    assert ask(client, world.liaison_a, None).status_code == 400
    assert ask(client, world.liaison_a, world.unit_a).status_code == 302
    assert RecapJob.objects.get().organization == world.unit_a


def test_only_a_national_admin_may_ask_for_the_national_recap(client, world):
    assert ask(client, world.agency_admin, None).status_code == 400
    assert ask(client, world.national_admin, None).status_code == 302
    assert ask(client, world.national_admin, world.other_agency).status_code == 302
    assert [job.organization for job in RecapJob.objects.order_by("id")] == [
        None,
        world.other_agency,
    ]


def test_an_agency_admin_may_ask_for_any_unit_of_their_agency_only(client, world):
    assert ask(client, world.agency_admin, world.unit_b).status_code == 302
    assert ask(client, world.agency_admin, world.other_agency).status_code == 400


def test_the_recap_language_defaults_to_the_page_language(client, world, settings):
    client.force_login(world.agency_admin)
    form = client.get(reverse("recap:form")).context["form"]
    assert form["language"].value() == "id"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    form = client.get(reverse("recap:form")).context["form"]
    assert form["language"].value() == "en"


def test_the_dashboard_link_opens_the_recap_of_what_it_was_showing(client, world):
    client.force_login(world.agency_admin)
    month = (timezone.localdate().replace(day=1) - datetime.timedelta(days=40)).replace(day=1)
    dashboard = client.get(
        reverse("monev:dashboard"), {"org": world.unit_b.pk, "month": f"{month:%Y-%m}"}
    )
    link = re.search(r'href="(/kantor/rekap/\?[^"]+)"', dashboard.content.decode()).group(1)

    form = client.get(link.replace("&amp;", "&")).context["form"]

    assert form["organization"].value() == world.unit_b.pk
    assert form["month"].value() == month.isoformat()
    # What the user may not ask for is not preselected.
    other = client.get(reverse("recap:form"), {"org": world.other_agency.pk}).context["form"]
    assert other["organization"].value() == world.agency.pk


def test_the_recap_pages_cost_a_bounded_number_of_queries(
    client, world, done_job, django_assert_max_num_queries
):
    client.force_login(world.agency_admin)
    for _ in range(3):
        recap.start_recap(world.agency_admin, world.unit_a, JANUARY, "id")
    # Session, user, memberships, unread notifications, then the page's own queries
    # (the organizations twice: a <select> with no empty choice reads its first option
    # to decide on its `required` attribute).
    with django_assert_max_num_queries(7):
        assert client.get(reverse("recap:form")).status_code == 200
    with django_assert_max_num_queries(5):
        assert client.get(reverse("recap:job", args=[done_job.pk])).status_code == 200


def test_an_old_recaps_pdf_is_deleted_and_the_page_says_so(world, january, client, settings):
    settings.ADUAN_RECAP_FILE_DAYS = 365
    job = recap.start_recap(world.agency_admin, world.agency, JANUARY, "en")
    recap.run_job(job.pk)
    job.refresh_from_db()
    assert recap.forget_old_recaps(job.finished_at + datetime.timedelta(days=300)) == 0
    assert job.path.is_file()
    assert recap.forget_old_recaps(job.finished_at + datetime.timedelta(days=366)) == 1
    assert not job.path.exists()
    client.force_login(world.agency_admin)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("recap:job", args=[job.pk])).content.decode()
    assert "data-recap-expired" in page and "data-recap-download" not in page
    assert client.get(reverse("recap:download", args=[job.pk])).status_code == 404
