"""Serializers of the participatory budgeting API."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from governance.budgeting.models import BudgetProject, BudgetResult, ParticipatoryBudget, ReviewStatus

__all__ = ["BudgetProjectSerializer", "BudgetResultSerializer", "BudgetSerializer", "ReviewSerializer"]


class BudgetSerializer(serializers.ModelSerializer):
    class Meta:
        model = ParticipatoryBudget
        fields = [
            "id",
            "name",
            "description",
            "fund",
            "fund_other",
            "amount",
            "currency",
            "phase",
            "ballot_type",
            "min_projects",
            "max_projects",
            "max_total_cost",
            "points_total",
            "rule",
            "created",
        ]
        read_only_fields = ["phase", "created"]


class BudgetProjectSerializer(serializers.ModelSerializer):
    class Meta:
        model = BudgetProject
        fields = [
            "id",
            "budget",
            "code",
            "title",
            "description",
            "cost",
            "proposer",
            "status",
            "refusal_reason",
            "reviewed_at",
        ]
        read_only_fields = ["code", "proposer", "status", "refusal_reason", "reviewed_at"]


@extend_schema_field({"type": "string", "description": "accepted | refused"})
class ReviewStatusField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=[ReviewStatus.ACCEPTED, ReviewStatus.REFUSED], **kwargs)


class ReviewSerializer(serializers.Serializer):
    status = ReviewStatusField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class BudgetResultSerializer(serializers.ModelSerializer):
    outcome = serializers.JSONField(help_text="The rule's outcome: funded projects, each project's reason and facts.")

    class Meta:
        model = BudgetResult
        fields = ["budget", "rule", "outcome", "certified_by", "certified_at"]
