"""Who changed what and why: helpers around django-simple-history.

Services stamp every save with the acting user and a reason (``stamp``); the history endpoint
and the history panel of a page read it back as a list of changes (``history_entries``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, router
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from clt import clock
from clt.constraints import certainly_passes
from clt.formats import date_text

__all__ = [
    "FieldChange",
    "HistoryEntry",
    "actor_or_none",
    "history_entries",
    "require_reason",
    "save_stamped",
    "stamp",
]

_ACTIONS = {"+": "created", "~": "changed", "-": "deleted"}


def actor_or_none(actor: Any) -> Any:
    """The acting user to record, or None for a command or an anonymous caller."""
    return actor if getattr(actor, "is_authenticated", False) else None


def stamp(instance: models.Model, *, actor: Any, reason: str) -> models.Model:
    """Mark the next save of ``instance`` with who did it and why (read by simple-history)."""
    instance._history_user = actor_or_none(actor)
    instance._change_reason = reason
    return instance


def require_reason(reason: str, message: str | None = None) -> str:
    """The reason a service was given, stripped; a ValidationError on ``change_reason`` when there is none."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"change_reason": [message or _("Give a reason for this change.")]})
    return reason


def require_not_in_future(value: dt.date | None, field: str) -> None:
    """A ValidationError on ``field`` when ``value`` is after today: nothing is received tomorrow."""
    if value is not None and value > clock.today():
        raise ValidationError(
            {field: [_("%(date)s is in the future.") % {"date": date_text(value)}]}
        )


def full_clean(instance: models.Model) -> None:
    """``Model.full_clean``, except that a foreign key whose row is already loaded on ``instance`` is not
    looked up again to prove it exists.

    That lookup is a query per foreign key per save (a quarter of the time of a service call, measured on
    ``load_demo``), and it proves nothing the database does not enforce itself: every foreign key is a
    constraint, checked when the row is written. Unique fields and constraints are still validated on
    every field, so a duplicate is still a ``ValidationError`` on its field, never a database error. A check or
    conditional unique constraint that Python can see cannot fail is not asked of the database either
    (``clt.constraints``).
    """
    loaded = {
        field.name
        for field in instance._meta.concrete_fields
        if field.many_to_one
        and field.is_cached(instance)
        and getattr(instance, field.attname) is not None
        and getattr(instance, field.name).pk is not None
    }
    errors: dict[str, Any] = {}
    try:
        instance.clean_fields(exclude=loaded)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    try:
        instance.clean()
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    failed = {name for name in errors if name != NON_FIELD_ERRORS}
    try:
        instance.validate_unique(exclude=failed)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    try:
        _validate_constraints(instance, failed)
    except ValidationError as error:
        errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def _validate_constraints(instance: models.Model, exclude: set[str]) -> None:
    """``Model.validate_constraints``, without the query for a constraint that ``certainly_passes``."""
    using = router.db_for_write(instance.__class__, instance=instance)
    errors: dict[str, Any] = {}
    for model_class, constraints in instance.get_constraints():
        for constraint in constraints:
            if certainly_passes(constraint, instance, exclude):
                continue
            try:
                constraint.validate(model_class, instance, exclude=exclude, using=using)
            except ValidationError as error:
                # As Django words it: a unique constraint on one field is that field's error.
                if getattr(error, "code", None) == "unique" and len(constraint.fields) == 1:
                    errors.setdefault(constraint.fields[0], []).append(error)
                else:
                    errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


def save_stamped(instance: models.Model, *, actor: Any, reason: str) -> Any:
    """Validate and save ``instance``, its history row saying who and why (every service's last step)."""
    full_clean(instance)
    stamp(instance, actor=actor, reason=reason)
    instance.save()
    return instance


@dataclass(frozen=True)
class FieldChange:
    """One field's change. ``field``, ``old`` and ``new`` are the codes and raw values (the API's); ``label``,
    ``old_text`` and ``new_text`` are what a person reads: the field's name, a choice's label, a date in the
    locale's format, money as "$168,000.00"."""

    field: str
    old: Any
    new: Any
    label: str = ""
    old_text: str = ""
    new_text: str = ""


@dataclass(frozen=True)
class HistoryEntry:
    history_id: int
    date: datetime
    action: str
    user: str | None
    reason: str
    changes: tuple[FieldChange, ...]


def _jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if value is None or isinstance(value, bool | int | float | str | dict | list):
        return value
    return str(value)


_NOT_MONEY = ("percent", "pct", "area", "share", "threshold", "itude", "bathrooms", "rate")
_MONEY_WORDS = ("amount", "price", "value", "cost", "income", "fee", "step", "dues")


def _is_money(field: models.Field) -> bool:
    name = field.name
    return (
        isinstance(field, models.DecimalField)
        and field.decimal_places == 2
        and any(word in name for word in _MONEY_WORDS)
        and not any(word in name for word in _NOT_MONEY)
    )


def value_text(field: models.Field, value: Any) -> str:
    """A field's stored value as a person reads it ("" for none); a related row stays its number (no query)."""
    if value is None or value == "":
        return ""
    if field.choices:
        label = dict(field.flatchoices).get(value)
        if label is not None:
            return str(label)
    if isinstance(field, models.BooleanField):
        return _("yes") if value else _("no")
    if isinstance(field, models.DateTimeField) and isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value) if timezone.is_aware(value) else value, "DATETIME_FORMAT")
    if isinstance(field, models.DateField) and isinstance(value, dt.date):
        return date_text(value)
    if isinstance(field, models.DecimalField) and isinstance(value, Decimal):
        number = formats.number_format(abs(value), field.decimal_places, use_l10n=True, force_grouping=True)
        if _is_money(field):
            number = _("$%(amount)s") % {"amount": number}
        return "\u2212" + number if value < 0 else number
    return str(value)


def history_entries(records: Iterable[Any], *, excluded: Iterable[str] = ()) -> list[HistoryEntry]:
    """Turn historical records (any order) into entries, newest first, each with its field changes.

    Diffs are taken between consecutive records in Python, so the whole history of an object
    costs one query however long it is.
    """
    skip = set(excluded) | {"last_updated", "created"}
    ordered = sorted(records, key=lambda r: (r.history_date, r.history_id))
    entries: list[HistoryEntry] = []
    previous = None
    for record in ordered:
        changes: list[FieldChange] = []
        fields = [f for f in record.instance_type._meta.fields if f.attname not in skip and f.name not in skip]
        for f in fields:
            new = getattr(record, f.attname)
            old = getattr(previous, f.attname) if previous is not None else None
            if record.history_type == "+" and new in (None, "", [], {}):
                continue
            if previous is None or old != new:
                if record.history_type == "-":
                    continue
                changes.append(
                    FieldChange(
                        field=f.name,
                        old=_jsonable(old),
                        new=_jsonable(new),
                        label=capfirst(str(f.verbose_name)),
                        old_text=value_text(f, old),
                        new_text=value_text(f, new),
                    )
                )
        user = record.history_user
        entries.append(
            HistoryEntry(
                history_id=record.history_id,
                date=record.history_date,
                action=_ACTIONS.get(record.history_type, record.history_type),
                user=user.get_username() if user is not None else None,
                reason=record.history_change_reason or "",
                changes=tuple(changes),
            )
        )
        previous = record
    entries.reverse()
    return entries
