"""leases.resale_codec: the resale engine's dataclasses as JSON-compatible dicts and back.

Pure, no database. The policies and homes are those of the worked examples in test_resale.py (§ of
``shared/domain/resale_and_lease.md``), built by the same builders (``tests/leases/resale_examples.py``).
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
import re
import subprocess
import sys
from decimal import Decimal

import pytest

from leases.resale import engine as resale
from leases.resale.codec import (
    CAP_KINDS,
    FORMULA_FAMILIES,
    inputs_from_dict,
    inputs_to_dict,
    policy_from_dict,
    policy_to_dict,
    result_from_dict,
    result_to_dict,
)
from leases.resale.engine import (
    AdministeredRate,
    AffordabilityCap,
    AmiIndexed,
    AnnualRate,
    Appraisal,
    AppraisalCap,
    AppraisalShare,
    Baseline,
    CapitalImprovement,
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
from tests.datafiles import PROJECT_ROOT
from tests.leases.resale.resale_examples import (
    BOULDER_RATES,
    CENT,
    EXACT,
    GLEN_ASPEN,
    MET_COUNCIL_2020,
    PLAIN_TERMS,
    SAN_LEANDRO,
    ami,
    big_river_home,
    boulder_home,
    cpi,
    glen_aspen_home,
    improvement,
    inputs,
    nearest,
    pinellas_home,
)

D = Decimal
d = dt.date

# ---------------------------------------------------------------------------------------------
# The worked examples (tests/leases/resale_examples.py): a policy of every formula family, with a home it
# can price, and the codec's own hybrid and kitchen-sink inputs
# ---------------------------------------------------------------------------------------------

BOULDER_HOME = boulder_home(capital_improvements=(improvement("Deck", "5000", d(2020, 5, 1)),))
GLEN_ASPEN_HOME = glen_aspen_home("230000", down_payment=D(7500))

# The hybrid whose JSON shape is pinned in test_the_json_shape_of_a_lesser_of_hybrid.
HYBRID = ResalePolicy(
    LesserOf(
        (
            AppraisalShare(D("0.25"), tiers=(ShareTier(0, D("0.25")), ShareTier(10, D("0.35")))),
            FixedRateSimple(D("0.02")),
            MortgageBased(D("0.8"), MortgageTerms(income_share=D("0.30"), annual_rate=D("0.065"))),
        )
    ),
    caps=(AppraisalCap(Scope.TOTAL), AffordabilityCap(D("0.6"), PLAIN_TERMS)),
    sale_allowances=(SaleAllowance("Broker commission", pct=D("0.025")),),
    floor=FloorRule.PURCHASE_PRICE,
    rounding=nearest(500),
)
HYBRID_HOME = inputs(
    bedrooms=2,
    initial_appraisal=Appraisal(total=D(350000), land=D(100000)),
    resale_appraisal=Appraisal(total=D(475000), land=D(125000)),
    ami_at_determination=IndexValue(D(100000)),
)

# Inputs with every field set to something other than its default (checked below), consistent enough
# for the itemized formula to price them.
KITCHEN_SINK = ResaleInputs(
    purchase_price=D("150000.00"),
    purchase_date=d(2014, 5, 1),
    determination_date=d(2020, 8, 1),
    initial_appraisal=Appraisal(total=D(226000), land=D(56000), improvements=D(170000), effective_date=d(2014, 4, 10)),
    resale_appraisal=Appraisal(total=D(290000), land=D(60000), improvements=D(230000), effective_date=d(2020, 7, 1)),
    investment_basis=D("120000.50"),
    cpi_at_purchase=IndexValue(D("237.072"), d(2014, 5, 1), "cpi_u"),
    cpi_at_determination=IndexValue(D("258.115"), d(2020, 8, 1), "cpi_u"),
    ami_at_purchase=IndexValue(D(84000), d(2013, 6, 1), "hud_mfi"),
    ami_at_determination=IndexValue(D(97600), d(2020, 6, 1), "hud_mfi"),
    bedrooms=3,
    capital_improvements=(
        CapitalImprovement(
            description="Garage",
            cost=D("30000.00"),
            completed_on=d(2017, 9, 30),
            method=CreditMethod.APPRAISED_VALUE,
            credit_pct=D("0.75"),
            approved_on=d(2017, 1, 15),
            started_on=d(2017, 3, 1),
            appraised_value=D(18000),
            useful_life_years=25,
            fixed_value=D(15000),
            maintenance=True,
            documented=False,
        ),
        improvement("Furnace", "12000", d(2017, 6, 1), method=CreditMethod.DEPRECIATED_COST, useful_life_years=10),
        improvement("Heat pump", "7000", method=CreditMethod.FIXED_VALUE, fixed_value=D(4000)),
    ),
    price_deductions=(Charge("Repair reserve used", D("1234.56")),),
    liens=(Charge("First mortgage", D("98765.43")), Charge("Second mortgage", D(5000))),
    sale_closing_costs=(Charge("Title and recording", D(9000)),),
    arrears=(Charge("Lease fees, 3 months", D(1200)),),
    fees=(Charge("Resale request fee", D(400)),),
    proceeds_deductions=(Charge("Repairs from the walk-through", D(2000)),),
    principal_paid=D("20000.01"),
    down_payment=D(7500),
    purchase_closing_costs=D(3000),
    retained_subsidy=D(20000),
)


@dataclasses.dataclass(frozen=True)
class Case:
    policy: ResalePolicy
    home: ResaleInputs


CASES = {
    "s2_1_vsclt_appraisal_share": Case(
        ResalePolicy(AppraisalShare(D("0.25"), scope=Scope.TOTAL), rounding=CENT),
        inputs(initial_appraisal=Appraisal(total=D(350000)), resale_appraisal=Appraisal(total=D(475000))),
    ),
    "s2_1_lawinsider_improvements_capped": Case(
        ResalePolicy(AppraisalShare(D("0.25")), caps=(AppraisalCap(),), rounding=CENT),
        inputs(
            purchase_price=D(130420),
            initial_appraisal=Appraisal(total=D(232500), land=D(50000)),
            resale_appraisal=Appraisal(total=D(260000), land=D(60000), effective_date=d(2019, 11, 15)),
        ),
    ),
    "s2_1_pinellas_baseline_dclt_tiers_no_loss": Case(
        ResalePolicy(
            AppraisalShare(
                D("0.25"),
                baseline=Baseline.PURCHASE_PRICE,
                scope=Scope.TOTAL,
                tiers=(ShareTier(0, D("0.25")), ShareTier(10, D("0.35")), ShareTier(20, D("0.45"))),
                net_of_appraised_credits=False,
            ),
            negative_appreciation=NegativeAppreciation.ZERO,
        ),
        inputs(
            purchase_date=d(2000, 3, 1),
            determination_date=d(2015, 3, 1),
            initial_appraisal=Appraisal(total=D(300000)),
            resale_appraisal=Appraisal(total=D(400000)),
        ),
    ),
    "s2_1_cht_appraised_garage": Case(
        ResalePolicy(AppraisalShare(D("0.25"), scope=Scope.TOTAL)),
        inputs(
            purchase_price=D(150000),
            initial_appraisal=Appraisal(total=D(226000)),
            resale_appraisal=Appraisal(total=D(276000)),
            capital_improvements=(
                improvement("New garage", "14000", method=CreditMethod.APPRAISED_VALUE, appraised_value=D(10000)),
            ),
        ),
    ),
    "s2_2_pinellas_time_vested": Case(
        ResalePolicy(TimeVestedShare(D("0.03"), vesting_years=2, max_share=D("0.30"))),
        pinellas_home(d(2019, 3, 1)),
    ),
    "s2_3_vsclt_ami_nearest_500": Case(
        ResalePolicy(AmiIndexed(), rounding=nearest(500)),
        inputs(
            ami_at_purchase=IndexValue(D(130000), d(2009, 6, 1), "hud_mfi"),
            ami_at_determination=IndexValue(D(150000), d(2019, 6, 1), "hud_mfi"),
        ),
    ),
    "s1_mpdu_cpi_commission_after_cap": Case(
        ResalePolicy(
            CpiIndexed(),
            sale_allowances=(SaleAllowance("Broker commission", pct=D("0.06")),),
            allowances_timing=Timing.AFTER_CAP,
            caps=(AppraisalCap(Scope.TOTAL),),
        ),
        inputs(
            purchase_price=D(150000),
            resale_appraisal=Appraisal(total=D(185000)),
            capital_improvements=(improvement("Heat pump", "7500"),),
            **cpi("200", "230"),
        ),
    ),
    "s2_5_boulder_administered_allowances": Case(
        ResalePolicy(
            AdministeredRate(BOULDER_RATES),
            sale_allowances=(
                SaleAllowance("Real-estate compensation", pct=D("0.025")),
                SaleAllowance("Closing costs", amount=D(1000)),
            ),
        ),
        BOULDER_HOME,
    ),
    "s2_5_administered_by_month_end_year_increment_then_multiply": Case(
        ResalePolicy(
            AdministeredRate(BOULDER_RATES, period=PeriodUnit.WHOLE_MONTHS, rate_year=RateYear.END),
            rounding=Rounding(RoundingMode.INCREMENT_THEN_MULTIPLY, D(100), RoundingDirection.DOWN),
        ),
        BOULDER_HOME,
    ),
    "s2_6_town_covenant_fixed_simple": Case(
        ResalePolicy(
            FixedRateSimple(D("0.03"), PeriodUnit.WHOLE_MONTHS),
            sale_allowances=(SaleAllowance("Commission, legal and closing costs", pct=D("0.02")),),
        ),
        inputs(purchase_price=D(180000), purchase_date=d(2012, 4, 20), determination_date=d(2019, 2, 1)),
    ),
    "s2_7_big_river_compound_exact": Case(
        ResalePolicy(FixedRateCompound(D("0.015")), rounding=EXACT),
        big_river_home(price_deductions=(Charge("Repair reserve", D(2500)),)),
    ),
    "s2_8_glen_aspen_itemized": Case(GLEN_ASPEN, GLEN_ASPEN_HOME),
    "s2_8_itemized_with_down_payment_by_days": Case(
        ResalePolicy(
            ItemizedFairReturn(
                D("0.015"),
                period=PeriodUnit.DAYS,
                include_purchase_closing_costs=False,
                include_down_payment=True,
                limit_to_net_proceeds=False,
            ),
            credit_rules=GLEN_ASPEN.credit_rules,
        ),
        GLEN_ASPEN_HOME,
    ),
    "s2_9_met_council_mortgage_based": Case(
        ResalePolicy(MortgageBased(D("0.8"), MET_COUNCIL_2020)),
        inputs(ami_at_determination=IndexValue(D(103400))),
    ),
    "s3_3_affordability_cap_on_a_share": Case(
        ResalePolicy(AppraisalShare(D("0.25"), scope=Scope.TOTAL), caps=(AffordabilityCap(D("0.3"), PLAIN_TERMS),)),
        inputs(
            bedrooms=2,
            ami_at_determination=IndexValue(D(100000)),
            initial_appraisal=Appraisal(total=D(350000)),
            resale_appraisal=Appraisal(total=D(475000)),
        ),
    ),
    "s2_10_san_leandro_lesser_of": Case(
        SAN_LEANDRO,
        inputs(
            purchase_price=D(300000),
            resale_appraisal=Appraisal(total=D(340000)),
            **ami("100000", "120000"),
            **cpi("250", "275"),
        ),
    ),
    "s2_10_lesser_of_hybrid": Case(HYBRID, HYBRID_HOME),
    "nested_lesser_of_every_setting": Case(
        ResalePolicy(
            LesserOf((LesserOf((AmiIndexed(), CpiIndexed())), FixedRateCompound(D("0.04"), PeriodUnit.DAYS))),
            growth_base=GrowthBase.INVESTMENT_BASIS,
            negative_appreciation=NegativeAppreciation.ZERO,
            credit_rules=CreditRules(
                require_approval=True,
                approval_required_above=D(10000),
                require_documentation=False,
                cost_over=D(3000),
                within_years=10,
            ),
            sale_allowances=(SaleAllowance("Closing costs", pct=D("0.01"), amount=D(750)),),
            caps=(AppraisalCap(Scope.IMPROVEMENTS), AffordabilityCap(D("0.8"), MET_COUNCIL_2020)),
            floor=FloorRule.PURCHASE_PRICE_PLUS_CREDITS,
            rounding=nearest(500, RoundingDirection.DOWN),
            credits_timing=Timing.AFTER_CAP,
            deductions_timing=Timing.AFTER_CAP,
            allowances_timing=Timing.AFTER_CAP,
        ),
        KITCHEN_SINK,
    ),
    "s2_8_itemized_kitchen_sink": Case(GLEN_ASPEN, KITCHEN_SINK),
}


def all_formulas(formula) -> list:
    if isinstance(formula, LesserOf):
        return [formula, *(f for inner in formula.formulas for f in all_formulas(inner))]
    return [formula]


def json_trip(data: dict) -> dict:
    """What a JSON column or an HTTP body gives back."""
    return json.loads(json.dumps(data))


def assert_plain_json(value, where="") -> None:
    """Only what json.dumps writes and json.loads gives back: no float, Decimal, date or tuple."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert isinstance(key, str), where
            assert_plain_json(item, f"{where}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            assert_plain_json(item, f"{where}[{i}]")
    else:
        assert value is None or type(value) in (str, int, bool), (where, value)


# ---------------------------------------------------------------------------------------------
# The registry of tags (stored data: the names must not change)
# ---------------------------------------------------------------------------------------------


def test_formula_families_and_cap_kinds_are_the_snake_case_class_names():
    assert {
        "appraisal_share": AppraisalShare,
        "time_vested_share": TimeVestedShare,
        "ami_indexed": AmiIndexed,
        "cpi_indexed": CpiIndexed,
        "administered_rate": AdministeredRate,
        "fixed_rate_simple": FixedRateSimple,
        "fixed_rate_compound": FixedRateCompound,
        "itemized_fair_return": ItemizedFairReturn,
        "mortgage_based": MortgageBased,
        "lesser_of": LesserOf,
    } == FORMULA_FAMILIES
    assert {"appraisal_cap": AppraisalCap, "affordability_cap": AffordabilityCap} == CAP_KINDS


def test_no_tagged_class_has_a_field_named_like_its_tag():
    for tag, registry in (("family", FORMULA_FAMILIES), ("kind", CAP_KINDS)):
        for cls in registry.values():
            assert tag not in {f.name for f in dataclasses.fields(cls)}, cls


def test_the_cases_cover_every_formula_family_and_every_cap():
    families = {type(f) for case in CASES.values() for f in all_formulas(case.policy.formula)}
    assert families == set(FORMULA_FAMILIES.values())
    caps = {type(c) for case in CASES.values() for c in case.policy.caps}
    assert caps == set(CAP_KINDS.values())


def test_the_kitchen_sink_sets_every_input_field():
    for f in dataclasses.fields(ResaleInputs):
        default = f.default if f.default is not dataclasses.MISSING else None
        assert getattr(KITCHEN_SINK, f.name) not in (default, None, ()), f.name
    (garage, *_) = KITCHEN_SINK.capital_improvements
    for f in dataclasses.fields(CapitalImprovement):
        assert getattr(garage, f.name) not in (f.default, None), f.name


# ---------------------------------------------------------------------------------------------
# Round trips
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_policy_round_trip(case):
    data = policy_to_dict(case.policy)
    assert_plain_json(data)
    assert policy_from_dict(data) == case.policy
    assert policy_from_dict(json_trip(data)) == case.policy
    # The text survives too (every Decimal written back with the same digits and exponent).
    assert policy_to_dict(policy_from_dict(json_trip(data))) == data


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_inputs_round_trip(case):
    data = inputs_to_dict(case.home)
    assert_plain_json(data)
    assert inputs_from_dict(data) == case.home
    assert inputs_from_dict(json_trip(data)) == case.home
    assert inputs_to_dict(inputs_from_dict(json_trip(data))) == data


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_decoded_policy_and_inputs_compute_the_same_result(case):
    """A saved calculation recomputes equal: the stored policy and inputs, through JSON, give the same
    result, and the stored result itself comes back equal (every line and every digit)."""
    original = resale.compute_resale(case.policy, case.home)
    stored = {
        "policy": json_trip(policy_to_dict(case.policy)),
        "inputs": json_trip(inputs_to_dict(case.home)),
        "result": json_trip(result_to_dict(original)),
    }
    recomputed = resale.compute_resale(policy_from_dict(stored["policy"]), inputs_from_dict(stored["inputs"]))
    assert result_to_dict(recomputed) == result_to_dict(original) == stored["result"]
    assert recomputed == original
    assert result_from_dict(stored["result"]) == original
    assert_plain_json(stored["result"])


def test_result_dict_holds_everything_the_result_holds():
    case = CASES["s2_8_glen_aspen_itemized"]
    result = resale.compute_resale(case.policy, case.home)
    data = result_to_dict(result)
    assert list(data) == [
        "line_items",
        "formula_price",
        "capped_price",
        "price",
        "credits_total",
        "proceeds_items",
        "seller_proceeds",
    ]
    assert data["price"] == str(result.price) == "150000.00"
    assert data["seller_proceeds"] == str(result.seller_proceeds)
    assert len(data["line_items"]) == len(result.line_items)
    first = data["line_items"][0]
    assert first == {
        "code": "itemized.amounts_due",
        "label": "Loan payoff and closing costs due at the sale",
        "amount": "119000",
        "total": "119000",
        "detail": "the liens and sale closing costs, paid from the price",
    }
    assert [item["code"] for item in data["proceeds_items"]] == [
        "proceeds.price",
        "proceeds.lien",
        "proceeds.closing_cost",
    ]


def test_a_stored_result_differs_from_a_recomputation_when_the_policy_changed():
    case = CASES["s2_6_town_covenant_fixed_simple"]
    stored = json_trip(result_to_dict(resale.compute_resale(case.policy, case.home)))
    changed = dataclasses.replace(case.policy, formula=FixedRateSimple(D("0.025"), PeriodUnit.WHOLE_MONTHS))
    assert result_from_dict(stored) != resale.compute_resale(changed, case.home)


def test_unrounded_digits_survive_in_the_result():
    """Big River with no rounding: the price has 34 significant digits, all kept as text."""
    case = CASES["s2_7_big_river_compound_exact"]
    result = resale.compute_resale(case.policy, case.home)
    text = result_to_dict(result)["price"]
    assert text == str(result.price)
    assert len(text.replace(".", "")) > 20
    assert result_from_dict(json_trip(result_to_dict(result))).price.as_tuple() == result.price.as_tuple()


# ---------------------------------------------------------------------------------------------
# The JSON shape
# ---------------------------------------------------------------------------------------------

ROUNDING_CENT = {"mode": "cent", "increment": None, "direction": "nearest"}
HUD_FACTORS = ["0.70", "0.80", "0.90", "1.00", "1.08", "1.16", "1.24", "1.32"]


def terms_dict(income_share: str, annual_rate: str) -> dict:
    return {
        "income_share": income_share,
        "annual_rate": annual_rate,
        "term_months": 360,
        "down_payment_pct": "0",
        "down_payment_cash": "0",
        "property_tax_rate": "0",
        "mortgage_insurance_rate": "0",
        "hazard_insurance_monthly": "0",
        "hoa_monthly": "0",
        "ground_lease_fee_monthly": "0",
        "utilities_monthly": "0",
        "other_monthly": "0",
        "household": {"persons_per_bedroom": "1.5", "studio_persons": "1", "fixed_persons": None},
        "size_factors": HUD_FACTORS,
        "rounding": ROUNDING_CENT,
    }


HYBRID_JSON = {
    "formula": {
        "family": "lesser_of",
        "formulas": [
            {
                "family": "appraisal_share",
                "share": "0.25",
                "baseline": "initial_appraisal",
                "scope": "improvements",
                "tiers": [{"min_years": 0, "share": "0.25"}, {"min_years": 10, "share": "0.35"}],
                "net_of_appraised_credits": True,
            },
            {"family": "fixed_rate_simple", "rate": "0.02", "period": "completed_years"},
            {"family": "mortgage_based", "ami_fraction": "0.8", "terms": terms_dict("0.30", "0.065")},
        ],
    },
    "growth_base": "purchase_price",
    "negative_appreciation": "symmetric",
    "credit_rules": {
        "require_approval": True,
        "approval_required_above": None,
        "require_documentation": True,
        "cost_over": None,
        "within_years": None,
    },
    "sale_allowances": [{"label": "Broker commission", "pct": "0.025", "amount": "0"}],
    "caps": [
        {"kind": "appraisal_cap", "scope": "total"},
        {"kind": "affordability_cap", "ami_fraction": "0.6", "terms": terms_dict("0.30", "0")},
    ],
    "floor": "purchase_price",
    "rounding": {"mode": "nearest", "increment": "500", "direction": "nearest"},
    "credits_timing": "before_cap",
    "deductions_timing": "before_cap",
    "allowances_timing": "before_cap",
}


def test_the_json_shape_of_a_lesser_of_hybrid():
    """The stored shape, pinned: every field written (defaults included), the tag first, Decimals as text."""
    data = policy_to_dict(HYBRID)
    assert data == HYBRID_JSON
    assert list(data["formula"]["formulas"][1]) == ["family", "rate", "period"]
    assert list(data) == [f.name for f in dataclasses.fields(ResalePolicy)]
    assert policy_from_dict(HYBRID_JSON) == HYBRID


def test_the_json_shape_of_inputs():
    data = inputs_to_dict(KITCHEN_SINK)
    assert data["purchase_price"] == "150000.00"
    assert data["purchase_date"] == "2014-05-01"
    assert data["initial_appraisal"] == {
        "total": "226000",
        "land": "56000",
        "improvements": "170000",
        "effective_date": "2014-04-10",
    }
    assert data["cpi_at_purchase"] == {"value": "237.072", "effective_from": "2014-05-01", "series": "cpi_u"}
    assert data["bedrooms"] == 3
    assert data["liens"] == [
        {"label": "First mortgage", "amount": "98765.43"},
        {"label": "Second mortgage", "amount": "5000"},
    ]
    assert data["capital_improvements"][0] == {
        "description": "Garage",
        "cost": "30000.00",
        "completed_on": "2017-09-30",
        "method": "appraised_value",
        "credit_pct": "0.75",
        "approved_on": "2017-01-15",
        "started_on": "2017-03-01",
        "appraised_value": "18000",
        "useful_life_years": 25,
        "fixed_value": "15000",
        "maintenance": True,
        "documented": False,
    }
    assert inputs_to_dict(inputs())["initial_appraisal"] is None
    assert inputs_to_dict(inputs())["fees"] == []


@pytest.mark.parametrize("text", ["0.015", "250000.00", "0.0150", "1E+3", "2.50E+5", "-0", "1E-7", "0E-8"])
def test_decimal_text_is_kept_exactly(text):
    policy = ResalePolicy(FixedRateSimple(D(text)))
    data = policy_to_dict(policy)
    assert data["formula"]["rate"] == text
    assert policy_from_dict(json_trip(data)).formula.rate.as_tuple() == D(text).as_tuple()


# ---------------------------------------------------------------------------------------------
# What decoding accepts: defaults, integers, Decimal and date objects
# ---------------------------------------------------------------------------------------------


def test_absent_keys_take_the_dataclass_defaults():
    assert policy_from_dict({"formula": {"family": "cpi_indexed"}}) == ResalePolicy(CpiIndexed())
    assert policy_from_dict({"formula": {"family": "fixed_rate_simple", "rate": "0.02"}}) == ResalePolicy(
        FixedRateSimple(D("0.02"))
    )
    minimal = {"purchase_price": "250000", "purchase_date": "2010-01-01", "determination_date": "2020-01-01"}
    assert inputs_from_dict(minimal) == inputs()
    terms = policy_from_dict(
        {
            "formula": {
                "family": "mortgage_based",
                "ami_fraction": "0.8",
                "terms": {"income_share": "0.3", "annual_rate": "0"},
            }
        }
    ).formula.terms
    assert terms == MortgageTerms(income_share=D("0.3"), annual_rate=D(0))


def test_null_is_not_absence():
    """Absent: the default (1.5 persons per bedroom). null: None, here the Met Council's family of four."""
    terms = {"income_share": "0.29", "annual_rate": "0.03625"}
    absent = {**terms, "household": {"fixed_persons": "4"}}
    null = {**terms, "household": {"persons_per_bedroom": None, "fixed_persons": "4"}}

    def household(terms_data):
        data = {"formula": {"family": "mortgage_based", "ami_fraction": "0.8", "terms": terms_data}}
        return policy_from_dict(data).formula.terms.household

    assert household(absent) == HouseholdSize(persons_per_bedroom=D("1.5"), fixed_persons=D(4))
    assert household(null) == HouseholdSize(persons_per_bedroom=None, fixed_persons=D(4))


def test_json_integers_are_exact_decimals():
    data = inputs_to_dict(inputs())
    data.update(purchase_price=250000, retained_subsidy=0, principal_paid=10**40 + 1)
    home = inputs_from_dict(json_trip(data))
    assert home.purchase_price == D("250000") and isinstance(home.purchase_price, Decimal)
    assert home.retained_subsidy == D(0)
    assert home.principal_paid == D("10000000000000000000000000000000000000001")
    assert policy_from_dict({"formula": {"family": "fixed_rate_simple", "rate": 0}}).formula.rate == D(0)


def test_json_parsed_with_decimal_floats_is_accepted():
    """A client may parse JSON with ``parse_float=Decimal``: its numbers are then exact and accepted."""
    text = (
        '{"formula": {"family": "fixed_rate_compound", "rate": 0.015},'
        ' "rounding": {"mode": "nearest", "increment": 5E2}}'
    )
    policy = policy_from_dict(json.loads(text, parse_float=Decimal))
    assert policy.formula.rate.as_tuple() == D("0.015").as_tuple()
    assert policy.rounding == nearest(500)
    with pytest.raises(ResaleInputError) as error:
        policy_from_dict(json.loads(text))  # the default parse: 0.015 is a float
    assert error.value.field == "formula.rate"


@pytest.mark.parametrize("text", ["1", "-2.5", "+3", ".5", "5.", "1e3", "1E-7", "007"])
def test_decimal_strings_accepted(text):
    assert policy_from_dict({"formula": {"family": "fixed_rate_simple", "rate": text}}).formula.rate == D(text)


def test_python_values_are_accepted_as_well_as_their_json_text():
    """Dicts built in Python: dates, enumeration members, Decimals and tuples pass as they are."""
    data = {
        "purchase_price": D("250000.00"),
        "purchase_date": d(2010, 1, 1),
        "determination_date": d(2020, 1, 1),
        "capital_improvements": (
            {
                "description": "Roof",
                "cost": D(10000),
                "completed_on": d(2015, 6, 1),
                "method": CreditMethod.FIXED_VALUE,
            },
        ),
    }
    home = inputs_from_dict(data)
    assert home.capital_improvements[0].method is CreditMethod.FIXED_VALUE
    assert home.purchase_price == D(250000)
    assert policy_from_dict({"formula": {"family": "cpi_indexed"}, "floor": FloorRule.PURCHASE_PRICE}).floor is (
        FloorRule.PURCHASE_PRICE
    )


def test_sequence_hints_are_lists_in_json_and_tuples_in_python():
    # No engine field is a Sequence today; the codec handles one like a tuple, should one appear.
    from collections.abc import Sequence

    from leases.resale.codec import _decode, _encode

    assert _decode(Sequence[Decimal], ["1.50", 2], "factors") == (D("1.50"), D(2))
    assert _encode(Sequence[Decimal], [D("1.50")], "factors") == ["1.50"]
    with pytest.raises(ResaleInputError) as error:
        _decode(Sequence[Decimal], ["1", 2.5], "factors")
    assert error.value.field == "factors[1]"


def test_decoded_enumerations_are_the_engines_members():
    policy = policy_from_dict(json_trip(policy_to_dict(CASES["nested_lesser_of_every_setting"].policy)))
    assert policy.floor is FloorRule.PURCHASE_PRICE_PLUS_CREDITS
    assert policy.rounding.direction is RoundingDirection.DOWN
    assert isinstance(policy.caps, tuple) and isinstance(policy.formula.formulas, tuple)


# ---------------------------------------------------------------------------------------------
# What decoding refuses, naming the field
# ---------------------------------------------------------------------------------------------

DELETE = object()


def mutated(data: dict, path: str, value) -> dict:
    """A deep copy of ``data`` with the value at a dotted path (``a.b[1].c``) replaced, or deleted."""
    data = copy.deepcopy(data)
    steps = [int(s[1:-1]) if s.startswith("[") else s for s in re.findall(r"\[\d+\]|[^.\[\]]+", path)]
    *parents, last = steps
    target = data
    for step in parents:
        target = target[step]
    if value is DELETE:
        del target[last]
    else:
        target[last] = value
    return data


POLICY_JSON = policy_to_dict(HYBRID)
NESTED_JSON = policy_to_dict(CASES["nested_lesser_of_every_setting"].policy)
INPUTS_JSON = inputs_to_dict(KITCHEN_SINK)
RATE = "formula.formulas[1].rate"
TIER = "formula.formulas[0].tiers[1]"
TERMS = "formula.formulas[2].terms"


@pytest.mark.parametrize(
    "data, path, value, field, reason",
    [
        # Floats and other bad numbers.
        (POLICY_JSON, RATE, 0.02, RATE, 'not a float (binary floats cannot hold most cents): write "0.02"'),
        (POLICY_JSON, RATE, 2.0, RATE, "not a float"),
        (POLICY_JSON, f"{TERMS}.household.persons_per_bedroom", 1.5, f"{TERMS}.household.persons_per_bedroom", "float"),
        (POLICY_JSON, f"{TERMS}.size_factors[3]", 1.0, f"{TERMS}.size_factors[3]", "float"),
        (POLICY_JSON, "caps[1].ami_fraction", 0.6, "caps[1].ami_fraction", "float"),
        (POLICY_JSON, "rounding.increment", 500.0, "rounding.increment", "float"),
        (POLICY_JSON, RATE, "2%", RATE, "got the string '2%'"),
        (POLICY_JSON, RATE, "NaN", RATE, "decimal string"),
        (POLICY_JSON, RATE, "Infinity", RATE, "decimal string"),
        (POLICY_JSON, RATE, " 0.02", RATE, "decimal string"),
        (POLICY_JSON, RATE, "0,02", RATE, "decimal string"),
        (POLICY_JSON, RATE, "1_000", RATE, "decimal string"),
        (POLICY_JSON, RATE, "", RATE, "decimal string"),
        (POLICY_JSON, RATE, "0x10", RATE, "decimal string"),
        (POLICY_JSON, RATE, "١", RATE, "decimal string"),  # an Arabic-Indic digit: Decimal() would take it
        (POLICY_JSON, RATE, True, RATE, "got true"),
        (POLICY_JSON, RATE, ["0.02"], RATE, "got a list"),
        (POLICY_JSON, RATE, None, RATE, "must not be null"),
        (POLICY_JSON, RATE, DELETE, RATE, "is required"),
        # Whole numbers and booleans.
        (POLICY_JSON, f"{TIER}.min_years", 10.0, f"{TIER}.min_years", "whole number, got the float 10.0"),
        (POLICY_JSON, f"{TIER}.min_years", "10", f"{TIER}.min_years", "whole number"),
        (POLICY_JSON, f"{TIER}.min_years", True, f"{TIER}.min_years", "whole number, got true"),
        (POLICY_JSON, f"{TERMS}.term_months", 360.0, f"{TERMS}.term_months", "whole number"),
        (
            POLICY_JSON,
            "formula.formulas[0].net_of_appraised_credits",
            1,
            "formula.formulas[0].net_of_appraised_credits",
            "true or false",
        ),
        (POLICY_JSON, "credit_rules.require_approval", "yes", "credit_rules.require_approval", "true or false"),
        (POLICY_JSON, "sale_allowances[0].label", 5, "sale_allowances[0].label", "must be a string"),
        # Enumerations.
        (
            POLICY_JSON,
            "formula.formulas[1].period",
            "years",
            "formula.formulas[1].period",
            "completed_years, whole_months, days",
        ),
        (POLICY_JSON, "floor", "price", "floor", "must be one of: none, purchase_price, purchase_price_plus_credits"),
        (POLICY_JSON, "floor", None, "floor", "must not be null"),
        (POLICY_JSON, "floor", 1, "floor", "must be one of"),
        (POLICY_JSON, "rounding.mode", "CENT", "rounding.mode", "must be one of"),
        (POLICY_JSON, f"{TERMS}.rounding.direction", ["up"], f"{TERMS}.rounding.direction", "must be one of"),
        (POLICY_JSON, "formula.formulas[0].scope", "Total", "formula.formulas[0].scope", "total, improvements"),
        # Formula families and caps.
        (
            POLICY_JSON,
            "formula.formulas[1].family",
            "fixed_rate",
            "formula.formulas[1].family",
            "unknown formula family",
        ),
        (
            POLICY_JSON,
            "formula.formulas[1].family",
            "FixedRateSimple",
            "formula.formulas[1].family",
            "expected one of: appraisal_share",
        ),
        (POLICY_JSON, "formula.formulas[1].family", None, "formula.formulas[1].family", "unknown formula family null"),
        (
            POLICY_JSON,
            "formula.family",
            DELETE,
            "formula.family",
            "is required: one of appraisal_share, time_vested_share",
        ),
        (
            POLICY_JSON,
            "formula.formulas[1]",
            "fixed_rate_simple",
            "formula.formulas[1]",
            'an object with a "family" key',
        ),
        (POLICY_JSON, "formula.formulas", {"0": {"family": "cpi_indexed"}}, "formula.formulas", "must be a list"),
        (POLICY_JSON, "formula", None, "formula", "must not be null"),
        (POLICY_JSON, "formula", DELETE, "formula", "is required"),
        (POLICY_JSON, "caps[1].kind", "affordability", "caps[1].kind", "unknown cap the string 'affordability'"),
        (POLICY_JSON, "caps[0].kind", DELETE, "caps[0].kind", "is required: one of appraisal_cap, affordability_cap"),
        (POLICY_JSON, "caps[0]", "appraisal_cap", "caps[0]", 'an object with a "kind" key'),
        (
            NESTED_JSON,
            "formula.formulas[0].formulas[1].family",
            "cpi",
            "formula.formulas[0].formulas[1].family",
            "unknown",
        ),
        (NESTED_JSON, "formula.formulas[1].rate", 0.04, "formula.formulas[1].rate", "float"),
        # Unknown keys and wrong shapes.
        (POLICY_JSON, "extra", 1, "extra", "is not a field of resale_policy; its fields are: formula, growth_base"),
        (POLICY_JSON, "formula.formulas[1].rat", "0.02", "formula.formulas[1].rat", "not a field of fixed_rate_simple"),
        (POLICY_JSON, "caps[0].ami_fraction", "0.6", "caps[0].ami_fraction", "not a field of appraisal_cap"),
        (POLICY_JSON, "formula.formulas[1].kind", "cap", "formula.formulas[1].kind", "not a field"),
        (POLICY_JSON, f"{TERMS}.household.persons", "4", f"{TERMS}.household.persons", "not a field of household_size"),
        (POLICY_JSON, "rounding", "cent", "rounding", "must be an object, got the string 'cent'"),
        (POLICY_JSON, "sale_allowances", None, "sale_allowances", "must not be null"),
        (POLICY_JSON, "sale_allowances", "commission", "sale_allowances", "must be a list"),
        (POLICY_JSON, f"{TERMS}.size_factors", "0.7", f"{TERMS}.size_factors", "must be a list"),
        (POLICY_JSON, "sale_allowances[0]", ["Commission", "0.025"], "sale_allowances[0]", "must be an object"),
        (POLICY_JSON, "sale_allowances[0].label", DELETE, "sale_allowances[0].label", "is required"),
    ],
)
def test_bad_policy_names_the_field(data, path, value, field, reason):
    with pytest.raises(ResaleInputError) as error:
        policy_from_dict(mutated(data, path, value))
    assert error.value.field == field
    assert reason in error.value.reason
    assert isinstance(error.value, ValueError)  # so the API answers 400
    assert str(error.value).startswith(f"{field}: ")


@pytest.mark.parametrize(
    "path, value, field, reason",
    [
        ("purchase_price", 250000.0, "purchase_price", "float"),
        ("purchase_price", "250,000", "purchase_price", "decimal string"),
        ("purchase_price", DELETE, "purchase_price", "is required"),
        ("determination_date", DELETE, "determination_date", "is required"),
        ("purchase_date", "2020-02-30", "purchase_date", "'2020-02-30' is not a date on the calendar"),
        ("purchase_date", "2020/01/01", "purchase_date", 'must be a date "YYYY-MM-DD"'),
        ("purchase_date", "20200101", "purchase_date", "YYYY-MM-DD"),
        ("purchase_date", "2020-1-1", "purchase_date", "YYYY-MM-DD"),
        ("purchase_date", "2020-01-01T00:00:00", "purchase_date", "YYYY-MM-DD"),
        ("purchase_date", 20200101, "purchase_date", "YYYY-MM-DD"),
        ("purchase_date", dt.datetime(2020, 1, 1), "purchase_date", "not a datetime"),
        ("purchase_date", None, "purchase_date", "must not be null"),
        ("initial_appraisal.total", 3.5e5, "initial_appraisal.total", "float"),
        ("initial_appraisal.effective_date", "2014-13-01", "initial_appraisal.effective_date", "not a date"),
        ("resale_appraisal.effective_date", "yesterday", "resale_appraisal.effective_date", "YYYY-MM-DD"),
        ("resale_appraisal", "290000", "resale_appraisal", "must be an object"),
        ("resale_appraisal.value", "290000", "resale_appraisal.value", "not a field of appraisal"),
        ("cpi_at_purchase.value", 237.072, "cpi_at_purchase.value", "float"),
        ("cpi_at_purchase.value", DELETE, "cpi_at_purchase.value", "is required"),
        ("cpi_at_purchase.seris", "cpi_u", "cpi_at_purchase.seris", "not a field of index_value"),
        ("ami_at_determination.effective_from", "June 2020", "ami_at_determination.effective_from", "YYYY-MM-DD"),
        ("bedrooms", 2.0, "bedrooms", "whole number"),
        ("bedrooms", True, "bedrooms", "whole number"),
        ("bedrooms", "3", "bedrooms", "whole number"),
        ("capital_improvements[0].completed_on", None, "capital_improvements[0].completed_on", "must not be null"),
        ("capital_improvements[0].method", "appraised", "capital_improvements[0].method", "appraised_value"),
        (
            "capital_improvements[1].useful_life_years",
            "10",
            "capital_improvements[1].useful_life_years",
            "whole number",
        ),
        ("capital_improvements[2].description", DELETE, "capital_improvements[2].description", "is required"),
        ("capital_improvements[2].maintenance", "no", "capital_improvements[2].maintenance", "true or false"),
        (
            "capital_improvements[2].approved_on",
            "2015-04-02T00:00",
            "capital_improvements[2].approved_on",
            "YYYY-MM-DD",
        ),
        ("capital_improvements", {"0": {}}, "capital_improvements", "must be a list"),
        ("liens[1].amount", 5000.5, "liens[1].amount", "float"),
        ("liens[1]", ["Second mortgage", "5000"], "liens[1]", "must be an object, got a list"),
        ("liens[0].lable", "x", "liens[0].lable", "not a field of charge; its fields are: label, amount"),
        ("fees", None, "fees", "must not be null"),
        ("fees", "400", "fees", "must be a list"),
        ("proceeds_deductions[0].amount", DELETE, "proceeds_deductions[0].amount", "is required"),
        ("retained_subsidy", 0.0, "retained_subsidy", "float"),
        ("retained_subsidy", None, "retained_subsidy", "must not be null"),
        ("appraisals", [], "appraisals", "not a field of resale_inputs"),
    ],
)
def test_bad_inputs_name_the_field(path, value, field, reason):
    with pytest.raises(ResaleInputError) as error:
        inputs_from_dict(mutated(INPUTS_JSON, path, value))
    assert error.value.field == field
    assert reason in error.value.reason


@pytest.mark.parametrize(
    "path, value, field",
    [
        ("line_items[0].amount", 1.0, "line_items[0].amount"),
        ("line_items[2].code", None, "line_items[2].code"),
        ("proceeds_items[1].total", DELETE, "proceeds_items[1].total"),
        ("price", DELETE, "price"),
        ("seller_proceeds", "lots", "seller_proceeds"),
        ("explanation", "", "explanation"),
    ],
)
def test_bad_result_names_the_field(path, value, field):
    case = CASES["s2_8_glen_aspen_itemized"]
    data = result_to_dict(resale.compute_resale(case.policy, case.home))
    with pytest.raises(ResaleInputError) as error:
        result_from_dict(mutated(data, path, value))
    assert error.value.field == field


@pytest.mark.parametrize(
    "decode, data, path, field",
    [
        (policy_from_dict, [], "", "policy"),
        (policy_from_dict, "{}", "", "policy"),
        (inputs_from_dict, None, "", "inputs"),
        (result_from_dict, 3, "", "result"),
        (policy_from_dict, [], "calculation.policy", "calculation.policy"),
    ],
)
def test_the_root_must_be_an_object(decode, data, path, field):
    with pytest.raises(ResaleInputError) as error:
        decode(data, path=path)
    assert error.value.field == field
    assert "must be an object" in error.value.reason


def test_path_prefixes_the_field_inside_a_larger_payload():
    body = {"policy": POLICY_JSON, "inputs": mutated(INPUTS_JSON, "capital_improvements[1].completed_on", "soon")}
    assert policy_from_dict(body["policy"], path="policy") == HYBRID
    with pytest.raises(ResaleInputError) as error:
        inputs_from_dict(body["inputs"], path="inputs")
    assert error.value.field == "inputs.capital_improvements[1].completed_on"
    with pytest.raises(ResaleInputError) as error:
        policy_from_dict(mutated(POLICY_JSON, RATE, 0.02), path="calculations[3].policy")
    assert error.value.field == f"calculations[3].policy.{RATE}"
    with pytest.raises(ResaleInputError) as error:
        policy_from_dict({"growth_base": "purchase_price"}, path="policy")
    assert error.value.field == "policy.formula"


def test_a_key_that_is_not_a_string_is_refused():
    with pytest.raises(ResaleInputError) as error:
        policy_from_dict({"formula": {"family": "cpi_indexed", 1: "x"}})
    assert (error.value.field, error.value.reason) == ("formula", "has a key that is not a string: 1")


def test_an_unknown_key_is_named_before_a_missing_one():
    # A typo ("rat") is reported as itself, not as the "rate" it leaves missing.
    with pytest.raises(ResaleInputError) as error:
        policy_from_dict({"formula": {"family": "fixed_rate_simple", "rat": "0.02"}})
    assert error.value.field == "formula.rat"
    assert "its fields are: rate, period" in error.value.reason


def test_too_deep_nesting_is_an_input_error_not_a_crash():
    data: dict = {"family": "cpi_indexed"}
    for _ in range(5000):
        data = {"family": "lesser_of", "formulas": [data, {"family": "ami_indexed"}]}
    with pytest.raises(ResaleInputError) as error:
        policy_from_dict({"formula": data})
    assert (error.value.field, error.value.reason) == ("policy", "is nested too deeply")
    formula = CpiIndexed()
    for _ in range(5000):
        formula = LesserOf((formula, AmiIndexed()))
    with pytest.raises(ResaleInputError) as error:
        policy_to_dict(ResalePolicy(formula))
    assert error.value.field == "policy"


def test_the_codec_checks_shape_and_the_engine_checks_ranges_on_the_same_paths():
    """A rate of -1 % decodes (a valid number); the engine then refuses it under the same dotted name,
    so the API answers both kinds of error alike."""
    data = mutated(POLICY_JSON, RATE, "-0.01")
    policy = policy_from_dict(data)
    with pytest.raises(ResaleInputError) as error:
        resale.compute_resale(policy, HYBRID_HOME)
    assert error.value.field == RATE
    assert "negative" in error.value.reason


# ---------------------------------------------------------------------------------------------
# What encoding refuses: nothing the engine would reject by type is ever written
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "policy, field, reason",
    [
        (ResalePolicy(FixedRateSimple(0.02)), "formula.rate", "not a float"),
        (ResalePolicy(FixedRateSimple(2)), "formula.rate", "must be a Decimal, got int"),
        (ResalePolicy(FixedRateSimple("0.02")), "formula.rate", "must be a Decimal, got str"),
        (ResalePolicy(FixedRateSimple(D("NaN"))), "formula.rate", "finite"),
        (ResalePolicy(FixedRateSimple(D("0.02"), "completed_years")), "formula.period", "must be a PeriodUnit"),
        (ResalePolicy(CpiIndexed(), floor="none"), "floor", "must be a FloorRule"),
        (ResalePolicy(CpiIndexed(), caps=("appraisal",)), "caps[0]", "unknown cap str"),
        (ResalePolicy(CpiIndexed(), caps=AppraisalCap()), "caps", "must be a tuple"),
        (ResalePolicy(object()), "formula", "unknown formula family object"),
        (ResalePolicy(None), "formula", "is required"),
        (ResalePolicy(LesserOf((CpiIndexed(), FixedRateSimple(0.02)))), "formula.formulas[1].rate", "float"),
        (ResalePolicy(AdministeredRate((AnnualRate(2020.0, D(1)),))), "formula.rates[0].year", "whole number"),
        (ResalePolicy(AppraisalShare(D(1), net_of_appraised_credits=1)), "formula.net_of_appraised_credits", "bool"),
        (ResalePolicy(CpiIndexed(), rounding=RoundingMode.CENT), "rounding", "must be a Rounding"),
        (
            ResalePolicy(MortgageBased(D("0.8"), dataclasses.replace(PLAIN_TERMS, size_factors=(0.7,)))),
            "formula.terms.size_factors[0]",
            "float",
        ),
    ],
)
def test_encoding_a_bad_policy_names_the_field(policy, field, reason):
    with pytest.raises(ResaleInputError) as error:
        policy_to_dict(policy)
    assert error.value.field == field
    assert reason in error.value.reason


@pytest.mark.parametrize(
    "home, field",
    [
        (inputs(purchase_date=dt.datetime(2010, 1, 1)), "purchase_date"),
        (inputs(purchase_date=None), "purchase_date"),
        (inputs(purchase_date="2010-01-01"), "purchase_date"),
        (inputs(purchase_price=250000.0), "purchase_price"),
        (inputs(liens=(("Mortgage", D(1)),)), "liens[0]"),
        (inputs(liens=(Charge(5, D(1)),)), "liens[0].label"),
        (inputs(bedrooms=True), "bedrooms"),
        (inputs(capital_improvements=(improvement(maintenance="no"),)), "capital_improvements[0].maintenance"),
        (inputs(resale_appraisal=IndexValue(D(1))), "resale_appraisal"),
    ],
)
def test_encoding_bad_inputs_names_the_field(home, field):
    with pytest.raises(ResaleInputError) as error:
        inputs_to_dict(home)
    assert error.value.field == field


def test_encoding_the_wrong_object_names_the_root():
    for encode, value, field in (
        (policy_to_dict, inputs(), "policy"),
        (inputs_to_dict, ResalePolicy(CpiIndexed()), "inputs"),
        (result_to_dict, {"price": "1"}, "result"),
    ):
        with pytest.raises(ResaleInputError) as error:
            encode(value)
        assert error.value.field == field


def test_lists_are_written_like_tuples():
    # The engine wants tuples; a list built by hand encodes the same, and decodes to a tuple.
    policy = ResalePolicy(CpiIndexed(), caps=[AppraisalCap(Scope.TOTAL)])
    data = policy_to_dict(policy)
    assert data["caps"] == [{"kind": "appraisal_cap", "scope": "total"}]
    assert policy_from_dict(data).caps == (AppraisalCap(Scope.TOTAL),)


# ---------------------------------------------------------------------------------------------
# Purity
# ---------------------------------------------------------------------------------------------


def test_codec_imports_without_django():
    check = (
        "import sys, leases.resale.codec; "
        "loaded = [m for m in sys.modules if m.startswith('django')]; "
        "assert not loaded, loaded"
    )
    result = subprocess.run(
        [sys.executable, "-c", check], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    source = (PROJECT_ROOT / "leases" / "resale" / "codec.py").read_text()
    assert "import django" not in source and "from django" not in source
    assert "float(" not in source
