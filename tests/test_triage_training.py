"""Trained model files are named relative to the state directory, so a state directory
restored on another host (or mounted at another path) keeps serving its models."""

from __future__ import annotations

import re

import pytest

from aduan.triage import suggest, training
from aduan.triage.models import TriageModel
from aduan.triage.suggest import live_model
from tests.test_triage_suggest import add_history


@pytest.fixture(autouse=True)
def _small_models(settings, tmp_path):
    settings.STATE_DIR = tmp_path / "state"
    settings.TRIAGE_MIN_SAMPLES = 4
    settings.TRIAGE_AUTO_PROMOTE = True
    suggest._loaded.clear()  # each process keeps the models it loaded; so would this one


def test_a_new_model_is_recorded_by_a_name_relative_to_the_state_directory(world, settings):
    row = training.train(TriageModel.Kind.ORGANIZATION)
    assert row is None  # no history yet: nothing is recorded either
    add_history(world)
    row = training.train(TriageModel.Kind.ORGANIZATION)
    assert re.fullmatch(r"triage/organization-v1-[0-9a-f]{8}\.joblib", row.file)
    assert (settings.STATE_DIR / row.file).is_file()
    assert live_model(TriageModel.Kind.ORGANIZATION) is not None


def test_a_restored_state_directory_serves_its_models_from_the_new_place(world, settings, tmp_path):
    add_history(world)
    row = training.train(TriageModel.Kind.ORGANIZATION)
    restored = tmp_path / "restored"
    (settings.STATE_DIR).rename(restored)
    settings.STATE_DIR = restored
    suggest._loaded.clear()  # as a fresh process on the new host
    assert training.model_file(row.file) == restored / row.file
    assert live_model(TriageModel.Kind.ORGANIZATION) is not None


def test_an_old_absolute_path_loads_where_it_is_or_else_from_this_state_directory(
    settings, tmp_path
):
    here = settings.STATE_DIR / "triage"
    here.mkdir(parents=True)
    (here / "category-v2.joblib").write_bytes(b"x")
    assert training.model_file(str(here / "category-v2.joblib")) == here / "category-v2.joblib"
    # Written on another host whose state directory was elsewhere:
    gone = "/srv/old-host/var/triage/category-v2.joblib"
    assert training.model_file(gone) == here / "category-v2.joblib"


@pytest.mark.django_db
def test_an_old_row_with_an_absolute_path_elsewhere_is_still_served(world, settings, tmp_path):
    add_history(world)
    row = training.train(TriageModel.Kind.ORGANIZATION)
    TriageModel.objects.filter(pk=row.pk).update(
        file=f"/srv/old-host/var/triage/{row.file.rsplit('/', 1)[-1]}"
    )
    assert live_model(TriageModel.Kind.ORGANIZATION) is not None
