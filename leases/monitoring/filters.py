"""FilterSets of monitoring records, shared by the pages and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from clt import clock
from clt.filters import IntegerFilter
from leases.lifecycle.filters import lease_filter, overdue_filter
from leases.monitoring.models import MONITORING_DONE, MonitoringKind, MonitoringRecord, MonitoringStatus


class MonitoringRecordFilterSet(django_filters.FilterSet):
    lease = lease_filter()
    kind = django_filters.MultipleChoiceFilter(choices=MonitoringKind.choices, label=_("Kind"))
    status = django_filters.MultipleChoiceFilter(choices=MonitoringStatus.choices, label=_("Status"))
    year = IntegerFilter(label=_("Year"))
    due_after = django_filters.DateFilter(field_name="due", lookup_expr="gte", label=_("Due on or after"))
    due_before = django_filters.DateFilter(field_name="due", lookup_expr="lte", label=_("Due on or before"))
    overdue = overdue_filter()

    class Meta:
        model = MonitoringRecord
        fields = ["lease", "kind", "status", "year", "due_after", "due_before", "overdue"]

    def filter_overdue(self, qs: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return qs
        late = Q(due__lt=clock.today()) & ~Q(status__in=MONITORING_DONE)
        return qs.filter(late) if value else qs.exclude(late)
