"""The pure .blt reader and counter refuse with codes; the tally command and the pages word them in the reader's
language (``selectors.blt_error_text``, ``count_error_text``), with no internal code where a person reads words."""

from __future__ import annotations

import ast
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from governance.elections import blt, counting, selectors, texts
from governance.elections.blt import BltError, read_blt
from governance.elections.models import Channel, Contest, Election, ElectionPhase
from governance.elections.views import _window_error
from tests.datafiles import PROJECT_ROOT

BLT_SOURCE = Path(blt.__file__)
COUNTING_SOURCE = Path(counting.__file__)


def _raised_codes(path: Path, error: str, code_at: int) -> list[tuple[int, str | None]]:
    """(line, code) of every ``raise error(...)`` in ``path``; the code is the argument at ``code_at`` (None:
    missing or not a literal)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            call = node.exc
            if isinstance(call.func, ast.Name) and call.func.id == error:
                arg = call.args[code_at] if len(call.args) > code_at else None
                code = arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else None
                found.append((node.lineno, code))
    return found


def test_every_blt_problem_has_a_code_and_words_for_it():
    raised = _raised_codes(BLT_SOURCE, "BltError", 2) + _raised_codes(BLT_SOURCE, "ProfileError", 1)
    # The one BltError raised from a ProfileError carries that error's code (exc.code).
    literal = [(line, code) for line, code in raised if code is not None]
    assert len(literal) >= 35
    assert [line for line, code in raised if code is None] == [
        n for n, line in enumerate(BLT_SOURCE.read_text().splitlines(), 1) if "exc.reason, exc.code" in line
    ]
    assert not any("raise ValueError" in line for line in BLT_SOURCE.read_text().splitlines())
    missing = sorted({code for _line, code in literal} - set(texts.BLT_PROBLEMS))
    assert missing == []
    assert set(blt._WHAT) == set(texts.BLT_EXPECTED)


def test_every_refusal_of_the_count_has_a_code_and_words_for_it():
    raised = _raised_codes(COUNTING_SOURCE, "CountError", 1)
    assert len(raised) >= 25 and all(code is not None for _line, code in raised)
    assert sorted({code for _line, code in raised} - set(texts.COUNT_PROBLEMS)) == []
    # No other refusal of a setting or a file is a bare ValueError (the ballots' own checks excepted: those
    # come from code that builds Ballot objects, never from a person).
    bare = [line.strip() for line in COUNTING_SOURCE.read_text().splitlines() if "raise ValueError(" in line]
    assert all(any(word in line.lower() for word in ("ballot", "mark", "rank")) for line in bare), bare


MALFORMED = [
    "",
    "x 2\n",
    "3\n",
    "3 0\n",
    "0 1\n",
    "301 1\n",
    "3 301\n",
    '3 2\n1 4 0\n0\n"A"\n"B"\n"C"\n',
    '3 2\n1 1 2\n"A"\n',
    "3 2\n1 1 2\n",
    '3 2\n1.5 1 0\n0\n"A"\n"B"\n"C"\n',
    '3 2\n1 1 - 2 0\n0\n"A"\n"B"\n"C"\n',
    '3 2\n(b1) 1 2 0\n0\n"A"\n"B"\n"C"\n',
    '3 2\n1 (b1) 0\n0\n"A"\n"B"\n"C"\n',
    '3 2\n1 x 0\n0\n"A"\n"B"\n"C"\n',
    '3 2\nfoo\n0\n"A"\n"B"\n"C"\n',
    '3 2\n"A"\n',
    '3 2\n1 1 0\n0\n"A"\n"B"\n',
    '3 2\n1 1 0\n0\n"A"\nB\n"C"\n',
    '3 2\n1 1 0\n[tie 1 2]\n0\n"A"\n"B"\n"C"\n',
    "3 2\n[tie 1 1]\n",
    "3 2\n[tie]\n",
    "3 2\n[]\n",
    "3 2\n[tie 1]\n[tie 2]\n",
    "3 2\n[nick a b c]\n",
    "3 2\n[tie 1 2\n",
    "3 2\n-1 -1\n",
    '3 2\n1 1 0\n-2\n0\n"A"\n"B"\n"C"\n',
    '3 2\n1 1=1 0\n0\n"A"\n"B"\n"C"\n',
    '3 2\n1 1 0\n0\n"A\n"B"\n"C"\n',
    '2 1\n1 1 0\n0\n"A"\n"A"\n"t"\n',
    '2 1\n1 1 0\n0\n"A"\n""\n"t"\n',
    '1 1\n1 1 0\n0\n"A"\n"t"\n[later]\n',
]


@pytest.mark.parametrize("text", MALFORMED)
def test_in_english_the_words_are_the_readers_own(text):
    with pytest.raises(BltError) as excinfo:
        read_blt(text)
    error = excinfo.value
    assert error.code in texts.BLT_PROBLEMS
    with translation.override("en"):
        assert selectors.blt_error_text(error) == str(error)


def test_the_figures_of_a_too_large_file_keep_their_commas():
    with pytest.raises(BltError) as excinfo:
        read_blt('1 1\n1 1 0\n0\n"A"\n"t"\n' + "#" * 5_000_000)
    assert (excinfo.value.code, excinfo.value.params) == ("too_large", {"size": 5_000_020, "max": 5_000_000})
    with translation.override("en"):
        assert selectors.blt_error_text(excinfo.value) == (
            "the file is 5,000,020 bytes; a .blt file is at most 5,000,000"
        )


def test_a_blt_problem_in_spanish():
    with pytest.raises(BltError) as excinfo:
        read_blt('3 2\n1 7 0\n0\n"A"\n"B"\n"C"\n')
    with translation.override("es"):
        assert selectors.blt_error_text(excinfo.value) == (
            "línea 2: el candidato número 7 está fuera de rango: hay 3 candidatos"
        )
    with pytest.raises(BltError) as excinfo:
        read_blt("3\n")
    with translation.override("es"):
        assert selectors.blt_error_text(excinfo.value) == (
            "fin del archivo: el archivo termina donde se esperaba el número de puestos"
        )


def test_the_count_refusals_in_english_are_as_the_counter_wrote_them():
    cases = [
        lambda: counting.TieBreak(rules=("coin",)),
        lambda: counting.TieBreak(rules=()),
        lambda: counting.TieBreak(rules=("manual",)),
        lambda: counting.count("scottish-stv", [], 1, ["A"], options={"omega": 1}),
        lambda: counting.count("approval", [], 1, ["A"], options={"omega": 1}),
        lambda: counting.count("irv", [], 2, ["A", "B"]),
        lambda: counting.count("meek", [], 1, ["A"], options={"omega": "abc"}),
        lambda: counting.count("meek", [], 1, ["A"], options={"omega": 0}),
        lambda: counting.count("meek", [], 1, ["A"], options={"overvote_rule": "x"}),
        lambda: counting.count("meek", [], 1, ["A"], withdrawn=["A"]),
        lambda: counting.count("meek", [], 1, ["A", "A"]),
        lambda: counting.count("stv", [], 1, ["A"], withdrawn=["B"]),
        lambda: counting.count("nope", [], 1, ["A"]),
    ]
    for case in cases:
        with pytest.raises(counting.CountError) as excinfo:
            case()
        with translation.override("en"):
            assert selectors.count_error_text(excinfo.value, codes=True) == str(excinfo.value)


def test_on_a_page_an_unknown_rule_or_method_lists_the_words_not_only_the_codes():
    with pytest.raises(counting.CountError) as excinfo:
        counting.TieBreak(rules=("coin",))
    with translation.override("en"):
        text = selectors.count_error_text(excinfo.value)
    assert text.startswith("unknown tie-break rule 'coin'; choose from prior_stage_backward (the votes at the latest")
    assert "index (the order of names on the ballot)" in text
    with pytest.raises(counting.CountError) as excinfo:
        counting.count("nope", [], 1, ["A"])
    with translation.override("en"):
        text = selectors.count_error_text(excinfo.value)
    assert "scottish-stv" not in text and "Single transferable vote (Scottish rules)" in text


def test_an_unsettled_tie_in_english_and_spanish():
    error = counting.TieUnresolved(["Ann", "Bo"], "exclude", 3)
    with translation.override("en"):
        assert selectors.tie_unresolved_text(error) == str(error)
        assert selectors.count_error_text(error) == str(error)
    with translation.override("es"):
        assert selectors.tie_unresolved_text(error).startswith("etapa 3: el empate entre Ann, Bo (a quién eliminar)")


def test_manage_py_tally_reports_a_broken_file_in_spanish(tmp_path):
    bad = tmp_path / "roto.blt"
    bad.write_text('3 2\n1 1 0\n-2\n0\n"A"\n"B"\n"C"\n')
    result = subprocess.run(
        [sys.executable, "manage.py", "tally", str(bad), "--method", "meek"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DJANGO_SETTINGS_MODULE": "clt.settings_test"}
        | {"LANG": "es_US.UTF-8"},
        timeout=120,
    )
    assert result.returncode != 0
    expected = f"{bad}: línea 3: los candidatos retirados (números negativos) deben ir antes de las boletas"
    assert expected in result.stderr, result.stderr
    assert "withdrawn" not in result.stderr


def test_manage_py_tally_reports_a_refused_setting_in_spanish(tmp_path):
    good = tmp_path / "bueno.blt"
    good.write_text('3 2\n2 1 0\n2 2 0\n1 3 0\n0\n"A"\n"B"\n"C"\n"t"\n')
    result = subprocess.run(
        [sys.executable, "manage.py", "tally", str(good), "--method", "meek", "--option", "omega=0"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DJANGO_SETTINGS_MODULE": "clt.settings_test"}
        | {"LANG": "es_US.UTF-8"},
        timeout=120,
    )
    assert result.returncode != 0
    assert f"{good}: omega debe ser positivo" in result.stderr, result.stderr


@pytest.mark.django_db
def test_a_contest_refuses_unknown_codes_in_the_words_people_use():
    contest = Contest(method="coin", seats=1, tie_break_rules=["coin"], eligible_classes=["owner"])
    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        contest.clean()
    errors = excinfo.value.message_dict
    assert errors["method"][0].startswith("Choose one of: Plurality (most votes wins); Block vote")
    assert "scottish-stv" not in errors["method"][0]
    assert errors["tie_break_rules"][0].startswith(
        "A list of: prior_stage_backward (the votes at the latest earlier stage where they differed); "
    )
    assert errors["eligible_classes"] == [
        "Choose at least one member class: Lessee member; General member; Supporting member."
    ]
    with translation.override("es"), pytest.raises(ValidationError) as excinfo:
        contest.clean()
    assert "Miembro arrendatario; Miembro general" in excinfo.value.message_dict["eligible_classes"][0]


@pytest.mark.today("2026-12-07")
def test_a_closed_vote_says_when_in_the_locales_words():
    closes = timezone.make_aware(dt.datetime(2026, 10, 22, 20, 0))
    election = Election(
        name="Annual election",
        phase=ElectionPhase.OPEN,
        record_date=dt.date(2026, 9, 1),
        opens_at=closes - dt.timedelta(days=7),
        closes_at=closes,
    )
    with translation.override("en"):
        assert _window_error(election, Channel.ONLINE) == "Voting in Annual election closed at 8 p.m. on Oct. 22, 2026."


@pytest.mark.django_db
@pytest.mark.today("2026-12-07")
def test_a_membership_applied_for_in_the_future_is_refused_with_the_locales_date():
    from clt.models import Person
    from governance.membership import services as membership

    person = Person.objects.create(given_name="Ana", family_name="Test")
    with translation.override("en"), pytest.raises(ValidationError) as excinfo:
        membership.membership_apply(person=person, actor=None, applied_on=dt.date(2026, 12, 25))
    assert excinfo.value.message_dict == {"applied_on": ["Dec. 25, 2026 is in the future."]}
