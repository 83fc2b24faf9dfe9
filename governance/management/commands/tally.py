"""manage.py tally FILE.blt --method ...: count a .blt ballot file and print the round table.

Anyone can recount a published election with it: the same file, method, seats and seed give the
same result, stage by stage.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from governance.elections import counting, selectors
from governance.elections.blt import MAX_BLT_BYTES, BltError, read_blt

METHOD_CHOICES = sorted(counting.METHODS)


def _option_value(text: str) -> Any:
    """A --option value: true/false, a whole number, or the text itself (e.g. omega=1e-10)."""
    lowered = text.lower()
    if lowered in ("true", "yes", "on"):
        return True
    if lowered in ("false", "no", "off"):
        return False
    try:
        return int(text)
    except ValueError:
        return text


class Command(BaseCommand):
    # A recount reads a file and touches no database, URL or template: Django's system checks would
    # cost it a third of a second (as much as reading 100,000 papers) and check nothing it uses.
    requires_system_checks: list[str] = []
    help = (
        "Count the ballots of a .blt file and print the winners in order of election and the round "
        "table. Methods: " + ", ".join(METHOD_CHOICES) + ". Ties: prior stage, then a random order "
        "drawn from --seed (printed, so a recount can repeat it); a [tie] line in the file replaces "
        "the random order."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a .blt ballot file")
        parser.add_argument("--method", required=True, choices=METHOD_CHOICES, help="the counting method")
        parser.add_argument(
            "--seats", type=int, help=f"seats to fill (default: the file's; at most {counting.MAX_SEATS})"
        )
        parser.add_argument("--json", action="store_true", help="print the full result as JSON")
        parser.add_argument("--seed", type=int, help="seed of the random tie-break order (default: drawn and shown)")
        parser.add_argument(
            "--tie-break",
            metavar="RULES",
            help="comma-separated tie-break rules, tried in order: " + ", ".join(counting.TIE_RULES),
        )
        parser.add_argument(
            "--tie-order",
            metavar="ORDER",
            help="comma-separated candidate numbers (as in the file) for the manual rule; "
            "the earliest tied candidate is excluded",
        )
        parser.add_argument(
            "--option",
            action="append",
            default=[],
            metavar="NAME=VALUE",
            help="a counting setting, e.g. overvote_rule=skip, defeat_sure_losers=true, omega=1e-10",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("%(path)s: no such file") % {"path": path})
        size = path.stat().st_size
        if size > MAX_BLT_BYTES:  # refused before it is read into memory
            raise CommandError(
                _("%(path)s: the file is %(size)s bytes; a .blt file is at most %(max)s")
                % {"path": path, "size": f"{size:,}", "max": f"{MAX_BLT_BYTES:,}"}
            )
        try:
            profile = read_blt(path.read_bytes())
        except BltError as exc:
            raise CommandError(
                _("%(path)s: %(error)s") % {"path": path, "error": selectors.blt_error_text(exc)}
            ) from exc

        method = options["method"]
        seats = options["seats"] if options["seats"] is not None else profile.seats
        if method == "irv" and seats != 1:
            raise CommandError(
                _(
                    "%(path)s: instant runoff fills one seat and this count has %(seats)s: pass --seats 1, "
                    "or use an STV method"
                )
                % {"path": path, "seats": seats}
            )
        settings: dict[str, Any] = {}
        for item in options["option"]:
            name, sep, value = item.partition("=")
            if not sep or not name:
                raise CommandError(_("--option %(item)s: expected NAME=VALUE") % {"item": repr(item)})
            settings[name.strip()] = _option_value(value.strip())

        tie_order = profile.tie_order
        if options["tie_order"]:
            tie_order = tuple(self._candidate(profile.candidates, part) for part in options["tie_order"].split(","))
        try:
            tie_break = counting.default_tie_break(method, seed=options["seed"], order=tie_order)
            if options["tie_break"]:
                rules = tuple(rule.strip() for rule in options["tie_break"].split(",") if rule.strip())
                tie_break = counting.TieBreak(rules=rules, seed=options["seed"], order=tie_order)
            result = counting.count(
                method,
                profile.ballots,
                seats,
                profile.candidates,
                tie_break=tie_break,
                options=settings,
                withdrawn=profile.withdrawn,
            )
        except counting.TieUnresolved as exc:
            raise CommandError(
                _("%(path)s: %(error)s (use --tie-order)") % {"path": path, "error": selectors.tie_unresolved_text(exc)}
            ) from exc
        except ValueError as exc:
            raise CommandError(
                _("%(path)s: %(error)s") % {"path": path, "error": selectors.count_error_text(exc, codes=True)}
            ) from exc

        if options["json"]:
            data = {"file": str(path), "title": profile.title, **result.as_dict()}
            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
            return
        if profile.title:
            self.stdout.write(profile.title)
        self.stdout.write(selectors.round_table_text(result), ending="")

    @staticmethod
    def _candidate(candidates: tuple[str, ...], text: str) -> str:
        text = text.strip()
        if not text.isdigit() or not 1 <= int(text) <= len(candidates):
            raise CommandError(
                _("--tie-order: %(text)s is not a candidate number from 1 to %(n)s")
                % {"text": repr(text), "n": len(candidates)}
            )
        return candidates[int(text) - 1]
