"""Monitoring: occupancy certifications, inspections and the other periodic checks of a lease."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clt.models import TimeStampedModel
from clt.querysets import AccessRules, RestrictedManager
from leases.lifecycle.models import GroundLease, holders, money_field

# --- Monitoring ---------------------------------------------------------------------------------


class MonitoringKind(models.TextChoices):
    OCCUPANCY_CERTIFICATION = "occupancy_certification", _("Annual owner-occupancy certification")
    INSURANCE = "insurance", _("Proof of insurance")
    PROPERTY_TAX = "property_tax", _("Property tax paid")
    HOA = "hoa", _("HOA dues paid")
    INSPECTION = "inspection", _("Inspection")
    # Kept only for records made before improvements had their own model (CapitalImprovement); no longer offered.
    IMPROVEMENT_REQUEST = "improvement_request", _("Improvement request")


class MonitoringStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    SCHEDULED = "scheduled", _("Scheduled")
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Needs follow-up")
    WAIVED = "waived", _("Waived")


MONITORING_DONE = (MonitoringStatus.ACCEPTED, MonitoringStatus.WAIVED)


class MonitoringRecord(TimeStampedModel):
    """A stewardship item with a due date: certification, insurance, taxes, HOA, inspection, improvement."""

    lease = models.ForeignKey(GroundLease, on_delete=models.CASCADE, related_name="monitoring")
    kind = models.CharField(_("kind"), max_length=32, choices=MonitoringKind.choices)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    due = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=MonitoringStatus.choices, default=MonitoringStatus.REQUESTED
    )
    notice_sent_at = models.DateTimeField(_("notice sent"), null=True, blank=True)
    scheduled_for = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    months_occupied = models.PositiveSmallIntegerField(
        _("months occupied"), null=True, blank=True, validators=[MaxValueValidator(12)]
    )
    details = models.TextField(_("details"), blank=True)
    estimated_cost = money_field(_("estimated cost"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history = HistoricalRecords()
    objects = RestrictedManager()
    access_rules = AccessRules(view=holders("lease__"))

    class Meta:
        ordering = ["due", "pk"]
        verbose_name = _("monitoring record")
        constraints = [
            models.UniqueConstraint(
                fields=["lease", "year"],
                condition=Q(kind="occupancy_certification"),
                name="leases_monitoring_one_certification_a_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.due or self.year or ''})"

    @property
    def is_open(self) -> bool:
        return self.status not in MONITORING_DONE
