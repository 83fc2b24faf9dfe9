"""Who a user is to the trust: staff, homeowner, member, board member, or anonymous.

Roles are answers to questions about the user, computed once per request object and cached on
it, so a page that asks five times costs one query. Staff and board are Django groups;
a homeowner is a user whose Person holds, or held, a ground lease (what they see is then
narrowed to their own leases by each model's access rules). A member is derived too (a lessee
of a lease in force, or an approved general or supporting member today), and the member group
still grants the role by hand.
"""

from __future__ import annotations

from typing import Any

from clt import clock

STAFF_GROUP = "staff"
MEMBER_GROUP = "member"
BOARD_GROUP = "board"
ELECTION_OFFICER_GROUP = "election_officer"

ROLE_STAFF = "staff"
ROLE_HOMEOWNER = "homeowner"
ROLE_MEMBER = "member"
ROLE_BOARD = "board"
ROLE_ELECTION_OFFICER = "election_officer"

__all__ = [
    "BOARD_GROUP",
    "ELECTION_OFFICER_GROUP",
    "MEMBER_GROUP",
    "STAFF_GROUP",
    "is_board_member",
    "is_election_officer",
    "is_homeowner",
    "is_member",
    "is_staff_member",
    "user_roles",
]


def _group_names(user: Any) -> frozenset[str]:
    cached = getattr(user, "_clt_group_names", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._clt_group_names = cached
    return cached


def user_roles(user: Any) -> frozenset[str]:
    """Every role the user holds; empty for anonymous and inactive users."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_clt_roles", None)
    if cached is not None:
        return cached
    groups = _group_names(user)
    roles = set()
    if user.is_superuser or STAFF_GROUP in groups:
        roles.add(ROLE_STAFF)
    if MEMBER_GROUP in groups or _is_member_today(user):
        roles.add(ROLE_MEMBER)
    if BOARD_GROUP in groups or _on_the_board_today(user):
        roles.add(ROLE_BOARD)
    if ELECTION_OFFICER_GROUP in groups:
        roles.add(ROLE_ELECTION_OFFICER)
    if _holds_a_lease(user):
        roles.add(ROLE_HOMEOWNER)
    user._clt_roles = frozenset(roles)
    return user._clt_roles


def _holds_a_lease(user: Any) -> bool:
    return _lease_and_membership(user)[0]


def _lease_and_membership(user: Any) -> tuple[bool, bool, bool]:
    """(holds or held a lease, is a member today, serves on the board today), asked in one query and cached on
    the user object."""
    cached = getattr(user, "_clt_lease_and_membership", None)
    if cached is not None:
        return cached
    # Looked up by name so that this module, imported by every app, imports none of them.
    from django.apps import apps
    from django.db.models import Exists, Q, Value

    lease = apps.get_model("leases", "GroundLease")
    holds = Q(leaseholders__person__user=user) | Q(organization__contact__user=user)
    held = Exists(lease.objects.filter(holds).exclude(status="draft"))
    member = _member_today_query(user)
    board = _board_today_query(user)
    from django.contrib.auth import get_user_model

    found = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(
            held=held,
            member=Exists(member) if member is not None else Value(False),
            board=Exists(board) if board is not None else Value(False),
        )
        .values_list("held", "member", "board")
        .first()
    )
    user._clt_lease_and_membership = tuple(bool(v) for v in found) if found else (False, False, False)
    return user._clt_lease_and_membership


def _is_member_today(user: Any) -> bool:
    return _lease_and_membership(user)[1]


def _on_the_board_today(user: Any) -> bool:
    return _lease_and_membership(user)[2]


def _board_today_query(user: Any) -> Any:
    """The user's board terms in force today (started, not yet at their end, not ended early): holding a seat
    makes a director a board member without anyone adding them to the board group. ``None`` without governance.
    """
    from django.apps import apps
    from django.db.models import Q

    try:
        term = apps.get_model("governance", "BoardTerm")
    except LookupError:
        return None
    today = clock.today()
    return term.objects.filter(
        Q(person__user=user, starts_on__lte=today, ends_on__gt=today)
        & (Q(ended_on__isnull=True) | Q(ended_on__gt=today))
    )


def _member_today_query(user: Any) -> Any:
    """The user's Person if a member of the trust today: named on a lease in force, or in the household of
    one (when the bylaws make adult household members lessee members), or holding an approved membership
    not ended. ``None`` without the governance app.

    Part of the one roles query; the exact class, vote and reasons are ``governance.membership.selectors.standing_of``.
    Models are looked up by name so that this module imports no app.
    """
    from django.apps import apps
    from django.db.models import Exists, OuterRef, Q

    try:
        person_model = apps.get_model("clt", "Person")
        lease = apps.get_model("leases", "GroundLease")
        membership = apps.get_model("governance", "Membership")
        settings = apps.get_model("governance", "GovernanceSettings")
    except LookupError:
        return None
    today = clock.today()
    in_force = (
        ~Q(status="draft")
        & Q(commencement__lte=today)
        & (Q(ended_on__isnull=True) | Q(ended_on__gt=today))
        & (Q(predecessor__isnull=True) | Q(predecessor__ended_on__lte=today))
    )
    named = lease.objects.filter(in_force, leaseholders__person=OuterRef("pk"))
    household = lease.objects.filter(in_force, household__members__person=OuterRef("pk"))
    adults_count = settings.objects.filter(lessee_scope="adult_household_members")
    general = membership.objects.filter(
        Q(person=OuterRef("pk"), status__in=("active", "resigned", "ended"), approved_on__lte=today)
        & (Q(ended_on__isnull=True) | Q(ended_on__gt=today))
    )
    condition = Exists(named) | Exists(general) | (Exists(household) & Exists(adults_count))
    return person_model.objects.filter(condition, user=user)


def is_staff_member(user: Any) -> bool:
    return ROLE_STAFF in user_roles(user)


def is_homeowner(user: Any) -> bool:
    return ROLE_HOMEOWNER in user_roles(user)


def is_member(user: Any) -> bool:
    return ROLE_MEMBER in user_roles(user)


def is_board_member(user: Any) -> bool:
    return ROLE_BOARD in user_roles(user)


def is_election_officer(user: Any) -> bool:
    """Runs elections: issues codes, closes, counts and certifies (the officer named on an election)."""
    return ROLE_ELECTION_OFFICER in user_roles(user)
