from collections.abc import Mapping

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
