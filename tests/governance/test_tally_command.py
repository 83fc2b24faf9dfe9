"""manage.py tally: count a .blt file from the command line. It touches no database."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from tests.datafiles import BALLOTS, PROJECT_ROOT


def tally(*args: str, **options) -> str:
    out = io.StringIO()
    call_command("tally", *args, stdout=out, **options)
    return out.getvalue()


def tally_json(*args: str, **options) -> dict:
    return json.loads(tally(*args, json=True, **options))


def test_prints_winners_in_order_and_the_round_table():
    out = tally(str(BALLOTS / "Springburn-2007.blt"), method="scottish-stv", seed=1)
    assert out.startswith("SPRINGBURN Ward\n")
    assert "Elected, in order: Allan Stewart, James Todd, Phil Greene" in out
    assert "Quota: 1353.00000" in out
    assert "Stage 2: surplus of Allan Stewart (399.00000) transferred" in out
    assert "Stage 5: exclusion of Margaret Bean" in out
    assert "1374.08557 *" in out
    assert "Random tie order (seed 1):" in out


def test_json_has_the_full_result_with_decimals_as_strings():
    data = tally_json(str(BALLOTS / "Govan-2007.blt"), method="scottish-stv", seed=9)
    assert data["title"] == "GOVAN Ward"
    assert sorted(data["winners"]) == ["Allison Hunter", "John Flanagan", "Shaukat Butt", "Stephen Dornan"]
    assert data["final_votes"]["Stephen Dornan"] == "1921.68010"
    assert data["tie_break"] == {
        "rules": ["prior_stage_backward", "random"],
        "seed": 9,
        "order": [],
        "random_order": data["tie_break"]["random_order"],
    }
    stage = data["stages"][1]
    assert set(stage) >= {"stage", "action", "votes", "transfers", "exhausted", "residual", "ties", "quota"}
    assert all(isinstance(v, str) for v in stage["votes"].values())


@pytest.mark.parametrize(
    ("method", "seats", "winners"),
    [
        # Rotzler leads on first preferences (33 of 94), LaMarche wins the runoff 47 to 44.
        ("irv", 1, ["Pat LaMarche"]),
        ("plurality", 1, ["Rebecca Rotzler"]),
        ("plurality", 2, ["Rebecca Rotzler", "Pat LaMarche"]),
        ("approval", 1, None),
        ("meek", None, None),
        ("meek-prf", None, None),
        ("wigm", None, None),
        ("wigm-prf", None, None),
    ],
)
def test_every_method_and_the_seats_option(method, seats, winners):
    options = {"seats": seats} if seats else {}
    data = tally_json(str(BALLOTS / "SC.blt"), method=method, seed=3, **options)
    assert len(data["winners"]) == (seats or 4)
    if winners:
        assert data["winners"] == winners


def test_the_files_tie_line_and_a_manual_order():
    # 42t's [tie 3 2 1] line: with the tie-break rules of droop's reference (the order alone),
    # Helen is excluded and Pollux elected.
    data = tally_json(str(BALLOTS / "42t.blt"), method="wigm", tie_break="predetermined")
    assert data["winners"] == ["Castor", "Pollux"]
    (tie,) = data["stages"][2]["ties"]
    assert (tie["rule"], tie["chosen"]) == ("predetermined", "Helen")
    manual = tally_json(str(BALLOTS / "42.blt"), method="wigm", tie_break="manual", tie_order="2,3")
    assert manual["winners"] == ["Castor", "Helen"]
    assert manual["stages"][2]["ties"][0]["rule"] == "manual"


def test_settings_pass_through_as_options():
    data = tally_json(str(BALLOTS / "SC.blt"), method="wigm-prf", option=["defeat_sure_losers=true"], seed=1)
    assert data["options"]["defeat_sure_losers"] is True
    assert "sure_losers" in {stage["action"] for stage in data["stages"]}
    meek = tally_json(str(BALLOTS / "SC.blt"), method="meek", option=["omega=1e-6"], seed=1)
    assert meek["options"]["omega"] == "0.000001000000"


def test_errors_are_command_errors(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        tally(str(tmp_path / "missing.blt"), method="irv")
    bad = tmp_path / "bad.blt"
    bad.write_text('3 2\n1 7 0\n0\n"A"\n"B"\n"C"\n')
    with pytest.raises(CommandError, match=r"bad\.blt: line 2: candidate number 7 is out of range"):
        tally(str(bad), method="scottish-stv")
    good = tmp_path / "good.blt"
    good.write_text('3 2\n2 1 0\n2 2 0\n1 3 0\n0\n"A"\n"B"\n"C"\n"t"\n')
    with pytest.raises(CommandError, match="instant runoff fills one seat and this count has 2: pass --seats 1"):
        tally(str(good), method="irv")
    with pytest.raises(CommandError, match="does not take option 'omega'"):
        tally(str(good), method="scottish-stv", option=["omega=1"])
    with pytest.raises(CommandError, match="expected NAME=VALUE"):
        tally(str(good), method="meek", option=["omega"])
    with pytest.raises(CommandError, match="not a candidate number"):
        tally(str(good), method="meek", tie_break="manual", tie_order="9")
    with pytest.raises(CommandError, match="unknown tie-break rule"):
        tally(str(good), method="meek", tie_break="coin")
    # A and B tie at every stage; prior stage alone cannot settle it.
    with pytest.raises(CommandError, match="--tie-order"):
        tally(str(good), method="scottish-stv", seats=1, tie_break="prior_stage_backward")


def test_a_failing_tally_exits_non_zero(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "clt.settings_test"}
    run = subprocess.run(
        [sys.executable, "manage.py", "tally", str(tmp_path / "missing.blt"), "--method", "meek"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert run.returncode != 0
    assert "no such file" in run.stderr
