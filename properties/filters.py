"""Filters shared by the parcel list page, the API and the exports (NetBox's filtersets habit)."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from clt.filters import IntegerFilter
from properties.models import Parcel, ParcelFunding, ParcelOverlap, ParcelStatus, Unit, UnitKind

__all__ = ["BBoxFilter", "ParcelFilterSet", "UnitFilterSet", "parse_bbox"]


def parse_bbox(value: str) -> tuple[float, float, float, float]:
    """``"west,south,east,north"`` in degrees → a tuple, or ``ValueError`` saying what is wrong."""
    parts = [p.strip() for p in value.split(",")]
    if len(parts) != 4:
        raise ValueError(_("bbox takes four numbers: west,south,east,north."))
    try:
        west, south, east, north = (float(p) for p in parts)
    except ValueError as exc:
        raise ValueError(_("bbox takes four numbers: west,south,east,north.")) from exc
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= 90 and -90 <= north <= 90):
        raise ValueError(_("bbox is out of range: longitudes within ±180, latitudes within ±90."))
    if west > east or south > north:
        raise ValueError(_("bbox must be west,south,east,north with west ≤ east and south ≤ north."))
    return west, south, east, north


class BBoxField(forms.CharField):
    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            return parse_bbox(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc


@extend_schema_field(OpenApiTypes.STR)
class BBoxFilter(django_filters.Filter):
    """Parcels whose bounding box meets the viewport (west,south,east,north)."""

    field_class = BBoxField

    def filter(self, qs: QuerySet, value) -> QuerySet:
        if not value:
            return qs
        west, south, east, north = value
        return qs.filter(
            bbox_min_lon__lte=east, bbox_max_lon__gte=west, bbox_min_lat__lte=north, bbox_max_lat__gte=south
        )


YES_NO_ANY = [("", _("Any")), ("true", _("Yes")), ("false", _("No"))]


def current_unless_asked(queryset: QuerySet, params) -> QuerySet:
    """Parcels retired by a split or merge live on in lineage; lists, maps and exports show them
    only when the status filter asks for them (an export of retired boundaries would overlap
    their successors on re-import)."""
    if params.get("status"):
        return queryset
    return queryset.exclude(status=ParcelStatus.RETIRED)


class ParcelFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Parcel number or address"))
    status = django_filters.MultipleChoiceFilter(choices=ParcelStatus.choices, label=_("Status"))
    bbox = BBoxFilter(label=_("Bounding box (west,south,east,north)"))
    area_mismatch = django_filters.BooleanFilter(label=_("Area mismatch"), widget=forms.Select(choices=YES_NO_ANY))
    has_open_overlaps = django_filters.BooleanFilter(
        method="filter_open_overlaps", label=_("Has unreviewed overlaps"), widget=forms.Select(choices=YES_NO_ANY)
    )
    acquired_after = django_filters.DateFilter(
        field_name="acquisition_date", lookup_expr="gte", label=_("Acquired on or after")
    )
    acquired_before = django_filters.DateFilter(
        field_name="acquisition_date", lookup_expr="lte", label=_("Acquired on or before")
    )

    class Meta:
        model = Parcel
        fields = ["q", "status", "bbox", "area_mismatch", "has_open_overlaps", "acquired_after", "acquired_before"]

    def search(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return qs
        return qs.filter(Q(apn__icontains=value) | Q(address__icontains=value))

    def filter_open_overlaps(self, qs: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return qs
        open_q = Q(overlaps_as_first__accepted_at__isnull=True, overlaps_as_first__isnull=False) | Q(
            overlaps_as_second__accepted_at__isnull=True, overlaps_as_second__isnull=False
        )
        ids = Parcel.objects.filter(open_q).values("pk")
        return qs.filter(pk__in=ids) if value else qs.exclude(pk__in=ids)


class UnitFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Address"))
    kind = django_filters.MultipleChoiceFilter(choices=UnitKind.choices, label=_("Kind"))
    parcel = IntegerFilter(field_name="parcel_id", label=_("Parcel id"))
    bedrooms = IntegerFilter(label=_("Bedrooms"))

    class Meta:
        model = Unit
        fields = ["q", "kind", "parcel", "bedrooms"]

    def search(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        return qs.filter(Q(address__icontains=value) | Q(parcel__apn__icontains=value)) if value else qs


class FundingFilterSet(django_filters.FilterSet):
    class Meta:
        model = ParcelFunding
        fields = ["parcel", "kind"]


class ParcelOverlapFilterSet(django_filters.FilterSet):
    class Meta:
        model = ParcelOverlap
        fields = {"accepted_at": ["isnull"], "parcel": ["exact"], "other": ["exact"]}
