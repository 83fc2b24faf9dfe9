from __future__ import annotations

from django.http import HttpRequest

from clt import roles as role_checks


def roles(request: HttpRequest) -> dict[str, object]:
    """Expose the user's roles to templates, for navigation only; views enforce access."""
    user_roles = role_checks.user_roles(getattr(request, "user", None))
    return {
        "clt_roles": user_roles,
        "is_clt_staff": role_checks.ROLE_STAFF in user_roles,
    }
