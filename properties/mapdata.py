"""What the map asks for: a viewport's parcels as GeoJSON, clusters when far, points nearer, polygons near.

Living Lots' answer to Cadasta #801 (a page that carried every polygon took two minutes): the street
view gets polygons, a view of a few hundred parcels gets one small Point per parcel, and a town-wide
view of tens of thousands gets clusters: the database groups the parcels' stored centroids into a
grid of cells about ``CLUSTER_CELL_PX`` screen pixels wide at the map's zoom and answers one row per
cell (how many, how many of each status, where their centre lies, the cell's box to zoom to). Nothing parses a
geometry per request, and the answer's size follows the screen, not the town. The JSON is written
directly from ``values_list`` rows: no model instances, no serializer per feature.
"""

from __future__ import annotations

import json
import math
from typing import Any

from django.conf import settings
from django.db.models import Avg, Count, F, FloatField, Min, Q, QuerySet
from django.db.models.functions import Floor

from properties.models import Parcel, ParcelStatus

__all__ = ["CLUSTER_ABOVE", "CLUSTER_CELL_PX", "cell_size", "feature_collection", "viewport_features"]

# Six decimals of a degree is about 0.1 m: more than a map marker needs, and a third smaller.
POINT_PRECISION = 6
# A cluster's centre and extent: five decimals, about 1 m.
CLUSTER_PRECISION = 5
# More parcels than this in the viewport (below the polygon zoom) are drawn as clusters.
CLUSTER_ABOVE = int(settings.CLT.get("MAP_CLUSTER_ABOVE", 1000))
# The width of a cluster's cell on the screen, in pixels of the map's 256-pixel tiles.
CLUSTER_CELL_PX = 64


def cell_size(zoom: int, latitude: float) -> tuple[float, float]:
    """The grid's cell in degrees (longitude, latitude) at a zoom level, square on the screen at a latitude.

    A web map's tile of 256 px spans 360 / 2**zoom degrees of longitude; a degree of latitude is drawn
    1 / cos(latitude) times taller than one of longitude (Mercator), so the cell is that much shorter.
    """
    zoom = max(0, min(zoom, 24))
    width = 360.0 / 2**zoom * CLUSTER_CELL_PX / 256
    return width, width * max(math.cos(math.radians(latitude)), 0.01)


def viewport_features(queryset: QuerySet, *, shape: str | None, zoom: int, latitude: float) -> str:
    """The map's answer for a viewport: ``shape`` when asked for, else by zoom and by how many parcels are in
    view (clusters above ``CLUSTER_ABOVE``, points below it; polygons from the polygon zoom on)."""
    if shape:
        return feature_collection(queryset, shape=shape, zoom=zoom, latitude=latitude)
    if zoom >= settings.CLT["MAP_POLYGON_MIN_ZOOM"]:
        return feature_collection(queryset, shape="polygon")
    cells = _cells(queryset, zoom, latitude)
    if sum(cell["n"] for cell in cells) > CLUSTER_ABOVE:
        return _dump(_cluster_features(cells))
    return feature_collection(queryset, shape="point")


def feature_collection(queryset: QuerySet, *, shape: str, zoom: int = 0, latitude: float = 0.0) -> str:
    """A FeatureCollection string: clusters, Points (centroids) or the parcels' own polygons."""
    queryset = queryset.prefetch_related(None).order_by()
    if shape == "cluster":
        return _dump(_cluster_features(_cells(queryset, zoom, latitude)))
    if shape == "point":
        rows = queryset.values_list("pk", "apn", "status", "centroid_lon", "centroid_lat")
        features = [
            {
                "type": "Feature",
                "id": pk,
                "properties": {"apn": apn, "status": status},
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(lon, POINT_PRECISION), round(lat, POINT_PRECISION)],
                },
            }
            for pk, apn, status, lon, lat in rows.iterator(chunk_size=2000)
        ]
    else:
        rows = queryset.values_list("pk", "apn", "status", "address", "area_acres", "geometry")
        features = [
            {
                "type": "Feature",
                "id": pk,
                "properties": {"apn": apn, "status": status, "address": address, "acres": str(acres)},
                "geometry": geometry,
            }
            for pk, apn, status, address, acres, geometry in rows.iterator(chunk_size=500)
        ]
    return _dump(features)


def _dump(features: list[dict[str, Any]]) -> str:
    return json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"))


def _cells(queryset: QuerySet, zoom: int, latitude: float) -> list[dict[str, Any]]:
    """One row per occupied grid cell: its box, count, count per status, the mean centre of its parcels, and
    the parcel (id, APN, status) when it is alone there.

    The grid is anchored at (-180, -90), so a cell holds the same parcels however the map is panned. Only the
    columns of the covering index ``properties_parcel_bbox_cover`` are read, so the database never visits
    the table's rows (with their boundaries) to count a town.
    """
    width, height = cell_size(zoom, latitude)
    per_status = {status: Count("pk", filter=Q(status=status)) for status in ParcelStatus.values}
    rows = list(
        queryset.prefetch_related(None)
        .order_by()
        .annotate(
            gx=Floor((F("centroid_lon") + 180.0) / width, output_field=FloatField()),
            gy=Floor((F("centroid_lat") + 90.0) / height, output_field=FloatField()),
        )
        .values("gx", "gy")
        .annotate(n=Count("pk"), lon=Avg("centroid_lon"), lat=Avg("centroid_lat"), first=Min("pk"), **per_status)
        .order_by("gy", "gx")
    )
    alone = {row["first"]: row for row in rows if row["n"] == 1}
    for pk, apn, status in Parcel.objects.filter(pk__in=alone).values_list("pk", "apn", "status"):
        alone[pk].update(apn=apn, status=status)
    for row in rows:
        west, south = row["gx"] * width - 180.0, row["gy"] * height - 90.0
        row["bbox"] = [west, south, west + width, south + height]
    return rows


def _cluster_features(cells: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A parcel alone in its cell is its own Point, as the point view draws it; several are one cluster."""
    features = []
    for cell in cells:
        if cell["n"] == 1:
            features.append(
                {
                    "type": "Feature",
                    "id": cell["first"],
                    "properties": {"apn": cell["apn"], "status": cell["status"]},
                    "geometry": {
                        "type": "Point",
                        "coordinates": [round(cell["lon"], POINT_PRECISION), round(cell["lat"], POINT_PRECISION)],
                    },
                }
            )
            continue
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "cluster": True,
                    "count": cell["n"],
                    "statuses": {status: cell[status] for status in ParcelStatus.values if cell[status]},
                    "bbox": [round(edge, CLUSTER_PRECISION) for edge in cell["bbox"]],
                },
                "geometry": {
                    "type": "Point",
                    "coordinates": [round(cell["lon"], CLUSTER_PRECISION), round(cell["lat"], CLUSTER_PRECISION)],
                },
            }
        )
    return features
