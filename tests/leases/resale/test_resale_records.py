"""Capital improvements (request → approval before the work → completion → credit) and saved calculations."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from leases.resale import codec as resale_codec
from leases.resale import engine as resale
from leases.resale import selectors as resale_selectors
from leases.resale import services
from leases.resale.models import ResaleCalculation
from tests.factories import make_lease

pytestmark = pytest.mark.django_db

D = dt.date
SIMPLE_2PCT = {"formula": {"family": "fixed_rate_simple", "rate": "0.02", "period": "completed_years"}}


def approved(lease, description, requested_on, **terms):
    item = services.improvement_request(
        lease=lease, description=description, requested_on=requested_on, actor=None, reason="owner's letter"
    )
    return services.improvement_approve(
        improvement=item, approved_on=requested_on + dt.timedelta(days=7), approval_reference="Letter 2017-12",
        actor=None, reason="board review", **terms,
    )  # fmt: skip


def test_improvements_are_credited_by_their_valuation_method():
    """The engine's §3.5 example: San Leandro's furnace, 12,000 over 10 years, 36 of 120 months used → 8,400."""
    lease = make_lease(commencement=D(2015, 1, 1))
    furnace = approved(lease, "Furnace", D(2017, 5, 1), method="depreciated_cost", useful_life_years=10)
    services.improvement_complete(
        improvement=furnace, completed_on=D(2017, 6, 1), cost=Decimal("12000"), documents="invoice 4471",
        actor=None, reason="done",
    )  # fmt: skip
    windows = approved(lease, "Windows", D(2018, 3, 1), method="percent_of_cost", credit_pct=Decimal("50"))
    services.improvement_complete(
        improvement=windows, completed_on=D(2018, 4, 1), cost=Decimal("9000"), documents="receipt",
        actor=None, reason="done",
    )  # fmt: skip
    items = resale_selectors.improvement_credit_items(lease, on=D(2020, 6, 1))
    result = resale.compute_resale(
        resale.ResalePolicy(resale.FixedRateSimple(Decimal("0"))),
        resale.ResaleInputs(
            purchase_price=Decimal("250000"), purchase_date=D(2015, 1, 1), determination_date=D(2020, 6, 1),
            capital_improvements=tuple(items),
        ),
    )  # fmt: skip
    credits = [i.amount for i in result.line_items if i.code == "credit.capital_improvement"]
    assert credits == [Decimal("8400"), Decimal("4500")]


def test_maintenance_is_recorded_but_earns_no_credit():
    lease = make_lease()
    roof = services.improvement_request(
        lease=lease, description="Roof repair", requested_on=D(2021, 3, 1), maintenance=True, actor=None, reason="x"
    )
    services.improvement_complete(
        improvement=roof, completed_on=D(2021, 3, 20), cost=Decimal("6000"), actor=None, reason="done"
    )
    [item] = resale_selectors.improvement_credit_items(lease, on=D(2022, 1, 1))
    assert item.maintenance is True
    result = resale.compute_resale(
        resale.ResalePolicy(resale.FixedRateSimple(Decimal("0"))),
        resale.ResaleInputs(
            purchase_price=Decimal("150000"), purchase_date=D(2020, 1, 1), determination_date=D(2022, 1, 1),
            capital_improvements=(item,),
        ),
    )  # fmt: skip
    assert result.credits_total == 0


def test_approval_comes_before_the_work():
    lease = make_lease()
    item = services.improvement_request(
        lease=lease, description="Deck", requested_on=D(2022, 5, 1), actor=None, reason="x"
    )
    with pytest.raises(ValidationError, match="approval comes before the work"):
        services.improvement_complete(
            improvement=item, completed_on=D(2022, 6, 1), cost=Decimal("5000"), actor=None, reason="x"
        )
    item = services.improvement_approve(
        improvement=item, approved_on=D(2022, 5, 10), approval_reference="Letter 22-5", actor=None, reason="ok"
    )
    with pytest.raises(ValidationError) as error:
        services.improvement_complete(
            improvement=item, completed_on=D(2022, 6, 1), started_on=D(2022, 5, 2), cost=Decimal("5000"),
            actor=None, reason="x",
        )  # fmt: skip
    assert "started_on" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        approved(lease, "Shed", D(2022, 1, 1), method="depreciated_cost")
    assert "useful_life_years" in error.value.message_dict


def saved(lease, **overrides):
    inputs = {"purchase_price": "150000.00", "purchase_date": "2020-01-01", "determination_date": "2026-11-27"}
    inputs.update(overrides)
    return services.resale_calculation_save(
        lease=lease, policy=SIMPLE_2PCT, inputs=inputs, actor=None, reason="intent to sell"
    )


def test_a_saved_calculation_keeps_inputs_and_outputs_and_recomputes_equal():
    lease = make_lease(commencement=D(2020, 1, 1))
    calculation = saved(lease)
    # 6 completed years at 2 % simple: 150,000 × 1.12.
    assert (calculation.formula_price, calculation.price) == (Decimal("168000.00"), Decimal("168000.00"))
    assert calculation.determination_date == D(2026, 11, 27)
    stored = resale_codec.result_from_dict(calculation.result)
    assert stored.price == Decimal("168000")
    calculation.refresh_from_db()  # the JSON as the database returns it
    assert services.resale_calculation_recompute(calculation) == calculation.result


def test_a_saved_calculation_never_changes():
    calculation = saved(make_lease())
    calculation.reason = "rewritten"
    with pytest.raises(ValidationError, match="never changed"):
        calculation.save()
    with pytest.raises(ValidationError, match="kept as it was made"):
        calculation.delete()
    assert ResaleCalculation.objects.count() == 1


def test_bad_inputs_are_refused_naming_the_field_and_nothing_is_stored():
    lease = make_lease()
    with pytest.raises(ValidationError) as error:
        saved(lease, purchase_price="-1")
    assert error.value.message_dict == {"purchase_price": ["must be greater than zero"]}
    with pytest.raises(ValidationError) as error:
        saved(lease, determination_date="2019-01-01")
    assert "determination_date" in error.value.message_dict
    assert not ResaleCalculation.objects.exists()
