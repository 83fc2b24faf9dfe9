"""Benchmark of monthly billing: ``services.bill_month`` for 10,000 active leases with a few months behind them.

Run by hand or with ``make bench``; never collected by pytest. It creates a throwaway database (an
SQLite file in a temporary folder, or ``clt_bench_<pid>`` on PostgreSQL, as ``parcels.py`` does),
migrates it and bulk-inserts the portfolio directly with ``builder.py`` (parcels, homes, people, leases,
leaseholders, fee schedules, rates): this measures billing, not lease creation. The leases are split between
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

import builder  # noqa: E402
from parcels import on_throwaway_database  # noqa: E402
from rows import Row, report  # noqa: E402

from clt.dates import month_start  # noqa: E402

SEED = 20261127
TARGET_FIRST_S = 10.0


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
# The portfolio, bulk-inserted (bench/builder.py)
# ---------------------------------------------------------------------------------------------

# Habits, as arrears reports show them: most always pay on time, a few are always late, pay half, or stop
# paying; one month in ten a household does otherwise, and one payment in 200 bounces.
HABITS = (
    builder.Habit(0.85, (-5, 10)),
    builder.Habit(0.90, (35, 45)),
    builder.Habit(0.95, (0, 10), Decimal("0.5")),
)


def build_portfolio(count: int, history: list[dt.date], billed: dt.date) -> dict[str, int]:
    """``count`` active leases with ``history`` months of fees, and payments up to the ``billed`` month's."""
    terms = builder.late_fee_terms()
    with builder.Portfolio(SEED) as trust:
        units = trust.homes(count, apn_prefix="B", street="Bench St")
        people = trust.people(count)
        leases = trust.leases(
            units,
            terms,
            lambda n: {"commencement": dt.date(2012 + n % 12, 1 + n % 12, 1 + n % 28)},
            prices=(140_000, 240_000),
        )
        trust.leaseholders(leases, people)
        rates = trust.fee_schedules(leases, amounts=(30, 35, 40, 45, 50), raised=0.2, raised_on=history[0])
        charges = trust.fee_charges(leases, history)  # the billed month's fee is what the timed run creates
        payments = trust.payments(leases, [*history, billed], HABITS, steady=0.9, bounced=0.005)
    return {"leases": len(leases), "fee charges": charges, "payments": payments, "rates": rates}


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
    counts = build_portfolio(args.leases, history, target)
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
            ours=first_s,
            limit=TARGET_FIRST_S,
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
            ours=second_s,
            limit=first_s,
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
    backend, rows = on_throwaway_database(args, run)
    return report(rows, f"every target met ({backend}, {args.leases:,} leases, {args.history} months of history)")


if __name__ == "__main__":
    sys.exit(main())
