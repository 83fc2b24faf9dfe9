"""FilterSets of households, lease terms, leases, events and deadlines, shared by the pages and the API."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clt import clock
from clt.filters import IntegerFilter
from leases.lifecycle.models import (
    Deadline,
    DeadlineStatus,
    GroundLease,
    Household,
    LeaseEvent,
    LeaseTemplate,
    LeaseTemplateVersion,
)

YES_NO_ANY = [("", _("Any")), ("true", _("Yes")), ("false", _("No"))]


def _choices(model: type, field: str) -> list[tuple[str, str]]:
    """The model field's choices, so a filter names a state exactly as the pages and the API do."""
    return list(model._meta.get_field(field).choices)


def lease_filter() -> IntegerFilter:
    return IntegerFilter(field_name="lease_id", label=_("Lease id"))


def overdue_filter() -> django_filters.BooleanFilter:
    return django_filters.BooleanFilter(
        method="filter_overdue", label=_("Overdue"), widget=forms.Select(choices=YES_NO_ANY)
    )


class HouseholdFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Name or member"))
    person = IntegerFilter(field_name="members__person_id", label=_("Member (person id)"))
    ami_year = IntegerFilter(label=_("AMI year"))

    class Meta:
        model = Household
        fields = ["q", "person", "ami_year"]

    def search(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return qs
        ids = Household.objects.filter(
            Q(name__icontains=value)
            | Q(members__person__given_name__icontains=value)
            | Q(members__person__family_name__icontains=value)
        ).values("pk")
        return qs.filter(pk__in=ids)


class LeaseTemplateVersionFilterSet(django_filters.FilterSet):
    template = IntegerFilter(field_name="template_id", label=_("Template id"))
    in_use_on = django_filters.DateFilter(field_name="effective_from", lookup_expr="lte", label=_("In use on"))

    class Meta:
        model = LeaseTemplateVersion
        fields = ["template", "in_use_on", "transfer_mode"]


class GroundLeaseFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Address, parcel number or leaseholder"))
    status = django_filters.MultipleChoiceFilter(choices=_choices(GroundLease, "status"), label=_("Status"))
    compliance_state = django_filters.MultipleChoiceFilter(
        choices=_choices(GroundLease, "compliance_state"), label=_("Compliance")
    )
    financing_state = django_filters.MultipleChoiceFilter(
        choices=_choices(GroundLease, "financing_state"), label=_("Financing")
    )
    transfer_state = django_filters.MultipleChoiceFilter(
        choices=_choices(GroundLease, "transfer_state"), label=pgettext_lazy("of the leasehold", "Transfer")
    )
    unit = IntegerFilter(field_name="unit_id", label=_("Home id"))
    parcel = IntegerFilter(field_name="parcel_id", label=_("Parcel id"))
    template_version = IntegerFilter(field_name="template_version_id", label=_("Lease terms id"))
    organization = IntegerFilter(field_name="organization_id", label=_("Organization id"))
    household = IntegerFilter(field_name="household_id", label=_("Household id"))
    person = IntegerFilter(method="filter_person", label=_("Leaseholder (person id)"))
    commenced_after = django_filters.DateFilter(
        field_name="commencement", lookup_expr="gte", label=_("Commenced on or after")
    )
    commenced_before = django_filters.DateFilter(
        field_name="commencement", lookup_expr="lte", label=_("Commenced on or before")
    )
    term_ends_before = django_filters.DateFilter(
        field_name="term_end", lookup_expr="lte", label=_("Term ends on or before")
    )

    class Meta:
        model = GroundLease
        fields = [
            "q",
            "status",
            "compliance_state",
            "financing_state",
            "transfer_state",
            "unit",
            "parcel",
            "template_version",
            "organization",
            "household",
            "person",
            "commenced_after",
            "commenced_before",
            "term_ends_before",
        ]

    def search(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return qs
        # Every word must match somewhere ("Diaz Maple"); a subquery keeps one row per lease
        # whatever the number of matching leaseholders.
        for word in value.split():
            ids = GroundLease.objects.filter(
                Q(unit__address__icontains=word)
                | Q(parcel__apn__icontains=word)
                | Q(recording_instrument__icontains=word)
                | Q(organization__name__icontains=word)
                | Q(leaseholders__person__given_name__icontains=word)
                | Q(leaseholders__person__family_name__icontains=word)
            ).values("pk")
            qs = qs.filter(pk__in=ids)
        return qs

    def filter_person(self, qs: QuerySet, name: str, value: int | None) -> QuerySet:
        if value is None:
            return qs
        return qs.filter(pk__in=GroundLease.objects.filter(leaseholders__person_id=value).values("pk"))


class LeaseEventFilterSet(django_filters.FilterSet):
    lease = lease_filter()
    kind = django_filters.MultipleChoiceFilter(choices=_choices(LeaseEvent, "kind"), label=_("Kind"))
    track = django_filters.ChoiceFilter(choices=_choices(LeaseEvent, "track"), label=_("Track"))
    effective_after = django_filters.DateFilter(
        field_name="effective_on", lookup_expr="gte", label=_("Effective on or after")
    )
    effective_before = django_filters.DateFilter(
        field_name="effective_on", lookup_expr="lte", label=_("Effective on or before")
    )

    class Meta:
        model = LeaseEvent
        fields = ["lease", "kind", "track", "effective_after", "effective_before"]


class DeadlineFilterSet(django_filters.FilterSet):
    lease = lease_filter()
    kind = django_filters.MultipleChoiceFilter(choices=_choices(Deadline, "kind"), label=_("Deadline"))
    status = django_filters.MultipleChoiceFilter(choices=DeadlineStatus.choices, label=_("Status"))
    due_after = django_filters.DateFilter(field_name="due", lookup_expr="gte", label=_("Due on or after"))
    due_before = django_filters.DateFilter(field_name="due", lookup_expr="lte", label=_("Due on or before"))
    overdue = overdue_filter()

    class Meta:
        model = Deadline
        fields = ["lease", "kind", "status", "due_after", "due_before", "overdue"]

    def filter_overdue(self, qs: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return qs
        late = Q(status=DeadlineStatus.OPEN, due__lt=clock.today())
        return qs.filter(late) if value else qs.exclude(late)


class LeaseTemplateFilterSet(django_filters.FilterSet):
    class Meta:
        model = LeaseTemplate
        fields = ["name"]
