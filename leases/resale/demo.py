"""The resale side of the demo: the trust's resale policies, homes resold, capital improvements.

A mixin of ``leases.demo.Demo``: it reads the run's state (``self.today``, ``self.rng``, ``self.actor``,
``self.plans``…) and the helpers the demo defines.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from leases.lifecycle import services as lifecycle_services
from leases.lifecycle.demo import LeasePlan, demo_money, round_to
from leases.lifecycle.models import (
    GroundLease,
)
from leases.lifecycle.rules import EventKind
from leases.resale import indexes
from leases.resale import services as resale_services
from leases.resale.models import CreditMethod, IndexKind, IndexSeries
from properties.models import Unit, UnitKind

# The affordability cap's assumptions, after Met Council 2024 with the trust's own lease fee (the demo's
# programs; the benchmarks and tests size their portfolios with the same).
AFFORDABILITY_TERMS = {
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


class ResaleDemo:
    def policies(self) -> dict[str, Any]:
        """The three resale programs, approved, reading the Burlington AMI and the national CPI-U."""
        ami = IndexSeries.objects.filter(code="hud-mfi-burlington-south-burlington-vt-msa").first()
        cpi = IndexSeries.objects.filter(code="cpi-u").first()
        terms = AFFORDABILITY_TERMS
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
        market = demo_money(round_to(lease.appraised_value * growth**years, 1000))
        land = demo_money(round_to(market * lease.appraised_land_value / lease.appraised_value, 100))
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


def load_index_series(context: Any) -> None:
    """The real CPI-U and HUD income-limit series shipped in leases/data/ (re-running changes nothing)."""
    data = Path(__file__).resolve().parents[1] / "data"  # leases/data
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
