"""Static files in production: fingerprinted, compressed copies from STATIC_ROOT.

`manage.py collectstatic` writes each file under a name carrying a hash of its content
(app.3f2a9c.css), with gzip copies (and Brotli ones where the brotli package is
installed), and a manifest mapping the names; pages then link to the fingerprinted
names, which WhiteNoise serves with a cache lifetime of years because a changed file
gets a new name.
"""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage


class CollectedStaticFilesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's manifest storage that links to the plain names while no manifest
    exists: a checkout's test suite renders pages without ever running collectstatic,
    and the test server serves the source files by those names. A production host that
    skipped collectstatic is caught by `manage.py check --deploy` (aduan.W003).

    A file added by an upgrade whose collectstatic was forgotten is linked by its plain
    name too: one missing picture, not an error on every page. (No warning is logged:
    WhiteNoise asks for names that do not exist to tell fingerprinted files apart.)"""

    def stored_name(self, name: str) -> str:
        if not self.hashed_files:
            return name
        try:
            return super().stored_name(name)
        except ValueError:
            return name

    def has_manifest(self) -> bool:
        return bool(self.hashed_files)
