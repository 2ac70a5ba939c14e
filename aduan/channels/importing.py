"""Importing reports recorded elsewhere: monthly recaps from call centres, social media
teams and suggestion boxes, as CSV or XLSX.

Each row goes through `intake.submit_report` like any other channel, with the source
system's reference as `channel_reference`, so importing the same file twice never creates
a report twice. A dry run parses and validates every row and says what would happen
without writing anything; a real run puts each row in its own transaction, so one bad row
never undoes the others.
"""

from __future__ import annotations

import csv
import datetime
import io
import logging
import re
import secrets
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import DatabaseError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from aduan.channels.intake import Draft, submit_report
from aduan.lib import dates
from aduan.lib.phones import normalize_phone
from aduan.notifications.outbox import in_app_only
from aduan.organizations.forms import regions_named
from aduan.organizations.models import Category, Organization, Region
from aduan.reports.models import MANUAL_CHANNELS, Channel, Kind, Report

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 10 * 1024 * 1024
EXTENSIONS = (".csv", ".xlsx")
LOOKUP_CHUNK = 500  # rows whose references are looked up in one query
IMPORTABLE_CHANNELS = (*MANUAL_CHANNELS, Channel.SMS, Channel.WHATSAPP, Channel.EMAIL)
TITLE_MAX = Report._meta.get_field("title").max_length
REFERENCE_MAX = Report._meta.get_field("channel_reference").max_length
NAME_MAX = Report._meta.get_field("guest_name").max_length

# Header names as people write them, after `_header_key`; English and Indonesian alike.
HEADERS = {
    "reference": ("reference", "ref", "nomor", "nomor referensi", "referensi", "no referensi"),
    "channel": ("channel", "kanal", "saluran"),
    "received_at": (
        "received at",
        "received",
        "date",
        "tanggal",
        "tanggal diterima",
        "tanggal masuk",
        "waktu",
    ),
    "title": ("title", "judul"),
    "body": ("body", "isi", "isi laporan", "uraian", "description"),
    "kind": ("kind", "jenis", "jenis laporan"),
    "category": ("category", "kategori"),
    "region": ("region", "wilayah", "kode wilayah"),
    "name": ("name", "reporter name", "nama", "nama pelapor"),
    "email": ("email", "e mail", "surel"),
    "phone": ("phone", "telepon", "telp", "no hp", "nomor hp", "nomor telepon", "hp"),
    "anonymous": ("anonymous", "anonim"),
    "confidential": ("confidential", "rahasia"),
}
# The required fields, named as the documentation names their columns.
REQUIRED = {
    "reference": "reference/nomor",
    "channel": "channel/kanal",
    "received_at": "received_at/tanggal",
    "body": "body/isi",
}
HEADER_FIELDS = {alias: name for name, aliases in HEADERS.items() for alias in aliases}

CHANNEL_WORDS = {
    "telepon": Channel.CALL_CENTER,
    "telpon": Channel.CALL_CENTER,
    "call center": Channel.CALL_CENTER,
    "call centre": Channel.CALL_CENTER,
    "pusat panggilan": Channel.CALL_CENTER,
    "phone": Channel.CALL_CENTER,
    "media sosial": Channel.SOCIAL_MEDIA,
    "medsos": Channel.SOCIAL_MEDIA,
    "social media": Channel.SOCIAL_MEDIA,
    "kotak saran": Channel.SUGGESTION_BOX,
    "suggestion box": Channel.SUGGESTION_BOX,
    "surat": Channel.LETTER,
    "letter": Channel.LETTER,
    "datang langsung": Channel.WALK_IN,
    "tatap muka": Channel.WALK_IN,
    "walk in": Channel.WALK_IN,
    "sms": Channel.SMS,
    "whatsapp": Channel.WHATSAPP,
    "wa": Channel.WHATSAPP,
    "email": Channel.EMAIL,
    "e mail": Channel.EMAIL,
    "surel": Channel.EMAIL,
}
KIND_WORDS = {
    "pengaduan": Kind.COMPLAINT,
    "complaint": Kind.COMPLAINT,
    "aspirasi": Kind.ASPIRATION,
    "aspiration": Kind.ASPIRATION,
    "permintaan informasi": Kind.INFORMATION,
    "informasi": Kind.INFORMATION,
    "information": Kind.INFORMATION,
    "information request": Kind.INFORMATION,
}
YES = {"ya", "y", "yes", "true", "1", "benar"}
NO = {"tidak", "t", "no", "n", "false", "0", "salah", ""}
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")
TIME_FORMATS = ("", " %H:%M", " %H:%M:%S", "T%H:%M", "T%H:%M:%S")
# Excel counts days from 1899-12-30 (its 1900 leap-year bug folded in).
EXCEL_EPOCH = datetime.datetime(1899, 12, 30)
# Serial numbers of 2000-01-01 and 2100-01-01: a number outside is a mistake, not a date.
EXCEL_SERIALS = (36526, 73051)


class ImportFileError(Exception):
    """The file as a whole cannot be imported (unreadable, wrong type, missing columns)."""


class RowStatus:
    NEW = "new"  # would be created (dry run) or was created
    EXISTS = "exists"  # the same channel and reference were imported before: skipped
    INVALID = "invalid"  # refused, with reasons


@dataclass
class Table:
    """A file's header row and its data rows, each with its row number in the file."""

    headers: list[str]
    rows: list[tuple[int, list]]
    more_rows: bool = False


@dataclass
class RowResult:
    row: int
    status: str
    reference: str = ""
    channel: str = ""
    title: str = ""
    errors: list[str] = field(default_factory=list)
    tracking_code: str = ""

    @property
    def channel_label(self) -> str:
        return str(Channel(self.channel).label) if self.channel else ""


@dataclass
class ImportSummary:
    dry_run: bool
    results: list[RowResult] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    def _count(self, status: str) -> int:
        return sum(1 for result in self.results if result.status == status)

    @property
    def new(self) -> int:
        return self._count(RowStatus.NEW)

    @property
    def existing(self) -> int:
        return self._count(RowStatus.EXISTS)

    @property
    def invalid(self) -> int:
        return self._count(RowStatus.INVALID)

    @property
    def errors(self) -> list[str]:
        return [error for result in self.results for error in result.errors]


# --- Reading files -------------------------------------------------------------------


def read_table(source, filename: str, *, max_rows: int | None = None) -> Table:
    """Read a CSV or XLSX file (a path or a binary file object) into a Table.

    Blank rows are left out; row numbers stay those of the file. With `max_rows`, reading
    stops after that many data rows and the table says there were more.
    Raises ImportFileError when the file cannot be read.
    """
    extension = Path(filename).suffix.lower()
    if extension not in EXTENSIONS:
        raise ImportFileError(_("Only CSV and XLSX files can be imported."))
    data = source.read() if hasattr(source, "read") else Path(source).read_bytes()
    rows = _csv_rows(data) if extension == ".csv" else _xlsx_rows(data)
    headers: list[str] | None = None
    table_rows: list[tuple[int, list]] = []
    try:
        for number, values in rows:
            if not any(_text(value) for value in values):
                continue
            if headers is None:
                headers = [_text(value) for value in values]
            elif max_rows is not None and len(table_rows) >= max_rows:
                return Table(headers=headers, rows=table_rows, more_rows=True)
            else:
                table_rows.append((number, list(values)))
    finally:
        rows.close()
    if headers is None:
        raise ImportFileError(_("The file is empty; its first row must hold the column names."))
    return Table(headers=headers, rows=table_rows)


def _csv_rows(data: bytes) -> Iterator[tuple[int, list]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(_("The CSV file must be saved as UTF-8.")) from error
    if "\x00" in text:
        raise ImportFileError(_("The CSV file could not be read."))
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        yield from enumerate(reader, 1)
    except csv.Error as error:
        raise ImportFileError(_("The CSV file could not be read.")) from error


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list]]:
    from xml.etree.ElementTree import ParseError
    from zipfile import BadZipFile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    # A damaged file can fail on opening or only when a row is read (broken XML inside).
    unreadable = (BadZipFile, InvalidFileException, KeyError, ValueError, OSError, ParseError)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except unreadable as error:
        raise ImportFileError(_("The XLSX file could not be read.")) from error
    try:
        sheet = workbook.worksheets[0]
        # Some programs write a wrong sheet size; without this, rows could go missing.
        sheet.reset_dimensions()
        yield from enumerate(sheet.iter_rows(values_only=True), 1)
    except unreadable as error:
        raise ImportFileError(_("The XLSX file could not be read.")) from error
    finally:
        workbook.close()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _header_key(header: str) -> str:
    return re.sub(r"[\s_\-]+", " ", header.strip().strip("*:.").lower()).strip()


# --- Validating rows -----------------------------------------------------------------


@dataclass
class Columns:
    """Where each known field sits in the row, and the header as written in the file."""

    index: dict[str, int]
    label: dict[str, str]
    ignored: list[str]


def map_columns(headers: list[str]) -> Columns:
    index, label, ignored = {}, {}, []
    for position, header in enumerate(headers):
        name = HEADER_FIELDS.get(_header_key(header))
        if name is None:
            if header:
                ignored.append(header)
            continue
        if name in index:
            raise ImportFileError(
                _("Columns %(first)s and %(second)s mean the same thing; keep one.")
                % {"first": label[name], "second": header}
            )
        index[name], label[name] = position, header
    missing = [REQUIRED[name] for name in REQUIRED if name not in index]
    if missing:
        raise ImportFileError(_("Required columns are missing: %s.") % ", ".join(missing))
    return Columns(index, label, ignored)


class RowReader:
    """Turns one row into a Draft and its intake arguments, collecting every problem."""

    def __init__(self, columns: Columns):
        self.columns = columns
        self._categories: dict[str, list[Category]] = {}
        self._regions: dict[str, list[Region]] = {}

    def read(self, number: int, values: list) -> tuple[RowResult, dict]:
        self.number, self.values = number, values
        result = RowResult(row=number, status=RowStatus.NEW)
        self.result = result
        reference = self._reference()
        channel = self._channel()
        at = self._received_at()
        body = self.cell("body")
        if not body:
            self.error("body", _("is empty; every report needs its text."))
        title = self._title(body)
        draft = Draft(
            title=title,
            body=body,
            kind=self._kind(),
            category=self._lookup("category", self._category),
            region=self._lookup("region", self._region),
            guest_name=self._name(),
            guest_email=self._email(),
            guest_phone=self._phone(),
            is_anonymous=self._flag("anonymous"),
            is_confidential=self._flag("confidential"),
        )
        result.reference, result.channel, result.title = reference, channel, title
        if result.errors:
            result.status = RowStatus.INVALID
        return result, {"draft": draft, "channel": channel, "reference": reference, "at": at}

    def raw(self, name: str):
        position = self.columns.index.get(name)
        if position is None or position >= len(self.values):
            return None
        return self.values[position]

    def cell(self, name: str) -> str:
        return _text(self.raw(name))

    def error(self, name: str, message: str) -> None:
        self.result.errors.append(
            _("Row %(row)d, column %(column)s: %(message)s")
            % {"row": self.number, "column": self.columns.label[name], "message": message}
        )

    def _reference(self) -> str:
        reference = self.cell("reference")
        if not reference:
            self.error("reference", _("is empty; the reference from the source system is needed."))
        elif len(reference) > REFERENCE_MAX:
            self.error("reference", _("is longer than %d characters.") % REFERENCE_MAX)
        return reference

    def _channel(self) -> str:
        value = self.cell("channel")
        channel = parse_channel(value)
        if not channel:
            names = ", ".join(str(c.value) for c in IMPORTABLE_CHANNELS)
            self.error(
                "channel",
                _("“%(value)s” is not a channel; use one of %(names)s.")
                % {"value": value, "names": names},
            )
        return channel

    def _received_at(self) -> datetime.datetime | None:
        raw = self.raw("received_at")
        if _text(raw) == "":
            self.error("received_at", _("is empty; write the date the report was received."))
            return None
        at = parse_moment(raw)
        if at is None:
            self.error(
                "received_at",
                _("“%s” is not a date; write e.g. 31/01/2026 or 2026-01-31 14:30.") % _text(raw),
            )
        elif at > timezone.now():
            self.error("received_at", _("lies in the future."))
            return None
        elif not dates.within_years(at):
            self.error("received_at", dates.outside_years_message())
            return None
        return at

    def _title(self, body: str) -> str:
        title = self.cell("title") if "title" in self.columns.index else ""
        if len(title) > TITLE_MAX:
            self.error("title", _("is longer than %d characters.") % TITLE_MAX)
        if not title and body:
            # Recaps often carry only the text; its first line is the best short title.
            first_line = body.splitlines()[0].strip()
            title = first_line if len(first_line) <= 100 else first_line[:99].rstrip() + "…"
        return title

    def _kind(self) -> str:
        value = self.cell("kind")
        if not value:
            return Kind.COMPLAINT
        kind = KIND_WORDS.get(_header_key(value))
        if kind is None:
            self.error(
                "kind",
                _("“%s” is not a kind; use pengaduan, aspirasi or permintaan informasi.") % value,
            )
            return Kind.COMPLAINT
        return kind

    def _lookup(self, name: str, find: Callable[[str], list]):
        value = self.cell(name)
        if not value:
            return None
        found = find(value)
        if len(found) == 1:
            return found[0]
        if found:
            self.error(name, _("“%s” matches several entries; use the code or slug.") % value)
        else:
            self.error(name, _("“%s” was not found.") % value)
        return None

    def _category(self, value: str) -> list[Category]:
        if value not in self._categories:
            found = list(Category.objects.filter(slug=value.lower())) or list(
                Category.objects.filter(name__iexact=value)
            )
            self._categories[value] = found
        return self._categories[value]

    def _region(self, value: str) -> list[Region]:
        # As the back office's region field reads a typed name: "Banyumas" is the
        # regency and one of its districts, so several, not silently the district.
        if value not in self._regions:
            self._regions[value] = regions_named(value)[:2]
        return self._regions[value]

    def _name(self) -> str:
        name = self.cell("name")
        if len(name) > NAME_MAX:
            self.error("name", _("is longer than %d characters.") % NAME_MAX)
        return name

    def _email(self) -> str:
        email = self.cell("email")
        if email:
            try:
                validate_email(email)
            except ValidationError:
                self.error("email", _("“%s” is not an email address.") % email)
                return ""
        return email

    def _phone(self) -> str:
        raw = self.cell("phone")
        if not raw:
            return ""
        phone = normalize_phone(raw)
        if not phone:
            self.error("phone", _("“%s” is not an Indonesian phone number.") % raw)
        return phone

    def _flag(self, name: str) -> bool:
        value = self.cell(name).lower()
        if value in YES:
            return True
        if value not in NO:
            self.error(name, _("“%s” is neither ya nor tidak.") % value)
        return False


def parse_channel(value: str) -> str:
    """A channel from its code, its English label or the Indonesian word; "" if unknown."""
    key = _header_key(value)
    importable = {str(c.value): c for c in IMPORTABLE_CHANNELS}
    if key.replace(" ", "_") in importable:
        return importable[key.replace(" ", "_")]
    channel = CHANNEL_WORDS.get(key)
    if channel is None:
        labels = {_header_key(str(c.label)): c for c in IMPORTABLE_CHANNELS}
        channel = labels.get(key)
    return str(channel) if channel else ""


def parse_moment(raw) -> datetime.datetime | None:
    """An aware datetime from a cell: a spreadsheet date, an Excel serial number, or text
    in a common format; dates without a time mean midnight, local time."""
    if isinstance(raw, datetime.datetime):
        moment = raw
    elif isinstance(raw, datetime.date):
        moment = datetime.datetime.combine(raw, datetime.time())
    elif isinstance(raw, int | float) and EXCEL_SERIALS[0] <= raw < EXCEL_SERIALS[1]:
        moment = EXCEL_EPOCH + datetime.timedelta(days=float(raw))
        moment = moment.replace(microsecond=0)
    else:
        moment = _parse_text_moment(_text(raw))
    if moment is None:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def _parse_text_moment(text: str) -> datetime.datetime | None:
    for date_format in DATE_FORMATS:
        for time_format in TIME_FORMATS:
            try:
                return datetime.datetime.strptime(text, date_format + time_format)
            except ValueError:
                continue
    try:
        return datetime.datetime.fromisoformat(text)
    except ValueError:
        return None


# --- Running an import ---------------------------------------------------------------


def run_import(
    table: Table,
    *,
    user,
    received_by: Organization | None,
    dry_run: bool,
    progress: Callable[[Iterable], Iterable] = lambda rows: rows,
    on_result: Callable[[RowResult], None] | None = None,
    notify_reporters: bool = True,
) -> ImportSummary:
    """Validate every row of `table`; unless `dry_run`, create the valid new ones.

    Rows whose channel and reference were seen before are skipped; a reference another
    organization already used is refused, since its report is not this officer's to see.
    `on_result` is called with each row's outcome as soon as it is known. Without
    `notify_reporters` (old recaps), every message the import causes stays in the app:
    reporters hear nothing, staff see in-app notices but get no email or text.
    """
    if not notify_reporters:
        with in_app_only():
            return run_import(
                table,
                user=user,
                received_by=received_by,
                dry_run=dry_run,
                progress=progress,
                on_result=on_result,
            )
    columns = map_columns(table.headers)
    reader = RowReader(columns)
    summary = ImportSummary(dry_run=dry_run, ignored_columns=columns.ignored)
    seen: dict[tuple[str, str], int] = {}
    for chunk in _chunks(progress(table.rows), LOOKUP_CHUNK):
        read = [reader.read(number, values) for number, values in chunk]
        known = _known_references([result for result, _intake in read])
        for result, intake in read:
            if result.status == RowStatus.NEW:
                _classify(result, user, seen, known)
            if result.status == RowStatus.NEW and not dry_run:
                _create(result, intake, user, received_by)
            summary.results.append(result)
            if on_result is not None:
                on_result(result)
    return summary


def _chunks(rows: Iterable, size: int) -> Iterator[list]:
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _known_references(results: list[RowResult]) -> set[tuple[str, str]]:
    """The (channel, reference) pairs among `results` that some report already has: one
    query per chunk of rows instead of one per row, since most rows are new."""
    references = {r.reference for r in results if r.status == RowStatus.NEW and r.reference}
    if not references:
        return set()
    return set(
        Report.objects.filter(channel_reference__in=references).values_list(
            "channel", "channel_reference"
        )
    )


def _classify(
    result: RowResult, user, seen: dict[tuple[str, str], int], known: set[tuple[str, str]]
) -> None:
    key = (result.channel, result.reference)
    if key in seen:
        result.status = RowStatus.EXISTS
        result.errors.append(
            _("Row %(row)d: the same reference already appears in row %(first)d; skipped.")
            % {"row": result.row, "first": seen[key]}
        )
        return
    seen[key] = result.row
    if key not in known:
        return  # the common case: a new reference, already checked with its chunk
    existing = Report.objects.filter(
        channel=result.channel, channel_reference=result.reference
    ).first()
    if existing is None:
        return
    if Report.objects.visible_to(user).filter(pk=existing.pk).exists():
        result.status, result.tracking_code = RowStatus.EXISTS, existing.tracking_code
    else:
        result.status = RowStatus.INVALID
        result.errors.append(
            _("Row %(row)d: another organization already registered reference %(ref)s.")
            % {"row": result.row, "ref": result.reference}
        )


def _create(result: RowResult, intake: dict, user, received_by: Organization | None) -> None:
    try:
        with transaction.atomic():
            submission = submit_report(
                intake["draft"],
                channel=intake["channel"],
                channel_reference=intake["reference"],
                entered_by=user,
                received_by=received_by,
                at=intake["at"],
            )
    except DatabaseError:
        logger.exception("Import of row %s failed", result.row)
        result.status = RowStatus.INVALID
        result.errors.append(
            _("Row %d: the database refused this row; nothing was saved for it.") % result.row
        )
        return
    result.tracking_code = submission.report.tracking_code
    if not submission.created:
        result.status = RowStatus.EXISTS


# --- Who may import for which organization -------------------------------------------


@dataclass
class Target:
    """An organization an admin may import for; `received_by` is None for the national
    queue, as with hand-entered reports of national admins."""

    key: str
    label: str
    received_by: Organization | None


def import_targets(user) -> list[Target]:
    from aduan.organizations.access import Access, Role

    access = Access.of(user)
    targets = [
        Target(m.organization.slug, m.organization.name, None)
        for m in access.memberships
        if m.role == Role.NATIONAL_ADMIN
    ]
    targets += [
        Target(m.organization.slug, m.organization.name, m.organization)
        for m in access.memberships
        if m.role == Role.AGENCY_ADMIN
    ]
    return targets


# --- Imports in the background -------------------------------------------------------

PROGRESS_ROWS = 25  # the job's counters are written at most every this many rows...
PROGRESS_SECONDS = 2.0  # ...or this many seconds, whichever comes first
ERRORS_KEPT = 10_000
STALLED_AFTER = datetime.timedelta(minutes=10)


def start_job(*, user, target: Target, data: bytes, name: str, notify_reporters: bool = True):
    """Store the file as a new ImportJob and enqueue its import once the transaction
    commits; returns the job. `target` must be one of `import_targets(user)`."""
    from aduan.channels.models import ImportJob
    from aduan.channels.tasks import run_import_job

    with transaction.atomic():
        job = ImportJob(
            created_by=user,
            organization=Organization.objects.get(slug=target.key),
            file_name=Path(name).name[-200:],
            notify_reporters=notify_reporters,
        )
        # A random stored name: the officer's file name may hold personal data.
        job.file.save(secrets.token_hex(16) + Path(name).suffix.lower(), ContentFile(data))
        transaction.on_commit(lambda: run_import_job.enqueue(job.pk))
    return job


def run_job(pk: int) -> str:
    """Run ImportJob `pk` once: claimed from QUEUED with a conditional UPDATE, so a task
    delivered twice imports once. Call outside any transaction (each row commits alone)."""
    from aduan.channels.models import ImportJob

    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=pk, state=ImportJob.State.QUEUED).update(
        state=ImportJob.State.RUNNING, started_at=now, progress_at=now
    )
    if not claimed:
        return "skipped"
    job = ImportJob.objects.select_related("created_by", "organization").get(pk=pk)
    progress = JobProgress(job)
    with translation.override(job.created_by.language or "id"):
        try:
            summary = _run_job_file(job, progress)
        except ImportFileError as error:
            progress.finish(ImportJob.State.FAILED, problem=str(error))
            return "failed"
        except Exception:
            logger.exception("Import job %s stopped", pk)
            problem = _(
                "The import stopped because of an unexpected error. The reports created so "
                "far are kept; importing the same file again skips them."
            )
            progress.finish(ImportJob.State.FAILED, problem=problem)
            raise
    progress.finish(ImportJob.State.DONE, ignored=summary.ignored_columns)
    return "done"


def requeue_stalled_imports(now: datetime.datetime | None = None) -> int:
    """Hand imports whose worker died (running, no progress for STALLED_AFTER) to another
    worker. For the periodic scan. The new run starts from the top: the rows imported
    before count as already imported, nothing is created twice. Returns how many."""
    from aduan.channels.models import ImportJob
    from aduan.channels.tasks import run_import_job

    cutoff = (now or timezone.now()) - STALLED_AFTER
    stalled = ImportJob.objects.filter(state=ImportJob.State.RUNNING, progress_at__lt=cutoff)
    requeued = 0
    for pk in stalled.values_list("pk", flat=True):
        # Conditional, like the claim: two scanning hosts requeue a job once.
        if stalled.filter(pk=pk).update(state=ImportJob.State.QUEUED):
            logger.warning("Import job %s had stalled; queued again", pk)
            run_import_job.enqueue(pk)
            requeued += 1
    return requeued


def forget_old_import_files(now: datetime.datetime | None = None) -> int:
    """Delete the stored files of imports finished more than ADUAN_IMPORT_FILE_DAYS ago
    (default 30): they hold reporters' personal data, and the reports they created and
    the job's counts and row errors stay. For the periodic scan; returns how many."""
    from aduan.channels.models import ImportJob

    days = getattr(settings, "ADUAN_IMPORT_FILE_DAYS", 30)
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    finished = ImportJob.objects.filter(
        state__in=[ImportJob.State.DONE, ImportJob.State.FAILED], finished_at__lt=cutoff
    ).exclude(file="")
    forgotten = 0
    for job in finished.only("pk", "file"):
        job.file.delete(save=False)
        forgotten += ImportJob.objects.filter(pk=job.pk).update(file="")
    return forgotten


def _run_job_file(job, progress: JobProgress) -> ImportSummary:
    target = next(
        (t for t in import_targets(job.created_by) if t.key == job.organization.slug), None
    )
    if target is None:
        # Checked again here: the admin may have lost the role since the upload.
        raise ImportFileError(
            _("%(user)s is not an admin of organization %(org)s.")
            % {"user": job.created_by.email, "org": job.organization.slug}
        )
    with job.file.open("rb") as source:
        table = read_table(source, job.file_name)
    map_columns(table.headers)
    progress.begin(len(table.rows))
    return run_import(
        table,
        user=job.created_by,
        received_by=target.received_by,
        dry_run=False,
        on_result=progress.add,
        notify_reporters=job.notify_reporters,
    )


class JobProgress:
    """Counts an ImportJob's rows and writes the counters every few rows or seconds, so
    the progress page moves without one UPDATE per row."""

    def __init__(self, job):
        self.job = job
        self.counts = {"done": 0, "created": 0, "duplicates": 0, "failed": 0}
        self.errors: list[str] = []
        self.written_at = time.monotonic()

    def begin(self, total: int) -> None:
        self._write(total=total)

    def add(self, result: RowResult) -> None:
        field_name = {
            RowStatus.NEW: "created",
            RowStatus.EXISTS: "duplicates",
            RowStatus.INVALID: "failed",
        }[result.status]
        self.counts["done"] += 1
        self.counts[field_name] += 1
        self.errors += result.errors[: max(0, ERRORS_KEPT - len(self.errors))]
        due = time.monotonic() - self.written_at >= PROGRESS_SECONDS
        if due or self.counts["done"] % PROGRESS_ROWS == 0:
            self._write()

    def _write(self, **more) -> None:
        type(self.job).objects.filter(pk=self.job.pk).update(
            **self.counts, progress_at=timezone.now(), **more
        )
        self.written_at = time.monotonic()

    def finish(self, state: str, *, problem: str = "", ignored: list[str] | None = None) -> None:
        errors = list(self.errors)
        if ignored:
            errors.insert(0, _("Ignored columns: %s") % ", ".join(ignored))
        self._write(state=state, problem=problem, errors=errors, finished_at=timezone.now())
