"""The participatory budgeting demo: a stewardship-fund budget the members proposed for, voted on and certified.

Idempotent: a second load finds the budget by name and leaves it. Deterministic: the ballots come from the
loader's seeded ``context.rng``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from governance.budgeting import services
from governance.budgeting.models import ParticipatoryBudget, ReviewStatus
from governance.membership.models import Membership

DEMO_NAME = "Stewardship fund 2026: neighbourhood projects"
PROJECTS = [
    ("Community garden beds on North Street", Decimal("6500"), ReviewStatus.ACCEPTED),
    ("Tool library in the co-op basement", Decimal("4200"), ReviewStatus.ACCEPTED),
    ("Energy audits for twelve homes", Decimal("9600"), ReviewStatus.ACCEPTED),
    ("Bike racks at the shared lots", Decimal("2800"), ReviewStatus.ACCEPTED),
    ("Accessible ramp at the community room", Decimal("11000"), ReviewStatus.ACCEPTED),
    ("Fence around a private yard", Decimal("3000"), ReviewStatus.REFUSED),
]
# How often each accepted project is marked (of 1): the garden and the ramp are the favourites.
POPULARITY = [0.7, 0.45, 0.35, 0.3, 0.55]


def load_budgeting_demo(context: Any) -> None:
    if ParticipatoryBudget.objects.filter(name=DEMO_NAME).exists():
        return
    actor = context.actor
    budget = services.budget_create(
        actor=actor,
        name=DEMO_NAME,
        description="Members propose projects for the neighbourhood; the fund pays for those the vote chooses.",
        fund="stewardship",
        amount=Decimal("25000"),
        currency="USD",
        ballot_type="approval",
        min_projects=1,
        max_projects=3,
        rule="equal_shares",
    )
    proposers = [m.person for m in Membership.objects.select_related("person").order_by("pk")[: len(PROJECTS)]]
    projects = []
    for n, (title, cost, status) in enumerate(PROJECTS):
        proposer = proposers[n] if n < len(proposers) else None
        projects.append(
            (services.project_propose(actor=actor, budget=budget, title=title, cost=cost, proposer=proposer), status)
        )
    budget = services.budget_advance(actor=actor, budget=budget)
    for project, status in projects:
        reason = "A private yard is not a community benefit." if status == ReviewStatus.REFUSED else ""
        services.project_review(actor=actor, project=project, status=status, reason=reason)
    budget = services.budget_advance(actor=actor, budget=budget)
    accepted = [p.code for p, status in projects if status == ReviewStatus.ACCEPTED]
    rng = context.rng
    for _ in range(48):
        marked = [code for code, chance in zip(accepted, POPULARITY, strict=True) if rng.random() < chance][:3]
        services.ballot_record(actor=actor, budget=budget, projects=marked or [accepted[0]])
    budget = services.budget_advance(actor=actor, budget=budget)
    services.result_certify(actor=actor, budget=budget)
    context.stdout.write(f"Participatory budget: {budget.name}, result certified\n")
