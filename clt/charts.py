"""Inline SVG charts as plain data: scales, ticks, bars, lines, slopes and the words a screen reader reads.

Every chart of the site, on a page or in a PDF, is laid out with these pieces and drawn by a template; the
shared parts of the drawing are ``templates/charts/_bars.html`` and ``templates/charts/_y_ticks.html``. They
write every colour and font size as an SVG attribute, without scripts or external CSS, so that weasyprint
draws a chart in a PDF as a browser does on a page (a page's stylesheet may still restyle it by class).

Coordinates are floats in viewBox units rounded to a tenth: pixel positions, never money. The figures a chart
stands for stay as they were given (``Decimal`` for money).

Pure: no Django. Whatever a reader sees as words (tick labels, a bar's figure, the description) is written by
the caller in the active language and handed in, as text or as a ``label`` function: this module only places
it. So a command or a PDF can lay out a chart without a request, and the geometry is tested without Django.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from fractions import Fraction

__all__ = [
    "INK",
    "Bar",
    "BarChart",
    "BarGroup",
    "Item",
    "LineChart",
    "Point",
    "Scale",
    "Slope",
    "SlopeChart",
    "Tick",
    "TickFormat",
    "bar_groups",
    "column",
    "describe",
    "line_segments",
    "nice_ceiling",
    "nice_step",
    "row_bar",
    "shares",
    "slopes",
    "tick_format",
    "tick_values",
    "ticks",
    "year_ticks",
]

Number = Decimal | int | float
Value = Number | dt.date

INK = "#1a1a1a"  # text: 17:1 on white


def _plain(value: Value) -> Number:
    # A time axis is a number line of days.
    return value.toordinal() if isinstance(value, dt.date) else value


def _ratio(part: Number, whole: Number) -> float:
    # Decimals divide as Decimals (exact to 28 digits) before becoming a float for the pixels.
    if isinstance(part, float) or isinstance(whole, float):
        return float(part) / float(whole)
    return float(part / whole)


# ---------------------------------------------------------------------------------------------
# Scales and ticks
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    """Values from ``low`` to ``high`` onto pixels from ``start`` to ``end``, in a straight line.

    SVG's y grows downwards, so an upward value axis has ``end`` above ``start`` (``Scale(0, top, 236, 14)``).
    Dates are placed by their day. When ``low`` equals ``high`` every value is at ``start``.
    """

    low: Value
    high: Value
    start: float
    end: float

    def _span(self) -> Number:
        return (_plain(self.high) - _plain(self.low)) or 1

    def at(self, value: Value) -> float:
        """The position of ``value``, unrounded (for sums that are rounded once at the end)."""
        return self.start + (self.end - self.start) * _ratio(_plain(value) - _plain(self.low), self._span())

    def __call__(self, value: Value) -> float:
        return round(self.at(value), 1)

    def length(self, value: Number) -> float:
        """How long a bar of ``value`` is from the zero line, unrounded, whatever its sign."""
        return abs(self.end - self.start) * _ratio(abs(value), self._span())

    @property
    def zero(self) -> float:
        return round(self.at(0), 1)


@dataclass(frozen=True)
class Tick:
    """A mark on an axis at ``at`` (pixels) and its words."""

    at: float
    label: str

    @property
    def label_y(self) -> float:
        # The baseline that centres 13-15 unit text on a horizontal grid line.
        return round(self.at + 5, 1)


STEP_FACTORS = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))


def nice_step(top: Decimal, count: int = 4) -> Decimal:
    """A step of 1, 2, 2.5 or 5 × a power of ten giving at most ``count`` steps from 0 up to ``top``.

    ``nice_step(Decimal(157000))`` is 50,000 and ``nice_step(Decimal("38.60"))`` is 10.
    """
    raw = Decimal(top) / count
    if raw <= 0:
        return Decimal(1)
    magnitude = Decimal(10) ** raw.adjusted()
    return next(factor * magnitude for factor in STEP_FACTORS if factor * magnitude >= raw)


def nice_ceiling(top: Decimal, step: Decimal) -> Decimal:
    """The first multiple of ``step`` at or above ``top``, and at least one step (an axis is never empty)."""
    steps = (Decimal(top) / step).to_integral_value(rounding=ROUND_CEILING)
    return max(steps, Decimal(1)) * step


def tick_values(ceiling: Decimal, step: Decimal) -> list[Decimal]:
    """0, ``step``, 2 × ``step`` … up to ``ceiling``."""
    return [step * n for n in range(int(ceiling / step) + 1)]


def ticks(scale: Scale, values: Iterable[Value], label: Callable[[Value], str]) -> list[Tick]:
    return [Tick(scale(value), label(value)) for value in values]


@dataclass(frozen=True)
class TickFormat:
    """How to write the ticks of a step so that no two read the same and none carries needless digits:
    in thousands when every tick is a whole thousand ("$100k"), with as many decimals as the step has
    (2.5 needs one)."""

    thousands: bool
    places: int

    def number(self, value: Decimal) -> Decimal:
        """The figure to write for ``value`` (divided by 1,000 for an axis in thousands)."""
        return value / 1000 if self.thousands else value


def tick_format(step: Decimal) -> TickFormat:
    thousands = step % 1000 == 0
    shown = (step / 1000 if thousands else step).normalize()
    return TickFormat(thousands=thousands, places=max(0, -shown.as_tuple().exponent))


def year_ticks(first: dt.date, last: dt.date, most: int = 8) -> list[dt.date]:
    """New Year's days from ``first`` to ``last``: every year, or every 2nd, 5th, 10th … so that at most
    ``most`` are marked. Empty when the span holds no New Year's day after ``first``'s own."""
    start = first.year + (first > dt.date(first.year, 1, 1))
    years = [dt.date(year, 1, 1) for year in range(start, last.year + 1)]
    for every in (1, 2, 5, 10, 20, 25, 50):
        chosen = [day for day in years if day.year % every == 0]
        if len(chosen) <= most:
            return chosen
    return years[:1]


# ---------------------------------------------------------------------------------------------
# Bars
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """One bar in viewBox units, the figure it stands for, and the words written at its end.

    ``label`` says what the bar is (a month, a band, "Initial subsidy"), so that nothing is told by colour
    alone; ``outline`` draws the bar as a dashed frame (a capacity behind a filled bar, say).
    """

    x: float
    y: float
    width: float
    height: float
    value: Number
    text: str = ""
    text_x: float = 0.0
    text_y: float = 0.0
    anchor: str = "start"  # of the text: "middle" above a column, "start" after a row's bar
    label: str = ""
    css: str = ""
    colour: str = INK
    outline: bool = False

    @property
    def cx(self) -> float:
        return round(self.x + self.width / 2, 1)


def column(
    scale: Scale,
    value: Number,
    *,
    x: float,
    width: float,
    min_length: float = 1.0,
    text: str = "",
    text_gap: float = 5.0,
    text_below: float = 14.0,
    **drawing: str,
) -> Bar:
    """A vertical bar standing on the zero line of ``scale`` (a y scale): up for zero and above, down for
    a negative value. Its text's baseline is ``text_gap`` above an upward bar, ``text_below`` under the end of
    a downward one (room for the text's own height).

    A value that is not zero is at least ``min_length`` long, so that a small figure still shows.
    """
    zero = scale.at(0)
    length = scale.length(value)
    up = value >= 0
    y = zero - length if up else zero
    text_y = y - text_gap if up else y + length + text_below
    return Bar(
        x=round(x, 1),
        y=round(y, 1),
        width=width,
        height=round(max(length, min_length if value else 0.0), 1),
        value=value,
        text=text,
        text_x=round(x + width / 2, 1),
        text_y=round(text_y, 1),
        anchor="middle",
        **drawing,
    )


def row_bar(
    scale: Scale,
    value: Number,
    *,
    y: float,
    height: float,
    min_length: float = 1.0,
    text: str = "",
    text_gap: float = 6.0,
    **drawing: str | bool,
) -> Bar:
    """A horizontal bar from the zero line of ``scale`` (an x scale): right for zero and above, left for a
    negative value. Its text follows the bar's right end (or the zero line's, for a bar to the left)."""
    zero = scale.at(0)
    length = scale.length(value)
    x = zero if value >= 0 else zero - length
    return Bar(
        x=round(x, 1),
        y=round(y, 1),
        width=round(max(length, min_length if value else 0.0), 1),
        height=height,
        value=value,
        text=text,
        text_x=round(max(x + length, zero) + text_gap, 1),
        text_y=round(y + height - 4, 1),
        **drawing,
    )


@dataclass(frozen=True)
class Item:
    """A figure to draw as a bar, with its words: what it is (``label``) and the figure as read (``text``)."""

    value: Number
    text: str = ""
    label: str = ""
    css: str = ""
    colour: str = INK


@dataclass(frozen=True)
class BarGroup:
    label: str
    label_y: float
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class BarChart:
    """Bars, or groups of bars, with the position of their zero line (an x for rows, a y for columns)."""

    width: int
    height: int
    zero: float
    bars: tuple[Bar, ...] = ()
    groups: tuple[BarGroup, ...] = ()
    label_y: float = 0.0  # columns: the baseline of the labels under them
    description: str = ""


def bar_groups(
    groups: Sequence[tuple[str, Sequence[Item]]],
    *,
    width: int,
    plot: float,
    bar_height: float = 18,
    gap: float = 4,
    heading: float = 22,
    spacing: float = 10,
    description: str = "",
) -> BarChart:
    """Horizontal bars in groups, each under its heading: one scale for all, ``plot`` units from the most
    negative figure (or zero) to the largest; the rest of the ``width`` is for the figures' words."""
    values = [item.value for _label, items in groups for item in items]
    most = max([v for v in values if v > 0], default=Decimal(0))
    least = min([v for v in values if v < 0], default=Decimal(0))
    scale = Scale(least, most, 0, plot)
    laid_out, y = [], 0.0
    for label, items in groups:
        label_y = y + 15
        y += heading
        bars = []
        for item in items:
            bars.append(
                row_bar(
                    scale,
                    item.value,
                    y=y,
                    height=bar_height,
                    text=item.text,
                    label=item.label,
                    css=item.css,
                    colour=item.colour,
                )
            )
            y += bar_height + gap
        laid_out.append(BarGroup(label=label, label_y=round(label_y, 1), bars=tuple(bars)))
        y += spacing
    return BarChart(width=width, height=int(y) + 4, zero=scale.zero, groups=tuple(laid_out), description=description)


# ---------------------------------------------------------------------------------------------
# Lines and points
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    """A marked point: where it is, the x value it stands at (a date on a time axis), its figure and words."""

    x: float
    y: float
    at: Value
    value: Number
    label: str = ""


def line_segments(points: Iterable[tuple[float, float] | None]) -> list[str]:
    """The ``points`` of one ``<polyline>`` per unbroken run: ``None`` (a date without a figure) breaks the
    line rather than joining its neighbours across the gap."""
    segments: list[str] = []
    current: list[str] = []
    for point in [*points, None]:
        if point is None:
            if current:
                segments.append(" ".join(current))
            current = []
        else:
            current.append(f"{point[0]},{point[1]}")
    return segments


@dataclass(kw_only=True)
class LineChart:
    """A plot area inside margins, with its ticks, lines (``segments``) and marked points (``dots``)."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    y_ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    segments: list[str] = field(default_factory=list)
    dots: list[Point] = field(default_factory=list)
    description: str = ""

    @property
    def tick_x(self) -> float:
        return self.left - 6


# ---------------------------------------------------------------------------------------------
# Slopes: each item's figure before (left axis) and after (right axis)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slope:
    """A line from the left axis to the right one; with one end unknown, a dot on the axis that is known."""

    y1: float | None
    y2: float | None
    colour: str = INK


def slopes(
    pairs: Iterable[tuple[Number | None, Number | None]], scale: Scale, *, rising: str, other: str
) -> list[Slope]:
    """One slope per pair with at least one figure; those that rise in the ``rising`` colour (words elsewhere
    must say which colour is which)."""
    drawn = []
    for before, after in pairs:
        if before is None and after is None:
            continue
        up = before is not None and after is not None and after > before
        drawn.append(
            Slope(
                None if before is None else scale(before),
                None if after is None else scale(after),
                rising if up else other,
            )
        )
    return drawn


@dataclass(frozen=True)
class SlopeChart:
    """Two vertical axes at ``x1`` and ``x2`` over one scale, from ``top`` to ``bottom``; a thick ``summary``
    slope (the medians, say) with its words under each axis, and a dashed ``reference`` line."""

    width: int
    height: int
    x1: float
    x2: float
    top: float
    bottom: float
    y_ticks: tuple[Tick, ...]
    slopes: tuple[Slope, ...]
    description: str = ""
    summary: Slope | None = None
    summary_texts: tuple[str, str] = ("", "")
    reference: Tick | None = None

    # Where the grid and the words go, from the axes (the template does no arithmetic).
    @property
    def left(self) -> float:
        return self.x1 - 50

    @property
    def right(self) -> float:
        return self.x2 + 50

    @property
    def tick_x(self) -> float:
        return self.left - 6

    @property
    def reference_x(self) -> float:
        return self.right + 4

    @property
    def label_y(self) -> float:
        return self.bottom + 22

    @property
    def summary_y(self) -> float:
        # Under each axis's name: beside the points, the two texts would overlap on a narrow chart.
        return self.bottom + 41


# ---------------------------------------------------------------------------------------------
# The text alternative
# ---------------------------------------------------------------------------------------------


def describe(items: Iterable[tuple[str, str]], *, before: str = "", after: str = "") -> str:
    """The words a screen reader reads for a chart (its ``<desc>``): each item as "label: figures", the items
    parted by semicolons and closed by a full stop, between a sentence ``before`` and one ``after``.

    The chart's figures are also in a table beside it: this is the gist, in reading order.
    """
    listed = "; ".join(f"{label}: {figures}" for label, figures in items)
    return " ".join(part for part in (before, f"{listed}." if listed else "", after) if part)


def shares(parts: Sequence[Number | Fraction], *, places: int = 1) -> list[Decimal]:
    """Each part's percentage of their sum, rounded so that the percentages add up to exactly 100.

    Largest remainder (Hamilton's method): every share is first rounded down to ``places`` decimals, then
    the units still missing go, one each, to the shares that lost the most; ties go to the earlier part.
    3, 2, 2 of 7 (42.857…, 28.571…, 28.571…) → 42.8, 28.6, 28.6: rounding each alone gives 100.1, cutting
    each gives 99.8.
    All zero (or no parts) → zeros: there is no whole to share.
    """
    exact = [Fraction(part) for part in parts]
    total = sum(exact, Fraction(0))
    if total <= 0:
        return [Decimal(0).quantize(Decimal(1).scaleb(-places)) for _ in exact]
    unit = Fraction(1, 10**places)
    scaled = [part * 100 / total / unit for part in exact]  # in units of the last place
    floors = [math.floor(value) for value in scaled]
    missing = round(100 / unit) - sum(floors)
    by_loss = sorted(range(len(scaled)), key=lambda i: (-(scaled[i] - floors[i]), i))
    for index in by_loss[:missing]:
        floors[index] += 1
    quantum = Decimal(1).scaleb(-places)
    return [(Decimal(units) * quantum).quantize(quantum, rounding=ROUND_FLOOR) for units in floors]
