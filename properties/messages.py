"""Every user-facing message of the parcel registry, translated (Cadasta's messages module habit).

The pure geometry module speaks English with stable codes and parameters; this module gives
each code its translatable text, so a Spanish-speaking clerk reads the same reason.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from properties.exchange import ExchangeError
from properties.geometry import OTHER_PARCELS, SERVICE_AREA, Problem

GEOMETRY_MESSAGES = {
    "malformed": _("The geometry is not well-formed GeoJSON: %(detail)s"),
    "geometry_type": _("Geometry type %(type)s is not allowed: a parcel is a Polygon or a MultiPolygon."),
    "empty": _("The geometry is empty."),
    "ring_not_closed": _("Polygon %(polygon)s, ring %(ring)s is not closed: its last position must repeat its first."),
    "too_few_points": _("A ring has too few positions: a ring needs at least 4 (the last repeating the first)."),
    "lat_lon_order": _(
        "Coordinates look like latitude, longitude (first position %(x)s, %(y)s); "
        "GeoJSON positions are longitude, latitude."
    ),
    "projected_coordinates": _(
        "Coordinates are not longitude/latitude (first position %(x)s, %(y)s): the data looks projected. "
        "Give its coordinate reference system (an EPSG code) so it can be reprojected."
    ),
    "out_of_range": _(
        "Coordinates are out of range: longitude must be within ±180 and latitude within ±90 "
        "(first position %(x)s, %(y)s)."
    ),
    "self_intersection": _("The polygon's edges cross each other (self-intersection) near %(x)s, %(y)s."),
    "ring_self_intersection": _("A ring touches itself near %(x)s, %(y)s."),
    "hole_outside_shell": _("A hole lies outside its polygon."),
    "nested_shells": _("One polygon of the MultiPolygon lies inside another."),
    "zero_area": _("The geometry encloses no area."),
    "too_many_vertices": _("The boundary has %(count)s positions; a parcel has at most %(limit)s."),
    "split_too_few_parts": _("A split needs at least two parts."),
    "split_parts_overlap": _("Parts %(first)s and %(second)s overlap by %(area).2f m²."),
    "wkt_unreadable": _("The WKT cannot be read: %(error)s."),
    # One feature or row of an import file (properties.exchange).
    "not_a_feature": _("This is not a GeoJSON Feature."),
    "no_geometry": _("The feature has no geometry."),
    "official_area_not_number": _("Official area: “%(value)s” is not a number."),
    "split_does_not_cover": _(
        "The parts do not cover the original parcel: %(uncovered).2f m² of it is left out and %(outside).2f m² "
        "of the parts lies outside it (at most %(allowed).2f m² is tolerated)."
    ),
}


# A boundary far from where the trust works (geometry.location_problem), by what it was measured from.
LOCATION_MESSAGES = {
    ("location_swapped", SERVICE_AREA): _(
        "The boundary lies about %(distance)s km from the trust's service area: the coordinates look swapped. "
        "GeoJSON positions are longitude, latitude; with the two exchanged the boundary would lie inside the area."
    ),
    ("location_swapped", OTHER_PARCELS): _(
        "The boundary lies about %(distance)s km from the trust's other parcels: the coordinates look swapped. "
        "GeoJSON positions are longitude, latitude; with the two exchanged the boundary would lie among them."
    ),
    ("location_far", SERVICE_AREA): _("The boundary lies about %(distance)s km from the trust's service area."),
    ("location_far", OTHER_PARCELS): _("The boundary lies about %(distance)s km from the trust's other parcels."),
}
LOCATION_NEEDS_REASON = _("If the location is right, resubmit with a reason for accepting it.")
LOCATION_IMPORT_OPTION = _("If the location is right, import with --accept-location and a reason.")

# A whole import file that cannot be read (properties.exchange.ExchangeError).
FILE_MESSAGES = {
    "too_deep": _(
        "The JSON is nested %(depth)s levels deep; a parcel file has at most %(limit)s "
        "(a FeatureCollection of polygons needs 8)."
    ),
    "invalid_json": _("This is not valid JSON: %(error)s"),
    "not_feature_collection": _("A GeoJSON import must be a FeatureCollection."),
    "no_features": _("The FeatureCollection has no features list."),
    "unknown_crs": _("The file's crs member is not a coordinate system pyproj knows: %(error)s"),
    "no_wkt_column": _("There is no WKT geometry column (looked for %(looked_for)s)."),
    "map_syntax": _("--map takes FIELD=ATTRIBUTE; got “%(pair)s”."),
    "map_unknown_field": _("--map: there is no field “%(field)s”; the fields are %(known)s."),
}
ROW = _("row %(n)s")


def _numbers(params: dict) -> dict:
    """Whole numbers as people write them (15,551), the same in English and Spanish for a US trust."""
    return {k: f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else v for k, v in params.items()}


def exchange_message(error: ExchangeError) -> str:
    """The translated text of a file that cannot be read, falling back to the pure module's English."""
    template = FILE_MESSAGES.get(error.code)
    if template is None:
        return str(error)
    try:
        return str(template) % _numbers(error.params)
    except (KeyError, TypeError, ValueError):
        return str(error)


def problem_message(problem: Problem) -> str:
    """The translated text of a geometry problem, falling back to the pure module's English."""
    template = GEOMETRY_MESSAGES.get(problem.code)
    if template is None:
        template = LOCATION_MESSAGES.get((problem.code, problem.params.get("reference")))
        if template is None:
            return problem.message
        return str(template) % _numbers(problem.params)
    params = dict(problem.params)
    params.setdefault("detail", problem.message)
    try:
        return str(template) % params
    except (KeyError, TypeError, ValueError):
        return problem.message


OVERLAP_NEEDS_REASON = _(
    "This parcel overlaps parcel %(apn)s by %(area)s m². If that is right (a survey difference, a shared "
    "easement), resubmit with a reason for accepting the overlap."
)
APN_TAKEN = _("A parcel with parcel number %(apn)s already exists.")
RETIRED_PARCEL = _("Parcel %(apn)s was retired by a split or merge; it cannot be changed.")
PARCEL_HAS_UNITS = _("Parcel %(apn)s still carries homes; move or delete them first.")
PARCEL_HAS_LINEAGE = _("Parcel %(apn)s is part of a split or merge; it is kept for the record.")
REASON_REQUIRED = _("Say why: every change to the registry keeps its reason.")
MERGE_TOO_FEW = _("A merge needs at least two parcels.")
MERGE_DUPLICATES = _("A parcel is listed twice in the merge.")
MISSING_APN = _("The parcel number (APN) is missing.")
DUPLICATE_APN = _("Parcel number %(apn)s appears twice in the file (first at feature %(index)s).")
RETIRED_ONLY_BY_LINEAGE = _("A parcel is retired only by a split or a merge, which keep its lineage.")
