"""API of the co-ops' certified resident lists (``coop-resident-lists/``): staff only.

GET lists every certified list with its residents (``?organization=`` narrows to one co-op), newest first;
POST records a list the co-op certified (``governance.membership.coop.coop_list_certify``): a refusal is a
400 naming the field.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from clt.api.viewsets import HistoryMixin, RestrictedReadOnlyViewSet, reason_given, validated_body
from clt.models import Organization, Person
from clt.permissions import IsCltStaff
from governance.membership.coop import coop_list_certify
from governance.membership.models import CoopResident, CoopResidentList
from leases.lifecycle.models import Household

__all__ = ["CoopResidentListViewSet"]


class CoopResidentSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.full_name", read_only=True)

    class Meta:
        model = CoopResident
        fields = ["person", "person_name", "household", "delegate"]


class CoopResidentListSerializer(serializers.ModelSerializer):
    residents = CoopResidentSerializer(source="entries", many=True, read_only=True)
    recorded_by = serializers.CharField(source="recorded_by.username", read_only=True, default=None)

    class Meta:
        model = CoopResidentList
        fields = [
            "id",
            "organization",
            "certified_on",
            "certifier_name",
            "certifier_role",
            "recorded_by",
            "notes",
            "residents",
            "created",
        ]


class CoopResidentInSerializer(serializers.Serializer):
    person = serializers.IntegerField(min_value=1)
    household = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    delegate = serializers.BooleanField(default=False)


class CoopResidentListCreateSerializer(serializers.Serializer):
    organization = serializers.IntegerField(min_value=1)
    certified_on = serializers.DateField()
    certifier_name = serializers.CharField(max_length=200)
    certifier_role = serializers.CharField(max_length=200)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    residents = CoopResidentInSerializer(many=True, allow_empty=False, max_length=5000)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class CoopResidentListViewSet(HistoryMixin, mixins.CreateModelMixin, RestrictedReadOnlyViewSet):
    permission_classes = [IsCltStaff]
    queryset = CoopResidentList.objects.select_related("recorded_by").prefetch_related(
        Prefetch("entries", queryset=CoopResident.objects.select_related("person").order_by("pk"))
    )
    serializer_class = CoopResidentListSerializer
    ordering_fields = ["certified_on", "id"]

    def get_queryset(self) -> Any:
        queryset = super().get_queryset()
        organization = self.request.query_params.get("organization")
        if organization is not None:
            if not organization.isdigit():
                raise ApiValidationError({"organization": [_("Give the organisation's id, a whole number.")]})
            queryset = queryset.filter(organization_id=int(organization))
        return queryset

    @extend_schema(request=CoopResidentListCreateSerializer, responses={201: CoopResidentListSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        values = validated_body(CoopResidentListCreateSerializer, request)
        reason = reason_given(request, values.pop("reason", ""))
        organization = Organization.objects.filter(pk=values.pop("organization")).first()
        if organization is None:
            raise ApiValidationError({"organization": [_("No such organisation.")]})
        rows = values.pop("residents")
        people = Person.objects.in_bulk([r["person"] for r in rows])
        households = Household.objects.in_bulk([r["household"] for r in rows if r.get("household")])
        residents = []
        for row in rows:
            person = people.get(row["person"])
            if person is None:
                raise ApiValidationError({"residents": [_("No such person: %(id)s.") % {"id": row["person"]}]})
            household = households.get(row["household"]) if row.get("household") else None
            if row.get("household") and household is None:
                raise ApiValidationError({"residents": [_("No such household: %(id)s.") % {"id": row["household"]}]})
            residents.append((person, household, row["delegate"]))
        made = coop_list_certify(
            actor=request.user, reason=reason, organization=organization, residents=residents, **values
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=made.pk)).data, status=status.HTTP_201_CREATED)
