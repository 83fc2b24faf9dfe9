"""Benchmark of the funder impact report over 10,000 leases, about 2,000 of them resold (issue 4 §7, §9).

Run by hand or with ``make bench``; never collected by pytest. It creates a throwaway database (an
SQLite file in a temporary folder, or ``clt_bench_<pid>`` on PostgreSQL, as ``parcels.py`` does),
migrates it, loads the real HUD series of ``leases/data`` as ``load_demo`` does, approves three programs
through the services and bulk-inserts the rows a sale leaves (``services._on_sale_closed``) directly with
``builder.py``: for each of ``--leases`` homes a lease, and for a fifth of them (``--resold``) the seller's
lease superseded at the closing, its ``sale_closed`` event and the buyer's lease (``predecessor``, price,
appraisal at resale, household). Some facts are missing on purpose, as in real files: a tenth of the buyers'
leases have no appraisal, a tenth no household, and purchases before April 2015 no AMI value. This measures
the report, not lease creation. Then it times, for the sales closed from 2016 to 2025:

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
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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

SEED = 20261128
START, END = dt.date(2016, 1, 1), dt.date(2025, 12, 31)
TARGET_BUILD_S = 3.0
TARGET_PAGE_S = 6.0
TARGET_CSV_S = 4.0
PROGRAMS = {
    "Fixed 1.5 % simple": {"formula": {"family": "fixed_rate_simple", "rate": "0.015", "period": "completed_years"}},
    "Fixed 2 % compounding": {"formula": {"family": "fixed_rate_compound", "rate": "0.02"}},
    "Area median income indexed": {"formula": {"family": "ami_indexed"}, "floor": "purchase_price"},
}


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
# The portfolio, bulk-inserted (bench/builder.py)
# ---------------------------------------------------------------------------------------------


def programs() -> list[Any]:
    """The three programs approved and reading HUD's Burlington median, each named by one lease template."""
    from leases.resale.models import IndexSeries

    ami = IndexSeries.objects.get(code=builder.AMI_CODE)
    since = {"approved_on": dt.date(2009, 6, 1), "effective_from": dt.date(2009, 7, 1)}
    return builder.approved_programs(PROGRAMS, ami_series=ami, **since)


def build_portfolio(homes: int, share: float) -> dict[str, int]:
    """``homes`` homes with a lease each; ``share`` of them resold between 2016 and 2025 (seller's lease,
    ``sale_closed`` event, buyer's lease and household), as the sale workflow leaves them."""
    terms = programs()
    resold = int(homes * share)
    with builder.Portfolio(SEED) as trust:
        rng = trust.rng

        def dates(n: int) -> dict[str, Any]:
            if n < resold:  # bought 400 days to 10 years before a sale between START and END
                sale = START + dt.timedelta(days=rng.randrange((END - START).days))
                bought = sale - dt.timedelta(days=rng.randrange(400, 3650))
                return {"commencement": bought, "ended_on": sale, "status": "superseded", "transfer_state": "sold"}
            return {"commencement": dt.date(2012, 1, 1) + dt.timedelta(days=rng.randrange(4500))}

        units = trust.homes(homes, apn_prefix="I", street="Impact St", bedrooms=builder.mixed_bedrooms)
        people = trust.people(homes + resold)
        firsts = trust.leases(units, terms, dates, appraised=(130, 160))
        buyers = trust.resales(firsts[:resold], people[homes:])
        trust.leaseholders(firsts + buyers, people)
    return {"homes": homes, "lease rows": len(firsts) + len(buyers), "resales": len(buyers)}


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


def fetch(client: Any, url: str) -> bytes:
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"GET {url} answered {response.status_code}")
    return b"".join(response.streaming_content) if response.streaming else response.content


def run(args: argparse.Namespace, where: str) -> list[Row]:
    from django.db import connection
    from django.test import Client
    from rest_framework.test import APIClient

    from leases.resale import impact, reports

    rows: list[Row] = []
    add = rows.append
    print(f"database: {where} ({connection.vendor})", flush=True)
    builder.load_index_series()
    start = time.perf_counter()
    counts = build_portfolio(args.leases, args.resold)
    built = time.perf_counter() - start
    print(f"portfolio built in {built:.1f} s: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()), flush=True)
    add(Row(f"portfolio: {counts['homes']:,} homes, {counts['lease rows']:,} leases, bulk-inserted", f"{built:.1f} s"))

    user = builder.staff_user()
    found, build_s, build_queries, build_cpu = timed(
        lambda: reports.build_impact_report(user=user, start=START, end=END), args.repeat
    )
    add(
        Row(
            f"build_impact_report {START}..{END}: {found.resale_count:,} resales, {len(found.programs)} programs",
            f"{build_s:.2f} s",
            f"< {TARGET_BUILD_S:g} s",
            build_s < TARGET_BUILD_S,
            ours=build_s,
            limit=TARGET_BUILD_S,
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
                ours=seconds,
                limit=target,
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
    backend, rows = on_throwaway_database(args, run)
    return report(rows, f"every target met ({backend}, {args.leases:,} homes, {args.resold:.0%} resold)")


if __name__ == "__main__":
    sys.exit(main())
