"""The round table of a counted contest as a bar chart: each candidate's votes at the end of each stage.

Laid out with ``clt.charts``; the template draws the SVG and says the figures in words. Pure: no Django.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from clt import charts

__all__ = ["ChartRow", "RoundChart", "decimal_of", "round_chart"]

ELECTED_COLOUR = "#1f4f8a"
OTHER_COLOUR = "#6b7f99"


@dataclass
class ChartRow:
    name: str
    y: int
    bars: list[charts.Bar]  # one a stage: its label is the stage's number, its text the votes
    elected: bool
    base_y: float = 0.0
    quota_y: float | None = None


@dataclass
class RoundChart:
    width: int
    height: int
    rows: list[ChartRow]
    label_width: int
    stage_label_y: int
    stage_labels: list[charts.Tick]  # under each stage's bars: its number
    quota: Any = None  # as the count gives it, for the caption


def decimal_of(text: Any) -> Decimal:
    try:
        return Decimal(str(text))
    except (InvalidOperation, ValueError):
        return Decimal(0)


def round_chart(result: dict[str, Any]) -> RoundChart:
    """Each candidate's votes at the end of each stage: one row of bars per candidate, one bar per stage.

    Rows rather than coloured lines, so that nothing depends on telling colours apart; the quota is a
    dashed line in each row.
    """
    stages = result.get("stages") or []
    names = [n for n in result.get("candidates", []) if n not in result.get("withdrawn", [])]
    label_width, slot, bar_width, row_height, plot = 170, 46, 30, 74, 46
    values = [decimal_of(s["votes"].get(n, 0)) for s in stages for n in names]
    quota = decimal_of(result.get("quota")) if result.get("quota") not in (None, "", "None") else None
    top = max([*values, quota or Decimal(0), Decimal(1)])
    rows = []
    for index, name in enumerate(names):
        y0 = 8 + index * row_height
        base = y0 + plot + 14
        scale = charts.Scale(Decimal(0), top, base, base - plot)
        elected = name in result.get("winners", [])
        bars = [
            charts.column(
                scale,
                decimal_of(stage["votes"].get(name, 0)),
                x=label_width + number * slot + (slot - bar_width) / 2,
                width=bar_width,
                min_length=0.5,
                text=_short(stage["votes"].get(name, "0")),
                text_gap=3,
                label=str(stage["stage"]),
                colour=ELECTED_COLOUR if elected else OTHER_COLOUR,
            )
            for number, stage in enumerate(stages)
        ]
        rows.append(
            ChartRow(name=name, y=y0, bars=bars, elected=elected, base_y=base, quota_y=scale(quota) if quota else None)
        )
    return RoundChart(
        width=label_width + slot * max(len(stages), 1),
        height=8 + row_height * len(names) + 18,
        rows=rows,
        label_width=label_width,
        stage_label_y=8 + row_height * len(names) + 12,
        stage_labels=[charts.Tick(label_width + i * slot + slot / 2, str(s["stage"])) for i, s in enumerate(stages)],
        quota=result.get("quota") if quota else None,
    )


def _short(value: Any) -> str:
    """A vote figure for a bar label: whole numbers without decimals, others to two places."""
    number = decimal_of(value)
    if number == number.to_integral_value():
        return str(int(number))
    return f"{number.quantize(Decimal('0.01'))}"
