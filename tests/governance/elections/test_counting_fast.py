"""governance.elections.counting: the fast reading and transfer of ranked ballots change no result (issue 5 §11).

The Gregory counts (Scottish STV, PRF and exact WIGM) move papers as runs of sorted rankings that share
their first preferences, not one ranking at a time; ranked ballots are grouped by identical paper and
the common paper is read without the name-by-name rules of §2.1. These tests count random profiles
both ways and require the whole result (every stage's votes, transfers, exhausted and residual values,
ties and the ballot summary) to be identical:

* ``PaperByPaper`` below is the transfer as the statute words it (rule 48: each paper to its next
  continuing preference), one distinct ranking at a time; it is the engine the counts used before;
* the reading is compared with the full §2.1 path (``_normalise_ranking``) paper by paper, and a
  profile given as separate papers with the same profile grouped.

Pure module: no database.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from governance.elections import counting
from governance.elections.blt import read_blt
from governance.elections.counting import Ballot, TieBreak
from tests.datafiles import BALLOTS

# No example database: every run draws fresh examples; nothing is replayed from (or saved to) .hypothesis/.
FAST = settings(max_examples=60, deadline=None, database=None)

NAMES = ("Ann", "Bo", "Cy", "Di", "Ed", "Flo", "Gus")


class PaperByPaper(counting._Gregory):
    """The reference: each distinct ranking is placed and moved on its own (rules 45, 48(2), 50(3))."""

    def _load(self, ranked: counting._Ranked) -> None:
        self.rankings = ranked.rankings
        self.piles = [{} for _ in range(self.n)]  # (ranking id, position, value) -> papers
        for rid, papers in enumerate(ranked.counts):
            self._place(rid, -1, self.ar.whole(1), papers)

    def _place(self, rid: int, after: int, value: Any, papers: int) -> int | None:
        ranking = self.rankings[rid]
        p = after + 1
        while p < len(ranking) and self.state[ranking[p]] != counting.HOPEFUL:
            p += 1
        if p == len(ranking):
            return None
        to = ranking[p]
        pile = self.piles[to]
        pile[(rid, p, value)] = pile.get((rid, p, value), 0) + papers
        self.votes[to] += value * papers
        return to

    def _transfer(self, c: int, new_value: Callable[[Any], Any]) -> Any:
        pile, self.piles[c] = self.piles[c], {}
        lost = self.zero
        for (rid, p, value), papers in pile.items():
            value = new_value(value)
            if value and self._place(rid, p, value, papers) is None:
                lost += value * papers
        return lost


def by_paper(count: Callable[[], counting.CountResult]) -> counting.CountResult:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(counting, "_Gregory", PaperByPaper)
        patch.setattr(counting, "_plain_texts", lambda *args: None)  # every paper through the §2.1 reading
        return count()


def by_index_runs(count: Callable[[], counting.CountResult]) -> counting.CountResult:
    """The engine before issue 15: runs of rankings as candidate indices (bytes), read by the §2.1 path."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(counting, "_plain_texts", lambda *args: None)
        return count()


GREGORY_METHODS = ("scottish-stv", "wigm-prf", "wigm")


def both_ways(method: str, ballots: list[Ballot], seats: int, names: tuple[str, ...], **kwargs: Any) -> tuple:
    def run() -> counting.CountResult:
        return counting.count(method, ballots, seats, names, **kwargs)

    return run().as_dict(), by_paper(run).as_dict()


@st.composite
def profiles(draw: st.DrawFn) -> tuple[tuple[str, ...], list[Ballot], int, list[str]]:
    """A few candidates, ballots of any length, with repeats, equal ranks and withdrawals now and then."""
    names = NAMES[: draw(st.integers(min_value=2, max_value=len(NAMES)))]
    item = st.one_of(
        st.sampled_from(names),
        st.lists(st.sampled_from(names), min_size=1, max_size=3).map(tuple),  # an equal rank
    )
    plain = st.permutations(names).flatmap(lambda order: st.integers(1, len(order)).map(lambda k: order[:k]))
    ranking = st.one_of(plain, plain, plain, st.lists(item, max_size=len(names) + 2))
    ballots = draw(
        st.lists(st.builds(Ballot, ranking.map(tuple), st.integers(min_value=1, max_value=40)), max_size=30)
    )
    seats = draw(st.integers(min_value=1, max_value=len(names) - 1))
    withdrawn = draw(st.lists(st.sampled_from(names), unique=True, max_size=1)) if len(names) > 2 else []
    return names, ballots, seats, withdrawn


@FAST
@given(
    profile=profiles(),
    method=st.sampled_from(GREGORY_METHODS),
    rules=st.sampled_from([("first", "exhaust"), ("first", "skip"), ("invalid", "exhaust")]),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_runs_of_rankings_and_paper_by_paper_give_the_same_round_table(profile, method, rules, seed):
    names, ballots, seats, withdrawn = profile
    options = {"duplicate_rule": rules[0], "overvote_rule": rules[1]}
    fast, reference = both_ways(
        method, ballots, seats, names, options=options, withdrawn=withdrawn, tie_break=TieBreak(seed=seed)
    )
    assert fast == reference


def three_parties(ballots: int, candidates: int, seed: int) -> tuple[tuple[str, ...], list[Ballot]]:
    """The benchmark's kind of electorate (bench/stv.py), smaller: party lines, then across, mostly short."""
    rng = random.Random(seed)
    names = tuple(f"C{i:03d}" for i in range(candidates))
    parties = [names[i::3] for i in range(3)]
    rankings = []
    for _ in range(ballots):
        own = list(rng.choice(parties))
        rng.shuffle(own)
        others = [n for n in names if n not in own]
        rng.shuffle(others)
        rankings.append(tuple((own + others)[: rng.randint(1, min(candidates, 12))]))
    return names, [Ballot(ranking, n) for ranking, n in Counter(rankings).items()]


@pytest.mark.parametrize("method", GREGORY_METHODS)
def test_a_larger_count_with_many_transfers_is_the_same_both_ways(method):
    names, ballots = three_parties(3_000, 12, seed=5)
    fast, reference = both_ways(method, ballots, 4, names, tie_break=TieBreak(seed=1))
    assert fast == reference
    # The profile really exercises transfers: surpluses, exclusions and non-transferable papers.
    actions = {stage["action"] for stage in fast["stages"]}
    assert {"surplus", "exclusion"} <= actions
    assert fast["stages"][-1]["exhausted"] != fast["stages"][0]["exhausted"]


def test_more_than_255_candidates_are_read_as_tuples_and_count_the_same():
    names, ballots = three_parties(2_000, 300, seed=9)
    ballots.append(Ballot((names[299], names[1], names[299]), 2))  # a repeat: the §2.1 path
    fast, reference = both_ways("scottish-stv", ballots, 3, names, tie_break=TieBreak(seed=3), withdrawn=[names[0]])
    assert fast == reference
    assert fast["ballots"]["valid"] == 2_002


@FAST
@given(profile=profiles(), rules=st.sampled_from([("first", "exhaust"), ("first", "skip"), ("invalid", "skip")]))
def test_reading_grouped_papers_matches_the_full_rules_paper_by_paper(profile, rules):
    names, ballots, _seats, withdrawn = profile
    field = counting._field(names, withdrawn)
    ranked = counting._prepare_ranked(ballots, field, *rules)
    expected: Counter[bytes] = Counter()
    reasons: Counter[str] = Counter()
    for ballot in ballots:
        order, reason = counting._normalise_ranking(ballot.ranking, field, *rules)
        if order is None:
            reasons[reason] += ballot.count
        else:
            expected[bytes(order)] += ballot.count
    assert dict(zip(ranked.rankings, ranked.counts, strict=True)) == dict(expected)
    assert len(set(ranked.rankings)) == len(ranked.rankings)  # identical rankings share one entry
    assert dict(ranked.summary.reasons) == dict(reasons)
    assert ranked.summary.valid == sum(expected.values())
    assert ranked.summary.cast == sum(ballot.count for ballot in ballots)
    assert ranked.summary.blank == sum(ballot.count for ballot in ballots if not ballot.ranking)


@FAST
@given(profile=profiles(), method=st.sampled_from((*GREGORY_METHODS, "irv", "meek-prf")))
def test_separate_papers_count_as_the_same_papers_grouped(profile, method):
    names, ballots, seats, withdrawn = profile
    papers = [Ballot(ballot.ranking) for ballot in ballots for _ in range(ballot.count)]
    seats = 1 if method == "irv" else seats
    grouped, separate = (
        counting.count(method, given, seats, names, withdrawn=withdrawn, tie_break=TieBreak(seed=7)).as_dict()
        for given in (ballots, papers)
    )
    assert grouped == separate


def test_a_plain_ballot_is_kept_as_given_and_others_are_still_checked():
    ranking = ("Ann", "Bo")
    assert Ballot(ranking).ranking is ranking  # nothing rebuilt for the common ballot
    assert Ballot(["Ann", ("Bo",), ("Cy", "Di")]).ranking == ("Ann", "Bo", ("Cy", "Di"))
    with pytest.raises(ValueError, match="not one string"):
        Ballot("Ann")
    with pytest.raises(ValueError, match="equal-rank group"):
        Ballot(("Ann", ()))
    for bad in (0, -2, True, 1.0):
        with pytest.raises(ValueError, match="positive whole number"):
            Ballot(ranking, bad)


# Scottish STV and WIGM on plain papers (issue 15 §1): each paper one string of names, sorted
# (counting._GregoryText), against runs of index rankings and against paper by paper.


@st.composite
def plain_profiles(draw: st.DrawFn) -> tuple[tuple[str, ...], list[Ballot], int]:
    """Plain papers only (every name a candidate's, no blank, no equal rank): the fast reading's case.
    Names of different lengths that prefix each other ("Al", "Alma"), a name given twice now and then
    (the first mention counts), papers one by one or grouped with a count, and level first preferences."""
    names = ("Al", "Alma", "Bo", "Bob", "Cy", "D", "Dee")[: draw(st.integers(min_value=2, max_value=7))]
    plain = st.permutations(names).flatmap(lambda order: st.integers(1, len(order)).map(lambda k: tuple(order[:k])))
    twice = st.tuples(plain, st.sampled_from(names)).map(lambda pair: (*pair[0], pair[1]))
    ranking = st.one_of(plain, plain, plain, twice)
    counts = st.one_of(st.just(1), st.integers(min_value=1, max_value=30))
    ballots = draw(st.lists(st.builds(Ballot, ranking, counts), min_size=1, max_size=40))
    if draw(st.booleans()):
        # Level first preferences by construction: every exclusion starts as a tie.
        ballots += [Ballot((name,), 3) for name in names]
    seats = draw(st.integers(min_value=1, max_value=len(names) - 1))
    return names, ballots, seats


@FAST
@given(
    profile=plain_profiles(),
    method=st.sampled_from(GREGORY_METHODS),
    seed=st.integers(min_value=0, max_value=2**32),
    rules=st.sampled_from([("prior_stage_backward", "random"), ("random",), ("prior_stage_forward", "lot")]),
)
def test_plain_papers_as_strings_give_the_same_round_table_as_index_runs_and_paper_by_paper(
    profile, method, seed, rules
):
    names, ballots, seats = profile
    assert counting._plain_texts(ballots, counting._field(names, ()), "first") is not None  # the fast case

    def run() -> counting.CountResult:
        return counting.count(method, ballots, seats, names, tie_break=TieBreak(rules=rules, seed=seed))

    fast = run()
    assert fast.as_dict() == by_index_runs(run).as_dict() == by_paper(run).as_dict()
    assert counting.format_round_table(fast) == counting.format_round_table(by_paper(run))


@pytest.mark.parametrize("method", GREGORY_METHODS)
@pytest.mark.parametrize("name", sorted(path.name for path in BALLOTS.glob("*.blt")))
def test_the_published_files_count_the_same_as_strings_and_as_index_runs(name, method):
    election = read_blt((BALLOTS / name).read_bytes())

    def run() -> counting.CountResult:
        return counting.count(
            method,
            election.ballots,
            election.seats,
            election.candidates,
            withdrawn=election.withdrawn,
            tie_break=TieBreak(rules=("prior_stage_backward", "index")),
        )

    assert run().as_dict() == by_index_runs(run).as_dict()


def test_a_pl_profile_counts_the_same_as_strings_and_as_index_runs():
    # The benchmark's Plackett-Luce profile (bench/profiles.py), smaller: one Ballot per paper.
    rng = random.Random(4)
    weights = [1 / (rank + 1) ** 1.9 for rank in range(15)]
    names = tuple(f"C{i + 1}" for i in range(15))
    papers = []
    for _ in range(5_000):
        ranking = rng.choices(range(15), weights=weights, k=30)
        order = tuple(dict.fromkeys(names[c] for c in ranking))[: rng.randint(1, 15)]
        papers.append(Ballot(order))

    def run() -> counting.CountResult:
        return counting.count_scottish_stv(papers, 5, names, tie_break=TieBreak(seed=2))

    fast = run()
    assert fast.as_dict() == by_index_runs(run).as_dict()
    assert {stage.action for stage in fast.stages} >= {"surplus", "exclusion"}


@pytest.mark.parametrize(
    ("ballots", "why"),
    [
        ([Ballot(("Ann", "Zed"))], "not a candidate"),
        ([Ballot(("Ann",)), Ballot(())], None),  # a blank paper: invalid, counted by the §2.1 path
        ([Ballot(("Ann", ("Bo", "Cy")))], None),  # an equal rank
        ([Ballot(("Ann", "Bo\x00Cy"))], "not a candidate"),  # the strings' separator inside a name
    ],
)
def test_papers_that_are_not_plain_take_the_section_2_1_path(ballots, why):
    names = ("Ann", "Bo", "Cy")
    assert counting._plain_texts(ballots, counting._field(names, ()), "first") is None
    if why:
        with pytest.raises(counting.CountError, match=why):
            counting.count_scottish_stv(ballots, 1, names)
    else:
        counting.count_scottish_stv(ballots, 1, names)
    assert counting._plain_texts([Ballot(("Ann",))], counting._field(names, ("Cy",)), "first") is None
    assert counting._plain_texts([Ballot(("Ann",))], counting._field(names, ()), "invalid") is None
    assert counting._plain_texts([counting.MarkBallot(("Ann",))], counting._field(names, ()), "first") is None


# Meek (issue 15 §1): ballots grouped by the path their weight takes (counting._MeekTree) give the same
# integers as the ballot-by-ballot walk, so the same round table.

MEEK_METHODS = ("meek", "meek-prf")


def meek_by_ranking(count: Callable[[], counting.CountResult]) -> counting.CountResult:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(counting._Meek, "distribute", counting._Meek.distribute_by_ranking)
        return count()


def meek_both_ways(method: str, ballots: list[Ballot], seats: int, names: tuple[str, ...], **kwargs: Any) -> tuple:
    def run() -> counting.CountResult:
        return counting.count(method, ballots, seats, names, **kwargs)

    return run().as_dict(), meek_by_ranking(run).as_dict()


@FAST
@given(
    profile=profiles(),
    method=st.sampled_from(MEEK_METHODS),
    batch=st.booleans(),
    rules=st.sampled_from([("first", "exhaust"), ("first", "skip"), ("invalid", "exhaust")]),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_meek_by_paths_and_ballot_by_ballot_give_the_same_round_table(profile, method, batch, rules, seed):
    names, ballots, seats, withdrawn = profile
    options: dict[str, Any] = {"duplicate_rule": rules[0], "overvote_rule": rules[1]}
    if method == "meek":
        options.update(defeat_sure_losers=batch, keep_factor_places=12)  # 12 places: more rounding to agree on
    fast, reference = meek_both_ways(
        method, ballots, seats, names, options=options, withdrawn=withdrawn, tie_break=TieBreak(seed=seed)
    )
    assert fast == reference


@FAST
@given(
    seats=st.integers(min_value=1, max_value=4),
    votes=st.lists(st.integers(min_value=1, max_value=6), min_size=4, max_size=4),
    method=st.sampled_from(MEEK_METHODS),
)
def test_meek_forced_ties_are_settled_the_same_both_ways(seats, votes, method):
    # Equal first preferences by construction, with transfers that keep them level: every exclusion is a tie.
    names = ("Ann", "Bo", "Cy", "Di")
    ballots = [Ballot((names[i], names[(i + 1) % 4]), n) for i, n in enumerate(votes)]
    ballots += [Ballot((names[i],), 2) for i in range(4)]
    fast, reference = meek_both_ways(method, ballots, seats, names, tie_break=TieBreak(seed=11))
    assert fast == reference


@pytest.mark.parametrize("method", MEEK_METHODS)
def test_a_larger_meek_count_is_the_same_both_ways(method):
    names, ballots = three_parties(3_000, 12, seed=5)
    fast, reference = meek_both_ways(method, ballots, 4, names, tie_break=TieBreak(seed=1))
    assert fast == reference
    assert {stage["action"] for stage in fast["stages"]} >= {"election", "exclusion"}
    assert sum(stage.get("iterations") or 0 for stage in fast["stages"]) > 10


@pytest.mark.parametrize(
    ("method", "file", "options"),
    [
        ("meek", "SC.blt", {"defeat_sure_losers": True}),
        ("meek", "SC.blt", {}),
        ("meek-prf", "SC.blt", {}),
        ("meek", "SC-Vm-12.blt", {}),
        ("meek-prf", "SC-Vm-12.blt", {}),
        ("meek-prf", "M135.blt", {}),
        ("meek", "42.blt", {}),
        ("meek", "513.blt", {}),
    ],
)
def test_the_published_meek_files_are_the_same_both_ways(method, file, options):
    election = read_blt((BALLOTS / file).read_bytes())
    fast, reference = meek_both_ways(
        method,
        list(election.ballots),
        election.seats,
        election.candidates,
        options=options,
        tie_break=TieBreak(rules=("index",)),
        withdrawn=election.withdrawn,
    )
    assert fast == reference


def test_more_than_254_candidates_walk_ballot_by_ballot():
    names, ballots = three_parties(500, 300, seed=9)
    result = counting.count("meek-prf", ballots, 3, names, tie_break=TieBreak(seed=3))
    assert len(result.winners) == 3


def test_the_cycle_collector_is_resumed_after_a_count_and_left_paused_if_it_was():
    import gc

    papers = [Ballot(("A", "B")), Ballot(("B", "C")), Ballot(("C", "A")), Ballot(("A",))]
    assert gc.isenabled()
    assert counting.count_scottish_stv(papers, 1, ["A", "B", "C"]).winners == ("A",)
    assert gc.isenabled()
    gc.disable()
    try:
        counting.count_scottish_stv(papers, 1, ["A", "B", "C"])
        assert not gc.isenabled()
    finally:
        gc.enable()
    with pytest.raises(counting.CountError):
        counting.count_scottish_stv([Ballot(("A", "Z"))], 1, ["A", "B"])
    assert gc.isenabled()
