"""Settings read from the environment: clear values or a clear error."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from aduan.lib.env import cache_config, env_bool, env_int


def test_an_empty_cache_address_keeps_the_cache_in_each_process():
    assert cache_config("")["BACKEND"].endswith("LocMemCache")


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/0", "rediss://cache.internal:6380/1"])
def test_a_redis_address_shares_the_cache_between_processes(url):
    assert cache_config(url) == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": url,
    }


def test_an_unknown_cache_address_is_refused_with_its_name():
    with pytest.raises(ImproperlyConfigured, match="ADUAN_CACHE_URL"):
        cache_config("memcached://127.0.0.1:11211")


def test_booleans_and_integers_are_read_or_refused(monkeypatch):
    monkeypatch.setenv("X_FLAG", "ya")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG must be a boolean"):
        env_bool("X_FLAG")
    monkeypatch.setenv("X_FLAG", "on")
    assert env_bool("X_FLAG") is True
    monkeypatch.setenv("X_COUNT", "tiga")
    with pytest.raises(ImproperlyConfigured, match="X_COUNT must be an integer"):
        env_int("X_COUNT", 3)
    monkeypatch.setenv("X_COUNT", "")
    assert env_int("X_COUNT", 3) == 3


def _database_settings(**env) -> dict:
    """The DATABASES setting a fresh process builds from `env`."""
    import json
    import os
    import subprocess
    import sys

    from django.conf import settings

    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.DATABASES['default'], default=str))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "aduan.settings", **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_postgresql_gets_the_projects_backend_and_keeps_the_urls_options():
    database = _database_settings(
        DATABASE_URL="postgres://aduan@db.internal:5432/aduan?sslmode=require",
        DATABASE_HEALTH_CHECK_AFTER="2.5",
        DATABASE_PREPARED_STATEMENTS="off",
    )
    assert database["ENGINE"] == "aduan.lib.postgresql"
    assert database["OPTIONS"] == {
        "sslmode": "require",
        "server_side_binding": True,
        "prepare_threshold": None,
        "health_check_after": 2.5,
    }
    assert database["CONN_HEALTH_CHECKS"] is True


def test_a_number_setting_is_read_or_refused(monkeypatch):
    from aduan.lib.env import env_float

    monkeypatch.setenv("X_SECONDS", "satu")
    with pytest.raises(ImproperlyConfigured, match="X_SECONDS must be a number"):
        env_float("X_SECONDS", 1.0)
    monkeypatch.setenv("X_SECONDS", "0.5")
    assert env_float("X_SECONDS", 1.0) == 0.5
