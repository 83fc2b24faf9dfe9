"""The peer of ``manage.py tally`` in ``bench/blt.py``: a simple .blt reader and pyrankvote's STV.

What someone would write to recount a .blt file with pyrankvote (a benchmark dependency only, never the
product's): split each ballot line, one pyrankvote ``Ballot`` per line repeated ``count`` times (one per
paper, as pyrankvote counts papers), the count, and its result printed. No Django, no project import, so
it can also run as its own process, as ``manage.py tally`` does:

    .venv/bin/python bench/blt_peer.py FILE.blt
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

import pyrankvote


def simple_reader_pyrankvote(path: Path, out: TextIO) -> list[str]:
    """Read ``path`` (common .blt shape only: one ballot per line), count it with pyrankvote, print the result."""
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    n, seats = (int(word) for word in lines[0].split()[:2])
    rows = []
    i = 1
    while (words := lines[i].split()) != ["0"]:
        rows.append(words)
        i += 1
    candidates = [pyrankvote.Candidate(line.strip().strip('"')) for line in lines[i + 1 : i + 1 + n]]
    ballots: list[pyrankvote.Ballot] = []
    for words in rows:
        ballot = pyrankvote.Ballot(ranked_candidates=[candidates[int(word) - 1] for word in words[1:-1]])
        ballots.extend([ballot] * int(words[0]))
    result = pyrankvote.single_transferable_vote(candidates, ballots, number_of_seats=seats)
    out.write(str(result))
    return [candidate.name for candidate in result.get_winners()]


if __name__ == "__main__":
    print(", ".join(simple_reader_pyrankvote(Path(sys.argv[1]), sys.stdout)))
