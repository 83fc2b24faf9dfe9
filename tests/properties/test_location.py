"""A boundary far from where the trust works is held with its likely cause named (issue 14 §6).

The case that was seen: a boundary in Burlington, Vermont entered as latitude, longitude was accepted as
a parcel in the southern ocean; the map opened at world scale and "acres held" jumped. Real coordinates
throughout: the trust's parcels lie around Burlington's Old North End (``tests.factories``).
"""

from __future__ import annotations

import runpy
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.test import override_settings
from django.utils import translation

from properties import exchange, geometry, messages, services
from properties.models import Parcel
from properties.selectors import registry_summary
from tests.factories import make_grid, make_lease, square
from tests.properties.test_import import collection, error_lines, feature, run, run_failing, write_csv, write_json

pytestmark = pytest.mark.django_db

# About 87 acres of Burlington, VT, east of Church Street (longitude, latitude as RFC 7946 wants).
BURLINGTON = [[-73.2040, 44.4880], [-73.1960, 44.4880], [-73.1960, 44.4930], [-73.2040, 44.4930], [-73.2040, 44.4880]]
# The same boundary typed as (latitude, longitude): every position passes the ±90/±180 range check.
BURLINGTON_SWAPPED = [[lat, lon] for lon, lat in BURLINGTON]
# Boston, MA: about 290 km from Burlington, and not a swap of anything near it.
BOSTON = [[-71.0600, 42.3600], [-71.0580, 42.3600], [-71.0580, 42.3615], [-71.0600, 42.3615], [-71.0600, 42.3600]]


def polygon(ring: list[list[float]]) -> dict:
    return {"type": "Polygon", "coordinates": [ring]}


def shape_of(ring: list[list[float]]):
    return geometry.parse_parcel_geometry(polygon(ring))


# ---------------------------------------------------------------------------------------------
# The pure rule
# ---------------------------------------------------------------------------------------------


def test_swapped_burlington_is_named_swapped_and_measured_from_the_other_parcels():
    trust = geometry.measure(shape_of(BURLINGTON)).bbox
    problem = geometry.location_problem(shape_of(BURLINGTON_SWAPPED), trust, margin_km=50)
    assert problem.code == "location_swapped"
    assert problem.params["reference"] == "parcels"
    # The swapped centroid lies at 44.49° E, 73.2° S: about 15,500 km from Burlington.
    assert 15_000 < problem.params["distance"] < 16_000
    assert "the coordinates look swapped" in problem.message


def test_far_but_not_swapped_is_far_with_its_distance():
    trust = geometry.measure(shape_of(BURLINGTON)).bbox
    problem = geometry.location_problem(shape_of(BOSTON), trust, margin_km=50)
    assert problem.code == "location_far"
    assert 270 < problem.params["distance"] < 300
    assert (
        problem.message == f"The boundary lies about {problem.params['distance']:,} km from the trust's other parcels."
    )


def test_within_the_margin_no_reference_and_the_service_area():
    trust = geometry.measure(shape_of(BURLINGTON)).bbox
    assert geometry.location_problem(shape_of(BURLINGTON), trust, margin_km=0) is None
    assert geometry.location_problem(shape_of(BOSTON), None, margin_km=50) is None  # no parcel yet: accepted
    # Within 300 km of Burlington, Boston is near enough.
    assert geometry.location_problem(shape_of(BOSTON), trust, margin_km=300) is None
    area = (-73.28, 44.44, -73.17, 44.53)
    problem = geometry.location_problem(
        shape_of(BURLINGTON_SWAPPED), area, margin_km=10, reference_kind=geometry.SERVICE_AREA
    )
    assert (problem.code, problem.params["reference"]) == ("location_swapped", "service_area")


def load_settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict:
    for name in ("CLT_SERVICE_AREA", "CLT_LOCATION_MARGIN_KM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(Path(__file__).resolve().parents[2] / "clt" / "settings.py"))


def test_the_service_area_and_margin_come_from_the_environment(monkeypatch):
    clt = load_settings(monkeypatch, CLT_SERVICE_AREA="-73.28, 44.44, -73.17, 44.53", CLT_LOCATION_MARGIN_KM="20")
    assert (clt["CLT"]["SERVICE_AREA"], clt["CLT"]["LOCATION_MARGIN_KM"]) == ((-73.28, 44.44, -73.17, 44.53), 20)
    clt = load_settings(monkeypatch)
    assert (clt["CLT"]["SERVICE_AREA"], clt["CLT"]["LOCATION_MARGIN_KM"]) == (None, 50)


@pytest.mark.parametrize("value", ["-73.28,44.44,-73.17", "west,44.44,-73.17,44.53", "-73.17,44.44,-73.28,44.53"])
def test_a_service_area_that_is_not_a_box_is_refused(monkeypatch, value):
    with pytest.raises(ImproperlyConfigured, match="CLT_SERVICE_AREA"):
        load_settings(monkeypatch, CLT_SERVICE_AREA=value)


# ---------------------------------------------------------------------------------------------
# The registry: services, API, form, page
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def trust_parcels(staff_user) -> list[Parcel]:
    return make_grid(4, actor=staff_user, prefix="ONE-")


def test_the_swapped_boundary_is_refused_and_acres_held_do_not_move(trust_parcels, staff_user):
    acres = registry_summary()["acres"]
    with pytest.raises(ValidationError) as caught:
        services.parcel_create(actor=staff_user, reason="new", apn="SW-1", geometry=polygon(BURLINGTON_SWAPPED))
    [message] = caught.value.message_dict["geometry"]
    assert "the coordinates look swapped" in message
    assert message.endswith("If the location is right, resubmit with a reason for accepting it.")
    assert registry_summary()["acres"] == acres
    # The same land typed the right way round is accepted without a question.
    parcel = services.parcel_create(actor=staff_user, reason="new", apn="SW-1", geometry=polygon(BURLINGTON))
    assert parcel.location_reason == ""
    assert Decimal("86") < parcel.area_acres < Decimal("88")


def test_a_far_parcel_is_accepted_with_a_reason_kept_in_the_record_and_on_its_page(trust_parcels, staff_user, client):
    with pytest.raises(ValidationError) as caught:
        services.parcel_create(actor=staff_user, reason="new", apn="BOS-1", geometry=polygon(BOSTON))
    assert "from the trust's other parcels." in caught.value.message_dict["geometry"][0]
    assert "swapped" not in caught.value.message_dict["geometry"][0]

    why = "Donated lot in Boston, held for resale"
    parcel = services.parcel_create(
        actor=staff_user, reason="new", apn="BOS-1", geometry=polygon(BOSTON), location_reason=why
    )
    assert Parcel.objects.get(pk=parcel.pk).location_reason == why
    client.force_login(staff_user)
    page = client.get(parcel.get_absolute_url()).content.decode()
    assert f"Location accepted, far from where the trust works: {why}" in page

    # Moving it back among the others clears the acceptance; moving it far again asks again.
    services.parcel_update(parcel=parcel, actor=staff_user, reason="resurvey", geometry=square(500, 0))
    assert Parcel.objects.get(pk=parcel.pk).location_reason == ""
    with pytest.raises(ValidationError):
        services.parcel_update(parcel=parcel, actor=staff_user, reason="again", geometry=polygon(BOSTON))


def test_an_accepted_outlier_does_not_widen_where_the_trust_works(trust_parcels, staff_user):
    services.parcel_create(
        actor=staff_user, reason="new", apn="BOS-1", geometry=polygon(BOSTON), location_reason="Donated"
    )
    # A second Boston lot is still far from the trust's (other, unaccepted) parcels.
    beside = [[lon + 0.003, lat] for lon, lat in BOSTON]
    with pytest.raises(ValidationError):
        services.parcel_create(actor=staff_user, reason="new", apn="BOS-2", geometry=polygon(beside))


def test_the_first_parcel_is_accepted_anywhere_without_a_service_area(staff_user):
    parcel = services.parcel_create(actor=staff_user, reason="new", apn="FIRST", geometry=polygon(BOSTON))
    assert parcel.location_reason == ""


def test_a_service_area_holds_even_the_first_parcel(staff_user):
    clt = {**settings.CLT, "SERVICE_AREA": (-73.28, 44.44, -73.17, 44.53), "LOCATION_MARGIN_KM": 10}
    with override_settings(CLT=clt):
        with pytest.raises(ValidationError) as caught:
            services.parcel_create(actor=staff_user, reason="new", apn="S-1", geometry=polygon(BURLINGTON_SWAPPED))
        assert "from the trust's service area: the coordinates look swapped" in caught.value.messages[0]
        assert services.parcel_create(actor=staff_user, reason="new", apn="S-1", geometry=polygon(BURLINGTON))


def test_the_api_answers_400_on_geometry_and_accepts_with_location_reason(trust_parcels, staff_api):
    body = {"apn": "API-1", "geometry": polygon(BURLINGTON_SWAPPED), "change_reason": "new"}
    response = staff_api.post("/api/v1/parcels/", body, format="json")
    assert response.status_code == 400
    [reason] = response.json()["geometry"]
    assert "the coordinates look swapped" in reason
    assert Parcel.objects.filter(apn="API-1").count() == 0

    response = staff_api.post(
        "/api/v1/parcels/", {**body, "geometry": polygon(BOSTON), "location_reason": "Donated lot"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["location_reason"] == "Donated lot"
    assert Parcel.objects.get(apn="API-1").location_reason == "Donated lot"


def test_the_form_shows_the_reason_and_takes_a_location_reason(trust_parcels, staff_user, client):
    client.force_login(staff_user)
    data = {
        "apn": "F-1",
        "status": "held",
        "geometry": str(polygon(BURLINGTON_SWAPPED)).replace("'", '"'),
        "change_reason": "new",
    }
    page = client.post("/parcels/new/", data).content.decode()
    assert "the coordinates look swapped" in page
    assert 'name="location_reason"' in page
    assert not Parcel.objects.filter(apn="F-1").exists()
    response = client.post("/parcels/new/", {**data, "location_reason": "Checked with the deed"})
    assert response.status_code == 302
    assert Parcel.objects.get(apn="F-1").location_reason == "Checked with the deed"


# ---------------------------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------------------------


def test_import_refuses_the_file_naming_the_swapped_feature(tmp_path, trust_parcels):
    path = write_json(
        tmp_path,
        "swapped.geojson",
        collection(feature("IMP-1", polygon(BURLINGTON)), feature("IMP-2", polygon(BURLINGTON_SWAPPED))),
    )
    message, stderr = run_failing(path)
    assert message == "1 bad feature in swapped.geojson; nothing was imported."
    [line] = error_lines(stderr)
    assert line.startswith("feature 2 (IMP-2): The boundary lies about 15,")
    assert "the coordinates look swapped" in line
    assert line.endswith("If the location is right, import with --accept-location and a reason.")
    assert not Parcel.objects.filter(apn__startswith="IMP-").exists()


def test_import_accepts_far_features_with_the_option_and_a_reimport_does_not_ask_again(tmp_path, trust_parcels):
    path = write_json(tmp_path, "far.geojson", collection(feature("IMP-B", polygon(BOSTON))))
    stdout, _ = run(path, "--accept-location", "Boston lots donated in 2024")
    assert "1 parcel far from where the trust works, accepted: Boston lots donated in 2024" in stdout
    assert "IMP-B: The boundary lies about" in stdout
    assert Parcel.objects.get(apn="IMP-B").location_reason == "Boston lots donated in 2024"

    stdout, _ = run(path)  # the same boundary again: accepted before, not asked again
    assert "0 new, 0 updated, 1 unchanged" in stdout
    assert Parcel.objects.get(apn="IMP-B").location_reason == "Boston lots donated in 2024"


# ---------------------------------------------------------------------------------------------
# What the pure modules say, translated at the edge
# ---------------------------------------------------------------------------------------------


def test_exchange_errors_carry_codes_and_parameters():
    with pytest.raises(exchange.ExchangeError) as caught:
        exchange.read_geojson(b"{not json")
    assert caught.value.code == "invalid_json"
    assert "not valid JSON" in str(caught.value)  # the English stays for logs
    assert messages.exchange_message(caught.value).startswith("This is not valid JSON: Expecting property name")
    with pytest.raises(exchange.ExchangeError) as caught:
        exchange.parse_field_map(["apn=PARCEL", "colour=red"])
    assert (caught.value.code, caught.value.params["field"]) == ("map_unknown_field", "colour")
    record = exchange.read_csv("apn,wkt\nX-1,\n").records[0]
    assert [p.code for p in record.problems] == ["empty"]
    assert record.row == 2


def test_a_csv_row_problem_reads_in_spanish(tmp_path):
    path = write_csv(tmp_path, "rows.csv", ["apn", "wkt"], [["R-1", ""]])
    with translation.override("es"):
        _message, stderr = run_failing(path)
    assert "La geometría está vacía." in stderr
    assert "the geometry is empty" not in stderr


# ---------------------------------------------------------------------------------------------
# The parcel page: a link to each home's lease; tables and map that phones and screen readers can use
# ---------------------------------------------------------------------------------------------


def test_each_home_links_to_its_current_lease(staff_user, client):
    lease = make_lease()
    draft = make_lease(execute=False)
    parcel = lease.unit.parcel
    empty = services.unit_create(actor=None, reason="t", parcel=parcel, address="2 Empty Lot")
    client.force_login(staff_user)
    page = client.get(parcel.get_absolute_url()).content.decode()
    assert f'<a href="/leases/{lease.pk}/">Lease {lease.pk}</a></td>' in page
    assert "No current lease" in page and str(empty) in page
    draft_page = client.get(draft.unit.parcel.get_absolute_url()).content.decode()
    assert f'<a href="/leases/{draft.pk}/">Lease {draft.pk}</a> (Draft)' in draft_page


def test_tables_scroll_in_labelled_focusable_regions_and_the_map_has_no_role(staff_user, client, trust_parcels):
    parcel = trust_parcels[0]
    services.unit_create(actor=None, reason="t", parcel=parcel, address="1 Home St")
    client.force_login(staff_user)
    page = client.get(parcel.get_absolute_url()).content.decode()
    assert '<div class="table-wrap" role="region" tabindex="0" aria-labelledby="homes-heading">' in page
    assert '<section aria-labelledby="map-heading">' in page
    assert '<div id="parcel-map" class="map map-small"></div>' in page
    assert 'role="img"' not in page
    listing = client.get("/parcels/").content.decode()
    assert '<div class="table-wrap" role="region" tabindex="0" aria-labelledby="parcels-caption">' in listing
    assert '<caption id="parcels-caption" class="visually-hidden">Parcels</caption>' in listing
