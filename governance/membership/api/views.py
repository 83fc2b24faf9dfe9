"""API of membership: serializers and viewsets.

Who may do what:
- staff: every membership, the standings of every member on a date (``members/``), the settings
  (``governance-settings/``, GET and PATCH), and the actions ``approve/``, ``refuse/``, ``end/``, ``dues/`` (POST);
- a signed-in person: their own membership (others are 404), may apply for themself (POST ``memberships/``
  without ``person``), reads their own dues, and their standing today (``my-membership/``);
- anonymous: refused.
Writes go through ``governance.membership.services``; a refused change is HTTP 400 naming the field.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from clt import clock, roles
from clt.api.viewsets import HistoryMixin, RestrictedReadOnlyViewSet, change_reason_from, reason_given, validated_body
from clt.models import Person
from clt.permissions import IsCltStaff
from governance.membership import services
from governance.membership.api.serializers import (
    GovernanceSettingsSerializer,
    MembershipApplySerializer,
    MembershipApproveSerializer,
    MembershipDuesCreateSerializer,
    MembershipDuesPaymentSerializer,
    MembershipEndSerializer,
    MembershipRefuseSerializer,
    MembershipSerializer,
    MembershipStandingQuerySerializer,
    MembershipStandingSerializer,
    MyMembershipSerializer,
)
from governance.membership.filters import MembershipFilterSet
from governance.membership.models import (
    DuesPayment,
    GovernanceSettings,
    Membership,
)
from governance.membership.selectors import Standing, standing_of, standings_on

__all__ = [
    "GovernanceSettingsViewSet",
    "MembersViewSet",
    "MembershipViewSet",
    "MyMembershipViewSet",
]


# --- Helpers --------------------------------------------------------------------------------------


class _SingleObjectSchema(AutoSchema):
    """``list`` of these viewsets answers one object, not a page of them."""

    def _is_list_view(self, serializer: Any = None) -> bool:
        return False


# --- Viewsets -------------------------------------------------------------------------------------


class MembershipViewSet(HistoryMixin, mixins.CreateModelMixin, RestrictedReadOnlyViewSet):
    """General and supporting memberships (lessee membership is derived from leases: see ``members/``)."""

    queryset = Membership.objects.select_related("person")
    serializer_class = MembershipSerializer
    filterset_class = MembershipFilterSet
    ordering_fields = ["applied_on", "approved_on", "id"]
    non_staff_write_actions = ("create",)

    @extend_schema(request=MembershipApplySerializer, responses={201: MembershipSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        values = validated_body(MembershipApplySerializer, request)
        reason = reason_given(request, values.pop("reason", ""))
        person_id = values.pop("person", None)
        # Resolved through visible_to: a non-staff caller cannot learn which other people exist.
        person = Person.objects.visible_to(request.user).filter(pk=person_id).first() if person_id else None
        if person_id and person is None:
            raise ApiValidationError({"person": [_("No such person.")]})
        if not roles.is_staff_member(request.user):
            own = Person.objects.filter(user=request.user).first()
            if own is None:
                raise ApiValidationError({"person": [_("Your login has no person record: ask the staff.")]})
            if "notes" in values:
                raise ApiValidationError({"notes": [_("This field cannot be set here.")]})
            person = own
        elif person is None:
            raise ApiValidationError({"person": [_("Choose the person who applies.")]})
        membership = services.membership_apply(person=person, actor=request.user, reason=reason, **values)
        return Response(self.get_serializer(membership).data, status=status.HTTP_201_CREATED)

    def _act(self, request: Request, serializer_class: type, service: Any) -> Response:
        membership = self.get_object()
        values = validated_body(serializer_class, request)
        reason = reason_given(request, values.pop("reason", ""))
        membership = service(membership=membership, actor=request.user, reason=reason, **values)
        return Response(self.get_serializer(membership).data)

    @extend_schema(request=MembershipApproveSerializer, responses=MembershipSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return self._act(request, MembershipApproveSerializer, services.membership_approve)

    @extend_schema(request=MembershipRefuseSerializer, responses=MembershipSerializer)
    @action(detail=True, methods=["post"])
    def refuse(self, request: Request, pk: str | None = None) -> Response:
        return self._act(request, MembershipRefuseSerializer, services.membership_refuse)

    @extend_schema(request=MembershipEndSerializer, responses=MembershipSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str | None = None) -> Response:
        return self._act(request, MembershipEndSerializer, services.membership_end)

    @extend_schema(methods=["GET"], request=None, responses=MembershipDuesPaymentSerializer(many=True), filters=False)
    @extend_schema(
        methods=["POST"], request=MembershipDuesCreateSerializer, responses={201: MembershipDuesPaymentSerializer}
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def dues(self, request: Request, pk: str | None = None) -> Response:
        membership = self.get_object()
        if request.method == "GET":
            payments = DuesPayment.objects.visible_to(request.user).filter(membership=membership)
            return Response(MembershipDuesPaymentSerializer(payments, many=True).data)
        values = validated_body(MembershipDuesCreateSerializer, request)
        reason = reason_given(request, values.pop("reason", ""))
        payment = services.dues_record(membership=membership, actor=request.user, reason=reason, **values)
        return Response(MembershipDuesPaymentSerializer(payment).data, status=status.HTTP_201_CREATED)


class MembersViewSet(viewsets.GenericViewSet):
    """Staff: every member's standing on a date (``?on=``, default today), one per person, class precedence
    applied, with the reasons a member does not vote. Filter by ``member_class`` and ``votes``."""

    permission_classes = [IsCltStaff]
    serializer_class = MembershipStandingSerializer
    filter_backends: list = []

    @extend_schema(parameters=[MembershipStandingQuerySerializer])
    def list(self, request: Request) -> Response:
        query = MembershipStandingQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        on = query.validated_data.get("on") or clock.today()
        rows: list[Standing] = standings_on(on)
        wanted_class = query.validated_data.get("member_class")
        if wanted_class:
            rows = [s for s in rows if s.member_class == wanted_class]
        votes = query.validated_data.get("votes")
        if votes is not None:
            rows = [s for s in rows if s.votes == votes]
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(MembershipStandingSerializer(page, many=True).data)


class GovernanceSettingsViewSet(viewsets.GenericViewSet):
    """Staff: the trust's membership rules, one object (GET, PATCH). The service area is GeoJSON (lon/lat)."""

    permission_classes = [IsCltStaff]
    serializer_class = GovernanceSettingsSerializer
    pagination_class = None
    filter_backends: list = []
    schema = _SingleObjectSchema()

    @classmethod
    def as_view(cls, actions: dict | None = None, **initkwargs: Any) -> Any:
        # One object at the collection's address: PATCH goes where GET does.
        if actions and actions.get("get") == "list":
            actions = {"get": "list", "patch": "update_settings"}
        return super().as_view(actions, **initkwargs)

    def list(self, request: Request) -> Response:
        return Response(GovernanceSettingsSerializer(GovernanceSettings.current()).data)

    @extend_schema(request=GovernanceSettingsSerializer(partial=True), responses=GovernanceSettingsSerializer)
    def update_settings(self, request: Request) -> Response:
        current = GovernanceSettings.current()
        data = GovernanceSettingsSerializer(current, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        reason = change_reason_from(request, "")
        updated = services.governance_settings_update(actor=request.user, reason=reason, **data.validated_data)
        return Response(GovernanceSettingsSerializer(updated).data)


class MyMembershipViewSet(viewsets.GenericViewSet):
    """The caller's membership today: class, vote and why not, the membership row and dues (any signed-in user)."""

    permission_classes = [IsAuthenticated]
    serializer_class = MyMembershipSerializer
    pagination_class = None
    filter_backends: list = []
    schema = _SingleObjectSchema()

    def list(self, request: Request) -> Response:
        today = clock.today()
        person = Person.objects.visible_to(request.user).filter(user=request.user).first()
        body: dict[str, Any] = {"on": today, "standing": None, "membership": None, "dues": []}
        if person is not None:
            body["standing"] = standing_of(person, today)
            membership = Membership.objects.visible_to(request.user).filter(person=person).first()
            body["membership"] = membership
            if membership is not None:
                body["dues"] = list(DuesPayment.objects.visible_to(request.user).filter(membership=membership))
        return Response(MyMembershipSerializer(body, context={"request": request}).data)
