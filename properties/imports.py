"""Importing a file of parcels all-or-nothing: every bad feature reported, or every parcel written.

The file's features arrive as ``properties.exchange.ReadRecord`` records (the GeoJSON, CSV and
shapefile readers make them). A town's file is checked and measured at once
(``geometry.parse_parcel_geometries``, ``geometry.measure_many``) and written through
``properties.bulkwrite``; ``docs/parcels.md`` ("Large imports") explains the steps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from clt import clock
from clt.collector import collector_paused
from clt.history import stamp
from properties import bulkwrite, geometry, location, messages
from properties.exchange import ReadRecord as ImportRecord
from properties.models import Parcel, ParcelOverlap, ParcelStatus
from properties.services import (
    OVERLAP_MIN_AREA_M2,
    PARCEL_FIELDS,
    _accept,
    _apply_shape,
    _area_mismatch,
    _candidates_near,
    _overlap_area,
    _remove_overlaps,
    _require_reason,
    _user_or_none,
    _withdraw,
)

__all__ = ["ImportError_", "ImportFailed", "ImportRecord", "ImportReport", "Progress", "parcels_import"]


@dataclass(frozen=True)
class ImportError_:
    index: int
    ident: str
    reasons: tuple[str, ...]
    row: int | None = None

    def __str__(self) -> str:
        return _("feature %(index)s (%(ident)s): %(reasons)s") % {
            "index": self.index,
            "ident": messages.ROW % {"n": self.row} if self.row else self.ident,
            "reasons": "; ".join(self.reasons),
        }


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    overlaps: list[tuple[str, str, float]] = field(default_factory=list)
    area_mismatches: list[tuple[str, Decimal, Decimal]] = field(default_factory=list)
    far: list[tuple[str, str]] = field(default_factory=list)  # (APN, why) of locations accepted by option
    dry_run: bool = False

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


class ImportFailed(Exception):
    """The file had bad features; nothing was written. ``errors`` lists every one."""

    def __init__(self, errors: Sequence[ImportError_]):
        self.errors = list(errors)
        super().__init__(f"{len(self.errors)} bad feature(s); nothing was imported")


Progress = Callable[[str, int, int], None]


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


class _Rollback(Exception):
    pass


def parcels_import(
    records: Sequence[ImportRecord],
    *,
    actor: Any,
    reason: str,
    source_crs: str | None = None,
    dry_run: bool = False,
    accept_overlaps: str = "",
    accept_location: str = "",
    progress: Progress = _no_progress,
) -> ImportReport:
    """Import parcels all-or-nothing: every bad feature is reported and then nothing is written.

    A parcel number already in the registry is updated (with history), not duplicated. Overlaps
    (within the file and with the registry) are recorded as warnings for staff to review, or
    accepted at once with ``accept_overlaps`` as the reason. Official areas that disagree with
    the geodesic area beyond the tolerance set the parcel's area-mismatch flag. A boundary far from where
    the trust works fails its feature, unless ``accept_location`` gives the reason (``location.ImportCheck``).
    """
    reason = _require_reason(reason)
    # A town's file becomes hundreds of thousands of lists, floats and model instances, none in a cycle.
    with collector_paused():
        return _import(
            records,
            actor=actor,
            reason=reason,
            source_crs=source_crs,
            dry_run=dry_run,
            accept_overlaps=accept_overlaps,
            accept_location=accept_location,
            progress=progress,
        )


def _import(
    records: Sequence[ImportRecord],
    *,
    actor: Any,
    reason: str,
    source_crs: str | None,
    dry_run: bool,
    accept_overlaps: str,
    accept_location: str,
    progress: Progress,
) -> ImportReport:
    total = len(records)
    errors: list[ImportError_] = []
    seen: dict[str, int] = {}
    shapes: list[BaseGeometry | None] = []
    raw = [r.geometry for r in records]
    parsed = geometry.parse_parcel_geometries([g for g in raw if g is not None], source_crs=source_crs)
    parsed.reverse()  # popped in the file's order below
    far = location.ImportCheck([(r.apn or "").strip() for r in records], accept=accept_location)
    cleaner = _FieldCleaner()
    for position, record in enumerate(records):
        reasons: list[str] = [messages.problem_message(p) for p in record.problems]
        apn = (record.apn or "").strip()
        if not apn:
            reasons.append(str(messages.MISSING_APN))
        elif apn in seen:
            reasons.append(str(messages.DUPLICATE_APN % {"apn": apn, "index": seen[apn]}))
        else:
            seen[apn] = record.index
        geom = None
        if raw[position] is not None:
            outcome = parsed.pop()
            if isinstance(outcome, geometry.GeometryError):
                reasons.extend(messages.problem_message(p) for p in outcome.problems)
            else:
                geom = outcome
        elif not record.problems:
            reasons.append(messages.problem_message(geometry.Problem("empty", "The geometry is empty.")))
        reasons.extend(far.review(position, apn, geom))
        reasons.extend(cleaner.problems(record.fields))
        if reasons:
            errors.append(ImportError_(record.index, record.ident, tuple(reasons), row=record.row))
        shapes.append(geom)
        if position % 500 == 0 or position == total - 1:
            progress("validate", position + 1, total)
    if errors:
        raise ImportFailed(errors)

    report = ImportReport(dry_run=dry_run)
    try:
        with transaction.atomic():
            options = {"accept_overlaps": accept_overlaps, "far": far, "progress": progress}
            _write_import(records, shapes, report, actor=actor, reason=reason, **options)
            if dry_run:
                raise _Rollback
    except _Rollback:
        pass
    return report


class _FieldCleaner:
    """Cleans an import's fields as the model's fields do, each distinct value once.

    A town's file repeats its statuses, dates and prices thousands of times; ``Field.clean`` depends only on
    the value (and the one candidate parcel every record shares), so a value's outcome is kept by field.
    """

    def __init__(self) -> None:
        self.candidate = _candidate()
        self.seen: dict[tuple[str, type, Any], tuple[Any, list[str]]] = {}

    def problems(self, fields: dict[str, Any]) -> list[str]:
        """Clean ``fields`` in place; their problems in words."""
        problems = []
        for name, value in fields.items():
            if name not in PARCEL_FIELDS:
                continue
            try:
                # Equal Decimals may differ in their digits (1.0 and 1.000), which the field's validators count.
                key = (name, type(value), str(value) if type(value) is Decimal else value)
                cleaned, found = self.seen[key]
            except TypeError:  # an unhashable value (a list, say): cleaned, and refused, without the memo
                cleaned, found = self._clean(name, value)
            except KeyError:
                cleaned, found = self.seen[key] = self._clean(name, value)
            if found:
                problems.extend(found)
            else:
                fields[name] = cleaned
        if fields.get("status") == ParcelStatus.RETIRED:
            problems.append(str(messages.RETIRED_ONLY_BY_LINEAGE))
        return problems

    def _clean(self, name: str, value: Any) -> tuple[Any, list[str]]:
        model_field = Parcel._meta.get_field(name)
        try:
            return model_field.clean(value, self.candidate), []
        except ValidationError as exc:
            return None, [f"{model_field.verbose_name}: {m}" for m in exc.messages]


def _candidate() -> Parcel:
    return Parcel(apn="x", geometry={}, **dict.fromkeys(Parcel.SHAPE_FIELDS[1:], 0))


def _write_import(
    records: Sequence[ImportRecord],
    shapes: Sequence[BaseGeometry | None],
    report: ImportReport,
    *,
    actor: Any,
    reason: str,
    accept_overlaps: str,
    far: location.ImportCheck,
    progress: Progress,
) -> None:
    total = len(records)
    # The registry's APNs first (one column), then the rows of those the file names again: a town's first
    # import asks for none, rather than for every APN of the file one SQL parameter each.
    known = set(Parcel.objects.values_list("apn", flat=True)).intersection(r.apn.strip() for r in records)
    existing = {p.apn: p for p in Parcel.objects.filter(apn__in=sorted(known))} if known else {}
    retired = [apn for apn, p in existing.items() if p.is_retired]
    if retired:
        raise ImportFailed(
            [
                ImportError_(r.index, r.ident, (str(messages.RETIRED_PARCEL % {"apn": r.apn}),), row=r.row)
                for r in records
                if r.apn.strip() in retired
            ]
        )
    to_create: list[Parcel] = []
    to_update: list[Parcel] = []
    by_position: list[Parcel] = []
    # A new parcel starts from a blank one's values, given by position: Django's positional construction (as
    # from a database row) skips the per-field default lookups of keywords, a third of building 50,000.
    blank = [getattr(Parcel(apn=""), f.attname) for f in Parcel._meta.concrete_fields]
    moved: set[str] = set()  # APNs whose boundary is new or changed: their overlaps' acceptances lapse
    update_fields: set[str] = set()
    measured = iter(geometry.measure_many(shapes))
    for position, (record, geom) in enumerate(zip(records, shapes, strict=True)):
        apn = record.apn.strip()
        parcel = existing.get(apn)
        is_new = parcel is None
        if is_new:
            parcel = Parcel(*blank)
            parcel.apn = apn
        before = None if is_new else _comparable(parcel)
        shape_before = None if is_new else parcel.geometry
        for name, value in record.fields.items():
            if name in PARCEL_FIELDS:
                setattr(parcel, name, value)
                update_fields.add(name)
        _apply_shape(parcel, geom, next(measured))
        if parcel.geometry != shape_before:
            moved.add(apn)
            parcel.location_reason = ""
        far.accept(position, parcel, report.far)
        parcel.area_mismatch = _area_mismatch(parcel.area_m2, parcel.official_area_m2) and not (
            not is_new and parcel.area_mismatch_note
        )
        if parcel.area_mismatch:
            report.area_mismatches.append((apn, parcel.area_m2, parcel.official_area_m2))
        if is_new:
            to_create.append(parcel)
        elif _comparable(parcel) != before:
            to_update.append(parcel)
        else:
            report.unchanged += 1
        by_position.append(parcel)
        if position % 500 == 0 or position == total - 1:
            progress("prepare", position + 1, total)
    history_user = _user_or_none(actor)
    if to_create:
        bulkwrite.insert_with_history(to_create, key="apn", history_user=history_user, reason=reason)
        report.created = len(to_create)
    if to_update:
        bulk_update_with_history(
            to_update,
            Parcel,
            fields=sorted(update_fields | set(Parcel.SHAPE_FIELDS) | {"area_mismatch", "location_reason"}),
            batch_size=500,
            default_user=history_user,
            default_change_reason=reason,
        )
        report.updated = len(to_update)
    progress("write", total, total)
    _import_overlaps(
        by_position, shapes, report, actor=history_user, reason=reason, moved=moved, accept_overlaps=accept_overlaps
    )
    progress("overlaps", total, total)


def _comparable(parcel: Parcel) -> tuple:
    fields = (*PARCEL_FIELDS, *Parcel.SHAPE_FIELDS, "area_mismatch", "location_reason")
    return tuple(getattr(parcel, name) for name in fields)


def _import_overlaps(
    parcels: Sequence[Parcel],
    shapes: Sequence[BaseGeometry],
    report: ImportReport,
    *,
    actor: Any,
    reason: str,
    moved: set[str],
    accept_overlaps: str,
) -> None:
    """Bring the imported parcels' overlaps up to date without losing who accepted them and why.

    An overlap between two boundaries the file left as they were keeps its acceptance; one whose
    parcel moved has it withdrawn (or replaced, with ``accept_overlaps``); one no longer found is
    removed. Every change leaves a history row with the actor and a reason.
    """
    if not parcels:
        return
    if not all(p.pk for p in parcels):
        # Some backends do not return primary keys from bulk inserts; read them back by APN.
        ids = dict(Parcel.objects.filter(apn__in=[p.apn for p in parcels]).values_list("apn", "pk"))
        for p in parcels:
            p.pk = ids[p.apn]
    imported_ids = [p.pk for p in parcels]
    pairs: list[tuple[Parcel, Parcel, float]] = [
        (parcels[o.first], parcels[o.second], o.area_m2)
        for o in geometry.find_overlaps(shapes, min_area_m2=OVERLAP_MIN_AREA_M2)
    ]
    min_lon = min(p.bbox_min_lon for p in parcels)
    min_lat = min(p.bbox_min_lat for p in parcels)
    max_lon = max(p.bbox_max_lon for p in parcels)
    max_lat = max(p.bbox_max_lat for p in parcels)
    others = _candidates_near((min_lon, min_lat, max_lon, max_lat), exclude=imported_ids)
    if others:
        found = geometry.find_overlaps(
            shapes, against=[shape(o.geometry) for o in others], min_area_m2=OVERLAP_MIN_AREA_M2
        )
        pairs.extend((parcels[o.first], others[o.second], o.area_m2) for o in found)
    existing = {
        (o.parcel_id, o.other_id): o
        for o in ParcelOverlap.objects.select_for_update().filter(
            bulkwrite.id_filter("parcel_id", imported_ids) | bulkwrite.id_filter("other_id", imported_ids)
        )
    }
    moved_ids = {p.pk for p in parcels if p.apn in moved}
    apns = {p.pk: p.apn for p in parcels}
    now = clock.now()
    new, changed = [], []
    for a, b, area in pairs:
        first, second = (a, b) if a.pk < b.pk else (b, a)
        report.overlaps.append((first.apn, second.apn, area))
        overlap = existing.pop((first.pk, second.pk), None)
        if overlap is None:
            overlap = ParcelOverlap(parcel_id=first.pk, other_id=second.pk, area_m2=_overlap_area(area))
            if accept_overlaps:
                _accept(overlap, actor=actor, reason=accept_overlaps, when=now)
            new.append(overlap)
            continue
        mover = next((apns[pk] for pk in (first.pk, second.pk) if pk in moved_ids), None)
        if mover is None:
            # Both boundaries as they were: the acceptance still describes these shapes.
            if accept_overlaps and not overlap.is_accepted:
                changed.append(_accept(overlap, actor=actor, reason=accept_overlaps, when=now))
            continue
        overlap.area_m2 = _overlap_area(area)
        if accept_overlaps:
            changed.append(_accept(overlap, actor=actor, reason=accept_overlaps, when=now))
        elif overlap.is_accepted:
            changed.append(_withdraw(overlap, actor=actor, apn=mover, reason=reason))
        else:
            changed.append(stamp(overlap, actor=actor, reason=reason))
    if new:
        bulk_create_with_history(new, ParcelOverlap, batch_size=500, default_user=actor, default_change_reason=reason)
    if changed:
        bulk_update_with_history(
            changed,
            ParcelOverlap,
            fields=["area_m2", "accepted_at", "accepted_by", "accepted_reason"],
            batch_size=500,
            default_user=actor,
            default_change_reason=reason,
        )
    why = _("%(reason)s: the parcels no longer overlap.") % {"reason": reason}
    _remove_overlaps(existing.values(), actor=actor, why=why)
