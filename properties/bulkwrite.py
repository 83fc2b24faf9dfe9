"""Inserting a town's parcels and their first history rows at once: what a large import writes.

``simple_history``'s ``bulk_create_with_history`` builds a model instance per history row and Django's
``bulk_create`` prepares every value of every row through the compiler's per-field machinery (``pre_save``,
``get_db_prep_save``, placeholders), which was most of an import of 50,000 parcels. Here each column's
conversion is chosen once, the rows become tuples, and ``executemany`` sends them: the same rows
``bulk_create_with_history`` writes (the tests compare them column by column), with one history date for
the whole import.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from itertools import repeat
from operator import attrgetter
from typing import Any

from django.conf import settings
from django.db import connections, models, router
from django.db.models import Max, Q
from django.utils import timezone

__all__ = ["id_filter", "insert_with_history"]

BATCH = 2000  # rows an executemany sends at once

# Columns whose Python value the database drivers take as it is (str, int, float, bool); every other type
# goes through the field's own ``get_db_prep_save`` unless a fast path below gives the same value.
_AS_IS = (
    models.CharField,
    models.TextField,
    models.FloatField,
    models.IntegerField,
    models.BooleanField,
    models.ForeignKey,
)
_AS_IS_TYPES = (str, int, float, bool)
_AS_IS_OR_NONE = frozenset((*_AS_IS_TYPES, type(None)))


def _converter(field: models.Field, connection: Any) -> Callable[[Any], Any]:
    """The field's ``get_db_prep_save`` for one connection, with its result for the common types taken as
    the field would compute it, without the generic steps (``to_python``, lazy-string checks, warnings)."""
    prep = field.get_db_prep_save
    ops = connection.ops
    if isinstance(field, _AS_IS):

        def as_is(value: Any) -> Any:
            return value if value is None or type(value) in _AS_IS_TYPES else prep(value, connection)

        return as_is
    if isinstance(field, models.DecimalField):
        digits, places = field.max_digits, field.decimal_places

        def decimal(value: Any) -> Any:
            if type(value) is Decimal and value.is_finite():
                return ops.adapt_decimalfield_value(value, digits, places)
            return None if value is None else prep(value, connection)

        return decimal
    if isinstance(field, models.DateTimeField):
        last: list[Any] = [object(), None]  # an import stamps every row with one "now": prepare it once

        def moment(value: Any) -> Any:
            if value is not last[0]:
                last[0], last[1] = value, prep(value, connection)
            return last[1]

        return moment
    if isinstance(field, models.DateField):

        def day(value: Any) -> Any:
            return ops.adapt_datefield_value(value) if type(value) is dt.date else prep(value, connection)

        return day
    return lambda value: prep(value, connection)


def _insert(connection: Any, table: str, fields: Sequence[models.Field], rows: list[tuple]) -> None:
    """``executemany`` where the database is in the process (SQLite); ``COPY … FROM STDIN`` on PostgreSQL,
    where a statement per row is a round trip per row; the values are those Django prepared either way."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {quote(table)} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {quote(table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])


def _written(field: models.Field) -> bool:
    return not (field.primary_key and isinstance(field, models.AutoField))


def insert_with_history(objs: Sequence[models.Model], *, key: str, history_user: Any, reason: str) -> None:
    """Insert new ``objs`` of one model and a "+" history row for each, as ``bulk_create_with_history`` does.

    ``key`` names a unique field by which the new rows' ids are read back (``executemany`` returns none) and
    set on the objects. The model's auto-now fields take one "now", which is also every history row's date.
    """
    if not objs:
        return
    model = type(objs[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    manager = model._default_manager.using(alias)
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if _written(f)]
    for field in fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for obj in objs:
                setattr(obj, field.attname, now)
    converters = [(field.attname, _converter(field, connection)) for field in fields]
    names = [name for name, _conv in converters]
    columns = _columns(objs, names)
    for i, (field, (_name, conv)) in enumerate(zip(fields, converters, strict=True)):
        # A column of values the drivers take as they are (every one a str, int, float, bool or None) is left
        # whole: one pass in C over its types rather than a Python call per value.
        if not (isinstance(field, _AS_IS) and _AS_IS_OR_NONE.issuperset(map(type, columns[i]))):
            columns[i] = list(map(conv, columns[i]))
    rows = list(zip(*columns, strict=True))
    before = manager.aggregate(last=Max("pk"))["last"] or 0
    _insert(connection, model._meta.db_table, fields, rows)
    # The new rows are those after the last id before the insert, whoever else inserts meanwhile: a row of
    # another transaction has another key.
    by_key = {getattr(obj, key): obj for obj in objs}
    found = 0
    for value, pk in manager.filter(pk__gt=before).values_list(key, "pk").iterator(chunk_size=5000):
        obj = by_key.get(value)
        if obj is not None:
            obj.pk, obj._state.adding, obj._state.db = pk, False, alias
            found += 1
    if found != len(objs):
        raise RuntimeError(f"{len(objs) - found} inserted rows were not found again by {key}")
    if getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        _insert_history(model, objs, columns, names, connection, now=now, history_user=history_user, reason=reason)


def _columns(objs: Sequence[models.Model], names: list[str]) -> list[list[Any]]:
    """The objects' values of ``names``, column by column (``attrgetter`` reads a row's values in C)."""
    if len(names) == 1:
        return [[getattr(obj, names[0]) for obj in objs]]
    get = attrgetter(*names)
    return [list(column) for column in zip(*map(get, objs), strict=True)]


def _insert_history(
    model: type[models.Model],
    objs: Sequence[models.Model],
    columns: list[list[Any]],
    names: list[str],
    connection: Any,
    *,
    now: Any,
    history_user: Any,
    reason: str,
) -> None:
    """The history rows from the columns just written: the tracked columns are the model's own, prepared once."""
    history = model.history.model
    if history_user is None:
        # As bulk_history_create asks when no user is given: the signed-in user of the web request, if any.
        history_user = history.get_default_history_user(objs[0])
    fixed = {
        "history_date": now,
        "history_change_reason": reason,
        "history_type": "+",
        "history_user_id": getattr(history_user, "pk", None),
    }
    fields = [f for f in history._meta.concrete_fields if _written(f)]
    pk_name = model._meta.pk.attname
    tracked = {field.attname for field in history.tracked_fields}
    unknown = [f.attname for f in fields if f.attname not in fixed and (f.attname not in tracked)]
    if unknown:  # a history field this writer does not know how to fill: refuse rather than leave it empty
        raise ValueError(f"history fields not written by insert_with_history: {unknown}")
    constants = {f.attname: _converter(f, connection)(fixed[f.attname]) for f in fields if f.attname in fixed}
    position = {name: i for i, name in enumerate(names)}
    ids = [obj.pk for obj in objs]
    history_columns = [
        ids if f.attname == pk_name else repeat(constants[f.attname], len(objs)) if f.attname in constants
        else columns[position[f.attname]]
        for f in fields
    ]  # fmt: skip
    history_rows = list(zip(*history_columns, strict=True))
    _insert(connection, history._meta.db_table, fields, history_rows)


def id_filter(field: str, ids: Iterable[int]) -> Q:
    """``field__in=ids`` as ranges of consecutive ids: the same rows, without one SQL parameter (and Django's
    preparation of it) per id when, as after a bulk insert, the ids run in long unbroken stretches."""
    ordered = sorted(set(ids))
    if not ordered:
        return Q(pk__in=[])
    runs: list[tuple[int, int]] = []
    first = last = ordered[0]
    for value in ordered[1:]:
        if value != last + 1:
            runs.append((first, last))
            first = value
        last = value
    runs.append((first, last))
    if len(runs) > len(ordered) // 4:  # scattered ids: a plain IN is shorter
        return Q(**{f"{field}__in": ordered})
    # gte and lte rather than range, which a foreign key's column does not take.
    ranges = [Q(**{f"{field}__gte": low, f"{field}__lte": high}) for low, high in runs if low != high]
    singles = [run[0] for run in runs if run[0] == run[1]]
    query = Q(**{f"{field}__in": singles}) if singles else Q()
    for q in ranges:
        query |= q
    return query
