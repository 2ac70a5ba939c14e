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
