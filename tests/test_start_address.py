"""`manage.py start` on another port: links in messages follow it unless SITE_URL is set."""

from __future__ import annotations

import os

import pytest

from aduan.system.management.commands.start import Command


@pytest.fixture
def no_site_url(monkeypatch):
    monkeypatch.delenv("SITE_URL", raising=False)
    yield
    os.environ.pop("SITE_URL", None)


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        ("127.0.0.1", 8103, "http://127.0.0.1:8103"),
        ("0.0.0.0", 9000, "http://127.0.0.1:9000"),
        ("::1", 8000, "http://[::1]:8000"),
    ],
)
def test_links_point_at_the_port_the_server_was_started_on(
    settings, no_site_url, host, port, expected
):
    Command()._follow_address({"host": host, "port": port})
    assert settings.ADUAN_SITE_URL == settings.SITE_URL == expected
    assert os.environ["SITE_URL"] == expected  # what the worker and the scans inherit


def test_a_site_url_set_by_the_operator_is_kept(settings, monkeypatch):
    monkeypatch.setenv("SITE_URL", "https://aduan.example.go.id")
    settings.ADUAN_SITE_URL = "https://aduan.example.go.id"
    Command()._follow_address({"host": "127.0.0.1", "port": 8103})
    assert settings.ADUAN_SITE_URL == "https://aduan.example.go.id"
