"""Is a boundary where the trust works? The registry's side of ``geometry.location_problem``.

What a boundary is measured against: the trust's service area (``CLT_SERVICE_AREA``) when it is set,
else the extent of its current parcels, leaving out those whose far location staff accepted (one
accepted outlier must not stretch "where the trust works" across an ocean). With neither, any boundary
is accepted. A boundary beyond that area by more than ``CLT_LOCATION_MARGIN_KM`` is held until staff
give a reason, which the parcel keeps (``Parcel.location_reason``); the likely cause is named when
exchanging x and y would bring it in (a boundary entered as latitude, longitude).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Max, Min
from shapely.geometry.base import BaseGeometry

from properties import geometry, messages
from properties.models import Parcel, ParcelStatus

__all__ = ["ImportCheck", "Reference", "check", "location_message", "location_problem", "reference"]

Reference = tuple[geometry.Extent | None, str]


def reference(*, exclude: Iterable[int] = ()) -> Reference:
    """The area a new boundary must lie near, and what it is (service area or the other parcels)."""
    area = settings.CLT.get("SERVICE_AREA")
    if area:
        return tuple(area), geometry.SERVICE_AREA
    extent = (
        Parcel.objects.exclude(status=ParcelStatus.RETIRED)
        .exclude(pk__in=list(exclude))
        .filter(location_reason="")
        .aggregate(w=Min("bbox_min_lon"), s=Min("bbox_min_lat"), e=Max("bbox_max_lon"), n=Max("bbox_max_lat"))
    )
    if extent["w"] is None:
        return None, geometry.OTHER_PARCELS
    return (extent["w"], extent["s"], extent["e"], extent["n"]), geometry.OTHER_PARCELS


def location_problem(geom: BaseGeometry, against: Reference) -> geometry.Problem | None:
    extent, kind = against
    return geometry.location_problem(
        geom, extent, margin_km=float(settings.CLT.get("LOCATION_MARGIN_KM", 50)), reference_kind=kind
    )


def location_message(problem: geometry.Problem, *, hint: str = "form") -> str:
    """The reason people read, with what to do if the location is right (resubmit, or the import option)."""
    then = messages.LOCATION_IMPORT_OPTION if hint == "import" else messages.LOCATION_NEEDS_REASON
    return f"{messages.problem_message(problem)} {then}"


def check(parcel: Parcel, geom: BaseGeometry, *, location_reason: str | None) -> None:
    """Hold a boundary far from where the trust works until staff give a reason, which the parcel keeps.

    Raises ``ValidationError`` on ``geometry`` naming the likely cause; sets ``parcel.location_reason``
    (empty when the boundary lies where the trust works).
    """
    problem = location_problem(geom, reference(exclude=[parcel.pk] if parcel.pk else []))
    reason = (location_reason or "").strip()
    if problem is not None and not reason:
        raise ValidationError({"geometry": [location_message(problem)]})
    parcel.location_reason = reason if problem is not None else ""


class ImportCheck:
    """The check for the features of one import file, against the registry as it was before the file.

    A far boundary fails its feature, or with ``accept`` (``import_parcels --accept-location REASON``)
    is accepted with that reason. A parcel whose far location staff accepted before, and whose boundary
    the file leaves as it was, is not asked again (a re-import of an export must not fail on it).
    """

    def __init__(self, apns: Iterable[str], *, accept: str = ""):
        self.against = reference()
        self.accept_reason = (accept or "").strip()
        # The parcels staff accepted far away are few; a town's file names tens of thousands of APNs, which
        # as SQL parameters (one each) cost more than reading those few and keeping the file's.
        wanted = set(apns)
        self.accepted = {
            apn: geojson
            for apn, geojson in Parcel.objects.exclude(location_reason="").values_list("apn", "geometry")
            if apn in wanted
        }
        self.far: dict[int, str] = {}  # position in the file → what was found, for those accepted

    def review(self, position: int, apn: str, geom: BaseGeometry | None) -> list[str]:
        """The reasons this feature fails (none, or the location's), noting a far one the option accepts."""
        if geom is None or (apn in self.accepted and geometry.to_geojson(geom) == self.accepted[apn]):
            return []
        problem = location_problem(geom, self.against)
        if problem is None:
            return []
        if self.accept_reason:
            self.far[position] = messages.problem_message(problem)
            return []
        return [location_message(problem, hint="import")]

    def accept(self, position: int, parcel: Parcel, accepted: list[tuple[str, str]]) -> None:
        """Give the parcel the option's reason when its boundary was found far; list it in ``accepted``."""
        if position in self.far:
            parcel.location_reason = self.accept_reason
            accepted.append((parcel.apn, self.far[position]))
