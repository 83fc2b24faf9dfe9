"""manage.py resale_portfolio --as-of DATE [--output FILE.csv] [--program NAME]: every lease's price on a date.

The CSV (``leases.resale.portfolio.CSV_COLUMNS``, one row per lease in force on the date) goes to ``--output``
or stdout; the summary per program (leases priced and not, the sums, the retention ratio) and the
progress go to stderr, so ``> portfolio.csv`` keeps the file clean. A file is written beside its final
name and moved into place, so a reader never sees half of one.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clt.progress import ProgressBar
from leases.resale import portfolio


class Command(BaseCommand):
    help = (
        "Write the resale portfolio as CSV: every lease in force on a date with its formula price, initial "
        "subsidy and subsidy retained; a summary per program on stderr."
    )
    # A read-only report: the system checks would import every URL and view first (a second of start-up).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", required=True, metavar="YYYY-MM-DD", help="the date, e.g. 2026-11-27")
        parser.add_argument("--output", metavar="FILE.csv", help="write the CSV here (default: stdout)")
        parser.add_argument("--program", metavar="NAME", help="only the leases of this resale policy (its name)")

    def handle(self, *args, **options) -> None:
        text = options["as_of"]
        try:
            as_of = dt.date.fromisoformat(text)
        except ValueError:
            raise CommandError(
                _("--as-of %(text)s: expected a date as YYYY-MM-DD, e.g. 2026-11-27") % {"text": repr(text)}
            ) from None

        stderr = getattr(self.stderr, "_out", self.stderr)
        bar = ProgressBar(stderr)
        started = time.monotonic()
        try:
            found = portfolio.resale_portfolio(as_of=as_of, program=options["program"], progress=bar)
        except ValidationError as error:
            raise CommandError(_("--program: %(messages)s") % {"messages": " ".join(error.messages)}) from None

        if options["output"]:
            target = Path(options["output"])
            # Written next to the target, then renamed: atomic on one file system.
            try:
                handle, partial = tempfile.mkstemp(prefix=target.name + ".", suffix=".part", dir=target.parent)
            except OSError as error:
                raise CommandError(
                    _("--output %(file)s: %(error)s") % {"file": repr(options["output"]), "error": error.strerror}
                ) from None
            try:
                with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
                    portfolio.write_csv(found, stream)
                os.replace(partial, target)
            except BaseException:
                Path(partial).unlink(missing_ok=True)
                raise
        else:
            portfolio.write_csv(found, self.stdout._out if hasattr(self.stdout, "_out") else self.stdout)

        elapsed = time.monotonic() - started
        stderr.write(
            ngettext(
                "Resale portfolio on %(date)s: %(count)s lease in %(seconds)s s",
                "Resale portfolio on %(date)s: %(count)s leases in %(seconds)s s",
                len(found.rows),
            )
            % {"date": as_of.isoformat(), "count": f"{len(found.rows):,}", "seconds": f"{elapsed:.2f}"}
            + "\n"
        )
        for line in portfolio.summary_lines(found):
            stderr.write(line + "\n")
        if options["output"]:
            stderr.write(_("CSV written to %(file)s") % {"file": options["output"]} + "\n")
        stderr.flush()
