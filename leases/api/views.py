"""API views of ground leases: thin, scoped by ``restrict``, writing through ``leases.services``.

Who may do what:
- staff: everything the routes offer;
- a homeowner: reads their own lease(s) and what hangs off them, and on their own lease may
  submit the notices whose rule is not ``staff_only`` (``POST ground-leases/{id}/events/``) and the
  annual occupancy certification (``POST ground-leases/{id}/certify-occupancy/``);
- a member or board member who holds no lease: empty lists, 404 on details, 403 on writes;
- anonymous: 401/403.
A row the user may not see answers 404, never 403.

Resale: index series, resale policies and their versions are staff-only management endpoints. The quote
(``POST resale/quote/``) is open to staff and to homeowners for their own lease (``leases/quotes.py``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from clt import clock, roles
from clt.api.viewsets import HistoryMixin, RestrictedModelViewSet, RestrictedReadOnlyViewSet, change_reason_from
from clt.permissions import IsCltStaff
from leases import filters, lifecycle, quotes, selectors, services
from leases.api import portfolio as portfolio_api
from leases.api import serializers as s
from leases.choices import EVENT_LABELS
from leases.models import (
    Charge,
    ChargeWaiver,
    Deadline,
    DeadlineStatus,
    FeeRate,
    FeeSchedule,
    FeeSuspension,
    GroundLease,
    Household,
    HouseholdMember,
    IndexSeries,
    LeaseEvent,
    Leaseholder,
    LeaseSubsidy,
    LeaseTemplate,
    LeaseTemplateVersion,
    MonitoringRecord,
    Payment,
    ResalePolicy,
    ResalePolicyVersion,
)

__all__ = [
    "ChargeViewSet",
    "DeadlineViewSet",
    "FeeRateViewSet",
    "FeeScheduleViewSet",
    "FeeSuspensionViewSet",
    "GroundLeaseViewSet",
    "HouseholdViewSet",
    "IndexSeriesViewSet",
    "LeaseEventViewSet",
    "LeaseTemplateVersionViewSet",
    "LeaseTemplateViewSet",
    "MonitoringRecordViewSet",
    "PaymentViewSet",
    "ResalePolicyVersionViewSet",
    "ResalePolicyViewSet",
    "ResaleViewSet",
    "with_ledger_figures",
]

MONEY = DecimalField(max_digits=14, decimal_places=2)
NO_PUT_OR_DELETE = ["get", "post", "patch", "head", "options"]
HOMEOWNER_SUBMISSION = "Submitted online by the leaseholder"


def _total(queryset: QuerySet, group: str, field: str) -> Coalesce:
    """The sum of ``field`` over ``queryset`` (correlated to the outer lease), 0.00 when there are no rows."""
    summed = queryset.order_by().values(group).annotate(total=Sum(field)).values("total")[:1]
    return Coalesce(Subquery(summed, output_field=MONEY), Value(Decimal("0.00")), output_field=MONEY)


def with_ledger_figures(queryset: QuerySet, today: dt.date) -> QuerySet:
    """Leases annotated with ``balance``, ``monthly_fee`` and ``fee_suspended`` as of ``today``, in one query.

    The balance is the ledger's (``fees.ledger_at``): net charges due on or before ``today`` less the
    payments counted on ``today`` (received by then and not reversed by then). It needs no allocation,
    so a subquery per figure replaces loading every charge of every lease on the page.
    """
    lease = OuterRef("pk")
    charged = _total(Charge.objects.filter(lease=lease, due__lte=today), "lease", "amount")
    waived = _total(ChargeWaiver.objects.filter(charge__lease=lease, charge__due__lte=today), "charge__lease", "amount")
    paid = _total(
        Payment.objects.filter(lease=lease, received_on__lte=today).filter(
            Q(reversed_on__isnull=True) | Q(reversed_on__gt=today)
        ),
        "lease",
        "amount",
    )
    rates = FeeRate.objects.filter(schedule__lease=lease)
    in_effect = rates.filter(effective__lte=today).order_by("-effective").values("amount")[:1]
    # Before the first rate takes effect (a draft lease), show the rate it will start with.
    first = rates.order_by("effective").values("amount")[:1]
    suspended = FeeSuspension.objects.filter(schedule__lease=lease, start__lte=today).filter(
        Q(end__isnull=True) | Q(end__gte=today)
    )
    return queryset.annotate(
        balance=charged - waived - paid,
        monthly_fee=Coalesce(Subquery(in_effect, output_field=MONEY), Subquery(first, output_field=MONEY)),
        fee_suspended=Exists(suspended),
    )


def _query(serializer_class: type, request: Request) -> dict[str, Any]:
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data


def _body(serializer_class: type, request: Request) -> dict[str, Any]:
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


def _reason(request: Request, given: str | None, default: str = "") -> str:
    """The body's ``reason``, else ``change_reason`` or the header, else ``default`` (empty: the service asks)."""
    return (given or "").strip() or change_reason_from(request, default)


# --- Households and lease templates ---------------------------------------------------------------


class HouseholdViewSet(HistoryMixin, mixins.CreateModelMixin, RestrictedReadOnlyViewSet):
    """Households and their income at purchase. Staff create them; a homeowner sees their own.

    There is no ``household_update`` service yet, so a household is not edited through the API.
    """

    queryset = Household.objects.prefetch_related(
        Prefetch("members", queryset=HouseholdMember.objects.select_related("person").order_by("pk"))
    )
    serializer_class = s.HouseholdSerializer
    filterset_class = filters.HouseholdFilterSet
    ordering_fields = ["name", "size", "ami_year", "created"]


@extend_schema_view(
    create=extend_schema(
        summary="Make a lease template with its version 1",
        description=(
            "`terms` holds the terms of version 1; each one left out takes the domain notes' published figure "
            "and `effective_from` defaults to today. A name already taken answers 400 on `name`; terms that "
            "cannot work (a flat late fee of 0.00) answer 400 under `terms`, and nothing is saved."
        ),
    )
)
class LeaseTemplateViewSet(HistoryMixin, mixins.CreateModelMixin, RestrictedReadOnlyViewSet):
    """The trust's lease documents with their versions (staff only: internal drafting records).

    Staff make a template with its version 1 here; later versions through ``lease-template-versions``.
    A homeowner reads the terms of their own lease on the lease itself (``template_version``).
    """

    queryset = LeaseTemplate.objects.prefetch_related(
        Prefetch(
            "versions",
            queryset=LeaseTemplateVersion.objects.annotate(lease_count=Count("leases")).order_by("-version"),
        )
    )
    serializer_class = s.LeaseTemplateSerializer
    permission_classes = [IsCltStaff]
    filterset_fields = ["name"]
    ordering_fields = ["name", "created"]

    def perform_create(self, serializer: s.LeaseTemplateSerializer) -> None:
        template = serializer.save()
        serializer.instance = self.get_queryset().get(pk=template.pk)


class LeaseTemplateVersionViewSet(HistoryMixin, RestrictedModelViewSet):
    """The terms of each version of a lease. A version some lease uses is never edited (400): make a new one."""

    # An aggregate drops Meta.ordering, so the order is spelled out.
    queryset = (
        LeaseTemplateVersion.objects.select_related("template")
        .annotate(lease_count=Count("leases"))
        .order_by("template__name", "-version")
    )
    serializer_class = s.LeaseTemplateVersionSerializer
    permission_classes = [IsCltStaff]
    filterset_class = filters.LeaseTemplateVersionFilterSet
    ordering_fields = ["template__name", "version", "effective_from"]
    http_method_names = NO_PUT_OR_DELETE

    def perform_create(self, serializer: s.LeaseTemplateVersionSerializer) -> None:
        version = serializer.save()
        serializer.instance = self.get_queryset().get(pk=version.pk)

    def perform_update(self, serializer: s.LeaseTemplateVersionSerializer) -> None:
        version = serializer.save()
        serializer.instance = self.get_queryset().get(pk=version.pk)


# --- Ground leases --------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Ground leases the user may see, with the balance today"),
    create=extend_schema(summary="Make a draft lease (execute it by recording an `executed` event)"),
)
class GroundLeaseViewSet(HistoryMixin, RestrictedModelViewSet):
    """Ground leases: staff make and edit them; a homeowner sees their own; nobody deletes one."""

    queryset = GroundLease.objects.select_related(
        "unit", "parcel", "template_version__template", "organization"
    ).prefetch_related(
        Prefetch("leaseholders", queryset=Leaseholder.objects.select_related("person").order_by("pk")),
        # Spelled out: the model's ordering ("lease", "pk") would join the leases again to sort by theirs.
        Prefetch("subsidies", queryset=LeaseSubsidy.objects.order_by("pk")),
    )
    serializer_class = s.GroundLeaseSerializer
    filterset_class = filters.GroundLeaseFilterSet
    ordering_fields = ["commencement", "term_end", "status", "unit__address", "parcel__apn", "created"]
    http_method_names = NO_PUT_OR_DELETE
    non_staff_write_actions = ("events", "certify_occupancy")

    def get_queryset(self) -> QuerySet:
        queryset = super().get_queryset()
        if self.action in ("list", "retrieve", "create", "partial_update"):
            queryset = with_ledger_figures(queryset, clock.today())
        return queryset

    def perform_create(self, serializer: s.GroundLeaseSerializer) -> None:
        lease = serializer.save()
        serializer.instance = self.get_queryset().get(pk=lease.pk)

    def perform_update(self, serializer: s.GroundLeaseSerializer) -> None:
        lease = serializer.save()
        serializer.instance = self.get_queryset().get(pk=lease.pk)

    def _lease_for_submission(self) -> GroundLease:
        """The lease a POST acts on: staff any lease; a homeowner only one of their own (else 404)."""
        user = self.request.user
        if roles.is_staff_member(user):
            return self.get_object()
        own = GroundLease.objects.restrict(user, "submit")
        # Someone who may submit on no lease at all (a member) is refused outright; a leaseholder
        # aiming at a lease not theirs is told it does not exist.
        if not own.exists():
            raise PermissionDenied(_("Only staff and leaseholders submit anything on a lease."))
        return get_object_or_404(own, pk=self.kwargs["pk"])

    @extend_schema(
        methods=["GET"],
        summary="The lease's events, oldest first",
        responses=s.LeaseEventSerializer(many=True),
        filters=False,
    )
    @extend_schema(
        methods=["POST"],
        summary="Record an event (staff: any kind; a leaseholder: notices such as intent to sell)",
        description=(
            "Checks the transition against the lease's current state, moves its track, opens and settles "
            "deadlines counted from `received_on`. A leaseholder may submit only kinds that are not staff-only "
            "(today `intent_to_sell_received`); the trust receives it when it is submitted, so its dates are "
            "today's whatever the body says. An illegal transition answers 400 on `kind` and changes nothing."
        ),
        request=s.LeaseEventCreateSerializer,
        responses={201: s.LeaseEventSerializer, 403: OpenApiResponse(description="A staff-only kind")},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def events(self, request: Request, pk: str | None = None) -> Response:
        if request.method == "GET":
            lease = self.get_object()
            events = (
                lease.events.select_related("actor")
                .prefetch_related("deadlines_opened")
                .order_by("effective_on", "recorded_at", "pk")
            )
            return Response(s.LeaseEventSerializer(events, many=True).data)

        lease = self._lease_for_submission()
        values = _body(s.LeaseEventCreateSerializer, request)
        reason = _reason(request, values.pop("reason", ""))
        if not roles.is_staff_member(request.user):
            # A kind without a rule of its own (an extension) is staff's too.
            rule = lifecycle.EVENTS.get(lifecycle.EventKind(values["kind"]))
            if rule is None or rule.staff_only:
                raise PermissionDenied(_("Only staff record “%(kind)s”.") % {"kind": EVENT_LABELS[values["kind"]]})
            today = clock.today()
            values.update(effective_on=today, sent_on=today, received_on=today, delivery_method="online")
            reason = reason or HOMEOWNER_SUBMISSION
        event = services.lease_event_record(lease=lease, actor=request.user, reason=reason, **values)
        fresh = LeaseEvent.objects.select_related("actor").prefetch_related("deadlines_opened").get(pk=event.pk)
        return Response(s.LeaseEventSerializer(fresh).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="The ledger at a date: balance, ageing and open charges",
        description=(
            "`open_charges` lists every charge with an unpaid amount, including those due after `as_of` "
            "(billed ahead: `ageing.current`)."
        ),
        parameters=[s.LedgerQuerySerializer],
        responses=s.LedgerSerializer,
        filters=False,
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def ledger(self, request: Request, pk: str | None = None) -> Response:
        lease = self.get_object()
        as_of = _query(s.LedgerQuerySerializer, request).get("as_of") or clock.today()
        state = services.ledger_state(lease, as_of=as_of)
        ageing = services.ledger_ageing(lease, as_of=as_of)
        open_charges = []
        for charge in lease.charges.prefetch_related("waivers").order_by("due", "pk"):
            open_amount = state.open_by_charge.get(str(charge.pk), Decimal("0"))
            if open_amount > 0:
                open_charges.append(
                    {
                        "id": charge.pk,
                        "kind": charge.kind,
                        "due": charge.due,
                        "description": charge.description,
                        "amount": charge.amount,
                        "waived": sum((w.amount for w in charge.waivers.all()), Decimal("0")),
                        "open": open_amount,
                    }
                )
        body = {
            "lease": lease.pk,
            "as_of": as_of,
            "balance": state.balance,
            "charged": state.charged,
            "paid": state.paid,
            "credit": state.credit,
            "arrears": state.arrears,
            "ageing": ageing,
            "open_charges": open_charges,
        }
        return Response(s.LedgerSerializer(body).data)

    @extend_schema(
        summary="Account statement between two dates, with a running balance",
        parameters=[s.StatementQuerySerializer],
        responses=s.StatementSerializer,
        filters=False,
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def statement(self, request: Request, pk: str | None = None) -> Response:
        lease = self.get_object()
        query = _query(s.StatementQuerySerializer, request)
        statement = services.ledger_lines(lease, start=query["start"], end=query["end"])
        charges = dict(lease.charges.values_list("pk", "description"))
        payments = {p.pk: p for p in lease.payments.all()}
        lines = []
        for line in statement.lines:
            if line.kind in ("payment", "reversal"):
                payment = payments[int(line.key)]
                if line.kind == "payment":
                    description = " ".join(part for part in (payment.get_method_display(), payment.reference) if part)
                else:
                    description = _("Reversed: %(reason)s") % {"reason": payment.reversal_reason}
            else:
                description = charges.get(int(line.key), "")
            lines.append({**asdict(line), "description": description})
        body = {
            "lease": lease.pk,
            "start": query["start"],
            "end": query["end"],
            "opening": statement.opening,
            "lines": lines,
            "closing": statement.closing,
        }
        return Response(s.StatementSerializer(body).data)

    @extend_schema(
        summary="Certify the year's owner occupancy (the leaseholder, or staff for them)",
        request=s.OccupancyCertifySerializer,
        responses=s.MonitoringRecordSerializer,
    )
    @action(detail=True, methods=["post"], url_path="certify-occupancy")
    def certify_occupancy(self, request: Request, pk: str | None = None) -> Response:
        lease = self._lease_for_submission()
        values = _body(s.OccupancyCertifySerializer, request)
        default = "Certified through the API" if roles.is_staff_member(request.user) else HOMEOWNER_SUBMISSION
        record = services.occupancy_certify(
            lease=lease,
            year=values["year"],
            months_occupied=values["months_occupied"],
            details=values["details"],
            actor=request.user,
            reason=_reason(request, values.get("change_reason"), default),
        )
        return Response(s.MonitoringRecordSerializer(record, context=self.get_serializer_context()).data)

    @extend_schema(
        summary="The lease's deadlines: open ones and settled ones (met, missed, no longer applying)",
        responses=s.LeaseDeadlinesSerializer,
        filters=False,
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def deadlines(self, request: Request, pk: str | None = None) -> Response:
        lease = self.get_object()
        rows = list(lease.deadlines.select_related("lease__unit").order_by("due", "pk"))
        body = {
            "open": [d for d in rows if d.status == DeadlineStatus.OPEN],
            "settled": [d for d in rows if d.status != DeadlineStatus.OPEN],
        }
        return Response(s.LeaseDeadlinesSerializer(body).data)


# --- Events and deadlines -------------------------------------------------------------------------


class LeaseEventViewSet(RestrictedReadOnlyViewSet):
    """Lease events across leases: append-only facts, never changed or deleted. Record one on its lease."""

    queryset = LeaseEvent.objects.select_related("actor").prefetch_related("deadlines_opened")
    serializer_class = s.LeaseEventSerializer
    filterset_class = filters.LeaseEventFilterSet
    ordering_fields = ["effective_on", "received_on", "recorded_at"]


class DeadlineViewSet(HistoryMixin, RestrictedReadOnlyViewSet):
    """Deadlines opened by lease events; staff extend one by written agreement (the original date is kept)."""

    queryset = Deadline.objects.select_related("lease__unit")
    serializer_class = s.DeadlineSerializer
    filterset_class = filters.DeadlineFilterSet
    ordering_fields = ["due", "original_due", "kind", "status"]

    @extend_schema(
        summary="Extend a deadline agreed in writing",
        request=s.DeadlineExtendSerializer,
        responses=s.DeadlineSerializer,
    )
    @action(detail=True, methods=["post"])
    def extend(self, request: Request, pk: str | None = None) -> Response:
        deadline = self.get_object()
        values = _body(s.DeadlineExtendSerializer, request)
        services.deadline_extend(
            deadline=deadline,
            new_due=values["new_due"],
            agreed_on=values["agreed_on"],
            actor=request.user,
            reason=_reason(request, values.get("reason")),
        )
        return Response(s.DeadlineSerializer(self.get_queryset().get(pk=deadline.pk)).data)

    @extend_schema(
        summary="What is due: overdue, and due in the next 30, 60 and 90 days (deadlines and monitoring)",
        parameters=[s.DueQuerySerializer],
        responses=s.DueSerializer,
        filters=False,
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def due(self, request: Request) -> Response:
        horizon = _query(s.DueQuerySerializer, request)["horizon"]
        today = clock.today()
        items = selectors.due_items(request.user, today=today, horizon_days=horizon)
        buckets = [{"key": key, "label": label, "items": bucket} for key, label, bucket in selectors.due_buckets(items)]
        return Response(s.DueSerializer({"as_of": today, "horizon": horizon, "buckets": buckets}).data)


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
        values = _body(s.ChargeWaiveSerializer, request)
        services.charge_waive(
            charge=charge,
            amount=values["amount"],
            granted_on=values.get("granted_on") or clock.today(),
            actor=request.user,
            reason=_reason(request, values.get("reason")),
        )
        fresh = self.get_queryset().get(pk=charge.pk)
        return Response(s.ChargeSerializer(fresh, context=self.get_serializer_context()).data)


class PaymentViewSet(HistoryMixin, mixins.CreateModelMixin, RestrictedReadOnlyViewSet):
    """Money received. A payment is never deleted: a bounced cheque is reversed, with the reason."""

    queryset = Payment.objects.all()
    serializer_class = s.PaymentSerializer
    filterset_class = filters.PaymentFilterSet
    ordering_fields = ["received_on", "amount", "created"]

    @extend_schema(summary="Reverse a payment", request=s.PaymentReverseSerializer, responses=s.PaymentSerializer)
    @action(detail=True, methods=["post"])
    def reverse(self, request: Request, pk: str | None = None) -> Response:
        payment = self.get_object()
        values = _body(s.PaymentReverseSerializer, request)
        reversed_payment = services.payment_reverse(
            payment=payment,
            reversed_on=values.get("reversed_on") or clock.today(),
            actor=request.user,
            reason=_reason(request, values.get("reason")),
        )
        return Response(s.PaymentSerializer(reversed_payment, context=self.get_serializer_context()).data)


# --- Monitoring -----------------------------------------------------------------------------------


class MonitoringRecordViewSet(HistoryMixin, mixins.CreateModelMixin, RestrictedReadOnlyViewSet):
    """Certifications, insurance, taxes, HOA dues, inspections, improvement requests; staff review them."""

    queryset = MonitoringRecord.objects.select_related("submitted_by")
    serializer_class = s.MonitoringRecordSerializer
    filterset_class = filters.MonitoringRecordFilterSet
    ordering_fields = ["due", "year", "kind", "status"]

    @extend_schema(
        summary="Accept, reject (needs follow-up) or waive an item",
        request=s.MonitoringReviewSerializer,
        responses=s.MonitoringRecordSerializer,
    )
    @action(detail=True, methods=["post"])
    def review(self, request: Request, pk: str | None = None) -> Response:
        record = self.get_object()
        values = _body(s.MonitoringReviewSerializer, request)
        reviewed = services.monitoring_review(
            record=record, status=values["status"], actor=request.user, reason=_reason(request, values.get("reason"))
        )
        return Response(s.MonitoringRecordSerializer(reviewed, context=self.get_serializer_context()).data)


# --- Resale: index series, policies and quotes ----------------------------------------------------

SERIES_KEY = OpenApiParameter(
    "id", OpenApiTypes.STR, OpenApiParameter.PATH, description="The series' id, or its code (`cpi-u`)."
)


@extend_schema_view(
    list=extend_schema(summary="Published index series (CPI-U, HUD median income, income limits) with their span"),
    retrieve=extend_schema(summary="One index series, by id or code", parameters=[SERIES_KEY]),
)
class IndexSeriesViewSet(RestrictedReadOnlyViewSet):
    """Index series a resale formula reads (staff only). Values are loaded by ``manage.py import_index``."""

    queryset = IndexSeries.objects.annotate(
        values_count=Count("values"),
        first_effective=Min("values__effective_from"),
        last_effective=Max("values__effective_from"),
    ).order_by("code")
    serializer_class = s.IndexSeriesSerializer
    permission_classes = [IsCltStaff]
    lookup_value_regex = r"[^/.]+"  # an id or a code
    filterset_fields = ["kind", "code"]
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
        query = _query(s.IndexValueQuerySerializer, request)
        size = query.get("household_size")
        found = services.index_value_in_effect(series, query["on"], household_size=size)
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
class ResalePolicyViewSet(HistoryMixin, mixins.CreateModelMixin, RestrictedReadOnlyViewSet):
    """The trust's resale formulas (its "programs") with their versions, newest first (staff only)."""

    queryset = ResalePolicy.objects.prefetch_related(
        Prefetch("versions", queryset=ResalePolicyVersion.objects.order_by("-version"))
    )
    serializer_class = s.ResalePolicySerializer
    permission_classes = [IsCltStaff]
    filterset_fields = ["name"]
    ordering_fields = ["name", "created"]

    def perform_create(self, serializer: s.ResalePolicySerializer) -> None:
        policy = serializer.save()
        serializer.instance = self.get_queryset().get(pk=policy.pk)


@extend_schema_view(
    create=extend_schema(summary="Add a draft version to a policy"),
    partial_update=extend_schema(
        summary="Correct a draft's parameters",
        description="An approved or retired version never changes: 400 on `status`; make a new version instead.",
    ),
)
class ResalePolicyVersionViewSet(HistoryMixin, RestrictedModelViewSet):
    """Versions of resale policies (staff only): drafts are corrected, then approved and immutable."""

    queryset = ResalePolicyVersion.objects.select_related("policy", "approved_by").order_by("policy__name", "-version")
    serializer_class = s.ResalePolicyVersionSerializer
    permission_classes = [IsCltStaff]
    filterset_fields = ["policy", "status"]
    ordering_fields = ["policy__name", "version", "approved_on", "effective_from"]
    http_method_names = NO_PUT_OR_DELETE

    def perform_create(self, serializer: s.ResalePolicyVersionSerializer) -> None:
        version = serializer.save()
        serializer.instance = self.get_queryset().get(pk=version.pk)

    def perform_update(self, serializer: s.ResalePolicyVersionSerializer) -> None:
        version = serializer.save()
        serializer.instance = self.get_queryset().get(pk=version.pk)

    @extend_schema(
        summary="Approve a draft, citing the resolution; from then on it never changes",
        request=s.ResalePolicyApproveSerializer,
        responses=s.ResalePolicyVersionSerializer,
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        version = self.get_object()
        values = _body(s.ResalePolicyApproveSerializer, request)
        approved_on = values.get("approved_on") or clock.today()
        services.resale_policy_version_approve(
            version=version,
            approved_on=approved_on,
            effective_from=values.get("effective_from") or approved_on,
            approval_reference=values["approval_reference"],
            actor=request.user,
            reason=_reason(request, values.get("reason"), "Approved through the API"),
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
