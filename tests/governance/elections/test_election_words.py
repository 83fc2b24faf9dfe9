"""Issue 14 §4: the count's codes (methods, tie-break rules, stage notes, reasons) read as words, written
at the edge from the codes and figures of the pure counter; in English the reference reports stay as they are."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from governance.elections import counting, selectors
from governance.elections.blt import read_blt
from governance.elections.counting import Ballot, MarkBallot, TieBreak
from tests.datafiles import BALLOTS


def test_every_method_and_tie_rule_has_words() -> None:
    for code in counting.METHODS:
        assert selectors.method_label(code) != code
    for code in counting.TIE_RULES:
        assert selectors.tie_rule_label(code) != code
    assert selectors.method_label("scottish-stv") == "Single transferable vote (Scottish rules)"
    assert selectors.method_label("stv") == "Single transferable vote (Scottish rules)"  # an alias
    assert selectors.method_label("irv") == "Instant runoff (ranked choice, one seat)"
    assert selectors.method_label("unknown") == "unknown"
    assert (
        selectors.tie_rule_label("prior_stage_backward") == "the votes at the latest earlier stage where they differed"
    )
    assert [code for code, _ in selectors.method_choices()] == list(counting.METHODS)


def _counts():
    for path in sorted(BALLOTS.glob("*.blt")):
        profile = read_blt(path.read_bytes())
        methods = ["scottish-stv"]
        if not path.name.endswith("-2007.blt"):  # the Glasgow wards by Scottish STV; the PRF tests by all
            methods += ["wigm-prf", "meek", "meek-prf"]
        if profile.seats == 1:
            methods += ["irv", "plurality"]
        for method in methods:
            try:
                yield (
                    path.name,
                    method,
                    counting.count(
                        method,
                        profile.ballots,
                        profile.seats,
                        profile.candidates,
                        tie_break=counting.default_tie_break(method, seed=3, order=profile.tie_order),
                        withdrawn=profile.withdrawn,
                    ),
                )
            except ValueError:
                continue


def test_round_table_in_english_is_the_reference_report_byte_for_byte() -> None:
    """Every stage's description and every tie's explanation, said again from the codes, is the pure
    counter's English: the published reference round tables do not move."""
    seen = 0
    tie_seen = False
    with translation.override("en"):
        for _name, _method, result in _counts():
            # The one change: "after 1 iteration(s)" is said with a real singular and plural.
            reference = re.sub(r"\b1 iteration\(s\)", "1 iteration", counting.format_round_table(result))
            assert selectors.round_table_text(result) == reference.replace("iteration(s)", "iterations")
            for stage in result.stages:
                assert stage.note in counting.STAGE_NOTES
                described = re.sub(r"\b1 iteration\(s\)", "1 iteration", stage.description)
                described = described.replace("iteration(s)", "iterations")
                assert selectors.stage_text(stage) == described
                stored = result.as_dict()["stages"][stage.number - 1]
                assert selectors.stage_text(stored) == described  # as the results page reads it
                tie_seen = tie_seen or bool(stage.ties)
            seen += 1
    assert seen > 20 and tie_seen


def test_marked_and_meek_notes_say_the_same_in_words() -> None:
    marks = [MarkBallot(marks={"A": 1}), MarkBallot(marks={"B": 1}), MarkBallot(marks={"A": 1, "B": 1})]
    nobody = counting.count_approval(marks, 1, ("A", "B"), majority_required=True, tie_break=TieBreak(seed=1))
    assert nobody.stages[0].note == "marks_count"
    assert selectors.stage_text(nobody.stages[0]) == "A elected (a winner needs 2 votes)"
    assert selectors.stage_text(nobody.stages[0]) == nobody.stages[0].description
    with translation.override("en"):
        stored = {
            "action": "count",
            "description": "A elected",
            "note": {"code": "marks_count", "elected": ["A"], "threshold": 1},
        }
        assert selectors.stage_text(stored) == "A elected (a winner needs 1 vote)"  # not "1 votes"
        old = {"action": "exclusion", "description": "exclusion of B"}  # counted before the notes existed
        assert selectors.stage_text(old) == "exclusion of B"


def test_tie_in_words_names_the_rule_and_the_figures_not_the_code() -> None:
    # A and B level at stage 1 (2 each): the lower at no earlier stage, so the random order settles it.
    ballots = [Ballot(("A",), 2), Ballot(("B",), 2), Ballot(("C",), 3)]
    result = counting.count_irv(ballots, ("A", "B", "C"), tie_break=TieBreak(seed=7))
    tie = result.ties[0]
    assert tie.rule == "random" and tie.steps == (("random", {"seed": 7}),)
    text = selectors.tie_text(tie)
    assert text == f"A, B were tied: {tie.chosen} goes out, settled by a random order drawn before the count."
    assert "seed" not in text
    stored = next(stage for stage in result.as_dict()["stages"] if stage["ties"])["ties"][0]
    assert stored["steps"] == [{"code": "random", "seed": 7}]
    assert selectors.tie_text(stored) == text


def test_prior_stage_tie_shows_the_votes_looked_at() -> None:
    # Stage 1: A 3, B 2, C 2, D 4 -> B and C tied with no earlier stage: random. Then a look-back tie.
    ballots = [Ballot(("A", "B"), 3), Ballot(("B", "C"), 2), Ballot(("C", "B"), 2), Ballot(("D",), 4)]
    result = counting.count_scottish_stv(ballots, 2, ("A", "B", "C", "D"), tie_break=TieBreak(seed=1))
    stage_ties = [(s, t) for s in result.stages for t in s.ties]
    assert stage_ties
    for _stage, tie in stage_ties:
        text = selectors.tie_text(tie)
        assert "_" not in text and selectors.tie_rule_label(tie.rule) in text
        for code, params in tie.steps:
            if code == "stage":
                assert f"votes at stage {params['stage']}:" in text


def test_reasons_in_words() -> None:
    assert selectors.reason_label("overvote", "plurality") == "more candidates marked than allowed"
    assert selectors.reason_label("overvote", "scottish-stv") == "several candidates at the first rank"
    assert selectors.reasons_text({"blank": 2, "duplicate": 1}, "irv") == (
        "2 with no candidate ranked, 1 with only a candidate ranked more than once"
    )


@pytest.mark.parametrize("code", ["acclaimed", "no_candidate"])
def test_unballoted_stage_words(code: str) -> None:
    assert "no vote was taken" in selectors.stage_text({"action": code, "description": "x"})
