"""What the map asks for: a viewport's parcels as GeoJSON, points when far, polygons when near.

Living Lots' answer to Cadasta #801 (a page that carried every polygon took two minutes):
the town-wide view gets one small Point per parcel, the street view gets polygons, and both
only for the viewport. The JSON is written directly from ``values_list`` rows: no model
instances, no serializer per feature.
"""

from __future__ import annotations

import json

from django.db.models import QuerySet

__all__ = ["feature_collection"]

# Six decimals of a degree is about 0.1 m: more than a map marker needs, and a third smaller.
POINT_PRECISION = 6


def feature_collection(queryset: QuerySet, *, shape: str) -> str:
    """A FeatureCollection string: Points (centroids) or the parcels' own polygons."""
    queryset = queryset.prefetch_related(None).order_by()
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
    return json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":"))
