import pytest
from django.urls import reverse
from django.utils import timezone

from aduan.accounts.models import User
from aduan.reports.models import Report, ReportEvent, Status
from tests.personas import advance, submit


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root@example.id", "pw", full_name="Pengelola Sistem")


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def report(world):
    report, _secret = submit(world, reporter=world.citizen)
    return advance(world, report, Status.IN_PROGRESS)


CHANGELISTS = [
    "reports_reportaccess",
    "accounts_user",
    "organizations_region",
    "organizations_organization",
    "organizations_membership",
    "organizations_connectiondecree",
    "organizations_category",
    "organizations_routingrule",
    "organizations_responsetemplate",
    "reports_report",
    "reports_reportevent",
    "reports_dispatch",
    "reports_attachment",
    "reports_support",
    "system_workerheartbeat",
]


@pytest.mark.parametrize("model", CHANGELISTS)
def test_admin_lists_load_for_a_superuser(admin_client, report, model):
    response = admin_client.get(reverse(f"admin:{model}_changelist"))
    assert response.status_code == 200


def test_admin_change_pages_load_for_a_superuser(admin_client, report, world):
    for url in (
        reverse("admin:reports_report_change", args=[report.pk]),
        reverse("admin:organizations_organization_change", args=[world.agency.pk]),
        reverse("admin:accounts_user_change", args=[world.citizen.pk]),
        reverse("admin:accounts_user_add"),
        reverse("admin:reports_reportevent_change", args=[report.events.first().pk]),
        reverse("admin:reports_report_changelist") + "?q=" + report.tracking_code,
    ):
        assert admin_client.get(url).status_code == 200, url


def test_report_events_cannot_be_changed_or_deleted_through_the_admin(admin_client, report):
    event = report.events.first()
    change = reverse("admin:reports_reportevent_change", args=[event.pk])
    delete = reverse("admin:reports_reportevent_delete", args=[event.pk])

    assert admin_client.post(change, {"message": "rewritten"}).status_code == 403
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert admin_client.get(reverse("admin:reports_reportevent_add")).status_code == 403
    event.refresh_from_db()
    assert event.message == ""
    assert ReportEvent.objects.filter(pk=event.pk).exists()


def test_the_admin_cannot_change_a_report_status_or_delete_it(admin_client, report):
    url = reverse("admin:reports_report_change", args=[report.pk])
    form = {
        "title": "Judul baru",
        "body": report.body,
        "status": Status.CLOSED,
        "version": 99,
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
    }
    response = admin_client.post(url, form)

    assert response.status_code == 302
    report.refresh_from_db()
    assert report.title == "Judul baru"
    assert (report.status, report.version) == (Status.IN_PROGRESS, 4)
    delete = reverse("admin:reports_report_delete", args=[report.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert Report.objects.filter(pk=report.pk).exists()


def test_text_an_operator_edits_in_the_admin_reaches_the_stored_public_copies(admin_client, world):
    report, _secret = submit(
        world, reporter=world.citizen, body="Hubungi saya 0812 3456 7788 soal jalan Kenanga."
    )
    url = reverse("admin:reports_report_change", args=[report.pk])
    form = {
        "title": "Jalan rusak (disunting pengelola)",
        "body": "Jalan rusak di depan pasar (disunting pengelola).",
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
    }

    assert admin_client.post(url, form).status_code == 302

    report.refresh_from_db()
    assert report.public_title == "Jalan rusak (disunting pengelola)"
    assert report.public_body == "Jalan rusak di depan pasar (disunting pengelola)."
    assert not Report.objects.search("Kenanga", public=True).filter(pk=report.pk).exists()


def test_an_anonymous_reporter_is_not_shown_in_the_admin(admin_client, world):
    report, _secret = submit(world, reporter=world.citizen, is_anonymous=True)

    page = admin_client.get(reverse("admin:reports_report_change", args=[report.pk]))
    event = report.events.get()
    event_page = admin_client.get(reverse("admin:reports_reportevent_change", args=[event.pk]))
    events_list = admin_client.get(reverse("admin:reports_reportevent_changelist"))

    for response in (page, event_page, events_list):
        html = response.content.decode()
        assert response.status_code == 200
        assert world.citizen.full_name not in html
        assert world.citizen.email not in html


def test_a_named_reporter_is_shown_in_the_admin(admin_client, world):
    report, _secret = submit(world, reporter=None, guest_name="Budi Tamu")
    page = admin_client.get(reverse("admin:reports_report_change", args=[report.pk]))
    assert "Budi Tamu" in page.content.decode()


def test_people_without_admin_access_are_refused(client, world):
    client.force_login(world.agency_admin)
    response = client.get(reverse("admin:reports_report_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_the_admin_gives_no_role_to_an_account_whose_email_is_unconfirmed(admin_client, world):
    newcomer = User.objects.create_user("pendaftar@example.id", "pw", full_name="Baru Daftar")
    form = {"user": newcomer.pk, "organization": world.unit_a.pk, "role": "liaison"}
    form["is_active"] = "on"
    add = reverse("admin:organizations_membership_add")
    admin_client.cookies["django_language"] = "en"

    refused = admin_client.post(add, form)

    assert refused.status_code == 200
    assert "has not confirmed its email address" in refused.content.decode()
    assert not newcomer.memberships.exists()

    User.objects.filter(pk=newcomer.pk).update(email_confirmed_at=timezone.now())
    assert admin_client.post(add, form).status_code == 302
    assert newcomer.memberships.get().role == "liaison"


def test_the_admin_offers_only_the_installation_languages_for_an_account(admin_client, world):
    url = reverse("admin:accounts_user_change", args=[world.citizen.pk])
    page = admin_client.get(url).content.decode()

    assert '<select name="language"' in page
    assert '<option value="en">' in page


def test_a_decree_entered_in_the_admin_records_who_entered_it(admin_client, superuser, world):
    add = reverse("admin:organizations_connectiondecree_add")
    form = {"organization": world.agency.pk, "number": "SK/ADM/1", "issued_on": "2026-02-02"}

    assert admin_client.post(add, form).status_code == 302

    decree = world.agency.decrees.get(number="SK/ADM/1")
    assert (decree.entered_by, decree.entered_at is not None) == (superuser, True)


def test_an_admin_edit_keeps_what_changed_while_it_was_saved(admin_client, world, monkeypatch):
    # The admin reads the report, then saves it: an officer's action or a message from
    # the guest's number in between must not be written back as it was read.
    import datetime

    import time_machine

    from aduan.channels.intake import number_used
    from aduan.notifications.outbox import confirm_contact, confirmation_link
    from aduan.reports.admin import ReportAdmin

    phone = "+6281234567890"
    report, _secret = submit(world, guest_email="", guest_phone=phone)
    assert confirm_contact(report, confirmation_link(report).rstrip("/").rsplit("/", 1)[1])
    read = ReportAdmin.get_object

    def read_then_others_act(self, request, object_id, from_field=None):
        found = read(self, request, object_id, from_field)
        if request.method == "POST":
            number_used(phone)
            advance(world, Report.objects.get(pk=report.pk), Status.DISPATCHED)
        return found

    monkeypatch.setattr(ReportAdmin, "get_object", read_then_others_act)
    url = reverse("admin:reports_report_change", args=[report.pk])
    form = {
        "title": "Judul baru",
        "body": report.body,
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
    }
    with time_machine.travel(timezone.now() + datetime.timedelta(days=30), tick=False):
        admin_client.force_login(User.objects.get(is_superuser=True))  # the first expired
        assert admin_client.post(url, form).status_code == 302
        used_now = timezone.now()

    report.refresh_from_db()
    assert report.title == "Judul baru"
    assert report.status == Status.DISPATCHED
    assert report.guest_phone_used_at == used_now
