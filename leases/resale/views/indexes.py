"""The staff pages of the index series (``/leases/indexes/``): what a resale formula reads, for people.

The list gives each series with its latest value and the date it is in effect from, how many values it has
and when they were last imported; a series' page gives its values, newest first, a line chart of them over
time (``clt.charts``, drawn by ``templates/leases/resale/_index_chart.html``) and the policies that read it.
The API (``/api/v1/index-series/``) keeps the codes and the raw figures.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clt import charts
from clt.decorators import staff_required
from clt.formats import date_text
from leases.resale import selectors
from leases.resale.models import IndexKind, IndexSeries
from leases.resale.wording import money, number

PAGE_SIZE = 60  # five years of a monthly series
WIDTH, HEIGHT = 480, 270
LEFT, RIGHT, TOP, BOTTOM = 72, 20, 14, 34
MONEY_KINDS = frozenset({IndexKind.MEDIAN_INCOME, IndexKind.INCOME_LIMIT})


def figure(series: IndexSeries, value: Decimal | None) -> str:
    """A value as people read it: an income in dollars, an index as published (no trailing zeros)."""
    if value is None:
        return "—"
    if series.kind in MONEY_KINDS:
        return money(value, cents=bool(value % 1))
    return number(value)


# ---------------------------------------------------------------------------------------------
# The chart
# ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(kw_only=True)
class SeriesChart(charts.LineChart):
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM
    latest: charts.Point | None = None
    gaps: int = 0


def _tick(series: IndexSeries, value: Decimal, style: charts.TickFormat) -> str:
    if series.kind not in MONEY_KINDS:
        return formats.number_format(value, style.places if not style.thousands else 0, use_l10n=True,
                                     force_grouping=True)  # fmt: skip
    if value == 0:
        return _("$%(amount)s") % {"amount": 0}
    shown = formats.number_format(style.number(value), style.places, use_l10n=True, force_grouping=True)
    if style.thousands:
        return _("$%(thousands)sk") % {"thousands": shown}
    return _("$%(amount)s") % {"amount": shown}


def series_chart(
    series: IndexSeries, points: list[tuple[dt.date, Decimal]], *, monthly: bool, size: int | None
) -> SeriesChart | None:
    """The values (date in effect, value; oldest first) as a line from $0 or 0, broken where a period was
    never published (more than a month, or a year, between two values). None for fewer than two values."""
    if len(points) < 2:
        return None
    chart = SeriesChart()
    first, last = points[0][0], points[-1][0]
    values = [value for _day, value in points]
    step = charts.nice_step(max(max(values), Decimal(1)))
    ceiling = charts.nice_ceiling(max(values), step)
    x = charts.Scale(first, last, chart.left, chart.right)
    y = charts.Scale(Decimal(0), ceiling, chart.bottom, chart.top)
    style = charts.tick_format(step)
    chart.y_ticks = charts.ticks(y, charts.tick_values(ceiling, step), lambda value: _tick(series, value, style))
    years = charts.year_ticks(first, last)
    if years:
        chart.x_ticks = charts.ticks(x, years, lambda day: str(day.year))
    else:
        chart.x_ticks = charts.ticks(x, sorted({first, last}), lambda day: formats.date_format(day, "M Y"))
    longest = dt.timedelta(days=31 if monthly else 366)
    placed: list[tuple[float, float] | None] = []
    previous = None
    for day, value in points:
        if previous is not None and day - previous > longest:
            placed.append(None)
            chart.gaps += 1
        placed.append((x(day), y(value)))
        previous = day
    chart.segments = charts.line_segments(placed)
    chart.latest = charts.Point(x(last), y(values[-1]), last, values[-1], _("Latest value"))
    chart.description = _describe(series, points, chart.gaps, size)
    return chart


def _describe(series: IndexSeries, points: list[tuple[dt.date, Decimal]], gaps: int, size: int | None) -> str:
    """The chart in a few sentences, for its ``<desc>``: the span, first and latest value, lowest and highest."""
    (first_day, first), (last_day, latest) = points[0], points[-1]
    sentences = [
        _(
            "%(series)s from %(first_date)s to %(last_date)s: %(first)s at first, %(latest)s in the latest value; "
            "lowest %(low)s, highest %(high)s."
        )
        % {
            "series": series.name,
            "first_date": date_text(first_day),
            "last_date": date_text(last_day),
            "first": figure(series, first),
            "latest": figure(series, latest),
            "low": figure(series, min(value for _day, value in points)),
            "high": figure(series, max(value for _day, value in points)),
        }
    ]
    if size is not None:
        sentences.append(
            ngettext(
                "The line shows the figures for a household of %(n)s person.",
                "The line shows the figures for a household of %(n)s people.",
                size,
            )
            % {"n": size}
        )
    if gaps:
        sentences.append(
            ngettext(
                "The line breaks once, where a period was never published.",
                "The line breaks %(n)s times, where periods were never published.",
                gaps,
            )
            % {"n": gaps}
        )
    return " ".join(sentences)


# ---------------------------------------------------------------------------------------------
# The pages
# ---------------------------------------------------------------------------------------------


@staff_required
def index_list(request: HttpRequest) -> HttpResponse:
    """Every index series with its latest value, how many values it has and when they were last imported."""
    series = list(selectors.index_series_overview())
    readers = selectors.policies_reading([s.pk for s in series])
    rows = [(s, figure(s, s.latest_value), readers[s.pk]) for s in series]
    return render(request, "leases/resale/index_list.html", {"rows": rows})


@staff_required
def index_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One series: its values newest first (paginated), a line chart of them, and the policies that read it."""
    series = get_object_or_404(selectors.index_series_overview(), code=code)
    by_size = series.sizes > 0
    values = series.values.order_by("-effective_from", "household_size", "period")
    page = Paginator(values, PAGE_SIZE).get_page(request.GET.get("page"))
    headline = list(
        selectors.headline_values(series).order_by("effective_from").values_list("effective_from", "value", "period")
    )
    monthly = any("-" in period for _day, _value, period in headline)
    chart = series_chart(
        series,
        [(day, value) for day, value, _period in headline],
        monthly=monthly,
        size=selectors.HEADLINE_SIZE if by_size else None,
    )
    context = {
        "series": series,
        "latest": figure(series, series.latest_value),
        "page": page,
        "rows": [(value, figure(series, value.value)) for value in page],
        "by_size": by_size,
        "headline_size": selectors.HEADLINE_SIZE,
        "chart": chart,
        "policies": selectors.policies_reading([series.pk])[series.pk],
    }
    return render(request, "leases/resale/index_detail.html", context)
