"""Dispatching or archiving several reports at once from the inbox (`/kantor/massal/`):
each one as on its own page, the refused ones listed with why, nothing typed lost."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from aduan.notifications.models import Notification
from aduan.reports import lifecycle
from aduan.reports.models import Report, ReportEvent, Status
from tests.personas import advance, as_user, submit

URL = reverse("workspace:bulk")


def _three(world):
    return [
        submit(world, reporter=world.citizen, title=f"Lampu jalan padam nomor {n}")[0]
        for n in range(3)
    ]


def _post(client, reports, action, **fields):
    data = {
        "report": [r.tracking_code for r in reports],
        "seen": [f"{r.tracking_code}:{r.version}" for r in reports],
        "action": action,
        "back": "tab=verify&sort=oldest",
        **{f"{action}-{name}": value for name, value in fields.items()},
    }
    return client.post(URL, data)


def _codes(response) -> list[str]:
    return re.findall(r'name="report" value="([A-Z0-9-]+)"', response.content.decode())


def test_inbox_offers_checkboxes_to_admins_only(world, client_for):
    report = submit(world, reporter=world.citizen)[0]
    advance(world, report, Status.DISPATCHED)
    admin_page = client_for(world.agency_admin).get(reverse("workspace:inbox") + "?tab=all")
    assert f'name="report" value="{report.tracking_code}"' in admin_page.content.decode()
    liaison_page = client_for(world.liaison_a).get(reverse("workspace:inbox") + "?tab=all")
    assert report.tracking_code in liaison_page.content.decode()
    assert 'name="report"' not in liaison_page.content.decode()


def test_the_chosen_reports_are_listed_with_the_actions_that_apply(world, client_for):
    reports = _three(world)
    query = "&".join(f"report={r.tracking_code}" for r in reports)
    response = client_for(world.national_admin).get(f"{URL}?{query}&back=tab%3Dverify")
    assert response.status_code == 200
    assert _codes(response) == [r.tracking_code for r in reports]
    body = response.content.decode()
    assert 'name="action" value="dispatch"' in body
    assert 'name="action" value="archive"' in body
    assert 'href="/kantor/?tab=verify"' in body


def test_dispatching_several_reports_dispatches_each_with_its_own_event(world, client_for):
    reports = _three(world)
    client = client_for(world.national_admin)
    response = _post(client, reports, "dispatch", organization=world.agency.pk, message="")
    assert response.status_code == 302
    assert response["Location"] == "/kantor/?tab=verify&sort=oldest"
    for report in reports:
        report.refresh_from_db()
        assert report.status == Status.DISPATCHED
        assert report.organization == world.agency
        assert report.events.filter(action=lifecycle.Action.DISPATCH).count() == 1
    messages = [str(m) for m in client.get(response["Location"]).context["messages"]]
    assert "3 reports dispatched to Pemerintah Kabupaten Contoh." in messages


def test_archiving_several_reports_sends_each_reporter_the_explanation(world, client_for):
    reports = _three(world)
    client = client_for(world.national_admin)
    response = _post(
        client,
        reports,
        "archive",
        reason="not_public_service",
        message="Pesan uji coba, bukan pengaduan.",
        confirm="on",
    )
    assert response.status_code == 302
    for report in reports:
        report.refresh_from_db()
        assert report.status == Status.ARCHIVED
        assert report.archive_reason == "not_public_service"
        event = report.events.get(action=lifecycle.Action.ARCHIVE)
        assert event.message == "Pesan uji coba, bukan pengaduan."
    archived = Notification.objects.filter(report__in=reports, user=world.citizen, kind="archived")
    assert set(archived.values_list("report", flat=True)) == {r.pk for r in reports}


def test_archiving_without_the_tick_changes_nothing_and_keeps_the_text(world, client_for):
    reports = _three(world)
    response = _post(
        client_for(world.national_admin),
        reports,
        "archive",
        reason="not_public_service",
        message="Penjelasan yang sudah diketik panjang.",
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Tick the box to confirm archiving." in body
    assert "Penjelasan yang sudah diketik panjang." in body
    assert _codes(response) == [r.tracking_code for r in reports]
    assert not Report.objects.filter(status=Status.ARCHIVED).exists()


def test_a_report_changed_meanwhile_is_left_alone_and_the_others_go_ahead(world, client_for):
    reports = _three(world)
    seen = list(reports)
    changed = Report.objects.get(pk=reports[1].pk)
    lifecycle.hold(changed, as_user(world.national_admin), "Di mana tepatnya lokasinya?")
    response = _post(
        client_for(world.national_admin),
        seen,
        "dispatch",
        organization=world.agency.pk,
        message="Mohon segera ditindaklanjuti.",
    )
    assert response.status_code == 409
    statuses = [Report.objects.get(pk=r.pk).status for r in reports]
    assert statuses == [Status.DISPATCHED, Status.ON_HOLD, Status.DISPATCHED]
    body = response.content.decode()
    assert "Someone else changed it after you chose it" in body
    # Still chosen, at its new version, with the message still typed.
    assert _codes(response) == [changed.tracking_code]
    assert f'value="{changed.tracking_code}:{Report.objects.get(pk=changed.pk).version}"' in body
    assert "Mohon segera ditindaklanjuti." in body


def test_a_report_the_admin_may_not_act_on_is_listed_with_why(world, client_for):
    ours = submit(world, reporter=world.citizen)[0]
    advance(world, ours, Status.DISPATCHED)  # at unit A, dispatched by the agency admin
    theirs = submit(world, reporter=world.citizen, title="Trotoar rusak")[0]
    lifecycle.dispatch(theirs, as_user(world.national_admin), world.agency)
    response = _post(
        client_for(world.agency_admin),
        [ours, theirs],
        "dispatch",
        organization=world.unit_b.pk,
        message="",
    )
    assert response.status_code == 302
    assert Report.objects.get(pk=ours.pk).organization == world.unit_b
    assert Report.objects.get(pk=theirs.pk).organization == world.unit_b

    already = Report.objects.get(pk=ours.pk)
    response = _post(
        client_for(world.agency_admin), [already], "dispatch", organization=world.unit_b.pk
    )
    assert response.status_code == 409
    assert "The report is already with this organization." in response.content.decode()


def test_reports_of_another_agency_are_not_even_listed(world, client_for):
    ours = submit(world, reporter=world.citizen)[0]
    lifecycle.dispatch(ours, as_user(world.national_admin), world.agency)
    elsewhere = submit(world, reporter=world.citizen, title="Banjir di perumahan")[0]
    lifecycle.dispatch(elsewhere, as_user(world.national_admin), world.other_agency)
    client = client_for(world.agency_admin)
    response = _post(client, [ours, elsewhere], "dispatch", organization=world.unit_a.pk)
    assert response.status_code == 302
    elsewhere.refresh_from_db()
    assert elsewhere.organization == world.other_agency
    assert elsewhere.events.count() == 2  # submitted and dispatched, nothing else
    page = client.get(f"{URL}?report={elsewhere.tracking_code}")
    assert page.status_code == 302  # as if nothing were chosen


def test_a_target_outside_the_admins_tree_is_refused_with_the_field_named(world, client_for):
    reports = _three(world)
    for report in reports:
        lifecycle.dispatch(report, as_user(world.national_admin), world.agency)
    response = _post(
        client_for(world.agency_admin),
        [Report.objects.get(pk=r.pk) for r in reports],
        "dispatch",
        organization=world.other_agency.pk,
        message="Teks yang tetap ada",
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert "Teks yang tetap ada" in response.content.decode()
    assert all(Report.objects.get(pk=r.pk).organization == world.agency for r in reports)


@pytest.mark.parametrize("role", ["liaison_a", "supervisor", "auditor", "outsider"])
def test_who_administers_nothing_cannot_act_in_bulk(world, client_for, role):
    report = submit(world, reporter=world.citizen)[0]
    advance(world, report, Status.DISPATCHED)
    before = ReportEvent.objects.filter(report=report).count()
    response = _post(
        client_for(getattr(world, role)),
        [report],
        "archive",
        reason="not_public_service",
        message="Arsipkan",
        confirm="on",
    )
    assert response.status_code in (302, 403, 409)
    assert Report.objects.get(pk=report.pk).status == Status.DISPATCHED
    assert ReportEvent.objects.filter(report=report).count() == before


def test_an_outsider_is_refused_the_page(world, client_for):
    report = submit(world, reporter=world.citizen)[0]
    response = client_for(world.outsider).get(f"{URL}?report={report.tracking_code}")
    assert response.status_code == 403
    assert report.title not in response.content.decode()


def test_a_visitor_is_sent_to_sign_in(world, client):
    report = submit(world, reporter=world.citizen)[0]
    response = client.get(f"{URL}?report={report.tracking_code}")
    assert response.status_code == 302
    assert "/akun/masuk/" in response["Location"]


def test_nothing_chosen_goes_back_to_the_inbox_with_a_message(world, client_for):
    client = client_for(world.national_admin)
    response = client.post(URL, {"action": "archive", "back": "tab=all"})
    assert response.status_code == 302
    assert response["Location"] == "/kantor/?tab=all"


def test_the_way_back_never_leaves_the_site(world, client_for):
    report = submit(world, reporter=world.citizen)[0]
    client = client_for(world.national_admin)
    response = _post(client, [report], "dispatch", organization=world.agency.pk)
    assert response["Location"].startswith("/kantor/")
    response = client.post(
        URL,
        {
            "report": [report.tracking_code],
            "seen": [f"{report.tracking_code}:{Report.objects.get(pk=report.pk).version}"],
            "action": "archive",
            "archive-reason": "not_public_service",
            "archive-message": "x",
            "archive-confirm": "on",
            "back": "//evil.example/",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/kantor/"


def test_the_page_reads_a_bounded_number_of_queries(
    world, client_for, django_assert_max_num_queries
):
    reports = [
        submit(world, reporter=world.citizen, title=f"Jalan rusak ruas {n}")[0] for n in range(8)
    ]
    query = "&".join(f"report={r.tracking_code}" for r in reports)
    client = client_for(world.national_admin)
    client.get(f"{URL}?{query}")
    with django_assert_max_num_queries(10):
        response = client.get(f"{URL}?{query}")
    assert len(_codes(response)) == 8


def _seen(response) -> list[str]:
    return re.findall(r'name="seen" value="([A-Z0-9-]+:\d+)"', response.content.decode())


def test_a_refused_form_keeps_the_versions_first_seen(world, client_for):
    """A colleague's change between choosing and a mistyped form is still caught when
    the corrected form is sent from the page that answered the mistake."""
    reports = _three(world)
    client = client_for(world.national_admin)
    seen = list(reports)
    changed = Report.objects.get(pk=reports[1].pk)
    lifecycle.hold(changed, as_user(world.national_admin), "Di mana lokasinya?")
    first = _post(client, seen, "archive", reason="not_public_service", message="Uji coba.")
    assert first.status_code == 400
    assert _seen(first) == [f"{r.tracking_code}:{r.version}" for r in seen]
    again = client.post(
        URL,
        {
            "report": _codes(first),
            "seen": _seen(first),
            "action": "archive",
            "archive-reason": "not_public_service",
            "archive-message": "Uji coba.",
            "archive-confirm": "on",
        },
    )
    assert again.status_code == 409
    statuses = [Report.objects.get(pk=r.pk).status for r in reports]
    assert statuses == [Status.ARCHIVED, Status.ON_HOLD, Status.ARCHIVED]
    assert "Someone else changed it after you chose it" in again.content.decode()


def test_unticking_every_report_keeps_the_page_and_the_text(world, client_for):
    reports = _three(world)
    response = client_for(world.national_admin).post(
        URL,
        {
            "seen": [f"{r.tracking_code}:{r.version}" for r in reports],
            "action": "archive",
            "archive-reason": "not_public_service",
            "archive-message": "Penjelasan panjang yang sudah diketik.",
            "archive-confirm": "on",
            "back": "tab=verify",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Tick at least one report first." in body
    assert "Penjelasan panjang yang sudah diketik." in body
    # Every row is still there, none ticked, so that the officer ticks them again.
    assert _codes(response) == [r.tracking_code for r in reports]
    assert 'value="%s" id="bulk-%s" checked' % ((reports[0].tracking_code,) * 2) not in body
    assert not Report.objects.filter(status=Status.ARCHIVED).exists()


def test_a_report_is_not_dispatched_to_where_it_already_waits(world, client_for):
    """As on its own page, whose list leaves out the organization holding the report:
    a report a unit passed back to its agency is not "dispatched" to that agency."""
    returned = submit(world, reporter=world.citizen)[0]
    advance(world, returned, Status.DISPATCHED)
    lifecycle.not_our_remit(returned, as_user(world.liaison_a), "Bukan kewenangan kami.")
    assert (returned.status, returned.organization) == (Status.SUBMITTED, world.agency)
    events = returned.events.count()
    response = _post(
        client_for(world.agency_admin), [returned], "dispatch", organization=world.agency.pk
    )
    assert response.status_code == 409
    assert "The report is already with this organization." in response.content.decode()
    returned.refresh_from_db()
    assert returned.status == Status.SUBMITTED and returned.events.count() == events


def test_the_chosen_reports_keep_their_inbox_flags(world, client_for):
    """Archiving "test messages" in one go: an urgent or confidential one among them
    shows it on the page where the decision is taken, as in the inbox."""
    reports = _three(world)
    Report.objects.filter(pk=reports[0].pk).update(is_urgent=True)
    Report.objects.filter(pk=reports[1].pk).update(is_confidential=True)
    query = "&".join(f"report={r.tracking_code}" for r in reports)
    body = client_for(world.national_admin).get(f"{URL}?{query}").content.decode()
    rows = dict(re.findall(r'<tr data-code="([A-Z0-9-]+)">(.*?)</tr>', body, re.S))
    assert 'data-urgency="by_hand"' in rows[reports[0].tracking_code]
    assert 'data-flag="confidential"' in rows[reports[1].tracking_code]
    assert "ws-flag" not in rows[reports[2].tracking_code]


def test_an_officer_hears_of_reports_dispatched_together_in_one_email(world, client_for):
    from aduan.notifications.models import Kind, Medium

    reports = _three(world)
    changed = Report.objects.get(pk=reports[1].pk)
    lifecycle.hold(changed, as_user(world.national_admin), "Di mana tepatnya lokasinya?")

    _post(client_for(world.national_admin), reports, "dispatch", organization=world.agency.pk)

    told = Notification.objects.filter(user=world.agency_admin, kind=Kind.NEW_IN_INBOX)
    # In the app, one per report, each a link to it; by email, one naming them all.
    in_app = told.filter(medium=Medium.IN_APP)
    assert sorted(n.report_id for n in in_app) == sorted([reports[0].pk, reports[2].pk])
    (email,) = told.filter(medium=Medium.EMAIL)
    assert email.report_id == reports[0].pk
    assert f"- {reports[2].tracking_code}: Lampu jalan padam nomor 2" in email.body
    assert reports[1].tracking_code not in email.body  # refused: it was not sent
    assert "dan 1 laporan lain" in email.subject


def test_a_single_dispatch_still_tells_of_its_one_report(world, client_for):
    from aduan.notifications.models import Kind, Medium

    (report,) = _three(world)[:1]
    _post(client_for(world.national_admin), [report], "dispatch", organization=world.agency.pk)

    email = Notification.objects.get(
        user=world.agency_admin, kind=Kind.NEW_IN_INBOX, medium=Medium.EMAIL
    )
    assert report.tracking_code in email.subject
    assert "laporan lain" not in email.subject


def _dispatched_together_with_wording(world, client_for, subject: str, body: str):
    """Three reports dispatched at once to the agency, whose own wording of
    new_in_inbox is `subject` and `body`: the reports, and the agency admin's email."""
    from aduan.notifications.models import Kind, Medium, MessageTemplate

    MessageTemplate.objects.create(
        organization=world.agency,
        kind=Kind.NEW_IN_INBOX,
        language="id",
        subject=subject,
        body=body,
        short="",
    )
    reports = _three(world)
    _post(client_for(world.national_admin), reports, "dispatch", organization=world.agency.pk)
    (email,) = Notification.objects.filter(
        user=world.agency_admin, kind=Kind.NEW_IN_INBOX, medium=Medium.EMAIL
    )
    return reports, email


def test_an_agencys_own_wording_for_one_report_gives_way_to_one_naming_them_all(world, client_for):
    reports, email = _dispatched_together_with_wording(
        world,
        client_for,
        subject="[Kabupaten] Laporan {{ code }} masuk",
        body="Mohon segera ditindaklanjuti: {{ code }}.",
    )

    assert "dan 2 laporan lain" in email.subject
    for report in reports:
        assert report.tracking_code in email.body


def test_an_agencys_wording_that_names_the_others_is_kept_for_reports_sent_together(
    world, client_for
):
    reports, email = _dispatched_together_with_wording(
        world,
        client_for,
        subject="[Kabupaten] {{ code }} dan {{ more|length }} lainnya",
        body="Masuk: {{ code }}{% for other in more %}, {{ other.code }}{% endfor %}.",
    )

    assert email.subject == f"[Kabupaten] {reports[0].tracking_code} dan 2 lainnya"
    codes = ", ".join(report.tracking_code for report in reports)
    assert email.body.startswith(f"Masuk: {codes}.")


def test_an_agencys_wording_that_only_mentions_more_in_a_comment_or_quotes_gives_way_too(
    world, client_for
):
    reports, email = _dispatched_together_with_wording(
        world,
        client_for,
        subject="[Kabupaten] {{ code }} masuk{% comment %} + {{ more|length }}{% endcomment %}",
        body='Mohon segera ditindaklanjuti: {{ code }} ({{ reason|default:"more" }}).',
    )

    assert "dan 2 laporan lain" in email.subject
    for report in reports:
        assert report.tracking_code in email.body
