"""Benchmark of the STV counts (issue 15 §1): Scottish STV beside pyrankvote at 10k, 100k and 1M papers, Meek.

Run by hand or with ``make bench``; never collected by pytest; no database. It measures:

- **Scottish STV** (``governance.elections.counting.count_scottish_stv``) over the realistic profile of
  ``bench/profiles.py`` (``plackett_luce``: 15 candidates, about 80 % distinct rankings, lengths 1–15), one
  ``Ballot`` per paper built beforehand, beside pyrankvote's ``single_transferable_vote`` over the same
  papers, its ballot objects also built beforehand: the counts alone, like for like. At ``--ballots`` (the
  target row: at least 5× pyrankvote), a tenth of it, and ten times it with ``--million`` (1,000,000 papers
  at the default; generating them takes about half a minute). Growth is shown as CPU time per paper.
- the **previous engine** (runs of rankings as candidate indices, read name by name, as the count was
  before issue 15) on the ``--ballots`` profile, for context; its round table is the same.
- **Meek** (``count_meek``, the exact default) over ``--ballots`` full rankings of the three-party profile
  below (the profile issue 15 measured at 17.3 s), against a limit of 1 s.

pyrankvote is installed for the benchmark only, never a product dependency (``make bench`` installs it, or
``.venv/bin/pip install pyrankvote``). Its STV is another variant (fractional transfers, no 5-decimal
truncation), so the script reports whether the winners agree and times both anyway.

Each count runs ``--repeat`` times, ours and pyrankvote's in turn (interleaved, after a garbage
collection, in this one process), and the medians are compared. The ratio is judged on CPU time (this
process's): on a shared machine the wall time includes waiting for a core; both are shown.

    .venv/bin/python bench/stv.py [--ballots 100000] [--candidates 15] [--seats 5] [--repeat 5] [--million]
                                  [--profile pl|parties] [--partial] [--no-pyrankvote] [--no-meek]
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from profiles import distinct_share, plackett_luce  # noqa: E402
from table import Measure, ratio, record, seconds  # noqa: E402

from governance.elections import counting  # noqa: E402
from governance.elections.counting import Ballot, count_meek, count_scottish_stv  # noqa: E402

SEED = 20261128
TARGET_RATIO = 5.0  # Scottish STV: pyrankvote's time over ours, at --ballots papers
MEEK_LIMIT_S = 1.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ballots", type=int, default=100_000, help="papers in the target row (default 100,000)")
    parser.add_argument("--candidates", type=int, default=15)
    parser.add_argument("--seats", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs of each count (medians compared)")
    parser.add_argument("--million", action="store_true", help="also ten times --ballots (1,000,000 by default)")
    parser.add_argument(
        "--profile",
        choices=["pl", "parties"],
        default="pl",
        help="Scottish STV papers: Plackett-Luce (default) or the three-party profile",
    )
    parser.add_argument("--partial", action="store_true", help="three-party profile: voters rank a few, not all")
    parser.add_argument("--no-pyrankvote", action="store_true", help="skip the pyrankvote comparison")
    parser.add_argument("--no-meek", action="store_true", help="skip the Meek count")
    args = parser.parse_args(argv)
    if args.ballots < 10 or args.seats < 1 or args.candidates <= args.seats or args.repeat < 1:
        parser.error("need ballots ≥ 10, seats ≥ 1, more candidates than seats and repeat ≥ 1")
    return args


def parties(
    ballots: int, candidates: int, *, full: bool = False, seed: int = SEED
) -> tuple[list[str], list[tuple[str, ...]]]:
    """Rankings of a three-party electorate: a party's candidates first (by popularity), then others; each
    voter ranks every candidate (``full``) or a few (1 to 15, about 4 on average)."""
    rng = random.Random(seed)
    names = [f"C{i + 1:02d}" for i in range(candidates)]
    groups = [names[i::3] for i in range(3)]
    party_weights = [0.45, 0.35, 0.20]
    popularity = {name: rng.uniform(0.5, 2.0) for name in names}
    rankings = []
    for _ in range(ballots):
        party = rng.choices(range(3), weights=party_weights)[0]
        own = sorted(groups[party], key=lambda n: -popularity[n] * rng.uniform(0.3, 1.7))
        others = [n for p in range(3) if p != party for n in groups[p]]
        others.sort(key=lambda n: -popularity[n] * rng.uniform(0.3, 1.7))
        length = candidates if full else min(candidates, max(1, int(rng.expovariate(1 / 4)) + 1))
        rankings.append(tuple((own + others)[:length]))
    return names, rankings


def papers_of(args: argparse.Namespace, ballots: int) -> tuple[list[str], list[tuple[str, ...]]]:
    if args.profile == "parties":
        return parties(ballots, args.candidates, full=not args.partial)
    names = [f"C{i + 1}" for i in range(args.candidates)]
    return names, [tuple(names[c] for c in paper) for paper in plackett_luce(ballots, args.candidates)]


class Times:
    """Wall and CPU seconds of repeated runs (CPU: this process's, what the count itself costs)."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def run(self, count: Callable[[], Any]) -> Any:
        gc.collect()  # none pays for the previous run's garbage
        wall, cpu = time.perf_counter(), time.process_time()
        value = count()
        self.wall.append(time.perf_counter() - wall)
        self.cpu.append(time.process_time() - cpu)
        return value

    @property
    def median_cpu(self) -> float:
        return statistics.median(self.cpu)

    def text(self) -> str:
        return f"{seconds(self.median_cpu)} CPU (wall {seconds(statistics.median(self.wall))})"


def pyrankvote_runner(names: list[str], rankings: list[tuple[str, ...]], seats: int) -> Callable[[], list[str]] | None:
    """pyrankvote's count over its own ballot objects, built beforehand (not timed), or None."""
    try:
        import pyrankvote
        from pyrankvote import Ballot as PBallot
        from pyrankvote import Candidate
    except ImportError:
        return None
    people = {name: Candidate(name) for name in names}
    ballots = [PBallot(ranked_candidates=[people[n] for n in ranking]) for ranking in rankings]

    def run() -> list[str]:
        result = pyrankvote.single_transferable_vote(list(people.values()), ballots, number_of_seats=seats)
        return [c.name for c in result.get_winners()]

    return run


def previous_engine(count: Callable[[], counting.CountResult]) -> counting.CountResult:
    """The count as it was before issue 15: every paper read name by name into index rankings."""
    plain_texts = counting._plain_texts
    counting._plain_texts = lambda *args: None  # type: ignore[assignment]
    try:
        return count()
    finally:
        counting._plain_texts = plain_texts


def scottish_row(args: argparse.Namespace, size: int, repeat: int, target: float | None, rows: list[Measure]) -> float:
    """Time the Scottish count (and pyrankvote's) at ``size`` papers; returns our median CPU per paper."""
    started = time.perf_counter()
    names, rankings = papers_of(args, size)
    papers = [Ballot(ranking) for ranking in rankings]
    theirs_run = None if args.no_pyrankvote else pyrankvote_runner(names, rankings, args.seats)
    print(
        f"{size:,} papers ({distinct_share(rankings):.0%} distinct, {args.profile} profile) ready in "
        f"{time.perf_counter() - started:.1f} s; {repeat} runs each",
        flush=True,
    )
    ours, theirs = Times(), Times()
    result = their_winners = None
    for _ in range(repeat):
        result = ours.run(lambda: count_scottish_stv(papers, args.seats, names, tie_break=counting.TieBreak(seed=1)))
        if theirs_run is not None:
            their_winners = theirs.run(theirs_run)
    assert result is not None
    print(f"  ours:       {ours.text()}, elected {', '.join(result.winners)}")
    label = f"Scottish STV count, {size:,} papers ({args.profile}, {distinct_share(rankings):.0%} distinct)"
    if theirs_run is None:
        if not args.no_pyrankvote:
            print("  pyrankvote is not installed (.venv/bin/pip install pyrankvote): comparison skipped")
        rows.append(Measure(label, ours.text(), "", None, None))
    else:
        same = sorted(their_winners or []) == sorted(result.winners)
        print(f"  pyrankvote: {theirs.text()}, {'same winners' if same else 'different winners (another variant)'}")
        rows.append(
            Measure(
                label,
                ours.text(),
                f"peer: pyrankvote {theirs.text()}",
                ratio(theirs.median_cpu, ours.median_cpu),
                target,
            )
        )
    if target is not None:
        before = Times()
        for _ in range(repeat):
            old = before.run(
                lambda: previous_engine(
                    lambda: count_scottish_stv(papers, args.seats, names, tie_break=counting.TieBreak(seed=1))
                )
            )
        assert old.as_dict() == result.as_dict(), "the previous engine's round table differs"
        print(f"  previous engine: {before.text()}, same round table")
        share = ours.median_cpu / before.median_cpu
        label = f"  the same, previous engine (index runs; same round table; ours ÷ it {share:.2f})"
        rows.append(Measure(label, before.text(), "", None, None))
    return ours.median_cpu / size


def meek_row(args: argparse.Namespace, rows: list[Measure]) -> None:
    names, rankings = parties(args.ballots, args.candidates, full=True)
    ballots = [Ballot(ranking, n) for ranking, n in Counter(rankings).items()]
    print(f"Meek: {args.ballots:,} full rankings ({len(ballots):,} distinct)", flush=True)
    times = Times()
    result = None
    for _ in range(max(1, min(args.repeat, 3))):
        result = times.run(lambda: count_meek(ballots, args.seats, names, tie_break=counting.TieBreak(seed=1)))
    assert result is not None
    passes = sum(stage.iterations or 0 for stage in result.stages)
    print(f"  ours: {times.text()}, {passes} passes, elected {', '.join(result.winners)}")
    rows.append(
        Measure(
            f"Meek count (exact), {args.ballots:,} full rankings, {args.candidates} candidates, {args.seats} seats",
            times.text(),
            f"limit: {seconds(MEEK_LIMIT_S)}",
            ratio(MEEK_LIMIT_S, times.median_cpu),
            1.0,
        )
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    rows: list[Measure] = []
    per_paper = {args.ballots // 10: 0.0, args.ballots: 0.0}
    if args.million:
        per_paper[args.ballots * 10] = 0.0
    for size in per_paper:
        target = TARGET_RATIO if size == args.ballots else None
        repeat = args.repeat if size <= args.ballots else max(1, min(args.repeat, 3))
        per_paper[size] = scottish_row(args, size, repeat, target, rows)
    growth = " → ".join(f"{size:,}: {cost * 1e6:.2f} µs" for size, cost in per_paper.items())
    rows.append(Measure("  Scottish STV, CPU per paper (linear growth: about equal)", growth, "", None, None))
    if not args.no_meek:
        meek_row(args, rows)
    return 0 if record(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
