"""The synthetic trust portfolio the benchmarks run on: one builder for every script in bench/ (issue 13).

Building the portfolio is not what a benchmark measures, so the scripts share this module: lots on a
street grid, homes, owners and ground leases under the programs a script approves, then the parts it
needs filled:

- ``Portfolio.fee_schedules``, ``fee_charges`` and ``payments``: fee schedules and rates, the months'
  fees, and payments by household habit (on time, late, part, none; a few cheques bounce);
- ``Portfolio.resale_records``: subsidies, completed improvements, saved determinations;
- ``Portfolio.resales``: homes sold (the seller's lease superseded, ``sale_closed``, the buyer's lease and
  household), as the sale workflow leaves them.

``Portfolio`` bulk-inserts rows directly, inside one transaction (no services, no history rows): this
measures the product, not lease creation. ``lease_through_services`` records one home the way staff do
(parcel, unit, lease with its fee schedule and deadlines, executed), for the scripts that need what the
services leave. Every random figure comes from the portfolio's ``random.Random(seed)``, drawn in the
order the parts are called, so a script's seed and calls give the same rows on every run and backend.

Django must be set up before anything here is called (its imports are inside the functions).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

BATCH = 2000  # rows a bulk insert sends at once
ORIGIN_LON, ORIGIN_LAT = -73.2121, 44.4759  # Burlington, Vermont
LOT = 25.0  # metres between lot corners (20 m lots, 5 m gaps)
LOTS_PER_ROW = 200
M_PER_DEG_LAT = 111_132.954
M_PER_DEG_LON = 79_400.0  # at 44.5°N
AMI_CODE = "hud-mfi-burlington-south-burlington-vt-msa"
AFFORDABILITY_TERMS = {  # the demo's, after Met Council 2024
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
# HUD's family-size factors, to certify each buyer household against the median for its size.
SIZE_FACTORS = {1: "0.70", 2: "0.80", 3: "0.90", 4: "1.00", 5: "1.08", 6: "1.16"}


def cents(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), ROUND_HALF_UP)


def lot(n: int) -> dict[str, Any]:
    """The ``n``-th 20 m square lot on the grid: the shape fields a parcel stores, without the geodesic maths
    (``lot(n)["geometry"]`` is the GeoJSON polygon the parcel services take)."""
    x, y = (n % LOTS_PER_ROW) * LOT, (n // LOTS_PER_ROW) * LOT
    west, south = ORIGIN_LON + x / M_PER_DEG_LON, ORIGIN_LAT + y / M_PER_DEG_LAT
    east, north = west + 20 / M_PER_DEG_LON, south + 20 / M_PER_DEG_LAT
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "area_m2": Decimal("400.00"),
        "area_acres": Decimal("0.0988"),
        "centroid_lon": (west + east) / 2,
        "centroid_lat": (south + north) / 2,
        "bbox_min_lon": west,
        "bbox_min_lat": south,
        "bbox_max_lon": east,
        "bbox_max_lat": north,
    }


def mixed_bedrooms(n: int) -> int:
    """One to four bedrooms, in turn."""
    return 1 + n % 4


# ---------------------------------------------------------------------------------------------
# What the leases are under: index series, programs, lease terms, users
# ---------------------------------------------------------------------------------------------


class _Context:
    actor = None

    class stdout:  # load_index_series writes a line here
        @staticmethod
        def write(text: str) -> None:
            print(text, flush=True)


def load_index_series() -> None:
    """The real CPI-U and HUD series of ``leases/data``, loaded as ``load_demo`` does."""
    from leases.demo import load_index_series

    load_index_series(_Context())


def approved_programs(
    programs: dict[str, dict[str, Any]], *, approved_on: dt.date, effective_from: dt.date, **series: Any
) -> list[Any]:
    """Each program (name → resale parameters) approved through the services and named by the terms of one
    lease template, reading the index ``series`` given (``cpi_series``, ``ami_series``)."""
    from leases.lifecycle import services as lifecycle_services
    from leases.lifecycle.models import LeaseTemplate
    from leases.resale import services as resale_services

    terms = []
    for name, parameters in programs.items():
        version = resale_services.resale_policy_create(
            actor=None, reason="bench", name=name, parameters=parameters, **series
        )
        version = resale_services.resale_policy_version_approve(
            version=version,
            approved_on=approved_on,
            effective_from=effective_from,
            approval_reference="bench resolution",
            actor=None,
            reason="bench",
        )
        template = LeaseTemplate.objects.create(name=f"Lease for {name}")
        terms.append(
            lifecycle_services.template_version_create(
                template=template,
                actor=None,
                reason="bench",
                effective_from=effective_from,
                resale_policy_version=version,
            )
        )
    return terms


def late_fee_terms() -> list[Any]:
    """Three lease terms with the late-fee rules of the domain notes (§4.4): CHT-NC's 10 % after 30 days
    repeated every 30 days (and a 5 % yearly increase allowed), PCCLT's $5/$10/$15 from the 15th, a one-off
    flat fee."""
    from leases.lifecycle import services as lifecycle_services
    from leases.lifecycle.models import LateFeeKind, LeaseTemplate

    def version(name: str, **terms: Any) -> Any:
        template = LeaseTemplate.objects.create(name=name)
        return lifecycle_services.template_version_create(
            template=template, actor=None, reason="bench", effective_from=dt.date(2010, 1, 1), **terms
        )

    return [
        version(
            "CHT-NC model lease",
            grace_days=30,
            late_fee_kind=LateFeeKind.PERCENT,
            late_fee_percent=Decimal("10"),
            late_fee_repeat_percent=Decimal("10"),
            late_fee_repeat_days=30,
            max_increase_pct=Decimal("5"),
            max_increases_per_year=1,
        ),
        version(
            "PCCLT-style lease",
            grace_days=14,
            late_fee_kind=LateFeeKind.ESCALATING,
            late_fee_amount=Decimal("5.00"),
            late_fee_step=Decimal("5.00"),
            late_fee_repeat_days=30,
            late_fee_max_assessments=3,
        ),
        version(
            "Flat late fee lease",
            grace_days=15,
            late_fee_kind=LateFeeKind.FLAT,
            late_fee_amount=Decimal("15.00"),
            late_fee_max_assessments=1,
        ),
    ]


def staff_user(username: str = "bench-staff") -> Any:
    """A user in the staff group."""
    from django.contrib.auth.models import Group, User

    from clt import roles

    user = User.objects.create_user(username, email="bench@example.org")
    user.groups.add(Group.objects.get_or_create(name=roles.STAFF_GROUP)[0])
    return user


def lease_through_services(
    *, apn: str, address: str, geometry: dict[str, Any], people: list[Any], bedrooms: int | None = None, **lease: Any
) -> Any:
    """One home recorded the way staff do: the parcel, its unit, the lease (``lease``: its fields, the
    ``commencement`` among them; the services add its fee schedule and deadlines), executed on the day it
    begins."""
    from leases.lifecycle import services as lifecycle_services
    from properties import services as property_services

    parcel = property_services.parcel_create(actor=None, reason="bench", apn=apn, geometry=geometry)
    rooms = {} if bedrooms is None else {"bedrooms": bedrooms}
    unit = property_services.unit_create(actor=None, reason="bench", parcel=parcel, address=address, **rooms)
    created = lifecycle_services.lease_create(actor=None, reason="bench", unit=unit, leaseholders=people, **lease)
    lifecycle_services.lease_event_record(
        lease=created, kind="executed", actor=None, reason="bench", effective_on=lease["commencement"]
    )
    return created


# ---------------------------------------------------------------------------------------------
# The portfolio, bulk-inserted
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Habit:
    """How a household pays its fee: the households whose habit draw is below ``upto`` (and above the habit
    before) pay ``part`` of the fee ``days`` after it is due (a fixed number, or drawn from ``(first, last)``);
    the rest do not pay."""

    upto: float
    days: int | tuple[int, int]
    part: Decimal = Decimal(1)


@dataclass(frozen=True)
class FeeTerms:
    due_day: int
    rates: list[tuple[dt.date, Decimal]]  # (effective, amount), oldest first

    def fee_on(self, due: dt.date) -> Decimal:
        return [amount for effective, amount in self.rates if effective <= due][-1]


class Portfolio:
    """Bulk inserts, part by part, inside one transaction::

        with Portfolio(seed) as trust:
            units = trust.homes(count, apn_prefix="B", street="Bench St")
            leases = trust.leases(units, terms, lambda n: {"commencement": ...})
            trust.leaseholders(leases, trust.people(count))
            ...

    ``rng`` is the one source of random figures; a script may draw from it too (in its own order)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.fee_terms: dict[int, FeeTerms] = {}  # lease pk → its fee terms, for fee_charges and payments

    def __enter__(self) -> Portfolio:
        from django.db import transaction

        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        return self

    def __exit__(self, *exc: Any) -> Any:
        return self._atomic.__exit__(*exc)

    # --- Homes, owners, leases ----------------------------------------------------------------

    def homes(
        self, count: int, *, apn_prefix: str, street: str, bedrooms: Callable[[int], int] = lambda n: 3
    ) -> list[Any]:
        """``count`` lots, each with one home (unit): APN ``{apn_prefix}-000123``, address ``123 {street}``."""
        from properties.models import Parcel, Unit

        parcels = Parcel.objects.bulk_create(
            [Parcel(apn=f"{apn_prefix}-{n:06d}", address=f"{n} {street}", **lot(n)) for n in range(count)],
            batch_size=BATCH,
        )
        return Unit.objects.bulk_create(
            [Unit(parcel=p, address=p.address, bedrooms=bedrooms(n)) for n, p in enumerate(parcels)], batch_size=BATCH
        )

    def people(self, count: int) -> list[Any]:
        from clt.models import Person

        return Person.objects.bulk_create(
            [Person(given_name=f"Owner{n}", family_name="Bench") for n in range(count)], batch_size=BATCH
        )

    def leases(
        self,
        units: Sequence[Any],
        terms: Sequence[Any],
        dates: Callable[[int], dict[str, Any]],
        *,
        prices: tuple[int, int] = (140_000, 260_000),
        appraised: tuple[int, int] | None = None,
        appraised_before: int | tuple[int, int] = 30,
        land_share: Decimal | None = None,
    ) -> list[Any]:
        """A lease for each unit, under ``terms`` in turn. ``dates(n)`` gives the ``n``-th lease's
        ``commencement`` and whatever else depends on it (``status``, default active; ``ended_on``,
        ``transfer_state``); the term runs 99 years. Then, drawn for each lease in this order: the price paid
        (in ``prices``, whole 500s); with ``appraised`` (percent of the price, a range), the appraisal at
        purchase, dated ``appraised_before`` days before (fixed, or drawn from ``(first, last)``) and split
        into land (``land_share``) and improvements when given."""
        from clt.dates import add_years
        from leases.lifecycle.models import GroundLease

        rng = self.rng
        rows = []
        for n, unit in enumerate(units):
            fields: dict[str, Any] = {"status": "active", **dates(n)}
            bought = fields["commencement"]
            price = Decimal(rng.randrange(*prices, 500))
            if appraised is not None:
                value = cents(price * Decimal(rng.randrange(*appraised)) / 100)
                days = appraised_before if isinstance(appraised_before, int) else rng.randint(*appraised_before)
                fields.update(appraisal_date=bought - dt.timedelta(days=days), appraised_value=value)
                if land_share is not None:
                    land = cents(value * land_share)
                    fields.update(appraised_land_value=land, appraised_improvements_value=value - land)
            rows.append(
                GroundLease(
                    unit=unit,
                    parcel_id=unit.parcel_id,
                    template_version=terms[n % len(terms)],
                    term_end=add_years(bought, 99),
                    recording_instrument=f"{bought.year}-{n:06d}",
                    purchase_price=price,
                    **fields,
                )
            )
        return GroundLease.objects.bulk_create(rows, batch_size=BATCH)

    def leaseholders(self, leases: Sequence[Any], people: Sequence[Any]) -> None:
        """Each lease held by the person of the same rank."""
        from leases.lifecycle.models import Leaseholder

        Leaseholder.objects.bulk_create(
            [Leaseholder(lease=lease, person=person) for lease, person in zip(leases, people, strict=True)],
            batch_size=BATCH,
        )

    # --- Fees and payments ----------------------------------------------------------------------

    def fee_schedules(self, leases: Sequence[Any], *, amounts: Sequence[int], raised: float, raised_on: dt.date) -> int:
        """Each lease's fee schedule, with its terms' late-fee rules: a monthly fee drawn from ``amounts``
        from the commencement, raised 5 % on ``raised_on`` for the ``raised`` share of leases. The number of
        rates."""
        from leases.ledger.models import FeeRate, FeeSchedule

        schedules = FeeSchedule.objects.bulk_create(
            [
                FeeSchedule(lease=lease, **{f: getattr(lease.template_version, f) for f in FeeSchedule.LATE_FEE_FIELDS})
                for lease in leases
            ],
            batch_size=BATCH,
        )
        rows = []
        for schedule, lease in zip(schedules, leases, strict=True):
            amount = Decimal(self.rng.choice(amounts))
            series = [(lease.commencement, amount)]
            if self.rng.random() < raised:
                series.append((raised_on, cents(amount * Decimal("1.05"))))
            self.fee_terms[lease.pk] = FeeTerms(schedule.due_day, series)
            rows += [FeeRate(schedule=schedule, effective=e, amount=a, reason="bench") for e, a in series]
        FeeRate.objects.bulk_create(rows, batch_size=BATCH)
        return len(rows)

    def read_fee_terms(self, leases: Sequence[Any]) -> None:
        """The fee terms the services gave the leases (``lease_through_services``), for ``payments``."""
        from leases.ledger.models import FeeSchedule

        for schedule in FeeSchedule.objects.filter(lease__in=leases).prefetch_related("rates"):
            rates = sorted((rate.effective, rate.amount) for rate in schedule.rates.all())
            self.fee_terms[schedule.lease_id] = FeeTerms(schedule.due_day, rates)

    def fee_charges(self, leases: Sequence[Any], months: Sequence[dt.date]) -> int:
        """The monthly fee of each lease for each of ``months`` (first days), as ``bill_month`` makes them."""
        from leases.ledger import fees
        from leases.ledger.models import Charge, ChargeKind

        rows = []
        for lease in leases:
            terms = self.fee_terms[lease.pk]
            for first in months:
                due = fees.due_date(first.year, first.month, terms.due_day)
                rows.append(
                    Charge(
                        lease=lease,
                        kind=ChargeKind.FEE,
                        period=first,
                        due=due,
                        amount=terms.fee_on(due),
                        description="fee",
                    )
                )
        Charge.objects.bulk_create(rows, batch_size=BATCH)
        return len(rows)

    def payments(
        self,
        leases: Sequence[Any],
        months: Sequence[dt.date],
        habits: Sequence[Habit],
        *,
        steady: float = 1.0,
        bounced: float = 0.0,
    ) -> int:
        """Each lease's payments of its fee for ``months`` (first days). Each household draws a habit once;
        each month it keeps to it with probability ``steady`` (else draws again for that month); a payment
        bounces ten days later with probability ``bounced``. The number of payments."""
        from leases.ledger import fees
        from leases.ledger.models import Payment

        rng = self.rng
        rows = []
        for lease in leases:
            terms = self.fee_terms[lease.pk]
            habit = rng.random()
            for first in months:
                due = fees.due_date(first.year, first.month, terms.due_day)
                roll = habit if steady >= 1 or rng.random() < steady else rng.random()
                kept = next((h for h in habits if roll < h.upto), None)
                if kept is None:
                    continue
                day = due + dt.timedelta(days=kept.days if isinstance(kept.days, int) else rng.randint(*kept.days))
                back = day + dt.timedelta(days=10) if bounced and rng.random() < bounced else None
                rows.append(
                    Payment(
                        lease=lease,
                        received_on=day,
                        amount=cents(terms.fee_on(due) * kept.part),
                        reversed_on=back,
                        reversal_reason="returned cheque" if back else "",
                    )
                )
        Payment.objects.bulk_create(rows, batch_size=BATCH)
        return len(rows)

    # --- Resale records -----------------------------------------------------------------------------

    def resale_records(self, leases: Sequence[Any], as_of: dt.date) -> dict[str, int]:
        """What a valuation reads besides the lease: subsidies (60 % of leases; a fifth of those also a
        down-payment grant that leaves with the owner), a completed roof credited at 50 % of its cost (5 %),
        and a saved determination at intent to sell with the appraisal at resale it used (1 %)."""
        from leases.lifecycle.models import LeaseSubsidy
        from leases.resale.models import CapitalImprovement, ResaleCalculation

        rng = self.rng
        subsidies, improvements, calculations = [], [], []
        for lease in leases:
            if rng.random() < 0.6:
                subsidies.append(
                    LeaseSubsidy(lease=lease, source="HOME funds", amount=Decimal(rng.randrange(10000, 60000, 500)))
                )
                if rng.random() < 0.2:
                    subsidies.append(
                        LeaseSubsidy(
                            lease=lease, source="Down-payment grant", amount=Decimal(5000), stays_with_home=False
                        )
                    )
            if rng.random() < 0.05 and lease.commencement < as_of - dt.timedelta(days=120):
                improvements.append(
                    CapitalImprovement(
                        lease=lease,
                        description="New roof",
                        status="completed",
                        requested_on=lease.commencement + dt.timedelta(days=10),
                        approved_on=lease.commencement + dt.timedelta(days=20),
                        approval_reference="staff letter",
                        started_on=lease.commencement + dt.timedelta(days=30),
                        completed_on=lease.commencement + dt.timedelta(days=90),
                        cost=Decimal(rng.randrange(8000, 20000, 100)),
                        documents="invoice",
                        method="percent_of_cost",
                        credit_pct=Decimal("50"),
                    )
                )
            if rng.random() < 0.01 and lease.commencement < as_of - dt.timedelta(days=400):
                determined = as_of - dt.timedelta(days=rng.randint(10, 200))
                value = cents(lease.appraised_value * Decimal("1.2"))
                calculations.append(
                    ResaleCalculation(
                        lease=lease,
                        determination_date=determined,
                        policy={},
                        inputs={
                            "purchase_price": str(lease.purchase_price),
                            "purchase_date": lease.commencement.isoformat(),
                            "determination_date": determined.isoformat(),
                            "resale_appraisal": {"total": str(value), "effective_date": determined.isoformat()},
                        },
                        result={},
                        formula_price=lease.purchase_price,
                        price=lease.purchase_price,
                        reason="bench",
                    )
                )
        LeaseSubsidy.objects.bulk_create(subsidies, batch_size=BATCH)
        CapitalImprovement.objects.bulk_create(improvements, batch_size=BATCH)
        ResaleCalculation.objects.bulk_create(calculations, batch_size=BATCH)
        return {
            "subsidies": len(subsidies),
            "improvements": len(improvements),
            "saved determinations": len(calculations),
        }

    def resales(self, sold: Sequence[Any], buyers: Sequence[Any]) -> list[Any]:
        """The rows each sale leaves (``lifecycle_services._on_sale_closed``) for the ``sold`` leases (superseded, with
        ``ended_on`` the closing day): the ``sale_closed`` event naming the buyer (``buyers``, in turn), the
        buyer's lease (price grown 2 % a year simple; appraised at resale, 4 % a year compounded, but a tenth
        without an appraisal) and the certified household (a tenth without one), its income 40-85 % of the
        median for its size in the year of the sale. The buyers' leases."""
        from clt.dates import add_years
        from leases.demo import BURLINGTON_MFI
        from leases.lifecycle.models import GroundLease, Household, LeaseEvent

        rng = self.rng
        households, leases, events = [], [], []
        for n, seller in enumerate(sold):
            sale = seller.ended_on
            years = Decimal((sale - seller.commencement).days) / Decimal("365.25")
            resale_price = cents(seller.purchase_price * (1 + Decimal("0.02") * years))
            market = cents(seller.appraised_value * Decimal("1.04") ** int(years))
            size = rng.randint(1, 6)
            mfi = BURLINGTON_MFI.get(sale.year - (1 if sale.month < 4 else 0), 130400)
            ami = cents(Decimal(mfi) * Decimal(SIZE_FACTORS[size]))
            household = None
            if rng.random() >= 0.1:
                household = Household(
                    name=f"Buyer {n}",
                    size=size,
                    income_at_purchase=cents(ami * Decimal(rng.randrange(40, 85)) / 100),
                    area_median_income=ami,
                    ami_year=sale.year,
                )
                households.append(household)
            appraised_on = sale - dt.timedelta(days=40) if rng.random() >= 0.1 else None
            leases.append(
                GroundLease(
                    unit=seller.unit,
                    parcel_id=seller.parcel_id,
                    template_version=seller.template_version,
                    household=household,
                    predecessor=seller,
                    status="active",
                    commencement=sale,
                    term_end=add_years(sale, 99),
                    recording_instrument=f"{sale.year}-B{n:06d}",
                    purchase_price=resale_price,
                    appraisal_date=appraised_on,
                    appraised_value=market if appraised_on is not None else None,
                )
            )
            events.append(
                LeaseEvent(
                    lease=seller,
                    track="transfer",
                    kind="sale_closed",
                    from_state="under_contract",
                    to_state="sold",
                    effective_on=sale,
                    data={"buyers": [buyers[n].pk], "price": str(resale_price)},
                    reason="bench sale",
                )
            )
        Household.objects.bulk_create(households, batch_size=BATCH)
        for lease in leases:
            lease.household_id = lease.household.pk if lease.household else None
        leases = GroundLease.objects.bulk_create(leases, batch_size=BATCH)
        LeaseEvent.objects.bulk_create(events, batch_size=BATCH)
        return leases
