"""A rules :class:`~governance.budgeting.rules.Outcome` as JSON and back: what a budget's result stores.

Pure: standard library only. Exact values stay exact: fractions are written "numerator/denominator",
amounts as Decimal text; the results page rounds them for display with :func:`rules.money`.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from governance.budgeting.rules import Outcome

__all__ = ["as_json", "fraction", "money_text"]


def _fraction(value: Fraction | None) -> str | None:
    return None if value is None else f"{value.numerator}/{value.denominator}"


def fraction(text: str | None) -> Fraction | None:
    """The exact value of a fraction written by :func:`as_json` (None stays None)."""
    return None if text is None else Fraction(text)


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def money_text(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def as_json(outcome: Outcome, scores: dict[str, int], voters: int) -> dict[str, Any]:
    """The outcome as JSON-ready data, with the projects' scores (votes, points or Borda points) and the voters."""
    return {
        "rule": outcome.rule,
        "budget": _decimal(outcome.budget),
        "spent": _decimal(outcome.spent),
        "left_over": _decimal(outcome.left_over),
        "funded": list(outcome.funded),
        "voters": voters,
        "share": _fraction(outcome.share),
        "steps": outcome.steps,
        "stop": outcome.stop,
        "scores": dict(scores),
        "groups": [
            {
                "projects": list(g.ballot.projects),
                "points": list(g.ballot.points),
                "count": g.ballot.count,
                "left": _fraction(g.left),
            }
            for g in outcome.groups
        ],
        "projects": [
            {
                "project": r.project,
                "cost": _decimal(r.cost),
                "funded": r.funded,
                "reason": r.reason,
                "position": r.position,
                "score": _fraction(r.score),
                "budget_before": _decimal(r.budget_before),
                "round": r.round,
                "price": _fraction(r.price),
                "payments": [[g, _fraction(amount)] for g, amount in r.payments],
                "supporters_left": _fraction(r.supporters_left),
            }
            for r in outcome.projects
        ],
    }
