"""Pages and API of participatory budgeting: the worked example's result, permissions, bad input, query counts,
and Wieliczka 2023 imported (once) giving pabutools' funded list."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from governance.budgeting import services
from governance.budgeting.models import BudgetPhase, BudgetResult, ReviewStatus
from tests.conftest import make_user
from tests.datafiles import PB
from tests.governance.budgeting.test_budget_services import SMALL_PB, make_budget

pytestmark = pytest.mark.django_db


@pytest.fixture
def counted(staff_user):
    budget = make_budget(staff_user)
    services.budget_import(actor=staff_user, budget=budget, data=SMALL_PB)
    return services.budget_advance(actor=staff_user, budget=budget)


def test_result_page_shows_equal_share_payments(client, staff_user, member_user, counted):
    client.force_login(member_user)
    response = client.get(reverse("governance:budget_result", args=[counted.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert counted.result.outcome["funded"] == ["a", "b"]
    # Shares of 25, raised to 30 by add1 (5 steps): the three supporters of the garden beds pay 20 each; the
    # tool library is paid by voter 3's last 10 and voter 4's 30.
    assert "Each voter's equal share: 30.00" in page
    assert "2 voters paid 20.00 each (40.00 in all)" in page
    assert "1 voter paid 20.00 (20.00 in all)" in page
    assert "1 voter paid 10.00 (10.00 in all)" in page and "1 voter paid 30.00 (30.00 in all)" in page
    assert "Bench" in page and "less than its cost" in page
    assert "<svg" in page and 'role="img"' in page
    assert 'class="table-wrap" role="region" tabindex="0"' in page


def test_certified_pdf_and_pb_download(client, staff_user, counted):
    client.force_login(staff_user)
    url = reverse("governance:budget_result_pdf", args=[counted.pk])
    assert client.get(url).status_code == 404
    assert client.post(reverse("governance:budget_action", args=[counted.pk]), {"action": "certify"}).status_code == 302
    assert client.get(url + "?format=html").status_code == 200
    response = client.get(reverse("governance:budget_pb", args=[counted.pk]))
    assert response.status_code == 200 and b"equalshares/add1" in response.content


def test_member_proposes_but_cannot_review(client, staff_user, member_user):
    budget = make_budget(staff_user)
    client.force_login(member_user)
    action = reverse("governance:budget_action", args=[budget.pk])
    assert client.post(action, {"action": "propose", "title": "Benches", "cost": "30"}).status_code == 302
    project = budget.projects.get()
    assert client.post(action, {"action": "review", "project": project.pk, "status": "accepted"}).status_code == 403
    assert client.post(action, {"action": "propose", "title": "Too dear", "cost": "1000"}).status_code == 400
    assert client.post(action, {"action": "propose", "title": "", "cost": "x"}).status_code == 400
    assert client.get(reverse("governance:budget_create")).status_code == 403
    client.force_login(staff_user)
    response = client.post(action, {"action": "review", "project": project.pk, "status": "refused", "reason": ""})
    assert response.status_code == 400 and "Say why" in response.content.decode()
    response = client.post(
        action, {"action": "review", "project": project.pk, "status": "refused", "reason": "Off site"}
    )
    project.refresh_from_db()
    assert project.status == ReviewStatus.REFUSED and project.refusal_reason == "Off site"
    assert client.post(action, {"action": "nonsense"}).status_code == 400
    assert client.post(action, {"action": "review", "project": 999999, "status": "accepted"}).status_code == 404
    response = client.post(action, {"action": "import", "file": ""})
    assert response.status_code == 400


def test_anonymous_and_roleless_get_nothing(client, counted):
    for name in ("budget_list", "budget_create"):
        response = client.get(reverse(f"governance:{name}"))
        assert response.status_code == 302
    client.force_login(make_user("nobody"))
    assert client.get(reverse("governance:budget_list")).status_code == 403
    assert client.get(reverse("governance:budget_result", args=[counted.pk])).status_code == 403


def test_odd_input_is_never_a_500(client, staff_user, counted):
    client.force_login(staff_user)
    assert client.get(reverse("governance:budget_detail", args=[99999])).status_code == 404
    budget = make_budget(staff_user, name="Empty")
    assert client.get(reverse("governance:budget_result", args=[budget.pk])).status_code == 404
    action = reverse("governance:budget_action", args=[budget.pk])
    assert client.post(action, {"action": "advance"}).status_code == 400
    assert client.post(action, {"action": "ballot", "projects": ["zz"]}).status_code == 400
    assert client.post(action, {"action": "certify"}).status_code == 400
    assert client.get(reverse("governance:budget_create")).status_code == 200
    assert client.post(reverse("governance:budget_create"), {"name": "x", "amount": "-1"}).status_code == 200


def test_api_members_read_staff_write(api_for, staff_user, counted):
    member, staff = api_for("member"), api_for("staff")
    assert member.get("/api/v1/budgets/").status_code == 200
    assert member.post("/api/v1/budgets/", {"name": "x", "amount": "10"}, format="json").status_code == 403
    nobody = APIClient()
    nobody.force_authenticate(make_user("nobody"))
    assert nobody.get("/api/v1/budgets/").status_code == 403
    result = member.get(f"/api/v1/budget-results/{counted.pk}/")
    assert result.status_code == 200 and result.json()["outcome"]["funded"] == ["a", "b"]
    created = staff.post("/api/v1/budgets/", {"name": "API fund", "amount": "500.00"}, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert staff.post(f"/api/v1/budgets/{pk}/advance/").status_code == 400
    bad = staff.post("/api/v1/budget-projects/", {"budget": pk, "title": "x", "cost": "900"}, format="json")
    assert bad.status_code == 400 and "cost" in bad.json()
    project = staff.post(
        "/api/v1/budget-projects/", {"budget": pk, "title": "Trees", "cost": "90"}, format="json"
    ).json()
    refused = staff.post(f"/api/v1/budget-projects/{project['id']}/review/", {"status": "refused"}, format="json")
    assert refused.status_code == 400 and "reason" in refused.json()
    assert (
        member.post(
            f"/api/v1/budget-projects/{project['id']}/review/", {"status": "accepted"}, format="json"
        ).status_code
        == 403
    )
    assert staff.post("/api/v1/budgets/", {"name": "x", "amount": "lots"}, format="json").status_code == 400


def test_list_endpoints_query_counts(api_for, staff_user, counted):
    for n in range(3):
        make_budget(staff_user, name=f"Fund {n}")
    staff = api_for("staff")
    for url in ("/api/v1/budgets/", "/api/v1/budget-projects/", "/api/v1/budget-results/"):
        staff.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert staff.get(url).status_code == 200
        assert len(queries) <= 6, (url, [q["sql"] for q in queries])


def test_wieliczka_imported_funds_pabutools_list(client, staff_user):
    """Imported once: the funded list is pabutools' (add1), and the results page reads it in a few queries."""
    expected = json.loads((PB / "pabutools_outcomes.json").read_text(encoding="utf-8"))["poland_wieliczka_2023.pb"]
    budget = make_budget(staff_user, name="Wieliczka Green Budget 2023", currency="PLN")
    services.budget_import(actor=staff_user, budget=budget, data=(PB / "poland_wieliczka_2023.pb").read_bytes())
    assert budget.ballots.count() == 6586 and budget.projects.count() == 64
    budget = services.budget_advance(actor=staff_user, budget=budget)
    assert budget.phase == BudgetPhase.RESULT
    outcome = BudgetResult.objects.get(budget=budget).outcome
    assert sorted(outcome["funded"]) == expected["equal_shares_add1"]
    assert Decimal(outcome["spent"]) + Decimal(outcome["left_over"]) == Decimal(1_000_000)
    client.force_login(staff_user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("governance:budget_result", args=[budget.pk]))
    assert response.status_code == 200
    assert len(queries) <= 12, [q["sql"] for q in queries]
    assert "voters paid" in response.content.decode()
