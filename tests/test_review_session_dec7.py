"""Defects found reviewing the changes of 7 December, each pinned down by a test."""

from __future__ import annotations

import pytest
from django.http import QueryDict
from django.urls import reverse

from aduan.accounts.middleware import _typed_text
from aduan.organizations.models import RoutingRule
from tests.personas import submit
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
