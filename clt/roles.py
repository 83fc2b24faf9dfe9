"""Who a user is to the trust: staff, homeowner, member, board member, or anonymous.

Roles are answers to questions about the user, computed once per request object and cached on
it, so a page that asks five times costs one query. Staff, member and board are Django groups;
a homeowner is a user whose Person holds, or held, a ground lease (what they see is then
narrowed to their own leases by each model's access rules).
"""

from __future__ import annotations

from typing import Any

STAFF_GROUP = "staff"
MEMBER_GROUP = "member"
BOARD_GROUP = "board"

ROLE_STAFF = "staff"
ROLE_HOMEOWNER = "homeowner"
ROLE_MEMBER = "member"
ROLE_BOARD = "board"

__all__ = [
    "BOARD_GROUP",
    "MEMBER_GROUP",
    "STAFF_GROUP",
    "is_board_member",
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
    if MEMBER_GROUP in groups:
        roles.add(ROLE_MEMBER)
    if BOARD_GROUP in groups:
        roles.add(ROLE_BOARD)
    if _holds_a_lease(user):
        roles.add(ROLE_HOMEOWNER)
    user._clt_roles = frozenset(roles)
    return user._clt_roles


def _holds_a_lease(user: Any) -> bool:
    # Looked up by name so that this module, imported by every app, imports none of them.
    from django.apps import apps
    from django.db.models import Q

    lease = apps.get_model("leases", "GroundLease")
    holds = Q(leaseholders__person__user=user) | Q(organization__contact__user=user)
    return lease.objects.filter(holds).exclude(status="draft").exists()


def is_staff_member(user: Any) -> bool:
    return ROLE_STAFF in user_roles(user)


def is_homeowner(user: Any) -> bool:
    return ROLE_HOMEOWNER in user_roles(user)


def is_member(user: Any) -> bool:
    return ROLE_MEMBER in user_roles(user)


def is_board_member(user: Any) -> bool:
    return ROLE_BOARD in user_roles(user)
