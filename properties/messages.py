"""Every user-facing message of the parcel registry, translated (Cadasta's messages module habit).

The pure geometry module speaks English with stable codes and parameters; this module gives
each code its translatable text, so a Spanish-speaking clerk reads the same reason.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from properties.geometry import Problem

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
    "split_does_not_cover": _(
        "The parts do not cover the original parcel: %(uncovered).2f m² of it is left out and %(outside).2f m² "
        "of the parts lies outside it (at most %(allowed).2f m² is tolerated)."
    ),
}


def problem_message(problem: Problem) -> str:
    """The translated text of a geometry problem, falling back to the pure module's English."""
    template = GEOMETRY_MESSAGES.get(problem.code)
    if template is None:
        return problem.message
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
