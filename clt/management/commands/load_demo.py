"""manage.py load_demo: a plausible small trust, the same every time (fixed seed).

Each installed app may ship a ``demo.py`` with ``load_demo(context)``; they run in
INSTALLED_APPS order (clt, properties, leases, governance), so later issues extend the demo by
adding to their own app, and the project package imports none of them.
"""

from __future__ import annotations

import importlib
import random
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

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

    def handle(self, *args, **options) -> None:
        context = DemoContext(rng=random.Random(options["seed"]), stdout=self.stdout, style=self.style)
        with transaction.atomic():
            for app_config in apps.get_app_configs():
                try:
                    module = importlib.import_module(f"{app_config.name}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{app_config.name}.demo":
                        raise
                    continue
                module.load_demo(context)
        self.stdout.write(self.style.SUCCESS("Demo data ready. Demo logins (username / password — role):"))
        for username, password, role in context.logins:
            self.stdout.write(f"  {username} / {password} — {role}")
