"""A report marked as a duplicate leaves a trace on its original: the original's page
lists it, and the original's handlers see the files its reporter sent."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from PIL import Image

from aduan.reports import lifecycle
from aduan.reports.attachments import CleanFile
from aduan.reports.models import Status
from tests.personas import advance, as_user, submit


def _photo(name="foto-lubang.png") -> CleanFile:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (120, 10, 10)).save(out, format="PNG")
    return CleanFile(name, "image/png", out.getvalue())


@pytest.fixture
def merged(world):
    """The original with unit A; a caller's report with a photo, at the agency, merged
    into it by the agency admin (with a staff note whose file stays with the duplicate)."""
    original = advance(world, submit(world, title="Jalan berlubang")[0], "dispatched")
    duplicate = submit(
        world,
        title="Lubang di depan pasar",
        suggested_organization=world.agency,
        guest_name="Penelepon Pasar",
        attachments=[_photo()],
    )[0]
    lifecycle.add_note(
        duplicate, as_user(world.agency_admin), "Catatan petugas.", files=[_photo("memo.png")]
    )
    lifecycle.mark_duplicate(duplicate, as_user(world.agency_admin), original)
    return original, duplicate


def _page(client, report) -> str:
    return client.get(reverse("workspace:report", args=[report.tracking_code])).content.decode()


def _file_url(report, item, name="workspace:attachment") -> str:
    return reverse(name, args=[report.tracking_code, item.pk])


def test_the_originals_handler_sees_the_merged_duplicate_and_its_reporters_photo(
    world, merged, client_for
):
    original, duplicate = merged
    client = client_for(world.liaison_a)
    html = _page(client, original)
    assert f'data-merged="{duplicate.tracking_code}"' in html
    assert "Penelepon Pasar" in html
    # The liaison may not open the duplicate itself (it stayed with the agency)…
    assert reverse("workspace:report", args=[duplicate.tracking_code]) not in html
    assert (
        client.get(reverse("workspace:report", args=[duplicate.tracking_code])).status_code == 404
    )
    # …but gets its reporter's photo through the original.
    photo = duplicate.attachments.get(event__action="submit")
    assert _file_url(original, photo) in html
    assert client.get(_file_url(original, photo)).status_code == 200
    small = client.get(_file_url(original, photo, "workspace:attachment_thumbnail"))
    assert small.status_code == 200


def test_whoever_may_open_the_duplicate_gets_a_link_to_it(world, merged, client_for):
    original, duplicate = merged
    html = _page(client_for(world.agency_admin), original)
    assert reverse("workspace:report", args=[duplicate.tracking_code]) in html


def test_the_duplicates_staff_files_stay_with_the_duplicate(world, merged, client_for):
    original, duplicate = merged
    memo = duplicate.attachments.get(event__action="note")
    client = client_for(world.liaison_a)
    assert _file_url(original, memo) not in _page(client, original)
    assert client.get(_file_url(original, memo)).status_code == 404


def test_an_outsider_and_another_units_liaison_get_no_merged_files(world, merged, client_for):
    original, duplicate = merged
    photo = duplicate.attachments.get(event__action="submit")
    assert client_for(world.liaison_b).get(_file_url(original, photo)).status_code == 404
    assert client_for(world.outsider).get(_file_url(original, photo)).status_code in (403, 404)


def test_a_report_without_duplicates_shows_no_merged_section(world, client_for):
    report = advance(world, submit(world)[0], Status.DISPATCHED)
    assert 'id="merged-duplicates"' not in _page(client_for(world.liaison_a), report)


def test_the_duplicates_reporter_is_told_which_report_handles_the_problem(world):
    from aduan.notifications.models import Kind, Notification
    from tests.personas import run_announcements

    original = advance(world, submit(world, title="Jalan berlubang")[0], "dispatched")
    duplicate = submit(world, reporter=world.citizen, title="Lubang di depan pasar")[0]
    run_announcements()

    lifecycle.mark_duplicate(duplicate, as_user(world.national_admin), original)

    told = Notification.objects.get(report=duplicate, kind=Kind.ARCHIVED, medium="email")
    assert original.tracking_code in told.subject and original.tracking_code in told.body
    assert f"/laporan/{original.tracking_code}/" in told.body  # to follow it
    assert "laporan baru" not in told.body  # not told to report again


def test_the_duplicates_page_links_its_reporter_to_the_original(world, client):
    original = advance(world, submit(world, title="Jalan berlubang")[0], "dispatched")
    duplicate = submit(world, reporter=world.citizen, title="Lubang di depan pasar")[0]
    lifecycle.mark_duplicate(duplicate, as_user(world.national_admin), original)
    client.force_login(world.citizen)

    page = client.get(reverse("portal:report", args=[duplicate.tracking_code])).content.decode()

    assert f'data-merged-into="{original.tracking_code}"' in page
    assert reverse("portal:report", args=[original.tracking_code]) in page


def test_a_support_given_while_the_report_is_merged_goes_to_the_original(world):
    from aduan.portal.views import _still_public

    original = advance(world, submit(world, title="Jalan berlubang")[0], "dispatched")
    duplicate = advance(world, submit(world, title="Lubang di depan pasar")[0], "dispatched")
    as_the_page_read_it = type(duplicate).objects.get(pk=duplicate.pk)
    lifecycle.mark_duplicate(duplicate, as_user(world.national_admin), original)

    assert _still_public(as_the_page_read_it) == original


def _public_pair(world):
    original = advance(world, submit(world, title="Jalan berlubang")[0], Status.DISPATCHED)
    duplicate = submit(world, reporter=world.citizen, title="Lubang di depan pasar")[0]
    return original, advance(world, duplicate, Status.DISPATCHED)


def test_anyone_holding_a_merged_duplicates_link_is_led_to_the_original(world, client):
    original, duplicate = _public_pair(world)
    lifecycle.mark_duplicate(duplicate, as_user(world.national_admin), original)

    response = client.get(reverse("portal:report", args=[duplicate.tracking_code]))

    assert response.status_code == 200
    page = response.content.decode()
    assert f'data-merged-into="{original.tracking_code}"' in page
    assert reverse("portal:report", args=[original.tracking_code]) in page
    assert "Lubang di depan pasar" in page
    assert 'data-action="support"' not in page  # supported on the original, not here


def test_a_duplicate_merged_before_it_was_verified_stays_hidden(world, client):
    original = advance(world, submit(world, title="Jalan berlubang")[0], Status.DISPATCHED)
    duplicate = submit(world, reporter=world.citizen, title="Lubang di depan pasar")[0]
    lifecycle.mark_duplicate(duplicate, as_user(world.national_admin), original)

    assert client.get(reverse("portal:report", args=[duplicate.tracking_code])).status_code == 404


def test_a_confidential_merged_duplicate_stays_hidden(world, client):
    original = advance(world, submit(world, title="Jalan berlubang")[0], Status.DISPATCHED)
    duplicate = submit(world, title="Lubang di depan pasar", is_confidential=True)[0]
    duplicate = advance(world, duplicate, Status.DISPATCHED)
    lifecycle.mark_duplicate(duplicate, as_user(world.national_admin), original)

    assert client.get(reverse("portal:report", args=[duplicate.tracking_code])).status_code == 404


def test_followers_of_a_merged_duplicate_are_sent_on_to_the_original(world):
    from aduan.notifications.models import Kind, Notification
    from aduan.reports.models import Subscription

    original, duplicate = _public_pair(world)
    Subscription.objects.create(report=duplicate, user=world.outsider)

    lifecycle.mark_duplicate(duplicate, as_user(world.national_admin), original)

    told = Notification.objects.get(user=world.outsider, kind=Kind.FOLLOWED, medium="in_app")
    assert told.link.endswith(reverse("portal:report", args=[original.tracking_code]))


def test_a_duplicate_merged_into_a_report_not_yet_public_names_no_code(world, client):
    original = submit(world, title="Jalan berlubang, belum diverifikasi")[0]
    duplicate = advance(world, submit(world, title="Lubang di depan pasar")[0], "dispatched")
    lifecycle.mark_duplicate(duplicate, as_user(world.national_admin), original)

    page = client.get(reverse("portal:report", args=[duplicate.tracking_code])).content.decode()

    assert "data-merged-into" in page
    assert original.tracking_code not in page


def _merged_into_confidential(world):
    from aduan.reports.models import Subscription

    original = submit(world, title="Pipa bocor, laporan rahasia", is_confidential=True)[0]
    original = advance(world, original, Status.DISPATCHED)
    duplicate = submit(world, reporter=world.citizen, title="Pipa PDAM bocor di Jl. Kenanga")[0]
    duplicate = advance(world, duplicate, Status.DISPATCHED)
    Subscription.objects.create(report=duplicate, user=world.outsider)
    lifecycle.mark_duplicate(duplicate, as_user(world.national_admin), original)
    return original, duplicate


def test_nobody_outside_a_confidential_original_is_told_its_code(world, client):
    from aduan.notifications.models import Notification

    original, duplicate = _merged_into_confidential(world)

    told = Notification.objects.filter(report=duplicate)
    assert {n.user_id for n in told} >= {world.citizen.pk, world.outsider.pk}
    archived = told.get(user=world.citizen, kind="archived", medium="email")
    assert "laporan baru" not in archived.body  # not told to report again
    for message in told:
        assert original.tracking_code not in message.subject + message.body + message.short
        assert original.tracking_code not in message.link
    for user in (world.citizen, world.outsider):
        client.force_login(user)
        page = client.get(reverse("portal:report", args=[duplicate.tracking_code]))
        assert original.tracking_code not in page.content.decode()


def test_the_reporter_of_a_report_merged_into_a_confidential_one_hears_its_outcome(world):
    from aduan.notifications.models import Kind, Notification

    original, duplicate = _merged_into_confidential(world)

    lifecycle.respond(original, as_user(world.liaison_a), "Pipa sudah kami ganti, Bu Ani.")
    lifecycle.complete(original, as_user(world.liaison_a), "Selesai diganti.")

    news = Notification.objects.filter(user=world.citizen, kind=Kind.FOLLOWED, medium="email")
    assert news.count() == 2
    for message in news:
        assert duplicate.tracking_code in message.subject
        assert original.tracking_code not in message.body
        assert "Bu Ani" not in message.body  # the confidential report's words stay there
    assert not Notification.objects.filter(user=world.outsider, kind=Kind.FOLLOWED).exclude(
        report=duplicate
    )


def test_the_merge_panel_marks_a_confidential_original(world, client_for):
    from aduan.organizations.models import Region

    village = Region.objects.create(code="33", name="Jawa Tengah", level=1)
    body = "Pipa air PDAM bocor di depan masjid, air terbuang ke selokan sejak minggu lalu."
    original = submit(
        world, title="Pipa PDAM bocor", body=body, region=village, is_confidential=True
    )[0]
    advance(world, original, Status.DISPATCHED)
    duplicate = submit(world, title="Pipa PDAM bocor", body=body, region=village)[0]
    advance(world, duplicate, Status.DISPATCHED)

    page = client_for(world.national_admin).get(
        reverse("workspace:report", args=[duplicate.tracking_code])
    )

    html = page.content.decode()
    row = html[html.index(f'data-duplicate="{original.tracking_code}"') :]
    row = row[: row.index("</tr>")]
    assert 'data-flag="confidential"' in row and "data-merge-warning" in row


def test_a_duplicates_page_never_names_an_original_made_confidential_after_the_merge(world, client):
    original, duplicate = _public_pair(world)
    lifecycle.mark_duplicate(duplicate, as_user(world.national_admin), original)
    lifecycle.set_flags(original, as_user(world.agency_admin), confidential=True)

    for reader in (None, world.citizen):  # a visitor, and the duplicate's reporter
        if reader is not None:
            client.force_login(reader)
        page = client.get(reverse("portal:report", args=[duplicate.tracking_code]))
        assert page.status_code == 200
        assert original.tracking_code not in page.content.decode()


def test_a_merge_stored_with_the_originals_code_reads_as_it_stands_now(world, client):
    from aduan.reports.models import ReportEvent

    original, duplicate = _public_pair(world)
    event = lifecycle.mark_duplicate(duplicate, as_user(world.national_admin), original)
    # What merges written before originals were left unnamed stored.
    ReportEvent.objects.filter(pk=event.pk).update(
        message=f"Laporan ini merupakan duplikat dari {original.tracking_code}."
    )
    page = client.get(reverse("portal:report", args=[duplicate.tracking_code])).content.decode()
    assert page.count(original.tracking_code) >= 1  # named while public

    lifecycle.set_flags(original, as_user(world.agency_admin), confidential=True)

    page = client.get(reverse("portal:report", args=[duplicate.tracking_code])).content.decode()
    assert original.tracking_code not in page


def test_the_track_form_leads_to_a_public_merged_duplicates_page(world, client):
    original, duplicate = _public_pair(world)
    lifecycle.mark_duplicate(duplicate, as_user(world.national_admin), original)

    response = client.get(reverse("portal:track"), {"code": duplicate.tracking_code})

    assert response.status_code == 302
    assert response["Location"] == reverse("portal:report", args=[duplicate.tracking_code])


def test_the_track_form_still_hides_a_duplicate_merged_before_it_was_verified(world, client):
    original = advance(world, submit(world, title="Jalan berlubang")[0], Status.DISPATCHED)
    duplicate = submit(world, title="Lubang di depan pasar")[0]
    lifecycle.mark_duplicate(duplicate, as_user(world.national_admin), original)

    response = client.get(reverse("portal:track"), {"code": duplicate.tracking_code})

    assert response.status_code == 200  # the form again, with "no public report"
