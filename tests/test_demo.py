"""The demo trust, built once per day it is built for, and checked on each of those days.

``load_demo --as-of`` builds the demo relative to a day, and these tests check it on days chosen
to catch calendar mistakes: the 7th and the 1st of a month (billing, payments and arrears turn
over at the start of a month), 28 February, 29 February of a leap year and 31 December. On each,
the demo is loaded once for this module (a load takes several seconds) inside a transaction
that is rolled back at the end, with the clock moved to that day by time-machine; each test
then runs in its own savepoint, so one test's changes (loading again) never reach the next.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import transaction
from django.test import Client, RequestFactory
from django.utils import timezone

from clt import clock
from clt.models import OrganizationKind, Person
from governance.board.models import BoardTerm
from governance.elections import counting
from governance.elections import selectors as gs
from governance.elections.blt import read_blt
from governance.elections.models import Election, ElectionPhase
from governance.meetings.models import Proxy
from governance.membership.coop import coop_votes_of
from governance.membership.models import CoopResidentList
from leases.ledger import fees
from leases.ledger import selectors as ledger_selectors
from leases.ledger.models import Charge, ChargeKind, LocalCurrency, Payment, PaymentMethod
from leases.lifecycle.models import Deadline, DeadlineStatus, GroundLease, LeaseEvent, PermittedMortgage
from leases.lifecycle.rules import ComplianceState, DeadlineKind, FinancingState, LeaseStatus, TransferState
from leases.lifecycle.selectors import due_buckets, due_items
from leases.monitoring.models import MonitoringKind, MonitoringRecord, MonitoringStatus
from leases.resale.reports import build_impact_report
from properties.models import Parcel, ParcelLineage, ParcelStatus, Unit

pytestmark = pytest.mark.django_db

DEMO_DAYS = [
    dt.date(2026, 12, 7),
    dt.date(2027, 3, 1),
    dt.date(2027, 2, 28),
    dt.date(2028, 2, 29),
    dt.date(2027, 12, 31),
]


@dataclass(frozen=True)
class LoadedDemo:
    day: dt.date
    output: str


# `make test` hands this whole module to one xdist worker (--dist loadscope), which loads each
# day's demo once.
@pytest.fixture(scope="module", params=DEMO_DAYS, ids=[day.isoformat() for day in DEMO_DAYS])
def demo(request, django_db_setup, django_db_blocker):
    day = request.param
    traveller = time_machine.travel(clock.moment_on(day), tick=True)
    traveller.start()
    try:
        with django_db_blocker.unblock():
            outer = transaction.atomic()
            outer.__enter__()
            try:
                out = StringIO()
                call_command("load_demo", "--as-of", day.isoformat(), stdout=out)
                yield LoadedDemo(day=day, output=out.getvalue())
            finally:
                transaction.set_rollback(True)
                outer.__exit__(None, None, None)
    finally:
        traveller.stop()


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (GroundLease, LeaseEvent, Deadline, Charge, Payment, MonitoringRecord, PermittedMortgage)
    }


def test_load_demo_is_plausible_deterministic_and_idempotent(demo):
    current = Parcel.objects.exclude(status=ParcelStatus.RETIRED)
    assert current.count() >= 150
    assert Unit.objects.count() >= 150
    assert Person.objects.count() >= 150
    kinds = set(Unit.objects.values_list("kind", flat=True))
    assert {"single_family", "condo", "townhouse", "coop"} <= kinds
    assert Parcel.objects.filter(geometry__type="MultiPolygon").exists()
    assert any(len(p.geometry["coordinates"]) > 1 for p in Parcel.objects.filter(geometry__type="Polygon"))  # a hole
    assert ParcelLineage.objects.values("event__kind").distinct().count() == 2  # a split and a merge
    snapshot = sorted(Parcel.objects.values_list("apn", "area_m2", "address"))
    for username in ("staff", "homeowner", "member", "board"):
        # A request, as on the login page: the lockout check (django-axes) refuses to authenticate without one.
        login = RequestFactory().post("/login/")
        assert authenticate(login, username=username, password="demo-clt-2026") is not None
    assert "staff / demo-clt-2026" in demo.output

    again = StringIO()
    call_command("load_demo", stdout=again)
    assert "officer / demo-clt-2026" in again.getvalue()  # every login is printed again
    assert sorted(Parcel.objects.values_list("apn", "area_m2", "address")) == snapshot
    assert Person.objects.count() == len(set(Person.objects.values_list("pk", flat=True)))
    # Every demo parcel lies in Burlington's Old North End.
    assert all(-73.23 < p.centroid_lon < -73.19 and 44.48 < p.centroid_lat < 44.50 for p in current)


def test_the_demo_trust_takes_berkshares_at_the_boards_rate(demo):
    currency = LocalCurrency.objects.get(code="BSH")
    assert list(currency.rates.values_list("dollars_per_unit", "max_share_pct")) == [
        (Decimal("0.95"), Decimal("20")),
        (Decimal("0.97"), Decimal("20")),
    ]
    paid = list(Payment.objects.filter(currency=currency))
    assert len(paid) == 2
    for payment in paid:
        assert payment.received_on == demo.day and payment.currency_rate == Decimal("0.97")
        assert payment.amount == fees.local_dollars(payment.currency_amount, payment.currency_rate)
        assert Decimal(1) <= payment.currency_amount <= Decimal(40)


def test_demo_leases_cover_every_state_with_a_year_of_billing(demo):
    today = demo.day
    assert clock.today() == today
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
    assert ledger_selectors.ledger_state(sold, as_of=sold.ended_on).arrears == Decimal("0.00")
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
    assert ledger_selectors.ledger_state(terminated).arrears > 0  # arrears stay on the books after the lease ends
    assert leases.filter(status=LeaseStatus.DRAFT, unit=terminated.unit).exists()  # the next buyer's lease

    coop = leases.get(organization__kind=OrganizationKind.HOUSING_COOPERATIVE)
    assert coop.status == LeaseStatus.ACTIVE and not coop.leaseholders.exists()
    # Its residents are leaseholder members: twelve households on the list it certified last month.
    assert coop_votes_of(coop.organization, today).votes == 12
    assert CoopResidentList.objects.filter(organization=coop.organization).count() == 2
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
    in_arrears = [lease for lease in active if ledger_selectors.ledger_state(lease).arrears > 0]
    assert 5 <= len(in_arrears) <= len(twelve) // 4  # a handful, not everyone

    # The demo homeowner: a year billed, a bounced cheque, arrears in several ageing buckets.
    assert rosa_lease.charges.filter(kind=ChargeKind.FEE).count() == 12
    assert rosa_lease.charges.filter(kind=ChargeKind.LATE_FEE).exists()
    assert rosa_lease.payments.filter(reversed_on__isnull=False).count() == 1
    state = ledger_selectors.ledger_state(rosa_lease)
    assert state.balance > 0 and state.arrears == state.balance
    ageing = ledger_selectors.ledger_ageing(rosa_lease)
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


def test_the_demo_member_gave_a_proxy_online(demo):
    online = Proxy.objects.filter(grantor__user__username="member", revoked_on__isnull=True)
    assert online.count() == 1 and online.get().meeting is not None


def test_elections_demo_certified_and_open(demo):
    assert set(Election.objects.values_list("phase", flat=True)) == {ElectionPhase.CERTIFIED, ElectionPhase.OPEN}
    certified = Election.objects.get(phase=ElectionPhase.CERTIFIED)
    for contest in certified.contests.all():
        assert contest.result["winners"]
        profile = read_blt(gs.contest_blt(contest))
        recount = counting.count(
            contest.method,
            profile.ballots,
            profile.seats,
            profile.candidates,
            tie_break=counting.default_tie_break(contest.method, order=profile.tie_order),
        )
        assert list(recount.winners) == contest.result["winners"]
    opened = Election.objects.get(phase=ElectionPhase.OPEN)
    assert opened.opens_at <= clock.now() < opened.closes_at


def test_the_certified_demo_election_seats_its_winners_on_the_roster(demo):
    """Issue 14 §5: the demo's certified election elects real leaseholder seats; its winners are on the roster."""
    for election in Election.objects.all():  # who may vote is settled before voting opens
        assert election.record_date < timezone.localtime(election.opens_at).date()
    certified = Election.objects.get(phase=ElectionPhase.CERTIFIED)
    contest = certified.contests.get(title="Leaseholder seats")
    assert contest.seat_class is not None and contest.seat_class.code == "leaseholder"
    winners = contest.result["winners"]
    assert len(winners) == contest.seats == 2
    today = clock.today()
    seated = BoardTerm.objects.filter(seat_class=contest.seat_class, starts_on__lte=today, ends_on__gt=today)
    assert seated.count() <= contest.seat_class.seats
    assert {str(t.person) for t in seated} >= set(winners)
    roster = Client().get("/governance/board/")
    assert roster.status_code == 200
    body = roster.content.decode()
    assert all(name in body for name in winners)


def test_budgeting_demo_has_a_certified_result(demo):
    from governance.budgeting.models import BudgetPhase, ParticipatoryBudget, ReviewStatus

    budget = ParticipatoryBudget.objects.get(name__startswith="Stewardship fund 2026")
    assert budget.phase == BudgetPhase.RESULT and budget.result.certified_at is not None
    assert budget.projects.filter(status=ReviewStatus.REFUSED).exclude(refusal_reason="").exists()
    assert budget.ballots.count() == 48 and budget.result.outcome["funded"]
