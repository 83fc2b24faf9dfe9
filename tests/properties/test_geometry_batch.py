"""A whole file at once: ``parse_parcel_geometries`` and ``measure_many`` give what one at a time gives.

An import validates and measures a town's boundaries with shapely's array functions and sends every
boundary they flag through the one-at-a-time checks. These tests hold the two paths to the same
geometries (to the bit), the same problems (code, parameters and words) and the same measures, on every
kind of boundary the one-at-a-time tests name, on randomly damaged files and on a real county's file.
"""

import copy
import json
import random

import pytest

from properties import geometry
from properties.geometry import GeometryError
from tests.datafiles import PARCELS_B

LON, LAT = -73.2121, 44.4759


def square(lon, lat, size, *, clockwise=False):
    ring = [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]
    return ring[::-1] if clockwise else ring


def polygon(*rings):
    return {"type": "Polygon", "coordinates": [list(r) for r in rings]}


def one_at_a_time(obj, **kwargs):
    try:
        return geometry.parse_parcel_geometry(obj, **kwargs)
    except GeometryError as exc:
        return exc


def same(expected, found):
    if isinstance(expected, GeometryError):
        assert isinstance(found, GeometryError), found
        assert found.problems == expected.problems
        assert str(found) == str(expected)
    else:
        assert not isinstance(found, GeometryError), found.problems
        assert found.wkb == expected.wkb  # the same coordinates, order and type, to the bit


def assert_batch_matches(objs, **kwargs):
    expected = [one_at_a_time(obj, **kwargs) for obj in objs]
    found = geometry.parse_parcel_geometries(objs, **kwargs)
    assert len(found) == len(objs)
    for want, got in zip(expected, found, strict=True):
        same(want, got)
    shapes = [g for g in expected if not isinstance(g, GeometryError)]
    assert geometry.measure_many(shapes) == [geometry.measure(g) for g in shapes]
    return found


bow_tie = [[LON, LAT], [LON + 0.001, LAT + 0.001], [LON + 0.001, LAT], [LON, LAT + 0.001], [LON, LAT]]
too_many = [[LON + i * 1e-7, LAT + (i % 2) * 1e-7] for i in range(geometry.MAX_VERTICES + 1)]
CASES = [
    polygon(square(LON, LAT, 0.001)),
    polygon(square(LON, LAT, 0.001, clockwise=True)),  # reoriented
    polygon(square(LON, LAT, 0.01), square(LON + 0.002, LAT + 0.002, 0.001)),  # a hole wound like its shell
    {"type": "MultiPolygon", "coordinates": [[square(LON, LAT, 0.001)], [square(LON + 0.01, LAT, 0.002)]]},
    {"type": "MultiPolygon", "coordinates": [[square(LON, LAT, 0.01), square(LON + 0.001, LAT + 0.001, 0.001)]]},
    polygon([[*p, 12.5] for p in square(LON, LAT, 0.001)]),  # Z is dropped (the full checks' path)
    polygon([tuple(p) for p in square(LON, LAT, 0.001)]),  # tuples: the full checks' path
    polygon([[int(LON), int(LAT)], [int(LON) + 1, int(LAT)], [int(LON) + 1, int(LAT) + 1], [int(LON), int(LAT)]]),
    polygon(bow_tie),
    polygon(square(LON, LAT, 0.001), square(LON + 0.01, LAT, 0.001)),  # hole outside its shell
    {"type": "MultiPolygon", "coordinates": [[square(LON, LAT, 0.01)], [square(LON + 0.001, LAT + 0.001, 0.001)]]},
    polygon(square(181.0, 10.0, 0.5)),
    polygon([[40.8, -111.9], [40.8, -111.89], [40.81, -111.89], [40.81, -111.9], [40.8, -111.9]]),
    polygon(square(1192027.0, 560534.0, 100.0)),
    polygon([[LON, LAT], [LON + 0.001, LAT], [LON + 0.002, LAT], [LON, LAT]]),  # on one line: no area, so not valid
    polygon(square(LON, LAT, 0.001)[:-1]),  # not closed
    polygon([[LON, LAT], [LON + 0.001, LAT], [LON, LAT]]),  # too few positions
    polygon(too_many),
    polygon([*too_many[:100], too_many[0]]),
    {"type": "Polygon", "coordinates": []},
    {"type": "Polygon", "coordinates": [[]]},
    {"type": "MultiPolygon", "coordinates": [[square(LON, LAT, 0.001)], []]},
    {"type": "Point", "coordinates": [LON, LAT]},
    {"type": "Polygon"},
    {"coordinates": [square(LON, LAT, 0.001)]},
    None,
    42,
    "POLYGON ((0 0, 1 0, 1 1, 0 0))",
    polygon(square(LON, LAT, 0.001), "not a ring"),
    polygon([[LON, LAT], [LON + 0.001, LAT], [10**400, LAT], [LON, LAT]]),  # beyond a float
]
for bad in (["a", "b"], [LON], [LON, float("nan")], [LON, float("inf")], [True, LAT], "xy", [LON, LAT, 1, 2], None):
    ring = square(LON, LAT, 0.001)
    ring[1] = bad
    CASES.append(polygon(ring))


def test_every_kind_of_boundary_alone():
    for case in CASES:
        assert_batch_matches([case])


def test_every_kind_of_boundary_in_one_file():
    found = assert_batch_matches(CASES)
    assert sum(not isinstance(g, GeometryError) for g in found) == 8
    assert {p.code for g in found if isinstance(g, GeometryError) for p in g.problems} >= {
        "self_intersection",
        "hole_outside_shell",
        "nested_shells",
        "out_of_range",
        "lat_lon_order",
        "projected_coordinates",
        "ring_not_closed",
        "too_few_points",
        "too_many_vertices",
        "empty",
        "geometry_type",
        "malformed",
    }


def damaged(rng, obj):
    """``obj`` with one random edit of the kind files carry: a position dropped, doubled, swapped, emptied."""
    obj = copy.deepcopy(obj)
    rings = [r for rings in ([obj["coordinates"]] if obj["type"] == "Polygon" else obj["coordinates"]) for r in rings]
    ring = rng.choice(rings)
    i = rng.randrange(len(ring))
    edit = rng.randrange(8)
    if edit == 0:
        del ring[i]
    elif edit == 1:
        ring.insert(i, list(ring[i]))
    elif edit == 2:
        ring[i] = ring[i][::-1]
    elif edit == 3:
        ring[i] = [ring[i][0], rng.choice([float("nan"), "1", None, True, 1e308 * 10])]
    elif edit == 4:
        ring[i] = [ring[i][0] + rng.uniform(-0.01, 0.01), ring[i][1]]
    elif edit == 5:
        ring[i] = [int(ring[i][0]), int(ring[i][1])]
    elif edit == 6:
        ring.clear()
    else:
        obj["type"] = "MultiPolygon" if obj["type"] == "Polygon" else "Polygon"
    return obj


def test_randomly_damaged_files():
    rng = random.Random(20261207)
    objs = []
    for n in range(600):
        lon, lat = LON + (n % 30) * 0.0005, LAT + (n // 30) * 0.0005
        shell = square(lon, lat, 0.0004, clockwise=rng.random() < 0.5)
        obj = polygon(shell, square(lon + 0.0001, lat + 0.0001, 0.0001)) if n % 7 == 0 else polygon(shell)
        if n % 11 == 0:
            obj = {"type": "MultiPolygon", "coordinates": [obj["coordinates"], [square(lon, lat + 0.02, 0.0002)]]}
        objs.append(damaged(rng, obj) if rng.random() < 0.4 else obj)
    found = assert_batch_matches(objs)
    assert 300 < sum(not isinstance(g, GeometryError) for g in found) < 600


def test_a_county_file_reprojected_from_state_plane_feet():
    features = json.loads(PARCELS_B.read_text())["features"]
    found = assert_batch_matches([f["geometry"] for f in features], source_crs="EPSG:2286")
    assert {g.geom_type for g in found} == {"MultiPolygon"}


def test_nothing_to_parse_or_measure():
    assert geometry.parse_parcel_geometries([]) == []
    assert geometry.measure_many([]) == []


@pytest.mark.parametrize("source_crs", ["EPSG:999999"])
def test_an_unknown_system_is_refused_as_one_at_a_time(source_crs):
    with pytest.raises(ValueError):
        geometry.parse_parcel_geometry(polygon(square(LON, LAT, 0.001)), source_crs=source_crs)
    with pytest.raises(ValueError):
        geometry.parse_parcel_geometries([polygon(square(LON, LAT, 0.001))], source_crs=source_crs)
