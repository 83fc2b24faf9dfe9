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

from governance.elections import services as gs
from governance.elections.models import Participation
from tests.governance.elections.test_elections_core import build_election, ids, make_officer
from tests.governance.stored import stored_ballots

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


def test_a_ballot_cast_while_the_election_closes_is_in_the_box(transactional_db):
    """A cast still in flight when the officer closes: the close waits for it, and its ballot is in the box.

    Without the election's shared lock, the close moved the box without the ballot, which then stayed
    sealed (or was deleted unread) while its participation said the voter had voted.
    """
    from django.db import transaction

    from governance.elections.models import Ballot, ElectionPhase, SealedBallot

    officer = make_officer()
    election, stv, _, codes = build_election(officer=officer, lessees=3, generals=0)
    cast_inside = threading.Event()
    release = threading.Event()
    receipts: list[str] = []
    errors: list[BaseException] = []

    def slow_voter() -> None:
        try:
            with transaction.atomic():
                receipts.append(gs.ballot_cast(code=codes[0][1], contest=stv, choices=[ids(stv)["A"]]))
                cast_inside.set()
                release.wait(timeout=30)  # the cast has not committed yet
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    def officer_closes() -> None:
        try:
            gs.election_close(actor=officer, reason="Polls closed", election=election)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    voter = threading.Thread(target=slow_voter)
    voter.start()
    assert cast_inside.wait(timeout=30)
    closer = threading.Thread(target=officer_closes)
    closer.start()
    closer.join(timeout=2)
    assert closer.is_alive()  # the close waits for the cast in flight
    release.set()
    voter.join(timeout=30)
    closer.join(timeout=30)

    assert errors == []
    election.refresh_from_db()
    assert election.phase == ElectionPhase.CLOSED
    assert list(Ballot.objects.filter(contest=stv).values_list("receipt", flat=True)) == receipts
    assert not SealedBallot.objects.exists()
