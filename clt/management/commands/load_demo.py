"""manage.py load_demo: a plausible small trust, the same every time (fixed seed).

The demo is built relative to a day (``--as-of``, today by default): a year of billing up to
it, deadlines around it, an election open on it. Inside the run the trust's clock
(``clt.clock``) stands on that day, so every service sees one consistent "today".

Each installed app may ship a ``demo.py`` with ``load_demo(context)``; they run in
INSTALLED_APPS order (clt, properties, leases, governance), so later issues extend the demo by
adding to their own app, and the project package imports none of them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import random
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from clt import clock

DEMO_SEED = 2026


@dataclass
class DemoContext:
    """What one app's demo loader hands the next: the random source, the acting user, notes."""

    rng: random.Random
    stdout: Any
    style: Any
    actor: Any = None
    shared: dict[str, Any] = field(default_factory=dict)
    logins: list[tuple[str, str, str]] = field(default_factory=list)


class Command(BaseCommand):
    help = "Load the demo trust (parcels, homes, people and demo logins). Safe to run again: it changes nothing twice."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=DEMO_SEED, help="random seed (default %(default)s)")
        parser.add_argument(
            "--as-of",
            type=_date,
            default=None,
            help="build the demo as it stands on this day, YYYY-MM-DD (default: today)",
        )

    def handle(self, *args, **options) -> None:
        # Without --as-of the demo stands at this very moment, so an election it opens "yesterday"
        # is open now; with it, at noon of that day.
        as_of = options["as_of"] or clock.now()
        context = DemoContext(rng=random.Random(options["seed"]), stdout=self.stdout, style=self.style)
        with clock.fixed_at(as_of), transaction.atomic():
            for app_config in apps.get_app_configs():
                try:
                    module = importlib.import_module(f"{app_config.name}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{app_config.name}.demo":
                        raise
                    continue
                module.load_demo(context)
        self.stdout.write(self.style.SUCCESS(_("Demo data ready. Demo logins (username / password — role):")))
        for username, password, role in context.logins:
            self.stdout.write(f"  {username} / {password} — {role}")


def _date(raw: str) -> dt.date:
    # An ArgumentTypeError, so that argparse names the option and a shell gets usage and exit 2.
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(_("“%(value)s” is not a date (YYYY-MM-DD)") % {"value": raw}) from None
