"""Filters every app's filtersets share."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

__all__ = ["BIGINT_MAX", "IntegerFilter"]

# The largest id (BigAutoField) and the largest whole number SQLite stores.
BIGINT_MAX = 2**63 - 1


@extend_schema_field(OpenApiTypes.INT)
class IntegerFilter(django_filters.NumberFilter):
    """A whole number (an id, a year) within the database's 64-bit range, else 400 naming the filter.

    django-filter's ``NumberFilter`` reads a ``Decimal``, which a lookup on a foreign key hands to the
    database as it is: SQLite cannot hold ``1e30`` (``OverflowError``, a 500) and ``1.5`` would find id 1.
    """

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", -BIGINT_MAX - 1)
        kwargs.setdefault("max_value", BIGINT_MAX)
        super().__init__(*args, **kwargs)
