"""``manage.py tally FILE.blt --method ...``: count a .blt ballot file and print the round table.

Anyone can recount a published election with it: the same file, method, seats and seed give the same
result, stage by stage. The Django command (``governance/management/commands/tally.py``) and the quick
start below share :func:`add_arguments` and :func:`run`, so both print the same bytes.

A recount reads a file and touches no database, model, URL or template. ``manage.py`` therefore runs a
plain ``tally`` through :func:`main`, which loads the settings and the translations but sets up no app:
Django's full set-up costs a new process about 0.6 s of CPU, twice what reading and counting 100,000
papers cost (``bench/blt.py``). An option only Django's runner knows (``--settings``, ``--help``...) takes
the full path.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from django.apps import apps
from django.utils import translation
from django.utils.translation import gettext as _

from clt.language import command_language
from governance.elections import counting, texts
from governance.elections.blt import MAX_BLT_BYTES, BltError, read_blt

__all__ = ["HELP", "RecountError", "add_arguments", "main", "quick_start", "run"]

METHOD_CHOICES = sorted(counting.METHODS)
HELP = (
    "Count the ballots of a .blt file and print the winners in order of election and the round "
    "table. Methods: " + ", ".join(METHOD_CHOICES) + ". Ties: prior stage, then a random order "
    "drawn from --seed (printed, so a recount can repeat it); a [tie] line in the file replaces "
    "the random order."
)
# The options Django's command runner adds to every command: asked for, the full set-up answers.
_DJANGO_OPTIONS = ("-h", "--help", "--version", "-v", "--verbosity", "--settings", "--pythonpath", "--traceback")
_DJANGO_OPTIONS += ("--no-color", "--force-color", "--skip-checks")


class RecountError(Exception):
    """A recount refused, in the reader's language (the command reports it as a ``CommandError``)."""


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


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a .blt ballot file")
    parser.add_argument("--method", required=True, choices=METHOD_CHOICES, help="the counting method")
    parser.add_argument("--seats", type=int, help=f"seats to fill (default: the file's; at most {counting.MAX_SEATS})")
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


def run(options: Mapping[str, Any], write: Callable[[str], Any]) -> None:
    """Read, count and print (through ``write``); a refusal raises :class:`RecountError`."""
    path = Path(options["file"])
    if not path.is_file():
        raise RecountError(_("%(path)s: no such file") % {"path": path})
    size = path.stat().st_size
    if size > MAX_BLT_BYTES:  # refused before it is read into memory
        raise RecountError(
            _("%(path)s: the file is %(size)s bytes; a .blt file is at most %(max)s")
            % {"path": path, "size": f"{size:,}", "max": f"{MAX_BLT_BYTES:,}"}
        )
    try:
        profile = read_blt(path.read_bytes())
    except BltError as exc:
        raise RecountError(_("%(path)s: %(error)s") % {"path": path, "error": texts.blt_error_text(exc)}) from exc

    method = options["method"]
    seats = options["seats"] if options["seats"] is not None else profile.seats
    if method == "irv" and seats != 1:
        raise RecountError(
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
            raise RecountError(_("--option %(item)s: expected NAME=VALUE") % {"item": repr(item)})
        settings[name.strip()] = _option_value(value.strip())

    tie_order = profile.tie_order
    if options["tie_order"]:
        tie_order = tuple(_candidate(profile.candidates, part) for part in options["tie_order"].split(","))
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
        raise RecountError(
            _("%(path)s: %(error)s (use --tie-order)") % {"path": path, "error": texts.tie_unresolved_text(exc)}
        ) from exc
    except ValueError as exc:
        raise RecountError(
            _("%(path)s: %(error)s") % {"path": path, "error": texts.count_error_text(exc, codes=True)}
        ) from exc

    if options["json"]:
        data = {"file": str(path), "title": profile.title, **result.as_dict()}
        write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return
    if profile.title:
        write(profile.title + "\n")
    write(texts.round_table_text(result))


def _candidate(candidates: tuple[str, ...], text: str) -> str:
    text = text.strip()
    if not text.isdigit() or not 1 <= int(text) <= len(candidates):
        raise RecountError(
            _("--tie-order: %(text)s is not a candidate number from 1 to %(n)s")
            % {"text": repr(text), "n": len(candidates)}
        )
    return candidates[int(text) - 1]


def quick_start(argv: Sequence[str]) -> bool:
    """Whether ``manage.py`` may run this command line through :func:`main` (a plain ``tally``)."""
    return len(argv) > 2 and argv[1] == "tally" and not any(arg.split("=", 1)[0] in _DJANGO_OPTIONS for arg in argv[2:])


def main(argv: Sequence[str]) -> int:
    """``manage.py tally ARGS`` without the apps: the settings, the translations, the count."""
    parser = argparse.ArgumentParser(prog="manage.py tally", description=HELP)
    add_arguments(parser)
    options = vars(parser.parse_args(argv))  # a wrong option: argparse's message and exit status 2

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clt.settings")
    # No app is needed: the product's messages are one catalogue in LOCALE_PATHS, which the
    # translations read without any app; an empty registry is what lets them load.
    apps.populate([])
    translation.activate(command_language())
    try:
        run(options, sys.stdout.write)
    except RecountError as exc:
        sys.stderr.write(f"CommandError: {exc}\n")  # as Django's runner reports a CommandError
        return 1
    return 0
