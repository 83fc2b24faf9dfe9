"""Resale prices for community-land-trust homes: every formula family, returned as an explanation.

Pure: no Django import, standard library only, no I/O. Frozen dataclasses in and out. The service layer
turns rows (policies, appraisals, index series, improvements) into these values and stores what comes back.

The pipeline (domain notes ``resale_and_lease.md`` §1)::

    1-3  formula price = base + growth by the policy's formula family (§2)
    4    + capital-improvement credits (§3.5)
    5    - deductions from the price (§3.6)
    6    + sale allowances (§3.7)
    7    caps: the lesser of the price and each cap (§3.3)
    8    floor (§3.4)
    9    rounding (§3.9)
    then the seller's proceeds: price - liens - closing costs - arrears - fees - other deductions

Programs differ in the order of steps 4-7 (§1, §8 pitfall 2), so credits, price deductions and allowances
each carry a ``Timing``: before the cap (the §1 order, the default) or after it (MPDU adds the broker
commission on top of the capped "maximum resale price").

Conventions used throughout
- Money, rates, shares and index values are ``Decimal``; a float anywhere raises ``ResaleInputError``
  (binary floating point cannot hold most cents, §3.9). Counts (bedrooms, years, months) are ``int``.
- Rates and shares are fractions: ``Decimal("0.25")`` is 25 %, ``Decimal("0.015")`` is 1.5 % a year.
- Arithmetic runs in a private decimal context of 34 significant digits (IEEE decimal128), whatever the
  caller's context. "Unrounded" below means "kept to 34 significant digits": nothing is quantised until a
  policy's rounding rule says so (DESIGN.md, "Time, money, numbers").
- Every rounding is explicit, names its rule, and rounds halves up (2.675 → 2.68), the convention of
  published price schedules; directed rounding (down/up) is available where a program needs it.
- Bad input raises ``ResaleInputError(field, reason)`` (a ``ValueError``) naming the field and the reason,
  so the API can answer 400 with both.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import (
    ROUND_CEILING,
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    localcontext,
)
from enum import StrEnum

from clt.dates import add_months

__all__ = [
    "HUD_SIZE_FACTORS",
    "AdministeredRate",
    "AffordabilityCap",
    "AffordablePrice",
    "AmiIndexed",
    "AnnualRate",
    "Appraisal",
    "AppraisalCap",
    "AppraisalShare",
    "Baseline",
    "CapitalImprovement",
    "Charge",
    "CpiIndexed",
    "CreditMethod",
    "CreditRules",
    "FixedRateCompound",
    "FixedRateSimple",
    "FloorRule",
    "GrowthBase",
    "HouseholdSize",
    "HousingCost",
    "IndexValue",
    "ItemizedFairReturn",
    "LesserOf",
    "LineItem",
    "MortgageBased",
    "MortgageTerms",
    "NegativeAppreciation",
    "PeriodUnit",
    "RateYear",
    "ResaleInputError",
    "ResaleInputs",
    "ResalePolicy",
    "ResaleResult",
    "Rounding",
    "RoundingDirection",
    "RoundingMode",
    "SaleAllowance",
    "Scope",
    "ShareTier",
    "SubsidyRetention",
    "TargetIncome",
    "TimeVestedShare",
    "Timing",
    "add_months",
    "affordable_price",
    "check_policy",
    "completed_months",
    "compute_resale",
    "household_size",
    "housing_cost",
    "income_needed",
    "round_amount",
    "size_factor",
    "subsidy_retention",
    "target_income",
    "value_in_effect",
]

# 34 digits is decimal128: far more than any price needs, so the only roundings that matter are the
# explicit ones. Traps turn a division by zero or an invalid operation into an exception, never a NaN.
_CONTEXT = Context(prec=34, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow])
# Adding and subtracting line amounts is bookkeeping, not arithmetic that may round: a price of 34 digits
# less a price paid of another magnitude can need 35 or more, and the lines must add up to their totals
# exactly. Differences of line totals use enough digits to be exact (``_Lines``).
_LEDGER = Context(prec=100, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow, Inexact])

ZERO = Decimal(0)
ONE = Decimal(1)
# A record's amount has 12 digits, 2 of them cents (leases.models.money_field): nothing from 10^10 on is a price.
LARGEST_AMOUNT = Decimal(10) ** 10
CENT = Decimal("0.01")
# From here on a growth cannot be held to the cent in 34 digits with room for the lines added to it.
_BEYOND_CENTS = Decimal(10) ** 30
_TWELVE = Decimal(12)
_HUNDRED = Decimal(100)

# HUD's household-size adjustment of the four-person median, for 1-8 persons (§2.9, Connecticut 8-30g row:
# 70/80/90/100/108/116/124/132 %). Fractional sizes (1.5 persons per bedroom) are interpolated linearly.
HUD_SIZE_FACTORS: tuple[Decimal, ...] = tuple(
    Decimal(v) for v in ("0.70", "0.80", "0.90", "1.00", "1.08", "1.16", "1.24", "1.32")
)


# ---------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------


class ResaleInputError(ValueError):
    """Bad input to the engine: ``field`` names what is wrong (dotted, as the API will), ``reason`` says why
    in English (the API and the logs). ``code`` and ``params`` name the same reason for the pages, which word
    it in the reader's language (``leases.resale.reasons``); a reason without a code is shown as written."""

    def __init__(self, field: str, reason: str, code: str = "", **params: object):
        self.field = field
        self.reason = reason
        self.code = code
        self.params = params
        super().__init__(f"{field}: {reason}")


# ---------------------------------------------------------------------------------------------
# Settings (enumerations)
# ---------------------------------------------------------------------------------------------


class Scope(StrEnum):
    """Which appraised value is used: the whole property, or the improvements (the home) without the land."""

    TOTAL = "total"
    IMPROVEMENTS = "improvements"


class Baseline(StrEnum):
    """What appreciation is measured from (§3.1, §8 pitfall 1).

    ``INITIAL_APPRAISAL``: the appraised value at purchase, at the formula's scope (VSCLT, the lawinsider
    clause, communityframeworks). ``PURCHASE_PRICE``: the price paid (Pinellas). With the scope this gives
    the three settings programs use: initial appraisal of the whole property, of the improvements only,
    or the price paid.
    """

    INITIAL_APPRAISAL = "initial_appraisal"
    PURCHASE_PRICE = "purchase_price"


class PeriodUnit(StrEnum):
    """How time owned is counted (§3.8).

    ``COMPLETED_YEARS``: whole years from purchase (anniversaries); ``WHOLE_MONTHS``: whole months / 12
    (the town covenant's "prorated at 1/12 for each whole month"); ``DAYS``: actual days / 365.
    """

    COMPLETED_YEARS = "completed_years"
    WHOLE_MONTHS = "whole_months"
    DAYS = "days"


class GrowthBase(StrEnum):
    """The amount indexed and fixed-rate growth is computed on: the price paid, or the owner's Investment
    Basis (price minus subsidies, CHT-NC, §2.10). The growth is always added to the price paid."""

    PURCHASE_PRICE = "purchase_price"
    INVESTMENT_BASIS = "investment_basis"


class NegativeAppreciation(StrEnum):
    """What happens when a formula gives less than the price paid (§2.1, §3.4).

    ``SYMMETRIC`` (default): the formula as written, so the seller bears the fall (the sources do not say
    otherwise, §9). ``ZERO``: the fall is not passed on; growth stops at zero. Applies to the appreciation
    families (appraisal shares, AMI, CPI, fixed and administered rates); a price floor is the separate
    ``FloorRule``.
    """

    SYMMETRIC = "symmetric"
    ZERO = "zero"


class Timing(StrEnum):
    """Whether a step comes before the caps (the §1 order) or after them (MPDU's commission, §1)."""

    BEFORE_CAP = "before_cap"
    AFTER_CAP = "after_cap"


class FloorRule(StrEnum):
    """The floor of §3.4: none (the seller bears the loss), the price paid, or the price paid plus credits."""

    NONE = "none"
    PURCHASE_PRICE = "purchase_price"
    PURCHASE_PRICE_PLUS_CREDITS = "purchase_price_plus_credits"


class RoundingMode(StrEnum):
    """Rounding rules of §3.9.

    ``NONE``: exact (34 digits; storage quantises later). ``CENT``: to the cent. ``DOLLAR``: to the whole
    dollar. ``NEAREST``: to a multiple of ``increment`` (e.g. 500). ``INCREMENT_THEN_MULTIPLY``: the annual
    increment of a fixed-rate or administered-rate formula is rounded to ``increment`` (default a dollar)
    before it is multiplied by the time owned; the final price is then rounded to the cent.
    """

    NONE = "none"
    CENT = "cent"
    DOLLAR = "dollar"
    NEAREST = "nearest"
    INCREMENT_THEN_MULTIPLY = "increment_then_multiply"


class RoundingDirection(StrEnum):
    """Halves up (default), or always down / always up (e.g. a maximum price that must not round up)."""

    NEAREST = "nearest"
    DOWN = "down"
    UP = "up"


class CreditMethod(StrEnum):
    """How a capital improvement is valued (§3.5).

    ``APPRAISED_VALUE``: the value an appraiser attributes to it (CHT VT, 100 % by default).
    ``DEPRECIATED_COST``: cost depreciated straight-line over the useful life set at approval (San Leandro).
    ``PERCENT_OF_COST``: a percentage of the documented cost (DC; Glen Aspen 50 %).
    ``FIXED_VALUE``: a standard value from a list (MPDU's list, DC's standard values).
    """

    APPRAISED_VALUE = "appraised_value"
    DEPRECIATED_COST = "depreciated_cost"
    PERCENT_OF_COST = "percent_of_cost"
    FIXED_VALUE = "fixed_value"


class RateYear(StrEnum):
    """Which published annual rate an ownership period earns: the rate of the calendar year in which the
    period starts (default) or ends. The source (Boulder, §2.5) does not say."""

    START = "start"
    END = "end"


# ---------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexValue:
    """One index level (CPI-U, AMI) as published, with the date from which it is in effect."""

    value: Decimal
    effective_from: dt.date | None = None
    series: str = ""


@dataclass(frozen=True)
class Appraisal:
    """An appraisal: the total, and where known the land and improvements split (§3.1: store the split).

    The improvements' value is ``improvements`` if given, else ``total - land``.
    """

    total: Decimal | None = None
    land: Decimal | None = None
    improvements: Decimal | None = None
    effective_date: dt.date | None = None


@dataclass(frozen=True)
class Charge:
    """A labelled amount: a deduction from the price, a lien, a closing cost, arrears or a fee."""

    label: str
    amount: Decimal


@dataclass(frozen=True)
class CapitalImprovement:
    """An improvement the owner made, valued as of the determination date by ``method`` (§3.5).

    ``credit_pct`` is the share of the value (or cost) credited: 1 for CHT's appraiser-isolated value,
    0.5 for Glen Aspen. Ordinary maintenance (``maintenance=True``) never earns a credit.
    """

    description: str
    cost: Decimal
    completed_on: dt.date
    method: CreditMethod = CreditMethod.PERCENT_OF_COST
    credit_pct: Decimal = ONE
    approved_on: dt.date | None = None
    started_on: dt.date | None = None
    appraised_value: Decimal | None = None
    useful_life_years: int | None = None
    fixed_value: Decimal | None = None
    maintenance: bool = False
    documented: bool = True


@dataclass(frozen=True)
class ResaleInputs:
    """Everything about one home and one determination that a formula may need.

    Index values are the values in effect on the purchase date and on the determination date (use
    ``value_in_effect``); the engine never reads a series. ``ami_*`` is the area median family income
    (the four-person figure, §2.3); the mortgage solver adjusts it for household size.

    Deductions from the *price* (``price_deductions``: repair reserve used, CLT-paid repairs, damage) are
    kept apart from deductions from the seller's *proceeds* (``liens``, ``sale_closing_costs``,
    ``arrears``, ``fees``, ``proceeds_deductions``), §3.6 and §8 pitfall 7.
    """

    purchase_price: Decimal
    purchase_date: dt.date
    determination_date: dt.date
    initial_appraisal: Appraisal | None = None
    resale_appraisal: Appraisal | None = None
    investment_basis: Decimal | None = None
    cpi_at_purchase: IndexValue | None = None
    cpi_at_determination: IndexValue | None = None
    ami_at_purchase: IndexValue | None = None
    ami_at_determination: IndexValue | None = None
    bedrooms: int | None = None
    capital_improvements: tuple[CapitalImprovement, ...] = ()
    price_deductions: tuple[Charge, ...] = ()
    liens: tuple[Charge, ...] = ()
    sale_closing_costs: tuple[Charge, ...] = ()
    arrears: tuple[Charge, ...] = ()
    fees: tuple[Charge, ...] = ()
    proceeds_deductions: tuple[Charge, ...] = ()
    # Itemized fair return (§2.8) only.
    principal_paid: Decimal | None = None
    down_payment: Decimal | None = None
    purchase_closing_costs: Decimal | None = None
    retained_subsidy: Decimal = ZERO


# ---------------------------------------------------------------------------------------------
# Policy: rounding, household size, mortgage terms
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rounding:
    """A rounding rule (§3.9). ``increment`` is required for ``NEAREST`` (e.g. 500) and optional for
    ``INCREMENT_THEN_MULTIPLY`` (default 1: the annual increment to the whole dollar).

    The default is to the cent: money is stored with 2 places, so a price must be a whole number of cents.
    """

    mode: RoundingMode = RoundingMode.CENT
    increment: Decimal | None = None
    direction: RoundingDirection = RoundingDirection.NEAREST


@dataclass(frozen=True)
class HouseholdSize:
    """The household size a home is priced for (§2.9): ``fixed_persons`` (Met Council: a family of 4), or
    ``persons_per_bedroom`` × bedrooms with ``studio_persons`` for a studio (CT and Westchester 1.5 and 1.0;
    Teton 1 per bedroom). Default: 1.5 per bedroom, 1 for a studio."""

    persons_per_bedroom: Decimal | None = Decimal("1.5")
    studio_persons: Decimal = ONE
    fixed_persons: Decimal | None = None


@dataclass(frozen=True)
class MortgageTerms:
    """Every cost component of the §2.9 affordability solver. Rates are annual fractions; ``*_monthly``
    amounts are dollars a month. Each component defaults to zero so a program states what it counts.

    The loan is ``price × (1 - down_payment_pct) - down_payment_cash``. Property tax is a share of the
    price; mortgage insurance a share of the loan. The CLT ground-lease fee belongs in housing cost
    (§2.9 [I]). ``rounding`` applies to the solved price (published tables: nearest 500).
    """

    income_share: Decimal
    annual_rate: Decimal
    term_months: int = 360
    down_payment_pct: Decimal = ZERO
    down_payment_cash: Decimal = ZERO
    property_tax_rate: Decimal = ZERO
    mortgage_insurance_rate: Decimal = ZERO
    hazard_insurance_monthly: Decimal = ZERO
    hoa_monthly: Decimal = ZERO
    ground_lease_fee_monthly: Decimal = ZERO
    utilities_monthly: Decimal = ZERO
    other_monthly: Decimal = ZERO
    household: HouseholdSize = field(default_factory=HouseholdSize)
    size_factors: tuple[Decimal, ...] = HUD_SIZE_FACTORS
    rounding: Rounding = field(default_factory=Rounding)


# ---------------------------------------------------------------------------------------------
# Policy: formula families (§2)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShareTier:
    """From ``min_years`` completed years of ownership on, the seller's share is ``share`` (DCLT, §2.1)."""

    min_years: int
    share: Decimal


@dataclass(frozen=True)
class AppraisalShare:
    """§2.1: price paid + share × (resale appraisal - baseline).

    The baseline defaults to the *initial appraisal*, not the price paid (§8 pitfall 1), of the
    improvements only (§3.1: usually the home, not the land). With ``tiers`` the share depends on completed
    years of ownership. ``net_of_appraised_credits``: the value an appraiser attributes to an improvement,
    once credited, is left out of the shared appreciation (CHT VT: 100 % of the CI value plus 25 % of the
    *remaining* appreciation), so it is not counted twice.
    """

    share: Decimal
    baseline: Baseline = Baseline.INITIAL_APPRAISAL
    scope: Scope = Scope.IMPROVEMENTS
    tiers: tuple[ShareTier, ...] = ()
    net_of_appraised_credits: bool = True


@dataclass(frozen=True)
class TimeVestedShare:
    """§2.2: share = min(max_share, rate_per_year × completed years), and 0 before ``vesting_years``.

    The baseline defaults to the price paid (Pinellas). ``vesting_years=None`` means no vesting period; 0 is
    rejected as ambiguous.
    """

    rate_per_year: Decimal
    vesting_years: int | None = None
    max_share: Decimal | None = None
    baseline: Baseline = Baseline.PURCHASE_PRICE
    scope: Scope = Scope.IMPROVEMENTS
    net_of_appraised_credits: bool = True


@dataclass(frozen=True)
class AmiIndexed:
    """§2.3: price paid + base × (AMI now / AMI at purchase - 1), from raw index levels (never a rounded
    percentage: VSCLT's "roughly 15 %" would give 287,500 instead of 288,461.54)."""


@dataclass(frozen=True)
class CpiIndexed:
    """§2.4: price paid + base × (CPI now / CPI at purchase - 1)."""


@dataclass(frozen=True)
class AnnualRate:
    """The rate a program set for one calendar year (§2.5: a program-level table)."""

    year: int
    rate: Decimal


@dataclass(frozen=True)
class AdministeredRate:
    """§2.5 (Boulder): each ownership year earns that year's rate × base, not compounded, and the yearly
    amounts are added.

    Partial years (the source does not say): with ``COMPLETED_YEARS`` only whole ownership years count;
    with ``WHOLE_MONTHS`` each whole month earns 1/12 of its year's rate. ``rate_year`` picks the calendar
    year whose rate an ownership period earns.
    """

    rates: tuple[AnnualRate, ...]
    period: PeriodUnit = PeriodUnit.COMPLETED_YEARS
    rate_year: RateYear = RateYear.START


@dataclass(frozen=True)
class FixedRateSimple:
    """§2.6: price paid + base × rate × t, not compounded; t in whole years by default, or months / 12."""

    rate: Decimal
    period: PeriodUnit = PeriodUnit.COMPLETED_YEARS


@dataclass(frozen=True)
class FixedRateCompound:
    """§2.7: price paid + base × ((1 + rate)^t - 1), compounded annually over completed years (Big River).

    With ``WHOLE_MONTHS`` or ``DAYS`` the exponent is fractional (months / 12, days / 365): the sources do
    not say how fractional years count for compounding formulas, so the policy chooses.
    """

    rate: Decimal
    period: PeriodUnit = PeriodUnit.COMPLETED_YEARS


@dataclass(frozen=True)
class ItemizedFairReturn:
    """§2.8 (Glen Aspen): max price = amounts due at closing + min(net proceeds available, fair return).

    fair return = inflation_rate × years × base + principal paid + credits (+ the closing costs the owner
    paid at purchase) (+ the down payment). Amounts due at closing are the liens and the sale closing
    costs of the inputs, so this price depends on the seller's own loan balance. The net-proceeds limit is
    applied as a cap (``cap.net_proceeds``): the improvements' appraised value minus the subsidy that stays
    with the home; since caps are a minimum, this equals ``due + min(available, fair return)``.
    """

    inflation_rate: Decimal
    period: PeriodUnit = PeriodUnit.COMPLETED_YEARS
    include_purchase_closing_costs: bool = True
    include_down_payment: bool = False
    limit_to_net_proceeds: bool = True


@dataclass(frozen=True)
class MortgageBased:
    """§2.9 as a resale formula: the price a household at ``ami_fraction`` of AMI can finance."""

    ami_fraction: Decimal
    terms: MortgageTerms


@dataclass(frozen=True)
class LesserOf:
    """§2.10: the lowest of several formula prices (San Leandro: AMI-compounded and CPI-compounded; add
    the appraisal as an ``AppraisalCap`` and a floor at the price paid)."""

    formulas: tuple[Formula, ...]


Formula = (
    AppraisalShare
    | TimeVestedShare
    | AmiIndexed
    | CpiIndexed
    | AdministeredRate
    | FixedRateSimple
    | FixedRateCompound
    | ItemizedFairReturn
    | MortgageBased
    | LesserOf
)


# ---------------------------------------------------------------------------------------------
# Policy: credits, allowances, caps, the whole policy
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreditRules:
    """Which improvements earn a credit (§3.5).

    ``require_approval``: approved no later than the work started (or, without a start date, was
    completed), for every item or only those costing more than ``approval_required_above`` (CHT VT:
    10,000). ``cost_over`` and ``within_years``: Glen Aspen credits items over 3,000 done within 5 years.
    """

    require_approval: bool = True
    approval_required_above: Decimal | None = None
    require_documentation: bool = True
    cost_over: Decimal | None = None
    within_years: int | None = None


@dataclass(frozen=True)
class SaleAllowance:
    """An allowance added to the price (§3.7): ``pct`` of the subtotal before any allowance (Boulder's
    2.5 % on the subtotal that includes the CI credit) and/or a flat ``amount`` (closing-cost allowance)."""

    label: str
    pct: Decimal = ZERO
    amount: Decimal = ZERO


@dataclass(frozen=True)
class AppraisalCap:
    """The price may not exceed the current appraisal (§3.3: the POP is the lesser of the two)."""

    scope: Scope = Scope.IMPROVEMENTS


@dataclass(frozen=True)
class AffordabilityCap:
    """The price may not exceed what a household at ``ami_fraction`` of AMI can afford (§3.3, §2.9 use 3)."""

    ami_fraction: Decimal
    terms: MortgageTerms


Cap = AppraisalCap | AffordabilityCap


@dataclass(frozen=True)
class ResalePolicy:
    """A resale formula policy: the formula family and every setting where programs differ.

    Defaults follow the §1 order and the plain formula: growth on the price paid, symmetric appreciation,
    credits, deductions and allowances all before the caps, no caps, no floor, rounding to the cent.
    """

    formula: Formula
    growth_base: GrowthBase = GrowthBase.PURCHASE_PRICE
    negative_appreciation: NegativeAppreciation = NegativeAppreciation.SYMMETRIC
    credit_rules: CreditRules = field(default_factory=CreditRules)
    sale_allowances: tuple[SaleAllowance, ...] = ()
    caps: tuple[Cap, ...] = ()
    floor: FloorRule = FloorRule.NONE
    rounding: Rounding = field(default_factory=Rounding)
    credits_timing: Timing = Timing.BEFORE_CAP
    deductions_timing: Timing = Timing.BEFORE_CAP
    allowances_timing: Timing = Timing.BEFORE_CAP


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineItem:
    """One line of the explanation.

    ``code`` is the machine code of the rule (``growth.cpi``, ``cap.appraisal``); ``label`` says in plain
    words what the line is; ``amount`` is how much this line changes the running figure (0 for a line that
    only informs, negative when it lowers it); ``total`` is the running figure after it; ``detail`` shows
    the arithmetic. The amounts of a list add up to its last total.
    """

    code: str
    label: str
    amount: Decimal
    total: Decimal
    detail: str = ""


@dataclass(frozen=True)
class ResaleResult:
    """The price with its explanation.

    ``formula_price``: after the formula (step 3). ``capped_price``: after the caps (step 7).
    ``price``: the final maximum resale price / purchase option price. ``credits_total``: the credits
    granted. ``proceeds_items`` and ``seller_proceeds``: what the seller receives; negative when liens and
    charges exceed the price (the seller must bring money to closing).
    """

    line_items: tuple[LineItem, ...]
    formula_price: Decimal
    capped_price: Decimal
    price: Decimal
    credits_total: Decimal
    proceeds_items: tuple[LineItem, ...]
    seller_proceeds: Decimal


@dataclass(frozen=True)
class TargetIncome:
    """The income the affordability solver prices for: median × size factor × fraction of AMI."""

    annual_income: Decimal
    household_size: Decimal
    size_factor: Decimal
    median: Decimal
    ami_fraction: Decimal


@dataclass(frozen=True)
class AffordablePrice:
    """The solved affordable price (§2.9): ``unrounded_price`` makes the housing cost equal the budget
    exactly; ``price`` is it after ``terms.rounding``."""

    annual_income: Decimal
    monthly_budget: Decimal
    fixed_monthly_costs: Decimal
    cost_per_dollar_of_price: Decimal
    unrounded_price: Decimal
    price: Decimal


@dataclass(frozen=True)
class HousingCost:
    """The monthly housing cost of a price under a set of mortgage terms, by component (unrounded)."""

    loan: Decimal
    principal_and_interest: Decimal
    property_tax: Decimal
    mortgage_insurance: Decimal
    fixed: Decimal
    total: Decimal


@dataclass(frozen=True)
class SubsidyRetention:
    """§7 funder metric: the community investment at purchase and at resale, and their ratio (nominal)."""

    initial: Decimal
    retained: Decimal
    ratio: Decimal | None


# ---------------------------------------------------------------------------------------------
# Validation helpers
# ---------------------------------------------------------------------------------------------


def _dec(value: object, name: str, *, minimum: Decimal | None = ZERO, positive: bool = False) -> Decimal:
    """Check that ``value`` is a finite Decimal within range, naming the field when it is not."""
    if isinstance(value, float):
        raise ResaleInputError(name, "must be a Decimal, not a float (binary floats cannot hold most cents)")
    if not isinstance(value, Decimal):
        raise ResaleInputError(name, f"must be a Decimal, got {type(value).__name__}")
    if not value.is_finite():
        raise ResaleInputError(name, "must be a finite number")
    if positive and value <= 0:
        raise ResaleInputError(name, "must be greater than zero", "positive")
    if minimum is not None and value < minimum:
        if minimum == 0:
            raise ResaleInputError(name, "cannot be negative", "negative")
        raise ResaleInputError(name, f"must be at least {minimum}", "minimum", minimum=minimum)
    return value


def _fraction(value: object, name: str, *, allow_one: bool = True) -> Decimal:
    value = _dec(value, name)
    if value > 1 or (not allow_one and value == 1):
        limit = "at most 1" if allow_one else "below 1"
        raise ResaleInputError(
            name,
            f"is a fraction (0.25 for 25 %) and must be {limit}",
            "fraction" if allow_one else "fraction_below_one",
        )
    return value


def _int(value: object, name: str, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ResaleInputError(name, f"must be a whole number, got {type(value).__name__}")
    if value < minimum:
        raise ResaleInputError(name, f"must be at least {minimum}", "minimum", minimum=minimum)
    return value


def _date(value: object, name: str) -> dt.date:
    # A datetime is a date subclass, but comparing one with a date raises TypeError: refuse it up front.
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ResaleInputError(name, "must be a date (not a datetime)")
    return value


def _enum(value: object, enum: type[StrEnum], name: str) -> None:
    if not isinstance(value, enum):
        choices = ", ".join(member.value for member in enum)
        raise ResaleInputError(name, f"must be one of: {choices}")


def _check_rounding(rounding: object, name: str) -> Rounding:
    if not isinstance(rounding, Rounding):
        raise ResaleInputError(name, "must be a Rounding")
    _enum(rounding.mode, RoundingMode, f"{name}.mode")
    _enum(rounding.direction, RoundingDirection, f"{name}.direction")
    if rounding.mode is RoundingMode.NEAREST and rounding.increment is None:
        raise ResaleInputError(f"{name}.increment", "is required to round to the nearest N")
    if rounding.increment is not None:
        _dec(rounding.increment, f"{name}.increment", positive=True)
    return rounding


def _check_terms(terms: object, name: str) -> MortgageTerms:
    if not isinstance(terms, MortgageTerms):
        raise ResaleInputError(name, "must be MortgageTerms")
    share = _fraction(terms.income_share, f"{name}.income_share")
    if share == 0:
        raise ResaleInputError(f"{name}.income_share", "must be greater than zero")
    _fraction(terms.annual_rate, f"{name}.annual_rate")
    _int(terms.term_months, f"{name}.term_months", minimum=1)
    _fraction(terms.down_payment_pct, f"{name}.down_payment_pct", allow_one=False)
    for attr in (
        "down_payment_cash",
        "property_tax_rate",
        "mortgage_insurance_rate",
        "hazard_insurance_monthly",
        "hoa_monthly",
        "ground_lease_fee_monthly",
        "utilities_monthly",
        "other_monthly",
    ):
        _dec(getattr(terms, attr), f"{name}.{attr}")
    _check_household(terms.household, f"{name}.household")
    if not terms.size_factors:
        raise ResaleInputError(f"{name}.size_factors", "must list the factor for 1 person, 2 persons, …")
    for i, factor in enumerate(terms.size_factors):
        _dec(factor, f"{name}.size_factors[{i}]", positive=True)
    rounding = _check_rounding(terms.rounding, f"{name}.rounding")
    if rounding.mode is RoundingMode.INCREMENT_THEN_MULTIPLY:
        raise ResaleInputError(f"{name}.rounding.mode", "increment_then_multiply applies to fixed-rate formulas only")
    return terms


def _check_household(rule: object, name: str) -> None:
    if not isinstance(rule, HouseholdSize):
        raise ResaleInputError(name, "must be a HouseholdSize")
    if (rule.fixed_persons is None) == (rule.persons_per_bedroom is None):
        raise ResaleInputError(name, "give either fixed_persons or persons_per_bedroom, not both or neither")
    if rule.fixed_persons is not None:
        _dec(rule.fixed_persons, f"{name}.fixed_persons", positive=True)
    else:
        _dec(rule.persons_per_bedroom, f"{name}.persons_per_bedroom", positive=True)
    _dec(rule.studio_persons, f"{name}.studio_persons", positive=True)


def _check_formula(formula: object, name: str) -> None:
    match formula:
        case AppraisalShare():
            _fraction(formula.share, f"{name}.share")
            _enum(formula.baseline, Baseline, f"{name}.baseline")
            _enum(formula.scope, Scope, f"{name}.scope")
            seen: set[int] = set()
            for i, tier in enumerate(formula.tiers):
                _int(tier.min_years, f"{name}.tiers[{i}].min_years")
                _fraction(tier.share, f"{name}.tiers[{i}].share")
                if tier.min_years in seen:
                    raise ResaleInputError(f"{name}.tiers[{i}].min_years", "appears twice")
                seen.add(tier.min_years)
        case TimeVestedShare():
            _fraction(formula.rate_per_year, f"{name}.rate_per_year")
            if formula.vesting_years is not None:
                _int(formula.vesting_years, f"{name}.vesting_years")
                if formula.vesting_years == 0:
                    raise ResaleInputError(
                        f"{name}.vesting_years", "a vesting period of zero years is ambiguous: use None for no vesting"
                    )
            if formula.max_share is not None:
                _fraction(formula.max_share, f"{name}.max_share")
            _enum(formula.baseline, Baseline, f"{name}.baseline")
            _enum(formula.scope, Scope, f"{name}.scope")
        case AmiIndexed() | CpiIndexed():
            pass
        case AdministeredRate():
            if not formula.rates:
                raise ResaleInputError(f"{name}.rates", "must list at least one year's rate")
            years: set[int] = set()
            for i, annual in enumerate(formula.rates):
                _int(annual.year, f"{name}.rates[{i}].year", minimum=1)
                _fraction(annual.rate, f"{name}.rates[{i}].rate")
                if annual.year in years:
                    raise ResaleInputError(f"{name}.rates[{i}].year", f"{annual.year} appears twice")
                years.add(annual.year)
            _enum(formula.period, PeriodUnit, f"{name}.period")
            if formula.period is PeriodUnit.DAYS:
                raise ResaleInputError(f"{name}.period", "an annual-rate table counts whole years or whole months")
            _enum(formula.rate_year, RateYear, f"{name}.rate_year")
        case FixedRateSimple() | FixedRateCompound():
            _fraction(formula.rate, f"{name}.rate")
            _enum(formula.period, PeriodUnit, f"{name}.period")
        case ItemizedFairReturn():
            _fraction(formula.inflation_rate, f"{name}.inflation_rate")
            _enum(formula.period, PeriodUnit, f"{name}.period")
        case MortgageBased():
            _dec(formula.ami_fraction, f"{name}.ami_fraction", positive=True)
            _check_terms(formula.terms, f"{name}.terms")
        case LesserOf():
            if len(formula.formulas) < 2:
                raise ResaleInputError(f"{name}.formulas", "a 'lesser of' rule needs at least two formulas")
            for i, inner in enumerate(formula.formulas):
                _check_formula(inner, f"{name}.formulas[{i}]")
        case _:
            raise ResaleInputError(name, f"unknown formula family {type(formula).__name__}")


def _families(formula: Formula) -> list[Formula]:
    """The formula and, for a 'lesser of' rule, every formula inside it."""
    if isinstance(formula, LesserOf):
        return [f for inner in formula.formulas for f in _families(inner)]
    return [formula]


def _check_policy(policy: object) -> ResalePolicy:
    if not isinstance(policy, ResalePolicy):
        raise ResaleInputError("policy", "must be a ResalePolicy")
    _check_formula(policy.formula, "formula")
    _enum(policy.growth_base, GrowthBase, "growth_base")
    _enum(policy.negative_appreciation, NegativeAppreciation, "negative_appreciation")
    _enum(policy.floor, FloorRule, "floor")
    for attr in ("credits_timing", "deductions_timing", "allowances_timing"):
        _enum(getattr(policy, attr), Timing, attr)
    rules = policy.credit_rules
    if rules.approval_required_above is not None:
        _dec(rules.approval_required_above, "credit_rules.approval_required_above")
    if rules.cost_over is not None:
        _dec(rules.cost_over, "credit_rules.cost_over")
    if rules.within_years is not None:
        _int(rules.within_years, "credit_rules.within_years", minimum=1)
    for i, allowance in enumerate(policy.sale_allowances):
        _fraction(allowance.pct, f"sale_allowances[{i}].pct")
        _dec(allowance.amount, f"sale_allowances[{i}].amount")
    for i, cap in enumerate(policy.caps):
        match cap:
            case AppraisalCap():
                _enum(cap.scope, Scope, f"caps[{i}].scope")
            case AffordabilityCap():
                _dec(cap.ami_fraction, f"caps[{i}].ami_fraction", positive=True)
                _check_terms(cap.terms, f"caps[{i}].terms")
            case _:
                raise ResaleInputError(f"caps[{i}]", f"unknown cap {type(cap).__name__}")
    rounding = _check_rounding(policy.rounding, "rounding")
    if rounding.mode is RoundingMode.INCREMENT_THEN_MULTIPLY and not any(
        isinstance(f, FixedRateSimple | AdministeredRate) for f in _families(policy.formula)
    ):
        raise ResaleInputError(
            "rounding.mode", "increment_then_multiply needs a fixed-rate simple or administered-rate formula"
        )
    return policy


def check_policy(policy: ResalePolicy) -> ResalePolicy:
    """``policy`` if every parameter is in range, else ``ResaleInputError`` naming the first that is not.

    ``compute_resale`` checks the same; this lets a policy be checked before it is stored.
    """
    with localcontext(_CONTEXT):
        return _check_policy(policy)


def _check_appraisal(appraisal: Appraisal | None, name: str, purchase_date: dt.date) -> None:
    if appraisal is None:
        return
    if not isinstance(appraisal, Appraisal):
        raise ResaleInputError(name, "must be an Appraisal")
    for attr in ("total", "land", "improvements"):
        if getattr(appraisal, attr) is not None:
            _dec(getattr(appraisal, attr), f"{name}.{attr}")
    total, land, improvements = appraisal.total, appraisal.land, appraisal.improvements
    if total is not None and land is not None and land > total:
        raise ResaleInputError(
            f"{name}.land", "the land cannot be worth more than the whole property", "land_over_total"
        )
    if None not in (total, land, improvements) and land + improvements != total:
        raise ResaleInputError(f"{name}.improvements", "land and improvements must add up to the total", "parts_total")
    if appraisal.effective_date is not None:
        _date(appraisal.effective_date, f"{name}.effective_date")
        if name == "resale_appraisal" and appraisal.effective_date < purchase_date:
            raise ResaleInputError(f"{name}.effective_date", "is before the purchase date", "before_purchase")


def _check_index(value: IndexValue | None, name: str, on: dt.date, what: str) -> None:
    if value is None:
        return
    if not isinstance(value, IndexValue):
        raise ResaleInputError(name, "must be an IndexValue (use value_in_effect on the series)")
    _dec(value.value, f"{name}.value", positive=True)
    if value.effective_from is not None:
        _date(value.effective_from, f"{name}.effective_from")
        if value.effective_from > on:
            raise ResaleInputError(
                name,
                f"is in effect from {value.effective_from.isoformat()}, after the {what} {on.isoformat()}",
                "index_after",
                effective_from=value.effective_from,
                on=on,
            )


def _check_charges(charges: object, name: str) -> None:
    if not isinstance(charges, tuple):
        raise ResaleInputError(name, "must be a tuple of Charge")
    for i, charge in enumerate(charges):
        if not isinstance(charge, Charge):
            raise ResaleInputError(f"{name}[{i}]", "must be a Charge")
        _dec(charge.amount, f"{name}[{i}].amount")


def _check_improvement(item: object, name: str) -> None:
    if not isinstance(item, CapitalImprovement):
        raise ResaleInputError(name, "must be a CapitalImprovement")
    _dec(item.cost, f"{name}.cost")
    _date(item.completed_on, f"{name}.completed_on")
    _enum(item.method, CreditMethod, f"{name}.method")
    _fraction(item.credit_pct, f"{name}.credit_pct")
    for attr in ("approved_on", "started_on"):
        if getattr(item, attr) is not None:
            _date(getattr(item, attr), f"{name}.{attr}")
    if item.started_on is not None and item.started_on > item.completed_on:
        raise ResaleInputError(f"{name}.started_on", "is after the completion date")
    if item.method is CreditMethod.APPRAISED_VALUE:
        if item.appraised_value is None:
            raise ResaleInputError(f"{name}.appraised_value", "is required for the appraised-value method")
        _dec(item.appraised_value, f"{name}.appraised_value")
    if item.method is CreditMethod.DEPRECIATED_COST:
        if item.useful_life_years is None:
            raise ResaleInputError(f"{name}.useful_life_years", "is required to depreciate the cost")
        _int(item.useful_life_years, f"{name}.useful_life_years", minimum=1)
    if item.method is CreditMethod.FIXED_VALUE:
        if item.fixed_value is None:
            raise ResaleInputError(f"{name}.fixed_value", "is required for the fixed-value method")
        _dec(item.fixed_value, f"{name}.fixed_value")


def _check_inputs(inputs: object) -> ResaleInputs:
    if not isinstance(inputs, ResaleInputs):
        raise ResaleInputError("inputs", "must be ResaleInputs")
    _dec(inputs.purchase_price, "purchase_price", positive=True)
    purchase = _date(inputs.purchase_date, "purchase_date")
    determination = _date(inputs.determination_date, "determination_date")
    if determination < purchase:
        raise ResaleInputError("determination_date", "is before the purchase date", "before_purchase")
    _check_appraisal(inputs.initial_appraisal, "initial_appraisal", purchase)
    _check_appraisal(inputs.resale_appraisal, "resale_appraisal", purchase)
    if inputs.investment_basis is not None:
        _dec(inputs.investment_basis, "investment_basis", positive=True)
    _check_index(inputs.cpi_at_purchase, "cpi_at_purchase", purchase, "purchase date")
    _check_index(inputs.cpi_at_determination, "cpi_at_determination", determination, "determination date")
    _check_index(inputs.ami_at_purchase, "ami_at_purchase", purchase, "purchase date")
    _check_index(inputs.ami_at_determination, "ami_at_determination", determination, "determination date")
    if inputs.bedrooms is not None:
        _int(inputs.bedrooms, "bedrooms")
    for i, item in enumerate(inputs.capital_improvements):
        _check_improvement(item, f"capital_improvements[{i}]")
    for name in ("price_deductions", "liens", "sale_closing_costs", "arrears", "fees", "proceeds_deductions"):
        _check_charges(getattr(inputs, name), name)
    for name in ("principal_paid", "down_payment", "purchase_closing_costs"):
        if getattr(inputs, name) is not None:
            _dec(getattr(inputs, name), name)
    _dec(inputs.retained_subsidy, "retained_subsidy")
    return inputs


# ---------------------------------------------------------------------------------------------
# Dates and periods (§3.8)
# ---------------------------------------------------------------------------------------------


def completed_months(start: dt.date, end: dt.date) -> int:
    """Whole months from ``start`` to ``end``: the largest m with ``add_months(start, m) <= end``.
    Completed years are ``completed_months // 12`` (anniversaries)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    while months > 0 and add_months(start, months) > end:
        months -= 1
    return max(months, 0)


@dataclass(frozen=True)
class _Period:
    """Time owned as an exact fraction of years, ``numerator / denominator``, with its plain wording."""

    numerator: int
    denominator: int
    text: str

    @property
    def years(self) -> Decimal:
        return Decimal(self.numerator) / self.denominator


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _period(unit: PeriodUnit, start: dt.date, end: dt.date) -> _Period:
    if unit is PeriodUnit.COMPLETED_YEARS:
        years = completed_months(start, end) // 12
        return _Period(years, 1, _plural(years, "full year"))
    if unit is PeriodUnit.WHOLE_MONTHS:
        months = completed_months(start, end)
        return _Period(months, 12, f"{_plural(months, 'whole month')} ({months}/12 of a year)")
    days = (end - start).days
    return _Period(days, 365, f"{_plural(days, 'day')} ({days}/365 of a year)")


# ---------------------------------------------------------------------------------------------
# Index series
# ---------------------------------------------------------------------------------------------


def value_in_effect(
    series: Iterable[tuple[dt.date, Decimal]],
    on: dt.date,
    *,
    name: str = "series",
    max_age: dt.timedelta | None = None,
) -> IndexValue:
    """The value in effect on ``on``: the one with the latest effective date not after it (§2.3, §3.8).

    ``series`` is (effective date, value) pairs in any order. Raises ``ResaleInputError(name, …)`` when the
    series is empty, starts after ``on``, repeats a date with different values, or, given ``max_age``,
    when the latest value is older than that (a gap in the series, such as CPI-U's missing October 2025,
    must not silently hand back a stale value).
    """
    with localcontext(_CONTEXT):
        _date(on, "on")
        best: tuple[dt.date, Decimal] | None = None
        seen: dict[dt.date, Decimal] = {}
        for i, pair in enumerate(series):
            try:
                effective, value = pair
            except (TypeError, ValueError):
                raise ResaleInputError(f"{name}[{i}]", "must be a (date, value) pair") from None
            _date(effective, f"{name}[{i}] date")
            _dec(value, f"{name}[{i}] value")
            if effective in seen and seen[effective] != value:
                raise ResaleInputError(name, f"has two different values for {effective.isoformat()}")
            seen[effective] = value
            if effective <= on and (best is None or effective > best[0]):
                best = (effective, value)
        if not seen:
            raise ResaleInputError(name, "is empty", "index_empty")
        if best is None:
            first = min(seen)
            raise ResaleInputError(
                name,
                f"has no value in effect on {on.isoformat()}: its first value is from {first.isoformat()}",
                "index_before_first",
                on=on,
                first=first,
            )
        if max_age is not None and on - best[0] > max_age:
            raise ResaleInputError(
                name,
                f"has no value in effect on {on.isoformat()}: the latest, from {best[0].isoformat()}, is more "
                f"than {max_age.days} days old",
                "index_stale",
                on=on,
                latest=best[0],
                days=max_age.days,
            )
        return IndexValue(value=best[1], effective_from=best[0], series=name)


# ---------------------------------------------------------------------------------------------
# Rounding (§3.9)
# ---------------------------------------------------------------------------------------------

_DIRECTION = {
    RoundingDirection.NEAREST: ROUND_HALF_UP,
    RoundingDirection.DOWN: ROUND_FLOOR,
    RoundingDirection.UP: ROUND_CEILING,
}


def _step(rounding: Rounding) -> Decimal | None:
    """The unit the final price is rounded to, or None for no rounding."""
    match rounding.mode:
        case RoundingMode.NONE:
            return None
        case RoundingMode.CENT | RoundingMode.INCREMENT_THEN_MULTIPLY:
            return CENT
        case RoundingMode.DOLLAR:
            return ONE
        case _:
            return rounding.increment


def _to_multiple(amount: Decimal, unit: Decimal, direction: RoundingDirection) -> Decimal:
    # Count whole units with the chosen rounding, multiply back, and show cents (a stored price has 2
    # places). Exact: amount / unit has far fewer than 34 digits for any price.
    return ((amount / unit).quantize(ONE, rounding=_DIRECTION[direction]) * unit).quantize(CENT)


def round_amount(amount: Decimal, rounding: Rounding) -> Decimal:
    """``amount`` rounded by the rule (halves up unless the direction says down or up)."""
    with localcontext(_CONTEXT):
        _check_rounding(rounding, "rounding")
        _dec(amount, "amount", minimum=None)
        unit = _step(rounding)
        return amount if unit is None else _to_multiple(amount, unit, rounding.direction)


def _round_increment(amount: Decimal, rounding: Rounding) -> Decimal:
    """The annual increment rounded before it is multiplied (increment_then_multiply; default a dollar)."""
    return _to_multiple(amount, rounding.increment or ONE, rounding.direction)


# ---------------------------------------------------------------------------------------------
# Text for the explanation
# ---------------------------------------------------------------------------------------------


def _money(amount: Decimal) -> str:
    return f"{amount.quantize(CENT, rounding=ROUND_HALF_UP):,.2f}"


def _pct(fraction: Decimal) -> str:
    return f"{(fraction * _HUNDRED).normalize():f}%"


def _num(value: Decimal) -> str:
    return f"{value:,f}"


def _persons(value: Decimal) -> str:
    return f"{value.normalize():f}"


# ---------------------------------------------------------------------------------------------
# The mortgage-based affordable price (§2.9)
# ---------------------------------------------------------------------------------------------


def household_size(bedrooms: int | None, rule: HouseholdSize) -> Decimal:
    """The household size a home is priced for: a fixed size, or persons per bedroom (studio: its own)."""
    with localcontext(_CONTEXT):
        _check_household(rule, "household")
        if rule.fixed_persons is not None:
            return rule.fixed_persons
        if bedrooms is None:
            raise ResaleInputError("bedrooms", "is required to derive the household size from bedrooms")
        _int(bedrooms, "bedrooms")
        return rule.studio_persons if bedrooms == 0 else rule.persons_per_bedroom * bedrooms


def size_factor(size: Decimal, factors: Sequence[Decimal] = HUD_SIZE_FACTORS) -> Decimal:
    """The factor applied to the four-person median for a household of ``size`` (1-based ``factors``),
    interpolated linearly between whole sizes (Connecticut: half persons interpolated)."""
    with localcontext(_CONTEXT):
        _dec(size, "household_size", positive=True)
        if size < 1 or size > len(factors):
            raise ResaleInputError(
                "household_size", f"{_persons(size)} persons is outside the size table (1 to {len(factors)})"
            )
        whole = int(size)  # floor: size >= 1
        low = factors[whole - 1]
        if size == whole:
            return low
        return low + (factors[whole] - low) * (size - whole)


def target_income(median: Decimal, ami_fraction: Decimal, size: Decimal, factors: Sequence[Decimal]) -> TargetIncome:
    """Annual income of the target household: four-person median × size factor × fraction of AMI (§2.9
    ``AMI_limit(pct, household_size)``). HUD's published 80 % limits are capped and are not 0.8 × median
    (hud_ami.md); a program priced on those passes the published limit to ``affordable_price`` itself."""
    with localcontext(_CONTEXT):
        factor = size_factor(size, factors)
        return TargetIncome(
            annual_income=median * factor * ami_fraction,
            household_size=size,
            size_factor=factor,
            median=median,
            ami_fraction=ami_fraction,
        )


def _payment_factor(terms: MortgageTerms) -> Decimal:
    """Monthly principal and interest per dollar borrowed: r / (1 - (1 + r)^-n), or 1/n at a zero rate."""
    rate = terms.annual_rate / _TWELVE
    if rate == 0:
        return ONE / terms.term_months
    return rate / (ONE - (ONE + rate) ** -terms.term_months)


def _fixed_monthly(terms: MortgageTerms) -> Decimal:
    return (
        terms.hazard_insurance_monthly
        + terms.hoa_monthly
        + terms.ground_lease_fee_monthly
        + terms.utilities_monthly
        + terms.other_monthly
    )


def housing_cost(price: Decimal, terms: MortgageTerms) -> HousingCost:
    """Monthly housing cost of ``price``: principal and interest, tax, mortgage insurance and fixed costs."""
    with localcontext(_CONTEXT):
        _check_terms(terms, "terms")
        _dec(price, "price")
        loan = price * (ONE - terms.down_payment_pct) - terms.down_payment_cash
        if loan < 0:
            raise ResaleInputError("terms.down_payment_cash", "is more than the price less the percentage down")
        pi = loan * _payment_factor(terms)
        tax = price * terms.property_tax_rate / _TWELVE
        mi = loan * terms.mortgage_insurance_rate / _TWELVE
        fixed = _fixed_monthly(terms)
        return HousingCost(
            loan=loan,
            principal_and_interest=pi,
            property_tax=tax,
            mortgage_insurance=mi,
            fixed=fixed,
            total=pi + tax + mi + fixed,
        )


def affordable_price(annual_income: Decimal, terms: MortgageTerms) -> AffordablePrice:
    """Solve housing_cost(P) = annual_income × income_share / 12 for the price P (§2.9).

    Every cost is a share of the price, a share of the loan or a fixed amount, so the cost is linear in P::

        cost(P) = k × P - cash × (pmt + mi / 12) + fixed,  k = pmt × (1 - d) + tax / 12 + mi × (1 - d) / 12

    and P = (budget - fixed + cash × (pmt + mi / 12)) / k, unrounded; then ``terms.rounding``.
    """
    with localcontext(_CONTEXT):
        _check_terms(terms, "terms")
        _dec(annual_income, "annual_income", positive=True)
        budget = annual_income * terms.income_share / _TWELVE
        fixed = _fixed_monthly(terms)
        if fixed >= budget:
            raise ResaleInputError(
                "terms",
                f"the fixed monthly costs ({_money(fixed)}) use up the whole housing budget ({_money(budget)}): "
                "no price is affordable",
            )
        pmt = _payment_factor(terms)
        loan_share = ONE - terms.down_payment_pct
        per_dollar = (
            pmt * loan_share + terms.property_tax_rate / _TWELVE + terms.mortgage_insurance_rate * loan_share / _TWELVE
        )
        cash_credit = terms.down_payment_cash * (pmt + terms.mortgage_insurance_rate / _TWELVE)
        unrounded = (budget - fixed + cash_credit) / per_dollar
        if unrounded * loan_share < terms.down_payment_cash:
            raise ResaleInputError(
                "terms.down_payment_cash", "is more than the affordable price less the percentage down"
            )
        unit = _step(terms.rounding)
        price = unrounded if unit is None else _to_multiple(unrounded, unit, terms.rounding.direction)
        return AffordablePrice(
            annual_income=annual_income,
            monthly_budget=budget,
            fixed_monthly_costs=fixed,
            cost_per_dollar_of_price=per_dollar,
            unrounded_price=unrounded,
            price=price,
        )


def income_needed(price: Decimal, terms: MortgageTerms) -> Decimal:
    """The annual income for which ``price`` costs exactly ``income_share`` of income (§7: affordability
    at purchase and at resale, divided by the size-adjusted AMI, gives "% of AMI needed")."""
    with localcontext(_CONTEXT):
        return housing_cost(price, terms).total * _TWELVE / terms.income_share


def subsidy_retention(
    *,
    market_value_at_purchase: Decimal,
    purchase_price: Decimal,
    market_value_at_resale: Decimal,
    resale_price: Decimal,
) -> SubsidyRetention:
    """§7: initial community investment (market value - buyer's price) and what is retained at resale
    (market value at resale - resale price), with retained ÷ initial in nominal dollars."""
    with localcontext(_CONTEXT):
        for name, value in (
            ("market_value_at_purchase", market_value_at_purchase),
            ("purchase_price", purchase_price),
            ("market_value_at_resale", market_value_at_resale),
            ("resale_price", resale_price),
        ):
            _dec(value, name)
        initial = market_value_at_purchase - purchase_price
        retained = market_value_at_resale - resale_price
        return SubsidyRetention(initial=initial, retained=retained, ratio=retained / initial if initial else None)


# ---------------------------------------------------------------------------------------------
# The pipeline
# ---------------------------------------------------------------------------------------------


class _Lines:
    """Accumulates line items and the running total."""

    def __init__(self) -> None:
        self.items: list[LineItem] = []
        self.total = ZERO

    def add(self, code: str, label: str, amount: Decimal, detail: str = "") -> None:
        # The running total keeps the engine's 34 digits; the amount shown is then exactly the change in
        # it, so the amounts of the list always add up to its totals.
        exact = _LEDGER.add(self.total, amount)
        total = _CONTEXT.plus(exact)
        if total != exact:
            amount = _LEDGER.subtract(total, self.total)
        self.total = total
        self.items.append(LineItem(code=code, label=label, amount=amount, total=total, detail=detail))

    def note(self, code: str, label: str, detail: str = "") -> None:
        self.add(code, label, ZERO, detail)

    def set_to(self, code: str, label: str, value: Decimal, detail: str = "") -> None:
        # Assign the new total rather than add the difference, so a rounded price keeps its 2 places.
        amount, self.total = _LEDGER.subtract(value, self.total), value
        self.items.append(LineItem(code=code, label=label, amount=amount, total=value, detail=detail))


@dataclass(frozen=True)
class _Part:
    code: str
    label: str
    amount: Decimal
    detail: str = ""


@dataclass(frozen=True)
class _Outcome:
    """A formula's price as the parts that add up to it; ``appreciation`` marks families whose growth the
    negative-appreciation setting governs."""

    price: Decimal
    parts: tuple[_Part, ...]
    appreciation: bool
    summary: str


@dataclass(frozen=True)
class _Credit:
    item: CapitalImprovement
    amount: Decimal
    reason: str | None
    detail: str


class _Engine:
    """One computation: the policy, the inputs and what has been derived from them."""

    def __init__(self, policy: ResalePolicy, inputs: ResaleInputs):
        self.policy = policy
        self.inputs = inputs
        self.p0 = inputs.purchase_price
        self.credits = [self._credit(item) for item in inputs.capital_improvements]

    # -- shared lookups ------------------------------------------------------------------------

    @property
    def base(self) -> Decimal:
        if self.policy.growth_base is GrowthBase.INVESTMENT_BASIS:
            if self.inputs.investment_basis is None:
                raise ResaleInputError("investment_basis", "is required when growth is computed on it")
            return self.inputs.investment_basis
        return self.p0

    def base_text(self) -> str:
        if self.policy.growth_base is GrowthBase.INVESTMENT_BASIS:
            return f"your investment basis of {_money(self.base)} (the price less subsidies)"
        return f"the {_money(self.p0)} you paid"

    def appraised(self, attr: str, scope: Scope, purpose: str) -> Decimal:
        appraisal: Appraisal | None = getattr(self.inputs, attr)
        if appraisal is None:
            raise ResaleInputError(attr, f"is required by {purpose}", "required")
        if scope is Scope.TOTAL:
            if appraisal.total is None:
                raise ResaleInputError(
                    f"{attr}.total", f"the whole property's value is required by {purpose}", "required"
                )
            return appraisal.total
        if appraisal.improvements is not None:
            return appraisal.improvements
        if appraisal.total is not None and appraisal.land is not None:
            return appraisal.total - appraisal.land
        raise ResaleInputError(
            f"{attr}.improvements",
            f"the improvements' value (or the total and the land value) is required by {purpose}",
            "required_improvements",
        )

    def index(self, attr: str, purpose: str) -> IndexValue:
        value: IndexValue | None = getattr(self.inputs, attr)
        if value is None:
            raise ResaleInputError(attr, f"is required by {purpose}", "required")
        return value

    def period(self, unit: PeriodUnit) -> _Period:
        return _period(unit, self.inputs.purchase_date, self.inputs.determination_date)

    def completed_years(self) -> int:
        return completed_months(self.inputs.purchase_date, self.inputs.determination_date) // 12

    def target(self, ami_fraction: Decimal, terms: MortgageTerms, purpose: str) -> TargetIncome:
        median = self.index("ami_at_determination", purpose).value
        if terms.household.fixed_persons is None and self.inputs.bedrooms is None:
            raise ResaleInputError("bedrooms", f"is required by {purpose} to size the household")
        size = household_size(self.inputs.bedrooms, terms.household)
        return target_income(median, ami_fraction, size, terms.size_factors)

    def affordable(self, ami_fraction: Decimal, terms: MortgageTerms, purpose: str) -> tuple[AffordablePrice, str]:
        target = self.target(ami_fraction, terms, purpose)
        # A portfolio asks the same question for every home of a size under one program on one date: the
        # answer depends only on the terms (this very object, held by the cache so its id stays its own)
        # and on the figures as written (their text, so 1.0 and 1.00 are not confused).
        key = (
            id(terms),
            str(ami_fraction),
            str(target.annual_income),
            str(target.median),
            str(target.size_factor),
            str(target.household_size),
        )
        found = _AFFORDABLE.get(key)
        if found is not None and found[0] is terms:
            return found[1], found[2]
        solved, detail = self._affordable(target, ami_fraction, terms)
        if len(_AFFORDABLE) >= _AFFORDABLE_SIZE:
            _AFFORDABLE.clear()
        _AFFORDABLE[key] = (terms, solved, detail)
        return solved, detail

    @staticmethod
    def _affordable(target: TargetIncome, ami_fraction: Decimal, terms: MortgageTerms) -> tuple[AffordablePrice, str]:
        solved = affordable_price(target.annual_income, terms)
        costs = [f"{_pct(terms.income_share)} of income for housing"]
        costs.append(f"a {terms.term_months}-month loan at {_pct(terms.annual_rate)}")
        if terms.down_payment_pct or terms.down_payment_cash:
            down = [_pct(terms.down_payment_pct)] if terms.down_payment_pct else []
            down += [_money(terms.down_payment_cash)] if terms.down_payment_cash else []
            costs.append(" + ".join(down) + " down")
        if terms.property_tax_rate:
            costs.append(f"property tax {_pct(terms.property_tax_rate)} of the price a year")
        if terms.mortgage_insurance_rate:
            costs.append(f"mortgage insurance {_pct(terms.mortgage_insurance_rate)} of the loan a year")
        if solved.fixed_monthly_costs:
            costs.append(f"{_money(solved.fixed_monthly_costs)} a month of insurance, fees and other costs")
        detail = (
            f"A household of {_persons(target.household_size)} people at {_pct(ami_fraction)} of the area "
            f"median income earns {_money(target.median)} × {_pct(target.size_factor)} × {_pct(ami_fraction)} = "
            f"{_money(target.annual_income)} a year, so it can spend {_money(solved.monthly_budget)} a month; "
            f"with {', '.join(costs)}, that pays for {_money(solved.unrounded_price)}"
        )
        if solved.price != solved.unrounded_price:
            detail += f", rounded to {_money(solved.price)}"
        return solved, detail

    # -- capital-improvement credits (§3.5) ----------------------------------------------------

    def _credit(self, item: CapitalImprovement) -> _Credit:
        rules = self.policy.credit_rules
        on = self.inputs.determination_date

        def refused(reason: str) -> _Credit:
            return _Credit(item, ZERO, reason, "")

        if item.completed_on > on:
            return refused(f"it was not finished by {on.isoformat()}")
        if item.maintenance:
            return refused("ordinary maintenance earns no credit")
        if rules.require_documentation and not item.documented:
            return refused("its cost is not documented")
        needs_approval = rules.require_approval and (
            rules.approval_required_above is None or item.cost > rules.approval_required_above
        )
        if needs_approval:
            work_began = item.started_on or item.completed_on
            if item.approved_on is None or item.approved_on > work_began:
                return refused("it was not approved before the work")
        if rules.cost_over is not None and item.cost <= rules.cost_over:
            return refused(f"it cost {_money(item.cost)}, not more than {_money(rules.cost_over)}")
        if rules.within_years is not None and item.completed_on < add_months(on, -12 * rules.within_years):
            return refused(f"it was done more than {_plural(rules.within_years, 'year')} before the sale")
        pct = item.credit_pct
        share = "" if pct == 1 else f"{_pct(pct)} of "
        match item.method:
            case CreditMethod.APPRAISED_VALUE:
                amount = item.appraised_value * pct
                detail = f"{share}the {_money(item.appraised_value)} of value an appraiser attributes to it"
            case CreditMethod.DEPRECIATED_COST:
                life = item.useful_life_years * 12
                used = min(completed_months(item.completed_on, on), life)
                amount = item.cost * pct * (life - used) / life
                detail = (
                    f"{share}its cost of {_money(item.cost)}, less straight-line wear: {used} of its "
                    f"{life} months of useful life used"
                )
            case CreditMethod.PERCENT_OF_COST:
                amount = item.cost * pct
                detail = f"{share}its cost of {_money(item.cost)}"
            case _:
                amount = item.fixed_value * pct
                detail = f"{share}the standard value of {_money(item.fixed_value)} for this kind of work"
        return _Credit(item, amount, None, detail)

    def appraised_credit_value(self) -> Decimal:
        """The part of the resale appraisal credited as appraiser-isolated improvement value: the owner
        already receives it, so it is kept out of the shared appreciation (CHT VT, §2.1). A part not
        credited (``credit_pct`` below 1) stays in the appreciation and is shared."""
        return sum(
            (c.amount for c in self.credits if c.reason is None and c.item.method is CreditMethod.APPRAISED_VALUE),
            ZERO,
        )

    # -- formula families (§2) -----------------------------------------------------------------

    def _base_part(self) -> _Part:
        return _Part("base.purchase_price", "The price you paid", self.p0)

    def _growth(self, code: str, label: str, growth: Decimal, detail: str) -> _Outcome:
        return _Outcome(
            price=self.p0 + growth,
            parts=(self._base_part(), _Part(code, label, growth, detail)),
            appreciation=True,
            summary=detail,
        )

    def _share_of_appreciation(
        self, formula: AppraisalShare | TimeVestedShare, share: Decimal, why: str
    ) -> tuple[Decimal, str]:
        purpose = "an appraisal-based formula"
        scope_text = "the whole property" if formula.scope is Scope.TOTAL else "the home without the land"
        now = self.appraised("resale_appraisal", formula.scope, purpose)
        if formula.baseline is Baseline.INITIAL_APPRAISAL:
            then = self.appraised("initial_appraisal", formula.scope, purpose)
            then_text = f"its appraised value at purchase, {_money(then)}"
        else:
            then = self.p0
            then_text = f"the {_money(then)} you paid"
        excluded = self.appraised_credit_value() if formula.net_of_appraised_credits else ZERO
        appreciation = now - then - excluded
        detail = f"{why}: {_pct(share)} of the change in the value of {scope_text} from {then_text} to {_money(now)}"
        if excluded:
            detail += f", leaving out the {_money(excluded)} credited for improvements"
        detail += f": {_pct(share)} × {_money(appreciation)}"
        return share * appreciation, detail

    def formula(self, formula: Formula) -> _Outcome:
        match formula:
            case AppraisalShare():
                share, years = formula.share, self.completed_years()
                why = f"your share is {_pct(share)}"
                for tier in sorted(formula.tiers, key=lambda t: t.min_years):
                    if years >= tier.min_years:
                        share = tier.share
                        why = f"after {_plural(years, 'full year')} your share is {_pct(share)}"
                growth, detail = self._share_of_appreciation(formula, share, why)
                return self._growth(
                    "growth.appraisal_share", f"Your {_pct(share)} share of the rise in value", growth, detail
                )

            case TimeVestedShare():
                years = self.completed_years()
                if formula.vesting_years is not None and years < formula.vesting_years:
                    share = ZERO
                    why = (
                        f"sold after {_plural(years, 'full year')}, within the first "
                        f"{_plural(formula.vesting_years, 'year')}, so no share"
                    )
                else:
                    share = formula.rate_per_year * years
                    why = f"{_pct(formula.rate_per_year)} for each of {_plural(years, 'full year')}"
                    if formula.max_share is not None and share > formula.max_share:
                        share = formula.max_share
                        why += f", at most {_pct(share)}"
                growth, detail = self._share_of_appreciation(formula, share, why)
                return self._growth(
                    "growth.time_vested_share",
                    "Your share of the rise in value, growing with the years you owned",
                    growth,
                    detail,
                )

            case AmiIndexed() | CpiIndexed():
                kind = "ami" if isinstance(formula, AmiIndexed) else "cpi"
                purpose = "the AMI-indexed formula" if kind == "ami" else "the CPI-indexed formula"
                then = self.index(f"{kind}_at_purchase", purpose)
                now = self.index(f"{kind}_at_determination", purpose)
                base = self.base
                # The ratio of raw index levels, not a rounded percentage (§2.3); divide last.
                growth = base * (now.value - then.value) / then.value
                what = "area median income" if kind == "ami" else "the consumer price index"
                detail = f"{self.base_text()} × ({what} now {_num(now.value)} ÷ at purchase {_num(then.value)} − 1)"
                label = (
                    "Change in area median income since you bought"
                    if kind == "ami"
                    else "Change in consumer prices (inflation) since you bought"
                )
                return self._growth(f"growth.{kind}", label, growth, detail)

            case AdministeredRate():
                return self._administered(formula)

            case FixedRateSimple():
                period = self.period(formula.period)
                base = self.base
                if self.policy.rounding.mode is RoundingMode.INCREMENT_THEN_MULTIPLY:
                    # §3.9: the published schedule rounds the annual increment, then multiplies.
                    increment = _round_increment(base * formula.rate, self.policy.rounding)
                    growth = increment * period.numerator / period.denominator
                    detail = (
                        f"{_pct(formula.rate)} of {self.base_text()} is {_money(base * formula.rate)} a year, "
                        f"rounded to {_money(increment)}, × {period.text}"
                    )
                else:
                    growth = base * formula.rate * period.numerator / period.denominator
                    detail = f"{_pct(formula.rate)} of {self.base_text()} × {period.text}, not compounded"
                return self._growth(
                    "growth.fixed_simple", f"A fixed {_pct(formula.rate)} a year of the price", growth, detail
                )

            case FixedRateCompound():
                period = self.period(formula.period)
                rate = ONE + formula.rate
                try:
                    # Whole years: an exact integer power. Otherwise a fractional exponent (correct to 34 digits).
                    factor = rate**period.numerator if period.denominator == 1 else rate**period.years
                    growth = self.base * (factor - ONE)
                except Overflow:
                    raise _price_too_large() from None
                # Inputs each within range can compound past what 34 digits hold to the cent (2 % from 2020
                # to 9999 is 10^73): no price, and the only growth that can get there, so it is said here.
                if abs(growth) >= _BEYOND_CENTS:
                    raise _price_too_large()
                detail = f"{self.base_text()} × ((1 + {_pct(formula.rate)}) to the power of {period.text} − 1)"
                return self._growth(
                    "growth.fixed_compound", f"A fixed {_pct(formula.rate)} a year, compounded", growth, detail
                )

            case ItemizedFairReturn():
                return self._itemized(formula)

            case MortgageBased():
                solved, detail = self.affordable(formula.ami_fraction, formula.terms, "the mortgage-based formula")
                label = f"The price a household at {_pct(formula.ami_fraction)} of area median income can afford"
                return _Outcome(
                    solved.price, (_Part("mortgage.affordable_price", label, solved.price, detail),), False, detail
                )

            case LesserOf():
                outcomes = [self.formula(inner) for inner in formula.formulas]
                # Where the program does not share a fall in value, an appreciation part competes at the
                # price it would really give (stopped at the base), not below it: otherwise a part that
                # is not about appreciation (an affordable price) would lose to a floor applied later.
                zero = self.policy.negative_appreciation is NegativeAppreciation.ZERO

                def competing(outcome: _Outcome) -> Decimal:
                    return max(outcome.price, self.p0) if zero and outcome.appreciation else outcome.price

                chosen = min(outcomes, key=competing)  # the first of equal prices
                parts = [self._base_part()]
                for inner, outcome in zip(formula.formulas, outcomes, strict=True):
                    code = outcome.parts[-1].code.split(".", 1)[1]
                    parts.append(
                        _Part(
                            f"candidate.{code}",
                            f"By the {_FAMILY_NAMES[type(inner)]} the price would be {_money(outcome.price)}",
                            ZERO,
                            outcome.summary,
                        )
                    )
                listing = ", ".join(_money(o.price) for o in outcomes)
                parts.append(
                    _Part(
                        "growth.lesser_of",
                        "Change to the lowest of these prices",
                        _LEDGER.subtract(chosen.price, self.p0),
                        f"the lesser of {listing}",
                    )
                )
                return _Outcome(chosen.price, tuple(parts), chosen.appreciation, f"the lesser of {listing}")
        raise AssertionError(formula)  # pragma: no cover - _check_formula rejects unknown families

    def _administered(self, formula: AdministeredRate) -> _Outcome:
        table = {annual.year: annual.rate for annual in formula.rates}
        start = self.inputs.purchase_date
        itm = self.policy.rounding.mode is RoundingMode.INCREMENT_THEN_MULTIPLY
        base = self.base
        yearly = formula.period is PeriodUnit.COMPLETED_YEARS
        step, count = (
            (12, self.completed_years()) if yearly else (1, completed_months(start, self.inputs.determination_date))
        )
        growth, pieces = ZERO, []
        for k in range(count):
            begins = add_months(start, step * k)
            ends = add_months(start, step * (k + 1)) - dt.timedelta(days=1)
            year = begins.year if formula.rate_year is RateYear.START else ends.year
            if year not in table:
                raise ResaleInputError(
                    "formula.rates", f"has no rate for {year}, needed for {begins.isoformat()} to {ends.isoformat()}"
                )
            increment = base * table[year]
            if itm:
                increment = _round_increment(increment, self.policy.rounding)
            growth += increment if yearly else increment / _TWELVE
            pieces.append(
                f"{year}: {_pct(table[year])}" if yearly else f"{begins.isoformat()[:7]} at {_pct(table[year])}/12"
            )
        per = "each full year" if yearly else "each whole month (1/12 of the year's rate)"
        detail = f"{self.base_text()} × the program's rate for {per}, added up, not compounded: " + (
            ", ".join(pieces) or "no full period yet"
        )
        return self._growth("growth.administered_rate", "Yearly increases set by the program", growth, detail)

    def _itemized(self, formula: ItemizedFairReturn) -> _Outcome:
        inputs = self.inputs
        period = self.period(formula.period)
        due = sum((c.amount for c in inputs.liens + inputs.sale_closing_costs), ZERO)
        inflation = self.base * formula.inflation_rate * period.numerator / period.denominator
        if inputs.principal_paid is None:
            raise ResaleInputError("principal_paid", "is required by the itemized fair-return formula")
        parts = [
            _Part(
                "itemized.amounts_due",
                "Loan payoff and closing costs due at the sale",
                due,
                "the liens and sale closing costs, paid from the price",
            ),
            _Part(
                "itemized.inflation",
                f"Inflation allowance of {_pct(formula.inflation_rate)} a year",
                inflation,
                f"{_pct(formula.inflation_rate)} of {self.base_text()} × {period.text}",
            ),
            _Part("itemized.principal_paid", "Loan principal you paid off", inputs.principal_paid),
        ]
        if formula.include_purchase_closing_costs:
            if inputs.purchase_closing_costs is None:
                raise ResaleInputError("purchase_closing_costs", "is required by the itemized fair-return formula")
            parts.append(
                _Part(
                    "itemized.purchase_closing_costs",
                    "Closing costs you paid when you bought",
                    inputs.purchase_closing_costs,
                )
            )
        if formula.include_down_payment:
            if inputs.down_payment is None:
                raise ResaleInputError("down_payment", "is required by the itemized fair-return formula")
            parts.append(_Part("itemized.down_payment", "Your down payment", inputs.down_payment))
        price = sum((p.amount for p in parts), ZERO)
        summary = "amounts due at closing plus your fair return: " + " + ".join(_money(p.amount) for p in parts)
        return _Outcome(price, tuple(parts), False, summary)

    # -- caps (§3.3) ---------------------------------------------------------------------------

    def caps(self) -> list[tuple[str, str, Decimal, str]]:
        caps: list[tuple[str, str, Decimal, str]] = []
        for cap in self.policy.caps:
            if isinstance(cap, AppraisalCap):
                value = self.appraised("resale_appraisal", cap.scope, "the appraisal cap")
                what = "home's current appraised value" + (" (with the land)" if cap.scope is Scope.TOTAL else "")
                caps.append(("cap.appraisal", f"Limit: the {what}", value, f"appraised at {_money(value)}"))
            else:
                solved, detail = self.affordable(cap.ami_fraction, cap.terms, "the affordability cap")
                label = f"Limit: the price a household at {_pct(cap.ami_fraction)} of area median income can afford"
                caps.append(("cap.affordability", label, solved.price, detail))
        itemized = [
            f for f in _families(self.policy.formula) if isinstance(f, ItemizedFairReturn) and f.limit_to_net_proceeds
        ]
        if itemized:
            # §2.8: the owner receives the fair return only out of net proceeds, so the price cannot pass
            # what the home (without land and the subsidy that stays with it) is worth.
            value = self.appraised("resale_appraisal", Scope.IMPROVEMENTS, "the itemized formula's net-proceeds limit")
            limit = value - self.inputs.retained_subsidy
            detail = f"the home without the land appraised at {_money(value)}"
            if self.inputs.retained_subsidy:
                detail += f", less the {_money(self.inputs.retained_subsidy)} subsidy that stays with the home"
            caps.append(
                ("cap.net_proceeds", "Limit: the fair return is paid only out of what the home is worth", limit, detail)
            )
        return caps


# The affordability solver's answers by terms and figures (``_Engine.affordable``); cleared when full.
_AFFORDABLE: dict[tuple[object, ...], tuple[MortgageTerms, AffordablePrice, str]] = {}
_AFFORDABLE_SIZE = 4096

_FAMILY_NAMES: dict[type, str] = {
    AppraisalShare: "shared-appreciation formula",
    TimeVestedShare: "time-vested share formula",
    AmiIndexed: "area-median-income formula",
    CpiIndexed: "consumer-price-index formula",
    AdministeredRate: "program's yearly-rate formula",
    FixedRateSimple: "fixed-rate formula",
    FixedRateCompound: "compounding fixed-rate formula",
    ItemizedFairReturn: "itemized fair-return formula",
    MortgageBased: "affordable-mortgage formula",
    LesserOf: "'lesser of' formula",
}


def _apply_credits(engine: _Engine, lines: _Lines) -> None:
    for credit in engine.credits:
        if credit.reason is None:
            lines.add(
                "credit.capital_improvement",
                f"Credit for an improvement you made: {credit.item.description}",
                credit.amount,
                credit.detail,
            )
        else:
            lines.note("credit.refused", f"No credit for: {credit.item.description}", credit.reason)


def _apply_deductions(engine: _Engine, lines: _Lines) -> None:
    for charge in engine.inputs.price_deductions:
        lines.add("deduction.price", f"Taken off the price: {charge.label}", -charge.amount)


def _apply_allowances(engine: _Engine, lines: _Lines) -> None:
    # Each percentage is of the subtotal before any allowance (Boulder: 2.5 % of the subtotal with the CI
    # credit, then a flat closing-cost allowance), so allowances do not compound on one another.
    subtotal = lines.total
    for allowance in engine.policy.sale_allowances:
        amount = subtotal * allowance.pct + allowance.amount
        parts = []
        if allowance.pct:
            parts.append(f"{_pct(allowance.pct)} of {_money(subtotal)}")
        if allowance.amount:
            parts.append(f"a flat {_money(allowance.amount)}")
        lines.add("allowance.sale", f"Added for the costs of selling: {allowance.label}", amount, " + ".join(parts))


_STEPS = (
    ("credits_timing", _apply_credits),
    ("deductions_timing", _apply_deductions),
    ("allowances_timing", _apply_allowances),
)


def compute_resale(policy: ResalePolicy, inputs: ResaleInputs, *, policy_checked: bool = False) -> ResaleResult:
    """The maximum resale price (purchase option price) of a home under a policy, with every step explained.

    Raises ``ResaleInputError`` naming the field for bad or missing input. ``policy_checked``: the caller
    has passed this very policy through ``check_policy`` (a batch valuing thousands of homes under a
    handful of policies checks each once, not once a home).
    """
    # A price past any amount a record holds (a determination date thousands of years after the purchase)
    # is no price; say so instead of storing or showing it. Growth past what the engine holds to the cent
    # is refused where it compounds, the same way.
    result = _compute_resale(policy, inputs, policy_checked)
    if max(abs(result.formula_price), abs(result.price), abs(result.seller_proceeds)) >= LARGEST_AMOUNT:
        raise _price_too_large()
    return result


def _price_too_large() -> ResaleInputError:
    # English like every reason of this pure module; the layers above show it as it is.
    return ResaleInputError(
        "determination_date", "the price grows beyond any amount a record holds by this date", "unbounded"
    )


def _compute_resale(policy: ResalePolicy, inputs: ResaleInputs, policy_checked: bool = False) -> ResaleResult:
    with localcontext(_CONTEXT):
        if not policy_checked:
            _check_policy(policy)
        _check_inputs(inputs)
        engine = _Engine(policy, inputs)
        lines = _Lines()

        # Steps 1-3: the formula (§2).
        outcome = engine.formula(policy.formula)
        for part in outcome.parts:
            lines.add(part.code, part.label, part.amount, part.detail)
        if (
            outcome.appreciation
            and policy.negative_appreciation is NegativeAppreciation.ZERO
            and lines.total < engine.p0
        ):
            lines.add(
                "growth.no_loss",
                "The fall in value is not passed on to you",
                engine.p0 - lines.total,
                "this program does not share a fall in value: the growth stops at zero",
            )
        formula_price = lines.total

        # Steps 4-6 that come before the caps, in the §1 order.
        for timing_attr, step in _STEPS:
            if getattr(policy, timing_attr) is Timing.BEFORE_CAP:
                step(engine, lines)

        # Step 7: each cap in turn; the running total after all of them is the lesser of the price and every cap.
        cap_values = []
        for code, label, value, detail in engine.caps():
            cap_values.append(value)
            if lines.total > value:
                lines.set_to(code, label, value, f"{detail}: the price is lowered to it")
            else:
                lines.note(code, label, f"{detail}: the price {_money(lines.total)} is already within it")
        capped_price = lines.total

        # Steps 4-6 that come after the caps (MPDU: commission on top of the maximum resale price).
        for timing_attr, step in _STEPS:
            if getattr(policy, timing_attr) is Timing.AFTER_CAP:
                step(engine, lines)
        after_cap = lines.total - capped_price

        # Step 8: the floor (§3.4).
        credits_total = sum((c.amount for c in engine.credits if c.reason is None), ZERO)
        floor_value: Decimal | None = None
        if policy.floor is not FloorRule.NONE:
            floor_value = engine.p0
            label = "Floor: never less than the price you paid"
            if policy.floor is FloorRule.PURCHASE_PRICE_PLUS_CREDITS:
                floor_value += credits_total
                label = "Floor: never less than the price you paid plus your improvement credits"
            if lines.total < floor_value:
                lines.set_to(
                    f"floor.{policy.floor.value}", label, floor_value, f"the price is raised to {_money(floor_value)}"
                )
            else:
                lines.note(
                    f"floor.{policy.floor.value}", label, f"{_money(floor_value)}: the price is already at least that"
                )

        # Step 9: rounding. It may not carry the price over a cap or under the floor: a cap is the most
        # the home may sell for, a floor the least (the bound moves with any after-cap adjustment).
        upper = min(cap_values) + after_cap if cap_values else None
        if upper is not None and floor_value is not None and floor_value > upper:
            upper = None  # the floor has overridden the cap
        _round_price(lines, policy.rounding, upper, floor_value)
        price = lines.total

        proceeds_items, proceeds = _proceeds(inputs, price)
        return ResaleResult(
            line_items=tuple(lines.items),
            formula_price=formula_price,
            capped_price=capped_price,
            price=price,
            credits_total=credits_total,
            proceeds_items=proceeds_items,
            seller_proceeds=proceeds,
        )


def _round_price(lines: _Lines, rounding: Rounding, upper: Decimal | None, lower: Decimal | None) -> None:
    unit = _step(rounding)
    if unit is None:
        return
    if unit == CENT:
        noun = "cent"
    elif unit == ONE:
        noun = "whole dollar"
    else:
        noun = f"multiple of {_money(unit)}"
    detail = {
        RoundingDirection.NEAREST: f"rounded to the nearest {noun}",
        RoundingDirection.DOWN: f"rounded down to the {noun} below",
        RoundingDirection.UP: f"rounded up to the {noun} above",
    }[rounding.direction]
    if rounding.mode is RoundingMode.INCREMENT_THEN_MULTIPLY:
        detail += " (the yearly increase was rounded before it was multiplied)"
    value = _to_multiple(lines.total, unit, rounding.direction)
    if upper is not None and value > upper:
        value = _to_multiple(upper, unit, RoundingDirection.DOWN)
        detail = f"rounded down to the {noun} below so as not to go over the limit of {_money(upper)}"
    if lower is not None and value < lower:
        stepped = _to_multiple(lower, unit, RoundingDirection.UP)
        detail = f"rounded up to the {noun} above so as not to go under the floor of {_money(lower)}"
        if upper is not None and stepped > upper:
            # The floor and the limit fall within one rounding step: the floor is the price, in whole cents
            # (money has no smaller unit), rounded up because the floor, applied after the caps, wins.
            stepped = _to_multiple(lower, CENT, RoundingDirection.UP)
            if unit != CENT:
                detail = (
                    f"the floor of {_money(lower)} is the price: the {noun} above would go over the limit of "
                    f"{_money(upper)}"
                )
        value = stepped
    lines.set_to(f"round.{rounding.mode.value}", "Rounding", value, detail)


def _proceeds(inputs: ResaleInputs, price: Decimal) -> tuple[tuple[LineItem, ...], Decimal]:
    """The seller's proceeds: the price less what is paid out of it at closing (§1, §3.6)."""
    lines = _Lines()
    lines.add("proceeds.price", "Sale price", price)
    for attr, code, label in (
        ("liens", "proceeds.lien", "Loan payoff"),
        ("sale_closing_costs", "proceeds.closing_cost", "Your closing costs"),
        ("arrears", "proceeds.arrears", "Unpaid lease fees and charges"),
        ("proceeds_deductions", "proceeds.deduction", "Taken from your proceeds"),
        ("fees", "proceeds.fee", "Fee"),
    ):
        for charge in getattr(inputs, attr):
            lines.add(code, f"{label}: {charge.label}", -charge.amount)
    return tuple(lines.items), lines.total
