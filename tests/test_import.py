"""Importing reports recorded elsewhere, from CSV and XLSX: the parser, the dry run, the
real run, the management command and the back-office page."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult
from openpyxl import Workbook

from aduan.channels.importing import (
    ImportFileError,
    RowStatus,
    parse_channel,
    parse_moment,
    read_table,
    requeue_stalled_imports,
    run_import,
    run_job,
    start_job,
)
from aduan.channels.models import ImportJob
from aduan.notifications.models import Kind as MessageKind
from aduan.notifications.models import Notification
from aduan.organizations.models import Membership, Region
from aduan.reports.models import Channel, Kind, Report, ReportEvent
from tests.personas import run_announcements

HEADER = "reference,channel,received_at,title,body,kind,category,name,email,phone,anonymous"
ROWS = [
    "CC-001,call_center,2026-01-05 09:30,Lampu jalan mati,Lampu di Jl. Sudirman mati,"
    "pengaduan,jalan-rusak,Budi,budi@example.id,0812 3456 7890,tidak",
    "CC-002,media sosial,06/01/2026,,Sampah menumpuk di pasar,aspirasi,,,,,ya",
]


@pytest.fixture(autouse=True)
def _english(client):
    """Messages are asserted in English (the msgids); pages and commands alike."""
    client.cookies["django_language"] = "en"
    with translation.override("en"):
        yield


def csv_bytes(*rows: str, header: str = HEADER, bom: bool = False) -> bytes:
    text = "\n".join([header, *rows]) + "\n"
    return ("\ufeff" if bom else "").encode() + text.encode()


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def import_csv(world, data: bytes, *, dry_run=False, user=None, name="rekap.csv"):
    table = read_table(io.BytesIO(data), name)
    return run_import(
        table, user=user or world.agency_admin, received_by=world.agency, dry_run=dry_run
    )


# --- Parsing --------------------------------------------------------------------------


def test_csv_rows_become_reports_waiting_at_the_importing_agency(world):
    summary = import_csv(world, csv_bytes(*ROWS))

    assert (summary.new, summary.existing, summary.invalid) == (2, 0, 0)
    first = Report.objects.get(channel=Channel.CALL_CENTER, channel_reference="CC-001")
    assert first.title == "Lampu jalan mati"
    assert first.organization == world.agency
    assert first.category == world.potholes
    assert first.guest_phone == "+6281234567890"
    assert first.guest_email == "budi@example.id"
    assert first.guest_contact_verified_at is None
    second = Report.objects.get(channel=Channel.SOCIAL_MEDIA, channel_reference="CC-002")
    assert second.kind == Kind.ASPIRATION
    assert second.is_anonymous is True
    assert second.title == "Sampah menumpuk di pasar"


def test_the_timeline_shows_the_original_date_and_the_importing_officer(world):
    import_csv(world, csv_bytes(ROWS[0]))

    report = Report.objects.get(channel_reference="CC-001")
    event = ReportEvent.objects.get(report=report)
    expected = parse_moment("2026-01-05 09:30")
    assert report.submitted_at == expected
    assert event.at == expected
    assert event.actor == world.agency_admin
    assert event.actor_organization == world.agency
    assert event.by_reporter is False


def test_semicolon_csv_with_bom_and_indonesian_headers_is_read(world):
    header = "Nomor;Kanal;Tanggal;Judul;Isi;Jenis;Kategori;Nama;Telepon;Anonim;Rahasia"
    row = (
        "KS-9;Kotak Saran;31/01/2026;Antrian panjang;Antrian loket KTP terlalu panjang;"
        "Permintaan Informasi;Infrastruktur;Ani;081298765432;Tidak;Ya"
    )
    summary = import_csv(world, csv_bytes(row, header=header, bom=True))

    assert summary.invalid == 0, summary.errors
    report = Report.objects.get(channel_reference="KS-9")
    assert report.channel == Channel.SUGGESTION_BOX
    assert report.kind == Kind.INFORMATION
    assert report.category == world.roads
    assert report.guest_name == "Ani"
    assert report.is_confidential is True
    assert timezone.localdate(report.submitted_at) == datetime.date(2026, 1, 31)


def test_xlsx_with_real_dates_and_excel_serial_numbers_is_read(world):
    data = xlsx_bytes(
        [
            ["Referensi", "Kanal", "Tanggal", "Isi", "No HP"],
            [
                "WA-1",
                "WhatsApp",
                datetime.datetime(2026, 2, 3, 8, 15),
                "Air PDAM mati",
                81234567890,
            ],
            ["WA-2", "telepon", 46058, "Jalan licin", None],
        ]
    )
    table = read_table(io.BytesIO(data), "rekap.xlsx")
    summary = run_import(table, user=world.agency_admin, received_by=world.agency, dry_run=False)

    assert (summary.new, summary.invalid) == (2, 0), summary.errors
    whatsapp = Report.objects.get(channel_reference="WA-1")
    assert whatsapp.channel == Channel.WHATSAPP
    assert whatsapp.guest_phone == "+6281234567890"
    assert whatsapp.submitted_at == parse_moment("2026-02-03 08:15")
    phone = Report.objects.get(channel_reference="WA-2")
    assert phone.channel == Channel.CALL_CENTER
    assert timezone.localdate(phone.submitted_at) == datetime.date(2026, 2, 5)


def test_region_is_found_by_code_or_exact_name(world):
    Region.objects.create(code="33", name="Jawa Tengah", level=Region.Level.PROVINCE)
    header = "reference,channel,tanggal,isi,wilayah"
    rows = ["R-1,letter,2026-01-01,Surat satu,33", "R-2,letter,2026-01-01,Surat dua,jawa tengah"]
    summary = import_csv(world, csv_bytes(*rows, header=header))

    assert summary.invalid == 0, summary.errors
    assert set(Report.objects.values_list("region_id", flat=True)) == {"33"}


def test_a_name_shared_by_a_regency_and_its_district_asks_for_the_code(world):
    Region.objects.create(code="33", name="Jawa Tengah", level=Region.Level.PROVINCE)
    Region.objects.create(code="33.02", name="Kabupaten Banyumas", level=Region.Level.REGENCY)
    Region.objects.create(code="33.02.22", name="Banyumas", level=Region.Level.DISTRICT)
    header = "reference,channel,tanggal,isi,wilayah"
    rows = [
        "R-1,letter,2026-01-01,Surat satu,Banyumas",
        "R-2,letter,2026-01-01,Surat dua,kabupaten banyumas",
    ]
    summary = import_csv(world, csv_bytes(*rows, header=header))

    assert summary.invalid == 1
    assert "matches several entries" in str(summary.errors)
    assert list(Report.objects.values_list("region_id", flat=True)) == ["33.02"]


@pytest.mark.parametrize(
    "word, channel",
    [
        ("Media Sosial", Channel.SOCIAL_MEDIA),
        ("kotak saran", Channel.SUGGESTION_BOX),
        ("Telepon", Channel.CALL_CENTER),
        ("call_center", Channel.CALL_CENTER),
        ("E-mail", Channel.EMAIL),
        ("Walk-in", Channel.WALK_IN),
        ("website", ""),
        ("api", ""),
    ],
)
def test_channel_words_map_to_importable_channels_only(word, channel):
    assert parse_channel(word) == channel


def test_a_file_of_another_type_is_refused(world):
    with pytest.raises(ImportFileError):
        read_table(io.BytesIO(b"%PDF-1.4"), "rekap.pdf")


def _with_broken_xml(data: bytes, member: str) -> bytes:
    """`data`, an XLSX file, with `member` inside it cut off mid-element."""
    import zipfile

    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = source.read(item)
            target.writestr(
                item, content[: len(content) // 2] if item.filename == member else content
            )
    return out.getvalue()


@pytest.mark.parametrize(
    "member", ["[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml"]
)
def test_an_xlsx_file_with_broken_xml_inside_is_refused_as_unreadable(world, member):
    data = _with_broken_xml(xlsx_bytes([HEADER.split(","), ROWS[0].split(",")]), member)
    with pytest.raises(ImportFileError, match="could not be read"):
        read_table(io.BytesIO(data), "rekap.xlsx")


def test_a_file_without_the_required_columns_is_refused_whole(world):
    with pytest.raises(ImportFileError, match="body"):
        import_csv(world, csv_bytes("X-1,sms,2026-01-01", header="reference,channel,date"))
    assert not Report.objects.exists()


# --- Dry run, duplicates and errors ---------------------------------------------------


def test_dry_run_validates_everything_and_writes_nothing(world):
    summary = import_csv(world, csv_bytes(*ROWS, "CC-003,fax,2026-01-01,,Isi"), dry_run=True)

    assert (summary.new, summary.existing, summary.invalid) == (2, 0, 1)
    assert not Report.objects.exists()
    assert not ReportEvent.objects.exists()


def test_importing_the_same_file_again_creates_no_duplicates(world):
    import_csv(world, csv_bytes(*ROWS))
    preview = import_csv(world, csv_bytes(*ROWS), dry_run=True)
    again = import_csv(world, csv_bytes(*ROWS))

    assert (preview.new, preview.existing) == (0, 2)
    assert (again.new, again.existing, again.invalid) == (0, 2, 0)
    assert Report.objects.count() == 2
    assert again.results[0].tracking_code


def test_the_same_reference_twice_in_one_file_is_created_once(world):
    summary = import_csv(world, csv_bytes(ROWS[0], ROWS[0]))

    assert (summary.new, summary.existing) == (1, 1)
    assert "row 2" in summary.results[1].errors[0]
    assert Report.objects.count() == 1


def test_errors_name_the_row_and_the_column_as_written(world):
    header = "Nomor,Kanal,Tanggal,Isi,Email,Telepon,Anonim,Kategori"
    rows = [
        "A-1,sms,2026-01-01,Baik,,,,",
        "A-2,merpati,31/02/2026,,bukan-email,12345,mungkin,tidak-ada",
    ]
    summary = import_csv(world, csv_bytes(*rows, header=header), dry_run=True)

    errors = summary.results[1].errors
    assert summary.results[1].status == RowStatus.INVALID
    for column in ("Kanal", "Tanggal", "Isi", "Email", "Telepon", "Anonim", "Kategori"):
        assert any(error.startswith(f"Row 3, column {column}:") for error in errors), column
    assert summary.results[0].status == RowStatus.NEW


@pytest.mark.parametrize("value", [2026, 12.5, True, "kemarin", "2026-13-01"])
def test_values_that_are_no_plausible_date_are_refused(value):
    assert parse_moment(value) is None


def test_a_date_in_the_future_is_refused(world):
    summary = import_csv(world, csv_bytes("F-1,sms,2999-01-01,,Isi"), dry_run=True)

    assert summary.invalid == 1
    assert "future" in summary.errors[0]


@pytest.mark.parametrize("day", ["1999-12-31", "0001-01-01"])
def test_a_date_before_2000_is_refused_by_the_dry_run_already(world, day):
    summary = import_csv(world, csv_bytes(f"O-1,sms,{day},,Isi"), dry_run=True)

    assert summary.invalid == 1
    assert "Choose a date between 2000 and 2100" in summary.errors[0]


def test_one_bad_row_does_not_block_the_others(world):
    summary = import_csv(world, csv_bytes(ROWS[0], "BAD-1,sms,kemarin,,Isi", ROWS[1]))

    assert (summary.new, summary.invalid) == (2, 1)
    assert set(Report.objects.values_list("channel_reference", flat=True)) == {"CC-001", "CC-002"}
    assert not Report.objects.filter(channel_reference="BAD-1").exists()


def test_a_reference_another_organization_used_is_an_error_not_a_silent_skip(world):
    import_csv(world, csv_bytes(ROWS[0]), user=world.agency_admin)
    table = read_table(io.BytesIO(csv_bytes(ROWS[0])), "rekap.csv")
    summary = run_import(
        table, user=world.other_admin, received_by=world.other_agency, dry_run=False
    )

    assert (summary.new, summary.existing, summary.invalid) == (0, 0, 1)
    assert "another organization" in summary.errors[0]
    assert summary.results[0].tracking_code == ""


# --- The management command -----------------------------------------------------------


def test_command_imports_a_file_and_prints_the_summary(world, tmp_path, capsys):
    path = tmp_path / "rekap.csv"
    path.write_bytes(csv_bytes(*ROWS, "BAD-1,sms,,,Isi"))
    out, progress = io.StringIO(), io.StringIO()

    call_command(
        "import_reports",
        str(path),
        organization="kab-contoh",
        user=world.agency_admin.email,
        stdout=out,
        stderr=progress,
    )

    assert "3/3" in progress.getvalue()
    assert "2 created, 0 skipped as duplicates, 1 failed." in out.getvalue()
    assert "Row 4, column received_at:" in out.getvalue()
    assert Report.objects.filter(organization=world.agency).count() == 2


def test_command_dry_run_writes_nothing(world, tmp_path):
    path = tmp_path / "rekap.csv"
    path.write_bytes(csv_bytes(*ROWS))
    out = io.StringIO()

    call_command(
        "import_reports",
        str(path),
        organization="kab-contoh",
        user=world.agency_admin.email,
        dry_run=True,
        stdout=out,
        stderr=io.StringIO(),
    )

    assert "2 would be created" in out.getvalue()
    assert not Report.objects.exists()


def test_command_national_admin_imports_into_the_national_queue(world, tmp_path):
    path = tmp_path / "rekap.xlsx"
    path.write_bytes(
        xlsx_bytes([["ref", "channel", "date", "body"], ["N-1", "sms", "2026-01-02", "Isi"]])
    )

    call_command(
        "import_reports",
        str(path),
        organization="nasional",
        user=world.national_admin.email,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )

    assert Report.objects.get(channel_reference="N-1").organization is None


@pytest.mark.parametrize("user_attr", ["liaison_a", "outsider", "other_admin"])
def test_command_refuses_users_who_do_not_administer_the_organization(world, tmp_path, user_attr):
    path = tmp_path / "rekap.csv"
    path.write_bytes(csv_bytes(*ROWS))

    with pytest.raises(CommandError, match="not an admin"):
        call_command(
            "import_reports",
            str(path),
            organization="kab-contoh",
            user=getattr(world, user_attr).email,
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    assert not Report.objects.exists()


# --- The back-office page -------------------------------------------------------------

TASK_PATH = "aduan.channels.tasks.run_import_job"


def upload(client, data: bytes, name="rekap.csv", **fields):
    fields.setdefault("dry_run", "on")
    return client.post(
        reverse("workspace:import"), {"file": SimpleUploadedFile(name, data), **fields}
    )


def run_queued_imports() -> list[str]:
    """What a worker does: run the import tasks enqueued so far, once each."""
    outcomes = []
    for queued in DBTaskResult.objects.ready().filter(task_path=TASK_PATH).order_by("enqueued_at"):
        queued.delete()
        outcomes.append(queued.task.call(*queued.args_kwargs["args"]))
    return outcomes


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Runs a request's after-commit callbacks (the enqueues), as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def import_now(client, committed):
    """Uploads without a dry run, then lets the worker run the import it started."""

    def run(data: bytes, name="rekap.csv", **fields):
        fields.setdefault("dry_run", "")
        with committed():
            response = upload(client, data, name, **fields)
        run_queued_imports()
        return response

    return run


def test_anonymous_visitor_is_sent_to_sign_in(client, world):
    response = client.get(reverse("workspace:import"))

    assert response.status_code == 302
    assert "next=" in response["Location"]


@pytest.mark.parametrize("user_attr", ["outsider", "liaison_a", "supervisor", "auditor", "citizen"])
def test_non_admins_are_refused_the_page_and_the_confirmation(client, world, user_attr):
    client.force_login(getattr(world, user_attr))

    assert client.get(reverse("workspace:import")).status_code == 403
    assert upload(client, csv_bytes(*ROWS), dry_run="").status_code == 403
    assert client.post(reverse("workspace:import_confirm"), {"token": "x"}).status_code == 403
    assert not Report.objects.exists()


def test_admin_sees_the_form_and_the_nav_link(client, world):
    client.force_login(world.agency_admin)

    response = client.get(reverse("workspace:import"))

    assert response.status_code == 200
    assert reverse("workspace:import") in response.content.decode()
    assert 'name="dry_run"' in response.content.decode()


def test_preview_shows_rows_and_errors_and_writes_nothing(client, world):
    client.force_login(world.agency_admin)

    response = upload(client, csv_bytes(*ROWS, "BAD-1,sms,kemarin,,Isi"))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-count="new">2<' in page
    assert 'data-count="invalid">1<' in page
    assert 'data-row="4" data-status="invalid"' in page
    assert "Row 4, column received_at:" in page
    assert 'name="token"' in page
    assert not Report.objects.exists()


def test_import_now_imports_the_file_kept_on_the_server_once_in_the_background(
    client, world, committed
):
    client.force_login(world.agency_admin)
    preview = upload(client, csv_bytes(*ROWS))
    token = preview.context["token"]

    with committed():
        started = client.post(reverse("workspace:import_confirm"), {"token": token})
    replay = client.post(reverse("workspace:import_confirm"), {"token": token})
    assert not Report.objects.exists()  # nothing happens before the worker runs
    assert run_queued_imports() == ["done"]

    job = ImportJob.objects.get()
    assert started.status_code == 302
    assert started["Location"] == reverse("workspace:import_job", args=[job.pk])
    assert Report.objects.filter(organization=world.agency).count() == 2
    assert replay.status_code == 400
    page = client.get(started["Location"]).content.decode()
    assert 'data-count="new">2<' in page
    assert 'http-equiv="refresh"' not in page


def test_another_admin_cannot_use_someone_elses_preview_token(client, world):
    client.force_login(world.agency_admin)
    token = upload(client, csv_bytes(*ROWS)).context["token"]
    client.logout()
    client.force_login(world.other_admin)

    response = client.post(reverse("workspace:import_confirm"), {"token": token})

    assert response.status_code == 400
    assert not Report.objects.exists()


def test_unchecking_dry_run_starts_the_import_at_once(client, world, import_now):
    client.force_login(world.agency_admin)

    response = import_now(csv_bytes(*ROWS))

    assert response.status_code == 302
    assert response["Location"] == reverse(
        "workspace:import_job", args=[ImportJob.objects.get().pk]
    )
    assert Report.objects.count() == 2


def test_page_reads_xlsx_uploads(client, world, import_now):
    client.force_login(world.agency_admin)
    data = xlsx_bytes([["nomor", "kanal", "tanggal", "isi"], ["X-1", "surat", "02/01/2026", "Isi"]])

    response = import_now(data, name="rekap.xlsx")

    assert response.status_code == 302
    assert Report.objects.get(channel_reference="X-1").channel == Channel.LETTER


def test_page_refuses_a_file_whose_content_does_not_match_its_type(client, world):
    client.force_login(world.agency_admin)

    assert upload(client, b"reference,channel", name="rekap.xlsx").status_code == 400
    assert upload(client, b"PK\x03\x04rubbish", name="rekap.xlsx").status_code == 400
    assert upload(client, b"%PDF-1.4", name="rekap.pdf").status_code == 400


def test_page_refuses_files_over_the_size_limit(client, world, monkeypatch):
    monkeypatch.setattr("aduan.workspace.import_views.MAX_FILE_BYTES", 100)
    client.force_login(world.agency_admin)

    response = upload(client, csv_bytes(*ROWS, *ROWS, *ROWS))

    assert response.status_code == 400
    assert not Report.objects.exists()


def test_page_sends_large_files_to_the_command(client, world, monkeypatch):
    monkeypatch.setattr("aduan.workspace.import_views.MAX_ROWS_ON_PAGE", 1)
    client.force_login(world.agency_admin)

    response = upload(client, csv_bytes(*ROWS), dry_run="")

    assert response.status_code == 400
    assert "import_reports" in response.content.decode()
    assert not Report.objects.exists()


def test_national_admin_imports_into_the_national_queue(client, world, import_now):
    client.force_login(world.national_admin)

    import_now(csv_bytes(*ROWS))

    assert Report.objects.filter(organization=None).count() == 2


def test_admin_of_several_organizations_chooses_which_one_receives(client, world, import_now):
    Membership.objects.create(
        user=world.agency_admin, organization=world.other_agency, role=Membership.Role.AGENCY_ADMIN
    )
    client.force_login(world.agency_admin)

    form_page = client.get(reverse("workspace:import")).content.decode()
    import_now(csv_bytes(*ROWS), target="kota-lain")

    assert '<option value="kota-lain"' in form_page
    assert Report.objects.filter(organization=world.other_agency).count() == 2


def test_admin_cannot_import_for_an_organization_they_do_not_administer(client, world, import_now):
    client.force_login(world.agency_admin)

    response = import_now(csv_bytes(*ROWS), target="kota-lain")

    assert response.status_code == 400
    assert not Report.objects.exists()
    assert not ImportJob.objects.exists()


def test_unknown_columns_are_reported_as_ignored(world):
    header = "reference,channel,date,body,petugas"
    summary = import_csv(world, csv_bytes("I-1,sms,2026-01-01,Isi,Rina", header=header))

    assert summary.ignored_columns == ["petugas"]
    assert summary.new == 1


def test_command_refuses_an_unknown_user(world, tmp_path):
    path = tmp_path / "rekap.csv"
    path.write_bytes(csv_bytes(*ROWS))

    with pytest.raises(CommandError, match="No user"):
        call_command(
            "import_reports",
            str(path),
            organization="kab-contoh",
            user="nobody@example.id",
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )


def test_preview_lists_every_error_even_beyond_the_rows_shown(client, world, monkeypatch):
    monkeypatch.setattr("aduan.workspace.import_views.PREVIEW_ROWS", 1)
    client.force_login(world.agency_admin)

    page = upload(client, csv_bytes(*ROWS, "BAD-1,sms,kemarin,,Isi")).content.decode()

    assert 'data-row="2"' in page
    assert 'data-row="4"' not in page
    assert "Row 4, column received_at:" in page


def test_dry_run_looks_up_references_in_chunks_not_row_by_row(
    world, django_assert_max_num_queries, monkeypatch
):
    monkeypatch.setattr("aduan.channels.importing.LOOKUP_CHUNK", 20)
    import_csv(world, csv_bytes(ROWS[0]))
    rows = [f"Q-{n},sms,2026-01-01,,Isi {n},,jalan-rusak" for n in range(40)]
    again = "CC-001,call_center,2026-01-05,,Lampu di Jl. Sudirman mati,,jalan-rusak"
    data = csv_bytes(*rows, again, header="reference,channel,date,title,body,kind,category")
    table = read_table(io.BytesIO(data), "rekap.csv")

    # A category lookup, one reference lookup per chunk of 20, two for the known one.
    with django_assert_max_num_queries(8):
        summary = run_import(table, user=world.agency_admin, received_by=world.agency, dry_run=True)

    assert (summary.new, summary.existing) == (40, 1)


# --- Imports in the background --------------------------------------------------------


def start(world, data: bytes, *, user=None, name="rekap.csv", notify_reporters=True, lang="en"):
    """Starts a job as the page does; the worker writes its errors in `lang`, the
    language of the admin who started it."""
    from aduan.channels.importing import import_targets

    user = user or world.agency_admin
    type(user).objects.filter(pk=user.pk).update(language=lang)
    target = next(t for t in import_targets(user) if t.key == "kab-contoh")
    return start_job(
        user=user, target=target, data=data, name=name, notify_reporters=notify_reporters
    )


def test_a_job_records_who_where_what_and_every_rows_outcome(world):
    job = start(world, csv_bytes(*ROWS, ROWS[0], "BAD-1,sms,kemarin,,Isi"))

    assert run_job(job.pk) == "done"

    job.refresh_from_db()
    assert (job.created_by, job.organization) == (world.agency_admin, world.agency)
    assert job.file_name == "rekap.csv"
    assert job.file.read().startswith(HEADER.encode())
    assert job.state == ImportJob.State.DONE
    assert (job.total, job.done, job.created, job.duplicates, job.failed) == (4, 4, 2, 1, 1)
    assert job.started_at <= job.finished_at
    assert any(error.startswith("Row 5, column received_at:") for error in job.errors)
    assert any("row 2" in error for error in job.errors)


def test_a_jobs_errors_are_written_in_the_language_of_the_admin_who_started_it(world):
    job = start(world, csv_bytes("BAD-1,sms,kemarin,,Isi"), lang="id")

    run_job(job.pk)

    job.refresh_from_db()
    assert job.errors[0].startswith("Baris 2, kolom received_at:")


def test_a_job_is_enqueued_only_after_its_transaction_commits(world, committed):
    with committed() as callbacks:
        job = start(world, csv_bytes(*ROWS))
        assert not DBTaskResult.objects.filter(task_path=TASK_PATH).exists()

    assert len(callbacks) == 1
    assert DBTaskResult.objects.get(task_path=TASK_PATH).args_kwargs["args"] == [job.pk]


def test_a_job_delivered_twice_imports_once(world):
    job = start(world, csv_bytes(*ROWS))

    assert run_job(job.pk) == "done"
    assert run_job(job.pk) == "skipped"
    assert Report.objects.count() == 2


def test_the_progress_is_written_while_the_job_runs(world, monkeypatch):
    from aduan.channels import importing

    monkeypatch.setattr(importing, "PROGRESS_ROWS", 1)
    seen = []
    real_submit = importing.submit_report

    def watching(*args, **kwargs):
        seen.append(ImportJob.objects.values_list("done", "created").get())
        return real_submit(*args, **kwargs)

    monkeypatch.setattr(importing, "submit_report", watching)
    job = start(world, csv_bytes(*ROWS, "CC-003,sms,2026-01-07,,Isi ketiga"))

    run_job(job.pk)

    assert seen == [(0, 0), (1, 1), (2, 2)]


def test_an_import_whose_worker_died_is_run_again_without_duplicates(world, monkeypatch):
    from aduan.channels import importing

    job = start(world, csv_bytes(*ROWS, "CC-003,sms,2026-01-07,,Isi ketiga"))
    real_submit = importing.submit_report
    calls = []

    def dies_on_the_third_row(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise SystemExit  # the worker process is killed mid-import
        return real_submit(*args, **kwargs)

    monkeypatch.setattr(importing, "submit_report", dies_on_the_third_row)
    with pytest.raises(SystemExit):
        run_job(job.pk)
    monkeypatch.setattr(importing, "submit_report", real_submit)
    DBTaskResult.objects.all().delete()

    assert requeue_stalled_imports() == 0  # still within its lease of silence
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=11)):
        assert requeue_stalled_imports() == 1
        assert requeue_stalled_imports() == 0
        assert run_queued_imports() == ["done"]

    job.refresh_from_db()
    assert (job.state, job.created, job.duplicates) == (ImportJob.State.DONE, 1, 2)
    assert Report.objects.count() == 3


def test_a_file_that_cannot_be_read_fails_the_job_and_says_why(world):
    job = start(world, csv_bytes("X-1,sms,2026-01-01", header="reference,channel,date"))

    assert run_job(job.pk) == "failed"

    job.refresh_from_db()
    assert job.state == ImportJob.State.FAILED
    assert "body" in job.problem
    assert job.finished_at is not None
    assert not Report.objects.exists()


def test_an_admin_who_lost_the_role_before_the_job_ran_imports_nothing(world):
    job = start(world, csv_bytes(*ROWS))
    Membership.objects.filter(user=world.agency_admin).delete()

    assert run_job(job.pk) == "failed"
    assert not Report.objects.exists()


def test_the_progress_page_refreshes_itself_until_the_job_ends(client, world):
    job = start(world, csv_bytes(*ROWS))
    client.force_login(world.agency_admin)
    url = reverse("workspace:import_job", args=[job.pk])

    waiting = client.get(url).content.decode()
    run_job(job.pk)
    finished = client.get(url).content.decode()

    assert 'http-equiv="refresh"' in waiting
    assert 'data-import-state="queued"' in waiting
    assert 'http-equiv="refresh"' not in finished
    assert 'data-import-state="done"' in finished


def test_the_progress_page_shows_the_rows_done_while_the_job_runs(client, world, monkeypatch):
    from aduan.channels import importing

    monkeypatch.setattr(importing, "PROGRESS_ROWS", 1)
    job = start(world, csv_bytes(*ROWS, "CC-003,sms,2026-01-07,,Isi ketiga"))
    client.force_login(world.agency_admin)
    url = reverse("workspace:import_job", args=[job.pk])
    pages = []
    real_submit = importing.submit_report

    def watching(*args, **kwargs):
        pages.append(client.get(url).content.decode())
        return real_submit(*args, **kwargs)

    monkeypatch.setattr(importing, "submit_report", watching)
    run_job(job.pk)

    last = pages[-1]
    assert 'data-import-state="running"' in last
    assert "2 of 3 rows" in last
    assert 'value="66"' in last
    assert 'http-equiv="refresh"' in last


def test_the_progress_page_lists_every_error_at_the_end(client, world):
    job = start(world, csv_bytes(ROWS[0], "BAD-1,sms,kemarin,,Isi", "BAD-2,fax,2026-01-01,,Isi"))
    run_job(job.pk)
    client.force_login(world.agency_admin)

    page = client.get(reverse("workspace:import_job", args=[job.pk])).content.decode()

    assert 'data-count="invalid">2<' in page
    assert "Row 3, column received_at:" in page
    assert "Row 4, column channel:" in page


def test_the_import_page_lists_recent_jobs_of_ones_organizations_only(client, world):
    mine = start(world, csv_bytes(*ROWS), name="rekap-saya.csv")
    client.force_login(world.other_admin)
    other_page = client.get(reverse("workspace:import")).content.decode()
    client.force_login(world.agency_admin)

    page = client.get(reverse("workspace:import")).content.decode()

    assert reverse("workspace:import_job", args=[mine.pk]) in page
    assert "rekap-saya.csv" not in other_page


def test_admin_of_another_organization_gets_404_on_the_progress_page(client, world):
    job = start(world, csv_bytes(*ROWS))
    client.force_login(world.other_admin)

    assert client.get(reverse("workspace:import_job", args=[job.pk])).status_code == 404


@pytest.mark.parametrize("user_attr", ["outsider", "liaison_a", "citizen"])
def test_non_admins_are_refused_the_progress_page(client, world, user_attr):
    job = start(world, csv_bytes(*ROWS))
    client.force_login(getattr(world, user_attr))

    assert client.get(reverse("workspace:import_job", args=[job.pk])).status_code == 403


def test_progress_page_costs_a_fixed_number_of_queries(
    client, world, django_assert_max_num_queries
):
    job = start(world, csv_bytes(*ROWS, "BAD-1,sms,kemarin,,Isi"))
    run_job(job.pk)
    client.force_login(world.agency_admin)

    with django_assert_max_num_queries(20):
        client.get(reverse("workspace:import_job", args=[job.pk]))


def received_messages():
    return Notification.objects.filter(kind=MessageKind.RECEIVED)


def test_reporters_of_an_import_are_told_by_default(world):
    run_job(start(world, csv_bytes(ROWS[0])).pk)
    assert run_announcements() == ["SUCCESSFUL"]  # the worker writes them

    assert received_messages().filter(address="budi@example.id").exists()


def test_an_old_recap_can_be_imported_without_telling_the_reporters(
    client, world, import_now, committed
):
    client.force_login(world.agency_admin)
    import_now(csv_bytes(ROWS[0]), quiet="on")
    preview = upload(client, csv_bytes(ROWS[1]), quiet="on")
    with committed():
        client.post(reverse("workspace:import_confirm"), {"token": preview.context["token"]})
    run_queued_imports()

    assert Report.objects.count() == 2
    assert not ImportJob.objects.filter(notify_reporters=True).exists()
    assert not received_messages().exists()


def test_command_no_notify_flag_tells_no_reporter(world, tmp_path):
    path = tmp_path / "rekap.csv"
    path.write_bytes(csv_bytes(ROWS[0]))

    call_command(
        "import_reports",
        str(path),
        organization="kab-contoh",
        user=world.agency_admin.email,
        no_notify=True,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )

    assert Report.objects.count() == 1
    assert not received_messages().exists()


def test_a_finished_imports_file_is_deleted_after_the_retention_period(world, settings):
    from aduan.channels.importing import forget_old_import_files

    settings.ADUAN_IMPORT_FILE_DAYS = 30
    job = start(world, csv_bytes(*ROWS))
    run_job(job.pk)
    job.refresh_from_db()
    stored = Path(job.file.path)
    assert stored.is_file()
    assert forget_old_import_files(job.finished_at + datetime.timedelta(days=29)) == 0
    assert forget_old_import_files(job.finished_at + datetime.timedelta(days=31)) == 1
    job.refresh_from_db()
    assert not stored.exists() and job.file.name == ""
    assert (job.state, job.created) == (ImportJob.State.DONE, 2)  # the record stays
    assert forget_old_import_files(job.finished_at + datetime.timedelta(days=32)) == 0


def test_a_queued_imports_file_is_kept_however_old(world):
    from aduan.channels.importing import forget_old_import_files

    job = start(world, csv_bytes(*ROWS))
    assert forget_old_import_files(job.created_at + datetime.timedelta(days=400)) == 0
    job.refresh_from_db()
    assert job.file.name
