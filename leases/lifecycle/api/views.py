"""API views of households, lease terms, ground leases, events and deadlines: thin, scoped by ``restrict``."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal

from django.db.models import (
    Count,
    Prefetch,
    QuerySet,
)
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
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
from leases.ledger import selectors as ledger_selectors
from leases.ledger import wording as ledger_wording
from leases.ledger.api import serializers as ledger_s
from leases.ledger.selectors import with_ledger_figures
from leases.lifecycle import filters, selectors
from leases.lifecycle import rules as lifecycle
from leases.lifecycle import services as lifecycle_services
from leases.lifecycle.api import serializers as s
from leases.lifecycle.choices import EVENT_LABELS
from leases.lifecycle.models import (
    Deadline,
    DeadlineStatus,
    GroundLease,
    Household,
    HouseholdMember,
    LeaseEvent,
    Leaseholder,
    LeaseSubsidy,
    LeaseTemplate,
    LeaseTemplateVersion,
)
from leases.monitoring import services as monitoring_services
from leases.monitoring.api import serializers as monitoring_s

HOMEOWNER_SUBMISSION = "Submitted online by the leaseholder"

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
class LeaseTemplateViewSet(ReadBackMixin, HistoryMixin, mixins.CreateModelMixin, RestrictedReadOnlyViewSet):
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
    filterset_class = filters.LeaseTemplateFilterSet
    ordering_fields = ["name", "created"]


class LeaseTemplateVersionViewSet(ReadBackMixin, HistoryMixin, RestrictedModelViewSet):
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


# --- Ground leases --------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Ground leases the user may see, with the balance today"),
    create=extend_schema(summary="Make a draft lease (execute it by recording an `executed` event)"),
)
class GroundLeaseViewSet(ReadBackMixin, HistoryMixin, RestrictedModelViewSet):
    """Ground leases: staff make and edit them; a homeowner sees their own; nobody deletes one."""

    queryset = GroundLease.objects.select_related(
        "unit", "parcel", "template_version__template", "organization"
    ).prefetch_related(
        # Into plain lists (to_attr, read by the serializer's PrefetchedList): no queryset built per lease.
        Prefetch(
            "leaseholders",
            queryset=Leaseholder.objects.select_related("person").order_by("pk"),
            to_attr="leaseholders_list",
        ),
        # Spelled out: the model's ordering ("lease", "pk") would join the leases again to sort by theirs.
        Prefetch("subsidies", queryset=LeaseSubsidy.objects.order_by("pk"), to_attr="subsidies_list"),
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
        if self.action == "list":
            # The list shows the parcel's APN only: its boundary is the largest value of the row, read and
            # parsed for nothing.
            queryset = queryset.defer("parcel__geometry")
        return queryset

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
        values = validated_body(s.LeaseEventCreateSerializer, request)
        reason = reason_given(request, values.pop("reason", ""))
        if not roles.is_staff_member(request.user):
            # A kind without a rule of its own (an extension) is staff's too.
            rule = lifecycle.EVENTS.get(lifecycle.EventKind(values["kind"]))
            if rule is None or rule.staff_only:
                raise PermissionDenied(_("Only staff record “%(kind)s”.") % {"kind": EVENT_LABELS[values["kind"]]})
            today = clock.today()
            values.update(effective_on=today, sent_on=today, received_on=today, delivery_method="online")
            reason = reason or HOMEOWNER_SUBMISSION
        event = lifecycle_services.lease_event_record(lease=lease, actor=request.user, reason=reason, **values)
        fresh = LeaseEvent.objects.select_related("actor").prefetch_related("deadlines_opened").get(pk=event.pk)
        return Response(s.LeaseEventSerializer(fresh).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="The ledger at a date: balance, ageing and open charges",
        description=(
            "`open_charges` lists every charge with an unpaid amount, including those due after `as_of` "
            "(billed ahead: `ageing.current`)."
        ),
        parameters=[ledger_s.LedgerQuerySerializer],
        responses=ledger_s.LedgerSerializer,
        filters=False,
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def ledger(self, request: Request, pk: str | None = None) -> Response:
        lease = self.get_object()
        as_of = validated_query(ledger_s.LedgerQuerySerializer, request).get("as_of") or clock.today()
        state = ledger_selectors.ledger_state(lease, as_of=as_of)
        ageing = ledger_selectors.ledger_ageing(lease, as_of=as_of)
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
        return Response(ledger_s.LedgerSerializer(body).data)

    @extend_schema(
        summary="Account statement between two dates, with a running balance",
        parameters=[ledger_s.StatementQuerySerializer],
        responses=ledger_s.StatementSerializer,
        filters=False,
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def statement(self, request: Request, pk: str | None = None) -> Response:
        lease = self.get_object()
        query = validated_query(ledger_s.StatementQuerySerializer, request)
        statement = ledger_selectors.ledger_lines(lease, start=query["start"], end=query["end"])
        charges = dict(lease.charges.values_list("pk", "description"))
        payments = {p.pk: p for p in lease.payments.select_related("currency")}
        lines = []
        for line in statement.lines:
            if line.kind in ("payment", "reversal"):
                payment = payments[int(line.key)]
                if line.kind == "payment":
                    description = " ".join(part for part in (payment.get_method_display(), payment.reference) if part)
                    if payment.currency_id is not None:
                        description = f"{description}; {ledger_wording.local_text(payment)}"
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
        return Response(ledger_s.StatementSerializer(body).data)

    @extend_schema(
        summary="Certify the year's owner occupancy (the leaseholder, or staff for them)",
        request=monitoring_s.OccupancyCertifySerializer,
        responses=monitoring_s.MonitoringRecordSerializer,
    )
    @action(detail=True, methods=["post"], url_path="certify-occupancy")
    def certify_occupancy(self, request: Request, pk: str | None = None) -> Response:
        lease = self._lease_for_submission()
        values = validated_body(monitoring_s.OccupancyCertifySerializer, request)
        default = "Certified through the API" if roles.is_staff_member(request.user) else HOMEOWNER_SUBMISSION
        record = monitoring_services.occupancy_certify(
            lease=lease,
            year=values["year"],
            months_occupied=values["months_occupied"],
            details=values["details"],
            actor=request.user,
            reason=reason_given(request, values.get("change_reason"), default),
        )
        return Response(monitoring_s.MonitoringRecordSerializer(record, context=self.get_serializer_context()).data)

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
        values = validated_body(s.DeadlineExtendSerializer, request)
        lifecycle_services.deadline_extend(
            deadline=deadline,
            new_due=values["new_due"],
            agreed_on=values["agreed_on"],
            actor=request.user,
            reason=reason_given(request, values.get("reason")),
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
        horizon = validated_query(s.DueQuerySerializer, request)["horizon"]
        today = clock.today()
        items = selectors.due_items(request.user, today=today, horizon_days=horizon)
        buckets = [{"key": key, "label": label, "items": bucket} for key, label, bucket in selectors.due_buckets(items)]
        return Response(s.DueSerializer({"as_of": today, "horizon": horizon, "buckets": buckets}).data)
