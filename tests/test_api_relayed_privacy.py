"""Privacy flags and the reporter's erasure relayed through /api/v1/ by the system that
sent a report (the instance that forwarded it, a local complaint system)."""

from __future__ import annotations

import json

import pytest
from django.contrib.admin.models import LogEntry

from aduan.api.models import IdempotentResponse, Scope
from aduan.channels.intake import Draft, submit_report
from aduan.notifications.models import Notification
from aduan.reports.lifecycle import Action
from aduan.reports.models import Attachment, Report, Status
from tests.personas import advance, submit
from tests.test_api import bearer, error_codes, error_fields, new_key, post, report_payload
from tests.test_api_attachments import upload
from tests.test_api_followups import received_report, url

SIGNED = (
    "Jalan di depan rumah saya berlubang besar. Saya Rina Kartika, NIK saya "
    "3302014501900002, hubungi saya di 0812-3456-7890."
)


def privacy(client, report, secret, **flags):
    return post(client, url(report, "privacy"), secret, flags)


def erase(client, report, secret, **data):
    return post(client, url(report, "erasure"), secret, data)


# --- Privacy flags ---------------------------------------------------------------------


def test_the_sending_system_makes_its_report_confidential_here(client, world):
    secret = new_key(world.agency)
    report = received_report(client, world, secret)

    response = privacy(client, report, secret, confidential=True)

    assert response.status_code == 200
    assert response.json() == {"anonymous": False, "confidential": True}
    report.refresh_from_db()
    assert report.is_confidential and not report.is_anonymous
    event = report.events.get(action=Action.SET_FLAGS)
    assert event.actor_organization == world.agency
    assert event.data == {"is_confidential": True}


def _sent_by(client, secret, **reporter) -> Report:
    """A report the key's system sent, signed by its reporter in its words."""
    payload = report_payload(body=SIGNED, reporter={"name": "Rina Kartika", **reporter})
    response = post(client, "/api/v1/reports/", secret, payload)
    return Report.objects.get(tracking_code=response.json()["code"])


def test_made_anonymous_by_the_sending_system_the_reporter_is_masked_here(client, world):
    secret = new_key(world.agency)
    report = _sent_by(client, secret)

    answer = privacy(client, report, secret, anonymous=True)

    assert answer.json() == {"anonymous": True, "confidential": False}
    report.refresh_from_db()
    assert report.is_anonymous
    assert "Rina Kartika" not in report.body and "3302014501900002" not in report.body
    assert "berlubang besar" in report.body


def test_a_flag_already_on_changes_nothing_and_false_never_turns_one_off(client, world):
    secret = new_key(world.agency)
    report = received_report(client, world, secret)
    privacy(client, report, secret, confidential=True)

    again = privacy(client, report, secret, confidential=True, anonymous=False)

    assert again.status_code == 200
    assert again.json() == {"anonymous": False, "confidential": True}
    assert report.events.filter(action=Action.SET_FLAGS).count() == 1


def test_asking_for_no_flag_names_the_field_and_a_string_is_not_a_flag(client, world):
    secret = new_key(world.agency)
    report = received_report(client, world, secret)

    nothing = privacy(client, report, secret, anonymous=False)
    text = privacy(client, report, secret, confidential="ya")

    assert (nothing.status_code, text.status_code) == (400, 400)
    assert error_fields(nothing) == ["anonymous"]
    assert error_fields(text) == ["confidential"]
    report.refresh_from_db()
    assert not report.is_confidential


def test_privacy_past_dispatch_is_a_409_as_for_an_admin_here(client, world):
    secret = new_key(world.agency)
    report = received_report(client, world, secret, Status.IN_PROGRESS)

    response = privacy(client, report, secret, confidential=True)

    assert response.status_code == 409
    assert error_codes(response) == ["invalid_state"]
    report.refresh_from_db()
    assert not report.is_confidential


def test_privacy_of_a_report_another_organization_sent_is_404(client, world):
    report = received_report(client, world, new_key(world.agency))
    # The unit handles the report but did not send it: the privacy is not its to relay.
    advance(world, report, Status.DISPATCHED)

    handler = privacy(client, report, new_key(world.unit_a), confidential=True)
    other = privacy(client, report, new_key(world.other_agency), confidential=True)
    web_report = privacy(client, submit(world)[0], new_key(world.agency), confidential=True)

    assert (handler.status_code, other.status_code, web_report.status_code) == (404, 404, 404)
    report.refresh_from_db()
    assert not report.is_confidential


# --- Erasure ---------------------------------------------------------------------------


def _signed_report(client, world, secret):
    return _sent_by(client, secret, phone="0812 3456 7890")


def test_the_sending_system_erases_the_reporter_of_its_report_here(client, world):
    secret = new_key(world.agency)
    report = _signed_report(client, world, secret)
    advance(world, report, Status.IN_PROGRESS)
    report.refresh_from_db()
    before = report.status

    response = erase(client, report, secret)

    assert response.status_code == 204
    report.refresh_from_db()
    assert (report.guest_name, report.guest_email, report.guest_phone) == ("", "", "")
    for text in (report.title, report.body, report.public_body):
        assert "Rina Kartika" not in text
        assert "3302014501900002" not in text and "0812-3456-7890" not in text
    assert "berlubang besar" in report.body
    assert report.status == before  # the handling goes on
    assert not Notification.objects.filter(address="+6281234567890").exists()


def test_the_reports_history_names_the_system_and_key_that_asked_for_the_erasure(client, world):
    secret = new_key(world.agency)
    report = _signed_report(client, world, secret)

    erase(client, report, secret)
    erase(client, report, secret)  # changes nothing: not logged again

    (entry,) = LogEntry.objects.filter(object_id=str(report.pk))
    assert entry.user.full_name == world.agency.name
    assert "Sistem lokal" in entry.get_change_message()


def test_erasing_again_changes_nothing(client, world):
    secret = new_key(world.agency)
    report = _signed_report(client, world, secret)
    erase(client, report, secret)
    report.refresh_from_db()
    version = report.version

    again = erase(client, report, secret)

    assert again.status_code == 204
    report.refresh_from_db()
    assert report.version == version


def test_a_file_named_after_the_reporter_is_renamed_when_nothing_else_names_them(client, world):
    secret = new_key(world.agency)
    payload = report_payload()
    del payload["reporter"]  # the words name nobody: only the file does
    sent = post(client, "/api/v1/reports/", secret, payload)
    report = Report.objects.get(tracking_code=sent.json()["code"])
    file_id = upload(client, report, secret, name="KTP_Rina_Kartika.jpg").json()["id"]

    response = erase(client, report, secret)

    assert response.status_code == 204
    assert "Rina" not in Attachment.objects.get(pk=file_id).original_name


def test_answers_kept_for_retries_no_longer_quote_the_erased_reporter(client, world):
    secret = new_key(world.agency)
    payload = report_payload(body=SIGNED, reporter={"name": "Rina Kartika", "email": "r@k.id"})
    retry = {"Idempotency-Key": "lapor-SIP-001"}
    report = Report.objects.get(
        tracking_code=post(client, "/api/v1/reports/", secret, payload, **retry).json()["code"]
    )
    news = {"action": "add_info", "message": "Rina Kartika lagi: airnya sudah masuk rumah."}
    relayed = post(client, url(report, "replies"), secret, news, **{"Idempotency-Key": "kabar-1"})
    assert relayed.status_code == 201

    erase(client, report, secret)
    again = post(client, "/api/v1/reports/", secret, payload, **retry)

    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["code"] == report.tracking_code
    kept = json.dumps([row.body for row in IdempotentResponse.objects.all()])
    for words in ("Rina", "r@k.id", "3302014501900002", "airnya"):
        assert words not in kept and words not in again.content.decode()


def test_erasure_settles_a_question_nobody_can_answer_any_more(client, world):
    secret = new_key(world.agency)
    report = _signed_report(client, world, secret)
    advance(world, report, Status.ON_HOLD)

    erase(client, report, secret)

    report.refresh_from_db()
    assert report.status == Status.ARCHIVED


def test_a_report_whose_reporter_has_an_account_here_is_theirs_to_erase(client, world):
    secret = new_key(world.agency)
    report = _signed_report(client, world, secret)
    Report.objects.filter(pk=report.pk).update(reporter=world.citizen)

    response = erase(client, report, secret)

    assert response.status_code == 409
    assert error_codes(response) == ["has_account"]
    report.refresh_from_db()
    assert "Rina Kartika" in report.body


def test_erasure_of_a_report_another_organization_sent_is_refused(client, world):
    secret = new_key(world.agency)
    report = _signed_report(client, world, secret)

    other = erase(client, report, new_key(world.other_agency))
    read_only = erase(client, report, new_key(world.agency, scopes=[Scope.REPORTS_READ]))
    no_key = client.post(url(report, "erasure"), {}, content_type="application/json")
    web = erase(client, submit(world, reporter=world.citizen)[0], secret)

    statuses = (other.status_code, read_only.status_code, no_key.status_code, web.status_code)
    assert statuses == (404, 403, 401, 404)
    report.refresh_from_db()
    assert report.guest_name == "Rina Kartika"


def test_a_key_of_the_organization_above_the_sender_may_not_erase_or_change_flags(client, world):
    secret = new_key(world.unit_a)
    report = _sent_by(client, secret)
    above = new_key(world.agency)

    erased = erase(client, report, above)
    flagged = privacy(client, report, above, confidential=True)

    assert (erased.status_code, flagged.status_code) == (404, 404)
    report.refresh_from_db()
    assert report.guest_name == "Rina Kartika" and not report.is_confidential


def test_a_report_typed_in_at_the_counter_is_not_erased_through_the_units_key(client, world):
    report = submit_report(
        Draft(
            title="Jalan berlubang",
            body="Lubang besar di depan rumah saya, sudah dua minggu.",
            guest_name="Siti Aminah",
            category=world.potholes,
        ),
        entered_by=world.liaison_a,
        received_by=world.unit_a,
    ).report
    secret = new_key(world.unit_a)

    erased = erase(client, report, secret)
    flagged = privacy(client, report, secret, anonymous=True)

    assert (erased.status_code, flagged.status_code) == (404, 404)
    report.refresh_from_db()
    assert report.guest_name == "Siti Aminah" and not report.is_anonymous


@pytest.mark.parametrize("method", ["get", "delete"])
def test_the_erasure_endpoint_only_erases(client, world, method):
    secret = new_key(world.agency)
    report = _signed_report(client, world, secret)

    response = getattr(client, method)(url(report, "erasure"), headers=bearer(secret))

    assert response.status_code == 405


def test_the_names_and_contacts_the_sender_knew_are_masked_too(client, world):
    # The sending system kept the reporter's contacts and sent only the name: their words
    # here may still write the number and address, in a signature.
    secret = new_key(world.agency)
    body = (
        "Selokan di Gang Mawar mampet dan meluap tiap hujan. Salam, Rina K. "
        "(rina.kartika@example.id, 0812 9876 5432). Nama lama: Rina Wulandari."
    )
    response = post(
        client, "/api/v1/reports/", secret, report_payload(body=body, reporter={"name": "Rina K."})
    )
    report = Report.objects.get(tracking_code=response.json()["code"])
    identities = [
        {"name": "Rina Kartika", "email": "rina.kartika@example.id", "phone": "081298765432"},
        {"name": "Rina Wulandari"},
    ]

    answer = erase(client, report, secret, identities=identities)

    assert answer.status_code == 204
    report.refresh_from_db()
    for written in ("rina.kartika@example.id", "0812 9876 5432", "Wulandari"):
        assert written not in report.body
    assert "Selokan di Gang Mawar mampet" in report.body


@pytest.mark.parametrize(
    ("identities", "field"),
    [("Rina", "identities"), ([{"name": "x" * 151}], "identities"), ([{}] * 11, "identities")],
)
def test_identities_that_are_not_a_short_list_of_names_and_contacts_name_the_field(
    client, world, identities, field
):
    secret = new_key(world.agency)
    report = _signed_report(client, world, secret)

    response = erase(client, report, secret, identities=identities)

    assert response.status_code == 400
    assert error_fields(response)[0].startswith(field)
    report.refresh_from_db()
    assert report.guest_name == "Rina Kartika"


def test_an_officer_reading_the_report_sees_the_erasure_as_the_sending_system_asked(client, world):
    secret = new_key(world.agency)
    report = _signed_report(client, world, secret)
    advance(world, report, Status.DISPATCHED)
    report.refresh_from_db()
    erase(client, report, secret)

    client.force_login(world.liaison_a)
    page = client.get(f"/kantor/laporan/{report.tracking_code}/")

    assert page.status_code == 200
    assert "Rina Kartika" not in page.content.decode()
    assert "berlubang besar" in page.content.decode()
