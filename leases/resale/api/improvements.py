"""``/api/v1/capital-improvements/``: the owner's request, approval before the work, completion, the credit.

Who may do what:
- staff: read every improvement; record a request on any lease (``POST``); approve, deny and record the
  completion (``{id}/approve/``, ``{id}/deny/``, ``{id}/complete/``);
- a homeowner: reads the improvements of their own lease(s) and asks for one on their own active lease
  (``POST``; dated today whatever the body says); another lease is a 404, a staff action a 403;
- anyone else: empty lists, 404 on details, 403 on writes.

Every write goes through ``leases.resale.services`` (the rules live there: approval before the work with its
reference, completion only of approved work, with its cost; maintenance earns no credit). ``{id}/credit/``
is the resale engine's valuation of the item on a date, with its explanation (``leases.resale.selectors.credit_on``
``credit_on``: the page shows the same figure).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from clt import clock, roles
from clt.api.serializers import StrictKeysMixin, change_reason_field, reason_field
from clt.api.viewsets import HistoryMixin, RestrictedReadOnlyViewSet, change_reason_from, reason_given, validated_body
from leases.lifecycle.models import GroundLease
from leases.lifecycle.rules import LeaseStatus
from leases.resale import filters, services
from leases.resale.models import CapitalImprovement, CreditMethod, ImprovementStatus
from leases.resale.selectors import credit_on, credit_rules_for

__all__ = ["CapitalImprovementViewSet"]

MONEY = {"max_digits": 12, "decimal_places": 2}
HOMEOWNER_REQUEST = "Asked by the homeowner through the API"


# --- Filters and serializers -----------------------------------------------------------------------


class CapitalImprovementSerializer(serializers.ModelSerializer):
    """An improvement as recorded: read-only here, changed only through the request and the actions."""

    # Plain text, not a second enum named "method" beside the approval's (drf-spectacular would have to
    # rename one of them): the approval body lists the choices.
    method = serializers.CharField(
        read_only=True, help_text="How the credit is valued: " + ", ".join(CreditMethod.values) + "."
    )

    class Meta:
        model = CapitalImprovement
        fields = [
            "id",
            "lease",
            "description",
            "maintenance",
            "status",
            "requested_on",
            "estimated_cost",
            "approved_on",
            "approval_reference",
            "started_on",
            "completed_on",
            "cost",
            "documents",
            "method",
            "credit_pct",
            "appraised_value",
            "useful_life_years",
            "fixed_value",
            "notes",
            "created",
            "last_updated",
        ]
        read_only_fields = fields


class ImprovementRequestSerializer(StrictKeysMixin, serializers.Serializer):
    lease = serializers.IntegerField(min_value=1, help_text="The lease (a homeowner: their own active lease).")
    description = serializers.CharField(max_length=300)
    requested_on = serializers.DateField(
        required=False, help_text="Staff: the date of the owner's request (default today). A homeowner's is today."
    )
    estimated_cost = serializers.DecimalField(**MONEY, min_value=Decimal("0"), required=False, allow_null=True)
    maintenance = serializers.BooleanField(
        required=False, default=False, help_text="Ordinary maintenance or a repair: recorded, never credited."
    )
    change_reason = change_reason_field()


class ImprovementApproveSerializer(StrictKeysMixin, serializers.Serializer):
    approved_on = serializers.DateField(required=False, help_text="Before the work starts. Default: today.")
    approval_reference = serializers.CharField(max_length=200, help_text="The letter, decision or reference.")
    method = serializers.ChoiceField(
        choices=CreditMethod.choices, required=False, help_text="Default: percent_of_cost."
    )
    credit_pct = serializers.DecimalField(
        max_digits=6,
        decimal_places=3,
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        required=False,
        help_text="The share credited, in percent (50 for half). Default: 100.",
    )
    useful_life_years = serializers.IntegerField(
        min_value=1, max_value=200, required=False, help_text="Required by depreciated_cost."
    )
    fixed_value = serializers.DecimalField(
        **MONEY, min_value=Decimal("0"), required=False, help_text="Required by fixed_value: the listed amount."
    )
    reason = reason_field("Why it is approved; kept in the improvement's history.")
    change_reason = serializers.CharField(required=False, allow_blank=True, max_length=1000, write_only=True)


class ImprovementDenySerializer(StrictKeysMixin, serializers.Serializer):
    reason = reason_field("Why the request is denied (required); kept in the improvement's history.")
    change_reason = serializers.CharField(required=False, allow_blank=True, max_length=1000, write_only=True)


class ImprovementCompleteSerializer(StrictKeysMixin, serializers.Serializer):
    completed_on = serializers.DateField(required=False, help_text="Default: today.")
    started_on = serializers.DateField(required=False, allow_null=True, help_text="Not before the approval.")
    cost = serializers.DecimalField(**MONEY, min_value=Decimal("0"), help_text="The final cost.")
    documents = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=5000,
        default="",
        help_text="Receipts, permits, photos on file, one per line. A credit needs the cost documented.",
    )
    appraised_value = serializers.DecimalField(
        **MONEY,
        min_value=Decimal("0"),
        required=False,
        allow_null=True,
        help_text="The value an appraiser attributes to the work; required by the appraised_value method.",
    )
    reason = reason_field("Why it is recorded; kept in the improvement's history.")
    change_reason = serializers.CharField(required=False, allow_blank=True, max_length=1000, write_only=True)


class CreditQuerySerializer(serializers.Serializer):
    on = serializers.DateField(required=False, help_text="The determination date (YYYY-MM-DD). Default: today.")


class CreditSerializer(serializers.Serializer):
    improvement = serializers.IntegerField()
    on = serializers.DateField()
    status = serializers.CharField(help_text="The item's status: " + ", ".join(ImprovementStatus.values) + ".")
    credited = serializers.BooleanField(help_text="Whether the item earns a credit on that date.")
    amount = serializers.DecimalField(
        **MONEY, help_text="The credit rounded half up to the cent (0.00 when none): what the page shows."
    )
    exact_amount = serializers.CharField(
        help_text="The engine's figure, unrounded, as it enters the price (the policy rounds the price)."
    )
    code = serializers.CharField(
        help_text="The engine's line: credit.capital_improvement, credit.refused; or not_completed, "
        "credit.incomplete (a completed item missing what its method needs)."
    )
    label = serializers.CharField()
    detail = serializers.CharField(help_text="The arithmetic, or why there is no credit.")
    policy_version = serializers.IntegerField(
        allow_null=True,
        help_text="The resale policy version whose credit rules applied (the lease's); null: the engine's defaults.",
    )


# --- The viewset -------------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Capital improvements the user may see (a homeowner: their own lease's)"),
    retrieve=extend_schema(summary="One capital improvement"),
)
class CapitalImprovementViewSet(HistoryMixin, mixins.CreateModelMixin, RestrictedReadOnlyViewSet):
    """Capital improvements: requested, approved before the work, completed with cost and documents, credited."""

    queryset = CapitalImprovement.objects.all()
    serializer_class = CapitalImprovementSerializer
    filterset_class = filters.CapitalImprovementFilterSet
    ordering_fields = ["requested_on", "approved_on", "completed_on", "status"]
    non_staff_write_actions = ("create",)

    def _lease_for_request(self, lease_id: int) -> GroundLease:
        """Staff: any lease they see. A homeowner: one of their own, active (another lease is a 404)."""
        user = self.request.user
        if roles.is_staff_member(user):
            return get_object_or_404(GroundLease.objects.visible_to(user), pk=lease_id)
        own = GroundLease.objects.restrict(user, "submit")
        if not own.exists():
            raise PermissionDenied(_("Only staff and leaseholders ask for improvements."))
        lease = get_object_or_404(own, pk=lease_id)
        if lease.status != LeaseStatus.ACTIVE:
            raise ApiValidationError({"lease": [_("Improvements are asked for on an active lease.")]})
        return lease

    @extend_schema(
        summary="Ask for an improvement (staff: on the owner's behalf; a homeowner: on their own lease)",
        description=(
            "Calls `improvement_request`. A homeowner's request is dated today whatever `requested_on` says; "
            "a lease that is not theirs answers 404. Bad input answers 400 naming the field."
        ),
        request=ImprovementRequestSerializer,
        responses={
            201: CapitalImprovementSerializer,
            403: OpenApiResponse(description="Neither staff nor a leaseholder"),
            404: OpenApiResponse(description="A lease the user may not see (or, for a homeowner, not theirs)"),
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        values = validated_body(ImprovementRequestSerializer, request)
        lease = self._lease_for_request(values["lease"])
        today = clock.today()
        staff = roles.is_staff_member(request.user)
        # A homeowner's request reaches the trust when it is sent: it is dated today.
        requested_on = (values.get("requested_on") or today) if staff else today
        reason = change_reason_from(request, "Recorded through the API" if staff else HOMEOWNER_REQUEST)
        item = services.improvement_request(
            lease=lease,
            description=values["description"],
            requested_on=requested_on,
            estimated_cost=values.get("estimated_cost"),
            maintenance=values["maintenance"],
            actor=request.user,
            reason=reason,
        )
        return Response(CapitalImprovementSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Approve a request before the work, with its reference and credit method (staff)",
        description=(
            "Only a requested item; not before the request, not in the future, not after the work started. "
            "`depreciated_cost` needs `useful_life_years`, `fixed_value` needs `fixed_value`."
        ),
        request=ImprovementApproveSerializer,
        responses=CapitalImprovementSerializer,
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        item = self.get_object()
        values = validated_body(ImprovementApproveSerializer, request)
        terms = {name: values[name] for name in services.CREDIT_TERMS if name in values}
        approved = services.improvement_approve(
            improvement=item,
            approved_on=values.get("approved_on") or clock.today(),
            approval_reference=values["approval_reference"],
            actor=request.user,
            reason=reason_given(request, values.get("reason"), "Approved through the API"),
            **terms,
        )
        return Response(CapitalImprovementSerializer(approved).data)

    @extend_schema(
        summary="Deny a request (staff); the reason is required",
        request=ImprovementDenySerializer,
        responses=CapitalImprovementSerializer,
    )
    @action(detail=True, methods=["post"])
    def deny(self, request: Request, pk: str | None = None) -> Response:
        item = self.get_object()
        values = validated_body(ImprovementDenySerializer, request)
        denied = services.improvement_deny(
            improvement=item, actor=request.user, reason=reason_given(request, values.get("reason"))
        )
        return Response(CapitalImprovementSerializer(denied).data)

    @extend_schema(
        summary="Record the completed work: dates, final cost, documents (staff)",
        description=(
            "Only approved work (or maintenance, which needs no approval): completing a request not approved "
            "answers 400 on `status`, a start before the approval 400 on `started_on`."
        ),
        request=ImprovementCompleteSerializer,
        responses=CapitalImprovementSerializer,
    )
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        item = self.get_object()
        values = validated_body(ImprovementCompleteSerializer, request)
        services.require_appraised_value(item, values.get("appraised_value"))
        completed = services.improvement_complete(
            improvement=item,
            completed_on=values.get("completed_on") or clock.today(),
            started_on=values.get("started_on"),
            cost=values["cost"],
            documents=values["documents"],
            appraised_value=values.get("appraised_value"),
            actor=request.user,
            reason=reason_given(request, values.get("reason"), "Completion recorded through the API"),
        )
        return Response(CapitalImprovementSerializer(completed).data)

    @extend_schema(
        summary="The credit the item earns on a date, as the resale engine values it, with its explanation",
        description=(
            "Under the credit rules of the lease's resale policy (approval before the work, documented cost, "
            "and any cost or age limits). Maintenance, denied and unfinished work earn nothing, and say why."
        ),
        parameters=[CreditQuerySerializer],
        responses=CreditSerializer,
        filters=False,
    )
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def credit(self, request: Request, pk: str | None = None) -> Response:
        item = self.get_object()
        query = CreditQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        on = query.validated_data.get("on") or clock.today()
        lease = GroundLease.objects.select_related("template_version__resale_policy_version").get(pk=item.lease_id)
        valued = credit_on(item, on=on, rules=credit_rules_for(lease))
        body = {
            "improvement": item.pk,
            "on": on,
            "status": item.status,
            "credited": valued.credited,
            "amount": valued.rounded,
            "exact_amount": str(valued.amount),
            "code": valued.code,
            "label": valued.label,
            "detail": valued.detail,
            "policy_version": lease.template_version.resale_policy_version_id,
        }
        return Response(CreditSerializer(body).data)
