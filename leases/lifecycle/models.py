"""The ground lease and who it is with: households, lease terms (template versions), leases, their events and deadlines.

The states, events and day counts come from ``leases.lifecycle.rules``. Rows here store facts: what was
signed, what was received when. Everything that changes state goes through ``leases.lifecycle.services``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

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
from leases.ledger import fees
from leases.lifecycle import rules as lifecycle
from leases.lifecycle.choices import DEADLINE_LABELS, EVENT_LABELS, STATE_LABELS, TRACK_LABELS, choices
from leases.resale.choices import PolicyStatus
from properties.models import Parcel, Unit

ZERO = Decimal("0")
# Lookups from each model to the login of a leaseholder: the one rule of the homeowner portal.
LEASEHOLDER = "leaseholders__person__user"
# A cooperative's lease is seen by the person the trust deals with there.
ORGANIZATION_CONTACT = "organization__contact__user"


def holders(prefix: str) -> tuple[str, ...]:
    """The lookups from a model to the users who hold the lease at ``prefix`` (e.g. ``"lease__"``)."""
    return (prefix + LEASEHOLDER, prefix + ORGANIZATION_CONTACT)


def money_field(verbose_name: str, **options) -> models.DecimalField:
    options.setdefault("max_digits", 12)
    options.setdefault("decimal_places", 2)
    options.setdefault("validators", [MinValueValidator(ZERO)])
    return models.DecimalField(verbose_name, **options)


def days_field(verbose_name: str, default: int, help_text: str) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        verbose_name, default=default, validators=[MaxValueValidator(3650)], help_text=help_text
    )


# --- Households -------------------------------------------------------------------------------


class Household(TimeStampedModel):
    """The people who live in a home, with their income when they bought it."""

    name = models.CharField(_("name"), max_length=200, help_text=_("How staff refer to it, e.g. “Diaz household”."))
    size = models.PositiveSmallIntegerField(
        _("household size"), validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    income_at_purchase = money_field(_("annual income at purchase"), null=True, blank=True)
    area_median_income = money_field(
        _("area median income"),
        null=True,
        blank=True,
        help_text=_("HUD median family income for the area and year of purchase, adjusted to this household's size."),
    )
    ami_year = models.PositiveSmallIntegerField(_("AMI year"), null=True, blank=True)
    people = models.ManyToManyField(Person, through="HouseholdMember", related_name="households")
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords()
    objects = RestrictedManager()
    access_rules = AccessRules(view=("members__person__user",))

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return self.name

    @property
    def ami_percent(self) -> Decimal | None:
        """Income as a % of AMI, to one decimal place, rounded half up (how funders report it)."""
        if not self.income_at_purchase or not self.area_median_income:
            return None
        return (self.income_at_purchase * 100 / self.area_median_income).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )


class HouseholdMember(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="household_memberships")
    relationship = models.CharField(_("relationship"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("household member")
        constraints = [
            models.UniqueConstraint(fields=["household", "person"], name="leases_householdmember_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.household})"


# The pure rule's field names → the model's, so a refused rule points at the right form field.
RULE_FIELD_NAMES = {
    "grace_days": "grace_days",
    "amount": "late_fee_amount",
    "step": "late_fee_step",
    "percent": "late_fee_percent",
    "repeat_percent": "late_fee_repeat_percent",
    "repeat_every_days": "late_fee_repeat_days",
    "max_assessments": "late_fee_max_assessments",
}


# --- Lease templates ----------------------------------------------------------------------------


class TransferMode(models.TextChoices):
    ASSIGN = "assign", _("The buyer takes an assignment of the remaining term")
    NEW_LEASE = "new_lease", _("The buyer signs a new lease for a full term")


class LateFeeKind(models.TextChoices):
    NONE = "none", _("No late fee")
    FLAT = "flat", _("Flat amount")
    PERCENT = "percent", _("Percent of the amount past due")
    ESCALATING = "escalating", _("Escalating amount")


class LateFeeRuleFields(models.Model):
    """The late-fee rule and fee terms, shared by template versions (defaults) and fee schedules."""

    due_day = models.PositiveSmallIntegerField(
        _("due day of the month"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text=_("31 means the last day of every month."),
    )
    grace_days = days_field(_("grace days"), 14, _("Days after the due date before a payment is late."))
    late_fee_kind = models.CharField(
        _("late fee"), max_length=12, choices=LateFeeKind.choices, default=LateFeeKind.NONE
    )
    late_fee_amount = money_field(
        _("late fee amount"), default=ZERO, help_text=_("Flat fee, or the first fee of an escalating rule.")
    )
    late_fee_step = money_field(_("escalation step"), default=ZERO, help_text=_("Added to each further late fee."))
    late_fee_percent = models.DecimalField(
        _("late fee percent"),
        max_digits=6,
        decimal_places=3,
        default=ZERO,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))],
        help_text=_("Percent of the amount past due at the first assessment."),
    )
    late_fee_repeat_percent = models.DecimalField(
        _("further late fee percent"),
        max_digits=6,
        decimal_places=3,
        default=ZERO,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))],
        help_text=_("Percent of the original amount for each further assessment."),
    )
    late_fee_repeat_days = days_field(
        _("repeat every (days)"), 0, _("0: a single late fee; otherwise assessed again every so many days.")
    )
    late_fee_max_assessments = models.PositiveSmallIntegerField(
        _("at most this many late fees per charge"), default=0, help_text=_("0 means no limit.")
    )
    max_increase_pct = models.DecimalField(
        _("maximum annual increase (%)"),
        max_digits=6,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
    )
    max_increases_per_year = models.PositiveSmallIntegerField(
        _("increases allowed per 12 months"), null=True, blank=True
    )

    class Meta:
        abstract = True

    def late_fee_rule(self) -> fees.LateFeeRule:
        """The pure rule these fields describe (percentages stored as 10 = 10 %)."""
        return fees.LateFeeRule(
            kind=fees.LateFeeKind(self.late_fee_kind),
            grace_days=self.grace_days,
            amount=self.late_fee_amount,
            step=self.late_fee_step,
            percent=self.late_fee_percent / 100,
            repeat_percent=self.late_fee_repeat_percent / 100,
            repeat_every_days=self.late_fee_repeat_days,
            max_assessments=self.late_fee_max_assessments,
        )

    def clean(self) -> None:
        super().clean()
        if None in (self.late_fee_amount, self.late_fee_step, self.late_fee_percent, self.late_fee_repeat_percent):
            return  # the field errors say what is missing
        try:
            self.late_fee_rule()
        except fees.FeeInputError as error:
            raise ValidationError({RULE_FIELD_NAMES.get(error.field, "late_fee_kind"): [error.reason]}) from None

    LATE_FEE_FIELDS = (
        "due_day",
        "grace_days",
        "late_fee_kind",
        "late_fee_amount",
        "late_fee_step",
        "late_fee_percent",
        "late_fee_repeat_percent",
        "late_fee_repeat_days",
        "late_fee_max_assessments",
        "max_increase_pct",
        "max_increases_per_year",
    )


class LeaseTemplate(TimeStampedModel):
    """A trust's lease document, e.g. “2011 model lease as adopted 2018”. Its terms live in versions."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)

    history = HistoricalRecords()
    objects = RestrictedManager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("lease template")
        verbose_name_plural = _("lease templates")

    def __str__(self) -> str:
        return self.name


class LeaseTemplateVersion(LateFeeRuleFields, TimeStampedModel):
    """The terms that vary between trusts and between versions of a lease.

    A lease pins the version it was signed under. A version that any lease uses is never
    edited (``services.template_version_update`` refuses); a change of terms is a new version.
    The defaults are the published figures of the domain notes (§4, §5.2).
    """

    template = models.ForeignKey(LeaseTemplate, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveSmallIntegerField(_("version"))
    effective_from = models.DateField(_("in use from"))
    term_years = models.PositiveSmallIntegerField(
        _("term (years)"), default=99, validators=[MinValueValidator(1), MaxValueValidator(999)]
    )
    renewal_terms = models.PositiveSmallIntegerField(_("renewals allowed"), default=1)
    renewal_term_years = models.PositiveSmallIntegerField(
        _("renewal term (years)"), default=99, validators=[MinValueValidator(1), MaxValueValidator(999)]
    )
    renewal_notice_days = days_field(
        _("renewal notice (days before term end)"), 365, _("When the trust must hear whether the owner renews.")
    )
    occupancy_months_per_year = models.PositiveSmallIntegerField(
        _("owner occupancy (months a year)"), default=10, validators=[MaxValueValidator(12)]
    )
    certification_month = models.PositiveSmallIntegerField(
        _("annual certification due (month)"), default=1, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    certification_day = models.PositiveSmallIntegerField(
        _("annual certification due (day)"), default=31, validators=[MinValueValidator(1), MaxValueValidator(31)]
    )
    inspection_notice_hours = models.PositiveSmallIntegerField(_("inspection notice (hours)"), default=48)
    inspections_per_year = models.PositiveSmallIntegerField(_("inspections allowed per 12 months"), default=1)
    cure_days = days_field(_("cure period (days)"), 30, _("From the owner's receipt of a notice of default."))
    mortgagee_objection_days = days_field(
        _("mortgagee objection window (days)"), 30, _("From the mortgagee's receipt of a termination notice.")
    )
    lender_default_cure_days = days_field(
        _("trust's cure of a lender default (days)"), 120, _("From the trust's receipt of the lender's notice.")
    )
    mortgage_consent_lead_days = days_field(
        _("mortgage consent request lead (days)"), 10, _("How long before the intended closing the owner must ask.")
    )
    option_exercise_days = days_field(
        _("purchase option exercise window (days)"), 45, _("From receipt of the signed resale agreement.")
    )
    option_closing_days = days_field(_("option closing window (days)"), 60, _("From the option's exercise."))
    second_appraisal_decision_days = days_field(
        _("second appraisal decision (days)"), 10, _("From receipt of the owner's appraisal.")
    )
    second_appraisal_delivery_days = days_field(
        _("second appraisal delivery (days)"), 45, _("From receipt of the notice of intent to sell.")
    )
    intended_transfer_notice_days = days_field(
        _("notice of intended transfer (days)"), 90, _("How long before a transfer the owner must give notice.")
    )
    transfer_mode = models.CharField(
        _("on resale"), max_length=12, choices=TransferMode.choices, default=TransferMode.NEW_LEASE
    )
    default_monthly_fee = money_field(_("default monthly lease fee"), default=Decimal("40.00"))
    resale_policy_version = models.ForeignKey(
        "ResalePolicyVersion",
        verbose_name=_("resale formula"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="template_versions",
        help_text=_("The approved resale policy version leases signed under these terms follow."),
    )

    history = HistoricalRecords()
    objects = RestrictedManager()

    class Meta:
        ordering = ["template__name", "-version"]
        verbose_name = _("lease template version")
        verbose_name_plural = _("lease template versions")
        constraints = [
            models.UniqueConstraint(fields=["template", "version"], name="leases_templateversion_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.template} v{self.version}"

    def days(self, field_name: str) -> int:
        return int(getattr(self, field_name))

    def clean(self) -> None:
        super().clean()
        policy = self.resale_policy_version
        if policy is not None and policy.status != PolicyStatus.APPROVED:
            raise ValidationError(
                {"resale_policy_version": [_("Leases may follow only an approved resale policy version.")]}
            )


# --- Leases -------------------------------------------------------------------------------------


class GroundLease(TimeStampedModel):
    """The 99-year (or so) lease of the land under one home, with its states and recording details."""

    unit = models.ForeignKey(
        Unit, verbose_name=pgettext_lazy("a dwelling", "home"), on_delete=models.PROTECT, related_name="leases"
    )
    parcel = models.ForeignKey(Parcel, verbose_name=_("parcel"), on_delete=models.PROTECT, related_name="leases")
    template_version = models.ForeignKey(
        LeaseTemplateVersion, verbose_name=_("lease terms"), on_delete=models.PROTECT, related_name="leases"
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("leaseholder organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="ground_leases",
        help_text=_("A limited-equity cooperative leasing the land under its building; leave empty for people."),
    )
    household = models.ForeignKey(
        Household, verbose_name=_("household"), null=True, blank=True, on_delete=models.SET_NULL, related_name="leases"
    )
    predecessor = models.OneToOneField(
        "self",
        verbose_name=_("previous lease of this home"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="successor",
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=choices(STATE_LABELS[lifecycle.Track.LEASE]),
        default=lifecycle.LeaseStatus.DRAFT,
    )
    compliance_state = models.CharField(
        _("compliance"),
        max_length=24,
        choices=choices(STATE_LABELS[lifecycle.Track.COMPLIANCE]),
        default=lifecycle.ComplianceState.OK,
    )
    financing_state = models.CharField(
        _("financing"),
        max_length=24,
        choices=choices(STATE_LABELS[lifecycle.Track.FINANCING]),
        default=lifecycle.FinancingState.NO_MORTGAGE,
    )
    transfer_state = models.CharField(
        _("transfer"),
        max_length=24,
        choices=choices(STATE_LABELS[lifecycle.Track.TRANSFER]),
        default=lifecycle.TransferState.NONE,
    )
    commencement = models.DateField(_("commencement"), null=True, blank=True)
    term_end = models.DateField(pgettext_lazy("a lease", "term ends"), null=True, blank=True)
    renewals_used = models.PositiveSmallIntegerField(_("renewals used"), default=0)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    recording_instrument = models.CharField(_("recording instrument number"), max_length=60, blank=True)
    recording_book = models.CharField(_("book"), max_length=20, blank=True)
    recording_page = models.CharField(_("page"), max_length=20, blank=True)
    recorded_on = models.DateField(_("recorded on"), null=True, blank=True)
    purchase_price = money_field(_("purchase price of the home"), null=True, blank=True)
    appraisal_date = models.DateField(_("appraisal date"), null=True, blank=True)
    appraised_value = money_field(_("appraised value at purchase"), null=True, blank=True)
    appraised_land_value = money_field(_("of which land"), null=True, blank=True)
    appraised_improvements_value = money_field(_("of which improvements"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords()
    objects = RestrictedManager()
    # "submit": what a homeowner may start on their own lease (certification, notice of intent to sell).
    access_rules = AccessRules(
        view=holders(""),
        extra={"submit": holders("")},
    )

    class Meta:
        ordering = ["-commencement", "-pk"]
        verbose_name = _("ground lease")
        verbose_name_plural = _("ground leases")
        constraints = [
            # One live lease per home: a resale ends the seller's before the buyer's starts.
            models.UniqueConstraint(
                fields=["unit"],
                condition=Q(status="active"),
                name="leases_groundlease_one_active_per_home",
                violation_error_message=_("This home already has an active lease."),
            ),
        ]

    def snapshot(self) -> lifecycle.LeaseSnapshot:
        """The lease's four states, as the lifecycle rules read them."""
        return lifecycle.LeaseSnapshot(
            status=self.status,
            compliance=self.compliance_state,
            financing=self.financing_state,
            transfer=self.transfer_state,
        )

    def __str__(self) -> str:
        return _("Lease %(id)s, %(address)s") % {"id": self.pk, "address": self.unit.address if self.unit_id else ""}

    def clean(self) -> None:
        errors = {}
        if self.unit_id and self.parcel_id and self.unit.parcel_id != self.parcel_id:
            errors["parcel"] = _("The home stands on parcel %(apn)s, not this one.") % {"apn": self.unit.parcel.apn}
        parts = (self.appraised_land_value, self.appraised_improvements_value)
        if (
            self.appraised_value is not None
            and all(p is not None for p in parts)
            and sum(parts) != self.appraised_value
        ):
            errors["appraised_improvements_value"] = _(
                "Land (%(land)s) and improvements (%(imp)s) must add up to the appraised value (%(total)s)."
            ) % {"land": parts[0], "imp": parts[1], "total": self.appraised_value}
        if errors:
            raise ValidationError(errors)

    @property
    def leaseholder_names(self) -> str:
        if self.organization_id:
            return str(self.organization)
        return ", ".join(h.person.full_name for h in self.leaseholders.all())


class Leaseholder(models.Model):
    """A person named as lessee (co-lessees are several rows)."""

    lease = models.ForeignKey(GroundLease, on_delete=models.CASCADE, related_name="leaseholders")
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="leaseholdings")

    history = HistoricalRecords()

    class Meta:
        ordering = ["lease_id", "pk"]
        verbose_name = _("leaseholder")
        constraints = [models.UniqueConstraint(fields=["lease", "person"], name="leases_leaseholder_unique")]

    def __str__(self) -> str:
        return str(self.person)


class LeaseSubsidy(models.Model):
    """A subsidy that stays with the home (the Investment Basis exhibit): it is not the seller's to take."""

    lease = models.ForeignKey(GroundLease, on_delete=models.CASCADE, related_name="subsidies")
    source = models.CharField(_("source"), max_length=200)
    amount = money_field(_("amount"))
    stays_with_home = models.BooleanField(_("stays with the home"), default=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["lease_id", "pk"]
        verbose_name = _("subsidy")
        verbose_name_plural = _("subsidies")

    def __str__(self) -> str:
        return f"{self.source}: {self.amount}"


class PermittedMortgage(TimeStampedModel):
    """A leasehold mortgage the trust consented to (Art. 8; CHT-NC Exhibit G)."""

    lease = models.ForeignKey(GroundLease, on_delete=models.CASCADE, related_name="mortgages")
    lender = models.ForeignKey(Organization, verbose_name=_("lender"), on_delete=models.PROTECT, related_name="+")
    amount = money_field(_("amount"))
    lien_position = models.PositiveSmallIntegerField(_("lien position"), default=1, validators=[MinValueValidator(1)])
    approved_on = models.DateField(_("approved on"))
    released_on = models.DateField(_("released on"), null=True, blank=True)

    history = HistoricalRecords()
    objects = RestrictedManager()
    access_rules = AccessRules(view=holders("lease__"))

    class Meta:
        ordering = ["lease_id", "lien_position", "pk"]
        verbose_name = _("permitted mortgage")

    def __str__(self) -> str:
        return f"{self.lender}: {self.amount}"


class LeaseEvent(models.Model):
    """One fact in the life of a lease: append-only, with the dates the law cares about.

    ``received_on`` is when the addressee received a notice: deadlines count from it, not from
    ``sent_on`` (pitfall 4 of the domain notes).
    """

    lease = models.ForeignKey(GroundLease, on_delete=models.PROTECT, related_name="events")
    track = models.CharField(_("track"), max_length=12, choices=choices(TRACK_LABELS))
    kind = models.CharField(_("kind"), max_length=40, choices=choices(EVENT_LABELS))
    from_state = models.CharField(pgettext_lazy("a state", "from"), max_length=24, blank=True)
    to_state = models.CharField(pgettext_lazy("a state", "to"), max_length=24, blank=True)
    effective_on = models.DateField(_("effective"))
    sent_on = models.DateField(_("sent"), null=True, blank=True)
    received_on = models.DateField(_("received"), null=True, blank=True)
    delivery_method = models.CharField(_("delivery method"), max_length=40, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    reason = models.TextField(_("reason"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = RestrictedManager()
    access_rules = AccessRules(view=holders("lease__"))

    class Meta:
        ordering = ["lease_id", "effective_on", "pk"]
        verbose_name = _("lease event")
        indexes = [models.Index(fields=["lease", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.effective_on})"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValidationError(_("Lease events are append-only; record a new event instead."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Lease events are append-only and are never deleted."))


class DeadlineStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("a deadline", "Open")
    MET = "met", pgettext_lazy("a deadline", "Met")
    MISSED = "missed", pgettext_lazy("a deadline", "Missed")
    CANCELLED = "cancelled", pgettext_lazy("a deadline", "No longer applies")


class Deadline(TimeStampedModel):
    """A date by which something must happen, counted from an event's receipt date.

    An extension agreed in writing moves ``due`` and keeps ``original_due``; the extension is
    itself a lease event.
    """

    lease = models.ForeignKey(GroundLease, on_delete=models.CASCADE, related_name="deadlines")
    kind = models.CharField(_("deadline"), max_length=32, choices=choices(DEADLINE_LABELS))
    opened_by = models.ForeignKey(
        LeaseEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="deadlines_opened"
    )
    counted_from = models.DateField(_("counted from"))
    days = models.IntegerField(_("days"), null=True, blank=True)
    original_due = models.DateField(_("originally due"))
    due = models.DateField(_("due"))
    status = models.CharField(_("status"), max_length=12, choices=DeadlineStatus.choices, default=DeadlineStatus.OPEN)
    settled_by = models.ForeignKey(
        LeaseEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="deadlines_settled"
    )
    settled_on = models.DateField(_("settled on"), null=True, blank=True)

    history = HistoricalRecords()
    objects = RestrictedManager()
    access_rules = AccessRules(view=holders("lease__"))

    class Meta:
        ordering = ["due", "pk"]
        verbose_name = _("deadline")
        indexes = [models.Index(fields=["status", "due"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.due}"

    @property
    def extended(self) -> bool:
        return self.due != self.original_due
