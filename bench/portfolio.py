"""Benchmark of the resale portfolio: every lease in force valued on a date, 50,000 leases (issue 15 §4).

Run by hand or with ``make bench``; never collected by pytest. It creates a throwaway database (an
SQLite file in a temporary folder, or ``clt_bench_<pid>`` on PostgreSQL, as ``parcels.py`` does),
migrates it, loads the real CPI-U and HUD series of ``leases/data`` as ``load_demo`` does, approves
five programs through the services and bulk-inserts the leases directly with ``builder.py`` (parcels,
homes, people, leases, leaseholders, subsidies, completed improvements, saved determinations with an
appraisal at resale): this measures valuation, not lease creation. The programs, in equal shares:

- fixed 1.5 % simple with credits, capped at what 80 % of AMI affords (the §2.9 solver for every lease);
- fixed 2 % compounding with the appraisal cap (left for the sale, and said so);
- AMI-indexed (HUD median family income, Burlington-South Burlington) with a floor at the price paid;
- CPI-indexed (BLS CPI-U);
- shared appreciation, which cannot be estimated without an appraisal at sale (every row says why).

Besides the ``--leases`` in force, 2 % more have ended and 1 % are drafts (both left out). Then it times
each measurement ``--repeat`` times and reports the median, with the process's CPU time and the SQL
query count beside the wall time, as ``bench/table.py`` rows (ratio = limit / ours, target 1):

- ``manage.py resale_portfolio --as-of DATE --output FILE``: first the first export for the date, which
  values every lease and keeps each valuation (``leases/resale/kept.py``; context), then as a trust
  works, one lease changed (its purchase price corrected) before each export, so each values that lease
  and reads the others' kept valuations (limit 3 s); and once in a new process, where Python and Django
  start-up come on top (context);
- the service ``portfolio.resale_portfolio`` alone, and the CSV writing alone (context);
- ``GET /api/v1/resale/portfolio/?as_of=DATE&format=csv`` as a staff user, one lease changed before each
  (limit 3 s);
- the first JSON page of 50 rows and the HTML page ``/leases/portfolio/?as_of=DATE`` (limit 200 ms each):
  each reads its 50 rows' kept valuations and the sums of every program kept for the date and the
  inputs' stamp; the first page after a lease changed values it and sums every lease again, and the first
  page after an index value changed values every lease (context rows).

    .venv/bin/python bench/portfolio.py [--leases 50000] [--as-of 2026-03-31] [--repeat 3]
                                        [--database sqlite|postgres] [--profile]

``--profile`` prints cProfile's top functions of one service run. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clt.settings_test")

import builder  # noqa: E402
from parcels import on_throwaway_database, staff_client  # noqa: E402
from table import Measure, ratio, record, seconds  # noqa: E402

SEED = 20261128
TARGET_S = 3.0  # the command and the API CSV, whole portfolio
PAGE_TARGET_S = 0.2  # a page of 50 rows, JSON or HTML
PROGRAMS = {
    "Fixed 1.5 % simple": {
        "formula": {"family": "fixed_rate_simple", "rate": "0.015", "period": "completed_years"},
        "caps": [{"kind": "affordability_cap", "ami_fraction": "0.80", "terms": builder.AFFORDABILITY_TERMS}],
        "floor": "purchase_price_plus_credits",
        "rounding": {"mode": "dollar"},
    },
    "Fixed 2 % compounding": {
        "formula": {"family": "fixed_rate_compound", "rate": "0.02"},
        "caps": [{"kind": "appraisal_cap", "scope": "total"}],
        "rounding": {"mode": "dollar"},
    },
    "Area median income indexed": {
        "formula": {"family": "ami_indexed"},
        "caps": [{"kind": "appraisal_cap", "scope": "total"}],
        "floor": "purchase_price",
        "rounding": {"mode": "dollar"},
    },
    "CPI indexed": {"formula": {"family": "cpi_indexed"}, "rounding": {"mode": "dollar"}},
    "Shared appreciation 25 %": {"formula": {"family": "appraisal_share", "share": "0.25"}},
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leases", type=int, default=50_000, help="leases in force to generate (default 50,000)")
    parser.add_argument(
        "--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 3, 31), help="valuation date (2026-03-31)"
    )
    parser.add_argument(
        "--database",
        choices=("sqlite", "postgres"),
        default=None,
        help="backend of the throwaway database (default: the one DATABASE_URL names, else sqlite)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each measurement, median kept (3)")
    parser.add_argument("--profile", action="store_true", help="profile one service run and print the top")
    args = parser.parse_args(argv)
    if args.leases < 1 or args.repeat < 1:
        parser.error("--leases and --repeat must be at least 1")
    return args


# ---------------------------------------------------------------------------------------------
# The portfolio, bulk-inserted (bench/builder.py)
# ---------------------------------------------------------------------------------------------


def programs() -> list[Any]:
    """The five programs approved, each named by the terms of one lease template."""
    from leases.resale.models import IndexSeries

    series = {
        "cpi_series": IndexSeries.objects.get(code="cpi-u"),
        "ami_series": IndexSeries.objects.get(code=builder.AMI_CODE),
    }
    return builder.approved_programs(
        PROGRAMS, approved_on=dt.date(2014, 6, 1), effective_from=dt.date(2014, 7, 1), **series
    )


def build_portfolio(count: int, as_of: dt.date) -> dict[str, int]:
    """``count`` leases in force on ``as_of``, plus ended ones and drafts, with their subsidies and records."""
    terms = programs()
    ended, drafts = count // 50, count // 100
    total = count + ended + drafts
    first = dt.date(2015, 6, 1)  # HUD's series starts with FY2015 (in effect from 2015-04-01)
    span = (as_of - first).days
    with builder.Portfolio(SEED) as trust:

        def dates(n: int) -> dict[str, Any]:
            commencement = first + dt.timedelta(days=trust.rng.randrange(span))
            if n >= count + ended:
                return {"commencement": commencement, "status": "draft"}
            if n >= count:
                ended_on = min(as_of, commencement + dt.timedelta(days=400))
                return {"commencement": commencement, "status": "terminated", "ended_on": ended_on}
            return {"commencement": commencement}

        units = trust.homes(total, apn_prefix="P", street="Valuation St", bedrooms=builder.mixed_bedrooms)
        people = trust.people(total)
        leases = trust.leases(
            units, terms, dates, appraised=(130, 150), appraised_before=(20, 60), land_share=Decimal("0.3")
        )
        trust.leaseholders(leases, people)
        records = trust.resale_records(leases, as_of)
    return {"leases in force": count, "ended": ended, "drafts": drafts, **records}


# ---------------------------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------------------------


@contextmanager
def counting_queries() -> Iterator[list[int]]:
    """Count SQL statements without keeping their text."""
    from django.db import connection

    count = [0]

    def counter(execute: Callable, sql: str, params: Any, many: bool, context: dict) -> Any:
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        yield count


@dataclass(frozen=True)
class Timing:
    wall: float  # the median of the repeats, seconds
    cpu: float  # the process's CPU seconds in that run
    queries: int


def timed(function: Callable[[], Any], repeat: int = 1, before: Callable[[], Any] | None = None) -> tuple[Any, Timing]:
    """The result of the last run and the median run of ``repeat`` (its wall and CPU time, its queries);
    ``before`` runs ahead of each run, untimed."""
    runs: list[Timing] = []
    result = None
    for _ in range(repeat):
        if before is not None:
            before()
        with counting_queries() as queries:
            start, cpu = time.perf_counter(), time.process_time()
            result = function()
            elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        runs.append(Timing(elapsed, cpu, queries[0]))
    runs.sort(key=lambda t: t.wall)
    return result, runs[len(runs) // 2]


def _figures(timing: Timing) -> str:
    return f"{seconds(timing.wall)} (CPU {seconds(timing.cpu)}, {timing.queries} queries)"


def _limited(measure: str, timing: Timing, limit: float) -> Measure:
    return Measure(measure, _figures(timing), f"limit: {seconds(limit)}", ratio(limit, timing.wall), 1.0)


def _context(measure: str, ours: str) -> Measure:
    return Measure(measure, ours, "", None, None)


def profile_service(as_of: dt.date) -> None:
    import cProfile
    import pstats

    from leases.resale.portfolio import resale_portfolio

    profile = cProfile.Profile()
    profile.runcall(resale_portfolio, as_of=as_of)
    pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
    pstats.Stats(profile).sort_stats("tottime").print_stats(20)


def run(args: argparse.Namespace, where: str) -> list[Measure]:
    from django.db import connection

    rows: list[Measure] = []
    print(f"database: {where} ({connection.vendor})", flush=True)
    builder.load_index_series()
    start = time.perf_counter()
    counts = build_portfolio(args.leases, args.as_of)
    built = time.perf_counter() - start
    print(f"portfolio built in {built:.1f} s: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()), flush=True)
    rows.append(
        _context(
            f"portfolio: {args.leases:,} leases in force, 5 programs, bulk-inserted ({connection.vendor})",
            f"{built:.1f} s; ended / drafts (left out) / subsidies / improvements / determinations: "
            f"{counts['ended']:,} / {counts['drafts']:,} / {counts['subsidies']:,} / "
            f"{counts['improvements']:,} / {counts['saved determinations']:,}",
        )
    )
    if args.profile:
        profile_service(args.as_of)

    folder = tempfile.mkdtemp(prefix="clt-portfolio-")
    try:
        return _measure(args, rows, Path(folder) / "portfolio.csv", connection.vendor)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _measure(args: argparse.Namespace, rows: list[Measure], target: Path, vendor: str) -> list[Measure]:
    from django.core.management import call_command

    from leases.lifecycle.models import GroundLease
    from leases.resale.portfolio import resale_portfolio, write_csv

    add = rows.append
    size = f"{args.leases // 1000}k" if args.leases % 1000 == 0 else f"{args.leases:,}"
    stderr = io.StringIO()

    def command() -> None:
        stderr.seek(0)
        stderr.truncate()
        call_command("resale_portfolio", "--as-of", args.as_of.isoformat(), "--output", str(target), stderr=stderr)

    # The first export for a date values every lease and keeps each valuation (leases.resale.kept); an
    # export after it values only the leases whose inputs changed since. The targets are measured as a
    # trust works: one lease changed (its purchase price corrected) before each export.
    _, cold = timed(command, 1)
    add(
        _context(
            f"portfolio: the first export for the date, {size} leases: every lease valued and kept", _figures(cold)
        )
    )
    changed = itertools.count()

    def one_lease_changed() -> None:
        lease = GroundLease.objects.exclude(status="draft").order_by("pk")[next(changed) * 97 % args.leases]
        GroundLease.objects.filter(pk=lease.pk).update(purchase_price=lease.purchase_price + Decimal("0.01"))

    _, run_command = timed(command, args.repeat, one_lease_changed)
    lines = target.read_bytes().count(b"\r\n") - 1
    if lines != args.leases:
        raise SystemExit(f"the command wrote {lines:,} rows for {args.leases:,} leases in force")
    print(f"command: {run_command.wall:.2f} s", flush=True)
    add(
        _limited(
            f"portfolio: manage.py resale_portfolio, {size} leases, one changed since the last export ({vendor})",
            run_command,
            TARGET_S,
        )
    )
    add(_context("  CSV rows / size", f"{lines:,} / {target.stat().st_size / 1024:,.0f} KiB"))
    for line in stderr.getvalue().splitlines():
        name, _, rest = line.partition(": ")
        if "leases," in rest:
            add(_context(f"  {name}", rest.split(";")[0]))

    fresh = [sys.executable, str(ROOT / "manage.py"), "resale_portfolio", "--as-of", args.as_of.isoformat()]
    one_lease_changed()
    start = time.perf_counter()
    subprocess.run([*fresh, "--output", str(target)], check=True, capture_output=True)
    add(
        _context(
            "  the same in a new process (Python and Django start-up included)", seconds(time.perf_counter() - start)
        )
    )

    found, service = timed(lambda: resale_portfolio(as_of=args.as_of), args.repeat, one_lease_changed)
    add(_context("  of which the service (load every lease, value the changed one)", _figures(service)))
    _, writing = timed(lambda: write_csv(found, io.StringIO()), args.repeat)
    add(_context("  of which writing the CSV", _figures(writing)))

    client = staff_client()
    url = f"/api/v1/resale/portfolio/?as_of={args.as_of.isoformat()}"
    body, api_csv = timed(
        lambda: b"".join(client.get(url + "&format=csv").streaming_content), args.repeat, one_lease_changed
    )
    command()
    api_rows = body.count(b"\r\n") - 1
    if api_rows != args.leases:
        raise SystemExit(f"the API's CSV holds {api_rows:,} rows for {args.leases:,} leases")
    add(
        _limited(
            f"portfolio: GET …/resale/portfolio/?format=csv, {size} leases, one changed since ({vendor})",
            api_csv,
            TARGET_S,
        )
    )

    def get(path: str) -> Any:
        answer = client.get(path)
        if answer.status_code != 200:
            raise SystemExit(f"GET {path} answered {answer.status_code}: {answer.content[:500]!r}")
        return answer

    html = f"/leases/portfolio/?as_of={args.as_of.isoformat()}"
    # The first page after an input changes sums every lease again and keeps the sums (values the changed
    # lease only); the pages after it read them (warm: what the targets are about).
    one_lease_changed()
    _, after_change = timed(lambda: get(url), 1)
    page, api_json = timed(lambda: get(url), args.repeat)
    if page.json()["total"]["leases"] != args.leases or len(page.json()["results"]) != 50:
        raise SystemExit("the JSON page does not sum every lease or does not hold 50 rows")
    add(
        _limited(
            f"portfolio: GET …/resale/portfolio/ JSON page of 50, {size} leases ({vendor})", api_json, PAGE_TARGET_S
        )
    )
    _, html_page = timed(lambda: get(html), args.repeat)
    add(
        _limited(
            f"portfolio: GET /leases/portfolio/ HTML page of 50, {size} leases ({vendor})", html_page, PAGE_TARGET_S
        )
    )
    add(_context("  the first page after a lease changed (values it, sums every lease again)", _figures(after_change)))
    # An input many leases share (an index value imported) values every lease again.
    from leases.resale.models import IndexValue

    IndexValue.objects.order_by("-pk").first().save()
    _, after_index = timed(lambda: get(url), 1)
    add(_context("  the first page after an index value changed (values every lease)", _figures(after_index)))
    add(_context("load average (1, 5, 15 min) at the end", " ".join(f"{x:.2f}" for x in os.getloadavg())))
    return rows


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    _backend, rows = on_throwaway_database(args, run)
    return 0 if record(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
