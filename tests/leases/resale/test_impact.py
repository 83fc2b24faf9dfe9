"""The funder impact figures (``leases/impact.py``, domain notes §7), with no database: worked examples by hand.

The home of most tests is the CHT example of the notes (§2.1 / §7): bought for 150,000 when it was
appraised at 226,000 (the trust's "permanent investment" 76,000), resold for 160,000 when appraised at
266,000: the trust keeps 75 % of the 40,000 of appreciation, so the subsidy retained is 106,000.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import pytest

from leases.resale import engine as resale
from leases.resale import impact
from leases.resale.impact import Assumptions, Program, ResaleFacts

ROOT = Path(__file__).resolve().parents[3]
CHT = Program("1", "Shared appreciation 25 %")
CONDO = Program("2", "Fixed 1.5 % simple")
# 6.25 % over 30 years: the monthly payment per dollar borrowed, r / (1 - (1 + r)^-360), r = 0.0625 / 12.
PMT_FACTOR = (D("0.0625") / 12) / (1 - (1 + D("0.0625") / 12) ** -360)


def cht_home(**changes) -> ResaleFacts:
    facts = {
        "ref": "7",
        "program": CHT,
        "purchase_date": dt.date(2016, 6, 1),
        "resale_date": dt.date(2022, 6, 15),
        "purchase_price": D("150000.00"),
        "resale_price": D("160000.00"),
        "market_value_at_purchase": D("226000.00"),
        "market_value_at_resale": D("266000.00"),
        "bedrooms": 2,
        "ami_at_purchase": D("84000"),  # HUD FY2016 Burlington median family income
        "ami_at_resale": D("109000"),  # FY2022
        "buyer_income": D("70000.00"),
        "buyer_ami": D("98100.00"),  # 109,000 × 0.90 for three people
        "label": "12 Elm Street",
    }
    facts.update(changes)
    return ResaleFacts(**facts)


# --- Subsidy ---------------------------------------------------------------------------------------


def test_cht_permanent_investment_76000_becomes_106000():
    result = impact.impact_of(cht_home())
    assert result.initial_subsidy == D("76000.00")
    assert result.retained_subsidy == D("106000.00")
    assert result.retention_ratio == D("1.3947")  # 106,000 / 76,000 = 1.39473…, nominal
    assert result.explanation("initial_subsidy") == (
        "market value at purchase 226,000.00 - price paid 150,000.00 = 76,000.00"
    )
    assert "(nominal dollars)" in result.explanation("retention_ratio")
    assert result.left_out == ()


def test_a_home_sold_at_market_gives_no_ratio_and_says_why():
    result = impact.impact_of(cht_home(purchase_price=D("226000.00")))
    assert result.initial_subsidy == D("0.00")
    assert result.retention_ratio is None
    assert result.missing("retention_ratio").code == "no_initial_subsidy"


# --- Affordability (the OPAL chart) -----------------------------------------------------------------


def test_percent_of_ami_needed_at_purchase_and_resale_by_hand():
    """Default assumptions: 30 % of income; 3.5 % down; 6.25 %, 30 years; tax 1.25 % a year; $100 insurance.

    At purchase: loan 144,750 × factor + tax 156.25 + 100 a month; × 12 ÷ 0.30 = 45,900.03 a year. Two
    bedrooms × 1.5 = 3 persons: 84,000 × 0.90 = 75,600; 45,900.03 ÷ 75,600 = 60.71 % → 60.7.
    At resale: 154,400 × factor + 166.67 + 100 → 48,693.36; 109,000 × 0.90 = 98,100 → 49.64 % → 49.6."""
    monthly = D("144750") * PMT_FACTOR + D("150000") * D("0.0125") / 12 + 100
    assert (monthly * 12 / D("0.30")).quantize(D("0.01")) == D("45900.03")
    result = impact.impact_of(cht_home())
    assert result.household_size == D("3.0")
    assert result.ami_for_home_at_purchase == D("75600.00")
    assert result.income_needed_at_purchase == D("45900.03")
    assert result.pct_ami_needed_at_purchase == D("60.7")
    assert result.ami_for_home_at_resale == D("98100.00")
    assert result.income_needed_at_resale == D("48693.36")
    assert result.pct_ami_needed_at_resale == D("49.6")
    assert result.buyer_pct_ami == D("71.4")  # 70,000 ÷ 98,100 = 71.36 %


def test_the_same_engine_solver_gives_the_income_needed():
    """The figure is ``resale.income_needed`` itself, under the stated assumptions, never a copy of it."""
    terms = impact.DEFAULT_ASSUMPTIONS.terms()
    assert resale.income_needed(D("150000.00"), terms).quantize(D("0.01")) == D("45900.03")
    assert terms.household.persons_per_bedroom == D("1.5")


def test_other_assumptions_change_the_figure_they_state():
    """At 25 % of income instead of 30 %, the same costs need 30 % ÷ 25 % = 1.2 × the income."""
    result = impact.impact_of(cht_home(), Assumptions(income_share=D("0.25")))
    assert result.income_needed_at_purchase == D("55080.03")  # 45,900.0275… × 1.2 = 55,080.033
    assert result.pct_ami_needed_at_purchase == D("72.9")


def test_a_large_home_outside_the_size_table_is_left_out_with_the_reason():
    result = impact.impact_of(cht_home(bedrooms=6))  # 9 persons: HUD's factors stop at 8
    assert result.pct_ami_needed_at_purchase is None
    left = result.missing("pct_ami_needed_at_purchase")
    assert left.code == "outside_size_table" and "1 to 8" in left.detail


# --- The seller's money -------------------------------------------------------------------------------


def test_irr_of_a_single_flow_by_hand():
    """10,000 in, 12,100 back two years later: 1.1² = 1.21, so 10 % a year."""
    assert impact.irr([(0, D(-10000)), (24, D(12100))]) == D("10.00")


def test_irr_of_two_returns_by_hand():
    """100 in, 60 back after one year and after two: 60 x² + 60 x - 100 = 0 with x = 1 / (1 + r) gives
    x = (-60 + √27,600) / 120 = 0.884437, r = 13.066 % → 13.07."""
    assert impact.irr([(0, D(-100)), (12, D(60)), (24, D(60))]) == D("13.07")


def test_irr_without_money_back_has_no_rate():
    assert impact.irr([(0, D(-100)), (12, D(-5))]) is None


def test_loan_balance_after_a_year_by_hand():
    """100,000 at 6 % over 30 years: 599.55 a month; after 12 payments 98,771.99 is left (a standard table)."""
    assert impact.loan_balance(D(100000), D("0.06"), 360, 12).quantize(D("0.01")) == D("98771.99")
    assert impact.loan_balance(D(100000), D("0.06"), 360, 360) == 0
    assert impact.loan_balance(D(100000), D("0.06"), 360, 0) == D(100000)


def test_seller_return_on_a_loan_without_interest_by_hand():
    """Price 100,000, 10 % down, no interest over 120 months: 750 of principal a month.

    Sold for the price paid after 12 months: balance 81,000, equity 19,000, gained 9,000 (the principal):
    19,000 back for 10,000 + 12 × 750 = 19,000 in, so 0 %. Sold for 110,000 after 24 months: balance
    72,000, equity 38,000, gained 28,000 = 10,000 more in price + 18,000 of principal."""
    terms = Assumptions(annual_rate=D(0), term_months=120, down_payment_pct=D("0.10"))
    flat = impact.seller_return(purchase_price=D(100000), resale_price=D(100000), months=12, assumptions=terms)
    assert (flat.down_payment, flat.monthly_payment, flat.balance) == (D("10000.00"), D(750), D("81000.00"))
    assert (flat.equity, flat.equity_gained, flat.annual_return) == (D("19000.00"), D("9000.00"), D("0.00"))
    up = impact.seller_return(purchase_price=D(100000), resale_price=D(110000), months=24, assumptions=terms)
    assert (up.balance, up.equity, up.equity_gained) == (D("72000.00"), D("38000.00"), D("28000.00"))
    explicit = [(0, D(-10000))] + [(k, D(-750)) for k in range(1, 25)] + [(24, D(38000))]
    assert up.annual_return == impact.irr(explicit) == D("24.77")


def test_seller_return_closed_form_equals_the_explicit_monthly_flows():
    """The closed form used for speed and the flows written out month by month agree (6.25 %, 3.5 % down)."""
    money = impact.seller_return(purchase_price=D("150000.00"), resale_price=D("160000.00"), months=72)
    i = D("0.0625") / 12
    principal = [(money.monthly_payment - i * money.loan) * (1 + i) ** (k - 1) for k in range(1, 73)]
    # An independent amortisation, month by month: the balance is the loan less the principal repaid.
    balance = money.loan
    for _month in range(72):
        balance -= money.monthly_payment - balance * i
    assert money.balance == balance.quantize(D("0.01")) == (money.loan - sum(principal)).quantize(D("0.01"))
    flows = [(0, -money.down_payment)] + [(k, -p) for k, p in enumerate(principal, start=1)] + [(72, money.equity)]
    assert money.annual_return == impact.irr(flows)
    assert money.equity_gained == money.equity - money.down_payment == D("10000.00") + money.principal_repaid


def test_the_cht_sellers_equity_and_return():
    result = impact.impact_of(cht_home())
    assert result.tenure_years == D("6.00")  # 72 whole months (1 June 2016 to 15 June 2022)
    assert result.down_payment == D("5250.00")
    # 144,750 × ((1 + i)^360 - (1 + i)^72) / ((1 + i)^360 - 1) with i = 0.0625 / 12: 0.917379… of the loan.
    assert result.loan_balance_at_resale == D("132789.14")
    assert result.seller_equity == D("27210.86")  # 160,000 - 132,789.14
    assert result.seller_equity_gained == D("21960.86")  # 10,000 of price + 11,960.86 of principal
    # 5,250 down and 11,960.86 of principal over six years for 27,210.86 back: about 12 % a year (the
    # closed form is checked against the explicit monthly flows above).
    assert result.seller_annual_return == D("12.15")


def test_a_sale_within_a_month_or_underwater_has_no_return():
    early = impact.impact_of(cht_home(resale_date=dt.date(2016, 6, 20)))
    assert early.missing("seller_annual_return").code == "too_short"
    assert early.seller_equity is not None
    underwater = impact.impact_of(cht_home(resale_price=D("100000.00"), resale_date=dt.date(2017, 6, 1)))
    assert underwater.seller_equity < 0
    assert underwater.missing("seller_annual_return").code == "no_proceeds"


# --- Programs: aggregates, medians, missing figures ----------------------------------------------------


def test_medians_of_an_even_count_are_the_mean_of_the_middle_two():
    assert impact.median([D(4), D(1), D(3), D(2)]) == D("2.5")
    assert impact.median([D(5), D(1), D(3)]) == D(3)
    assert impact.median([]) is None


def test_program_totals_ratio_and_medians_with_an_even_count():
    """Two CHT-like homes: Σ retained ÷ Σ initial = (106,000 + 60,000) ÷ (76,000 + 50,000) = 1.3175; the
    median buyer % AMI of 71.4 and 61.2 is their mean, 66.3."""
    second = cht_home(
        ref="8",
        purchase_price=D("120000.00"),
        market_value_at_purchase=D("170000.00"),
        resale_price=D("130000.00"),
        market_value_at_resale=D("190000.00"),
        buyer_income=D("60000.00"),  # ÷ 98,100 = 61.16 % → 61.2
    )
    (program,) = impact.report([cht_home(), second])
    assert (program.count, program.subsidy_counted, program.subsidy_left_out) == (2, 2, 0)
    assert (program.total_initial_subsidy, program.total_retained_subsidy) == (D("126000.00"), D("166000.00"))
    assert program.retention_ratio == D("1.3175")
    assert program.summary("buyer_pct_ami") == impact.MetricSummary("buyer_pct_ami", 2, 0, D("66.3"))
    assert program.summary("initial_subsidy").median == D("63000.00")


def test_a_missing_figure_is_counted_and_left_out_only_where_it_is_needed():
    """A resale without an appraisal at resale and without the buyer's income still counts as a resale and in
    every other figure; the subsidy totals and ratio cover only the homes with both market values."""
    incomplete = cht_home(
        ref="9",
        market_value_at_resale=None,
        buyer_income=None,
        unknown=(("market_value_at_resale", "no appraisal recorded on the buyer's lease 12"),),
    )
    (program,) = impact.report([cht_home(), incomplete])
    assert program.count == 2
    assert (program.subsidy_counted, program.subsidy_left_out) == (1, 1)
    assert (program.total_initial_subsidy, program.total_retained_subsidy) == (D("76000.00"), D("106000.00"))
    assert program.retention_ratio == D("1.3947")
    assert program.summary("retained_subsidy") == impact.MetricSummary("retained_subsidy", 1, 1, D("106000.00"))
    assert program.summary("initial_subsidy").counted == 2  # it had a market value at purchase
    assert program.summary("pct_ami_needed_at_resale").counted == 2  # the price needs no appraisal
    assert program.summary("buyer_pct_ami").left_out == 1
    result = next(r for r in program.resales if r.facts.ref == "9")
    left = result.missing("retained_subsidy")
    assert (left.code, left.needs, left.detail) == (
        "missing",
        ("market_value_at_resale",),
        "no appraisal recorded on the buyer's lease 12",
    )
    assert result.missing("buyer_pct_ami").needs == ("buyer_income",)
    assert {m.metric for m in result.left_out} == {"retained_subsidy", "retention_ratio", "buyer_pct_ami"}


def test_programs_are_grouped_by_name_with_no_policy_last():
    homes = [
        cht_home(ref="1", program=impact.Program("", "No resale policy")),
        cht_home(ref="2", program=CONDO, resale_date=dt.date(2021, 1, 5)),
        cht_home(ref="3", program=CHT),
        cht_home(ref="4", program=CONDO, resale_date=dt.date(2019, 3, 1)),
    ]
    programs = impact.report(homes)
    assert [p.program.name for p in programs] == ["Fixed 1.5 % simple", "Shared appreciation 25 %", "No resale policy"]
    assert [r.facts.ref for r in programs[0].resales] == ["4", "2"]  # by resale date


def test_bad_assumptions_and_dates_name_the_field():
    with pytest.raises(resale.ResaleInputError) as error:
        impact.report([cht_home()], Assumptions(income_share=D(0)))
    assert error.value.field == "income_share"
    with pytest.raises(resale.ResaleInputError) as error:
        Assumptions(down_payment_pct=D(1)).check()
    assert error.value.field == "down_payment_pct"
    with pytest.raises(resale.ResaleInputError) as error:
        impact.impact_of(cht_home(resale_date=dt.date(2015, 1, 1)))
    assert error.value.field == "resale_date"


def test_the_module_imports_without_django():
    check = (
        "import sys, leases.resale.impact; "
        "assert not [m for m in sys.modules if m.startswith('django')], 'imports Django'"
    )
    result = subprocess.run([sys.executable, "-c", check], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
