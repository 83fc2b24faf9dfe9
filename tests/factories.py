"""Builders for test data, through the real services (Zulip's habit: tests build with actions)."""

from __future__ import annotations

import math
from typing import Any

from properties import services
from properties.models import Parcel

# A corner of Burlington, Vermont: every test parcel is laid out in metres east/north of it.
ORIGIN_LON, ORIGIN_LAT = -73.2121, 44.4759
M_PER_DEG_LAT = 111_132.954  # at 44.5°N, to well under 0.1 %
M_PER_DEG_LON = 111_412.84 * math.cos(math.radians(ORIGIN_LAT))


def lonlat(east_m: float, north_m: float) -> list[float]:
    return [ORIGIN_LON + east_m / M_PER_DEG_LON, ORIGIN_LAT + north_m / M_PER_DEG_LAT]


def rect_ring(x: float, y: float, width: float, height: float) -> list[list[float]]:
    """A closed counter-clockwise ring of a rectangle ``width`` × ``height`` metres at (x, y) metres."""
    corners = [(x, y), (x + width, y), (x + width, y + height), (x, y + height)]
    ring = [lonlat(*c) for c in corners]
    return [*ring, ring[0]]


def square(x: float = 0, y: float = 0, size: float = 20) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [rect_ring(x, y, size, size)]}


def make_parcel(apn: str, *, x: float = 0, y: float = 0, size: float = 20, actor: Any = None, **fields: Any) -> Parcel:
    return services.parcel_create(actor=actor, reason="test", apn=apn, geometry=square(x, y, size), **fields)


def make_grid(count: int, *, actor: Any = None, size: float = 20, prefix: str = "T", x0: float = 0) -> list[Parcel]:
    """``count`` parcels on a grid with 5 m gaps (no overlaps)."""
    per_row = max(1, int(math.sqrt(count)))
    return [
        make_parcel(
            f"{prefix}{i:05d}", x=x0 + (i % per_row) * (size + 5), y=(i // per_row) * (size + 5), size=size, actor=actor
        )
        for i in range(count)
    ]


# --- Leases --------------------------------------------------------------------------------------

_counter = iter(range(1, 10**6))


def make_template_version(name: str = "Model lease 2018", **terms: Any):
    """A lease template version with the domain notes' published defaults unless ``terms`` say otherwise."""
    import datetime as dt

    from leases.lifecycle import services as lease_services
    from leases.lifecycle.models import LeaseTemplate

    template, _ = LeaseTemplate.objects.get_or_create(name=name)
    terms.setdefault("effective_from", dt.date(2000, 1, 1))
    return lease_services.template_version_create(template=template, actor=None, reason="test terms", **terms)


def make_lease(
    *,
    people: Any = (),
    version: Any = None,
    commencement: Any = None,
    execute: bool = True,
    monthly_fee: Any = None,
    unit: Any = None,
    **fields: Any,
):
    """A ground lease on a fresh parcel and home, executed (active) unless ``execute=False``."""
    import datetime as dt
    from decimal import Decimal

    from clt.models import Person
    from leases.lifecycle import services as lease_services

    n = next(_counter)
    if unit is None:
        parcel = make_parcel(f"L-{n:05d}", x=(n % 200) * 30, y=(n // 200) * 30)
        unit = services.unit_create(actor=None, reason="test home", parcel=parcel, address=f"{n} Lease Street")
    version = version or make_template_version()
    people = list(people) or [Person.objects.create(given_name=f"Holder{n}", family_name="Test")]
    commencement = commencement or dt.date(2020, 1, 1)
    fields.setdefault("recording_instrument", f"2020-{n:06d}")
    fields.setdefault("purchase_price", Decimal("150000.00"))
    lease = lease_services.lease_create(
        actor=None,
        reason="test lease",
        unit=unit,
        template_version=version,
        leaseholders=people,
        commencement=commencement,
        monthly_fee=monthly_fee,
        **fields,
    )
    if execute:
        lease_services.lease_event_record(
            lease=lease, kind="executed", actor=None, reason="signed", effective_on=commencement
        )
        lease.refresh_from_db()
    return lease
