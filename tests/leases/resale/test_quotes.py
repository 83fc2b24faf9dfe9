"""Resale quotes (issue 4 §3): ``POST /api/v1/resale/quote/`` through ``leases/quotes.py``, and the staff
endpoints for index series and resale policies.

Real figures throughout: a home bought for 150,000 on 1 January 2020 (the factory's lease), the stored
BLS CPI-U series from ``leases/data/cpi_u.csv``, and policies made and approved through the services.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from leases.resale import quotes, services
from leases.resale import selectors as resale_selectors
from leases.resale.models import IndexSeries, PolicyStatus, ResalePolicy, ResalePolicyVersion
from properties import services as property_services
from tests.conftest import make_user
from tests.datafiles import CPI_FILE
from tests.factories import make_lease, make_parcel, make_template_version

pytestmark = pytest.mark.django_db

D = dt.date
URL = "/api/v1/resale/quote/"
ANON_REFUSED = (401, 403)
SIMPLE_15 = {"formula": {"family": "fixed_rate_simple", "rate": "0.015", "period": "completed_years"}}
SIMPLE_2 = {"formula": {"family": "fixed_rate_simple", "rate": "0.02", "period": "completed_years"}}
CPI_INDEXED = {"formula": {"family": "cpi_indexed"}}


def approved_policy(name: str, parameters: dict) -> ResalePolicyVersion:
    version = services.resale_policy_create(actor=None, reason="program adopted", name=name, parameters=parameters)
    return services.resale_policy_version_approve(
        version=version,
        approved_on=D(2019, 6, 10),
        effective_from=D(2019, 7, 1),
        approval_reference="Members' annual meeting, resolution 2019-4",
        actor=None,
        reason="approved",
    )


@pytest.fixture
def simple_policy() -> ResalePolicyVersion:
    """NMCDC-style 1.5 % a year simple on the price paid, completed years, approved."""
    return approved_policy("Simple 1.5%", SIMPLE_15)


@pytest.fixture
def owner(simple_policy):
    """A homeowner whose lease (150,000 paid on 2020-01-01) follows the approved 1.5 % policy."""
    user = make_user("quoter", person=True)
    terms = make_template_version("Model lease 2019", resale_policy_version=simple_policy)
    lease = make_lease(people=[user.person], version=terms)
    client = APIClient()
    client.force_authenticate(user)
    return client, lease


@pytest.fixture
def cpi():
    call_command("import_index", str(CPI_FILE), stdout=io.StringIO())


def post(client: APIClient, body: dict):
    return client.post(URL, body, format="json")


def quote_of(response, index: int = 0) -> dict:
    assert response.status_code == 200, response.json()
    return response.json()["quotes"][index]


def lines(quote: dict) -> list[tuple[str, str, str]]:
    return [(item["code"], item["amount"], item["total"]) for item in quote["result"]["line_items"]]


# ---------------------------------------------------------------------------------------------
# Prices with real figures
# ---------------------------------------------------------------------------------------------


def test_fixed_rate_simple_on_a_lease_six_completed_years(staff_api, owner, simple_policy):
    """150,000 bought 2020-01-01, determined 2026-11-27: 6 completed years × 1.5 % = 9 % → 163,500.00."""
    _, lease = owner
    response = post(
        staff_api, {"lease": lease.pk, "policies": [{"version": simple_policy.pk}], "determination_date": "2026-11-27"}
    )
    quote = quote_of(response)
    assert lines(quote) == [
        ("base.purchase_price", "150000.00", "150000.00"),
        ("growth.fixed_simple", "13500.00000", "163500.00000"),  # 150,000.00 × 0.015 × 6, unrounded
        ("round.cent", "0.00000", "163500.00"),
    ]
    assert quote["result"]["line_items"][1]["detail"] == (
        "1.5% of the 150,000.00 you paid × 6 full years, not compounded"
    )
    assert (quote["result"]["formula_price"], quote["result"]["price"]) == ("163500.00000", "163500.00")
    assert quote["result"]["seller_proceeds"] == "163500.00"
    assert quote["label"] == "Simple 1.5% v1"
    assert quote["policy"] == {"version": simple_policy.pk, "name": "Simple 1.5%", "number": 1, "status": "approved"}
    assert quote["index_values_used"] == []
    inputs = response.json()["inputs"]
    assert (inputs["purchase_price"], inputs["purchase_date"], inputs["determination_date"]) == (
        "150000.00",
        "2020-01-01",
        "2026-11-27",
    )


def test_the_default_policy_is_the_one_the_lease_terms_name(staff_api, owner, simple_policy):
    _, lease = owner
    quote = quote_of(post(staff_api, {"lease": lease.pk, "determination_date": "2026-11-27"}))
    assert quote["policy"]["version"] == simple_policy.pk and quote["result"]["price"] == "163500.00"


def test_the_determination_date_defaults_to_today(staff_api, owner):
    _, lease = owner
    response = post(staff_api, {"lease": lease.pk})
    assert response.status_code == 200, response.json()
    assert response.json()["inputs"]["determination_date"] == dt.date.today().isoformat()


def test_two_policies_side_by_side_in_one_call(staff_api, owner, simple_policy):
    """The stored 1.5 % (163,500.00) beside a what-if 2 %: 150,000 × (1 + 0.02 × 6) = 168,000.00."""
    _, lease = owner
    response = post(
        staff_api,
        {
            "lease": lease.pk,
            "determination_date": "2026-11-27",
            "policies": [{"version": simple_policy.pk}, {"parameters": SIMPLE_2, "label": "What if 2%"}],
        },
    )
    stored, what_if = quote_of(response, 0), quote_of(response, 1)
    assert (stored["label"], stored["result"]["price"]) == ("Simple 1.5% v1", "163500.00")
    assert (what_if["label"], what_if["result"]["price"]) == ("What if 2%", "168000.00")
    assert lines(what_if)[1] == ("growth.fixed_simple", "18000.0000", "168000.0000")
    assert what_if["policy"] == {"version": None, "name": None, "number": None, "status": None}
    # An inline policy without a label is named by its place in the request.
    response = post(
        staff_api, {"lease": lease.pk, "policies": [{"version": simple_policy.pk}, {"parameters": SIMPLE_2}]}
    )
    assert quote_of(response, 1)["label"] == "Proposed policy 2"


def test_cpi_indexed_with_the_stored_bls_series(staff_api, owner, cpi):
    """CPI-U Jan 2020 = 257.971, May 2026 = 335.123 (leases/data/cpi_u.csv). By hand:
    150,000 × 335.123 / 257.971 = 194,860.856452857… → 194,860.86 to the cent (halves up)."""
    with CPI_FILE.open() as handle:
        published = {row["period"]: row["value"] for row in csv.DictReader(handle)}
    assert (published["2020-01"], published["2026-05"]) == ("257.971", "335.123")
    expected = (Decimal(150000) * Decimal("335.123") / Decimal("257.971")).quantize(Decimal("0.01"), ROUND_HALF_UP)
    assert expected == Decimal("194860.86")

    _, lease = owner
    response = post(
        staff_api,
        {
            "lease": lease.pk,
            "determination_date": "2026-05-15",
            "policies": [{"parameters": CPI_INDEXED, "label": "CPI-U"}],
            "index_series": {"cpi": "cpi-u"},
        },
    )
    quote = quote_of(response)
    assert quote["result"]["price"] == "194860.86"
    assert lines(quote)[1][0] == "growth.cpi"
    assert Decimal(lines(quote)[1][1]).quantize(Decimal("0.01"), ROUND_HALF_UP) == Decimal("44860.86")
    assert quote["index_values_used"] == [
        {
            "field": "cpi_at_determination",
            "series": "cpi-u",
            "on": "2026-05-15",
            "effective_from": "2026-05-01",
            "value": "335.1230",
            "source": "index_series",
        },
        {
            "field": "cpi_at_purchase",
            "series": "cpi-u",
            "on": "2020-01-01",
            "effective_from": "2020-01-01",
            "value": "257.9710",
            "source": "index_series",
        },
    ]
    inputs = response.json()["inputs"]
    assert inputs["cpi_at_purchase"] == {"value": "257.9710", "effective_from": "2020-01-01", "series": "cpi-u"}

    # The inputs returned reproduce the quote with no lease and no series.
    again = post(staff_api, {"inputs": inputs, "policies": [{"parameters": CPI_INDEXED, "label": "CPI-U"}]})
    assert quote_of(again)["result"] == quote["result"]
    assert quote_of(again)["index_values_used"][0]["source"] == "inputs"


def test_the_october_2025_cpi_gap_is_a_400_naming_the_series(staff_api, owner, cpi):
    """BLS published no October 2025 CPI-U: a determination in that month has no value in effect."""
    _, lease = owner
    body = {
        "lease": lease.pk,
        "determination_date": "2025-10-20",
        "policies": [{"parameters": CPI_INDEXED}],
        "index_series": {"cpi": "cpi-u"},
    }
    response = post(staff_api, body)
    assert response.status_code == 400
    (message,) = response.json()["index_series.cpi"]
    assert message.startswith("CPI-U, U.S. city average") and "Oct. 20, 2025" in message and "Sept. 1, 2025" in message
    # A fixed-rate policy reads no CPI, so the same request quotes it: only what a policy reads is looked up.
    response = post(staff_api, {**body, "policies": [{"parameters": SIMPLE_15}]})
    assert quote_of(response)["result"]["price"] == "161250.00"  # 5 completed years: 150,000 × 1.075
    assert response.json()["inputs"]["cpi_at_determination"] is None


def test_a_cpi_policy_without_a_series_or_values_names_the_missing_input(staff_api, owner):
    _, lease = owner
    response = post(staff_api, {"lease": lease.pk, "policies": [{"parameters": CPI_INDEXED}]})
    assert response.status_code == 400
    (message,) = response.json()["inputs.cpi_at_purchase"]
    assert "is required by the resale formula" in message and "index_series.cpi" in message


def test_index_series_must_exist_and_be_of_the_right_kind(staff_api, owner, cpi):
    _, lease = owner
    body = {"lease": lease.pk, "policies": [{"parameters": CPI_INDEXED}]}
    response = post(staff_api, {**body, "index_series": {"cpi": "cpi-w"}})
    assert response.status_code == 400 and "cpi-w" in response.json()["index_series.cpi"][0]
    response = post(staff_api, {**body, "index_series": {"ami": "cpi-u"}})
    assert response.status_code == 400 and "cannot stand for AMI" in response.json()["index_series.ami"][0]
    response = post(staff_api, {**body, "index_series": {"ppi": "cpi-u"}})
    assert response.status_code == 400 and "use: ami, cpi" in response.json()["index_series.ppi"][0]


def test_the_lease_supplies_its_appraisal_split_bedrooms_subsidies_and_improvements(staff_api):
    """Appraisal share (§2.1) 25 % of the rise in the improvements' value from the lease's own initial
    appraisal (170,000 of 226,000) to a resale appraisal of 210,000: 150,000 + 25 % × 40,000 = 160,000.
    A 10,000 bathroom approved before the work and completed is credited in full: 170,000.00."""
    parcel = make_parcel("Q-00001")
    unit = property_services.unit_create(
        actor=None, reason="home", parcel=parcel, address="12 Quote Street", bedrooms=3
    )
    lease = make_lease(
        unit=unit,
        appraisal_date=D(2019, 12, 2),
        appraised_value=Decimal("226000.00"),
        appraised_land_value=Decimal("56000.00"),
        appraised_improvements_value=Decimal("170000.00"),
        subsidies=[("HOME program", Decimal("30000.00"))],
    )
    bathroom = services.improvement_request(
        lease=lease, description="Bathroom", requested_on=D(2021, 3, 1), actor=None, reason="owner's letter"
    )
    services.improvement_approve(
        improvement=bathroom, approved_on=D(2021, 3, 8), approval_reference="Letter 2021-7", actor=None, reason="ok"
    )
    services.improvement_complete(
        improvement=bathroom,
        completed_on=D(2021, 6, 1),
        cost=Decimal("10000.00"),
        documents="invoice 88",
        actor=None,
        reason="done",
    )
    share = {"formula": {"family": "appraisal_share", "share": "0.25"}}
    response = post(
        staff_api,
        {
            "lease": lease.pk,
            "determination_date": "2026-11-27",
            "policies": [{"parameters": share}],
            "inputs": {"resale_appraisal": {"improvements": "210000", "effective_date": "2026-11-01"}},
        },
    )
    quote = quote_of(response)
    assert [(code, amount) for code, amount, _ in lines(quote)] == [
        ("base.purchase_price", "150000.00"),
        ("growth.appraisal_share", "10000.0000"),
        ("credit.capital_improvement", "10000.00"),
        ("round.cent", "0.0000"),
    ]
    assert quote["result"]["price"] == "170000.00"
    inputs = response.json()["inputs"]
    assert inputs["initial_appraisal"] == {
        "total": "226000.00",
        "land": "56000.00",
        "improvements": "170000.00",
        "effective_date": "2019-12-02",
    }
    assert inputs["bedrooms"] == 3
    assert (inputs["retained_subsidy"], inputs["investment_basis"]) == ("30000.00", "120000.00")
    assert [i["description"] for i in inputs["capital_improvements"]] == ["Bathroom"]


def test_inputs_override_what_the_lease_supplied(staff_api, owner, simple_policy):
    _, lease = owner
    body = {"lease": lease.pk, "policies": [{"version": simple_policy.pk}], "determination_date": "2026-11-27"}
    response = post(staff_api, {**body, "inputs": {"purchase_price": "200000", "purchase_date": "2021-01-01"}})
    # 5 completed years from 2021-01-01: 200,000 × 1.075.
    assert quote_of(response)["result"]["price"] == "215000.00"
    assert response.json()["inputs"]["purchase_price"] == "200000"


def test_staff_may_quote_without_a_lease(staff_api, simple_policy):
    inputs = {"purchase_price": "250000", "purchase_date": "2014-05-01", "determination_date": "2024-05-01"}
    response = post(staff_api, {"policies": [{"parameters": SIMPLE_2}], "inputs": inputs})
    assert quote_of(response)["result"]["price"] == "300000.00"  # VSCLT: 2 % × 10 years on 250,000
    response = post(staff_api, {"inputs": inputs})
    assert response.status_code == 400 and "policies" in response.json()


# ---------------------------------------------------------------------------------------------
# Who may quote what
# ---------------------------------------------------------------------------------------------


def test_a_homeowner_quotes_their_own_lease_with_its_approved_policy(owner, simple_policy):
    client, lease = owner
    quote = quote_of(post(client, {"lease": lease.pk, "determination_date": "2026-11-27"}))
    assert (quote["policy"]["version"], quote["result"]["price"]) == (simple_policy.pk, "163500.00")
    quote = quote_of(post(client, {"lease": lease.pk, "policies": [{"version": simple_policy.pk}]}))
    assert quote["policy"]["status"] == "approved"


def test_a_homeowner_gets_404_for_another_lease(owner, other_homeowner_user):
    client, _ = owner
    other = other_homeowner_user.person.leaseholdings.get().lease
    assert post(client, {"lease": other.pk}).status_code == 404
    assert post(client, {"lease": 999999}).status_code == 404


def test_a_homeowner_may_not_send_inline_parameters(owner):
    client, lease = owner
    response = post(client, {"lease": lease.pk, "policies": [{"parameters": SIMPLE_2}]})
    assert response.status_code == 403


def test_a_homeowner_may_quote_only_the_version_their_terms_name(owner):
    client, lease = owner
    other_program = approved_policy("Simple 2%", SIMPLE_2)
    response = post(client, {"lease": lease.pk, "policies": [{"version": other_program.pk}]})
    assert response.status_code == 400
    assert "No resale policy version" in response.json()["policies[0].version"][0]


def test_a_homeowner_must_name_their_lease(owner, simple_policy):
    client, _ = owner
    inputs = {"purchase_price": "150000", "purchase_date": "2020-01-01"}
    response = post(client, {"inputs": inputs, "policies": [{"version": simple_policy.pk}]})
    assert response.status_code == 403


def test_a_homeowner_whose_terms_name_a_policy_no_longer_approved_cannot_quote_it(simple_policy):
    # Terms may name only an approved version (LeaseTemplateVersion.clean); one retired since then
    # (an edit outside the services, or a future "retire") must not be quoted as if in force.
    version = services.resale_policy_create(actor=None, reason="proposal", name="Draft 3%", parameters=SIMPLE_2)
    version = services.resale_policy_version_approve(
        version=version, approved_on=dt.date(2024, 1, 1), effective_from=dt.date(2024, 1, 1),
        approval_reference="Resolution 1", actor=None, reason="approved",
    )  # fmt: skip
    user = make_user("drafty", person=True)
    lease = make_lease(people=[user.person], version=make_template_version("Old terms", resale_policy_version=version))
    type(version).objects.filter(pk=version.pk).update(status="retired")
    client = APIClient()
    client.force_authenticate(user)
    response = post(client, {"lease": lease.pk})
    assert response.status_code == 400 and "not approved" in response.json()["policies[0].version"][0]


@pytest.mark.parametrize(("role", "expected"), [("anonymous", ANON_REFUSED), ("member", (403,)), ("board", (403,))])
def test_people_who_hold_no_lease_are_refused(api_for, owner, role, expected):
    _, lease = owner
    assert post(api_for(role), {"lease": lease.pk}).status_code in expected


# ---------------------------------------------------------------------------------------------
# Bad input: 400 naming the dotted field
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({"inputs": {"purchase_price": "-1000"}}, "inputs.purchase_price", "must be greater than zero"),
        ({"inputs": {"purchase_price": 150000.5}}, "inputs.purchase_price", "not a float"),
        ({"inputs": {"purchase_date": "2020-02-30"}}, "inputs.purchase_date", "not a date on the calendar"),
        ({"determination_date": "2019-06-30"}, "determination_date", "before the purchase date (Jan. 1, 2020)"),
        (
            {"inputs": {"determination_date": "2019-06-30"}},
            "inputs.determination_date",
            "before the purchase date",
        ),
        (
            {"determination_date": "2026-11-27", "inputs": {"determination_date": "2026-11-26"}},
            "inputs.determination_date",
            "give the date once",
        ),
        ({"inputs": {"purchase_pricee": "1"}}, "inputs.purchase_pricee", "is not a field"),
        ({"inputs": {"liens": [{"label": "Bank", "amount": "-5"}]}}, "inputs.liens[0].amount", "negative"),
        ({"inputs": ["not", "an", "object"]}, "inputs", "dictionary"),
        ({"determination_date": "27/11/2026"}, "determination_date", "format"),
        ({"policies": []}, "policies", "empty"),
        ({"policies": [{"version": 1, "parameters": SIMPLE_2}]}, "policies[0]", "not both"),
        ({"policies": [{"label": "nothing"}]}, "policies[0]", "Give “version” (a stored policy) or “parameters”"),
        ({"policies": [{"version": 999999}]}, "policies[0].version", "No resale policy version 999999"),
        ({"policies": [{"version": "three"}]}, "policies[0].version", "valid integer"),
        (
            {
                "policies": [
                    {"parameters": SIMPLE_2},
                    {"parameters": {"formula": {"family": "fixed_rate_simple", "rate": "-0.01"}}},
                ]
            },
            "policies[1].parameters.formula.rate",
            "negative",
        ),
        (
            {"policies": [{"parameters": {"formula": {"family": "fixed_rate_simple", "rate": 0.02}}}]},
            "policies[0].parameters.formula.rate",
            "float",
        ),
        (
            {"policies": [{"parameters": {"formula": {"family": "fixed_rate_simpel", "rate": "0.02"}}}]},
            "policies[0].parameters.formula.family",
            "unknown formula family",
        ),
        (
            {"policies": [{"parameters": {"formula": {"family": "appraisal_share", "share": "0.25"}}}]},
            "inputs.resale_appraisal",
            "is required",
        ),
        ({"determinaton_date": "2026-11-27"}, "determinaton_date", "Not a field"),
    ],
)
def test_bad_input_answers_400_naming_the_field(staff_api, owner, body, field, reason):
    _, lease = owner
    response = post(staff_api, {"lease": lease.pk, **body})
    assert response.status_code == 400, response.json()
    errors = response.json()
    assert field in errors, errors
    assert reason in errors[field][0], errors[field]


def test_a_policy_that_cannot_price_this_home_names_the_policy(staff_api, owner):
    """An administered-rate table (§2.5) with rates for 2020 and 2021 only cannot price six years from 2020."""
    _, lease = owner
    table = {
        "formula": {
            "family": "administered_rate",
            "rates": [{"year": 2020, "rate": "0.02"}, {"year": 2021, "rate": "0.01"}],
        }
    }
    stored = approved_policy("Boulder-style", table)
    body = {"lease": lease.pk, "determination_date": "2026-11-27"}
    response = post(staff_api, {**body, "policies": [{"parameters": SIMPLE_2}, {"parameters": table}]})
    assert response.status_code == 400
    assert "no rate for 2022" in response.json()["policies[1].parameters.formula.rates"][0]
    response = post(staff_api, {**body, "policies": [{"version": stored.pk}]})
    assert response.status_code == 400
    assert response.json()["policies[0].version"][0].startswith("parameters.formula.rates: ")
    # Two completed years are within the table: 150,000 × (2 % + 1 %) = 4,500.
    response = post(staff_api, {**body, "determination_date": "2022-03-01", "policies": [{"version": stored.pk}]})
    assert quote_of(response)["result"]["price"] == "154500.00"


def test_a_lease_without_a_purchase_price_asks_for_it(staff_api, simple_policy):
    lease = make_lease(
        purchase_price=None, version=make_template_version("Unpriced", resale_policy_version=simple_policy)
    )
    response = post(staff_api, {"lease": lease.pk})
    assert response.status_code == 400
    assert "The lease records no purchase price" in response.json()["inputs.purchase_price"][0]
    response = post(
        staff_api, {"lease": lease.pk, "inputs": {"purchase_price": "150000"}, "determination_date": "2026-11-27"}
    )
    assert quote_of(response)["result"]["price"] == "163500.00"


def test_terms_without_a_policy_ask_for_one(staff_api, homeowner_user):
    lease = homeowner_user.person.leaseholdings.get().lease  # the factory's terms name no policy
    response = post(staff_api, {"lease": lease.pk})
    assert response.status_code == 400 and "name no resale policy" in response.json()["policies"][0]


def test_quotes_store_nothing(staff_api, owner, simple_policy):
    _, lease = owner
    before = (ResalePolicyVersion.objects.count(), lease.history.count(), lease.resale_calculations.count())
    quote_of(
        post(staff_api, {"lease": lease.pk, "policies": [{"version": simple_policy.pk}, {"parameters": SIMPLE_2}]})
    )
    assert (ResalePolicyVersion.objects.count(), lease.history.count(), lease.resale_calculations.count()) == before


# ---------------------------------------------------------------------------------------------
# Queries: a quote costs the same whatever the number of policies, subsidies or series values
# ---------------------------------------------------------------------------------------------

# The lease with its home and terms, its subsidies, the stored versions, its improvements, the series, and
# two per index value read (the values, whether the series is monthly).
QUOTE_QUERIES = 9


def _count(client: APIClient, body: dict) -> int:
    with CaptureQueriesContext(connection) as captured:
        quote_of(post(client, body))
    return len(captured)


def test_a_quote_runs_a_fixed_number_of_queries(staff_api, owner, simple_policy, cpi, django_assert_max_num_queries):
    _, lease = owner
    one = {
        "lease": lease.pk,
        "determination_date": "2026-05-15",
        "index_series": {"cpi": "cpi-u"},
        "policies": [{"version": simple_policy.pk}, {"parameters": CPI_INDEXED}],
    }
    quote_of(post(staff_api, one))  # the user's roles are looked up once, then kept on the user
    small = _count(staff_api, one)
    more = approved_policy("Simple 2%", SIMPLE_2)
    many = {
        **one,
        "policies": [
            {"version": simple_policy.pk},
            {"version": more.pk},
            {"parameters": CPI_INDEXED},
            {
                "parameters": {
                    "formula": {"family": "lesser_of", "formulas": [CPI_INDEXED["formula"], SIMPLE_2["formula"]]}
                }
            },
        ],
    }
    big_lease = make_lease(
        version=lease.template_version, subsidies=[(f"Grant {n}", Decimal("1000.00")) for n in range(5)]
    )
    assert _count(staff_api, {**many, "lease": big_lease.pk}) == small
    with django_assert_max_num_queries(QUOTE_QUERIES):
        quote_of(post(staff_api, many))


# ---------------------------------------------------------------------------------------------
# Staff endpoints: index series, resale policies, versions
# ---------------------------------------------------------------------------------------------

MANAGEMENT = ("index-series", "resale-policies", "resale-policy-versions")
NON_STAFF = ("anonymous", "member", "homeowner", "other_homeowner", "board")


@pytest.mark.parametrize("resource", MANAGEMENT)
@pytest.mark.parametrize("role", (*NON_STAFF, "staff"))
def test_management_endpoints_are_staff_only(api_for, simple_policy, cpi, resource, role):
    rows = {
        "index-series": IndexSeries.objects.get(code="cpi-u").pk,
        "resale-policies": simple_policy.policy_id,
        "resale-policy-versions": simple_policy.pk,
    }
    client = api_for(role)
    listing = client.get(f"/api/v1/{resource}/")
    detail = client.get(f"/api/v1/{resource}/{rows[resource]}/")
    if role == "staff":
        assert (listing.status_code, detail.status_code) == (200, 200)
        assert listing.json()["count"] == (2 if resource == "index-series" else 1)
    else:
        expected = ANON_REFUSED if role == "anonymous" else (403,)
        assert listing.status_code in expected and detail.status_code in expected


@pytest.mark.parametrize("role", NON_STAFF)
def test_only_staff_write_policies(api_for, simple_policy, role):
    client = api_for(role)
    expected = ANON_REFUSED if role == "anonymous" else (403,)
    body = {"name": "Sneaky", "parameters": SIMPLE_2}
    assert client.post("/api/v1/resale-policies/", body, format="json").status_code in expected
    version_body = {"policy": simple_policy.policy_id, "parameters": SIMPLE_2}
    assert client.post("/api/v1/resale-policy-versions/", version_body, format="json").status_code in expected
    approve = {"approval_reference": "none"}
    url = f"/api/v1/resale-policy-versions/{simple_policy.pk}/approve/"
    assert client.post(url, approve, format="json").status_code in expected
    assert ResalePolicy.objects.count() == 1


def test_index_series_list_and_the_value_in_effect(staff_api, cpi):
    listing = staff_api.get("/api/v1/index-series/").json()["results"]
    monthly = next(row for row in listing if row["code"] == "cpi-u")
    assert (monthly["values_count"], monthly["first_effective"], monthly["last_effective"]) == (
        436,
        "1990-01-01",
        "2026-05-01",
    )
    assert staff_api.get("/api/v1/index-series/cpi-u/").json()["kind"] == "cpi"
    by_code = staff_api.get("/api/v1/index-series/cpi-u/value/?on=2025-09-30")
    assert by_code.json() == {
        "series": "cpi-u",
        "on": "2025-09-30",
        "household_size": None,
        "value": "324.8000",
        "effective_from": "2025-09-01",
    }
    by_id = staff_api.get(f"/api/v1/index-series/{monthly['id']}/value/?on=2025-09-30")
    assert by_id.json() == by_code.json()
    gap = staff_api.get("/api/v1/index-series/cpi-u/value/?on=2025-10-20")
    assert gap.status_code == 400 and "more than 31 days old" in gap.json()["series"][0]
    assert staff_api.get("/api/v1/index-series/cpi-u/value/").status_code == 400  # `on` is required
    assert staff_api.get("/api/v1/index-series/cpi-w/value/?on=2025-09-30").status_code == 404


def test_hud_income_limits_by_household_size(staff_api):
    call_command(
        "import_index",
        str(CPI_FILE.with_name("hud_ami.csv")),
        "--hud",
        stdout=io.StringIO(),
    )
    code = "hud-li80-burlington-south-burlington-vt-msa"
    series = IndexSeries.objects.get(code=code)
    assert (series.kind, series.values.filter(household_size=4).exists()) == ("income_limit", True)
    four = staff_api.get(f"/api/v1/index-series/{code}/value/?on=2024-06-01&household_size=4")
    assert four.status_code == 200, four.json()
    expected = resale_selectors.index_value_in_effect(code, D(2024, 6, 1), household_size=4)
    assert (four.json()["value"], four.json()["effective_from"]) == (f"{expected.value:.4f}", "2024-04-01")
    assert staff_api.get(f"/api/v1/index-series/{code}/value/?on=2024-06-01&household_size=9").status_code == 400


def test_staff_make_correct_and_approve_a_policy(staff_api):
    created = staff_api.post(
        "/api/v1/resale-policies/",
        {"name": "Houston 1.25%", "description": "Fixed, not compounded", "parameters": SIMPLE_15},
        format="json",
    )
    assert created.status_code == 201, created.json()
    (draft,) = created.json()["versions"]
    assert (draft["version"], draft["status"], draft["parameters"]["formula"]["rate"]) == (1, "draft", "0.015")
    assert draft["parameters"]["floor"] == "none"  # stored with every default written out

    url = f"/api/v1/resale-policy-versions/{draft['id']}/"
    corrected = {"formula": {"family": "fixed_rate_simple", "rate": "0.0125"}}
    patched = staff_api.patch(url, {"parameters": corrected, "change_reason": "typo"}, format="json")
    assert patched.status_code == 200 and patched.json()["parameters"]["formula"]["rate"] == "0.0125"

    bad = staff_api.patch(
        url, {"parameters": {"formula": {"family": "fixed_rate_simple", "rate": 0.02}}}, format="json"
    )
    assert bad.status_code == 400 and "float" in bad.json()["parameters.formula.rate"][0]

    approved = staff_api.post(
        url + "approve/",
        {"approved_on": "2024-05-14", "effective_from": "2024-06-01", "approval_reference": "Resolution 2024-3"},
        format="json",
    )
    assert approved.status_code == 200, approved.json()
    body = approved.json()
    assert (body["status"], body["approved_on"], body["effective_from"], body["approved_by"]) == (
        "approved",
        "2024-05-14",
        "2024-06-01",
        "staffer",
    )
    frozen = staff_api.patch(url, {"parameters": SIMPLE_2}, format="json")
    assert frozen.status_code == 400 and "cannot change" in frozen.json()["status"][0]
    again = staff_api.post(url + "approve/", {"approval_reference": "Resolution 2024-4"}, format="json")
    assert again.status_code == 400 and "status" in again.json()

    second = staff_api.post(
        "/api/v1/resale-policy-versions/",
        {"policy": created.json()["id"], "parameters": SIMPLE_2, "change_reason": "2026 review"},
        format="json",
    )
    assert second.status_code == 201 and (second.json()["version"], second.json()["status"]) == (2, "draft")
    policy = staff_api.get(f"/api/v1/resale-policies/{created.json()['id']}/").json()
    assert [(v["version"], v["status"]) for v in policy["versions"]] == [(2, "draft"), (1, "approved")]
    history = staff_api.get(url + "history/").json()
    assert [entry["reason"] for entry in history][:2] == ["Approved through the API", "typo"]
    drafts = staff_api.get("/api/v1/resale-policy-versions/?status=draft").json()
    assert [v["version"] for v in drafts["results"]] == [2]
    assert ResalePolicyVersion.objects.get(pk=draft["id"]).status == PolicyStatus.APPROVED


def test_bad_policy_writes_name_the_field(staff_api, simple_policy):
    response = staff_api.post(
        "/api/v1/resale-policies/",
        {"name": "Bad", "parameters": {"formula": {"family": "fixed_rate_simple", "rate": "-0.01"}}},
        format="json",
    )
    assert response.status_code == 400 and "parameters.formula.rate" in response.json()
    taken = staff_api.post("/api/v1/resale-policies/", {"name": "Simple 1.5%", "parameters": SIMPLE_2}, format="json")
    assert taken.status_code == 400 and "name" in taken.json()
    moved = staff_api.patch(
        f"/api/v1/resale-policy-versions/{simple_policy.pk}/",
        {"policy": ResalePolicy.objects.create(name="Other").pk},
        format="json",
    )
    assert moved.status_code == 400 and "policy" in moved.json()
    no_reference = staff_api.post(f"/api/v1/resale-policy-versions/{simple_policy.pk}/approve/", {}, format="json")
    assert no_reference.status_code == 400 and "approval_reference" in no_reference.json()


def test_policy_lists_do_not_grow_queries_with_rows(staff_api, django_assert_max_num_queries):
    for n in range(4):
        version = services.resale_policy_create(actor=None, reason="x", name=f"Program {n}", parameters=SIMPLE_15)
        services.resale_policy_version_create(policy=version.policy, parameters=SIMPLE_2, actor=None, reason="y")
    with django_assert_max_num_queries(8):
        assert staff_api.get("/api/v1/resale-policies/").json()["count"] == 4
    with django_assert_max_num_queries(8):
        assert staff_api.get("/api/v1/resale-policy-versions/").json()["count"] == 8


def test_index_fields_follow_the_formula_and_caps():
    from leases.resale import codec as resale_codec

    def fields(parameters: dict) -> set[str]:
        return set(quotes.index_fields(resale_codec.policy_from_dict(parameters)))

    assert fields(SIMPLE_15) == set()
    assert fields(CPI_INDEXED) == {"cpi_at_purchase", "cpi_at_determination"}
    hybrid = {"formula": {"family": "lesser_of", "formulas": [{"family": "ami_indexed"}, CPI_INDEXED["formula"]]}}
    assert fields(hybrid) == {"cpi_at_purchase", "cpi_at_determination", "ami_at_purchase", "ami_at_determination"}
    capped = {
        **SIMPLE_15,
        "caps": [
            {
                "kind": "affordability_cap",
                "ami_fraction": "0.8",
                "terms": {"income_share": "0.3", "annual_rate": "0.065"},
            }
        ],
    }
    assert fields(capped) == {"ami_at_determination"}
