"""Benchmark of reading .blt files and of ``manage.py tally`` end to end, beside the old reader and pyrankvote.

Run by hand or with ``make bench``; never collected by pytest; no database (Django is set up only to run
``manage.py tally`` through ``call_command``). Issue 15 §1, first bullet. It times, interleaved in one
process (each round runs ours, then its peer, after a garbage collection; medians of ``--repeat`` rounds,
wall time with the process's CPU time beside it):

- ``read_blt`` on the Plackett-Luce profile of ``bench/profiles.py`` (``--ballots`` papers, 15 candidates,
  5 seats: about 80,000 lines, 2 MB) against the reader as it was at commit ae7331f (taken from git history
  into a temporary module), target ≥ 10×; and the same on the 21 Glasgow wards of 2007
  (``tests/data/ballots/*-2007.blt``, all read in turn);
- ``manage.py tally FILE --method scottish-stv`` run through ``call_command`` (read + Ballot objects +
  count + the round table written out) against a simple reader plus pyrankvote's STV with its result
  printed (``bench/blt_peer.py``), target ≥ 2×, on the profile and on the Glasgow wards; with our time
  split into reading, counting and writing the table (context);
- unless ``--no-process``: both as new processes (``manage.py tally`` against ``python bench/blt_peer.py``),
  CPU time of the child, target ≥ 2× (the issue's "end to end"); with the start-up alone (``manage.py
  tally`` on a three-paper file: settings and translations, no app, see ``governance/elections/recount.py``)
  and Django's full set-up (context: what a plain ``tally`` no longer pays).

    .venv/bin/python bench/blt.py [--ballots 100000] [--repeat 5] [--method scottish-stv] [--no-process]
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import io
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clt.settings_test")

import django  # noqa: E402

django.setup()

from blt_peer import simple_reader_pyrankvote  # noqa: E402
from django.core.management import call_command  # noqa: E402
from profiles import plackett_luce, to_blt  # noqa: E402
from table import Measure, ratio, record, seconds  # noqa: E402

from governance.elections import counting, selectors  # noqa: E402
from governance.elections.blt import read_blt  # noqa: E402

OLD_COMMIT = "ae7331f"  # the reader before the fast path (issue 15's 3.15 s)
READ_TARGET = 10.0
TALLY_TARGET = 2.0
TINY_BLT = "42.blt"  # a few papers: a new process of `tally` is then almost all start-up
GLASGOW = sorted((ROOT / "tests" / "data" / "ballots").glob("*-2007.blt"))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ballots", type=int, default=100_000, help="papers in the Plackett-Luce profile")
    parser.add_argument("--repeat", type=int, default=5, help="interleaved rounds (medians reported)")
    parser.add_argument("--method", default="scottish-stv", choices=sorted(counting.METHODS))
    parser.add_argument("--no-process", action="store_true", help="skip the new-process rows")
    args = parser.parse_args(argv)
    if args.ballots < 1 or args.repeat < 1:
        parser.error("need ballots ≥ 1 and repeat ≥ 1")
    return args


def old_module() -> ModuleType:
    """governance/elections/blt.py as it was at OLD_COMMIT, imported as a module of its own."""
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{OLD_COMMIT}:governance/elections/blt.py"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    path = Path(tempfile.mkdtemp(prefix="bench-blt-")) / f"blt_{OLD_COMMIT}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


@dataclass
class Timing:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.wall)

    def text(self) -> str:
        return f"{seconds(self.median)} (CPU {seconds(statistics.median(self.cpu))})"


def interleaved(runs: dict[str, Callable[[], object]], repeat: int) -> dict[str, Timing]:
    """Each function once per round, in turn, so a busy spell on the shared machine hits all of them."""
    timings = {name: Timing() for name in runs}
    for _ in range(repeat):
        for name, run in runs.items():
            gc.collect()
            wall, cpu = time.perf_counter(), time.process_time()
            run()
            timings[name].cpu.append(time.process_time() - cpu)
            timings[name].wall.append(time.perf_counter() - wall)
    return timings


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def in_new_process(command: list[str], repeat: int) -> Timing:
    timing = Timing()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), children_cpu()
        subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        timing.cpu.append(children_cpu() - cpu)
        timing.wall.append(time.perf_counter() - wall)
    return timing


def tally(path: Path, method: str) -> str:
    out = io.StringIO()
    call_command("tally", str(path), method=method, seed=1, stdout=out)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    old_read_blt = old_module().read_blt
    folder = Path(tempfile.mkdtemp(prefix="bench-blt-"))
    profile_path = folder / "plackett-luce.blt"
    profile_path.write_text(to_blt(plackett_luce(args.ballots), 15, 5), encoding="utf-8")
    data = profile_path.read_bytes()
    lines = data.count(b"\n")
    size = f"{args.ballots:,} papers, {lines:,} lines, {len(data) / 1e6:.1f} MB"
    glasgow = [path.read_bytes() for path in GLASGOW]
    print(f"Plackett-Luce profile: {size}; Glasgow 2007: {len(glasgow)} wards, {sum(map(len, glasgow)):,} bytes")

    # The same profile both ways, before anything is timed (field by field: the classes are two modules').
    assert vars(read_blt(data)) == vars(old_read_blt(data)), "the readers disagree on the profile"
    assert all(vars(read_blt(t)) == vars(old_read_blt(t)) for t in glasgow), "the readers disagree on a ward"

    rows: list[Measure] = []

    def side_by_side(
        measure: str, ours: Callable[[], object], peer: Callable[[], object], peer_name: str, target: float
    ) -> Measure:
        timed = interleaved({"ours": ours, "peer": peer}, args.repeat)
        return Measure(
            measure,
            timed["ours"].text(),
            f"peer: {peer_name} {timed['peer'].text()}",
            ratio(timed["peer"].median, timed["ours"].median),
            target,
        )

    old = f"reader at {OLD_COMMIT}"
    rows.append(
        side_by_side(
            f"read_blt, Plackett-Luce profile ({size})",
            lambda: read_blt(data),
            lambda: old_read_blt(data),
            old,
            READ_TARGET,
        )
    )
    rows.append(
        side_by_side(
            f"read_blt, the {len(glasgow)} Glasgow wards of 2007 in turn",
            lambda: [read_blt(text) for text in glasgow],
            lambda: [old_read_blt(text) for text in glasgow],
            old,
            READ_TARGET,
        )
    )

    # Our winners beside pyrankvote's (a different STV variant: a close seat may differ).
    ours_out = tally(profile_path, args.method)
    elected = next(line for line in ours_out.splitlines() if line.startswith("Elected, in order: "))
    theirs = simple_reader_pyrankvote(profile_path, io.StringIO())
    same = sorted(elected.removeprefix("Elected, in order: ").split(", ")) == sorted(theirs)
    print(f"ours: {elected}\npyrankvote: {', '.join(theirs)} ({'same winners' if same else 'different winners'})")

    peer = "simple reader + pyrankvote STV"
    rows.append(
        side_by_side(
            f"manage.py tally --method {args.method} (call_command: read, count, round table), Plackett-Luce",
            lambda: tally(profile_path, args.method),
            lambda: simple_reader_pyrankvote(profile_path, io.StringIO()),
            peer,
            TALLY_TARGET,
        )
    )
    rows.append(
        side_by_side(
            f"manage.py tally --method {args.method} (call_command), the {len(glasgow)} Glasgow wards in turn",
            lambda: [tally(path, args.method) for path in GLASGOW],
            lambda: [simple_reader_pyrankvote(path, io.StringIO()) for path in GLASGOW],
            peer,
            TALLY_TARGET,
        )
    )

    # Where our tally's time goes, stage by stage (context).
    blt_profile = read_blt(data)

    def count_profile() -> counting.CountResult:
        return counting.count(
            args.method,
            blt_profile.ballots,
            blt_profile.seats,
            blt_profile.candidates,
            tie_break=counting.default_tie_break(args.method, seed=1, order=blt_profile.tie_order),
            withdrawn=blt_profile.withdrawn,
        )

    result = count_profile()
    stages = interleaved(
        {
            "read": lambda: read_blt(profile_path.read_bytes()),
            "count": count_profile,
            "write": lambda: selectors.round_table_text(result),
        },
        args.repeat,
    )
    for name, what in (
        ("read", "reading the file into Ballot objects"),
        ("count", "the count"),
        ("write", "the round table as text"),
    ):
        rows.append(Measure(f"  tally, Plackett-Luce: {what}", stages[name].text(), "", None, None))

    if not args.no_process:
        python = sys.executable
        ours_process = in_new_process(
            [python, "manage.py", "tally", str(profile_path), "--method", args.method, "--seed", "1"], args.repeat
        )
        peer_process = in_new_process([python, str(HERE / "blt_peer.py"), str(profile_path)], args.repeat)
        tiny = ROOT / "tests" / "data" / "ballots" / TINY_BLT
        start = in_new_process([python, "manage.py", "tally", str(tiny), "--method", args.method], args.repeat)
        setup = in_new_process([python, "-c", "import django; django.setup()"], args.repeat)
        rows.append(
            Measure(
                "manage.py tally --method scottish-stv in a new process (start-up included), Plackett-Luce: child CPU",
                seconds(statistics.median(ours_process.cpu)),
                f"peer: python bench/blt_peer.py {seconds(statistics.median(peer_process.cpu))}",
                ratio(statistics.median(peer_process.cpu), statistics.median(ours_process.cpu)),
                TALLY_TARGET,
            )
        )
        rows.append(
            Measure(
                f"  of which the start-up (manage.py tally on {TINY_BLT}: settings, translations, no app)",
                seconds(statistics.median(start.cpu)),
                "",
                None,
                None,
            )
        )
        rows.append(
            Measure(
                "  Django's full set-up, which a plain tally skips (python -c 'django.setup()'): child CPU",
                seconds(statistics.median(setup.cpu)),
                "",
                None,
                None,
            )
        )
    return 0 if record(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
