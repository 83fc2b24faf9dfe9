"""governance.elections.blt: the fast path reads what the token reader reads, and leaves it every error.

``read_blt`` first tries ``_read_fast`` (one whole ballot per line, plain numbers) and falls back to
``_read_reference`` (the token reader) for anything else. Here every shared file, every feature of the
format and a few thousand malformed variants are read both ways: the same profile, or the same error
(code, params, line and English text). Pure: no database, no Django.
"""

from __future__ import annotations

import gc
import random
from dataclasses import dataclass

import pytest

from governance.elections import blt
from governance.elections.blt import BltError, _read_fast, _read_reference, read_blt, write_blt
from governance.elections.counting import Ballot
from tests.datafiles import BALLOTS

BALLOT_FILES = sorted(path.name for path in BALLOTS.glob("*.blt"))


def outcome(read, source):
    """What a reader makes of ``source``: the profile, or the error as everything a caller can see of it."""
    try:
        return read(source)
    except BltError as exc:
        return ("BltError", exc.code, exc.params, exc.line, exc.reason, str(exc))


def reference(source: str | bytes):
    if isinstance(source, bytes):  # decoding is shared: compare the readers on the same text
        try:
            source = source.decode("utf-8-sig")
        except UnicodeDecodeError:
            return read_blt(source)
    return _read_reference(source.removeprefix("\ufeff"))


@pytest.mark.parametrize("name", BALLOT_FILES)
def test_every_shared_file_reads_the_same_both_ways_and_by_the_fast_path(name):
    text = (BALLOTS / name).read_text(encoding="utf-8")
    fast = _read_fast(text)
    assert fast is not None, "the shared files all have the common shape"
    assert fast == _read_reference(text)
    assert read_blt((BALLOTS / name).read_bytes()) == fast


def test_a_large_random_profile_reads_the_same_both_ways():
    rng = random.Random(15)
    names = [f"Candidate {i}" for i in range(1, 16)]
    lines = ["15 5"]
    for _ in range(3000):
        ranking = rng.sample(range(1, 16), rng.randint(1, 15))
        lines.append(" ".join([str(rng.randint(1, 40)), *map(str, ranking), "0"]))
    text = "\n".join([*lines, "0", *(f'"{n}"' for n in names), '"Title"']) + "\n"
    fast = _read_fast(text)
    assert fast is not None and fast == _read_reference(text)
    assert len(fast.ballots) == 3000
    assert write_blt(fast) == text


# Files that use every feature the fast path reads itself: it must take them (not fall back) and agree.
FAST_SHAPES = {
    "plain": '3 2\n4 1 2 0\n2 3 0\n0\n"A"\n"B"\n"C"\n"T"\n',
    "crlf": '3 2\r\n4 1 2 0\r\n2 3 0\r\n0\r\n"A"\r\n"B"\r\n"C"\r\n"T"\r\n',
    "bom": '\ufeff3 2\n4 1 2 0\n0\n"A"\n"B"\n"C"\n"T"\n',
    "tabs and spaces": '3 2\n\t4  1\t2 0  \n   2 3 0\n0\n"A"\n"B"\n"C"\n"T"\n',
    "blank lines among the ballots": '3 2\n4 1 2 0\n\n   \n2 3 0\n0\n"A"\n"B"\n"C"\n"T"\n',
    "equal ranks": '3 2\n4 1=2 3 0\n2 3=1=2 0\n0\n"A"\n"B"\n"C"\n"T"\n',
    "blank ballot": '3 2\n4 0\n2 3 0\n0\n"A"\n"B"\n"C"\n"T"\n',
    "no ballots": '3 2\n0\n"A"\n"B"\n"C"\n"T"\n',
    "a candidate twice, kept as cast": '3 2\n1 1 2 1 0\n0\n"A"\n"B"\n"C"\n"T"\n',
    "withdrawn": '3 2\n-2\n4 1 2 0\n0\n"A"\n"B"\n"C"\n"T"\n',
    "withdrawn on the header line": '3 2 -2 -3\n4 1 2 0\n0\n"A"\n"B"\n"C"\n"T"\n',
    "tie and options": '3 2\n[tie 3 1 2]\n[droop precision=5] # why\n-1\n4 1 2 0\n0\n"A"\n"B"\n"C"\n"T"\n',
    "comment in the header": '3 2 # three candidates\n4 1 2 0\n0\n"A"\n"B"\n"C"\n"T"\n',
    "names on one line, extra strings, trailer": '3 2\n4 1 2 0\n0\n"A" "B"\n"C" "T" "src"\n"c"\nnotes: 1 2 # x\n',
    "names with # and [": '3 2\n4 1 2 0\n0\n"A # 1"\n"[B]"\n"C"\n"T # [x]"\n',
    "no title": '3 2\n4 1 2 0\n0\n"A"\n"B"\n"C"\n',
    "large counts": '3 2\n123456789012345678901234567890 1 2 0\n0\n"A"\n"B"\n"C"\n"T"\n',
    "names in another script": '2 1\n3 2 1 0\n0\n"Ñandú"\n"Ελένη"\n"Título"\n',
}


@pytest.mark.parametrize("text", FAST_SHAPES.values(), ids=FAST_SHAPES.keys())
def test_the_fast_path_reads_every_common_feature_as_the_token_reader_does(text):
    fast = _read_fast(text.removeprefix("\ufeff"))
    assert fast is not None
    assert fast == reference(text)
    assert read_blt(text) == read_blt(text.encode("utf-8")) == fast


def test_equal_ranks_and_blank_ballots_by_the_fast_path():
    p = _read_fast(FAST_SHAPES["equal ranks"])
    assert p.ballots == (Ballot((("A", "B"), "C"), 4), Ballot((("C", "A", "B"),), 2))
    assert _read_fast(FAST_SHAPES["blank ballot"]).ballots[0] == Ballot((), 4)


# Shapes the fast path leaves to the token reader: valid but unusual, or malformed. read_blt must give
# exactly the token reader's profile or error.
OTHER_SHAPES = {
    "a ballot over two lines": '3 2\n4 1\n2 0\n2 3 0\n0\n"A"\n"B"\n"C"\n"T"\n',
    "a ballot whose 0 is alone on the next line": '3 2\n4 1 2\n0\n0\n"A"\n"B"\n"C"\n"T"\n',
    "two ballots on a line": '3 2\n4 1 2 0 2 3 0\n0\n"A"\n"B"\n"C"\n"T"\n',
    "comment after a ballot": '3 2\n4 1 2 0 # first\n0\n"A"\n"B"\n"C"\n"T"\n',
    "comment line among the ballots": '3 2\n4 1 2 0\n# here\n2 3 0\n0\n"A"\n"B"\n"C"\n"T"\n',
    "comment line first": '# the file\n3 2\n4 1 2 0\n0\n"A"\n"B"\n"C"\n"T"\n',
    "header over two lines": '3\n2\n4 1 2 0\n0\n"A"\n"B"\n"C"\n"T"\n',
    "end with spaces": '3 2\n4 1 2 0\n 0 \n"A"\n"B"\n"C"\n"T"\n',
    "end and names on one line": '3 2\n4 1 2 0\n0 "A" "B" "C" "T"\n',
    "leading zeros": '3 2\n004 01 2 0\n0\n"A"\n"B"\n"C"\n"T"\n',
    "plus signs": '3 2\n+4 +1 2 0\n0\n"A"\n"B"\n"C"\n"T"\n',
    "arabic-indic digits": '3 2\n\u0664 \u0661 2 0\n0\n"A"\n"B"\n"C"\n"T"\n',
    "fullwidth digits": '3 2\n\uff14 1 2 0\n0\n"A"\n"B"\n"C"\n"T"\n',
    "unicode line separator": '3 2\n4 1\u20282 0\n0\n"A"\n"B"\n"C"\n"T"\n',
    "form feed inside a ballot": '3 2\n4 1\x0c2 0\n0\n"A"\n"B"\n"C"\n"T"\n',
    "zero count": '3 2\n0 1 2 0\n0\n"A"\n"B"\n"C"\n"T"\n',
    "out of range": '3 2\n4 1 4 0\n0\n"A"\n"B"\n"C"\n"T"\n',
    "zero inside a ballot": '3 2\n4 1 0 2 0\n0\n"A"\n"B"\n"C"\n"T"\n',
    "candidate zero in a group": '3 2\n4 1=0 2 0\n0\n"A"\n"B"\n"C"\n"T"\n',
    "equal to itself": '3 2\n4 1=1 2 0\n0\n"A"\n"B"\n"C"\n"T"\n',
    "equal to itself with a leading zero": '3 2\n4 1=01 2 0\n0\n"A"\n"B"\n"C"\n"T"\n',
    "empty group": '3 2\n4 1= 2 0\n0\n"A"\n"B"\n"C"\n"T"\n',
    "skipped rank": '3 2\n4 1 - 2 0\n0\n"A"\n"B"\n"C"\n"T"\n',
    "ballot id": '3 2\n(a) 4 1 2 0\n0\n"A"\n"B"\n"C"\n"T"\n',
    "weight fraction": '3 2\n1.5 1 2 0\n0\n"A"\n"B"\n"C"\n"T"\n',
    "negative count late": '3 2\n4 1 2 0\n-3 1 0\n0\n"A"\n"B"\n"C"\n"T"\n',
    "withdrawn after a ballot": '3 2\n4 1 2 0\n-2\n0\n"A"\n"B"\n"C"\n"T"\n',
    "option after a ballot": '3 2\n4 1 2 0\n[tie 1 2 3]\n0\n"A"\n"B"\n"C"\n"T"\n',
    "quote in a ballot line": '3 2\n4 1 "2" 0\n0\n"A"\n"B"\n"C"\n"T"\n',
    "bracket in a ballot line": '3 2\n4 1 [2] 0\n0\n"A"\n"B"\n"C"\n"T"\n',
    "names missing": '3 2\n4 1 2 0\n0\n"A"\n"B"\n',
    "name unquoted": '3 2\n4 1 2 0\n0\n"A"\nB\n"C"\n',
    "name not closed": '3 2\n4 1 2 0\n0\n"A\n"B"\n"C"\n',
    "same name twice": '2 1\n1 1 0\n0\n"A"\n"A"\n"t"\n',
    "name with a quote inside": '2 1\n1 1 0\n0\n"A "x" B"\n"C"\n"t"\n',
    "no end of ballots": '3 2\n4 1 2 0\n"A"\n"B"\n"C"\n"T"\n',
    "ends in a ballot": "3 2\n4 1 2 0\n2 3",
    "no candidates": "0 2\n0\n",
    "no seats": '3 0\n4 1 2 0\n0\n"A"\n"B"\n"C"\n',
    "too many candidates": "301 1\n1 1 0\n0\n",
    "too many seats": '3 301\n1 1 0\n0\n"A"\n"B"\n"C"\n',
    "header not a number": 'x 2\n4 1 2 0\n0\n"A"\n"B"\n"C"\n',
    "withdrawn twice": '3 2\n-1 -1\n4 1 2 0\n0\n"A"\n"B"\n"C"\n',
    "withdrawn out of range": '3 2\n-4\n4 1 2 0\n0\n"A"\n"B"\n"C"\n',
    "unsupported option": '3 2\n[nick a b c]\n4 1 2 0\n0\n"A"\n"B"\n"C"\n',
    "second tie": '3 2\n[tie 1 2]\n[tie 2 1]\n4 1 2 0\n0\n"A"\n"B"\n"C"\n',
    "option not closed": '3 2\n[tie 1 2\n4 1 2 0\n0\n"A"\n"B"\n"C"\n',
    "word in the preamble": '3 2\nfoo\n4 1 2 0\n0\n"A"\n"B"\n"C"\n',
    "empty": "",
    "only spaces": "  \n\t\n",
    "only a header": "3 2\n",
}


@pytest.mark.parametrize("text", OTHER_SHAPES.values(), ids=OTHER_SHAPES.keys())
def test_everything_else_reads_exactly_as_the_token_reader_reads_it(text):
    expected = outcome(reference, text)
    assert outcome(read_blt, text) == expected
    assert outcome(read_blt, text.encode("utf-8")) == expected


def test_malformed_files_keep_their_errors_word_for_word():
    assert outcome(read_blt, OTHER_SHAPES["out of range"]) == (
        "BltError",
        "out_of_range",
        {"number": 4, "n": 3},
        2,
        "candidate number 4 is out of range: there are 3 candidates",
        "line 2: candidate number 4 is out of range: there are 3 candidates",
    )
    assert outcome(read_blt, OTHER_SHAPES["equal to itself with a leading zero"])[1:4] == (
        "equal_to_itself",
        {"ranks": "'1=01'"},
        2,
    )
    # A 0 inside a line ends that ballot: "4 1 0 2 0" is two ballots, the second blank.
    assert read_blt(OTHER_SHAPES["zero inside a ballot"]).ballots == (Ballot(("A",), 4), Ballot((), 2))
    assert outcome(read_blt, OTHER_SHAPES["no end of ballots"])[1:4] == (
        "expected",
        {"what": "ballot", "found": '"A"'},
        3,
    )
    assert outcome(read_blt, b'1 1\n1 1 0 \xff\n0\n"A"\n')[1:4] == ("not_utf8", {}, 2)


# Single-character edits of small files that use most of the format, read both ways.
SEEDS = [
    '3 2\n-2\n[tie 3 1 2]\n4 1 2 0\n2 3=1 0\n1 0\n0\n"A"\n"B"\n"C"\n"Title"\n"src"\nnotes here\n',
    '4 2\n3 1 3 4 0\n4 1 3 2 0\n2 4 1 3 0\n1 2 0\n2 2 4 3 1 0\n1 3 4 2 0\n0\n"Ann"\n"Bo"\n"Cy"\n"Di"\n"T"\n',
    '2 1\r\n10 1 2 0\r\n7 2 0\r\n0\r\n"X"\r\n"Y"\r\n"T"\r\n',
]
EDITS = [
    "",
    " ",
    "\n",
    "\t",
    "0",
    "1",
    "2",
    "9",
    "=",
    "-",
    "+",
    "#",
    '"',
    "[",
    "]",
    ".",
    "(",
    "x",
    "\r",
    "\u2028",
    "\u0661",
    "\ufeff",
]


def _mutants(count: int) -> list[str]:
    rng = random.Random(20261207)
    out = []
    for _ in range(count):
        text = rng.choice(SEEDS)
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(text) + 1)
            cut = rng.choice([0, 0, 1])  # insert, or replace one character
            text = text[:at] + rng.choice(EDITS) + text[at + cut :]
        out.append(text)
    return out


def test_thousands_of_edited_files_read_the_same_both_ways():
    fast_taken = 0
    for text in _mutants(4000):
        expected = outcome(reference, text)
        assert outcome(read_blt, text) == expected, repr(text)
        fast = _read_fast(text.removeprefix("\ufeff"))
        if fast is not None:
            fast_taken += 1
            assert fast == expected, repr(text)  # the fast path never accepts what the token reader refuses
    assert fast_taken > 400  # the edits keep many files in the common shape: the fast path is exercised


def test_the_cycle_collector_is_resumed_after_reading_and_left_paused_if_it_was():
    text = FAST_SHAPES["plain"]
    assert gc.isenabled()
    read_blt(text)
    assert gc.isenabled()
    gc.disable()
    try:
        read_blt(text)
        assert not gc.isenabled()
    finally:
        gc.enable()
    with pytest.raises(BltError):
        read_blt(OTHER_SHAPES["out of range"])
    assert gc.isenabled()


def test_ballots_are_built_by_their_constructor_once_ballot_is_no_longer_the_two_slot_record(monkeypatch):
    @dataclass(frozen=True, slots=True)
    class Weighted:  # a third slot: filling two would leave it unset
        ranking: tuple = ()
        count: int = 1
        weight: int = 1

    @dataclass(frozen=True, slots=True)
    class Reversed:  # the same two slots, but a constructor that changes what it is given
        ranking: tuple = ()
        count: int = 1

        def __post_init__(self):
            object.__setattr__(self, "ranking", self.ranking[::-1])

    assert blt._build_ballots.__name__ == "fill"  # today's Ballot: its slots are filled directly
    for changed in (Weighted, Reversed):
        monkeypatch.setattr(blt, "Ballot", changed)
        build = blt._ballots_builder()
        assert build.__name__ == "construct"
        assert build([("A", "B")], [2]) == [changed(("A", "B"), 2)]
