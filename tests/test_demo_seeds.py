"""The demo command on an empty installation (tests/test_demo.py reads one demo built once)."""

from aduan.reports.models import Report
from tests.test_demo import seed


def test_accounts_only_prints_the_table_or_says_there_is_no_demo(db):
    assert "No demo accounts" in seed(accounts_only=True)
    seed(reports=20)
    table = seed(accounts_only=True)
    for email in ("admin.nasional", "pupr.banyumas", "bupati.banyumas", "pengawas.ombudsman"):
        assert f"{email}@demo.aduan.id" in table


def test_the_demo_builds_whichever_seed_it_is_given(db):
    # With seed 3 the report a duplicate story repeats was closed first.
    seed(seed=3)
    assert Report.objects.count() > 100
