"""``make bench``: every benchmark in turn, then one table of every measure and its target.

    .venv/bin/python bench/run.py [--only NAME ...] [--database sqlite|postgres]

Each script runs in its own process (a fresh interpreter and a throwaway database), with ``BENCH_TABLE``
naming the file its rows are appended to; a script that fails is reported and the others still run. The
exit status is 1 when a target is missed or a script failed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from table import format_table, read  # noqa: E402

# (name, script, arguments, needs Django settings). The order is the issue's: counting, lists and the
# map, the portfolio, a cast, then the rest.
SCRIPTS: list[tuple[str, str, list[str], bool]] = [
    ("stv", "stv.py", [], False),
    ("blt", "blt.py", [], False),
    ("pb", "pb.py", [], False),
    ("parcels", "parcels.py", [], True),
    ("lists", "lists.py", [], True),
    ("portfolio", "portfolio.py", [], True),
    # A cast's CPU is judged against the code before issue 15 run on the same machine (a git worktree).
    ("ballots", "ballots_http.py", ["--before", "4a63bfd"], True),
    ("statements", "statements.py", [], True),
    ("billing", "billing.py", [], True),
    ("impact", "impact.py", [], True),
    ("quote", "quote.py", [], True),
    ("jobs", "jobs.py", [], True),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    names = ", ".join(s[0] for s in SCRIPTS)
    parser.add_argument("--only", nargs="*", default=None, help=f"run only these ({names})")
    parser.add_argument("--database", choices=["sqlite", "postgres"], default=None)
    args = parser.parse_args(argv)
    chosen = [s for s in SCRIPTS if args.only is None or s[0] in args.only]
    failed: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        table = os.path.join(folder, "table.jsonl")
        open(table, "w").close()
        for name, script, extra, django in chosen:
            env = dict(os.environ, BENCH_TABLE=table)
            if django:
                env.setdefault("DJANGO_SETTINGS_MODULE", "clt.settings_test")
            command = [sys.executable, str(HERE / script), *extra]
            if django and args.database:
                command += ["--database", args.database]
            print(f"\n== {name}: {' '.join(command[1:])}", flush=True)
            started = time.monotonic()
            before = len(read(table))
            status = subprocess.call(command, env=env)
            print(f"== {name}: exit {status} after {time.monotonic() - started:.0f} s", flush=True)
            added = len(read(table)) - before
            # 1 is "a target missed", already in the table; a script that wrote no row failed before measuring.
            if status not in (0, 1) or added == 0:
                failed.append(name)
        rows = read(table)
    print("\n" + format_table(rows))
    missed = [row.measure for row in rows if row.met is False]
    if missed:
        print(f"\n{len(missed)} target(s) missed:\n- " + "\n- ".join(missed))
    if failed:
        print(f"\nfailed to run: {', '.join(failed)}")
    return 1 if missed or failed else 0


if __name__ == "__main__":
    sys.exit(main())
