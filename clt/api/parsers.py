"""The API's JSON parser: DRF's, refusing a body nested deeper than any request of ours (400, not 500).

Python's ``json`` decoder recurses once per ``[`` or ``{``: a 2 KB body of a thousand brackets ends in
``RecursionError``, a server error. The depth is measured on the text before decoding, with the
strings taken out (a bracket inside a string nests nothing), so the decoder never sees such a body.
"""

from __future__ import annotations

import codecs
import re
from typing import Any

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json

__all__ = ["MAX_JSON_DEPTH", "JSONParser", "nested_deeper_than"]

# The deepest request of ours is a split's GeoJSON MultiPolygon in a list of parts (about 8 levels).
MAX_JSON_DEPTH = 64

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_INNERMOST = re.compile(r"[\[{][\]}]")


def nested_deeper_than(text: str, limit: int) -> bool:
    """Whether the arrays and objects of a JSON text nest more than ``limit`` deep, without decoding it.

    Each round takes out the innermost pairs of brackets (one level); what still holds a pair after
    ``limit`` rounds is deeper. Every step is a regular expression, so a large flat body stays fast.
    """
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    for _round in range(limit):
        inner = _INNERMOST.sub("", brackets)
        if inner == brackets:
            return False
        brackets = inner
    return _INNERMOST.search(brackets) is not None


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with a nesting limit (``MAX_JSON_DEPTH``): deeper bodies answer 400."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        encoding = parsers.get_encoding(parser_context or {})
        try:
            text = codecs.getreader(encoding)(stream).read() if stream is not None else ""
        except UnicodeDecodeError as exc:
            raise ParseError(_("JSON parse error - %(error)s") % {"error": exc}) from exc
        if nested_deeper_than(text, MAX_JSON_DEPTH):
            raise ParseError(
                _("JSON nested deeper than %(limit)s levels is not accepted.") % {"limit": MAX_JSON_DEPTH}
            )
        try:
            return json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except ValueError as exc:
            raise ParseError(_("JSON parse error - %(error)s") % {"error": exc}) from exc
