"""Which of a model's constraints can be checked without asking the database.

Django validates every ``CheckConstraint`` and every conditional ``UniqueConstraint`` with a query
(``SELECT 1 WHERE <condition with the instance's values>``): a query per constraint per save, about a
tenth of the time of a service call on ``load_demo``. Most of our conditions are plain comparisons of a
field with a value or another field (``area_m2 >= 0``, ``status = 'active'``, ``ends_on > starts_on``),
which Python can evaluate on the instance exactly as SQL would, three-valued logic included (a comparison
with NULL is unknown; a CHECK whose condition is unknown passes, and a partial unique index does not
cover a row whose condition is unknown).

``certainly_passes`` answers True only when it is sure: a check constraint whose condition is true or
unknown, or a conditional unique constraint whose condition is false or unknown (so the row is outside
the index and cannot collide). Anything else (a lookup it does not know, an expression, a value that is
not a plain literal) is "not sure", and Django's own ``validate`` runs, query and error message as ever.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import F, Q

__all__ = ["certainly_passes"]

_NOT_SURE = object()
# Literals whose comparison in Python is the comparison in SQL (no collation, no float rounding).
_PLAIN = (bool, int, str, Decimal, dt.date, dt.datetime)
_COMPARE = {
    "exact": lambda a, b: a == b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}


def _value(instance: models.Model, name: str, exclude: set[str]) -> Any:
    try:
        field = instance._meta.get_field(name)
    except Exception:
        return _NOT_SURE
    if not getattr(field, "concrete", False) or field.name in exclude or getattr(field, "generated", False):
        return _NOT_SURE
    value = getattr(instance, field.attname)
    if value is not None and not isinstance(value, _PLAIN):
        return _NOT_SURE
    return value


def _leaf(instance: models.Model, lookup: str, operand: Any, exclude: set[str]) -> Any:
    """True, False, None (unknown), or _NOT_SURE for one ``field__lookup=operand``."""
    name, _sep, kind = lookup.partition("__")
    kind = kind or "exact"
    left = _value(instance, name, exclude)
    if left is _NOT_SURE:
        return _NOT_SURE
    if kind == "isnull":
        if not isinstance(operand, bool):
            return _NOT_SURE
        return (left is None) is operand
    if kind not in _COMPARE:
        return _NOT_SURE
    if isinstance(operand, F):
        right = _value(instance, operand.name, exclude)
        if right is _NOT_SURE:
            return _NOT_SURE
    elif operand is None or isinstance(operand, _PLAIN):
        right = operand
    else:
        return _NOT_SURE
    if left is None or right is None:
        return None  # SQL: a comparison with NULL is unknown
    if isinstance(left, bool) != isinstance(right, bool) or isinstance(left, str) != isinstance(right, str):
        return _NOT_SURE
    try:
        return _COMPARE[kind](left, right)
    except TypeError:
        return _NOT_SURE


def _evaluate(instance: models.Model, condition: Any, exclude: set[str]) -> Any:
    """Three-valued truth of a Q on the instance: True, False, None (unknown), or _NOT_SURE."""
    if not isinstance(condition, Q):
        return _NOT_SURE
    values = []
    for child in condition.children:
        if isinstance(child, Q):
            value = _evaluate(instance, child, exclude)
        elif isinstance(child, tuple) and len(child) == 2 and isinstance(child[0], str):
            value = _leaf(instance, child[0], child[1], exclude)
        else:
            return _NOT_SURE
        if value is _NOT_SURE:
            return _NOT_SURE
        values.append(value)
    if condition.connector == Q.AND:
        result = False if False in values else (None if None in values else True)
    elif condition.connector == Q.OR:
        result = True if True in values else (None if None in values else False)
    else:
        return _NOT_SURE
    if condition.negated:
        result = None if result is None else not result
    return result


def certainly_passes(constraint: models.BaseConstraint, instance: models.Model, exclude: set[str]) -> bool:
    """True when ``constraint`` cannot fail for ``instance`` and Django's query can be skipped."""
    if isinstance(constraint, models.CheckConstraint):
        truth = _evaluate(instance, constraint.condition, exclude)
        return truth is True or truth is None
    if isinstance(constraint, models.UniqueConstraint) and constraint.condition is not None:
        truth = _evaluate(instance, constraint.condition, exclude)
        return truth is False or truth is None
    return False
