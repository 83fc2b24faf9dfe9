"""The ballot box's moves: sealed ballots reach ``Ballot`` in batches of *k*, and nothing is lost on the way."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from governance.elections import ballot_box
from governance.elections.models import Ballot, ElectionPhase, SealedBallot
from tests.governance import all_services as gs
from tests.governance.elections.test_elections_core import build_election, cast_worked_example, ids, make_officer
from tests.governance.stored import stored_ballots

pytestmark = pytest.mark.django_db


@pytest.fixture
def k_of_four(settings):
    settings.CLT = {**settings.CLT, "BALLOT_ANONYMITY_SET": 4}


def test_sealed_ballots_join_the_box_four_at_a_time(k_of_four, django_capture_on_commit_callbacks):
    officer = make_officer()
    _election, stv, _plurality, codes = build_election(officer=officer)
    c = ids(stv)
    for n, (_, code) in enumerate(codes[:9], start=1):
        with django_capture_on_commit_callbacks(execute=True):
            gs.ballot_cast(code=code, contest=stv, choices=[c["A"]])
        # After the 4th and the 8th cast the waiting ballots move together; the others wait sealed.
        assert Ballot.objects.filter(contest=stv).count() == 4 * (n // 4)
        assert SealedBallot.objects.filter(contest=stv).count() == n % 4


def test_a_move_that_fails_halfway_loses_no_ballot(k_of_four, monkeypatch):
    officer = make_officer()
    election, stv, _plurality, codes = build_election(officer=officer)
    receipts = cast_worked_example(stv, codes[:5])  # five wait sealed (the moves were not run)
    assert SealedBallot.objects.filter(contest=stv).count() == 5

    def stop(*args, **kwargs):
        raise RuntimeError("the server stops here")

    # The sealed rows are deleted before the ballots are inserted: the stop falls between the two.
    monkeypatch.setattr(Ballot.objects, "bulk_create", stop)
    with pytest.raises(RuntimeError):
        ballot_box.unseal(stv)
    assert SealedBallot.objects.filter(contest=stv).count() == 5 and not Ballot.objects.exists()
    monkeypatch.undo()

    gs.election_close(actor=officer, reason="Polls closed", election=election)
    assert sorted(Ballot.objects.filter(contest=stv).values_list("receipt", flat=True)) == sorted(receipts)
    assert not SealedBallot.objects.exists()


def test_the_close_counts_ballots_still_sealed(officer_and_worked_example):
    election, stv, receipts = officer_and_worked_example
    assert SealedBallot.objects.filter(contest=stv).count() == 9  # fewer than k = 10: all still sealed
    gs.election_close(actor=election.officer, reason="Polls closed", election=election)
    gs.election_count(actor=election.officer, reason="Count", election=election)
    stv.refresh_from_db()
    assert sorted(b.receipt for b in gs.ballots_publish(stv)) == sorted(receipts)
    # The worked example of the core tests, unchanged by the sealing: A and C, quota 4.
    assert stv.result["winners"] == ["A Candidate", "C Candidate"] and stv.result["quota"] == "4.00000"


@pytest.fixture
def officer_and_worked_example(db):
    officer = make_officer()
    election, stv, _plurality, codes = build_election(officer=officer)
    receipts = cast_worked_example(stv, codes)
    election.refresh_from_db()
    return election, stv, receipts


def test_ballots_sealed_before_a_key_change_open_with_the_old_key(officer_and_worked_example, settings):
    election, stv, receipts = officer_and_worked_example
    old = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-key-" + "x" * 50
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(ValidationError) as refused:
        gs.election_close(actor=election.officer, reason="Polls closed", election=election)
    assert "SECRET_KEY_FALLBACKS" in refused.value.message_dict["phase"][0]
    election.refresh_from_db()
    assert election.phase == ElectionPhase.OPEN and SealedBallot.objects.count() == 9  # nothing changed

    settings.SECRET_KEY_FALLBACKS = [old]
    gs.election_close(actor=election.officer, reason="Polls closed", election=election)
    assert sorted(b.receipt for b in stored_ballots(stv)) == sorted(receipts)


def test_a_sealed_ballot_opens_only_for_its_own_contest(officer_and_worked_example):
    _election, stv, _receipts = officer_and_worked_example
    sealed = SealedBallot.objects.filter(contest=stv).first()
    assert ballot_box.open_sealed(stv.pk, sealed.sealed).choices
    with pytest.raises(ValidationError):
        ballot_box.open_sealed(stv.pk + 1, sealed.sealed)  # moved to another contest: refused
