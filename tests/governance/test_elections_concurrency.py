"""One vote per unit under concurrency (issue 5 §5), on PostgreSQL.

Eight threads, each with its own database connection, cast a ballot with the same access code at the
same moment. The unique constraint on (contest, roll entry) lets exactly one commit; the others are
refused with the "already used" reason and leave nothing behind.
"""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from governance import services as gs
from governance.models import Participation
from tests.governance.stored import stored_ballots
from tests.governance.test_elections_core import build_election, ids, make_officer

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrency is proved on PostgreSQL")

THREADS = 8


def test_concurrent_casts_for_one_voter_store_exactly_one_ballot(transactional_db):
    officer = make_officer()
    _election, stv, _, codes = build_election(officer=officer, lessees=3, generals=0)
    entry, code = codes[0]
    c = ids(stv)
    barrier = threading.Barrier(THREADS)
    receipts: list[str] = []
    refusals: list[str] = []
    errors: list[BaseException] = []

    def vote(choice: int) -> None:
        try:
            barrier.wait(timeout=30)
            receipts.append(gs.ballot_cast(code=code, contest=stv, choices=[choice]))
        except ValidationError as exc:
            refusals.append(exc.message_dict["code"][0])
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    choices = [c["A"], c["B"], c["C"]]
    threads = [threading.Thread(target=vote, args=(choices[i % 3],)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert len(receipts) == 1
    assert len(refusals) == THREADS - 1
    assert all("already been used" in text for text in refusals)
    assert Participation.objects.filter(contest=stv, roll_entry=entry).count() == 1
    assert [b.receipt for b in stored_ballots(stv)] == receipts
