"""Filters of elections, contests, candidates and petition signatures, shared by the API and pages.

Relations are filtered by id with ``IntegerFilter`` (the project's habit, ``clt.filters``): a choice filter
would check the id against the whole table, and so tell anyone that a draft election's contest exists.
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from clt.filters import IntegerFilter
from governance.elections.models import Candidate, Contest, Election, PetitionSignature

__all__ = ["CandidateFilterSet", "ContestFilterSet", "ElectionFilterSet", "PetitionSignatureFilterSet"]


class ElectionFilterSet(django_filters.FilterSet):
    class Meta:
        model = Election
        fields = ["phase"]


class ContestFilterSet(django_filters.FilterSet):
    election = IntegerFilter(field_name="election_id", label=_("Election id"))

    class Meta:
        model = Contest
        fields = ["election"]


class CandidateFilterSet(django_filters.FilterSet):
    contest = IntegerFilter(field_name="contest_id", label=_("Contest id"))

    class Meta:
        model = Candidate
        fields = ["contest"]


class PetitionSignatureFilterSet(django_filters.FilterSet):
    candidate = IntegerFilter(field_name="candidate_id", label=_("Candidate id"))

    class Meta:
        model = PetitionSignature
        fields = ["candidate"]
