"""Membership and the board (``shared/domain/governance.md`` §1).

Lessee (leaseholder) membership is never stored: it is derived from ground leases on a date
(``governance.membership``), so it changes on the lease's effective dates and cannot drift from them.
What is stored is what cannot be derived: the trust's bylaw settings (every ``cfg:`` rule of the notes),
general and supporting memberships with their applications and dues, the board's seat classes and the
terms served in them.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clt.models import Person, TimeStampedModel
from clt.querysets import AccessRules, RestrictedManager

ZERO = Decimal("0")

# The lookups from a membership row to the user it belongs to.
OWN_MEMBERSHIP = ("person__user",)


class MemberClass(models.TextChoices):
    """The classes of the model bylaws (R2-R5), in order of precedence: a person in several votes in the first."""

    LESSEE = "lessee", _("Lessee member")
    GENERAL = "general", _("General member")
    SUPPORTING = "supporting", _("Supporting member")


class LesseeScope(models.TextChoices):
    """R2: which people of a leasehold are lessee members."""

    NAMED_LESSEES = "named_lessees", _("Every person named on the lease")
    ADULT_HOUSEHOLD_MEMBERS = "adult_household_members", _("Every adult of the leaseholding household")
    ONE_PER_LEASEHOLD = "one_per_leasehold", _("One member per leasehold")


class VoteUnit(models.TextChoices):
    """R4: one vote per person, per household, or per leasehold."""

    PERSON = "person", _("One vote per person")
    HOUSEHOLD = "household", _("One vote per household")
    LEASEHOLD = "leasehold", _("One vote per leasehold")


class DuesPeriod(models.TextChoices):
    CALENDAR_YEAR = "calendar_year", _("Calendar year")
    ROLLING_YEAR = "rolling_year", _("Twelve months from payment")


class NominationMode(models.TextChoices):
    """R7: the ways a candidate reaches the ballot."""

    FLOOR = "floor", _("Nominated from the floor of a meeting")
    PETITION = "petition", _("Petition signed by members")
    COMMITTEE = "committee", _("Nominating committee")
    BOARD_SLATE = "board_slate", _("Board slate")
    SELF = "self", _("Self-nomination")


class QuorumBasis(models.TextChoices):
    PERCENT = "percent", _("A percentage of the voting members")
    NUMBER = "number", _("A number of voting members")


class Threshold(models.TextChoices):
    """R13: what share of the votes a resolution needs; abstentions never count as votes cast."""

    MAJORITY = "majority", _("More than half of the votes cast")
    TWO_THIRDS = "two_thirds", _("At least two thirds of the votes cast")
    THREE_QUARTERS = "three_quarters", _("At least three quarters of the votes cast")
    MAJORITY_OF_PRESENT = "majority_present", _("More than half of the voting members present")
    TWO_THIRDS_OF_PRESENT = "two_thirds_present", _("At least two thirds of the voting members present")


class ResolutionKind(models.TextChoices):
    BYLAWS = "bylaws", _("Bylaw amendment")
    RESALE_FORMULA = "resale_formula", _("Resale formula")
    LAND_SALE = "land_sale", _("Sale of land")
    REMOVAL = "removal", _("Removal of a director")
    OTHER = "other", _("Other")


def default_nomination_modes() -> list[str]:
    return [NominationMode.COMMITTEE.value, NominationMode.PETITION.value, NominationMode.FLOOR.value]


def default_resolution_thresholds() -> dict[str, str]:
    # Peer CLT bylaws put the bylaws, the resale formula and land sales to a two-thirds vote.
    return {
        ResolutionKind.BYLAWS.value: Threshold.TWO_THIRDS.value,
        ResolutionKind.RESALE_FORMULA.value: Threshold.TWO_THIRDS.value,
        ResolutionKind.LAND_SALE.value: Threshold.TWO_THIRDS.value,
        ResolutionKind.REMOVAL.value: Threshold.MAJORITY.value,
        ResolutionKind.OTHER.value: Threshold.MAJORITY.value,
    }


class GovernanceSettings(TimeStampedModel):
    """The trust's bylaw rules for membership (R2-R5): one row, edited by staff, with its history.

    ``service_area`` is a GeoJSON Polygon or MultiPolygon in WGS84 longitude/latitude; a general member
    resides in it when their residence point falls inside (checked with shapely).
    """

    lessee_scope = models.CharField(
        _("who of a leasehold is a lessee member"),
        max_length=32,
        choices=LesseeScope.choices,
        default=LesseeScope.NAMED_LESSEES,
    )
    vote_unit = models.CharField(_("vote unit"), max_length=16, choices=VoteUnit.choices, default=VoteUnit.PERSON)
    adult_age = models.PositiveSmallIntegerField(
        _("adult age"), default=18, help_text=_("For lessee membership of adult household members.")
    )
    general_min_age = models.PositiveSmallIntegerField(_("minimum age of a general member"), default=16)
    dues_amount = models.DecimalField(
        _("yearly dues"), max_digits=10, decimal_places=2, default=Decimal("1.00"), validators=[MinValueValidator(ZERO)]
    )
    dues_period = models.CharField(
        _("dues period"), max_length=16, choices=DuesPeriod.choices, default=DuesPeriod.CALENDAR_YEAR
    )
    residency_min_months = models.PositiveSmallIntegerField(
        _("months of residence before a general member may vote"), default=0
    )
    requires_application = models.BooleanField(_("general membership needs an approved application"), default=True)
    out_of_area_may_vote = models.BooleanField(
        _("members living outside the service area may vote"),
        default=False,
        help_text=_("Where the bylaws say so, members outside the area keep their membership without a vote."),
    )
    candidate_consent_required = models.BooleanField(
        _("candidates must consent to stand"),
        default=True,
        help_text=_("A nomination counts once the candidate accepts it."),
    )
    service_area_name = models.CharField(_("service area"), max_length=200, blank=True)
    service_area = models.JSONField(_("service area boundary (GeoJSON)"), null=True, blank=True)

    # R7: how candidates are nominated.
    nomination_modes = models.JSONField(
        _("ways a candidate may be nominated"),
        default=default_nomination_modes,
        blank=True,
        help_text=_("A list of: floor, petition, committee, board_slate, self."),
    )
    petition_min_signers = models.PositiveSmallIntegerField(_("signatures a nominating petition needs"), default=5)
    petition_same_class = models.BooleanField(
        _("petition signers must belong to the class that elects the seat"), default=True
    )
    nomination_deadline_days = models.PositiveSmallIntegerField(
        _("nominations close this many days before voting opens"), default=30
    )

    # R9: quorum at member meetings.
    quorum_basis = models.CharField(
        _("quorum is"), max_length=16, choices=QuorumBasis.choices, default=QuorumBasis.PERCENT
    )
    quorum_percent = models.DecimalField(
        _("quorum, percent of voting members"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("10"),
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))],
    )
    quorum_number = models.PositiveIntegerField(_("quorum, number of voting members"), default=0)
    quorum_class_minimums = models.JSONField(
        _("at least this many of each class"),
        default=dict,
        blank=True,
        help_text=_('For example {"lessee": 3}: the bylaws\' per-class minimums.'),
    )
    quorum_counts_proxies = models.BooleanField(_("proxies count toward the quorum"), default=True)

    # R10: proxies.
    proxies_allowed = models.BooleanField(_("members may vote by proxy"), default=False)
    proxy_holder_must_be_member = models.BooleanField(_("a proxy holder must be a voting member"), default=True)
    proxy_holder_same_class = models.BooleanField(_("a proxy holder must be of the grantor's class"), default=False)
    proxy_max_per_holder = models.PositiveSmallIntegerField(
        _("proxies one holder may carry"), null=True, blank=True, help_text=_("Empty: no limit.")
    )

    # R13: the threshold each kind of resolution needs unless the resolution says otherwise.
    resolution_thresholds = models.JSONField(
        _("thresholds by kind of resolution"), default=default_resolution_thresholds, blank=True
    )
    notice_min_days = models.PositiveSmallIntegerField(_("meeting notice at least (days)"), default=10)
    notice_max_days = models.PositiveSmallIntegerField(_("meeting notice at most (days)"), default=60)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("governance settings")
        verbose_name_plural = _("governance settings")

    def __str__(self) -> str:
        return str(_("Governance settings"))

    @classmethod
    def current(cls) -> GovernanceSettings:
        """The one row of settings (made with the defaults the first time it is asked for)."""
        found = cls.objects.order_by("pk").first()
        return found if found is not None else cls.objects.create()


class MembershipKind(models.TextChoices):
    GENERAL = "general", _("General")
    SUPPORTING = "supporting", _("Supporting (no vote)")


class MembershipStatus(models.TextChoices):
    APPLIED = "applied", _("Applied")
    ACTIVE = "active", _("Active")
    REFUSED = "refused", _("Refused")
    RESIGNED = "resigned", _("Resigned")
    ENDED = "ended", _("Ended")


class Membership(TimeStampedModel):
    """A person's general or supporting membership: application, approval, residence and dues.

    Lessee membership is not a row: it comes from leases. A person who is both a lessee and a general
    member votes once, in the lessee class (R5).
    """

    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="membership")
    kind = models.CharField(_("kind"), max_length=16, choices=MembershipKind.choices, default=MembershipKind.GENERAL)
    status = models.CharField(
        _("status"), max_length=16, choices=MembershipStatus.choices, default=MembershipStatus.APPLIED
    )
    applied_on = models.DateField(_("applied on"))
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    residence_address = models.TextField(_("residence address"), blank=True)
    # The residence as a point (WGS84): checked against the service area.
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-180")), MaxValueValidator(Decimal("180"))],
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=8,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("-90")), MaxValueValidator(Decimal("90"))],
    )
    resident_since = models.DateField(_("living in the service area since"), null=True, blank=True)
    statement_of_support = models.BooleanField(_("signed a statement of support"), default=False)
    dues_waived = models.BooleanField(_("dues waived"), default=False)
    waiver_reason = models.CharField(_("why the dues are waived"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords()
    objects = RestrictedManager()
    access_rules = AccessRules(view=OWN_MEMBERSHIP)

    class Meta:
        ordering = ["person__family_name", "person__given_name", "pk"]
        verbose_name = _("membership")
        constraints = [
            models.CheckConstraint(
                condition=Q(longitude__isnull=True, latitude__isnull=True)
                | Q(longitude__isnull=False, latitude__isnull=False),
                name="governance_membership_point_whole",
                violation_error_message=_("Give both the longitude and the latitude of the residence, or neither."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_kind_display()})"


class DuesPayment(TimeStampedModel):
    """Dues paid (or waived in writing) for a period; a general member votes only with dues current (R3)."""

    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="dues")
    period_start = models.DateField(_("period starts"))
    period_end = models.DateField(_("period ends"))
    amount = models.DecimalField(_("amount"), max_digits=10, decimal_places=2, validators=[MinValueValidator(ZERO)])
    paid_on = models.DateField(_("paid on"))
    method = models.CharField(_("method"), max_length=40, blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)

    history = HistoricalRecords()
    objects = RestrictedManager()
    access_rules = AccessRules(view=tuple("membership__" + lookup for lookup in OWN_MEMBERSHIP))

    class Meta:
        ordering = ["membership_id", "-period_start", "-pk"]
        verbose_name = _("dues payment")

    def __str__(self) -> str:
        return f"{self.membership} {self.period_start}–{self.period_end}: {self.amount}"

    def clean(self) -> None:
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError({"period_end": _("The period ends before it starts.")})


# ---------------------------------------------------------------------------------------------
# The board (R1, R6, R11, R12)
# ---------------------------------------------------------------------------------------------


class Selection(models.TextChoices):
    ELECTED = "elected", _("Elected by the members")
    APPOINTED = "appointed", _("Appointed")
    BOARD_SLATE_RATIFIED = "board_slate_ratified", _("Board slate ratified by the members")
    EX_OFFICIO = "ex_officio", _("Ex officio")


class VacancyFill(models.TextChoices):
    BOARD = "board", _("The board appoints")
    CLASS_MEMBERS = "class_members", _("The class's members elect")
    NEXT_ANNUAL_MEETING = "next_annual_meeting", _("Left to the next annual meeting")


class VacancyServes(models.TextChoices):
    REMAINDER_OF_TERM = "remainder_of_term", _("The rest of the term")
    UNTIL_NEXT_ANNUAL_MEETING = "until_next_annual_meeting", _("Until the next annual meeting")


class Shortfall(models.TextChoices):
    """R8: what happens when a class has fewer candidates than seats."""

    LEAVE_VACANT = "leave_vacant", _("Leave the seats vacant")
    BOARD_APPOINTS = "board_appoints", _("The board appoints from the same class")
    OPEN_TO_OTHER_CLASS = "open_to_other_class", _("Open the seats to another class")


class Uncontested(models.TextChoices):
    """R8: as many candidates as seats (or fewer)."""

    ACCLAIM = "acclaim", _("Declared elected without a vote")
    STILL_BALLOT = "still_ballot", _("Still put to a ballot")


class SeatClass(TimeStampedModel):
    """A class of board seats (R1): how many, who elects them, who may stand, how they are filled, terms.

    Seats are a fixed number, or a floor (``min_seats``) and a cap as a share of the board (``max_share``).
    ``electorate`` and ``candidate_pool`` are lists of ``MemberClass`` values; an empty candidate pool means
    anyone may stand (public seats).
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    seats = models.PositiveSmallIntegerField(_("seats"), null=True, blank=True)
    min_seats = models.PositiveSmallIntegerField(_("at least"), null=True, blank=True)
    max_share = models.DecimalField(
        _("at most, as a share of the board"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("1"))],
    )
    electorate = models.JSONField(_("who elects"), default=list, blank=True)
    candidate_pool = models.JSONField(_("who may stand"), default=list, blank=True)
    selection = models.CharField(
        _("how the seats are filled"), max_length=24, choices=Selection.choices, default=Selection.ELECTED
    )
    appointing_body = models.CharField(_("appointed by"), max_length=200, blank=True)
    term_years = models.PositiveSmallIntegerField(_("term (years)"), default=3, validators=[MinValueValidator(1)])
    stagger_groups = models.PositiveSmallIntegerField(
        _("staggered in groups"), default=3, validators=[MinValueValidator(1)]
    )
    term_limit_consecutive = models.PositiveSmallIntegerField(_("consecutive terms at most"), null=True, blank=True)
    break_years = models.PositiveSmallIntegerField(_("years off before standing again"), default=0)
    vacancy_fill = models.CharField(
        _("vacancies are filled by"), max_length=24, choices=VacancyFill.choices, default=VacancyFill.BOARD
    )
    vacancy_serves = models.CharField(
        _("a vacancy's filler serves"),
        max_length=32,
        choices=VacancyServes.choices,
        default=VacancyServes.UNTIL_NEXT_ANNUAL_MEETING,
    )
    uncontested = models.CharField(
        _("when uncontested"), max_length=16, choices=Uncontested.choices, default=Uncontested.ACCLAIM
    )
    shortfall = models.CharField(
        _("when candidates are short"), max_length=24, choices=Shortfall.choices, default=Shortfall.BOARD_APPOINTS
    )
    removal_threshold = models.DecimalField(
        _("share of the electing class's votes needed to remove"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.5"),
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("1"))],
    )

    # The board is public (the roster page and the API read it for everyone); writes are staff-only.
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("seat class")
        verbose_name_plural = _("seat classes")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.seats is None and self.min_seats is None:
            raise ValidationError({"seats": _("Give the number of seats, or a floor (and a cap).")})
        known = set(MemberClass.values)
        for field in ("electorate", "candidate_pool"):
            value = getattr(self, field)
            if not isinstance(value, list) or not set(value) <= known:
                raise ValidationError({field: _("A list of member classes: lessee, general, supporting.")})


class TermEnd(models.TextChoices):
    COMPLETED = "completed", _("Term completed")
    RESIGNED = "resigned", _("Resigned")
    REMOVED = "removed", _("Removed by the electing class")
    DIED = "died", _("Died")
    DISQUALIFIED = "disqualified", _("No longer eligible")
    REPLACED = "replaced", _("Replaced at the next annual meeting")


class TermBasis(models.TextChoices):
    ELECTED = "elected", _("Elected")
    ACCLAIMED = "acclaimed", _("Elected unopposed")
    APPOINTED = "appointed", _("Appointed")
    RATIFIED = "ratified", _("Board slate ratified")
    VACANCY = "vacancy", _("Filling a vacancy")
    EX_OFFICIO = "ex_officio", _("Ex officio")


class BoardTerm(TimeStampedModel):
    """A person's term in a seat class: from ``starts_on`` to ``ends_on`` (scheduled), or ``ended_on`` early."""

    seat_class = models.ForeignKey(SeatClass, on_delete=models.PROTECT, related_name="terms")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="board_terms")
    basis = models.CharField(_("how"), max_length=16, choices=TermBasis.choices, default=TermBasis.ELECTED)
    stagger_group = models.PositiveSmallIntegerField(_("stagger group"), null=True, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("term ends on"))
    ended_on = models.DateField(_("ended early on"), null=True, blank=True)
    end_reason = models.CharField(_("why it ended early"), max_length=16, choices=TermEnd.choices, blank=True)
    reference = models.CharField(
        _("reference"), max_length=200, blank=True, help_text=_("The election, resolution or board minute.")
    )
    replaces = models.ForeignKey(
        "self",
        verbose_name=_("fills the vacancy of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # Public, as the seat classes are.
    history = HistoricalRecords()

    class Meta:
        ordering = ["seat_class__order", "-starts_on", "pk"]
        verbose_name = _("board term")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("starts_on")),
                name="governance_boardterm_ends_after_start",
                violation_error_message=_("A term ends after it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person}, {self.seat_class} ({self.starts_on}–{self.ends_on})"


# ---------------------------------------------------------------------------------------------
# Elections
# ---------------------------------------------------------------------------------------------
#
# Secrecy by structure: who voted (``Participation``, tied to the roll) and how (``Ballot``) are
# separate tables written in one transaction, and no foreign key leads from one to the other. A
# ballot has no user, no history, no timestamp, no IP and a random primary key; its only links are
# to its contest. ``test_no_join_path_from_a_voter_to_a_ballot`` in
# ``tests/governance/test_elections_core.py`` walks the model graph to keep it so.


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


class ElectionQuerySet(models.QuerySet):
    def visible_to(self, user: object) -> ElectionQuerySet:
        """Staff see every election; anyone else those past the draft (the roll and contests are public)."""
        from clt import roles

        if roles.is_staff_member(user):
            return self
        return self.exclude(phase=ElectionPhase.DRAFT)


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

    class Meta:
        ordering = ["-opens_at", "pk"]
        verbose_name = _("election")
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

    class Meta:
        ordering = ["election_id", "order", "pk"]
        verbose_name = _("contest")

    def __str__(self) -> str:
        return f"{self.election}: {self.title}"

    @property
    def ranked(self) -> bool:
        return self.method not in ("plurality", "block", "approval")

    def clean(self) -> None:
        from governance.elections import counting

        errors: dict[str, str] = {}
        if self.method not in counting.METHODS:
            errors["method"] = _("Choose one of: %(methods)s.") % {"methods": ", ".join(counting.METHODS)}
        elif self.method == "irv" and self.seats != 1:
            errors["seats"] = _("Instant runoff fills one seat.")
        elif set(self.options or {}) - set(counting.method_options(self.method)):
            errors["options"] = _("This method takes only: %(names)s.") % {
                "names": ", ".join(counting.method_options(self.method)) or "-"
            }
        unknown_rules = [rule for rule in self.tie_break_rules or [] if rule not in counting.TIE_RULES]
        if not isinstance(self.tie_break_rules, list) or unknown_rules:
            errors["tie_break_rules"] = _("A list of: %(rules)s.") % {"rules": ", ".join(counting.TIE_RULES)}
        if (
            not isinstance(self.eligible_classes, list)
            or not self.eligible_classes
            or not set(self.eligible_classes) <= set(MemberClass.values)
        ):
            errors["eligible_classes"] = _("A non-empty list of member classes: lessee, general, supporting.")
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

    class Meta:
        ordering = ["contest_id", "ballot_order", "pk"]
        verbose_name = _("candidate")
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

    class Meta:
        ordering = ["contest_id", "roll_entry_id"]
        verbose_name = _("participation")
        constraints = [
            models.UniqueConstraint(fields=["contest", "roll_entry"], name="governance_participation_once"),
        ]

    def __str__(self) -> str:
        return f"{self.roll_entry} voted in {self.contest}"


class Ballot(models.Model):
    """An anonymous ballot: its contest, a random id, the voter's receipt code and the marks or ranking.

    ``choices`` lists candidate ids: the marked candidates (plurality, block, approval) or the ranking,
    highest first (IRV, STV). Deliberately no history, user, IP, timestamp or link to the roll.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    contest = models.ForeignKey(Contest, on_delete=models.PROTECT, related_name="ballots")
    receipt = models.CharField(_("receipt code"), max_length=32, unique=True)
    choices = models.JSONField(_("choices"), default=list)

    class Meta:
        # Published in receipt order: random, so the list says nothing about who voted when.
        ordering = ["contest_id", "receipt"]
        verbose_name = _("ballot")

    def __str__(self) -> str:
        return self.receipt


class SealedBallot(models.Model):
    """A ballot cast but not yet in the ballot box: its receipt and choices, encrypted.

    It is written in the voter's own transaction (so no vote is lost if the server stops), and so it
    carries that transaction's traces (PostgreSQL's ``xmin``, SQLite's row order) that also mark the
    voter's ``Participation``. That is why it holds nothing readable without the server's key, and why it
    lives only until enough ballots of its contest wait to be moved into ``Ballot`` together, shuffled, in
    a transaction that touches no participation (``governance.services.ballot_box``).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    contest = models.ForeignKey(Contest, on_delete=models.PROTECT, related_name="sealed_ballots")
    sealed = models.BinaryField()

    class Meta:
        ordering = ["contest_id", "id"]
        verbose_name = _("sealed ballot")

    def __str__(self) -> str:
        return str(_("sealed ballot"))


class PetitionSignature(models.Model):
    """A member's signature on a candidate's nominating petition (R7)."""

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="signatures")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="petition_signatures")
    signed_on = models.DateField(_("signed on"))

    class Meta:
        ordering = ["candidate_id", "signed_on", "pk"]
        verbose_name = _("petition signature")
        constraints = [
            models.UniqueConstraint(fields=["candidate", "person"], name="governance_signature_once"),
        ]

    def __str__(self) -> str:
        return f"{self.person} for {self.candidate}"


# ---------------------------------------------------------------------------------------------
# Member meetings, proxies and resolutions (R9, R10, R12, R13)
# ---------------------------------------------------------------------------------------------


class MeetingKind(models.TextChoices):
    ANNUAL = "annual", _("Annual meeting")
    SPECIAL = "special", _("Special meeting")


class MeetingStatus(models.TextChoices):
    """scheduled → noticed → in session → adjourned; or cancelled before it sits."""

    SCHEDULED = "scheduled", _("Scheduled")
    NOTICED = "noticed", _("Notice sent")
    IN_SESSION = "in_session", _("In session")
    ADJOURNED = "adjourned", _("Adjourned")
    CANCELLED = "cancelled", _("Cancelled")


class Meeting(TimeStampedModel):
    """A meeting of the members: its notice, agenda, who attended, proxies and the resolutions put to it.

    Who may vote is decided on ``record_date`` (like an election's roll); a special meeting states its
    purpose in the notice, and a removal may be voted on only if the notice said so (R12).
    """

    kind = models.CharField(_("kind"), max_length=16, choices=MeetingKind.choices, default=MeetingKind.ANNUAL)
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    location = models.CharField(_("where"), max_length=300, blank=True)
    record_date = models.DateField(_("record date"), help_text=_("Who may vote is decided on this date."))
    purpose = models.TextField(
        _("purpose stated in the notice"), blank=True, help_text=_("Required for a special meeting.")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED
    )
    notice_sent_on = models.DateField(_("notice sent on"), null=True, blank=True)
    opened_at = models.DateTimeField(_("called to order at"), null=True, blank=True)
    adjourned_at = models.DateTimeField(_("adjourned at"), null=True, blank=True)
    minutes = models.TextField(_("minutes"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-starts_at", "pk"]
        verbose_name = _("member meeting")

    def __str__(self) -> str:
        return self.title


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting_id", "order", "pk"]
        verbose_name = _("agenda item")

    def __str__(self) -> str:
        return self.title


class Attendance(models.Model):
    """A person at a meeting: their class on the record date (empty: present without a vote), arrival, departure.

    The quorum counts those present now (no ``left_at``), so it is live as people come and go.
    """

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="meeting_attendance")
    member_class = models.CharField(_("votes as"), max_length=16, choices=MemberClass.choices, blank=True)
    arrived_at = models.DateTimeField(_("arrived at"))
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # The quorum rests on these rows: every arrival, departure, correction and removal is kept with
    # who recorded it and why.
    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting_id", "arrived_at", "pk"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="governance_attendance_once"),
        ]

    def __str__(self) -> str:
        return f"{self.person} at {self.meeting}"


class Proxy(TimeStampedModel):
    """A member's written proxy for one meeting or one election (R10), to another person.

    It counts only while its holder attends (the quorum) and lapses when the grantor attends in person or
    revokes it. ``directed``: the grantor told the holder how to vote (``instructions``).
    """

    grantor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="proxies_given")
    holder = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="proxies_held")
    meeting = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.CASCADE, related_name="proxies")
    election = models.ForeignKey(
        Election, null=True, blank=True, on_delete=models.CASCADE, related_name="proxies"
    )
    received_on = models.DateField(_("received on"))
    directed = models.BooleanField(_("directed (the grantor says how to vote)"), default=False)
    instructions = models.TextField(_("instructions"), blank=True)
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("proxy")
        verbose_name_plural = _("proxies")
        constraints = [
            models.CheckConstraint(
                condition=(Q(meeting__isnull=False) & Q(election__isnull=True))
                | (Q(meeting__isnull=True) & Q(election__isnull=False)),
                name="governance_proxy_one_occasion",
                violation_error_message=_("A proxy is for one meeting or one election."),
            ),
            models.CheckConstraint(
                condition=~Q(grantor=models.F("holder")),
                name="governance_proxy_not_to_self",
                violation_error_message=_("A member cannot hold their own proxy."),
            ),
            models.UniqueConstraint(
                fields=["meeting", "grantor"],
                condition=Q(meeting__isnull=False, revoked_on__isnull=True),
                name="governance_proxy_once_per_meeting",
            ),
            models.UniqueConstraint(
                fields=["election", "grantor"],
                condition=Q(election__isnull=False, revoked_on__isnull=True),
                name="governance_proxy_once_per_election",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grantor} → {self.holder}"


class ResolutionStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CARRIED = "carried", _("Carried")
    FAILED = "failed", _("Failed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Resolution(TimeStampedModel):
    """A yes/no question put to a meeting (R13), with the threshold it needs and the quorum when it was voted.

    ``quorum`` is the snapshot taken at the moment of the vote (who was present, by class, with proxies,
    against what was needed); a vote without a quorum is refused, so a carried resolution always had one.
    A carried resolution may approve a draft resale policy version, which then cites it.
    """

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="resolutions")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text of the resolution"))
    kind = models.CharField(_("kind"), max_length=16, choices=ResolutionKind.choices, default=ResolutionKind.OTHER)
    threshold = models.CharField(_("needs"), max_length=24, choices=Threshold.choices)
    voting_classes = models.JSONField(
        _("member classes that vote"),
        default=list,
        blank=True,
        help_text=_("Empty: every voting member. A removal is voted on by the electing class only."),
    )
    policy_version = models.ForeignKey(
        "leases.ResalePolicyVersion",
        verbose_name=_("approves the resale policy version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="resolutions",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ResolutionStatus.choices, default=ResolutionStatus.PROPOSED
    )
    votes_yes = models.PositiveIntegerField(_("yes"), null=True, blank=True)
    votes_no = models.PositiveIntegerField(_("no"), null=True, blank=True)
    votes_abstain = models.PositiveIntegerField(_("abstentions"), null=True, blank=True)
    voted_at = models.DateTimeField(_("voted at"), null=True, blank=True)
    quorum = models.JSONField(_("quorum at the vote"), null=True, blank=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting_id", "order", "pk"]
        verbose_name = _("resolution")

    def __str__(self) -> str:
        return self.title
