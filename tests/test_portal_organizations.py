"""Public organization pages with their figures, and the success stories."""

from __future__ import annotations

import pytest
from django.urls import reverse

from aduan.analytics.facts import rebuild_facts
from aduan.reports import lifecycle
from aduan.reports.models import Status
from tests.personas import advance, as_reporter, as_user, submit

PHONE = "081377788899"


@pytest.fixture
def handled(world):
    """A report closed satisfied with five stars, one closed unanswered, one in progress."""
    story, _ = submit(world, reporter=world.citizen, title=f"Lampu padam, hubungi {PHONE}")
    advance(world, story, Status.COMPLETED)
    lifecycle.reply(story, as_reporter(world.citizen), satisfied=True)
    lifecycle.rate(story, as_reporter(world.citizen), 5, f"Cepat sekali, terima kasih. {PHONE}")
    unanswered, _ = submit(world, reporter=world.citizen, title="Trotoar rusak")
    advance(world, unanswered, Status.COMPLETED)
    lifecycle.close_unanswered(unanswered)
    ongoing, _ = submit(world, reporter=world.citizen, title="Saluran tersumbat")
    advance(world, ongoing, Status.IN_PROGRESS)
    rebuild_facts()
    return story, unanswered, ongoing


def test_the_agency_list_shows_each_agencys_figures(client, world, handled):
    page = client.get(reverse("portal:organizations"))
    html = page.content.decode()
    assert page.status_code == 200
    row = html[html.index(f'data-org="{world.agency.slug}"') :]
    row = row[: row.index("</tr>")]
    assert 'data-received="3"' in row
    assert "100,0%" in row  # all three were followed up
    assert f'data-org="{world.other_agency.slug}"' in html
    assert page.context["overview"]["connected"] == 1


def test_an_organization_page_shows_its_figures_units_and_latest_reports(client, world, handled):
    story, _unanswered, ongoing = handled
    page = client.get(reverse("portal:organization", args=[world.agency.slug]))
    assert page.status_code == 200
    assert page.context["figures"]["received"] == 3
    assert page.context["figures"]["completion_rate"] == pytest.approx(2 / 3)
    html = page.content.decode()
    assert f'data-org="{world.unit_a.slug}"' in html
    assert ongoing.tracking_code in html
    assert "<svg" in html
    assert PHONE not in html


def test_an_organization_page_states_what_its_figures_and_its_unit_ranking_count(
    client, world, handled, settings
):
    settings.ADUAN_LEAGUE_WINDOW_DAYS, settings.ADUAN_LEAGUE_MIN_REPORTS = 60, 7
    client.cookies["django_language"] = "en"
    html = client.get(reverse("portal:organization", args=[world.agency.slug])).content.decode()
    assert "confidential ones included" in html
    assert "the reports of the last 60 days" in html
    assert "fewer than 7 verified reports" in html


def test_an_unknown_or_inactive_organization_is_404(client, world):
    assert client.get(reverse("portal:organization", args=["tidak-ada"])).status_code == 404
    world.unit_b.is_active = False
    world.unit_b.save(update_fields=["is_active"])
    assert client.get(reverse("portal:organization", args=[world.unit_b.slug])).status_code == 404


def test_success_stories_are_closed_satisfied_and_well_rated(client, world, handled):
    story, unanswered, ongoing = handled
    low, _ = submit(world, reporter=world.citizen, title="Rambu hilang")
    advance(world, low, Status.COMPLETED)
    lifecycle.reply(low, as_reporter(world.citizen), satisfied=True)
    lifecycle.rate(low, as_reporter(world.citizen), 3)
    page = client.get(reverse("portal:stories"))
    codes = [row.tracking_code for row in page.context["rows"]]
    assert codes == [story.tracking_code]
    html = page.content.decode()
    assert "Cepat sekali, terima kasih." in html
    assert PHONE not in html


def test_a_confidential_story_stays_hidden(client, world, handled):
    story, _unanswered, _ongoing = handled
    secret, _ = submit(world, reporter=world.citizen, title="Pungli di kantor kelurahan")
    advance(world, secret, Status.DISPATCHED)
    lifecycle.set_flags(secret, as_user(world.national_admin), confidential=True)
    lifecycle.complete(secret, as_user(world.liaison_a), "Petugas sudah ditindak.")
    lifecycle.reply(secret, as_reporter(world.citizen), satisfied=True)
    lifecycle.rate(secret, as_reporter(world.citizen), 5)
    codes = [row.tracking_code for row in client.get(reverse("portal:stories")).context["rows"]]
    assert codes == [story.tracking_code]


def test_public_pages_cost_a_bounded_number_of_queries(
    client, world, handled, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        client.get(reverse("portal:organizations"))
    with django_assert_max_num_queries(25):
        client.get(reverse("portal:organization", args=[world.agency.slug]))
    with django_assert_max_num_queries(8):
        client.get(reverse("portal:stories"))
