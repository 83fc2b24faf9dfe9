"""Benchmark of the Method of Equal Shares with the add1 completion on Wieliczka 2023, ours beside pabutools.

Run by hand or with ``make bench``; never collected by pytest; no database, no Django. It reads
``tests/data/pb/poland_wieliczka_2023.pb`` (6,586 voters, 64 projects; the city's own rule, 150 add1 steps),
checks that both give the same outcome, then times, interleaved (each round runs ours, then pabutools', after
a garbage collection; medians of ``--repeat`` rounds, wall time with the process's CPU time beside it):

- ours: ``equal_shares(election, completion="add1")`` on the election already read;
- peer: pabutools 1.2.3's ``method_of_equal_shares(instance, profile, sat_class=Cost_Sat,
  voter_budget_increment=1)`` on the instance and profile its parser made. Target: ratio ≥ 1.

With ``--all-files`` it first compares our add1 and add1 + greedy outcomes with the stored pabutools outcomes
(``tests/data/pb/pabutools_outcomes.json``) on all eight files, the comparison too slow for the test suite.

    .venv/bin/python bench/pb.py [--repeat 3] [--all-files]
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from pabutools.election import Cost_Sat, parse_pabulib  # noqa: E402
from pabutools.rules import method_of_equal_shares  # noqa: E402
from table import Measure, ratio, record, seconds  # noqa: E402

from governance.budgeting.pabulib import read_pabulib  # noqa: E402
from governance.budgeting.rules import equal_shares, greedy  # noqa: E402

DATA = ROOT / "tests" / "data" / "pb"
WIELICZKA = DATA / "poland_wieliczka_2023.pb"
TARGET = 1.0


def check_all_files() -> None:
    expected = json.loads((DATA / "pabutools_outcomes.json").read_text(encoding="utf-8"))
    for name, rules in sorted(expected.items()):
        election = read_pabulib((DATA / name).read_bytes()).election()
        started = time.perf_counter()
        outcome = equal_shares(election, completion="add1")
        filled = greedy(election, budget=outcome.left_over, funded=outcome.funded)
        same = sorted(outcome.funded) == rules["equal_shares_add1"]
        same_greedy = sorted(outcome.funded + filled.funded) == rules["equal_shares_add1_greedy"]
        took = time.perf_counter() - started
        print(f"{name}: {outcome.steps} steps, {seconds(took)}; add1 {'same' if same else 'DIFFERENT'},", end=" ")
        print(f"add1 + greedy {'same' if same_greedy else 'DIFFERENT'}", flush=True)
        if not (same and same_greedy):
            raise SystemExit(f"{name}: our outcome differs from pabutools'")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="interleaved rounds (medians reported)")
    parser.add_argument("--all-files", action="store_true", help="first compare add1 with pabutools on every file")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("need repeat ≥ 1")
    if args.all_files:
        check_all_files()

    election = read_pabulib(WIELICZKA.read_bytes()).election()
    instance, profile = parse_pabulib(str(WIELICZKA))

    def ours() -> list[str]:
        return sorted(equal_shares(election, completion="add1").funded)

    def theirs() -> list[str]:
        outcome = method_of_equal_shares(instance, profile, sat_class=Cost_Sat, voter_budget_increment=1)
        return sorted(p.name for p in outcome)

    walls: dict[str, list[float]] = {"ours": [], "peer": []}
    cpus: dict[str, list[float]] = {"ours": [], "peer": []}
    results: dict[str, list[str]] = {}
    for _ in range(args.repeat):
        for name, run in (("ours", ours), ("peer", theirs)):
            gc.collect()
            wall, cpu = time.perf_counter(), time.process_time()
            results[name] = run()
            cpus[name].append(time.process_time() - cpu)
            walls[name].append(time.perf_counter() - wall)
    if results["ours"] != results["peer"]:
        raise SystemExit(f"the outcomes differ: ours {results['ours']}, pabutools {results['peer']}")
    print(f"same outcome: {len(results['ours'])} projects funded")

    def text(name: str) -> str:
        return f"{seconds(statistics.median(walls[name]))} (CPU {seconds(statistics.median(cpus[name]))})"

    rows = [
        Measure(
            "Equal Shares + add1, Wieliczka 2023 (6,586 voters, 64 projects, 150 steps), same outcome",
            text("ours"),
            f"peer: pabutools 1.2.3 {text('peer')}",
            ratio(statistics.median(walls["peer"]), statistics.median(walls["ours"])),
            TARGET,
        )
    ]
    return 0 if record(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
