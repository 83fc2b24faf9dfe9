"""One error shape for the API: HTTP 400 with the field and the reason.

Services raise Django's ``ValidationError`` (they are shared with forms and commands); this
handler turns it into DRF's, so ``{"geometry": ["Ring is not closed."]}`` reaches the client the
same way whatever layer found the problem.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.views import exception_handler


def validation_detail(error: DjangoValidationError) -> dict | list:
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): messages
            for field, messages in error.message_dict.items()
        }
    return {"non_field_errors": error.messages}


def api_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=validation_detail(exc))
    return exception_handler(exc, context)
