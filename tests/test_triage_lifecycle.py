"""The suggestion models' lifecycle: a model file that cannot serve never breaks a page,
retrainings run one at a time, a version that cannot load is never made live and shows
in the health check, and old versions' files are removed."""

from __future__ import annotations

import datetime
import io
import json
import logging
import os
import pickle
import re
import time

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone, translation

from aduan.organizations.access import Access
from aduan.organizations.models import RoutingRule
from aduan.triage import suggest, training
from aduan.triage.models import Retraining, TriageModel
from aduan.triage.suggest import SOURCE_ROUTING_RULE, live_model, suggest_organizations
from aduan.triage.tasks import retrain_triage
from tests.test_health import _all_well
from tests.test_triage_suggest import (
    ROADS,
    add_history,
    dispatched,
    report_page,
    waiting_at_agency,
)

ORGANIZATION = TriageModel.Kind.ORGANIZATION


@pytest.fixture(autouse=True)
def _small_models(settings, tmp_path):
    settings.STATE_DIR = tmp_path / "state"
    settings.TRIAGE_MIN_SAMPLES = 4
    settings.TRIAGE_AUTO_PROMOTE = True
    suggest._loaded.clear()  # each process keeps the models it loaded; so would this one


def _flipped(data: bytes) -> bytes:
    middle = len(data) // 2
    return (
        data[:middle] + bytes(b ^ 0xFF for b in data[middle : middle + 100]) + data[middle + 100 :]
    )


def _pickle_of_a_class_that_no_longer_exists() -> bytes:
    """A pickle naming a class an older Aduan or scikit-learn had and this one has not."""
    return b"\x80\x02csklearn.removed_long_ago\nGone\n)\x81."


DAMAGE = {
    "flipped bytes": _flipped,
    "random bytes": lambda data: b"\x00garbage" * 100,
    "a class that no longer exists": lambda data: _pickle_of_a_class_that_no_longer_exists(),
    "a pickle of something else": lambda data: pickle.dumps({"not": "a model"}),
}


def _damage_live_file(how: str) -> None:
    row = TriageModel.objects.get(kind=ORGANIZATION, is_live=True)
    path = training.model_file(row.file)
    path.write_bytes(DAMAGE[how](path.read_bytes()))


@pytest.mark.parametrize("how", DAMAGE)
def test_a_damaged_live_model_leaves_the_routing_rules_to_suggest_and_the_page_working(
    world, client, how
):
    add_history(world)
    training.train(ORGANIZATION)
    RoutingRule.objects.create(category=world.potholes, organization=world.unit_a)
    report = waiting_at_agency(world)
    _damage_live_file(how)
    suggestions = suggest_organizations(report, Access.of(world.agency_admin))
    assert [(s.target, s.source) for s in suggestions] == [(world.unit_a, SOURCE_ROUTING_RULE)]
    assert report_page(client, world.national_admin, report).status_code == 200


def test_a_damaged_live_model_is_logged_once_and_read_again_once_its_file_is_restored(
    world, caplog
):
    add_history(world)
    row = training.train(ORGANIZATION)
    path = training.model_file(row.file)
    good = path.read_bytes()
    _damage_live_file("flipped bytes")
    with caplog.at_level(logging.ERROR, logger="aduan.triage.suggest"):
        assert live_model(ORGANIZATION) is None
        assert live_model(ORGANIZATION) is None
    assert len([r for r in caplog.records if "cannot serve" in r.getMessage()]) == 1
    path.write_bytes(good)
    assert live_model(ORGANIZATION) is not None


def test_a_model_that_fails_on_a_report_leaves_the_routing_rules_to_suggest(world, monkeypatch):
    add_history(world)
    training.train(ORGANIZATION)
    RoutingRule.objects.create(category=world.potholes, organization=world.unit_a)
    model = live_model(ORGANIZATION)

    def broken(matrix):
        raise ValueError("X has 3 features, but the model expects 5")

    monkeypatch.setattr(model, "predict_proba_matrix", broken)
    suggestions = suggest_organizations(waiting_at_agency(world), Access.of(world.agency_admin))
    assert [(s.target, s.source) for s in suggestions] == [(world.unit_a, SOURCE_ROUTING_RULE)]


def test_a_retraining_started_while_another_runs_is_refused_however_it_is_started(
    world, monkeypatch
):
    add_history(world)
    learn = training._learn
    refused = []

    def learn_while_others_start(kind, history, step=None):
        with pytest.raises(training.RetrainingRunning):
            training.train(kind)
        with pytest.raises(CommandError, match="already running since"):
            call_command("retrain_triage", "--kind", kind, stdout=io.StringIO())
        with pytest.raises(CommandError, match="already queued or running since"):
            call_command("retrain_triage", "--background", stdout=io.StringIO())
        refused.append(retrain_triage.call([kind]))
        return learn(kind, history)

    monkeypatch.setattr(training, "_learn", learn_while_others_start)
    row = training.train(ORGANIZATION)
    assert (row.version, refused) == (1, [[]])
    assert TriageModel.objects.count() == 1
    monkeypatch.setattr(training, "_learn", learn)
    assert training.train(ORGANIZATION).version == 2  # the first one is done


def test_a_retraining_taken_for_dead_that_still_finishes_records_nothing_and_says_so(
    world, monkeypatch, settings, caplog
):
    add_history(world)
    learn = training._learn
    inner = []

    def learn_while_taken_for_dead(kind, history, step=None):
        # Silent for ten minutes (stuck, or its host cut off), this one is taken for dead
        # by another process, which retrains.
        monkeypatch.setattr(training, "_learn", learn)
        silent = timezone.now() - datetime.timedelta(minutes=10)
        Retraining.objects.filter(kind=kind).update(alive_at=silent)
        inner.append(training.train(kind))
        return learn(kind, history)  # no sign of life until it writes its model

    monkeypatch.setattr(training, "_learn", learn_while_taken_for_dead)
    out = io.StringIO()
    with caplog.at_level(logging.WARNING, logger="aduan.triage.training"):
        outer = training.train(ORGANIZATION, stdout=out)
    assert (outer, inner[0].version, _live_version()) == (None, 1, 1)
    assert list(TriageModel.objects.values_list("version", flat=True)) == [1]
    assert "organization: stopped: the retraining was taken over by the one" in out.getvalue()
    assert any("stopped: taken over" in r.getMessage() for r in caplog.records)
    assert re.fullmatch(r"triage/organization-v1-[0-9a-f]{8}\.joblib", inner[0].file)
    assert [p.name for p in training.model_dir().iterdir() if p.name.startswith(".")] == []


def test_a_retraining_taken_over_with_force_stops_at_its_next_sign_of_life(world, monkeypatch):
    add_history(world)
    history, learn = training.HISTORIES[ORGANIZATION], training._learn
    forced, learnt = [], []

    def history_while_an_operator_forces():
        # `retrain_triage --force` while this one loads its history.
        monkeypatch.setitem(training.HISTORIES, ORGANIZATION, history)
        forced.append(training.train(ORGANIZATION, force=True))
        return history()

    def counted_learn(kind, history, step=None):
        learnt.append(kind)
        return learn(kind, history, step=step)

    monkeypatch.setitem(training.HISTORIES, ORGANIZATION, history_while_an_operator_forces)
    monkeypatch.setattr(training, "_learn", counted_learn)
    out = io.StringIO()
    assert training.train(ORGANIZATION, stdout=out) is None
    assert (forced[0].version, _live_version(), TriageModel.objects.count()) == (1, 1, 1)
    assert learnt == [ORGANIZATION]  # only the run that took over learnt
    assert "organization: stopped: the retraining was taken over" in out.getvalue()
    assert Retraining.objects.get(kind=ORGANIZATION).running_since is None


def test_a_retraining_taken_over_while_writing_its_model_does_not_make_it_live(world, monkeypatch):
    add_history(world)
    training.train(ORGANIZATION)
    replace = os.replace

    def replace_then_taken_over(source, target):
        replace(source, target)
        other = {"running_since": timezone.now(), "host": "web-2", "pid": 4802}
        Retraining.objects.filter(kind=ORGANIZATION).update(**other)

    monkeypatch.setattr(training.os, "replace", replace_then_taken_over)
    out = io.StringIO()
    assert training.train(ORGANIZATION, stdout=out) is None
    assert _live_version() == 1
    assert "organization: stopped, v2 recorded but not made live" in out.getvalue()


def _killed_retraining(kind: str = ORGANIZATION) -> Retraining:
    """A retraining that claimed its kind and was then killed outright (kill -9, the
    out-of-memory killer): its claim is never cleared."""
    training._claim(kind, force=False)
    return Retraining.objects.get(kind=kind)


def test_a_killed_retraining_is_taken_over_once_it_has_been_silent_for_a_few_minutes(
    world, settings
):
    settings.TRIAGE_RETRAIN_STALE_SECONDS = 300
    add_history(world)
    killed = _killed_retraining()
    with pytest.raises(CommandError, match=f"on {killed.host}, process {killed.pid}.*--force"):
        call_command("retrain_triage", "--kind", ORGANIZATION, stdout=io.StringIO())
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=6)):
        out = io.StringIO()
        call_command("retrain_triage", "--kind", ORGANIZATION, stdout=out)
    assert f"taking over the retraining since {training._local_time(killed.running_since)}" in (
        out.getvalue()
    )
    assert f"on {killed.host}, process {killed.pid}" in out.getvalue()
    assert _live_version() == 1
    assert Retraining.objects.get(kind=ORGANIZATION).running_since is None


def test_the_other_kind_and_the_queue_are_held_back_only_while_the_killed_one_seems_alive(
    world, settings
):
    settings.TRIAGE_RETRAIN_STALE_SECONDS = 300
    _killed_retraining()
    with pytest.raises(CommandError, match="already queued or running since"):
        call_command("retrain_triage", "--background", stdout=io.StringIO())
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=6)):
        assert training.running_retrainings(timezone.now()) == []
        out = io.StringIO()
        call_command("retrain_triage", "--background", "--kind", "category", stdout=out)
    assert out.getvalue() == "Enqueued: category.\n"


def test_the_command_with_force_takes_over_a_retraining_at_once_and_says_which(world):
    add_history(world)
    killed = _killed_retraining()
    out = io.StringIO()
    call_command("retrain_triage", "--kind", ORGANIZATION, "--force", stdout=out)
    said = out.getvalue().splitlines()[0]
    assert said == f"organization: taking over the retraining {training.describe(killed)}."
    assert _live_version() == 1


def test_a_long_retraining_that_shows_signs_of_life_is_never_taken_over(
    world, settings, monkeypatch
):
    settings.TRIAGE_RETRAIN_STALE_SECONDS = 300
    add_history(world)
    learn = training._learn
    refused = []

    def slow_learn(kind, history, step=None):
        with time_machine.travel(timezone.now(), tick=False) as clock:
            for _stage in range(3):  # each stage of a large history takes four minutes
                clock.shift(datetime.timedelta(minutes=4))
                step()
            with pytest.raises(training.RetrainingRunning) as running:
                training.train(kind)
            refused.append(running.value.claim.pid)
        return learn(kind, history, step=step)

    monkeypatch.setattr(training, "_learn", slow_learn)
    assert training.train(ORGANIZATION).version == 1
    assert refused == [os.getpid()]


def test_the_models_page_says_which_retraining_runs_where_rather_than_that_one_is_queued(
    client, world, settings
):
    settings.TRIAGE_RETRAIN_STALE_SECONDS = 300
    killed = _killed_retraining()
    client.force_login(world.national_admin)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("workspace:triage")).content.decode()
    assert 'data-retrain="queued"' not in html and "Retrain now" not in html
    running = re.search(r'data-retrain="running" data-kind="organization">([^<]*)<', html)
    assert re.fullmatch(
        rf"A retraining of organization has been running since .+ \({killed.host}, process "
        rf"{killed.pid}\); its last sign of life was at \d\d:\d\d:\d\d\.",
        running.group(1).strip(),
    )
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=6)):
        html = client.get(reverse("workspace:triage")).content.decode()
    assert 'data-retrain="running"' not in html and "Retrain now" in html


def test_a_first_retraining_that_found_too_few_labels_waits_until_enough_could_have_come(
    world, settings
):
    settings.TRIAGE_MIN_SAMPLES = 16
    add_history(world)  # 12 reports, each dispatched to its agency, then to a unit
    now = timezone.now()
    assert ORGANIZATION in training.due_kinds(now)
    assert training.train(ORGANIZATION) is None  # 24 dispatches but 12 labels
    assert ORGANIZATION not in training.due_kinds(now)
    dispatched(world, *ROADS[0], world.unit_a)
    assert ORGANIZATION not in training.due_kinds(timezone.now())  # 13 labels at most
    dispatched(world, *ROADS[1], world.unit_a)
    assert ORGANIZATION in training.due_kinds(timezone.now())


@pytest.fixture
def two_versions_the_first_gone(world):
    add_history(world)
    first = training.train(ORGANIZATION)
    second = training.train(ORGANIZATION)
    training.model_file(first.file).unlink()  # or a host whose state directory is not shared
    return first, second


def _live_version() -> int:
    return TriageModel.objects.get(kind=ORGANIZATION, is_live=True).version


def test_switching_to_a_version_whose_file_is_missing_is_refused_by_the_command(
    two_versions_the_first_gone,
):
    first, _second = two_versions_the_first_gone
    with translation.override("en"), pytest.raises(CommandError) as refused:
        call_command("retrain_triage", "--make-live", "organization", "1")
    assert str(refused.value) == (
        f"organization v1 cannot be made live: the file {first.file} is missing."
    )
    assert _live_version() == 2


def test_the_command_speaks_english_in_an_indonesian_installation(world):
    add_history(world)
    out = io.StringIO()
    with translation.override("id"):
        for _run in range(2):
            call_command("retrain_triage", "--kind", ORGANIZATION, stdout=out)
        call_command("retrain_triage", "--make-live", "organization", "1", stdout=out)
        call_command("retrain_triage", "--list", stdout=out)
    said = [line for line in out.getvalue().splitlines() if not line.startswith("organization:")]
    assert said[0].startswith("organization v1 (live): ")
    assert said[1].startswith("organization v2 (live): ")
    assert said[2] == "organization v1 is live."
    assert [line.split()[:3] for line in said[3:]] == [
        ["organization", "v2", said[3].split()[2]],  # its training date
        ["organization", "v1", "live"],
    ]
    assert "instansi" not in out.getvalue()


def test_a_refusal_of_the_command_is_in_english_in_an_indonesian_installation(
    two_versions_the_first_gone,
):
    first, _second = two_versions_the_first_gone
    with translation.override("id"), pytest.raises(CommandError) as refused:
        call_command("retrain_triage", "--make-live", "organization", "1")
    assert str(refused.value) == (
        f"organization v1 cannot be made live: the file {first.file} is missing."
    )


def test_the_list_says_when_there_is_no_model_yet(db):
    out = io.StringIO()
    call_command("retrain_triage", "--list", stdout=out)
    assert out.getvalue().startswith("No suggestion model yet: the routing rules suggest")


def test_switching_to_a_version_whose_file_does_not_load_is_refused_on_the_page(
    client, world, two_versions_the_first_gone
):
    first, _second = two_versions_the_first_gone
    training.model_file(first.file).write_bytes(b"\x00garbage" * 100)
    client.force_login(world.national_admin)
    client.cookies["django_language"] = "en"
    response = client.post(reverse("workspace:triage_make_live", args=[first.pk]), follow=True)
    assert "organization v1 cannot be made live: the file" in response.content.decode()
    assert _live_version() == 2


def test_switching_to_a_version_whose_file_is_missing_is_refused_in_the_django_admin(
    client, two_versions_the_first_gone, django_user_model
):
    first, _second = two_versions_the_first_gone
    client.force_login(django_user_model.objects.create_superuser("root@example.id", "pw"))
    client.cookies["django_language"] = "en"
    response = client.post(
        reverse("admin:triage_triagemodel_changelist"),
        {"action": "make_live", "_selected_action": [first.pk]},
        follow=True,
    )
    assert "cannot be made live" in response.content.decode()
    assert _live_version() == 2


def test_the_health_check_says_when_the_live_model_cannot_be_read_on_this_host(world, client):
    _all_well()
    add_history(world)
    row = training.train(ORGANIZATION)
    everything = client.get(reverse("healthz"), {"check": "all"})
    assert everything.status_code == 200
    assert everything.json()["triage"] == {
        "status": "up",
        "organization": {"status": "up", "live": 1},
        "category": {"status": "up", "live": None},
    }
    training.model_file(row.file).unlink()
    suggest._loaded.clear()  # another web host, or this one restarted
    everything = client.get(reverse("healthz"), {"check": "all"})
    assert everything.status_code == 503 and everything.json()["status"] == "degraded"
    organization = everything.json()["triage"]["organization"]
    assert (organization["status"], organization["live"], organization["problem"]) == (
        "down",
        1,
        "missing",
    )


@pytest.mark.parametrize(
    "how, problem, error",
    [
        ("missing", "missing", "FileNotFoundError"),
        ("random bytes", "unreadable", "KeyError"),
        ("flipped bytes", "unreadable", "zlib.error"),
    ],
)
def test_the_public_health_check_names_the_kind_of_problem_but_never_the_file_or_message(
    world, client, settings, how, problem, error
):
    _all_well()
    add_history(world)
    row = training.train(ORGANIZATION)
    path = training.model_file(row.file)
    if how == "missing":
        path.unlink()
    else:
        _damage_live_file(how)
    suggest._loaded.clear()  # another web host, or this one restarted
    body = client.get(reverse("healthz"), {"check": "all"}).content.decode()
    organization = json.loads(body)["triage"]["organization"]
    assert organization == {"status": "down", "live": 1, "problem": problem, "error": error}
    assert "joblib" not in body and str(settings.STATE_DIR) not in body


def test_deleting_a_version_deletes_its_file(world, django_capture_on_commit_callbacks):
    add_history(world)
    first = training.train(ORGANIZATION)
    training.train(ORGANIZATION)
    with django_capture_on_commit_callbacks(execute=True):
        first.delete()
    assert not training.model_file(first.file).exists()


def test_a_retraining_keeps_the_newest_versions_the_live_one_and_the_one_before_it(
    world, settings, django_capture_on_commit_callbacks
):
    settings.TRIAGE_KEEP_VERSIONS = 3
    add_history(world)
    with django_capture_on_commit_callbacks(execute=True):
        rows = [training.train(ORGANIZATION) for _ in range(3)]
        call_command("retrain_triage", "--make-live", "organization", "2", stdout=io.StringIO())
        settings.TRIAGE_AUTO_PROMOTE = False
        rows += [training.train(ORGANIZATION) for _ in range(3)]
    kept = TriageModel.objects.filter(kind=ORGANIZATION).values_list("version", flat=True)
    assert sorted(kept) == [1, 2, 4, 5, 6]
    for row in rows:
        assert training.model_file(row.file).exists() == (row.version in kept)
    assert _live_version() == 2


def test_making_live_a_version_that_a_retraining_prunes_meanwhile_is_refused_on_the_page(
    client, world, settings, monkeypatch
):
    add_history(world)
    oldest = training.train(ORGANIZATION)
    training.train(ORGANIZATION)
    check_loads = TriageModel.check_loads

    def check_while_the_worker_retrains(row):
        # The page loads the chosen file (seconds for a real model); meanwhile the
        # worker's retraining finishes, makes its own version live and prunes the oldest.
        check_loads(row)
        settings.TRIAGE_KEEP_VERSIONS = 1
        training.train(ORGANIZATION)

    monkeypatch.setattr(TriageModel, "check_loads", check_while_the_worker_retrains)
    client.force_login(world.national_admin)
    client.cookies["django_language"] = "en"
    url = reverse("workspace:triage_make_live", args=[oldest.pk])
    html = client.post(url, follow=True).content.decode()
    assert "organization v1 cannot be made live: it has been deleted meanwhile" in html
    assert "is live: suggestions come from it" not in html
    assert _live_version() == 3
    assert live_model(ORGANIZATION) is not None


def test_the_models_page_says_when_the_live_version_cannot_be_used(client, world):
    add_history(world)
    row = training.train(ORGANIZATION)
    client.force_login(world.national_admin)
    client.cookies["django_language"] = "en"
    assert "data-unusable" not in client.get(reverse("workspace:triage")).content.decode()
    training.model_file(row.file).unlink()
    suggest._loaded.clear()  # another web host, or this one restarted
    html = client.get(reverse("workspace:triage")).content.decode()
    assert "data-unusable" in html and f"the file {row.file} is missing" in html


def test_a_retraining_removes_the_half_written_files_of_retrainings_that_died(world):
    add_history(world)
    training.train(ORGANIZATION)
    abandoned = training.model_dir() / ".organization-0badf00d.part"
    abandoned.write_bytes(b"half a model")
    recent = training.model_dir() / ".organization-00c0ffee.part"
    recent.write_bytes(b"still being written")
    two_hours_ago = time.time() - 7200
    os.utime(abandoned, (two_hours_ago, two_hours_ago))
    training.train(ORGANIZATION)
    assert not abandoned.exists() and recent.exists()


def test_force_will_not_take_over_a_run_whose_process_is_alive_on_this_host(world):
    import socket
    import subprocess

    add_history(world)
    # Another process of this host, alive (this one's parent), holds the kind.
    alive = {"host": socket.gethostname()[:255], "pid": os.getppid()}
    training._claim(ORGANIZATION, force=False)
    Retraining.objects.filter(kind=ORGANIZATION).update(**alive)

    with pytest.raises(CommandError, match="that process is alive on this host"):
        call_command("retrain_triage", "--kind", ORGANIZATION, "--force", stdout=io.StringIO())
    assert TriageModel.objects.count() == 0

    # Once that process is gone (a finished one's pid), --force takes over.
    finished = subprocess.Popen(["true"])
    finished.wait()
    Retraining.objects.filter(kind=ORGANIZATION).update(pid=finished.pid)
    out = io.StringIO()
    call_command("retrain_triage", "--kind", ORGANIZATION, "--force", stdout=out)
    assert "taking over the retraining" in out.getvalue()
    assert TriageModel.objects.count() == 1


def test_a_retraining_that_read_words_an_erasure_took_back_is_followed_by_another(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    from aduan.accounts.erasure import erase_account
    from tests.personas import submit

    add_history(world)
    submit(world, reporter=world.citizen, body="Saya Siti Warga, jalan di depan rumah rusak.")
    learn = training._learn
    queued = DBTaskResult.objects.filter(task_path="aduan.triage.tasks.retrain_triage")

    def learn_while_the_reporter_is_erased(kind, history, step=None):
        # This run read the history before the erasure: its model holds the old words.
        with django_capture_on_commit_callbacks(execute=True):
            erase_account(world.citizen)
        assert not queued.exists()  # not a second run beside this one
        return learn(kind, history)

    assert training.train(ORGANIZATION).is_live  # a live model: an erasure retrains it
    monkeypatch.setattr(training, "_learn", learn_while_the_reporter_is_erased)
    with django_capture_on_commit_callbacks(execute=True):
        assert training.train(ORGANIZATION).version == 2

    assert [task.args_kwargs["args"] for task in queued] == [[[ORGANIZATION]]]


def test_an_erasure_queues_the_live_kinds_not_running_and_marks_the_running_one(
    world, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    add_history(world)
    assert training.train(ORGANIZATION).is_live
    now = timezone.now()
    # The category model retrains meanwhile (it would be live too once it ends).
    Retraining.objects.update_or_create(
        kind=TriageModel.Kind.CATEGORY,
        defaults={"running_since": now, "alive_at": now, "host": "web-2", "pid": 4242},
    )

    with django_capture_on_commit_callbacks(execute=True):
        training.words_changed()

    queued = DBTaskResult.objects.filter(task_path="aduan.triage.tasks.retrain_triage")
    assert [task.args_kwargs["args"] for task in queued] == [[[ORGANIZATION]]]
    claims = dict(Retraining.objects.values_list("kind", "words_changed_at"))
    assert claims[TriageModel.Kind.CATEGORY] >= now
    assert claims.get(ORGANIZATION) is None

    # Asked again while that task waits, nothing more is queued.
    with django_capture_on_commit_callbacks(execute=True):
        training.words_changed()
    assert queued.count() == 1


def test_a_retraining_with_no_erasure_meanwhile_is_not_repeated(
    world, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    add_history(world)

    with django_capture_on_commit_callbacks(execute=True):
        assert training.train(ORGANIZATION).version == 1

    assert not DBTaskResult.objects.filter(task_path="aduan.triage.tasks.retrain_triage").exists()


def _erased_while_learning(world, monkeypatch, django_capture_on_commit_callbacks) -> None:
    """From now on, a retraining's learning step runs while an account with a report is
    erased: the run read the history, and its model, before the erasure."""
    from aduan.accounts.erasure import erase_account
    from tests.personas import submit

    submit(world, reporter=world.citizen, body="Saya Siti Warga, jalan di depan rumah rusak.")
    learn = training._learn

    def learn_while_the_reporter_is_erased(kind, history, step=None):
        with django_capture_on_commit_callbacks(execute=True):
            erase_account(world.citizen)
        return learn(kind, history)

    monkeypatch.setattr(training, "_learn", learn_while_the_reporter_is_erased)


def test_the_retraining_after_an_erasure_is_queued_while_another_kind_retrains(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    add_history(world)
    assert training.train(ORGANIZATION).is_live
    now = timezone.now()
    # The category model retrains on another host all the while.
    Retraining.objects.update_or_create(
        kind=TriageModel.Kind.CATEGORY,
        defaults={"running_since": now, "alive_at": now, "host": "web-2", "pid": 4242},
    )
    _erased_while_learning(world, monkeypatch, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        assert training.train(ORGANIZATION).version == 2

    queued = DBTaskResult.objects.filter(task_path="aduan.triage.tasks.retrain_triage")
    assert [task.args_kwargs["args"] for task in queued] == [[[ORGANIZATION]]]


def test_the_retraining_after_an_erasure_is_queued_while_another_kind_waits_in_the_queue(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    add_history(world)
    assert training.train(ORGANIZATION).is_live
    with django_capture_on_commit_callbacks(execute=True):
        assert training.enqueue_retraining([TriageModel.Kind.CATEGORY], timezone.now())
    _erased_while_learning(world, monkeypatch, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        assert training.train(ORGANIZATION).version == 2

    queued = DBTaskResult.objects.filter(task_path="aduan.triage.tasks.retrain_triage")
    args = [task.args_kwargs["args"] for task in queued.order_by("enqueued_at")]
    assert args == [[[TriageModel.Kind.CATEGORY]], [[ORGANIZATION]]]


def test_a_retraining_that_starts_before_the_erasure_commits_is_marked_not_queued_beside(
    world, django_capture_on_commit_callbacks
):
    # It reads the words the erasure has not yet committed the masking of; a task queued
    # for its kind would find it running and be dropped.
    from django_tasks_db.models import DBTaskResult

    from aduan.accounts.erasure import erase_account
    from tests.personas import submit

    add_history(world)
    submit(world, reporter=world.citizen, body="Saya Siti Warga, jalan di depan rumah rusak.")
    assert training.train(ORGANIZATION).is_live

    with django_capture_on_commit_callbacks(execute=True):  # the erasure's transaction
        erase_account(world.citizen)
        started = timezone.now()
        Retraining.objects.filter(kind=ORGANIZATION).update(
            running_since=started, alive_at=started, host="web-2", pid=4242
        )

    assert Retraining.objects.get(kind=ORGANIZATION).words_changed_at >= started
    queued = DBTaskResult.objects.filter(task_path="aduan.triage.tasks.retrain_triage")
    assert not queued.exists()
