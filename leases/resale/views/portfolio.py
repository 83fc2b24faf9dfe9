"""The staff page of the resale portfolio (``/leases/portfolio/?as_of=``): ``leases.portfolio`` on a page.

Per program, a bar chart of the initial subsidy beside the subsidy retained (inline SVG drawn here, with the
same figures in the table under it), then every lease in force on the date, 50 a page, with the reason where
there is no price, and a link to the same rows as CSV (``/api/v1/resale/portfolio/?format=csv``).
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clt import clock
from clt.decorators import staff_required
from clt.forms import add_service_errors
from leases.lifecycle.models import GroundLease
from leases.resale import portfolio
from leases.resale.models import ResalePolicy

PAGE_SIZE = 50
HUNDRED = Decimal("100")


class PortfolioForm(forms.Form):
    """The page's question (GET): the valuation date and, if wanted, one program."""

    as_of = forms.DateField(
        label=gettext_lazy("Valued on"),
        required=False,
        help_text=gettext_lazy("Leases in force on this date, priced by their formula then. Empty: today."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    program = forms.ChoiceField(label=gettext_lazy("Program"), required=False, choices=())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = ResalePolicy.objects.order_by("name").values_list("name", flat=True)
        self.fields["program"].choices = [("", _("All programs"))] + [(name, name) for name in names]


# --- The chart -------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ChartBar:
    label: str  # "Initial subsidy" / "Subsidy retained": said in words, not by colour alone
    short: str  # beside the bar: "initial" / "retained"
    amount: Decimal
    css: str
    x: float
    y: float
    width: float
    height: float
    text_x: float
    text_y: float


@dataclasses.dataclass(frozen=True)
class ChartGroup:
    label: str
    label_y: float
    bars: tuple[ChartBar, ...]


@dataclasses.dataclass(frozen=True)
class SubsidyChart:
    width: int
    height: int
    zero_x: float
    groups: tuple[ChartGroup, ...]


def subsidy_chart(programs: list[portfolio.ProgramSummary]) -> SubsidyChart | None:
    """Horizontal bars per program: the initial subsidy and the subsidy retained, over the leases where both
    are known (the figures of the retention ratio). None when no program has any."""
    shown = [s for s in programs if s.compared]
    if not shown:
        return None
    # Narrow, so that the labels stay legible on a phone; plot is the bars' span, the rest is for the values.
    width, plot, bar, gap, title = 420, 270, 18, 4, 22
    amounts = [a for s in shown for a in (s.initial_compared, s.retained_compared)]
    most = max([a for a in amounts if a > 0], default=Decimal("0"))
    least = max([-a for a in amounts if a < 0], default=Decimal("0"))
    span = most + least or Decimal("1")
    # Geometry only, never money: floats are fine for pixel positions.
    zero_x = round(plot * float(least / span), 1)
    groups, y = [], 0.0
    for summary in shown:
        label_y = y + 15
        y += title
        bars = []
        for name, short, amount, css in (
            (_("Initial subsidy"), _("initial"), summary.initial_compared, "bar-initial"),
            (_("Subsidy retained"), _("retained"), summary.retained_compared, "bar-retained"),
        ):
            length = plot * float(abs(amount) / span)
            x = zero_x if amount >= 0 else zero_x - length
            bars.append(
                ChartBar(
                    label=name,
                    short=short,
                    amount=amount,
                    css=css,
                    x=round(x, 1),
                    y=round(y, 1),
                    width=round(max(length, 1.0 if amount else 0.0), 1),
                    height=bar,
                    text_x=round(max(x + length, zero_x) + 6, 1),
                    text_y=round(y + bar - 4, 1),
                )
            )
            y += bar + gap
        groups.append(ChartGroup(label=summary.label, label_y=round(label_y, 1), bars=tuple(bars)))
        y += 10
    return SubsidyChart(width=width, height=int(y) + 4, zero_x=zero_x, groups=tuple(groups))


# --- The page --------------------------------------------------------------------------------------------


def _percent(ratio: Decimal | None) -> Decimal | None:
    return None if ratio is None else (ratio * HUNDRED).quantize(Decimal("0.1"))


@staff_required
def portfolio_page(request: HttpRequest) -> HttpResponse:
    """Every lease in force on ``as_of`` with its formula price, per program; 400 with the reason for a bad date."""
    form = PortfolioForm(request.GET or None)
    context: dict[str, Any] = {"form": form}
    if form.is_bound and not form.is_valid():
        return render(request, "leases/portfolio.html", context, status=400)
    values = form.cleaned_data if form.is_bound else {}
    as_of = values.get("as_of") or clock.today()
    program = values.get("program") or None
    try:
        found = portfolio.resale_portfolio(
            as_of=as_of, leases=GroundLease.objects.visible_to(request.user), program=program
        )
    except ValidationError as error:  # a program renamed since the form was drawn
        add_service_errors(form, error)
        return render(request, "leases/portfolio.html", context, status=400)

    page = Paginator(found.rows, PAGE_SIZE).get_page(request.GET.get("page"))
    kept = {"as_of": as_of.isoformat(), **({"program": program} if program else {})}
    context.update(
        {
            "portfolio": found,
            "as_of": as_of,
            "page": page,
            "query": urlencode(kept),
            "csv_url": reverse("resale-portfolio") + "?" + urlencode({**kept, "format": "csv"}),
            "chart": subsidy_chart(found.programs),
            "programs": [(s, _percent(s.retention_ratio)) for s in found.programs],
            "total_percent": _percent(found.total.retention_ratio),
        }
    )
    return render(request, "leases/portfolio.html", context)
