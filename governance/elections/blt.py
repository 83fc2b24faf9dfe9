"""The .blt ballot format: read it into a :class:`BltProfile` and write it back.

Pure: no Django import, no I/O (text in, text out), standard library only.

The format (Hill, Wichmann & Woodall, "Algorithm 123", 1987; the interchange format of OpenSTV,
droop and OpaVote)::

    4 2                 candidates and seats
    -2                  optional: withdrawn candidates, each as a negative number
    [tie 3 2 1]         optional extension: a predetermined tie-break order
    3 1 3 4 0           a count, then candidate numbers in order of preference, then 0
    2 1=3 4 0           extension: candidates joined by "=" are ranked equal
    1 0                 a ballot with no preferences (a blank ballot)
    0                   end of ballots
    "Adam"              one quoted name per candidate, in number order
    ...
    "Title"             the election's title; further quoted strings (source, comment) are kept

As in droop and OpenSTV, ``#`` starts a comment that runs to the end of the line. Line breaks are
otherwise just spacing, so a ballot may span lines. Other ``[...]`` options (``[droop ...]``) are
kept verbatim and written back; ``[nick ...]`` (nicknames on ballot lines), skipped ranks ``-``
and OpenSTV ballot ids ``(id)`` change how ballots are read and are refused with a clear error.

Every problem is a :class:`BltError` (a ``ValueError``) that names the line.

Two readers: a fast path for the shape nearly every file has (one whole ballot per line in plain
numbers), and the token reader, which reads any file the format allows and words every error. The
fast path gives up on anything else, and the token reader reads the file from the start (docs/governance.md).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields
from itertools import chain, repeat
from operator import attrgetter
from typing import NamedTuple

from clt.collector import collector_paused
from governance.elections.counting import MAX_CANDIDATES, MAX_SEATS, Ballot

__all__ = ["MAX_BLT_BYTES", "BltError", "BltProfile", "ProfileError", "read_blt", "write_blt"]

_INT = re.compile(r"[+-]?\d+\Z")
# The counting work grows with the ballots as well as the candidates: 5 MB of ballots (300
# candidates, every ballot ranking all) is counted in under 6 s and 300 MB. A ward of a Scottish
# council election is 45 KB; a national constituency of 100,000 ballots about 2 MB.
MAX_BLT_BYTES = 5_000_000


# What a reader expected where a file went wrong, by the code the errors carry (``what`` in their params).
_WHAT = {
    "candidates": "the number of candidates",
    "seats": "the number of seats",
    "ballot": "a ballot or the 0 that ends the ballots",
    "option": "an option",
    "withdrawn": "a withdrawn candidate",
    "preference": "a preference",
    "name": "a name",
    "title": "a title",
}


class BltError(ValueError):
    """A malformed .blt file; ``line`` is the 1-based line of the problem (None: end of file; 0: the whole file).

    ``str()`` and ``reason`` are English (the logs, the tests); ``code`` and ``params`` name the same
    problem for the edge that words it in the reader's language (``selectors.blt_error_text``)."""

    def __init__(self, line: int | None, message: str, code: str, **params: object):
        self.line = line
        self.reason = message
        self.code = code
        self.params = params
        where = f"line {line}" if line is not None else "end of file"
        super().__init__(message if line == 0 else f"{where}: {message}")


class ProfileError(ValueError):
    """A :class:`BltProfile` the format cannot hold; ``code`` and ``params`` as in :class:`BltError`."""

    def __init__(self, message: str, code: str, **params: object):
        self.reason = message
        self.code = code
        self.params = params
        super().__init__(message)


@dataclass(frozen=True)
class BltProfile:
    """A ballot profile as a .blt file holds it. Ballots name candidates, not numbers."""

    candidates: tuple[str, ...]
    seats: int
    ballots: tuple[Ballot, ...]
    title: str = ""
    withdrawn: tuple[str, ...] = ()
    tie_order: tuple[str, ...] = ()  # the [tie ...] line, if any
    options: tuple[str, ...] = ()  # other [...] lines, verbatim, e.g. "[droop precision=5]"
    extra: tuple[str, ...] = ()  # quoted strings after the title (Wichmann's source and comment)
    trailer: str = ""  # free text after the quoted strings (Wichmann's M135 notes), verbatim

    def __post_init__(self) -> None:
        for name in ("candidates", "ballots", "withdrawn", "tie_order", "options", "extra"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if not self.candidates:
            raise ProfileError("a profile needs at least one candidate", "profile_no_candidates")
        for text in (*self.candidates, self.title, *self.extra):
            if not isinstance(text, str) or '"' in text or "\n" in text or "\r" in text:
                raise ProfileError(
                    f"{text!r}: names and titles are text without double quotes or line breaks",
                    "profile_text",
                    text=repr(text),
                )
        if not all(self.candidates):
            raise ProfileError("a candidate's name cannot be empty", "profile_empty_name")
        if len(set(self.candidates)) != len(self.candidates):
            raise ProfileError("two candidates have the same name", "profile_same_name")
        if isinstance(self.seats, bool) or not isinstance(self.seats, int) or self.seats < 1:
            raise ProfileError(
                f"seats must be a positive whole number, not {self.seats!r}", "profile_seats", seats=repr(self.seats)
            )
        known = set(self.candidates)
        if len(set(self.withdrawn)) != len(self.withdrawn) or not set(self.withdrawn) <= known:
            raise ProfileError("the withdrawn must name distinct candidates", "profile_withdrawn")
        if len(set(self.tie_order)) != len(self.tie_order) or not set(self.tie_order) <= known:
            raise ProfileError("the tie order must name distinct candidates", "profile_tie_order")
        ballots = self.ballots
        # A file of 100,000 papers holds some 80,000 ballots: the common case (every ballot a Ballot
        # naming candidates, no equal ranks) is checked in C; anything else, ballot by ballot below.
        if all(map(isinstance, ballots, repeat(Ballot))) and known.issuperset(
            chain.from_iterable(map(attrgetter("ranking"), ballots))
        ):
            ballots = ()
        for ballot in ballots:
            if not isinstance(ballot, Ballot):
                raise ProfileError("ballots must be counting.Ballot objects", "profile_ballot_type")
            for item in ballot.ranking:
                for name in (item,) if isinstance(item, str) else item:
                    if name not in known:
                        raise ProfileError(
                            f"a ballot names {name!r}, who is not a candidate", "profile_not_candidate", name=repr(name)
                        )
        trailer = self.trailer
        if trailer and (trailer[0].isspace() or trailer[0] in '"#[' or trailer != trailer.rstrip()):
            raise ProfileError(
                "a trailer starts and ends with visible text that is not a quote, # or [", "profile_trailer"
            )
        for option in self.options:
            if not (option.startswith("[") and option.endswith("]")) or "\n" in option:
                raise ProfileError(
                    f"{option!r}: an option is one bracketed line", "profile_option", option=repr(option)
                )

    @property
    def ballot_count(self) -> int:
        return sum(ballot.count for ballot in self.ballots)


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------


class _Token(NamedTuple):
    kind: str  # "word", "quoted" or "option"
    text: str
    line: int
    column: int


def _tokens(text: str) -> Iterator[_Token]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not any(ch in line for ch in '"#['):
            # The common case, a ballot line: plain words. Columns only matter for the free text
            # after the title, which is never a plain ballot line's business.
            column = 0
            for word in line.split():
                column = line.index(word, column)
                yield _Token("word", word, number, column)
                column += len(word)
            continue
        i = 0
        while i < len(line):
            ch = line[i]
            if ch.isspace():
                i += 1
            elif ch == "#":
                break  # a comment runs to the end of the line
            elif ch == '"':
                end = line.find('"', i + 1)
                if end < 0:
                    raise BltError(number, "a quoted name is not closed on its line", "quote_open")
                yield _Token("quoted", line[i + 1 : end], number, i)
                i = end + 1
            elif ch == "[":
                end = line.find("]", i + 1)
                if end < 0:
                    raise BltError(number, "an option in square brackets is not closed on its line", "option_open")
                yield _Token("option", line[i : end + 1], number, i)
                i = end + 1
            else:
                start = i
                while i < len(line) and not line[i].isspace() and line[i] not in '"#[':
                    i += 1
                yield _Token("word", line[start:i], number, start)


class _Reader:
    """Tokens on demand, so free text after the title is never tokenised (it may hold anything)."""

    def __init__(self, text: str):
        self.text = text
        self.stream = _tokens(text)
        self.ahead: _Token | None = None
        self.done = False

    def peek(self) -> _Token | None:
        if self.ahead is None and not self.done:
            self.ahead = next(self.stream, None)
            self.done = self.ahead is None
        return self.ahead

    def take(self, what: str) -> _Token:
        """The next token; ``what`` (a key of ``_WHAT``) names what the file should hold there."""
        token = self.peek()
        if token is None:
            raise BltError(None, f"the file ends where {_WHAT[what]} was expected", "ends_early", what=what)
        self.ahead = None
        return token

    def rest_from(self, token: _Token) -> str:
        """The raw text from ``token`` to the end of the file."""
        lines = self.text.splitlines()
        return "\n".join([lines[token.line - 1][token.column :], *lines[token.line :]]).rstrip()

    def integer(self, what: str) -> tuple[int, int]:
        token = self.take(what)
        if token.kind != "word" or not _INT.match(token.text):
            raise BltError(
                token.line, f"expected {_WHAT[what]}, found {_show(token)}", "expected", what=what, found=_show(token)
            )
        return int(token.text), token.line


def _show(token: _Token) -> str:
    return f'"{token.text}"' if token.kind == "quoted" else repr(token.text)


def _candidate(text: str, line: int, n: int) -> int:
    if text.isdigit() and text.isascii() and 0 < int(text) <= n:
        return int(text)  # the common case, checked cheaply
    if not _INT.match(text) or text.startswith(("+", "-")):
        if text == "-":
            raise BltError(line, "skipped ranks ('-') are not supported: renumber the preferences", "skipped_ranks")
        if text.startswith("("):
            raise BltError(line, "ballot ids in parentheses are not supported", "ballot_ids")
        raise BltError(line, f"expected a candidate number, found {text!r}", "candidate_expected", found=repr(text))
    number = int(text)
    if not 1 <= number <= n:
        raise BltError(
            line,
            f"candidate number {number} is out of range: there are {n} candidates",
            "out_of_range",
            number=number,
            n=n,
        )
    return number


def _option(token: _Token, n: int) -> list[int] | None:
    """A [...] option: the tie order as numbers, or None for an option kept verbatim."""
    words = token.text[1:-1].split()
    if not words:
        raise BltError(token.line, "an empty option []", "option_empty")
    keyword = words[0].lower()
    if keyword == "tie":
        order = [_candidate(word, token.line, n) for word in words[1:]]
        if not order:
            raise BltError(token.line, "a [tie] option must list candidates", "tie_empty")
        if len(set(order)) != len(order):
            raise BltError(token.line, "a [tie] option names a candidate twice", "tie_twice")
        return order
    if keyword in ("nick", "withdrawn", "elected", "include", "order", "lines", "one"):
        raise BltError(token.line, f"the [{keyword}] option is not supported", "option_unsupported", keyword=keyword)
    return None


def read_blt(source: str | bytes) -> BltProfile:
    """Parse a .blt file (text, or UTF-8 bytes with or without a byte-order mark).

    The fast path reads the common shape (one whole ballot per line, plain numbers) line by line;
    anything else, malformed or merely unusual, is read again from the start by the token reader,
    which knows every shape and words every error. Both give the same profile (tests prove it)."""
    text = _decode(source)
    profile = _read_fast(text)
    return profile if profile is not None else _read_reference(text)


def _decode(source: str | bytes) -> str:
    if len(source) > MAX_BLT_BYTES:
        raise BltError(
            0,
            f"the file is {len(source):,} bytes; a .blt file is at most {MAX_BLT_BYTES:,}",
            "too_large",
            size=len(source),
            max=MAX_BLT_BYTES,
        )
    if isinstance(source, bytes):
        try:
            return source.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise BltError(source[: exc.start].count(b"\n") + 1, "the file is not UTF-8 text", "not_utf8") from None
    return source.removeprefix("\ufeff")


def _read_reference(text: str) -> BltProfile:
    """The token reader: every shape the format allows, and the exact error for every malformed file."""
    reader = _Reader(text)
    if reader.peek() is None:
        raise BltError(None, "the file is empty", "empty")
    n, seats = _read_header(reader)
    withdrawn, tie_order, options = _read_preamble(reader, n)
    raw_ballots = _read_ballots(reader, n)
    names, quoted, trailer = _read_names(reader, n)

    def name_of(number: int) -> str:
        return names[number - 1]

    ballots = tuple(
        Ballot(
            ranking=tuple(
                name_of(group[0]) if len(group) == 1 else tuple(name_of(c) for c in group) for group in ranking
            ),
            count=count,
        )
        for count, ranking in raw_ballots
    )
    return _profile(names, seats, ballots, quoted, withdrawn, tie_order, options, trailer)


def _read_header(reader: _Reader) -> tuple[int, int]:
    """The number of candidates and of seats."""
    n, line = reader.integer("candidates")
    if n < 1:
        raise BltError(line, "the number of candidates must be at least 1", "no_candidates")
    if n > MAX_CANDIDATES:  # before any ballot is read: the count could not take them
        raise BltError(
            line,
            f"{n:,} candidates: a count takes at most {MAX_CANDIDATES}",
            "too_many_candidates",
            n=n,
            max=MAX_CANDIDATES,
        )
    seats, line = reader.integer("seats")
    if seats < 1:
        raise BltError(line, "the number of seats must be at least 1", "no_seats")
    if seats > MAX_SEATS:
        raise BltError(
            line, f"{seats:,} seats: a count fills at most {MAX_SEATS}", "too_many_seats", seats=seats, max=MAX_SEATS
        )
    return n, seats


def _read_preamble(reader: _Reader, n: int) -> tuple[list[int], list[int], list[str]]:
    """Before the ballots: withdrawn candidates (negative numbers) and [...] options, in any order."""
    withdrawn: list[int] = []
    tie_order: list[int] = []
    options: list[str] = []
    while (token := reader.peek()) is not None:
        if token.kind == "option":
            reader.take("option")
            order = _option(token, n)
            if order is not None:
                if tie_order:
                    raise BltError(token.line, "a second [tie] option", "tie_second")
                tie_order = order
            else:
                options.append(token.text)
        elif token.kind == "word" and token.text.startswith("-") and _INT.match(token.text):
            reader.take("withdrawn")
            number = _candidate(token.text[1:], token.line, n)
            if number in withdrawn:
                raise BltError(token.line, f"candidate {number} is withdrawn twice", "withdrawn_twice", number=number)
            withdrawn.append(number)
        else:
            break
    return withdrawn, tie_order, options


def _read_ballots(reader: _Reader, n: int) -> list[tuple[int, list[list[int]]]]:
    """The ballots up to the 0 that ends them, as counts and groups of candidate numbers."""
    raw_ballots: list[tuple[int, list[list[int]]]] = []
    while True:
        token = reader.take("ballot")
        if token.kind != "word":
            if token.kind == "option":
                raise BltError(token.line, "options must come before the ballots", "options_late")
            raise BltError(
                token.line,
                f"expected a ballot or the 0 that ends the ballots, found {_show(token)}",
                "expected",
                what="ballot",
                found=_show(token),
            )
        if not _INT.match(token.text):
            if re.fullmatch(r"\d*\.\d+|\d+\.\d*", token.text):
                raise BltError(
                    token.line,
                    f"ballot weight {token.text} is not a whole number",
                    "weight_fraction",
                    weight=token.text,
                )
            if token.text.startswith("("):
                raise BltError(token.line, "ballot ids in parentheses are not supported", "ballot_ids")
            raise BltError(
                token.line, f"expected a ballot count, found {token.text!r}", "count_expected", found=repr(token.text)
            )
        count = int(token.text)
        if count == 0:
            return raw_ballots
        if count < 0:
            raise BltError(
                token.line, "withdrawn candidates (negative numbers) must come before the ballots", "withdrawn_late"
            )
        ranking: list[list[int]] = []
        start = token.line
        while True:
            item = reader.peek()
            if item is None or item.kind != "word":
                raise BltError(
                    item.line if item else start,
                    f"the ballot starting on line {start} does not end with 0",
                    "ballot_unended",
                    start=start,
                )
            reader.take("preference")
            if item.text == "0":
                break
            group = [_candidate(part, item.line, n) for part in item.text.split("=")]
            if len(set(group)) != len(group):
                raise BltError(
                    item.line,
                    f"{item.text!r} ranks a candidate equal to itself",
                    "equal_to_itself",
                    ranks=repr(item.text),
                )
            ranking.append(group)
        raw_ballots.append((count, ranking))


def _read_names(reader: _Reader, n: int) -> tuple[list[str], list[str], str]:
    """After the ballots: the candidates' names, then the title and other quoted strings, then free text."""
    names: list[str] = []
    while len(names) < n:
        token = reader.peek()
        if token is None or token.kind != "quoted":
            where = token.line if token else None
            raise BltError(
                where,
                f"expected {n} quoted candidate names after the 0 line, found {len(names)}",
                "names_missing",
                n=n,
                found=len(names),
            )
        names.append(reader.take("name").text)
    quoted: list[str] = []
    trailer = ""
    while (token := reader.peek()) is not None:
        if token.kind != "quoted":
            # Free text after the title and its quoted source and comment (Wichmann's files end
            # with notes such as "First Prefs"): kept verbatim, not interpreted.
            trailer = reader.rest_from(token)
            break
        quoted.append(reader.take("title").text)
    return names, quoted, trailer


def _profile(
    names: list[str],
    seats: int,
    ballots: tuple[Ballot, ...],
    quoted: list[str],
    withdrawn: list[int],
    tie_order: list[int],
    options: list[str],
    trailer: str,
) -> BltProfile:
    try:
        return BltProfile(
            candidates=tuple(names),
            seats=seats,
            ballots=ballots,
            title=quoted[0] if quoted else "",
            withdrawn=tuple(names[c - 1] for c in withdrawn),
            tie_order=tuple(names[c - 1] for c in tie_order),
            options=tuple(options),
            extra=tuple(quoted[1:]),
            trailer=trailer,
        )
    except ProfileError as exc:  # e.g. two candidates with the same name
        raise BltError(None, exc.reason, exc.code, **exc.params) from None


# The fast path. A .blt file of 100,000 papers is some 80,000 ballot lines: the token reader makes a
# token object per number (a million of them), this path one list of words per line. It reads only
# what it can read exactly as the token reader does, and hands everything else back (None).

_ASCII_DIGITS = "0123456789"


_Ranking = tuple[str | tuple[str, ...], ...]


def _ballots_builder() -> Callable[[list[_Ranking], list[int]], list[Ballot]]:
    """``[Ballot(r, c) for r, c in zip(rankings, counts)]`` for values this module has checked already.

    Building the Ballot objects is half of what is left of reading a file once its lines are split:
    the constructor runs two Python functions per ballot (``__init__``, ``__post_init__``) to check what
    the fast path has checked. The fast path hands over exactly what the constructor keeps unchanged: a
    tuple of candidate names (an equal-rank group a tuple of two or more names) and a whole count of at
    least 1. So, like pydantic's ``model_construct``, the slots are filled directly, in C loops; but only
    while ``Ballot`` is the two-slot record this was written for and its constructor keeps such values as
    they are (checked here, once). If ``counting`` changes ``Ballot``, the constructor is used."""

    def construct(rankings: list[_Ranking], counts: list[int]) -> list[Ballot]:
        return list(map(Ballot, rankings, counts))

    try:
        if Ballot.__slots__ != ("ranking", "count") or [f.name for f in fields(Ballot)] != ["ranking", "count"]:
            return construct
        set_ranking, set_count = Ballot.ranking.__set__, Ballot.count.__set__
    except (AttributeError, TypeError):
        return construct

    def fill(rankings: list[_Ranking], counts: list[int]) -> list[Ballot]:
        ballots = list(map(object.__new__, repeat(Ballot, len(rankings))))
        deque(map(set_ranking, ballots, rankings), maxlen=0)
        deque(map(set_count, ballots, counts), maxlen=0)
        return ballots

    probe: tuple[list[_Ranking], list[int]] = ([("A", "B"), (("A", "B"), "C"), ()], [1, 7, 2])
    built = construct(*probe)
    if fill(*probe) != built or [b.ranking for b in built] != probe[0] or [b.count for b in built] != probe[1]:
        return construct
    return fill


_build_ballots = _ballots_builder()


def _read_fast(text: str) -> BltProfile | None:
    """The profile, when the file has the common shape: a header (with any withdrawn and [...] lines),
    then whole ballots one to a line in plain numbers, a line "0", then quoted names and title; else None."""
    # What this path builds holds no reference cycle (lists and tuples of strings, Ballot records): the
    # collector's passes would cost more than the reading (clt/collector.py).
    with collector_paused():
        return _read_common_shape(text)


def _read_common_shape(text: str) -> BltProfile | None:
    lines = text.splitlines()
    # The ballots begin at the first line after the header that starts with a digit (a "0" there ends
    # them at once); what comes before is the header and the preamble, read by the token reader.
    first = 1
    while first < len(lines):
        stripped = lines[first].lstrip()
        if stripped and stripped[0] in _ASCII_DIGITS:
            break
        first += 1
    else:
        return None
    try:
        end = lines.index("0", first)
    except ValueError:
        return None  # e.g. "0 " or a last ballot that ends on the names' line: the token reader's business
    try:
        head = _Reader("\n".join(lines[:first]))
        if head.peek() is None:
            return None
        n, seats = _read_header(head)
        withdrawn, tie_order, options = _read_preamble(head, n)
        if head.peek() is not None:
            return None  # something the preamble does not take, before the first ballot
        # The lines after "0" are few (names, title, notes): the token reader reads them, on their own.
        names, quoted, trailer = _read_names(_Reader("\n".join(lines[end + 1 :])), n)
    except BltError:
        return None
    number = {str(i): name for i, name in enumerate(names, start=1)}
    name_of = number.__getitem__
    rankings: list[_Ranking] = []
    counts: list[int] = []
    add_ranking, add_count = rankings.append, counts.append
    count_of: dict[str, int] = {}  # a count's text and value, checked once (most ballots count 1)
    for words in map(str.split, lines[first:end]):
        if not words:
            continue
        # A final 0 and a count in plain digits not starting with 0 (a "0" would end the ballots; this
        # also refuses a line of one word): the ballot is whole on its line. Anything else (a ballot
        # over several lines, a weight 1.5, a "#") goes to the token reader.
        if words[-1] != "0":
            return None
        count = count_of.get(words[0])
        if count is None:
            text = words[0]
            if text[0] == "0" or not (text.isascii() and text.isdigit()):
                return None
            count = count_of[text] = int(text)
        try:
            ranking = tuple(map(name_of, words[1:-1]))
        except KeyError:  # "1=2", "01", "-", "(id)", a number out of range, a 0 inside the line...
            ranking = _equal_ranks(words[1:-1], number)
            if ranking is None:
                return None
        add_ranking(ranking)
        add_count(count)
    try:
        return _profile(
            names, seats, tuple(_build_ballots(rankings, counts)), quoted, withdrawn, tie_order, options, trailer
        )
    except BltError:
        return None


def _equal_ranks(words: list[str], number: dict[str, str]) -> tuple[str | tuple[str, ...], ...] | None:
    """A ranking with candidates ranked equal ("1=3"); None for anything the fast path does not read."""
    ranking: list[str | tuple[str, ...]] = []
    for word in words:
        parts = word.split("=")
        if not all(part in number for part in parts) or len(set(parts)) != len(parts):
            return None
        ranking.append(number[word] if len(parts) == 1 else tuple(number[part] for part in parts))
    return tuple(ranking)


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


def _quoted(text: str) -> str:
    return f'"{text}"'


def write_blt(profile: BltProfile) -> str:
    """The profile as .blt text; ``read_blt(write_blt(p)) == p``."""
    number = {name: i for i, name in enumerate(profile.candidates, start=1)}
    lines = [f"{len(profile.candidates)} {profile.seats}"]
    if profile.withdrawn:
        lines.append(" ".join(f"-{number[name]}" for name in profile.withdrawn))
    if profile.tie_order:
        lines.append("[tie " + " ".join(str(number[name]) for name in profile.tie_order) + "]")
    lines.extend(profile.options)
    for ballot in profile.ballots:
        prefs: list[str] = []
        for item in ballot.ranking:
            group: Sequence[str] = (item,) if isinstance(item, str) else item
            prefs.append("=".join(str(number[name]) for name in group))
        lines.append(" ".join([str(ballot.count), *prefs, "0"]))
    lines.append("0")
    lines.extend(_quoted(name) for name in profile.candidates)
    lines.append(_quoted(profile.title))
    lines.extend(_quoted(text) for text in profile.extra)
    if profile.trailer:
        lines.append(profile.trailer)
    return "\n".join(lines) + "\n"
