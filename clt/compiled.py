"""Reads whose SQL is built once per database and run again with other values (the roles query's approach).

Django builds a query's SQL on every run: resolving the lookups, the joins, the default order, compiling
each expression. For the reads every vote runs (the code's roll entry, the election's contests, their
candidates) that is most of the request's CPU, for SQL that never changes between requests. A
:class:`CompiledRead` builds its queryset once, with stand-in values in the places the caller fills in,
keeps the SQL and the parameters, and on each run puts the caller's values in the stand-ins' places. The
queryset stays the one definition: the tests compare each compiled read with the queryset built afresh.

The rows come back as ``values_list`` gives them, through the same converters (a date on SQLite, a JSON
field everywhere), and :func:`instances` makes model instances of them as the ORM would (``from_db``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import Model, QuerySet

__all__ = ["CompiledRead", "fields_of", "instances"]

_stand_ins = itertools.count(1)


class StandIn:
    """The stand-in for one value of a compiled read: a number or a text no real value can be (a negative id
    within a 32-bit column's range, which Django's lookups keep; a text with NUL bytes, never run)."""

    def __init__(self, kind: type) -> None:
        n = next(_stand_ins)
        self.value: Any = -1_900_000_000 - n if kind is int else f"\x00stand-in {n}\x00"


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    places: tuple[tuple[int, int], ...]  # (position among the params, index of the caller's value)
    compiler: Any
    converters: Any


class CompiledRead:
    """A read built by ``build(*stand_ins)`` (a ``values_list`` queryset), compiled once per database alias,
    name and ``shape`` (the number of values in each list, say), then run with the caller's values.

    ``kinds``: the type of each value ``build`` takes (``int`` or ``str``), or a list of them for an ``__in``.
    """

    def __init__(self, build: Callable[..., QuerySet], kinds: Sequence[type | tuple[type, int]]) -> None:
        self.build = build
        self.kinds = kinds
        self._compiled: dict[tuple[Any, ...], _Compiled] = {}

    def _compile(self, alias: str, shape: tuple[int, ...]) -> _Compiled:
        stand_ins: list[Any] = []
        flat: list[StandIn] = []
        lists = iter(shape)
        for kind in self.kinds:
            if isinstance(kind, tuple):
                group = [StandIn(kind[0]) for _ in range(next(lists))]
                flat.extend(group)
                stand_ins.append([s.value for s in group])
            else:
                one = StandIn(kind)
                flat.append(one)
                stand_ins.append(one.value)
        queryset = self.build(*stand_ins).using(alias)
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        where = {s.value: i for i, s in enumerate(flat)}
        places = tuple((at, where[p]) for at, p in enumerate(params) if type(p) in (int, str) and p in where)
        if len(places) < len(flat):  # a value the SQL does not hold would be silently left out
            raise RuntimeError("a compiled read's SQL lacks one of its values")
        converters = compiler.get_converters([column[0] for column in compiler.select])
        return _Compiled(sql, tuple(params), places, compiler, converters)

    def rows(self, alias: str, *values: Any) -> list[tuple[Any, ...]]:
        """The read's rows (as ``values_list`` gives them) for ``values`` (in ``kinds``' order)."""
        shape = tuple(len(v) for v, kind in zip(values, self.kinds, strict=True) if isinstance(kind, tuple))
        connection = connections[alias]
        key = (alias, connection.settings_dict.get("NAME") or "", shape)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = self._compile(alias, shape)
        flat = [
            item
            for value, kind in zip(values, self.kinds, strict=True)
            for item in (value if isinstance(kind, tuple) else (value,))
        ]
        params = list(compiled.params)
        for at, index in compiled.places:
            params[at] = flat[index]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            found = cursor.fetchall()
        if compiled.converters:
            found = [tuple(row) for row in compiled.compiler.apply_converters(found, compiled.converters)]
        return found


def fields_of(model: type[Model], through: str = "") -> list[str]:
    """The concrete fields of ``model`` as ``values_list`` names them (``through``: the relation's prefix)."""
    return [f"{through}{field.attname}" for field in model._meta.concrete_fields]


def instances(model: type[Model], alias: str, rows: Iterable[Sequence[Any]], start: int = 0) -> list[Model]:
    """Model instances of ``rows``' columns ``start`` on (in ``fields_of`` order), as the ORM makes them."""
    names = [field.attname for field in model._meta.concrete_fields]
    end = start + len(names)
    return [model.from_db(alias, names, row[start:end]) for row in rows]
