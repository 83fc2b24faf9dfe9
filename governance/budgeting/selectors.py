"""What the budgeting pages read: a budget's projects, and its result explained project by project.

The result is read from the stored outcome (``BudgetResult.outcome``, written by ``services.result_compute``):
a results page never counts, so Wieliczka's (6,586 ballots, 150 add1 runs) renders from one row.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.utils.translation import gettext as _

from clt import charts
from governance.budgeting.models import BudgetProject, BudgetResult, BudgetRule, ParticipatoryBudget
from governance.budgeting.outcome import fraction, money_text
from governance.budgeting.rules import money

__all__ = ["BudgetChart", "ProjectLine", "reason_text", "result_view"]

# Beyond this many voter groups paying for a project, the page sums them by amount paid ("5,820 voters paid
# 152.05 each") instead of listing each ballot.
GROUP_DETAIL_LIMIT = 12
CHART_WIDTH = 600
FUNDED_COLOURS = ("#1f4f8a", "#3d6fa8")
LEFT_COLOUR = "#d9dee6"


def reason_text(reason: str) -> str:
    """The reason code of ``rules.REASONS`` in the reader's words."""
    return {
        "funded": _("Funded in its turn: it fitted in what was left of the budget."),
        "does_not_fit": _("Not funded: it cost more than was left of the budget when its turn came."),
        "after_stop": _("Not funded: the count stopped at the first project that did not fit."),
        "equal_shares": _("Funded: its supporters' equal shares paid for it."),
        "unaffordable": _("Not funded: what its supporters had left of their shares was less than its cost."),
        "completion": _("Funded by the completion, from the budget Equal Shares left."),
        "no_support": _("Not funded: no voter supported it."),
    }.get(reason, reason)


@dataclass
class Payment:
    """Voters who paid the same for a project: ``ballot`` (titles, when groups are listed) or empty (summed)."""

    voters: int
    each: Decimal
    total: Decimal
    ballot: list[str] = field(default_factory=list)


@dataclass
class ProjectLine:
    code: str
    title: str
    cost: Decimal
    funded: bool
    reason: str
    score: int
    position: int | None = None
    budget_before: Decimal | None = None
    round: int | None = None
    price: Decimal | None = None
    supporters_left: Decimal | None = None
    payments: list[Payment] = field(default_factory=list)
    grouped: bool = False


@dataclass
class Segment:
    x: float
    width: float
    colour: str
    label: str


@dataclass
class BudgetChart:
    width: int
    segments: list[Segment]
    description: str


def _payments(raw: list[list[Any]], groups: list[dict[str, Any]], titles: dict[str, str]) -> tuple[list[Payment], bool]:
    if len(raw) <= GROUP_DETAIL_LIMIT:
        rows = []
        for g, amount in raw:
            group = groups[g]
            each = money(Fraction(amount))
            rows.append(
                Payment(
                    voters=group["count"],
                    each=each,
                    total=money(Fraction(amount) * group["count"]),
                    ballot=[titles.get(p, p) for p in group["projects"]],
                )
            )
        return rows, False
    summed: Counter[Fraction] = Counter()
    for g, amount in raw:
        summed[Fraction(amount)] += groups[g]["count"]
    rows = [Payment(voters=n, each=money(a), total=money(a * n)) for a, n in sorted(summed.items(), reverse=True)]
    return rows, True


def _chart(lines: list[ProjectLine], budget: Decimal, left_over: Decimal, currency: str) -> BudgetChart:
    # Each segment runs between the positions of the costs summed before and after it, placed exactly from
    # the Decimal sums (clt/charts.Scale), so the segments meet without gaps or drift.
    scale = charts.Scale(Decimal(0), budget, 0.0, float(CHART_WIDTH))
    spent = Decimal(0)
    segments = []
    for n, line in enumerate(line for line in lines if line.funded):
        x = scale.at(spent)
        spent += line.cost
        segments.append(
            Segment(round(x, 2), round(scale.at(spent) - x, 2), FUNDED_COLOURS[n % 2], f"{line.title}: {line.cost}")
        )
    x = scale.at(spent)
    segments.append(Segment(round(x, 2), round(max(CHART_WIDTH - x, 0.0), 2), LEFT_COLOUR, _("Left over")))
    description = _("%(funded)s funded projects cost %(spent)s of %(budget)s %(currency)s; %(left)s is left over.") % {
        "funded": len(segments) - 1,
        "spent": budget - left_over,
        "currency": currency,
        "budget": budget,
        "left": left_over,
    }
    return BudgetChart(CHART_WIDTH, segments, description)


def result_view(budget: ParticipatoryBudget) -> dict[str, Any] | None:
    """The results page's content, or None before the result is counted: funded then unfunded projects, each with
    why, the share and left-over, and the chart. Two queries: the result and the projects."""
    result = BudgetResult.objects.select_related("certified_by").filter(budget=budget).first()
    if result is None:
        return None
    data = result.outcome
    projects = {p.code: p for p in BudgetProject.objects.filter(budget=budget).only("code", "title", "cost")}
    titles = {code: p.title for code, p in projects.items()}
    groups = data.get("groups", [])
    scores = data.get("scores", {})
    lines = []
    for row in data["projects"]:
        code = row["project"]
        payments, grouped = _payments(row["payments"], groups, titles) if row["payments"] else ([], False)
        price = fraction(row["price"])
        left = fraction(row["supporters_left"])
        lines.append(
            ProjectLine(
                code=code,
                title=titles.get(code, code),
                cost=money_text(row["cost"]) or Decimal(0),
                funded=row["funded"],
                reason=reason_text(row["reason"]),
                score=scores.get(code, 0),
                position=row["position"],
                budget_before=money_text(row["budget_before"]),
                round=row["round"],
                price=None if price is None else money(price, 4),
                supporters_left=None if left is None else money(left),
                payments=payments,
                grouped=grouped,
            )
        )
    budget_amount = money_text(data["budget"]) or Decimal(0)
    left_over = money_text(data["left_over"]) or Decimal(0)
    share = fraction(data.get("share"))
    return {
        "result": result,
        "equal_shares": result.rule == BudgetRule.EQUAL_SHARES,
        "funded": [line for line in lines if line.funded],
        "unfunded": [line for line in lines if not line.funded],
        "spent": money_text(data["spent"]),
        "left_over": left_over,
        "voters": data.get("voters", 0),
        "share": None if share is None else money(share),
        "steps": data.get("steps", 0),
        "chart": _chart(lines, budget_amount, left_over, budget.currency),
    }
