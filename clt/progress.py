"""A text progress bar for long commands (imports, batch PDFs), written to stderr.

On a terminal it redraws one line; in a log (CI, cron) it prints a line per stage change and
every tenth of the way, so the log stays readable.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    def __init__(self, stream: TextIO | None = None, width: int = 30):
        self.stream = stream or sys.stderr
        self.width = width
        self.interactive = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.started = time.monotonic()
        self._last: tuple[str, int] | None = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        total = max(total, 1)
        fraction = min(done / total, 1.0)
        tenth = int(fraction * 10)
        if not self.interactive and self._last == (stage, tenth) and done != total:
            return
        self._last = (stage, tenth)
        filled = int(fraction * self.width)
        bar = "#" * filled + "-" * (self.width - filled)
        line = f"{stage:<10} [{bar}] {done:>7,}/{total:,} {time.monotonic() - self.started:6.1f}s"
        if self.interactive:
            self.stream.write("\r" + line + ("\n" if done >= total else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
