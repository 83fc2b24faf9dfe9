"""Serializers of the meetings API."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clt.api.serializers import change_reason_field as _reason_field
from clt.models import Person
from governance.elections.models import Election
from governance.meetings.models import AgendaItem, Attendance, Meeting, MeetingKind, Proxy, Resolution
from governance.membership.models import MemberClass, ResolutionKind, Threshold

__all__ = [
    "AgendaItemSerializer",
    "AttendanceCorrectSerializer",
    "MeetingAdjournSerializer",
    "MeetingAgendaSerializer",
    "MeetingAttendanceSerializer",
    "MeetingKindField",
    "MeetingNoticeSerializer",
    "MeetingOpenSerializer",
    "MeetingPersonSerializer",
    "MeetingReasonSerializer",
    "MeetingSerializer",
    "ProxyRevokeSerializer",
    "ProxySerializer",
    "QuorumClassSerializer",
    "QuorumSerializer",
    "ResolutionKindField",
    "ResolutionSerializer",
    "ResolutionVoteSerializer",
    "ThresholdField",
]


# Choice sets named inline (a string with the values listed): one enum component per field name would
# collide with the API's other ``kind`` and ``status`` enums.
def _choices_text(choices: Any) -> str:
    return " | ".join(str(value) for value in choices)


@extend_schema_field({"type": "string", "description": _choices_text(MeetingKind.values)})
class MeetingKindField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=MeetingKind.choices, **kwargs)


@extend_schema_field({"type": "string", "description": _choices_text(ResolutionKind.values)})
class ResolutionKindField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=ResolutionKind.choices, **kwargs)


@extend_schema_field({"type": "string", "description": _choices_text(Threshold.values)})
class ThresholdField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=Threshold.choices, **kwargs)


# --- Serializers -----------------------------------------------------------------------------------


class AgendaItemSerializer(serializers.ModelSerializer):
    change_reason = _reason_field()

    class Meta:
        model = AgendaItem
        fields = ["id", "meeting", "order", "title", "description", "change_reason"]
        extra_kwargs = {"order": {"required": False, "help_text": "Empty: after the last item."}}


class MeetingAgendaSerializer(serializers.ModelSerializer):
    class Meta:
        model = AgendaItem
        fields = ["id", "order", "title", "description"]


class MeetingSerializer(serializers.ModelSerializer):
    kind = MeetingKindField()
    status = serializers.CharField(read_only=True, help_text="scheduled | noticed | in_session | adjourned | cancelled")
    agenda = MeetingAgendaSerializer(many=True, read_only=True)
    change_reason = _reason_field()

    class Meta:
        model = Meeting
        fields = [
            "id",
            "kind",
            "title",
            "starts_at",
            "location",
            "record_date",
            "purpose",
            "status",
            "notice_sent_on",
            "opened_at",
            "adjourned_at",
            "minutes",
            "agenda",
            "created",
            "last_updated",
            "change_reason",
        ]
        read_only_fields = ["notice_sent_on", "opened_at", "adjourned_at", "created", "last_updated"]
        extra_kwargs = {"minutes": {"required": False}}


class MeetingNoticeSerializer(serializers.Serializer):
    sent_on = serializers.DateField()
    change_reason = _reason_field()


class MeetingOpenSerializer(serializers.Serializer):
    at = serializers.DateTimeField(required=False, allow_null=True, help_text="Empty: now.")
    change_reason = _reason_field()


class MeetingAdjournSerializer(MeetingOpenSerializer):
    minutes = serializers.CharField(required=False, allow_blank=True)


class MeetingReasonSerializer(serializers.Serializer):
    change_reason = _reason_field()


class MeetingPersonSerializer(serializers.Serializer):
    person = serializers.IntegerField()
    at = serializers.DateTimeField(required=False, allow_null=True, help_text="Empty: now.")
    change_reason = _reason_field()


class AttendanceCorrectSerializer(serializers.Serializer):
    arrived_at = serializers.DateTimeField(required=False, help_text="Left out: unchanged.")
    left_at = serializers.DateTimeField(
        required=False, allow_null=True, help_text="Left out: unchanged; null: back in the room (while in session)."
    )
    change_reason = _reason_field()


class MeetingAttendanceSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.__str__", read_only=True)
    member_class = serializers.CharField(read_only=True, help_text="lessee | general | supporting; empty: no vote.")

    class Meta:
        model = Attendance
        fields = ["id", "meeting", "person", "person_name", "member_class", "arrived_at", "left_at"]
        read_only_fields = fields


class QuorumClassSerializer(serializers.Serializer):
    member_class = serializers.CharField()
    minimum = serializers.IntegerField()
    counted = serializers.IntegerField()
    met = serializers.BooleanField()
    eligible = serializers.IntegerField()
    present = serializers.IntegerField()
    proxies = serializers.IntegerField()


class QuorumSerializer(serializers.Serializer):
    basis = serializers.CharField(help_text="percent | number")
    percent = serializers.CharField()
    number = serializers.IntegerField()
    counts_proxies = serializers.BooleanField()
    eligible = serializers.IntegerField(help_text="Voting members on the record date.")
    required = serializers.IntegerField()
    present = serializers.IntegerField(help_text="Voting members in the room.")
    proxies = serializers.IntegerField(help_text="Proxies carried by holders in the room.")
    counted = serializers.IntegerField()
    met = serializers.BooleanField()
    classes = QuorumClassSerializer(many=True, help_text="Each class with a minimum.")
    eligible_by_class = serializers.DictField(child=serializers.IntegerField())
    present_by_class = serializers.DictField(child=serializers.IntegerField())
    proxies_by_class = serializers.DictField(child=serializers.IntegerField())
    message = serializers.CharField(help_text="Why there is no quorum; empty when there is one.")


class ProxySerializer(serializers.ModelSerializer):
    grantor_name = serializers.CharField(source="grantor.__str__", read_only=True)
    holder_name = serializers.CharField(source="holder.__str__", read_only=True)
    change_reason = _reason_field()

    class Meta:
        model = Proxy
        fields = [
            "id",
            "grantor",
            "grantor_name",
            "holder",
            "holder_name",
            "meeting",
            "election",
            "received_on",
            "directed",
            "instructions",
            "revoked_on",
            "created",
            "change_reason",
        ]
        read_only_fields = ["revoked_on", "created"]
        extra_kwargs = {
            "grantor": {"queryset": Person.objects.all()},
            "holder": {"queryset": Person.objects.all()},
            "meeting": {"queryset": Meeting.objects.all()},
            "election": {"queryset": Election.objects.all()},
        }


class ProxyRevokeSerializer(serializers.Serializer):
    revoked_on = serializers.DateField()
    change_reason = _reason_field()


class ResolutionSerializer(serializers.ModelSerializer):
    kind = ResolutionKindField()
    threshold = ThresholdField(required=False, help_text="Empty: the bylaws' threshold for the kind.")
    status = serializers.CharField(read_only=True, help_text="proposed | carried | failed | withdrawn")
    voting_classes = serializers.ListField(
        child=serializers.CharField(max_length=16),
        required=False,
        help_text="Member classes that vote (lessee, general, supporting); empty: every voting member.",
    )
    quorum = serializers.JSONField(read_only=True, help_text="The quorum at the moment of the vote.")
    change_reason = _reason_field()

    class Meta:
        model = Resolution
        fields = [
            "id",
            "meeting",
            "order",
            "title",
            "text",
            "kind",
            "threshold",
            "voting_classes",
            "policy_version",
            "status",
            "votes_yes",
            "votes_no",
            "votes_abstain",
            "voted_at",
            "quorum",
            "created",
            "last_updated",
            "change_reason",
        ]
        read_only_fields = ["votes_yes", "votes_no", "votes_abstain", "voted_at", "created", "last_updated"]
        extra_kwargs = {"order": {"required": False}}

    def validate_voting_classes(self, value: list[str]) -> list[str]:
        unknown = [v for v in value if v not in MemberClass.values]
        if unknown:
            raise serializers.ValidationError(_("A list of member classes: lessee, general, supporting."))
        return value


class ResolutionVoteSerializer(serializers.Serializer):
    yes = serializers.IntegerField(min_value=0)
    no = serializers.IntegerField(min_value=0)
    abstain = serializers.IntegerField(min_value=0, default=0)
    at = serializers.DateTimeField(required=False, allow_null=True, help_text="Empty: now.")
    effective_from = serializers.DateField(
        required=False, allow_null=True, help_text="For a policy version: from when; empty: the day of the vote."
    )
    change_reason = _reason_field()
