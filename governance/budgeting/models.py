"""Models of participatory budgeting: a budget, its projects, its anonymous ballots and its result.

A budget goes proposals → review → vote → result (``BudgetPhase``). Members propose projects while proposals
are open; staff accept or refuse each (a refusal says why) and only accepted projects go on the ballot.

Ballots are anonymous by structure, as the elections' (``governance.elections.models.Ballot``): a ballot row
holds its budget, a random id and the projects (and points) marked, and nothing else: no voter, no user, no
timestamp, no history. The row order is not left to say anything either: ``services.budget_advance`` rewrites
the whole ballot box in one random order with fresh random ids when the vote closes, and an import inserts its
ballots shuffled (the technique of ``governance.elections.ballot_box.shuffle_contest``).

The result (``BudgetResult``) is the rule's outcome as JSON (``governance.budgeting.outcome``), computed once
and read by the results page, then certified (who and when).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clt import roles
from clt.models import Person, TimeStampedModel
from clt.querysets import AccessRules, RestrictedQuerySet

__all__ = [
    "BallotType",
    "BudgetBallot",
    "BudgetPhase",
    "BudgetProject",
    "BudgetResult",
    "BudgetRule",
    "Fund",
    "ParticipatoryBudget",
    "ReviewStatus",
]


class BudgetPhase(models.TextChoices):
    PROPOSALS = "proposals", _("Proposals open")
    REVIEW = "review", _("Staff review")
    VOTE = "vote", _("Voting")
    RESULT = "result", _("Result")


class Fund(models.TextChoices):
    STEWARDSHIP = "stewardship", _("Stewardship fund")
    GRANT = "community_grant", _("Community-benefit grant")
    OTHER = "other", _("Other fund")


class BallotType(models.TextChoices):
    APPROVAL = "approval", _("Approval: mark the projects you support")
    CUMULATIVE = "cumulative", _("Cumulative: share out a number of points")
    RANKING = "ranking", _("Ranking: order the projects, best first")


class BudgetRule(models.TextChoices):
    EQUAL_SHARES = "equal_shares", _("Method of Equal Shares, completed by add1 (as Wieliczka)")
    GREEDY_SKIP = "greedy_skip", _("Most votes first, skipping projects that do not fit")
    GREEDY_STOP = "greedy_stop", _("Most votes first, stopping at the first project that does not fit")
    GREEDY_PER_COST = "greedy_per_cost", _("Most votes per unit of cost first")


class ReviewStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed, awaiting review")
    ACCEPTED = "accepted", _("Accepted for the ballot")
    REFUSED = "refused", _("Refused")


class BudgetQuerySet(RestrictedQuerySet):
    """Staff, members and board members read every budget and its projects (the fund is the members'); anyone
    else none. Changing them is staff's, through the services (no access rules)."""

    def restrict(self, user: Any, action: str = "view") -> RestrictedQuerySet:
        if action != "view":
            return super().restrict(user, action)
        if roles.is_staff_member(user) or roles.is_member(user) or roles.is_board_member(user):
            return self
        return self.none()


class BudgetBallotQuerySet(RestrictedQuerySet):
    """Ballots are read once their budget has a result (to count and to export); nobody changes one."""

    def restrict(self, user: Any, action: str = "view") -> RestrictedQuerySet:
        if action != "view" or not roles.user_roles(user):
            return self.none()
        return self.filter(budget__phase=BudgetPhase.RESULT)


class ParticipatoryBudget(TimeStampedModel):
    """A participatory budget: an amount of a fund that the members share out among projects by vote."""

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    fund = models.CharField(_("fund"), max_length=32, choices=Fund.choices, default=Fund.STEWARDSHIP)
    fund_other = models.CharField(
        _("other fund"), max_length=200, blank=True, help_text=_("When the fund is another one.")
    )
    amount = models.DecimalField(_("budget"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    currency = models.CharField(_("currency"), max_length=8, default="USD")
    phase = models.CharField(_("phase"), max_length=16, choices=BudgetPhase.choices, default=BudgetPhase.PROPOSALS)
    ballot_type = models.CharField(
        _("ballot type"), max_length=16, choices=BallotType.choices, default=BallotType.APPROVAL
    )
    min_projects = models.PositiveIntegerField(_("fewest projects on a ballot"), null=True, blank=True)
    max_projects = models.PositiveIntegerField(_("most projects on a ballot"), null=True, blank=True)
    max_total_cost = models.DecimalField(
        _("most total cost on a ballot"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    points_total = models.PositiveIntegerField(
        _("points each voter shares out"), null=True, blank=True, help_text=_("Cumulative ballots only.")
    )
    rule = models.CharField(_("rule"), max_length=32, choices=BudgetRule.choices, default=BudgetRule.EQUAL_SHARES)
    # The META of an imported .pb file, kept so that an export writes it back (country, unit, dates...).
    pabulib_meta = models.JSONField(_("imported file's metadata"), default=list, blank=True, editable=False)

    history = HistoricalRecords()
    objects = BudgetQuerySet.as_manager()
    access_rules = AccessRules()

    class Meta:
        ordering = ["-created", "pk"]
        verbose_name = _("participatory budget")
        verbose_name_plural = _("participatory budgets")

    def __str__(self) -> str:
        return self.name

    @property
    def fund_text(self) -> str:
        return self.fund_other if self.fund == Fund.OTHER and self.fund_other else str(self.get_fund_display())


class BudgetProject(TimeStampedModel):
    """A project proposed for a budget. ``code`` is its id on ballots and in .pb files (unique in its budget)."""

    budget = models.ForeignKey(ParticipatoryBudget, on_delete=models.CASCADE, related_name="projects")
    code = models.CharField(_("code"), max_length=32)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    cost = models.DecimalField(_("cost"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    proposer = models.ForeignKey(
        Person, verbose_name=_("proposed by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("review"), max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.PROPOSED)
    refusal_reason = models.TextField(_("why it was refused"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed on"), null=True, blank=True)

    history = HistoricalRecords()
    objects = BudgetQuerySet.as_manager()
    access_rules = AccessRules()

    class Meta:
        ordering = ["budget_id", "title", "pk"]
        verbose_name = _("budget project")
        verbose_name_plural = _("budget projects")
        constraints = [models.UniqueConstraint(fields=["budget", "code"], name="budget_project_code_unique")]

    def __str__(self) -> str:
        return self.title


class BudgetBallot(models.Model):
    """An anonymous ballot: its budget, a random id, the project codes marked (ranking: best first) and, for a
    cumulative ballot, the points given each in the same order. Deliberately no history, user or timestamp."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    budget = models.ForeignKey(ParticipatoryBudget, on_delete=models.CASCADE, related_name="ballots")
    projects = models.JSONField(_("projects"), default=list)
    points = models.JSONField(_("points"), default=list, blank=True)

    objects = BudgetBallotQuerySet.as_manager()

    class Meta:
        # By the random id: the list says nothing about the order the ballots came in.
        ordering = ["budget_id", "id"]
        verbose_name = _("budget ballot")
        verbose_name_plural = _("budget ballots")

    def __str__(self) -> str:
        return str(self.id)


class BudgetResult(TimeStampedModel):
    """The outcome of a budget's rule on its ballots, as computed (``outcome``: see ``budgeting.outcome``), and
    its certification."""

    budget = models.OneToOneField(ParticipatoryBudget, on_delete=models.CASCADE, related_name="result")
    rule = models.CharField(_("rule"), max_length=32, choices=BudgetRule.choices)
    outcome = models.JSONField(_("outcome"))
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("computed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    certified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("certified by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    certified_at = models.DateTimeField(_("certified on"), null=True, blank=True)

    history = HistoricalRecords()
    objects = BudgetQuerySet.as_manager()
    access_rules = AccessRules()

    class Meta:
        ordering = ["budget_id"]
        verbose_name = _("budget result")
        verbose_name_plural = _("budget results")

    def __str__(self) -> str:
        return str(self.budget)
