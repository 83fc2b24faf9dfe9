"""manage.py tally FILE.blt --method ...: count a .blt ballot file and print the round table.

The work is ``governance.elections.recount``; a plain ``manage.py tally`` runs it without setting up
the apps (see there), and this command runs it inside Django (``call_command``, ``--help``...).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from governance.elections import recount


class Command(BaseCommand):
    # A recount reads a file and touches no database, URL or template: Django's system checks would
    # cost it a third of a second (as much as reading 100,000 papers) and check nothing it uses.
    requires_system_checks: list[str] = []
    help = recount.HELP

    def add_arguments(self, parser: CommandParser) -> None:
        recount.add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            recount.run(options, lambda text: self.stdout.write(text, ending=""))
        except recount.RecountError as exc:
            raise CommandError(str(exc)) from exc
