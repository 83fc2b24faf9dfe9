"""Benchmark of the account statements: one statement PDF, and a month's batch for a whole portfolio.

Run by hand or with ``make bench``; never collected by pytest. It creates a throwaway database
(an SQLite file in a temporary folder, or ``clt_bench_<pid>`` on PostgreSQL, as ``parcels.py``
does), migrates it, and builds ``--leases`` active ground leases through the services (``builder.py``),
with a year of payments (bulk-inserted: most owners pay on time, some late, some part, a few not at
all) and twelve months billed with ``ledger_services.bill_month`` (fees and late fees). Then it times:

- one statement PDF through ``leases.documents.document_response`` (the download a homeowner
  or staff member asks for): the first in the process (fonts loaded, stylesheet parsed) and the
  median of ``--repeat`` more;
- the month's batch, ``manage.py statements --month <last month> --workers N``: every lease's
  statement, one PDF each, laid out in batches over N processes;
- optionally (``--compare N``, default 50) in one process: N/5 statements standalone (fonts and
  stylesheet made afresh each time), N one at a time with the per-process caches, and N laid out
  together in batches, to show what the caches and the batches save.

    .venv/bin/python bench/statements.py [--leases 1000] [--workers 2] [--repeat 5] [--database sqlite|postgres]

Prints one table (measurement | value | target | ok?) and exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import shutil
import statistics
import sys
import tempfile
import time
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

SEED = 20260601
TARGET_SINGLE_S = 1.0
TARGET_BATCH_S = 300.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--leases", type=int, default=1000, help="active leases to generate (default 1,000)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes for the batch (default 2)")
    parser.add_argument("--repeat", type=int, default=5, help="timed single statements; the median is reported")
    parser.add_argument(
        "--compare",
        type=int,
        default=50,
        help="also render this many statements standalone, one by one and in batches, in one process (0: skip)",
    )
    parser.add_argument(
        "--database",
        choices=("sqlite", "postgres"),
        default=None,
        help="backend of the throwaway database (default: the one DATABASE_URL names, else sqlite)",
    )
    args = parser.parse_args(argv)
    if args.leases < 1 or args.workers < 1 or args.repeat < 1 or args.compare < 0:
        parser.error("--leases, --workers and --repeat must be at least 1, --compare at least 0")
    return args


# ---------------------------------------------------------------------------------------------
# The portfolio (bench/builder.py)
# ---------------------------------------------------------------------------------------------


def months_back(today: dt.date, count: int) -> list[tuple[int, int]]:
    """The ``count`` full months before ``today``'s month, oldest first."""
    months = []
    year, month = today.year, today.month
    for _ in range(count):
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        months.append((year, month))
    return months[::-1]


# A year of payments: 80 % pay on time, 8 % late, 6 % half, 6 % never.
HABITS = (
    builder.Habit(0.80, (0, 9)),
    builder.Habit(0.88, (16, 26)),
    builder.Habit(0.94, 5, Decimal("0.5")),
)


def build_portfolio(count: int, months: list[tuple[int, int]]) -> dict[str, Any]:
    from clt.models import Person
    from leases.ledger import services as ledger_services
    from leases.lifecycle import services as lifecycle_services
    from leases.lifecycle.models import LeaseTemplate

    first_year, first_month = months[0]
    commencement = dt.date(first_year - 1, first_month, 1)
    started = time.perf_counter()
    with builder.Portfolio(SEED) as trust:
        rng = trust.rng
        template = LeaseTemplate.objects.create(name="Bench model lease")
        version = lifecycle_services.template_version_create(
            template=template,
            actor=None,
            reason="bench",
            effective_from=dt.date(2000, 1, 1),
            late_fee_kind="flat",
            late_fee_amount=Decimal("10.00"),
            grace_days=14,
        )
        leases = []
        for index in range(count):
            people = [
                Person.objects.create(
                    given_name=rng.choice(("Ana", "Ben", "Chloé", "Dev", "Emma", "Femi", "Gus", "Hana")),
                    family_name=f"Owner{index}",
                    mailing_address=f"{index + 1} Bench Street\nBurlington, VT 05401",
                )
                for _ in range(rng.choice((1, 1, 2)))
            ]
            lease = builder.lease_through_services(
                apn=f"B-{index:05d}",
                address=f"{index + 1} Bench Street",
                geometry=builder.lot(index)["geometry"],
                people=people,
                template_version=version,
                commencement=commencement,
                monthly_fee=Decimal(rng.choice(("25.00", "35.00", "40.00", "45.00", "50.00"))),
                recording_instrument=f"B-{index:06d}",
                purchase_price=Decimal(rng.randrange(120_000, 240_000, 500)),
            )
            leases.append(lease)
        created = time.perf_counter() - started

        started = time.perf_counter()
        trust.read_fee_terms(leases)
        payments = trust.payments(leases, [dt.date(year, month, 1) for year, month in months], HABITS)
    paid = time.perf_counter() - started

    started = time.perf_counter()
    for year, month in months:
        ledger_services.bill_month(year=year, month=month)
    billed = time.perf_counter() - started
    return {"leases": leases, "payments": payments, "created": created, "paid": paid, "billed": billed}


# ---------------------------------------------------------------------------------------------
# Timings
# ---------------------------------------------------------------------------------------------


def time_single(lease: Any, month: str, repeat: int) -> tuple[float, list[float], int]:
    from django.test import RequestFactory

    from leases.documents.services import document_response

    factory = RequestFactory()

    def once() -> tuple[float, bytes]:
        start = time.perf_counter()
        response = document_response(factory.get("/", {"month": month}), lease, "statement")
        elapsed = time.perf_counter() - start
        if response.status_code != 200:
            raise SystemExit(f"the statement answered {response.status_code}: {response.content[:200]!r}")
        return elapsed, response.content

    first, body = once()
    times = [once()[0] for _ in range(repeat)]
    from pypdf import PdfReader

    return first, times, len(PdfReader(io.BytesIO(body)).pages)


def time_batch(month: str, workers: int, out: Path) -> tuple[float, int, str]:
    from django.core.management import call_command

    stdout = io.StringIO()
    start = time.perf_counter()
    call_command("statements", "--month", month, "--out", str(out), "--workers", str(workers), stdout=stdout)
    elapsed = time.perf_counter() - start
    return elapsed, len(list(out.glob("*.pdf"))), stdout.getvalue().strip()


def time_compare(ids: list[int], start: dt.date, end: dt.date) -> tuple[float, float, float]:
    """Seconds per statement for ``ids``, in this process: standalone (fonts and stylesheet made afresh
    for each, as a naive weasyprint call does), one at a time with the per-process caches, and laid out
    together in batches of the command's default size."""
    from clt import pdf
    from leases.documents import selectors as document_texts
    from leases.documents import services as documents
    from leases.management.commands.statements import DEFAULT_BATCH

    leases = {lease.pk: lease for lease in document_texts.document_leases().filter(pk__in=ids)}
    few = ids[: max(1, len(ids) // 5)]
    began = time.perf_counter()
    for lease_id in few:
        pdf.reset_caches()
        pdf.render_pdf("pdf/statement.html", document_texts.statement_context(leases[lease_id], start=start, end=end))
    standalone = (time.perf_counter() - began) / len(few)
    began = time.perf_counter()
    for lease_id in ids:
        pdf.render_pdf("pdf/statement.html", document_texts.statement_context(leases[lease_id], start=start, end=end))
    one_by_one = (time.perf_counter() - began) / len(ids)
    began = time.perf_counter()
    for first in range(0, len(ids), DEFAULT_BATCH):
        documents.statement_pdfs(ids[first : first + DEFAULT_BATCH], start=start, end=end)
    together = (time.perf_counter() - began) / len(ids)
    return standalone, one_by_one, together


def run(args: argparse.Namespace, where: str) -> list[Row]:
    from django.db import connection
    from django.utils import timezone

    from leases.ledger.models import Charge

    rows: list[Row] = []
    add = rows.append
    print(f"database: {where} ({connection.vendor}); {os.cpu_count()} CPU(s)", flush=True)
    months = months_back(timezone.localdate(), 12)
    portfolio = build_portfolio(args.leases, months)
    charges = Charge.objects.count()
    late = Charge.objects.filter(kind="late_fee").count()
    print(
        f"built {args.leases:,} leases in {portfolio['created']:.1f} s, {portfolio['payments']:,} payments in "
        f"{portfolio['paid']:.1f} s, billed 12 months in {portfolio['billed']:.1f} s "
        f"({charges:,} charges of which {late:,} late fees)",
        flush=True,
    )
    add(Row("portfolio", f"{args.leases:,} leases, {charges:,} charges, {portfolio['payments']:,} payments"))
    year, month = months[-1]
    label = f"{year:04d}-{month:02d}"

    # A lease in arrears, so the statement has late fees and ageing in it.
    arrears = Charge.objects.filter(kind="late_fee").values_list("lease_id", flat=True).first()
    lease = next((lease for lease in portfolio["leases"] if lease.pk == arrears), portfolio["leases"][0])
    first, times, pages = time_single(lease, label, args.repeat)
    median = statistics.median(times)
    add(Row("one statement PDF, first in the process (fonts, stylesheet)", f"{first:.2f} s ({pages} page(s))"))
    add(
        Row(
            f"one statement PDF (median of {args.repeat})",
            f"{median:.2f} s (min {min(times):.2f})",
            f"< {TARGET_SINGLE_S:g} s",
            median < TARGET_SINGLE_S,
            ours=median,
            limit=TARGET_SINGLE_S,
        )
    )

    if args.compare:
        from clt.dates import month_bounds

        ids = [lease.pk for lease in portfolio["leases"][: args.compare]]
        standalone, one_by_one, together = time_compare(ids, *month_bounds(year, month))
        add(
            Row(
                f"{max(1, len(ids) // 5)} statements standalone (fonts, stylesheet made each time)",
                f"{standalone:.3f} s per statement",
            )
        )
        add(
            Row(
                f"{len(ids)} statements one at a time, cached fonts and stylesheet", f"{one_by_one:.3f} s per statement"
            )
        )
        add(Row(f"{len(ids)} statements laid out together in batches, 1 process", f"{together:.3f} s per statement"))

    out = Path(tempfile.mkdtemp(prefix="clt-statements-"))
    try:
        print(f"rendering the {label} batch with {args.workers} worker(s)…", flush=True)
        elapsed, files, summary = time_batch(label, args.workers, out)
        print(summary, flush=True)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    if files != args.leases:
        raise SystemExit(f"the batch wrote {files} PDFs; expected {args.leases}")
    add(
        Row(
            f"batch of {files:,} statements, {args.workers} worker(s) (manage.py statements)",
            f"{elapsed:.1f} s",
            f"< {TARGET_BATCH_S:g} s",
            elapsed < TARGET_BATCH_S,
            ours=elapsed,
            limit=TARGET_BATCH_S,
        )
    )
    add(Row("  per statement (wall clock)", f"{elapsed / files:.3f} s"))
    return rows


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    backend, rows = on_throwaway_database(args, run)
    return report(rows, f"every target met ({backend}, {args.leases:,} leases, {args.workers} worker(s))")


if __name__ == "__main__":
    sys.exit(main())
