"""DRF permission classes on top of the scoped querysets of ``clt.querysets``.

Reading is decided row by row by ``restrict(user, "view")`` in the viewset's queryset; these
classes decide whether the request may be made at all.
"""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from clt import roles

__all__ = ["IsCltStaff", "ScopedAccess"]


class ScopedAccess(BasePermission):
    """Authenticated users may read what their queryset shows; only staff may write.

    A viewset that lets non-staff users write (a homeowner's own certification, say) sets
    ``non_staff_write_actions``; the object is still fetched through ``restrict(user, action)``.
    """

    def has_permission(self, request, view) -> bool:
        if not roles.user_roles(request.user):
            return False
        if request.method in SAFE_METHODS or roles.is_staff_member(request.user):
            return True
        return getattr(view, "action", None) in getattr(view, "non_staff_write_actions", ())


class IsCltStaff(BasePermission):
    """Staff-only endpoints (exports of the whole registry, imports)."""

    def has_permission(self, request, view) -> bool:
        return roles.is_staff_member(request.user)
