"""Serializer helpers every app's API shares: money fields, the reason for a change, strict keys."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from clt.api.viewsets import change_reason_from

__all__ = ["ReasonedWriteMixin", "StrictKeysMixin", "change_reason_field", "money", "reason_field"]


def money(**options: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True, **options)


def reason_field(help_text: str) -> serializers.CharField:
    return serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text=help_text + " Or send `change_reason`."
    )


def change_reason_field() -> serializers.CharField:
    return serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=1000,
        help_text="Why this change is made; kept in the record's history with the acting user.",
    )


class ReasonedWriteMixin:
    """The acting user and the reason for a change (``change_reason`` in the body or the header)."""

    def _actor_and_reason(self, default: str) -> tuple[Any, str]:
        request = self.context["request"]
        return request.user, change_reason_from(request, default)

    @staticmethod
    def _without_reason(validated: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in validated.items() if k != "change_reason"}


class StrictKeysMixin:
    """Refuse keys the serializer does not know: a typo must not fall back silently to a default."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(str(key) for key in data if key not in self.fields)
            if unknown:
                raise serializers.ValidationError(
                    {unknown[0]: [_("Not a field here; use: %(fields)s.") % {"fields": ", ".join(self.fields)}]}
                )
        return super().to_internal_value(data)
