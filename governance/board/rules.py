"""The board's roster rules (``shared/domain/governance.md`` R1, R6, R11): pure, no Django.

Plain functions over frozen dataclasses. The services turn seat classes and board terms into
:class:`SeatRule` and :class:`TermFact`, ask these functions, and translate the :class:`Notice` codes
into sentences (this module has no translations, so it says *what* is wrong as a code plus figures).

Dates: a term is in force from ``starts_on`` up to, not including, the day it ends: ``ended_on`` when it
ended early, else ``ends_on``. A term elected at the 2023 annual meeting for three years ends on the day
of the 2026 meeting, which is the first day of its successor's term, so the seat is never held twice.

Shares are exact: ``Fraction``, never float. A cap of ``max_share`` of a board of ``n`` allows
``floor(max_share × n)`` seats (60 % of 5 is 3 seats, not 3.0 rounded).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from clt.dates import add_years

__all__ = [
    "ClassRoster",
    "Notice",
    "Roster",
    "SeatRule",
    "TermFact",
    "add_years",
    "founding_terms",
    "in_force",
    "initial_term_years",
    "max_concurrent",
    "roster_on",
    "standing_check",
    "vacancy_end",
]


# --- Inputs --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SeatRule:
    """A seat class as the roster needs it: a fixed number of seats, or a floor and a cap (share of the board)."""

    key: str
    name: str = ""
    seats: int | None = None
    min_seats: int | None = None
    max_share: Fraction | None = None
    term_years: int = 3
    stagger_groups: int = 1
    term_limit_consecutive: int | None = None
    break_years: int = 0

    @property
    def fixed(self) -> bool:
        return self.seats is not None


@dataclass(frozen=True)
class TermFact:
    """One term served (or to be served) in a seat class."""

    key: int | str
    class_key: str
    person_key: int | str
    starts_on: dt.date
    ends_on: dt.date
    ended_on: dt.date | None = None
    person_name: str = ""
    basis: str = "elected"
    stagger_group: int | None = None
    replaces: int | str | None = None

    @property
    def end(self) -> dt.date:
        """The first day the term is no longer in force."""
        return self.ended_on if self.ended_on is not None else self.ends_on

    @property
    def ended_early(self) -> bool:
        return self.ended_on is not None and self.ended_on < self.ends_on


@dataclass(frozen=True)
class Notice:
    """Something wrong, as a code with its figures (the caller words it). ``class_key`` is empty for the board."""

    code: str
    class_key: str = ""
    figures: tuple[tuple[str, object], ...] = ()

    def get(self, name: str) -> object:
        return dict(self.figures)[name]


# Codes of notices (the services translate them).
OVER_SEATS = "over_seats"  # more holders than the class's fixed seats
OVER_CAP = "over_cap"  # more holders than the class's share of the board allows
UNDER_FLOOR = "under_floor"  # fewer holders than the class's floor
OFF_SHARE = "off_share"  # the class's share of the sitting board differs from its share of the seats
TERM_LIMIT = "term_limit"  # the candidate has served the consecutive terms allowed
BREAK_NEEDED = "break_needed"  # ... and has not yet been off the board long enough
OVERLAP = "overlap"  # the candidate already holds a term in that period


# --- Dates ---------------------------------------------------------------------------------------


def in_force(term: TermFact, on: dt.date) -> bool:
    return term.starts_on <= on < term.end


# --- Staggering (R6) -----------------------------------------------------------------------------


def initial_term_years(term_years: int, stagger_groups: int, group: int) -> int:
    """At founding, group ``group`` (1..``stagger_groups``) serves ``ceil(term_years × group / stagger_groups)`` years.

    3-year terms in 3 groups: 1, 2 and 3 years, so one group is elected every year afterwards; 2-year terms
    in 2 groups: 1 and 2 (even and odd years); 4-year terms in 2 groups: 2 and 4. Later terms are ``term_years``.
    """
    if stagger_groups < 1 or term_years < 1:
        raise ValueError("term_years and stagger_groups must be at least 1")
    if not 1 <= group <= stagger_groups:
        raise ValueError(f"group {group} is not between 1 and {stagger_groups}")
    return max(1, math.ceil(Fraction(term_years * group, stagger_groups)))


def founding_terms(seats: int, term_years: int, stagger_groups: int, starts_on: dt.date) -> list[tuple[int, dt.date]]:
    """(stagger group, end date) for each of ``seats`` seats filled at founding: groups dealt in turn, 1, 2, 3, 1…"""
    result = []
    for seat in range(seats):
        group = seat % stagger_groups + 1
        result.append((group, add_years(starts_on, initial_term_years(term_years, stagger_groups, group))))
    return result


# --- Vacancies (R11) -----------------------------------------------------------------------------


REMAINDER_OF_TERM = "remainder_of_term"
UNTIL_NEXT_ANNUAL_MEETING = "until_next_annual_meeting"


def vacancy_end(
    serves: str, *, vacated_ends_on: dt.date, starts_on: dt.date, next_annual_meeting: dt.date | None = None
) -> dt.date:
    """When a vacancy's filler stops serving.

    ``remainder_of_term``: the day the vacated term was due to end. ``until_next_annual_meeting``: the meeting's
    date, which must be given and after ``starts_on``; never beyond the vacated term's end (a meeting after that
    elects the seat anyway). Raises ``ValueError`` naming what is missing or wrong.
    """
    if starts_on >= vacated_ends_on:
        raise ValueError("starts_on")
    if serves == REMAINDER_OF_TERM:
        return vacated_ends_on
    if serves == UNTIL_NEXT_ANNUAL_MEETING:
        if next_annual_meeting is None or next_annual_meeting <= starts_on:
            raise ValueError("next_annual_meeting")
        return min(next_annual_meeting, vacated_ends_on)
    raise ValueError("serves")


# --- Term limits and breaks (R6) -----------------------------------------------------------------


def standing_check(
    rule: SeatRule, past: Iterable[TermFact], starts_on: dt.date, ends_on: dt.date, *, counted: Iterable[str] = ()
) -> list[Notice]:
    """May this person start a term in ``rule``'s class from ``starts_on`` to ``ends_on``, given their ``past`` terms?

    ``past`` are the person's board terms in any class (a term limit is about sitting on the board).
    - ``overlap``: one of them is in force on some day of the new term.
    - ``term_limit``/``break_needed``: the person has served ``term_limit_consecutive`` consecutive terms up to
      ``starts_on``. Terms are consecutive when the gap between one's end and the next's start is shorter than
      the break the class requires (``break_years``, at least one year: sitting out one annual cycle). Terms
      whose basis is in ``counted`` are the only ones counted; by default every basis except ``vacancy`` (a
      partial term filling a vacancy does not use up a term). ``figures`` say how many and from when they may
      stand again.
    """
    notices: list[Notice] = []
    terms = sorted(past, key=lambda t: (t.starts_on, t.end))
    for term in terms:
        if term.starts_on < ends_on and starts_on < term.end:
            notices.append(
                Notice(OVERLAP, rule.key, (("term", term.key), ("starts_on", term.starts_on), ("end", term.end)))
            )
    limit = rule.term_limit_consecutive
    if limit:
        counted_bases = set(counted)

        def counts(term: TermFact) -> bool:
            return term.basis in counted_bases if counted_bases else term.basis != "vacancy"

        gap_years = max(rule.break_years, 1)
        earlier = [t for t in terms if t.starts_on < starts_on]
        run = 0
        last_end: dt.date | None = None
        cursor = starts_on
        # Walk back from the new term: each earlier term joins the run while the gap to the next is short.
        for term in reversed(earlier):
            if add_years(term.end, gap_years) <= cursor:
                break
            if counts(term):
                run += 1
            last_end = term.end if last_end is None else max(last_end, term.end)
            cursor = term.starts_on
        if run >= limit and last_end is not None:
            free_from = add_years(last_end, gap_years)
            notices.append(
                Notice(
                    TERM_LIMIT if rule.break_years == 0 else BREAK_NEEDED,
                    rule.key,
                    (("served", run), ("limit", limit), ("free_from", free_from), ("break_years", gap_years)),
                )
            )
    return notices


def max_concurrent(terms: Iterable[TermFact], start: dt.date, end: dt.date) -> int:
    """The most of ``terms`` in force on any one day in [start, end): the seats they need in that period."""
    relevant = [t for t in terms if t.starts_on < end and start < t.end]
    points = {start} | {t.starts_on for t in relevant if t.starts_on > start}
    return max((sum(1 for t in relevant if in_force(t, day)) for day in points), default=0)


# --- The roster ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassRoster:
    rule: SeatRule
    holders: tuple[TermFact, ...]
    seats: int | None  # the fixed number, or None for a floor-and-cap class
    floor: int | None
    cap: int | None  # the most seats its share of the board allows (None: no cap)
    vacancies: int  # seats to fill: fixed seats less holders, or the floor less holders
    # Terms ended early whose scheduled end is still ahead and not refilled (at most as many as the vacancies).
    vacated: tuple[TermFact, ...]
    intended_share: Fraction | None  # its seats over the board's seats (fixed classes only)
    share: Fraction | None  # its holders over the board's holders

    @property
    def holder_count(self) -> int:
        return len(self.holders)


@dataclass(frozen=True)
class Roster:
    on: dt.date
    board_size: (
        int  # seats the board has on that date (fixed seats, plus for floor classes the larger of floor/holders)
    )
    sitting: int  # holders in force
    classes: tuple[ClassRoster, ...]
    warnings: tuple[Notice, ...] = field(default=())


def _fraction(value: Fraction | Decimal | str | None) -> Fraction | None:
    return None if value is None else Fraction(value)


def roster_on(
    rules: Sequence[SeatRule], terms: Iterable[TermFact], on: dt.date, *, board_size: int | None = None
) -> Roster:
    """Each class's seats, holders (in force on ``on``), vacancies and the warnings, in the order of ``rules``.

    ``board_size`` (when the bylaws fix it) resolves floors and caps; otherwise it is the fixed seats plus, for
    each floor-and-cap class, the larger of its floor and its holders. Warnings: more holders than seats or than
    the cap, fewer than the floor, and, when every class has fixed seats, each class whose share of the sitting
    board differs from its share of the seats (a vacancy in one third tips the board towards the others).
    """
    all_terms = list(terms)
    holders: dict[str, list[TermFact]] = {rule.key: [] for rule in rules}
    for term in all_terms:
        if term.class_key in holders and in_force(term, on):
            holders[term.class_key].append(term)
    for listed in holders.values():
        listed.sort(key=lambda t: (t.end, t.person_name, str(t.key)))
    refilled = {t.replaces for t in all_terms if t.replaces is not None and t.end > on}
    if board_size is None:
        board_size = sum(
            rule.seats if rule.fixed else max(rule.min_seats or 0, len(holders[rule.key])) for rule in rules
        )
    sitting = sum(len(listed) for listed in holders.values())
    fixed_total = sum(rule.seats or 0 for rule in rules) if all(rule.fixed for rule in rules) else None
    classes: list[ClassRoster] = []
    warnings: list[Notice] = []
    for rule in rules:
        held = holders[rule.key]
        count = len(held)
        max_share = _fraction(rule.max_share)
        cap = math.floor(max_share * board_size) if max_share is not None else None
        vacated = tuple(
            sorted(
                (
                    t
                    for t in all_terms
                    if t.class_key == rule.key
                    and t.ended_early
                    and t.ended_on <= on < t.ends_on
                    and t.key not in refilled
                ),
                key=lambda t: (t.ended_on, str(t.key)),
            )
        )[: max((rule.seats or rule.min_seats or 0) - count, 0)]
        if rule.fixed:
            vacancies = max(rule.seats - count, 0)
            if count > rule.seats:
                warnings.append(Notice(OVER_SEATS, rule.key, (("holders", count), ("seats", rule.seats))))
        else:
            vacancies = max((rule.min_seats or 0) - count, 0)
        if cap is not None and count > cap:
            warnings.append(Notice(OVER_CAP, rule.key, (("holders", count), ("cap", cap), ("board_size", board_size))))
        if rule.min_seats is not None and count < rule.min_seats:
            warnings.append(Notice(UNDER_FLOOR, rule.key, (("holders", count), ("floor", rule.min_seats))))
        intended = Fraction(rule.seats, fixed_total) if fixed_total else None
        share = Fraction(count, sitting) if sitting else None
        classes.append(
            ClassRoster(
                rule=rule,
                holders=tuple(held),
                seats=rule.seats,
                floor=rule.min_seats,
                cap=cap,
                vacancies=vacancies,
                vacated=vacated,
                intended_share=intended,
                share=share,
            )
        )
    if fixed_total:
        for entry in classes:
            if entry.share is not None and entry.share != entry.intended_share:
                warnings.append(
                    Notice(
                        OFF_SHARE,
                        entry.rule.key,
                        (
                            ("holders", entry.holder_count),
                            ("sitting", sitting),
                            ("share", entry.share),
                            ("seats", entry.seats),
                            ("board_size", fixed_total),
                            ("intended", entry.intended_share),
                        ),
                    )
                )
    return Roster(on=on, board_size=board_size, sitting=sitting, classes=tuple(classes), warnings=tuple(warnings))
