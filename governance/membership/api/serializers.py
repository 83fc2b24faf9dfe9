"""Serializers of the membership API."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clt import roles
from governance.membership.models import (
    DuesPayment,
    GovernanceSettings,
    MemberClass,
    Membership,
    MembershipKind,
    MembershipStatus,
)
from governance.membership.services import SETTINGS_FIELDS

__all__ = [
    "GovernanceSettingsSerializer",
    "MembershipApplySerializer",
    "MembershipApproveSerializer",
    "MembershipDuesCreateSerializer",
    "MembershipDuesPaymentSerializer",
    "MembershipEndSerializer",
    "MembershipKindField",
    "MembershipRefuseSerializer",
    "MembershipSerializer",
    "MembershipStandingQuerySerializer",
    "MembershipStandingSerializer",
    "MyMembershipSerializer",
]


# --- Serializers ----------------------------------------------------------------------------------


@extend_schema_field({"type": "string", "description": "general | supporting", "default": "general"})
class MembershipKindField(serializers.ChoiceField):
    """``general`` or ``supporting``; described inline so the schema's one ``kind`` enum of membership is the
    response's (two components with the same choices would collide with the API's other ``kind`` enums)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=MembershipKind.choices, **kwargs)


class MembershipDuesPaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = DuesPayment
        fields = ["id", "membership", "period_start", "period_end", "amount", "paid_on", "method", "reference"]


class MembershipSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.full_name", read_only=True)
    # Left out for anyone but staff (to_representation), so the schema must not require it; a read-only field
    # always is. This serializer only ever writes answers (an application is MembershipApplySerializer).
    notes = serializers.CharField(required=False, allow_blank=True, help_text="Staff only: left out for others.")

    class Meta:
        model = Membership
        fields = [
            "id",
            "person",
            "person_name",
            "kind",
            "status",
            "applied_on",
            "approved_on",
            "ended_on",
            "birth_date",
            "residence_address",
            "longitude",
            "latitude",
            "resident_since",
            "statement_of_support",
            "dues_waived",
            "waiver_reason",
            "notes",
            "created",
            "last_updated",
        ]
        read_only_fields = fields

    def to_representation(self, instance: Membership) -> dict[str, Any]:
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None and not roles.is_staff_member(request.user):
            data.pop("notes", None)  # staff's notes about a member are not the member's to read
        return data


class MembershipApplySerializer(serializers.Serializer):
    person = serializers.IntegerField(required=False, help_text="Staff: the applicant. Omit to apply for yourself.")
    kind = MembershipKindField(default=MembershipKind.GENERAL)
    applied_on = serializers.DateField(required=False)
    birth_date = serializers.DateField(required=False, allow_null=True)
    residence_address = serializers.CharField(required=False, allow_blank=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True)
    latitude = serializers.DecimalField(max_digits=8, decimal_places=6, required=False, allow_null=True)
    resident_since = serializers.DateField(required=False, allow_null=True)
    statement_of_support = serializers.BooleanField(required=False)
    notes = serializers.CharField(required=False, allow_blank=True, help_text="Staff only.")
    reason = serializers.CharField(required=False, allow_blank=True)


class MembershipApproveSerializer(serializers.Serializer):
    approved_on = serializers.DateField(required=False)
    reason = serializers.CharField(required=False, allow_blank=True)


class MembershipRefuseSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True)


class MembershipEndSerializer(serializers.Serializer):
    ended_on = serializers.DateField(required=False)
    status = serializers.ChoiceField(
        choices=[(MembershipStatus.RESIGNED, "resigned"), (MembershipStatus.ENDED, "ended")],
        default=MembershipStatus.RESIGNED,
    )
    reason = serializers.CharField(required=False, allow_blank=True)


class MembershipDuesCreateSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=10, decimal_places=2)
    paid_on = serializers.DateField(required=False)
    period_start = serializers.DateField(required=False)
    method = serializers.CharField(required=False, allow_blank=True, max_length=40)
    reference = serializers.CharField(required=False, allow_blank=True, max_length=100)
    reason = serializers.CharField(required=False, allow_blank=True)


class MembershipStandingSerializer(serializers.Serializer):
    person = serializers.IntegerField(source="person.pk")
    person_name = serializers.CharField(source="person.full_name")
    member_class = serializers.ChoiceField(choices=MemberClass.choices, allow_null=True)
    votes = serializers.BooleanField()
    vote_unit_key = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField())
    lease = serializers.IntegerField(source="lease_id", allow_null=True)
    membership = serializers.IntegerField(source="membership_id", allow_null=True)
    dues_current = serializers.BooleanField(allow_null=True)


class MembershipStandingQuerySerializer(serializers.Serializer):
    on = serializers.DateField(required=False)
    member_class = serializers.ChoiceField(choices=MemberClass.choices, required=False)
    votes = serializers.BooleanField(required=False, allow_null=True, default=None)


class GovernanceSettingsSerializer(serializers.ModelSerializer):
    class Meta:
        model = GovernanceSettings
        fields = ["id", *SETTINGS_FIELDS, "last_updated"]
        read_only_fields = ["id", "last_updated"]


class MyMembershipSerializer(serializers.Serializer):
    on = serializers.DateField()
    standing = MembershipStandingSerializer(allow_null=True)
    membership = MembershipSerializer(allow_null=True)
    dues = MembershipDuesPaymentSerializer(many=True)
