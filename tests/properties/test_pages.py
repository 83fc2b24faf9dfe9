"""Registry pages: who may open them, what they show, and the forms that change the registry."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from properties import imports, services
from properties.exchange import ReadRecord
from properties.models import Parcel, ParcelOverlap, Unit
from tests.factories import make_grid, make_parcel, square

pytestmark = pytest.mark.django_db

STAFF_PAGES = ["/parcels/", "/parcels/map/", "/parcels/new/", "/parcels/export/geojson/", "/parcels/export/csv/"]


@pytest.fixture
def parcel(staff_user) -> Parcel:
    return make_parcel("200-1", address="5 Cedar St", actor=staff_user)


def login(client, user):
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_anonymous_is_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


@pytest.mark.parametrize("role", ["member", "homeowner", "board"])
@pytest.mark.parametrize("path", STAFF_PAGES)
def test_staff_pages_refuse_other_roles(client, users, role, path):
    assert login(client, users[role]).get(path).status_code == 403


@pytest.mark.parametrize("role", ["member", "homeowner", "board"])
def test_parcel_detail_is_404_for_others(client, users, parcel, role):
    assert login(client, users[role]).get(f"/parcels/{parcel.pk}/").status_code == 404


def test_public_pages(client):
    assert client.get("/about/").status_code == 200
    assert client.get("/").status_code == 302  # the home page needs a login


def test_home_page_panels_by_role(client, users, parcel):
    staff_page = login(client, users["staff"]).get("/").content.decode()
    assert "Land and homes" in staff_page and "Open the map" in staff_page
    client.logout()
    member_page = login(client, users["member"]).get("/").content.decode()
    assert "Land and homes" not in member_page
    assert "/parcels/" not in member_page  # no staff navigation either


def test_list_page_filters_and_counts(client, staff_user):
    make_parcel("L-1", address="1 Oak St", actor=staff_user)
    make_parcel("L-2", x=100, address="2 Elm St", actor=staff_user, status="acquired")
    page = login(client, staff_user).get("/parcels/", {"q": "oak"}).content.decode()
    assert "L-1" in page and "L-2" not in page
    assert "1 parcel" in page
    page = client.get("/parcels/", {"status": "acquired"}).content.decode()
    assert "L-2" in page and "L-1" not in page
    assert 'href="/parcels/export/csv/?status=acquired"' in page


def test_list_page_query_count_is_flat(client, staff_user):
    make_grid(3, actor=staff_user, prefix="A")
    login(client, staff_user).get("/parcels/")
    with CaptureQueriesContext(connection) as few:
        client.get("/parcels/")
    make_grid(60, actor=staff_user, prefix="B", x0=1000)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/parcels/")
    assert response.status_code == 200
    assert "Page 1 of 2" in response.content.decode()
    assert len(many) == len(few)


def test_detail_page_shows_homes_history_and_map(client, staff_user, parcel):
    services.unit_create(actor=staff_user, reason="built 1920", parcel=parcel, address="5 Cedar St", bedrooms=3)
    services.parcel_update(parcel=parcel, actor=staff_user, reason="Assessor's correction", address="7 Cedar St")
    page = login(client, staff_user).get(f"/parcels/{parcel.pk}/").content.decode()
    assert "7 Cedar St" in page
    assert "Assessor&#x27;s correction" in page or "Assessor's correction" in page
    assert "5 Cedar St" in page  # the home keeps its own address
    assert 'id="map-config"' in page and '"Polygon"' in page
    assert '<span class="change-field">Address</span>: 5 Cedar St → 7 Cedar St' in page


def test_create_parcel_through_the_form(client, staff_user):
    import json

    login(client, staff_user)
    response = client.post(
        "/parcels/new/",
        {
            "apn": "FORM-1",
            "address": "9 Ash St",
            "status": "held",
            "geometry": json.dumps(square(0, 0, 30)),
            "change_reason": "Bought from the city",
        },
    )
    parcel = Parcel.objects.get(apn="FORM-1")
    assert response.status_code == 302 and response["Location"] == f"/parcels/{parcel.pk}/"
    assert parcel.history.get().history_change_reason == "Bought from the city"


def test_form_shows_geometry_problems_and_overlaps(client, staff_user, parcel):
    import json

    login(client, staff_user)
    bad = client.post(
        "/parcels/new/",
        {
            "apn": "FORM-2",
            "status": "held",
            "change_reason": "x",
            "geometry": json.dumps({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}),
        },
    )
    assert bad.status_code == 200
    assert "cross each other" in bad.content.decode()
    overlapping = {"apn": "FORM-3", "status": "held", "change_reason": "x", "geometry": json.dumps(square(5, 5, 20))}
    refused = client.post("/parcels/new/", overlapping)
    assert "overlaps parcel 200-1" in refused.content.decode()
    assert not Parcel.objects.filter(apn__in=["FORM-2", "FORM-3"]).exists()
    accepted = client.post("/parcels/new/", {**overlapping, "overlap_reason": "Shared driveway easement"})
    assert accepted.status_code == 302
    assert ParcelOverlap.objects.get().accepted_reason == "Shared driveway easement"


def test_homes_and_funding_forms(client, staff_user, parcel):
    login(client, staff_user)
    response = client.post(
        f"/parcels/{parcel.pk}/homes/new/",
        {"kind": "townhouse", "address": "5 Cedar St", "unit_number": "A", "bedrooms": "2", "change_reason": "Built"},
    )
    assert response.status_code == 302
    unit = Unit.objects.get()
    response = client.post(
        f"/parcels/homes/{unit.pk}/edit/",
        {"kind": "townhouse", "address": "5 Cedar St", "unit_number": "A", "bedrooms": "3", "change_reason": "Attic"},
    )
    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.bedrooms == 3 and unit.history.count() == 2
    response = client.post(
        f"/parcels/{parcel.pk}/funding/new/",
        {"source": "CDBG", "kind": "subsidy", "amount": "25000.00", "change_reason": "Award letter 2024-11"},
    )
    assert response.status_code == 302
    assert parcel.funding.get().amount == Decimal("25000.00")


def test_accept_overlap_from_the_page(client, staff_user, parcel):
    # An import records overlaps as warnings to review (the form refuses them outright).
    imports.parcels_import([ReadRecord(1, "x", "200-2", square(10, 0, 20), {})], actor=staff_user, reason="import")
    overlap = ParcelOverlap.objects.get()
    assert not overlap.is_accepted
    login(client, staff_user)
    assert "Accept overlap" in client.get(f"/parcels/{parcel.pk}/").content.decode()
    client.post(f"/parcels/overlaps/{overlap.pk}/accept/", {"reason": "Survey of 2019 differs"})
    overlap.refresh_from_db()
    assert overlap.accepted_reason == "Survey of 2019 differs" and overlap.accepted_by == staff_user
    assert "accepted by staffer: Survey of 2019 differs" in client.get(f"/parcels/{parcel.pk}/").content.decode()


def test_split_and_merge_pages(client, staff_user):
    import json

    from tests.factories import rect_ring

    original = make_parcel("S-0", x=0, y=0, size=40, actor=staff_user)
    login(client, staff_user)
    assert client.get(f"/parcels/{original.pk}/split/").status_code == 200
    parts = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"apn": "S-1"},
                "geometry": {"type": "Polygon", "coordinates": [rect_ring(0, 0, 20, 40)]},
            },
            {
                "type": "Feature",
                "properties": {"apn": "S-2", "address": "2 Split St"},
                "geometry": {"type": "Polygon", "coordinates": [rect_ring(15, 0, 25, 40)]},
            },
        ],
    }
    refused = client.post(
        f"/parcels/{original.pk}/split/",
        {"parts": json.dumps(parts), "effective_date": "2025-02-01", "change_reason": "Plat 7"},
    )
    assert "Parts 1 and 2 overlap by" in refused.content.decode()
    parts["features"][1]["geometry"] = {"type": "Polygon", "coordinates": [rect_ring(20, 0, 20, 40)]}
    done = client.post(
        f"/parcels/{original.pk}/split/",
        {"parts": json.dumps(parts), "effective_date": "2025-02-01", "change_reason": "Plat 7"},
    )
    assert done.status_code == 302
    assert Parcel.objects.get(apn="S-2").address == "2 Split St"
    detail = client.get(f"/parcels/{original.pk}/").content.decode()
    assert "Became" in detail and "S-1" in detail and "Plat 7" in detail

    merged = client.post(
        "/parcels/merge/",
        {"parcels": "S-1, S-2", "apn": "S-12", "effective_date": "2025-06-01", "change_reason": "Recombined"},
    )
    assert merged.status_code == 302
    unknown = client.post(
        "/parcels/merge/",
        {"parcels": "S-12, NOPE", "apn": "S-99", "effective_date": "2025-06-01", "change_reason": "x"},
    )
    assert "No parcel with number NOPE" in unknown.content.decode()
    page = client.get(f"/parcels/{Parcel.objects.get(apn='S-12').pk}/").content.decode()
    assert "Came from" in page and "S-1" in page and "S-2" in page


def test_retired_parcels_leave_lists_maps_and_exports_unless_asked_for(client, staff_user, staff_api):
    from tests.factories import rect_ring

    original = make_parcel("R-0", x=0, y=0, size=40, actor=staff_user)
    services.parcel_split(
        parcel=original,
        parts=[
            {"apn": "R-1", "geometry": {"type": "Polygon", "coordinates": [rect_ring(0, 0, 20, 40)]}},
            {"apn": "R-2", "geometry": {"type": "Polygon", "coordinates": [rect_ring(20, 0, 20, 40)]}},
        ],
        effective_date="2025-01-01",
        actor=staff_user,
        reason="plat",
    )
    login(client, staff_user)
    listed = client.get("/parcels/").content.decode()
    assert "R-1" in listed and ">R-0<" not in listed
    assert ">R-0<" in client.get("/parcels/", {"status": "retired"}).content.decode()
    exported = b"".join(client.get("/parcels/export/geojson/").streaming_content).decode()
    assert '"R-1"' in exported and '"R-0"' not in exported
    features = staff_api.get("/api/v1/parcels/geojson/", {"bbox": "-74,44,-73,45", "zoom": 12}).json()["features"]
    assert sorted(f["properties"]["apn"] for f in features) == ["R-1", "R-2"]
    # The API list is the registry itself, retired parcels included, each with its lineage.
    assert staff_api.get("/api/v1/parcels/").json()["count"] == 3


def test_form_errors_and_help_are_tied_to_their_inputs(client, staff_user):
    login(client, staff_user)
    page = client.post("/parcels/new/", {"apn": "", "status": "held", "geometry": "{", "change_reason": "x"})
    html = page.content.decode()
    # Screen readers announce the help and the error with the input they belong to.
    assert 'aria-describedby="id_geometry_helptext id_geometry_error"' in html
    assert 'id="id_geometry_helptext"' in html and 'id="id_geometry_error"' in html
    assert 'aria-invalid="true"' in html
    assert "This is not valid JSON" in html
