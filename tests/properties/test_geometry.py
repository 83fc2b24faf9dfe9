"""properties.geometry: validation, orientation, geodesic areas, reprojection, overlaps, splits, merges, WKT.

The module is pure, so these tests need no database and no Django: every expected value below comes from
an independent source (a closed-form ellipsoid formula, pyproj's forward geodesic, a county's own
attributes) rather than from the code under test.
"""

import hashlib
import json
import math
import statistics

import numpy as np
import pytest
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import LinearRing, MultiPolygon, Polygon, box

from properties import geometry
from properties.geometry import GeometryError
from tests.datafiles import PARCELS_B

# Burlington, Vermont: every synthetic parcel is built around here.
ORIGIN_LON, ORIGIN_LAT = -73.2121, 44.4759
WGS84_GEOD = Geod(ellps="WGS84")
# A transverse Mercator centred on the origin with scale 1: within a few hundred metres its scale error
# is ~1e-9, so a rectangle drawn in its metres has, on the ground, the area we drew.
_LOCAL_TO_WGS84 = Transformer.from_crs(
    f"+proj=tmerc +lat_0={ORIGIN_LAT} +lon_0={ORIGIN_LON} +k=1 +datum=WGS84 +units=m",
    "EPSG:4326",
    always_xy=True,
)
US_SURVEY_FOOT_M = 1200 / 3937


def metric_box(x0, y0, x1, y1):
    """A rectangle given in metres east/north of the origin, as a WGS84 lon/lat polygon."""

    def to_wgs84(xy):
        return np.column_stack(_LOCAL_TO_WGS84.transform(xy[:, 0], xy[:, 1]))

    return shapely.transform(box(x0, y0, x1, y1), to_wgs84)


def problems_of(obj, **kwargs):
    with pytest.raises(GeometryError) as excinfo:
        geometry.parse_parcel_geometry(obj, **kwargs)
    problems = excinfo.value.problems
    assert problems, "a GeometryError must list at least one problem"
    # The exception's own text is what a command prints, so it must carry every message.
    for problem in problems:
        assert problem.message in str(excinfo.value)
    return problems


def only_problem(obj, **kwargs):
    problems = problems_of(obj, **kwargs)
    assert len(problems) == 1, problems
    return problems[0]


def square_ring(lon, lat, size, *, clockwise=False):
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return ring[::-1] if clockwise else ring


def polygon_json(*rings):
    return {"type": "Polygon", "coordinates": [list(r) for r in rings]}


# ---------------------------------------------------------------------------------------------
# Validation failures
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("obj", [None, "POLYGON ((0 0, 1 0, 1 1, 0 0))", [[0, 0], [1, 1]], 42])
def test_non_dict_is_malformed(obj):
    problem = only_problem(obj)
    assert problem.code == "malformed"
    assert "GeoJSON object" in problem.message


def test_missing_coordinates_is_malformed():
    problem = only_problem({"type": "Polygon"})
    assert problem.code == "malformed"
    assert "no coordinates" in problem.message


@pytest.mark.parametrize(
    "obj, named",
    [
        ({"type": "Point", "coordinates": [ORIGIN_LON, ORIGIN_LAT]}, "Point"),
        ({"type": "LineString", "coordinates": [[ORIGIN_LON, ORIGIN_LAT], [ORIGIN_LON, ORIGIN_LAT + 1]]}, "LineString"),
        ({"type": "GeometryCollection", "geometries": []}, "GeometryCollection"),
        ({"coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}, "None"),
    ],
)
def test_wrong_geometry_type(obj, named):
    problem = only_problem(obj)
    assert problem.code == "geometry_type"
    assert problem.params == {"type": named}
    assert f"Geometry type {named} is not allowed" in problem.message
    assert "Polygon or a MultiPolygon" in problem.message


def test_empty_coordinates():
    problem = only_problem({"type": "Polygon", "coordinates": []})
    assert problem.code == "empty"
    assert "no coordinates" in problem.message


def test_empty_member_polygon_is_named():
    problem = only_problem({"type": "MultiPolygon", "coordinates": [[square_ring(0, 0, 1)], []]})
    assert problem.code == "empty"
    assert problem.params == {"polygon": 2}
    assert "Polygon 2 is empty" in problem.message


def test_ring_not_closed_names_polygon_and_ring():
    # The second polygon's hole is the open ring: shapely would silently close it, so the check must run on
    # the raw JSON and point at exactly that ring.
    open_hole = [[2.2, 0.2], [2.2, 0.4], [2.4, 0.4], [2.4, 0.2]]
    obj = {
        "type": "MultiPolygon",
        "coordinates": [[square_ring(0, 0, 1)], [square_ring(2, 0, 1), open_hole]],
    }
    problem = only_problem(obj)
    assert problem.code == "ring_not_closed"
    assert problem.params == {"polygon": 2, "ring": 2}
    assert "Polygon 2, ring 2 is not closed" in problem.message


def test_too_few_positions():
    problem = only_problem(polygon_json([[0, 0], [1, 0], [0, 0]]))
    assert problem.code == "too_few_points"
    assert problem.params == {"polygon": 1, "ring": 1, "count": 3}
    assert "has 3 positions; a ring needs at least 4" in problem.message


def test_every_structural_problem_is_listed():
    # Two bad rings in two polygons: the importer lists both, not just the first.
    obj = {
        "type": "MultiPolygon",
        "coordinates": [[[[0, 0], [1, 0], [1, 1], [0, 1]]], [[[5, 5], [6, 5], [5, 5]]]],
    }
    problems = problems_of(obj)
    assert [(p.code, p.params.get("polygon")) for p in problems] == [("ring_not_closed", 1), ("too_few_points", 2)]


def test_bow_tie_is_a_self_intersection_located_at_the_crossing():
    lon, lat = ORIGIN_LON, ORIGIN_LAT
    d = 0.001
    bow_tie = [[lon, lat], [lon + d, lat + d], [lon + d, lat], [lon, lat + d], [lon, lat]]
    problem = only_problem(polygon_json(bow_tie))
    assert problem.code == "self_intersection"
    # The diagonals cross at the centre of the square.
    assert problem.params["x"] == pytest.approx(lon + d / 2, abs=1e-7)
    assert problem.params["y"] == pytest.approx(lat + d / 2, abs=1e-7)
    assert "edges cross" in problem.message
    assert str(problem.params["x"]) in problem.message


def test_ring_touching_itself_is_a_ring_self_intersection():
    # A shell that comes back to its own vertex (1, 1): two lobes pinched at one point.
    pinched = [[0, 0], [2, 0], [1, 1], [2, 2], [0, 2], [1, 1], [0, 0]]
    problem = only_problem(polygon_json(pinched))
    assert problem.code == "ring_self_intersection"
    assert (problem.params["x"], problem.params["y"]) == (1.0, 1.0)
    assert "touches itself" in problem.message


def test_hole_outside_shell():
    problem = only_problem(polygon_json(square_ring(0, 0, 1), square_ring(5, 5, 1, clockwise=True)))
    assert problem.code == "hole_outside_shell"
    assert "hole lies outside" in problem.message


def test_nested_shells():
    obj = {"type": "MultiPolygon", "coordinates": [[square_ring(0, 0, 4)], [square_ring(1, 1, 1)]]}
    problem = only_problem(obj)
    assert problem.code == "nested_shells"


@pytest.mark.parametrize(
    "lon, lat",
    [
        (181.0, 10.0),  # longitude past the antimeridian
        (-120.0, 91.0),  # latitude past the pole, with a longitude that cannot be a latitude
    ],
)
def test_coordinates_out_of_range(lon, lat):
    problem = only_problem(polygon_json(square_ring(lon, lat, 0.5)))
    assert problem.code == "out_of_range"
    assert "±180" in problem.message
    assert "±90" in problem.message
    assert problem.params == {"x": lon, "y": lat}


def test_lat_lon_swapped_for_a_place_in_utah():
    # Salt Lake City written latitude first, as spreadsheets often do: -111.9 cannot be a latitude.
    swapped = [[40.8, -111.9], [40.8, -111.89], [40.81, -111.89], [40.81, -111.9], [40.8, -111.9]]
    problem = only_problem(polygon_json(swapped))
    assert problem.code == "lat_lon_order"
    assert problem.params == {"x": 40.8, "y": -111.9}
    assert "latitude, longitude" in problem.message
    assert "RFC 7946" in problem.message


def test_state_plane_feet_are_reported_as_projected():
    # The corner of the Eatonville file, in Washington State Plane South feet.
    ring = [[1192027.0, 560534.0], [1192127.0, 560534.0], [1192127.0, 560634.0], [1192027.0, 560634.0]]
    problem = only_problem(polygon_json([*ring, ring[0]]))
    assert problem.code == "projected_coordinates"
    assert problem.params == {"x": 1192027.0, "y": 560534.0}
    assert "projected" in problem.message
    assert "EPSG" in problem.message


@pytest.mark.parametrize(
    "bad_position",
    [["a", "b"], [ORIGIN_LON], [ORIGIN_LON, float("nan")], [ORIGIN_LON, float("inf")], [True, ORIGIN_LAT], "xy"],
)
def test_non_numeric_positions_are_malformed(bad_position):
    ring = square_ring(ORIGIN_LON, ORIGIN_LAT, 0.001)
    ring[1] = bad_position
    problem = only_problem(polygon_json(ring))
    assert problem.code == "malformed"
    assert problem.params == {"polygon": 1, "ring": 1}
    assert "[longitude, latitude]" in problem.message


# ---------------------------------------------------------------------------------------------
# Valid input: orientation and dimensions
# ---------------------------------------------------------------------------------------------


def rings_of(geojson):
    polygons = [geojson["coordinates"]] if geojson["type"] == "Polygon" else geojson["coordinates"]
    return [(index, LinearRing(ring)) for rings in polygons for index, ring in enumerate(rings)]


def assert_rfc7946_orientation(geom):
    rings = rings_of(geometry.to_geojson(geom))
    assert rings
    for index, ring in rings:
        # Index 0 is the exterior (counter-clockwise); the rest are holes (clockwise).
        assert ring.is_ccw == (index == 0), (index, list(ring.coords))


def test_valid_polygon_passes_and_clockwise_input_is_reoriented():
    ring = square_ring(ORIGIN_LON, ORIGIN_LAT, 0.001, clockwise=True)
    assert not LinearRing(ring).is_ccw
    geom = geometry.parse_parcel_geometry(polygon_json(ring))
    assert geom.geom_type == "Polygon"
    assert geom.is_valid
    assert_rfc7946_orientation(geom)
    # Reorienting must not move the parcel.
    assert geom.equals(Polygon(ring))


def test_valid_multipolygon_with_hole_passes_and_is_oriented():
    lon, lat = ORIGIN_LON, ORIGIN_LAT
    shell = square_ring(lon, lat, 0.002)  # counter-clockwise already
    hole = square_ring(lon + 0.0005, lat + 0.0005, 0.0005)  # wrongly counter-clockwise too
    second = square_ring(lon + 0.003, lat, 0.001, clockwise=True)  # wrongly clockwise
    obj = {"type": "MultiPolygon", "coordinates": [[shell, hole], [second]]}
    geom = geometry.parse_parcel_geometry(obj)
    assert geom.geom_type == "MultiPolygon"
    assert len(geom.geoms) == 2
    assert len(geom.geoms[0].interiors) == 1
    assert_rfc7946_orientation(geom)
    assert geometry.to_geojson(geom)["type"] == "MultiPolygon"


def test_z_coordinates_are_dropped():
    ring = [[lon, lat, 123.4] for lon, lat in square_ring(ORIGIN_LON, ORIGIN_LAT, 0.001)]
    geom = geometry.parse_parcel_geometry(polygon_json(ring))
    assert not geom.has_z
    positions = geometry.to_geojson(geom)["coordinates"][0]
    assert all(len(position) == 2 for position in positions)
    assert {tuple(p) for p in positions} == {(lon, lat) for lon, lat, _z in ring}


def test_to_geojson_gives_plain_lists():
    geom = geometry.parse_parcel_geometry(polygon_json(square_ring(ORIGIN_LON, ORIGIN_LAT, 0.001)))
    data = geometry.to_geojson(geom)
    # Lists, not tuples: what json.dumps writes and a JSONField compares equal after a round trip.
    assert json.loads(json.dumps(data)) == data


# ---------------------------------------------------------------------------------------------
# Geodesic area and measures
# ---------------------------------------------------------------------------------------------


def hundred_metre_square():
    """Corners 100 m apart on the ground, found with the forward geodesic from Burlington."""
    east_lon, east_lat, _ = WGS84_GEOD.fwd(ORIGIN_LON, ORIGIN_LAT, 90, 100)
    north_lon, north_lat, _ = WGS84_GEOD.fwd(ORIGIN_LON, ORIGIN_LAT, 0, 100)
    ne_lon, ne_lat, _ = WGS84_GEOD.fwd(east_lon, east_lat, 0, 100)
    ring = [[ORIGIN_LON, ORIGIN_LAT], [east_lon, east_lat], [ne_lon, ne_lat], [north_lon, north_lat]]
    return polygon_json([*ring, ring[0]])


def test_geodesic_area_of_a_hundred_metre_square():
    geom = geometry.parse_parcel_geometry(hundred_metre_square())
    assert geometry.geodesic_area_m2(geom) == pytest.approx(10_000, rel=1e-3)


def test_geodesic_area_of_a_one_degree_cell_at_the_equator():
    # Independent expectation. The area between the equator and latitude φ over a longitude span Δλ on the
    # WGS84 ellipsoid is (b²·Δλ/2)·q(φ), with q(φ) = sinφ/(1 − e²sin²φ) + ln((1 + e·sinφ)/(1 − e·sinφ))/(2e)
    # (the authalic-latitude integral; b² = a²(1 − e²)). For φ = Δλ = 1° that is 12,308,463,894 m².
    a = 6378137.0
    f = 1 / 298.257223563
    e2 = f * (2 - f)
    e = math.sqrt(e2)
    phi = dlon = math.radians(1)
    s = math.sin(phi)
    q = s / (1 - e2 * s * s) + math.log((1 + e * s) / (1 - e * s)) / (2 * e)
    parallel_cell = a * a * (1 - e2) * dlon / 2 * q
    # A polygon's edges are geodesics, not parallels: the top edge bulges poleward by
    # a·(atan(tanφ / cos(Δλ/2)) − φ) ≈ 4.2 m at its middle, adding a parabolic lens of about
    # 2/3 × chord × bulge ≈ 314,467 m² (0.0026 %). Hence the often-quoted 12,308,778,361 m².
    bulge = a * (math.atan(math.tan(phi) / math.cos(dlon / 2)) - phi)
    lens = 2 / 3 * (a * math.cos(phi) * dlon) * bulge
    area = geometry.geodesic_area_m2(box(0, 0, 1, 1))
    assert area == pytest.approx(parallel_cell, rel=1e-4)
    assert area == pytest.approx(parallel_cell + lens, rel=1e-8)
    assert area == pytest.approx(12_308_778_361, rel=1e-8)


def test_holes_are_subtracted():
    # 100 m × 100 m with a 20 m × 30 m courtyard: 9,400 m².
    shell = metric_box(0, 0, 100, 100)
    courtyard = metric_box(40, 40, 60, 70)
    geom = geometry.parse_parcel_geometry(
        polygon_json(shell.exterior.coords, courtyard.exterior.coords),
    )
    assert geometry.geodesic_area_m2(geom) == pytest.approx(9_400, rel=1e-3)


def test_geodesic_area_does_not_depend_on_winding():
    # geodesic_area_m2 is public and may be given shapely geometries that never went through parsing: a hole
    # wound like its shell must still be subtracted, and a clockwise member must not cancel a
    # counter-clockwise one.
    shell = list(metric_box(0, 0, 100, 100).exterior.coords)
    hole = list(metric_box(40, 40, 60, 70).exterior.coords)
    assert LinearRing(shell).is_ccw and LinearRing(hole).is_ccw
    assert geometry.geodesic_area_m2(Polygon(shell, [hole])) == pytest.approx(9_400, rel=1e-3)

    east = list(metric_box(200, 0, 300, 100).exterior.coords)[::-1]
    mixed = MultiPolygon([Polygon(shell), Polygon(east)])
    assert geometry.geodesic_area_m2(mixed) == pytest.approx(20_000, rel=1e-3)


def test_empty_geometry_has_no_area():
    assert geometry.geodesic_area_m2(Polygon()) == 0.0


def test_measure_returns_area_centroid_and_bbox():
    geom = geometry.parse_parcel_geometry(polygon_json(square_ring(-73.22, 44.47, 0.02)))
    shape = geometry.measure(geom)
    assert shape.centroid == pytest.approx((-73.21, 44.48), abs=1e-12)
    assert shape.bbox == pytest.approx((-73.22, 44.47, -73.20, 44.49), abs=1e-12)
    assert shape.area_m2 == pytest.approx(geometry.geodesic_area_m2(geom))
    assert shape.geojson == geometry.to_geojson(geom)
    # 0.02° × 0.02° at 44.48°N is about 2,224 m × 1,587 m.
    assert shape.area_m2 == pytest.approx(2_224 * 1_587, rel=0.01)


def test_area_acres_uses_the_international_acre():
    shape = geometry.ParcelShape(geojson={}, area_m2=4046.8564224, centroid=(0.0, 0.0), bbox=(0.0, 0.0, 0.0, 0.0))
    assert shape.area_acres == pytest.approx(1.0, rel=1e-12)
    square = geometry.measure(geometry.parse_parcel_geometry(hundred_metre_square()))
    # 10,000 m² is 2.4710538 acres (43,560 ft² of 0.3048 m each).
    assert square.area_acres == pytest.approx(10_000 / (43_560 * 0.3048**2), rel=1e-3)


def test_relative_difference():
    assert geometry.relative_difference(101.0, 100.0) == pytest.approx(0.01)
    assert geometry.relative_difference(99.0, 100.0) == pytest.approx(0.01)
    assert geometry.relative_difference(5.0, 0) is None


# ---------------------------------------------------------------------------------------------
# Coordinate reference systems
# ---------------------------------------------------------------------------------------------


def test_state_plane_point_reprojects_to_eatonville():
    # The projected centroid of Eatonville parcel 053-0416231044 and the county's own Longitude/Latitude
    # attributes for it: an independent record of where EPSG:2286 puts this point.
    point = shapely.Point(1197876.1735163184, 560959.8530850462)
    lonlat = geometry.reproject(point, "EPSG:2286")
    assert lonlat.x == pytest.approx(-122.27, abs=0.02)
    assert lonlat.y == pytest.approx(46.87, abs=0.02)
    assert lonlat.x == pytest.approx(-122.269115531, abs=1e-6)
    assert lonlat.y == pytest.approx(46.8579999957, abs=1e-6)


def test_parse_with_source_crs_reprojects_and_measures_in_metres():
    # A 100 ft × 100 ft lot in state-plane feet: 929.03 m² on the grid. The grid is slightly smaller than the
    # ground here (the file's parcels come out 0.015 % larger geodesically), so 0.1 % is ample.
    x, y, side = 1197876.0, 560960.0, 100.0
    ring = [[x, y], [x + side, y], [x + side, y + side], [x, y + side], [x, y]]
    geom = geometry.parse_parcel_geometry(polygon_json(ring), source_crs="EPSG:2286")
    minx, miny, maxx, maxy = geom.bounds
    assert -122.28 < minx < maxx < -122.26
    assert 46.85 < miny < maxy < 46.87
    assert geometry.geodesic_area_m2(geom) == pytest.approx((side * US_SURVEY_FOOT_M) ** 2, rel=1e-3)
    assert_rfc7946_orientation(geom)


@pytest.mark.parametrize("value", [2286, "2286", " EPSG:2286 ", "epsg:2286", "urn:ogc:def:crs:EPSG::2286"])
def test_normalise_crs(value):
    assert geometry.normalise_crs(value) == "EPSG:2286"


def test_crs_of_feature_collection():
    def collection(name):
        return {"type": "FeatureCollection", "features": [], "crs": {"type": "name", "properties": {"name": name}}}

    assert geometry.crs_of_feature_collection(collection("urn:ogc:def:crs:EPSG::2286")) == "EPSG:2286"
    assert geometry.crs_of_feature_collection(collection("urn:ogc:def:crs:OGC:1.3:CRS84")) == "EPSG:4326"
    assert geometry.crs_of_feature_collection({"type": "FeatureCollection", "features": []}) is None
    assert geometry.crs_of_feature_collection({"type": "FeatureCollection", "crs": "EPSG:2286"}) is None
    assert geometry.crs_of_feature_collection({"crs": {"type": "name", "properties": {}}}) is None


@pytest.mark.parametrize("value", ["EPSG:999999", "not a crs", 999999])
def test_unknown_crs_raises_value_error(value):
    with pytest.raises(ValueError, match=r"999999|not a crs"):
        geometry.normalise_crs(value)


def test_unknown_crs_in_a_file_or_a_parse_raises():
    bad = {"crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::999999"}}}
    with pytest.raises(ValueError):
        geometry.crs_of_feature_collection(bad)
    with pytest.raises(ValueError):
        geometry.parse_parcel_geometry(polygon_json(square_ring(0, 0, 1)), source_crs="EPSG:999999")


# ---------------------------------------------------------------------------------------------
# Overlaps
# ---------------------------------------------------------------------------------------------


def test_overlapping_squares_are_reported_with_the_geodesic_overlap():
    # Two 50 m squares offset by 40 m east and 30 m north share a 10 m × 20 m rectangle.
    a = metric_box(0, 0, 50, 50)
    b = metric_box(40, 30, 90, 80)
    overlaps = geometry.find_overlaps([a, b])
    assert len(overlaps) == 1
    assert (overlaps[0].first, overlaps[0].second) == (0, 1)
    assert overlaps[0].area_m2 == pytest.approx(200, rel=0.01)


def test_squares_sharing_an_edge_do_not_overlap():
    a = metric_box(0, 0, 50, 50)
    b = metric_box(50, 0, 100, 50)
    c = metric_box(50, 50, 100, 100)  # touches a at one corner only
    assert a.intersects(b)  # the STRtree will offer the pair; the area test must drop it
    assert geometry.find_overlaps([a, b, c]) == []


def test_min_area_filters_slivers():
    # A digitising sliver: 0.5 m × 10 m = 5 m².
    a = metric_box(0, 0, 50, 10)
    b = metric_box(49.5, 0, 100, 10)
    default = geometry.find_overlaps([a, b])
    assert len(default) == 1
    assert default[0].area_m2 == pytest.approx(5, rel=0.01)
    assert geometry.find_overlaps([a, b], min_area_m2=10) == []
    assert len(geometry.find_overlaps([a, b], min_area_m2=4)) == 1


def test_against_reports_indices_into_the_second_list():
    new = [metric_box(1000, 1000, 1010, 1010), metric_box(0, 0, 20, 20)]
    existing = [metric_box(10, 10, 30, 30), metric_box(500, 500, 510, 510), metric_box(15, -5, 25, 5)]
    overlaps = sorted(geometry.find_overlaps(new, against=existing), key=lambda o: (o.first, o.second))
    # new[1] overlaps existing[0] (10 m × 10 m) and existing[2] (5 m × 5 m). first=1 > second=0 must survive:
    # the first < second rule is only for pairs within one list.
    assert [(o.first, o.second) for o in overlaps] == [(1, 0), (1, 2)]
    assert overlaps[0].area_m2 == pytest.approx(100, rel=0.01)
    assert overlaps[1].area_m2 == pytest.approx(25, rel=0.01)


def test_against_with_the_same_geometry_reports_it():
    a = metric_box(0, 0, 20, 20)
    overlaps = geometry.find_overlaps([a], against=[a])
    assert [(o.first, o.second) for o in overlaps] == [(0, 0)]
    assert overlaps[0].area_m2 == pytest.approx(400, rel=0.01)


def test_three_parcels_two_overlaps():
    a = metric_box(0, 0, 30, 30)
    b = metric_box(20, 0, 50, 30)  # overlaps a by 10 m × 30 m
    c = metric_box(45, 0, 75, 30)  # overlaps b by 5 m × 30 m, far from a
    overlaps = geometry.find_overlaps([c, a, b])
    pairs = sorted((o.first, o.second) for o in overlaps)
    assert pairs == [(0, 2), (1, 2)]
    assert all(o.first < o.second for o in overlaps)
    areas = {(o.first, o.second): o.area_m2 for o in overlaps}
    assert areas[(1, 2)] == pytest.approx(300, rel=0.01)
    assert areas[(0, 2)] == pytest.approx(150, rel=0.01)


def test_no_geometries_no_overlaps():
    assert geometry.find_overlaps([]) == []
    assert geometry.find_overlaps([metric_box(0, 0, 1, 1)], against=[]) == []


# ---------------------------------------------------------------------------------------------
# Splits and merges
# ---------------------------------------------------------------------------------------------


def test_split_into_two_halves_passes():
    original = metric_box(0, 0, 40, 20)
    halves = [metric_box(0, 0, 20, 20), metric_box(20, 0, 40, 20)]
    assert geometry.check_split(original, halves) == []


def test_split_parts_that_overlap():
    original = metric_box(0, 0, 40, 20)
    parts = [metric_box(0, 0, 22, 20), metric_box(18, 0, 40, 20)]  # 4 m × 20 m shared
    problems = geometry.check_split(original, parts)
    assert [p.code for p in problems] == ["split_parts_overlap"]
    assert problems[0].params["first"] == 1
    assert problems[0].params["second"] == 2
    assert problems[0].params["area"] == pytest.approx(80, rel=0.01)
    assert "Parts 1 and 2 overlap by 80." in problems[0].message


def test_split_parts_that_leave_a_gap():
    original = metric_box(0, 0, 40, 20)
    parts = [metric_box(0, 0, 19, 20), metric_box(21, 0, 40, 20)]  # a 2 m × 20 m strip left out
    problems = geometry.check_split(original, parts)
    assert [p.code for p in problems] == ["split_does_not_cover"]
    params = problems[0].params
    assert params["uncovered"] == pytest.approx(40, rel=0.01)
    assert params["outside"] == pytest.approx(0, abs=0.01)
    assert params["allowed"] == pytest.approx(0.001 * 800, rel=0.01)
    assert "40." in problems[0].message


def test_split_parts_that_spill_outside():
    original = metric_box(0, 0, 40, 20)
    parts = [metric_box(0, 0, 20, 20), metric_box(20, 0, 45, 20)]  # 5 m × 20 m beyond the original
    problems = geometry.check_split(original, parts)
    assert [p.code for p in problems] == ["split_does_not_cover"]
    assert problems[0].params["outside"] == pytest.approx(100, rel=0.01)
    assert problems[0].params["uncovered"] == pytest.approx(0, abs=0.01)


@pytest.mark.parametrize("count", [0, 1])
def test_split_needs_two_parts(count):
    original = metric_box(0, 0, 40, 20)
    problems = geometry.check_split(original, [original] * count)
    assert [p.code for p in problems] == ["split_too_few_parts"]
    assert problems[0].params == {"count": count}
    assert f"{count} given" in problems[0].message


def test_merge_touching_squares_gives_one_polygon():
    a = metric_box(0, 0, 30, 30)
    b = metric_box(30, 0, 60, 30)
    merged = geometry.merge_geometries([a, b])
    assert merged.geom_type == "Polygon"
    assert not merged.interiors
    expected = geometry.geodesic_area_m2(a) + geometry.geodesic_area_m2(b)
    assert geometry.geodesic_area_m2(merged) == pytest.approx(expected, rel=1e-6)
    assert geometry.geodesic_area_m2(merged) == pytest.approx(1_800, rel=1e-3)
    assert_rfc7946_orientation(merged)


def test_merge_separate_squares_gives_a_multipolygon():
    a = metric_box(0, 0, 30, 30)
    b = metric_box(100, 0, 130, 30)
    merged = geometry.merge_geometries([a, b])
    assert merged.geom_type == "MultiPolygon"
    assert len(merged.geoms) == 2
    assert geometry.geodesic_area_m2(merged) == pytest.approx(1_800, rel=1e-3)
    assert_rfc7946_orientation(merged)


# ---------------------------------------------------------------------------------------------
# WKT
# ---------------------------------------------------------------------------------------------


def test_wkt_round_trips_full_precision():
    # Burlington parcel with a hole, plus one near Mile End, London: coordinates below 1 in magnitude need 17
    # significant digits, which a 16-decimal writer loses.
    lon, lat = -73.21210123456789, 44.47590987654321
    shell = [[lon, lat], [lon + 0.0011111111111111, lat], [lon + 0.0011111111111111, lat + 0.0009876543210987]]
    shell += [[lon, lat + 0.0009876543210987], [lon, lat]]
    hole = [[lon + 0.0003, lat + 0.0003], [lon + 0.0003, lat + 0.0006], [lon + 0.0006, lat + 0.0006]]
    hole += [[lon + 0.0006, lat + 0.0003], [lon + 0.0003, lat + 0.0003]]
    london = [[-0.013767007144339205, 51.52341234567891], [-0.0121, 51.52341234567891]]
    london += [[-0.0121, 51.5245], [-0.013767007144339205, 51.5245], [-0.013767007144339205, 51.52341234567891]]
    original = {"type": "MultiPolygon", "coordinates": [[shell, hole], [london]]}
    text = geometry.to_wkt(original)
    # Compared as floats, exactly: equal lists mean every coordinate is the same double.
    assert geometry.wkt_to_geojson(text) == original
    # A shapely geometry gives the same text as its GeoJSON.
    assert geometry.to_wkt(shapely.geometry.shape(original)) == text


def test_wkt_of_a_parsed_parcel_re_imports_to_the_same_geometry():
    geom = geometry.parse_parcel_geometry(geometry.wkt_to_geojson(geometry.to_wkt(metric_box(0, 0, 33.3, 17.7))))
    again = geometry.parse_parcel_geometry(geometry.wkt_to_geojson(geometry.to_wkt(geom)))
    assert again.equals_exact(geom, tolerance=0)


@pytest.mark.parametrize("text", ["POLYGON EMPTY", "MULTIPOLYGON EMPTY", "  POLYGON EMPTY  "])
def test_empty_wkt(text):
    with pytest.raises(GeometryError) as excinfo:
        geometry.wkt_to_geojson(text)
    assert [p.code for p in excinfo.value.problems] == ["empty"]
    assert "empty" in excinfo.value.problems[0].message


@pytest.mark.parametrize("text, kind", [("POINT (1 2)", "Point"), ("LINESTRING (0 0, 1 1)", "LineString")])
def test_wkt_of_the_wrong_type(text, kind):
    with pytest.raises(GeometryError) as excinfo:
        geometry.wkt_to_geojson(text)
    problem = excinfo.value.problems[0]
    assert problem.code == "geometry_type"
    assert problem.params == {"type": kind}


@pytest.mark.parametrize("text", ["garbage", "", "POLYGON ((0 0, 1 0, 1 1", "POLYGON ((a b, c d))"])
def test_garbage_wkt_is_malformed(text):
    with pytest.raises(GeometryError) as excinfo:
        geometry.wkt_to_geojson(text)
    problem = excinfo.value.problems[0]
    assert problem.code == "wkt_unreadable"
    assert "WKT cannot be read" in problem.message


# ---------------------------------------------------------------------------------------------
# A real county file
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def eatonville():
    return json.loads(PARCELS_B.read_text())


def test_the_county_file_ships_with_its_source_note():
    # The file is in the repository (a clone alone runs this), unedited: its checksum is the source note's.
    note = PARCELS_B.with_suffix(".md").read_text()
    assert hashlib.sha256(PARCELS_B.read_bytes()).hexdigest() in note


def test_eatonville_parcels_parse_and_match_official_areas(eatonville):
    # Shape_Area is the county's planar area in square US survey feet of EPSG:2286. Geodesic areas run
    # ~0.015 % larger (the state-plane scale factor); the worst, 0.24 %, is the 0.0079 ft² sliver, where any
    # rounding weighs heavily (see parcels_B.md).
    features = eatonville["features"]
    assert len(features) == 1302
    differences = []
    kinds = set()
    for feature in features:
        geom = geometry.parse_parcel_geometry(feature["geometry"], source_crs="EPSG:2286")
        kinds.add(geom.geom_type)
        official_m2 = feature["properties"]["Shape_Area"] * US_SURVEY_FOOT_M**2
        differences.append(geometry.relative_difference(geometry.geodesic_area_m2(geom), official_m2))
    assert kinds == {"MultiPolygon"}
    assert statistics.median(differences) < 0.0002
    assert max(differences) < 0.0025


def test_eatonville_overlaps_match_the_planar_source(eatonville):
    # The county layer is not a perfect partition: two pairs overlap in the file itself. Found independently
    # with planar shapely on the raw state-plane feet, they must be exactly the pairs reported after
    # reprojection, with the same area (the scale factor is 0.015 %, so 0.1 % is ample).
    features = eatonville["features"]
    raw = np.asarray([shapely.geometry.shape(f["geometry"]) for f in features], dtype=object)
    i, j = shapely.STRtree(raw).query(raw, predicate="intersects")
    i, j = i[i < j], j[i < j]
    planar_m2 = shapely.area(shapely.intersection(raw[i], raw[j])) * US_SURVEY_FOOT_M**2
    expected = {(int(a), int(b)): area for a, b, area in zip(i, j, planar_m2, strict=True) if area >= 1.0}
    ids = {(features[a]["properties"]["PARCEL_ID_"], features[b]["properties"]["PARCEL_ID_"]) for a, b in expected}
    assert ids == {("053-0416144009", "053-0416144038"), ("053-0416231050", "053-0416231053")}

    geoms = [geometry.parse_parcel_geometry(f["geometry"], source_crs="EPSG:2286") for f in features]
    found = {(o.first, o.second): o.area_m2 for o in geometry.find_overlaps(geoms)}
    assert found.keys() == expected.keys()
    for pair, area in expected.items():
        assert found[pair] == pytest.approx(area, rel=1e-3)


def test_geojson_from_arrays_is_what_mapping_gives():
    """``to_geojson`` reads polygons' rings as arrays: the same coordinates, to the last bit, as ``mapping``."""
    import json

    from shapely.geometry import mapping

    from properties.geometry import _listify, parse_parcel_geometry, to_geojson

    hole = [[0.1, 0.1], [0.2, 0.1], [0.2, 0.2], [0.1, 0.2], [0.1, 0.1]]
    shell = [[-73.2121001, 44.4759], [-73.2111, 44.4759123], [-73.2111, 44.4769], [-73.2121001, 44.4759]]
    cases = [
        {"type": "Polygon", "coordinates": [shell]},
        {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]], hole]},
        {
            "type": "MultiPolygon",
            "coordinates": [[shell], [[[-73.3, 44.5], [-73.29, 44.5], [-73.29, 44.51], [-73.3, 44.5]]]],
        },
    ]
    for case in cases:
        geom = parse_parcel_geometry(case)
        expected = {"type": geom.geom_type, "coordinates": _listify(mapping(geom)["coordinates"])}
        assert json.dumps(to_geojson(geom)) == json.dumps(expected)
