"""leases.resale: every formula family, the pipeline, the worked examples of the domain notes, real index series.

The module is pure, so these tests need no database. Section numbers (§) are those of
``shared/domain/resale_and_lease.md``. Every expected figure is written out by hand (a published figure,
or arithmetic shown in a comment), never taken from the code under test. Each test states the rounding
rule it assumes (§3.9: "Tests must say which rule they assume").
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from decimal import Decimal, localcontext

import pytest

from leases.resale import engine as resale
from leases.resale.engine import (
    AdministeredRate,
    AffordabilityCap,
    AmiIndexed,
    AnnualRate,
    Appraisal,
    AppraisalCap,
    AppraisalShare,
    Baseline,
    Charge,
    CpiIndexed,
    CreditMethod,
    CreditRules,
    FixedRateCompound,
    FixedRateSimple,
    FloorRule,
    GrowthBase,
    HouseholdSize,
    IndexValue,
    ItemizedFairReturn,
    LesserOf,
    MortgageBased,
    MortgageTerms,
    NegativeAppreciation,
    PeriodUnit,
    RateYear,
    ResaleInputError,
    ResaleInputs,
    ResalePolicy,
    Rounding,
    RoundingDirection,
    RoundingMode,
    SaleAllowance,
    Scope,
    ShareTier,
    TimeVestedShare,
    Timing,
)
from tests.datafiles import AMI_FILE, CPI_FILE, PROJECT_ROOT
from tests.leases.resale.resale_examples import (
    BOULDER_RATES,
    CENT,
    DOLLAR,
    EXACT,
    GLEN_ASPEN,
    MET_COUNCIL_2020,
    PINELLAS,
    PLAIN_TERMS,
    SAN_LEANDRO,
    ami,
    big_river_home,
    boulder_home,
    cpi,
    glen_aspen_home,
    improvement,
    inputs,
    mpdu_home,
    nearest,
    pinellas_home,
)

D = Decimal
d = dt.date


def explained(result: resale.ResaleResult) -> resale.ResaleResult:
    """Check the explanation is self-consistent: line amounts add up to each running total and the price."""
    with localcontext() as ctx:
        ctx.prec = 34  # the engine's precision; the default 28 could round a long running sum
        running = D(0)
        for item in result.line_items:
            running += item.amount
            assert item.total == running, item
            assert item.code and item.label
        assert running == result.price
        running = D(0)
        for item in result.proceeds_items:
            running += item.amount
            assert item.total == running, item
        assert running == result.seller_proceeds
    assert result.proceeds_items[0].amount == result.price
    for value in (result.price, result.formula_price, result.capped_price, result.seller_proceeds):
        assert isinstance(value, Decimal)
    return result


def compute(policy: ResalePolicy, home: ResaleInputs) -> resale.ResaleResult:
    return explained(resale.compute_resale(policy, home))


def codes(result: resale.ResaleResult) -> list[str]:
    return [item.code for item in result.line_items]


def line(result: resale.ResaleResult, code: str) -> resale.LineItem:
    (found,) = [item for item in result.line_items if item.code == code]
    return found


NO_RULES = CreditRules()
PRICED_ON = d(2020, 6, 1)


# ---------------------------------------------------------------------------------------------
# §2.1 Appraisal-based share of appreciation
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("share, seller_gets, price", [("0.25", "31250", "281250"), ("0.35", "43750", "293750")])
def test_s2_1_vsclt_share_of_appreciation_from_the_initial_appraisal(share, seller_gets, price):
    """§2.1 VSCLT: price 250,000, appraised 350,000 at purchase and 475,000 at resale. Appreciation is
    125,000; the seller gets 25 % = 31,250 (or 35 % = 43,750). Rounding: to the cent (no effect)."""
    home = inputs(initial_appraisal=Appraisal(total=D(350000)), resale_appraisal=Appraisal(total=D(475000)))
    result = compute(ResalePolicy(AppraisalShare(D(share), scope=Scope.TOTAL), rounding=CENT), home)
    assert line(result, "growth.appraisal_share").amount == D(seller_gets)
    assert result.formula_price == result.price == D(price)
    assert codes(result) == ["base.purchase_price", "growth.appraisal_share", "round.cent"]
    assert "350,000.00" in line(result, "growth.appraisal_share").detail


def test_s8_pitfall_1_price_paid_baseline_overpays_by_25000():
    """§8 pitfall 1: 25 % of (475k - 250k) instead of (475k - 350k) overpays the seller by 25,000 in the
    VSCLT example, so the baseline is a setting; Pinellas does measure from the price paid (§2.2)."""
    home = inputs(initial_appraisal=Appraisal(total=D(350000)), resale_appraisal=Appraisal(total=D(475000)))
    right = compute(ResalePolicy(AppraisalShare(D("0.25"), scope=Scope.TOTAL)), home)
    wrong = compute(ResalePolicy(AppraisalShare(D("0.25"), baseline=Baseline.PURCHASE_PRICE, scope=Scope.TOTAL)), home)
    assert wrong.price == D(306250)  # 250,000 + 25 % × 225,000
    assert wrong.price - right.price == D(25000)


def test_s2_1_lawinsider_clause_improvements_only_baseline():
    """§2.1 lawinsider POP clause: price 130,420 + 25 % of the increase in the *improvements'* value from
    the appraisal at purchase (182,500), without regard to the land. The clause gives no resale
    appraisal; ours is 260,000 with 60,000 of land (improvements 200,000), and the purchase appraisal
    232,500 total with 50,000 of land. Rounding: to the cent."""
    home = inputs(
        purchase_price=D(130420),
        initial_appraisal=Appraisal(total=D(232500), land=D(50000)),
        resale_appraisal=Appraisal(total=D(260000), land=D(60000)),
    )
    policy = ResalePolicy(AppraisalShare(D("0.25")), caps=(AppraisalCap(),), rounding=CENT)
    result = compute(policy, home)
    # 130,420 + 25 % × (200,000 - 182,500) = 130,420 + 4,375
    assert result.price == D(134795)
    assert line(result, "cap.appraisal").amount == 0  # 134,795 is below the improvements' 200,000
    # Measuring the whole property instead (land included) gives a different, wrong answer for this clause:
    # 130,420 + 25 % × (260,000 - 232,500) = 137,295.
    total = compute(ResalePolicy(AppraisalShare(D("0.25"), scope=Scope.TOTAL)), home)
    assert total.price == D(137295)


def test_s2_1_lawinsider_clause_lesser_of_the_improvements_appraisal():
    """§2.1 / §3.3: the POP is the *lesser* of the formula price and the improvements' appraisal. With the
    improvements appraised at 110,000 (a falling market, our figure) the formula gives
    130,420 + 25 % × (110,000 - 182,500) = 112,295, so the appraisal decides: 110,000."""
    home = inputs(
        purchase_price=D(130420),
        initial_appraisal=Appraisal(improvements=D(182500)),
        resale_appraisal=Appraisal(improvements=D(110000)),
    )
    result = compute(ResalePolicy(AppraisalShare(D("0.25")), caps=(AppraisalCap(),)), home)
    assert result.formula_price == D(112295)
    assert result.capped_price == result.price == D(110000)
    assert line(result, "cap.appraisal").amount == D(-2295)


def test_s2_1_cht_credits_appraised_improvement_in_full_and_shares_the_rest():
    """§2.1 CHT (VT): the owner keeps 100 % of the value an appraiser attributes to capital improvements,
    plus 25 % of the *remaining* appreciation. Our figures: price 150,000; appraised 226,000 at purchase
    and 276,000 at resale, 10,000 of which the appraiser attributes to a new garage.
    Shared appreciation: 276,000 - 226,000 - 10,000 = 40,000; 25 % = 10,000; price = 150,000 + 10,000
    + 10,000 = 170,000. Sharing the garage's value as well would count it twice: 172,500."""
    garage = improvement("New garage", "14000", method=CreditMethod.APPRAISED_VALUE, appraised_value=D(10000))
    home = inputs(
        purchase_price=D(150000),
        initial_appraisal=Appraisal(total=D(226000)),
        resale_appraisal=Appraisal(total=D(276000)),
        capital_improvements=(garage,),
    )
    result = compute(ResalePolicy(AppraisalShare(D("0.25"), scope=Scope.TOTAL)), home)
    assert line(result, "growth.appraisal_share").amount == D(10000)
    assert line(result, "credit.capital_improvement").amount == D(10000)
    assert result.price == D(170000)
    assert result.credits_total == D(10000)
    double = compute(ResalePolicy(AppraisalShare(D("0.25"), scope=Scope.TOTAL, net_of_appraised_credits=False)), home)
    assert double.price == D(172500)
    # Credited at 50 % instead, only the credited 5,000 is kept out of the appreciation; the other 5,000 is
    # shared like any appreciation: 150,000 + 25 % × 45,000 + 5,000 = 166,250.
    half = improvement(
        "New garage", "14000", method=CreditMethod.APPRAISED_VALUE, appraised_value=D(10000), credit_pct=D("0.5")
    )
    partial = compute(
        ResalePolicy(AppraisalShare(D("0.25"), scope=Scope.TOTAL)),
        ResaleInputs(**{**home.__dict__, "capital_improvements": (half,)}),
    )
    assert partial.price == D(166250)


def test_s2_1_and_s7_cht_permanent_investment_76000_becomes_106000():
    """§2.1 / §7 CHT: the trust's investment is market value minus the buyer's price; at resale it keeps
    75 % of the appreciation: 76,000 + 30,000 = 106,000. The newspaper's other figures are not internally
    consistent (§3.9), so we build the home from these two: price 150,000 against a 226,000 appraisal
    (76,000 invested), 40,000 of appreciation (75 % of it = 30,000). The 25 % formula gives the seller
    10,000, and the subsidy retained is 266,000 - 160,000 = 106,000."""
    home = inputs(
        purchase_price=D(150000),
        initial_appraisal=Appraisal(total=D(226000)),
        resale_appraisal=Appraisal(total=D(266000)),
    )
    result = compute(ResalePolicy(AppraisalShare(D("0.25"), scope=Scope.TOTAL)), home)
    assert result.price == D(160000)
    retention = resale.subsidy_retention(
        market_value_at_purchase=D(226000),
        purchase_price=D(150000),
        market_value_at_resale=D(266000),
        resale_price=result.price,
    )
    assert retention.initial == D(76000)
    assert retention.retained == D(106000)
    assert retention.retained - retention.initial == D(30000)
    assert retention.ratio.quantize(D("0.0001")) == D("1.3947")  # 106,000 / 76,000


def test_subsidy_retention_without_initial_subsidy_has_no_ratio():
    retention = resale.subsidy_retention(
        market_value_at_purchase=D(200000),
        purchase_price=D(200000),
        market_value_at_resale=D(220000),
        resale_price=D(210000),
    )
    assert (retention.initial, retention.retained, retention.ratio) == (D(0), D(10000), None)


def test_s2_1_dclt_share_tiered_by_tenure():
    """§2.1 DCLT: the share runs from 25 % to 45 % by tenure, 35 % for a 15-year owner. The notes do not
    give the tier boundaries; ours: 25 % from the start, 35 % from 10 years, 45 % from 20 years."""
    tiers = (ShareTier(0, D("0.25")), ShareTier(10, D("0.35")), ShareTier(20, D("0.45")))
    policy = ResalePolicy(AppraisalShare(D("0.25"), scope=Scope.TOTAL, tiers=tiers))
    appraisals = {"initial_appraisal": Appraisal(total=D(300000)), "resale_appraisal": Appraisal(total=D(400000))}
    for years, gain in ((9, 25000), (15, 35000), (20, 45000)):
        result = compute(
            policy, inputs(purchase_date=d(2000, 3, 1), determination_date=d(2000 + years, 3, 1), **appraisals)
        )
        assert result.price == D(250000 + gain), years


@pytest.mark.parametrize(
    "mode, price, no_loss",
    [(NegativeAppreciation.SYMMETRIC, 240000, False), (NegativeAppreciation.ZERO, 250000, True)],
)
def test_s2_1_negative_appreciation_symmetric_or_zero(mode, price, no_loss):
    """§2.1 / §3.4: appraised 300,000 at purchase, 260,000 at resale. Symmetric: 250,000 + 25 % × -40,000 =
    240,000. Zero: the fall is not passed on, 250,000."""
    home = inputs(initial_appraisal=Appraisal(total=D(300000)), resale_appraisal=Appraisal(total=D(260000)))
    result = compute(ResalePolicy(AppraisalShare(D("0.25"), scope=Scope.TOTAL), negative_appreciation=mode), home)
    assert result.price == D(price)
    assert ("growth.no_loss" in codes(result)) is no_loss


# ---------------------------------------------------------------------------------------------
# §2.2 Time-vested share
# ---------------------------------------------------------------------------------------------


def test_s2_2_pinellas_four_years_gives_109000():
    """§2.2 Pinellas: 100,000 price, 175,000 appraisal, 4 years: 3 % × 4 = 12 % of (175,000 - 100,000) =
    9,000, price 109,000 (baseline: the price paid). Rounding: to the cent."""
    result = compute(ResalePolicy(PINELLAS), pinellas_home(d(2019, 3, 1)))
    assert line(result, "growth.time_vested_share").amount == D(9000)
    assert result.price == D(109000)


def test_s2_2_pinellas_sale_after_18_months_gives_100000():
    """§2.2 Pinellas: a sale after 18 months gives 100,000 (0 % within 2 years)."""
    result = compute(ResalePolicy(PINELLAS), pinellas_home(d(2016, 7, 10)))
    assert result.price == D(100000)
    assert "within the first 2 years" in line(result, "growth.time_vested_share").detail


def test_time_vested_share_vests_on_the_anniversary_and_counts_completed_years():
    # The day before the second anniversary: 1 completed year, not vested. On it: 6 % of 75,000 = 4,500.
    # 2 years 11 months is still 2 completed years.
    assert compute(ResalePolicy(PINELLAS), pinellas_home(d(2017, 1, 9))).price == D(100000)
    assert compute(ResalePolicy(PINELLAS), pinellas_home(d(2017, 1, 10))).price == D(104500)
    assert compute(ResalePolicy(PINELLAS), pinellas_home(d(2017, 12, 31))).price == D(104500)


def test_time_vested_share_is_capped_at_max_share():
    # 15 years × 3 % = 45 %, capped at 30 %: 30 % of 75,000 = 22,500.
    policy = ResalePolicy(TimeVestedShare(D("0.03"), vesting_years=2, max_share=D("0.30")))
    assert compute(policy, pinellas_home(d(2030, 1, 10))).price == D(122500)


def test_time_vested_share_without_vesting_period():
    # One completed year with no vesting period: 3 % of 75,000 = 2,250.
    policy = ResalePolicy(TimeVestedShare(D("0.03")))
    assert compute(policy, pinellas_home(d(2016, 1, 10))).price == D(102250)


# ---------------------------------------------------------------------------------------------
# §2.3 AMI-indexed
# ---------------------------------------------------------------------------------------------


def test_s2_3_vsclt_ami_exact_figure_288461_54_not_the_rounded_percentage():
    """§2.3 VSCLT: AMI 130,000 → 150,000 on a 250,000 home gives "roughly" 288,500; exactly 288,461.54
    (250,000 × 150,000 / 130,000 = 288,461.538…, to the cent, halves up). The page's "roughly 15 %" would
    give 287,500: the engine uses the raw levels."""
    result = compute(ResalePolicy(AmiIndexed(), rounding=CENT), inputs(**ami("130000", "150000")))
    assert result.price == D("288461.54")
    assert result.price != D(287500)
    # The unrounded formula price is kept until the rounding step (DESIGN.md).
    assert result.formula_price.quantize(D("0.000001")) == D("288461.538462")
    # The page's "roughly 288,500" is the same price rounded to the nearest 500.
    rough = compute(ResalePolicy(AmiIndexed(), rounding=nearest(500)), inputs(**ami("130000", "150000")))
    assert rough.price == D(288500)


def test_s2_3_hometrust_ten_percent_ami_rise_on_136000_gives_149600():
    """§2.3 Home Trust: a 10 % AMI rise on 136,000 gives 149,600. Rounding: to the cent."""
    result = compute(ResalePolicy(AmiIndexed()), inputs(purchase_price=D(136000), **ami("100000", "110000")))
    assert result.price == D(149600)


@pytest.mark.parametrize(
    "policy_kw, price",
    [
        ({}, 228000),  # symmetric: 240,000 × 95,000 / 100,000
        ({"negative_appreciation": NegativeAppreciation.ZERO}, 240000),
        ({"floor": FloorRule.PURCHASE_PRICE}, 240000),
    ],
)
def test_s2_3_ami_can_fall(policy_kw, price):
    """§2.3: AMI can fall (Twin Cities 2013); without a floor the formula price falls below the price paid."""
    result = compute(
        ResalePolicy(AmiIndexed(), **policy_kw), inputs(purchase_price=D(240000), **ami("100000", "95000"))
    )
    assert result.price == D(price)


def test_s2_3_san_leandro_lowest_of_appraisal_ami_and_cpi_prices():
    """§2.3 / §2.10 San Leandro: the lowest of the appraisal, the AMI-compounded and the CPI-compounded
    prices, never below the price paid. Our figures: price 300,000; AMI 100,000 → 120,000 (360,000);
    CPI 250 → 275 (330,000); appraisal 340,000. The lowest is the CPI price, 330,000."""
    policy = SAN_LEANDRO
    home = inputs(
        purchase_price=D(300000),
        resale_appraisal=Appraisal(total=D(340000)),
        **ami("100000", "120000"),
        **cpi("250", "275"),
    )
    result = compute(policy, home)
    assert result.price == D(330000)
    assert [c for c in codes(result) if c.startswith("candidate.")] == ["candidate.ami", "candidate.cpi"]
    assert line(result, "candidate.ami").amount == 0
    assert "360,000.00" in line(result, "candidate.ami").label
    assert line(result, "cap.appraisal").amount == 0


def test_s2_10_san_leandro_floor_at_price_paid_overrides_a_lower_appraisal():
    """§2.10 / §3.4: in a falling market (AMI 100,000 → 95,000: 285,000; CPI 250 → 255: 306,000;
    appraisal 290,000) the lesser is 285,000, and the floor lifts it back to the 300,000 paid. The floor
    comes after the cap (§1 steps 7-8), so it wins over the appraisal."""
    policy = SAN_LEANDRO
    home = inputs(
        purchase_price=D(300000),
        resale_appraisal=Appraisal(total=D(290000)),
        **ami("100000", "95000"),
        **cpi("250", "255"),
    )
    result = compute(policy, home)
    assert result.formula_price == D(285000)
    assert result.capped_price == D(285000)
    assert line(result, "floor.purchase_price").amount == D(15000)
    assert result.price == D(300000)


# ---------------------------------------------------------------------------------------------
# §2.4 CPI-indexed, and the order of steps (§1)
# ---------------------------------------------------------------------------------------------


def test_s2_4_cpi_indexed_price():
    # 150,000 × 230 / 200 = 172,500.
    result = compute(ResalePolicy(CpiIndexed()), inputs(purchase_price=D(150000), **cpi("200", "230")))
    assert result.price == D(172500)
    assert "230" in line(result, "growth.cpi").detail


def test_s1_mpdu_commission_on_top_of_the_maximum_resale_price():
    """§1 / §2.4 MPDU: maximum resale price = initial price + CPI change + CIs (150,000 → 172,500 + 7,500 =
    180,000); the broker commission is then added on top for the maximum listing price: + 6 % = 190,800.
    With a 185,000 appraisal cap: the commission after the cap gives 190,800; before the cap, 185,000."""
    commission = (SaleAllowance("Broker commission", pct=D("0.06")),)
    after = ResalePolicy(
        CpiIndexed(), sale_allowances=commission, allowances_timing=Timing.AFTER_CAP, caps=(AppraisalCap(Scope.TOTAL),)
    )
    before = ResalePolicy(CpiIndexed(), sale_allowances=commission, caps=(AppraisalCap(Scope.TOTAL),))
    home = mpdu_home(resale_appraisal=Appraisal(total=D(185000)))
    listing = compute(after, home)
    assert listing.capped_price == D(180000)
    assert line(listing, "allowance.sale").amount == D(10800)
    assert listing.price == D(190800)
    assert codes(listing).index("cap.appraisal") < codes(listing).index("allowance.sale")
    capped = compute(before, home)
    assert capped.price == capped.capped_price == D(185000)


def test_s1_credits_before_or_after_the_cap():
    """§8 pitfall 2: CI credits come before or after the cap depending on the program. CPI price 172,500,
    credit 7,500, appraisal 170,000. Before the cap: 180,000 → 170,000. After: 170,000 + 7,500 = 177,500."""
    home = mpdu_home(resale_appraisal=Appraisal(total=D(170000)))
    before = compute(ResalePolicy(CpiIndexed(), caps=(AppraisalCap(Scope.TOTAL),)), home)
    after = compute(
        ResalePolicy(CpiIndexed(), caps=(AppraisalCap(Scope.TOTAL),), credits_timing=Timing.AFTER_CAP), home
    )
    assert before.price == D(170000)
    assert after.capped_price == D(170000)
    assert after.price == D(177500)


# ---------------------------------------------------------------------------------------------
# §2.5 Administered annual rate (Boulder)
# ---------------------------------------------------------------------------------------------


def test_s2_5_boulder_rate_on_original_price_then_ci_then_allowance_on_subtotal_then_flat():
    """§2.5 / §1 Boulder: each year's rate × the original price, added (not compounded); the CI credit is
    added; 2.5 % is computed on the subtotal that includes the CI; a flat closing-cost allowance comes last.
    The city's own worked example is not in the notes; ours: 200,000 bought 15 Mar 2018, priced 1 Jun 2021
    (3 full years, rates of the years they start in: 2018 3.5 %, 2019 2 %, 2020 1 %):
    7,000 + 4,000 + 2,000 = 13,000 → 213,000; + CI 5,000 = 218,000; + 2.5 % × 218,000 = 5,450 → 223,450;
    + 1,000 → 224,450."""
    policy = ResalePolicy(
        AdministeredRate(BOULDER_RATES),
        sale_allowances=(
            SaleAllowance("Real-estate compensation", pct=D("0.025")),
            SaleAllowance("Closing costs", amount=D(1000)),
        ),
    )
    result = compute(policy, boulder_home(capital_improvements=(improvement("Deck", "5000", d(2020, 5, 1)),)))
    assert line(result, "growth.administered_rate").amount == D(13000)
    assert [i.amount for i in result.line_items if i.code == "allowance.sale"] == [D(5450), D(1000)]
    assert result.price == D(224450)


def test_s2_5_administered_rate_of_the_year_each_period_ends_in():
    # Ownership years end 14 Mar 2019, 2020, 2021: 2 % + 1 % + 1.5 % of 200,000 = 9,000.
    policy = ResalePolicy(AdministeredRate(BOULDER_RATES, rate_year=RateYear.END))
    assert compute(policy, boulder_home()).price == D(209000)


def test_s2_5_administered_rate_by_whole_month():
    """Partial years by month: 38 whole months from 15 Mar 2018 to 1 Jun 2021, each earning 1/12 of the rate
    of the year it starts in: 10 months of 2018, 12 of 2019, 12 of 2020, 4 of 2021.
    200,000 × (10 × 3.5 % + 12 × 2 % + 12 × 1 % + 4 × 1.5 %) / 12 = 200,000 × 0.77 / 12 = 12,833.33…"""
    policy = ResalePolicy(AdministeredRate(BOULDER_RATES, period=PeriodUnit.WHOLE_MONTHS), rounding=CENT)
    assert compute(policy, boulder_home()).price == D("212833.33")


def test_administered_rate_increment_then_multiply():
    # Each year's increment rounded to a multiple of 100 (halves up) before adding: 3.5 % of 123,450 =
    # 4,320.75 → 4,300; 2 % = 2,469 → 2,500; 1 % = 1,234.50 → 1,200. Sum 8,000.
    policy = ResalePolicy(
        AdministeredRate(BOULDER_RATES), rounding=Rounding(RoundingMode.INCREMENT_THEN_MULTIPLY, D(100))
    )
    assert compute(policy, boulder_home(purchase_price=D(123450))).price == D(131450)


def test_administered_rate_missing_year_is_an_input_error():
    policy = ResalePolicy(AdministeredRate(BOULDER_RATES[:2]))
    with pytest.raises(ResaleInputError) as error:
        resale.compute_resale(policy, boulder_home())
    assert error.value.field == "formula.rates"
    assert "no rate for 2020" in error.value.reason


# ---------------------------------------------------------------------------------------------
# §2.6 Fixed rate, simple; §3.9 rounding
# ---------------------------------------------------------------------------------------------


def test_s2_6_vsclt_two_percent_for_ten_years_gives_300000():
    """§2.6 VSCLT: 2 %/yr; 250,000 after 10 years gives 300,000. Rounding: to the cent."""
    assert compute(ResalePolicy(FixedRateSimple(D("0.02"))), inputs()).price == D(300000)


def test_s2_6_town_covenant_prorated_by_whole_month_then_two_percent_of_the_sum():
    """§2.6 / §1 town covenant: 3 %/yr, prorated at 1/12 for each whole month, not compounded, + CIs, then
    up to 2 % of that sum for commission, legal and closing costs. Our figures: 200,000 held 55 whole
    months (20 Jan 2019 to 25 Aug 2023): 200,000 × 3 % × 55/12 = 27,500 → 227,500; + CI 10,000 = 237,500;
    + 2 % = 4,750 → 242,250. By completed years (4) instead: 200,000 × 12 % = 24,000."""
    home = inputs(
        purchase_price=D(200000),
        purchase_date=d(2019, 1, 20),
        determination_date=d(2023, 8, 25),
        capital_improvements=(improvement("Bathroom", "10000", d(2021, 4, 1)),),
    )
    allowance = (SaleAllowance("Commission, legal and closing costs", pct=D("0.02")),)
    monthly = compute(
        ResalePolicy(FixedRateSimple(D("0.03"), PeriodUnit.WHOLE_MONTHS), sale_allowances=allowance), home
    )
    assert line(monthly, "growth.fixed_simple").amount == D(27500)
    assert line(monthly, "allowance.sale").amount == D(4750)
    assert monthly.price == D(242250)
    yearly = compute(ResalePolicy(FixedRateSimple(D("0.03"))), home)
    assert line(yearly, "growth.fixed_simple").amount == D(24000)


def test_fixed_rate_simple_by_days():
    # 1.5 % of 100,000 for 400 days: 1,500 × 400/365 = 1,643.835… → 101,643.84 to the cent.
    home = inputs(purchase_price=D(100000), purchase_date=d(2020, 1, 1), determination_date=d(2021, 2, 4))
    assert compute(ResalePolicy(FixedRateSimple(D("0.015"), PeriodUnit.DAYS)), home).price == D("101643.84")


@pytest.mark.parametrize(
    "rounding, price",
    [
        # increment 136,333 × 1.25 % = 1,704.1625 → 1,704 (a whole dollar), × 10 = 17,040
        (Rounding(RoundingMode.INCREMENT_THEN_MULTIPLY), "153373.00"),
        # unrounded: 136,333 + 17,041.625 = 153,374.625
        (CENT, "153374.63"),  # halves up
        (DOLLAR, "153375.00"),
        (nearest(500), "153500.00"),
        (nearest(500, RoundingDirection.DOWN), "153000.00"),
        (EXACT, "153374.625"),
    ],
)
def test_s3_9_rounding_rule_changes_the_houston_style_schedule(rounding, price):
    """§2.6 / §3.9: Houston 1.25 %/yr not compounded; some schedules round the annual increment to a whole
    dollar before multiplying, others round only the final price. Ten years on 136,333 (our figure)."""
    home = inputs(purchase_price=D(136333))
    assert compute(ResalePolicy(FixedRateSimple(D("0.0125")), rounding=rounding), home).price == D(price)


def test_s3_9_a_price_ending_in_exactly_half_a_cent_rounds_up_unlike_binary_floats():
    """§3.9: binary floating point cannot hold most cents, so an exact .xx5 can round the wrong way.
    100,000.50 + 3 % for one year = 103,000.515 exactly → 103,000.52 (to the cent, halves up); the float
    computation rounds it to 103,000.51."""
    assert round(100000.50 * 1.03, 2) == 103000.51  # the float pitfall the engine avoids
    home = inputs(purchase_price=D("100000.50"), determination_date=d(2011, 1, 1))
    result = compute(ResalePolicy(FixedRateSimple(D("0.03")), rounding=CENT), home)
    assert result.formula_price == D("103000.515")
    assert result.price == D("103000.52")


def test_s2_10_investment_basis_growth_is_added_to_the_price_paid():
    """§2.10 CHT-NC: appreciation is computed on the Investment Basis (price minus subsidies) and added to
    the price paid. 180,000 paid, 30,000 of subsidy: basis 150,000; CPI +10 % gives 15,000 → 195,000
    (on the full price it would be 198,000)."""
    home = inputs(purchase_price=D(180000), investment_basis=D(150000), **cpi("200", "220"))
    result = compute(ResalePolicy(CpiIndexed(), growth_base=GrowthBase.INVESTMENT_BASIS), home)
    assert result.price == D(195000)
    assert "investment basis" in line(result, "growth.cpi").detail
    assert compute(ResalePolicy(CpiIndexed()), home).price == D(198000)


# ---------------------------------------------------------------------------------------------
# §2.7 Fixed rate, compounding (Big River)
# ---------------------------------------------------------------------------------------------


def test_s2_7_big_river_350000_for_7_years_gives_388446_and_equity_89872_from_unrounded_values():
    """§2.7 Big River: 1.5 % compounded yearly; 350,000 held 7 years gives 388,446 (388,445.72 to the cent;
    350,000 × 1.015^7 = 388,445.7195…). Equity comes from unrounded figures: 388,445.72 - 298,573.33 =
    89,872 (89,872.39, shown in whole dollars). Rounding: none until display."""
    result = compute(ResalePolicy(FixedRateCompound(D("0.015")), rounding=EXACT), big_river_home())
    assert result.price == D("388445.719515623082031250000")  # 350,000 × 1.015^7, exactly
    assert resale.round_amount(result.price, DOLLAR) == D(388446)
    assert resale.round_amount(result.price, CENT) == D("388445.72")
    assert resale.round_amount(result.seller_proceeds, DOLLAR) == D(89872)
    # To the cent first, as the page's own figures: 388,445.72 - 298,573.33 = 89,872.39 → 89,872.
    cents = compute(ResalePolicy(FixedRateCompound(D("0.015")), rounding=CENT), big_river_home())
    assert cents.seller_proceeds == D("89872.39")


def test_s2_7_big_river_rounded_price_gives_the_89873_the_page_warns_of():
    """§2.7: using the rounded figures gives 89,873: 388,446 - 298,573.33 = 89,872.67."""
    result = compute(ResalePolicy(FixedRateCompound(D("0.015")), rounding=DOLLAR), big_river_home())
    assert result.price == D(388446)
    assert result.seller_proceeds == D("89872.67")
    assert resale.round_amount(result.seller_proceeds, DOLLAR) == D(89873)


def test_s2_7_big_river_repair_reserve_reduces_the_price():
    """§2.7 / §3.6: the Big River price is reduced by Repair Reserve funds used (a deduction from the price)."""
    home = big_river_home(price_deductions=(Charge("Repair reserve used", D(2500)),))
    result = compute(ResalePolicy(FixedRateCompound(D("0.015"))), home)
    assert line(result, "deduction.price").amount == D(-2500)
    assert result.price == D("385945.72")


def test_fixed_rate_compound_by_months_uses_a_fractional_exponent():
    # 100,000 × 1.04^(18/12) = 100,000 × 1.04 × √1.04 = 100,000 × 1.04 × 1.0198039027… = 106,059.6058…:
    # to the cent 106,059.61.
    home = inputs(purchase_price=D(100000), purchase_date=d(2020, 1, 1), determination_date=d(2021, 7, 1))
    result = compute(ResalePolicy(FixedRateCompound(D("0.04"), PeriodUnit.WHOLE_MONTHS)), home)
    assert result.price == D("106059.61")
    yearly = compute(ResalePolicy(FixedRateCompound(D("0.04"))), home)  # 1 completed year
    assert yearly.price == D(104000)


@pytest.mark.parametrize("period", [PeriodUnit.COMPLETED_YEARS, PeriodUnit.WHOLE_MONTHS])
def test_fixed_rate_compound_past_any_amount_is_refused_on_the_determination_date(period):
    # 150,000 × 1.02^7979 (2020 to 9999) is about 10^73: more digits than the engine holds to the cent.
    home = inputs(purchase_price=D(150000), purchase_date=d(2020, 1, 1), determination_date=d(9999, 12, 31))
    with pytest.raises(ResaleInputError) as error:
        compute(ResalePolicy(FixedRateCompound(D("0.02"), period)), home)
    assert (error.value.field, error.value.reason) == (
        "determination_date",
        "the price grows beyond any amount a record holds by this date",
    )


# ---------------------------------------------------------------------------------------------
# §2.8 Itemized fair return (Glen Aspen)
# ---------------------------------------------------------------------------------------------


def test_s2_8_glen_aspen_itemized_fair_return_paid_in_full():
    """§2.8 Glen Aspen: fair return = 1.5 % × years × original price + principal paid + 50 % of CI (items
    over 3,000 within 5 years) + the seller's closing costs; max price = amounts due at closing (liens +
    closing costs) + min(net proceeds available, fair return). The page's figures are not in the notes;
    ours: 150,000 bought, 6 years: 13,500 + 20,000 + 4,000 (50 % of an 8,000 roof) + 3,000 = 40,500;
    due 110,000 + 9,000 = 119,000; max price 159,500. The home without land is appraised 200,000, less a
    20,000 HOME subsidy = 180,000: not limiting. The seller nets exactly the fair return."""
    result = compute(GLEN_ASPEN, glen_aspen_home("260000"))
    assert line(result, "itemized.amounts_due").amount == D(119000)
    assert line(result, "itemized.inflation").amount == D(13500)
    assert result.credits_total == D(4000)
    refused = [i.detail for i in result.line_items if i.code == "credit.refused"]
    assert refused == ["it cost 2,500.00, not more than 3,000.00", "it was done more than 5 years before the sale"]
    assert result.price == D(159500)
    assert line(result, "cap.net_proceeds").amount == 0
    assert result.seller_proceeds == D(40500)


def test_s2_8_glen_aspen_fair_return_only_out_of_net_proceeds():
    """§2.8: with the home appraised 230,000 (170,000 without the 60,000 land; 150,000 without the HOME
    subsidy) only 150,000 - 119,000 = 31,000 of net proceeds is available: the price is 150,000 and the
    seller receives 31,000 = min(31,000, 40,500)."""
    result = compute(GLEN_ASPEN, glen_aspen_home("230000"))
    assert result.price == D(150000)
    assert line(result, "cap.net_proceeds").amount == D(-9500)
    assert result.seller_proceeds == D(31000)


def test_s2_8_itemized_price_depends_on_the_sellers_loan_balance():
    # Same home, 10,000 more owed (and so 10,000 less principal paid): the price is unchanged and the
    # seller nets 10,000 less. With the same principal paid, a larger lien raises the price by as much.
    base = glen_aspen_home("260000")
    more_owed = ResaleInputs(**{**base.__dict__, "liens": (Charge("First mortgage", D(120000)),)})
    assert compute(GLEN_ASPEN, more_owed).price == D(169500)
    assert compute(GLEN_ASPEN, more_owed).seller_proceeds == D(40500)


def test_itemized_with_down_payment_and_no_net_proceeds_limit():
    # The same fair return plus the 7,500 down payment: 159,500 + 7,500 = 167,000; with the limit switched
    # off, the 150,000 appraisal limit of the previous test does not apply.
    policy = ResalePolicy(
        ItemizedFairReturn(D("0.015"), include_down_payment=True, limit_to_net_proceeds=False),
        credit_rules=GLEN_ASPEN.credit_rules,
    )
    home = ResaleInputs(**{**glen_aspen_home("230000").__dict__, "down_payment": D(7500)})
    result = compute(policy, home)
    assert result.price == D(167000)
    assert line(result, "itemized.down_payment").amount == D(7500)
    assert "cap.net_proceeds" not in codes(result)


# ---------------------------------------------------------------------------------------------
# §2.9 Mortgage-based affordable price
# ---------------------------------------------------------------------------------------------


def with_terms(terms: MortgageTerms, **changes) -> MortgageTerms:
    return MortgageTerms(**{**terms.__dict__, **changes})


def test_s2_9_solved_price_pays_exactly_the_income_share_to_the_cent():
    """§2.9 with the Met Council 2020 parameters at 80 % of a 103,400 median (Minneapolis FY2020 in
    hud_ami.csv; HUD's own capped 80 % limit is lower, hud_ami.md): income 82,720, budget 82,720 × 29 % / 12
    = 1,999.07 a month. The solved price's housing cost is the budget, to the cent."""
    income = resale.target_income(D(103400), D("0.8"), D(4), resale.HUD_SIZE_FACTORS).annual_income
    assert income == D(82720)
    solved = resale.affordable_price(income, MET_COUNCIL_2020)
    assert solved.monthly_budget.quantize(D("0.01")) == D("1999.07")
    cost = resale.housing_cost(solved.unrounded_price, MET_COUNCIL_2020)
    assert cost.total.quantize(D("0.0000001")) == solved.monthly_budget.quantize(D("0.0000001"))
    # Rounded to the cent, the price still pays the budget to the cent.
    assert solved.price == D("309995.86")
    assert resale.housing_cost(solved.price, MET_COUNCIL_2020).total.quantize(D("0.01")) == D("1999.07")
    # Components as the §2.9 formula states them.
    with localcontext() as ctx:
        ctx.prec = 34  # the engine's precision
        assert cost.loan == solved.unrounded_price * D("0.965")
        assert cost.property_tax == solved.unrounded_price * D("0.0125") / 12
    assert cost.fixed == D(100)
    # And back: the income needed for that price is the income we started from.
    assert resale.income_needed(solved.unrounded_price, MET_COUNCIL_2020).quantize(D("0.01")) == D(82720)


@pytest.mark.parametrize(
    "year, share, rate, tax",
    [
        (2017, "0.29", "0.04375", "0.0125"),
        (2020, "0.29", "0.03625", "0.0125"),
        (2022, "0.28", "0.03000", "0.0125"),  # the notes give 2022's tax only as "same"; we keep 1.25 %
        (2024, "0.28", "0.06250", "0.0100"),
    ],
)
def test_s2_9_met_council_parameter_sets_pay_back_the_income_share(year, share, rate, tax):
    """§2.9 table, Met Council 2017 / 2020 / 2022 / 2024 (3.5 % down; MI 0.85 % and 100 hazard carried over
    from 2020, which the table gives as "same"), 80 % of a 100,000 median for a family of 4. Solved to the
    cent, the price's housing cost equals the budget to the cent; rounded to the nearest 500 it is within
    250 × the cost of one dollar of price of it."""
    terms = with_terms(MET_COUNCIL_2020, income_share=D(share), annual_rate=D(rate), property_tax_rate=D(tax))
    solved = resale.affordable_price(D(80000), terms)
    assert resale.housing_cost(solved.price, terms).total.quantize(D("0.01")) == solved.monthly_budget.quantize(
        D("0.01")
    )
    rounded = resale.affordable_price(D(80000), with_terms(terms, rounding=nearest(500)))
    assert rounded.price % 500 == 0
    gap = abs(resale.housing_cost(rounded.price, terms).total - rounded.monthly_budget)
    assert gap <= 250 * rounded.cost_per_dollar_of_price


def test_s2_9_rounding_to_the_nearest_500_and_down():
    """§2.9: published tables round to the nearest 500. 309,995.86 → 310,000 (nearest), whose cost is a
    little over the budget; rounding down gives 309,500, within it, and the next step up is not."""
    nearest_500 = resale.affordable_price(D(82720), with_terms(MET_COUNCIL_2020, rounding=nearest(500)))
    assert nearest_500.price == D(310000)
    down = with_terms(MET_COUNCIL_2020, rounding=nearest(500, RoundingDirection.DOWN))
    solved = resale.affordable_price(D(82720), down)
    assert solved.price == D(309500)
    assert resale.housing_cost(solved.price, down).total <= solved.monthly_budget
    assert resale.housing_cost(solved.price + 500, down).total > solved.monthly_budget


def test_s2_9_closed_form_at_zero_interest():
    """At 0 % the payment is loan / n, so the solver's answer can be written down exactly.
    60,000 × 30 % / 12 = 1,500 a month × 360 months = 540,000. With 10 % down: 1,500 × 360 / 0.9 = 600,000.
    With 20,000 cash down: loan = P - 20,000 = 540,000, P = 560,000. With a 100 ground-lease fee and 50 HOA:
    (1,500 - 150) × 360 = 486,000. With tax 1.2 % of price a year (0.1 % a month):
    1,500 / (1/360 + 0.001) = 397,058.82…"""
    plain = MortgageTerms(income_share=D("0.30"), annual_rate=D(0), term_months=360)
    assert resale.affordable_price(D(60000), plain).price == D(540000)
    assert resale.affordable_price(D(60000), with_terms(plain, down_payment_pct=D("0.10"))).price == D(600000)
    assert resale.affordable_price(D(60000), with_terms(plain, down_payment_cash=D(20000))).price == D(560000)
    fees = with_terms(plain, ground_lease_fee_monthly=D(100), hoa_monthly=D(50))
    assert resale.affordable_price(D(60000), fees).price == D(486000)
    assert resale.affordable_price(D(60000), with_terms(plain, property_tax_rate=D("0.012"))).price == D("397058.82")


def test_s2_9_every_cost_component_lowers_the_price():
    base = resale.affordable_price(D(82720), MET_COUNCIL_2020).unrounded_price
    for change in (
        {"ground_lease_fee_monthly": D(50)},
        {"hoa_monthly": D(50)},
        {"utilities_monthly": D(50)},
        {"other_monthly": D(50)},
        {"hazard_insurance_monthly": D(150)},
        {"property_tax_rate": D("0.015")},
        {"mortgage_insurance_rate": D("0.01")},
        {"annual_rate": D("0.0625")},
        {"income_share": D("0.28")},
        {"term_months": 240},
    ):
        assert resale.affordable_price(D(82720), with_terms(MET_COUNCIL_2020, **change)).unrounded_price < base, change


@pytest.mark.parametrize(
    "rule, bedrooms, size, factor",
    [
        (HouseholdSize(), 0, "1", "0.70"),  # CT: a studio is 1 person
        (HouseholdSize(), 1, "1.5", "0.75"),  # half persons interpolated: (70 + 80) / 2
        (HouseholdSize(), 2, "3", "0.90"),
        (HouseholdSize(), 3, "4.5", "1.04"),  # (100 + 108) / 2
        (HouseholdSize(persons_per_bedroom=D(1)), 3, "3", "0.90"),  # Teton: 1 per bedroom
        (HouseholdSize(persons_per_bedroom=None, fixed_persons=D(4)), 5, "4", "1.00"),  # Met Council
    ],
)
def test_s2_9_household_size_from_bedrooms(rule, bedrooms, size, factor):
    """§2.9: household size from bedrooms (1.5 per bedroom in CT and Westchester, 1.0 for a studio; 1 in
    Teton) and HUD's size factors 70/80/90/100/108/116/124/132 %, half persons interpolated."""
    assert resale.household_size(bedrooms, rule) == D(size)
    assert resale.size_factor(D(size)) == D(factor)


def test_household_larger_than_the_size_table_is_an_input_error():
    with pytest.raises(ResaleInputError) as error:
        resale.size_factor(resale.household_size(6, HouseholdSize()))  # 9 persons
    assert error.value.field == "household_size"


def test_s2_9_mortgage_based_resale_formula_uses_bedrooms_and_ami():
    """§2.9 use 2: the resale price is what a household at 80 % of AMI can finance. A 3-bedroom home
    (4.5 persons, factor 104 %) with a 100,000 median: income 83,200; at 0 % over 360 months with 30 %
    of income: 83,200 × 0.3 / 12 = 2,080 a month × 360 = 748,800."""
    terms = PLAIN_TERMS
    home = inputs(bedrooms=3, ami_at_determination=IndexValue(D(100000)))
    result = compute(ResalePolicy(MortgageBased(D("0.8"), terms)), home)
    assert result.price == D(748800)
    assert codes(result) == ["mortgage.affordable_price", "round.cent"]
    assert "4.5 people" in line(result, "mortgage.affordable_price").detail


def test_s3_3_affordability_cap_lowers_an_appraisal_share_price():
    """§3.3: "never above the price affordable at X % AMI". Appraisal share price 281,250 (VSCLT), cap at
    what 60 % of a 100,000 median affords a 2-bedroom household (3 persons, 90 %): income 54,000; 30 %
    at 0 %: 1,350 a month × 360 = 486,000 → not binding. At 30 % of AMI: 27,000 → 243,000 → binding."""
    terms = PLAIN_TERMS
    home = inputs(
        bedrooms=2,
        ami_at_determination=IndexValue(D(100000)),
        initial_appraisal=Appraisal(total=D(350000)),
        resale_appraisal=Appraisal(total=D(475000)),
    )
    share = AppraisalShare(D("0.25"), scope=Scope.TOTAL)
    loose = compute(ResalePolicy(share, caps=(AffordabilityCap(D("0.6"), terms),)), home)
    assert loose.price == D(281250)
    tight = compute(ResalePolicy(share, caps=(AffordabilityCap(D("0.3"), terms),)), home)
    assert tight.price == D(243000)
    assert line(tight, "cap.affordability").amount == D(-38250)


def test_s2_10_lesser_of_a_formula_and_the_affordable_price():
    # The fixed-rate price 300,000 against the affordable 243,000 (as above): the lesser is 243,000.
    terms = PLAIN_TERMS
    home = inputs(bedrooms=2, ami_at_determination=IndexValue(D(100000)))
    result = compute(ResalePolicy(LesserOf((FixedRateSimple(D("0.02")), MortgageBased(D("0.3"), terms)))), home)
    assert result.price == D(243000)
    assert line(result, "growth.lesser_of").amount == D(-7000)


# ---------------------------------------------------------------------------------------------
# Caps, floors and rounding bounds (§3.3, §3.4, §3.9)
# ---------------------------------------------------------------------------------------------


def test_rounding_never_carries_the_price_over_the_cap():
    """The VSCLT AMI price 288,461.54 capped at a 288,400 appraisal: nearest 500 would be 288,500, over the
    cap, so the price rounds down to 288,000."""
    home = inputs(resale_appraisal=Appraisal(total=D(288400)), **ami("130000", "150000"))
    result = compute(ResalePolicy(AmiIndexed(), caps=(AppraisalCap(Scope.TOTAL),), rounding=nearest(500)), home)
    assert result.capped_price == D(288400)
    assert result.price == D(288000)
    assert "not to go over" in line(result, "round.nearest").detail


def test_rounding_never_carries_the_price_under_the_floor():
    # 100,000.40 × 99 / 100 = 99,000.396, floored at 100,000.40; to the whole dollar 100,000 would undercut
    # the floor, so the price rounds up to 100,001.
    home = inputs(purchase_price=D("100000.40"), **cpi("100", "99"))
    result = compute(ResalePolicy(CpiIndexed(), floor=FloorRule.PURCHASE_PRICE, rounding=DOLLAR), home)
    assert result.price == D(100001)


@pytest.mark.parametrize(
    "floor, price",
    [(FloorRule.NONE, 200000), (FloorRule.PURCHASE_PRICE, 200000), (FloorRule.PURCHASE_PRICE_PLUS_CREDITS, 210000)],
)
def test_s3_4_floors(floor, price):
    """§3.4: CPI 100 → 95 on 200,000 gives 190,000; + 10,000 credit = 200,000. No floor, or the price paid:
    200,000. Price paid plus credits: 210,000."""
    home = inputs(purchase_price=D(200000), capital_improvements=(improvement(),), **cpi("100", "95"))
    assert compute(ResalePolicy(CpiIndexed(), floor=floor), home).price == D(price)


def test_several_caps_take_the_lowest():
    terms = PLAIN_TERMS
    home = inputs(bedrooms=2, ami_at_determination=IndexValue(D(100000)), resale_appraisal=Appraisal(total=D(260000)))
    policy = ResalePolicy(
        FixedRateSimple(D("0.02")), caps=(AppraisalCap(Scope.TOTAL), AffordabilityCap(D("0.3"), terms))
    )
    result = compute(policy, home)
    assert [i.amount for i in result.line_items if i.code.startswith("cap.")] == [D(-40000), D(-17000)]
    assert result.price == D(243000)


def test_appraisal_cap_of_improvements_needs_the_split():
    home = inputs(resale_appraisal=Appraisal(total=D(300000)))
    with pytest.raises(ResaleInputError) as error:
        resale.compute_resale(ResalePolicy(FixedRateSimple(D("0.02")), caps=(AppraisalCap(),)), home)
    assert error.value.field == "resale_appraisal.improvements"


@pytest.mark.parametrize(
    "amount, rounding, expected",
    [
        ("288250", nearest(500), "288500"),  # halves up
        ("288249.99", nearest(500), "288000"),
        ("288250", nearest(500, RoundingDirection.DOWN), "288000"),
        ("288000.01", nearest(500, RoundingDirection.UP), "288500"),
        ("0.5", DOLLAR, "1"),
        ("2.675", CENT, "2.68"),  # the classic float trap: round(2.675, 2) == 2.67
        ("2.675", EXACT, "2.675"),
        ("1704.1625", Rounding(RoundingMode.INCREMENT_THEN_MULTIPLY), "1704.16"),  # the final price: cents
    ],
)
def test_round_amount(amount, rounding, expected):
    assert resale.round_amount(D(amount), rounding) == D(expected)


# ---------------------------------------------------------------------------------------------
# §3.5 Capital-improvement credits
# ---------------------------------------------------------------------------------------------


def credit_result(*items, rules=NO_RULES, determination=PRICED_ON):
    home = inputs(purchase_date=d(2010, 1, 1), determination_date=determination, capital_improvements=items)
    return compute(ResalePolicy(FixedRateSimple(D(0)), credit_rules=rules), home)


def test_s3_5_credit_valuation_methods():
    """§3.5: appraiser-isolated value (CHT); cost depreciated straight-line over the useful life (San
    Leandro: 12,000 over 10 years, 36 of 120 months used → 12,000 × 84/120 = 8,400); a percent of cost;
    a fixed list value (MPDU, DC)."""
    result = credit_result(
        improvement("Garage", "30000", method=CreditMethod.APPRAISED_VALUE, appraised_value=D(18000)),
        improvement("Furnace", "12000", d(2017, 6, 1), method=CreditMethod.DEPRECIATED_COST, useful_life_years=10),
        improvement("Windows", "9000", method=CreditMethod.PERCENT_OF_COST, credit_pct=D("0.5")),
        improvement("Heat pump", "7000", method=CreditMethod.FIXED_VALUE, fixed_value=D(4000)),
    )
    assert [i.amount for i in result.line_items if i.code == "credit.capital_improvement"] == [
        D(18000),
        D(8400),
        D(4500),
        D(4000),
    ]
    assert result.credits_total == D(34900)
    assert result.price == D(250000 + 34900)


def test_depreciated_credit_reaches_zero_at_the_end_of_its_useful_life():
    # Completed June 2012 with a 5-year life: by June 2020 all 60 months (and more) are used.
    item = improvement("Furnace", "12000", d(2012, 6, 1), method=CreditMethod.DEPRECIATED_COST, useful_life_years=5)
    result = credit_result(item)
    assert line(result, "credit.capital_improvement").amount == 0


@pytest.mark.parametrize(
    "item, reason",
    [
        (improvement("Paint", maintenance=True), "ordinary maintenance earns no credit"),
        (improvement("Deck", approved_on=None), "it was not approved before the work"),
        (improvement("Deck", approved_on=d(2015, 7, 1)), "it was not approved before the work"),  # after completion
        (
            improvement("Deck", started_on=d(2015, 3, 1), approved_on=d(2015, 4, 1)),
            "it was not approved before the work",
        ),
        (improvement("Deck", documented=False), "its cost is not documented"),
        (improvement("Addition", completed=d(2020, 7, 1)), "it was not finished by 2020-06-01"),
    ],
)
def test_s3_5_improvements_that_earn_no_credit_are_listed_with_the_reason(item, reason):
    result = credit_result(item)
    refused = line(result, "credit.refused")
    assert refused.amount == 0
    assert refused.detail == reason
    assert item.description in refused.label
    assert result.credits_total == 0


def test_s3_5_cht_pre_approval_only_above_10000():
    """§3.5 CHT (VT): owners must talk to CHT before work costing more than 10,000."""
    rules = CreditRules(approval_required_above=D(10000))
    result = credit_result(
        improvement("Hardwood floors", "8000", approved_on=None),
        improvement("Kitchen remodel", "25000", approved_on=None),
        rules=rules,
    )
    assert result.credits_total == D(8000)
    assert [i.code for i in result.line_items if i.code.startswith("credit.")] == [
        "credit.capital_improvement",
        "credit.refused",
    ]


def test_credit_rules_can_be_relaxed():
    rules = CreditRules(require_approval=False, require_documentation=False)
    result = credit_result(improvement("Deck", approved_on=None, documented=False), rules=rules)
    assert result.credits_total == D(10000)


# ---------------------------------------------------------------------------------------------
# §3.6 Deductions from the price vs from the proceeds; §1 seller's proceeds
# ---------------------------------------------------------------------------------------------

REPAIR = (Charge("Roof repair the CLT paid for", D(5000)),)
MORTGAGE = (Charge("Mortgage", D(150000)),)


def repair_home(**kw) -> ResaleInputs:
    # 200,000 + 2 % × 5 years = 220,000.
    return inputs(**{"purchase_price": D(200000), "determination_date": d(2015, 1, 1), "liens": MORTGAGE, **kw})


def test_s3_6_price_deduction_lowers_the_price_proceeds_deduction_only_the_proceeds():
    """§3.6 / §8 pitfall 7: a 5,000 repair taken off the price (the buyer pays 215,000) or out of the
    proceeds (the buyer pays 220,000); either way the seller nets 65,000 here."""
    policy = ResalePolicy(FixedRateSimple(D("0.02")))
    from_price = compute(policy, repair_home(price_deductions=REPAIR))
    from_proceeds = compute(policy, repair_home(proceeds_deductions=REPAIR))
    assert (from_price.price, from_price.seller_proceeds) == (D(215000), D(65000))
    assert (from_proceeds.price, from_proceeds.seller_proceeds) == (D(220000), D(65000))
    assert "deduction.price" in codes(from_price)
    assert "deduction.price" not in codes(from_proceeds)
    assert [i.code for i in from_proceeds.proceeds_items] == ["proceeds.price", "proceeds.lien", "proceeds.deduction"]


def test_s3_6_under_a_binding_cap_the_two_kinds_of_deduction_differ():
    """With a 212,000 appraisal cap: a price deduction before the cap is absorbed by it (215,000 → 212,000,
    the seller nets 62,000); out of the proceeds the seller nets 212,000 - 150,000 - 5,000 = 57,000; a
    price deduction after the cap gives 207,000 and also 57,000."""
    cap = {"caps": (AppraisalCap(Scope.TOTAL),)}
    appraisal = {"resale_appraisal": Appraisal(total=D(212000))}
    absorbed = compute(
        ResalePolicy(FixedRateSimple(D("0.02")), **cap), repair_home(price_deductions=REPAIR, **appraisal)
    )
    assert (absorbed.price, absorbed.seller_proceeds) == (D(212000), D(62000))
    proceeds = compute(
        ResalePolicy(FixedRateSimple(D("0.02")), **cap), repair_home(proceeds_deductions=REPAIR, **appraisal)
    )
    assert (proceeds.price, proceeds.seller_proceeds) == (D(212000), D(57000))
    after = compute(
        ResalePolicy(FixedRateSimple(D("0.02")), deductions_timing=Timing.AFTER_CAP, **cap),
        repair_home(price_deductions=REPAIR, **appraisal),
    )
    assert (after.capped_price, after.price, after.seller_proceeds) == (D(212000), D(207000), D(57000))


def test_s1_seller_proceeds_itemised_in_the_order_of_the_pipeline():
    """§1: proceeds = price - liens - seller closing costs - arrears - CLT repair costs - resale fee
    (Community Home Trust NC: a 400 resale request fee, §3.7). 220,000 - 150,000 - 12,000 - 1,200 -
    2,000 - 400 = 54,400."""
    home = repair_home(
        sale_closing_costs=(Charge("Title and recording", D(12000)),),
        arrears=(Charge("Lease fees, 3 months", D(1200)),),
        proceeds_deductions=(Charge("Repairs from the walk-through", D(2000)),),
        fees=(Charge("Resale request fee", D(400)),),
    )
    result = compute(ResalePolicy(FixedRateSimple(D("0.02"))), home)
    assert [i.code for i in result.proceeds_items] == [
        "proceeds.price",
        "proceeds.lien",
        "proceeds.closing_cost",
        "proceeds.arrears",
        "proceeds.deduction",
        "proceeds.fee",
    ]
    assert result.seller_proceeds == D(54400)


def test_underwater_seller_has_negative_proceeds():
    home = repair_home(liens=(Charge("Mortgage", D(230000)),))
    assert compute(ResalePolicy(FixedRateSimple(D("0.02"))), home).seller_proceeds == D(-10000)


# ---------------------------------------------------------------------------------------------
# Dates and the "value in effect" helper (§3.8, §2.3)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "start, end, months",
    [
        (d(2020, 1, 31), d(2020, 2, 29), 1),  # month-end: 31 Jan + 1 month is 29 Feb
        (d(2020, 1, 31), d(2020, 2, 28), 0),
        (d(2020, 2, 29), d(2021, 2, 28), 12),  # a 29 Feb anniversary falls on 28 Feb
        (d(2020, 2, 29), d(2021, 2, 27), 11),
        (d(2019, 1, 20), d(2023, 8, 25), 55),
        (d(2019, 1, 20), d(2019, 1, 20), 0),
    ],
)
def test_completed_months(start, end, months):
    assert resale.completed_months(start, end) == months


def test_add_months_clamps_to_the_month_end():
    assert resale.add_months(d(2020, 1, 31), 1) == d(2020, 2, 29)
    assert resale.add_months(d(2021, 3, 31), -1) == d(2021, 2, 28)
    assert resale.add_months(d(2020, 11, 15), 14) == d(2022, 1, 15)


SERIES = [(d(2021, 4, 1), D(110000)), (d(2019, 4, 1), D(100000)), (d(2020, 4, 1), D(105000))]


def test_value_in_effect_takes_the_latest_value_not_after_the_date():
    assert resale.value_in_effect(SERIES, d(2020, 3, 31)) == IndexValue(D(100000), d(2019, 4, 1), "series")
    assert resale.value_in_effect(SERIES, d(2020, 4, 1)).value == D(105000)  # in effect on its own date
    assert resale.value_in_effect(SERIES, d(2030, 1, 1), name="ami").value == D(110000)


@pytest.mark.parametrize(
    "series, on, reason",
    [
        ([], d(2020, 1, 1), "is empty"),
        (SERIES, d(2019, 3, 31), "no value in effect on 2019-03-31: its first value is from 2019-04-01"),
        ([(d(2019, 4, 1), D(1)), (d(2019, 4, 1), D(2))], d(2020, 1, 1), "two different values for 2019-04-01"),
        ([(d(2019, 4, 1), 1.5)], d(2020, 1, 1), "not a float"),
        ([(d(2019, 4, 1),)], d(2020, 1, 1), "(date, value) pair"),
    ],
)
def test_value_in_effect_errors(series, on, reason):
    with pytest.raises(ResaleInputError) as error:
        resale.value_in_effect(series, on, name="ami")
    assert error.value.field.startswith("ami")
    assert reason in error.value.reason


def test_value_in_effect_refuses_a_stale_value_given_a_maximum_age():
    with pytest.raises(ResaleInputError) as error:
        resale.value_in_effect(SERIES, d(2022, 6, 1), name="ami", max_age=dt.timedelta(days=366))
    assert "more than 366 days old" in error.value.reason
    assert resale.value_in_effect(SERIES, d(2022, 3, 31), max_age=dt.timedelta(days=366)).value == D(110000)


def test_value_in_effect_accepts_a_repeated_identical_value():
    assert resale.value_in_effect([(d(2019, 1, 1), D(5)), (d(2019, 1, 1), D(5))], d(2019, 1, 1)).value == D(5)


def test_index_values_from_the_helper_feed_the_engine():
    home = inputs(
        purchase_price=D(200000),
        purchase_date=d(2019, 6, 1),
        determination_date=d(2021, 6, 1),
        ami_at_purchase=resale.value_in_effect(SERIES, d(2019, 6, 1), name="ami"),
        ami_at_determination=resale.value_in_effect(SERIES, d(2021, 6, 1), name="ami"),
    )
    assert compute(ResalePolicy(AmiIndexed()), home).price == D(220000)  # 200,000 × 110,000 / 100,000


# ---------------------------------------------------------------------------------------------
# Input errors: every one names its field and says why
# ---------------------------------------------------------------------------------------------

CPI_POLICY = ResalePolicy(CpiIndexed())
CPI_HOME = cpi("200", "230")
SHARE_POLICY = ResalePolicy(AppraisalShare(D("0.25")))
MORTGAGE_POLICY = ResalePolicy(MortgageBased(D("0.8"), MortgageTerms(income_share=D("0.3"), annual_rate=D(0))))


@pytest.mark.parametrize(
    "policy, home, field, reason",
    [
        (CPI_POLICY, {"purchase_price": D(-1), **CPI_HOME}, "purchase_price", "greater than zero"),
        (CPI_POLICY, {"purchase_price": D(0), **CPI_HOME}, "purchase_price", "greater than zero"),
        (CPI_POLICY, {"purchase_price": 250000.0, **CPI_HOME}, "purchase_price", "not a float"),
        (CPI_POLICY, {"purchase_price": 250000, **CPI_HOME}, "purchase_price", "must be a Decimal"),
        (CPI_POLICY, {"purchase_price": D("NaN"), **CPI_HOME}, "purchase_price", "finite"),
        (CPI_POLICY, {"determination_date": d(2009, 12, 31), **CPI_HOME}, "determination_date", "before the purchase"),
        (CPI_POLICY, {"purchase_date": dt.datetime(2010, 1, 1), **CPI_HOME}, "purchase_date", "not a datetime"),
        (CPI_POLICY, {}, "cpi_at_purchase", "required by the CPI-indexed formula"),
        (CPI_POLICY, {"cpi_at_purchase": IndexValue(D(200))}, "cpi_at_determination", "required"),
        (CPI_POLICY, cpi("0", "230"), "cpi_at_purchase.value", "greater than zero"),
        (
            CPI_POLICY,
            {"cpi_at_purchase": IndexValue(D(200), d(2010, 2, 1)), "cpi_at_determination": IndexValue(D(230))},
            "cpi_at_purchase",
            "after the purchase date",
        ),
        (ResalePolicy(AmiIndexed()), {}, "ami_at_purchase", "required by the AMI-indexed formula"),
        (ResalePolicy(TimeVestedShare(D("0.03"), vesting_years=0)), {}, "formula.vesting_years", "zero"),
        (ResalePolicy(TimeVestedShare(D("0.03"), vesting_years=-1)), {}, "formula.vesting_years", "at least 0"),
        (ResalePolicy(AppraisalShare(D("1.25"))), {}, "formula.share", "fraction"),
        (ResalePolicy(FixedRateSimple(D("-0.01"))), {}, "formula.rate", "negative"),
        (ResalePolicy(FixedRateSimple(0.02)), {}, "formula.rate", "not a float"),
        (SHARE_POLICY, {}, "resale_appraisal", "required by an appraisal-based formula"),
        (
            SHARE_POLICY,
            {"resale_appraisal": Appraisal(improvements=D(1)), "initial_appraisal": Appraisal(total=D(2))},
            "initial_appraisal.improvements",
            "improvements' value",
        ),
        (SHARE_POLICY, {"initial_appraisal": Appraisal(total=D(5), land=D(6))}, "initial_appraisal.land", "more than"),
        (
            SHARE_POLICY,
            {"initial_appraisal": Appraisal(total=D(10), land=D(3), improvements=D(8))},
            "initial_appraisal.improvements",
            "add up",
        ),
        (
            SHARE_POLICY,
            {"resale_appraisal": Appraisal(total=D(1), effective_date=d(2009, 1, 1))},
            "resale_appraisal.effective_date",
            "before the purchase date",
        ),
        (
            ResalePolicy(CpiIndexed(), rounding=Rounding(RoundingMode.NEAREST)),
            CPI_HOME,
            "rounding.increment",
            "required",
        ),
        (ResalePolicy(CpiIndexed(), rounding=nearest(0)), CPI_HOME, "rounding.increment", "greater than zero"),
        (
            ResalePolicy(CpiIndexed(), rounding=Rounding(RoundingMode.INCREMENT_THEN_MULTIPLY)),
            CPI_HOME,
            "rounding.mode",
            "fixed-rate simple",
        ),
        (ResalePolicy(AdministeredRate(())), {}, "formula.rates", "at least one"),
        (
            ResalePolicy(AdministeredRate(BOULDER_RATES, period=PeriodUnit.DAYS)),
            {},
            "formula.period",
            "whole years or whole months",
        ),
        (
            ResalePolicy(AdministeredRate((AnnualRate(2010, D("0.01")), AnnualRate(2010, D("0.02"))))),
            {},
            "formula.rates[1].year",
            "twice",
        ),
        (ResalePolicy(LesserOf((CpiIndexed(),))), CPI_HOME, "formula.formulas", "at least two"),
        (
            ResalePolicy(LesserOf((CpiIndexed(), FixedRateSimple(D(-1))))),
            CPI_HOME,
            "formula.formulas[1].rate",
            "negative",
        ),
        (ResalePolicy("cpi"), CPI_HOME, "formula", "unknown formula family"),
        (CPI_POLICY, {"liens": (Charge("Loan", D(-5)),), **CPI_HOME}, "liens[0].amount", "negative"),
        (
            CPI_POLICY,
            {"price_deductions": (Charge("Repair", D(-5)),), **CPI_HOME},
            "price_deductions[0].amount",
            "negative",
        ),
        (CPI_POLICY, {"fees": [Charge("Fee", D(5))], **CPI_HOME}, "fees", "tuple"),
        (
            CPI_POLICY,
            {"capital_improvements": (improvement(method=CreditMethod.DEPRECIATED_COST),), **CPI_HOME},
            "capital_improvements[0].useful_life_years",
            "required",
        ),
        (
            CPI_POLICY,
            {
                "capital_improvements": (improvement(method=CreditMethod.DEPRECIATED_COST, useful_life_years=0),),
                **CPI_HOME,
            },
            "capital_improvements[0].useful_life_years",
            "at least 1",
        ),
        (
            CPI_POLICY,
            {"capital_improvements": (improvement(method=CreditMethod.APPRAISED_VALUE),), **CPI_HOME},
            "capital_improvements[0].appraised_value",
            "required",
        ),
        (
            CPI_POLICY,
            {"capital_improvements": (improvement(method=CreditMethod.FIXED_VALUE),), **CPI_HOME},
            "capital_improvements[0].fixed_value",
            "required",
        ),
        (
            CPI_POLICY,
            {"capital_improvements": (improvement(cost="-1"),), **CPI_HOME},
            "capital_improvements[0].cost",
            "negative",
        ),
        (
            CPI_POLICY,
            {"capital_improvements": (improvement(started_on=d(2016, 1, 1)),), **CPI_HOME},
            "capital_improvements[0].started_on",
            "after the completion",
        ),
        (ResalePolicy(CpiIndexed(), growth_base=GrowthBase.INVESTMENT_BASIS), CPI_HOME, "investment_basis", "required"),
        (
            ResalePolicy(ItemizedFairReturn(D("0.015"), limit_to_net_proceeds=False)),
            {},
            "principal_paid",
            "required by the itemized",
        ),
        (
            ResalePolicy(ItemizedFairReturn(D("0.015"), limit_to_net_proceeds=False)),
            {"principal_paid": D(1)},
            "purchase_closing_costs",
            "required by the itemized",
        ),
        (MORTGAGE_POLICY, {"bedrooms": 2}, "ami_at_determination", "required by the mortgage-based formula"),
        (MORTGAGE_POLICY, {"ami_at_determination": IndexValue(D(1))}, "bedrooms", "size the household"),
        (MORTGAGE_POLICY, {"ami_at_determination": IndexValue(D(1)), "bedrooms": -1}, "bedrooms", "at least 0"),
        (MORTGAGE_POLICY, {"ami_at_determination": IndexValue(D(1000)), "bedrooms": 6}, "household_size", "size table"),
        (
            ResalePolicy(MortgageBased(D("0.8"), MortgageTerms(income_share=D(0), annual_rate=D(0)))),
            {},
            "formula.terms.income_share",
            "greater than zero",
        ),
        (
            ResalePolicy(
                MortgageBased(D("0.8"), MortgageTerms(income_share=D("0.3"), annual_rate=D(0), term_months=0))
            ),
            {},
            "formula.terms.term_months",
            "at least 1",
        ),
        (
            ResalePolicy(
                MortgageBased(D("0.8"), MortgageTerms(income_share=D("0.3"), annual_rate=D(0), down_payment_pct=D(1)))
            ),
            {},
            "formula.terms.down_payment_pct",
            "below 1",
        ),
        (
            ResalePolicy(
                MortgageBased(
                    D("0.8"),
                    MortgageTerms(income_share=D("0.3"), annual_rate=D(0), household=HouseholdSize(fixed_persons=D(4))),
                )
            ),
            {},
            "formula.terms.household",
            "not both",
        ),
        (
            ResalePolicy(
                MortgageBased(D("0.8"), MortgageTerms(income_share=D("0.3"), annual_rate=D(0), hoa_monthly=D(2000)))
            ),
            {"ami_at_determination": IndexValue(D(50000)), "bedrooms": 2},
            "terms",
            "no price is affordable",
        ),
        (ResalePolicy(CpiIndexed(), caps=("appraisal",)), CPI_HOME, "caps[0]", "unknown cap"),
        (ResalePolicy(CpiIndexed(), floor="price"), CPI_HOME, "floor", "must be one of"),
        (
            ResalePolicy(CpiIndexed(), sale_allowances=(SaleAllowance("x", pct=D(2)),)),
            CPI_HOME,
            "sale_allowances[0].pct",
            "fraction",
        ),
        (
            ResalePolicy(CpiIndexed(), credit_rules=CreditRules(within_years=0)),
            CPI_HOME,
            "credit_rules.within_years",
            "at least 1",
        ),
    ],
)
def test_bad_input_names_the_field_and_the_reason(policy, home, field, reason):
    with pytest.raises(ResaleInputError) as error:
        resale.compute_resale(policy, inputs(**home))
    assert error.value.field == field
    assert reason in error.value.reason
    assert isinstance(error.value, ValueError)  # so the API can answer 400
    assert str(error.value).startswith(f"{field}: ")


def test_affordable_price_rejects_a_cash_down_payment_larger_than_the_price():
    # 60,000 a year at 30 % is 1,500 a month. At 0 % interest with 1.2 % tax, 2,000,000 of cash would buy
    # a home whose tax alone (2,000,000 × 0.1 % = 2,000 a month) exceeds the budget before any loan: the
    # solved price would need a negative loan. (1,000,000 of cash is fine: it buys 1,540,000 at 0 % tax.)
    fine = MortgageTerms(income_share=D("0.3"), annual_rate=D(0), down_payment_cash=D(1000000))
    assert resale.affordable_price(D(60000), fine).price == D(1540000)  # 1,500 × 360 + 1,000,000
    terms = MortgageTerms(
        income_share=D("0.3"), annual_rate=D(0), property_tax_rate=D("0.012"), down_payment_cash=D(2000000)
    )
    with pytest.raises(ResaleInputError) as error:
        resale.affordable_price(D(60000), terms)
    assert error.value.field == "terms.down_payment_cash"


# ---------------------------------------------------------------------------------------------
# Invariants over many generated cases (deterministic: a seeded generator, no extra dependency)
# ---------------------------------------------------------------------------------------------


def random_money(rng: random.Random, low: int, high: int) -> Decimal:
    return D(rng.randrange(low * 100, high * 100)) / 100


def test_fixed_rate_prices_never_fall_with_time():
    rng = random.Random(4)
    for _ in range(60):
        price = random_money(rng, 50000, 500000)
        rate = D(rng.randrange(0, 500)) / 10000
        start = d(2000, 1, 1) + dt.timedelta(days=rng.randrange(0, 3650))
        for formula in (
            FixedRateSimple(rate, rng.choice(list(PeriodUnit))),
            FixedRateCompound(rate, rng.choice(list(PeriodUnit))),
            AdministeredRate(
                tuple(AnnualRate(y, rate) for y in range(2000, 2041)),
                rng.choice([PeriodUnit.COMPLETED_YEARS, PeriodUnit.WHOLE_MONTHS]),
            ),
        ):
            previous = None
            for days in range(0, 365 * 15, 97):
                home = inputs(
                    purchase_price=price, purchase_date=start, determination_date=start + dt.timedelta(days=days)
                )
                current = compute(ResalePolicy(formula), home).price
                assert previous is None or current >= previous, (formula, days)
                previous = current


def test_caps_are_never_exceeded_and_floors_never_undercut():
    rng = random.Random(7)
    roundings = [
        CENT,
        DOLLAR,
        EXACT,
        nearest(500),
        nearest(1000, RoundingDirection.UP),
        nearest(250, RoundingDirection.DOWN),
    ]
    for _ in range(400):
        price = random_money(rng, 80000, 400000)
        appraisal = random_money(rng, 60000, 600000)
        floor = rng.choice(list(FloorRule))
        items = tuple(improvement(cost=str(rng.randrange(0, 20000))) for _ in range(rng.randrange(0, 3)))
        home = inputs(
            purchase_price=price,
            resale_appraisal=Appraisal(total=appraisal),
            capital_improvements=items,
            **cpi("100", str(rng.randrange(80, 180))),
        )
        policy = ResalePolicy(
            CpiIndexed(),
            caps=(AppraisalCap(Scope.TOTAL),),
            floor=floor,
            rounding=rng.choice(roundings),
            negative_appreciation=rng.choice(list(NegativeAppreciation)),
            sale_allowances=(SaleAllowance("Commission", pct=D("0.025")),) if rng.random() < 0.5 else (),
        )
        result = compute(policy, home)
        floor_value = {
            FloorRule.NONE: None,
            FloorRule.PURCHASE_PRICE: price,
            FloorRule.PURCHASE_PRICE_PLUS_CREDITS: price + result.credits_total,
        }[floor]
        if floor_value is not None:
            assert result.price >= floor_value
        if floor_value is None or floor_value <= appraisal:
            assert result.price <= appraisal
        # The same inputs always give the same, equal result (a saved calculation recomputes equal).
        assert resale.compute_resale(policy, home) == result


# ---------------------------------------------------------------------------------------------
# Real series: BLS CPI-U and HUD median family income (leases/data)
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cpi_series() -> list[tuple[dt.date, Decimal]]:
    series = []
    with CPI_FILE.open(newline="") as f:
        for row in csv.DictReader(f):
            if "-" not in row["period"]:
                continue  # an annual average, not a monthly value
            if row["value"] == "-":
                continue  # not published (2025-10, cpi_u.md)
            year, month = map(int, row["period"].split("-"))
            # Test convention, not the engine's: a month's CPI is published in the middle of the next month,
            # so we treat it as in effect from the first day of the next month. The series importer will
            # record the real release dates.
            series.append((resale.add_months(d(year, month, 1), 1), D(row["value"])))
    return series


def hud_mfi(area: str) -> list[tuple[dt.date, Decimal]]:
    with AMI_FILE.open(newline="") as f:
        # Test convention: a HUD fiscal-year release is treated as in effect from 1 June of that year, after
        # each spring release in FY2015-FY2025. The series importer will record HUD's actual effective dates.
        return [
            (d(int(row["year"]), 6, 1), D(row["median_family_income"]))
            for row in csv.DictReader(f)
            if row["area"] == area
        ]


def test_real_cpi_u_indexed_price_between_two_dates(cpi_series):
    """§2.4 with BLS CPI-U (cpi_u.csv). Bought 15 Aug 2016: in effect is July 2016, 240.628. Priced 10 Jul
    2024: in effect is June 2024, 314.175. 180,000 × 314.175 / 240.628 = 56,551,500 / 240.628 =
    235,016.2907… → 235,016.29 to the cent."""
    then = resale.value_in_effect(cpi_series, d(2016, 8, 15), name="cpi_u")
    now = resale.value_in_effect(cpi_series, d(2024, 7, 10), name="cpi_u")
    assert (then.value, then.effective_from) == (D("240.628"), d(2016, 8, 1))
    assert (now.value, now.effective_from) == (D("314.175"), d(2024, 7, 1))
    home = inputs(
        purchase_price=D(180000),
        purchase_date=d(2016, 8, 15),
        determination_date=d(2024, 7, 10),
        cpi_at_purchase=then,
        cpi_at_determination=now,
    )
    result = compute(ResalePolicy(CpiIndexed(), rounding=CENT), home)
    assert result.price == D("235016.29")


def test_real_cpi_u_gap_in_october_2025_is_not_silently_bridged(cpi_series):
    """cpi_u.md: 2025-10 is absent (the lapse in appropriations). On 20 Nov 2025 the October value would
    be in effect; without a maximum age the helper hands back September's 324.8 (from 1 Oct), with one it
    refuses."""
    assert resale.value_in_effect(cpi_series, d(2025, 11, 20)).value == D("324.8")
    with pytest.raises(ResaleInputError) as error:
        resale.value_in_effect(cpi_series, d(2025, 11, 20), name="cpi_u", max_age=dt.timedelta(days=31))
    assert error.value.field == "cpi_u"
    assert "2025-10-01" in error.value.reason


def test_real_hud_ami_indexed_price_between_two_dates():
    """§2.3 with HUD median family income, Burlington-South Burlington VT (hud_ami.csv): FY2016 84,000 in
    effect on 15 Aug 2016, FY2024 118,900 on 10 Jul 2024. 180,000 × 118,900 / 84,000 = 21,402,000,000 /
    84,000 = 254,785.714… → 254,785.71 to the cent."""
    series = hud_mfi("Burlington-South Burlington, VT MSA")
    then = resale.value_in_effect(series, d(2016, 8, 15), name="hud_mfi")
    now = resale.value_in_effect(series, d(2024, 7, 10), name="hud_mfi")
    assert (then.value, now.value) == (D(84000), D(118900))
    home = inputs(
        purchase_price=D(180000),
        purchase_date=d(2016, 8, 15),
        determination_date=d(2024, 7, 10),
        ami_at_purchase=then,
        ami_at_determination=now,
    )
    assert compute(ResalePolicy(AmiIndexed(), rounding=CENT), home).price == D("254785.71")


def test_real_hud_ami_falls_boston_2015_to_2016():
    """§2.3 / §8 pitfall 6: AMI can fall. Boston MFI 98,500 (FY2015) → 98,100 (FY2016): 180,000 × 98,100 /
    98,500 = 179,269.04 (to the cent) with symmetric appreciation; 180,000 when falls are not passed on."""
    series = hud_mfi("Boston-Cambridge-Quincy, MA-NH HUD Metro FMR Area")
    home = inputs(
        purchase_price=D(180000),
        purchase_date=d(2015, 7, 1),
        determination_date=d(2016, 7, 1),
        ami_at_purchase=resale.value_in_effect(series, d(2015, 7, 1)),
        ami_at_determination=resale.value_in_effect(series, d(2016, 7, 1)),
    )
    assert compute(ResalePolicy(AmiIndexed()), home).price == D("179269.04")
    zero = ResalePolicy(AmiIndexed(), negative_appreciation=NegativeAppreciation.ZERO)
    assert compute(zero, home).price == D(180000)


def test_hud_series_before_its_first_release_is_an_error():
    series = hud_mfi("Albuquerque, NM MSA")
    with pytest.raises(ResaleInputError) as error:
        resale.value_in_effect(series, d(2015, 5, 31), name="hud_mfi")
    assert "first value is from 2015-06-01" in error.value.reason


# ---------------------------------------------------------------------------------------------
# Purity
# ---------------------------------------------------------------------------------------------


def test_resale_is_checked_by_the_pure_module_test():
    """tests/test_pure_modules.py imports leases/resale/engine.py in a fresh interpreter and asserts no Django."""
    from tests import test_pure_modules

    assert "leases/resale/engine.py" in test_pure_modules.PURE_MODULES
    source = (PROJECT_ROOT / "leases" / "resale" / "engine.py").read_text()
    assert "import django" not in source and "from django" not in source
    assert "float(" not in source
