"""The subsidy chart: per program, the initial subsidy beside the subsidy retained, as horizontal bars.

One chart for the portfolio page and the funder impact report, on the page and in its PDF, drawn by
``templates/leases/_subsidy_chart.html``; the pages say over which leases or resales the figures are summed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from clt import charts
from leases.resale.wording import money

__all__ = ["SubsidyRow", "dollars", "subsidy_chart"]

INITIAL_COLOUR = "#1f5fa8"  # 6.4:1 on white
RETAINED_COLOUR = "#c2410c"  # 5.2:1 on white


@dataclass(frozen=True)
class SubsidyRow:
    name: str
    initial: Decimal
    retained: Decimal
    note: str = ""  # read after the figures: the ratio, how many leases or resales


def dollars(amount: Decimal) -> str:
    """Whole dollars, rounded half up: ``$60,000``, ``−$1,250``."""
    return money(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP), cents=False)


def subsidy_chart(rows: Sequence[SubsidyRow]) -> charts.BarChart | None:
    """Two bars a program, each with its figure in words beside it (so that nothing is told by colour alone);
    a negative figure goes left of the zero line. None without a program."""
    if not rows:
        return None
    groups, said = [], []
    for row in rows:
        initial, retained = dollars(row.initial), dollars(row.retained)
        groups.append(
            (
                row.name,
                (
                    charts.Item(
                        row.initial,
                        _("%(amount)s initial") % {"amount": initial},
                        _("Initial subsidy"),
                        "bar-initial",
                        INITIAL_COLOUR,
                    ),
                    charts.Item(
                        row.retained,
                        _("%(amount)s retained") % {"amount": retained},
                        _("Subsidy retained"),
                        "bar-retained",
                        RETAINED_COLOUR,
                    ),
                ),
            )
        )
        figures = _("initial subsidy %(initial)s, subsidy retained %(retained)s") % {
            "initial": initial,
            "retained": retained,
        }
        said.append((row.name, f"{figures} {row.note}" if row.note else figures))
    # Narrow, so that the words stay legible on a phone: 270 units for the bars, the rest for their figures.
    return charts.bar_groups(groups, width=420, plot=270, description=charts.describe(said))
