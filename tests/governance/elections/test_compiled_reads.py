"""The reads every vote runs, compiled once per database (clt/compiled.py), answer as their querysets built
afresh: the same rows, the same model instances, whatever the number of codes, contests and candidates."""

from __future__ import annotations

import pytest
from django.db import router

from clt.compiled import CompiledRead, fields_of, instances
from governance.elections import selectors
from governance.elections.codes import hash_code
from governance.elections.models import Contest, Election, Participation, RollEntry
from tests.governance.elections.test_elections_core import build_election, make_officer

pytestmark = pytest.mark.django_db


def same(one, other) -> bool:
    """Two model instances hold the same values in every concrete field."""
    return type(one) is type(other) and all(
        getattr(one, field.attname) == getattr(other, field.attname) for field in type(one)._meta.concrete_fields
    )


@pytest.fixture
def built():
    return build_election(officer=make_officer())


def test_the_candidates_read_gives_the_querysets_instances_for_any_number_of_contests(built):
    _election, stv, plurality, _codes = built
    for contest_ids in ([stv.pk], [plurality.pk, stv.pk], [stv.pk, plurality.pk, 10**9]):
        expected = list(selectors._candidates_query(contest_ids))
        found = selectors.candidates_by_contest(contest_ids)
        assert sum(len(v) for v in found.values()) == len(expected) > 0
        flat = [c for pk in contest_ids for c in found[pk]]
        assert sorted(c.pk for c in flat) == sorted(c.pk for c in expected)
        for candidate in expected:
            mine = next(c for c in flat if c.pk == candidate.pk)
            assert same(mine, candidate) and same(mine.person, candidate.person)
            assert mine.person.full_name == candidate.person.full_name
        # In ballot order within each contest, as the queryset orders them.
        for pk in contest_ids:
            assert [c.pk for c in found[pk]] == [c.pk for c in expected if c.contest_id == pk]
    assert len(selectors._CANDIDATES._compiled) >= 3  # one compiled form per number of contests (and database)


def test_the_entry_and_contest_reads_give_what_the_orm_gives(built):
    election, stv, plurality, codes = built
    entry, code = codes[0]
    Participation.objects.create(contest=stv, roll_entry=entry, channel="online")
    context = selectors.vote_context(code)
    assert context is not None and same(context.entry, RollEntry.objects.get(pk=entry.pk))
    assert same(context.election, Election.objects.get(pk=election.pk))
    assert context.entry.election is context.election
    ordered = list(Contest.objects.filter(election=election).order_by("order", "pk"))
    assert [c.pk for c in context.contests] == [c.pk for c in ordered]
    assert all(same(mine, theirs) for mine, theirs in zip(context.contests, ordered, strict=True))
    assert context.voted == {stv.pk}
    assert context.waiting == {stv.pk: 0, plurality.pk: 0}
    # The same through the election, and nothing for a code of no entry.
    assert selectors.vote_context(code, election=election).entry.pk == entry.pk
    assert selectors.vote_context("ZZZZ-ZZZZ-ZZZZ") is None


def test_a_compiled_read_puts_every_value_in_its_place_and_refuses_a_value_its_sql_lacks(built):
    election, _stv, _plurality, codes = built
    alias = router.db_for_read(RollEntry)
    hashes = [hash_code(election, code) for _entry, code in codes[:3]]
    read = CompiledRead(
        lambda some, pk: RollEntry.objects.filter(code_hash__in=some, election_id=pk).values_list("pk", "code_hash"),
        [(str, 0), int],
    )
    for some in (hashes[:1], hashes[:3], hashes[1:2]):
        expected = set(RollEntry.objects.filter(code_hash__in=some, election=election).values_list("pk", "code_hash"))
        assert set(read.rows(alias, some, election.pk)) == expected and expected
        assert read.rows(alias, some, election.pk + 1000) == []
    row = RollEntry.objects.order_by("pk").values_list(*fields_of(RollEntry)).first()
    (made,) = instances(RollEntry, alias, [row])
    assert same(made, RollEntry.objects.order_by("pk").first()) and made._state.adding is False
    lacking = CompiledRead(lambda pk: RollEntry.objects.values_list("pk"), [int])
    with pytest.raises(RuntimeError, match="lacks one of its values"):
        lacking.rows(alias, 1)
