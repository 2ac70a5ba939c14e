"""Importing reports recorded elsewhere, from CSV and XLSX: the parser, the dry run, the
real run, the management command and the back-office page."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import Workbook

from aduan.channels.importing import (
    ImportFileError,
    RowStatus,
    parse_channel,
    parse_moment,
    read_table,
    run_import,
)
from aduan.organizations.models import Membership, Region
from aduan.reports.models import Channel, Kind, Report, ReportEvent

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


def upload(client, data: bytes, name="rekap.csv", **fields):
    fields.setdefault("dry_run", "on")
    return client.post(
        reverse("workspace:import"), {"file": SimpleUploadedFile(name, data), **fields}
    )


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


def test_import_now_imports_the_file_kept_on_the_server_once(client, world):
    client.force_login(world.agency_admin)
    preview = upload(client, csv_bytes(*ROWS))
    token = preview.context["token"]

    done = client.post(reverse("workspace:import_confirm"), {"token": token})
    replay = client.post(reverse("workspace:import_confirm"), {"token": token})

    assert done.status_code == 200
    assert 'data-count="new">2<' in done.content.decode()
    assert Report.objects.filter(organization=world.agency).count() == 2
    assert replay.status_code == 400
    assert Report.objects.count() == 2


def test_another_admin_cannot_use_someone_elses_preview_token(client, world):
    client.force_login(world.agency_admin)
    token = upload(client, csv_bytes(*ROWS)).context["token"]
    client.logout()
    client.force_login(world.other_admin)

    response = client.post(reverse("workspace:import_confirm"), {"token": token})

    assert response.status_code == 400
    assert not Report.objects.exists()


def test_unchecking_dry_run_imports_at_once(client, world):
    client.force_login(world.agency_admin)

    response = upload(client, csv_bytes(*ROWS), dry_run="")

    assert response.status_code == 200
    assert Report.objects.count() == 2
    assert 'name="token"' not in response.content.decode()


def test_page_reads_xlsx_uploads(client, world):
    client.force_login(world.agency_admin)
    data = xlsx_bytes([["nomor", "kanal", "tanggal", "isi"], ["X-1", "surat", "02/01/2026", "Isi"]])

    response = upload(client, data, name="rekap.xlsx", dry_run="")

    assert response.status_code == 200
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


def test_national_admin_imports_into_the_national_queue(client, world):
    client.force_login(world.national_admin)

    upload(client, csv_bytes(*ROWS), dry_run="")

    assert Report.objects.filter(organization=None).count() == 2


def test_admin_of_several_organizations_chooses_which_one_receives(client, world):
    Membership.objects.create(
        user=world.agency_admin, organization=world.other_agency, role=Membership.Role.AGENCY_ADMIN
    )
    client.force_login(world.agency_admin)

    form_page = client.get(reverse("workspace:import")).content.decode()
    upload(client, csv_bytes(*ROWS), dry_run="", target="kota-lain")

    assert '<option value="kota-lain"' in form_page
    assert Report.objects.filter(organization=world.other_agency).count() == 2


def test_admin_cannot_import_for_an_organization_they_do_not_administer(client, world):
    client.force_login(world.agency_admin)

    response = upload(client, csv_bytes(*ROWS), dry_run="", target="kota-lain")

    assert response.status_code == 400
    assert not Report.objects.exists()


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


def test_dry_run_costs_about_one_query_per_row(world, django_assert_max_num_queries):
    rows = [f"Q-{n},sms,2026-01-01,,Isi {n},,jalan-rusak" for n in range(40)]
    data = csv_bytes(*rows, header="reference,channel,date,title,body,kind,category")
    table = read_table(io.BytesIO(data), "rekap.csv")

    with django_assert_max_num_queries(45):
        summary = run_import(table, user=world.agency_admin, received_by=world.agency, dry_run=True)

    assert summary.new == 40
