"""Serializers of the elections API."""

from __future__ import annotations

from rest_framework import serializers

from governance.elections import counting, selectors
from governance.elections.models import Candidate, Channel, Contest, Election, PetitionSignature
from governance.membership.models import GovernanceSettings, NominationMode

__all__ = [
    "BallotCastSerializer",
    "CandidateConsentSerializer",
    "ContestOpenSerializer",
    "ElectionCandidateSerializer",
    "ElectionCodeSerializer",
    "ElectionContestSerializer",
    "ElectionSerializer",
    "PetitionSignatureSerializer",
    "PublishedBallotSerializer",
]


class ElectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Election
        fields = [
            "id",
            "name",
            "record_date",
            "opens_at",
            "closes_at",
            "phase",
            "officer",
            "certified_by",
            "certified_at",
            "nominations_close",
            "notes",
        ]
        read_only_fields = ["phase", "certified_by", "certified_at"]


class ElectionContestSerializer(serializers.ModelSerializer):
    method = serializers.ChoiceField(choices=list(counting.METHODS))
    # Member class values (lessee, general, supporting); checked by the model (one enum name in the schema).
    eligible_classes = serializers.ListField(child=serializers.CharField(max_length=16))
    tie_break_rules = serializers.ListField(
        child=serializers.ChoiceField(choices=list(counting.TIE_RULES)), required=False
    )
    result_available = serializers.SerializerMethodField()
    # R8's outcome, set at the freeze (a Shortfall value or blank); plain text: one enum name in the schema.
    shortfall_action = serializers.CharField(read_only=True)

    class Meta:
        model = Contest
        fields = [
            "id",
            "election",
            "seat_class",
            "title",
            "order",
            "seats",
            "method",
            "tie_break_rules",
            "tie_break_seed",
            "max_marks",
            "eligible_classes",
            "options",
            "result_available",
            "acclaimed",
            "vacant_seats",
            "shortfall_action",
            "open_to_classes",
        ]
        read_only_fields = ["tie_break_seed", "acclaimed", "vacant_seats", "shortfall_action", "open_to_classes"]

    def get_result_available(self, contest: Contest) -> bool:
        return contest.election.results_public and contest.result is not None


class ElectionCandidateSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="person.__str__", read_only=True)
    nomination_mode = serializers.ChoiceField(choices=NominationMode.choices, required=False, allow_blank=True)
    signature_count = serializers.SerializerMethodField()
    stands = serializers.SerializerMethodField()
    not_standing_reasons = serializers.SerializerMethodField()

    class Meta:
        model = Candidate
        fields = [
            "id",
            "contest",
            "person",
            "name",
            "consented_on",
            "withdrawn",
            "ballot_order",
            "nomination_mode",
            "nominated_on",
            "nominated_by",
            "statement",
            "signature_count",
            "stands",
            "not_standing_reasons",
        ]
        read_only_fields = ["withdrawn"]

    def _standing(self, candidate: Candidate) -> tuple[bool, list[str]]:
        cache = self.context.setdefault("_standing", {})
        if candidate.pk not in cache:
            settings = self.context.get("governance_settings") or GovernanceSettings.current()
            self.context["governance_settings"] = settings
            cache[candidate.pk] = selectors.candidate_standing(
                candidate, settings=settings, signatures=self.get_signature_count(candidate)
            )
        return cache[candidate.pk]

    def get_signature_count(self, candidate: Candidate) -> int:
        count = getattr(candidate, "signature_count", None)
        return count if count is not None else candidate.signatures.count()

    def get_stands(self, candidate: Candidate) -> bool:
        return self._standing(candidate)[0]

    def get_not_standing_reasons(self, candidate: Candidate) -> list[str]:
        return self._standing(candidate)[1]


class CandidateConsentSerializer(serializers.Serializer):
    consented_on = serializers.DateField()


class ContestOpenSerializer(serializers.Serializer):
    # Member class values, checked by the service (a ChoiceField would give the schema a second enum name).
    classes = serializers.ListField(child=serializers.CharField(max_length=16), allow_empty=False)


class PetitionSignatureSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="person.__str__", read_only=True)

    class Meta:
        model = PetitionSignature
        fields = ["id", "candidate", "person", "name", "signed_on"]


class BallotCastSerializer(serializers.Serializer):
    code = serializers.CharField(write_only=True, max_length=40)
    contest = serializers.IntegerField(write_only=True)
    choices = serializers.ListField(child=serializers.IntegerField(), allow_empty=True, write_only=True)
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.ONLINE, write_only=True)
    receipt = serializers.CharField(read_only=True)


class ElectionCodeSerializer(serializers.Serializer):
    roll_entry = serializers.IntegerField()
    person = serializers.CharField()
    code = serializers.CharField()


class PublishedBallotSerializer(serializers.Serializer):
    receipt = serializers.CharField()
    choices = serializers.ListField(child=serializers.IntegerField())
    names = serializers.ListField(child=serializers.CharField())
