"""Forms of the registry pages. They collect input; the services decide what is valid."""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from properties.models import Parcel, ParcelFunding, Unit


class GeoJSONField(forms.CharField):
    """A textarea of GeoJSON; shape rules are checked by the service, which lists every problem."""

    widget = forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "class": "mono"})

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(_("This is not valid JSON: %(error)s"), params={"error": str(exc)}) from exc

    def prepare_value(self, value):
        if isinstance(value, dict):
            return json.dumps(value)
        return value


REASON_HELP = _("Kept in the record's history with your name.")


class ParcelForm(forms.ModelForm):
    geometry = GeoJSONField(
        label=_("Boundary (GeoJSON)"),
        help_text=_("A GeoJSON Polygon or MultiPolygon in longitude, latitude (WGS84), as exported by most GIS tools."),
    )
    change_reason = forms.CharField(label=_("Reason for this change"), max_length=1000, help_text=REASON_HELP)
    overlap_reason = forms.CharField(
        label=_("Reason for accepting an overlap"),
        max_length=1000,
        required=False,
        help_text=_("Only needed if the boundary overlaps another parcel and that is right."),
    )

    class Meta:
        model = Parcel
        fields = ["apn", "address", "status", "geometry", "acquisition_date", "acquisition_price", "notes"]
        widgets = {
            "acquisition_date": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }


class UnitForm(forms.ModelForm):
    change_reason = forms.CharField(label=_("Reason for this change"), max_length=1000, help_text=REASON_HELP)

    class Meta:
        model = Unit
        fields = ["kind", "address", "unit_number", "bedrooms", "bathrooms", "floor_area_sqft", "year_built", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class FundingForm(forms.ModelForm):
    change_reason = forms.CharField(label=_("Reason for this change"), max_length=1000, help_text=REASON_HELP)

    class Meta:
        model = ParcelFunding
        fields = ["source", "kind", "amount", "date", "restrictions"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"}), "restrictions": forms.Textarea(attrs={"rows": 2})}


class AcceptForm(forms.Form):
    reason = forms.CharField(label=_("Reason for accepting"), max_length=1000)
