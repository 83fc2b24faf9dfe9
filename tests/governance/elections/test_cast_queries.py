"""A cast reads once and writes once (issue 15 §5): at most 10 queries on the page and in the API, a review
that writes nothing, and the checks that can change after the read decided again inside the transaction.

The web flow reads the code's election, roll entry, contests and candidates once
(``selectors.vote_context``) and hands them to ``services.ballots_cast``; the statement that records the
participation is the race-safe "already voted" check and re-reads the election's phase and window.
"""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from governance.elections import selectors
from governance.elections import services as gs
from governance.elections.models import Channel, ElectionPhase, Participation, RollEntry, SealedBallot
from tests.conftest import make_user
from tests.governance.elections.test_elections_core import build_election, ids, make_officer
from tests.governance.stored import stored_ballots

pytestmark = pytest.mark.django_db

WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


@pytest.fixture
def built():
    return build_election(officer=make_officer())


def marks(stv, plurality, code: str) -> dict[str, str]:
    c, p = ids(stv), ids(plurality)
    return {"code": code, f"c{stv.pk}_r{c['C']}": "1", f"c{stv.pk}_r{c['A']}": "2", f"c{plurality.pk}": str(p["Y"])}


def test_a_web_cast_of_two_contests_runs_at_most_10_queries_and_the_review_writes_nothing(
    built, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    _election, stv, plurality, codes = built
    entry, code = codes[0]
    voter = Client()
    marked = marks(stv, plurality, code)
    with CaptureQueriesContext(connection) as review:
        confirm = voter.post("/governance/vote/", {**marked, "step": "confirm"})
    assert confirm.status_code == 200 and "Check your ballot" in confirm.content.decode()
    assert [q["sql"] for q in review.captured_queries if WRITES.match(q["sql"])] == []
    assert len(review.captured_queries) <= 4  # the open elections, the entry, the contests, the candidates
    assert not stored_ballots() and not Participation.objects.exists()

    # The move's check after the commit included (one query for every contest of the cast).
    with django_assert_max_num_queries(10), django_capture_on_commit_callbacks(execute=True):
        done = voter.post("/governance/vote/", {**marked, "step": "cast"})
    assert done.status_code == 200
    shown = dict(re.findall(r'data-contest="(\d+)">([A-Z0-9-]+)<', done.content.decode()))
    c, p = ids(stv), ids(plurality)
    (stv_ballot,) = stored_ballots(stv)
    (plurality_ballot,) = stored_ballots(plurality)
    assert (stv_ballot.receipt, stv_ballot.choices) == (shown[str(stv.pk)], [c["C"], c["A"]])
    assert (plurality_ballot.receipt, plurality_ballot.choices) == (shown[str(plurality.pk)], [p["Y"]])
    assert sorted(Participation.objects.filter(roll_entry=entry).values_list("contest_id", "channel")) == [
        (stv.pk, Channel.ONLINE),
        (plurality.pk, Channel.ONLINE),
    ]
    assert RollEntry.objects.get(pk=entry.pk).channel == Channel.ONLINE


def test_an_api_cast_runs_at_most_10_queries(built, django_assert_max_num_queries):
    _election, stv, _plurality, codes = built
    entry, code = codes[1]
    user = make_user("voter-api")
    entry.person.user = user
    entry.person.save()
    api = APIClient()
    api.force_authenticate(user)
    c = ids(stv)
    with django_assert_max_num_queries(10):
        response = api.post("/api/v1/ballots/", {"code": code, "contest": stv.pk, "choices": [c["B"], c["A"]]})
    assert response.status_code == 201
    (ballot,) = stored_ballots(stv)
    assert (ballot.receipt, ballot.choices) == (response.json()["receipt"], [c["B"], c["A"]])
    again = api.post("/api/v1/ballots/", {"code": code, "contest": stv.pk, "choices": [c["C"]]})
    assert again.status_code == 400 and "already been used" in again.json()["code"][0]
    assert len(stored_ballots(stv)) == 1 and Participation.objects.filter(roll_entry=entry).count() == 1


def test_a_ballot_cast_after_the_read_is_refused_by_the_insert_and_nothing_is_doubled(built):
    """The page read "not voted yet", then another cast of the same code (another tab, the API) committed:
    the insert's ON CONFLICT leaves the contest out and the whole cast stores nothing."""
    election, stv, plurality, codes = built
    entry, code = codes[2]
    c, p = ids(stv), ids(plurality)
    context = selectors.vote_context(code)
    assert context is not None and context.voted == set()
    gs.ballot_cast(code=code, contest=plurality, choices=[p["X"]])  # meanwhile

    with pytest.raises(gs.BallotRefused, match="already been used") as refused:
        gs.ballots_cast(election=election, code=code, choices=[(stv, [c["A"]]), (plurality, [p["Y"]])], context=context)
    assert refused.value.contest == plurality
    assert stored_ballots(stv) == [] and [b.choices for b in stored_ballots(plurality)] == [[p["X"]]]
    assert list(Participation.objects.filter(roll_entry=entry).values_list("contest_id", flat=True)) == [plurality.pk]


def test_a_cast_read_before_the_close_is_refused_after_it(built):
    """The election closed between the page's read and the cast: the insert reads the phase again."""
    election, stv, _plurality, codes = built
    _entry, code = codes[3]
    context = selectors.vote_context(code)
    assert context is not None and context.election.phase == ElectionPhase.OPEN
    gs.election_close(actor=election.officer, reason="Polls closed", election=election)

    with pytest.raises(ValidationError) as refused:
        gs.ballots_cast(election=election, code=code, choices=[(stv, [ids(stv)["A"]])], context=context)
    assert "phase" in refused.value.message_dict
    assert not Participation.objects.exists() and not SealedBallot.objects.exists()


def test_the_review_step_refuses_as_the_cast_does_and_writes_nothing(built):
    election, stv, _plurality, codes = built
    _entry, code = codes[4]
    c = ids(stv)
    with pytest.raises(gs.BallotRefused, match="marked or ranked once"):
        gs.ballots_cast(election=election, code=code, choices=[(stv, [c["A"], c["A"]])], dry_run=True)
    assert gs.ballots_cast(election=election, code=code, choices=[(stv, [c["A"]])], dry_run=True) == []
    assert not Participation.objects.exists() and not SealedBallot.objects.exists()
    assert RollEntry.objects.get(pk=codes[4][0].pk).channel == ""


def test_one_contest_twice_in_one_cast_is_refused_whole(built):
    """One insert records one participation per contest: a second ballot for it in the same cast is refused."""
    election, stv, _plurality, codes = built
    _entry, code = codes[5]
    c = ids(stv)
    with pytest.raises(gs.BallotRefused, match="already been used"):
        gs.ballots_cast(election=election, code=code, choices=[(stv, [c["A"]]), (stv, [c["B"]])])
    assert not Participation.objects.exists() and not SealedBallot.objects.exists()
