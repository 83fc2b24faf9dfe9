"""API views of monitoring records."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from clt.api.viewsets import HistoryMixin, RestrictedReadOnlyViewSet, reason_given, validated_body
from leases.monitoring import filters, services
from leases.monitoring.api import serializers as s
from leases.monitoring.models import MonitoringRecord

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
        values = validated_body(s.MonitoringReviewSerializer, request)
        reviewed = services.monitoring_review(
            record=record,
            status=values["status"],
            actor=request.user,
            reason=reason_given(request, values.get("reason")),
        )
        return Response(s.MonitoringRecordSerializer(reviewed, context=self.get_serializer_context()).data)
