"""API views of index series, resale policies and the quote."""

from __future__ import annotations

from typing import Any

from django.db.models import (
    Count,
    Max,
    Min,
    Prefetch,
)
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from clt import clock, roles
from clt.api.viewsets import (
    NO_PUT_OR_DELETE,
    HistoryMixin,
    ReadBackMixin,
    RestrictedModelViewSet,
    RestrictedReadOnlyViewSet,
    reason_given,
    validated_body,
    validated_query,
)
from clt.permissions import IsCltStaff
from leases.resale import filters, quotes, services
from leases.resale import selectors as resale_selectors
from leases.resale.api import portfolio as portfolio_api
from leases.resale.api import serializers as s
from leases.resale.models import IndexSeries, ResalePolicy, ResalePolicyVersion

# --- Resale: index series, policies and quotes ----------------------------------------------------

SERIES_KEY = OpenApiParameter(
    "id", OpenApiTypes.STR, OpenApiParameter.PATH, description="The series' id, or its code (`cpi-u`)."
)


@extend_schema_view(
    list=extend_schema(summary="Published index series (CPI-U, HUD median income, income limits) with their span"),
    retrieve=extend_schema(summary="One index series, by id or code", parameters=[SERIES_KEY]),
)
class IndexSeriesViewSet(RestrictedReadOnlyViewSet):
    """Index series a resale formula reads (staff only).

    Values are loaded on the server by the import_index management command. People read the series and
    their values on the staff pages at /leases/indexes/; this API keeps the codes and the exact figures.
    """

    queryset = IndexSeries.objects.annotate(
        values_count=Count("values"),
        first_effective=Min("values__effective_from"),
        last_effective=Max("values__effective_from"),
    ).order_by("code")
    serializer_class = s.IndexSeriesSerializer
    permission_classes = [IsCltStaff]
    lookup_value_regex = r"[^/.]+"  # an id or a code
    filterset_class = filters.IndexSeriesFilterSet
    ordering_fields = ["code", "name", "kind"]

    def get_object(self) -> IndexSeries:
        # A formula names a series by its code; the id works as well. A code is a slug with a letter in it.
        key = self.kwargs["pk"]
        lookup = {"pk": int(key)} if key.isdigit() else {"code": key}
        series = get_object_or_404(self.get_queryset(), **lookup)
        self.check_object_permissions(self.request, series)
        return series

    @extend_schema(
        summary="The value in effect on a date",
        description=(
            "The value with the latest effective date not after `on`. No value then (before the series starts, "
            "or a gap such as CPI-U's October 2025) answers 400 on `series` with the reason."
        ),
        parameters=[SERIES_KEY, s.IndexValueQuerySerializer],
        responses={200: s.IndexValueInEffectSerializer, 400: OpenApiResponse(description="No value in effect")},
        filters=False,
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def value(self, request: Request, pk: str | None = None) -> Response:
        series = self.get_object()
        query = validated_query(s.IndexValueQuerySerializer, request)
        size = query.get("household_size")
        found = resale_selectors.index_value_in_effect(series, query["on"], household_size=size)
        body = {
            "series": series.code,
            "on": query["on"],
            "household_size": size,
            "value": found.value,
            "effective_from": found.effective_from,
        }
        return Response(s.IndexValueInEffectSerializer(body).data)


@extend_schema_view(
    create=extend_schema(
        summary="Make a resale policy with its version 1 (a draft)",
        description="`parameters` are checked by the engine; a bad one answers 400 on `parameters.<field>`.",
    )
)
class ResalePolicyViewSet(ReadBackMixin, HistoryMixin, mixins.CreateModelMixin, RestrictedReadOnlyViewSet):
    """The trust's resale formulas (its "programs") with their versions, newest first (staff only)."""

    queryset = ResalePolicy.objects.prefetch_related(
        Prefetch("versions", queryset=ResalePolicyVersion.objects.order_by("-version"))
    )
    serializer_class = s.ResalePolicySerializer
    permission_classes = [IsCltStaff]
    filterset_class = filters.ResalePolicyFilterSet
    ordering_fields = ["name", "created"]


@extend_schema_view(
    create=extend_schema(summary="Add a draft version to a policy"),
    partial_update=extend_schema(
        summary="Correct a draft's parameters",
        description="An approved or retired version never changes: 400 on `status`; make a new version instead.",
    ),
)
class ResalePolicyVersionViewSet(ReadBackMixin, HistoryMixin, RestrictedModelViewSet):
    """Versions of resale policies (staff only): drafts are corrected, then approved and immutable."""

    queryset = ResalePolicyVersion.objects.select_related("policy", "approved_by").order_by("policy__name", "-version")
    serializer_class = s.ResalePolicyVersionSerializer
    permission_classes = [IsCltStaff]
    filterset_class = filters.ResalePolicyVersionFilterSet
    ordering_fields = ["policy__name", "version", "approved_on", "effective_from"]
    http_method_names = NO_PUT_OR_DELETE

    @extend_schema(
        summary="Approve a draft, citing the resolution; from then on it never changes",
        request=s.ResalePolicyApproveSerializer,
        responses=s.ResalePolicyVersionSerializer,
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        version = self.get_object()
        values = validated_body(s.ResalePolicyApproveSerializer, request)
        approved_on = values.get("approved_on") or clock.today()
        services.resale_policy_version_approve(
            version=version,
            approved_on=approved_on,
            effective_from=values.get("effective_from") or approved_on,
            approval_reference=values["approval_reference"],
            actor=request.user,
            reason=reason_given(request, values.get("reason"), "Approved through the API"),
        )
        fresh = self.get_queryset().get(pk=version.pk)
        return Response(s.ResalePolicyVersionSerializer(fresh, context=self.get_serializer_context()).data)


class CanQuote(BasePermission):
    """Staff, and leaseholders (for their own lease: ``quotes.quote`` and the lease lookup see to that)."""

    message = gettext_lazy("Only staff and leaseholders quote resale prices.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return roles.is_staff_member(request.user) or roles.is_homeowner(request.user)


def _dotted(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as flat dotted fields (``policies[1].version``), like the engine's."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            if isinstance(key, int):
                name = f"{prefix}[{key}]"
            elif key == "non_field_errors":
                name = prefix or key
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            flat.update(_dotted(value, name))
        return flat
    if isinstance(detail, list) and not all(isinstance(item, str) for item in detail):
        flat = {}
        for i, item in enumerate(detail):
            if item:
                flat.update(_dotted(item, f"{prefix}[{i}]"))
        return flat
    return {prefix or "non_field_errors": [str(m) for m in (detail if isinstance(detail, list) else [detail])]}


class ResaleViewSet(viewsets.ViewSet):
    """Resale prices computed on request (``POST resale/quote/``, ``GET resale/portfolio/``); nothing is stored."""

    permission_classes = [CanQuote]

    @extend_schema(
        summary="Quote a home's resale price under one or several policies, side by side",
        description=(
            "Stateless. `lease` fills the inputs from the lease (a homeowner: only their own, another's is 404); "
            "`inputs` overrides any of them field by field; `policies` are stored versions (a homeowner: only the "
            "version their lease's terms name) or inline parameters (staff only, else 403), by default the "
            "version the lease's terms name; `index_series` fills the AMI and CPI values a policy reads from "
            "stored series, as in effect on the purchase and determination dates. The answer gives each quote's "
            "line items and every input used. Bad input answers 400 naming the dotted field "
            "(`inputs.purchase_price`, `policies[1].parameters.formula.rate`, `index_series.cpi`) and the reason."
        ),
        request=s.QuoteRequestSerializer,
        responses={
            200: s.QuoteResponseSerializer,
            400: OpenApiResponse(description="A field and the reason, e.g. a missing index value for a date"),
            403: OpenApiResponse(description="Not staff or a leaseholder; or inline parameters from a homeowner"),
            404: OpenApiResponse(description="A lease the user may not see"),
        },
    )
    @action(detail=False, methods=["post"])
    def quote(self, request: Request) -> Response:
        body = s.QuoteRequestSerializer(data=request.data)
        if not body.is_valid():
            raise ApiValidationError(_dotted(body.errors))
        values = body.validated_data
        lease = None
        if values.get("lease") is not None:
            lease = get_object_or_404(quotes.quotable_leases(request.user), pk=values["lease"])
        requested = [
            quotes.PolicyRequest(version=p.get("version"), parameters=p.get("parameters"), label=p.get("label", ""))
            for p in values.get("policies", [])
        ]
        found = quotes.quote(
            user=request.user,
            lease=lease,
            policies=requested,
            inputs=values.get("inputs"),
            determination_date=values.get("determination_date"),
            index_series=dict(values.get("index_series") or {}),
        )
        return Response(quotes.quote_set_to_dict(found))

    @extend_schema(**portfolio_api.SCHEMA)
    @action(
        detail=False,
        methods=["get"],
        permission_classes=[IsCltStaff],
        renderer_classes=portfolio_api.RENDERERS,
    )
    def portfolio(self, request: Request) -> Response | HttpResponse:
        return portfolio_api.respond(self, request)
