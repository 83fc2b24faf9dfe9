"""Capital improvements end to end (issue 4 §5; domain notes §3.5): the staff pages on the lease page, the
homeowner's request in the portal, and ``/api/v1/capital-improvements/``.

Worked figures (the engine's ``_credit``: percent of cost = cost × share; depreciated cost = cost × share ×
(life − months used) / life, months used counted in completed months and capped at the life):
- a kitchen of 12,000.00 credited at 50 % of its cost: 6,000.00;
- a roof of 20,000.00 depreciated over 20 years (240 months): after 60 completed months 20,000 × 180/240 =
  15,000.00; one day earlier only 59 months are complete, 20,000 × 181/240 = 15,083.333…, shown 15,083.33
  (half up to the cent; the engine keeps the unrounded figure for the price);
- a deck of 2,500.00 under a policy crediting only items over 3,000 (Glen Aspen): nothing, and it says why.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from leases.monitoring.models import MonitoringKind, MonitoringRecord
from leases.resale import services
from leases.resale.engine import add_months
from leases.resale.models import CapitalImprovement, ImprovementStatus, ResalePolicyVersion
from leases.resale.selectors import credit_on
from tests.conftest import make_user
from tests.factories import make_lease, make_template_version

pytestmark = pytest.mark.django_db

D = dt.date
API = "/api/v1/capital-improvements/"


def today() -> dt.date:
    return timezone.localdate()


def text(response) -> str:
    """The page's visible text, whitespace collapsed, for asserting what a person reads."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


MARCH_2021 = D(2021, 3, 1)


def request(lease, description="Kitchen remodel", requested_on=MARCH_2021, **fields) -> CapitalImprovement:
    return services.improvement_request(
        lease=lease, description=description, requested_on=requested_on, actor=None, reason="owner's letter", **fields
    )


def approve(item, approved_on=None, **terms) -> CapitalImprovement:
    return services.improvement_approve(
        improvement=item,
        approved_on=approved_on or item.requested_on + dt.timedelta(days=7),
        approval_reference="Letter 21-3",
        actor=None,
        reason="board review",
        **terms,
    )


def complete(item, completed_on, cost, documents="Invoice 4471", **fields) -> CapitalImprovement:
    return services.improvement_complete(
        improvement=item, completed_on=completed_on, cost=cost, documents=documents, actor=None, reason="done", **fields
    )


def approved_policy(parameters: dict) -> ResalePolicyVersion:
    version = services.resale_policy_create(actor=None, reason="adopted", name="Glen Aspen", parameters=parameters)
    return services.resale_policy_version_approve(
        version=version,
        approved_on=D(2019, 6, 10),
        effective_from=D(2019, 7, 1),
        approval_reference="Resolution 2019-4",
        actor=None,
        reason="approved",
    )


def owned_lease(user):
    return user.person.leaseholdings.get().lease


# --- The engine's valuation, as pages and the API read it ----------------------------------------------------


def test_percent_of_cost_and_depreciated_cost_are_valued_as_the_engine_does():
    lease = make_lease(commencement=D(2020, 1, 1))
    kitchen = complete(
        approve(request(lease), method="percent_of_cost", credit_pct=Decimal("50")), D(2021, 6, 1), Decimal("12000")
    )
    roof = complete(
        approve(request(lease, "Roof", D(2020, 5, 1)), method="depreciated_cost", useful_life_years=20),
        D(2020, 6, 15),
        Decimal("20000.00"),
    )
    assert (credit_on(kitchen, on=D(2024, 1, 1)).amount, credit_on(kitchen, on=D(2024, 1, 1)).credited) == (
        Decimal("6000"),
        True,
    )
    five_years = credit_on(roof, on=D(2025, 6, 15))
    assert five_years.amount == Decimal("15000.00")
    assert (
        five_years.detail == "its cost of 20,000.00, less straight-line wear: 60 of its 240 months of useful life used"
    )
    # The pages show it in the reader's words, money with its "$" (issue 14 §4).
    assert five_years.shown == "its cost of $20,000.00 less wear: 60 months used of a useful life of 240 months"
    a_day_early = credit_on(roof, on=D(2025, 6, 14))
    assert a_day_early.rounded == Decimal("15083.33")
    assert str(a_day_early.amount).startswith("15083.3333")
    # Before the work was finished it earns nothing yet, in the engine's words.
    early = credit_on(roof, on=D(2020, 6, 1))
    assert (early.credited, early.code, early.detail) == (False, "credit.refused", "it was not finished by 2020-06-01")


def test_the_lease_policys_credit_rules_apply():
    """Glen Aspen credits only items over 3,000 done within 5 years of the sale (§3.5)."""
    policy = approved_policy(
        {
            "formula": {"family": "fixed_rate_simple", "rate": "0.015"},
            "credit_rules": {"cost_over": "3000", "within_years": 5},
        }
    )
    lease = make_lease(version=make_template_version("Glen Aspen lease", resale_policy_version=policy))
    deck = complete(approve(request(lease, "Deck")), D(2021, 6, 1), Decimal("2500.00"))
    valued = credit_on(deck, on=D(2024, 1, 1))
    assert (valued.credited, valued.amount, valued.detail) == (False, 0, "it cost 2,500.00, not more than 3,000.00")
    assert valued.shown == "only improvements costing more than $3,000.00 earn a credit, and it cost $2,500.00"


# --- Staff pages ------------------------------------------------------------------------------------------------


def test_staff_flow_request_approve_complete_shows_the_engines_credit(client, staff_user):
    lease = make_lease(commencement=D(2020, 1, 1))
    client.force_login(staff_user)
    page = f"/leases/{lease.pk}/"

    response = client.post(
        f"/leases/{lease.pk}/improvements/new/",
        {
            "description": "Kitchen remodel",
            "requested_on": "2021-03-01",
            "estimated_cost": "11500.00",
            "change_reason": "Owner's letter of 1 March",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"{page}#improvements"
    item = CapitalImprovement.objects.get(lease=lease)
    assert (item.status, item.requested_on, item.estimated_cost) == ("requested", D(2021, 3, 1), Decimal("11500.00"))
    shown = text(client.get(page))
    assert "Kitchen remodel" in shown and "Waiting for the trust's approval" in shown

    response = client.post(
        f"/leases/{lease.pk}/improvements/{item.pk}/approve/",
        {
            "approved_on": "2021-03-08",
            "approval_reference": "Letter 21-3",
            "method": "percent_of_cost",
            "credit_pct": "50",
            "change_reason": "Board review",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.approval_reference, item.credit_pct) == ("approved", "Letter 21-3", Decimal("50"))

    response = client.post(
        f"/leases/{lease.pk}/improvements/{item.pk}/complete/",
        {
            "completed_on": "2021-06-01",
            "started_on": "2021-04-01",
            "cost": "12000.00",
            "documents": "Invoice 4471\nBuilding permit B-2021-88",
            "change_reason": "Final invoice received",
        },
    )
    assert response.status_code == 302
    html = client.get(page).content.decode()
    # 50 % of 12,000.00 = 6,000.00, with the engine's explanation.
    assert 'data-credit="6000.00"' in html
    shown = text(client.get(page))
    assert "$6,000.00" in shown and "50 % of its cost of $12,000.00" in shown
    assert "Credits today, in total $6,000.00" in shown
    assert [h.history_change_reason for h in item.history.order_by("history_id")] == [
        "Owner's letter of 1 March",
        "Board review",
        "Final invoice received",
    ]


def test_a_depreciated_improvement_shows_its_value_today(client, staff_user):
    """20,000 over 20 years, completed 60 months ago today: 15,000.00."""
    lease = make_lease(commencement=D(2015, 1, 1))
    done = add_months(today(), -60)
    roof = approve(
        request(lease, "New roof", done - dt.timedelta(days=40)),
        method="depreciated_cost",
        useful_life_years=20,
    )
    complete(roof, done, Decimal("20000.00"))
    client.force_login(staff_user)
    html = client.get(f"/leases/{lease.pk}/").content.decode()
    assert 'data-credit="15000.00"' in html
    assert "60 months used of a useful life of 240 months" in html


def test_service_errors_show_on_the_form_fields_and_nothing_changes(client, staff_user):
    lease = make_lease()
    item = request(lease, requested_on=D(2022, 5, 1))
    client.force_login(staff_user)
    url = f"/leases/{lease.pk}/improvements/{item.pk}/approve/"
    response = client.post(
        url,
        {
            "approved_on": "2022-04-01",
            "approval_reference": "Letter",
            "method": "percent_of_cost",
            "credit_pct": "100",
            "change_reason": "x",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["approved_on"] == ["An approval cannot come before the request."]
    response = client.post(
        url,
        {
            "approved_on": "2022-05-10",
            "approval_reference": "Letter",
            "method": "depreciated_cost",
            "credit_pct": "100",
            "change_reason": "x",
        },
    )
    assert response.context["form"].errors["useful_life_years"] == ["Depreciated cost needs a useful life."]
    # Completing work that was never approved: the rule is the service's, shown as the form's error.
    response = client.post(
        f"/leases/{lease.pk}/improvements/{item.pk}/complete/",
        {"completed_on": "2022-06-01", "cost": "5000.00", "change_reason": "x"},
    )
    assert "approval comes before the work" in " ".join(response.context["form"].non_field_errors())
    item.refresh_from_db()
    assert (item.status, item.approved_on, item.completed_on) == ("requested", None, None)


def test_deny_and_maintenance_on_the_lease_page(client, staff_user):
    lease = make_lease()
    hot_tub = request(lease, "Hot tub", D(2023, 4, 1))
    client.force_login(staff_user)
    response = client.post(
        f"/leases/{lease.pk}/improvements/{hot_tub.pk}/deny/", {"change_reason": "A luxury item, not on the list"}
    )
    assert response.status_code == 302
    hot_tub.refresh_from_db()
    assert hot_tub.status == ImprovementStatus.DENIED
    response = client.post(
        f"/leases/{lease.pk}/improvements/new/",
        {
            "description": "Repaint the exterior",
            "requested_on": "2023-05-01",
            "maintenance": "on",
            "change_reason": "x",
        },
    )
    paint = CapitalImprovement.objects.get(description="Repaint the exterior")
    # Maintenance needs no approval: it is completed straight from the request, and earns nothing.
    response = client.post(
        f"/leases/{lease.pk}/improvements/{paint.pk}/complete/",
        {"completed_on": "2023-06-01", "cost": "4200.00", "documents": "Receipt", "change_reason": "x"},
    )
    assert response.status_code == 302
    shown = text(client.get(f"/leases/{lease.pk}/"))
    assert "The request was denied: no credit." in shown
    assert "ordinary upkeep and repairs earn no credit" in shown
    assert "Credits today, in total $0.00" in shown


def test_staff_pages_are_staff_only(client, homeowner_user, other_homeowner_user):
    lease = owned_lease(homeowner_user)
    item = request(lease)
    client.force_login(homeowner_user)
    assert client.get(f"/leases/{lease.pk}/improvements/new/").status_code == 403
    assert client.post(f"/leases/{lease.pk}/improvements/{item.pk}/approve/", {}).status_code == 403


def test_the_monitoring_form_no_longer_offers_improvement_requests(client, staff_user):
    lease = make_lease()
    client.force_login(staff_user)
    url = f"/leases/{lease.pk}/monitoring/new/"
    assert 'value="improvement_request"' not in client.get(url).content.decode()
    assert 'value="insurance"' in client.get(url).content.decode()
    response = client.post(url, {"kind": "improvement_request", "due": "2026-01-01", "change_reason": "x"})
    assert "kind" in response.context["form"].errors
    assert not MonitoringRecord.objects.filter(kind=MonitoringKind.IMPROVEMENT_REQUEST).exists()


# --- The homeowner portal ---------------------------------------------------------------------------------------


def test_the_homeowner_asks_to_improve_their_own_home(client, homeowner_user, other_homeowner_user):
    lease = owned_lease(homeowner_user)
    other = owned_lease(other_homeowner_user)
    client.force_login(homeowner_user)
    page = client.get("/my/")
    assert "Ask to improve your home" in text(page)
    assert f'action="/my/leases/{lease.pk}/improvements/new/"' in page.content.decode()

    form = {
        "improve-description": "Finish the basement as a bedroom",
        "improve-estimated_cost": "18500",
        "improve-kind": "improvement",
    }
    response = client.post(f"/my/leases/{lease.pk}/improvements/new/", form)
    assert response.status_code == 302 and response["Location"].endswith("#improvements")
    item = CapitalImprovement.objects.get(lease=lease)
    assert (item.status, item.requested_on, item.maintenance, item.estimated_cost) == (
        "requested",
        today(),
        False,
        Decimal("18500.00"),
    )
    assert item.history.get().history_user == homeowner_user

    # Someone else's lease does not exist for them.
    assert client.post(f"/my/leases/{other.pk}/improvements/new/", form).status_code == 404
    assert not CapitalImprovement.objects.filter(lease=other).exists()

    # A repair is recorded as maintenance; a missing description is shown on its field.
    client.post(f"/my/leases/{lease.pk}/improvements/new/", {**form, "improve-kind": "maintenance"})
    assert CapitalImprovement.objects.filter(lease=lease, maintenance=True).count() == 1
    response = client.post(f"/my/leases/{lease.pk}/improvements/new/", {**form, "improve-description": ""})
    assert response.status_code == 200 and "description" in response.context["form"].errors


def test_the_portal_lists_their_improvements_with_the_credit(client, homeowner_user):
    lease = owned_lease(homeowner_user)
    kitchen = complete(
        approve(request(lease), method="percent_of_cost", credit_pct=Decimal("50")), D(2021, 6, 1), Decimal("12000")
    )
    request(lease, "Solar panels", D(2024, 2, 1))
    client.force_login(homeowner_user)
    shown = text(client.get("/my/"))
    assert "Kitchen remodel" in shown and "$6,000.00" in shown and "50 % of its cost of $12,000.00" in shown
    assert "Solar panels" in shown and "Waiting for the trust's approval" in shown
    assert kitchen.status == "completed"


# --- API ----------------------------------------------------------------------------------------------------------


def test_api_flow_and_credit_with_its_explanation(staff_api):
    lease = make_lease(commencement=D(2020, 1, 1))
    response = staff_api.post(
        API,
        {"lease": lease.pk, "description": "Roof", "requested_on": "2020-05-01", "change_reason": "owner's letter"},
    )
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    assert response.json()["requested_on"] == "2020-05-01"
    response = staff_api.post(
        f"{API}{pk}/approve/",
        {
            "approved_on": "2020-05-08",
            "approval_reference": "Letter 20-5",
            "method": "depreciated_cost",
            "useful_life_years": 20,
            "reason": "ok",
        },
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["method"]) == ("approved", "depreciated_cost")
    response = staff_api.post(
        f"{API}{pk}/complete/",
        {"completed_on": "2020-06-15", "started_on": "2020-06-01", "cost": "20000.00", "documents": "Invoice 9"},
    )
    assert response.status_code == 200, response.json()

    body = staff_api.get(f"{API}{pk}/credit/", {"on": "2025-06-15"}).json()
    assert body == {
        "improvement": pk,
        "on": "2025-06-15",
        "status": "completed",
        "credited": True,
        "amount": "15000.00",
        "exact_amount": "15000.00",
        "code": "credit.capital_improvement",
        "label": "Credit for an improvement you made: Roof",
        "detail": "its cost of 20,000.00, less straight-line wear: 60 of its 240 months of useful life used",
        "policy_version": None,
    }
    body = staff_api.get(f"{API}{pk}/credit/", {"on": "2025-06-14"}).json()
    assert body["amount"] == "15083.33" and body["exact_amount"].startswith("15083.3333")
    assert staff_api.get(f"{API}{pk}/history/").status_code == 200


def test_api_approval_comes_before_the_work(staff_api):
    lease = make_lease()
    item = request(lease, requested_on=D(2022, 5, 1))
    url = f"{API}{item.pk}/"
    # Completing work never approved: 400 on status.
    response = staff_api.post(url + "complete/", {"completed_on": "2022-06-01", "cost": "5000.00", "reason": "x"})
    assert response.status_code == 400 and "approval comes before the work" in response.json()["status"][0]
    # An approval dated before the request, or in the future.
    response = staff_api.post(url + "approve/", {"approved_on": "2022-04-01", "approval_reference": "L", "reason": "x"})
    assert response.status_code == 400 and list(response.json()) == ["approved_on"]
    future = (today() + dt.timedelta(days=3)).isoformat()
    response = staff_api.post(url + "approve/", {"approved_on": future, "approval_reference": "L", "reason": "x"})
    assert response.status_code == 400 and "in the future" in response.json()["approved_on"][0]
    response = staff_api.post(url + "approve/", {"approved_on": "2022-05-10", "approval_reference": "L", "reason": "x"})
    assert response.status_code == 200
    # Work started before the approval: 400 on started_on, and nothing is written.
    response = staff_api.post(
        url + "complete/", {"completed_on": "2022-06-01", "started_on": "2022-05-02", "cost": "5000.00", "reason": "x"}
    )
    assert response.status_code == 400 and list(response.json()) == ["started_on"]
    item.refresh_from_db()
    assert (item.status, item.completed_on, item.cost) == ("approved", None, None)
    # A second approval of the same item.
    response = staff_api.post(url + "approve/", {"approval_reference": "L", "reason": "x"})
    assert response.status_code == 400 and list(response.json()) == ["status"]


def test_api_bad_input_names_the_field(staff_api):
    lease = make_lease()
    assert list(staff_api.post(API, {"lease": lease.pk, "change_reason": "x"}).json()) == ["description"]
    response = staff_api.post(API, {"lease": lease.pk, "description": "Deck", "estimated_cost": "-5"})
    assert response.status_code == 400 and list(response.json()) == ["estimated_cost"]
    response = staff_api.post(API, {"lease": lease.pk, "description": "Deck", "colour": "red"})
    assert response.status_code == 400 and list(response.json()) == ["colour"]
    # A blank reason from staff: the service asks for one.
    response = staff_api.post(API, {"lease": lease.pk, "description": "Deck", "change_reason": " "})
    assert response.status_code == 400 and list(response.json()) == ["change_reason"]
    assert staff_api.post(API, {"lease": 999999, "description": "Deck"}).status_code == 404

    item = request(lease, requested_on=D(2022, 5, 1))
    url = f"{API}{item.pk}/"
    response = staff_api.post(url + "approve/", {"approval_reference": "L", "method": "guesswork", "reason": "x"})
    assert response.status_code == 400 and list(response.json()) == ["method"]
    response = staff_api.post(
        url + "approve/", {"approval_reference": "L", "method": "depreciated_cost", "reason": "x"}
    )
    assert response.status_code == 400 and list(response.json()) == ["useful_life_years"]
    response = staff_api.post(url + "approve/", {"approval_reference": "L", "method": "fixed_value", "reason": "x"})
    assert response.status_code == 400 and list(response.json()) == ["fixed_value"]
    response = staff_api.post(url + "approve/", {"approval_reference": " ", "reason": "x"})
    assert response.status_code == 400 and list(response.json()) == ["approval_reference"]
    response = staff_api.post(url + "deny/", {})
    assert response.status_code == 400 and list(response.json()) == ["change_reason"]
    assert staff_api.get(url + "credit/", {"on": "27/11/2026"}).status_code == 400
    assert list(staff_api.get(url + "credit/", {"on": "27/11/2026"}).json()) == ["on"]
    # Valued by an appraiser, completed without the appraiser's figure.
    approve(item, method="appraised_value")
    response = staff_api.post(url + "complete/", {"completed_on": "2022-06-01", "cost": "5000.00", "reason": "x"})
    assert response.status_code == 400 and list(response.json()) == ["appraised_value"]
    item.refresh_from_db()
    assert item.status == "approved"


def test_api_maintenance_gets_no_credit(api_for, staff_api, homeowner_user):
    owner = api_for("homeowner")
    lease = owned_lease(homeowner_user)
    response = owner.post(
        API,
        {"lease": lease.pk, "description": "Replace the water heater", "maintenance": True, "estimated_cost": "1800"},
    )
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    response = staff_api.post(
        f"{API}{pk}/complete/",
        {"completed_on": today().isoformat(), "cost": "1750.00", "documents": "Receipt", "reason": "installed"},
    )
    assert response.status_code == 200, response.json()
    body = owner.get(f"{API}{pk}/credit/").json()
    assert (body["credited"], body["amount"], body["code"], body["detail"]) == (
        False,
        "0.00",
        "credit.refused",
        "ordinary maintenance earns no credit",
    )
    assert body["on"] == today().isoformat()


def test_api_permissions(api_for, homeowner_user, other_homeowner_user):
    owner, staff = api_for("homeowner"), api_for("staff")
    mine, theirs = owned_lease(homeowner_user), owned_lease(other_homeowner_user)
    my_item, their_item = request(mine), request(theirs, "Their porch")

    assert [row["id"] for row in owner.get(API).json()["results"]] == [my_item.pk]
    assert owner.get(f"{API}{their_item.pk}/").status_code == 404
    assert owner.get(f"{API}{their_item.pk}/credit/").status_code == 404
    assert owner.get(API, {"lease": theirs.pk}).json()["count"] == 0

    # A homeowner asks on their own lease only; the date is today's whatever the body says.
    response = owner.post(API, {"lease": mine.pk, "description": "Heat pump", "requested_on": "2020-01-01"})
    assert response.status_code == 201 and response.json()["requested_on"] == today().isoformat()
    assert owner.post(API, {"lease": theirs.pk, "description": "Heat pump"}).status_code == 404
    assert not CapitalImprovement.objects.filter(lease=theirs, description="Heat pump").exists()
    # Staff actions are staff-only, even on their own improvement.
    for verb in ("approve", "deny", "complete"):
        assert owner.post(f"{API}{my_item.pk}/{verb}/", {"reason": "x"}).status_code == 403
    member = api_for("member")
    assert member.get(API).json()["count"] == 0
    assert member.get(f"{API}{my_item.pk}/").status_code == 404
    assert member.post(API, {"lease": mine.pk, "description": "Deck"}).status_code == 403
    assert api_for("anonymous").get(API).status_code in (401, 403)
    assert staff.get(API).json()["count"] == 3


def test_api_filters_and_query_count_do_not_grow_with_rows(staff_api, django_assert_max_num_queries):
    def fill(lease, count):
        for n in range(count):
            item = request(lease, f"Item {n}", D(2021, 1, 1) + dt.timedelta(days=n))
            if n % 2:
                approve(item)

    first = make_lease()
    fill(first, 2)
    staff_api.get(API)  # warm caches (content types, the user's groups)
    with CaptureQueriesContext(connection) as few:
        assert staff_api.get(API).json()["count"] == 2
    fill(make_lease(), 10)
    with django_assert_max_num_queries(len(few)):
        body = staff_api.get(API).json()
    assert body["count"] == 12
    assert staff_api.get(API, {"lease": first.pk}).json()["count"] == 2
    assert staff_api.get(API, {"status": "approved"}).json()["count"] == 6
    assert staff_api.get(API, {"status": ["approved", "requested"]}).json()["count"] == 12
    assert staff_api.get(API, {"status": "granted"}).status_code == 400


def test_a_homeowners_list_runs_a_fixed_number_of_queries(homeowner_user, django_assert_max_num_queries):
    lease = owned_lease(homeowner_user)
    nobody = APIClient()
    nobody.force_authenticate(make_user("owner2", person=True))  # a login with no role at all
    assert nobody.get(API).status_code == 403
    owner = APIClient()
    owner.force_authenticate(homeowner_user)
    request(lease, "First")
    owner.get(API)
    with CaptureQueriesContext(connection) as few:
        owner.get(API)
    for n in range(8):
        request(lease, f"More {n}")
    with django_assert_max_num_queries(len(few)):
        assert owner.get(API).json()["count"] == 9
