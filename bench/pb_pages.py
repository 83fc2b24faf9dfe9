"""Benchmark of the participatory budgeting results page on Wieliczka 2023, imported (6,586 ballots, 64 projects).

Run by hand; never collected by pytest. It creates a throw-away test database (``clt.settings_test``), imports
``tests/data/pb/poland_wieliczka_2023.pb`` into a budget through the services, counts it (Equal Shares with add1,
once, as ``budget_advance`` does), then renders ``/governance/budgets/<id>/result/`` for a staff user
``--repeat`` times and prints the median wall time and the queries of one render. Target: under 1 s.

    .venv/bin/python bench/pb_pages.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clt.settings_test")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from clt import roles  # noqa: E402
from governance.budgeting import services  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        staff = User.objects.create_user("bench-staff", password="x")
        staff.groups.add(Group.objects.get_or_create(name=roles.STAFF_GROUP)[0])
        budget = services.budget_create(actor=staff, name="Wieliczka Green Budget 2023", amount=1, currency="PLN")
        started = time.perf_counter()
        services.budget_import(
            actor=staff, budget=budget, data=(ROOT / "tests/data/pb/poland_wieliczka_2023.pb").read_bytes()
        )
        imported = time.perf_counter()
        services.budget_advance(actor=staff, budget=budget)
        counted = time.perf_counter()
        print(f"import {imported - started:.2f} s, count (add1) {counted - imported:.2f} s")
        client = Client()
        client.force_login(staff)
        url = f"/governance/budgets/{budget.pk}/result/"
        times = []
        for _ in range(args.repeat):
            begin = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - begin)
            assert response.status_code == 200, response.status_code
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        median = statistics.median(times)
        print(
            f"results page: median {median * 1000:.0f} ms of {args.repeat}, {len(queries)} queries, "
            f"{len(response.content) // 1024} KiB; target < 1000 ms: {'ok' if median < 1 else 'MISSED'}"
        )
        return 0 if median < 1 else 1
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
