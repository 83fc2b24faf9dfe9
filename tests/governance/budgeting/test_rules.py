"""governance.budgeting.rules: hand-worked elections, every figure checked by hand. Pure: no database."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from governance.budgeting.rules import (
    Ballot,
    Election,
    ElectionError,
    Project,
    RuleError,
    equal_shares,
    greedy,
    money,
    scores,
)


def approval(budget: int, costs: dict[str, int], ballots: list[tuple[str, ...]]) -> Election:
    return Election(
        "approval",
        Decimal(budget),
        tuple(Project(p, Decimal(c)) for p, c in costs.items()),
        tuple(Ballot(b) for b in ballots),
    )


# Budget 300, three voters: each voter's equal share is 100.
THREE_VOTERS = approval(300, {"x": 120, "y": 120, "z": 90}, [("x", "y"), ("x",), ("y", "z")])


def test_equal_shares_three_voters_worked_by_hand():
    # Round 1, cost utilities: x's two supporters pay 60 each, ρ = 60/120 = 1/2; y's likewise 1/2; z's one
    # supporter pays 90, ρ = 1. x and y tie at 1/2: the first id wins, x. Voters 1 and 2 keep 40 each.
    # Round 2: y costs 120; voter 1 has 40, voter 3 has 100. At equal payments of 60 voter 1 falls short, so
    # voter 1 pays all 40 and voter 3 the other 80: ρ = 80/120 = 2/3, better than z's 1. Voter 3 keeps 20.
    # Round 3: z's only supporter has 20 of its 90: nothing more is affordable.
    out = equal_shares(THREE_VOTERS, completion="none")
    assert out.funded == ("x", "y")
    assert (out.spent, out.left_over, out.share) == (Decimal(240), Decimal(60), Fraction(100))
    x, y, z = (out.result(p) for p in "xyz")
    assert (x.round, x.price, y.round, y.price) == (1, Fraction(1, 2), 2, Fraction(2, 3))
    groups = {g.ballot.projects: i for i, g in enumerate(out.groups)}
    v1, v2, v3 = groups[("x", "y")], groups[("x",)], groups[("y", "z")]
    assert dict(x.payments) == {v1: 60, v2: 60}
    assert dict(y.payments) == {v1: 40, v3: 80}
    assert out.paid_by(v1) == {"x": 60, "y": 40}
    assert [g.left for g in out.groups] == [0, 40, 20]
    assert x.paid_by_groups(out.groups) == 120 and y.paid_by_groups(out.groups) == 120
    assert (z.funded, z.reason, z.supporters_left) == (False, "unaffordable", Fraction(20))


# Budget 300, three voters. c (40) is voter 2's alone; a (130) voter 1's; b (260) voters 2 and 3's.
ADD1 = approval(300, {"a": 130, "b": 260, "c": 40}, [("a",), ("b", "c"), ("b",)])


def test_add1_raises_each_share_by_one_until_the_outcome_overspends():
    # With shares of 100 to 129 only c is affordable (voter 2 pays 40); a needs a share of 130, b two of
    # 130 (after c, voter 2's 89 + 129 fall short). 260 is left, so a would fit: not exhaustive, step on.
    # At a share of 130 (step 30), b (ρ = 130/260 = 1/2) then a (ρ = 1) are funded: 390 > 300. The last
    # outcome that fits is kept: step 29, c alone.
    out = equal_shares(ADD1, completion="add1")
    assert (out.funded, out.steps, out.stop, out.share) == (("c",), 29, "overspent", Fraction(129))
    assert out.left_over == 260
    # The greedy completion then funds b (2 votes) with the 260 left; a (1 vote) no longer fits.
    full = equal_shares(ADD1, completion="add1_greedy")
    assert full.funded == ("c", "b") and full.left_over == 0
    assert [(r.project, r.reason) for r in full.projects] == [
        ("c", "equal_shares"),
        ("b", "completion"),
        ("a", "unaffordable"),
    ]


def test_add1_stops_at_once_when_nothing_more_would_fit():
    out = equal_shares(THREE_VOTERS, completion="add1")  # 60 left, z costs 90
    assert (out.funded, out.steps, out.stop) == (("x", "y"), 0, "exhaustive")


# Budget 100: the four projects cost 160 in all.
FOUR = approval(
    100,
    {"p1": 60, "p2": 50, "p3": 30, "p4": 10},
    [("p1", "p2", "p3", "p4")] * 3 + [("p1", "p2")] + [("p1",)],
)


def test_greedy_by_votes_skips_or_stops_at_the_first_misfit():
    # Votes: p1 5, p2 4, p3 3, p4 3 (p3 before p4: ids in string order).
    assert scores(FOUR) == {"p1": 5, "p2": 4, "p3": 3, "p4": 3}
    skip = greedy(FOUR)
    assert skip.funded == ("p1", "p3", "p4") and skip.left_over == 0
    p2 = skip.result("p2")
    assert (p2.position, p2.budget_before, p2.reason) == (2, Decimal(40), "does_not_fit")
    stop = greedy(FOUR, stop_at_first_misfit=True)
    assert stop.funded == ("p1",) and stop.left_over == 40
    assert [r.reason for r in stop.projects] == ["funded", "does_not_fit", "after_stop", "after_stop"]


def test_greedy_by_votes_per_cost():
    # p4 3/10, p3 3/30, p1 5/60, p2 4/50: p1 (1/12) before p2 (2/25).
    out = greedy(FOUR, by="votes_per_cost")
    assert [r.project for r in out.projects] == ["p4", "p3", "p1", "p2"]
    assert out.funded == ("p4", "p3", "p1") and out.result("p4").score == Fraction(3, 10)


def test_ties_go_to_the_first_id_in_string_order():
    # As pabutools' lexicographic tie-breaking: "10" comes before "9".
    election = approval(10, {"9": 10, "10": 10}, [("9", "10")])
    assert greedy(election).funded == ("10",)
    assert equal_shares(election, completion="none").funded == ("10",)


def test_cumulative_points_are_scores_and_utilities():
    election = Election(
        "cumulative",
        Decimal(100),
        (Project("a", Decimal(60)), Project("b", Decimal(60))),
        (Ballot(("a", "b"), (1, 2), count=2), Ballot(("a",), (3,))),
    )
    assert scores(election) == {"a": 5, "b": 4}
    assert greedy(election).funded == ("a",)
    # Shares of 100/3. a: points 1, 1, 3 → 60/5 = 12 a point would ask 36 > 33⅓ of the 3-point voter, who
    # pays all 100/3; the two others (60 − 100/3)/2 = 40/3 each: ρ = 40/3 a point. b: 2 + 2 points, ρ = 15.
    # a's 40/3 is lower: a first; then b's supporters have 20 each, 40 < 60.
    out = equal_shares(election, completion="none")
    assert out.funded == ("a",) and out.result("a").price == Fraction(40, 3)
    assert sorted(amount for _, amount in out.result("a").payments) == [Fraction(40, 3), Fraction(100, 3)]
    assert out.result("b").supporters_left == 40


def test_ordinal_ballots_score_borda_and_are_refused_by_equal_shares():
    election = Election(
        "ordinal",
        Decimal(10),
        (Project("a", Decimal(5)), Project("b", Decimal(5)), Project("c", Decimal(5))),
        (Ballot(("a", "b")), Ballot(("c",))),
    )
    assert scores(election) == {"a": 3, "b": 2, "c": 3}
    assert greedy(election).funded == ("a", "c")
    with pytest.raises(RuleError, match="ordinal ballots are not counted by Equal Shares"):
        equal_shares(election)


def test_money_rounds_half_to_even_for_display_only():
    assert money(Fraction(1_000_000, 6586)) == Decimal("151.84")
    assert money(Fraction(1, 8)) == Decimal("0.12")  # 0.125: half, to the even cent
    assert money(Fraction(3, 8)) == Decimal("0.38")
    assert money(Fraction(2, 3), places=0) == Decimal("1")


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Project("a", 1.5), "the cost of project a must be a Decimal or an int, not 1.5"),
        (lambda: Project("a", Decimal(-1)), "the cost of project a must be a finite amount of at least 0, not -1"),
        (lambda: approval(10, {"a": 1, "a ": 1}, [("b",)]), "ballot 1 names an unknown project b"),
        (lambda: approval(10, {"a": 1}, [("a", "a")]), "ballot 1 names a project twice"),
        (
            lambda: Election("scoring", Decimal(1), (), ()),
            "the vote type must be one of approval, cumulative, ordinal, not 'scoring'",
        ),
        (
            lambda: Election("cumulative", Decimal(1), (Project("a", 1),), (Ballot(("a",), (0,)),)),
            "ballot 1: points must be whole numbers of at least 1",
        ),
    ],
)
def test_bad_elections_are_refused_with_the_reason(make, message):
    with pytest.raises(ElectionError) as error:
        make()
    assert str(error.value) == message


def test_unknown_completion_is_refused():
    with pytest.raises(RuleError, match="completion must be one of none, add1, greedy, add1_greedy"):
        equal_shares(THREE_VOTERS, completion="add2")  # type: ignore[arg-type]
