"""governance.elections.blt: reading and writing the .blt ballot format. Pure: no database, no Django."""

from __future__ import annotations

import pytest

from governance.elections import counting
from governance.elections.blt import BltError, BltProfile, read_blt, write_blt
from governance.elections.counting import Ballot
from tests.datafiles import BALLOTS

BALLOT_FILES = sorted(path.name for path in BALLOTS.glob("*.blt"))

# The example of Hill, Wichmann & Woodall's Algorithm 123 (1987), which defined the format:
# candidate 2 withdrew before the count.
ALGORITHM_123 = """4 2
-2
3 1 3 4 0
4 1 3 2 0
2 4 1 3 0
1 2 0
2 2 4 3 1 0
1 3 4 2 0
0
"Adam"
"Basil"
"Charlotte"
"Donald"
"Title"
"""


def test_reads_the_original_example_with_a_withdrawn_candidate():
    p = read_blt(ALGORITHM_123)
    assert p.candidates == ("Adam", "Basil", "Charlotte", "Donald")
    assert (p.seats, p.title, p.withdrawn) == (2, "Title", ("Basil",))
    assert p.ballots[0] == Ballot(("Adam", "Charlotte", "Donald"), 3)
    assert p.ballots[3] == Ballot(("Basil",), 1)
    assert p.ballot_count == 13
    # The withdrawn candidate is passed over in the count; a ballot for Basil alone is blank.
    result = counting.count_scottish_stv(p.ballots, p.seats, p.candidates, withdrawn=p.withdrawn)
    assert result.ballots.valid == 12
    assert "Basil" not in result.stages[0].votes


def test_reads_42t_with_its_tie_line():
    p = read_blt((BALLOTS / "42t.blt").read_text())
    assert p.candidates == ("Castor", "Pollux", "Helen")
    assert p.seats == 2
    assert p.tie_order == ("Helen", "Pollux", "Castor")
    assert p.ballots == (Ballot(("Castor", "Pollux"), 4), Ballot(("Helen",), 2))
    assert p.title == "Pollux and Helen should tie"
    assert "[tie 3 2 1]" in write_blt(p)


def test_m135_blank_ballots_extra_strings_and_trailing_notes():
    p = read_blt((BALLOTS / "M135.blt").read_bytes())
    assert (len(p.candidates), p.seats, p.ballot_count) == (25, 7, 679)
    assert sum(b.count for b in p.ballots if not b.ranking) == 2
    assert p.title == "M135: Gen v1.1 1 3 45"
    assert p.extra[1] == "The validation of the STV programs for ERBS, 1st September 1999."
    # Wichmann's unquoted notes after the strings are kept verbatim, not parsed.
    assert p.trailer.startswith("First Prefs\n") and p.trailer.endswith("Quota  84.88")


@pytest.mark.parametrize("name", BALLOT_FILES)
def test_every_shared_file_round_trips(name):
    p = read_blt((BALLOTS / name).read_bytes())
    text = write_blt(p)
    assert read_blt(text) == p
    assert write_blt(read_blt(text)) == text  # and the writer is stable


def test_round_trip_of_every_feature():
    p = BltProfile(
        candidates=("Ann", "Bo", "Cy", "Di"),
        seats=2,
        ballots=(
            Ballot(("Ann", "Bo"), 5),
            Ballot((("Bo", "Cy"), "Di"), 2),  # Bo and Cy ranked equal
            Ballot((), 3),  # blank
            Ballot(("Di", "Ann", "Di"), 1),  # a duplicate is kept as cast; the count decides
        ),
        title="A title with # and [brackets]",
        withdrawn=("Cy",),
        tie_order=("Di", "Ann"),
        options=("[droop rule=meek]",),
        extra=("source", "comment"),
        trailer="notes: free text",
    )
    text = write_blt(p)
    assert text.splitlines()[:4] == ["4 2", "-3", "[tie 4 1]", "[droop rule=meek]"]
    assert "2 2=3 4 0" in text.splitlines()
    assert "3 0" in text.splitlines()
    assert read_blt(text) == p


def test_equal_ranks_are_read_and_counted_by_the_overvote_rule():
    p = read_blt('3 1\n2 1=2 3 0\n3 3 0\n0\n"A"\n"B"\n"C"\n"t"\n')
    assert p.ballots[0] == Ballot((("A", "B"), "C"), 2)
    exhaust = counting.count_irv(p.ballots, p.candidates)
    assert exhaust.ballots.reasons == {"overvote": 2}
    skip = counting.count_irv(p.ballots, p.candidates, overvote_rule="skip")
    assert skip.stages[0].votes["C"] == 5


def test_byte_order_mark_comments_and_free_layout():
    text = '\ufeff# a comment line\n3 1 # three candidates\n2\n1 2\n0 1 3 0\n0\n"A" "B"\n"C"\n"Title"\n'
    p = read_blt(text.encode("utf-8"))
    assert p.ballots == (Ballot(("A", "B"), 2), Ballot(("C",), 1))
    assert p.title == "Title"
    assert p.candidates == ("A", "B", "C")


def test_missing_title_reads_as_empty():
    assert read_blt('1 1\n1 1 0\n0\n"A"\n').title == ""


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("", None, "the file is empty"),
        ("x 2\n", 1, "expected the number of candidates, found 'x'"),
        ("3\n", None, "the number of seats was expected"),
        ("3 0\n", 1, "number of seats must be at least 1"),
        ('3 2\n1 4 0\n0\n"A"\n"B"\n"C"\n', 2, "candidate number 4 is out of range"),
        ('3 2\n1 1 2\n"A"\n', 3, "the ballot starting on line 2 does not end with 0"),
        ("3 2\n1 1 2\n", 2, "does not end with 0"),
        ('3 2\n1.5 1 0\n0\n"A"\n"B"\n"C"\n', 2, "ballot weight 1.5 is not a whole number"),
        ('3 2\n1 1 - 2 0\n0\n"A"\n"B"\n"C"\n', 2, "skipped ranks"),
        ('3 2\n(b1) 1 2 0\n0\n"A"\n"B"\n"C"\n', 2, "ballot ids"),
        ('3 2\n1 1 0\n0\n"A"\n"B"\n', None, "expected 3 quoted candidate names after the 0 line, found 2"),
        ('3 2\n1 1 0\n0\n"A"\nB\n"C"\n', 5, "expected 3 quoted candidate names"),
        ('3 2\n1 1 0\n[tie 1 2]\n0\n"A"\n"B"\n"C"\n', 3, "options must come before the ballots"),
        ("3 2\n[tie 1 1]\n", 2, "names a candidate twice"),
        ("3 2\n[tie 1]\n[tie 2]\n", 3, "a second [tie] option"),
        ("3 2\n[nick a b c]\n", 2, "the [nick] option is not supported"),
        ("3 2\n[tie 1 2\n", 2, "not closed on its line"),
        ("3 2\n-4\n", 2, "candidate number 4 is out of range"),
        ("3 2\n-1 -1\n", 2, "withdrawn twice"),
        ('3 2\n1 1 0\n-2\n0\n"A"\n"B"\n"C"\n', 3, "must come before the ballots"),
        ('3 2\n1 1=1 0\n0\n"A"\n"B"\n"C"\n', 2, "ranks a candidate equal to itself"),
        ('3 2\n1 1 0\n0\n"A\n"B"\n"C"\n', 4, "a quoted name is not closed"),
        ('2 1\n1 1 0\n0\n"A"\n"A"\n"t"\n', None, "two candidates have the same name"),
    ],
)
def test_malformed_files_name_the_line(text, line, message):
    with pytest.raises(BltError) as excinfo:
        read_blt(text)
    assert excinfo.value.line == line
    assert message in str(excinfo.value)
    assert str(excinfo.value).startswith(f"line {line}:" if line else "end of file:")
    assert isinstance(excinfo.value, ValueError)


def test_bytes_that_are_not_utf8():
    with pytest.raises(BltError, match="line 2: the file is not UTF-8 text"):
        read_blt(b'1 1\n1 1 0 \xff\n0\n"A"\n')


def test_profiles_refuse_what_the_format_cannot_hold():
    with pytest.raises(ValueError, match="double quotes"):
        BltProfile(candidates=('Ann "The Hat"',), seats=1, ballots=())
    with pytest.raises(ValueError, match="not a candidate"):
        BltProfile(candidates=("Ann",), seats=1, ballots=(Ballot(("Bo",)),))
    with pytest.raises(ValueError, match="withdrawn"):
        BltProfile(candidates=("Ann",), seats=1, ballots=(), withdrawn=("Bo",))
    with pytest.raises(ValueError, match="seats"):
        BltProfile(candidates=("Ann",), seats=0, ballots=())
    with pytest.raises(ValueError, match="trailer"):
        BltProfile(candidates=("Ann",), seats=1, ballots=(), trailer='"quoted"')


def test_the_bounds_of_a_count_are_refused_at_the_header():
    # Refused on line 1, before the ballots (none follow here) or the names are read.
    with pytest.raises(BltError) as excinfo:
        read_blt(f"{counting.MAX_CANDIDATES + 1} 1\n")
    assert (excinfo.value.line, str(excinfo.value)) == (1, "line 1: 301 candidates: a count takes at most 300")
    with pytest.raises(BltError, match="line 1: 100,000,000,000,000,000,000 seats: a count fills at most 300"):
        read_blt("3 100000000000000000000\n")
    profile = read_blt('3 300\n1 1 0\n0\n"A"\n"B"\n"C"\n"t"\n')
    assert (profile.seats, len(profile.candidates)) == (300, 3)


def test_a_file_over_five_megabytes_is_refused_whole():
    text = '1 1\n1 1 0\n0\n"A"\n"t"\n'
    with pytest.raises(BltError) as excinfo:
        read_blt(text + "#" * (5_000_001 - len(text)))
    assert (excinfo.value.line, str(excinfo.value)) == (
        0,
        "the file is 5,000,001 bytes; a .blt file is at most 5,000,000",
    )
    assert read_blt(text + "#" * (5_000_000 - len(text))).candidates == ("A",)


def test_the_count_itself_refuses_too_many_candidates_or_seats():
    names = [f"C{n}" for n in range(301)]
    with pytest.raises(ValueError, match="301 candidates: a count takes at most 300"):
        counting.count("plurality", [Ballot(("C1",))], 1, names)
    with pytest.raises(ValueError, match="301 seats: a count fills at most 300"):
        counting.count("meek", [Ballot(("C1",))], 301, names[:3])
    assert counting.count("meek", [Ballot(("C1",))], 300, names[:300]).winners[0] == "C1"
