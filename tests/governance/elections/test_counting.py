"""governance.elections.counting: every method against worked examples and published reference counts.

Pure module, so no database and no Django. Expected figures come from outside the code under test:
``tests/data/ballots/expected_scottish.json`` (the Glasgow 2007 wards under the Scottish rules),
the reference reports that droop publishes for the same ballot files (cited by file name, e.g.
droop ``test/ref/report/SC-wigm-prf-fixed-p4-d4.txt``), published worked examples of each
method, star-server's tabulator tests, and hand counts written out in the comments.
"""

from __future__ import annotations

import json
import random
from decimal import Decimal
from fractions import Fraction
from functools import cache

import pytest

from governance.elections import counting
from governance.elections.blt import BltProfile, read_blt
from governance.elections.counting import Ballot, MarkBallot, TieBreak, TieUnresolved
from tests.datafiles import BALLOTS

GLASGOW = sorted(path.name for path in BALLOTS.glob("*-2007.blt"))
EXPECTED_SCOTTISH = json.loads((BALLOTS / "expected_scottish.json").read_text())
# droop's reference reports use the ballot (listing) order as the "predetermined random order".
LISTING = TieBreak(rules=("index",))


@cache
def profile(name: str) -> BltProfile:
    return read_blt((BALLOTS / name).read_bytes())


def tally(method: str, name: str, **kwargs) -> counting.CountResult:
    p = profile(name)
    return counting.count(method, p.ballots, p.seats, p.candidates, withdrawn=p.withdrawn, **kwargs)


def ranked(*groups: tuple[int, str]) -> list[Ballot]:
    """``(count, "A B C")`` pairs as ranked ballots."""
    return [Ballot(tuple(text.split()), count) for count, text in groups]


def d(text: str) -> Fraction:
    return Fraction(Decimal(text))


def votes_at(result: counting.CountResult, stage: int) -> dict[str, str]:
    """A stage's votes as decimal strings, for comparison with published reports."""
    return {name: result.format(v) for name, v in result.stages[stage - 1].votes.items()}


def assert_conserved(result: counting.CountResult) -> None:
    """votes + exhausted + residual = valid ballots at every stage, exactly (no float anywhere)."""
    for stage in result.stages:
        assert all(isinstance(v, Fraction) for v in stage.votes.values())
        assert stage.total == result.ballots.valid, f"stage {stage.number}: {stage.total} != {result.ballots.valid}"
        assert stage.residual >= 0 and stage.exhausted >= 0


def assert_fills_seats(result: counting.CountResult) -> None:
    running = len(result.candidates) - len(result.withdrawn)
    assert len(result.winners) == min(result.seats, running)
    assert len(set(result.winners)) == len(result.winners)


# ---------------------------------------------------------------------------------------------
# §2.1 ballot validity, §2.2 plurality and block vote, §2.3 approval
# ---------------------------------------------------------------------------------------------

FOUR = ("Alice", "Bob", "Carol", "Dave")


def grid(*rows: tuple[int, ...]) -> list[MarkBallot]:
    """star-server's vote grids: one row per ballot, one mark per candidate of FOUR."""
    return [MarkBallot(dict(zip(FOUR, row, strict=True))) for row in rows]


def test_plurality_star_server_single_winner_validity():
    # star-server Plurality.test.ts "Single Winner Test", as §2.1 summarises it: 11 valid ballots
    # (including 1 undervote) and 3 invalid (two marks out of range, one overvote).
    ballots = grid(
        *[(0, 1, 0, 0)] * 2,
        *[(0, 0, 1, 0)] * 3,
        *[(0, 0, 0, 1)] * 5,
        (0, 0, 0, 0),
        (0, 0, 0, 2),
        (0, 0, -1, 0),
        (1, 0, 0, 1),
    )
    result = counting.count_plurality(ballots, 1, FOUR)
    assert result.winners == ("Dave",)
    assert result.final_votes == {"Alice": 0, "Bob": 2, "Carol": 3, "Dave": 5}
    summary = result.ballots
    assert (summary.cast, summary.valid, summary.invalid, summary.blank) == (14, 11, 3, 1)
    assert summary.reasons == {"bad_mark": 2, "overvote": 1}
    # One mark per ballot: votes + undervotes = valid ballots.
    assert_conserved(result)
    assert result.ties == ()  # the Bob/Carol order below the winner is no tie to break


def test_block_vote_star_server_two_winners():
    ballots = grid(*[(0, 1, 0, 0)] * 2, *[(0, 0, 1, 0)] * 3, *[(0, 0, 0, 1)] * 5)
    result = counting.count_plurality(ballots, 2, FOUR)
    assert result.method == "block"
    assert result.winners == ("Dave", "Carol")


def test_block_vote_tie_across_the_cut_line_uses_the_tie_break():
    # star-server "Ties Test": Bob and Carol have 3 each. With two seats the tie crosses the cut
    # line (§2.2(3)); star-server's order [4,3,2,1] makes Carol win, which in our convention (the
    # earliest in the order is left out) is the order Alice, Bob, Carol, Dave.
    ballots = grid(*[(0, 1, 0, 0)] * 3, *[(0, 0, 1, 0)] * 3, *[(0, 0, 0, 1)] * 5)
    result = counting.count_plurality(ballots, 2, FOUR, tie_break=TieBreak(("manual",), order=FOUR))
    assert result.winners == ("Dave", "Carol")
    (tie,) = result.ties
    assert (tie.tied, tie.chosen, tie.rule, tie.purpose) == (("Bob", "Carol"), "Bob", "manual", "exclude")
    reverse = counting.count_plurality(ballots, 2, FOUR, tie_break=TieBreak(("manual",), order=FOUR[::-1]))
    assert reverse.winners == ("Dave", "Bob")
    # With one seat the same tie is inside the losing set: nothing to break.
    assert counting.count_plurality(ballots, 1, FOUR).ties == ()


def test_block_vote_validity_rules():
    ballots = [
        MarkBallot(("Alice", "Bob")),  # valid: two marks for two seats
        MarkBallot(("Alice", "Bob", "Carol")),  # overvote: more than max_marks
        MarkBallot(("Alice", "Alice")),  # one candidate marked twice
        MarkBallot({"Alice": 1, "Bob": 2}),  # a mark other than 0/1
        MarkBallot(()),  # blank: a valid undervote
        MarkBallot({"Carol": 1, "Dave": 0}, count=3),
    ]
    result = counting.count_plurality(ballots, 2, FOUR)
    assert result.ballots.reasons == {"overvote": 1, "duplicate": 1, "bad_mark": 1}
    assert (result.ballots.valid, result.ballots.blank) == (5, 1)
    assert result.final_votes == {"Alice": 1, "Bob": 1, "Carol": 3, "Dave": 0}
    # max_marks is a setting: allowing three marks makes the second ballot valid.
    wider = counting.count_plurality(ballots, 2, FOUR, max_marks=3)
    assert wider.ballots.reasons == {"duplicate": 1, "bad_mark": 1}


def test_block_vote_reads_ranked_ballots_as_their_first_preferences():
    ballots = [*ranked((3, "Alice Bob Carol"), (2, "Carol Dave")), Ballot(("Dave", ("Alice", "Bob")))]
    result = counting.count_plurality(ballots, 2, FOUR)
    # Two seats: the first two preferences are the marks (Carol, third on three ballots, gets
    # none from them). "Dave, Alice=Bob" marks three candidates in two ranks: an overvote.
    assert result.ballots.reasons == {"overvote": 1}
    assert result.final_votes == {"Alice": 3, "Bob": 3, "Carol": 2, "Dave": 2}


def test_approval_star_server_single_winner():
    ballots = grid(
        (1, 1, 1, 1),  # approving everyone is valid
        *[(0, 1, 1, 1)] * 2,
        *[(0, 0, 1, 1)] * 3,
        (0, 0, 0, 1),
        (0, 0, 0, 0),
        (0, 0, 0, 2),
        (0, 0, -1, 0),
    )
    result = counting.count_approval(ballots, 1, FOUR)
    assert result.winners == ("Dave",)
    assert result.final_votes == {"Alice": 1, "Bob": 3, "Carol": 6, "Dave": 7}
    assert (result.ballots.valid, result.ballots.blank, result.ballots.invalid) == (8, 1, 2)
    two = counting.count_approval(ballots, 2, FOUR)
    assert two.winners == ("Dave", "Carol")


def test_approval_majority_required():
    # cfg majority_required (§2.3, Helios "absolute"): of 5 valid ballots a winner needs
    # floor(5/2)+1 = 3 approvals, else the seat stays empty.
    ballots = [MarkBallot(("Alice",), 2), MarkBallot(("Alice", "Bob")), MarkBallot(("Bob",)), MarkBallot(("Carol",))]
    strict = counting.count_approval(ballots, 1, FOUR, majority_required=True)
    assert (strict.winners, strict.quota) == (("Alice",), 3)
    short = [MarkBallot(("Alice",), 2), MarkBallot(("Bob",)), MarkBallot(("Carol",)), MarkBallot(())]
    assert counting.count_approval(short, 1, FOUR).winners == ("Alice",)  # first, with 2 of 5
    nobody = counting.count_approval(short, 1, FOUR, majority_required=True)
    assert nobody.winners == ()
    assert nobody.stages[0].description == "nobody elected (a winner needs 3 votes)"


def test_unknown_candidate_on_a_ballot_is_a_data_error():
    with pytest.raises(ValueError, match="'Zed', who is not a candidate"):
        counting.count_plurality([MarkBallot(("Zed",))], 1, FOUR)
    with pytest.raises(ValueError, match="'Zed'"):
        counting.count_scottish_stv(ranked((1, "Alice Zed")), 1, FOUR)


# ---------------------------------------------------------------------------------------------
# §2.1 ranked ballots
# ---------------------------------------------------------------------------------------------


def test_blank_ranked_ballots_are_not_valid_and_not_in_the_quota():
    # §2.1: droop drops M135's two empty ballots, so the exact quota is 677/8, not 679/8.
    wigm = tally("wigm", "M135.blt", tie_break=LISTING)
    assert wigm.quota == Fraction(677, 8)
    assert (wigm.ballots.cast, wigm.ballots.valid, wigm.ballots.blank) == (679, 677, 2)
    assert wigm.ballots.reasons == {"blank": 2}
    assert tally("meek", "M135.blt", tie_break=LISTING).stages[0].quota == Fraction(677, 8)
    assert tally("scottish-stv", "M135.blt").quota == 677 // 8 + 1  # rule 46


def test_duplicate_rule():
    ballots = [Ballot(("A", "B", "A", "C")), *ranked((1, "C"), (1, "B"))]
    first = counting.count_irv(ballots, ("A", "B", "C"))
    # "first": A counts only at its first position, so the ballot reads A, B, C.
    assert first.ballots.valid == 3 and first.stages[0].votes["A"] == 1
    invalid = counting.count_irv(ballots, ("A", "B", "C"), duplicate_rule="invalid")
    assert invalid.ballots.reasons == {"duplicate": 1}
    with pytest.raises(ValueError, match="duplicate_rule"):
        counting.count_irv(ballots, ("A", "B", "C"), duplicate_rule="last")


def test_overvote_rule():
    names = ("A", "B", "C", "D")
    ballots = [Ballot(("A", ("B", "C"), "D"), 2), Ballot((("A", "B"), "C")), Ballot(("D",), 4)]
    exhaust = counting.count_irv(ballots, names)
    # "exhaust": the ballot stops at the overvoted rank; an overvoted first rank leaves nothing.
    assert exhaust.ballots.reasons == {"overvote": 1}
    assert exhaust.stages[0].votes == {"A": 2, "B": 0, "C": 0, "D": 4}
    skip = counting.count_irv(ballots, names, overvote_rule="skip")
    # "skip" (Burlington): pass over the overvoted rank to the next one.
    assert skip.ballots.valid == 7
    assert skip.stages[0].votes == {"A": 2, "B": 0, "C": 1, "D": 4}


def test_withdrawn_candidates_are_passed_over():
    ballots = ranked((3, "B C"), (2, "B"), (4, "A"))
    result = counting.count_scottish_stv(ballots, 1, ("A", "B", "C"), withdrawn=("B",))
    assert result.ballots.reasons == {"blank": 2}  # a ballot for B alone has no valid preference
    assert result.stages[0].votes == {"A": 4, "C": 3}
    assert result.winners == ("A",)
    assert result.stages[0].status["B"] == "withdrawn"


# ---------------------------------------------------------------------------------------------
# §2.4 instant runoff
# ---------------------------------------------------------------------------------------------

# The Tennessee capital example (Wikipedia "Instant-runoff voting"; issue §10): voters in
# percent, ranking the cities by distance from home.
TENNESSEE = ranked(
    (42, "Memphis Nashville Chattanooga Knoxville"),
    (26, "Nashville Chattanooga Knoxville Memphis"),
    (15, "Chattanooga Knoxville Nashville Memphis"),
    (17, "Knoxville Chattanooga Nashville Memphis"),
)
CITIES = ("Memphis", "Nashville", "Chattanooga", "Knoxville")


def test_tennessee_plurality_elects_memphis():
    result = counting.count_plurality(TENNESSEE, 1, CITIES)
    assert result.winners == ("Memphis",)
    assert result.final_votes == {"Memphis": 42, "Nashville": 26, "Chattanooga": 15, "Knoxville": 17}


def test_tennessee_irv_elects_knoxville():
    result = counting.count_irv(TENNESSEE, CITIES)
    assert result.winners == ("Knoxville",)
    stages = result.stages
    assert [s.action for s in stages] == ["first_preferences", "exclusion", "exclusion"]
    assert stages[1].excluded == ("Chattanooga",)
    assert stages[1].votes == {"Memphis": 42, "Nashville": 26, "Chattanooga": 0, "Knoxville": 32}
    assert stages[1].transfers["Knoxville"] == 15
    assert stages[2].excluded == ("Nashville",)
    # Nashville's next choice, Chattanooga, is out: its ballots go on to Knoxville (58 > 50).
    assert stages[2].votes == {"Memphis": 42, "Nashville": 0, "Chattanooga": 0, "Knoxville": 58}
    assert stages[2].elected == ("Knoxville",)
    assert_conserved(result)
    # One seat of STV is IRV: the Scottish rules agree.
    assert counting.count_scottish_stv(TENNESSEE, 1, CITIES).winners == ("Knoxville",)


def test_irv_majority_is_of_continuing_ballots():
    # After C's exclusion its 2 ballots exhaust: A's 4 of 7 continuing ballots is a majority,
    # though not of the 9 cast (§2.4(2)).
    result = counting.count_irv(ranked((4, "A"), (3, "B"), (2, "C")), ("A", "B", "C"))
    assert result.winners == ("A",)
    assert result.stages[-1].exhausted == 2
    assert result.stages[-1].quota == 4  # more than half of 7


def test_irv_batch_elimination_changes_the_table_not_the_winner():
    ballots = ranked((10, "A"), (9, "B"), (2, "C B"), (1, "D C"))
    one_by_one = counting.count_irv(ballots, ("A", "B", "C", "D"))
    batch = counting.count_irv(ballots, ("A", "B", "C", "D"), batch_elimination=True)
    assert one_by_one.winners == batch.winners == ("B",)
    # D (1) and C (2) together are below B (9): excluded in one stage (§2.4(4)).
    assert batch.stages[1].excluded == ("C", "D")
    assert len(batch.stages) == len(one_by_one.stages) - 1


def test_prior_stage_backward_and_forward_differ():
    # Stage 1: P 5 < Q 6. Stage 2 (S out, to P): P 8 > Q 6. Stage 3 (R out, 2 to Q, 2 exhaust):
    # P 8 = Q 8, and T 15 of 31 is no majority. Backward looks at stage 2 (Q lower, excluded);
    # forward at stage 1 (P lower, excluded).
    ballots = ranked((5, "P"), (6, "Q"), (2, "R Q"), (2, "R"), (3, "S P"), (15, "T"))
    names = ("P", "Q", "R", "S", "T")
    backward = counting.count_irv(ballots, names, tie_break=TieBreak(("prior_stage_backward",)))
    (tie,) = backward.ties
    assert (tie.tied, tie.chosen, tie.stage, tie.rule) == (("P", "Q"), "Q", 2, "prior_stage_backward")
    assert backward.stages[3].excluded == ("Q",)
    forward = counting.count_irv(ballots, names, tie_break=TieBreak(("prior_stage_forward",)))
    (tie,) = forward.ties
    assert (tie.chosen, tie.stage) == ("P", 1)
    assert backward.winners == forward.winners == ("T",)


def test_a_tie_the_rules_cannot_settle_is_reported():
    ballots = ranked((2, "A"), (2, "B"), (3, "C"))
    with pytest.raises(TieUnresolved) as excinfo:
        counting.count_irv(ballots, ("A", "B", "C"), tie_break=TieBreak(("prior_stage_backward",)))
    assert excinfo.value.tied == ("A", "B")
    assert "manual order" in str(excinfo.value)


def test_no_valid_ballots_still_fills_the_seats_by_tie_break():
    tie_break = TieBreak(("index",))
    assert counting.count_irv([Ballot(())], ("A", "B"), tie_break=tie_break).winners == ("B",)
    assert len(counting.count_scottish_stv([], 2, ("A", "B", "C"), tie_break=tie_break).winners) == 2
    assert counting.count_plurality([], 1, ("A", "B"), tie_break=tie_break).winners == ("B",)
    assert len(counting.count_meek([], 1, ("A", "B"), variant="prf", tie_break=tie_break).winners) == 1


# ---------------------------------------------------------------------------------------------
# §2.6.1 Scottish STV
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ward", sorted(EXPECTED_SCOTTISH))
def test_glasgow_wards_reproduce_the_expected_scottish_results(ward):
    expected = EXPECTED_SCOTTISH[ward]
    result = tally("scottish-stv", ward)
    assert result.seats == expected["seats"]
    assert sorted(result.winners) == sorted(expected["elected"])
    final = {name: result.final_votes[name] for name in result.winners}
    # Exactly, to five decimals: both as numbers and as printed.
    assert final == {name: d(text) for name, text in expected["final_votes_of_elected"].items()}
    assert {name: result.format(v) for name, v in final.items()} == expected["final_votes_of_elected"]


@pytest.mark.parametrize("ward", GLASGOW)
def test_every_glasgow_ward_counts(ward):
    result = tally("scottish-stv", ward)
    assert len(GLASGOW) == 21
    assert_fills_seats(result)
    assert_conserved(result)
    valid = result.ballots.valid
    assert result.quota == valid // (result.seats + 1) + 1  # rule 46
    for stage in result.stages:
        # Rule 48(3): every value is a whole number of hundred-thousandths.
        assert all((v * 10**5).denominator == 1 for v in stage.votes.values())
        assert (stage.residual * 10**5).denominator == 1
    residuals = [s.residual for s in result.stages]
    assert residuals == sorted(residuals)  # truncation only ever loses
    assert result.stages[0].action == "first_preferences"


def test_springburn_round_table():
    result = tally("scottish-stv", "Springburn-2007.blt")
    assert result.winners == ("Allan Stewart", "James Todd", "Phil Greene")  # order of election
    assert [s.description for s in result.stages] == [
        "first preferences",
        "surplus of Allan Stewart (399.00000) transferred",
        "surplus of James Todd (84.68116) transferred",
        "exclusion of Robert G C Sawers",
        "exclusion of Margaret Bean",
    ]
    stage2 = result.stages[1]
    assert stage2.votes["Allan Stewart"] == 1353  # keeps exactly the quota
    assert stage2.transfers["Allan Stewart"] == -399
    assert stage2.elected == ("James Todd",)
    assert result.format(stage2.residual) == "0.01704"
    # The residual is what truncation lost: surplus - transferred - non-transferable.
    moved = sum(v for name, v in stage2.transfers.items() if name != "Allan Stewart")
    assert 399 - moved - stage2.exhausted_change == stage2.residual_change
    assert result.stages[-1].elected == ("Phil Greene",)
    assert result.format(result.stages[-1].votes["Phil Greene"]) == "1374.08557"


def test_the_order_of_the_ballots_does_not_change_the_count():
    p = profile("Springburn-2007.blt")
    forward = counting.count_scottish_stv(p.ballots, p.seats, p.candidates)
    shuffled = list(p.ballots)
    random.Random(2007).shuffle(shuffled)
    backward = counting.count_scottish_stv(shuffled, p.seats, p.candidates)
    assert backward.winners == forward.winners
    assert [s.votes for s in backward.stages] == [s.votes for s in forward.stages]


def test_wikipedia_stv_example():
    # Wikipedia "Single transferable vote", the food election: 20 voters, 3 seats, quota 6.
    ballots = ranked(
        (4, "Oranges"),
        (2, "Pears Oranges"),
        (8, "Chocolate Strawberries"),
        (4, "Chocolate Hamburgers"),
        (1, "Strawberries"),
        (1, "Hamburgers"),
    )
    names = ("Oranges", "Pears", "Chocolate", "Strawberries", "Hamburgers")
    result = counting.count_scottish_stv(ballots, 3, names)
    assert result.quota == 6
    assert result.winners == ("Chocolate", "Oranges", "Strawberries")
    s = result.stages
    assert s[0].elected == ("Chocolate",)
    # Chocolate's surplus of 6 moves 12 papers at 6/12 = 0.5 each.
    assert s[1].votes == {"Oranges": 4, "Pears": 2, "Chocolate": 6, "Strawberries": 5, "Hamburgers": 3}
    assert (s[2].excluded, s[2].elected) == (("Pears",), ("Oranges",))
    # Oranges reach the quota exactly: no surplus (rule 48(1)). Hamburgers go; their papers have
    # no further preference.
    assert s[3].excluded == ("Hamburgers",)
    assert s[3].exhausted == 3
    assert (s[4].action, s[4].elected) == ("last_vacancies", ("Strawberries",))
    assert_conserved(result)


def test_surplus_values_are_truncated_to_five_decimals():
    # Rule 48(3): 3 x 1 / 7 = 0.428571... is truncated to 0.42857, so B gets 7 x 0.42857 =
    # 2.99999 and 0.00001 is the residual.
    result = counting.count_scottish_stv(ranked((7, "A B"), (3, "C")), 2, ("A", "B", "C"))
    assert result.quota == 4
    stage2 = result.stages[1]
    assert stage2.votes == {"A": 4, "B": d("2.99999"), "C": 3}
    assert stage2.residual == d("0.00001")
    # B (2.99999) is now lowest: excluded; C fills the last vacancy (rule 52).
    assert result.stages[2].excluded == ("B",)
    assert result.stages[2].exhausted == d("2.99999")
    assert result.winners == ("A", "C")


def test_equal_surpluses_rule_49_2():
    # X's surplus (11 of 22, value 0.5) lifts A (7 + 5) and B (6 + 6) to 12 each, both over the
    # quota of 11. Their surpluses are equal; A had more at stage 1, so A's goes first (rule 49(2)).
    # B is listed before A, so listing order would have chosen B.
    ballots = ranked((10, "X A"), (12, "X B"), (7, "A D"), (6, "B E"), (8, "D"), (7, "E"))
    result = counting.count_scottish_stv(ballots, 4, ("X", "B", "A", "D", "E"))
    assert result.quota == 11
    assert result.stages[1].elected == ("B", "A")  # equal votes: listed in ballot order, for display
    stage3 = result.stages[2]
    assert stage3.subjects == ("A",)
    (tie,) = stage3.ties
    assert (tie.purpose, tie.tied, tie.chosen, tie.rule, tie.stage) == (
        "surplus",
        ("B", "A"),
        "A",
        "prior_stage_backward",
        1,
    )
    # A's 7 own papers go to D at 1/12 -> 0.08333; the 10 from X have no next preference.
    assert stage3.votes["D"] == 8 + 7 * d("0.08333")
    assert stage3.exhausted_change == 10 * d("0.04166")
    assert result.winners == ("X", "B", "A", "D")
    assert_conserved(result)


# ---------------------------------------------------------------------------------------------
# §2.5 quotas and §2.7 tie-breaking: droop's tie profiles 42, 42t and 513
# ---------------------------------------------------------------------------------------------


def test_42_integer_quota_has_no_tie():
    # §2.5: on the 6-ballot profile the integer quota is 3 and there is no tie (droop
    # 42-scotland-fixed-p5-d5: Castor, then Helen as the last vacancy).
    result = tally("scottish-stv", "42.blt")
    assert result.quota == 3
    assert result.winners == ("Castor", "Helen")
    assert result.ties == ()


def test_42_exact_quota_creates_a_tie_settled_by_prior_stage():
    # §2.5: with the exact quota 2 (> to be elected), Castor's surplus of 2 gives Pollux 2 = Helen 2.
    result = tally("wigm", "42.blt")
    assert result.quota == 2
    (tie,) = result.ties
    # The default: prior stage backward first. At stage 1 Pollux had 0, Helen 2.
    assert (tie.tied, tie.chosen, tie.rule, tie.stage) == (("Pollux", "Helen"), "Pollux", "prior_stage_backward", 1)
    assert result.winners == ("Castor", "Helen")


def test_42_and_42t_differ_only_in_tie_order_and_the_winner_changes():
    # §2.6.2: identical ballots, different [tie] lines; droop 42-wigm-rational-d12 elects Helen,
    # 42t-wigm-rational-d12 elects Pollux.
    assert tally("wigm", "42.blt", tie_break=LISTING).winners == ("Castor", "Helen")
    p42t = profile("42t.blt")
    assert p42t.tie_order == ("Helen", "Pollux", "Castor")
    by_line = tally("wigm", "42t.blt", tie_break=TieBreak(("predetermined",), order=p42t.tie_order))
    assert by_line.winners == ("Castor", "Pollux")
    (tie,) = by_line.ties
    assert (tie.chosen, tie.rule) == ("Helen", "predetermined")
    # The product default looks at the prior stage before any order, so the [tie] line is not reached.
    default = tally("wigm", "42t.blt", tie_break=counting.default_tie_break("wigm", order=p42t.tie_order))
    assert default.winners == ("Castor", "Helen")


def test_seeded_random_order_is_drawn_before_the_count_recorded_and_reproducible():
    outcomes = {}
    for seed in range(40):
        result = tally("wigm", "42.blt", tie_break=TieBreak(("random",), seed=seed))
        # The order is random.Random(seed) applied to listing order, whether or not a tie occurs.
        expected = ["Castor", "Pollux", "Helen"]
        random.Random(seed).shuffle(expected)
        assert result.random_order == tuple(expected)
        assert result.tie_break.seed == seed
        (tie,) = result.ties
        assert tie.rule == "random" and tie.seed == seed
        assert tie.chosen == min(("Pollux", "Helen"), key=expected.index)
        again = tally("wigm", "42.blt", tie_break=TieBreak(("random",), seed=seed))
        assert again == result
        outcomes.setdefault(result.winners, seed)
    # The seed matters: both outcomes occur.
    assert set(outcomes) == {("Castor", "Helen"), ("Castor", "Pollux")}


def test_random_without_a_seed_draws_one_and_records_it():
    first = tally("wigm", "42.blt", tie_break=TieBreak(("random",)))
    seed = first.tie_break.seed
    assert isinstance(seed, int)
    again = tally("wigm", "42.blt", tie_break=TieBreak(("random",), seed=seed))
    assert (again.random_order, again.winners) == (first.random_order, first.winners)


def test_lot_is_recorded_and_reproducible_from_its_seed():
    result = tally("wigm", "42.blt", tie_break=TieBreak(("lot",), seed=5))
    (tie,) = result.ties
    assert (tie.rule, tie.seed) == ("lot", 5)
    assert "draw 1" in tie.explanation
    assert tally("wigm", "42.blt", tie_break=TieBreak(("lot",), seed=5)).winners == result.winners


def test_manual_order():
    result = tally("wigm", "42.blt", tie_break=TieBreak(("manual",), order=("Helen", "Pollux")))
    assert result.winners == ("Castor", "Pollux")
    assert result.ties[0].rule == "manual"
    # An order that does not name every tied candidate cannot decide: the administrator must.
    with pytest.raises(TieUnresolved) as excinfo:
        tally("wigm", "42.blt", tie_break=TieBreak(("manual",), order=("Castor",)))
    assert (excinfo.value.tied, excinfo.value.purpose, excinfo.value.stage) == (("Pollux", "Helen"), "exclude", 3)


def test_513():
    # Integer quota 4: Castor's surplus of 1 leaves Pollux 2 below Helen 3, no tie (droop
    # 513-scotland-fixed-p5-d5). Exact quota 3: Pollux 3 = Helen 3; Pollux had 1 at stage 1.
    scottish = tally("scottish-stv", "513.blt")
    assert (scottish.winners, scottish.ties) == (("Castor", "Helen"), ())
    assert scottish.stages[1].votes == {"Castor": 4, "Pollux": 2, "Helen": 3}
    exact = tally("wigm", "513.blt")
    assert exact.winners == ("Castor", "Helen")
    assert (exact.ties[0].rule, exact.ties[0].stage) == ("prior_stage_backward", 1)
    reverse = tally("wigm", "513.blt", tie_break=TieBreak(("manual",), order=("Helen", "Pollux", "Castor")))
    assert reverse.winners == ("Castor", "Pollux")
    meek = tally("meek", "513.blt")
    assert meek.winners == ("Castor", "Helen")
    assert meek.ties[0].rule == "prior_stage_backward"


def test_seven_ballot_tie_example():
    # §2.5, droop test/blt/mpls/tie.blt: 5 "Castor Pollux", 2 "Helen", 2 seats. The integer quota 3
    # leaves Pollux 2 = Helen 2 (droop's reference, listing order for the lot, elects Helen); the
    # exact quota 7/3 elects Pollux outright (5 - 7/3 = 8/3 > 7/3).
    ballots = ranked((5, "Castor Pollux"), (2, "Helen"))
    names = ("Castor", "Pollux", "Helen")
    integer = counting.count_scottish_stv(ballots, 2, names, tie_break=LISTING)
    assert integer.quota == 3
    assert integer.winners == ("Castor", "Helen")
    assert integer.ties[0].tied == ("Pollux", "Helen")
    exact = counting.count_wigm(ballots, 2, names, variant="exact")
    assert exact.quota == Fraction(7, 3)
    assert exact.winners == ("Castor", "Pollux")
    assert exact.ties == ()


# ---------------------------------------------------------------------------------------------
# §2.6.2 WIGM and §2.6.3 Meek on M135 and the GPUS 2005 committee (SC.blt)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["M135.blt", "SC.blt"])
@pytest.mark.parametrize("method", ["wigm", "wigm-prf", "meek", "meek-prf", "scottish-stv"])
def test_m135_and_sc_count_with_conserved_votes(name, method):
    result = tally(method, name, tie_break=TieBreak(("prior_stage_backward", "random"), seed=12))
    assert_fills_seats(result)
    assert_conserved(result)
    if method.startswith("wigm") or method == "scottish-stv":
        exhausted = [s.exhausted for s in result.stages]
        residual = [s.residual for s in result.stages]
        assert exhausted == sorted(exhausted) and residual == sorted(residual)
    if method.endswith("prf"):
        places = 4 if method == "wigm-prf" else 9
        assert all((v * 10**places).denominator == 1 for s in result.stages for v in s.votes.values())


def test_sc_wigm_prf_matches_droops_reference_report():
    # droop test/ref/report/SC-wigm-prf-fixed-p4-d4.txt (ties by listing order).
    result = tally("wigm-prf", "SC.blt", tie_break=LISTING)
    assert result.quota == d("18.8001")  # 94/5 + 0.0001
    assert result.winners == ("Rebecca Rotzler", "Pat LaMarche", "Steve Kramer", "Tom Sevigny")
    descriptions = [s.description for s in result.stages]
    assert descriptions[1] == "surplus of Rebecca Rotzler (14.1999) transferred"
    assert descriptions[2] == "surplus of Pat LaMarche (3.1999) transferred"
    after_rotzler = votes_at(result, 2)
    assert (after_rotzler["Budd Dickinson"], after_rotzler["Kristen Olsen"]) == ("6.8606", "12.6181")
    after_lamarche = result.stages[2]
    assert result.format(after_lamarche.votes["Steve Kramer"]) == "18.5816"
    assert result.format(after_lamarche.residual) == "0.0011"
    tie = result.stages[3].ties[0]
    assert (tie.tied, tie.chosen) == (("Write-In 2", "Write-In 1", "Steve Greenfield", "Jimmy Leas"), "Write-In 2")
    kramer = next(s for s in result.stages if s.subjects == ("Steve Kramer",))
    assert kramer.description == "surplus of Steve Kramer (0.9269) transferred"
    assert (result.format(kramer.exhausted), result.format(kramer.residual)) == ("0.0068", "0.0029")
    budd = next(s for s in result.stages if s.excluded == ("Budd Dickinson",))
    assert votes_at(result, budd.number)["Tom Sevigny"] == "16.8969"
    assert votes_at(result, budd.number)["Kristen Olsen"] == "16.8292"
    assert result.format(budd.exhausted) == "3.8707"


def test_m135_wigm_prf_and_scottish_match_droops_final_figures():
    # droop M135-wigm-prf-fixed-p4-d4.txt and M135-scotland-fixed-p5-d5.txt, "Count Complete".
    prf = tally("wigm-prf", "M135.blt", tie_break=LISTING)
    assert sorted(prf.winners, key=lambda n: int(n[1:])) == ["C1", "C2", "C3", "C4", "C6", "C9", "C10"]
    final = {name: prf.format(prf.final_votes[name]) for name in ("C3", "C4", "C6", "C9", "C10")}
    assert final == {"C3": "92.3025", "C4": "86.9879", "C6": "93.5872", "C9": "82.2524", "C10": "81.3415"}
    assert (prf.format(prf.stages[-1].exhausted), prf.format(prf.stages[-1].residual)) == ("71.2606", "0.0177")
    scottish = tally("scottish-stv", "M135.blt", tie_break=LISTING)
    final = {name: scottish.format(scottish.final_votes[name]) for name in ("C3", "C4", "C6", "C9", "C10")}
    assert final == {"C3": "92.11386", "C4": "86.92718", "C6": "93.41548", "C9": "82.18064", "C10": "81.25831"}
    last = scottish.stages[-1]
    assert (scottish.format(last.exhausted), scottish.format(last.residual)) == ("71.10325", "0.00128")


def test_defeat_sure_losers_changes_the_table_not_the_result():
    # §2.6.4 (PRF WIGM B.2).
    for name in ("SC.blt", "M135.blt"):
        single = tally("wigm-prf", name, tie_break=LISTING)
        batch = tally("wigm-prf", name, tie_break=LISTING, options={"defeat_sure_losers": True})
        assert batch.winners == single.winners
        assert "sure_losers" in {s.action for s in batch.stages}
        assert len(batch.stages) < len(single.stages)
        assert_conserved(batch)


def test_sc_wigm_prf_sure_losers_match_droops_reference_report():
    # droop SC-wigm-prf-batch-fixed-p4-d4.txt: after LaMarche's surplus, seven sure losers go at
    # once (B.2, counted with pending surpluses, before any further surplus transfer).
    result = tally("wigm-prf", "SC.blt", tie_break=LISTING, options={"defeat_sure_losers": True})
    batch = result.stages[3]
    assert batch.action == "sure_losers"
    assert set(batch.excluded) == {
        "Kirit Mookerjee",
        "Michael Piacsek",
        "Write-In 2",
        "Jason Jones",
        "Write-In 1",
        "Steve Greenfield",
        "Jimmy Leas",
    }
    shown = {name: v for name, v in votes_at(result, 4).items() if batch.votes[name]}
    assert shown == {
        "Budd Dickinson": "8.8784",
        "Tom Sevigny": "10.4481",
        "Pat LaMarche": "18.8001",
        "Rebecca Rotzler": "18.8001",
        "Kristen Olsen": "15.7695",
        "Steve Kramer": "21.3027",
    }
    kramer = result.stages[4]
    assert kramer.description == "surplus of Steve Kramer (2.5026) transferred"
    assert (result.format(kramer.exhausted), result.format(kramer.residual)) == ("0.2019", "0.0032")
    budd = result.stages[5]
    assert budd.excluded == ("Budd Dickinson",)
    assert (votes_at(result, 6)["Tom Sevigny"], votes_at(result, 6)["Kristen Olsen"]) == ("17.6349", "16.9099")
    assert result.format(budd.exhausted) == "3.0517"
    assert result.winners == ("Rebecca Rotzler", "Pat LaMarche", "Steve Kramer", "Tom Sevigny")


def test_sc_meek_elects_olsen_where_every_wigm_elects_sevigny():
    # §2.6.3: on the GPUS 2005 ballots Meek elects Olsen, every WIGM variant Sevigny.
    for method in ("meek", "meek-prf"):
        winners = tally(method, "SC.blt").winners
        assert "Kristen Olsen" in winners and "Tom Sevigny" not in winners, method
    for method in ("wigm", "wigm-prf", "scottish-stv"):
        winners = tally(method, "SC.blt").winners
        assert "Tom Sevigny" in winners and "Kristen Olsen" not in winners, method


def test_sc_meek_prf_matches_droops_reference_report():
    # droop SC-meek-prf-o6-fixed-p9-d9.txt, round 11 "Elect: Kristen Olsen".
    result = tally("meek-prf", "SC.blt", tie_break=LISTING)
    assert result.winners == ("Rebecca Rotzler", "Pat LaMarche", "Steve Kramer", "Kristen Olsen")
    olsen = result.stages[-1]
    assert olsen.elected == ("Kristen Olsen",)
    assert result.format(olsen.quota) == "18.586296861"
    assert votes_at(result, olsen.number) == {
        "Budd Dickinson": "0.000000000",
        "Kirit Mookerjee": "0.000000000",
        "Tom Sevigny": "16.482212783",
        "Pat LaMarche": "19.087429756",
        "Michael Piacsek": "0.000000000",
        "Write-In 2": "0.000000000",
        "Rebecca Rotzler": "19.073682122",
        "Kristen Olsen": "19.085721549",
        "Jason Jones": "0.000000000",
        "Write-In 1": "0.000000000",
        "Steve Greenfield": "0.000000000",
        "Jimmy Leas": "0.000000000",
        "Steve Kramer": "19.202438090",
    }
    assert result.format(olsen.exhausted) == "1.068515700"
    piacsek = next(s for s in result.stages if s.excluded == ("Michael Piacsek",))
    assert result.format(piacsek.surplus) == "0.000000906"


def test_sc_meek_exact_matches_droops_rational_reference():
    # droop SC-meek-o10-rational-d12.txt (parametric Meek, omega 10**-10, which defeats sure
    # losers by default), round 6 "Elect: Kristen Olsen", to all 12 printed places.
    result = tally("meek", "SC.blt", tie_break=LISTING, options={"defeat_sure_losers": True})
    olsen = result.stages[-1]
    assert olsen.elected == ("Kristen Olsen",)
    shown = {
        name: v for name, v in votes_at(result, olsen.number).items() if name in result.winners or "Sevigny" in name
    }
    assert shown == {
        "Tom Sevigny": "16.382856043283",
        "Pat LaMarche": "19.169509130428",
        "Rebecca Rotzler": "19.150381530598",
        "Kristen Olsen": "18.981163611635",
        "Steve Kramer": "19.273698095036",
    }
    assert result.format(olsen.quota) == "18.591521682196"
    assert result.format(olsen.exhausted) == "1.042391589020"


def test_voting_matters_12_exact_meek_elects_x_and_prf_meek_elects_y():
    # §2.6.3: exact Meek elects X, 9-digit PRF Meek elects Y.
    exact = tally("meek", "SC-Vm-12.blt", tie_break=LISTING)
    assert exact.winners == ("A", "B", "X")
    prf = tally("meek-prf", "SC-Vm-12.blt", tie_break=LISTING)
    assert prf.winners == ("A", "B", "Y")
    # droop SC-Vm-12-meek-prf-o6-fixed-p9-d9.txt: X, Y and Z are within the surplus of each other
    # and so tied; the predetermined (listing) order defeats X.
    (tie,) = prf.ties
    assert (tie.tied, tie.chosen) == (("X", "Y", "Z"), "X")
    y = prf.stages[-1]
    assert votes_at(prf, y.number) == {
        "A": "800.584418564",
        "B": "800.584418564",
        "X": "0.000000000",
        "Y": "800.596982770",
        "Z": "800.556768208",
    }
    assert prf.format(y.quota) == "800.580647027"
    # droop SC-Vm-12-meek-o10-rational-d12.txt, with its sure-loser defeats: Z goes, X elected.
    batch = tally("meek", "SC-Vm-12.blt", tie_break=LISTING, options={"defeat_sure_losers": True})
    assert batch.stages[2].excluded == ("Z",)
    assert votes_at(batch, 3)["Z"] == "667.166666581838"
    x = batch.stages[-1]
    assert votes_at(batch, x.number) == {
        "A": "800.642779367875",
        "B": "800.642779367875",
        "X": "800.638465678227",
        "Y": "800.558083370054",
        "Z": "0.000000000000",
    }
    assert batch.format(x.quota) == "800.620526946008"


def test_m135_meek_prf_matches_droops_reference_report():
    # droop M135-meek-prf-o6-fixed-p9-d9.txt, round 23 "Elect: C10".
    result = tally("meek-prf", "M135.blt", tie_break=LISTING)
    assert result.winners == ("C1", "C2", "C6", "C3", "C4", "C9", "C10")
    last = result.stages[-1]
    assert last.elected == ("C10",)
    shown = {name: v for name, v in votes_at(result, last.number).items() if last.votes[name]}
    assert shown == {
        "C1": "77.372250056",
        "C2": "77.391489497",
        "C3": "77.397756244",
        "C4": "77.386416154",
        "C6": "77.394607081",
        "C9": "77.392755868",
        "C10": "77.370062211",
        "C11": "77.098105514",
    }
    assert result.format(last.quota) == "77.350430329"
    assert result.format(last.exhausted) == "58.196557375"


def test_meek_settings():
    coarse = tally("meek", "SC.blt", options={"omega": "1e-6", "keep_factor_places": 12})
    assert coarse.options["omega"] == Fraction(1, 10**6)
    assert "Kristen Olsen" in coarse.winners
    keep = coarse.stages[-1].keep_factors
    assert keep is not None and all((k * 10**12).denominator == 1 for k in keep.values())
    with pytest.raises(ValueError, match="PR Foundation Meek rule fixes"):
        counting.count_meek([], 1, ("A",), variant="prf", omega=1)


# ---------------------------------------------------------------------------------------------
# The entry point and the outputs
# ---------------------------------------------------------------------------------------------


def test_count_dispatches_and_checks_options():
    ballots = ranked((3, "A B"), (2, "B"), (2, "C"))
    names = ("A", "B", "C")
    seeded = TieBreak(seed=1)
    assert counting.count("stv", ballots, 1, names, tie_break=seeded) == counting.count_scottish_stv(
        ballots, 1, names, tie_break=seeded
    )
    with pytest.raises(ValueError, match="does not take option 'omega'"):
        counting.count("scottish-stv", ballots, 1, names, options={"omega": 1})
    with pytest.raises(ValueError, match="unknown counting method"):
        counting.count("borda", ballots, 1, names)
    with pytest.raises(ValueError, match="one seat"):
        counting.count("irv", ballots, 2, names)
    with pytest.raises(ValueError, match="listed twice"):
        counting.count("irv", ballots, 1, ("A", "A"))
    with pytest.raises(ValueError, match="seats"):
        counting.count("meek", ballots, 0, names)
    assert counting.method_options("irv") == ("batch_elimination", "duplicate_rule", "overvote_rule")
    assert counting.count("irv", ballots, 1, names, options={"batch_elimination": True}).winners == ("A",)


def test_tie_break_validation():
    with pytest.raises(ValueError, match="unknown tie-break rule"):
        TieBreak(("coin",))
    with pytest.raises(ValueError, match="need an order"):
        TieBreak(("manual",))
    with pytest.raises(ValueError, match="not a candidate"):
        counting.count_irv(ranked((1, "A")), ("A", "B"), tie_break=TieBreak(("manual",), order=("Zed",)))
    assert counting.default_tie_break("meek-prf").rules == ("random",)
    assert counting.default_tie_break("scottish-stv", order=("A",)).rules == ("prior_stage_backward", "predetermined")


def test_result_as_json_and_text():
    result = tally("scottish-stv", "Springburn-2007.blt", tie_break=TieBreak(seed=42))
    data = json.loads(json.dumps(result.as_dict()))
    assert data["winners"] == ["Allan Stewart", "James Todd", "Phil Greene"]
    assert data["final_votes"]["Phil Greene"] == "1374.08557"
    assert data["quota"] == "1353.00000"
    assert data["tie_break"]["seed"] == 42
    assert len(data["stages"]) == 5 and data["stages"][1]["residual"] == "0.01704"
    assert data["ballots"]["valid"] == 5410
    text = counting.format_round_table(result)
    assert "Elected, in order: Allan Stewart, James Todd, Phil Greene" in text
    assert "Stage 4: exclusion of Robert G C Sawers" in text
    assert "1374.08557 *" in text
    meek = tally("meek", "42.blt").as_dict()
    assert meek["rounded_for_display"] is True
    assert meek["stages"][0]["votes"]["Castor"] == "4.000000000000"


def test_format_value():
    assert counting.format_value(Fraction(1, 3), 5) == "0.33333"
    assert counting.format_value(Fraction(2, 3), None) == "0.666666666667"
    assert counting.format_value(Fraction(-5, 2), 0) == "-2"
    assert counting.format_value(None, 5) == ""


def test_ballot_inputs_are_checked():
    with pytest.raises(ValueError, match="positive whole number"):
        Ballot(("A",), 0)
    with pytest.raises(ValueError, match="not one string"):
        Ballot("A B")
    assert Ballot(["A", ["B"], ("C", "D")]).ranking == ("A", "B", ("C", "D"))
    with pytest.raises(ValueError, match="whole number"):
        MarkBallot({"A": 0.5})
    assert MarkBallot(["A", ("B", 0)]).marks == (("A", 1), ("B", 0))
