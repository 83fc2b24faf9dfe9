"""The parcel registry's API: a role matrix for every endpoint, writes, errors, history, maps, query counts."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from properties import imports, services
from properties.exchange import ReadRecord
from properties.models import Parcel, ParcelFunding, ParcelOverlap, ParcelStatus, Unit
from tests.factories import make_parcel, rect_ring, square

pytestmark = pytest.mark.django_db

ANON_REFUSED = (401, 403)


@pytest.fixture
def parcel(staff_user) -> Parcel:
    p = make_parcel("100-200-300", address="12 Maple St", actor=staff_user, acquisition_price=Decimal("85000.00"))
    services.unit_create(actor=staff_user, reason="test", parcel=p, address="12 Maple St", kind="single_family")
    services.funding_create(actor=staff_user, reason="test", parcel=p, source="City HOME", amount=Decimal("40000"))
    return p


# ---------------------------------------------------------------------------------------------
# Role matrix
# ---------------------------------------------------------------------------------------------

READ_MATRIX = {
    # role: (list status, items visible, detail status)
    "anonymous": (ANON_REFUSED, None, ANON_REFUSED),
    "member": ((200,), 0, (404,)),
    "homeowner": ((200,), 0, (404,)),
    "board": ((200,), 0, (404,)),
    "staff": ((200,), 1, (200,)),
}


@pytest.mark.parametrize("role", list(READ_MATRIX))
@pytest.mark.parametrize("resource", ["parcels", "homes", "funding-sources"])
def test_read_matrix(api_for, parcel, role, resource):
    list_status, items, detail_status = READ_MATRIX[role]
    obj_id = {"parcels": parcel.pk, "homes": parcel.units.get().pk, "funding-sources": parcel.funding.get().pk}[
        resource
    ]
    client = api_for(role)
    response = client.get(f"/api/v1/{resource}/")
    assert response.status_code in list_status
    if role == "homeowner" and resource == "homes":
        # A homeowner sees the one home they hold a lease on, never this one.
        own = Unit.objects.get(leases__leaseholders__person__user__username="owner")
        assert [home["id"] for home in response.json()["results"]] == [own.pk]
    elif items is not None:
        assert response.json()["count"] == items
    assert client.get(f"/api/v1/{resource}/{obj_id}/").status_code in detail_status
    assert client.get(f"/api/v1/{resource}/{obj_id}/history/").status_code in detail_status


@pytest.mark.parametrize("role", ["anonymous", "member", "homeowner", "board"])
def test_non_staff_cannot_write_anything(api_for, parcel, role):
    client = api_for(role)
    unit = parcel.units.get()
    funding = parcel.funding.get()
    refused = ANON_REFUSED if role == "anonymous" else (403,)
    attempts = [
        client.post("/api/v1/parcels/", {"apn": "X-1", "geometry": square(100, 100)}, format="json"),
        client.patch(f"/api/v1/parcels/{parcel.pk}/", {"address": "hijacked"}, format="json"),
        client.delete(f"/api/v1/parcels/{parcel.pk}/"),
        client.post(f"/api/v1/parcels/{parcel.pk}/split/", {}, format="json"),
        client.post("/api/v1/parcels/merge/", {}, format="json"),
        client.post(f"/api/v1/parcels/{parcel.pk}/accept-area/", {"reason": "x"}, format="json"),
        client.post("/api/v1/homes/", {"parcel": parcel.pk, "address": "1 A St"}, format="json"),
        client.patch(f"/api/v1/homes/{unit.pk}/", {"bedrooms": 9}, format="json"),
        client.delete(f"/api/v1/homes/{unit.pk}/"),
        client.post("/api/v1/funding-sources/", {"parcel": parcel.pk, "source": "x", "amount": "1"}, format="json"),
        client.delete(f"/api/v1/funding-sources/{funding.pk}/"),
        client.get("/api/v1/parcels/export/geojson/"),
        client.get("/api/v1/parcels/export/csv/"),
    ]
    assert [r.status_code for r in attempts] == [refused[0] if len(refused) == 1 else r.status_code for r in attempts]
    assert all(r.status_code in refused for r in attempts)
    parcel.refresh_from_db()
    assert parcel.address == "12 Maple St"
    # The homeowner's own leased home is not this parcel's; nothing was added beside it.
    assert Parcel.objects.exclude(units__leases__isnull=False).count() == 1
    assert Unit.objects.filter(parcel=parcel).count() == 1 and ParcelFunding.objects.count() == 1
    assert Unit.objects.count() == Parcel.objects.count()


@pytest.mark.parametrize(
    ("role", "expected"), [("anonymous", ANON_REFUSED), ("member", (200,)), ("homeowner", (200,)), ("staff", (200,))]
)
def test_map_endpoint_is_scoped(api_for, parcel, role, expected):
    response = api_for(role).get("/api/v1/parcels/geojson/", {"bbox": "-74,44,-73,45", "zoom": 12})
    assert response.status_code in expected
    if response.status_code == 200:
        features = json.loads(response.content)["features"]
        assert len(features) == (1 if role == "staff" else 0)


def test_overlaps_endpoint_matrix(api_for, staff_user):
    make_parcel("A", x=0, y=0, size=20, actor=staff_user)
    services.parcel_create(
        actor=staff_user, reason="t", apn="B", geometry=square(10, 0, 20), overlap_reason="shared driveway"
    )
    overlap = ParcelOverlap.objects.get()
    assert api_for("anonymous").get("/api/v1/parcel-overlaps/").status_code in ANON_REFUSED
    assert api_for("member").get("/api/v1/parcel-overlaps/").json()["count"] == 0
    assert api_for("homeowner").get(f"/api/v1/parcel-overlaps/{overlap.pk}/").status_code == 404
    assert api_for("member").post(f"/api/v1/parcel-overlaps/{overlap.pk}/accept/", {"reason": "x"}).status_code == 403
    body = api_for("staff").get("/api/v1/parcel-overlaps/").json()
    assert body["count"] == 1
    assert Decimal(body["results"][0]["area_m2"]) == pytest.approx(Decimal("200"), rel=Decimal("0.01"))
    assert body["results"][0]["accepted_reason"] == "shared driveway"


def test_token_authentication(staff_user, parcel):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    token = Token.objects.create(user=staff_user)
    client = APIClient()
    assert client.get("/api/v1/parcels/").status_code in ANON_REFUSED
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get("/api/v1/parcels/").json()["count"] == 1


# ---------------------------------------------------------------------------------------------
# Writes
# ---------------------------------------------------------------------------------------------


def test_staff_creates_a_parcel_with_reason_in_history(staff_api, staff_user):
    response = staff_api.post(
        "/api/v1/parcels/",
        {
            "apn": "555-01",
            "address": "1 Pine St",
            "geometry": square(0, 0, 50),
            "acquisition_price": "120000.50",
            "acquisition_date": "2020-05-01",
            "change_reason": "Deed recorded 2020-05-01, book 12 page 3",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    # 50 m × 50 m on the ground, within the factory's small-area approximation of a degree.
    assert Decimal(body["area_m2"]) == pytest.approx(Decimal("2500"), rel=Decimal("0.002"))
    assert Decimal(body["area_acres"]) == pytest.approx(Decimal("0.6178"), rel=Decimal("0.002"))
    assert body["acquisition_price"] == "120000.50"
    assert len(body["centroid"]) == 2 and len(body["bbox"]) == 4
    history = staff_api.get(f"/api/v1/parcels/{body['id']}/history/").json()
    assert history[0]["action"] == "created"
    assert history[0]["user"] == staff_user.username
    assert history[0]["reason"] == "Deed recorded 2020-05-01, book 12 page 3"


def test_update_records_which_fields_changed_and_why(staff_api, parcel):
    response = staff_api.patch(
        f"/api/v1/parcels/{parcel.pk}/",
        {"address": "14 Maple St", "status": "disposed", "change_reason": "Address corrected by the assessor"},
        format="json",
    )
    assert response.status_code == 200, response.content
    history = staff_api.get(f"/api/v1/parcels/{parcel.pk}/history/").json()
    latest = history[0]
    assert latest["action"] == "changed"
    assert latest["reason"] == "Address corrected by the assessor"
    changes = {c["field"]: (c["old"], c["new"]) for c in latest["changes"]}
    assert changes == {"address": ("12 Maple St", "14 Maple St"), "status": ("held", "disposed")}


@pytest.mark.parametrize(
    ("payload", "field", "fragment"),
    [
        ({"apn": "X", "geometry": {"type": "Point", "coordinates": [0, 0]}}, "geometry", "Point is not allowed"),
        (
            {"apn": "X", "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}},
            "geometry",
            "cross each other",
        ),
        (
            {
                "apn": "X",
                "geometry": {"type": "Polygon", "coordinates": [[[-73.2, 44.4], [-73.1, 44.4], [-73.1, 44.5]]]},
            },
            "geometry",
            "not closed",
        ),
        ({"apn": "X", "geometry": {"type": "Polygon", "coordinates": []}}, "geometry", "empty"),
        ({"apn": "100-200-300", "geometry": square(500, 500)}, "apn", "already exists"),
        ({"apn": "X", "geometry": square(500, 500), "acquisition_price": "-5"}, "acquisition_price", ""),
        ({"apn": "X", "geometry": square(500, 500), "status": "sold"}, "status", "not a valid choice"),
        ({"geometry": square(500, 500)}, "apn", "required"),
    ],
)
def test_bad_writes_answer_400_with_field_and_reason(staff_api, parcel, payload, field, fragment):
    before = Parcel.objects.count()
    response = staff_api.post("/api/v1/parcels/", payload, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert field in errors, errors
    assert fragment.lower() in " ".join(errors[field]).lower()
    assert Parcel.objects.count() == before


def test_overlap_is_refused_without_reason_and_recorded_with_one(staff_api, parcel):
    payload = {"apn": "OVER-1", "geometry": square(10, 0, 20)}
    refused = staff_api.post("/api/v1/parcels/", payload, format="json")
    assert refused.status_code == 400
    assert "100-200-300" in refused.json()["geometry"][0]
    assert not Parcel.objects.filter(apn="OVER-1").exists()
    accepted = staff_api.post(
        "/api/v1/parcels/", {**payload, "overlap_reason": "Easement recorded on both deeds"}, format="json"
    )
    assert accepted.status_code == 201
    overlap = ParcelOverlap.objects.get()
    assert overlap.is_accepted and overlap.accepted_reason == "Easement recorded on both deeds"
    assert float(overlap.area_m2) == pytest.approx(200, rel=0.01)


def test_delete_keeps_homes_safe(staff_api, parcel):
    response = staff_api.delete(f"/api/v1/parcels/{parcel.pk}/", HTTP_X_CHANGE_REASON="entered twice")
    assert response.status_code == 400
    assert "homes" in json.dumps(response.json())
    assert Parcel.objects.filter(pk=parcel.pk).exists()


def test_delete_with_reason_in_history(staff_api, staff_user):
    p = make_parcel("DEL-1", x=300, actor=staff_user)
    assert staff_api.delete(f"/api/v1/parcels/{p.pk}/", HTTP_X_CHANGE_REASON="Entered twice").status_code == 204
    record = Parcel.history.filter(apn="DEL-1").order_by("-history_id").first()
    assert record.history_type == "-" and record.history_change_reason == "Entered twice"


def test_home_and_funding_writes(staff_api, parcel):
    home = staff_api.post(
        "/api/v1/homes/",
        {"parcel": parcel.pk, "kind": "condo", "address": "12 Maple St", "unit_number": "2", "bathrooms": "1.5"},
        format="json",
    )
    assert home.status_code == 201, home.content
    assert home.json()["parcel_apn"] == "100-200-300"
    duplicate = staff_api.post(
        "/api/v1/homes/", {"parcel": parcel.pk, "address": "12 Maple St", "unit_number": "2"}, format="json"
    )
    assert duplicate.status_code == 400
    bad_kind = staff_api.post("/api/v1/homes/", {"parcel": parcel.pk, "address": "x", "kind": "castle"}, format="json")
    assert "kind" in bad_kind.json()
    funding = staff_api.post(
        "/api/v1/funding-sources/", {"parcel": parcel.pk, "source": "State HTF", "amount": "0"}, format="json"
    )
    assert funding.status_code == 400 and "amount" in funding.json()
    assert parcel.units.count() == 2 and parcel.funding.count() == 1


# ---------------------------------------------------------------------------------------------
# Split, merge, review
# ---------------------------------------------------------------------------------------------


def test_split_through_the_api_keeps_lineage(staff_api, staff_user):
    original = make_parcel("SPLIT-0", x=0, y=0, size=40, actor=staff_user)
    west = {"type": "Polygon", "coordinates": [rect_ring(0, 0, 20, 40)]}
    east = {"type": "Polygon", "coordinates": [rect_ring(20, 0, 20, 40)]}
    gap = {"type": "Polygon", "coordinates": [rect_ring(25, 0, 15, 40)]}
    bad = staff_api.post(
        f"/api/v1/parcels/{original.pk}/split/",
        {
            "effective_date": "2025-01-02",
            "change_reason": "Subdivision",
            "parts": [{"apn": "SPLIT-1", "geometry": west}, {"apn": "SPLIT-2", "geometry": gap}],
        },
        format="json",
    )
    assert bad.status_code == 400 and "do not cover" in bad.json()["parts"][0]
    assert Parcel.objects.count() == 1
    good = staff_api.post(
        f"/api/v1/parcels/{original.pk}/split/",
        {
            "effective_date": "2025-01-02",
            "change_reason": "Subdivision plat 2025-3",
            "parts": [{"apn": "SPLIT-1", "geometry": west}, {"apn": "SPLIT-2", "geometry": east}],
        },
        format="json",
    )
    assert good.status_code == 201, good.content
    children = good.json()
    assert sorted(c["apn"] for c in children) == ["SPLIT-1", "SPLIT-2"]
    assert all(c["parents"] == [original.pk] for c in children)
    original.refresh_from_db()
    assert original.status == ParcelStatus.RETIRED
    detail = staff_api.get(f"/api/v1/parcels/{original.pk}/").json()
    assert sorted(detail["children"]) == sorted(c["id"] for c in children)
    # A retired parcel cannot be changed any more.
    assert staff_api.patch(f"/api/v1/parcels/{original.pk}/", {"address": "x"}, format="json").status_code == 400


def test_merge_through_the_api(staff_api, staff_user):
    a = make_parcel("M-1", x=0, y=0, size=20, actor=staff_user)
    b = make_parcel("M-2", x=20, y=0, size=20, actor=staff_user)
    response = staff_api.post(
        "/api/v1/parcels/merge/",
        {"parcels": [a.pk, b.pk], "apn": "M-12", "effective_date": "2024-03-01", "change_reason": "Lot line removal"},
        format="json",
    )
    assert response.status_code == 201, response.content
    merged = response.json()
    assert merged["geometry"]["type"] == "Polygon"
    assert sorted(merged["parents"]) == [a.pk, b.pk]
    assert Decimal(merged["area_m2"]) == pytest.approx(a.area_m2 + b.area_m2, abs=Decimal("0.05"))
    again = staff_api.post(
        "/api/v1/parcels/merge/",
        {"parcels": [a.pk, b.pk], "apn": "M-99", "effective_date": "2024-03-01", "change_reason": "again"},
        format="json",
    )
    assert again.status_code == 400 and "retired" in json.dumps(again.json())


def test_accept_area_mismatch(staff_api, staff_user):
    p = make_parcel("AREA-1", actor=staff_user, official_area_m2=Decimal("100.00"))
    assert p.area_mismatch  # 20 m × 20 m is 400 m², four times the record
    assert staff_api.post(f"/api/v1/parcels/{p.pk}/accept-area/", {}, format="json").status_code == 400
    response = staff_api.post(
        f"/api/v1/parcels/{p.pk}/accept-area/", {"reason": "County record predates the 2019 survey"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["area_mismatch"] is False
    assert response.json()["area_mismatch_note"] == "County record predates the 2019 survey"


# ---------------------------------------------------------------------------------------------
# Filters, map, query counts
# ---------------------------------------------------------------------------------------------


def _bulk(count: int, prefix: str = "Q", *, size: float = 20, x0: float = 0) -> None:
    """Parcels through the import service (bulk, with history), each with a home and a funding source.

    Squares of ``size`` m every 25 m: above 25 m, neighbours overlap.
    """
    records = [
        ReadRecord(
            i,
            f"{prefix}{i}",
            f"{prefix}{i:04d}",
            square(x0 + (i % 25) * 25, (i // 25) * 25, size),
            {"address": f"{i} Elm"},
        )
        for i in range(count)
    ]
    imports.parcels_import(records, actor=None, reason="bulk")
    parcels = list(Parcel.objects.filter(apn__startswith=prefix))
    Unit.objects.bulk_create(Unit(parcel=p, address=p.address) for p in parcels)
    ParcelFunding.objects.bulk_create(ParcelFunding(parcel=p, source="HOME", amount=Decimal("1000")) for p in parcels)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/parcels/?page_size=500",
        "/api/v1/homes/?page_size=500",
        "/api/v1/funding-sources/?page_size=500",
        "/api/v1/parcel-overlaps/?page_size=500",
    ],
)
def test_list_queries_do_not_grow_with_rows(staff_api, path):
    _bulk(5, prefix="A", size=30)
    staff_api.get(path)  # warm caches (content types, the user's groups)
    with CaptureQueriesContext(connection) as few:
        assert staff_api.get(path).status_code == 200
    _bulk(495, prefix="B", size=30, x0=1000)
    with CaptureQueriesContext(connection) as many:
        response = staff_api.get(path)
    assert response.status_code == 200
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_the_list_reads_each_parcel_as_the_related_managers_read_it(staff_api, staff_user, rf):
    """The list prefetches units, funding and lineage into plain lists (``to_attr``); every row is what the
    serializer writes for the parcel loaded alone, through the related managers and their model orderings."""
    from properties.api.serializers import ParcelSerializer

    original = make_parcel("L-0", x=0, y=0, size=40, actor=staff_user)
    west = {"type": "Polygon", "coordinates": [rect_ring(0, 0, 20, 40)]}
    east = {"type": "Polygon", "coordinates": [rect_ring(20, 0, 20, 40)]}
    halves = services.parcel_split(
        parcel=original,
        parts=[{"apn": "L-1", "address": "", "geometry": west}, {"apn": "L-2", "address": "", "geometry": east}],
        effective_date="2025-01-02",
        actor=staff_user,
        reason="plat",
    )
    for address, number in (("9 Elm", "B"), ("9 Elm", "A"), ("1 Oak", "")):
        services.unit_create(actor=staff_user, reason="t", parcel=halves[0], address=address, unit_number=number)
    for source, date in (("State", "2024-05-01"), ("City", None), ("HOME", "2020-01-01")):
        services.funding_create(
            actor=staff_user, reason="t", parcel=halves[0], source=source, amount=Decimal("10.00"), date=date
        )
    listed = staff_api.get("/api/v1/parcels/", {"page_size": 500}).json()["results"]
    request = rf.get("/api/v1/parcels/")
    alone = [ParcelSerializer(Parcel.objects.get(pk=row["id"]), context={"request": request}).data for row in listed]
    assert len(listed) == 3
    assert listed == json.loads(json.dumps(alone))
    first = next(row for row in listed if row["apn"] == "L-1")
    assert [(u["address"], u["unit_number"]) for u in first["units"]] == [("1 Oak", ""), ("9 Elm", "A"), ("9 Elm", "B")]
    assert first["parents"] == [original.pk]


def test_a_town_wide_map_is_served_as_clusters_that_count_every_parcel(staff_api, monkeypatch):
    """Above ``CLUSTER_ABOVE`` parcels in view (and below the polygon zoom), the map gets one feature per grid
    cell: the cell's count, its parcels per status, their mean centre and the cell's box; a parcel alone in
    its cell stays a parcel's Point. The counts are those of binning each parcel's centroid by hand."""
    import math

    from properties import mapdata

    _bulk(60)
    Parcel.objects.filter(apn__in=["Q0003", "Q0040"]).update(status=ParcelStatus.ACQUIRED)
    monkeypatch.setattr(mapdata, "CLUSTER_ABOVE", 20)
    everything = "-74,44,-72,45"
    for zoom in (12, 15):
        body = json.loads(staff_api.get("/api/v1/parcels/geojson/", {"bbox": everything, "zoom": zoom}).content)
        width, height = mapdata.cell_size(zoom, 44.5)
        expected: dict[tuple[int, int], list[Parcel]] = {}
        for parcel in Parcel.objects.all():
            cell = (
                math.floor((parcel.centroid_lon + 180) / width),
                math.floor((parcel.centroid_lat + 90) / height),
            )
            expected.setdefault(cell, []).append(parcel)
        clusters = [f for f in body["features"] if f["properties"].get("cluster")]
        alone = [f for f in body["features"] if not f["properties"].get("cluster")]
        assert clusters, zoom
        assert len(body["features"]) == len(expected)
        assert sorted(f["properties"]["count"] for f in clusters) == sorted(
            len(members) for members in expected.values() if len(members) > 1
        )
        assert sum(f["properties"]["count"] for f in clusters) + len(alone) == 60
        for feature in clusters:
            west, south, east, north = feature["properties"]["bbox"]
            lon, lat = feature["geometry"]["coordinates"]
            assert west <= lon <= east and south <= lat <= north
            assert sum(feature["properties"]["statuses"].values()) == feature["properties"]["count"]
            assert "id" not in feature
        for feature in alone:
            assert set(feature["properties"]) == {"apn", "status"} and isinstance(feature["id"], int)
        statuses: dict[str, int] = {}
        for feature in clusters:
            for status, n in feature["properties"]["statuses"].items():
                statuses[status] = statuses.get(status, 0) + n
        for feature in alone:
            statuses[feature["properties"]["status"]] = statuses.get(feature["properties"]["status"], 0) + 1
        assert statuses == {"held": 58, "acquired": 2}
    # Asked for by name, each shape is served whatever the count; a shape not offered is refused by field.
    points = json.loads(
        staff_api.get("/api/v1/parcels/geojson/", {"bbox": everything, "zoom": 12, "shape": "point"}).content
    )
    assert len(points["features"]) == 60
    monkeypatch.setattr(mapdata, "CLUSTER_ABOVE", 1000)
    asked = json.loads(
        staff_api.get("/api/v1/parcels/geojson/", {"bbox": everything, "zoom": 12, "shape": "cluster"}).content
    )
    assert sum(f["properties"].get("count", 1) for f in asked["features"]) == 60
    assert all(f["properties"].get("cluster") for f in asked["features"])  # 60 parcels 25 m apart: one cell
    refused = staff_api.get("/api/v1/parcels/geojson/", {"bbox": everything, "zoom": 12, "shape": "hexagon"})
    assert refused.status_code == 400 and "shape" in refused.json()


def test_map_serves_points_far_and_polygons_near(staff_api):
    _bulk(30)
    everything = "-74,44,-72,45"
    far = json.loads(staff_api.get("/api/v1/parcels/geojson/", {"bbox": everything, "zoom": 13}).content)
    assert len(far["features"]) == 30
    assert {f["geometry"]["type"] for f in far["features"]} == {"Point"}
    near = json.loads(staff_api.get("/api/v1/parcels/geojson/", {"bbox": everything, "zoom": 17}).content)
    assert {f["geometry"]["type"] for f in near["features"]} == {"Polygon"}
    # A viewport around the first few parcels only (the south-west corner of the grid).
    sw = Parcel.objects.get(apn="Q0000")
    tight = f"{sw.bbox_min_lon - 1e-5},{sw.bbox_min_lat - 1e-5},{sw.bbox_max_lon},{sw.bbox_max_lat}"
    small = json.loads(staff_api.get("/api/v1/parcels/geojson/", {"bbox": tight, "zoom": 18}).content)
    assert [f["properties"]["apn"] for f in small["features"]] == ["Q0000"]
    assert staff_api.get("/api/v1/parcels/geojson/", {"zoom": 18}).status_code == 400  # polygons need a viewport
    assert staff_api.get("/api/v1/parcels/geojson/", {"bbox": "1,2,3", "zoom": 3}).status_code == 400
    assert staff_api.get("/api/v1/parcels/geojson/", {"bbox": everything, "zoom": "x"}).status_code == 400


def test_filters(staff_api, staff_user):
    make_parcel("F-1", address="10 Oak St", actor=staff_user, status="acquired")
    make_parcel("F-2", x=100, address="20 Birch St", actor=staff_user, status="held")
    make_parcel("F-3", x=200, address="30 Oak St", actor=staff_user, status="disposed")
    apns = lambda query: sorted(p["apn"] for p in staff_api.get("/api/v1/parcels/", query).json()["results"])  # noqa: E731
    assert apns({"q": "oak"}) == ["F-1", "F-3"]
    assert apns({"status": ["held", "disposed"]}) == ["F-2", "F-3"]
    assert apns({"ordering": "-apn"}) == ["F-1", "F-2", "F-3"]
    assert [p["apn"] for p in staff_api.get("/api/v1/parcels/", {"ordering": "-apn"}).json()["results"]] == [
        "F-3",
        "F-2",
        "F-1",
    ]
    bad = staff_api.get("/api/v1/parcels/", {"bbox": "west,south"})
    assert bad.status_code == 400 and "bbox" in bad.json()


def test_schema_and_docs_are_served(client):
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()


def test_retirement_only_through_split_or_merge(staff_api, parcel):
    response = staff_api.patch(f"/api/v1/parcels/{parcel.pk}/", {"status": "retired"}, format="json")
    assert response.status_code == 400
    assert "split or a merge" in response.json()["status"][0]
    created = staff_api.post(
        "/api/v1/parcels/", {"apn": "R", "geometry": square(300, 0), "status": "retired"}, format="json"
    )
    assert created.status_code == 400 and "status" in created.json()
    parcel.refresh_from_db()
    assert parcel.status == ParcelStatus.HELD
