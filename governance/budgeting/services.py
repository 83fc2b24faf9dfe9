"""Services of participatory budgeting: budgets, projects and their review, phases, ballots, .pb import and
export, the result and its certification.

A budget goes proposals → review → vote → result. Each service names the phase it needs and refuses
otherwise; every refusal is a ``ValidationError`` on the field concerned (or ``PermissionDenied`` for a
caller who may not), and nothing is saved: each service is one transaction. The rules themselves are the
pure ``governance.budgeting.rules``; the .pb format is ``governance.budgeting.pabulib``.

``actor=None`` is a management command (the demo loader): trusted like staff.
"""

from __future__ import annotations

import secrets
import uuid
from collections import Counter
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clt import roles
from clt.history import actor_or_none, save_stamped, stamp
from clt.models import Person
from governance.budgeting import outcome as outcome_json
from governance.budgeting import rules
from governance.budgeting.models import (
    BallotType,
    BudgetBallot,
    BudgetPhase,
    BudgetProject,
    BudgetResult,
    BudgetRule,
    ParticipatoryBudget,
    ReviewStatus,
)
from governance.budgeting.pabulib import (
    PabulibError,
    PabulibFile,
    PabulibProject,
    PabulibVoter,
    read_pabulib,
    write_pabulib,
)

__all__ = [
    "BUDGET_FIELDS",
    "ballot_problem",
    "ballot_record",
    "budget_advance",
    "budget_create",
    "budget_election",
    "budget_export",
    "budget_import",
    "project_propose",
    "project_review",
    "result_certify",
    "result_compute",
]

PHASES = [BudgetPhase.PROPOSALS, BudgetPhase.REVIEW, BudgetPhase.VOTE, BudgetPhase.RESULT]
BUDGET_FIELDS = (
    "name",
    "description",
    "fund",
    "fund_other",
    "amount",
    "currency",
    "ballot_type",
    "min_projects",
    "max_projects",
    "max_total_cost",
    "points_total",
    "rule",
)
VOTE_TYPES = {BallotType.APPROVAL: "approval", BallotType.CUMULATIVE: "cumulative", BallotType.RANKING: "ordinal"}
BALLOT_TYPES = {v: k for k, v in VOTE_TYPES.items()}
# The .pb file's ``rule`` for each of ours, and back (a file's other rules import as Equal Shares).
PB_RULES = {
    BudgetRule.EQUAL_SHARES: "equalshares/add1",
    BudgetRule.GREEDY_SKIP: "greedy",
    BudgetRule.GREEDY_STOP: "greedy-stop",
    BudgetRule.GREEDY_PER_COST: "greedy-cost",
}
RULES_FROM_PB = {v: k for k, v in PB_RULES.items()}


def _is_staff(actor: Any) -> bool:
    return actor is None or roles.is_staff_member(actor)


def _require_staff(actor: Any) -> None:
    if not _is_staff(actor):
        raise PermissionDenied(_("Only staff may do this."))


def _locked(budget: ParticipatoryBudget) -> ParticipatoryBudget:
    return ParticipatoryBudget.objects.select_for_update().get(pk=budget.pk)


def _require_phase(budget: ParticipatoryBudget, *phases: str) -> None:
    if budget.phase not in phases:
        labels = ", ".join(str(BudgetPhase(p).label) for p in phases)
        raise ValidationError(
            {
                "phase": [
                    _("The budget is at “%(phase)s”; this needs: %(needed)s.")
                    % {"phase": budget.get_phase_display(), "needed": labels}
                ]
            }
        )


def _check_budget(budget: ParticipatoryBudget) -> None:
    errors: dict[str, list[str]] = {}
    if budget.min_projects and budget.max_projects and budget.min_projects > budget.max_projects:
        errors["min_projects"] = [_("The fewest projects cannot be more than the most projects.")]
    if budget.ballot_type == BallotType.CUMULATIVE and not budget.points_total:
        errors["points_total"] = [_("A cumulative ballot needs the number of points each voter shares out.")]
    if budget.ballot_type != BallotType.CUMULATIVE and budget.points_total:
        errors["points_total"] = [_("Only a cumulative ballot shares out points.")]
    if budget.ballot_type == BallotType.RANKING and budget.rule == BudgetRule.EQUAL_SHARES:
        errors["rule"] = [_("Equal Shares needs approval or cumulative ballots: a ranking gives no shares.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def budget_create(*, actor: Any, reason: str = "", **fields: Any) -> ParticipatoryBudget:
    """A budget, open for proposals. Staff only."""
    _require_staff(actor)
    unknown = set(fields) - set(BUDGET_FIELDS)
    if unknown:
        raise ValidationError({name: [_("Not a field of a budget.")] for name in sorted(unknown)})
    budget = ParticipatoryBudget(**{k: v for k, v in fields.items() if v is not None})
    _check_budget(budget)
    return save_stamped(budget, actor=actor, reason=reason or _("Budget created"))


def _next_code(budget: ParticipatoryBudget) -> str:
    codes = [int(c) for c in budget.projects.values_list("code", flat=True) if c.isdigit()]
    return str(max(codes, default=0) + 1)


@transaction.atomic
def project_propose(
    *,
    actor: Any,
    budget: ParticipatoryBudget,
    title: str,
    cost: Decimal,
    description: str = "",
    proposer: Person | None = None,
) -> BudgetProject:
    """A project proposed for ``budget`` while proposals are open: by a member (its proposer is their own
    record) or by staff (for a member, or for the trust)."""
    budget = _locked(budget)
    _require_phase(budget, BudgetPhase.PROPOSALS)
    if not _is_staff(actor):
        if not roles.is_member(actor):
            raise PermissionDenied(_("Only members propose projects."))
        proposer = Person.objects.filter(user=actor).first()
    if cost is None or cost < 0:
        raise ValidationError({"cost": [_("The cost must be an amount of at least 0.")]})
    if cost > budget.amount:
        raise ValidationError({"cost": [_("The cost is more than the whole budget: it could never be funded.")]})
    project = BudgetProject(
        budget=budget,
        code=_next_code(budget),
        title=(title or "").strip(),
        description=description or "",
        cost=cost,
        proposer=proposer,
    )
    return save_stamped(project, actor=actor, reason=_("Project proposed"))


@transaction.atomic
def project_review(*, actor: Any, project: BudgetProject, status: str, reason: str = "") -> BudgetProject:
    """Staff accept a project for the ballot or refuse it, saying why (the proposer reads the reason)."""
    _require_staff(actor)
    budget = _locked(project.budget)
    _require_phase(budget, BudgetPhase.PROPOSALS, BudgetPhase.REVIEW)
    project = BudgetProject.objects.select_for_update().get(pk=project.pk)
    if status not in (ReviewStatus.ACCEPTED, ReviewStatus.REFUSED):
        raise ValidationError({"status": [_("A review accepts or refuses the project.")]})
    reason = (reason or "").strip()
    if status == ReviewStatus.REFUSED and not reason:
        raise ValidationError({"reason": [_("Say why the project is refused: its proposer will read it.")]})
    project.status = status
    project.refusal_reason = reason if status == ReviewStatus.REFUSED else ""
    project.reviewed_by = actor_or_none(actor)
    project.reviewed_at = timezone.now()
    return save_stamped(project, actor=actor, reason=reason or _("Project accepted"))


def _shuffle_box(budget: ParticipatoryBudget) -> int:
    # As ``ballot_box.shuffle_contest``: every ballot rewritten in one random order with fresh random ids, so
    # neither the ids nor the table's physical order keep the order ballots were entered in.
    rows = list(BudgetBallot.objects.select_for_update().filter(budget=budget).values_list("pk", "projects", "points"))
    BudgetBallot.objects.filter(pk__in=[pk for pk, _p, _q in rows]).delete()
    ballots = [(projects, points) for _pk, projects, points in rows]
    _insert_shuffled(budget, ballots)
    return len(ballots)


def _insert_shuffled(budget: ParticipatoryBudget, ballots: list[tuple[list[str], list[int]]]) -> None:
    secrets.SystemRandom().shuffle(ballots)
    BudgetBallot.objects.bulk_create(
        [BudgetBallot(id=uuid.uuid4(), budget=budget, projects=p, points=q) for p, q in ballots], batch_size=2000
    )


@transaction.atomic
def budget_advance(*, actor: Any, budget: ParticipatoryBudget, reason: str = "") -> ParticipatoryBudget:
    """The next phase. To review: at least one project. To the vote: every project reviewed and at least one
    accepted. To the result: at least one ballot; the ballot box is shuffled and the result computed."""
    _require_staff(actor)
    budget = _locked(budget)
    index = PHASES.index(BudgetPhase(budget.phase))
    if index == len(PHASES) - 1:
        raise ValidationError({"phase": [_("The budget has its result: there is no next phase.")]})
    target = PHASES[index + 1]
    statuses = Counter(budget.projects.values_list("status", flat=True))
    if target == BudgetPhase.REVIEW and not statuses:
        raise ValidationError({"phase": [_("No project has been proposed: there is nothing to review.")]})
    if target == BudgetPhase.VOTE:
        if statuses[ReviewStatus.PROPOSED]:
            raise ValidationError(
                {"phase": [_("%(n)s project(s) still await review.") % {"n": statuses[ReviewStatus.PROPOSED]}]}
            )
        if not statuses[ReviewStatus.ACCEPTED]:
            raise ValidationError({"phase": [_("No project was accepted: the ballot would be empty.")]})
    if target == BudgetPhase.RESULT:
        if not budget.ballots.exists():
            raise ValidationError({"phase": [_("No ballot has been recorded.")]})
        _shuffle_box(budget)
    budget.phase = target
    save_stamped(budget, actor=actor, reason=reason or _("Moved to “%(phase)s”") % {"phase": target.label})
    if target == BudgetPhase.RESULT:
        result_compute(actor=actor, budget=budget)
    return budget


def ballot_problem(
    budget: ParticipatoryBudget, costs: dict[str, Decimal], projects: list[str], points: list[int]
) -> str | None:
    """Why a ballot breaks the budget's ballot rules (in words for the person entering it), or None."""
    if not projects:
        return _("The ballot marks no project.")
    unknown = [p for p in projects if p not in costs]
    if unknown:
        return _("Project %(code)s is not on the ballot.") % {"code": unknown[0]}
    if len(set(projects)) != len(projects):
        return _("The ballot names a project twice.")
    if budget.min_projects and len(projects) < budget.min_projects:
        return _("The ballot marks %(n)s project(s); at least %(min)s are needed.") % {
            "n": len(projects),
            "min": budget.min_projects,
        }
    if budget.max_projects and len(projects) > budget.max_projects:
        return _("The ballot marks %(n)s project(s); at most %(max)s are allowed.") % {
            "n": len(projects),
            "max": budget.max_projects,
        }
    total = sum((costs[p] for p in projects), Decimal(0))
    if budget.max_total_cost is not None and total > budget.max_total_cost:
        return _("The marked projects cost %(total)s in all; at most %(max)s is allowed.") % {
            "total": total,
            "max": budget.max_total_cost,
        }
    if budget.ballot_type == BallotType.CUMULATIVE:
        if len(points) != len(projects) or any(p < 1 for p in points):
            return _("Give each marked project a whole number of points, at least 1.")
        if budget.points_total and sum(points) > budget.points_total:
            return _("The ballot gives %(n)s points; each voter has %(max)s.") % {
                "n": sum(points),
                "max": budget.points_total,
            }
    elif points:
        return _("Only a cumulative ballot gives points.")
    return None


def _accepted_costs(budget: ParticipatoryBudget) -> dict[str, Decimal]:
    return dict(budget.projects.filter(status=ReviewStatus.ACCEPTED).values_list("code", "cost"))


@transaction.atomic
def ballot_record(
    *, actor: Any, budget: ParticipatoryBudget, projects: list[str], points: list[int] | None = None
) -> None:
    """A paper ballot entered by staff while the vote is open. Nothing of who voted is stored."""
    _require_staff(actor)
    budget = _locked(budget)
    _require_phase(budget, BudgetPhase.VOTE)
    points = list(points or [])
    problem = ballot_problem(budget, _accepted_costs(budget), list(projects), points)
    if problem:
        raise ValidationError({"projects": [problem]})
    BudgetBallot.objects.create(id=uuid.uuid4(), budget=budget, projects=list(projects), points=points)


def _pb_problem(error: PabulibError) -> ValidationError:
    return ValidationError(
        {"file": [_("The file cannot be read: %(error)s. Nothing was imported.") % {"error": error}]}
    )


@transaction.atomic
def budget_import(*, actor: Any, budget: ParticipatoryBudget, data: bytes | str) -> ParticipatoryBudget:
    """A Pabulib .pb file into an empty budget: its amount, ballot type and limits, its projects (accepted: the
    city reviewed them) and its ballots (shuffled in). The budget is then at the vote; advancing it counts.
    All or nothing: a problem names the file's line and nothing is stored."""
    _require_staff(actor)
    budget = _locked(budget)
    _require_phase(budget, BudgetPhase.PROPOSALS)
    if budget.projects.exists() or budget.ballots.exists():
        raise ValidationError({"file": [_("The budget already has projects: import into a new budget.")]})
    try:
        pb = read_pabulib(data)
        pb.election()  # the rules' own checks (an unknown project on a ballot...)
    except PabulibError as error:
        raise _pb_problem(error) from error
    except rules.ElectionError as error:
        raise ValidationError(
            {"file": [_("The file cannot be counted: %(error)s. Nothing was imported.") % {"error": error}]}
        ) from error
    limits = pb.limits
    budget.amount = pb.budget
    budget.ballot_type = BALLOT_TYPES[pb.vote_type]
    budget.min_projects = limits.min_length
    budget.max_projects = limits.max_length
    budget.max_total_cost = limits.max_sum_cost
    budget.points_total = limits.max_sum_points if pb.vote_type == "cumulative" else None
    if budget.ballot_type == BallotType.CUMULATIVE and not budget.points_total:
        budget.points_total = max((sum(v.points) for v in pb.voters), default=1) or 1
    budget.rule = RULES_FROM_PB.get(pb.rule, budget.rule)
    if budget.ballot_type == BallotType.RANKING and budget.rule == BudgetRule.EQUAL_SHARES:
        budget.rule = BudgetRule.GREEDY_SKIP
    budget.pabulib_meta = [list(row) for row in pb.meta]
    budget.phase = BudgetPhase.VOTE
    save_stamped(budget, actor=actor, reason=_("Imported from a .pb file"))
    now = timezone.now()
    reviewer = actor_or_none(actor)
    projects = []
    for p in pb.projects:
        if len(p.id) > 32:
            raise ValidationError({"file": [_("Project id %(id)s is longer than 32 characters.") % {"id": p.id[:40]}]})
        title = p.get("name") or p.get("title") or _("Project %(id)s") % {"id": p.id}
        projects.append(
            BudgetProject(
                budget=budget,
                code=p.id,
                title=title[:300],
                description=p.get("description") or "",
                cost=p.cost,
                status=ReviewStatus.ACCEPTED,
                reviewed_by=reviewer,
                reviewed_at=now,
            )
        )
    for project in projects:
        stamp(project, actor=actor, reason=_("Imported from a .pb file"))
    BudgetProject.objects.bulk_create(projects)
    _insert_shuffled(budget, [(list(v.vote), list(v.points)) for v in pb.voters])
    return budget


def budget_export(budget: ParticipatoryBudget) -> str:
    """The budget as a Pabulib .pb file: the imported file's META (updated), the accepted projects with their
    votes and, once the result is in, ``selected``; the ballots (numbered in the box's random order)."""
    result = BudgetResult.objects.filter(budget=budget).first()
    funded = set(result.outcome["funded"]) if result else None
    meta = dict(budget.pabulib_meta or [])
    meta.setdefault("description", budget.name)
    # The ballots only once the vote is over and the box shuffled.
    ballots = (
        list(budget.ballots.order_by("id").values_list("projects", "points"))
        if budget.phase == BudgetPhase.RESULT
        else []
    )
    meta.update(
        {
            "num_projects": str(budget.projects.filter(status=ReviewStatus.ACCEPTED).count()),
            "num_votes": str(len(ballots)),
            "budget": _plain(budget.amount),
            "vote_type": VOTE_TYPES[BallotType(budget.ballot_type)],
            "rule": PB_RULES[BudgetRule(budget.rule)],
        }
    )
    limits = {
        "min_length": budget.min_projects,
        "max_length": budget.max_projects,
        "max_sum_cost": budget.max_total_cost,
        "max_sum_points": budget.points_total,
    }
    for key, value in limits.items():
        if value is not None:
            meta[key] = _plain(value) if isinstance(value, Decimal) else str(value)
        else:
            meta.pop(key, None)
    scores = result.outcome.get("scores", {}) if result else {}
    projects = tuple(
        PabulibProject(
            id=p.code,
            cost=p.cost,
            selected=(p.code in funded) if funded is not None else None,
            fields=(("name", p.title),) + ((("votes", str(scores[p.code])),) if p.code in scores else ()),
        )
        for p in budget.projects.filter(status=ReviewStatus.ACCEPTED).order_by("code")
    )
    cumulative = budget.ballot_type == BallotType.CUMULATIVE
    voters = tuple(
        PabulibVoter(id=str(n), vote=tuple(projects_), points=tuple(points) if cumulative else ())
        for n, (projects_, points) in enumerate(ballots, 1)
    )
    return write_pabulib(PabulibFile(meta=tuple(meta.items()), projects=projects, voters=voters))


def _plain(amount: Decimal) -> str:
    # 1000000.00 is written 1000000: .pb files give whole amounts without decimals.
    return str(amount.quantize(Decimal(1))) if amount == amount.to_integral_value() else str(amount)


def budget_election(budget: ParticipatoryBudget) -> rules.Election:
    """What the rules count: the accepted projects and the ballots, identical ballots counted together."""
    counts = Counter(
        (tuple(p), tuple(q)) for p, q in BudgetBallot.objects.filter(budget=budget).values_list("projects", "points")
    )
    return rules.Election(
        vote_type=VOTE_TYPES[BallotType(budget.ballot_type)],
        budget=budget.amount,
        projects=tuple(rules.Project(code, cost) for code, cost in sorted(_accepted_costs(budget).items())),
        ballots=tuple(rules.Ballot(p, q, count=n) for (p, q), n in sorted(counts.items())),
    )


def _outcome(budget: ParticipatoryBudget, election: rules.Election) -> rules.Outcome:
    rule = BudgetRule(budget.rule)
    if rule == BudgetRule.EQUAL_SHARES:
        return rules.equal_shares(election, completion="add1")
    if rule == BudgetRule.GREEDY_PER_COST:
        return rules.greedy(election, by="votes_per_cost")
    return rules.greedy(election, stop_at_first_misfit=rule == BudgetRule.GREEDY_STOP)


@transaction.atomic
def result_compute(*, actor: Any, budget: ParticipatoryBudget) -> BudgetResult:
    """Count the ballots by the budget's rule and store the outcome (again, if it was not yet certified)."""
    _require_staff(actor)
    budget = _locked(budget)
    _require_phase(budget, BudgetPhase.RESULT)
    result = BudgetResult.objects.filter(budget=budget).first()
    if result and result.certified_at:
        raise ValidationError({"phase": [_("The result is certified: it is not counted again.")]})
    election = budget_election(budget)
    try:
        outcome = _outcome(budget, election)
    except (rules.RuleError, rules.ElectionError) as error:
        raise ValidationError({"rule": [str(error)]}) from error
    data = outcome_json.as_json(outcome, rules.scores(election), election.voters)
    result = result or BudgetResult(budget=budget)
    result.rule = budget.rule
    result.outcome = data
    result.computed_by = actor_or_none(actor)
    return save_stamped(result, actor=actor, reason=_("Result counted"))


@transaction.atomic
def result_certify(*, actor: Any, budget: ParticipatoryBudget) -> BudgetResult:
    """Staff certify the computed result: from then on it is the budget's decision and is not counted again."""
    _require_staff(actor)
    budget = _locked(budget)
    result = BudgetResult.objects.select_for_update().filter(budget=budget).first()
    if budget.phase != BudgetPhase.RESULT or result is None:
        raise ValidationError({"phase": [_("There is no result to certify yet.")]})
    if result.certified_at:
        raise ValidationError({"phase": [_("The result is already certified.")]})
    result.certified_by = actor_or_none(actor)
    result.certified_at = timezone.now()
    return save_stamped(result, actor=actor, reason=_("Result certified"))
