"""The cast of every test: organizations, one user per role, and report helpers.

Reports are built through the real intake and lifecycle functions, never by writing rows
into a state the code could not produce.
"""

from __future__ import annotations

import datetime
from types import SimpleNamespace

from django.utils import timezone

from aduan.accounts.models import User
from aduan.channels.intake import Draft, submit_report
from aduan.organizations.models import Category, ConnectionDecree, Membership, Organization
from aduan.reports import lifecycle
from aduan.reports.lifecycle import Actor
from aduan.reports.models import Report, Status

Role = Membership.Role
PASSWORD = "kata-sandi-uji-123"


def _user(email: str, name: str, **extra) -> User:
    extra.setdefault("email_confirmed_at", timezone.now())
    return User.objects.create_user(email=email, password=PASSWORD, full_name=name, **extra)


def _org(name: str, slug: str, kind: str, parent: Organization | None = None) -> Organization:
    return Organization.objects.create(name=name, slug=slug, kind=kind, parent=parent)


def build_world() -> SimpleNamespace:
    K = Organization.Kind
    national = _org("Pengelola SP4N-LAPOR! Nasional", "nasional", K.MINISTRY)
    agency = _org("Pemerintah Kabupaten Contoh", "kab-contoh", K.REGENCY)
    unit_a = _org("Dinas Pekerjaan Umum", "kab-contoh-dpu", K.DEPARTMENT, agency)
    unit_b = _org("Dinas Perhubungan", "kab-contoh-dishub", K.DEPARTMENT, agency)
    other_agency = _org("Pemerintah Kota Lain", "kota-lain", K.CITY)
    ombudsman = _org("Ombudsman RI Perwakilan Contoh", "ombudsman", K.AUDITOR)
    ConnectionDecree.objects.create(
        organization=agency,
        number="100/123/2026",
        issued_on=datetime.date(2026, 1, 2),
        valid_until=datetime.date(2030, 12, 31),
    )
    w = SimpleNamespace(
        national=national,
        agency=agency,
        unit_a=unit_a,
        unit_b=unit_b,
        other_agency=other_agency,
        ombudsman=ombudsman,
    )
    w.citizen = _user("warga@example.id", "Siti Warga", phone="+6281234567890")
    w.national_admin = _user("nasional@example.id", "Admin Nasional")
    w.agency_admin = _user("admin@kab-contoh.example.id", "Admin Kabupaten")
    w.liaison_a = _user("dpu@kab-contoh.example.id", "Penghubung DPU")
    w.liaison_b = _user("dishub@kab-contoh.example.id", "Penghubung Dishub")
    w.supervisor = _user("bupati@kab-contoh.example.id", "Bupati Contoh")
    w.auditor = _user("pengawas@ombudsman.example.id", "Pengawas Ombudsman")
    w.outsider = _user("orang.lain@example.id", "Orang Lain")
    w.other_admin = _user("admin@kota-lain.example.id", "Admin Kota Lain")
    for user, org, role in [
        (w.national_admin, national, Role.NATIONAL_ADMIN),
        (w.agency_admin, agency, Role.AGENCY_ADMIN),
        (w.liaison_a, unit_a, Role.LIAISON),
        (w.liaison_b, unit_b, Role.LIAISON),
        (w.supervisor, agency, Role.SUPERVISOR),
        (w.auditor, ombudsman, Role.AUDITOR),
        (w.other_admin, other_agency, Role.AGENCY_ADMIN),
    ]:
        Membership.objects.create(user=user, organization=org, role=role)
    w.roads = Category.objects.create(name="Infrastruktur", slug="infrastruktur")
    w.potholes = Category.objects.create(name="Jalan Rusak", slug="jalan-rusak", parent=w.roads)
    return w


def submit(
    world, *, reporter=None, title="Jalan berlubang di depan pasar", **draft_fields
) -> tuple[Report, str]:
    """Submit a report as `reporter` (None: a guest); returns the report and guest secret."""
    fields = {
        "body": "Lubang besar di Jalan Merdeka depan pasar, sudah dua minggu, motor sering jatuh.",
        "category": world.potholes,
        "guest_name": "" if reporter else "Budi Tamu",
        "guest_email": "" if reporter else "budi@example.id",
    }
    fields.update(draft_fields)
    submission = submit_report(Draft(title=title, **fields), reporter=reporter)
    return submission.report, submission.secret


def report_at(world, when, title="Lampu jalan padam di depan sekolah") -> Report:
    """A citizen's report submitted at the moment `when` (for dated figures)."""
    draft = Draft(
        title=title,
        body="Lampu jalan padam sejak seminggu, jalan gelap dan rawan.",
        category=world.potholes,
    )
    return submit_report(draft, reporter=world.citizen, at=when).report


def as_user(user) -> Actor:
    return Actor(user=user)


def as_reporter(user=None) -> Actor:
    return Actor(user=user, is_reporter=True)


def advance(world, report: Report, status: str) -> Report:
    """Walk `report` through the real lifecycle until it reaches `status`."""
    steps = {
        Status.SUBMITTED: [],
        Status.ON_HOLD: ["hold"],
        Status.DISPATCHED: ["to_agency", "to_unit"],
        Status.IN_PROGRESS: ["to_agency", "to_unit", "respond"],
        Status.COMPLETED: ["to_agency", "to_unit", "respond", "complete"],
        Status.CLOSED: ["to_agency", "to_unit", "respond", "complete", "satisfied"],
        Status.ARCHIVED: ["archive"],
    }[status]
    for step in steps:
        _STEPS[step](world, report)
    return report


def _reporter_actor(report: Report) -> Actor:
    return as_reporter(report.reporter)


_STEPS = {
    "hold": lambda w, r: lifecycle.hold(r, as_user(w.national_admin), "Di mana lokasinya?"),
    "to_agency": lambda w, r: lifecycle.dispatch(r, as_user(w.national_admin), w.agency),
    "to_unit": lambda w, r: lifecycle.dispatch(r, as_user(w.agency_admin), w.unit_a),
    "respond": lambda w, r: lifecycle.respond(r, as_user(w.liaison_a), "Tim sudah dijadwalkan."),
    "complete": lambda w, r: lifecycle.complete(r, as_user(w.liaison_a), "Lubang sudah ditambal."),
    "satisfied": lambda w, r: lifecycle.reply(r, _reporter_actor(r), satisfied=True),
    "archive": lambda w, r: lifecycle.archive(
        r, as_user(w.national_admin), "not_public_service", "Bukan urusan pelayanan publik."
    ),
}


def days_ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def run_announcements() -> list[str]:
    """What a worker does with the queued messages of new reports: claim and run each
    waiting task, through django-tasks' own worker code, until none waits; returns the
    outcomes of the tasks it ran."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    from aduan.notifications.tasks import announce_submission

    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )

    queued = DBTaskResult.objects.ready().filter(task_path=announce_submission.module_path)
    outcomes = []
    # Afresh after each task: one task also announces the others that are waiting.
    while (row := queued.order_by("enqueued_at").first()) is not None:
        row.claim(worker.worker_id)
        worker.run_task(row)
        row.refresh_from_db()
        outcomes.append(row.status)
    return outcomes
