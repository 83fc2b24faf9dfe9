"""Benchmark of the lists at a real trust's size: the parcel and ground-lease list APIs against a hand-written
peer, and the roles every authenticated request asks for (issue 15 §3).

Run by hand or with ``make bench``; never collected by pytest. It makes a throwaway database (as
``bench/parcels.py`` does), bulk-inserts ``--count`` homes with their ground leases and leaseholders
(``bench/builder.py``), and then, as a logged-in staff user through Django's test client (the whole request
cycle, middleware included):

- ``GET /api/v1/parcels/?page_size=100`` against the peer: a hand-written view that reads the same page with
  ``.values()`` (parcel columns, then units, funding and lineage edges by ``parcel_id__in``) and answers with
  ``JsonResponse``; the two bodies are checked equal before anything is timed;
- ``GET /api/v1/ground-leases/?page_size=100`` against its peer, built the same way (the same ledger
  annotations, leaseholders and subsidies by ``lease_id__in``);
- ``clt.roles.user_roles`` as a request asks it: a fresh user object (as the authentication middleware loads
  one), its roles asked as the permission class, the queryset scope and the context processor ask them.

    .venv/bin/python bench/lists.py [--count 10000] [--database sqlite|postgres] [--repeat 15]

Product and peer are timed interleaved in one process; the median of ``--repeat`` runs is reported, wall
time with the process's CPU time beside it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
import types
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import builder  # noqa: E402
from parcels import on_throwaway_database  # noqa: E402 (also puts the project on sys.path)
from table import Measure, ratio, record, seconds  # noqa: E402

SEED = 20261207
PAGE = 100
TARGET_LIST_RATIO = 0.5
ROLES_LIMIT_S = 0.5e-3


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000, help="homes, each with a ground lease (default 10,000)")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default=None)
    parser.add_argument("--repeat", type=int, default=15, help="timed requests per view; the median is reported")
    args = parser.parse_args(argv)
    if args.count < PAGE or args.repeat < 1:
        parser.error(f"--count must be at least {PAGE} and --repeat at least 1")
    return args


# ---------------------------------------------------------------------------------------------
# The trust
# ---------------------------------------------------------------------------------------------


def build(count: int) -> Any:
    """``count`` homes with a lease each (held by one person; every tenth lease has a subsidy, every fiftieth
    parcel a funding source); returns a user who holds one of the leases (a homeowner)."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from leases.lifecycle.models import LeaseSubsidy
    from properties.models import ParcelFunding

    terms = builder.approved_programs(
        {"Shared appreciation 25 %": {"formula": {"family": "appraisal_share", "share": "0.25"}}},
        approved_on=dt.date(2014, 6, 1),
        effective_from=dt.date(2014, 7, 1),
    )
    with builder.Portfolio(SEED) as trust:
        units = trust.homes(count, apn_prefix="L", street="List St", bedrooms=builder.mixed_bedrooms)
        people = trust.people(count)
        first = dt.date(2015, 6, 1)

        def dates(n: int) -> dict[str, Any]:
            return {"commencement": first + dt.timedelta(days=trust.rng.randrange(3000))}

        leases = trust.leases(units, terms, dates, appraised=(130, 150))
        trust.leaseholders(leases, people)
        LeaseSubsidy.objects.bulk_create(
            [LeaseSubsidy(lease=lease, source="HOME", amount=Decimal("25000.00")) for lease in leases[::10]]
        )
        ParcelFunding.objects.bulk_create(
            [
                ParcelFunding(parcel_id=unit.parcel_id, source="CDBG", amount=Decimal("40000.00"), date=first)
                for unit in units[::50]
            ]
        )
    owner = get_user_model().objects.create_user("bench-owner", password="x")
    people[0].user = owner
    people[0].save(update_fields=["user"])
    if connection.vendor == "postgresql":
        # What autovacuum does to a live database soon after a bulk load: without statistics the planner
        # takes every fresh table for empty and scans where an index answers.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return owner


# ---------------------------------------------------------------------------------------------
# The peers: .values() + JsonResponse, the same rows and nested fields
# ---------------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A value as the API writes it: decimals as strings, dates ISO, times in the trust's zone."""
    from django.utils import timezone

    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _page(request: Any, queryset: Any) -> tuple[int, int, str | None, str | None]:
    size = int(request.GET.get("page_size", 50))
    page = int(request.GET.get("page", 1))
    count = queryset.count()
    url = request.build_absolute_uri(request.path)
    after = f"{url}?page={page + 1}&page_size={size}" if page * size < count else None
    before = None if page == 1 else f"{url}?page={page - 1}&page_size={size}"
    return (page - 1) * size, size, after, before


def peer_parcels(request: Any) -> Any:
    from django.http import JsonResponse

    from properties.models import Parcel, ParcelFunding, ParcelLineage, Unit

    queryset = Parcel.objects.order_by("apn")
    start, size, after, before = _page(request, queryset)
    columns = (
        "id", "apn", "address", "status", "geometry", "area_m2", "area_acres", "centroid_lon", "centroid_lat",
        "bbox_min_lon", "bbox_min_lat", "bbox_max_lon", "bbox_max_lat", "acquisition_date", "acquisition_price",
        "official_area_m2", "area_mismatch", "area_mismatch_note", "notes", "location_reason", "created",
        "last_updated",
    )  # fmt: skip
    rows = list(queryset.values_list(*columns)[start : start + size])
    ids = [row[0] for row in rows]
    units, funding, parents, children = defaultdict(list), defaultdict(list), defaultdict(list), defaultdict(list)
    for parcel, *unit in (
        Unit.objects.filter(parcel_id__in=ids)
        .order_by("parcel_id", "address", "unit_number", "pk")
        .values_list("parcel_id", "id", "kind", "address", "unit_number", "bedrooms")
    ):
        units[parcel].append(dict(zip(("id", "kind", "address", "unit_number", "bedrooms"), unit, strict=True)))
    for parcel, *source in (
        ParcelFunding.objects.filter(parcel_id__in=ids)
        .order_by("parcel_id", "date", "pk")
        .values_list("parcel_id", "id", "source", "kind", "amount", "date")
    ):
        funding[parcel].append(dict(zip(("id", "source", "kind", "amount", "date"), map(_plain, source), strict=True)))
    for parent, child in ParcelLineage.objects.filter(child_id__in=ids).values_list("parent_id", "child_id"):
        parents[child].append(parent)
    for parent, child in ParcelLineage.objects.filter(parent_id__in=ids).values_list("parent_id", "child_id"):
        children[parent].append(child)
    results = []
    for row in rows:
        r = dict(zip(columns, map(_plain, row), strict=True))
        pk = r["id"]
        results.append(
            {
                "id": pk, "apn": r["apn"], "address": r["address"], "status": r["status"],
                "geometry": r["geometry"], "area_m2": r["area_m2"], "area_acres": r["area_acres"],
                "centroid": [r["centroid_lon"], r["centroid_lat"]],
                "bbox": [r["bbox_min_lon"], r["bbox_min_lat"], r["bbox_max_lon"], r["bbox_max_lat"]],
                "acquisition_date": r["acquisition_date"], "acquisition_price": r["acquisition_price"],
                "official_area_m2": r["official_area_m2"], "area_mismatch": r["area_mismatch"],
                "area_mismatch_note": r["area_mismatch_note"], "notes": r["notes"],
                "location_reason": r["location_reason"], "units": units[pk], "funding": funding[pk],
                "parents": parents[pk], "children": children[pk], "created": r["created"],
                "last_updated": r["last_updated"],
            }
        )  # fmt: skip
    return JsonResponse({"count": queryset.count(), "next": after, "previous": before, "results": results})


def peer_leases(request: Any) -> Any:
    from django.http import JsonResponse

    from clt import clock
    from leases.ledger.selectors import with_ledger_figures
    from leases.lifecycle.models import GroundLease, Leaseholder, LeaseSubsidy

    queryset = GroundLease.objects.order_by("-commencement", "-pk")
    start, size, after, before = _page(request, queryset)
    columns = (
        "id", "unit", "unit__address", "parcel", "parcel__apn", "template_version",
        "template_version__template__name", "template_version__version", "organization", "organization__name",
        "household", "status", "compliance_state", "financing_state", "transfer_state", "commencement",
        "term_end", "renewals_used", "ended_on", "recording_instrument", "recording_book", "recording_page",
        "recorded_on", "purchase_price", "appraisal_date", "appraised_value", "appraised_land_value",
        "appraised_improvements_value", "monthly_fee", "fee_suspended", "balance", "predecessor", "notes",
        "created", "last_updated",
    )  # fmt: skip
    rows = list(with_ledger_figures(queryset, clock.today()).values_list(*columns)[start : start + size])
    ids = [row[0] for row in rows]
    holders, subsidies = defaultdict(list), defaultdict(list)
    for lease, person, given, family in (
        Leaseholder.objects.filter(lease_id__in=ids)
        .order_by("pk")
        .values_list("lease_id", "person_id", "person__given_name", "person__family_name")
    ):
        holders[lease].append({"person": person, "name": " ".join(p for p in (given, family) if p)})
    for lease, pk, source, amount, stays in (
        LeaseSubsidy.objects.filter(lease_id__in=ids)
        .order_by("pk")
        .values_list("lease_id", "id", "source", "amount", "stays_with_home")
    ):
        subsidies[lease].append({"id": pk, "source": source, "amount": str(amount), "stays_with_home": stays})
    results = []
    for row in rows:
        r = dict(zip(columns, map(_plain, row), strict=True))
        pk = r["id"]
        results.append(
            {
                "id": pk, "unit": r["unit"], "unit_address": r["unit__address"], "parcel": r["parcel"],
                "parcel_apn": r["parcel__apn"], "template_version": r["template_version"],
                "template_version_name": f"{r['template_version__template__name']} v{r['template_version__version']}",
                "organization": r["organization"], "organization_name": r["organization__name"],
                "household": r["household"], "leaseholders": holders[pk], "status": r["status"],
                "compliance_state": r["compliance_state"], "financing_state": r["financing_state"],
                "transfer_state": r["transfer_state"], "commencement": r["commencement"], "term_end": r["term_end"],
                "renewals_used": r["renewals_used"], "ended_on": r["ended_on"],
                "recording_instrument": r["recording_instrument"], "recording_book": r["recording_book"],
                "recording_page": r["recording_page"], "recorded_on": r["recorded_on"],
                "purchase_price": r["purchase_price"], "appraisal_date": r["appraisal_date"],
                "appraised_value": r["appraised_value"], "appraised_land_value": r["appraised_land_value"],
                "appraised_improvements_value": r["appraised_improvements_value"], "subsidies": subsidies[pk],
                "monthly_fee": r["monthly_fee"], "fee_suspended": r["fee_suspended"], "balance": r["balance"],
                "predecessor": r["predecessor"], "notes": r["notes"], "created": r["created"],
                "last_updated": r["last_updated"],
            }
        )  # fmt: skip
    return JsonResponse({"count": queryset.count(), "next": after, "previous": before, "results": results})


def mount_peers() -> None:
    """The project's URLs plus the two peers, as the test client's URLconf."""
    from django.conf import settings
    from django.urls import clear_url_caches, path

    from clt import urls

    module = types.ModuleType("bench_lists_urls")
    module.urlpatterns = [
        path("bench/peer/parcels/", peer_parcels),
        path("bench/peer/ground-leases/", peer_leases),
        *urls.urlpatterns,
    ]
    sys.modules[module.__name__] = module
    settings.ROOT_URLCONF = module.__name__
    clear_url_caches()


# ---------------------------------------------------------------------------------------------
# Timing
# ---------------------------------------------------------------------------------------------


def _normalised(body: bytes) -> Any:
    data = json.loads(body)
    for row in data["results"]:
        row.pop("balance", None)  # the peer's Decimal sum may keep another number of places; compared below
    return data


def interleaved(client: Any, ours: str, peer: str, repeat: int) -> tuple[float, float, float, float, int]:
    """Median wall and CPU seconds of ours and of the peer, requested in turn; ours' query count."""
    from django.db import connection

    queries = [0]

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        mine = client.get(ours)
    theirs = client.get(peer)
    if mine.status_code != 200 or theirs.status_code != 200:
        raise SystemExit(f"{ours} → {mine.status_code}, {peer} → {theirs.status_code}")
    a, b = json.loads(mine.content), json.loads(theirs.content)
    base, peer_base = ours.split("?")[0], peer.split("?")[0]
    if _normalised(mine.content) != _normalised(theirs.content.replace(peer_base.encode(), base.encode())) or [
        Decimal(r.get("balance") or 0) for r in a["results"]
    ] != [Decimal(r.get("balance") or 0) for r in b["results"]]:
        diff = [
            (k, ra.get(k), rb.get(k))
            for ra, rb in zip(a["results"], b["results"], strict=False)
            for k in ra
            if ra.get(k) != rb.get(k)
        ]
        pages = [(a["count"], a["next"]), (b["count"], b["next"])]
        raise SystemExit(f"the peer of {ours} does not answer the same rows: {diff[:5]} {pages}")
    walls: dict[str, list[float]] = {ours: [], peer: []}
    cpus: dict[str, list[float]] = {ours: [], peer: []}
    for _ in range(repeat):
        for url in (ours, peer):
            wall, cpu = time.perf_counter(), time.process_time()
            client.get(url)
            walls[url].append(time.perf_counter() - wall)
            cpus[url].append(time.process_time() - cpu)
    med = statistics.median
    return med(walls[ours]), med(cpus[ours]), med(walls[peer]), med(cpus[peer]), queries[0]


def time_roles(users: list[Any], repeat: int) -> dict[str, tuple[float, float]]:
    """Median seconds (wall, CPU) of one request's roles for each user: loaded fresh, asked three times."""
    from django.contrib.auth import get_user_model

    from clt import roles

    model = get_user_model()
    out = {}
    for user in users:
        walls, cpus = [], []
        for _ in range(repeat * 10):
            fresh = model.objects.get(pk=user.pk)
            wall, cpu = time.perf_counter(), time.process_time()
            roles.user_roles(fresh)
            roles.is_staff_member(fresh)
            roles.user_roles(fresh)
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
        out[user.username] = (statistics.median(walls), statistics.median(cpus))
    return out


def run(args: argparse.Namespace, where: str) -> list[Measure]:
    from django.db import connection
    from django.test import Client

    print(f"database: {where} ({connection.vendor})", flush=True)
    started = time.perf_counter()
    owner = build(args.count)
    print(f"built {args.count:,} homes with leases in {time.perf_counter() - started:.1f} s", flush=True)
    mount_peers()
    staff = builder.staff_user()
    client = Client()
    client.force_login(staff)
    db = connection.vendor
    rows: list[Measure] = []
    for name, ours, peer in (
        ("parcel", "/api/v1/parcels/", "/bench/peer/parcels/"),
        ("ground-lease", "/api/v1/ground-leases/", "/bench/peer/ground-leases/"),
    ):
        query = f"?page_size={PAGE}"
        wall, cpu, peer_wall, peer_cpu, queries = interleaved(client, ours + query, peer + query, args.repeat)
        rows.append(
            Measure(
                f"{name} list API, {PAGE} a page, staff, {args.count:,} homes ({db})",
                f"{seconds(wall)} (CPU {seconds(cpu)}, {queries} queries)",
                f"peer: .values() + JsonResponse {seconds(peer_wall)} (CPU {seconds(peer_cpu)})",
                ratio(peer_wall, wall),
                TARGET_LIST_RATIO,
            )
        )
        print(rows[-1], flush=True)
    timings = time_roles([staff, owner], args.repeat)
    for username, (wall, cpu) in timings.items():
        rows.append(
            Measure(
                f"user_roles, one request's three asks, {username} ({db})",
                f"{seconds(wall)} (CPU {seconds(cpu)})",
                f"limit: {seconds(ROLES_LIMIT_S)}",
                ratio(ROLES_LIMIT_S, wall),
                1.0,
            )
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    _backend, rows = on_throwaway_database(args, run)
    return 0 if record(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
