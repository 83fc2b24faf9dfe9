"""Every CSV the trust writes, written one way: the standard library's ``excel`` dialect (a comma, CRLF line
endings, a field quoted only when it holds a comma, a quote or a line break), UTF-8, no byte-order mark.

``csv_lines`` turns rows into text and yields it a piece at a time, so a report of thousands of rows or a
parcel file of huge WKT boundaries never sits whole in memory; a piece is one or more whole lines.
``clt.csvresponse`` sends the pieces as a download; a command writes them to a file.

Spreadsheet formulas (CSV injection): a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is run as a formula when the file is opened in Excel or LibreOffice, so a member's name
typed as ``=HYPERLINK(...)`` would become a live link in a staff member's spreadsheet. Such a cell is
written with a ``'`` in front (OWASP's advice), so a spreadsheet takes it as text; a program reading the
file sees the ``'``. A cell that is a plain number (``-1250.00``, ``+3``, ``-1E+2``) is left as it is, so
negative money and figures stay numbers; ISO dates start with a digit and are never touched; numbers,
``None`` and dates given as Python objects are never touched either. ``guard_formulas=False`` keeps every
cell exactly as given, for a file meant to be read back by a program rather than opened in a spreadsheet
(the parcel exchange file, which must re-import unchanged).

No Django here: ``properties.exchange`` writes parcel files with it outside Django too.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import numbers
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

__all__ = ["PIECE_SIZE", "cell_text", "csv_lines", "guard_formula"]

# Big enough that a streamed report is a few hundred writes rather than one per row, small enough that a
# response never holds much: a row longer than this (a parcel's WKT boundary) goes out on its own.
PIECE_SIZE = 64 * 1024

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


def cell_text(value: Any) -> str:
    """A value as a report's cell: empty for ``None``, ISO for a date, else its text (Decimals keep their places)."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def guard_formula(value: Any) -> Any:
    """The cell as it should be written so that a spreadsheet does not run it as a formula (see above)."""
    if value is None or isinstance(value, numbers.Number):
        return value
    text = str(value)
    if text.startswith(_FORMULA_STARTS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def _guard_row(row: Sequence[Any]) -> list[Any]:
    # Most cells are text that starts with a letter or a digit: answered here without a call, which would
    # cost more than writing the row (bench/portfolio.py writes 10,000 rows of 20 cells).
    return [cell if type(cell) is str and not cell.startswith(_FORMULA_STARTS) else guard_formula(cell) for cell in row]


def csv_lines(
    rows: Iterable[Sequence[Any]],
    *,
    header: Sequence[str] | None = None,
    guard_formulas: bool = True,
    piece_size: int = PIECE_SIZE,
) -> Iterator[str]:
    """The CSV text of ``header`` (if given) then ``rows``, in pieces of whole lines of about ``piece_size``
    characters. Rows are read as the pieces are taken, never ahead; nothing is yielded for no rows and no
    header."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # excel's default, spelled out: readers count CRLFs
    if header is not None:
        writer.writerow(header)
    for row in rows:
        writer.writerow(_guard_row(row) if guard_formulas else row)
        if buffer.tell() >= piece_size:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()
