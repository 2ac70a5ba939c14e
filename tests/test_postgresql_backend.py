"""The PostgreSQL backend's health check: skipped for a connection that just served."""

from __future__ import annotations

import time

import pytest
from django.db import DatabaseError, connection

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the PostgreSQL backend's own behaviour"
)


@pytest.fixture
def wrapper(db):
    """A second connection to the test database, persistent and health-checked, driven
    through the calls Django makes at the start and end of each request."""
    from aduan.lib.postgresql.base import DatabaseWrapper

    settings_dict = {**connection.settings_dict, "CONN_MAX_AGE": 60, "CONN_HEALTH_CHECKS": True}
    other = DatabaseWrapper(settings_dict, alias="health")
    other.health_check_after = 60  # "a moment ago" even on a slow, busy runner
    checks = []
    real = other.is_usable
    other.is_usable = lambda: checks.append(1) or real()
    other.checks = checks
    yield other
    other.close()


def _request(wrapper, sql="SELECT 42"):
    wrapper.close_if_unusable_or_obsolete()  # request_started
    with wrapper.cursor() as cursor:
        cursor.execute(sql)
    wrapper.close_if_unusable_or_obsolete()  # request_finished


def test_a_connection_that_served_a_moment_ago_is_not_checked(wrapper):
    _request(wrapper)  # connects: nothing to check yet
    _request(wrapper)
    _request(wrapper)
    assert wrapper.checks == []


def test_an_idle_connection_is_checked_before_it_serves_again(wrapper):
    _request(wrapper)
    wrapper.served_at = time.monotonic() - wrapper.health_check_after - 0.1
    _request(wrapper)
    assert wrapper.checks == [1]


def test_a_dropped_connection_is_replaced_after_the_idle_check(wrapper):
    _request(wrapper)
    with connection.cursor() as cursor:  # the database drops the other connection
        cursor.execute("SELECT pg_terminate_backend(%s)", [wrapper.connection.info.backend_pid])
    wrapper.served_at = time.monotonic() - wrapper.health_check_after - 0.1
    _request(wrapper)  # checked, found broken, reconnected: the request succeeds
    assert wrapper.checks == [1]


def test_a_connection_that_failed_is_checked(wrapper):
    _request(wrapper)
    wrapper.close_if_unusable_or_obsolete()
    with pytest.raises(DatabaseError), wrapper.cursor() as cursor:
        cursor.execute("SELECT * FROM no_such_table")
    wrapper.close_if_unusable_or_obsolete()  # the failed request ends: the check runs
    assert wrapper.checks == [1]
    _request(wrapper)
    assert wrapper.checks == [1]  # it passed a moment ago, so the next request is trusted
