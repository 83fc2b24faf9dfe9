"""The lease-fee ledger: fee schedules, rates, suspensions, charges, waivers and payments (arithmetic in ``fees``),
and the local currencies a trust accepts part of its fees in."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clt.models import TimeStampedModel
from clt.querysets import AccessRules, RestrictedManager
from leases.lifecycle.models import GroundLease, LateFeeRuleFields, holders, money_field

# --- The lease-fee ledger ---------------------------------------------------------------------


class FeeSchedule(LateFeeRuleFields, TimeStampedModel):
    """How a lease's fee is billed; the amounts over time are its rates (``FeeRate``)."""

    lease = models.OneToOneField(GroundLease, on_delete=models.CASCADE, related_name="fee_schedule")

    history = HistoricalRecords()
    objects = RestrictedManager()
    access_rules = AccessRules(view=holders("lease__"))

    class Meta:
        ordering = ["lease_id"]
        verbose_name = _("fee schedule")

    def __str__(self) -> str:
        return _("Fee schedule of lease %(id)s") % {"id": self.lease_id}


class FeeRate(TimeStampedModel):
    """From ``effective`` on, the monthly lease fee is ``amount`` (a time series, never overwritten)."""

    schedule = models.ForeignKey(FeeSchedule, on_delete=models.CASCADE, related_name="rates")
    effective = models.DateField(_("effective from"))
    amount = money_field(_("monthly amount"))
    reason = models.TextField(_("reason"))

    history = HistoricalRecords()
    objects = RestrictedManager()
    access_rules = AccessRules(view=holders("schedule__lease__"))

    class Meta:
        ordering = ["schedule_id", "effective"]
        verbose_name = _("fee rate")
        constraints = [models.UniqueConstraint(fields=["schedule", "effective"], name="leases_feerate_unique")]

    def __str__(self) -> str:
        return _("%(amount)s from %(date)s") % {"amount": self.amount, "date": self.effective}


class FeeSuspension(TimeStampedModel):
    """No monthly fee is billed while a suspension agreed in writing is in force."""

    schedule = models.ForeignKey(FeeSchedule, on_delete=models.CASCADE, related_name="suspensions")
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), null=True, blank=True)
    reason = models.TextField(_("reason"))

    history = HistoricalRecords()
    objects = RestrictedManager()
    access_rules = AccessRules(view=holders("schedule__lease__"))

    class Meta:
        ordering = ["schedule_id", "start"]
        verbose_name = _("fee suspension")

    def __str__(self) -> str:
        return f"{self.start}–{self.end or '…'}"


class ChargeKind(models.TextChoices):
    FEE = "fee", _("Lease fee")
    LATE_FEE = "late_fee", _("Late fee")
    OTHER = "other", _("Other charge")


class Charge(models.Model):
    """An amount the leaseholder owes. Monthly fees are unique per lease and month, late fees per charge
    and assessment, so billing twice creates nothing new."""

    lease = models.ForeignKey(GroundLease, on_delete=models.PROTECT, related_name="charges")
    kind = models.CharField(_("kind"), max_length=12, choices=ChargeKind.choices)
    period = models.DateField(_("month"), null=True, blank=True, help_text=_("First day of the month billed."))
    due = models.DateField(_("due"))
    amount = money_field(_("amount"), validators=[MinValueValidator(Decimal("0.01"))])
    description = models.CharField(_("description"), max_length=200, blank=True)
    source = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="late_fees",
        help_text=_("The charge whose late payment this late fee is for."),
    )
    sequence = models.PositiveSmallIntegerField(_("assessment"), null=True, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    # Who charged it and why (staff's manual charges, each billing run): what a leaseholder owes is
    # never changed unaudited.
    history = HistoricalRecords()
    objects = RestrictedManager()
    access_rules = AccessRules(view=holders("lease__"))

    class Meta:
        ordering = ["lease_id", "due", "pk"]
        verbose_name = _("charge")
        constraints = [
            models.UniqueConstraint(
                fields=["lease", "period"], condition=Q(kind="fee"), name="leases_charge_one_fee_per_month"
            ),
            models.UniqueConstraint(
                fields=["source", "sequence"], condition=Q(kind="late_fee"), name="leases_charge_one_late_fee_each"
            ),
        ]
        indexes = [models.Index(fields=["lease", "due"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.due}: {self.amount}"


class ChargeWaiver(models.Model):
    """Part or all of a charge forgiven in writing, with the reason."""

    charge = models.ForeignKey(Charge, on_delete=models.PROTECT, related_name="waivers")
    amount = money_field(_("amount"), validators=[MinValueValidator(Decimal("0.01"))])
    granted_on = models.DateField(_("granted on"))
    reason = models.TextField(_("reason"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(_("created"), auto_now_add=True)

    objects = RestrictedManager()
    access_rules = AccessRules(view=holders("charge__lease__"))

    class Meta:
        ordering = ["charge_id", "pk"]
        verbose_name = _("waiver")

    def __str__(self) -> str:
        return _("%(amount)s waived %(date)s") % {"amount": self.amount, "date": self.granted_on}


class LocalCurrency(TimeStampedModel):
    """A local or community currency (BerkShares, time credits) the trust accepts for part of its lease fees.

    Its value in dollars and the share of each fee it may settle are the board's, dated: ``LocalCurrencyRate``.
    """

    code = models.SlugField(_("code"), max_length=20, unique=True, help_text=_("A short code, such as BSH."))
    name = models.CharField(_("name"), max_length=60, unique=True, help_text=_("As people say it: BerkShares."))
    symbol = models.CharField(_("symbol"), max_length=10, help_text=_("The unit after a rate: B$ in $0.95 per B$."))
    active = models.BooleanField(_("accepted"), default=True, help_text=_("Payments can be recorded in it."))

    history = HistoricalRecords()
    # Staff only: a homeowner reads the currency through their own payments, never the list.
    objects = RestrictedManager()
    access_rules = AccessRules()

    class Meta:
        ordering = ["name"]
        verbose_name = _("local currency")
        verbose_name_plural = _("local currencies")

    def __str__(self) -> str:
        return self.name


class LocalCurrencyRate(TimeStampedModel):
    """From ``effective`` on (until the next one), a unit of ``currency`` is worth ``dollars_per_unit`` dollars and
    at most ``max_share_pct`` % of each lease fee may be paid in it. A time series, never overwritten."""

    currency = models.ForeignKey(LocalCurrency, on_delete=models.PROTECT, related_name="rates")
    effective = models.DateField(_("effective from"))
    dollars_per_unit = models.DecimalField(
        _("dollars per unit"), max_digits=12, decimal_places=4, validators=[MinValueValidator(Decimal("0.0001"))]
    )
    max_share_pct = models.DecimalField(
        _("share of each fee (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    reason = models.TextField(_("reason"))

    history = HistoricalRecords()
    objects = RestrictedManager()
    access_rules = AccessRules()

    class Meta:
        ordering = ["currency_id", "effective"]
        verbose_name = _("local currency rate")
        constraints = [
            models.UniqueConstraint(fields=["currency", "effective"], name="leases_localcurrencyrate_unique"),
        ]

    def __str__(self) -> str:
        return _("%(rate)s $ per %(symbol)s from %(date)s") % {
            "rate": self.dollars_per_unit,
            "symbol": self.currency.symbol,
            "date": self.effective,
        }


class PaymentMethod(models.TextChoices):
    CHECK = "check", _("Check")
    ACH = "ach", _("Bank transfer")
    CASH = "cash", _("Cash")
    CARD = "card", _("Card")
    CLOSING = "closing", _("Collected at closing")
    OTHER = "other", _("Other")


class Payment(models.Model):
    """Money received for a lease. Reversal (a bounced check) marks it; it is never deleted."""

    lease = models.ForeignKey(GroundLease, on_delete=models.PROTECT, related_name="payments")
    received_on = models.DateField(_("received on"))
    amount = money_field(_("amount"), validators=[MinValueValidator(Decimal("0.01"))])
    method = models.CharField(_("method"), max_length=12, choices=PaymentMethod.choices, default=PaymentMethod.CHECK)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    # Paid in a local currency: ``amount`` is still the dollars credited, ``currency_amount`` what was handed
    # over, ``currency_rate`` the rate in force on ``received_on`` (copied: a later rate changes nothing paid).
    currency = models.ForeignKey(
        LocalCurrency,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("currency"),
    )
    currency_amount = models.DecimalField(
        _("amount in the currency"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    currency_rate = models.DecimalField(_("dollars per unit"), max_digits=12, decimal_places=4, null=True, blank=True)
    reversed_on = models.DateField(_("reversed on"), null=True, blank=True)
    reversal_reason = models.TextField(_("reason for reversal"), blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords()
    objects = RestrictedManager()
    access_rules = AccessRules(view=holders("lease__"))

    class Meta:
        ordering = ["lease_id", "received_on", "pk"]
        verbose_name = _("payment")
        indexes = [models.Index(fields=["lease", "received_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(currency__isnull=True, currency_amount__isnull=True, currency_rate__isnull=True)
                | Q(currency__isnull=False, currency_amount__isnull=False, currency_rate__isnull=False),
                name="leases_payment_currency_complete",
            ),
        ]

    def __str__(self) -> str:
        return _("%(amount)s on %(date)s") % {"amount": self.amount, "date": self.received_on}
