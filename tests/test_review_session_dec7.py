"""Defects found reviewing the changes of 7 December, each pinned down by a test."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from aduan.accounts.middleware import _typed_text
from aduan.organizations.models import RoutingRule
from aduan.reports import access_log, lifecycle
from aduan.reports.models import ReportAccess, Status
from tests.personas import advance, as_user, submit
from tests.test_admin_releases import _change, operator_client, taken  # noqa: F401
from tests.test_api import bearer, new_key


def test_the_api_never_suggests_the_national_operator_as_a_destination(client, world):
    report = submit(world, reporter=world.citizen)[0]
    assert report.organization is None and report.category is not None
    RoutingRule.objects.create(category=report.category, organization=world.national)
    secret = new_key(world.national)
    url = reverse("api:suggestions", args=[report.tracking_code])
    response = client.get(url, headers=bearer(secret))
    assert response.status_code == 200
    offered = [s["id"] for s in response.json()["organizations"]]
    assert world.national.pk not in offered


@pytest.mark.parametrize(
    "name", ["api_key", "webhook_secret", "secret", "recovery_key", "signing_secret"]
)
def test_a_refused_late_form_never_shows_a_key_or_secret_again(name):
    value = "whsec_" + "A1b2C3d4" * 6
    data = QueryDict(mutable=True)
    data[name] = value
    data["message"] = "Jalan sudah kami tambal kemarin sore."
    assert _typed_text(data) == ["Jalan sudah kami tambal kemarin sore."]


def test_renaming_a_big_organization_does_not_check_each_report_in_its_tree(
    operator_client,  # noqa: F811
    world,
    taken,  # noqa: F811
):
    # Nothing about who may act on what changed: no report is looked at, however many
    # the tree holds.
    for _ in range(5):
        more = advance(world, submit(world, reporter=world.citizen)[0], Status.DISPATCHED)
        lifecycle.assign(more, as_user(world.liaison_a), world.liaison_a)
    url = reverse("admin:organizations_organization_change", args=[world.unit_a.pk])
    with CaptureQueriesContext(connection) as queries:
        response = _change(operator_client, url, "organization_form", name="Bidang Jalan")
    assert response.status_code == 302, response.context["errors"]
    report_reads = [q for q in queries if 'FROM "reports_report"' in q["sql"]]
    assert report_reads == []
    taken.refresh_from_db()
    assert taken.assigned_to == world.liaison_a


def test_a_role_ended_on_the_organizations_page_still_releases_the_reports(
    operator_client,  # noqa: F811
    world,
    taken,  # noqa: F811
):
    members = list(world.unit_a.memberships.order_by("pk").values_list("user_id", flat=True))
    index = members.index(world.liaison_a.pk)
    url = reverse("admin:organizations_organization_change", args=[world.unit_a.pk])
    response = _change(
        operator_client, url, "organization_form", **{f"memberships-{index}-is_active": None}
    )
    assert response.status_code == 302
    taken.refresh_from_db()
    assert taken.assigned_to is None


def test_a_refused_late_form_never_shows_a_webhook_address_that_carries_a_secret():
    # A receiving system's address often is its credential (a token in the path).
    data = QueryDict(mutable=True)
    data["url"] = "https://hooks.example.id/services/T0001/B0001/Zr8Kq3Lm9Xw2Yt7Vb5Nc"
    data["description"] = "Sistem aduan kabupaten"
    assert _typed_text(data) == ["Sistem aduan kabupaten"]


def test_a_pages_own_request_long_after_the_pause_neither_ends_the_session_nor_is_refused(
    world, client, settings
):
    # The report form checks the draft as it is typed (a background POST): typing into a
    # page left open overnight must not sign the officer out behind their back, which
    # would send the form itself as a guest's instead of refusing it with its text.
    settings.ADUAN_STAFF_IDLE_MINUTES = 30
    settings.ADUAN_STAFF_LATE_FORM_HOURS = 8
    client.force_login(world.liaison_a)
    client.get(reverse("workspace:inbox"))
    later = timezone.now() + datetime.timedelta(minutes=30 + 8 * 60 + 1)

    with time_machine.travel(later, tick=False):
        response = client.post(
            reverse("portal:draft_checks"),
            {"title": "Jalan berlubang", "body": "Lubang besar di depan pasar."},
            headers={"Sec-Fetch-Mode": "cors"},
        )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert client.session.get("_auth_user_id") == str(world.liaison_a.pk)


def test_a_csv_export_starts_before_its_reports_openings_are_written_and_records_them_all(
    world, client, monkeypatch
):
    # A whole country's list is recorded as it streams, a chunk at a time, not in a
    # query per chunk for every report before the first line leaves.
    monkeypatch.setattr(access_log, "CHUNK", 2)
    reports = [
        advance(world, submit(world, reporter=world.citizen)[0], Status.DISPATCHED)
        for _ in range(5)
    ]
    client.force_login(world.liaison_a)

    with CaptureQueriesContext(connection) as before_streaming:
        response = client.get(reverse("workspace:export"), {"tab": "all"})
    assert response.status_code == 200
    assert not [q for q in before_streaming if "reports_reportaccess" in q["sql"]]

    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + len(reports)
    recorded = ReportAccess.objects.filter(user=world.liaison_a, via=ReportAccess.Via.EXPORT)
    assert sorted(recorded.values_list("report_id", flat=True)) == sorted(r.pk for r in reports)


def test_a_citizen_cannot_send_a_report_to_the_national_operator_itself(client, world):
    # The national queue is a report with no organization: one waiting at the operator
    # itself is neither there nor at an agency, and no admin could take it on.
    from tests.test_portal import post_report

    response = post_report(client, suggested_organization=str(world.national.pk))
    assert response.status_code == 200
    assert "suggested_organization" in response.context["form"].errors
    response = post_report(client, suggested_organization=str(world.agency.pk))
    assert response.status_code == 302


def test_signing_out_long_after_the_pause_signs_out_without_a_refusal(world, client, settings):
    # "Keluar" is a form too: pressed the next morning, it is not a form to send again.
    settings.ADUAN_STAFF_IDLE_MINUTES = 30
    settings.ADUAN_STAFF_LATE_FORM_HOURS = 8
    client.force_login(world.liaison_a)
    client.get(reverse("workspace:inbox"))
    later = timezone.now() + datetime.timedelta(minutes=30 + 8 * 60 + 1)

    with time_machine.travel(later, tick=False):
        response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_looking_for_stranded_reports_asks_once_per_officer_and_organization(
    world,
    taken,  # noqa: F811
):
    # Deactivating an agency with thousands of open reports in its officers' charge must
    # not run a query for each: the operator's save would time out and be undone.
    for _ in range(4):
        more = advance(world, submit(world, reporter=world.citizen)[0], Status.DISPATCHED)
        lifecycle.assign(more, as_user(world.liaison_a), world.liaison_a)

    with CaptureQueriesContext(connection) as queries:
        released = lifecycle.release_stranded(
            lifecycle.Actor.system(), organization_path=world.unit_a.path
        )

    assert released == []
    assert len(queries) <= 3  # the reports, whose is the path, one check


def test_a_national_admins_role_ended_on_the_operators_page_releases_the_national_queue(
    operator_client,  # noqa: F811
    world,
):
    waiting = submit(world, reporter=world.citizen)[0]
    assert waiting.organization is None  # the national queue
    lifecycle.assign(waiting, as_user(world.national_admin), world.national_admin)
    members = list(world.national.memberships.order_by("pk").values_list("user_id", flat=True))
    index = members.index(world.national_admin.pk)
    url = reverse("admin:organizations_organization_change", args=[world.national.pk])

    changes = {f"memberships-{index}-is_active": None, "parent": None}
    response = _change(operator_client, url, "organization_form", **changes)

    assert response.status_code == 302, response.context["adminform"].form.errors
    waiting.refresh_from_db()
    assert waiting.assigned_to is None


def test_a_routing_rule_cannot_send_reports_to_the_national_operator(world, client_for):
    # Its suggestions would never be offered: the operator is nobody's destination.
    client = client_for(world.national_admin)
    url = reverse("workspace:organization_rule_add", kwargs={"pk": world.national.pk})
    response = client.post(url, {"category": world.potholes.pk, "organization": world.national.pk})
    assert response.status_code == 400
    assert "organization" in response.context["rule_form"].errors
    assert not RoutingRule.objects.exists()
