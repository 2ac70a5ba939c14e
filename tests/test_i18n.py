"""The Indonesian catalogue: complete, compiled, and used by default.

Indonesian is the site's default language and English the second one. The catalogue
lives in aduan/locale/id/LC_MESSAGES/django.po; the compiled django.mo is committed with
it so that no gettext tools are needed at run time. After changing a user-facing string:

    python manage.py makemessages -l id --ignore=.venv --ignore=tests --ignore=var
    (translate the new entries in the .po)
    python manage.py compilemessages -l id --ignore=.venv
"""

from __future__ import annotations

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

from aduan.reports.models import Status

LOCALE_DIR = Path(settings.BASE_DIR) / "aduan" / "locale"
PO_PATH = LOCALE_DIR / "id" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")
SOURCE_DIR = Path(settings.BASE_DIR) / "aduan"


# --- A small .po reader (no dependencies) ----------------------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False
    line: int = 0

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and self.msgctxt is None


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), f"not a quoted string: {text!r}"
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text[1:-1])


def _store(entry: Entry, key: tuple[str, int], text: str, *, append: bool) -> None:
    name, index = key
    if name == "msgstr":
        entry.msgstr[index] = entry.msgstr.get(index, "") + text if append else text
    else:
        setattr(entry, name, (getattr(entry, name) or "") + text if append else text)


def parse_po(path: Path) -> list[Entry]:
    entries: list[Entry] = []
    entry = Entry()
    key: tuple[str, int] | None = None

    def finish() -> None:
        nonlocal entry, key
        if key is not None and not entry.obsolete:
            entries.append(entry)
        entry, key = Entry(), None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if line.startswith("#~"):
            entry.obsolete = True
            continue
        if not line:
            finish()
            continue
        if line.startswith("#,"):
            if key is not None:
                finish()
            entry.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            continue
        if line.startswith("#"):
            if key is not None:
                finish()
            continue
        match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(\".*\")$", line)
        if match:
            name, index, value = match.groups()
            if name in ("msgctxt", "msgid") and key is not None and key[0].startswith("msgstr"):
                finish()
            if not entry.line:
                entry.line = number
            key = (name, int(index or 0))
            text = _unquote(value)
        else:
            assert key is not None, f"{path}:{number}: unexpected line {raw!r}"
            text = _unquote(line)  # continuation of the previous string
        _store(entry, key, text, append=not match)
    finish()
    return entries


def _where(entry: Entry) -> str:
    return f"{PO_PATH.name}:{entry.line} {entry.msgid!r}"


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    assert PO_PATH.exists(), f"missing {PO_PATH}"
    return parse_po(PO_PATH)


@pytest.fixture(scope="module")
def messages(entries) -> list[Entry]:
    return [e for e in entries if not e.is_header]


# --- (a) The catalogue is complete ------------------------------------------------------


def test_the_header_declares_indonesian_utf8_and_one_plural_form(entries):
    headers = [e for e in entries if e.is_header]
    assert len(headers) == 1
    header = headers[0].msgstr[0]
    assert "Language: id\n" in header
    assert "charset=UTF-8" in header
    assert "Plural-Forms: nplurals=1; plural=0;" in header
    assert "fuzzy" not in headers[0].flags


def test_every_entry_is_translated_and_none_is_fuzzy(messages):
    assert len(messages) > 300  # the parser really read the catalogue
    fuzzy = [_where(e) for e in messages if "fuzzy" in e.flags]
    empty = [_where(e) for e in messages if not e.msgstr or not all(e.msgstr.values())]
    assert not fuzzy, f"fuzzy entries: {fuzzy}"
    assert not empty, f"untranslated entries: {empty}"


def test_plural_entries_have_the_one_indonesian_form(messages):
    plurals = [e for e in messages if e.msgid_plural is not None]
    assert plurals
    for entry in plurals:
        assert set(entry.msgstr) == {0}, _where(entry)


PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|\{\w+\}")


@pytest.mark.parametrize("part", ["msgid", "msgid_plural"])
def test_translations_keep_every_placeholder(messages, part):
    for entry in messages:
        source = getattr(entry, part)
        if source is None:
            continue
        wanted = sorted(PLACEHOLDER.findall(source))
        for text in entry.msgstr.values():
            assert sorted(PLACEHOLDER.findall(text)) == wanted, _where(entry)


def _python_msgids() -> set[str]:
    """Literal msgids of gettext calls in the project's Python code."""
    names = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy"}
    found = set()
    for path in SOURCE_DIR.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in names
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    return found


TRANSLATE_TAG = re.compile(r"""\{%\s*(?:translate|trans)\s+(?:"([^"]*)"|'([^']*)')""")


def _template_msgids() -> set[str]:
    found = set()
    for path in SOURCE_DIR.rglob("*.html"):
        for double, single in TRANSLATE_TAG.findall(path.read_text(encoding="utf-8")):
            found.add(double or single)
    return found


def test_the_catalogue_covers_the_strings_in_the_code(messages):
    """A string added to the code without re-running makemessages is caught here."""
    known = {e.msgid for e in messages}
    in_code = _python_msgids() | _template_msgids()
    assert len(in_code) > 300
    missing = sorted(in_code - known)
    assert not missing, f"run makemessages and translate: {missing}"


# --- (b) The compiled catalogue matches the .po -----------------------------------------


def test_the_compiled_catalogue_matches_the_po(messages):
    assert MO_PATH.exists(), f"missing {MO_PATH}: run compilemessages"
    with MO_PATH.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in messages:
        if entry.msgid_plural is not None:
            got = compiled.ngettext(entry.msgid, entry.msgid_plural, 1)
        elif entry.msgctxt is not None:
            got = compiled.pgettext(entry.msgctxt, entry.msgid)
        else:
            got = compiled.gettext(entry.msgid)
        if got != entry.msgstr[0]:
            stale.append(entry.msgid)
    assert not stale, f"django.mo is older than django.po; run compilemessages: {stale}"


# --- (c) Indonesian by default, English on request --------------------------------------


def english() -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    return client


def _html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_home_page_is_indonesian_by_default():
    html = _html(Client().get(reverse("portal:home")))
    assert '<html lang="id">' in html
    for text in ("Lapor", "Lacak", "Laporan publik", "Laporkan masalah pelayanan publik"):
        assert text in html
    assert "Track your report" not in html
    assert "Lacak laporan Anda" in html


@pytest.mark.django_db
def test_a_browser_asking_for_english_still_gets_indonesian_until_the_visitor_switches():
    client = Client(headers={"accept-language": "en-US,en;q=0.9"})
    assert '<html lang="id">' in _html(client.get(reverse("portal:home")))
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert '<html lang="en">' in _html(client.get(reverse("portal:home")))


@pytest.mark.django_db
def test_submit_page_is_indonesian_by_default():
    html = _html(Client().get(reverse("portal:submit")))
    for text in ("Tulis laporan", "Jenis laporan", "Pengaduan", "Kirim laporan", "Anonim"):
        assert text in html
    assert "Send the report" not in html


@pytest.mark.django_db
def test_home_and_submit_pages_are_english_with_the_language_cookie():
    client = english()
    home = _html(client.get(reverse("portal:home")))
    assert '<html lang="en">' in home
    assert "Track your report" in home
    assert "Lacak laporan Anda" not in home
    submit = _html(client.get(reverse("portal:submit")))
    assert "Send the report" in submit
    assert "Kind of report" in submit
    assert "Kirim laporan" not in submit


def test_the_statuses_are_named_as_in_sp4n_lapor():
    with translation.override("id"):
        names = [str(label) for _value, label in Status.choices]
    assert names == [
        "Belum Terverifikasi",
        "Ditunda",
        "Terdisposisi",
        "Proses",
        "Ditanggapi",
        "Selesai",
        "Diarsipkan",
    ]


# --- (d) Form errors are Indonesian too -------------------------------------------------


@pytest.mark.django_db
def test_errors_on_an_empty_submit_form_are_indonesian():
    html = Client().post(reverse("portal:submit"), {}).content.decode()
    assert "Mohon perbaiki isian yang ditandai di bawah ini." in html
    assert "Bidang ini tidak boleh kosong." in html  # Django's own catalogue
    assert "Isi alamat email atau nomor telepon agar kami dapat menghubungi Anda." in html
    assert "This field is required." not in html


@pytest.mark.django_db
def test_errors_on_an_empty_submit_form_are_english_with_the_language_cookie():
    html = english().post(reverse("portal:submit"), {}).content.decode()
    assert "Please correct the marked fields below." in html
    assert "This field is required." in html
