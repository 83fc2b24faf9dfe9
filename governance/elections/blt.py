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
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from governance.elections.counting import MAX_CANDIDATES, MAX_SEATS, Ballot

__all__ = ["MAX_BLT_BYTES", "BltError", "BltProfile", "read_blt", "write_blt"]

_INT = re.compile(r"[+-]?\d+\Z")
# The counting work grows with the ballots as well as the candidates: 5 MB of ballots (300
# candidates, every ballot ranking all) is counted in under 6 s and 300 MB. A ward of a Scottish
# council election is 45 KB; a national constituency of 100,000 ballots about 2 MB.
MAX_BLT_BYTES = 5_000_000


class BltError(ValueError):
    """A malformed .blt file; ``line`` is the 1-based line of the problem (None: end of file; 0: the whole file)."""

    def __init__(self, line: int | None, message: str):
        self.line = line
        self.reason = message
        where = f"line {line}" if line is not None else "end of file"
        super().__init__(message if line == 0 else f"{where}: {message}")


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
            raise ValueError("a profile needs at least one candidate")
        for text in (*self.candidates, self.title, *self.extra):
            if not isinstance(text, str) or '"' in text or "\n" in text or "\r" in text:
                raise ValueError(f"{text!r}: names and titles are text without double quotes or line breaks")
        if not all(self.candidates):
            raise ValueError("a candidate's name cannot be empty")
        if len(set(self.candidates)) != len(self.candidates):
            raise ValueError("two candidates have the same name")
        if isinstance(self.seats, bool) or not isinstance(self.seats, int) or self.seats < 1:
            raise ValueError(f"seats must be a positive whole number, not {self.seats!r}")
        known = set(self.candidates)
        for label, names in (("withdrawn", self.withdrawn), ("tie order", self.tie_order)):
            if len(set(names)) != len(names) or not set(names) <= known:
                raise ValueError(f"the {label} must name distinct candidates")
        for ballot in self.ballots:
            if not isinstance(ballot, Ballot):
                raise ValueError("ballots must be counting.Ballot objects")
            for item in ballot.ranking:
                for name in (item,) if isinstance(item, str) else item:
                    if name not in known:
                        raise ValueError(f"a ballot names {name!r}, who is not a candidate")
        trailer = self.trailer
        if trailer and (trailer[0].isspace() or trailer[0] in '"#[' or trailer != trailer.rstrip()):
            raise ValueError("a trailer starts and ends with visible text that is not a quote, # or [")
        for option in self.options:
            if not (option.startswith("[") and option.endswith("]")) or "\n" in option:
                raise ValueError(f"{option!r}: an option is one bracketed line")

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
                    raise BltError(number, "a quoted name is not closed on its line")
                yield _Token("quoted", line[i + 1 : end], number, i)
                i = end + 1
            elif ch == "[":
                end = line.find("]", i + 1)
                if end < 0:
                    raise BltError(number, "an option in square brackets is not closed on its line")
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
        token = self.peek()
        if token is None:
            raise BltError(None, f"the file ends where {what} was expected")
        self.ahead = None
        return token

    def rest_from(self, token: _Token) -> str:
        """The raw text from ``token`` to the end of the file."""
        lines = self.text.splitlines()
        return "\n".join([lines[token.line - 1][token.column :], *lines[token.line :]]).rstrip()

    def integer(self, what: str) -> tuple[int, int]:
        token = self.take(what)
        if token.kind != "word" or not _INT.match(token.text):
            raise BltError(token.line, f"expected {what}, found {_show(token)}")
        return int(token.text), token.line


def _show(token: _Token) -> str:
    return f'"{token.text}"' if token.kind == "quoted" else repr(token.text)


def _candidate(text: str, line: int, n: int) -> int:
    if text.isdigit() and text.isascii() and 0 < int(text) <= n:
        return int(text)  # the common case, checked cheaply
    if not _INT.match(text) or text.startswith(("+", "-")):
        if text == "-":
            raise BltError(line, "skipped ranks ('-') are not supported: renumber the preferences")
        if text.startswith("("):
            raise BltError(line, "ballot ids in parentheses are not supported")
        raise BltError(line, f"expected a candidate number, found {text!r}")
    number = int(text)
    if not 1 <= number <= n:
        raise BltError(line, f"candidate number {number} is out of range: there are {n} candidates")
    return number


def _option(token: _Token, n: int) -> list[int] | None:
    """A [...] option: the tie order as numbers, or None for an option kept verbatim."""
    words = token.text[1:-1].split()
    if not words:
        raise BltError(token.line, "an empty option []")
    keyword = words[0].lower()
    if keyword == "tie":
        order = [_candidate(word, token.line, n) for word in words[1:]]
        if not order:
            raise BltError(token.line, "a [tie] option must list candidates")
        if len(set(order)) != len(order):
            raise BltError(token.line, "a [tie] option names a candidate twice")
        return order
    if keyword in ("nick", "withdrawn", "elected", "include", "order", "lines", "one"):
        raise BltError(token.line, f"the [{keyword}] option is not supported")
    return None


def read_blt(source: str | bytes) -> BltProfile:
    """Parse a .blt file (text, or UTF-8 bytes with or without a byte-order mark)."""
    if len(source) > MAX_BLT_BYTES:
        raise BltError(0, f"the file is {len(source):,} bytes; a .blt file is at most {MAX_BLT_BYTES:,}")
    if isinstance(source, bytes):
        try:
            text = source.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise BltError(source[: exc.start].count(b"\n") + 1, "the file is not UTF-8 text") from None
    else:
        text = source.removeprefix("\ufeff")
    reader = _Reader(text)
    if reader.peek() is None:
        raise BltError(None, "the file is empty")
    n, line = reader.integer("the number of candidates")
    if n < 1:
        raise BltError(line, "the number of candidates must be at least 1")
    if n > MAX_CANDIDATES:  # before any ballot is read: the count could not take them
        raise BltError(line, f"{n:,} candidates: a count takes at most {MAX_CANDIDATES}")
    seats, line = reader.integer("the number of seats")
    if seats < 1:
        raise BltError(line, "the number of seats must be at least 1")
    if seats > MAX_SEATS:
        raise BltError(line, f"{seats:,} seats: a count fills at most {MAX_SEATS}")

    withdrawn: list[int] = []
    tie_order: list[int] = []
    options: list[str] = []
    # Before the ballots: withdrawn candidates (negative numbers) and [...] options, in any order.
    while (token := reader.peek()) is not None:
        if token.kind == "option":
            reader.take("an option")
            order = _option(token, n)
            if order is not None:
                if tie_order:
                    raise BltError(token.line, "a second [tie] option")
                tie_order = order
            else:
                options.append(token.text)
        elif token.kind == "word" and token.text.startswith("-") and _INT.match(token.text):
            reader.take("a withdrawn candidate")
            number = _candidate(token.text[1:], token.line, n)
            if number in withdrawn:
                raise BltError(token.line, f"candidate {number} is withdrawn twice")
            withdrawn.append(number)
        else:
            break

    raw_ballots: list[tuple[int, list[list[int]]]] = []
    while True:
        token = reader.take("a ballot or the 0 that ends the ballots")
        if token.kind != "word":
            if token.kind == "option":
                raise BltError(token.line, "options must come before the ballots")
            raise BltError(token.line, f"expected a ballot or the 0 that ends the ballots, found {_show(token)}")
        if not _INT.match(token.text):
            if re.fullmatch(r"\d*\.\d+|\d+\.\d*", token.text):
                raise BltError(token.line, f"ballot weight {token.text} is not a whole number")
            if token.text.startswith("("):
                raise BltError(token.line, "ballot ids in parentheses are not supported")
            raise BltError(token.line, f"expected a ballot count, found {token.text!r}")
        count = int(token.text)
        if count == 0:
            break
        if count < 0:
            raise BltError(token.line, "withdrawn candidates (negative numbers) must come before the ballots")
        ranking: list[list[int]] = []
        start = token.line
        while True:
            item = reader.peek()
            if item is None or item.kind != "word":
                raise BltError(item.line if item else start, f"the ballot starting on line {start} does not end with 0")
            reader.take("a preference")
            if item.text == "0":
                break
            group = [_candidate(part, item.line, n) for part in item.text.split("=")]
            if len(set(group)) != len(group):
                raise BltError(item.line, f"{item.text!r} ranks a candidate equal to itself")
            ranking.append(group)
        raw_ballots.append((count, ranking))

    names: list[str] = []
    while len(names) < n:
        token = reader.peek()
        if token is None or token.kind != "quoted":
            where = token.line if token else None
            raise BltError(where, f"expected {n} quoted candidate names after the 0 line, found {len(names)}")
        names.append(reader.take("a name").text)
    quoted: list[str] = []
    trailer = ""
    while (token := reader.peek()) is not None:
        if token.kind != "quoted":
            # Free text after the title and its quoted source and comment (Wichmann's files end
            # with notes such as "First Prefs"): kept verbatim, not interpreted.
            trailer = reader.rest_from(token)
            break
        quoted.append(reader.take("a title").text)
    title = quoted[0] if quoted else ""
    extra = quoted[1:]

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
    try:
        return BltProfile(
            candidates=tuple(names),
            seats=seats,
            ballots=ballots,
            title=title,
            withdrawn=tuple(name_of(c) for c in withdrawn),
            tie_order=tuple(name_of(c) for c in tie_order),
            options=tuple(options),
            extra=tuple(extra),
            trailer=trailer,
        )
    except ValueError as exc:  # e.g. two candidates with the same name
        raise BltError(None, str(exc)) from None


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
