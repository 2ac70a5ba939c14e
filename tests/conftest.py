import pytest

from tests.personas import build_world


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    from aduan.api.auth import forget_keys
    from aduan.deadlines import calendar

    cache.clear()
    forget_keys()
    calendar.forget()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
