"""Services of participatory budgeting: phases, review, ballot limits, .pb import and export, the result."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from governance.budgeting import services
from governance.budgeting.models import BudgetBallot, BudgetPhase, BudgetProject, ReviewStatus
from governance.budgeting.pabulib import read_pabulib

pytestmark = pytest.mark.django_db

SMALL_PB = """META
key;value
description;Small worked example
budget;100
vote_type;approval
rule;equalshares/add1
min_length;1
PROJECTS
project_id;cost;name
a;60;Garden beds
b;40;Tool library
c;50;Bench
VOTES
voter_id;vote
1;a
2;a
3;a,b
4;b,c
"""


def make_budget(staff, **fields):
    data = {"name": "Community fund 2027", "amount": Decimal(100), "currency": "USD"} | fields
    return services.budget_create(actor=staff, **data)


def proposed(budget, actor, *costs):
    return [
        services.project_propose(actor=actor, budget=budget, title=f"Project {n}", cost=Decimal(cost))
        for n, cost in enumerate(costs, 1)
    ]


def test_phases_review_and_ballot_limits(staff_user, member_user):
    budget = make_budget(staff_user, max_projects=2, max_total_cost=Decimal(90))
    with pytest.raises(ValidationError) as error:
        services.budget_advance(actor=staff_user, budget=budget)
    assert "phase" in error.value.message_dict
    a, b, c = proposed(budget, member_user, 60, 40, 50)
    assert a.status == ReviewStatus.PROPOSED and a.code == "1"
    with pytest.raises(ValidationError, match="cost"):
        proposed(budget, member_user, 500)
    services.budget_advance(actor=staff_user, budget=budget)
    with pytest.raises(ValidationError, match="Proposals open"):
        proposed(budget, member_user, 10)
    with pytest.raises(PermissionDenied):
        services.project_review(actor=member_user, project=a, status=ReviewStatus.ACCEPTED)
    with pytest.raises(ValidationError) as error:
        services.project_review(actor=staff_user, project=c, status=ReviewStatus.REFUSED)
    assert "reason" in error.value.message_dict
    services.project_review(actor=staff_user, project=c, status=ReviewStatus.REFUSED, reason="Not on our land")
    services.project_review(actor=staff_user, project=a, status=ReviewStatus.ACCEPTED)
    with pytest.raises(ValidationError, match="await review"):
        services.budget_advance(actor=staff_user, budget=budget)
    services.project_review(actor=staff_user, project=b, status=ReviewStatus.ACCEPTED)
    services.budget_advance(actor=staff_user, budget=budget)
    budget.refresh_from_db()
    assert budget.phase == BudgetPhase.VOTE
    for bad, why in [
        ([c.code], "not on the ballot"),
        ([], "no project"),
        ([a.code, a.code], "twice"),
        ([a.code, b.code, "x"], "not on"),
    ]:
        with pytest.raises(ValidationError, match=why):
            services.ballot_record(actor=staff_user, budget=budget, projects=bad)
    services.ballot_record(actor=staff_user, budget=budget, projects=[a.code])
    services.ballot_record(actor=staff_user, budget=budget, projects=[b.code])
    with pytest.raises(ValidationError, match="at most 90"):
        services.ballot_record(actor=staff_user, budget=budget, projects=[a.code, b.code])
    services.budget_advance(actor=staff_user, budget=budget)
    budget.refresh_from_db()
    assert budget.phase == BudgetPhase.RESULT and budget.result.outcome["funded"]
    services.result_certify(actor=staff_user, budget=budget)
    with pytest.raises(ValidationError, match="certified"):
        services.result_compute(actor=staff_user, budget=budget)


def test_cumulative_points_limit(staff_user):
    budget = make_budget(staff_user, ballot_type="cumulative", points_total=5, rule="greedy_skip")
    (a,) = proposed(budget, staff_user, 10)
    services.project_review(actor=staff_user, project=a, status=ReviewStatus.ACCEPTED)
    services.budget_advance(actor=staff_user, budget=budget)
    services.budget_advance(actor=staff_user, budget=budget)
    with pytest.raises(ValidationError, match="6 points"):
        services.ballot_record(actor=staff_user, budget=budget, projects=[a.code], points=[6])
    services.ballot_record(actor=staff_user, budget=budget, projects=[a.code], points=[5])


def test_ranking_refuses_equal_shares(staff_user):
    with pytest.raises(ValidationError) as error:
        make_budget(staff_user, ballot_type="ranking", rule="equal_shares")
    assert "rule" in error.value.message_dict


def test_import_small_file_and_export_round_trip(staff_user):
    budget = make_budget(staff_user)
    services.budget_import(actor=staff_user, budget=budget, data=SMALL_PB)
    assert BudgetBallot.objects.filter(budget=budget).count() == 4
    assert set(BudgetProject.objects.filter(budget=budget).values_list("code", flat=True)) == {"a", "b", "c"}
    budget = services.budget_advance(actor=staff_user, budget=budget)
    exported = read_pabulib(services.budget_export(budget))
    original = read_pabulib(SMALL_PB)
    assert exported.budget == original.budget and exported.vote_type == "approval"
    assert {(p.id, p.cost) for p in exported.projects} == {(p.id, p.cost) for p in original.projects}
    assert sorted(v.vote for v in exported.voters) == sorted(v.vote for v in original.voters)
    assert exported.limits == original.limits


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (SMALL_PB.replace("4;b,c", "4;b,zz"), "line 18"),
        (SMALL_PB.replace("b;40;", "b;forty;"), "line 11"),
        ("not a pb file", "line 1"),
    ],
)
def test_import_all_or_nothing_names_the_line(staff_user, text, line):
    budget = make_budget(staff_user)
    with pytest.raises(ValidationError) as error:
        services.budget_import(actor=staff_user, budget=budget, data=text)
    assert line in error.value.message_dict["file"][0]
    assert not BudgetProject.objects.filter(budget=budget).exists()
    assert not BudgetBallot.objects.filter(budget=budget).exists()


def test_member_cannot_import_or_advance(staff_user, member_user):
    budget = make_budget(staff_user)
    with pytest.raises(PermissionDenied):
        services.budget_import(actor=member_user, budget=budget, data=SMALL_PB)
    with pytest.raises(PermissionDenied):
        services.budget_advance(actor=member_user, budget=budget)
