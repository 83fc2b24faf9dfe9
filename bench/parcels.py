"""Benchmark of the parcel registry at the size of a real trust's town: import, map, lists.

Run by hand or with ``make bench``; never collected by pytest. It creates a throwaway database
(an SQLite file in a temporary folder, or ``clt_bench_<pid>`` on PostgreSQL), migrates it,
generates ``--count`` realistic parcels on a street grid around Burlington, Vermont, imports them
through ``properties.imports.parcels_import`` and then asks the map endpoint, the list page and
the API list for them through Django's test client, as a logged-in staff user.

    .venv/bin/python bench/parcels.py [--count 50000] [--database sqlite|postgres] [--repeat 5] [--skip-traced]

Reports its rows through ``bench/table.py`` (measure, ours, limit, ratio, target) and exits 1 when a target
is missed: the import against 10 s and 500 MB, the town-wide map against 2 MB and 200 ms, the list page and
the API list against 100 ms.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "bench"))

from table import Measure, megabytes, ratio, record, seconds  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clt.settings_test")

SEED = 20260415
MB = 1024 * 1024

# The same local projection as tests/factories.py: metres east/north of a corner of Burlington.
ORIGIN_LON, ORIGIN_LAT = -73.2121, 44.4759
M_PER_DEG_LAT = 111_132.954
M_PER_DEG_LON = 111_412.84 * math.cos(math.radians(ORIGIN_LAT))
PRECISION = 7  # decimals of a degree in the generated file (~1 cm), as county exports write them

# The street grid, in metres. A block holds two rows of LOTS_PER_ROW lots back to back, with an
# alley between the rows and a street around the block.
LOTS_PER_ROW = 8
LOT_WIDTH = 20.0
LOT_DEPTH = 40.0
ALLEY = 6.0
STREET = 20.0
BLOCK_LENGTH = LOTS_PER_ROW * LOT_WIDTH
BLOCK_DEPTH = 2 * LOT_DEPTH + ALLEY
CELL_X = BLOCK_LENGTH + STREET
CELL_Y = BLOCK_DEPTH + STREET

STREET_NAMES = (
    "Pearl", "Cherry", "Bank", "College", "Main", "King", "Maple", "Pine", "Spruce", "Howard",
    "Flynn", "Locust", "Birch", "Cedar", "Elm", "Willow", "Union", "Loomis", "Buell", "Peru",
    "Archibald", "Riverside", "Colchester", "Hyde", "Decatur", "Lakeview", "Chase", "Grant",
    "Summit", "Adams", "Bayview", "Ledge",
)  # fmt: skip
STREET_KINDS = ("St", "Ave", "Rd")

TARGET_IMPORT_S = 10.0
TARGET_MEMORY_MB = 500.0
TARGET_PAYLOAD_MB = 2.0
TARGET_PAGE_MS = 100.0
TARGET_MAP_MS = 200.0


# ---------------------------------------------------------------------------------------------
# Arguments and the throwaway database (before Django is set up)
# ---------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=50_000, help="parcels to generate and import (default 50,000)")
    parser.add_argument(
        "--database",
        choices=("sqlite", "postgres"),
        default=None,
        help="backend of the throwaway database (default: the one DATABASE_URL names, else sqlite)",
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed requests per endpoint; the median is reported")
    parser.add_argument(
        "--skip-traced",
        action="store_true",
        help="leave out the second, traced import (tracemalloc's heap peak), the slowest part of a run",
    )
    args = parser.parse_args(argv)
    if args.count < LOTS_PER_ROW * 2:
        parser.error(f"--count must be at least {LOTS_PER_ROW * 2}")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def _is_postgres_url(url: str) -> bool:
    return url.split(":", 1)[0] in ("postgres", "postgresql", "pgsql", "postgis")


def _postgres_server() -> dict[str, Any]:
    """Host, port, user and password of the server: DATABASE_URL's when it is PostgreSQL, else local."""
    url = os.environ.get("DATABASE_URL", "")
    server = {"host": "127.0.0.1", "port": 5432, "user": "postgres", "password": ""}
    if _is_postgres_url(url):
        import dj_database_url

        parsed = dj_database_url.parse(url)
        server.update(
            host=parsed.get("HOST") or server["host"],
            port=int(parsed.get("PORT") or server["port"]),
            user=parsed.get("USER") or server["user"],
            password=parsed.get("PASSWORD") or "",
        )
    return server


@contextmanager
def throwaway_database(backend: str) -> Iterator[str]:
    """Create an empty database, point DATABASE_URL at it, and remove it afterwards."""
    previous = os.environ.get("DATABASE_URL")
    try:
        yield from _throwaway_database(backend)
    finally:
        if previous is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = previous


def _throwaway_database(backend: str) -> Iterator[str]:
    if backend == "sqlite":
        folder = tempfile.mkdtemp(prefix="clt-bench-")
        path = Path(folder) / "bench.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
        try:
            yield f"SQLite file {path}"
        finally:
            _close_django_connections()
            shutil.rmtree(folder, ignore_errors=True)
    else:
        import psycopg

        server = _postgres_server()
        name = f"clt_bench_{os.getpid()}"

        def admin() -> Any:
            return psycopg.connect(
                host=server["host"],
                port=server["port"],
                user=server["user"],
                password=server["password"] or None,
                dbname="postgres",
                autocommit=True,
            )

        with admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        credentials = quote(server["user"], safe="") + (
            ":" + quote(server["password"], safe="") if server["password"] else ""
        )
        os.environ["DATABASE_URL"] = f"postgres://{credentials}@{server['host']}:{server['port']}/{name}"
        try:
            yield f"PostgreSQL database {name} on {server['host']}:{server['port']}"
        finally:
            _close_django_connections()
            with admin() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


T = TypeVar("T")


def on_throwaway_database(args: argparse.Namespace, run: Callable[[argparse.Namespace, str], T]) -> tuple[str, T]:
    """Run a benchmark on a throwaway database of the backend it asks for (``--database``, else the one
    ``DATABASE_URL`` names, else SQLite), Django set up on it: the backend and what ``run(args, where)`` returned."""
    backend = args.database or ("postgres" if _is_postgres_url(os.environ.get("DATABASE_URL", "")) else "sqlite")
    with throwaway_database(backend) as where:
        setup_django()
        return backend, run(args, where)


def _close_django_connections() -> None:
    if "django.db" in sys.modules:
        from django.db import connections

        connections.close_all()


def setup_django() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


# ---------------------------------------------------------------------------------------------
# The town: a deterministic street grid of parcels
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Town:
    records: list[Any]  # properties.exchange.ReadRecord
    extent: tuple[float, float, float, float]  # west, south, east, north in degrees
    centre: tuple[float, float]  # lon, lat
    intended_overlaps: int
    holes: int
    multipolygons: int
    many_vertices: int


def _lonlat(east_m: float, north_m: float, lon0: float, lat0: float) -> list[float]:
    return [round(lon0 + east_m / M_PER_DEG_LON, PRECISION), round(lat0 + north_m / M_PER_DEG_LAT, PRECISION)]


def _shoelace(ring: list[tuple[float, float]]) -> float:
    return 0.5 * sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True))


def _street(index: int) -> str:
    return f"{STREET_NAMES[index % len(STREET_NAMES)]} {STREET_KINDS[(index // len(STREET_NAMES)) % 3]}"


def generate_town(count: int, *, seed: int = SEED, apn_prefix: str = "", shift_lon: float = 0.0) -> Town:
    """``count`` parcels as import records, the same for the same arguments.

    Lots are 10-30 m wide (20 on average) and 40 m deep, back to back along an alley, eight to a
    row; their side lines are shared with the neighbour (touching, not overlapping) and slightly
    skewed. About a quarter have a curved frontage or a cut corner (5-8 vertices), 0.5 % a hole
    (an excluded easement), 0.5 % are MultiPolygons (the lot and a parking strip in its half of the
    alley), and 1 % reach 2-4 m over a neighbour's side line, so overlap detection has real pairs.
    About 70 % carry an official area; 2 % of those disagree with the drawing by 5-15 %.
    """
    from properties.exchange import ReadRecord

    rng = random.Random(seed)
    rows_needed = math.ceil(count / LOTS_PER_ROW)
    blocks = math.ceil(rows_needed / 2)
    cols = max(1, math.ceil(math.sqrt(blocks * CELL_Y / CELL_X)))
    block_rows = math.ceil(blocks / cols)
    # Centre the grid on Burlington's corner; ``shift_lon`` moves a second town out of the way.
    lon0 = ORIGIN_LON + shift_lon - (cols * CELL_X / 2) / M_PER_DEG_LON
    lat0 = ORIGIN_LAT - (block_rows * CELL_Y / 2) / M_PER_DEG_LAT

    # Every lot's place: (block row, block column, row in block (0 south, 1 north), position in row).
    slots = [(b // cols, b % cols, r, i) for b in range(blocks) for r in range(2) for i in range(LOTS_PER_ROW)][:count]
    overlapping = set(
        rng.sample([n for n, s in enumerate(slots) if s[3] < LOTS_PER_ROW - 1 and n + 1 < count], k=count // 100)
    )
    special = rng.sample(range(count), k=2 * (count // 200))
    holed, multi = set(special[: count // 200]), set(special[count // 200 :])

    # Side lines of each row: where they meet the street (front) and the alley (back).
    lines: dict[tuple[int, int, int], tuple[list[float], list[float]]] = {}
    records = []
    many_vertices = 0
    for n, (brow, bcol, row, i) in enumerate(slots):
        key = (brow, bcol, row)
        if key not in lines:
            front = [0.0] + [k * LOT_WIDTH + rng.uniform(-5, 5) for k in range(1, LOTS_PER_ROW)] + [BLOCK_LENGTH]
            back = [front[0]] + [u + rng.uniform(-1.5, 1.5) for u in front[1:-1]] + [front[-1]]
            lines[key] = (front, back)
        front, back = lines[key]
        reach = rng.uniform(2, 4) if n in overlapping else 0.0
        left_f, right_f = front[i], front[i + 1] + reach
        left_b, right_b = back[i], back[i + 1] + reach

        # The lot in its row's frame: u along the street, v from the front line (0) to the alley.
        front_edge = [(left_f, 0.0), (right_f, 0.0)]
        if i == 0 and rng.random() < 0.5:  # a cut corner where the cross street meets this one
            front_edge = [(0.0, 3.0), (3.0, 0.0), (right_f, 0.0)]
        elif i == LOTS_PER_ROW - 1 and rng.random() < 0.5:
            front_edge = [(left_f, 0.0), (BLOCK_LENGTH - 3.0, 0.0), (BLOCK_LENGTH, 3.0)]
        if rng.random() < 0.12:  # a frontage that follows a curving street: 1-3 more vertices
            at = next(k for k in range(len(front_edge) - 1) if front_edge[k][1] == front_edge[k + 1][1] == 0.0)
            (u0, _), (u1, _) = front_edge[at], front_edge[at + 1]
            bends = rng.randint(1, 3)
            extra = [(u0 + (u1 - u0) * k / (bends + 1), -rng.uniform(0.2, 1.2)) for k in range(1, bends + 1)]
            front_edge = [*front_edge[: at + 1], *extra, *front_edge[at + 1 :]]
        shell = [*front_edge, (right_b, LOT_DEPTH), (left_b, LOT_DEPTH)]
        if len(shell) > 4:
            many_vertices += 1
        polygons = [[shell]]
        if n in holed:
            cu = (left_b + right_b) / 2
            polygons[0].append([(cu - 2, 15.0), (cu - 2, 19.0), (cu + 2, 19.0), (cu + 2, 15.0)])  # clockwise
        if n in multi:
            cu = (left_b + right_b) / 2
            polygons.append([[(cu - 3, LOT_DEPTH + 1), (cu + 3, LOT_DEPTH + 1), (cu + 3, 42.5), (cu - 3, 42.5)]])
        area = sum(_shoelace(rings[0]) + sum(_shoelace(h) for h in rings[1:]) for rings in polygons)

        # Row frame → metres east/north of the grid's corner (the north row faces the other way).
        x0, y0 = bcol * CELL_X, brow * CELL_Y
        mirrored = row == 1

        def place(ring: list[tuple[float, float]], *, x0: float = x0, y0: float = y0, m: bool = mirrored) -> list:
            points = [(x0 + u, y0 + (BLOCK_DEPTH - v if m else v)) for u, v in ring]
            if m:
                points.reverse()  # mirroring flips the winding; keep shells counter-clockwise
            coords = [_lonlat(x, y, lon0, lat0) for x, y in points]
            return [*coords, coords[0]]

        parts = [[place(ring) for ring in rings] for rings in polygons]
        geometry = (
            {"type": "Polygon", "coordinates": parts[0]}
            if len(parts) == 1
            else {"type": "MultiPolygon", "coordinates": parts}
        )

        lot = row * LOTS_PER_ROW + i + 1
        apn = f"{apn_prefix}{brow:03d}-{bcol:03d}-{lot:03d}"
        street_index = brow + row
        number = 100 * (bcol + 1) + 2 * i + (1 if row == 0 else 2)
        fields: dict[str, Any] = {
            "address": f"{number} {_street(street_index)}",
            "status": "held" if rng.random() < 0.85 else "acquired",
        }
        if rng.random() < 0.6:
            fields["acquisition_date"] = f"{rng.randint(1990, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            fields["acquisition_price"] = f"{rng.randrange(40_000, 400_000, 500)}.00"
        if rng.random() < 0.7:
            factor = rng.uniform(1.05, 1.15) if rng.random() < 0.02 else rng.uniform(0.998, 1.002)
            fields["official_area_m2"] = Decimal(repr(area * factor)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        records.append(ReadRecord(index=n + 1, ident=apn, apn=apn, geometry=geometry, fields=fields))

    west, south = _lonlat(-STREET, -STREET, lon0, lat0)
    east, north = _lonlat(cols * CELL_X, block_rows * CELL_Y, lon0, lat0)
    return Town(
        records=records,
        extent=(west, south, east, north),
        centre=((west + east) / 2, (south + north) / 2),
        intended_overlaps=len(overlapping),
        holes=len(holed),
        multipolygons=len(multi),
        many_vertices=many_vertices,
    )


# ---------------------------------------------------------------------------------------------
# Measurements
# ---------------------------------------------------------------------------------------------


def _maxrss_mb() -> float:
    # Linux reports kilobytes, macOS bytes.
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / MB


def time_import(records: list[Any]) -> tuple[Any, float, dict[str, float], float, float]:
    """The real import: seconds, seconds per stage, RSS high-water growth and the process peak (MB)."""
    from properties.imports import parcels_import

    marks: dict[str, float] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if done == total:
            marks[stage] = time.perf_counter()

    gc.collect()
    rss_before = _maxrss_mb()
    start = time.perf_counter()
    report = parcels_import(records, actor=None, reason="bench", progress=progress)
    elapsed = time.perf_counter() - start
    rss_after = _maxrss_mb()
    stages, previous = {}, start
    for stage in ("validate", "prepare", "write", "overlaps"):
        if stage in marks:
            stages[stage] = marks[stage] - previous
            previous = marks[stage]
    stages["commit"] = start + elapsed - previous
    return report, elapsed, stages, rss_after - rss_before, rss_after


def traced_import_peak(records: list[Any]) -> float:
    """tracemalloc's peak (MB) of the same import, on a second town out of the first one's way.

    A dry run (written, then rolled back) so the registry keeps one town; tracing slows Python
    down a lot, so this run is not timed.
    """
    from properties.imports import parcels_import

    gc.collect()
    tracemalloc.start()
    try:
        parcels_import(records, actor=None, reason="bench (traced)", dry_run=True)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / MB


def time_pure(records: list[Any]) -> dict[str, Any]:
    """Validation, measuring and the STRtree overlap search alone: no database, no Django models."""
    from clt.collector import collector_paused
    from properties import geometry
    from properties.services import OVERLAP_MIN_AREA_M2

    start = time.perf_counter()
    # As the import does it: the whole file at once, the cycle collector paused.
    with collector_paused():
        shapes = geometry.parse_parcel_geometries([r.geometry for r in records])
        parsed = time.perf_counter()
        geometry.measure_many(shapes)
        measured = time.perf_counter()
    overlaps = geometry.find_overlaps(shapes, min_area_m2=OVERLAP_MIN_AREA_M2)
    searched = time.perf_counter()
    return {
        "validate": parsed - start,
        "measure": measured - parsed,
        "overlaps": searched - measured,
        "found": len(overlaps),
    }


@dataclass
class Timing:
    median_ms: float
    min_ms: float
    max_ms: float
    queries: int
    size: int
    cpu_ms: float  # the process's CPU time of the median request


def time_get(client: Any, url: str, repeat: int) -> Timing:
    """One warm-up request that counts the SQL queries, then ``repeat`` timed ones (no query capture)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    queries = len(captured)  # now: the next request_started empties connection.queries
    if response.status_code != 200:
        raise SystemExit(f"GET {url} answered {response.status_code}: {response.content[:500]!r}")
    size = len(response.content)
    times, cpus = [], []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} answered {response.status_code}")
    return Timing(statistics.median(times), min(times), max(times), queries, size, statistics.median(cpus))


def staff_client() -> Any:
    from builder import staff_user
    from django.test import Client

    client = Client()
    client.force_login(staff_user())
    return client


def viewport(centre: tuple[float, float], metres: float) -> tuple[float, float, float, float]:
    half_lon, half_lat = metres / 2 / M_PER_DEG_LON, metres / 2 / M_PER_DEG_LAT
    return centre[0] - half_lon, centre[1] - half_lat, centre[0] + half_lon, centre[1] + half_lat


def geojson_url(bbox: tuple[float, float, float, float], zoom: int) -> str:
    return "/api/v1/parcels/geojson/?" + urlencode({"bbox": ",".join(f"{v:.6f}" for v in bbox), "zoom": zoom})


# ---------------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------------


def _limit(measure: str, ours: float, limit: float, unit: str, shown: str) -> Measure:
    """A row judged against a limit: the ratio is limit / ours (1.25 is 20 % inside it)."""
    return Measure(measure, shown, f"limit: {limit:g} {unit}", ratio(limit, ours), 1.0)


def _context(measure: str, shown: str) -> Measure:
    return Measure(measure, shown, "", None, None)


def run(args: argparse.Namespace, where: str) -> list[Measure]:
    from django.db import connection

    from properties.models import Parcel, ParcelOverlap

    count = args.count
    rows: list[Measure] = []
    add = rows.append
    db = connection.vendor
    print(f"database: {where} ({db})", flush=True)

    start = time.perf_counter()
    town = generate_town(count)
    print(
        f"generated {count:,} parcels in {time.perf_counter() - start:.2f} s: {town.many_vertices:,} with 5-8 "
        f"vertices, {town.multipolygons} MultiPolygons, {town.holes} with a hole, "
        f"{town.intended_overlaps} reaching over a neighbour",
        flush=True,
    )

    cpu = time.process_time()
    report, elapsed, stages, rss_growth, rss_peak = time_import(town.records)
    cpu = time.process_time() - cpu
    stored = Parcel.objects.count()
    overlaps_stored = ParcelOverlap.objects.count()
    if stored != count or report.created != count:
        raise SystemExit(f"the import stored {stored} parcels (report: {report.created} created); expected {count}")
    if len(report.overlaps) < town.intended_overlaps:
        raise SystemExit(f"{len(report.overlaps)} overlaps found, fewer than the {town.intended_overlaps} planted")
    print(f"imported in {elapsed:.2f} s; {len(report.overlaps)} overlaps recorded", flush=True)
    add(
        _limit(
            f"import {count:,} parcels with history (parcels_import, {db})",
            elapsed,
            TARGET_IMPORT_S,
            "s",
            f"{seconds(elapsed)} (CPU {seconds(cpu)})",
        )
    )
    labels = {
        "validate": "parse + validate geometries and fields",
        "prepare": "measure (geodesic area, centroid, bbox), build models",
        "write": "insert parcels + history rows",
        "overlaps": "overlap search (STRtree) + candidates query + insert",
        "commit": "commit",
    }
    for stage, spent in stages.items():
        add(_context(f"  import stage: {labels[stage]}", seconds(spent)))
    add(
        _context(
            "  overlaps found / recorded / planted",
            f"{len(report.overlaps)} / {overlaps_stored} / {town.intended_overlaps}",
        )
    )
    add(_context("  area mismatches flagged", f"{len(report.area_mismatches)}"))
    add(
        _limit(
            "import peak memory: RSS growth (ru_maxrss delta)",
            rss_growth,
            TARGET_MEMORY_MB,
            "MB",
            f"{rss_growth:.0f} MB",
        )
    )
    add(_context("  process peak RSS after import (ru_maxrss, absolute)", f"{rss_peak:.0f} MB"))

    pure = time_pure(town.records)
    add(_context("  no DB: parse + validate geometries", seconds(pure["validate"])))
    add(_context("  no DB: measure (geodesic area, centroid, bbox)", seconds(pure["measure"])))
    add(
        _context(
            "  no DB: STRtree overlap search (find_overlaps)", f"{seconds(pure['overlaps'])} ({pure['found']} pairs)"
        )
    )

    if not args.skip_traced:
        shadow = generate_town(count, apn_prefix="B", shift_lon=0.5)
        traced = traced_import_peak(shadow.records)
        del shadow
        add(
            _limit(
                "import peak memory: Python heap (tracemalloc peak)", traced, TARGET_MEMORY_MB, "MB", f"{traced:.0f} MB"
            )
        )
    print("import measured; timing requests", flush=True)

    client = staff_client()
    town_url = geojson_url(town.extent, 13)
    street_url = geojson_url(viewport(town.centre, 300), 17)
    town_map = time_get(client, town_url, args.repeat)
    kind = "clusters" if b'"cluster":true' in client.get(town_url).content else "points"
    add(
        _limit(
            f"map, town-wide, {count:,} parcels (zoom 13, {kind}): payload ({db})",
            town_map.size / 1e6,
            TARGET_PAYLOAD_MB,
            "MB",
            megabytes(town_map.size),
        )
    )
    add(
        _limit(
            f"map, town-wide, {count:,} parcels: server time, median ({db})",
            town_map.median_ms / 1000,
            TARGET_MAP_MS / 1000,
            "s",
            f"{seconds(town_map.median_ms / 1000)} (CPU {seconds(town_map.cpu_ms / 1000)}, {town_map.queries} queries)",
        )
    )
    street_map = time_get(client, street_url, args.repeat)
    features = street_map_features(client, street_url)
    add(
        _context(
            f"  map, street 300 m (zoom 17, {features} polygons): payload, time",
            f"{megabytes(street_map.size)}, {seconds(street_map.median_ms / 1000)} ({street_map.queries} queries)",
        )
    )
    for label, url in (
        ("list page /parcels/ (50)", "/parcels/"),
        ("API list /api/v1/parcels/ (50)", "/api/v1/parcels/"),
    ):
        timing = time_get(client, url, args.repeat)
        add(
            _limit(
                f"{label}, {count:,} parcels: server time, median ({db})",
                timing.median_ms / 1000,
                TARGET_PAGE_MS / 1000,
                "s",
                f"{seconds(timing.median_ms / 1000)} (CPU {seconds(timing.cpu_ms / 1000)}, {timing.queries} queries)",
            )
        )
    return rows


def street_map_features(client: Any, url: str) -> int:
    import json

    return len(json.loads(client.get(url).content)["features"])


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    _backend, rows = on_throwaway_database(args, run)
    return 0 if record(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
