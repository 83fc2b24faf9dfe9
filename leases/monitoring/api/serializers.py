"""Serializers of monitoring records."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from clt.api.serializers import ReasonedWriteMixin, change_reason_field, reason_field
from leases.lifecycle.models import (
    GroundLease,
)
from leases.monitoring import services
from leases.monitoring.models import MonitoringRecord, MonitoringStatus

REVIEW_STATUS_CHOICES = [
    (status.value, status.label)
    for status in (MonitoringStatus.ACCEPTED, MonitoringStatus.REJECTED, MonitoringStatus.WAIVED)
]

# --- Monitoring -----------------------------------------------------------------------------------


class MonitoringRecordSerializer(ReasonedWriteMixin, serializers.ModelSerializer):
    lease = serializers.PrimaryKeyRelatedField(queryset=GroundLease.objects.all())
    # Null for a record nobody has submitted yet (a certification still requested).
    submitted_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True, help_text="The login that submitted it."
    )
    change_reason = change_reason_field()

    class Meta:
        model = MonitoringRecord
        fields = [
            "id",
            "lease",
            "kind",
            "year",
            "due",
            "status",
            "notice_sent_at",
            "scheduled_for",
            "submitted_on",
            "completed_on",
            "months_occupied",
            "details",
            "estimated_cost",
            "submitted_by",
            "created",
            "last_updated",
            "change_reason",
        ]
        read_only_fields = [
            "status",
            "submitted_on",
            "completed_on",
            "months_occupied",
            "submitted_by",
            "created",
            "last_updated",
        ]
        # One certification a year is the service's (full_clean's) to check.
        validators: list = []

    def create(self, validated_data: dict[str, Any]) -> MonitoringRecord:
        actor, reason = self._actor_and_reason("Created through the API")
        return services.monitoring_create(actor=actor, reason=reason, **self._without_reason(validated_data))


class MonitoringReviewSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=REVIEW_STATUS_CHOICES)
    reason = reason_field("What staff found; kept in the record's history.")


class OccupancyCertifySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=1900, max_value=2200)
    months_occupied = serializers.IntegerField(min_value=0, max_value=12)
    details = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    change_reason = change_reason_field()
