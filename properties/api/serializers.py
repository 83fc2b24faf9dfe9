"""Serializers of the parcel registry. Writes go through ``properties.services``."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clt.api.viewsets import change_reason_from
from properties import services
from properties.models import Parcel, ParcelFunding, ParcelOverlap, Unit

__all__ = [
    "AcceptSerializer",
    "FundingSerializer",
    "GeometryField",
    "MergeSerializer",
    "ParcelOverlapSerializer",
    "ParcelSerializer",
    "SplitSerializer",
    "UnitBriefSerializer",
    "UnitSerializer",
]

GEOJSON_POLYGON_SCHEMA = {
    "type": "object",
    "description": "GeoJSON Polygon or MultiPolygon, WGS84 longitude/latitude (RFC 7946).",
    "properties": {
        "type": {"type": "string", "enum": ["Polygon", "MultiPolygon"]},
        "coordinates": {"type": "array", "items": {}},
    },
    "required": ["type", "coordinates"],
}


@extend_schema_field(GEOJSON_POLYGON_SCHEMA)
class GeometryField(serializers.JSONField):
    """GeoJSON geometry; validated by the service (which lists every problem it finds)."""


class ReasonedWriteMixin:
    """Write-only ``change_reason``, kept in history with the acting user."""

    def _actor_and_reason(self, default: str) -> tuple[Any, str]:
        request = self.context["request"]
        return request.user, change_reason_from(request, default)


class UnitBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "kind", "address", "unit_number", "bedrooms"]


class FundingBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = ParcelFunding
        fields = ["id", "source", "kind", "amount", "date"]


def _prefetch_lists(parcel: Parcel) -> None:
    """The related lists ``ParcelViewSet.queryset`` prefetches, for a parcel loaded without them."""
    parcel.unit_list = list(parcel.units.all())
    parcel.funding_list = list(parcel.funding.all())
    parcel.parent_edge_list = list(parcel.parent_edges.all())
    parcel.child_edge_list = list(parcel.child_edges.all())


class ParcelSerializer(ReasonedWriteMixin, serializers.ModelSerializer):
    geometry = GeometryField()
    centroid = serializers.SerializerMethodField()
    bbox = serializers.SerializerMethodField()
    # Lists the viewset prefetches (``to_attr``); ``to_representation`` fills them for a parcel read alone.
    units = UnitBriefSerializer(many=True, read_only=True, source="unit_list")
    funding = FundingBriefSerializer(many=True, read_only=True, source="funding_list")
    parents = serializers.SerializerMethodField()
    children = serializers.SerializerMethodField()
    change_reason = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=1000)
    overlap_reason = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=1000,
        help_text="Why an overlap with another parcel is acceptable; without it an overlap is refused.",
    )
    location_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=1000,
        help_text=(
            "Why a boundary far from the trust's service area (CLT_SERVICE_AREA) or from its other parcels is "
            "right; without it such a boundary is refused (400 on geometry, the likely cause named, such as "
            "coordinates given as latitude, longitude). Kept with the parcel; empty when the boundary lies where "
            "the trust works."
        ),
    )

    class Meta:
        model = Parcel
        fields = [
            "id",
            "apn",
            "address",
            "status",
            "geometry",
            "area_m2",
            "area_acres",
            "centroid",
            "bbox",
            "acquisition_date",
            "acquisition_price",
            "official_area_m2",
            "area_mismatch",
            "area_mismatch_note",
            "notes",
            "location_reason",
            "units",
            "funding",
            "parents",
            "children",
            "created",
            "last_updated",
            "change_reason",
            "overlap_reason",
        ]
        read_only_fields = [
            "area_m2",
            "area_acres",
            "area_mismatch",
            "area_mismatch_note",
            "created",
            "last_updated",
        ]

    def to_representation(self, instance: Parcel) -> dict[str, Any]:
        if not hasattr(instance, "unit_list"):
            _prefetch_lists(instance)
        return super().to_representation(instance)

    @extend_schema_field({"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2})
    def get_centroid(self, obj: Parcel) -> list[float]:
        return [obj.centroid_lon, obj.centroid_lat]

    @extend_schema_field({"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 4})
    def get_bbox(self, obj: Parcel) -> list[float]:
        return [obj.bbox_min_lon, obj.bbox_min_lat, obj.bbox_max_lon, obj.bbox_max_lat]

    @extend_schema_field({"type": "array", "items": {"type": "integer"}})
    def get_parents(self, obj: Parcel) -> list[int]:
        return [edge.parent_id for edge in obj.parent_edge_list]

    @extend_schema_field({"type": "array", "items": {"type": "integer"}})
    def get_children(self, obj: Parcel) -> list[int]:
        return [edge.child_id for edge in obj.child_edge_list]

    def _fields_for_service(self, validated: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in validated.items() if k not in ("change_reason", "overlap_reason", "location_reason")}

    def create(self, validated_data: dict[str, Any]) -> Parcel:
        actor, reason = self._actor_and_reason("Created through the API")
        fields = self._fields_for_service(validated_data)
        return services.parcel_create(
            actor=actor,
            reason=reason,
            overlap_reason=validated_data.get("overlap_reason"),
            location_reason=validated_data.get("location_reason"),
            **fields,
        )

    def update(self, instance: Parcel, validated_data: dict[str, Any]) -> Parcel:
        actor, reason = self._actor_and_reason("Changed through the API")
        fields = self._fields_for_service(validated_data)
        return services.parcel_update(
            parcel=instance,
            actor=actor,
            reason=reason,
            overlap_reason=validated_data.get("overlap_reason"),
            location_reason=validated_data.get("location_reason"),
            **fields,
        )


class UnitSerializer(ReasonedWriteMixin, serializers.ModelSerializer):
    parcel_apn = serializers.CharField(source="parcel.apn", read_only=True)
    change_reason = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=1000)

    class Meta:
        model = Unit
        fields = [
            "id",
            "parcel",
            "parcel_apn",
            "kind",
            "address",
            "unit_number",
            "bedrooms",
            "bathrooms",
            "floor_area_sqft",
            "year_built",
            "notes",
            "created",
            "last_updated",
            "change_reason",
        ]
        read_only_fields = ["created", "last_updated"]
        # The uniqueness of (parcel, address, unit number) is checked by the service's full_clean.
        validators: list = []

    def create(self, validated_data: dict[str, Any]) -> Unit:
        actor, reason = self._actor_and_reason("Created through the API")
        validated_data.pop("change_reason", None)
        return services.unit_create(actor=actor, reason=reason, **validated_data)

    def update(self, instance: Unit, validated_data: dict[str, Any]) -> Unit:
        actor, reason = self._actor_and_reason("Changed through the API")
        validated_data.pop("change_reason", None)
        return services.unit_update(unit=instance, actor=actor, reason=reason, **validated_data)


class FundingSerializer(ReasonedWriteMixin, serializers.ModelSerializer):
    parcel_apn = serializers.CharField(source="parcel.apn", read_only=True)
    change_reason = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=1000)

    class Meta:
        model = ParcelFunding
        fields = [
            "id",
            "parcel",
            "parcel_apn",
            "source",
            "kind",
            "amount",
            "date",
            "restrictions",
            "created",
            "last_updated",
            "change_reason",
        ]
        read_only_fields = ["created", "last_updated"]

    def create(self, validated_data: dict[str, Any]) -> ParcelFunding:
        actor, reason = self._actor_and_reason("Created through the API")
        validated_data.pop("change_reason", None)
        return services.funding_create(actor=actor, reason=reason, **validated_data)

    def update(self, instance: ParcelFunding, validated_data: dict[str, Any]) -> ParcelFunding:
        actor, reason = self._actor_and_reason("Changed through the API")
        validated_data.pop("change_reason", None)
        return services.funding_update(funding=instance, actor=actor, reason=reason, **validated_data)


class ParcelOverlapSerializer(serializers.ModelSerializer):
    parcel_apn = serializers.CharField(source="parcel.apn", read_only=True)
    other_apn = serializers.CharField(source="other.apn", read_only=True)
    accepted_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ParcelOverlap
        fields = [
            "id",
            "parcel",
            "parcel_apn",
            "other",
            "other_apn",
            "area_m2",
            "detected_at",
            "accepted_at",
            "accepted_by",
            "accepted_reason",
        ]
        read_only_fields = fields


class AcceptSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, help_text="Why staff accept it; kept with the record.")


class SplitPartSerializer(serializers.Serializer):
    apn = serializers.CharField(max_length=64)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    geometry = GeometryField()


class SplitSerializer(serializers.Serializer):
    effective_date = serializers.DateField()
    change_reason = serializers.CharField(max_length=1000)
    parts = SplitPartSerializer(many=True, min_length=2)


class MergeSerializer(serializers.Serializer):
    parcels = serializers.PrimaryKeyRelatedField(many=True, queryset=Parcel.objects.all())
    apn = serializers.CharField(max_length=64)
    address = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    effective_date = serializers.DateField()
    change_reason = serializers.CharField(max_length=1000)
