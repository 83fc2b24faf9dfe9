"""Valuing leases under their own policy without a new appraisal (``leases/valuation.py``).

Real figures: the factory's lease (150,000 paid on 1 January 2020), the BLS CPI-U of ``leases/data``.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leases.lifecycle.models import GroundLease
from leases.resale import services
from leases.resale.models import IndexSeries
from leases.resale.valuation import Valuer, valuable_leases
from tests.datafiles import CPI_FILE
from tests.factories import make_lease, make_template_version
from tests.leases.resale.test_quotes import SIMPLE_15, approved_policy

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def cpi() -> IndexSeries:
    call_command("import_index", str(CPI_FILE), stdout=io.StringIO())
    return IndexSeries.objects.get(code="cpi-u")


def lease_under(parameters: dict, name: str = "Program", **version_fields):
    version = approved_policy(name, parameters)
    if version_fields:
        type(version).objects.filter(pk=version.pk).update(**version_fields)
        version.refresh_from_db()
    terms = make_template_version(f"Lease for {name}", resale_policy_version=version)
    return make_lease(version=terms)


def test_a_fixed_rate_price_on_a_date_and_the_appraisal_cap_left_for_the_sale():
    capped = {**SIMPLE_15, "caps": [{"kind": "appraisal_cap", "scope": "total"}]}
    lease = lease_under(capped)
    found = Valuer().value(lease, D(2026, 6, 30))
    # 6 completed years × 1.5 % × 150,000 = 13,500.
    assert found.price == Decimal("163500.00") and found.problem == ""
    assert found.notes == ("At a sale, the price is also limited to the home's appraised value then.",)


def test_a_cpi_formula_reads_the_series_the_policy_names(cpi):
    lease = lease_under({"formula": {"family": "cpi_indexed"}}, cpi_series=cpi)
    found = Valuer().value(lease, D(2025, 9, 15))
    # CPI-U January 2020 = 257.971, September 2025 = 324.800: 150,000 × 324.8 / 257.971 = 188,858.44 (cent).
    assert found.inputs.cpi_at_purchase.value == Decimal("257.9710")
    assert found.inputs.cpi_at_determination.value == Decimal("324.8000")
    assert found.price == Decimal("188858.44")
    # October 2025 was never published: a gap, so no price rather than a stale one.
    gap = Valuer().value(lease, D(2025, 10, 20))
    assert gap.price is None and "more than 31 days old" in gap.problem
    # After the last value on file (May 2026) the latest release stays in effect, with a warning.
    late = Valuer().value(lease, D(2026, 11, 27))
    assert late.inputs.cpi_at_determination.effective_from == D(2026, 5, 1)
    assert any("newer releases may exist" in note for note in late.notes)


def test_why_there_is_no_price():
    no_series = lease_under({"formula": {"family": "cpi_indexed"}}, name="CPI without a series")
    assert Valuer().value(no_series, D(2024, 1, 1)).problem == "The policy reads the CPI but names no series for it."
    shared = lease_under({"formula": {"family": "appraisal_share", "share": "0.25"}}, name="Shared")
    assert "needs an appraisal at the time of sale" in Valuer().value(shared, D(2024, 1, 1)).problem
    plain = make_lease(version=make_template_version("No policy"))
    assert Valuer().value(plain, D(2024, 1, 1)).problem == "The lease's terms name no resale policy."
    assert Valuer().value(shared, D(2019, 1, 1)).problem == "The date is before the purchase."


def test_completed_improvements_are_credited_by_the_date(staff_user):
    lease = lease_under(SIMPLE_15)
    item = services.improvement_request(
        lease=lease, description="New roof", requested_on=D(2021, 3, 1), actor=staff_user, reason="owner asked",
        estimated_cost=Decimal("12000"),
    )  # fmt: skip
    services.improvement_approve(
        improvement=item, approved_on=D(2021, 3, 10), approval_reference="Staff letter 2021-07",
        method="percent_of_cost", credit_pct=Decimal("50"), actor=staff_user, reason="approved",
    )  # fmt: skip
    services.improvement_complete(
        improvement=item, completed_on=D(2021, 6, 1), cost=Decimal("12000.00"), documents="invoice 123",
        started_on=D(2021, 4, 1), actor=staff_user, reason="done",
    )  # fmt: skip
    leases = list(valuable_leases(GroundLease.objects.filter(pk=lease.pk)))
    valuer = Valuer()
    before, after = valuer.value(leases[0], D(2021, 5, 31)), valuer.value(leases[0], D(2022, 1, 1))
    assert before.result.credits_total == 0
    # 50 % of 12,000; two completed years: 150,000 + 4,500 + 6,000.
    assert after.result.credits_total == Decimal("6000.00") and after.price == Decimal("160500.00")


def test_valuing_many_leases_runs_no_query_per_lease(cpi):
    version = approved_policy("CPI program", {"formula": {"family": "cpi_indexed"}})
    type(version).objects.filter(pk=version.pk).update(cpi_series=cpi)
    terms = make_template_version("CPI lease", resale_policy_version=version)
    for _ in range(6):
        make_lease(version=terms)
    leases = list(valuable_leases(GroundLease.objects.all()))
    valuer = Valuer()
    valuer.value(leases[0], D(2025, 9, 15))  # loads the policy and the series
    with CaptureQueriesContext(connection) as queries:
        found = valuer.value_many(leases, D(2025, 9, 15))
    assert len(queries) == 0
    assert {v.price for v in found} == {Decimal("188858.44")}
