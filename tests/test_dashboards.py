"""The monitoring dashboards (/kantor/monev/): who sees which subtree, the figures they
show, the SVG charts, and a query budget that does not grow with the data.

The dated fixture puts reports in December 2025 and January 2026 (WIB) through the real
intake and lifecycle, then rebuilds the facts as the worker would.
"""

from __future__ import annotations

import datetime
import re
import xml.etree.ElementTree as ET
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone, translation

from aduan.analytics import charts, metrics
from aduan.analytics.facts import rebuild_facts
from aduan.analytics.metrics import Period
from aduan.organizations.models import Membership, Organization, Region
from aduan.reports import lifecycle
from aduan.reports.models import Report, ReportEvent, Status
from tests.personas import advance, as_reporter, as_user, report_at, submit

WIB = ZoneInfo("Asia/Jakarta")
JANUARY = Period.month(2026, 1)
DECEMBER = Period.month(2025, 12)
URL = reverse("monev:dashboard")
SVG = "{http://www.w3.org/2000/svg}"


def at(month: int, day: int, hour: int = 9, year: int = 2026) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, tzinfo=WIB)


@pytest.fixture
def dated(world):
    return make_dated_reports(world)


def make_dated_reports(world) -> dict:
    """January: R1 closed by unit A; R2 dispatched to unit B and never answered (overdue
    now); R3 archived. December: R4 answered and completed by unit A."""
    admin, liaison_a = as_user(world.national_admin), as_user(world.liaison_a)
    r = {}
    r[1] = report_at(world, at(1, 5))
    lifecycle.dispatch(r[1], admin, world.unit_a, at=at(1, 7))
    lifecycle.respond(r[1], liaison_a, "Petugas dijadwalkan.", at=at(1, 9))
    lifecycle.complete(r[1], liaison_a, "Lampu sudah diganti.", at=at(1, 12))
    lifecycle.reply(r[1], as_reporter(world.citizen), satisfied=True, at=at(1, 12, 12))
    r[2] = report_at(world, at(1, 9))
    lifecycle.dispatch(r[2], admin, world.unit_b, at=at(1, 12))
    r[3] = report_at(world, at(1, 6))
    lifecycle.archive(r[3], admin, "abusive", "Bahasa kasar.", at=at(1, 8))
    r[4] = report_at(world, at(12, 10, year=2025))
    lifecycle.dispatch(r[4], admin, world.unit_a, at=at(12, 11, year=2025))
    lifecycle.respond(r[4], liaison_a, "Ditangani.", at=at(12, 12, year=2025))
    lifecycle.complete(r[4], liaison_a, "Sudah diperbaiki.", at=at(12, 15, year=2025))
    rebuild_facts()
    return r


def page(client, user, **params):
    client.force_login(user)
    return client.get(URL, params)


def shown_figures(html: str) -> dict[str, str]:
    """data-key → data-value of every key-figure tile."""
    pattern = re.compile(
        r'data-key="([a-z_]+)" data-unit="[a-z_]+">.*?data-value="([^"]*)"', re.DOTALL
    )
    return dict(pattern.findall(html))


# --- Who sees what ---------------------------------------------------------------------


def test_outsider_is_refused(client, world):
    assert page(client, world.outsider).status_code == 403


def test_a_citizen_is_refused(client, world):
    assert page(client, world.citizen).status_code == 403


def test_an_auditor_sees_the_figures_but_no_list_of_reports(client, world):
    report = advance(world, submit(world)[0], "dispatched")
    Report.objects.filter(pk=report.pk).update(due_at=timezone.now() - datetime.timedelta(days=3))

    staff_html = page(client, world.national_admin).content.decode()
    html = page(client, world.auditor).content.decode()

    assert report.tracking_code in staff_html
    assert 'data-key="received"' in html and 'data-key="overdue"' in html
    assert report.tracking_code not in html and report.title not in html
    assert reverse("workspace:overdue") not in html
    for name in ("monev:overdue_csv", "monev:overdue_xlsx"):
        assert client.get(reverse(name)).status_code == 403
    # The recap is offered too, in its figures-only edition (tests/test_recap_oversight.py).
    assert reverse("recap:form") in staff_html and reverse("recap:form") in html
    assert client.get(reverse("recap:form")).status_code == 200


def test_an_auditor_sees_only_the_agencies_of_its_region(client, world):
    province = Region.objects.create(code="33", name="Jawa Tengah", level=1)
    regency = Region.objects.create(code="33.01", name="Kab. Contoh", level=2, parent=province)
    world.ombudsman.regions.add(province)
    world.agency.regions.add(regency)
    world.other_agency.regions.add(Region.objects.create(code="34", name="DIY", level=1))

    assert page(client, world.auditor).status_code == 200
    assert page(client, world.auditor, org=world.agency.pk).status_code == 200
    assert page(client, world.auditor, org=world.unit_a.pk).status_code == 200
    assert page(client, world.auditor, org=world.other_agency.pk).status_code == 404


def test_anonymous_visitor_is_sent_to_sign_in(client, world):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize(
    ("persona", "org"),
    [
        ("national_admin", None),
        ("agency_admin", "agency"),
        ("supervisor", "agency"),
        ("liaison_a", "unit_a"),
        ("liaison_b", "unit_b"),
        ("other_admin", "other_agency"),
    ],
)
def test_each_staff_persona_starts_at_the_top_of_what_they_may_see(client, world, persona, org):
    response = page(client, getattr(world, persona))
    assert response.status_code == 200
    expected = getattr(world, org) if org else None
    assert response.context["organization"] == expected


def test_agency_admin_and_supervisor_drill_into_a_unit(client, world):
    for user in (world.agency_admin, world.supervisor):
        response = page(client, user, org=world.unit_b.pk)
        assert response.status_code == 200
        assert response.context["organization"] == world.unit_b
        # The way back up is offered, and only within what the user may see.
        assert response.context["trail"] == [world.agency]


def test_national_admin_drills_into_any_organization(client, world):
    response = page(client, world.national_admin, org=world.unit_a.pk)
    assert response.status_code == 200
    assert response.context["trail"] == [world.agency]


def test_other_agency_admin_drilling_into_this_agency_gets_404(client, world):
    assert page(client, world.other_admin, org=world.agency.pk).status_code == 404
    assert page(client, world.other_admin, org=world.unit_a.pk).status_code == 404


def test_liaison_of_unit_b_drilling_into_unit_a_gets_404(client, world):
    assert page(client, world.liaison_b, org=world.unit_a.pk).status_code == 404
    # Nor up to their own agency: a liaison sees their unit only.
    assert page(client, world.liaison_b, org=world.agency.pk).status_code == 404


def test_an_unknown_or_malformed_organization_gets_404(client, world):
    assert page(client, world.national_admin, org=999999).status_code == 404
    assert page(client, world.national_admin, org="dpu").status_code == 404


def test_an_inactive_membership_gives_no_dashboard(client, world):
    Membership.objects.filter(user=world.liaison_a).update(is_active=False)
    assert page(client, world.liaison_a).status_code == 403


def test_the_back_office_menu_links_to_the_dashboard_for_staff_and_auditors(client, world):
    client.force_login(world.liaison_a)
    assert URL in client.get(reverse("workspace:inbox")).content.decode()
    client.force_login(world.auditor)
    menu = client.get(reverse("workspace:inbox")).content.decode()
    assert URL in menu
    assert reverse("workspace:templates") not in menu


# --- The figures -------------------------------------------------------------------------


def test_the_key_figures_on_the_page_are_those_of_the_metrics(client, world, dated):
    response = page(client, world.agency_admin, month="2026-01")
    figures = shown_figures(response.content.decode())
    expected = metrics.summary(world.agency, JANUARY)
    assert expected["received"] == 2 and expected["verified"] == 2  # R1, R2 (R3 is national)
    for key in (
        "received",
        "verified",
        "follow_up_rate",
        "completion_rate",
        "settled_rate",
        "median_verification_working_days",
        "mean_first_response_hours",
        "satisfied_share",
    ):
        assert float(figures[key]) == pytest.approx(expected[key]), key
    # R1 answered in time, R2 never: the first-response deadlines were unit A's and B's.
    assert expected["within_deadline"]["first_response"]["share"] == pytest.approx(0.5)
    assert float(figures["within_deadline_first_response"]) == pytest.approx(0.5)
    assert figures["within_deadline_verification"] == ""  # the national queue's clock
    assert int(figures["overdue"]) == metrics.overdue(world.agency).count() == 1


def test_each_figure_shows_its_change_from_the_previous_month(client, world, dated):
    response = page(client, world.agency_admin, month="2026-01")
    rows = {row["key"]: row for row in response.context["key_figures"]}
    # December: R4 verified and answered (rate 100 %); January: one of two (50 %).
    assert (rows["received"]["current"], rows["received"]["previous"]) == (2, 1)
    assert rows["received"]["direction"] == "up"
    assert rows["follow_up_rate"]["change"] == pytest.approx(-0.5)
    assert rows["follow_up_rate"]["verdict"] == "worse"
    html = response.content.decode()
    assert "50,0%" in html  # Indonesian decimals
    assert "-50,0 poin" in rows["follow_up_rate"]["shown_change"]
    assert rows["received"]["shown_change"] == "+1 (+100,0%)"
    assert "▼" in html and "▲" in html


def test_a_custom_period_is_compared_with_the_days_just_before(client, world, dated):
    response = page(client, world.national_admin, start="2026-01-05", end="2026-01-08")
    assert response.context["period"] == Period(
        datetime.date(2026, 1, 5), datetime.date(2026, 1, 8)
    )
    assert response.context["previous_period"].end == datetime.date(2026, 1, 4)
    rows = {row["key"]: row for row in response.context["key_figures"]}
    assert rows["received"]["current"] == 2  # R1 and R3; R2 came on the 9th


def test_a_malformed_period_shows_an_error_and_no_figures(client, world):
    response = page(client, world.national_admin, month="2026-13")
    assert response.status_code == 400
    assert response.context["form"].errors
    html = response.content.decode()
    assert 'value="2026-13"' in html and 'aria-invalid="true"' in html
    assert "data-refused" in html and 'data-key="received"' not in html


def test_a_reversed_period_keeps_the_days_typed_and_shows_no_other_periods_figures(
    client, world, dated
):
    response = page(client, world.national_admin, start="2026-11-30", end="2026-11-01")

    assert response.status_code == 400
    html = response.content.decode()
    range_form = html.split('id="period-range-error"')[1].split("</form>")[0]
    assert "Tanggal awal tidak boleh setelah tanggal akhir." in range_form
    assert 'name="start" value="2026-11-30"' in range_form
    assert 'name="end" value="2026-11-01"' in range_form
    # Not last month's figures under the error, as if they answered the question.
    assert "period" not in response.context
    assert 'data-key="received"' not in html and "monev-league" not in html
    assert "data-refused" in html
    assert client.get(reverse("monev:export_csv"), {"start": "2026-11-30", "end": "2026-11-01"})[
        "Content-Type"
    ].startswith("text/plain")


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"month": "2030-01"}, "This month has not begun yet: choose 2026-03 or an earlier month."),
        ({"start": "2026-03-20", "end": "2026-04-10"}, "This period has not begun yet"),
    ],
)
def test_a_period_that_has_not_begun_is_refused_not_shown_as_zeros(client, world, params, error):
    client.cookies["django_language"] = "en"
    with time_machine.travel(datetime.datetime(2026, 3, 16, 9, tzinfo=WIB), tick=False):
        response = page(client, world.national_admin, **params)
        export = client.get(reverse("monev:export_xlsx"), params)
    assert response.status_code == 400 and export.status_code == 400
    assert error in response.content.decode()
    assert 'data-key="received"' not in response.content.decode()


def test_the_running_month_and_a_period_ending_later_are_still_shown(client, world):
    with time_machine.travel(datetime.datetime(2026, 3, 16, 9, tzinfo=WIB), tick=False):
        month = page(client, world.national_admin, month="2026-03")
        days = page(client, world.national_admin, start="2026-03-01", end="2026-03-31")
    assert month.status_code == days.status_code == 200
    assert month.context["period"] == Period(datetime.date(2026, 3, 1), datetime.date(2026, 3, 16))


def test_the_breakdowns_are_labelled(client, world, dated):
    response = page(client, world.national_admin, month="2026-01")
    sections = {s["field"]: s["rows"] for s in response.context["breakdowns"]}
    assert [(r["label"], r["count"]) for r in sections["category_group"]] == [("Infrastruktur", 3)]
    assert {r["value"]: r["count"] for r in sections["status"]} == {
        "closed": 1,
        "dispatched": 1,
        "archived": 1,
    }
    html = response.content.decode()
    with translation.override("id"):
        assert str(Status.CLOSED.label) in html


def test_the_overdue_list_links_to_the_reports_and_the_full_list(client, world, dated):
    html = page(client, world.supervisor).content.decode()
    late = dated[2]
    assert reverse("workspace:report", args=[late.tracking_code]) in html
    assert f"{reverse('workspace:overdue')}?unit={world.agency.pk}" in html


def test_the_league_table_links_each_unit_and_offers_supervisors_a_reminder(
    client, world, dated, settings
):
    settings.ADUAN_LEAGUE_WINDOW_DAYS = 3650  # the fixture's reports are months old
    settings.ADUAN_LEAGUE_MIN_REPORTS = 2
    response = page(client, world.supervisor)
    league = response.context["league"]
    assert [row["organization"] for row in league["ranked"]] == [world.unit_a]
    assert [row["organization"] for row in league["unranked"]] == [world.unit_b]
    assert [row["overdue"] for row in league["ranked"] + league["unranked"]] == [0, 1]
    html = response.content.decode()
    assert f'href="?org={world.unit_a.pk}"' in html
    # Unit B has the overdue report: the supervisor may remind it, unit A has nothing late.
    remind = f"{reverse('workspace:overdue')}?unit={world.unit_b.pk}#remind-message-"
    assert remind in html
    assert f"?unit={world.unit_a.pk}#remind" not in html


def test_liaisons_get_no_reminder_link(client, world, dated):
    Organization.objects.create(
        name="Bidang Jalan", slug="dpu-jalan", kind="division", parent=world.unit_a
    )
    html = page(client, world.liaison_a).content.decode()
    assert "Bidang Jalan" in html
    assert "#remind-message-" not in html


def test_connected_and_active_agencies_show_for_national_and_agency_scopes(client, world):
    national = page(client, world.national_admin).context
    assert national["agencies"]["connected"] == 1
    assert page(client, world.agency_admin).context["agencies"]["agencies"] == 1
    assert page(client, world.liaison_a).context["agencies"] is None


def league_table_one_by_one(parent, now=None):
    """The league table the slow, obvious way: `summary` for each child in turn."""
    now = now or timezone.now()
    if parent is None:
        # The top-level agencies that receive reports: not the Ombudsman, not the operator.
        members = Organization.objects.active().receiving().filter(parent__isnull=True)
    else:
        members = parent.children.filter(is_active=True)
    today = timezone.localdate(now)
    window = Period(
        today - datetime.timedelta(days=django_settings.ADUAN_LEAGUE_WINDOW_DAYS - 1), today
    )
    ranked, unranked = [], []
    for member in members:
        figures = metrics.summary(member, window)
        row = {
            "organization": member,
            "verified": figures["verified"],
            "follow_up_rate": figures["follow_up_rate"],
            "median_first_response_working_days": figures["median_first_response_working_days"],
            "first_response_in_time": figures["within_deadline"]["first_response"]["share"],
        }
        enough = figures["verified"] >= django_settings.ADUAN_LEAGUE_MIN_REPORTS
        judged = row["first_response_in_time"] is not None
        (ranked if enough and judged else unranked).append(row)
    ranked.sort(
        key=lambda r: (
            -r["first_response_in_time"],
            float("inf")
            if r["median_first_response_working_days"] is None
            else r["median_first_response_working_days"],
            r["organization"].name,
        )
    )
    for place, row in enumerate(ranked, start=1):
        row["place"] = place
    unranked.sort(key=lambda r: r["organization"].name)
    return {"ranked": ranked, "unranked": unranked}


def agencies_one_by_one(org=None):
    """Connected and active agencies the slow, obvious way: `is_connected` per agency
    that receives reports."""
    agencies = Organization.objects.active().receiving()
    if org is not None:
        agencies = agencies.filter(path__startswith=org.path)
    connected = [a for a in agencies if a.is_connected]
    since = timezone.now() - datetime.timedelta(days=django_settings.ADUAN_ACTIVE_AGENCY_DAYS)
    paths = set(
        ReportEvent.objects.filter(
            at__gte=since, actor_organization__isnull=False, by_reporter=False
        ).values_list("actor_organization__path", flat=True)
    )
    active = [a for a in connected if any(p.startswith(a.path) for p in paths)]
    return {"agencies": len(agencies), "connected": len(connected), "active": len(active)}


def test_the_league_table_equals_the_one_computed_organization_by_organization(
    world, dated, settings
):
    settings.ADUAN_LEAGUE_WINDOW_DAYS = 3650
    settings.ADUAN_LEAGUE_MIN_REPORTS = 1
    for parent in (None, world.agency, world.unit_a):
        assert metrics.league_table(parent) == league_table_one_by_one(parent)


def test_the_agencies_overview_equals_the_one_computed_agency_by_agency(world, dated):
    lifecycle.respond(dated[2], as_user(world.liaison_b), "Ditangani.")
    for org in (None, world.agency, world.other_agency):
        overview = metrics.agencies_overview(org)
        counts = {k: overview[k] for k in ("agencies", "connected", "active")}
        assert counts == agencies_one_by_one(org)
    assert metrics.agencies_overview()["active"] == 1


# --- Charts ---------------------------------------------------------------------------------


def test_a_bar_chart_is_well_formed_svg_with_proportional_bars():
    svg = charts.bar_chart(
        [("Jan", 10), ("Feb", 5), ("Mar", None), ("<&>", 2.5)],
        chart_id="t",
        title="Reports & more",
        description="Ten, five, none, two and a half.",
    )
    root = ET.fromstring(str(svg))
    assert root.tag == f"{SVG}svg"
    assert root.find(f"{SVG}title").text == "Reports & more"
    assert root.get("aria-labelledby") == "t-title t-desc"
    bars = root.findall(f".//{SVG}rect")
    heights = [float(bar.get("height")) for bar in bars]
    assert len(bars) == 3  # the missing month is a gap, not a zero bar
    assert heights[0] == pytest.approx(2 * heights[1])
    assert heights[0] == pytest.approx(4 * heights[2])
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert "<&>" in labels


def test_a_line_chart_breaks_where_values_are_missing():
    svg = charts.line_chart(
        [("a", 0.5), ("b", 1.0), ("c", None), ("d", 0.25), ("e", 0.75)],
        chart_id="l",
        title="Rate",
        description="Rate per month.",
        top=1.0,
    )
    root = ET.fromstring(str(svg))
    lines = root.findall(f".//{SVG}polyline")
    assert len(lines) == 2
    ys = [float(c.get("cy")) for c in root.iter(f"{SVG}circle")]
    baseline = charts.HEIGHT - charts.BOTTOM
    plot = baseline - charts.TOP
    assert [baseline - y for y in ys] == pytest.approx([plot * 0.5, plot, plot * 0.25, plot * 0.75])


def test_twelve_months_name_every_other_one_below_the_axis_ending_with_the_latest():
    months = [(f"M{n:02}", n) for n in range(1, 13)]
    root = ET.fromstring(str(charts.bar_chart(months, chart_id="m", title="T", description="D")))

    named = [t.text for t in root.find(f".//{SVG}g[@class='axis axis-x']").iter(f"{SVG}text")]

    assert named == ["M02", "M04", "M06", "M08", "M10", "M12"]
    assert len(root.findall(f".//{SVG}rect")) == 12  # every month is still drawn


def test_the_axis_top_is_a_round_number():
    assert [charts.nice_ceiling(v) for v in (0, 0.7, 3, 7, 12, 180)] == [1, 1, 5, 10, 20, 200]


def test_every_tick_of_a_count_axis_is_a_whole_number_and_the_bars_fill_the_chart():
    for highest in (1, 3, 7, 12, 25, 37, 180):
        top, ticks = charts.nice_top(highest, whole=True)
        steps = [top * n / ticks for n in range(ticks + 1)]
        assert all(float(step).is_integer() for step in steps), (highest, steps)
        assert highest <= top < 2 * highest + 3, (highest, top)
    assert charts.nice_top(25, whole=True) == (25, 5)  # not 0, 6.25, 12.5, 18.75, 25
    svg = charts.bar_chart(
        [("Jan", 25), ("Feb", 3)], chart_id="c", title="t", description="d", whole=True
    )
    ticks = re.findall(r'dominant-baseline="middle">([^<]+)</text>', str(svg))
    assert ticks == ["0", "5", "10", "15", "20", "25"]


def test_the_dashboard_charts_parse_as_xml(client, world, dated):
    response = page(client, world.national_admin, month="2026-01")
    for chart in response.context["charts"]:
        root = ET.fromstring(str(chart))
        assert root.find(f"{SVG}desc").text


# --- Query budget ------------------------------------------------------------------------------


def _grow(world, units: int) -> None:
    """More units below the agency, each with a report, and more reports of unit A."""
    admin = as_user(world.national_admin)
    for n in range(units):
        unit = Organization.objects.create(
            name=f"Kecamatan {n}", slug=f"kec-{n}", kind="district", parent=world.agency
        )
        report = report_at(world, at(1, 13))
        lifecycle.dispatch(report, admin, unit, at=at(1, 14))
    rebuild_facts()


@pytest.mark.parametrize("persona", ["national_admin", "agency_admin", "supervisor", "liaison_a"])
def test_each_dashboard_stays_within_its_query_budget_as_data_grows(
    client, world, dated, persona, django_assert_max_num_queries
):
    user = getattr(world, persona)
    client.force_login(user)
    with django_assert_max_num_queries(45):
        assert client.get(URL, {"month": "2026-01"}).status_code == 200
    _grow(world, 8)
    with django_assert_max_num_queries(45):
        assert client.get(URL, {"month": "2026-01"}).status_code == 200


@pytest.mark.parametrize(
    "params",
    [
        {"month": "9999-12"},
        {"month": "1999-12"},
        {"start": "9999-12-30", "end": "9999-12-31"},
        {"start": "0001-01-01", "end": "0001-01-02"},
        {"start": "1900-01-01", "end": "2026-01-31"},
    ],
)
def test_a_period_outside_the_years_aduan_reckons_with_is_an_error_not_a_crash(
    client, world, params
):
    response = page(client, world.national_admin, **params)
    assert response.status_code == 400
    errors = str(response.context["form"].errors)
    assert "Pilih tanggal antara tahun 2000 dan 2100." in errors
    assert "memerlukan tanggal awal dan tanggal akhir" not in errors  # both were given
    assert "period" not in response.context


def test_an_auditor_who_also_administers_its_own_body_lists_no_other_agencys_reports(client, world):
    Membership.objects.create(
        user=world.auditor, organization=world.ombudsman, role=Membership.Role.AGENCY_ADMIN
    )
    report = advance(world, submit(world)[0], "dispatched")
    Report.objects.filter(pk=report.pk).update(due_at=timezone.now() - datetime.timedelta(days=3))

    html = page(client, world.auditor, org=world.agency.pk).content.decode()

    assert 'data-key="overdue"' in html
    assert report.tracking_code not in html
    export = client.get(reverse("monev:overdue_csv"), {"org": world.agency.pk})
    assert export.status_code == 403


def test_a_past_months_league_is_ranked_as_of_that_months_end_like_its_recap():
    from aduan.analytics.snapshots import league_moment

    now = timezone.make_aware(datetime.datetime(2026, 3, 10, 9, 0))
    january = league_moment(Period.month(2026, 1), now)
    running = league_moment(Period.month(2026, 3), now)

    assert timezone.localtime(january).date() == datetime.date(2026, 1, 31)
    assert running == now
