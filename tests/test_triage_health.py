"""`/healthz?check=all` says when retraining stalls: a history that could train a model
and none made past a grace period, or a model left old while new labels wait, is
"stale" and fails the check; a new installation, or a quiet one, stays up."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from aduan.notifications import delivery
from aduan.notifications.models import Notification
from aduan.system.health import triage_state
from aduan.system.models import WorkerHeartbeat
from aduan.triage import suggest, training
from aduan.triage.models import TriageModel
from tests.test_health import _all_well
from tests.test_triage_suggest import ROADS, add_history, dispatched

ORGANIZATION = TriageModel.Kind.ORGANIZATION
CATEGORY = TriageModel.Kind.CATEGORY


@pytest.fixture(autouse=True)
def _small_models(settings, tmp_path):
    settings.STATE_DIR = tmp_path / "state"
    settings.TRIAGE_MIN_SAMPLES = 4
    settings.TRIAGE_AUTO_PROMOTE = True
    settings.TRIAGE_RETRAIN_EVERY_DAYS = 7
    settings.TRIAGE_FIRST_MODEL_GRACE_HOURS = 24
    suggest._loaded.clear()  # each process keeps the models it loaded; so would this one


def after(**delta):
    return time_machine.travel(timezone.now() + datetime.timedelta(**delta), tick=False)


def everything(client):
    """The full check with the other parts well: workers and scan alive, outbox sent."""
    WorkerHeartbeat.objects.all().delete()  # beats afresh at this moment
    _all_well()
    delivery.deliver(Notification.objects.filter(state="pending").values_list("pk", flat=True))
    return client.get(reverse("healthz"), {"check": "all"})


def test_a_fresh_installation_with_little_history_stays_up_for_good(world, client):
    dispatched(world, *ROADS[0], world.unit_a)  # one label: far from a model
    with after(days=60):
        response = everything(client)
    assert response.status_code == 200
    assert response.json()["triage"] == {
        "status": "up",
        "organization": {"status": "up", "live": None},
        "category": {"status": "up", "live": None},
    }


def test_enough_history_without_a_model_is_up_during_the_grace_then_stale(world, client):
    add_history(world)  # 12 reports routed to two units: a model could be trained
    with after(hours=23):
        assert everything(client).status_code == 200  # the scan and worker have time

    with after(hours=25):
        response = everything(client)

    assert response.status_code == 503 and response.json()["status"] == "degraded"
    triage = response.json()["triage"]
    assert triage["status"] == "stale"
    assert triage["organization"] == {
        "status": "stale",
        "live": None,
        "stale": "never_trained",
        "last_retrained": None,
    }
    # Every report has the same category: no category model can be trained, none is due.
    assert triage["category"] == {"status": "up", "live": None}


def test_a_first_retraining_that_found_too_few_labels_is_not_stale_while_it_waits(
    world, client, settings
):
    settings.TRIAGE_MIN_SAMPLES = 16
    add_history(world)  # 24 dispatches but 12 labels
    assert training.train(ORGANIZATION) is None
    with after(days=30):
        assert triage_state()["status"] == "up"
        # Enough new labels for the scan to try again, then a day with no model made.
        for title, body in ROADS[:4]:
            dispatched(world, title, body, world.unit_a)
    with after(days=31, hours=1):
        assert triage_state()["organization"]["stale"] == "never_trained"


def test_a_fresh_live_model_is_up(world, client):
    add_history(world)
    training.train(ORGANIZATION)
    with after(days=6):
        dispatched(world, *ROADS[0], world.unit_a)
    with after(days=13):
        response = everything(client)
    assert response.status_code == 200
    assert response.json()["triage"]["organization"] == {"status": "up", "live": 1}


def test_a_model_older_than_two_periods_with_labels_since_is_stale(world, client):
    add_history(world)
    trained = training.train(ORGANIZATION)
    with after(days=1):
        dispatched(world, *ROADS[0], world.unit_a)  # a label the retraining never took

    with after(days=15):
        response = everything(client)

    assert response.status_code == 503
    organization = response.json()["triage"]["organization"]
    assert organization["status"] == "stale" and organization["stale"] == "not_retrained"
    assert organization["live"] == 1
    assert organization["last_retrained"] == trained.trained_at.isoformat(timespec="seconds")


def test_an_old_model_with_no_label_since_is_up(world, client):
    add_history(world)
    training.train(ORGANIZATION)
    with after(days=60):
        response = everything(client)
    assert response.status_code == 200
    assert response.json()["triage"]["organization"] == {"status": "up", "live": 1}


def test_a_label_that_just_came_to_an_old_model_is_left_to_the_scan(world, client):
    add_history(world)
    training.train(ORGANIZATION)
    with after(days=60):
        dispatched(world, *ROADS[0], world.unit_a)  # due now; the next pass retrains
        assert everything(client).status_code == 200
    with after(days=66):
        assert triage_state()["organization"]["status"] == "up"
    with after(days=68):
        assert triage_state()["organization"]["status"] == "stale"


def test_retraining_at_every_label_gives_the_scan_a_day_before_stale(world, settings):
    settings.TRIAGE_RETRAIN_EVERY_DAYS = 0  # retrain at each pass of the scan with labels
    add_history(world)
    training.train(ORGANIZATION)
    with after(hours=1):
        dispatched(world, *ROADS[0], world.unit_a)
    with after(hours=2):
        assert triage_state()["organization"]["status"] == "up"
    with after(days=3):
        assert triage_state()["organization"]["status"] == "stale"


def test_a_newer_model_not_made_live_counts_as_retrained(world, client, settings):
    add_history(world)
    training.train(ORGANIZATION)
    settings.TRIAGE_AUTO_PROMOTE = False
    with after(days=1):
        dispatched(world, *ROADS[0], world.unit_a)
    with after(days=10):
        newer = training.train(ORGANIZATION)
    assert newer is not None and not newer.is_live
    with after(days=20):
        organization = triage_state()["organization"]
    assert organization == {"status": "up", "live": 1}


def test_retraining_that_runs_on_the_scan_brings_the_stale_kind_back_up(world, client):
    add_history(world)
    with after(hours=25):
        assert triage_state()["organization"]["status"] == "stale"
        assert ORGANIZATION in training.due_kinds(timezone.now())
        training.train(ORGANIZATION)
        assert triage_state()["status"] == "up"


def test_the_check_costs_a_handful_of_queries_however_large_the_history(
    world, django_assert_max_num_queries
):
    add_history(world)
    training.train(ORGANIZATION)
    with after(days=1):
        dispatched(world, *ROADS[0], world.unit_a)
    with after(days=15), django_assert_max_num_queries(8):
        assert triage_state()["status"] == "stale"
    TriageModel.objects.all().delete()
    with after(days=15), django_assert_max_num_queries(9):
        assert triage_state()["organization"]["stale"] == "never_trained"


def test_many_reports_sent_to_one_organization_are_one_label_until_another_gets_one(world):
    from aduan.reports import lifecycle
    from tests.personas import as_user, submit

    reports = [submit(world, title=title, body=body)[0] for title, body in ROADS[:4]]
    for report in reports:
        lifecycle.dispatch(report, as_user(world.national_admin), world.agency)
    assert not training._has_two_labels(ORGANIZATION)

    lifecycle.dispatch(reports[0], as_user(world.agency_admin), world.unit_a)

    assert training._has_two_labels(ORGANIZATION)
