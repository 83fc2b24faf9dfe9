"""The engine's line items in plain words (``leases/explain.py``): one test per formula family, credit,
deduction, allowance, cap, floor and rounding, with figures worked by hand (or from the domain notes'
published examples) and the engine computing them for real. No database.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from leases.resale import engine as resale
from leases.resale.explain import ExplainedLine, Kind, explain, explain_proceeds, money, percent

D = dt.date
P0 = Decimal("150000.00")
BOUGHT = D(2020, 1, 1)
SOLD = D(2026, 6, 30)


def inputs(determination: dt.date = SOLD, **fields) -> resale.ResaleInputs:
    fields.setdefault("purchase_price", P0)
    fields.setdefault("purchase_date", BOUGHT)
    return resale.ResaleInputs(determination_date=determination, **fields)


def run(policy: resale.ResalePolicy, given: resale.ResaleInputs, **options) -> list[ExplainedLine]:
    return explain(resale.compute_resale(policy, given), policy=policy, inputs=given, **options)


def texts(lines: list[ExplainedLine]) -> list[str]:
    return [line.text for line in lines]


def policy(formula, **fields) -> resale.ResalePolicy:
    fields.setdefault("rounding", resale.Rounding(resale.RoundingMode.NONE))
    return resale.ResalePolicy(formula=formula, **fields)


def index(value: str) -> resale.IndexValue:
    return resale.IndexValue(Decimal(value))


SIMPLE_15 = resale.FixedRateSimple(Decimal("0.015"))


# --- Figures ------------------------------------------------------------------------------------------


def test_money_and_percent_in_words():
    assert money(Decimal("150000")) == "$150,000.00"
    assert money(Decimal("2.675")) == "$2.68"  # half up, as published schedules round
    assert money(Decimal("-312"), signed=True) == "−$312.00" and money(Decimal("0.4"), signed=True) == "+$0.40"
    assert money(Decimal("500"), cents=False) == "$500"
    assert percent(Decimal("0.015")) == "1.5 %" and percent(Decimal("0.25")) == "25 %"


# --- Formula families (§2) ----------------------------------------------------------------------------


def test_fixed_rate_simple_by_completed_years():
    lines = run(policy(SIMPLE_15), inputs())
    # 6 completed years × 1.5 % × 150,000 = 13,500.
    assert texts(lines) == [
        "You paid $150,000.00 for your home on Jan. 1, 2020.",
        "Your price grows 1.5 % of what you paid for each full year you have owned the home: 6 years, $13,500.00.",
        "So the price is $163,500.00.",
    ]
    assert [(line.kind, line.amount) for line in lines] == [
        (Kind.ADD, Decimal("150000.00")),
        (Kind.ADD, Decimal("13500")),
        (Kind.TOTAL, Decimal("163500")),
    ]


def test_fixed_rate_simple_by_whole_months_and_on_the_investment_basis():
    months = policy(resale.FixedRateSimple(Decimal("0.03"), resale.PeriodUnit.WHOLE_MONTHS))
    # The town covenant: 3 % a year prorated by whole month; 18 whole months: 150,000 × 3 % × 18/12 = 6,750.
    assert texts(run(months, inputs(D(2021, 7, 15))))[1] == (
        "Your price grows 3 % of what you paid a year, counted by the whole month you have owned the home: "
        "18 whole months, $6,750.00."
    )
    basis = policy(SIMPLE_15, growth_base=resale.GrowthBase.INVESTMENT_BASIS)
    # CHT-NC: growth on the price less subsidies, 120,000: 6 × 1.5 % × 120,000 = 10,800.
    assert texts(run(basis, inputs(investment_basis=Decimal("120000"))))[1] == (
        "Your price grows 1.5 % of your investment basis of $120,000.00 (what you paid less the subsidies) for "
        "each full year you have owned the home: 6 years, $10,800.00."
    )


def test_fixed_rate_simple_with_the_yearly_increment_rounded_first():
    rounded = policy(
        resale.FixedRateSimple(Decimal("0.0125")), rounding=resale.Rounding(resale.RoundingMode.INCREMENT_THEN_MULTIPLY)
    )
    # Houston-style: 1.25 % of 150,001 is 1,875.0125 a year, rounded to 1,875 before × 6 years = 11,250.
    lines = run(rounded, inputs(purchase_price=Decimal("150001.00")))
    assert lines[1].text == (
        "Your price grows 1.25 % of what you paid each year, $1,875.01, rounded to $1,875.00 a year: "
        "6 years, $11,250.00."
    )


def test_fixed_rate_compounding():
    big_river = policy(resale.FixedRateCompound(Decimal("0.015")))
    # Big River: 350,000 × 1.015^7 = 388,445.72 (growth 38,445.72).
    lines = run(big_river, inputs(D(2027, 1, 1), purchase_price=Decimal("350000")))
    assert lines[1].text == (
        "Your price grows 1.5 % a year, compounded, for each full year you have owned the home: 7 years, $38,445.72."
    )
    assert lines[-1].text == "So the price is $388,445.72."


def test_cpi_indexed():
    given = inputs(cpi_at_purchase=index("200"), cpi_at_determination=index("250"))
    assert texts(run(policy(resale.CpiIndexed()), given))[1] == (
        "Your price grows with consumer prices (inflation): the index was 200 when you bought and is 250 now, "
        "a rise of 25 % on what you paid: $37,500.00."
    )


def test_ami_indexed_rising_and_falling():
    vsclt = inputs(
        purchase_price=Decimal("250000"), ami_at_purchase=index("130000"), ami_at_determination=index("150000")
    )
    # VSCLT: 250,000 × 150,000 / 130,000 = 288,461.54; the rise is 15.38 % (never a rounded "roughly 15 %").
    assert texts(run(policy(resale.AmiIndexed()), vsclt))[1] == (
        "Your price grows with the area median income: it was $130,000.00 when you bought and is $150,000.00 now, "
        "a rise of 15.38 % on what you paid: $38,461.54."
    )
    fell = inputs(
        purchase_price=Decimal("250000"), ami_at_purchase=index("130000"), ami_at_determination=index("120000")
    )
    no_loss = policy(resale.AmiIndexed(), negative_appreciation=resale.NegativeAppreciation.ZERO)
    lines = run(no_loss, fell)
    # 250,000 × (120,000 / 130,000 − 1) = −19,230.77, given back because the program shares no fall.
    assert lines[1].text == (
        "Your price follows the area median income: it was $130,000.00 when you bought and is $120,000.00 now, "
        "a fall of 7.69 % on what you paid: −$19,230.77."
    )
    assert lines[1].kind is Kind.SUBTRACT
    assert lines[2].text == (
        "Your program does not pass a fall in value on to you, so your price does not drop below what you paid: "
        "$19,230.77 is added back."
    )
    assert lines[2].kind is Kind.ADD and lines[-1].text == "So the price is $250,000.00."


def test_administered_annual_rates():
    boulder = policy(
        resale.AdministeredRate(
            (
                resale.AnnualRate(2020, Decimal("0.02")),
                resale.AnnualRate(2021, Decimal("0.03")),
                resale.AnnualRate(2022, Decimal("0.01")),
            )
        )
    )
    # 3 completed years, each rate × 150,000: 3,000 + 4,500 + 1,500 = 9,000.
    assert texts(run(boulder, inputs(D(2023, 2, 1))))[1] == (
        "Your price grows by the rate the program sets for each year, each applied to what you paid and added up, "
        "not compounded: 3 years, $9,000.00."
    )


def test_appraisal_share_with_the_appraisal_cap_within_reach():
    vsclt = policy(
        resale.AppraisalShare(Decimal("0.25"), scope=resale.Scope.TOTAL),
        caps=(resale.AppraisalCap(resale.Scope.TOTAL),),
    )
    given = inputs(
        purchase_price=Decimal("250000"),
        initial_appraisal=resale.Appraisal(total=Decimal("350000")),
        resale_appraisal=resale.Appraisal(total=Decimal("475000")),
    )
    # VSCLT: appreciation 475,000 − 350,000 = 125,000; 25 % of it is 31,250.
    lines = run(vsclt, given)
    assert texts(lines)[1:] == [
        "You receive 25 % of the change in your home's appraised value, from $350,000.00 to $475,000.00: $31,250.00.",
        "Your price may not be more than the appraised value of your home and its land at the sale, $475,000.00; "
        "it is already within that.",
        "So the price is $281,250.00.",
    ]
    assert lines[2].kind is Kind.LIMIT


def test_appraisal_share_by_tenure_tier_leaves_out_the_credited_improvement():
    tiers = policy(
        resale.AppraisalShare(Decimal("0.25"), scope=resale.Scope.TOTAL, tiers=(resale.ShareTier(15, Decimal("0.35")),))
    )
    kitchen = resale.CapitalImprovement(
        "New kitchen",
        Decimal("30000"),
        D(2030, 5, 1),
        method=resale.CreditMethod.APPRAISED_VALUE,
        appraised_value=Decimal("20000"),
        approved_on=D(2030, 1, 10),
    )
    given = inputs(
        D(2035, 6, 30),
        purchase_price=Decimal("250000"),
        initial_appraisal=resale.Appraisal(total=Decimal("350000")),
        resale_appraisal=resale.Appraisal(total=Decimal("475000")),
        capital_improvements=(kitchen,),
    )
    # 15 years owned: 35 % of (475,000 − 350,000 − 20,000 credited) = 36,750; the kitchen's 20,000 on top.
    assert texts(run(tiers, given))[1:3] == [
        "You receive 35 % of the change in your home's appraised value, from $350,000.00 to $475,000.00, leaving "
        "out the value already credited for your improvements: $36,750.00.",
        "Credit for an improvement you made, New kitchen (the value an appraiser gave it, $20,000.00): $20,000.00.",
    ]


def test_time_vested_share_before_and_after_vesting():
    pinellas = policy(resale.TimeVestedShare(Decimal("0.03"), vesting_years=2))
    home = {"purchase_price": Decimal("100000"), "resale_appraisal": resale.Appraisal(improvements=Decimal("175000"))}
    # Pinellas: 4 years × 3 % = 12 % of (175,000 − 100,000) = 9,000.
    assert texts(run(pinellas, inputs(D(2024, 1, 1), **home)))[1] == (
        "You receive 3 % of the rise in value for each full year you have owned the home, 4 years, so 12 % of the "
        "change from $100,000.00 to $175,000.00: $9,000.00."
    )
    early = run(pinellas, inputs(D(2021, 7, 1), **home))
    # Sold after 18 months, inside the 2-year vesting period: nothing.
    assert early[1].text == (
        "You have owned the home 1 year; a share of the rise in value starts only after 2 years, so there is none yet."
    )
    assert early[1].kind is Kind.NOTE
    capped = policy(resale.TimeVestedShare(Decimal("0.03"), max_share=Decimal("0.10")))
    assert texts(run(capped, inputs(D(2024, 1, 1), **home)))[1] == (
        "You receive 3 % of the rise in value for each full year you have owned the home, at most 10 %, of the "
        "change from $100,000.00 to $175,000.00: $7,500.00."
    )


def test_itemized_fair_return_with_the_net_proceeds_limit():
    glen_aspen = policy(resale.ItemizedFairReturn(Decimal("0.015")))
    given = inputs(
        liens=(resale.Charge("First mortgage", Decimal("100000")),),
        sale_closing_costs=(resale.Charge("Title and recording", Decimal("5000")),),
        principal_paid=Decimal("20000"),
        purchase_closing_costs=Decimal("3000"),
        resale_appraisal=resale.Appraisal(improvements=Decimal("200000")),
        retained_subsidy=Decimal("30000"),
    )
    # Due 105,000 + inflation 6 × 1.5 % × 150,000 = 13,500 + principal 20,000 + closing costs 3,000 = 141,500,
    # within the home's 200,000 less the 30,000 subsidy that stays with it.
    assert texts(run(glen_aspen, given)) == [
        "What must be paid off at the sale (your loan and closing costs): $105,000.00.",
        "An allowance for inflation of 1.5 % a year of what you paid, for 6 years: $13,500.00.",
        "The loan principal you have paid off: $20,000.00.",
        "The closing costs you paid when you bought: $3,000.00.",
        "Your price may not be more than what your home (without the land, less the subsidy that stays with it) "
        "is worth, $170,000.00; it is already within that.",
        "So the price is $141,500.00.",
    ]


TERMS_AT_ZERO = resale.MortgageTerms(
    income_share=Decimal("0.30"),
    annual_rate=Decimal("0"),
    household=resale.HouseholdSize(persons_per_bedroom=None, fixed_persons=Decimal("4")),
)


def test_mortgage_based_price():
    # A family of 4 at 80 % of a 100,000 median earns 80,000, spends 30 % (2,000 a month); at 0 % over
    # 360 months that pays for 720,000.
    given = inputs(ami_at_determination=index("100000"))
    assert texts(run(policy(resale.MortgageBased(Decimal("0.80"), TERMS_AT_ZERO)), given))[0] == (
        "Your price is what a household of 4 people earning 80 % of the area median income ($80,000.00 a year) can "
        "afford to pay: $720,000.00."
    )


def test_lesser_of_lists_each_candidate_then_the_lowest():
    san_leandro = policy(resale.LesserOf((resale.CpiIndexed(), resale.FixedRateSimple(Decimal("0.02")))))
    given = inputs(cpi_at_purchase=index("200"), cpi_at_determination=index("250"))
    # CPI: 150,000 × 1.25 = 187,500; fixed: 150,000 + 6 × 2 % × 150,000 = 168,000, the lower.
    lines = run(san_leandro, given)
    assert texts(lines)[1:] == [
        "By the rise in consumer prices (inflation), the price would be $187,500.00.",
        "By a fixed 2 % a year of what you paid, not compounded, the price would be $168,000.00.",
        "Your price is the lowest of these, $168,000.00: a change of +$18,000.00 from what you paid.",
        "So the price is $168,000.00.",
    ]
    assert [line.kind for line in lines[1:3]] == [Kind.NOTE, Kind.NOTE]


# --- Credits, deductions, allowances ---------------------------------------------------------------------


def test_each_credit_method_and_each_reason_for_no_credit():
    rules = resale.CreditRules(cost_over=Decimal("3000"), within_years=5)
    approved = D(2021, 1, 1)
    items = (
        resale.CapitalImprovement("New roof", Decimal("12000"), D(2022, 6, 1), credit_pct=Decimal("0.5"),
                                  approved_on=approved),
        resale.CapitalImprovement("Furnace", Decimal("10000"), D(2021, 6, 30), approved_on=approved,
                                  method=resale.CreditMethod.DEPRECIATED_COST, useful_life_years=10),
        resale.CapitalImprovement("Deck", Decimal("4000"), D(2022, 6, 1), approved_on=approved,
                                  method=resale.CreditMethod.FIXED_VALUE, fixed_value=Decimal("3500")),
        resale.CapitalImprovement("Porch", Decimal("9000"), D(2027, 1, 1), approved_on=approved),
        resale.CapitalImprovement("Paint", Decimal("4000"), D(2022, 6, 1), maintenance=True),
        resale.CapitalImprovement("Windows", Decimal("8000"), D(2022, 6, 1), approved_on=approved, documented=False),
        resale.CapitalImprovement("Fence", Decimal("5000"), D(2022, 6, 1)),
        resale.CapitalImprovement("Shed", Decimal("2500"), D(2022, 6, 1), approved_on=approved),
        resale.CapitalImprovement("Patio", Decimal("6000"), D(2021, 3, 1), approved_on=approved),
    )  # fmt: skip
    lines = run(policy(SIMPLE_15, credit_rules=rules), inputs(capital_improvements=items))
    credits = [line for line in lines if line.code.startswith("credit.")]
    # 50 % of 12,000; 10,000 × (120 − 60 months used) / 120; the standard 3,500 for a deck.
    assert texts(credits) == [
        "Credit for an improvement you made, New roof (50 % of its cost of $12,000.00): $6,000.00.",
        "Credit for an improvement you made, Furnace (its cost of $10,000.00 less wear: 60 months used of a useful "
        "life of 120 months): $5,000.00.",
        "Credit for an improvement you made, Deck (the standard value for this kind of work, $3,500.00): $3,500.00.",
        "No credit for Porch: it was not finished by June 30, 2026.",
        "No credit for Paint: ordinary upkeep and repairs earn no credit.",
        "No credit for Windows: its cost is not documented.",
        "No credit for Fence: the trust did not approve it before the work.",
        "No credit for Shed: only improvements costing more than $3,000.00 earn a credit, and it cost $2,500.00.",
        "No credit for Patio: it was done more than 5 years before the sale.",
    ]
    assert [line.kind for line in credits] == [Kind.ADD] * 3 + [Kind.NOTE] * 6
    assert lines[-1].text == "So the price is $178,000.00."  # 163,500 + 6,000 + 5,000 + 3,500


def test_deductions_and_allowances_before_the_cap_with_a_floor_and_rounding():
    boulder = policy(
        SIMPLE_15,
        sale_allowances=(resale.SaleAllowance("commission and closing", pct=Decimal("0.025"), amount=Decimal("1000")),),
        floor=resale.FloorRule.PURCHASE_PRICE_PLUS_CREDITS,
        rounding=resale.Rounding(resale.RoundingMode.NEAREST, Decimal("500"), resale.RoundingDirection.DOWN),
    )
    given = inputs(price_deductions=(resale.Charge("repair reserve used", Decimal("500")),))
    # 163,500 − 500 = 163,000; + 2.5 % of it (4,075) + 1,000 = 168,075; down to the 500 below: 168,000.
    lines = run(boulder, given)
    assert texts(lines)[2:] == [
        "Taken off the price, repair reserve used: $500.00.",
        "Added for the costs of selling, commission and closing (2.5 % of $163,000.00 plus a flat $1,000.00): "
        "$5,075.00.",
        "Your price never goes below what you paid plus your improvement credits, $150,000.00; it is already above "
        "that.",
        "Rounded down to the multiple of $500 below: −$75.00.",
        "So the price is $168,000.00.",
    ]
    assert [line.kind for line in lines[2:]] == [Kind.SUBTRACT, Kind.ADD, Kind.LIMIT, Kind.SUBTRACT, Kind.TOTAL]


# --- Caps, floors, rounding ------------------------------------------------------------------------------


def test_the_affordability_cap_lowers_the_price_and_the_floor_raises_it_back():
    capped = policy(
        SIMPLE_15,
        caps=(resale.AffordabilityCap(Decimal("0.80"), TERMS_AT_ZERO),),
        floor=resale.FloorRule.PURCHASE_PRICE,
    )
    # 80 % of a 20,000 median is 16,000 a year, 400 a month at 30 %: 144,000 over 360 months at 0 %.
    lines = run(capped, inputs(ami_at_determination=index("20000")))
    assert texts(lines)[2:] == [
        "Your price may not be more than what a household of 4 people earning 80 % of the area median income "
        "($16,000.00 a year) can afford, $144,000.00, so it is lowered by $19,500.00.",
        "Your price never goes below what you paid, $150,000.00, so it is raised by $6,000.00.",
        "So the price is $150,000.00.",
    ]
    assert [line.kind for line in lines[2:4]] == [Kind.LIMIT, Kind.LIMIT]
    within = run(capped, inputs(ami_at_determination=index("100000")))
    assert within[2].text == (
        "Your price may not be more than what a household of 4 people earning 80 % of the area median income "
        "($80,000.00 a year) can afford, $720,000.00; it is already within that."
    )


def test_the_appraisal_cap_lowers_the_price_and_rounding_stays_under_it():
    capped = policy(
        SIMPLE_15,
        caps=(resale.AppraisalCap(resale.Scope.TOTAL),),
        rounding=resale.Rounding(resale.RoundingMode.DOLLAR),
    )
    given = inputs(resale_appraisal=resale.Appraisal(total=Decimal("160000.50")))
    # 163,500 down to the 160,000.50 appraisal; the nearest dollar (160,001) would pass it, so 160,000.
    assert texts(run(capped, given))[2:] == [
        "Your price may not be more than the appraised value of your home and its land at the sale, $160,000.50, "
        "so it is lowered by $3,499.50.",
        "Rounded down to the whole dollar below, so as not to go over the limit: −$0.50.",
        "So the price is $160,000.00.",
    ]


def test_rounding_to_the_nearest_dollar_and_a_rounding_that_changes_nothing():
    dollar = policy(resale.FixedRateSimple(Decimal("0.015"), resale.PeriodUnit.DAYS),
                    rounding=resale.Rounding(resale.RoundingMode.DOLLAR))  # fmt: skip
    # 10 days: 150,000 × 1.5 % × 10/365 = 61.64; 150,061.64 to the nearest dollar is 150,062.
    lines = run(dollar, inputs(D(2020, 1, 11)))
    assert lines[1].text == (
        "Your price grows 1.5 % of what you paid a year, counted by the day you have owned the home: 10 days, $61.64."
    )
    assert lines[2].text == "Rounded to the nearest whole dollar: +$0.36." and lines[2].kind is Kind.ADD
    cent = run(policy(SIMPLE_15, rounding=resale.Rounding()), inputs())
    assert cent[2].text == "Rounded to the nearest cent: no change." and cent[2].kind is Kind.NOTE


# --- Proceeds, context, fallbacks ------------------------------------------------------------------------


def test_the_sellers_proceeds():
    given = inputs(
        liens=(resale.Charge("First mortgage", Decimal("100000")),),
        sale_closing_costs=(resale.Charge("Title", Decimal("5000")),),
        arrears=(resale.Charge("Lease fees", Decimal("200")),),
        fees=(resale.Charge("Resale request", Decimal("400")),),
    )
    result = resale.compute_resale(policy(SIMPLE_15), given)
    # 163,500 − 100,000 − 5,000 − 200 − 400 = 57,900.
    assert texts(explain_proceeds(result)) == [
        "The sale price: $163,500.00.",
        "Paying off your loan, First mortgage: −$100,000.00.",
        "Your closing costs, Title: −$5,000.00.",
        "Unpaid lease fees and charges, Lease fees: −$200.00.",
        "A fee, Resale request: −$400.00.",
        "What you would receive: $57,900.00.",
    ]
    underwater = resale.compute_resale(
        policy(SIMPLE_15), inputs(liens=(resale.Charge("First mortgage", Decimal("170000")),))
    )
    assert explain_proceeds(underwater)[-1].text == "What you would have to bring to the closing: $6,500.00."


def test_without_the_policy_and_inputs_each_line_still_states_its_amount():
    given = inputs(resale_appraisal=resale.Appraisal(total=Decimal("400000")))
    capped = policy(SIMPLE_15, caps=(resale.AppraisalCap(resale.Scope.TOTAL),), floor=resale.FloorRule.PURCHASE_PRICE)
    lines = explain(resale.compute_resale(capped, given), total=False)
    assert texts(lines) == [
        "You paid $150,000.00 for your home.",
        "A fixed yearly increase: $13,500.00.",
        "Your price may not be more than the appraised value of your home at the sale; it is already within that.",
        "Your price never goes below what you paid, $150,000.00; it is already above that.",
    ]


def test_an_unknown_code_falls_back_to_a_sentence_with_the_engines_label_and_detail():
    line = resale.LineItem("surcharge.solar", "Solar panel surcharge", Decimal("250"), Decimal("250"), "flat fee")
    result = resale.ResaleResult((line,), Decimal("250"), Decimal("250"), Decimal("250"), Decimal("0"), (), Decimal(0))
    explained = explain(result)
    assert explained[0] == ExplainedLine(
        "Another step, “Solar panel surcharge” (flat fee): +$250.00.",
        Decimal("250"),
        Kind.ADD,
        "surcharge.solar",
        Decimal("250"),
    )
    assert explained[1].kind is Kind.TOTAL and explained[1].text == "So the price is $250.00."
