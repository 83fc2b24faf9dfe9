"""manage.py tally: count a .blt file from the command line. It touches no database."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from governance.elections import blt, counting, recount
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


def manage_py(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "clt.settings_test", **env}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )


def test_a_plain_tally_starts_without_the_apps_and_prints_the_same_bytes():
    """``manage.py tally`` skips Django's app set-up (governance/elections/recount.py): the same table
    and JSON as the command inside Django, in English and in Spanish, and its refusals likewise."""
    springburn = str(BALLOTS / "Springburn-2007.blt")
    quick = manage_py("tally", springburn, "--method", "scottish-stv", "--seed", "1", CLT_LANGUAGE="en")
    assert quick.returncode == 0, quick.stderr
    assert quick.stdout == tally(springburn, method="scottish-stv", seed=1)
    assert "Elected, in order: Allan Stewart, James Todd, Phil Greene" in quick.stdout

    spanish = manage_py("tally", springburn, "--method", "meek", "--json", "--seed", "3", CLT_LANGUAGE="es")
    assert spanish.returncode == 0, spanish.stderr
    assert json.loads(spanish.stdout) == tally_json(springburn, method="meek", seed=3)

    refused = manage_py("tally", springburn, "--method", "irv", CLT_LANGUAGE="es")
    assert refused.returncode == 1
    assert refused.stderr.startswith("CommandError: ")
    assert "cubre un solo puesto" in refused.stderr  # the Spanish catalogue, read without any app

    wrong = manage_py("tally", springburn, "--method", "borda")
    assert wrong.returncode == 2 and "invalid choice: 'borda'" in wrong.stderr


@pytest.mark.parametrize(
    ("argv", "quick"),
    [
        (["manage.py", "tally", "f.blt", "--method", "meek"], True),
        (["manage.py", "tally", "f.blt", "--method=meek", "--json", "--option", "omega=1e-10"], True),
        (["manage.py", "tally", "--help"], False),
        (["manage.py", "tally", "f.blt", "--method", "meek", "--settings=clt.settings_test"], False),
        (["manage.py", "tally", "f.blt", "--method", "meek", "-v", "2"], False),
        (["manage.py", "tally"], False),
        (["manage.py", "migrate"], False),
    ],
)
def test_only_a_plain_tally_takes_the_quick_start(argv, quick):
    assert recount.quick_start(argv) is quick


def one_vote_each(candidates: int, seats: int = 1) -> str:
    """A .blt file where every candidate has one first preference: every stage is a tie of all."""
    lines = [f"{candidates} {seats}", *(f"1 {c} 0" for c in range(1, candidates + 1)), "0"]
    return "\n".join([*lines, *(f'"Cand {c}"' for c in range(1, candidates + 1)), '"Everyone"']) + "\n"


def test_seats_beyond_the_bound_are_refused(tmp_path):
    assert counting.MAX_SEATS == 300
    huge = tmp_path / "huge.blt"
    huge.write_text('3 100000000000000000000\n1 1 2 0\n1 2 0\n1 3 0\n0\n"A"\n"B"\n"C"\n"t"\n')
    with pytest.raises(CommandError) as error:
        tally(str(huge), method="scottish-stv")
    assert str(error.value) == f"{huge}: line 1: 100,000,000,000,000,000,000 seats: a count fills at most 300"
    good = tmp_path / "good.blt"
    good.write_text('3 1\n1 1 2 0\n1 2 0\n1 3 0\n0\n"A"\n"B"\n"C"\n"t"\n')
    with pytest.raises(CommandError, match=r"good\.blt: 100,000,000,000,000,000,000 seats: a count fills at most 300"):
        tally(str(good), method="meek", seats=10**20)
    with pytest.raises(CommandError, match=r"good\.blt: 301 seats: a count fills at most 300"):
        tally(str(good), method="plurality", seats=301)
    # More seats than candidates is a count with vacant seats (a published contest can be one): all elected.
    assert tally_json(str(good), method="scottish-stv", seats=5, seed=1)["winners"] == ["A", "B", "C"]


def test_two_thousand_candidates_are_refused_before_the_ballots_are_read(tmp_path):
    path = tmp_path / "2000.blt"
    path.write_text(one_vote_each(2000))
    assert 35_000 < path.stat().st_size < 45_000  # the 41 KB file
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "clt.settings_test"}
    run = subprocess.run(
        [sys.executable, "manage.py", "tally", str(path), "--method", "scottish-stv"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert run.returncode == 1
    assert f"{path}: line 1: 2,000 candidates: a count takes at most 300" in run.stderr
    assert "Traceback" not in run.stderr


def test_the_largest_count_allowed_is_counted(tmp_path):
    # Candidate c has c first preferences: no ties, 299 exclusions.
    def votes_by_number(candidates: int) -> str:
        lines = [f"{candidates} 1", *(f"{c} {c} 0" for c in range(1, candidates + 1)), "0"]
        return "\n".join([*lines, *(f'"Cand {c}"' for c in range(1, candidates + 1)), '"By number"']) + "\n"

    path = tmp_path / "300.blt"
    path.write_text(votes_by_number(300))
    data = tally_json(str(path), method="scottish-stv", seed=3)
    assert data["winners"] == ["Cand 300"]
    path.write_text(votes_by_number(301))
    with pytest.raises(CommandError, match="301 candidates: a count takes at most 300"):
        tally(str(path), method="scottish-stv")


def test_a_file_over_the_size_bound_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "big.blt"
    head = '2 1\n1 1 0\n1 2 0\n0\n"A"\n"B"\n"t"\n'
    path.write_text(head + "#" * (blt.MAX_BLT_BYTES - len(head)) + "\n")
    with pytest.raises(CommandError) as error:
        tally(str(path), method="irv")
    assert str(error.value) == f"{path}: the file is 5,000,001 bytes; a .blt file is at most 5,000,000"
