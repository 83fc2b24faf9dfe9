"""FilterSets of the ledger's rows, shared by the pages and the API."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from clt.filters import IntegerFilter
from leases.ledger.models import Charge, ChargeKind, FeeRate, FeeSchedule, FeeSuspension, Payment, PaymentMethod
from leases.lifecycle.filters import YES_NO_ANY, lease_filter


class FeeScheduleFilterSet(django_filters.FilterSet):
    lease = lease_filter()

    class Meta:
        model = FeeSchedule
        fields = ["lease", "late_fee_kind"]


class FeeRateFilterSet(django_filters.FilterSet):
    lease = IntegerFilter(field_name="schedule__lease_id", label=_("Lease id"))
    effective_after = django_filters.DateFilter(
        field_name="effective", lookup_expr="gte", label=_("Effective on or after")
    )
    effective_before = django_filters.DateFilter(
        field_name="effective", lookup_expr="lte", label=_("Effective on or before")
    )

    class Meta:
        model = FeeRate
        fields = ["lease", "schedule", "effective_after", "effective_before"]


class FeeSuspensionFilterSet(django_filters.FilterSet):
    lease = IntegerFilter(field_name="schedule__lease_id", label=_("Lease id"))
    in_force_on = django_filters.DateFilter(method="filter_in_force", label=_("In force on"))

    class Meta:
        model = FeeSuspension
        fields = ["lease", "schedule", "in_force_on"]

    def filter_in_force(self, qs: QuerySet, name: str, value) -> QuerySet:
        if value is None:
            return qs
        return qs.filter(Q(start__lte=value), Q(end__isnull=True) | Q(end__gte=value))


class ChargeFilterSet(django_filters.FilterSet):
    lease = lease_filter()
    kind = django_filters.MultipleChoiceFilter(choices=ChargeKind.choices, label=_("Kind"))
    due_after = django_filters.DateFilter(field_name="due", lookup_expr="gte", label=_("Due on or after"))
    due_before = django_filters.DateFilter(field_name="due", lookup_expr="lte", label=_("Due on or before"))
    period = django_filters.DateFilter(label=_("Month billed (its first day)"))

    class Meta:
        model = Charge
        fields = ["lease", "kind", "due_after", "due_before", "period"]


class PaymentFilterSet(django_filters.FilterSet):
    lease = lease_filter()
    method = django_filters.MultipleChoiceFilter(choices=PaymentMethod.choices, label=_("Method"))
    received_after = django_filters.DateFilter(
        field_name="received_on", lookup_expr="gte", label=_("Received on or after")
    )
    received_before = django_filters.DateFilter(
        field_name="received_on", lookup_expr="lte", label=_("Received on or before")
    )
    reversed = django_filters.BooleanFilter(
        field_name="reversed_on",
        lookup_expr="isnull",
        exclude=True,
        label=_("Reversed"),
        widget=forms.Select(choices=YES_NO_ANY),
    )

    class Meta:
        model = Payment
        fields = ["lease", "method", "received_after", "received_before", "reversed"]
