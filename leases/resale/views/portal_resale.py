"""The homeowner's page "What could my home sell for today?" (``/my/leases/<pk>/resale/``).

Today's formula price under the lease's own resale policy version (``valuation.Valuer``: no new appraisal),
explained line by line in plain words (``leases.resale.explain``), what the estimate is not, and a chart of the
formula price since purchase beside the appraised market values on file and the price paid.

The chart is server-rendered inline SVG (no script). Its points are the purchase date, every month-end
(every quarter-end once the home has been owned five years or more) and today, all valued by one
``Valuer`` over one lease loaded with ``valuable_leases``: the policy is decoded and each index series
read once, so the page runs the same number of queries for 20 points or 120.

A homeowner sees only their own lease (404 for any other, and for a draft); staff may open any lease's
page, which shows what its homeowner sees.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import formats
from django.utils.translation import gettext as _

from clt import charts, clock
from leases.lifecycle.models import GroundLease
from leases.lifecycle.rules import LeaseStatus
from leases.resale import codec as resale_codec
from leases.resale import engine as resale
from leases.resale.explain import explain, money
from leases.resale.models import ResaleCalculation
from leases.resale.valuation import Valuation, Valuer, valuable_leases

__all__ = ["PriceChart", "chart_dates", "portal_resale", "price_chart", "resale_context"]

# Owned this long or more, the chart samples quarter-ends rather than month-ends (at most ~4 points a year).
MONTHLY_UNTIL_MONTHS = 60

# SVG geometry, in viewBox units; the SVG scales to the width of its container.
# Narrow on purpose: on a phone the drawing shrinks to ~70 %, and its labels (15 units, 19 on a phone) must
# stay legible.
WIDTH, HEIGHT = 480, 270
LEFT, RIGHT, TOP, BOTTOM = 64, 20, 14, 34


# ---------------------------------------------------------------------------------------------
# The dates and values the chart shows
# ---------------------------------------------------------------------------------------------


def _month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def _month_end(index: int) -> dt.date:
    following = index + 1
    return dt.date(following // 12, following % 12 + 1, 1) - dt.timedelta(days=1)


def chart_dates(start: dt.date, today: dt.date) -> list[dt.date]:
    """The purchase date, each month-end (quarter-end when owned ``MONTHLY_UNTIL_MONTHS`` or more) after it
    and before today, and today."""
    if today < start:
        return []
    step = 1 if _month_index(today) - _month_index(start) < MONTHLY_UNTIL_MONTHS else 3
    index = _month_index(start)
    index += (-(index + 1)) % step  # quarter-ends are the ends of March, June, September and December
    dates = [start]
    while (day := _month_end(index)) < today:
        if day > start:
            dates.append(day)
        index += step
    if today > start:
        dates.append(today)
    return dates


@dataclasses.dataclass(frozen=True)
class PricePoint:
    on: dt.date
    price: Decimal | None
    problem: str = ""


@dataclasses.dataclass(frozen=True)
class AppraisalPoint:
    on: dt.date
    value: Decimal
    label: str


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


def appraisal_points(lease: GroundLease, calculations: list[ResaleCalculation]) -> list[AppraisalPoint]:
    """The appraised market values on file: at purchase (the lease) and at resale (its saved calculations).

    The whole property's value where the appraisal has it (the market value of the home with its land),
    else the home's alone, and said so.
    """
    points: list[AppraisalPoint] = []
    at_purchase = lease.appraisal_date or lease.commencement
    if at_purchase is not None:
        if lease.appraised_value is not None:
            points.append(AppraisalPoint(at_purchase, lease.appraised_value, _("Appraised market value at purchase")))
        elif lease.appraised_improvements_value is not None:
            points.append(
                AppraisalPoint(
                    at_purchase,
                    lease.appraised_improvements_value,
                    _("Appraised value at purchase (the home without the land)"),
                )
            )
    for calc in calculations:
        found = (calc.inputs or {}).get("resale_appraisal") or {}
        if not isinstance(found, dict):
            continue
        total, improvements = _decimal(found.get("total")), _decimal(found.get("improvements"))
        try:
            on = dt.date.fromisoformat(found["effective_date"]) if found.get("effective_date") else None
        except (TypeError, ValueError):
            on = None
        on = on or calc.determination_date
        if total is not None:
            points.append(AppraisalPoint(on, total, _("Appraised market value for the resale")))
        elif improvements is not None:
            points.append(
                AppraisalPoint(on, improvements, _("Appraised value for the resale (the home without the land)"))
            )
    unique = {(p.on, p.value): p for p in points}  # several calculations may reuse one appraisal
    return sorted(unique.values(), key=lambda p: p.on)


# ---------------------------------------------------------------------------------------------
# The chart's geometry
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(kw_only=True)
class PriceChart(charts.LineChart):
    """Everything the template draws; coordinates are floats (pixels), figures stay Decimal."""

    points: list[PricePoint]
    appraisals: list[AppraisalPoint]
    paid: Decimal | None
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM
    latest: charts.Point | None = None
    paid_y: float | None = None

    @property
    def priced(self) -> list[PricePoint]:
        return [p for p in self.points if p.price is not None]

    @property
    def market_rows(self) -> list[AppraisalPoint]:
        """The price paid and the appraisals, by date, for the table under the chart."""
        rows = list(self.appraisals)
        if self.paid is not None and self.points:
            rows.append(AppraisalPoint(self.points[0].on, self.paid, _("The price you paid")))
        return sorted(rows, key=lambda row: row.on)


def _dollar_tick(value: Decimal, style: charts.TickFormat) -> str:
    if value == 0:
        return _("$%(amount)s") % {"amount": 0}
    number = formats.number_format(style.number(value), style.places, use_l10n=True, force_grouping=True)
    if style.thousands:
        return _("$%(thousands)sk") % {"thousands": number}
    return _("$%(amount)s") % {"amount": number}


def price_chart(points: list[PricePoint], appraisals: list[AppraisalPoint], paid: Decimal | None) -> PriceChart:
    """Lay out the formula price (a line, broken where a date has no price), the appraisals (dots) and the
    price paid (a dashed line) on axes from $0 with dollar ticks and years."""
    chart = PriceChart(points=points, appraisals=appraisals, paid=paid)
    days = [p.on for p in points] + [a.on for a in appraisals]
    values = [p.price for p in chart.priced] + [a.value for a in appraisals] + ([paid] if paid is not None else [])
    if not days or not values:
        return chart
    first, last = min(days), max(days)
    step = charts.nice_step(max(max(values), Decimal(1)))
    ceiling = charts.nice_ceiling(max(values), step)
    x = charts.Scale(first, last, chart.left, chart.right)
    y = charts.Scale(Decimal(0), ceiling, chart.bottom, chart.top)
    style = charts.tick_format(step)
    chart.y_ticks = charts.ticks(y, charts.tick_values(ceiling, step), lambda value: _dollar_tick(value, style))
    years = charts.year_ticks(first, last)
    if years:
        chart.x_ticks = charts.ticks(x, years, lambda day: str(day.year))
    else:  # less than a year, inside one calendar year: the first and last dates
        chart.x_ticks = charts.ticks(x, sorted({first, last}), lambda day: formats.date_format(day, "M Y"))
    chart.segments = charts.line_segments(None if p.price is None else (x(p.on), y(p.price)) for p in points)
    if chart.priced:
        latest = chart.priced[-1]
        chart.latest = charts.Point(x(latest.on), y(latest.price), latest.on, latest.price, _("Formula price"))
    chart.dots = [charts.Point(x(a.on), y(a.value), a.on, a.value, a.label) for a in appraisals]
    if paid is not None:
        chart.paid_y = y(paid)
    chart.description = _describe(chart)
    return chart


def _describe(chart: PriceChart) -> str:
    """The chart in one paragraph, for its ``<desc>``."""
    sentences = []
    priced = chart.priced
    if priced:
        first, latest = priced[0], priced[-1]
        sentences.append(
            _("The formula price went from %(first)s on %(first_date)s to %(latest)s on %(latest_date)s.")
            % {
                "first": money(first.price),
                "first_date": formats.date_format(first.on),
                "latest": money(latest.price),
                "latest_date": formats.date_format(latest.on),
            }
        )
    if chart.paid is not None:
        sentences.append(_("You paid %(amount)s.") % {"amount": money(chart.paid)})
    return charts.describe(
        (
            (a.label, _("%(amount)s on %(date)s") % {"amount": money(a.value), "date": formats.date_format(a.on)})
            for a in chart.appraisals
        ),
        before=" ".join(sentences),
    )


# ---------------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------------


def _policy_used(valuation: Valuation) -> resale.ResalePolicy | None:
    """The version's policy for the explanation's rates and caps (the valuation already read it)."""
    if valuation.version is None:
        return None
    try:
        return resale_codec.policy_from_dict(valuation.version.parameters)
    except resale.ResaleInputError:
        return None


def _plain_problem(valuation: Valuation) -> str:
    """Why there is no price, in plain words: an index series' own message names it and its dates."""
    version = valuation.version
    if not valuation.problem or version is None:
        return valuation.problem
    for series, words in (
        (version.cpi_series, _("the consumer price index")),
        (version.ami_series, _("the area median income")),
    ):
        if series is not None and valuation.problem.startswith(f"{series.name}:"):
            return _(
                "Your price follows %(index)s, and no figure of it is on file for %(date)s, so there is no "
                "estimate for that date (%(detail)s)."
            ) % {"index": words, "date": formats.date_format(valuation.on), "detail": valuation.problem.rstrip(".")}
    return valuation.problem


def _plain_notes(valuation: Valuation) -> list[str]:
    """The valuation's notes, a series' staleness warning (worded for staff, with its code) in plain words."""
    version = valuation.version
    series = {}
    if version is not None:
        series = {
            s.name: words
            for s, words in (
                (version.cpi_series, _("consumer price index")),
                (version.ami_series, _("area median income")),
            )
            if s is not None
        }
    notes = []
    for note in valuation.notes:
        name = next((name for name in series if note.startswith(f"{name}:")), None)
        if name is not None:
            note = _(
                "This estimate uses the latest %(index)s on file; a newer figure may have been published since, "
                "and would change it (%(detail)s)."
            ) % {"index": series[name], "detail": note.rstrip(".")}
        notes.append(note)
    return notes


def resale_context(lease: GroundLease, today: dt.date, calculations: list[ResaleCalculation]) -> dict[str, Any]:
    """What the page shows for ``lease`` (loaded through ``valuable_leases``) on ``today``."""
    valuer = Valuer()
    valuation = valuer.value(lease, today)
    lines = []
    if valuation.result is not None:
        lines = explain(valuation.result, policy=_policy_used(valuation), inputs=valuation.inputs)
        # A rounding that changed nothing tells a homeowner nothing; staff pages show it.
        lines = [line for line in lines if not (line.code.startswith("round.") and line.amount == 0)]
    chart = None
    if lease.commencement is not None:
        points = []
        for day in chart_dates(lease.commencement, today):
            found = valuation if day == today else valuer.value(lease, day)
            points.append(PricePoint(day, found.price, found.problem))
        if any(p.price is not None for p in points):
            chart = price_chart(points, appraisal_points(lease, calculations), lease.purchase_price)
    return {
        "lease": lease,
        "today": today,
        "valuation": valuation,
        "version": valuation.version,
        "lines": lines,
        "chart": chart,
        "problem": _plain_problem(valuation),
        "notes": _plain_notes(valuation),
    }


def portal_resale(request: HttpRequest, pk: int) -> HttpResponse:
    """ "What could my home sell for today?": the homeowner's own lease (404 otherwise); staff, any lease."""
    leases = GroundLease.objects.visible_to(request.user).exclude(status=LeaseStatus.DRAFT)
    lease = get_object_or_404(valuable_leases(leases), pk=pk)
    calculations = list(
        ResaleCalculation.objects.visible_to(request.user).filter(lease=lease).order_by("determination_date", "pk")
    )
    return render(request, "portal/resale.html", resale_context(lease, clock.today(), calculations))
