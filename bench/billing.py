"""Benchmark of monthly billing: ``ledger_services.bill_month`` for 10,000 active leases with a few months behind them.

Run by hand or with ``make bench``; never collected by pytest. It creates a throwaway database (an
SQLite file in a temporary folder, or ``clt_bench_<pid>`` on PostgreSQL, as ``parcels.py`` does),
migrates it and bulk-inserts the portfolio directly (parcels, homes, people, leases, leaseholders,
fee schedules, rates): this measures billing, not lease creation. The leases are split between
three late-fee rules (CHT-NC's 10 % after 30 days repeated every 30 days, PCCLT's $5/$10/$15 from the
15th, a one-off flat fee) and a fifth had a 5 % increase. ``--history`` months of lease fees and
payments come before the billed month, whose payments are in too (most owners pay on time, some
late, some part, some not at all, a few cheques bounce), and the month before is billed untimed
so its late fees are in place, as the previous month's run would have left them. Then it times:

- the month's run, ``bill_month(year, month)``: fees for every lease and the late fees due by the
  month's end, with its SQL query count and the share spent in the pure ``fees.late_fees_due``;
- the same run again, which must create nothing (idempotent) and should be faster.

    .venv/bin/python bench/billing.py [--leases 10000] [--history 3] [--database sqlite|postgres] [--profile]

``--profile`` also profiles one run (rolled back, before the timed one) with pyinstrument when it is
installed (``pip install pyinstrument``; not a dependency of the project), else cProfile.
Prints one table (measurement | value | target | ok?) and exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clt.settings_test")

from parcels import Row, _is_postgres_url, print_table, setup_django, throwaway_database  # noqa: E402

from clt.dates import month_start  # noqa: E402

SEED = 20261127
TARGET_FIRST_S = 10.0
BATCH = 2000
LOT = 25.0  # metres between parcel corners (20 m lots, 5 m gaps)
M_PER_DEG_LAT = 111_132.954
M_PER_DEG_LON = 79_400.0  # at 44.5°N
ORIGIN_LON, ORIGIN_LAT = -73.2121, 44.4759


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leases", type=int, default=10_000, help="active leases to generate (default 10,000)")
    parser.add_argument(
        "--history", type=int, default=3, help="months of fees and payments before the billed month (default 3)"
    )
    parser.add_argument(
        "--database",
        choices=("sqlite", "postgres"),
        default=None,
        help="backend of the throwaway database (default: the one DATABASE_URL names, else sqlite)",
    )
    parser.add_argument("--profile", action="store_true", help="profile one (rolled back) run and print the top")
    args = parser.parse_args(argv)
    if args.leases < 1 or args.history < 1:
        parser.error("--leases and --history must be at least 1")
    return args


# ---------------------------------------------------------------------------------------------
# The portfolio, bulk-inserted
# ---------------------------------------------------------------------------------------------


def _square(n: int) -> dict[str, Any]:
    """A 20 m square lot on a grid; the shape fields a parcel stores, without the geodesic maths."""
    per_row = 200
    x, y = (n % per_row) * LOT, (n // per_row) * LOT
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


def template_versions() -> list[Any]:
    """Three lease terms with the late-fee rules of the domain notes (§4.4)."""
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


def build_portfolio(count: int, history: list[dt.date], billed: dt.date, rng: random.Random) -> dict[str, int]:
    """``count`` active leases with ``history`` months of fees, and payments up to the ``billed`` month's."""
    from django.db import transaction

    from clt.models import Person
    from leases.ledger import fees
    from leases.ledger.models import Charge, ChargeKind, FeeRate, FeeSchedule, Payment
    from leases.lifecycle.models import GroundLease, Leaseholder
    from properties.models import Parcel, Unit

    versions = template_versions()
    with transaction.atomic():
        parcels = Parcel.objects.bulk_create(
            [Parcel(apn=f"B-{n:06d}", address=f"{n} Bench St", **_square(n)) for n in range(count)], batch_size=BATCH
        )
        units = Unit.objects.bulk_create(
            [Unit(parcel=p, address=p.address, bedrooms=3) for p in parcels], batch_size=BATCH
        )
        people = Person.objects.bulk_create(
            [Person(given_name=f"Owner{n}", family_name="Bench") for n in range(count)], batch_size=BATCH
        )
        leases = []
        for n, unit in enumerate(units):
            commencement = dt.date(2012 + n % 12, 1 + n % 12, 1 + n % 28)
            leases.append(
                GroundLease(
                    unit=unit,
                    parcel_id=unit.parcel_id,
                    template_version=versions[n % len(versions)],
                    status="active",
                    commencement=commencement,
                    term_end=commencement.replace(year=commencement.year + 99),
                    recording_instrument=f"{commencement.year}-{n:06d}",
                    purchase_price=Decimal(rng.randrange(140000, 240000, 500)),
                )
            )
        leases = GroundLease.objects.bulk_create(leases, batch_size=BATCH)
        Leaseholder.objects.bulk_create(
            [Leaseholder(lease=lease, person=person) for lease, person in zip(leases, people, strict=True)],
            batch_size=BATCH,
        )
        schedules = FeeSchedule.objects.bulk_create(
            [
                FeeSchedule(lease=lease, **{f: getattr(lease.template_version, f) for f in FeeSchedule.LATE_FEE_FIELDS})
                for lease in leases
            ],
            batch_size=BATCH,
        )
        rates: dict[int, list[tuple[dt.date, Decimal]]] = {}
        rate_rows = []
        for schedule, lease in zip(schedules, leases, strict=True):
            amount = Decimal(rng.choice([30, 35, 40, 45, 50]))
            series = [(lease.commencement, amount)]
            if rng.random() < 0.2:  # raised 5 % at the start of the history
                series.append((history[0], (amount * Decimal("1.05")).quantize(Decimal("0.01"), ROUND_HALF_UP)))
            rates[lease.pk] = series
            rate_rows += [FeeRate(schedule=schedule, effective=e, amount=a, reason="bench") for e, a in series]
        FeeRate.objects.bulk_create(rate_rows, batch_size=BATCH)

        charges, payments = [], []
        for lease in leases:
            due_day = lease.template_version.due_day
            # Habits, as arrears reports show them: most always pay on time, a few are always late,
            # pay part, or stop paying.
            habit = rng.random()
            for first in [*history, billed]:
                due = fees.due_date(first.year, first.month, due_day)
                amount = [a for e, a in rates[lease.pk] if e <= due][-1]
                if first != billed:  # the billed month's fee is what the timed run creates
                    charges.append(
                        Charge(
                            lease=lease, kind=ChargeKind.FEE, period=first, due=due, amount=amount, description="fee"
                        )
                    )
                roll = habit if rng.random() < 0.9 else rng.random()
                if roll < 0.85:
                    day, paid = due + dt.timedelta(days=rng.randint(-5, 10)), amount
                elif roll < 0.90:
                    day, paid = due + dt.timedelta(days=rng.randint(35, 45)), amount
                elif roll < 0.95:
                    day, paid = due + dt.timedelta(days=rng.randint(0, 10)), amount / 2
                else:
                    continue
                bounced = day + dt.timedelta(days=10) if rng.random() < 0.005 else None
                payments.append(
                    Payment(
                        lease=lease,
                        received_on=day,
                        amount=paid.quantize(Decimal("0.01"), ROUND_HALF_UP),
                        reversed_on=bounced,
                        reversal_reason="returned cheque" if bounced else "",
                    )
                )
        Charge.objects.bulk_create(charges, batch_size=BATCH)
        Payment.objects.bulk_create(payments, batch_size=BATCH)
    return {"leases": len(leases), "fee charges": len(charges), "payments": len(payments), "rates": len(rate_rows)}


# ---------------------------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------------------------


@contextmanager
def counting_queries() -> Iterator[list[int]]:
    """Count SQL statements without keeping their text (connection.queries would hold every batch)."""
    from django.db import connection

    count = [0]

    def counter(execute: Callable, sql: str, params: Any, many: bool, context: dict) -> Any:
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        yield count


@contextmanager
def timing_late_fees() -> Iterator[list[float]]:
    """Seconds spent inside the pure ``fees.late_fees_due`` (services call it through the module)."""
    from leases.ledger import fees

    spent = [0.0]
    original = fees.late_fees_due

    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - start

    fees.late_fees_due = timed
    try:
        yield spent
    finally:
        fees.late_fees_due = original


def timed_run(month: dt.date) -> tuple[Any, float, float, int, float]:
    """The report, wall and CPU seconds, SQL statements, seconds in ``fees.late_fees_due``."""
    from leases.ledger.services import bill_month

    with counting_queries() as queries, timing_late_fees() as pure:
        start, cpu = time.perf_counter(), time.process_time()
        report = bill_month(year=month.year, month=month.month)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    return report, elapsed, cpu, queries[0], pure[0]


def profile_run(month: dt.date) -> None:
    """Profile one run and roll it back, so the timed run that follows starts from the same state."""
    from django.db import transaction

    from leases.ledger.services import bill_month

    try:
        from pyinstrument import Profiler
    except ImportError:
        Profiler = None
    with transaction.atomic():
        if Profiler is not None:
            profiler = Profiler()
            profiler.start()
            bill_month(year=month.year, month=month.month)
            profiler.stop()
            print(profiler.output_text(unicode=True, color=False, show_all=False))
        else:
            import cProfile
            import pstats

            profile = cProfile.Profile()
            profile.runcall(bill_month, year=month.year, month=month.month)
            pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
        transaction.set_rollback(True)


def run(args: argparse.Namespace, where: str) -> list[Row]:
    from django.db import connection
    from django.utils import timezone

    from leases.ledger.models import Charge, ChargeKind
    from leases.ledger.services import bill_month

    rows: list[Row] = []
    add = rows.append
    print(f"database: {where} ({connection.vendor})", flush=True)
    target = month_start(timezone.localdate(), -1)  # last month: billed in full, late fees to its last day
    history = [month_start(target, -k) for k in range(args.history, 0, -1)]

    start = time.perf_counter()
    counts = build_portfolio(args.leases, history, target, random.Random(SEED))
    built = time.perf_counter() - start
    print(f"portfolio built in {built:.1f} s: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()), flush=True)
    add(Row(f"portfolio: {counts['leases']:,} active leases, bulk-inserted", f"{built:.1f} s"))
    add(
        Row(
            f"  history: {args.history} months from {history[0]:%Y-%m}, and the billed month's payments",
            f"{counts['fee charges']:,} fees, {counts['payments']:,} payments",
        )
    )

    start = time.perf_counter()
    previous = bill_month(year=history[-1].year, month=history[-1].month)
    add(
        Row(
            f"previous month {history[-1]:%Y-%m} (untimed set-up: the history's late fees)",
            f"{time.perf_counter() - start:.2f} s, {previous.late_fees_created:,} late fees",
        )
    )
    if args.profile:
        profile_run(target)

    charges_before = Charge.objects.count()
    report, first_s, first_cpu, first_queries, first_pure = timed_run(target)
    print(f"first run: {first_s:.2f} s", flush=True)
    add(
        Row(
            f"bill_month {target:%Y-%m}, first run",
            f"{first_s:.2f} s",
            f"< {TARGET_FIRST_S:g} s",
            first_s < TARGET_FIRST_S,
        )
    )
    add(
        Row(
            "  created: fees / late fees / total billed",
            f"{report.fees_created:,} / {report.late_fees_created:,} / {report.total_billed:,}",
            f"{args.leases:,} fees",
            report.fees_created == args.leases,
        )
    )
    add(Row("  CPU time of the process (wall time waits for the disk and other processes)", f"{first_cpu:.2f} s"))
    add(Row("  of which in fees.late_fees_due (pure Python)", f"{first_pure:.2f} s"))
    add(Row("  SQL queries", f"{first_queries}"))
    add(Row("  ledger rows read (charges before the run)", f"{charges_before:,}"))

    again, second_s, second_cpu, second_queries, second_pure = timed_run(target)
    created = again.fees_created + again.late_fees_created
    add(
        Row(
            f"bill_month {target:%Y-%m}, second run (idempotent)",
            f"{second_s:.2f} s",
            f"< first ({first_s:.2f} s)",
            second_s < first_s,
        )
    )
    add(Row("  created", f"{created}", "0", created == 0))
    add(Row("  CPU time", f"{second_cpu:.2f} s"))
    add(Row("  of which in fees.late_fees_due / SQL queries", f"{second_pure:.2f} s / {second_queries}"))
    fees_now = Charge.objects.filter(kind=ChargeKind.FEE, period=target).count()
    add(
        Row("  fee charges for the month after both runs", f"{fees_now:,}", f"{args.leases:,}", fees_now == args.leases)
    )
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
    print(f"\nevery target met ({backend}, {args.leases:,} leases, {args.history} months of history)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
