"""The rows of the older scripts (statements, billing, impact, quote) as ``bench/table.py`` measures.

Those scripts build ``Row(name, value, target, ok)`` as they time each stage; a row with a time limit
also carries the seconds measured and the limit (``ours``, ``limit``), so its ratio is ``limit / ours``
like every other "limit" row of ``make bench``. A row without them is context.
"""

from __future__ import annotations

from dataclasses import dataclass

from table import Measure, ratio, record


@dataclass(frozen=True)
class Row:
    name: str
    value: str
    target: str = ""
    ok: bool | None = None
    ours: float | None = None  # seconds measured, for a row with a limit
    limit: float | None = None  # the limit in seconds


def measure(row: Row) -> Measure:
    if row.ours is None or row.limit is None:
        if row.ok is None:
            return Measure(row.name.strip(), row.value, row.target, None, None)
        # A check with an expected value (nothing created twice, one fee per lease): met or not.
        return Measure(row.name.strip(), row.value, f"expected: {row.target}", 1.0 if row.ok else 0.0, 1.0)
    return Measure(row.name.strip(), row.value, f"limit: {row.target.lstrip('< ')}", ratio(row.limit, row.ours), 1.0)


def report(rows: list[Row], met: str) -> int:
    """Print the rows (and hand them to ``bench/run.py``); 1 if a target is missed, else 0."""
    if not record([measure(row) for row in rows]):
        missed = [row.name.strip() for row in rows if row.ok is False]
        print(f"\n{len(missed)} target(s) missed: " + "; ".join(missed))
        return 1
    print(f"\n{met}")
    return 0
