"""What the printed recap and its form show: a confidential report's title never goes on
paper, and the form offers each officer only organizations they may ask for."""

from __future__ import annotations

import time_machine
from django.urls import reverse
from django.utils import translation

from aduan.analytics import recap
from aduan.reports import lifecycle
from tests.personas import as_user, submit
from tests.test_recap import BUILT_AT, JANUARY, at, page_text

SECRET_TITLE = "Pungutan liar oleh petugas kelurahan"


def test_a_confidential_overdue_report_shows_its_code_and_a_marker_but_not_its_title(world):
    with time_machine.travel(at(7, 9), tick=False):
        report, _secret = submit(
            world, reporter=world.citizen, title=SECRET_TITLE, is_confidential=True
        )
    lifecycle.dispatch(report, as_user(world.national_admin), world.unit_b, at=at(7, 10))
    with time_machine.travel(BUILT_AT, tick=False), translation.override("en"):
        pdf = recap.build_recap(world.agency, JANUARY, compress=False)
    text = page_text(pdf)
    assert report.tracking_code in text.splitlines()
    assert "Confidential report" in text
    for word in ("Pungutan", "liar", "kelurahan"):
        assert word not in text and word.encode() not in pdf


def test_a_supervisor_is_offered_no_empty_organization_and_their_own_is_chosen(client, world):
    client.force_login(world.supervisor)
    response = client.get(reverse("recap:form"))
    field = response.context["form"]["organization"]
    values = [str(choice.data["value"]) for choice in field.subwidgets]
    assert "" not in values
    assert values[0] == str(world.agency.pk)
    assert str(field.value()) == str(world.agency.pk)
    assert "---------" not in response.content.decode()


def test_a_national_admin_still_gets_the_national_recap_as_the_empty_choice(client, world):
    client.force_login(world.national_admin)
    field = client.get(reverse("recap:form")).context["form"]["organization"]
    assert [str(choice.data["value"]) for choice in field.subwidgets][0] == ""


def test_outsider_is_refused(client, world):
    client.force_login(world.outsider)
    assert client.get(reverse("recap:form")).status_code == 403
