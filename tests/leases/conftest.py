"""Fixtures shared by the leases tests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from leases.ledger import services
from leases.lifecycle.models import GroundLease
from tests.factories import make_lease, make_template_version


@pytest.fixture
def two_leases(db) -> tuple[GroundLease, GroundLease]:
    """A $40.00 lease whose holder pays on time, and a $55.50 one under a $10 flat late fee who does not."""
    on_time = make_lease(monthly_fee=Decimal("40.00"), commencement=dt.date(2020, 1, 1))
    late_terms = make_template_version(
        "Flat late fee lease", grace_days=14, late_fee_kind="flat", late_fee_amount=Decimal("10.00")
    )
    late = make_lease(version=late_terms, monthly_fee=Decimal("55.50"), commencement=dt.date(2020, 1, 1))
    services.payment_record(
        lease=on_time, amount=Decimal("40.00"), received_on=dt.date(2024, 3, 5), actor=None, reason="cheque 101"
    )
    return on_time, late
