"""What roles a user holds, and where: the one source for every permission check."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Q

from aduan.organizations.models import Membership, Organization

Role = Membership.Role
ADMIN_ROLES = (Role.NATIONAL_ADMIN, Role.AGENCY_ADMIN)
# Who may respond to and complete the reports of an organization (on it or above it).
HANDLING_ROLES = (Role.LIAISON, Role.AGENCY_ADMIN)
STAFF_ROLES = (Role.NATIONAL_ADMIN, Role.AGENCY_ADMIN, Role.LIAISON, Role.SUPERVISOR)


@dataclass
class Access:
    """A user's active memberships, loaded once per request."""

    memberships: list[Membership] = field(default_factory=list)

    @classmethod
    def of(cls, user) -> Access:
        if not getattr(user, "is_authenticated", False):
            return cls()
        cached = getattr(user, "_aduan_access", None)
        if cached is None:
            rows = Membership.objects.filter(
                user=user, is_active=True, organization__is_active=True
            ).select_related("organization")
            cached = cls(list(rows))
            user._aduan_access = cached
        return cached

    def orgs(self, *roles: str) -> list[Organization]:
        return [m.organization for m in self.memberships if m.role in roles]

    def has_role(self, *roles: str) -> bool:
        return any(m.role in roles for m in self.memberships)

    @cached_property
    def overseen(self) -> list[Organization] | None:
        """`overseen_organizations`."""
        return _overseen(self)

    @cached_property
    def is_national_admin(self) -> bool:
        """Holds the national admin role on a top-level organization, the only place it
        can be granted (`may_hold_national_admin`); a grant elsewhere from before that
        rule gives no installation-wide powers."""
        return any(
            m.role == Role.NATIONAL_ADMIN and m.organization.parent_id is None
            for m in self.memberships
        )

    @property
    def is_admin(self) -> bool:
        """Administers some organization (national or agency admin)."""
        return self.has_role(*ADMIN_ROLES)

    @property
    def is_staff(self) -> bool:
        """Works in the back office in any role (auditors included)."""
        return bool(self.memberships)

    def holds(self, org: Organization | None, *roles: str) -> bool:
        """True if the user holds one of `roles` on `org` or on an organization above it."""
        if org is None:
            return False
        return any(m.role in roles and m.organization.contains(org) for m in self.memberships)

    def can_administer(self, org: Organization | None) -> bool:
        """May verify, dispatch, hold and archive reports waiting at `org` (None = national)."""
        if self.is_national_admin:
            return True
        return self.holds(org, Role.AGENCY_ADMIN)

    def can_handle(self, org: Organization | None) -> bool:
        """May respond to and complete reports dispatched to `org`."""
        return self.holds(org, *HANDLING_ROLES)

    def report_destinations(self):
        """Organizations this user may send a report to for handling: `dispatch_targets`
        but an oversight body (reports reach it by hand-over) and the national operator
        (a report waiting for the national admins has no organization)."""
        operator = Organization.objects.national().values("pk")
        return (
            self.dispatch_targets().exclude(kind=Organization.Kind.AUDITOR).exclude(pk__in=operator)
        )

    def dispatch_targets(self):
        """Organizations this user may dispatch to: their subtrees, or all for national admins."""
        qs = Organization.objects.active()
        if self.is_national_admin:
            return qs
        paths = [o.path for o in self.orgs(Role.AGENCY_ADMIN)]
        if not paths:
            return qs.none()
        query = Q()
        for path in paths:
            query |= Q(path__startswith=path)
        return qs.filter(query)


def overseen_by(body: Organization) -> list[Organization] | None:
    """The agencies an oversight body watches: those serving a region within its own
    (an Ombudsman office of a province watches the province and its regencies); every
    agency (None) when it declares no region."""
    codes = list(body.regions.values_list("code", flat=True))
    if not codes:
        return None
    within = Q()
    for code in codes:
        within |= Q(regions__code=code) | Q(regions__code__startswith=f"{code}.")
    agencies = Organization.objects.agencies().active().exclude(kind=Organization.Kind.AUDITOR)
    return list(agencies.filter(within).distinct())


def overseen_organizations(access: Access) -> list[Organization] | None:
    """The agencies the user's oversight bodies watch, whose subtrees they may see as
    figures; None for every agency, [] (with no query) for someone who audits nothing.
    The one definition for the dashboards and the monthly recap; worked out once per
    `Access` (a request)."""
    return access.overseen


def _overseen(access: Access) -> list[Organization] | None:
    overseen: set[Organization] = set()
    for body in access.orgs(Role.AUDITOR):
        agencies = overseen_by(body)
        if agencies is None:
            return None
        overseen.update(agencies)
    return sorted(overseen, key=lambda org: (org.depth, org.name))


def units_without_liaison(orgs) -> set[int]:
    """The ids of those of `orgs` that are units (not agencies) with no active liaison
    officer of their own, in one query: their reports wait for someone above them."""
    units = [org.pk for org in orgs if not org.is_agency]
    staffed = Membership.objects.filter(
        organization__in=units, role=Role.LIAISON, is_active=True, user__is_active=True
    ).values_list("organization_id", flat=True)
    return set(units) - set(staffed)


def is_officer(user) -> bool:
    """Someone who works in the back office (any active role in an organization) or runs
    the installation (`is_staff`). Uses the request's cached `Access`."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_staff or Access.of(user).is_staff
