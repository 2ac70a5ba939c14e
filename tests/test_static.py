"""Static files: in production, fingerprinted and compressed copies from STATIC_ROOT with
a cache lifetime of years; a checkout's tests keep working without collectstatic."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage

from aduan.system.checks import check_static_files_collected

PROBE = """
import json, re
from django.test import Client
client = Client()
page = client.get("/peta/").content.decode()
script = re.search(r'<script src="(/static/aduan/map[^"]*)"', page).group(1)
hashed = client.get(script, headers={"accept-encoding": "gzip"})
plain = client.get("/static/aduan/map.js")
print(json.dumps({
    "script": script,
    "hashed": [hashed.status_code, hashed["Cache-Control"], hashed.get("Content-Encoding")],
    "plain": [plain.status_code, plain["Cache-Control"]],
}))
"""


def test_without_collectstatic_pages_link_to_the_plain_names():
    assert not settings.DEBUG
    assert staticfiles_storage.url("aduan/map.js") == "/static/aduan/map.js"
    [warning] = check_static_files_collected(None)
    assert warning.id == "aduan.W003" and "collectstatic" in warning.hint


@pytest.mark.own_database
def test_collected_files_are_fingerprinted_compressed_and_cached_for_years(tmp_path):
    env = {
        **os.environ,
        "ADUAN_STATE_DIR": str(tmp_path),
        "DATABASE_URL": "",  # a SQLite file of its own in tmp_path, whatever the suite uses
        "ALLOWED_HOSTS": "testserver",
    }
    env.pop("DEBUG", None)
    run = {"cwd": settings.BASE_DIR, "env": env, "capture_output": True, "text": True}
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], check=True, timeout=300, **run)
    subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], check=True, timeout=300, **run)
    assert (tmp_path / "static" / "staticfiles.json").is_file()

    result = subprocess.run([*manage, "shell", "-c", PROBE], check=True, timeout=120, **run)
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["script"] != "/static/aduan/map.js"
    assert found["script"].startswith("/static/aduan/map.") and found["script"].endswith(".js")
    status, cache_control, encoding = found["hashed"]
    assert status == 200 and "immutable" in cache_control
    assert "max-age=315360000" in cache_control
    assert encoding == "gzip"
    assert found["plain"][0] == 200 and "max-age=60" in found["plain"][1]

    check = subprocess.run([*manage, "check", "--deploy"], timeout=120, **run)
    assert "aduan.W003" not in check.stderr + check.stdout

    # An upgrade that adds a file but forgot collectstatic: a plain link, not a 500.
    manifest = tmp_path / "static" / "staticfiles.json"
    collected = json.loads(manifest.read_text())
    del collected["paths"]["aduan/map.js"]
    manifest.write_text(json.dumps(collected))
    result = subprocess.run([*manage, "shell", "-c", PROBE], check=True, timeout=120, **run)
    assert json.loads(result.stdout.strip().splitlines()[-1])["script"] == "/static/aduan/map.js"
