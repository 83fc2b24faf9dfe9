"""One error shape for the API: HTTP 400 with the field and the reason; 409 for a delete other records refuse.

Services raise Django's ``ValidationError`` (they are shared with forms and commands); this
handler turns it into DRF's, so ``{"geometry": ["Ring is not closed."]}`` reaches the client the
same way whatever layer found the problem.
"""

from __future__ import annotations

from collections import Counter

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions
from rest_framework.views import exception_handler


def validation_detail(error: DjangoValidationError) -> dict | list:
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): messages
            for field, messages in error.message_dict.items()
        }
    return {"non_field_errors": error.messages}


class Conflict(exceptions.APIException):
    """409: the request is fine but the records as they stand refuse it (a delete other rows depend on)."""

    status_code = 409
    default_code = "conflict"


def protected_detail(error: ProtectedError | RestrictedError) -> str:
    """Why a delete was refused: which records still refer to this one, counted by kind."""
    counts = Counter(obj._meta for obj in error.protected_objects if hasattr(obj, "_meta"))
    refs = ", ".join(
        f"{count} {meta.verbose_name if count == 1 else meta.verbose_name_plural}"
        for meta, count in sorted(counts.items(), key=lambda item: str(item[0].verbose_name))
    )
    return _("This record cannot be deleted while other records refer to it: %(refs)s.") % {"refs": refs}


def api_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=validation_detail(exc))
    elif isinstance(exc, ProtectedError | RestrictedError):
        exc = Conflict(detail=protected_detail(exc))
    return exception_handler(exc, context)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's 404 (``handler404``): under /api/ in the API's shape (``{"detail": …}``), the page elsewhere.

    A route that does not match (``ground-leases/abc/``: ids are numbers) never reaches DRF, whose
    own 404s are JSON; an API client gets the same answer either way.
    """
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)
