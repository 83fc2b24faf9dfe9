"""The one table ``make bench`` prints: measure → ours → peer or limit → ratio → target.

Every script in ``bench/`` describes what it measured as ``Measure`` rows and calls ``record``: the rows
are printed as the script's own table and, when ``bench/run.py`` runs the script (``make bench``),
appended as JSON lines to the file ``$BENCH_TABLE`` names, so the run ends with one table of every
target.

A ratio is always "higher is better": the peer's time over ours (2.0 means twice as fast as the peer), or
the limit over ours (1.25 means 20 % inside the limit; below 1.0 the limit is missed). A row with no
target is context (a breakdown, a size), shown but never judged.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Measure:
    measure: str  # what was measured, at what size, on which database
    ours: str  # our figure, with its unit ("23.1 ms", "1.2 MB")
    against: str  # "peer: <what> <figure>" or "limit: <figure>", or "" for context rows
    ratio: float | None  # peer / ours or limit / ours: higher is better
    target: float | None  # the ratio the issue asks for; None for context rows

    @property
    def met(self) -> bool | None:
        if self.target is None or self.ratio is None:
            return None
        return self.ratio >= self.target


def ratio(against: float, ours: float) -> float:
    """``against / ours``, guarded against a zero measurement."""
    return against / ours if ours > 0 else float("inf")


def seconds(value: float) -> str:
    """A duration as people read it: "840 µs", "23.1 ms", "4.73 s"."""
    if value < 1e-3:
        return f"{value * 1e6:.0f} µs"
    if value < 1:
        return f"{value * 1e3:.1f} ms"
    return f"{value:.2f} s"


def megabytes(size: float) -> str:
    return f"{size / 1e6:.2f} MB"


def _cells(row: Measure) -> list[str]:
    verdict = {None: "", True: "met", False: "MISSED"}[row.met]
    return [
        row.measure,
        row.ours,
        row.against,
        "" if row.ratio is None else f"{row.ratio:.2f}",
        "" if row.target is None else f"≥ {row.target:g}",
        verdict,
    ]


def format_table(rows: Iterable[Measure]) -> str:
    header = ["measure", "ours", "peer or limit", "ratio", "target", ""]
    body = [_cells(row) for row in rows]
    width = [max(len(line[i]) for line in [header, *body]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(cell.ljust(width[i]) for i, cell in enumerate(cells)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in width) + "|"
    return "\n".join([line(header), rule, *(line(cells) for cells in body)])


def record(rows: list[Measure]) -> bool:
    """Print the rows as a table, hand them to ``bench/run.py`` if it is listening; False if a target is missed."""
    print()
    print(format_table(rows), flush=True)
    path = os.environ.get("BENCH_TABLE")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps(asdict(row)) + "\n")
    return all(row.met is not False for row in rows)


def read(path: str) -> list[Measure]:
    with open(path, encoding="utf-8") as source:
        return [Measure(**json.loads(line)) for line in source if line.strip()]
