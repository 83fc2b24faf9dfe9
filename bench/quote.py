"""Benchmark of one resale quote through the API: ``POST /api/v1/resale/quote/``.

Run by hand or with ``make bench``; never collected by pytest. A throwaway database (as ``parcels.py``
makes) holds the real CPI-U and HUD series of ``leases/data/``, the demo's kind of programs and one
homeowner's lease with an approved improvement. It times, through Django's test client (the whole request
cycle, middleware included, no network), the median of ``--repeat`` requests after one warm-up that counts
the SQL queries:

- a staff quote of the lease under its own policy (CPI-indexed with an affordability cap: two index
  lookups, the §2.9 solver, a capital-improvement credit);
- a staff "what if" of four policies side by side over the same inputs;
- the homeowner quoting their own lease.

    .venv/bin/python bench/quote.py [--repeat 25] [--database sqlite|postgres]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
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

TARGET_MS = 100.0
URL = "/api/v1/resale/quote/"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=25, help="timed requests per case (median reported)")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default=None)
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def fixture() -> tuple[Any, Any, Any]:
    """Series, programs, a lease with an improvement (bench/builder.py); a staff client and the homeowner's."""
    from django.contrib.auth.models import User
    from rest_framework.test import APIClient

    from clt.models import Person
    from leases.resale import services
    from leases.resale.models import IndexSeries

    builder.load_index_series()
    parameters = {
        "formula": {"family": "cpi_indexed"},
        "caps": [{"kind": "affordability_cap", "ami_fraction": "0.80", "terms": builder.AFFORDABILITY_TERMS}],
        "floor": "purchase_price_plus_credits",
        "rounding": {"mode": "dollar"},
    }
    [lease_terms] = builder.approved_programs(
        {"CPI capped": parameters},
        approved_on=dt.date(2019, 1, 2),
        effective_from=dt.date(2019, 1, 2),
        cpi_series=IndexSeries.objects.get(code="cpi-u"),
        ami_series=IndexSeries.objects.get(code=builder.AMI_CODE),
    )
    owner = User.objects.create_user("bench-owner")
    person = Person.objects.create(given_name="Bench", family_name="Owner", user=owner)
    lease = builder.lease_through_services(
        apn="BENCH-1", address="1 Bench St", geometry=builder.lot(0)["geometry"], bedrooms=3, people=[person],
        template_version=lease_terms, commencement=dt.date(2019, 3, 15), purchase_price=Decimal("185000.00"),
        appraised_value=Decimal("262000.00"), appraised_land_value=Decimal("70000.00"),
        appraisal_date=dt.date(2019, 2, 20), monthly_fee=Decimal("35.00"), recording_instrument="2019-000001",
    )  # fmt: skip
    item = services.improvement_request(
        lease=lease, description="Heat pump", requested_on=dt.date(2021, 4, 1), actor=None, reason="bench",
        estimated_cost=Decimal("9000"),
    )  # fmt: skip
    services.improvement_approve(
        improvement=item, approved_on=dt.date(2021, 4, 10), approval_reference="letter 21-4", actor=None,
        reason="bench", method="percent_of_cost", credit_pct=Decimal("100"),
    )  # fmt: skip
    services.improvement_complete(
        improvement=item, completed_on=dt.date(2021, 6, 1), cost=Decimal("8750.00"), documents="invoice",
        started_on=dt.date(2021, 5, 1), actor=None, reason="bench",
    )  # fmt: skip
    clients = []
    for user in (builder.staff_user(), owner):
        client = APIClient()
        client.force_authenticate(user)
        clients.append(client)
    return lease, clients[0], clients[1]


def time_post(client: Any, body: dict[str, Any], repeat: int) -> tuple[float, int, dict[str, Any]]:
    from django.db import connection

    executed = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        executed.append(sql)
        return execute(sql, params, many, context)

    # A wrapper, not CaptureQueriesContext: the request's start resets the connection's query log.
    with connection.execute_wrapper(count):
        response = client.post(URL, body, format="json")
    if response.status_code != 200:
        raise SystemExit(f"POST {URL} answered {response.status_code}: {response.content[:800]!r}")
    answer = json.loads(response.content)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        client.post(URL, body, format="json")
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), len(executed), answer


def run(args: argparse.Namespace) -> list[Row]:
    lease, staff, owner = fixture()
    on = "2025-09-30"
    rows = []
    one, queries, answer = time_post(staff, {"lease": lease.pk, "determination_date": on}, args.repeat)
    price = answer["quotes"][0]["result"]["price"]
    rows.append(Row("staff quote, the lease's policy", f"{one:.1f} ms, {queries} queries", f"< {TARGET_MS:.0f} ms",
                    one < TARGET_MS, ours=one / 1000, limit=TARGET_MS / 1000))  # fmt: skip
    rows.append(Row("  its price on " + on, price, "", None))
    what_if = {
        "lease": lease.pk,
        "determination_date": on,
        "index_series": {"cpi": "cpi-u", "ami": "hud-mfi-burlington-south-burlington-vt-msa"},
        "policies": [
            {"version": answer["quotes"][0]["policy"]["version"]},
            {"parameters": {"formula": {"family": "fixed_rate_simple", "rate": "0.015"}}, "label": "1.5 % simple"},
            {"parameters": {"formula": {"family": "ami_indexed"}}, "label": "AMI"},
            {"parameters": {"formula": {"family": "fixed_rate_compound", "rate": "0.02"}}, "label": "2 % compound"},
        ],
    }
    four, queries, answer = time_post(staff, what_if, args.repeat)
    rows.append(Row("staff what-if, 4 policies side by side", f"{four:.1f} ms, {queries} queries",
                    f"< {TARGET_MS:.0f} ms", four < TARGET_MS, ours=four / 1000, limit=TARGET_MS / 1000))  # fmt: skip
    rows.append(Row("  their prices", ", ".join(q["result"]["price"] for q in answer["quotes"]), "", None))
    own, queries, _answer = time_post(owner, {"lease": lease.pk, "determination_date": on}, args.repeat)
    rows.append(Row("homeowner quote of their own lease", f"{own:.1f} ms, {queries} queries",
                    f"< {TARGET_MS:.0f} ms", own < TARGET_MS, ours=own / 1000, limit=TARGET_MS / 1000))  # fmt: skip
    return rows


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    backend, rows = on_throwaway_database(args, lambda args, _where: run(args))
    return report(rows, f"every target met ({backend}, median of {args.repeat} requests each)")


if __name__ == "__main__":
    sys.exit(main())
