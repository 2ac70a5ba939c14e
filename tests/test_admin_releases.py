"""An operator's change in the administration site that takes an officer's access away
also leaves the open reports in their charge with nobody, as ending a membership in the
back office does: otherwise the inbox keeps naming someone who can no longer open them."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from aduan.accounts.models import User
from aduan.organizations.models import Membership
from aduan.reports import lifecycle
from aduan.reports.lifecycle import Action
from aduan.reports.models import Report, Status
from tests.personas import Role, advance, as_user, submit


class _FormReader(HTMLParser):
    """What a browser would send for the page's change form, as it stands."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.data = form_id, False, []
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside or "disabled" in a:
            return
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "file"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.data.append((a["name"], a.get("value", "on")))
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.data.append((self._select, a.get("value", "")))
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.data.append((self._textarea, ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            name, text = self.data.pop()
            self.data.append((name, text + data))


def _change(client, url: str, form_id: str, **changes):
    """Open the change page, change `changes` (None: untick or empty), and save."""
    reader = _FormReader(form_id)
    page = client.get(url)
    assert page.status_code == 200
    reader.feed(page.content.decode())
    data: dict[str, list[str]] = {}
    for name, value in reader.data:
        data.setdefault(name, []).append(value)
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = [value]
    data["_save"] = ["Save"]
    return client.post(url, data)


@pytest.fixture
def operator_client(client, db):
    operator = User.objects.create_superuser("root@example.id", "pw", full_name="Pengelola")
    client.force_login(operator)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def taken(world) -> Report:
    """A report at unit A that its liaison took on."""
    report = advance(world, submit(world, reporter=world.citizen)[0], Status.DISPATCHED)
    lifecycle.assign(report, as_user(world.liaison_a), world.liaison_a)
    report.refresh_from_db()
    assert report.assigned_to == world.liaison_a
    return report


def _released(report: Report) -> bool:
    report.refresh_from_db()
    if report.assigned_to_id is not None:
        return False
    event = report.events.filter(action=Action.ASSIGN).latest("pk")
    assert (event.actor, event.is_public, event.data["officer"]) == (None, False, None)
    return True


def _membership(world) -> Membership:
    return world.liaison_a.memberships.get(organization=world.unit_a)


def test_deactivating_an_officers_account_leaves_their_reports_with_nobody(
    operator_client, world, taken
):
    url = reverse("admin:accounts_user_change", args=[world.liaison_a.pk])
    response = _change(operator_client, url, "user_form", is_active=None)
    assert response.status_code == 302
    assert _released(taken)
    messages = [str(m) for m in response.wsgi_request._messages]
    assert "1 report in their charge has nobody in charge now." in messages


def test_editing_an_officers_name_keeps_their_reports_in_their_charge(
    operator_client, world, taken
):
    url = reverse("admin:accounts_user_change", args=[world.liaison_a.pk])
    response = _change(operator_client, url, "user_form", full_name="Penghubung DPU Baru")
    assert response.status_code == 302
    taken.refresh_from_db()
    assert taken.assigned_to == world.liaison_a


def test_a_role_changed_on_the_users_page_releases_the_reports(operator_client, world, taken):
    url = reverse("admin:accounts_user_change", args=[world.liaison_a.pk])
    index = [m.pk for m in world.liaison_a.memberships.order_by("pk")].index(_membership(world).pk)
    response = _change(
        operator_client, url, "user_form", **{f"memberships-{index}-role": "supervisor"}
    )
    assert response.status_code == 302
    assert _membership(world).role == Role.SUPERVISOR
    assert _released(taken)


def test_a_membership_made_inactive_in_its_own_page_releases_the_reports(
    operator_client, world, taken
):
    url = reverse("admin:organizations_membership_change", args=[_membership(world).pk])
    assert _change(operator_client, url, "membership_form", is_active=None).status_code == 302
    assert _released(taken)


def test_a_membership_given_to_another_user_releases_the_former_holders_reports(
    operator_client, world, taken
):
    url = reverse("admin:organizations_membership_change", args=[_membership(world).pk])
    response = _change(operator_client, url, "membership_form", user=str(world.liaison_b.pk))
    assert response.status_code == 302
    assert _released(taken)


def test_a_deleted_membership_releases_the_reports(operator_client, world, taken):
    membership = _membership(world)
    url = reverse("admin:organizations_membership_delete", args=[membership.pk])
    assert operator_client.post(url, {"post": "yes"}).status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert _released(taken)


def test_memberships_deleted_from_the_list_release_the_reports(operator_client, world, taken):
    membership = _membership(world)
    response = operator_client.post(
        reverse("admin:organizations_membership_changelist"),
        {"action": "delete_selected", "_selected_action": [membership.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert _released(taken)


def test_deactivating_the_unit_releases_the_reports(operator_client, world, taken):
    url = reverse("admin:organizations_organization_change", args=[world.unit_a.pk])
    response = _change(operator_client, url, "organization_form", is_active=None)
    assert response.status_code == 302
    assert _released(taken)


def test_an_officer_who_keeps_access_through_another_role_keeps_the_reports(
    operator_client, world, taken
):
    # The agency admin took the report on; ending their liaison role elsewhere changes
    # nothing, their admin role above the unit still lets them act on it.
    lifecycle.assign(taken, as_user(world.agency_admin), world.agency_admin)
    Membership.objects.create(user=world.agency_admin, organization=world.unit_b, role=Role.LIAISON)
    extra = world.agency_admin.memberships.get(organization=world.unit_b)
    url = reverse("admin:organizations_membership_change", args=[extra.pk])
    assert _change(operator_client, url, "membership_form", is_active=None).status_code == 302
    taken.refresh_from_db()
    assert taken.assigned_to == world.agency_admin


def test_a_completed_report_keeps_saying_who_handled_it(operator_client, world, taken):
    lifecycle.complete(taken, as_user(world.liaison_a), "Sudah diperbaiki.")
    url = reverse("admin:accounts_user_change", args=[world.liaison_a.pk])
    assert _change(operator_client, url, "user_form", is_active=None).status_code == 302
    taken.refresh_from_db()
    assert (taken.status, taken.assigned_to) == (Status.COMPLETED, world.liaison_a)


def test_a_unit_moved_to_another_agency_releases_the_former_agency_admins_reports(
    operator_client, world, taken
):
    lifecycle.assign(taken, as_user(world.agency_admin), world.agency_admin)
    url = reverse("admin:organizations_organization_change", args=[world.unit_a.pk])
    response = _change(operator_client, url, "organization_form", parent=str(world.other_agency.pk))
    assert response.status_code == 302
    assert _released(taken)


def test_a_deleted_account_leaves_its_reports_with_nobody_on_the_timeline(operator_client, world):
    from aduan.accounts.models import User

    report = advance(world, submit(world, reporter=world.citizen)[0], Status.DISPATCHED)
    newcomer = _user_with_role(world)
    lifecycle.assign(report, as_user(world.agency_admin), newcomer)

    url = reverse("admin:accounts_user_delete", args=[newcomer.pk])
    assert operator_client.post(url, {"post": "yes"}).status_code == 302

    assert not User.objects.filter(pk=newcomer.pk).exists()
    assert _released(report)


def _user_with_role(world):
    from tests.personas import _user

    newcomer = _user("baru@kab-contoh.example.id", "Penghubung Baru")
    Membership.objects.create(user=newcomer, organization=world.unit_a, role=Role.LIAISON)
    return newcomer
