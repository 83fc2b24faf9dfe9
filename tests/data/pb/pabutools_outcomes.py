"""Compute pabutools' outcomes on the .pb files here and write them to ``pabutools_outcomes.json``.

The oracle of tests/governance/budgeting/test_oracle.py: pabutools 1.2.3 (the reference implementation,
github.com/COMSOC-Community/pabutools), its default lexicographic tie-breaking. Most rules run live in the
tests; Equal Shares with the add1 completion takes pabutools minutes on some files (Wieliczka: about 16 s,
Warsaw's Wierzbno-Wyględów and Toulouse longer), so its outcomes are stored here once. Run it again after
changing pabutools' version:

    .venv/bin/python tests/data/pb/pabutools_outcomes.py

Each rule is the pabutools call docs/budgeting.md names: greedy by votes is ``greedy_utilitarian_welfare``
with ``Cost_Sat`` (approval; a project's density is then its approvals) or points × cost (cumulative);
greedy by votes per cost with ``Cardinality_Sat`` / ``Additive_Cardinal_Sat``; Equal Shares with
``Cost_Sat`` / ``Additive_Cardinal_Sat``, add1 being ``voter_budget_increment=1``, completed by greedy
by votes through ``completion_by_rule_combination``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from pabutools.election import Additive_Cardinal_Sat, Cardinality_Sat, Cost_Sat, parse_pabulib
from pabutools.election.satisfaction import AdditiveSatisfaction
from pabutools.rules import completion_by_rule_combination, greedy_utilitarian_welfare, method_of_equal_shares

HERE = Path(__file__).resolve().parent
OUT = HERE / "pabutools_outcomes.json"


class PointsTimesCost(AdditiveSatisfaction):
    """Points × cost: pabutools' greedy divides by cost, so this ranks projects by points (greedy by votes)."""

    def __init__(self, instance, profile, ballot):
        def func(instance, profile, ballot, project, precomputed):
            return ballot.get(project, 0) * project.cost

        AdditiveSatisfaction.__init__(self, instance, profile, ballot, func)


def sat_classes(profile_type: str) -> tuple[type, type, type]:
    """(greedy by votes, greedy by votes per cost, Equal Shares) satisfaction classes."""
    if profile_type == "approval":
        return Cost_Sat, Cardinality_Sat, Cost_Sat
    return PointsTimesCost, Additive_Cardinal_Sat, Additive_Cardinal_Sat


def outcomes(path: Path, add1: bool = True) -> dict[str, list[str]]:
    instance, profile = parse_pabulib(str(path))
    votes_sat, per_cost_sat, mes_sat = sat_classes(instance.meta["vote_type"])
    greedy_votes = {"sat_class": votes_sat}
    result = {
        "greedy_votes": greedy_utilitarian_welfare(instance, profile, sat_class=votes_sat),
        "greedy_votes_per_cost": greedy_utilitarian_welfare(instance, profile, sat_class=per_cost_sat),
        "equal_shares_none": method_of_equal_shares(instance, profile, sat_class=mes_sat),
        "equal_shares_greedy": completion_by_rule_combination(
            instance,
            profile,
            [method_of_equal_shares, greedy_utilitarian_welfare],
            [{"sat_class": mes_sat}, greedy_votes],
        ),
    }
    if add1:
        started = time.perf_counter()
        result["equal_shares_add1"] = method_of_equal_shares(
            instance, profile, sat_class=mes_sat, voter_budget_increment=1
        )
        print(f"  add1: {time.perf_counter() - started:.1f} s", file=sys.stderr)
        result["equal_shares_add1_greedy"] = completion_by_rule_combination(
            instance,
            profile,
            [greedy_utilitarian_welfare],
            [greedy_votes],
            initial_budget_allocation=result["equal_shares_add1"],
        )
    return {rule: sorted(p.name for p in allocation) for rule, allocation in result.items()}


def main() -> None:
    found = {}
    for path in sorted(HERE.glob("*.pb")):
        print(path.name, file=sys.stderr)
        found[path.name] = outcomes(path)
    OUT.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
