"""The resale portfolio's fast paths (issue 15 §4) give the figures a lease valued alone gives, to the cent.

The bulk path (``resale_portfolio``: leases loaded as plain rows, the engine told the policy is checked,
the affordability answer kept per terms and figures) is compared with the engine run for each lease with
every check and nothing kept, over a portfolio with every formula family. The page path
(``portfolio_index``: a page of rows valued, the sums and the order kept per date and inputs' stamp) is
compared with the bulk path, before and after each input of a valuation changes.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clt import roles
from leases.lifecycle import services as lease_services
from leases.lifecycle.models import GroundLease, LeaseSubsidy
from leases.resale import engine, services
from leases.resale.demo import AFFORDABILITY_TERMS
from leases.resale.models import IndexSeries, PortfolioSummary, ResalePolicy
from leases.resale.portfolio import inputs_stamp, portfolio_index, resale_portfolio
from leases.resale.valuation import Valuer, valuable_leases
from properties import services as property_services
from tests.conftest import make_user
from tests.datafiles import AMI_FILE, CPI_FILE
from tests.factories import make_lease, make_parcel, make_template_version
from tests.leases.resale.test_portfolio import improve, terms_for
from tests.once import rolled_back

pytestmark = pytest.mark.django_db

D = dt.date
AS_OF = D(2026, 6, 30)
CENT = Decimal("0.01")
URL = "/api/v1/resale/portfolio/"
TERMS = AFFORDABILITY_TERMS  # the §2.9 solver's terms, sized by bedrooms (1.5 persons a bedroom)
AFFORDABLE_80 = {"kind": "affordability_cap", "ami_fraction": "0.80", "terms": TERMS}
# Every formula family the engine knows, with the caps, floors and roundings the programs use.
FAMILIES = {
    "Fixed simple, capped": {
        "formula": {"family": "fixed_rate_simple", "rate": "0.015", "period": "completed_years"},
        "caps": [AFFORDABLE_80],
        "floor": "purchase_price_plus_credits",
        "rounding": {"mode": "dollar"},
    },
    "Fixed compounding": {
        "formula": {"family": "fixed_rate_compound", "rate": "0.02"},
        "caps": [{"kind": "appraisal_cap", "scope": "total"}],
        "rounding": {"mode": "dollar"},
    },
    "AMI indexed": {"formula": {"family": "ami_indexed"}, "floor": "purchase_price", "rounding": {"mode": "dollar"}},
    "CPI indexed": {"formula": {"family": "cpi_indexed"}},
    "Shared appreciation": {"formula": {"family": "appraisal_share", "share": "0.25"}},
    "Time-vested share": {"formula": {"family": "time_vested_share", "rate_per_year": "0.03", "vesting_years": 2}},
    "Administered rate": {
        "formula": {
            "family": "administered_rate",
            "rates": [{"year": year, "rate": "0.02"} for year in range(2019, 2027)],
        }
    },
    "Itemized fair return": {
        "formula": {"family": "itemized_fair_return", "inflation_rate": "0.02", "limit_to_net_proceeds": False}
    },
    "Affordable mortgage": {"formula": {"family": "mortgage_based", "ami_fraction": "0.8", "terms": TERMS}},
    "Lesser of CPI and 2 %": {
        "formula": {
            "family": "lesser_of",
            "formulas": [{"family": "cpi_indexed"}, {"family": "fixed_rate_simple", "rate": "0.02"}],
        },
        "caps": [AFFORDABLE_80],
    },
}
AMI_CODE = "hud-mfi-burlington-south-burlington-vt-msa"


def home(bedrooms: int):
    home.count += 1
    parcel = make_parcel(f"F-{home.count:05d}", x=home.count * 30, y=900)
    return property_services.unit_create(
        actor=None, reason="test home", parcel=parcel, address=f"{home.count} Fast Street", bedrooms=bedrooms
    )


home.count = 0


@pytest.fixture(scope="module")
def formula_portfolio(django_db_setup, django_db_blocker) -> tuple[int, list[int]]:
    """Three leases under each family (one appraised with subsidies, one with a credited improvement, one on
    a studio bought in 2023), and one lease whose terms name no policy; with the staff user who improved them.

    Built once for the module (tests/once.py): the staff user's and the leases' ids."""
    with rolled_back(django_db_blocker):
        staff = make_user("staffer", groups=(roles.STAFF_GROUP,))
        call_command("import_index", str(CPI_FILE), stdout=io.StringIO())
        call_command("import_index", str(AMI_FILE), "--hud", stdout=io.StringIO())
        series = {
            "cpi_series": IndexSeries.objects.get(code="cpi-u"),
            "ami_series": IndexSeries.objects.get(code=AMI_CODE),
        }
        leases = []
        for name, parameters in FAMILIES.items():
            _, terms = terms_for(name, parameters, **series)
            leases.append(
                make_lease(
                    version=terms,
                    unit=home(3),
                    appraisal_date=D(2019, 12, 1),
                    appraised_value=Decimal("210000.00"),
                    appraised_land_value=Decimal("63000.00"),
                    appraised_improvements_value=Decimal("147000.00"),
                    subsidies=[("HOME program", Decimal("30000.00"))],
                )
            )
            credited = make_lease(version=terms, unit=home(2), purchase_price=Decimal("187654.32"))
            improve(credited, staff)
            leases += [credited, make_lease(version=terms, unit=home(0), commencement=D(2023, 2, 28))]
        leases.append(make_lease(version=make_template_version("Lease without a policy"), unit=home(1)))
        yield staff.pk, [lease.pk for lease in leases]


@pytest.fixture
def staff_user(formula_portfolio, db) -> User:
    """The staff user of the conftest's fixture, made with the portfolio (who credited its improvements)."""
    return User.objects.get(pk=formula_portfolio[0])


@pytest.fixture
def every_formula(formula_portfolio, db) -> list[GroundLease]:
    """The portfolio's leases, in the order they were made, read afresh for each test."""
    found = GroundLease.objects.in_bulk(formula_portfolio[1])
    return [found[pk] for pk in formula_portfolio[1]]


def engine_alone(lease: GroundLease, on: dt.date) -> tuple[Decimal | None, Decimal | None, str]:
    """The lease valued alone: loaded on its own, then the engine run with every check and nothing kept."""
    valuation = Valuer().value(valuable_leases(GroundLease.objects.filter(pk=lease.pk)).get(), on)
    if valuation.inputs is None:  # no policy, no purchase, an index gap: the engine is never asked
        return None, None, valuation.problem
    policy = Valuer._decode(valuation.version).policy
    engine._AFFORDABLE.clear()
    try:
        result = engine.compute_resale(policy, valuation.inputs)
    except engine.ResaleInputError:
        assert valuation.result is None
        return None, None, valuation.problem
    return result.price.quantize(CENT, ROUND_HALF_UP), result.credits_total.quantize(CENT, ROUND_HALF_UP), ""


def test_the_bulk_path_values_every_family_as_each_lease_alone(every_formula):
    found = resale_portfolio(as_of=AS_OF)
    assert len(found.rows) == len(every_formula)
    priced = set()
    for row in found.rows:
        lease = GroundLease.objects.get(pk=row.lease_id)
        assert (row.formula_price, row.improvement_credits, row.problem) == engine_alone(lease, AS_OF), row
        if row.priced:
            priced.add(row.program)
    # Every family that needs nothing a lease does not record is priced: not shared and time-vested
    # appreciation (an appraisal at sale), nor the itemized fair return (what the owner paid down and off).
    assert priced == set(FAMILIES) - {"Shared appreciation", "Time-vested share", "Itemized fair return"}
    itemized = next(r for r in found.rows if r.program == "Itemized fair return")
    assert itemized.problem, itemized
    capped = [r for r in found.rows if r.program == "Fixed simple, capped"]
    assert {r.formula_price for r in capped} != {None}


def same_sums(one, other) -> bool:
    return one.programs == other.programs and one.total == other.total


def test_a_page_gives_the_rows_and_the_sums_of_the_whole_portfolio(every_formula):
    full = resale_portfolio(as_of=AS_OF)
    for _ in ("valued and kept", "read back"):
        index = portfolio_index(as_of=AS_OF)
        assert same_sums(index, full)
        assert list(index.leases) == [row.lease_id for row in full.rows]
        assert index.rows(index.leases[5:15]) == full.rows[5:15]
    assert PortfolioSummary.objects.count() == 1
    one = portfolio_index(as_of=AS_OF, program="cpi indexed")
    only = resale_portfolio(as_of=AS_OF, program="CPI indexed")
    assert same_sums(one, only) and list(one.leases) == [row.lease_id for row in only.rows]
    # Another date is valued on its own and kept beside the first.
    assert same_sums(portfolio_index(as_of=D(2025, 1, 31)), resale_portfolio(as_of=D(2025, 1, 31)))
    assert PortfolioSummary.objects.count() == 2


def test_a_narrower_set_of_leases_is_valued_each_time(every_formula):
    some = GroundLease.objects.filter(pk__in=[lease.pk for lease in every_formula[::2]])
    index = portfolio_index(as_of=AS_OF, leases=some)
    assert same_sums(index, resale_portfolio(as_of=AS_OF, leases=some))
    assert not PortfolioSummary.objects.exists()


def _cpi_for_june(actor) -> None:
    series = IndexSeries.objects.get(code="cpi-u")
    row = services.IndexRow(period="2026-06", value=Decimal("330.000"))
    services.index_values_import(series=series, rows=[row], actor=actor, reason="BLS release")


def _resale_appraisal(lease, actor) -> None:
    inputs = {
        "purchase_price": "150000.00",
        "purchase_date": "2020-01-01",
        "determination_date": "2026-05-01",
        "resale_appraisal": {"total": "260000.00", "effective_date": "2026-04-20"},
    }
    version = lease.template_version.resale_policy_version
    services.resale_calculation_save(
        lease=lease, inputs=inputs, actor=actor, reason="owner's notice", policy_version=version
    )


def _rename(lease, actor) -> None:
    policy = ResalePolicy.objects.get(pk=lease.template_version.resale_policy_version.policy_id)
    policy.name = "AAA renamed"
    policy.save()


# Each input of a valuation, changed the way the product changes it.
CHANGES = {
    "purchase price": lambda lease, actor: lease_services.lease_update(
        lease=lease, actor=actor, reason="corrected", purchase_price=Decimal("160000.00")
    ),
    "appraisal at purchase": lambda lease, actor: lease_services.lease_update(
        lease=lease,
        actor=actor,
        reason="corrected",
        appraised_value=Decimal("220000.00"),
        appraised_improvements_value=Decimal("157000.00"),
    ),
    "bedrooms": lambda lease, actor: property_services.unit_update(
        unit=lease.unit, actor=actor, reason="corrected", bedrooms=1
    ),
    "subsidy": lambda lease, actor: LeaseSubsidy.objects.create(
        lease=lease, source="City grant", amount=Decimal("5000.00")
    ),
    "improvement completed": lambda lease, actor: improve(lease, actor),
    "index value imported": lambda lease, actor: _cpi_for_june(actor),
    "appraisal at resale": _resale_appraisal,
    "program renamed": _rename,
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_each_input_that_changes_makes_the_page_sum_again(every_formula, staff_user, change):
    names = {
        "index value imported": "CPI indexed",
        "appraisal at resale": "Fixed compounding",
        "bedrooms": "Affordable mortgage",  # a household of another size affords another price
    }
    program = names.get(change, "Fixed simple, capped")
    lease = next(
        lease for lease in every_formula if lease.template_version.resale_policy_version.policy.name == program
    )
    before = portfolio_index(as_of=AS_OF)
    stamp = inputs_stamp()

    CHANGES[change](GroundLease.objects.get(pk=lease.pk), staff_user)

    assert inputs_stamp() != stamp
    after, full = portfolio_index(as_of=AS_OF), resale_portfolio(as_of=AS_OF)
    assert same_sums(after, full) and list(after.leases) == [row.lease_id for row in full.rows]
    assert not same_sums(after, before) or list(after.leases) != list(before.leases)
    assert PortfolioSummary.objects.count() == 1  # the sums of the old stamp are gone


def test_the_pages_run_a_fixed_number_of_queries(every_formula, staff_user, api_for, client):
    api = api_for("staff")
    client.force_login(staff_user)
    query = {"as_of": AS_OF.isoformat()}

    def count(get) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert get().status_code == 200
        return len(captured)

    def counts() -> tuple[int, int, int]:
        # The first page after a change values every lease and keeps the sums; the next ones read them.
        cold = count(lambda: api.get(URL, query))
        return cold, count(lambda: api.get(URL, query)), count(lambda: client.get("/leases/portfolio/", query))

    # A user's first request reads their roles; the pages are counted after it.
    assert api.get(URL, {"as_of": "2025-01-31"}).status_code == 200
    few = counts()
    for _ in range(40):
        make_lease(version=every_formula[0].template_version, unit=home(2))
    many = counts()
    # The cold page values only the leases whose inputs changed (leases.resale.kept): here the 40 new ones,
    # all of one program that reads no index series, so it may need fewer queries than the first time.
    assert many[1:] == few[1:] and many[0] <= few[0]
    assert few[1] <= 16 and few[2] <= 18  # the warm pages: sessions, roles, the stamp, the sums, 50 rows
    second = api.get(URL, {**query, "page": 2}).json()["results"][0]["lease_id"]
    assert second == list(portfolio_index(as_of=AS_OF).leases)[50]
