"""Demo ground leases: templates, households, leases in every state, a year of billing and payments.

Runs after ``clt.demo`` (users and people) and ``properties.demo`` (the homes). Everything that
changes a lease goes through the parts' services, with dates in the past chosen relative to today,
so the deadlines dashboard always has something overdue and something due in the next 30, 60 and
90 days. Payments are bulk-created (they are plain facts, not transitions) before the year is
billed month by month with ``ledger_services.bill_month``, so late fees appear by each lease's rule.

Each part tells its own side of the story (``leases/<part>/demo.py``, mixed into ``Demo`` here).

Deterministic for a given day: the random choices come from the demo's seeded generator. Run again,
it finds the templates in place and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from simple_history.utils import bulk_create_with_history

from clt import clock
from clt.dates import month_start
from clt.demo import FAMILY, GIVEN, LANGUAGES
from clt.history import stamp
from clt.models import Organization, OrganizationKind, Person
from leases.ledger.demo import LedgerDemo
from leases.ledger.models import FeeRate, FeeSchedule, Payment
from leases.lifecycle import services as lifecycle_services
from leases.lifecycle.demo import (
    BURLINGTON_MFI,
    CHT_NAME,
    CONDO_NAME,
    HUD_SIZE_FACTOR,
    LENDERS,
    ONE_DAY,
    REASON,
    STOREFRONT_NAME,
    SUBSIDY_SOURCES,
    LeasePlan,
    LifecycleDemo,
    demo_money,
    round_to,
)
from leases.lifecycle.models import (
    GroundLease,
    Household,
    HouseholdMember,
    LateFeeKind,
    Leaseholder,
    LeaseSubsidy,
    LeaseTemplate,
    LeaseTemplateVersion,
)
from leases.lifecycle.rules import DeadlineKind, EventKind
from leases.monitoring.demo import MonitoringDemo
from leases.resale.demo import ResaleDemo, load_index_series
from properties.models import ParcelStatus, Unit, UnitKind


@dataclass
class Demo(LifecycleDemo, LedgerDemo, MonitoringDemo, ResaleDemo):
    """One run of the leases demo: what it made so far, and the dated actions still to play.

    ``actions`` are (date, order, callable) for events recorded later in the timeline: they run in
    date order, interleaved with the month-by-month billing (``year_of_billing``).
    """

    context: Any
    today: dt.date = field(default_factory=clock.today)
    plans: list[LeasePlan] = field(default_factory=list)
    actions: list[tuple[dt.date, int, Callable[[], None]]] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    rosa_plan: LeasePlan | None = None
    people_made: int = 0

    def __post_init__(self) -> None:
        self.rng = self.context.rng
        self.actor = self.context.actor
        self.users = self.context.shared.get("users", {})
        self.pool = list(Person.objects.filter(user__isnull=True).order_by("pk"))
        self.rng.shuffle(self.pool)
        self.first_month = month_start(self.today, -11)
        self.months = [month_start(self.today, -offset) for offset in range(11, -1, -1)]

    def ago(self, days: int) -> dt.date:
        return self.today - dt.timedelta(days=days)

    # --- People, organisations, templates ------------------------------------------------------

    def person(self, family: str | None = None) -> Person:
        if family is None and self.pool:
            return self.pool.pop()
        self.people_made += 1
        given, family = self.rng.choice(GIVEN), family or self.rng.choice(FAMILY)
        person = Person(
            given_name=given,
            family_name=family,
            email=f"{given}.{family}.l{self.people_made}@example.org".lower(),
            phone=f"802-555-{5000 + self.people_made:04d}",
            preferred_language=self.rng.choice(LANGUAGES),
        )
        stamp(person, actor=self.actor, reason=REASON)
        person.save()
        return person

    def organization(self, name: str, kind: str, **fields: Any) -> Organization:
        org = Organization(name=name, kind=kind, **fields)
        stamp(org, actor=self.actor, reason=REASON)
        org.save()
        return org

    def templates(self) -> None:
        policies = self.policies()
        cht = LeaseTemplate.objects.create(
            name=CHT_NAME,
            description="The trust's adaptation of the 2011 CLT Network model ground lease, with the Community "
            "Home Trust (NC) day counts: 30-day cure, 30-day mortgagee objection, 120-day lender-default cure, "
            "45/60-day purchase option.",
        )
        cht_terms = {
            "due_day": 1,
            "grace_days": 30,
            "late_fee_kind": LateFeeKind.PERCENT,
            "late_fee_percent": Decimal("10"),
            "late_fee_repeat_percent": Decimal("10"),
            "late_fee_repeat_days": 30,
            "cure_days": 30,
            "mortgagee_objection_days": 30,
            "lender_default_cure_days": 120,
            "mortgage_consent_lead_days": 10,
            "option_exercise_days": 45,
            "option_closing_days": 60,
            "second_appraisal_decision_days": 10,
            "second_appraisal_delivery_days": 45,
            "intended_transfer_notice_days": 90,
            "occupancy_months_per_year": 10,
            "resale_policy_version": policies["cht_v1"],
        }
        self.cht_v1 = lifecycle_services.template_version_create(
            template=cht,
            actor=self.actor,
            reason="Adopted by the board, 2011",
            effective_from=dt.date(2011, 1, 1),
            default_monthly_fee=Decimal("35.00"),
            **cht_terms,
        )
        self.cht_v2 = lifecycle_services.template_version_create(
            template=cht,
            actor=self.actor,
            reason="2018 revision: lease-fee increases capped at 5 % a year, at most once a year",
            effective_from=dt.date(2018, 7, 1),
            default_monthly_fee=Decimal("40.00"),
            max_increase_pct=Decimal("5"),
            max_increases_per_year=1,
            resale_policy_version=policies["cht"],
        )
        condo = LeaseTemplate.objects.create(
            name=CONDO_NAME,
            description="Lease for the condominium and townhouse program, on PCCLT's terms: fee due the 1st, "
            "late on the 15th, $5, $10 and $15 late fees; increases at most 10 % once a year.",
        )
        self.condo_v1 = lifecycle_services.template_version_create(
            template=condo,
            actor=self.actor,
            reason="Adopted with the condominium program, 2008",
            effective_from=dt.date(2008, 3, 1),
            default_monthly_fee=Decimal("30.00"),
            due_day=1,
            grace_days=14,
            late_fee_kind=LateFeeKind.ESCALATING,
            late_fee_amount=Decimal("5.00"),
            late_fee_step=Decimal("5.00"),
            late_fee_repeat_days=30,
            late_fee_max_assessments=3,
            max_increase_pct=Decimal("10"),
            max_increases_per_year=1,
            occupancy_months_per_year=12,
            resale_policy_version=policies["condo"],
        )
        storefront = LeaseTemplate.objects.create(
            name=STOREFRONT_NAME,
            description="Ten-year ground lease of a neighborhood storefront, renewable once.",
        )
        self.storefront_v1 = lifecycle_services.template_version_create(
            template=storefront,
            actor=self.actor,
            reason="Commercial program, 2014",
            effective_from=dt.date(2014, 1, 1),
            default_monthly_fee=Decimal("150.00"),
            term_years=10,
            renewal_terms=1,
            renewal_term_years=10,
            renewal_notice_days=180,
            occupancy_months_per_year=0,
            grace_days=10,
            late_fee_kind=LateFeeKind.FLAT,
            late_fee_amount=Decimal("25.00"),
            late_fee_max_assessments=1,
        )

    def version_for(self, unit: Unit, commencement: dt.date) -> LeaseTemplateVersion:
        if unit.kind in (UnitKind.CONDO, UnitKind.TOWNHOUSE):
            return self.condo_v1
        return self.cht_v2 if commencement >= self.cht_v2.effective_from else self.cht_v1

    # --- Households and leases ----------------------------------------------------------------

    def household_row(
        self, people: list[Person], commencement: dt.date, size: int | None = None, pct: int | None = None
    ) -> Household:
        """An unsaved household: its size, and its income at purchase as a share of HUD's median for that size."""
        size = max(size or self.rng.choice([1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 5, 6]), len(people))
        year = commencement.year
        pct = pct or self.rng.randint(42, 80)
        household = Household(name=f"{people[0].family_name} household", size=size)
        mfi = BURLINGTON_MFI.get(year)
        if mfi is not None:
            ami = (Decimal(mfi) * HUD_SIZE_FACTOR[min(size, 8)]).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
            household.area_median_income = demo_money(ami)
            household.income_at_purchase = demo_money(round_to(ami * pct / 100, 100))
            household.ami_year = year
        else:
            household.income_at_purchase = demo_money(self.rng.randrange(30000, 56000, 100))
            household.notes = f"HUD income figures for {year} are not on file here."
        return household

    def household(self, people: list[Person], commencement: dt.date, size: int | None = None, pct: int | None = None):
        row = self.household_row(people, commencement, size, pct)
        return lifecycle_services.household_create(
            actor=self.actor,
            reason=REASON,
            name=row.name,
            size=row.size,
            people=people,
            **{f: getattr(row, f) for f in ("income_at_purchase", "area_median_income", "ami_year", "notes")},
        )

    def terms(
        self, unit: Unit, commencement: dt.date, *, organization: Organization | None = None, execute: bool = True
    ):
        """The facts of a purchase: price, appraisal with its land share, and (once signed) the recording."""
        price = Decimal(self.rng.randrange(135000, 245000, 500))
        if unit.kind == UnitKind.CONDO:
            price = Decimal(self.rng.randrange(110000, 170000, 500))
        appraised = round_to(price * Decimal(self.rng.randint(135, 175)) / 100, 1000)
        land = round_to(appraised * Decimal(self.rng.randint(22, 32)) / 100, 100)
        fields: dict[str, Any] = {
            "commencement": commencement,
            "purchase_price": demo_money(price) if organization is None else None,
            "appraisal_date": commencement - dt.timedelta(days=self.rng.randint(25, 60)),
            "appraised_value": demo_money(appraised),
            "appraised_land_value": demo_money(land),
            "appraised_improvements_value": demo_money(appraised - land),
        }
        if execute:
            fields["recorded_on"] = commencement + dt.timedelta(days=self.rng.randint(1, 6))
            if commencement.year < 2016:
                fields["recording_book"] = str(800 + (commencement.year - 2000) * 40)
                fields["recording_page"] = str(self.rng.randint(1, 600))
            else:
                fields["recording_instrument"] = f"{commencement.year}-{self.rng.randint(1000, 9999):05d}"
        return fields

    def subsidy(self) -> tuple[str, Decimal]:
        return self.rng.choice(SUBSIDY_SOURCES), demo_money(self.rng.randrange(15000, 60000, 500))

    def lease(
        self,
        unit: Unit,
        commencement: dt.date,
        *,
        people: list[Person] | None = None,
        organization: Organization | None = None,
        version: LeaseTemplateVersion | None = None,
        fee: Decimal | None = None,
        execute: bool = True,
        profile: str = "good",
        household_size: int | None = None,
        ami_pct: int | None = None,
    ) -> LeasePlan:
        """One lease made and executed through the services, as a clerk would."""
        version = version or self.version_for(unit, commencement)
        fee = fee or version.default_monthly_fee
        household = None
        if organization is None:
            people = people or self.holders()
            household = self.household(people, commencement, household_size, ami_pct)
        lease = lifecycle_services.lease_create(
            actor=self.actor,
            reason=REASON,
            unit=unit,
            template_version=version,
            leaseholders=people or (),
            organization=organization,
            monthly_fee=fee,
            subsidies=[self.subsidy()] if organization is None else (),
            household=household,
            **self.terms(unit, commencement, organization=organization, execute=execute),
        )
        if execute:
            self.event(lease, EventKind.EXECUTED, effective_on=commencement, reason="Lease signed and recorded")
        plan = LeasePlan(lease=lease, rates=[(commencement, fee)], profile=profile if execute else "none")
        self.plans.append(plan)
        return plan

    def holders(self) -> list[Person]:
        first = self.person()
        if self.rng.random() < 0.35:
            return [first, self.person(first.family_name)]
        return [first]

    def event(self, lease: GroundLease, kind: str, *, reason: str, **fields: Any) -> None:
        lifecycle_services.lease_event_record(lease=lease, kind=kind, actor=self.actor, reason=reason, **fields)

    def at(self, day: dt.date, action: Callable[[], None]) -> None:
        if day > self.today:
            raise ValueError(f"demo action dated {day} is in the future")
        self.actions.append((day, len(self.actions), action))

    def mortgage(self, plan: LeasePlan, on: dt.date, amount: Decimal | None = None) -> None:
        """A purchase-money mortgage the trust consents to at the purchase (CHT-NC Exhibit G)."""
        lender = self.rng.choice(self.lenders)
        amount = amount or (plan.lease.purchase_price or Decimal("150000")) * Decimal(self.rng.randint(80, 97)) / 100
        self.event(
            plan.lease,
            EventKind.MORTGAGE_CONSENT_REQUESTED,
            reason="Consent requested for the purchase mortgage",
            received_on=on,
            delivery_method="email",
            data={
                "lender": lender.pk,
                "amount": str(demo_money(amount)),
                "intended_closing": on + dt.timedelta(days=14),
            },
        )
        self.event(
            plan.lease,
            EventKind.MORTGAGE_CONSENT_APPROVED,
            reason="Standard permitted mortgage: customary terms, lender is a supervised institution",
            effective_on=on + dt.timedelta(days=3),
        )
        plan.mortgage = True

    # --- The whole run ------------------------------------------------------------------------

    def run(self) -> None:
        self.templates()
        self.lenders = [
            self.organization(name, OrganizationKind.LENDER, email=email, phone=f"802-555-{2000 + n:04d}")
            for n, (name, email) in enumerate(LENDERS)
        ]
        units = list(Unit.objects.select_related("parcel").filter(parcel__status=ParcelStatus.HELD).order_by("pk"))
        homes = [u for u in units if u.kind in (UnitKind.SINGLE_FAMILY, UnitKind.CONDO, UnitKind.TOWNHOUSE)]
        self.rng.shuffle(homes)
        single = [u for u in homes if u.kind == UnitKind.SINGLE_FAMILY]
        scenario_units = single[:20]
        drafts = single[20:22]
        ordinary = [u for u in homes if u not in scenario_units and u not in drafts]
        resold = self.resale_homes(ordinary)
        ordinary = [u for u in ordinary if u not in resold]

        self.rosa(scenario_units[0])
        self.scenarios(scenario_units[1:])
        self.ordinary(ordinary)
        self.resales(resold)
        for unit in [u for u in units if u.kind == UnitKind.COOP][:1]:
            self.cooperative(unit)
        self.storefronts([u for u in units if u.kind == UnitKind.COMMERCIAL][:2])
        for unit in drafts:
            self.lease(unit, self.today + dt.timedelta(days=self.rng.randint(20, 50)), execute=False)
        self.fee_increases()
        for plan in self.plans:
            self.payments.extend(self.payment_plan(plan))
        self.year_of_billing()
        self.local_currency()
        self.monitoring()
        self.report()

    def rosa(self, unit: Unit) -> None:
        """The demo homeowner: a year of billing, a bounced check, arrears in several ageing buckets."""
        user = self.users.get("homeowner")
        rosa = Person.objects.filter(user=user).first() if user else None
        if rosa is None:
            self.lease(unit, dt.date(2019, 5, 15))
            return
        commencement = dt.date(2019, 5, 15)
        plan = self.lease(
            unit,
            commencement,
            people=[rosa],
            version=self.cht_v2,
            profile="rosa",
            household_size=3,
            ami_pct=62,
        )
        self.mortgage(plan, commencement, Decimal("168000"))
        self.rosa_plan = plan

    def ordinary(self, units: list[Unit]) -> None:
        """Every other home's lease, most paid on time: drafts written in bulk, each executed by the service.

        ``lease_create`` would write the same rows (households, leases, leaseholders, subsidies, fee
        schedules copied from the terms, first rates) one validated save at a time; for ~190 leases
        that was a third of the demo's time. Signing (the ``executed`` event, its deadlines and the
        year's certification) and everything after goes through ``lease_event_record``.
        """
        count = len(units)
        profiles = ["late"] * 6 + ["stopped"] * 5 + ["partial"] * 3 + ["advance"] * 3
        profiles += ["good"] * (count - len(profiles))
        self.rng.shuffle(profiles)
        rows = []
        for unit, profile in zip(units, profiles, strict=True):
            acquired = unit.parcel.acquisition_date.year if unit.parcel.acquisition_date else 2005
            year = self.rng.randint(max(acquired + 1, 2011), max(acquired + 1, 2025))
            commencement = dt.date(year, self.rng.randint(1, 12), self.rng.randint(1, 28))
            if commencement > self.ago(60):
                commencement = self.ago(self.rng.randint(60, 200))
            people = self.holders()
            household = self.household_row(people, commencement)
            version = self.version_for(unit, commencement)
            lease = GroundLease(
                unit=unit,
                parcel_id=unit.parcel_id,
                template_version=version,
                household=household,
                **self.terms(unit, commencement),
            )
            lease.clean()
            rows.append((lease, people, profile, self.subsidy()))

        def bulk(objs: list[Any], model: type) -> None:
            bulk_create_with_history(objs, model, batch_size=500, default_user=self.actor, default_change_reason=REASON)

        bulk([lease.household for lease, *_rest in rows], Household)
        HouseholdMember.objects.bulk_create(
            [HouseholdMember(household=lease.household, person=p) for lease, people, *_rest in rows for p in people]
        )
        for lease, *_rest in rows:
            lease.household_id = lease.household.pk
        bulk([lease for lease, *_rest in rows], GroundLease)
        bulk([Leaseholder(lease=lease, person=p) for lease, people, *_rest in rows for p in people], Leaseholder)
        bulk([LeaseSubsidy(lease=lease, source=s[0], amount=s[1]) for lease, _p, _pr, s in rows], LeaseSubsidy)
        schedules = [
            FeeSchedule(lease=lease, **{f: getattr(lease.template_version, f) for f in FeeSchedule.LATE_FEE_FIELDS})
            for lease, *_rest in rows
        ]
        bulk(schedules, FeeSchedule)
        bulk(
            [
                FeeRate(
                    schedule=schedule,
                    effective=lease.commencement,
                    amount=lease.template_version.default_monthly_fee,
                    reason=REASON,
                )
                for schedule, (lease, *_rest) in zip(schedules, rows, strict=True)
            ],
            FeeRate,
        )
        for lease, _people, profile, _subsidy in rows:
            self.event(lease, EventKind.EXECUTED, effective_on=lease.commencement, reason="Lease signed and recorded")
            plan = LeasePlan(
                lease=lease, rates=[(lease.commencement, lease.template_version.default_monthly_fee)], profile=profile
            )
            plan.stop_months = self.rng.randint(2, 5)
            self.plans.append(plan)
            if self.rng.random() < 0.25:
                self.mortgage(plan, lease.commencement)

    # --- Past resales, for the funder impact report ---------------------------------------------

    RESALES = 25

    def cooperative(self, unit: Unit) -> None:
        contact = self.person()
        coop = self.organization(
            "North Street Limited-Equity Housing Cooperative",
            OrganizationKind.HOUSING_COOPERATIVE,
            email="board@northstreetcoop.example",
            phone="802-555-3100",
            mailing_address=f"{unit.address}\nBurlington, VT 05401",
            contact=contact,
            notes="Twelve apartments; the cooperative leases the land under its building.",
        )
        self.lease(unit, dt.date(2012, 9, 1), organization=coop, version=self.cht_v1, fee=Decimal("300.00"))

    def storefronts(self, units: list[Unit]) -> None:
        """Ten-year storefront leases that ran out without renewal: the expired status."""
        names = ["North End Bakery LLC", "Archibald Street Hardware Co."]
        for unit, name, commencement in zip(units, names, (dt.date(2015, 6, 1), dt.date(2014, 9, 1)), strict=False):
            company = self.organization(
                name, OrganizationKind.COMPANY, email=f"office@{name.split()[0].lower()}.example"
            )
            plan = self.lease(unit, commencement, organization=company, version=self.storefront_v1)
            plan.profile = "none"
            end = plan.lease.deadlines.get(kind=DeadlineKind.TERM_END).due
            self.event(
                plan.lease,
                EventKind.EXPIRED,
                reason="Term ended; the tenant gave notice it would not renew",
                effective_on=end + ONE_DAY,
            )

    # --- Leases in each interesting state -----------------------------------------------------

    # --- Fees, payments, billing --------------------------------------------------------------

    # --- Monitoring ---------------------------------------------------------------------------

    def report(self) -> None:
        counts: dict[str, int] = {}
        for status in GroundLease.objects.values_list("status", flat=True):
            counts[status] = counts.get(status, 0) + 1
        charges = sum(r.fees_created + r.late_fees_created for r in self.billed)
        late = sum(r.late_fees_created for r in self.billed)
        self.context.stdout.write(
            "Leases: "
            + ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
            + f"; {charges} charges billed over 12 months ({late} late fees), {Payment.objects.count()} payments"
        )


def load_demo(context: Any) -> None:
    load_index_series(context)
    if LeaseTemplate.objects.filter(name=CHT_NAME).exists():
        context.stdout.write(f"Leases: {GroundLease.objects.count()} (already loaded)")
        return
    if context.actor is None or not Unit.objects.exists():
        context.stdout.write("Leases: skipped (no demo users or homes)")
        return
    Demo(context).run()
