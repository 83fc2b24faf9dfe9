"""API views of the fee ledger."""

from __future__ import annotations

from django.db.models import (
    Prefetch,
)
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from clt import clock
from clt.api.viewsets import NO_PUT_OR_DELETE, HistoryMixin, RestrictedReadOnlyViewSet, reason_given, validated_body
from clt.permissions import IsCltStaff
from leases.ledger import filters, services
from leases.ledger.api import serializers as s
from leases.ledger.models import (
    Charge,
    ChargeWaiver,
    FeeRate,
    FeeSchedule,
    FeeSuspension,
    LocalCurrency,
    LocalCurrencyRate,
    Payment,
)

# --- The fee ledger -------------------------------------------------------------------------------


class FeeScheduleViewSet(HistoryMixin, mixins.UpdateModelMixin, RestrictedReadOnlyViewSet):
    """How each lease's fee is billed, with its rates and suspensions. Staff change the billing rule."""

    queryset = FeeSchedule.objects.order_by("lease_id").prefetch_related(
        Prefetch("rates", queryset=FeeRate.objects.order_by("effective")),
        Prefetch("suspensions", queryset=FeeSuspension.objects.order_by("start")),
    )
    serializer_class = s.FeeScheduleSerializer
    filterset_class = filters.FeeScheduleFilterSet
    ordering_fields = ["lease", "due_day"]
    http_method_names = ["get", "patch", "head", "options"]


class FeeRateViewSet(HistoryMixin, mixins.CreateModelMixin, RestrictedReadOnlyViewSet):
    """The monthly fee over time. A new rate is checked against the lease's increase cap (400 on ``amount``)."""

    queryset = FeeRate.objects.select_related("schedule")
    serializer_class = s.FeeRateSerializer
    filterset_class = filters.FeeRateFilterSet
    ordering_fields = ["effective", "amount"]


class FeeSuspensionViewSet(HistoryMixin, mixins.CreateModelMixin, RestrictedReadOnlyViewSet):
    """Periods agreed in writing during which no monthly fee is billed."""

    queryset = FeeSuspension.objects.select_related("schedule")
    serializer_class = s.FeeSuspensionSerializer
    filterset_class = filters.FeeSuspensionFilterSet
    ordering_fields = ["start", "end"]


class ChargeViewSet(HistoryMixin, mixins.CreateModelMixin, RestrictedReadOnlyViewSet):
    """Amounts owed. Monthly fees and late fees come from billing; staff add one-off charges and waive.

    ``…/{id}/history/`` says who charged it and why (for a billed fee, the billing run and its actor).
    """

    queryset = Charge.objects.prefetch_related(
        Prefetch("waivers", queryset=ChargeWaiver.objects.select_related("actor").order_by("pk"))
    )
    serializer_class = s.ChargeSerializer
    filterset_class = filters.ChargeFilterSet
    ordering_fields = ["due", "amount", "kind", "created"]

    @extend_schema(
        summary="Waive part or all of a charge", request=s.ChargeWaiveSerializer, responses=s.ChargeSerializer
    )
    @action(detail=True, methods=["post"])
    def waive(self, request: Request, pk: str | None = None) -> Response:
        charge = self.get_object()
        values = validated_body(s.ChargeWaiveSerializer, request)
        services.charge_waive(
            charge=charge,
            amount=values["amount"],
            granted_on=values.get("granted_on") or clock.today(),
            actor=request.user,
            reason=reason_given(request, values.get("reason")),
        )
        fresh = self.get_queryset().get(pk=charge.pk)
        return Response(s.ChargeSerializer(fresh, context=self.get_serializer_context()).data)


class PaymentViewSet(HistoryMixin, mixins.CreateModelMixin, RestrictedReadOnlyViewSet):
    """Money received. A payment is never deleted: a bounced check is reversed, with the reason."""

    queryset = Payment.objects.select_related("currency")
    serializer_class = s.PaymentSerializer
    filterset_class = filters.PaymentFilterSet
    ordering_fields = ["received_on", "amount", "created"]

    @extend_schema(summary="Reverse a payment", request=s.PaymentReverseSerializer, responses=s.PaymentSerializer)
    @action(detail=True, methods=["post"])
    def reverse(self, request: Request, pk: str | None = None) -> Response:
        payment = self.get_object()
        values = validated_body(s.PaymentReverseSerializer, request)
        reversed_payment = services.payment_reverse(
            payment=payment,
            reversed_on=values.get("reversed_on") or clock.today(),
            actor=request.user,
            reason=reason_given(request, values.get("reason")),
        )
        return Response(s.PaymentSerializer(reversed_payment, context=self.get_serializer_context()).data)


class LocalCurrencyViewSet(HistoryMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, RestrictedReadOnlyViewSet):
    """Local currencies the trust accepts for part of its lease fees, each with the rates the board set (staff)."""

    permission_classes = [IsCltStaff]
    queryset = LocalCurrency.objects.prefetch_related(
        Prefetch("rates", queryset=LocalCurrencyRate.objects.select_related("currency").order_by("effective"))
    )
    serializer_class = s.LocalCurrencySerializer
    ordering_fields = ["name", "code"]
    http_method_names = NO_PUT_OR_DELETE


class LocalCurrencyRateViewSet(HistoryMixin, mixins.CreateModelMixin, RestrictedReadOnlyViewSet):
    """The board's rate (dollars per unit) and share of each fee, per currency, from a date on (staff).

    A rate dated on or before a payment already recorded in the currency is refused (400 on ``effective``).
    """

    permission_classes = [IsCltStaff]
    queryset = LocalCurrencyRate.objects.select_related("currency")
    serializer_class = s.LocalCurrencyRateSerializer
    filterset_fields = ["currency"]
    ordering_fields = ["effective"]
