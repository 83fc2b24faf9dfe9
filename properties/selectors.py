"""Reads of the registry that several pages share."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Max, Min, Q, Sum
from django.http import HttpRequest

from clt import roles
from clt.dashboard import Panel
from properties.models import Parcel, ParcelOverlap, ParcelStatus, Unit


def registry_summary() -> dict[str, Any]:
    """Counts for the staff dashboard, in two queries."""
    parcels = Parcel.objects.exclude(status=ParcelStatus.RETIRED).aggregate(
        total=Count("pk"),
        held=Count("pk", filter=Q(status=ParcelStatus.HELD)),
        acquired=Count("pk", filter=Q(status=ParcelStatus.ACQUIRED)),
        disposed=Count("pk", filter=Q(status=ParcelStatus.DISPOSED)),
        area_mismatch=Count("pk", filter=Q(area_mismatch=True)),
        acres=Sum("area_acres", filter=~Q(status=ParcelStatus.DISPOSED)),
    )
    parcels["homes"] = Unit.objects.count()
    parcels["open_overlaps"] = ParcelOverlap.objects.filter(accepted_at__isnull=True).count()
    return parcels


def registry_extent(queryset=None) -> tuple[float, float, float, float] | None:
    """West, south, east, north of the parcels (for the map's first view), or None when there are none."""
    queryset = Parcel.objects.exclude(status=ParcelStatus.RETIRED) if queryset is None else queryset
    extent = queryset.aggregate(
        w=Min("bbox_min_lon"), s=Min("bbox_min_lat"), e=Max("bbox_max_lon"), n=Max("bbox_max_lat")
    )
    if extent["w"] is None:
        return None
    return extent["w"], extent["s"], extent["e"], extent["n"]


def dashboard_panel(request: HttpRequest) -> Panel | None:
    if not roles.is_staff_member(request.user):
        return None
    return Panel(template="properties/_dashboard_panel.html", context={"summary": registry_summary()}, order=10)


def attach_earlier_acceptances(overlaps: list[ParcelOverlap]) -> None:
    """``earlier_acceptance``: the last acceptance, from history, of an overlap a boundary change reopened.

    Staff reviewing it again see who accepted it before and why, in one query for the whole page.
    """
    open_ids = [o.pk for o in overlaps if not o.is_accepted]
    earlier = {}
    if open_ids:
        records = (
            ParcelOverlap.history.filter(id__in=open_ids, accepted_at__isnull=False)
            .select_related("accepted_by")
            .order_by("history_date", "history_id")
        )
        earlier = {record.id: record for record in records}  # the latest of each wins
    for overlap in overlaps:
        overlap.earlier_acceptance = earlier.get(overlap.pk)


# The leases app (above this one) names its statuses; the registry reads them as the strings they are stored as.
LIVE_LEASE = "active"
LEASE_BEING_PREPARED = "draft"


def current_lease(leases: Iterable[Any]) -> Any | None:
    """The lease a home is under now (its active one), else the one being prepared for it, else None.

    ``leases`` are a home's leases (``unit.leases.all()``, prefetched), in their model's order (newest first).
    """
    leases = list(leases)
    for status in (LIVE_LEASE, LEASE_BEING_PREPARED):
        found = next((lease for lease in leases if lease.status == status), None)
        if found is not None:
            return found
    return None
