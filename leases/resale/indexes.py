"""Reading published index series (CPI-U, HUD income limits) from CSV into ``services.IndexRow``s.

Two layouts, both as the public files in ``leases/data/`` are published:

- ``period,value`` (BLS CPI-U): one row per month (``YYYY-MM``) or year (``YYYY``), optionally an
  ``effective_from`` column;
- HUD's income limits, one row per area and fiscal year: ``area,year,median_family_income,
  li80_hh1..li80_hh8``. Each area becomes two series: the median family income and the 80 %
  limits by household size. A fiscal year's limits apply from their release, which HUD makes in
  the spring: from 1 April of that year unless the file has an ``effective_from`` column.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from leases.resale.services import IndexRow

__all__ = ["HUD_EFFECTIVE", "UNPUBLISHED", "HudSeries", "decode", "read_hud", "read_periods", "slug"]

PERIOD = re.compile(r"\d{4}(-(0[1-9]|1[0-2]))?")
HUD_EFFECTIVE = (4, 1)  # month, day a fiscal year's limits take effect, absent a stated date
# The value of a period the publisher did not publish, as BLS's tables write it (October 2025).
UNPUBLISHED = "-"


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (a byte-order mark allowed), and no NUL byte, which no CSV holds."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ValidationError({"file": [_("line %(n)s: not UTF-8 text; is this a CSV file?") % {"n": line}]}) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise ValidationError({"file": [_("line %(n)s: a NUL byte; this is a binary file, not CSV.") % {"n": line}]})
    return text


def _unreadable(reader: csv.DictReader, error: csv.Error) -> ValidationError:
    # line_num counts the lines read before the one csv gave up on.
    message = _("line %(n)s: not readable as CSV (%(error)s)") % {"n": reader.line_num + 1, "error": error}
    return ValidationError({"file": [message]})


def _columns(reader: csv.DictReader) -> set[str]:
    try:
        return set(reader.fieldnames or ())
    except csv.Error as error:
        raise _unreadable(reader, error) from None


def _csv_rows(reader: csv.DictReader) -> Iterator[tuple[int, dict[str, str | None]]]:
    """Each record with its line number; a line csv cannot read is a clear error, not a traceback."""
    try:
        for record in reader:
            yield reader.line_num, record
    except csv.Error as error:
        raise _unreadable(reader, error) from None


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


def _decimal(text: str, where: str, problems: list[str]) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        problems.append(_("%(where)s: “%(text)s” is not a number") % {"where": where, "text": text})
        return None
    if not value.is_finite():  # NaN and Infinity are Decimals, but no index value
        problems.append(_("%(where)s: “%(text)s” is not a finite number") % {"where": where, "text": text.strip()})
        return None
    return value


def _effective(text: str | None, where: str, problems: list[str]) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        problems.append(_("%(where)s: effective_from “%(text)s” is not a date") % {"where": where, "text": text})
        return None


def read_periods(text: str) -> list[IndexRow]:
    """Rows of a ``period,value[,effective_from]`` file; every problem listed, by row number."""
    reader = csv.DictReader(io.StringIO(text))
    if not {"period", "value"} <= _columns(reader):
        raise ValidationError({"file": [_("Expected the columns period and value.")]})
    rows, problems = [], []
    for number, record in _csv_rows(reader):
        where = _("line %(n)s") % {"n": number}
        period = (record["period"] or "").strip()
        if not PERIOD.fullmatch(period):
            problems.append(_("%(where)s: period “%(p)s” is not YYYY or YYYY-MM") % {"where": where, "p": period})
        if (record["value"] or "").strip() == UNPUBLISHED:
            rows.append(IndexRow(period=period, value=None))
            continue
        value = _decimal(record["value"] or "", where, problems)
        if value is not None and value <= 0:
            problems.append(_("%(where)s: the value must be a positive number") % {"where": where})
        effective = _effective(record.get("effective_from"), where, problems)
        rows.append(IndexRow(period=period, value=value, effective_from=effective))
    if problems:
        raise ValidationError({"file": problems})
    return rows


@dataclass(frozen=True)
class HudSeries:
    area: str
    median: list[IndexRow]
    limits: list[IndexRow]


def read_hud(text: str) -> list[HudSeries]:
    """Each area's median family income and 80 % limits by household size (1-8)."""
    reader = csv.DictReader(io.StringIO(text))
    needed = {"area", "year", "median_family_income", *(f"li80_hh{n}" for n in range(1, 9))}
    if not needed <= _columns(reader):
        raise ValidationError({"file": [_("Expected HUD's columns: %(cols)s.") % {"cols": ", ".join(sorted(needed))}]})
    median: dict[str, list[IndexRow]] = defaultdict(list)
    limits: dict[str, list[IndexRow]] = defaultdict(list)
    problems: list[str] = []
    for number, record in _csv_rows(reader):
        where = _("line %(n)s") % {"n": number}
        year = (record["year"] or "").strip()
        if not (len(year) == 4 and year.isdigit()):
            problems.append(_("%(where)s: year “%(year)s” is not YYYY") % {"where": where, "year": year})
            continue
        effective = _effective(record.get("effective_from"), where, problems) or dt.date(int(year), *HUD_EFFECTIVE)
        area = (record["area"] or "").strip()
        median[area].append(
            IndexRow(year, _decimal(record["median_family_income"], where, problems), effective_from=effective)
        )
        for size in range(1, 9):
            value = _decimal(record[f"li80_hh{size}"], where, problems)
            limits[area].append(IndexRow(year, value, household_size=size, effective_from=effective))
    if problems:
        raise ValidationError({"file": problems})
    return [HudSeries(area, median[area], limits[area]) for area in median]
