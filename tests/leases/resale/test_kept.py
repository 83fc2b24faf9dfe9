# ruff: noqa: F811  (the portfolio fixture of test_portfolio_fast is imported by name)
"""Kept valuations (leases/resale/kept.py): a lease is valued again exactly when something it reads changed.

Every figure is compared with the lease valued alone by the engine, with every check and nothing kept
(``engine_alone``), after each input changes the way the product changes it: a kept valuation that
outlived its inputs would show here as a wrong price.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation

from leases.lifecycle.models import GroundLease
from leases.resale import kept
from leases.resale.models import KeptValuation
from leases.resale.portfolio import portfolio_index, resale_portfolio
from leases.resale.valuation import Valuer, load_lease_facts
from tests.leases.resale.test_portfolio_fast import (  # noqa: F401  (fixtures, by name)
    AS_OF,
    CHANGES,
    engine_alone,
    every_formula,
    formula_portfolio,
    staff_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def valued(monkeypatch):
    """The leases the engine is asked to value (their ids, in order), however the portfolio is reached."""
    asked: list[int] = []
    value = Valuer.value

    def spy(self, lease, on):
        asked.append(lease.pk)
        return value(self, lease, on)

    monkeypatch.setattr(Valuer, "value", spy)
    return asked


def figures(rows) -> dict[int, tuple]:
    return {row.lease_id: (row.formula_price, row.improvement_credits, row.problem) for row in rows}


def test_a_second_export_values_nothing_and_gives_the_same_rows(every_formula, valued):
    first = resale_portfolio(as_of=AS_OF)
    assert sorted(valued) == sorted(lease.pk for lease in every_formula)
    assert KeptValuation.objects.filter(as_of=AS_OF).count() == len(every_formula)
    valued.clear()
    second = resale_portfolio(as_of=AS_OF)
    assert valued == []
    assert second.rows == first.rows and second.programs == first.programs
    # The page reads the same kept valuations: its 50 rows are valued by nobody.
    index = portfolio_index(as_of=AS_OF)
    assert index.rows(index.leases[:50]) == first.rows[:50] and valued == []


@pytest.mark.parametrize("change", list(CHANGES))
def test_after_each_change_every_row_is_the_lease_valued_alone(every_formula, staff_user, valued, change):
    programs = {
        "index value imported": "CPI indexed",
        "bedrooms": "Affordable mortgage",
        "appraisal at resale": "Fixed compounding",
    }
    program = programs.get(change, "Fixed simple, capped")
    lease = next(
        lease for lease in every_formula if lease.template_version.resale_policy_version.policy.name == program
    )
    before = figures(resale_portfolio(as_of=AS_OF).rows)
    valued.clear()

    CHANGES[change](GroundLease.objects.get(pk=lease.pk), staff_user)

    after = resale_portfolio(as_of=AS_OF)
    asked = list(valued)  # before the engine is run again below, lease by lease
    for row in after.rows:
        alone = engine_alone(GroundLease.objects.get(pk=row.lease_id), AS_OF)
        assert (row.formula_price, row.improvement_credits, row.problem) == alone, (change, row)
    if change in ("index value imported", "program renamed"):
        # What many leases share: every lease is valued again.
        assert sorted(asked) == sorted(before)
    elif change == "appraisal at resale":
        # An appraisal at resale is a column of the row, read each time; no valuation reads it.
        assert asked == []
    else:
        assert asked == [lease.pk]
    if change in ("purchase price", "bedrooms", "improvement completed"):
        assert figures(after.rows)[lease.pk] != before[lease.pk]


def test_a_lease_changed_by_a_bulk_update_is_valued_again(every_formula, valued):
    """No signal or history row is needed: the key is made from the values the valuation is given."""
    lease = every_formula[0]
    before = figures(resale_portfolio(as_of=AS_OF).rows)[lease.pk]
    valued.clear()
    GroundLease.objects.filter(pk=lease.pk).update(purchase_price=Decimal("99000.00"))
    after = figures(resale_portfolio(as_of=AS_OF).rows)[lease.pk]
    assert valued == [lease.pk] and after != before, (before, after)
    assert after == engine_alone(GroundLease.objects.get(pk=lease.pk), AS_OF)


def test_each_language_keeps_its_own_words(every_formula, staff_user):
    english = resale_portfolio(as_of=AS_OF)
    with translation.override("es"):
        spanish = resale_portfolio(as_of=AS_OF)
        alone = figures(resale_portfolio(as_of=AS_OF, leases=GroundLease.objects.filter(pk=every_formula[-1].pk)).rows)
    no_policy = every_formula[-1].pk  # the lease whose terms name no resale policy
    assert figures(english.rows)[no_policy][2] == "The lease's terms name no resale policy."
    assert figures(spanish.rows)[no_policy] == alone[no_policy]
    assert figures(spanish.rows)[no_policy][2] != figures(english.rows)[no_policy][2]
    assert set(KeptValuation.objects.values_list("language", flat=True)) == {"en", "es"}


def test_every_input_a_valuation_reads_is_in_the_lease_key(every_formula):
    facts = {
        lease.pk: lease for lease in load_lease_facts(GroundLease.objects.filter(pk__in=[x.pk for x in every_formula]))
    }
    shared = kept.shared_stamp().encode()
    appraised = next(lease for lease in facts.values() if lease.appraised_value is not None and lease.valued_subsidies)
    improved = next(lease for lease in facts.values() if lease.completed_improvements)
    key = kept.lease_key(shared, appraised)
    changes = {
        "template_version_id": appraised.template_version_id + 1000,
        "commencement": appraised.commencement + dt.timedelta(days=1),
        "purchase_price": appraised.purchase_price + 1,
        "appraisal_date": dt.date(2019, 12, 2),
        "appraised_value": appraised.appraised_value + 1,
        "appraised_land_value": appraised.appraised_land_value + 1,
        "appraised_improvements_value": appraised.appraised_improvements_value + 1,
    }
    for name, value in changes.items():
        original = getattr(appraised, name)
        setattr(appraised, name, value)
        assert kept.lease_key(shared, appraised) != key, name
        setattr(appraised, name, original)
    assert kept.lease_key(shared, appraised) == key
    appraised.unit.bedrooms += 1
    assert kept.lease_key(shared, appraised) != key
    appraised.unit.bedrooms -= 1
    appraised.valued_subsidies = [s._replace(stays_with_home=not s.stays_with_home) for s in appraised.valued_subsidies]
    assert kept.lease_key(shared, appraised) != key
    assert kept.lease_key(b"another state of the policies", appraised) != kept.lease_key(shared, appraised)

    item = improved.completed_improvements[0]
    key = kept.lease_key(shared, improved)
    for name, value in {
        "cost": item.cost + 1,
        "completed_on": item.completed_on - dt.timedelta(days=1),
        "credit_pct": item.credit_pct - 1,
        "documents": "",
        "maintenance": not item.maintenance,
        "useful_life_years": (item.useful_life_years or 0) + 1,
        "fixed_value": (item.fixed_value or Decimal(0)) + 1,
        "approved_on": dt.date(2001, 1, 1),
        "started_on": dt.date(2001, 1, 2),
        "appraised_value": (item.appraised_value or Decimal(0)) + 1,
        "method": "fixed_value" if item.method != "fixed_value" else "cost",
    }.items():
        original = getattr(item, name)
        setattr(item, name, value)
        assert kept.lease_key(shared, improved) != key, name
        setattr(item, name, original)
    assert kept.lease_key(shared, improved) == key


def test_only_the_dates_valued_most_recently_are_kept(every_formula):
    lease = GroundLease.objects.filter(pk=every_formula[0].pk)
    days = [dt.date(2025, 1, 1) + dt.timedelta(days=30 * n) for n in range(kept.KEPT_DATES + 2)]
    for day in days:
        resale_portfolio(as_of=day, leases=lease)
    assert set(KeptValuation.objects.values_list("as_of", flat=True)) == set(days[-kept.KEPT_DATES :])
