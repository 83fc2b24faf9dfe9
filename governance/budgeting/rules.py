"""Participatory budgeting rules: greedy by votes, greedy by votes per cost, and the Method of Equal Shares.

Pure: no Django import, no I/O, standard library only. An :class:`Election` (a budget, projects with a
cost, ballots) goes in and an :class:`Outcome` comes out: the funded projects *and* why each project was
funded or not (greedy: its place in the order and the budget left when its turn came; Equal Shares: the
round, the price per unit of utility and what each voter's share paid for it). docs/budgeting.md
explains the rules for the people who read the results.

Arithmetic is exact. Amounts (budget, costs) are :class:`~decimal.Decimal` in the currency's unit, as the
city publishes them; the rules compute in :class:`~fractions.Fraction`, so a voter's share
(budget / voters) and what it pays are exact rationals, never rounded. Only :func:`money` rounds, for
display, and says how.

Ties are broken as pabutools breaks them by default (``lexico_tie_breaking``): among projects with the
same score (greedy) or the same price per unit of utility (Equal Shares), the one whose id comes first
in plain string order (``"10" < "9"``) goes first. The results are compared with pabutools' on real
Pabulib files in tests/governance/budgeting/.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from itertools import pairwise
from typing import Literal

__all__ = [
    "COMPLETIONS",
    "REASONS",
    "VOTE_TYPES",
    "Ballot",
    "Election",
    "ElectionError",
    "Outcome",
    "ProjectResult",
    "RuleError",
    "VoterGroup",
    "equal_shares",
    "greedy",
    "money",
    "scores",
]

VOTE_TYPES = ("approval", "cumulative", "ordinal")
Completion = Literal["none", "add1", "greedy", "add1_greedy"]
COMPLETIONS: tuple[Completion, ...] = ("none", "add1", "greedy", "add1_greedy")

# Why a project was or was not funded: the code a results page words, with its English gloss.
REASONS = {
    "funded": "funded in its turn: it fitted in what was left of the budget",
    "does_not_fit": "it cost more than was left of the budget when its turn came",
    "after_stop": "the count stopped at the first project that did not fit",
    "equal_shares": "its supporters' equal shares paid for it",
    "unaffordable": "its supporters' shares left were less than its cost",
    "completion": "funded by the greedy completion, from the budget Equal Shares left",
    "no_support": "no voter supported it",
}


class ElectionError(ValueError):
    """An election the rules cannot take (a ballot naming an unknown project, a negative cost...)."""


class RuleError(ValueError):
    """A rule asked of an election it does not apply to (Equal Shares on ranked ballots)."""


def _amount(value: Decimal | int, what: str) -> Decimal:
    # bool is an int; a float would carry binary rounding into the money.
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise ElectionError(f"{what} must be a Decimal or an int, not {value!r}")
    value = Decimal(value)
    if not value.is_finite() or value < 0:
        raise ElectionError(f"{what} must be a finite amount of at least 0, not {value}")
    return value


@dataclass(frozen=True, slots=True)
class Project:
    """A project on the ballot: its id (unique in the election) and its cost, in the currency's unit."""

    id: str
    cost: Decimal

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise ElectionError(f"a project's id must be non-empty text, not {self.id!r}")
        object.__setattr__(self, "cost", _amount(self.cost, f"the cost of project {self.id}"))


@dataclass(frozen=True, slots=True)
class Ballot:
    """One voter's ballot, or ``count`` identical ones.

    ``projects``: approval, the projects approved; cumulative, the projects given points, with
    ``points`` in the same order; ordinal, the ranking, best first.
    """

    projects: tuple[str, ...]
    points: tuple[int, ...] = ()
    count: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "projects", tuple(self.projects))
        object.__setattr__(self, "points", tuple(self.points))


@dataclass(frozen=True)
class Election:
    """What the rules need: the vote type, the budget, the projects and the ballots."""

    vote_type: str
    budget: Decimal
    projects: tuple[Project, ...]
    ballots: tuple[Ballot, ...]
    _costs: dict[str, Decimal] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.vote_type not in VOTE_TYPES:
            raise ElectionError(f"the vote type must be one of {', '.join(VOTE_TYPES)}, not {self.vote_type!r}")
        object.__setattr__(self, "budget", _amount(self.budget, "the budget"))
        object.__setattr__(self, "projects", tuple(self.projects))
        object.__setattr__(self, "ballots", tuple(self.ballots))
        ids = [p.id for p in self.projects]
        if len(set(ids)) != len(ids):
            twice = sorted(i for i, n in Counter(ids).items() if n > 1)
            raise ElectionError(f"two projects have the id {twice[0]}")
        known = set(ids)
        cumulative = self.vote_type == "cumulative"
        for number, ballot in enumerate(self.ballots, 1):
            if not isinstance(ballot, Ballot):
                raise ElectionError(f"ballot {number} is not a Ballot")
            if isinstance(ballot.count, bool) or not isinstance(ballot.count, int) or ballot.count < 1:
                raise ElectionError(f"ballot {number}: the count must be a whole number of at least 1")
            unknown = [p for p in ballot.projects if p not in known]
            if unknown:
                raise ElectionError(f"ballot {number} names an unknown project {unknown[0]}")
            if len(set(ballot.projects)) != len(ballot.projects):
                raise ElectionError(f"ballot {number} names a project twice")
            if not cumulative and ballot.points:
                raise ElectionError(f"ballot {number}: only cumulative ballots give points")
            if cumulative:
                if len(ballot.points) != len(ballot.projects):
                    raise ElectionError(f"ballot {number}: one number of points for each project")
                if any(isinstance(x, bool) or not isinstance(x, int) or x < 1 for x in ballot.points):
                    raise ElectionError(f"ballot {number}: points must be whole numbers of at least 1")

        object.__setattr__(self, "_costs", {p.id: p.cost for p in self.projects})

    @property
    def voters(self) -> int:
        return sum(b.count for b in self.ballots)

    def cost(self, project: str) -> Decimal:
        """The cost of the project with this id."""
        return self._costs[project]


def money(value: Fraction | Decimal | int, places: int = 2) -> Decimal:
    """An exact amount rounded for display: to ``places`` decimals, half to even (banker's rounding).

    Only for showing an Equal Shares payment (a rational such as 1,000,000 / 6,586); the outcome keeps the
    exact value, so sums shown rounded may differ from the rounded sum by a cent or so.
    """
    value = Fraction(value)
    quantum = Decimal(1).scaleb(-places)
    # Exact: numerator / denominator computed to enough digits, then rounded once.
    scaled = Fraction(value.numerator * 10**places, value.denominator)
    whole, rest = divmod(scaled.numerator, scaled.denominator)
    twice = 2 * rest
    if twice > scaled.denominator or (twice == scaled.denominator and whole % 2):
        whole += 1
    return (Decimal(whole) * quantum).quantize(quantum, rounding=ROUND_HALF_EVEN)


# --------------------------------------------------------------------------------------------------
# Outcome
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VoterGroup:
    """Voters whose ballots are identical (Equal Shares counts them together; they pay the same).

    ``left``: what each voter of the group still had of their share at the end.
    """

    ballot: Ballot
    left: Fraction


@dataclass(frozen=True)
class ProjectResult:
    """One project in an outcome, with the facts that explain it (``reason`` is a key of REASONS).

    Greedy: ``position`` (1 = considered first), ``score`` (votes, points, Borda points, or these per unit
    of cost) and ``budget_before`` (what was left of the budget when its turn came).

    Equal Shares: ``round`` (1 = funded first), ``price`` (ρ: each supporter paid ρ × their utility for
    it, or all they had left if that was less), ``payments`` ((voter group, what each voter of that group
    paid), groups indexing ``Outcome.groups``), and for an unfunded project ``supporters_left`` (what its
    supporters had left in all at the end: less than its cost).
    """

    project: str
    cost: Decimal
    funded: bool
    reason: str
    position: int | None = None
    score: Fraction | None = None
    budget_before: Decimal | None = None
    round: int | None = None
    price: Fraction | None = None
    payments: tuple[tuple[int, Fraction], ...] = ()
    supporters_left: Fraction | None = None

    def paid_by_groups(self, groups: tuple[VoterGroup, ...]) -> Fraction:
        """What the voters paid for it in all (equal to its cost for a project funded by Equal Shares)."""
        return sum((amount * groups[g].ballot.count for g, amount in self.payments), Fraction(0))


@dataclass(frozen=True)
class Outcome:
    """The result of a rule: the funded projects in the order they were funded, and every project's story.

    ``projects`` lists every project: for greedy in the order considered, for Equal Shares the funded ones
    in the order funded, then the others by id. ``spent`` + ``left_over`` = ``budget``.

    Equal Shares only: ``share`` (each voter's share in the run that was kept: budget / voters, plus
    ``steps`` units with the add1 completion), ``steps``, ``stop`` (why add1 stopped: "exhaustive" when no
    further project would fit, "overspent" when the next step's outcome cost more than the budget, "" without
    add1) and ``groups`` (the voter groups the payments refer to).
    """

    rule: str
    budget: Decimal
    funded: tuple[str, ...]
    projects: tuple[ProjectResult, ...]
    spent: Decimal
    left_over: Decimal
    share: Fraction | None = None
    steps: int = 0
    stop: str = ""
    groups: tuple[VoterGroup, ...] = field(default=(), repr=False)

    def result(self, project: str) -> ProjectResult:
        return next(r for r in self.projects if r.project == project)

    def paid_by(self, group: int) -> dict[str, Fraction]:
        """Equal Shares: what each voter of a group paid, project by project (a results page's "your share")."""
        return {r.project: amount for r in self.projects for g, amount in r.payments if g == group}


# --------------------------------------------------------------------------------------------------
# Scores and greedy
# --------------------------------------------------------------------------------------------------


def scores(election: Election) -> dict[str, int]:
    """Each project's score for the greedy rules.

    Approval: the number of voters who approved it. Cumulative: the points it received. Ordinal: Borda
    points, a project ranked r-th (1 = first) scoring (number of projects − r + 1), an unranked one 0: a
    choice of ours (pabutools' Borda satisfaction gives the last-ranked project 0, so a one-project ballot
    would count for nothing), documented in docs/budgeting.md.
    """
    totals = dict.fromkeys((p.id for p in election.projects), 0)
    if election.vote_type == "approval":
        for ballot in election.ballots:
            for project in ballot.projects:
                totals[project] += ballot.count
    elif election.vote_type == "cumulative":
        for ballot in election.ballots:
            for project, points in zip(ballot.projects, ballot.points, strict=True):
                totals[project] += points * ballot.count
    else:
        top = len(election.projects)
        for ballot in election.ballots:
            for rank, project in enumerate(ballot.projects):
                totals[project] += (top - rank) * ballot.count
    return totals


_INFINITE = Fraction(10) ** 100  # stands for a positive score over a zero cost: always first


def _density(score: int, cost: Decimal) -> Fraction:
    # pabutools' satisfaction density: a free project with support comes first, one without support scores 0.
    if cost == 0:
        return _INFINITE if score > 0 else Fraction(0)
    return Fraction(score) / Fraction(cost)


def greedy(
    election: Election,
    *,
    by: Literal["votes", "votes_per_cost"] = "votes",
    stop_at_first_misfit: bool = False,
    budget: Decimal | None = None,
    funded: Iterable[str] = (),
) -> Outcome:
    """Fund projects in order of score (see :func:`scores`), highest first, while they fit the budget.

    ``by="votes"``: the score itself (the rule of most cities). ``by="votes_per_cost"``: score divided by
    cost. Equal scores go by project id in string order. A project that costs more than what is left is
    skipped and the next ones are tried (``stop_at_first_misfit=False``, pabutools' greedy), or the count
    stops there (``True``: the cities that fund the list "down to the first project that does not fit").

    ``budget`` and ``funded`` are for completing another rule's outcome: the projects already funded are
    left out and ``budget`` is what remains (default: the election's budget, nothing funded).
    """
    if by not in ("votes", "votes_per_cost"):
        raise RuleError(f"greedy ranks by 'votes' or 'votes_per_cost', not {by!r}")
    done = set(funded)
    left = election.budget if budget is None else _amount(budget, "the budget")
    totals = scores(election)
    candidates = [p for p in election.projects if p.id not in done]
    if by == "votes":
        order = sorted(candidates, key=lambda p: (-totals[p.id], p.id))
        score_of = {p.id: Fraction(totals[p.id]) for p in candidates}
    else:
        score_of = {p.id: _density(totals[p.id], p.cost) for p in candidates}
        order = sorted(candidates, key=lambda p: (-score_of[p.id], p.id))
    results: list[ProjectResult] = []
    chosen: list[str] = []
    stopped = False
    for position, project in enumerate(order, 1):
        fits = not stopped and project.cost <= left
        if fits:
            reason = "funded"
        elif stopped:
            reason = "after_stop"
        else:
            reason = "does_not_fit"
            stopped = stop_at_first_misfit
        results.append(
            ProjectResult(
                project=project.id,
                cost=project.cost,
                funded=fits,
                reason=reason,
                position=position,
                score=score_of[project.id],
                budget_before=left,
            )
        )
        if fits:
            chosen.append(project.id)
            left -= project.cost
    rule = f"greedy_{by}" + ("_stop" if stop_at_first_misfit else "")
    spent = sum((election.cost(p) for p in chosen), Decimal(0))
    return Outcome(
        rule=rule,
        budget=election.budget,
        funded=tuple(chosen),
        projects=tuple(results),
        spent=spent,
        left_over=election.budget - spent,
    )


# --------------------------------------------------------------------------------------------------
# The Method of Equal Shares
# --------------------------------------------------------------------------------------------------


@dataclass
class _Prepared:
    """The election as Equal Shares computes on it, built once for every add1 step.

    A voter's utility for a project is ``weight × unit``: for approval the weight is 1 and the unit the
    project's cost (cost utilities); for cumulative the weight is the points and the unit 1. Keeping the
    weights small integers lets the hot loop key its tables by integers instead of hashing fractions.
    """

    groups: list[Ballot]  # identical ballots merged
    counts: list[int]
    costs: dict[str, Fraction]
    units: dict[str, Fraction]
    supporters: dict[str, list[tuple[int, int]]]  # project -> [(group, weight)]
    supported: list[str]  # projects with support and a positive cost, by id
    free: list[str]  # projects with support and no cost: funded before the rounds, as pabutools does
    ballots_of: list[list[tuple[str, int]]]  # group -> [(project, weight)]
    span: int  # more than any weight: a level's key is state × span + weight


def _prepare(election: Election) -> _Prepared:
    if election.vote_type == "ordinal":
        raise RuleError(
            "Equal Shares needs each voter's utility for each project (approval: the cost; cumulative: the"
            " points); a ranking does not give one, so ordinal ballots are not counted by Equal Shares"
        )
    approval = election.vote_type == "approval"
    merged: dict[tuple, int] = defaultdict(int)
    first: dict[tuple, Ballot] = {}
    for ballot in election.ballots:
        key = (
            tuple(sorted(ballot.projects))
            if approval
            else tuple(sorted(zip(ballot.projects, ballot.points, strict=True)))
        )
        merged[key] += ballot.count
        first.setdefault(key, ballot)
    groups = [replace(first[key], count=count) for key, count in merged.items()]
    counts = [g.count for g in groups]
    costs = {p.id: Fraction(p.cost) for p in election.projects}
    units = costs if approval else dict.fromkeys(costs, Fraction(1))
    supporters: dict[str, list[tuple[int, int]]] = {p.id: [] for p in election.projects}
    ballots_of: list[list[tuple[str, int]]] = []
    span = 2
    for index, ballot in enumerate(groups):
        weights = [1] * len(ballot.projects) if approval else ballot.points
        mine = []
        for project, weight in zip(ballot.projects, weights, strict=True):
            supporters[project].append((index, weight))
            mine.append((project, weight))
            span = max(span, weight + 1)
        ballots_of.append(mine)
    # A project whose cost is 0 gives cost utility 0 to its approvers: pabutools counts it as unsupported.
    supported = sorted(p for p, s in supporters.items() if s and costs[p] > 0)
    free = sorted(p for p, s in supporters.items() if s and costs[p] == 0 and not approval)
    return _Prepared(groups, counts, costs, units, supporters, supported, free, ballots_of, span)


@dataclass
class _Run:
    funded: list[str]
    spent: Fraction
    rounds: dict[str, tuple[int, Fraction, list[tuple[int, Fraction]]]]  # project -> (round, ρ, payments)
    left: list[Fraction]  # per group, each voter's share left


def _price(
    cost: Fraction, levels: Mapping[int, int], values: list[Fraction], approx: list[float], span: int
) -> Fraction | None:
    """The least ρ' at which the supporters pay ``cost``, each paying min(share left, ρ' × weight).

    ``levels`` maps state × span + weight to the number of supporters in that state with that weight;
    ``values`` gives each state's share left (``approx``: the same as floats). None: they cannot pay it.
    """
    if len(levels) == 1:
        ((key, n),) = levels.items()
        state, weight = divmod(key, span)
        if n * values[state] < cost:
            return None
        return cost / (n * weight)
    # The supporters from the poorest (share left per unit of weight) up. Floats order them fast; where two
    # floats are too close to be trusted (or out of order), the exact values decide.
    entries = [(approx[key // span] / (key % span), key // span, key % span, n) for key, n in levels.items()]
    entries.sort()
    for a, b in pairwise(entries):
        if b[0] - a[0] <= 1e-9 * abs(b[0]) and values[a[1]] / a[2] > values[b[1]] / b[2]:
            entries.sort(key=lambda e: values[e[1]] / e[2])
            break
    paid = Fraction(0)
    total = sum(weight * n for _, _, weight, n in entries)
    for _, state, weight, n in entries:
        left = values[state]
        rho = (cost - paid) / total
        if rho * weight <= left:
            return rho
        paid += n * left
        total -= n * weight
    return None


def _run(prepared: _Prepared, share: Fraction) -> _Run:
    """One run of Equal Shares with every voter starting with ``share``."""
    counts, costs, units, span = prepared.counts, prepared.costs, prepared.units, prepared.span
    supporters, ballots_of = prepared.supporters, prepared.ballots_of
    # Voters' shares left are few distinct values ("states"): voters who paid the same amounts share one.
    values = [share]
    approx = [float(share)]
    interned = {share: 0}  # equal shares left are one state, so supporters' levels stay few
    state = [0] * len(counts)
    levels: dict[str, dict[int, int]] = {}
    for project in prepared.supported:
        level: dict[int, int] = defaultdict(int)
        for g, weight in supporters[project]:
            level[weight] += counts[g]
        levels[project] = level
    # Shares only go down, so a price found in an earlier round is a lower bound of the price now.
    bound = {p: costs[p] / (units[p] * sum(counts[g] * w for g, w in supporters[p])) for p in prepared.supported}
    candidates = set(prepared.supported)
    funded = list(prepared.free)
    spent = Fraction(0)
    rounds: dict[str, tuple[int, Fraction, list[tuple[int, Fraction]]]] = {}
    number = 0
    while candidates:
        best: Fraction | None = None
        tied: list[str] = []
        for project in sorted(candidates, key=lambda p: (bound[p], p)):
            if best is not None and bound[project] > best:
                break
            per_weight = _price(costs[project], levels[project], values, approx, span)
            if per_weight is None:
                candidates.discard(project)  # shares only shrink: it will never be affordable again
                continue
            rho = per_weight / units[project]
            bound[project] = rho
            if best is None or rho < best:
                best, tied = rho, [project]
            elif rho == best:
                tied.append(project)
        if best is None:
            break
        chosen = min(tied)  # pabutools' default tie-breaking: the first id in string order
        number += 1
        candidates.discard(chosen)
        del levels[chosen]
        per_weight = best * units[chosen]
        moved: dict[int, tuple[int, Fraction]] = {}  # (state × span + weight) -> (new state, payment)
        payments = []
        for g, weight in supporters[chosen]:
            old = state[g]
            key = old * span + weight
            step = moved.get(key)
            if step is None:
                pay = min(values[old], per_weight * weight)
                after = values[old] - pay
                new = interned.get(after)
                if new is None:
                    new = interned[after] = len(values)
                    values.append(after)
                    approx.append(float(after))
                step = moved[key] = (new, pay)
            new, pay = step
            state[g] = new
            payments.append((g, pay))
            if new == old:
                continue
            n = counts[g]
            shift = (new - old) * span
            for other, w in ballots_of[g]:
                level = levels.get(other)
                if level is not None:
                    before = old * span + w
                    remaining = level[before] - n
                    if remaining:
                        level[before] = remaining
                    else:
                        del level[before]
                    level[before + shift] += n
        funded.append(chosen)
        spent += costs[chosen]
        rounds[chosen] = (number, best, payments)
    return _Run(funded, spent, rounds, [values[s] for s in state])


def equal_shares(election: Election, *, completion: Completion = "add1") -> Outcome:
    """The Method of Equal Shares, with cost utilities (approval) or points as utilities (cumulative).

    Every voter gets an equal share of the budget. In each round the project that its supporters can pay
    for at the lowest price per unit of utility ρ is funded; each supporter pays ρ × their utility for it
    (the project's cost for an approval, the points given for a cumulative ballot), or all they have left
    if that is less. It stops when no project's supporters can pay for it.

    ``completion`` (docs/budgeting.md, "Completion"):

    - ``"none"``: one run with shares of budget / voters (usually leaves money unspent);
    - ``"add1"`` (Wieliczka 2023; pabutools' ``voter_budget_increment=1``): run again with each share one
      unit larger (the virtual budget larger by the number of voters) until no further project would fit
      in the real budget, or until the outcome would cost more than the real budget; then the last outcome
      that fits is kept;
    - ``"greedy"``: one run, then :func:`greedy` by votes on the budget left;
    - ``"add1_greedy"``: add1, then greedy by votes on the budget left (equalshares.net's recommendation).
    """
    if completion not in COMPLETIONS:
        raise RuleError(f"completion must be one of {', '.join(COMPLETIONS)}, not {completion!r}")
    prepared = _prepare(election)
    voters = sum(prepared.counts)
    budget = Fraction(election.budget)
    supported = set(prepared.supported)
    if voters == 0:
        run, share = _Run([], Fraction(0), {}, []), None
    else:
        share = budget / voters
        run = _run(prepared, share)
    steps, stop = 0, ""
    if completion in ("add1", "add1_greedy") and voters:
        while True:
            remaining = budget - run.spent
            open_ = [p for p in supported if p not in run.rounds and prepared.costs[p] <= remaining]
            if not open_:
                stop = "exhaustive"
                break
            following = _run(prepared, share + 1)
            if following.spent > budget:
                stop = "overspent"
                break
            run, share, steps = following, share + 1, steps + 1

    groups = tuple(VoterGroup(ballot, left) for ballot, left in zip(prepared.groups, run.left, strict=True))
    results: list[ProjectResult] = []
    for project in run.funded:
        if project in run.rounds:
            number, rho, payments = run.rounds[project]
            results.append(
                ProjectResult(
                    project=project,
                    cost=election.cost(project),
                    funded=True,
                    reason="equal_shares",
                    round=number,
                    price=rho,
                    payments=tuple(payments),
                )
            )
        else:  # a free project with support
            results.append(ProjectResult(project, election.cost(project), True, "equal_shares", round=0))
    spent = sum((election.cost(p) for p in run.funded), Decimal(0))
    funded = list(run.funded)
    unfunded = sorted(p.id for p in election.projects if p.id not in set(funded))
    if completion in ("greedy", "add1_greedy"):
        filling = greedy(election, budget=election.budget - spent, funded=funded)
        later = {r.project: r for r in filling.projects}
        for project in filling.funded:
            results.append(replace(later[project], reason="completion"))
        funded += filling.funded
        spent += filling.spent
        unfunded = [p for p in unfunded if p not in set(filling.funded)]
    for project in unfunded:
        if project in supported:
            owed = sum((run.left[g] * prepared.counts[g] for g, _ in prepared.supporters[project]), Fraction(0))
            results.append(ProjectResult(project, election.cost(project), False, "unaffordable", supporters_left=owed))
        else:
            results.append(ProjectResult(project, election.cost(project), False, "no_support"))
    return Outcome(
        rule=f"equal_shares_{completion}",
        budget=election.budget,
        funded=tuple(funded),
        projects=tuple(results),
        spent=spent,
        left_over=election.budget - spent,
        share=share,
        steps=steps,
        stop=stop,
        groups=groups,
    )
