"""Counting votes: plurality, block, approval, instant runoff and the single transferable vote.

Pure: no Django import, no I/O, standard library only. Ballots go in as frozen dataclasses and a
:class:`CountResult` comes out: the winners in order of election *and* the round table that explains
them (each stage's action, every candidate's votes, the transfers, the exhausted votes, the rounding
residual, and how each tie was settled). The rules are those of ``shared/domain/governance.md`` §2;
comments cite its sections and, for Scottish STV, the statutory rule numbers (SSI 2007/42, rules
45–52).

Arithmetic is exact, never binary floating point (§2.6.4):

* plurality, block, approval and IRV count whole ballots (integers);
* Scottish STV works in integers scaled by 10**5, so its 5-decimal truncation (rule 48(3)) is exact;
* the PR Foundation reference rules work in integers scaled by 10**4 (WIGM) and 10**9 (Meek);
* generic WIGM and Meek use rational numbers (:class:`fractions.Fraction`).

Every vote in a result is a :class:`~fractions.Fraction`; ``CountResult.places`` says how many
decimal places the method's arithmetic has (``None`` for rational methods, whose values are shown
rounded to ``DISPLAY_PLACES``).

Every rule that varies between bylaws (``cfg:`` in the notes) is a keyword parameter of the
``count_*`` functions and an ``options`` key of :func:`count`, never a constant.
"""

from __future__ import annotations

import random
import secrets
from bisect import bisect_left
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from itertools import accumulate, chain, repeat
from operator import attrgetter
from typing import Any

from clt.collector import collector_paused

__all__ = [
    "DISPLAY_PLACES",
    "DUPLICATE_RULES",
    "MAX_CANDIDATES",
    "MAX_SEATS",
    "METHODS",
    "OVERVOTE_RULES",
    "STAGE_NOTES",
    "TIE_RULES",
    "Ballot",
    "BallotSummary",
    "CountError",
    "CountResult",
    "MarkBallot",
    "Stage",
    "TieBreak",
    "TieRecord",
    "TieUnresolved",
    "count",
    "count_approval",
    "count_irv",
    "count_meek",
    "count_plurality",
    "count_scottish_stv",
    "count_wigm",
    "default_tie_break",
    "format_round_table",
    "format_value",
    "method_options",
    "round_table_grid",
]

# Rational results are shown (never computed) to this many places, as droop's reports do.
DISPLAY_PLACES = 12

# The bounds of one count. The round table holds every candidate's votes at every stage and a tie
# is settled by looking back over the stages, so the work grows with the cube of the candidates:
# with every stage a tie of all, 2,000 candidates took 217 s and 1.3 GB, 500 took 20 s (Meek),
# 300 take under 5 s. Public STV elections have a few dozen candidates; 300 keeps the counts of more
# than 255 (which a byte cannot number) possible. A count fills at most as many seats.
MAX_CANDIDATES = 300
MAX_SEATS = MAX_CANDIDATES

DUPLICATE_RULES = ("first", "invalid")
OVERVOTE_RULES = ("exhaust", "skip")
TIE_RULES = (
    "prior_stage_backward",
    "prior_stage_forward",
    "random",
    "lot",
    "manual",
    "predetermined",
    "index",
)

# Candidate states, as shown in each stage's ``status``.
HOPEFUL = "hopeful"
ELECTED = "elected"
EXCLUDED = "excluded"
WITHDRAWN = "withdrawn"

# What a stage's ``note`` says (its ``note_params`` in brackets).
STAGE_NOTES = (
    "marks_count",  # elected (names), threshold (whole votes a winner needs, or None)
    "first_preferences",  # elected (names; IRV only)
    "exclusion",  # excluded (names), elected (names; IRV only)
    "surplus",  # candidate, surplus (text)
    "sure_losers",  # excluded (names)
    "last_vacancies",  # elected (names)
    "elected_after_iterations",  # elected (names), iterations
    "exclusion_below_omega",  # excluded (names), iterations
    "exclusion_not_falling",  # excluded (names), iterations
)

# Stage actions.
FIRST_PREFERENCES = "first_preferences"
COUNT = "count"
SURPLUS = "surplus"
EXCLUSION = "exclusion"
SURE_LOSERS = "sure_losers"
ELECTION = "election"
LAST_VACANCIES = "last_vacancies"


# ---------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------


_NAMES_ONLY = frozenset((str,))


class CountError(ValueError):
    """A setting or input the count refuses. ``str()`` is English (the API, the logs, the tests); ``code`` and
    ``params`` name the same reason for the edge that words it in the reader's language
    (``selectors.count_error_text``)."""

    def __init__(self, message: str, code: str, **params: Any):
        self.code = code
        self.params = params
        super().__init__(message)


def _check_count(value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"a ballot's count must be a positive whole number, not {value!r}")


@dataclass(frozen=True, slots=True)
class Ballot:
    """A group of identical ranked ballots (IRV and STV), preferences highest first.

    Each item of ``ranking`` is a candidate's name, or a tuple of names the voter ranked equal
    (an *overvoted rank*, which ``overvote_rule`` settles, §2.1). ``count`` is how many voters
    cast exactly this ballot. An empty ranking is a blank ballot.
    """

    ranking: tuple[str | tuple[str, ...], ...] = ()
    count: int = 1

    def __post_init__(self) -> None:
        # A count may build 100,000 of these: a tuple of plain names (the common ballot) is checked
        # at C speed and kept as it is; anything else is normalised below.
        if type(self.ranking) is tuple and _NAMES_ONLY.issuperset(map(type, self.ranking)):
            if type(self.count) is not int or self.count < 1:
                _check_count(self.count)
            return
        if isinstance(self.ranking, str):
            raise ValueError("a ranking is a sequence of candidate names, not one string")
        items: list[str | tuple[str, ...]] = []
        for item in self.ranking:
            if isinstance(item, str):
                items.append(item)
                continue
            group = tuple(item)
            if not group or not all(isinstance(name, str) for name in group):
                raise ValueError(f"an equal-rank group must hold candidate names, not {item!r}")
            items.append(group[0] if len(group) == 1 else group)
        object.__setattr__(self, "ranking", tuple(items))
        _check_count(self.count)

    @property
    def has_equal_ranks(self) -> bool:
        return any(not isinstance(item, str) for item in self.ranking)


@dataclass(frozen=True)
class MarkBallot:
    """A group of identical marked ballots (plurality, block, approval).

    ``marks`` pairs each marked candidate with the mark's value: 1 is a vote, 0 no vote, anything
    else makes the ballot invalid (§2.1). A mapping or a plain sequence of names (each a mark of 1)
    is accepted and normalised; a name given twice is kept twice, because marking a candidate twice
    is itself a reason to reject the ballot.
    """

    marks: tuple[tuple[str, int], ...] = ()
    count: int = 1

    def __post_init__(self) -> None:
        raw: Iterable[Any] = self.marks.items() if isinstance(self.marks, Mapping) else self.marks
        if isinstance(raw, str):
            raise ValueError("marks are a sequence of candidate names or (name, value) pairs, not one string")
        pairs: list[tuple[str, int]] = []
        for item in raw:
            name, value = (item, 1) if isinstance(item, str) else tuple(item)
            if not isinstance(name, str) or isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"a mark is a candidate name and a whole number, not {item!r}")
            pairs.append((name, value))
        object.__setattr__(self, "marks", tuple(pairs))
        _check_count(self.count)


@dataclass(frozen=True)
class TieBreak:
    """How ties are settled (§2.7): the ``rules`` are tried in order until one settles the tie.

    * ``prior_stage_backward``: the most recent earlier stage where the tied candidates differed
      (Scottish rules 49(2) and 51(2)); for an exclusion the lowest there is chosen, for the order
      of surpluses the highest. With three or more tied, the set narrows to those lowest (highest)
      at that stage and the look-back continues among them.
    * ``prior_stage_forward``: the same, looking at the earliest stage where they differed.
    * ``random``: a random order of all candidates drawn *before* the count with
      ``random.Random(seed)``; the candidate earliest in it is chosen. The order and the seed are
      recorded in the result, so any recount reproduces it.
    * ``lot``: a draw at the time of the tie from ``random.Random(seed)``, recorded with the seed.
    * ``manual`` / ``predetermined``: the supplied ``order`` (an administrator's decision on a
      recount, or an order drawn in advance such as a .blt ``[tie]`` line); earliest is chosen.
    * ``index``: ballot (listing) order; earliest is chosen.

    "Chosen" means: excluded, in an exclusion or at a plurality cut line; transferred first, in
    the order of surpluses. ``seed`` None with ``random`` or ``lot`` draws a fresh seed and
    records it.
    """

    rules: tuple[str, ...] = ("prior_stage_backward", "random")
    seed: int | None = None
    order: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "rules", tuple(self.rules))
        object.__setattr__(self, "order", tuple(self.order))
        if not self.rules:
            raise CountError("a tie-break needs at least one rule", "tie_rules_empty")
        unknown = [rule for rule in self.rules if rule not in TIE_RULES]
        if unknown:
            raise CountError(
                f"unknown tie-break rule {unknown[0]!r}; choose from {', '.join(TIE_RULES)}",
                "tie_rule_unknown",
                rule=unknown[0],
            )
        if any(rule in ("manual", "predetermined") for rule in self.rules) and not self.order:
            raise CountError("the manual and predetermined tie-breaks need an order of candidates", "tie_order_needed")
        if len(set(self.order)) != len(self.order):
            raise CountError("a tie-break order names each candidate once", "tie_order_twice")
        if self.seed is not None and (isinstance(self.seed, bool) or not isinstance(self.seed, int)):
            raise CountError("a tie-break seed is a whole number", "tie_seed")


def default_tie_break(method: str, *, seed: int | None = None, order: Sequence[str] = ()) -> TieBreak:
    """The product's default for ``method``: prior stage backward, then a pre-drawn random order (§2.7).

    The PR Foundation reference rules settle every tie by a predetermined random order (WIGM
    D.1, Meek T), so their default is that order alone. When ``order`` is given (a .blt ``[tie]``
    line, for instance) it takes the place of the random draw.
    """
    method = _canonical_method(method)
    rules: tuple[str, ...] = ("random",) if method in ("wigm-prf", "meek-prf") else ("prior_stage_backward", "random")
    if order:
        rules = tuple("predetermined" if rule == "random" else rule for rule in rules)
    return TieBreak(rules=rules, seed=seed, order=tuple(order))


# ---------------------------------------------------------------------------------------------
# Outputs
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TieRecord:
    """One tie and how it was settled, for the round table and the audit log."""

    purpose: str  # "exclude" (exclusion or plurality cut line) or "surplus" (which surplus goes first)
    tied: tuple[str, ...]
    chosen: str
    rule: str  # the rule that settled it
    explanation: str
    seed: int | None = None
    stage: int | None = None  # the earlier stage a prior-stage rule consulted
    # The explanation as data, one ``(code, params)`` per step, for pages to say in their own words:
    # ("stage", {"stage": n, "votes": ((name, value), ...)}), ("index", {}), ("random", {"seed": s}),
    # ("order", {"rule": "manual" | "predetermined"}), ("lot", {"seed": s, "draw": n}).
    steps: tuple[tuple[str, Mapping[str, Any]], ...] = field(default=(), hash=False)


@dataclass(frozen=True)
class Stage:
    """One stage (round) of a count: what was done and where every vote stands afterwards.

    ``votes`` holds each candidate's votes at the end of the stage; ``transfers`` the change since
    the previous stage (negative for the candidate whose votes moved); ``exhausted`` and
    ``residual`` are running totals of non-transferable votes and of votes lost to rounding, with
    their changes in ``exhausted_change`` and ``residual_change``. For IRV, STV and single-mark
    plurality, ``sum(votes) + exhausted + residual`` equals the valid ballots exactly (``total``);
    block and approval ballots carry several votes each. For marked ballots ``exhausted`` counts
    the blank (undervote) ballots.
    """

    number: int
    action: str
    description: str
    subjects: tuple[str, ...]
    votes: Mapping[str, Fraction] = field(hash=False)
    transfers: Mapping[str, Fraction] = field(hash=False)
    exhausted: Fraction
    exhausted_change: Fraction
    residual: Fraction
    residual_change: Fraction
    quota: Fraction | None
    elected: tuple[str, ...]
    excluded: tuple[str, ...]
    status: Mapping[str, str] = field(hash=False)
    ties: tuple[TieRecord, ...] = ()
    surplus: Fraction | None = None  # Meek: total surplus when the round stopped
    iterations: int | None = None  # Meek: iterations in this round
    keep_factors: Mapping[str, Fraction] | None = field(default=None, hash=False)  # Meek
    # The description as data: a code among STAGE_NOTES and its parameters (names, figures as text),
    # for pages to say in their own words; ``description`` stays the English of the reference reports.
    note: str = ""
    note_params: Mapping[str, Any] = field(default_factory=dict, hash=False)

    @property
    def total(self) -> Fraction:
        return sum(self.votes.values(), Fraction(0)) + self.exhausted + self.residual


@dataclass(frozen=True)
class BallotSummary:
    """How many ballots were cast, counted and rejected, and why (§2.1).

    ``cast == valid + invalid``. ``blank`` counts ballots with no preference or mark: for marked
    ballots they are valid undervotes (inside ``valid``); for ranked ballots they are not valid
    votes and do not count toward the quota (inside ``invalid``, reason ``blank``).
    """

    cast: int
    valid: int
    invalid: int
    blank: int
    reasons: Mapping[str, int] = field(hash=False)


@dataclass(frozen=True)
class CountResult:
    """The outcome of a count and the full round table that explains it."""

    method: str
    seats: int
    candidates: tuple[str, ...]
    withdrawn: tuple[str, ...]
    winners: tuple[str, ...]  # in order of election
    stages: tuple[Stage, ...]
    quota: Fraction | None  # at stage 1 (Meek's quota moves: see each stage)
    ballots: BallotSummary
    tie_break: TieBreak  # as applied, with the seed actually used
    random_order: tuple[str, ...] | None  # the order drawn before the count, when ``random`` is a rule
    places: int | None  # decimal places of the arithmetic; None for rational arithmetic
    options: Mapping[str, Any] = field(hash=False)

    @property
    def final_votes(self) -> Mapping[str, Fraction]:
        return self.stages[-1].votes if self.stages else {}

    @property
    def ties(self) -> tuple[TieRecord, ...]:
        return tuple(tie for stage in self.stages for tie in stage.ties)

    def format(self, value: Fraction | None) -> str:
        """A vote as a decimal string: exact for fixed-point methods, rounded for rational ones."""
        return format_value(value, self.places)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data; every number is a decimal string (``format``)."""
        fmt = self.format

        def tie(record: TieRecord) -> dict[str, Any]:
            return {
                "purpose": record.purpose,
                "tied": list(record.tied),
                "chosen": record.chosen,
                "rule": record.rule,
                "explanation": record.explanation,
                "seed": record.seed,
                "stage": record.stage,
                "steps": [{"code": code, **_jsonable_params(params)} for code, params in record.steps],
            }

        stages = []
        for stage in self.stages:
            row: dict[str, Any] = {
                "stage": stage.number,
                "action": stage.action,
                "description": stage.description,
                "subjects": list(stage.subjects),
                "quota": fmt(stage.quota),
                "votes": {name: fmt(v) for name, v in stage.votes.items()},
                "transfers": {name: fmt(v) for name, v in stage.transfers.items()},
                "exhausted": fmt(stage.exhausted),
                "exhausted_change": fmt(stage.exhausted_change),
                "residual": fmt(stage.residual),
                "residual_change": fmt(stage.residual_change),
                "elected": list(stage.elected),
                "excluded": list(stage.excluded),
                "status": dict(stage.status),
                "ties": [tie(t) for t in stage.ties],
                "note": {"code": stage.note, **_jsonable_params(stage.note_params)},
            }
            if stage.surplus is not None:
                row["surplus"] = fmt(stage.surplus)
            if stage.iterations is not None:
                row["iterations"] = stage.iterations
            if stage.keep_factors is not None:
                row["keep_factors"] = {name: fmt(v) for name, v in stage.keep_factors.items()}
            stages.append(row)
        return {
            "method": self.method,
            "seats": self.seats,
            "candidates": list(self.candidates),
            "withdrawn": list(self.withdrawn),
            "winners": list(self.winners),
            "quota": fmt(self.quota),
            # Fixed-point values print exactly; rational ones are rounded to DISPLAY_PLACES.
            "places": self.places,
            "rounded_for_display": self.places is None,
            "ballots": {
                "cast": self.ballots.cast,
                "valid": self.ballots.valid,
                "invalid": self.ballots.invalid,
                "blank": self.ballots.blank,
                "reasons": dict(self.ballots.reasons),
            },
            "tie_break": {
                "rules": list(self.tie_break.rules),
                "seed": self.tie_break.seed,
                "order": list(self.tie_break.order),
                "random_order": list(self.random_order) if self.random_order is not None else None,
            },
            "options": {key: _jsonable(value) for key, value in self.options.items()},
            "final_votes": {name: fmt(v) for name, v in self.final_votes.items()},
            "stages": stages,
        }


class TieUnresolved(ValueError):
    """The configured tie-break rules could not settle a tie (e.g. a manual order is missing).

    It carries what an administrator needs to decide: the tied candidates, the purpose and the
    stage. Supply an order (``TieBreak(rules=(..., "manual"), order=...)``) and count again.
    """

    def __init__(self, tied: Sequence[str], purpose: str, stage: int):
        self.tied = tuple(tied)
        self.purpose = purpose
        self.stage = stage
        what = "exclude" if purpose == "exclude" else "transfer first"
        super().__init__(
            f"stage {stage}: the tie between {', '.join(self.tied)} (which to {what}) is not settled by "
            "the configured tie-break rules; supply a manual order that names them"
        )


def _jsonable(value: Any) -> Any:
    if isinstance(value, Fraction):
        return format_value(value, None)
    return value


def _jsonable_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """A note's parameters as JSON: tuples become lists (pairs of a name and a value stay pairs)."""
    return {
        key: [list(v) if isinstance(v, tuple) else v for v in value] if isinstance(value, tuple | list) else value
        for key, value in params.items()
    }


def format_value(value: Fraction | int | None, places: int | None) -> str:
    """``value`` as a decimal string with ``places`` decimals (``DISPLAY_PLACES`` when None).

    Fixed-point values are exact at their own number of places; rational values are rounded half
    to even for display only.
    """
    if value is None:
        return ""
    value = Fraction(value)
    digits = DISPLAY_PLACES if places is None else places
    scaled = round(value * 10**digits)  # Fraction rounding is exact (half to even)
    sign = "-" if scaled < 0 else ""
    whole, frac = divmod(abs(scaled), 10**digits)
    return f"{sign}{whole}.{frac:0{digits}d}" if digits else f"{sign}{whole}"


# ---------------------------------------------------------------------------------------------
# Ballot validity (§2.1)
# ---------------------------------------------------------------------------------------------


@dataclass
class _Field:
    """Candidates by index: names in ballot (listing) order, and the withdrawn ones."""

    names: tuple[str, ...]
    index: dict[str, int]
    withdrawn: frozenset[int]

    @property
    def running(self) -> list[int]:
        return [i for i in range(len(self.names)) if i not in self.withdrawn]


def _field(candidates: Sequence[str], withdrawn: Iterable[str]) -> _Field:
    names = tuple(candidates)
    if isinstance(candidates, str) or not all(isinstance(name, str) and name for name in names):
        raise CountError("candidates are a sequence of non-empty names", "candidates_names")
    if len(names) > MAX_CANDIDATES:
        raise CountError(
            f"{len(names):,} candidates: a count takes at most {MAX_CANDIDATES}",
            "too_many_candidates",
            n=len(names),
            max=MAX_CANDIDATES,
        )
    if len(set(names)) != len(names):
        duplicate = next(name for name in names if names.count(name) > 1)
        raise CountError(f"candidate {duplicate!r} is listed twice", "candidate_twice", name=duplicate)
    index = {name: i for i, name in enumerate(names)}
    gone = set()
    for name in withdrawn:
        if name not in index:
            raise CountError(f"withdrawn candidate {name!r} is not a candidate", "withdrawn_unknown", name=name)
        gone.add(index[name])
    return _Field(names=names, index=index, withdrawn=frozenset(gone))


def _lookup(field_: _Field, name: str) -> int:
    try:
        return field_.index[name]
    except KeyError:
        raise CountError(f"a ballot names {name!r}, who is not a candidate", "not_candidate", name=name) from None


@dataclass
class _Ranked:
    """Valid ranked ballots, normalised and grouped: identical rankings share one entry.

    A ranking is a sequence of candidate indices: ``bytes`` when there are fewer than 256
    candidates (cheap to build, hash and sort), else a tuple.
    """

    rankings: list[Sequence[int]]
    counts: list[int]
    summary: BallotSummary

    @property
    def valid(self) -> int:
        return self.summary.valid


def _normalise_ranking(
    ranking: Sequence[str | tuple[str, ...]], field_: _Field, duplicate_rule: str, overvote_rule: str
) -> tuple[tuple[int, ...] | None, str | None]:
    """A ranking as candidate indices, or the reason the ballot is not a valid vote (§2.1)."""
    seen: set[int] = set()
    order: list[int] = []
    named_someone = False
    overvoted = False
    for item in ranking:
        group: list[int] = []
        for name in (item,) if isinstance(item, str) else item:
            i = _lookup(field_, name)
            if i in field_.withdrawn:
                continue  # a withdrawn candidate is passed over as if not on the paper
            named_someone = True
            if i in seen or i in group:
                if duplicate_rule == "invalid":
                    return None, "duplicate"
                continue  # §2.1: a candidate ranked twice counts only at the first position
            group.append(i)
        if not group:
            continue
        if len(group) > 1:
            # An overvoted rank (several candidates at one rank). cfg overvote_rule, §2.1:
            # "exhaust" keeps the preferences above it, "skip" passes over it (Burlington).
            overvoted = True
            if overvote_rule == "exhaust":
                break
            continue
        seen.add(group[0])
        order.append(group[0])
    if order:
        return tuple(order), None
    if overvoted:
        return None, "overvote"
    return None, "blank" if not named_someone else "duplicate"


def _prepare_ranked(ballots: Iterable[Ballot], field_: _Field, duplicate_rule: str, overvote_rule: str) -> _Ranked:
    if duplicate_rule not in DUPLICATE_RULES:
        raise CountError(f"duplicate_rule must be one of {', '.join(DUPLICATE_RULES)}", "duplicate_rule")
    if overvote_rule not in OVERVOTE_RULES:
        raise CountError(f"overvote_rule must be one of {', '.join(OVERVOTE_RULES)}", "overvote_rule")
    # Identical papers are grouped before anything else, so each distinct ranking is read once:
    # 100,000 ungrouped ballots cost little more than the same ballots grouped.
    papers: dict[tuple[str | tuple[str, ...], ...], int] = {}
    for ballot in ballots:
        if not isinstance(ballot, Ballot):
            raise ValueError(f"ranked methods count Ballot objects, not {type(ballot).__name__}")
        papers[ballot.ranking] = papers.get(ballot.ranking, 0) + ballot.count
    pack: Callable[[Iterable[int]], Sequence[int]] = bytes if len(field_.names) < 256 else tuple
    cast = sum(papers.values())
    plain = _read_plain(papers, field_, pack)
    if plain is not None:
        summary = BallotSummary(cast=cast, valid=cast, invalid=0, blank=0, reasons={})
        return _Ranked(rankings=plain, counts=list(papers.values()), summary=summary)
    index = field_.index.__getitem__
    withdrawn = field_.withdrawn
    rankings: list[Sequence[int]] = []
    counts: list[int] = []
    others: dict[Sequence[int], int] = {}
    reasons: dict[str, int] = {}
    for raw, n in papers.items():
        # The common ballot (known, running candidates, each once, no equal ranks) needs none of
        # the §2.1 rules; anything else, including a blank, takes the full path.
        try:
            ranking: Sequence[int] | None = pack(map(index, raw))
        except (KeyError, TypeError):  # an unknown name, or an equal-rank group
            ranking = None
        if ranking and len(set(ranking)) == len(ranking) and (not withdrawn or withdrawn.isdisjoint(ranking)):
            # Distinct papers read this way stay distinct (one index per name), so no merging.
            rankings.append(ranking)
            counts.append(n)
            continue
        order, reason = _normalise_ranking(raw, field_, duplicate_rule, overvote_rule)
        if order is None:
            assert reason is not None
            reasons[reason] = reasons.get(reason, 0) + n
            continue
        ranking = pack(order)
        others[ranking] = others.get(ranking, 0) + n
    if others:
        # A paper the rules rewrote may now equal another (a withdrawn name dropped, say).
        grouped = dict(zip(rankings, counts, strict=True))
        for ranking, n in others.items():
            grouped[ranking] = grouped.get(ranking, 0) + n
        rankings, counts = list(grouped), list(grouped.values())
    valid = sum(counts)
    summary = BallotSummary(cast=cast, valid=valid, invalid=cast - valid, blank=papers.get((), 0), reasons=reasons)
    return _Ranked(rankings=rankings, counts=counts, summary=summary)


def _read_plain(
    papers: Mapping[tuple[str | tuple[str, ...], ...], int],
    field_: _Field,
    pack: Callable[[Iterable[int]], Sequence[int]],
) -> list[Sequence[int]] | None:
    """Every paper as candidate indices, read in bulk at C speed, when all of them are plain (known
    running candidates, each once, no equal ranks, not blank); None when any needs the §2.1 rules."""
    if field_.withdrawn:
        return None
    try:
        rankings = list(map(pack, map(map, repeat(field_.index.__getitem__), papers)))
    except (KeyError, TypeError):  # an unknown name, or an equal-rank group
        return None
    if not all(rankings) or list(map(len, map(set, rankings))) != list(map(len, rankings)):
        return None  # a blank paper, or a name given twice
    return rankings


def _marks_of(ballot: Ballot | MarkBallot, depth: int | None) -> MarkBallot:
    """A ranked ballot read as marks: its first ``depth`` ranks (all when None), as OpenSTV's
    SNTV/Bloc/Approval methods read ranked ballots. An equal-rank group marks all its members."""
    if isinstance(ballot, MarkBallot):
        return ballot
    if not isinstance(ballot, Ballot):
        raise ValueError(f"expected a Ballot or MarkBallot, not {type(ballot).__name__}")
    items = ballot.ranking if depth is None else ballot.ranking[:depth]
    names = [name for item in items for name in ((item,) if isinstance(item, str) else item)]
    return MarkBallot(marks=tuple(names), count=ballot.count)


def _judge_marks(ballot: MarkBallot, field_: _Field, max_marks: int | None) -> tuple[list[int] | None, str | None]:
    """The candidates a marked ballot votes for, or why it is invalid (§2.1)."""
    marked: list[int] = []
    for name, value in ballot.marks:
        i = _lookup(field_, name)
        if value not in (0, 1):
            return None, "bad_mark"  # §2.1: a mark other than 0/1 is invalid
        if value == 1:
            if i in marked:
                return None, "duplicate"  # block voting: one mark per candidate
            marked.append(i)
    marked = [i for i in marked if i not in field_.withdrawn]
    if max_marks is not None and len(marked) > max_marks:
        return None, "overvote"  # §2.1: more marks than allowed invalidates the whole ballot
    return marked, None


# ---------------------------------------------------------------------------------------------
# Tie-breaking (§2.7)
# ---------------------------------------------------------------------------------------------


class _Ties:
    """Applies a :class:`TieBreak` during one count and records every decision."""

    def __init__(self, tie_break: TieBreak, field_: _Field, fmt: Callable[[Any], str]):
        for name in tie_break.order:
            _lookup(field_, name)
        seed = tie_break.seed
        if seed is None and any(rule in ("random", "lot") for rule in tie_break.rules):
            # No seed given: draw one now, before the count, and record it so a recount repeats it.
            seed = secrets.randbits(63)
        self.tie_break = replace(tie_break, seed=seed)
        self.field = field_
        self.fmt = fmt
        self.random_order: tuple[str, ...] | None = None
        self._random_rank: dict[int, int] = {}
        if "random" in tie_break.rules:
            # §2.7: the random order is drawn before the count, from listing order, so the same
            # seed always gives the same order.
            order = list(field_.names)
            random.Random(seed).shuffle(order)
            self.random_order = tuple(order)
            self._random_rank = {field_.index[name]: pos for pos, name in enumerate(order)}
        self._order_rank = {field_.index[name]: pos for pos, name in enumerate(tie_break.order)}
        self._lot = random.Random(seed) if "lot" in tie_break.rules else None
        self._lots_drawn = 0

    def decide(
        self, tied: Sequence[int], purpose: str, history: Sequence[Sequence[Any]], stage: int
    ) -> tuple[int, TieRecord]:
        """Choose one of ``tied`` for ``purpose`` ("exclude" or "surplus")."""
        names = self.field.names
        remaining = sorted(tied)
        notes: list[str] = []
        steps: list[tuple[str, Mapping[str, Any]]] = []
        for rule in self.tie_break.rules:
            chosen: int | None = None
            consulted: int | None = None
            seed: int | None = None
            if rule in ("prior_stage_backward", "prior_stage_forward"):
                stages = range(len(history) - 1, -1, -1) if rule == "prior_stage_backward" else range(len(history))
                for s in stages:
                    values = {c: history[s][c] for c in remaining}
                    if len(set(values.values())) == 1:
                        continue
                    # Rules 49(2)/51(2): the lowest at that stage is excluded; the highest surplus
                    # goes first. Several still level there: look further among them only.
                    target = min(values.values()) if purpose == "exclude" else max(values.values())
                    notes.append(f"stage {s + 1}: " + ", ".join(f"{names[c]} {self.fmt(values[c])}" for c in remaining))
                    steps.append(
                        ("stage", {"stage": s + 1, "votes": tuple((names[c], self.fmt(values[c])) for c in remaining)})
                    )
                    remaining = [c for c in remaining if values[c] == target]
                    consulted = s + 1
                    if len(remaining) == 1:
                        chosen = remaining[0]
                        break
            elif rule == "index":
                chosen = remaining[0]
                notes.append("earliest in listing order")
                steps.append(("index", {}))
            elif rule == "random":
                chosen = min(remaining, key=self._random_rank.__getitem__)
                seed = self.tie_break.seed
                notes.append(f"earliest in the random order drawn before the count (seed {seed})")
                steps.append(("random", {"seed": seed}))
            elif rule in ("manual", "predetermined"):
                if all(c in self._order_rank for c in remaining):
                    chosen = min(remaining, key=self._order_rank.__getitem__)
                    notes.append(f"earliest in the {rule} order")
                    steps.append(("order", {"rule": rule}))
            elif rule == "lot":
                assert self._lot is not None
                chosen = self._lot.choice(remaining)
                self._lots_drawn += 1
                seed = self.tie_break.seed
                notes.append(f"drawn by lot (seed {seed}, draw {self._lots_drawn})")
                steps.append(("lot", {"seed": seed, "draw": self._lots_drawn}))
            if chosen is not None:
                record = TieRecord(
                    purpose=purpose,
                    tied=tuple(names[c] for c in sorted(tied)),
                    chosen=names[chosen],
                    rule=rule,
                    explanation="; ".join(notes) + f" -> {names[chosen]}",
                    seed=seed,
                    stage=consulted,
                    steps=tuple(steps),
                )
                return chosen, record
        raise TieUnresolved([names[c] for c in remaining], purpose, stage)


# ---------------------------------------------------------------------------------------------
# The round table
# ---------------------------------------------------------------------------------------------


class _Table:
    """Builds :class:`Stage` rows from raw vote vectors (ints in a fixed-point scale, or Fractions)."""

    def __init__(self, field_: _Field, to_fraction: Callable[[Any], Fraction]):
        self.field = field_
        self.to_fraction = to_fraction
        self.stages: list[Stage] = []
        self.history: list[list[Any]] = []  # raw votes per stage, for the prior-stage tie rules
        self._previous: dict[str, Fraction] = {}
        self._exhausted = Fraction(0)
        self._residual = Fraction(0)

    def add(
        self,
        *,
        action: str,
        description: str,
        subjects: Sequence[int] = (),
        votes: Sequence[Any],
        exhausted: Any,
        residual: Any,
        quota: Any,
        elected: Sequence[int] = (),
        excluded: Sequence[int] = (),
        state: Sequence[str],
        ties: Sequence[TieRecord] = (),
        surplus: Any = None,
        iterations: int | None = None,
        keep_factors: Sequence[Any] | None = None,
        note: tuple[str, Mapping[str, Any]] = ("", {}),
    ) -> Stage:
        names = self.field.names
        conv = self.to_fraction
        running = self.field.running
        now = {names[i]: conv(votes[i]) for i in running}
        exhausted_f, residual_f = conv(exhausted), conv(residual)
        stage = Stage(
            number=len(self.stages) + 1,
            action=action,
            description=description,
            subjects=tuple(names[i] for i in subjects),
            votes=now,
            transfers={name: v - self._previous.get(name, Fraction(0)) for name, v in now.items()},
            exhausted=exhausted_f,
            exhausted_change=exhausted_f - self._exhausted,
            residual=residual_f,
            residual_change=residual_f - self._residual,
            quota=None if quota is None else conv(quota),
            elected=tuple(names[i] for i in elected),
            excluded=tuple(names[i] for i in excluded),
            status={names[i]: state[i] for i in range(len(names))},
            ties=tuple(ties),
            surplus=None if surplus is None else conv(surplus),
            iterations=iterations,
            keep_factors=None if keep_factors is None else {names[i]: conv(keep_factors[i]) for i in running},
            note=note[0],
            note_params=dict(note[1]),
        )
        self.stages.append(stage)
        self.history.append(list(votes))
        self._previous, self._exhausted, self._residual = now, exhausted_f, residual_f
        return stage


def _result(
    *,
    method: str,
    seats: int,
    field_: _Field,
    winners: Sequence[int],
    table: _Table,
    quota: Fraction | None,
    summary: BallotSummary,
    ties: _Ties,
    places: int | None,
    options: Mapping[str, Any],
) -> CountResult:
    names = field_.names
    return CountResult(
        method=method,
        seats=seats,
        candidates=names,
        withdrawn=tuple(names[i] for i in sorted(field_.withdrawn)),
        winners=tuple(names[i] for i in winners),
        stages=tuple(table.stages),
        quota=quota,
        ballots=summary,
        tie_break=ties.tie_break,
        random_order=ties.random_order,
        places=places,
        options=dict(options),
    )


def _check_seats(seats: int, field_: _Field) -> None:
    if isinstance(seats, bool) or not isinstance(seats, int) or seats < 1:
        raise CountError(f"seats must be a positive whole number, not {seats!r}", "seats", seats=repr(seats))
    if seats > MAX_SEATS:
        raise CountError(
            f"{seats:,} seats: a count fills at most {MAX_SEATS}", "too_many_seats", seats=seats, max=MAX_SEATS
        )
    if not field_.running:
        raise CountError("there are no candidates to elect", "nobody_to_elect")


def _by_vote(candidates: Iterable[int], votes: Sequence[Any]) -> list[int]:
    """Highest vote first; equal votes in listing order (display only, §2.2(3))."""
    return sorted(candidates, key=lambda c: (-votes[c], c))


def _names(field_: _Field, candidates: Iterable[int]) -> str:
    return ", ".join(field_.names[c] for c in candidates)


def _name_list(field_: _Field, candidates: Iterable[int]) -> tuple[str, ...]:
    return tuple(field_.names[c] for c in candidates)


# ---------------------------------------------------------------------------------------------
# Plurality, block vote and approval (§2.2, §2.3)
# ---------------------------------------------------------------------------------------------


def _count_marks(
    method: str,
    ballots: Iterable[Ballot | MarkBallot],
    seats: int,
    candidates: Sequence[str],
    *,
    max_marks: int | None,
    depth: int | None,
    majority_required: bool,
    tie_break: TieBreak | None,
    withdrawn: Iterable[str],
    options: Mapping[str, Any],
) -> CountResult:
    field_ = _field(candidates, withdrawn)
    _check_seats(seats, field_)
    ties = _Ties(tie_break or default_tie_break(method), field_, lambda v: format_value(v, 0))
    votes = [0] * len(field_.names)
    cast = valid = blank = 0
    reasons: dict[str, int] = {}
    for ballot in ballots:
        marks = _marks_of(ballot, depth)
        cast += marks.count
        chosen, reason = _judge_marks(marks, field_, max_marks)
        if chosen is None:
            assert reason is not None
            reasons[reason] = reasons.get(reason, 0) + marks.count
            continue
        valid += marks.count
        if not chosen:
            blank += marks.count  # §2.1: an undervote counts in turnout, for no one
        for c in chosen:
            votes[c] += marks.count  # §2.2(1): one vote to every candidate marked
    summary = BallotSummary(cast=cast, valid=valid, invalid=cast - valid, blank=blank, reasons=reasons)

    eligible = field_.running
    threshold: int | None = None
    if majority_required:
        # §2.3 / Helios "absolute": a winner needs floor(valid/2)+1 votes, else the seat stays empty.
        threshold = valid // 2 + 1
        eligible = [c for c in eligible if votes[c] >= threshold]
    ranked = _by_vote(eligible, votes)
    winners = ranked[:seats]
    records: list[TieRecord] = []
    if len(ranked) > seats:
        # §2.2(3): only a tie across the cut line needs the tie-break; inside it only order changes.
        cut = votes[ranked[seats - 1]]
        above = [c for c in ranked if votes[c] > cut]
        level = [c for c in ranked if votes[c] == cut]
        needed = seats - len(above)
        if len(level) > needed:
            while len(level) > needed:
                loser, record = ties.decide(level, "exclude", [], 1)
                records.append(record)
                level.remove(loser)
            winners = above + level
    table = _Table(field_, Fraction)
    state = [WITHDRAWN if i in field_.withdrawn else (ELECTED if i in winners else EXCLUDED) for i in range(len(votes))]
    description = f"{_names(field_, winners) or 'nobody'} elected"
    if threshold is not None:
        description += f" (a winner needs {threshold} votes)"
    table.add(
        action=COUNT,
        description=description,
        subjects=winners,
        votes=votes,
        exhausted=blank,
        residual=0,
        quota=threshold,
        elected=winners,
        excluded=[c for c in field_.running if c not in winners],
        state=state,
        ties=records,
        note=("marks_count", {"elected": _name_list(field_, winners), "threshold": threshold}),
    )
    return _result(
        method=method,
        seats=seats,
        field_=field_,
        winners=winners,
        table=table,
        quota=None if threshold is None else Fraction(threshold),
        summary=summary,
        ties=ties,
        places=0,
        options=options,
    )


def count_plurality(
    ballots: Iterable[Ballot | MarkBallot],
    seats: int,
    candidates: Sequence[str],
    *,
    max_marks: int | None = None,
    tie_break: TieBreak | None = None,
    withdrawn: Iterable[str] = (),
) -> CountResult:
    """Plurality (one seat) or block vote (``seats`` > 1), §2.2.

    A ballot may mark at most ``max_marks`` candidates (cfg; default ``seats``), each once, with
    marks of 0 or 1; otherwise it is invalid. A blank ballot is a valid undervote. A ranked
    :class:`Ballot` is read as marks for its first ``max_marks`` preferences.
    """
    limit = seats if max_marks is None else max_marks
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise CountError(
            f"max_marks must be a positive whole number, not {max_marks!r}", "max_marks", value=repr(max_marks)
        )
    return _count_marks(
        "plurality" if seats == 1 else "block",
        ballots,
        seats,
        candidates,
        max_marks=limit,
        depth=limit,
        majority_required=False,
        tie_break=tie_break,
        withdrawn=withdrawn,
        options={"max_marks": limit},
    )


def count_approval(
    ballots: Iterable[Ballot | MarkBallot],
    seats: int,
    candidates: Sequence[str],
    *,
    majority_required: bool = False,
    tie_break: TieBreak | None = None,
    withdrawn: Iterable[str] = (),
) -> CountResult:
    """Approval voting for ``seats`` seats, §2.3: any number of marks, approving everyone is valid.

    ``majority_required`` (cfg): a winner needs floor(valid/2)+1 approvals, else the seat stays
    empty (Helios's "absolute" result). A ranked :class:`Ballot` approves everyone it ranks.
    """
    return _count_marks(
        "approval",
        ballots,
        seats,
        candidates,
        max_marks=None,
        depth=None,
        majority_required=majority_required,
        tie_break=tie_break,
        withdrawn=withdrawn,
        options={"majority_required": majority_required},
    )


# ---------------------------------------------------------------------------------------------
# Instant runoff (§2.4)
# ---------------------------------------------------------------------------------------------


def count_irv(
    ballots: Iterable[Ballot],
    candidates: Sequence[str],
    *,
    batch_elimination: bool = False,
    duplicate_rule: str = "first",
    overvote_rule: str = "exhaust",
    tie_break: TieBreak | None = None,
    withdrawn: Iterable[str] = (),
) -> CountResult:
    """Instant runoff for one seat, §2.4.

    Each round every continuing ballot counts for its highest continuing candidate; a candidate
    with more than half of the continuing ballots wins, otherwise the lowest is excluded (ties by
    ``tie_break``). ``batch_elimination`` (cfg) excludes at once every candidate whose combined
    votes are below the next-lowest candidate's.
    """
    field_ = _field(candidates, withdrawn)
    _check_seats(1, field_)
    ranked = _prepare_ranked(ballots, field_, duplicate_rule, overvote_rule)
    ties = _Ties(tie_break or default_tie_break("irv"), field_, lambda v: format_value(v, 0))
    n = len(field_.names)
    state = [WITHDRAWN if i in field_.withdrawn else HOPEFUL for i in range(n)]
    position = [0] * len(ranked.rankings)  # index into each ranking of the ballot's current candidate
    table = _Table(field_, Fraction)
    exhausted = 0

    def tally() -> tuple[list[int], int]:
        votes = [0] * n
        gone = 0
        for b, ranking in enumerate(ranked.rankings):
            p = position[b]
            while p < len(ranking) and state[ranking[p]] != HOPEFUL:
                p += 1  # §2.4(3): skip to the next continuing preference
            position[b] = p
            if p < len(ranking):
                votes[ranking[p]] += ranked.counts[b]
            else:
                gone += ranked.counts[b]
        return votes, gone

    votes, exhausted = tally()
    action, description, subjects, excluded, records = FIRST_PREFERENCES, "first preferences", [], [], []
    note: dict[str, Any] = {}
    winner: int | None = None
    while True:
        continuing = [c for c in range(n) if state[c] == HOPEFUL]
        active = ranked.valid - exhausted
        leader = _by_vote(continuing, votes)[0]
        # §2.4(2): more than half of the continuing (non-exhausted) ballots; a last candidate wins.
        if 2 * votes[leader] > active or len(continuing) == 1:
            winner = leader
            state[leader] = ELECTED
        table.add(
            action=action,
            description=description + (f"; {field_.names[winner]} elected" if winner is not None else ""),
            subjects=subjects,
            votes=votes,
            exhausted=exhausted,
            residual=0,
            quota=active // 2 + 1,  # "more than half" in whole votes
            elected=[winner] if winner is not None else [],
            excluded=excluded,
            state=state,
            ties=records,
            note=(
                action,
                {**note, "elected": _name_list(field_, [winner] if winner is not None else [])},
            ),
        )
        if winner is not None:
            break
        records = []
        batch: list[int] = []
        if batch_elimination:
            # §2.4(4): the largest group of lowest candidates whose combined votes are still below
            # the next candidate's cannot win; excluding them together changes only the table.
            ordered = sorted(continuing, key=lambda c: (votes[c], c))
            running_total = 0
            for j in range(len(ordered) - 1):
                running_total += votes[ordered[j]]
                if running_total < votes[ordered[j + 1]]:
                    batch = sorted(ordered[: j + 1])
        if len(batch) < 2:
            low = min(votes[c] for c in continuing)
            tied = [c for c in continuing if votes[c] == low]
            if len(tied) > 1:
                loser, record = ties.decide(tied, "exclude", table.history, len(table.stages))
                records.append(record)
            else:
                loser = tied[0]
            batch = [loser]
        for c in batch:
            state[c] = EXCLUDED
        votes, exhausted = tally()
        action, description, subjects, excluded = EXCLUSION, f"exclusion of {_names(field_, batch)}", batch, batch
        note = {"excluded": _name_list(field_, batch)}
    return _result(
        method="irv",
        seats=1,
        field_=field_,
        winners=[winner],
        table=table,
        quota=None,
        summary=ranked.summary,
        ties=ties,
        places=0,
        options={
            "batch_elimination": batch_elimination,
            "duplicate_rule": duplicate_rule,
            "overvote_rule": overvote_rule,
        },
    )


# ---------------------------------------------------------------------------------------------
# STV: arithmetic
# ---------------------------------------------------------------------------------------------


class _Fixed:
    """Fixed-point decimals as integers scaled by 10**places: exact, and cheap to add and compare."""

    def __init__(self, places: int, truncate_product: bool):
        self.places = places
        self.scale = 10**places
        self.truncate_product = truncate_product

    def whole(self, n: int) -> int:
        return n * self.scale

    def transfer_value(self, value: int, surplus: int, total: int) -> int:
        if self.truncate_product:
            # PRF WIGM D.4: truncate the product to the places, then the quotient.
            product = value * surplus // self.scale
            return product * self.scale // total
        # Rule 48(3): (surplus x value) / total votes, "to five decimal places (any remainder being
        # ignored)": one exact division of scaled integers, truncated.
        return value * surplus // total

    def fraction(self, value: int) -> Fraction:
        return Fraction(value, self.scale)


class _Rational:
    """Exact rational arithmetic."""

    places = None

    @staticmethod
    def whole(n: int) -> Fraction:
        return Fraction(n)

    @staticmethod
    def transfer_value(value: Fraction, surplus: Fraction, total: Fraction) -> Fraction:
        return value * surplus / total

    @staticmethod
    def fraction(value: Fraction) -> Fraction:
        return Fraction(value)


# ---------------------------------------------------------------------------------------------
# STV: Scottish rules and weighted inclusive Gregory (§2.6.1, §2.6.2)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _GregoryRule:
    """What distinguishes Scottish STV, PRF WIGM and exact WIGM (§2.6.2)."""

    method: str
    arithmetic: Any
    quota: Callable[[int, int], Any]  # (valid ballots, seats) -> quota in the arithmetic
    strict: bool  # elected when votes > quota (exact quota) rather than >= quota
    transfer_zero_surplus: bool  # PRF B.3: a pending candidate's surplus is transferred "possibly zero"
    defeat_sure_losers: bool  # PRF B.2 / §2.6.4


def _past(ranking: Sequence[int], depth: int) -> Sequence[int]:
    """The least key sorted after every ranking whose first ``depth + 1`` preferences are ``ranking``'s."""
    following = ranking[depth] + 1  # below 256 in bytes: bytes hold fewer than 256 candidates
    return ranking[:depth] + (bytes((following,)) if type(ranking) is bytes else (following,))


class _Gregory:
    """One WIGM count: papers held in parcels by candidate, transferred as whole parcels.

    The distinct rankings are sorted, so the papers that share their first ``d`` preferences are one
    run ``rankings[lo:hi]`` and ``cum`` gives their number at once. A parcel is such a run, all at one
    value, held by its ``d``-th preference; moved on, it splits only where its rankings differ (found
    by bisection), each part going whole to its next continuing preference. A transfer costs the
    number of distinct prefixes it meets, not the number of papers: the 100,000 full rankings of
    ``bench/stv.py`` take about 12,000 bisections, where moving each distinct ranking on its own
    took 250,000 steps. Sums are exact (integers or fractions), so the grouping changes no figure of
    the round table.
    """

    def __init__(self, rule: _GregoryRule, field_: _Field, ranked: _Ranked, seats: int, ties: _Ties):
        self.rule = rule
        self.ar = rule.arithmetic
        self.field = field_
        self.seats = seats
        self.ties = ties
        n = len(field_.names)
        self.n = n
        self.state = [WITHDRAWN if i in field_.withdrawn else HOPEFUL for i in range(n)]
        self.pending: list[int] = []  # elected, surplus not yet transferred
        self.elected: list[int] = []
        self.zero = self.ar.whole(0)
        self.votes = [self.zero] * n
        self.exhausted = self.zero
        self.residual = self.zero
        # Each candidate's parcels: (lo, hi, depth, paper value), papers rankings[lo:hi] at preference depth.
        self.piles: list[list[tuple[int, int, int, Any]]] = [[] for _ in range(n)]
        self.quota = rule.quota(ranked.valid, seats)
        self.table = _Table(field_, self.ar.fraction)
        self._load(ranked)

    # -- papers ----------------------------------------------------------------------------

    def _load(self, ranked: _Ranked) -> None:
        """Rule 45: sort the papers by first preference; each is worth one vote."""
        papers = dict(zip(ranked.rankings, ranked.counts, strict=True))
        self.rankings = sorted(papers)
        self.cum = list(accumulate(map(papers.__getitem__, self.rankings), initial=0))  # papers before each run
        self._spread(0, len(self.rankings), 0, self.ar.whole(1))

    def _spread(self, lo: int, hi: int, depth: int, value: Any) -> int:
        """Give the papers ``rankings[lo:hi]``, which share their first ``depth`` preferences, each to
        its next continuing preference at ``value``; returns how many papers have none."""
        rankings, cum, state, piles, votes = self.rankings, self.cum, self.state, self.piles, self.votes
        lost = 0
        runs = [(lo, hi, depth)]
        while runs:
            lo, hi, depth = runs.pop()
            if lo < hi and len(rankings[lo]) == depth:
                # A ranking that stops here sorts first in its run: those papers are non-transferable.
                lost += cum[lo + 1] - cum[lo]
                lo += 1
            while lo < hi:
                ranking = rankings[lo]
                c = ranking[depth]
                end = hi if lo + 1 == hi else bisect_left(rankings, _past(ranking, depth), lo + 1, hi)
                if state[c] == HOPEFUL:
                    piles[c].append((lo, end, depth + 1, value))
                    votes[c] += value * (cum[end] - cum[lo])
                else:
                    runs.append((lo, end, depth + 1))  # rules 48(2), 50(3): skip candidates elected or excluded
                lo = end
        return lost

    def _transfer(self, c: int, new_value: Callable[[Any], Any]) -> Any:
        """Move all of ``c``'s papers on; returns the value that became non-transferable."""
        pile, self.piles[c] = self.piles[c], []
        lost = self.zero
        for lo, hi, depth, value in pile:
            value = new_value(value)
            if not value:
                continue  # a paper worth nothing carries nothing (PRF D.2 exhausts it)
            # Rules 48(1)(b), 50(2)(b): papers with no continuing preference are non-transferable.
            lost += value * self._spread(lo, hi, depth, value)
        return lost

    # -- state -----------------------------------------------------------------------------

    def hopeful(self) -> list[int]:
        return [c for c in range(self.n) if self.state[c] == HOPEFUL]

    def vacancies(self) -> int:
        return self.seats - len(self.elected)

    def complete(self) -> bool:
        # Rule 52(1) / PRF D.3: stop when every seat is filled, or when the continuing candidates
        # are no more than the vacancies (they are then all elected, with no further transfer).
        return self.vacancies() <= 0 or len(self.hopeful()) <= self.vacancies()

    def has_quota(self, c: int) -> bool:
        return self.votes[c] > self.quota if self.rule.strict else self.votes[c] >= self.quota

    def elect_with_quota(self) -> list[int]:
        # Rule 47(1): a candidate at or above the quota at the end of a stage is elected; several
        # at once are listed by vote.
        newly = _by_vote([c for c in self.hopeful() if self.has_quota(c)], self.votes)
        for c in newly:
            self.state[c] = ELECTED
            self.elected.append(c)
            if self.votes[c] > self.quota or self.rule.transfer_zero_surplus:
                self.pending.append(c)  # rule 48(1): only a vote that *exceeds* the quota has a surplus
        return newly

    def record(
        self,
        action: str,
        description: str,
        subjects: Sequence[int],
        elected: Sequence[int],
        excluded: Sequence[int],
        ties: Sequence[TieRecord],
        note: tuple[str, Mapping[str, Any]] = ("", {}),
    ) -> None:
        self.table.add(
            action=action,
            description=description,
            subjects=subjects,
            votes=self.votes,
            exhausted=self.exhausted,
            residual=self.residual,
            quota=self.quota,
            elected=elected,
            excluded=excluded,
            state=self.state,
            ties=ties,
            note=note,
        )

    def fmt(self, value: Any) -> str:
        return format_value(self.ar.fraction(value), self.ar.places)

    # -- the count -------------------------------------------------------------------------

    def run(self) -> list[int]:
        newly = self.elect_with_quota()
        self.record(FIRST_PREFERENCES, "first preferences", [], newly, [], [], (FIRST_PREFERENCES, {}))
        while not self.complete():
            records: list[TieRecord] = []
            # PRF B.2 comes before B.3: sure losers go even while surpluses wait (the pending
            # surpluses are counted in the test, so no transfer could save them).
            if self.rule.defeat_sure_losers and self.defeat_sure_losers():
                continue
            if self.pending:
                self.transfer_surplus(records)
                continue
            self.exclude_lowest(records)
        self.finish()
        return self.elected

    def transfer_surplus(self, records: list[TieRecord]) -> None:
        # Rule 49(1): the largest surplus first; rule 49(2)-(3) on a tie.
        high = max(self.votes[c] for c in self.pending)
        tied = [c for c in self.pending if self.votes[c] == high]
        c = tied[0]
        if len(tied) > 1:
            c, record = self.ties.decide(tied, "surplus", self.table.history, len(self.table.stages) + 1)
            records.append(record)
        self.pending.remove(c)
        total = self.votes[c]
        surplus = total - self.quota
        before = sum(self.votes[d] for d in range(self.n) if d != c)
        # Inclusive Gregory (rule 48(2)-(4)): *all* the candidate's papers move, each at
        # surplus x its value / the candidate's total votes.
        lost = self._transfer(c, lambda value: self.ar.transfer_value(value, surplus, total))
        moved = sum(self.votes[d] for d in range(self.n) if d != c) - before
        self.votes[c] = self.quota  # the elected candidate keeps exactly the quota
        self.exhausted += lost
        self.residual += surplus - moved - lost  # what truncation lost
        newly = self.elect_with_quota()
        self.record(
            SURPLUS,
            f"surplus of {self.field.names[c]} ({self.fmt(surplus)}) transferred",
            [c],
            newly,
            [],
            records,
            (SURPLUS, {"candidate": self.field.names[c], "surplus": self.fmt(surplus)}),
        )

    def exclude_lowest(self, records: list[TieRecord]) -> None:
        # Rule 50(1): exclude the candidate with the lowest vote; rule 51 on a tie.
        hopeful = self.hopeful()
        low = min(self.votes[c] for c in hopeful)
        tied = [c for c in hopeful if self.votes[c] == low]
        c = tied[0]
        if len(tied) > 1:
            c, record = self.ties.decide(tied, "exclude", self.table.history, len(self.table.stages) + 1)
            records.append(record)
        self.exclude([c], f"exclusion of {self.field.names[c]}", EXCLUSION, records, "exclusion")

    def exclude(
        self, losers: Sequence[int], description: str, action: str, records: Sequence[TieRecord], note: str
    ) -> None:
        for c in losers:
            self.state[c] = EXCLUDED
        # The exclusion stage includes its transfer; completion (rule 52) is tested after it.
        # The Glasgow reference figures require this order (without the last transfer four of the
        # five expected results differ), and droop counts PRF WIGM the same way although PRF B.4
        # tests for completion before the transfer: the winners are the same either way.
        for c in losers:
            # Rule 50(3)-(4): every paper moves at the value it had when received.
            self.exhausted += self._transfer(c, lambda value: value)
            self.votes[c] = self.zero
        newly = self.elect_with_quota()
        self.record(
            action, description, losers, newly, losers, records, (note, {"excluded": _name_list(self.field, losers)})
        )

    def defeat_sure_losers(self) -> bool:
        """PRF WIGM B.2 (§2.6.4): defeat at once the largest group of lowest hopefuls whose votes
        plus every pending surplus stay below the next hopeful; enough must remain for the seats."""
        surplus = sum((self.votes[c] - self.quota for c in self.pending), self.zero)
        ordered = sorted(self.hopeful(), key=lambda c: (self.votes[c], c))
        # Group candidates whose votes are within the pending surplus of each other: they could
        # swap places, so a batch never splits them (B.2.b).
        groups: list[list[int]] = []
        for c in ordered:
            if groups and self.votes[groups[-1][0]] + surplus >= self.votes[c]:
                groups[-1].append(c)
            else:
                groups.append([c])
        most = len(ordered) - self.vacancies()
        batch: list[int] = []
        taken: list[int] = []
        total = self.zero
        for g in range(len(groups) - 1):
            taken = taken + groups[g]
            if len(taken) > most:
                break
            total += sum((self.votes[c] for c in groups[g]), self.zero)
            if total + surplus < self.votes[groups[g + 1][0]]:
                batch = list(taken)
        if not batch:
            return False
        batch.sort()
        self.exclude(batch, f"sure losers excluded: {_names(self.field, batch)}", SURE_LOSERS, [], "sure_losers")
        return True

    def finish(self) -> None:
        # Rule 52: continuing candidates as many as (or fewer than) the vacancies are all elected,
        # even below the quota, and no further transfer is made.
        if self.vacancies() > 0 and self.hopeful():
            rest = _by_vote(self.hopeful(), self.votes)
            for c in rest:
                self.state[c] = ELECTED
                self.elected.append(c)
            self.record(
                LAST_VACANCIES,
                f"last vacancies: {_names(self.field, rest)} elected",
                rest,
                rest,
                [],
                [],
                (LAST_VACANCIES, {"elected": _name_list(self.field, rest)}),
            )
        for c in self.hopeful():
            self.state[c] = EXCLUDED


_SEP = "\x00"  # between the names of a ranking written as one string (a name holding it takes the slow path)
_PAST = "\x01"  # appended to a prefix: sorts after every ranking that continues it with _SEP or stops there


@dataclass
class _Texts:
    """Plain ranked papers (§2.1 has nothing to say about them) as one string each, sorted.

    A paper is its candidates' names joined by ``_SEP``: ``str.join`` builds 100,000 of them at C speed,
    the same names hash as they are, and sorted strings compare as fast as bytes, so the papers are
    ready for :class:`_GregoryText` without converting a name to an index one at a time. ``cum[i]`` is
    the number of papers before ``texts[i]`` (a ``range`` when every string is one paper).
    """

    texts: list[str]
    cum: Sequence[int]
    summary: BallotSummary

    @property
    def valid(self) -> int:
        return self.summary.valid


def _plain_texts(ballots: Sequence[Any], field_: _Field, duplicate_rule: str) -> _Texts | None:
    """The papers as :class:`_Texts` when they look plain, else None (the §2.1 path reads them).

    Plain: :class:`Ballot` objects naming only candidates (no equal ranks), none blank, no candidate
    withdrawn. A candidate named twice is left in: under ``duplicate_rule="first"`` a Gregory count
    never reaches the second mention (the paper left that candidate, elected or excluded, before it
    could), so the count is the same; ``"invalid"`` needs the §2.1 path. Every check runs at C speed.
    """
    names = field_.names
    if field_.withdrawn or duplicate_rule != "first" or any(_SEP in name for name in names):
        return None
    if set(map(type, ballots)) != {Ballot}:
        return None  # no ballots, or something the §2.1 path reports
    rankings = list(map(_RANKING, ballots))
    if not all(rankings) or not frozenset(names).issuperset(chain.from_iterable(rankings)):
        return None  # a blank paper, an equal-rank group, or a name that is not a candidate's
    texts = list(map(_SEP.join, rankings))
    cum: Sequence[int]
    if sum(map(_COUNT, ballots)) == len(ballots):  # every ballot one paper
        texts.sort()
        cum = range(len(texts) + 1)
    else:
        counts = list(map(_COUNT, ballots))
        order = sorted(range(len(texts)), key=texts.__getitem__)
        texts = list(map(texts.__getitem__, order))
        cum = list(accumulate(map(counts.__getitem__, order), initial=0))
    valid = cum[-1]
    return _Texts(texts, cum, BallotSummary(cast=valid, valid=valid, invalid=0, blank=0, reasons={}))


_RANKING = attrgetter("ranking")
_COUNT = attrgetter("count")


class _GregoryText(_Gregory):
    """:class:`_Gregory` over :class:`_Texts`: a parcel is a run ``texts[lo:hi]`` of papers that share
    their first names up to the string offset ``off`` (where the next name starts), found by
    bisection as in the parent class. The runs are those of the sorted rankings as indices, only
    ordered by name, so every vote, transfer and residual is the same integer."""

    def _load(self, papers: _Texts) -> None:  # type: ignore[override]
        self.texts = papers.texts
        self.cum = papers.cum
        self.hopeful_flags = [state == HOPEFUL for state in self.state]
        self._walk([(0, len(self.texts), 0, self.ar.whole(1))])

    def _transfer(self, c: int, new_value: Callable[[Any], Any]) -> Any:
        # All the parcels go on one stack, each new value worked out once (a candidate's parcels
        # hold a handful of values): the cost is the runs the papers split into, nothing per parcel.
        self.hopeful_flags = [state == HOPEFUL for state in self.state]
        pile, self.piles[c] = self.piles[c], []
        values: dict[Any, Any] = {}
        runs = []
        for lo, hi, off, value in pile:
            moved = values.get(value)
            if moved is None:
                moved = values[value] = new_value(value)
            if moved:  # a paper worth nothing carries nothing (PRF D.2 exhausts it)
                runs.append((lo, hi, off, moved))
        return self._walk(runs)

    def _walk(self, runs: list[tuple[int, int, int, Any]]) -> Any:
        """Give each run's papers to their next continuing preference at the run's value; returns the
        value that became non-transferable (rules 48(1)(b), 50(2)(b))."""
        texts, cum, piles, votes, index = self.texts, self.cum, self.piles, self.votes, self.field.index
        hopeful = self.hopeful_flags
        # Every string one paper (the usual case): a run's papers are its length, two lookups fewer
        # on each of the ~40,000 steps of a 100,000-paper count.
        unit = type(cum) is range
        find = str.find
        lost = self.zero
        while runs:
            lo, hi, off, value = runs.pop()
            text = texts[lo]
            if len(text) < off:
                # Papers that stop here sort first in their run: they are non-transferable.
                stop = hi if lo + 1 == hi else bisect_left(texts, text + _SEP, lo + 1, hi)
                lost += value * ((stop - lo) if unit else (cum[stop] - cum[lo]))
                lo = stop
            while lo < hi:
                text = texts[lo]
                end_name = find(text, _SEP, off)
                if end_name < 0:
                    end_name = len(text)
                c = index[text[off:end_name]]
                end = hi if lo + 1 == hi else bisect_left(texts, text[:end_name] + _PAST, lo + 1, hi)
                if hopeful[c]:
                    piles[c].append((lo, end, end_name + 1, value))
                    votes[c] += value * ((end - lo) if unit else (cum[end] - cum[lo]))
                elif end - lo == 1 or texts[end - 1] == text:
                    # One ranking (most runs this deep): walk it to its next continuing preference
                    # here rather than split it again (rules 48(2), 50(3): skip elected and excluded).
                    size = len(text)
                    while end_name < size:
                        start = end_name + 1
                        end_name = find(text, _SEP, start)
                        if end_name < 0:
                            end_name = size
                        c = index[text[start:end_name]]
                        if hopeful[c]:
                            piles[c].append((lo, end, end_name + 1, value))
                            votes[c] += value * ((end - lo) if unit else (cum[end] - cum[lo]))
                            break
                    else:
                        lost += value * ((end - lo) if unit else (cum[end] - cum[lo]))
                else:
                    runs.append((lo, end, end_name + 1, value))  # rules 48(2), 50(3): skip elected and excluded
                lo = end
        return lost


def _gregory_count(
    rule: _GregoryRule,
    ballots: Iterable[Ballot],
    seats: int,
    candidates: Sequence[str],
    *,
    duplicate_rule: str,
    overvote_rule: str,
    tie_break: TieBreak | None,
    withdrawn: Iterable[str],
    options: Mapping[str, Any],
) -> CountResult:
    field_ = _field(candidates, withdrawn)
    _check_seats(seats, field_)
    ar = rule.arithmetic
    ties = _Ties(tie_break or default_tie_break(rule.method), field_, lambda v: format_value(ar.fraction(v), ar.places))
    # Reading and counting build hundreds of thousands of tuples and strings that hold no reference cycle
    # (clt/collector.py).
    with collector_paused():
        ranked: _Ranked | _Texts | None = None
        if duplicate_rule in DUPLICATE_RULES and overvote_rule in OVERVOTE_RULES:
            ballots = ballots if isinstance(ballots, list | tuple) else list(ballots)
            ranked = _plain_texts(ballots, field_, duplicate_rule)
        engine: type[_Gregory] = _GregoryText
        if ranked is None:
            ranked, engine = _prepare_ranked(ballots, field_, duplicate_rule, overvote_rule), _Gregory
        count = engine(rule, field_, ranked, seats, ties)  # type: ignore[arg-type]
        winners = count.run()
    return _result(
        method=rule.method,
        seats=seats,
        field_=field_,
        winners=winners,
        table=count.table,
        quota=ar.fraction(count.quota),
        summary=ranked.summary,
        ties=ties,
        places=ar.places,
        options={"duplicate_rule": duplicate_rule, "overvote_rule": overvote_rule, **options},
    )


_SCOTTISH = _Fixed(5, truncate_product=False)
_PRF_WIGM = _Fixed(4, truncate_product=True)


def count_scottish_stv(
    ballots: Iterable[Ballot],
    seats: int,
    candidates: Sequence[str],
    *,
    duplicate_rule: str = "first",
    overvote_rule: str = "exhaust",
    tie_break: TieBreak | None = None,
    withdrawn: Iterable[str] = (),
) -> CountResult:
    """Scottish STV (Scottish Local Government Elections Order 2007, rules 45–52; §2.6.1).

    Droop integer quota (rule 46), elected at or above it (rule 47), largest surplus first (rule
    49), inclusive Gregory transfer values truncated to five decimals (rule 48(3)), exclusion at
    current value (rule 50), last vacancies (rule 52). The statute breaks ties by the most recent
    stage where the candidates differed, then by lot; the default here replaces the lot by a
    random order drawn before the count (§2.7), and ``TieBreak(("prior_stage_backward", "lot"))``
    gives the statutory form.
    """
    rule = _GregoryRule(
        method="scottish-stv",
        arithmetic=_SCOTTISH,
        # Rule 46: valid papers / (seats + 1), decimals ignored, plus one.
        quota=lambda valid, seats_: _SCOTTISH.whole(valid // (seats_ + 1) + 1),
        strict=False,
        transfer_zero_surplus=False,
        defeat_sure_losers=False,
    )
    return _gregory_count(
        rule,
        ballots,
        seats,
        candidates,
        duplicate_rule=duplicate_rule,
        overvote_rule=overvote_rule,
        tie_break=tie_break,
        withdrawn=withdrawn,
        options={},
    )


def count_wigm(
    ballots: Iterable[Ballot],
    seats: int,
    candidates: Sequence[str],
    *,
    variant: str = "prf",
    defeat_sure_losers: bool = False,
    duplicate_rule: str = "first",
    overvote_rule: str = "exhaust",
    tie_break: TieBreak | None = None,
    withdrawn: Iterable[str] = (),
) -> CountResult:
    """Weighted inclusive Gregory method (§2.6.2).

    ``variant="prf"``: the PR Foundation WIGM reference rule: quota V/(S+1) + 0.0001, elected at
    or above it, every product and quotient truncated to 4 decimals (D.4), ties by a
    predetermined random order (D.1). ``variant="exact"``: rational arithmetic, the unrounded
    quota V/(S+1), elected only strictly above it. ``defeat_sure_losers`` (cfg) is PRF B.2.
    """
    if variant == "prf":
        rule = _GregoryRule(
            method="wigm-prf",
            arithmetic=_PRF_WIGM,
            # A.1: V/(S+1) (truncated to 4 places, D.4) plus 0.0001.
            quota=lambda valid, seats_: _PRF_WIGM.whole(valid) // (seats_ + 1) + 1,
            strict=False,
            transfer_zero_surplus=True,
            defeat_sure_losers=defeat_sure_losers,
        )
    elif variant == "exact":
        rule = _GregoryRule(
            method="wigm",
            arithmetic=_Rational(),
            quota=lambda valid, seats_: Fraction(valid, seats_ + 1),
            strict=True,  # §2.5: the exact Droop quota needs strictly more votes
            transfer_zero_surplus=True,
            defeat_sure_losers=defeat_sure_losers,
        )
    else:
        raise CountError("the WIGM variant is 'prf' or 'exact'", "wigm_variant")
    return _gregory_count(
        rule,
        ballots,
        seats,
        candidates,
        duplicate_rule=duplicate_rule,
        overvote_rule=overvote_rule,
        tie_break=tie_break,
        withdrawn=withdrawn,
        options={"defeat_sure_losers": defeat_sure_losers},
    )


# ---------------------------------------------------------------------------------------------
# STV: Meek (§2.6.3)
# ---------------------------------------------------------------------------------------------


class _Meek:
    """One Meek count (§2.6.3).

    Votes, quota and surplus are exact. The keep factors are integers scaled by 10**places and
    always rounded *up*: 9 places for the PR Foundation rule (B.2.f), ``keep_factor_places`` for
    the exact variant. Unrounded rational keep factors would triple their digits at every
    iteration and never finish; rounding up (as PRF and the NZ rules do) keeps each factor at or
    above its exact value, and at 30 places moves no vote by more than 10**-25.
    """

    def __init__(
        self,
        field_: _Field,
        ranked: _Ranked,
        seats: int,
        ties: _Ties,
        *,
        prf: bool,
        omega: Fraction,
        keep_factor_places: int,
        defeat_sure_losers: bool,
    ):
        self.field = field_
        self.rankings = ranked.rankings
        self.counts = ranked.counts
        self.valid = ranked.valid
        self.seats = seats
        self.ties = ties
        self.prf = prf
        self.places = 9 if prf else keep_factor_places
        self.K = 10**self.places  # a keep factor of 1
        self.omega = Fraction(1, 10**6) if prf else omega  # PRF A: omega = 10**-6
        self.defeat_batch = defeat_sure_losers
        n = len(field_.names)
        self.n = n
        self.state = [WITHDRAWN if i in field_.withdrawn else HOPEFUL for i in range(n)]
        # A: hopeful candidates start with keep factor 1; defeated and withdrawn ones have 0.
        self.kf = [0 if i in field_.withdrawn else self.K for i in range(n)]
        self.elected: list[int] = []
        self.votes: list[Fraction] = [Fraction(0)] * n
        self.excess = Fraction(0)
        self.quota = Fraction(0)
        self.surplus = Fraction(0)
        self.table = _Table(field_, Fraction)
        # The path tree needs rankings as bytes (fewer than 255 candidates, so 255 marks "none").
        plain = n < 255 and all(type(r) is bytes for r in self.rankings)
        self.tree = _MeekTree(self.rankings, self.counts, n) if plain else None

    def hopeful(self) -> list[int]:
        return [c for c in range(self.n) if self.state[c] == HOPEFUL]

    def vacancies(self) -> int:
        return self.seats - len(self.elected)

    def unit(self) -> int:
        """Weights are integers scaled by this. For PRF it is 10**9 and each w x kf is rounded up
        (B.2.a). For the exact variant it is K**m, m one more than the number of keep factors
        strictly between 0 and 1: a ballot meets at most m-1 of them before a hopeful candidate
        (kf 1) takes all that is left, and each of them divides w by K exactly."""
        K = self.K
        return K if self.prf else K ** (sum(1 for k in self.kf if 0 < k < K) + 1)

    def distribute(self) -> None:
        """Step 1: each ballot gives w x kf to each candidate in turn and passes on the rest.

        A ballot's walk ends at its first hopeful candidate (kf 1 takes all that is left), and a
        defeated or withdrawn one (kf 0) passes w on untouched, so only the elected candidates
        before the first hopeful one matter. :class:`_MeekTree` groups the ballots by that path
        and computes each distinct path's weights once: a pass costs the few hundred paths
        through at most ``seats`` elected candidates, not the 100,000 rankings. Every sum is of
        the same integers as the ballot-by-ballot walk (:meth:`distribute_by_ranking`), so the
        votes are identical.
        """
        if self.tree is None:
            self.distribute_by_ranking()
            return
        unit = self.unit()
        votes, excess = self.tree.distribute(self.state, self.kf, self.K, unit, self.prf)
        self.votes = [Fraction(v, unit) for v in votes]
        self.excess = Fraction(excess, unit)

    def distribute_by_ranking(self) -> None:
        """Step 1 ballot by ballot, as the rule words it (the reference for :class:`_MeekTree`)."""
        K = self.K
        kf = self.kf
        unit = self.unit()
        votes = [0] * self.n
        excess = 0
        prf = self.prf
        for ranking, papers in zip(self.rankings, self.counts, strict=True):
            w = unit
            for c in ranking:
                k = kf[c]
                if not k:
                    continue
                keep = -(-w * k // K) if prf else w * k // K
                votes[c] += keep * papers
                w -= keep
                if w <= 0:
                    break
            excess += w * papers  # what the ballot could not give away: exhausted weight
        self.votes = [Fraction(v, unit) for v in votes]
        self.excess = Fraction(excess, unit)

    def compute_quota(self) -> None:
        total = sum((self.votes[c] for c in range(self.n) if self.state[c] in (HOPEFUL, ELECTED)), Fraction(0))
        if self.prf:
            # B.2.b: votes / (seats + 1), truncated to 9 places, plus 10**-9.
            self.quota = Fraction(int(total * self.K) // (self.seats + 1) + 1, self.K)
        else:
            self.quota = total / (self.seats + 1)

    def has_quota(self, c: int) -> bool:
        # §2.5: PRF's quota is rounded up, so reaching it is enough; the exact quota must be passed.
        return self.votes[c] >= self.quota if self.prf else self.votes[c] > self.quota

    def update_keep_factors(self) -> None:
        K = self.K
        for c in self.elected:
            if self.prf:
                # B.2.f: kf x quota (9 places, rounded up), then / votes (9 places, rounded up).
                # PRF quota and votes are whole multiples of 10**-9, so these are integers.
                quota, vote = int(self.quota * K), int(self.votes[c] * K)
                product = -(-self.kf[c] * quota // K)
                self.kf[c] = -(-product * K // vote)
            else:
                exact = self.kf[c] * self.quota / self.votes[c]
                self.kf[c] = -(-exact.numerator // exact.denominator)

    def iterate(self) -> tuple[str, list[int], int]:
        """Distribute and update keep factors until someone is elected or the surplus settles."""
        last = Fraction(self.valid)
        iterations = 0
        while True:
            iterations += 1
            self.distribute()
            self.compute_quota()
            newly = _by_vote([c for c in self.hopeful() if self.has_quota(c)], self.votes)
            for c in newly:
                self.state[c] = ELECTED
                self.elected.append(c)
            # B.2.d: the total surplus, never below zero.
            self.surplus = max(sum((self.votes[c] - self.quota for c in self.elected), Fraction(0)), Fraction(0))
            if newly:
                return "elected", newly, iterations  # B.2.e: a new winner starts a new round
            if self.surplus < self.omega:
                return "omega", [], iterations
            if self.surplus >= last:
                return "stable", [], iterations  # no longer converging: stop iterating
            if self.defeat_batch:
                batch = self.sure_losers()
                if batch:
                    return "batch", batch, iterations
            last = self.surplus
            self.update_keep_factors()

    def sure_losers(self) -> list[int]:
        """§2.6.4, as droop's parametric Meek applies it: the largest group of lowest hopefuls whose
        votes plus the total surplus stay below the next hopeful, leaving enough for the seats."""
        ordered = sorted(self.hopeful(), key=lambda c: (self.votes[c], c))
        groups: list[list[int]] = []
        for c in ordered:
            if groups and self.votes[groups[-1][0]] + self.surplus >= self.votes[c]:
                groups[-1].append(c)
            else:
                groups.append([c])
        most = len(ordered) - self.vacancies()
        batch: list[int] = []
        taken: list[int] = []
        total = Fraction(0)
        for g in range(len(groups) - 1):
            taken = taken + groups[g]
            if len(taken) > most:
                break
            total += sum(self.votes[c] for c in groups[g])
            if total + self.surplus < self.votes[groups[g + 1][0]]:
                batch = list(taken)
        return sorted(batch)

    def record(
        self,
        action: str,
        description: str,
        subjects: Sequence[int],
        elected: Sequence[int],
        excluded: Sequence[int],
        ties: Sequence[TieRecord],
        iterations: int | None,
        note: tuple[str, Mapping[str, Any]] = ("", {}),
    ) -> None:
        self.table.add(
            action=action,
            description=description,
            subjects=subjects,
            votes=self.votes,
            exhausted=self.excess,
            residual=0,  # nothing is lost to rounding: w drops by exactly what is kept
            quota=self.quota,
            elected=elected,
            excluded=excluded,
            state=self.state,
            ties=ties,
            surplus=self.surplus,
            iterations=iterations,
            keep_factors=[Fraction(k, self.K) for k in self.kf],
            note=note,
        )

    def run(self) -> list[int]:
        names = self.field.names
        self.distribute()  # every keep factor is 1: the first preferences
        self.compute_quota()
        self.record(FIRST_PREFERENCES, "first preferences", [], [], [], [], None, (FIRST_PREFERENCES, {}))
        redistribute = False
        # B.1: the count is complete when every seat is filled or hopefuls are no more than vacancies.
        while len(self.hopeful()) > self.vacancies() > 0:
            status, chosen, iterations = self.iterate()
            redistribute = False
            if status == "elected":
                self.record(
                    ELECTION,
                    f"{_names(self.field, chosen)} elected after {iterations} iteration(s)",
                    chosen,
                    chosen,
                    [],
                    [],
                    iterations,
                    ("elected_after_iterations", {"elected": _name_list(self.field, chosen), "iterations": iterations}),
                )
                continue
            records: list[TieRecord] = []
            if status == "batch":
                losers = chosen
                description = f"sure losers excluded: {_names(self.field, losers)}"
                action, note = SURE_LOSERS, "sure_losers"
            else:
                # B.3: defeat the lowest hopeful; any within the total surplus of it count as tied,
                # since the iteration has not settled the order between them.
                hopeful = self.hopeful()
                low = min(self.votes[c] for c in hopeful)
                tied = [c for c in hopeful if self.votes[c] <= low + self.surplus]
                loser = tied[0]
                if len(tied) > 1:
                    loser, record = self.ties.decide(tied, "exclude", self.table.history, len(self.table.stages) + 1)
                    records.append(record)
                losers = [loser]
                why = "surplus below omega" if status == "omega" else "surplus no longer falling"
                description = f"exclusion of {names[loser]} ({why} after {iterations} iteration(s))"
                action = EXCLUSION
                note = "exclusion_below_omega" if status == "omega" else "exclusion_not_falling"
            params = {"excluded": _name_list(self.field, losers), "iterations": iterations}
            self.record(action, description, losers, [], losers, records, iterations, (note, params))
            for c in losers:
                self.state[c] = EXCLUDED
                self.kf[c] = 0
            redistribute = True
        if self.vacancies() > 0 and self.hopeful():
            # C.1: elect the remaining hopefuls, showing where an excluded candidate's votes went.
            if redistribute:
                self.distribute()
                self.compute_quota()
            rest = _by_vote(self.hopeful(), self.votes)
            for c in rest:
                self.state[c] = ELECTED
                self.elected.append(c)
            self.record(
                LAST_VACANCIES,
                f"last vacancies: {_names(self.field, rest)} elected",
                rest,
                rest,
                [],
                [],
                None,
                (LAST_VACANCIES, {"elected": _name_list(self.field, rest)}),
            )
        for c in self.hopeful():
            self.state[c] = EXCLUDED  # C.2: defeat the remaining hopefuls
        return self.elected


_END = 255  # in a _MeekTree path: "no hopeful candidate follows" (the rest of the ballot is excess)


class _MeekTree:
    """Meek's ballots grouped by the path their weight takes (§2.6.3, step 1).

    A ballot gives ``w x kf`` to each candidate in turn: a defeated or withdrawn candidate (kf 0)
    takes nothing, an elected one takes part, and the first hopeful one (kf 1) takes the rest. So
    the ballot's *path* is the elected candidates it meets before its first hopeful one, then that
    hopeful one (or ``_END`` when none follows). Ballots on one path share every figure, and paths
    share their prefixes: a tree of the prefixes computes each weight once per pass.

    The paths change only when a candidate's state does. Then only the ballots whose path ends at
    that candidate (it was their first hopeful one) are read again, at C speed
    (``bytes.translate`` drops the defeated candidates, a second one marks the hopeful ones).
    """

    def __init__(self, rankings: Sequence[bytes], counts: Sequence[int], n: int):
        self.n = n
        self.groups: dict[bytes, tuple[list[bytes], list[int]]] = {}
        self.signature: tuple[str, ...] | None = None
        self.pending: tuple[list[bytes], list[int]] = (list(rankings), list(counts))

    def _paths(self, state: Sequence[str]) -> None:
        """Bring every ballot's path up to date with ``state``."""
        signature = tuple(state)
        if signature == self.signature:
            return
        self.signature = signature
        rankings, counts = self.pending
        self.pending = ([], [])
        for path in [p for p in self.groups if p[-1] != _END and state[p[-1]] != HOPEFUL]:
            moved = self.groups.pop(path)
            rankings += moved[0]
            counts += moved[1]
        skip = bytes(c for c in range(self.n) if state[c] in (EXCLUDED, WITHDRAWN))
        marks = bytes(_END if c < self.n and state[c] == HOPEFUL else c for c in range(256))
        # Each ranking without its defeated candidates, then _END; the path ends at the first
        # hopeful candidate or at that _END.
        kept = list(map(bytes.__add__, map(bytes.translate, rankings, repeat(None), repeat(skip)), repeat(b"\xff")))
        ends = map(bytes.find, map(bytes.translate, kept, repeat(marks)), repeat(b"\xff"))
        paths = map(bytes.__getitem__, kept, map(slice, repeat(None), map((1).__add__, ends)))
        groups = self.groups
        for path, ranking, papers in zip(paths, rankings, counts, strict=True):
            group = groups.get(path)
            if group is None:
                groups[path] = ([ranking], [papers])
            else:
                group[0].append(ranking)
                group[1].append(papers)
        self._build()

    def _build(self) -> None:
        """The prefix tree of the paths: nodes parents first, the papers through each node, and
        for each path's end the (node, papers) pairs that end there."""
        index: dict[bytes, int] = {b"": 0}
        parent, candidate, through = [0], [0], [0]
        ends: dict[int, tuple[list[int], list[int]]] = {}
        for path in sorted(self.groups, key=len):
            papers = sum(self.groups[path][1])
            node = 0
            through[0] += papers
            for depth in range(1, len(path)):
                prefix = path[:depth]
                found = index.get(prefix)
                if found is None:
                    found = index[prefix] = len(parent)
                    parent.append(node)
                    candidate.append(path[depth - 1])
                    through.append(0)
                through[found] += papers
                node = found
            nodes, weights = ends.setdefault(path[-1], ([], []))
            nodes.append(node)
            weights.append(papers)
        self.parent, self.candidate, self.through = parent, candidate, through
        self.ends = [(end, nodes, weights) for end, (nodes, weights) in sorted(ends.items())]

    def distribute(
        self, state: Sequence[str], kf: Sequence[int], K: int, unit: int, prf: bool
    ) -> tuple[list[int], int]:
        """Every candidate's votes and the excess, as integers scaled by ``unit``."""
        self._paths(state)
        votes = [0] * self.n
        parent, candidate, through = self.parent, self.candidate, self.through
        w = [unit] * len(parent)
        for node in range(1, len(parent)):
            c = candidate[node]
            left = w[parent[node]]
            keep = -(-left * kf[c] // K) if prf else left * kf[c] // K
            votes[c] += keep * through[node]
            w[node] = left - keep
        excess = 0
        for end, nodes, weights in self.ends:
            total = sum(map(int.__mul__, map(w.__getitem__, nodes), weights))
            if end == _END:
                excess = total
            else:
                votes[end] += total  # a hopeful candidate (kf 1) takes all that is left
        return votes, excess


def count_meek(
    ballots: Iterable[Ballot],
    seats: int,
    candidates: Sequence[str],
    *,
    variant: str = "exact",
    omega: Fraction | int | str | None = None,
    keep_factor_places: int = 30,
    defeat_sure_losers: bool = False,
    duplicate_rule: str = "first",
    overvote_rule: str = "exhaust",
    tie_break: TieBreak | None = None,
    withdrawn: Iterable[str] = (),
) -> CountResult:
    """Meek STV (§2.6.3).

    ``variant="exact"``: exact votes and quota, quota = votes/(S+1), elected strictly above it,
    iteration until the total surplus is below ``omega`` (default 10**-10, droop's parametric
    Meek), keep factors rounded up to ``keep_factor_places``. ``variant="prf"``: the PR
    Foundation Meek reference rule: 9 places rounded up, quota truncated plus 10**-9, elected at
    or above it, omega 10**-6, no batch defeats, ties by a predetermined order.
    ``defeat_sure_losers`` (exact only) defeats groups of certain losers while iterating, as
    droop's parametric Meek does by default.
    """
    if variant not in ("exact", "prf"):
        raise CountError("the Meek variant is 'exact' or 'prf'", "meek_variant")
    prf = variant == "prf"
    if prf and (omega is not None or defeat_sure_losers or keep_factor_places != 30):
        raise CountError(
            "the PR Foundation Meek rule fixes its precision and omega and has no batch defeats", "meek_prf_fixed"
        )
    try:
        omega_value = Fraction(1, 10**10) if omega is None else Fraction(omega)
    except (ValueError, TypeError, ZeroDivisionError):
        raise CountError(f"omega must be a positive number, not {omega!r}", "omega_number", value=repr(omega)) from None
    if omega_value <= 0:
        raise CountError("omega must be positive", "omega_positive")
    if isinstance(keep_factor_places, bool) or not isinstance(keep_factor_places, int) or keep_factor_places < 9:
        raise CountError("keep_factor_places must be a whole number of at least 9", "keep_factor_places")
    method = "meek-prf" if prf else "meek"
    field_ = _field(candidates, withdrawn)
    _check_seats(seats, field_)
    ranked = _prepare_ranked(ballots, field_, duplicate_rule, overvote_rule)
    places = 9 if prf else None
    ties = _Ties(tie_break or default_tie_break(method), field_, lambda v: format_value(v, places))
    count = _Meek(
        field_,
        ranked,
        seats,
        ties,
        prf=prf,
        omega=omega_value,
        keep_factor_places=keep_factor_places,
        defeat_sure_losers=defeat_sure_losers,
    )
    winners = count.run()
    options: dict[str, Any] = {"duplicate_rule": duplicate_rule, "overvote_rule": overvote_rule}
    if not prf:
        options.update(omega=omega_value, keep_factor_places=keep_factor_places, defeat_sure_losers=defeat_sure_losers)
    return _result(
        method=method,
        seats=seats,
        field_=field_,
        winners=winners,
        table=count.table,
        quota=count.table.stages[0].quota,
        summary=ranked.summary,
        ties=ties,
        places=places,
        options=options,
    )


# ---------------------------------------------------------------------------------------------
# One entry point
# ---------------------------------------------------------------------------------------------

_RANKED_OPTIONS = ("duplicate_rule", "overvote_rule")

# method -> (function, fixed keyword arguments, option names it accepts)
_METHODS: dict[str, tuple[Callable[..., CountResult], dict[str, Any], tuple[str, ...]]] = {
    "plurality": (count_plurality, {}, ("max_marks",)),
    "block": (count_plurality, {}, ("max_marks",)),
    "approval": (count_approval, {}, ("majority_required",)),
    "irv": (count_irv, {}, ("batch_elimination", *_RANKED_OPTIONS)),
    "scottish-stv": (count_scottish_stv, {}, _RANKED_OPTIONS),
    "wigm": (count_wigm, {"variant": "exact"}, ("defeat_sure_losers", *_RANKED_OPTIONS)),
    "wigm-prf": (count_wigm, {"variant": "prf"}, ("defeat_sure_losers", *_RANKED_OPTIONS)),
    "meek": (
        count_meek,
        {"variant": "exact"},
        ("omega", "keep_factor_places", "defeat_sure_losers", *_RANKED_OPTIONS),
    ),
    "meek-prf": (count_meek, {"variant": "prf"}, _RANKED_OPTIONS),
}
_ALIASES = {"stv": "scottish-stv", "scottish": "scottish-stv", "meek-exact": "meek", "wigm-exact": "wigm"}
METHODS = tuple(_METHODS)


def _canonical_method(method: str) -> str:
    name = _ALIASES.get(method, method)
    if name not in _METHODS:
        raise CountError(
            f"unknown counting method {method!r}; choose from {', '.join(METHODS)}", "method_unknown", method=method
        )
    return name


def method_options(method: str) -> tuple[str, ...]:
    """The option names (trust settings) that ``method`` accepts in :func:`count`."""
    return _METHODS[_canonical_method(method)][2]


def count(
    method: str,
    ballots: Iterable[Ballot | MarkBallot],
    seats: int,
    candidates: Sequence[str],
    *,
    tie_break: TieBreak | None = None,
    options: Mapping[str, Any] | None = None,
    withdrawn: Iterable[str] = (),
) -> CountResult:
    """Count ``ballots`` by ``method`` (one of ``METHODS``) for ``seats`` seats.

    ``options`` carries the method's settings by name (see :func:`method_options`); an unknown
    name is an error rather than silently ignored. ``tie_break`` defaults to
    :func:`default_tie_break` for the method.
    """
    name = _canonical_method(method)
    function, fixed, allowed = _METHODS[name]
    given = dict(options or {})
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise CountError(
            f"{name} does not take option {unknown[0]!r}; it takes {', '.join(allowed) or 'no options'}",
            "option_unknown",
            method=name,
            option=unknown[0],
            allowed=allowed,
        )
    kwargs: dict[str, Any] = {**fixed, **given, "withdrawn": withdrawn}
    kwargs["tie_break"] = tie_break or default_tie_break(name)
    if name == "irv":
        if seats != 1:
            raise CountError("instant runoff fills one seat; use an STV method for more", "irv_one_seat")
        return function(ballots, candidates, **kwargs)
    return function(ballots, seats, candidates, **kwargs)


# ---------------------------------------------------------------------------------------------
# A readable round table
# ---------------------------------------------------------------------------------------------


def round_table_grid(
    result: CountResult,
    *,
    candidate: str = "Candidate",
    stage: Callable[[int], str] = lambda number: f"Stage {number}",
    exhausted: str = "Exhausted",
    residual: str = "Residual",
    total: str = "Total",
    quota: str = "Quota",
) -> list[str]:
    """The count's grid as lines of text: candidates down the side, stages across, each figure marked "*"
    (elected at that stage) or "x" (excluded), then the exhausted, residual, total and quota rows. The
    words are the caller's (English by default; ``selectors.round_table_text`` gives them translated)."""
    fmt = result.format
    stages = result.stages
    running = [name for name in result.candidates if name not in result.withdrawn]
    header = [candidate] + [stage(s.number) for s in stages]
    rows = [header]
    for name in running:
        row = [name]
        for s in stages:
            mark = "  "
            if name in s.elected:
                mark = " *"
            elif name in s.excluded:
                mark = " x"
            row.append(fmt(s.votes[name]) + mark)
        rows.append(row)
    rows.append([exhausted] + [fmt(s.exhausted) + "  " for s in stages])
    rows.append([residual] + [fmt(s.residual) + "  " for s in stages])
    rows.append([total] + [fmt(s.total) + "  " for s in stages])
    if any(s.quota is not None for s in stages):
        rows.append([quota] + [fmt(s.quota) + "  " for s in stages])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return [
        "  ".join([row[0].ljust(widths[0])] + [cell.rjust(widths[i]) for i, cell in enumerate(row) if i]).rstrip()
        for row in rows
    ]


def format_round_table(result: CountResult) -> str:
    """The count as text: candidates down the side, stages across, then what each stage did."""
    fmt = result.format
    lines = [
        f"Method: {result.method}   Seats: {result.seats}   Valid ballots: {result.ballots.valid}"
        + (f"   Quota: {fmt(result.quota)}" if result.quota is not None else ""),
    ]
    if result.ballots.invalid:
        why = ", ".join(f"{reason} {n}" for reason, n in sorted(result.ballots.reasons.items()))
        lines.append(f"Rejected ballots: {result.ballots.invalid} ({why})")
    if result.withdrawn:
        lines.append(f"Withdrawn: {', '.join(result.withdrawn)}")
    lines.append("Elected, in order: " + (", ".join(result.winners) or "nobody"))
    lines.append("")
    lines.extend(round_table_grid(result))
    lines.append("")
    lines.append("* elected at that stage, x excluded at that stage")
    for s in result.stages:
        lines.append(f"Stage {s.number}: {s.description}")
        for tie in s.ties:
            lines.append(f"    tie {', '.join(tie.tied)} settled by {tie.rule}: {tie.explanation}")
    if result.random_order is not None:
        lines.append(f"Random tie order (seed {result.tie_break.seed}): {', '.join(result.random_order)}")
    return "\n".join(lines) + "\n"
