"""The round table of a counted contest as a bar chart: each candidate's votes at the end of each stage.

Geometry only (pixels, so floats are fine here): the template draws the SVG. Pure: no Django.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = ["ChartBar", "ChartRow", "decimal_of", "round_chart"]


@dataclass
class ChartBar:
    x: float
    y: float
    height: float
    value: str
    stage: int
    label_y: float = 0.0
    width: float = 30.0

    @property
    def cx(self) -> float:
        return round(self.x + self.width / 2, 1)


@dataclass
class ChartRow:
    name: str
    y: int
    bars: list[ChartBar]
    elected: bool
    base_y: float = 0.0
    quota_y: float | None = None


def decimal_of(text: Any) -> Decimal:
    try:
        return Decimal(str(text))
    except (InvalidOperation, ValueError):
        return Decimal(0)


def round_chart(result: dict[str, Any]) -> dict[str, Any]:
    """Each candidate's votes at the end of each stage: one row of bars per candidate, one bar per stage.

    Rows rather than coloured lines, so that nothing depends on telling colours apart; the quota is a
    dashed line in each row. Geometry only (pixels), so floats are fine here.
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
        bars = []
        for number, stage in enumerate(stages):
            votes = decimal_of(stage["votes"].get(name, 0))
            height = round(plot * float(votes / top), 1)
            bars.append(
                ChartBar(
                    x=label_width + number * slot + (slot - bar_width) / 2,
                    y=round(base - height, 1),
                    height=max(height, 0.5 if votes else 0.0),
                    value=_short(stage["votes"].get(name, "0")),
                    stage=stage["stage"],
                    label_y=round(base - height - 3, 1),
                    width=bar_width,
                )
            )
        rows.append(
            ChartRow(
                name=name,
                y=y0,
                bars=bars,
                elected=name in result.get("winners", []),
                base_y=base,
                quota_y=round(base - plot * float(quota / top), 1) if quota else None,
            )
        )
    width = label_width + slot * max(len(stages), 1)
    return {
        "width": width,
        "height": 8 + row_height * len(names) + 18,
        "rows": rows,
        "label_width": label_width,
        "bar_width": bar_width,
        "stage_label_y": 8 + row_height * len(names) + 12,
        "stage_labels": [{"x": label_width + i * slot + slot / 2, "n": s["stage"]} for i, s in enumerate(stages)],
        "quota": result.get("quota") if quota else None,
    }


def _short(value: Any) -> str:
    """A vote figure for a bar label: whole numbers without decimals, others to two places."""
    number = decimal_of(value)
    if number == number.to_integral_value():
        return str(int(number))
    return f"{number.quantize(Decimal('0.01'))}"
