"""Filters of meetings, their agenda, attendance, proxies and resolutions, shared by the API and pages.

Relations are filtered by id with ``IntegerFilter`` (the project's habit, ``clt.filters``): a choice filter
would check the id against the whole table, and so tell a member that a meeting not yet noticed exists.
"""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from clt.filters import IntegerFilter
from governance.meetings.models import AgendaItem, Attendance, Meeting, Proxy, Resolution

__all__ = [
    "AgendaItemFilterSet",
    "AttendanceFilterSet",
    "MeetingFilterSet",
    "ProxyFilterSet",
    "ResolutionFilterSet",
]


def _meeting_filter() -> IntegerFilter:
    return IntegerFilter(field_name="meeting_id", label=_("Meeting id"))


class MeetingFilterSet(django_filters.FilterSet):
    class Meta:
        model = Meeting
        fields = ["kind", "status"]


class AgendaItemFilterSet(django_filters.FilterSet):
    meeting = _meeting_filter()

    class Meta:
        model = AgendaItem
        fields = ["meeting"]


class AttendanceFilterSet(django_filters.FilterSet):
    meeting = _meeting_filter()
    person = IntegerFilter(field_name="person_id", label=_("Person id"))

    class Meta:
        model = Attendance
        fields = ["meeting", "person"]


class ProxyFilterSet(django_filters.FilterSet):
    meeting = _meeting_filter()
    election = IntegerFilter(field_name="election_id", label=_("Election id"))
    grantor = IntegerFilter(field_name="grantor_id", label=_("Grantor (person id)"))
    holder = IntegerFilter(field_name="holder_id", label=_("Holder (person id)"))

    class Meta:
        model = Proxy
        fields = ["meeting", "election", "grantor", "holder"]


class ResolutionFilterSet(django_filters.FilterSet):
    meeting = _meeting_filter()

    class Meta:
        model = Resolution
        fields = ["meeting", "status", "kind"]
