"""The pure arithmetic of lease fees paid in a local currency (``fees.local_dollars``, ``fees.local_allowance``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from leases.ledger import fees
from leases.ledger.fees import ChargeLine, FeeInputError, PaymentLine, local_allowance, local_dollars

D = dt.date
SHARE = Decimal("0.20")


def fee(key: str, due: dt.date, amount: str, kind: str = "fee", waived: str = "0") -> ChargeLine:
    return ChargeLine(key, due, Decimal(amount), Decimal(waived), kind)


def paid(key: str, received: dt.date, amount: str, reversed_on: dt.date | None = None) -> PaymentLine:
    return PaymentLine(key, received, Decimal(amount), reversed_on)


# --- Units to dollars ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("units", "rate", "dollars"),
    [
        ("50", "0.95", "47.50"),
        ("60", "0.95", "57.00"),
        ("120", "0.95", "114.00"),
        ("3.50", "15.3333", "53.67"),  # 53.66655
        ("0.30", "0.0875", "0.03"),  # 0.02625
        ("0.01", "0.5", "0.01"),  # 0.005, exactly half a cent: up (half-even would give 0.00)
        ("0.05", "0.25", "0.01"),  # 0.0125
    ],
)
def test_units_are_credited_at_the_rate_rounded_half_up_to_the_cent(units, rate, dollars):
    result = local_dollars(Decimal(units), Decimal(rate))
    assert result == Decimal(dollars) and str(result) == dollars


@pytest.mark.parametrize(
    ("units", "rate", "field"),
    [
        (50.0, Decimal("0.95"), "currency_amount"),
        (Decimal("50"), 0.95, "currency_rate"),
        (Decimal("0"), Decimal("0.95"), "currency_amount"),
        (Decimal("-5"), Decimal("0.95"), "currency_amount"),
        (Decimal("1.005"), Decimal("0.95"), "currency_amount"),
        (Decimal("5"), Decimal("0"), "currency_rate"),
    ],
)
def test_bad_units_or_rate_name_the_field(units, rate, field):
    with pytest.raises(FeeInputError) as error:
        local_dollars(units, rate)
    assert error.value.field == field


# --- The share rule ------------------------------------------------------------------------------------------


def test_worked_example_a_250_fee_at_20_percent_allows_50_dollars():
    charges = [fee("1", D(2026, 3, 1), "250.00")]
    allowed = local_allowance(charges, [], D(2026, 3, 10), share=SHARE, local=[])
    assert allowed == Decimal("50.00")
    assert local_dollars(Decimal("50"), Decimal("0.95")) <= allowed  # 47.50: accepted
    assert local_dollars(Decimal("60"), Decimal("0.95")) > allowed  # 57.00: refused


def test_what_the_currency_already_paid_uses_up_the_charge_share():
    charges = [fee("1", D(2026, 3, 1), "250.00")]
    payments = [paid("7", D(2026, 3, 10), "47.50")]
    assert local_allowance(charges, payments, D(2026, 3, 10), share=SHARE, local=["7"]) == Decimal("2.50")
    # The same 47.50 paid in dollars leaves the whole share (a dollar payment is not counted against it).
    assert local_allowance(charges, payments, D(2026, 3, 10), share=SHARE, local=[]) == Decimal("50.00")


def test_a_charge_mostly_paid_in_dollars_is_finished_locally_and_the_next_fee_share_follows():
    charges = [fee("1", D(2026, 2, 1), "250.00"), fee("2", D(2026, 3, 1), "250.00")]
    payments = [paid("7", D(2026, 2, 3), "220.00")]
    # February: 30.00 open, all of it within its 50.00 share; then March's 50.00.
    assert local_allowance(charges, payments, D(2026, 3, 10), share=SHARE, local=[]) == Decimal("80.00")


def test_two_open_fees_do_not_add_their_shares_because_allocation_pays_the_oldest_first():
    # 100.00 would all go to February's fee (oldest first), twice its share: only February's 50.00 is allowed.
    charges = [fee("1", D(2026, 2, 1), "250.00"), fee("2", D(2026, 3, 1), "250.00")]
    assert local_allowance(charges, [], D(2026, 3, 10), share=SHARE, local=[]) == Decimal("50.00")


def test_a_late_fee_or_other_charge_that_would_be_paid_first_takes_no_local_currency():
    charges = [
        fee("1", D(2026, 2, 1), "250.00"),
        fee("2", D(2026, 2, 15), "10.00", kind="late_fee"),
        fee("3", D(2026, 3, 1), "250.00"),
    ]
    payments = [paid("7", D(2026, 2, 3), "250.00")]
    assert local_allowance(charges, payments, D(2026, 3, 10), share=SHARE, local=[]) == Decimal("0.00")


def test_nothing_open_means_nothing_allowed_local_currency_builds_no_credit():
    charges = [fee("1", D(2026, 3, 1), "250.00")]
    payments = [paid("7", D(2026, 3, 1), "250.00")]
    assert local_allowance(charges, payments, D(2026, 3, 10), share=SHARE, local=[]) == Decimal("0.00")
    assert local_allowance([], [], D(2026, 3, 10), share=SHARE, local=[]) == Decimal("0.00")


def test_the_cap_is_rounded_down_so_the_share_is_never_exceeded_and_waivers_lower_it():
    # 12.5 % of 40.05 is 5.00625: at most 5.00 (half up would give 5.01, over the share).
    assert local_allowance([fee("1", D(2026, 3, 1), "40.05")], [], D(2026, 3, 2), share=Decimal("0.125"), local=[]) == (
        Decimal("5.00")
    )
    # A fee of 250.00 with 50.00 waived: 20 % of the 200.00 still charged.
    charges = [fee("1", D(2026, 3, 1), "250.00", waived="50.00")]
    assert local_allowance(charges, [], D(2026, 3, 2), share=SHARE, local=[]) == Decimal("40.00")


def test_a_reversed_local_payment_gives_its_room_back_from_its_reversal():
    charges = [fee("1", D(2026, 3, 1), "250.00")]
    payments = [paid("7", D(2026, 3, 2), "50.00", reversed_on=D(2026, 3, 5))]
    assert local_allowance(charges, payments, D(2026, 3, 4), share=SHARE, local=["7"]) == Decimal("0.00")
    assert local_allowance(charges, payments, D(2026, 3, 5), share=SHARE, local=["7"]) == Decimal("50.00")


def test_a_zero_share_allows_nothing_and_a_share_over_one_is_refused():
    charges = [fee("1", D(2026, 3, 1), "250.00")]
    assert local_allowance(charges, [], D(2026, 3, 2), share=Decimal("0"), local=[]) == Decimal("0.00")
    with pytest.raises(FeeInputError) as error:
        local_allowance(charges, [], D(2026, 3, 2), share=Decimal("20"), local=[])
    assert error.value.field == "share"
    with pytest.raises(FeeInputError):
        local_allowance(charges, [], dt.datetime(2026, 3, 2, 12, 0), share=SHARE, local=[])


def test_the_pure_module_exports_the_new_functions():
    assert {"local_allowance", "local_dollars"} <= set(fees.__all__)
