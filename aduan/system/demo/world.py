"""The organizations, people, categories and rules of the demo installation.

Central Java: the province, Kabupaten Banyumas, Kabupaten Purbalingga (its connection
decree has expired, so it shows as "not connected") and Kota Semarang, each with its
departments, a few district offices and one village office, plus the national
administrators and the Ombudsman as the oversight body.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from aduan.accounts.models import User
from aduan.organizations.models import (
    Category,
    ConnectionDecree,
    Membership,
    Organization,
    Region,
    ResponseTemplate,
    RoutingRule,
)
from aduan.system.demo import texts

Kind = Organization.Kind
Role = Membership.Role

DEMO_PASSWORD = "demo-aduan-2026"
EMAIL_DOMAIN = "demo.aduan.id"
NATIONAL_SLUG = "nasional"

# (slug suffix, department name, short name, email prefix)
DEPARTMENTS = [
    ("pupr", "Dinas Pekerjaan Umum dan Penataan Ruang", "Dinas PUPR", "pupr"),
    ("dishub", "Dinas Perhubungan", "Dishub", "dishub"),
    ("disdukcapil", "Dinas Kependudukan dan Pencatatan Sipil", "Disdukcapil", "dukcapil"),
    ("dinkes", "Dinas Kesehatan", "Dinkes", "dinkes"),
    ("disdik", "Dinas Pendidikan", "Disdik", "disdik"),
    ("satpolpp", "Satuan Polisi Pamong Praja", "Satpol PP", "satpolpp"),
    ("dlh", "Dinas Lingkungan Hidup", "DLH", "dlh"),
    ("dpmptsp", "Dinas Penanaman Modal dan PTSP", "DPMPTSP", "dpmptsp"),
]

# (slug, name, English name, [(slug, name, English name, department)])
CATEGORIES = [
    ("infrastruktur", "Infrastruktur", "Infrastructure", [
        ("jalan-rusak", "Jalan Rusak", "Damaged roads", "pupr"),
        ("jembatan", "Jembatan", "Bridges", "pupr"),
        ("pju", "Penerangan Jalan Umum", "Street lighting", "dishub"),
        ("drainase", "Drainase dan Banjir", "Drains and flooding", "pupr"),
    ]),
    ("lingkungan", "Lingkungan Hidup", "Environment", [
        ("sampah", "Sampah", "Waste collection", "dlh"),
        ("pencemaran", "Pencemaran", "Pollution", "dlh"),
        ("pohon", "Pohon dan Taman", "Trees and parks", "dlh"),
    ]),
    ("perhubungan", "Perhubungan", "Transport", [
        ("parkir-liar", "Parkir Liar", "Illegal parking attendants", "dishub"),
        ("lalu-lintas", "Lampu Lalu Lintas", "Traffic lights", "dishub"),
        ("angkutan", "Angkutan Umum", "Public transport", "dishub"),
    ]),
    ("adminduk", "Administrasi Kependudukan", "Civil registration", [
        ("ktp-el", "KTP Elektronik", "Electronic ID card", "disdukcapil"),
        ("kartu-keluarga", "Kartu Keluarga", "Family card", "disdukcapil"),
        ("akta-kelahiran", "Akta Kelahiran", "Birth certificate", "disdukcapil"),
    ]),
    ("kesehatan", "Kesehatan", "Health", [
        ("puskesmas", "Pelayanan Puskesmas", "Community health centres", "dinkes"),
        ("bpjs", "Jaminan Kesehatan", "Health insurance", "dinkes"),
    ]),
    ("pendidikan", "Pendidikan", "Education", [
        ("pungutan-sekolah", "Pungutan Sekolah", "School levies", "disdik"),
        ("ppdb", "Penerimaan Murid Baru", "School admission", "disdik"),
        ("fasilitas-sekolah", "Sarana Sekolah", "School facilities", "disdik"),
    ]),
    ("ketertiban", "Ketertiban Umum", "Public order", [
        ("pkl", "Pedagang Kaki Lima", "Street vendors", "satpolpp"),
        ("bangunan-liar", "Bangunan Liar", "Unlicensed buildings", "satpolpp"),
        ("kebisingan", "Gangguan Kebisingan", "Noise", "satpolpp"),
    ]),
    ("perizinan", "Perizinan", "Permits", [
        ("perizinan-berusaha", "Perizinan Berusaha", "Business licences", "dpmptsp"),
        ("pbg", "Persetujuan Bangunan Gedung", "Building approvals", "dpmptsp"),
    ]),
]  # fmt: skip

# (slug, name, kind, region, head's title, districts, decree expired)
AGENCIES = [
    ("kab-banyumas", "Pemerintah Kabupaten Banyumas", Kind.REGENCY, "33.02", "Bupati Banyumas",
     ["33.02.27", "33.02.22"], False),
    ("kab-purbalingga", "Pemerintah Kabupaten Purbalingga", Kind.REGENCY, "33.03",
     "Bupati Purbalingga", ["33.03.05", "33.03.09"], True),
    ("kota-semarang", "Pemerintah Kota Semarang", Kind.CITY, "33.74", "Wali Kota Semarang",
     ["33.74.10", "33.74.01"], False),
]  # fmt: skip
VILLAGE_OFFICE = ("kab-banyumas", "33.02.22.2010")  # Desa Kemutug Lor, Baturraden

PROVINCE_DEPARTMENTS = [
    ("pu-bmck", "Dinas PU Bina Marga dan Cipta Karya Provinsi Jawa Tengah", "DPU BMCK", "bmck"),
    ("disdikbud", "Dinas Pendidikan dan Kebudayaan Provinsi Jawa Tengah", "Disdikbud", "disdikbud"),
]


@dataclass
class Account:
    email: str
    role: str
    organization: Organization | None
    featured: bool = False  # printed in the short accounts table


@dataclass
class World:
    """Everything the report builders need, looked up once."""

    national: Organization
    province: Organization
    ombudsman: Organization
    agencies: dict[str, Organization] = field(default_factory=dict)
    units: dict[str, Organization] = field(default_factory=dict)
    admins: dict[str, User] = field(default_factory=dict)  # agency slug → admin
    liaisons: dict[str, User] = field(default_factory=dict)  # unit slug → liaison
    supervisors: dict[str, User] = field(default_factory=dict)
    national_admin: User | None = None
    citizens: list[User] = field(default_factory=list)
    categories: dict[str, Category] = field(default_factory=dict)
    accounts: list[Account] = field(default_factory=list)


def demo_exists() -> bool:
    return Organization.objects.filter(slug=NATIONAL_SLUG).exists()


class DemoUsers:
    """Creates demo users sharing one password hash: hashing once keeps seeding fast."""

    def __init__(self, world: World):
        self.world = world
        self.password_hash = make_password(DEMO_PASSWORD)

    def create(self, local: str, name: str, role: str = "citizen", org=None, featured=False):
        email = f"{local}@{EMAIL_DOMAIN}"
        # Officers read their messages in the app: the demo's many overdue reports would
        # otherwise fill the console with email.
        user = User.objects.create(
            email=email,
            full_name=name,
            password=self.password_hash,
            notify_by_email=org is None,
            email_confirmed_at=timezone.now(),  # the demo's addresses receive nothing
        )
        if org is not None:
            Membership.objects.create(user=user, organization=org, role=role)
        self.world.accounts.append(Account(email, role, org, featured))
        return user


def build_world() -> World:
    """Create the demo organizations, accounts, categories and rules (regions must exist)."""
    with transaction.atomic():
        national = _org("Pengelola SP4N-LAPOR! Nasional (Kementerian PANRB)", NATIONAL_SLUG,
                        Kind.MINISTRY, short="LAPOR! Nasional")  # fmt: skip
        province = _org("Pemerintah Provinsi Jawa Tengah", "prov-jateng", Kind.PROVINCE,
                        region="33", short="Pemprov Jateng")  # fmt: skip
        ombudsman = _org("Ombudsman RI Perwakilan Jawa Tengah", "ombudsman-jateng", Kind.AUDITOR,
                         region="33", short="Ombudsman Jateng")  # fmt: skip
        world = World(national=national, province=province, ombudsman=ombudsman)
        users = DemoUsers(world)
        world.national_admin = users.create(
            "admin.nasional", "Rudi Hartono", Role.NATIONAL_ADMIN, national, featured=True
        )
        _build_province(world, users)
        for spec in AGENCIES:
            _build_agency(world, users, *spec)
        _build_village_office(world)
        users.create("pengawas.ombudsman", "Dian Puspitasari", Role.AUDITOR, ombudsman, True)
        for i, name in enumerate(texts.CITIZEN_NAMES):
            local = "warga" if i == 0 else name.lower().replace(" ", ".")
            world.citizens.append(users.create(local, name, featured=i == 0))
        operator = users.create("operator", "Operator Sistem", featured=True)
        User.objects.filter(pk=operator.pk).update(is_staff=True, is_superuser=True)
        _build_categories(world)
        _build_routing_rules(world)
        _build_templates(world)
    return world


def _org(name, slug, kind, parent=None, region=None, short="") -> Organization:
    org = Organization.objects.create(
        name=name, slug=slug, kind=kind, parent=parent, short_name=short
    )
    if region:
        org.regions.add(region)
    return org


def _decree(org: Organization, number: str, expired: bool, officers: str) -> None:
    today = timezone.localdate()
    if expired:
        issued, until = today - datetime.timedelta(days=3 * 365), today - datetime.timedelta(60)
    else:
        issued, until = today - datetime.timedelta(days=400), today + datetime.timedelta(730)
    ConnectionDecree.objects.create(
        organization=org,
        number=f"{number}/{issued.year}",
        issued_on=issued,
        valid_until=until,
        admin_officers=officers.split(";")[0],
        liaison_officers=officers.split(";")[1],
    )


def _build_province(world: World, users: DemoUsers) -> None:
    province = world.province
    world.agencies[province.slug] = province
    world.admins[province.slug] = users.create(
        "admin.jateng", "Hendro Wibowo", Role.AGENCY_ADMIN, province
    )
    for suffix, name, short, local in PROVINCE_DEPARTMENTS:
        unit = _org(name, f"prov-jateng-{suffix}", Kind.DEPARTMENT, province, short=short)
        world.units[unit.slug] = unit
        world.liaisons[unit.slug] = users.create(
            f"{local}.jateng", f"Penghubung {short} Jateng", Role.LIAISON, unit
        )
    _decree(province, "100.3.3.2/12", False, "Hendro Wibowo;Penghubung DPU BMCK")


def _build_agency(world, users, slug, name, kind, region, head, districts, expired) -> None:
    agency = _org(name, slug, kind, world.province, region=region, short=name.split(" ", 1)[1])
    world.agencies[slug] = agency
    place = slug.split("-", 1)[1]
    title = "Kota" if kind == Kind.CITY else "Kabupaten"
    featured = slug == "kab-banyumas"
    world.admins[slug] = users.create(
        f"admin.{place}", f"Admin {title} {place.title()}", Role.AGENCY_ADMIN, agency, featured
    )
    for suffix, dept, short, local in DEPARTMENTS:
        unit = _org(f"{dept} {title} {place.title()}", f"{slug}-{suffix}", Kind.DEPARTMENT,
                    agency, region=region, short=short)  # fmt: skip
        world.units[unit.slug] = unit
        world.liaisons[unit.slug] = users.create(
            f"{local}.{place}",
            f"Penghubung {short} {place.title()}",
            Role.LIAISON,
            unit,
            featured and suffix in ("pupr", "dishub"),
        )
    for code in districts:
        district = Region.objects.get(code=code)
        unit = _org(f"Kecamatan {district.name}", f"{slug}-kec-{code[-2:]}", Kind.DISTRICT,
                    agency, region=district)  # fmt: skip
        world.units[unit.slug] = unit
    world.supervisors[slug] = users.create(
        f"{head.split()[0].lower()}.{place}", head, Role.SUPERVISOR, agency, featured
    )
    _decree(agency, f"100.3.3.2/{len(slug) * 7}", expired, f"Admin {place.title()};Dinas PUPR")


def _build_village_office(world: World) -> None:
    slug, code = VILLAGE_OFFICE
    village = Region.objects.get(code=code)
    district = world.units[f"{slug}-kec-{code.split('.')[2]}"]
    unit = _org(f"Pemerintah Desa {village.name}", f"{slug}-desa-{code[-4:]}", Kind.VILLAGE,
                district, region=village)  # fmt: skip
    world.units[unit.slug] = unit


def _build_categories(world: World) -> None:
    for slug, name, name_en, children in CATEGORIES:
        parent = Category.objects.create(name=name, name_en=name_en, slug=slug)
        world.categories[slug] = parent
        for child_slug, child_name, child_en, _dept in children:
            world.categories[child_slug] = Category.objects.create(
                name=child_name, name_en=child_en, slug=child_slug, parent=parent
            )


def _build_routing_rules(world: World) -> None:
    """Each sub-category in a regency goes to its department; elsewhere in the province
    to the provincial government, whose admins dispatch it further."""
    rules = []
    for slug, agency in world.agencies.items():
        if agency == world.province:
            continue
        region = agency.regions.first()
        for _p, _n, _e, children in CATEGORIES:
            for child_slug, _name, _en, dept in children:
                unit = world.units[f"{slug}-{dept}"]
                rules.append(RoutingRule(category=world.categories[child_slug], region=region,
                                         organization=unit, owner=agency))  # fmt: skip
    for parent_slug, _n, _e, _c in CATEGORIES:
        rules.append(RoutingRule(category=world.categories[parent_slug], region_id="33",
                                 organization=world.province, owner=world.province))  # fmt: skip
    RoutingRule.objects.bulk_create(rules)


def _build_templates(world: World) -> None:
    holders = [world.agencies["kab-banyumas"], world.units["kab-banyumas-pupr"],
               world.units["kab-banyumas-dishub"], world.agencies["kota-semarang"]]  # fmt: skip
    ResponseTemplate.objects.bulk_create(
        ResponseTemplate(organization=org, title=title, body=body)
        for org in holders
        for title, body in texts.RESPONSE_TEMPLATES
    )


def load_world() -> World:
    """Rebuild the World of an existing demo from the database (for --synthetic)."""
    national = Organization.objects.get(slug=NATIONAL_SLUG)
    world = World(
        national=national,
        province=Organization.objects.get(slug="prov-jateng"),
        ombudsman=Organization.objects.get(slug="ombudsman-jateng"),
    )
    world.agencies = {slug: Organization.objects.get(slug=slug) for slug, *_r in AGENCIES}
    world.agencies["prov-jateng"] = world.province
    for org in Organization.objects.filter(parent__in=world.agencies.values()):
        world.units[org.slug] = org
    for m in Membership.objects.filter(user__email__endswith=EMAIL_DOMAIN).select_related(
        "user", "organization"
    ):
        slug = m.organization.slug
        if m.role == Role.AGENCY_ADMIN:
            world.admins[slug] = m.user
        elif m.role == Role.LIAISON:
            world.liaisons[slug] = m.user
        elif m.role == Role.NATIONAL_ADMIN:
            world.national_admin = m.user
    world.citizens = list(User.objects.filter(email__endswith=EMAIL_DOMAIN, memberships=None))
    world.categories = {c.slug: c for c in Category.objects.all()}
    return world
