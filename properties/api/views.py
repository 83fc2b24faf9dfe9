"""API views of the parcel registry: thin, scoped by ``visible_to``, writing through services."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Prefetch
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from clt.api.renderers import GeoJSONRenderer
from clt.api.viewsets import HistoryMixin, RestrictedModelViewSet, RestrictedReadOnlyViewSet, change_reason_from
from clt.permissions import IsCltStaff
from properties import filters, mapdata, services
from properties.api import serializers as s
from properties.exports import export_response
from properties.filters import ParcelFilterSet, UnitFilterSet, current_unless_asked, parse_bbox
from properties.models import Parcel, ParcelFunding, ParcelLineage, ParcelOverlap, Unit

__all__ = ["FundingViewSet", "ParcelOverlapViewSet", "ParcelViewSet", "UnitViewSet"]

REASON_HEADER = OpenApiParameter(
    "X-Change-Reason", OpenApiTypes.STR, OpenApiParameter.HEADER, description="Why this record is deleted."
)


@extend_schema_view(destroy=extend_schema(parameters=[REASON_HEADER]))
class ParcelViewSet(HistoryMixin, RestrictedModelViewSet):
    """Parcels the trust holds or held. Staff write; others see what their role allows."""

    # Into plain lists (``to_attr``): the serializer reads each relation once per parcel, and a list costs
    # nothing to read where a related manager builds a filtered queryset per parcel per relation.
    queryset = Parcel.objects.prefetch_related(
        Prefetch("units", queryset=Unit.objects.order_by("address", "unit_number", "pk"), to_attr="unit_list"),
        Prefetch("funding", queryset=ParcelFunding.objects.order_by("date", "pk"), to_attr="funding_list"),
        Prefetch("parent_edges", queryset=ParcelLineage.objects.all(), to_attr="parent_edge_list"),
        Prefetch("child_edges", queryset=ParcelLineage.objects.all(), to_attr="child_edge_list"),
    )
    serializer_class = s.ParcelSerializer
    filterset_class = ParcelFilterSet
    ordering_fields = ["apn", "address", "area_m2", "acquisition_date", "status", "last_updated"]
    ordering = ["apn"]

    def perform_destroy(self, instance: Parcel) -> None:
        services.parcel_delete(
            parcel=instance, actor=self.request.user, reason=change_reason_from(self.request, "Deleted through the API")
        )

    @extend_schema(
        summary="Map features for a viewport",
        description=(
            "A GeoJSON FeatureCollection of the parcels in `bbox` (west,south,east,north), sized for a map at "
            "`zoom`. From zoom level `MAP_POLYGON_MIN_ZOOM` on, the features are the parcels' polygons (a `bbox` "
            "is then required). Below it, when the viewport holds at most `MAP_CLUSTER_ABOVE` parcels (1,000 by "
            "default), each parcel is a Point at its centroid; when it holds more, the parcels are grouped into "
            "clusters on a grid of cells about 64 screen pixels wide at that zoom, anchored at (-180, -90) so a "
            "cell keeps its parcels as the map pans. A cluster is a Point at the mean centroid of its parcels "
            "with no `id` and the properties `cluster` (true), `count`, `statuses` (parcels per status, "
            "omitting zeros) and `bbox` (its grid cell, west,south,east,north: zoom the map to it to open the "
            "cluster); a parcel alone in its cell is served as its own Point. Parcel "
            "features carry the parcel's `id` and the properties `apn` and `status` (polygons also `address` "
            "and `acres`). `shape=cluster|point|polygon` overrides the choice."
        ),
        parameters=[
            OpenApiParameter("zoom", OpenApiTypes.INT, description="The map's zoom level."),
            OpenApiParameter("shape", OpenApiTypes.STR, enum=["cluster", "point", "polygon"]),
        ],
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="GeoJSON FeatureCollection")},
    )
    @action(
        detail=False,
        methods=["get"],
        url_path="geojson",
        pagination_class=None,
        renderer_classes=[GeoJSONRenderer, JSONRenderer],
    )
    def geojson(self, request: Request) -> HttpResponse:
        queryset = current_unless_asked(self.filter_queryset(self.get_queryset()), request.query_params)
        shape = request.query_params.get("shape") or None
        if shape not in (None, "cluster", "point", "polygon"):
            raise ValidationError({"shape": [_("shape must be 'cluster', 'point' or 'polygon'.")]})
        try:
            zoom = int(request.query_params.get("zoom", "0"))
        except ValueError as exc:
            raise ValidationError({"zoom": [_("zoom must be a whole number.")]}) from exc
        bbox = request.query_params.get("bbox")
        polygons = shape == "polygon" or (shape is None and zoom >= settings.CLT["MAP_POLYGON_MIN_ZOOM"])
        if not bbox and polygons:
            raise ValidationError({"bbox": [_("Polygons are served for a viewport only: give bbox.")]})
        # The filter set has checked bbox already; its middle latitude sets the height of the cluster cells.
        if bbox:
            _west, south, _east, north = parse_bbox(bbox)
            latitude = (south + north) / 2
        else:
            latitude = float(settings.MAP["DEFAULT_CENTER"][0])
        body = mapdata.viewport_features(queryset, shape=shape, zoom=zoom, latitude=latitude)
        return HttpResponse(body, content_type="application/geo+json")

    @extend_schema(
        summary="Export parcels",
        description=(
            "Every parcel matching the filters, as GeoJSON or CSV with a WKT column; re-imports unchanged. "
            "Parcels retired by a split or merge are left out unless the status filter names them."
        ),
        responses={200: OpenApiResponse(OpenApiTypes.BINARY, description="GeoJSON or CSV file")},
    )
    @action(
        detail=False,
        methods=["get"],
        url_path=r"export/(?P<file_format>geojson|csv)",
        permission_classes=[IsCltStaff],
        pagination_class=None,
    )
    def export(self, request: Request, file_format: str) -> StreamingHttpResponse:
        return export_response(
            current_unless_asked(self.filter_queryset(self.get_queryset()), request.query_params), file_format
        )

    @extend_schema(
        request=s.SplitSerializer,
        responses={201: s.ParcelSerializer(many=True)},
        summary="Split a parcel into parts",
    )
    @action(detail=True, methods=["post"])
    def split(self, request: Request, pk: str | None = None) -> Response:
        parcel = self.get_object()
        data = s.SplitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        children = services.parcel_split(
            parcel=parcel,
            parts=[dict(part) for part in data.validated_data["parts"]],
            effective_date=data.validated_data["effective_date"],
            actor=request.user,
            reason=data.validated_data["change_reason"],
        )
        fresh = self.get_queryset().filter(pk__in=[c.pk for c in children])
        return Response(s.ParcelSerializer(fresh, many=True, context={"request": request}).data, status=201)

    @extend_schema(request=s.MergeSerializer, responses={201: s.ParcelSerializer}, summary="Merge parcels into one")
    @action(detail=False, methods=["post"])
    def merge(self, request: Request) -> Response:
        data = s.MergeSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        merged = services.parcel_merge(
            parcels=data.validated_data["parcels"],
            apn=data.validated_data["apn"],
            address=data.validated_data["address"],
            effective_date=data.validated_data["effective_date"],
            actor=request.user,
            reason=data.validated_data["change_reason"],
        )
        fresh = self.get_queryset().get(pk=merged.pk)
        return Response(s.ParcelSerializer(fresh, context={"request": request}).data, status=201)

    @extend_schema(request=s.AcceptSerializer, responses={200: s.ParcelSerializer}, summary="Accept an area mismatch")
    @action(detail=True, methods=["post"], url_path="accept-area")
    def accept_area(self, request: Request, pk: str | None = None) -> Response:
        parcel = self.get_object()
        data = s.AcceptSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.parcel_accept_area_mismatch(parcel=parcel, actor=request.user, reason=data.validated_data["reason"])
        return Response(s.ParcelSerializer(self.get_queryset().get(pk=parcel.pk), context={"request": request}).data)


@extend_schema_view(destroy=extend_schema(parameters=[REASON_HEADER]))
class UnitViewSet(HistoryMixin, RestrictedModelViewSet):
    """Homes: the improvements homeowners own on the trust's land."""

    queryset = Unit.objects.select_related("parcel")
    serializer_class = s.UnitSerializer
    filterset_class = UnitFilterSet
    ordering_fields = ["address", "unit_number", "bedrooms", "year_built", "parcel__apn"]

    def perform_destroy(self, instance: Unit) -> None:
        services.unit_delete(
            unit=instance, actor=self.request.user, reason=change_reason_from(self.request, "Deleted through the API")
        )


@extend_schema_view(destroy=extend_schema(parameters=[REASON_HEADER]))
class FundingViewSet(HistoryMixin, RestrictedModelViewSet):
    """Funding sources of parcels: subsidy layers, grants, loans."""

    queryset = ParcelFunding.objects.select_related("parcel")
    serializer_class = s.FundingSerializer
    filterset_class = filters.FundingFilterSet
    ordering_fields = ["date", "amount", "source"]

    def perform_destroy(self, instance: ParcelFunding) -> None:
        services.funding_delete(
            funding=instance,
            actor=self.request.user,
            reason=change_reason_from(self.request, "Deleted through the API"),
        )


class ParcelOverlapViewSet(HistoryMixin, RestrictedReadOnlyViewSet):
    """Overlaps between parcels, found by the registry, to review and accept with a reason.

    ``…/{id}/history/`` keeps every acceptance (who, when, why), its withdrawal when a boundary
    moved, and the overlap's removal.
    """

    queryset = ParcelOverlap.objects.select_related("parcel", "other", "accepted_by")
    serializer_class = s.ParcelOverlapSerializer
    filterset_class = filters.ParcelOverlapFilterSet
    ordering_fields = ["area_m2", "detected_at"]

    @extend_schema(request=s.AcceptSerializer, responses={200: s.ParcelOverlapSerializer}, summary="Accept an overlap")
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        overlap = self.get_object()
        data = s.AcceptSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.overlap_accept(overlap=overlap, actor=request.user, reason=data.validated_data["reason"])
        return Response(s.ParcelOverlapSerializer(overlap).data)
