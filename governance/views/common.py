"""Form pieces every governance page shares: date widgets, the reason for a change, the people to choose from."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from clt.models import Person

__all__ = ["DATE", "DATETIME", "people", "reason_field"]

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def reason_field() -> forms.CharField:
    """The reason every change asks for; it goes into the record's history with the user's name."""
    return forms.CharField(
        label=gettext_lazy("Reason for this change"),
        max_length=1000,
        help_text=gettext_lazy("Kept in the record's history with your name."),
    )


def people() -> QuerySet:
    return Person.objects.order_by("family_name", "given_name", "pk")
