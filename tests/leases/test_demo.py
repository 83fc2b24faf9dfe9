"""The demo trust's leases: every status and track state, a year of billing, the demo homeowner's arrears.

One test, because loading the demo is the expensive part: it is loaded once, checked, then loaded
again to show that a second run changes nothing.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone

from clt.models import OrganizationKind
from leases import services
from leases.lifecycle import ComplianceState, DeadlineKind, FinancingState, LeaseStatus, TransferState
from leases.models import (
    Charge,
    ChargeKind,
    Deadline,
    DeadlineStatus,
    GroundLease,
    LeaseEvent,
    MonitoringKind,
    MonitoringRecord,
    MonitoringStatus,
    Payment,
    PaymentMethod,
    PermittedMortgage,
)
from leases.reports import build_impact_report
from leases.selectors import due_buckets, due_items

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (GroundLease, LeaseEvent, Deadline, Charge, Payment, MonitoringRecord, PermittedMortgage)
    }


def test_demo_leases_cover_every_state_with_a_year_of_billing():
    call_command("load_demo", stdout=StringIO())
    today = timezone.localdate()
    leases = GroundLease.objects.all()

    # Every top-level status, and each track state worth showing, on an active lease.
    assert set(leases.values_list("status", flat=True)) == {s.value for s in LeaseStatus}
    assert leases.filter(status=LeaseStatus.ACTIVE).count() >= 180
    active = leases.filter(status=LeaseStatus.ACTIVE)
    for field, state in [
        ("compliance_state", ComplianceState.DEFAULT_NOTICED),
        ("compliance_state", ComplianceState.TERMINATION_PENDING),
        ("financing_state", FinancingState.CONSENT_PENDING),
        ("financing_state", FinancingState.PERMITTED_MORTGAGE),
        ("financing_state", FinancingState.LENDER_DEFAULT),
        ("transfer_state", TransferState.PRICE_DETERMINATION),
        ("transfer_state", TransferState.OPTION_PERIOD),
        ("transfer_state", TransferState.OPTION_CLOSING),
        ("transfer_state", TransferState.MARKETING),
        ("transfer_state", TransferState.UNDER_CONTRACT),
        ("transfer_state", TransferState.ESTATE),
    ]:
        assert active.filter(**{field: state}).exists(), (field, state)
    # A default notice keeps its cure deadline open; one is overdue, one still running.
    cures = Deadline.objects.filter(
        kind=DeadlineKind.CURE, status=DeadlineStatus.OPEN, lease__compliance_state=ComplianceState.DEFAULT_NOTICED
    )
    assert any(d.due < today for d in cures) and any(d.due >= today for d in cures)
    assert Deadline.objects.filter(
        kind=DeadlineKind.MORTGAGEE_OBJECTION, status=DeadlineStatus.OPEN, due__gt=today
    ).exists()
    assert any(d.due != d.original_due for d in Deadline.objects.filter(status=DeadlineStatus.OPEN))  # extended

    # The resale made the buyer's lease; the inheritance an assignment to the heir.
    # The latest sale (the past resales of the funder report closed before the billing year).
    sold = leases.filter(status=LeaseStatus.SUPERSEDED).latest("ended_on")
    buyer = sold.successor
    assert buyer.status == LeaseStatus.ACTIVE and buyer.commencement == sold.ended_on
    assert set(buyer.leaseholders.values_list("person", flat=True)).isdisjoint(
        sold.leaseholders.values_list("person", flat=True)
    )
    assert sold.payments.filter(method=PaymentMethod.CLOSING).exists()  # arrears collected at the sale
    assert services.ledger_state(sold, as_of=sold.ended_on).arrears == Decimal("0.00")
    # Past resales over the years, in each of the three programs, with the appraisal at resale and the buyer.
    staff = User.objects.get(username="staff")
    found = build_impact_report(user=staff, start=dt.date(2016, 1, 1), end=today)
    assert found.resale_count >= 26
    assert len({p.program.name for p in found.programs if p.count >= 5}) == 3
    resales = [r for p in found.programs for r in p.resales]
    assert len({r.facts.resale_date.year for r in resales}) >= 8
    assert sum(1 for r in resales if r.retained_subsidy is not None and r.buyer_pct_ami is not None) >= 25
    assigned = leases.get(status=LeaseStatus.ASSIGNED)
    assert assigned.successor.commencement == assigned.commencement  # an heir takes the remaining term
    terminated = leases.get(status=LeaseStatus.TERMINATED)
    assert services.ledger_state(terminated).arrears > 0  # arrears stay on the books after the lease ends
    assert leases.filter(status=LeaseStatus.DRAFT, unit=terminated.unit).exists()  # the next buyer's lease

    coop = leases.get(organization__kind=OrganizationKind.HOUSING_COOPERATIVE)
    assert coop.status == LeaseStatus.ACTIVE and not coop.leaseholders.exists()
    mortgages = PermittedMortgage.objects.select_related("lender")
    assert mortgages.count() >= 40
    assert {m.lender.kind for m in mortgages} == {OrganizationKind.LENDER}
    assert LeaseEvent.objects.filter(effective_on__gt=today).count() == 0

    # Households at purchase, against HUD's Burlington median adjusted for size.
    homeowner = User.objects.get(username="homeowner")
    rosa_lease = GroundLease.objects.visible_to(homeowner).get()
    assert list(rosa_lease.leaseholders.values_list("person__user", flat=True)) == [homeowner.pk]
    household = rosa_lease.household
    assert (household.size, household.ami_year) == (3, 2019)
    assert household.area_median_income == Decimal("82440.00")  # 91,600 × 0.90 for three people
    assert household.income_at_purchase == Decimal("51100.00")
    assert household.ami_percent == Decimal("62.0")

    # A year of billing: twelve monthly fees for every lease active all year, late fees by rule.
    first_month = Charge.objects.filter(kind=ChargeKind.FEE).order_by("period").first().period
    assert (today.year - first_month.year) * 12 + today.month - first_month.month == 11
    twelve = [lease for lease in active if lease.charges.filter(kind=ChargeKind.FEE).count() == 12]
    assert len(twelve) >= 150
    late_fees = Charge.objects.filter(kind=ChargeKind.LATE_FEE).select_related("source")
    assert late_fees.count() > 0 and all(c.source.kind == ChargeKind.FEE for c in late_fees)
    in_arrears = [lease for lease in active if services.ledger_state(lease).arrears > 0]
    assert 5 <= len(in_arrears) <= len(twelve) // 4  # a handful, not everyone

    # The demo homeowner: a year billed, a bounced cheque, arrears in several ageing buckets.
    assert rosa_lease.charges.filter(kind=ChargeKind.FEE).count() == 12
    assert rosa_lease.charges.filter(kind=ChargeKind.LATE_FEE).exists()
    assert rosa_lease.payments.filter(reversed_on__isnull=False).count() == 1
    state = services.ledger_state(rosa_lease)
    assert state.balance > 0 and state.arrears == state.balance
    ageing = services.ledger_ageing(rosa_lease)
    buckets = [ageing.days_0_30, ageing.days_31_60, ageing.days_61_90, ageing.over_90]
    assert sum(1 for amount in buckets if amount > 0) >= 3
    assert ageing.total == state.arrears

    # Monitoring: certifications accepted, submitted and overdue; insurance; an inspection.
    certifications = MonitoringRecord.objects.filter(kind=MonitoringKind.OCCUPANCY_CERTIFICATION, year=today.year)
    statuses = set(certifications.values_list("status", flat=True))
    assert {MonitoringStatus.ACCEPTED, MonitoringStatus.SUBMITTED, MonitoringStatus.REQUESTED} <= statuses
    assert certifications.get(lease=rosa_lease).status == MonitoringStatus.REQUESTED
    assert MonitoringRecord.objects.filter(kind=MonitoringKind.INSURANCE).count() >= 10
    assert MonitoringRecord.objects.filter(kind=MonitoringKind.INSPECTION, status=MonitoringStatus.SCHEDULED).exists()

    # The staff dashboard has something in every bucket.
    staff = User.objects.get(username="staff")
    buckets = {key: items for key, _label, items in due_buckets(due_items(staff, today=today))}
    assert all(buckets[key] for key in ("overdue", "due_30", "due_60", "due_90")), {
        k: len(v) for k, v in buckets.items()
    }

    # Loading again changes nothing.
    before = _counts()
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert _counts() == before
    assert "already loaded" in out.getvalue()
