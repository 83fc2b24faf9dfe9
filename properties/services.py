"""Every change to the parcel registry goes through here.

Each service takes the acting user and a reason as keyword arguments, runs in one transaction,
validates with the pure geometry module and ``full_clean()``, and stamps simple-history with
who and why. Views, serializers, commands and the admin call these; none repeats their rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from clt import clock
from clt.history import require_reason, save_stamped, stamp
from properties import bulkwrite, geometry, location, messages
from properties.models import (
    LineageEvent,
    LineageKind,
    Parcel,
    ParcelFunding,
    ParcelLineage,
    ParcelOverlap,
    ParcelStatus,
    Unit,
)

__all__ = [
    "funding_create",
    "funding_delete",
    "funding_update",
    "overlap_accept",
    "parcel_accept_area_mismatch",
    "parcel_create",
    "parcel_delete",
    "parcel_merge",
    "parcel_split",
    "parcel_update",
    "unit_create",
    "unit_delete",
    "unit_update",
]

TWO_PLACES = Decimal("0.01")
FOUR_PLACES = Decimal("0.0001")
# Geodesic areas are floats from pyproj; stored areas are rounded half-up to the cent of a m²
# (and 1/10,000 of an acre), which is finer than any survey.
PARCEL_FIELDS = ("address", "status", "acquisition_date", "acquisition_price", "official_area_m2", "notes")
OVERLAP_MIN_AREA_M2 = 1.0  # digitising noise along shared boundaries is smaller than this


def _require_reason(reason: str) -> str:
    return require_reason(reason, messages.REASON_REQUIRED)


def _area_tolerance() -> Decimal:
    return Decimal(str(settings.CLT["AREA_MISMATCH_TOLERANCE"]))


def _split_tolerance() -> float:
    return float(settings.CLT["SPLIT_COVERAGE_TOLERANCE"])


def validated_geometry(raw: Any, *, source_crs: str | None = None, field_name: str = "geometry") -> BaseGeometry:
    """Parse and validate GeoJSON, or raise ``ValidationError`` with every problem on ``field_name``."""
    try:
        return geometry.parse_parcel_geometry(raw, source_crs=source_crs)
    except geometry.GeometryError as exc:
        raise ValidationError({field_name: [messages.problem_message(p) for p in exc.problems]}) from exc


def _apply_shape(parcel: Parcel, geom: BaseGeometry, measured: geometry.ParcelShape | None = None) -> None:
    """The parcel's boundary and what is stored beside it; ``measured`` when an import measured it already."""
    measured = measured or geometry.measure(geom)
    parcel.geometry = measured.geojson
    parcel.area_m2 = Decimal(repr(measured.area_m2)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
    parcel.area_acres = Decimal(repr(measured.area_acres)).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)
    parcel.centroid_lon, parcel.centroid_lat = measured.centroid
    parcel.bbox_min_lon, parcel.bbox_min_lat, parcel.bbox_max_lon, parcel.bbox_max_lat = measured.bbox


def _area_mismatch(area_m2: Decimal, official_m2: Decimal | None) -> bool:
    if official_m2 is None:
        return False
    difference = geometry.relative_difference(area_m2, official_m2)
    if difference is None:  # an official area of zero disagrees with any real polygon
        return area_m2 > 0
    return difference > _area_tolerance()


def _candidates_near(bbox: tuple[float, float, float, float], *, exclude: Iterable[int] = ()) -> list[Parcel]:
    min_lon, min_lat, max_lon, max_lat = bbox
    return list(
        Parcel.objects.exclude(status=ParcelStatus.RETIRED)
        .exclude(bulkwrite.id_filter("pk", exclude))
        .filter(
            bbox_min_lon__lte=max_lon,
            bbox_max_lon__gte=min_lon,
            bbox_min_lat__lte=max_lat,
            bbox_max_lat__gte=min_lat,
        )
        .only("pk", "apn", "geometry")
    )


def _overlaps_with_registry(geom: BaseGeometry, *, exclude: Iterable[int] = ()) -> list[tuple[Parcel, float]]:
    candidates = _candidates_near(geom.bounds, exclude=exclude)
    found = geometry.find_overlaps(
        [geom], against=[shape(p.geometry) for p in candidates], min_area_m2=OVERLAP_MIN_AREA_M2
    )
    return [(candidates[o.second], o.area_m2) for o in found]


def _overlap_area(area_m2: float) -> Decimal:
    return Decimal(repr(area_m2)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def _accept(overlap: ParcelOverlap, *, actor: Any, reason: str, when: Any) -> ParcelOverlap:
    overlap.accepted_at, overlap.accepted_by, overlap.accepted_reason = when, _user_or_none(actor), reason
    return stamp(overlap, actor=actor, reason=reason)


def _withdraw(overlap: ParcelOverlap, *, actor: Any, apn: str, reason: str) -> ParcelOverlap:
    # The acceptance was given for shapes that no longer exist; who gave it, when and why stay in
    # the history row before this one.
    overlap.accepted_at, overlap.accepted_by, overlap.accepted_reason = None, None, ""
    why = _("The boundary of %(apn)s changed (%(reason)s): the overlap needs accepting again.")
    return stamp(overlap, actor=actor, reason=why % {"apn": apn, "reason": reason})


def _remove_overlaps(overlaps: Iterable[ParcelOverlap], *, actor: Any, why: str) -> None:
    # One at a time, so each removal leaves its history row (a queryset delete would leave none).
    for overlap in overlaps:
        stamp(overlap, actor=actor, reason=why)
        overlap.delete()


def _reconcile_overlaps(
    parcel: Parcel, found: Sequence[tuple[Parcel, float]], *, actor: Any, reason: str, overlap_reason: str
) -> None:
    """After ``parcel``'s boundary changed: update the overlaps it still has, add new ones, remove the rest.

    An overlap that remains keeps its row (and so its history); an earlier acceptance gives way to
    the one given with this change, or is withdrawn when none is given. Never a bulk delete.
    """
    existing = {
        (o.parcel_id, o.other_id): o
        for o in ParcelOverlap.objects.select_for_update().filter(Q(parcel=parcel) | Q(other=parcel))
    }
    now = clock.now()
    for other, area in found:
        key = (min(parcel.pk, other.pk), max(parcel.pk, other.pk))
        overlap = existing.pop(key, None) or ParcelOverlap(parcel_id=key[0], other_id=key[1])
        overlap.area_m2 = _overlap_area(area)
        if overlap_reason:
            _accept(overlap, actor=actor, reason=overlap_reason, when=now)
        elif overlap.is_accepted:
            _withdraw(overlap, actor=actor, apn=parcel.apn, reason=reason)
        else:
            stamp(overlap, actor=actor, reason=reason)
        overlap.save()
    why = _("The boundary of %(apn)s changed (%(reason)s): the parcels no longer overlap.")
    _remove_overlaps(existing.values(), actor=actor, why=why % {"apn": parcel.apn, "reason": reason})


def _check_overlaps(
    parcel: Parcel, geom: BaseGeometry, *, overlap_reason: str | None, exclude: Iterable[int] = ()
) -> list[tuple[Parcel, float]]:
    """Overlaps with the registry; refused unless staff gave a reason for accepting them."""
    found = _overlaps_with_registry(geom, exclude=[*exclude, *([parcel.pk] if parcel.pk else [])])
    if found and not (overlap_reason or "").strip():
        raise ValidationError(
            {
                "geometry": [
                    messages.OVERLAP_NEEDS_REASON % {"apn": other.apn, "area": f"{area:,.2f}"} for other, area in found
                ]
            }
        )
    return found


def _refuse_manual_retirement(fields: dict[str, Any], current: str | None = None) -> None:
    if fields.get("status") == ParcelStatus.RETIRED and current != ParcelStatus.RETIRED:
        raise ValidationError({"status": [messages.RETIRED_ONLY_BY_LINEAGE]})


_save = save_stamped


# ---------------------------------------------------------------------------------------------
# Parcels
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def parcel_create(
    *,
    actor: Any,
    reason: str,
    apn: str,
    geometry: Any,
    overlap_reason: str | None = None,
    location_reason: str | None = None,
    **fields: Any,
) -> Parcel:
    """Record a parcel the trust holds; its geometry is validated, measured and checked for place and overlaps."""
    reason = _require_reason(reason)
    _refuse_manual_retirement(fields)
    geom = validated_geometry(geometry)
    parcel = Parcel(apn=(apn or "").strip(), **{k: v for k, v in fields.items() if k in PARCEL_FIELDS})
    _apply_shape(parcel, geom)
    parcel.area_mismatch = _area_mismatch(parcel.area_m2, parcel.official_area_m2)
    location.check(parcel, geom, location_reason=location_reason)
    found = _check_overlaps(parcel, geom, overlap_reason=overlap_reason)
    _save(parcel, actor=actor, reason=reason)
    _reconcile_overlaps(parcel, found, actor=actor, reason=reason, overlap_reason=(overlap_reason or "").strip())
    return parcel


@transaction.atomic
def parcel_update(
    *,
    parcel: Parcel,
    actor: Any,
    reason: str,
    geometry: Any = None,
    overlap_reason: str | None = None,
    location_reason: str | None = None,
    **fields: Any,
) -> Parcel:
    """Change a parcel's attributes or geometry, keeping history; re-checks overlaps when the shape moves."""
    reason = _require_reason(reason)
    parcel = Parcel.objects.select_for_update().get(pk=parcel.pk)
    if parcel.is_retired:
        raise ValidationError(messages.RETIRED_PARCEL % {"apn": parcel.apn})
    _refuse_manual_retirement(fields)
    for name, value in fields.items():
        if name in (*PARCEL_FIELDS, "apn"):
            setattr(parcel, name, value.strip() if name == "apn" else value)
    found: list[tuple[Parcel, float]] = []
    geometry_changed = geometry is not None and geometry != parcel.geometry
    if geometry_changed:
        geom = validated_geometry(geometry)
        _apply_shape(parcel, geom)
        location.check(parcel, geom, location_reason=location_reason)
        found = _check_overlaps(parcel, geom, overlap_reason=overlap_reason)
    parcel.area_mismatch = _area_mismatch(parcel.area_m2, parcel.official_area_m2) and not parcel.area_mismatch_note
    _save(parcel, actor=actor, reason=reason)
    if geometry_changed:
        _reconcile_overlaps(parcel, found, actor=actor, reason=reason, overlap_reason=(overlap_reason or "").strip())
    return parcel


@transaction.atomic
def parcel_delete(*, parcel: Parcel, actor: Any, reason: str) -> None:
    """Delete a parcel recorded by mistake. Parcels with homes or lineage are kept for the record."""
    reason = _require_reason(reason)
    if parcel.units.exists():
        raise ValidationError(messages.PARCEL_HAS_UNITS % {"apn": parcel.apn})
    if parcel.child_edges.exists() or parcel.parent_edges.exists():
        raise ValidationError(messages.PARCEL_HAS_LINEAGE % {"apn": parcel.apn})
    for funding in parcel.funding.all():
        stamp(funding, actor=actor, reason=reason)
        funding.delete()
    _remove_overlaps(ParcelOverlap.objects.filter(Q(parcel=parcel) | Q(other=parcel)), actor=actor, why=reason)
    stamp(parcel, actor=actor, reason=reason)
    parcel.delete()


@transaction.atomic
def parcel_accept_area_mismatch(*, parcel: Parcel, actor: Any, reason: str) -> Parcel:
    """Staff reviewed the disagreement between official and geodesic area and accept it."""
    reason = _require_reason(reason)
    parcel.area_mismatch = False
    parcel.area_mismatch_note = reason
    return _save(parcel, actor=actor, reason=reason)


@transaction.atomic
def overlap_accept(*, overlap: ParcelOverlap, actor: Any, reason: str) -> ParcelOverlap:
    """Staff accept an overlap (a shared easement, a survey difference) with a reason, kept in its history."""
    reason = _require_reason(reason)
    _accept(overlap, actor=actor, reason=reason, when=clock.now())
    overlap.save()
    return overlap


@dataclass(frozen=True)
class SplitPart:
    apn: str
    geometry: Any
    address: str = ""


@transaction.atomic
def parcel_split(
    *,
    parcel: Parcel,
    parts: Sequence[SplitPart | dict[str, Any]],
    effective_date: date,
    actor: Any,
    reason: str,
) -> list[Parcel]:
    """Split a parcel into parts that cover it without overlapping; the original is retired, lineage kept."""
    reason = _require_reason(reason)
    parcel = Parcel.objects.select_for_update().get(pk=parcel.pk)
    if parcel.is_retired:
        raise ValidationError(messages.RETIRED_PARCEL % {"apn": parcel.apn})
    parts = [p if isinstance(p, SplitPart) else SplitPart(**p) for p in parts]
    errors: dict[str, list[str]] = {}
    geoms: list[BaseGeometry] = []
    for index, part in enumerate(parts):
        try:
            geoms.append(validated_geometry(part.geometry, field_name=f"parts[{index}].geometry"))
        except ValidationError as exc:
            for key, value in exc.message_dict.items():
                errors.setdefault(key, []).extend(value)
    if errors:
        raise ValidationError(errors)
    problems = geometry.check_split(shape(parcel.geometry), geoms, tolerance=_split_tolerance())
    if problems:
        raise ValidationError({"parts": [messages.problem_message(p) for p in problems]})
    event = LineageEvent.objects.create(
        kind=LineageKind.SPLIT, effective_date=effective_date, reason=reason, recorded_by=_user_or_none(actor)
    )
    children = []
    for part, geom in zip(parts, geoms, strict=True):
        child = Parcel(
            apn=part.apn.strip(),
            address=part.address or parcel.address,
            status=parcel.status,
            acquisition_date=parcel.acquisition_date,
            notes="",
        )
        _apply_shape(child, geom)
        _save(child, actor=actor, reason=reason)
        ParcelLineage.objects.create(event=event, parent=parcel, child=child)
        children.append(child)
    parcel.status = ParcelStatus.RETIRED
    _save(parcel, actor=actor, reason=reason)
    return children


@transaction.atomic
def parcel_merge(
    *,
    parcels: Sequence[Parcel],
    apn: str,
    effective_date: date,
    actor: Any,
    reason: str,
    address: str = "",
) -> Parcel:
    """Merge parcels into one whose shape is their union; the originals are retired, lineage kept."""
    reason = _require_reason(reason)
    ids = [p.pk for p in parcels]
    if len(ids) < 2:
        raise ValidationError({"parcels": [messages.MERGE_TOO_FEW]})
    if len(set(ids)) != len(ids):
        raise ValidationError({"parcels": [messages.MERGE_DUPLICATES]})
    locked = list(Parcel.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    retired = [p.apn for p in locked if p.is_retired]
    if retired:
        raise ValidationError({"parcels": [messages.RETIRED_PARCEL % {"apn": a} for a in retired]})
    merged_geom = geometry.merge_geometries([shape(p.geometry) for p in locked])
    first = locked[0]
    merged = Parcel(
        apn=(apn or "").strip(),
        address=address or first.address,
        status=first.status,
        acquisition_date=min((p.acquisition_date for p in locked if p.acquisition_date), default=None),
    )
    _apply_shape(merged, merged_geom)
    _save(merged, actor=actor, reason=reason)
    event = LineageEvent.objects.create(
        kind=LineageKind.MERGE, effective_date=effective_date, reason=reason, recorded_by=_user_or_none(actor)
    )
    for parent in locked:
        ParcelLineage.objects.create(event=event, parent=parent, child=merged)
        parent.status = ParcelStatus.RETIRED
        _save(parent, actor=actor, reason=reason)
    return merged


def _user_or_none(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


# ---------------------------------------------------------------------------------------------
# Homes and funding
# ---------------------------------------------------------------------------------------------

UNIT_FIELDS = (
    "parcel",
    "kind",
    "address",
    "unit_number",
    "bedrooms",
    "bathrooms",
    "floor_area_sqft",
    "year_built",
    "notes",
)
FUNDING_FIELDS = ("parcel", "source", "kind", "amount", "date", "restrictions")


def _create(model: type, allowed: tuple[str, ...], *, actor: Any, reason: str, fields: dict[str, Any]) -> Any:
    reason = _require_reason(reason)
    return _save(model(**{k: v for k, v in fields.items() if k in allowed}), actor=actor, reason=reason)


def _update(instance: Any, allowed: tuple[str, ...], *, actor: Any, reason: str, fields: dict[str, Any]) -> Any:
    reason = _require_reason(reason)
    for name, value in fields.items():
        if name in allowed:
            setattr(instance, name, value)
    return _save(instance, actor=actor, reason=reason)


def _delete(instance: Any, *, actor: Any, reason: str) -> None:
    stamp(instance, actor=actor, reason=_require_reason(reason))
    instance.delete()


@transaction.atomic
def unit_create(*, actor: Any, reason: str, **fields: Any) -> Unit:
    """Record a home on a parcel."""
    return _create(Unit, UNIT_FIELDS, actor=actor, reason=reason, fields=fields)


@transaction.atomic
def unit_update(*, unit: Unit, actor: Any, reason: str, **fields: Any) -> Unit:
    """Change a home's description (kind, rooms, area), keeping history."""
    return _update(unit, UNIT_FIELDS, actor=actor, reason=reason, fields=fields)


@transaction.atomic
def unit_delete(*, unit: Unit, actor: Any, reason: str) -> None:
    """Delete a home recorded by mistake (history keeps it)."""
    _delete(unit, actor=actor, reason=reason)


@transaction.atomic
def funding_create(*, actor: Any, reason: str, **fields: Any) -> ParcelFunding:
    """Record one source of a parcel's money (a subsidy layer, a grant)."""
    return _create(ParcelFunding, FUNDING_FIELDS, actor=actor, reason=reason, fields=fields)


@transaction.atomic
def funding_update(*, funding: ParcelFunding, actor: Any, reason: str, **fields: Any) -> ParcelFunding:
    """Correct a funding record, keeping history."""
    return _update(funding, FUNDING_FIELDS, actor=actor, reason=reason, fields=fields)


@transaction.atomic
def funding_delete(*, funding: ParcelFunding, actor: Any, reason: str) -> None:
    """Delete a funding record entered by mistake (history keeps it)."""
    _delete(funding, actor=actor, reason=reason)


# ---------------------------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------------------------
