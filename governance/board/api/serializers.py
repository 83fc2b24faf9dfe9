"""Serializers of the board API; a seat class or a term is written through the board's services."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework import serializers

from clt.api.serializers import change_reason_field as _reason_field
from clt.api.viewsets import reason_taken
from governance.board import services
from governance.board.models import BoardTerm, SeatClass, TermEnd
from governance.board.services import SEAT_CLASS_FIELDS

__all__ = [
    "BoardRosterClassSerializer",
    "BoardRosterHolderSerializer",
    "BoardRosterQuerySerializer",
    "BoardRosterSerializer",
    "BoardRosterVacatedSerializer",
    "BoardRosterWarningSerializer",
    "BoardSeatClassSerializer",
    "BoardTermEndSerializer",
    "BoardTermSerializer",
    "BoardVacancyFillSerializer",
]


# --- Serializers -----------------------------------------------------------------------------------


class BoardSeatClassSerializer(serializers.ModelSerializer):
    # Plain strings (checked by the model's clean): one enum per field would name the same choices twice.
    electorate = serializers.ListField(
        child=serializers.CharField(max_length=16),
        required=False,
        help_text="Member classes who elect: lessee, general, supporting.",
    )
    candidate_pool = serializers.ListField(
        child=serializers.CharField(max_length=16),
        required=False,
        help_text="Member classes who may stand (lessee, general, supporting); empty: anyone.",
    )
    change_reason = _reason_field()

    class Meta:
        model = SeatClass
        fields = ["id", *SEAT_CLASS_FIELDS, "created", "last_updated", "change_reason"]
        read_only_fields = ["created", "last_updated"]

    def create(self, validated_data: dict[str, Any]) -> SeatClass:
        request = self.context["request"]
        reason = reason_taken(request, validated_data, _("Seat class created through the API"))
        return services.seat_class_create(actor=request.user, reason=reason, **validated_data)

    def update(self, instance: SeatClass, validated_data: dict[str, Any]) -> SeatClass:
        request = self.context["request"]
        reason = reason_taken(request, validated_data, _("Seat class changed through the API"))
        return services.seat_class_update(seat_class=instance, actor=request.user, reason=reason, **validated_data)


class BoardTermSerializer(serializers.ModelSerializer):
    seat_class_name = serializers.CharField(source="seat_class.name", read_only=True)
    person_name = serializers.CharField(source="person.__str__", read_only=True)
    # Spelled out: a read-only model field loses allow_blank, and a term still running has no end reason ("").
    end_reason = serializers.ChoiceField(choices=TermEnd.choices, allow_blank=True, read_only=True)
    change_reason = _reason_field()

    class Meta:
        model = BoardTerm
        fields = [
            "id",
            "seat_class",
            "seat_class_name",
            "person",
            "person_name",
            "basis",
            "stagger_group",
            "starts_on",
            "ends_on",
            "ended_on",
            "end_reason",
            "reference",
            "replaces",
            "created",
            "last_updated",
            "change_reason",
        ]
        read_only_fields = ["ended_on", "end_reason", "replaces", "created", "last_updated"]
        extra_kwargs = {"ends_on": {"required": False, "help_text": "Defaults to the class's term_years later."}}

    def create(self, validated_data: dict[str, Any]) -> BoardTerm:
        request = self.context["request"]
        reason = reason_taken(request, validated_data, _("Board term started through the API"))
        return services.board_term_start(actor=request.user, reason=reason, **validated_data)


class BoardTermEndSerializer(serializers.Serializer):
    ended_on = serializers.DateField()
    end_reason = serializers.ChoiceField(choices=[(c.value, c.label) for c in services.EARLY_ENDS])
    reference = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="For a removal: the electing class's vote."
    )
    change_reason = _reason_field()


class BoardVacancyFillSerializer(serializers.Serializer):
    person = serializers.IntegerField()
    starts_on = serializers.DateField()
    next_annual_meeting = serializers.DateField(required=False, allow_null=True)
    reference = serializers.CharField(required=False, allow_blank=True, max_length=200)
    change_reason = _reason_field()


class BoardRosterQuerySerializer(serializers.Serializer):
    on = serializers.DateField(required=False)


class BoardRosterHolderSerializer(serializers.Serializer):
    term = serializers.IntegerField()
    person = serializers.IntegerField()
    person_name = serializers.CharField()
    basis = serializers.CharField()
    stagger_group = serializers.IntegerField(allow_null=True)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()


class BoardRosterVacatedSerializer(serializers.Serializer):
    term = serializers.IntegerField()
    person_name = serializers.CharField()
    ended_on = serializers.DateField()
    ends_on = serializers.DateField()


class BoardRosterClassSerializer(serializers.Serializer):
    seat_class = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    seats = serializers.IntegerField(allow_null=True)
    min_seats = serializers.IntegerField(allow_null=True)
    cap = serializers.IntegerField(allow_null=True)
    vacancies = serializers.IntegerField()
    intended_share = serializers.CharField(allow_null=True, help_text="An exact fraction, e.g. 1/3.")
    share = serializers.CharField(allow_null=True, help_text="Its holders over the sitting board, e.g. 1/4.")
    holders = BoardRosterHolderSerializer(many=True)
    vacated = BoardRosterVacatedSerializer(many=True)


class BoardRosterWarningSerializer(serializers.Serializer):
    code = serializers.CharField()
    seat_class = serializers.IntegerField(allow_null=True)
    message = serializers.CharField()


class BoardRosterSerializer(serializers.Serializer):
    on = serializers.DateField()
    board_size = serializers.IntegerField()
    sitting = serializers.IntegerField()
    classes = BoardRosterClassSerializer(many=True)
    warnings = BoardRosterWarningSerializer(many=True)
