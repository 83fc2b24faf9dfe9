from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    """Django's login form with the autocomplete hints password managers and screen readers use."""

    username = forms.CharField(
        label=_("Username"), widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"})
    )
    password = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


def add_service_errors(
    form: forms.BaseForm, error: ValidationError | PermissionDenied, *, renames: Mapping[str, str] | None = None
) -> None:
    """Show a service's refusal on the form: each message on the field it names, else as a form error.

    ``renames`` maps a service's field name to the form's (``{"buyer": "buyers"}``); a ``data.<key>``
    name is the detail field ``<key>``. A ``PermissionDenied`` is a form error with its reason.
    """
    if isinstance(error, PermissionDenied):
        form.add_error(None, str(error) or _("You may not do this."))
        return
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    for name, messages in error.message_dict.items():
        target = (renames or {}).get(name.removeprefix("data."), name.removeprefix("data."))
        field = target if target in form.fields and name != NON_FIELD_ERRORS else None
        for message in messages:
            form.add_error(field, message)


# --- Fields every form of a service uses ---------------------------------------------------------------

REASON_HELP = _("Kept in the lease's history with your name.")


def reason_field(label: Any = None) -> forms.CharField:
    return forms.CharField(
        label=label or _("Reason for this change"),
        max_length=1000,
        help_text=REASON_HELP,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def date_field(label: Any, *, required: bool = True, help_text: Any = "", initial: Any = None) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        initial=initial,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


def money_input(label: Any, *, required: bool = True, help_text: Any = "", minimum: str = "0.01") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        help_text=help_text,
        max_digits=12,
        decimal_places=2,
        min_value=Decimal(minimum),
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
