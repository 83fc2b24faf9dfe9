"""leases.fees: the fee schedule, increase caps, payment allocation, late fees, ageing and statements.

The module is pure, so these tests need no database. Section numbers (§) are those of
``shared/domain/resale_and_lease.md``; the late-fee rules are the three of §4.4 (PCCLT, CHT-NC, CHT VT),
with every parameter passed in. Every expected figure is written out by hand, with the arithmetic in a
comment where it is not obvious, never taken from the code under test. Money rounds half up to the cent.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest

from leases.ledger.fees import (
    AGEING_BUCKETS,
    Allocation,
    ChargeLine,
    FeeInputError,
    LateFee,
    LateFeeKind,
    LateFeeRule,
    PaymentLine,
    Period,
    Rate,
    StatementLine,
    ageing,
    check_increase,
    due_date,
    late_fees_due,
    ledger_at,
    money,
    monthly_amount,
    one_year_before,
    statement_lines,
)

D = Decimal
d = dt.date

# §4.4 rules. PCCLT: due the 1st, late on the 15th, $5 escalating each month ($5, $10, $15), "each month"
# read as every 30 days. CHT-NC: after 30 days 10 % of the past-due amount, then 10 % of the original for
# each further 30 days. CHT VT: no late fee until 30 days late; the notes give no amount, so $25 here.
PCCLT = LateFeeRule(LateFeeKind.ESCALATING, grace_days=14, amount=D("5.00"), step=D("5.00"), repeat_every_days=30)
CHT_NC = LateFeeRule(
    LateFeeKind.PERCENT, grace_days=30, percent=D("0.10"), repeat_percent=D("0.10"), repeat_every_days=30
)
CHT_VT = LateFeeRule(LateFeeKind.FLAT, grace_days=30, amount=D("25.00"))


def fee(key: str, due: dt.date, amount: str = "40.00", **kw) -> ChargeLine:
    return ChargeLine(key, due, D(amount), **kw)


def pay(key: str, received: dt.date, amount: str, reversed_on: dt.date | None = None) -> PaymentLine:
    return PaymentLine(key, received, D(amount), reversed_on)


# ---------------------------------------------------------------------------------------------
# Money and input checks
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2.675", "2.68"), ("2.665", "2.67"), ("2.664", "2.66"), ("-2.675", "-2.68"), ("40", "40.00")],
)
def test_money_rounds_half_up_to_the_cent(value, expected):
    result = money(D(value))
    assert result == D(expected)
    assert str(result) == expected


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: money(1.5), "amount"),
        (lambda: money(D("1.5"), field="credit"), None),
        (lambda: ChargeLine("1", d(2025, 1, 1), 40.0), "amount"),
        (lambda: ChargeLine("1", d(2025, 1, 1), D("40.00"), waived=10.0), "waived"),
        (lambda: PaymentLine("1", d(2025, 1, 1), 40.0), "amount"),
        (lambda: Rate(d(2025, 1, 1), 40.0), "amount"),
        (lambda: LateFeeRule(LateFeeKind.FLAT, amount=5.0), "amount"),
        (lambda: LateFeeRule(LateFeeKind.ESCALATING, amount=D(5), step=5.0), "step"),
        (lambda: LateFeeRule(LateFeeKind.PERCENT, percent=0.1), "percent"),
        (lambda: LateFeeRule(LateFeeKind.PERCENT, percent=D("0.1"), repeat_percent=0.1), "repeat_percent"),
        (
            lambda: check_increase([], Rate(d(2025, 1, 1), D(40)), max_increase_pct=0.05, max_increases_per_year=None),
            "max_increase_pct",
        ),
    ],
)
def test_floats_are_refused_naming_the_field(build, field):
    if field is None:  # the control case: a Decimal passes
        assert build() == D("1.50")
        return
    with pytest.raises(FeeInputError) as error:
        build()
    assert error.value.field == field
    assert "float" in error.value.reason


def test_money_refuses_an_int():
    with pytest.raises(FeeInputError) as error:
        money(40)
    assert error.value.field == "amount"
    assert "int" in error.value.reason


def test_fee_input_error_is_a_value_error_showing_field_and_reason():
    error = FeeInputError("waived", "cannot be negative")
    assert isinstance(error, ValueError)
    assert (error.field, error.reason, str(error)) == ("waived", "cannot be negative", "waived: cannot be negative")


@pytest.mark.parametrize(
    ("build", "field", "reason"),
    [
        (lambda: fee("1", d(2025, 1, 1), "40.005"), "amount", "whole number of cents"),
        (lambda: fee("1", d(2025, 1, 1), "-1.00"), "amount", "negative"),
        (lambda: fee("1", d(2025, 1, 1), "40.00", waived=D("40.01")), "waived", "more than the amount"),
        (lambda: fee("1", d(2025, 1, 1), kind="rent"), "kind", "fee, late_fee, other"),
        (lambda: fee("", d(2025, 1, 1)), "key", "non-empty"),
        (lambda: ChargeLine("1", dt.datetime(2025, 1, 1), D(40)), "due", "not a datetime"),
        (lambda: pay("1", d(2025, 1, 1), "0.00"), "amount", "greater than zero"),
        (lambda: pay("1", d(2025, 1, 5), "40.00", reversed_on=d(2025, 1, 4)), "reversed_on", "before"),
        (lambda: Period(d(2025, 3, 1), d(2025, 2, 28)), "end", "before the start"),
        (lambda: LateFeeRule(LateFeeKind.FLAT, grace_days=-1, amount=D(5)), "grace_days", "at least 0"),
        (lambda: LateFeeRule(LateFeeKind.FLAT, grace_days=True, amount=D(5)), "grace_days", "whole number"),
        (lambda: LateFeeRule(LateFeeKind.PERCENT, percent=D(10)), "percent", "0.05 for 5 %"),
        (lambda: LateFeeRule(LateFeeKind.FLAT), "amount", "greater than zero"),
        (lambda: LateFeeRule(LateFeeKind.PERCENT, repeat_percent=D("0.1")), "percent", "greater than zero"),
        (lambda: LateFeeRule("monthly"), "kind", "none, flat, percent, escalating"),
    ],
)
def test_bad_input_names_the_field_and_the_reason(build, field, reason):
    with pytest.raises(FeeInputError) as error:
        build()
    assert error.value.field == field
    assert reason in error.value.reason


def test_zero_charge_is_allowed_for_a_month_waived_to_zero():
    assert fee("1", d(2025, 1, 1), "0.00").net == D("0.00")


def test_late_fee_rule_takes_the_stored_string_kind():
    rule = LateFeeRule("escalating", grace_days=14, amount=D(5), step=D(5))
    assert rule.kind is LateFeeKind.ESCALATING


def test_ledger_refuses_duplicate_keys():
    with pytest.raises(FeeInputError) as error:
        ledger_at([fee("7", d(2025, 1, 1)), fee("7", d(2025, 2, 1))], [], d(2025, 3, 1))
    assert error.value.field == "charges[1].key"


def test_ledger_refuses_something_that_is_not_a_charge():
    with pytest.raises(FeeInputError) as error:
        ledger_at([fee("1", d(2025, 1, 1)), {"key": "2"}], [], d(2025, 3, 1))
    assert error.value.field == "charges[1]"


# ---------------------------------------------------------------------------------------------
# Due dates and the fee schedule
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "month", "due_day", "expected"),
    [
        (2025, 1, 1, d(2025, 1, 1)),
        (2025, 1, 31, d(2025, 1, 31)),
        (2025, 4, 31, d(2025, 4, 30)),
        (2025, 2, 31, d(2025, 2, 28)),
        (2024, 2, 31, d(2024, 2, 29)),  # leap year
        (2028, 2, 29, d(2028, 2, 29)),
        (2027, 2, 29, d(2027, 2, 28)),
        (2100, 2, 29, d(2100, 2, 28)),  # divisible by 100, not by 400: not a leap year
        (2000, 2, 30, d(2000, 2, 29)),  # divisible by 400: a leap year
        (2025, 12, 31, d(2025, 12, 31)),
    ],
)
def test_due_date_clamps_to_the_month(year, month, due_day, expected):
    assert due_date(year, month, due_day) == expected


@pytest.mark.parametrize(("month", "due_day", "field"), [(1, 0, "due_day"), (1, 32, "due_day"), (13, 1, "month")])
def test_due_date_refuses_impossible_days(month, due_day, field):
    with pytest.raises(FeeInputError) as error:
        due_date(2025, month, due_day)
    assert error.value.field == field


SCHEDULE = [Rate(d(2025, 7, 1), D("42.00")), Rate(d(2024, 1, 1), D("40.00"))]  # deliberately out of order


@pytest.mark.parametrize(
    ("year", "month", "expected"),
    [
        (2023, 12, None),  # before the first rate
        (2024, 1, D("40.00")),  # effective on the due date itself
        (2025, 6, D("40.00")),
        (2025, 7, D("42.00")),
        (2026, 1, D("42.00")),
    ],
)
def test_monthly_amount_takes_the_rate_in_effect_on_the_due_date(year, month, expected):
    assert monthly_amount(SCHEDULE, [], year, month, 1) == expected


def test_monthly_amount_uses_the_due_date_not_the_first_of_the_month():
    # Due the 15th: a rate effective on the 10th already applies, one effective on the 16th does not.
    rates = [Rate(d(2025, 1, 1), D("40.00")), Rate(d(2025, 3, 10), D("41.00")), Rate(d(2025, 4, 16), D("42.00"))]
    assert monthly_amount(rates, [], 2025, 3, 15) == D("41.00")
    assert monthly_amount(rates, [], 2025, 4, 15) == D("41.00")
    assert monthly_amount(rates, [], 2025, 5, 15) == D("42.00")


def test_monthly_amount_with_the_due_day_clamped_in_february():
    rates = [Rate(d(2025, 1, 1), D("40.00")), Rate(d(2025, 2, 28), D("41.00"))]
    assert monthly_amount(rates, [], 2025, 2, 31) == D("41.00")  # due 28 Feb, the day the new rate starts


@pytest.mark.parametrize(
    ("suspension", "month", "expected"),
    [
        (Period(d(2025, 3, 1), d(2025, 5, 1)), 3, None),
        (Period(d(2025, 3, 1), d(2025, 5, 1)), 5, None),  # end inclusive
        (Period(d(2025, 3, 1), d(2025, 5, 1)), 6, D("40.00")),
        (Period(d(2025, 3, 2), d(2025, 5, 1)), 3, D("40.00")),  # starts after March's due date
        (Period(d(2025, 3, 1), d(2025, 4, 30)), 5, D("40.00")),  # ended the day before May's due date
        (Period(d(2025, 3, 1), None), 12, None),  # until further notice
    ],
)
def test_monthly_amount_is_none_during_a_suspension(suspension, month, expected):
    rates = [Rate(d(2024, 1, 1), D("40.00"))]
    assert monthly_amount(rates, [suspension], 2025, month, 1) == expected


def test_a_fee_waived_to_zero_is_zero_not_none():
    rates = [Rate(d(2024, 1, 1), D("40.00")), Rate(d(2025, 1, 1), D("0"))]
    result = monthly_amount(rates, [], 2025, 2, 1)
    assert result == D("0.00")
    assert result is not None
    assert str(result) == "0.00"


def test_monthly_amount_refuses_two_rates_on_one_day():
    with pytest.raises(FeeInputError) as error:
        monthly_amount([Rate(d(2025, 1, 1), D(40)), Rate(d(2025, 1, 1), D(41))], [], 2025, 2, 1)
    assert error.value.field == "rates"
    assert "2025-01-01" in error.value.reason


# ---------------------------------------------------------------------------------------------
# Increases (§4.4: CHT-NC at most 5 % a year; PCCLT at most once a year)
# ---------------------------------------------------------------------------------------------

FORTY = [Rate(d(2024, 1, 1), D("40.00"))]


def check(history, effective, amount, pct="0.05", per_year=None):
    return check_increase(
        history,
        Rate(effective, D(amount)),
        max_increase_pct=None if pct is None else D(pct),
        max_increases_per_year=per_year,
    )


def test_five_percent_exactly_is_allowed():
    assert check(FORTY, d(2025, 1, 1), "42.00") == []  # 2.00 / 40.00 = 5 %


def test_one_cent_over_five_percent_is_refused_with_the_figure():
    [problem] = check(FORTY, d(2025, 1, 1), "42.01")  # 2.01 / 40.00 = 5.025 % → 5.03 %
    assert problem.field == "amount"
    assert "5.03%" in problem.reason
    assert "the cap of 5.00% a year" in problem.reason


def test_reason_states_percentage_and_cap():
    [problem] = check(FORTY, d(2025, 1, 1), "42.40")  # 2.40 / 40.00 = 6 %
    assert problem.reason == "an increase of 6.00% (from 40.00 to 42.40) exceeds the cap of 5.00% a year"


def test_shown_percentage_never_looks_equal_to_the_cap():
    [problem] = check([Rate(d(2024, 1, 1), D("1000.00"))], d(2025, 1, 1), "1050.01")  # 5.001 %
    assert "an increase of 5.001%" in problem.reason


def test_pcclt_ten_percent_cap():
    assert check(FORTY, d(2025, 1, 1), "44.00", pct="0.10") == []
    assert check(FORTY, d(2025, 1, 1), "44.01", pct="0.10")[0].field == "amount"


@pytest.mark.parametrize("amount", ["42.00", "41.99", "20.00", "0.00"])
def test_decreases_and_equal_amounts_are_never_cap_checked(amount):
    # A raise only a month ago, a 0 % cap and no raises allowed at all: a decrease still passes.
    history = [*FORTY, Rate(d(2025, 1, 1), D("42.00"))]
    assert check(history, d(2025, 2, 1), amount, pct="0", per_year=0) == []


def test_the_first_rate_has_nothing_to_compare_with():
    assert check([], d(2025, 1, 1), "500.00", pct="0", per_year=0) == []


def test_an_increase_is_measured_from_the_rate_just_before():
    history = [Rate(d(2023, 1, 1), D("40.00")), Rate(d(2024, 1, 1), D("42.00"))]
    assert check(history, d(2025, 1, 1), "44.10") == []  # 2.10 / 42.00 = 5 %
    assert check(history, d(2025, 1, 1), "44.11")[0].field == "amount"


def test_the_cap_is_not_compounded_after_years_without_an_increase():
    # Three years at 40.00: 40.00 × 1.05² = 44.10 would be two years' worth; the cap stays 5 % (42.00).
    assert check([Rate(d(2022, 1, 1), D("40.00"))], d(2025, 1, 1), "44.10")[0].field == "amount"


def test_restoring_a_fee_reduced_within_the_year_to_its_level_of_a_year_ago_is_no_increase():
    history = [Rate(d(2024, 1, 1), D("40.00")), Rate(d(2024, 6, 1), D("30.00"))]  # a hardship reduction
    assert check(history, d(2025, 1, 1), "40.00") == []  # back to 40.00, the rate of 2024-01-01
    assert check(history, d(2025, 1, 1), "42.00") == []  # 5 % over a year ago
    [problem] = check(history, d(2025, 1, 1), "42.01")
    assert "from 40.00 to 42.01" in problem.reason


def test_a_reduction_older_than_a_year_is_the_new_base():
    history = [Rate(d(2023, 1, 1), D("40.00")), Rate(d(2023, 6, 1), D("30.00"))]
    [problem] = check(history, d(2025, 1, 1), "40.00")  # 10.00 / 30.00 = 33.33 %
    assert "33.33%" in problem.reason


def test_two_small_steps_in_a_year_break_the_annual_cap():
    history = [Rate(d(2024, 1, 1), D("40.00")), Rate(d(2024, 3, 1), D("41.20"))]  # +3 %
    [problem] = check(history, d(2024, 9, 1), "42.44", per_year=None)  # +3 % again: 6.10 % over the base
    assert problem.field == "amount" and "from 40.00 to 42.44" in problem.reason
    assert check(history, d(2024, 9, 1), "42.00", per_year=None) == []  # 5.00 % over the year


def test_an_increase_from_zero_exceeds_any_cap():
    history = [Rate(d(2024, 1, 1), D("0.00"))]
    [problem] = check(history, d(2025, 1, 1), "1.00", pct="1")
    assert problem.field == "amount"
    assert "from 0.00 to 1.00" in problem.reason


def test_none_switches_the_checks_off():
    assert check([Rate(d(2025, 1, 1), D("40.00"))], d(2025, 1, 2), "400.00", pct=None, per_year=None) == []


def test_once_a_year_refuses_a_second_raise_within_twelve_months():
    history = [Rate(d(2024, 1, 1), D("40.00")), Rate(d(2025, 3, 1), D("41.00"))]
    [problem] = check(history, d(2026, 2, 28), "42.00", per_year=1)
    assert problem.field == "effective"
    assert problem.reason == "the fee was already raised on 2025-03-01; at most 1 increase in 12 months"


def test_once_a_year_allows_a_raise_on_the_anniversary():
    history = [Rate(d(2024, 1, 1), D("40.00")), Rate(d(2025, 3, 1), D("41.00"))]
    assert check(history, d(2026, 3, 1), "42.00", per_year=1) == []  # the same day a year before is excluded


def test_one_year_before_a_leap_day_is_28_february():
    assert one_year_before(d(2028, 2, 29)) == d(2027, 2, 28)
    assert one_year_before(d(2028, 3, 1)) == d(2027, 3, 1)


@pytest.mark.parametrize(
    ("last_raise", "allowed"),
    [
        (d(2027, 2, 28), True),  # one year before 2028-02-29 is 2027-02-28, excluded
        (d(2027, 3, 1), False),
    ],
)
def test_once_a_year_on_a_leap_day(last_raise, allowed):
    history = [Rate(d(2026, 1, 1), D("40.00")), Rate(last_raise, D("41.00"))]
    problems = check(history, d(2028, 2, 29), "42.00", per_year=1)
    assert (problems == []) is allowed


def test_decreases_in_history_do_not_count_as_raises():
    history = [Rate(d(2024, 1, 1), D("40.00")), Rate(d(2025, 1, 1), D("30.00"))]
    assert check(history, d(2025, 6, 1), "31.50", per_year=1) == []  # 1.50 / 30.00 = 5 %


def test_two_a_year_lists_both_earlier_raises():
    history = [Rate(d(2024, 1, 1), D("40.00")), Rate(d(2025, 1, 1), D("41.00")), Rate(d(2025, 6, 1), D("42.00"))]
    [problem] = check(history, d(2025, 11, 1), "43.00", pct=None, per_year=2)
    assert problem.reason == "the fee was already raised on 2025-01-01 and 2025-06-01; at most 2 increases in 12 months"
    assert check(history, d(2025, 11, 1), "43.00", pct=None, per_year=3) == []


def test_no_raises_allowed():
    [problem] = check(FORTY, d(2025, 1, 1), "41.00", per_year=0)
    assert problem.field == "effective"
    assert "at most 0 increases in 12 months" in problem.reason


@pytest.mark.parametrize(
    ("effective", "reason"),
    [
        (d(2025, 2, 1), "2025-02-01 is before the latest rate in the schedule, effective 2025-03-01"),
        (d(2025, 3, 1), "a rate already takes effect on 2025-03-01"),
    ],
)
def test_a_new_rate_must_come_after_the_schedule(effective, reason):
    history = [Rate(d(2025, 3, 1), D("40.00")), Rate(d(2024, 1, 1), D("38.00"))]
    problems = check(history, effective, "30.00", pct=None)  # a decrease: only the order is wrong
    assert [(p.field, p.reason) for p in problems] == [("effective", reason)]


def test_an_increase_can_break_both_caps():
    history = [Rate(d(2024, 1, 1), D("40.00")), Rate(d(2025, 1, 1), D("42.00"))]
    problems = check(history, d(2025, 6, 1), "50.00", per_year=1)
    assert [p.field for p in problems] == ["amount", "effective"]


@pytest.mark.parametrize(
    ("pct", "per_year", "field"), [("5", None, "max_increase_pct"), (None, -1, "max_increases_per_year")]
)
def test_caps_are_validated(pct, per_year, field):
    with pytest.raises(FeeInputError) as error:
        check(FORTY, d(2025, 1, 1), "41.00", pct=pct, per_year=per_year)
    assert error.value.field == field


# ---------------------------------------------------------------------------------------------
# The ledger
# ---------------------------------------------------------------------------------------------

JAN, FEB, MAR = d(2025, 1, 1), d(2025, 2, 1), d(2025, 3, 1)
THREE_MONTHS = [fee("1", JAN), fee("2", FEB), fee("3", MAR)]


def test_payments_go_to_the_oldest_charge_first():
    state = ledger_at(THREE_MONTHS, [pay("p", d(2025, 3, 5), "80.00")], d(2025, 3, 10))
    assert state.allocations == (Allocation("p", "1", D("40.00")), Allocation("p", "2", D("40.00")))
    assert state.open_by_charge == {"1": D("0"), "2": D("0"), "3": D("40.00")}
    assert (state.charged, state.paid, state.balance, state.credit) == (D("120"), D("80"), D("40"), D("0"))


def test_allocation_does_not_depend_on_the_order_rows_arrive_in():
    payments = [pay("b", d(2025, 2, 3), "30.00"), pay("a", d(2025, 1, 3), "30.00")]
    forwards = ledger_at(THREE_MONTHS, payments, d(2025, 3, 31))
    backwards = ledger_at(list(reversed(THREE_MONTHS)), list(reversed(payments)), d(2025, 3, 31))
    assert forwards == backwards
    # a (received first) takes 30 of January; b the other 10 of January and 20 of February.
    assert forwards.allocations == (
        Allocation("a", "1", D("30.00")),
        Allocation("b", "1", D("10.00")),
        Allocation("b", "2", D("20.00")),
    )


def test_a_partial_payment_leaves_the_rest_open():
    state = ledger_at([fee("1", JAN)], [pay("p", d(2025, 1, 5), "25.00")], d(2025, 1, 31))
    assert state.open_by_charge["1"] == D("15.00")
    assert state.balance == D("15.00")
    assert state.arrears == D("15.00")


def test_a_payment_after_as_of_is_not_counted():
    state = ledger_at([fee("1", JAN)], [pay("p", d(2025, 2, 1), "40.00")], d(2025, 1, 31))
    assert (state.paid, state.balance, state.allocations) == (D("0"), D("40.00"), ())


def test_a_charge_due_after_as_of_is_not_charged():
    state = ledger_at(THREE_MONTHS, [], d(2025, 2, 28))
    assert state.charged == D("80.00")
    assert state.open_by_charge["3"] == D("40.00")  # listed, but not part of the balance


def test_a_payment_in_advance_is_credit_then_pays_next_month():
    payments = [pay("p", d(2025, 1, 2), "80.00")]
    january = ledger_at(THREE_MONTHS, payments, d(2025, 1, 15))
    assert (january.charged, january.paid, january.balance, january.credit) == (D(40), D(80), D(-40), D(40))
    assert january.open_by_charge == {"1": D("0"), "2": D("0"), "3": D("40.00")}  # February already covered
    february = ledger_at(THREE_MONTHS, payments, d(2025, 2, 15))
    assert (february.balance, february.credit, february.arrears) == (D("0"), D("0"), D("0"))
    march = ledger_at(THREE_MONTHS, payments, d(2025, 3, 15))
    assert (march.balance, march.credit, march.open_by_charge["3"]) == (D("40.00"), D("0"), D("40.00"))


def test_credit_with_no_later_charge_stays_unallocated():
    state = ledger_at([fee("1", JAN)], [pay("p", d(2025, 1, 2), "100.00")], d(2025, 1, 15))
    assert state.credit == D("60.00")
    assert state.balance == D("-60.00")
    assert sum(a.amount for a in state.allocations) == D("40.00")


def test_no_charges_no_payments():
    state = ledger_at([], [], d(2025, 1, 1))
    assert (state.charged, state.paid, state.balance, state.credit, state.open_by_charge) == (0, 0, 0, 0, {})
    assert str(state.balance) == "0.00"


def test_a_bounced_payment_counts_until_the_day_before_its_reversal():
    payments = [pay("p", d(2025, 1, 5), "40.00", reversed_on=d(2025, 1, 20))]
    assert ledger_at([fee("1", JAN)], payments, d(2025, 1, 19)).balance == D("0.00")
    assert ledger_at([fee("1", JAN)], payments, d(2025, 1, 20)).balance == D("40.00")
    assert ledger_at([fee("1", JAN)], payments, d(2025, 1, 20)).allocations == ()


def test_a_reversal_reallocates_and_restores_arrears():
    charges = [fee("1", JAN), fee("2", FEB)]
    payments = [pay("p1", d(2025, 1, 3), "40.00", reversed_on=d(2025, 2, 10)), pay("p2", d(2025, 2, 3), "40.00")]
    before = ledger_at(charges, payments, d(2025, 2, 9))
    assert before.allocations == (Allocation("p1", "1", D("40.00")), Allocation("p2", "2", D("40.00")))
    assert before.balance == D("0.00")
    after = ledger_at(charges, payments, d(2025, 2, 10))
    assert after.allocations == (Allocation("p2", "1", D("40.00")),)  # February's payment now pays January
    assert after.open_by_charge == {"1": D("0"), "2": D("40.00")}
    assert ageing(charges, payments, d(2025, 2, 10)).days_0_30 == D("40.00")


def test_a_waived_part_is_never_owed():
    charges = [fee("1", JAN, waived=D("15.00")), fee("2", FEB)]
    state = ledger_at(charges, [pay("p", d(2025, 2, 5), "50.00")], d(2025, 2, 28))
    assert state.charged == D("65.00")  # 25.00 + 40.00
    assert state.allocations == (Allocation("p", "1", D("25.00")), Allocation("p", "2", D("25.00")))
    assert state.open_by_charge == {"1": D("0"), "2": D("15.00")}


def test_a_fully_waived_charge_takes_no_payment():
    charges = [fee("1", JAN, waived=D("40.00")), fee("2", FEB)]
    state = ledger_at(charges, [pay("p", d(2025, 2, 5), "40.00")], d(2025, 2, 28))
    assert state.allocations == (Allocation("p", "2", D("40.00")),)
    assert state.balance == D("0.00")


def test_same_day_charges_pay_fee_then_late_fee_then_other():
    charges = [
        fee("a", FEB, "10.00", kind="other"),
        fee("b", FEB, "5.00", kind="late_fee"),
        fee("c", FEB, "40.00"),
    ]
    state = ledger_at(charges, [pay("p", FEB, "44.00")], FEB)
    assert [(a.charge, a.amount) for a in state.allocations] == [("c", D("40.00")), ("b", D("4.00"))]


def test_keys_sort_naturally_within_a_day():
    charges = [fee("10", JAN), fee("9", JAN)]
    state = ledger_at(charges, [pay("100", JAN, "40.00")], JAN)
    assert state.allocations == (Allocation("100", "9", D("40.00")),)


def test_ledger_invariants_on_random_accounts():
    rng = random.Random(20250101)
    base = d(2025, 1, 1)
    for _ in range(300):
        charges = [
            ChargeLine(
                str(i),
                base + dt.timedelta(days=rng.randrange(120)),
                amount := D(rng.randrange(1, 9000)) / 100,
                waived=D(rng.randrange(0, int(amount * 100) + 1)) / 100 if rng.random() < 0.2 else D(0),
                kind=rng.choice(["fee", "fee", "late_fee", "other"]),
            )
            for i in range(rng.randrange(8))
        ]
        payments = []
        for i in range(rng.randrange(6)):
            received = base + dt.timedelta(days=rng.randrange(120))
            reversed_on = received + dt.timedelta(days=rng.randrange(30)) if rng.random() < 0.25 else None
            payments.append(PaymentLine(f"p{i}", received, D(rng.randrange(1, 9000)) / 100, reversed_on))
        as_of = base + dt.timedelta(days=rng.randrange(150))
        state = ledger_at(charges, payments, as_of)
        counted = {p.key: p.amount for p in payments if p.received <= as_of and not (p.reversed_on or d.max) <= as_of}
        for key, amount in counted.items():
            assert sum(a.amount for a in state.allocations if a.payment == key) <= amount
        for charge in charges:
            allocated = sum((a.amount for a in state.allocations if a.charge == charge.key), D(0))
            assert allocated + state.open_by_charge[charge.key] == charge.amount - charge.waived
        assert state.paid == sum(counted.values(), D(0))
        assert state.balance == state.charged - state.paid
        assert state.arrears == sum(state.open_by_charge[c.key] for c in charges if c.due <= as_of)
        assert state.arrears == 0 or state.credit == 0
        assert state.balance == state.arrears - state.credit


# ---------------------------------------------------------------------------------------------
# Late fees (§4.4)
# ---------------------------------------------------------------------------------------------


def test_pcclt_nothing_before_the_15th():
    assert late_fees_due([fee("1", JAN)], [], PCCLT, d(2025, 1, 14)) == []


def test_pcclt_escalates_5_10_15_every_30_days():
    # Late days: 15 Jan, then +30 days: 14 Feb, 16 Mar.
    assert late_fees_due([fee("1", JAN)], [], PCCLT, d(2025, 3, 16)) == [
        LateFee("1", 1, d(2025, 1, 15), D("5.00")),
        LateFee("1", 2, d(2025, 2, 14), D("10.00")),
        LateFee("1", 3, d(2025, 3, 16), D("15.00")),
    ]


def test_pcclt_paid_on_the_last_day_of_grace_is_on_time():
    assert late_fees_due([fee("1", JAN)], [pay("p", d(2025, 1, 14), "40.00")], PCCLT, d(2025, 6, 1)) == []


def test_pcclt_paid_on_the_late_day_itself_is_late():
    fees = late_fees_due([fee("1", JAN)], [pay("p", d(2025, 1, 15), "40.00")], PCCLT, d(2025, 6, 1))
    assert fees == [LateFee("1", 1, d(2025, 1, 15), D("5.00"))]  # and nothing after: paid by 14 Feb


def test_pcclt_a_partial_payment_does_not_stop_the_fees():
    fees = late_fees_due([fee("1", JAN)], [pay("p", d(2025, 1, 10), "39.99")], PCCLT, d(2025, 2, 14))
    assert [f.amount for f in fees] == [D("5.00"), D("10.00")]


def test_max_assessments_stops_the_escalation():
    rule = LateFeeRule("escalating", grace_days=14, amount=D(5), step=D(5), repeat_every_days=30, max_assessments=2)
    assert [f.amount for f in late_fees_due([fee("1", JAN)], [], rule, d(2025, 12, 31))] == [D("5.00"), D("10.00")]


def test_cht_nc_ten_percent_on_day_30_and_of_the_original_every_30_days_after():
    charges = [fee("1", JAN, "250.00")]
    assert late_fees_due(charges, [], CHT_NC, d(2025, 1, 30)) == []  # 29 days late
    # 1 Jan + 30 days = 31 Jan; + 60 days = 2 Mar.
    assert late_fees_due(charges, [], CHT_NC, d(2025, 3, 2)) == [
        LateFee("1", 1, d(2025, 1, 31), D("25.00")),
        LateFee("1", 2, d(2025, 3, 2), D("25.00")),
    ]


def test_cht_nc_partial_payment_lowers_only_the_first_fee():
    # 100 paid before day 30: 10 % of the 150 past due = 15.00; later 10 % of the original 250 = 25.00.
    fees = late_fees_due([fee("1", JAN, "250.00")], [pay("p", d(2025, 1, 20), "100.00")], CHT_NC, d(2025, 4, 1))
    assert [(f.sequence, f.assessed, f.amount) for f in fees] == [
        (1, d(2025, 1, 31), D("15.00")),
        (2, d(2025, 3, 2), D("25.00")),
        (3, d(2025, 4, 1), D("25.00")),
    ]


def test_cht_nc_percent_is_rounded_half_up_once():
    # 10 % of 150.05 = 15.005 → 15.01; 10 % of 150.04 = 15.004 → 15.00.
    assert late_fees_due([fee("1", JAN, "150.05")], [], CHT_NC, d(2025, 1, 31))[0].amount == D("15.01")
    assert late_fees_due([fee("1", JAN, "150.04")], [], CHT_NC, d(2025, 1, 31))[0].amount == D("15.00")


def test_a_fee_that_rounds_to_zero_is_left_out():
    # 10 % of 0.04 = 0.004 → 0.00: nothing to charge. 10 % of 0.05 = 0.005 → 0.01.
    assert late_fees_due([fee("1", JAN, "0.04")], [], CHT_NC, d(2025, 1, 31)) == []
    assert late_fees_due([fee("1", JAN, "0.05")], [], CHT_NC, d(2025, 1, 31))[0].amount == D("0.01")


def test_cht_nc_waived_part_is_not_the_original():
    # 250 less 50 waived: 10 % of 200 at each assessment.
    fees = late_fees_due([fee("1", JAN, "250.00", waived=D("50.00"))], [], CHT_NC, d(2025, 3, 2))
    assert [f.amount for f in fees] == [D("20.00"), D("20.00")]


def test_cht_nc_paid_in_full_after_the_first_fee_stops_the_rest():
    fees = late_fees_due([fee("1", JAN, "250.00")], [pay("p", d(2025, 2, 14), "250.00")], CHT_NC, d(2025, 6, 1))
    assert fees == [LateFee("1", 1, d(2025, 1, 31), D("25.00"))]


@pytest.mark.parametrize(
    ("received", "late"),
    [
        (d(2025, 1, 16), False),  # past the 15-day grace, but no fee until 30 days late
        (d(2025, 1, 30), False),  # the last day before 30 days late
        (d(2025, 1, 31), True),  # 30 days late
        (None, True),
    ],
)
def test_cht_vt_no_late_fee_until_30_days_late(received, late):
    payments = [] if received is None else [pay("p", received, "40.00")]
    fees = late_fees_due([fee("1", JAN)], payments, CHT_VT, d(2035, 12, 31))
    assert fees == ([LateFee("1", 1, d(2025, 1, 31), D("25.00"))] if late else [])  # once: repeat_every_days=0


def test_grace_of_one_day_makes_the_due_date_on_time_and_zero_does_not():
    one = LateFeeRule(LateFeeKind.FLAT, grace_days=1, amount=D("10.00"))
    zero = LateFeeRule(LateFeeKind.FLAT, grace_days=0, amount=D("10.00"))
    on_due_date = [pay("p", JAN, "40.00")]
    assert late_fees_due([fee("1", JAN)], on_due_date, one, d(2025, 2, 1)) == []
    assert late_fees_due([fee("1", JAN)], on_due_date, zero, d(2025, 2, 1)) == [LateFee("1", 1, JAN, D("10.00"))]


def test_no_late_fee_rule_gives_nothing():
    assert late_fees_due([fee("1", JAN)], [], LateFeeRule(LateFeeKind.NONE), d(2026, 1, 1)) == []


def test_late_fees_and_other_charges_never_attract_late_fees():
    charges = [fee("1", JAN, "5.00", kind="late_fee"), fee("2", JAN, "400.00", kind="other")]
    assert late_fees_due(charges, [], PCCLT, d(2026, 1, 1)) == []


def test_advance_payment_prevents_the_late_fee():
    charges = [fee("1", JAN), fee("2", FEB)]
    fees = late_fees_due(charges, [pay("p", d(2024, 12, 20), "80.00")], PCCLT, d(2025, 6, 1))
    assert fees == []


def test_fees_of_several_charges_are_sorted_by_day_then_charge():
    charges = [fee("2", FEB), fee("1", JAN), fee("10", d(2025, 1, 31), kind="fee")]
    fees = late_fees_due(charges, [], PCCLT, d(2025, 2, 15))
    assert [(f.assessed, f.charge, f.sequence) for f in fees] == [
        (d(2025, 1, 15), "1", 1),
        (d(2025, 2, 14), "1", 2),
        (d(2025, 2, 14), "10", 1),  # due 31 Jan + 14 days; key "10" after "1"
        (d(2025, 2, 15), "2", 1),
    ]


def test_a_bounced_payment_reopens_the_charge_from_the_next_late_day():
    # Paid 10 Jan, bounced 20 Feb: on time on 15 Jan and still paid on 14 Feb's look-back (13 Feb);
    # open again on 16 Mar, the third assessment: 5 + 2 × 5 = 15.00.
    payments = [pay("p", d(2025, 1, 10), "40.00", reversed_on=d(2025, 2, 20))]
    assert late_fees_due([fee("1", JAN)], payments, PCCLT, d(2025, 3, 16)) == [
        LateFee("1", 3, d(2025, 3, 16), D("15.00"))
    ]


def test_no_pyramiding_a_payment_taken_by_an_old_late_fee_does_not_make_the_next_month_late():
    # January paid late (20 Jan) and its 5.00 late fee stored; February's 40.00 paid on 1 Feb. The ledger
    # sends 5.00 of it to the older late fee, leaving February 5.00 open, but no late fee follows from that.
    charges = [fee("1", JAN), fee("L1", d(2025, 1, 15), "5.00", kind="late_fee"), fee("2", FEB)]
    payments = [pay("p1", d(2025, 1, 20), "40.00"), pay("p2", FEB, "40.00")]
    assert ledger_at(charges, payments, d(2025, 2, 14)).open_by_charge["2"] == D("5.00")
    assert late_fees_due(charges, payments, PCCLT, d(2025, 2, 28)) == [LateFee("1", 1, d(2025, 1, 15), D("5.00"))]


def test_calling_twice_gives_the_same_list():
    charges = [fee("1", JAN), fee("2", FEB), fee("3", MAR)]
    payments = [pay("p", d(2025, 2, 20), "50.00")]
    assert late_fees_due(charges, payments, PCCLT, d(2025, 4, 30)) == late_fees_due(
        list(reversed(charges)), payments, PCCLT, d(2025, 4, 30)
    )


def test_storing_the_fees_returned_changes_nothing():
    charges = [fee("1", JAN), fee("2", FEB), fee("3", MAR)]
    payments = [pay("p", d(2025, 2, 20), "50.00")]
    first = late_fees_due(charges, payments, PCCLT, d(2025, 4, 30))
    assert first  # the scenario must produce fees for this to mean anything
    stored = [ChargeLine(f"L{f.charge}-{f.sequence}", f.assessed, f.amount, kind="late_fee") for f in first]
    assert late_fees_due(charges + stored, payments, PCCLT, d(2025, 4, 30)) == first


def test_a_later_as_of_gives_a_superset():
    charges = [fee("1", JAN), fee("2", FEB), fee("3", MAR)]
    payments = [pay("p", d(2025, 2, 20), "50.00"), pay("q", d(2025, 3, 3), "40.00", reversed_on=d(2025, 4, 2))]
    earlier = late_fees_due(charges, payments, PCCLT, d(2025, 3, 31))
    later = late_fees_due(charges, payments, PCCLT, d(2025, 6, 30))
    assert earlier
    assert set(earlier) < set(later)
    assert later[: len(earlier)] == earlier  # sorted by day, so the new ones come after


# ---------------------------------------------------------------------------------------------
# Ageing
# ---------------------------------------------------------------------------------------------

AS_OF = d(2025, 6, 30)


def aged(days: int, amount: str) -> ChargeLine:
    return fee(f"{days}", AS_OF - dt.timedelta(days=days), amount)


# Powers of two: every bucket total identifies exactly which charges fell into it.
AGED = [
    aged(0, "1.00"),
    aged(30, "2.00"),
    aged(31, "4.00"),
    aged(60, "8.00"),
    aged(61, "16.00"),
    aged(90, "32.00"),
    aged(91, "64.00"),
    aged(200, "128.00"),
]


def test_ageing_bucket_boundaries():
    result = ageing(AGED, [], AS_OF)
    assert (result.days_0_30, result.days_31_60, result.days_61_90, result.over_90) == (
        D("3.00"),
        D("12.00"),
        D("48.00"),
        D("192.00"),
    )
    assert result.total == D("255.00")
    assert result.current == D("0.00")
    assert [label for label, _, _ in AGEING_BUCKETS] == ["0-30", "31-60", "61-90", "over-90"]


def test_ageing_applies_payments_to_the_oldest_first():
    # 130.00 pays the 200-day 128.00 and 2.00 of the 91-day 64.00.
    result = ageing(AGED, [pay("p", AS_OF, "130.00")], AS_OF)
    assert result.over_90 == D("62.00")
    assert (result.days_0_30, result.days_31_60, result.days_61_90) == (D("3.00"), D("12.00"), D("48.00"))
    assert result.total == D("125.00") == ledger_at(AGED, [pay("p", AS_OF, "130.00")], AS_OF).balance


def test_ageing_keeps_charges_not_yet_due_out_of_arrears():
    charges = [fee("1", d(2025, 6, 1)), fee("2", d(2025, 7, 1))]
    result = ageing(charges, [pay("p", d(2025, 6, 5), "50.00")], AS_OF)
    assert result.days_0_30 == D("0.00")
    assert result.current == D("30.00")  # July's 40.00 less the 10.00 paid ahead
    assert result.total == D("0.00")


def test_ageing_of_a_paid_up_account_is_zero():
    result = ageing(AGED, [pay("p", d(2025, 1, 1), "255.00")], AS_OF)
    assert result.total == result.over_90 == D("0.00")


# ---------------------------------------------------------------------------------------------
# Statements
# ---------------------------------------------------------------------------------------------


def test_statement_running_balance():
    charges = [fee("1", d(2024, 12, 1)), fee("2", JAN), fee("3", FEB, waived=D("10.00")), fee("4", MAR)]
    payments = [
        pay("p1", d(2025, 1, 10), "40.00"),
        pay("p2", d(2025, 2, 5), "70.00", reversed_on=d(2025, 2, 20)),
        pay("p3", d(2025, 3, 3), "50.00"),
    ]
    statement = statement_lines(charges, payments, JAN, d(2025, 3, 31))
    assert statement.opening == D("40.00")  # December unpaid
    assert statement.lines == (
        StatementLine(JAN, "fee", "2", D("40.00"), D("0.00"), D("80.00")),
        StatementLine(d(2025, 1, 10), "payment", "p1", D("0.00"), D("40.00"), D("40.00")),
        StatementLine(FEB, "fee", "3", D("30.00"), D("0.00"), D("70.00")),  # 40.00 less 10.00 waived
        StatementLine(d(2025, 2, 5), "payment", "p2", D("0.00"), D("70.00"), D("0.00")),
        StatementLine(d(2025, 2, 20), "reversal", "p2", D("70.00"), D("0.00"), D("70.00")),
        StatementLine(MAR, "fee", "4", D("40.00"), D("0.00"), D("110.00")),
        StatementLine(d(2025, 3, 3), "payment", "p3", D("0.00"), D("50.00"), D("60.00")),
    )
    assert statement.closing == D("60.00") == ledger_at(charges, payments, d(2025, 3, 31)).balance


def test_statement_orders_a_day_charge_payment_reversal():
    payments = [pay("p", FEB, "40.00", reversed_on=FEB)]
    statement = statement_lines([fee("1", FEB)], payments, FEB, FEB)
    assert [(line.kind, line.balance) for line in statement.lines] == [
        ("fee", D("40.00")),
        ("payment", D("0.00")),
        ("reversal", D("40.00")),
    ]
    assert statement.closing == ledger_at([fee("1", FEB)], payments, FEB).balance == D("40.00")


def test_statement_opening_in_credit():
    statement = statement_lines([fee("1", FEB)], [pay("p", d(2025, 1, 20), "100.00")], FEB, d(2025, 2, 28))
    assert (statement.opening, statement.closing) == (D("-100.00"), D("-60.00"))


def test_statement_refuses_an_end_before_the_start():
    with pytest.raises(FeeInputError) as error:
        statement_lines([], [], FEB, JAN)
    assert error.value.field == "end"


def test_statement_leads_from_ledger_to_ledger_on_random_accounts():
    rng = random.Random(7)
    base = d(2025, 1, 1)
    for _ in range(200):
        charges = [
            fee(
                str(i),
                base + dt.timedelta(days=rng.randrange(120)),
                f"{rng.randrange(1, 300)}.{rng.randrange(100):02d}",
            )
            for i in range(rng.randrange(6))
        ]
        payments = []
        for i in range(rng.randrange(5)):
            received = base + dt.timedelta(days=rng.randrange(120))
            reversed_on = received + dt.timedelta(days=rng.randrange(40)) if rng.random() < 0.3 else None
            payments.append(pay(f"p{i}", received, f"{rng.randrange(1, 300)}.00", reversed_on))
        start = base + dt.timedelta(days=rng.randrange(100))
        end = start + dt.timedelta(days=rng.randrange(60))
        statement = statement_lines(charges, payments, start, end)
        assert statement.opening == ledger_at(charges, payments, start - dt.timedelta(days=1)).balance
        assert statement.closing == ledger_at(charges, payments, end).balance
        running = statement.opening
        for line in statement.lines:
            assert start <= line.date <= end
            running += line.debit - line.credit
            assert line.balance == running
        assert running == statement.closing
