"""Base classes every app's API extends: scoped querysets, history, reasons for changes."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from clt.history import history_entries

__all__ = [
    "HistoryEntrySerializer",
    "HistoryMixin",
    "RestrictedModelViewSet",
    "RestrictedReadOnlyViewSet",
    "change_reason_from",
]

METHOD_ACTIONS = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "POST": "add",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "delete",
}


def change_reason_from(request: Request, default: str) -> str:
    """The reason for a change: the body's ``change_reason``, the ``X-Change-Reason`` header, or a default."""
    body = request.data if isinstance(request.data, dict) else {}
    return (body.get("change_reason") or request.headers.get("X-Change-Reason") or default).strip()


class RestrictedQuerysetMixin:
    """Narrow the queryset to what the user may do with it.

    A row the user may not see answers 404, never 403: its existence is not disclosed.
    """

    def get_queryset(self):
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            return queryset.none()
        return queryset.restrict(self.request.user, METHOD_ACTIONS.get(self.request.method, "view"))


class RestrictedModelViewSet(RestrictedQuerysetMixin, viewsets.ModelViewSet):
    """A model viewset whose queryset is always narrowed to what the user may do."""


class RestrictedReadOnlyViewSet(RestrictedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """A read-only viewset (records the system derives) narrowed to what the user may see."""


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class HistoryEntrySerializer(serializers.Serializer):
    history_id = serializers.IntegerField()
    date = serializers.DateTimeField()
    action = serializers.ChoiceField(choices=["created", "changed", "deleted"])
    user = serializers.CharField(allow_null=True)
    reason = serializers.CharField(allow_blank=True)
    changes = FieldChangeSerializer(many=True)


class HistoryMixin:
    """``GET …/{id}/history/``: who changed what, when and why, newest first."""

    @extend_schema(responses=HistoryEntrySerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def history(self, request: Request, pk: str | None = None) -> Response:
        instance = self.get_object()
        records = instance.history.select_related("history_user").all()
        entries = history_entries(records)
        return Response(HistoryEntrySerializer(entries, many=True).data)
