"""Leases in every state of their lifecycle: defaults, mortgages, sales, estates, each told by its events.

A mixin of ``leases.demo.Demo``: it reads the run's state (``self.today``, ``self.rng``, ``self.actor``,
``self.plans``…) and the helpers the demo defines.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from clt.models import Person
from leases.ledger import selectors as ledger_selectors
from leases.lifecycle import services as lifecycle_services
from leases.lifecycle.models import (
    Deadline,
    DeadlineStatus,
    GroundLease,
)
from leases.lifecycle.rules import DeadlineKind, EventKind
from properties.models import Unit

REASON = "Demo data"
CHT_NAME = "Community Home Trust model lease"
CONDO_NAME = "Condominium and townhouse ground lease"
STOREFRONT_NAME = "Neighborhood storefront ground lease"

# HUD median family income, Burlington-South Burlington, VT MSA (METRO15540M15540), by HUD fiscal
# year, from leases/data/hud_ami.csv (HUD Section 8 Income Limits, FY2015-FY2025). Written out here so
# the demo needs no file outside the repository; purchases before 2015 get no AMI figure.
BURLINGTON_MFI = {
    2015: 81900,
    2016: 84000,
    2017: 82400,
    2018: 93000,
    2019: 91600,
    2020: 89700,
    2021: 95900,
    2022: 109000,
    2023: 115700,
    2024: 118900,
    2025: 130400,
}
# HUD's family-size adjustment of the four-person median (Section 8 income-limit methodology).
HUD_SIZE_FACTOR = {
    1: Decimal("0.70"),
    2: Decimal("0.80"),
    3: Decimal("0.90"),
    4: Decimal("1.00"),
    5: Decimal("1.08"),
    6: Decimal("1.16"),
    7: Decimal("1.24"),
    8: Decimal("1.32"),
}
LENDERS = [
    ("Lake Champlain Savings Bank", "loans@lcsavings.example"),
    ("Green Mountain Community Credit Union", "mortgages@gmccu.example"),
    ("Winooski Valley Federal Credit Union", "lending@wvfcu.example"),
    ("Vermont Homeownership Finance Agency", "servicing@vhomefa.example"),
]
SUBSIDY_SOURCES = ["City of Burlington HOME", "Vermont Housing & Conservation Board", "Federal Home Loan Bank AHP"]
ONE_DAY = dt.timedelta(days=1)


def demo_money(value: Decimal | int | str) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def round_to(value: Decimal, step: int) -> Decimal:
    """``value`` to the nearest multiple of ``step`` dollars, half up (incomes to $100, values to $1,000)."""
    return (value / step).quantize(Decimal("1"), rounding=ROUND_HALF_UP) * step


@dataclass
class LeasePlan:
    """What the demo intends for one lease: its fee rates and how its holder pays."""

    lease: GroundLease
    rates: list[tuple[dt.date, Decimal]]
    profile: str = "good"  # good, late, stopped, partial, advance, rosa, none
    stop_months: int = 0  # stopped / partial: the last so many months of the year
    ends_on: dt.date | None = None  # no payments from this day on (the lease ends)
    mortgage: bool = False

    def rate_on(self, day: dt.date) -> Decimal | None:
        amount = None
        for effective, value in sorted(self.rates):
            if effective <= day:
                amount = value
        return amount


class LifecycleDemo:
    def scenarios(self, units: list[Unit]) -> None:
        units = iter(units)

        def plan(*, mortgage: bool, profile: str = "good", stop: int = 0, single: bool = False) -> LeasePlan:
            unit = next(units)
            commencement = dt.date(self.rng.randint(2012, 2021), self.rng.randint(1, 12), self.rng.randint(1, 28))
            made = self.lease(unit, commencement, profile=profile, people=[self.person()] if single else None)
            made.stop_months = stop
            if mortgage:
                self.mortgage(made, commencement)
            return made

        self.default_noticed(plan(mortgage=False, profile="stopped", stop=4), received=12)
        self.default_noticed(plan(mortgage=True, profile="stopped", stop=5), received=45)
        self.termination_pending(plan(mortgage=True, profile="stopped", stop=8))
        self.terminated(plan(mortgage=False, profile="stopped", stop=11))
        self.consent_pending(plan(mortgage=True))
        self.lender_default(plan(mortgage=True), received=100)
        self.lender_default(plan(mortgage=True), received=40)
        self.price_determination(plan(mortgage=False))
        self.option_period(plan(mortgage=True), agreement=20)
        self.option_period(plan(mortgage=False), agreement=50, extend_to=15)
        self.option_closing(plan(mortgage=False))
        self.marketing(plan(mortgage=True))
        self.under_contract(plan(mortgage=True))
        self.sold(plan(mortgage=True, profile="stopped", stop=7))
        self.estate(plan(mortgage=False, single=True))
        self.heir_assumed(plan(mortgage=False, single=True))
        # One cure in the past, so a lease's timeline shows a default that ended well.
        self.cured(plan(mortgage=False))

    def default_notice(self, plan: LeasePlan, received: int) -> None:
        data: dict[str, Any] = {"breach": "Lease fee unpaid for several months (Article 5)"}
        if plan.mortgage:
            data["mortgagee_received_on"] = self.ago(received - 1)
        self.event(
            plan.lease,
            EventKind.DEFAULT_NOTICE_SENT,
            reason="Notice of default sent by certified mail, copy to the permitted mortgagee",
            sent_on=self.ago(received + 3),
            received_on=self.ago(received),
            delivery_method="certified mail",
            data=data,
        )

    def default_noticed(self, plan: LeasePlan, *, received: int) -> None:
        self.at(self.ago(received), lambda: self.default_notice(plan, received))

    def termination_pending(self, plan: LeasePlan) -> None:
        lease = plan.lease
        self.at(self.ago(150), lambda: self.default_notice(plan, 150))
        self.at(
            self.ago(110),
            lambda: self.event(
                lease, EventKind.DEFAULT_UNCURED, reason="Cure period over; nothing paid", effective_on=self.ago(110)
            ),
        )
        self.at(
            self.ago(20),
            lambda: self.event(
                lease,
                EventKind.TERMINATION_NOTICE_TO_MORTGAGEE,
                reason="Board voted to seek termination; mortgagee notified",
                sent_on=self.ago(24),
                received_on=self.ago(20),
                delivery_method="certified mail",
            ),
        )

    def terminated(self, plan: LeasePlan) -> None:
        lease = plan.lease
        plan.ends_on = self.ago(240)
        self.at(self.ago(300), lambda: self.default_notice(plan, 300))
        self.at(
            self.ago(265),
            lambda: self.event(
                lease, EventKind.DEFAULT_UNCURED, reason="Cure period over; home vacant", effective_on=self.ago(265)
            ),
        )
        self.at(
            self.ago(240),
            lambda: self.event(
                lease,
                EventKind.TERMINATED,
                reason="Lease terminated for an uncured default; the home was abandoned",
                effective_on=self.ago(240),
            ),
        )

        def next_buyer() -> None:
            # The trust bought back the home; its next buyer's lease is being drawn up.
            self.lease(lease.unit, self.today + dt.timedelta(days=40), execute=False)

        self.at(self.ago(10), next_buyer)

    def consent_pending(self, plan: LeasePlan) -> None:
        lender = self.lenders[1]
        self.at(
            self.ago(6),
            lambda: self.event(
                plan.lease,
                EventKind.MORTGAGE_CONSENT_REQUESTED,
                reason="Refinance at a lower rate",
                received_on=self.ago(6),
                delivery_method="email",
                data={
                    "lender": lender.pk,
                    "amount": "142000.00",
                    "intended_closing": self.today + dt.timedelta(days=24),
                    "lien_position": 1,
                },
            ),
        )

    def lender_default(self, plan: LeasePlan, *, received: int) -> None:
        self.at(
            self.ago(received),
            lambda: self.event(
                plan.lease,
                EventKind.LENDER_DEFAULT_NOTICE_RECEIVED,
                reason="Lender's notice of the borrower's default received; the trust may cure within 120 days",
                sent_on=self.ago(received + 2),
                received_on=self.ago(received),
                delivery_method="certified mail",
            ),
        )

    def intent(self, plan: LeasePlan, received: int, accepted: int | None = None) -> None:
        lease = plan.lease
        self.at(
            self.ago(received),
            lambda: self.event(
                lease,
                EventKind.INTENT_TO_SELL_RECEIVED,
                reason="Homeowner's notice of intent to sell, with their appraisal",
                received_on=self.ago(received),
                delivery_method="hand delivery",
                data={"planned_transfer": self.ago(received) + dt.timedelta(days=120)},
            ),
        )
        if accepted is not None:
            self.at(
                self.ago(accepted),
                lambda: self.event(
                    lease,
                    EventKind.APPRAISAL_ACCEPTED,
                    reason="Owner's appraisal accepted; no second appraisal",
                    effective_on=self.ago(accepted),
                ),
            )

    def agreement(self, plan: LeasePlan, received: int) -> None:
        self.at(
            self.ago(received),
            lambda: self.event(
                plan.lease,
                EventKind.RESALE_AGREEMENT_SIGNED,
                reason="Resale agreement signed at the formula price",
                received_on=self.ago(received),
                delivery_method="hand delivery",
            ),
        )

    def price_determination(self, plan: LeasePlan) -> None:
        self.intent(plan, 4)

    def option_period(self, plan: LeasePlan, *, agreement: int, extend_to: int | None = None) -> None:
        self.intent(plan, agreement + 40, agreement + 32)
        self.agreement(plan, agreement)
        if extend_to is not None:

            def extend() -> None:
                deadline = Deadline.objects.get(
                    lease=plan.lease, kind=DeadlineKind.OPTION_EXERCISE, status=DeadlineStatus.OPEN
                )
                lifecycle_services.deadline_extend(
                    deadline=deadline,
                    new_due=self.today + dt.timedelta(days=extend_to),
                    agreed_on=self.ago(8),
                    actor=self.actor,
                    reason="Extension agreed in writing while the board reviews the assignment to a buyer",
                )

            self.at(self.ago(8), extend)

    def option_closing(self, plan: LeasePlan) -> None:
        self.intent(plan, 110, 100)
        self.agreement(plan, 90)
        self.at(
            self.ago(50),
            lambda: self.event(
                plan.lease,
                EventKind.OPTION_EXERCISED,
                reason="The trust exercises its purchase option",
                effective_on=self.ago(50),
                data={"exercised_by": "the trust"},
            ),
        )

    def waived(self, plan: LeasePlan, intent: int) -> None:
        self.intent(plan, intent, intent - 10)
        self.agreement(plan, intent - 20)
        self.at(
            self.ago(intent - 35),
            lambda: self.event(
                plan.lease,
                EventKind.OPTION_WAIVED,
                reason="Option waived: the owner may sell to an income-qualified buyer at the formula price",
                effective_on=self.ago(intent - 35),
            ),
        )

    def marketing(self, plan: LeasePlan) -> None:
        self.waived(plan, 160)

    def under_contract(self, plan: LeasePlan) -> None:
        self.waived(plan, 200)

        def contract() -> None:
            buyer = self.person()
            self.event(
                plan.lease,
                EventKind.BUYER_UNDER_CONTRACT,
                reason="Purchase and sale agreement with an income-certified buyer",
                effective_on=self.ago(15),
                data={"buyer": buyer.pk, "price": "198500.00", "buyer_income_certified": True},
            )

        self.at(self.ago(15), contract)

    def sold(self, plan: LeasePlan) -> None:
        sale = self.ago(150)
        plan.ends_on = sale
        self.waived(plan, 260)
        buyers: list[Person] = []

        def contract() -> None:
            buyers.extend(self.holders())
            self.event(
                plan.lease,
                EventKind.BUYER_UNDER_CONTRACT,
                reason="Purchase and sale agreement with an income-certified buyer",
                effective_on=self.ago(190),
                data={"buyer": buyers[0].pk, "price": "207000.00", "buyer_income_certified": True},
            )

        def close() -> None:
            arrears = ledger_selectors.ledger_state(plan.lease, as_of=sale).arrears
            data: dict[str, Any] = {"buyers": [p.pk for p in buyers], "price": "207000.00"}
            if arrears > 0:
                data["arrears_collected"] = str(arrears)
            self.event(
                plan.lease,
                EventKind.SALE_CLOSED,
                reason="Resale closed; unpaid lease fees collected from the seller's proceeds",
                effective_on=sale,
                data=data,
            )
            successor = GroundLease.objects.get(predecessor=plan.lease)
            household = self.household(buyers, sale)
            lifecycle_services.lease_update(
                lease=successor, actor=self.actor, reason="Buyer's household", household=household
            )
            fee = successor.fee_schedule.rates.get().amount
            self.payments_for(LeasePlan(lease=successor, rates=[(sale, fee)]), bulk=True)

        self.at(self.ago(190), contract)
        self.at(sale, close)

    def estate(self, plan: LeasePlan) -> None:
        owner = plan.lease.leaseholders.get().person
        self.at(
            self.ago(35),
            lambda: self.event(
                plan.lease,
                EventKind.OWNER_DIED,
                reason="The owner died; the family has asked about the estate",
                effective_on=self.ago(35),
                data={"person": owner.pk},
            ),
        )

    def heir_assumed(self, plan: LeasePlan) -> None:
        lease = plan.lease
        owner = lease.leaseholders.get().person
        plan.ends_on = self.ago(280)
        self.at(
            self.ago(330),
            lambda: self.event(
                lease,
                EventKind.OWNER_DIED,
                reason="The owner died",
                effective_on=self.ago(330),
                data={"person": owner.pk},
            ),
        )

        def assume() -> None:
            heir = self.person(owner.family_name)
            self.event(
                lease,
                EventKind.HEIR_ASSUMED,
                reason="The owner's child, who lived in the home, assumes the lease",
                effective_on=self.ago(280),
                data={"heirs": [heir.pk]},
            )
            successor = GroundLease.objects.get(predecessor=lease)
            fee = successor.fee_schedule.rates.get().amount
            self.payments_for(LeasePlan(lease=successor, rates=[(self.ago(280), fee)]), bulk=True)

        self.at(self.ago(280), assume)

    def cured(self, plan: LeasePlan) -> None:
        self.at(self.ago(200), lambda: self.default_notice(plan, 200))
        self.at(
            self.ago(185),
            lambda: self.event(
                plan.lease, EventKind.DEFAULT_CURED, reason="Arrears paid in full", effective_on=self.ago(185)
            ),
        )
