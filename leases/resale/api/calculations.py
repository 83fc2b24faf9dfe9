"""API of saved resale calculations (``resale-calculations/``): determinations of a lease's resale price.

- ``GET resale-calculations/`` and ``{id}/``: staff see every calculation; a homeowner those of their own
  lease (another's is 404); filters ``lease``, ``determined_after``, ``determined_before``. A page runs a
  fixed number of queries whatever its length.
- ``POST resale-calculations/`` (staff only, else 403): ``services.resale_calculation_determine`` (the lease's
  quote under its policy, saved with every input used); 201 with the record, 400 naming the dotted field.
- ``GET {id}/certificate/?format=pdf|html``: the resale-price certificate (``leases.documents.services``).
- ``GET {id}/recompute/``: ``{"same": bool, "result": …}``, the stored policy and inputs computed again.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from clt.api.serializers import StrictKeysMixin
from clt.api.viewsets import RestrictedReadOnlyViewSet, change_reason_from
from leases.documents import selectors as document_texts
from leases.documents import services as documents
from leases.lifecycle.models import GroundLease
from leases.resale import filters, services
from leases.resale.api.serializers import PolicyStatusField, QuoteIndexSeriesSerializer, ResaleResultSerializer
from leases.resale.api.views import _dotted
from leases.resale.models import ResaleCalculation, ResalePolicyVersion

__all__ = [
    "ResaleCalculationCreateSerializer",
    "ResaleCalculationSerializer",
    "ResaleCalculationViewSet",
]

DEFAULT_REASON = "Determined through the API"


# --- Serializers --------------------------------------------------------------------------------------------


class CalculationPolicySerializer(serializers.ModelSerializer):
    """The stored policy version a calculation followed, with its approval."""

    name = serializers.CharField(source="policy.name", read_only=True)
    status = PolicyStatusField()

    class Meta:
        model = ResalePolicyVersion
        fields = ["id", "name", "version", "status", "effective_from", "approved_on", "approval_reference"]
        read_only_fields = fields


class CalculationIndexValueSerializer(serializers.Serializer):
    field = serializers.CharField(read_only=True, help_text="The input it filled: cpi_at_purchase, …")
    series = serializers.CharField(read_only=True, help_text="The series' code.")
    on = serializers.DateField(read_only=True, help_text="The purchase or determination date it was read for.")
    effective_from = serializers.DateField(read_only=True, allow_null=True, help_text="When the value took effect.")
    value = serializers.CharField(read_only=True, help_text="Exact decimal as text, as published.")


def index_values(inputs: dict[str, Any]) -> list[dict[str, Any]]:
    """The index values a calculation's formula read, from its stored inputs (no query)."""
    found = []
    for field, _label, date_field in document_texts.INDEX_INPUTS:
        value = inputs.get(field)
        if value:
            found.append(
                {
                    "field": field,
                    "series": value.get("series", ""),
                    "on": inputs.get(date_field),
                    "effective_from": value.get("effective_from"),
                    "value": value.get("value"),
                }
            )
    return found


class ResaleCalculationSerializer(serializers.ModelSerializer):
    """A saved determination: every input the engine used and every output, never changed."""

    policy_version = CalculationPolicySerializer(read_only=True, allow_null=True)
    parameters = serializers.JSONField(
        source="policy", read_only=True, help_text="The policy's parameters as used (`leases/resale_codec.py`)."
    )
    inputs = serializers.JSONField(
        read_only=True, help_text="Every input used, in the codec's JSON: index values with their effective dates."
    )
    result = ResaleResultSerializer(read_only=True)
    index_values = serializers.SerializerMethodField()
    formula_price = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    price = serializers.DecimalField(
        max_digits=14, decimal_places=2, read_only=True, help_text="The maximum resale price, to the cent."
    )
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = ResaleCalculation
        fields = [
            "id",
            "lease",
            "determination_date",
            "policy_version",
            "parameters",
            "formula_price",
            "price",
            "index_values",
            "inputs",
            "result",
            "reason",
            "actor",
            "created",
        ]
        read_only_fields = fields

    @extend_schema_field(CalculationIndexValueSerializer(many=True))
    def get_index_values(self, calculation: ResaleCalculation) -> list[dict[str, Any]]:
        return CalculationIndexValueSerializer(index_values(calculation.inputs), many=True).data


class ResaleCalculationCreateSerializer(StrictKeysMixin, serializers.Serializer):
    """A determination to make and keep: the lease, the date, and what only this sale knows."""

    lease = serializers.IntegerField(min_value=1, help_text="The lease whose resale price is determined.")
    determination_date = serializers.DateField(
        required=False,
        help_text="Default: the receipt of the open notice of intent to sell while the lease is in price "
        "determination, else today. Never in the future, never before the purchase.",
    )
    inputs = serializers.DictField(
        required=False,
        help_text="Overrides of the inputs the lease supplies, in the codec's JSON (`resale.ResaleInputs`: "
        "`resale_appraisal`, `liens`, `sale_closing_costs`, `arrears`, …); each replaces the lease's value whole.",
    )
    policy_version = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text="A stored, approved policy version. Default: the one the lease's terms name.",
    )
    index_series = QuoteIndexSeriesSerializer(
        required=False, help_text="Series to read the AMI and CPI from. Default: those the policy version names."
    )
    change_reason = serializers.CharField(
        required=False, allow_blank=True, max_length=1000, help_text="Why the price is determined; kept with it."
    )


class RecomputeSerializer(serializers.Serializer):
    same = serializers.BooleanField(read_only=True, help_text="Whether today's engine gives the stored result.")
    result = ResaleResultSerializer(read_only=True, allow_null=True, help_text="The result computed now.")
    error = serializers.CharField(
        read_only=True, allow_null=True, help_text="Why the stored inputs no longer compute, if they do not."
    )


# --- The viewset --------------------------------------------------------------------------------------------


class JsonRegardless(BaseContentNegotiation):
    """The certificate answers PDF or HTML by its own ``format`` parameter (DRF would read it as a renderer's
    format and 404); anything else it says (a 404, a 400) is JSON, whatever the client accepts."""

    def select_renderer(self, request: Request, renderers: list, format_suffix: str | None = None) -> tuple:
        return renderers[0], renderers[0].media_type


FORMAT = OpenApiParameter(
    "format", OpenApiTypes.STR, OpenApiParameter.QUERY, enum=["pdf", "html"], description="Default: pdf."
)


@extend_schema_view(
    list=extend_schema(summary="Saved resale calculations (a homeowner: their own lease's)"),
    retrieve=extend_schema(summary="One saved resale calculation with every input and output"),
)
class ResaleCalculationViewSet(mixins.CreateModelMixin, RestrictedReadOnlyViewSet):
    """Saved determinations of resale prices: never changed (a new determination is a new calculation)."""

    queryset = ResaleCalculation.objects.select_related("policy_version__policy", "actor")
    serializer_class = ResaleCalculationSerializer
    filterset_class = filters.ResaleCalculationFilterSet
    ordering_fields = ["determination_date", "created", "price"]

    @extend_schema(
        summary="Determine a lease's resale price and keep it (staff only)",
        description=(
            "Quotes the lease under its approved policy (or `policy_version`) on `determination_date`, with the "
            "lease's figures, its completed improvements and the index values in effect, overridden by `inputs`, "
            "and saves exactly the inputs used. Bad input answers 400 naming the dotted field (`lease`, "
            "`determination_date`, `inputs.resale_appraisal.total`, `index_series.cpi`, `policy_version`) and "
            "the reason; nothing is saved."
        ),
        request=ResaleCalculationCreateSerializer,
        responses={
            201: ResaleCalculationSerializer,
            400: OpenApiResponse(description="A field and the reason, e.g. a missing index value for a date"),
            403: OpenApiResponse(description="Not staff"),
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = ResaleCalculationCreateSerializer(data=request.data)
        if not body.is_valid():
            raise ApiValidationError(_dotted(body.errors))
        values = body.validated_data
        lease = GroundLease.objects.visible_to(request.user).filter(pk=values["lease"]).first()
        if lease is None:
            raise ApiValidationError({"lease": [_("No lease %(id)s.") % {"id": values["lease"]}]})
        version = None
        if values.get("policy_version") is not None:
            version = ResalePolicyVersion.objects.filter(pk=values["policy_version"]).first()
            if version is None:
                message = _("No resale policy version %(id)s.") % {"id": values["policy_version"]}
                raise ApiValidationError({"policy_version": [message]})
        calculation = services.resale_calculation_determine(
            lease=lease,
            actor=request.user,
            reason=(values.get("change_reason") or "").strip() or change_reason_from(request, DEFAULT_REASON),
            determination_date=values.get("determination_date") or services.resale_determination_default_date(lease),
            inputs=values.get("inputs"),
            policy_version=version,
            index_series=dict(values.get("index_series") or {}),
        )
        fresh = self.get_queryset().get(pk=calculation.pk)
        return Response(self.get_serializer(fresh).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="The resale-price certificate, as PDF or HTML",
        parameters=[FORMAT],
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            (200, "text/html"): OpenApiTypes.STR,
            400: OpenApiResponse(description="format is neither pdf nor html"),
            404: OpenApiResponse(description="A calculation the user may not see"),
        },
        filters=False,
    )
    @action(
        detail=True,
        methods=["get"],
        pagination_class=None,
        filter_backends=[],
        renderer_classes=[JSONRenderer],
        content_negotiation_class=JsonRegardless,
    )
    def certificate(self, request: Request, pk: str | None = None) -> HttpResponse:
        return documents.resale_certificate_response(request._request, self.get_object())

    @extend_schema(
        summary="Compute the stored policy and inputs again: is the result the same?",
        responses=RecomputeSerializer,
        filters=False,
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def recompute(self, request: Request, pk: str | None = None) -> Response:
        calculation = self.get_object()
        try:
            result = services.resale_calculation_recompute(calculation)
        except ValidationError as error:
            body = {"same": False, "result": None, "error": "; ".join(error.messages)}
        else:
            body = {"same": result == calculation.result, "result": result, "error": None}
        return Response(RecomputeSerializer(body).data)
