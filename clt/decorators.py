from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied

from clt import roles


def staff_required(view: Callable) -> Callable:
    """Pages for the trust's staff only; others get 403 (the login middleware handles anonymous)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not roles.is_staff_member(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
