"""The vote page on SQLite, the default database: 20 simultaneous casts with one code never fail.

The suite's SQLite database lives in memory, where there is no file lock to fight over, so the test
copies it (migrated, with an open election) into a file and runs the casts in a separate process
whose *default* database is that file, with the project's real SQLite settings (WAL, IMMEDIATE
transactions, a busy timeout). Twenty threads, each with its own connection and its own address,
post the same code to ``/governance/vote/`` at the same moment: one gets the receipts, nineteen the
"already used" refusal, none "database is locked" or a 500.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from clt import clock
from governance.elections.models import Participation
from tests.governance.elections.test_elections_core import build_election, ids, make_officer

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's locking is what is tested")

ROOT = Path(__file__).resolve().parents[2]
THREADS = 20

# Runs in the child process: the default database is the file copy. Each thread has its own client
# (its own connection) and REMOTE_ADDR, so a per-address rate limit on the vote page does not decide.
CAST = r"""
import datetime as dt, json, sys, threading
import django
django.setup()
import time_machine
time_machine.travel(dt.datetime.fromisoformat(sys.argv[1]), tick=True).start()
from django.db import connection, connections
from django.test import Client

marks = json.loads(sys.argv[2])
threads = int(sys.argv[3])
barrier = threading.Barrier(threads)
results = []

def cast(i):
    client = Client(REMOTE_ADDR=f"10.0.{i // 250}.{i % 250 + 1}")  # a server error raises: its text is kept
    try:
        barrier.wait(timeout=30)
        response = client.post("/governance/vote/", {**marks, "step": "cast"})
        results.append({"status": response.status_code, "body": response.content.decode(errors="replace")})
    except BaseException as exc:
        results.append({"status": None, "body": repr(exc)})
    finally:
        connections.close_all()

workers = [threading.Thread(target=cast, args=(i,)) for i in range(threads)]
for worker in workers:
    worker.start()
for worker in workers:
    worker.join(timeout=60)
with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    journal = cursor.fetchone()[0]
print(json.dumps({"journal_mode": journal, "results": results}))
"""


def test_twenty_simultaneous_casts_with_one_code_give_one_receipt_and_nineteen_refusals(transactional_db, tmp_path):
    officer = make_officer()
    _election, stv, plurality, codes = build_election(officer=officer, lessees=3, generals=0)
    code = codes[0][1]
    c, p = ids(stv), ids(plurality)
    marks = {"code": code, f"c{stv.pk}_r{c['A']}": "1", f"c{stv.pk}_r{c['B']}": "2", f"c{plurality.pk}": str(p["X"])}

    path = tmp_path / "db.sqlite3"
    connection.ensure_connection()
    copy = sqlite3.connect(path)
    connection.connection.backup(copy)
    copy.close()

    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(DATABASE_URL=f"sqlite:///{path}", DJANGO_SETTINGS_MODULE="clt.settings_test")
    done = subprocess.run(
        [sys.executable, "-c", CAST, clock.now().isoformat(), json.dumps(marks), str(THREADS)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    results = report["results"]

    assert len(results) == THREADS
    assert not [r for r in results if "database is locked" in r["body"]]
    assert report["journal_mode"] == "wal"
    statuses = sorted(r["status"] for r in results)
    assert statuses == [200] + [400] * (THREADS - 1)
    refused = [r["body"] for r in results if r["status"] == 400]
    assert all("already been used to vote in this contest" in body for body in refused)

    (receipts,) = [r["body"] for r in results if r["status"] == 200]
    assert f'data-contest="{stv.pk}"' in receipts and f'data-contest="{plurality.pk}"' in receipts

    stored = sqlite3.connect(path)
    try:
        table = Participation._meta.db_table
        counts = stored.execute(f"SELECT contest_id, COUNT(*) FROM {table} GROUP BY contest_id ORDER BY 1").fetchall()
    finally:
        stored.close()
    assert counts == sorted([(stv.pk, 1), (plurality.pk, 1)])
