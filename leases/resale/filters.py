"""FilterSets of resale prices: index series, policies and their versions, improvements, saved calculations.

Shared by the API and the pages. Where a homeowner may filter (improvements, calculations), a lease is
filtered by id, not by a choice of rows: a choice would tell them that another lease exists.
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy

from clt.filters import IntegerFilter
from leases.resale.models import (
    CapitalImprovement,
    ImprovementStatus,
    IndexSeries,
    ResaleCalculation,
    ResalePolicy,
    ResalePolicyVersion,
)


class IndexSeriesFilterSet(django_filters.FilterSet):
    class Meta:
        model = IndexSeries
        fields = ["kind", "code"]


class ResalePolicyFilterSet(django_filters.FilterSet):
    class Meta:
        model = ResalePolicy
        fields = ["name"]


class ResalePolicyVersionFilterSet(django_filters.FilterSet):
    class Meta:
        model = ResalePolicyVersion
        fields = ["policy", "status"]


class CapitalImprovementFilterSet(django_filters.FilterSet):
    lease = IntegerFilter(field_name="lease_id", label=gettext_lazy("Lease id"))
    status = django_filters.MultipleChoiceFilter(choices=ImprovementStatus.choices, label=gettext_lazy("Status"))
    maintenance = django_filters.BooleanFilter(label=gettext_lazy("Ordinary maintenance"))

    class Meta:
        model = CapitalImprovement
        fields = ["lease", "status", "maintenance"]


class ResaleCalculationFilterSet(django_filters.FilterSet):
    lease = IntegerFilter(field_name="lease_id", label=gettext_lazy("Lease id"))
    determined_after = django_filters.DateFilter(
        field_name="determination_date", lookup_expr="gte", label=gettext_lazy("Determined for this date or later")
    )
    determined_before = django_filters.DateFilter(
        field_name="determination_date", lookup_expr="lte", label=gettext_lazy("Determined for this date or earlier")
    )

    class Meta:
        model = ResaleCalculation
        fields = ["lease", "determined_after", "determined_before"]
