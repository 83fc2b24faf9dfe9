"""The API's JSON parser: DRF's, refusing a body nested deeper than any request of ours (400, not 500).

Python's ``json`` decoder recurses once per ``[`` or ``{``: a 2 KB body of a thousand brackets ends in
``RecursionError``, a server error. The depth is measured on the text before decoding
(``clt.jsontext.json_depth``, linear time), so the decoder never sees such a body.
"""

from __future__ import annotations

import codecs
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json

from clt.jsontext import json_depth

__all__ = ["MAX_JSON_DEPTH", "JSONParser"]

# The deepest request of ours is a split's GeoJSON MultiPolygon in a list of parts (about 8 levels).
MAX_JSON_DEPTH = 64


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with a nesting limit (``MAX_JSON_DEPTH``): deeper bodies answer 400."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        encoding = parsers.get_encoding(parser_context or {})
        try:
            text = codecs.getreader(encoding)(stream).read() if stream is not None else ""
        except UnicodeDecodeError as exc:
            raise ParseError(_("JSON parse error - %(error)s") % {"error": exc}) from exc
        if json_depth(text) > MAX_JSON_DEPTH:
            raise ParseError(_("JSON nested deeper than %(limit)s levels is not accepted.") % {"limit": MAX_JSON_DEPTH})
        try:
            return json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except ValueError as exc:
            raise ParseError(_("JSON parse error - %(error)s") % {"error": exc}) from exc
