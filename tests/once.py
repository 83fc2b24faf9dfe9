"""Data built once for a module: inside a transaction rolled back when the module is done.

As tests/test_demo.py does for the demo: a module-scoped fixture builds what every test of the module
starts from inside ``rolled_back``, and each test then runs in its own savepoint (pytest-django's ``db``),
so one test's changes never reach the next. Tests should be handed fresh instances read back by primary
key (not the instances the fixture made), so that nothing a test changes in memory carries over either.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.db import transaction


@contextlib.contextmanager
def rolled_back(django_db_blocker) -> Iterator[None]:
    with django_db_blocker.unblock(), transaction.atomic():
        try:
            yield
        finally:
            transaction.set_rollback(True)
