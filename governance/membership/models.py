"""Models of membership (``shared/domain/governance.md`` §1): the trust's bylaw settings, memberships, dues.

Lessee (leaseholder) membership is never stored: it is derived from ground leases on a date
(``governance.membership.selectors``), so it changes on the lease's effective dates and cannot drift from
them. What is stored is what cannot be derived: the trust's bylaw settings (every ``cfg:`` rule of the
notes, including those the board, elections and meetings read), and general and supporting memberships
with their applications and dues.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from clt.models import Organization, Person, TimeStampedModel
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


class CoopResidents(models.TextChoices):
    """Who a ground lease held by a housing co-op makes leaseholder members (the co-op's residents)."""

    NONE = "none", _("Nobody: the co-op's lease gives no members")
    DELEGATES = "delegates", _("The delegates the co-op designates, one vote each")
    HOUSEHOLDS = "households", _("Every resident household the co-op certifies, one vote each")


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
    coop_residents = models.CharField(
        _("members through a co-op's lease"),
        max_length=16,
        choices=CoopResidents.choices,
        default=CoopResidents.NONE,
        help_text=_("A ground lease held by a housing co-op: who of its residents are leaseholder members."),
    )
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
    APPLIED = "applied", pgettext_lazy("membership status", "Applied")
    ACTIVE = "active", pgettext_lazy("membership status", "Active")
    REFUSED = "refused", pgettext_lazy("membership status", "Refused")
    RESIGNED = "resigned", pgettext_lazy("membership status", "Resigned")
    ENDED = "ended", pgettext_lazy("membership status", "Ended")


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
        verbose_name_plural = _("memberships")
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
        verbose_name_plural = _("dues payments")

    def __str__(self) -> str:
        return f"{self.membership} {self.period_start}–{self.period_end}: {self.amount}"

    def clean(self) -> None:
        if self.period_start and self.period_end and self.period_end < self.period_start:
            raise ValidationError({"period_end": _("The period ends before it starts.")})


class CoopResidentList(TimeStampedModel):
    """A housing co-op's list of its resident households (and its delegates), as the co-op certified it.

    Each certification is a new list: the one certified last on or before a record date decides who the
    co-op's lease makes leaseholder members on that date, so a past election's roll can still be explained.
    """

    organization = models.ForeignKey(
        Organization, verbose_name=_("co-op"), on_delete=models.PROTECT, related_name="resident_lists"
    )
    certified_on = models.DateField(_("certified on"))
    certifier_name = models.CharField(_("certified by"), max_length=200)
    certifier_role = models.CharField(_("certifier's role at the co-op"), max_length=200)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords()
    objects = RestrictedManager()
    access_rules = AccessRules()

    class Meta:
        ordering = ["organization_id", "-certified_on", "-pk"]
        verbose_name = _("co-op resident list")
        verbose_name_plural = _("co-op resident lists")

    def __str__(self) -> str:
        return f"{self.organization} ({self.certified_on})"


class CoopResident(models.Model):
    """A resident on a certified list: a person, with their household when recorded; ``delegate``: one of
    the co-op's designated delegates."""

    resident_list = models.ForeignKey(CoopResidentList, on_delete=models.CASCADE, related_name="entries")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="coop_residences")
    household = models.ForeignKey(
        "leases.Household",
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="coop_residences",
    )
    delegate = models.BooleanField(_("designated delegate"), default=False)

    history = HistoricalRecords()
    objects = RestrictedManager()
    access_rules = AccessRules()

    class Meta:
        ordering = ["resident_list_id", "pk"]
        verbose_name = _("co-op resident")
        verbose_name_plural = _("co-op residents")
        constraints = [
            models.UniqueConstraint(fields=["resident_list", "person"], name="governance_coopresident_once"),
        ]

    def __str__(self) -> str:
        return str(self.person)
