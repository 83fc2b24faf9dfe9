"""A service's refusal shown on a form (clt.forms.add_service_errors): on the field it names, else on the form."""

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError

from clt.forms import add_service_errors


class SaleForm(forms.Form):
    buyers = forms.CharField(required=False)
    price = forms.CharField(required=False)


def shown(error, **kwargs) -> dict:
    form = SaleForm(data={})
    form.is_valid()
    add_service_errors(form, error, **kwargs)
    return {field: list(messages) for field, messages in form.errors.items()}


def test_each_message_lands_on_its_field_or_on_the_form():
    error = ValidationError({"price": ["Too high."], "data.buyer": ["Not a person."], "lease": ["Ended."]})
    assert shown(error, renames={"buyer": "buyers"}) == {
        "price": ["Too high."],
        "buyers": ["Not a person."],
        "__all__": ["Ended."],  # the form has no such field
    }


def test_a_plain_error_and_a_refusal_are_form_errors():
    assert shown(ValidationError("Closed.")) == {"__all__": ["Closed."]}
    assert shown(PermissionDenied("Only staff.")) == {"__all__": ["Only staff."]}
    assert shown(ValidationError({"__all__": ["Both."]})) == {"__all__": ["Both."]}
