"""Parcel import and export, end to end: files on disk → ``manage.py import_parcels`` → the registry → the API export.

Every test writes a real file to ``tmp_path`` and runs the real command; nothing is mocked.
Geometries are laid out in metres around a corner of Burlington, VT (``tests.factories``),
except the CRS tests and the county file, which are in Washington State Plane South (US feet).
"""

from __future__ import annotations

import csv
import io
import json
import math
import statistics
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from pyproj import Transformer
from shapely.geometry import shape

from properties import geometry, imports, services
from properties.models import Parcel, ParcelOverlap, ParcelStatus
from tests.datafiles import PARCELS_B
from tests.factories import lonlat, make_parcel, rect_ring, square

pytestmark = pytest.mark.django_db

CENT = Decimal("0.01")
SQUARE_METRES_PER_ACRE = Decimal("4046.8564224")
US_SURVEY_FOOT = Decimal(1200) / Decimal(3937)


# ---------------------------------------------------------------------------------------------
# Builders
# ---------------------------------------------------------------------------------------------


def hole_ring(x: float, y: float, width: float, height: float) -> list[list[float]]:
    """A clockwise ring (a hole, as RFC 7946 orients it)."""
    return list(reversed(rect_ring(x, y, width, height)))


def multipolygon(*rings: list[list[float]]) -> dict[str, Any]:
    return {"type": "MultiPolygon", "coordinates": [[ring] for ring in rings]}


def polygon_with_hole(x: float, y: float, size: float, hole: float) -> dict[str, Any]:
    margin = (size - hole) / 2
    return {
        "type": "Polygon",
        "coordinates": [rect_ring(x, y, size, size), hole_ring(x + margin, y + margin, hole, hole)],
    }


def bowtie(x: float, y: float, size: float = 20) -> dict[str, Any]:
    """A ring whose edges cross in the middle (self-intersecting)."""
    ring = [lonlat(x, y), lonlat(x + size, y + size), lonlat(x + size, y), lonlat(x, y + size), lonlat(x, y)]
    return {"type": "Polygon", "coordinates": [ring]}


def unclosed(x: float, y: float, size: float = 20) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [rect_ring(x, y, size, size)[:-1]]}


def feature(apn: str | None, geom: Any, *, fid: str | None = None, **props: Any) -> dict[str, Any]:
    properties = {"apn": apn, **props} if apn is not None else dict(props)
    data: dict[str, Any] = {"type": "Feature", "properties": properties, "geometry": geom}
    if fid is not None:
        data["id"] = fid
    return data


def collection(*features: dict[str, Any], crs: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"type": "FeatureCollection", "features": list(features)}
    if crs:
        data["crs"] = {"type": "name", "properties": {"name": crs}}
    return data


def write_json(tmp_path: Path, name: str, data: Any) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def write_csv(tmp_path: Path, name: str, header: list[str], rows: list[list[Any]]) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    path = tmp_path / name
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def run(path: Path, *args: str) -> tuple[str, str]:
    """Run the command; return (stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    call_command("import_parcels", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing(path: Path, *args: str) -> tuple[str, str]:
    """Run the command expecting it to fail; return (CommandError message, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import_parcels", str(path), *args, stdout=out, stderr=err)
    return str(caught.value), err.getvalue()


def error_lines(stderr: str) -> list[str]:
    """The per-feature error lines the command writes to stderr (not the progress bar)."""
    return [line.strip() for line in stderr.splitlines() if line.startswith("  feature ")]


def expected_area(geom: dict[str, Any], source_crs: str | None = None) -> Decimal:
    measured = geometry.geodesic_area_m2(geometry.parse_parcel_geometry(geom, source_crs=source_crs))
    return Decimal(repr(measured)).quantize(CENT, rounding=ROUND_HALF_UP)


def snapshot(parcel: Parcel) -> dict[str, Any]:
    """Every field an export carries or an import derives, for exact comparison."""
    return {
        name: getattr(parcel, name)
        for name in (
            "apn",
            "address",
            "status",
            "acquisition_date",
            "acquisition_price",
            "official_area_m2",
            "notes",
            "geometry",
            "area_m2",
            "area_acres",
            "centroid_lon",
            "centroid_lat",
            "bbox_min_lon",
            "bbox_min_lat",
            "bbox_max_lon",
            "bbox_max_lat",
            "area_mismatch",
        )
    }


GOOD_GEOMETRIES = {
    "G-1": multipolygon(rect_ring(0, 0, 20, 20), rect_ring(100, 0, 10, 10)),
    "G-2": polygon_with_hole(30, 0, 30, 10),
    "G-3": square(70, 0, 20),
}


def good_collection() -> dict[str, Any]:
    return collection(
        feature("G-1", GOOD_GEOMETRIES["G-1"], address="1 Pine St", status="acquired"),
        feature("G-2", GOOD_GEOMETRIES["G-2"], address="2 Pine St", status="held"),
        feature("G-3", GOOD_GEOMETRIES["G-3"], address="3 Pine St", status="disposed"),
    )


# ---------------------------------------------------------------------------------------------
# 1. A good file
# ---------------------------------------------------------------------------------------------


def test_good_geojson_imports_every_parcel_with_area_and_history(tmp_path):
    path = write_json(tmp_path, "good.geojson", good_collection())

    stdout, _ = run(path)

    assert "Imported 3 parcels: 3 new, 0 updated, 0 unchanged." in stdout
    assert Parcel.objects.count() == 3
    parcels = {p.apn: p for p in Parcel.objects.all()}
    assert {apn: (p.address, p.status) for apn, p in parcels.items()} == {
        "G-1": ("1 Pine St", ParcelStatus.ACQUIRED),
        "G-2": ("2 Pine St", ParcelStatus.HELD),
        "G-3": ("3 Pine St", ParcelStatus.DISPOSED),
    }
    for apn, geom in GOOD_GEOMETRIES.items():
        assert parcels[apn].area_m2 == expected_area(geom)
    # Sanity on the real numbers: 20×20 + 10×10 m; 30×30 − 10×10 m; 20×20 m (the factory's
    # metres-to-degrees is good to well under 0.1 %).
    assert parcels["G-1"].area_m2 == pytest.approx(Decimal(500), rel=Decimal("0.001"))
    assert parcels["G-2"].area_m2 == pytest.approx(Decimal(800), rel=Decimal("0.001"))
    assert parcels["G-3"].area_m2 == pytest.approx(Decimal(400), rel=Decimal("0.001"))
    assert parcels["G-1"].geometry["type"] == "MultiPolygon"
    assert len(parcels["G-1"].geometry["coordinates"]) == 2
    assert parcels["G-2"].geometry["type"] == "Polygon"
    assert len(parcels["G-2"].geometry["coordinates"]) == 2  # the hole is kept
    for parcel in parcels.values():
        records = list(parcel.history.all())
        assert len(records) == 1
        assert records[0].history_type == "+"
        assert records[0].history_change_reason == "Imported from good.geojson"
        assert records[0].history_user is None


def test_hole_is_stored_in_rfc7946_orientation(tmp_path):
    """A file with the winding reversed (clockwise shell, counter-clockwise hole) is stored oriented."""
    shell = list(reversed(rect_ring(0, 0, 30, 30)))
    hole = rect_ring(10, 10, 10, 10)
    path = write_json(
        tmp_path, "wound.geojson", collection(feature("W-1", {"type": "Polygon", "coordinates": [shell, hole]}))
    )

    run(path)

    stored = shape(Parcel.objects.get(apn="W-1").geometry)
    assert stored.exterior.is_ccw
    assert not stored.interiors[0].is_ccw
    assert Parcel.objects.get(apn="W-1").area_m2 == pytest.approx(Decimal(800), rel=Decimal("0.001"))


def test_reason_and_user_are_recorded_in_history(tmp_path, staff_user):
    path = write_json(tmp_path, "good.geojson", good_collection())

    run(path, "--reason", "Board resolution 2025-04", "--user", staff_user.username)

    records = [p.history.get() for p in Parcel.objects.all()]
    assert len(records) == 3
    assert {r.history_change_reason for r in records} == {"Board resolution 2025-04"}
    assert {r.history_user for r in records} == {staff_user}


def test_unknown_user_is_refused_before_writing(tmp_path):
    path = write_json(tmp_path, "good.geojson", good_collection())

    message, _ = run_failing(path, "--user", "nobody-here")

    assert message == "--user nobody-here: no such user"
    assert Parcel.objects.count() == 0


# ---------------------------------------------------------------------------------------------
# 2. All or nothing
# ---------------------------------------------------------------------------------------------


def five_with_two_bad() -> dict[str, Any]:
    return collection(
        feature("B-1", square(0, 0), address="1 Oak St"),
        feature("EX-1", square(25, 0), address="new address for an existing parcel"),
        feature("B-3", bowtie(50, 0), fid="bowtie-three"),
        feature("B-4", square(75, 0)),
        feature("B-5", unclosed(100, 0)),
    )


@pytest.mark.parametrize("existing", [False, True], ids=["empty-registry", "with-existing-parcels"])
def test_bad_features_abort_the_whole_file_and_are_all_listed(tmp_path, existing):
    if existing:
        make_parcel("EX-1", x=25, address="1 Old Rd")
        make_parcel("EX-2", x=200, address="2 Old Rd")
    before_count = Parcel.objects.count()
    before_history = Parcel.history.count()
    path = write_json(tmp_path, "bad.geojson", five_with_two_bad())

    message, stderr = run_failing(path)

    assert message == "2 bad features in bad.geojson; nothing was imported."
    assert Parcel.objects.count() == before_count
    assert Parcel.history.count() == before_history
    if existing:
        assert Parcel.objects.get(apn="EX-1").address == "1 Old Rd"
    lines = error_lines(stderr)
    assert len(lines) == 2, stderr
    assert lines[0].startswith("feature 3 (bowtie-three): ")
    assert "edges cross each other" in lines[0]
    assert lines[1].startswith("feature 5 (B-5): ")
    assert "ring 1 is not closed" in lines[1]


def _bad_case_file(second: dict[str, Any]) -> dict[str, Any]:
    return collection(feature("OK-1", square(0, 0)), second)


BAD_FEATURES = {
    "missing-apn": (feature(None, square(30, 0), address="no number"), "#2", "The parcel number (APN) is missing."),
    "blank-apn": (feature("  ", square(30, 0)), "#2", "The parcel number (APN) is missing."),
    "duplicate-apn": (
        feature("OK-1", square(30, 0)),
        "OK-1",
        "Parcel number OK-1 appears twice in the file (first at feature 1).",
    ),
    "point": (
        feature("P-2", {"type": "Point", "coordinates": lonlat(30, 0)}),
        "P-2",
        "Geometry type Point is not allowed: a parcel is a Polygon or a MultiPolygon.",
    ),
    "empty-coordinates": (feature("E-2", {"type": "Polygon", "coordinates": []}), "E-2", "The geometry is empty."),
    "null-geometry": (feature("N-2", None), "N-2", "The feature has no geometry."),
    # A missing geometry is not hidden by another problem of the same feature.
    "null-geometry-and-bad-area": (
        feature("N-3", None, official_area_m2="abc"),
        "N-3",
        "The feature has no geometry.; Official area: “abc” is not a number.",
    ),
    "bad-status": (feature("S-2", square(30, 0), status="sold"), "S-2", "status: Value 'sold' is not a valid choice."),
    "retired-status": (
        feature("S-3", square(30, 0), status="retired"),
        "S-3",
        "A parcel is retired only by a split or a merge, which keep its lineage.",
    ),
    "non-numeric-official-area": (
        feature("A-2", square(30, 0), official_area_m2="about 400"),
        "A-2",
        "Official area: “about 400” is not a number.",
    ),
    "bad-date": (
        feature("D-2", square(30, 0), acquisition_date="31/12/2020"),
        "D-2",
        "acquisition date: “31/12/2020” value has an invalid date format. It must be in YYYY-MM-DD format.",
    ),
    "negative-price": (
        feature("M-2", square(30, 0), acquisition_price="-5"),
        "M-2",
        "acquisition price: Ensure this value is greater than or equal to 0.",
    ),
}


@pytest.mark.parametrize("case", list(BAD_FEATURES), ids=list(BAD_FEATURES))
def test_each_kind_of_bad_feature_is_reported(tmp_path, case):
    bad, ident, reason = BAD_FEATURES[case]
    path = write_json(tmp_path, f"{case}.geojson", _bad_case_file(bad))

    message, stderr = run_failing(path)

    assert message == f"1 bad feature in {case}.geojson; nothing was imported."
    assert error_lines(stderr) == [f"feature 2 ({ident}): {reason}"]
    assert Parcel.objects.count() == 0


def test_a_file_that_is_not_a_feature_collection_is_refused(tmp_path):
    path = write_json(tmp_path, "single.geojson", feature("X-1", square(0, 0)))

    message, _ = run_failing(path)

    assert message == f"{path}: A GeoJSON import must be a FeatureCollection."
    assert Parcel.objects.count() == 0


def circle(positions: int, radius: float = 50) -> dict[str, Any]:
    """A Polygon of exactly ``positions`` positions (the last repeating the first)."""
    steps = positions - 1
    ring = [
        lonlat(radius * math.cos(2 * math.pi * i / steps), radius * math.sin(2 * math.pi * i / steps))
        for i in range(steps)
    ]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def test_a_file_nested_100000_deep_is_refused_before_it_is_parsed(tmp_path):
    path = tmp_path / "deep.geojson"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")

    message, _ = run_failing(path)

    assert message == (
        f"{path}: The JSON is nested 100,000 levels deep; a parcel file has at most 32 "
        "(a FeatureCollection of polygons needs 8)."
    )
    assert Parcel.objects.count() == 0


def test_nesting_is_measured_outside_strings_only(tmp_path):
    notes = "[" * 50 + '{"' * 10  # brackets in a string are text, not structure
    nested: Any = "deep"
    for _ in range(30):
        nested = {"x": nested}
    shallow = write_json(tmp_path, "notes.geojson", collection(feature("N-1", square(0, 0), notes=notes)))
    deep = write_json(tmp_path, "deep.geojson", collection(feature("N-2", square(30, 0), extra=nested)))

    assert "Imported 1 parcel" in run(shallow)[0]
    assert Parcel.objects.get().notes == notes
    message, _ = run_failing(deep)
    assert message.startswith(f"{deep}: The JSON is nested 34 levels deep")
    assert list(Parcel.objects.values_list("apn", flat=True)) == ["N-1"]


def test_a_parcel_over_the_vertex_limit_is_refused_with_its_feature_and_nothing_is_imported(tmp_path):
    assert geometry.MAX_VERTICES == 20_000
    path = write_json(
        tmp_path,
        "big.geojson",
        collection(feature("V-1", square(200, 0)), feature("V-2", circle(20_001)), feature("V-3", circle(20_000))),
    )

    message, stderr = run_failing(path)

    assert message == "1 bad feature in big.geojson; nothing was imported."
    assert error_lines(stderr) == ["feature 2 (V-2): The boundary has 20001 positions; a parcel has at most 20000."]
    assert Parcel.objects.count() == 0


def test_a_parcel_at_the_vertex_limit_imports_from_csv_and_one_over_is_refused(tmp_path):
    at_limit = geometry.to_wkt(circle(20_000))
    over = geometry.to_wkt(circle(20_001))
    assert len(at_limit) > 131_072  # longer than csv's default field limit
    good = write_csv(tmp_path, "good.csv", ["apn", "wkt"], [["W-1", at_limit]])
    bad = write_csv(tmp_path, "bad.csv", ["apn", "wkt"], [["W-2", over]])

    message, stderr = run_failing(bad)
    assert message == "1 bad feature in bad.csv; nothing was imported."
    assert error_lines(stderr) == ["feature 1 (row 2): The boundary has 20001 positions; a parcel has at most 20000."]
    assert "Imported 1 parcel: 1 new" in run(good)[0]
    assert len(Parcel.objects.get(apn="W-1").geometry["coordinates"][0]) == 20_000


def test_updating_a_retired_parcel_is_refused(tmp_path):
    parent = make_parcel("R-1", size=20)
    services.parcel_split(
        parcel=parent,
        parts=[
            {"apn": "R-1A", "geometry": {"type": "Polygon", "coordinates": [rect_ring(0, 0, 10, 20)]}},
            {"apn": "R-1B", "geometry": {"type": "Polygon", "coordinates": [rect_ring(10, 0, 10, 20)]}},
        ],
        effective_date=date(2024, 1, 1),
        actor=None,
        reason="test split",
    )
    before = Parcel.objects.count()
    path = write_json(
        tmp_path, "retired.geojson", collection(feature("N-1", square(50, 0)), feature("R-1", square(0, 0)))
    )

    message, stderr = run_failing(path)

    assert message == "1 bad feature in retired.geojson; nothing was imported."
    assert error_lines(stderr) == ["feature 2 (R-1): Parcel R-1 was retired by a split or merge; it cannot be changed."]
    assert Parcel.objects.count() == before
    assert not Parcel.objects.filter(apn="N-1").exists()


# ---------------------------------------------------------------------------------------------
# 3. Re-import updates, never duplicates
# ---------------------------------------------------------------------------------------------


def test_reimport_updates_existing_parcel_and_reports_unchanged_the_second_time(tmp_path):
    original = make_parcel("U-1", x=0, size=20, address="1 Old Rd")
    original_geometry = original.geometry
    moved = square(0, 0, 25)
    path = write_json(
        tmp_path,
        "update.geojson",
        collection(feature("U-1", moved, address="1 New Rd"), feature("U-2", square(50, 0), address="2 New Rd")),
    )

    stdout, _ = run(path)

    assert "Imported 2 parcels: 1 new, 1 updated, 0 unchanged." in stdout
    assert Parcel.objects.count() == 2
    parcel = Parcel.objects.get(apn="U-1")
    assert parcel.pk == original.pk
    assert parcel.address == "1 New Rd"
    assert parcel.geometry != original_geometry
    assert parcel.geometry == geometry.to_geojson(geometry.parse_parcel_geometry(moved))
    assert parcel.area_m2 == expected_area(moved)
    assert parcel.area_m2 == pytest.approx(Decimal(625), rel=Decimal("0.001"))
    latest = parcel.history.order_by("-history_id").first()
    assert parcel.history.count() == 2
    assert latest.history_type == "~"
    assert latest.history_change_reason == "Imported from update.geojson"
    assert latest.address == "1 New Rd"

    stdout, _ = run(path)

    assert "Imported 2 parcels: 0 new, 0 updated, 2 unchanged." in stdout
    assert Parcel.objects.count() == 2
    assert parcel.history.count() == 2
    assert Parcel.objects.get(apn="U-2").history.count() == 1


def test_reimport_with_only_an_attribute_changed_updates_it(tmp_path):
    path = write_json(tmp_path, "first.geojson", collection(feature("U-1", square(0, 0), status="held")))
    run(path)
    path = write_json(
        tmp_path, "second.geojson", collection(feature("U-1", square(0, 0), status="disposed", notes="sold on"))
    )

    stdout, _ = run(path, "--reason", "Disposition 2025")

    assert "0 new, 1 updated, 0 unchanged" in stdout
    parcel = Parcel.objects.get()
    assert (parcel.status, parcel.notes) == (ParcelStatus.DISPOSED, "sold on")
    assert [(r.history_type, r.history_change_reason) for r in parcel.history.order_by("history_id")] == [
        ("+", "Imported from first.geojson"),
        ("~", "Disposition 2025"),
    ]


# ---------------------------------------------------------------------------------------------
# 4. Dry run
# ---------------------------------------------------------------------------------------------


def test_dry_run_reports_counts_and_writes_nothing(tmp_path):
    make_parcel("D-1", x=0, address="1 Old Rd")
    make_parcel("D-3", x=100, address="3 Old Rd")
    path = write_json(
        tmp_path,
        "dry.geojson",
        collection(
            feature("D-1", square(0, 0), address="1 New Rd"),  # changed
            feature("D-2", square(25, 10)),  # new, 5 m east of D-1
            feature("D-3", square(100, 0), address="3 Old Rd"),  # unchanged
            feature("D-4", square(40, 0)),  # new, overlaps D-2 by 5 × 10 m
        ),
    )
    history_before = Parcel.history.count()

    stdout, _ = run(path, "--dry-run")

    assert "dry.geojson: 4 features, geojson, CRS WGS84 (RFC 7946) — dry run" in stdout
    assert "Would import 4 parcels: 2 new, 1 updated, 1 unchanged." in stdout
    assert "1 overlap recorded for review:" in stdout
    assert sorted(Parcel.objects.values_list("apn", flat=True)) == ["D-1", "D-3"]
    assert Parcel.objects.get(apn="D-1").address == "1 Old Rd"
    assert Parcel.history.count() == history_before
    assert ParcelOverlap.objects.count() == 0


# ---------------------------------------------------------------------------------------------
# 5. CSV with a WKT column
# ---------------------------------------------------------------------------------------------


def test_csv_with_wkt_column_imports(tmp_path):
    rows = [
        ["C-1", "1 Maple St", "acquired", "2021-03-15", "120000.00", geometry.to_wkt(GOOD_GEOMETRIES["G-1"])],
        ["C-2", "2 Maple St, Unit B", "held", "", "", geometry.to_wkt(GOOD_GEOMETRIES["G-2"])],
        ["C-3", "", "", "", "", geometry.to_wkt(GOOD_GEOMETRIES["G-3"])],
    ]
    path = write_csv(
        tmp_path, "parcels.csv", ["apn", "address", "status", "acquisition_date", "acquisition_price", "wkt"], rows
    )

    stdout, _ = run(path)

    assert "parcels.csv: 3 features, csv" in stdout
    assert "Imported 3 parcels: 3 new, 0 updated, 0 unchanged." in stdout
    parcels = {p.apn: p for p in Parcel.objects.all()}
    assert set(parcels) == {"C-1", "C-2", "C-3"}
    assert (parcels["C-1"].acquisition_date, parcels["C-1"].acquisition_price) == (
        date(2021, 3, 15),
        Decimal("120000.00"),
    )
    assert parcels["C-2"].address == "2 Maple St, Unit B"
    assert parcels["C-3"].status == ParcelStatus.HELD  # blank → the default
    for apn, source in zip(("C-1", "C-2", "C-3"), ("G-1", "G-2", "G-3"), strict=True):
        geom = GOOD_GEOMETRIES[source]
        assert parcels[apn].geometry == geometry.to_geojson(geometry.parse_parcel_geometry(geom))
        assert parcels[apn].area_m2 == expected_area(geom)
    assert parcels["C-1"].history.get().history_change_reason == "Imported from parcels.csv"


def test_csv_with_a_bad_wkt_row_in_the_middle_imports_nothing(tmp_path):
    rows = [
        ["C-1", geometry.to_wkt(square(0, 0))],
        ["C-2", geometry.to_wkt(square(30, 0))],
        ["C-3", "POLYGON ((-73.2 44.4, -73.1 44.4, -73.1"],
        ["C-4", geometry.to_wkt(square(60, 0))],
        ["C-5", geometry.to_wkt(bowtie(90, 0))],
        ["C-6", ""],
        ["C-7", "POINT (-73.2 44.4)"],
    ]
    path = write_csv(tmp_path, "bad.csv", ["apn", "geometry"], rows)

    message, stderr = run_failing(path)

    assert message == "4 bad features in bad.csv; nothing was imported."
    lines = error_lines(stderr)
    assert len(lines) == 4, stderr
    # The header is row 1, so the third data row is spreadsheet row 4.
    assert lines[0].startswith("feature 3 (row 4): The WKT cannot be read")
    assert lines[1].startswith("feature 5 (row 6): The polygon's edges cross each other")
    assert lines[2] == "feature 6 (row 7): The geometry is empty."
    assert lines[3] == "feature 7 (row 8): Geometry type Point is not allowed: a parcel is a Polygon or a MultiPolygon."
    assert Parcel.objects.count() == 0


def test_csv_without_a_wkt_column_is_refused(tmp_path):
    path = write_csv(tmp_path, "nogeom.csv", ["apn", "address"], [["C-1", "1 Maple St"]])

    message, _ = run_failing(path)

    assert message == f"{path}: There is no WKT geometry column (looked for wkt, WKT, geometry, the_geom, geom)."


# ---------------------------------------------------------------------------------------------
# 6. Export → import round trip
# ---------------------------------------------------------------------------------------------


def build_round_trip_parcels(actor) -> list[Parcel]:
    return [
        services.parcel_create(
            actor=actor,
            reason="round trip",
            apn="RT-1",
            geometry=multipolygon(rect_ring(0.123, 0.456, 20.7, 19.3), rect_ring(60.01, 3.3, 11.1, 9.9)),
            address="12 Elm St, Unit 3",
            status=ParcelStatus.ACQUIRED,
            acquisition_date=date(2019, 6, 30),
            acquisition_price=Decimal("185000.50"),
            official_area_m2=Decimal("510.37"),
            notes='Donated by the "Lopez" family, deed book 12, p. 4.\nSecond line; café, naïve — ünïcödé.',
        ),
        services.parcel_create(
            actor=actor,
            reason="round trip",
            apn="RT-2",
            geometry=polygon_with_hole(100.5, 0.25, 33.3, 7.7),
            address="Café de la Rue 9",
            status=ParcelStatus.DISPOSED,
            acquisition_date=None,
            acquisition_price=Decimal("0.00"),
            official_area_m2=Decimal("2000.00"),  # far from the geodesic ~1,050 m²: flagged
        ),
        services.parcel_create(
            actor=actor,
            reason="round trip",
            apn="RT-3",
            geometry=square(200.001, 0.002, 15.55),
        ),
        # Beside the Greenwich meridian, longitudes below 1 carry 19–20 decimals: the WKT writer
        # must not cut them (GEOS's "full precision" default stops at 16 decimals).
        services.parcel_create(
            actor=actor,
            reason="round trip",
            apn="RT-4",
            geometry={"type": "Polygon", "coordinates": [GREENWICH_RING]},
            address="Blackheath Ave, London SE10",
            # 5,289 km from the other three, in Burlington: held without a reason (issue 14 §6).
            location_reason="A test of precision beside the Greenwich meridian",
        ),
    ]


_W, _E, _S, _N = 0.0012345678901234567, 0.0015432109876543211, 51.47693456789012345, 51.47712345678901234
GREENWICH_RING = [[_W, _S], [_E, _S], [_E, _N], [_W, _N], [_W, _S]]


@pytest.mark.parametrize("file_format", ["geojson", "csv"])
def test_export_then_import_restores_every_field_exactly(tmp_path, staff_api, staff_user, file_format):
    built = build_round_trip_parcels(staff_user)
    assert built[0].geometry["type"] == "MultiPolygon" and len(built[0].geometry["coordinates"]) == 2
    assert built[1].geometry["type"] == "Polygon" and len(built[1].geometry["coordinates"]) == 2
    assert built[1].area_mismatch
    originals = {p.apn: snapshot(p) for p in Parcel.objects.all()}

    response = staff_api.get(f"/api/v1/parcels/export/{file_format}/")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    path = tmp_path / f"parcels.{file_format}"
    path.write_bytes(content)

    # The export, imported over the registry it came from, changes nothing.
    stdout, _ = run(path)
    assert "Imported 4 parcels: 0 new, 0 updated, 4 unchanged." in stdout

    Parcel.objects.all().delete()
    assert Parcel.objects.count() == 0

    stdout, _ = run(path)

    assert "Imported 4 parcels: 4 new, 0 updated, 0 unchanged." in stdout
    restored = {p.apn: snapshot(p) for p in Parcel.objects.all()}
    assert restored.keys() == originals.keys()
    for apn, original in originals.items():
        assert restored[apn] == original, apn
        # Exactly equal JSON, not merely close floats.
        assert json.dumps(restored[apn]["geometry"]) == json.dumps(original["geometry"])
    assert restored["RT-1"]["acquisition_price"] == Decimal("185000.50")
    assert restored["RT-2"]["acquisition_price"] == Decimal("0.00")
    assert restored["RT-3"]["acquisition_price"] is None
    assert restored["RT-1"]["official_area_m2"] == Decimal("510.37")
    assert restored["RT-2"]["area_mismatch"] is True
    assert _W in [lon for lon, _lat in restored["RT-4"]["geometry"]["coordinates"][0]]


def test_csv_export_has_the_documented_columns_and_full_precision_wkt(staff_api, staff_user):
    build_round_trip_parcels(staff_user)

    response = staff_api.get("/api/v1/parcels/export/csv/")

    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8"))))
    assert response["Content-Disposition"] == 'attachment; filename="parcels.csv"'
    assert [r["apn"] for r in rows] == ["RT-1", "RT-2", "RT-3", "RT-4"]
    assert list(rows[0]) == [
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
    ]
    first = Parcel.objects.get(apn="RT-1")
    assert rows[0]["wkt"].startswith("MULTIPOLYGON")
    assert geometry.wkt_to_geojson(rows[0]["wkt"]) == first.geometry
    assert rows[0]["area_m2"] == str(first.area_m2)


# ---------------------------------------------------------------------------------------------
# 7. Source coordinate reference system
# ---------------------------------------------------------------------------------------------

# A 100 × 200 US-foot lot in Eatonville, WA, in NAD83 / Washington South (ftUS), EPSG:2286.
LOT_X, LOT_Y, LOT_W, LOT_H = 1_196_000.0, 565_000.0, 100.0, 200.0
LOT_RING = [
    [LOT_X, LOT_Y],
    [LOT_X + LOT_W, LOT_Y],
    [LOT_X + LOT_W, LOT_Y + LOT_H],
    [LOT_X, LOT_Y + LOT_H],
    [LOT_X, LOT_Y],
]
PROJECTED_LOT = {"type": "Polygon", "coordinates": [LOT_RING]}
LOT_AREA_M2 = Decimal(LOT_W * LOT_H) * US_SURVEY_FOOT**2  # 1,858.0608… m² on the grid


def assert_lot_reprojected(parcel: Parcel) -> None:
    to_wgs84 = Transformer.from_crs("EPSG:2286", "EPSG:4326", always_xy=True)
    expected = [list(to_wgs84.transform(x, y)) for x, y in LOT_RING]
    stored = parcel.geometry["coordinates"][0]
    assert len(stored) == 5
    assert stored[0] == stored[4]
    # The same corners (the ring may start elsewhere once oriented), to ~0.1 mm.
    corners = [value for position in sorted(map(tuple, stored[:4])) for value in position]
    expected_corners = [value for position in sorted(map(tuple, expected[:4])) for value in position]
    assert corners == pytest.approx(expected_corners, abs=1e-9)
    assert -122.3 < parcel.centroid_lon < -122.2
    assert 46.8 < parcel.centroid_lat < 46.9
    # The geodesic area is the grid area enlarged by the state-plane scale factor (~1.000147 here).
    assert parcel.area_m2 > LOT_AREA_M2
    assert float(parcel.area_m2 / LOT_AREA_M2 - 1) == pytest.approx(0.000147, abs=0.00001)


@pytest.mark.parametrize("crs_name", ["urn:ogc:def:crs:EPSG::2286", "EPSG:2286"])
def test_legacy_crs_member_reprojects(tmp_path, crs_name):
    path = write_json(tmp_path, "wa.geojson", collection(feature("WA-1", PROJECTED_LOT), crs=crs_name))

    stdout, _ = run(path)

    assert "CRS EPSG:2286" in stdout
    assert_lot_reprojected(Parcel.objects.get(apn="WA-1"))


@pytest.mark.parametrize("option", ["2286", "EPSG:2286"])
def test_crs_option_reprojects(tmp_path, option):
    path = write_json(tmp_path, "wa.geojson", collection(feature("WA-1", PROJECTED_LOT)))

    stdout, _ = run(path, "--crs", option)

    assert "CRS EPSG:2286" in stdout
    assert_lot_reprojected(Parcel.objects.get(apn="WA-1"))


def test_crs_option_reprojects_csv_too(tmp_path):
    path = write_csv(tmp_path, "wa.csv", ["apn", "wkt"], [["WA-1", geometry.to_wkt(PROJECTED_LOT)]])

    run(path, "--crs", "2286")

    assert_lot_reprojected(Parcel.objects.get(apn="WA-1"))


def test_projected_file_without_crs_fails_with_looks_projected(tmp_path):
    path = write_json(tmp_path, "wa.geojson", collection(feature("WA-1", square(0, 0)), feature("WA-2", PROJECTED_LOT)))

    message, stderr = run_failing(path)

    assert message == "1 bad feature in wa.geojson; nothing was imported."
    lines = error_lines(stderr)
    assert len(lines) == 1
    assert lines[0].startswith("feature 2 (WA-2): Coordinates are not longitude/latitude (first position 1196000.0")
    assert "the data looks projected" in lines[0]
    assert Parcel.objects.count() == 0


def test_unknown_crs_option_is_a_command_error(tmp_path):
    path = write_json(tmp_path, "wa.geojson", collection(feature("WA-1", PROJECTED_LOT)))

    message, _ = run_failing(path, "--crs", "999999")

    assert message.startswith("--crs 999999: ")
    assert Parcel.objects.count() == 0


def test_unknown_crs_member_is_a_command_error(tmp_path):
    path = write_json(
        tmp_path, "wa.geojson", collection(feature("WA-1", PROJECTED_LOT), crs="urn:ogc:def:crs:EPSG::999999")
    )

    message, _ = run_failing(path)

    assert message.startswith(f"{path}: The file's crs member is not a coordinate system pyproj knows")
    assert Parcel.objects.count() == 0


def test_crs84_member_means_wgs84(tmp_path):
    path = write_json(
        tmp_path,
        "crs84.geojson",
        collection(feature("W-1", square(0, 0)), crs="urn:ogc:def:crs:OGC:1.3:CRS84"),
    )

    stdout, _ = run(path)

    assert "CRS WGS84 (RFC 7946)" in stdout
    assert Parcel.objects.get().geometry == geometry.to_geojson(geometry.parse_parcel_geometry(square(0, 0)))


# ---------------------------------------------------------------------------------------------
# 8. Official area and the mismatch flag
# ---------------------------------------------------------------------------------------------


def acres_for(area_m2: Decimal, factor: str) -> str:
    """An official area in acres, ``factor`` times the given m², to 4 decimals as a deed writes it."""
    return str((area_m2 * Decimal(factor) / SQUARE_METRES_PER_ACRE).quantize(Decimal("0.0001")))


def test_official_area_in_acres_flags_a_mismatch_beyond_one_percent(tmp_path):
    lot = square(0, 0, 60)  # ~3,600 m², ~0.89 acres
    geodesic = expected_area(lot)
    within = acres_for(geodesic, "1.006")  # 0.6 % more: fine
    beyond = acres_for(geodesic, "1.02")  # 2 % more: flagged
    below = acres_for(geodesic, "0.985")  # 1.5 % less: flagged
    path = write_json(
        tmp_path,
        "deeds.geojson",
        collection(
            feature("AM-1", lot, deed_acres=within),
            feature("AM-2", square(100, 0, 60), deed_acres=beyond),
            feature("AM-3", square(200, 0, 60), deed_acres=below),
            feature("AM-4", square(300, 0, 60)),
        ),
    )

    stdout, _ = run(path, "--map", "official_area=deed_acres", "--area-unit", "acres")

    parcels = {p.apn: p for p in Parcel.objects.all()}
    assert parcels["AM-1"].official_area_m2 == (Decimal(within) * SQUARE_METRES_PER_ACRE).quantize(CENT)
    assert parcels["AM-2"].official_area_m2 == (Decimal(beyond) * SQUARE_METRES_PER_ACRE).quantize(CENT)
    assert parcels["AM-4"].official_area_m2 is None
    assert {apn: p.area_mismatch for apn, p in parcels.items()} == {
        "AM-1": False,
        "AM-2": True,
        "AM-3": True,
        "AM-4": False,
    }
    assert "2 parcels flagged 'area mismatch'" in stdout
    flagged = [line.strip() for line in stdout.splitlines() if line.startswith("  AM-")]
    assert flagged == [
        f"AM-2: geodesic {parcels['AM-2'].area_m2:,} m², official {parcels['AM-2'].official_area_m2:,} m²",
        f"AM-3: geodesic {parcels['AM-3'].area_m2:,} m², official {parcels['AM-3'].official_area_m2:,} m²",
    ]


def test_reimport_keeps_a_reviewed_area_mismatch_accepted(tmp_path, staff_user):
    lot = square(0, 0, 60)
    path = write_json(
        tmp_path,
        "deeds.geojson",
        collection(feature("AM-1", lot, deed_acres=acres_for(expected_area(lot), "1.03"))),
    )
    run(path, "--map", "official_area=deed_acres", "--area-unit", "acres")
    parcel = Parcel.objects.get()
    assert parcel.area_mismatch
    services.parcel_accept_area_mismatch(parcel=parcel, actor=staff_user, reason="deed predates the survey")

    stdout, _ = run(path, "--map", "official_area=deed_acres", "--area-unit", "acres")

    assert "flagged" not in stdout
    assert Parcel.objects.get().area_mismatch is False


# ---------------------------------------------------------------------------------------------
# 9. Overlaps
# ---------------------------------------------------------------------------------------------


def overlap_area(first: dict[str, Any], second: dict[str, Any]) -> float:
    return geometry.geodesic_area_m2(shape(first).intersection(shape(second)))


def test_overlapping_features_in_one_file_are_recorded_for_review(tmp_path):
    a, b, c = square(0, 0, 20), square(10, 0, 20), square(30, 0, 20)  # a∩b = 10×20 m; b and c only touch
    path = write_json(
        tmp_path, "overlap.geojson", collection(feature("OV-1", a), feature("OV-2", b), feature("OV-3", c))
    )

    stdout, _ = run(path)

    overlap = ParcelOverlap.objects.get()
    assert (overlap.parcel.apn, overlap.other.apn) == ("OV-1", "OV-2")
    assert overlap.area_m2 == Decimal(repr(overlap_area(a, b))).quantize(CENT, rounding=ROUND_HALF_UP)
    assert overlap.area_m2 == pytest.approx(Decimal(200), rel=Decimal("0.001"))
    assert overlap.accepted_at is None
    assert overlap.accepted_reason == ""
    assert "1 overlap recorded for review:" in stdout
    assert f"  OV-1 × OV-2: {overlap_area(a, b):,.2f} m²" in stdout


def test_accept_overlaps_records_them_accepted_with_the_reason(tmp_path, staff_user):
    path = write_json(
        tmp_path, "overlap.geojson", collection(feature("OV-1", square(0, 0)), feature("OV-2", square(10, 0)))
    )

    stdout, _ = run(path, "--accept-overlaps", "survey difference", "--user", staff_user.username)

    overlap = ParcelOverlap.objects.get()
    assert overlap.accepted_reason == "survey difference"
    assert overlap.accepted_at is not None
    assert overlap.accepted_by == staff_user
    assert overlap.is_accepted
    assert "1 overlap accepted:" in stdout


def test_imported_parcel_overlapping_an_existing_one_is_recorded(tmp_path):
    existing = make_parcel("EX-1", x=0, size=20)
    make_parcel("EX-2", x=40, size=20)  # touched, not overlapped, by the import
    new = square(15, 0, 25)  # 5 × 20 m inside EX-1; its east edge meets EX-2's west edge
    path = write_json(tmp_path, "new.geojson", collection(feature("NEW-1", new)))

    stdout, _ = run(path)

    overlap = ParcelOverlap.objects.get()
    imported = Parcel.objects.get(apn="NEW-1")
    assert (overlap.parcel_id, overlap.other_id) == (existing.pk, imported.pk)
    assert overlap.area_m2 == pytest.approx(Decimal(100), rel=Decimal("0.001"))
    assert overlap.accepted_at is None
    assert "  EX-1 × NEW-1: " in stdout


# ---------------------------------------------------------------------------------------------
# 10. The real county file
# ---------------------------------------------------------------------------------------------


def test_real_county_file_imports_with_areas_matching_the_county(tmp_path):
    """Eatonville, WA: 1,302 parcels in Washington State Plane South (US feet), no ``crs`` member.

    ``Shape_Area`` is the county's planar area in square US survey feet. The geodesic area on the
    WGS84 ellipsoid is larger by the state-plane scale factor: 0.0144–0.0148 % across the town.
    Both areas are stored rounded to 0.01 m², so every parcel must lie in that band give or take
    0.01 m²; the rounding dominates only for the few slivers. Compared as stored, the median
    relative difference is 0.0147 % (asserted < 0.02 %) and the largest 0.133 % (asserted
    < 0.25 %), on the 7.5 m² sliver 053-0416232709 (7.51 vs 7.50 m²: one cent of a m² is 0.13 %
    of it). The smallest sliver, 0.0079 ft² (0.0007 m²), stores 0.00 m² on both sides and is
    compared for equality instead; unrounded it is the 0.24 % maximum the data notes report.
    Nothing comes near the 1 % mismatch tolerance.

    Kept quick: one plain ``django_db`` test (rolled back, no flush), one import of about a
    second on SQLite; the assertions work on values already loaded.
    """
    source = json.loads(PARCELS_B.read_bytes())
    attributes = {f["properties"]["PARCEL_ID_"]: f["properties"] for f in source["features"]}
    assert len(attributes) == 1302

    stdout, _ = run(
        PARCELS_B,
        "--crs",
        "2286",
        "--map",
        "apn=PARCEL_ID_",
        "--map",
        "address=SITUS_ADDR",
        "--map",
        "official_area=Shape_Area",
        "--area-unit",
        "us-ft2",
    )

    assert "parcels_B.geojson: 1,302 features, geojson, CRS EPSG:2286" in stdout
    assert "Imported 1,302 parcels: 1,302 new, 0 updated, 0 unchanged." in stdout
    parcels = list(
        Parcel.objects.only(
            "apn", "address", "area_m2", "official_area_m2", "area_mismatch", "geometry", "centroid_lon"
        )
    )
    assert len(parcels) == 1302
    assert {p.apn for p in parcels} == set(attributes)
    assert not [p.apn for p in parcels if p.area_mismatch]
    assert "flagged" not in stdout
    # The county layer itself has two overlapping pairs; they are recorded for review, not refused.
    assert "2 overlaps recorded for review:" in stdout
    overlaps = {
        (o.parcel.apn, o.other.apn): float(o.area_m2)
        for o in ParcelOverlap.objects.select_related("parcel", "other").filter(accepted_at__isnull=True)
    }
    assert overlaps == {
        ("053-0416144009", "053-0416144038"): pytest.approx(34.91, abs=0.02),
        ("053-0416231050", "053-0416231053"): pytest.approx(302.08, abs=0.02),
    }

    relative = []
    for parcel in parcels:
        props = attributes[parcel.apn]
        assert parcel.address == (props["SITUS_ADDR"] or "").strip()
        official_m2 = Decimal(str(props["Shape_Area"])) * US_SURVEY_FOOT**2
        assert abs(parcel.official_area_m2 - official_m2) <= Decimal("0.005")
        assert -122.35 < parcel.centroid_lon < -122.2
        if parcel.official_area_m2 == 0:
            assert parcel.area_m2 == 0, parcel.apn
            continue
        difference = float((parcel.area_m2 - parcel.official_area_m2) / parcel.official_area_m2)
        relative.append(abs(difference))
        # Scale factor 1.000144–1.000148, then each side rounded to the cent: ±0.01 m² at most.
        low = parcel.official_area_m2 * Decimal("1.000144") - CENT
        high = parcel.official_area_m2 * Decimal("1.000148") + CENT
        assert low <= parcel.area_m2 <= high, (parcel.apn, parcel.area_m2, parcel.official_area_m2)
    assert len(relative) == 1301
    assert statistics.median(relative) < 0.0002
    assert max(relative) < 0.0025

    by_apn = {p.apn: p for p in parcels}
    multi = {p.apn: len(p.geometry["coordinates"]) for p in parcels if p.geometry["type"] == "MultiPolygon"}
    assert len(multi) == 1302  # the county writes every parcel as a MultiPolygon; kept as such
    assert sum(1 for parts in multi.values() if parts > 1) == 21
    assert multi["053-0416132028"] == 12
    with_holes = [p.apn for p in parcels if any(len(polygon) > 1 for polygon in p.geometry["coordinates"])]
    assert with_holes == ["053-0416148010"]
    hole_parcel = shape(by_apn["053-0416148010"].geometry)
    assert hole_parcel.is_valid
    assert all(len(polygon.interiors) == 0 or not polygon.interiors[0].is_ccw for polygon in hole_parcel.geoms)


# ---------------------------------------------------------------------------------------------
# The bulk writer: the rows bulk_create_with_history wrote
# ---------------------------------------------------------------------------------------------


def _town_records() -> list:
    """Forty lots, a few reaching over a neighbour, with the fields a county file carries."""
    from properties.exchange import ReadRecord

    records = []
    for i in range(40):
        size = 30 if i % 9 == 0 else 20  # 5 m over the next lot: a real overlap
        fields: dict[str, Any] = {"address": f"{i} Pine St", "status": "held" if i % 5 else "acquired"}
        if i % 3 == 0:
            fields.update(acquisition_date=f"2019-0{1 + i % 9}-1{i % 10}", acquisition_price=f"{95000 + i * 500}.00")
        if i % 4 == 0:
            fields["official_area_m2"] = Decimal("400.00") if i % 8 else Decimal("520.00")
        records.append(
            ReadRecord(i + 1, f"W-{i:03d}", f"W-{i:03d}", square((i % 10) * 25, (i // 10) * 25, size), fields)
        )
    return records


def _snapshot() -> dict[str, Any]:
    skip = {"id", "created", "last_updated", "history_id", "history_date"}
    parcels = sorted(
        (tuple(sorted((k, v) for k, v in r.items() if k not in skip)) for r in Parcel.objects.values()), key=repr
    )
    history = sorted(
        (tuple(sorted((k, v) for k, v in r.items() if k not in skip)) for r in Parcel.history.values()), key=repr
    )
    overlaps = sorted(
        (o.parcel.apn, o.other.apn, o.area_m2, o.accepted_reason) for o in ParcelOverlap.objects.select_related()
    )
    return {"parcels": parcels, "history": history, "overlaps": overlaps}


def test_the_bulk_writer_writes_what_bulk_create_with_history_wrote(monkeypatch, staff_user):
    from simple_history.utils import bulk_create_with_history

    from properties import bulkwrite

    report = imports.parcels_import(_town_records(), actor=staff_user, reason="county file 2026")
    written = _snapshot()
    assert report.created == 40 and len(written["history"]) == 40 and written["overlaps"]
    new = Parcel.objects.all()
    assert len({(p.created, p.last_updated) for p in new}) == 1  # one import, one moment
    assert {h.history_date for h in Parcel.history.all()} == {new[0].created}
    Parcel.objects.all().delete()  # and their overlaps
    Parcel.history.all().delete()  # and the deletions' own history rows

    def legacy(objs, *, key, history_user, reason):
        bulk_create_with_history(objs, Parcel, batch_size=500, default_user=history_user, default_change_reason=reason)

    monkeypatch.setattr(bulkwrite, "insert_with_history", legacy)
    imports.parcels_import(_town_records(), actor=staff_user, reason="county file 2026")
    assert _snapshot() == written


def test_id_filter_selects_exactly_the_ids_given():
    from properties import bulkwrite

    for count in (12, 40):
        make_parcel(f"F-{count}", x=count * 30, actor=None)
    ids = list(Parcel.objects.values_list("pk", flat=True))
    for chosen in (ids, ids[:1], ids[1:], [ids[0], ids[-1]], []):
        assert sorted(Parcel.objects.filter(bulkwrite.id_filter("pk", chosen)).values_list("pk", flat=True)) == sorted(
            chosen
        )
    runs = [*range(1, 200), 400, 402, *range(500, 900)]
    query = bulkwrite.id_filter("pk", runs)
    assert len(query.children) == 3  # the singles, then two ranges


def test_each_record_s_fields_are_checked_even_when_an_equal_value_passed_before():
    # The import cleans each distinct value once; 1.5 and 1.505 differ, 1.50 and 1.500 are equal Decimals
    # whose digits differ, and the price field keeps 2 decimals: the second of each pair is refused.
    values = [Decimal("1.50"), Decimal("1.500"), "1.5", "1.505", "pending", "pending"]
    records = [
        imports.ImportRecord(
            index=n + 1, ident=f"M-{n}", apn=f"M-{n}", geometry=square(n * 30, 0), fields={"acquisition_price": value}
        )
        for n, value in enumerate(values)
    ]
    with pytest.raises(imports.ImportFailed) as failed:
        imports.parcels_import(records, actor=None, reason="memo")
    refused = {error.ident: error.reasons for error in failed.value.errors}
    assert sorted(refused) == ["M-1", "M-3", "M-4", "M-5"]
    assert refused["M-1"] == ("acquisition price: Ensure that there are no more than 2 decimal places.",)
    assert refused["M-4"] == refused["M-5"] == ("acquisition price: “pending” value must be a decimal number.",)
    assert not Parcel.objects.exists()
