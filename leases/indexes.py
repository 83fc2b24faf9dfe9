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
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from leases.services import IndexRow

__all__ = ["HUD_EFFECTIVE", "HudSeries", "read_hud", "read_periods", "slug"]

PERIOD = re.compile(r"\d{4}(-(0[1-9]|1[0-2]))?")
HUD_EFFECTIVE = (4, 1)  # month, day a fiscal year's limits take effect, absent a stated date


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60]


def _decimal(text: str, where: str, problems: list[str]) -> Decimal:
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        problems.append(_("%(where)s: “%(text)s” is not a number") % {"where": where, "text": text})
        return Decimal("0")
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
    if not reader.fieldnames or not {"period", "value"} <= set(reader.fieldnames):
        raise ValidationError({"file": [_("Expected the columns period and value.")]})
    rows, problems = [], []
    for number, record in enumerate(reader, start=2):
        where = _("line %(n)s") % {"n": number}
        period = (record["period"] or "").strip()
        if not PERIOD.fullmatch(period):
            problems.append(_("%(where)s: period “%(p)s” is not YYYY or YYYY-MM") % {"where": where, "p": period})
        value = _decimal(record["value"] or "", where, problems)
        if value <= 0:
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
    if not reader.fieldnames or not needed <= set(reader.fieldnames):
        raise ValidationError({"file": [_("Expected HUD's columns: %(cols)s.") % {"cols": ", ".join(sorted(needed))}]})
    median: dict[str, list[IndexRow]] = defaultdict(list)
    limits: dict[str, list[IndexRow]] = defaultdict(list)
    problems: list[str] = []
    for number, record in enumerate(reader, start=2):
        where = _("line %(n)s") % {"n": number}
        year = (record["year"] or "").strip()
        if not (len(year) == 4 and year.isdigit()):
            problems.append(_("%(where)s: year “%(year)s” is not YYYY") % {"where": where, "year": year})
            continue
        effective = _effective(record.get("effective_from"), where, problems) or dt.date(int(year), *HUD_EFFECTIVE)
        area = record["area"].strip()
        median[area].append(
            IndexRow(year, _decimal(record["median_family_income"], where, problems), effective_from=effective)
        )
        for size in range(1, 9):
            value = _decimal(record[f"li80_hh{size}"], where, problems)
            limits[area].append(IndexRow(year, value, household_size=size, effective_from=effective))
    if problems:
        raise ValidationError({"file": problems})
    return [HudSeries(area, median[area], limits[area]) for area in median]
