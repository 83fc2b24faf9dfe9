"""Reading and writing parcel files: GeoJSON FeatureCollections and CSV with a WKT column.

Every export is a valid import (Cadasta #1652): the same column names, full-precision
coordinates, Polygon and MultiPolygon (holes included) kept as they are. Reading maps the
source's attribute names to ours, so a county file with ``PARCEL_ID_`` and ``SITUS_ADDR``
imports without editing it.

Pure: what goes wrong is an :class:`ExchangeError` (the whole file) or a ``geometry.Problem`` (one
feature), each with a stable code, its parameters and an English message; ``properties.messages``
writes the sentence people read, in their language.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from clt.jsontext import json_depth
from properties import geometry

__all__ = [
    "AREA_UNITS",
    "CSV_COLUMNS",
    "DEFAULT_FIELD_MAP",
    "ExchangeError",
    "ReadResult",
    "csv_records",
    "parse_field_map",
    "read_csv",
    "read_geojson",
    "write_geojson",
]

# Our import field → the source attribute it comes from. ``official_area`` is read in
# ``area_unit`` and stored in m².
DEFAULT_FIELD_MAP: dict[str, str] = {
    "apn": "apn",
    "address": "address",
    "status": "status",
    "acquisition_date": "acquisition_date",
    "acquisition_price": "acquisition_price",
    "official_area": "official_area_m2",
    "notes": "notes",
}
IMPORTABLE = frozenset(DEFAULT_FIELD_MAP)
AREA_UNITS: dict[str, Decimal] = {
    "m2": Decimal(1),
    "ha": Decimal(10_000),
    "acres": Decimal("4046.8564224"),
    "ft2": Decimal("0.09290304"),
    # US survey foot = 1200/3937 m; its square to 12 significant digits is far finer than any record.
    "us-ft2": (Decimal(1200) / Decimal(3937)) ** 2,
}
# The parcel columns an export reads from the database (the geometry becomes WKT in CSV).
EXPORT_FIELDS = (
    "apn",
    "address",
    "status",
    "acquisition_date",
    "acquisition_price",
    "area_m2",
    "area_acres",
    "official_area_m2",
    "notes",
    "geometry",
)
CSV_COLUMNS = (
    "apn",
    "address",
    "status",
    "acquisition_date",
    "acquisition_price",
    "area_m2",
    "area_acres",
    "official_area_m2",
    "notes",
    "wkt",
)
WKT_COLUMNS = ("wkt", "WKT", "geometry", "the_geom", "geom")
# A FeatureCollection of MultiPolygons is 8 levels deep; properties may nest a few more. Python's
# json module recurses once per level, so a file nested 100,000 deep would exhaust the stack:
# the depth is measured first, without parsing.
MAX_JSON_DEPTH = 32
# csv refuses a field over 131,072 characters by default; a WKT boundary of MAX_VERTICES positions
# at full precision is up to about 50 characters a position. Raising the limit only lets more in.
csv.field_size_limit(max(csv.field_size_limit(), geometry.MAX_VERTICES * 64))


class ExchangeError(ValueError):
    """A file (or an option) that cannot be read at all: a stable code, its parameters, English text."""

    def __init__(self, code: str, message: str, **params: Any):
        self.code = code
        self.params = params
        super().__init__(message)


@dataclass
class ReadRecord:
    """One feature or row: its position, an identifier for messages, mapped fields, raw geometry.

    ``ident`` is the feature's id, its APN or ``#index`` (``row N`` in a CSV file, whose ``row`` is N).
    """

    index: int
    ident: str
    apn: str
    geometry: Any
    fields: dict[str, Any]
    problems: tuple[geometry.Problem, ...] = ()
    row: int | None = None


@dataclass
class ReadResult:
    records: list[ReadRecord]
    source_crs: str | None = None


def parse_field_map(pairs: Iterable[str]) -> dict[str, str]:
    """``["apn=PARCEL_ID_", "address=SITUS_ADDR"]`` → the default map with those replaced."""
    mapping = dict(DEFAULT_FIELD_MAP)
    for pair in pairs:
        ours, sep, theirs = pair.partition("=")
        ours, theirs = ours.strip(), theirs.strip()
        if not sep or not ours or not theirs:
            raise ExchangeError("map_syntax", f"--map takes FIELD=ATTRIBUTE, got {pair!r}", pair=pair)
        if ours not in IMPORTABLE:
            known = ", ".join(sorted(IMPORTABLE))
            raise ExchangeError(
                "map_unknown_field", f"--map: unknown field {ours!r}; known fields: {known}", field=ours, known=known
            )
        mapping[ours] = theirs
    return mapping


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _map_fields(attributes: Mapping[str, Any], field_map: Mapping[str, str], area_unit: str) -> tuple[dict, list]:
    fields: dict[str, Any] = {}
    problems: list[geometry.Problem] = []
    for ours, theirs in field_map.items():
        if ours == "apn" or theirs not in attributes or _blank(attributes[theirs]):
            continue
        value = attributes[theirs]
        if ours == "official_area":
            try:
                area = Decimal(str(value)) * AREA_UNITS[area_unit]
            except (InvalidOperation, ValueError):
                problems.append(
                    geometry.Problem(
                        "official_area_not_number", f"official area: {value!r} is not a number", {"value": str(value)}
                    )
                )
                continue
            fields["official_area_m2"] = area.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        elif ours == "status":
            fields["status"] = str(value).strip().lower()
        else:
            fields[ours] = value.strip() if isinstance(value, str) else value
    return fields, problems


def _apn(attributes: Mapping[str, Any], field_map: Mapping[str, str]) -> str:
    value = attributes.get(field_map["apn"])
    return "" if value is None else str(value).strip()


def read_geojson(
    data: bytes | str, *, field_map: Mapping[str, str] = DEFAULT_FIELD_MAP, area_unit: str = "m2"
) -> ReadResult:
    """Read a FeatureCollection. Raises ``ValueError`` when the file itself is not one."""
    depth = json_depth(data)
    if depth > MAX_JSON_DEPTH:
        raise ExchangeError(
            "too_deep",
            f"the JSON is nested {depth:,} levels deep; a parcel file has at most {MAX_JSON_DEPTH} "
            "(a FeatureCollection of polygons needs 8)",
            depth=depth,
            limit=MAX_JSON_DEPTH,
        )
    try:
        collection = json.loads(data)
    except json.JSONDecodeError as exc:
        raise ExchangeError("invalid_json", f"not valid JSON: {exc}", error=str(exc)) from exc
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise ExchangeError("not_feature_collection", "a GeoJSON import must be a FeatureCollection")
    features = collection.get("features")
    if not isinstance(features, list):
        raise ExchangeError("no_features", "the FeatureCollection has no features list")
    records = []
    for index, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problem = geometry.Problem("not_a_feature", "not a GeoJSON Feature")
            records.append(ReadRecord(index, f"#{index}", "", None, {}, (problem,)))
            continue
        attributes = feature.get("properties") or {}
        apn = _apn(attributes, field_map)
        ident = str(feature.get("id") if feature.get("id") is not None else apn or f"#{index}")
        fields, problems = _map_fields(attributes, field_map, area_unit)
        if feature.get("geometry") is None:
            problems.insert(0, geometry.Problem("no_geometry", "the feature has no geometry"))
        records.append(ReadRecord(index, ident, apn, feature.get("geometry"), fields, tuple(problems)))
    try:
        crs = geometry.crs_of_feature_collection(collection)
    except Exception as exc:  # pyproj raises its own CRSError for unknown names
        raise ExchangeError(
            "unknown_crs", f"the file's crs member is not a coordinate system pyproj knows: {exc}", error=str(exc)
        ) from exc
    return ReadResult(records=records, source_crs=crs)


def read_csv(
    data: bytes | str,
    *,
    field_map: Mapping[str, str] = DEFAULT_FIELD_MAP,
    area_unit: str = "m2",
    wkt_column: str | None = None,
) -> ReadResult:
    """Read CSV rows with a WKT geometry column (``wkt`` by default)."""
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    reader = csv.DictReader(io.StringIO(text))
    columns = reader.fieldnames or []
    column = wkt_column or next((c for c in WKT_COLUMNS if c in columns), None)
    if column is None or column not in columns:
        looked_for = wkt_column or ", ".join(WKT_COLUMNS)
        raise ExchangeError("no_wkt_column", f"no WKT geometry column (looked for {looked_for})", looked_for=looked_for)
    records = []
    for index, row in enumerate(reader, start=1):
        apn = _apn(row, field_map)
        row_number = index + 1  # the header is row 1, as a spreadsheet numbers it
        ident = f"row {row_number}"
        fields, problems = _map_fields(row, field_map, area_unit)
        geom: Any = None
        wkt = (row.get(column) or "").strip()
        if not wkt:
            problems.append(geometry.Problem("empty", "the geometry is empty"))
        else:
            try:
                geom = geometry.wkt_to_geojson(wkt)
            except geometry.GeometryError as exc:
                problems.extend(exc.problems)
        records.append(ReadRecord(index, ident, apn, geom, fields, tuple(problems), row=row_number))
    return ReadResult(records=records)


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def parcel_properties(row: Mapping[str, Any]) -> dict[str, Any]:
    """The attributes we export for one parcel, JSON-safe (decimals as strings, dates ISO)."""
    return {
        "apn": row["apn"],
        "address": row["address"],
        "status": row["status"],
        "acquisition_date": row["acquisition_date"].isoformat() if row["acquisition_date"] else None,
        "acquisition_price": _text(row["acquisition_price"]) or None,
        "area_m2": _text(row["area_m2"]),
        "area_acres": _text(row["area_acres"]),
        "official_area_m2": _text(row["official_area_m2"]) or None,
        "notes": row["notes"],
    }


def write_geojson(rows: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """Stream a FeatureCollection, one feature at a time (an export of thousands stays flat in memory)."""
    yield '{"type": "FeatureCollection", "features": ['
    first = True
    for row in rows:
        feature = {
            "type": "Feature",
            "id": row["apn"],
            "properties": parcel_properties(row),
            "geometry": row["geometry"],
        }
        yield ("" if first else ",") + "\n" + json.dumps(feature, ensure_ascii=False)
        first = False
    yield "\n]}\n"


def csv_records(rows: Iterable[Mapping[str, Any]]) -> Iterator[list[str]]:
    """One CSV record per parcel, under ``CSV_COLUMNS``, with a full-precision WKT column, a parcel at a time.

    ``clt.csvexport.csv_lines`` writes them with ``guard_formulas=False``: a re-import must give back every
    value exactly, so a note starting with ``=`` does not get the ``'`` a spreadsheet would want.
    """
    for row in rows:
        props = parcel_properties(row)
        yield [_text(props[c]) for c in CSV_COLUMNS[:-1]] + [geometry.to_wkt(row["geometry"])]
