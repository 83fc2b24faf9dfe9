"""The resale worked examples, built once for every test that prices them (issue 13).

Section numbers (§) are those of ``shared/domain/resale_and_lease.md``. The engine's tests
(``test_resale.py``) check these homes and policies against the figures worked by hand; the codec's tests
(``test_resale_codec.py``) send the same ones through JSON and back; the property tests take their default
home from ``inputs``. Pure, no database: only ``leases.resale`` is imported.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from leases.resale.engine import (
    AmiIndexed,
    AnnualRate,
    Appraisal,
    AppraisalCap,
    CapitalImprovement,
    Charge,
    CpiIndexed,
    CreditMethod,
    CreditRules,
    FloorRule,
    HouseholdSize,
    IndexValue,
    ItemizedFairReturn,
    LesserOf,
    MortgageTerms,
    ResaleInputs,
    ResalePolicy,
    Rounding,
    RoundingDirection,
    RoundingMode,
    Scope,
    TimeVestedShare,
)

D = Decimal
d = dt.date

# ---------------------------------------------------------------------------------------------
# Rounding rules (§3.9: "Tests must say which rule they assume")
# ---------------------------------------------------------------------------------------------

CENT = Rounding(RoundingMode.CENT)
DOLLAR = Rounding(RoundingMode.DOLLAR)
EXACT = Rounding(RoundingMode.NONE)


def nearest(n: int | str, direction: RoundingDirection = RoundingDirection.NEAREST) -> Rounding:
    return Rounding(RoundingMode.NEAREST, D(n), direction)


# ---------------------------------------------------------------------------------------------
# A home and its parts
# ---------------------------------------------------------------------------------------------


def inputs(**overrides) -> ResaleInputs:
    """A home bought for 250,000 on 1 Jan 2010, priced on 1 Jan 2020 (ten full years), unless overridden."""
    values = {
        "purchase_price": D(250000),
        "purchase_date": d(2010, 1, 1),
        "determination_date": d(2020, 1, 1),
    }
    values.update(overrides)
    return ResaleInputs(**values)


DEFAULT_COMPLETION = d(2015, 6, 1)


def improvement(description="New roof", cost="10000", completed=DEFAULT_COMPLETION, **kw) -> CapitalImprovement:
    kw.setdefault("approved_on", completed - dt.timedelta(days=60))
    return CapitalImprovement(description=description, cost=D(cost), completed_on=completed, **kw)


def cpi(then: str, now: str) -> dict:
    return {"cpi_at_purchase": IndexValue(D(then)), "cpi_at_determination": IndexValue(D(now))}


def ami(then: str, now: str) -> dict:
    return {"ami_at_purchase": IndexValue(D(then)), "ami_at_determination": IndexValue(D(now))}


# ---------------------------------------------------------------------------------------------
# §2.2 Time-vested share (Pinellas)
# ---------------------------------------------------------------------------------------------

PINELLAS = TimeVestedShare(rate_per_year=D("0.03"), vesting_years=2)


def pinellas_home(determination: dt.date) -> ResaleInputs:
    return inputs(
        purchase_price=D(100000),
        purchase_date=d(2015, 1, 10),
        determination_date=determination,
        resale_appraisal=Appraisal(improvements=D(175000)),
    )


# ---------------------------------------------------------------------------------------------
# §1 / §2.4 CPI-indexed (MPDU)
# ---------------------------------------------------------------------------------------------


def mpdu_home(**kw) -> ResaleInputs:
    return inputs(
        purchase_price=D(150000),
        capital_improvements=(improvement("Finished basement", "7500"),),
        **cpi("200", "230"),
        **kw,
    )


# ---------------------------------------------------------------------------------------------
# §2.5 Administered annual rate (Boulder)
# ---------------------------------------------------------------------------------------------

BOULDER_RATES = (
    AnnualRate(2018, D("0.035")),
    AnnualRate(2019, D("0.02")),
    AnnualRate(2020, D("0.01")),
    AnnualRate(2021, D("0.015")),
)


def boulder_home(**kw) -> ResaleInputs:
    return inputs(
        **{"purchase_price": D(200000), "purchase_date": d(2018, 3, 15), "determination_date": d(2021, 6, 1), **kw}
    )


# ---------------------------------------------------------------------------------------------
# §2.7 Fixed rate, compounding (Big River)
# ---------------------------------------------------------------------------------------------

BIG_RIVER_LOAN = (Charge("Mortgage payoff", D("298573.33")),)


def big_river_home(**kw) -> ResaleInputs:
    return inputs(
        purchase_price=D(350000),
        purchase_date=d(2010, 3, 1),
        determination_date=d(2017, 9, 1),  # 7 full years and 6 months: 7 completed years
        liens=BIG_RIVER_LOAN,
        **kw,
    )


# ---------------------------------------------------------------------------------------------
# §2.8 Itemized fair return (Glen Aspen)
# ---------------------------------------------------------------------------------------------

GLEN_ASPEN = ResalePolicy(
    ItemizedFairReturn(inflation_rate=D("0.015")),
    credit_rules=CreditRules(cost_over=D(3000), within_years=5),
)


def glen_aspen_home(resale_total: str, **kw) -> ResaleInputs:
    half = {"method": CreditMethod.PERCENT_OF_COST, "credit_pct": D("0.5")}
    return inputs(
        purchase_price=D(150000),
        purchase_date=d(2014, 5, 1),
        determination_date=d(2020, 8, 1),  # 6 completed years
        resale_appraisal=Appraisal(total=D(resale_total), land=D(60000)),
        retained_subsidy=D(20000),  # the HOME subsidy stays with the home
        principal_paid=D(20000),
        purchase_closing_costs=D(3000),
        liens=(Charge("First mortgage", D(110000)),),
        sale_closing_costs=(Charge("Closing costs", D(9000)),),
        capital_improvements=(
            improvement("Roof", "8000", d(2018, 6, 1), **half),
            improvement("Fence", "2500", d(2019, 6, 1), **half),  # not over 3,000
            improvement("Kitchen", "9000", d(2014, 12, 1), **half),  # more than 5 years before the sale
        ),
        **kw,
    )


# ---------------------------------------------------------------------------------------------
# §2.9 Mortgage-based affordable price
# ---------------------------------------------------------------------------------------------

# Twin Cities Met Council 2020 (§2.9 table): 29 % of income, 3.625 % over 30 years, 3.5 % down, tax 1.25 %
# of price a year, mortgage insurance 0.85 % of the loan a year, 100 a month hazard insurance, family of 4.
MET_COUNCIL_2020 = MortgageTerms(
    income_share=D("0.29"),
    annual_rate=D("0.03625"),
    term_months=360,
    down_payment_pct=D("0.035"),
    property_tax_rate=D("0.0125"),
    mortgage_insurance_rate=D("0.0085"),
    hazard_insurance_monthly=D(100),
    household=HouseholdSize(persons_per_bedroom=None, fixed_persons=D(4)),
    rounding=CENT,
)

# 30 % of income at 0 % over 360 months, everything else at its default: the solver's answer can be written
# down by hand (income × 30 % / 12 × 360).
PLAIN_TERMS = MortgageTerms(income_share=D("0.30"), annual_rate=D(0))


# ---------------------------------------------------------------------------------------------
# §2.3 / §2.10 San Leandro: the lowest of the appraisal, the AMI- and the CPI-indexed prices,
# never below the price paid
# ---------------------------------------------------------------------------------------------

SAN_LEANDRO = ResalePolicy(
    LesserOf((AmiIndexed(), CpiIndexed())), caps=(AppraisalCap(Scope.TOTAL),), floor=FloorRule.PURCHASE_PRICE
)
