"""Elections end to end through the services: the roll, codes, one vote per unit, secrecy, count, recount.

The worked example (Scottish STV, 2 seats, 9 voters): A>B ×5, B ×1, C ×3. Quota = floor(9/3)+1 = 4.
Stage 1: A 5 (elected, surplus 1), B 1, C 3. Stage 2: A's surplus moves at truncate_5dp(1 × 1/5) = 0.2
a paper, 5 papers → B 1 + 1.0 = 2.00000, A = 4. Stage 3: B (2) is excluded below C (3): his papers have
no continuing preference and exhaust; C is elected to the last vacancy (rule 52). Winners: A, C.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import deque
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.utils import timezone

from clt import roles
from clt.models import Person
from governance.board.models import BoardTerm, SeatClass
from governance.elections import counting
from governance.elections.blt import read_blt
from governance.elections.models import Ballot, Candidate, Contest, Election, ElectionPhase, Participation, RollEntry
from tests.governance import all_services as gs
from tests.governance.stored import stored_ballots

RECORD_DATE = dt.date(2025, 3, 1)


@dataclass(frozen=True)
class FakeStanding:
    """The fields of ``governance.membership.Standing`` that the roll reads."""

    person: Person
    member_class: str | None
    votes: bool
    vote_unit_key: str
    reasons: tuple[str, ...] = ()


def make_officer(username: str = "officer") -> User:
    user = User.objects.create_user(username=username, password="pw")
    user.groups.add(Group.objects.get_or_create(name=roles.ELECTION_OFFICER_GROUP)[0])
    return user


def build_election(*, officer: User, lessees: int = 9, generals: int = 2, open_: bool = True):
    """An election with an STV contest for the lessees (A, B, C) and a plurality contest for everyone.

    Returns ``(election, stv, plurality, codes)`` with ``codes`` a list of ``(roll entry, code)`` in
    the order the voters were made (lessees first).
    """
    now = timezone.now()
    election = gs.election_create(
        actor=officer,
        reason="annual election",
        name="Annual election 2025",
        record_date=RECORD_DATE,
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=6),
        officer=officer,
    )
    seat_class = SeatClass.objects.get_or_create(
        code="lessee", defaults={"name": "Leaseholder seats", "seats": 2, "electorate": ["lessee"]}
    )[0]
    stv = gs.contest_add(
        actor=officer,
        reason="lessee seats",
        election=election,
        title="Leaseholder seats",
        eligible_classes=["lessee"],
        seats=2,
        method="scottish-stv",
        seat_class=seat_class,
    )
    plurality = gs.contest_add(
        actor=officer,
        reason="chair",
        election=election,
        title="Chair of the annual meeting",
        eligible_classes=["lessee", "general"],
        seats=1,
        method="plurality",
    )
    for name in ("A", "B", "C"):
        person = Person.objects.create(given_name=name, family_name="Candidate")
        gs.candidate_add(actor=officer, reason="nominated", contest=stv, person=person, consented_on=RECORD_DATE)
    for name in ("X", "Y"):
        person = Person.objects.create(given_name=name, family_name="Chair")
        gs.candidate_add(actor=officer, reason="nominated", contest=plurality, person=person, consented_on=RECORD_DATE)
    standings = []
    for i in range(lessees):
        person = Person.objects.create(given_name=f"Lessee{i}", family_name="Voter")
        standings.append(FakeStanding(person, "lessee", True, f"person:{person.pk}"))
    for i in range(generals):
        person = Person.objects.create(given_name=f"General{i}", family_name="Voter")
        standings.append(FakeStanding(person, "general", True, f"person:{person.pk}"))
    supporter = Person.objects.create(given_name="Supporter", family_name="Voter")
    standings.append(FakeStanding(supporter, "supporting", False, f"person:{supporter.pk}"))
    size = gs.roll_freeze(actor=officer, reason="record date", election=election, standings=standings)
    assert size == lessees + generals  # the supporting member does not vote
    issued = gs.access_codes_issue(actor=officer, reason="mail-out", election=election)
    by_person = {e.person_id: e for e in RollEntry.objects.filter(election=election)}
    codes = [(by_person[s.person.pk], issued[by_person[s.person.pk].pk]) for s in standings if s.votes]
    if open_:
        gs.election_open(actor=officer, reason="polls open", election=election)
    election.refresh_from_db()
    return election, stv, plurality, codes


def ids(contest: Contest) -> dict[str, int]:
    return {c.person.given_name: c.pk for c in contest.candidates.select_related("person")}


def cast_worked_example(stv: Contest, codes) -> list[str]:
    c = ids(stv)
    profile = [[c["A"], c["B"]]] * 5 + [[c["B"]]] + [[c["C"]]] * 3
    return [
        gs.ballot_cast(code=code, contest=stv, choices=choices)
        for (_, code), choices in zip(codes, profile, strict=False)
    ]


@pytest.fixture
def officer(db) -> User:
    return make_officer()


# --- Secrecy ----------------------------------------------------------------------------------


def test_no_join_path_from_a_voter_to_a_ballot(db):
    """Walk the model graph from Ballot without passing through Contest: nothing else is reachable.

    A ballot's only relation is its contest (which every voter of the contest shares), no model
    points at a ballot, and a ballot has no user, history, timestamp or IP field.
    """
    relations = [f for f in Ballot._meta.get_fields() if f.is_relation]
    assert [(f.name, f.related_model) for f in relations] == [("contest", Contest)]
    seen, queue = {Ballot}, deque([Ballot])
    while queue:
        model = queue.popleft()
        for f in model._meta.get_fields():
            target = f.related_model if f.is_relation else None
            if target is not None and target is not Contest and target not in seen:
                seen.add(target)
                queue.append(target)
    assert seen == {Ballot}
    field_types = {f.name: f.get_internal_type() for f in Ballot._meta.concrete_fields}
    assert field_types == {"id": "UUIDField", "contest": "ForeignKey", "receipt": "CharField", "choices": "JSONField"}
    assert not hasattr(Ballot, "history") and not hasattr(Participation, "history")
    assert not hasattr(RollEntry, "history")
    # Participation says who voted where, and has no field that could order it against ballots.
    assert {f.name for f in Participation._meta.concrete_fields} == {"id", "contest", "roll_entry", "channel"}


def test_ballot_ids_and_receipts_are_random(officer):
    _election, stv, _, codes = build_election(officer=officer)
    receipts = cast_worked_example(stv, codes)
    gs.election_close(actor=officer, reason="Polls closed", election=_election)
    stored = list(Ballot.objects.filter(contest=stv))
    assert {b.receipt for b in stored} == set(receipts) and len(set(receipts)) == 9
    assert all(b.id.version == 4 for b in stored)
    # The stored choices are the candidate ids, and nothing else was written about the voter.
    assert sorted(len(b.choices) for b in stored) == [1, 1, 1, 1, 2, 2, 2, 2, 2]


# --- Roll and codes ---------------------------------------------------------------------------


def test_roll_is_frozen_with_hashed_codes_and_nothing_changes_after(officer):
    election, stv, _, codes = build_election(officer=officer, open_=False)
    assert election.phase == ElectionPhase.FROZEN
    entry, code = codes[0]
    entry.refresh_from_db()
    assert len(entry.code_hash) == 64 and code.replace("-", "") not in entry.code_hash
    assert entry.code_hash == gs.hash_code(election, code.lower().replace("-", " "))
    assert stv.tie_break_seed is not None or Contest.objects.get(pk=stv.pk).tie_break_seed is not None
    with pytest.raises(ValidationError) as err:
        gs.candidate_add(
            actor=officer,
            reason="late",
            contest=stv,
            person=Person.objects.create(given_name="Late"),
            consented_on=None,
        )
    assert "phase" in err.value.message_dict
    with pytest.raises(ValidationError):
        gs.contest_add(actor=officer, reason="late", election=election, title="Late", eligible_classes=["lessee"])
    with pytest.raises(ValidationError):
        gs.roll_freeze(actor=officer, reason="again", election=election, standings=[])


def test_candidate_consent_is_required(officer):
    now = timezone.now()
    election = gs.election_create(
        actor=officer, reason="r", name="E", record_date=RECORD_DATE, opens_at=now, closes_at=now + dt.timedelta(1)
    )
    contest = gs.contest_add(actor=officer, reason="r", election=election, title="T", eligible_classes=["general"])
    with pytest.raises(ValidationError) as err:
        gs.candidate_add(actor=officer, reason="r", contest=contest, person=Person.objects.create(given_name="P"))
    assert "consented_on" in err.value.message_dict


def test_roll_from_the_membership_of_leases(officer):
    """The default roll comes from ``governance.membership.standings_on``: lessees derived from leases."""
    from tests.factories import make_lease

    holders = [Person.objects.create(given_name=f"Holder{i}", family_name="Lease") for i in range(2)]
    for person in holders:
        make_lease(people=[person], commencement=dt.date(2020, 1, 1))
    now = timezone.now()
    election = gs.election_create(
        actor=officer, reason="r", name="E", record_date=RECORD_DATE, opens_at=now, closes_at=now + dt.timedelta(1)
    )
    contest = gs.contest_add(actor=officer, reason="r", election=election, title="T", eligible_classes=["lessee"])
    gs.candidate_add(actor=officer, reason="r", contest=contest, person=holders[0], consented_on=RECORD_DATE)
    assert gs.roll_freeze(actor=officer, reason="freeze", election=election) == 2
    assert set(RollEntry.objects.values_list("person_id", "member_class")) == {(p.pk, "lessee") for p in holders}


# --- One vote per unit ------------------------------------------------------------------------


def test_one_vote_per_unit_across_channels(officer, staff_user):
    _election, stv, plurality, codes = build_election(officer=officer)
    entry, code = codes[0]
    c = ids(stv)
    receipt = gs.ballot_cast(code=code, contest=stv, choices=[c["A"], c["B"]])
    assert len(receipt) == 14  # XXXX-XXXX-XXXX
    with pytest.raises(ValidationError) as err:
        gs.ballot_cast(code=code, contest=stv, choices=[c["C"]])
    assert "already been used" in err.value.message_dict["code"][0]
    with pytest.raises(ValidationError):  # the paper channel is the same code, the same refusal
        gs.ballot_cast(code=code, contest=stv, choices=[c["C"]], channel="paper", actor=staff_user)
    assert len(stored_ballots(stv)) == 1
    assert Participation.objects.filter(contest=stv).count() == 1
    # The same code still votes once in the other contest it is eligible for.
    gs.ballot_cast(code=code, contest=plurality, choices=[ids(plurality)["X"]])
    entry.refresh_from_db()
    assert entry.channel == "online"
    assert Participation.objects.filter(roll_entry=entry).count() == 2


def test_bad_codes_classes_and_ballots_are_refused_and_nothing_is_written(officer, staff_user):
    _election, stv, plurality, codes = build_election(officer=officer)
    c, p = ids(stv), ids(plurality)
    general_code = codes[-1][1]
    cases = [
        ({"code": "NOPE-NOPE-NOPE-NOPE", "contest": stv, "choices": [c["A"]]}, "code"),
        ({"code": general_code, "contest": stv, "choices": [c["A"]]}, "contest"),  # general members: no STV vote
        ({"code": codes[1][1], "contest": plurality, "choices": [p["X"], p["Y"]]}, "choices"),  # overvote
        ({"code": codes[1][1], "contest": stv, "choices": [c["A"], c["A"]]}, "choices"),  # ranked twice
        ({"code": codes[1][1], "contest": stv, "choices": [999999]}, "choices"),
        ({"code": codes[1][1], "contest": stv, "choices": "A"}, "choices"),
        ({"code": codes[1][1], "contest": stv, "choices": [c["A"]], "channel": "paper"}, None),  # not staff
    ]
    for kwargs, field in cases:
        expected = PermissionDenied if field is None else ValidationError
        with pytest.raises(expected) as err:
            gs.ballot_cast(**kwargs)
        if field:
            assert field in err.value.message_dict
    assert not stored_ballots() and Participation.objects.count() == 0
    # Staff enter a paper ballot with the voter's code; a blank plurality ballot is a valid undervote.
    gs.ballot_cast(code=codes[1][1], contest=plurality, choices=[], channel="paper", actor=staff_user)
    assert Participation.objects.get().channel == "paper"


def test_online_voting_stops_at_the_close_and_results_stay_hidden(officer):
    election, stv, _, codes = build_election(officer=officer)
    cast_worked_example(stv, codes[:2])
    with pytest.raises(ValidationError):
        gs.ballots_publish(stv)
    with pytest.raises(ValidationError):
        gs.contest_blt(stv)
    with pytest.raises(ValidationError):
        gs.election_count(actor=officer, reason="too early", election=election)
    Election.objects.filter(pk=election.pk).update(closes_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(ValidationError) as err:
        gs.ballot_cast(code=codes[5][1], contest=stv, choices=[ids(stv)["C"]])
    assert "phase" in err.value.message_dict
    assert Contest.objects.get(pk=stv.pk).result is None


# --- Count, certify, recount ------------------------------------------------------------------


def test_count_certify_and_recount_from_the_published_ballots(officer, tmp_path):
    election, stv, plurality, codes = build_election(officer=officer)
    receipts = cast_worked_example(stv, codes)
    p = ids(plurality)
    for (_, code), choice in zip(codes, [p["X"]] * 6 + [p["Y"]] * 4 + [None], strict=False):
        gs.ballot_cast(code=code, contest=plurality, choices=[choice] if choice else [])
    gs.election_close(actor=officer, reason="polls closed", election=election)
    gs.election_count(actor=officer, reason="count", election=election)
    stv.refresh_from_db()
    result = stv.result
    assert result["winners"] == ["A Candidate", "C Candidate"]
    assert result["winner_ids"] == [ids(stv)["A"], ids(stv)["C"]]
    assert result["quota"] == "4.00000"
    assert [s["action"] for s in result["stages"]] == ["first_preferences", "surplus", "exclusion", "last_vacancies"]
    assert [s["votes"]["B Candidate"] for s in result["stages"]] == ["1.00000", "2.00000", "0.00000", "0.00000"]
    assert result["stages"][1]["votes"]["A Candidate"] == "4.00000"
    assert result["stages"][-1]["exhausted"] == "2.00000"
    plurality.refresh_from_db()
    assert plurality.result["winners"] == ["X Chair"]
    assert plurality.result["final_votes"] == {"X Chair": "6", "Y Chair": "4"}
    assert plurality.result["ballots"]["blank"] == 1

    # Only the election officer certifies; the winners' board terms start.
    with pytest.raises(PermissionDenied):
        gs.election_certify(actor=make_officer("other"), reason="no", election=election)
    gs.election_certify(actor=officer, reason="certified", election=election, terms_start_on=dt.date(2025, 4, 1))
    election.refresh_from_db()
    assert election.phase == ElectionPhase.CERTIFIED and election.certified_by == officer
    if hasattr(gs, "board_term_start"):
        assert set(BoardTerm.objects.values_list("person__given_name", flat=True)) == {"A", "C"}

    # Each voter finds their receipt among the published ballots, with the ballot as cast.
    published = {b.receipt: b for b in gs.ballots_publish(stv)}
    assert set(published) == set(receipts)
    assert published[receipts[0]].names == ("A Candidate", "B Candidate")
    assert [b.receipt for b in gs.ballots_publish(stv)] == sorted(receipts)

    # Anyone recounts the .blt export to the certified result, in code and with manage.py tally.
    text = gs.contest_blt(stv)
    profile = read_blt(text)
    assert profile.ballot_count == 9 and profile.seats == 2
    recount = counting.count(
        "scottish-stv",
        profile.ballots,
        profile.seats,
        profile.candidates,
        tie_break=counting.default_tie_break("scottish-stv", order=profile.tie_order),
    )
    assert list(recount.winners) == result["winners"]
    assert {k: recount.format(v) for k, v in recount.final_votes.items()} == result["final_votes"]
    path = tmp_path / "stv.blt"
    path.write_text(text)
    out = tmp_path / "out.json"
    with out.open("w") as handle:
        call_command("tally", str(path), "--method", "scottish-stv", "--json", stdout=handle)
    assert json.loads(out.read_text())["winners"] == result["winners"]
    # And the plurality contest, exported the same way, recounts to X.
    plurality_profile = read_blt(gs.contest_blt(plurality))
    assert counting.count("plurality", plurality_profile.ballots, 1, plurality_profile.candidates).winners == (
        "X Chair",
    )


def test_withdrawn_candidate_is_skipped_in_the_count(officer):
    election, stv, _, codes = build_election(officer=officer)
    cast_worked_example(stv, codes)
    gs.candidate_withdraw(actor=officer, reason="withdrew", candidate=Candidate.objects.get(pk=ids(stv)["B"]))
    gs.election_close(actor=officer, reason="closed", election=election)
    gs.election_count(actor=officer, reason="count", election=election)
    stv.refresh_from_db()
    # B's one first preference exhausts; A (5) and C (3) are the only continuing candidates: both elected.
    assert stv.result["withdrawn"] == ["B Candidate"]
    assert stv.result["winners"] == ["A Candidate", "C Candidate"]
