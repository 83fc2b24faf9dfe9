"""Models of elections: contests, candidates, the frozen roll, participation and anonymous ballots.

Secrecy by structure: who voted (``Participation``, tied to the roll) and how (``Ballot``) are
separate tables written in one transaction, and no foreign key leads from one to the other. A
ballot has no user, no history, no timestamp, no IP and a random primary key; its only links are
to its contest. ``test_no_join_path_from_a_voter_to_a_ballot`` in
``tests/governance/elections/test_elections_core.py`` walks the model graph to keep it so.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clt import roles
from clt.models import Person, TimeStampedModel
from clt.querysets import AccessRules, RestrictedManager, RestrictedQuerySet
from governance.board.models import SeatClass, Shortfall
from governance.elections import counting
from governance.elections.labels import method_choice_labels, tie_rule_choice_labels
from governance.membership.models import MemberClass, NominationMode


class ElectionPhase(models.TextChoices):
    """§6.8: draft → frozen (roll and contests locked) → open → closed → counted → certified."""

    DRAFT = "draft", _("Draft")
    FROZEN = "frozen", _("Roll frozen")
    OPEN = "open", _("Open for voting")
    CLOSED = "closed", _("Closed")
    COUNTED = "counted", _("Counted")
    CERTIFIED = "certified", _("Certified")


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    PAPER = "paper", _("Paper ballot entered by staff")
    PROXY = "proxy", _("By proxy")


class ElectionQuerySet(RestrictedQuerySet):
    """Staff read every election; anyone else, signed in or not, those past the draft (the contests, the
    candidates and, once counted, the results are public). Contests and candidates follow their election:
    each model names the way to it (``election_path``). Changing them is staff's (no access rules)."""

    def restrict(self, user: Any, action: str = "view") -> RestrictedQuerySet:
        if action != "view":
            return super().restrict(user, action)
        if roles.is_staff_member(user):
            return self
        return self.exclude(**{f"{self.model.election_path}phase": ElectionPhase.DRAFT})


class RunByQuerySet(RestrictedQuerySet):
    """The roll, who voted and the access code log of the elections a user runs: staff's, and the election's
    officer's (the one named on it, else anyone in the election officers' group), nobody else's. Never how
    anyone voted: that is the ballots', which lead to no voter."""

    def restrict(self, user: Any, action: str = "view") -> RestrictedQuerySet:
        if action != "view" or roles.is_staff_member(user) or not roles.user_roles(user):
            return super().restrict(user, action)
        path = self.model.election_path
        runs = Q(**{f"{path}officer": user})
        if roles.is_election_officer(user):
            runs |= Q(**{f"{path}officer__isnull": True})
        return self.filter(runs)


class BallotQuerySet(RestrictedQuerySet):
    """Ballots are published, to everyone, once their election is counted; before that nobody reads them, staff
    included. Nobody changes one: the services alone write the ballot box."""

    def restrict(self, user: Any, action: str = "view") -> RestrictedQuerySet:
        if action != "view":
            return self.none()
        return self.filter(contest__election__phase__in=(ElectionPhase.COUNTED, ElectionPhase.CERTIFIED))


class Election(TimeStampedModel):
    """An election: one contest per seat class, a roll frozen at the record date, a voting window."""

    name = models.CharField(_("name"), max_length=200)
    record_date = models.DateField(_("record date"), help_text=_("Who may vote is decided on this date."))
    opens_at = models.DateTimeField(_("voting opens"))
    closes_at = models.DateTimeField(_("voting closes"))
    phase = models.CharField(_("phase"), max_length=16, choices=ElectionPhase.choices, default=ElectionPhase.DRAFT)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("election officer"),
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
    nominations_close = models.DateField(
        _("nominations close"), null=True, blank=True, help_text=_("Empty: the settings' days before voting opens.")
    )
    # Salt of the access codes' hashes: per election, so one election's hashes say nothing of another's.
    code_salt = models.CharField(max_length=64, editable=False)
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords()
    objects = ElectionQuerySet.as_manager()
    access_rules = AccessRules()
    election_path = ""

    class Meta:
        ordering = ["-opens_at", "pk"]
        verbose_name = _("election")
        verbose_name_plural = _("elections")
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="governance_election_closes_after_opening",
                violation_error_message=_("Voting closes after it opens."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def results_public(self) -> bool:
        return self.phase in (ElectionPhase.COUNTED, ElectionPhase.CERTIFIED)


class Contest(TimeStampedModel):
    """One question of an election, usually the seats of one class (R1): who votes, how it is counted."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="contests")
    seat_class = models.ForeignKey(
        SeatClass, verbose_name=_("seat class"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    seats = models.PositiveSmallIntegerField(_("seats"), default=1, validators=[MinValueValidator(1)])
    method = models.CharField(_("counting method"), max_length=24, default="scottish-stv")
    tie_break_rules = models.JSONField(_("tie-break rules"), default=list, blank=True)
    # Drawn when the roll is frozen, before any ballot exists, and published with the result (§2.7).
    tie_break_seed = models.BigIntegerField(_("tie-break seed"), null=True, blank=True)
    max_marks = models.PositiveSmallIntegerField(_("marks allowed"), null=True, blank=True)
    eligible_classes = models.JSONField(_("member classes that vote"), default=list)
    options = models.JSONField(_("counting options"), default=dict, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True, editable=False)
    # R8, settled when the roll is frozen: no more candidates than seats, or fewer.
    acclaimed = models.BooleanField(_("declared elected without a vote"), default=False, editable=False)
    vacant_seats = models.PositiveSmallIntegerField(_("seats left without a candidate"), default=0, editable=False)
    shortfall_action = models.CharField(
        _("what was done about the missing candidates"),
        max_length=24,
        choices=Shortfall.choices,
        blank=True,
        editable=False,
    )
    open_to_classes = models.JSONField(
        _("also open to candidates of"),
        default=list,
        blank=True,
        help_text=_("Member classes invited to stand when the seat class has too few candidates."),
    )

    history = HistoricalRecords()
    objects = ElectionQuerySet.as_manager()
    access_rules = AccessRules()
    election_path = "election__"

    class Meta:
        ordering = ["election_id", "order", "pk"]
        verbose_name = _("contest")
        verbose_name_plural = _("contests")

    def __str__(self) -> str:
        return f"{self.election}: {self.title}"

    @property
    def ranked(self) -> bool:
        return self.method not in ("plurality", "block", "approval")

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.method not in counting.METHODS:
            errors["method"] = _("Choose one of: %(methods)s.") % {"methods": "; ".join(method_choice_labels())}
        elif self.method == "irv" and self.seats != 1:
            errors["seats"] = _("Instant runoff fills one seat.")
        elif set(self.options or {}) - set(counting.method_options(self.method)):
            errors["options"] = _("This method takes only: %(names)s.") % {
                "names": ", ".join(counting.method_options(self.method)) or "-"
            }
        unknown_rules = [rule for rule in self.tie_break_rules or [] if rule not in counting.TIE_RULES]
        if not isinstance(self.tie_break_rules, list) or unknown_rules:
            errors["tie_break_rules"] = _("A list of: %(rules)s.") % {"rules": "; ".join(tie_rule_choice_labels())}
        if (
            not isinstance(self.eligible_classes, list)
            or not self.eligible_classes
            or not set(self.eligible_classes) <= set(MemberClass.values)
        ):
            errors["eligible_classes"] = _("Choose at least one member class: %(classes)s.") % {
                "classes": "; ".join(map(str, MemberClass.labels))
            }
        if errors:
            raise ValidationError(errors)


class Candidate(TimeStampedModel):
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="candidacies")
    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="candidates")
    consented_on = models.DateField(_("consented on"), null=True, blank=True)
    withdrawn = models.BooleanField(_("withdrawn"), default=False)
    ballot_order = models.PositiveSmallIntegerField(_("ballot order"), default=0)
    nomination_mode = models.CharField(
        _("nominated by way of"), max_length=16, choices=NominationMode.choices, blank=True
    )
    nominated_on = models.DateField(_("nominated on"), null=True, blank=True)
    nominated_by = models.CharField(
        _("nominated by"), max_length=200, blank=True, help_text=_("The committee, the board minute or the member.")
    )
    statement = models.TextField(_("candidate's statement"), blank=True)

    history = HistoricalRecords()
    objects = ElectionQuerySet.as_manager()
    access_rules = AccessRules()
    election_path = "contest__election__"

    class Meta:
        ordering = ["contest_id", "ballot_order", "pk"]
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        constraints = [
            models.UniqueConstraint(fields=["contest", "person"], name="governance_candidate_once_per_contest"),
        ]

    def __str__(self) -> str:
        return str(self.person)


class RollEntry(models.Model):
    """One vote unit on the frozen roll (R4): the member who holds its vote and the hash of its access code.

    The code itself is shown once, when issued, and never stored.
    """

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="roll")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="roll_entries")
    member_class = models.CharField(_("member class"), max_length=16, choices=MemberClass.choices)
    vote_unit_key = models.CharField(_("vote unit"), max_length=64)
    code_hash = models.CharField(max_length=64, blank=True, editable=False)
    channel = models.CharField(_("channel used"), max_length=16, choices=Channel.choices, blank=True)

    objects = RunByQuerySet.as_manager()
    access_rules = AccessRules()
    election_path = "election__"

    class Meta:
        ordering = ["election_id", "person__family_name", "person__given_name", "pk"]
        verbose_name = _("roll entry")
        verbose_name_plural = _("roll entries")
        constraints = [
            models.UniqueConstraint(fields=["election", "vote_unit_key"], name="governance_roll_one_vote_per_unit"),
            models.UniqueConstraint(
                fields=["election", "code_hash"],
                condition=~Q(code_hash=""),
                name="governance_roll_code_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_member_class_display()})"


class AccessCodeIssue(models.Model):
    """That an access code was issued for a roll entry: by whom, when and why. Append-only.

    The roll entry itself keeps no history: its rows change when its member votes, and a history of
    them would date each vote. This log holds neither the code nor its hash, nothing about voting, and
    is written only when codes are issued (before the vote, or to replace a lost code).
    """

    roll_entry = models.ForeignKey(RollEntry, on_delete=models.CASCADE, related_name="code_issues")
    issued_at = models.DateTimeField(_("issued at"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(_("reason"))
    replaces_earlier = models.BooleanField(
        _("replaces an earlier code"),
        default=False,
        help_text=_("A lost code re-issued: the earlier one stopped working."),
    )

    objects = RunByQuerySet.as_manager()
    access_rules = AccessRules()
    election_path = "roll_entry__election__"

    class Meta:
        ordering = ["roll_entry_id", "issued_at", "pk"]
        verbose_name = _("access code issued")
        verbose_name_plural = _("access codes issued")

    def __str__(self) -> str:
        return f"{self.roll_entry} {self.issued_at:%Y-%m-%d %H:%M}"


class Participation(models.Model):
    """That a vote unit voted in a contest, and how it reached us: never what it voted.

    The unique constraint is what makes one vote per unit hold under concurrency.
    """

    contest = models.ForeignKey(Contest, on_delete=models.PROTECT, related_name="participations")
    roll_entry = models.ForeignKey(RollEntry, on_delete=models.PROTECT, related_name="participations")
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)

    objects = RunByQuerySet.as_manager()
    access_rules = AccessRules()
    election_path = "roll_entry__election__"

    class Meta:
        ordering = ["contest_id", "roll_entry_id"]
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        constraints = [
            models.UniqueConstraint(fields=["contest", "roll_entry"], name="governance_participation_once"),
        ]

    def __str__(self) -> str:
        return str(_("%(entry)s voted in %(contest)s") % {"entry": self.roll_entry, "contest": self.contest})


class Ballot(models.Model):
    """An anonymous ballot: its contest, a random id, the voter's receipt code and the marks or ranking.

    ``choices`` lists candidate ids: the marked candidates (plurality, block, approval) or the ranking,
    highest first (IRV, STV). Deliberately no history, user, IP, timestamp or link to the roll.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    contest = models.ForeignKey(Contest, on_delete=models.PROTECT, related_name="ballots")
    receipt = models.CharField(_("receipt code"), max_length=32, unique=True)
    choices = models.JSONField(_("choices"), default=list)

    objects = BallotQuerySet.as_manager()

    class Meta:
        # Published in receipt order: random, so the list says nothing about who voted when.
        ordering = ["contest_id", "receipt"]
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")

    def __str__(self) -> str:
        return self.receipt


class SealedBallot(models.Model):
    """A ballot cast but not yet in the ballot box: its receipt and choices, encrypted.

    It is written in the voter's own transaction (so no vote is lost if the server stops), and so it
    carries that transaction's traces (PostgreSQL's ``xmin``, SQLite's row order) that also mark the
    voter's ``Participation``. That is why it holds nothing readable without the server's key, and why it
    lives only until enough ballots of its contest wait to be moved into ``Ballot`` together, shuffled, in
    a transaction that touches no participation (``governance.elections.ballot_box``).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    contest = models.ForeignKey(Contest, on_delete=models.PROTECT, related_name="sealed_ballots")
    sealed = models.BinaryField()

    class Meta:
        ordering = ["contest_id", "id"]
        verbose_name = _("sealed ballot")
        verbose_name_plural = _("sealed ballots")

    def __str__(self) -> str:
        return str(_("sealed ballot"))


class PetitionSignature(models.Model):
    """A member's signature on a candidate's nominating petition (R7)."""

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="signatures")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="petition_signatures")
    signed_on = models.DateField(_("signed on"))

    # Who signed whose petition is not published: staff only (no access rules).
    objects = RestrictedManager()
    access_rules = AccessRules()

    class Meta:
        ordering = ["candidate_id", "signed_on", "pk"]
        verbose_name = _("petition signature")
        verbose_name_plural = _("petition signatures")
        constraints = [
            models.UniqueConstraint(fields=["candidate", "person"], name="governance_signature_once"),
        ]

    def __str__(self) -> str:
        return str(_("%(person)s for %(candidate)s") % {"person": self.person, "candidate": self.candidate})
