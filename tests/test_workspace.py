"""The back office: who sees what in the inbox, the report page and its action forms,
the export, manual entry and response templates."""

from __future__ import annotations

import csv
import datetime
import io
import re
import uuid

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from aduan.channels.intake import Draft, submit_report
from aduan.notifications.models import Kind as MessageKind
from aduan.notifications.models import Notification
from aduan.organizations.models import Region, ResponseTemplate, RoutingRule
from aduan.reports import lifecycle
from aduan.reports.attachments import CleanFile
from aduan.reports.models import Channel, Kind, Report, ReportEvent, Status
from aduan.workspace import queries, views
from tests.personas import advance, as_reporter, as_user, run_announcements, submit

ROLES = [
    "national_admin",
    "agency_admin",
    "liaison_a",
    "liaison_b",
    "supervisor",
    "auditor",
    "other_admin",
]


def _to_unit_b(world, report):
    lifecycle.dispatch(report, as_user(world.national_admin), world.agency)
    lifecycle.dispatch(report, as_user(world.agency_admin), world.unit_b)
    return report


def _codes(response) -> set[str]:
    return set(re.findall(r'<tr data-code="([A-Z0-9-]+)"', response.content.decode()))


def _form_actions(response) -> list[str]:
    return re.findall(r'<form[^>]*data-action="([a-z_]+)"', response.content.decode())


def _report_url(report, name="workspace:report") -> str:
    return reverse(name, kwargs={"code": report.tracking_code})


def _action_url(report, action) -> str:
    return reverse("workspace:action", kwargs={"code": report.tracking_code, "action": action})


@pytest.fixture
def cases(world):
    """One report in every place the inbox tabs care about."""
    c = {}
    c["national_new"] = submit(world, reporter=world.citizen, title="Antrian nasional")[0]
    c["agency_new"] = submit(world, title="Baru di kabupaten", suggested_organization=world.agency)[
        0
    ]
    c["at_a"] = advance(world, submit(world, title="Di DPU")[0], Status.DISPATCHED)
    c["at_b"] = _to_unit_b(world, submit(world, title="Di Dishub")[0])
    c["held"] = advance(world, submit(world, title="Ditunda")[0], Status.ON_HOLD)
    c["done_a"] = advance(
        world, submit(world, reporter=world.citizen, title="Selesai DPU")[0], Status.COMPLETED
    )
    handed = advance(
        world, submit(world, reporter=world.citizen, title="Ke Ombudsman")[0], "dispatched"
    )
    with time_machine.travel(timezone.now() + datetime.timedelta(days=61)):
        lifecycle.hand_over(handed, as_reporter(world.citizen), world.ombudsman, "Lambat.")
    c["handed"] = handed
    c["other"] = submit(world, title="Kota lain", suggested_organization=world.other_agency)[0]
    return c


AGENCY_ALL = {"agency_new", "at_a", "at_b", "done_a", "handed"}
EVERYTHING = {"national_new", "held", "other"} | AGENCY_ALL
EXPECTED_TABS = {
    "national_admin": {
        "verify": {"national_new", "agency_new", "other"},
        "follow_up": {"at_a", "at_b", "handed"},
        "on_hold": {"held"},
        "awaiting_reporter": {"done_a"},
        "all": EVERYTHING,
    },
    "agency_admin": {
        "verify": {"agency_new"},
        "follow_up": {"at_a", "at_b", "handed"},
        "on_hold": set(),
        "awaiting_reporter": {"done_a"},
        "all": AGENCY_ALL,
    },
    "liaison_a": {
        "verify": set(),
        "follow_up": {"at_a", "handed"},
        "on_hold": set(),
        "awaiting_reporter": {"done_a"},
        "all": {"at_a", "done_a", "handed"},
    },
    "liaison_b": {
        "verify": set(),
        "follow_up": {"at_b"},
        "on_hold": set(),
        "awaiting_reporter": set(),
        "all": {"at_b"},
    },
    "supervisor": {
        "verify": set(),
        "follow_up": {"at_a", "at_b", "handed"},
        "on_hold": set(),
        "awaiting_reporter": {"done_a"},
        "all": AGENCY_ALL,
    },
    "auditor": {
        "verify": set(),
        "follow_up": {"handed"},
        "on_hold": set(),
        "awaiting_reporter": set(),
        "all": {"handed"},
    },
    "other_admin": {
        "verify": {"other"},
        "follow_up": set(),
        "on_hold": set(),
        "awaiting_reporter": set(),
        "all": {"other"},
    },
}


# --- Access -------------------------------------------------------------------------


def _every_view_url(world):
    report = submit(world, reporter=world.citizen)[0]
    template = ResponseTemplate.objects.create(organization=world.agency, title="T", body="B")
    code = {"code": report.tracking_code}
    return [
        ("get", reverse("workspace:inbox")),
        ("get", reverse("workspace:export")),
        ("get", reverse("workspace:report", kwargs=code)),
        ("post", reverse("workspace:action", kwargs={**code, "action": "note"})),
        ("get", reverse("workspace:attachment", kwargs={**code, "pk": 1})),
        ("get", reverse("workspace:manual_entry")),
        ("get", reverse("workspace:templates")),
        ("get", reverse("workspace:template_create")),
        ("get", reverse("workspace:template_edit", kwargs={"pk": template.pk})),
        ("post", reverse("workspace:template_delete", kwargs={"pk": template.pk})),
    ]


def test_outsider_is_refused_on_every_workspace_view(world, client_for):
    client = client_for(world.outsider)
    for method, url in _every_view_url(world):
        response = getattr(client, method)(url, {"message": "x", "version": "1"})
        assert response.status_code == 403, url


def test_citizen_reporter_is_refused_even_for_their_own_report(world, client_for):
    report = submit(world, reporter=world.citizen)[0]
    client = client_for(world.citizen)
    assert client.get(_report_url(report)).status_code == 403


def test_anonymous_visitor_is_sent_to_sign_in_on_every_workspace_view(world, client):
    for method, url in _every_view_url(world):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("accounts:login")), url


def test_get_report_for_user_hides_reports_outside_the_users_reach(world, rf):
    report = submit(world, reporter=world.citizen)[0]
    request = rf.get("/")
    request.user = world.national_admin
    assert queries.get_report_for_user(request, report.tracking_code.lower()) == report
    request.user = world.other_admin
    with pytest.raises(queries.Http404):
        queries.get_report_for_user(request, report.tracking_code)


def test_staff_of_another_agency_gets_404_on_a_report_page(world, cases, client_for):
    client = client_for(world.other_admin)
    assert client.get(_report_url(cases["at_a"])).status_code == 404
    assert client.post(_action_url(cases["at_a"], "note"), {"message": "x"}).status_code == 404


# --- Inbox tabs, filters, pagination ------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_each_inbox_tab_shows_exactly_what_the_role_may_handle(world, cases, client_for, role):
    client = client_for(getattr(world, role))
    for tab, expected in EXPECTED_TABS[role].items():
        response = client.get(reverse("workspace:inbox"), {"tab": tab})
        assert response.status_code == 200
        assert _codes(response) == {cases[name].tracking_code for name in expected}, tab


def test_inbox_opens_on_the_verify_tab_for_admins_and_follow_up_for_liaisons(
    world, cases, client_for
):
    assert client_for(world.agency_admin).get(reverse("workspace:inbox")).context["tab"] == (
        "verify"
    )
    assert client_for(world.liaison_a).get(reverse("workspace:inbox")).context["tab"] == (
        "follow_up"
    )


def test_inbox_rows_show_a_masked_label_for_anonymous_reporters(world, client_for):
    report = submit(world, is_anonymous=True, guest_name="Rahasia Sekali", title="Anonim")[0]
    response = client_for(world.national_admin).get(reverse("workspace:inbox"), {"tab": "all"})
    html = response.content.decode()
    assert report.tracking_code in html
    assert "Rahasia Sekali" not in html and "budi@example.id" not in html
    assert "Anonymous" in html


def test_search_finds_reports_by_title_and_by_tracking_code(world, cases, client_for):
    client = client_for(world.national_admin)
    by_title = client.get(reverse("workspace:inbox"), {"tab": "all", "q": "dishub"})
    assert _codes(by_title) == {cases["at_b"].tracking_code}
    code = cases["held"].tracking_code.replace("-", "").lower()
    by_code = client.get(reverse("workspace:inbox"), {"tab": "all", "q": code})
    assert _codes(by_code) == {cases["held"].tracking_code}


def test_filters_narrow_the_inbox_by_status_kind_category_channel_and_organization(
    world, client_for
):
    road = submit(world, title="Jalan", kind=Kind.ASPIRATION)[0]
    other = submit(world, title="Lain", category=None)[0]
    lifecycle.dispatch(other, as_user(world.national_admin), world.unit_b)
    letter = submit_report(
        Draft(title="Surat", body="Isi surat warga.", category=world.roads),
        channel=Channel.LETTER,
        channel_reference="001/2026",
    ).report
    client = client_for(world.national_admin)

    def codes(**params):
        return _codes(client.get(reverse("workspace:inbox"), {"tab": "all", **params}))

    assert codes(kind="aspiration") == {road.tracking_code}
    assert codes(status="dispatched") == {other.tracking_code}
    assert codes(channel="letter") == {letter.tracking_code}
    # A parent category includes its children.
    assert codes(category=world.roads.pk) == {road.tracking_code, letter.tracking_code}
    assert codes(category=world.potholes.pk) == {road.tracking_code}
    assert codes(organization=world.agency.pk) == {other.tracking_code}


def test_an_invalid_filter_shows_an_error_and_is_ignored(world, cases, client_for):
    response = client_for(world.national_admin).get(
        reverse("workspace:inbox"), {"tab": "all", "status": "bogus"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["status"]
    assert len(_codes(response)) == len(EVERYTHING)


def test_organization_filter_offers_only_organizations_the_user_works_in(world, cases, client_for):
    response = client_for(world.liaison_a).get(reverse("workspace:inbox"))
    offered = set(response.context["form"].fields["organization"].queryset)
    assert offered == {world.unit_a}
    forged = client_for(world.liaison_a).get(
        reverse("workspace:inbox"), {"tab": "all", "organization": world.unit_b.pk}
    )
    assert forged.context["form"].errors["organization"]
    assert cases["at_b"].tracking_code not in forged.content.decode()


def test_inbox_pages_without_counting_and_links_to_the_next_page(world, client_for, monkeypatch):
    monkeypatch.setattr(queries, "PAGE_SIZE", 2)
    made = [submit(world, title=f"Laporan {n}")[0] for n in range(5)]
    newest_first = [r.tracking_code for r in reversed(made)]
    client = client_for(world.national_admin)
    first = client.get(reverse("workspace:inbox"), {"tab": "all", "status": "submitted"})
    assert _codes(first) == set(newest_first[:2])
    assert first.context["page"].has_next and not first.context["page"].has_previous
    assert "page=2" in first.context["next_query"]
    last = client.get(reverse("workspace:inbox"), {"tab": "all", "status": "submitted", "page": 3})
    assert _codes(last) == {newest_first[4]}
    assert not last.context["page"].has_next
    nonsense = client.get(reverse("workspace:inbox"), {"tab": "all", "page": "x"})
    assert nonsense.context["page"].number == 1


@pytest.mark.parametrize("role", ["national_admin", "agency_admin", "liaison_a"])
def test_inbox_query_count_does_not_grow_with_the_number_of_rows(
    world, client_for, role, django_assert_max_num_queries
):
    client = client_for(getattr(world, role))

    def make(count):
        for n in range(count):
            report = submit(world, reporter=world.citizen if n % 2 else None, title=f"Laporan {n}")[
                0
            ]
            advance(world, report, Status.DISPATCHED)

    make(5)
    with CaptureQueriesContext(connection) as five:
        assert len(_codes(client.get(reverse("workspace:inbox"), {"tab": "all"}))) == 5
    make(35)
    with django_assert_max_num_queries(len(five.captured_queries)):
        assert len(_codes(client.get(reverse("workspace:inbox"), {"tab": "all"}))) == 40
    with django_assert_max_num_queries(12):
        client.get(reverse("workspace:inbox"), {"tab": "follow_up"})


def test_inbox_page_size_is_chosen_from_the_offered_sizes(world, client_for):
    client = client_for(world.national_admin)
    for n in range(30):
        submit(world, title=f"Laporan nomor {n}")
    inbox = reverse("workspace:inbox")
    assert len(_codes(client.get(inbox, {"tab": "all", "per_page": 25}))) == 25
    assert len(_codes(client.get(inbox, {"tab": "all", "per_page": 100}))) == 30
    page = client.get(inbox, {"tab": "all", "per_page": 25}).context
    assert "per_page=25" in page["next_query"]
    assert client.get(inbox, {"tab": "all", "per_page": 7}).context["page"].has_next is False


# --- Export -------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    assert body.startswith("\ufeff")  # so that spreadsheet programs read it as UTF-8
    return list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))


def test_export_contains_the_same_visible_filtered_reports_as_the_inbox(world, cases, client_for):
    response = client_for(world.liaison_a).get(reverse("workspace:export"), {"tab": "all"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = _csv(response)
    assert rows[0][0] == "Tracking code"
    assert {row[0] for row in rows[1:]} == {
        cases[name].tracking_code for name in EXPECTED_TABS["liaison_a"]["all"]
    }
    filtered = _csv(
        client_for(world.national_admin).get(
            reverse("workspace:export"), {"tab": "all", "q": "Dishub"}
        )
    )
    assert [row[0] for row in filtered[1:]] == [cases["at_b"].tracking_code]


def test_export_never_reveals_an_anonymous_reporter_even_to_national_admins(world, client_for):
    guest = submit(
        world, is_anonymous=True, guest_name="Nama Rahasia", guest_email="rahasia@example.id"
    )[0]
    registered = submit(world, reporter=world.citizen, is_anonymous=True, title="Anonim 2")[0]
    named = submit(world, title="Bernama", guest_name="Budi Terbuka")[0]
    response = client_for(world.national_admin).get(reverse("workspace:export"), {"tab": "all"})
    body = b"".join(response.streaming_content).decode()
    for secret in ("Nama Rahasia", "rahasia@example.id", "Siti Warga", "warga@example.id"):
        assert secret not in body
    by_code = {row[0]: row for row in csv.reader(io.StringIO(body))}
    assert by_code[guest.tracking_code][10] == "Anonymous"
    assert by_code[registered.tracking_code][10] == "Anonymous"
    assert by_code[named.tracking_code][10] == "Budi Terbuka"


def test_an_anonymous_reports_message_id_is_shown_nowhere_in_the_back_office(world, client_for):
    # WhatsApp's message ids carry the sender's number (base64), an email's Message-ID
    # the sender's domain.
    wamid = "wamid.HBgNNjI4MTI5OTg4Nzc2NhUCABIYFjNFQjA="
    anonymous = submit_report(
        Draft(
            title="Pungutan liar di loket",
            body="Ada pungutan liar di loket KTP.",
            is_anonymous=True,
            guest_phone="+6281299887766",
        ),
        channel=Channel.WHATSAPP,
        channel_reference=wamid,
    ).report
    admin = client_for(world.national_admin)

    page = admin.get(reverse("workspace:report", args=[anonymous.tracking_code]))
    export = b"".join(admin.get(reverse("workspace:export"), {"tab": "all"}).streaming_content)

    assert page.status_code == 200
    assert wamid not in page.content.decode() and wamid.encode() not in export


def test_export_escapes_cells_a_spreadsheet_would_run_as_formulas(world, client_for):
    submit(world, title='=HYPERLINK("http://evil.example","klik")', guest_name="@SUM(A1)")
    submit(world, title="+62 jalan", guest_name="-Budi")
    rows = _csv(client_for(world.national_admin).get(reverse("workspace:export")))
    titles = {row[6] for row in rows[1:]}
    names = {row[10] for row in rows[1:]}
    assert titles == {'\'=HYPERLINK("http://evil.example","klik")', "'+62 jalan"}
    assert names == {"'@SUM(A1)", "'-Budi"}


def test_the_xlsx_export_holds_the_same_visible_filtered_reports(world, cases, client_for):
    from openpyxl import load_workbook

    response = client_for(world.liaison_a).get(reverse("workspace:export_xlsx"), {"tab": "all"})
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Tracking code"
    assert {row[0] for row in rows[1:]} == {
        cases[name].tracking_code for name in EXPECTED_TABS["liaison_a"]["all"]
    }


def test_the_xlsx_export_writes_a_title_stored_with_control_characters(world, cases, client_for):
    from openpyxl import load_workbook

    # As a version before intake dropped them could have stored it.
    Report.objects.filter(pk=cases["at_a"].pk).update(title="Lampu\x0b jalan\x01 padam")
    response = client_for(world.liaison_a).get(reverse("workspace:export_xlsx"), {"tab": "all"})
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert any("Lampu jalan padam" in row for row in rows)


def test_the_xlsx_export_is_refused_to_citizens(world, client_for):
    assert client_for(world.outsider).get(reverse("workspace:export_xlsx")).status_code == 403


def test_csv_safe_leaves_ordinary_text_alone():
    assert views.csv_safe("Jalan rusak") == "Jalan rusak"
    assert views.csv_safe(None) == ""
    assert views.csv_safe("\t=1") == "'\t=1"


# --- The report page ----------------------------------------------------------------


def test_report_page_shows_exactly_the_allowed_action_forms_with_the_version(
    world, cases, client_for
):
    report = cases["at_a"]
    response = client_for(world.liaison_a).get(_report_url(report))
    assert response.status_code == 200
    actions = _form_actions(response)
    allowed = lifecycle.allowed_actions(report, as_user(world.liaison_a))
    # Hiding a file is offered beside each public file, and this report has none; the
    # reporter's verdict for a connected system only while one waits for it.
    assert set(actions) == allowed - {"hide_file", "hide_info", "remote_verdict"}
    assert set(actions) == {
        "respond",
        "complete",
        "note",
        "not_our_remit",
        "correct_flags",
        "assign",
    }
    html = response.content.decode()
    assert html.count(f'name="version" value="{report.version}"') == len(actions)
    assert f'<span class="code">{report.tracking_code}</span>' in html
    assert reverse("portal:report", kwargs={"code": report.tracking_code}) in html


ADMIN_ON_DISPATCHED = {
    "dispatch",
    "archive",
    "mark_duplicate",
    "set_flags",
    "correct_flags",
    "note",
    "assign",
}


@pytest.mark.parametrize(
    ("role", "case", "expected"),
    [
        ("supervisor", "at_a", {"note", "escalate"}),
        ("agency_admin", "at_a", ADMIN_ON_DISPATCHED | {"respond", "complete", "not_our_remit"}),
        (
            "national_admin",
            "national_new",
            {
                "dispatch",
                "hold",
                "archive",
                "mark_duplicate",
                "set_flags",
                "correct_flags",
                "note",
                "escalate",
                "assign",
            },
        ),
        ("national_admin", "at_a", ADMIN_ON_DISPATCHED | {"escalate"}),
        # A reply by phone is recorded by the admins, not by the unit whose work it judges.
        ("liaison_a", "done_a", {"note"}),
        ("agency_admin", "done_a", {"note", "satisfied"}),
        ("auditor", "handed", set()),
    ],
)
def test_action_forms_follow_the_role(world, cases, client_for, role, case, expected):
    response = client_for(getattr(world, role)).get(_report_url(cases[case]))
    assert set(_form_actions(response)) == expected


def test_timeline_shows_public_and_internal_entries_and_the_dispatch_history(
    world, cases, client_for
):
    report = cases["at_a"]
    lifecycle.add_note(report, as_user(world.liaison_a), "Catatan internal DPU.")
    html = client_for(world.agency_admin).get(_report_url(report)).content.decode()
    timeline = html.split('<ol class="timeline">')[1].split("</ol>")[0]
    assert re.findall(r'<li data-action="([a-z_]+)"', timeline) == [
        "submit",
        "dispatch",
        "dispatch",
        "note",
    ]
    assert '<li data-action="note" class="internal">' in timeline
    assert "<strong>Verified and dispatched</strong>" in timeline
    assert "<strong>Internal note</strong>" in timeline
    assert "Catatan internal DPU." in timeline
    assert "Penghubung DPU" in timeline
    dispatches = html.split('class="ws-dispatches"')[1]
    assert "National queue" in dispatches and world.unit_a.name in dispatches


def test_reporter_contact_is_shown_to_staff_only_when_not_anonymous(world, client_for):
    named = submit(world, reporter=world.citizen, title="Bernama")[0]
    hidden = submit(
        world,
        is_anonymous=True,
        guest_name="Nama Rahasia",
        guest_email="rahasia@example.id",
        guest_phone="+6281111111111",
    )[0]
    client = client_for(world.national_admin)
    shown = client.get(_report_url(named)).content.decode()
    assert "Siti Warga" in shown and "warga@example.id" in shown and "+6281234567890" in shown
    masked = client.get(_report_url(hidden)).content.decode()
    for secret in ("Nama Rahasia", "rahasia@example.id", "+6281111111111"):
        assert secret not in masked
    assert "Anonymous" in masked


def test_an_anonymous_registered_reporter_stays_hidden_in_the_timeline(world, client_for):
    report = submit(world, reporter=world.citizen, is_anonymous=True)[0]
    lifecycle.hold(report, as_user(world.national_admin), "Di mana?")
    lifecycle.answer_hold(report, as_reporter(world.citizen), "Di depan pasar.")
    html = client_for(world.national_admin).get(_report_url(report)).content.decode()
    assert "Siti Warga" not in html and "warga@example.id" not in html
    assert "Di depan pasar." in html


def test_dispatch_picker_offers_the_national_admin_every_organization_but_oversight(
    world, cases, client_for
):
    response = client_for(world.national_admin).get(_report_url(cases["agency_new"]))
    form = next(f for f in response.context["action_forms"] if f.action == "dispatch")
    offered = set(form.fields["organization"].queryset)
    # Nor the operator itself: a report waiting for the national admins is at no
    # organization, and the operator handles none.
    assert offered == {world.unit_a, world.unit_b, world.other_agency}


def test_nobody_dispatches_a_report_to_the_national_operator(world):
    report, _secret = submit(world, reporter=world.citizen)
    with pytest.raises(PermissionDenied):
        lifecycle.dispatch(report, as_user(world.national_admin), world.national)
    report.refresh_from_db()
    assert (report.status, report.organization) == (Status.SUBMITTED, None)


def test_dispatch_picker_offers_an_agency_admin_only_their_units(world, cases, client_for):
    response = client_for(world.agency_admin).get(_report_url(cases["agency_new"]))
    form = next(f for f in response.context["action_forms"] if f.action == "dispatch")
    assert list(form.fields["organization"].queryset) == [world.unit_a, world.unit_b]
    html = response.content.decode()
    assert f'value="{world.other_agency.pk}"' not in html.split('data-action="dispatch"')[1]


def test_dispatch_picker_marks_units_without_a_liaison_officer(world, cases, client_for):
    from aduan.organizations.models import Organization

    empty = Organization.objects.create(
        name="Kecamatan Sepi", slug="kab-contoh-sepi", kind="district", parent=world.agency
    )
    response = client_for(world.agency_admin).get(_report_url(cases["agency_new"]))
    form = next(f for f in response.context["action_forms"] if f.action == "dispatch")
    labels = {pk: str(label) for pk, label in form.fields["organization"].choices if pk}
    assert labels[empty.pk].endswith("Kecamatan Sepi — no liaison officer")
    assert "no liaison officer" not in labels[world.unit_a.pk]


def test_the_dispatch_and_hold_messages_say_they_are_public(world, cases, client_for):
    html = client_for(world.agency_admin).get(_report_url(cases["agency_new"])).content.decode()
    dispatch = html.split('data-action="dispatch"')[1].split("</form>")[0]
    hold = html.split('data-action="hold"')[1].split("</form>")[0]
    assert "Message with the dispatch (public, optional)" in dispatch
    assert "public timeline" in dispatch
    assert "Question for the reporter (public)" in hold


def test_dispatch_picker_preselects_what_the_routing_rules_suggest(world, client_for):
    RoutingRule.objects.create(category=world.roads, organization=world.unit_a)
    report = submit(world, suggested_organization=world.agency)[0]
    response = client_for(world.agency_admin).get(_report_url(report))
    form = next(f for f in response.context["action_forms"] if f.action == "dispatch")
    assert form.initial["organization"] == world.unit_a.pk
    without_rule = submit(world, suggested_organization=world.agency, category=None)[0]
    response = client_for(world.agency_admin).get(_report_url(without_rule))
    form = next(f for f in response.context["action_forms"] if f.action == "dispatch")
    assert "organization" not in form.initial


def test_response_template_fills_the_textarea_without_javascript(world, cases, client_for):
    template = ResponseTemplate.objects.create(
        organization=world.agency, title="Jadwal", body="Tim kami dijadwalkan minggu ini."
    )
    client = client_for(world.liaison_a)
    url = _report_url(cases["at_a"])
    plain = client.get(url).content.decode()
    assert 'name="use_template"' in plain and "Jadwal" in plain
    filled = client.get(url, {"use_template": template.pk, "for": "respond"})
    form = next(f for f in filled.context["action_forms"] if f.action == "respond")
    assert form.initial["message"] == template.body
    assert "Tim kami dijadwalkan minggu ini.</textarea>" in filled.content.decode()


def test_without_javascript_a_template_is_added_after_what_was_written_and_nothing_is_sent(
    world, cases, client_for
):
    template = ResponseTemplate.objects.create(
        organization=world.agency, title="Jadwal", body="Tim kami dijadwalkan minggu ini."
    )
    report = cases["at_a"]
    seen = report.version
    events = report.events.count()
    client = client_for(world.liaison_a)

    response = client.post(
        _action_url(report, "respond"),
        {
            "version": seen,
            "message": "Terima kasih atas laporan Anda & fotonya.",
            "use_template": template.pk,
            "insert_template": "1",
        },
    )

    assert response.status_code == 200
    form = response.content.decode().split('data-action="respond"')[1].split("</form>")[0]
    assert (
        ">\nTerima kasih atas laporan Anda &amp; fotonya.\n\nTim kami dijadwalkan minggu ini."
        "</textarea>"
    ) in form
    assert "data-template-added" in form
    assert f'name="version" value="{seen}"' in form  # a colleague's change is still caught
    report.refresh_from_db()
    assert report.events.count() == events and report.status == Status.DISPATCHED


def test_without_javascript_a_template_fills_an_empty_response_without_a_note(
    world, cases, client_for
):
    template = ResponseTemplate.objects.create(
        organization=world.agency, title="Jadwal", body="Tim kami dijadwalkan minggu ini."
    )
    report = cases["at_a"]
    client = client_for(world.liaison_a)
    data = {"version": report.version, "use_template": template.pk, "insert_template": "1"}

    response = client.post(_action_url(report, "respond"), data)

    form = response.content.decode().split('data-action="respond"')[1].split("</form>")[0]
    assert ">\nTim kami dijadwalkan minggu ini.</textarea>" in form
    assert "data-template-added" not in form
    # Pressed again, the template is not added twice.
    data["message"] = "Tim kami dijadwalkan minggu ini."
    again = client.post(_action_url(report, "respond"), data).content.decode()
    assert again.count("Tim kami dijadwalkan minggu ini.</textarea>") == 1
    assert "Tim kami dijadwalkan minggu ini.\n\nTim kami" not in again


def test_the_template_button_is_refused_to_those_who_may_not_respond(world, cases, client_for):
    template = ResponseTemplate.objects.create(
        organization=world.agency, title="Jadwal", body="Tim kami dijadwalkan minggu ini."
    )
    report = cases["at_a"]
    data = {"version": report.version, "use_template": template.pk, "insert_template": "1"}
    assert client_for(world.liaison_b).post(_action_url(report, "respond"), data).status_code == 404
    assert (
        client_for(world.supervisor).post(_action_url(report, "respond"), data).status_code == 403
    )
    assert client_for(world.outsider).post(_action_url(report, "respond"), data).status_code == 403


# --- Actions through the view -------------------------------------------------------


def _post(client, report, action, **data):
    data.setdefault("version", report.version)
    return client.post(_action_url(report, action), data)


def test_national_admin_dispatches_to_an_agency_and_agency_admin_to_a_unit(
    world, cases, client_for
):
    report = cases["national_new"]
    response = _post(
        client_for(world.national_admin),
        report,
        "dispatch",
        organization=world.agency.pk,
        tier="field",
        message="Mohon ditindaklanjuti.",
    )
    assert response.status_code == 302
    assert response["Location"] == _report_url(report)
    report.refresh_from_db()
    assert (report.status, report.organization, report.tier) == (
        Status.DISPATCHED,
        world.agency,
        "field",
    )
    response = _post(
        client_for(world.agency_admin), report, "dispatch", organization=world.unit_a.pk
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.organization == world.unit_a
    assert list(report.dispatches.values_list("to_organization", flat=True)) == [
        world.agency.pk,
        world.unit_a.pk,
    ]


def test_dispatch_to_an_organization_outside_the_picker_is_refused(world, cases, client_for):
    report = cases["agency_new"]
    response = _post(
        client_for(world.agency_admin), report, "dispatch", organization=world.other_agency.pk
    )
    assert response.status_code == 400
    assert response.context["action_forms"][0].errors["organization"]
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED


def test_hold_archive_and_set_flags_through_the_view(world, client_for):
    client = client_for(world.national_admin)
    held = submit(world)[0]
    assert _post(client, held, "hold", message="Di mana lokasinya?").status_code == 302
    held.refresh_from_db()
    assert held.status == Status.ON_HOLD
    assert held.events.last().message == "Di mana lokasinya?"

    archived = submit(world)[0]
    response = _post(client, archived, "archive", reason="abusive", message="Bahasa kasar.")
    assert response.status_code == 400  # not confirmed
    archived.refresh_from_db()
    assert archived.status == Status.SUBMITTED
    response = _post(
        client, archived, "archive", reason="abusive", message="Bahasa kasar.", confirm="on"
    )
    assert response.status_code == 302
    archived.refresh_from_db()
    assert (archived.status, archived.archive_reason) == (Status.ARCHIVED, "abusive")

    flagged = submit(world)[0]
    assert _post(client, flagged, "set_flags", is_confidential="on").status_code == 302
    flagged.refresh_from_db()
    assert flagged.is_confidential and not flagged.is_anonymous
    page = client.get(_report_url(flagged))
    form = next(f for f in page.context["action_forms"] if f.action == "set_flags")
    assert list(form.fields) == ["version", "is_anonymous"]


def test_archive_form_has_no_preselected_reason(world, client_for):
    report = submit(world)[0]
    page = client_for(world.national_admin).get(_report_url(report))
    form = next(f for f in page.context["action_forms"] if f.action == "archive")
    assert form["reason"].value() in (None, "")
    response = _post(
        client_for(world.national_admin), report, "archive", message="Alasan.", confirm="on"
    )
    assert response.status_code == 400
    assert 'id="id_archive_reason_error"' in response.content.decode()
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED


def test_archive_form_does_not_offer_duplicate_as_a_reason(world, client_for):
    report = submit(world)[0]
    response = _post(
        client_for(world.national_admin),
        report,
        "archive",
        reason="duplicate",
        message="x",
        confirm="on",
    )
    assert response.status_code == 400
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED


def test_mark_duplicate_needs_an_original_visible_to_the_user(world, cases, client_for):
    client = client_for(world.agency_admin)
    report = cases["agency_new"]
    hidden = cases["other"]
    refused = _post(client, report, "mark_duplicate", original=hidden.tracking_code, confirm="on")
    assert refused.status_code == 400
    assert f'value="{hidden.tracking_code}"' in refused.content.decode()
    original = submit(world, suggested_organization=world.agency, title="Asli")[0]
    ok = _post(
        client, report, "mark_duplicate", original=original.tracking_code.lower(), confirm="on"
    )
    assert ok.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.duplicate_of) == (Status.ARCHIVED, original)


def test_liaison_responds_notes_and_completes_through_the_view(world, cases, client_for):
    client = client_for(world.liaison_a)
    report = cases["at_a"]
    assert _post(client, report, "respond", message="Sedang dikerjakan.").status_code == 302
    report.refresh_from_db()
    assert report.status == Status.IN_PROGRESS
    assert _post(client, report, "note", message="Cek lapangan Kamis.").status_code == 302
    report.refresh_from_db()
    note = report.events.last()
    assert (note.action, note.is_public) == ("note", False)
    assert _post(client, report, "complete", message="Sudah ditambal.").status_code == 302
    report.refresh_from_db()
    assert report.status == Status.COMPLETED


def test_not_our_remit_sends_the_report_back_and_leaves_the_liaisons_queue(
    world, cases, client_for
):
    report = cases["at_b"]
    response = _post(client_for(world.liaison_b), report, "not_our_remit", message="Urusan DPU.")
    assert response.status_code == 302
    assert response["Location"] == reverse("workspace:inbox")
    report.refresh_from_db()
    assert (report.status, report.organization) == (Status.SUBMITTED, world.agency)


def test_supervisor_escalates_a_report_of_their_subtree(world, cases, client_for):
    report = cases["at_a"]
    response = _post(client_for(world.supervisor), report, "escalate", message="Segera.")
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.escalated_at is not None


def test_a_leaders_escalation_presses_the_unit_and_spares_the_leader(
    world, cases, client_for, django_capture_on_commit_callbacks
):
    report = cases["at_a"]
    with django_capture_on_commit_callbacks(execute=True):
        _post(client_for(world.supervisor), report, "escalate", message="Segera ditangani.")

    told = Notification.objects.filter(report=report, medium="in_app")
    leaders = told.filter(kind=MessageKind.ESCALATED)
    assert {n.user for n in leaders} == {world.agency_admin}  # not the Bupati himself
    pressed = told.get(kind=MessageKind.ESCALATED_BY_LEADER)
    assert pressed.user == world.liaison_a
    assert world.supervisor.full_name in pressed.subject
    assert "Segera ditangani." in pressed.body


def test_a_stale_version_is_refused_with_409_and_the_typed_text_is_kept(world, cases, client_for):
    report = cases["at_a"]
    seen_version = report.version
    lifecycle.add_note(report, as_user(world.agency_admin), "Diubah orang lain.")
    before = (report.status, ReportEvent.objects.filter(report=report).count())
    response = _post(
        client_for(world.liaison_a),
        report,
        "respond",
        version=seen_version,
        message="Teks yang saya ketik panjang.",
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this report" in html
    assert "Teks yang saya ketik panjang.</textarea>" in html
    report.refresh_from_db()
    assert (report.status, report.events.count()) == before
    # The kept form now carries the fresh version, so sending again is a conscious choice.
    form = next(f for f in response.context["action_forms"] if f.action == "respond")
    assert form.data["version"] == str(report.version)


def test_a_concurrent_change_after_loading_loses_at_the_database(
    world, cases, client_for, monkeypatch
):
    report = cases["at_a"]
    real_allowed = views.allowed_actions

    def allowed_then_someone_else_acts(loaded, actor):
        other = Report.objects.get(pk=loaded.pk)
        lifecycle.add_note(other, as_user(world.agency_admin), "Balapan.")
        return real_allowed(loaded, actor)

    monkeypatch.setattr(views, "allowed_actions", allowed_then_someone_else_acts)
    response = _post(client_for(world.liaison_a), report, "complete", message="Selesai kami.")
    assert response.status_code == 409
    report.refresh_from_db()
    assert report.status == Status.DISPATCHED
    assert "Selesai kami.</textarea>" in response.content.decode()


def test_a_forbidden_action_is_refused_with_403_and_the_text_is_kept(world, cases, client_for):
    report = cases["at_a"]
    response = _post(client_for(world.supervisor), report, "respond", message="Bukan hak saya.")
    assert response.status_code == 403
    assert "Bukan hak saya.</textarea>" in response.content.decode()
    report.refresh_from_db()
    assert report.status == Status.DISPATCHED


def test_auditor_cannot_write_notes_on_handed_over_reports(world, cases, client_for):
    response = _post(client_for(world.auditor), cases["handed"], "note", message="Catatan.")
    assert response.status_code == 403


def test_an_empty_required_field_is_refused_with_400_next_to_the_field(world, cases, client_for):
    report = cases["national_new"]
    response = _post(
        client_for(world.national_admin), report, "archive", reason="abusive", confirm="on"
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_archive_message_error"' in html
    assert '<option value="abusive" selected>' in html


def test_an_unknown_action_is_404_and_get_is_not_allowed(world, cases, client_for):
    client = client_for(world.national_admin)
    report = cases["national_new"]
    assert _post(client, report, "hand_over", message="x").status_code == 404
    assert client.get(_action_url(report, "note")).status_code == 405


# --- Attachments --------------------------------------------------------------------


def _png() -> CleanFile:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, format="PNG")
    return CleanFile("foto.png", "image/png", out.getvalue())


def test_attachment_is_streamed_to_staff_who_can_see_the_report(world, client_for):
    report = submit(world, attachments=[_png()], suggested_organization=world.agency)[0]
    attachment = report.attachments.get()
    url = reverse(
        "workspace:attachment", kwargs={"code": report.tracking_code, "pk": attachment.pk}
    )
    response = client_for(world.agency_admin).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    page = client_for(world.agency_admin).get(_report_url(report)).content.decode()
    assert url in page
    assert client_for(world.liaison_a).get(url).status_code == 404
    other = submit(world)[0]
    wrong = reverse(
        "workspace:attachment", kwargs={"code": other.tracking_code, "pk": attachment.pk}
    )
    assert client_for(world.national_admin).get(wrong).status_code == 404


# --- Manual entry -------------------------------------------------------------------


def _entry(**overrides):
    data = {
        "channel": "letter",
        "channel_reference": "045/DPU/2026",
        "received_on": timezone.localdate().isoformat(),
        "kind": "complaint",
        "title": "Surat tentang jembatan",
        "body": "Jembatan desa retak dan berbahaya bagi anak sekolah.",
        "category": "",
        "region": "",
        "guest_name": "Pak Darmo",
        "guest_phone": "081298765432",
    }
    data.update(overrides)
    return data


def test_liaison_enters_a_letter_and_a_repeated_reference_returns_the_same_report(
    world, client_for
):
    client = client_for(world.liaison_a)
    response = client.post(reverse("workspace:manual_entry"), _entry())
    report = Report.objects.get(channel_reference="045/DPU/2026")
    assert response.status_code == 302
    assert response["Location"] == _report_url(report)
    assert (report.channel, report.organization, report.guest_name) == (
        Channel.LETTER,
        world.unit_a,
        "Pak Darmo",
    )
    submitted = report.events.get()
    assert (submitted.actor, submitted.by_reporter) == (world.liaison_a, False)
    page = client.get(response["Location"]).content.decode()
    assert f"/laporan/{report.tracking_code}/k/" in page  # the guest's link, shown once
    again = client.post(reverse("workspace:manual_entry"), _entry(title="Lagi"), follow=True)
    assert Report.objects.filter(channel_reference="045/DPU/2026").count() == 1
    assert again.redirect_chain[-1][0] == _report_url(report)
    assert "entered before" in again.content.decode()


def test_an_entered_reports_private_link_goes_to_the_reporter_not_the_officer(world, client_for):
    client = client_for(world.liaison_a)
    entry = _entry(guest_email="darmo@example.id", guest_phone="")

    page = client.post(reverse("workspace:manual_entry"), entry, follow=True).content.decode()

    report = Report.objects.get(channel_reference="045/DPU/2026")
    # Whoever holds the link speaks as the reporter; the officer's unit may handle it.
    assert f"/laporan/{report.tracking_code}/k/" not in page
    assert "sent to the contact they gave" in page
    run_announcements()
    received = Notification.objects.get(report=report, kind=MessageKind.RECEIVED)
    assert received.address == "darmo@example.id"
    assert f"/laporan/{report.tracking_code}/k/" in received.link


def test_a_double_clicked_entry_without_a_reference_makes_one_report(world, client_for):
    client = client_for(world.liaison_a)
    walk_in = _entry(channel="walk_in", channel_reference="", form_token=uuid.uuid4().hex)

    first = client.post(reverse("workspace:manual_entry"), walk_in)
    second = client.post(reverse("workspace:manual_entry"), walk_in, follow=True)

    report = Report.objects.get(title="Surat tentang jembatan")
    html = second.content.decode()
    assert first.status_code == 302 and "already sent" in html
    # The first response's messages may never be shown: the second gives the link again.
    assert f"/laporan/{report.tracking_code}/k/" in html
    page = client.get(_report_url(report)).content.decode()
    assert "form:" not in page  # the token's digest means nothing to anyone
    fresh = _entry(channel="walk_in", channel_reference="", form_token=uuid.uuid4().hex)
    client.post(reverse("workspace:manual_entry"), fresh)
    assert Report.objects.filter(title="Surat tentang jembatan").count() == 2


def test_agency_admin_entry_waits_for_verification_at_the_agency(world, client_for):
    client = client_for(world.agency_admin)
    yesterday = timezone.localdate() - datetime.timedelta(days=3)
    client.post(
        reverse("workspace:manual_entry"),
        _entry(channel="walk_in", channel_reference="", received_on=yesterday.isoformat()),
    )
    report = Report.objects.get(channel=Channel.WALK_IN)
    assert report.organization == world.agency
    assert timezone.localtime(report.submitted_at).date() == yesterday
    inbox = client.get(reverse("workspace:inbox"), {"tab": "verify"})
    assert report.tracking_code in _codes(inbox)


def test_national_admin_entry_goes_to_the_national_queue(world, client_for):
    client_for(world.national_admin).post(
        reverse("workspace:manual_entry"), _entry(channel="call_center", channel_reference="T-9")
    )
    assert Report.objects.get(channel=Channel.CALL_CENTER).organization is None


def test_manual_entry_keeps_the_typed_text_and_explains_each_error(world, client_for):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client_for(world.liaison_a).post(
        reverse("workspace:manual_entry"),
        _entry(channel_reference="", received_on=tomorrow.isoformat(), channel="web"),
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert set(errors) == {"channel", "received_on"}
    assert "Surat tentang jembatan" in response.content.decode()
    letter = client_for(world.liaison_a).post(
        reverse("workspace:manual_entry"), _entry(channel_reference="  ")
    )
    assert letter.status_code == 400
    assert set(letter.context["form"].errors) == {"channel_reference"}
    assert not Report.objects.exists()


def test_a_refused_manual_entry_lists_its_errors_at_the_top_linked_to_the_fields(world, client_for):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client_for(world.liaison_a).post(
        reverse("workspace:manual_entry"),
        _entry(channel_reference="", received_on=tomorrow.isoformat(), channel="web"),
    )
    html = response.content.decode()
    summary = html.split("data-error-summary>")[1].split("</div>")[0]
    # Above the form, so a phone shows it first; site.js gives it the focus.
    assert html.index("data-error-summary") < html.index('enctype="multipart/form-data"')
    assert 'tabindex="-1"' in html.split("data-error-summary")[0].rsplit("<div", 1)[1]
    assert "Please correct the marked fields below." in summary
    assert 'href="#id_channel"' in summary and 'href="#id_received_on"' in summary
    assert "The date received cannot be in the future." in summary
    assert 'id="id_received_on"' in html  # the links lead somewhere
    assert (
        "data-error-summary"
        not in client_for(world.liaison_a).get(reverse("workspace:manual_entry")).content.decode()
    )


def test_an_anonymous_manual_entry_hides_the_reporter_from_the_page(world, client_for):
    client = client_for(world.agency_admin)
    response = client.post(
        reverse("workspace:manual_entry"),
        _entry(is_anonymous="on", guest_email="darmo@example.id"),
        follow=True,
    )
    html = response.content.decode()
    assert "Pak Darmo" not in html and "darmo@example.id" not in html
    assert Report.objects.get().is_anonymous


def test_a_reference_registered_by_another_agency_is_not_revealed(world, client_for):
    client_for(world.other_admin).post(reverse("workspace:manual_entry"), _entry())
    response = client_for(world.liaison_a).post(reverse("workspace:manual_entry"), _entry())
    assert response.status_code == 400
    assert response.context["form"].errors["channel_reference"]
    assert Report.objects.count() == 1


def test_manual_entry_stores_photos_and_the_region(world, client_for):
    province = Region.objects.create(code="33", name="Jawa Tengah", level=1)
    regency = Region.objects.create(code="33.74", name="Kota Semarang", level=2, parent=province)
    photo = SimpleUploadedFile("jembatan.png", _png().data, content_type="image/png")
    response = client_for(world.liaison_a).post(
        reverse("workspace:manual_entry"), {**_entry(region="33.74"), "attachments": [photo]}
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.region == regency
    assert report.attachments.get().original_name == "jembatan.png"


def test_manual_entry_refuses_a_disguised_file_and_an_unknown_region(world, client_for):
    fake = SimpleUploadedFile("surat.pdf", b"MZ not a pdf", content_type="application/pdf")
    response = client_for(world.liaison_a).post(
        reverse("workspace:manual_entry"), {**_entry(region="99.99"), "attachments": [fake]}
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"attachments", "region"}
    assert not Report.objects.exists()


@pytest.mark.parametrize("role", ["supervisor", "auditor"])
def test_supervisors_and_auditors_cannot_enter_reports(world, client_for, role):
    client = client_for(getattr(world, role))
    assert client.get(reverse("workspace:manual_entry")).status_code == 403
    assert client.post(reverse("workspace:manual_entry"), _entry()).status_code == 403
    assert not Report.objects.exists()


# --- Response templates -------------------------------------------------------------


def test_agency_admin_creates_edits_and_deletes_templates_of_their_agency(world, client_for):
    client = client_for(world.agency_admin)
    form = client.get(reverse("workspace:template_create")).context["form"]
    assert set(form.fields["organization"].queryset) == {world.agency, world.unit_a, world.unit_b}
    response = client.post(
        reverse("workspace:template_create"),
        {"organization": world.unit_a.pk, "title": "Terima kasih", "body": "Terima kasih."},
    )
    assert response.status_code == 302
    template = ResponseTemplate.objects.get()
    edit = reverse("workspace:template_edit", kwargs={"pk": template.pk})
    response = client.post(
        edit, {"organization": world.unit_a.pk, "title": "Terima kasih!", "body": "Baru."}
    )
    assert response.status_code == 302
    template.refresh_from_db()
    assert (template.title, template.body) == ("Terima kasih!", "Baru.")
    delete = reverse("workspace:template_delete", kwargs={"pk": template.pk})
    assert client.get(delete).status_code == 405
    assert client.post(delete).status_code == 302
    assert not ResponseTemplate.objects.exists()


def test_template_for_another_agency_cannot_be_created(world, client_for):
    response = client_for(world.agency_admin).post(
        reverse("workspace:template_create"),
        {"organization": world.other_agency.pk, "title": "X", "body": "Y"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["organization"]
    assert not ResponseTemplate.objects.exists()


def test_liaisons_read_their_agencys_templates_but_cannot_change_them(world, client_for):
    mine = ResponseTemplate.objects.create(organization=world.agency, title="Umum", body="A")
    unit_b = ResponseTemplate.objects.create(organization=world.unit_b, title="Dishub", body="B")
    client = client_for(world.liaison_a)
    listing = client.get(reverse("workspace:templates"))
    assert list(listing.context["items"]) == [mine]
    assert not listing.context["managed"] and not listing.context["can_create"]
    assert client.get(reverse("workspace:template_create")).status_code == 403
    edit = reverse("workspace:template_edit", kwargs={"pk": mine.pk})
    assert client.get(edit).status_code == 403
    delete = reverse("workspace:template_delete", kwargs={"pk": mine.pk})
    assert client.post(delete).status_code == 403
    other = reverse("workspace:template_edit", kwargs={"pk": unit_b.pk})
    assert client.get(other).status_code == 404
    assert ResponseTemplate.objects.count() == 2


def test_admins_of_another_agency_cannot_see_or_change_templates(world, client_for):
    template = ResponseTemplate.objects.create(organization=world.agency, title="Umum", body="A")
    client = client_for(world.other_admin)
    assert list(client.get(reverse("workspace:templates")).context["items"]) == []
    url = reverse("workspace:template_edit", kwargs={"pk": template.pk})
    assert client.post(url, {"organization": world.other_agency.pk}).status_code == 404


def test_template_list_query_count_does_not_grow_with_the_number_of_templates(
    world, client_for, django_assert_max_num_queries
):
    for n in range(30):
        org = (world.agency, world.unit_a, world.unit_b)[n % 3]
        ResponseTemplate.objects.create(organization=org, title=f"T{n}", body="Isi.")
    client = client_for(world.agency_admin)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("workspace:templates"))
    assert len(response.context["items"]) == 30
    assert len(response.context["managed"]) == 30


def test_national_admin_manages_any_template(world, client_for):
    template = ResponseTemplate.objects.create(organization=world.agency, title="Umum", body="A")
    client = client_for(world.national_admin)
    assert template.pk in client.get(reverse("workspace:templates")).context["managed"]
    url = reverse("workspace:template_delete", kwargs={"pk": template.pk})
    assert client.post(url).status_code == 302


def test_a_missing_version_is_refused_and_the_reason_is_shown(world, cases, client_for):
    report = cases["at_a"]
    client = client_for(world.liaison_a)
    response = client.post(_action_url(report, "respond"), {"message": "Sedang dicek."})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html.split('data-action="respond"')[1].split("</form>")[0]
    assert "Sedang dicek." in html
    report.refresh_from_db()
    assert report.status == Status.DISPATCHED


@pytest.mark.parametrize("day", ["1999-12-31", "0001-01-01"])
def test_a_date_received_before_2000_is_refused_and_the_entry_kept(world, client_for, day):
    client = client_for(world.liaison_a)
    response = client.post(reverse("workspace:manual_entry"), _entry(received_on=day))

    assert response.status_code == 400
    assert "Choose a date between 2000 and 2100." in response.content.decode()
    assert "Jembatan desa retak dan berbahaya bagi anak sekolah." in response.content.decode()
    assert not Report.objects.exists()
