"""No request answers 500 (issue 12): each input that once did now gets a 4xx with the field or the reason.

- an empty date filter (``board-terms/?on=``): filters nothing;
- a JSON body nested 1,000 deep (``resale/quote/``, ``ballots/``, ``memberships/``): 400 before decoding;
- ``deadline_extended`` posted as an event (it has no rule of its own): 403 for a homeowner, 400 on ``kind``
  for staff;
- an id that is not a whole number in a route (``ground-leases/null/…``, ``abc/events/``): 404, as JSON;
- deleting a home a lease still points at: 409 with the reason, not ``ProtectedError``;
- a resale price that compounds past any amount (a quote or the portfolio in the year 9999): 400 naming
  the date, or a portfolio row without a price that says why;
- a whole-number filter beyond the database's range (``?lease=1e30``) on every GET route that has one: 400
  naming the filter (SQLite raised ``OverflowError``).

SQLite's "database is locked" under simultaneous votes is ``test_sqlite_concurrency.py``.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from governance.board import services as governance_services
from leases.lifecycle.models import LeaseEvent
from properties.models import Unit
from tests.factories import make_lease, make_template_version
from tests.governance.board.test_board_services import cht_classes, person, start

pytestmark = [pytest.mark.django_db, pytest.mark.today("2026-12-07")]


def test_an_empty_date_filter_filters_nothing(api_for):
    classes = cht_classes()
    terms = [start(classes["public"], person(n)) for n in "AB"]
    governance_services.board_term_end(
        term=terms[0], ended_on=dt.date(2025, 1, 1), end_reason="resigned", actor=None, reason="r"
    )
    api = api_for("member")
    in_force = api.get("/api/v1/board-terms/?on=2025-02-01")
    assert [t["id"] for t in in_force.json()["results"]] == [terms[1].pk]
    empty = api.get("/api/v1/board-terms/?on=")
    assert empty.status_code == 200
    assert sorted(t["id"] for t in empty.json()["results"]) == sorted(t.pk for t in terms)
    bad = api.get("/api/v1/board-terms/?on=2025-13-01")
    assert bad.status_code == 400
    assert list(bad.json()) == ["on"]


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("path", ["/api/v1/resale/quote/", "/api/v1/ballots/", "/api/v1/memberships/"])
@pytest.mark.parametrize("role", ["homeowner", "staff"])
def test_json_nested_a_thousand_deep_answers_400(api_for, role, path):
    body = nested(1000)
    assert len(body) == 2000
    response = api_for(role).post(path, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "JSON nested deeper than 64 levels is not accepted."}


def test_json_nested_64_deep_is_parsed(api_for):
    """The limit refuses only what no request of ours needs: 64 levels reach the view, which judges them."""
    body = {"lease": 1, "inputs": json.loads(nested(63))}
    response = api_for("staff").post("/api/v1/resale/quote/", json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert "inputs" in response.json()


def test_deadline_extended_as_a_homeowner_is_refused_with_403(api_for, homeowner_user):
    lease = homeowner_user.person.leaseholdings.get().lease
    response = api_for("homeowner").post(f"/api/v1/ground-leases/{lease.pk}/events/", {"kind": "deadline_extended"})
    assert response.status_code == 403
    assert response.json() == {"detail": "Only staff record “Deadline extended”."}
    assert not LeaseEvent.objects.filter(kind="deadline_extended").exists()


def test_deadline_extended_as_staff_is_refused_on_kind(api_for, homeowner_user):
    lease = homeowner_user.person.leaseholdings.get().lease
    body = {"kind": "deadline_extended", "reason": "Agreed in writing"}
    response = api_for("staff").post(f"/api/v1/ground-leases/{lease.pk}/events/", body)
    assert response.status_code == 400
    assert response.json() == {
        "kind": ["“Deadline extended” is recorded by extending the deadline (POST deadlines/{id}/extend/)."]
    }
    assert not LeaseEvent.objects.filter(kind="deadline_extended").exists()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/ground-leases/null/certify-occupancy/",
        "/api/v1/ground-leases/abc/events/",
        "/api/v1/ground-leases/1.5/",
        "/api/v1/homes/-1/",
        "/api/v1/board-terms/null/",
    ],
)
@pytest.mark.parametrize("role", ["homeowner", "staff"])
def test_an_id_that_is_not_a_whole_number_answers_404_in_the_api_shape(api_for, homeowner_user, role, path):
    response = api_for(role).post(path, {"kind": "intent_to_sell_received"})
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_an_index_series_is_still_found_by_its_code(staff_api):
    response = staff_api.get("/api/v1/index-series/cpi-u/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No IndexSeries matches the given query."}


def test_deleting_a_home_under_a_lease_answers_409_with_the_reason(api_for, homeowner_user):
    lease = homeowner_user.person.leaseholdings.get().lease
    response = api_for("staff").delete(f"/api/v1/homes/{lease.unit_id}/", HTTP_X_CHANGE_REASON="Entered twice")
    assert response.status_code == 409
    reason = "This record cannot be deleted while other records refer to it: 1 ground lease."
    assert response.json() == {"detail": reason}
    assert Unit.objects.filter(pk=lease.unit_id).exists()


COMPOUND_2 = {"formula": {"family": "fixed_rate_compound", "rate": "0.02"}}


def test_a_price_too_large_for_any_record_is_refused_not_a_server_error(api_for):
    """2 % compounded from 2020 to 9999 is 150,000 × 1.02^7979: 10^73, no price (decimal.InvalidOperation once)."""
    from tests.leases.resale.test_quotes import approved_policy

    version = approved_policy("Fixed 2 % compounding", COMPOUND_2)
    lease = make_lease(version=make_template_version("Lease at 2 %", resale_policy_version=version))
    staff = api_for("staff")
    quote = staff.post("/api/v1/resale/quote/", {"lease": lease.pk, "determination_date": "9999-12-31"})
    assert quote.status_code == 400
    assert quote.json() == {
        "inputs.determination_date": ["the price grows beyond any amount a record holds by this date"]
    }
    portfolio = staff.get("/api/v1/resale/portfolio/", {"as_of": "9999-12-31"})
    assert portfolio.status_code == 200
    (row,) = portfolio.json()["results"]
    assert row["formula_price"] is None
    assert "the price grows beyond any amount a record holds" in row["problem"]
    # The same lease in a lifetime: 150,000.00 × 1.02^6 (1.126162…, 1 Jan 2020 to 7 Dec 2026) = 168,924.36.
    today = staff.get("/api/v1/resale/portfolio/", {"as_of": "2026-12-07"}).json()["results"][0]
    assert today["formula_price"] == "168924.36"


# Every whole-number query parameter of every GET route without an id in its path (the schema's list,
# checked below): ids of related rows, years, counts. 1e30 and a 20-digit number are beyond any
# database column; SQLite cannot even be asked (OverflowError) and once answered 500.
INTEGER_PARAMETERS = {
    "/api/v1/agenda-items/": ["meeting"],
    "/api/v1/board-terms/": ["person", "seat_class"],
    "/api/v1/budget-projects/": ["budget"],
    "/api/v1/capital-improvements/": ["lease"],
    "/api/v1/charges/": ["lease"],
    "/api/v1/deadlines/": ["lease"],
    "/api/v1/deadlines/due/": ["horizon"],
    "/api/v1/election-candidates/": ["contest"],
    "/api/v1/election-contests/": ["election"],
    "/api/v1/fee-rates/": ["lease", "schedule"],
    "/api/v1/fee-schedules/": ["lease"],
    "/api/v1/fee-suspensions/": ["lease", "schedule"],
    "/api/v1/funding-sources/": ["parcel"],
    "/api/v1/ground-leases/": ["household", "organization", "parcel", "person", "template_version", "unit"],
    "/api/v1/homes/": ["bedrooms", "parcel"],
    "/api/v1/households/": ["ami_year", "person"],
    "/api/v1/lease-events/": ["lease"],
    "/api/v1/lease-template-versions/": ["template"],
    "/api/v1/local-currency-rates/": ["currency"],
    "/api/v1/meeting-attendance/": ["meeting", "person"],
    "/api/v1/monitoring-records/": ["lease", "year"],
    "/api/v1/parcel-overlaps/": ["other", "parcel"],
    "/api/v1/parcels/geojson/": ["zoom"],
    "/api/v1/payments/": ["lease"],
    "/api/v1/petition-signatures/": ["candidate"],
    "/api/v1/proxies/": ["election", "grantor", "holder", "meeting"],
    "/api/v1/reports/impact/": ["term_years"],
    "/api/v1/resale-calculations/": ["lease"],
    "/api/v1/resale-policy-versions/": ["policy"],
    "/api/v1/resolutions/": ["meeting"],
}
# A zoom level is any whole number (beyond the map's deepest level the map is simply drawn in polygons).
WHOLE_NUMBERS_TAKEN = {("/api/v1/parcels/geojson/", "zoom")}
CASES = [
    (path, name, value)
    for path, names in INTEGER_PARAMETERS.items()
    for name in names
    for value in ("1e30", "99999999999999999999")
    if value == "1e30" or (path, name) not in WHOLE_NUMBERS_TAKEN
]


def test_the_table_holds_every_whole_number_parameter_of_the_schema():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    found: dict[str, list[str]] = {}
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if get is None or "{" in path:
            continue
        names = [
            p["name"]
            for p in get.get("parameters", [])
            if p["in"] == "query"
            and p["name"] not in ("page", "page_size")
            and p["schema"].get("type") in ("integer", "number")
        ]
        if names:
            found[path] = sorted(names)
    assert found == INTEGER_PARAMETERS


@pytest.mark.parametrize(("path", "name", "value"), CASES)
def test_a_whole_number_parameter_out_of_range_answers_400_naming_it(api_for, path, name, value):
    response = api_for("staff").get(path, {name: value})
    assert response.status_code == 400, response.content
    assert list(json.loads(response.content)) == [name]
