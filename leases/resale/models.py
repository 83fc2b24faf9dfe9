"""Resale prices: index series, resale policies and their versions, capital improvements, saved calculations."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clt.models import TimeStampedModel
from clt.querysets import AccessRules, RestrictedManager
from leases.lifecycle.models import GroundLease, holders, money_field
from leases.resale.choices import PolicyStatus

ZERO = Decimal("0")

# --- Resale: index series and policies ---------------------------------------------------------


class IndexKind(models.TextChoices):
    CPI = "cpi", _("Consumer price index")
    MEDIAN_INCOME = "median_income", _("Area median family income")
    INCOME_LIMIT = "income_limit", _("Income limit by household size")
    OTHER = "other", _("Other")


class IndexSeries(TimeStampedModel):
    """A published series a resale formula reads: CPI-U, HUD median family income, HUD income limits."""

    code = models.SlugField(_("code"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=IndexKind.choices)
    area = models.CharField(_("area"), max_length=200, blank=True)
    source = models.TextField(_("source"), blank=True, help_text=_("Who publishes it, and where it was copied from."))

    history = HistoricalRecords()
    objects = RestrictedManager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("index series")
        verbose_name_plural = _("index series")

    def __str__(self) -> str:
        return self.name


class IndexValue(models.Model):
    """One published value: for ``period`` (a month or a year), in effect from ``effective_from``.

    Income limits are published per household size (1-8); other series leave it empty.
    """

    series = models.ForeignKey(IndexSeries, on_delete=models.CASCADE, related_name="values")
    period = models.CharField(_("period"), max_length=7, help_text=_("YYYY or YYYY-MM, as published."))
    effective_from = models.DateField(_("in effect from"))
    household_size = models.PositiveSmallIntegerField(
        _("household size"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(8)]
    )
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=4)

    history = HistoricalRecords()

    class Meta:
        ordering = ["series_id", "household_size", "effective_from"]
        verbose_name = _("index value")
        constraints = [
            # Two constraints, not nulls_distinct=False: that one only PostgreSQL 15+ enforces.
            models.UniqueConstraint(
                fields=["series", "period"],
                condition=Q(household_size__isnull=True),
                name="leases_indexvalue_unique",
                violation_error_message=_("This series already has a value for this period."),
            ),
            models.UniqueConstraint(
                fields=["series", "period", "household_size"],
                condition=Q(household_size__isnull=False),
                name="leases_indexvalue_unique_by_size",
                violation_error_message=_("This series already has a value for this period and household size."),
            ),
        ]
        indexes = [models.Index(fields=["series", "household_size", "effective_from"])]

    def __str__(self) -> str:
        return f"{self.series.code} {self.period}: {self.value}"


class ResalePolicy(TimeStampedModel):
    """A trust's resale formula (a "program" in funder reports); its parameters live in versions."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)

    history = HistoricalRecords()
    objects = RestrictedManager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("resale policy")
        verbose_name_plural = _("resale policies")

    def __str__(self) -> str:
        return self.name


class ResalePolicyVersion(TimeStampedModel):
    """The parameters of a resale formula (``leases/resale_codec.py``'s JSON of a ``resale.ResalePolicy``).

    A draft may be corrected; an approved version never changes (a new version is made). Approval
    may cite a member resolution: ``approval_reference`` now, a link when governance arrives.
    """

    policy = models.ForeignKey(ResalePolicy, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveSmallIntegerField(_("version"))
    parameters = models.JSONField(_("parameters"))
    status = models.CharField(_("status"), max_length=12, choices=PolicyStatus.choices, default=PolicyStatus.DRAFT)
    effective_from = models.DateField(_("in use from"), null=True, blank=True)
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approval_reference = models.CharField(
        _("approved by"), max_length=200, blank=True, help_text=_("The board or member resolution, with its date.")
    )
    notes = models.TextField(_("notes"), blank=True)
    # The published series the program reads, so a lease's price can be valued without asking which:
    # the portfolio, the homeowner's page and the funder report all read them.
    cpi_series = models.ForeignKey(
        IndexSeries,
        verbose_name=_("CPI series"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind__in": [IndexKind.CPI, IndexKind.OTHER]},
    )
    ami_series = models.ForeignKey(
        IndexSeries,
        verbose_name=_("area median income series"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind__in": [IndexKind.MEDIAN_INCOME, IndexKind.OTHER]},
    )

    history = HistoricalRecords()
    objects = RestrictedManager()

    class Meta:
        ordering = ["policy_id", "-version"]
        verbose_name = _("resale policy version")
        constraints = [
            models.UniqueConstraint(fields=["policy", "version"], name="leases_policyversion_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.policy} v{self.version}"


class ImprovementStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    DENIED = "denied", _("Denied")
    COMPLETED = "completed", _("Completed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class CreditMethod(models.TextChoices):
    """How an improvement is valued for the resale credit (``resale.CreditMethod``'s values)."""

    APPRAISED_VALUE = "appraised_value", _("Value isolated by an appraiser")
    DEPRECIATED_COST = "depreciated_cost", _("Cost depreciated over a useful life")
    PERCENT_OF_COST = "percent_of_cost", _("A percent of the cost")
    FIXED_VALUE = "fixed_value", _("A fixed value from the trust's list")


class CapitalImprovement(TimeStampedModel):
    """An improvement the owner asks to make: approved before the work, credited at resale once completed.

    Ordinary maintenance is recorded too (so the file is complete) but never earns a credit.
    """

    lease = models.ForeignKey(GroundLease, on_delete=models.PROTECT, related_name="improvements")
    description = models.CharField(_("description"), max_length=300)
    maintenance = models.BooleanField(
        _("ordinary maintenance"), default=False, help_text=_("Repairs and upkeep earn no resale credit.")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ImprovementStatus.choices, default=ImprovementStatus.REQUESTED
    )
    requested_on = models.DateField(_("requested on"))
    estimated_cost = money_field(_("estimated cost"), null=True, blank=True)
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    approval_reference = models.CharField(_("approval reference"), max_length=200, blank=True)
    started_on = models.DateField(_("work started on"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    cost = money_field(_("final cost"), null=True, blank=True)
    documents = models.TextField(
        _("documents"), blank=True, help_text=_("Receipts, permits and photos on file (one per line).")
    )
    method = models.CharField(
        _("credit method"), max_length=20, choices=CreditMethod.choices, default=CreditMethod.PERCENT_OF_COST
    )
    credit_pct = models.DecimalField(
        _("share credited (%)"),
        max_digits=6,
        decimal_places=3,
        default=Decimal("100"),
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))],
    )
    appraised_value = money_field(_("appraiser-isolated value"), null=True, blank=True)
    useful_life_years = models.PositiveSmallIntegerField(_("useful life (years)"), null=True, blank=True)
    fixed_value = money_field(_("value from the trust's list"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords()
    objects = RestrictedManager()
    access_rules = AccessRules(view=holders("lease__"))

    class Meta:
        ordering = ["lease_id", "requested_on", "pk"]
        verbose_name = _("capital improvement")

    def __str__(self) -> str:
        return self.description


class ResaleCalculation(models.Model):
    """A formula price determined for a lease on a date: every input used and every output, frozen.

    Never edited: a new determination is a new calculation. ``recompute`` must give the same result.
    """

    lease = models.ForeignKey(GroundLease, on_delete=models.PROTECT, related_name="resale_calculations")
    determination_date = models.DateField(_("determination date"))
    policy_version = models.ForeignKey(
        ResalePolicyVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="calculations"
    )
    policy = models.JSONField(_("policy parameters used"))
    inputs = models.JSONField(_("inputs used"))
    result = models.JSONField(_("result"))
    formula_price = money_field(_("formula price"), validators=[])
    price = money_field(_("resale price"), validators=[], help_text=_("After caps, floor and rounding."))
    reason = models.TextField(_("reason"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = RestrictedManager()
    access_rules = AccessRules(view=holders("lease__"))

    class Meta:
        ordering = ["lease_id", "-determination_date", "-pk"]
        verbose_name = _("resale calculation")

    def __str__(self) -> str:
        return f"{self.lease_id} {self.determination_date}: {self.price}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValidationError(_("A resale calculation is never changed; make a new one."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("A resale calculation is kept as it was made."))


class PortfolioSummary(models.Model):
    """The resale portfolio's totals per program on a date, kept as the inputs then stood (issue 15 §4).

    A kept result, not a record: ``leases.resale.portfolio`` values every lease once for a date and keeps
    the sums here, so a page of 50 rows need not value 50,000 leases again to show them. ``stamp`` names
    the state of every input of a valuation (``portfolio.inputs_stamp``: the latest history row of each
    input model, the latest saved determination); a summary is read only under the stamp it was kept with,
    and any change to an input makes a new stamp. ``programs``: per program, its figures as strings;
    ``leases``: per program (its name), the ids of its leases in force in the portfolio's order.
    """

    as_of = models.DateField()
    stamp = models.CharField(max_length=255)
    programs = models.JSONField()
    leases = models.JSONField()
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["as_of", "stamp"], name="resale_portfolio_summary_once")]

    def __str__(self) -> str:
        return f"{self.as_of} ({self.stamp})"


class KeptValuation(models.Model):
    """One lease's estimated price on a date, kept with the inputs it was worked out from (issue 15 §4).

    A kept result, not a record: ``leases.resale.kept`` values a lease again only when ``key`` no longer
    matches, a digest of everything its valuation reads (the lease's own figures, its home's bedrooms, its
    subsidies and completed improvements, the state of the policies and index series, the valuation
    code itself). Exporting 50,000 leases then values only those whose inputs changed since the last
    export for the date. ``language``: the problem and notes are in the words of the person who asked.

    The price and the credits are whole cents and the notes JSON text: read back 50,000 at a time, they
    need no per-row conversion by the database layer (a third of a second on SQLite).
    """

    as_of = models.DateField()
    language = models.CharField(max_length=10)
    lease = models.ForeignKey("leases.GroundLease", on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=32)
    price_cents = models.BigIntegerField(null=True)
    credits_cents = models.BigIntegerField(null=True)
    problem = models.TextField(blank=True)
    notes = models.TextField(blank=True)  # a JSON list of sentences, "" for none
    valued_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["as_of", "language", "lease"], name="resale_kept_valuation_once")
        ]

    def __str__(self) -> str:
        return f"lease {self.lease_id} on {self.as_of} ({self.language})"
