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
