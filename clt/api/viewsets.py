"""Base classes every app's API extends: scoped querysets, history, reasons for changes."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from clt.history import history_entries

__all__ = [
    "HistoryEntrySerializer",
    "HistoryMixin",
    "ReadBackMixin",
    "RestrictedModelViewSet",
    "RestrictedReadOnlyViewSet",
    "change_reason_from",
    "reason_given",
    "reason_taken",
    "validated_body",
    "validated_query",
]

# Routes that answer PATCH for edits but neither PUT (a whole record replaced) nor DELETE (facts stay).
NO_PUT_OR_DELETE = ["get", "post", "patch", "head", "options"]

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


def reason_given(request: Request, given: str | None, default: str = "") -> str:
    """The body's ``reason``, else ``change_reason`` or the header, else ``default`` (empty: the service asks)."""
    return (given or "").strip() or change_reason_from(request, default)


def reason_taken(request: Request, data: dict[str, Any], default: str = "") -> str:
    """``change_reason`` taken out of validated ``data`` (so it is not passed on as a field), else the header, else
    ``default``."""
    return (data.pop("change_reason", "") or "").strip() or change_reason_from(request, default)


def validated_query(serializer_class: type, request: Request) -> dict[str, Any]:
    """The query string checked by ``serializer_class`` (a 400 naming the parameter otherwise)."""
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data


def validated_body(serializer_class: type, request: Request) -> dict[str, Any]:
    """The body checked by ``serializer_class`` (a 400 naming the field otherwise)."""
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


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


class ReadBackMixin:
    """After a create or an update, answer with the row as the viewset's queryset reads it.

    The queryset adds what the serializer shows but the saved instance lacks (annotated figures, names of
    related rows), so the answer to a write is the same as a later GET of the row.
    """

    def perform_create(self, serializer: serializers.Serializer) -> None:
        serializer.instance = self.get_queryset().get(pk=serializer.save().pk)

    def perform_update(self, serializer: serializers.Serializer) -> None:
        serializer.instance = self.get_queryset().get(pk=serializer.save().pk)
