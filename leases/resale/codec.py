"""The resale engine's frozen dataclasses as plain JSON-compatible dicts, and back.

Pure: standard library and ``leases.resale`` only, no Django, no I/O. A policy can live in a database JSON
column, travel through the HTTP API, and a saved calculation can keep its inputs and result and recompute
them. The codec walks ``dataclasses.fields()`` and the type hints of the engine's classes, so it follows
the engine without a hand-written case per class.

The JSON shape
- A dataclass is an object whose keys are its field names, in field order.
- ``Decimal`` is a string, ``str(value)``: "0.015", "250000.00" (never a float, no digit lost or added).
- ``date`` is an ISO string "YYYY-MM-DD"; an enumeration is its value ("completed_years"); a tuple is a list;
  ``None`` is ``null``; ``int``, ``bool`` and ``str`` are themselves.
- A union of dataclasses is tagged: a formula carries ``"family"`` (``{"family": "fixed_rate_simple",
  "rate": "0.02", ...}``), a cap carries ``"kind"`` (``{"kind": "appraisal_cap", "scope": "total"}``). The
  tags are the class names in snake_case, taken from the engine's ``Formula`` and ``Cap`` unions
  (``FORMULA_FAMILIES``, ``CAP_KINDS``): a family added to ``resale.Formula`` is understood here at once.
  The tags are stored data, so renaming an engine class changes them; the tests pin the list.

Encoding (``*_to_dict``) writes every field, defaults included, so a stored policy keeps its meaning if an
engine default changes later. It checks each value against its type hint and raises ``ResaleInputError``
naming the field for anything the engine would refuse by type (a float, a plain string for an enumeration,
an unknown cap), so nothing lossy is ever written.

Decoding (``*_from_dict``) is strict about shape and type, and leaves ranges and cross-field rules (a share
at most 1, land not above the total) to ``compute_resale``, whose error fields use the same paths:
- A key absent takes the dataclass default; a required key absent is an error. ``null`` is not absence: it
  sets ``None``, and only where the field allows ``None`` (``{"persons_per_bedroom": null, "fixed_persons":
  "4"}`` is a family of four).
- A key the dataclass does not have is an error (a typo must not silently fall back to a default).
- A ``Decimal`` field accepts a decimal string (digits, an optional sign, point and exponent: "0.015",
  "-2.5", "1E+3"; no spaces, commas or underscores, no NaN or Infinity), a JSON integer (exact whatever its
  size, so money may be written 250000), or a finite ``Decimal`` (``json.loads(text, parse_float=Decimal)``).
  A float (a JSON number with a point or an exponent, parsed the default way) and a boolean are refused:
  0.1 as a binary float is not 0.1, and a column that once held one cannot be trusted to the cent.
- An ``int`` field accepts a JSON integer only (not 2.0, "2" or true); a ``bool`` field true or false only.
- A date accepts "YYYY-MM-DD" only (not "20200101", not a datetime) or a ``date`` object; an enumeration one
  of its values; a tuple a JSON list.
- Errors are ``ResaleInputError(field, reason)`` with the dotted path from the root of the dict
  (``formula.formulas[1].rate``, ``capital_improvements[0].completed_on``, ``caps[0].kind``). ``path``
  prefixes it when the dict sits inside a larger payload: ``inputs_from_dict(body["inputs"],
  path="inputs")`` names ``inputs.purchase_date``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Any

from leases.resale import engine as resale
from leases.resale.engine import ResaleInputError, ResaleInputs, ResalePolicy, ResaleResult

__all__ = [
    "CAP_KINDS",
    "FORMULA_FAMILIES",
    "inputs_from_dict",
    "inputs_to_dict",
    "policy_from_dict",
    "policy_to_dict",
    "result_from_dict",
    "result_to_dict",
]


# ---------------------------------------------------------------------------------------------
# Tagged unions: the formula families and the caps
# ---------------------------------------------------------------------------------------------


def _snake(name: str) -> str:
    """``FixedRateSimple`` → ``fixed_rate_simple``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _registry(union: Any) -> dict[str, type]:
    return {_snake(cls.__name__): cls for cls in typing.get_args(union)}


# Tag ↔ class, one entry per member of the engine's unions.
FORMULA_FAMILIES: dict[str, type] = _registry(resale.Formula)
CAP_KINDS: dict[str, type] = _registry(resale.Cap)

# A union of dataclasses, by its set of members: the key holding the tag, the registry, and its wording.
_TAGGED: dict[frozenset[type], tuple[str, dict[str, type], str]] = {
    frozenset(FORMULA_FAMILIES.values()): ("family", FORMULA_FAMILIES, "formula family"),
    frozenset(CAP_KINDS.values()): ("kind", CAP_KINDS, "cap"),
}


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------


def policy_to_dict(policy: ResalePolicy) -> dict[str, Any]:
    """The policy as a JSON-compatible dict (every field, Decimals as strings, the formula tagged)."""
    return _encode_root(ResalePolicy, policy, "policy")


def policy_from_dict(data: Mapping[str, Any], *, path: str = "") -> ResalePolicy:
    """The policy a dict describes; ``ResaleInputError`` naming the field (prefixed by ``path``) if it is bad."""
    return _decode_root(ResalePolicy, data, path, "policy")


def inputs_to_dict(inputs: ResaleInputs) -> dict[str, Any]:
    """The inputs of a determination as a JSON-compatible dict."""
    return _encode_root(ResaleInputs, inputs, "inputs")


def inputs_from_dict(data: Mapping[str, Any], *, path: str = "") -> ResaleInputs:
    """The inputs a dict describes; ``ResaleInputError`` naming the field (prefixed by ``path``) if it is bad."""
    return _decode_root(ResaleInputs, data, path, "inputs")


def result_to_dict(result: ResaleResult) -> dict[str, Any]:
    """The result as a JSON-compatible dict: every line item (code, label, amount, running total, detail),
    the formula, capped and final prices, the credits, and the seller's proceeds with their items."""
    return _encode_root(ResaleResult, result, "result")


def result_from_dict(data: Mapping[str, Any], *, path: str = "") -> ResaleResult:
    """A stored result rebuilt, e.g. to compare it with a recomputation (``==`` on the dataclasses)."""
    return _decode_root(ResaleResult, data, path, "result")


# ---------------------------------------------------------------------------------------------
# Type hints
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Field:
    name: str
    hint: Any
    required: bool


@cache
def _fields(cls: type) -> tuple[_Field, ...]:
    hints = typing.get_type_hints(cls)  # resolves the engine's string annotations in its own module
    return tuple(
        _Field(
            f.name,
            hints[f.name],
            f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING,
        )
        for f in dataclasses.fields(cls)
    )


def _split_optional(hint: Any) -> tuple[bool, tuple[Any, ...]]:
    """(whether ``None`` is allowed, the other members): ``X | None`` → (True, (X,))."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        members = typing.get_args(hint)
        others = tuple(m for m in members if m is not type(None))
        return len(others) < len(members), others
    return False, (hint,)


def _item_hint(hint: Any) -> Any | None:
    """The item type of ``tuple[X, ...]`` or ``Sequence[X]``; None for any other hint."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return args[0]
    if origin is Sequence and len(args) == 1:
        return args[0]
    return None


def _tagged(members: tuple[Any, ...], path: str) -> tuple[str, dict[str, type], str]:
    try:
        return _TAGGED[frozenset(members)]
    except KeyError:
        raise TypeError(f"{path}: no tag is registered for the union {members!r}") from None


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _choices(names: Iterable[str]) -> str:
    return ", ".join(names)


def _json_kind(value: object) -> str:
    """How a value looks in JSON, for error reasons."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"the float {value!r}"
    if isinstance(value, int | Decimal):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the string {value[:40]!r}"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    return f"a {type(value).__name__}"


# ---------------------------------------------------------------------------------------------
# Encoding: dataclass → dict
# ---------------------------------------------------------------------------------------------


def _encode_root(cls: type, value: object, name: str) -> dict[str, Any]:
    if type(value) is not cls:
        raise ResaleInputError(name, f"must be a {cls.__name__}, got {type(value).__name__}")
    try:
        return _encode_object(value, "")
    except RecursionError:
        raise ResaleInputError(name, "is nested too deeply") from None


def _encode_object(value: Any, path: str) -> dict[str, Any]:
    return {f.name: _encode(f.hint, getattr(value, f.name), _join(path, f.name)) for f in _fields(type(value))}


def _encode(hint: Any, value: Any, path: str) -> Any:
    nullable, members = _split_optional(hint)
    if value is None:
        if nullable:
            return None
        raise ResaleInputError(path, "is required (it is None)")
    if len(members) > 1:
        tag, registry, what = _tagged(members, path)
        names = {cls: name for name, cls in registry.items()}
        if type(value) not in names:
            raise ResaleInputError(
                path, f"unknown {what} {type(value).__name__}; expected one of: {_choices(registry)}"
            )
        return {tag: names[type(value)], **_encode_object(value, path)}
    (hint,) = members
    item = _item_hint(hint)
    if item is not None:
        if not isinstance(value, tuple | list):
            raise ResaleInputError(path, f"must be a tuple, got {type(value).__name__}")
        return [_encode(item, v, f"{path}[{i}]") for i, v in enumerate(value)]
    if dataclasses.is_dataclass(hint):
        if type(value) is not hint:
            raise ResaleInputError(path, f"must be a {hint.__name__}, got {type(value).__name__}")
        return _encode_object(value, path)
    if isinstance(hint, type) and issubclass(hint, Enum):
        if not isinstance(value, hint):
            raise ResaleInputError(path, f"must be a {hint.__name__}: one of {_choices(m.value for m in hint)}")
        return value.value
    if hint is Decimal:
        if isinstance(value, float):
            raise ResaleInputError(path, "must be a Decimal, not a float (binary floats cannot hold most cents)")
        if not isinstance(value, Decimal):
            raise ResaleInputError(path, f"must be a Decimal, got {type(value).__name__}")
        if not value.is_finite():
            raise ResaleInputError(path, "must be a finite number")
        return str(value)
    if hint is dt.date:
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            raise ResaleInputError(path, f"must be a date (not a datetime), got {type(value).__name__}")
        return value.isoformat()
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ResaleInputError(path, f"must be a whole number, got {type(value).__name__}")
        return value
    if hint in (bool, str):
        if not isinstance(value, hint):
            raise ResaleInputError(path, f"must be a {hint.__name__}, got {type(value).__name__}")
        return value
    raise TypeError(f"{path}: the codec does not handle the type {hint!r}")


# ---------------------------------------------------------------------------------------------
# Decoding: dict → dataclass
# ---------------------------------------------------------------------------------------------

# Digits with an optional sign, point and exponent: what str(Decimal) writes for a finite number. ASCII only
# (Decimal() would also take other scripts' digits, spaces and underscores).
_DECIMAL_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DECIMAL_WANTED = 'must be a decimal string such as "0.015" or a whole number'


def _decode_root(cls: type, data: object, path: str, name: str) -> Any:
    if not isinstance(data, Mapping):
        raise ResaleInputError(path or name, f"must be an object, got {_json_kind(data)}")
    try:
        return _decode_object(cls, data, path)
    except RecursionError:
        raise ResaleInputError(path or name, "is nested too deeply") from None


def _decode_object(cls: type, data: Mapping[str, Any], path: str, skip: str | None = None) -> Any:
    """``cls`` from a mapping of its field names; ``skip`` is the tag key a tagged union has already read."""
    fields = _fields(cls)
    names = {f.name for f in fields}
    for key in data:
        if key == skip:
            continue
        if not isinstance(key, str):
            raise ResaleInputError(path or "(root)", f"has a key that is not a string: {key!r}")
        if key not in names:
            raise ResaleInputError(
                _join(path, key),
                f"is not a field of {_snake(cls.__name__)}; its fields are: {_choices(f.name for f in fields)}",
            )
    values = {}
    for f in fields:
        where = _join(path, f.name)
        if f.name in data:
            values[f.name] = _decode(f.hint, data[f.name], where)
        elif f.required:
            raise ResaleInputError(where, "is required")
    return cls(**values)


def _decode(hint: Any, value: Any, path: str) -> Any:
    nullable, members = _split_optional(hint)
    if value is None:
        if nullable:
            return None
        raise ResaleInputError(path, "must not be null")
    if len(members) > 1:
        return _decode_tagged(members, value, path)
    (hint,) = members
    item = _item_hint(hint)
    if item is not None:
        if not isinstance(value, list | tuple):
            raise ResaleInputError(path, f"must be a list, got {_json_kind(value)}")
        return tuple(_decode(item, v, f"{path}[{i}]") for i, v in enumerate(value))
    if dataclasses.is_dataclass(hint):
        if not isinstance(value, Mapping):
            raise ResaleInputError(path, f"must be an object, got {_json_kind(value)}")
        return _decode_object(hint, value, path)
    if isinstance(hint, type) and issubclass(hint, Enum):
        try:
            return hint(value)
        except (ValueError, TypeError):
            raise ResaleInputError(
                path, f"must be one of: {_choices(m.value for m in hint)}; got {_json_kind(value)}"
            ) from None
    decoder = _SCALARS.get(hint)
    if decoder is None:
        raise TypeError(f"{path}: the codec does not handle the type {hint!r}")
    return decoder(value, path)


def _decode_tagged(members: tuple[Any, ...], value: Any, path: str) -> Any:
    tag, registry, what = _tagged(members, path)
    if not isinstance(value, Mapping):
        raise ResaleInputError(path, f'must be an object with a "{tag}" key, got {_json_kind(value)}')
    if tag not in value:
        raise ResaleInputError(_join(path, tag), f"is required: one of {_choices(registry)}")
    name = value[tag]
    if not isinstance(name, str) or name not in registry:
        raise ResaleInputError(
            _join(path, tag), f"unknown {what} {_json_kind(name)}; expected one of: {_choices(registry)}"
        )
    return _decode_object(registry[name], value, path, skip=tag)


def _decode_decimal(value: Any, path: str) -> Decimal:
    if isinstance(value, float):
        raise ResaleInputError(
            path, f'{_DECIMAL_WANTED}, not a float (binary floats cannot hold most cents): write "{value!r}"'
        )
    if isinstance(value, bool):
        raise ResaleInputError(path, f"{_DECIMAL_WANTED}, got {_json_kind(value)}")
    if isinstance(value, int):
        return Decimal(value)  # exact, whatever its size
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ResaleInputError(path, "must be a finite number")
        return value
    if isinstance(value, str) and _DECIMAL_TEXT.fullmatch(value):
        return Decimal(value)
    raise ResaleInputError(path, f"{_DECIMAL_WANTED}, got {_json_kind(value)}")


def _decode_date(value: Any, path: str) -> dt.date:
    if isinstance(value, dt.datetime):
        raise ResaleInputError(path, "must be a date, not a datetime")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _DATE_TEXT.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ResaleInputError(path, f"{value!r} is not a date on the calendar") from None
    raise ResaleInputError(path, f'must be a date "YYYY-MM-DD", got {_json_kind(value)}')


def _decode_int(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ResaleInputError(path, f"must be a whole number, got {_json_kind(value)}")
    return value


def _decode_bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise ResaleInputError(path, f"must be true or false, got {_json_kind(value)}")
    return value


def _decode_str(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise ResaleInputError(path, f"must be a string, got {_json_kind(value)}")
    return value


_SCALARS: dict[type, Callable[[Any, str], Any]] = {
    Decimal: _decode_decimal,
    dt.date: _decode_date,
    int: _decode_int,
    bool: _decode_bool,
    str: _decode_str,
}
