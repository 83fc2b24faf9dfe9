"""Valuations kept per lease and date, worked out again only when what they read has changed (issue 15 §4).

The portfolio values every lease in force on a date: 50,000 leases take the engine about five seconds,
and the sums the portfolio pages show need them all. Most leases do not change between two exports, so
each valuation is kept (``KeptValuation``) under a key, a digest of everything it reads:

- the lease's own figures (commencement, purchase price, appraisal at purchase), its terms (and so its
  policy version), its home's bedrooms, its subsidies and its completed improvements, as loaded for the
  valuation itself (``LeaseFacts``): the key is made from the very values the engine is given;
- the state of what many leases share (lease terms, policies and their versions, index series and their
  values: the latest history row of each, so any change to any of them values every lease again);
- the valuation code: every module of ``leases/resale`` (an upgrade that changes a formula values
  everything again).

A kept valuation is used only if its key is the key of the lease now, so nothing is ever invalidated by
hand and no write is missed by a bulk update. It is kept per date and language (a problem or a note is
in the words of the person who asked) for the ``KEPT_DATES`` dates valued most recently.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, NamedTuple

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone, translation

from leases.lifecycle.models import LeaseTemplateVersion
from leases.resale.models import IndexSeries, IndexValue, KeptValuation, ResalePolicy, ResalePolicyVersion
from leases.resale.valuation import LeaseFacts, Valuation

__all__ = [
    "KEPT_DATES",
    "KeptValuations",
    "Priced",
    "history_columns",
    "keep",
    "latest_ids",
    "lease_key",
    "priced_of",
    "shared_stamp",
]

KEPT_DATES = 12  # dates (per language) whose valuations are kept; older ones are deleted
CENT = Decimal("0.01")
_BY_ID = 1000  # up to this many leases, their kept valuations are read by id

# What many leases' valuations read: a change to any row of these values every lease again.
_SHARED_MODELS = (LeaseTemplateVersion, ResalePolicy, ResalePolicyVersion, IndexSeries, IndexValue)


class Priced(NamedTuple):
    """What a portfolio row shows of a valuation: the price and the credits in cents, or why there is none."""

    price: Decimal | None
    credits_total: Decimal | None
    problem: str
    notes: tuple[str, ...]


def _cents(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(CENT, ROUND_HALF_UP)


def priced_of(valuation: Valuation) -> Priced:
    result = valuation.result
    return Priced(
        _cents(result.price) if result is not None else None,
        _cents(result.credits_total) if result is not None else None,
        valuation.problem,
        valuation.notes,
    )


@functools.cache
def _code_digest() -> bytes:
    """The valuation code: every module of ``leases/resale``, read once a process."""
    digest = hashlib.blake2b(digest_size=16)
    here = Path(__file__).resolve().parent
    for path in sorted(here.rglob("*.py")):
        digest.update(path.relative_to(here).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.digest()


def latest_ids(columns: Sequence[tuple[str, str]]) -> str:
    """The largest value of each (table, column), in one query, as "a.b.c" (empty for an empty table)."""
    quote = connection.ops.quote_name
    parts = [f"(SELECT MAX({quote(column)}) FROM {quote(table)})" for table, column in columns]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        found = cursor.fetchone()
    return ".".join("" if value is None else str(value) for value in found)


def history_columns(models: Iterable[Any]) -> list[tuple[str, str]]:
    """Each model's history table and its ``history_id``: their latest ids change whenever a row does."""
    return [(model.history.model._meta.db_table, "history_id") for model in models]


def shared_stamp() -> str:
    """The state of what many leases' valuations share, in one query: it changes when any of it does."""
    return latest_ids(history_columns(_SHARED_MODELS))


def _material(lease: LeaseFacts) -> tuple[Any, ...]:
    """Everything ``Valuer.value`` reads of a lease (keep in step with it and with ``improvement_credit_item``)."""
    return (
        lease.template_version_id,
        lease.commencement,
        lease.purchase_price,
        lease.appraisal_date,
        lease.appraised_value,
        lease.appraised_land_value,
        lease.appraised_improvements_value,
        lease.unit.bedrooms,
        tuple(lease.valued_subsidies),
        tuple(
            (
                item.pk,
                item.description,
                item.cost,
                item.completed_on,
                item.method,
                item.credit_pct,
                item.approved_on,
                item.started_on,
                item.appraised_value,
                item.useful_life_years,
                item.fixed_value,
                item.maintenance,
                bool(item.documents.strip()),
            )
            for item in lease.completed_improvements
        ),
    )


def lease_key(shared: bytes, lease: LeaseFacts) -> str:
    """The key of a lease's valuation: ``shared`` (``shared_stamp`` and the code) and the lease's inputs.

    ``repr`` writes each value exactly (a Decimal with its digits, a date in full) and the same in every
    process, unlike ``hash``; the digest keeps the key short."""
    return hashlib.blake2b(shared + repr(_material(lease)).encode(), digest_size=16).hexdigest()


def _language() -> str:
    return translation.get_language() or settings.LANGUAGE_CODE


class KeptValuations:
    """The valuations kept for some leases on a date, in the current language, and the key of each lease now."""

    def __init__(self, as_of: Any, leases: Sequence[LeaseFacts]) -> None:
        self.as_of = as_of
        self.language = _language()
        self.shared = shared_stamp().encode() + _code_digest()
        kept = KeptValuation.objects.filter(as_of=as_of, language=self.language)
        if len(leases) <= _BY_ID:
            # A page: its leases by id. More: every valuation kept for the date, one range of the unique
            # index (a list of 50,000 ids is too long for SQLite, and a subquery of the leases in force can
            # lead PostgreSQL's planner, before it has statistics of a table just filled, to a nested loop).
            kept = kept.filter(lease_id__in=[lease.pk for lease in leases])
        rows = kept.values_list("lease_id", "key", "price_cents", "credits_cents", "problem", "notes")
        self._kept = {lease_id: rest for lease_id, *rest in rows}
        self.fresh: list[tuple[Any, ...]] = []

    def get(self, lease: LeaseFacts) -> tuple[str, Priced | None]:
        """The lease's key, and its kept valuation if it was kept under that key (else None)."""
        key = lease_key(self.shared, lease)
        found = self._kept.get(lease.pk)
        if found is None or found[0] != key:
            return key, None
        _key, price, credits_total, problem, notes = found
        return key, Priced(
            None if price is None else Decimal(price).scaleb(-2),
            None if credits_total is None else Decimal(credits_total).scaleb(-2),
            problem,
            tuple(json.loads(notes)) if notes else (),
        )

    def add(self, lease: LeaseFacts, key: str, priced: Priced) -> None:
        self.fresh.append(
            (
                lease.pk,
                key,
                None if priced.price is None else int(priced.price.scaleb(2)),
                None if priced.credits_total is None else int(priced.credits_total.scaleb(2)),
                priced.problem,
                json.dumps(list(priced.notes), ensure_ascii=False) if priced.notes else "",
            )
        )

    def save(self) -> None:
        keep(self.as_of, self.language, self.fresh)
        self.fresh = []


_COLUMNS = ("as_of", "language", "lease_id", "key", "price_cents", "credits_cents", "problem", "notes", "valued_at")
_BATCH = 500  # rows an INSERT writes: 4,500 parameters, within SQLite's limit of 32,766


def keep(as_of: Any, language: str, valuations: Sequence[tuple[Any, ...]]) -> None:
    """Store ``valuations`` ((lease id, key, price cents, credit cents, problem, notes JSON), each replacing
    the one kept for the same lease, date and language) and forget the dates beyond the ``KEPT_DATES``
    valued most recently.

    ``INSERT ... VALUES`` of ``_BATCH`` rows at a time, ``ON CONFLICT DO UPDATE`` (SQLite and PostgreSQL both
    have it): ``bulk_create`` prepares every value of every row through the fields (four seconds for 50,000
    rows), and a statement a row waits for PostgreSQL 50,000 times.
    Keeping is an optimisation: a lease deleted meanwhile is no error, the valuation is just not kept."""
    if not valuations:
        return
    quote = connection.ops.quote_name
    table = quote(KeptValuation._meta.db_table)
    columns = ", ".join(quote(column) for column in _COLUMNS)
    updated = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in _COLUMNS[3:])
    row = f"({', '.join(['%s'] * len(_COLUMNS))})"
    conflict = f"ON CONFLICT ({quote('as_of')}, {quote('language')}, {quote('lease_id')}) DO UPDATE SET {updated}"
    day = connection.ops.adapt_datefield_value(as_of)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            for start in range(0, len(valuations), _BATCH):
                batch = valuations[start : start + _BATCH]
                values = ", ".join([row] * len(batch))
                params = [value for kept in batch for value in (day, language, *kept, now)]
                cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {values} {conflict}", params)
            _forget_old_dates(language)
    except IntegrityError:
        pass


def _forget_old_dates(language: str) -> None:
    dates = (
        KeptValuation.objects.filter(language=language)
        .values("as_of")
        .annotate(last=Max("valued_at"))
        .order_by("-last", "-as_of")
        .values_list("as_of", flat=True)
    )
    old = list(dates[KEPT_DATES:])
    if old:
        KeptValuation.objects.filter(language=language, as_of__in=old).delete()
