"""The parcel registry: land the trust holds, the homes on it, how it was paid for, and its lineage.

Geometry is stored as GeoJSON (WGS84 longitude/latitude, RFC 7946) in a JSON field, with the
geodesic area, centroid and bounding box stored beside it so that maps and lists never
recompute them; ``properties.services`` is the only writer of those derived columns.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from clt.models import TimeStampedModel
from clt.querysets import AccessRules, RestrictedManager

__all__ = [
    "FundingKind",
    "LineageEvent",
    "LineageKind",
    "Parcel",
    "ParcelFunding",
    "ParcelLineage",
    "ParcelOverlap",
    "ParcelStatus",
    "Unit",
    "UnitKind",
]

ZERO = Decimal("0")


# ---------------------------------------------------------------------------------------------
# Parcels
# ---------------------------------------------------------------------------------------------


class ParcelStatus(models.TextChoices):
    ACQUIRED = "acquired", _("Acquired")
    HELD = "held", pgettext_lazy("parcel status: the trust holds it", "Held")
    DISPOSED = "disposed", _("Disposed")
    RETIRED = "retired", _("Retired (split or merged)")


class Parcel(TimeStampedModel):
    """A piece of land the trust holds (or held), identified by its assessor's parcel number."""

    apn = models.CharField(
        _("parcel number (APN)"),
        max_length=64,
        unique=True,
        help_text=_("The assessor's parcel number, as the county writes it."),
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    geometry = models.JSONField(
        _("geometry"), help_text=_("GeoJSON Polygon or MultiPolygon in WGS84 longitude/latitude (RFC 7946).")
    )
    area_m2 = models.DecimalField(_("area (m²)"), max_digits=14, decimal_places=2)
    area_acres = models.DecimalField(_("area (acres)"), max_digits=12, decimal_places=4)
    centroid_lon = models.FloatField(_("centroid longitude"), db_index=True)
    centroid_lat = models.FloatField(_("centroid latitude"), db_index=True)
    bbox_min_lon = models.FloatField(_("west edge"))
    bbox_min_lat = models.FloatField(_("south edge"))
    bbox_max_lon = models.FloatField(_("east edge"))
    bbox_max_lat = models.FloatField(_("north edge"))
    status = models.CharField(_("status"), max_length=16, choices=ParcelStatus.choices, default=ParcelStatus.HELD)
    acquisition_date = models.DateField(_("acquisition date"), null=True, blank=True)
    acquisition_price = models.DecimalField(
        _("acquisition price"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
    )
    official_area_m2 = models.DecimalField(
        _("official area (m²)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("The area the county records, converted to square metres; compared with the geodesic area."),
    )
    area_mismatch = models.BooleanField(
        _("area mismatch"),
        default=False,
        help_text=_("The official area and the geodesic area of the polygon disagree beyond the tolerance."),
    )
    area_mismatch_note = models.TextField(
        _("area review note"), blank=True, help_text=_("Why staff accepted the disagreement, once reviewed.")
    )
    location_reason = models.TextField(
        _("reason for accepting the location"),
        blank=True,
        help_text=_(
            "Why staff accepted a boundary far from the trust's service area or its other parcels; "
            "empty when the boundary lies where the trust works."
        ),
    )
    notes = models.TextField(_("notes"), blank=True)

    # Written together from the geometry by properties.services, never edited one by one.
    SHAPE_FIELDS = (
        "geometry",
        "area_m2",
        "area_acres",
        "centroid_lon",
        "centroid_lat",
        "bbox_min_lon",
        "bbox_min_lat",
        "bbox_max_lon",
        "bbox_max_lat",
    )

    history = HistoricalRecords()
    objects = RestrictedManager()
    # Homeowners will see the parcel under their home once leases exist (issue: ground leases).
    access_rules = AccessRules()

    class Meta:
        ordering = ["apn"]
        verbose_name = _("parcel")
        verbose_name_plural = _("parcels")
        indexes = [
            # The viewport's filter, then what the map's clusters count (status, centroid, id): the town-wide
            # map reads this index alone, never the rows with their boundaries (properties/mapdata.py).
            models.Index(
                fields=[
                    "bbox_min_lon",
                    "bbox_max_lon",
                    "bbox_min_lat",
                    "bbox_max_lat",
                    "status",
                    "centroid_lon",
                    "centroid_lat",
                    "id",
                ],
                name="properties_parcel_bbox_cover",
            ),
            models.Index(fields=["centroid_lon", "centroid_lat"], name="properties_parcel_centroid"),
            models.Index(fields=["status"], name="properties_parcel_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(area_m2__gte=0),
                name="%(app_label)s_%(class)s_area_not_negative",
                violation_error_message=_("The area cannot be negative."),
            ),
            models.CheckConstraint(
                condition=models.Q(acquisition_price__isnull=True) | models.Q(acquisition_price__gte=0),
                name="%(app_label)s_%(class)s_price_not_negative",
                violation_error_message=_("The acquisition price cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.apn} {self.address}".strip()

    def get_absolute_url(self) -> str:
        return reverse("properties:parcel_detail", args=[self.pk])

    @property
    def is_retired(self) -> bool:
        return self.status == ParcelStatus.RETIRED


class FundingKind(models.TextChoices):
    SUBSIDY = "subsidy", _("Subsidy")
    GRANT = "grant", _("Grant")
    LOAN = "loan", _("Loan")
    DONATION = "donation", _("Donation")
    OWN_FUNDS = "own_funds", _("Trust's own funds")


class ParcelFunding(TimeStampedModel):
    """One source of the money that bought or developed a parcel (a subsidy layer, a grant, a loan)."""

    parcel = models.ForeignKey(Parcel, verbose_name=_("parcel"), on_delete=models.CASCADE, related_name="funding")
    source = models.CharField(
        _("source"), max_length=200, help_text=_("Who provided the money, e.g. 'City HOME funds' or 'State HTF'.")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=FundingKind.choices, default=FundingKind.SUBSIDY)
    amount = models.DecimalField(
        _("amount"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    date = models.DateField(_("date"), null=True, blank=True)
    restrictions = models.TextField(
        _("restrictions"), blank=True, help_text=_("Affordability period, recapture terms and other conditions.")
    )

    history = HistoricalRecords()
    objects = RestrictedManager()
    access_rules = AccessRules()

    class Meta:
        ordering = ["parcel", "date", "pk"]
        verbose_name = _("funding source")
        verbose_name_plural = _("funding sources")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0),
                name="%(app_label)s_%(class)s_amount_positive",
                violation_error_message=_("The amount must be more than zero."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source}: {self.amount}"


class ParcelOverlap(models.Model):
    """Two parcels whose land overlaps: a warning staff review and accept with a reason.

    An acceptance holds for the two shapes it was given for: it survives a re-import or an edit that
    leaves both boundaries as they were, and is withdrawn (the overlap to be accepted again) when
    either boundary moves. The history keeps every acceptance, withdrawal and removal with who and why.
    """

    parcel = models.ForeignKey(Parcel, on_delete=models.CASCADE, related_name="overlaps_as_first")
    other = models.ForeignKey(Parcel, on_delete=models.CASCADE, related_name="overlaps_as_second")
    area_m2 = models.DecimalField(_("overlap (m²)"), max_digits=14, decimal_places=2)
    detected_at = models.DateTimeField(_("detected at"), auto_now_add=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("accepted by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    accepted_reason = models.TextField(_("reason for accepting"), blank=True)

    history = HistoricalRecords()
    objects = RestrictedManager()
    access_rules = AccessRules()

    class Meta:
        ordering = ["-detected_at", "pk"]
        verbose_name = _("parcel overlap")
        verbose_name_plural = _("parcel overlaps")
        constraints = [
            models.UniqueConstraint(
                fields=["parcel", "other"],
                name="%(app_label)s_%(class)s_unique_pair",
                violation_error_message=_("This overlap is already recorded."),
            ),
            models.CheckConstraint(
                condition=models.Q(parcel__lt=models.F("other")),
                name="%(app_label)s_%(class)s_ordered_pair",
                violation_error_message=_("An overlap is recorded once, lower parcel id first."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parcel_id} × {self.other_id}: {self.area_m2} m²"

    @property
    def is_accepted(self) -> bool:
        return self.accepted_at is not None


class LineageKind(models.TextChoices):
    SPLIT = "split", _("Split")
    MERGE = "merge", _("Merge")


class LineageEvent(models.Model):
    """A split or a merge: the parcels it retired, the ones it created, when, by whom and why."""

    kind = models.CharField(_("kind"), max_length=8, choices=LineageKind.choices)
    effective_date = models.DateField(_("effective date"))
    reason = models.TextField(_("reason"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["-effective_date", "-pk"]
        verbose_name = _("lineage event")
        verbose_name_plural = _("lineage events")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.effective_date}"


class ParcelLineage(models.Model):
    """One edge of the lineage graph: ``child`` came from ``parent`` in ``event``."""

    event = models.ForeignKey(LineageEvent, on_delete=models.PROTECT, related_name="edges")
    parent = models.ForeignKey(Parcel, on_delete=models.PROTECT, related_name="child_edges")
    child = models.ForeignKey(Parcel, on_delete=models.PROTECT, related_name="parent_edges")

    class Meta:
        ordering = ["event", "parent", "child"]
        verbose_name = _("parcel lineage")
        verbose_name_plural = _("parcel lineage")
        constraints = [
            models.UniqueConstraint(
                fields=["parent", "child"],
                name="%(app_label)s_%(class)s_unique_edge",
                violation_error_message=_("This lineage is already recorded."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parent_id} → {self.child_id}"


# ---------------------------------------------------------------------------------------------
# Homes
# ---------------------------------------------------------------------------------------------


class UnitKind(models.TextChoices):
    SINGLE_FAMILY = "single_family", _("Single-family house")
    CONDO = "condo", _("Condominium unit")
    TOWNHOUSE = "townhouse", _("Townhouse")
    COOP = "coop", _("Co-op building")
    RENTAL = "rental", _("Rental")
    COMMERCIAL = "commercial", _("Commercial")


class Unit(TimeStampedModel):
    """A home (or other improvement) on a parcel: what the homeowner owns while the trust owns the land."""

    parcel = models.ForeignKey(Parcel, verbose_name=_("parcel"), on_delete=models.PROTECT, related_name="units")
    kind = models.CharField(_("kind"), max_length=16, choices=UnitKind.choices, default=UnitKind.SINGLE_FAMILY)
    address = models.CharField(_("address"), max_length=255)
    unit_number = models.CharField(_("unit number"), max_length=20, blank=True)
    bedrooms = models.PositiveSmallIntegerField(
        _("bedrooms"), null=True, blank=True, validators=[MaxValueValidator(20)]
    )
    bathrooms = models.DecimalField(
        _("bathrooms"),
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("20"))],
        help_text=_("Half baths count as 0.5."),
    )
    floor_area_sqft = models.PositiveIntegerField(_("floor area (sq ft)"), null=True, blank=True)
    year_built = models.PositiveSmallIntegerField(
        _("year built"), null=True, blank=True, validators=[MinValueValidator(1600), MaxValueValidator(2200)]
    )
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords()
    objects = RestrictedManager()
    # A homeowner sees the home they hold (or held) a lease on; the leases app owns that relation.
    access_rules = AccessRules(view=("leases__leaseholders__person__user", "leases__organization__contact__user"))

    class Meta:
        ordering = ["parcel__apn", "address", "unit_number", "pk"]
        verbose_name = _("home")
        verbose_name_plural = _("homes")
        constraints = [
            models.UniqueConstraint(
                fields=["parcel", "address", "unit_number"],
                name="%(app_label)s_%(class)s_unique_address",
                violation_error_message=_("This parcel already has a home with this address and unit number."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.address} #{self.unit_number}" if self.unit_number else self.address

    def get_absolute_url(self) -> str:
        return reverse("properties:parcel_detail", args=[self.parcel_id]) + f"#unit-{self.pk}"
