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
    location_reason = forms.CharField(
        label=_("Reason for accepting the location"),
        max_length=1000,
        required=False,
        help_text=_(
            "Only needed if the boundary lies far from the trust's service area or its other parcels and that is right."
        ),
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


class SplitForm(forms.Form):
    """The parts of a split, as GIS software exports them: a FeatureCollection, one feature per part."""

    parts = GeoJSONField(
        label=_("Parts (GeoJSON FeatureCollection)"),
        help_text=_(
            "One feature per new parcel, each with an 'apn' property (and optionally 'address'), "
            "in longitude, latitude. Together they must cover this parcel without overlapping."
        ),
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false", "class": "mono"}),
    )
    effective_date = forms.DateField(label=_("Effective date"), widget=forms.DateInput(attrs={"type": "date"}))
    change_reason = forms.CharField(label=_("Reason"), max_length=1000, help_text=REASON_HELP)

    def clean_parts(self):
        collection = self.cleaned_data["parts"]
        features = collection.get("features") if isinstance(collection, dict) else None
        if collection is None or collection.get("type") != "FeatureCollection" or not isinstance(features, list):
            raise forms.ValidationError(_("Paste a GeoJSON FeatureCollection with one feature per part."))
        parts = []
        for index, feature in enumerate(features, start=1):
            properties = (feature or {}).get("properties") or {}
            if not str(properties.get("apn") or "").strip():
                raise forms.ValidationError(_("Part %(n)s has no 'apn' property."), params={"n": index})
            parts.append(
                {
                    "apn": str(properties["apn"]).strip(),
                    "address": str(properties.get("address") or ""),
                    "geometry": feature.get("geometry"),
                }
            )
        return parts


class MergeForm(forms.Form):
    parcels = forms.CharField(
        label=_("Parcel numbers to merge"),
        help_text=_("Two or more parcel numbers (APNs), separated by commas."),
        max_length=2000,
    )
    apn = forms.CharField(label=_("Parcel number of the merged parcel"), max_length=64)
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    effective_date = forms.DateField(label=_("Effective date"), widget=forms.DateInput(attrs={"type": "date"}))
    change_reason = forms.CharField(label=_("Reason"), max_length=1000, help_text=REASON_HELP)

    def __init__(self, *args, queryset=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.queryset = queryset

    def clean_parcels(self):
        apns = [a.strip() for a in self.cleaned_data["parcels"].split(",") if a.strip()]
        found = {p.apn: p for p in self.queryset.filter(apn__in=apns)}
        missing = [a for a in apns if a not in found]
        if missing:
            raise forms.ValidationError(_("No parcel with number %(apns)s."), params={"apns": ", ".join(missing)})
        return [found[a] for a in apns]
