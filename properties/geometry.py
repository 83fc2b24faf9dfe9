"""Parcel geometry: GeoJSON in, validated shapely out, with geodesic areas and overlaps.

Pure: no Django import, no I/O. Every check returns *all* the problems it finds, each with a
code, its parameters and an English message, so a command can list every bad feature of a file
and the web layer can translate the message from the code.

Conventions (RFC 7946): coordinates are WGS84 longitude, latitude; exterior rings run
counter-clockwise and holes clockwise (we orient on the way in, so what we store and export is
canonical); a parcel is a Polygon or a MultiPolygon. Areas are geodesic on the WGS84 ellipsoid
(``pyproj.Geod``), never planar degrees.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain
from numbers import Real
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Geod, Transformer
from pyproj.exceptions import CRSError
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry

__all__ = [
    "ACRES_PER_SQUARE_METRE",
    "MAX_VERTICES",
    "GeometryError",
    "Overlap",
    "ParcelShape",
    "Problem",
    "check_split",
    "crs_of_feature_collection",
    "expand_extent",
    "extent_of",
    "find_overlaps",
    "geodesic_area_m2",
    "location_problem",
    "measure",
    "measure_many",
    "merge_geometries",
    "parse_parcel_geometries",
    "parse_parcel_geometry",
    "reproject",
    "to_geojson",
    "to_wkt",
    "wkt_to_geojson",
]

WGS84 = "EPSG:4326"
GEOD = Geod(ellps="WGS84")
# An international acre is 4,046.8564224 m² exactly (1 ac = 43,560 ft², 1 ft = 0.3048 m).
SQUARE_METRES_PER_ACRE = 4046.8564224
ACRES_PER_SQUARE_METRE = 1 / SQUARE_METRES_PER_ACRE
PARCEL_TYPES = ("Polygon", "MultiPolygon")
# Positions in one parcel's boundary, all rings counted. A county's most intricate parcels (a
# riverbank, a subdivision's common land) have a few thousand; beyond this a boundary is noise
# or a mistake, and checking it is what costs: 400,000 positions took 390 MB and 19 s to import.
MAX_VERTICES = 20_000


# ---------------------------------------------------------------------------------------------
# Problems
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a geometry: a stable code, its parameters, and an English message."""

    code: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message


class GeometryError(ValueError):
    """Raised with every problem found, not just the first."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = tuple(problems)
        super().__init__("; ".join(p.message for p in self.problems))


def _problem(code: str, message: str, **params: Any) -> Problem:
    return Problem(code=code, message=message % params if params else message, params=params)


# ---------------------------------------------------------------------------------------------
# Parsing and validation
# ---------------------------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an integer written with hundreds of digits, which JSON allows: no coordinate
        return False


def _structure_problems(obj: Any) -> list[Problem]:
    """Checks on the raw GeoJSON that shapely would silently repair (it closes open rings)."""
    if not isinstance(obj, dict):
        return [_problem("malformed", "The geometry must be a GeoJSON object with a type and coordinates.")]
    kind = obj.get("type")
    if kind not in PARCEL_TYPES:
        return [
            _problem(
                "geometry_type",
                "Geometry type %(type)s is not allowed: a parcel is a Polygon or a MultiPolygon.",
                type=kind if isinstance(kind, str) else repr(kind),
            )
        ]
    coords = obj.get("coordinates")
    if not isinstance(coords, list):
        return [_problem("malformed", "The geometry has no coordinates list.")]
    if not coords:
        return [_problem("empty", "The geometry is empty: it has no coordinates.")]
    polygons = [coords] if kind == "Polygon" else coords
    # Counted before anything else looks at a position (a cheap sum of list lengths), so an
    # enormous boundary is refused before it is validated or handed to shapely.
    count = sum(len(ring) for rings in polygons if isinstance(rings, list) for ring in rings if isinstance(ring, list))
    if count > MAX_VERTICES:
        return [_too_many_vertices(count)]
    problems: list[Problem] = []
    for p_index, rings in enumerate(polygons):
        if not isinstance(rings, list) or not rings:
            problems.append(_problem("empty", "Polygon %(polygon)d is empty: it has no rings.", polygon=p_index + 1))
            continue
        for r_index, ring in enumerate(rings):
            where = {"polygon": p_index + 1, "ring": r_index + 1}
            if not isinstance(ring, list) or not all(
                isinstance(pos, list | tuple) and 2 <= len(pos) <= 3 and all(_is_number(v) for v in pos) for pos in ring
            ):
                problems.append(
                    _problem(
                        "malformed",
                        "Polygon %(polygon)d, ring %(ring)d: every position must be [longitude, latitude].",
                        **where,
                    )
                )
                continue
            if len(ring) == 0:
                problems.append(_problem("empty", "Polygon %(polygon)d, ring %(ring)d is empty.", **where))
                continue
            if list(ring[0][:2]) != list(ring[-1][:2]):
                problems.append(
                    _problem(
                        "ring_not_closed",
                        "Polygon %(polygon)d, ring %(ring)d is not closed: its last position must repeat its first.",
                        **where,
                    )
                )
            elif len(ring) < 4:
                problems.append(
                    _problem(
                        "too_few_points",
                        "Polygon %(polygon)d, ring %(ring)d has %(count)d positions; a ring needs at least 4.",
                        count=len(ring),
                        **where,
                    )
                )
    return problems


def _too_many_vertices(count: int) -> Problem:
    return _problem(
        "too_many_vertices",
        "The boundary has %(count)d positions; a parcel has at most %(limit)d.",
        count=count,
        limit=MAX_VERTICES,
    )


def _range_problems(geom: BaseGeometry) -> list[Problem]:
    coords = shapely.get_coordinates(geom)
    if coords.size == 0:
        return []
    xs, ys = coords[:, 0], coords[:, 1]
    if (np.abs(xs) <= 180).all() and (np.abs(ys) <= 90).all():
        return []
    sample = {"x": round(float(xs[0]), 6), "y": round(float(ys[0]), 6)}
    if (np.abs(xs) <= 90).all() and (np.abs(ys) <= 180).all():
        return [
            _problem(
                "lat_lon_order",
                "Coordinates look like latitude, longitude (first position %(x)s, %(y)s); GeoJSON "
                "positions are longitude, latitude (RFC 7946).",
                **sample,
            )
        ]
    if (np.abs(coords) > 1000).any():
        return [
            _problem(
                "projected_coordinates",
                "Coordinates are not longitude/latitude (first position %(x)s, %(y)s): the data looks "
                "projected. Give its coordinate reference system (an EPSG code) so it can be reprojected.",
                **sample,
            )
        ]
    return [
        _problem(
            "out_of_range",
            "Coordinates are out of range: longitude must be within ±180 and latitude within ±90 "
            "(first position %(x)s, %(y)s).",
            **sample,
        )
    ]


def _validity_problems(geom: BaseGeometry) -> list[Problem]:
    if geom.is_empty:
        return [_problem("empty", "The geometry is empty.")]
    reason = shapely.is_valid_reason(geom)
    if reason == "Valid Geometry":
        if geom.area == 0:
            return [_problem("zero_area", "The geometry encloses no area.")]
        return []
    # GEOS says e.g. "Self-intersection[-111.9 40.8]"; keep the location for the reader.
    head, _, tail = reason.partition("[")
    location = tail.rstrip("]").split()
    params: dict[str, Any] = {}
    if len(location) >= 2:
        params = {"x": round(float(location[0]), 7), "y": round(float(location[1]), 7)}
    where = " at (%(x)s, %(y)s)" if params else ""
    head = head.strip()
    if head == "Self-intersection":
        return [_problem("self_intersection", "The polygon's edges cross each other" + where + ".", **params)]
    if head == "Ring Self-intersection":
        return [_problem("ring_self_intersection", "A ring touches itself" + where + ".", **params)]
    if head == "Hole lies outside shell":
        return [_problem("hole_outside_shell", "A hole lies outside its polygon" + where + ".", **params)]
    if head == "Nested shells":
        return [
            _problem("nested_shells", "One polygon of the MultiPolygon lies inside another" + where + ".", **params)
        ]
    if head == "Too few points":
        return [_problem("too_few_points", "A ring has too few distinct points" + where + ".", **params)]
    return [_problem("invalid", "The geometry is not valid: %(reason)s.", reason=reason)]


def _build(obj: dict) -> BaseGeometry:
    geom = shape(obj)
    # force_2d copies the geometry even when it has no Z to drop.
    return shapely.force_2d(geom) if shapely.has_z(geom) else geom


def parse_parcel_geometry(obj: Any, *, source_crs: str | None = None) -> BaseGeometry:
    """Validate a GeoJSON geometry and return it as an oriented WGS84 shapely geometry.

    ``source_crs`` (e.g. ``"EPSG:2286"``) reprojects from a county's projected system first.
    Raises :class:`GeometryError` listing every problem.
    """
    problems = _structure_problems(obj)
    if problems:
        raise GeometryError(problems)
    try:
        geom = _build(obj)
    except (ValueError, TypeError, shapely.errors.GEOSException) as exc:
        raise GeometryError([_problem("malformed", "The geometry cannot be read: %(error)s.", error=str(exc))]) from exc
    if source_crs:
        geom = reproject(geom, source_crs)
    problems = _range_problems(geom)
    if problems:
        raise GeometryError(problems)
    problems = _validity_problems(geom)
    if problems:
        raise GeometryError(problems)
    return orient(geom)


# What a position and its numbers are in a file that needs none of the detailed checks' messages: JSON
# gives lists, ints and floats (a bool is not an int here: ``type`` is exact).
_LIST = frozenset((list,))
_PAIR = frozenset((2,))
_NUMBER = frozenset((int, float))


def _plain_polygons(obj: Any) -> list | tuple | None:
    """The polygons of ``obj`` when it is a 2-D GeoJSON Polygon or MultiPolygon whose every ring is a closed
    list of at least 4 ``[x, y]`` number pairs, within ``MAX_VERTICES``; None sends it to the full checks.

    Set operations over ``map(type, …)`` run in C: the common case costs a few calls per ring, not one
    Python call per number as ``_structure_problems`` does (which still decides, and words, every other case).
    """
    if type(obj) is not dict:
        return None
    kind, coords = obj.get("type"), obj.get("coordinates")
    if type(coords) is not list or not coords:
        return None
    if kind == "Polygon":
        polygons: list | tuple = (coords,)
    elif kind == "MultiPolygon":
        polygons = coords
    else:
        return None
    count = 0
    for rings in polygons:
        if type(rings) is not list or not rings:
            return None
        for ring in rings:
            if type(ring) is not list or len(ring) < 4 or not _LIST.issuperset(map(type, ring)):
                return None
            if not _PAIR.issuperset(map(len, ring)) or ring[0] != ring[-1]:
                return None
            if not _NUMBER.issuperset(map(type, chain.from_iterable(ring))):
                return None
            count += len(ring)
    return polygons if count <= MAX_VERTICES else None


def _ragged(kind: shapely.GeometryType, members: list[list | tuple], coords: np.ndarray) -> np.ndarray:
    """Polygons or MultiPolygons of ``members`` (each its polygons' rings) over their ``coords`` in order."""
    ring_ends, polygon_ends, multi_ends = [0], [0], [0]
    for polygons in members:
        for rings in polygons:
            for ring in rings:
                ring_ends.append(ring_ends[-1] + len(ring))
            polygon_ends.append(len(ring_ends) - 1)
        multi_ends.append(len(polygon_ends) - 1)
    offsets = [np.asarray(ring_ends), np.asarray(polygon_ends)]
    if kind == shapely.GeometryType.MULTIPOLYGON:
        offsets.append(np.asarray(multi_ends))
    return shapely.from_ragged_array(kind, coords, tuple(offsets))


def parse_parcel_geometries(
    objs: Sequence[Any], *, source_crs: str | None = None
) -> list[BaseGeometry | GeometryError]:
    """``parse_parcel_geometry`` of each of ``objs``: its geometry, or the ``GeometryError`` it raises.

    The same results for a whole file at once. The well-formed boundaries (``_plain_polygons``) are built,
    reprojected, range-checked, validated and oriented by shapely's array functions, one call each for the
    file; any boundary one of these flags, and every boundary the quick look does not pass, goes through
    ``parse_parcel_geometry`` itself, so its problems are found and worded exactly as one at a time.
    """
    results: list[BaseGeometry | GeometryError | None] = [None] * len(objs)
    groups: dict[str, tuple[list[int], list]] = {"Polygon": ([], []), "MultiPolygon": ([], [])}
    for position, obj in enumerate(objs):
        polygons = _plain_polygons(obj)
        if polygons is not None:
            positions, members = groups[obj["type"]]
            positions.append(position)
            members.append(polygons)
    kinds = {"Polygon": shapely.GeometryType.POLYGON, "MultiPolygon": shapely.GeometryType.MULTIPOLYGON}
    for name, (positions, members) in groups.items():
        if not positions:
            continue
        try:
            numbers = np.fromiter(
                chain.from_iterable(chain.from_iterable(chain.from_iterable(chain.from_iterable(members)))), dtype=float
            )
        except OverflowError:  # an integer beyond a float: the full checks say which boundary
            continue
        coords = numbers.reshape(-1, 2)
        sizes = [sum(len(ring) for rings in polygons for ring in rings) for polygons in members]
        owner = np.repeat(np.arange(len(positions)), sizes)
        bad = ~np.isfinite(coords).all(axis=1)
        if source_crs:
            transformer = _transformer(normalise_crs(source_crs))
            lon, lat = transformer.transform(coords[:, 0], coords[:, 1])
            coords = np.column_stack([lon, lat])
        bad |= ~((np.abs(coords[:, 0]) <= 180) & (np.abs(coords[:, 1]) <= 90))
        flagged = set(owner[bad].tolist())
        geoms = _ragged(kinds[name], members, coords)
        fine = shapely.is_valid(geoms) & (shapely.area(geoms) > 0)
        fine[list(flagged)] = False
        kept = np.flatnonzero(fine)
        for index, geom in zip(kept.tolist(), shapely.orient_polygons(geoms[kept], exterior_cw=False), strict=True):
            results[positions[index]] = geom
    for position, obj in enumerate(objs):
        if results[position] is None:
            try:
                results[position] = parse_parcel_geometry(obj, source_crs=source_crs)
            except GeometryError as exc:
                results[position] = exc
    return results  # type: ignore[return-value]


def orient(geom: BaseGeometry) -> BaseGeometry:
    """Exterior rings counter-clockwise, holes clockwise (RFC 7946 §3.1.6)."""
    return shapely.orient_polygons(geom, exterior_cw=False)


# ---------------------------------------------------------------------------------------------
# Conversion
# ---------------------------------------------------------------------------------------------


def _listify(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_listify(v) for v in value]
    return value


def _rings(polygon: Polygon) -> list[list[list[float]]]:
    return [shapely.get_coordinates(ring).tolist() for ring in (polygon.exterior, *polygon.interiors)]


def to_geojson(geom: BaseGeometry) -> dict[str, Any]:
    """A plain-JSON GeoJSON geometry (lists, not tuples), keeping Polygon vs MultiPolygon.

    Polygons read their rings' coordinates as arrays (the same floats ``mapping`` gives, without a tuple per
    vertex to turn into a list again): an import converts a town's boundaries at once.
    """
    flat = not geom.is_empty and not shapely.has_z(geom)
    if flat and geom.geom_type == "Polygon":
        if not shapely.get_num_interior_rings(geom):  # most lots: the shell's coordinates are all there is
            return {"type": "Polygon", "coordinates": [shapely.get_coordinates(geom).tolist()]}
        return {"type": "Polygon", "coordinates": _rings(geom)}
    if flat and geom.geom_type == "MultiPolygon":
        return {"type": "MultiPolygon", "coordinates": [_rings(part) for part in geom.geoms]}
    data = mapping(geom)
    return {"type": data["type"], "coordinates": _listify(data["coordinates"])}


def to_wkt(obj: dict[str, Any] | BaseGeometry) -> str:
    """Full-precision WKT: an export must re-import to the same coordinates."""
    geom = obj if isinstance(obj, BaseGeometry) else _build(obj)
    # Trimmed, GEOS writes the shortest form that reads back exactly, but with at most this many
    # decimals. -1 means 16, which loses digits below 1 (a parcel near Greenwich or the equator);
    # 17 significant digits of any value written positionally (|x| >= 1e-4) fit in 20.
    return shapely.to_wkt(geom, rounding_precision=20, trim=True)


def wkt_to_geojson(text: str) -> dict[str, Any]:
    """Read WKT into a GeoJSON geometry dict (not yet validated)."""
    try:
        geom = shapely.from_wkt(text)
    except shapely.errors.GEOSException as exc:
        raise GeometryError([_problem("wkt_unreadable", "The WKT cannot be read: %(error)s.", error=str(exc))]) from exc
    if geom is None:
        raise GeometryError([_problem("empty", "The geometry is empty.")])
    if geom.is_empty:
        raise GeometryError([_problem("empty", "The geometry is empty (%(wkt)s).", wkt=text.strip()[:40])])
    count = shapely.get_num_coordinates(geom)
    if count > MAX_VERTICES:  # before to_geojson turns each position into Python lists
        raise GeometryError([_too_many_vertices(count)])
    if geom.geom_type not in PARCEL_TYPES:
        raise GeometryError(
            [
                _problem(
                    "geometry_type",
                    "Geometry type %(type)s is not allowed: a parcel is a Polygon or a MultiPolygon.",
                    type=geom.geom_type,
                )
            ]
        )
    return to_geojson(geom)


# ---------------------------------------------------------------------------------------------
# Coordinate reference systems
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=32)
def _transformer(source_crs: str) -> Transformer:
    return Transformer.from_crs(CRS.from_user_input(source_crs), WGS84, always_xy=True)


def normalise_crs(value: str | int) -> str:
    """``2286``, ``"EPSG:2286"`` or ``"urn:ogc:def:crs:EPSG::2286"`` → ``"EPSG:2286"``.

    Raises ``ValueError`` with pyproj's reason when the system is unknown.
    """
    text = str(value).strip()
    if text.isdigit():
        text = f"EPSG:{text}"
    try:
        crs = CRS.from_user_input(text)
    except CRSError as exc:  # a RuntimeError, not the ValueError promised above
        raise ValueError(str(exc)) from exc
    authority = crs.to_authority()
    return f"{authority[0]}:{authority[1]}" if authority else crs.to_string()


def crs_of_feature_collection(collection: dict[str, Any]) -> str | None:
    """The legacy GeoJSON 2008 ``crs`` member, if the file has one (RFC 7946 dropped it)."""
    crs = collection.get("crs")
    if not isinstance(crs, dict):
        return None
    name = (crs.get("properties") or {}).get("name")
    if not name:
        return None
    if "CRS84" in name.upper():
        return WGS84
    return normalise_crs(name)


def reproject(geom: BaseGeometry, source_crs: str) -> BaseGeometry:
    """Reproject one geometry (or a numpy array of them) to WGS84 longitude/latitude."""
    transformer = _transformer(normalise_crs(source_crs))

    def transform(xy: np.ndarray) -> np.ndarray:
        lon, lat = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([lon, lat])

    return shapely.transform(geom, transform)


# ---------------------------------------------------------------------------------------------
# Measures
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParcelShape:
    """What we store beside a parcel's geometry so that maps and lists never recompute it."""

    geojson: dict[str, Any]
    area_m2: float
    centroid: tuple[float, float]
    bbox: tuple[float, float, float, float]

    @property
    def area_acres(self) -> float:
        return self.area_m2 * ACRES_PER_SQUARE_METRE


def geodesic_area_m2(geom: BaseGeometry) -> float:
    """Area on the WGS84 ellipsoid in square metres (holes subtracted)."""
    if geom.is_empty:
        return 0.0
    # pyproj sums signed ring areas, so a hole wound like its shell would be added, not
    # subtracted, and a clockwise member of a MultiPolygon would cancel a counter-clockwise one.
    area, _perimeter = GEOD.geometry_area_perimeter(orient(geom))
    return abs(area)


def measure(geom: BaseGeometry) -> ParcelShape:
    """Area, centroid and bounding box of a validated WGS84 geometry."""
    centroid = geom.centroid
    minx, miny, maxx, maxy = geom.bounds
    return ParcelShape(
        geojson=to_geojson(geom),
        area_m2=geodesic_area_m2(geom),
        centroid=(centroid.x, centroid.y),
        bbox=(minx, miny, maxx, maxy),
    )


def measure_many(geoms: Sequence[BaseGeometry]) -> list[ParcelShape]:
    """``measure`` of each of ``geoms`` (validated, oriented, 2-D Polygons and MultiPolygons), with equal results.

    Centroids, boxes and coordinates come from one shapely call each for all of them, and the coordinates
    become Python floats in one ``tolist``. The area sums pyproj's ring areas as ``Geod.geometry_area_perimeter``
    does (a polygon: its shell plus its holes in order; a MultiPolygon: its polygons from 0.0), without that
    function's per-ring Python steps.
    """
    arr = np.asarray(geoms, dtype=object)
    if len(arr) == 0:
        return []
    if shapely.has_z(arr).any() or shapely.is_empty(arr).any():
        return [measure(g) for g in geoms]
    centroids = shapely.get_coordinates(shapely.centroid(arr)).tolist()
    boxes = shapely.bounds(arr).tolist()
    multi = (shapely.get_type_id(arr) == shapely.GeometryType.MULTIPOLYGON).tolist()
    kind, coords, offsets = shapely.to_ragged_array(arr)
    ring_ends, polygon_ends = offsets[0].tolist(), offsets[1].tolist()
    # Polygons alone come as one level fewer: each geometry is then its one polygon.
    geom_ends = offsets[2].tolist() if kind == shapely.GeometryType.MULTIPOLYGON else list(range(len(arr) + 1))
    xs, ys = np.ascontiguousarray(coords[:, 0]), np.ascontiguousarray(coords[:, 1])
    positions = coords.tolist()
    area_of = GEOD.polygon_area_perimeter
    shapes: list[ParcelShape] = []
    for index in range(len(arr)):
        polygons, total = [], 0.0
        for polygon in range(geom_ends[index], geom_ends[index + 1]):
            first, last = polygon_ends[polygon], polygon_ends[polygon + 1]
            rings, polygon_area = [], 0.0
            for ring in range(first, last):
                start, end = ring_ends[ring], ring_ends[ring + 1]
                area = area_of(xs[start:end], ys[start:end])[0]
                polygon_area = area if ring == first else polygon_area + area
                rings.append(positions[start:end])
            polygons.append(rings)
            total += polygon_area
        geojson = (
            {"type": "MultiPolygon", "coordinates": polygons}
            if multi[index]
            else {"type": "Polygon", "coordinates": polygons[0]}
        )
        shapes.append(
            ParcelShape(geojson=geojson, area_m2=abs(total), centroid=tuple(centroids[index]), bbox=tuple(boxes[index]))
        )
    return shapes


def relative_difference(measured: Real, official: Real) -> Real | None:
    """|measured − official| / official, or None when there is no official figure to compare."""
    if not official:
        return None
    return abs(measured - official) / abs(official)


# ---------------------------------------------------------------------------------------------
# Overlaps, splits and merges
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Overlap:
    """Two geometries (by their index in the input) whose interiors share ``area_m2``."""

    first: int
    second: int
    area_m2: float


def find_overlaps(
    geoms: Sequence[BaseGeometry],
    *,
    against: Sequence[BaseGeometry] | None = None,
    min_area_m2: float = 1.0,
) -> list[Overlap]:
    """Pairs whose interiors overlap by at least ``min_area_m2`` (touching edges do not count).

    Without ``against``: pairs within ``geoms`` (``first < second``). With it: pairs of one of
    ``geoms`` (``first``) and one of ``against`` (``second``). An STRtree finds the candidates
    and the intersections are computed in one vectorised call, so 10,000 parcels take a
    fraction of a second.
    """
    left = np.asarray(geoms, dtype=object)
    right = left if against is None else np.asarray(against, dtype=object)
    if len(left) == 0 or len(right) == 0:
        return []
    tree = shapely.STRtree(right)
    i, j = tree.query(left, predicate="intersects")
    if against is None:
        keep = i < j
        i, j = i[keep], j[keep]
    if len(i) == 0:
        return []
    pieces = shapely.intersection(left[i], right[j])
    # Planar area in degrees only screens out shared edges (area 0) cheaply; what we report is
    # geodesic.
    candidate = shapely.area(pieces) > 0
    overlaps = []
    for a, b, piece in zip(i[candidate], j[candidate], pieces[candidate], strict=True):
        area = geodesic_area_m2(piece)
        if area >= min_area_m2:
            overlaps.append(Overlap(first=int(a), second=int(b), area_m2=area))
    return overlaps


def check_split(original: BaseGeometry, parts: Sequence[BaseGeometry], *, tolerance: float = 0.001) -> list[Problem]:
    """Problems that forbid splitting ``original`` into ``parts``.

    The parts must not overlap one another and together must cover the original: the area of
    the symmetric difference between their union and the original may be at most ``tolerance``
    times the original's area (digitising rarely matches to the millimetre).
    """
    problems: list[Problem] = []
    if len(parts) < 2:
        return [_problem("split_too_few_parts", "A split needs at least two parts; %(count)d given.", count=len(parts))]
    original_area = geodesic_area_m2(original)
    allowed = tolerance * original_area
    for overlap in find_overlaps(parts, min_area_m2=max(allowed, 0.01)):
        problems.append(
            _problem(
                "split_parts_overlap",
                "Parts %(first)d and %(second)d overlap by %(area).2f m².",
                first=overlap.first + 1,
                second=overlap.second + 1,
                area=overlap.area_m2,
            )
        )
    union = shapely.union_all(np.asarray(parts, dtype=object))
    uncovered = geodesic_area_m2(shapely.difference(original, union))
    outside = geodesic_area_m2(shapely.difference(union, original))
    if uncovered + outside > allowed:
        problems.append(
            _problem(
                "split_does_not_cover",
                "The parts do not cover the original parcel: %(uncovered).2f m² of it is left out and "
                "%(outside).2f m² of the parts lies outside it (at most %(allowed).2f m² is tolerated).",
                uncovered=uncovered,
                outside=outside,
                allowed=allowed,
            )
        )
    return problems


def merge_geometries(geoms: Sequence[BaseGeometry]) -> BaseGeometry:
    """The union of several parcels: a Polygon when they touch, a MultiPolygon when they do not."""
    merged = shapely.union_all(np.asarray(geoms, dtype=object))
    if merged.geom_type == "GeometryCollection":
        polygons = [g for g in merged.geoms if isinstance(g, Polygon | MultiPolygon)]
        merged = shapely.union_all(np.asarray(polygons, dtype=object))
    return orient(merged)


# ---------------------------------------------------------------------------------------------
# Location: is the boundary where the trust works?
# ---------------------------------------------------------------------------------------------

# West, south, east, north in degrees of longitude and latitude.
Extent = tuple[float, float, float, float]
KM_PER_DEGREE = 111.32  # of latitude everywhere, of longitude at the equator
# What a location problem measures its distance from (the ``reference`` parameter).
SERVICE_AREA = "service_area"
OTHER_PARCELS = "parcels"


def extent_of(boxes: Sequence[Extent]) -> Extent | None:
    """The box around several boxes (parcels' bounding boxes), or None when there are none."""
    if not boxes:
        return None
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


def expand_extent(extent: Extent, margin_km: float) -> Extent:
    """``extent`` grown by ``margin_km`` on every side (clamped to the globe)."""
    west, south, east, north = extent
    d_lat = margin_km / KM_PER_DEGREE
    widest = max(abs(south), abs(north))  # a degree of longitude is shortest there
    cos = max(math.cos(math.radians(min(widest, 89.9))), 0.01)
    d_lon = margin_km / (KM_PER_DEGREE * cos)
    return (max(west - d_lon, -180.0), max(south - d_lat, -90.0), min(east + d_lon, 180.0), min(north + d_lat, 90.0))


def _within(geom: BaseGeometry, extent: Extent) -> bool:
    minx, miny, maxx, maxy = geom.bounds
    west, south, east, north = extent
    return west <= minx and maxx <= east and south <= miny and maxy <= north


def _distance_km(geom: BaseGeometry, extent: Extent) -> float:
    """Geodesic distance from the boundary's centroid to the nearest point of ``extent``."""
    point = geom.centroid
    west, south, east, north = extent
    lon, lat = min(max(point.x, west), east), min(max(point.y, south), north)
    _az1, _az2, metres = GEOD.inv(point.x, point.y, lon, lat)
    return metres / 1000


def _swapped(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, lambda xy: xy[:, ::-1])


def location_problem(
    geom: BaseGeometry, reference: Extent | None, *, margin_km: float, reference_kind: str = OTHER_PARCELS
) -> Problem | None:
    """A problem when ``geom`` lies beyond ``reference`` grown by ``margin_km``; None when it is within.

    ``reference`` is the trust's service area (``reference_kind="service_area"``) or the extent of its
    other parcels (``"parcels"``); None (no parcel yet, no service area) accepts any boundary. When the
    boundary with x and y exchanged would lie within, the cause is named: latitude and longitude were
    given in the wrong order (code ``location_swapped``); otherwise the code is ``location_far``.
    Parameters: ``distance`` (whole km from the reference), ``reference`` (its kind).
    """
    if reference is None or geom.is_empty:
        return None
    area = expand_extent(reference, margin_km)
    if _within(geom, area):
        return None
    where = "the trust's service area" if reference_kind == SERVICE_AREA else "the trust's other parcels"
    params = {"distance": round(_distance_km(geom, reference)), "reference": reference_kind}
    if _within(_swapped(geom), area):
        return Problem(
            code="location_swapped",
            message=(
                f"The boundary lies about {params['distance']:,} km from {where}: the coordinates look swapped. "
                "GeoJSON positions are longitude, latitude; with the two exchanged the boundary would lie "
                "where the trust works."
            ),
            params=params,
        )
    return Problem(
        code="location_far",
        message=f"The boundary lies about {params['distance']:,} km from {where}.",
        params=params,
    )
