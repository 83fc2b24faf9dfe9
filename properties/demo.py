"""Demo parcels: about 200 lots of a street grid in Burlington, Vermont's Old North End.

Lots are laid out in metres on a grid turned a few degrees (as the town's streets are), then
projected to longitude/latitude from UTM zone 18N, so neighbouring lots share their edges
exactly and the areas are real. A condo building, a co-op, a lot with a hole (a courtyard
that is not the trust's), a parcel in two pieces, a split and a merge show what the registry
keeps.
"""

from __future__ import annotations

import itertools
import math
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from pyproj import Transformer
from simple_history.utils import bulk_create_with_history

from properties import imports, services
from properties.exchange import ReadRecord
from properties.models import FundingKind, Parcel, ParcelFunding, ParcelStatus, Unit, UnitKind

ORIGIN_LON, ORIGIN_LAT = -73.2185, 44.4905
ROTATION_DEG = -8.0
BLOCK_W, BLOCK_D, STREET = 160.0, 90.0, 18.0
ROWS, COLS = 6, 5
EAST_WEST_STREETS = ["North St", "Archibald St", "Grant St", "Manhattan Dr", "Spring St", "Elmwood Ave", "Peru St"]
FUNDERS = [
    ("City of Burlington HOME", FundingKind.SUBSIDY),
    ("Vermont Housing & Conservation Board", FundingKind.GRANT),
    ("CDBG", FundingKind.SUBSIDY),
    ("Federal Home Loan Bank AHP", FundingKind.GRANT),
    ("Local foundation gift", FundingKind.DONATION),
]

_to_utm = Transformer.from_crs("EPSG:4326", "EPSG:32618", always_xy=True)
_to_wgs = Transformer.from_crs("EPSG:32618", "EPSG:4326", always_xy=True)


def _projector():
    ox, oy = _to_utm.transform(ORIGIN_LON, ORIGIN_LAT)
    angle = math.radians(ROTATION_DEG)
    cos_a, sin_a = math.cos(angle), math.sin(angle)

    def to_lonlat(x: float, y: float) -> list[float]:
        rx, ry = x * cos_a - y * sin_a, x * sin_a + y * cos_a
        lon, lat = _to_wgs.transform(ox + rx, oy + ry)
        return [round(lon, 8), round(lat, 8)]

    return to_lonlat


def _ring(to_lonlat, x0: float, y0: float, x1: float, y1: float, clockwise: bool = False) -> list[list[float]]:
    corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    if clockwise:
        corners.reverse()
    ring = [to_lonlat(x, y) for x, y in corners]
    return [*ring, ring[0]]


def _widths(rng, total: float) -> list[float]:
    widths: list[float] = []
    while sum(widths) < total:
        widths.append(rng.choice([14.0, 15.0, 16.0, 18.0, 20.0, 24.0]))
    excess = sum(widths) - total
    widths[-1] -= excess
    if widths[-1] < 10:
        short = widths.pop()
        widths[-1] += short
    return widths


def _lots(rng) -> list[dict[str, Any]]:
    """Every lot of the grid: block, side, position, rectangle, address."""
    lots = []
    for row in range(ROWS):
        for col in range(COLS):
            x_block = col * (BLOCK_W + STREET)
            y_block = -row * (BLOCK_D + STREET)
            for side in ("north", "south"):
                y0, y1 = (
                    (y_block - BLOCK_D / 2, y_block) if side == "north" else (y_block - BLOCK_D, y_block - BLOCK_D / 2)
                )
                street = EAST_WEST_STREETS[row] if side == "north" else EAST_WEST_STREETS[row + 1]
                x = x_block
                for position, width in enumerate(_widths(rng, BLOCK_W)):
                    number = 100 * (col + 1) + 2 * position + (1 if side == "north" else 0)
                    lots.append(
                        {
                            "block": (row, col),
                            "side": side,
                            "position": position,
                            "rect": (x, y0, x + width, y1),
                            "address": f"{number} {street}",
                            "apn": f"044-{row * COLS + col + 1:03d}-{side[0].upper()}{position + 1:02d}",
                        }
                    )
                    x += width
    return lots


def load_demo(context: Any) -> None:
    if Parcel.objects.filter(apn__startswith="044-").exists():
        context.stdout.write(_("Parcels: %(count)s (already loaded)") % {"count": Parcel.objects.count()})
        return
    rng = context.rng
    to_lonlat = _projector()
    lots = _lots(rng)
    held = [lot for lot in lots if rng.random() < 0.42]
    records = []
    plans: dict[str, dict[str, Any]] = {}
    for index, lot in enumerate(held, start=1):
        x0, y0, x1, y1 = lot["rect"]
        geometry = {"type": "Polygon", "coordinates": [_ring(to_lonlat, x0, y0, x1, y1)]}
        year = rng.randint(1992, 2025)
        status = ParcelStatus.HELD
        roll = rng.random()
        if roll < 0.05:
            status = ParcelStatus.ACQUIRED
        elif roll < 0.07:
            status = ParcelStatus.DISPOSED
        price = Decimal(rng.randint(25, 60) * 1000 + (year - 1990) * rng.randint(1500, 3500))
        fields = {
            "address": lot["address"],
            "status": status,
            "acquisition_date": date(year, rng.randint(1, 12), rng.randint(1, 28)),
            "acquisition_price": price,
        }
        records.append(ReadRecord(index, lot["apn"], lot["apn"], geometry, fields))
        plans[lot["apn"]] = {"lot": lot, "status": status, "year": year, "price": price}

    # A parcel with a hole: a courtyard lot inside it belongs to someone else.
    cx, cy = (COLS - 1) * (BLOCK_W + STREET) + 20, -(ROWS - 1) * (BLOCK_D + STREET) - BLOCK_D - STREET - 60
    outer = _ring(to_lonlat, cx, cy, cx + 80, cy + 50)
    hole = _ring(to_lonlat, cx + 30, cy + 15, cx + 50, cy + 35, clockwise=True)
    records.append(
        ReadRecord(
            len(records) + 1,
            "044-900-C01",
            "044-900-C01",
            {"type": "Polygon", "coordinates": [outer, hole]},
            {
                "address": "12 Courtyard Way",
                "status": ParcelStatus.HELD,
                "acquisition_date": date(2011, 6, 1),
                "acquisition_price": Decimal("210000"),
                "notes": "The courtyard lot in the middle is privately owned.",
            },
        )
    )
    # A parcel in two pieces: a house lot and its parking pad across the lane.
    px, py = -60.0, 40.0
    records.append(
        ReadRecord(
            len(records) + 1,
            "044-900-M01",
            "044-900-M01",
            {
                "type": "MultiPolygon",
                "coordinates": [
                    [_ring(to_lonlat, px, py, px + 20, py + 40)],
                    [_ring(to_lonlat, px, py + 52, px + 12, py + 64)],
                ],
            },
            {
                "address": "2 Lakeview Ter",
                "status": ParcelStatus.HELD,
                "acquisition_date": date(2004, 9, 15),
                "acquisition_price": Decimal("98000"),
            },
        )
    )
    report = imports.parcels_import(records, actor=context.actor, reason="Demo data")
    parcels = {p.apn: p for p in Parcel.objects.all()}
    _lineage(context, to_lonlat, parcels, plans)
    _homes(context, rng, parcels, plans)
    _funding(context, rng, parcels, plans)
    active = Parcel.objects.exclude(status=ParcelStatus.RETIRED).count()
    context.stdout.write(
        _("Parcels: %(imported)s imported, %(current)s current, %(homes)s homes")
        % {"imported": report.created, "current": active, "homes": Unit.objects.count()}
    )


def _homes(context: Any, rng, parcels: dict[str, Parcel], plans: dict[str, dict[str, Any]]) -> None:
    units: list[Unit] = []
    condo_done = coop_done = False
    for apn, plan in plans.items():
        parcel = parcels[apn]
        if plan["status"] == ParcelStatus.ACQUIRED:
            continue  # vacant land, bought to build on
        address = plan["lot"]["address"]
        width = plan["lot"]["rect"][2] - plan["lot"]["rect"][0]
        if width >= 24 and not condo_done:
            condo_done = True
            units += [
                Unit(
                    parcel=parcel,
                    kind=UnitKind.CONDO,
                    address=address,
                    unit_number=str(n),
                    bedrooms=rng.choice([1, 2, 2, 3]),
                    bathrooms=Decimal("1.0"),
                    floor_area_sqft=rng.randint(650, 1100),
                    year_built=2008,
                )
                for n in range(101, 109)
            ]
            continue
        if width >= 24 and not coop_done:
            coop_done = True
            units.append(
                Unit(
                    parcel=parcel,
                    kind=UnitKind.COOP,
                    address=address,
                    bedrooms=None,
                    floor_area_sqft=9800,
                    year_built=1925,
                    notes="12-apartment limited-equity cooperative",
                )
            )
            continue
        roll = rng.random()
        year_built = rng.choice([1890, 1905, 1912, 1920, 1928, 1950, 1962, 1985, 2004, 2016])
        if roll < 0.10:
            units += [
                Unit(
                    parcel=parcel,
                    kind=UnitKind.TOWNHOUSE,
                    address=address,
                    unit_number=letter,
                    bedrooms=rng.choice([2, 3]),
                    bathrooms=Decimal("1.5"),
                    floor_area_sqft=rng.randint(1000, 1400),
                    year_built=2012,
                )
                for letter in "AB"
            ]
        elif roll < 0.14:
            units.append(
                Unit(
                    parcel=parcel,
                    kind=UnitKind.RENTAL,
                    address=address,
                    bedrooms=2,
                    bathrooms=Decimal("1.0"),
                    floor_area_sqft=rng.randint(800, 1000),
                    year_built=year_built,
                )
            )
        elif roll < 0.16:
            units.append(
                Unit(
                    parcel=parcel,
                    kind=UnitKind.COMMERCIAL,
                    address=address,
                    floor_area_sqft=rng.randint(900, 2500),
                    year_built=year_built,
                    notes="Neighbourhood storefront",
                )
            )
        else:
            units.append(
                Unit(
                    parcel=parcel,
                    kind=UnitKind.SINGLE_FAMILY,
                    address=address,
                    bedrooms=rng.choice([2, 3, 3, 3, 4]),
                    bathrooms=rng.choice([Decimal("1.0"), Decimal("1.5"), Decimal("2.0")]),
                    floor_area_sqft=rng.randint(900, 1900),
                    year_built=year_built,
                )
            )
    for apn in ("044-900-C01", "044-900-M01"):
        parcel = parcels[apn]
        units.append(
            Unit(
                parcel=parcel,
                kind=UnitKind.SINGLE_FAMILY,
                address=parcel.address,
                bedrooms=3,
                bathrooms=Decimal("1.5"),
                floor_area_sqft=1350,
                year_built=1938,
            )
        )
    bulk_create_with_history(units, Unit, batch_size=500, default_user=context.actor, default_change_reason="Demo data")


def _funding(context: Any, rng, parcels: dict[str, Parcel], plans: dict[str, dict[str, Any]]) -> None:
    rows = []
    for apn, plan in plans.items():
        for source, kind in rng.sample(FUNDERS, rng.randint(1, 3)):
            amount = (plan["price"] * Decimal(rng.randint(10, 45)) / 100).quantize(Decimal("1"))
            rows.append(
                ParcelFunding(
                    parcel=parcels[apn], source=source, kind=kind, amount=amount, date=date(plan["year"], 1, 15)
                )
            )
    bulk_create_with_history(
        rows, ParcelFunding, batch_size=500, default_user=context.actor, default_change_reason="Demo data"
    )


def _lineage(context: Any, to_lonlat, parcels: dict[str, Parcel], plans: dict[str, dict[str, Any]]) -> None:
    """A merge of two neighbouring lots and a split of a wide one, to show lineage on their pages.

    Both happen before homes are recorded; the new parcels take the plans' places.
    """
    ordered = sorted(
        plans.items(), key=lambda item: (item[1]["lot"]["block"], item[1]["lot"]["side"], item[1]["lot"]["position"])
    )
    for (apn_a, a), (apn_b, b) in itertools.pairwise(ordered):
        same_row = a["lot"]["block"] == b["lot"]["block"] and a["lot"]["side"] == b["lot"]["side"]
        if same_row and b["lot"]["position"] == a["lot"]["position"] + 1 and a["status"] == b["status"] == "held":
            merged = services.parcel_merge(
                parcels=[parcels[apn_a], parcels[apn_b]],
                apn=apn_a + "M",
                address=a["lot"]["address"],
                effective_date=date(2024, 3, 1),
                actor=context.actor,
                reason="Demo data: two lots combined for a duplex (boundary line adjustment recorded 2024)",
            )
            x0, y0, _x1, y1 = a["lot"]["rect"]
            plans[merged.apn] = {**a, "lot": {**a["lot"], "rect": (x0, y0, b["lot"]["rect"][2], y1)}}
            del plans[apn_a], plans[apn_b]
            parcels[merged.apn] = merged
            break
    for apn, plan in list(plans.items()):
        x0, y0, x1, y1 = plan["lot"]["rect"]
        if x1 - x0 >= 24 and plan["status"] == "held" and not apn.endswith("M"):
            middle = (x0 + x1) / 2
            children = services.parcel_split(
                parcel=parcels[apn],
                parts=[
                    {
                        "apn": apn + "A",
                        "address": plan["lot"]["address"],
                        "geometry": {"type": "Polygon", "coordinates": [_ring(to_lonlat, x0, y0, middle, y1)]},
                    },
                    {
                        "apn": apn + "B",
                        "address": plan["lot"]["address"].replace(" ", "½ ", 1),
                        "geometry": {"type": "Polygon", "coordinates": [_ring(to_lonlat, middle, y0, x1, y1)]},
                    },
                ],
                effective_date=date(2019, 10, 1),
                actor=context.actor,
                reason="Demo data: wide lot subdivided to build a second home",
            )
            del plans[apn]
            for child, (cx0, cx1) in zip(children, ((x0, middle), (middle, x1)), strict=True):
                plans[child.apn] = {
                    **plan,
                    "lot": {**plan["lot"], "rect": (cx0, y0, cx1, y1), "address": child.address},
                }
                parcels[child.apn] = child
            break
