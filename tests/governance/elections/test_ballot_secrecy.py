"""The attack of issue 12 §1, run on the database itself: link voters to ballots with full read access.

An attacker who has a copy of the database (or a ``pg_dump`` of it) knows who voted: the
``Participation`` rows. They try to say which ballot is whose from what the storage adds to the rows:
PostgreSQL's ``xmin`` (the writing transaction) and ``ctid`` (the physical order, which is also the order
``pg_dump`` writes), SQLite's hidden ``rowid``, the ballots' ids and receipts, and any timestamp. Each
strategy predicts one ballot per voter; the test knows the truth (each voter's receipt) and counts the
right predictions.

Chance: a ballot box stored in shuffled batches leaves one right guess per batch to luck (the fixed
points of a random permutation, Poisson with mean 1 per batch). The bound is the count that luck
exceeds with probability below one in a million, so the test fails on a real link (the old storage
linked 45 of 45) and, by chance, about once in a million runs.

The tests commit for real (``transaction=True``): transaction ids and row order are what is attacked.
"""

from __future__ import annotations

import math
import os
import shutil
import subprocess
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pytest
from django.db import connection, models

from governance.elections import ballot_box
from governance.elections import services as gs
from governance.elections.models import Ballot, Participation, SealedBallot
from tests.governance.elections.test_elections_core import build_election, ids, make_officer

committed = pytest.mark.django_db(transaction=True)

K = 10
VOTERS = 45  # four batches of ten reach the box during the vote, five wait sealed; all 45 at the close
POSTGRES = connection.vendor == "postgresql"


@dataclass(frozen=True)
class Row:
    key: str  # the receipt of a ballot, the roll entry of a participation
    xmin: int  # PostgreSQL's writing transaction; 0 on SQLite
    position: tuple[int, int]  # ctid (page, item) on PostgreSQL, (0, rowid) on SQLite
    ident: str  # the primary key, as text


def chance_bound(sets: int) -> int:
    """The number of right guesses that luck reaches with probability below 1e-6 (Poisson with mean ``sets``)."""
    mean = max(sets, 1)
    total, c = 0.0, 0
    while True:
        total += math.exp(-mean) * mean**c / math.factorial(c)
        if 1 - total < 1e-6:  # P(X > c) below one in a million
            return c
        c += 1


def _rows(table: str, key: str, contest_id: int) -> list[Row]:
    with connection.cursor() as cursor:
        if POSTGRES:
            cursor.execute(
                f"SELECT {key}::text, xmin::text::bigint, ctid::text, id::text FROM {table} WHERE contest_id = %s",
                [contest_id],
            )
            found = []
            for k, xmin, ctid, ident in cursor.fetchall():
                page, item = ctid.strip("()").split(",")
                found.append(Row(k, xmin, (int(page), int(item)), ident))
            return found
        cursor.execute(f"SELECT {key}, 0, rowid, id FROM {table} WHERE contest_id = %s", [contest_id])
        return [Row(str(k), 0, (0, rowid), str(ident)) for k, _, rowid, ident in cursor.fetchall()]


def participations(contest_id: int) -> list[Row]:
    return _rows("governance_participation", "roll_entry_id", contest_id)


def ballots(contest_id: int) -> list[Row]:
    return _rows("governance_ballot", "receipt", contest_id)


def dump_order(contest_id: int) -> list[str] | None:
    """The receipts in the order ``pg_dump`` writes the ballot table (None where there is no pg_dump)."""
    if not POSTGRES or shutil.which("pg_dump") is None:
        return None
    db = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    args = ["pg_dump", "--data-only", "--table=governance_ballot", "-h", db["HOST"] or "127.0.0.1"]
    args += ["-p", str(db["PORT"] or 5432), "-U", db["USER"] or "postgres", db["NAME"]]
    text = subprocess.run(args, check=True, capture_output=True, text=True, env=env).stdout
    _, _, rest = text.partition("COPY public.governance_ballot (")
    columns = [c.strip() for c in rest.split(")", 1)[0].split(",")]
    lines = rest.split("\n", 1)[1].split("\n\\.", 1)[0].splitlines()
    receipts = [line.split("\t")[columns.index("receipt")] for line in lines]
    return [r for r in receipts if r in {b.key for b in ballots(contest_id)}]


Strategy = Callable[[list[Row], list[Row]], dict[str, str]]


def by_order(voter_key: Callable[[Row], object], ballot_key: Callable[[Row], object]) -> Strategy:
    """The n-th voter in one order gets the n-th ballot in another."""

    def predict(voters: list[Row], box: list[Row]) -> dict[str, str]:
        return {
            v.key: b.key
            for v, b in zip(sorted(voters, key=voter_key), sorted(box, key=ballot_key), strict=False)
        }

    return predict


def nearest_xmin(voters: list[Row], box: list[Row]) -> dict[str, str]:
    """Each voter gets the ballot written closest after their own transaction (ties: first in physical order)."""
    guess = {}
    for v in voters:
        after = [b for b in box if b.xmin >= v.xmin] or box
        guess[v.key] = min(after, key=lambda b: (b.xmin - v.xmin, b.position)).key
    return guess


def strategies(contest_id: int) -> dict[str, Strategy]:
    found: dict[str, Strategy] = {
        "physical order": by_order(lambda v: v.position, lambda b: b.position),
        "id order": by_order(lambda v: int(v.ident), lambda b: b.ident),
        "receipt order": by_order(lambda v: int(v.ident), lambda b: b.key),
    }
    if POSTGRES:
        found["xmin, then physical order"] = by_order(lambda v: v.xmin, lambda b: (b.xmin, b.position))
        found["nearest xmin"] = nearest_xmin
        dumped = dump_order(contest_id)
        assert dumped is not None or not shutil.which("pg_dump")
        if dumped is not None:
            rank = {receipt: i for i, receipt in enumerate(dumped)}
            found["pg_dump order"] = by_order(lambda v: int(v.ident), lambda b: rank[b.key])
    return found


def right_guesses(strategy: Strategy, voters: list[Row], box: list[Row], truth: dict[str, str]) -> int:
    guess = strategy(voters, box)
    return sum(1 for voter, receipt in truth.items() if guess.get(voter) == receipt)


def anonymity_sets(box: list[Row], batch: int | None = None) -> list[int]:
    """The sizes of the groups of ballots that share a writing transaction.

    SQLite keeps no transaction id on a row, but its rows stay in insertion order: during the vote each
    batch of ``batch`` ballots moved into the box in one transaction is a group of its own (the physical
    order says which batch a ballot is in, never which place in it); after the close, one group."""
    if not POSTGRES:
        if batch is None:
            return [len(box)]
        return [min(batch, len(box) - start) for start in range(0, len(box), batch)]
    sizes: dict[int, int] = {}
    for b in box:
        sizes[b.xmin] = sizes.get(b.xmin, 0) + 1
    return sorted(sizes.values())


@pytest.fixture
def k_of_ten(settings):
    settings.CLT = {**settings.CLT, "BALLOT_ANONYMITY_SET": K}


def cast_all(stv, codes: Sequence) -> dict[str, str]:
    """Every voter casts, one transaction each, in roll order; returns {roll entry id: receipt}."""
    c = ids(stv)
    rankings = [[c["A"], c["B"]], [c["B"], c["C"]], [c["C"]], [c["A"]], [c["B"], c["A"], c["C"]]]
    return {
        str(entry.pk): gs.ballot_cast(code=code, contest=stv, choices=rankings[i % len(rankings)])
        for i, (entry, code) in enumerate(codes)
    }


@committed
def test_no_strategy_links_voters_to_ballots_better_than_chance(k_of_ten):
    officer = make_officer()
    election, stv, _plurality, codes = build_election(officer=officer, lessees=VOTERS, generals=0)
    truth = cast_all(stv, codes)
    voters = participations(stv.pk)
    assert len(voters) == VOTERS

    # During the vote: four shuffled batches in the box, the last five still sealed.
    box = ballots(stv.pk)
    assert len(box) == 40 and SealedBallot.objects.filter(contest=stv).count() == 5
    sets = anonymity_sets(box, batch=K)
    assert min(sets) >= K, sets
    for name, strategy in strategies(stv.pk).items():
        right = right_guesses(strategy, voters, box, truth)
        assert right <= chance_bound(len(sets)), (name, right, sets)

    # After the close: one box in one random order, one transaction; every voter is the anonymity set.
    gs.election_close(actor=officer, reason="Polls closed", election=election)
    box = ballots(stv.pk)
    assert {b.key for b in box} == set(truth.values()) and not SealedBallot.objects.exists()
    sets = anonymity_sets(box)
    assert sets == [VOTERS]
    for name, strategy in strategies(stv.pk).items():
        right = right_guesses(strategy, voters, box, truth)
        assert right <= chance_bound(1), (name, right)


@committed
def test_the_attack_finds_the_link_where_there_is_one(k_of_ten):
    """Sealed ballots share their voter's traces, which the attack finds; what it finds is unreadable."""
    officer = make_officer()
    _election, stv, _plurality, codes = build_election(officer=officer, lessees=5, generals=0)
    truth = cast_all(stv, codes)
    voters = participations(stv.pk)
    sealed = _rows("governance_sealedballot", "id", stv.pk)
    assert len(sealed) == 5 and not Ballot.objects.exists()
    if POSTGRES:
        strategy = by_order(lambda v: v.xmin, lambda s: s.xmin)
    else:
        strategy = by_order(lambda v: v.position, lambda s: s.position)
    guess = strategy(voters, sealed)
    # Each voter's sealed row is found (same transaction, or the same place in the insertion order) ...
    by_id = {s.pk: s for s in SealedBallot.objects.all()}
    opened = {voter: ballot_box.open_sealed(stv.pk, by_id[uuid.UUID(guess[voter])].sealed).receipt for voter in truth}
    assert opened == truth
    # ... but without the server's key it holds neither the receipt nor the choices.
    for s in SealedBallot.objects.all():
        blob = bytes(s.sealed)
        assert not any(receipt.encode() in blob for receipt in truth.values())
        assert b'"c"' not in blob and b'"r"' not in blob


@pytest.mark.django_db
def test_every_sealed_ballot_of_a_contest_has_the_same_length():
    """A ciphertext's length is visible: it must not say how many candidates the voter marked."""
    officer = make_officer()
    _election, stv, _plurality, codes = build_election(officer=officer, lessees=4, generals=0)
    c = ids(stv)
    for (_, code), ranking in zip(codes, [[], [c["A"]], [c["A"], c["B"]], [c["C"], c["B"], c["A"]]], strict=True):
        gs.ballot_cast(code=code, contest=stv, choices=ranking)
    lengths = {len(bytes(s.sealed)) for s in SealedBallot.objects.filter(contest=stv)}
    assert len(lengths) == 1 and SealedBallot.objects.filter(contest=stv).count() == 4


def test_nothing_stored_with_a_ballot_tells_the_time():
    for model in (Ballot, SealedBallot):
        kinds = {type(f) for f in model._meta.concrete_fields}
        assert not kinds & {models.DateField, models.DateTimeField, models.TimeField, models.AutoField}
        assert not hasattr(model, "history")
    # The participation's id tells the order of casting; the ballots' ids are random (UUID4).
    assert isinstance(Participation._meta.pk, models.BigAutoField)
    assert isinstance(Ballot._meta.pk, models.UUIDField) and isinstance(SealedBallot._meta.pk, models.UUIDField)


def test_chance_bound():
    # Poisson(1): P(X > 8) is 1.1e-6, P(X > 9) 1.1e-7. Poisson(4): P(X > 16) is 1.2e-6, P(X > 17) 2.7e-7.
    assert chance_bound(1) == 9
    assert chance_bound(4) == 17


@pytest.mark.django_db
@pytest.mark.skipif(POSTGRES, reason="a SQLite setting")
def test_sqlite_overwrites_what_it_deletes():
    """The ballot box's earlier order (the batches) is not left in SQLite's free pages after the close."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA secure_delete")
        assert cursor.fetchone()[0] == 1
