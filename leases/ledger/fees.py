"""Lease-fee ledger math: the fee schedule, increase checks, payment allocation, late fees, ageing, statements.

Pure: no Django import, standard library only, no I/O. Frozen dataclasses in and out. The service layer
turns rows (fee schedules, suspensions, charges, payments, the lease's late-fee rule) into these values and
stores what comes back; nothing here is a constant of any one trust, every parameter is an argument
(domain notes ``resale_and_lease.md`` §4.4).

The pieces::

    due_date / monthly_amount   the fee schedule (a time series of ``Rate``) and written suspensions
    check_increase              an increase against "at most X % a year" and "at most N times a year"
    ledger_at                   payments applied to charges, oldest first, as of a date
    late_fees_due               the late fees a rule gives up to a date, keyed by (charge, sequence)
    ageing                      open amounts by days past due (0-30, 31-60, 61-90, over 90)
    statement_lines             an account statement with a running balance between two dates
    local_dollars               an amount in a local currency converted to dollars at a rate
    local_allowance             the dollars a new local-currency payment may settle now (the share rule)

Conventions used throughout
- Money is ``Decimal``; a float (or an int) anywhere raises ``FeeInputError`` naming the field, because
  binary floats cannot hold most cents. Money inputs are whole cents (storage keeps 2 places); every money
  output is quantised to the cent, so ``Decimal("40")`` comes back as ``Decimal("40.00")``.
- Percentages are fractions: ``Decimal("0.10")`` is 10 %, ``Decimal("0.05")`` a 5 % cap.
- A percentage fee is computed exactly (34 significant digits, whatever the caller's decimal context) and
  rounded half up to the cent once, per fee: 10 % of 150.05 is 15.005, charged as 15.01.
- Dates are ``datetime.date`` (a ``datetime`` is refused: comparing one with a date raises).
- Bad input raises ``FeeInputError(field, reason)`` (a ``ValueError``) naming the field and the reason, so
  the API can answer 400 with both. A rejected fee *increase* is not bad input: ``check_increase`` returns
  its problems as values, so a form can show them beside the fields.

The ledger, precisely
- A charge's *net* amount is ``amount - waived``; waivers are written off, never paid.
- ``ledger_at(as_of)`` counts a payment when it was received on or before ``as_of`` and is not reversed on
  or before ``as_of``: a bounced cheque counts from ``received`` until the day before ``reversed_on``, then
  not at all. Allocation is recomputed from scratch for every date, so a reversal simply re-allocates and
  the arrears it paid off come back.
- Counted payments, taken in received order (then key), are applied to the charges oldest first: by due
  date, then kind (``fee``, then ``late_fee``, then ``other``), then key. Every charge in the ledger takes
  part, so money paid in advance (more than is open on ``as_of``) is allocated to the next charges in due
  order and shows as ``credit`` until they fall due.
- ``charged`` is the net of the charges due on or before ``as_of``; ``paid`` the counted payments;
  ``balance = charged - paid`` (negative = the owner is in credit). Because allocation is oldest first,
  at most one of "arrears" (open amounts due on or before ``as_of``) and ``credit`` is non-zero, and
  ``balance`` equals arrears minus credit.
- Keys sort in natural order: all-digit keys (database primary keys) numerically, before other keys in
  string order, so "9" comes before "10" whatever order the rows arrive in.

Late fees, precisely (``LateFeeRule``)
- The *late day* of an assessment is ``due + grace_days`` (first assessment), then every
  ``repeat_every_days`` after it. A payment counts only if it was received *before* the late day: PCCLT's
  "due the 1st, late on the 15th" is ``grace_days=14``; a payment on the 14th is on time, one on the 15th
  is late. CHT-NC "after 30 days" and CHT (VT) "no late fee until 30 days late" are ``grace_days=30``.
- Each lease-fee charge (kind ``fee``) has its own assessments, numbered 1, 2, 3 ...; late fees never
  attract late fees, and "other" charges never do either. Escalation is per charge: PCCLT's "$5, $10, $15"
  is read as the same unpaid month assessed again each month (every 30 days). The source could also mean
  that each successive late month costs more; that reading is not modelled.
- No pyramiding: the open amount of a charge for late-fee purposes is computed without the late-fee
  charges in the ledger, so a full, timely payment of a month's fee is never made late because oldest-first
  allocation sent part of it to an earlier late fee. This also makes the result independent of which late
  fees the caller has already stored: after the caller creates the fees returned, the next call returns the
  same fees again (and nothing new until a later late day), so keying them by (charge, sequence) is safe.
- Assessment ``n`` looks at the ledger as it stood the day before its late day. A charge paid by then gets
  no fee at ``n``; one reopened later by a bounced cheque is assessed again from the next late day on.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import (
    ROUND_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from enum import StrEnum
from itertools import pairwise

__all__ = [
    "AGEING_BUCKETS",
    "CENT",
    "CHARGE_KINDS",
    "Ageing",
    "Allocation",
    "ChargeLine",
    "FeeInputError",
    "IncreaseProblem",
    "LateFee",
    "LateFeeKind",
    "LateFeeRule",
    "LedgerState",
    "PaymentLine",
    "Period",
    "Rate",
    "Statement",
    "StatementLine",
    "ageing",
    "check_increase",
    "due_date",
    "late_fees_due",
    "ledger_at",
    "local_allowance",
    "local_dollars",
    "money",
    "monthly_amount",
    "one_year_before",
    "statement_lines",
]

# 34 digits is decimal128: far more than any fee needs, so the only rounding that matters is the explicit
# one to the cent. Traps turn a division by zero or an invalid operation into an exception, never a NaN.
_CONTEXT = Context(prec=34, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow])

ZERO = Decimal(0)
CENT = Decimal("0.01")
_HUNDRED = Decimal(100)
_ONE_DAY = dt.timedelta(days=1)

# Charge kinds, in the order allocation pays them when due the same day: the lease fee itself first, then
# late fees (they arise from older charges, so paying them next keeps "oldest debt first"), then the rest.
CHARGE_KINDS = ("fee", "late_fee", "other")
_KIND_RANK = {kind: rank for rank, kind in enumerate(CHARGE_KINDS)}

# (label, first day, last day or None) of days past due, as published arrears reports bucket them (§6).
AGEING_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-30", 0, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("over-90", 91, None),
)


# ---------------------------------------------------------------------------------------------
# Errors and validation helpers
# ---------------------------------------------------------------------------------------------


class FeeInputError(ValueError):
    """Bad input to the ledger: ``field`` names what is wrong (dotted, as the API will), ``reason`` says why."""

    def __init__(self, field: str, reason: str):
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


def _dec(value: object, name: str) -> Decimal:
    """A finite, non-negative Decimal, or ``FeeInputError`` naming ``name``."""
    if isinstance(value, float):
        raise FeeInputError(name, "must be a Decimal, not a float (binary floats cannot hold most cents)")
    if not isinstance(value, Decimal):
        raise FeeInputError(name, f"must be a Decimal, got {type(value).__name__}")
    if not value.is_finite():
        raise FeeInputError(name, "must be a finite number")
    if value < 0:
        raise FeeInputError(name, "cannot be negative")
    return value


def _cents(value: object, name: str, *, positive: bool = False) -> Decimal:
    """A money input: non-negative (or positive) Decimal in whole cents."""
    value = _dec(value, name)
    if positive and value == 0:
        raise FeeInputError(name, "must be greater than zero")
    # Sub-cent amounts never come from storage (2 places); one here is a computation that skipped rounding.
    if value.as_tuple().exponent < -2 and value != _m(value):
        raise FeeInputError(name, "must be a whole number of cents")
    return value


def _fraction(value: object, name: str) -> Decimal:
    value = _dec(value, name)
    if value > 1:
        # Most likely 5 was meant as 5 %; say how fractions are written rather than cap at 500 %.
        raise FeeInputError(name, "is a fraction (0.05 for 5 %) and must be at most 1")
    return value


def _int(value: object, name: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise FeeInputError(name, f"must be a whole number, got {type(value).__name__}")
    if value < minimum:
        raise FeeInputError(name, f"must be at least {minimum}")
    return value


def _date(value: object, name: str) -> dt.date:
    # A datetime is a date subclass, but comparing one with a date raises TypeError: refuse it up front.
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise FeeInputError(name, "must be a date (not a datetime)")
    return value


def _key(value: object, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise FeeInputError(name, "must be a non-empty string")
    return value


def _items(values: object, cls: type, name: str) -> list:
    if isinstance(values, str | bytes) or not isinstance(values, Sequence):
        raise FeeInputError(name, f"must be a sequence of {cls.__name__}")
    for index, item in enumerate(values):
        if not isinstance(item, cls):
            raise FeeInputError(f"{name}[{index}]", f"must be a {cls.__name__}, got {type(item).__name__}")
    return list(values)


def _unique_keys(items: Sequence[ChargeLine] | Sequence[PaymentLine], name: str) -> None:
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item.key in seen:
            raise FeeInputError(f"{name}[{index}].key", f"{item.key!r} appears twice")
        seen.add(item.key)


def _natural(key: str) -> tuple[int, int, str]:
    # Database keys are decimal strings: compare them as numbers so "9" sorts before "10".
    if key.isascii() and key.isdigit():
        return (0, int(key), "")
    return (1, 0, key)


def money(value: Decimal, *, field: str = "amount") -> Decimal:
    """``value`` rounded half up to the cent. Only a Decimal is accepted: a float or an int raises
    ``FeeInputError(field, ...)``. Negative amounts are allowed (a balance can be in credit)."""
    if isinstance(value, float):
        raise FeeInputError(field, "must be a Decimal, not a float (binary floats cannot hold most cents)")
    if not isinstance(value, Decimal):
        raise FeeInputError(field, f"must be a Decimal, got {type(value).__name__}")
    if not value.is_finite():
        raise FeeInputError(field, "must be a finite number")
    return value.quantize(CENT, rounding=ROUND_HALF_UP, context=_CONTEXT)


def _m(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP, context=_CONTEXT)


# ---------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------


class LateFeeKind(StrEnum):
    """How a late fee is computed (§4.4).

    ``NONE``: never. ``FLAT``: ``amount`` at every assessment (CHT VT's fee after 30 days).
    ``ESCALATING``: ``amount``, then ``step`` more at each further assessment (PCCLT: 5, 10, 15).
    ``PERCENT``: ``percent`` of the amount past due at the first assessment, then ``repeat_percent`` of the
    original charge at each further one (CHT-NC: 10 % of the past-due amount, plus 10 % of the original
    for each further 30 days).
    """

    NONE = "none"
    FLAT = "flat"
    PERCENT = "percent"
    ESCALATING = "escalating"


@dataclass(frozen=True)
class LateFeeRule:
    """A lease's late-fee rule. Fields a kind does not use are ignored.

    Assessment ``n`` (1, 2, 3 ...) falls on ``due + grace_days + (n - 1) * repeat_every_days`` (only
    ``n = 1`` when ``repeat_every_days`` is 0), up to ``max_assessments`` (0 = no limit). Payments received
    *on* that day are late (see the module docstring): ``grace_days=14`` makes the 15th the late day of a
    fee due the 1st, and ``grace_days=0`` would make the due date itself late, so a rule meaning "late from
    the day after the due date" uses 1.

    "Each month" in a source (PCCLT's $5, $10, $15) is modelled as ``repeat_every_days=30``: a fixed day
    count keeps every late day independent of month lengths and of the due day's clamping.
    """

    kind: LateFeeKind
    grace_days: int = 0
    amount: Decimal = ZERO
    step: Decimal = ZERO
    percent: Decimal = ZERO
    repeat_percent: Decimal = ZERO
    repeat_every_days: int = 0
    max_assessments: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.kind, LateFeeKind):
            # Stored rules carry the kind as its string value; take it, as the enum's own constructor would.
            try:
                object.__setattr__(self, "kind", LateFeeKind(self.kind))
            except ValueError:
                choices = ", ".join(member.value for member in LateFeeKind)
                raise FeeInputError("kind", f"must be one of: {choices}") from None
        _int(self.grace_days, "grace_days")
        _int(self.repeat_every_days, "repeat_every_days")
        _int(self.max_assessments, "max_assessments")
        _cents(self.amount, "amount")
        _cents(self.step, "step")
        _fraction(self.percent, "percent")
        _fraction(self.repeat_percent, "repeat_percent")
        # A rule that can only ever charge nothing is a configuration mistake, not a way to say "no fee".
        if self.kind in (LateFeeKind.FLAT, LateFeeKind.ESCALATING) and self.amount == 0:
            raise FeeInputError("amount", f"must be greater than zero for a {self.kind.value} late fee")
        if self.kind is LateFeeKind.PERCENT and self.percent == 0:
            raise FeeInputError("percent", "must be greater than zero for a percent late fee")


@dataclass(frozen=True)
class Rate:
    """A fee-schedule entry: from ``effective`` on, the monthly lease fee is ``amount`` (0 = waived)."""

    effective: dt.date
    amount: Decimal

    def __post_init__(self) -> None:
        _date(self.effective, "effective")
        _cents(self.amount, "amount")


@dataclass(frozen=True)
class Period:
    """A suspension in writing: no monthly fee for months whose due date falls in ``[start, end]``
    (``end`` inclusive; ``None`` = until further notice)."""

    start: dt.date
    end: dt.date | None

    def __post_init__(self) -> None:
        _date(self.start, "start")
        if self.end is not None and _date(self.end, "end") < self.start:
            raise FeeInputError("end", f"{self.end.isoformat()} is before the start, {self.start.isoformat()}")

    def covers(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class ChargeLine:
    """A charge on the account: a month's lease fee (``fee``), a late fee (``late_fee``) or ``other``.

    ``key`` is stable (the caller's primary key as a string). ``waived`` is the part written off in writing,
    never more than ``amount``; a charge's net amount is ``amount - waived``. ``amount`` may be 0.00 (a
    month whose fee was waived to zero) but never negative: a reduction is a waiver, not a negative charge.
    """

    key: str
    due: dt.date
    amount: Decimal
    waived: Decimal = ZERO
    kind: str = "fee"

    def __post_init__(self) -> None:
        _key(self.key, "key")
        _date(self.due, "due")
        _cents(self.amount, "amount")
        if _cents(self.waived, "waived") > self.amount:
            raise FeeInputError("waived", f"{_text(self.waived)} is more than the amount, {_text(self.amount)}")
        if self.kind not in _KIND_RANK:
            raise FeeInputError("kind", f"must be one of: {', '.join(CHARGE_KINDS)}")

    @property
    def net(self) -> Decimal:
        return self.amount - self.waived


@dataclass(frozen=True)
class PaymentLine:
    """A payment received. A reversed one (bounced cheque) counts from ``received`` until the day before
    ``reversed_on``, then not at all."""

    key: str
    received: dt.date
    amount: Decimal
    reversed_on: dt.date | None = None

    def __post_init__(self) -> None:
        _key(self.key, "key")
        _date(self.received, "received")
        _cents(self.amount, "amount", positive=True)
        if self.reversed_on is not None and _date(self.reversed_on, "reversed_on") < self.received:
            raise FeeInputError(
                "reversed_on",
                f"{self.reversed_on.isoformat()} is before the payment was received, {self.received.isoformat()}",
            )

    def counts_on(self, as_of: dt.date) -> bool:
        return self.received <= as_of and (self.reversed_on is None or self.reversed_on > as_of)


# ---------------------------------------------------------------------------------------------
# Outputs
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IncreaseProblem:
    """Why a proposed rate breaks a cap: ``field`` is the ``Rate`` field to show it beside."""

    field: str
    reason: str
    # A stable code and the figures, so a caller can say the same thing in another language.
    code: str = ""
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Allocation:
    """``amount`` of payment ``payment`` applied to charge ``charge``."""

    payment: str
    charge: str
    amount: Decimal


@dataclass(frozen=True)
class LedgerState:
    """The account as of ``as_of`` (see "The ledger, precisely" in the module docstring).

    ``allocations``: in the order they were made (payments in received order, each oldest charge first).
    ``open_by_charge``: every charge key, due or not, to its unpaid net amount (0.00 when paid or waived).
    ``credit``: counted payments not absorbed by charges due on or before ``as_of`` (paid in advance; part of
    it may already be allocated to later charges). ``charged``: net of charges due on or before ``as_of``.
    ``paid``: counted payments. ``balance``: ``charged - paid``; negative means ``-balance`` is in credit.
    """

    as_of: dt.date
    allocations: tuple[Allocation, ...]
    open_by_charge: Mapping[str, Decimal]
    credit: Decimal
    charged: Decimal
    paid: Decimal
    balance: Decimal

    @property
    def arrears(self) -> Decimal:
        """Open amounts of charges due on or before ``as_of`` (``balance + credit``)."""
        return self.balance + self.credit


@dataclass(frozen=True)
class LateFee:
    """Assessment number ``sequence`` (from 1) of lease-fee charge ``charge``, on its late day ``assessed``."""

    charge: str
    sequence: int
    assessed: dt.date
    amount: Decimal


@dataclass(frozen=True)
class Ageing:
    """Open amounts as of ``as_of`` by days past due (``as_of - due``, see ``AGEING_BUCKETS``).

    ``current``: open amounts of charges due after ``as_of`` (billed ahead, not in arrears), reported apart
    and not part of ``total``. ``total``: the four buckets, i.e. the arrears.
    """

    as_of: dt.date
    current: Decimal
    days_0_30: Decimal
    days_31_60: Decimal
    days_61_90: Decimal
    over_90: Decimal
    total: Decimal


@dataclass(frozen=True)
class StatementLine:
    """One statement line. ``kind`` is the charge's kind, ``payment``, or ``reversal`` (a bounced payment,
    debited on ``reversed_on``); ``key`` the charge's or payment's key; ``balance`` the running balance."""

    date: dt.date
    kind: str
    key: str
    debit: Decimal
    credit: Decimal
    balance: Decimal


@dataclass(frozen=True)
class Statement:
    """``opening``: the balance at the end of the day before the first day; ``closing``: at the end of the
    last day. Balances follow ``LedgerState.balance`` (negative = in credit)."""

    opening: Decimal
    lines: tuple[StatementLine, ...]
    closing: Decimal


# ---------------------------------------------------------------------------------------------
# The fee schedule
# ---------------------------------------------------------------------------------------------


def due_date(year: int, month: int, due_day: int) -> dt.date:
    """The due date of a month's fee: ``due_day`` (1-31), clamped to the month's last day, so a fee due the
    31st falls due on 30 April and on 28 or 29 February."""
    if not dt.MINYEAR <= _int(year, "year", minimum=dt.MINYEAR) <= dt.MAXYEAR:
        raise FeeInputError("year", f"must be at most {dt.MAXYEAR}")
    if not 1 <= _int(month, "month", minimum=1) <= 12:
        raise FeeInputError("month", "must be 1 to 12")
    if not 1 <= _int(due_day, "due_day", minimum=1) <= 31:
        raise FeeInputError("due_day", "must be 1 to 31")
    last_day = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(due_day, last_day))


def _sorted_rates(rates: Sequence[Rate], name: str) -> list[Rate]:
    ordered = sorted(_items(rates, Rate, name), key=lambda rate: rate.effective)
    for earlier, later in pairwise(ordered):
        if earlier.effective == later.effective:
            raise FeeInputError(name, f"two rates take effect on {later.effective.isoformat()}")
    return ordered


def _rate_before(ordered: Sequence[Rate], day: dt.date, *, inclusive: bool) -> Rate | None:
    found = None
    for rate in ordered:
        if rate.effective < day or (inclusive and rate.effective == day):
            found = rate
    return found


def monthly_amount(
    rates: Sequence[Rate], suspensions: Sequence[Period], year: int, month: int, due_day: int
) -> Decimal | None:
    """The lease fee charged for a month: the rate in effect on its due date (the latest ``effective`` on or
    before it). ``None`` when no rate is in effect yet or the due date falls in a suspension; 0.00 when the
    schedule waives the fee to zero. ``rates`` may come in any order; two rates on the same day are refused.
    """
    ordered = _sorted_rates(rates, "rates")
    periods = _items(suspensions, Period, "suspensions")
    due = due_date(year, month, due_day)
    if any(period.covers(due) for period in periods):
        return None
    rate = _rate_before(ordered, due, inclusive=True)
    return None if rate is None else _m(rate.amount)


def one_year_before(day: dt.date) -> dt.date:
    """The same day a year earlier; 29 February maps to 28 February."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def _pct_text(fraction: Decimal, *, above: Decimal | None = None) -> str:
    """A fraction as a percentage with 2 decimals; more if 2 would hide that it is above ``above``."""
    with localcontext(_CONTEXT):
        value = fraction * _HUNDRED
        for places in range(2, 7):
            shown = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
            if above is None or shown > above * _HUNDRED:
                return f"{shown:f}%"
        return f"{value.normalize():f}%"


def _text(amount: Decimal) -> str:
    return f"{_m(amount):f}"


def _dates_text(days: Sequence[dt.date]) -> str:
    texts = [day.isoformat() for day in days]
    return texts[0] if len(texts) == 1 else ", ".join(texts[:-1]) + " and " + texts[-1]


def check_increase(
    history: Sequence[Rate],
    new: Rate,
    *,
    max_increase_pct: Decimal | None,
    max_increases_per_year: int | None,
) -> list[IncreaseProblem]:
    """Problems with adding ``new`` to a fee schedule whose earlier rates are ``history`` (any order).

    - ``new`` must take effect after every rate in ``history`` (a schedule grows forwards; a backdated
      reduction is a waiver or suspension in writing): otherwise a problem on ``effective``.
    - A decrease or an unchanged amount is never cap-checked.
    - An increase (above the rate in effect just before ``new.effective``) is measured over the 12 months
      it ends: against the rate in effect on ``one_year_before(new.effective)``, or the schedule's first
      rate when it is younger than a year. ``(new - base) / base`` above ``max_increase_pct`` (a fraction:
      0.05 is 5 %) is a problem on ``amount``. So two 3 % steps in one year break a 5 % cap, and restoring
      a fee reduced for hardship within the year to its level of a year ago is no increase at all. The cap
      is per year and not compounded: after two years without an increase the next one is still capped
      at ``max_increase_pct``. An increase from a base of 0.00 has no percentage and exceeds any cap.
    - ``max_increases_per_year``: increases in ``history`` (a rate above the one before it) plus this one,
      whose effective dates fall in the 12 months ending on ``new.effective`` (after ``one_year_before``,
      up to and including ``new.effective``), may not number more than the limit: otherwise a problem on
      ``effective``.

    ``None`` switches a check off. Returns an empty list when ``new`` may be added.
    """
    if not isinstance(new, Rate):
        raise FeeInputError("new", f"must be a Rate, got {type(new).__name__}")
    ordered = _sorted_rates(history, "history")
    cap = None if max_increase_pct is None else _fraction(max_increase_pct, "max_increase_pct")
    limit = None if max_increases_per_year is None else _int(max_increases_per_year, "max_increases_per_year")

    problems: list[IncreaseProblem] = []
    if ordered and new.effective <= ordered[-1].effective:
        latest = ordered[-1].effective.isoformat()
        if new.effective == ordered[-1].effective:
            reason, code = f"a rate already takes effect on {latest}", "same_date"
        else:
            reason = f"{new.effective.isoformat()} is before the latest rate in the schedule, effective {latest}"
            code = "out_of_order"
        problems.append(
            IncreaseProblem("effective", reason, code, {"date": new.effective.isoformat(), "latest": latest})
        )

    current = _rate_before(ordered, new.effective, inclusive=False)
    if current is None or new.amount <= current.amount:
        return problems
    old = _rate_before(ordered, one_year_before(new.effective), inclusive=True) or ordered[0]
    if new.amount <= old.amount:
        return problems  # back to (or below) where it stood a year ago

    if cap is not None:
        with localcontext(_CONTEXT):
            rise = new.amount - old.amount
            if old.amount == 0:
                problems.append(
                    IncreaseProblem(
                        "amount",
                        f"an increase from 0.00 to {_text(new.amount)} exceeds the cap of {_pct_text(cap)} a year "
                        "(any increase from zero does)",
                        "from_zero",
                        {"new": _text(new.amount), "cap": _pct_text(cap)},
                    )
                )
            elif rise > cap * old.amount:
                shown = _pct_text(rise / old.amount, above=cap)
                problems.append(
                    IncreaseProblem(
                        "amount",
                        f"an increase of {shown} (from {_text(old.amount)} to {_text(new.amount)}) exceeds "
                        f"the cap of {_pct_text(cap)} a year",
                        "over_cap",
                        {"increase": shown, "old": _text(old.amount), "new": _text(new.amount), "cap": _pct_text(cap)},
                    )
                )

    if limit is not None:
        window_start = one_year_before(new.effective)
        earlier = [
            later.effective
            for before, later in pairwise(ordered)
            if later.amount > before.amount and window_start < later.effective <= new.effective
        ]
        if len(earlier) + 1 > limit:
            allowed = f"at most {limit} increase{'' if limit == 1 else 's'} in 12 months"
            if earlier:
                reason = f"the fee was already raised on {_dates_text(earlier)}; {allowed}"
            else:
                reason = f"{allowed}: the fee may not be raised"
            problems.append(
                IncreaseProblem(
                    "effective",
                    reason,
                    "too_many",
                    {"limit": str(limit), "earlier": _dates_text(earlier) if earlier else ""},
                )
            )
    return problems


# ---------------------------------------------------------------------------------------------
# The ledger
# ---------------------------------------------------------------------------------------------


def _charge_order(charge: ChargeLine) -> tuple:
    return (charge.due, _KIND_RANK[charge.kind], _natural(charge.key))


def _payment_order(payment: PaymentLine) -> tuple:
    return (payment.received, _natural(payment.key))


def _checked_charges(charges: object) -> list[ChargeLine]:
    items = _items(charges, ChargeLine, "charges")
    _unique_keys(items, "charges")
    return sorted(items, key=_charge_order)


def _checked_payments(payments: object) -> list[PaymentLine]:
    items = _items(payments, PaymentLine, "payments")
    _unique_keys(items, "payments")
    return sorted(items, key=_payment_order)


def _allocate(
    charges: Sequence[ChargeLine], payments: Sequence[PaymentLine], as_of: dt.date
) -> tuple[list[Allocation], dict[str, Decimal]]:
    """FIFO of the counted payments against the charges (both already in ledger order): the allocations,
    and each charge's open amount."""
    allocations: list[Allocation] = []
    open_by_charge = {charge.key: charge.net for charge in charges}
    position = 0
    with localcontext(_CONTEXT):
        for payment in payments:
            if not payment.counts_on(as_of):
                continue
            left = payment.amount
            while left > 0 and position < len(charges):
                charge = charges[position]
                applied = min(left, open_by_charge[charge.key])
                if applied > 0:
                    allocations.append(Allocation(payment.key, charge.key, _m(applied)))
                    open_by_charge[charge.key] -= applied
                    left -= applied
                if open_by_charge[charge.key] == 0:
                    position += 1
    return allocations, open_by_charge


def _state(charges: Sequence[ChargeLine], payments: Sequence[PaymentLine], as_of: dt.date) -> LedgerState:
    allocations, open_by_charge = _allocate(charges, payments, as_of)
    with localcontext(_CONTEXT):
        charged = sum((charge.net for charge in charges if charge.due <= as_of), ZERO)
        paid = sum((payment.amount for payment in payments if payment.counts_on(as_of)), ZERO)
        balance = charged - paid
    return LedgerState(
        as_of=as_of,
        allocations=tuple(allocations),
        open_by_charge={key: _m(amount) for key, amount in open_by_charge.items()},
        credit=_m(-balance) if balance < 0 else _m(ZERO),
        charged=_m(charged),
        paid=_m(paid),
        balance=_m(balance),
    )


def ledger_at(charges: Sequence[ChargeLine], payments: Sequence[PaymentLine], as_of: dt.date) -> LedgerState:
    """The account as of the end of ``as_of``: payments counted on that day applied to the charges oldest
    first, recomputed from scratch (see "The ledger, precisely" in the module docstring)."""
    as_of = _date(as_of, "as_of")
    return _state(_checked_charges(charges), _checked_payments(payments), as_of)


# ---------------------------------------------------------------------------------------------
# Late fees
# ---------------------------------------------------------------------------------------------


def _late_fee_amount(rule: LateFeeRule, sequence: int, past_due: Decimal, original: Decimal) -> Decimal:
    with localcontext(_CONTEXT):
        if rule.kind is LateFeeKind.FLAT:
            return _m(rule.amount)
        if rule.kind is LateFeeKind.ESCALATING:
            return _m(rule.amount + rule.step * (sequence - 1))
        # PERCENT: exact product, rounded half up to the cent once.
        if sequence == 1:
            return _m(rule.percent * past_due)
        return _m(rule.repeat_percent * original)


def late_fees_due(
    charges: Sequence[ChargeLine], payments: Sequence[PaymentLine], rule: LateFeeRule, as_of: dt.date
) -> list[LateFee]:
    """Every late fee ``rule`` gives on the lease-fee charges, on late days up to and including ``as_of``.

    Assessment ``n`` of a charge is due when the charge is still open at the end of the day before its late
    day, in the ledger without late-fee charges (no pyramiding; see the module docstring). It is ``amount``
    (FLAT), ``amount + step * (n - 1)`` (ESCALATING), or for PERCENT ``percent`` of the amount then past due
    when ``n`` is 1 and ``repeat_percent`` of the charge's net amount (``amount - waived``, the original
    charge less anything written off) after that. A fee that rounds to 0.00 is left out.

    Deterministic: the result depends on the inputs only, not on which fees the caller already stored, and a
    later ``as_of`` gives a superset. Sorted by (assessed, charge in key order, sequence).
    """
    if not isinstance(rule, LateFeeRule):
        raise FeeInputError("rule", f"must be a LateFeeRule, got {type(rule).__name__}")
    as_of = _date(as_of, "as_of")
    ordered = _checked_charges(charges)
    ordered_payments = _checked_payments(payments)
    if rule.kind is LateFeeKind.NONE:
        return []

    ledger = [charge for charge in ordered if charge.kind != "late_fee"]
    open_cache: dict[dt.date, dict[str, Decimal]] = {}
    reversals = [payment.reversed_on for payment in ordered_payments if payment.reversed_on is not None]

    def open_on(day: dt.date) -> dict[str, Decimal]:
        if day not in open_cache:
            open_cache[day] = _allocate(ledger, ordered_payments, day)[1]
        return open_cache[day]

    fees: list[LateFee] = []
    for charge in ledger:
        if charge.kind != "fee":
            continue
        sequence = 1
        late_day = charge.due + dt.timedelta(days=rule.grace_days)
        while late_day <= as_of and (rule.max_assessments == 0 or sequence <= rule.max_assessments):
            looked_at = late_day - _ONE_DAY
            past_due = open_on(looked_at)[charge.key]
            if past_due > 0:
                amount = _late_fee_amount(rule, sequence, past_due, charge.net)
                if amount > 0:
                    fees.append(LateFee(charge.key, sequence, late_day, amount))
            elif not any(reversed_on > looked_at for reversed_on in reversals):
                # Paid, and no bounced payment can reopen it: more payments only pay more, so it stays paid.
                break
            if rule.repeat_every_days == 0:
                break
            sequence += 1
            late_day += dt.timedelta(days=rule.repeat_every_days)
    fees.sort(key=lambda fee: (fee.assessed, _natural(fee.charge), fee.sequence))
    return fees


# ---------------------------------------------------------------------------------------------
# Ageing and statements
# ---------------------------------------------------------------------------------------------


def ageing(charges: Sequence[ChargeLine], payments: Sequence[PaymentLine], as_of: dt.date) -> Ageing:
    """Open amounts as of ``as_of`` by days past due. Credit is already applied oldest first by the ledger,
    so the buckets hold what is really unpaid; a charge due on ``as_of`` is 0 days past due."""
    state = ledger_at(charges, payments, as_of)
    buckets = [ZERO for _ in AGEING_BUCKETS]
    current = ZERO
    with localcontext(_CONTEXT):
        for charge in charges:
            open_amount = state.open_by_charge[charge.key]
            if charge.due > as_of:
                current += open_amount
                continue
            days = (as_of - charge.due).days
            for index, (_label, first, last) in enumerate(AGEING_BUCKETS):
                if first <= days and (last is None or days <= last):
                    buckets[index] += open_amount
                    break
        total = sum(buckets, ZERO)
    return Ageing(as_of, _m(current), *(_m(bucket) for bucket in buckets), total=_m(total))


def statement_lines(
    charges: Sequence[ChargeLine], payments: Sequence[PaymentLine], start: dt.date, end: dt.date
) -> Statement:
    """An account statement for ``start`` to ``end`` (both included), with a running balance.

    Lines are charges on their due date (debit: the net amount, so a waived charge shows what is left of it
    and a fully waived one 0.00), payments on the day received (credit, even if later reversed), and
    reversals on ``reversed_on`` (debit). On one day: charges, then payments, then reversals, each in ledger
    order. ``opening`` is ``ledger_at(start - 1 day).balance`` and ``closing`` ``ledger_at(end).balance``;
    the lines always lead from one to the other.
    """
    start = _date(start, "start")
    end = _date(end, "end")
    if end < start:
        raise FeeInputError("end", f"{end.isoformat()} is before the start, {start.isoformat()}")
    ordered = _checked_charges(charges)
    ordered_payments = _checked_payments(payments)
    opening = _state(ordered, ordered_payments, start - _ONE_DAY).balance if start > dt.date.min else ZERO

    entries: list[tuple[tuple, str, str, Decimal, Decimal]] = []
    for index, charge in enumerate(ordered):
        if start <= charge.due <= end:
            entries.append(((charge.due, 0, index), charge.kind, charge.key, charge.net, ZERO))
    for index, payment in enumerate(ordered_payments):
        if start <= payment.received <= end:
            entries.append(((payment.received, 1, index), "payment", payment.key, ZERO, payment.amount))
        if payment.reversed_on is not None and start <= payment.reversed_on <= end:
            entries.append(((payment.reversed_on, 2, index), "reversal", payment.key, payment.amount, ZERO))
    entries.sort(key=lambda entry: entry[0])

    lines: list[StatementLine] = []
    balance = opening
    with localcontext(_CONTEXT):
        for (day, _rank, _index), kind, key, debit, credit in entries:
            balance = balance + debit - credit
            lines.append(StatementLine(day, kind, key, _m(debit), _m(credit), _m(balance)))
    return Statement(opening=_m(opening), lines=tuple(lines), closing=_m(balance))


# ---------------------------------------------------------------------------------------------
# Lease fees paid in a local currency
# ---------------------------------------------------------------------------------------------


def local_dollars(units: Decimal, rate: Decimal) -> Decimal:
    """``units`` of a local currency at ``rate`` dollars per unit, in dollars: the exact product rounded half
    up to the cent, once (120 units at 0.95 are 114.00; 3.5 credits at 15.3333 are 53.66655, credited 53.67).

    Both must be positive Decimals; the units are whole cents of the currency (storage keeps 2 places).
    """
    units = _cents(units, "currency_amount", positive=True)
    rate = _dec(rate, "currency_rate")
    if rate == 0:
        raise FeeInputError("currency_rate", "must be greater than zero")
    with localcontext(_CONTEXT):
        return _m(units * rate)


def local_allowance(
    charges: Sequence[ChargeLine],
    payments: Sequence[PaymentLine],
    as_of: dt.date,
    *,
    share: Decimal,
    local: Collection[str],
) -> Decimal:
    """The most dollars a new payment in one local currency, received on ``as_of``, may be credited.

    The rule (docs/leases.md, "Lease fees paid in a local currency"):

    - Of each lease-fee charge (kind ``fee``), at most ``share`` (a fraction: 0.20 is 20 %) of its net amount,
      rounded *down* to the cent so the part never exceeds the share, may be settled in this currency. Late
      fees and other charges take none of it.
    - ``local`` are the keys of the earlier payments in ``payments`` made in the same currency; the dollars
      allocation gives them on a charge use up its room. Room on a charge is ``min(open, cap - local part)``.
    - The new payment comes after every payment counted on ``as_of`` and, like any payment, is applied oldest
      charge first. So it may be credited the room of each open charge in ledger order for as long as that
      room is the whole open amount, plus the room of the first charge where it is not; there its dollars
      would run on into the part of the charge that must be paid in dollars. No credit in advance: once the
      open charges are used up nothing more is allowed.

    With a $250.00 fee open and a 20 % share, 50.00 is allowed: 50 units at 0.95 (47.50) may be paid, 60 units
    (57.00) may not.
    """
    as_of = _date(as_of, "as_of")
    share = _fraction(share, "share")
    ordered = _checked_charges(charges)
    ordered_payments = _checked_payments(payments)
    local_keys = set(local)
    allocations, open_by_charge = _allocate(ordered, ordered_payments, as_of)
    paid_locally: dict[str, Decimal] = {}
    for allocation in allocations:
        if allocation.payment in local_keys:
            paid_locally[allocation.charge] = paid_locally.get(allocation.charge, ZERO) + allocation.amount
    allowed = ZERO
    with localcontext(_CONTEXT):
        for charge in ordered:
            still_open = open_by_charge[charge.key]
            if still_open <= 0:
                continue
            if charge.kind != "fee":
                break  # allocation would pay this charge next, and none of it may be paid locally
            cap = (share * charge.net).quantize(CENT, rounding=ROUND_DOWN)
            room = max(ZERO, min(still_open, cap - paid_locally.get(charge.key, ZERO)))
            allowed += room
            if room < still_open:
                break
    return _m(allowed)
