"""The elections demo: one certified election whose published ballots recount to its result, one open."""

from __future__ import annotations

import random
from io import StringIO

import pytest
from django.core.management import call_command

from governance import counting
from governance import services as gs
from governance.blt import read_blt
from governance.models import Election, ElectionPhase

pytestmark = pytest.mark.django_db


def test_elections_demo_certified_and_open():
    out = StringIO()
    call_command("load_demo", stdout=out)
    if not Election.objects.exists():  # until membership's load_demo calls ours
        from clt.demo import load_demo as load_people
        from clt.management.commands.load_demo import DemoContext
        from governance.demo import load_elections_demo

        context = DemoContext(rng=random.Random(7), stdout=out, style=None)
        load_people(context)
        load_elections_demo(context)
    if not Election.objects.exists():
        pytest.skip("no voting members in the demo yet: " + out.getvalue().splitlines()[-1])
    assert set(Election.objects.values_list("phase", flat=True)) == {ElectionPhase.CERTIFIED, ElectionPhase.OPEN}
    certified = Election.objects.get(phase=ElectionPhase.CERTIFIED)
    for contest in certified.contests.all():
        assert contest.result["winners"]
        profile = read_blt(gs.contest_blt(contest))
        recount = counting.count(
            contest.method,
            profile.ballots,
            profile.seats,
            profile.candidates,
            tie_break=counting.default_tie_break(contest.method, order=profile.tie_order),
        )
        assert list(recount.winners) == contest.result["winners"]
