from rest_framework.renderers import JSONRenderer


class GeoJSONRenderer(JSONRenderer):
    """``application/geo+json`` (RFC 7946), for clients that ask for it by name."""

    media_type = "application/geo+json"
    format = "geojson"
