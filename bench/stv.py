"""Benchmark of a Scottish STV count: 100,000 ballots, 15 candidates, 5 seats, beside pyrankvote.

Run by hand or with ``make bench``; never collected by pytest; no database. The profile is generated
deterministically (fixed seed): three "parties" of five candidates, each voter ranks from 1 to 15
candidates, mostly down their own party then across, so there are surpluses to transfer, exclusions and
exhausted papers, as in a real multi-seat count. It times:

- ``governance.counting.count_scottish_stv`` over the ballots grouped by identical ranking (what the
  product does with stored ballots), and over 100,000 ungrouped ballots (target < 1 s either way);
- pyrankvote's ``single_transferable_vote`` over the same profile, when pyrankvote is installed (it is
  installed for the benchmark only, never a product dependency: ``make bench`` installs it into the
  virtual environment, or ``.venv/bin/pip install pyrankvote``), and the ratio.

pyrankvote's STV is a different variant (a Droop quota with fractional transfers, not Scottish STV's
5-decimal truncation), so the two may disagree on a close seat; the script reports whether the winners
agree and times both anyway.

    .venv/bin/python bench/stv.py [--ballots 100000] [--candidates 15] [--seats 5] [--no-pyrankvote]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from governance.counting import Ballot, count_scottish_stv  # noqa: E402

SEED = 20261128
TARGET_S = 1.0
TARGET_RATIO = 50.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ballots", type=int, default=100_000)
    parser.add_argument("--candidates", type=int, default=15)
    parser.add_argument("--seats", type=int, default=5)
    parser.add_argument("--no-pyrankvote", action="store_true", help="skip the pyrankvote comparison")
    parser.add_argument("--partial", action="store_true", help="voters rank a few candidates, not all")
    args = parser.parse_args(argv)
    if args.ballots < 1 or args.seats < 1 or args.candidates <= args.seats:
        parser.error("need ballots ≥ 1, seats ≥ 1 and more candidates than seats")
    return args


def profile(
    ballots: int, candidates: int, *, full: bool = False, seed: int = SEED
) -> tuple[list[str], list[tuple[str, ...]]]:
    """Rankings of a three-party electorate: a party's candidates first (by popularity), then others; each
    voter ranks every candidate (``full``) or a few (1 to 15, about 4 on average)."""
    rng = random.Random(seed)
    names = [f"C{i + 1:02d}" for i in range(candidates)]
    parties = [names[i::3] for i in range(3)]
    party_weights = [0.45, 0.35, 0.20]
    popularity = {name: rng.uniform(0.5, 2.0) for name in names}
    rankings = []
    for _ in range(ballots):
        party = rng.choices(range(3), weights=party_weights)[0]
        own = sorted(parties[party], key=lambda n: -popularity[n] * rng.uniform(0.3, 1.7))
        others = [n for p in range(3) if p != party for n in parties[p]]
        others.sort(key=lambda n: -popularity[n] * rng.uniform(0.3, 1.7))
        length = candidates if full else min(candidates, max(1, int(rng.expovariate(1 / 4)) + 1))
        rankings.append(tuple((own + others)[:length]))
    return names, rankings


def time_ours(names: list[str], rankings: list[tuple[str, ...]], seats: int, grouped: bool) -> tuple[float, list]:
    start = time.perf_counter()
    if grouped:
        ballots = [Ballot(ranking, count) for ranking, count in Counter(rankings).items()]
    else:
        ballots = [Ballot(ranking) for ranking in rankings]
    result = count_scottish_stv(ballots, seats, names)
    return time.perf_counter() - start, list(result.winners)


def time_pyrankvote(names: list[str], rankings: list[tuple[str, ...]], seats: int) -> tuple[float, list] | None:
    try:
        import pyrankvote
        from pyrankvote import Ballot as PBallot
        from pyrankvote import Candidate
    except ImportError:
        return None
    people = {name: Candidate(name) for name in names}
    ballots = [PBallot(ranked_candidates=[people[n] for n in ranking]) for ranking in rankings]
    start = time.perf_counter()
    result = pyrankvote.single_transferable_vote(list(people.values()), ballots, number_of_seats=seats)
    return time.perf_counter() - start, [c.name for c in result.get_winners()]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    names, rankings = profile(args.ballots, args.candidates, full=not args.partial)
    distinct = len(set(rankings))
    print(f"{args.ballots:,} ballots ({distinct:,} distinct), {args.candidates} candidates, {args.seats} seats")
    grouped_s, winners = time_ours(names, rankings, args.seats, grouped=True)
    ungrouped_s, winners_ungrouped = time_ours(names, rankings, args.seats, grouped=False)
    assert winners == winners_ungrouped, "grouping identical ballots changed the result"
    print(f"Scottish STV, grouped:   {grouped_s:.3f} s   elected {', '.join(winners)}")
    print(f"Scottish STV, ungrouped: {ungrouped_s:.3f} s   (target < {TARGET_S:.0f} s)")
    ok = grouped_s < TARGET_S and ungrouped_s < TARGET_S
    if not args.no_pyrankvote:
        theirs = time_pyrankvote(names, rankings, args.seats)
        if theirs is None:
            print("pyrankvote is not installed (.venv/bin/pip install pyrankvote): comparison skipped")
        else:
            their_s, their_winners = theirs
            ratio = their_s / grouped_s
            same = sorted(their_winners) == sorted(winners)
            print(f"pyrankvote STV:          {their_s:.3f} s   elected {', '.join(their_winners)}")
            print(f"ratio (pyrankvote ÷ ours, grouped): {ratio:.0f}×   (target ≥ {TARGET_RATIO:.0f}×)")
            print("same winners" if same else "different winners (a different STV variant; see the docstring)")
            ok = ok and ratio >= TARGET_RATIO
    print("every target met" if ok else "a target was missed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
