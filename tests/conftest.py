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
    from aduan.system import health

    cache.clear()
    forget_keys()
    calendar.forget()
    health.forget_storage_state()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()  # as an installation has it (the health check makes none)


@pytest.fixture(autouse=True)
def _officers_never_idle(settings):
    # Tests travel days ahead between pages; tests/test_idle_sessions.py turns it on.
    settings.ADUAN_STAFF_IDLE_MINUTES = 0


@pytest.fixture(autouse=True)
def _changes_feed_without_lag(settings):
    # Tests read the changes feed right after writing (tests/test_api.py covers the lag).
    settings.ADUAN_CHANGES_LAG_SECONDS = 0


@pytest.fixture
def client_for(client):
    """A test client signed in as the given user, speaking English."""

    def sign_in(user):
        client.force_login(user)
        client.cookies["django_language"] = "en"
        return client

    return sign_in


@pytest.fixture
def receiver(monkeypatch):
    """Outbound HTTP answered by a fake connected system (`tests.test_webhooks.Receiver`),
    at the one choke point every adapter sends through."""
    from aduan.lib import http
    from tests.test_webhooks import Receiver

    fake = Receiver()
    monkeypatch.setattr(http, "transport", fake)
    return fake


@pytest.fixture
def uplink(world):
    """A connected national system this installation forwards reports to."""
    from aduan.webhooks.models import Uplink, new_signing_secret

    return Uplink.objects.create(
        slug="nasional",
        name="SP4N-LAPOR! Nasional",
        organization=world.agency,
        base_url="https://lapor.example.go.id/",
        api_key="adn_remote-key",
        webhook_secret=new_signing_secret(),
    )
