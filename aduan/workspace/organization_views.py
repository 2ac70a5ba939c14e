"""The back office's organization pages: the tree an admin manages, and one organization
with its decrees, units, members and routing rules.

Only admins come here: agency admins for the subtrees of their agency_admin memberships,
national admins for everything. Signed-out visitors are sent to sign in, staff without
an admin role get 403, and an organization outside the user's reach is a 404.
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aduan.organizations.access import ADMIN_ROLES, Access, Role
from aduan.organizations.models import (
    PATH_STEP,
    ConnectionDecree,
    Membership,
    Organization,
    RoutingRule,
    regions_within_q,
)
from aduan.reports.lifecycle import Actor, release_departed, released_message
from aduan.workspace.guards import requires
from aduan.workspace.organization_forms import (
    DecreeForm,
    MemberForm,
    RoutingRuleForm,
    UnitForm,
    grantable_roles,
)
from aduan.workspace.queries import subtree_q

CONNECTION_ROLES = {Role.AGENCY_ADMIN, Role.LIAISON}


admin_required = requires(
    lambda access: access.is_admin, gettext_lazy("Only admins manage organizations.")
)


def administered_tree(access: Access) -> QuerySet[Organization]:
    """Every organization the user administers, inactive ones included, in tree order."""
    orgs = Organization.objects.order_by("path")
    if access.is_national_admin:
        return orgs
    return orgs.filter(subtree_q(access.orgs(Role.AGENCY_ADMIN), "path"))


def get_administered_organization(request, pk: int) -> Organization:
    """The organization `pk` if the signed-in admin administers it, else Http404."""
    org = get_object_or_404(Organization.objects.select_related("parent"), pk=pk)
    if not Access.of(request.user).can_administer(org):
        raise Http404("No such organization")
    return org


# --- The tree -----------------------------------------------------------------------


def _current_decrees(agencies: list[Organization]) -> dict[int, ConnectionDecree]:
    """Each agency's decree valid today (the latest issued), in one query."""
    today = timezone.localdate()
    rows = (
        ConnectionDecree.objects.filter(organization__in=agencies, issued_on__lte=today)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .order_by("organization_id", "-issued_on", "-id")
        .defer("admin_officers", "liaison_officers")
    )
    decrees: dict[int, ConnectionDecree] = {}
    for decree in rows:
        decrees.setdefault(decree.organization_id, decree)
    return decrees


def _member_counts(orgs: list[Organization]) -> dict[int, dict[str, int]]:
    """Active members (active user accounts) per organization and role, in one query."""
    rows = (
        Membership.objects.filter(organization__in=orgs, is_active=True, user__is_active=True)
        .values_list("organization_id", "role")
        .annotate(n=Count("id"))
    )
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for org_id, role, n in rows:
        counts[org_id][role] = n
    return counts


def annotate_tree(orgs: list[Organization]) -> list[Organization]:
    """Set indent, member_counts, decree and connected on each organization.

    `orgs` must hold whole subtrees (as `administered_tree` returns them), so that the
    roles counted below an agency are all its roles; `connected` then matches
    `Organization.is_connected` without a query per agency.
    """
    counts = _member_counts(orgs)
    decrees = _current_decrees([o for o in orgs if o.is_agency])
    path_of = {o.pk: o.path for o in orgs}
    roles_below: dict[str, set[str]] = defaultdict(set)
    for org_id, by_role in counts.items():
        path = path_of[org_id]
        for n in range(PATH_STEP, len(path) + 1, PATH_STEP):
            roles_below[path[:n]].update(by_role)
    top = min((o.depth for o in orgs), default=1)
    labels = dict(Role.choices)
    for org in orgs:
        org.indent = org.depth - top
        org.indent_marker = "\u00a0\u00a0\u00a0\u00a0" * (org.indent - 1) + "└\u00a0"
        by_role = counts.get(org.pk, {})
        org.member_counts = [(labels[r], by_role[r]) for r in Role.values if by_role.get(r)]
        org.decree = decrees.get(org.pk)
        org.connected = org.decree is not None and roles_below[org.path] >= CONNECTION_ROLES
        # Oversight bodies and the national operator are not dispatched to: never
        # "not connected".
        org.receives = org.kind != Organization.Kind.AUDITOR and not getattr(
            org, "is_national", False
        )
        # A unit reports are dispatched to, with nobody of its own to handle them.
        org.without_liaison = not org.is_agency and org.is_active and not by_role.get(Role.LIAISON)
    return orgs


@admin_required
def organizations(request):
    """The organizations the user administers, as an indented tree."""
    national = Organization.objects.national().filter(pk=OuterRef("pk"))
    tree = administered_tree(Access.of(request.user)).annotate(is_national=Exists(national))
    orgs = annotate_tree(list(tree))
    return render(request, "workspace/organizations/tree.html", {"organizations": orgs})


# --- One organization ---------------------------------------------------------------


def _rule_targets(access: Access) -> QuerySet[Organization]:
    # A rule sends reports where the admin may dispatch them: neither an oversight body
    # nor the national operator.
    return access.report_destinations().order_by("path")


def _rules_of(org: Organization) -> QuerySet[RoutingRule]:
    """Rules the organization owns, rules that send reports into its subtree, and rules
    for regions within its declared jurisdiction, whoever made them: a rule for a place
    it serves decides where that place's reports are suggested to go."""
    area = regions_within_q(org.jurisdiction_codes())
    return (
        RoutingRule.objects.filter(Q(owner=org) | Q(organization__path__startswith=org.path) | area)
        .select_related("category__parent", "region", "organization", "owner")
        .order_by("category__name", "region_id", "organization__path")
    )


def can_delete_rule(access: Access, rule: RoutingRule) -> bool:
    """National rules (no owner) are the national admins'; others need owner and target."""
    if rule.owner_id is None:
        return access.is_national_admin
    return access.can_administer(rule.owner) and access.can_administer(rule.organization)


def can_change_membership(access: Access, membership: Membership) -> bool:
    return membership.role in grantable_roles(access)


def _forms(request, org: Organization, bound) -> dict:
    """The page's four forms, unbound, except `bound` which replaces its twin."""
    access = Access.of(request.user)
    forms = {
        "decree_form": DecreeForm(organization=org) if org.is_agency else None,
        "unit_form": UnitForm(parent=org),
        "member_form": MemberForm(organization=org, access=access),
        "rule_form": RoutingRuleForm(owner=org, targets=_rule_targets(access), access=access),
    }
    forms.update(bound or {})
    return forms


def _render_organization(request, org: Organization, *, bound=None, status: int = 200):
    access = Access.of(request.user)
    members = list(
        org.memberships.select_related("user").order_by("-is_active", "role", "user__email")
    )
    rules = list(_rules_of(org))
    context = {
        "org": org,
        "parent_is_administered": bool(org.parent_id) and access.can_administer(org.parent),
        "connected": org.is_connected if org.is_agency else None,
        "current_decree": org.current_decree() if org.is_agency else None,
        "decrees": list(org.decrees.select_related("entered_by")) if org.is_agency else [],
        "units": list(org.children.order_by("name")),
        "members": members,
        "changeable_members": {m.pk for m in members if can_change_membership(access, m)},
        "rules": rules,
        "deletable_rules": {r.pk for r in rules if can_delete_rule(access, r)},
        **_forms(request, org, bound),
    }
    return render(request, "workspace/organizations/detail.html", context, status=status)


@admin_required
def organization(request, pk: int):
    org = get_administered_organization(request, pk)
    return _render_organization(request, org)


def _back(org: Organization, anchor: str):
    response = redirect("workspace:organization", pk=org.pk)
    response["Location"] += f"#{anchor}"
    return response


# --- Changes (POST only) --------------------------------------------------------------


def _save_or_show_errors(request, org, form, form_key: str, section: str, success):
    """Save a valid add-form and go back to its section with `success(saved)` as the
    message; otherwise show the page again with the errors and the typed values."""
    if not form.is_valid():
        return _render_organization(request, org, bound={form_key: form}, status=400)
    saved = form.save()
    messages.success(request, success(saved))
    return _back(org, section)


@require_POST
@admin_required
def decree_add(request, pk: int):
    org = get_administered_organization(request, pk)
    if not org.is_agency:
        raise Http404("Only agencies have connection decrees")
    form = DecreeForm(request.POST, organization=org, entered_by=request.user)
    return _save_or_show_errors(
        request,
        org,
        form,
        "decree_form",
        "decrees",
        lambda decree: _decree_added(request, decree),
    )


def _decree_added(request, decree: ConnectionDecree) -> str:
    """The success message; a warning first when the decree is not in force today."""
    today = timezone.localdate()
    if decree.valid_until and decree.valid_until < today:
        messages.warning(
            request,
            _("Decree %(number)s expired on %(date)s: it does not connect the agency.")
            % {"number": decree.number, "date": date_format(decree.valid_until)},
        )
    elif decree.issued_on > today:
        messages.warning(
            request,
            _(
                "Decree %(number)s takes effect on %(date)s: until then it does not connect "
                "the agency."
            )
            % {"number": decree.number, "date": date_format(decree.issued_on)},
        )
    return _("Decree %(number)s added.") % {"number": decree.number}


@require_POST
@admin_required
def unit_add(request, pk: int):
    org = get_administered_organization(request, pk)
    form = UnitForm(request.POST, parent=org)
    return _save_or_show_errors(
        request,
        org,
        form,
        "unit_form",
        "units",
        lambda unit: _("Unit “%(name)s” added.") % {"name": unit.name},
    )


@require_POST
@admin_required
def member_add(request, pk: int):
    org = get_administered_organization(request, pk)
    form = MemberForm(request.POST, organization=org, access=Access.of(request.user))
    return _save_or_show_errors(
        request,
        org,
        form,
        "member_form",
        "members",
        lambda membership: (
            _("%(user)s is now %(role)s here.")
            % {"user": membership.user.email, "role": membership.get_role_display()}
        ),
    )


def _is_last_admin_membership(membership: Membership) -> bool:
    """True if deactivating `membership` would leave its user no active admin role."""
    if membership.role not in ADMIN_ROLES:
        return False
    others = Membership.objects.filter(
        user_id=membership.user_id,
        is_active=True,
        role__in=ADMIN_ROLES,
        organization__is_active=True,
    ).exclude(pk=membership.pk)
    return not others.exists()


@require_POST
@admin_required
def member_status(request, pk: int, membership_pk: int):
    """Deactivate (active=0) or reactivate (active=1) a membership; never delete it."""
    org = get_administered_organization(request, pk)
    membership = get_object_or_404(
        Membership.objects.select_related("user"), pk=membership_pk, organization=org
    )
    wanted = request.POST.get("active")
    if wanted not in ("0", "1"):
        return HttpResponseBadRequest("active must be 0 or 1")
    if not can_change_membership(Access.of(request.user), membership):
        raise PermissionDenied(_("Only national admins change this role."))
    active = wanted == "1"
    own = membership.user_id == request.user.pk
    if not active and own and _is_last_admin_membership(membership):
        messages.error(
            request,
            _(
                "You cannot deactivate your own last admin role: you would lock yourself "
                "out. Ask another admin to do it."
            ),
        )
        return _render_organization(request, org, status=400)
    with transaction.atomic():
        Membership.objects.filter(pk=membership.pk).update(is_active=active)
        # The reports they were in charge of and may no longer act on become nobody's.
        released = [] if active else release_departed(membership.user, org, Actor(request.user))
    values = {"user": membership.user.email, "role": membership.get_role_display()}
    if active:
        messages.success(request, _("%(user)s is %(role)s here again.") % values)
    else:
        messages.success(request, _("%(user)s is no longer %(role)s here.") % values)
    if released:
        messages.info(request, released_message(len(released)))
    return _back(org, "members")


@require_POST
@admin_required
def rule_add(request, pk: int):
    org = get_administered_organization(request, pk)
    access = Access.of(request.user)
    form = RoutingRuleForm(request.POST, owner=org, targets=_rule_targets(access), access=access)
    return _save_or_show_errors(
        request,
        org,
        form,
        "rule_form",
        "rules",
        lambda rule: _("Routing rule added: %(rule)s.") % {"rule": rule},
    )


@require_POST
@admin_required
def rule_delete(request, pk: int, rule_pk: int):
    org = get_administered_organization(request, pk)
    rule = get_object_or_404(_rules_of(org), pk=rule_pk)
    if not can_delete_rule(Access.of(request.user), rule):
        raise PermissionDenied(_("You may not delete this routing rule."))
    label = str(rule)
    rule.delete()
    messages.success(request, _("Routing rule deleted: %(rule)s.") % {"rule": label})
    return _back(org, "rules")
