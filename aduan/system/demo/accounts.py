"""The table of demo accounts printed by `seed_demo` and, on every start, by `start`."""

from __future__ import annotations

from aduan.accounts.models import User
from aduan.organizations.models import Membership
from aduan.system.demo.world import DEMO_PASSWORD, EMAIL_DOMAIN

# One account per role, in the order a visitor would try them.
FEATURED = [
    "admin.nasional",
    "admin.banyumas",
    "pupr.banyumas",
    "dishub.banyumas",
    "bupati.banyumas",
    "pengawas.ombudsman",
    "warga",
    "operator",
]


def account_rows() -> list[tuple[str, str, str, str]]:
    """(email, password, role, organization) of every featured demo account that exists."""
    emails = [f"{local}@{EMAIL_DOMAIN}" for local in FEATURED]
    users = {u.email: u for u in User.objects.filter(email__in=emails)}
    memberships = {
        m.user_id: m
        for m in Membership.objects.filter(user__email__in=emails).select_related("organization")
    }
    rows = []
    for email in emails:
        user = users.get(email)
        if user is None:
            continue
        membership = memberships.get(user.pk)
        if user.is_superuser:
            role = "Superuser (/admin/)"
        else:
            role = membership.get_role_display() if membership else "Citizen"
        org = membership.organization.name if membership else "-"
        rows.append((email, DEMO_PASSWORD, str(role), org))
    return rows


def format_table(rows: list[tuple[str, str, str, str]]) -> str:
    headers = ("Email", "Password", "Role", "Organization")
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(4)]
    lines = [
        "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in [headers, tuple("-" * w for w in widths), *rows]
    ]
    return "\n".join(lines)


def other_officer_count() -> int:
    """Demo officers not in the featured table (other agencies' admins and liaisons)."""
    featured = [f"{local}@{EMAIL_DOMAIN}" for local in FEATURED]
    return (
        User.objects.filter(email__endswith=f"@{EMAIL_DOMAIN}", memberships__isnull=False)
        .exclude(email__in=featured)
        .distinct()
        .count()
    )
