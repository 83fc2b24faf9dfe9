"""Benchmark of the funder impact report over 10,000 leases, about 2,000 of them resold (issue 4 §7, §9).

Run by hand or with ``make bench``; never collected by pytest. It creates a throwaway database (an
SQLite file in a temporary folder, or ``clt_bench_<pid>`` on PostgreSQL, as ``parcels.py`` does),
migrates it, loads the real HUD series of ``leases/data`` as ``load_demo`` does, approves three programs
through the services and bulk-inserts the rows a sale leaves (``services._on_sale_closed``) directly: for
each of ``--leases`` homes a lease, and for a fifth of them (``--resold``) the seller's lease superseded at
the closing, its ``sale_closed`` event and the buyer's lease (``predecessor``, price, appraisal at resale,
household). Some facts are missing on purpose, as in real files: a tenth of the buyers' leases have no
appraisal, a tenth no household, and purchases before April 2015 no AMI value. This measures the report,
not lease creation. Then it times, for the sales closed from 2016 to 2025:

- ``reports.build_impact_report`` (the gatherer and ``leases.impact``), with its SQL query count, and the
  pure ``impact.report`` alone over the same facts;
- the staff page ``/leases/reports/impact/``, the CSV of resales and the CSV of programs, and
  ``GET /api/v1/reports/impact/``, through Django's test client as a staff user.

    .venv/bin/python bench/impact.py [--leases 10000] [--resold 0.2] [--repeat 3] [--database sqlite|postgres]

Prints one table (measurement | value | target | ok?) and exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clt.settings_test")

from billing import _square  # noqa: E402
from parcels import Row, _is_postgres_url, print_table, setup_django, throwaway_database  # noqa: E402
from portfolio import _cents, approved_programs  # noqa: E402

SEED = 20261128
BATCH = 2000
AMI_CODE = "hud-mfi-burlington-south-burlington-vt-msa"
START, END = dt.date(2016, 1, 1), dt.date(2025, 12, 31)
TARGET_BUILD_S = 3.0
TARGET_PAGE_S = 6.0
TARGET_CSV_S = 4.0
PROGRAMS = {
    "Fixed 1.5 % simple": {"formula": {"family": "fixed_rate_simple", "rate": "0.015", "period": "completed_years"}},
    "Fixed 2 % compounding": {"formula": {"family": "fixed_rate_compound", "rate": "0.02"}},
    "Area median income indexed": {"formula": {"family": "ami_indexed"}, "floor": "purchase_price"},
}
# HUD's family-size factors, to certify each buyer household against the median for its size.
SIZE_FACTORS = {1: "0.70", 2: "0.80", 3: "0.90", 4: "1.00", 5: "1.08", 6: "1.16"}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leases", type=int, default=10_000, help="homes, one lease each (default 10,000)")
    parser.add_argument("--resold", type=float, default=0.2, help="share of them resold (default 0.2)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each measurement, median kept (3)")
    parser.add_argument(
        "--database",
        choices=("sqlite", "postgres"),
        default=None,
        help="backend of the throwaway database (default: the one DATABASE_URL names, else sqlite)",
    )
    args = parser.parse_args(argv)
    if args.leases < 1 or args.repeat < 1 or not 0 < args.resold <= 1:
        parser.error("--leases and --repeat must be at least 1, --resold in (0, 1]")
    return args


# ---------------------------------------------------------------------------------------------
# The portfolio, bulk-inserted
# ---------------------------------------------------------------------------------------------


class _Context:
    actor = None

    class stdout:  # load_index_series writes a line here
        @staticmethod
        def write(text: str) -> None:
            print(text, flush=True)


def programs() -> list[Any]:
    """The three programs approved and reading HUD's Burlington median, each named by one lease template."""
    from leases.resale.models import IndexSeries

    ami = IndexSeries.objects.get(code=AMI_CODE)
    since = {"approved_on": dt.date(2009, 6, 1), "effective_from": dt.date(2009, 7, 1)}
    return approved_programs(PROGRAMS, ami_series=ami, **since)


def build_portfolio(homes: int, share: float, rng: random.Random) -> dict[str, int]:
    """``homes`` homes with a lease each; ``share`` of them resold between 2016 and 2025 (seller's lease,
    ``sale_closed`` event, buyer's lease and household), as the sale workflow leaves them."""
    from django.db import transaction

    from clt.models import Person
    from leases.demo import BURLINGTON_MFI
    from leases.lifecycle.models import GroundLease, Household, LeaseEvent, Leaseholder
    from leases.lifecycle.rules import add_years
    from properties.models import Parcel, Unit

    terms = programs()
    resold = int(homes * share)
    with transaction.atomic():
        parcels = Parcel.objects.bulk_create(
            [Parcel(apn=f"I-{n:06d}", address=f"{n} Impact St", **_square(n)) for n in range(homes)],
            batch_size=BATCH,
        )
        units = Unit.objects.bulk_create(
            [Unit(parcel=p, address=p.address, bedrooms=1 + n % 4) for n, p in enumerate(parcels)], batch_size=BATCH
        )
        people = Person.objects.bulk_create(
            [Person(given_name=f"Owner{n}", family_name="Bench") for n in range(homes + resold)], batch_size=BATCH
        )
        firsts, sales = [], []
        for n, unit in enumerate(units):
            is_sold = n < resold
            if is_sold:
                sale = START + dt.timedelta(days=rng.randrange((END - START).days))
                bought = sale - dt.timedelta(days=rng.randrange(400, 3650))
            else:
                sale, bought = None, dt.date(2012, 1, 1) + dt.timedelta(days=rng.randrange(4500))
            price = Decimal(rng.randrange(140000, 260000, 500))
            appraised = _cents(price * Decimal(rng.randrange(130, 160)) / 100)
            firsts.append(
                GroundLease(
                    unit=unit,
                    parcel_id=unit.parcel_id,
                    template_version=terms[n % len(terms)],
                    status="superseded" if is_sold else "active",
                    transfer_state="sold" if is_sold else "none",
                    commencement=bought,
                    term_end=add_years(bought, 99),
                    ended_on=sale,
                    recording_instrument=f"{bought.year}-{n:06d}",
                    purchase_price=price,
                    appraisal_date=bought - dt.timedelta(days=30),
                    appraised_value=appraised,
                )
            )
            if is_sold:
                sales.append((n, sale, price, appraised))
        firsts = GroundLease.objects.bulk_create(firsts, batch_size=BATCH)

        households, buyers, events = [], [], []
        for n, sale, price, appraised in sales:
            seller = firsts[n]
            years = Decimal((sale - seller.commencement).days) / Decimal("365.25")
            resale_price = _cents(price * (1 + Decimal("0.02") * years))
            market = _cents(appraised * Decimal("1.04") ** int(years))
            size = rng.randint(1, 6)
            mfi = BURLINGTON_MFI.get(sale.year - (1 if sale.month < 4 else 0), 130400)
            ami = _cents(Decimal(mfi) * Decimal(SIZE_FACTORS[size]))
            household = None
            if rng.random() >= 0.1:
                household = Household(
                    name=f"Buyer {n}",
                    size=size,
                    income_at_purchase=_cents(ami * Decimal(rng.randrange(40, 85)) / 100),
                    area_median_income=ami,
                    ami_year=sale.year,
                )
                households.append(household)
            buyers.append(
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
                    appraisal_date=sale - dt.timedelta(days=40) if rng.random() >= 0.1 else None,
                    appraised_value=None,
                )
            )
            if buyers[-1].appraisal_date is not None:
                buyers[-1].appraised_value = market
            events.append(
                LeaseEvent(
                    lease=seller,
                    track="transfer",
                    kind="sale_closed",
                    from_state="under_contract",
                    to_state="sold",
                    effective_on=sale,
                    data={"buyers": [people[homes + len(events)].pk], "price": str(resale_price)},
                    reason="bench sale",
                )
            )
        Household.objects.bulk_create(households, batch_size=BATCH)
        for buyer in buyers:
            buyer.household_id = buyer.household.pk if buyer.household else None
        buyers = GroundLease.objects.bulk_create(buyers, batch_size=BATCH)
        LeaseEvent.objects.bulk_create(events, batch_size=BATCH)
        Leaseholder.objects.bulk_create(
            [Leaseholder(lease=lease, person=person) for lease, person in zip(firsts + buyers, people, strict=True)],
            batch_size=BATCH,
        )
    return {"homes": homes, "lease rows": len(firsts) + len(buyers), "resales": len(events)}


# ---------------------------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------------------------


@contextmanager
def counting_queries() -> Iterator[list[int]]:
    from django.db import connection

    count = [0]

    def counter(execute: Callable, sql: str, params: Any, many: bool, context: dict) -> Any:
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        yield count


def timed(function: Callable[[], Any], repeat: int) -> tuple[Any, float, int, float]:
    """The result, the median of ``repeat`` wall times in seconds, the SQL queries of the first (untimed) run,
    and the median CPU time of the process (steadier than wall time on a machine other work shares)."""
    with counting_queries() as queries:
        result = function()
    times, cpu = [], []
    for _ in range(repeat):
        start, started_cpu = time.perf_counter(), time.process_time()
        result = function()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - started_cpu)
    return result, statistics.median(times), queries[0], statistics.median(cpu)


def staff() -> Any:
    from django.contrib.auth.models import Group, User

    from clt import roles

    user = User.objects.create_user("bench-staff", email="bench@example.org")
    user.groups.add(Group.objects.get_or_create(name=roles.STAFF_GROUP)[0])
    return user


def fetch(client: Any, url: str) -> bytes:
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"GET {url} answered {response.status_code}")
    return b"".join(response.streaming_content) if response.streaming else response.content


def run(args: argparse.Namespace, where: str) -> list[Row]:
    from django.db import connection
    from django.test import Client
    from rest_framework.test import APIClient

    from leases.demo import load_index_series
    from leases.resale import impact, reports

    rows: list[Row] = []
    add = rows.append
    print(f"database: {where} ({connection.vendor})", flush=True)
    load_index_series(_Context)
    start = time.perf_counter()
    counts = build_portfolio(args.leases, args.resold, random.Random(SEED))
    built = time.perf_counter() - start
    print(f"portfolio built in {built:.1f} s: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()), flush=True)
    add(Row(f"portfolio: {counts['homes']:,} homes, {counts['lease rows']:,} leases, bulk-inserted", f"{built:.1f} s"))

    user = staff()
    found, build_s, build_queries, build_cpu = timed(
        lambda: reports.build_impact_report(user=user, start=START, end=END), args.repeat
    )
    add(
        Row(
            f"build_impact_report {START}..{END}: {found.resale_count:,} resales, {len(found.programs)} programs",
            f"{build_s:.2f} s",
            f"< {TARGET_BUILD_S:g} s",
            build_s < TARGET_BUILD_S,
        )
    )
    add(
        Row(
            "  CPU time / SQL queries (fixed: roles, the events joined, one per AMI series)",
            f"{build_cpu:.2f} s / {build_queries}",
        )
    )
    facts = [r.facts for p in found.programs for r in p.resales]
    _programs, pure_s, _q, _cpu = timed(lambda: impact.report(facts, found.assumptions), args.repeat)
    add(Row("  of which the pure leases.impact.report over the same facts", f"{pure_s:.2f} s"))
    left = sum(s.left_out for p in found.programs for s in p.summaries)
    add(Row("  figures left out for a missing fact (all resales × figures)", f"{left:,}"))

    client = Client()
    client.force_login(user)
    base = f"/leases/reports/impact/?start={START}&end={END}"
    for label, url, target in (
        ("page /leases/reports/impact/", base, TARGET_PAGE_S),
        ("CSV, one row per resale", base + "&format=csv", TARGET_CSV_S),
        ("CSV, one row per program", base + "&format=csv&level=program", TARGET_CSV_S),
    ):
        body, seconds, queries, cpu = timed(lambda url=url: fetch(client, url), args.repeat)
        add(
            Row(
                f"{label} ({len(body) / 1e6:.2f} MB, {queries} queries)",
                f"{seconds:.2f} s",
                f"< {target:g} s",
                seconds < target,
            )
        )
        add(Row("  CPU time", f"{cpu:.2f} s"))
    api = APIClient()
    api.force_authenticate(user)
    body, seconds, queries, cpu = timed(
        lambda: fetch(api, f"/api/v1/reports/impact/?start={START}&end={END}"), args.repeat
    )
    add(Row(f"GET /api/v1/reports/impact/ ({len(body) / 1e6:.2f} MB JSON, {queries} queries)", f"{seconds:.2f} s"))
    add(Row("  CPU time", f"{cpu:.2f} s"))
    return rows


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    backend = args.database or ("postgres" if _is_postgres_url(os.environ.get("DATABASE_URL", "")) else "sqlite")
    with throwaway_database(backend) as where:
        setup_django()
        rows = run(args, where)
    print_table(rows)
    missed = [r.name.strip() for r in rows if r.ok is False]
    if missed:
        print(f"\n{len(missed)} target(s) missed: " + "; ".join(missed))
        return 1
    print(f"\nevery target met ({backend}, {args.leases:,} homes, {args.resold:.0%} resold)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
