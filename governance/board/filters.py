"""Filters of the board's seat classes and terms, shared by the API (``filterset_class``) and pages.

Relations are filtered by id with ``IntegerFilter`` (the project's habit, ``clt.filters``): an id beyond
the database's range is a 400 naming the filter, and an id that matches nothing is an empty list.
"""

from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from clt.filters import IntegerFilter
from governance.board.models import BoardTerm, SeatClass

__all__ = ["BoardTermFilterSet", "SeatClassFilterSet"]


class SeatClassFilterSet(django_filters.FilterSet):
    class Meta:
        model = SeatClass
        fields = ["code", "selection"]


class BoardTermFilterSet(django_filters.FilterSet):
    seat_class = IntegerFilter(field_name="seat_class_id", label=_("Seat class id"))
    person = IntegerFilter(field_name="person_id", label=_("Person id"))
    # ``?on=`` (empty) filters nothing, as every filter here does.
    on = django_filters.DateFilter(method="filter_on", label=_("Only the terms in force on this date."))

    class Meta:
        model = BoardTerm
        fields = ["seat_class", "person", "basis", "on"]

    # Typed ``dt.date`` (not Optional): drf-spectacular reads the parameter's type from it. django-filter never
    # calls a method with an empty value.
    def filter_on(self, qs: QuerySet, name: str, value: dt.date) -> QuerySet:
        return qs.filter(starts_on__lte=value, ends_on__gt=value).exclude(ended_on__lte=value)
