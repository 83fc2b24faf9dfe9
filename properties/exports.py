"""Export files of the registry, shared by the list page's buttons and the API."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import StreamingHttpResponse

from clt.csvresponse import csv_response
from properties import exchange

__all__ = ["export_response"]


def export_response(queryset: QuerySet, file_format: str) -> StreamingHttpResponse:
    """A streamed export file, GeoJSON or CSV, with the same columns either way."""
    rows = queryset.prefetch_related(None).order_by("apn").values(*exchange.EXPORT_FIELDS).iterator(chunk_size=500)
    if file_format == "csv":
        # The file is for re-importing, not a spreadsheet: every value kept as it is (exchange.csv_records).
        response = csv_response(
            exchange.csv_records(rows), header=exchange.CSV_COLUMNS, filename="parcels.csv", guard_formulas=False
        )
    else:
        response = StreamingHttpResponse(exchange.write_geojson(rows), content_type="application/geo+json")
        response["Content-Disposition"] = 'attachment; filename="parcels.geojson"'
    return response
