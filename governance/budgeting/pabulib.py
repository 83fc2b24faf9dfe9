"""The Pabulib ``.pb`` format of participatory budgeting elections: read it into a :class:`PabulibFile`, write it back.

Pure: no Django import, no I/O (text in, text out), standard library only.

The format (Faliszewski et al., "Participatory Budgeting: Data, Tools, and Analysis", IJCAI 2023; pabulib.org)
is three sections, each a semicolon-separated table with a header line, fields quoted with ``"`` when they
hold a ``;`` or a quote (a quote inside doubled), as CSV does::

    META
    key;value
    budget;1000000            required: the budget, in the currency's unit
    vote_type;approval        required: approval, cumulative or ordinal (choose-1 is read as approval)
    rule;greedy               the rule the city used; other keys (country, unit, ballot limits...) kept
    PROJECTS
    project_id;cost;votes;name;selected     project_id and cost required; selected (1/0): the official outcome
    24;5000;720;Zakup 10 fotopułapek;1
    VOTES
    voter_id;vote;points      voter_id and vote required; points for cumulative ballots
    1;70,20,21;3,2,2          vote: project ids, comma-separated (ordinal: best first)

Every column and meta key is kept, in its order, and written back, so a file read and written again reads
as the same file. Amounts (budget, costs) are :class:`~decimal.Decimal`, read from their digits, never
through a float. The ballot limits in META (``min_length``, ``max_length``, ``min_sum_cost``,
``max_sum_cost``, ``min_points``, ``max_points``, ``min_sum_points``, ``max_sum_points``) are checked on every
ballot.

Every problem is a :class:`PabulibError` (a ``ValueError``) naming the line and the reason.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from governance.budgeting.rules import Ballot, Election, Project

__all__ = [
    "LIMIT_KEYS",
    "Limits",
    "PabulibError",
    "PabulibFile",
    "PabulibProject",
    "PabulibVoter",
    "read_pabulib",
    "write_pabulib",
]

_AMOUNT = re.compile(r"\d+(\.\d+)?\Z")
_WHOLE = re.compile(r"\d+\Z")
SECTIONS = ("META", "PROJECTS", "VOTES")
VOTE_TYPES = {"approval": "approval", "choose-1": "approval", "cumulative": "cumulative", "ordinal": "ordinal"}
# The limits whose values are amounts of money; the others count projects or points.
_MONEY_LIMITS = ("min_sum_cost", "max_sum_cost")
LIMIT_KEYS = (
    "min_length",
    "max_length",
    "min_sum_cost",
    "max_sum_cost",
    "min_points",
    "max_points",
    "min_sum_points",
    "max_sum_points",
)


class PabulibError(ValueError):
    """A malformed .pb file; ``line`` is the 1-based line of the problem (None: the end of the file)."""

    def __init__(self, line: int | None, reason: str):
        self.line = line
        self.reason = reason
        super().__init__(f"{'end of file' if line is None else f'line {line}'}: {reason}")


@dataclass(frozen=True)
class Limits:
    """The ballot limits a file's META sets (None: no limit). Points limits apply to cumulative ballots."""

    min_length: int | None = None
    max_length: int | None = None
    min_sum_cost: Decimal | None = None
    max_sum_cost: Decimal | None = None
    min_points: int | None = None
    max_points: int | None = None
    min_sum_points: int | None = None
    max_sum_points: int | None = None

    def problem(self, projects: int, cost: Decimal, points: tuple[int, ...] | None) -> str | None:
        """Why a ballot of ``projects`` projects costing ``cost`` breaks a limit, or None if it keeps them."""
        checks: list[tuple[int | Decimal | None, str, int | Decimal | None]] = [
            (projects, "min_length", self.min_length),
            (cost, "min_sum_cost", self.min_sum_cost),
        ]
        for value, key, limit in checks:
            if limit is not None and value is not None and value < limit:
                return f"{key} is {limit}, the ballot has {value}"
        for value, key, limit in [(projects, "max_length", self.max_length), (cost, "max_sum_cost", self.max_sum_cost)]:
            if limit is not None and value > limit:
                return f"{key} is {limit}, the ballot has {value}"
        if points is not None:
            total = sum(points)
            if self.min_sum_points is not None and total < self.min_sum_points:
                return f"min_sum_points is {self.min_sum_points}, the ballot gives {total}"
            if self.max_sum_points is not None and total > self.max_sum_points:
                return f"max_sum_points is {self.max_sum_points}, the ballot gives {total}"
            for given in points:
                if self.min_points is not None and given < self.min_points:
                    return f"min_points is {self.min_points}, the ballot gives a project {given}"
                if self.max_points is not None and given > self.max_points:
                    return f"max_points is {self.max_points}, the ballot gives a project {given}"
        return None


@dataclass(frozen=True)
class PabulibProject:
    """A PROJECTS row: ``selected`` is the official outcome (None: the file has no such column).

    ``fields``: every other column, (name, text) in the file's order, kept verbatim ("None" included).
    """

    id: str
    cost: Decimal
    selected: bool | None = None
    fields: tuple[tuple[str, str], ...] = ()

    def get(self, column: str, default: str | None = None) -> str | None:
        return dict(self.fields).get(column, default)


@dataclass(frozen=True)
class PabulibVoter:
    """A VOTES row: ``vote`` the project ids in the file's order, ``points`` (cumulative) in the same order."""

    id: str
    vote: tuple[str, ...]
    points: tuple[int, ...] = ()
    fields: tuple[tuple[str, str], ...] = ()

    def get(self, column: str, default: str | None = None) -> str | None:
        return dict(self.fields).get(column, default)


@dataclass(frozen=True)
class PabulibFile:
    """A whole .pb file. ``meta`` holds every META row verbatim, in order (``budget`` and ``vote_type`` too).

    ``project_columns`` and ``voter_columns`` are the header lines; left empty, the writer makes them from
    the rows (id, cost or vote, points, then the fields, then ``selected``).
    """

    meta: tuple[tuple[str, str], ...]
    projects: tuple[PabulibProject, ...]
    voters: tuple[PabulibVoter, ...]
    project_columns: tuple[str, ...] = ()
    voter_columns: tuple[str, ...] = ()

    def get(self, key: str, default: str | None = None) -> str | None:
        """A META value as text."""
        return dict(self.meta).get(key, default)

    @property
    def budget(self) -> Decimal:
        return _amount(self.get("budget") or "", "budget", None)

    @property
    def vote_type(self) -> str:
        """approval, cumulative or ordinal (a file's ``choose-1`` is approval)."""
        return VOTE_TYPES[self.get("vote_type") or ""]

    @property
    def rule(self) -> str:
        """The rule the city used, as the file names it (``greedy``, ``equalshares/add1``...), or ""."""
        return self.get("rule") or ""

    @property
    def limits(self) -> Limits:
        return _limits(dict(self.meta), {})

    @property
    def official(self) -> tuple[str, ...] | None:
        """The ids of the projects the city funded (the ``selected`` column), or None if the file does not say."""
        if all(p.selected is None for p in self.projects):
            return None
        return tuple(p.id for p in self.projects if p.selected)

    def election(self) -> Election:
        """The election the rules count: one ballot per voter, as the file lists them."""
        return Election(
            vote_type=self.vote_type,
            budget=self.budget,
            projects=tuple(Project(p.id, p.cost) for p in self.projects),
            ballots=tuple(Ballot(v.vote, v.points) for v in self.voters),
        )


def _amount(text: str, what: str, line: int | None) -> Decimal:
    if not _AMOUNT.match(text):
        raise PabulibError(line, f"{what} must be an amount such as 1000 or 1000.50, not {text!r}")
    return Decimal(text)


def _whole(text: str, what: str, line: int | None) -> int:
    if not _WHOLE.match(text):
        raise PabulibError(line, f"{what} must be a whole number, not {text!r}")
    return int(text)


def _limits(meta: dict[str, str], lines: dict[str, int]) -> Limits:
    values: dict[str, int | Decimal] = {}
    for key in LIMIT_KEYS:
        if key in meta:
            parse = _amount if key in _MONEY_LIMITS else _whole
            values[key] = parse(meta[key], key, lines.get(key))
    return Limits(**values)  # type: ignore[arg-type]


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """The non-blank rows, each with the line it ends on."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";", quotechar='"', strict=True)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise PabulibError(reader.line_num, f"unreadable quoting ({error})") from None
        if row and any(cell.strip() for cell in row):
            yield reader.line_num, row


def _section(row: list[str]) -> str | None:
    if len(row) == 1 and row[0].strip().upper() in SECTIONS:
        return row[0].strip().upper()
    return None


def read_pabulib(source: str | bytes) -> PabulibFile:
    """Read a .pb file (text, or bytes in UTF-8 with or without a byte-order mark).

    Raises :class:`PabulibError` naming the line: a missing or misplaced section, a row with more or fewer
    fields than its header, a missing required column or META key, a cost that is not an amount, a project
    listed twice, a vote for a project not listed, points that do not match the vote, a ballot breaking a
    limit META sets.
    """
    if isinstance(source, bytes):
        try:
            source = source.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = source[: error.start].count(b"\n") + 1
            raise PabulibError(line, "the file is not UTF-8 text") from None
    text = source.removeprefix("\ufeff")
    rows = _rows(text)
    meta: list[tuple[str, str]] = []
    meta_lines: dict[str, int] = {}
    projects: list[PabulibProject] = []
    voters: list[PabulibVoter] = []
    project_columns: list[str] = []
    voter_columns: list[str] = []
    section_lines: dict[str, int] = {}
    section: str | None = None
    header: list[str] | None = None
    by_id: dict[str, PabulibProject] = {}
    seen_voters: set[str] = set()
    vote_type = ""
    limits = Limits()

    def start(name: str, line: int) -> None:
        nonlocal section, header
        expected = SECTIONS[len(section_lines)] if len(section_lines) < len(SECTIONS) else None
        if name != expected:
            if expected is None:
                raise PabulibError(line, f"a second {name} section")
            raise PabulibError(line, f"expected the {expected} section, found {name}")
        section, header = name, None
        section_lines[name] = line

    def meta_done(line: int) -> None:
        nonlocal vote_type, limits
        values = dict(meta)
        for key in ("budget", "vote_type"):
            if key not in values:
                raise PabulibError(section_lines["META"], f"META has no {key}")
        _amount(values["budget"], "budget", meta_lines["budget"])
        if values["vote_type"] not in VOTE_TYPES:
            raise PabulibError(
                meta_lines["vote_type"],
                f"vote_type {values['vote_type']!r} is not read here: approval, choose-1, cumulative or ordinal",
            )
        vote_type = VOTE_TYPES[values["vote_type"]]
        limits = _limits(values, meta_lines)

    for line, row in rows:
        name = _section(row)
        if name:
            if name == "PROJECTS" and section == "META":
                meta_done(line)
            start(name, line)
            continue
        if section is None:
            raise PabulibError(line, f"expected the META section, found {';'.join(row)[:40]!r}")
        if header is None:
            header = [cell.strip() for cell in row]
            if len(set(header)) != len(header):
                raise PabulibError(line, f"{section}: a column is named twice in the header")
            required = {"META": ("key", "value"), "PROJECTS": ("project_id", "cost"), "VOTES": ("voter_id", "vote")}
            needed = list(required[section])
            if section == "VOTES" and vote_type == "cumulative":
                needed.append("points")
            missing = [column for column in needed if column not in header]
            if missing or (section == "META" and len(header) != 2):
                raise PabulibError(line, f"{section}: the header must have the columns {', '.join(needed)}")
            if section == "PROJECTS":
                project_columns = header
            elif section == "VOTES":
                voter_columns = header
            continue
        if len(row) != len(header):
            raise PabulibError(line, f"{section}: {len(row)} fields where the header has {len(header)}")
        if section == "META":
            key, value = row[0].strip(), row[1].strip()
            if key in meta_lines:
                raise PabulibError(line, f"META: {key} is given twice (first on line {meta_lines[key]})")
            meta_lines[key] = line
            meta.append((key, value))
        elif section == "PROJECTS":
            cells = dict(zip(header, row, strict=True))
            project_id = cells.pop("project_id").strip()
            if not project_id:
                raise PabulibError(line, "a project with no project_id")
            if project_id in by_id:
                raise PabulibError(line, f"project {project_id} is listed twice")
            cost = _amount(cells.pop("cost").strip(), f"the cost of project {project_id}", line)
            selected = None
            if "selected" in cells:
                flag = cells.pop("selected").strip()
                if flag not in ("0", "1"):
                    raise PabulibError(line, f"project {project_id}: selected must be 1 or 0, not {flag!r}")
                selected = flag == "1"
            project = PabulibProject(project_id, cost, selected, tuple(cells.items()))
            by_id[project_id] = project
            projects.append(project)
        else:
            voters.append(_voter(header, row, line, vote_type, by_id, limits, seen_voters))
    if section != "VOTES":
        missing_section = SECTIONS[len(section_lines)] if len(section_lines) < len(SECTIONS) else "VOTES"
        raise PabulibError(None, f"no {missing_section} section")
    if header is None:
        raise PabulibError(None, "VOTES: no header line")
    return PabulibFile(tuple(meta), tuple(projects), tuple(voters), tuple(project_columns), tuple(voter_columns))


def _voter(
    header: list[str],
    row: list[str],
    line: int,
    vote_type: str,
    projects: dict[str, PabulibProject],
    limits: Limits,
    seen: set[str],
) -> PabulibVoter:
    cells = dict(zip(header, row, strict=True))
    voter_id = cells.pop("voter_id").strip()
    if voter_id in seen:
        raise PabulibError(line, f"voter {voter_id} is listed twice")
    seen.add(voter_id)
    vote_text = cells.pop("vote").strip()
    vote = tuple(item.strip() for item in vote_text.split(",")) if vote_text else ()
    for project_id in vote:
        if project_id not in projects:
            raise PabulibError(line, f"voter {voter_id} votes for {project_id!r}, which is not in PROJECTS")
    if len(set(vote)) != len(vote):
        raise PabulibError(line, f"voter {voter_id} names a project twice")
    points: tuple[int, ...] = ()
    if vote_type == "cumulative":
        points_text = cells.pop("points").strip()
        given = points_text.split(",") if points_text else []
        if len(given) != len(vote):
            raise PabulibError(line, f"voter {voter_id}: {len(vote)} projects but {len(given)} numbers of points")
        points = tuple(_whole(p.strip(), f"voter {voter_id}'s points", line) for p in given)
        if any(p == 0 for p in points):
            raise PabulibError(line, f"voter {voter_id} gives a project 0 points")
    cost = sum((projects[p].cost for p in vote), Decimal(0))
    problem = limits.problem(len(vote), cost, points if vote_type == "cumulative" else None)
    if problem:
        raise PabulibError(line, f"voter {voter_id}: {problem}")
    return PabulibVoter(voter_id, vote, points, tuple(cells.items()))


def _columns(pb: PabulibFile) -> tuple[tuple[str, ...], tuple[str, ...]]:
    project_columns = pb.project_columns
    if not project_columns:
        first = pb.projects[0].fields if pb.projects else ()
        selected = any(p.selected is not None for p in pb.projects)
        project_columns = ("project_id", "cost", *(k for k, _ in first), *(("selected",) if selected else ()))
    voter_columns = pb.voter_columns
    if not voter_columns:
        first = pb.voters[0].fields if pb.voters else ()
        points = ("points",) if pb.vote_type == "cumulative" else ()
        voter_columns = ("voter_id", "vote", *points, *(k for k, _ in first))
    return project_columns, voter_columns


def write_pabulib(pb: PabulibFile) -> str:
    """The file as .pb text (lines end with ``\\n``; fields quoted only where a ``;`` or ``"`` needs it).

    Reading the text back gives an equal :class:`PabulibFile`. Raises ``ValueError`` if a row lacks a
    column its header names.
    """
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quotechar='"', lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    project_columns, voter_columns = _columns(pb)
    writer.writerow(["META"])
    writer.writerow(["key", "value"])
    writer.writerows(pb.meta)
    writer.writerow(["PROJECTS"])
    writer.writerow(project_columns)
    for project in pb.projects:
        cells = dict(project.fields)
        cells["project_id"] = project.id
        cells["cost"] = str(project.cost)
        if project.selected is not None:
            cells["selected"] = "1" if project.selected else "0"
        writer.writerow([_cell(cells, column, f"project {project.id}") for column in project_columns])
    writer.writerow(["VOTES"])
    writer.writerow(voter_columns)
    for voter in pb.voters:
        cells = dict(voter.fields)
        cells["voter_id"] = voter.id
        cells["vote"] = ",".join(voter.vote)
        if "points" in voter_columns and pb.vote_type == "cumulative":
            cells["points"] = ",".join(map(str, voter.points))
        writer.writerow([_cell(cells, column, f"voter {voter.id}") for column in voter_columns])
    return out.getvalue()


def _cell(cells: dict[str, str], column: str, what: str) -> str:
    try:
        return cells[column]
    except KeyError:
        raise ValueError(f"{what} has no value for the column {column}") from None
