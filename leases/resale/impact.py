"""The funder impact report (domain notes §7): what each resale did for the next buyer, the subsidy and the seller.

Pure: no Django import, standard library and ``leases.resale`` only. Frozen dataclasses in and out; every
figure comes with the sum that produced it (``ResaleImpact.explanations``), and every figure that cannot be
computed says which facts it lacked or why (``ResaleImpact.left_out``). The Django side
(``leases/reports.py``) gathers the facts of each resale from the rows and the index series.

Definitions, per resale ("price paid" is what the seller paid when they bought the home):

- **Initial subsidy** (CHT's "permanent investment"): market value at purchase - price paid.
- **Subsidy retained**: market value at resale - resale price.
- **Retention ratio**: retained ÷ initial, in *nominal* dollars (not adjusted for inflation): above 1 the
  trust's investment in the home grew, below 1 part of it went to the seller.
- **% of AMI needed** at purchase and at resale (the OPAL chart): the income a household needs to afford the
  price (``resale.income_needed``, the §2.9 solver, under the stated ``Assumptions``) ÷ the area median income
  for the household the home is priced for (persons per bedroom × bedrooms, HUD's size factors applied to the
  four-person median in effect on that date). The *same* assumptions apply at both dates, so the change
  between them comes from prices and incomes, not from interest rates.
- **Buyer income % AMI**: the resale buyer's household income ÷ the AMI for that household's size at closing.
- **The seller's money**, on an assumed loan (the seller's real loan is not on file): loan = price paid ×
  (1 - down payment %), to the cent; paid monthly at the assumed rate over the assumed term, the first
  payment one month after the purchase; the balance at resale is what is left after the whole months owned
  (interest accrued since the last payment is left out).

  - **Equity at resale** (Big River's figure): resale price - loan balance at resale.
  - **Equity gained**: equity at resale - down payment, which is the change in price (resale price - price
    paid) plus the loan principal repaid.
  - **Annualised return**: the internal rate of return on the cash the seller invested: the down payment at
    purchase and the principal part of each monthly payment (interest, taxes, insurance and lease fees pay
    for housing, as rent would, and are not an investment), against the equity at resale received at the
    month of the sale. Solved for a monthly rate by bisection in Decimal until the rate is known within
    10⁻⁹ a month, then annualised as (1 + r)¹² - 1. Closing costs, fees and improvement spending are not
    on file and are left out.
- **Tenure**: whole months from purchase to resale ÷ 12.

Per program (a group of leases sharing a resale formula): the number of resales; the subsidy totals and
the retention ratio Σ retained ÷ Σ initial, over the resales that have *both* market values (so the ratio
compares the same homes), with the number left out; and the median of every other figure, each over the
resales that have it, with the number left out. A resale missing a fact is counted once and left out only
of the figures that need that fact (``NEEDS``).

Rounding (half up, as published reports round): money to the cent; % of AMI to 0.1 (as
``Household.ami_percent``); the retention ratio to 0.0001; the annual return to 0.01 % (stored as a
percentage, ``Decimal("10.00")`` for 10 %); tenure to 0.01 year. Medians and program totals are computed
from the per-resale figures as reported, so they can be checked from the CSV; the median of an even count
is the mean of the two middle values, rounded the same way.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import (
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)

from leases.resale import engine as resale

__all__ = [
    "DEFAULT_ASSUMPTIONS",
    "METRICS",
    "NEEDS",
    "NO_PROGRAM",
    "Assumptions",
    "Explanation",
    "LeftOut",
    "MetricSummary",
    "Program",
    "ProgramImpact",
    "ResaleFacts",
    "ResaleImpact",
    "SellerReturn",
    "impact_of",
    "irr",
    "loan_balance",
    "median",
    "program_impacts",
    "report",
    "seller_return",
]

_CONTEXT = Context(prec=34, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow])
ZERO = Decimal(0)
ONE = Decimal(1)
CENT = Decimal("0.01")
TENTH = Decimal("0.1")
_HUNDRED = Decimal(100)
_TWELVE = Decimal(12)
RATIO_PLACES = Decimal("0.0001")
RETURN_PLACES = Decimal("0.01")  # of a percentage: 0.01 %
YEAR_PLACES = Decimal("0.01")
# Bisection stops when the monthly rate is known within this: about 1.2e-8 a year, far below the 0.01 %
# the return is reported to.
IRR_TOLERANCE = Decimal("1e-9")
# Most returns lie within -46 % and +80 % a year (±5 % a month): that bracket is tried first, then the whole
# range, from -99.99 % a month (almost everything lost) upwards, the upper bound doubling from 100 % a month
# until the root is inside (at most _MAX_DOUBLINGS times).
_IRR_LIKELY = (Decimal("-0.05"), Decimal("0.05"))
_IRR_LOW = Decimal("-0.9999")
_IRR_HIGH = ONE
_MAX_DOUBLINGS = 20

# Figures per resale, in the order reports list them.
METRICS: tuple[str, ...] = (
    "initial_subsidy",
    "retained_subsidy",
    "retention_ratio",
    "pct_ami_needed_at_purchase",
    "pct_ami_needed_at_resale",
    "buyer_pct_ami",
    "seller_equity",
    "seller_equity_gained",
    "seller_annual_return",
    "tenure_years",
)

# The facts each figure needs; a resale without one of them is left out of that figure only.
NEEDS: dict[str, tuple[str, ...]] = {
    "initial_subsidy": ("market_value_at_purchase", "purchase_price"),
    "retained_subsidy": ("market_value_at_resale", "resale_price"),
    "retention_ratio": ("market_value_at_purchase", "purchase_price", "market_value_at_resale", "resale_price"),
    "pct_ami_needed_at_purchase": ("purchase_price", "bedrooms", "ami_at_purchase"),
    "pct_ami_needed_at_resale": ("resale_price", "bedrooms", "ami_at_resale"),
    "buyer_pct_ami": ("buyer_income", "buyer_ami"),
    "seller_equity": ("purchase_price", "resale_price"),
    "seller_equity_gained": ("purchase_price", "resale_price"),
    "seller_annual_return": ("purchase_price", "resale_price"),
    "tenure_years": (),
}


# ---------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Program:
    """A group of leases sharing a resale formula (a ``ResalePolicy``); ``key`` "" is "no resale policy"."""

    key: str
    name: str


NO_PROGRAM = Program("", "No resale policy")


@dataclass(frozen=True)
class Assumptions:
    """The stated assumptions of the affordability figures and of the seller's assumed loan.

    Rates and shares are fractions (0.30 is 30 %); ``insurance_monthly`` is hazard insurance in dollars a
    month. The defaults follow the Met Council's 2024 method (§2.9 table: 3.5 % down, tax 1.25 % of the
    price a year, $100 a month of insurance) at 30 % of income and a 6.25 % 30-year loan.
    """

    income_share: Decimal = Decimal("0.30")
    annual_rate: Decimal = Decimal("0.0625")
    term_months: int = 360
    down_payment_pct: Decimal = Decimal("0.035")
    property_tax_rate: Decimal = Decimal("0.0125")
    insurance_monthly: Decimal = Decimal("100")
    persons_per_bedroom: Decimal = Decimal("1.5")

    def terms(self) -> resale.MortgageTerms:
        """The §2.9 solver's terms (no rounding: the income needed is exact until reported)."""
        return resale.MortgageTerms(
            income_share=self.income_share,
            annual_rate=self.annual_rate,
            term_months=self.term_months,
            down_payment_pct=self.down_payment_pct,
            property_tax_rate=self.property_tax_rate,
            hazard_insurance_monthly=self.insurance_monthly,
            household=resale.HouseholdSize(persons_per_bedroom=self.persons_per_bedroom),
            rounding=resale.Rounding(mode=resale.RoundingMode.NONE),
        )

    def check(self) -> Assumptions:
        """Raise ``resale.ResaleInputError`` naming the assumption that cannot work; return self."""
        with localcontext(_CONTEXT):
            for name in ("income_share", "annual_rate", "down_payment_pct", "property_tax_rate"):
                value = getattr(self, name)
                if not isinstance(value, Decimal) or not value.is_finite() or value < 0 or value > 1:
                    raise resale.ResaleInputError(name, "is a fraction (0.30 for 30 %) between 0 and 1")
            if self.income_share == 0:
                raise resale.ResaleInputError("income_share", "must be greater than zero")
            if self.down_payment_pct == 1:
                raise resale.ResaleInputError("down_payment_pct", "must be below 1: the buyer borrows something")
            if isinstance(self.term_months, bool) or not isinstance(self.term_months, int) or self.term_months < 1:
                raise resale.ResaleInputError("term_months", "must be a whole number of months, at least 1")
            for name in ("insurance_monthly", "persons_per_bedroom"):
                value = getattr(self, name)
                if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
                    raise resale.ResaleInputError(name, "must be a number, zero or more")
            if self.persons_per_bedroom == 0:
                raise resale.ResaleInputError("persons_per_bedroom", "must be greater than zero")
            return self


DEFAULT_ASSUMPTIONS = Assumptions()


@dataclass(frozen=True)
class ResaleFacts:
    """One resale as the rows record it. ``None`` is "not on file"; ``unknown`` may say why, per fact.

    ``ami_at_*`` are the four-person area median family incomes in effect on the purchase and resale
    dates (the program's series); ``buyer_ami`` is already adjusted to the buyer household's size.
    """

    ref: str
    program: Program
    purchase_date: dt.date
    resale_date: dt.date
    purchase_price: Decimal | None = None
    resale_price: Decimal | None = None
    market_value_at_purchase: Decimal | None = None
    market_value_at_resale: Decimal | None = None
    bedrooms: int | None = None
    ami_at_purchase: Decimal | None = None
    ami_at_resale: Decimal | None = None
    buyer_income: Decimal | None = None
    buyer_ami: Decimal | None = None
    label: str = ""
    unknown: tuple[tuple[str, str], ...] = ()


# ---------------------------------------------------------------------------------------------
# Outputs
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Explanation:
    """How one figure was computed, with the figures that went into it."""

    metric: str
    text: str


@dataclass(frozen=True)
class LeftOut:
    """A figure that could not be computed for a resale.

    ``code``: ``missing`` (``needs`` lists the facts not on file; ``detail`` says why, when known),
    ``no_initial_subsidy`` (a ratio of nothing), ``outside_size_table`` (more persons than HUD's size
    factors cover), ``too_short`` (sold within a month: no return over no time), ``no_proceeds`` (the seller
    received nothing back), ``no_solution`` (no rate within the searched range).
    """

    metric: str
    code: str
    needs: tuple[str, ...] = ()
    detail: str = ""


@dataclass(frozen=True)
class SellerReturn:
    """The seller's money on the assumed loan (module doc): unrounded internals, reported figures rounded."""

    loan: Decimal
    down_payment: Decimal
    monthly_payment: Decimal
    payments_made: int
    principal_repaid: Decimal
    balance: Decimal
    equity: Decimal
    equity_gained: Decimal
    annual_return: Decimal | None  # a percentage to 0.01, or None (``problem`` says why)
    problem: str = ""


@dataclass(frozen=True)
class ResaleImpact:
    """Every figure of one resale (``METRICS``), with its explanation or the reason it is missing."""

    facts: ResaleFacts
    tenure_months: int
    tenure_years: Decimal
    initial_subsidy: Decimal | None = None
    retained_subsidy: Decimal | None = None
    retention_ratio: Decimal | None = None
    household_size: Decimal | None = None
    ami_for_home_at_purchase: Decimal | None = None
    ami_for_home_at_resale: Decimal | None = None
    income_needed_at_purchase: Decimal | None = None
    income_needed_at_resale: Decimal | None = None
    pct_ami_needed_at_purchase: Decimal | None = None
    pct_ami_needed_at_resale: Decimal | None = None
    buyer_pct_ami: Decimal | None = None
    down_payment: Decimal | None = None
    loan_balance_at_resale: Decimal | None = None
    seller_equity: Decimal | None = None
    seller_equity_gained: Decimal | None = None
    seller_annual_return: Decimal | None = None
    explanations: tuple[Explanation, ...] = ()
    left_out: tuple[LeftOut, ...] = ()

    def value(self, metric: str) -> Decimal | None:
        return getattr(self, metric)

    def explanation(self, metric: str) -> str:
        return next((e.text for e in self.explanations if e.metric == metric), "")

    def missing(self, metric: str) -> LeftOut | None:
        return next((m for m in self.left_out if m.metric == metric), None)


@dataclass(frozen=True)
class MetricSummary:
    """One figure over a program's resales: its median over the ``counted`` that have it."""

    metric: str
    counted: int
    left_out: int
    median: Decimal | None


@dataclass(frozen=True)
class ProgramImpact:
    """A program's resales and their aggregates (module doc)."""

    program: Program
    resales: tuple[ResaleImpact, ...]
    subsidy_counted: int
    subsidy_left_out: int
    total_initial_subsidy: Decimal
    total_retained_subsidy: Decimal
    retention_ratio: Decimal | None
    summaries: tuple[MetricSummary, ...]

    @property
    def count(self) -> int:
        return len(self.resales)

    def summary(self, metric: str) -> MetricSummary:
        return next(s for s in self.summaries if s.metric == metric)


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _round(value: Decimal, places: Decimal) -> Decimal:
    return value.quantize(places, rounding=ROUND_HALF_UP)


def _money(amount: Decimal) -> str:
    return f"{_round(amount, CENT):,.2f}"


def _pct(fraction: Decimal) -> str:
    return f"{(fraction * _HUNDRED).normalize():f} %"


def median(values: Iterable[Decimal]) -> Decimal | None:
    """The median (exact): the middle value, or the mean of the two middle values of an even count."""
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    with localcontext(_CONTEXT):
        return (ordered[middle - 1] + ordered[middle]) / 2


def _bisect(npv: Callable[[Decimal], Decimal]) -> tuple[Decimal | None, str]:
    """The monthly rate r at which ``npv(r)`` changes sign from positive (low r) to negative (high r)."""
    low, high = _IRR_LIKELY
    if npv(low) <= 0 or npv(high) > 0:
        low, high = _IRR_LOW, _IRR_HIGH
        if npv(low) <= 0:
            return None, "below -99.99 % a month"
        doublings = 0
        while npv(high) > 0:
            doublings += 1
            if doublings > _MAX_DOUBLINGS:
                return None, "above the searched range"
            low, high = high, high * 2
    while high - low > IRR_TOLERANCE:
        mid = (low + high) / 2
        if npv(mid) > 0:
            low = mid
        else:
            high = mid
    return (low + high) / 2, ""


def _annual_pct(monthly: Decimal) -> Decimal:
    annual = _round(((ONE + monthly) ** 12 - ONE) * _HUNDRED, RETURN_PLACES)
    return annual.copy_abs() if annual == 0 else annual  # never "-0.00"


def irr(flows: Sequence[tuple[int, Decimal]]) -> Decimal | None:
    """The annualised internal rate of return of monthly cash flows, as a percentage to 0.01.

    ``flows`` are ``(month, amount)``: money put in is negative, money received positive, ``month`` counted
    from 0. The flows must start with money put in and end with money received (then the rate is unique:
    the value of the flows changes sign once). Solved by bisection on the monthly rate (``IRR_TOLERANCE``),
    then (1 + r)¹² - 1. ``None`` when no rate makes the flows' value zero in the searched range.
    """
    with localcontext(_CONTEXT):
        if not flows:
            return None
        for month, amount in flows:
            if isinstance(month, bool) or not isinstance(month, int) or month < 0:
                raise resale.ResaleInputError("flows", "months are whole numbers from 0")
            if not isinstance(amount, Decimal) or not amount.is_finite():
                raise resale.ResaleInputError("flows", "amounts are finite Decimals")
        ordered = sorted(flows)

        def npv(rate: Decimal) -> Decimal:
            v = ONE / (ONE + rate)
            return sum((amount * v**month for month, amount in ordered), ZERO)

        monthly, _problem = _bisect(npv)
        return None if monthly is None else _annual_pct(monthly)


def _payment(loan: Decimal, monthly_rate: Decimal, term: int) -> Decimal:
    if monthly_rate == 0:
        return loan / term
    return loan * monthly_rate / (ONE - (ONE + monthly_rate) ** -term)


def loan_balance(loan: Decimal, annual_rate: Decimal, term_months: int, payments: int) -> Decimal:
    """What is left of a level-payment loan after ``payments`` monthly payments (unrounded)."""
    with localcontext(_CONTEXT):
        i = annual_rate / _TWELVE
        k = min(payments, term_months)
        if k <= 0:
            return loan
        if k == term_months:
            return ZERO
        pmt = _payment(loan, i, term_months)
        if i == 0:
            return loan - pmt * k
        growth = (ONE + i) ** k
        return loan * growth - pmt * (growth - ONE) / i


def seller_return(
    *,
    purchase_price: Decimal,
    resale_price: Decimal,
    months: int,
    assumptions: Assumptions = DEFAULT_ASSUMPTIONS,
) -> SellerReturn:
    """The seller's equity and annualised return on the assumed loan (module doc), ``months`` whole months
    after the purchase.

    The principal parts of the payments grow geometrically (the k-th is (pmt - i × loan)(1 + i)^(k-1)), so
    the value of the flows at a monthly rate r has a closed form and each bisection step costs a few powers,
    not one term per month: with v = 1 / (1 + r) and q = (1 + i) v,

        value(r) = -down - (pmt - i × loan) × v × (1 - q^k) / (1 - q) + equity × v^n

    (k payments made, n months owned; k × v when q = 1). It equals ``irr`` over the explicit monthly flows.
    """
    with localcontext(_CONTEXT):
        loan = _round(purchase_price * (ONE - assumptions.down_payment_pct), CENT)
        down = purchase_price - loan
        i = assumptions.annual_rate / _TWELVE
        term = assumptions.term_months
        pmt = _payment(loan, i, term)
        paid = max(0, min(months, term))
        balance = _round(loan_balance(loan, assumptions.annual_rate, term, paid), CENT)
        equity = resale_price - balance
        principal = loan - balance
        first_principal = pmt - i * loan
        growth = ONE + i

        def npv(rate: Decimal) -> Decimal:
            v = ONE / (ONE + rate)
            q = growth * v
            series = Decimal(paid) if q == ONE else (ONE - q**paid) / (ONE - q)
            return -down - first_principal * v * series + equity * v**months

        annual, problem = None, ""
        if months < 1:
            problem = "too_short"
        elif equity <= 0:
            problem = "no_proceeds"
        elif down == 0 and paid == 0:
            problem = "no_proceeds"  # nothing invested: no rate of return
        else:
            monthly, _why = _bisect(npv)
            if monthly is None:
                problem = "no_solution"
            else:
                annual = _annual_pct(monthly)
        return SellerReturn(
            loan=loan,
            down_payment=down,
            monthly_payment=pmt,
            payments_made=paid,
            principal_repaid=principal,
            balance=balance,
            equity=equity,
            equity_gained=equity - down,
            annual_return=annual,
            problem=problem,
        )


# ---------------------------------------------------------------------------------------------
# One resale
# ---------------------------------------------------------------------------------------------


class _Builder:
    def __init__(self, facts: ResaleFacts):
        self.facts = facts
        self.values: dict[str, Decimal | None] = {}
        self.explanations: list[Explanation] = []
        self.left_out: list[LeftOut] = []
        self.reasons = dict(facts.unknown)

    def lacking(self, metric: str) -> bool:
        """True (and the figure is left out, naming the facts) when a fact ``metric`` needs is not on file."""
        missing = tuple(name for name in NEEDS[metric] if getattr(self.facts, name) is None)
        if missing:
            detail = "; ".join(dict.fromkeys(self.reasons[name] for name in missing if self.reasons.get(name)))
            self.left_out.append(LeftOut(metric, "missing", missing, detail))
        return bool(missing)

    def out(self, metric: str, code: str, detail: str = "") -> None:
        self.left_out.append(LeftOut(metric, code, (), detail))

    def set(self, metric: str, value: Decimal, text: str) -> None:
        self.values[metric] = value
        self.explanations.append(Explanation(metric, text))


@functools.lru_cache(maxsize=32)
def _terms(assumptions: Assumptions) -> resale.MortgageTerms:
    return assumptions.terms()  # made once per set of assumptions, not twice per resale


def _affordability(
    b: _Builder, when: str, price: Decimal | None, median_income: Decimal | None, assumptions: Assumptions
) -> None:
    metric = f"pct_ami_needed_at_{when}"
    if b.lacking(metric):
        return
    terms = _terms(assumptions)
    try:
        size = resale.household_size(b.facts.bedrooms, terms.household)
        factor = resale.size_factor(size, terms.size_factors)
    except resale.ResaleInputError as error:
        b.out(metric, "outside_size_table", error.reason)
        return
    b.values["household_size"] = size
    ami = _round(median_income * factor, CENT)
    needed = _round(resale.income_needed(price, terms), CENT)
    pct = _round(needed * _HUNDRED / ami, TENTH)
    b.values[f"ami_for_home_at_{when}"] = ami
    b.values[f"income_needed_at_{when}"] = needed
    b.set(
        metric,
        pct,
        f"income needed to afford {_money(price)}: {_money(needed)} a year ({_pct(assumptions.income_share)} of "
        f"income for the loan, tax and insurance); AMI for {size.normalize():f} persons "
        f"({b.facts.bedrooms} bedrooms): {_money(median_income)} × {factor.normalize():f} = {_money(ami)}; "
        f"{_money(needed)} ÷ {_money(ami)} = {pct} %",
    )


def impact_of(facts: ResaleFacts, assumptions: Assumptions = DEFAULT_ASSUMPTIONS) -> ResaleImpact:
    """Every §7 figure of one resale, explained; the figures its facts do not allow are ``left_out``."""
    with localcontext(_CONTEXT):
        if facts.resale_date < facts.purchase_date:
            raise resale.ResaleInputError("resale_date", "is before the purchase date")
        b = _Builder(facts)
        months = resale.completed_months(facts.purchase_date, facts.resale_date)
        tenure = _round(Decimal(months) / _TWELVE, YEAR_PLACES)
        b.set(
            "tenure_years",
            tenure,
            f"{months} whole months from {facts.purchase_date.isoformat()} to {facts.resale_date.isoformat()} "
            f"÷ 12 = {tenure}",
        )

        # Subsidy (§7: CHT's permanent investment), through the engine's own rule.
        initial = retained = None
        if not b.lacking("initial_subsidy"):
            initial = facts.market_value_at_purchase - facts.purchase_price
            b.set(
                "initial_subsidy",
                initial,
                f"market value at purchase {_money(facts.market_value_at_purchase)} - price paid "
                f"{_money(facts.purchase_price)} = {_money(initial)}",
            )
        if not b.lacking("retained_subsidy"):
            retained = facts.market_value_at_resale - facts.resale_price
            b.set(
                "retained_subsidy",
                retained,
                f"market value at resale {_money(facts.market_value_at_resale)} - resale price "
                f"{_money(facts.resale_price)} = {_money(retained)}",
            )
        if not b.lacking("retention_ratio"):
            retention = resale.subsidy_retention(
                market_value_at_purchase=facts.market_value_at_purchase,
                purchase_price=facts.purchase_price,
                market_value_at_resale=facts.market_value_at_resale,
                resale_price=facts.resale_price,
            )
            if retention.ratio is None:
                b.out("retention_ratio", "no_initial_subsidy")
            else:
                ratio = _round(retention.ratio, RATIO_PLACES)
                b.set(
                    "retention_ratio",
                    ratio,
                    f"{_money(retention.retained)} ÷ {_money(retention.initial)} = {ratio} (nominal dollars)",
                )

        # Affordability at purchase and at resale (the OPAL chart), same assumptions at both dates.
        _affordability(b, "purchase", facts.purchase_price, facts.ami_at_purchase, assumptions)
        _affordability(b, "resale", facts.resale_price, facts.ami_at_resale, assumptions)

        if not b.lacking("buyer_pct_ami"):
            pct = _round(facts.buyer_income * _HUNDRED / facts.buyer_ami, TENTH)
            b.set(
                "buyer_pct_ami",
                pct,
                f"buyer's income {_money(facts.buyer_income)} ÷ AMI for the household {_money(facts.buyer_ami)} "
                f"= {pct} %",
            )

        # The seller's money on the assumed loan.
        # The three figures need the same facts: left out together, or computed together.
        if b.lacking("seller_equity"):
            b.lacking("seller_equity_gained")
            b.lacking("seller_annual_return")
        else:
            money = seller_return(
                purchase_price=facts.purchase_price,
                resale_price=facts.resale_price,
                months=months,
                assumptions=assumptions,
            )
            b.values["down_payment"] = money.down_payment
            b.values["loan_balance_at_resale"] = money.balance
            loan_text = (
                f"loan {_money(money.loan)} ({_pct(ONE - assumptions.down_payment_pct)} of the price paid) at "
                f"{_pct(assumptions.annual_rate)} over {assumptions.term_months} months, "
                f"{money.payments_made} payments made"
            )
            b.set(
                "seller_equity",
                money.equity,
                f"resale price {_money(facts.resale_price)} - loan balance {_money(money.balance)} = "
                f"{_money(money.equity)}; {loan_text}",
            )
            b.set(
                "seller_equity_gained",
                money.equity_gained,
                f"equity {_money(money.equity)} - down payment {_money(money.down_payment)} = "
                f"{_money(money.equity_gained)}: change in price {_money(facts.resale_price - facts.purchase_price)}"
                f" + principal repaid {_money(money.principal_repaid)}",
            )
            if money.annual_return is None:
                b.out("seller_annual_return", money.problem)
            else:
                b.set(
                    "seller_annual_return",
                    money.annual_return,
                    f"{money.annual_return} % a year: down payment {_money(money.down_payment)} and "
                    f"{_money(money.principal_repaid)} of principal over {money.payments_made} payments, "
                    f"against {_money(money.equity)} after {months} months",
                )

        v = b.values
        return ResaleImpact(
            facts=facts,
            tenure_months=months,
            tenure_years=tenure,
            initial_subsidy=v.get("initial_subsidy"),
            retained_subsidy=v.get("retained_subsidy"),
            retention_ratio=v.get("retention_ratio"),
            household_size=v.get("household_size"),
            ami_for_home_at_purchase=v.get("ami_for_home_at_purchase"),
            ami_for_home_at_resale=v.get("ami_for_home_at_resale"),
            income_needed_at_purchase=v.get("income_needed_at_purchase"),
            income_needed_at_resale=v.get("income_needed_at_resale"),
            pct_ami_needed_at_purchase=v.get("pct_ami_needed_at_purchase"),
            pct_ami_needed_at_resale=v.get("pct_ami_needed_at_resale"),
            buyer_pct_ami=v.get("buyer_pct_ami"),
            down_payment=v.get("down_payment"),
            loan_balance_at_resale=v.get("loan_balance_at_resale"),
            seller_equity=v.get("seller_equity"),
            seller_equity_gained=v.get("seller_equity_gained"),
            seller_annual_return=v.get("seller_annual_return"),
            explanations=tuple(b.explanations),
            left_out=tuple(b.left_out),
        )


# ---------------------------------------------------------------------------------------------
# Programs
# ---------------------------------------------------------------------------------------------


_PLACES = {
    "initial_subsidy": CENT,
    "retained_subsidy": CENT,
    "retention_ratio": RATIO_PLACES,
    "pct_ami_needed_at_purchase": TENTH,
    "pct_ami_needed_at_resale": TENTH,
    "buyer_pct_ami": TENTH,
    "seller_equity": CENT,
    "seller_equity_gained": CENT,
    "seller_annual_return": RETURN_PLACES,
    "tenure_years": YEAR_PLACES,
}


def _program(program: Program, impacts: Sequence[ResaleImpact]) -> ProgramImpact:
    with localcontext(_CONTEXT):
        paired = [r for r in impacts if r.initial_subsidy is not None and r.retained_subsidy is not None]
        total_initial = sum((r.initial_subsidy for r in paired), ZERO)
        total_retained = sum((r.retained_subsidy for r in paired), ZERO)
        ratio = _round(total_retained / total_initial, RATIO_PLACES) if total_initial else None
        summaries = []
        for metric in METRICS:
            values = [r.value(metric) for r in impacts if r.value(metric) is not None]
            middle = median(values)
            summaries.append(
                MetricSummary(
                    metric=metric,
                    counted=len(values),
                    left_out=len(impacts) - len(values),
                    median=None if middle is None else _round(middle, _PLACES[metric]),
                )
            )
        return ProgramImpact(
            program=program,
            resales=tuple(impacts),
            subsidy_counted=len(paired),
            subsidy_left_out=len(impacts) - len(paired),
            total_initial_subsidy=total_initial,
            total_retained_subsidy=total_retained,
            retention_ratio=ratio,
            summaries=tuple(summaries),
        )


def program_impacts(impacts: Iterable[ResaleImpact]) -> tuple[ProgramImpact, ...]:
    """The resales grouped by program (by name; "no resale policy" last), each by resale date, aggregated."""
    groups: dict[Program, list[ResaleImpact]] = {}
    for impact in impacts:
        groups.setdefault(impact.facts.program, []).append(impact)
    ordered = sorted(groups, key=lambda p: (p.key == "", p.name, p.key))
    return tuple(_program(p, sorted(groups[p], key=lambda r: (r.facts.resale_date, r.facts.ref))) for p in ordered)


def report(facts: Iterable[ResaleFacts], assumptions: Assumptions = DEFAULT_ASSUMPTIONS) -> tuple[ProgramImpact, ...]:
    """Every resale's figures, grouped and aggregated by program."""
    assumptions.check()
    return program_impacts(impact_of(f, assumptions) for f in facts)
