"""Demo ground leases: templates, households, leases in every state, a year of billing and payments.

Runs after ``clt.demo`` (users and people) and ``properties.demo`` (the homes). Everything that
changes a lease goes through ``leases.services``, with dates in the past chosen relative to today,
so the deadlines dashboard always has something overdue and something due in the next 30, 60 and
90 days. Payments are bulk-created (they are plain facts, not transitions) before the year is
billed month by month with ``ledger_services.bill_month``, so late fees appear by each lease's rule.

Deterministic for a given day: the random choices come from the demo's seeded generator. Run again,
it finds the templates in place and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from clt import clock
from clt.dates import month_start
from clt.demo import FAMILY, GIVEN, LANGUAGES
from clt.history import stamp
from clt.models import Organization, OrganizationKind, Person
from leases.ledger import services as ledger_services
from leases.ledger.models import FeeRate, FeeSchedule, Payment, PaymentMethod
from leases.lifecycle import services as lifecycle_services
from leases.lifecycle.models import (
    Deadline,
    DeadlineStatus,
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
from leases.monitoring import services as monitoring_services
from leases.monitoring.models import MonitoringKind, MonitoringRecord, MonitoringStatus
from leases.resale import indexes
from leases.resale import services as resale_services
from leases.resale.models import CreditMethod, IndexKind, IndexSeries
from properties.models import ParcelStatus, Unit, UnitKind

REASON = "Demo data"
CHT_NAME = "Community Home Trust model lease"
CONDO_NAME = "Condominium and townhouse ground lease"
STOREFRONT_NAME = "Neighbourhood storefront ground lease"

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


def _money(value: Decimal | int | str) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _round_to(value: Decimal, step: int) -> Decimal:
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


@dataclass
class Demo:
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

    def policies(self) -> dict[str, Any]:
        """The three resale programs, approved, reading the Burlington AMI and the national CPI-U."""
        ami = IndexSeries.objects.filter(code="hud-mfi-burlington-south-burlington-vt-msa").first()
        cpi = IndexSeries.objects.filter(code="cpi-u").first()
        terms = {
            # The affordability cap's assumptions, after Met Council 2024 with the trust's own lease fee.
            "income_share": "0.30",
            "annual_rate": "0.0625",
            "term_months": 360,
            "down_payment_pct": "0.035",
            "property_tax_rate": "0.0125",
            "mortgage_insurance_rate": "0.0085",
            "hazard_insurance_monthly": "100",
            "ground_lease_fee_monthly": "35",
            "rounding": {"mode": "nearest", "increment": "500", "direction": "down"},
        }
        programs = {
            "cht_v1": (
                "Fixed 2 % compounding",
                "The 2011 leases: the price paid grows by 2 % a year, compounded for each completed year, "
                "never above the appraised value of the home at resale.",
                {
                    "formula": {"family": "fixed_rate_compound", "rate": "0.02"},
                    "caps": [{"kind": "appraisal_cap", "scope": "total"}],
                    "rounding": {"mode": "dollar"},
                },
            ),
            "cht": (
                "Area median income indexed",
                "The price paid grows with the area median family income (HUD, Burlington-South Burlington), "
                "never above the appraised value of the home at resale nor below the price paid.",
                {
                    "formula": {"family": "ami_indexed"},
                    "caps": [{"kind": "appraisal_cap", "scope": "total"}],
                    "floor": "purchase_price",
                    "rounding": {"mode": "dollar"},
                },
            ),
            "condo": (
                "Fixed 1.5 % simple",
                "The price paid plus 1.5 % of it for each completed year, plus credit for approved "
                "improvements, never above what a household at 80 % of area median income can afford.",
                {
                    "formula": {"family": "fixed_rate_simple", "rate": "0.015", "period": "completed_years"},
                    "caps": [{"kind": "affordability_cap", "ami_fraction": "0.80", "terms": terms}],
                    "floor": "purchase_price_plus_credits",
                    "rounding": {"mode": "dollar"},
                },
            ),
        }
        approved = {}
        for key, (name, description, parameters) in programs.items():
            version = resale_services.resale_policy_create(
                actor=self.actor,
                reason="Adopted with the lease program",
                name=name,
                description=description,
                parameters=parameters,
                cpi_series=cpi,
                ami_series=ami,
            )
            year, month = {"cht_v1": (2011, 1), "cht": (2018, 7), "condo": (2008, 3)}[key]
            approved[key] = resale_services.resale_policy_version_approve(
                version=version,
                approved_on=dt.date(year, month, 1) - dt.timedelta(days=30),
                effective_from=dt.date(year, month, 1),
                approval_reference=f"Members' annual meeting, resolution {year}-{month:02d}",
                actor=self.actor,
                reason="Approved by the members",
            )
        return approved

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
            description="Ten-year ground lease of a neighbourhood storefront, renewable once.",
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
            household.area_median_income = _money(ami)
            household.income_at_purchase = _money(_round_to(ami * pct / 100, 100))
            household.ami_year = year
        else:
            household.income_at_purchase = _money(self.rng.randrange(30000, 56000, 100))
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
        appraised = _round_to(price * Decimal(self.rng.randint(135, 175)) / 100, 1000)
        land = _round_to(appraised * Decimal(self.rng.randint(22, 32)) / 100, 100)
        fields: dict[str, Any] = {
            "commencement": commencement,
            "purchase_price": _money(price) if organization is None else None,
            "appraisal_date": commencement - dt.timedelta(days=self.rng.randint(25, 60)),
            "appraised_value": _money(appraised),
            "appraised_land_value": _money(land),
            "appraised_improvements_value": _money(appraised - land),
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
        return self.rng.choice(SUBSIDY_SOURCES), _money(self.rng.randrange(15000, 60000, 500))

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
            data={"lender": lender.pk, "amount": str(_money(amount)), "intended_closing": on + dt.timedelta(days=14)},
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
        self.monitoring()
        self.report()

    def rosa(self, unit: Unit) -> None:
        """The demo homeowner: a year of billing, a bounced cheque, arrears in several ageing buckets."""
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

    def resale_homes(self, homes: list[Unit]) -> list[Unit]:
        """The homes resold in the past: about a third condominiums and townhouses, the rest houses,
        interleaved (house, house, condo, …) so each program's sales spread over the years."""
        condos = [u for u in homes if u.kind in (UnitKind.CONDO, UnitKind.TOWNHOUSE)][: self.RESALES // 3]
        houses = [u for u in homes if u.kind == UnitKind.SINGLE_FAMILY][: self.RESALES - len(condos)]
        chosen = []
        while condos or houses:
            for pool in (houses, houses, condos):
                if pool:
                    chosen.append(pool.pop(0))
        return chosen

    def resales(self, units: list[Unit]) -> None:
        """Homes bought and resold between 2016 and the month before the billing year, through the real workflow.

        Each home: a lease signed at purchase (price, appraisal, household at purchase, a subsidy), then the
        notice of intent to sell with the owner's appraisal, the price determined under the lease's own policy
        (a saved calculation), the resale agreement, the option waived, an income-certified buyer under contract
        and the sale closed at the determined price; then the buyer's household and the appraisal at resale
        are recorded on the buyer's lease, which is billed and paid like any other. Houses bought before July
        2018 follow the 2 % compounding formula, later ones the AMI-indexed one; condominiums the 1.5 % simple
        formula with its affordability cap. Houses bought before HUD's first release on file (FY2015) have no
        AMI at purchase: the funder report counts them and says so.
        """
        rng = self.rng
        first, last = dt.date(2016, 3, 1), self.first_month - dt.timedelta(days=45)
        span = (last - first).days
        count = len(units)
        sales = sorted(
            first + dt.timedelta(days=span * (2 * k + 1) // (2 * count) + rng.randint(-20, 20)) for k in range(count)
        )
        # Houses sold from September 2020 may have been bought under the 2018 terms: two in three were.
        recent = 0
        for unit, sale in zip(units, sales, strict=True):
            if unit.kind == UnitKind.SINGLE_FAMILY and sale >= dt.date(2020, 9, 1):
                recent += 1
            if unit.kind != UnitKind.SINGLE_FAMILY:
                earliest, latest = dt.date(2008, 4, 1), sale - dt.timedelta(days=2 * 365)
            elif sale >= dt.date(2020, 9, 1) and recent % 3 != 0:
                earliest, latest = self.cht_v2.effective_from + dt.timedelta(days=14), sale - dt.timedelta(days=2 * 365)
            else:
                earliest = self.cht_v1.effective_from + dt.timedelta(days=14)
                latest = min(self.cht_v2.effective_from - dt.timedelta(days=14), sale - dt.timedelta(days=2 * 365))
            # Most owners bought after HUD's first release on file (FY2015, from April 2015), so the OPAL chart
            # has both ends; a few bought earlier, and the report leaves them out of that one figure.
            hud = dt.date(2015, 4, 15)
            if latest > hud + dt.timedelta(days=90) and rng.random() < 0.75:
                earliest = max(earliest, hud)
            bought = latest - dt.timedelta(days=rng.randint(0, (latest - earliest).days))
            self.resale(unit, bought, sale)

    def resale(self, unit: Unit, bought: dt.date, sale: dt.date) -> None:
        rng = self.rng
        plan = self.lease(unit, bought)
        plan.profile, plan.ends_on = "none", sale  # billed only for the last year: the seller's lease ended before
        lease = plan.lease
        # The market: 2.5-6 % a year since the appraisal at purchase, the land keeping its share.
        years = Decimal((sale - bought).days) / Decimal("365.25")
        growth = 1 + Decimal(rng.randint(25, 60)) / 1000
        market = _money(_round_to(lease.appraised_value * growth**years, 1000))
        land = _money(_round_to(market * lease.appraised_land_value / lease.appraised_value, 100))
        intent = sale - dt.timedelta(days=rng.randint(100, 140))
        appraised_on = intent - dt.timedelta(days=rng.randint(5, 20))
        self.event(
            lease,
            EventKind.INTENT_TO_SELL_RECEIVED,
            reason="Homeowner's notice of intent to sell, with their appraisal",
            received_on=intent,
            delivery_method="hand delivery",
            data={"planned_transfer": sale},
        )
        appraisal = {
            "total": str(market),
            "land": str(land),
            "improvements": str(market - land),
            "effective_date": appraised_on.isoformat(),
        }
        lease.refresh_from_db()  # the events moved its states in the database
        calculation = resale_services.resale_calculation_determine(
            lease=lease,
            actor=self.actor,
            reason="Formula price as of the notice of intent to sell",
            determination_date=intent,
            inputs={"resale_appraisal": appraisal},
        )
        price = str(calculation.price)
        agreement = intent + dt.timedelta(days=20)
        self.event(
            lease,
            EventKind.RESALE_AGREEMENT_SIGNED,
            reason="Resale agreement signed at the formula price",
            received_on=agreement,
            delivery_method="hand delivery",
        )
        self.event(
            lease,
            EventKind.OPTION_WAIVED,
            reason="Option waived: the owner may sell to an income-qualified buyer at the formula price",
            effective_on=agreement + dt.timedelta(days=15),
        )
        buyers = self.holders()
        self.event(
            lease,
            EventKind.BUYER_UNDER_CONTRACT,
            reason="Purchase and sale agreement with an income-certified buyer",
            effective_on=sale - dt.timedelta(days=30),
            data={"buyer": buyers[0].pk, "price": price, "buyer_income_certified": True},
        )
        self.event(
            lease,
            EventKind.SALE_CLOSED,
            reason="Resale closed",
            effective_on=sale,
            data={"buyers": [p.pk for p in buyers], "price": price},
        )
        successor = GroundLease.objects.get(predecessor=lease)
        lifecycle_services.lease_update(
            lease=successor,
            actor=self.actor,
            reason="Buyer's household, the appraisal at resale and the recording",
            household=self.household(buyers, sale),
            appraisal_date=appraised_on,
            appraised_value=market,
            appraised_land_value=land,
            appraised_improvements_value=market - land,
            recording_instrument=f"{sale.year}-{rng.randint(1000, 9999):05d}",
            recorded_on=sale + dt.timedelta(days=rng.randint(1, 6)),
        )
        fee = successor.fee_schedule.rates.get().amount
        follower = LeasePlan(lease=successor, rates=[(sale, fee)], profile=rng.choice(["good"] * 9 + ["late"]))
        self.plans.append(follower)
        if rng.random() < 0.4:
            self.mortgage(follower, sale)

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
            arrears = ledger_services.ledger_state(plan.lease, as_of=sale).arrears
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

    # --- Fees, payments, billing --------------------------------------------------------------

    def fee_increases(self) -> None:
        """The 2018 lease's 5 % increase, once, early in the billing year (checked against the cap)."""
        effective = month_start(self.today, -9)
        for plan in self.plans:
            lease = plan.lease
            if lease.template_version_id != self.cht_v2.pk or plan.profile == "none":
                continue
            if lease.commencement > effective - dt.timedelta(days=366):
                continue
            old = plan.rate_on(effective)
            new = _money(old * Decimal("1.05"))
            ledger_services.fee_rate_change(
                lease=lease,
                effective=effective,
                amount=new,
                actor=self.actor,
                reason="Annual adjustment for inflation, 5 % (the lease's cap)",
            )
            plan.rates.append((effective, new))

    def payments_for(self, plan: LeasePlan, *, bulk: bool = False) -> list[Payment]:
        made = self.payment_plan(plan)
        if bulk:
            bulk_create_with_history(
                made, Payment, batch_size=500, default_user=self.actor, default_change_reason=REASON
            )
        return made

    def payment_plan(self, plan: LeasePlan) -> list[Payment]:
        """The year's payments of one lease, by its holder's habits."""
        if plan.profile == "none":
            return []
        rng = self.rng
        lease = plan.lease
        due_day = lease.template_version.due_day
        payments = []

        def pay(day: dt.date, amount: Decimal, reference: str = "") -> Payment | None:
            if day > self.today or amount <= 0 or (plan.ends_on and day >= plan.ends_on):
                return None
            method = rng.choice([PaymentMethod.CHECK, PaymentMethod.CHECK, PaymentMethod.ACH])
            ref = reference or (f"Cheque {rng.randint(1000, 9999)}" if method == PaymentMethod.CHECK else "ACH")
            payment = Payment(lease=lease, received_on=day, amount=_money(amount), method=method, reference=ref)
            payments.append(payment)
            return payment

        dues = []
        for month in self.months:
            due = month.replace(day=min(due_day, 28))
            amount = plan.rate_on(due)
            if amount is None or due < (lease.commencement or due):
                continue
            dues.append((due, amount))
        count = len(dues)
        for index, (due, amount) in enumerate(dues):
            from_end = count - index
            if plan.profile == "late":
                pay(due + dt.timedelta(days=rng.randint(33, 48)), amount)
            elif plan.profile == "stopped" and from_end <= plan.stop_months:
                continue
            elif plan.profile == "partial" and from_end <= plan.stop_months:
                pay(due + dt.timedelta(days=rng.randint(0, 10)), amount / 2)
            elif plan.profile == "advance":
                if index % 6 == 0:
                    pay(due - dt.timedelta(days=rng.randint(5, 15)), amount * min(6, count - index))
            elif plan.profile == "rosa":
                self.rosa_payment(pay, due, amount, from_end)
            else:
                # A good payer's cheque or transfer arrives by the due date, so the demo's arrears are
                # its late payers' whatever the day of the month it is built on.
                pay(due - dt.timedelta(days=rng.randint(0, 6)), amount)
        return payments

    def rosa_payment(self, pay: Callable[..., Payment | None], due: dt.date, amount: Decimal, from_end: int) -> None:
        # On time until six months ago; that cheque bounced; since then $20 a month.
        if from_end > 6:
            pay(due + dt.timedelta(days=2), amount)
        elif from_end == 6:
            bounced = pay(due + dt.timedelta(days=3), amount, reference="Cheque 2231")
            self.at(
                due + dt.timedelta(days=12),
                lambda: ledger_services.payment_reverse(
                    payment=bounced,
                    reversed_on=due + dt.timedelta(days=12),
                    actor=self.actor,
                    reason="Cheque 2231 returned for insufficient funds",
                ),
            )
        else:
            pay(due + dt.timedelta(days=4), Decimal("20.00"))

    def year_of_billing(self) -> None:
        bulk_create_with_history(
            self.payments, Payment, batch_size=500, default_user=self.actor, default_change_reason=REASON
        )
        self.actions.sort(key=lambda item: (item[0], item[1]))
        pending = list(self.actions)
        # Events dated before the billing year happen first; then each month's events, then its bill,
        # so a month's late fees see that month's sales, terminations and bounced cheques.
        while pending and pending[0][0] < self.first_month:
            pending.pop(0)[2]()
        self.billed = []
        for month in self.months:
            next_month = month_start(month, 1)
            while pending and pending[0][0] < next_month:
                pending.pop(0)[2]()
            self.billed.append(ledger_services.bill_month(year=month.year, month=month.month, actor=self.actor))

    # --- Monitoring ---------------------------------------------------------------------------

    def monitoring(self) -> None:
        rng = self.rng
        year = self.today.year
        active = list(GroundLease.objects.filter(status="active").select_related("unit").order_by("pk"))
        rosa = self.rosa_plan
        certifications = list(
            MonitoringRecord.objects.filter(kind=MonitoringKind.OCCUPANCY_CERTIFICATION, year=year)
            .select_related("lease")
            .order_by("pk")
        )
        changed = []
        for record in certifications:
            lease = record.lease
            if lease.status != "active":
                record.status = MonitoringStatus.WAIVED
                record.completed_on = lease.ended_on or self.today
                record.details = "The lease ended; no certification is due."
            elif rosa is not None and lease.pk == rosa.lease.pk:
                continue  # hers is still to do, from the homeowner portal
            elif lease.commencement and record.due and lease.commencement > record.due:
                record.status = MonitoringStatus.WAIVED
                record.completed_on = lease.commencement
                record.details = "Bought this year: the first certification is due next January."
            else:
                roll = rng.random()
                submitted = record.due - dt.timedelta(days=rng.randint(2, 25)) if record.due else self.today
                if roll < 0.03:
                    continue  # never returned: overdue
                record.months_occupied = 12 if roll > 0.04 else 9
                record.submitted_on = submitted
                record.status = MonitoringStatus.SUBMITTED
                if roll > 0.06:
                    record.status = MonitoringStatus.ACCEPTED
                    record.completed_on = submitted + dt.timedelta(days=rng.randint(5, 20))
            changed.append(record)
        bulk_update_with_history(
            changed,
            MonitoringRecord,
            ["status", "months_occupied", "submitted_on", "completed_on", "details"],
            batch_size=500,
            default_user=self.actor,
            default_change_reason=REASON,
        )

        extra = []
        for lease in rng.sample(active, min(30, len(active))):
            due = self.today + dt.timedelta(days=rng.randint(-40, 80))
            done = due < self.today and rng.random() < 0.75
            extra.append(
                MonitoringRecord(
                    lease=lease,
                    kind=MonitoringKind.INSURANCE,
                    year=due.year,
                    due=due,
                    status=MonitoringStatus.ACCEPTED if done else MonitoringStatus.REQUESTED,
                    submitted_on=due - ONE_DAY if done else None,
                    completed_on=due if done else None,
                    details="Homeowner's policy naming the trust and the lender as additional insured",
                )
            )
        for lease in rng.sample(active, 3):
            extra.append(
                MonitoringRecord(
                    lease=lease,
                    kind=MonitoringKind.PROPERTY_TAX,
                    year=year,
                    due=self.ago(rng.randint(20, 70)),
                    details="Proof of payment of the city's second-half property tax",
                )
            )
        condos = [lease for lease in active if lease.unit.kind == UnitKind.CONDO]
        for lease in condos[:2]:
            extra.append(
                MonitoringRecord(
                    lease=lease,
                    kind=MonitoringKind.HOA,
                    year=year,
                    due=self.today + dt.timedelta(days=rng.randint(10, 50)),
                    details="Statement from the condominium association that dues are paid",
                )
            )
        bulk_create_with_history(
            extra, MonitoringRecord, batch_size=500, default_user=self.actor, default_change_reason=REASON
        )

        now = clock.now().replace(minute=0, second=0, microsecond=0)
        inspected = active[len(active) // 2]
        scheduled = now + dt.timedelta(days=12)
        monitoring_services.monitoring_create(
            lease=inspected,
            kind=MonitoringKind.INSPECTION,
            actor=self.actor,
            reason="Annual exterior inspection, notice sent by letter",
            due=timezone.localdate(scheduled),
            status=MonitoringStatus.SCHEDULED,
            notice_sent_at=now - dt.timedelta(days=2),
            scheduled_for=scheduled,
            details="Exterior and roof; interior only with the owner's consent",
        )
        self.improvements(active)

    def improvements(self, active: list[GroundLease]) -> None:
        """Capital improvements through the services (no longer a kind of monitoring record): work credited by
        each valuation method, maintenance that earns nothing, a denial and a request awaiting approval."""

        def day(lease: GroundLease, days_ago: int) -> dt.date:
            # Never before the owner bought the home.
            return max(self.ago(days_ago), lease.commencement + dt.timedelta(days=30))

        def asked(lease: GroundLease, description: str, days_ago: int, **fields: Any) -> Any:
            return resale_services.improvement_request(
                lease=lease, description=description, requested_on=day(lease, days_ago), actor=self.actor,
                reason="Owner's written request", **fields,
            )  # fmt: skip

        def credited(lease: GroundLease, description: str, days_ago: int, cost: str, docs: str, **terms: Any) -> None:
            appraised = terms.pop("appraised_value", None)  # the appraiser values the finished work
            item = asked(lease, description, days_ago)
            item = resale_services.improvement_approve(
                improvement=item, approved_on=day(lease, days_ago - 10), actor=self.actor, reason="Approved by staff",
                approval_reference=f"Approval letter {day(lease, days_ago - 10):%Y-%m}-{item.pk}", **terms,
            )  # fmt: skip
            resale_services.improvement_complete(
                improvement=item, completed_on=day(lease, days_ago - 90), started_on=day(lease, days_ago - 40),
                cost=Decimal(cost), documents=docs, appraised_value=appraised, actor=self.actor,
                reason="Final invoice and permit received",
            )  # fmt: skip

        seasoned = [lease for lease in active if lease.commencement and lease.commencement <= self.ago(7 * 365)]
        owner = self.rosa_plan.lease if self.rosa_plan is not None else seasoned[0]
        credited(
            owner, "Kitchen remodel: cabinets, counters and hardwood floor", 1150, "24600.00",
            "Contractor's invoice K-2291\nBuilding permit B-0412\nPhotos before and after",
            method=CreditMethod.PERCENT_OF_COST, credit_pct=Decimal("50"),
        )  # fmt: skip
        paint = asked(owner, "Repaint the exterior", 420, maintenance=True, estimated_cost=Decimal("4500.00"))
        resale_services.improvement_complete(
            improvement=paint, completed_on=day(owner, 400), cost=Decimal("4200.00"), documents="Painter's receipt",
            actor=self.actor, reason="Maintenance recorded",
        )  # fmt: skip
        solar, accessible = [lease for lease in seasoned if lease.pk != owner.pk][:2]
        credited(
            solar, "Solar panels, 6 kW on the south roof", 1700, "19800.00", "Installer's invoice\nElectrical permit",
            method=CreditMethod.DEPRECIATED_COST, useful_life_years=20,
        )  # fmt: skip
        credited(
            solar, "Finished basement bedroom with egress window", 900, "31000.00", "Contractor's invoice\nPermit",
            method=CreditMethod.APPRAISED_VALUE, appraised_value=Decimal("26000.00"),
        )  # fmt: skip
        credited(
            accessible, "Accessible bathroom: grab bars and a curbless shower", 600, "7900.00", "Invoice A-77",
            method=CreditMethod.FIXED_VALUE, fixed_value=Decimal("3500.00"),
        )  # fmt: skip
        resale_services.improvement_deny(
            improvement=asked(accessible, "Hot tub on the back deck", 300, estimated_cost=Decimal("9000.00")),
            actor=self.actor,
            reason="Not on the trust's list of work that adds lasting value: no credit would be given.",
        )
        asked(
            active[len(active) // 3], "Replace the back porch and add a mudroom (plans attached)", 5,
            estimated_cost=Decimal("18500.00"),
        )  # fmt: skip

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


def load_index_series(context: Any) -> None:
    """The real CPI-U and HUD income-limit series shipped in leases/data/ (re-running changes nothing)."""
    data = Path(__file__).resolve().parent / "data"
    reason = "demo data: published series"
    rows = indexes.read_periods((data / "cpi_u.csv").read_text(encoding="utf-8"))
    source = "BLS CPI-U, series CUUR0000SA0 (leases/data/cpi_u.md)"
    for code, name, part in (
        ("cpi-u", "CPI-U, U.S. city average, all items (1982-84=100)", [r for r in rows if len(r.period) == 7]),
        ("cpi-u-annual", "CPI-U, U.S. city average (annual averages)", [r for r in rows if len(r.period) == 4]),
    ):
        series, _ = IndexSeries.objects.get_or_create(
            code=code, defaults={"name": name, "kind": IndexKind.CPI, "source": source}
        )
        resale_services.index_values_import(series=series, rows=part, actor=context.actor, reason=reason)
    source = "HUD Section 8 Income Limits FY2015-FY2025 (leases/data/hud_ami.md)"
    for area in indexes.read_hud((data / "hud_ami.csv").read_text(encoding="utf-8")):
        for prefix, label, kind, part in (
            ("hud-mfi", "HUD median family income", IndexKind.MEDIAN_INCOME, area.median),
            ("hud-li80", "HUD 80% income limits", IndexKind.INCOME_LIMIT, area.limits),
        ):
            series, _ = IndexSeries.objects.get_or_create(
                code=f"{prefix}-{indexes.slug(area.area)}",
                defaults={"name": f"{label}, {area.area}", "kind": kind, "area": area.area, "source": source},
            )
            resale_services.index_values_import(series=series, rows=part, actor=context.actor, reason=reason)
    context.stdout.write(f"Index series: {IndexSeries.objects.count()}")


def load_demo(context: Any) -> None:
    load_index_series(context)
    if LeaseTemplate.objects.filter(name=CHT_NAME).exists():
        context.stdout.write(f"Leases: {GroundLease.objects.count()} (already loaded)")
        return
    if context.actor is None or not Unit.objects.exists():
        context.stdout.write("Leases: skipped (no demo users or homes)")
        return
    Demo(context).run()
