"""A CSV download over HTTP: the text from ``clt.csvexport.csv_lines``, ``text/csv; charset=utf-8``, and an
attachment name that is safe whatever it was built from.

Apart from ``clt.csvexport`` because this needs Django and that must not: ``properties.exchange`` is one of
the pure modules (``tests/test_pure_modules.py``) and writes its parcel files with ``csv_lines``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any, Literal, overload

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

from clt.csvexport import csv_lines

__all__ = ["CONTENT_TYPE", "csv_response", "safe_filename"]

CONTENT_TYPE = "text/csv; charset=utf-8"

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_STEM = 120  # far under the 255 bytes a file system allows, with room for a browser's " (2)"


def safe_filename(name: str, suffix: str = ".csv") -> str:
    """``name`` as a file name any browser and file system takes, and a header cannot be broken by: ASCII
    letters, digits, ``.``, ``_`` and ``-`` only (accents dropped; each run of anything else, path separators,
    quotes and line breaks included, one ``-``), no leading dot, at most 120 characters before ``suffix``,
    which it ends in. A name with nothing left is ``export``.
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    has_suffix = suffix and ascii_name.lower().endswith(suffix.lower())
    stem = ascii_name[: -len(suffix)] if has_suffix else ascii_name
    stem = _UNSAFE.sub("-", stem)[:_MAX_STEM].strip(".-") or "export"
    return stem + suffix


@overload
def csv_response(
    rows: Iterable[Sequence[Any]],
    *,
    filename: str,
    header: Sequence[str] | None = ...,
    streaming: Literal[True] = ...,
    guard_formulas: bool = ...,
) -> StreamingHttpResponse: ...


@overload
def csv_response(
    rows: Iterable[Sequence[Any]],
    *,
    filename: str,
    header: Sequence[str] | None = ...,
    streaming: Literal[False],
    guard_formulas: bool = ...,
) -> HttpResponse: ...


def csv_response(
    rows: Iterable[Sequence[Any]],
    *,
    filename: str,
    header: Sequence[str] | None = None,
    streaming: bool = True,
    guard_formulas: bool = True,
) -> StreamingHttpResponse | HttpResponse:
    """``rows`` (after ``header``) as a CSV attachment named ``filename`` (made safe).

    Streamed, so the rows are read while the response is sent; ``streaming=False`` for a list already in
    memory whose callers read ``response.content`` (a ``StreamingHttpResponse`` has none).
    """
    lines = csv_lines(rows, header=header, guard_formulas=guard_formulas)
    response: StreamingHttpResponse | HttpResponse
    if streaming:
        response = StreamingHttpResponse(lines, content_type=CONTENT_TYPE)
    else:
        response = HttpResponse("".join(lines), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, safe_filename(filename))
    return response
